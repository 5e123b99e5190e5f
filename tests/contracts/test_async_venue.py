"""MockAsyncPerpVenue: orders created by an account, filled or refused later by a venue keeper at
the oracle price of the fill, cancelled by their account after a delay or by anyone after expiry;
margin, funding and liquidation as the sync venue. Checked on anvil against ltsdk.replica's
AsyncVenue to the wei: every return value, every account, order and fill record, every order in
flight and every collateral balance.

`AsyncMirror` replays each transaction through the model at the transaction's own timestamp and
block number (a deep copy first, so a modelled revert leaves the model untouched) and expects the
chain to revert with the model's reason, or to return what the model returns.
"""

from __future__ import annotations

import copy

import ape
import pytest
from helpers import venue_params

from ltsdk.deploy import oracle_answer
from ltsdk.errors import ModelRevert
from ltsdk.replica import AsyncVenue
from ltsdk.replica.async_venue import (
    CANCELLED,
    EXPIRED,
    FILLED,
    PENDING,
    REFUSED,
    REFUSED_LIQUIDITY,
    REFUSED_MARGIN,
    REFUSED_MAX_LEVERAGE,
    REFUSED_PRICE,
)
from ltsdk.units import USDC, WAD

ORACLE_DECIMALS = 8
ORACLE_SCALE = 10**10  # 8-decimal feed -> WAD
DEPTH = 2_000_000_000 * WAD  # USD: a trade of this notional would move the price 100 %
VENUE_LIQUIDITY = 50_000_000 * USDC
EXECUTION_FEE = USDC // 10  # the venue's default minimum for 6-decimal collateral
MAX_UINT = 2**256 - 1


def answer(usd) -> int:
    return oracle_answer(str(usd), ORACLE_DECIMALS)


def wad(usd) -> int:
    return answer(usd) * ORACLE_SCALE


def fields(struct, n: int) -> tuple:
    """An ape struct's first n fields as a tuple (struct returns compare field by field)."""
    return tuple(struct[i] for i in range(n))


# ------------------------------------------------------------------ deployment


@pytest.fixture(scope="session")
def async_market(project, admin, keeper, usdc):
    """A BTC oracle and an asynchronous BTC-PERP venue on it, funded to pay profits, with the
    keeper actor as its venue keeper."""
    oracle = project.MockOracle.deploy(ORACLE_DECIMALS, "BTC / USD", answer(60_000), sender=admin)
    venue = project.MockAsyncPerpVenue.deploy(usdc, oracle, "BTC-PERP", 6, DEPTH, sender=admin)
    usdc.mint(venue, VENUE_LIQUIDITY, sender=admin)
    venue.set_order_keeper(keeper, True, sender=admin)
    return oracle, venue


@pytest.fixture(scope="session")
def async_oracle(async_market):
    return async_market[0]


@pytest.fixture(scope="session")
def async_venue(async_market):
    return async_market[1]


