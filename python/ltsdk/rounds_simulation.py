"""Asynchronous tokens (LeveragedTokenAsync) through a simulated market, and what their netted rounds
saved: the engine of `LT_DEMO_VENUE=async make demo` and of its test.

Every step (one price of the market's path):
1. the market warps the chain to the step's time and pushes the prices (ltsdk.market): a new oracle
   round on each venue;
2. each venue's keeper (ltsdk.venue_keeper) fills the round order placed at the previous step, at
   that new round's price, or lets the venue refuse it;
3. the keeper (ltsdk.keeper) settles the rounds whose orders the venues answered;
4. the requesters claim what their settled requests owe and ask anew (`Requesters`, seeded);
5. the keeper closes each token's open round, once due, into one order netting its deposits and
   redeems.
So a request fills at the first price after its round closes, as on a venue whose orders fill later.

The report is read back from the chain: each round's requests from the token's events
(DepositRequest, RedeemRequest, RequestCancelled, RoundClosed, RoundRolled, RoundSettled), the
fund's state right before each close, and the fill the venue recorded. Against it stands what each
request would have traded and cost as an order of its own, at the same fill's oracle price: its
in-kind slice of the position (round_math's formula for a round of that request alone), the
venue's quote of that trade (taker fee, spread and impact) and one execution fee.
"""

from __future__ import annotations

import bisect
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from eth_account.signers.local import LocalAccount
from web3 import Web3

from ltsdk import errors, math, tables
from ltsdk.abis import load_abi
from ltsdk.calls import Call, Fn, SyncNode
from ltsdk.keeper import Keeper, Summary
from ltsdk.market import Market
from ltsdk.quote import trade_cost
from ltsdk.replica.async_token import round_size
from ltsdk.replica.async_venue import REFUSED, Order
from ltsdk.sender import Sender
from ltsdk.simulation import TokenSeries, _fetch
from ltsdk.tables import pct
from ltsdk.units import DAY, WAD
from ltsdk.venue_keeper import REFUSAL_NAMES, VenueKeeper

TOKEN_ABI = "LeveragedTokenAsync"
VENUE_ABI = "MockAsyncPerpVenue"
COLLATERAL_ABI = "MockUSDC"
ROUND_EVENTS = (
    "DepositRequest",
    "RedeemRequest",
    "RequestCancelled",
    "RoundClosed",
    "RoundRolled",
    "RoundSettled",
    "PayoutPlaced",
)
CLAIM_DEPOSIT = "deposit(uint256,address,address)"  # ERC-7540's claim, with its controller
CLAIM_REDEEM = "redeem(uint256,address,address)"


@dataclass(frozen=True)
class RoundToken:
    """One asynchronous token of the run, from its manifest entry."""

    symbol: str
    address: str
    market: str
    leverage: int
    is_long: bool


# ---------------------------------------------------------------- requesters


