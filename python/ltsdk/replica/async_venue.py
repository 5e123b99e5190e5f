"""The asynchronous mock venue's stateful replica: MockAsyncPerpVenue.vy's orders (creation, a venue
keeper's fill or refusal, cancellation, expiry) over the sync replica's accounts, funding clock and
liquidations (ltsdk.replica.venue.Venue) and the formulas of ltsdk.math, raising ModelRevert where
the contract reverts.

Each state change takes the block's timestamp (`now`) and number (`block`) and records every
collateral transfer the contract makes in `transfers` (address -> net collateral units received
from the venue; paid in is negative), so a test can hold every wallet to the wei.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ltsdk.errors import ModelRevert
from ltsdk.math import Account, apply_trade, equity, funding_owed, quote, settle
from ltsdk.replica.venue import Venue
from ltsdk.units import MIN_INT256

MAX_ORDERS_IN_FLIGHT = 16  # MockAsyncPerpVenue.MAX_ORDERS_IN_FLIGHT

# Order.status
PENDING, FILLED, REFUSED, CANCELLED, EXPIRED = 1, 2, 3, 4, 5
# Order.refusal
REFUSED_PRICE, REFUSED_LIQUIDITY, REFUSED_MAX_LEVERAGE, REFUSED_MARGIN = 1, 2, 3, 4


@dataclass
class Order:
    """IAsyncPerpVenue.Order."""

    account: str
    size_delta: int  # WAD units of underlying
    collateral_delta: int  # collateral units: > 0 paid in at creation, < 0 withdrawn at the fill
    acceptable_price: int  # WAD
    execution_fee: int  # collateral units
    created_at: int
    created_block: int
    oracle_round: int
    status: int = PENDING
    refusal: int = 0

    @property
    def reserved(self) -> int:
        """Collateral held by the venue for the order (MockAsyncPerpVenue._reserved)."""
        return max(self.collateral_delta, 0)

    @property
    def withdrawn(self) -> int:
        """Collateral the fill withdraws from margin (MockAsyncPerpVenue._withdrawn)."""
        return max(-self.collateral_delta, 0)


@dataclass(frozen=True)
class Fill:
    """IAsyncPerpVenue.Fill."""

    size_delta: int
    exec_price: int
    oracle_price: int
    fee: int
    execution_fee: int
    realized_pnl: int
    collateral_delta: int
    size_after: int
    filled_at: int
    keeper: str
    equity_before: int  # equity at oracle_price right before the order, funding settled
    equity_after: int  # the same right after the fill


@dataclass
class AsyncVenue(Venue):
    """MockAsyncPerpVenue: one market, every account and every order, at the oracle price and
    round the caller publishes (`set_price`)."""

    oracle_round: int = 1  # the oracle's latest round id
    min_execution_fee: int = 0
    cancel_delay: int = 300
    order_expiry: int = 600
    next_order_id: int = 1
    keepers: set[str] = field(default_factory=set)
    orders: dict[int, Order] = field(default_factory=dict)
    fills: dict[int, Fill] = field(default_factory=dict)
    in_flight: dict[str, list[int]] = field(default_factory=dict)  # the contract's order of ids
    transfers: dict[str, int] = field(default_factory=dict)

    # ------------------------------------------------------------ oracle

    def set_price(self, price: int, now: int) -> None:
        """MockOracle.set_price: a new round at `now`."""
        super().set_price(price, now)
        self.oracle_round += 1

    # ------------------------------------------------------------ orders

    def create_order(
        self,
        account: str,
        size_delta: int,
        collateral_delta: int,
        acceptable_price: int,
        execution_fee: int,
        now: int,
        block: int,
    ) -> int:
        """MockAsyncPerpVenue.create_order -> the order id."""
        if size_delta == 0 and collateral_delta == 0:
            raise ModelRevert("venue: zero order")
        if MIN_INT256 in (size_delta, collateral_delta):
            raise ModelRevert("venue: bounds")
        if execution_fee < self.min_execution_fee:
            raise ModelRevert("venue: execution fee")
        ids = self.in_flight.setdefault(account, [])
        if len(ids) >= MAX_ORDERS_IN_FLIGHT:
            raise ModelRevert("venue: too many orders")
        order_id = self.next_order_id
        self.next_order_id += 1
        order = Order(
            account, size_delta, collateral_delta, acceptable_price, execution_fee, now, block, self.oracle_round
        )
        self.orders[order_id] = order
        ids.append(order_id)
        self._pay(account, -(execution_fee + order.reserved))
        return order_id

    def cancel_order(self, caller: str, order_id: int, now: int) -> None:
        """MockAsyncPerpVenue.cancel_order."""
        order = self._pending(order_id)
        expired = now > order.created_at + self.order_expiry
        if expired:
            order.status = EXPIRED
        else:
            if caller != order.account:
                raise ModelRevert("venue: not your order")
            if now < order.created_at + self.cancel_delay:
                raise ModelRevert("venue: cancel delay")
            order.status = CANCELLED
        self._close(order_id, order)
        self._pay(order.account, order.reserved)
        self._pay(caller, order.execution_fee)

    def execute_order(self, keeper: str, order_id: int, now: int, block: int) -> int:
        """MockAsyncPerpVenue.execute_order -> FILLED or REFUSED."""
        if keeper not in self.keepers:
            raise ModelRevert("venue: not keeper")
        order = self._pending(order_id)
        if block <= order.created_block:
            raise ModelRevert("venue: same block")
        if now > order.created_at + self.order_expiry:
            raise ModelRevert("venue: expired")
        if self.trading_paused:
            raise ModelRevert("venue: paused")
        if self.oracle_round <= order.oracle_round or self.updated_at < order.created_at:
            raise ModelRevert("venue: price before order")
        if not self.fresh(now):
            raise ModelRevert("venue: stale price")
        price = self.price
        index = self._update_index(now)
        before = self.accounts.get(order.account, Account())
        owed = funding_owed(before, index, self.params.asset_scale)
        acc = settle(before, index, self.params.asset_scale)
        equity_before = equity(acc, price, index, self.params.asset_scale)
        acc = replace(acc, margin=acc.margin + order.reserved)
        exec_price = fee = realized = 0
        refusal = 0
        if order.size_delta != 0:
            try:
                exec_price, fee = quote(order.size_delta, price, self.params)
            except ModelRevert:
                refusal = REFUSED_LIQUIDITY
            if refusal == 0 and not _acceptable(order.size_delta, exec_price, order.acceptable_price):
                refusal = REFUSED_PRICE
            if refusal == 0:
                size_before = acc.size
                acc, realized = apply_trade(acc, order.size_delta, exec_price, fee, self.params.asset_scale)
                if abs(acc.size) > abs(size_before) and not self._within_max_leverage(acc, index):
                    refusal = REFUSED_MAX_LEVERAGE
        if refusal == 0 and order.withdrawn > self._free_margin(acc, index):
            refusal = REFUSED_MARGIN

        if refusal:
            order.status, order.refusal = REFUSED, refusal
            self._close(order_id, order)
            self._pay(order.account, order.reserved)
            self._pay(keeper, order.execution_fee)
            return REFUSED

        self.funding_paid[order.account] = self.funding_paid.get(order.account, 0) + owed
        self.fees_paid[order.account] = self.fees_paid.get(order.account, 0) + fee
        acc = replace(acc, margin=acc.margin - order.withdrawn)
        self.accounts[order.account] = acc
        order.status = FILLED
        self._close(order_id, order)
        self.fills[order_id] = Fill(
            size_delta=order.size_delta,
            exec_price=exec_price,
            oracle_price=price,
            fee=fee,
            execution_fee=order.execution_fee,
            realized_pnl=realized,
            collateral_delta=order.collateral_delta,
            size_after=acc.size,
            filled_at=now,
            keeper=keeper,
            equity_before=equity_before,
            equity_after=equity(acc, price, index, self.params.asset_scale),
        )
        self._pay(order.account, order.withdrawn)
        self._pay(keeper, order.execution_fee)
        return FILLED

    def liquidate_by(self, liquidator: str, account: str, now: int, cash: int | None = None) -> int:
        """MockAsyncPerpVenue.liquidate -> the penalty, paid to `liquidator`; capped at `cash`, the
        collateral the venue holds, orders' included, as Venue.liquidate (None means enough)."""
        penalty = self.liquidate(account, now, cash)
        self._pay(liquidator, penalty)
        return penalty

    # ------------------------------------------------------------ views

    def orders_in_flight(self, account: str) -> list[tuple]:
        """MockAsyncPerpVenue.orders_in_flight, as tuples in IAsyncPerpVenue.InFlightOrder's order."""
        return [
            (
                order_id,
                o.size_delta,
                o.reserved,
                o.withdrawn,
                o.execution_fee,
                o.acceptable_price,
                o.created_at,
                o.created_at + self.order_expiry,
            )
            for order_id in self.in_flight.get(account, [])
            for o in [self.orders[order_id]]
        ]

    def account_snapshot(self, account: str, now: int) -> tuple:
        """MockAsyncPerpVenue.account_snapshot, as a tuple in IAsyncPerpVenue.AccountSnapshot's order."""
        acc = self.accounts.get(account, Account())
        pending = [self.orders[i] for i in self.in_flight.get(account, [])]
        return (
            acc.size,
            self.equity(account, now),
            self.price,
            self.fresh(now),
            self.updated_at,
            acc.margin,
            sum(o.size_delta for o in pending),
            sum(o.reserved for o in pending),
            sum(o.execution_fee for o in pending),
            len(pending),
        )

    # ------------------------------------------------------------ internals

    def _pending(self, order_id: int) -> Order:
        order = self.orders.get(order_id)
        if order is None or order.status != PENDING:
            raise ModelRevert("venue: no order")
        return order

    def _close(self, order_id: int, order: Order) -> None:
        """MockAsyncPerpVenue._close: swap the id with the last in flight, then pop."""
        ids = self.in_flight[order.account]
        position = ids.index(order_id)
        ids[position] = ids[-1]
        ids.pop()

    def _pay(self, receiver: str, amount: int) -> None:
        if amount:
            self.transfers[receiver] = self.transfers.get(receiver, 0) + amount


def _acceptable(size_delta: int, exec_price: int, acceptable_price: int) -> bool:
    """MockAsyncPerpVenue._acceptable: a buy at no more, a sell at no less than the acceptable price."""
    return exec_price <= acceptable_price if size_delta > 0 else exec_price >= acceptable_price
