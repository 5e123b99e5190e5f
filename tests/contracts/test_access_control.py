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
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_utils import keccak
from helpers import split_status_of

from ltsdk import permit
from ltsdk.units import MAX_UINT256, USDC, WAD

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
MISSING_ROLE = "access_control: account is missing role"
NOT_NEEDED = "lt: not needed"

# role ids as the contract defines them (checked against the contract below)
DEFAULT_ADMIN_ROLE = b"\x00" * 32
KEEPER_ROLE = keccak(text="KEEPER_ROLE")
GUARDIAN_ROLE = keccak(text="GUARDIAN_ROLE")
ROLE_NAMES = {DEFAULT_ADMIN_ROLE: "DEFAULT_ADMIN_ROLE", KEEPER_ROLE: "KEEPER_ROLE", GUARDIAN_ROLE: "GUARDIAN_ROLE"}

# rebalance_status() reasons
REASON_NONE = 0
REASON_SCHEDULED = 1
REASON_BAND = 2
REASON_RIPCORD = 4


# ---------------------------------------------------------------- the classification table

PUBLIC = "public"
CONFIGURATOR = "configurator only"


@dataclass(frozen=True)
class Privileged:
    """A method only `role` may call.

    args(token, ctx) -> plausible call arguments (an in-bounds, state-changing call);
    state(token, ctx) -> what the call changes, to prove a rejected call changed nothing;
    setup(token, ctx) -> optional preparation so the call has something to change;
    conditional_role -> a role that may also call, but only while the method's condition holds
    (otherwise "lt: not needed"); the setup leaves the condition unmet.
    """

    role: bytes
    args: Callable[[Any, Any], tuple]
    state: Callable[[Any, Any], Any]
    setup: Callable[[Any, Any], None] | None = None
    conditional_role: bytes | None = None


def _no_args(token, ctx):
    return ()


def _pause_first(token, ctx):
    token.pause(sender=ctx.admin)


def _open_position(token, ctx, assets=10_000 * USDC):
    """The depositor funds BTC3L at 60,000: a 3x long position at target leverage."""
    ctx.fund(ctx.depositor, token, assets)
    token.deposit(assets, ctx.depositor, sender=ctx.depositor)


def _band_breach(token, ctx):
    """BTC falls 10 % after the deposit: leverage ~3.86x, above the band (3.6x) and below the
    ripcord level (4.5x). A rebalance is due; nobody has flagged it, so only the keeper may act."""
    _open_position(token, ctx)
    ctx.set_price(54_000)
    assert token.rebalance_status()[0] == REASON_BAND


def _ripcord_breach(token, ctx):
    """BTC falls 15 % after the deposit: leverage ~4.64x, at or above the ripcord level (4.5x)."""
    _open_position(token, ctx)
    ctx.set_price(51_000)
    assert token.current_leverage() >= token.ripcord_leverage()
    assert token.rebalance_status()[0] == REASON_RIPCORD


def _rebalance_state(token, ctx):
    return token.last_rebalance_time(), token.due_since(), ctx.venue.account_snapshot(token).size