class Requesters:
    """Depositors and redeemers of the asynchronous tokens, seeded. At the first step each deposits
    into every token; then, each step, each asks with `request_probability`, for one token drawn
    at random: to redeem a part of its shares (when it holds some, one time in two) or to deposit.
    Before asking, each claims in full what its settled requests owe. A request the token would
    refuse now (its last one still in a round in flight) is left out: it is simulated first."""

    def __init__(
        self,
        w3: Web3,
        accounts: list[LocalAccount],
        tokens: dict[str, str],
        asset_decimals: int = 6,
        seed: int = 1,
        request_probability: float = 0.2,
        opening_usd: tuple[int, int] = (10_000, 50_000),
        deposit_usd: tuple[int, int] = (1_000, 25_000),
        redeem_fraction: tuple[float, float] = (0.2, 0.8),
    ):
        self.w3, self.accounts, self.tokens = w3, accounts, tokens
        self.unit = 10**asset_decimals
        self.rng = random.Random(seed)
        self.request_probability = request_probability
        self.opening_usd, self.deposit_usd, self.redeem_fraction = opening_usd, deposit_usd, redeem_fraction
        self.node = SyncNode(w3)
        self.senders = {account.address: Sender(w3, account) for account in accounts}
        # a local chain's fees (no estimate, no fee lookups: a request or a claim takes ~200k gas)
        self.fields = {"gas": 1_000_000, "maxFeePerGas": 10**9, "maxPriorityFeePerGas": 0, "chainId": w3.eth.chain_id}
        self.unclaimed: set[tuple[str, str, bool]] = set()  # (requester, symbol, is_redeem) asked, not claimed
        self.requests: dict[str, int] = dict.fromkeys(tokens, 0)  # sent, per token
        self.claims: dict[str, int] = dict.fromkeys(tokens, 0)
        self.skipped = 0  # requests the token would have refused at the time

    def read(self, symbol: str, name: str, *args) -> int:
        """A token view on the latest block."""
        return self.node.execute(Call(Fn(self.tokens[symbol], TOKEN_ABI, name, args)))

    def send(self, account: LocalAccount, fn: Fn) -> bool:
        """Simulate, then send `fn` as `account`; False (nothing sent) if it would revert."""
        try:
            self.node.execute(Call(fn, account.address))
        except errors.LtError:
            return False
        self.senders[account.address].send(fn, self.fields, 60, 0.01)
        return True

    def act(self, step: int) -> None:
        for account in self.accounts:
            self.claim(account)
        if step == 0:
            for account in self.accounts:
                for symbol in self.tokens:
                    self.request_deposit(account, symbol, self.rng.randint(*self.opening_usd) * self.unit)
            return
        for account in self.accounts:
            if self.rng.random() >= self.request_probability:
                continue
            symbol = self.rng.choice(sorted(self.tokens))
            shares = self.read(symbol, "balanceOf", account.address)
            if shares > 0 and self.rng.random() < 0.5:
                part = int(Decimal(shares) * Decimal(str(self.rng.uniform(*self.redeem_fraction))))
                self.request(account, symbol, True, "requestRedeem", part)
            else:
                self.request_deposit(account, symbol, self.rng.randint(*self.deposit_usd) * self.unit)

    def request_deposit(self, account: LocalAccount, symbol: str, assets: int) -> None:
        self.request(account, symbol, False, "requestDeposit", assets)

    def request(self, account: LocalAccount, symbol: str, is_redeem: bool, name: str, amount: int) -> None:
        fn = Fn(self.tokens[symbol], TOKEN_ABI, name, (amount, account.address, account.address))
        if self.send(account, fn):
            self.requests[symbol] += 1
            self.unclaimed.add((account.address, symbol, is_redeem))
        else:
            self.skipped += 1

    def claim(self, account: LocalAccount) -> None:
        """Claim in full every settled request of `account`."""
        for who, symbol, is_redeem in sorted(self.unclaimed):
            if who != account.address:
                continue
            view = "claimableRedeemRequest" if is_redeem else "claimableDepositRequest"
            claimable = self.read(symbol, view, 0, who)
            if claimable == 0:
                continue
            claim = CLAIM_REDEEM if is_redeem else CLAIM_DEPOSIT
            if self.send(account, Fn(self.tokens[symbol], TOKEN_ABI, claim, (claimable, who, who))):
                # claims come before this step's requests, and a request in a round in flight
                # blocks the next: nothing else of this side is pending
                self.claims[symbol] += 1
                self.unclaimed.discard((who, symbol, is_redeem))


# ---------------------------------------------------------------- the run


@dataclass
class Netting:
    """What a token's settled rounds traded and cost, netted, against each request as its own
    order (collateral base units; notionals at each fill's oracle price)."""

    rounds: int = 0
    requests: int = 0  # a controller's request in a round (joins aggregated, ERC-7540's form)
    notional_alone: int = 0
    notional_netted: int = 0
    cost_alone: int = 0  # venue quote of each request's own trade, plus one execution fee each
    cost_netted: int = 0  # RoundSettled.cost: the round order's recorded cost and its execution fee

    def add(self, other: Netting) -> None:
        """Count `other`'s rounds in too."""
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class RoundsReport:
    """One token's row (amounts in collateral base units)."""

    symbol: str
    nav_per_share_start: int
    nav_per_share_end: int
    fund_return: Decimal
    underlying_return: Decimal
    ideal_return: Decimal
    settled: int
    rolled: int  # orders refused or expired: the round reopened with its requests
    rolled_by: dict[str, int]  # the venue's reason (REFUSAL_NAMES) or "expired", per rolled round
    payouts: int  # payout orders placed (the round's cash short of its redeemers' assets)
    requests: int  # sent by the requesters
    claims: int
    netting: Netting


