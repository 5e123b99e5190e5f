"""Twin of contracts/round_math.vy, the asynchronous token's round formulas, line by line: the
one netted venue order a round closes with (the requests' trade plus the fund's rebalance when
one is due), and its settlement at the fill the venue recorded, the fund's share of the cost apart;
with the token's own steps around them that read the venue's quote (LeveragedTokenAsync's
_trade_cost, and _fits with the halving of the fund's part until the order is within its limit).
Units as the contract: assets in collateral base units, shares in wei, prices and sizes in WAD.
The SDK quotes requests from here (ERC-7540 forbids previews on the async side)."""

from __future__ import annotations

from dataclasses import dataclass

from ltsdk import codes
from ltsdk.math import (
    band,
    drift_bps,
    fee,
    leverage,
    limit_price,
    mul_div,
    pro_rata_size,
    shares_for_value,
    target_size,
    trunc_div,
    value_for_shares,
)
from ltsdk.units import BPS, WAD

# LeveragedTokenAsync._close: the fund's part of a round halves at most this many times until the
# venue's quote of the order's trade is within its price limit; one refusal more and it is left out
MAX_HALVINGS = 8


@dataclass(frozen=True)
class RoundOrder:
    """round_math.RoundOrder."""

    size_delta: int
    collateral_delta: int
    cash: int
    acceptable_price: int


@dataclass(frozen=True)
class Settlement:
    """round_math.Settlement."""

    nav_at_fill: int
    cost: int
    deposits_pay: bool
    shares_out: int
    assets_out: int
    fees: int
    fund_cost: int = 0


@dataclass(frozen=True)
class RebalanceParameters:
    """IAsyncRoundMath.RebalanceParameters (LeveragedTokenAsync.rebalance_parameters)."""

    band_bps: int
    rebalance_interval: int
    min_drift_bps: int
    ripcord_leverage: int


def round_size(
    size: int,
    nav: int,
    supply: int,
    price: int,
    deposits: int,
    redeems: int,
    target_leverage: int,
    is_long: bool,
    asset_scale: int,
) -> int:
    """round_math._round_size: the deposits' in-kind growth plus the redeems' slice, netted."""
    size_delta = 0
    if deposits > 0:
        if supply == 0:
            size_delta = target_size(deposits, price, target_leverage, is_long, asset_scale)
        else:
            size_delta = pro_rata_size(size, deposits, nav)
    if redeems > 0:
        size_delta -= pro_rata_size(size, redeems, supply)
    return size_delta


def round_trade(
    size: int,
    nav: int,
    supply: int,
    price: int,
    deposits: int,
    redeems: int,
    target_leverage: int,
    is_long: bool,
    asset_scale: int,
    p: RebalanceParameters,
    elapsed: int,
) -> tuple[int, int, int]:
    """round_math._round_trade: (the requests' trade K, the fund's part x, the reason); in a
    rebalancing round the deposits' part is at target."""
    reason = codes.Reason.NONE
    x = 0
    if supply > 0 and nav > 0:
        lev = leverage(size, price, nav, asset_scale)
        lower, upper = band(target_leverage, p.band_bps)
        if lev >= p.ripcord_leverage:
            reason = codes.Reason.RIPCORD
        elif lev > upper or lev < lower:
            reason = codes.Reason.BAND
        elif elapsed >= p.rebalance_interval and drift_bps(lev, target_leverage) >= p.min_drift_bps:
            reason = codes.Reason.SCHEDULED
        if reason != codes.Reason.NONE:
            stay = supply - redeems
            x = target_size(mul_div(nav, stay, supply, False), price, target_leverage, is_long, asset_scale)
            x -= size - pro_rata_size(size, redeems, supply)
            if x == 0:
                reason = codes.Reason.NONE
    in_kind = deposits if reason == codes.Reason.NONE else 0
    k = round_size(size, nav, supply, price, in_kind, redeems, target_leverage, is_long, asset_scale)
    if in_kind != deposits:
        k += target_size(deposits, price, target_leverage, is_long, asset_scale)
    return k, x, int(reason)


def within_price_limit(size_delta: int, price: int, exec_price: int, max_slippage_bps: int) -> bool:
    """LeveragedTokenAsync._fits: whether the venue's execution price `exec_price` (WAD, its
    quote_trade of `size_delta`) is within the round order's limit, the oracle `price` -+
    `max_slippage_bps` on the trade's side (a size of 0 counts as a sell, as the contract)."""
    limit = limit_price(price, max_slippage_bps, size_delta > 0)
    return exec_price <= limit if size_delta > 0 else exec_price >= limit


def halved(x: int, halvings: int) -> int:
    """The fund's part `x` after the refusal numbered `halvings` (from 0, the contract's loop
    index): half of it, rounded toward zero (Vyper's int256 `//`), or 0 past MAX_HALVINGS. The
    caller loops: while x != 0 and the venue's quote of K + x is not within_price_limit,
    x = halved(x, halvings) for halvings in range(MAX_HALVINGS + 1)."""
    return trunc_div(x, 2) if halvings < MAX_HALVINGS else 0


def fund_share(trade_cost: int, k: int, x: int) -> int:
    """round_math._fund_share: the fund's part of the order's trade cost: pro rata to |x| and |k|
    going the same way (rounded down), all or nothing across (the net way bears it)."""
    ax, ak = abs(x), abs(k)
    if k == 0 or (k > 0) == (x > 0):
        return mul_div(trade_cost, ax, ax + ak, False)
    return trade_cost if ax > ak else 0


