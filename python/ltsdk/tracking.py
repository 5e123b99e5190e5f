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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext

from ltsdk import math
from ltsdk.errors import BadArgument
from ltsdk.prices import IdealTracker
from ltsdk.units import DAY, WAD

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
    cost is the minter's or redeemer's (swing pricing), not the holders'."""

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


@dataclass(frozen=True)
class Decomposition:
    """`points`: one per Mark (the first is all zeros); `total` is the last. The raw amounts are
    what the terms were computed from, summed over the window."""

    points: tuple[Point, ...]
    venue_fees: int  # assets: taker fees of the fund's own trades
    slippage: int  # assets: |execution - oracle| x |size traded| of the same trades, rounded down
    rewards: int  # assets: ripcord rewards paid out of the fund
    funding_paid: int  # assets (< 0: received)
    fee_shares: int  # management-fee shares minted or accrued
    rebalances: int

    @property
    def total(self) -> Point:
        return self.points[-1]

    @property
    def days(self) -> Decimal:
        return Decimal(self.points[-1].timestamp - self.points[0].timestamp) / DAY

    def per_30_days(self, value: Decimal) -> Decimal:
        """A log return over the window scaled to 30 days (0 for a window under a second)."""
        seconds = self.points[-1].timestamp - self.points[0].timestamp
        return value * 30 * DAY / seconds if seconds else Decimal(0)

    @property
    def residual_bp_per_30_days(self) -> Decimal:
        return self.per_30_days(self.total.residual) * 10_000


# ---------------------------------------------------------------- the decomposition

PRECISION = 40  # significant digits: a 1e-12 residual on a log return of order 1 keeps 28 of them


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
    points = [Point(first.timestamp, *(Decimal(0),) * 7)]

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
            fund = (Decimal(event.nav) / event.shares / start_nav_per_share).ln()
            ln_ideal = ideal.value.ln()
            r1, r2, r3, r4 = (r.value.ln() for r in replays)
            points.append(Point(event.timestamp, fund, ln_ideal, r1 - ln_ideal, r2 - r1, r3 - r2, r4 - r3, fund - r4))
        else:
            raise BadArgument(f"not a tracking event: {event!r}")
    return Decomposition(tuple(points), fees, slippage, rewards, funding_paid, fee_shares, rebalances)


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
        if table == "fee" and row.kind != "management":
            return None
        args = {key: getattr(row, key) for key in EVENT_ARGS[name]}
    return Log(row.block_number, row.log_index, row.tx_hash, row.timestamp, name, args)


def sample_from_row(row, funding_owed: int | None = None) -> Sample:
    """The Sample an index `sample` row records (same names and units as the lens)."""
    return Sample(
        row.block_number, row.timestamp, row.price, row.nav, row.supply, row.size, row.nav_per_share, funding_owed
    )


# the events from_logs reads; an index of a token stores at least these
TOKEN_EVENTS = ("ManagementFeeMinted", "Deposit", "Withdraw", "Rebalanced", "Ripcord", "Split")
VENUE_EVENTS = ("FundingSettled", "Traded")  # of the token's account
ORACLE_EVENTS = ("AnswerUpdated",)  # of the token's market


def from_logs(
    leverage: int,
    is_long: bool,
    management_fee_bps: int,
    last_fee_accrual: int,
    samples: Sequence[Sample],
    logs: Iterable[Log],
    oracle_decimals: int = 8,
    asset_decimals: int = 6,
) -> Track:
    """A Track from a token's lens samples and its logs after the first sample (TOKEN_EVENTS,
    VENUE_EVENTS of its account, ORACLE_EVENTS of its market, in any order).

    `last_fee_accrual` is the token's `last_fee_accrual()` at the first sample; every later accrual
    that mints shares logs ManagementFeeMinted (one that mints none leaves NAV per share as it was).
    The fee shares accrued and not yet minted at each sample follow from lt_math's formula and are
    checked against the row's NAV per share. Funding is counted where it settles (FundingSettled)
    and where a sample carries `funding_owed`. Raises BadArgument where rows and logs disagree."""
    if not samples:
        raise BadArgument("a track needs at least one lens sample")
    oracle_scale = 10 ** (18 - oracle_decimals)
    asset_scale = 10 ** (18 - asset_decimals)
    first, later = samples[0], list(samples[1:])
    events: list[Event] = []
    minted, accrual, price = first.supply, last_fee_accrual, first.price
    size = first.size
    track_shares = 0  # the shares the track's events imply so far (Mark.shares' counterpart)
    owed_counted = 0  # funding owed that samples gave the track and no settlement has yet

    def pending(timestamp: int) -> int:
        return math.management_fee_shares(minted, management_fee_bps, max(timestamp - accrual, 0)) if minted else 0

    def accrue_to(timestamp: int, pending_now: int) -> None:
        nonlocal track_shares
        if minted + pending_now != track_shares:
            events.append(FeeShares(timestamp, minted + pending_now - track_shares))
            track_shares = minted + pending_now

    def mark(sample: Sample) -> None:
        nonlocal owed_counted, track_shares
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
    ordered = sorted((log for log in logs if log.block > first.block), key=lambda log: (log.block, log.index))
    trade: Mapping | None = None  # the venue's Traded, until the token's event of the same transaction
    trade_tx = ""
    for log in ordered:
        while later and later[0].block < log.block:
            mark(later.pop(0))
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
            trade, trade_tx = a, log.tx
        elif log.name in ("Deposit", "Withdraw"):
            delta = int(a["shares"]) if log.name == "Deposit" else -int(a["shares"])
            size_before = size
            if trade is not None and trade_tx == log.tx:
                size = int(trade["size_after"])
                size_before = size - int(trade["size_delta"])
            events.append(Flow(log.timestamp, delta, size_before, size))
            minted += delta
            track_shares += delta
            trade = None
        elif log.name in ("Rebalanced", "Ripcord"):
            if trade is None or trade_tx != log.tx:
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
    for sample in later:
        mark(sample)
    return Track(leverage, is_long, events, asset_decimals)
