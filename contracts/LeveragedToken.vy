# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Leveraged token
@notice One leveraged product (e.g. BTC3L): an ERC-20 share of a fund that holds collateral as
        margin on a perp venue and a position of `target_leverage` x NAV, long or short. The
        token is an ERC-4626 vault over the collateral: mint and redeem at NAV, in kind.

        Units: assets = collateral base units; shares = 18 decimals; prices and leverage = WAD;
        fees = basis points.

        NAV = idle collateral (tracked, never balanceOf) + venue equity (margin + unrealised PnL
        - funding owed, at the oracle price). Protocol fees owed to the fee recipient are held
        apart and are not NAV. Donations to the token are ignored; a donation to its venue
        account raises NAV for every holder alike.

        Mint and redeem execute in kind: a mint adds margin and grows the position pro rata
        (at target leverage for the first mint), a redeem closes its pro-rata slice. Shares are
        priced from the NAV actually added or left, so each trader pays its own venue fee and
        price impact (swing pricing) and holders who stay pay nothing.

        Rounding always favours the fund: shares out and assets out round down, assets in and
        fee amounts round up (see lt_math.vy).

        Shares are stored as base units: balance = base balance // base_per_share, the same for
        allowances and the supply, so a split rescales every holder in O(1) by changing
        `base_per_share` alone.

        First mint: at least MIN_INITIAL_ASSETS, and DEAD_SHARES of the first minter's shares
        are locked in the token forever, so a later depositor cannot be inflated out of value.
        The fund therefore never empties: the dead shares keep their slice of the position.

        Reverts (the SDK maps each): "lt: zero", "lt: zero shares", "lt: expired",
        "lt: slippage", "lt: paused", "lt: shutdown", "lt: cap", "lt: stale price",
        "lt: insolvent", "lt: receiver", "lt: balance", "lt: allowance", "lt: first deposit",
        "lt: bounds", "lt: no convergence", "venue: ..." (passed through), and snekmate's
        "access_control: account is missing role".
@custom:kill `emergency_shutdown()` (admin): closes the position, stops mint and rebalance
        forever; redeem stays open and pays pro-rata. `pause()` (guardian) stops entries only.
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed
from ethereum.ercs import IERC4626
from snekmate.auth import access_control
from snekmate.utils import math
from .interfaces import IPerpAdapter
from . import constants
from . import lt_math

implements: IERC20
implements: IERC20Detailed
# IERC4626 is not declared with `implements:` because Vyper's check does not accept the
# slippage-protected overloads (default arguments) as the plain ERC-4626 signatures, although
# every ERC-4626 selector exists; tests assert the full selector set from the ABI.

initializes: access_control

exports: (
    access_control.hasRole,
    access_control.getRoleAdmin,
    access_control.grantRole,
    access_control.revokeRole,
    access_control.renounceRole,
    access_control.set_role_admin,
    access_control.supportsInterface,
    access_control.DEFAULT_ADMIN_ROLE,
)


# ---------------------------------------------------------------- events

event Paused:
    account: indexed(address)

event Unpaused:
    account: indexed(address)

event Shutdown:
    account: indexed(address)

event ParameterSet:
    name: String[32]
    value: uint256

event FeeRecipientSet:
    fee_recipient: indexed(address)

event ManagementFeeMinted:
    fee_recipient: indexed(address)
    shares: uint256

event FeesCollected:
    fee_recipient: indexed(address)
    assets: uint256


# ---------------------------------------------------------------- structs

struct Snapshot:
    supply: uint256  # shares, including management-fee shares not yet minted
    nav: int256  # assets
    size: int256  # WAD units of underlying, signed
    price: uint256  # WAD
    fresh: bool  # the price may be traded on


# ---------------------------------------------------------------- constants

WAD: constant(uint256) = constants.WAD
BPS: constant(uint256) = constants.BPS

KEEPER_ROLE: public(constant(bytes32)) = keccak256("KEEPER_ROLE")
GUARDIAN_ROLE: public(constant(bytes32)) = keccak256("GUARDIAN_ROLE")

decimals: public(constant(uint8)) = 18
# locked in the token at the first mint (0.001 share): makes a donation attack cost the attacker
# far more than it could take from the next depositor
DEAD_SHARES: public(constant(uint256)) = 10**15
# base units per share at deployment: 10**30 * 2**12 * 3**8 * 7**4, divisible by every split
# factor built from 2, 3, 5 and 7 (2, 4, 5, 10, 100, 1000, ...) many times over
INITIAL_BASE_PER_SHARE: constant(uint256) = 10**30 * 2**12 * 3**8 * 7**4