class AsyncMirror:
    """The chain and the model side by side. Every write goes through `act`; `check` compares
    every view of every account touched with the model at the head block."""

    def __init__(self, chain, usdc, venue, oracle, admin, keeper):
        self.chain, self.usdc, self.venue, self.oracle, self.admin = chain, usdc, venue, oracle, admin
        price, updated_at, _ = venue.oracle_price()
        self.model = AsyncVenue(
            params=venue_params(venue),
            price=price,
            updated_at=updated_at,
            max_oracle_age=venue.max_oracle_age(),
            max_leverage=venue.max_leverage(),
            maintenance_margin_bps=venue.maintenance_margin_bps(),
            liquidation_penalty_bps=venue.liquidation_penalty_bps(),
            funding_rate_per_second=venue.funding_rate_per_second(),
            funding_index=venue.funding_index(),
            funding_updated_at=venue.funding_updated_at(),
            trading_paused=venue.trading_paused(),
            oracle_round=oracle.latest_round(),
            min_execution_fee=venue.min_execution_fee(),
            cancel_delay=venue.cancel_delay(),
            order_expiry=venue.order_expiry(),
            next_order_id=venue.next_order_id(),
            keepers={keeper.address, admin.address},
        )
        self.baseline: dict[str, int] = {}  # collateral balances before any mirrored transfer
        self.watch(venue.address)

    # ------------------------------------------------------------ set-up outside the model

    def watch(self, address: str) -> None:
        self.baseline.setdefault(address, self.usdc.balanceOf(address))

    def fund(self, who, amount: int) -> None:
        """Faucet collateral to `who` and approve the venue (outside the venue: baseline moves)."""
        self.watch(who.address)
        self.usdc.mint(who, amount, sender=who)
        self.usdc.approve(self.venue, MAX_UINT, sender=who)
        self.baseline[who.address] += amount

    # ------------------------------------------------------------ mirrored writes

    def act(self, model_call, chain_call):
        """Run `model_call(model, now, block)` on a copy for the next block, then `chain_call()`
        in that block: a modelled revert must be the chain's, with the same reason; otherwise the
        chain must return what the model returns. Returns the receipt (None after a revert)."""
        head = self.chain.blocks.head
        now = max(self.chain.pending_timestamp, head.timestamp + 1)
        self.chain.pending_timestamp = now
        trial = copy.deepcopy(self.model)
        try:
            expected = model_call(trial, now, head.number + 1)
        except ModelRevert as revert:
            with ape.reverts(str(revert)):
                chain_call()
            return None
        receipt = chain_call()
        assert (receipt.timestamp, receipt.block_number) == (now, head.number + 1)
        if expected is not None:
            assert receipt.return_value == expected
        self.model = trial
        return receipt

    def create(self, who, size_delta: int, collateral_delta: int = 0, acceptable: int | None = None, fee=None):
        """An order for `who`; by default a market order (any price) with the minimum fee."""
        if acceptable is None:
            acceptable = MAX_UINT if size_delta > 0 else 0
        fee = EXECUTION_FEE if fee is None else fee
        self.watch(who.address)
        return self.act(
            lambda m, now, block: m.create_order(
                who.address, size_delta, collateral_delta, acceptable, fee, now, block
            ),
            lambda: self.venue.create_order(size_delta, collateral_delta, acceptable, fee, sender=who),
        )

    def execute(self, keeper, order_id: int):
        self.watch(keeper.address)
        return self.act(
            lambda m, now, block: m.execute_order(keeper.address, order_id, now, block),
            lambda: self.venue.execute_order(order_id, sender=keeper),
        )

    def cancel(self, caller, order_id: int):
        self.watch(caller.address)
        return self.act(
            lambda m, now, block: m.cancel_order(caller.address, order_id, now),
            lambda: self.venue.cancel_order(order_id, sender=caller),
        )

    def liquidate(self, liquidator, account):
        self.watch(liquidator.address)
        return self.act(
            lambda m, now, block: m.liquidate_by(liquidator.address, account.address, now),
            lambda: self.venue.liquidate(account, sender=liquidator),
        )

    def set_price(self, usd) -> None:
        self.act(
            lambda m, now, block: m.set_price(wad(usd), now),
            lambda: self.oracle.set_price(answer(usd), sender=self.admin),
        )

    def set_rate(self, rate: int) -> None:
        self.act(
            lambda m, now, block: m.set_funding_rate(rate, now),
            lambda: self.venue.set_funding_rate_per_second(rate, sender=self.admin),
        )

    def warp(self, seconds: int) -> None:
        """Let `seconds` pass before the next block."""
        self.chain.pending_timestamp = max(self.chain.pending_timestamp, self.chain.blocks.head.timestamp) + seconds

    # ------------------------------------------------------------ comparison

    def check(self) -> None:
        """Every account's position, equity, snapshot and orders in flight, every order and fill
        record and every watched collateral balance equal the model's, at the head block."""
        now = self.chain.blocks.head.timestamp
        m, venue = self.model, self.venue
        for address in {o.account for o in m.orders.values()}:
            assert venue.position(address) == m.position(address)
            assert venue.equity(address) == m.equity(address, now)
            assert fields(venue.account_snapshot(address), 10) == m.account_snapshot(address, now)
            assert [fields(o, 8) for o in venue.orders_in_flight(address)] == m.orders_in_flight(address)
        for order_id, o in m.orders.items():
            assert fields(venue.order(order_id), 10) == (
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
            recorded = fields(venue.fill_of(order_id), 12)
            if f is None:
                assert recorded[0] == 0 and recorded[8] == 0  # no fill recorded
            else:
                assert recorded == (
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
        assert venue.funding_index() == m.funding_index
        assert venue.funding_updated_at() == m.funding_updated_at
        assert venue.next_order_id() == m.next_order_id
        paid_out = 0
        for address, start in self.baseline.items():
            if address == venue.address:
                continue
            received = m.transfers.get(address, 0)
            paid_out += received
            assert self.usdc.balanceOf(address) == start + received, address
        assert self.usdc.balanceOf(venue) == self.baseline[venue.address] - paid_out


@pytest.fixture
def async_mirror(chain, usdc, async_venue, async_oracle, admin, keeper):
    return AsyncMirror(chain, usdc, async_venue, async_oracle, admin, keeper)


@pytest.fixture
def async_trader(depositor, async_mirror):
    """The depositor actor as a venue trader with 1M collateral approved to the venue."""
    async_mirror.fund(depositor, 1_000_000 * USDC)
    return depositor


def open_long(mirror, trader, keeper, size=WAD, margin=10_000 * USDC):
    """A filled order: `margin` moved in with a `size` buy; a new price lets it fill."""
    order_id = mirror.create(trader, size, margin).return_value
    mirror.set_price(60_000)
    mirror.execute(keeper, order_id)
    return order_id


# ------------------------------------------------------------------ creation


def test_create_order__with_collateral__holds_collateral_and_fee_apart_from_margin(
    async_venue, async_mirror, async_trader, usdc
):
    receipt = async_mirror.create(async_trader, WAD, 5_000 * USDC, 61_000 * WAD)

    order_id = receipt.return_value
    assert order_id == 1
    order = async_venue.order(order_id)
    assert (order.status, order.collateral_delta, order.execution_fee) == (PENDING, 5_000 * USDC, EXECUTION_FEE)
    assert async_venue.position(async_trader) == (0, 0, 0)  # nothing is margin yet
    snapshot = async_venue.account_snapshot(async_trader)
    assert (snapshot.reserved_collateral, snapshot.execution_fees, snapshot.pending_size_delta) == (
        5_000 * USDC,
        EXECUTION_FEE,
        WAD,
    )
    log = receipt.events.filter(async_venue.OrderCreated)[0]
    assert (log.order_id, log.account, log.size_delta, log.collateral_delta) == (
        1,
        async_trader.address,
        WAD,
        5_000 * USDC,
    )
    async_mirror.check()


@pytest.mark.parametrize(
    ("size_delta", "collateral_delta", "fee", "reason"),
    [
        (0, 0, EXECUTION_FEE, "venue: zero order"),
        (WAD, 0, EXECUTION_FEE - 1, "venue: execution fee"),
        (-(2**255), 0, EXECUTION_FEE, "venue: bounds"),
        (WAD, -(2**255), EXECUTION_FEE, "venue: bounds"),
    ],
)
def test_create_order__bad_input__reverts(async_mirror, async_trader, size_delta, collateral_delta, fee, reason):
    with ape.reverts(reason):
        async_mirror.venue.create_order(size_delta, collateral_delta, 0, fee, sender=async_trader)
    async_mirror.create(async_trader, size_delta, collateral_delta, fee=fee)  # the model agrees
    async_mirror.check()


def test_create_order__sixteen_in_flight__seventeenth_reverts(async_mirror, async_trader):
    for _ in range(16):
        async_mirror.create(async_trader, WAD // 100)
    with ape.reverts("venue: too many orders"):
        async_mirror.venue.create_order(WAD // 100, 0, MAX_UINT, EXECUTION_FEE, sender=async_trader)
    assert len(async_mirror.venue.orders_in_flight(async_trader)) == 16
    async_mirror.check()


# ------------------------------------------------------------------ execution


def test_execute_order__later_block_new_price__fills_at_that_price_to_the_wei(
    async_venue, async_mirror, async_trader, keeper
):
    order_id = async_mirror.create(async_trader, WAD, 10_000 * USDC).return_value
    async_mirror.set_price("61000.5")

    receipt = async_mirror.execute(keeper, order_id)

    assert receipt.return_value == FILLED
    fill = async_venue.fill_of(order_id)
    assert fill.oracle_price == wad("61000.5")
    assert fill.exec_price > fill.oracle_price  # a buy pays the spread and the impact
    assert fill.keeper == keeper.address and fill.filled_at == receipt.timestamp
    assert async_venue.orders_in_flight(async_trader) == []
    log = receipt.events.filter(async_venue.OrderExecuted)[0]
    assert (log.order_id, log.exec_price, log.fee, log.size_after) == (order_id, fill.exec_price, fill.fee, WAD)
    async_mirror.check()


def test_execute_order__no_price_since_creation__reverts_and_order_stays_pending(
    async_venue, async_mirror, async_trader, keeper
):
    order_id = async_mirror.create(async_trader, WAD, 10_000 * USDC).return_value
    async_mirror.warp(5)

    assert async_mirror.execute(keeper, order_id) is None  # "venue: price before order", as modelled

    assert async_venue.order(order_id).status == PENDING
    async_mirror.check()


def test_execute_order__price_published_in_the_creation_block_before_the_order__cannot_fill_it(
    chain, async_venue, async_oracle, async_mirror, async_trader, keeper, admin
):
    """A keeper (or anyone who sees the order coming) cannot fill it at a price from its own block
    published ahead of it: the order records the round it was created after."""
    web3 = chain.provider.web3
    order_id = async_venue.next_order_id()
    chain.provider.make_request("evm_setAutomine", [False])
    try:
        price_tx = web3.eth.send_transaction(
            {
                "from": admin.address,
                "to": async_oracle.address,
                "data": async_oracle.set_price.encode_input(answer(59_000)),
                "gas": 1_000_000,
            }
        )
        order_tx = web3.eth.send_transaction(
            {
                "from": async_trader.address,
                "to": async_venue.address,
                "data": async_venue.create_order.encode_input(WAD, 10_000 * USDC, MAX_UINT, EXECUTION_FEE),
                "gas": 1_000_000,
            }
        )
        chain.provider.make_request("evm_mine", [])
    finally:
        chain.provider.make_request("evm_setAutomine", [True])
    price_receipt, order_receipt = (
        web3.eth.get_transaction_receipt(price_tx),
        web3.eth.get_transaction_receipt(order_tx),
    )
    assert price_receipt.blockNumber == order_receipt.blockNumber and order_receipt.status == 1
    assert async_venue.order(order_id).oracle_round == async_oracle.latest_round()

    with ape.reverts("venue: price before order"):
        async_venue.execute_order(order_id, sender=keeper)

    async_oracle.set_price(answer(59_000), sender=admin)  # a round after the order fills it
    assert async_venue.execute_order(order_id, sender=keeper).return_value == FILLED
    assert async_venue.fill_of(order_id).oracle_price == wad(59_000)


def test_execute_order__creation_and_fill_in_one_block__fill_reverts(
    chain, async_venue, async_oracle, async_mirror, async_trader, keeper, admin
):
    web3 = chain.provider.web3
    async_oracle.set_price(answer(60_000), sender=admin)
    next_id = async_venue.next_order_id()
    chain.provider.make_request("evm_setAutomine", [False])
    try:
        calls = [
            (
                async_trader,
                async_venue,
                async_venue.create_order.encode_input(WAD, 10_000 * USDC, MAX_UINT, EXECUTION_FEE),
            ),
            (admin, async_oracle, async_oracle.set_price.encode_input(answer(60_100))),
            (keeper, async_venue, async_venue.execute_order.encode_input(next_id)),
        ]
        hashes = [
            web3.eth.send_transaction({"from": s.address, "to": c.address, "data": d, "gas": 1_000_000})
            for s, c, d in calls
        ]
        chain.provider.make_request("evm_mine", [])
    finally:
        chain.provider.make_request("evm_setAutomine", [True])
    receipts = [web3.eth.get_transaction_receipt(h) for h in hashes]
    assert len({r.blockNumber for r in receipts}) == 1
    assert [r.status for r in receipts] == [1, 1, 0]  # the fill in the creation block reverted
    assert async_venue.order(next_id).status == PENDING  # (the boa machine checks its reason)
    assert async_venue.execute_order(next_id, sender=keeper).return_value == FILLED  # the next block may


def test_execute_order__not_a_venue_keeper__reverts(outsider, async_mirror, async_trader):
    order_id = async_mirror.create(async_trader, WAD, 10_000 * USDC).return_value
    async_mirror.set_price(60_000)
    assert async_mirror.execute(outsider, order_id) is None  # "venue: not keeper"
    with ape.reverts("venue: not keeper"):
        async_mirror.venue.execute_order(order_id, sender=outsider)
    async_mirror.check()


def test_execute_order__stale_price_or_paused__reverts_and_order_stays_pending(
    async_venue, async_mirror, async_trader, keeper, admin
):
    order_id = async_mirror.create(async_trader, WAD, 10_000 * USDC).return_value
    async_mirror.set_price(60_000)
    async_venue.set_trading_paused(True, sender=admin)
    async_mirror.model.trading_paused = True
    with ape.reverts("venue: paused"):
        async_venue.execute_order(order_id, sender=keeper)
    async_venue.set_trading_paused(False, sender=admin)
    async_mirror.model.trading_paused = False
    async_venue.set_order_expiry(7_200, sender=admin)
    async_mirror.model.order_expiry = 7_200
    async_mirror.warp(3_601)  # the round is now older than max_oracle_age
    assert async_mirror.execute(keeper, order_id) is None
    with ape.reverts("venue: stale price"):
        async_venue.execute_order(order_id, sender=keeper)
    assert async_venue.order(order_id).status == PENDING
    async_mirror.set_price(60_000)
    assert async_mirror.execute(keeper, order_id).return_value == FILLED
    async_mirror.check()


# ------------------------------------------------------------------ refusal


def test_execute_order__acceptable_price_missed__refuses_returns_collateral_and_pays_keeper(
    usdc, async_venue, async_mirror, async_trader, keeper
):
    trader_before, keeper_before = usdc.balanceOf(async_trader), usdc.balanceOf(keeper)
    order_id = async_mirror.create(async_trader, WAD, 10_000 * USDC, 60_500 * WAD).return_value
    async_mirror.set_price(61_000)  # the price ran away between creation and fill

    receipt = async_mirror.execute(keeper, order_id)

    assert receipt.return_value == REFUSED
    order = async_venue.order(order_id)
    assert (order.status, order.refusal) == (REFUSED, REFUSED_PRICE)
    assert usdc.balanceOf(async_trader) == trader_before - EXECUTION_FEE  # the collateral came back
    assert usdc.balanceOf(keeper) == keeper_before + EXECUTION_FEE
    assert async_venue.position(async_trader) == (0, 0, 0)
    log = receipt.events.filter(async_venue.OrderRefused)[0]
    assert (log.refusal, log.keeper) == (REFUSED_PRICE, keeper.address)
    assert async_venue.fill_of(order_id).filled_at == 0
    async_mirror.check()


def test_execute_order__sell_below_acceptable_price__refuses(async_venue, async_mirror, async_trader, keeper):
    open_long(async_mirror, async_trader, keeper)
    order_id = async_mirror.create(async_trader, -WAD, 0, 59_000 * WAD).return_value
    async_mirror.set_price(58_000)
    assert async_mirror.execute(keeper, order_id).return_value == REFUSED
    assert async_venue.order(order_id).refusal == REFUSED_PRICE
    async_mirror.check()


def test_execute_order__past_max_leverage__refuses(async_venue, async_mirror, async_trader, keeper):
    # 1,000 USDC of margin cannot carry 1 BTC (60k notional, 60x > 20x)
    order_id = async_mirror.create(async_trader, WAD, 1_000 * USDC).return_value
    async_mirror.set_price(60_000)
    assert async_mirror.execute(keeper, order_id).return_value == REFUSED
    assert async_venue.order(order_id).refusal == REFUSED_MAX_LEVERAGE
    async_mirror.check()


def test_execute_order__book_cannot_fill__refuses_for_liquidity(async_venue, async_mirror, async_trader, keeper, admin):
    async_venue.set_depth(100_000 * WAD, sender=admin)  # 60k of notional moves the price 60 %
    async_mirror.model.params = venue_params(async_venue)
    order_id = async_mirror.create(async_trader, WAD, 900_000 * USDC).return_value
    async_mirror.set_price(60_000)
    assert async_mirror.execute(keeper, order_id).return_value == REFUSED
    assert async_venue.order(order_id).refusal == REFUSED_LIQUIDITY
    async_mirror.check()


def test_execute_order__withdrawal_beyond_free_margin__refuses(async_venue, async_mirror, async_trader, keeper):
    open_long(async_mirror, async_trader, keeper)  # 1 BTC on 10k: 3k of it is initial margin
    order_id = async_mirror.create(async_trader, 0, -8_000 * USDC).return_value
    async_mirror.set_price(60_000)
    assert async_mirror.execute(keeper, order_id).return_value == REFUSED
    assert async_venue.order(order_id).refusal == REFUSED_MARGIN
    async_mirror.check()


def test_execute_order__decrease_with_withdrawal__realises_pnl_and_pays_the_account(
    usdc, async_venue, async_mirror, async_trader, keeper
):
    open_long(async_mirror, async_trader, keeper)
    order_id = async_mirror.create(async_trader, -WAD // 2, -4_000 * USDC).return_value
    async_mirror.set_price(63_000)
    before = usdc.balanceOf(async_trader)

    assert async_mirror.execute(keeper, order_id).return_value == FILLED

    fill = async_venue.fill_of(order_id)
    assert fill.realized_pnl > 0 and fill.collateral_delta == -4_000 * USDC and fill.size_after == WAD // 2
    assert usdc.balanceOf(async_trader) == before + 4_000 * USDC
    async_mirror.check()


# ------------------------------------------------------------------ cancellation and expiry


def test_cancel_order__by_its_account_after_the_delay__returns_collateral_and_fee(
    usdc, async_venue, other_depositor, async_mirror, async_trader
):
    before = usdc.balanceOf(async_trader)
    order_id = async_mirror.create(async_trader, WAD, 10_000 * USDC).return_value
    async_mirror.warp(async_venue.cancel_delay() - 2)
    assert async_mirror.cancel(async_trader, order_id) is None  # "venue: cancel delay"
    assert async_mirror.cancel(other_depositor, order_id) is None  # "venue: not your order"
    async_mirror.warp(2)

    receipt = async_mirror.cancel(async_trader, order_id)

    assert usdc.balanceOf(async_trader) == before
    assert async_venue.order(order_id).status == CANCELLED
    log = receipt.events.filter(async_venue.OrderCancelled)[0]
    assert (log.order_id, log.caller, bool(log.expired)) == (order_id, async_trader.address, False)
    assert async_mirror.cancel(async_trader, order_id) is None  # "venue: no order": closed once
    async_mirror.check()


def test_cancel_order__revert_reasons__as_documented(async_venue, other_depositor, async_mirror, async_trader):
    order_id = async_mirror.create(async_trader, WAD, 10_000 * USDC).return_value
    with ape.reverts("venue: cancel delay"):
        async_venue.cancel_order(order_id, sender=async_trader)
    with ape.reverts("venue: not your order"):
        async_venue.cancel_order(order_id, sender=other_depositor)
    with ape.reverts("venue: no order"):
        async_venue.cancel_order(order_id + 1, sender=async_trader)


def test_order__past_its_window__cannot_fill_and_anyone_closes_it_for_the_fee(
    usdc, async_venue, keeper, outsider, async_mirror, async_trader
):
    before = usdc.balanceOf(async_trader)
    order_id = async_mirror.create(async_trader, WAD, 10_000 * USDC).return_value
    async_mirror.warp(async_venue.order_expiry() + 1)
    async_mirror.set_price(60_000)
    with ape.reverts("venue: expired"):
        async_venue.execute_order(order_id, sender=keeper)
    assert async_mirror.execute(keeper, order_id) is None

    receipt = async_mirror.cancel(outsider, order_id)

    assert async_venue.order(order_id).status == EXPIRED
    assert usdc.balanceOf(async_trader) == before - EXECUTION_FEE
    assert bool(receipt.events.filter(async_venue.OrderCancelled)[0].expired)
    async_mirror.check()


def test_orders_in_flight__one_closed_out_of_turn__last_takes_its_place(
    async_venue, async_mirror, async_trader, keeper
):
    ids = [async_mirror.create(async_trader, WAD // 10, 1_000 * USDC).return_value for _ in range(3)]
    async_mirror.set_price(60_000)
    async_mirror.execute(keeper, ids[0])
    assert [o.order_id for o in async_venue.orders_in_flight(async_trader)] == [ids[2], ids[1]]
    async_mirror.check()


# ------------------------------------------------------------------ funding and liquidation


def test_funding__between_fills__settled_at_the_next_fill_to_the_wei(async_venue, async_mirror, async_trader, keeper):
    open_long(async_mirror, async_trader, keeper)
    async_mirror.set_rate(10**10)  # longs pay 0.0001 %/s of notional
    async_mirror.warp(3_000)
    order_id = async_mirror.create(async_trader, WAD // 10, 1_000 * USDC).return_value
    async_mirror.set_price(60_000)
    owed = async_venue.funding_owed(async_trader)
    assert owed > 0

    receipt = async_mirror.execute(keeper, order_id)

    assert receipt.events.filter(async_venue.FundingSettled)[0].amount > owed  # a block more of it
    assert async_venue.funding_owed(async_trader) == 0
    async_mirror.check()


def test_funding__refused_order__leaves_the_account_unsettled(async_venue, async_mirror, async_trader, keeper):
    open_long(async_mirror, async_trader, keeper)
    async_mirror.set_rate(10**10)
    async_mirror.warp(600)
    order_id = async_mirror.create(async_trader, WAD, 0, 50_000 * WAD).return_value
    async_mirror.set_price(60_000)
    receipt = async_mirror.execute(keeper, order_id)
    assert receipt.return_value == REFUSED
    assert not receipt.events.filter(async_venue.FundingSettled)
    assert async_venue.funding_owed(async_trader) > 0
    async_mirror.check()


def test_liquidate__below_maintenance__closes_position_pays_penalty_and_keeps_orders(
    async_venue, keeper, attacker, async_mirror, async_trader
):
    open_long(async_mirror, async_trader, keeper, size=WAD, margin=3_500 * USDC)
    pending = async_mirror.create(async_trader, WAD // 10, 500 * USDC).return_value
    async_mirror.set_price(60_000)
    assert async_mirror.liquidate(attacker, async_trader) is None  # "venue: healthy"
    async_mirror.set_price(57_500)

    receipt = async_mirror.liquidate(attacker, async_trader)

    assert receipt.return_value > 0
    assert async_venue.position(async_trader)[0] == 0
    assert [o.order_id for o in async_venue.orders_in_flight(async_trader)] == [pending]
    async_mirror.check()


# ------------------------------------------------------------------ owner


def test_owner_knobs__stranger_or_out_of_bounds__revert(async_venue, outsider, admin):
    for setter, value in [
        ("set_min_execution_fee", 0),
        ("set_cancel_delay", 0),
        ("set_order_expiry", 60),
        ("set_depth", WAD),
        ("set_trading_paused", True),
    ]:
        with ape.reverts("venue: not owner"):
            getattr(async_venue, setter)(value, sender=outsider)
    with ape.reverts("venue: not owner"):
        async_venue.set_order_keeper(outsider, True, sender=outsider)
    for setter, value in [
        ("set_order_expiry", 0),
        ("set_order_expiry", 7 * 86_400 + 1),
        ("set_cancel_delay", 7 * 86_400 + 1),
    ]:
        with ape.reverts("venue: bounds"):
            getattr(async_venue, setter)(value, sender=admin)
    async_venue.set_order_keeper(outsider, True, sender=admin)
    assert async_venue.is_order_keeper(outsider)


# ------------------------------------------------------------------ the sync sibling


def test_fill__same_trade_on_the_sync_venue__same_price_fee_and_account(
    usdc, btc_venue, btc_oracle, admin, keeper, other_depositor, async_venue, async_oracle, async_mirror, async_trader
):
    """One accounting, two order flows: a fill here leaves the account exactly as the same trade
    on MockPerpAdapter at the same oracle price does (both venues' default parameters)."""
    usdc.mint(other_depositor, 10_000 * USDC, sender=other_depositor)
    usdc.approve(btc_venue, MAX_UINT, sender=other_depositor)
    btc_venue.deposit(10_000 * USDC, sender=other_depositor)
    order_id = async_venue.create_order(WAD, 10_000 * USDC, MAX_UINT, EXECUTION_FEE, sender=async_trader).return_value
    for oracle in (btc_oracle, async_oracle):
        oracle.set_price(answer("60123.45"), sender=admin)

    traded = btc_venue.trade(WAD, MAX_UINT, sender=other_depositor).events.filter(btc_venue.Traded)[0]
    async_venue.execute_order(order_id, sender=keeper)

    fill = async_venue.fill_of(order_id)
    assert (fill.exec_price, fill.fee, fill.size_after) == (traded.exec_price, traded.fee, traded.size_after)
    assert async_venue.position(async_trader) == btc_venue.position(other_depositor)
    assert async_venue.open_notional(async_trader) == btc_venue.open_notional(other_depositor)
    assert async_venue.equity(async_trader) == btc_venue.equity(other_depositor)
