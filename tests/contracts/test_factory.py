"""LeveragedTokenFactory: the naming rule, the registry, creation checks and the blueprint."""

from __future__ import annotations

import ape
import pytest
from eth_utils import keccak
from ltsdk.deploy import deploy_market

USDC = 10**6
WAD = 10**18
MAX_UINT256 = 2**256 - 1
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
MISSING_ROLE = "access_control: account is missing role"
DEFAULT_ADMIN_ROLE = b"\x00" * 32
CREATOR_ROLE = keccak(text="CREATOR_ROLE")
KEEPER_ROLE = keccak(text="KEEPER_ROLE")
GUARDIAN_ROLE = keccak(text="GUARDIAN_ROLE")

ETH_MARKET = {"price": "3000", "oracle_decimals": 8, "depth_usd": 500_000_000, "venue_liquidity": 50_000_000}


@pytest.fixture
def eth_venue(project, admin, usdc):
    _, adapter = deploy_market(project, admin, usdc, "ETH", ETH_MARKET, 6)
    return adapter


@pytest.fixture
def foreign_venue(project, admin):
    """A venue margined in a different collateral than the factory's."""
    other_usdc = project.MockUSDC.deploy(sender=admin)
    _, adapter = deploy_market(project, admin, other_usdc, "BTC", {**ETH_MARKET, "price": "60000"}, 6)
    return adapter


def _create(factory, admin, fee_recipient, underlying, leverage, is_long, adapter, sender=None):
    """create_token with the default NAV (100) and cap (none), `admin` receiving the token's roles."""
    return factory.create_token(underlying, leverage, is_long, adapter, admin, fee_recipient, sender=sender or admin)


# ---------------------------------------------------------------- naming and the registry
#
# The session fixture `token` is the factory's BTC3L and its state persists across tests, so
# tests about BTC3L use that fixture; every other test creates symbols no fixture creates.


def test_create_token__btc_3_long__is_named_btc3l_and_registered(token, factory, usdc, btc_venue):
    """`token` was made by factory.create_token("BTC", 3, True, btc_venue, ...)."""
    assert token.symbol() == "BTC3L"
    assert token.name() == "BTC 3x Long"
    assert factory.token_by_symbol("BTC3L") == token.address
    assert token.address in factory.all_tokens()
    assert factory.tokens(list(factory.all_tokens()).index(token.address)) == token.address
    assert token.asset() == usdc.address
    assert token.adapter() == btc_venue.address
    assert token.target_leverage() == 3 * WAD
    assert token.is_long() is True
    assert token.decimals() == 18
    assert token.nav_per_share() == 100 * USDC


def test_create_token__on_fresh_factory__btc3l_is_first_entry_of_registry(
    project, factory, admin, fee_recipient, usdc, btc_venue
):
    fresh = project.LeveragedTokenFactory.deploy(factory.blueprint(), usdc, factory.quoter(), admin, sender=admin)
    assert fresh.token_count() == 0
    assert list(fresh.all_tokens()) == []

    tx = fresh.create_token("BTC", 3, True, btc_venue, admin, fee_recipient, sender=admin)

    address = tx.return_value
    token = project.LeveragedToken.at(address)
    assert (token.symbol(), token.name()) == ("BTC3L", "BTC 3x Long")
    assert fresh.token_count() == 1
    assert list(fresh.all_tokens()) == [address]
    assert fresh.tokens(0) == address
    assert fresh.token_by_symbol("BTC3L") == address
    assert tx.events.filter(fresh.TokenCreated) == [
        fresh.TokenCreated(token=address, symbol="BTC3L", underlying="BTC", adapter=btc_venue, leverage=3, is_long=True)
    ]


@pytest.mark.parametrize(
    ("underlying", "leverage", "is_long", "symbol", "name"),
    [
        ("BTC", 3, False, "BTC3S", "BTC 3x Short"),
        ("ETH", 5, False, "ETH5S", "ETH 5x Short"),
        ("ETH", 5, True, "ETH5L", "ETH 5x Long"),
        ("ETH", 2, True, "ETH2L", "ETH 2x Long"),
        ("BTC", 9, False, "BTC9S", "BTC 9x Short"),
    ],
)
def test_create_token__names_by_rule(
    project, factory, admin, fee_recipient, btc_venue, underlying, leverage, is_long, symbol, name
):
    tx = _create(factory, admin, fee_recipient, underlying, leverage, is_long, btc_venue)

    token = project.LeveragedToken.at(tx.return_value)
    assert token.symbol() == symbol
    assert token.name() == name
    assert factory.token_by_symbol(symbol) == token.address


