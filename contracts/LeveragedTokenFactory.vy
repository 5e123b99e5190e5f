# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Leveraged token factory
@notice Deploys leveraged tokens, names them by rule ({UNDERLYING}{LEVERAGE}{L|S},
        "{UNDERLYING} {LEVERAGE}x Long|Short") and keeps the registry that the SDK, the keeper
        and the lens read.

        The token's kind follows the venue's: `create_token` asks the venue `is_async()` and
        creates a LeveragedTokenAsync (ERC-7540 requests in rounds, docs/async-token.md) on an
        asynchronous venue, a LeveragedToken on a synchronous one; the caller names neither.
        `is_async_token` and TokenCreated's `is_async` say which a token is.

        Deployment: every token is created from an EIP-5202 blueprint (the token's initcode
        stored as contract code, which EIP-170 caps at 24,576 bytes), one per kind,
        `token_blueprint` (LeveragedToken) and `async_token_blueprint` (LeveragedTokenAsync), set
        by the admin: only the audited tokens can be created. Every sync token is wired to the
        deployment's shared views contract and configurator; every async token to
        `async_round_math` (AsyncRoundMath, the round formulas it calls), set by the admin too.

        An async token gets what the sync one gets where it has the same thing: the name and
        symbol by the same rule, the same checks, the same three roles handed to `admin` (the
        factory keeps none), the same registry entry and TokenCreated. It differs where the token
        does (docs/async-token.md, "From the factory"): it has no configurator, so its mint and
        redeem fees are the configurator's defaults (DEFAULT_MINT_FEE_BPS, DEFAULT_REDEEM_FEE_BPS),
        fixed in its constructor with the fee recipient; its round parameters start at the
        token's own defaults; it has no supply cap, so a `max_total_assets` other than the
        default (none) reverts "factory: cap" rather than being dropped unseen; and the fee
        recipient is checked here ("factory: fee recipient"), where for a sync token the
        configurator checks it.

        A symbol is bound to its market: the venue's `market()` must be "{UNDERLYING}-PERP"
        (the adapter names its market by that rule), so "ETH3L" cannot be created on the
        BTC-PERP venue. The admin may retire an entry (`retire_token`): the registry stops
        listing it (`token_by_symbol` forgets it, `is_active` turns false, `active_tokens`
        drops it) and its symbol is free to be created again; `tokens`/`all_tokens` keep every
        token ever created, in order. The token itself is not touched: its holders keep
        redeeming, its roles and parameters stay with its own admin.

        The token's constructor stores what it is given and checks nothing (its code sits in
        the blueprint next to the runtime, under EIP-170), so the checks are made here: the
        venue is margined in this factory's collateral, the leverage is a whole number 2..9,
        the initial NAV per share is positive, the collateral has at most 18 decimals. A sync
        token's parameters are then written, in the same transaction, by the configurator's
        `set_parameters` with its `default_parameters` (which check the fee recipient and that
        the venue allows the ripcord level).

        Reverts: "factory: blueprint", "factory: admin", "factory: underlying",
        "factory: leverage", "factory: market", "factory: exists", "factory: not active",
        "factory: collateral", "factory: nav", "factory: decimals", "factory: cap",
        "factory: fee recipient", snekmate's
        "access_control: account is missing role"; the configurator's "configurator: bounds" /
        "configurator: zero" for a fee recipient of 0 or a venue that does not allow the ripcord level.
@custom:kill The admin revokes CREATOR_ROLE from everyone: no new tokens; existing tokens are
        independent and unaffected.
