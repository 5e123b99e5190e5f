"""The keeper runner against anvil, through a fault-injecting JSON-RPC proxy: every keeper fault
of VERIFICATION.md. A band breach on BTC3L (price -10 %: 3x long at 3.86x, band 2.4-3.6x) is the
action under test unless a test says otherwise."""

import urllib.request

import pytest
from helpers import TEST_POLICY

from ltsdk.codes import Reason
from ltsdk.keeper import Keeper, Policy, decide


@pytest.fixture
def band_breach(invest, move_price):
    """BTC3L funded, then BTC -10 %: status BAND."""
    token = invest("BTC3L")
    move_price("BTC", -10)
    assert token.rebalance_status()[0] == Reason.BAND
    return token


def rebalances(token, chain, since_block):
    return list(token.Rebalanced.range(since_block, chain.blocks.head.number + 1))


def metric(keeper, line_start: str) -> float:
    """The value of the first Prometheus sample line starting with `line_start`."""
    for line in keeper.metrics_text().splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_band_breach__rebalanced_once__metrics_count_it_and_latency(band_breach, make_keeper, chain, proxy):
    start = chain.blocks.head.number
    keeper = make_keeper()

    outcomes = keeper.tick()

    assert [(o.symbol, o.status, o.action.label) for o in outcomes] == [("BTC3L", "mined", "band")]
    assert band_breach.rebalance_status()[0] == Reason.NONE
    assert len(rebalances(band_breach, chain, start)) == 1
    assert metric(keeper, 'lt_keeper_actions_total{label="band",token="BTC3L"}') == 1
    assert metric(keeper, "lt_keeper_detection_to_mined_seconds_count") == 1
    assert outcomes[0].latency_seconds >= 0
    assert metric(keeper, 'lt_keeper_leverage{token="BTC3L"}') == pytest.approx(3.869, abs=0.001)  # as read
    assert keeper.tick() == []  # nothing due any more: nothing sent
    assert metric(keeper, 'lt_keeper_leverage{token="BTC3L"}') == pytest.approx(3.0, abs=0.01)
    assert proxy.count("eth_sendRawTransaction") == 1


def test_rpc_down_timeouts_and_5xx__retried_with_backoff__one_transaction(
    band_breach, make_keeper, chain, proxy, keeper_logs
):
    start = chain.blocks.head.number
    keeper = make_keeper()
    proxy.inject("eth_call", "down", times=2)
    proxy.inject("eth_call", "http_500", times=1)
    proxy.inject("eth_estimateGas", "timeout", times=1, hold_seconds=1.5)
    proxy.inject("eth_sendRawTransaction", "http_500", times=2)

    outcomes = keeper.tick()

    assert [o.status for o in outcomes] == ["mined"]
    assert len(rebalances(band_breach, chain, start)) == 1
    assert len(set(proxy.sent_raw_transactions)) == 1  # the same signed bytes, whatever the retries
    retries = [line for line in keeper_logs() if line["event"] == "rpc_retry"]
    assert [line["call"] for line in retries] == ["get_states"] * 3 + ["estimate_gas"] + ["send_raw_transaction"] * 2
    delays = [line["delay_seconds"] for line in retries[:3]]
    assert delays == [0.01, 0.02, 0.04]  # exponential


def test_simulation_reverts_once_without_a_reason__simulated_again__sent_once(
    band_breach, make_keeper, chain, proxy, keeper_logs
):
    """What anvil answers when a call meets a block being mined (the new state under the previous
    block's clock): one revert without a reason, then the truth."""
    start = chain.blocks.head.number
    keeper = make_keeper()
    proxy.inject("eth_estimateGas", "rpc_error", code=3, message="execution reverted")

    outcomes = keeper.tick()

    assert [o.status for o in outcomes] == ["mined"]
    assert len(rebalances(band_breach, chain, start)) == 1
    assert [line["token"] for line in keeper_logs() if line["event"] == "simulation_repeated"] == ["BTC3L"]
    assert not [line for line in keeper_logs() if line["event"] == "failed"]


