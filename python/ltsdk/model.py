"""Integer-exact reference math: a line-by-line mirror of the contracts' formulas.

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

import functools
from dataclasses import dataclass, field, replace

WAD = 10**18
BPS = 10_000
SECONDS_PER_YEAR = 365 * 86_400
DEAD_SHARES = 10**15
MAX_PREMIUM = WAD // 2
MAX_UINT256 = 2**256 - 1
MIN_INT256, MAX_INT256 = -(2**255), 2**255 - 1

# rebalance_status() reasons (lt_math.vy)
NONE, SCHEDULED, BAND, CHUNK, RIPCORD = range(5)
REASON_NAMES = {NONE: "none", SCHEDULED: "scheduled", BAND: "band", CHUNK: "chunk", RIPCORD: "ripcord"}
RIPCORD_REWARD_MAX_BPS = 5


class ModelRevert(ValueError):
    """The contract would revert with this reason."""


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


def value_for_shares(supply: int, nav: int, shares: int, initial_nav_per_share: int) -> int:
    """lt_math._value_for_shares: rounded up."""
    if supply == 0:
        return mul_div(shares, initial_nav_per_share, WAD, True)
    return mul_div(shares, nav, supply, True)


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


def rebalance_status(s: FundState, r: RebalanceState) -> tuple[int, int, int]:
    """lt_math._rebalance_status -> (reason, size to trade now, whole size to target)."""
    if r.is_shutdown or not s.fresh or s.supply == 0 or s.nav <= 0:
        return NONE, 0, 0
    full = int256(target_size(s.nav, s.price, s.target_leverage, s.is_long, s.asset_scale) - s.size)
    if full == 0:
        return NONE, 0, 0
    lev = leverage(s.size, s.price, s.nav, s.asset_scale)
    lower, upper = band(s.target_leverage, r.band_bps)
    drifted = drift_bps(lev, s.target_leverage) >= r.min_drift_bps
    if lev >= r.ripcord_leverage:
        reason = RIPCORD
    elif lev > upper or lev < lower:
        reason = BAND
    elif r.chunk_pending and drifted:
        reason = CHUNK
    elif r.slot_open and drifted:
        reason = SCHEDULED
    else:
        return NONE, 0, full
    return reason, clamp_trade(full, s.price, r.max_trade_notional, s.asset_scale), full


@dataclass
class Venue:
    """MockPerpAdapter: one market, every account, at the oracle price the caller sets."""

    params: VenueParams
    price: int  # WAD; 0 = unusable answer
    updated_at: int  # oracle answer's timestamp
    max_oracle_age: int = 3_600
    max_leverage: int = 20 * WAD
    maintenance_margin_bps: int = 250
    liquidation_penalty_bps: int = 100
    funding_rate_per_second: int = 0
    funding_index: int = 0
    funding_updated_at: int = 0
    accounts: dict[str, Account] = field(default_factory=dict)
    # bookkeeping for reports (not contract state): collateral units per account
    fees_paid: dict[str, int] = field(default_factory=dict)
    funding_paid: dict[str, int] = field(default_factory=dict)

    def fresh(self, now: int) -> bool:
        return self.price > 0 and self.updated_at <= now and now - self.updated_at <= self.max_oracle_age

    def set_price(self, price: int, now: int) -> None:
        self.price, self.updated_at = price, now

    def set_funding_rate(self, rate: int, now: int) -> None:
        self._update_index(now)
        self.funding_rate_per_second = rate

    def index_now(self, now: int) -> int:
        return index_now(self.funding_index, self.funding_rate_per_second, now - self.funding_updated_at, self.price)

    def _update_index(self, now: int) -> int:
        if self.price == 0:
            return self.funding_index
        self.funding_index = self.index_now(now)
        self.funding_updated_at = now
        return self.funding_index

    def _settled(self, account: str, now: int) -> Account:
        acc = self.accounts.get(account, Account())
        index = self._update_index(now)
        self.funding_paid[account] = self.funding_paid.get(account, 0) + funding_owed(
            acc, index, self.params.asset_scale
        )
        return settle(acc, index, self.params.asset_scale)

    def equity(self, account: str, now: int) -> int:
        acc = self.accounts.get(account, Account())
        return equity(acc, self.price, self.index_now(now), self.params.asset_scale)

    def preview_equity(self, account: str, margin_delta: int, size_delta: int, now: int) -> int:
        acc = self.accounts.get(account, Account())
        return preview_equity(acc, margin_delta, size_delta, self.price, self.index_now(now), self.params)

    def deposit(self, account: str, amount: int, now: int) -> None:
        if amount == 0:
            raise ModelRevert("venue: zero amount")
        acc = self._settled(account, now)
        self.accounts[account] = replace(acc, margin=acc.margin + amount)

    def _free_margin(self, acc: Account, index: int) -> int:
        eq = equity(acc, self.price, index, self.params.asset_scale)
        initial = 0
        if acc.size != 0:
            notional = abs(acc.size) * self.price // WAD // self.params.asset_scale
            initial = -((-notional * WAD) // self.max_leverage)
        return max(min(acc.margin, eq - initial), 0)

    def withdraw(self, account: str, amount: int, now: int) -> None:
        if amount == 0:
            raise ModelRevert("venue: zero amount")
        acc = self._settled(account, now)
        if acc.size != 0 and not self.fresh(now):
            raise ModelRevert("venue: stale price")
        if amount > self._free_margin(acc, self.funding_index):
            raise ModelRevert("venue: margin")
        self.accounts[account] = replace(acc, margin=acc.margin - amount)

    def max_withdrawable(self, account: str, now: int) -> int:
        acc = self.accounts.get(account, Account())
        if acc.size != 0 and not self.fresh(now):
            return 0
        index = self.index_now(now)
        return self._free_margin(settle(acc, index, self.params.asset_scale), index)

    def position(self, account: str) -> tuple[int, int, int]:
        """MockPerpAdapter.position -> (size, average entry price, margin)."""
        acc = self.accounts.get(account, Account())
        entry = trunc_div(acc.open_notional * WAD, acc.size) if acc.size else 0
        return acc.size, entry, acc.margin

    def liquidate(self, account: str, now: int) -> int:
        """MockPerpAdapter.liquidate -> the penalty paid to the liquidator."""
        if not self.fresh(now):
            raise ModelRevert("venue: stale price")
        acc = self._settled(account, now)
        if acc.size == 0:
            raise ModelRevert("venue: no position")
        notional = abs(acc.size) * self.price // WAD // self.params.asset_scale
        if (
            equity(acc, self.price, self.funding_index, self.params.asset_scale)
            >= notional * self.maintenance_margin_bps // BPS
        ):
            raise ModelRevert("venue: healthy")
        acc, _ = apply_trade(acc, -acc.size, self.price, 0, self.params.asset_scale)
        penalty = min(acc.margin, notional * self.liquidation_penalty_bps // BPS) if acc.margin > 0 else 0
        self.accounts[account] = replace(acc, margin=acc.margin - penalty)
        return penalty

    def trade(self, account: str, size_delta: int, limit_price: int, now: int) -> tuple[int, int, int]:
        """MockPerpAdapter.trade -> (execution price, fee, realised PnL)."""
        if size_delta == 0:
            raise ModelRevert("venue: zero size")
        if not self.fresh(now):
            raise ModelRevert("venue: stale price")
        acc = self._settled(account, now)
        exec_price, fee_assets = quote(size_delta, self.price, self.params)
        if (size_delta > 0 and exec_price > limit_price) or (size_delta < 0 and exec_price < limit_price):
            raise ModelRevert("venue: slippage")
        size_before = acc.size
        acc, realized = apply_trade(acc, size_delta, exec_price, fee_assets, self.params.asset_scale)
        self.fees_paid[account] = self.fees_paid.get(account, 0) + fee_assets
        if abs(acc.size) > abs(size_before):
            eq = equity(acc, self.price, self.funding_index, self.params.asset_scale)
            notional = abs(acc.size) * self.price // WAD // self.params.asset_scale
            if eq <= 0 or notional * WAD > eq * self.max_leverage:
                raise ModelRevert("venue: max leverage")
        self.accounts[account] = acc
        return exec_price, fee_assets, realized


def atomic(method):
    """Like a reverted transaction: if `method` raises ModelRevert, the fund and its venue are
    left exactly as they were."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        venue = self.venue
        saved = (
            dict(self.__dict__),
            dict(self.balances),
            dict(venue.__dict__),
            dict(venue.accounts),
            dict(venue.fees_paid),
            dict(venue.funding_paid),
        )
        try:
            return method(self, *args, **kwargs)
        except ModelRevert:
            fund_state, balances, venue_state, accounts, fees, funding = saved
            self.__dict__.update(fund_state)
            self.balances = balances
            venue.__dict__.update(venue_state)
            venue.accounts, venue.fees_paid, venue.funding_paid = accounts, fees, funding
            raise

    return wrapper