MAX_MINT_FEE_BPS: constant(uint256) = 100
MAX_REDEEM_FEE_BPS: constant(uint256) = 100
MAX_MANAGEMENT_FEE_BPS: constant(uint256) = 2_000  # per year
MAX_SLIPPAGE_BPS: constant(uint256) = 500
MIN_PRICE_AGE: constant(uint256) = 60
MAX_PRICE_AGE: constant(uint256) = 86_400
# iterations of the exact-output search in mint() and withdraw(); each shrinks the shortfall by
# the trade's cost ratio (~0.1 %), so two or three are used in practice
MAX_SEARCH_STEPS: constant(uint256) = 8


# ---------------------------------------------------------------- immutables

asset: public(immutable(address))
adapter: public(immutable(address))
is_long: public(immutable(bool))
ASSET_SCALE: public(immutable(uint256))  # 10**(18 - asset decimals): assets -> WAD USD
MIN_INITIAL_ASSETS: public(immutable(uint256))  # one whole unit of the collateral
initial_nav_per_share: public(immutable(uint256))  # assets per 1e18 shares at the first mint


# ---------------------------------------------------------------- storage

name: public(String[64])
symbol: public(String[32])

_base_balances: HashMap[address, uint256]  # base units
_base_allowances: HashMap[address, HashMap[address, uint256]]  # base units; max_value = infinite
_base_supply: uint256  # base units
base_per_share: public(uint256)  # base units per share wei; splits divide it, reverse splits multiply

idle_assets: public(uint256)  # collateral held by the token that belongs to NAV
protocol_fees: public(uint256)  # mint/redeem fees held for the fee recipient; not NAV

target_leverage: public(uint256)  # WAD
fee_recipient: public(address)
mint_fee_bps: public(uint256)
redeem_fee_bps: public(uint256)
management_fee_bps: public(uint256)  # per year, streamed per second as new shares
last_fee_accrual: public(uint256)  # timestamp
max_total_assets: public(uint256)  # assets; NAV after a mint may not exceed it
max_slippage_bps: public(uint256)  # venue execution vs oracle price, for every fund trade
max_price_age: public(uint256)  # seconds; older oracle answers are not traded on

paused: public(bool)
is_shutdown: public(bool)


# ---------------------------------------------------------------- constructor

@deploy
def __init__(
    name_: String[64],
    symbol_: String[32],
    asset_: address,
    adapter_: address,
    target_leverage_: uint256,
    is_long_: bool,
    admin: address,
    fee_recipient_: address,
    initial_nav_per_share_whole: uint256,
    max_total_assets_: uint256,
):
    """
    @param initial_nav_per_share_whole NAV per share at the first mint, in whole collateral units (100 = 100 USDC)
    @param max_total_assets_ Cap on NAV after a mint, in collateral base units
    @dev Every role goes to `admin`; the deployer (a factory) keeps none.
    """
    access_control.__init__()
    asset_decimals: uint8 = staticcall IERC20Detailed(asset_).decimals()
    assert asset_decimals <= 18, "lt: bounds"
    assert admin != empty(address) and fee_recipient_ != empty(address), "lt: zero"
    assert initial_nav_per_share_whole > 0, "lt: bounds"
    assert staticcall IPerpAdapter(adapter_).collateral() == asset_, "lt: bounds"

    self.name = name_
    self.symbol = symbol_
    asset = asset_
    adapter = adapter_
    is_long = is_long_
    ASSET_SCALE = 10 ** convert(18 - asset_decimals, uint256)
    MIN_INITIAL_ASSETS = 10 ** convert(asset_decimals, uint256)
    initial_nav_per_share = initial_nav_per_share_whole * 10 ** convert(asset_decimals, uint256)
    self.base_per_share = INITIAL_BASE_PER_SHARE

    self._set_target_leverage(target_leverage_)
    self.fee_recipient = fee_recipient_
    self.mint_fee_bps = 10
    self.redeem_fee_bps = 10
    self.management_fee_bps = 365
    self.last_fee_accrual = block.timestamp
    self.max_total_assets = max_total_assets_
    self.max_slippage_bps = 50
    self.max_price_age = 3_600

    access_control._grant_role(access_control.DEFAULT_ADMIN_ROLE, admin)
    access_control._grant_role(KEEPER_ROLE, admin)
    access_control._grant_role(GUARDIAN_ROLE, admin)
    if admin != msg.sender:
        access_control._revoke_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)

    assert extcall IERC20(asset_).approve(adapter_, max_value(uint256), default_return_value=True)


