"""Access control of LeveragedToken: who may call what, parameter bounds, roles and shutdown.

The core of this module is METHODS, a table classifying every state-changing method of the
token's ABI as public or privileged (with the role it requires). The ABI-driven tests fail as
soon as a state-changing method appears in the ABI that is not in the table, so a new method
cannot ship without someone deciding who may call it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import ape
import pytest
from eth_utils import keccak

USDC = 10**6
MAX_UINT256 = 2**256 - 1
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
MISSING_ROLE = "access_control: account is missing role"

# role ids as the contract defines them (checked against the contract below)
DEFAULT_ADMIN_ROLE = b"\x00" * 32
KEEPER_ROLE = keccak(text="KEEPER_ROLE")
GUARDIAN_ROLE = keccak(text="GUARDIAN_ROLE")
ROLE_NAMES = {DEFAULT_ADMIN_ROLE: "DEFAULT_ADMIN_ROLE", KEEPER_ROLE: "KEEPER_ROLE", GUARDIAN_ROLE: "GUARDIAN_ROLE"}

# bounds, copied from the constants at the top of contracts/LeveragedToken.vy
MAX_MINT_FEE_BPS = 100
MAX_REDEEM_FEE_BPS = 100
MAX_MANAGEMENT_FEE_BPS = 2_000
MAX_SLIPPAGE_BPS = 500
MIN_PRICE_AGE = 60
MAX_PRICE_AGE = 86_400


# ---------------------------------------------------------------- the classification table

PUBLIC = "public"


@dataclass(frozen=True)
class Privileged:
    """A method only `role` may call.

    args(token, actors) -> plausible call arguments (an in-bounds, state-changing call);
    state(token, actors) -> what the call changes, to prove a rejected call changed nothing;
    setup(token, actors) -> optional preparation so the call has something to change.
    """

    role: bytes
    args: Callable[[Any, Any], tuple]
    state: Callable[[Any, Any], Any]
    setup: Callable[[Any, Any], None] | None = None


def _no_args(token, actors):
    return ()


def _pause_first(token, actors):
    token.pause(sender=actors.admin)


METHODS: dict[str, str | Privileged] = {
    # ERC-20
    "transfer": PUBLIC,
    "transferFrom": PUBLIC,
    "approve": PUBLIC,
    # ERC-4626 entry and exit
    "deposit": PUBLIC,
    "mint": PUBLIC,
    "redeem": PUBLIC,
    "withdraw": PUBLIC,
    # pays the fee recipient whoever calls
    "collect_fees": PUBLIC,
    # an account can only renounce its own roles (checked in its own test below)
    "renounceRole": PUBLIC,
    # guardian
    "pause": Privileged(GUARDIAN_ROLE, _no_args, lambda t, a: t.paused()),
    # admin
    "unpause": Privileged(DEFAULT_ADMIN_ROLE, _no_args, lambda t, a: t.paused(), setup=_pause_first),
    "emergency_shutdown": Privileged(DEFAULT_ADMIN_ROLE, _no_args, lambda t, a: t.is_shutdown()),
    "set_fee_recipient": Privileged(DEFAULT_ADMIN_ROLE, lambda t, a: (a.depositor,), lambda t, a: t.fee_recipient()),
    "set_mint_fee_bps": Privileged(DEFAULT_ADMIN_ROLE, lambda t, a: (50,), lambda t, a: t.mint_fee_bps()),
    "set_redeem_fee_bps": Privileged(DEFAULT_ADMIN_ROLE, lambda t, a: (50,), lambda t, a: t.redeem_fee_bps()),
    "set_management_fee_bps": Privileged(DEFAULT_ADMIN_ROLE, lambda t, a: (100,), lambda t, a: t.management_fee_bps()),
    "set_max_total_assets": Privileged(DEFAULT_ADMIN_ROLE, lambda t, a: (12_345,), lambda t, a: t.max_total_assets()),
    "set_max_slippage_bps": Privileged(DEFAULT_ADMIN_ROLE, lambda t, a: (100,), lambda t, a: t.max_slippage_bps()),
    "set_max_price_age": Privileged(DEFAULT_ADMIN_ROLE, lambda t, a: (600,), lambda t, a: t.max_price_age()),
    # role management (snekmate): the caller needs the role's admin role, DEFAULT_ADMIN_ROLE
    "grantRole": Privileged(
        DEFAULT_ADMIN_ROLE,
        lambda t, a: (DEFAULT_ADMIN_ROLE, a.depositor),
        lambda t, a: t.hasRole(DEFAULT_ADMIN_ROLE, a.depositor),
    ),
    "revokeRole": Privileged(
        DEFAULT_ADMIN_ROLE,
        lambda t, a: (GUARDIAN_ROLE, a.guardian),
        lambda t, a: t.hasRole(GUARDIAN_ROLE, a.guardian),
    ),
    "set_role_admin": Privileged(
        DEFAULT_ADMIN_ROLE,
        lambda t, a: (KEEPER_ROLE, GUARDIAN_ROLE),
        lambda t, a: t.getRoleAdmin(KEEPER_ROLE),
    ),
}

PRIVILEGED = {name: entry for name, entry in METHODS.items() if isinstance(entry, Privileged)}


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture
def actors(admin, keeper, guardian, depositor, other_depositor, attacker, fee_recipient, outsider):
    return SimpleNamespace(
        admin=admin,
        keeper=keeper,
        guardian=guardian,
        depositor=depositor,
        other_depositor=other_depositor,
        attacker=attacker,
        fee_recipient=fee_recipient,
        outsider=outsider,
    )


def _state_changing_methods(token) -> set[str]:
    return {abi.name for abi in token.contract_type.mutable_methods}


def _callers_without(token, actors, role) -> list:
    """Role-named actors (not the admin) that do not hold `role` on `token`."""
    candidates = [actors.outsider, actors.keeper, actors.guardian, actors.attacker, actors.depositor]
    return [account for account in candidates if not token.hasRole(role, account)]


def _single_parameter_set(token, tx):
    logs = tx.events.filter(token.ParameterSet)
    assert len(logs) == 1, f"expected one ParameterSet, got {logs}"
    return logs[0]


@pytest.fixture
def deposited(token, depositor, fund):
    """The depositor holds shares of a funded, open position."""
    fund(depositor, token, 10_000 * USDC)
    token.deposit(10_000 * USDC, depositor, sender=depositor)
    assert token.balanceOf(depositor) > 0
    return token


# ---------------------------------------------------------------- the ABI is fully classified


def test_roles__constants__match_contract(token):
    assert token.DEFAULT_ADMIN_ROLE() == DEFAULT_ADMIN_ROLE
    assert token.KEEPER_ROLE() == KEEPER_ROLE
    assert token.GUARDIAN_ROLE() == GUARDIAN_ROLE


def test_abi__every_state_changing_method__is_classified(project):
    in_abi = {abi.name for abi in project.LeveragedToken.contract_type.mutable_methods}
    unclassified = in_abi - METHODS.keys()
    assert not unclassified, (
        f"state-changing methods missing from METHODS in {__file__}: {sorted(unclassified)}; "
        "classify each as PUBLIC or Privileged(role, ...)"
    )
    stale = METHODS.keys() - in_abi
    assert not stale, f"METHODS lists methods that are not in the ABI (renamed or removed?): {sorted(stale)}"


def test_abi__view_methods__are_not_in_the_table(project):
    contract_type = project.LeveragedToken.contract_type
    views = {abi.name for abi in contract_type.view_methods}
    assert views, "the ABI has view methods"
    assert not views & METHODS.keys(), "a view method is classified as state-changing"


def test_privileged_methods__from_accounts_without_the_role__revert_and_change_nothing(token, actors, chain):
    """Generated from the ABI: every state-changing method is looked up in METHODS; every
    privileged one is called, with plausible arguments, from every role-named actor lacking
    its role, and must revert with snekmate's message and leave its state unchanged."""
    checked = []
    for abi in token.contract_type.mutable_methods:
        assert abi.name in METHODS, f"{abi.name} is in the ABI but not classified in METHODS"
        entry = METHODS[abi.name]
        if entry == PUBLIC:
            continue
        with chain.isolate():  # each method starts from the freshly created token
            if entry.setup:
                entry.setup(token, actors)
            callers = _callers_without(token, actors, entry.role)
            assert actors.outsider in callers
            for caller in callers:
                before = entry.state(token, actors)
                with ape.reverts(MISSING_ROLE):
                    getattr(token, abi.name)(*entry.args(token, actors), sender=caller)
                assert entry.state(token, actors) == before, f"{abi.name} from {caller} changed state"
                checked.append((abi.name, caller.address))
    assert {name for name, _ in checked} == PRIVILEGED.keys()
    # admin-only methods were tried from the keeper and the guardian too, the guardian's from the keeper
    assert ("set_mint_fee_bps", actors.keeper.address) in checked
    assert ("set_mint_fee_bps", actors.guardian.address) in checked
    assert ("pause", actors.keeper.address) in checked
    assert ("pause", actors.guardian.address) not in checked