def staying_nav(h: int, fund_cost: int, supply: int, redeems: int) -> int:
    """The H at which the depositors' shares are priced in round_math._settlement (and so what
    each share that stays is worth at the fill, the round's requests aside): H less the fund's
    cost over the staying supply, rounded against the depositors."""
    if fund_cost == 0:
        return h
    return h - min(mul_div(fund_cost, supply, supply - redeems, True), h - 1)


def leverage_as_filled(
    size: int,
    pending_size_delta: int,
    nav: int,
    supply: int,
    deposits: int,
    redeems: int,
    price: int,
    asset_scale: int,
) -> int:
    """round_math._leverage_as_filled: leverage as if the orders in flight had filled."""
    nav_after = nav + deposits
    if redeems > 0 and nav > 0:
        nav_after -= mul_div(nav, redeems, supply, False)
    return leverage(size + pending_size_delta, price, nav_after, asset_scale)


def trade_cost(size_delta: int, price: int, exec_price: int, taker_fee: int, asset_scale: int) -> int:
    """LeveragedTokenAsync._trade_cost: the venue's quote of trading `size_delta` (its execution
    price and taker fee, IAsyncPerpVenue.quote_trade) against the oracle `price`: the fee plus
    the spread and impact, in assets, rounded up."""
    if size_delta == 0:
        return 0
    gap = exec_price - min(exec_price, price) if size_delta > 0 else price - min(exec_price, price)
    return taker_fee + mul_div(abs(size_delta), gap, WAD * asset_scale, True)


def round_order(
    size_delta: int,
    nav: int,
    supply: int,
    price: int,
    deposits: int,
    redeems: int,
    idle: int,
    execution_fee: int,
    mint_fee_bps: int,
    trade_cost: int,
    cushion_bps: int,
    max_slippage_bps: int,
    is_long: bool,
    initial_nav_per_share: int,
    rebalance: int = 0,
) -> RoundOrder:
    """round_math._round_order: the cash the round keeps and the collateral its order moves (the
    fund's `idle` collateral joins the deposits: it pays the cash first, the rest goes to margin);
    `size_delta` is the requests' trade plus the fund's `rebalance` (last here, so callers of
    rounds without one are unchanged), whose share of the trade's cost never cuts the cash."""
    redeem_value = value_for_shares(supply, nav, redeems, initial_nav_per_share, False) if redeems > 0 else 0
    cushion = mul_div(min(redeem_value, nav - min(redeem_value, nav)), cushion_bps, BPS, True)
    cash = redeem_value + cushion
    k = size_delta - rebalance
    if k != 0 and (k > 0) != is_long:
        cash -= min(2 * (trade_cost - fund_share(trade_cost, k, rebalance)), cash)
    cash += execution_fee + fee(deposits, mint_fee_bps)
    collateral_delta = deposits + idle - cash
    if size_delta == 0 and collateral_delta == 0:
        cash += 1
        collateral_delta = -1
    acceptable = limit_price(price, max_slippage_bps, size_delta > 0) if size_delta != 0 else 0
    return RoundOrder(size_delta, collateral_delta, cash, acceptable)


def settlement(
    idle: int,
    equity_before: int,
    equity_after: int,
    collateral_delta: int,
    size_delta: int,
    execution_fee: int,
    supply: int,
    deposits: int,
    redeems: int,
    mint_fee_bps: int,
    redeem_fee_bps: int,
    is_long: bool,
    initial_nav_per_share: int,
    rebalance: int = 0,
) -> Settlement:
    """round_math._settlement: priced at the fill; the fund bears its share of the order's cost
    for its part `rebalance` (x; the contract takes it after `size_delta`, here last so callers of
    rounds without one are unchanged), the requests' side in excess the rest."""
    h = max(idle + equity_before, 1)  # a fund wiped out before the fill still settles
    cost = max(equity_before + collateral_delta - equity_after, 0) + execution_fee
    redeem_value = value_for_shares(supply, h, redeems, initial_nav_per_share, False) if redeems > 0 else 0
    k = size_delta - rebalance
    fund_cost = 0
    if rebalance != 0:
        fund_cost = cost
        if deposits > 0 or redeems > 0:
            fund_cost = fund_share(cost - execution_fee, k, rebalance)
    deposits_pay = redeems == 0
    if deposits > 0 and redeems > 0:
        deposits_pay = (k > 0) == is_long if k != 0 else deposits >= redeem_value
    mint_fee = fee(deposits, mint_fee_bps)
    deposit_value = deposits - mint_fee
    requests_cost = cost - fund_cost
    if deposits_pay:
        deposit_value -= min(requests_cost, deposit_value)
    else:
        redeem_value -= min(requests_cost, redeem_value)
    redeem_fee = fee(redeem_value, redeem_fee_bps)
    shares_out = 0
    if deposits > 0:
        shares_out = shares_for_value(
            supply, staying_nav(h, fund_cost, supply, redeems), deposit_value, initial_nav_per_share
        )
    return Settlement(h, cost, deposits_pay, shares_out, redeem_value - redeem_fee, mint_fee + redeem_fee, fund_cost)
