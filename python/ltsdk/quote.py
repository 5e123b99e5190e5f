"""Offline quotes: what a mint or redeem would give, from a lens row and the venue's pricing,
computed with the reference model and no RPC call.

The on-chain previews (`Token.preview_*`) are exact in their block. These are exact up to
rounding: the lens row does not carry the venue's cost basis, so the venue's unrealised-PnL
floor can differ by one collateral unit, and the pending management fee is recovered from NAV per
share. Use them to show a price before a wallet connects, or to plan in a backtest.
"""

from __future__ import annotations

from ltsdk import math
from ltsdk.types import TokenState
from ltsdk.units import WAD


def _fund_state(state: TokenState, price: int | None = None) -> math.FundState:
    # the lens reports the stored supply; NAV per share counts pending fee shares too
    supply = state.supply
    if state.supply and state.nav_per_share:
        supply = max(supply, state.nav * WAD // state.nav_per_share)
    return math.FundState(
        supply=supply,
        nav=state.nav,
        size=state.size,
        price=price or state.price,
        fresh=state.oracle_fresh,
        idle_assets=state.idle_assets,
        target_leverage=state.target_leverage,
        is_long=state.is_long,
        asset_scale=10 ** (18 - state.asset_decimals),
        initial_nav_per_share=100 * 10**state.asset_decimals,
        mint_fee_bps=state.mint_fee_bps,
        redeem_fee_bps=state.redeem_fee_bps,
    )


def trade_cost(size_delta: int, price: int, venue: math.VenueParams) -> int:
    """Venue fee plus spread and impact of trading `size_delta` at `price` (collateral units)."""
    if size_delta == 0:
        return 0
    exec_price, fee = math.quote(size_delta, price, venue)
    slip = abs(size_delta) * abs(exec_price - price) // WAD
    return fee + -(-slip // venue.asset_scale)


def deposit_shares(state: TokenState, assets: int, venue: math.VenueParams) -> int:
    """Shares a deposit of `assets` would mint."""
    s = _fund_state(state)
    net = assets - math.fee(assets, s.mint_fee_bps)
    added = max(net - trade_cost(math.mint_size_delta(s, net), s.price, venue), 0)
    return math.shares_minted(s, added)


def redeem_assets(state: TokenState, shares: int, venue: math.VenueParams) -> int:
    """Collateral a redemption of `shares` would pay, after the redeem fee."""
    s = _fund_state(state)
    if s.nav <= 0 or shares > s.supply:
        return 0
    nav_after = s.nav - trade_cost(math.redeem_size_delta(s, shares), s.price, venue)
    taken = math.redeem_value(s.supply, s.nav, nav_after, shares)
    return max(taken - math.fee(taken, s.redeem_fee_bps), 0) if taken > 0 else 0
