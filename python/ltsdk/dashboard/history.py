"""A token's history for its dashboard page, from the index (ltsdk.index.queries): NAV per share vs
the underlying vs the ideal daily-leveraged product, every rebalance with its reason and cost, fees
and funding over time, splits, and the tracking error decomposed (ltsdk.tracking, the one home of
that arithmetic) over the indexed window. Also the index's side of the token table (NAV per share
24 h before, which tokens the factory retired) and of the holder page (cost basis and PnL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session
from web3 import Web3
from web3.exceptions import Web3Exception

from ltsdk import tracking
from ltsdk.codes import reason_name
from ltsdk.errors import BadArgument
from ltsdk.index import chain, models, queries
from ltsdk.prices import IdealTracker
from ltsdk.units import DAY, WAD

BPS_PER_LOG = Decimal(10_000)  # a log return of 0.0001 is about one basis point


@dataclass(frozen=True)
class RebalanceRow:
    """One of the fund's own trades (Rebalanced or Ripcord) and what it cost the holders: the venue
    fee plus |execution - oracle| x |size traded| (and the ripcord reward), in assets."""

    block: int
    timestamp: int
    tx_hash: str
    reason: str
    size_before: int
    size_after: int
    exec_price: int
    oracle_price: int | None
    leverage_before: int
    leverage_after: int
    fee: int
    slippage: int | None
    reward: int = 0

    @property
    def cost(self) -> int:
        return self.fee + (self.slippage or 0) + self.reward


@dataclass(frozen=True)
class Term:
    """One line of the tracking-error table: a log return over the window, and per 30 days."""

    name: str
    log_return: Decimal
    per_30_days: Decimal

    @property
    def bp(self) -> Decimal:
        return self.log_return * BPS_PER_LOG

    @property
    def bp_per_30_days(self) -> Decimal:
        return self.per_30_days * BPS_PER_LOG


@dataclass
class TokenHistory:
    """What the token page draws and lists; `chart` and `costs` are uPlot's column arrays."""

    indexed_block: int | None
    samples: int = 0
    chart: dict[str, list[Any]] = field(default_factory=dict)  # t, fund, underlying, ideal, rebalance (growth x100)
    costs: dict[str, list[Any]] = field(default_factory=dict)  # t, trading, funding, management (cumulative assets)
    rebalances: list[RebalanceRow] = field(default_factory=list)
    splits: list[models.Split] = field(default_factory=list)
    # assets: the fund's own trades' cost, every venue fee (mints' and redeems' trades included), funding
    # paid, the management fee at the latest NAV per share, mint and redeem fees collected
    fees_total: dict[str, int] = field(default_factory=dict)
    terms: list[Term] = field(default_factory=list)
    tracking_days: Decimal | None = None
    tracking_error: str | None = None  # why there is no decomposition


def nav_24h_ago(session: Session, now: int) -> dict[str, int | None]:
    """Each token's NAV per share in its newest sample at least 24 h before `now`, by address (a
    symbol may name a retired token and its successor)."""
    found: dict[str, int | None] = {}
    for token in queries.tokens(session):
        older = [s for s in queries.samples(session, token.address, until=now - DAY) if s.ok and s.nav_per_share]
        found[token.address] = older[-1].nav_per_share if older else None
    return found


def retired_blocks(session: Session) -> dict[str, int]:
    """The block each retired token was retired in (the factory's TokenRetired), by address."""
    return {token.address: token.retired_block for token in queries.tokens(session) if token.retired_block is not None}


def positions(session: Session, holder: str) -> dict[str, queries.HolderPosition]:
    """The index's positions of `holder`, by symbol (cost basis, realised PnL)."""
    return {p.symbol: p for p in queries.positions_of(session, holder)}


