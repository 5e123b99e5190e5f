"""Integer-exact twins of the contracts' pure formulas: a line-by-line mirror of lt_math.vy,
signed_math.vy, snekmate's `_mul_div` and the mock venue's (MockPerpAdapter.vy) pricing.

Every function here has a twin in `contracts/` (named in its docstring) and rounds the same way.
Python's `//` floors; the EVM's signed division truncates toward zero, so `trunc_div` is used
wherever the contract divides signed values with `//`.
The twins of `lt_math.vy` and `signed_math.vy` also revert where their contract does, over the
whole uint256/int256 range: each step the EVM checks (overflow, underflow, division by zero, a
conversion out of range) goes through `uint256` / `int256` / `div` / `mul_div`, which raise
ModelRevert (tests/fuzz/test_lt_math.py holds each twin to its contract function).
Units: assets in collateral base units, shares in wei (18 decimals), prices and leverage in WAD,
sizes in WAD units of underlying (signed), fees in basis points.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ltsdk.codes import Reason
from ltsdk.errors import ModelRevert
from ltsdk.units import BPS, MAX_INT256, MAX_UINT256, MIN_INT256, SECONDS_PER_YEAR, WAD

DEAD_SHARES = 10**15  # constants.vy: shares locked at a token's first mint
MIN_LEVERAGE = 2  # LeveragedTokenFactory.vy: a token's whole-number target leverage, 2..MAX_LEVERAGE
MAX_LEVERAGE = 9  # LeveragedTokenFactory.MAX_LEVERAGE (one digit in the symbol)
MAX_PREMIUM = WAD // 2  # MockPerpAdapter: the price premium at which the venue refuses a trade
RIPCORD_REWARD_MAX_BPS = 5


# ------------------------------------------------------------------ integer helpers


def uint256(x: int) -> int:
    """x, where it is a uint256; else the revert of Vyper's checked arithmetic or convert()."""
    if not 0 <= x <= MAX_UINT256:
        raise ModelRevert("math: uint256 out of range")
    return x


def int256(x: int) -> int:
    """x, where it is an int256; else the revert of Vyper's checked arithmetic or convert()."""
    if not MIN_INT256 <= x <= MAX_INT256:
        raise ModelRevert("math: int256 out of range")
    return x


def div(a: int, b: int) -> int:
    """Vyper's uint256 `//`: reverts on a zero divisor."""
    if b == 0:
        raise ModelRevert("math: division by zero")
    return a // b


def abs256(x: int) -> int:
    """Vyper's abs() of an int256: reverts on min_value(int256), whose magnitude is no int256."""
    return int256(abs(x))


def mul_div(x: int, y: int, d: int, roundup: bool) -> int:
    """snekmate math._mul_div: x * y / d for uint256 values in 512-bit precision, rounded as asked;
    reverts on d == 0 and when the rounded result exceeds uint256."""
    if d == 0:
        raise ModelRevert("math: mul_div division by zero")
    q, r = divmod(x * y, d)
    return uint256(q + 1 if roundup and r else q)