# ---------------------------------------------------------------- ERC-20

@external
@view
def totalSupply() -> uint256:
    return self._base_supply // self.base_per_share


@external
@view
def balanceOf(owner: address) -> uint256:
    return self._base_balances[owner] // self.base_per_share


@external
@view
def allowance(owner: address, spender: address) -> uint256:
    base: uint256 = self._base_allowances[owner][spender]
    if base == max_value(uint256):
        return max_value(uint256)
    return base // self.base_per_share


@external
def transfer(receiver: address, amount: uint256) -> bool:
    self._transfer(msg.sender, receiver, amount)
    return True


@external
def transferFrom(owner: address, receiver: address, amount: uint256) -> bool:
    self._spend_allowance(owner, msg.sender, amount)
    self._transfer(owner, receiver, amount)
    return True


@external
def approve(spender: address, amount: uint256) -> bool:
    """
    @notice Allowances are kept in base units so splits rescale them; an amount too large to
            scale (or max_value) is stored as infinite.
    """
    self._approve(msg.sender, spender, amount)
    return True


# ---------------------------------------------------------------- ERC-4626: user entry points

@external
def deposit(
    assets: uint256,
    receiver: address = msg.sender,
    min_shares: uint256 = 0,
    deadline: uint256 = max_value(uint256),
) -> uint256:
    """
    @notice Pay `assets` of collateral, receive shares worth the NAV they add after the
            in-kind trade and the mint fee.
    @param min_shares Revert with "lt: slippage" if fewer shares would be minted.
    @param deadline Revert with "lt: expired" after this timestamp.
    @return Shares minted to `receiver`.
    """
    self._check_entry(receiver, deadline)
    assert assets > 0, "lt: zero"
    snap: Snapshot = self._accrue_and_snapshot()
    self._check_mintable(snap)
    shares: uint256 = self._execute_mint(snap, assets)
    assert shares >= min_shares, "lt: slippage"
    self._finish_mint(snap, assets, shares, receiver)
    return shares


@external
def mint(
    shares: uint256,
    receiver: address = msg.sender,
    max_assets: uint256 = max_value(uint256),
    deadline: uint256 = max_value(uint256),
) -> uint256:
    """
    @notice Mint exactly `shares` to `receiver` for the least collateral that adds their value
            (after the in-kind trade and the mint fee); any rounding surplus stays in the fund.
    @param max_assets Revert with "lt: slippage" if more collateral would be needed.
    @return Collateral paid.
    """
    self._check_entry(receiver, deadline)
    assert shares > 0, "lt: zero"
    snap: Snapshot = self._accrue_and_snapshot()
    self._check_mintable(snap)
    assets: uint256 = self._assets_for_mint(snap, shares)
    assert assets <= max_assets, "lt: slippage"
    assert self._execute_mint(snap, assets) >= shares, "lt: slippage"
    self._finish_mint(snap, assets, shares, receiver)
    return assets


@external
def redeem(
    shares: uint256,
    receiver: address = msg.sender,
    owner: address = msg.sender,
    min_assets: uint256 = 0,
    deadline: uint256 = max_value(uint256),
) -> uint256:
    """
    @notice Burn `shares` of `owner`, close their slice of the position and pay what that leaves,
            less the redeem fee. Open while paused. When NAV <= 0 (insolvent) pays the shares'
            pro-rata part of the collateral that can still be withdrawn, without a fee.
    @param min_assets Revert with "lt: slippage" if less would be paid.
    @return Collateral paid to `receiver`.
    """
    self._check_exit(receiver, deadline)
    assert shares > 0, "lt: zero"
    snap: Snapshot = self._accrue_and_snapshot()
    self._burn_from(owner, shares)
    assets: uint256 = 0
    fee: uint256 = 0
    if snap.nav <= 0:
        assets = self._insolvent_payout(snap, shares)
    else:
        gross: uint256 = self._execute_redeem(snap, shares)
        fee = lt_math._fee(gross, self.redeem_fee_bps)
        assets = gross - fee
    assert assets > 0, "lt: zero"
    assert assets >= min_assets, "lt: slippage"
    self._pay_out(assets, fee, receiver)
    log IERC4626.Withdraw(sender=msg.sender, receiver=receiver, owner=owner, assets=assets, shares=shares)
    return assets


