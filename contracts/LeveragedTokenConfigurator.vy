# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Leveraged token configurator
@notice The one place where a token's parameters change: every setter, its hard bounds, its
        event and the timelock of PROTOCOL.md section 6.1. One configurator per deployment is
        shared by every token (Curve's Configurator pattern): a token accepts `configure()`
        from its configurator alone, and the configurator checks the caller's role on that
        token's own access control (DEFAULT_ADMIN_ROLE to change, GUARDIAN_ROLE or
        DEFAULT_ADMIN_ROLE to cancel). It holds no role of its own and no funds.

        Which changes act at once, which wait:
        - before a token's first mint (totalSupply 0) every change acts at once: there is no
          holder to protect yet (this is how a deployment sets up its products); then
          `set_parameters` may also write every parameter at once, which is how the factory
          gives a new token its first parameters (`default_parameters`, the one home of the
          defaults; the token's constructor writes none, to keep the blueprint small);
        - fee decreases (`set_fees` with no fee higher than now) and a lower supply cap
          (`set_limits` with a lower or equal `max_total_assets`, slippage and price age
          unchanged) act at once: no redeem can revert because of them;
        - every other change is queued under `keccak256(abi_encode(token, kind, values))` and
          may be executed by the token's admin once the token's delay has passed and for
          EXECUTION_WINDOW after (a stale change cannot hang over later holders); the guardian
          (or the admin) may cancel it before. Bounds are checked when it is queued and again
          when it executes. Changes of the delay itself are queued too.
        - the target leverage cannot change: the token's name promises it (it is immutable in
          the token), and the ripcord level, past which anyone may de-lever, is at most
          MAX_RIPCORD_TARGET_BPS of it (2 T), so no band or ripcord change makes "BTC 3x Long"
          a fund that may sit at 19x.
        No change that could make a redeem revert acts at once: a tighter `max_slippage_bps` or
        a shorter `max_price_age` is queued like any rise, since either could stop an exit.
        The delay is per token, at least MIN_DELAY and at most MAX_DELAY. MIN_DELAY (72 h) is
        longer than notice plus the slowest ordinary exit: a holder who checks once a day sees
        a change within 24 h; a redeem needs nothing but a fresh price, which a usable feed
        gives at least every MAX_PRICE_AGE (24 h); a third day covers the exit's own
        transactions. Exits that no delay can wait out (a venue that pauses trading, a fund
        shut down or insolvent) are in docs/security.md.

        A token is trusted to be a LeveragedToken wired to this configurator: a contract that
        only pretends to be one can emit events here about itself, so indexers filter by the
        factory's registry (the events index the token).

        Units as in the token: assets in collateral base units, leverage WAD, fees and
        slippage in basis points, times in seconds.

        Reverts: "configurator: bounds", "configurator: zero", "configurator: queued",
        "configurator: has holders",
        "configurator: unknown", "configurator: too early", "configurator: expired", and snekmate's
        "access_control: account is missing role" for a caller without the token's role.
@custom:kill Nothing to kill: stateless but for the queue. To freeze a token's parameters its
        admin renounces DEFAULT_ADMIN_ROLE; the guardian cancels what is queued.
