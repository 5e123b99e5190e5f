"""ltsdk.keeper.decide: the action the contracts accept for a lens row, without a chain."""

import dataclasses

import pytest

from ltsdk.codes import ActionKind, Reason
from ltsdk.keeper import Action, Policy, decide
from ltsdk.types import TokenState
from ltsdk.units import WAD

NOW = 1_800_000_000
KEEPER = Policy()
OUTSIDER = Policy(is_keeper=False)


def row(**changes) -> TokenState:
    """A healthy 3x long fund at target, last rebalanced an hour ago."""
    state = TokenState(
        symbol="BTC3L",
        token="0x" + "11" * 20,
        ok=True,
        timestamp=NOW,
        supply=100 * WAD,
        nav=10_000 * 10**6,
        nav_per_share=100 * 10**6,
        price=60_000 * WAD,
        oracle_updated_at=NOW - 10,
        oracle_fresh=True,
        leverage=3 * WAD,
        target_leverage=3 * WAD,
        band_lower=24 * WAD // 10,
        band_upper=36 * WAD // 10,
        ripcord_leverage=45 * WAD // 10,
        is_long=True,
        status=Reason.NONE,
        size_delta=0,
        size=WAD // 2,
        margin=10_000 * 10**6,
        withdrawable=10_000 * 10**6,
        idle_assets=0,
        next_slot=NOW + 3_600,
        last_rebalance_time=NOW - 3_600,
        chunk_pending=False,
        split_factor=0,
        split_is_reverse=False,
        paused=False,
        is_shutdown=False,
        mint_fee_bps=10,
        redeem_fee_bps=10,
        management_fee_bps=200,
        max_total_assets=2**256 - 1,
        max_price_age=3_600,
        twap_cooldown=60,
        keeper_grace=3_600,
        due_since=0,
    )
    return dataclasses.replace(state, **changes)


@pytest.mark.parametrize("status", [Reason.SCHEDULED, Reason.BAND, Reason.CHUNK])
def test_keeper__due_rebalance_after_cooldown__rebalances_with_that_reason(status):
    assert decide(row(status=status), NOW, KEEPER) == Action("rebalance", "BTC3L", status)


@pytest.mark.parametrize("status", [Reason.SCHEDULED, Reason.BAND, Reason.CHUNK])
def test_keeper__due_rebalance_within_cooldown__waits(status):
    assert decide(row(status=status, last_rebalance_time=NOW - 59), NOW, KEEPER) is None
    assert decide(row(status=status, last_rebalance_time=NOW - 60), NOW, KEEPER) is not None


