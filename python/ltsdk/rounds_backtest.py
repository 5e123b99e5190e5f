"""Backtest an asynchronous token (LeveragedTokenAsync, ERC-7540) over a price series, no chain: the
requests of a seeded crowd batched per `round_interval`, each round netted into one venue order
(round_math's formulas, ltsdk.replica.async_token), the order filled `fill_delay` seconds later at
the first price then (the asynchronous venue's replica, ltsdk.replica.AsyncVenue), the round
settled at that fill with its cost pro rata to the side in excess. The engine of `ltsdk backtest
--venue async`; `ltsdk.rounds_simulation` runs the same rounds on a chain.

Its report is the on-chain demo's netting (ltsdk.rounds_simulation.Netting): each round's one
order against each request as an order of its own at the same fill's oracle price (its in-kind
slice of the position, the venue's quote of that trade and one execution fee each).

What it leaves out, against the contract: order expiry and cancellations (the venue keeper fills
every order at its delay), request minimums and claims (a settled request is credited at once),
and liquidation (as the sync backtest; nothing rebalances here, so a long path can drift far).
A refused order rolls its round back into the open one, as the contract's settle does; a round
whose cash is short of its redeemers' assets places the contract's payout order, filled at the
next fill time.
"""

from __future__ import annotations

import itertools
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

from ltsdk import math, tables
from ltsdk.errors import BadArgument, ModelRevert
from ltsdk.math import Account, VenueParams
from ltsdk.prices import IdealTracker, PricePath
from ltsdk.quote import trade_cost as alone_cost
from ltsdk.replica import AsyncVenue
from ltsdk.replica import async_token as rounds
from ltsdk.replica.async_venue import FILLED
from ltsdk.rounds_simulation import NETTING_HEADER, Netting, netting_row
from ltsdk.units import DAY, HOUR, USDC, WAD

FUND = "token"  # the token's venue account
KEEPER = "venue-keeper"
FIRST_DEPOSITOR = "depositor"  # the backtest's `deposit`, the first round's request
INITIAL_NAV_PER_SHARE = 100 * USDC  # assets per whole share before the first mint (the deployment's)


@dataclass(frozen=True)
class RoundPolicy:
    """The token's round parameters and the venue's delay (the async demo's, scripts/demo.py)."""

    round_interval: int = 4 * HOUR  # seconds between closes
    fill_delay: int = HOUR  # seconds from a close to its fill, at the first price at or after it
    mint_fee_bps: int = 10
    redeem_fee_bps: int = 10
    redeem_cushion_bps: int = 200
    max_slippage_bps: int = 200
    execution_fee: int = USDC // 10  # MockAsyncPerpVenue.min_execution_fee with 6-decimal collateral

    def check(self) -> None:
        """BadArgument unless every parameter is usable."""
        if not isinstance(self.round_interval, int) or self.round_interval <= 0:
            raise BadArgument(f"the round interval is a positive number of seconds, got {self.round_interval!r}")
        if not isinstance(self.fill_delay, int) or self.fill_delay <= 0:
            raise BadArgument(f"the fill delay is a positive number of seconds, got {self.fill_delay!r}")


@dataclass(frozen=True)
class Crowd:
    """The requesters, seeded: at each price, with probability requests_per_day x step / day, one
    of them asks: to redeem a part of its shares (when it holds some, one time in two) or to
    deposit. A request on a side whose last one is in the round in flight is skipped, as the
    contract would refuse it."""

    requesters: int = 5
    requests_per_day: float = 6.0
    deposit_usd: tuple[int, int] = (1_000, 25_000)
    redeem_fraction: tuple[float, float] = (0.2, 0.8)
    seed: int = 1

    def check(self) -> None:
        if not isinstance(self.requesters, int) or self.requesters < 1:
            raise BadArgument(f"the crowd needs at least one requester, got {self.requesters!r}")
        if not 0 <= self.requests_per_day <= 10_000:
            raise BadArgument(f"requests per day is from 0 to 10,000, got {self.requests_per_day!r}")


