"""Run a deployment through a simulated market with the keeper acting, and report what happened.

The engine of `make demo` (scripts/demo.py) and of its end-to-end test: every step warps the
chain to the next price time, pushes the prices (`ltsdk.market`), lets the keeper tick
(`ltsdk.keeper`), and samples every token through the lens. The report is read back from the
chain's own events: rebalances by reason, the venue's trading fees and funding, the management
fee minted, and the tracking error against the ideal decomposed (ltsdk.tracking) from the same
events and the lens rows sampled at every step.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ltsdk import math, plotting, tables, tracking
from ltsdk.abis import load_abi
from ltsdk.codes import Status, reason_name
from ltsdk.keeper import Keeper, Summary
from ltsdk.market import Market
from ltsdk.prices import IdealTracker
from ltsdk.tables import bp, pct
from ltsdk.units import DAY, WAD


@dataclass
class TokenSeries:
    """One token sampled after every step."""

    symbol: str
    market: str
    leverage: int
    is_long: bool
    timestamps: list[int] = field(default_factory=list)
    nav_per_share: list[int] = field(default_factory=list)  # assets per share
    prices: list[int] = field(default_factory=list)  # WAD
    ideal: list[Decimal] = field(default_factory=list)  # growth of 1
    actions: list[tuple[int, str]] = field(default_factory=list)  # (timestamp, label) of keeper actions
    tracker: IdealTracker | None = None
    samples: list[tracking.Sample] = field(default_factory=list)  # the lens rows, for the decomposition

    def sample(self, timestamp: int, nav_per_share: int, price: int) -> None:
        if self.tracker is None:
            self.tracker = IdealTracker(self.leverage, self.is_long, timestamp, price)
        self.timestamps.append(timestamp)
        self.nav_per_share.append(nav_per_share)
        self.prices.append(price)
        self.ideal.append(self.tracker.update(timestamp, price))


@dataclass
class TokenReport:
    """The demo table's row for one token (amounts in collateral base units)."""

    symbol: str
    nav_per_share_start: int
    nav_per_share_end: int
    underlying_return: Decimal
    ideal_return: Decimal
    fund_return: Decimal
    rebalances: dict[str, int]
    ripcords: int
    splits: int
    trading_fees: int
    funding_paid: int  # < 0: received
    management_fee_shares: int  # minted since the start, plus accrued and not yet minted at the end
    tracking: tracking.Decomposition | None = None


@dataclass
class SimulationResult:
    series: dict[str, TokenSeries]
    start_block: int
    summary: Summary
    steps: int
    wall_seconds: float
    reports: dict[str, TokenReport] = field(default_factory=dict)
    oracle_logs: dict[str, list] = field(default_factory=dict)  # decoded AnswerUpdated by oracle, for the reports


def run(
    keeper: Keeper,
    market: Market,
    symbols: list[str] | None = None,
    on_step: Callable[[int, int], None] | None = None,
    progress: Callable[[str], None] | None = None,
) -> SimulationResult:
    """Drive `market` through every step with `keeper` acting after each price update.
    `on_step(step, timestamp)` runs after the prices land and before the keeper (user actions);
    `progress` receives one line per simulated day."""
    protocol = keeper.protocol
    symbols = symbols or list(protocol.tokens)
    manifest_tokens = protocol.manifest["tokens"]
    series = {
        s: TokenSeries(s, manifest_tokens[s]["market"], manifest_tokens[s]["leverage"], manifest_tokens[s]["is_long"])
        for s in symbols
    }
    summary = Summary()
    start_block = protocol.w3.eth.block_number + 1
    began = time.perf_counter()
    for step in range(market.steps):
        timestamp = market.advance(step)
        if on_step:
            on_step(step, timestamp)
        outcomes = keeper.tick()
        summary.add(outcomes)
        for outcome in outcomes:
            if outcome.status == Status.MINED and outcome.action is not None and outcome.symbol in series:
                series[outcome.symbol].actions.append((timestamp, outcome.action.label))
        states = protocol.states(symbols)
        block = protocol.w3.eth.block_number  # the lens read the latest block; nothing was mined since
        for symbol, state in states.items():
            if state.supply > 0:
                series[symbol].sample(state.timestamp, state.nav_per_share, state.price)
                series[symbol].samples.append(
                    tracking.Sample(
                        block,
                        state.timestamp,
                        state.price,
                        state.nav,
                        state.supply,
                        state.size,
                        state.nav_per_share,
                        state.management_fee_bps,
                    )
                )
        if progress and (step + 1) * market.step_seconds % DAY == 0:
            day = (step + 1) * market.step_seconds // DAY
            prices = "  ".join(
                f"{name} {Decimal(market.price_of(name, step)) / WAD:>10,.2f}" for name in sorted(market.oracles)
            )
            actions = sum(len(s.actions) for s in series.values())
            progress(f"day {day:>3}  {prices}  keeper actions {actions:>4}  ({time.perf_counter() - began:5.1f} s)")
    result = SimulationResult(series, start_block, summary, market.steps, time.perf_counter() - began)
    result.reports = {s: report(keeper, result, s) for s in symbols if series[s].timestamps}
    return result