@pytest.mark.parametrize("method", sorted(PRIVILEGED))
def test_privileged_method__from_outsider__reverts_missing_role(token, actors, method):
    entry = PRIVILEGED[method]
    if entry.setup:
        entry.setup(token, actors)
    before = entry.state(token, actors)
    with ape.reverts(MISSING_ROLE):
        getattr(token, method)(*entry.args(token, actors), sender=actors.outsider)
    assert entry.state(token, actors) == before


@pytest.mark.parametrize("method", sorted(PRIVILEGED))
def test_privileged_method__from_account_granted_only_its_role__succeeds(token, actors, method):
    """The role in the table is sufficient: an outsider given exactly that role can call."""
    entry = PRIVILEGED[method]
    if entry.setup:
        entry.setup(token, actors)
    token.grantRole(entry.role, actors.outsider, sender=actors.admin)
    for other_role in ROLE_NAMES.keys() - {entry.role}:
        assert not token.hasRole(other_role, actors.outsider)
    before = entry.state(token, actors)

    getattr(token, method)(*entry.args(token, actors), sender=actors.outsider)

    assert entry.state(token, actors) != before


# ---------------------------------------------------------------- public methods stay public


def test_collect_fees__from_outsider__pays_fee_recipient(deposited, usdc, outsider, fee_recipient):
    token = deposited
    fees = token.protocol_fees()
    assert fees > 0
    before = usdc.balanceOf(fee_recipient)

    tx = token.collect_fees(sender=outsider)

    assert usdc.balanceOf(fee_recipient) - before == fees
    assert token.protocol_fees() == 0
    assert usdc.balanceOf(outsider) == 0
    assert tx.events.filter(token.FeesCollected) == [token.FeesCollected(fee_recipient=fee_recipient, assets=fees)]


