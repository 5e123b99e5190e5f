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
        - every fill is recorded per order (fill_of) with its size, prices, fees and time.
        Orders are market orders only: no limit or trigger orders, no frozen state, no callbacks.

        Accounting, all exact integers, as MockPerpAdapter.vy (whose formulas ltsdk.math mirrors):
        - margin: int256, collateral units; open_notional: int256, WAD USD cost basis.
        - unrealised PnL = floor((size * price - open_notional * WAD) / (WAD * ASSET_SCALE)).
        - funding owed = ceil(size * (index_now - checkpoint) / (WAD * ASSET_SCALE)).
        - equity = margin + unrealised PnL - funding owed; collateral held for orders is not in it.
        The venue is every trader's counterparty and pays profits from its own balance.
        The accounting internals below repeat MockPerpAdapter's line for line (that contract was
        not to change with this one; moving both onto one module is the follow-up); both are held
        to the same formulas of ltsdk.math to the wei by their tests, and one test fills the same
        trade on both, so they cannot drift apart unnoticed.

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
from .. import constants
from .. import signed_math

implements: IAsyncPerpVenue

WAD: constant(uint256) = constants.WAD
BPS: constant(uint256) = constants.BPS
IWAD: constant(int256) = 10**18

# an account's orders in flight at once (the interface's DynArray bound says the same)
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

# hard bounds for the owner's knobs (the sync venue's, and the order windows')
MAX_HALF_SPREAD_BPS: constant(uint256) = 500
MAX_TAKER_FEE_BPS: constant(uint256) = 500
MAX_FUNDING_RATE_PER_SECOND: constant(int256) = 10**13  # WAD: 0.001 %/s
MIN_MAX_LEVERAGE: constant(uint256) = 10**18
MAX_MAX_LEVERAGE: constant(uint256) = 100 * 10**18
MAX_WINDOW: constant(uint256) = 7 * 86_400  # seconds: cancel delay and order expiry
# a single trade may not move the price by half or more: beyond that the book is exhausted
MAX_PREMIUM: constant(uint256) = WAD // 2


event ParameterSet:
    name: String[32]
    value: int256

event TradingPaused:
    paused: bool

event OrderKeeperSet:
    keeper: indexed(address)
    enabled: bool

event FundingSettled:
    account: indexed(address)
    amount: int256  # collateral units taken from margin (< 0: credited)


struct Account:
    margin: int256  # collateral base units
    size: int256  # WAD units of underlying, long > 0
    open_notional: int256  # WAD USD cost basis, same sign as size
    funding_checkpoint: int256  # funding index (WAD USD per unit) at last settlement


owner: public(immutable(address))
collateral: public(immutable(address))
oracle: public(immutable(address))
ASSET_SCALE: public(immutable(uint256))  # 10**(18 - collateral decimals)
ORACLE_SCALE: immutable(uint256)  # 10**(18 - feed decimals)
MARKET: public(immutable(String[16]))

accounts: HashMap[address, Account]

orders: HashMap[uint256, IAsyncPerpVenue.Order]
fills: HashMap[uint256, IAsyncPerpVenue.Fill]
in_flight: HashMap[address, DynArray[uint256, MAX_ORDERS_IN_FLIGHT]]  # order ids, any order
next_order_id: public(uint256)  # the id the next order gets (ids start at 1)

half_spread_bps: public(uint256)
taker_fee_bps: public(uint256)
depth: public(uint256)  # WAD USD: a trade of this notional moves the price by 100 %
max_leverage: public(uint256)  # WAD; initial margin = 1 / max_leverage
maintenance_margin_bps: public(uint256)
liquidation_penalty_bps: public(uint256)
max_oracle_age: public(uint256)  # seconds
trading_paused: public(bool)