def trunc_div(a: int, b: int) -> int:
    """EVM signed division (SDIV): rounds toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def floor_div(a: int, b: int) -> int:
    """signed_math._floor_div: rounded toward minus infinity; reverts on b == 0 or an int256 overflow."""
    if b == 0:
        raise ModelRevert("math: division by zero")
    return int256(a // b)


def ceil_div(a: int, b: int) -> int:
    """signed_math._ceil_div: rounded toward plus infinity; reverts on b == 0 or an int256 overflow."""
    if b == 0:
        raise ModelRevert("math: division by zero")
    return int256(-((-a) // b))


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
    """perp_accounting._quote (the mock venues' quote) -> (exec_price, fee); ModelRevert where it cannot fill."""
    amount = abs(size_delta)
    notional = amount * price // WAD
    premium = p.half_spread_bps * WAD // BPS + notional * WAD // p.depth
    if premium >= MAX_PREMIUM:
        raise ModelRevert("venue: liquidity")
    if size_delta > 0:  # noqa: SIM108 - the same branches as perp_accounting._quote
        exec_price = (price * (WAD + premium) + WAD - 1) // WAD
    else:
        exec_price = price * (WAD - premium) // WAD
    fee_denominator = WAD * BPS * p.asset_scale
    fee = (amount * exec_price * p.taker_fee_bps + fee_denominator - 1) // fee_denominator
    return exec_price, fee


def apply_trade(acc: Account, size_delta: int, exec_price: int, fee: int, asset_scale: int) -> tuple[Account, int]:
    """perp_accounting._apply_trade -> (account after, realised PnL in collateral units)."""
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
    """perp_accounting._index_now."""
    return index + trunc_div(rate_per_second * elapsed * price, WAD)


def funding_owed(acc: Account, index: int, asset_scale: int) -> int:
    """perp_accounting._funding_owed (collateral units; negative = receives)."""
    return ceil_div(acc.size * (index - acc.funding_checkpoint), WAD * asset_scale)


def settle(acc: Account, index: int, asset_scale: int) -> Account:
    """perp_accounting._settle."""
    return replace(acc, margin=acc.margin - funding_owed(acc, index, asset_scale), funding_checkpoint=index)


def notional_assets(size: int, price: int, asset_scale: int) -> int:
    """perp_accounting._notional_assets: |size| x price in collateral units, rounded down."""
    return abs(size) * price // WAD // asset_scale


def unrealized_pnl(acc: Account, price: int, asset_scale: int) -> int:
    return floor_div(acc.size * price - acc.open_notional * WAD, WAD * asset_scale)


def equity(acc: Account, price: int, index: int, asset_scale: int) -> int:
    """perp_accounting._equity_of: margin + unrealised PnL - funding owed."""
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
    gross = mul_div(net, BPS, uint256(BPS - fee_bps), True)
    if uint256(gross - fee(gross, fee_bps)) < net:
        gross = uint256(gross + 1)
    return gross


def management_fee_shares(supply: int, fee_bps_per_year: int, elapsed: int) -> int:
    """lt_math._management_fee_shares."""
    accrued = uint256(fee_bps_per_year * min(elapsed, SECONDS_PER_YEAR))
    return mul_div(supply, accrued, uint256(BPS * SECONDS_PER_YEAR - accrued), True)


def shares_for_value(supply: int, nav: int, worth: int, initial_nav_per_share: int) -> int:
    """lt_math._shares_for_value: rounded down."""
    if supply == 0:
        return mul_div(worth, WAD, initial_nav_per_share, False)
    return mul_div(worth, supply, nav, False)


def value_for_shares(supply: int, nav: int, shares: int, initial_nav_per_share: int, roundup: bool) -> int:
    """lt_math._value_for_shares: shares x NAV / supply, rounded once in the direction given."""
    if supply == 0:
        return mul_div(shares, initial_nav_per_share, WAD, roundup)
    return mul_div(shares, nav, supply, roundup)


def redeem_value(supply: int, nav_before: int, nav_after: int, shares: int) -> int:
    """lt_math._redeem_value: NAV after the trade minus the stayers' claim (rounded up)."""
    remaining = mul_div(nav_before, uint256(supply - shares), supply, True)
    return int256(nav_after - int256(remaining))


def insolvent_payout(available: int, shares: int, supply: int) -> int:
    """lt_math._insolvent_payout: the shares' pro-rata part of what can still leave, rounded down."""
    return mul_div(available, shares, supply, False)


def pro_rata_size(size: int, numerator: int, denominator: int) -> int:
    """lt_math._pro_rata_size: magnitude rounded down."""
    magnitude = int256(mul_div(abs256(size), numerator, denominator, False))
    return -magnitude if size < 0 else magnitude


def limit_price(price: int, max_slippage_bps: int, is_buy: bool) -> int:
    """lt_math._limit_price: the worst execution price a fund trade accepts (tighter than exact)."""
    if is_buy:
        return mul_div(price, uint256(BPS + max_slippage_bps), BPS, False)
    return mul_div(price, uint256(BPS - max_slippage_bps), BPS, True)


def leverage(size: int, price: int, nav: int, asset_scale: int) -> int:
    """lt_math._leverage (WAD); 0 with no position; 2**256-1 when insolvent."""
    if size == 0:
        return 0
    if nav <= 0:
        return MAX_UINT256
    notional = mul_div(abs256(size), price, WAD, False)
    return mul_div(notional, WAD, uint256(nav * asset_scale), False)


def target_size(nav: int, price: int, target_leverage: int, is_long: bool, asset_scale: int) -> int:
    """lt_math._target_size."""
    magnitude = int256(mul_div(uint256(nav * asset_scale), target_leverage, price, False))
    return magnitude if is_long else -magnitude


def band(target_leverage: int, band_bps: int) -> tuple[int, int]:
    """lt_math._band -> (lower, upper)."""
    widened = uint256(BPS + band_bps)
    return mul_div(target_leverage, BPS, widened, True), mul_div(target_leverage, widened, BPS, False)


def drift_bps(lev: int, target_leverage: int) -> int:
    """lt_math._drift_bps."""
    return mul_div(abs(lev - target_leverage), BPS, target_leverage, False)


def clamp_trade(size_delta: int, price: int, max_notional: int, asset_scale: int) -> int:
    """lt_math._clamp_trade."""
    max_size = mul_div(uint256(max_notional * asset_scale), WAD, price, False)
    if abs256(size_delta) <= max_size:
        return size_delta
    return -max_size if size_delta < 0 else max_size


def default_ripcord_leverage(target_leverage: int) -> int:
    """lt_math._default_ripcord_leverage: a new product's ripcord level, 1.5 T (WAD, rounded down)."""
    return uint256(target_leverage * 3) // 2


def ripcord_reward(nav: int, reward_assets: int, reward_max_bps: int) -> int:
    """lt_math._ripcord_reward."""
    return min(reward_assets, uint256(nav * reward_max_bps) // BPS)


def is_fresh(venue_fresh: bool, price: int, updated_at: int, now: int, max_age: int) -> bool:
    """lt_math._is_fresh: the venue trades on the price, it is positive and at most max_age old."""
    return venue_fresh and price > 0 and now <= uint256(updated_at + max_age)


def current_slot(now: int, offset: int, interval: int) -> int:
    """lt_math._current_slot: slot k opens at k * interval + offset; 0 before the first opens."""
    if now < offset:
        return 0
    return div(now - offset, interval)


def next_slot_start(now: int, offset: int, interval: int) -> int:
    """lt_math._next_slot_start: when the first slot after `now` opens (seconds)."""
    if now < offset:
        return offset
    return uint256(uint256((current_slot(now, offset, interval) + 1) * interval) + offset)


# ------------------------------------------------------------------ stateful replicas


@dataclass(frozen=True)
class FundState:
    """lt_math.FundState: what a token reads before acting."""

    supply: int
    nav: int
    size: int
    price: int
    fresh: bool
    idle_assets: int
    target_leverage: int
    is_long: bool
    asset_scale: int
    initial_nav_per_share: int
    mint_fee_bps: int
    redeem_fee_bps: int
    max_slippage_bps: int  # the fund's price limit on its trades


def mint_size_delta(s: FundState, net_assets: int) -> int:
    """lt_math._mint_size_delta."""
    if s.supply == 0:
        return target_size(net_assets, s.price, s.target_leverage, s.is_long, s.asset_scale)
    return pro_rata_size(s.size, net_assets, uint256(s.nav))


def redeem_size_delta(s: FundState, shares: int) -> int:
    """lt_math._redeem_size_delta."""
    return -pro_rata_size(s.size, shares, s.supply)


def shares_minted(s: FundState, value_added: int) -> int:
    """lt_math._shares_minted."""
    shares = shares_for_value(s.supply, max(s.nav, 0), value_added, s.initial_nav_per_share)
    if s.supply > 0:
        return shares
    return shares - DEAD_SHARES if shares > DEAD_SHARES else 0


def nav_per_share(s: FundState) -> int:
    """lt_math._nav_per_share."""
    if s.supply == 0:
        return s.initial_nav_per_share
    if s.nav <= 0:
        return 0
    return mul_div(s.nav, WAD, s.supply, False)


def convert_to_shares(s: FundState, assets: int) -> int:
    """LeveragedTokenViews.convert_to_shares: shares worth `assets` at NAV, rounded down once."""
    if s.supply > 0 and s.nav <= 0:
        return 0
    return shares_for_value(s.supply, max(s.nav, 0), assets, s.initial_nav_per_share)


def convert_to_assets(s: FundState, shares: int) -> int:
    """LeveragedTokenViews.convert_to_assets: what `shares` are worth at NAV, rounded down once."""
    if s.supply > 0 and s.nav <= 0:
        return 0
    return value_for_shares(s.supply, max(s.nav, 0), shares, s.initial_nav_per_share, False)


@dataclass(frozen=True)
class RebalanceState:
    """lt_math.RebalanceState: the token's rebalancing parameters and state."""

    is_shutdown: bool
    band_bps: int
    ripcord_leverage: int  # WAD
    min_drift_bps: int
    max_trade_notional: int  # assets
    chunk_pending: bool  # the last rebalance was clamped
    slot_open: bool  # a scheduled slot has opened since the last rebalance


def rebalance_status(s: FundState, r: RebalanceState) -> tuple[Reason, int, int]:
    """lt_math._rebalance_status -> (reason, size to trade now, whole size to target)."""
    if not s.fresh or s.supply == 0 or s.nav <= 0:
        return Reason.NONE, 0, 0
    full = -s.size  # once shut down the target is flat
    if not r.is_shutdown:
        full = int256(full + target_size(s.nav, s.price, s.target_leverage, s.is_long, s.asset_scale))
    if full == 0:
        return Reason.NONE, 0, 0
    lev = leverage(s.size, s.price, s.nav, s.asset_scale)
    lower, upper = band(s.target_leverage, r.band_bps)
    drifted = drift_bps(lev, s.target_leverage) >= r.min_drift_bps
    if lev >= r.ripcord_leverage:
        reason = Reason.RIPCORD
    elif r.is_shutdown:
        return Reason.NONE, 0, full
    elif lev > upper or lev < lower:
        reason = Reason.BAND
    elif r.chunk_pending and drifted:
        reason = Reason.CHUNK
    elif r.slot_open and drifted:
        reason = Reason.SCHEDULED
    else:
        return Reason.NONE, 0, full
    return reason, clamp_trade(full, s.price, r.max_trade_notional, s.asset_scale), full


def split_status(nav_per_share_assets: int, has_shares: bool, lower: int, upper: int) -> tuple[int, bool]:
    """lt_math._split_status -> (factor, is_reverse); (0, False) if no split is due."""
    is_reverse = nav_per_share_assets < lower
    if not has_shares or not (is_reverse or nav_per_share_assets > upper):
        return 0, False
    for factor in (10, 100, 1_000, 10_000):
        after = uint256(nav_per_share_assets * factor) if is_reverse else nav_per_share_assets // factor
        if lower <= after <= upper:
            return factor, is_reverse
    return 0, False