"""

from snekmate.auth.interfaces import IAccessControl
from .interfaces import ILeveragedToken
from .interfaces import IPerpAdapter
from . import constants
from . import lt_math


# ---------------------------------------------------------------- structs

# a change waiting for its delay; `values` are the setter's arguments in order (an address as
# its uint256), unused trailing entries 0
struct QueuedChange:
    token: address
    kind: uint8
    values: uint256[MAX_VALUES]
    eta: uint256  # timestamp from which it may execute; 0: nothing queued under this id


# ---------------------------------------------------------------- events

event FeesSet:
    token: indexed(address)
    mint_fee_bps: uint256
    redeem_fee_bps: uint256
    management_fee_bps: uint256

event LimitsSet:
    token: indexed(address)
    max_total_assets: uint256
    max_slippage_bps: uint256
    max_price_age: uint256

event SplitBandSet:
    token: indexed(address)
    split_lower_nav: uint256
    split_upper_nav: uint256

event LeverageBandSet:
    token: indexed(address)
    band_bps: uint256
    ripcord_leverage: uint256

event ExecutionSet:
    token: indexed(address)
    rebalance_interval: uint256
    rebalance_offset: uint256
    min_drift_bps: uint256
    max_trade_notional: uint256
    twap_cooldown: uint256

event IncentivesSet:
    token: indexed(address)
    ripcord_trade_notional: uint256
    ripcord_reward: uint256
    keeper_grace: uint256

event FeeRecipientSet:
    token: indexed(address)
    fee_recipient: indexed(address)

event DelaySet:
    token: indexed(address)
    delay: uint256

event ChangeQueued:
    token: indexed(address)
    change_id: indexed(bytes32)
    kind: uint8
    values: uint256[MAX_VALUES]
    eta: uint256

event ChangeExecuted:
    token: indexed(address)
    change_id: indexed(bytes32)

event ChangeCancelled:
    token: indexed(address)
    change_id: indexed(bytes32)
    caller: indexed(address)


# ---------------------------------------------------------------- constants

DEFAULT_ADMIN_ROLE: constant(bytes32) = empty(bytes32)
GUARDIAN_ROLE: constant(bytes32) = keccak256("GUARDIAN_ROLE")
MISSING_ROLE: constant(String[40]) = "access_control: account is missing role"

MAX_VALUES: constant(uint256) = 5  # the most arguments a setter takes (set_execution)

# kinds of change: one per setter
KIND_FEES: public(constant(uint8)) = 1
KIND_LIMITS: public(constant(uint8)) = 2
KIND_SPLIT_BAND: public(constant(uint8)) = 3
KIND_LEVERAGE_BAND: public(constant(uint8)) = 4
KIND_EXECUTION: public(constant(uint8)) = 5
KIND_INCENTIVES: public(constant(uint8)) = 6
KIND_FEE_RECIPIENT: public(constant(uint8)) = 7
KIND_DELAY: public(constant(uint8)) = 8
# the kinds that are the token's own parameters (all but the delay, which lives here)
GROUPS: constant(uint8[7]) = [
    KIND_FEES, KIND_LIMITS, KIND_SPLIT_BAND, KIND_LEVERAGE_BAND, KIND_EXECUTION, KIND_INCENTIVES, KIND_FEE_RECIPIENT
]

# the timelock: a queued change waits the token's delay, never less than MIN_DELAY (72 h). A
# holder who looks once a day sees a change up to 24 h after it is queued; the slowest ordinary
# exit then waits up to one oracle heartbeat for a fresh price (a redeem that trades needs one,
# and a feed slower than MAX_PRICE_AGE = 24 h cannot serve a token at all); the third day is for
# the exit's own transactions (slices of a large exit, a congested chain), so the floor is the
# first whole day strictly longer than notice + the slowest exit
MIN_DELAY: public(constant(uint256)) = 3 * 86_400  # seconds (72 h)
MAX_DELAY: public(constant(uint256)) = 30 * 86_400  # seconds
# a queued change not executed within this long after its eta lapses and must be queued again
EXECUTION_WINDOW: public(constant(uint256)) = 14 * 86_400  # seconds

# a new product's mint and redeem fees (default_parameters; the factory gives an async token, which
# has no configurator, the same at construction)
DEFAULT_MINT_FEE_BPS: constant(uint256) = 10
DEFAULT_REDEEM_FEE_BPS: constant(uint256) = 10

# hard bounds, checked whenever a change is made, queued or executed
MAX_MINT_FEE_BPS: public(constant(uint256)) = 100
MAX_REDEEM_FEE_BPS: public(constant(uint256)) = 100
MAX_MANAGEMENT_FEE_BPS: public(constant(uint256)) = 2_000  # per year
MAX_SLIPPAGE_BPS: public(constant(uint256)) = 500
MIN_PRICE_AGE: public(constant(uint256)) = 60  # seconds
MAX_PRICE_AGE: public(constant(uint256)) = 86_400  # seconds
MIN_BAND_BPS: public(constant(uint256)) = 100
MAX_BAND_BPS: public(constant(uint256)) = 5_000
MIN_REBALANCE_INTERVAL: public(constant(uint256)) = 3_600  # seconds
MAX_REBALANCE_INTERVAL: public(constant(uint256)) = 7 * 86_400  # seconds
MAX_MIN_DRIFT_BPS: public(constant(uint256)) = 2_000
MAX_TWAP_COOLDOWN: public(constant(uint256)) = 3_600  # seconds
MIN_KEEPER_GRACE: public(constant(uint256)) = 60  # seconds
MAX_KEEPER_GRACE: public(constant(uint256)) = 86_400  # seconds
MAX_RIPCORD_REWARD_UNITS: public(constant(uint256)) = 1_000  # whole collateral units
# the reward is also at most this share of the ripcord's chunk (bps of its notional): a chunk
# lowers leverage L only if reward + trade cost < chunk / L, and at 10 bps the reward takes at
# most L x 0.1 % of that margin (4 % at the mock venue's 40x liquidation level)
MAX_RIPCORD_REWARD_CHUNK_BPS: public(constant(uint256)) = 10
# the ripcord level is at most this multiple of the target (bps): the name's leverage is what
# anyone can enforce, not a number the fund may drift 6x past (2x: the widest band reaches 1.5 T)
MAX_RIPCORD_TARGET_BPS: public(constant(uint256)) = 20_000
MAX_TRADE_NOTIONAL: public(constant(uint256)) = 10**30  # assets; keeps the chunk arithmetic far from overflow
# the split band spans at least this factor, so a split that lands inside it exists
MIN_SPLIT_BAND_RATIO: public(constant(uint256)) = 100


# ---------------------------------------------------------------- storage

queued: public(HashMap[bytes32, QueuedChange])
_delays: HashMap[address, uint256]  # seconds; 0: MIN_DELAY


# ---------------------------------------------------------------- admin: setters

@external
def set_fees(token: address, mint_fee_bps: uint256, redeem_fee_bps: uint256, management_fee_bps: uint256) -> bytes32:
    """
    @notice Mint and redeem fees (bps of the amount) and the streaming management fee (bps per
            year). What accrued so far is minted at the old management rate first. At once if
            no fee rises, else queued.
    @return The queued change's id, or empty when it acted at once.
    """
    return self._propose(token, KIND_FEES, [mint_fee_bps, redeem_fee_bps, management_fee_bps, 0, 0])


@external
def set_limits(token: address, max_total_assets: uint256, max_slippage_bps: uint256, max_price_age: uint256) -> bytes32:
    """
    @notice Cap on NAV after a mint (assets), the worst execution vs the oracle price for every
            fund trade (bps), and the oldest oracle answer the fund trades on (seconds). At once
            if only the cap falls (or nothing changes), else queued.
    @return The queued change's id, or empty when it acted at once.
    """
    return self._propose(token, KIND_LIMITS, [max_total_assets, max_slippage_bps, max_price_age, 0, 0])


@external
def set_split_band(token: address, split_lower_nav: uint256, split_upper_nav: uint256) -> bytes32:
    """
    @notice NAV per share (assets per whole share) outside which the keeper may split; the
            upper end at least MIN_SPLIT_BAND_RATIO times the lower. Queued.
    @return The queued change's id, or empty when it acted at once.
    """
    return self._propose(token, KIND_SPLIT_BAND, [split_lower_nav, split_upper_nav, 0, 0, 0])


@external
def set_leverage_band(token: address, band_bps: uint256, ripcord_leverage: uint256) -> bytes32:
    """
    @notice The band around the (fixed) target leverage and the ripcord level, together so they
            stay consistent: MIN_BAND_BPS <= band <= MAX_BAND_BPS, upper band < ripcord level
            <= both the venue's max leverage and MAX_RIPCORD_TARGET_BPS of the target (WAD).
            Queued.
    @return The queued change's id, or empty when it acted at once.
    """
    return self._propose(token, KIND_LEVERAGE_BAND, [band_bps, ripcord_leverage, 0, 0, 0])


@external
def set_execution(
    token: address,
    rebalance_interval: uint256,
    rebalance_offset: uint256,
    min_drift_bps: uint256,
    max_trade_notional: uint256,
    twap_cooldown: uint256,
) -> bytes32:
    """
    @notice How rebalances execute: slot length and offset (seconds), the drift a slot needs
            (bps), the chunk size (assets of notional) and the pause between chunks (seconds).
            A new slot length or offset counts the current slot as used. Queued.
    @return The queued change's id, or empty when it acted at once.
    """
    return self._propose(
        token, KIND_EXECUTION, [rebalance_interval, rebalance_offset, min_drift_bps, max_trade_notional, twap_cooldown]
    )


@external
def set_incentives(
    token: address, ripcord_trade_notional: uint256, ripcord_reward: uint256, keeper_grace: uint256
) -> bytes32:
    """
    @notice The ripcord's chunk size and caller reward (assets; the reward at most
            MAX_RIPCORD_REWARD_UNITS whole units and MAX_RIPCORD_REWARD_CHUNK_BPS of the chunk,
            and the token caps it per call at its RIPCORD_REWARD_MAX_BPS of NAV) and how long a
            due rebalance waits for a keeper before anyone may call it (seconds). Queued.
    @return The queued change's id, or empty when it acted at once.
    """
    return self._propose(token, KIND_INCENTIVES, [ripcord_trade_notional, ripcord_reward, keeper_grace, 0, 0])


@external
def set_fee_recipient(token: address, fee_recipient: address) -> bytes32:
    """
    @notice Who receives the token's fees from now on; what accrued so far goes to the old
            recipient first. Queued.
    @return The queued change's id, or empty when it acted at once.
    """
    return self._propose(token, KIND_FEE_RECIPIENT, [convert(fee_recipient, uint256), 0, 0, 0, 0])


@external
def set_delay(token: address, delay: uint256) -> bytes32:
    """
    @notice How long the token's queued changes wait (seconds, MIN_DELAY..MAX_DELAY). Queued
            (under the current delay), like every other change.
    @return The queued change's id, or empty when it acted at once.
    """
    return self._propose(token, KIND_DELAY, [delay, 0, 0, 0, 0])


@external
def set_parameters(token: address, p: ILeveragedToken.Parameters):
    """
    @notice The token's admin, before the token's first mint only (totalSupply 0, when every
            change acts at once anyway): write every parameter at once, each group checked
            against its bounds and logged as its setter logs it. The factory sets up every new
            token with it, in the creating transaction.
    """
    self._check_role(token, DEFAULT_ADMIN_ROLE)
    assert staticcall ILeveragedToken(token).totalSupply() == 0, "configurator: has holders"
    for kind: uint8 in GROUPS:
        self._check_bounds(token, kind, self._values(p, kind))
    extcall ILeveragedToken(token).configure(p)
    for kind: uint8 in GROUPS:
        self._log_change(token, kind, self._values(p, kind))


@external
@view
def default_parameters(token: address, fee_recipient: address, max_total_assets: uint256) -> ILeveragedToken.Parameters:
    """
    @notice The parameters a new product starts with (their one home; the SDK's model mirrors
            them): mint and redeem fees 10 bps each, management fee 365 bps/year, slippage
            50 bps, price age 1 h, band 20 %, ripcord at 1.5 T, a daily slot at 00:02 UTC with
            50 bps of drift, chunks of 1M (rebalance) and 2M (ripcord) collateral units of
            notional 60 s apart, a 10-unit ripcord reward, 1 h of keeper grace and a split band
            of [1, 10,000] units per share. Amounts scale with the token's collateral unit.
    @param max_total_assets Cap on NAV after a mint, in collateral base units
    """
    t: ILeveragedToken = ILeveragedToken(token)
    unit: uint256 = staticcall t.MIN_INITIAL_ASSETS()  # one whole unit of the collateral
    return ILeveragedToken.Parameters(
        fee_recipient=fee_recipient,
        mint_fee_bps=DEFAULT_MINT_FEE_BPS,
        redeem_fee_bps=DEFAULT_REDEEM_FEE_BPS,
        management_fee_bps=365,
        max_total_assets=max_total_assets,
        max_slippage_bps=50,
        max_price_age=3_600,
        band_bps=2_000,
        ripcord_leverage=lt_math._default_ripcord_leverage(staticcall t.target_leverage()),
        rebalance_interval=86_400,
        rebalance_offset=120,  # 00:02 UTC
        min_drift_bps=50,
        max_trade_notional=1_000_000 * unit,
        twap_cooldown=60,
        ripcord_trade_notional=2_000_000 * unit,
        ripcord_reward=10 * unit,
        keeper_grace=3_600,
        split_lower_nav=unit,
        split_upper_nav=10_000 * unit,
    )


# ---------------------------------------------------------------- admin and guardian: the queue

@external
def execute(change_id: bytes32):
    """
    @notice The token's admin: apply a queued change once its delay has passed. Its bounds are
            checked again against the token and the venue as they are now.
    """
    change: QueuedChange = self.queued[change_id]
    assert change.eta != 0, "configurator: unknown"
    self._check_role(change.token, DEFAULT_ADMIN_ROLE)
    assert block.timestamp >= change.eta, "configurator: too early"
    assert block.timestamp <= change.eta + EXECUTION_WINDOW, "configurator: expired"
    self.queued[change_id] = empty(QueuedChange)
    self._check_bounds(change.token, change.kind, change.values)
    self._apply(change.token, change.kind, change.values)
    log ChangeExecuted(token=change.token, change_id=change_id)


@external
def cancel(change_id: bytes32):
    """
    @notice The token's guardian (or its admin): drop a queued change before it executes.
    """
    change: QueuedChange = self.queued[change_id]
    assert change.eta != 0, "configurator: unknown"
    if not staticcall IAccessControl(change.token).hasRole(GUARDIAN_ROLE, msg.sender):
        self._check_role(change.token, DEFAULT_ADMIN_ROLE)
    self.queued[change_id] = empty(QueuedChange)
    log ChangeCancelled(token=change.token, change_id=change_id, caller=msg.sender)


# ---------------------------------------------------------------- views

@external
@view
def delay(token: address) -> uint256:
    """
    @notice Seconds a queued change of `token` waits (MIN_DELAY unless set higher).
    """
    return self._delay(token)


@external
@view
def change_id(token: address, kind: uint8, values: uint256[MAX_VALUES]) -> bytes32:
    """
    @notice The id a change is queued under: keccak256(abi_encode(token, kind, values)).
    """
    return self._change_id(token, kind, values)


@external
@view
def is_instant(token: address, kind: uint8, values: uint256[MAX_VALUES]) -> bool:
    """
    @notice Whether this change would act at once rather than be queued (see the docstring).
    """
    return self._is_instant(token, kind, values)


# ---------------------------------------------------------------- internal

@internal
@view
def _check_role(token: address, role: bytes32):
    assert staticcall IAccessControl(token).hasRole(role, msg.sender), MISSING_ROLE


@internal
@view
def _delay(token: address) -> uint256:
    return max(self._delays[token], MIN_DELAY)


@internal
@pure
def _change_id(token: address, kind: uint8, values: uint256[MAX_VALUES]) -> bytes32:
    return keccak256(abi_encode(token, kind, values))


@internal
def _propose(token: address, kind: uint8, values: uint256[MAX_VALUES]) -> bytes32:
    """
    @dev The admin's change: checked, then applied at once or queued.
    """
    self._check_role(token, DEFAULT_ADMIN_ROLE)
    self._check_bounds(token, kind, values)
    if self._is_instant(token, kind, values):
        self._apply(token, kind, values)
        return empty(bytes32)
    change_id: bytes32 = self._change_id(token, kind, values)
    assert self.queued[change_id].eta == 0, "configurator: queued"
    eta: uint256 = block.timestamp + self._delay(token)
    self.queued[change_id] = QueuedChange(token=token, kind=kind, values=values, eta=eta)
    log ChangeQueued(token=token, change_id=change_id, kind=kind, values=values, eta=eta)
    return change_id


@internal
@view
def _is_instant(token: address, kind: uint8, values: uint256[MAX_VALUES]) -> bool:
    t: ILeveragedToken = ILeveragedToken(token)
    if staticcall t.totalSupply() == 0:
        return True  # no holder yet
    if kind == KIND_FEES:
        return (
            values[0] <= staticcall t.mint_fee_bps()
            and values[1] <= staticcall t.redeem_fee_bps()
            and values[2] <= staticcall t.management_fee_bps()
        )
    if kind == KIND_LIMITS:
        return (
            values[0] <= staticcall t.max_total_assets()
            and values[1] == staticcall t.max_slippage_bps()
            and values[2] == staticcall t.max_price_age()
        )
    return False


@internal
@view
def _check_bounds(token: address, kind: uint8, v: uint256[MAX_VALUES]):
    """
    @dev The hard bounds of each kind of change, against the token and its venue as they are now.
    """
    t: ILeveragedToken = ILeveragedToken(token)
    ok: bool = True
    if kind == KIND_FEES:
        ok = v[0] <= MAX_MINT_FEE_BPS and v[1] <= MAX_REDEEM_FEE_BPS and v[2] <= MAX_MANAGEMENT_FEE_BPS
    elif kind == KIND_LIMITS:
        ok = v[1] > 0 and v[1] <= MAX_SLIPPAGE_BPS and v[2] >= MIN_PRICE_AGE and v[2] <= MAX_PRICE_AGE
    elif kind == KIND_SPLIT_BAND:
        ok = v[0] > 0 and v[0] <= v[1] // MIN_SPLIT_BAND_RATIO
    elif kind == KIND_LEVERAGE_BAND:
        venue_max: uint256 = staticcall IPerpAdapter(staticcall t.adapter()).max_leverage()
        # plain bounds first, so the band below cannot overflow
        ok = v[0] >= MIN_BAND_BPS and v[0] <= MAX_BAND_BPS and v[1] <= venue_max
        if ok:
            target: uint256 = staticcall t.target_leverage()
            lower: uint256 = 0
            upper: uint256 = 0
            lower, upper = lt_math._band(target, v[0])
            ok = v[1] > upper and v[1] <= target * MAX_RIPCORD_TARGET_BPS // constants.BPS
    elif kind == KIND_EXECUTION:
        unit: uint256 = staticcall t.MIN_INITIAL_ASSETS()
        ok = (
            v[0] >= MIN_REBALANCE_INTERVAL
            and v[0] <= MAX_REBALANCE_INTERVAL
            and v[1] < v[0]
            and v[2] <= MAX_MIN_DRIFT_BPS
            and v[3] >= unit
            and v[3] <= MAX_TRADE_NOTIONAL
            and v[4] <= MAX_TWAP_COOLDOWN
        )
    elif kind == KIND_INCENTIVES:
        unit: uint256 = staticcall t.MIN_INITIAL_ASSETS()
        ok = (
            v[0] >= unit
            and v[0] <= MAX_TRADE_NOTIONAL
            and v[1] <= MAX_RIPCORD_REWARD_UNITS * unit
            and v[2] >= MIN_KEEPER_GRACE
            and v[2] <= MAX_KEEPER_GRACE
        )
        if ok:
            # jointly, once both are bounded (so no overflow): the reward small against the chunk
            ok = v[1] * constants.BPS <= v[0] * MAX_RIPCORD_REWARD_CHUNK_BPS
    elif kind == KIND_FEE_RECIPIENT:
        assert v[0] != 0, "configurator: zero"
    elif kind == KIND_DELAY:
        ok = v[0] >= MIN_DELAY and v[0] <= MAX_DELAY
    assert ok, "configurator: bounds"


@internal
def _apply(token: address, kind: uint8, v: uint256[MAX_VALUES]):
    """
    @dev Make one change (the token then holds its parameters with this group replaced), then
         log it: the token's own logs of the call (a management fee minted first) come before.
    """
    if kind == KIND_DELAY:
        self._delays[token] = v[0]
    else:
        if kind == KIND_FEE_RECIPIENT:
            # the mint and redeem fees held so far belong to the old recipient (configure mints
            # the management fee accrued so far to it too)
            extcall ILeveragedToken(token).collect_fees()
        extcall ILeveragedToken(token).configure(self._updated(self._parameters(token), kind, v))
    self._log_change(token, kind, v)


@internal
@pure
def _updated(p: ILeveragedToken.Parameters, kind: uint8, v: uint256[MAX_VALUES]) -> ILeveragedToken.Parameters:
    q: ILeveragedToken.Parameters = p
    if kind == KIND_FEES:
        q.mint_fee_bps = v[0]
        q.redeem_fee_bps = v[1]
        q.management_fee_bps = v[2]
    elif kind == KIND_LIMITS:
        q.max_total_assets = v[0]
        q.max_slippage_bps = v[1]
        q.max_price_age = v[2]
    elif kind == KIND_SPLIT_BAND:
        q.split_lower_nav = v[0]
        q.split_upper_nav = v[1]
    elif kind == KIND_LEVERAGE_BAND:
        q.band_bps = v[0]
        q.ripcord_leverage = v[1]
    elif kind == KIND_EXECUTION:
        q.rebalance_interval = v[0]
        q.rebalance_offset = v[1]
        q.min_drift_bps = v[2]
        q.max_trade_notional = v[3]
        q.twap_cooldown = v[4]
    elif kind == KIND_INCENTIVES:
        q.ripcord_trade_notional = v[0]
        q.ripcord_reward = v[1]
        q.keeper_grace = v[2]
    elif kind == KIND_FEE_RECIPIENT:
        q.fee_recipient = self._as_address(v[0])
    return q


@internal
@pure
def _values(p: ILeveragedToken.Parameters, kind: uint8) -> uint256[MAX_VALUES]:
    """
    @dev The setter's arguments of one group of `p` (the inverse of `_updated`).
    """
    if kind == KIND_FEES:
        return [p.mint_fee_bps, p.redeem_fee_bps, p.management_fee_bps, 0, 0]
    if kind == KIND_LIMITS:
        return [p.max_total_assets, p.max_slippage_bps, p.max_price_age, 0, 0]
    if kind == KIND_SPLIT_BAND:
        return [p.split_lower_nav, p.split_upper_nav, 0, 0, 0]
    if kind == KIND_LEVERAGE_BAND:
        return [p.band_bps, p.ripcord_leverage, 0, 0, 0]
    if kind == KIND_EXECUTION:
        return [p.rebalance_interval, p.rebalance_offset, p.min_drift_bps, p.max_trade_notional, p.twap_cooldown]
    if kind == KIND_INCENTIVES:
        return [p.ripcord_trade_notional, p.ripcord_reward, p.keeper_grace, 0, 0]
    return [convert(p.fee_recipient, uint256), 0, 0, 0, 0]  # KIND_FEE_RECIPIENT


@internal
@pure
def _as_address(word: uint256) -> address:
    return convert(convert(word, uint160), address)


@internal
def _log_change(token: address, kind: uint8, v: uint256[MAX_VALUES]):
    if kind == KIND_FEES:
        log FeesSet(token=token, mint_fee_bps=v[0], redeem_fee_bps=v[1], management_fee_bps=v[2])
    elif kind == KIND_LIMITS:
        log LimitsSet(token=token, max_total_assets=v[0], max_slippage_bps=v[1], max_price_age=v[2])
    elif kind == KIND_SPLIT_BAND:
        log SplitBandSet(token=token, split_lower_nav=v[0], split_upper_nav=v[1])
    elif kind == KIND_LEVERAGE_BAND:
        log LeverageBandSet(token=token, band_bps=v[0], ripcord_leverage=v[1])
    elif kind == KIND_EXECUTION:
        log ExecutionSet(
            token=token,
            rebalance_interval=v[0],
            rebalance_offset=v[1],
            min_drift_bps=v[2],
            max_trade_notional=v[3],
            twap_cooldown=v[4],
        )
    elif kind == KIND_INCENTIVES:
        log IncentivesSet(token=token, ripcord_trade_notional=v[0], ripcord_reward=v[1], keeper_grace=v[2])
    elif kind == KIND_FEE_RECIPIENT:
        log FeeRecipientSet(token=token, fee_recipient=self._as_address(v[0]))
    elif kind == KIND_DELAY:
        log DelaySet(token=token, delay=v[0])


@internal
@view
def _parameters(token: address) -> ILeveragedToken.Parameters:
    t: ILeveragedToken = ILeveragedToken(token)
    return ILeveragedToken.Parameters(
        fee_recipient=staticcall t.fee_recipient(),
        mint_fee_bps=staticcall t.mint_fee_bps(),
        redeem_fee_bps=staticcall t.redeem_fee_bps(),
        management_fee_bps=staticcall t.management_fee_bps(),
        max_total_assets=staticcall t.max_total_assets(),
        max_slippage_bps=staticcall t.max_slippage_bps(),
        max_price_age=staticcall t.max_price_age(),
        band_bps=staticcall t.band_bps(),
        ripcord_leverage=staticcall t.ripcord_leverage(),
        rebalance_interval=staticcall t.rebalance_interval(),
        rebalance_offset=staticcall t.rebalance_offset(),
        min_drift_bps=staticcall t.min_drift_bps(),
        max_trade_notional=staticcall t.max_trade_notional(),
        twap_cooldown=staticcall t.twap_cooldown(),
        ripcord_trade_notional=staticcall t.ripcord_trade_notional(),
        ripcord_reward=staticcall t.ripcord_reward(),
        keeper_grace=staticcall t.keeper_grace(),
        split_lower_nav=staticcall t.split_lower_nav(),
        split_upper_nav=staticcall t.split_upper_nav(),
    )