def test_keeper__ripcord_level__rebalances_at_once_ignoring_cooldown():
    state = row(status=Reason.RIPCORD, leverage=46 * WAD // 10, last_rebalance_time=NOW)
    assert decide(state, NOW, KEEPER) == Action("rebalance", "BTC3L", Reason.RIPCORD)


def test_outsider__ripcord_level__calls_the_permissionless_ripcord():
    state = row(status=Reason.RIPCORD, leverage=46 * WAD // 10, last_rebalance_time=NOW)
    assert decide(state, NOW, OUTSIDER) == Action("ripcord", "BTC3L", Reason.RIPCORD)


@pytest.mark.parametrize(
    "change",
    [
        {"oracle_fresh": False, "status": Reason.BAND},
        {"ok": False, "status": Reason.BAND},
        {"is_shutdown": True, "size": 0},
        {"supply": 0, "status": Reason.BAND},
        {"oracle_fresh": False, "status": Reason.RIPCORD},
    ],
    ids=["stale oracle", "unreadable row", "shut down and flat", "empty fund", "stale oracle at ripcord level"],
)
def test_keeper__row_it_must_not_act_on__no_action(change):
    assert decide(row(**change), NOW, KEEPER) is None
    assert decide(row(**change), NOW, OUTSIDER) is None


@pytest.mark.parametrize("policy", [KEEPER, OUTSIDER], ids=["keeper", "outsider"])
def test_keeper__shut_down_with_a_position__closes_the_next_chunk_once_cooled(policy):
    shut = row(is_shutdown=True, last_rebalance_time=NOW - 60)
    assert shut.size != 0
    assert decide(shut, NOW, policy) == Action(ActionKind.SHUTDOWN, shut.symbol)
    assert decide(dataclasses.replace(shut, last_rebalance_time=NOW - 59), NOW, policy) is None


@pytest.mark.parametrize("policy", [KEEPER, OUTSIDER], ids=["keeper", "outsider"])
def test_keeper__shut_down_at_ripcord_level__pulls_the_ripcord_even_in_cooldown(policy):
    shut = row(is_shutdown=True, status=Reason.RIPCORD, last_rebalance_time=NOW)
    assert decide(shut, NOW, policy) == Action(ActionKind.RIPCORD, shut.symbol, Reason.RIPCORD)


def test_keeper__nothing_due__no_action():
    assert decide(row(), NOW, KEEPER) is None


def test_keeper__scheduled_with_schedule_off__waits_for_band():
    policy = Policy(rebalance_on_schedule=False)
    assert decide(row(status=Reason.SCHEDULED), NOW, policy) is None
    assert decide(row(status=Reason.BAND), NOW, policy) == Action("rebalance", "BTC3L", Reason.BAND)


@pytest.mark.parametrize("is_reverse", [False, True])
def test_keeper__split_due__applies_the_lens_factor(is_reverse):
    state = row(split_factor=10, split_is_reverse=is_reverse)
    assert decide(state, NOW, KEEPER) == Action("split", "BTC3L", factor=10, is_reverse=is_reverse)
    assert decide(state, NOW, Policy(split=False)) is None
    assert decide(state, NOW, OUTSIDER) is None  # the rule-based split needs KEEPER_ROLE


def test_keeper__rebalance_and_split_both_due__rebalances_first():
    assert decide(row(status=Reason.BAND, split_factor=10), NOW, KEEPER).kind == "rebalance"


def test_outsider__band_breach_unflagged__flags_it():
    assert decide(row(status=Reason.BAND), NOW, OUTSIDER) == Action("flag", "BTC3L", Reason.BAND)
    assert decide(row(status=Reason.BAND), NOW, Policy(is_keeper=False, flag_band_breaches=False)) is None


def test_outsider__band_breach_flagged__waits_out_the_grace_then_rebalances_until_it_lapses():
    flagged = NOW - 100
    assert decide(row(status=Reason.BAND, due_since=flagged), NOW, OUTSIDER) is None
    opens, lapses = flagged + 3_600, flagged + 7_200
    assert decide(row(status=Reason.BAND, due_since=flagged), opens, OUTSIDER) == Action(
        "rebalance", "BTC3L", Reason.BAND
    )
    assert decide(row(status=Reason.BAND, due_since=flagged), lapses, OUTSIDER).kind == "rebalance"
    assert decide(row(status=Reason.BAND, due_since=flagged), lapses + 1, OUTSIDER) == Action(
        "flag", "BTC3L", Reason.BAND
    )


def test_outsider__chunk_pending__takes_it_one_grace_after_the_last_chunk():
    state = row(status=Reason.CHUNK, last_rebalance_time=NOW - 3_599)
    assert decide(state, NOW, OUTSIDER) is None
    assert decide(state, NOW + 1, OUTSIDER) == Action("rebalance", "BTC3L", Reason.CHUNK)


def test_outsider__scheduled__left_to_the_keeper():
    assert decide(row(status=Reason.SCHEDULED), NOW, OUTSIDER) is None


def test_action__labels_name_the_reason_or_kind():
    assert Action("rebalance", "X", Reason.BAND).label == "band"
    assert Action("split", "X", factor=10, is_reverse=True).label == "reverse_split"
    assert Action("ripcord", "X", Reason.RIPCORD).label == "ripcord"