METHODS: dict[str, str | Privileged] = {
    # ERC-20
    "transfer": PUBLIC,
    "transferFrom": PUBLIC,
    "approve": PUBLIC,
    # EIP-2612: anyone may submit, only the owner's signature sets an allowance (tests below)
    "permit": PUBLIC,
    # ERC-4626 entry and exit
    "deposit": PUBLIC,
    "mint": PUBLIC,
    "redeem": PUBLIC,
    "withdraw": PUBLIC,
    # pays the fee recipient whoever calls
    "collect_fees": PUBLIC,
    # the token's configurator alone, whose setters check the caller's role on this token
    # (tests/contracts/test_configurator.py)
    "configure": CONFIGURATOR,
    # anyone, but only at or above the ripcord level; otherwise "lt: not needed" (tests below)
    "ripcord": PUBLIC,
    # anyone, but only while a rebalance is due; starts the keeper-grace clock (tests below)
    "flag_rebalance_due": PUBLIC,
    # an account can only renounce its own roles (checked in its own test below)
    "renounceRole": PUBLIC,
    # keeper; anyone else only once a due rebalance has waited keeper_grace (tests below)
    "rebalance": Privileged(KEEPER_ROLE, _no_args, _rebalance_state, setup=_band_breach),
    # guardian
    "pause": Privileged(GUARDIAN_ROLE, _no_args, lambda t, c: t.paused()),
    # admin at any time; the keeper only while NAV per share is outside the split band (tests below)
    "split": Privileged(
        DEFAULT_ADMIN_ROLE, lambda t, c: (10,), lambda t, c: t.base_per_share(), conditional_role=KEEPER_ROLE
    ),
    "reverse_split": Privileged(
        DEFAULT_ADMIN_ROLE, lambda t, c: (10,), lambda t, c: t.base_per_share(), conditional_role=KEEPER_ROLE
    ),
    # admin
    "unpause": Privileged(DEFAULT_ADMIN_ROLE, _no_args, lambda t, c: t.paused(), setup=_pause_first),
    "emergency_shutdown": Privileged(DEFAULT_ADMIN_ROLE, _no_args, lambda t, c: t.is_shutdown()),
    # role management (snekmate): the caller needs the role's admin role, DEFAULT_ADMIN_ROLE
    "grantRole": Privileged(
        DEFAULT_ADMIN_ROLE,
        lambda t, c: (DEFAULT_ADMIN_ROLE, c.depositor),
        lambda t, c: t.hasRole(DEFAULT_ADMIN_ROLE, c.depositor),
    ),
    "revokeRole": Privileged(
        DEFAULT_ADMIN_ROLE,
        lambda t, c: (GUARDIAN_ROLE, c.guardian),
        lambda t, c: t.hasRole(GUARDIAN_ROLE, c.guardian),
    ),
}

PRIVILEGED = {name: entry for name, entry in METHODS.items() if isinstance(entry, Privileged)}

# removed from the token's ABI: role admins are fixed, no ERC-165, grouped setters, views moved
# to LeveragedTokenViews or dropped
REMOVED = [
    "set_role_admin",
    "supportsInterface",
    "set_mint_fee_bps",
    "set_redeem_fee_bps",
    "set_management_fee_bps",
    "set_max_total_assets",
    "set_max_slippage_bps",
    "set_max_price_age",
    # moved to LeveragedTokenConfigurator (with the token as their first argument)
    "set_fees",
    "set_limits",
    "set_split_band",
    "set_leverage_band",
    "set_execution",
    "set_incentives",
    "set_fee_recipient",
    "nav",
    "pending_management_fee_shares",
    "next_rebalance_slot",
]


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture
def ctx(
    admin,
    keeper,
    guardian,
    depositor,
    other_depositor,
    attacker,
    fee_recipient,
    outsider,
    fund,
    set_price,
    btc_venue,
    configure,
):
    """Actors by role, and the helpers the table's setups need."""
    return SimpleNamespace(
        admin=admin,
        keeper=keeper,
        guardian=guardian,
        depositor=depositor,
        other_depositor=other_depositor,
        attacker=attacker,
        fee_recipient=fee_recipient,
        outsider=outsider,
        fund=fund,
        set_price=set_price,
        venue=btc_venue,
        configure=configure,
    )


def _callers_without(token, ctx, role) -> list:
    """Role-named actors (not the admin) that do not hold `role` on `token`."""
    candidates = [ctx.outsider, ctx.keeper, ctx.guardian, ctx.attacker, ctx.depositor]
    return [account for account in candidates if not token.hasRole(role, account)]


def _expected_rejection(token, entry, caller) -> str:
    if entry.conditional_role is not None and token.hasRole(entry.conditional_role, caller):
        return NOT_NEEDED
    return MISSING_ROLE


@pytest.fixture
def deposited(token, ctx):
    """The depositor holds shares of a funded, open position."""
    _open_position(token, ctx)
    assert token.balanceOf(ctx.depositor) > 0
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


def test_abi__removed_methods__are_absent(project):
    names = {abi.name for abi in project.LeveragedToken.contract_type.methods}
    assert "configure" in names
    assert not names & set(REMOVED)


def test_abi__events__have_no_parameter_set(project):
    events = {abi.name for abi in project.LeveragedToken.contract_type.events}
    assert "ParameterSet" not in events
    assert "FeesSet" not in events  # the configurator emits the parameter events


