# pragma version ~=0.4.3
"""
@title Settlement-round math
@notice The one home for the asynchronous token's round formulas: the one netted venue order a
        round's deposits and redeems become, and its settlement priced at the fill the venue
        recorded (docs/async-token.md), served to the token by AsyncRoundMath.vy.
        `ltsdk.replica.async_token` mirrors them line by line.
        Every rounding favours the holders who stay: what requesters receive rounds down, the
        cash a round keeps and its costs round up.
        Units: assets in collateral base units, shares in 18-decimal wei, prices and sizes in
        WAD, fees in basis points.
"""

from snekmate.utils import math
from . import constants
from . import lt_math
from .interfaces import IAsyncRoundMath

BPS: constant(uint256) = constants.BPS

# the structs are the interface's (IAsyncRoundMath.RoundOrder, .Settlement): one home for both sides


@internal
@pure
def _round_size(
    size: int256,
    nav: uint256,
    supply: uint256,
    price: uint256,
    deposits: uint256,
    redeems: uint256,
    target_leverage: uint256,
    is_long: bool,
    asset_scale: uint256,
) -> int256:
    """
    @dev The round's one trade: the deposits' in-kind growth (pro rata to NAV; at target leverage
         for a first deposit) plus the redeems' slice (negative), so the crossed part trades
         nothing (each part's magnitude rounded down).
    """
    size_delta: int256 = 0
    if deposits > 0:
        if supply == 0:
            size_delta = lt_math._target_size(deposits, price, target_leverage, is_long, asset_scale)
        else:
            size_delta = lt_math._pro_rata_size(size, deposits, nav)
    if redeems > 0:
        size_delta -= lt_math._pro_rata_size(size, redeems, supply)
    return size_delta


@internal
@pure
def _round_order(
    size_delta: int256,
    nav: uint256,
    supply: uint256,
    price: uint256,
    deposits: uint256,
    redeems: uint256,
    idle: uint256,
    execution_fee: uint256,
    mint_fee_bps: uint256,
    trade_cost: uint256,
    cushion_bps: uint256,
    max_slippage_bps: uint256,
    is_long: bool,
    initial_nav_per_share: uint256,
) -> IAsyncRoundMath.RoundOrder:
    """
    @dev The order for a round trading `size_delta` (_round_size) at the oracle `price`. The round
         keeps in cash the redeems' value at this price, a cushion of `cushion_bps` of the
         smaller of it and the value that stays (rounded up: the venue releases margin only
         above the remaining position's initial margin, so a round redeeming nearly everything
         keeps little extra, and its payout order covers a move past it), and the execution fee.
         When the redeems are in excess, their trade's cost comes out of margin at the fill, so
         twice the venue's quote of it (`trade_cost`) is left out of that cash. The mint fee on
         the deposits (rounded up) stays at the token too, for the fee recipient. The fund's
         `idle` collateral at the token joins the deposits: together they pay that cash first,
         what is beyond it rides into margin, or the shortfall is withdrawn at the fill (so idle
         collateral never accumulates at the token: a round's leftover cushion goes back to
         margin with the next round's order). An order
         with neither trade nor collateral would be refused by the venue: it then withdraws one
         base unit, which comes back to the fund's idle assets at settlement.
    """
    redeem_value: uint256 = 0
    if redeems > 0:
        redeem_value = lt_math._value_for_shares(supply, nav, redeems, initial_nav_per_share, False)
    cushion: uint256 = math._mul_div(min(redeem_value, nav - min(redeem_value, nav)), cushion_bps, BPS, True)
    cash: uint256 = redeem_value + cushion
    if size_delta != 0 and (size_delta > 0) != is_long:
        cash -= min(2 * trade_cost, cash)
    cash += execution_fee + lt_math._fee(deposits, mint_fee_bps)
    collateral_delta: int256 = convert(deposits + idle, int256) - convert(cash, int256)
    if size_delta == 0 and collateral_delta == 0:
        cash += 1
        collateral_delta = -1
    acceptable: uint256 = 0
    if size_delta != 0:
        acceptable = lt_math._limit_price(price, max_slippage_bps, size_delta > 0)
    return IAsyncRoundMath.RoundOrder(size_delta=size_delta, collateral_delta=collateral_delta, cash=cash, acceptable_price=acceptable)


@internal
@pure
def _settlement(
    idle: uint256,
    equity_before: int256,
    equity_after: int256,
    collateral_delta: int256,
    size_delta: int256,
    execution_fee: uint256,
    supply: uint256,
    deposits: uint256,
    redeems: uint256,
    mint_fee_bps: uint256,
    redeem_fee_bps: uint256,
    is_long: bool,
    initial_nav_per_share: uint256,
) -> IAsyncRoundMath.Settlement:
    """
    @dev A filled round, priced at the fill: H = idle + equity before the order (every share,
         pending redeems included, is worth H / supply); the order's cost is what it took from
         the account beyond its collateral (equity_before + collateral_delta - equity_after, at
         least 0: the venue's own rounding, to the wei) plus the execution fee; the side in excess
         bears it: deposits when the net trade adds exposure, redeems when it removes it, and,
         with no trade, whichever side is worth more (deposits on a tie). Redeemers get their
         shares' worth at H less their costs and the redeem fee on the rest, depositors shares
         for their assets less the mint fee (on the assets requested) and their costs, both
         rounded down, fees up (a side whose costs exceed its worth gets 0).
    """
    # at least 1: a fund wiped out before the fill still settles (its shares then worth ~0)
    h: uint256 = convert(max(convert(idle, int256) + equity_before, 1), uint256)
    cost: uint256 = convert(max(equity_before + collateral_delta - equity_after, 0), uint256) + execution_fee
    redeem_value: uint256 = 0
    if redeems > 0:
        redeem_value = lt_math._value_for_shares(supply, h, redeems, initial_nav_per_share, False)
    deposits_pay: bool = redeems == 0
    if deposits > 0 and redeems > 0:
        if size_delta != 0:
            deposits_pay = (size_delta > 0) == is_long
        else:
            deposits_pay = deposits >= redeem_value
    mint_fee: uint256 = lt_math._fee(deposits, mint_fee_bps)
    deposit_value: uint256 = deposits - mint_fee
    if deposits_pay:
        deposit_value -= min(cost, deposit_value)
    else:
        redeem_value -= min(cost, redeem_value)
    redeem_fee: uint256 = lt_math._fee(redeem_value, redeem_fee_bps)
    shares_out: uint256 = 0
    if deposits > 0:
        shares_out = lt_math._shares_for_value(supply, h, deposit_value, initial_nav_per_share)
    return IAsyncRoundMath.Settlement(
        nav_at_fill=h,
        cost=cost,
        deposits_pay=deposits_pay,
        shares_out=shares_out,
        assets_out=redeem_value - redeem_fee,
        fees=mint_fee + redeem_fee,
    )
