# pragma version ~=0.4.3
"""
@title Settlement-round math
@notice The one home for the asynchronous token's round formulas: the one netted venue order a
        round's deposits and redeems become, and its settlement priced at the fill the venue
        recorded (docs/async-token.md), served to the token by AsyncRoundMath.vy.
        `ltsdk.replica.async_token` mirrors them line by line.
        A rebalance rides in a round: its order is the requests' trade plus the fund's part,
        which moves the staying holders to target (_round_trade), and the fund is one more
        participant in the order's cost (_fund_share).
        Every rounding favours the holders who stay: what requesters receive rounds down, the
        cash a round keeps and its costs round up, the fund's share of a cost rounds down.
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
def _round_trade(
    size: int256,
    nav: uint256,
    supply: uint256,
    price: uint256,
    deposits: uint256,
    redeems: uint256,
    target_leverage: uint256,
    is_long: bool,
    asset_scale: uint256,
    p: IAsyncRoundMath.RebalanceParameters,
    elapsed: uint256,
) -> (int256, int256, uint8):
    """
    @dev (the requests' trade K, the fund's part x, the rebalance reason) of a round closed now.
         A rebalance is due (lt_math's reasons, the first that holds) at leverage >= the ripcord
         level (RIPCORD), outside the band (BAND), or `elapsed` >= the interval since the last
         rebalance with drift >= min_drift_bps (SCHEDULED); never on an empty or wiped-out fund,
         nor when x would be 0. x moves the staying holders (the supply less the round's
         redeems, which leave in kind) to target: T x their NAV / price less their slice of the
         position (magnitudes rounded down). In a rebalancing round the deposits' part is at
         target too (as a first deposit's), so the whole fund ends at target and each side
         trades only its own part; otherwise K is _round_size's in-kind trade.
    """
    reason: uint8 = lt_math.REASON_NONE
    x: int256 = 0
    if supply > 0 and nav > 0:
        leverage: uint256 = lt_math._leverage(size, price, convert(nav, int256), asset_scale)
        lower: uint256 = 0
        upper: uint256 = 0
        lower, upper = lt_math._band(target_leverage, p.band_bps)
        if leverage >= p.ripcord_leverage:
            reason = lt_math.REASON_RIPCORD
        elif leverage > upper or leverage < lower:
            reason = lt_math.REASON_BAND
        elif elapsed >= p.rebalance_interval and lt_math._drift_bps(leverage, target_leverage) >= p.min_drift_bps:
            reason = lt_math.REASON_SCHEDULED
        if reason != lt_math.REASON_NONE:
            stay: uint256 = supply - redeems
            x = lt_math._target_size(math._mul_div(nav, stay, supply, False), price, target_leverage, is_long, asset_scale)
            x -= size - lt_math._pro_rata_size(size, redeems, supply)
            if x == 0:
                reason = lt_math.REASON_NONE
    in_kind: uint256 = deposits
    if reason != lt_math.REASON_NONE:
        in_kind = 0
    k: int256 = self._round_size(size, nav, supply, price, in_kind, redeems, target_leverage, is_long, asset_scale)
    if in_kind != deposits:
        k += lt_math._target_size(deposits, price, target_leverage, is_long, asset_scale)
    return k, x, reason


@internal
@pure
def _fund_share(trade_cost: uint256, k: int256, x: int256) -> uint256:
    """
    @dev The fund's part of an order's trade cost (taker fee and impact, no execution fee) when
         it trades `x` beside the requests' `k`: pro rata to |x| and |k| when they go the same
         way (or k is 0), rounded down (the requesters bear the rounding wei: holders favoured);
         with opposite signs the crossed part trades nothing, so whichever goes the net way
         bears all (a tie: the requests).
    """
    ax: uint256 = convert(abs(x), uint256)
    ak: uint256 = convert(abs(k), uint256)
    if k == 0 or (k > 0) == (x > 0):
        return math._mul_div(trade_cost, ax, ax + ak, False)
    if ax > ak:
        return trade_cost
    return 0


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
    rebalance: int256,
) -> IAsyncRoundMath.RoundOrder:
    """
    @dev The order for a round trading `size_delta` (the requests' trade plus the fund's
         `rebalance`, _round_trade) at the oracle `price`. The round
         keeps in cash the redeems' value at this price, a cushion of `cushion_bps` of the
         smaller of it and the value that stays (rounded up: the venue releases margin only
         above the remaining position's initial margin, so a round redeeming nearly everything
         keeps little extra, and its payout order covers a move past it), and the execution fee.
         When the redeems are in excess (the requests' trade reduces exposure), their part of
         the trade's cost comes out of margin at the fill, so twice the venue's quote of that
         part (`trade_cost` of the whole order less the fund's share, _fund_share) is left out
         of that cash: never the fund's part, which the holders who stay bear. The mint fee on
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
    k: int256 = size_delta - rebalance
    if k != 0 and (k > 0) != is_long:
        cash -= min(2 * (trade_cost - self._fund_share(trade_cost, k, rebalance)), cash)
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
    rebalance: int256,
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
         With the fund's part `rebalance` (x) in the order (`size_delta` = K + x), the fund bears
         its share of the cost (_fund_share; all of it, execution fee included, in a round with
         no requests), the requests the rest, the side in excess being read from K alone; the
         depositors' shares are priced at the staying holders' value after the fund's cost,
         H - fund_cost x supply / staying supply (rounded down: fewer shares), the redeemers'
         at H: requesters never pay for the rebalance, holders never pay for the requests.
    """
    # at least 1: a fund wiped out before the fill still settles (its shares then worth ~0)
    h: uint256 = convert(max(convert(idle, int256) + equity_before, 1), uint256)
    cost: uint256 = convert(max(equity_before + collateral_delta - equity_after, 0), uint256) + execution_fee
    redeem_value: uint256 = 0
    if redeems > 0:
        redeem_value = lt_math._value_for_shares(supply, h, redeems, initial_nav_per_share, False)
    k: int256 = size_delta - rebalance
    fund_cost: uint256 = 0
    if rebalance != 0:
        fund_cost = cost
        if deposits > 0 or redeems > 0:
            fund_cost = self._fund_share(cost - execution_fee, k, rebalance)
    deposits_pay: bool = redeems == 0
    if deposits > 0 and redeems > 0:
        if k != 0:
            deposits_pay = (k > 0) == is_long
        else:
            deposits_pay = deposits >= redeem_value
    mint_fee: uint256 = lt_math._fee(deposits, mint_fee_bps)
    deposit_value: uint256 = deposits - mint_fee
    requests_cost: uint256 = cost - fund_cost
    if deposits_pay:
        deposit_value -= min(requests_cost, deposit_value)
    else:
        redeem_value -= min(requests_cost, redeem_value)
    redeem_fee: uint256 = lt_math._fee(redeem_value, redeem_fee_bps)
    shares_out: uint256 = 0
    if deposits > 0:
        h_stay: uint256 = h
        if fund_cost > 0:
            # x != 0 only with holders staying, so supply > redeems here
            h_stay -= min(math._mul_div(fund_cost, supply, supply - redeems, True), h - 1)
        shares_out = lt_math._shares_for_value(supply, h_stay, deposit_value, initial_nav_per_share)
    return IAsyncRoundMath.Settlement(
        nav_at_fill=h,
        cost=cost,
        deposits_pay=deposits_pay,
        shares_out=shares_out,
        assets_out=redeem_value - redeem_fee,
        fees=mint_fee + redeem_fee,
        fund_cost=fund_cost,
    )


@internal
@pure
def _leverage_as_filled(
    size: int256,
    pending_size_delta: int256,
    nav: int256,
    supply: uint256,
    deposits: uint256,
    redeems: uint256,
    price: uint256,
    asset_scale: uint256,
) -> uint256:
    """
    @dev The fund's leverage as if the orders in flight had filled at `price` (the ripcord's
         test while a round's order is at the venue): the position with their size deltas, the
         NAV with the round's deposits in and its redeems' slice (pro rata, rounded down) out.
    """
    nav_after: int256 = nav + convert(deposits, int256)
    if redeems > 0 and nav > 0:
        nav_after -= convert(math._mul_div(convert(nav, uint256), redeems, supply, False), int256)
    return lt_math._leverage(size + pending_size_delta, price, nav_after, asset_scale)
