"""What an operator sees and does: stamped log lines, one alert per incident, the heartbeat and the
gauges, the live invariant alerts, a keeper that acts on an idle chain without mining, start-up
mistakes that stop in one line, the pause/shutdown runbook of docs/operations.md walked step by
step, and a Grafana dashboard that queries only metrics the keeper has."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from eth_account import Account
from helpers import TEST_POLICY

from ltsdk.codes import ActionKind, Reason
from ltsdk.keeper import ALERTS, Action

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
OPERATIONS = REPO / "docs" / "operations.md"
DASHBOARD = REPO / "docs" / "grafana-keeper.json"


def metric(keeper, line_start: str) -> float | None:
    for line in keeper.metrics_text().splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return None


def events(keeper_logs, name: str) -> list[dict]:
    return [line for line in keeper_logs() if line["event"] == name]


@pytest.fixture
def band_breach(invest, move_price):
    token = invest("BTC3L")
    move_price("BTC", -10)
    return token


# ---------------------------------------------------------------- logs, alerts, metrics


def test_log_lines__each_stamped_with_the_wall_clock(band_breach, make_keeper, keeper_logs):
    before = time.time()
    make_keeper().tick()

    lines = keeper_logs()
    assert {"sent", "mined"} <= {line["event"] for line in lines}
    for line in lines:
        stamp = datetime.fromisoformat(line["ts"])
        assert stamp.utcoffset() is not None and stamp.utcoffset().total_seconds() == 0
        assert before - 1 <= stamp.timestamp() <= time.time() + 1


def test_stale_oracle__three_ticks__one_incident__cleared_once_fresh(
    band_breach, make_keeper, chain, keeper_logs, products, admin
):
    chain.mine(timestamp=chain.blocks.head.timestamp + 3_601)  # past max_price_age
    keeper = make_keeper()

    for _ in range(3):
        assert keeper.tick() == []

    assert len(events(keeper_logs, "alert")) == 1
    assert metric(keeper, 'lt_keeper_alerts_total{kind="stale_oracle"}') == 1
    assert metric(keeper, 'lt_keeper_alert_active{kind="stale_oracle",token="BTC3L"}') == 1
    assert events(keeper_logs, "alert_cleared") == []

    oracle = products["oracles"]["BTC"]
    oracle.set_price(oracle.latestAnswer(), sender=admin)  # the updater is back: a fresh round
    keeper.tick()

    cleared = events(keeper_logs, "alert_cleared")
    assert [(line["kind"], line["token"]) for line in cleared] == [("stale_oracle", "BTC3L")]
    assert metric(keeper, 'lt_keeper_alert_active{kind="stale_oracle",token="BTC3L"}') == 0
    assert metric(keeper, 'lt_keeper_alerts_total{kind="stale_oracle"}') == 1


def test_oracle_past_three_quarters_of_its_age_limit__oracle_aging_alert__no_stale_alert(
    band_breach, make_keeper, chain
):
    chain.mine(timestamp=chain.blocks.head.timestamp + 2_800)  # 78 % of the 3,600 s limit
    keeper = make_keeper(policy=replace(TEST_POLICY, invariants=False))

    keeper.tick()

    assert metric(keeper, 'lt_keeper_alerts_total{kind="oracle_aging"}') == 1
    assert metric(keeper, 'lt_keeper_alerts_total{kind="stale_oracle"}') is None
    assert metric(keeper, 'lt_keeper_oracle_age_seconds{token="BTC3L"}') >= 2_800


def test_tick__heartbeat_nav_and_oracle_age_gauges(band_breach, make_keeper):
    keeper = make_keeper()
    before = time.time()

    keeper.tick()

    assert before - 1 <= metric(keeper, "lt_keeper_heartbeat_timestamp_seconds") <= time.time() + 1
    assert metric(keeper, "lt_keeper_ticks_total") == 1
    state = keeper.protocol.states(["BTC3L"])["BTC3L"]
    assert metric(keeper, 'lt_keeper_nav_assets{token="BTC3L"}') == pytest.approx(float(state.nav_usd), rel=1e-3)
    assert metric(keeper, 'lt_keeper_nav_per_share_assets{token="BTC3L"}') == pytest.approx(
        float(state.nav_per_share_usd), rel=1e-3
    )
    assert 0 <= metric(keeper, 'lt_keeper_oracle_age_seconds{token="BTC3L"}') < 60


def test_leverage_at_nine_tenths_of_ripcord__alert__and_the_keeper_rebalances(invest, move_price, make_keeper):
    invest("BTC3L")
    move_price("BTC", -13)  # 3x long -> 4.28x: over 90 % of the 4.5x ripcord level, under it
    keeper = make_keeper()

    outcomes = keeper.tick()

    assert [(o.status, o.action.label) for o in outcomes] == [("mined", "band")]
    assert metric(keeper, 'lt_keeper_alerts_total{kind="leverage_near_ripcord"}') == 1
    keeper.tick()  # back at target: the incident clears
    assert metric(keeper, 'lt_keeper_alert_active{kind="leverage_near_ripcord",token="BTC3L"}') == 0


def test_run__interrupted__logs_a_shutdown_line(make_keeper, keeper_logs):
    keeper = make_keeper()

    def interrupted(seconds):
        raise KeyboardInterrupt

    keeper.sleep = interrupted
    keeper.run()

    assert [line["reason"] for line in events(keeper_logs, "shutdown")] == ["interrupt"]


# ---------------------------------------------------------------- invariants


def test_funded_tokens_with_funding_accrued__lens_nav_equals_reference_model(
    invest, products, admin, chain, make_keeper, keeper_logs, move_price
):
    for symbol in ("BTC3L", "BTC3S", "ETH3L", "BTC5S"):
        invest(symbol)
    for venue in products["venues"].values():
        venue.set_funding_rate_per_second(10**18 // (365 * 86_400), sender=admin)  # 100 %/year: longs pay
    chain.mine(timestamp=chain.blocks.head.timestamp + 1_800)  # half an hour of funding owed
    for market in products["oracles"]:  # fresh answers, unmoved: no oracle_aging, whatever the suite's age
        move_price(market, 0)
    keeper = make_keeper()

    keeper.tick()

    for symbol in ("BTC3L", "BTC3S", "ETH3L", "BTC5S"):
        assert metric(keeper, f'lt_keeper_nav_model_deviation_assets{{token="{symbol}"}}') == 0, symbol
        assert metric(keeper, f'lt_keeper_venue_withdrawable_assets{{token="{symbol}"}}') > 0, symbol
    assert [line["kind"] for line in events(keeper_logs, "alert")] == []


def test_manifest_names_the_wrong_venue__nav_mismatch_alert(invest, make_keeper):
    invest("BTC3L")
    keeper = make_keeper()
    keeper.protocol.manifest["tokens"]["BTC3L"]["market"] = "ETH"  # the model reads an account the fund lacks

    keeper.tick()

    assert metric(keeper, 'lt_keeper_alerts_total{kind="nav_mismatch"}') == 1
    assert metric(keeper, 'lt_keeper_nav_model_deviation_assets{token="BTC3L"}') != 0


def test_venue_lets_the_fund_withdraw_nothing__withdrawable_zero_alert__open_until_a_later_check(
    invest, products, admin, make_keeper, clock
):
    invest("BTC3L")
    venue = products["venues"]["BTC"]
    usual = venue.max_leverage()
    venue.set_max_leverage(2 * 10**18, sender=admin)  # initial margin now above equity
    keeper = make_keeper()
    active = 'lt_keeper_alert_active{kind="venue_withdrawable_zero",token="BTC3L"}'

    keeper.tick()
    assert metric(keeper, 'lt_keeper_venue_withdrawable_assets{token="BTC3L"}') == 0
    assert metric(keeper, 'lt_keeper_alerts_total{kind="venue_withdrawable_zero"}') == 1

    venue.set_max_leverage(usual, sender=admin)
    keeper.tick()  # within the check interval: not checked again, still open
    assert metric(keeper, active) == 1
    clock.now += keeper.policy.invariant_interval_seconds
    keeper.tick()  # checked again: cleared
    assert metric(keeper, active) == 0
    assert metric(keeper, 'lt_keeper_alerts_total{kind="venue_withdrawable_zero"}') == 1


def test_equity_under_the_margin_warning__venue_margin_low_alert(invest, make_keeper):
    invest("BTC5L")
    # a 5x fund's equity is 1/5 of its notional: 8 x the venue's 250 bps maintenance margin; warn under 10 x
    keeper = make_keeper(policy=replace(TEST_POLICY, margin_warn_multiple=10))

    keeper.tick()

    assert metric(keeper, 'lt_keeper_alerts_total{kind="venue_margin_low"}') == 1
    assert metric(keeper, 'lt_keeper_venue_margin_assets{token="BTC5L"}') > 0


# ---------------------------------------------------------------- an idle chain


def test_idle_automine_chain__cooldown_passed_by_the_wall_clock__acted_on_without_mining_first(
    band_breach, admin, move_price, make_keeper, chain
):
    band_breach.rebalance(sender=admin)
    move_price("BTC", -10)  # out of the band again, within the 60 s TWAP cooldown
    assert band_breach.rebalance_status()[0] == Reason.BAND
    head = chain.blocks.head
    # the node's clock moves on 70 s; no block is mined (the next one is stamped then, whatever
    # earlier tests' reverts left anvil's own clock at)
    chain.provider.make_request("evm_setNextBlockTimestamp", [head.timestamp + 70])
    started = time.time()

    def wall() -> float:
        return head.timestamp + 70 + (time.time() - started)

    at_block_time = make_keeper(policy=replace(TEST_POLICY, wall_clock=False), wall=wall)
    assert at_block_time.tick() == []  # the latest block still says "cooling down"

    keeper = make_keeper(wall=wall)
    outcomes = keeper.tick()

    assert [(o.status, o.action.label) for o in outcomes] == [("mined", "band")]
    assert keeper.block_overrides is not None
    assert chain.blocks.head.number == head.number + 1  # the keeper's own transaction, nothing before it
    assert band_breach.rebalance_status()[0] == Reason.NONE


def test_idle_chain__another_keeper_mines_after_our_clock__our_simulation_runs_after_its_block(
    invest, move_price, make_keeper, chain, admin
):
    long, short = invest("BTC3L"), invest("BTC3S")
    move_price("BTC", -10)  # both out of their bands, on one venue
    head = chain.blocks.head
    keeper = make_keeper(wall=lambda: head.timestamp + 70.0)  # the latest block looks 70 s old
    keeper.read_clock()  # it will simulate in a block stamped head + 70
    assert keeper.block_overrides is not None
    # another keeper's rebalance of the long, on the same venue, mined at head + 100: the venue's
    # funding clock is now later than our clock
    chain.pending_timestamp = head.timestamp + 100
    long.rebalance(sender=admin)

    gas = keeper.simulate(Action(ActionKind.REBALANCE, "BTC3S", Reason.BAND))

    assert isinstance(gas, int), gas  # not "reverted without a reason"
    assert short.rebalance_status()[0] == Reason.BAND


def test_idle_chain__a_block_is_mined_between_our_head_read_and_our_call__the_call_runs_on_the_head_we_read(
    invest, move_price, make_keeper, chain, admin
):
    long = invest("BTC3L")
    invest("BTC3S")
    move_price("BTC", -10)  # both out of their bands, on one venue
    head = chain.blocks.head
    keeper = make_keeper(wall=lambda: head.timestamp + 70.0)  # the latest block looks 70 s old
    keeper.read_clock()
    read_rpc, raced = keeper.rpc, []

    def another_keeper_mines_right_after_our_head_read(what, call):
        result = read_rpc(what, call)
        if what == "get_block" and not raced:  # the head read before the simulation's eth_call
            raced.append(result["number"])
            chain.pending_timestamp = int(result["timestamp"]) + 100  # later than our call's stamp
            long.rebalance(sender=admin)
        return result

    keeper.rpc = another_keeper_mines_right_after_our_head_read

    gas = keeper.simulate(Action(ActionKind.REBALANCE, "BTC3S", Reason.BAND))

    assert raced and chain.blocks.head.number > raced[0]  # the race happened
    assert isinstance(gas, int), gas  # not "reverted without a reason"


def test_idle_chain__one_simulation__reads_the_head_once_for_its_call_and_its_estimate(
    band_breach, make_keeper, chain, proxy
):
    head = chain.blocks.head
    keeper = make_keeper(wall=lambda: head.timestamp + 70.0)  # the latest block looks 70 s old
    keeper.read_clock()
    seen = len(proxy.methods)

    gas = keeper.simulate(Action(ActionKind.REBALANCE, "BTC3L", Reason.BAND))

    assert isinstance(gas, int), gas
    assert proxy.methods[seen:] == ["eth_getBlockByNumber", "eth_call", "eth_estimateGas"]


def test_idle_chain__node_rejects_block_overrides__logged_once__reads_at_block_time(
    band_breach, make_keeper, chain, proxy, keeper_logs
):
    head = chain.blocks.head
    keeper = make_keeper(wall=lambda: head.timestamp + 70.0)  # the latest block looks 70 s old
    proxy.inject("eth_call", "rpc_error", code=-32602, message="too many arguments, want at most 3")

    outcomes = keeper.tick()

    assert [(o.status, o.action.label) for o in outcomes] == [("mined", "band")]  # read again at block time
    assert len(events(keeper_logs, "block_overrides_unsupported")) == 1
    assert keeper.tick() == [] and keeper.block_overrides is None


# ---------------------------------------------------------------- start-up mistakes


@pytest.mark.parametrize(
    ("alias", "expected"), [("ops", "passphrase does not open"), ("nobody", "no ape account named 'nobody'")]
)
def test_keeper_script__startup_mistake__one_line_exit_2(alias, expected, rpc_url, manifest_file, tmp_path):
    (tmp_path / "accounts").mkdir()
    keyfile = Account.encrypt(Account.create().key, "the right one")
    (tmp_path / "accounts" / "ops.json").write_text(json.dumps(keyfile))
    env = {
        **os.environ,
        "APE_DATA_FOLDER": str(tmp_path),
        "APE_FOUNDRY_HOST": rpc_url,
        "APE_ACCOUNTS_ops_PASSPHRASE": "a wrong one",
    }
    command = [str(BIN / "ape"), "run", "keeper", "--network", "ethereum:local:foundry", "--account", alias]
    done = subprocess.run(
        [*command, "--manifest", str(manifest_file), "--ticks", "1"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], done.stderr[-2000:]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_keeper_script__interrupted__ends_with_a_shutdown_line(sig, rpc_url, manifest_file, tmp_path):
    env = {**os.environ, "APE_FOUNDRY_HOST": rpc_url}
    command = [str(BIN / "ape"), "run", "keeper", "--network", "ethereum:local:foundry", "--dry-run"]
    out = tmp_path / "keeper.log"
    options = ["--manifest", str(manifest_file), "--interval", "0.2", "--journal", str(tmp_path / "journal.json")]
    with out.open("w") as sink:
        process = subprocess.Popen([*command, *options], cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while '"event": "started"' not in out.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        process.send_signal(sig)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    lines = [json.loads(line) for line in out.read_text().splitlines() if line.startswith("{")]

    assert process.returncode == 0, out.read_text()[-2000:]
    assert lines[0]["event"] == "started" and lines[-1]["event"] == "shutdown"
    assert lines[-1]["reason"] == "interrupt"


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"LT_PRIVATE_KEY": "0x1234", "APE_FOUNDRY_HOST": "http://127.0.0.1:9"}, "LT_PRIVATE_KEY key 1"),
        ({"LT_KEYSTORE": "KEYSTORE", "APE_FOUNDRY_HOST": "http://127.0.0.1:9"}, "cannot be opened"),
        (
            {"APE_FOUNDRY_HOST": "http://127.0.0.1:9", "SILVERBACK_BROKER_CLASS": "taskiq_redis:ListQueueBroker"},
            "set LT_REDIS_URL",
        ),
    ],
)
def test_silverback_bot__startup_mistake__one_line_exit_2(settings, expected, tmp_path):
    keystore = tmp_path / "keeper.json"
    keystore.write_text(json.dumps(Account.encrypt(Account.create().key, "the right one")))
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LT_", "SILVERBACK_", "APE_FOUNDRY"))}
    env.update({key: value.replace("KEYSTORE", str(keystore)) for key, value in settings.items()})
    env.update(PYTHONPATH=str(REPO), SILVERBACK_NETWORK_CHOICE="ethereum:local:foundry", LT_KEYSTORE_PASSWORD="x")

    done = subprocess.run(
        [sys.executable, "-c", "import bots.keeper"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], done.stderr[-2000:]


def test_silverback_bot__no_node_at_the_host__refuses_to_keep_a_throwaway_anvil(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LT_", "SILVERBACK_", "APE_"))}
    env.update(PYTHONPATH=str(REPO), SILVERBACK_NETWORK_CHOICE="ethereum:local:foundry")

    done = subprocess.run(
        [sys.executable, "-c", "import bots.keeper"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 2, done.stderr[-2000:]
    assert "throwaway anvil" in done.stderr.strip().splitlines()[-1]


# ---------------------------------------------------------------- the runbook, the dashboard


def runbook_steps() -> list[str]:
    text = OPERATIONS.read_text()
    section = text.split("## Runbook: pause and shutdown", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def test_runbook__pause_check_resume_shutdown__each_step_does_what_it_says(
    invest, products, manifest_file, rpc_url, admin, guardian, depositor, make_keeper
):
    token = invest("BTC3L")
    token.grantRole(token.GUARDIAN_ROLE(), guardian, sender=admin)
    steps = runbook_steps()
    assert len(steps) == 6
    namespace = {
        "manifest": str(manifest_file),
        "rpc_url": rpc_url,
        "SYMBOL": "BTC3L",
        "guardian": Account.from_key(guardian.private_key),
        "admin": Account.from_key(admin.private_key),
        "holder": Account.from_key(depositor.private_key),
    }

    for number, step in enumerate(steps, 1):
        exec(compile(step, f"docs/operations.md runbook step {number}", "exec"), namespace)

    assert token.is_shutdown() and products["venues"]["BTC"].position(token)[0] == 0
    assert make_keeper().tick() == []  # the keeper leaves a shut-down token alone
    shares = token.balanceOf(depositor)
    preview = token.previewRedeem(shares)
    assert token.redeem(shares, depositor, depositor, sender=depositor).return_value == preview > 0


def exposed_metric_names(keeper) -> set[str]:
    names = set()
    for family in keeper.metrics.registry.collect():
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
        if family.type == "counter":
            names.add(family.name + "_total")
        if family.type == "histogram":
            names.update(family.name + suffix for suffix in ("_bucket", "_count", "_sum"))
    return names


def test_grafana_dashboard__every_metric_it_queries_exists(make_keeper):
    dashboard = json.loads(DASHBOARD.read_text())
    queried = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\blt_keeper_[a-z_]+", target["expr"])
    }
    assert len(queried) >= 15

    assert queried - exposed_metric_names(make_keeper()) == set()


def test_every_alert_kind__documented_with_what_to_do():
    text = OPERATIONS.read_text()
    alerts = text.split("## Alerts", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", alerts, flags=re.MULTILINE))
    assert documented == set(ALERTS)
