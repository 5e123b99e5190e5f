"""Offline quotes: what a mint or redeem would give, from a lens row and the venue's pricing,
computed with the reference model and no RPC call; and the breakdown of an exact preview into fee,
first-mint lock and venue cost (what `ltsdk quote` prints).

The on-chain previews (`Token.preview_*`) are exact in their block. These are exact up to
rounding: the lens row does not carry the venue's cost basis, so the venue's unrealised-PnL
floor can differ by one collateral unit, and the pending management fee is recovered from NAV per
share (the row's supply is the minted one). Use them to show a price before a wallet connects, or
to plan in a backtest.

An asynchronous (ERC-7540) token has no previews: `async_deposit_estimate` and
`async_redeem_estimate` estimate a request from the round model (ltsdk.replica.async_token) at the
current price less the round's expected cost, labelled as estimates (types.AsyncEstimate).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ltsdk import math
from ltsdk.codes import TokenKind
from ltsdk.errors import VenueError, WrongKind
from ltsdk.replica import async_token
from ltsdk.types import AsyncEstimate, AsyncTokenState, TokenState
from ltsdk.units import BPS, WAD


def _fund_state(state: TokenState, price: int | None = None) -> math.FundState:
    if state.kind == TokenKind.ASYNC:
        raise WrongKind(
            f"{state.symbol} is an asynchronous token: no exact quote (ERC-7540 has no previews); its"
            " estimates come from the round model (Token.estimate_deposit / estimate_redeem)"
        )
    # the lens reports the minted supply; NAV per share counts the pending fee shares too
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
        # before the first mint the token reports its initial NAV per share
        initial_nav_per_share=state.nav_per_share if state.supply == 0 else 100 * 10**state.asset_decimals,
        mint_fee_bps=state.mint_fee_bps,
        redeem_fee_bps=state.redeem_fee_bps,
        # read only by an exit's realisation of PnL, which the offline quote does not model
        max_slippage_bps=0,
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
    """Collateral a redemption of `shares` would pay, after the redeem fee.

    Raises VenueError where the exit takes more than idle collateral and what the venue releases
    now (the row's `withdrawable`): on chain it then realises PnL by closing and reopening a
    further part of the position (LeveragedTokenViews.exit_trades), whose cost depends on the
    venue's cost basis, which the row does not carry; use the exact previewRedeem there."""
    s = _fund_state(state)
    if s.nav <= 0 or shares > s.supply:
        return 0
    nav_after = s.nav - trade_cost(math.redeem_size_delta(s, shares), s.price, venue)
    taken = math.redeem_value(s.supply, s.nav, nav_after, shares)
    if taken > state.idle_assets + state.withdrawable:
        raise VenueError(
            f"{state.symbol}: the exit takes more than the venue releases now, so it realises PnL on "
            "chain first; the offline quote does not model that (use previewRedeem)"
        )
    return max(taken - math.fee(taken, s.redeem_fee_bps), 0) if taken > 0 else 0


# ---------------------------------------------------------------- where an exact preview's value goes


@dataclass(frozen=True)
class Breakdown:
    """Where a mint's payment (or a redemption's value at NAV) goes, in collateral base units,
    from an exact on-chain preview and the lens row of the same block. `fee` is the token's mint or
    redeem fee (rounded up, as lt_math._fee); `locked` the value of the DEAD_SHARES a first mint
    locks forever; `venue_cost` the rest: the venue's fee, spread and price impact of the
    position's trade (plus rounding)."""

    amount: int  # assets paid (mint) or the shares' value at NAV per share (redeem)
    fee: int
    locked: int
    venue_cost: int

    def bps(self, part: int) -> Decimal:
        """`part` in basis points of `amount`."""
        return Decimal(part * BPS) / Decimal(self.amount) if self.amount else Decimal(0)


def _share_value(state: TokenState, shares: int) -> int:
    """What `shares` are worth at NAV (convertToAssets: rounded once, not through NAV per share)."""
    return math.convert_to_assets(_fund_state(state), shares)


def mint_breakdown(state: TokenState, assets: int, shares: int) -> Breakdown:
    """`assets` paid for `shares` (previewDeposit's answer in `state`'s block)."""
    fee = math.fee(assets, state.mint_fee_bps)
    locked = _share_value(state, math.DEAD_SHARES) if state.supply == 0 else 0
    venue_cost = max(assets - fee - locked - _share_value(state, shares), 0)
    return Breakdown(assets, fee, locked, venue_cost)


def redeem_breakdown(state: TokenState, shares: int, assets: int) -> Breakdown:
    """`shares` redeemed for `assets` (previewRedeem's answer in `state`'s block)."""
    worth = _share_value(state, shares)
    gross = math.gross_up(assets, state.redeem_fee_bps) if assets else 0
    return Breakdown(worth, gross - assets, 0, max(worth - gross, 0))


# ---------------------------------------------------------------- the asynchronous token: estimates


def _with_request(state: AsyncTokenState, deposits: int, redeems: int) -> tuple[int, int]:
    """The open round's deposits (assets) and redeems (shares) with a new request added."""
    return state.open_round.deposits + deposits, state.open_round.redeems + redeems


def async_round_trade(state: AsyncTokenState, deposits: int = 0, redeems: int = 0) -> tuple[int, int, int]:
    """(the requests' trade, the fund's rebalance, the reason) the open round's order would carry
    if it closed now with `deposits` assets and `redeems` shares more (round_math._round_trade:
    a rebalance rides in the round when one is due at this block's time)."""
    total_deposits, total_redeems = _with_request(state, deposits, redeems)
    return async_token.round_trade(
        state.size,
        max(state.nav, 0),
        state.supply,
        state.price,
        total_deposits,
        total_redeems,
        state.target_leverage,
        state.is_long,
        state.asset_scale,
        async_token.RebalanceParameters(
            state.band_bps, state.rebalance_interval, state.min_drift_bps, state.ripcord_leverage
        ),
        state.timestamp - state.last_rebalance,
    )


def async_round_size(state: AsyncTokenState, deposits: int = 0, redeems: int = 0) -> int:
    """The net size the open round's order would trade if it closed now with `deposits` assets
    and `redeems` shares more, a due rebalance included whole: what to ask the venue's quote_trade
    first (the token then halves the fund's part while that quote is past the price limit)."""
    k, x, _ = async_round_trade(state, deposits, redeems)
    return k + x


def _trade_and_rebalance(state: AsyncTokenState, deposits: int, redeems: int, rebalance: int | None) -> tuple[int, int]:
    """(K, x): the requests' trade and the fund's part, `rebalance` if given (else round_trade's)."""
    k, x, _ = async_round_trade(state, deposits, redeems)
    return k, x if rebalance is None else rebalance


def async_round_order(
    state: AsyncTokenState, deposits: int, redeems: int, trade_cost: int, rebalance: int | None = None
) -> async_token.RoundOrder:
    """The order the open round (with `deposits` assets and `redeems` shares more) would close
    with now (round_math._round_order), `trade_cost` being the venue's quote of its net trade
    (ltsdk.replica.async_token.trade_cost of quote_trade's answer). `rebalance`: the fund's part
    as the close places it, after the token halved it until the venue's quote of the order fits
    its price limit (the caller's loop over the venue's quotes: async_token.within_price_limit,
    halved); None: round_trade's whole part, right whenever that part fits."""
    total_deposits, total_redeems = _with_request(state, deposits, redeems)
    k, rebalance = _trade_and_rebalance(state, deposits, redeems, rebalance)
    return async_token.round_order(
        k + rebalance,
        max(state.nav, 0),
        state.supply,
        state.price,
        total_deposits,
        total_redeems,
        state.idle_assets,
        state.execution_fee,
        state.mint_fee_bps,
        trade_cost,
        state.redeem_cushion_bps,
        state.max_slippage_bps,
        state.is_long,
        state.initial_nav_per_share,
        rebalance,
    )


def _settle_now(
    state: AsyncTokenState, deposits: int, redeems: int, trade_cost: int, rebalance: int | None = None
) -> async_token.Settlement:
    """round_math's settlement of the open round (with the request) closed now and filled at the
    current oracle price, the order's cost being `trade_cost` (the venue's quote) plus its
    execution fee, the fund's part `rebalance` (as async_round_order); no funding or price move
    before the fill."""
    total_deposits, total_redeems = _with_request(state, deposits, redeems)
    k, rebalance = _trade_and_rebalance(state, deposits, redeems, rebalance)
    order = async_round_order(state, deposits, redeems, trade_cost, rebalance)
    equity_after = state.equity + order.collateral_delta - trade_cost
    return async_token.settlement(
        state.idle_assets,
        state.equity,
        equity_after,
        order.collateral_delta,
        k + rebalance,
        state.execution_fee,
        state.supply,
        total_deposits,
        total_redeems,
        state.mint_fee_bps,
        state.redeem_fee_bps,
        state.is_long,
        state.initial_nav_per_share,
        rebalance,
    )


def async_deposit_estimate(
    state: AsyncTokenState, assets: int, trade_cost: int, rebalance: int | None = None
) -> AsyncEstimate:
    """An estimate of the shares a deposit request of `assets` would be owed (see AsyncEstimate):
    its pro-rata part of the round's shares, the first round's DEAD_SHARES left out; `trade_cost`
    and `rebalance` as async_round_order (the caller's, from the venue's quotes)."""
    total, _ = _with_request(state, assets, 0)
    s = _settle_now(state, assets, 0, trade_cost, rebalance)
    shares_out = s.shares_out - (min(math.DEAD_SHARES, s.shares_out) if state.supply == 0 else 0)
    return AsyncEstimate(
        side="deposit",
        amount_in=assets,
        estimated_out=math.mul_div(shares_out, assets, total, False),
        at_nav=math.shares_for_value(state.supply, s.nav_at_fill, assets, state.initial_nav_per_share),
        fee=math.fee(assets, state.mint_fee_bps),
        round_cost=math.mul_div(s.cost - s.fund_cost, assets, total, False) if s.deposits_pay else 0,
        price=state.price,
        block=state.block,
    )


def async_redeem_estimate(
    state: AsyncTokenState, shares: int, trade_cost: int, rebalance: int | None = None
) -> AsyncEstimate:
    """An estimate of the assets a redeem request of `shares` would be owed (see AsyncEstimate);
    `trade_cost` and `rebalance` as async_round_order (the caller's, from the venue's quotes)."""
    total_deposits, total = _with_request(state, 0, shares)
    s = _settle_now(state, 0, shares, trade_cost, rebalance)
    redeem_fees = s.fees - math.fee(total_deposits, state.mint_fee_bps)
    return AsyncEstimate(
        side="redeem",
        amount_in=shares,
        estimated_out=math.mul_div(s.assets_out, shares, total, False),
        at_nav=math.value_for_shares(state.supply, s.nav_at_fill, shares, state.initial_nav_per_share, False),
        fee=math.mul_div(redeem_fees, shares, total, False),
        round_cost=0 if s.deposits_pay else math.mul_div(s.cost - s.fund_cost, shares, total, False),
        price=state.price,
        block=state.block,
    )
