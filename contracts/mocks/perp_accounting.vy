# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Mock perp venue accounting
@notice The one home of the mock venues' accounting, initialised by MockPerpAdapter.vy (trades
        fill in the caller's transaction) and MockAsyncPerpVenue.vy (orders fill later): cross
        margin per account, the oracle read, trades priced at oracle x (1 +- (half spread +
        linear impact)), a taker fee, cost-basis accounting (open notional) with realised PnL on
        decrease and flip, a cumulative funding index settled on every touch, the max-leverage
        and free-margin checks, liquidation below maintenance margin, and the owner's knobs.
        ltsdk.math and ltsdk.replica.venue mirror these formulas to the wei.

        Accounting, all exact integers:
        - margin: int256, collateral base units (negative only after bad debt).
        - open_notional: int256, WAD USD, the cost basis of the position (same sign as size).
        - unrealised PnL = floor((size * price - open_notional * WAD) / (WAD * ASSET_SCALE)).
        - funding owed = ceil(size * (index_now - checkpoint) / (WAD * ASSET_SCALE)); the venue
          rounds in its own favour everywhere (fees and funding up, PnL down).
        - equity = margin + unrealised PnL - funding owed (collateral units, signed).
        The venue is every trader's counterparty and pays profits from its own balance.

        The initialising contract exports the external views and owner setters below and builds
        its order flow on the internal functions; it logs its own trade and liquidation events.
"""

from ethereum.ercs import IERC20
from ..interfaces import IAggregatorV3
from .. import constants
from .. import signed_math

WAD: constant(uint256) = constants.WAD
BPS: constant(uint256) = constants.BPS
IWAD: constant(int256) = 10**18

# hard bounds for the owner's knobs
MAX_HALF_SPREAD_BPS: constant(uint256) = 500
MAX_TAKER_FEE_BPS: constant(uint256) = 500
MAX_FUNDING_RATE_PER_SECOND: constant(int256) = 10**13  # WAD: 0.001 %/s (86 %/day), far past any real market
MIN_MAX_LEVERAGE: constant(uint256) = 10**18
MAX_MAX_LEVERAGE: constant(uint256) = 100 * 10**18
# a single trade may not move the price by half or more: beyond that the book is exhausted
MAX_PREMIUM: constant(uint256) = WAD // 2


event ParameterSet:
    name: String[32]
    value: int256

event TradingPaused:
    paused: bool

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


# ---------------------------------------------------------------- views


@external
@view
def equity(account: address) -> int256:
    """
    @notice Margin + unrealised PnL - funding owed, at the latest oracle price (collateral units).
            Collateral a venue holds for orders in flight is not margin and not in it.
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
def market() -> String[16]:
    """
    @notice The market's name, "{UNDERLYING}-PERP" (the factory binds a token's symbol to it).
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
    @notice (price WAD, updated_at, usable) without reverting, for dashboards and lenses.
    """
    price: uint256 = 0
    updated_at: uint256 = 0
    ok: bool = False
    price, updated_at, ok = self._read_oracle()
    return price, updated_at, ok


@external
@view
def funding_owed(account: address) -> int256:
    """
    @notice Funding the account owes now and has not settled (collateral units, < 0: receives).
    """
    acc: Account = self.accounts[account]
    return self._funding_owed(acc, self._index_now(self._price_unchecked()))


# ---------------------------------------------------------------- owner: fault injection


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


# ---------------------------------------------------------------- internals: oracle and funding


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
@view
def _price_for_margin(acc: Account) -> uint256:
    """
    @dev Margin of an account with a position is priced only on a fresh oracle answer; a flat
         account's margin does not depend on the price, so it can always leave.
    """
    if acc.size != 0:
        return self._fresh_price()
    return self._price_unchecked()