@dataclass
class _Round:
    """A round's requests by controller: assets deposited, shares redeemed."""

    deposits: dict[str, int] = field(default_factory=dict)
    redeems: dict[str, int] = field(default_factory=dict)

    @property
    def totals(self) -> tuple[int, int]:
        return sum(self.deposits.values()), sum(self.redeems.values())

    def join(self, other: _Round) -> None:
        for mine, theirs in ((self.deposits, other.deposits), (self.redeems, other.redeems)):
            for who, amount in theirs.items():
                mine[who] = mine.get(who, 0) + amount


@dataclass
class _Flight:
    """The round in flight: its requests, its order, and the fund at its close."""

    requests: _Round
    order_id: int
    fill_at: int
    cash: int
    execution_fee: int
    size: int
    nav: int
    supply: int
    price: int
    idle: int  # the fund's idle collateral the close took (flight_idle): its cash first, the rest into margin
    payout: tuple[int, int] | None = None  # (assets owed to the redeemers, fees) while a payout order is out


@dataclass
class AsyncBacktestResult:
    leverage: int
    is_long: bool
    timestamps: list[int] = field(default_factory=list)  # one sample per `sample_seconds`
    nav_per_share: list[int] = field(default_factory=list)  # assets per whole share
    underlying: list[int] = field(default_factory=list)  # WAD price
    ideal: list[Decimal] = field(default_factory=list)  # ideal daily-rebalanced NAV per share
    leverage_end: Decimal = Decimal(0)  # position notional / NAV at the last price
    settled: int = 0
    rolled: int = 0  # orders the venue refused: the round reopened with its requests
    payouts: int = 0
    requests: int = 0
    skipped: int = 0
    trading_fees: int = 0  # assets paid to the venue (taker fees)
    funding_paid: int = 0  # assets (negative: received)
    netting: Netting = field(default_factory=Netting)
    fills: list[tuple[int, int]] = field(default_factory=list)  # each settled round's (fill time, oracle price)
    steps: int = 0
    seconds: float = 0.0

    def summary(self) -> dict[str, Decimal | int | str]:
        direction = 1 if self.is_long else -1
        underlying_return = Decimal(self.underlying[-1]) / Decimal(self.underlying[0]) - 1
        n = self.netting
        return {
            "token": f"{self.leverage}x {'long' if self.is_long else 'short'} (async)",
            "steps": self.steps,
            "underlying_return": underlying_return,
            "leveraged_simple_return": direction * self.leverage * underlying_return,
            "ideal_daily_return": self.ideal[-1] / self.ideal[0] - 1,
            "fund_return": Decimal(self.nav_per_share[-1]) / Decimal(self.nav_per_share[0]) - 1,
            "leverage_end": self.leverage_end.quantize(Decimal("0.0001")),
            "rounds_settled": self.settled,
            "rounds_rolled": self.rolled,
            "payouts": self.payouts,
            "requests": self.requests,
            "requests_skipped": self.skipped,
            "trading_fees": self.trading_fees,
            "funding_paid": self.funding_paid,
            "notional_alone": n.notional_alone,
            "notional_netted": n.notional_netted,
            "notional_saved": tables.saved(n.notional_alone, n.notional_netted).quantize(Decimal("0.0001")),
            "cost_alone": n.cost_alone,
            "cost_netted": n.cost_netted,
            "cost_saved": tables.saved(n.cost_alone, n.cost_netted).quantize(Decimal("0.0001")),
            "steps_per_second": int(self.steps / self.seconds) if self.seconds else 0,
        }