def test_create_token__registers_in_order(project, factory, admin, fee_recipient, btc_venue, eth_venue):
    count_before = factory.token_count()
    all_before = list(factory.all_tokens())
    assert len(all_before) == count_before

    btc = _create(factory, admin, fee_recipient, "BTC", 4, True, btc_venue).return_value
    eth = _create(factory, admin, fee_recipient, "ETH", 5, False, eth_venue).return_value

    assert factory.token_count() == count_before + 2
    assert factory.tokens(count_before) == btc
    assert factory.tokens(count_before + 1) == eth
    assert list(factory.all_tokens()) == [*all_before, btc, eth]
    assert factory.token_by_symbol("BTC4L") == btc
    assert factory.token_by_symbol("ETH5S") == eth
    assert btc != eth


def test_token_by_symbol__unknown_symbol__is_zero_address(factory):
    assert factory.token_by_symbol("DOGE7L") == ZERO_ADDRESS


def test_tokens__index_past_end__reverts(factory):
    with ape.reverts():
        factory.tokens(factory.token_count())


def test_create_token__emits_token_created(factory, admin, fee_recipient, eth_venue):
    tx = _create(factory, admin, fee_recipient, "ETH", 5, False, eth_venue)

    logs = tx.events.filter(factory.TokenCreated)
    assert len(logs) == 1
    log = logs[0]
    assert log.event_arguments == {
        "token": tx.return_value,
        "symbol": "ETH5S",
        "underlying": "ETH",
        "adapter": eth_venue.address,
        "leverage": 5,
        "is_long": False,
    }


@pytest.mark.parametrize(
    ("underlying", "leverage", "is_long"), [("BTC", 4, True), ("BTC", 3, False), ("ETH", 5, False)]
)
def test_create_token__token_is_configured_from_arguments(
    project, factory, admin, fee_recipient, usdc, btc_venue, eth_venue, underlying, leverage, is_long
):
    venue = btc_venue if underlying == "BTC" else eth_venue
    cap = 1_234_567 * USDC
    tx = factory.create_token(underlying, leverage, is_long, venue, admin, fee_recipient, 100, cap, sender=admin)

    token = project.LeveragedToken.at(tx.return_value)
    assert token.asset() == usdc.address
    assert token.adapter() == venue.address
    assert token.target_leverage() == leverage * WAD
    assert token.is_long() is is_long
    assert token.decimals() == 18
    assert token.nav_per_share() == 100 * USDC
    assert token.initial_nav_per_share() == 100 * USDC
    assert token.fee_recipient() == fee_recipient
    assert token.max_total_assets() == cap
    assert token.totalSupply() == 0
    assert token.totalAssets() == 0
    assert not token.paused()
    assert not token.is_shutdown()


def test_create_token__defaults__nav_100_and_no_cap(project, factory, admin, fee_recipient, btc_venue):
    tx = factory.create_token("BTC", 2, True, btc_venue, admin, fee_recipient, sender=admin)

    token = project.LeveragedToken.at(tx.return_value)
    assert token.nav_per_share() == 100 * USDC
    assert token.max_total_assets() == MAX_UINT256


def test_create_token__roles__go_to_admin_and_factory_keeps_none(
    project, factory, admin, fee_recipient, btc_venue, outsider
):
    tx = factory.create_token("BTC", 4, True, btc_venue, outsider, fee_recipient, sender=admin)

    token = project.LeveragedToken.at(tx.return_value)
    for role in (DEFAULT_ADMIN_ROLE, KEEPER_ROLE, GUARDIAN_ROLE):
        assert token.hasRole(role, outsider)
        assert not token.hasRole(role, factory)
        # the factory's caller gets nothing either: roles go to the `admin` argument only
        assert not token.hasRole(role, admin)