def report(keeper: Keeper, result: SimulationResult, symbol: str) -> TokenReport:
    """One token's row, from its samples and the chain's events since the simulation began."""
    protocol = keeper.protocol
    token = protocol.token(symbol)
    s = result.series[symbol]
    market = protocol.manifest["markets"][s.market]
    venue = protocol.w3.eth.contract(address=market["adapter"], abi=load_abi("MockPerpAdapter"))
    last = s.samples[-1]  # the window's end: the state after the last step
    logs = _logs(protocol.w3, token.address, venue, market["oracle"], result.start_block, last.block, result)
    rebalances: dict[str, int] = {}
    for log in logs:
        if log.name == "Rebalanced":
            name = reason_name(int(log.args["reason"]))
            rebalances[name] = rebalances.get(name, 0) + 1

    def total(event: str, field: str) -> int:
        return sum(int(log.args[field]) for log in logs if log.name == event)

    # accrued and not yet settled or minted at the end (NAV per share already counts both)
    owed = venue.functions.funding_owed(token.address).call(block_identifier=last.block)
    accrued_since = token.contract.functions.last_fee_accrual().call(block_identifier=last.block)
    pending = math.management_fee_shares(last.supply, last.management_fee_bps, last.timestamp - accrued_since)
    first_accrual = token.contract.functions.last_fee_accrual().call(block_identifier=s.samples[0].block)
    samples = [*s.samples[:-1], dataclasses.replace(last, funding_owed=owed)] if len(s.samples) > 1 else s.samples
    track = tracking.from_logs(s.leverage, s.is_long, samples, logs, last_fee_accrual=first_accrual)
    return TokenReport(
        symbol=symbol,
        nav_per_share_start=s.nav_per_share[0],
        nav_per_share_end=s.nav_per_share[-1],
        underlying_return=Decimal(s.prices[-1]) / Decimal(s.prices[0]) - 1,
        ideal_return=s.ideal[-1] - 1,
        fund_return=Decimal(s.nav_per_share[-1]) / Decimal(s.nav_per_share[0]) - 1,
        rebalances=rebalances,
        ripcords=sum(1 for log in logs if log.name == "Ripcord"),
        splits=sum(1 for log in logs if log.name == "Split"),
        trading_fees=total("Traded", "fee"),
        funding_paid=total("FundingSettled", "amount") + owed,
        management_fee_shares=total("ManagementFeeMinted", "shares") + pending,
        tracking=tracking.decompose(track),
    )


def _logs(w3, token: str, venue, oracle: str, since: int, until: int, result: SimulationResult) -> list[tracking.Log]:
    """The token's events, its venue account's and its market oracle's in blocks since..until, as
    tracking.Log: one eth_getLogs per contract (the oracle's shared by the tokens of its market,
    kept on `result`) and the block times in one batch request."""
    token_events = w3.eth.contract(abi=load_abi("LeveragedToken")).events
    oracle_events = w3.eth.contract(abi=load_abi("MockOracle")).events
    wanted = [getattr(token_events, name)() for name in tracking.TOKEN_EVENTS]
    account = "0x" + token[2:].lower().rjust(64, "0")
    raw = _fetch(w3, token, since, until, wanted)
    raw += _fetch(w3, venue.address, since, until, [getattr(venue.events, n)() for n in tracking.VENUE_EVENTS], account)
    if oracle not in result.oracle_logs:
        result.oracle_logs[oracle] = _fetch(w3, oracle, since, until, [oracle_events.AnswerUpdated()])
    blocks = sorted({log["blockNumber"] for log in raw})
    times: dict[int, int] = {}
    if blocks:  # a node refuses an empty batch
        with w3.batch_requests() as batch:
            for block in blocks:
                batch.add(w3.eth.get_block(block))
            times = {block: header["timestamp"] for block, header in zip(blocks, batch.execute(), strict=True)}
    oracle_logs = [
        tracking.Log(log["blockNumber"], log["logIndex"], log["transactionHash"].to_0x_hex(), log["args"]["updatedAt"],
                     log["event"], dict(log["args"]))
        for log in result.oracle_logs[oracle]
    ]  # fmt: skip
    return oracle_logs + [
        tracking.Log(
            log["blockNumber"],
            log["logIndex"],
            log["transactionHash"].to_0x_hex(),
            times[log["blockNumber"]],
            log["event"],
            dict(log["args"]),
        )
        for log in raw
    ]