class _Token:
    """The asynchronous token's books over the venue replica: NAV collateral at the token, the
    share ledger, the open round and the one in flight (LeveragedTokenAsync's close and settle)."""

    def __init__(self, venue: AsyncVenue, leverage: int, is_long: bool, policy: RoundPolicy, result):
        self.venue, self.policy, self.result = venue, policy, result
        self.target, self.is_long = leverage * WAD, is_long
        self.scale = venue.params.asset_scale
        self.idle = self.supply = 0
        self.balances: dict[str, int] = {}  # shares, claimed at settlement
        self.opened, self.flight = _Round(), None
        self.last_close = 0
        self.block = 0

    def nav(self, now: int) -> int:
        """_nav_and_supply's NAV: the idle collateral a round in flight took is still the fund's; a
        paying round's payout is still owed out of the venue account (here an order settles as it fills)."""
        flight, nav = self.flight, self.idle + self.venue.equity(FUND, now)
        if flight is None:
            return nav
        return nav - flight.cash if flight.payout is not None else nav + flight.idle

    def nav_per_share(self, now: int) -> int:
        return math.value_for_shares(self.supply, max(self.nav(now), 0), WAD, INITIAL_NAV_PER_SHARE, False)

    def request(self, who: str, is_redeem: bool, amount: int) -> bool:
        """Join the open round; False (refused) while `who`'s request of that side is in flight."""
        flying = self.flight.requests if self.flight is not None else _Round()
        if amount <= 0 or who in (flying.redeems if is_redeem else flying.deposits):
            return False
        side = self.opened.redeems if is_redeem else self.opened.deposits
        side[who] = side.get(who, 0) + amount
        if is_redeem:
            self.balances[who] -= amount  # escrowed at the token, still in the supply
        return True

    def close(self, now: int) -> None:
        """close_round, if due, with requests and nothing in flight."""
        deposits, redeems = self.opened.totals
        due = now >= self.last_close + self.policy.round_interval
        if self.flight is not None or not due or deposits == redeems == 0 or not self.venue.fresh(now):
            return
        p, venue = self.policy, self.venue
        size = venue.accounts.get(FUND, Account()).size
        nav, price = max(self.nav(now), 0), venue.price
        size_delta = rounds.round_size(
            size, nav, self.supply, price, deposits, redeems, self.target, self.is_long, self.scale
        )
        cost = 0
        if size_delta != 0:
            try:
                exec_price, fee = math.quote(size_delta, price, venue.params)
            except ModelRevert:
                return  # the venue's quote_trade reverts, and the close with it: the next step tries again
            cost = rounds.trade_cost(size_delta, price, exec_price, fee, self.scale)
        plan = rounds.round_order(
            size_delta, nav, self.supply, price, deposits, redeems, self.idle, p.execution_fee, p.mint_fee_bps, cost,
            p.redeem_cushion_bps, p.max_slippage_bps, self.is_long, INITIAL_NAV_PER_SHARE,
        )  # fmt: skip
        self.block += 1
        order_id = venue.create_order(
            FUND, plan.size_delta, plan.collateral_delta, plan.acceptable_price, p.execution_fee, now, self.block
        )
        self.flight = _Flight(
            self.opened,
            order_id,
            now + p.fill_delay,
            plan.cash,
            p.execution_fee,
            size,
            nav,
            self.supply,
            price,
            self.idle,
        )
        self.idle = 0
        self.opened, self.last_close = _Round(), now

    def fill(self, now: int) -> None:
        """The venue keeper's fill of the order in flight, once due, and the settle after it."""
        flight = self.flight
        if flight is None or now < flight.fill_at:
            return
        self.block += 1
        try:
            status = self.venue.execute_order(KEEPER, flight.order_id, now, self.block)
        except ModelRevert:
            return  # e.g. a stale price: the venue keeper tries again at the next one
        if flight.payout is not None:
            if status == FILLED:
                self._done()
            else:  # settle places it again; the redeemers get back their charge for the failed one
                assets_out, fees = flight.payout
                cash_held = assets_out + fees + self.policy.execution_fee - flight.cash
                self._place_payout(flight, now, assets_out + self.policy.execution_fee, fees, cash_held)
            return
        if status != FILLED:  # refused: the round reopens with its requests and the newer ones
            flight.requests.join(self.opened)
            self.opened, self.flight = flight.requests, None
            self.idle += flight.idle
            self.result.rolled += 1
            return
        self._settle(flight, now)

    def _settle(self, flight: _Flight, now: int) -> None:
        p, f = self.policy, self.venue.fills[flight.order_id]
        deposits, redeems = flight.requests.totals
        s = rounds.settlement(
            self.idle + flight.idle, f.equity_before, f.equity_after, f.collateral_delta, f.size_delta,
            flight.execution_fee, self.supply, deposits, redeems, p.mint_fee_bps, p.redeem_fee_bps, self.is_long,
            INITIAL_NAV_PER_SHARE,
        )  # fmt: skip
        self._count(flight, f.size_delta, f.oracle_price, s.cost)
        self.result.fills.append((f.filled_at, f.oracle_price))
        shares_out = s.shares_out - (min(math.DEAD_SHARES, s.shares_out) if self.supply == 0 else 0)
        self.supply += s.shares_out - redeems
        for who, amount in flight.requests.deposits.items():
            self.balances[who] = self.balances.get(who, 0) + math.mul_div(shares_out, amount, deposits, False)
        cash, owed = flight.cash - flight.execution_fee, s.assets_out + s.fees
        if cash >= owed:
            self.idle += cash - owed
            self._done()
        else:
            self._place_payout(flight, now, s.assets_out, s.fees, cash)

    def _place_payout(self, flight: _Flight, now: int, assets_out: int, fees: int, cash_held: int) -> None:
        """_place_payout: a collateral-only order for what the round's cash lacks, its fee on the redeemers."""
        fee = self.policy.execution_fee
        assets_out -= min(fee, assets_out)
        amount = assets_out + fees + fee - cash_held
        self.block += 1
        flight.order_id = self.venue.create_order(FUND, 0, -amount, 0, fee, now, self.block)
        flight.cash, flight.payout, flight.fill_at = amount, (assets_out, fees), now + self.policy.fill_delay
        self.result.payouts += 1

    def _done(self) -> None:
        self.flight = None
        self.result.settled += 1

    def _size(self, at: _Flight, deposits: int, redeems: int) -> int:
        """round_math._round_size of `deposits` and `redeems` on the fund at `at`'s close."""
        return rounds.round_size(
            at.size, at.nav, at.supply, at.price, deposits, redeems, self.target, self.is_long, self.scale
        )

    def _count(self, flight: _Flight, fill_size: int, fill_price: int, cost: int) -> None:
        """The round, netted, against each of its requests as an order of its own at the same fill
        (ltsdk.rounds_simulation.netting's accounting)."""
        alone = [self._size(flight, amount, 0) for amount in flight.requests.deposits.values()]
        alone += [self._size(flight, 0, amount) for amount in flight.requests.redeems.values()]
        n, params = self.result.netting, self.venue.params
        n.rounds += 1
        n.requests += len(alone)
        n.notional_alone += sum(math.notional_assets(abs(s), fill_price, self.scale) for s in alone)
        n.notional_netted += math.notional_assets(abs(fill_size), fill_price, self.scale)
        n.cost_alone += sum(alone_cost(s, fill_price, params) + flight.execution_fee for s in alone)
        n.cost_netted += cost


