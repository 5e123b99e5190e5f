# pragma version ~=0.4.3
# pragma nonreentrancy on
# pragma optimize codesize
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
        `base_per_share` alone. That ledger (ERC-20, EIP-2612 permit, the EIP-712 domain) is the
        module share_ledger.vy, initialised here and exported as the token's own functions.

        First mint: at least MIN_INITIAL_ASSETS, and DEAD_SHARES of the first minter's shares
        are locked in the token forever, so a later depositor cannot be inflated out of value.
        The fund therefore never empties: the dead shares keep their slice of the position.

        Size: the token must fit EIP-170's 24,576 bytes, so it is compiled for code size and
        every view it can derive from its state is computed by LeveragedTokenViews (shared by
        all tokens); the token's views forward there. Parameters change through
        LeveragedTokenConfigurator (one per deployment, also shared), which holds the setters,
        their bounds, their events and the timelock, and calls configure() here.

        Gas: the values read together are packed by hand into three words (packing.vy: fees
        and flags; rebalancing parameters and trade limits; rebalancing state), each field
        keeping its public getter; the bytes for it come from sharing the revert sites of the
        reasons raised in several places (one internal check each).

        Reverts (the SDK maps each): "lt: zero", "lt: zero shares", "lt: expired",
        "lt: slippage", "lt: paused", "lt: shutdown", "lt: cap", "lt: stale price",
        "lt: insolvent", "lt: receiver", "lt: balance", "lt: allowance", "lt: first deposit",
        "lt: bounds", "lt: not needed", "lt: cooldown", "lt: signature", "lt: configurator",
        "lt: no convergence"
        (from LeveragedTokenViews), "venue: ..." (passed through), and snekmate's
        "access_control: account is missing role".
@custom:kill `emergency_shutdown()` (admin starts, anyone continues): closes the position in
        chunks, stops mint and rebalance forever; redeem and the ripcord stay open, and once
        flat redeem pays pro-rata. `pause()` (guardian) stops entries only.
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed
from ethereum.ercs import IERC4626
from snekmate.auth import access_control
from .interfaces import ILeveragedToken
from .interfaces import IPerpAdapter
from . import constants
from . import lt_math
from . import packing
from . import share_ledger
from . import LeveragedTokenViews

implements: IERC20
implements: IERC20Detailed
implements: ILeveragedToken
# IERC4626 is not declared with `implements:` because Vyper's check does not accept the
# slippage-protected overloads (default arguments) as the plain ERC-4626 signatures, although
# every ERC-4626 selector exists; tests assert the full selector set from the ABI.

initializes: access_control
initializes: share_ledger

exports: (
    access_control.hasRole,
    access_control.getRoleAdmin,
    access_control.grantRole,
    access_control.revokeRole,
    access_control.renounceRole,
    access_control.DEFAULT_ADMIN_ROLE,
    share_ledger.name,
    share_ledger.symbol,
    share_ledger.decimals,
    share_ledger.balanceOf,
    share_ledger.allowance,
    share_ledger.transfer,
    share_ledger.transferFrom,
    share_ledger.approve,
    share_ledger.permit,
    share_ledger.nonces,
    share_ledger.DOMAIN_SEPARATOR,
    share_ledger.base_per_share,
    share_ledger.share_epoch,
)


# ---------------------------------------------------------------- events
# (every event of the token is in ILeveragedToken.vyi; the parameter events are the configurator's)


# ---------------------------------------------------------------- constants

WAD: constant(uint256) = constants.WAD
BPS: constant(uint256) = constants.BPS

KEEPER_ROLE: public(constant(bytes32)) = keccak256("KEEPER_ROLE")
GUARDIAN_ROLE: public(constant(bytes32)) = keccak256("GUARDIAN_ROLE")

DEAD_SHARES: public(constant(uint256)) = constants.DEAD_SHARES

MIN_SPLIT_FACTOR: constant(uint256) = 2
MAX_SPLIT_FACTOR: constant(uint256) = 10_000

REASON_NONE: constant(uint8) = lt_math.REASON_NONE
REASON_BAND: constant(uint8) = lt_math.REASON_BAND
REASON_RIPCORD: constant(uint8) = lt_math.REASON_RIPCORD
REASON_CHUNK: constant(uint8) = lt_math.REASON_CHUNK
REASON_SCHEDULED: constant(uint8) = lt_math.REASON_SCHEDULED

RIPCORD_REWARD_MAX_BPS: public(constant(uint256)) = 5  # of NAV


# ---------------------------------------------------------------- immutables

asset: public(immutable(address))
adapter: public(immutable(IPerpAdapter))  # the venue; its getter returns the address
# LeveragedTokenViews: previews, conversions, rebalance and split status; called through its own
# interface, so a renamed or retyped views function (or FundState field) fails to compile here
views: public(immutable(LeveragedTokenViews.__interface__))
configurator: public(immutable(address))  # LeveragedTokenConfigurator: the only caller of configure()
target_leverage: public(immutable(uint256))  # WAD; fixed: the token's name promises it
is_long: public(immutable(bool))
ASSET_SCALE: public(immutable(uint256))  # 10**(18 - asset decimals): assets -> WAD USD
MIN_INITIAL_ASSETS: public(immutable(uint256))  # one whole unit of the collateral
initial_nav_per_share: public(immutable(uint256))  # assets per 1e18 shares at the first mint


# ---------------------------------------------------------------- storage
# (the share ledger - name, symbol, balances, allowances, supply, base_per_share, nonces - lives
# in share_ledger.vy)

idle_assets: public(uint256)  # collateral held by the token that belongs to NAV
protocol_fees: public(uint256)  # mint/redeem fees held for the fee recipient; not NAV
max_total_assets: public(uint256)  # assets; NAV after a mint may not exceed it
max_trade_notional: public(uint256)  # assets of notional per rebalance call (TWAP chunk)
ripcord_trade_notional: public(uint256)  # assets of notional per ripcord call
ripcord_reward: public(uint256)  # assets paid to the ripcord caller, capped at RIPCORD_REWARD_MAX_BPS of NAV