def test_renounce_role__for_another_account__reverts(token, outsider, guardian):
    with ape.reverts("access_control: can only renounce roles for itself"):
        token.renounceRole(GUARDIAN_ROLE, guardian, sender=outsider)
    assert token.hasRole(GUARDIAN_ROLE, guardian)


def test_renounce_role__by_guardian__removes_its_pause_power(token, guardian):
    token.renounceRole(GUARDIAN_ROLE, guardian, sender=guardian)

    assert not token.hasRole(GUARDIAN_ROLE, guardian)
    with ape.reverts(MISSING_ROLE):
        token.pause(sender=guardian)
    assert not token.paused()


# ---------------------------------------------------------------- pause and unpause


def test_pause__from_guardian__pauses_and_emits(token, guardian):
    tx = token.pause(sender=guardian)

    assert token.paused()
    assert tx.events == [token.Paused(account=guardian)]


def test_pause__from_keeper__reverts(token, keeper):
    with ape.reverts(MISSING_ROLE):
        token.pause(sender=keeper)
    assert not token.paused()


def test_pause__from_outsider__reverts(token, outsider):
    with ape.reverts(MISSING_ROLE):
        token.pause(sender=outsider)
    assert not token.paused()


def test_unpause__from_guardian__reverts(token, guardian):
    token.pause(sender=guardian)

    with ape.reverts(MISSING_ROLE):
        token.unpause(sender=guardian)
    assert token.paused()


def test_unpause__from_keeper__reverts(token, guardian, keeper):
    token.pause(sender=guardian)

    with ape.reverts(MISSING_ROLE):
        token.unpause(sender=keeper)
    assert token.paused()