def run(
    prices: PricePath,
    leverage: int = 3,
    is_long: bool = True,
    deposit: int = 1_000_000 * USDC,
    sample_seconds: int = 3_600,
    policy: RoundPolicy | None = None,
    crowd: Crowd | None = None,
    venue_params: VenueParams | None = None,
    funding_rate_per_second: int = 0,
) -> AsyncBacktestResult:
    """Request `deposit` at the first price (the first round), then at every price: the venue
    takes the price, the order in flight fills once its delay has passed (and its round settles),
    the crowd asks, and the open round closes once due. Leverage as the sync backtest's."""
    if not isinstance(leverage, int) or not math.MIN_LEVERAGE <= leverage <= math.MAX_LEVERAGE:
        raise BadArgument(
            f"leverage must be a whole number from {math.MIN_LEVERAGE} to {math.MAX_LEVERAGE}, got {leverage!r}"
        )
    if len(prices.points) < 2 or deposit <= 0:
        raise BadArgument("a backtest needs at least two prices and a positive deposit")
    policy, crowd = policy or RoundPolicy(), crowd or Crowd()
    policy.check()
    crowd.check()
    start_time, start_price = prices.points[0]
    venue = AsyncVenue(
        venue_params or VenueParams(half_spread_bps=2, taker_fee_bps=5, depth=2_000_000_000 * WAD, asset_scale=10**12),
        price=start_price,
        updated_at=start_time,
        funding_rate_per_second=funding_rate_per_second,
        funding_updated_at=start_time,
        max_oracle_age=max(3_600, *(b[0] - a[0] for a, b in itertools.pairwise(prices.points))),
        min_execution_fee=policy.execution_fee,
        order_expiry=10 * 365 * DAY,  # left out: the venue keeper fills every order at its delay
    )
    venue.keepers.add(KEEPER)
    result = AsyncBacktestResult(leverage=leverage, is_long=is_long)
    token = _Token(venue, leverage, is_long, policy, result)
    token.request(FIRST_DEPOSITOR, False, deposit)
    result.requests += 1
    ideal = IdealTracker(leverage, is_long, start_time, start_price)
    rng = random.Random(crowd.seed)
    requesters = [f"requester-{i}" for i in range(crowd.requesters)]
    next_sample = start_time
    previous = start_time
    began = time.perf_counter()
    for step, (now, price) in enumerate(prices.points):
        if step > 0:
            venue.set_price(price, now)  # a new oracle round
        ideal.update(now, price)
        token.fill(now)
        if step > 0 and rng.random() < crowd.requests_per_day * (now - previous) / DAY:
            _ask(token, rng, crowd, rng.choice(requesters), result)
        token.close(now)
        if now >= next_sample and token.supply > 0:
            result.timestamps.append(now)
            result.nav_per_share.append(token.nav_per_share(now))
            result.underlying.append(price)
            result.ideal.append(ideal.value)
            next_sample = now + sample_seconds
        previous = now
        result.steps += 1
    if not result.timestamps:
        raise BadArgument(f"the first round did not fill within the path: it needs more than {policy.fill_delay} s")
    result.seconds = time.perf_counter() - began
    end_time, end_price = prices.points[-1]
    nav = token.nav(end_time)
    size = venue.accounts.get(FUND, Account()).size
    notional = math.notional_assets(size, end_price, venue.params.asset_scale)
    result.leverage_end = Decimal(notional) / Decimal(nav) if nav > 0 else Decimal(0)
    result.trading_fees = venue.fees_paid.get(FUND, 0)
    account = venue.accounts.get(FUND, Account())
    owed = math.funding_owed(account, venue.index_now(end_time), venue.params.asset_scale)
    result.funding_paid = venue.funding_paid.get(FUND, 0) + owed
    return result


def _ask(token: _Token, rng: random.Random, crowd: Crowd, who: str, result: AsyncBacktestResult) -> None:
    shares = token.balances.get(who, 0)
    if shares > 0 and rng.random() < 0.5:
        amount = int(Decimal(shares) * Decimal(str(rng.uniform(*crowd.redeem_fraction))))
        asked = token.request(who, True, amount)
    else:
        asked = token.request(who, False, rng.randint(*crowd.deposit_usd) * USDC)
    if asked:
        result.requests += 1
    else:
        result.skipped += 1


def netting_table(result: AsyncBacktestResult, asset_decimals: int = 6) -> str:
    """The async demo's netting table (ltsdk.rounds_simulation.netting_table) for one backtest."""
    return tables.ruled(NETTING_HEADER, [netting_row("async", result.netting, asset_decimals)])