def test_simulation_reverts_twice__failed_with_backoff__nothing_sent(band_breach, make_keeper, proxy, keeper_logs):
    keeper = make_keeper()
    proxy.inject("eth_estimateGas", "rpc_error", times=2, code=3, message="execution reverted")

    outcomes = keeper.tick()

    assert [(o.status, o.detail) for o in outcomes] == [("failed", "simulation: reverted without a reason")]
    assert proxy.count("eth_sendRawTransaction") == 0


def test_rpc_down_for_good__tick_raises_unavailable__run_survives_one_incident(band_breach, make_keeper, proxy):
    keeper = make_keeper(policy=Policy(rpc_retries=2, rpc_backoff_seconds=0.01))
    proxy.inject(None, "down", times=10**6)

    keeper.run(ticks=2)

    assert metric(keeper, 'lt_keeper_alerts_total{kind="rpc_unavailable"}') == 1  # one outage, two ticks
    assert proxy.count("eth_sendRawTransaction") == 0


def test_send_delivered_but_answer_timed_out__resent_bytes_are_not_a_second_transaction(
    band_breach, make_keeper, chain, proxy, keeper
):
    start, nonce = chain.blocks.head.number, keeper.nonce
    keeper_ = make_keeper()
    proxy.inject("eth_sendRawTransaction", "deliver_then_timeout", hold_seconds=1.5)

    outcomes = keeper_.tick()

    assert [o.status for o in outcomes] == ["mined"]
    assert len(proxy.sent_raw_transactions) == 2 and len(set(proxy.sent_raw_transactions)) == 1
    assert len(rebalances(band_breach, chain, start)) == 1
    assert keeper.nonce == nonce + 1


def test_nonce_too_low__another_sender_used_it__resyncs_and_acts(
    band_breach, make_keeper, chain, proxy, keeper, outsider, keeper_logs
):
    keeper_ = make_keeper()
    keeper_.sender.next_nonce()  # synced...
    keeper_.sender.nonce -= 1
    keeper.transfer(outsider, 1)  # ...then the same key sends elsewhere

    outcomes = keeper_.tick()

    assert [o.status for o in outcomes] == ["mined"]
    assert band_breach.rebalance_status()[0] == Reason.NONE
    assert any(line["event"] == "nonce_resync" for line in keeper_logs())


def test_nonce_gap__filled_with_empty_transfers__queued_action_mines_once(
    band_breach, make_keeper, chain, proxy, keeper, keeper_logs
):
    start, nonce = chain.blocks.head.number, keeper.nonce
    keeper_ = make_keeper(policy=TEST_POLICY)
    keeper_.sender.nonce = nonce + 2  # two nonces that will never arrive

    outcomes = keeper_.tick()

    assert [o.status for o in outcomes] == ["mined"]
    assert len(rebalances(band_breach, chain, start)) == 1
    assert keeper.nonce == nonce + 3
    assert next(line for line in keeper_logs() if line["event"] == "nonce_gap")["first"] == nonce


def test_stuck_transaction__replaced_with_same_nonce_and_higher_fee(
    band_breach, make_keeper, chain, proxy, keeper_logs
):
    start = chain.blocks.head.number
    keeper = make_keeper()
    proxy.inject("eth_sendRawTransaction", "swallow")  # the node never sees the first

    outcomes = keeper.tick()

    assert [o.status for o in outcomes] == ["mined"]
    bump = [line for line in keeper_logs() if line["event"] == "fee_bump"]
    assert len(bump) == 1
    mined = chain.provider.web3.eth.get_transaction(outcomes[0].tx_hash)
    first = next(line for line in keeper_logs() if line["event"] == "sent")
    assert outcomes[0].tx_hash == bump[0]["tx"] != first["tx"]
    assert mined["nonce"] == first["nonce"] == bump[0]["nonce"]
    assert mined["maxFeePerGas"] == bump[0]["max_fee_wei"] > TEST_POLICY.priority_fee_wei
    assert len(rebalances(band_breach, chain, start)) == 1