def test_unpause__from_admin__unpauses_and_emits(token, guardian, admin):
    token.pause(sender=guardian)

    tx = token.unpause(sender=admin)

    assert not token.paused()
    assert tx.events == [token.Unpaused(account=admin)]


def test_pause__blocks_deposit_but_not_redeem(deposited, guardian, depositor, other_depositor, fund):
    token = deposited
    token.pause(sender=guardian)
    fund(other_depositor, token, 1_000 * USDC)

    with ape.reverts("lt: paused"):
        token.deposit(1_000 * USDC, other_depositor, sender=other_depositor)
    assert token.maxDeposit(other_depositor) == 0
    assert token.maxMint(other_depositor) == 0

    shares = token.balanceOf(depositor)
    paid = token.redeem(shares, depositor, depositor, sender=depositor).return_value
    assert paid > 0
    assert token.balanceOf(depositor) == 0


# ---------------------------------------------------------------- parameter setters

# (setter, getter / event name, in-bounds values, out-of-bounds values)
SETTERS = [
    ("set_mint_fee_bps", "mint_fee_bps", [0, 1, MAX_MINT_FEE_BPS], [MAX_MINT_FEE_BPS + 1, MAX_UINT256]),
    ("set_redeem_fee_bps", "redeem_fee_bps", [0, 1, MAX_REDEEM_FEE_BPS], [MAX_REDEEM_FEE_BPS + 1, MAX_UINT256]),
    (
        "set_management_fee_bps",
        "management_fee_bps",
        [0, 1, MAX_MANAGEMENT_FEE_BPS],
        [MAX_MANAGEMENT_FEE_BPS + 1, MAX_UINT256],
    ),
    ("set_max_slippage_bps", "max_slippage_bps", [1, MAX_SLIPPAGE_BPS], [0, MAX_SLIPPAGE_BPS + 1, MAX_UINT256]),
    (
        "set_max_price_age",
        "max_price_age",
        [MIN_PRICE_AGE, 3_601, MAX_PRICE_AGE],
        [0, MIN_PRICE_AGE - 1, MAX_PRICE_AGE + 1, MAX_UINT256],
    ),
    # no bounds: any cap is valid, 0 closes the token to new money
    ("set_max_total_assets", "max_total_assets", [0, 1, 10**12 * USDC, MAX_UINT256], []),
]

IN_BOUNDS = [(setter, getter, value) for setter, getter, values, _ in SETTERS for value in values]
OUT_OF_BOUNDS = [(setter, getter, value) for setter, getter, _, values in SETTERS for value in values]


def test_setters__cover_every_bounded_parameter():
    setters_in_table = {name for name in METHODS if name.startswith("set_") and name not in {"set_role_admin"}}
    assert setters_in_table - {"set_fee_recipient"} == {setter for setter, *_ in SETTERS}


@pytest.mark.parametrize(("setter", "getter", "value"), IN_BOUNDS)
def test_setter__in_bounds__sets_value_and_emits_parameter_set(token, admin, setter, getter, value):
    tx = getattr(token, setter)(value, sender=admin)

    assert getattr(token, getter)() == value
    log = _single_parameter_set(token, tx)
    assert log.event_arguments["name"] == getter
    assert log.event_arguments["value"] == value


@pytest.mark.parametrize(("setter", "getter", "value"), OUT_OF_BOUNDS)
def test_setter__out_of_bounds__reverts_bounds(token, admin, setter, getter, value):
    before = getattr(token, getter)()

    with ape.reverts("lt: bounds"):
        getattr(token, setter)(value, sender=admin)

    assert getattr(token, getter)() == before


@pytest.mark.parametrize(("setter", "getter", "value"), IN_BOUNDS)
def test_setter__in_bounds_from_keeper__reverts_missing_role(token, keeper, setter, getter, value):
    before = getattr(token, getter)()

    with ape.reverts(MISSING_ROLE):
        getattr(token, setter)(value, sender=keeper)

    assert getattr(token, getter)() == before


def test_setter__out_of_bounds_from_outsider__reverts_missing_role_first(token, outsider):
    """The role is checked before the bounds: an outsider learns nothing about the bounds."""
    with ape.reverts(MISSING_ROLE):
        token.set_mint_fee_bps(MAX_MINT_FEE_BPS + 1, sender=outsider)
    assert token.mint_fee_bps() == 10


