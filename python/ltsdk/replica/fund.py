"""The leveraged token's stateful replica: LeveragedToken.vy's share ledger, fees and rebalancing
over a replica venue account, each method the twin of the contract function of the same name."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from ltsdk.codes import Reason
from ltsdk.errors import ModelRevert
from ltsdk.math import (
    DEAD_SHARES,
    RIPCORD_REWARD_MAX_BPS,
    Account,
    FundState,
    RebalanceState,
    clamp_trade,
    current_slot,
    default_ripcord_leverage,
    fee,
    insolvent_payout,
    is_fresh,
    leverage,
    limit_price,
    management_fee_shares,
    mint_size_delta,
    mul_div,
    quote,
    rebalance_status,
    redeem_size_delta,
    redeem_value,
    ripcord_reward,
    shares_minted,
)
from ltsdk.replica.venue import Venue
from ltsdk.units import BPS, MAX_INT256, MAX_UINT256, WAD

# LeveragedTokenViews.MAX_REALISE_STEPS: rounds of the search for the part of the position an exit
# closes and reopens to realise the PnL the venue must release
MAX_REALISE_STEPS = 8
# LeveragedTokenViews.REBALANCE_MARGIN_BPS: the venue margin (bps of NAV) a rebalance restores when
# its trade would leave the margin below zero
REBALANCE_MARGIN_BPS = 100


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

    def total_supply(self, now: int) -> int:
        """LeveragedToken.totalSupply: the minted supply plus the fee shares accrued, not yet minted."""
        return self.supply + self.pending_fee_shares(now)

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

    def rebalance_status(self, now: int) -> tuple[Reason, int, int]:
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
            close, reopen, fund_cost = self.exit_trades(s, shares, now)
            for delta in (close, reopen):
                if delta:
                    self._trade(delta, s.price, now)
            taken = redeem_value(s.supply, s.nav - fund_cost, self.nav(now), shares)
            if taken <= 0:
                raise ModelRevert("lt: zero")
            redeem_fee = fee(taken, self.redeem_fee_bps)
            assets = taken - redeem_fee
        if assets == 0:
            raise ModelRevert("lt: zero")
        self._pay_out(assets, redeem_fee, now)
        return assets

    def exit_trades(self, s: FundState, shares: int, now: int) -> tuple[int, int, int]:
        """LeveragedTokenViews.exit_trades -> (close, reopen, fund_cost): the shares' slice of the
        position and, when the venue would not then release what the exit takes, a further part
        closed with it and reopened, which realises its PnL into margin; while the margin is
        below zero the fund's own part of that comes first, and `fund_cost` (its round trip alone
        plus its share by units of the one order's excess over the two alone) is taken from the
        NAV the exit is priced on."""
        return self._exit_trades(s, shares, now)[:3]

    def _exit_trades(self, s: FundState, shares: int, now: int) -> tuple[int, int, int, int, bool]:
        """LeveragedTokenViews._exit_trades -> (close, reopen, fund_cost, venue equity after, the
        venue executes both and then releases what the exit takes)."""
        close = redeem_size_delta(s, shares)
        equity_after, withdrawable, margin, accepted = self.venue.preview_account(self.account, 0, close, 0, now)
        short, deficit = self._release_shortfall(s, 0, shares, equity_after, withdrawable, margin)
        if short <= 0 or not accepted or deficit <= 0:
            return close, 0, 0, equity_after, accepted and short <= 0
        gain = self._gain_per_unit(s)
        if gain <= 0:
            return close, 0, 0, equity_after, False
        room = abs(s.size + close)
        fund_part, equity_now = self._fund_realise(s, gain, room, now)
        extra = fund_part or self._realise_step(deficit, gain, s.asset_scale, 0, room)
        for _ in range(MAX_REALISE_STEPS):
            q = extra if s.size > 0 else -extra
            if self._limit_slack(s, 0, close - q) is None:  # the book cannot fill it
                break
            trial_equity, trial_withdrawable, trial_margin, trial_accepted = self.venue.preview_account(
                self.account, 0, close - q, q, now
            )
            if not trial_accepted:
                break
            fund_cost = 0
            if fund_part:
                # the redeemer's own trades alone: its slice and what it closes beyond the fund's part
                alone = equity_after
                if extra != fund_part:
                    own = extra - fund_part if s.size > 0 else fund_part - extra
                    alone = self.venue.preview_account(self.account, 0, close - own, own, now)[0]
                fund_q = fund_part if s.size > 0 else -fund_part
                fund_alone = self.venue.preview_account(self.account, 0, -fund_q, fund_q, now)[0]
                fund_cost = self._fund_share(
                    max(equity_now - fund_alone, 0),
                    max(alone - trial_equity, 0),
                    abs(close) + extra - fund_part,
                    fund_part,
                )
            short, deficit = self._release_shortfall(
                s, fund_cost, shares, trial_equity, trial_withdrawable, trial_margin
            )
            if short <= 0:
                return close - q, q, fund_cost, trial_equity, True
            if extra == room or deficit <= 0:
                break
            extra = self._realise_step(deficit, gain, s.asset_scale, extra, room)
        return close, 0, 0, equity_after, False

    def _fund_realise(self, s: FundState, gain: int, room: int, now: int) -> tuple[int, int]:
        """LeveragedTokenViews._fund_realise -> (the fund's part of an exit's realisation, units,
        unsigned: 0 unless the venue margin is below zero now, then one round toward
        REBALANCE_MARGIN_BPS of NAV; the venue equity now)."""
        equity, _, margin, _ = self.venue.preview_account(self.account, 0, 0, 0, now)
        if margin >= 0:
            return 0, equity
        target = mul_div(s.nav, REBALANCE_MARGIN_BPS, BPS, False)
        return self._realise_step(target - margin, gain, s.asset_scale, 0, room), equity

    @staticmethod
    def _fund_share(fund_alone: int, joint: int, exit_units: int, fund_units: int) -> int:
        """LeveragedTokenViews._fund_share: the fund's part of the cost of trading an exit's units
        and its own in one order, rounded down: its own round trip's cost alone plus its share by
        units of the excess of the one order over the two alone (`joint` is the one order's cost
        less the exit's own trades' alone)."""
        total = exit_units + fund_units
        return mul_div(fund_alone, exit_units, total, False) + mul_div(joint, fund_units, total, False)

    @staticmethod
    def _realise_step(deficit: int, gain: int, asset_scale: int, extra: int, room: int) -> int:
        """LeveragedTokenViews._realise_step: `extra` plus the units whose closing realises
        `deficit` at `gain` per unit (rounded up), at most `room`."""
        return min(extra + mul_div(deficit * asset_scale, WAD, gain, True), room)

    def rebalance_realise(self, s: FundState, size_delta: int, now: int) -> int:
        """LeveragedTokenViews.rebalance_realise: the part of the position a rebalance trading
        `size_delta` closes first and buys back with its trade, when the trade alone would leave
        the venue margin below zero (0 otherwise)."""
        if s.size == 0:
            return 0
        margin = self.venue.preview_account(self.account, 0, size_delta, 0, now)[2]
        if margin >= 0:
            return 0
        gain = self._gain_per_unit(s)
        if gain <= 0:
            return 0
        target = mul_div(s.nav, REBALANCE_MARGIN_BPS, BPS, False)
        room = abs(clamp_trade(s.size, s.price, self.max_trade_notional, self.asset_scale))
        deficit = target - margin
        extra = best = 0
        for _ in range(MAX_REALISE_STEPS):
            extra = self._realise_step(deficit, gain, s.asset_scale, extra, room)
            q = extra if s.size > 0 else -extra
            if size_delta + q == 0:
                break
            slacks = [self._limit_slack(s, self.max_slippage_bps, delta) for delta in (-q, size_delta + q)]
            if any(slack is None or slack < 0 for slack in slacks):
                break
            _, _, trial_margin, accepted = self.venue.preview_account(self.account, 0, -q, size_delta + q, now)
            if not accepted:
                break
            best = q
            deficit = target - trial_margin
            if deficit <= 0 or extra == room:
                break
        return best

    def _gain_per_unit(self, s: FundState) -> int:
        """LeveragedTokenViews._gain_per_unit: PnL realised per unit closed at the oracle price (WAD USD)."""
        entry = self.venue.position(self.account)[1]
        return s.price - entry if s.size > 0 else entry - s.price

    def _limit_slack(self, s: FundState, max_slippage_bps: int, size_delta: int) -> int | None:
        """LeveragedTokenViews._limit_slack: how far inside the price limit the venue fills
        `size_delta` (WAD price; None where the venue refuses to quote it)."""
        if size_delta == 0:
            return MAX_INT256
        try:
            exec_price, _ = quote(size_delta, s.price, self.venue.params)
        except ModelRevert:
            return None
        limit = limit_price(s.price, max_slippage_bps, size_delta > 0)
        return limit - exec_price if size_delta > 0 else exec_price - limit

    @staticmethod
    def _release_shortfall(
        s: FundState, fund_cost: int, shares: int, equity_after: int, withdrawable: int, margin: int
    ) -> tuple[int, int]:
        """LeveragedTokenViews._release_shortfall -> (what the exit takes, priced on NAV -
        `fund_cost`, beyond idle collateral and what the venue releases, beyond idle collateral
        and margin)."""
        taken = redeem_value(s.supply, s.nav - fund_cost, s.idle_assets + equity_after, shares) - s.idle_assets
        return taken - withdrawable, taken - margin

    def _pay_out(self, assets: int, fee_assets: int, now: int) -> None:
        needed = assets + fee_assets
        from_idle = min(needed, self.idle_assets)
        self.idle_assets -= from_idle
        if needed > from_idle:
            self.venue.withdraw(self.account, needed - from_idle, now)
        self.protocol_fees += fee_assets

    def _execute_rebalance(self, s: FundState, size_delta: int, full_delta: int, now: int) -> int:
        """-> NAV right after the trade."""
        realise = self.rebalance_realise(s, size_delta, now)
        if realise:
            self._trade(-realise, s.price, now)
        self.last_rebalance_price = self._trade(size_delta + realise, s.price, now)
        self.last_rebalance_time = now
        self.last_rebalance_slot = self.current_slot(now)
        self.chunk_pending = size_delta != full_delta
        return self.nav(now)

    def _check_cooldown(self, now: int) -> None:
        if now < self.last_rebalance_time + self.twap_cooldown:
            raise ModelRevert("lt: cooldown")

    @atomic
    def rebalance(self, now: int) -> tuple[int, int]:
        """-> (reason, size traded). The caller is assumed to hold KEEPER_ROLE."""
        if self.is_shutdown:
            raise ModelRevert("lt: shutdown")
        s = self._fresh_snapshot(now)
        if s.supply > 0 and s.nav <= 0:
            raise ModelRevert("lt: insolvent")
        reason, size_delta, full_delta = self.rebalance_status(now)
        if reason == Reason.NONE:
            raise ModelRevert("lt: not needed")
        if reason != Reason.RIPCORD:
            self._check_cooldown(now)
        self._execute_rebalance(s, size_delta, full_delta, now)
        return reason, size_delta

    @atomic
    def ripcord(self, now: int) -> int:
        """-> reward paid to the caller. Open during a shutdown too (toward flat)."""
        s = self._fresh_snapshot(now)
        if s.supply > 0 and s.nav <= 0:
            raise ModelRevert("lt: insolvent")
        leverage_before = leverage(s.size, s.price, s.nav, self.asset_scale)
        if s.supply == 0 or leverage_before < self.ripcord_leverage:
            raise ModelRevert("lt: not needed")
        _, _, full_delta = self.rebalance_status(now)
        size_delta = clamp_trade(full_delta, s.price, self.ripcord_trade_notional, self.asset_scale)
        nav_after = self._execute_rebalance(s, size_delta, full_delta, now)
        reward = min(
            ripcord_reward(max(nav_after, 0), self.ripcord_reward_assets, RIPCORD_REWARD_MAX_BPS),
            self.idle_assets + self.venue.max_withdrawable(self.account, now),
        )
        if reward:
            self._pay_out(reward, 0, now)
        # a paid ripcord must lower leverage, its reward's exit included (no farming by repetition)
        if reward and leverage(s.size + size_delta, s.price, nav_after - reward, self.asset_scale) >= leverage_before:
            raise ModelRevert("lt: not needed")
        return reward

    @atomic
    def emergency_shutdown(self, now: int, is_admin: bool = True) -> None:
        """The admin starts it (the management fee is minted first and then stops); then anyone
        continues, once per twap_cooldown: close up to max_trade_notional if the price is fresh,
        and bring all margin home once flat (none while a position remains)."""
        if self.is_shutdown:
            self._check_cooldown(now)
        else:
            if not is_admin:
                raise ModelRevert("access_control: account is missing role")
            self._accrue(now)
            self.is_shutdown = True
        s = self.snapshot(now)
        size = s.size
        if size != 0 and s.fresh:
            delta = clamp_trade(-size, s.price, self.max_trade_notional, self.asset_scale)
            self._execute_rebalance(s, delta, -size, now)
            size += delta
        if size == 0:
            free = self.venue.max_withdrawable(self.account, now)
            if free:
                self.venue.withdraw(self.account, free, now)
                self.idle_assets += free