@dataclass(frozen=True)
class FundState:
    """What a round's close reads of the fund, sampled on the head block before each keeper tick
    (a close can come only in a tick; the report matches each close with the sample before it:
    anvil keeps no state of old blocks to read it back)."""

    block: int
    size: int  # WAD units
    equity: int  # venue equity, collateral units
    price: int  # the venue's oracle price, WAD
    idle: int
    supply: int


@dataclass
class RoundsResult:
    series: dict[str, TokenSeries]
    start_block: int
    summary: Summary
    steps: int
    wall_seconds: float
    reports: dict[str, RoundsReport] = field(default_factory=dict)
    before_ticks: dict[str, list[FundState]] = field(default_factory=dict)


def run(
    keeper: Keeper,
    venue_keepers: list[VenueKeeper],
    market: Market,
    requesters: Requesters,
    tokens: dict[str, RoundToken],
    progress: Callable[[str], None] | None = None,
) -> RoundsResult:
    """Drive `market` through every step (see the module docstring); `progress` receives one line
    per simulated day."""
    w3 = keeper.w3
    series = {s: TokenSeries(s, t.market, t.leverage, t.is_long) for s, t in tokens.items()}
    contracts = {s: _token_contract(w3, t.address) for s, t in tokens.items()}
    oracles = {s: market.oracles[t.market] for s, t in tokens.items()}
    venues = {
        s: w3.eth.contract(address=c.functions.venue().call(), abi=load_abi(VENUE_ABI)) for s, c in contracts.items()
    }
    before_ticks: dict[str, list[FundState]] = {s: [] for s in tokens}

    def sample_funds() -> None:
        block = w3.eth.block_number
        for symbol, token in contracts.items():
            size, equity, price, *_ = venues[symbol].functions.account_snapshot(token.address).call()
            idle, supply = token.functions.idle_assets().call(), token.functions.totalSupply().call()
            before_ticks[symbol].append(FundState(block, size, equity, price, idle, supply))

    summary = Summary()
    start_block = w3.eth.block_number + 1
    began = time.perf_counter()
    for step in range(market.steps):
        market.advance(step)
        for venue_keeper in venue_keepers:
            venue_keeper.tick()
        sample_funds()
        summary.add(keeper.tick())  # settle what the venues answered (or close a round due)
        requesters.act(step)
        sample_funds()
        summary.add(keeper.tick())  # close the open rounds
        for symbol, token in contracts.items():
            if token.functions.totalSupply().call() > 0:
                _, answer, _, updated_at, _ = oracles[symbol].functions.latestRoundData().call()
                price = answer * market.oracle_scale[tokens[symbol].market]
                series[symbol].sample(updated_at, token.functions.nav_per_share().call(), price)
        if progress and (step + 1) * market.step_seconds % DAY == 0:
            day = (step + 1) * market.step_seconds // DAY
            prices = "  ".join(
                f"{name} {Decimal(market.price_of(name, step)) / WAD:>10,.2f}" for name in sorted(market.oracles)
            )
            progress(
                f"day {day:>3}  {prices}  requests {sum(requesters.requests.values()):>4}"
                f"  claims {sum(requesters.claims.values()):>4}  ({time.perf_counter() - began:5.1f} s)"
            )
    result = RoundsResult(series, start_block, summary, market.steps, time.perf_counter() - began)
    result.before_ticks = before_ticks
    end_block = w3.eth.block_number
    for symbol, token in tokens.items():
        if series[symbol].timestamps:
            result.reports[symbol] = report(
                w3, token, series[symbol], requesters, start_block, end_block, before_ticks[symbol]
            )
    return result


# ---------------------------------------------------------------- the report


def _token_contract(w3: Web3, address: str):
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=load_abi(TOKEN_ABI))


