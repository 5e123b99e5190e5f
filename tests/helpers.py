"""Small helpers shared by test modules (fixtures live in conftest.py)."""

from ltsdk import math
from ltsdk.abis import load_abi
from ltsdk.deploy import oracle_answer
from ltsdk.keeper import Policy
from ltsdk.units import USDC, WAD

# the asynchronous stack's BTC oracle and venue (deploy_async_btc3l)
ORACLE_DECIMALS = 8
ASYNC_DEPTH = 2_000_000_000 * WAD  # USD: a trade of this notional would move the price 100 %
ASYNC_VENUE_LIQUIDITY = 50_000_000 * USDC


def venue_params(venue) -> math.VenueParams:
    """The pricing parameters of a MockPerpAdapter (an ape or a titanoboa contract), for ltsdk.replica.Venue."""
    return math.VenueParams(
        half_spread_bps=venue.half_spread_bps(),
        taker_fee_bps=venue.taker_fee_bps(),
        depth=venue.depth(),
        asset_scale=venue.ASSET_SCALE(),
    )


def venue_settings(venue) -> dict:
    """Everything but the oracle price that ltsdk.replica.Venue reads from a MockPerpAdapter: its
    pricing parameters, risk settings and funding clock, as Venue keyword arguments."""
    return {
        "params": venue_params(venue),
        "max_oracle_age": venue.max_oracle_age(),
        "max_leverage": venue.max_leverage(),
        "maintenance_margin_bps": venue.maintenance_margin_bps(),
        "liquidation_penalty_bps": venue.liquidation_penalty_bps(),
        "funding_rate_per_second": venue.funding_rate_per_second(),
        "funding_index": venue.funding_index(),
        "funding_updated_at": venue.funding_updated_at(),
        "trading_paused": venue.trading_paused(),
    }


def split_status_of(token):
    """What a keeper reads from the lens: ltsdk.math.split_status over the token's public state."""
    return math.split_status(
        token.nav_per_share(), token.totalSupply() > 0, token.split_lower_nav(), token.split_upper_nav()
    )


# fast enough for tests; the structure (retries, doubling, replacement) is what is under test
TEST_POLICY = Policy(
    rpc_backoff_seconds=0.01,
    receipt_poll_seconds=0.1,
    stuck_after_seconds=5.0,
    confirm_timeout_seconds=30.0,
    failure_backoff_seconds=60.0,
)


# ILeveragedToken.Parameters, in order (what configure() takes); each is a token getter of that name
PARAMETER_FIELDS = tuple(
    component["name"]
    for entry in load_abi("LeveragedToken")
    if entry.get("name") == "configure"
    for component in entry["inputs"][0]["components"]
)


def oracle_usd(usd) -> int:
    """A BTC oracle answer of `usd` dollars (ORACLE_DECIMALS)."""
    return oracle_answer(str(usd), ORACLE_DECIMALS)


def deploy_async_btc3l(
    project, admin, usdc, order_keeper, fee_recipient, name="BTC 3x Long", symbol="BTC3L", fee_bps=10
):
    """Under ape: a BTC oracle at 60,000 USD, a MockAsyncPerpVenue on it with ASYNC_VENUE_LIQUIDITY
    whose orders `order_keeper` executes, and a 3x long LeveragedTokenAsync on it (`fee_bps` mint
    and redeem fees, its own AsyncRoundMath), deployed directly, not through the factory ->
    (oracle, venue, token). Roles beyond the admin's are the caller's to grant."""
    oracle = project.MockOracle.deploy(ORACLE_DECIMALS, "BTC / USD", oracle_usd(60_000), sender=admin)
    venue = project.MockAsyncPerpVenue.deploy(usdc, oracle, "BTC-PERP", 6, ASYNC_DEPTH, sender=admin)
    usdc.mint(venue, ASYNC_VENUE_LIQUIDITY, sender=admin)
    venue.set_order_keeper(order_keeper, True, sender=admin)
    token = project.LeveragedTokenAsync.deploy(
        name, symbol, usdc, venue, 3 * WAD, True, 10**12, 100 * USDC, fee_bps, fee_bps,
        fee_recipient, project.AsyncRoundMath.deploy(sender=admin), sender=admin,
    )  # fmt: skip
    return oracle, venue, token
