"""Integer-exact reference math: a line-by-line mirror of the contracts' formulas.

Every function here has a twin in `contracts/` (named in its docstring) and rounds the same way.
Python's `//` floors; the EVM's signed division truncates toward zero, so `trunc_div` is used
wherever the contract divides signed values with `//`.
Units: assets in collateral base units, shares in wei (18 decimals), prices and leverage in WAD,
sizes in WAD units of underlying (signed), fees in basis points.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

WAD = 10**18
BPS = 10_000
SECONDS_PER_YEAR = 365 * 86_400
DEAD_SHARES = 10**15
MAX_PREMIUM = WAD // 2


class ModelRevert(ValueError):
    """The contract would revert with this reason."""


# ------------------------------------------------------------------ integer helpers


def mul_div(x: int, y: int, d: int, roundup: bool) -> int:
    """snekmate math._mul_div: x * y / d for non-negative values, rounded as asked."""
    q, r = divmod(x * y, d)
    return q + 1 if roundup and r else q


def trunc_div(a: int, b: int) -> int:
    """EVM signed division (SDIV): rounds toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def floor_div(a: int, b: int) -> int:
    """signed_math._floor_div (b > 0)."""
    return a // b


def ceil_div(a: int, b: int) -> int:
    """signed_math._ceil_div (b > 0)."""
    return -((-a) // b)


# ------------------------------------------------------------------ venue (MockPerpAdapter.vy)


@dataclass(frozen=True)
class VenueParams:
    half_spread_bps: int
    taker_fee_bps: int
    depth: int  # WAD USD
    asset_scale: int  # 10**(18 - collateral decimals)


@dataclass(frozen=True)
class Account:
    margin: int = 0
    size: int = 0
    open_notional: int = 0
    funding_checkpoint: int = 0


def quote(size_delta: int, price: int, p: VenueParams) -> tuple[int, int]:
    """MockPerpAdapter._quote -> (exec_price, fee)."""
    amount = abs(size_delta)
    notional = amount * price // WAD
    premium = p.half_spread_bps * WAD // BPS + notional * WAD // p.depth
    if premium >= MAX_PREMIUM:
        raise ModelRevert("venue: liquidity")
    if size_delta > 0:
        exec_price = (price * (WAD + premium) + WAD - 1) // WAD
    else:
        exec_price = price * (WAD - premium) // WAD
    fee_denominator = WAD * BPS * p.asset_scale
    fee = (amount * exec_price * p.taker_fee_bps + fee_denominator - 1) // fee_denominator
    return exec_price, fee


def apply_trade(acc: Account, size_delta: int, exec_price: int, fee: int, asset_scale: int) -> tuple[Account, int]:
    """MockPerpAdapter._apply_trade -> (account after, realised PnL in collateral units)."""
    scale = WAD * asset_scale
    realized = 0
    opened = size_delta
    size, open_notional = acc.size, acc.open_notional
    if size != 0 and (size > 0) != (size_delta > 0):
        closed = -size_delta
        if abs(closed) > abs(size):
            closed = size
        closed_notional = trunc_div(open_notional * closed, size)
        realized = floor_div(closed * exec_price - closed_notional * WAD, scale)
        size -= closed
        open_notional -= closed_notional
        opened = size_delta + closed
    if opened != 0:
        size += opened
        open_notional += ceil_div(opened * exec_price, WAD)
    return replace(acc, size=size, open_notional=open_notional, margin=acc.margin + realized - fee), realized


def index_now(index: int, rate_per_second: int, elapsed: int, price: int) -> int:
    """MockPerpAdapter._index_now."""
    return index + trunc_div(rate_per_second * elapsed * price, WAD)


def funding_owed(acc: Account, index: int, asset_scale: int) -> int:
    """MockPerpAdapter._funding_owed (collateral units; negative = receives)."""
    return ceil_div(acc.size * (index - acc.funding_checkpoint), WAD * asset_scale)


def settle(acc: Account, index: int, asset_scale: int) -> Account:
    """MockPerpAdapter._settle."""
    return replace(acc, margin=acc.margin - funding_owed(acc, index, asset_scale), funding_checkpoint=index)


def unrealized_pnl(acc: Account, price: int, asset_scale: int) -> int:
    return floor_div(acc.size * price - acc.open_notional * WAD, WAD * asset_scale)


def equity(acc: Account, price: int, index: int, asset_scale: int) -> int:
    """MockPerpAdapter._equity_of: margin + unrealised PnL - funding owed."""
    return acc.margin + unrealized_pnl(acc, price, asset_scale) - funding_owed(acc, index, asset_scale)


def preview_equity(acc: Account, margin_delta: int, size_delta: int, price: int, index: int, p: VenueParams) -> int:
    """MockPerpAdapter.preview_equity."""
    acc = settle(acc, index, p.asset_scale)
    acc = replace(acc, margin=acc.margin + margin_delta)
    if size_delta != 0:
        exec_price, fee = quote(size_delta, price, p)
        acc, _ = apply_trade(acc, size_delta, exec_price, fee, p.asset_scale)
    return equity(acc, price, index, p.asset_scale)


# ------------------------------------------------------------------ token (lt_math.vy)


def fee(amount: int, fee_bps: int) -> int:
    """lt_math._fee: rounded up."""
    return mul_div(amount, fee_bps, BPS, True)


def gross_up(net: int, fee_bps: int) -> int:
    """lt_math._gross_up: smallest gross whose remainder after the fee is >= net."""
    gross = mul_div(net, BPS, BPS - fee_bps, True)
    if gross - fee(gross, fee_bps) < net:
        gross += 1
    return gross


def management_fee_shares(supply: int, fee_bps_per_year: int, elapsed: int) -> int:
    """lt_math._management_fee_shares."""
    accrued = fee_bps_per_year * min(elapsed, SECONDS_PER_YEAR)
    return mul_div(supply, accrued, BPS * SECONDS_PER_YEAR - accrued, True)


def shares_for_value(supply: int, nav: int, worth: int, initial_nav_per_share: int) -> int:
    """lt_math._shares_for_value: rounded down."""
    if supply == 0:
        return mul_div(worth, WAD, initial_nav_per_share, False)
    return mul_div(worth, supply, nav, False)


def value_for_shares(supply: int, nav: int, shares: int, initial_nav_per_share: int) -> int:
    """lt_math._value_for_shares: rounded up."""
    if supply == 0:
        return mul_div(shares, initial_nav_per_share, WAD, True)
    return mul_div(shares, nav, supply, True)


def redeem_value(supply: int, nav_before: int, nav_after: int, shares: int) -> int:
    """lt_math._redeem_value: NAV after the trade minus the stayers' claim (rounded up)."""
    return nav_after - mul_div(nav_before, supply - shares, supply, True)


def pro_rata_size(size: int, numerator: int, denominator: int) -> int:
    """lt_math._pro_rata_size: magnitude rounded down."""
    magnitude = mul_div(abs(size), numerator, denominator, False)
    return -magnitude if size < 0 else magnitude


def leverage(size: int, price: int, nav: int, asset_scale: int) -> int:
    """lt_math._leverage (WAD); 2**256-1 when insolvent."""
    if nav <= 0:
        return 2**256 - 1
    notional = mul_div(abs(size), price, WAD, False)
    return mul_div(notional, WAD, nav * asset_scale, False)
