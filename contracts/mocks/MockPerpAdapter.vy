# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Mock perpetual-futures venue
@notice A faithful single-market perp venue for local and test networks: cross margin per
        account, trades priced at oracle x (1 +- (half spread + linear impact)), a taker fee,
        cost-basis accounting (open notional) with realised PnL on decrease and flip, a
        cumulative funding index settled on every touch, a max-leverage check on increase,
        liquidation below maintenance margin, and owner-only fault injection.

        Accounting, all exact integers:
        - margin: int256, collateral base units (negative only after bad debt).
        - open_notional: int256, WAD USD, the cost basis of the position (same sign as size).
        - unrealised PnL = floor((size * price - open_notional * WAD) / (WAD * ASSET_SCALE)).
        - funding owed = ceil(size * (index_now - checkpoint) / (WAD * ASSET_SCALE)); the venue
          rounds in its own favour everywhere (fees and funding up, PnL down).
        - equity = margin + unrealised PnL - funding owed (collateral units, signed).
        The venue is every trader's counterparty and pays profits from its own balance.
        The accounts, the oracle read, the funding index, every formula above and the owner's
        knobs live in the module perp_accounting.vy, shared with MockAsyncPerpVenue.vy; this
        contract adds what fills in the caller's transaction: margin deposits and withdrawals,
        trades, liquidation and the previews.