def test_privileged_methods__from_accounts_without_the_role__revert_and_change_nothing(token, ctx, isolated):
    """Generated from the ABI: every state-changing method is looked up in METHODS; every
    privileged one is called, with plausible arguments, from every role-named actor lacking
    its role, and must revert with snekmate's message (or "lt: not needed" for an actor holding
    the method's conditional role) and leave its state unchanged."""
    checked = []
    for abi in token.contract_type.mutable_methods:
        assert abi.name in METHODS, f"{abi.name} is in the ABI but not classified in METHODS"
        entry = METHODS[abi.name]
        if entry in (PUBLIC, CONFIGURATOR):
            continue
        with isolated():  # each method starts from the freshly created token
            if entry.setup:
                entry.setup(token, ctx)
            callers = _callers_without(token, ctx, entry.role)
            assert ctx.outsider in callers
            for caller in callers:
                expected = _expected_rejection(token, entry, caller)
                before = entry.state(token, ctx)
                with ape.reverts(expected):
                    getattr(token, abi.name)(*entry.args(token, ctx), sender=caller)
                assert entry.state(token, ctx) == before, f"{abi.name} from {caller} changed state"
                checked.append((abi.name, caller.address, expected))
    assert {name for name, *_ in checked} == PRIVILEGED.keys()
    # admin-only methods were tried from the keeper and the guardian too, the guardian's from the keeper
    assert ("emergency_shutdown", ctx.keeper.address, MISSING_ROLE) in checked
    assert ("emergency_shutdown", ctx.guardian.address, MISSING_ROLE) in checked
    assert ("pause", ctx.keeper.address, MISSING_ROLE) in checked
    assert ("rebalance", ctx.guardian.address, MISSING_ROLE) in checked
    assert not any(name == "pause" and caller == ctx.guardian.address for name, caller, _ in checked)
    # the keeper may split only out of band: in band it is told so, anyone else lacks the role
    assert ("split", ctx.keeper.address, NOT_NEEDED) in checked
    assert ("reverse_split", ctx.keeper.address, NOT_NEEDED) in checked
    assert ("split", ctx.outsider.address, MISSING_ROLE) in checked


@pytest.mark.parametrize("method", sorted(PRIVILEGED))
def test_privileged_method__from_outsider__reverts_missing_role(token, ctx, method):
    entry = PRIVILEGED[method]
    if entry.setup:
        entry.setup(token, ctx)
    before = entry.state(token, ctx)
    with ape.reverts(MISSING_ROLE):
        getattr(token, method)(*entry.args(token, ctx), sender=ctx.outsider)
    assert entry.state(token, ctx) == before


@pytest.mark.parametrize("method", sorted(PRIVILEGED))
def test_privileged_method__from_account_granted_only_its_role__succeeds(token, ctx, method):
    """The role in the table is sufficient: an outsider given exactly that role can call."""
    entry = PRIVILEGED[method]
    if entry.setup:
        entry.setup(token, ctx)
    token.grantRole(entry.role, ctx.outsider, sender=ctx.admin)
    for other_role in ROLE_NAMES.keys() - {entry.role}:
        assert not token.hasRole(other_role, ctx.outsider)
    before = entry.state(token, ctx)

    getattr(token, method)(*entry.args(token, ctx), sender=ctx.outsider)

    assert entry.state(token, ctx) != before


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


# ---------------------------------------------------------------- rebalance, flag_rebalance_due, ripcord


@pytest.mark.parametrize("role_name", ["outsider", "keeper"])
def test_rebalance__nothing_due__reverts_not_needed(deposited, ctx, role_name):
    """With nothing due the call reverts before any role check, whoever calls."""
    token = deposited
    assert token.rebalance_status()[0] == REASON_NONE
    before = _rebalance_state(token, ctx)

    with ape.reverts(NOT_NEEDED):
        token.rebalance(sender=getattr(ctx, role_name))

    assert _rebalance_state(token, ctx) == before


def test_rebalance__band_breach_from_keeper__trades_toward_target_and_emits(token, ctx):
    _band_breach(token, ctx)
    leverage_before = token.current_leverage()

    tx = token.rebalance(sender=ctx.keeper)

    leverage_after = token.current_leverage()
    assert abs(leverage_after - token.target_leverage()) < abs(leverage_before - token.target_leverage())
    assert token.rebalance_status()[0] == REASON_NONE
    assert token.last_rebalance_time() == tx.timestamp
    logs = tx.events.filter(token.Rebalanced)
    assert len(logs) == 1
    assert logs[0].reason == REASON_BAND
    assert logs[0].leverage_before == leverage_before
    assert logs[0].size_after == ctx.venue.account_snapshot(token).size