@dataclass
class Fund:
    """LeveragedToken: one product's share ledger, fees and rebalancing, over a `Venue` account.

    Every method mirrors the contract function of the same name for the same block time `now`
    and raises ModelRevert where the contract reverts. Balances are kept per holder in shares
    (splits are out of scope here: they do not change NAV or the position).
    """

    venue: Venue
    account: str = "token"
    target_leverage: int = 3 * WAD
    is_long: bool = True
    asset_decimals: int = 6
    initial_nav_per_share_whole: int = 100
    created_at: int = 0
    supply: int = 0
    balances: dict[str, int] = field(default_factory=dict)
    idle_assets: int = 0
    protocol_fees: int = 0
    fee_recipient: str = "fee_recipient"
    mint_fee_bps: int = 10
    redeem_fee_bps: int = 10
    management_fee_bps: int = 365
    last_fee_accrual: int = 0
    max_total_assets: int = MAX_UINT256
    max_slippage_bps: int = 50
    max_price_age: int = 3_600
    band_bps: int = 2_000
    ripcord_leverage: int = 0
    rebalance_interval: int = 86_400
    rebalance_offset: int = 120
    min_drift_bps: int = 50
    max_trade_notional: int = 0
    twap_cooldown: int = 60
    ripcord_trade_notional: int = 0
    ripcord_reward_assets: int = 0
    last_rebalance_time: int = 0
    last_rebalance_price: int = 0
    last_rebalance_slot: int = 0
    chunk_pending: bool = False
    is_shutdown: bool = False

    def __post_init__(self) -> None:
        unit = 10**self.asset_decimals
        self.asset_scale = 10 ** (18 - self.asset_decimals)
        self.min_initial_assets = unit
        self.initial_nav_per_share = self.initial_nav_per_share_whole * unit
        self.ripcord_leverage = self.ripcord_leverage or default_ripcord_leverage(self.target_leverage)
        self.max_trade_notional = self.max_trade_notional or 1_000_000 * unit
        self.ripcord_trade_notional = self.ripcord_trade_notional or 2_000_000 * unit
        self.ripcord_reward_assets = self.ripcord_reward_assets or 10 * unit
        self.last_fee_accrual = self.last_fee_accrual or self.created_at
        self.last_rebalance_slot = self.last_rebalance_slot or current_slot(
            self.created_at, self.rebalance_offset, self.rebalance_interval
        )

    # ---------------------------------------------------------------- reads

    def pending_fee_shares(self, now: int) -> int:
        if self.supply == 0 or self.is_shutdown:
            return 0
        # nothing is pending at a time before the last accrual: chain time never runs backwards, but
        # the backtest reads the status at a price's time, up to keeper_delay seconds before the
        # deposit or rebalance it made at that price
        elapsed = max(now - self.last_fee_accrual, 0)
        return management_fee_shares(self.supply, self.management_fee_bps, elapsed)

    def snapshot(self, now: int) -> FundState:
        v = self.venue
        return FundState(
            supply=self.supply + self.pending_fee_shares(now),
            nav=self.idle_assets + v.equity(self.account, now),
            size=v.accounts.get(self.account, Account()).size,
            price=v.price,
            fresh=is_fresh(v.fresh(now), v.price, v.updated_at, now, self.max_price_age),
            idle_assets=self.idle_assets,
            target_leverage=self.target_leverage,
            is_long=self.is_long,
            asset_scale=self.asset_scale,
            initial_nav_per_share=self.initial_nav_per_share,
            mint_fee_bps=self.mint_fee_bps,
            redeem_fee_bps=self.redeem_fee_bps,
        )

    def nav(self, now: int) -> int:
        return self.idle_assets + self.venue.equity(self.account, now)

    def leverage(self, now: int) -> int:
        s = self.snapshot(now)
        return leverage(s.size, s.price, s.nav, self.asset_scale)

    def current_slot(self, now: int) -> int:
        return current_slot(now, self.rebalance_offset, self.rebalance_interval)

    def rebalance_status(self, now: int) -> tuple[int, int, int]:
        """LeveragedToken.rebalance_status -> (reason, size to trade now, whole size to target)."""
        return rebalance_status(
            self.snapshot(now),
            RebalanceState(
                is_shutdown=self.is_shutdown,
                band_bps=self.band_bps,
                ripcord_leverage=self.ripcord_leverage,
                min_drift_bps=self.min_drift_bps,
                max_trade_notional=self.max_trade_notional,
                chunk_pending=self.chunk_pending,
                slot_open=self.current_slot(now) > self.last_rebalance_slot,
            ),
        )

    # ---------------------------------------------------------------- writes

    def _accrue(self, now: int) -> None:
        shares = self.pending_fee_shares(now)
        self.last_fee_accrual = now
        if shares:
            self._mint_shares(self.fee_recipient, shares)

    def _mint_shares(self, holder: str, shares: int) -> None:
        self.balances[holder] = self.balances.get(holder, 0) + shares
        self.supply += shares

    def _fresh_snapshot(self, now: int) -> FundState:
        s = self.snapshot(now)
        if not s.fresh:
            raise ModelRevert("lt: stale price")
        return s

    def _trade(self, size_delta: int, price: int, now: int) -> int:
        limit = limit_price(price, self.max_slippage_bps, size_delta > 0)
        return self.venue.trade(self.account, size_delta, limit, now)[0]

    @atomic
    def deposit(self, assets: int, receiver: str, now: int) -> int:
        if self.is_shutdown:
            raise ModelRevert("lt: shutdown")
        if assets == 0:
            raise ModelRevert("lt: zero")
        self._accrue(now)
        s = self._fresh_snapshot(now)
        if s.supply > 0 and s.nav <= 0:
            raise ModelRevert("lt: insolvent")
        fee_assets = fee(assets, self.mint_fee_bps)
        net = assets - fee_assets
        if net == 0:
            raise ModelRevert("lt: zero shares")
        if s.supply == 0 and net < self.min_initial_assets:
            raise ModelRevert("lt: first deposit")
        self.protocol_fees += fee_assets
        self.venue.deposit(self.account, net, now)
        delta = mint_size_delta(s, net)
        if delta:
            self._trade(delta, s.price, now)
        nav_after = self.nav(now)
        if nav_after > self.max_total_assets:
            raise ModelRevert("lt: cap")
        shares = shares_minted(s, max(nav_after - s.nav, 0))
        if shares == 0:
            raise ModelRevert("lt: zero shares")
        if s.supply == 0:
            self._mint_shares(self.account, DEAD_SHARES)
        self._mint_shares(receiver, shares)
        return shares

    @atomic
    def redeem(self, shares: int, owner: str, now: int) -> int:
        if shares == 0:
            raise ModelRevert("lt: zero")
        self._accrue(now)
        s = self.snapshot(now)
        if s.size != 0 and not s.fresh:  # a flat fund pays out whatever the oracle does
            raise ModelRevert("lt: stale price")
        if self.balances.get(owner, 0) < shares:
            raise ModelRevert("lt: balance")
        self.balances[owner] -= shares
        self.supply -= shares
        redeem_fee = 0
        if s.nav <= 0:
            assets = insolvent_payout(
                self.idle_assets + self.venue.max_withdrawable(self.account, now), shares, s.supply
            )
        else:
            delta = redeem_size_delta(s, shares)
            if delta:
                self._trade(delta, s.price, now)
            taken = redeem_value(s.supply, s.nav, self.nav(now), shares)
            if taken <= 0:
                raise ModelRevert("lt: zero")
            redeem_fee = fee(taken, self.redeem_fee_bps)
            assets = taken - redeem_fee
        if assets == 0:
            raise ModelRevert("lt: zero")
        self._pay_out(assets, redeem_fee, now)
        return assets

    def _pay_out(self, assets: int, fee_assets: int, now: int) -> None:
        needed = assets + fee_assets
        from_idle = min(needed, self.idle_assets)
        self.idle_assets -= from_idle
        if needed > from_idle:
            self.venue.withdraw(self.account, needed - from_idle, now)
        self.protocol_fees += fee_assets

    def _execute_rebalance(self, s: FundState, size_delta: int, full_delta: int, now: int) -> None:
        self.last_rebalance_price = self._trade(size_delta, s.price, now)
        self.last_rebalance_time = now
        self.last_rebalance_slot = self.current_slot(now)
        self.chunk_pending = size_delta != full_delta

    @atomic
    def rebalance(self, now: int) -> tuple[int, int]:
        """-> (reason, size traded). The caller is assumed to hold KEEPER_ROLE."""
        if self.is_shutdown:
            raise ModelRevert("lt: shutdown")
        s = self._fresh_snapshot(now)
        if s.supply > 0 and s.nav <= 0:
            raise ModelRevert("lt: insolvent")
        reason, size_delta, full_delta = self.rebalance_status(now)
        if reason == NONE:
            raise ModelRevert("lt: not needed")
        if reason != RIPCORD and now < self.last_rebalance_time + self.twap_cooldown:
            raise ModelRevert("lt: cooldown")
        self._execute_rebalance(s, size_delta, full_delta, now)
        return reason, size_delta

    @atomic
    def ripcord(self, now: int) -> int:
        """-> reward paid to the caller."""
        if self.is_shutdown:
            raise ModelRevert("lt: shutdown")
        s = self._fresh_snapshot(now)
        if s.supply > 0 and s.nav <= 0:
            raise ModelRevert("lt: insolvent")
        if s.supply == 0 or leverage(s.size, s.price, s.nav, self.asset_scale) < self.ripcord_leverage:
            raise ModelRevert("lt: not needed")
        _, _, full_delta = self.rebalance_status(now)
        size_delta = clamp_trade(full_delta, s.price, self.ripcord_trade_notional, self.asset_scale)
        self._execute_rebalance(s, size_delta, full_delta, now)
        reward = min(
            ripcord_reward(max(self.nav(now), 0), self.ripcord_reward_assets, RIPCORD_REWARD_MAX_BPS),
            self.idle_assets + self.venue.max_withdrawable(self.account, now),
        )
        if reward:
            self._pay_out(reward, 0, now)
        return reward


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