def test_defaults__are_within_bounds(token):
    assert token.mint_fee_bps() <= MAX_MINT_FEE_BPS
    assert token.redeem_fee_bps() <= MAX_REDEEM_FEE_BPS
    assert token.management_fee_bps() <= MAX_MANAGEMENT_FEE_BPS
    assert 0 < token.max_slippage_bps() <= MAX_SLIPPAGE_BPS
    assert MIN_PRICE_AGE <= token.max_price_age() <= MAX_PRICE_AGE


def test_set_max_total_assets__below_nav__blocks_deposits(deposited, admin, other_depositor, fund):
    token = deposited
    token.set_max_total_assets(token.totalAssets(), sender=admin)
    fund(other_depositor, token, 1_000 * USDC)

    assert token.maxDeposit(other_depositor) == 0
    with ape.reverts("lt: cap"):
        token.deposit(1_000 * USDC, other_depositor, sender=other_depositor)


def test_set_management_fee_bps__accrues_at_old_rate_first(deposited, admin, fee_recipient, chain):
    token = deposited
    assert token.balanceOf(fee_recipient) == 0
    chain.mine(deltatime=30 * 86_400)
    pending = token.pending_management_fee_shares()
    assert pending > 0

    tx = token.set_management_fee_bps(0, sender=admin)

    minted = token.balanceOf(fee_recipient)
    assert minted >= pending
    assert any(log.event_name == "ManagementFeeMinted" and log.shares == minted for log in tx.events)
    chain.mine(deltatime=30 * 86_400)
    assert token.pending_management_fee_shares() == 0


# ---------------------------------------------------------------- fee recipient


def test_set_fee_recipient__zero_address__reverts_zero(token, admin, fee_recipient):
    with ape.reverts("lt: zero"):
        token.set_fee_recipient(ZERO_ADDRESS, sender=admin)
    assert token.fee_recipient() == fee_recipient


def test_set_fee_recipient__from_admin__sets_and_emits(token, admin, outsider):
    tx = token.set_fee_recipient(outsider, sender=admin)

    assert token.fee_recipient() == outsider
    assert tx.events.filter(token.FeeRecipientSet) == [token.FeeRecipientSet(fee_recipient=outsider)]


def test_set_fee_recipient__from_guardian__reverts(token, guardian, fee_recipient):
    with ape.reverts(MISSING_ROLE):
        token.set_fee_recipient(guardian, sender=guardian)
    assert token.fee_recipient() == fee_recipient


# ---------------------------------------------------------------- role management


def test_roles__after_create__admin_holds_every_role_and_is_admin_of_each(token, admin, keeper, guardian):
    for role, role_name in ROLE_NAMES.items():
        assert token.hasRole(role, admin), role_name
        assert token.getRoleAdmin(role) == DEFAULT_ADMIN_ROLE, role_name
    assert token.hasRole(KEEPER_ROLE, keeper)
    assert not token.hasRole(GUARDIAN_ROLE, keeper)
    assert not token.hasRole(DEFAULT_ADMIN_ROLE, keeper)
    assert token.hasRole(GUARDIAN_ROLE, guardian)
    assert not token.hasRole(KEEPER_ROLE, guardian)
    assert not token.hasRole(DEFAULT_ADMIN_ROLE, guardian)


def test_roles__factory__holds_no_role_on_tokens_it_created(token, factory):
    for role, role_name in ROLE_NAMES.items():
        assert not token.hasRole(role, factory), role_name


def test_grant_role__from_admin__grants_and_emits(token, admin, outsider):
    tx = token.grantRole(KEEPER_ROLE, outsider, sender=admin)

    assert token.hasRole(KEEPER_ROLE, outsider)
    assert tx.events.filter(token.RoleGranted) == [token.RoleGranted(role=KEEPER_ROLE, account=outsider, sender=admin)]


def test_grant_role__guardian_to_outsider__lets_outsider_pause(token, admin, outsider):
    token.grantRole(GUARDIAN_ROLE, outsider, sender=admin)

    token.pause(sender=outsider)

    assert token.paused()


