"""Tracking error, decomposed: a fund's NAV per share against the ideal daily-leveraged product,
split in log returns into rebalancing timing, venue trading cost, funding and the management fee,
with the residual that none of them explains.

The input is a `Track`: one fund's history as an ordered sequence of events (`Mark`, `Price`,
`Funding`, `FeeShares`, `Rebalance`, `Flow`, `Split`). ltsdk.backtest builds it from the replica in
memory; `from_logs` builds it from the chain's decoded logs and lens rows (ltsdk.simulation reads
them over RPC, the indexer from its tables). Nothing here touches a chain, a database or the web.

Method: four replays of one share run beside the fund, each holding a constant position per share
between the fund's own events (so a price move changes its value by position x price change):

    R1  re-levers where the fund re-levered (each Rebalance) to the leverage that trade aimed for
        (size after / NAV before the trade), and follows the position per share through mints and
        redeems; no costs
    R2  R1 and each rebalance's venue cost (fee + |execution - oracle| x |size traded| + any
        ripcord reward), taken from the share at the trade
    R3  R2 and the funding the fund paid, per share, when it paid it
    R4  R3 and the management fee: each fee-share mint dilutes the share's value and position

and the ideal is ltsdk.prices.IdealTracker (re-levered at each UTC day's last price). Each term
is the log-return difference of two neighbours, so they add up exactly:

    ln(fund) - ln(ideal) = timing (R1 - ideal) + trading (R2 - R1) + funding (R3 - R2)
                           + management fee (R4 - R3) + residual (fund - R4)

A cost's later effect on leverage (a paid fee leaves the fund slightly more levered until the next
rebalance) stays in its own term. The residual is what the events do not explain: integer rounding,
a liquidation, anything missing from the input. Units of every term: natural-log return over the
window (-0.0001 is about -1 bp of NAV per share).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, localcontext

from ltsdk import math
from ltsdk.errors import BadArgument
from ltsdk.prices import IdealTracker
from ltsdk.units import DAY, WAD

PRECISION = 40  # significant digits of every computation here: a 1e-12 residual keeps 28 of them

# ---------------------------------------------------------------- input


@dataclass(frozen=True, slots=True)
class Mark:
    """The fund as read at one moment (a lens row, a replica snapshot). The first Mark opens the
    window, each one is a point of the series, the last closes it."""

    timestamp: int
    price: int  # oracle price, WAD
    nav: int  # assets (collateral base units)
    shares: int  # supply plus the management-fee shares accrued and not yet minted (NAV per share's divisor)
    size: int  # position, WAD units of underlying, signed (long > 0)


@dataclass(frozen=True, slots=True)
class Price:
    """An oracle update the fund is marked at (the ideal re-levers at each UTC day's last one)."""

    timestamp: int
    price: int  # WAD


@dataclass(frozen=True, slots=True)
class Funding:
    """Funding the fund paid since the previous Funding, settled at a venue touch or accrued up to a
    Mark: place it before the trade that settles it."""

    timestamp: int
    amount: int  # assets taken from the fund (< 0: received)


@dataclass(frozen=True, slots=True)
class FeeShares:
    """Management-fee shares minted, or accrued unminted, since the previous FeeShares."""

    timestamp: int
    shares: int


@dataclass(frozen=True, slots=True)
class Rebalance:
    """A trade of the fund's own (a rebalance or ripcord chunk): its cost is the holders'."""

    timestamp: int
    price: int  # the oracle (mark) price the fund priced the trade at, WAD
    size_before: int  # WAD units, signed
    size_after: int
    exec_price: int  # WAD
    fee: int  # the venue's taker fee, assets
    nav_before: int  # the fund's NAV at `price` right before the trade, assets
    reward: int = 0  # a ripcord reward paid out of the fund, assets


@dataclass(frozen=True, slots=True)
class Flow:
    """A mint or redeem at NAV: shares and the position change pro rata, and the in-kind trade's
    cost is the minter's or redeemer's (swing pricing), not the holders'. The replays scale their
    position per share as the fund's does; a flow into a flat fund (size_before 0) leaves them
    flat, and what the fund then does shows in the residual."""

    timestamp: int
    shares_delta: int  # minted > 0, burned < 0
    size_before: int
    size_after: int


@dataclass(frozen=True, slots=True)
class Split:
    """A split or reverse split: NAV is unchanged, the share count changes."""

    timestamp: int
    shares_after: int  # Mark.shares' counterpart right after the split


Event = Mark | Price | Funding | FeeShares | Rebalance | Flow | Split


@dataclass(frozen=True)
class Track:
    """One fund's history: events in the order they happened; the first must be a Mark."""

    leverage: int  # whole-number target leverage (3 for a 3x token)
    is_long: bool
    events: Sequence[Event]
    asset_decimals: int = 6


# ---------------------------------------------------------------- output


@dataclass(frozen=True)
class Point:
    """Log returns from the window's first Mark to this one; fund - ideal = the sum of the five
    terms after it, exactly."""

    timestamp: int
    fund: Decimal
    ideal: Decimal
    timing: Decimal
    trading: Decimal
    funding: Decimal
    management_fee: Decimal
    residual: Decimal

    @property
    def gap(self) -> Decimal:
        """ln(fund) - ln(ideal): the tracking difference being explained."""
        return self.fund - self.ideal


@dataclass(frozen=True, slots=True)
class Growth:
    """Growth of 1 from the window's first Mark to one Mark: the fund, the ideal and the replays
    R1..R4 (see the module docstring); a Point is their logs' differences."""

    timestamp: int
    fund: Decimal
    ideal: Decimal
    replays: tuple[Decimal, Decimal, Decimal, Decimal]

    def point(self) -> Point:
        with localcontext() as context:
            context.prec = PRECISION
            fund, ideal = self.fund.ln(), self.ideal.ln()
            r1, r2, r3, r4 = (r.ln() for r in self.replays)
            return Point(self.timestamp, fund, ideal, r1 - ideal, r2 - r1, r3 - r2, r4 - r3, fund - r4)


@dataclass(frozen=True)
class Decomposition:
    """`growth`: one per Mark (the first is all ones); `points` their log-return terms (computed
    when first asked: a year of hourly Marks takes seconds); `total` the last. The raw amounts
    are what the terms were computed from, summed over the window."""

    growth: tuple[Growth, ...]
    venue_fees: int  # assets: taker fees of the fund's own trades
    slippage: int  # assets: |execution - oracle| x |size traded| of the same trades, rounded down
    rewards: int  # assets: ripcord rewards paid out of the fund
    funding_paid: int  # assets (< 0: received)
    fee_shares: int  # management-fee shares minted or accrued
    rebalances: int

    @functools.cached_property
    def points(self) -> tuple[Point, ...]:
        return tuple(g.point() for g in self.growth)

    @functools.cached_property
    def total(self) -> Point:
        return self.growth[-1].point()

    @property
    def days(self) -> Decimal:
        return Decimal(self.growth[-1].timestamp - self.growth[0].timestamp) / DAY

    def per_30_days(self, value: Decimal) -> Decimal:
        """A log return over the window scaled to 30 days (0 for a window under a second)."""
        seconds = self.growth[-1].timestamp - self.growth[0].timestamp
        return value * 30 * DAY / seconds if seconds else Decimal(0)

    @property
    def residual_bp_per_30_days(self) -> Decimal:
        return self.per_30_days(self.total.residual) * 10_000


# ---------------------------------------------------------------- the decomposition


class _Replay:
    """One share of a replay: `value` in growth units (1 at the window's start), `position` in
    growth per WAD unit of price (a price move of dP changes value by position x dP)."""

    __slots__ = ("fee", "funding", "position", "trading", "value")

    def __init__(self, position: Decimal, trading: bool, funding: bool, fee: bool):
        self.value, self.position = Decimal(1), position
        self.trading, self.funding, self.fee = trading, funding, fee


def decompose(track: Track) -> Decomposition:
    """Split the fund's log return over the track's window against the ideal; see the module
    docstring. Raises BadArgument if the track does not open with a Mark or if a Mark's shares or
    size disagree with what the events before it imply (an input that leaves something out)."""
    with localcontext() as context:
        context.prec = PRECISION  # whatever the caller's context (test plugins raise it to 78)
        return _decompose(track)


def _decompose(track: Track) -> Decomposition:
    events = list(track.events)
    if not events or not isinstance(events[0], Mark):
        raise BadArgument("a track opens with a Mark (the fund's state at the window's start)")
    first: Mark = events[0]
    if first.nav <= 0 or first.shares <= 0:
        raise BadArgument("a track's first Mark needs a funded fund (NAV and shares > 0)")
    scale = Decimal(WAD) * 10 ** (18 - track.asset_decimals)  # size x price / scale = assets
    # growth per unit of a position: value changes by size x dP / (NAV x scale) at the start
    exposure = Decimal(first.size) / (Decimal(first.nav) * scale)
    replays = [
        _Replay(exposure, trading=False, funding=False, fee=False),
        _Replay(exposure, trading=True, funding=False, fee=False),
        _Replay(exposure, trading=True, funding=True, fee=False),
        _Replay(exposure, trading=True, funding=True, fee=True),
    ]
    ideal = IdealTracker(track.leverage, track.is_long, first.timestamp, first.price)
    price = first.price
    shares = first.shares  # the fund's, as the events move it
    size = first.size
    start_nav_per_share = Decimal(first.nav) / first.shares  # assets per share, re-based at splits
    fees = slippage = rewards = funding_paid = fee_shares = rebalances = 0
    one = Decimal(1)
    growth = [Growth(first.timestamp, one, one, (one, one, one, one))]

    def move(to_price: int, timestamp: int) -> None:
        nonlocal price
        ideal.update(timestamp, to_price)
        if to_price != price:
            change = Decimal(to_price - price)
            for r in replays:
                r.value += r.position * change
            price = to_price

    for event in events[1:]:
        if isinstance(event, Price):
            move(event.price, event.timestamp)
        elif isinstance(event, Funding):
            funding_paid += event.amount
            # per share, as the fund pays it, in growth units
            taken = Decimal(event.amount) / shares / start_nav_per_share
            for r in replays:
                if r.funding:
                    r.value -= taken
        elif isinstance(event, FeeShares):
            fee_shares += event.shares
            kept = Decimal(shares) / (shares + event.shares)
            shares += event.shares
            for r in replays:
                if r.fee:
                    r.value *= kept
                    r.position *= kept
        elif isinstance(event, Rebalance):
            move(event.price, event.timestamp)
            if event.nav_before <= 0:
                raise BadArgument(f"a rebalance at {event.timestamp} has no positive NAV before it")
            traded = abs(event.size_after - event.size_before)
            slip = traded * abs(event.exec_price - event.price) // int(scale)
            cost = Decimal(event.fee + slip + event.reward) / event.nav_before
            aimed = Decimal(event.size_after) / (Decimal(event.nav_before) * scale)
            for r in replays:
                r.position = r.value * aimed
                if r.trading:
                    r.value -= r.value * cost
            fees, slippage, rewards, rebalances = (
                fees + event.fee,
                slippage + slip,
                rewards + event.reward,
                rebalances + 1,
            )
            size = event.size_after
        elif isinstance(event, Flow):
            shares_after = shares + event.shares_delta
            if event.size_before != 0 and shares_after > 0:
                ratio = Decimal(event.size_after) * shares / (Decimal(event.size_before) * shares_after)
                for r in replays:
                    r.position *= ratio
            shares, size = shares_after, event.size_after
        elif isinstance(event, Split):
            start_nav_per_share = start_nav_per_share * shares / event.shares_after
            shares = event.shares_after
        elif isinstance(event, Mark):
            move(event.price, event.timestamp)
            if event.shares != shares or event.size != size:
                raise BadArgument(
                    f"the Mark at {event.timestamp} reads shares {event.shares} and size {event.size}; the events"
                    f" before it imply {shares} and {size}: the track leaves something out"
                )
            fund = Decimal(event.nav) / event.shares / start_nav_per_share
            r1, r2, r3, r4 = (r.value for r in replays)
            growth.append(Growth(event.timestamp, fund, ideal.value, (r1, r2, r3, r4)))
        else:
            raise BadArgument(f"not a tracking event: {event!r}")
    return Decomposition(tuple(growth), fees, slippage, rewards, funding_paid, fee_shares, rebalances)


# ---------------------------------------------------------------- from the chain's logs and lens rows


@dataclass(frozen=True)
class Log:
    """A decoded event of the token, of its venue account or of its market's oracle, wherever it
    was read from (web3 logs, the indexer's tables). `name` is the ABI's event name."""

    block: int
    index: int  # log index in the block
    tx: str
    timestamp: int  # the block's
    name: str
    args: Mapping[str, int | bool | str]


@dataclass(frozen=True)
class Sample:
    """A lens row (LeveragedTokenLens.get_states) read at the end of `block`."""

    block: int
    timestamp: int
    price: int  # WAD
    nav: int
    supply: int  # minted shares (the lens's totalSupply)
    size: int
    nav_per_share: int  # assets per whole share, as the token reports it (checks the pending fee shares)
    management_fee_bps: int  # per year, in effect at the row
    funding_owed: int | None = None  # the venue's funding_owed(token) if read with the row (assets)


# what from_logs reads of each event
EVENT_ARGS: dict[str, tuple[str, ...]] = {
    "AnswerUpdated": ("current", "updatedAt"),
    "FundingSettled": ("amount",),
    "Traded": ("size_delta", "exec_price", "fee", "size_after"),
    "ManagementFeeMinted": ("shares",),
    "Deposit": ("shares",),
    "Withdraw": ("shares",),
    "Rebalanced": ("size_before", "size_after", "leverage_before"),
    "Ripcord": ("reward", "leverage_before"),
    "Split": ("factor", "is_reverse"),
    "Shutdown": (),
}
# the indexer's typed tables (ltsdk.index.models) and the event each row is; its `event` table
# holds any other log by name (AnswerUpdated, if the index follows the oracles)
INDEX_TABLES = {
    "trade": "Traded",
    "funding": "FundingSettled",
    "fee": "ManagementFeeMinted",  # kind "management"; "collected" rows are FeesCollected
    "mint": "Deposit",
    "redeem": "Withdraw",
    "rebalance": "Rebalanced",
    "ripcord": "Ripcord",
    "split": "Split",
    "lifecycle": "Shutdown",  # its rows named Shutdown; Paused, Unpaused, RebalanceDue change nothing here
    "event": "",
}


def log_from_row(table: str, row) -> Log | None:
    """The Log an index row records (any object with the row's columns as attributes: an ORM
    instance, a SQL result row); None for a row the decomposition does not read."""
    if table == "event":
        name, source = row.name, row.args
        if name not in EVENT_ARGS:
            return None
        args = {key: source[key] for key in EVENT_ARGS[name]}
    else:
        name = INDEX_TABLES[table]
        if (table == "fee" and row.kind != "management") or (table == "lifecycle" and row.name != "Shutdown"):
            return None
        args = {key: getattr(row, key) for key in EVENT_ARGS[name]}
    return Log(row.block_number, row.log_index, row.tx_hash, row.timestamp, name, args)


def sample_from_row(row, funding_owed: int | None = None) -> Sample:
    """The Sample an index `sample` row records (same names and units as the lens)."""
    return Sample(
        row.block_number,
        row.timestamp,
        row.price,
        row.nav,
        row.supply,
        row.size,
        row.nav_per_share,
        row.management_fee_bps,
        funding_owed,
    )


def from_index(
    leverage: int,
    is_long: bool,
    samples: Iterable,
    rows: Mapping[str, Iterable],
    funding_owed: int | None = None,
    last_fee_accrual: int | None = None,
) -> Track:
    """A Track from the indexer's rows of one token: `samples` from its `sample` table (the window,
    in block order), `rows` by table name (INDEX_TABLES: trade, funding, fee, mint, redeem,
    rebalance, ripcord, split, and event for any oracle AnswerUpdated), from the token's first
    block so that the last fee accrual before the window is among them. `funding_owed`: the
    venue's funding_owed(token) in the last sample's block (without it, funding accrued since the
    last settlement is missing; see from_logs)."""
    sampled = [sample_from_row(row) for row in samples]
    if sampled and funding_owed is not None:
        sampled[-1] = replace(sampled[-1], funding_owed=funding_owed)
    logs = [log for table, table_rows in rows.items() for row in table_rows if (log := log_from_row(table, row))]
    return from_logs(leverage, is_long, sampled, logs, last_fee_accrual=last_fee_accrual)


# the events from_logs reads; an index of a token stores at least these
TOKEN_EVENTS = ("ManagementFeeMinted", "Deposit", "Withdraw", "Rebalanced", "Ripcord", "Split", "Shutdown")
VENUE_EVENTS = ("FundingSettled", "Traded")  # of the token's account
ORACLE_EVENTS = ("AnswerUpdated",)  # of the token's market


def from_logs(
    leverage: int,
    is_long: bool,
    samples: Sequence[Sample],
    logs: Iterable[Log],
    last_fee_accrual: int | None = None,
    oracle_decimals: int = 8,
    asset_decimals: int = 6,
) -> Track:
    """A Track from a token's lens samples and its logs (TOKEN_EVENTS, VENUE_EVENTS of its account,
    ORACLE_EVENTS of its market, in any order); the window opens at the first sample.

    Oracle price at a trade: the latest AnswerUpdated before it; with no oracle logs at all, the
    sample of the trade's block (an indexer that samples the lens in each block it stores rows
    from). The ideal then re-levers at the last sample of each day instead of the day's last
    oracle price.
    Management fee: every accrual that mints shares logs ManagementFeeMinted; the shares accrued
    and not yet minted at each sample follow from lt_math's formula and the time of the last
    accrual, checked against the row's NAV per share. That time at the first sample is
    `last_fee_accrual` (the token's `last_fee_accrual()` then), or else the latest Deposit,
    Withdraw or ManagementFeeMinted at or before it (every share-changing call accrues, and each
    with time elapsed mints at least one share): pass the logs from the token's first mint on.
    Funding is counted where it settles (FundingSettled) and where a sample carries
    `funding_owed`: give the last sample one, or the funding accrued since the last settlement
    is missing from the window.
    Emergency shutdown: the fee stops at Shutdown; a venue trade that no token event claims is a
    shutdown chunk (emergency_shutdown() logs nothing after its first call), a cost to holders,
    whose NAV before is the sample of its block's NAV plus the trade's cost (the indexer samples
    in that block). Raises BadArgument where rows and logs disagree."""
    if not samples:
        raise BadArgument("a track needs at least one lens sample")
    oracle_scale = 10 ** (18 - oracle_decimals)
    asset_scale = 10 ** (18 - asset_decimals)
    first, later = samples[0], list(samples[1:])
    logs = sorted(logs, key=lambda log: (log.block, log.index))
    if last_fee_accrual is None:
        accruals = [
            log.timestamp
            for log in logs
            if log.block <= first.block and log.name in ("Deposit", "Withdraw", "ManagementFeeMinted")
        ]
        if not accruals and first.management_fee_bps:
            raise BadArgument("no mint, redeem or fee mint before the first sample: pass last_fee_accrual")
        last_fee_accrual = max(accruals, default=first.timestamp)
    with_oracle = any(log.name == "AnswerUpdated" for log in logs)
    events: list[Event] = []
    minted, accrual, price = first.supply, last_fee_accrual, first.price
    fee_bps = first.management_fee_bps
    size = first.size
    track_shares = 0  # the shares the track's events imply so far (Mark.shares' counterpart)
    owed_counted = 0  # funding owed that samples gave the track and no settlement has yet
    shut_down = False  # no management fee accrues after an emergency shutdown
    trade: Mapping | None = None  # the venue's Traded, until the token's event of the same transaction
    trade_log: Log | None = None

    def pending(timestamp: int) -> int:
        if shut_down or not minted:
            return 0
        return math.management_fee_shares(minted, fee_bps, max(timestamp - accrual, 0))

    def unclaimed_trade() -> None:
        """The pending Traded had no token event in its transaction: a shutdown chunk."""
        nonlocal trade, size
        if trade is None or trade_log is None:
            return
        if not later or later[0].block != trade_log.block:
            raise BadArgument(
                f"a venue trade at block {trade_log.block} with no token event and no lens sample in its block"
            )
        size_after, exec_price, fee = int(trade["size_after"]), int(trade["exec_price"]), int(trade["fee"])
        size_before = size_after - int(trade["size_delta"])
        slip = abs(size_after - size_before) * abs(exec_price - price) // (WAD * asset_scale)
        nav_before = later[0].nav + fee + slip
        events.append(Rebalance(trade_log.timestamp, price, size_before, size_after, exec_price, fee, nav_before))
        size, trade = size_after, None

    def accrue_to(timestamp: int, pending_now: int) -> None:
        nonlocal track_shares
        if minted + pending_now != track_shares:
            events.append(FeeShares(timestamp, minted + pending_now - track_shares))
            track_shares = minted + pending_now

    def mark(sample: Sample) -> None:
        nonlocal owed_counted, track_shares, fee_bps, price
        fee_bps, price = sample.management_fee_bps, sample.price
        if sample.supply != minted:
            raise BadArgument(
                f"the lens row at block {sample.block} reads supply {sample.supply}; the logs imply {minted}"
            )
        p = pending(sample.timestamp)
        shares = sample.supply + p
        if shares and sample.nav > 0 and sample.nav * WAD // shares != sample.nav_per_share:
            raise BadArgument(
                f"the lens row at block {sample.block} reads NAV per share {sample.nav_per_share}; NAV over the supply"
                f" and {p} accrued fee shares gives {sample.nav * WAD // shares}: the fee accrual time is off"
            )
        if not events:
            track_shares = shares
        accrue_to(sample.timestamp, p)
        if sample.funding_owed is not None:
            if events and sample.funding_owed != owed_counted:
                events.append(Funding(sample.timestamp, sample.funding_owed - owed_counted))
            owed_counted = sample.funding_owed
        events.append(Mark(sample.timestamp, sample.price, sample.nav, shares, sample.size))

    mark(first)
    for log in logs:
        if log.block <= first.block:
            continue
        if trade is not None and trade_log is not None and log.tx != trade_log.tx:
            unclaimed_trade()
        while later and later[0].block < log.block:
            mark(later.pop(0))
        if not with_oracle and later and later[0].block == log.block:
            price = later[0].price  # the oracle's price in this block, as the block's sample read it
        a = log.args
        if log.name == "AnswerUpdated":
            price = int(a["current"]) * oracle_scale
            events.append(Price(log.timestamp, price))
        elif log.name == "FundingSettled":
            amount = int(a["amount"]) - owed_counted  # a sample may have counted part of it as owed
            owed_counted = 0
            if amount:
                events.append(Funding(log.timestamp, amount))
        elif log.name == "ManagementFeeMinted":
            minted += int(a["shares"])
            accrual = log.timestamp
            accrue_to(log.timestamp, 0)
        elif log.name == "Traded":
            trade, trade_log = a, log
        elif log.name in ("Deposit", "Withdraw"):
            delta = int(a["shares"]) if log.name == "Deposit" else -int(a["shares"])
            size_before = size
            if trade is not None and trade_log is not None and trade_log.tx == log.tx:
                size = int(trade["size_after"])
                size_before = size - int(trade["size_delta"])
            events.append(Flow(log.timestamp, delta, size_before, size))
            minted += delta
            track_shares += delta
            trade = None
        elif log.name in ("Rebalanced", "Ripcord"):
            if trade is None or trade_log is None or trade_log.tx != log.tx:
                raise BadArgument(f"a {log.name} at block {log.block} without the venue's Traded before it")
            size = int(trade["size_after"])
            size_before = size - int(trade["size_delta"])
            # NAV before the trade from the event's leverage: |size| x price / NAV (lt_math._leverage)
            leverage_before = int(a["leverage_before"])
            notional = abs(size_before) * price // WAD
            nav_before = notional * WAD // (leverage_before * asset_scale) if leverage_before else 0
            reward = int(a["reward"]) if log.name == "Ripcord" else 0
            events.append(
                Rebalance(
                    log.timestamp,
                    price,
                    size_before,
                    size,
                    int(trade["exec_price"]),
                    int(trade["fee"]),
                    nav_before,
                    reward,
                )
            )
            trade = None
        elif log.name == "Split":
            factor = int(a["factor"])
            minted = minted // factor if a["is_reverse"] else minted * factor
            track_shares = minted + pending(log.timestamp)
            events.append(Split(log.timestamp, track_shares))
        elif log.name == "Shutdown":
            shut_down = True  # after its accrual (ManagementFeeMinted, logged before it)
    unclaimed_trade()
    for sample in later:
        mark(sample)
    return Track(leverage, is_long, events, asset_decimals)