@custom:kill The owner pauses trading (`set_trading_paused`); margin withdrawals stay open.
"""

from ethereum.ercs import IERC20
from ..interfaces import IPerpAdapter
from . import perp_accounting

implements: IPerpAdapter

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


@deploy
def __init__(
    collateral_: address,
    oracle_: address,
    market: String[16],
    collateral_decimals: uint8,
    depth_: uint256,
):
    perp_accounting.__init__(collateral_, oracle_, market, collateral_decimals, depth_)


# ---------------------------------------------------------------- kind


@external
@view
def is_async() -> bool:
    """
    @notice The venue's kind: trades fill in the calling transaction.
    """
    return False


# ---------------------------------------------------------------- margin


@external
def deposit(amount: uint256, account: address = msg.sender):
    """
    @notice Add `amount` collateral (base units) as margin to `account` (default: the caller).
    """
    assert amount > 0, "venue: zero amount"
    acc: perp_accounting.Account = perp_accounting._settled(account)
    acc.margin += convert(amount, int256)
    perp_accounting.accounts[account] = acc
    assert extcall IERC20(perp_accounting.collateral).transferFrom(
        msg.sender, self, amount, default_return_value=True
    )
    log IPerpAdapter.MarginDeposited(account=account, payer=msg.sender, amount=amount)


@external
def withdraw(amount: uint256, receiver: address):
    """
    @notice Withdraw margin while equity stays above the initial margin of the position.
    """
    assert amount > 0, "venue: zero amount"
    acc: perp_accounting.Account = perp_accounting._settled(msg.sender)
    price: uint256 = perp_accounting._price_for_margin(acc)
    assert amount <= perp_accounting._free_margin(acc, price, perp_accounting.funding_index), "venue: margin"
    acc.margin -= convert(amount, int256)
    perp_accounting.accounts[msg.sender] = acc
    assert extcall IERC20(perp_accounting.collateral).transfer(receiver, amount, default_return_value=True)
    log IPerpAdapter.MarginWithdrawn(account=msg.sender, receiver=receiver, amount=amount)


# ---------------------------------------------------------------- trading


@external
def trade(size_delta: int256, limit_price: uint256) -> uint256:
    """
    @notice Change the caller's position by `size_delta` (WAD units, + buys, - sells) at no
            worse than `limit_price` (WAD). The taker fee comes out of margin.
    @return The execution price (WAD).
    """
    assert not perp_accounting.trading_paused, "venue: paused"
    assert size_delta != 0, "venue: zero size"
    price: uint256 = perp_accounting._fresh_price()
    acc: perp_accounting.Account = perp_accounting._settled(msg.sender)
    exec_price: uint256 = 0
    fee: uint256 = 0
    filled: bool = False
    exec_price, fee, filled = perp_accounting._quote(size_delta, price, True)
    if size_delta > 0:
        assert exec_price <= limit_price, "venue: slippage"
    else:
        assert exec_price >= limit_price, "venue: slippage"
    size_before: int256 = acc.size
    realized: int256 = 0
    acc, realized = perp_accounting._apply_trade(acc, size_delta, exec_price, fee)
    if abs(acc.size) > abs(size_before):
        assert perp_accounting._within_max_leverage(acc, price, perp_accounting.funding_index), "venue: max leverage"
    perp_accounting.accounts[msg.sender] = acc
    log IPerpAdapter.Traded(
        account=msg.sender,
        size_delta=size_delta,
        exec_price=exec_price,
        fee=fee,
        realized_pnl=realized,
        size_after=acc.size,
    )
    return exec_price


@external
def liquidate(account: address) -> uint256:
    """
    @notice Anyone may close `account`'s position at the oracle price once its equity is below
            the maintenance margin; the caller earns a penalty from the remaining margin, at
            most what the venue holds (perp_accounting._liquidate says why).
    @return The penalty paid to the caller (collateral base units).
    """
    size: int256 = 0
    price: uint256 = 0
    penalty: uint256 = 0
    size, price, penalty = perp_accounting._liquidate(account)
    if penalty > 0:
        assert extcall IERC20(perp_accounting.collateral).transfer(msg.sender, penalty, default_return_value=True)
    log IPerpAdapter.Liquidated(account=account, liquidator=msg.sender, size=size, price=price, penalty=penalty)
    return penalty


# ---------------------------------------------------------------- views


@external
@view
def quote_trade(account: address, size_delta: int256) -> (uint256, uint256):
    """
    @notice Execution price (WAD) and taker fee (collateral units) of `size_delta` now.
    """
    exec_price: uint256 = 0
    fee: uint256 = 0
    filled: bool = False
    exec_price, fee, filled = perp_accounting._quote(size_delta, perp_accounting._price_unchecked(), True)
    return exec_price, fee


@external
@view
def preview_equity(account: address, margin_delta: int256, size_delta: int256) -> int256:
    """
    @notice Equity of `account` (collateral units) after adding `margin_delta` of margin and
            trading `size_delta` now: exactly what `deposit`/`withdraw` then `trade` would leave
            in this block.
    """
    price: uint256 = perp_accounting._price_unchecked()
    index: int256 = perp_accounting._index_now(price)
    acc: perp_accounting.Account = perp_accounting._settle(perp_accounting.accounts[account], index)
    acc.margin += margin_delta
    if size_delta != 0:
        exec_price: uint256 = 0
        fee: uint256 = 0
        filled: bool = False
        exec_price, fee, filled = perp_accounting._quote(size_delta, price, True)
        realized: int256 = 0
        acc, realized = perp_accounting._apply_trade(acc, size_delta, exec_price, fee)
    return perp_accounting._equity_of(acc, price, index)


@external
@view
def preview_account(
    account: address, margin_delta: int256, size_delta: int256, reopen_delta: int256
) -> IPerpAdapter.AccountPreview:
    """
    @notice What `account` would hold after adding `margin_delta` of margin, trading
            `size_delta` and then `reopen_delta` now, exactly as deposit/withdraw and two
            trade() calls would leave it in this block: its equity (collateral units), the
            margin it could then withdraw, its margin, and whether both trades would be accepted (trading
            open, a fresh price, within max leverage after each increase; no limit price).
            A trade the book cannot fill reverts "venue: liquidity", as quote_trade does.
    """
    price: uint256 = 0
    updated_at: uint256 = 0
    fresh: bool = False
    price, updated_at, fresh = perp_accounting._read_oracle()
    index: int256 = perp_accounting._index_now(price)
    acc: perp_accounting.Account = perp_accounting._settle(perp_accounting.accounts[account], index)
    acc.margin += margin_delta
    accepted: bool = True
    for delta: int256 in [size_delta, reopen_delta]:
        if delta != 0:
            size_before: int256 = acc.size
            exec_price: uint256 = 0
            fee: uint256 = 0
            filled: bool = False
            exec_price, fee, filled = perp_accounting._quote(delta, price, True)
            realized: int256 = 0
            acc, realized = perp_accounting._apply_trade(acc, delta, exec_price, fee)
            accepted = accepted and fresh and not perp_accounting.trading_paused and (
                abs(acc.size) <= abs(size_before) or perp_accounting._within_max_leverage(acc, price, index)
            )
    withdrawable: uint256 = 0
    if acc.size == 0 or fresh:
        withdrawable = perp_accounting._free_margin(acc, price, index)
    return IPerpAdapter.AccountPreview(
        equity=perp_accounting._equity_of(acc, price, index),
        withdrawable=withdrawable,
        margin=acc.margin,
        accepted=accepted,
    )


@external
@view
def account_snapshot(account: address) -> IPerpAdapter.AccountSnapshot:
    """
    @notice Everything a fund reads before acting, in one call (IPerpAdapter.AccountSnapshot):
            size, equity at the oracle price, that price, whether the venue trades on it, its
            updated_at (the fund may apply a stricter age limit of its own) and the margin.
    """
    price: uint256 = 0
    updated_at: uint256 = 0
    fresh: bool = False
    price, updated_at, fresh = perp_accounting._read_oracle()
    acc: perp_accounting.Account = perp_accounting.accounts[account]
    return IPerpAdapter.AccountSnapshot(
        size=acc.size,
        equity=perp_accounting._equity_of(acc, price, perp_accounting._index_now(price)),
        price=price,
        fresh=fresh,
        updated_at=updated_at,
        margin=acc.margin,
    )


@external
@view
def max_withdrawable(account: address) -> uint256:
    """
    @notice Margin `account` may withdraw now (0 while it holds a position and the price is stale).
    """
    acc: perp_accounting.Account = perp_accounting.accounts[account]
    price: uint256 = 0
    updated_at: uint256 = 0
    fresh: bool = False
    price, updated_at, fresh = perp_accounting._read_oracle()
    if acc.size != 0 and not fresh:
        return 0
    index: int256 = perp_accounting._index_now(price)
    return perp_accounting._free_margin(perp_accounting._settle(acc, index), price, index)