@internal
def _update_funding_index() -> int256:
    """
    @dev Accrue funding up to now. While the oracle answer is unusable (<= 0) nothing accrues and
         the clock is not advanced, so the outage is charged at the first good price after it
         instead of being lost.
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
    """
    @dev `account` with its funding settled up to now (logged when not zero); not stored.
    """
    acc: Account = self.accounts[account]
    index: int256 = self._update_funding_index()
    owed: int256 = self._funding_owed(acc, index)
    if owed != 0:
        log FundingSettled(account=account, amount=owed)
    return self._settle(acc, index)


@internal
@view
def _funding_owed(acc: Account, index: int256) -> int256:
    return signed_math._ceil_div(
        acc.size * (index - acc.funding_checkpoint), IWAD * convert(ASSET_SCALE, int256)
    )


@internal
@view
def _settle(acc: Account, index: int256) -> Account:
    settled: Account = acc
    settled.margin -= self._funding_owed(acc, index)
    settled.funding_checkpoint = index
    return settled


# ---------------------------------------------------------------- internals: accounts and trades


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
def _quote(size_delta: int256, price: uint256, must_fill: bool) -> (uint256, uint256, bool):
    """
    @dev Execution price (WAD, the premium rounded against the trader) and taker fee (collateral
         units, rounded up) of `size_delta` at oracle `price`, and whether the book can fill it:
         once the premium reaches MAX_PREMIUM it cannot, and the quote reverts "venue: liquidity"
         if `must_fill` (a trade now), else returns a zero price and fee (an order to refuse).
    """
    amount: uint256 = convert(abs(size_delta), uint256)
    notional: uint256 = amount * price // WAD
    premium: uint256 = self.half_spread_bps * WAD // BPS + notional * WAD // self.depth
    if premium >= MAX_PREMIUM:
        assert not must_fill, "venue: liquidity"
        return 0, 0, False
    exec_price: uint256 = 0
    if size_delta > 0:
        exec_price = (price * (WAD + premium) + WAD - 1) // WAD
    else:
        exec_price = price * (WAD - premium) // WAD
    fee_denominator: uint256 = WAD * BPS * ASSET_SCALE
    fee: uint256 = (amount * exec_price * self.taker_fee_bps + fee_denominator - 1) // fee_denominator
    return exec_price, fee, True


@internal
@view
def _apply_trade(acc: Account, size_delta: int256, exec_price: uint256, fee: uint256) -> (Account, int256):
    """
    @dev Cost-basis accounting: an increase adds size * price to open notional (rounded up, against
         the trader); a decrease releases the closed share of open notional and realises the
         difference; a flip closes fully, then opens the rest.
    @return The account after the trade and the realised PnL (collateral units, incl. no fee).
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


@internal
def _liquidate(account: address) -> (int256, uint256, uint256):
    """
    @dev Close `account`'s position at the oracle price once its equity is below the maintenance
         margin, take the liquidator's penalty from the remaining margin and store the account;
         the caller pays the penalty and logs.
         A live venue never refuses a liquidation for lack of cash: closing the position is what
         stops the loss. GMX v2 pays the liquidation fee out of the position's collateral and,
         when that cannot cover it, closes anyway and leaves the shortfall to the pool; Synthetix
         mints the keeper's reward and the debt pool carries bad debt. This venue is every
         trader's counterparty and pays profits and funding from its own finite balance, so its
         books can owe an account more than it holds (after decades of funding credited to an
         open short, or after another account withdrew realised profits): the penalty is then
         capped at the venue's balance, the position is closed all the same, and the rest of the
         margin stays on the account's books (a claim its withdraw pays when the venue can).
    @return The size closed (WAD, signed), the oracle price (WAD) and the penalty (collateral units).
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
        penalty = min(
            min(convert(acc.margin, uint256), notional * self.liquidation_penalty_bps // BPS),
            staticcall IERC20(collateral).balanceOf(self),
        )
        acc.margin -= convert(penalty, int256)
    self.accounts[account] = acc
    return size, price, penalty
