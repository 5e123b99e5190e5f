# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Leveraged token factory
@notice Deploys LeveragedToken instances from a blueprint (EIP-5202), names them by rule
        ({UNDERLYING}{LEVERAGE}{L|S}, "{UNDERLYING} {LEVERAGE}x Long|Short") and keeps the
        registry that the SDK, the keeper and the lens read.
@custom:kill The admin revokes CREATOR_ROLE from everyone: no new tokens; existing tokens are
        independent and unaffected.
"""

from ethereum.ercs import IERC20Detailed
from snekmate.auth import access_control
from . import constants

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

event TokenCreated:
    token: indexed(address)
    symbol: String[32]
    underlying: String[16]
    adapter: indexed(address)
    leverage: uint256
    is_long: bool

event BlueprintSet:
    blueprint: indexed(address)


CREATOR_ROLE: public(constant(bytes32)) = keccak256("CREATOR_ROLE")
MAX_TOKENS: constant(uint256) = 1_000
MAX_LEVERAGE: constant(uint256) = 9  # whole units, one digit in the symbol; the token also checks the venue's limit
DIGITS: constant(String[10]) = "0123456789"

collateral: public(immutable(address))
blueprint: public(address)

tokens: public(DynArray[address, MAX_TOKENS])
token_by_symbol: public(HashMap[String[32], address])


@deploy
def __init__(blueprint_: address, collateral_: address, admin: address):
    access_control.__init__()
    collateral = collateral_
    self.blueprint = blueprint_
    access_control._grant_role(access_control.DEFAULT_ADMIN_ROLE, admin)
    access_control._grant_role(CREATOR_ROLE, admin)
    if admin != msg.sender:
        access_control._revoke_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    log BlueprintSet(blueprint=blueprint_)


@external
def set_blueprint(new_blueprint: address):
    """
    @notice Admin: tokens created from now on use `new_blueprint`; existing ones are unchanged.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert new_blueprint.is_contract, "factory: blueprint"
    self.blueprint = new_blueprint
    log BlueprintSet(blueprint=new_blueprint)


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
    @notice Deploy one leveraged token, e.g. ("BTC", 3, True, btc_adapter, ...) -> BTC3L.
    @param leverage Whole-number target leverage (2..9); the token stores it as WAD.
    @param admin Receives every role on the new token.
    @return The new token's address.
    """
    access_control._check_role(CREATOR_ROLE, msg.sender)
    assert len(underlying) > 0, "factory: underlying"
    assert leverage >= 2 and leverage <= MAX_LEVERAGE, "factory: leverage"
    direction: String[1] = "S"
    direction_name: String[5] = "Short"
    if is_long:
        direction = "L"
        direction_name = "Long"
    leverage_text: String[1] = slice(DIGITS, leverage, 1)
    symbol: String[32] = concat(underlying, leverage_text, direction)
    assert self.token_by_symbol[symbol] == empty(address), "factory: exists"
    name: String[64] = concat(underlying, " ", leverage_text, "x ", direction_name)

    token: address = create_from_blueprint(
        self.blueprint,
        name,
        symbol,
        collateral,
        adapter,
        leverage * constants.WAD,
        is_long,
        admin,
        fee_recipient,
        initial_nav_per_share_whole,
        max_total_assets,
    )
    self.tokens.append(token)
    self.token_by_symbol[symbol] = token
    log TokenCreated(token=token, symbol=symbol, underlying=underlying, adapter=adapter, leverage=leverage, is_long=is_long)
    return token


@external
@view
def token_count() -> uint256:
    return len(self.tokens)


@external
@view
def all_tokens() -> DynArray[address, MAX_TOKENS]:
    return self.tokens