def test_create_token__two_tokens__are_independent(project, factory, admin, fee_recipient, btc_venue):
    first = project.LeveragedToken.at(_create(factory, admin, fee_recipient, "BTC", 5, True, btc_venue).return_value)
    second = project.LeveragedToken.at(_create(factory, admin, fee_recipient, "BTC", 5, False, btc_venue).return_value)

    first.pause(sender=admin)

    assert first.paused()
    assert not second.paused()


# ---------------------------------------------------------------- creation checks


def test_create_token__duplicate_symbol__reverts_exists(token, factory, admin, fee_recipient, eth_venue):
    count = factory.token_count()

    with ape.reverts("factory: exists"):
        _create(factory, admin, fee_recipient, "BTC", 3, True, eth_venue)

    assert factory.token_by_symbol("BTC3L") == token.address
    assert factory.token_count() == count


def test_create_token__duplicate_of_new_symbol__reverts_exists(factory, admin, fee_recipient, eth_venue):
    first = _create(factory, admin, fee_recipient, "ETH", 6, False, eth_venue).return_value
    count = factory.token_count()

    with ape.reverts("factory: exists"):
        _create(factory, admin, fee_recipient, "ETH", 6, False, eth_venue)

    assert factory.token_by_symbol("ETH6S") == first
    assert factory.token_count() == count


def test_create_token__same_underlying_other_side__is_not_a_duplicate(token, factory, admin, fee_recipient, btc_venue):
    short = _create(factory, admin, fee_recipient, "BTC", 3, False, btc_venue).return_value

    assert factory.token_by_symbol("BTC3L") == token.address
    assert factory.token_by_symbol("BTC3S") == short
    assert short != token.address


@pytest.mark.parametrize("leverage", [0, 1, 10, 11, MAX_UINT256])
def test_create_token__leverage_out_of_range__reverts_leverage(factory, admin, fee_recipient, btc_venue, leverage):
    count = factory.token_count()

    with ape.reverts("factory: leverage"):
        _create(factory, admin, fee_recipient, "BTC", leverage, True, btc_venue)

    assert factory.token_count() == count


@pytest.mark.parametrize("leverage", [2, 9])
def test_create_token__leverage_at_bounds__succeeds(project, factory, admin, fee_recipient, btc_venue, leverage):
    tx = _create(factory, admin, fee_recipient, "BTC", leverage, True, btc_venue)

    token = project.LeveragedToken.at(tx.return_value)
    assert token.target_leverage() == leverage * WAD
    assert token.symbol() == f"BTC{leverage}L"


def test_create_token__empty_underlying__reverts_underlying(factory, admin, fee_recipient, btc_venue):
    count = factory.token_count()

    with ape.reverts("factory: underlying"):
        _create(factory, admin, fee_recipient, "", 3, True, btc_venue)

    assert factory.token_count() == count


def test_create_token__from_non_creator__reverts_missing_role(factory, admin, fee_recipient, btc_venue, outsider):
    count = factory.token_count()

    with ape.reverts(MISSING_ROLE):
        _create(factory, admin, fee_recipient, "SOL", 3, True, btc_venue, sender=outsider)

    assert factory.token_count() == count
    assert factory.token_by_symbol("SOL3L") == ZERO_ADDRESS


def test_create_token__from_granted_creator__succeeds(factory, admin, fee_recipient, btc_venue, outsider):
    factory.grantRole(CREATOR_ROLE, outsider, sender=admin)

    tx = _create(factory, admin, fee_recipient, "SOL", 3, True, btc_venue, sender=outsider)

    assert factory.token_by_symbol("SOL3L") == tx.return_value


def test_create_token__after_creator_role_revoked__reverts(factory, admin, fee_recipient, btc_venue):
    """The kill switch: revoking CREATOR_ROLE stops new tokens."""
    factory.revokeRole(CREATOR_ROLE, admin, sender=admin)

    with ape.reverts(MISSING_ROLE):
        _create(factory, admin, fee_recipient, "SOL", 3, True, btc_venue)
    assert factory.token_by_symbol("SOL3L") == ZERO_ADDRESS


def test_create_token__adapter_with_other_collateral__reverts(factory, admin, fee_recipient, usdc, foreign_venue):
    """The token's constructor rejects a venue margined in another collateral; the factory
    passes the revert through and registers nothing."""
    assert foreign_venue.collateral() != usdc.address
    count = factory.token_count()

    with ape.reverts("lt: bounds"):
        _create(factory, admin, fee_recipient, "BTC", 7, True, foreign_venue)

    assert factory.token_count() == count
    assert factory.token_by_symbol("BTC7L") == ZERO_ADDRESS