def test_rebalance__band_breach_not_flagged_from_outsider_long_after__reverts_missing_role(token, ctx, chain):
    """Without flag_rebalance_due() the keeper-grace clock of a band breach never starts."""
    _band_breach(token, ctx)
    chain.pending_timestamp += 2 * token.keeper_grace()
    ctx.set_price(54_000)  # a fresh answer at the same price
    assert token.rebalance_status()[0] == REASON_BAND
    before = _rebalance_state(token, ctx)

    with ape.reverts(MISSING_ROLE):
        token.rebalance(sender=ctx.outsider)

    assert _rebalance_state(token, ctx) == before


def test_flag_rebalance_due__nothing_due__reverts_not_needed(deposited, outsider):
    token = deposited

    with ape.reverts(NOT_NEEDED):
        token.flag_rebalance_due(sender=outsider)

    assert token.due_since() == 0


def test_flag_rebalance_due__band_breach_from_outsider__starts_grace_clock_once_and_emits(token, ctx, chain):
    _band_breach(token, ctx)

    tx = token.flag_rebalance_due(sender=ctx.outsider)

    assert token.due_since() == tx.timestamp
    assert tx.events.filter(token.RebalanceDue) == [token.RebalanceDue(reason=REASON_BAND, caller=ctx.outsider)]
    chain.mine(deltatime=60)
    token.flag_rebalance_due(sender=ctx.attacker)
    assert token.due_since() == tx.timestamp  # a second flag does not restart the clock


def test_rebalance__flagged_from_outsider_within_keeper_grace__reverts_missing_role(token, ctx):
    _band_breach(token, ctx)
    token.flag_rebalance_due(sender=ctx.outsider)
    before = _rebalance_state(token, ctx)

    with ape.reverts(MISSING_ROLE):
        token.rebalance(sender=ctx.outsider)

    assert _rebalance_state(token, ctx) == before


def test_rebalance__flagged_from_outsider_after_keeper_grace__succeeds(token, ctx, chain):
    _band_breach(token, ctx)
    flagged_at = token.flag_rebalance_due(sender=ctx.outsider).timestamp
    chain.pending_timestamp = flagged_at + token.keeper_grace()
    ctx.set_price(54_000)  # a fresh answer at the same price
    leverage_before = token.current_leverage()

    tx = token.rebalance(sender=ctx.outsider)

    assert tx.timestamp >= flagged_at + token.keeper_grace()
    assert abs(token.current_leverage() - token.target_leverage()) < abs(leverage_before - token.target_leverage())
    assert token.due_since() == 0
    assert [log.reason for log in tx.events.filter(token.Rebalanced)] == [REASON_BAND]