def test_revoke_role__from_admin__revokes_and_emits(token, admin, guardian):
    tx = token.revokeRole(GUARDIAN_ROLE, guardian, sender=admin)

    assert not token.hasRole(GUARDIAN_ROLE, guardian)
    assert tx.events.filter(token.RoleRevoked) == [
        token.RoleRevoked(role=GUARDIAN_ROLE, account=guardian, sender=admin)
    ]
    with ape.reverts(MISSING_ROLE):
        token.pause(sender=guardian)


def test_grant_role__from_keeper__reverts(token, keeper, outsider):
    with ape.reverts(MISSING_ROLE):
        token.grantRole(KEEPER_ROLE, outsider, sender=keeper)
    assert not token.hasRole(KEEPER_ROLE, outsider)


def test_grant_role__guardian_to_itself_as_admin__reverts(token, guardian):
    with ape.reverts(MISSING_ROLE):
        token.grantRole(DEFAULT_ADMIN_ROLE, guardian, sender=guardian)
    assert not token.hasRole(DEFAULT_ADMIN_ROLE, guardian)


def test_admin_handover__new_admin_can_set_and_old_admin_cannot(token, admin, outsider):
    token.grantRole(DEFAULT_ADMIN_ROLE, outsider, sender=admin)
    token.renounceRole(DEFAULT_ADMIN_ROLE, admin, sender=admin)

    with ape.reverts(MISSING_ROLE):
        token.set_mint_fee_bps(20, sender=admin)
    token.set_mint_fee_bps(20, sender=outsider)

    assert token.mint_fee_bps() == 20
    assert not token.hasRole(DEFAULT_ADMIN_ROLE, admin)


# ---------------------------------------------------------------- emergency shutdown


@pytest.mark.parametrize("role_name", ["keeper", "guardian", "outsider"])
def test_emergency_shutdown__from_non_admin__reverts(token, actors, role_name):
    with ape.reverts(MISSING_ROLE):
        token.emergency_shutdown(sender=getattr(actors, role_name))
    assert not token.is_shutdown()


def test_emergency_shutdown__from_admin__shuts_down_and_emits(token, admin):
    tx = token.emergency_shutdown(sender=admin)

    assert token.is_shutdown()
    assert tx.events.filter(token.Shutdown) == [token.Shutdown(account=admin)]


def test_deposit__after_shutdown__reverts_shutdown(token, admin, depositor, fund):
    fund(depositor, token, 1_000 * USDC)
    token.emergency_shutdown(sender=admin)

    with ape.reverts("lt: shutdown"):
        token.deposit(1_000 * USDC, depositor, sender=depositor)
    assert token.balanceOf(depositor) == 0


def test_mint__after_shutdown__reverts_shutdown(token, admin, depositor, fund):
    fund(depositor, token, 1_000 * USDC)
    token.emergency_shutdown(sender=admin)

    with ape.reverts("lt: shutdown"):
        token.mint(10**18, depositor, sender=depositor)
    assert token.balanceOf(depositor) == 0


def test_max_deposit__after_shutdown__is_zero(token, admin, depositor):
    assert token.maxDeposit(depositor) > 0

    token.emergency_shutdown(sender=admin)

    assert token.maxDeposit(depositor) == 0
    assert token.maxMint(depositor) == 0


def test_unpause__after_shutdown__does_not_reopen_deposits(token, admin, guardian, depositor, fund):
    fund(depositor, token, 1_000 * USDC)
    token.pause(sender=guardian)
    token.emergency_shutdown(sender=admin)
    token.unpause(sender=admin)

    assert token.is_shutdown()
    assert token.maxDeposit(depositor) == 0
    with ape.reverts("lt: shutdown"):
        token.deposit(1_000 * USDC, depositor, sender=depositor)


def test_emergency_shutdown__with_open_position__closes_it_and_redeem_stays_open(
    deposited, admin, depositor, btc_venue, usdc
):
    token = deposited
    size_before = btc_venue.account_snapshot(token)[0]
    assert size_before > 0

    token.emergency_shutdown(sender=admin)

    assert btc_venue.account_snapshot(token)[0] == 0
    assert token.idle_assets() > 0
    paid = token.redeem(token.balanceOf(depositor), depositor, depositor, sender=depositor).return_value
    assert paid > 0
    assert usdc.balanceOf(depositor) == paid