def report(
    w3: Web3,
    token: RoundToken,
    s: TokenSeries,
    requesters: Requesters,
    since: int,
    until: int,
    before_ticks: list[FundState],
) -> RoundsReport:
    """One token's row, from its samples and the chain's events since..until."""
    contract = _token_contract(w3, token.address)
    venue = w3.eth.contract(address=contract.functions.venue().call(), abi=load_abi(VENUE_ABI))
    logs = _fetch(w3, token.address, since, until, [getattr(contract.events, name)() for name in ROUND_EVENTS])
    logs.sort(key=lambda log: (log["blockNumber"], log["logIndex"]))
    rolled_by: dict[str, int] = {}
    for log in logs:
        if log["event"] == "RoundRolled":
            order = Order(*venue.functions.order(log["args"]["order_id"]).call())
            why = REFUSAL_NAMES.get(order.refusal, str(order.refusal)) if order.status == REFUSED else "expired"
            rolled_by[why] = rolled_by.get(why, 0) + 1
    payouts = sum(1 for log in logs if log["event"] == "PayoutPlaced")
    return RoundsReport(
        symbol=token.symbol,
        nav_per_share_start=s.nav_per_share[0],
        nav_per_share_end=s.nav_per_share[-1],
        fund_return=Decimal(s.nav_per_share[-1]) / Decimal(s.nav_per_share[0]) - 1,
        underlying_return=Decimal(s.prices[-1]) / Decimal(s.prices[0]) - 1,
        ideal_return=s.ideal[-1] - 1,
        settled=sum(1 for log in logs if log["event"] == "RoundSettled"),
        rolled=sum(rolled_by.values()),
        rolled_by=rolled_by,
        payouts=payouts,
        requests=requesters.requests[token.symbol],
        claims=requesters.claims[token.symbol],
        netting=netting(contract, venue, logs, before_ticks),
    )


@dataclass
class _Round:
    """A round's requests, by controller (assets deposited, shares redeemed), and its close."""

    deposits: dict[str, int] = field(default_factory=dict)
    redeems: dict[str, int] = field(default_factory=dict)
    closed: dict | None = None  # the RoundClosed log

    def merged(self, newer: _Round) -> _Round:
        """The round reopened after a refusal, with the requests of the round opened meanwhile."""
        deposits, redeems = dict(self.deposits), dict(self.redeems)
        for mine, theirs in ((deposits, newer.deposits), (redeems, newer.redeems)):
            for controller, amount in theirs.items():
                mine[controller] = mine.get(controller, 0) + amount
        return _Round(deposits, redeems)


def rounds_of(logs: list) -> list[tuple[_Round, dict]]:
    """Each settled round's requests with its RoundSettled log, replayed from the token's events in
    chain order: requests join the open round; a close puts it in flight; a roll reopens it with
    the newer round's requests; a cancel takes back exactly what it asked."""
    opened, flight = _Round(), None
    settled: list[tuple[_Round, dict]] = []
    for log in logs:
        args, name = log["args"], log["event"]
        if name in ("DepositRequest", "RedeemRequest"):
            side = opened.deposits if name == "DepositRequest" else opened.redeems
            side[args["controller"]] = side.get(args["controller"], 0) + args["assets"]
        elif name == "RequestCancelled":
            side = opened.redeems if args["is_redeem"] else opened.deposits
            side[args["controller"]] -= args["amount"]
            if side[args["controller"]] == 0:
                del side[args["controller"]]
        elif name == "RoundClosed":
            if (sum(opened.deposits.values()), sum(opened.redeems.values())) != (args["deposits"], args["redeems"]):
                raise RuntimeError(f"round {args['round_id']}: its requests do not add up to what it closed with")
            opened.closed, flight, opened = log, opened, _Round()
        elif name == "RoundRolled" and flight is not None:
            opened, flight = flight.merged(opened), None
        elif name == "RoundSettled" and flight is not None:
            settled.append((flight, log))
            flight = None
    return settled


