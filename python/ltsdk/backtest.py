"""Backtest a leveraged token over a price series with the reference model (ltsdk.replica).

The fund, the venue and the keeper's policy are the same integer-exact replicas the tests hold
to the chain, so a backtest is what the contracts would have done, to the wei, given the same
prices and keeper timing. Price paths come from a CSV (timestamp, price) or from a seeded
geometric Brownian motion with jumps (`ltsdk.prices.generate_prices`).

    ltsdk backtest --days 365 --step 60 --leverage 3 --png out/backtest.png
    python -m ltsdk.backtest --days 30 --png out/backtest.png     (the same command)
    ltsdk backtest --venue async --days 30    (beside it, an asynchronous token's netted rounds on the
                                               same path: ltsdk.rounds_backtest)
"""

from __future__ import annotations

import itertools
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ltsdk import math, plotting, tracking
from ltsdk.codes import Reason
from ltsdk.errors import BadArgument
from ltsdk.math import Account, VenueParams
from ltsdk.prices import IdealTracker, PricePath
from ltsdk.replica import Fund, Venue
from ltsdk.units import DAY, USDC, WAD


@dataclass
class BacktestResult:
    leverage: int
    is_long: bool
    timestamps: list[int] = field(default_factory=list)  # one sample per `sample_seconds`
    nav_per_share: list[int] = field(default_factory=list)  # assets per share
    underlying: list[int] = field(default_factory=list)  # WAD price
    ideal: list[Decimal] = field(default_factory=list)  # ideal daily-rebalanced NAV per share
    rebalances: dict[str, int] = field(default_factory=dict)
    rebalance_times: list[tuple[int, str]] = field(default_factory=list)
    ripcords: int = 0
    trading_fees: int = 0  # assets paid to the venue
    funding_paid: int = 0  # assets (negative: received)
    management_fee_shares: int = 0
    steps: int = 0
    seconds: float = 0.0  # wall time of the simulation loop
    track: tracking.Track | None = None  # every price, rebalance and cost, for tracking.decompose

    def decomposition(self) -> tracking.Decomposition:
        """The tracking error against the ideal, split into its causes (ltsdk.tracking)."""
        if self.track is None:
            raise BadArgument("this result was not recorded with a track")
        return tracking.decompose(self.track)

    def summary(self) -> dict[str, Decimal | int | str | dict[str, int]]:
        first, last = self.nav_per_share[0], self.nav_per_share[-1]
        underlying_return = Decimal(self.underlying[-1]) / Decimal(self.underlying[0]) - 1
        direction = 1 if self.is_long else -1
        fund_return = Decimal(last) / Decimal(first) - 1
        ideal_return = self.ideal[-1] / self.ideal[0] - 1
        return {
            "token": f"{self.leverage}x {'long' if self.is_long else 'short'}",
            "steps": self.steps,
            "underlying_return": underlying_return,
            "leveraged_simple_return": direction * self.leverage * underlying_return,
            "ideal_daily_return": ideal_return,
            "fund_return": fund_return,
            "volatility_decay": direction * self.leverage * underlying_return - ideal_return,
            "tracking_error_daily": self.tracking_error(),
            "rebalances": dict(self.rebalances),
            "ripcords": self.ripcords,
            "trading_fees": self.trading_fees,
            "funding_paid": self.funding_paid,
            "management_fee_shares": self.management_fee_shares,
            "steps_per_second": int(self.steps / self.seconds) if self.seconds else 0,
            **self.tracking_summary(),
        }

    def tracking_summary(self) -> dict[str, Decimal]:
        """The decomposition's terms over the run in basis points of log return, and its residual
        in bp per 30 days (ltsdk.tracking)."""
        if self.track is None:
            return {}
        total = (d := self.decomposition()).total

        def bp(value: Decimal) -> Decimal:
            return (value * 10_000).quantize(Decimal("0.0001"))

        return {
            "tracking_gap_bp": bp(total.gap),
            "tracking_timing_bp": bp(total.timing),
            "tracking_trading_bp": bp(total.trading),
            "tracking_funding_bp": bp(total.funding),
            "tracking_mgmt_fee_bp": bp(total.management_fee),
            "tracking_residual_bp": bp(total.residual),
            "residual_bp_per_30d": d.residual_bp_per_30_days.quantize(Decimal("0.000001")),
        }

    def daily_returns(self, series: list[int] | list[Decimal]) -> list[Decimal]:
        by_day: dict[int, Decimal] = {}
        for t, value in zip(self.timestamps, series, strict=True):
            by_day[t // DAY] = Decimal(value)
        closes = [by_day[d] for d in sorted(by_day)]
        return [b / a - 1 for a, b in itertools.pairwise(closes)]

    def tracking_error(self) -> Decimal:
        """Standard deviation of (fund − ideal) daily returns."""
        fund, ideal = self.daily_returns(self.nav_per_share), self.daily_returns(self.ideal)
        diffs = [f - i for f, i in zip(fund, ideal, strict=True)]
        if len(diffs) < 2:
            return Decimal(0)
        mean = sum(diffs, Decimal(0)) / len(diffs)
        return (sum(((d - mean) ** 2 for d in diffs), Decimal(0)) / (len(diffs) - 1)).sqrt()

    def plot(self, path: str | Path) -> Path:
        """NAV per share vs the underlying (rebased) vs the ideal, with rebalance markers."""
        plt = plotting.pyplot()
        days = [(t - self.timestamps[0]) / DAY for t in self.timestamps]
        base_nav = self.nav_per_share[0]
        fig, ax = plt.subplots(figsize=(10, 5))
        ax.plot(days, [n / base_nav for n in self.nav_per_share], label="fund NAV per share", lw=1.4)
        ax.plot(days, [u / self.underlying[0] for u in self.underlying], label="underlying", lw=1, alpha=0.7)
        ax.plot(days, [float(i / self.ideal[0]) for i in self.ideal], label="ideal daily-leveraged", lw=1, ls="--")
        for t, reason in self.rebalance_times:
            ax.axvline((t - self.timestamps[0]) / DAY, color=plotting.reason_color(reason), alpha=0.15, lw=0.8)
        ax.set_xlabel("days")
        ax.set_ylabel("growth of 1")
        ax.set_title(f"{self.leverage}x {'long' if self.is_long else 'short'}: fund vs underlying vs ideal")
        ax.legend()
        return plotting.save(fig, path, dpi=110, bbox_inches="tight")


def new_fund(
    start_price: int,
    start_time: int,
    leverage: int = 3,
    is_long: bool = True,
    venue_params: VenueParams | None = None,
    funding_rate_per_second: int = 0,
    **fund_options,
) -> Fund:
    """A model fund on its own venue with the deployment's defaults (5x: band 15 %)."""
    venue = Venue(
        venue_params or VenueParams(half_spread_bps=2, taker_fee_bps=5, depth=2_000_000_000 * WAD, asset_scale=10**12),
        price=start_price,
        updated_at=start_time,
        funding_rate_per_second=funding_rate_per_second,
        funding_updated_at=start_time,
    )
    fund_options.setdefault("band_bps", 1_500 if leverage >= 5 else 2_000)
    return Fund(venue, target_leverage=leverage * WAD, is_long=is_long, created_at=start_time, **fund_options)


def run(
    prices: PricePath,
    leverage: int = 3,
    is_long: bool = True,
    deposit: int = 1_000_000 * USDC,
    sample_seconds: int = 3_600,
    fund: Fund | None = None,
    funding_rate_per_second: int = 0,
    keeper_delay: int = 0,
) -> BacktestResult:
    """Mint `deposit` at the first price, then after every price update let the keeper act as it
    does on chain: it reads the status when the price lands and, if a rebalance is due and the
    cooldown allows, rebalances `keeper_delay` seconds later (its transaction's block time).
    Leverage is a token's (math.MIN_LEVERAGE..MAX_LEVERAGE); anything else raises BadArgument."""
    if not isinstance(leverage, int) or not math.MIN_LEVERAGE <= leverage <= math.MAX_LEVERAGE:
        raise BadArgument(
            f"leverage must be a whole number from {math.MIN_LEVERAGE} to {math.MAX_LEVERAGE}, got {leverage!r}"
        )
    if len(prices.points) < 2 or deposit <= 0:
        raise BadArgument("a backtest needs at least two prices and a positive deposit")
    start_time, start_price = prices.points[0]
    fund = fund or new_fund(start_price, start_time, leverage, is_long, funding_rate_per_second=funding_rate_per_second)
    venue = fund.venue
    # a fund passed in (e.g. mirrored from chain) still holds its own last price: the mint sees the first
    venue.price, venue.updated_at = start_price, start_time
    fund.deposit(deposit, "depositor", start_time + keeper_delay)
    result = BacktestResult(leverage=leverage, is_long=is_long)
    ideal = IdealTracker(leverage, is_long, start_time, start_price)
    recorder = _Recorder(fund)
    recorder.mark(start_time + keeper_delay)  # the window opens right after the mint
    next_sample = start_time
    began = time.perf_counter()

    for now, price in prices.points:
        venue.price, venue.updated_at = price, now
        ideal.update(now, price)
        recorder.price(now, price)
        reason, _, _ = fund.rebalance_status(now)
        acted_at = now + keeper_delay
        if reason != Reason.NONE and (
            reason == Reason.RIPCORD or acted_at >= fund.last_rebalance_time + fund.twap_cooldown
        ):
            reason, _ = recorder.rebalance(acted_at)
            name = Reason(reason).label
            result.rebalances[name] = result.rebalances.get(name, 0) + 1
            result.rebalance_times.append((acted_at, name))
        if now >= next_sample:
            state = fund.snapshot(now)
            result.timestamps.append(now)
            result.nav_per_share.append(math.nav_per_share(state))
            result.underlying.append(price)
            result.ideal.append(ideal.value)
            recorder.mark(now)
            next_sample = now + sample_seconds
        result.steps += 1

    recorder.mark(prices.points[-1][0])
    result.track = tracking.Track(leverage, is_long, recorder.events, fund.asset_decimals)
    result.seconds = time.perf_counter() - began
    result.trading_fees = venue.fees_paid.get(fund.account, 0)
    # settled at each touch plus what is owed since the last one (NAV already counts both)
    result.funding_paid = recorder.funding
    # minted at share-changing calls plus what is still pending (NAV per share already counts both)
    end_time = prices.points[-1][0]
    result.management_fee_shares = fund.balances.get(fund.fee_recipient, 0) + fund.pending_fee_shares(end_time)
    return result


class _Recorder:
    """The backtest's tracking.Track, from the replica in memory: each rebalance with its fee and
    execution price, each sample as a Mark, the funding and management fee accrued up to each of
    them, and each UTC day's last price (the ideal re-levers there). Between those events the
    fund's position is constant, so the prices in between add nothing to the decomposition."""

    def __init__(self, fund: Fund):
        self.fund, self.venue = fund, fund.venue
        self.events: list[tracking.Event] = []
        self.clock = 0  # the latest time recorded: a status read at a price may precede the last trade
        self.last_price: tuple[int, int] | None = None  # (timestamp, price) of the latest update
        self.funding = self.fee_shares = 0  # so far, as given to the track

    def _accrued(self, now: int) -> None:
        fund, venue = self.fund, self.venue
        account = venue.accounts.get(fund.account, Account())
        owed = math.funding_owed(account, venue.index_now(now), venue.params.asset_scale)
        funding = venue.funding_paid.get(fund.account, 0) + owed
        fee_shares = fund.balances.get(fund.fee_recipient, 0) + fund.pending_fee_shares(now)
        if self.events:  # the first Mark holds what came before it
            if funding != self.funding:
                self.events.append(tracking.Funding(now, funding - self.funding))
            if fee_shares != self.fee_shares:
                self.events.append(tracking.FeeShares(now, fee_shares - self.fee_shares))
        self.funding, self.fee_shares = funding, fee_shares

    def price(self, now: int, price: int) -> None:
        if self.last_price and now // DAY != self.last_price[0] // DAY:
            self.events.append(tracking.Price(*self.last_price))
        self.last_price = (now, price)

    def rebalance(self, now: int) -> tuple[int, int]:
        fund, venue = self.fund, self.venue
        self.clock = max(self.clock, now)
        self._accrued(self.clock)
        size_before = venue.accounts.get(fund.account, Account()).size
        nav_before, fee_before = fund.nav(self.clock), venue.fees_paid.get(fund.account, 0)
        reason, traded = fund.rebalance(self.clock)
        fee = venue.fees_paid.get(fund.account, 0) - fee_before
        self.events.append(
            tracking.Rebalance(
                self.clock, venue.price, size_before, size_before + traded, fund.last_rebalance_price, fee, nav_before
            )
        )
        return reason, traded

    def mark(self, now: int) -> None:
        self.clock = max(self.clock, now)
        self._accrued(self.clock)
        state = self.fund.snapshot(self.clock)
        self.events.append(tracking.Mark(self.clock, state.price, state.nav, state.supply, state.size))


def main(argv: list[str] | None = None) -> int:
    """`python -m ltsdk.backtest ARGS` is `ltsdk backtest ARGS`: one parser, one set of checks."""
    from ltsdk import cli

    return cli.main(["backtest", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
