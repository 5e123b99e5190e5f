"""Keeper health read from the keeper's own Prometheus metrics (ltsdk.keeper.Metrics): open alerts
with their runbook hint, last actions newest first, and an unreachable keeper reported, not raised."""

from prometheus_client import generate_latest

from ltsdk.dashboard import health
from ltsdk.keeper import ALERTS, Metrics


def test_parse__keeper_metrics__gives_alerts_actions_and_lag():
    metrics = Metrics()
    metrics.heartbeat.set(1_000.0)
    metrics.chain_lag.set(4.5)
    metrics.ticks.inc(3)
    metrics.actions.labels("BTC3L", "rebalance:band").inc(2)
    metrics.last_action.labels("BTC3L", "rebalance:band").set(900.0)
    metrics.last_action.labels("ETH3S", "ripcord").set(950.0)
    metrics.alert_active.labels("stale_oracle", "ETH3S").set(1)
    metrics.alert_active.labels("low_balance", "").set(0)  # cleared
    metrics.failures.labels("BTC5L", "reverted").inc()

    read = health.parse("http://keeper/metrics", generate_latest(metrics.registry).decode())

    assert read.error is None
    assert read.heartbeat_age(1_030.0) == 30.0
    assert read.chain_lag == 4.5 and read.ticks == 3
    assert read.actions == {"BTC3L": 2}
    assert [(a.token, a.label) for a in read.last_actions] == [("ETH3S", "ripcord"), ("BTC3L", "rebalance:band")]
    assert [(a.kind, a.token, a.hint) for a in read.alerts] == [("stale_oracle", "ETH3S", ALERTS["stale_oracle"])]
    assert read.failures == {"BTC5L reverted": 1}


def test_read__nothing_listening__reports_the_error():
    read = health.read("http://127.0.0.1:9/metrics")  # the discard port: nothing serves it
    assert read.error is not None and "cannot read" in read.error
    assert read.alerts == []