# splits: the keeper may split or reverse split only while NAV per share is outside this band
split_lower_nav: public(uint256)  # assets per whole share
split_upper_nav: public(uint256)  # assets per whole share

# Packed words (layout and helpers in packing.vy): the values each call reads together share a
# slot; every field keeps its public getter below, same name and ABI.
# fee word: fee_recipient, mint_fee_bps, redeem_fee_bps, management_fee_bps (per year, streamed
# per second as new shares), last_fee_accrual (timestamp), paused, is_shutdown
_fee_word: uint256
# parameter word: band_bps (leverage band [T / (1 + b), T * (1 + b)]), min_drift_bps (a slot
# trades only if |L - T| / T is at least this), max_slippage_bps (venue execution vs oracle
# price, every fund trade), max_price_age (seconds; older oracle answers are not traded on),
# rebalance_interval (seconds between scheduled slots), rebalance_offset (seconds after each
# interval boundary, UTC, a slot opens), twap_cooldown (seconds between rebalance calls, ripcord
# exempt), keeper_grace (seconds a due rebalance waits for a keeper before anyone may call it),
# ripcord_leverage (WAD; at or above it anyone may de-lever)
_parameter_word: uint256
# rebalance word: last_rebalance_time, last_rebalance_slot (index of the last slot a rebalance
# used), due_since (when anyone flagged a band/ripcord rebalance as due; 0: not flagged),
# chunk_pending (the last rebalance was clamped to max_trade_notional), last_rebalance_price
# (WAD, execution price of the last rebalance trade)
_rebalance_word: uint256


# ---------------------------------------------------------------- constructor

@deploy
def __init__(
    name_: String[50],
    symbol_: String[32],
    asset_: address,
    adapter_: address,
    views_: address,
    configurator_: address,
    target_leverage_: uint256,
    is_long_: bool,
    asset_scale_: uint256,
    min_initial_assets_: uint256,
    initial_nav_per_share_: uint256,
):
    """
    @notice Stores what the deployer (LeveragedTokenFactory) has validated: the venue is margined
            in `asset_`, the leverage is a whole number the venue allows, the scales match the
            asset's decimals. The parameters are written by the configurator's first
            `set_parameters` (defaults: `default_parameters`), in the factory's transaction;
            until then the token has no fee recipient, no cap room and no fresh price age, so
            it takes no deposit.
    @param asset_scale_ 10**(18 - asset decimals): assets -> WAD USD
    @param min_initial_assets_ One whole unit of the asset (10**decimals): the first mint's minimum
    @param initial_nav_per_share_ NAV per share at the first mint, in asset base units
    @dev The deployer gets DEFAULT_ADMIN_ROLE (snekmate); the factory hands every role to the
         token's admin and renounces its own in the same transaction. The constructor is kept to
         the bare minimum because the blueprint holds it next to the runtime, under EIP-170.
    """
    access_control.__init__()
    share_ledger.__init__(name_, symbol_)
    asset = asset_
    adapter = IPerpAdapter(adapter_)
    views = LeveragedTokenViews.__interface__(views_)
    configurator = configurator_
    target_leverage = target_leverage_
    is_long = is_long_
    ASSET_SCALE = asset_scale_
    MIN_INITIAL_ASSETS = min_initial_assets_
    initial_nav_per_share = initial_nav_per_share_
    assert extcall IERC20(asset_).approve(adapter_, max_value(uint256), default_return_value=True)


# ---------------------------------------------------------------- ERC-4626: user entry points

