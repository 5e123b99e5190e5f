"""Twin of contracts/round_math.vy, the asynchronous token's round formulas, line by line: the
one netted venue order a round closes with, and its settlement at the fill the venue recorded.
Units as the contract: assets in collateral base units, shares in wei, prices and sizes in WAD.
The SDK quotes requests from here (ERC-7540 forbids previews on the async side)."""

from __future__ import annotations

from dataclasses import dataclass

from ltsdk.math import fee, limit_price, mul_div, pro_rata_size, shares_for_value, target_size, value_for_shares
from ltsdk.units import BPS, WAD


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
) -> RoundOrder:
    """round_math._round_order: the cash the round keeps and the collateral its order moves (the
    fund's `idle` collateral joins the deposits: it pays the cash first, the rest goes to margin)."""
    redeem_value = value_for_shares(supply, nav, redeems, initial_nav_per_share, False) if redeems > 0 else 0
    cushion = mul_div(min(redeem_value, nav - min(redeem_value, nav)), cushion_bps, BPS, True)
    cash = redeem_value + cushion
    if size_delta != 0 and (size_delta > 0) != is_long:
        cash -= min(2 * trade_cost, cash)
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
) -> Settlement:
    """round_math._settlement: priced at the fill; the side in excess bears the order's cost."""
    h = max(idle + equity_before, 1)  # a fund wiped out before the fill still settles
    cost = max(equity_before + collateral_delta - equity_after, 0) + execution_fee
    redeem_value = value_for_shares(supply, h, redeems, initial_nav_per_share, False) if redeems > 0 else 0
    deposits_pay = redeems == 0
    if deposits > 0 and redeems > 0:
        deposits_pay = (size_delta > 0) == is_long if size_delta != 0 else deposits >= redeem_value
    mint_fee = fee(deposits, mint_fee_bps)
    deposit_value = deposits - mint_fee
    if deposits_pay:
        deposit_value -= min(cost, deposit_value)
    else:
        redeem_value -= min(cost, redeem_value)
    redeem_fee = fee(redeem_value, redeem_fee_bps)
    shares_out = shares_for_value(supply, h, deposit_value, initial_nav_per_share) if deposits > 0 else 0
    return Settlement(h, cost, deposits_pay, shares_out, redeem_value - redeem_fee, mint_fee + redeem_fee)
