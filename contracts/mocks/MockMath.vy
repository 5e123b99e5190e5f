# pragma version ~=0.4.3
"""
@title Math harness
@notice Exposes every internal function of lt_math and signed_math under its own name without the
        leading underscore, so tests can call each one directly (tests/fuzz/test_lt_math.py holds
        each to its twin in ltsdk.math). Test networks only.
@custom:kill Nothing to kill: stateless and pure.
"""

from .. import lt_math
from .. import signed_math


@external
@pure
def fee(amount: uint256, fee_bps: uint256) -> uint256:
    return lt_math._fee(amount, fee_bps)


@external
@pure
def gross_up(net: uint256, fee_bps: uint256) -> uint256:
    return lt_math._gross_up(net, fee_bps)


@external
@pure
def management_fee_shares(supply: uint256, fee_bps_per_year: uint256, elapsed: uint256) -> uint256:
    return lt_math._management_fee_shares(supply, fee_bps_per_year, elapsed)


@external
@pure
def shares_for_value(supply: uint256, nav: uint256, worth: uint256, initial_nav_per_share: uint256) -> uint256:
    return lt_math._shares_for_value(supply, nav, worth, initial_nav_per_share)


@external
@pure
def value_for_shares(
    supply: uint256, nav: uint256, shares: uint256, initial_nav_per_share: uint256, roundup: bool
) -> uint256:
    return lt_math._value_for_shares(supply, nav, shares, initial_nav_per_share, roundup)


@external
@pure
def redeem_value(supply: uint256, nav_before: uint256, nav_after: int256, shares: uint256) -> int256:
    return lt_math._redeem_value(supply, nav_before, nav_after, shares)


@external
@pure
def insolvent_payout(available: uint256, shares: uint256, supply: uint256) -> uint256:
    return lt_math._insolvent_payout(available, shares, supply)


@external
@pure
def pro_rata_size(size: int256, numerator: uint256, denominator: uint256) -> int256:
    return lt_math._pro_rata_size(size, numerator, denominator)


@external
@pure
def limit_price(price: uint256, max_slippage_bps: uint256, is_buy: bool) -> uint256:
    return lt_math._limit_price(price, max_slippage_bps, is_buy)


@external
@pure
def leverage(size: int256, price: uint256, nav: int256, asset_scale: uint256) -> uint256:
    return lt_math._leverage(size, price, nav, asset_scale)


@external
@pure
def target_size(nav: uint256, price: uint256, target_leverage: uint256, is_long: bool, asset_scale: uint256) -> int256:
    return lt_math._target_size(nav, price, target_leverage, is_long, asset_scale)


@external
@pure
def band(target_leverage: uint256, band_bps: uint256) -> (uint256, uint256):
    return lt_math._band(target_leverage, band_bps)


@external
@pure
def drift_bps(leverage: uint256, target_leverage: uint256) -> uint256:
    return lt_math._drift_bps(leverage, target_leverage)


@external
@pure
def clamp_trade(size_delta: int256, price: uint256, max_notional: uint256, asset_scale: uint256) -> int256:
    return lt_math._clamp_trade(size_delta, price, max_notional, asset_scale)


@external
@pure
def default_ripcord_leverage(target_leverage: uint256) -> uint256:
    return lt_math._default_ripcord_leverage(target_leverage)


@external
@pure
def ripcord_reward(nav: uint256, reward_assets: uint256, reward_max_bps: uint256) -> uint256:
    return lt_math._ripcord_reward(nav, reward_assets, reward_max_bps)


@external
@pure
def is_fresh(venue_fresh: bool, price: uint256, updated_at: uint256, now: uint256, max_age: uint256) -> bool:
    return lt_math._is_fresh(venue_fresh, price, updated_at, now, max_age)


@external
@pure
def current_slot(now: uint256, offset: uint256, interval: uint256) -> uint256:
    return lt_math._current_slot(now, offset, interval)


@external
@pure
def next_slot_start(now: uint256, offset: uint256, interval: uint256) -> uint256:
    return lt_math._next_slot_start(now, offset, interval)


@external
@pure
def mint_size_delta(s: lt_math.FundState, net_assets: uint256) -> int256:
    return lt_math._mint_size_delta(s, net_assets)


@external
@pure
def redeem_size_delta(s: lt_math.FundState, shares: uint256) -> int256:
    return lt_math._redeem_size_delta(s, shares)


@external
@pure
def shares_minted(s: lt_math.FundState, value_added: uint256) -> uint256:
    return lt_math._shares_minted(s, value_added)


@external
@pure
def rebalance_status(s: lt_math.FundState, r: lt_math.RebalanceState) -> (uint8, int256, int256):
    return lt_math._rebalance_status(s, r)


@external
@pure
def nav_per_share(s: lt_math.FundState) -> uint256:
    return lt_math._nav_per_share(s)


@external
@pure
def split_status(nav_per_share: uint256, has_shares: bool, lower: uint256, upper: uint256) -> (uint256, bool):
    return lt_math._split_status(nav_per_share, has_shares, lower, upper)


@external
@pure
def floor_div(a: int256, b: int256) -> int256:
    return signed_math._floor_div(a, b)


@external
@pure
def ceil_div(a: int256, b: int256) -> int256:
    return signed_math._ceil_div(a, b)