funding_rate_per_second: public(int256)  # WAD fraction of notional per second; longs pay when > 0
funding_index: public(int256)  # WAD USD per unit of underlying, cumulative
funding_updated_at: public(uint256)

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
    owner = msg.sender
    collateral = collateral_
    oracle = oracle_
    MARKET = market
    ASSET_SCALE = 10 ** convert(18 - collateral_decimals, uint256)
    ORACLE_SCALE = 10 ** convert(18 - staticcall IAggregatorV3(oracle_).decimals(), uint256)
    self.half_spread_bps = 2
    self.taker_fee_bps = 5
    self.depth = depth_
    self.max_leverage = 20 * WAD
    self.maintenance_margin_bps = 250
    self.liquidation_penalty_bps = 100
    self.max_oracle_age = 3600
    self.funding_updated_at = block.timestamp
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
    round_id, answer, started_at, updated_at, answered_in_round = staticcall IAggregatorV3(oracle).latestRoundData()
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
        assert extcall IERC20(collateral).transferFrom(msg.sender, self, paid_in, default_return_value=True)
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
    assert not self.trading_paused, "venue: paused"
    round_id: uint80 = 0
    answer: int256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    answered_in_round: uint80 = 0
    round_id, answer, started_at, updated_at, answered_in_round = staticcall IAggregatorV3(oracle).latestRoundData()
    assert round_id > o.oracle_round and updated_at >= o.created_at, "venue: price before order"
    price: uint256 = self._fresh_price()

    # funding accrues to now either way; the account is settled and stored only by a fill
    index: int256 = self._update_funding_index()
    owed: int256 = self._funding_owed(self.accounts[o.account], index)
    acc: Account = self._settle(self.accounts[o.account], index)
    acc.margin += convert(self._reserved(o.collateral_delta), int256)
    exec_price: uint256 = 0
    fee: uint256 = 0
    realized: int256 = 0
    refusal: uint8 = 0
    if o.size_delta != 0:
        exec_price, fee, refusal = self._quote_or_refuse(o.size_delta, price)
        if refusal == 0 and not self._acceptable(o.size_delta, exec_price, o.acceptable_price):
            refusal = REFUSED_PRICE
        if refusal == 0:
            size_before: int256 = acc.size
            acc, realized = self._apply_trade(acc, o.size_delta, exec_price, fee)
            if abs(acc.size) > abs(size_before) and not self._within_max_leverage(acc, price, index):
                refusal = REFUSED_MAX_LEVERAGE
    withdrawn: uint256 = self._withdrawn(o.collateral_delta)
    if refusal == 0 and withdrawn > self._free_margin(acc, price, index):
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
        log FundingSettled(account=o.account, amount=owed)
    acc.margin -= convert(withdrawn, int256)
    self.accounts[o.account] = acc
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
            the maintenance margin; the caller earns a penalty from the remaining margin. The
            account's orders in flight stay pending (their collateral is not margin).
    @return The penalty paid to the caller (collateral base units).
    """
    price: uint256 = self._fresh_price()
    acc: Account = self._settled(account)
    assert acc.size != 0, "venue: no position"
    notional: uint256 = self._notional_assets(acc.size, price)
    equity: int256 = self._equity_of(acc, price, self.funding_index)
    maintenance: uint256 = notional * self.maintenance_margin_bps // BPS
    assert equity < convert(maintenance, int256), "venue: healthy"
    size: int256 = acc.size
    realized: int256 = 0
    acc, realized = self._apply_trade(acc, -size, price, 0)
    penalty: uint256 = 0
    if acc.margin > 0:
        penalty = min(convert(acc.margin, uint256), notional * self.liquidation_penalty_bps // BPS)
        acc.margin -= convert(penalty, int256)
    self.accounts[account] = acc
    self._pay(msg.sender, penalty)
    log IAsyncPerpVenue.Liquidated(account=account, liquidator=msg.sender, size=size, price=price, penalty=penalty)
    return penalty


# ---------------------------------------------------------------- views


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
    price, updated_at, fresh = self._read_oracle()
    acc: Account = self.accounts[account]
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
        equity=self._equity_of(acc, price, self._index_now(price)),
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
def equity(account: address) -> int256:
    """
    @notice Margin + unrealised PnL - funding owed, at the latest oracle price (collateral units).
            Collateral held for orders in flight is not in it.
    """
    price: uint256 = self._price_unchecked()
    return self._equity_of(self.accounts[account], price, self._index_now(price))


@external
@view
def position(account: address) -> (int256, uint256, int256):
    """
    @notice (size WAD signed, average entry price WAD, margin in collateral units).
    """
    acc: Account = self.accounts[account]
    entry: uint256 = 0
    if acc.size != 0:
        entry = convert(acc.open_notional * IWAD // acc.size, uint256)
    return acc.size, entry, acc.margin


@external
@view
def open_notional(account: address) -> int256:
    return self.accounts[account].open_notional


@external
@view
def funding_owed(account: address) -> int256:
    """
    @notice Funding the account owes now and has not settled (collateral units, < 0: receives).
    """
    return self._funding_owed(self.accounts[account], self._index_now(self._price_unchecked()))


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
    refusal: uint8 = 0
    exec_price, fee, refusal = self._quote_or_refuse(size_delta, self._price_unchecked())
    assert refusal == 0, "venue: liquidity"
    return exec_price, fee


@external
@view
def market() -> String[16]:
    """
    @notice The market's name, "{UNDERLYING}-PERP".
    """
    return MARKET


@external
@view
def mark_price() -> uint256:
    """
    @notice The oracle price in WAD; reverts "venue: stale price" if it is older than
            `max_oracle_age`, not positive, or from an incomplete round.
    """
    return self._fresh_price()


@external
@view
def oracle_price() -> (uint256, uint256, bool):
    """
    @notice (price WAD, updated_at, usable) without reverting.
    """
    price: uint256 = 0
    updated_at: uint256 = 0
    ok: bool = False
    price, updated_at, ok = self._read_oracle()
    return price, updated_at, ok


# ---------------------------------------------------------------- owner: knobs and fault injection


@external
def set_order_keeper(keeper: address, enabled: bool):
    self._only_owner()
    self.is_order_keeper[keeper] = enabled
    log OrderKeeperSet(keeper=keeper, enabled=enabled)


@external
def set_trading_paused(paused: bool):
    self._only_owner()
    self.trading_paused = paused
    log TradingPaused(paused=paused)


@external
def set_half_spread_bps(new_value: uint256):
    self._only_owner()
    assert new_value <= MAX_HALF_SPREAD_BPS, "venue: bounds"
    self.half_spread_bps = new_value
    log ParameterSet(name="half_spread_bps", value=convert(new_value, int256))


@external
def set_taker_fee_bps(new_value: uint256):
    self._only_owner()
    assert new_value <= MAX_TAKER_FEE_BPS, "venue: bounds"
    self.taker_fee_bps = new_value
    log ParameterSet(name="taker_fee_bps", value=convert(new_value, int256))


@external
def set_depth(new_value: uint256):
    self._only_owner()
    assert new_value > 0, "venue: bounds"
    self.depth = new_value
    log ParameterSet(name="depth", value=convert(new_value, int256))


@external
def set_max_leverage(new_value: uint256):
    self._only_owner()
    assert new_value >= MIN_MAX_LEVERAGE and new_value <= MAX_MAX_LEVERAGE, "venue: bounds"
    self.max_leverage = new_value
    log ParameterSet(name="max_leverage", value=convert(new_value, int256))


@external
def set_max_oracle_age(new_value: uint256):
    self._only_owner()
    assert new_value > 0, "venue: bounds"
    self.max_oracle_age = new_value
    log ParameterSet(name="max_oracle_age", value=convert(new_value, int256))


@external
def set_funding_rate_per_second(new_value: int256):
    """
    @notice Set the funding rate (WAD per second, signed). Funding up to now accrues at the old rate.
    """
    self._only_owner()
    assert abs(new_value) <= MAX_FUNDING_RATE_PER_SECOND, "venue: bounds"
    self._update_funding_index()
    self.funding_rate_per_second = new_value
    log ParameterSet(name="funding_rate_per_second", value=new_value)


@external
def set_min_execution_fee(new_value: uint256):
    """
    @notice The execution fee (collateral units) a new order must carry; pending orders keep theirs.
    """
    self._only_owner()
    self.min_execution_fee = new_value
    log ParameterSet(name="min_execution_fee", value=convert(new_value, int256))


@external
def set_cancel_delay(new_value: uint256):
    self._only_owner()
    assert new_value <= MAX_WINDOW, "venue: bounds"
    self.cancel_delay = new_value
    log ParameterSet(name="cancel_delay", value=convert(new_value, int256))


@external
def set_order_expiry(new_value: uint256):
    """
    @notice Seconds after creation during which an order may be executed; applies to pending
            orders too (their expiry is read at execution and cancellation).
    """
    self._only_owner()
    assert new_value > 0 and new_value <= MAX_WINDOW, "venue: bounds"
    self.order_expiry = new_value
    log ParameterSet(name="order_expiry", value=convert(new_value, int256))


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
        assert extcall IERC20(collateral).transfer(receiver, amount, default_return_value=True)


# ---------------------------------------------------------------- internals: accounting (MockPerpAdapter's)


@internal
@view
def _only_owner():
    assert msg.sender == owner, "venue: not owner"


@internal
@view
def _read_oracle() -> (uint256, uint256, bool):
    round_id: uint80 = 0
    answer: int256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    answered_in_round: uint80 = 0
    round_id, answer, started_at, updated_at, answered_in_round = staticcall IAggregatorV3(oracle).latestRoundData()
    if answer <= 0:
        return 0, updated_at, False
    price: uint256 = convert(answer, uint256) * ORACLE_SCALE
    ok: bool = (
        answered_in_round >= round_id
        and updated_at <= block.timestamp
        and block.timestamp - updated_at <= self.max_oracle_age
    )
    return price, updated_at, ok


@internal
@view
def _fresh_price() -> uint256:
    price: uint256 = 0
    updated_at: uint256 = 0
    ok: bool = False
    price, updated_at, ok = self._read_oracle()
    assert ok, "venue: stale price"
    return price


@internal
@view
def _price_unchecked() -> uint256:
    price: uint256 = 0
    updated_at: uint256 = 0
    ok: bool = False
    price, updated_at, ok = self._read_oracle()
    return price


@internal
@view
def _index_now(price: uint256) -> int256:
    elapsed: int256 = convert(block.timestamp - self.funding_updated_at, int256)
    return self.funding_index + self.funding_rate_per_second * elapsed * convert(price, int256) // IWAD


@internal
def _update_funding_index() -> int256:
    """
    @dev Accrue funding up to now; while the oracle answer is unusable (<= 0) nothing accrues and
         the clock is not advanced (MockPerpAdapter's rule).
    """
    price: uint256 = self._price_unchecked()
    if price == 0:
        return self.funding_index
    index: int256 = self._index_now(price)
    self.funding_index = index
    self.funding_updated_at = block.timestamp
    return index


@internal
def _settled(account: address) -> Account:
    acc: Account = self.accounts[account]
    index: int256 = self._update_funding_index()
    owed: int256 = self._funding_owed(acc, index)
    if owed != 0:
        log FundingSettled(account=account, amount=owed)
    return self._settle(acc, index)


@internal
@view
def _settle(acc: Account, index: int256) -> Account:
    settled: Account = acc
    settled.margin -= self._funding_owed(acc, index)
    settled.funding_checkpoint = index
    return settled


@internal
@view
def _funding_owed(acc: Account, index: int256) -> int256:
    return signed_math._ceil_div(
        acc.size * (index - acc.funding_checkpoint), IWAD * convert(ASSET_SCALE, int256)
    )


@internal
@view
def _equity_of(acc: Account, price: uint256, index: int256) -> int256:
    upnl: int256 = signed_math._floor_div(
        acc.size * convert(price, int256) - acc.open_notional * IWAD,
        IWAD * convert(ASSET_SCALE, int256),
    )
    return acc.margin + upnl - self._funding_owed(acc, index)


@internal
@view
def _notional_assets(size: int256, price: uint256) -> uint256:
    return convert(abs(size), uint256) * price // WAD // ASSET_SCALE


@internal
@view
def _quote_or_refuse(size_delta: int256, price: uint256) -> (uint256, uint256, uint8):
    """
    @dev MockPerpAdapter._quote, except that a trade the book cannot fill is a refusal code
         (REFUSED_LIQUIDITY) instead of a revert: a keeper refuses such an order.
    """
    amount: uint256 = convert(abs(size_delta), uint256)
    notional: uint256 = amount * price // WAD
    premium: uint256 = self.half_spread_bps * WAD // BPS + notional * WAD // self.depth
    if premium >= MAX_PREMIUM:
        return 0, 0, REFUSED_LIQUIDITY
    exec_price: uint256 = 0
    if size_delta > 0:
        exec_price = (price * (WAD + premium) + WAD - 1) // WAD
    else:
        exec_price = price * (WAD - premium) // WAD
    fee_denominator: uint256 = WAD * BPS * ASSET_SCALE
    fee: uint256 = (amount * exec_price * self.taker_fee_bps + fee_denominator - 1) // fee_denominator
    return exec_price, fee, 0


@internal
@view
def _apply_trade(acc: Account, size_delta: int256, exec_price: uint256, fee: uint256) -> (Account, int256):
    """
    @dev MockPerpAdapter._apply_trade: cost-basis accounting (an increase adds size * price to open
         notional, rounded up; a decrease releases the closed share and realises the difference;
         a flip closes fully, then opens the rest).
    @return The account after the trade and the realised PnL (collateral units, fee not included).
    """
    result: Account = acc
    price: int256 = convert(exec_price, int256)
    scale: int256 = IWAD * convert(ASSET_SCALE, int256)
    realized: int256 = 0
    opened: int256 = size_delta
    if acc.size != 0 and (acc.size > 0) != (size_delta > 0):
        closed: int256 = -size_delta
        if abs(closed) > abs(acc.size):
            closed = acc.size
        closed_notional: int256 = acc.open_notional * closed // acc.size
        realized = signed_math._floor_div(closed * price - closed_notional * IWAD, scale)
        result.size -= closed
        result.open_notional -= closed_notional
        opened = size_delta + closed
    if opened != 0:
        result.size += opened
        result.open_notional += signed_math._ceil_div(opened * price, IWAD)
    result.margin += realized - convert(fee, int256)
    return result, realized


@internal
@view
def _within_max_leverage(acc: Account, price: uint256, index: int256) -> bool:
    equity: int256 = self._equity_of(acc, price, index)
    if equity <= 0:
        return False
    notional: uint256 = self._notional_assets(acc.size, price)
    return notional * WAD <= convert(equity, uint256) * self.max_leverage


@internal
@view
def _free_margin(acc: Account, price: uint256, index: int256) -> uint256:
    equity: int256 = self._equity_of(acc, price, index)
    initial_margin: int256 = 0
    if acc.size != 0:
        notional: uint256 = self._notional_assets(acc.size, price)
        initial_margin = convert((notional * WAD + self.max_leverage - 1) // self.max_leverage, int256)
    free: int256 = min(acc.margin, equity - initial_margin)
    if free <= 0:
        return 0
    return convert(free, uint256)
