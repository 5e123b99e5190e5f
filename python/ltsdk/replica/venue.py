"""The mock venue's stateful replica: MockPerpAdapter.vy's accounts, margin, funding clock and
liquidations (perp_accounting.vy's, which the async venue shares), over the formulas of ltsdk.math,
raising ModelRevert where the contract reverts."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ltsdk.errors import ModelRevert
from ltsdk.math import (
    Account,
    VenueParams,
    apply_trade,
    equity,
    funding_owed,
    index_now,
    notional_assets,
    preview_equity,
    quote,
    settle,
    trunc_div,
)
from ltsdk.units import BPS, WAD


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
    trading_paused: bool = False
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

    def preview_account(
        self, account: str, margin_delta: int, size_delta: int, reopen_delta: int, now: int
    ) -> tuple[int, int, int, bool]:
        """MockPerpAdapter.preview_account -> (equity, withdrawable, margin, accepted) after adding
        `margin_delta` and trading `size_delta`, then `reopen_delta`, now."""
        fresh = self.fresh(now)
        index = self.index_now(now)
        acc = settle(self.accounts.get(account, Account()), index, self.params.asset_scale)
        acc = replace(acc, margin=acc.margin + margin_delta)
        accepted = True
        for delta in (size_delta, reopen_delta):
            if delta != 0:
                size_before = acc.size
                exec_price, fee_assets = quote(delta, self.price, self.params)
                acc, _ = apply_trade(acc, delta, exec_price, fee_assets, self.params.asset_scale)
                accepted = (
                    accepted
                    and fresh
                    and not self.trading_paused
                    and (abs(acc.size) <= abs(size_before) or self._within_max_leverage(acc, index))
                )
        withdrawable = self._free_margin(acc, index) if acc.size == 0 or fresh else 0
        return equity(acc, self.price, index, self.params.asset_scale), withdrawable, acc.margin, accepted

    def _within_max_leverage(self, acc: Account, index: int) -> bool:
        eq = equity(acc, self.price, index, self.params.asset_scale)
        notional = notional_assets(acc.size, self.price, self.params.asset_scale)
        return eq > 0 and notional * WAD <= eq * self.max_leverage

    def deposit(self, account: str, amount: int, now: int) -> None:
        if amount == 0:
            raise ModelRevert("venue: zero amount")
        acc = self._settled(account, now)
        self.accounts[account] = replace(acc, margin=acc.margin + amount)

    def _free_margin(self, acc: Account, index: int) -> int:
        eq = equity(acc, self.price, index, self.params.asset_scale)
        initial = 0
        if acc.size != 0:
            notional = notional_assets(acc.size, self.price, self.params.asset_scale)
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

    def liquidate(self, account: str, now: int, cash: int | None = None) -> int:
        """MockPerpAdapter.liquidate -> the penalty paid to the liquidator, capped at `cash`, the
        collateral the venue holds (the replica keeps no cash: None means enough)."""
        if not self.fresh(now):
            raise ModelRevert("venue: stale price")
        acc = self._settled(account, now)
        if acc.size == 0:
            raise ModelRevert("venue: no position")
        notional = notional_assets(acc.size, self.price, self.params.asset_scale)
        if (
            equity(acc, self.price, self.funding_index, self.params.asset_scale)
            >= notional * self.maintenance_margin_bps // BPS
        ):
            raise ModelRevert("venue: healthy")
        acc, _ = apply_trade(acc, -acc.size, self.price, 0, self.params.asset_scale)
        penalty = min(acc.margin, notional * self.liquidation_penalty_bps // BPS) if acc.margin > 0 else 0
        if cash is not None:
            penalty = min(penalty, cash)
        self.accounts[account] = replace(acc, margin=acc.margin - penalty)
        return penalty

    def trade(self, account: str, size_delta: int, limit_price: int, now: int) -> tuple[int, int, int]:
        """MockPerpAdapter.trade -> (execution price, fee, realised PnL)."""
        if self.trading_paused:
            raise ModelRevert("venue: paused")
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
        if abs(acc.size) > abs(size_before) and not self._within_max_leverage(acc, self.funding_index):
            raise ModelRevert("venue: max leverage")
        self.accounts[account] = acc
        return exec_price, fee_assets, realized
