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

from ltsdk import math, permit
from ltsdk.units import MAX_UINT256, USDC, WAD

MAX_TRADE_NOTIONAL = 10**30  # LeveragedToken.MAX_TRADE_NOTIONAL (assets)
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
MISSING_ROLE = "access_control: account is missing role"
NOT_NEEDED = "lt: not needed"

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
MIN_BAND_BPS = 100
MAX_BAND_BPS = 5_000
MIN_REBALANCE_INTERVAL = 3_600
MAX_REBALANCE_INTERVAL = 7 * 86_400
MAX_MIN_DRIFT_BPS = 2_000
MIN_TRADE_NOTIONAL = USDC  # MIN_INITIAL_ASSETS: one whole collateral unit
MAX_TWAP_COOLDOWN = 3_600
MIN_KEEPER_GRACE = 60
MAX_KEEPER_GRACE = 86_400
MAX_RIPCORD_REWARD = 1_000 * USDC
VENUE_MAX_LEVERAGE = 20 * WAD  # MockPerpAdapter's default

# rebalance_status() reasons
REASON_NONE = 0
REASON_SCHEDULED = 1
REASON_BAND = 2
REASON_RIPCORD = 4


# ---------------------------------------------------------------- the classification table

PUBLIC = "public"


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


def _fee_state(token, ctx):
    return token.mint_fee_bps(), token.redeem_fee_bps(), token.management_fee_bps()


def _limit_state(token, ctx):
    return token.max_total_assets(), token.max_slippage_bps(), token.max_price_age()


def _split_band_state(token, ctx):
    return token.split_lower_nav(), token.split_upper_nav()


def _leverage_band_state(token, ctx):
    return token.target_leverage(), token.band_bps(), token.ripcord_leverage()


def _execution_state(token, ctx):
    return (
        token.rebalance_interval(),
        token.rebalance_offset(),
        token.min_drift_bps(),
        token.max_trade_notional(),
        token.twap_cooldown(),
    )