def netting(contract, venue, logs: list, before_ticks: list[FundState]) -> Netting:
    """Netted against alone, over every settled round (see the module docstring). The fund's
    state at a close is the sample taken before the keeper's tick that closed it."""
    params = math.VenueParams(
        half_spread_bps=venue.functions.half_spread_bps().call(),
        taker_fee_bps=venue.functions.taker_fee_bps().call(),
        depth=venue.functions.depth().call(),
        asset_scale=venue.functions.ASSET_SCALE().call(),
    )
    target, is_long = contract.functions.target_leverage().call(), contract.functions.is_long().call()
    scale = params.asset_scale
    result = Netting()
    for requests, settled in rounds_of(logs):
        assert requests.closed is not None
        closed_in = requests.closed["blockNumber"]
        state = before_ticks[bisect.bisect_left([f.block for f in before_ticks], closed_in) - 1]
        size, price, supply = state.size, state.price, state.supply
        nav = max(state.idle + state.equity, 0)
        fill = venue.functions.fill_of(settled["args"]["order_id"]).call()
        fill_size, fill_price, execution_fee = fill[0], fill[2], fill[4]
        alone = [
            round_size(size, nav, supply, price, amount, 0, target, is_long, scale)
            for amount in requests.deposits.values()
        ] + [
            round_size(size, nav, supply, price, 0, amount, target, is_long, scale)
            for amount in requests.redeems.values()
        ]
        result.rounds += 1
        result.requests += len(alone)
        result.notional_alone += sum(math.notional_assets(abs(s), fill_price, scale) for s in alone)
        result.notional_netted += math.notional_assets(abs(fill_size), fill_price, scale)
        result.cost_alone += sum(trade_cost(s, fill_price, params) + execution_fee for s in alone)
        result.cost_netted += settled["args"]["cost"]
    return result


def table(result: RoundsResult, asset_decimals: int = 6) -> str:
    """NAV per share, returns, rounds and requests per token."""

    def usd(amount: int) -> str:
        return tables.usd(amount, asset_decimals)

    header = (
        f"{'token':6} {'NAV/sh start':>12} {'NAV/sh end':>11} {'fund':>9} {'underlying':>10} {'ideal':>9}"
        f"  {'rounds settled/rolled/payouts':>29} {'requests':>8} {'claims':>7}"
    )
    lines = []
    for r in result.reports.values():
        counts = f"{r.settled}/{r.rolled}/{r.payouts}"
        lines.append(
            f"{r.symbol:6} {usd(r.nav_per_share_start):>12} {usd(r.nav_per_share_end):>11} {pct(r.fund_return):>9}"
            f" {pct(r.underlying_return):>10} {pct(r.ideal_return):>9}  {counts:>29} {r.requests:>8} {r.claims:>7}"
        )
    for r in result.reports.values():
        if r.rolled_by:
            why = ", ".join(f"{reason} {count}" for reason, count in sorted(r.rolled_by.items()))
            lines.append(f"{r.symbol}: rounds rolled back by the venue's answer: {why}")
    return tables.ruled(header, lines)


NETTING_HEADER = (
    f"{'token':6} {'rounds':>6} {'requests':>8} {'traded alone':>16} {'netted':>16} {'saved':>6}"
    f" {'cost alone':>12} {'netted':>12} {'saved':>6}"
)


def netting_row(name: str, n: Netting, asset_decimals: int = 6) -> str:
    """One line of the netting table: traded notional and cost, alone vs netted, and what was saved."""
    usd = tables.usd
    traded_saved = tables.saved(n.notional_alone, n.notional_netted) * 100
    cost_saved = tables.saved(n.cost_alone, n.cost_netted) * 100
    return (
        f"{name:6} {n.rounds:>6} {n.requests:>8} {usd(n.notional_alone, asset_decimals):>16}"
        f" {usd(n.notional_netted, asset_decimals):>16} {traded_saved:>5.1f}% {usd(n.cost_alone, asset_decimals):>12}"
        f" {usd(n.cost_netted, asset_decimals):>12} {cost_saved:>5.1f}%"
    )


def netting_table(result: RoundsResult, asset_decimals: int = 6) -> str:
    """Traded notional and cost, each request alone vs netted in its round, per token and in all."""
    total = Netting()
    rows = [(r.symbol, r.netting) for r in result.reports.values()]
    for _, n in rows:
        total.add(n)
    return tables.ruled(NETTING_HEADER, [netting_row(name, n, asset_decimals) for name, n in [*rows, ("all", total)]])