def _fetch(w3, address: str, since: int, until: int, events: list, account: str | None = None) -> list:
    """The decoded logs of `events` emitted by `address` (with `account` as the first indexed
    argument, if given), in one eth_getLogs."""
    by_topic = {event.topic: event for event in events}
    topics: list = [list(by_topic)] + ([account] if account else [])
    logs = w3.eth.get_logs({"address": address, "fromBlock": since, "toBlock": until, "topics": topics})
    return [by_topic[log["topics"][0].to_0x_hex()].process_log(log) for log in logs]


def table(result: SimulationResult, asset_decimals: int = 6) -> str:
    """The demo's printed table: one row per token. Fees and funding in collateral (funding < 0:
    received); the management fee is the shares minted to the fee recipient, valued at the end
    NAV per share; ripcord() counts permissionless ripcords, apart from keeper rebalances at the
    ripcord level."""

    def usd(amount: int) -> str:
        return tables.usd(amount, asset_decimals)

    header = (
        f"{'token':6} {'NAV/sh start':>12} {'NAV/sh end':>11} {'fund':>9} {'underlying':>10} {'ideal':>9}"
        f"  {'rebalances sched/band/chunk/ripcord':>35} {'ripcord()':>9} {'trading fees':>12} {'funding':>10}"
        f" {'mgmt fee':>9}"
    )
    lines = []
    for r in result.reports.values():
        counts = "/".join(str(r.rebalances.get(name, 0)) for name in ("scheduled", "band", "chunk", "ripcord"))
        lines.append(
            f"{r.symbol:6} {usd(r.nav_per_share_start):>12} {usd(r.nav_per_share_end):>11} {pct(r.fund_return):>9}"
            f" {pct(r.underlying_return):>10} {pct(r.ideal_return):>9}  {counts:>35} {r.ripcords:>9}"
            f" {usd(r.trading_fees):>12} {usd(r.funding_paid):>10}"
            f" {usd(r.management_fee_shares * r.nav_per_share_end // WAD):>9}"
        )
    return tables.ruled(header, lines)


def tracking_table(result: SimulationResult) -> str:
    """The tracking error against the ideal daily-leveraged product, decomposed (ltsdk.tracking):
    per token, in basis points of log return over the run (negative: the fund fell behind); the
    five parts add up to the gap, and the residual is also shown per 30 days."""
    header = (
        f"{'token':6} {'fund-ideal':>10} {'= timing':>9} {'+ trading':>10} {'+ funding':>10} {'+ mgmt fee':>11}"
        f" {'+ residual':>11} {'residual bp/30d':>16}"
    )
    lines = []
    for r in result.reports.values():
        if r.tracking is None:
            continue
        t = r.tracking.total
        lines.append(
            f"{r.symbol:6} {bp(t.gap):>10} {bp(t.timing):>9} {bp(t.trading):>10} {bp(t.funding):>10}"
            f" {bp(t.management_fee):>11} {bp(t.residual):>11} {r.tracking.residual_bp_per_30_days:>+16.4f}"
        )
    return tables.ruled(header, lines)


def plot(result: SimulationResult, path: str | Path) -> Path:
    """NAV per share vs the underlying vs the ideal daily-leveraged product, one panel per token,
    with the keeper's actions marked."""
    plt = plotting.pyplot()
    shown = [s for s in result.series.values() if s.timestamps]
    columns = min(3, len(shown)) or 1
    rows = -(-len(shown) // columns) or 1
    fig, axes = plt.subplots(rows, columns, figsize=(6 * columns, 3.6 * rows), squeeze=False)
    for ax, s in zip(axes.flat, shown, strict=False):
        t0 = s.timestamps[0]
        days = [(t - t0) / DAY for t in s.timestamps]
        ax.plot(days, [n / s.nav_per_share[0] for n in s.nav_per_share], label="NAV per share", lw=1.4)
        ax.plot(days, [p / s.prices[0] for p in s.prices], label="underlying", lw=1, alpha=0.7)
        ax.plot(days, [float(i) for i in s.ideal], label="ideal daily-leveraged", lw=1, ls="--")
        for t, label in s.actions:
            ax.axvline((t - t0) / DAY, color=plotting.reason_color(label), alpha=0.25, lw=0.8)
        direction = "long" if s.is_long else "short"
        ax.set_title(f"{s.symbol} ({s.leverage}x {direction})")
        ax.set_xlabel("days")
        ax.grid(alpha=0.2)
    for ax in list(axes.flat)[len(shown) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8)
    axes.flat[0].set_ylabel("growth of 1")
    fig.suptitle("NAV vs underlying vs ideal; vertical lines: keeper actions (green scheduled, orange band)")
    fig.tight_layout()
    return plotting.save(fig, path, dpi=100)