@external
def deposit(
    assets: uint256,
    receiver: address,
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
    self._check_nonzero(assets > 0)
    snap: lt_math.FundState = self._accrue_and_snapshot()
    self._check_mintable(snap)
    shares: uint256 = self._execute_mint(snap, assets)
    self._check_slippage(shares >= min_shares)
    self._finish_mint(snap, assets, shares, receiver)
    return shares


@external
def mint(
    shares: uint256,
    receiver: address,
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
    self._check_nonzero(shares > 0)
    snap: lt_math.FundState = self._accrue_and_snapshot()
    self._check_mintable(snap)
    assets: uint256 = staticcall views.preview_mint(snap, shares)
    self._check_slippage(assets <= max_assets)
    self._check_slippage(self._execute_mint(snap, assets) >= shares)
    self._finish_mint(snap, assets, shares, receiver)
    return assets


@external
def redeem(
    shares: uint256,
    receiver: address,
    owner: address,
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
    self._check_receiver(receiver, deadline)
    self._check_nonzero(shares > 0)
    snap: lt_math.FundState = self._exit_snapshot()
    share_ledger._burn_from(owner, shares)
    assets: uint256 = 0
    fee: uint256 = 0
    if snap.nav <= 0:
        # NAV <= 0: a pro-rata part of what can still leave, without a fee
        assets = lt_math._insolvent_payout(
            snap.idle_assets + staticcall adapter.max_withdrawable(self), shares, snap.supply
        )
    else:
        gross: uint256 = self._execute_redeem(snap, shares)
        fee = lt_math._fee(gross, snap.redeem_fee_bps)
        assets = gross - fee
    self._check_nonzero(assets > 0)
    self._check_slippage(assets >= min_assets)
    self._pay_out(assets, fee, receiver)
    log IERC4626.Withdraw(sender=msg.sender, receiver=receiver, owner=owner, assets=assets, shares=shares)
    return assets


@external
def withdraw(
    assets: uint256,
    receiver: address,
    owner: address,
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
    self._check_receiver(receiver, deadline)
    self._check_nonzero(assets > 0)
    snap: lt_math.FundState = self._exit_snapshot()
    self._require_solvent(snap)
    shares: uint256 = staticcall views.preview_withdraw(snap, assets)
    self._check_slippage(shares <= max_shares)
    gross: uint256 = lt_math._gross_up(assets, snap.redeem_fee_bps)
    share_ledger._burn_from(owner, shares)
    self._check_slippage(self._execute_redeem(snap, shares) >= gross)
    self._pay_out(assets, gross - assets, receiver)
    log IERC4626.Withdraw(sender=msg.sender, receiver=receiver, owner=owner, assets=assets, shares=shares)
    return shares


# ---------------------------------------------------------------- ERC-20: the supply

@external
@view
def totalSupply() -> uint256:
    """
    @notice Shares in wei, counting the management-fee shares accrued since the last accrual
            that are not minted yet (`pending_fee_shares`; the next share-changing call mints
            them to the fee recipient). So totalAssets / totalSupply is the price every
            conversion and preview uses; the sum of balances trails it by the pending shares.
    """
    supply: uint256 = share_ledger._total_supply()
    return supply + self._pending_fee_shares(supply)


@external
@view
def pending_fee_shares() -> uint256:
    """
    @notice Management-fee shares accrued and not yet minted (wei), part of totalSupply.
    """
    return self._pending_fee_shares(share_ledger._total_supply())


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
    return staticcall views.convert_to_shares(self._snapshot(), assets)


@external
@view
def convertToAssets(shares: uint256) -> uint256:
    """
    @notice Assets that `shares` are worth at NAV, before fees and trading costs (rounded down).
    """
    return staticcall views.convert_to_assets(self._snapshot(), shares)


@external
@view
def previewDeposit(assets: uint256) -> uint256:
    """
    @notice Exactly what deposit(assets) mints in this block (fee and the venue's quote included).
    """
    snap: lt_math.FundState = self._snapshot()
    self._check_mintable(snap)
    return staticcall views.preview_deposit(snap, assets)


@external
@view
def previewMint(shares: uint256) -> uint256:
    """
    @notice Exactly what mint(shares) charges in this block.
    """
    snap: lt_math.FundState = self._snapshot()
    self._check_mintable(snap)
    return staticcall views.preview_mint(snap, shares)


@external
@view
def previewRedeem(shares: uint256) -> uint256:
    """
    @notice Exactly what redeem(shares) pays in this block.
    """
    snap: lt_math.FundState = self._exit_view()
    return staticcall views.preview_redeem(snap, shares)


@external
@view
def previewWithdraw(assets: uint256) -> uint256:
    """
    @notice Exactly how many shares withdraw(assets) burns in this block.
    """
    snap: lt_math.FundState = self._exit_view()
    return staticcall views.preview_withdraw(snap, assets)


@external
@view
def maxDeposit(receiver: address) -> uint256:
    """
    @notice 0 while paused, shut down, insolvent or on a stale price; else the room under the cap,
            less if the in-kind trade of that much would breach max_slippage_bps (a venue's depth
            bounds every deposit).
    """
    return self._max_deposit()


@external
@view
def maxMint(receiver: address) -> uint256:
    """
    @notice What a deposit of 99.9 % of maxDeposit mints (the margin covers mint()'s search
            overshooting by rounding): an underestimate, as ERC-4626 allows.
    """
    # reads the venue twice (here and in _max_deposit): passing one snapshot down costs 30 bytes
    # of the token's EIP-170 headroom, more than a view's second read is worth
    return staticcall views.max_mint(self._snapshot(), self._max_deposit())


@external
@view
def maxRedeem(owner: address) -> uint256:
    """
    @notice The owner's whole balance, less if closing its slice would breach max_slippage_bps;
            0 while a position is open on a stale price (redeem would revert).
    """
    return staticcall views.max_redeem(self._snapshot(), share_ledger._balance_of(owner), ((self._parameter_word >> packing.MAX_SLIPPAGE) & packing.BPS_MASK))


@external
@view
def maxWithdraw(owner: address) -> uint256:
    """
    @notice What redeeming maxRedeem pays, less a few base units that withdraw()'s share search may
            need; 0 on insolvency or while a position is open on a stale price.
    """
    return staticcall views.max_withdraw(self._snapshot(), share_ledger._balance_of(owner), ((self._parameter_word >> packing.MAX_SLIPPAGE) & packing.BPS_MASK))


# ---------------------------------------------------------------- fund views

@external
@view
def nav_per_share() -> uint256:
    """
    @notice NAV per whole share (1e18 wei) in collateral base units, rounded down.
    """
    return lt_math._nav_per_share(self._snapshot())


@external
@view
def current_leverage() -> uint256:
    """
    @notice |size| * price / NAV, WAD; 0 with no position, max_value when insolvent.
    """
    return staticcall views.leverage(self._snapshot())


# ---------------------------------------------------------------- keeper: rebalancing

@external
@view
def rebalance_status() -> (uint8, int256):
    """
    @notice Why a rebalance is due now and the size it would trade (WAD, signed):
            NONE=0, SCHEDULED=1 (a daily slot is open and drift >= min_drift_bps),
            BAND=2 (leverage outside the band), CHUNK=3 (the last rebalance was clamped and
            drift remains), RIPCORD=4 (leverage >= ripcord_leverage). NONE while the price is
            stale, the fund is empty, insolvent or shut down. (Constants: REASON_NONE, ...)
    """
    reason: uint8 = REASON_NONE
    size_delta: int256 = 0
    full_delta: int256 = 0
    reason, size_delta, full_delta = self._rebalance_status(self._snapshot())
    return reason, size_delta


@external
def rebalance() -> int256:
    """
    @notice Trade toward target leverage: `direction * T * NAV / price - size`, clamped to
            `max_trade_notional`, at no worse than the oracle price -+ max_slippage_bps.
            KEEPER_ROLE, or anyone once a due rebalance has waited `keeper_grace` (from the slot's
            start, the last chunk, or `flag_rebalance_due()` for band and ripcord). Reverts
            "lt: not needed" when the status is NONE, so repeating it is harmless.
            Chunks are stateless: each call recomputes the remaining trade from the live state,
            so any parameter change simply applies to the next chunk. Never changes the supply:
            the management fee accrues on the next share-changing call.
    @return The size traded (WAD, signed).
    """
    self._check_live()
    snap: lt_math.FundState = self._fresh_snapshot()
    self._require_solvent(snap)
    reason: uint8 = REASON_NONE
    size_delta: int256 = 0
    full_delta: int256 = 0
    reason, size_delta, full_delta = self._rebalance_status(snap)
    self._check_needed(reason != REASON_NONE)
    if not access_control.hasRole[KEEPER_ROLE][msg.sender]:
        grace_start: uint256 = self._grace_start(reason)
        if grace_start == 0 or block.timestamp < grace_start + ((self._parameter_word >> packing.KEEPER_GRACE) & packing.SECONDS_MASK):
            # the caller has no KEEPER_ROLE: snekmate's check reverts with its own reason (one site)
            access_control._check_role(KEEPER_ROLE, msg.sender)
    if reason != REASON_RIPCORD:
        self._check_cooldown()
    nav_after: int256 = self._execute_rebalance(snap, size_delta, full_delta)
    log ILeveragedToken.Rebalanced(
        reason=reason,
        size_before=snap.size,
        size_after=snap.size + size_delta,
        price=((self._rebalance_word >> packing.LAST_REBALANCE_PRICE) & packing.PRICE_MASK),
        leverage_before=lt_math._leverage(snap.size, snap.price, snap.nav, ASSET_SCALE),
        leverage_after=lt_math._leverage(snap.size + size_delta, snap.price, nav_after, ASSET_SCALE),
    )
    return size_delta


@external
def ripcord() -> uint256:
    """
    @notice Anyone, when leverage >= ripcord_leverage: de-lever by up to
            `ripcord_trade_notional` (toward target; during a shutdown, toward flat), ignoring
            the cooldown, and earn `ripcord_reward` from the fund, capped at
            RIPCORD_REWARD_MAX_BPS of NAV and at what the venue will release. A ripcord that
            pays a reward must leave leverage lower than it found it, the reward's exit
            included, or it reverts "lt: not needed": it cannot be repeated for the reward
            alone. Keeps the fund away from the venue's liquidation level when no keeper acts.
            The event's leverage_after is measured after the reward left the fund.
    @return The reward paid to the caller (assets).
    """
    snap: lt_math.FundState = self._fresh_snapshot()
    self._require_solvent(snap)
    leverage_before: uint256 = lt_math._leverage(snap.size, snap.price, snap.nav, ASSET_SCALE)
    self._check_needed(snap.supply > 0 and leverage_before >= ((self._parameter_word >> packing.RIPCORD_LEVERAGE) & packing.LEVERAGE_MASK))
    reason: uint8 = REASON_NONE
    size_delta: int256 = 0
    full_delta: int256 = 0  # toward target; during a shutdown, toward flat
    reason, size_delta, full_delta = self._rebalance_status(snap)
    size_delta = lt_math._clamp_trade(full_delta, snap.price, self.ripcord_trade_notional, ASSET_SCALE)
    nav_after: int256 = self._execute_rebalance(snap, size_delta, full_delta)
    # never more than the venue will release: a reward must not make the de-levering revert
    reward: uint256 = min(
        lt_math._ripcord_reward(convert(max(nav_after, 0), uint256), self.ripcord_reward, RIPCORD_REWARD_MAX_BPS),
        self.idle_assets + staticcall adapter.max_withdrawable(self),
    )
    if reward > 0:
        self._pay_out(reward, 0, msg.sender)
    # the oracle price is the block's, so the trade alone moved the size
    leverage_after: uint256 = lt_math._leverage(snap.size + size_delta, snap.price, nav_after - convert(reward, int256), ASSET_SCALE)
    self._check_needed(reward == 0 or leverage_after < leverage_before)
    log ILeveragedToken.Ripcord(caller=msg.sender, reward=reward, leverage_before=leverage_before, leverage_after=leverage_after)
    return reward


@external
def flag_rebalance_due():
    """
    @notice Anyone: start the keeper-grace clock for a due band or ripcord rebalance. Once
            `keeper_grace` has passed without a rebalance, anyone may call rebalance() for the
            next `keeper_grace` seconds; after that the flag lapses and must be raised again.
    """
    reason: uint8 = REASON_NONE
    size_delta: int256 = 0
    full_delta: int256 = 0
    reason, size_delta, full_delta = self._rebalance_status(self._snapshot())
    # scheduled and chunk rebalances have their own grace clocks
    self._check_needed(reason == REASON_BAND or reason == REASON_RIPCORD)
    if ((self._rebalance_word >> packing.DUE_SINCE) & packing.TIME_MASK) == 0 or self._flag_expired():
        self._rebalance_word = (self._rebalance_word & ~(packing.TIME_MASK << packing.DUE_SINCE)) | block.timestamp << packing.DUE_SINCE
    log ILeveragedToken.RebalanceDue(reason=reason, caller=msg.sender)


# ---------------------------------------------------------------- splits

@external
def split(factor: uint256):
    """
    @notice Multiply every balance, allowance and the supply by `factor` (2..10,000), in O(1).
            NAV is unchanged; NAV per share divides by `factor`. Admin at any time; keeper only
            while NAV per share is above `split_upper_nav` and the result lands inside the band.
            `factor` must divide base_per_share exactly (10**24 * 504 at each scale epoch's start:
            24 splits by 10, and each reverse split adds its factor back), so no balance is
            rounded. The lens reports the factor a
            keeper may use now (split_factor, split_is_reverse).
    """
    self._split(factor, False)


@external
def reverse_split(factor: uint256):
    """
    @notice Divide every balance, allowance and the supply by `factor` (2..10,000), in O(1),
            for the token's whole life (past the scale's cap a new scale epoch starts).
            Balances round down: each holder's remainder (under one wei of share) stays in its
            own base units, invisible and unspendable until a later split multiplies it back. Admin at any time;
            keeper only while NAV per share is below `split_lower_nav` and the result lands inside.
    """
    self._split(factor, True)


# ---------------------------------------------------------------- roles: guardian and admin

@external
def pause():
    access_control._check_role(GUARDIAN_ROLE, msg.sender)
    self._fee_word |= 1 << packing.PAUSED
    log ILeveragedToken.Paused(account=msg.sender)


@external
def unpause():
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self._fee_word &= ~(1 << packing.PAUSED)
    log ILeveragedToken.Unpaused(account=msg.sender)


@external
def emergency_shutdown():
    """
    @notice Start (admin): stop mint and rebalance forever; the management fee stops too. Then
            anyone may continue, once per `twap_cooldown` after the last chunk, until the
            position is flat. Each call closes up to `max_trade_notional` of the position (if
            the price is fresh; a stale price skips the trade, so the admin can always shut
            down). The margin stays on the venue until the position is flat, then all of it
            comes home: the venue account keeps the fund's own leverage, which the ripcord
            (open during shutdown) watches, and no collateral sits idle beside an open
            position. Redeem stays open throughout and, once flat, pays each share its
            pro-rata part of the collateral whatever the oracle does.
    """
    if self._is_shut_down():
        self._check_cooldown()
    else:
        access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
        self._accrue_management_fee()
        self._fee_word |= 1 << packing.SHUTDOWN
        log ILeveragedToken.Shutdown(account=msg.sender)
    snap: lt_math.FundState = self._snapshot()
    if snap.size != 0 and snap.fresh:
        delta: int256 = lt_math._clamp_trade(-snap.size, snap.price, self.max_trade_notional, ASSET_SCALE)
        self._execute_rebalance(snap, delta, -snap.size)
        snap.size += delta
    # nothing comes home while a position remains, so the venue account keeps the fund's own
    # leverage (which the ripcord watches), never the venue's maximum
    if snap.size == 0:
        free: uint256 = staticcall adapter.max_withdrawable(self)
        if free > 0:
            extcall adapter.withdraw(free, self)
            self.idle_assets += free


@external
def collect_fees() -> uint256:
    """
    @notice Send the mint and redeem fees held by the token to the fee recipient (anyone may call).
    """
    amount: uint256 = self.protocol_fees
    recipient: address = convert((self._fee_word >> packing.FEE_RECIPIENT) & packing.ADDRESS_MASK, address)
    self.protocol_fees = 0
    if amount > 0:
        assert extcall IERC20(asset).transfer(recipient, amount, default_return_value=True)
    log ILeveragedToken.FeesCollected(fee_recipient=recipient, assets=amount)
    return amount

@external
def configure(p: ILeveragedToken.Parameters):
    """
    @notice The configurator alone: write every changeable parameter at once (it checks the
            caller's role on this token, the bounds and the timelock; see
            LeveragedTokenConfigurator.vy). Management fees streamed so far are minted first,
            at the old rate and to the old recipient; a new slot length or offset counts the
            current slot as used.
    """
    assert msg.sender == configurator, "lt: configurator"
    self._accrue_management_fee()
    reslot: bool = p.rebalance_interval != ((self._parameter_word >> packing.REBALANCE_INTERVAL) & packing.SECONDS_MASK) or p.rebalance_offset != ((self._parameter_word >> packing.REBALANCE_OFFSET) & packing.SECONDS_MASK)
    self._store_parameters(p)
    if reslot:
        self._rebalance_word = (self._rebalance_word & ~(packing.TIME_MASK << packing.LAST_REBALANCE_SLOT)) | self._current_slot() << packing.LAST_REBALANCE_SLOT



# ---------------------------------------------------------------- packed parameters and state: getters

@external
@view
def fee_recipient() -> address:
    return convert((self._fee_word >> packing.FEE_RECIPIENT) & packing.ADDRESS_MASK, address)


@external
@view
def mint_fee_bps() -> uint256:
    return (self._fee_word >> packing.MINT_FEE) & packing.BPS_MASK


@external
@view
def redeem_fee_bps() -> uint256:
    return (self._fee_word >> packing.REDEEM_FEE) & packing.BPS_MASK


@external
@view
def management_fee_bps() -> uint256:
    return (self._fee_word >> packing.MANAGEMENT_FEE) & packing.BPS_MASK


@external
@view
def last_fee_accrual() -> uint256:
    return (self._fee_word >> packing.LAST_FEE_ACCRUAL) & packing.TIME_MASK


@external
@view
def paused() -> bool:
    return self._is_paused()


@external
@view
def is_shutdown() -> bool:
    return self._is_shut_down()


@external
@view
def band_bps() -> uint256:
    return (self._parameter_word >> packing.BAND) & packing.BPS_MASK


@external
@view
def min_drift_bps() -> uint256:
    return (self._parameter_word >> packing.MIN_DRIFT) & packing.BPS_MASK


@external
@view
def max_slippage_bps() -> uint256:
    return (self._parameter_word >> packing.MAX_SLIPPAGE) & packing.BPS_MASK


@external
@view
def max_price_age() -> uint256:
    return (self._parameter_word >> packing.MAX_PRICE_AGE) & packing.SECONDS_MASK


@external
@view
def rebalance_interval() -> uint256:
    return (self._parameter_word >> packing.REBALANCE_INTERVAL) & packing.SECONDS_MASK


@external
@view
def rebalance_offset() -> uint256:
    return (self._parameter_word >> packing.REBALANCE_OFFSET) & packing.SECONDS_MASK


@external
@view
def twap_cooldown() -> uint256:
    return (self._parameter_word >> packing.TWAP_COOLDOWN) & packing.SECONDS_MASK


@external
@view
def keeper_grace() -> uint256:
    return (self._parameter_word >> packing.KEEPER_GRACE) & packing.SECONDS_MASK


@external
@view
def ripcord_leverage() -> uint256:
    return (self._parameter_word >> packing.RIPCORD_LEVERAGE) & packing.LEVERAGE_MASK


@external
@view
def last_rebalance_time() -> uint256:
    return (self._rebalance_word >> packing.LAST_REBALANCE_TIME) & packing.TIME_MASK


@external
@view
def last_rebalance_slot() -> uint256:
    return (self._rebalance_word >> packing.LAST_REBALANCE_SLOT) & packing.TIME_MASK


@external
@view
def due_since() -> uint256:
    return (self._rebalance_word >> packing.DUE_SINCE) & packing.TIME_MASK


@external
@view
def chunk_pending() -> bool:
    return (self._rebalance_word >> packing.CHUNK_PENDING) & packing.FLAG_MASK == 1


@external
@view
def last_rebalance_price() -> uint256:
    return (self._rebalance_word >> packing.LAST_REBALANCE_PRICE) & packing.PRICE_MASK


# ---------------------------------------------------------------- internal: packed words

@internal
def _store_parameters(p: ILeveragedToken.Parameters):
    """
    @dev Write every changeable parameter; the fee word keeps its last accrual and flags.
    """
    # the configurator's bounds are far inside every field's width; checked again here, so a
    # wider value can never spill into its neighbour (an OR of values is within a 2**k - 1 mask
    # only if each value is)
    self._check_bounds(
        (p.mint_fee_bps | p.redeem_fee_bps | p.management_fee_bps | p.band_bps | p.min_drift_bps | p.max_slippage_bps)
        <= packing.BPS_MASK
        and (p.max_price_age | p.rebalance_interval | p.rebalance_offset | p.twap_cooldown | p.keeper_grace)
        <= packing.SECONDS_MASK
        and p.ripcord_leverage <= packing.LEVERAGE_MASK
    )
    self._fee_word = (self._fee_word & packing.FEE_STATE_MASK) | (
        convert(p.fee_recipient, uint256) << packing.FEE_RECIPIENT
        | p.mint_fee_bps << packing.MINT_FEE
        | p.redeem_fee_bps << packing.REDEEM_FEE
        | p.management_fee_bps << packing.MANAGEMENT_FEE
    )
    self._parameter_word = (
        p.band_bps << packing.BAND
        | p.min_drift_bps << packing.MIN_DRIFT
        | p.max_slippage_bps << packing.MAX_SLIPPAGE
        | p.max_price_age << packing.MAX_PRICE_AGE
        | p.rebalance_interval << packing.REBALANCE_INTERVAL
        | p.rebalance_offset << packing.REBALANCE_OFFSET
        | p.twap_cooldown << packing.TWAP_COOLDOWN
        | p.keeper_grace << packing.KEEPER_GRACE
        | p.ripcord_leverage << packing.RIPCORD_LEVERAGE
    )
    self.max_total_assets = p.max_total_assets
    self.max_trade_notional = p.max_trade_notional
    self.ripcord_trade_notional = p.ripcord_trade_notional
    self.ripcord_reward = p.ripcord_reward
    self.split_lower_nav = p.split_lower_nav
    self.split_upper_nav = p.split_upper_nav



# ---------------------------------------------------------------- internal: revert reasons
# One assert per reason, shared by every check that raises it: each revert site with a reason
# string costs ~110 bytes of code (its Error(string) encoding is inlined).

@internal
@pure
def _check_nonzero(ok: bool):
    assert ok, "lt: zero"


@internal
@pure
def _check_zero_shares(ok: bool):
    assert ok, "lt: zero shares"


@internal
@pure
def _check_slippage(ok: bool):
    assert ok, "lt: slippage"


@internal
@pure
def _check_needed(ok: bool):
    assert ok, "lt: not needed"


@internal
@pure
def _check_bounds(ok: bool):
    if not ok:
        share_ledger._raise_bounds()  # "lt: bounds": one revert site, the ledger's


@internal
@view
def _check_cooldown():
    assert block.timestamp >= ((self._rebalance_word >> packing.LAST_REBALANCE_TIME) & packing.TIME_MASK) + ((self._parameter_word >> packing.TWAP_COOLDOWN) & packing.SECONDS_MASK), "lt: cooldown"


@internal
@view
def _check_live():
    assert not self._is_shut_down(), "lt: shutdown"


@internal
@view
def _is_shut_down() -> bool:
    return (self._fee_word >> packing.SHUTDOWN) & packing.FLAG_MASK == 1


@internal
@view
def _is_paused() -> bool:
    return (self._fee_word >> packing.PAUSED) & packing.FLAG_MASK == 1


# ---------------------------------------------------------------- internal: checks

@internal
@view
def _check_receiver(receiver: address, deadline: uint256):
    # the ledger's revert sites: "lt: expired", "lt: receiver"
    if block.timestamp > deadline:
        share_ledger._raise_expired()
    if receiver == empty(address) or receiver == self:
        share_ledger._raise_receiver()


@internal
@view
def _check_entry(receiver: address, deadline: uint256):
    self._check_receiver(receiver, deadline)
    self._check_live()
    assert not self._is_paused(), "lt: paused"


@internal
@view
def _check_mintable(snap: lt_math.FundState):
    self._require_fresh(snap)
    self._require_solvent(snap)


# ---------------------------------------------------------------- internal: NAV and snapshot

@internal
@view
def _nav() -> int256:
    return convert(self.idle_assets, int256) + staticcall adapter.equity(self)


@internal
@view
def _snapshot() -> lt_math.FundState:
    venue: IPerpAdapter.AccountSnapshot = staticcall adapter.account_snapshot(self)
    supply: uint256 = share_ledger._total_supply()
    idle: uint256 = self.idle_assets
    return lt_math.FundState(
        token=self,
        adapter=adapter.address,
        supply=supply + self._pending_fee_shares(supply),
        nav=convert(idle, int256) + venue.equity,
        size=venue.size,
        price=venue.price,
        fresh=lt_math._is_fresh(venue.fresh, venue.price, venue.updated_at, block.timestamp, ((self._parameter_word >> packing.MAX_PRICE_AGE) & packing.SECONDS_MASK)),
        idle_assets=idle,
        target_leverage=target_leverage,
        is_long=is_long,
        asset_scale=ASSET_SCALE,
        initial_nav_per_share=initial_nav_per_share,
        mint_fee_bps=((self._fee_word >> packing.MINT_FEE) & packing.BPS_MASK),
        redeem_fee_bps=((self._fee_word >> packing.REDEEM_FEE) & packing.BPS_MASK),
    )


@internal
@view
def _require_solvent(snap: lt_math.FundState):
    assert snap.supply == 0 or snap.nav > 0, "lt: insolvent"


@internal
@view
def _require_fresh(snap: lt_math.FundState):
    assert snap.fresh, "lt: stale price"


@internal
@view
def _fresh_snapshot() -> lt_math.FundState:
    snap: lt_math.FundState = self._snapshot()
    self._require_fresh(snap)
    return snap


@internal
@view
def _exit_view() -> lt_math.FundState:
    """
    @dev Redeem and withdraw trade only if there is a position: a flat fund (e.g. after shutdown)
         pays out whatever the oracle does.
    """
    snap: lt_math.FundState = self._snapshot()
    if snap.size != 0:
        self._require_fresh(snap)
    return snap


@internal
def _exit_snapshot() -> lt_math.FundState:
    self._accrue_management_fee()
    return self._exit_view()


@internal
def _accrue_and_snapshot() -> lt_math.FundState:
    self._accrue_management_fee()
    return self._fresh_snapshot()


# ---------------------------------------------------------------- internal: mint

@internal
def _execute_mint(snap: lt_math.FundState, assets: uint256) -> uint256:
    """
    @dev Pull `assets`, keep the mint fee apart, add the rest as margin, grow the position in kind.
    @return Shares the NAV actually added is worth (the first minter's DEAD_SHARES deducted).
    """
    assert extcall IERC20(asset).transferFrom(msg.sender, self, assets, default_return_value=True)
    fee: uint256 = lt_math._fee(assets, ((self._fee_word >> packing.MINT_FEE) & packing.BPS_MASK))
    net: uint256 = assets - fee
    self._check_zero_shares(net > 0)
    if snap.supply == 0:
        assert net >= MIN_INITIAL_ASSETS, "lt: first deposit"
    self.protocol_fees += fee
    extcall adapter.deposit(net)
    size_delta: int256 = lt_math._mint_size_delta(snap, net)
    if size_delta != 0:
        self._trade(size_delta, snap.price)
    nav_after: int256 = self._nav()
    assert nav_after <= 0 or convert(nav_after, uint256) <= self.max_total_assets, "lt: cap"
    shares: uint256 = lt_math._shares_minted(snap, convert(max(nav_after - snap.nav, 0), uint256))
    self._check_zero_shares(shares > 0)
    return shares


@internal
def _finish_mint(snap: lt_math.FundState, assets: uint256, shares: uint256, receiver: address):
    if snap.supply == 0:
        share_ledger._mint_shares(self, DEAD_SHARES)
    share_ledger._mint_shares(receiver, shares)
    log IERC4626.Deposit(sender=msg.sender, owner=receiver, assets=assets, shares=shares)


@internal
@view
def _max_deposit() -> uint256:
    if (self._is_paused()) or (self._is_shut_down()):
        return 0
    snap: lt_math.FundState = self._snapshot()
    if not snap.fresh or (snap.supply > 0 and snap.nav <= 0):
        return 0
    return staticcall views.max_deposit(snap, self.max_total_assets, ((self._parameter_word >> packing.MAX_SLIPPAGE) & packing.BPS_MASK))


# ---------------------------------------------------------------- internal: redeem

@internal
def _execute_redeem(snap: lt_math.FundState, shares: uint256) -> uint256:
    """
    @dev Close the shares' slice of the position; where the venue would not then release what
         leaving takes (margin drained while the PnL is unrealised), close a further part with
         it and reopen that part, so realised PnL pays the exit; the fund pays the part of that
         round trip that restores its own negative margin, the exit the rest, and the exit is
         priced on NAV less the fund's part (LeveragedTokenViews.exit_trades). Return what
         leaving takes out of the fund.
    """
    close: int256 = 0
    reopen: int256 = 0
    fund_cost: uint256 = 0
    close, reopen, fund_cost = staticcall views.exit_trades(snap, shares)
    if close != 0:
        self._trade(close, snap.price)
    if reopen != 0:
        self._trade(reopen, snap.price)
    taken: int256 = lt_math._redeem_value(snap.supply, convert(snap.nav, uint256) - fund_cost, self._nav(), shares)
    self._check_nonzero(taken > 0)
    return convert(taken, uint256)


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
        extcall adapter.withdraw(needed - from_idle, self)
    self.protocol_fees += fee
    assert extcall IERC20(asset).transfer(receiver, assets, default_return_value=True)


# ---------------------------------------------------------------- internal: trading

@internal
def _trade(size_delta: int256, price: uint256) -> uint256:
    """
    @dev Trade on the venue no worse than the oracle price -+ max_slippage_bps.
    @return The execution price (WAD).
    """
    return extcall adapter.trade(
        size_delta, lt_math._limit_price(price, ((self._parameter_word >> packing.MAX_SLIPPAGE) & packing.BPS_MASK), size_delta > 0)
    )


# ---------------------------------------------------------------- internal: rebalancing

@internal
@view
def _current_slot() -> uint256:
    return lt_math._current_slot(block.timestamp, ((self._parameter_word >> packing.REBALANCE_OFFSET) & packing.SECONDS_MASK), ((self._parameter_word >> packing.REBALANCE_INTERVAL) & packing.SECONDS_MASK))


@internal
@view
def _rebalance_status(snap: lt_math.FundState) -> (uint8, int256, int256):
    return staticcall views.rebalance_status(
        snap,
        lt_math.RebalanceState(
            is_shutdown=(self._is_shut_down()),
            band_bps=((self._parameter_word >> packing.BAND) & packing.BPS_MASK),
            ripcord_leverage=((self._parameter_word >> packing.RIPCORD_LEVERAGE) & packing.LEVERAGE_MASK),
            min_drift_bps=((self._parameter_word >> packing.MIN_DRIFT) & packing.BPS_MASK),
            max_trade_notional=self.max_trade_notional,
            chunk_pending=((self._rebalance_word >> packing.CHUNK_PENDING) & packing.FLAG_MASK == 1),
            slot_open=self._current_slot() > ((self._rebalance_word >> packing.LAST_REBALANCE_SLOT) & packing.TIME_MASK),
        ),
    )


@internal
@view
def _flag_expired() -> bool:
    """
    @dev A flag opens the rebalance to anyone for one grace period after its own grace period,
         then lapses: a breach that healed and came back needs a new flag (and a new grace).
    """
    return block.timestamp > ((self._rebalance_word >> packing.DUE_SINCE) & packing.TIME_MASK) + 2 * ((self._parameter_word >> packing.KEEPER_GRACE) & packing.SECONDS_MASK)


@internal
@view
def _grace_start(reason: uint8) -> uint256:
    """
    @dev When a due rebalance started waiting for the keeper (0: not known yet).
    """
    if reason == REASON_SCHEDULED:
        return self._current_slot() * ((self._parameter_word >> packing.REBALANCE_INTERVAL) & packing.SECONDS_MASK) + ((self._parameter_word >> packing.REBALANCE_OFFSET) & packing.SECONDS_MASK)
    if reason == REASON_CHUNK:
        return (self._rebalance_word >> packing.LAST_REBALANCE_TIME) & packing.TIME_MASK
    if self._flag_expired():
        return 0
    return (self._rebalance_word >> packing.DUE_SINCE) & packing.TIME_MASK


@internal
def _execute_rebalance(snap: lt_math.FundState, size_delta: int256, full_delta: int256) -> int256:
    """
    @dev Trade `size_delta` and record it; a clamped trade (short of `full_delta`) leaves a chunk
         pending. Rebalance, ripcord and shutdown chunks all record here (the cooldown's clock).
         If the trade would leave the venue margin below zero, first close a part of the
         position that the trade then buys back, so realised PnL refills the margin
         (LeveragedTokenViews.rebalance_realise).
    @return NAV (assets) right after the trade. The size is then snap.size + size_delta at the
         same oracle price (one block), so callers derive leverage without a second venue read.
    """
    realise: int256 = staticcall views.rebalance_realise(snap, size_delta, self.max_trade_notional, ((self._parameter_word >> packing.MAX_SLIPPAGE) & packing.BPS_MASK))
    if realise != 0:
        self._trade(-realise, snap.price)
    price: uint256 = self._trade(size_delta + realise, snap.price)
    self._check_bounds(price <= packing.PRICE_MASK)
    # one write: time, slot, price, chunk pending; due_since cleared
    self._rebalance_word = (
        block.timestamp << packing.LAST_REBALANCE_TIME
        | self._current_slot() << packing.LAST_REBALANCE_SLOT
        | convert(size_delta != full_delta, uint256) << packing.CHUNK_PENDING
        | price << packing.LAST_REBALANCE_PRICE
    )
    return self._nav()


# ---------------------------------------------------------------- internal: splits

@internal
def _split(factor: uint256, is_reverse: bool):
    self._check_bounds(factor >= MIN_SPLIT_FACTOR and factor <= MAX_SPLIT_FACTOR)
    # NAV does not change and pending management-fee shares scale with the supply, so one
    # snapshot serves both sides and nothing needs to accrue first
    snap: lt_math.FundState = self._snapshot()
    before: uint256 = lt_math._nav_per_share(snap)
    supply: uint256 = share_ledger._rescale(factor, is_reverse)
    snap.supply = supply + self._pending_fee_shares(supply)
    after: uint256 = lt_math._nav_per_share(snap)
    if not access_control.hasRole[access_control.DEFAULT_ADMIN_ROLE][msg.sender]:
        access_control._check_role(KEEPER_ROLE, msg.sender)
        lower: uint256 = self.split_lower_nav
        upper: uint256 = self.split_upper_nav
        out_of_band: bool = before < lower if is_reverse else before > upper
        self._check_needed(out_of_band and after >= lower and after <= upper)
    log ILeveragedToken.Split(factor=factor, is_reverse=is_reverse, nav_per_share_before=before, nav_per_share_after=after)


# ---------------------------------------------------------------- internal: fees

@internal
@view
def _pending_fee_shares(supply: uint256) -> uint256:
    if supply == 0 or (self._is_shut_down()):
        return 0
    return lt_math._management_fee_shares(supply, ((self._fee_word >> packing.MANAGEMENT_FEE) & packing.BPS_MASK), block.timestamp - ((self._fee_word >> packing.LAST_FEE_ACCRUAL) & packing.TIME_MASK))


@internal
def _accrue_management_fee():
    shares: uint256 = self._pending_fee_shares(share_ledger._total_supply())
    self._fee_word = (self._fee_word & ~(packing.TIME_MASK << packing.LAST_FEE_ACCRUAL)) | block.timestamp << packing.LAST_FEE_ACCRUAL
    if shares > 0:
        recipient: address = convert((self._fee_word >> packing.FEE_RECIPIENT) & packing.ADDRESS_MASK, address)
        share_ledger._mint_shares(recipient, shares)
        log ILeveragedToken.ManagementFeeMinted(fee_recipient=recipient, shares=shares)