def test_create_token__zero_admin__reverts(factory, fee_recipient, btc_venue, admin):
    with ape.reverts("lt: zero"):
        factory.create_token("BTC", 8, True, btc_venue, ZERO_ADDRESS, fee_recipient, sender=admin)
    assert factory.token_by_symbol("BTC8L") == ZERO_ADDRESS


def test_create_token__zero_fee_recipient__reverts(factory, admin, btc_venue):
    with ape.reverts("lt: zero"):
        factory.create_token("BTC", 8, True, btc_venue, admin, ZERO_ADDRESS, sender=admin)
    assert factory.token_by_symbol("BTC8L") == ZERO_ADDRESS


# ---------------------------------------------------------------- factory roles and the blueprint


def test_factory__roles__admin_holds_admin_and_creator(factory, admin, outsider):
    assert factory.CREATOR_ROLE() == CREATOR_ROLE
    assert factory.hasRole(DEFAULT_ADMIN_ROLE, admin)
    assert factory.hasRole(CREATOR_ROLE, admin)
    assert not factory.hasRole(DEFAULT_ADMIN_ROLE, outsider)
    assert not factory.hasRole(CREATOR_ROLE, outsider)


def test_factory__deployed_for_another_admin__deployer_keeps_no_role(project, admin, outsider, usdc, factory):
    other = project.LeveragedTokenFactory.deploy(factory.blueprint(), usdc, factory.quoter(), outsider, sender=admin)

    assert other.hasRole(DEFAULT_ADMIN_ROLE, outsider)
    assert other.hasRole(CREATOR_ROLE, outsider)
    assert not other.hasRole(DEFAULT_ADMIN_ROLE, admin)
    assert not other.hasRole(CREATOR_ROLE, admin)


def test_set_blueprint__from_admin__sets_and_emits(project, factory, admin):
    new_blueprint = admin.declare(project.LeveragedToken).contract_address
    assert new_blueprint != factory.blueprint()

    tx = factory.set_blueprint(new_blueprint, sender=admin)

    assert factory.blueprint() == new_blueprint
    assert tx.events.filter(factory.BlueprintSet) == [factory.BlueprintSet(blueprint=new_blueprint)]


def test_set_blueprint__new_blueprint__is_used_for_new_tokens(project, factory, admin, fee_recipient, btc_venue):
    factory.set_blueprint(admin.declare(project.LeveragedToken).contract_address, sender=admin)

    token = project.LeveragedToken.at(_create(factory, admin, fee_recipient, "ETH", 3, True, btc_venue).return_value)

    assert token.symbol() == "ETH3L"
    assert token.nav_per_share() == 100 * USDC


@pytest.mark.parametrize("role_name", ["outsider", "keeper", "guardian"])
def test_set_blueprint__from_non_admin__reverts_missing_role(
    project, factory, admin, outsider, keeper, guardian, role_name
):
    caller = {"outsider": outsider, "keeper": keeper, "guardian": guardian}[role_name]
    before = factory.blueprint()
    new_blueprint = admin.declare(project.LeveragedToken).contract_address

    with ape.reverts(MISSING_ROLE):
        factory.set_blueprint(new_blueprint, sender=caller)

    assert factory.blueprint() == before


def test_set_blueprint__from_creator_without_admin__reverts_missing_role(project, factory, admin, outsider):
    factory.grantRole(CREATOR_ROLE, outsider, sender=admin)
    before = factory.blueprint()

    with ape.reverts(MISSING_ROLE):
        factory.set_blueprint(admin.declare(project.LeveragedToken).contract_address, sender=outsider)

    assert factory.blueprint() == before


@pytest.mark.parametrize("target", ["zero", "eoa"])
def test_set_blueprint__to_non_contract__reverts_blueprint(factory, admin, outsider, target):
    before = factory.blueprint()
    address = ZERO_ADDRESS if target == "zero" else outsider.address

    with ape.reverts("factory: blueprint"):
        factory.set_blueprint(address, sender=admin)

    assert factory.blueprint() == before