def test_another_keeper_acted_between_read_and_send__simulation_makes_it_a_noop(band_breach, make_keeper, proxy, admin):
    keeper = make_keeper()
    state = keeper.protocol.states(["BTC3L"])["BTC3L"]
    action = decide(state, state.timestamp, keeper.policy)
    band_breach.rebalance(sender=admin)  # the other keeper wins the race

    outcome = keeper.execute(action, detected_at=0.0)

    assert outcome.status == "noop" and outcome.detail == "lt: not needed"
    assert proxy.count("eth_sendRawTransaction") == 0
    assert metric(keeper, 'lt_keeper_noops_total{token="BTC3L"}') == 1


def test_one_token_reverts__others_proceed__it_backs_off_exponentially_in_chain_time(
    invest, move_price, products, make_keeper, admin, chain
):
    btc, eth = invest("BTC3L"), invest("ETH3L")
    move_price("BTC", -10)
    move_price("ETH", -10)
    products["venues"]["ETH"].set_trading_paused(True, sender=admin)
    keeper = make_keeper()

    first = {o.symbol: o for o in keeper.tick()}
    assert first["BTC3L"].status == "mined" and btc.rebalance_status()[0] == Reason.NONE
    assert first["ETH3L"].status == "failed" and "venue: paused" in first["ETH3L"].detail
    assert keeper.backoff["ETH3L"].until == keeper.chain_now + 60

    assert [o.status for o in keeper.tick()] == ["backing_off"]  # within the back-off: not even simulated
    chain.mine(timestamp=keeper.backoff["ETH3L"].until)
    assert [o.status for o in keeper.tick()] == ["failed"]
    assert keeper.backoff["ETH3L"].until == keeper.chain_now + 120  # doubled

    products["venues"]["ETH"].set_trading_paused(False, sender=admin)
    chain.mine(timestamp=keeper.backoff["ETH3L"].until)
    assert [(o.symbol, o.status) for o in keeper.tick()] == [("ETH3L", "mined")]
    assert "ETH3L" not in keeper.backoff and eth.rebalance_status()[0] == Reason.NONE


def test_two_tokens_due__both_simulated_on_one_state_before_either_is_sent(invest, move_price, make_keeper, proxy):
    """A simulation sent while an earlier transaction of the same tick is being mined can read a
    half-updated state on anvil; the keeper simulates every action first, then sends."""
    long, short = invest("BTC3L"), invest("BTC3S")
    move_price("BTC", -10)  # 3x long -> 3.86x, 3x short -> 2.08x: both out of the band
    keeper = make_keeper()

    outcomes = keeper.tick()

    assert sorted((o.symbol, o.status) for o in outcomes) == [("BTC3L", "mined"), ("BTC3S", "mined")]
    first_send = proxy.methods.index("eth_sendRawTransaction")
    assert "eth_estimateGas" not in proxy.methods[first_send:]
    assert long.rebalance_status()[0] == short.rebalance_status()[0] == Reason.NONE


def test_stale_oracle__no_action__alert(band_breach, make_keeper, chain, proxy):
    chain.mine(timestamp=chain.blocks.head.timestamp + 3_601)  # past max_price_age
    keeper = make_keeper()

    assert keeper.tick() == []

    assert proxy.count("eth_sendRawTransaction") == 0
    assert metric(keeper, 'lt_keeper_alerts_total{kind="stale_oracle"}') == 1


def test_low_balance__alert__still_acts(band_breach, make_keeper, keeper):
    keeper.balance = 10**16  # 0.01 ETH: enough for a rebalance, under the 0.05 ETH alert level
    keeper_ = make_keeper()

    assert [o.status for o in keeper_.tick()] == ["mined"]
    assert metric(keeper_, 'lt_keeper_alerts_total{kind="low_balance"}') == 1
    assert metric(keeper_, "lt_keeper_balance_wei") == 10**16  # read before acting


def test_no_gas_money__alert__nothing_sent(band_breach, make_keeper, keeper, proxy):
    keeper.balance = 0
    keeper_ = make_keeper()

    assert [o.status for o in keeper_.tick()] == ["failed"]
    assert metric(keeper_, 'lt_keeper_alerts_total{kind="out_of_gas_money"}') == 1
    assert band_breach.rebalance_status()[0] == Reason.BAND