def _incentive_state(token, ctx):
    return token.ripcord_trade_notional(), token.ripcord_reward(), token.keeper_grace()


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
    "set_fee_recipient": Privileged(DEFAULT_ADMIN_ROLE, lambda t, c: (c.depositor,), lambda t, c: t.fee_recipient()),
    "set_fees": Privileged(DEFAULT_ADMIN_ROLE, lambda t, c: (20, 30, 400), _fee_state),
    "set_limits": Privileged(DEFAULT_ADMIN_ROLE, lambda t, c: (12_345 * USDC, 100, 600), _limit_state),
    "set_split_band": Privileged(DEFAULT_ADMIN_ROLE, lambda t, c: (2 * USDC, 500 * USDC), _split_band_state),
    "set_leverage_band": Privileged(DEFAULT_ADMIN_ROLE, lambda t, c: (2 * WAD, 1_000, 3 * WAD), _leverage_band_state),
    "set_execution": Privileged(
        DEFAULT_ADMIN_ROLE, lambda t, c: (4 * 3_600, 60, 100, 500_000 * USDC, 120), _execution_state
    ),
    "set_incentives": Privileged(DEFAULT_ADMIN_ROLE, lambda t, c: (10**6 * USDC, 5 * USDC, 600), _incentive_state),
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
    "nav",
    "pending_management_fee_shares",
    "next_rebalance_slot",
]


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture
def ctx(
    admin, keeper, guardian, depositor, other_depositor, attacker, fee_recipient, outsider, fund, set_price, btc_venue
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
    assert "set_fees" in names
    assert not names & set(REMOVED)


def test_abi__events__have_no_parameter_set(project):
    events = {abi.name for abi in project.LeveragedToken.contract_type.events}
    assert "ParameterSet" not in events
    assert {setter.event for setter in SETTERS.values()} <= events


def test_privileged_methods__from_accounts_without_the_role__revert_and_change_nothing(token, ctx, isolated):
    """Generated from the ABI: every state-changing method is looked up in METHODS; every
    privileged one is called, with plausible arguments, from every role-named actor lacking
    its role, and must revert with snekmate's message (or "lt: not needed" for an actor holding
    the method's conditional role) and leave its state unchanged."""
    checked = []
    for abi in token.contract_type.mutable_methods:
        assert abi.name in METHODS, f"{abi.name} is in the ABI but not classified in METHODS"
        entry = METHODS[abi.name]
        if entry == PUBLIC:
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
    assert ("set_fees", ctx.keeper.address, MISSING_ROLE) in checked
    assert ("set_fees", ctx.guardian.address, MISSING_ROLE) in checked
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
    token.set_execution(interval, 0, 50, 1_000_000 * USDC, 60, sender=ctx.admin)  # the current slot is used
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
    # measured right after the trade, before the reward left the fund
    snapshot = ctx.venue.account_snapshot(token)
    assert logs[0].leverage_after == math.leverage(
        snapshot.size, snapshot.price, token.totalAssets() + reward, token.ASSET_SCALE()
    )


def test_ripcord__after_shutdown__reverts_shutdown(token, ctx):
    _ripcord_breach(token, ctx)
    token.emergency_shutdown(sender=ctx.admin)

    with ape.reverts("lt: shutdown"):
        token.ripcord(sender=ctx.outsider)


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
    token.set_split_band(USDC // 20, 20 * USDC, sender=ctx.admin)  # NAV per share ~100 USDC is above
    assert tuple(split_status_of(token)) == (10, False)

    token.split(10, sender=ctx.keeper)

    assert token.split_lower_nav() <= token.nav_per_share() <= token.split_upper_nav()


def test_split__from_keeper_above_band_landing_outside__reverts_not_needed(deposited, ctx):
    token = deposited
    token.set_split_band(USDC // 20, 20 * USDC, sender=ctx.admin)
    before = token.base_per_share()

    with ape.reverts(NOT_NEEDED):
        token.split(2, sender=ctx.keeper)  # ~50 USDC per share, still above the band

    assert token.base_per_share() == before


def test_split__from_outsider_above_band__reverts_missing_role(deposited, ctx):
    token = deposited
    token.set_split_band(USDC // 20, 20 * USDC, sender=ctx.admin)
    before = token.base_per_share()

    with ape.reverts(MISSING_ROLE):
        token.split(10, sender=ctx.outsider)

    assert token.base_per_share() == before


def test_reverse_split__from_keeper_below_band__reverse_splits_into_band(deposited, ctx):
    token = deposited
    token.set_split_band(2_000 * USDC, 200_000 * USDC, sender=ctx.admin)  # ~100 USDC per share is below
    assert tuple(split_status_of(token)) == (100, True)
    balance = token.balanceOf(ctx.depositor)

    tx = token.reverse_split(100, sender=ctx.keeper)

    assert token.split_lower_nav() <= token.nav_per_share() <= token.split_upper_nav()
    assert token.balanceOf(ctx.depositor) == balance // 100
    assert [(log.factor, log.is_reverse) for log in tx.events.filter(token.Split)] == [(100, True)]


def test_reverse_split__from_keeper_below_band_landing_outside__reverts_not_needed(deposited, ctx):
    token = deposited
    token.set_split_band(2_000 * USDC, 200_000 * USDC, sender=ctx.admin)
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
    text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)


def _domain_separator(token, chain_id) -> bytes:
    return keccak(
        abi_encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [EIP712_DOMAIN_TYPE_HASH, keccak(text=token.name()), keccak(text="1"), chain_id, token.address],
        )
    )


def _sign_permit(token, chain_id, signer, owner, spender, amount, nonce, deadline):
    """eth-account signs canonically (low s), as a wallet does; snekmate rejects high-s signatures."""
    typed = permit.permit_typed_data(
        token.name(), chain_id, token.address, owner.address, spender.address, amount, nonce, deadline
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


# ---------------------------------------------------------------- parameter setters


@dataclass(frozen=True)
class Setter:
    """A grouped setter: its arguments set the getters named in `fields`, in order, and it emits
    one `event` whose fields carry the same names.

    in_bounds / out_of_bounds: (label, args); each case moves one bound or one relation."""

    fields: tuple[str, ...]
    event: str
    in_bounds: list[tuple[str, tuple]]
    out_of_bounds: list[tuple[str, tuple]]


def _with(base: tuple, **changes) -> tuple:
    """`base` with the named positions (a0, a1, ...) replaced."""
    values = list(base)
    for key, value in changes.items():
        values[int(key[1:])] = value
    return tuple(values)


FEES = (10, 10, 365)
LIMITS = (10**12 * USDC, 50, 3_600)
SPLIT_BAND = (USDC, 10_000 * USDC)
LEVERAGE_BAND = (3 * WAD, 2_000, 45 * WAD // 10)
EXECUTION = (86_400, 120, 50, 1_000_000 * USDC, 60)
INCENTIVES = (2_000_000 * USDC, 10 * USDC, 3_600)


def _upper_band(target_leverage: int, band_bps: int) -> int:
    return target_leverage * (10_000 + band_bps) // 10_000


SETTERS: dict[str, Setter] = {
    "set_fees": Setter(
        ("mint_fee_bps", "redeem_fee_bps", "management_fee_bps"),
        "FeesSet",
        [
            ("all zero", (0, 0, 0)),
            ("all at max", (MAX_MINT_FEE_BPS, MAX_REDEEM_FEE_BPS, MAX_MANAGEMENT_FEE_BPS)),
            ("mint max", _with(FEES, a0=MAX_MINT_FEE_BPS)),
            ("redeem max", _with(FEES, a1=MAX_REDEEM_FEE_BPS)),
            ("management max", _with(FEES, a2=MAX_MANAGEMENT_FEE_BPS)),
        ],
        [
            ("mint max+1", _with(FEES, a0=MAX_MINT_FEE_BPS + 1)),
            ("redeem max+1", _with(FEES, a1=MAX_REDEEM_FEE_BPS + 1)),
            ("management max+1", _with(FEES, a2=MAX_MANAGEMENT_FEE_BPS + 1)),
            ("mint uint max", _with(FEES, a0=MAX_UINT256)),
            ("redeem uint max", _with(FEES, a1=MAX_UINT256)),
            ("management uint max", _with(FEES, a2=MAX_UINT256)),
        ],
    ),
    "set_limits": Setter(
        ("max_total_assets", "max_slippage_bps", "max_price_age"),
        "LimitsSet",
        [
            # any cap is valid: 0 closes the token to new money
            ("cap zero", _with(LIMITS, a0=0)),
            ("cap uint max", _with(LIMITS, a0=MAX_UINT256)),
            ("slippage min", _with(LIMITS, a1=1)),
            ("slippage max", _with(LIMITS, a1=MAX_SLIPPAGE_BPS)),
            ("price age min", _with(LIMITS, a2=MIN_PRICE_AGE)),
            ("price age max", _with(LIMITS, a2=MAX_PRICE_AGE)),
        ],
        [
            ("slippage zero", _with(LIMITS, a1=0)),
            ("slippage max+1", _with(LIMITS, a1=MAX_SLIPPAGE_BPS + 1)),
            ("slippage uint max", _with(LIMITS, a1=MAX_UINT256)),
            ("price age zero", _with(LIMITS, a2=0)),
            ("price age min-1", _with(LIMITS, a2=MIN_PRICE_AGE - 1)),
            ("price age max+1", _with(LIMITS, a2=MAX_PRICE_AGE + 1)),
            ("price age uint max", _with(LIMITS, a2=MAX_UINT256)),
        ],
    ),
    "set_split_band": Setter(
        ("split_lower_nav", "split_upper_nav"),
        "SplitBandSet",
        [
            ("smallest band", (1, 100)),
            ("upper exactly 100x lower", (USDC, 100 * USDC)),
            ("upper uint max", (USDC, MAX_UINT256)),
        ],
        [
            ("lower zero", (0, 10_000 * USDC)),
            ("both zero", (0, 0)),
            ("upper just under 100x lower", (USDC, 100 * USDC - 1)),
            ("upper below lower", (10 * USDC, USDC)),
        ],
    ),
    "set_leverage_band": Setter(
        ("target_leverage", "band_bps", "ripcord_leverage"),
        "LeverageBandSet",
        [
            ("target 1x", (WAD, 2_000, _upper_band(WAD, 2_000) + 1)),
            ("band min", _with(LEVERAGE_BAND, a1=MIN_BAND_BPS)),
            ("band max", (3 * WAD, MAX_BAND_BPS, _upper_band(3 * WAD, MAX_BAND_BPS) + 1)),
            ("ripcord just above upper band", (3 * WAD, 2_000, _upper_band(3 * WAD, 2_000) + 1)),
            ("ripcord at venue max", _with(LEVERAGE_BAND, a2=VENUE_MAX_LEVERAGE)),
            ("highest target under venue max", (16 * WAD, 2_000, VENUE_MAX_LEVERAGE)),
        ],
        [
            ("target 1x-1", (WAD - 1, 2_000, 2 * WAD)),
            ("target zero", (0, 2_000, 2 * WAD)),
            ("band min-1", _with(LEVERAGE_BAND, a1=MIN_BAND_BPS - 1)),
            ("band zero", _with(LEVERAGE_BAND, a1=0)),
            ("band max+1", (3 * WAD, MAX_BAND_BPS + 1, 5 * WAD)),
            ("ripcord at upper band", (3 * WAD, 2_000, _upper_band(3 * WAD, 2_000))),
            ("ripcord below upper band", (3 * WAD, 2_000, 3 * WAD)),
            ("ripcord zero", _with(LEVERAGE_BAND, a2=0)),
            ("ripcord venue max+1", _with(LEVERAGE_BAND, a2=VENUE_MAX_LEVERAGE + 1)),
            ("ripcord uint max", _with(LEVERAGE_BAND, a2=MAX_UINT256)),
            ("upper band above venue max", (17 * WAD, 2_000, VENUE_MAX_LEVERAGE)),
        ],
    ),
    "set_execution": Setter(
        ("rebalance_interval", "rebalance_offset", "min_drift_bps", "max_trade_notional", "twap_cooldown"),
        "ExecutionSet",
        [
            ("interval min", _with(EXECUTION, a0=MIN_REBALANCE_INTERVAL)),
            ("interval max", _with(EXECUTION, a0=MAX_REBALANCE_INTERVAL)),
            ("offset zero", _with(EXECUTION, a1=0)),
            ("offset interval-1", _with(EXECUTION, a1=86_399)),
            ("drift zero", _with(EXECUTION, a2=0)),
            ("drift max", _with(EXECUTION, a2=MAX_MIN_DRIFT_BPS)),
            ("notional min", _with(EXECUTION, a3=MIN_TRADE_NOTIONAL)),
            ("notional max", _with(EXECUTION, a3=MAX_TRADE_NOTIONAL)),
            ("cooldown zero", _with(EXECUTION, a4=0)),
            ("cooldown max", _with(EXECUTION, a4=MAX_TWAP_COOLDOWN)),
        ],
        [
            ("interval zero", _with(EXECUTION, a0=0, a1=0)),
            ("interval min-1", _with(EXECUTION, a0=MIN_REBALANCE_INTERVAL - 1)),
            ("interval max+1", _with(EXECUTION, a0=MAX_REBALANCE_INTERVAL + 1)),
            ("interval uint max", _with(EXECUTION, a0=MAX_UINT256)),
            ("offset equal to interval", _with(EXECUTION, a1=86_400)),
            ("offset above interval", _with(EXECUTION, a0=MIN_REBALANCE_INTERVAL, a1=MIN_REBALANCE_INTERVAL + 1)),
            ("offset uint max", _with(EXECUTION, a1=MAX_UINT256)),
            ("drift max+1", _with(EXECUTION, a2=MAX_MIN_DRIFT_BPS + 1)),
            ("drift uint max", _with(EXECUTION, a2=MAX_UINT256)),
            ("notional zero", _with(EXECUTION, a3=0)),
            ("notional min-1", _with(EXECUTION, a3=MIN_TRADE_NOTIONAL - 1)),
            ("notional max+1", _with(EXECUTION, a3=MAX_TRADE_NOTIONAL + 1)),
            ("notional uint max", _with(EXECUTION, a3=MAX_UINT256)),
            ("cooldown max+1", _with(EXECUTION, a4=MAX_TWAP_COOLDOWN + 1)),
            ("cooldown uint max", _with(EXECUTION, a4=MAX_UINT256)),
        ],
    ),
    "set_incentives": Setter(
        ("ripcord_trade_notional", "ripcord_reward", "keeper_grace"),
        "IncentivesSet",
        [
            ("notional min", _with(INCENTIVES, a0=MIN_TRADE_NOTIONAL)),
            ("notional max", _with(INCENTIVES, a0=MAX_TRADE_NOTIONAL)),
            ("reward zero", _with(INCENTIVES, a1=0)),
            ("reward max", _with(INCENTIVES, a1=MAX_RIPCORD_REWARD)),
            ("grace min", _with(INCENTIVES, a2=MIN_KEEPER_GRACE)),
            ("grace max", _with(INCENTIVES, a2=MAX_KEEPER_GRACE)),
        ],
        [
            ("notional zero", _with(INCENTIVES, a0=0)),
            ("notional min-1", _with(INCENTIVES, a0=MIN_TRADE_NOTIONAL - 1)),
            ("notional max+1", _with(INCENTIVES, a0=MAX_TRADE_NOTIONAL + 1)),
            ("notional uint max", _with(INCENTIVES, a0=MAX_UINT256)),
            ("reward max+1", _with(INCENTIVES, a1=MAX_RIPCORD_REWARD + 1)),
            ("reward uint max", _with(INCENTIVES, a1=MAX_UINT256)),
            ("grace zero", _with(INCENTIVES, a2=0)),
            ("grace min-1", _with(INCENTIVES, a2=MIN_KEEPER_GRACE - 1)),
            ("grace max+1", _with(INCENTIVES, a2=MAX_KEEPER_GRACE + 1)),
            ("grace uint max", _with(INCENTIVES, a2=MAX_UINT256)),
        ],
    ),
}

# out of bounds too, but the arithmetic that computes the bound overflows before the check
OVERFLOWING = [
    ("set_split_band", "lower uint max", (MAX_UINT256, MAX_UINT256)),
    ("set_split_band", "lower times 100 overflows", (MAX_UINT256 // 100 + 1, MAX_UINT256)),
    ("set_leverage_band", "target uint max", (MAX_UINT256, 2_000, VENUE_MAX_LEVERAGE)),
    ("set_leverage_band", "band uint max", _with(LEVERAGE_BAND, a1=MAX_UINT256)),
]

IN_BOUNDS = [(name, label, args) for name, setter in SETTERS.items() for label, args in setter.in_bounds]
OUT_OF_BOUNDS = [(name, label, args) for name, setter in SETTERS.items() for label, args in setter.out_of_bounds]


def _fields(token, setter: Setter) -> tuple:
    return tuple(getattr(token, field)() for field in setter.fields)


def test_setters__cover_every_bounded_setter_in_the_table():
    setters_in_table = {name for name in METHODS if name.startswith("set_")}
    assert setters_in_table - {"set_fee_recipient"} == SETTERS.keys()


@pytest.mark.parametrize("name", sorted(SETTERS))
def test_setter__abi__arguments_and_event_fields_match_the_table(project, name):
    """The table's field names are the setter's argument count, the getters and the event's fields."""
    contract_type = project.LeveragedToken.contract_type
    setter = SETTERS[name]
    (method,) = [abi for abi in contract_type.mutable_methods if abi.name == name]
    (event,) = [abi for abi in contract_type.events if abi.name == setter.event]
    assert len(method.inputs) == len(setter.fields)
    assert tuple(field.name for field in event.inputs) == setter.fields
    view_names = {abi.name for abi in contract_type.view_methods}
    assert set(setter.fields) <= view_names


@pytest.mark.parametrize(("name", "label", "args"), IN_BOUNDS, ids=[f"{n}-{label}" for n, label, _ in IN_BOUNDS])
def test_setter__in_bounds__sets_every_field_and_emits_one_typed_event(token, admin, name, label, args):
    setter = SETTERS[name]

    tx = getattr(token, name)(*args, sender=admin)

    assert _fields(token, setter) == args
    event_type = getattr(token, setter.event)
    assert tx.events.filter(event_type) == [event_type(**dict(zip(setter.fields, args, strict=True)))]
    setter_events = {s.event for s in SETTERS.values()} | {"FeeRecipientSet"}
    assert [log.event_name for log in tx.events if log.event_name in setter_events] == [setter.event]


@pytest.mark.parametrize(
    ("name", "label", "args"), OUT_OF_BOUNDS, ids=[f"{n}-{label}" for n, label, _ in OUT_OF_BOUNDS]
)
def test_setter__out_of_bounds__reverts_bounds_and_changes_nothing(token, admin, name, label, args):
    setter = SETTERS[name]
    before = _fields(token, setter)

    with ape.reverts("lt: bounds"):
        getattr(token, name)(*args, sender=admin)

    assert _fields(token, setter) == before


@pytest.mark.parametrize(("name", "label", "args"), OVERFLOWING, ids=[f"{n}-{label}" for n, label, _ in OVERFLOWING])
def test_setter__out_of_bounds_overflowing_value__reverts_bounds(token, admin, name, label, args):
    """Documented: every out-of-bounds value reverts "lt: bounds", a reason the SDK maps; an
    arithmetic overflow while computing the bound is not one of the token's documented reverts."""
    setter = SETTERS[name]
    before = _fields(token, setter)

    with ape.reverts("lt: bounds"):
        getattr(token, name)(*args, sender=admin)

    assert _fields(token, setter) == before


@pytest.mark.parametrize("role_name", ["keeper", "guardian", "outsider"])
@pytest.mark.parametrize("name", sorted(SETTERS))
def test_setter__in_bounds_from_non_admin__reverts_missing_role(token, ctx, name, role_name):
    setter = SETTERS[name]
    args = setter.in_bounds[0][1]
    before = _fields(token, setter)

    with ape.reverts(MISSING_ROLE):
        getattr(token, name)(*args, sender=getattr(ctx, role_name))

    assert _fields(token, setter) == before


@pytest.mark.parametrize("name", sorted(SETTERS))
def test_setter__out_of_bounds_from_outsider__reverts_missing_role_first(token, outsider, name):
    """The role is checked before the bounds: an outsider learns nothing about the bounds."""
    setter = SETTERS[name]
    args = setter.out_of_bounds[0][1]
    before = _fields(token, setter)

    with ape.reverts(MISSING_ROLE):
        getattr(token, name)(*args, sender=outsider)

    assert _fields(token, setter) == before


def test_defaults__match_the_documentation(token):
    """Constructor docstring: band 20 %, ripcord at 1.5 T, fees 10/10 bps and 365 bps/year,
    daily slot at 00:02 UTC."""
    assert _fields(token, SETTERS["set_fees"]) == (10, 10, 365)
    assert token.band_bps() == 2_000
    assert token.ripcord_leverage() == token.target_leverage() * 3 // 2
    assert (token.rebalance_interval(), token.rebalance_offset()) == (86_400, 120)


@pytest.mark.parametrize("name", sorted(SETTERS))
def test_defaults__are_within_bounds(token, admin, name):
    """Setting every default again is accepted: the defaults satisfy the same bounds."""
    setter = SETTERS[name]
    defaults = _fields(token, setter)

    getattr(token, name)(*defaults, sender=admin)

    assert _fields(token, setter) == defaults


def test_set_leverage_band__sets_the_band_view(token, admin):
    token.set_leverage_band(2 * WAD, 1_000, 3 * WAD, sender=admin)

    assert (token.target_leverage(), token.band_bps()) == (2 * WAD, 1_000)
    lower, upper = math.band(token.target_leverage(), token.band_bps())
    assert upper == _upper_band(2 * WAD, 1_000)
    assert lower == -(-2 * WAD * 10_000 // 11_000)  # rounded up


def test_set_leverage_band__ripcord_limit__follows_the_venue_max_leverage(token, admin, btc_venue):
    btc_venue.set_max_leverage(10 * WAD, sender=admin)

    with ape.reverts("lt: bounds"):
        token.set_leverage_band(3 * WAD, 2_000, 10 * WAD + 1, sender=admin)
    token.set_leverage_band(3 * WAD, 2_000, 10 * WAD, sender=admin)

    assert token.ripcord_leverage() == 10 * WAD


def test_set_execution__marks_the_current_slot_used(token, admin):
    tx = token.set_execution(MIN_REBALANCE_INTERVAL, 600, 50, 1_000_000 * USDC, 60, sender=admin)

    assert token.last_rebalance_slot() == (tx.timestamp - 600) // MIN_REBALANCE_INTERVAL


def test_set_limits__cap_below_nav__blocks_deposits(deposited, admin, other_depositor, fund):
    token = deposited
    token.set_limits(token.totalAssets(), token.max_slippage_bps(), token.max_price_age(), sender=admin)
    fund(other_depositor, token, 1_000 * USDC)

    assert token.maxDeposit(other_depositor) == 0
    with ape.reverts("lt: cap"):
        token.deposit(1_000 * USDC, other_depositor, sender=other_depositor)


def test_set_limits__uint_max_cap__means_no_cap_and_deposits_succeed(token, admin, depositor, fund):
    """Any cap is valid; max_value(uint256) is "no cap" (maxDeposit is then bounded only by the
    venue's depth at the fund's price limit), so a deposit must not revert for the cap."""
    token.set_limits(MAX_UINT256, token.max_slippage_bps(), token.max_price_age(), sender=admin)
    fund(depositor, token, 1_000 * USDC)
    assert 1_000 * USDC < token.maxDeposit(depositor) < MAX_UINT256

    shares = token.deposit(1_000 * USDC, depositor, sender=depositor).return_value

    assert shares > 0
    assert token.balanceOf(depositor) == shares


def test_set_limits__max_price_age__older_oracle_answer_is_not_traded_on(
    token, admin, depositor, fund, set_price, btc_venue, chain
):
    """Documented on `max_price_age` ("older oracle answers are not traded on") and in
    set_limits ("the oldest oracle answer the fund trades on"). The venue's own limit (3,600 s)
    is looser here, so only the token's limit can stop the trade."""
    fund(depositor, token, 1_000 * USDC)
    set_price(60_000)
    token.set_limits(token.max_total_assets(), token.max_slippage_bps(), MIN_PRICE_AGE, sender=admin)
    chain.mine(deltatime=10 * MIN_PRICE_AGE)
    assert btc_venue.account_snapshot(token).fresh, "the venue still calls the price fresh"

    with ape.reverts("lt: stale price"):
        token.deposit(1_000 * USDC, depositor, sender=depositor)

    assert token.balanceOf(depositor) == 0


def test_set_fees__accrues_management_fee_at_old_rate_first(deposited, admin, fee_recipient, chain):
    token = deposited
    assert token.balanceOf(fee_recipient) == 0
    supply = token.totalSupply()
    accrued_at = token.last_fee_accrual()
    chain.mine(deltatime=30 * 86_400)

    tx = token.set_fees(10, 10, 0, sender=admin)

    expected = math.management_fee_shares(supply, 365, tx.timestamp - accrued_at)
    assert expected > 0
    assert token.balanceOf(fee_recipient) == expected
    assert tx.events.filter(token.ManagementFeeMinted) == [
        token.ManagementFeeMinted(fee_recipient=fee_recipient, shares=expected)
    ]
    names = [log.event_name for log in tx.events]
    assert names.index("ManagementFeeMinted") < names.index("FeesSet")
    assert token.last_fee_accrual() == tx.timestamp

    chain.mine(deltatime=30 * 86_400)
    tx = token.set_fees(10, 10, 0, sender=admin)
    assert not tx.events.filter(token.ManagementFeeMinted)
    assert token.balanceOf(fee_recipient) == expected


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


def test_admin_handover__new_admin_can_set_and_old_admin_cannot(token, admin, outsider):
    token.grantRole(DEFAULT_ADMIN_ROLE, outsider, sender=admin)
    token.renounceRole(DEFAULT_ADMIN_ROLE, admin, sender=admin)

    with ape.reverts(MISSING_ROLE):
        token.set_fees(20, 10, 365, sender=admin)
    token.set_fees(20, 10, 365, sender=outsider)

    assert token.mint_fee_bps() == 20
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
    token.emergency_shutdown(sender=ctx.admin)

    with ape.reverts("lt: shutdown"):
        token.rebalance(sender=ctx.keeper)
    assert token.last_rebalance_time() == 0


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