def token_history(session: Session, w3: Web3, token: str, asset_decimals: int = 6) -> TokenHistory:
    """Everything the index holds on `token` (its address, or its symbol) for its page. The
    decomposition's two chain reads (the fee accrual time at the window's first sample, the funding
    owed at its last) are eth_calls in those blocks."""
    address = queries.token_address(session, token)
    info = next(t for t in queries.tokens(session) if t.address == address)
    history = TokenHistory(indexed_block=queries.indexed_block(session))
    rows = [s for s in queries.samples(session, address) if s.ok]
    funded = next((i for i, s in enumerate(rows) if s.supply > 0 and s.nav > 0), None)
    window = rows[funded:] if funded is not None else []
    history.samples = len(window)
    trades = {t.tx_hash: t for t in queries.trades(session, address)}
    history.rebalances = _rebalances(session, address, trades, rows, asset_decimals)
    history.splits = queries.splits(session, address)
    own = sum(r.cost for r in history.rebalances)
    history.fees_total = {"rebalance_cost": own, **_fee_totals(session, address, window)}
    if len(window) < 2:
        history.tracking_error = "the index holds fewer than two samples of the funded token yet"
        return history
    decomposition = None
    try:
        decomposition = tracking.decompose(_track(session, w3, info, window, asset_decimals))
    except BadArgument as exc:
        history.tracking_error = f"the index's rows do not decompose: {exc}"
    except (OSError, ValueError, Web3Exception) as exc:
        # the node cannot answer for the window's blocks: an old one (a restarted anvil keeps no
        # history), or one the index holds and the chain no longer has (a reorg the index has not
        # rolled back yet)
        history.tracking_error = f"the node cannot read the window's blocks: {exc}"
    history.chart = _chart(info, window, decomposition, history.rebalances)
    history.costs = _costs(session, address, window, history.rebalances, asset_decimals)
    if decomposition is not None:
        total = decomposition.total
        history.tracking_days = decomposition.days
        history.terms = [
            Term(name, value, decomposition.per_30_days(value))
            for name, value in [
                ("fund vs ideal", total.gap),
                ("rebalancing timing", total.timing),
                ("venue trading cost", total.trading),
                ("funding", total.funding),
                ("management fee", total.management_fee),
                ("residual", total.residual),
            ]
        ]
    return history


def _track(
    session: Session, w3: Web3, info: queries.TokenInfo, window: list[models.Sample], asset_decimals: int
) -> tracking.Track:
    first, last = window[0], window[-1]
    logs = []
    for table, rows in [
        ("trade", queries.trades(session, info.address)),
        ("funding", queries.fundings(session, info.address)),
        ("fee", queries.fees(session, info.address)),
        ("mint", queries.mints(session, info.address)),
        ("redeem", queries.redeems(session, info.address)),
        ("rebalance", queries.rebalances(session, info.address)),
        ("ripcord", queries.ripcords(session, info.address)),
        ("split", queries.splits(session, info.address)),
    ]:
        in_window = (row for row in rows if row.block_number <= last.block_number)
        logs += [log for row in in_window if (log := tracking.log_from_row(table, row)) is not None]
    logs += _oracle_logs(w3, info, first.block_number, last.block_number)
    owed = None
    if info.adapter:
        owed = chain.view(w3, info.adapter, chain.VENUE_ABI, "funding_owed", info.address, block=last.block_number)
    samples = [tracking.sample_from_row(row) for row in window[:-1]] + [tracking.sample_from_row(last, owed)]
    return tracking.from_logs(
        int(info.leverage or round(Decimal(first.target_leverage) / WAD)),
        bool(first.is_long),
        last_fee_accrual=chain.view(w3, info.address, chain.TOKEN_ABI, "last_fee_accrual", block=first.block_number),
        samples=samples,
        logs=logs,
        asset_decimals=asset_decimals,
    )


def _oracle_logs(w3: Web3, info: queries.TokenInfo, first: int, last: int) -> list[tracking.Log]:
    """The market oracle's price updates in (first, last], from the node (which has them even where
    the index began before it stored oracle prices): the decomposition prices each rebalance and
    re-levers the ideal at the oracle's own updates (stamped with their updatedAt)."""
    if not info.oracle:
        return []
    oracle = chain.contract(w3, info.oracle, chain.ORACLE_ABI)
    found = oracle.events.AnswerUpdated().get_logs(from_block=first + 1, to_block=last)
    return [
        tracking.Log(
            log["blockNumber"],
            log["logIndex"],
            Web3.to_hex(log["transactionHash"]),
            int(log["args"]["updatedAt"]),
            "AnswerUpdated",
            {key: log["args"][key] for key in tracking.EVENT_ARGS["AnswerUpdated"]},
        )
        for log in found
    ]


def _oracle_at(rows: list[models.Sample], block: int) -> int | None:
    """The oracle price of the newest sample at or before `block`."""
    before = [s for s in rows if s.block_number <= block]
    return before[-1].price if before else None


def _rebalances(
    session: Session, address: str, trades: dict[str, models.Trade], rows: list[models.Sample], asset_decimals: int
) -> list[RebalanceRow]:
    found = []
    scale = WAD * 10 ** (18 - asset_decimals)  # size x price / scale = assets
    rewards = {r.tx_hash: r for r in queries.ripcords(session, address)}
    for r in queries.rebalances(session, address):
        trade = trades.get(r.tx_hash)
        oracle = _oracle_at(rows, r.block_number)
        slip = None
        if trade is not None and oracle is not None:
            slip = abs(r.size_after - r.size_before) * abs(trade.exec_price - oracle) // scale
        ripcord = rewards.pop(r.tx_hash, None)
        found.append(
            RebalanceRow(
                r.block_number,
                r.timestamp,
                r.tx_hash,
                "ripcord call" if ripcord else reason_name(r.reason),
                r.size_before,
                r.size_after,
                r.price,
                oracle,
                r.leverage_before,
                r.leverage_after,
                trade.fee if trade else 0,
                slip,
                ripcord.reward if ripcord else 0,
            )
        )
    return found