def test_crash_after_send__restart_rebroadcasts_the_same_transaction__acts_once(
    band_breach, make_keeper, chain, proxy, tmp_path
):
    start = chain.blocks.head.number
    journal = tmp_path / "keeper.json"
    stuck = Policy(confirm_timeout_seconds=1.0, stuck_after_seconds=3_600.0, rpc_backoff_seconds=0.01)
    proxy.inject("eth_sendRawTransaction", "swallow")  # sent, then the keeper dies before it lands
    before_crash = make_keeper(policy=stuck, journal_path=journal)
    assert [o.status for o in before_crash.tick()] == ["pending"]
    journaled = before_crash.in_flight["BTC3L"].hashes
    del before_crash

    after_restart = make_keeper(policy=stuck, journal_path=journal)
    outcomes = after_restart.tick()

    assert [o.status for o in outcomes] == ["mined"]
    assert outcomes[0].tx_hash == journaled[0]
    assert len(rebalances(band_breach, chain, start)) == 1
    assert after_restart.tick() == [] and not after_restart.in_flight


def test_restart_with_a_mined_journal_entry__nothing_more_is_sent(band_breach, make_keeper, proxy, tmp_path):
    journal = tmp_path / "keeper.json"
    make_keeper(journal_path=journal).tick()  # mined; the journal is empty again
    sends = proxy.count("eth_sendRawTransaction")

    assert make_keeper(journal_path=journal).tick() == []
    assert proxy.count("eth_sendRawTransaction") == sends


def test_no_signer__dry_run__simulates_and_sends_nothing(band_breach, make_keeper, proxy, keeper):
    dry = make_keeper(signer=False, dry_run_address=keeper.address)

    outcomes = dry.tick()

    assert [(o.status, o.action.label) for o in outcomes] == [("dry_run", "band")]
    assert proxy.count("eth_call") >= 2 and proxy.count("eth_sendRawTransaction") == 0
    assert band_breach.rebalance_status()[0] == Reason.BAND


def test_keeper_down__permissionless_ripcord_by_anyone_keeps_fund_safe(invest, move_price, make_keeper, outsider):
    token = invest("BTC3L")
    move_price("BTC", -15)  # 3x long -> 4.64x, past the 4.5x ripcord level
    assert token.current_leverage() >= token.ripcord_leverage()
    bystander = make_keeper(actor=outsider, policy=Policy(is_keeper=False, rpc_backoff_seconds=0.01))

    outcomes = bystander.tick()

    assert [(o.status, o.action.kind) for o in outcomes] == [("mined", "ripcord")]
    assert token.current_leverage() < token.ripcord_leverage()
    assert token.Ripcord.from_receipt(outcomes[0].receipt)[0].caller == outsider.address


def test_split_due_by_rule__keeper_applies_the_lens_factor(invest, make_keeper, admin, products, configure):
    token = invest("ETH3L")
    configure(token, "set_split_band", 10**6 // 2, 50 * 10**6)  # NAV/share 100 is now above the band
    keeper = make_keeper()

    outcomes = keeper.tick()

    assert [(o.status, o.action.label, o.action.factor) for o in outcomes] == [("mined", "split", 10)]
    assert token.nav_per_share() == pytest.approx(10 * 10**6, rel=1e-3)


def test_metrics__served_over_http(band_breach, make_keeper):
    keeper = make_keeper()
    keeper.tick()
    server, _thread = keeper.serve_metrics(0)
    try:
        body = urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/metrics", timeout=5).read().decode()
    finally:
        server.shutdown()
    assert 'lt_keeper_actions_total{label="band",token="BTC3L"} 1.0' in body


def test_keeper_constructs_from_manifest_without_rpc(manifest_file):
    """No request at construction: a keeper can start while the node is still down."""
    keeper = Keeper.from_manifest(manifest_file, "http://127.0.0.1:9", account=None)
    assert keeper.address is None and set(keeper.symbols) == {"BTC3L", "BTC3S", "ETH3L", "ETH3S", "BTC5L", "BTC5S"}
