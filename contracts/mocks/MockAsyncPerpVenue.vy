# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Mock asynchronous perpetual-futures venue
@notice A single-market perp venue whose trades fill later, shaped like GMX v2's market orders,
        with the accounting of its synchronous sibling MockPerpAdapter.vy (cross margin per
        account, oracle x (1 +- (half spread + linear impact)), taker fee, cost-basis positions,
        a cumulative funding index settled on every touch, max leverage on increase,
        liquidation below maintenance margin by anyone).

        The order flow (docs/async-venue.md compares each step with GMX v2 and Synthetix v3):
        - create_order(size_delta, collateral_delta, acceptable_price, execution_fee): the caller
          pays the execution fee (collateral units, at least min_execution_fee: in the collateral,
          not ETH, since a fund holds only the collateral and its requesters pay in it) and, for a
          positive collateral delta, that collateral too, both held by the venue apart from
          margin. A negative collateral delta is withdrawn from margin at the fill.
        - execute_order(order_id), venue keepers only, in a later block than the creation, with
          an oracle round published after the creation (its timestamp not before it) and fresh,
          within order_expiry seconds of the creation. It fills at that round's price, or
          refuses the order (acceptable price missed, no liquidity, max leverage, or not enough
          free margin for the withdrawal): a refused order's collateral goes back to its account.
          Either way the execution fee goes to the keeper. A stale price or paused trading
          reverts instead: the order stays pending.
        - cancel_order(order_id): the order's account, once cancel_delay seconds have passed
          (the fee comes back too); anyone once the order has expired (the fee pays the caller).
        - every fill is recorded per order (fill_of) with its size, prices, fees, time and the
          account's equity at the fill's price right before and right after it.
        Orders are market orders only: no limit or trigger orders, no frozen state, no callbacks.

        Accounting, all exact integers, in the module perp_accounting.vy that MockPerpAdapter.vy
        also initialises (one home for the formulas ltsdk.math mirrors):
        - margin: int256, collateral units; open_notional: int256, WAD USD cost basis.
        - unrealised PnL = floor((size * price - open_notional * WAD) / (WAD * ASSET_SCALE)).
        - funding owed = ceil(size * (index_now - checkpoint) / (WAD * ASSET_SCALE)).
        - equity = margin + unrealised PnL - funding owed; collateral held for orders is not in it.
        The venue is every trader's counterparty and pays profits from its own balance.
        The owner's knobs shared with the sync venue (spread, fee, depth, max leverage, oracle
        age, funding rate, pause) and the account views are the module's, exported here.

        Reverts: "venue: zero order", "venue: execution fee", "venue: too many orders",
        "venue: no order", "venue: not keeper", "venue: same block", "venue: price before order",
        "venue: expired", "venue: stale price", "venue: paused", "venue: not your order",
        "venue: cancel delay", "venue: no position", "venue: healthy", "venue: liquidity" (views),
        "venue: not owner", "venue: bounds".
@custom:kill The owner pauses trading (`set_trading_paused`): no order fills; pending orders can
             still be cancelled and expire, so their collateral can always leave.