@external
def withdraw(
    assets: uint256,
    receiver: address = msg.sender,
    owner: address = msg.sender,
    max_shares: uint256 = max_value(uint256),
    deadline: uint256 = max_value(uint256),
) -> uint256:
    """
    @notice Pay exactly `assets` to `receiver`, burning the fewest shares of `owner` whose
            slice covers it after their trade and the redeem fee; any surplus stays in the fund.
            Reverts "lt: insolvent" when NAV <= 0 (use redeem).
    @param max_shares Revert with "lt: slippage" if more shares would be burned.
    @return Shares burned.
    """
    self._check_exit(receiver, deadline)
    assert assets > 0, "lt: zero"
    snap: Snapshot = self._accrue_and_snapshot()
    assert snap.nav > 0, "lt: insolvent"
    gross: uint256 = lt_math._gross_up(assets, self.redeem_fee_bps)
    shares: uint256 = self._shares_for_withdraw(snap, gross)
    assert shares <= max_shares, "lt: slippage"
    self._burn_from(owner, shares)
    assert self._execute_redeem(snap, shares) >= gross, "lt: slippage"
    self._pay_out(assets, gross - assets, receiver)
    log IERC4626.Withdraw(sender=msg.sender, receiver=receiver, owner=owner, assets=assets, shares=shares)
    return shares


# ---------------------------------------------------------------- ERC-4626: views

@external
@view
def totalAssets() -> uint256:
    """
    @notice NAV in collateral base units (0 when insolvent).
    """
    nav: int256 = self._nav()
    if nav <= 0:
        return 0
    return convert(nav, uint256)


@external
@view
def convertToShares(assets: uint256) -> uint256:
    """
    @notice Shares worth `assets` at NAV, before fees and trading costs (rounded down).
    """
    snap: Snapshot = self._snapshot()
    if snap.supply > 0 and snap.nav <= 0:
        return 0
    return lt_math._shares_for_value(snap.supply, convert(max(snap.nav, 0), uint256), assets, initial_nav_per_share)


@external
@view
def convertToAssets(shares: uint256) -> uint256:
    """
    @notice Assets that `shares` are worth at NAV, before fees and trading costs (rounded down).
    """
    snap: Snapshot = self._snapshot()
    if snap.supply == 0:
        return math._mul_div(shares, initial_nav_per_share, WAD, False)
    if snap.nav <= 0:
        return 0
    return math._mul_div(shares, convert(snap.nav, uint256), snap.supply, False)


@external
@view
def previewDeposit(assets: uint256) -> uint256:
    """
    @notice Exactly what deposit(assets) mints in this block (fee and the venue's quote included).
    """
    snap: Snapshot = self._snapshot()
    self._check_mintable(snap)
    return self._preview_mint_shares(snap, assets)


@external
@view
def previewMint(shares: uint256) -> uint256:
    """
    @notice Exactly what mint(shares) charges in this block.
    """
    snap: Snapshot = self._snapshot()
    self._check_mintable(snap)
    return self._assets_for_mint(snap, shares)


@external
@view
def previewRedeem(shares: uint256) -> uint256:
    """
    @notice Exactly what redeem(shares) pays in this block.
    """
    return self._preview_redeem(self._snapshot(), shares)


@external
@view
def previewWithdraw(assets: uint256) -> uint256:
    """
    @notice Exactly how many shares withdraw(assets) burns in this block.
    """
    snap: Snapshot = self._snapshot()
    assert snap.fresh, "lt: stale price"
    assert snap.nav > 0, "lt: insolvent"
    return self._shares_for_withdraw(snap, lt_math._gross_up(assets, self.redeem_fee_bps))


@external
@view
def maxDeposit(receiver: address) -> uint256:
    """
    @notice 0 while paused, shut down, insolvent or on a stale price; else the room under the cap.
    """
    return self._max_deposit()


@external
@view
def maxMint(receiver: address) -> uint256:
    """
    @notice Shares worth the room under the cap, less a 0.1 % margin for the in-kind trade's
            cost and rounding (an underestimate, as ERC-4626 allows).
    """
    room: uint256 = self._max_deposit()
    if room == max_value(uint256):
        return max_value(uint256)
    snap: Snapshot = self._snapshot()
    return lt_math._shares_for_value(
        snap.supply, convert(max(snap.nav, 1), uint256), room * (BPS - 10) // BPS, initial_nav_per_share
    )


@external
@view
def maxRedeem(owner: address) -> uint256:
    """
    @notice The owner's whole balance, or 0 while the price is stale (redeem would revert).
    """
    snap: Snapshot = self._snapshot()
    if not snap.fresh:
        return 0
    return self._base_balances[owner] // self.base_per_share


