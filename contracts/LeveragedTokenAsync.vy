# pragma version ~=0.4.3
# pragma optimize codesize
"""
@title Leveraged token on an asynchronous venue (ERC-7540)
@notice One leveraged product on a perp venue whose trades fill later (IAsyncPerpVenue): an ERC-20
        share of a fund holding collateral as margin and a position of about `target_leverage` x
        NAV. Mint and redeem are ERC-7540 requests: requestDeposit / requestRedeem, settled in
        rounds whose deposits and redeems are netted into ONE venue order; each requester gets
        exactly the NAV at the fill the venue recorded, less its pro-rata share of that order's
        cost (taker fee, impact against the oracle, execution fee), which only the side in excess
        bears. The ERC-4626 deposit / mint / redeem / withdraw are the claims. docs/async-token.md
        has the design and its choices against ERC-7540 and GMX v2.

        Units: assets = collateral base units; shares = 18 decimals; prices and sizes = WAD.

        NAV = idle collateral (tracked) + venue equity; collateral held for requests and claims
        (`held_assets`) is not NAV; shares pending redemption stay in the supply (escrowed by the
        token) and bear PnL until the fill. Between a round's fill and its settlement, NAV and
        the supply read as if it had settled (computed from the recorded fill).

        Shared with the sync token (LeveragedToken.vy) as modules: the share ledger
        (share_ledger.vy: ERC-20, EIP-2612), snekmate's access control, lt_math.vy's share and
        size formulas. The round formulas are round_math.vy's, served by the AsyncRoundMath contract
        this token calls (`round_math`, IAsyncRoundMath: the token has no room to carry them).

        Rebalancing rides in rounds: a close whose rebalance is due (band, schedule with drift,
        ripcord: rebalance_status) adds the fund's part, which moves the staying holders to
        target, to the round's order (a round with no requests closes for it alone); the fund
        bears its share of that order's cost, so requesters never pay for the rebalance and
        holders never pay for the requests. While an order is in flight no second one is placed
        (status IN_FLIGHT); `ripcord()` (anyone, at the ripcord level) cancels a pending order
        that adds exposure and places a reducing one. The position is read from the venue at
        every close, so its liquidations and deleveraging show up there.

        Fees: a mint fee on each deposit request's assets and a redeem fee on each redeem
        request's assets, fixed at deployment, held for the fee recipient (collect_fees); no
        management fee yet.

        Roles: DEFAULT_ADMIN_ROLE (round and rebalance parameters, fee recipient, unpause), KEEPER_ROLE (close a round before
        its grace has passed), GUARDIAN_ROLE (pause new requests).

        Reverts: "lt: zero", "lt: min request", "lt: not operator", "lt: request pending",
        "lt: in flight", "lt: not due", "lt: not needed", "lt: order pending", "lt: no round",
        "lt: stale price", "lt: insolvent" (close_round on a wiped-out fund), "lt: claimable", "lt: paused", "lt: bounds", "lt: not async",
        "lt: async" (every preview),
        share_ledger's "lt: receiver", "lt: balance", "lt: allowance", "lt: expired",
        "lt: signature", "venue: ..." (passed through), snekmate's "access_control: ...".
@custom:reentrancy Every state-changing function of this contract is @nonreentrant (one lock,
        shared with share_ledger's functions, whose module is nonreentrant as a whole), and so
        are the views that compute NAV from state a call may be updating (totalAssets,
        totalSupply, convertToShares, convertToAssets, nav_per_share): a token hook or a
        venue call back into them mid-round reverts instead of reading a half-moved balance
        (e.g. idle collateral taken by a round before the round is recorded in flight). The
        other views (public getters, the ERC-7540 request and claim views, max*) read single
        records that every function writes before its external calls, so they run unlocked
        (the per-function form, replacing the file-wide pragma, saves ~300 bytes).
@custom:kill `pause()` (guardian) stops new requests; open requests can still be cancelled, rounds
        close and settle, and every claimable request can be claimed.
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed
from ethereum.ercs import IERC4626
from snekmate.auth import access_control
from snekmate.utils import math
from .interfaces import IAsyncPerpVenue
from .interfaces import IAsyncRoundMath
from . import constants
from . import lt_math
from . import share_ledger
from . import LeveragedTokenConfigurator

implements: IERC20
implements: IERC20Detailed

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


# ---------------------------------------------------------------- events (ERC-7540, then our own)

event DepositRequest:
    controller: indexed(address)
    owner: indexed(address)
    requestId: indexed(uint256)
    sender: address
    assets: uint256

event RedeemRequest:
    controller: indexed(address)
    owner: indexed(address)
    requestId: indexed(uint256)
    sender: address
    assets: uint256  # ERC-7540 names it so; it is the shares requested

event OperatorSet:
    controller: indexed(address)
    operator: indexed(address)
    approved: bool

event RequestCancelled:
    controller: indexed(address)
    is_redeem: bool
    amount: uint256  # assets (deposit) or shares (redeem) returned to the controller

event RoundClosed:
    round_id: indexed(uint256)
    order_id: indexed(uint256)
    deposits: uint256  # assets
    redeems: uint256  # shares
    size_delta: int256  # the requests' trade plus `rebalance`
    collateral_delta: int256
    rebalance: int256  # the fund's part of size_delta: the staying holders back to target (0: none)
    reason: uint8  # why it rebalances (lt_math's REASON_*: SCHEDULED, BAND, RIPCORD; NONE)

event RoundRolled:
    round_id: indexed(uint256)
    order_id: indexed(uint256)
    status: uint8  # the venue order's end: REFUSED, CANCELLED or EXPIRED

event RoundSettled:
    round_id: indexed(uint256)
    order_id: indexed(uint256)
    nav_at_fill: uint256  # assets: the fund without the order at the fill's oracle price
    cost: uint256  # assets borne by the side in excess
    deposits_pay: bool
    shares_out: uint256
    assets_out: uint256
    fees: uint256  # assets: the round's mint and redeem fees
    fund_cost: uint256  # assets: the part of `cost` the staying holders bore for the rebalance

event PayoutPlaced:
    round_id: indexed(uint256)
    order_id: indexed(uint256)
    amount: uint256  # assets the order withdraws for the round's redeemers

event RoundParametersSet:
    round_interval: uint256
    round_grace: uint256
    min_deposit_assets: uint256
    min_redeem_shares: uint256
    redeem_cushion_bps: uint256
    max_slippage_bps: uint256

event RebalanceParametersSet:
    band_bps: uint256
    rebalance_interval: uint256
    min_drift_bps: uint256
    ripcord_leverage: uint256

event FeesCollected:
    fee_recipient: indexed(address)
    assets: uint256

event Paused:
    account: address

event Unpaused:
    account: address


# ---------------------------------------------------------------- structs

# a round's life: OPEN (collects requests) -> IN_FLIGHT (its order at the venue) -> SETTLED, or
# -> PAYING (deposits settled; a payout order withdraws the redeemers' rest) -> SETTLED; a refused
# or expired order sends it back to OPEN with its requests
struct Round:
    deposits: uint256  # assets requested
    redeems: uint256  # shares requested
    status: uint8
    order_id: uint256  # the venue order in flight, or the last one placed
    cash: uint256  # assets: IN_FLIGHT, what the round holds at the token once filled; PAYING, what the payout order withdraws
    fronter: address  # who paid the order's execution fee up front (repaid by the round)
    execution_fee: uint256  # assets, the fee fronted
    shares_out: uint256  # once settled: shares for the depositors together
    assets_out: uint256  # once settled: assets for the redeemers together
    fees: uint256  # once settled: the round's mint and redeem fees, for the fee recipient
    rebalance: int256  # the fund's part of the order's size delta (0: no rebalance rides in it)


# a controller's pending request: the round it joined and the amount (assets or shares)
struct Request:
    round_id: uint256
    amount: uint256


# a controller's claimable balance: what it requested and what it is owed (deposit: assets in,
# shares owed; redeem: shares in, assets owed)
struct Claim:
    requested: uint256
    owed: uint256


# ---------------------------------------------------------------- constants

KEEPER_ROLE: public(constant(bytes32)) = keccak256("KEEPER_ROLE")
GUARDIAN_ROLE: public(constant(bytes32)) = keccak256("GUARDIAN_ROLE")
DEAD_SHARES: public(constant(uint256)) = constants.DEAD_SHARES
REQUEST_ID: constant(uint256) = 0  # ERC-7540's aggregated form: requests are keyed by controller

OPEN: constant(uint8) = 0
IN_FLIGHT: constant(uint8) = 1
PAYING: constant(uint8) = 2
SETTLED: constant(uint8) = 3

# IAsyncPerpVenue.Order.status
VENUE_PENDING: constant(uint8) = 1
VENUE_FILLED: constant(uint8) = 2

# ERC-165 interface ids (tests/contracts/test_async_token.py derives each from its selectors), as
# numbers: compared as 4-byte pushes, not 32-byte ones (bytes)
ERC165_ID: constant(uint256) = 33540519  # 0x01ffc9a7
ERC7575_ID: constant(uint256) = 789190853  # 0x2f0a18c5
ERC7540_OPERATOR_ID: constant(uint256) = 3820768869  # 0xe3bc4e65
ERC7540_DEPOSIT_ID: constant(uint256) = 3460021840  # 0xce3bbe50
ERC7540_REDEEM_ID: constant(uint256) = 1645144292  # 0x620ee8e4
ACCESS_CONTROL_ID: constant(uint256) = 2036718347  # 0x7965db0b

# _close's modes: a round's requests (close_round), the ripcord's own round with nothing in
# flight, the ripcord's round after it cancelled an order in flight
CLOSE_REQUESTS: constant(uint8) = 0
CLOSE_RIPCORD: constant(uint8) = 1
CLOSE_AFTER_CANCEL: constant(uint8) = 2

MAX_ROUND_SECONDS: constant(uint256) = 7 * 86_400
MAX_CUSHION_BPS: constant(uint256) = 5_000
MAX_SLIPPAGE_BPS: constant(uint256) = 1_000


# ---------------------------------------------------------------- immutables

asset: public(immutable(address))
venue: public(immutable(IAsyncPerpVenue))
round_math: public(immutable(IAsyncRoundMath))  # AsyncRoundMath: the round formulas
target_leverage: public(immutable(uint256))  # WAD
is_long: public(immutable(bool))
ASSET_SCALE: public(immutable(uint256))  # 10**(18 - asset decimals)
initial_nav_per_share: public(immutable(uint256))  # assets per 1e18 shares at the first mint
# fixed for the token's life, so no change can reach a holder without notice (the sync token's
# fees change through the configurator's timelock)
mint_fee_bps: public(immutable(uint256))  # on the assets a deposit request settles with
redeem_fee_bps: public(immutable(uint256))  # on the assets a redeem request settles with


# ---------------------------------------------------------------- storage

idle_assets: public(uint256)  # collateral at the token that belongs to NAV
held_assets: public(uint256)  # collateral at the token held for requests, claims and fees; not NAV
flight_idle: public(uint256)  # assets: the fund's idle collateral the round in flight took (its cash first, the rest into margin; its H counts it); 0 once settled or rolled
protocol_fees: public(uint256)  # mint and redeem fees held for the fee recipient (part of held_assets)
fee_recipient: public(address)

rounds: public(HashMap[uint256, Round])
open_round: public(uint256)  # the round that takes new requests
flight_round: public(uint256)  # the round whose order is in flight or paying out (0: none)
next_round: uint256  # the id the next new round gets
merged_into: public(HashMap[uint256, uint256])  # a round rolled into an older one (0: not merged)
last_close: public(uint256)  # timestamp of the last round close

deposit_requests: HashMap[address, Request]
redeem_requests: HashMap[address, Request]
deposit_claims: HashMap[address, Claim]
redeem_claims: HashMap[address, Claim]
isOperator: public(HashMap[address, HashMap[address, bool]])

round_interval: public(uint256)  # seconds between round closes
round_grace: public(uint256)  # seconds after a round is due before anyone may close it
min_deposit_assets: public(uint256)  # assets: the least a deposit request may be
min_redeem_shares: public(uint256)  # shares: the least a redeem request may be
redeem_cushion_bps: public(uint256)  # extra cash a round keeps for its redeemers against a move before the fill
max_slippage_bps: public(uint256)  # a round's order fills no worse than the close's oracle price -+ this
paused: public(bool)
rebalance_parameters: public(IAsyncRoundMath.RebalanceParameters)
last_rebalance: public(uint256)  # timestamp of the last close whose order rebalanced the fund


# ---------------------------------------------------------------- constructor

@deploy
def __init__(
    name_: String[50],
    symbol_: String[32],
    asset_: address,
    venue_: address,
    target_leverage_: uint256,
    is_long_: bool,
    asset_scale_: uint256,
    initial_nav_per_share_: uint256,
    mint_fee_bps_: uint256,
    redeem_fee_bps_: uint256,
    fee_recipient_: address,
    round_math_: address,
):
    """
    @notice The deployer gets DEFAULT_ADMIN_ROLE. Round parameters start at: a round every 300 s,
            anyone may close it 600 s after it is due, requests of at least one whole collateral
            unit or 0.01 share, a 10 % cushion on the redeemers' cash, 50 bps of slippage.
    @param asset_scale_ 10**(18 - asset decimals)
    @param initial_nav_per_share_ NAV per share at the first mint, in asset base units
    @param mint_fee_bps_ Fee on a deposit request's assets, at most the sync token's cap
    @param redeem_fee_bps_ Fee on a redeem request's assets, at most the sync token's cap
    @param round_math_ The AsyncRoundMath contract serving the round formulas
    """
    access_control.__init__()
    share_ledger.__init__(name_, symbol_)
    assert staticcall IAsyncPerpVenue(venue_).is_async(), "lt: not async"
    assert mint_fee_bps_ <= LeveragedTokenConfigurator.MAX_MINT_FEE_BPS, "lt: bounds"
    assert redeem_fee_bps_ <= LeveragedTokenConfigurator.MAX_REDEEM_FEE_BPS, "lt: bounds"
    mint_fee_bps = mint_fee_bps_
    redeem_fee_bps = redeem_fee_bps_
    self.fee_recipient = fee_recipient_
    asset = asset_
    venue = IAsyncPerpVenue(venue_)
    round_math = IAsyncRoundMath(round_math_)
    target_leverage = target_leverage_
    is_long = is_long_
    ASSET_SCALE = asset_scale_
    initial_nav_per_share = initial_nav_per_share_
    self.open_round = 1
    self.next_round = 2
    self.round_interval = 300
    self.round_grace = 600
    self.min_deposit_assets = 10**18 // asset_scale_
    self.min_redeem_shares = 10**16
    self.redeem_cushion_bps = 1_000
    self.max_slippage_bps = 50
    self.rebalance_parameters = IAsyncRoundMath.RebalanceParameters(
        band_bps=2_000,
        rebalance_interval=86_400,
        min_drift_bps=50,
        ripcord_leverage=lt_math._default_ripcord_leverage(target_leverage_),
    )
    self.last_rebalance = block.timestamp
    assert extcall IERC20(asset_).approve(venue_, max_value(uint256), default_return_value=True)


# ---------------------------------------------------------------- ERC-7540: requests

@external
@nonreentrant
def requestDeposit(assets: uint256, controller: address, owner: address) -> uint256:
    """
    @notice Pay `assets` from `owner` into the open round for `controller`; they are held apart
            from NAV until the round settles. The caller is `owner` or its operator.
    @return The request id, 0 (requests are aggregated per controller).
    """
    self._check_requestable(owner, controller)
    self._check_min_request(assets >= self.min_deposit_assets and assets > 0)
    req: Request = self._join(self._fold_deposit(controller), assets)
    self.deposit_requests[controller] = req
    self.rounds[req.round_id].deposits += assets
    self.held_assets += assets
    self._pull(owner, assets)
    log DepositRequest(controller=controller, owner=owner, requestId=REQUEST_ID, sender=msg.sender, assets=assets)
    return REQUEST_ID


@external
@nonreentrant
def requestRedeem(shares: uint256, controller: address, owner: address) -> uint256:
    """
    @notice Move `shares` of `owner` into the token for `controller`'s request in the open round;
            they stay in the supply and bear PnL until the fill. The caller is `owner`, its
            operator, or spends its ERC-20 allowance.
    @return The request id, 0.
    """
    self._check_receiver(controller)
    self._check_live()
    if msg.sender != owner and not self.isOperator[owner][msg.sender]:
        share_ledger._spend_allowance(owner, msg.sender, shares)
    self._check_min_request(shares >= self.min_redeem_shares and shares > 0)
    req: Request = self._join(self._fold_redeem(controller), shares)
    self.redeem_requests[controller] = req
    self.rounds[req.round_id].redeems += shares
    share_ledger._transfer(owner, self, shares)
    log RedeemRequest(controller=controller, owner=owner, requestId=REQUEST_ID, sender=msg.sender, assets=shares)
    return REQUEST_ID


@external
@nonreentrant
def cancelDepositRequest(requestId: uint256, controller: address):
    """
    @notice While `controller`'s deposit request is in the open round: return exactly the assets
            requested to `controller`. The caller is `controller` or its operator.
    """
    self._check_controller(controller)
    req: Request = self._cancellable(self._fold_deposit(controller))
    self.deposit_requests[controller] = empty(Request)
    self.rounds[req.round_id].deposits -= req.amount
    self._pay(controller, req.amount)
    log RequestCancelled(controller=controller, is_redeem=False, amount=req.amount)


@external
@nonreentrant
def cancelRedeemRequest(requestId: uint256, controller: address):
    """
    @notice While `controller`'s redeem request is in the open round: return exactly the shares
            requested to `controller`.
    """
    self._check_controller(controller)
    req: Request = self._cancellable(self._fold_redeem(controller))
    self.redeem_requests[controller] = empty(Request)
    self.rounds[req.round_id].redeems -= req.amount
    share_ledger._transfer(self, controller, req.amount)
    log RequestCancelled(controller=controller, is_redeem=True, amount=req.amount)


@external
@nonreentrant
def setOperator(operator: address, approved: bool) -> bool:
    """
    @notice Let `operator` request, cancel and claim for the caller (ERC-7540).
    """
    self._check_operator(operator != msg.sender)
    self.isOperator[msg.sender][operator] = approved
    log OperatorSet(controller=msg.sender, operator=operator, approved=approved)
    return True


# ---------------------------------------------------------------- ERC-7540: claims (ERC-4626 entry points)

@external
@nonreentrant
def deposit(assets: uint256, receiver: address, controller: address = msg.sender) -> uint256:
    """
    @notice Claim the shares of `assets` of `controller`'s claimable deposit request, to
            `receiver` (rounded down).
    @return Shares sent.
    """
    claim: Claim = self._claim_deposit(controller, receiver)
    shares: uint256 = self._part(claim, assets, False)
    self._send_shares(claim, controller, assets, shares, receiver)
    return shares


@external
@nonreentrant
def mint(shares: uint256, receiver: address, controller: address = msg.sender) -> uint256:
    """
    @notice Claim `shares` of `controller`'s claimable deposit request, to `receiver`; charges
            the request's assets for them, rounded up.
    @return Assets of the request used.
    """
    claim: Claim = self._claim_deposit(controller, receiver)
    assets: uint256 = self._requested_for(claim, shares)
    self._send_shares(claim, controller, assets, shares, receiver)
    return assets


@external
@nonreentrant
def redeem(shares: uint256, receiver: address, controller: address) -> uint256:
    """
    @notice Claim the assets of `shares` of `controller`'s claimable redeem request, to
            `receiver` (rounded down).
    @return Assets paid.
    """
    claim: Claim = self._claim_redeem(controller, receiver)
    assets: uint256 = self._part(claim, shares, False)
    self._send_assets(claim, controller, shares, assets, receiver)
    return assets


@external
@nonreentrant
def withdraw(assets: uint256, receiver: address, controller: address) -> uint256:
    """
    @notice Claim `assets` of `controller`'s claimable redeem request, to `receiver`; uses the
            request's shares for them, rounded up.
    @return Shares of the request used.
    """
    claim: Claim = self._claim_redeem(controller, receiver)
    shares: uint256 = self._requested_for(claim, assets)
    self._send_assets(claim, controller, shares, assets, receiver)
    return shares


# ---------------------------------------------------------------- rounds: close and settle

@external
@nonreentrant
def close_round() -> uint256:
    """
    @notice Close the open round into one venue order: the requests' trade plus the fund's
            rebalance when one is due (round_math._round_trade), netted, with the cash and
            collateral of round_math._round_order at the oracle price now, no worse than it
            -+ max_slippage_bps. A round with no requests closes only when a rebalance is due
            (its order is the fund's part alone). KEEPER_ROLE once `round_interval` has passed
            since the last close; anyone `round_grace` later. The caller pays the venue's
            execution fee (in the collateral, approved to the token) and the round repays it at
            settlement; if the order is refused or expires, that fee was the caller's cost of
            trying. The position is read from the venue at every close.
    @return The venue order id.
    """
    self._check_not_in_flight(self.flight_round == 0)
    due: uint256 = self.last_close + self.round_interval
    if not (block.timestamp >= due):
        self._fail("lt: not due")
    if block.timestamp < due + self.round_grace:
        access_control._check_role(KEEPER_ROLE, msg.sender)
    round_id: uint256 = self.open_round
    self.open_round = self.next_round
    self.next_round += 1
    self.last_close = block.timestamp
    return self._close(round_id, self.rounds[round_id], CLOSE_REQUESTS)


@external
@nonreentrant
def ripcord() -> uint256:
    """
    @notice Anyone, at leverage >= `ripcord_leverage` (read as if the orders in flight had
            filled): close a round of the fund's rebalance alone, back to target, at once. If
            the round in flight has a pending order that adds exposure, cancel it at the venue
            first (it rolls back with its requests intact, as a refused order; the venue's
            cancel delay applies); one that reduces exposure, or a round paying out or filled,
            reverts "lt: in flight". The caller fronts the execution fee as for close_round and
            is repaid at settlement; no reward. The open round's requests wait for the next close.
            After a cancel the rebalance is whatever is then due (the position without the
            cancelled order), or none: then only the cancel is done and 0 returned.
    @return The venue order id (0: none placed).
    """
    round_id: uint256 = self.flight_round
    mode: uint8 = CLOSE_RIPCORD
    if round_id != 0:
        due: bool = False
        cancellable: bool = False
        due, cancellable = self._ripcord_check(round_id)
        if not (due):
            self._fail("lt: not needed")
        self._check_not_in_flight(cancellable)
        r: Round = self.rounds[round_id]
        self._cancel(r)
        self._roll(round_id, r, self._order(r.order_id))
        mode = CLOSE_AFTER_CANCEL
    new_id: uint256 = self.next_round
    self.next_round += 1
    return self._close(new_id, empty(Round), mode)


@external
@nonreentrant
def settle() -> uint8:
    """
    @notice Anyone: act on the venue's answer to the round in flight. Filled: settle it at the
            recorded fill (round_math._settlement): shares minted for the depositors, the
            redeemed shares burned, the redeemers' assets held for their claims, the fronted
            execution fee repaid; if the round's cash is short of the redeemers' assets, the
            caller fronts the execution fee of a payout order that withdraws the rest (the
            redeemers pay it). Refused, cancelled or expired (an expired order is closed here
            first): the round reopens with its requests and the next round's. A payout order
            that filled completes the round; one that did not is placed again.
    @return The round's status after (OPEN, IN_FLIGHT, PAYING or SETTLED).
    """
    round_id: uint256 = self.flight_round
    if not (round_id != 0):
        self._fail("lt: no round")
    r: Round = self.rounds[round_id]
    o: IAsyncPerpVenue.Order = self._order(r.order_id)
    if o.status == VENUE_PENDING:
        if not (block.timestamp > o.created_at + staticcall venue.order_expiry()):
            self._fail("lt: order pending")
        self._cancel(r)
        o = self._order(r.order_id)
    if r.status == IN_FLIGHT:
        if o.status == VENUE_FILLED:
            self._settle_fill(round_id, r)
        else:
            self._roll(round_id, r, o)
    elif o.status == VENUE_FILLED:
        # PAYING: the payout order brought the rest home
        self.held_assets += r.cash
        self.protocol_fees += r.fees
        self._pay(r.fronter, r.execution_fee)
        r.status = SETTLED
        self.rounds[round_id] = r
        self.flight_round = 0
    else:
        # the payout order ended without a fill: the round's cash is as it was; its fee was its
        # fronter's cost of trying, so the redeemers get back their charge for it (min request
        # sizes keep their assets above a fee) and pay the next order's instead
        cash_held: uint256 = r.assets_out + r.fees + r.execution_fee - r.cash
        r.assets_out += r.execution_fee
        self._place_payout(round_id, r, cash_held)
    return self.rounds[round_id].status


# ---------------------------------------------------------------- guardian and admin

@external
@nonreentrant
def collect_fees() -> uint256:
    """
    @notice Anyone: send the mint and redeem fees held by the token to the fee recipient.
    """
    amount: uint256 = self.protocol_fees
    recipient: address = self.fee_recipient
    self.protocol_fees = 0
    self._pay(recipient, amount)
    log FeesCollected(fee_recipient=recipient, assets=amount)
    return amount


@external
@nonreentrant
def set_fee_recipient(recipient: address):
    """
    @notice Admin: where collected fees go from now on (fees already held go there too).
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self._check_receiver(recipient)
    self.fee_recipient = recipient


@external
@nonreentrant
def pause():
    access_control._check_role(GUARDIAN_ROLE, msg.sender)
    self.paused = True
    log Paused(account=msg.sender)


@external
@nonreentrant
def unpause():
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self.paused = False
    log Unpaused(account=msg.sender)


@external
@nonreentrant
def set_round_parameters(
    round_interval: uint256,
    round_grace: uint256,
    min_deposit_assets: uint256,
    min_redeem_shares: uint256,
    redeem_cushion_bps: uint256,
    max_slippage_bps: uint256,
):
    """
    @notice Admin: the round schedule (seconds, each at most 7 days), the least request of each
            kind (assets; shares), the redeemers' cash cushion (bps, at most 5,000) and the round
            order's price limit (bps, 1 to 1,000). Applies from the next close.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    if not (
        round_interval <= MAX_ROUND_SECONDS
        and round_grace <= MAX_ROUND_SECONDS
        and min_deposit_assets > 0
        and min_redeem_shares > 0
        and redeem_cushion_bps <= MAX_CUSHION_BPS
        and max_slippage_bps > 0
        and max_slippage_bps <= MAX_SLIPPAGE_BPS
    ):
        share_ledger._raise_bounds()  # "lt: bounds": one revert site, the ledger's
    self.round_interval = round_interval
    self.round_grace = round_grace
    self.min_deposit_assets = min_deposit_assets
    self.min_redeem_shares = min_redeem_shares
    self.redeem_cushion_bps = redeem_cushion_bps
    self.max_slippage_bps = max_slippage_bps
    log RoundParametersSet(
        round_interval=round_interval,
        round_grace=round_grace,
        min_deposit_assets=min_deposit_assets,
        min_redeem_shares=min_redeem_shares,
        redeem_cushion_bps=redeem_cushion_bps,
        max_slippage_bps=max_slippage_bps,
    )


@external
@nonreentrant
def set_rebalance_parameters(band_bps: uint256, rebalance_interval: uint256, min_drift_bps: uint256, ripcord_leverage: uint256):
    """
    @notice Admin: the leverage band (bps, the sync token's bounds), the scheduled interval
            (seconds) and its least drift (bps), the ripcord level (WAD: above the band's upper
            edge, at most 2 T). Applies from the next close.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    ok: bool = (
        band_bps >= LeveragedTokenConfigurator.MIN_BAND_BPS
        and band_bps <= LeveragedTokenConfigurator.MAX_BAND_BPS
        and rebalance_interval >= LeveragedTokenConfigurator.MIN_REBALANCE_INTERVAL
        and rebalance_interval <= LeveragedTokenConfigurator.MAX_REBALANCE_INTERVAL
        and min_drift_bps <= LeveragedTokenConfigurator.MAX_MIN_DRIFT_BPS
    )
    if ok:
        lower: uint256 = 0
        upper: uint256 = 0
        lower, upper = lt_math._band(target_leverage, band_bps)
        ok = ripcord_leverage > upper and ripcord_leverage <= target_leverage * LeveragedTokenConfigurator.MAX_RIPCORD_TARGET_BPS // constants.BPS
    if not ok:
        share_ledger._raise_bounds()
    self.rebalance_parameters = IAsyncRoundMath.RebalanceParameters(
        band_bps=band_bps, rebalance_interval=rebalance_interval, min_drift_bps=min_drift_bps, ripcord_leverage=ripcord_leverage
    )
    log RebalanceParametersSet(
        band_bps=band_bps, rebalance_interval=rebalance_interval, min_drift_bps=min_drift_bps, ripcord_leverage=ripcord_leverage
    )


# ---------------------------------------------------------------- views: ERC-7540, ERC-7575, ERC-165

@external
@view
def pendingDepositRequest(requestId: uint256, controller: address) -> uint256:
    """
    @notice Assets of `controller`'s deposit request not yet settled (open round or in flight).
    """
    req: Request = empty(Request)
    claim: Claim = empty(Claim)
    req, claim = self._deposit_state(controller)
    return req.amount


@external
@view
def claimableDepositRequest(requestId: uint256, controller: address) -> uint256:
    """
    @notice Assets of `controller`'s settled deposit requests not yet claimed.
    """
    req: Request = empty(Request)
    claim: Claim = empty(Claim)
    req, claim = self._deposit_state(controller)
    return claim.requested


@external
@view
def pendingRedeemRequest(requestId: uint256, controller: address) -> uint256:
    """
    @notice Shares of `controller`'s redeem request not yet settled.
    """
    req: Request = empty(Request)
    claim: Claim = empty(Claim)
    req, claim = self._redeem_state(controller)
    return req.amount


@external
@view
def claimableRedeemRequest(requestId: uint256, controller: address) -> uint256:
    """
    @notice Shares of `controller`'s settled redeem requests not yet claimed.
    """
    req: Request = empty(Request)
    claim: Claim = empty(Claim)
    req, claim = self._redeem_state(controller)
    return claim.requested


@external
@view
def rebalance_status() -> (uint8, int256):
    """
    @notice (reason, the fund's size delta a close now would add: WAD units). Nothing in
            flight: lt_math's REASON_* as round_math._round_trade reads it on the open round
            (NONE on a stale price). A round in flight: RIPCORD if ripcord() would cancel its
            order (leverage as if it filled at or above the ripcord level, the order adding
            exposure), else IN_FLIGHT (5); no size delta (no second order is placed).
    """
    round_id: uint256 = self.flight_round
    mode: uint8 = CLOSE_RIPCORD
    if round_id != 0:
        due: bool = False
        cancellable: bool = False
        due, cancellable = self._ripcord_check(round_id)
        if due and cancellable:
            return lt_math.REASON_RIPCORD, 0
        return lt_math.REASON_IN_FLIGHT, 0
    snap: IAsyncPerpVenue.AccountSnapshot = staticcall venue.account_snapshot(self)
    if not (snap.fresh):
        return lt_math.REASON_NONE, 0
    r: Round = self.rounds[self.open_round]
    k: int256 = 0
    x: int256 = 0
    reason: uint8 = 0
    k, x, reason = staticcall round_math.round_trade(
        snap.size,
        convert(max(convert(self.idle_assets, int256) + snap.equity, 0), uint256),
        share_ledger._total_supply(),
        snap.price,
        r.deposits,
        r.redeems,
        target_leverage,
        is_long,
        ASSET_SCALE,
        self.rebalance_parameters,
        block.timestamp - self.last_rebalance,
    )
    return reason, x


@external
@view
def share() -> address:
    """
    @notice ERC-7575: the share token is this contract.
    """
    return self


@external
@view
def supportsInterface(interface_id: bytes4) -> bool:
    """
    @notice ERC-165: ERC-165, access control, ERC-7575 and ERC-7540's operator, async deposit
            and async redeem interfaces.
    """
    return convert(interface_id, uint256) in [
        ERC165_ID, ACCESS_CONTROL_ID, ERC7575_ID, ERC7540_OPERATOR_ID, ERC7540_DEPOSIT_ID, ERC7540_REDEEM_ID
    ]


# ---------------------------------------------------------------- views: ERC-4626 (claims and NAV)

@external
@view
@nonreentrant
def totalAssets() -> uint256:
    """
    @notice NAV in assets (0 when not positive), a filled round counted as settled.
    """
    nav: int256 = 0
    supply: uint256 = 0
    nav, supply = self._nav_and_supply()
    return convert(max(nav, 0), uint256)


@external
@view
@nonreentrant
def totalSupply() -> uint256:
    """
    @notice Shares in wei, escrowed pending redeems included, a filled round counted as settled
            (its redeemed shares gone, its depositors' shares in).
    """
    nav: int256 = 0
    supply: uint256 = 0
    nav, supply = self._nav_and_supply()
    return supply


@external
@view
@nonreentrant
def convertToShares(assets: uint256) -> uint256:
    """
    @notice Shares worth `assets` at NAV, before any cost (rounded down).
    """
    nav: int256 = 0
    supply: uint256 = 0
    nav, supply = self._nav_and_supply()
    return lt_math._shares_for_value(supply, convert(max(nav, 0), uint256), assets, initial_nav_per_share)


@external
@view
@nonreentrant
def convertToAssets(shares: uint256) -> uint256:
    """
    @notice Assets `shares` are worth at NAV, before any cost (rounded down).
    """
    nav: int256 = 0
    supply: uint256 = 0
    nav, supply = self._nav_and_supply()
    return lt_math._value_for_shares(supply, convert(max(nav, 0), uint256), shares, initial_nav_per_share, False)


@external
@view
def maxDeposit(controller: address) -> uint256:
    """
    @notice Assets of `controller`'s claimable deposit requests (what deposit() can claim).
    """
    req: Request = empty(Request)
    claim: Claim = empty(Claim)
    req, claim = self._deposit_state(controller)
    return claim.requested


@external
@view
def maxMint(controller: address) -> uint256:
    """
    @notice Shares `controller`'s claimable deposit requests are owed.
    """
    req: Request = empty(Request)
    claim: Claim = empty(Claim)
    req, claim = self._deposit_state(controller)
    return claim.owed


@external
@view
def maxRedeem(controller: address) -> uint256:
    """
    @notice Shares of `controller`'s claimable redeem requests.
    """
    req: Request = empty(Request)
    claim: Claim = empty(Claim)
    req, claim = self._redeem_state(controller)
    return claim.requested


@external
@view
def maxWithdraw(controller: address) -> uint256:
    """
    @notice Assets `controller`'s claimable redeem requests are owed.
    """
    req: Request = empty(Request)
    claim: Claim = empty(Claim)
    req, claim = self._redeem_state(controller)
    return claim.owed


@external
@view
def previewDeposit(assets: uint256) -> uint256:
    """
    @notice Reverts: ERC-7540 forbids previews on the asynchronous side (quote from the model).
    """
    return self._no_preview()


@external
@view
def previewMint(shares: uint256) -> uint256:
    return self._no_preview()


@external
@view
def previewRedeem(shares: uint256) -> uint256:
    return self._no_preview()


@external
@view
def previewWithdraw(assets: uint256) -> uint256:
    return self._no_preview()


@external
@view
@nonreentrant
def nav_per_share() -> uint256:
    """
    @notice NAV per whole share in assets, rounded down (the initial NAV per share before a mint).
    """
    nav: int256 = 0
    supply: uint256 = 0
    nav, supply = self._nav_and_supply()
    return lt_math._value_for_shares(supply, convert(max(nav, 0), uint256), 10**18, initial_nav_per_share, False)


# ---------------------------------------------------------------- internal: checks
# One assert per reason raised in several places (each revert site with a reason costs ~110 bytes)

@internal
@pure
def _check_operator(ok: bool):
    if not (ok):
        self._fail("lt: not operator")


@internal
@pure
def _check_min_request(ok: bool):
    if not (ok):
        self._fail("lt: min request")


@internal
@pure
def _check_claimable(ok: bool):
    if not (ok):
        self._fail("lt: claimable")


@internal
@pure
def _check_not_in_flight(ok: bool):
    if not (ok):
        self._fail("lt: in flight")


@internal
@pure
def _no_preview() -> uint256:
    self._fail("lt: async")
    return 0


@internal
@pure
def _fail(reason: String[24]):
    # the one revert site with a reason: each inline one costs ~110 bytes, a call of this ~50
    raise reason


@internal
@view
def _check_controller(controller: address):
    self._check_operator(controller == msg.sender or self.isOperator[controller][msg.sender])


@internal
@view
def _check_receiver(receiver: address):
    if receiver == empty(address) or receiver == self:
        share_ledger._raise_receiver()


@internal
@view
def _check_live():
    if not (not self.paused):
        self._fail("lt: paused")


@internal
@view
def _check_requestable(owner: address, controller: address):
    self._check_receiver(controller)
    self._check_live()
    self._check_operator(owner == msg.sender or self.isOperator[owner][msg.sender])


# ---------------------------------------------------------------- internal: requests

@internal
@view
def _resolve(round_id: uint256) -> uint256:
    """
    @dev The round a request joined, or the older round it rolled into (one hop: only a round in
         flight absorbs others, and a merged round never flies).
    """
    merged: uint256 = self.merged_into[round_id]
    if merged != 0:
        return merged
    return round_id


@internal
@view
def _deposit_state(controller: address) -> (Request, Claim):
    """
    @dev `controller`'s deposit request and claimable balance, a settled request folded in (its
         pro-rata part of the round's shares, rounded down).
    """
    req: Request = self.deposit_requests[controller]
    claim: Claim = self.deposit_claims[controller]
    if req.amount > 0:
        r: Round = self.rounds[self._resolve(req.round_id)]
        if r.status >= PAYING:
            claim.requested += req.amount
            claim.owed += math._mul_div(r.shares_out, req.amount, r.deposits, False)
            req = empty(Request)
    return req, claim


@internal
@view
def _redeem_state(controller: address) -> (Request, Claim):
    """
    @dev As _deposit_state, for redeems: settled once the round's assets are home.
    """
    req: Request = self.redeem_requests[controller]
    claim: Claim = self.redeem_claims[controller]
    if req.amount > 0:
        r: Round = self.rounds[self._resolve(req.round_id)]
        if r.status == SETTLED:
            claim.requested += req.amount
            claim.owed += math._mul_div(r.assets_out, req.amount, r.redeems, False)
            req = empty(Request)
    return req, claim


@internal
def _fold_deposit(controller: address) -> Request:
    req: Request = empty(Request)
    claim: Claim = empty(Claim)
    req, claim = self._deposit_state(controller)
    self.deposit_claims[controller] = claim
    return req


@internal
def _fold_redeem(controller: address) -> Request:
    req: Request = empty(Request)
    claim: Claim = empty(Claim)
    req, claim = self._redeem_state(controller)
    self.redeem_claims[controller] = claim
    return req


@internal
@view
def _join(req: Request, amount: uint256) -> Request:
    """
    @dev A controller's request after adding `amount` in the open round: one pending request per
         controller, so a request still in a closed round must settle first.
    """
    open_id: uint256 = self.open_round
    if req.amount > 0:
        if not (self._resolve(req.round_id) == open_id):
            self._fail("lt: request pending")
    return Request(round_id=open_id, amount=req.amount + amount)


@internal
@view
def _cancellable(req: Request) -> Request:
    if not (req.amount > 0):
        self._fail("lt: zero")
    self._check_not_in_flight(self._resolve(req.round_id) == self.open_round)
    return req


# ---------------------------------------------------------------- internal: claims

@internal
@pure
def _part(claim: Claim, requested: uint256, roundup: bool) -> uint256:
    """
    @dev What `requested` of a claimable balance is owed (pro rata).
    """
    self._check_claimable(requested > 0 and requested <= claim.requested)
    return math._mul_div(requested, claim.owed, claim.requested, roundup)


@internal
@pure
def _requested_for(claim: Claim, owed: uint256) -> uint256:
    """
    @dev The part of a claimable balance's request that `owed` uses up (rounded up).
    """
    self._check_claimable(owed > 0 and owed <= claim.owed)
    return math._mul_div(owed, claim.requested, claim.owed, True)


@internal
def _claim_deposit(controller: address, receiver: address) -> Claim:
    self._check_controller(controller)
    self._check_receiver(receiver)
    self.deposit_requests[controller] = self._fold_deposit(controller)
    return self.deposit_claims[controller]


@internal
def _claim_redeem(controller: address, receiver: address) -> Claim:
    self._check_controller(controller)
    self._check_receiver(receiver)
    self.redeem_requests[controller] = self._fold_redeem(controller)
    return self.redeem_claims[controller]


@internal
def _send_shares(claim: Claim, controller: address, assets: uint256, shares: uint256, receiver: address):
    self.deposit_claims[controller] = Claim(requested=claim.requested - assets, owed=claim.owed - shares)
    share_ledger._transfer(self, receiver, shares)
    log IERC4626.Deposit(sender=controller, owner=receiver, assets=assets, shares=shares)


@internal
def _send_assets(claim: Claim, controller: address, shares: uint256, assets: uint256, receiver: address):
    self.redeem_claims[controller] = Claim(requested=claim.requested - shares, owed=claim.owed - assets)
    self._pay(receiver, assets)
    log IERC4626.Withdraw(sender=msg.sender, receiver=receiver, owner=controller, assets=assets, shares=shares)


# ---------------------------------------------------------------- internal: NAV

@internal
@view
def _order(order_id: uint256) -> IAsyncPerpVenue.Order:
    # one call site per venue read: each decodes and checks the whole returned struct (bytes)
    return staticcall venue.order(order_id)


@internal
@view
def _fill(order_id: uint256) -> IAsyncPerpVenue.Fill:
    return staticcall venue.fill_of(order_id)


@internal
@view
def _min_fee() -> uint256:
    return staticcall venue.min_execution_fee()


@internal
@view
def _filled(r: Round) -> (bool, IAsyncPerpVenue.Fill):
    """
    @dev Whether round `r`, in flight, has its order filled, and the fill the venue recorded.
    """
    if r.status != IN_FLIGHT:
        return False, empty(IAsyncPerpVenue.Fill)
    if (self._order(r.order_id)).status != VENUE_FILLED:
        return False, empty(IAsyncPerpVenue.Fill)
    return True, self._fill(r.order_id)


@internal
@view
def _settlement_of(r: Round, f: IAsyncPerpVenue.Fill, supply: uint256) -> IAsyncRoundMath.Settlement:
    return staticcall round_math.settlement(
        self.idle_assets + self.flight_idle,
        f.equity_before,
        f.equity_after,
        f.collateral_delta,
        f.size_delta,
        r.rebalance,
        r.execution_fee,
        supply,
        r.deposits,
        r.redeems,
        mint_fee_bps,
        redeem_fee_bps,
        is_long,
        initial_nav_per_share,
    )


@internal
@view
def _nav_and_supply() -> (int256, uint256):
    """
    @dev NAV (assets, signed) and the supply (shares), the round in flight counted as settled
         once its order filled (its cash beyond the redeemers' assets and the fronted fee is
         then NAV; a shortfall is owed out of the venue account), and a paying round's payout
         still owed out of it until its order fills (then it is at the token, out of equity).
    """
    nav: int256 = convert(self.idle_assets, int256) + staticcall venue.equity(self)
    supply: uint256 = share_ledger._total_supply()
    round_id: uint256 = self.flight_round
    if round_id == 0:
        return nav, supply
    r: Round = self.rounds[round_id]
    if r.status == PAYING:
        if (self._order(r.order_id)).status == VENUE_FILLED:
            return nav, supply
        return nav - convert(r.cash, int256), supply
    filled: bool = False
    f: IAsyncPerpVenue.Fill = empty(IAsyncPerpVenue.Fill)
    filled, f = self._filled(r)
    if not filled:
        return nav + convert(self.flight_idle, int256), supply
    s: IAsyncRoundMath.Settlement = self._settlement_of(r, f, supply)
    return nav + convert(r.cash, int256) - convert(r.execution_fee + s.assets_out + s.fees, int256), supply - r.redeems + s.shares_out


# ---------------------------------------------------------------- internal: settlement

@internal
def _settle_fill(round_id: uint256, r: Round):
    """
    @dev Settle a filled round (see settle()): the round's cash is now at the token.
    """
    f: IAsyncPerpVenue.Fill = self._fill(r.order_id)
    supply: uint256 = share_ledger._total_supply()
    s: IAsyncRoundMath.Settlement = self._settlement_of(r, f, supply)
    self.flight_idle = 0  # counted in the settlement; the round's cash now holds it
    if f.collateral_delta < 0:
        self.held_assets += convert(-f.collateral_delta, uint256)  # withdrawn to the token at the fill
    # shares: the redeemed ones leave the supply, the depositors' wait in the token for their claims
    if r.redeems > 0:
        self._burn_escrow(r.redeems)
    if s.shares_out > 0:
        share_ledger._mint_shares(self, s.shares_out)
    r.shares_out = s.shares_out
    if supply == 0:
        r.shares_out -= min(DEAD_SHARES, r.shares_out)  # locked in the token forever (see LeveragedToken.vy)
    r.assets_out = s.assets_out
    r.fees = s.fees
    self._pay(r.fronter, r.execution_fee)
    cash: uint256 = r.cash - r.execution_fee
    owed: uint256 = s.assets_out + s.fees
    if cash >= owed:
        # the round's cash beyond what its redeemers and the fee recipient are owed is the fund's
        self.held_assets -= cash - owed
        self.idle_assets += cash - owed
        self.protocol_fees += s.fees
        r.status = SETTLED
        self.rounds[round_id] = r
        self.flight_round = 0
    else:
        self._place_payout(round_id, r, cash)
    log RoundSettled(
        round_id=round_id,
        order_id=r.order_id,
        nav_at_fill=s.nav_at_fill,
        cost=s.cost,
        deposits_pay=s.deposits_pay,
        shares_out=s.shares_out,
        assets_out=s.assets_out,
        fees=s.fees,
        fund_cost=s.fund_cost,
    )


@internal
def _place_payout(round_id: uint256, r: Round, cash_held: uint256):
    """
    @dev A collateral-only order withdrawing what the round's redeemers and fees are owed beyond
         the `cash_held` for them at the token, plus its execution fee, which the caller fronts
         and the order repays; the redeemers bear the fee.
    """
    fee: uint256 = self._min_fee()
    self._pull(msg.sender, fee)
    r.assets_out -= min(fee, r.assets_out)
    amount: uint256 = r.assets_out + r.fees + fee - cash_held
    r.order_id = extcall venue.create_order(0, -convert(amount, int256), 0, fee)
    r.status = PAYING
    r.cash = amount
    r.fronter = msg.sender
    r.execution_fee = fee
    self.rounds[round_id] = r
    log PayoutPlaced(round_id=round_id, order_id=r.order_id, amount=amount)


@internal
def _close(round_id: uint256, r: Round, mode: uint8) -> uint256:
    """
    @dev Close round `round_id` (requests `r`) into its venue order at the oracle price now: the
         requests' trade plus the fund's rebalance if due. CLOSE_RIPCORD (the ripcord with nothing
         in flight): the reason must be RIPCORD. CLOSE_AFTER_CANCEL (the ripcord cancelled an
         order that added exposure): any due rebalance, or none (returns 0, nothing placed).
    @return The venue order id (0: none placed).
    """
    snap: IAsyncPerpVenue.AccountSnapshot = staticcall venue.account_snapshot(self)
    if not (snap.fresh):
        self._fail("lt: stale price")
    supply: uint256 = share_ledger._total_supply()
    idle: uint256 = self.idle_assets
    nav: int256 = convert(idle, int256) + snap.equity
    # a wiped-out fund (NAV <= 0 with holders) has no price for a share: no round until it is
    # recapitalised or wound down (open requests can still be cancelled)
    if not (nav > 0 or supply == 0):
        self._fail("lt: insolvent")
    nav_assets: uint256 = convert(max(nav, 0), uint256)
    k: int256 = 0
    x: int256 = 0
    reason: uint8 = 0
    k, x, reason = staticcall round_math.round_trade(
        snap.size,
        nav_assets,
        supply,
        snap.price,
        r.deposits,
        r.redeems,
        target_leverage,
        is_long,
        ASSET_SCALE,
        self.rebalance_parameters,
        block.timestamp - self.last_rebalance,
    )
    # the fund's part halves until the order's quote fills within its price limit (a rebalance
    # too large for the venue's depth is taken a chunk per round; past 8 halvings, not at all);
    # the quote of the size that fits is the order's cost, so the venue is asked once per size
    # (the tenth pass quotes the requests' trade alone, after the eighth halving zeroed the part)
    exec_price: uint256 = 0
    venue_fee: uint256 = 0
    for halvings: uint256 in range(10):
        if k + x == 0:
            break
        exec_price, venue_fee = staticcall venue.quote_trade(self, k + x)
        if x == 0 or self._within_limit(k + x, snap.price, exec_price):
            break
        x = x // 2 if halvings < 8 else 0
    if mode == CLOSE_RIPCORD:
        if not (reason == lt_math.REASON_RIPCORD):
            self._fail("lt: not needed")
    if not (r.deposits > 0 or r.redeems > 0 or x != 0):
        if mode == CLOSE_AFTER_CANCEL:
            return 0  # the cancel alone brought leverage back: nothing to trade
        self._fail("lt: not needed")
    if x != 0:
        self.last_rebalance = block.timestamp
    fee: uint256 = self._min_fee()
    plan: IAsyncRoundMath.RoundOrder = staticcall round_math.round_order(
        k + x,
        nav_assets,
        supply,
        snap.price,
        r.deposits,
        r.redeems,
        idle,
        fee,
        mint_fee_bps,
        self._trade_cost(k + x, snap.price, exec_price, venue_fee),
        self.redeem_cushion_bps,
        self.max_slippage_bps,
        is_long,
        initial_nav_per_share,
        x,
    )
    self._pull(msg.sender, fee)
    # the fund's idle collateral joins the round: it pays the round's cash first, the rest rides
    # into margin with the order (so a cushion left over by one round returns to margin in the next)
    self.idle_assets = 0
    self.held_assets += idle
    self.flight_idle = idle
    if plan.collateral_delta > 0:
        self.held_assets -= convert(plan.collateral_delta, uint256)
    r.order_id = extcall venue.create_order(plan.size_delta, plan.collateral_delta, plan.acceptable_price, fee)
    r.status = IN_FLIGHT
    r.cash = plan.cash
    r.fronter = msg.sender
    r.execution_fee = fee
    r.rebalance = x
    self.rounds[round_id] = r
    self.flight_round = round_id
    log RoundClosed(
        round_id=round_id,
        order_id=r.order_id,
        deposits=r.deposits,
        redeems=r.redeems,
        size_delta=plan.size_delta,
        collateral_delta=plan.collateral_delta,
        rebalance=x,
        reason=reason,
    )
    return r.order_id


@internal
def _cancel(r: Round):
    """
    @dev Close round `r`'s pending order at the venue (its account after the cancel delay, or
         anyone once expired): its collateral comes back, and its execution fee to this token,
         which hands it back to whoever fronted it.
    """
    extcall venue.cancel_order(r.order_id)
    self.held_assets += r.execution_fee
    self._pay(r.fronter, r.execution_fee)


@internal
@view
def _ripcord_check(round_id: uint256) -> (bool, bool):
    """
    @dev With round `round_id` in flight: (leverage as if its order filled >= the ripcord level,
         its order is pending and adds exposure, so the ripcord may cancel it).
    """
    r: Round = self.rounds[round_id]
    o: IAsyncPerpVenue.Order = self._order(r.order_id)
    snap: IAsyncPerpVenue.AccountSnapshot = staticcall venue.account_snapshot(self)
    leverage: uint256 = staticcall round_math.leverage_as_filled(
        snap.size,
        snap.pending_size_delta,
        convert(self.idle_assets + self.flight_idle, int256) + snap.equity,
        share_ledger._total_supply(),
        r.deposits,
        r.redeems,
        snap.price,
        ASSET_SCALE,
    )
    adds: bool = r.status == IN_FLIGHT and o.status == VENUE_PENDING and o.size_delta != 0 and (o.size_delta > 0) == is_long
    return snap.fresh and leverage >= self.rebalance_parameters.ripcord_leverage, adds


@internal
def _roll(round_id: uint256, r: Round, o: IAsyncPerpVenue.Order):
    """
    @dev The round's order ended without a fill: its collateral is back at the token, held for
         its requests again; the round reopens and takes in the requests of the round that
         opened meanwhile (a round with no requests, a rebalance alone, is dropped instead: the
         open round stays, so a merged round never absorbs another and requests resolve in one hop).
    """
    if o.collateral_delta > 0:
        self.held_assets += convert(o.collateral_delta, uint256)
    # the idle collateral it took is the fund's again
    self.held_assets -= self.flight_idle
    self.idle_assets += self.flight_idle
    self.flight_idle = 0
    self.flight_round = 0
    log RoundRolled(round_id=round_id, order_id=r.order_id, status=o.status)
    if r.deposits == 0 and r.redeems == 0:
        # a rebalance alone: dropped (the next close retries it if still due)
        self.rounds[round_id] = empty(Round)
        return
    newer: uint256 = self.open_round
    n: Round = self.rounds[newer]
    self.rounds[round_id] = Round(
        deposits=r.deposits + n.deposits,
        redeems=r.redeems + n.redeems,
        status=OPEN,
        order_id=r.order_id,
        cash=0,
        fronter=empty(address),
        execution_fee=0,
        shares_out=0,
        assets_out=0,
        fees=0,
        rebalance=0,
    )
    self.rounds[newer] = empty(Round)
    self.merged_into[newer] = round_id
    self.open_round = round_id


@internal
@view
def _within_limit(size_delta: int256, price: uint256, exec_price: uint256) -> bool:
    """
    @dev Whether the venue's quoted `exec_price` for trading `size_delta` is within the round
         order's price limit (the oracle `price` -+ max_slippage_bps on the trade's side).
    """
    limit: uint256 = lt_math._limit_price(price, self.max_slippage_bps, size_delta > 0)
    if size_delta > 0:
        return exec_price <= limit
    return exec_price >= limit


@internal
@view
def _trade_cost(size_delta: int256, price: uint256, exec_price: uint256, fee: uint256) -> uint256:
    """
    @dev The cost of the venue's quote (`exec_price`, taker `fee`) of trading `size_delta` against
         the oracle `price`: the fee plus the spread and impact (assets, rounded up).
    """
    if size_delta == 0:
        return 0
    gap: uint256 = exec_price - min(exec_price, price) if size_delta > 0 else price - min(exec_price, price)
    return fee + math._mul_div(convert(abs(size_delta), uint256), gap, 10**18 * ASSET_SCALE, True)


@internal
def _burn_escrow(shares: uint256):
    """
    @dev Burn `shares` the token holds for a settled round's redeemers (share_ledger._burn_from
         would spend an allowance: the token is not the caller).
    """
    share_ledger._base_supply -= share_ledger._debit(self, shares, share_ledger._scale_word)
    log IERC20.Transfer(sender=self, receiver=empty(address), value=shares)


@internal
def _pull(owner: address, amount: uint256):
    assert extcall IERC20(asset).transferFrom(owner, self, amount, default_return_value=True)


@internal
def _pay(receiver: address, amount: uint256):
    """
    @dev Pay `amount` of the held collateral to `receiver`.
    """
    if amount > 0:
        self.held_assets -= amount
        assert extcall IERC20(asset).transfer(receiver, amount, default_return_value=True)