"""

from ethereum.ercs import IERC20
from ..interfaces import IAggregatorV3
from ..interfaces import IAsyncPerpVenue
from . import perp_accounting

implements: IAsyncPerpVenue

initializes: perp_accounting

exports: (
    perp_accounting.owner,
    perp_accounting.collateral,
    perp_accounting.oracle,
    perp_accounting.ASSET_SCALE,
    perp_accounting.MARKET,
    perp_accounting.half_spread_bps,
    perp_accounting.taker_fee_bps,
    perp_accounting.depth,
    perp_accounting.max_leverage,
    perp_accounting.maintenance_margin_bps,
    perp_accounting.liquidation_penalty_bps,
    perp_accounting.max_oracle_age,
    perp_accounting.trading_paused,
    perp_accounting.funding_rate_per_second,
    perp_accounting.funding_index,
    perp_accounting.funding_updated_at,
    perp_accounting.equity,
    perp_accounting.position,
    perp_accounting.open_notional,
    perp_accounting.market,
    perp_accounting.mark_price,
    perp_accounting.oracle_price,
    perp_accounting.funding_owed,
    perp_accounting.set_trading_paused,
    perp_accounting.set_half_spread_bps,
    perp_accounting.set_taker_fee_bps,
    perp_accounting.set_depth,
    perp_accounting.set_max_leverage,
    perp_accounting.set_max_oracle_age,
    perp_accounting.set_funding_rate_per_second,
)

MAX_ORDERS_IN_FLIGHT: constant(uint256) = 16

# Order.status
PENDING: constant(uint8) = 1
FILLED: constant(uint8) = 2
REFUSED: constant(uint8) = 3
CANCELLED: constant(uint8) = 4
EXPIRED: constant(uint8) = 5

# Order.refusal
REFUSED_PRICE: constant(uint8) = 1
REFUSED_LIQUIDITY: constant(uint8) = 2
REFUSED_MAX_LEVERAGE: constant(uint8) = 3
REFUSED_MARGIN: constant(uint8) = 4

# hard bounds for the order windows (the module bounds the other knobs)
MAX_WINDOW: constant(uint256) = 7 * 86_400  # seconds: cancel delay and order expiry


event OrderKeeperSet:
    keeper: indexed(address)
    enabled: bool


orders: HashMap[uint256, IAsyncPerpVenue.Order]
fills: HashMap[uint256, IAsyncPerpVenue.Fill]
in_flight: HashMap[address, DynArray[uint256, MAX_ORDERS_IN_FLIGHT]]  # order ids, any order
next_order_id: public(uint256)  # the id the next order gets (ids start at 1)
min_execution_fee: public(uint256)  # collateral units an order must carry for its keeper
cancel_delay: public(uint256)  # seconds after creation before the account may cancel
order_expiry: public(uint256)  # seconds after creation during which an order may be executed
is_order_keeper: public(HashMap[address, bool])


@deploy
def __init__(
    collateral_: address,
    oracle_: address,
    market: String[16],
    collateral_decimals: uint8,
    depth_: uint256,
):
    perp_accounting.__init__(collateral_, oracle_, market, collateral_decimals, depth_)
    self.next_order_id = 1
    # 0.1 collateral unit: about what a keeper spends on gas for one execution on an L2
    self.min_execution_fee = 10 ** convert(collateral_decimals, uint256) // 10
    self.cancel_delay = 300  # GMX v2's request expiration time
    self.order_expiry = 600
    self.is_order_keeper[msg.sender] = True
    log OrderKeeperSet(keeper=msg.sender, enabled=True)


# ---------------------------------------------------------------- orders


@external
def create_order(
    size_delta: int256, collateral_delta: int256, acceptable_price: uint256, execution_fee: uint256
) -> uint256:
    """
    @notice Create a market order for the caller's account: trade `size_delta` (WAD units, + buys,
            - sells) at no worse than `acceptable_price` (WAD) and move `collateral_delta`
            (collateral units: > 0 paid in now and added to margin at the fill, < 0 withdrawn from
            margin at the fill and paid to the account). The caller pays `execution_fee`
            (collateral units, >= min_execution_fee) now, plus any positive collateral delta.
    @return The order id.
    """
    assert size_delta != 0 or collateral_delta != 0, "venue: zero order"
    # min_value(int256) has no magnitude in int256: such an order could be neither valued nor closed
    assert size_delta != min_value(int256) and collateral_delta != min_value(int256), "venue: bounds"
    assert execution_fee >= self.min_execution_fee, "venue: execution fee"
    assert len(self.in_flight[msg.sender]) < MAX_ORDERS_IN_FLIGHT, "venue: too many orders"
    round_id: uint80 = 0
    answer: int256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    answered_in_round: uint80 = 0
    round_id, answer, started_at, updated_at, answered_in_round = staticcall IAggregatorV3(perp_accounting.oracle).latestRoundData()
    order_id: uint256 = self.next_order_id
    self.next_order_id = order_id + 1
    self.orders[order_id] = IAsyncPerpVenue.Order(
        account=msg.sender,
        size_delta=size_delta,
        collateral_delta=collateral_delta,
        acceptable_price=acceptable_price,
        execution_fee=execution_fee,
        created_at=block.timestamp,
        created_block=block.number,
        oracle_round=round_id,
        status=PENDING,
        refusal=0,
    )
    self.in_flight[msg.sender].append(order_id)
    paid_in: uint256 = execution_fee + self._reserved(collateral_delta)
    if paid_in > 0:
        assert extcall IERC20(perp_accounting.collateral).transferFrom(msg.sender, self, paid_in, default_return_value=True)
    log IAsyncPerpVenue.OrderCreated(
        order_id=order_id,
        account=msg.sender,
        size_delta=size_delta,
        collateral_delta=collateral_delta,
        acceptable_price=acceptable_price,
        execution_fee=execution_fee,
    )
    return order_id


@external
def cancel_order(order_id: uint256):
    """
    @notice Close a pending order without a fill. Its account may, once `cancel_delay` seconds
            have passed since creation: the reserved collateral and the execution fee go back to
            it. Anyone may once the order has expired (more than `order_expiry` seconds): the
            collateral goes back to the account and the execution fee pays the caller.
    """
    o: IAsyncPerpVenue.Order = self._pending(order_id)
    expired: bool = block.timestamp > o.created_at + self.order_expiry
    if expired:
        o.status = EXPIRED
    else:
        assert msg.sender == o.account, "venue: not your order"
        assert block.timestamp >= o.created_at + self.cancel_delay, "venue: cancel delay"
        o.status = CANCELLED
    self._close(order_id, o)
    self._pay(o.account, self._reserved(o.collateral_delta))
    self._pay(msg.sender, o.execution_fee)
    log IAsyncPerpVenue.OrderCancelled(order_id=order_id, account=o.account, caller=msg.sender, expired=expired)


# ---------------------------------------------------------------- venue keeper


@external
def execute_order(order_id: uint256) -> uint8:
    """
    @notice Fill or refuse a pending order at the current oracle price (venue keepers only). The
            price must come from an oracle round published after the order's creation, in a later
            block, within the order's window. A fill moves the collateral, trades, checks max
            leverage on an increase and the free margin for a withdrawal, and records the fill;
            a refusal returns the reserved collateral. The execution fee goes to the keeper.
    @return FILLED (2) or REFUSED (3).
    """
    assert self.is_order_keeper[msg.sender], "venue: not keeper"
    o: IAsyncPerpVenue.Order = self._pending(order_id)
    assert block.number > o.created_block, "venue: same block"
    assert block.timestamp <= o.created_at + self.order_expiry, "venue: expired"
    assert not perp_accounting.trading_paused, "venue: paused"
    round_id: uint80 = 0
    answer: int256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    answered_in_round: uint80 = 0
    round_id, answer, started_at, updated_at, answered_in_round = staticcall IAggregatorV3(perp_accounting.oracle).latestRoundData()
    assert round_id > o.oracle_round and updated_at >= o.created_at, "venue: price before order"
    price: uint256 = perp_accounting._fresh_price()

    # funding accrues to now either way; the account is settled and stored only by a fill
    index: int256 = perp_accounting._update_funding_index()
    owed: int256 = perp_accounting._funding_owed(perp_accounting.accounts[o.account], index)
    acc: perp_accounting.Account = perp_accounting._settle(perp_accounting.accounts[o.account], index)
    equity_before: int256 = perp_accounting._equity_of(acc, price, index)
    acc.margin += convert(self._reserved(o.collateral_delta), int256)
    exec_price: uint256 = 0
    fee: uint256 = 0
    realized: int256 = 0
    refusal: uint8 = 0
    if o.size_delta != 0:
        fillable: bool = False
        exec_price, fee, fillable = perp_accounting._quote(o.size_delta, price, False)
        if not fillable:
            refusal = REFUSED_LIQUIDITY
        if refusal == 0 and not self._acceptable(o.size_delta, exec_price, o.acceptable_price):
            refusal = REFUSED_PRICE
        if refusal == 0:
            size_before: int256 = acc.size
            acc, realized = perp_accounting._apply_trade(acc, o.size_delta, exec_price, fee)
            if abs(acc.size) > abs(size_before) and not perp_accounting._within_max_leverage(acc, price, index):
                refusal = REFUSED_MAX_LEVERAGE
    withdrawn: uint256 = self._withdrawn(o.collateral_delta)
    if refusal == 0 and withdrawn > perp_accounting._free_margin(acc, price, index):
        refusal = REFUSED_MARGIN

    if refusal != 0:
        o.status = REFUSED
        o.refusal = refusal
        self._close(order_id, o)
        self._pay(o.account, self._reserved(o.collateral_delta))
        self._pay(msg.sender, o.execution_fee)
        log IAsyncPerpVenue.OrderRefused(
            order_id=order_id, account=o.account, keeper=msg.sender, refusal=refusal, exec_price=exec_price
        )
        return REFUSED

    if owed != 0:
        log perp_accounting.FundingSettled(account=o.account, amount=owed)
    acc.margin -= convert(withdrawn, int256)
    perp_accounting.accounts[o.account] = acc
    o.status = FILLED
    self._close(order_id, o)
    self.fills[order_id] = IAsyncPerpVenue.Fill(
        size_delta=o.size_delta,
        exec_price=exec_price,
        oracle_price=price,
        fee=fee,
        execution_fee=o.execution_fee,
        realized_pnl=realized,
        collateral_delta=o.collateral_delta,
        size_after=acc.size,
        filled_at=block.timestamp,
        keeper=msg.sender,
        equity_before=equity_before,
        equity_after=perp_accounting._equity_of(acc, price, index),
    )
    self._pay(o.account, withdrawn)
    self._pay(msg.sender, o.execution_fee)
    log IAsyncPerpVenue.OrderExecuted(
        order_id=order_id,
        account=o.account,
        keeper=msg.sender,
        size_delta=o.size_delta,
        exec_price=exec_price,
        fee=fee,
        realized_pnl=realized,
        size_after=acc.size,
    )
    return FILLED


@external
def liquidate(account: address) -> uint256:
    """
    @notice Anyone may close `account`'s position at the oracle price once its equity is below
            the maintenance margin; the caller earns a penalty from the remaining margin, at
            most what the venue holds (perp_accounting._liquidate says why; that balance here
            includes the collateral and fees held for orders in flight). The account's orders
            in flight stay pending (their collateral is not margin).
    @return The penalty paid to the caller (collateral base units).
    """
    size: int256 = 0
    price: uint256 = 0
    penalty: uint256 = 0
    size, price, penalty = perp_accounting._liquidate(account)
    self._pay(msg.sender, penalty)
    log IAsyncPerpVenue.Liquidated(account=account, liquidator=msg.sender, size=size, price=price, penalty=penalty)
    return penalty


# ---------------------------------------------------------------- views


@external
@view
def is_async() -> bool:
    """
    @notice The venue's kind: orders fill later, executed by a venue keeper.
    """
    return True


@external
@view
def order(order_id: uint256) -> IAsyncPerpVenue.Order:
    """
    @notice The order's record, whatever its status (status 0: no such order).
    """
    return self.orders[order_id]


@external
@view
def fill_of(order_id: uint256) -> IAsyncPerpVenue.Fill:
    """
    @notice What the venue recorded when it filled `order_id` (all zero unless it was filled).
    """
    return self.fills[order_id]


@external
@view
def orders_in_flight(account: address) -> DynArray[IAsyncPerpVenue.InFlightOrder, MAX_ORDERS_IN_FLIGHT]:
    """
    @notice `account`'s pending orders, oldest first unless one was closed out of turn: id, size
            delta, collateral held for it, collateral its fill is to withdraw, execution fee held,
            acceptable price, creation time and the last second it may be executed.
    """
    result: DynArray[IAsyncPerpVenue.InFlightOrder, MAX_ORDERS_IN_FLIGHT] = []
    for order_id: uint256 in self.in_flight[account]:
        o: IAsyncPerpVenue.Order = self.orders[order_id]
        result.append(
            IAsyncPerpVenue.InFlightOrder(
                order_id=order_id,
                size_delta=o.size_delta,
                reserved_collateral=self._reserved(o.collateral_delta),
                collateral_to_withdraw=self._withdrawn(o.collateral_delta),
                execution_fee=o.execution_fee,
                acceptable_price=o.acceptable_price,
                created_at=o.created_at,
                expires_at=o.created_at + self.order_expiry,
            )
        )
    return result


@external
@view
def account_snapshot(account: address) -> IAsyncPerpVenue.AccountSnapshot:
    """
    @notice Everything a fund reads before acting, in one call: the sync venue's snapshot (size,
            equity at the oracle price, that price, whether the venue fills on it, its
            updated_at, margin) and the totals of its orders in flight.
    """
    price: uint256 = 0
    updated_at: uint256 = 0
    fresh: bool = False
    price, updated_at, fresh = perp_accounting._read_oracle()
    acc: perp_accounting.Account = perp_accounting.accounts[account]
    pending_size: int256 = 0
    reserved: uint256 = 0
    fees: uint256 = 0
    for order_id: uint256 in self.in_flight[account]:
        o: IAsyncPerpVenue.Order = self.orders[order_id]
        pending_size += o.size_delta
        reserved += self._reserved(o.collateral_delta)
        fees += o.execution_fee
    return IAsyncPerpVenue.AccountSnapshot(
        size=acc.size,
        equity=perp_accounting._equity_of(acc, price, perp_accounting._index_now(price)),
        price=price,
        fresh=fresh,
        updated_at=updated_at,
        margin=acc.margin,
        pending_size_delta=pending_size,
        reserved_collateral=reserved,
        execution_fees=fees,
        orders_in_flight=len(self.in_flight[account]),
    )

@external
@view
def quote_trade(account: address, size_delta: int256) -> (uint256, uint256):
    """
    @notice Execution price (WAD) and taker fee (collateral units) of `size_delta` at the current
            oracle price: what a fill at this price would cost. Reverts "venue: liquidity" where
            the book cannot fill it.
    """
    exec_price: uint256 = 0
    fee: uint256 = 0
    filled: bool = False
    exec_price, fee, filled = perp_accounting._quote(size_delta, perp_accounting._price_unchecked(), True)
    return exec_price, fee


# ---------------------------------------------------------------- owner: knobs and fault injection


@external
def set_order_keeper(keeper: address, enabled: bool):
    perp_accounting._only_owner()
    self.is_order_keeper[keeper] = enabled
    log OrderKeeperSet(keeper=keeper, enabled=enabled)

@external
def set_min_execution_fee(new_value: uint256):
    """
    @notice The execution fee (collateral units) a new order must carry; pending orders keep theirs.
    """
    perp_accounting._only_owner()
    self.min_execution_fee = new_value
    log perp_accounting.ParameterSet(name="min_execution_fee", value=convert(new_value, int256))


@external
def set_cancel_delay(new_value: uint256):
    perp_accounting._only_owner()
    assert new_value <= MAX_WINDOW, "venue: bounds"
    self.cancel_delay = new_value
    log perp_accounting.ParameterSet(name="cancel_delay", value=convert(new_value, int256))


@external
def set_order_expiry(new_value: uint256):
    """
    @notice Seconds after creation during which an order may be executed; applies to pending
            orders too (their expiry is read at execution and cancellation).
    """
    perp_accounting._only_owner()
    assert new_value > 0 and new_value <= MAX_WINDOW, "venue: bounds"
    self.order_expiry = new_value
    log perp_accounting.ParameterSet(name="order_expiry", value=convert(new_value, int256))


# ---------------------------------------------------------------- internals: orders


@internal
@view
def _pending(order_id: uint256) -> IAsyncPerpVenue.Order:
    o: IAsyncPerpVenue.Order = self.orders[order_id]
    assert o.status == PENDING, "venue: no order"
    return o


@internal
def _close(order_id: uint256, o: IAsyncPerpVenue.Order):
    """
    @dev Store the order's final record and take it out of its account's orders in flight
         (swap with the last, then pop).
    """
    self.orders[order_id] = o
    ids: DynArray[uint256, MAX_ORDERS_IN_FLIGHT] = self.in_flight[o.account]
    last: uint256 = len(ids) - 1
    for i: uint256 in range(MAX_ORDERS_IN_FLIGHT):
        if ids[i] == order_id:
            ids[i] = ids[last]
            break
    ids.pop()
    self.in_flight[o.account] = ids


@internal
@pure
def _reserved(collateral_delta: int256) -> uint256:
    """
    @dev The collateral an order carries in (its positive collateral delta), collateral units.
    """
    if collateral_delta > 0:
        return convert(collateral_delta, uint256)
    return 0


@internal
@pure
def _withdrawn(collateral_delta: int256) -> uint256:
    """
    @dev The collateral an order's fill withdraws from margin (its negative collateral delta).
    """
    if collateral_delta < 0:
        return convert(-collateral_delta, uint256)
    return 0


@internal
@pure
def _acceptable(size_delta: int256, exec_price: uint256, acceptable_price: uint256) -> bool:
    if size_delta > 0:
        return exec_price <= acceptable_price
    return exec_price >= acceptable_price


@internal
def _pay(receiver: address, amount: uint256):
    if amount > 0:
        assert extcall IERC20(perp_accounting.collateral).transfer(receiver, amount, default_return_value=True)
