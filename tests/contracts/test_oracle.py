"""MockOracle: an AggregatorV3-style feed with updater-pushed rounds and owner fault injection."""

from __future__ import annotations

import ape
import pytest

from ltsdk.deploy import oracle_answer


def answer(usd) -> int:
    return oracle_answer(str(usd), 8)


@pytest.fixture
def now(chain):
    return lambda: chain.blocks.head.timestamp


def only_event(tx, event_type):
    logs = tx.events.filter(event_type)
    assert len(logs) == 1
    return logs[0]


def test_metadata__decimals_description_version_owner(btc_oracle, admin, keeper):
    assert btc_oracle.decimals() == 8
    assert btc_oracle.description() == "BTC / USD"
    assert btc_oracle.version() == 4
    assert btc_oracle.owner() == admin.address
    assert btc_oracle.is_updater(admin) is True
    assert btc_oracle.is_updater(keeper) is False


def test_latest_round_data__after_deploy__first_complete_round_at_initial_price(btc_oracle, now):
    round_id, value, started_at, updated_at, answered_in_round = btc_oracle.latestRoundData()
    assert (round_id, value, answered_in_round) == (1, answer(60_000), 1)
    assert started_at == updated_at <= now()
    assert btc_oracle.latest_round() == 1
    assert btc_oracle.latestAnswer() == 6_000_000_000_000


def test_set_price__by_updater__bumps_round_and_updated_at(btc_oracle, chain, admin, now):
    t = now() + 7
    chain.pending_timestamp = t
    tx = btc_oracle.set_price(answer("61000.5"), sender=admin)

    assert btc_oracle.latestRoundData() == (2, 6_100_050_000_000, t, t, 2)
    assert btc_oracle.latestAnswer() == 6_100_050_000_000
    assert btc_oracle.latest_round() == 2
    log = only_event(tx, btc_oracle.AnswerUpdated)
    assert (log.current, log.roundId, log.updatedAt) == (6_100_050_000_000, 2, t)


def test_get_round_data__old_rounds__keep_their_values(btc_oracle, chain, admin, now):
    first = btc_oracle.latestRoundData()
    t2 = now() + 100
    chain.pending_timestamp = t2
    btc_oracle.set_price(answer(59_000), sender=admin)
    t3 = t2 + 250
    chain.pending_timestamp = t3
    btc_oracle.set_price(answer(58_000), sender=admin)

    assert btc_oracle.getRoundData(1) == first
    assert btc_oracle.getRoundData(2) == (2, answer(59_000), t2, t2, 2)
    assert btc_oracle.getRoundData(3) == (3, answer(58_000), t3, t3, 3)
    assert btc_oracle.latestRoundData() == btc_oracle.getRoundData(3)


@pytest.mark.parametrize("round_id", [0, 2, 2**80 - 1])
def test_get_round_data__round_zero_or_not_yet_reached__reverts_no_data(btc_oracle, round_id):
    with ape.reverts("oracle: no data"):
        btc_oracle.getRoundData(round_id)


def test_set_price__outsider__reverts_not_updater(btc_oracle, outsider):
    with ape.reverts("oracle: not updater"):
        btc_oracle.set_price(answer(1), sender=outsider)
    assert btc_oracle.latest_round() == 1


def test_set_updater__by_owner__lets_the_keeper_push_until_revoked(btc_oracle, admin, keeper):
    with ape.reverts("oracle: not updater"):
        btc_oracle.set_price(answer(61_000), sender=keeper)

    tx = btc_oracle.set_updater(keeper, True, sender=admin)
    log = only_event(tx, btc_oracle.UpdaterSet)
    assert log.updater == keeper.address and log.enabled
    assert btc_oracle.is_updater(keeper) is True
    btc_oracle.set_price(answer(61_000), sender=keeper)
    assert btc_oracle.latestAnswer() == answer(61_000)

    tx = btc_oracle.set_updater(keeper, False, sender=admin)
    assert not only_event(tx, btc_oracle.UpdaterSet).enabled
    assert btc_oracle.is_updater(keeper) is False
    with ape.reverts("oracle: not updater"):
        btc_oracle.set_price(answer(62_000), sender=keeper)
    assert btc_oracle.latestAnswer() == answer(61_000)


def test_set_updater__by_outsider__reverts_not_owner(btc_oracle, outsider):
    with ape.reverts("oracle: not owner"):
        btc_oracle.set_updater(outsider, True, sender=outsider)
    assert btc_oracle.is_updater(outsider) is False


def test_set_updater__updater_who_is_not_owner__reverts_not_owner(btc_oracle, admin, keeper, outsider):
    btc_oracle.set_updater(keeper, True, sender=admin)
    with ape.reverts("oracle: not owner"):
        btc_oracle.set_updater(outsider, True, sender=keeper)


def test_set_updater__owner_revokes_itself__owner_can_no_longer_push(btc_oracle, admin):
    btc_oracle.set_updater(admin, False, sender=admin)
    with ape.reverts("oracle: not updater"):
        btc_oracle.set_price(answer(61_000), sender=admin)


def test_set_round_data__by_owner__stores_any_raw_round(btc_oracle, chain, admin, now):
    t = now() + 3
    chain.pending_timestamp = t
    tx = btc_oracle.set_round_data(-5, t - 100, 2, sender=admin)

    # started_at = updated_at = the injected time; answeredInRound = roundId - offset
    assert btc_oracle.latestRoundData() == (2, -5, t - 100, t - 100, 0)
    assert btc_oracle.getRoundData(2) == (2, -5, t - 100, t - 100, 0)
    assert btc_oracle.latestAnswer() == -5
    log = only_event(tx, btc_oracle.AnswerUpdated)
    assert (log.current, log.roundId, log.updatedAt) == (-5, 2, t - 100)


def test_set_round_data__then_set_price__next_round_is_complete_again(btc_oracle, chain, admin, now):
    btc_oracle.set_round_data(answer(60_000), now(), 1, sender=admin)
    t = now() + 3
    chain.pending_timestamp = t
    btc_oracle.set_price(answer(60_001), sender=admin)
    assert btc_oracle.latestRoundData() == (3, answer(60_001), t, t, 3)
    assert btc_oracle.getRoundData(2)[4] == 1


def test_set_round_data__by_updater_who_is_not_owner__reverts_not_owner(btc_oracle, admin, keeper, now):
    btc_oracle.set_updater(keeper, True, sender=admin)
    with ape.reverts("oracle: not owner"):
        btc_oracle.set_round_data(0, now(), 0, sender=keeper)
    assert btc_oracle.latest_round() == 1


def test_set_round_data__by_outsider__reverts_not_owner(btc_oracle, outsider, now):
    with ape.reverts("oracle: not owner"):
        btc_oracle.set_round_data(0, now(), 0, sender=outsider)
