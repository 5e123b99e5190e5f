"""Keeper health from the keeper's Prometheus metrics (ltsdk.keeper.Metrics, served by
`ape run keeper --metrics-port N`): when it last ticked and acted, how far behind the chain is,
which alerts are open, what failed."""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

from ltsdk.keeper import ALERTS

TIMEOUT_SECONDS = 3


@dataclass(frozen=True)
class Alert:
    kind: str
    token: str
    hint: str


@dataclass(frozen=True)
class LastAction:
    token: str
    label: str
    at: float  # wall clock, unix seconds


@dataclass(frozen=True)
class KeeperHealth:
    """What the keeper's metrics say; `error` when they could not be read."""

    url: str
    error: str | None = None
    heartbeat: float | None = None  # wall clock of the last completed tick, unix seconds
    chain_lag: float | None = None  # seconds: wall clock minus the latest block's time
    ticks: int = 0
    balance_wei: int | None = None
    last_actions: list[LastAction] = field(default_factory=list)  # newest first
    actions: dict[str, int] = field(default_factory=dict)  # token -> actions mined
    failures: dict[str, int] = field(default_factory=dict)  # "token kind" -> count
    alerts: list[Alert] = field(default_factory=list)  # open now

    def heartbeat_age(self, now: float) -> float | None:
        return None if not self.heartbeat else now - self.heartbeat


def parse(url: str, text: str) -> KeeperHealth:
    """KeeperHealth from Prometheus text exposition."""
    values: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            values.setdefault(sample.name, []).append((sample.labels, sample.value))

    def single(name: str) -> float | None:
        rows = values.get(name)
        return rows[0][1] if rows else None

    last = [
        LastAction(labels["token"], labels["label"], value)
        for labels, value in values.get("lt_keeper_last_action_timestamp_seconds", [])
    ]
    actions: dict[str, int] = {}
    for labels, value in values.get("lt_keeper_actions_total", []):
        actions[labels["token"]] = actions.get(labels["token"], 0) + int(value)
    balance = single("lt_keeper_balance_wei")
    return KeeperHealth(
        url=url,
        heartbeat=single("lt_keeper_heartbeat_timestamp_seconds"),
        chain_lag=single("lt_keeper_chain_lag_seconds"),
        ticks=int(single("lt_keeper_ticks_total") or 0),
        balance_wei=None if balance is None else int(balance),
        last_actions=sorted(last, key=lambda a: a.at, reverse=True),
        actions=actions,
        failures={
            f"{labels['token']} {labels['kind']}": int(value)
            for labels, value in values.get("lt_keeper_failures_total", [])
            if value
        },
        alerts=[
            Alert(labels["kind"], labels["token"], ALERTS.get(labels["kind"], ""))
            for labels, value in values.get("lt_keeper_alert_active", [])
            if value
        ],
    )


def read(url: str) -> KeeperHealth:
    """The keeper's metrics at `url` (http://host:port/metrics); an unreachable keeper is reported
    in `error`, not raised: the page says so."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            text = response.read().decode()
    except OSError as exc:
        return KeeperHealth(url=url, error=f"cannot read the keeper's metrics: {exc}")
    return parse(url, text)