def _accrued_fee_shares(sample: models.Sample) -> int:
    """Management-fee shares accrued and not yet minted at a sample: NAV per share counts them
    (NAV / (supply + accrued)), so they are NAV / NAV per share - supply (rounding: a few wei)."""
    if not sample.nav_per_share or not sample.supply:
        return 0
    return max(sample.nav * WAD // sample.nav_per_share - sample.supply, 0)


def _fee_shares(fee_rows: list[models.Fee], sample: models.Sample) -> int:
    """Management-fee shares minted up to the sample's block plus those accrued at it."""
    minted = sum(f.shares for f in fee_rows if f.kind == "management" and f.block_number <= sample.block_number)
    return minted + _accrued_fee_shares(sample)


def _fee_totals(session: Session, address: str, window: list[models.Sample]) -> dict[str, int]:
    last = window[-1] if window else None
    management = _fee_shares(queries.fees(session, address), last) * last.nav_per_share // WAD if last else 0
    return {
        "venue_fees": sum(t.fee for t in queries.trades(session, address)),
        "funding": sum(f.amount for f in queries.fundings(session, address)),
        "management": management,
        "collected": sum(f.assets for f in queries.fees(session, address) if f.kind == "collected"),
    }


def _growth(value: Decimal) -> float:
    """A growth of 1 as the chart's index level (100 at the window's start); floats only for drawing."""
    return float(round(value * 100, 6))


def _chart(
    info: queries.TokenInfo,
    window: list[models.Sample],
    decomposition: tracking.Decomposition | None,
    rebalances: list[RebalanceRow],
) -> dict[str, list[Any]]:
    """uPlot columns: NAV per share, the underlying and the ideal as index levels (100 at the first
    funded sample), and each rebalance marked at the fund's level of its time."""
    first = window[0]
    if decomposition is not None:
        fund = [_growth(p.fund.exp()) for p in decomposition.points]
        ideal = [_growth(p.ideal.exp()) for p in decomposition.points]
    else:  # without the decomposition: NAV per share (split-adjusted) and the ideal replayed on the samples
        tracker = IdealTracker(int(info.leverage or 1), bool(info.is_long), first.timestamp, first.price)
        fund, ideal, scale = [], [], Decimal(1)
        previous = first
        for s in window:
            if s.supply and previous.supply and s.supply != previous.supply and s.nav == previous.nav:
                scale *= Decimal(s.supply) / Decimal(previous.supply)  # a split between the two samples
            fund.append(_growth(Decimal(s.nav_per_share) * scale / Decimal(first.nav_per_share)))
            ideal.append(_growth(tracker.update(s.timestamp, s.price)))
            previous = s
    times = [s.timestamp for s in window]
    underlying = [_growth(Decimal(s.price) / Decimal(first.price)) for s in window]
    marks: list[float | None] = [None] * len(times)
    for r in rebalances:
        at = next((i for i, t in enumerate(times) if t >= r.timestamp), None)
        if at is not None:
            marks[at] = fund[at]
    return {"t": times, "fund": fund, "underlying": underlying, "ideal": ideal, "rebalance": marks}


def _costs(
    session: Session, address: str, window: list[models.Sample], rebalances: list[RebalanceRow], asset_decimals: int
) -> dict[str, list[Any]]:
    """uPlot columns: cumulative venue trading cost of the fund's own trades, funding paid and
    management fee (fee shares at the NAV per share of their time), in whole assets (floats only
    for drawing), at each sample."""
    unit = Decimal(10**asset_decimals)
    times = [s.timestamp for s in window]
    fundings = queries.fundings(session, address)
    fee_rows = queries.fees(session, address)
    trading, funding, management = [], [], []
    for s in window:
        trading.append(sum(r.cost for r in rebalances if r.block <= s.block_number))
        funding.append(sum(f.amount for f in fundings if f.block_number <= s.block_number))
        management.append(_fee_shares(fee_rows, s) * s.nav_per_share // WAD)
    columns = {"trading": trading, "funding": funding, "management": management}
    return {"t": times, **{name: [float(Decimal(v) / unit) for v in column] for name, column in columns.items()}}