def test_rebalance__scheduled_slot_from_outsider__allowed_only_after_keeper_grace(token, ctx, chain):
    """A scheduled slot's grace clock starts when the slot opens; no flag is needed."""
    interval = 6 * 3_600
    _open_position(token, ctx)
    ctx.configure(token, "set_execution", interval, 0, 50, 1_000_000 * USDC, 60)  # the current slot is used
    slot_start = (chain.blocks.head.timestamp // interval + 1) * interval
    chain.pending_timestamp = slot_start + 1
    ctx.set_price(59_000)  # leverage ~3.1x: inside the band, drift above min_drift_bps
    assert token.rebalance_status()[0] == REASON_SCHEDULED
    before = _rebalance_state(token, ctx)

    with ape.reverts(MISSING_ROLE):
        token.rebalance(sender=ctx.outsider)
    assert _rebalance_state(token, ctx) == before

    chain.pending_timestamp = slot_start + token.keeper_grace()
    ctx.set_price(59_000)  # a fresh answer at the same price
    tx = token.rebalance(sender=ctx.outsider)

    assert [log.reason for log in tx.events.filter(token.Rebalanced)] == [REASON_SCHEDULED]
    assert token.last_rebalance_slot() == slot_start // interval


def test_rebalance__new_breach_after_a_stale_flag_from_outsider__reverts_missing_role(token, ctx, chain):
    """The grace clock belongs to the breach that was flagged: once that breach has passed without
    a rebalance (the price came back), a later breach has not waited keeper_grace, so only the
    keeper may rebalance it until it is flagged and has waited in turn."""
    _band_breach(token, ctx)
    flagged = token.flag_rebalance_due(sender=ctx.outsider)
    ctx.set_price(60_000)  # back at target: nothing due any more
    assert token.rebalance_status()[0] == REASON_NONE
    chain.pending_timestamp = flagged.timestamp + 2 * token.keeper_grace() + 1  # the flag has lapsed
    ctx.set_price(54_000)  # a new breach, just now
    assert token.rebalance_status()[0] == REASON_BAND
    before = _rebalance_state(token, ctx)

    with ape.reverts(MISSING_ROLE):
        token.rebalance(sender=ctx.outsider)

    assert _rebalance_state(token, ctx) == before


def test_ripcord__below_ripcord_level_from_outsider__reverts_not_needed(token, ctx, usdc):
    _band_breach(token, ctx)  # out of band, still below the ripcord level
    assert token.current_leverage() < token.ripcord_leverage()
    before = _rebalance_state(token, ctx)

    with ape.reverts(NOT_NEEDED):
        token.ripcord(sender=ctx.outsider)

    assert _rebalance_state(token, ctx) == before
    assert usdc.balanceOf(ctx.outsider) == 0


def test_ripcord__at_ripcord_level_from_outsider__delevers_and_pays_capped_reward(token, ctx, usdc):
    _ripcord_breach(token, ctx)
    leverage_before = token.current_leverage()
    nav_before = token.totalAssets()

    tx = token.ripcord(sender=ctx.outsider)

    reward = tx.return_value
    assert 0 < reward <= min(token.ripcord_reward(), nav_before * token.RIPCORD_REWARD_MAX_BPS() // 10_000)
    assert usdc.balanceOf(ctx.outsider) == reward
    assert token.current_leverage() < leverage_before
    logs = tx.events.filter(token.Ripcord)
    assert len(logs) == 1
    assert (logs[0].caller, logs[0].reward, logs[0].leverage_before) == (ctx.outsider.address, reward, leverage_before)
    # measured after the reward left the fund
    assert logs[0].leverage_after == token.current_leverage()


def test_ripcord__during_shutdown_at_ripcord_level__closes_toward_flat_and_pays(token, ctx, usdc, configure):
    """The ripcord stays open during a shutdown, where the target is flat: a price fall after the
    first chunk lifts the rest of the position past the ripcord level, and anyone closes it."""
    configure(token, "set_execution", 86_400, 120, 50, 5_000 * USDC, 60)  # before the first mint: at once
    _open_position(token, ctx)  # 30,000 USD of notional
    token.emergency_shutdown(sender=ctx.admin)  # closes 5,000 of it: ~2.5x
    assert ctx.venue.position(token)[0] > 0 and token.current_leverage() < token.ripcord_leverage()
    ctx.set_price(45_000)  # -25 %: ~5x
    assert token.current_leverage() >= token.ripcord_leverage()
    assert token.rebalance_status()[0] == REASON_RIPCORD  # the lens shows it; rebalance() stays shut

    tx = token.ripcord(sender=ctx.outsider)

    assert ctx.venue.position(token)[0] == 0  # the ripcord chunk (2M) covers the rest
    assert usdc.balanceOf(ctx.outsider) == tx.return_value > 0
    assert tx.events.filter(token.Ripcord)[0].leverage_after == 0
    with ape.reverts("lt: shutdown"):
        token.rebalance(sender=ctx.keeper)


# ---------------------------------------------------------------- split and reverse split


def test_split__from_admin_in_band__splits_and_emits(deposited, ctx):
    token = deposited
    balance = token.balanceOf(ctx.depositor)
    nav_per_share = token.nav_per_share()
    assert token.split_lower_nav() <= nav_per_share <= token.split_upper_nav()

    tx = token.split(10, sender=ctx.admin)

    assert 10 * balance <= token.balanceOf(ctx.depositor) < 10 * (balance + 1)
    logs = tx.events.filter(token.Split)
    assert len(logs) == 1
    assert (logs[0].factor, logs[0].is_reverse) == (10, False)
    assert logs[0].nav_per_share_after == token.nav_per_share()
    assert token.nav_per_share() <= nav_per_share // 10 + 1


def test_split__from_keeper_above_band__splits_into_band(deposited, ctx):
    token = deposited
    ctx.configure(token, "set_split_band", USDC // 20, 20 * USDC)  # NAV per share ~100 USDC is above
    assert tuple(split_status_of(token)) == (10, False)

    token.split(10, sender=ctx.keeper)

    assert token.split_lower_nav() <= token.nav_per_share() <= token.split_upper_nav()


def test_split__from_keeper_above_band_landing_outside__reverts_not_needed(deposited, ctx):
    token = deposited
    ctx.configure(token, "set_split_band", USDC // 20, 20 * USDC)
    before = token.base_per_share()

    with ape.reverts(NOT_NEEDED):
        token.split(2, sender=ctx.keeper)  # ~50 USDC per share, still above the band

    assert token.base_per_share() == before


def test_split__from_outsider_above_band__reverts_missing_role(deposited, ctx):
    token = deposited
    ctx.configure(token, "set_split_band", USDC // 20, 20 * USDC)
    before = token.base_per_share()

    with ape.reverts(MISSING_ROLE):
        token.split(10, sender=ctx.outsider)

    assert token.base_per_share() == before


def test_reverse_split__from_keeper_below_band__reverse_splits_into_band(deposited, ctx):
    token = deposited
    ctx.configure(token, "set_split_band", 2_000 * USDC, 200_000 * USDC)  # ~100 USDC per share is below
    assert tuple(split_status_of(token)) == (100, True)
    balance = token.balanceOf(ctx.depositor)

    tx = token.reverse_split(100, sender=ctx.keeper)

    assert token.split_lower_nav() <= token.nav_per_share() <= token.split_upper_nav()
    assert token.balanceOf(ctx.depositor) == balance // 100
    assert [(log.factor, log.is_reverse) for log in tx.events.filter(token.Split)] == [(100, True)]


def test_reverse_split__from_keeper_below_band_landing_outside__reverts_not_needed(deposited, ctx):
    token = deposited
    ctx.configure(token, "set_split_band", 2_000 * USDC, 200_000 * USDC)
    before = token.base_per_share()

    with ape.reverts(NOT_NEEDED):
        token.reverse_split(10, sender=ctx.keeper)  # ~1,000 USDC per share: still below

    assert token.base_per_share() == before


@pytest.mark.parametrize("method", ["split", "reverse_split"])
@pytest.mark.parametrize("factor", [0, 1, 10_001, MAX_UINT256])
def test_split__factor_out_of_bounds__reverts_bounds(token, admin, method, factor):
    before = token.base_per_share()

    with ape.reverts("lt: bounds"):
        getattr(token, method)(factor, sender=admin)

    assert token.base_per_share() == before


def test_split__factor_not_dividing_base_per_share__reverts_bounds(token, admin):
    before = token.base_per_share()
    assert before % 11 != 0

    with ape.reverts("lt: bounds"):
        token.split(11, sender=admin)

    assert token.base_per_share() == before


# ---------------------------------------------------------------- permit


PERMIT_TYPE_HASH = keccak(text="Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)")
EIP712_DOMAIN_TYPE_HASH = keccak(
    text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)"
)


def _domain_separator(token, chain_id) -> bytes:
    return keccak(
        abi_encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address", "uint256"],
            [
                EIP712_DOMAIN_TYPE_HASH,
                keccak(text=token.name()),
                keccak(text="1"),
                chain_id,
                token.address,
                token.base_per_share(),
            ],
        )
    )


def _sign_permit(token, chain_id, signer, owner, spender, amount, nonce, deadline):
    """eth-account signs canonically (low s), as a wallet does; snekmate rejects high-s signatures."""
    typed = permit.permit_typed_data(
        token.name(),
        chain_id,
        token.address,
        owner.address,
        spender.address,
        amount,
        nonce,
        deadline,
        base_per_share=token.base_per_share(),
    )
    return permit.sign_permit(Account.from_key(signer.private_key), typed)


def test_permit__owner_signature_submitted_by_outsider__sets_allowance(token, ctx, chain):
    owner, spender = ctx.depositor, ctx.other_depositor
    assert token.DOMAIN_SEPARATOR() == _domain_separator(token, chain.chain_id)
    deadline = chain.pending_timestamp + 3_600
    v, r, s = _sign_permit(token, chain.chain_id, owner, owner, spender, 5 * WAD, 0, deadline)

    tx = token.permit(owner, spender, 5 * WAD, deadline, v, r, s, sender=ctx.outsider)

    assert token.allowance(owner, spender) == 5 * WAD
    assert token.nonces(owner) == 1
    assert tx.events.filter(token.Approval) == [token.Approval(owner=owner, spender=spender, value=5 * WAD)]


def test_permit__signed_by_another_account__reverts_signature(token, ctx, chain):
    owner, spender = ctx.depositor, ctx.attacker
    deadline = chain.pending_timestamp + 3_600
    v, r, s = _sign_permit(token, chain.chain_id, ctx.attacker, owner, spender, 5 * WAD, 0, deadline)

    with ape.reverts("lt: signature"):
        token.permit(owner, spender, 5 * WAD, deadline, v, r, s, sender=ctx.attacker)

    assert token.allowance(owner, spender) == 0
    assert token.nonces(owner) == 0


def test_permit__replayed__reverts_signature(token, ctx, chain):
    owner, spender = ctx.depositor, ctx.other_depositor
    deadline = chain.pending_timestamp + 3_600
    v, r, s = _sign_permit(token, chain.chain_id, owner, owner, spender, 5 * WAD, 0, deadline)
    token.permit(owner, spender, 5 * WAD, deadline, v, r, s, sender=ctx.outsider)
    token.approve(spender, 0, sender=owner)

    with ape.reverts("lt: signature"):
        token.permit(owner, spender, 5 * WAD, deadline, v, r, s, sender=ctx.attacker)

    assert token.allowance(owner, spender) == 0
    assert token.nonces(owner) == 1


def test_permit__after_deadline__reverts_expired(token, ctx, chain):
    owner, spender = ctx.depositor, ctx.other_depositor
    deadline = chain.blocks.head.timestamp - 1
    v, r, s = _sign_permit(token, chain.chain_id, owner, owner, spender, 5 * WAD, 0, deadline)

    with ape.reverts("lt: expired"):
        token.permit(owner, spender, 5 * WAD, deadline, v, r, s, sender=ctx.outsider)

    assert token.allowance(owner, spender) == 0
    assert token.nonces(owner) == 0


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


def test_revoke_role__keeper__removes_its_rebalance_power(token, ctx):
    _band_breach(token, ctx)
    token.revokeRole(KEEPER_ROLE, ctx.keeper, sender=ctx.admin)

    with ape.reverts(MISSING_ROLE):
        token.rebalance(sender=ctx.keeper)
    assert token.last_rebalance_time() == 0


def test_grant_role__from_keeper__reverts(token, keeper, outsider):
    with ape.reverts(MISSING_ROLE):
        token.grantRole(KEEPER_ROLE, outsider, sender=keeper)
    assert not token.hasRole(KEEPER_ROLE, outsider)


def test_grant_role__guardian_to_itself_as_admin__reverts(token, guardian):
    with ape.reverts(MISSING_ROLE):
        token.grantRole(DEFAULT_ADMIN_ROLE, guardian, sender=guardian)
    assert not token.hasRole(DEFAULT_ADMIN_ROLE, guardian)


def test_admin_handover__new_admin_can_pause_and_shut_down_and_old_admin_cannot(token, admin, outsider):
    token.grantRole(DEFAULT_ADMIN_ROLE, outsider, sender=admin)
    token.renounceRole(DEFAULT_ADMIN_ROLE, admin, sender=admin)

    with ape.reverts(MISSING_ROLE):
        token.emergency_shutdown(sender=admin)
    token.emergency_shutdown(sender=outsider)

    assert token.is_shutdown()
    assert not token.hasRole(DEFAULT_ADMIN_ROLE, admin)


# ---------------------------------------------------------------- emergency shutdown


@pytest.mark.parametrize("role_name", ["keeper", "guardian", "outsider"])
def test_emergency_shutdown__from_non_admin__reverts(token, ctx, role_name):
    with ape.reverts(MISSING_ROLE):
        token.emergency_shutdown(sender=getattr(ctx, role_name))
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


def test_rebalance__after_shutdown__reverts_shutdown(token, ctx):
    _band_breach(token, ctx)
    token.emergency_shutdown(sender=ctx.admin)  # its chunk is recorded like a rebalance's
    recorded = token.last_rebalance_time()

    with ape.reverts("lt: shutdown"):
        token.rebalance(sender=ctx.keeper)
    assert token.last_rebalance_time() == recorded


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
    size_before = btc_venue.account_snapshot(token).size
    assert size_before > 0

    token.emergency_shutdown(sender=admin)

    assert btc_venue.account_snapshot(token).size == 0
    assert token.idle_assets() > 0
    paid = token.redeem(token.balanceOf(depositor), depositor, depositor, sender=depositor).return_value
    assert paid > 0
    assert usdc.balanceOf(depositor) == paid
