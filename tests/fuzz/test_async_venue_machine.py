"""Stateful fuzzing of the asynchronous mock venue (MockAsyncPerpVenue.vy) against its reference
model (ltsdk.replica.AsyncVenue), on titanoboa: random orders from two traders (buys, sells,
collateral in and out, tight and loose acceptable prices), fills and refusals by the venue keeper
and attempts by a stranger, cancellations by the owner, the other trader and anyone, price moves,
funding, liquidations, paused trading, and time and blocks passing (VERIFICATION.md, the rules on
asynchronous venues).

Blocks advance only when a rule mines one (`next_block`, `keeper_round`), so the transactions of
several steps can share a block, and creating and filling an order in one block is a path the
machine takes. Each rule's model call runs on a deep
copy first; the chain must then revert with the model's reason or return what the model returns,
and the copy becomes the model. After every step:
- `chain_equals_model`: every touched account's position, equity, snapshot and orders in flight,
  every touched order's record and fill, the funding clock and every actor's and the venue's
  collateral, to the wei;
- `fills_use_prices_after_their_orders`: every fill was priced at an oracle round published after
  its order's creation, in a later block, within the order's window;
- `collateral_is_covered`: the venue holds at least what its orders in flight reserve plus their
  execution fees (the collateral of a pending order can always leave).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import boa
import pytest
from helpers import venue_params
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from fuzz.chain import (
    BTC_DEPTH,
    MAX_UINT256,
    ORACLE_DECIMALS,
    ORACLE_SCALE,
    USDC,
    WAD,
    attempt,
    deployed_once,
    deployer,
    on_own_stack_chunk,
)
from fuzz.profiles import examples, fuzz_settings
from ltsdk.errors import ModelRevert
from ltsdk.replica import AsyncVenue
from ltsdk.replica.async_venue import FILLED, PENDING, REFUSED

START_PRICE = 60_000 * 10**ORACLE_DECIMALS  # the feed's answer
VENUE_LIQUIDITY = 50_000_000 * USDC
TRADER_COLLATERAL = 10_000_000 * USDC
TRADERS = ("trader", "other_trader")

SIZES = st.sampled_from([WAD // 100, WAD // 10, WAD // 2, WAD, 3 * WAD]).flatmap(
    lambda size: st.sampled_from([size, -size])
) | st.just(0)
COLLATERALS = st.sampled_from([20_000 * USDC, 0, 5_000 * USDC, 60_000 * USDC, 1, -1, -1_000 * USDC, -10_000 * USDC])
# the acceptable price as bps off the price at creation (None: any price)
SLACK_BPS = st.none() | st.sampled_from([-50, 0, 3, 10, 100, 500])
MOVES_BPS = st.integers(-800, 800)
SECONDS = st.sampled_from([1, 2, 12, 60, 299, 300, 601, 3_601])
TIPS = st.sampled_from([0, 1, 2, 0, -1])  # hundredths of a collateral unit over the minimum fee
PICKS = st.integers(0, 63)  # which order a rule acts on (see order_id)
OUTCOMES = {FILLED: "filled", REFUSED: "refused"}
FUNDING_RATES = st.sampled_from([0, 10**10, -(10**10), 3 * 10**11])


@dataclass(frozen=True)
class AsyncStack:
    usdc: Any
    oracle: Any
    venue: Any
    admin: str  # owns the oracle and the venue
    keeper: str  # the venue keeper
    outsider: str  # no role: tries to fill, closes expired orders, liquidates
    traders: dict[str, str]


@deployed_once(lambda s: s.venue)
def async_stack() -> AsyncStack:
    """Deployed once, by this module's fixture (outside every example's anchor): collateral, a BTC feed, the
    venue funded to pay profits, its keeper, and two traders with collateral approved."""
    admin = boa.env.generate_address("async_admin")
    keeper = boa.env.generate_address("async_keeper")
    outsider = boa.env.generate_address("async_outsider")
    traders = {name: boa.env.generate_address(f"async_{name}") for name in TRADERS}
    with boa.env.prank(admin):
        usdc = deployer("mocks/MockUSDC").deploy()
        oracle = deployer("mocks/MockOracle").deploy(ORACLE_DECIMALS, "BTC / USD", START_PRICE)
        venue = deployer("mocks/MockAsyncPerpVenue").deploy(usdc, oracle, "BTC-PERP", 6, BTC_DEPTH)
        venue.set_order_keeper(keeper, True)
    usdc.mint(venue, VENUE_LIQUIDITY, sender=admin)
    for trader in traders.values():
        usdc.mint(trader, TRADER_COLLATERAL, sender=trader)
        usdc.approve(venue, MAX_UINT256, sender=trader)
    return AsyncStack(usdc, oracle, venue, admin, keeper, outsider, traders)


@pytest.fixture(scope="module", autouse=True)
def async_venue_stack():
    return async_stack()


def model_of(s: AsyncStack) -> AsyncVenue:
    """The model of the venue as deployed, every parameter read from chain."""
    v = s.venue
    price, updated_at, _ = v.oracle_price()
    return AsyncVenue(
        params=venue_params(v),
        price=price,
        updated_at=updated_at,
        max_oracle_age=v.max_oracle_age(),
        max_leverage=v.max_leverage(),
        maintenance_margin_bps=v.maintenance_margin_bps(),
        liquidation_penalty_bps=v.liquidation_penalty_bps(),
        funding_rate_per_second=v.funding_rate_per_second(),
        funding_index=v.funding_index(),
        funding_updated_at=v.funding_updated_at(),
        trading_paused=v.trading_paused(),
        oracle_round=s.oracle.latest_round(),
        min_execution_fee=v.min_execution_fee(),
        cancel_delay=v.cancel_delay(),
        order_expiry=v.order_expiry(),
        next_order_id=v.next_order_id(),
        keepers={s.keeper, s.admin},
    )


class AsyncVenueMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.s = async_stack()
        self.anchor = boa.env.anchor()
        self.anchor.__enter__()
        self.model = model_of(self.s)
        self.addresses = [self.s.venue.address, self.s.keeper, self.s.outsider, *self.s.traders.values()]
        self.baseline = {a: self.s.usdc.balanceOf(a) for a in self.addresses}
        self.touched_orders: set[int] = set()
        self.fill_rounds: dict[int, tuple[int, int]] = {}  # order id -> (the oracle round its fill used, block)

    def teardown(self):
        self.anchor.__exit__(None, None, None)

    @property
    def now(self) -> int:
        return boa.env.timestamp

    @property
    def block(self) -> int:
        return boa.env.evm.patch.block_number

    def act(self, name, model_call, chain_call):
        """The model on a copy, then the chain: the same revert reason, or the same return value.
        Each outcome is a hypothesis event (`--hypothesis-show-statistics` shows what was reached)."""
        trial = copy.deepcopy(self.model)
        try:
            expected = model_call(trial, self.now, self.block)
        except ModelRevert as revert:
            event(f"{name}: {revert}")
            ok, result = attempt(chain_call)
            assert not ok, f"the model reverts {revert}, the chain returned {result!r}"
            assert result == str(revert), (result, str(revert))
            return None
        ok, result = attempt(chain_call)
        assert ok, f"the chain reverted {result!r}, the model returned {expected!r}"
        if expected is not None:
            assert result == expected
        event(f"{name}: {OUTCOMES.get(result, 'ok') if name == 'execute' else 'ok'}")
        self.model = trial
        return result

    def order_id(self, pick: int) -> int:
        """Mostly a pending order; else any id up to the next one (0 and the next were never issued)."""
        pending = sorted(i for i, o in self.model.orders.items() if o.status == PENDING)
        if pending and pick % 8 != 7:
            return pending[pick % len(pending)]
        return pick % (self.model.next_order_id + 1)

    # ------------------------------------------------------------ rules

    @initialize(rate=FUNDING_RATES)
    def open_market(self, rate):
        self.set_funding(rate)

    @rule(trader=st.sampled_from(TRADERS), size=SIZES, collateral=COLLATERALS, slack=SLACK_BPS, tip=TIPS)
    def create(self, trader, size, collateral, slack, tip):
        account = self.s.traders[trader]
        if slack is None or size == 0:
            acceptable = MAX_UINT256 if size > 0 else 0
        else:
            direction = 1 if size > 0 else -1
            acceptable = self.model.price * (10_000 + direction * slack) // 10_000
        fee = self.model.min_execution_fee + tip * USDC // 100  # tip -1: below the minimum
        order_id = self.act(
            "create",
            lambda m, now, block: m.create_order(account, size, collateral, acceptable, fee, now, block),
            lambda: self.s.venue.create_order(size, collateral, acceptable, fee, sender=account),
        )
        if order_id is not None:
            self.touched_orders.add(order_id)

    @rule(trader=st.sampled_from(TRADERS), is_long=st.booleans())
    def order_near_max_leverage(self, trader, is_long):
        """3 BTC (180k of notional) on 9,500 of collateral: ~19x, which a few % move liquidates."""
        self.create(trader, 3 * WAD if is_long else -3 * WAD, 9_500 * USDC, None, 0)

    @rule(pick=PICKS, by_keeper=st.sampled_from([True, True, True, False]))
    def execute(self, pick, by_keeper):
        self.execute_as(self.s.keeper if by_keeper else self.s.outsider, self.order_id(pick))

    def execute_as(self, caller, order_id):
        status = self.act(
            "execute",
            lambda m, now, block: m.execute_order(caller, order_id, now, block),
            lambda: self.s.venue.execute_order(order_id, sender=caller),
        )
        if status == REFUSED:
            event(f"execute: refusal {self.model.orders[order_id].refusal}")
        if status == FILLED:
            self.fill_rounds[order_id] = (self.s.oracle.latest_round(), self.block)
        self.touched_orders.add(order_id)

    @rule(pick=PICKS, who=st.sampled_from((*TRADERS, "outsider")))
    def cancel(self, pick, who):
        order_id = self.order_id(pick)
        caller = self.s.outsider if who == "outsider" else self.s.traders[who]
        self.act(
            "cancel",
            lambda m, now, block: m.cancel_order(caller, order_id, now),
            lambda: self.s.venue.cancel_order(order_id, sender=caller),
        )
        self.touched_orders.add(order_id)

    @rule(move=MOVES_BPS)
    def publish_price(self, move):
        answer = max(self.s.oracle.latestRoundData()[1] * (10_000 + move) // 10_000, 1)
        self.act(
            "publish",
            lambda m, now, block: m.set_price(answer * ORACLE_SCALE, now),
            lambda: self.s.oracle.set_price(answer, sender=self.s.admin),
        )

    @rule(seconds=st.sampled_from([1, 2, 12, 60]), move=MOVES_BPS)
    def keeper_round(self, seconds, move):
        """What a venue keeper does: in a later block, with a new price, execute every pending
        order, oldest first."""
        self.next_block(seconds)
        self.publish_price(move)
        for order_id in sorted(i for i, o in self.model.orders.items() if o.status == PENDING):
            self.execute_as(self.s.keeper, order_id)

    @rule(seconds=SECONDS)
    def next_block(self, seconds):
        boa.env.time_travel(blocks=1, block_delta=max(seconds, 1))

    @rule(rate=FUNDING_RATES)
    def set_funding(self, rate):
        self.act(
            "funding",
            lambda m, now, block: m.set_funding_rate(rate, now),
            lambda: self.s.venue.set_funding_rate_per_second(rate, sender=self.s.admin),
        )

    @rule(trader=st.sampled_from(TRADERS))
    def liquidate(self, trader):
        account = self.s.traders[trader]
        cash = self.s.usdc.balanceOf(self.s.venue)  # the penalty's cap
        self.act(
            "liquidate",
            lambda m, now, block: m.liquidate_by(self.s.outsider, account, now, cash),
            lambda: self.s.venue.liquidate(account, sender=self.s.outsider),
        )

    @rule(paused=st.sampled_from([False, False, False, True]))
    def pause_trading(self, paused):
        self.s.venue.set_trading_paused(paused, sender=self.s.admin)
        self.model.trading_paused = paused

    # ------------------------------------------------------------ invariants

    @invariant()
    def chain_equals_model(self):
        m, venue, now = self.model, self.s.venue, self.now
        for account in self.s.traders.values():
            assert venue.position(account) == m.position(account)
            assert venue.equity(account) == m.equity(account, now)
            assert tuple(venue.account_snapshot(account)) == m.account_snapshot(account, now)
            assert [tuple(o) for o in venue.orders_in_flight(account)] == m.orders_in_flight(account)
        for order_id in self.touched_orders:
            o = m.orders.get(order_id)
            record = tuple(venue.order(order_id))
            if o is None:
                assert record[8] == 0  # status: no such order
                continue
            assert record == (
                o.account,
                o.size_delta,
                o.collateral_delta,
                o.acceptable_price,
                o.execution_fee,
                o.created_at,
                o.created_block,
                o.oracle_round,
                o.status,
                o.refusal,
            )
            f = m.fills.get(order_id)
            fill = tuple(venue.fill_of(order_id))
            assert fill == (
                (0, 0, 0, 0, 0, 0, 0, 0, 0, "0x0000000000000000000000000000000000000000", 0, 0)
                if f is None
                else (
                    f.size_delta,
                    f.exec_price,
                    f.oracle_price,
                    f.fee,
                    f.execution_fee,
                    f.realized_pnl,
                    f.collateral_delta,
                    f.size_after,
                    f.filled_at,
                    f.keeper,
                    f.equity_before,
                    f.equity_after,
                )
            )
        self.touched_orders = {i for i in self.touched_orders if m.orders.get(i) and m.orders[i].status == PENDING}
        assert (venue.funding_index(), venue.funding_updated_at()) == (m.funding_index, m.funding_updated_at)
        paid_out = 0
        for address in self.addresses[1:]:
            received = m.transfers.get(address, 0)
            paid_out += received
            assert self.s.usdc.balanceOf(address) == self.baseline[address] + received
        assert self.s.usdc.balanceOf(venue) == self.baseline[venue.address] - paid_out

    @invariant()
    def fills_use_prices_after_their_orders(self):
        for order_id, (fill_round, fill_block) in self.fill_rounds.items():
            o, f = self.model.orders[order_id], self.model.fills[order_id]
            assert fill_round > o.oracle_round, "a fill used a round from before its order"
            assert fill_block > o.created_block, "a fill in its order's block"
            assert f.filled_at <= o.created_at + self.model.order_expiry, "a fill after its order expired"
            assert f.oracle_price == self.s.oracle.getRoundData(fill_round)[1] * ORACLE_SCALE

    @invariant()
    def collateral_is_covered(self):
        held = sum(o.reserved + o.execution_fee for o in self.model.orders.values() if o.status == PENDING)
        assert self.s.usdc.balanceOf(self.s.venue) >= held


class TestAsyncVenueMachine(AsyncVenueMachine.TestCase):
    # a step is 1-2 transactions and ~15 view calls on py-evm: a quarter of the profile's examples
    settings = fuzz_settings(max_examples=examples(4))

    def runTest(self):
        on_own_stack_chunk(super().runTest)  # speed only: see chain.on_own_stack_chunk


# ---------------------------------------------------------------- the liquidation penalty's cap


def test_liquidate__venue_holds_less_than_the_penalty__closes_the_position_and_pays_what_it_holds():
    """The sync venue's fix (test_venue_lifetime.py, finding (a)) holds here too, since both
    liquidate through perp_accounting._liquidate: a trader takes a profit larger than the venue's
    own liquidity and withdraws, by an order, all but `held` of the venue's collateral; a short
    opened before that then falls below its maintenance margin with margin left on its books. The
    liquidation closes it and pays the liquidator what the venue holds, the rest of the margin
    staying on the short's books."""
    admin = boa.env.generate_address("cap_admin")  # the venue's owner and its keeper
    profit_taker = boa.env.generate_address("cap_profit_taker")
    short = boa.env.generate_address("cap_short")
    liquidator = boa.env.generate_address("cap_liquidator")
    held = 40_000 * USDC
    with boa.env.anchor():
        with boa.env.prank(admin):
            usdc = deployer("mocks/MockUSDC").deploy()
            oracle = deployer("mocks/MockOracle").deploy(ORACLE_DECIMALS, "BTC / USD", START_PRICE)
            venue = deployer("mocks/MockAsyncPerpVenue").deploy(usdc, oracle, "BTC-PERP", 6, BTC_DEPTH)
        fee = venue.min_execution_fee()
        for trader, collateral in ((profit_taker, 10_000_000 * USDC), (short, 1_000_000 * USDC)):
            usdc.mint(trader, collateral + 10 * fee, sender=trader)
            usdc.approve(venue, MAX_UINT256, sender=trader)

        def fill(trader: str, size: int, collateral: int, price_usd: int) -> None:
            """An order with no price limit, filled by the keeper in the next block at `price_usd`."""
            order_id = venue.create_order(size, collateral, MAX_UINT256 if size > 0 else 0, fee, sender=trader)
            boa.env.time_travel(blocks=1)  # one block, 12 seconds
            oracle.set_price(price_usd * 10**18 // ORACLE_SCALE, sender=admin)
            assert venue.execute_order(order_id, sender=admin) == FILLED

        long_size = 50_000_000 * WAD // 60_000  # 50M USD of BTC at 5x
        fill(profit_taker, long_size, 10_000_000 * USDC, 60_000)
        fill(profit_taker, -long_size, 0, 150_000)  # realises a profit larger than the venue's liquidity
        fill(short, -(10_000_000 * WAD // 150_000), 1_000_000 * USDC, 150_000)  # 10M USD short at 10x
        fill(profit_taker, 0, -(usdc.balanceOf(venue) - held), 150_000)
        boa.env.time_travel(blocks=1)  # one block, 12 seconds
        oracle.set_price(160_500 * 10**18 // ORACLE_SCALE, sender=admin)  # +7 %: below maintenance

        snap = venue.account_snapshot(short)
        notional = abs(snap.size) * snap.price // WAD // venue.ASSET_SCALE()
        assert 0 < snap.equity < notional * venue.maintenance_margin_bps() // 10_000
        uncapped = min(snap.equity, notional * venue.liquidation_penalty_bps() // 10_000)
        assert uncapped > held == usdc.balanceOf(venue)

        ok, penalty = attempt(lambda: venue.liquidate(short, sender=liquidator))
        assert ok, f"liquidate reverts {penalty!r}"
        assert penalty == held
        assert usdc.balanceOf(liquidator) == held
        size, _, margin = venue.position(short)
        assert size == 0
        assert margin == snap.equity - held