@external
@view
def maxWithdraw(owner: address) -> uint256:
    """
    @notice What redeeming the owner's whole balance pays now; 0 on a stale price or insolvency.
    """
    snap: Snapshot = self._snapshot()
    balance: uint256 = self._base_balances[owner] // self.base_per_share
    if not snap.fresh or snap.nav <= 0 or balance == 0:
        return 0
    return self._preview_redeem(snap, balance)


# ---------------------------------------------------------------- fund views

@external
@view
def nav_per_share() -> uint256:
    """
    @notice NAV per whole share (1e18 wei) in collateral base units, rounded down.
    """
    snap: Snapshot = self._snapshot()
    if snap.supply == 0:
        return initial_nav_per_share
    if snap.nav <= 0:
        return 0
    return math._mul_div(convert(snap.nav, uint256), WAD, snap.supply, False)


@external
@view
def current_leverage() -> uint256:
    """
    @notice |size| * price / NAV, WAD; max_value when insolvent.
    """
    snap: Snapshot = self._snapshot()
    return lt_math._leverage(snap.size, snap.price, snap.nav, ASSET_SCALE)


@external
@view
def nav() -> int256:
    """
    @notice Signed NAV in collateral base units (negative when insolvent).
    """
    return self._nav()


@external
@view
def pending_management_fee_shares() -> uint256:
    return self._pending_fee_shares(self._base_supply // self.base_per_share)


# ---------------------------------------------------------------- roles: guardian and admin

@external
def pause():
    access_control._check_role(GUARDIAN_ROLE, msg.sender)
    self.paused = True
    log Paused(account=msg.sender)


@external
def unpause():
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self.paused = False
    log Unpaused(account=msg.sender)


@external
def emergency_shutdown():
    """
    @notice Admin: close the whole position, move all margin home and stop mint and rebalance
            forever. Redeem then pays each share its pro-rata part of the collateral.
            Callable again to finish if the venue could not release everything at once.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self._accrue_management_fee()
    if not self.is_shutdown:
        self.is_shutdown = True
        log Shutdown(account=msg.sender)
    size: int256 = 0
    equity: int256 = 0
    price: uint256 = 0
    fresh: bool = False
    size, equity, price, fresh = staticcall IPerpAdapter(adapter).account_snapshot(self)
    if size != 0:
        assert fresh, "lt: stale price"
        self._trade(-size, price)
    free: uint256 = staticcall IPerpAdapter(adapter).max_withdrawable(self)
    if free > 0:
        extcall IPerpAdapter(adapter).withdraw(free, self)
        self.idle_assets += free


@external
def collect_fees() -> uint256:
    """
    @notice Send the mint and redeem fees held by the token to the fee recipient (anyone may call).
    """
    amount: uint256 = self.protocol_fees
    recipient: address = self.fee_recipient
    self.protocol_fees = 0
    if amount > 0:
        assert extcall IERC20(asset).transfer(recipient, amount, default_return_value=True)
    log FeesCollected(fee_recipient=recipient, assets=amount)
    return amount


@external
def set_fee_recipient(new_recipient: address):
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert new_recipient != empty(address), "lt: zero"
    self._accrue_management_fee()
    self.fee_recipient = new_recipient
    log FeeRecipientSet(fee_recipient=new_recipient)


@external
def set_mint_fee_bps(new_value: uint256):
    self._check_admin_bounds(new_value <= MAX_MINT_FEE_BPS)
    self.mint_fee_bps = new_value
    log ParameterSet(name="mint_fee_bps", value=new_value)


@external
def set_redeem_fee_bps(new_value: uint256):
    self._check_admin_bounds(new_value <= MAX_REDEEM_FEE_BPS)
    self.redeem_fee_bps = new_value
    log ParameterSet(name="redeem_fee_bps", value=new_value)


@external
def set_management_fee_bps(new_value: uint256):
    """
    @notice Per-year streaming fee; what accrued so far is minted at the old rate first.
    """
    self._check_admin_bounds(new_value <= MAX_MANAGEMENT_FEE_BPS)
    self._accrue_management_fee()
    self.management_fee_bps = new_value
    log ParameterSet(name="management_fee_bps", value=new_value)


@external
def set_max_total_assets(new_value: uint256):
    self._check_admin_bounds(True)
    self.max_total_assets = new_value
    log ParameterSet(name="max_total_assets", value=new_value)


@external
def set_max_slippage_bps(new_value: uint256):
    self._check_admin_bounds(new_value > 0 and new_value <= MAX_SLIPPAGE_BPS)
    self.max_slippage_bps = new_value
    log ParameterSet(name="max_slippage_bps", value=new_value)


@external
def set_max_price_age(new_value: uint256):
    self._check_admin_bounds(new_value >= MIN_PRICE_AGE and new_value <= MAX_PRICE_AGE)
    self.max_price_age = new_value
    log ParameterSet(name="max_price_age", value=new_value)


# ---------------------------------------------------------------- internal: checks

@internal
@view
def _check_admin_bounds(within_bounds: bool):
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert within_bounds, "lt: bounds"


@internal
@view
def _check_receiver(receiver: address, deadline: uint256):
    assert block.timestamp <= deadline, "lt: expired"
    assert receiver != empty(address) and receiver != self, "lt: receiver"


@internal
@view
def _check_entry(receiver: address, deadline: uint256):
    self._check_receiver(receiver, deadline)
    assert not self.is_shutdown, "lt: shutdown"
    assert not self.paused, "lt: paused"


@internal
@view
def _check_exit(receiver: address, deadline: uint256):
    self._check_receiver(receiver, deadline)


@internal
@view
def _check_mintable(snap: Snapshot):
    assert snap.fresh, "lt: stale price"
    assert snap.supply == 0 or snap.nav > 0, "lt: insolvent"


# ---------------------------------------------------------------- internal: NAV and snapshot

@internal
@view
def _nav() -> int256:
    return convert(self.idle_assets, int256) + staticcall IPerpAdapter(adapter).equity(self)


@internal
@view
def _snapshot() -> Snapshot:
    size: int256 = 0
    equity: int256 = 0
    price: uint256 = 0
    fresh: bool = False
    size, equity, price, fresh = staticcall IPerpAdapter(adapter).account_snapshot(self)
    supply: uint256 = self._base_supply // self.base_per_share
    return Snapshot(
        supply=supply + self._pending_fee_shares(supply),
        nav=convert(self.idle_assets, int256) + equity,
        size=size,
        price=price,
        fresh=fresh and price > 0,
    )


@internal
def _accrue_and_snapshot() -> Snapshot:
    self._accrue_management_fee()
    snap: Snapshot = self._snapshot()
    assert snap.fresh, "lt: stale price"
    return snap


# ---------------------------------------------------------------- internal: mint

@internal
@view
def _mint_size_delta(snap: Snapshot, net_assets: uint256) -> int256:
    """
    @dev In-kind growth: pro rata to the NAV added; at target leverage for the first mint.
    """
    if snap.supply == 0:
        magnitude: uint256 = math._mul_div(net_assets * ASSET_SCALE, self.target_leverage, snap.price, False)
        if is_long:
            return convert(magnitude, int256)
        return -convert(magnitude, int256)
    return lt_math._pro_rata_size(snap.size, net_assets, convert(snap.nav, uint256))


@internal
@view
def _mint_value_added(snap: Snapshot, assets: uint256) -> uint256:
    """
    @dev NAV the deposit of `assets` adds, as the venue quotes it now (0 if the trade costs all).
    """
    net: uint256 = assets - lt_math._fee(assets, self.mint_fee_bps)
    size_delta: int256 = self._mint_size_delta(snap, net)
    nav_after: int256 = convert(self.idle_assets, int256) + staticcall IPerpAdapter(adapter).preview_equity(
        self, convert(net, int256), size_delta
    )
    return convert(max(nav_after - snap.nav, 0), uint256)


@internal
@view
def _shares_minted(snap: Snapshot, value_added: uint256) -> uint256:
    shares: uint256 = lt_math._shares_for_value(
        snap.supply, convert(max(snap.nav, 0), uint256), value_added, initial_nav_per_share
    )
    if snap.supply == 0:
        if shares <= DEAD_SHARES:
            return 0
        return shares - DEAD_SHARES
    return shares


@internal
@view
def _preview_mint_shares(snap: Snapshot, assets: uint256) -> uint256:
    if assets == 0:
        return 0
    return self._shares_minted(snap, self._mint_value_added(snap, assets))


@internal
@view
def _assets_for_mint(snap: Snapshot, shares: uint256) -> uint256:
    """
    @dev Fewest assets whose deposit mints at least `shares`: start from the fee-grossed value of
         the shares, then add each round's shortfall (the trade's cost) until covered.
    """
    target: uint256 = shares
    if snap.supply == 0:
        target += DEAD_SHARES
    value_needed: uint256 = lt_math._value_for_shares(
        snap.supply, convert(max(snap.nav, 0), uint256), target, initial_nav_per_share
    )
    assets: uint256 = lt_math._gross_up(value_needed, self.mint_fee_bps)
    for _: uint256 in range(MAX_SEARCH_STEPS):
        if self._preview_mint_shares(snap, assets) >= shares:
            return assets
        added: uint256 = self._mint_value_added(snap, assets)
        assets += lt_math._gross_up(value_needed - min(added, value_needed - 1), self.mint_fee_bps)
    raise "lt: no convergence"


@internal
def _execute_mint(snap: Snapshot, assets: uint256) -> uint256:
    """
    @dev Pull `assets`, keep the mint fee apart, add the rest as margin, grow the position in kind.
    @return Shares the NAV actually added is worth (the first minter's DEAD_SHARES deducted).
    """
    assert extcall IERC20(asset).transferFrom(msg.sender, self, assets, default_return_value=True)
    fee: uint256 = lt_math._fee(assets, self.mint_fee_bps)
    net: uint256 = assets - fee
    assert net > 0, "lt: zero shares"
    if snap.supply == 0:
        assert net >= MIN_INITIAL_ASSETS, "lt: first deposit"
    self.protocol_fees += fee
    extcall IPerpAdapter(adapter).deposit(net)
    size_delta: int256 = self._mint_size_delta(snap, net)
    if size_delta != 0:
        self._trade(size_delta, snap.price)
    nav_after: int256 = self._nav()
    assert nav_after <= convert(self.max_total_assets, int256), "lt: cap"
    shares: uint256 = self._shares_minted(snap, convert(max(nav_after - snap.nav, 0), uint256))
    assert shares > 0, "lt: zero shares"
    return shares


@internal
def _finish_mint(snap: Snapshot, assets: uint256, shares: uint256, receiver: address):
    if snap.supply == 0:
        self._mint_shares(self, DEAD_SHARES)
    self._mint_shares(receiver, shares)
    log IERC4626.Deposit(sender=msg.sender, owner=receiver, assets=assets, shares=shares)


@internal
@view
def _max_deposit() -> uint256:
    if self.paused or self.is_shutdown:
        return 0
    snap: Snapshot = self._snapshot()
    if not snap.fresh or (snap.supply > 0 and snap.nav <= 0):
        return 0
    cap: uint256 = self.max_total_assets
    if cap == max_value(uint256):
        return cap
    nav: uint256 = convert(max(snap.nav, 0), uint256)
    if nav >= cap:
        return 0
    return cap - nav


# ---------------------------------------------------------------- internal: redeem

@internal
@view
def _redeem_size_delta(snap: Snapshot, shares: uint256) -> int256:
    return -lt_math._pro_rata_size(snap.size, shares, snap.supply)


@internal
@view
def _redeem_value_quoted(snap: Snapshot, shares: uint256) -> int256:
    """
    @dev What redeeming `shares` would take out of the fund, as the venue quotes it now.
    """
    nav_after: int256 = convert(self.idle_assets, int256) + staticcall IPerpAdapter(adapter).preview_equity(
        self, 0, self._redeem_size_delta(snap, shares)
    )
    return lt_math._redeem_value(snap.supply, convert(snap.nav, uint256), nav_after, shares)


@internal
@view
def _preview_redeem(snap: Snapshot, shares: uint256) -> uint256:
    assert snap.fresh, "lt: stale price"
    if shares == 0:
        return 0
    assert shares <= snap.supply, "lt: balance"
    if snap.nav <= 0:
        return self._insolvent_payout(snap, shares)
    gross: int256 = self._redeem_value_quoted(snap, shares)
    if gross <= 0:
        return 0
    return convert(gross, uint256) - lt_math._fee(convert(gross, uint256), self.redeem_fee_bps)


@internal
@view
def _shares_for_withdraw(snap: Snapshot, gross: uint256) -> uint256:
    """
    @dev Fewest shares whose redemption takes at least `gross` out of the fund: start from the
         shares' NAV value, then add each round's shortfall (the trade's cost) until covered.
    """
    nav: uint256 = convert(snap.nav, uint256)
    shares: uint256 = math._mul_div(gross, snap.supply, nav, True)
    for _: uint256 in range(MAX_SEARCH_STEPS):
        assert shares <= snap.supply, "lt: balance"
        taken: int256 = self._redeem_value_quoted(snap, shares)
        if taken >= convert(gross, int256):
            return shares
        shortfall: uint256 = convert(convert(gross, int256) - max(taken, 0), uint256)
        shares += math._mul_div(shortfall, snap.supply, nav, True)
    raise "lt: no convergence"


@internal
def _execute_redeem(snap: Snapshot, shares: uint256) -> uint256:
    """
    @dev Close the shares' slice of the position; return what leaving takes out of the fund.
    """
    size_delta: int256 = self._redeem_size_delta(snap, shares)
    if size_delta != 0:
        self._trade(size_delta, snap.price)
    taken: int256 = lt_math._redeem_value(snap.supply, convert(snap.nav, uint256), self._nav(), shares)
    assert taken > 0, "lt: zero"
    return convert(taken, uint256)


@internal
@view
def _insolvent_payout(snap: Snapshot, shares: uint256) -> uint256:
    """
    @dev NAV <= 0: the shares' pro-rata part of what can still leave (idle + withdrawable margin).
    """
    available: uint256 = self.idle_assets + staticcall IPerpAdapter(adapter).max_withdrawable(self)
    return math._mul_div(available, shares, snap.supply, False)


@internal
def _pay_out(assets: uint256, fee: uint256, receiver: address):
    """
    @dev Move `assets + fee` out of NAV (idle first, then venue margin): `assets` to the
         receiver, `fee` into the fee recipient's bucket.
    """
    needed: uint256 = assets + fee
    from_idle: uint256 = min(needed, self.idle_assets)
    self.idle_assets -= from_idle
    if needed > from_idle:
        extcall IPerpAdapter(adapter).withdraw(needed - from_idle, self)
    self.protocol_fees += fee
    assert extcall IERC20(asset).transfer(receiver, assets, default_return_value=True)


# ---------------------------------------------------------------- internal: trading

@internal
def _trade(size_delta: int256, price: uint256):
    """
    @dev Trade on the venue no worse than the oracle price -+ max_slippage_bps.
    """
    limit: uint256 = 0
    if size_delta > 0:
        limit = math._mul_div(price, BPS + self.max_slippage_bps, BPS, False)
    else:
        limit = math._mul_div(price, BPS - self.max_slippage_bps, BPS, True)
    extcall IPerpAdapter(adapter).trade(size_delta, limit)


@internal
def _set_target_leverage(new_value: uint256):
    max_leverage: uint256 = staticcall IPerpAdapter(adapter).max_leverage()
    assert new_value >= WAD and new_value < max_leverage, "lt: bounds"
    self.target_leverage = new_value


# ---------------------------------------------------------------- internal: fees

@internal
@view
def _pending_fee_shares(supply: uint256) -> uint256:
    if supply == 0:
        return 0
    return lt_math._management_fee_shares(supply, self.management_fee_bps, block.timestamp - self.last_fee_accrual)


@internal
def _accrue_management_fee():
    shares: uint256 = self._pending_fee_shares(self._base_supply // self.base_per_share)
    self.last_fee_accrual = block.timestamp
    if shares > 0:
        recipient: address = self.fee_recipient
        self._mint_shares(recipient, shares)
        log ManagementFeeMinted(fee_recipient=recipient, shares=shares)


# ---------------------------------------------------------------- internal: share ledger

@internal
def _transfer(owner: address, receiver: address, amount: uint256):
    assert receiver != empty(address), "lt: receiver"
    base: uint256 = amount * self.base_per_share
    owner_base: uint256 = self._base_balances[owner]
    assert owner_base >= base, "lt: balance"
    self._base_balances[owner] = owner_base - base
    self._base_balances[receiver] += base
    log IERC20.Transfer(sender=owner, receiver=receiver, value=amount)


@internal
def _approve(owner: address, spender: address, amount: uint256):
    assert spender != empty(address), "lt: receiver"
    scale: uint256 = self.base_per_share
    base: uint256 = max_value(uint256)
    if amount < max_value(uint256) // scale:
        base = amount * scale
    self._base_allowances[owner][spender] = base
    log IERC20.Approval(owner=owner, spender=spender, value=amount)


@internal
def _spend_allowance(owner: address, spender: address, amount: uint256):
    allowed: uint256 = self._base_allowances[owner][spender]
    if allowed == max_value(uint256):
        return
    base: uint256 = amount * self.base_per_share
    assert allowed >= base, "lt: allowance"
    self._base_allowances[owner][spender] = allowed - base


@internal
def _burn_from(owner: address, shares: uint256):
    if owner != msg.sender:
        self._spend_allowance(owner, msg.sender, shares)
    base: uint256 = shares * self.base_per_share
    owner_base: uint256 = self._base_balances[owner]
    assert owner_base >= base, "lt: balance"
    self._base_balances[owner] = owner_base - base
    self._base_supply -= base
    log IERC20.Transfer(sender=owner, receiver=empty(address), value=shares)


@internal
def _mint_shares(receiver: address, shares: uint256):
    base: uint256 = shares * self.base_per_share
    self._base_balances[receiver] += base
    self._base_supply += base
    log IERC20.Transfer(sender=empty(address), receiver=receiver, value=shares)