"""

from snekmate.auth import access_control
from ethereum.ercs import IERC20Detailed
from snekmate.auth.interfaces import IAccessControl
from .interfaces import ILeveragedToken
from .interfaces import IPerpAdapter
from . import constants
from . import LeveragedTokenConfigurator

initializes: access_control

exports: (
    access_control.hasRole,
    access_control.getRoleAdmin,
    access_control.grantRole,
    access_control.revokeRole,
    access_control.renounceRole,
)

event TokenCreated:
    token: indexed(address)
    symbol: String[32]
    underlying: String[16]
    adapter: indexed(address)
    leverage: uint256
    is_long: bool
    is_async: bool  # a LeveragedTokenAsync (the venue is asynchronous)

event TokenBlueprintSet:
    blueprint: indexed(address)

event AsyncTokenBlueprintSet:
    blueprint: indexed(address)

event AsyncRoundMathSet:
    round_math: indexed(address)

event TokenRetired:
    token: indexed(address)
    symbol: String[32]


CREATOR_ROLE: public(constant(bytes32)) = keccak256("CREATOR_ROLE")
# the roles a new token's admin receives: its DEFAULT_ADMIN_ROLE, KEEPER_ROLE and GUARDIAN_ROLE
TOKEN_ROLES: constant(bytes32[3]) = [empty(bytes32), keccak256("KEEPER_ROLE"), keccak256("GUARDIAN_ROLE")]
MAX_TOKENS: constant(uint256) = 1_000
MAX_LEVERAGE: constant(uint256) = 9  # whole units, one digit in the symbol; the token also checks the venue's limit
DIGITS: constant(String[10]) = "0123456789"
MARKET_SUFFIX: constant(String[5]) = "-PERP"  # a venue's market() is "{UNDERLYING}-PERP"

collateral: public(immutable(address))
views: public(immutable(address))  # LeveragedTokenViews shared by every token
configurator: public(immutable(address))  # LeveragedTokenConfigurator shared by every token
COLLATERAL_UNIT: immutable(uint256)  # 10**decimals: one whole unit of the collateral
ASSET_SCALE: immutable(uint256)  # 10**(18 - decimals): collateral base units -> WAD USD
token_blueprint: public(address)  # EIP-5202 blueprint of LeveragedToken
async_token_blueprint: public(address)  # EIP-5202 blueprint of LeveragedTokenAsync
async_round_math: public(address)  # AsyncRoundMath every new async token calls for its round formulas

tokens: public(DynArray[address, MAX_TOKENS])  # every token ever created, in order (retired included)
token_by_symbol: public(HashMap[String[32], address])  # the active token of each symbol; empty once retired
is_active: public(HashMap[address, bool])  # created here and not retired
is_async_token: public(HashMap[address, bool])  # created here as a LeveragedTokenAsync (kept when retired)


@deploy
def __init__(
    token_blueprint_: address,
    async_token_blueprint_: address,
    async_round_math_: address,
    collateral_: address,
    views_: address,
    configurator_: address,
    admin: address,
):
    access_control.__init__()
    collateral = collateral_
    views = views_
    configurator = configurator_
    decimals: uint256 = convert(staticcall IERC20Detailed(collateral_).decimals(), uint256)
    assert decimals <= 18, "factory: decimals"
    COLLATERAL_UNIT = 10**decimals
    ASSET_SCALE = 10 ** (18 - decimals)
    self.token_blueprint = token_blueprint_
    self.async_token_blueprint = async_token_blueprint_
    self.async_round_math = async_round_math_
    access_control._grant_role(access_control.DEFAULT_ADMIN_ROLE, admin)
    access_control._grant_role(CREATOR_ROLE, admin)
    if admin != msg.sender:
        access_control._revoke_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    log TokenBlueprintSet(blueprint=token_blueprint_)
    log AsyncTokenBlueprintSet(blueprint=async_token_blueprint_)
    log AsyncRoundMathSet(round_math=async_round_math_)


@external
def set_token_blueprint(new_blueprint: address):
    """
    @notice Admin: sync tokens created from now on come from this blueprint; existing tokens
            are unchanged.
    """
    self._check_new_blueprint(new_blueprint)
    self.token_blueprint = new_blueprint
    log TokenBlueprintSet(blueprint=new_blueprint)


@external
def set_async_token_blueprint(new_blueprint: address):
    """
    @notice Admin: async tokens (on an asynchronous venue) created from now on come from this
            blueprint; existing tokens are unchanged.
    """
    self._check_new_blueprint(new_blueprint)
    self.async_token_blueprint = new_blueprint
    log AsyncTokenBlueprintSet(blueprint=new_blueprint)


@external
def set_async_round_math(new_round_math: address):
    """
    @notice Admin: async tokens created from now on call this AsyncRoundMath (set it with a
            blueprint built against its interface); existing tokens keep theirs.
    """
    self._check_new_blueprint(new_round_math)
    self.async_round_math = new_round_math
    log AsyncRoundMathSet(round_math=new_round_math)


@external
def create_token(
    underlying: String[16],
    leverage: uint256,
    is_long: bool,
    adapter: address,
    admin: address,
    fee_recipient: address,
    initial_nav_per_share_whole: uint256 = 100,
    max_total_assets: uint256 = max_value(uint256),
) -> address:
    """
    @notice Deploy one leveraged token, e.g. ("BTC", 3, True, btc_adapter, ...) -> BTC3L: a
            LeveragedTokenAsync if the venue answers is_async() true, else a LeveragedToken.
    @param leverage Whole-number target leverage (2..9); the token stores it as WAD.
    @param initial_nav_per_share_whole NAV per share at the first mint, in whole collateral units (100 = 100 USDC)
    @param max_total_assets Cap on NAV after a mint, in collateral base units (sync tokens
           only: an async token has none, so anything but the default reverts "factory: cap")
    @param admin Receives every role on the new token; the factory keeps none.
    @return The new token's address.
    """
    access_control._check_role(CREATOR_ROLE, msg.sender)
    assert admin != empty(address), "factory: admin"
    assert len(underlying) > 0, "factory: underlying"
    assert leverage >= 2 and leverage <= MAX_LEVERAGE, "factory: leverage"
    assert staticcall IPerpAdapter(adapter).market() == concat(underlying, MARKET_SUFFIX), "factory: market"
    direction: String[1] = "S"
    direction_name: String[5] = "Short"
    if is_long:
        direction = "L"
        direction_name = "Long"
    leverage_text: String[1] = slice(DIGITS, leverage, 1)
    symbol: String[32] = concat(underlying, leverage_text, direction)
    assert self.token_by_symbol[symbol] == empty(address), "factory: exists"
    name: String[50] = concat(underlying, " ", leverage_text, "x ", direction_name)
    assert initial_nav_per_share_whole > 0, "factory: nav"
    assert staticcall IPerpAdapter(adapter).collateral() == collateral, "factory: collateral"

    is_async: bool = staticcall IPerpAdapter(adapter).is_async()
    token: address = empty(address)
    if is_async:
        assert max_total_assets == max_value(uint256), "factory: cap"
        assert fee_recipient != empty(address), "factory: fee recipient"
        # the constructor checks the venue's kind and the fee bounds, and makes the factory its admin
        token = create_from_blueprint(
            self.async_token_blueprint,
            name,
            symbol,
            collateral,
            adapter,
            leverage * constants.WAD,
            is_long,
            ASSET_SCALE,
            initial_nav_per_share_whole * COLLATERAL_UNIT,
            LeveragedTokenConfigurator.DEFAULT_MINT_FEE_BPS,
            LeveragedTokenConfigurator.DEFAULT_REDEEM_FEE_BPS,
            fee_recipient,
            self.async_round_math,
        )
        self.is_async_token[token] = True
    else:
        token = create_from_blueprint(
            self.token_blueprint,
            name,
            symbol,
            collateral,
            adapter,
            views,
            configurator,
            leverage * constants.WAD,
            is_long,
            ASSET_SCALE,
            COLLATERAL_UNIT,
            initial_nav_per_share_whole * COLLATERAL_UNIT,
        )
        # the factory is the token's admin until the roles are handed over below
        c: LeveragedTokenConfigurator.__interface__ = LeveragedTokenConfigurator.__interface__(configurator)
        extcall c.set_parameters(token, staticcall c.default_parameters(token, fee_recipient, max_total_assets))
    for role: bytes32 in TOKEN_ROLES:
        extcall IAccessControl(token).grantRole(role, admin)
    extcall IAccessControl(token).renounceRole(empty(bytes32), self)
    self.tokens.append(token)
    self.token_by_symbol[symbol] = token
    self.is_active[token] = True
    log TokenCreated(
        token=token,
        symbol=symbol,
        underlying=underlying,
        adapter=adapter,
        leverage=leverage,
        is_long=is_long,
        is_async=is_async,
    )
    return token


@external
def retire_token(token: address):
    """
    @notice Admin: take an active token out of the registry (e.g. one created on the wrong
            market). Its symbol may be created again; the token keeps working for its holders
            (redeem, withdraw, ripcord) under its own admin, and stays in `all_tokens`.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert self.is_active[token], "factory: not active"
    symbol: String[32] = staticcall ILeveragedToken(token).symbol()
    self.is_active[token] = False
    self.token_by_symbol[symbol] = empty(address)
    log TokenRetired(token=token, symbol=symbol)


@internal
def _check_new_blueprint(new_blueprint: address):
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert new_blueprint != empty(address), "factory: blueprint"


@external
@view
def token_count() -> uint256:
    """
    @notice How many tokens this factory ever created, retired ones included.
    """
    return len(self.tokens)


@external
@view
def all_tokens() -> DynArray[address, MAX_TOKENS]:
    """
    @notice Every token this factory ever created, in order, retired ones included.
    """
    return self.tokens


@external
@view
def active_tokens() -> DynArray[address, MAX_TOKENS]:
    """
    @notice The tokens still in the registry (not retired), in creation order.
    """
    active: DynArray[address, MAX_TOKENS] = []
    for token: address in self.tokens:
        if self.is_active[token]:
            active.append(token)
    return active
