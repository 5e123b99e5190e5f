"""The reference model's Fund defaults are the token constructor's: a token created through the
factory with no options and a `Fund()` given only what the factory passes (leverage, direction,
creation time) agree on every parameter and piece of state the model reads, so the backtester
cannot drift from the chain silently."""

import dataclasses

from helpers import venue_settings

from ltsdk.replica import Fund, Venue
from ltsdk.units import WAD

# Fund attribute -> the token's getter of the same value
TIED = {
    "target_leverage": "target_leverage",
    "is_long": "is_long",
    "supply": "totalSupply",
    "idle_assets": "idle_assets",
    "protocol_fees": "protocol_fees",
    "mint_fee_bps": "mint_fee_bps",
    "redeem_fee_bps": "redeem_fee_bps",
    "management_fee_bps": "management_fee_bps",
    "last_fee_accrual": "last_fee_accrual",
    "max_total_assets": "max_total_assets",
    "max_slippage_bps": "max_slippage_bps",
    "max_price_age": "max_price_age",
    "band_bps": "band_bps",
    "ripcord_leverage": "ripcord_leverage",
    "rebalance_interval": "rebalance_interval",
    "rebalance_offset": "rebalance_offset",
    "min_drift_bps": "min_drift_bps",
    "max_trade_notional": "max_trade_notional",
    "twap_cooldown": "twap_cooldown",
    "ripcord_trade_notional": "ripcord_trade_notional",
    "ripcord_reward_assets": "ripcord_reward",
    "last_rebalance_time": "last_rebalance_time",
    "last_rebalance_price": "last_rebalance_price",
    "last_rebalance_slot": "last_rebalance_slot",
    "chunk_pending": "chunk_pending",
    "is_shutdown": "is_shutdown",
    # derived in Fund.__post_init__ from the collateral's decimals
    "asset_scale": "ASSET_SCALE",
    "min_initial_assets": "MIN_INITIAL_ASSETS",
    "initial_nav_per_share": "initial_nav_per_share",
}
# Fund fields that are not token state: the model's own bookkeeping or the factory's arguments
NOT_TOKEN_STATE = {"venue", "account", "asset_decimals", "initial_nav_per_share_whole", "created_at", "balances"}
NOT_TOKEN_STATE |= {"fee_recipient"}  # an address on chain, a name in the model


def test_fund_defaults__equal_a_new_tokens_state(project, factory, admin, btc_venue, chain):
    from ltsdk.deploy import ApeBackend, create_token

    token = create_token(ApeBackend(project, admin), factory, "BTC", 4, False, btc_venue)
    created_at = chain.blocks.head.timestamp
    venue = Venue(price=0, updated_at=created_at, **venue_settings(btc_venue))  # no price is compared

    fund = Fund(venue, target_leverage=4 * WAD, is_long=False, created_at=created_at)

    on_chain = {attribute: getattr(token, getter)() for attribute, getter in TIED.items()}
    assert {attribute: getattr(fund, attribute) for attribute in TIED} == on_chain


def test_fund_fields__each_is_tied_to_the_token_or_named_as_not_token_state():
    fields = {field.name for field in dataclasses.fields(Fund)}
    assert fields - NOT_TOKEN_STATE == fields & set(TIED), "a new Fund field needs its getter in TIED"
    assert fields >= NOT_TOKEN_STATE
