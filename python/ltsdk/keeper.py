"""The keeper: what to do for each token (`decide`, pure) and a runner that does it safely on a
network, node or market that misbehaves (`Keeper`).

    from ltsdk import Protocol
    from ltsdk.keeper import Keeper, Policy
    keeper = Keeper(Protocol.from_manifest("local", account=keeper_account), Policy())
    keeper.run()                       # or keeper.tick() once per block from your own loop

`decide(state, now, policy)` reads one lens row and returns the `Action` the contracts would
accept now, or None. The runner reads every token through the lens in one call, simulates each
action with eth_call, signs with its own nonce counter, replaces a stuck transaction (same nonce,
higher fee), retries RPC failures with backoff, backs a failing token off exponentially while the
others proceed, and journals what is in flight so that a restart rebroadcasts instead of acting
twice. Without a signer it only logs what it would do (dry run). Every line it logs is one JSON
object stamped with the wall clock (`ts`); an alert is logged once when its incident starts and
once when it clears; its metrics are Prometheus text (`metrics_text()`, or `serve_metrics(port)`).

On an idle chain (an automine node mines only when sent a transaction) the latest block's time
stands still; the keeper evaluates at the later of that time and the wall clock, by reading the
lens and simulating with eth_call block overrides, so due work is seen without mining a block.

Asynchronous tokens (LeveragedTokenAsync: ERC-7540 requests settled in rounds, one venue order per
round; the manifest's token entry says `"kind": "async"`, or the keeper asks a token the lens
cannot read whether it is one) have no lens row and no `decide`: the contract decides. Each tick
the keeper simulates `settle()` (the round in flight once its order is filled, refused or expired,
or its payout order), then `ripcord()` (leverage at the ripcord level: it cancels a pending order
that adds exposure and places a reducing one) and then `close_round()` (the open round when due,
and whatever the token closes a round for, a due rebalance included); a revert that means nothing
to do ("lt: no round", "lt: order pending", "lt: not due", "lt: not needed", "lt: in flight")
sends nothing, and a round in flight is never closed again. The keeper fronts each order's
execution fee in the token's collateral (the round repays it): it approves the token for the
collateral first, and alerts when its balance is short.

Several workers may run keepers for one deployment (bots/keeper.py): `shard` splits the tokens
across signing keys, and `RedisCoordination` gives each key one writer at a time (a lock), one
nonce counter (ltsdk.sender.RedisNonces) and one journal shared by every worker.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from typing import Protocol as Interface

import requests
from eth_typing import HexStr
from eth_utils.abi import get_abi_output_types
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, start_http_server
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, TransactionNotFound, Web3RPCError
from web3.logs import DISCARD
from web3.types import RPCEndpoint

from ltsdk import errors, math
from ltsdk.abis import load_abi
from ltsdk.calls import once_more_if_reasonless, revert_reason
from ltsdk.client import Protocol
from ltsdk.codes import ActionKind, Reason, Status, reason_name
from ltsdk.errors import RpcUnavailable
from ltsdk.manifest import load as load_manifest
from ltsdk.sender import RedisNonces, Sender, gas_limit
from ltsdk.types import TokenState
from ltsdk.units import BPS, GWEI, WAD

# reverts that mean "someone else already did it, or it is not time yet": not a failure
NO_OP_ERRORS = (errors.NotNeeded, errors.Cooldown)

# ---------------------------------------------------------------- asynchronous tokens

ASYNC_KIND = "async"  # a manifest token entry's "kind" for a LeveragedTokenAsync
ASYNC_TOKEN_ABI = "LeveragedTokenAsync"
ASYNC_VENUE_ABI = "MockAsyncPerpVenue"
COLLATERAL_ABI = "MockUSDC"  # the ERC-20 calls only: balanceOf, allowance, approve
ERC7540_DEPOSIT_ID = bytes.fromhex("ce3bbe50")  # ERC-165 id of ERC-7540's asynchronous deposit
MAX_UINT256 = 2**256 - 1
# LeveragedTokenAsync's reverts that mean "nothing to do now" for each round call (the contract
# decides when a round is due, so the keeper keeps working whatever it closes rounds for)
ROUND_IDLE_REVERTS: dict[str, frozenset[str]] = {
    ActionKind.SETTLE: frozenset({"lt: no round", "lt: order pending"}),
    ActionKind.RIPCORD: frozenset({"lt: not needed", "lt: in flight"}),
    ActionKind.CLOSE_ROUND: frozenset({"lt: not due", "lt: not needed", "lt: in flight"}),
}
FEE_FRONTING = (ActionKind.RIPCORD, ActionKind.CLOSE_ROUND)  # round calls that place an order, its fee fronted
MISSING_ROLE = "access_control: account is missing role"  # close_round before its grace, without KEEPER_ROLE
ROUND_EVENTS = ("RoundClosed", "RoundSettled", "RoundRolled", "PayoutPlaced")  # logged after a round call

# ---------------------------------------------------------------- decision (pure)


@dataclass(frozen=True)
class Policy:
    """How the keeper behaves. Amounts in wei, durations in seconds."""

    is_keeper: bool = True  # holds KEEPER_ROLE; otherwise only the permissionless paths
    rebalance_on_schedule: bool = True  # act on SCHEDULED (daily) rebalances, not only band/chunk/ripcord
    split: bool = True  # apply rule-based splits (KEEPER_ROLE only)
    flag_band_breaches: bool = True  # without the role: raise flag_rebalance_due() to start the grace clock
    poll_seconds: float = 12.0  # between ticks in run()
    stuck_after_seconds: float = 60.0  # an unmined transaction is replaced after this long
    confirm_timeout_seconds: float = 120.0  # a tick waits at most this long for its transactions
    receipt_poll_seconds: float = 0.5  # between receipt checks while waiting
    fee_bump_bps: int = 2_500  # each replacement pays 25 % more (nodes require >= 10 %)
    max_fee_bumps: int = 5
    priority_fee_wei: int = 1 * GWEI
    max_fee_cap_wei: int = 500 * GWEI  # never offer more per gas than this
    rpc_retries: int = 5
    rpc_backoff_seconds: float = 0.25  # first retry; doubles per attempt
    failure_backoff_seconds: float = 60.0  # chain seconds a token rests after a failed action; doubles
    max_failure_backoff_seconds: float = 3_600.0
    min_balance_wei: int = 5 * 10**16  # warn below 0.05 ETH of gas money
    wall_clock: bool = True  # evaluate at max(latest block time, wall clock): an idle chain's clock stands still
    wall_clock_after_seconds: float = 15.0  # ...once the latest block is this much older (a live chain's is ~12 s)
    invariants: bool = True  # read each venue account and check NAV, margin and withdrawable (alerts)
    invariant_interval_seconds: float = 60.0  # at most one round of those checks per this much clock()
    nav_tolerance_assets: int = 1  # lens NAV vs the reference model, collateral base units
    ripcord_warn_bps: int = 9_000  # alert leverage_near_ripcord from 90 % of the ripcord level
    oracle_age_warn_bps: int = 7_500  # alert oracle_aging from 75 % of the token's max_price_age
    margin_warn_multiple: int = 2  # alert venue_margin_low when equity < this x maintenance margin


@dataclass(frozen=True)
class Action:
    """One call on one token. `kind`: rebalance, ripcord, split, flag or shutdown; on an
    asynchronous token close_round, settle, or approve (the collateral, for the fronted fees)."""

    kind: ActionKind
    symbol: str
    reason: int = Reason.NONE  # the rebalance status that triggered it
    factor: int = 0  # split factor
    is_reverse: bool = False
    collateral: str = ""  # approve: the collateral contract the token pulls execution fees from

    @property
    def label(self) -> str:
        """The metric label: the reason's name for rebalances, else the kind."""
        if self.kind == ActionKind.REBALANCE:
            return reason_name(self.reason)
        if self.kind == ActionKind.SPLIT:
            return "reverse_split" if self.is_reverse else "split"
        return self.kind

    def function(self, contract):
        """The web3 contract function this action calls."""
        if self.kind == ActionKind.REBALANCE:
            return contract.functions.rebalance()
        if self.kind == ActionKind.RIPCORD:
            return contract.functions.ripcord()
        if self.kind == ActionKind.FLAG:
            return contract.functions.flag_rebalance_due()
        if self.kind == ActionKind.SHUTDOWN:
            return contract.functions.emergency_shutdown()
        if self.kind == ActionKind.SPLIT:
            return (contract.functions.reverse_split if self.is_reverse else contract.functions.split)(self.factor)
        if self.kind in (ActionKind.CLOSE_ROUND, ActionKind.SETTLE):
            rounds = contract.w3.eth.contract(address=contract.address, abi=load_abi(ASYNC_TOKEN_ABI))
            return rounds.functions.close_round() if self.kind == ActionKind.CLOSE_ROUND else rounds.functions.settle()
        if self.kind == ActionKind.APPROVE:
            collateral = contract.w3.eth.contract(address=self.collateral, abi=load_abi(COLLATERAL_ABI))
            return collateral.functions.approve(contract.address, MAX_UINT256)
        raise ValueError(f"unknown action kind {self.kind!r}")


def _grace_open(state: TokenState, now: int) -> bool:
    """A flagged band/ripcord rebalance is open to anyone from due_since + grace until the flag
    lapses at due_since + 2 * grace (LeveragedToken._grace_start, _flag_expired)."""
    return (
        state.due_since != 0 and state.due_since + state.keeper_grace <= now <= state.due_since + 2 * state.keeper_grace
    )


def decide(state: TokenState, now: int, policy: Policy = Policy()) -> Action | None:
    """The action the contracts accept for this token at block time `now`, or None.

    Nothing on a row the lens could not read, on a stale oracle (the contracts would refuse and
    the keeper must not guess), on an empty or a flat shut-down fund. Once the admin has started a
    shutdown, anyone closes the rest: the ripcord at its level, else the next chunk
    (`emergency_shutdown`) once the TWAP cooldown has passed. A ripcord-level fund is de-levered
    first: by `rebalance` with the keeper role (no reward leaves the fund, no cooldown), otherwise
    by the permissionless `ripcord`. Other rebalances wait for the TWAP cooldown. Without the role
    the keeper may only flag a band breach, then rebalance it once the grace has passed, and take
    pending chunks one grace after the last one. A due split comes after any due rebalance.
    """
    if not state.ok or not state.oracle_fresh or state.supply == 0:
        return None
    status = state.status
    cooled = now >= state.last_rebalance_time + state.twap_cooldown
    if state.is_shutdown:  # rebalance() is shut; the ripcord and the shutdown's chunks close the position
        if state.size == 0:
            return None
        if status == Reason.RIPCORD:
            return Action(ActionKind.RIPCORD, state.symbol, status)
        return Action(ActionKind.SHUTDOWN, state.symbol) if cooled else None
    if status == Reason.RIPCORD:
        return Action(ActionKind.REBALANCE if policy.is_keeper else ActionKind.RIPCORD, state.symbol, status)
    if status != Reason.NONE:
        if policy.is_keeper:
            if status == Reason.SCHEDULED and not policy.rebalance_on_schedule:
                return None
            return Action(ActionKind.REBALANCE, state.symbol, status) if cooled else None
        if status == Reason.BAND:
            if _grace_open(state, now):
                return Action(ActionKind.REBALANCE, state.symbol, status) if cooled else None
            flag_lapsed = state.due_since == 0 or now > state.due_since + 2 * state.keeper_grace
            return Action(ActionKind.FLAG, state.symbol, status) if policy.flag_band_breaches and flag_lapsed else None
        if status == Reason.CHUNK and cooled and now >= state.last_rebalance_time + state.keeper_grace:
            return Action(ActionKind.REBALANCE, state.symbol, status)
        return None
    if policy.is_keeper and policy.split and state.split_factor:
        return Action(ActionKind.SPLIT, state.symbol, factor=state.split_factor, is_reverse=state.split_is_reverse)
    return None


# ---------------------------------------------------------------- runner


def log_line(logger: logging.Logger, wall_seconds: float, event: str, level: int = logging.INFO, **fields) -> None:
    """The keepers' log format: one JSON object per line, `event` and the wall clock as `ts` (UTC,
    ISO 8601, milliseconds), keys sorted."""
    ts = datetime.fromtimestamp(wall_seconds, UTC).isoformat(timespec="milliseconds")
    logger.log(level, json.dumps({"ts": ts, "event": event, **fields}, default=str, sort_keys=True))


@dataclass
class InFlight:
    """A signed transaction the keeper has sent (or is about to) and not yet seen mined.
    Every replacement has the same nonce; `hashes` lists all of them, newest last."""

    action: Action
    nonce: int
    raw: str  # hex of the newest signed transaction
    hashes: list[str]
    max_fee_wei: int
    priority_fee_wei: int
    gas: int
    detected_at: float  # clock() when the keeper first saw the action due
    sent_at: float  # clock() of the newest broadcast
    bumps: int = 0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["action"] = asdict(self.action)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InFlight:
        return cls(**{**data, "action": Action(**data["action"])})


@dataclass(frozen=True)
class Outcome:
    """What one tick did for one token. `status`: mined, reverted, noop, failed, dry_run,
    backing_off, pending (still unmined when the tick ended), replaced (its nonce was taken)."""

    symbol: str
    action: Action | None
    status: Status
    tx_hash: str | None = None
    detail: str = ""
    latency_seconds: float | None = None  # detection to mined (wall clock)
    receipt: Any = None


@dataclass
class _Backoff:
    failures: int = 0
    until: int = 0  # chain time


# Every alert kind, with what the operator does about it (docs/operations.md, "Alerts", says more).
ALERTS: dict[str, str] = {
    "rpc_unavailable": "the node does not answer: check the RPC endpoint; the keeper retries every tick",
    "unreadable_token": "the lens cannot read this token: check the token and its venue contracts",
    "stale_oracle": "no action is possible: check the oracle's updater; anyone may ripcord once it is fresh",
    "oracle_aging": "the oracle answer is close to max_price_age: check the updater before it goes stale",
    "leverage_near_ripcord": "leverage approaches the ripcord level: confirm the keeper's rebalances land",
    "nav_mismatch": "the lens NAV differs from the reference model: pause the token (runbook) and investigate",
    "venue_margin_low": "the fund's venue equity nears maintenance margin: rebalance now; pause if it persists",
    "venue_withdrawable_zero": "the venue lets the fund withdraw nothing: redeems fail; pause and contact the venue",
    "low_balance": "top up the keeper's gas money",
    "out_of_gas_money": "the keeper cannot pay for gas: top up its address now",
    "stuck_transaction": "a transaction stays unmined at the fee cap: raise max_fee_cap_wei or clear the nonce",
    "fee_collateral_low": "the keeper cannot front a round's execution fee: send its address the token's collateral",
}


class Journal(Interface):
    """Where a keeper keeps what survives it: the transactions in flight, each token's back-off and
    the open alerts."""

    def load(self) -> dict[str, Any]: ...

    def save(self, data: dict[str, Any]) -> None: ...


class FileJournal:
    """A JSON file, replaced atomically: a crash leaves the old or the new journal."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def load(self) -> dict[str, Any]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def save(self, data: dict[str, Any]) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=1))
        temporary.replace(self.path)


class RedisJournal:
    """One Redis string per signing key, shared by every worker that signs with the key."""

    def __init__(self, client: Any, key: str):
        self.client = client
        self.key = key

    def load(self) -> dict[str, Any]:
        raw = self.client.get(self.key)
        return json.loads(raw) if raw else {}

    def save(self, data: dict[str, Any]) -> None:
        self.client.set(self.key, json.dumps(data))


def shard(symbols: list[str], shards: int, index: int) -> list[str]:
    """The tokens shard `index` of `shards` keeps: every shards-th symbol in sorted order, so every
    worker that knows the same symbols computes the same split."""
    if not 0 <= index < shards:
        raise ValueError(f"shard {index} of {shards}")
    return sorted(symbols)[index::shards]


class RedisCoordination:
    """What the keepers of one signing key share across worker processes, in Redis under
    `lt:keeper:<chain id>:<address>:*`: the writer lock (one tick at a time per key, so one
    transaction per due action), the nonce counter and the journal."""

    def __init__(self, client: Any, chain_id: int, address: str, lock_seconds: float = 600.0):
        self.client = client
        self.prefix = f"lt:keeper:{chain_id}:{address.lower()}"
        self.lock_seconds = lock_seconds  # a worker that dies holding the lock frees it after this

    @classmethod
    def from_url(cls, url: str, chain_id: int, address: str) -> RedisCoordination:
        import redis  # the keeper extra: only scaled-out keepers need it

        return cls(redis.Redis.from_url(url), chain_id, address)

    def nonces(self) -> RedisNonces:
        return RedisNonces(self.client, f"{self.prefix}:nonce")

    def journal(self, deployment: str = "") -> RedisJournal:
        """The key's journal for one deployment (e.g. its lens address): a key that keeps two
        deployments shares their lock and nonces, not their in-flight entries."""
        return RedisJournal(self.client, f"{self.prefix}:journal:{deployment.lower()}")

    @contextmanager
    def writer(self) -> Iterator[bool]:
        """`with coordination.writer() as held:` True while this worker is the key's only writer;
        False (at once, no waiting) when another worker is."""
        lock = self.client.lock(f"{self.prefix}:writer", timeout=self.lock_seconds, blocking=False)
        held = lock.acquire()
        try:
            yield held
        finally:
            if held:
                lock.release()


class Metrics:
    """The keeper's Prometheus metrics, in a registry of their own."""

    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.actions = Counter("lt_keeper_actions", "Actions mined, by token and label", ["token", "label"], registry=r)
        self.failures = Counter(
            "lt_keeper_failures", "Failed actions, by token and kind", ["token", "kind"], registry=r
        )
        self.noops = Counter("lt_keeper_noops", "Actions dropped because the state moved", ["token"], registry=r)
        self.alerts = Counter("lt_keeper_alerts", "Alert incidents raised, by kind", ["kind"], registry=r)
        self.alert_active = Gauge(
            "lt_keeper_alert_active", "1 while an incident is open, by kind and token", ["kind", "token"], registry=r
        )
        self.ticks = Counter("lt_keeper_ticks", "Ticks completed", registry=r)
        self.heartbeat = Gauge(
            "lt_keeper_heartbeat_timestamp_seconds", "Wall clock (unix seconds) of the last completed tick", registry=r
        )
        self.chain_lag = Gauge(
            "lt_keeper_chain_lag_seconds", "Wall clock minus the latest block's time (idle chain: grows)", registry=r
        )
        self.leverage = Gauge("lt_keeper_leverage", "Leverage per token (multiple)", ["token"], registry=r)
        self.ripcord_headroom = Gauge(
            "lt_keeper_ripcord_headroom", "Ripcord level minus leverage (multiple)", ["token"], registry=r
        )
        self.nav = Gauge("lt_keeper_nav_assets", "NAV per token (collateral units, e.g. USDC)", ["token"], registry=r)
        self.nav_per_share = Gauge(
            "lt_keeper_nav_per_share_assets", "NAV per share (collateral units)", ["token"], registry=r
        )
        self.nav_deviation = Gauge(
            "lt_keeper_nav_model_deviation_assets",
            "Lens NAV minus the reference model's NAV (collateral base units)",
            ["token"],
            registry=r,
        )
        self.oracle_age = Gauge(
            "lt_keeper_oracle_age_seconds", "Age of the token's oracle answer", ["token"], registry=r
        )
        self.margin = Gauge(
            "lt_keeper_venue_margin_assets", "The fund's margin on its venue (collateral units)", ["token"], registry=r
        )
        self.withdrawable = Gauge(
            "lt_keeper_venue_withdrawable_assets",
            "Margin the fund may withdraw from its venue now (collateral units)",
            ["token"],
            registry=r,
        )
        self.balance = Gauge("lt_keeper_balance_wei", "The keeper's gas money (wei)", registry=r)
        self.last_action = Gauge(
            "lt_keeper_last_action_timestamp_seconds",
            "Wall clock (unix seconds) when the keeper last saw an action of its mined, by token and label",
            ["token", "label"],
            registry=r,
        )
        self.latency = Histogram(
            "lt_keeper_detection_to_mined_seconds",
            "Wall time from seeing an action due to seeing it mined",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 12, 30, 60, 120, 300, float("inf")),
            registry=r,
        )


class Keeper:
    """Reads, decides, simulates, sends and confirms; see the module docstring."""

    def __init__(
        self,
        protocol: Protocol,
        policy: Policy = Policy(),
        symbols: list[str] | None = None,
        journal_path: str | Path | None = None,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        logger: logging.Logger | None = None,
        dry_run_address: str | None = None,
        journal: Journal | None = None,
        nonces: RedisNonces | None = None,
        wall: Callable[[], float] = time.time,
    ):
        self.protocol = protocol
        self.w3: Web3 = protocol.w3
        self.policy = policy
        self.symbols = symbols or list(protocol.tokens)
        self.account = protocol.account  # None: dry run
        # who simulations run as: the signer, or in a dry run the keeper address to impersonate
        self.address = self.account.address if self.account else dry_run_address
        self.journal = journal or (FileJournal(journal_path) if journal_path else None)
        self.metrics = metrics or Metrics()
        self.clock = clock
        self.sleep = sleep
        self.wall = wall  # unix seconds: log stamps, the heartbeat and the idle-chain clock
        self.logger = logger or logging.getLogger("ltsdk.keeper")
        self.sender = Sender(self.w3, self.account, self.rpc, nonces)  # the nonce counter lives here
        self.chain_now = 0  # the time the latest tick evaluated at (see read_clock)
        self.block_overrides: dict[str, str] | None = None  # eth_call block fields when chain_now is ahead
        self._overrides_work = True  # until the node rejects them: then block time only
        self.detected_at: dict[str, float] = {}
        self.incidents: dict[tuple[str, str], float] = {}  # open alerts (kind, token) -> wall time raised
        self._seen: set[tuple[str, str]] = set()  # alerts whose condition held during this tick
        self._venues: dict[str, tuple[int, int]] = {}  # adapter -> (ASSET_SCALE, maintenance_margin_bps), per tick
        self._unchecked: set[str] = set()  # tokens whose venue cannot be checked (logged once)
        self._checked_at: float | None = None  # clock() of the last invariant checks
        self._invariant_alerts: set[tuple[str, str]] = set()  # what they raised
        self.in_flight: dict[str, InFlight] = {}
        self.backoff: dict[str, _Backoff] = {}  # per token, in chain time
        # symbol -> whether it is an asynchronous token: the manifest's kind, else asked of a token
        # whose lens row is not readable (read_kind)
        self.is_async: dict[str, bool] = {
            symbol: entry["kind"] == ASYNC_KIND
            for symbol, entry in protocol.manifest["tokens"].items()
            if symbol in self.symbols and "kind" in entry
        }
        self._round_contracts: dict[str, tuple[Any, Any, Any]] = {}  # symbol -> (token, collateral, venue)
        self.reload()

    @classmethod
    def from_manifest(
        cls,
        path_or_network: str | Path,
        rpc_url: str,
        account=None,
        policy: Policy = Policy(),
        rpc_timeout: float = 10.0,
        **options,
    ) -> Keeper:
        """A keeper on its own HTTP provider: explicit timeout, and no retries inside web3 (the
        keeper retries itself, so it knows what was sent)."""
        w3 = Web3(
            Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": rpc_timeout}, exception_retry_configuration=None)
        )
        return cls(Protocol(w3, load_manifest(path_or_network), account), policy, **options)

    # ------------------------------------------------------------ logging and metrics

    def log(self, event: str, level: int = logging.INFO, **fields) -> None:
        """One JSON line, stamped `ts` with the wall clock (UTC, ISO 8601)."""
        log_line(self.logger, self.wall(), event, level, **fields)

    def alert(self, kind: str, token: str = "", **fields) -> None:
        """The condition `kind` holds (for `token`) now. Logged and counted once per incident: when
        it starts; the end of the first tick without it logs `alert_cleared`."""
        key = (kind, token)
        self._seen.add(key)
        if key in self.incidents:
            return
        self.incidents[key] = self.wall()
        self.metrics.alerts.labels(kind).inc()
        self.metrics.alert_active.labels(kind, token).set(1)
        self.log("alert", logging.WARNING, kind=kind, token=token, hint=ALERTS[kind], **fields)

    def close_incidents(self) -> None:
        """Clear every open alert whose condition did not hold during this tick."""
        for key in [key for key in self.incidents if key not in self._seen]:
            raised = self.incidents.pop(key)
            self.metrics.alert_active.labels(*key).set(0)
            self.log("alert_cleared", kind=key[0], token=key[1], lasted_seconds=round(self.wall() - raised, 3))
        self.save_journal()

    def metrics_text(self) -> str:
        return generate_latest(self.metrics.registry).decode()

    def serve_metrics(self, port: int, addr: str = "127.0.0.1"):
        """Serve /metrics on `port` in a background thread."""
        return start_http_server(port, addr=addr, registry=self.metrics.registry)

    # ------------------------------------------------------------ the loop

    def run(self, ticks: int | None = None) -> None:
        """Tick every `poll_seconds` (forever, or `ticks` times). An RPC outage ends no loop;
        Ctrl-C (SIGINT, KeyboardInterrupt) ends it with a `shutdown` line."""
        done = 0
        try:
            while ticks is None or done < ticks:
                try:
                    self.tick()
                except RpcUnavailable as exc:
                    self.alert("rpc_unavailable", error=str(exc))
                done += 1
                if ticks is None or done < ticks:
                    self.sleep(self.policy.poll_seconds)
        except KeyboardInterrupt:
            self.log("shutdown", reason="interrupt", ticks=done, in_flight=sorted(self.in_flight))
            return
        self.log("shutdown", reason="ticks done", ticks=done, in_flight=sorted(self.in_flight))

    def tick(self) -> list[Outcome]:
        """One round: confirm what is in flight, read every token, simulate every due action
        against that same state, then send them all and wait (up to `confirm_timeout_seconds`).
        Simulating all before sending any keeps each simulation off a block still being mined."""
        self._seen = set()
        outcomes = self.resume() if self._resumed else []
        outcomes += self.confirm(wait=False)
        now = self.read_clock()
        round_symbols = [symbol for symbol in self.symbols if self.is_async.get(symbol)]
        lens_symbols = [symbol for symbol in self.symbols if not self.is_async.get(symbol)]
        states = self.rpc("get_states", lambda: self.read_states(lens_symbols)) if lens_symbols else {}
        for symbol, state in list(states.items()):
            if not state.ok and self.read_kind(symbol):  # no lens row: an asynchronous token
                del states[symbol]
                round_symbols.append(symbol)
        read_at = self.clock()
        self.check_balance()
        for state in states.values():
            self.observe(state, now)
        if self.policy.invariants:
            self.check_invariants(states)
        ready: list[tuple[Action, int, float]] = []

        def consider(symbol: str, action: Action | None) -> None:
            """Simulate the token's due action (unless it backs off), for sending with the others."""
            if action is None:
                self.detected_at.pop(symbol, None)
                return
            detected = self.detected_at.setdefault(symbol, read_at)
            backoff = self.backoff.get(symbol)
            if backoff and now < backoff.until:
                outcomes.append(Outcome(symbol, action, Status.BACKING_OFF, detail=f"{backoff.until - now:.0f}s left"))
                return
            simulated = self.simulate(action)
            if isinstance(simulated, Outcome):
                outcomes.append(simulated)
            else:
                ready.append((action, simulated, detected))

        for symbol, state in states.items():
            if symbol not in self.in_flight:  # never a second action while one is unconfirmed
                consider(symbol, decide(state, now, self.policy))
        for symbol in round_symbols:
            if symbol not in self.in_flight:
                consider(symbol, self.round_action(symbol))
        outcomes += [self.send(action, gas, detected) for action, gas, detected in ready]
        outcomes += self.confirm(wait=True)
        self.close_incidents()
        self.metrics.ticks.inc()
        self.metrics.heartbeat.set(self.wall())
        return [o for o in outcomes if o.status != Status.SENT]

    def reload(self) -> None:
        """Read the journal afresh: what is in flight (rebroadcast on the next tick) and each
        token's back-off. A worker sharing a journal calls this before each tick it writes."""
        self.in_flight, self.backoff, incidents = self._load_journal()
        if self.journal is not None:
            self.incidents = incidents  # open alerts too: another worker (or the last run) raised them
            for kind, token in incidents:
                self.metrics.alert_active.labels(kind, token).set(1)
        self._resumed = bool(self.in_flight)

    # ------------------------------------------------------------ reading at the right time

    def read_clock(self) -> int:
        """The time to evaluate at: the latest block's, or the wall clock once the block is older
        than `wall_clock_after_seconds` (`Policy.wall_clock`): an automine node mines only when sent
        something, so its latest block can be minutes old. Reads and simulations then carry that
        time as an eth_call block override; a node that rejects overrides gets block time only."""
        head = self.rpc("get_block", lambda: self.w3.eth.get_block("latest"))
        block_time, wall = int(head["timestamp"]), int(self.wall())
        self.metrics.chain_lag.set(wall - block_time)
        lag = wall - block_time
        idle = self.policy.wall_clock and self._overrides_work and lag > self.policy.wall_clock_after_seconds
        now = wall if idle else block_time
        self.block_overrides = {"time": hex(now), "number": hex(head["number"] + 1)} if idle else None
        self.chain_now = now
        return now

    def read_states(self, symbols: list[str] | None = None) -> dict[str, TokenState]:
        """The lens row of every token (or of `symbols`) at `chain_now`: one eth_call."""
        symbols = symbols or self.symbols
        if self.block_overrides is None:
            return self.protocol.states(symbols)
        addresses = [self.protocol.address_of(symbol) for symbol in symbols]
        function = self.protocol.lens.functions.get_states(addresses)
        names = [component["name"] for component in function.abi["outputs"][0]["components"]]
        rows = self.call(function)
        return {
            symbol: TokenState.from_row(symbol, dict(zip(names, row, strict=True)), self.protocol.asset_decimals)
            for symbol, row in zip(symbols, rows, strict=True)
        }

    # ------------------------------------------------------------ asynchronous tokens

    def read_kind(self, symbol: str) -> bool:
        """Whether `symbol` is an asynchronous token (it answers ERC-165 for ERC-7540's asynchronous
        deposit; the sync token has no supportsInterface), asked once."""
        if symbol not in self.is_async:
            token = self.protocol.node.contract(self.protocol.address_of(symbol), ASYNC_TOKEN_ABI)
            asks = token.functions.supportsInterface(ERC7540_DEPOSIT_ID)
            try:
                answer = bool(self.rpc("read_kind", asks.call))
            except (ContractLogicError, ContractCustomError):
                answer = False
            self.is_async[symbol] = answer
            self.log("token_kind", token=symbol, kind=ASYNC_KIND if answer else "sync")
        return self.is_async[symbol]

    def round_contracts(self, symbol: str) -> tuple[Any, Any, Any]:
        """An asynchronous token's web3 contracts: the token, its collateral and its venue."""
        if symbol not in self._round_contracts:
            node = self.protocol.node
            token = node.contract(self.protocol.address_of(symbol), ASYNC_TOKEN_ABI)
            collateral = self.rpc("asset", lambda: token.functions.asset().call())
            venue = self.rpc("venue", lambda: token.functions.venue().call())
            self._round_contracts[symbol] = (
                token,
                node.contract(Web3.to_checksum_address(collateral), COLLATERAL_ABI),
                node.contract(Web3.to_checksum_address(venue), ASYNC_VENUE_ABI),
            )
        return self._round_contracts[symbol]

    def round_action(self, symbol: str) -> Action | None:
        """The asynchronous token's round call due now, as its simulation says: settle() first
        (the round in flight), then ripcord() (leverage at the ripcord level), then close_round()
        (the open round); None when all revert with a reason that means nothing to do, or a call
        waits for a fresh price (alerted). A call that reverts for another reason is still
        returned: its simulation logs the failure and backs the token off. Before a ripcord or a
        close (or a settle that reverts, e.g. placing a payout), an allowance below the venue's
        execution fee makes the action the collateral's approval."""
        token, collateral, venue = self.round_contracts(symbol)
        idle_without_role = {MISSING_ROLE} if not self.policy.is_keeper else set()
        for kind, function in (
            (ActionKind.SETTLE, token.functions.settle()),
            (ActionKind.RIPCORD, token.functions.ripcord()),
            (ActionKind.CLOSE_ROUND, token.functions.close_round()),
        ):
            reason = self._probe(function)
            if reason == "lt: stale price":
                self.alert("stale_oracle", token=symbol, call=kind)
                return None
            idle = ROUND_IDLE_REVERTS[kind] | (idle_without_role if kind == ActionKind.CLOSE_ROUND else set())
            if reason is None or reason not in idle:
                break
        else:
            return None
        if self.address is not None and (kind in FEE_FRONTING or reason is not None):
            fee = self.call(venue.functions.min_execution_fee())
            if self.call(collateral.functions.allowance(self.address, token.address)) < fee:
                return Action(ActionKind.APPROVE, symbol, collateral=collateral.address)
            balance = self.call(collateral.functions.balanceOf(self.address))
            if balance < fee:
                self.alert("fee_collateral_low", token=symbol, balance=balance, execution_fee=fee)
        return Action(kind, symbol)

    def _probe(self, function) -> str | None:
        """eth_call `function` as the keeper at `chain_now`: None if it would succeed, else its
        revert reason ("" without one)."""
        try:
            self.rpc("probe", lambda: self.call(function, self.address))
        except (ContractLogicError, ContractCustomError) as exc:
            return revert_reason(exc) or ""
        return None

    def log_round_events(self, symbol: str, receipt: Any) -> None:
        """One line per round event a mined close_round or settle emitted (round_closed, ...)."""
        token = self.round_contracts(symbol)[0]
        for name in ROUND_EVENTS:
            for event in getattr(token.events, name)().process_receipt(receipt, errors=DISCARD):
                snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
                self.log(snake, token=symbol, tx=_hex(receipt["transactionHash"]), **dict(event["args"]))

    def call(self, function, sender: str | None = None, at: tuple[str, dict[str, str]] | None = None) -> Any:
        """eth_call `function` at `chain_now` (with block overrides when it is ahead of the chain:
        on `at`, a head read by `_overrides_after_head`, or on one read now); a revert raises
        ContractLogicError, as web3 does."""
        if self.block_overrides is None:
            return function.call({"from": sender} if sender else {})
        result = self._request("eth_call", self._call_fields(function, sender), at)
        values = self.w3.codec.decode(get_abi_output_types(function.abi), bytes.fromhex(result.removeprefix("0x")))
        return values[0] if len(values) == 1 else values

    def estimate_gas(self, function, sender: str, at: tuple[str, dict[str, str]] | None = None) -> int:
        if self.block_overrides is None:
            return function.estimate_gas({"from": sender}, "latest")
        return int(self._request("eth_estimateGas", self._call_fields(function, sender), at), 16)

    def _overrides_after_head(self) -> tuple[str, dict[str, str]]:
        """The block to call on and its overrides: the latest block as it is now, and a time after
        it. Another keeper's transactions may have been mined since `read_clock`, stamped after
        `chain_now`; a call stamped before its parent block runs the contracts' clocks backwards
        (the venue's funding clock underflows: "reverted without a reason"), so the time is at
        least the parent's + 1, and the call names that parent by number: "latest" could be a block
        mined between this read and the call, stamped later still."""
        assert self.block_overrides is not None
        head = self.rpc("get_block", lambda: self.w3.eth.get_block("latest"))
        stamped = max(int(self.block_overrides["time"], 16), int(head["timestamp"]) + 1)
        number = max(int(self.block_overrides["number"], 16), int(head["number"]) + 1)
        return hex(head["number"]), {"time": hex(stamped), "number": hex(number)}

    def _call_fields(self, function, sender: str | None) -> dict[str, str]:
        fields = {"to": function.address, "data": function._encode_transaction_data()}
        return {**fields, "from": sender} if sender else fields

    def _request(self, method: str, fields: dict[str, str], at: tuple[str, dict[str, str]] | None = None) -> Any:
        response = None
        if self._overrides_work:
            parent, overrides = at or self._overrides_after_head()
            params: list[Any] = [fields, parent, {}, overrides]
            response = self.w3.provider.make_request(RPCEndpoint(method), params)
            error = response.get("error")
            if isinstance(error, dict) and error.get("code") in (-32601, -32602):  # the node takes no overrides
                self._overrides_work = False
                self.log("block_overrides_unsupported", logging.WARNING, method=method, error=error.get("message"))
        if response is None or not self._overrides_work:
            response = self.w3.provider.make_request(RPCEndpoint(method), [fields, "latest"])
        if "error" in response:
            error = response["error"]
            message = error.get("message", "") if isinstance(error, dict) else str(error)
            raise ContractLogicError(message, data=error.get("data") if isinstance(error, dict) else None)
        return response.get("result")

    def resume(self) -> list[Outcome]:
        """After a restart: rebroadcast each journaled transaction (the same signed bytes, so at
        most one of them can ever be mined); drop one whose nonce another transaction took."""
        self._resumed = False
        self.log("resumed", in_flight={s: f.hashes[-1] for s, f in self.in_flight.items()})
        outcomes = []
        for symbol, flight in list(self.in_flight.items()):
            try:
                self.rpc("send_raw_transaction", lambda flight=flight: self._send_raw(flight))
            except _NonceTaken:
                del self.in_flight[symbol]
                self.save_journal()
                outcomes.append(
                    Outcome(
                        symbol, flight.action, Status.REPLACED, flight.hashes[-1], "nonce used by another transaction"
                    )
                )
        return outcomes

    def observe(self, state: TokenState, now: int) -> None:
        """The gauges of one lens row, and the alerts the row alone can raise."""
        symbol = state.symbol
        if not state.ok:
            self.alert("unreadable_token", token=symbol)
            return
        age = now - state.oracle_updated_at
        self.metrics.oracle_age.labels(symbol).set(age)
        self.metrics.nav.labels(symbol).set(float(state.nav_usd))
        self.metrics.nav_per_share.labels(symbol).set(float(state.nav_per_share_usd))
        self.metrics.margin.labels(symbol).set(float(state.assets(state.margin)))
        if state.leverage_x is not None and state.size != 0:
            self.metrics.leverage.labels(symbol).set(float(state.leverage_x))
            self.metrics.ripcord_headroom.labels(symbol).set(float((state.ripcord_leverage - state.leverage) / WAD))
        if state.supply == 0 or state.is_shutdown:
            return
        if not state.oracle_fresh:
            self.alert("stale_oracle", token=symbol, oracle_updated_at=state.oracle_updated_at, now=now)
        elif age * BPS >= state.max_price_age * self.policy.oracle_age_warn_bps:
            self.alert("oracle_aging", token=symbol, age_seconds=age, max_price_age=state.max_price_age)
        if state.size != 0 and state.leverage * BPS >= state.ripcord_leverage * self.policy.ripcord_warn_bps:
            self.alert(
                "leverage_near_ripcord",
                token=symbol,
                leverage=str(state.leverage_x),
                ripcord=str(Decimal(state.ripcord_leverage) / WAD),
            )

    def check_invariants(self, states: dict[str, TokenState]) -> None:
        """For every funded token: the lens NAV against the reference model (idle collateral +
        margin + unrealised PnL - funding owed, ltsdk.math over the venue's raw account), the
        venue equity against its maintenance margin, and what the fund may withdraw."""
        if self._checked_at is not None and self.clock() - self._checked_at < self.policy.invariant_interval_seconds:
            self._seen |= self._invariant_alerts  # not checked this tick: what the last check found holds
            return
        self._checked_at = self.clock()
        seen_before = set(self._seen)
        self._venues = {}
        markets = self.protocol.manifest.get("markets", {})
        for symbol, state in states.items():
            market = markets.get(self.protocol.manifest["tokens"][symbol].get("market", ""))
            if market is None or not state.ok or state.supply == 0 or state.is_shutdown:
                continue
            venue = self.protocol.node.contract(Web3.to_checksum_address(market["adapter"]), "MockPerpAdapter")
            token = self.protocol.address_of(symbol)
            try:
                self.rpc("check_invariants", lambda v=venue, t=token, s=state: self._check(v, t, s))
            except RpcUnavailable:
                raise
            except Exception as exc:  # a venue without the mock's views: the checks cannot run, the keeper can
                if symbol not in self._unchecked:
                    self._unchecked.add(symbol)
                    self.log("invariants_skipped", logging.WARNING, token=symbol, error=f"{type(exc).__name__}: {exc}")
        self._invariant_alerts = self._seen - seen_before

    def _check(self, venue, token: str, state: TokenState) -> None:
        symbol = state.symbol
        if venue.address not in self._venues:
            self._venues[venue.address] = (
                self.call(venue.functions.ASSET_SCALE()),
                self.call(venue.functions.maintenance_margin_bps()),
            )
        scale, maintenance_bps = self._venues[venue.address]
        account = math.Account(
            margin=state.margin, size=state.size, open_notional=self.call(venue.functions.open_notional(token))
        )
        equity = (
            state.margin
            + math.unrealized_pnl(account, state.price, scale)
            - self.call(venue.functions.funding_owed(token))
        )
        model_nav = max(state.idle_assets + equity, 0)
        deviation = state.nav - model_nav
        self.metrics.nav_deviation.labels(symbol).set(deviation)
        if abs(deviation) > self.policy.nav_tolerance_assets:
            self.alert("nav_mismatch", token=symbol, nav=state.nav, model_nav=model_nav, deviation=deviation)
        withdrawable = self.call(venue.functions.max_withdrawable(token))
        self.metrics.withdrawable.labels(symbol).set(float(state.assets(withdrawable)))
        if state.size == 0:
            return
        maintenance = abs(state.size) * state.price // WAD // scale * maintenance_bps // BPS
        if equity < self.policy.margin_warn_multiple * maintenance:
            self.alert("venue_margin_low", token=symbol, equity=equity, maintenance_margin=maintenance)
        if withdrawable == 0 and state.oracle_fresh:
            self.alert("venue_withdrawable_zero", token=symbol, margin=state.margin)

    def check_balance(self) -> None:
        account = self.account
        if account is None:
            return
        balance = self.rpc("get_balance", lambda: self.w3.eth.get_balance(account.address))
        self.metrics.balance.set(balance)
        if balance < self.policy.min_balance_wei:
            self.alert("low_balance", balance_wei=balance, min_balance_wei=self.policy.min_balance_wei)

    # ------------------------------------------------------------ acting

    def execute(self, action: Action, detected_at: float) -> Outcome:
        """Simulate `action`, then sign and broadcast it (or log it, in a dry run)."""
        simulated = self.simulate(action)
        return simulated if isinstance(simulated, Outcome) else self.send(action, simulated, detected_at)

    def simulate(self, action: Action) -> int | Outcome:
        """eth_call then estimate `action` as the keeper: the gas limit to send with, or the
        outcome that ends it here (a no-op, a failure, a dry run)."""
        function = action.function(self.protocol.token(action.symbol).contract)
        sender = self.address
        if sender is None:  # a dry run with nobody to simulate as
            self.log("dry_run", token=action.symbol, action=action.kind, label=action.label, simulated=False)
            return Outcome(action.symbol, action, Status.DRY_RUN, detail="not simulated")
        try:  # a revert without a reason is simulated once more (anvil's mining race: ltsdk.calls)
            gas = once_more_if_reasonless(
                lambda: self._simulate_gas(function, sender),
                lambda first: self.log("simulation_repeated", token=action.symbol, action=action.kind),
            )
        except (ContractLogicError, ContractCustomError) as exc:
            return self.refused(action, revert_reason(exc))
        if self.account is None:
            self.log("dry_run", token=action.symbol, action=action.kind, label=action.label, simulated=True)
            return Outcome(action.symbol, action, Status.DRY_RUN)
        return gas

    def _simulate_gas(self, function, sender: str) -> int:
        """eth_call then estimate `function` as `sender`: the gas limit to send with. With block
        overrides, both run on one head, read once for the pair."""
        at = self._overrides_after_head() if self.block_overrides is not None and self._overrides_work else None
        self.rpc("simulate", lambda: self.call(function, sender, at))
        return gas_limit(self.rpc("estimate_gas", lambda: self.estimate_gas(function, sender, at)))

    def send(self, action: Action, gas: int, detected_at: float) -> Outcome:
        """Sign `action` with the next nonce and EIP-1559 fees, journal it and broadcast it."""
        base_fee = self.rpc("get_block", lambda: self.w3.eth.get_block("latest")).get("baseFeePerGas", 0)
        priority = self.policy.priority_fee_wei
        max_fee = min(2 * base_fee + priority, self.policy.max_fee_cap_wei)
        nonce = self.sender.next_nonce()
        function = action.function(self.protocol.token(action.symbol).contract)
        signed = self.sender.sign(function.build_transaction(self._tx_fields(nonce, gas, max_fee, priority)))
        flight = InFlight(
            action=action,
            nonce=nonce,
            raw=_hex(signed.raw_transaction),
            hashes=[_hex(signed.hash)],
            max_fee_wei=max_fee,
            priority_fee_wei=priority,
            gas=gas,
            detected_at=detected_at,
            sent_at=self.clock(),
        )
        return self.broadcast(flight)

    def refused(self, action: Action, reason: str | None) -> Outcome:
        """The simulation reverted: a no-op if the state moved on, else a failure with back-off."""
        if isinstance(errors.from_revert(reason), NO_OP_ERRORS) or reason in ROUND_IDLE_REVERTS.get(action.kind, ()):
            self.metrics.noops.labels(action.symbol).inc()
            self.log("noop", token=action.symbol, action=action.kind, reason=reason)
            self.detected_at.pop(action.symbol, None)
            return Outcome(action.symbol, action, Status.NOOP, detail=reason or "")
        return self.failed(action, "simulation", reason or "reverted without a reason")

    def failed(self, action: Action, kind: str, detail: str) -> Outcome:
        backoff = self.backoff.setdefault(action.symbol, _Backoff())
        delay = min(self.policy.failure_backoff_seconds * 2**backoff.failures, self.policy.max_failure_backoff_seconds)
        backoff.failures += 1
        backoff.until = self.chain_now + int(delay)
        self.save_journal()
        self.metrics.failures.labels(action.symbol, kind).inc()
        self.log(
            "failed",
            logging.WARNING,
            token=action.symbol,
            action=action.kind,
            kind=kind,
            detail=detail,
            backoff_seconds=delay,
        )
        return Outcome(action.symbol, action, Status.FAILED, detail=f"{kind}: {detail}")

    def broadcast(self, flight: InFlight) -> Outcome:
        """Journal, then send the newest signed bytes. Resending identical bytes is harmless, so an
        RPC error that may or may not have delivered them is simply retried."""
        symbol = flight.action.symbol
        self.in_flight[symbol] = flight
        self.save_journal()
        try:
            self.rpc("send_raw_transaction", lambda: self._send_raw(flight))
        except _NonceTaken:
            # our nonce was used by another transaction from this account: resync and re-sign
            del self.in_flight[symbol]
            self.save_journal()
            self.sender.resync()
            self.log("nonce_resync", token=symbol, nonce=flight.nonce)
            return self.execute(flight.action, flight.detected_at)
        except _InsufficientFunds as exc:
            del self.in_flight[symbol]
            self.save_journal()
            self.sender.resync()
            self.alert("out_of_gas_money", token=symbol, error=str(exc))
            return self.failed(flight.action, "funds", str(exc))
        self.log(
            "sent",
            token=symbol,
            action=flight.action.kind,
            label=flight.action.label,
            tx=flight.hashes[-1],
            nonce=flight.nonce,
        )
        return Outcome(symbol, flight.action, Status.SENT, tx_hash=flight.hashes[-1])

    def _send_raw(self, flight: InFlight) -> None:
        try:
            self.w3.eth.send_raw_transaction(bytes.fromhex(flight.raw.removeprefix("0x")))
        except (Web3RPCError, ValueError) as exc:
            message = str(exc).lower()
            if "already known" in message or "already imported" in message or "known transaction" in message:
                return  # an earlier attempt got through
            if "nonce too low" in message:
                if self._mined_receipt(flight) is not None or self._in_pool(flight):
                    return  # our own earlier attempt got through, and may be mined already
                raise _NonceTaken(message) from None
            if "insufficient funds" in message:
                raise _InsufficientFunds(message) from None
            raise

    # ------------------------------------------------------------ confirming

    def confirm(self, wait: bool) -> list[Outcome]:
        """Settle what is in flight: mined (success or revert), replaced when stuck, or left
        pending. With `wait`, poll until nothing is in flight or `confirm_timeout_seconds`."""
        outcomes: list[Outcome] = []
        deadline = self.clock() + (self.policy.confirm_timeout_seconds if wait else 0)
        while self.in_flight:
            for symbol, flight in list(self.in_flight.items()):
                outcome = self._settle(flight)
                if outcome is not None:
                    del self.in_flight[symbol]
                    self.save_journal()
                    outcomes.append(outcome)
            if not self.in_flight or self.clock() >= deadline:
                break
            self.sleep(min(self.policy.receipt_poll_seconds, self.policy.stuck_after_seconds))
        if not wait:
            return outcomes
        return outcomes + [
            Outcome(s, f.action, Status.PENDING, tx_hash=f.hashes[-1]) for s, f in self.in_flight.items()
        ]

    def _settle(self, flight: InFlight) -> Outcome | None:
        symbol, action = flight.action.symbol, flight.action
        receipt = self.rpc("get_receipt", lambda: self._mined_receipt(flight))
        if receipt is not None:
            self.detected_at.pop(symbol, None)
            latency = self.clock() - flight.detected_at
            tx_hash = _hex(receipt["transactionHash"])
            if receipt["status"] != 1:
                outcome = self.failed(action, "reverted", f"transaction {tx_hash} reverted on chain")
                return Outcome(symbol, action, Status.REVERTED, tx_hash, outcome.detail, latency, receipt)
            self.backoff.pop(symbol, None)  # saved with the in-flight entry's removal
            self.metrics.actions.labels(symbol, action.label).inc()
            self.metrics.last_action.labels(symbol, action.label).set(self.wall())
            self.metrics.latency.observe(latency)
            self.log(
                "mined",
                token=symbol,
                label=action.label,
                tx=tx_hash,
                block=receipt["blockNumber"],
                latency_seconds=round(latency, 4),
            )
            if self.is_async.get(symbol) and action.kind in (*FEE_FRONTING, ActionKind.SETTLE):
                self.log_round_events(symbol, receipt)
            return Outcome(symbol, action, Status.MINED, tx_hash, latency_seconds=latency, receipt=receipt)
        if self.clock() - flight.sent_at < self.policy.stuck_after_seconds:
            return None
        mined_nonce = self.sender.node_nonce("latest")
        if mined_nonce > flight.nonce:
            # the nonce was mined in a transaction we never saw (sent elsewhere with this key)
            self.sender.resync()
            self.detected_at.pop(symbol, None)
            self.log("replaced_elsewhere", logging.WARNING, token=symbol, nonce=flight.nonce)
            return Outcome(symbol, action, Status.REPLACED, flight.hashes[-1], "nonce used by another transaction")
        pending_nonce = self.sender.node_nonce("pending")
        if pending_nonce < flight.nonce:
            # a gap: nonces below ours will never arrive, so ours waits forever. Fill them with empty
            # self-transfers; re-signing the action at a lower nonce could later execute it twice.
            self.fill_nonce_gap(pending_nonce, flight.nonce, flight.max_fee_wei, flight.priority_fee_wei)
            flight.sent_at = self.clock()
            return None
        if flight.bumps >= self.policy.max_fee_bumps:
            self.alert("stuck_transaction", token=symbol, tx=flight.hashes[-1], bumps=flight.bumps)
            return None
        self._bump(flight)
        return None

    def _bump(self, flight: InFlight) -> None:
        """Replace the stuck transaction: same nonce, fees up by `fee_bump_bps`."""
        factor = BPS + self.policy.fee_bump_bps
        flight.priority_fee_wei = flight.priority_fee_wei * factor // BPS + 1
        flight.max_fee_wei = min(flight.max_fee_wei * factor // BPS + 1, self.policy.max_fee_cap_wei)
        flight.max_fee_wei = max(flight.max_fee_wei, flight.priority_fee_wei)
        function = flight.action.function(self.protocol.token(flight.action.symbol).contract)
        fields = self._tx_fields(flight.nonce, flight.gas, flight.max_fee_wei, flight.priority_fee_wei)
        signed = self.sender.sign(function.build_transaction(fields))
        flight.raw = _hex(signed.raw_transaction)
        flight.hashes.append(_hex(signed.hash))
        flight.bumps += 1
        flight.sent_at = self.clock()
        self.metrics.failures.labels(flight.action.symbol, "stuck").inc()
        self.log(
            "fee_bump",
            token=flight.action.symbol,
            nonce=flight.nonce,
            tx=flight.hashes[-1],
            max_fee_wei=flight.max_fee_wei,
        )
        self.save_journal()
        self.rpc("send_raw_transaction", lambda: self._send_raw(flight))

    def _mined_receipt(self, flight: InFlight):
        for tx_hash in flight.hashes:
            try:
                return self.w3.eth.get_transaction_receipt(HexStr(tx_hash))
            except TransactionNotFound:
                continue
        return None

    def _in_pool(self, flight: InFlight) -> bool:
        try:
            self.w3.eth.get_transaction(HexStr(flight.hashes[-1]))
            return True
        except TransactionNotFound:
            return False

    def fill_nonce_gap(self, first: int, end: int, max_fee_wei: int, priority_fee_wei: int) -> None:
        """Send a 0-value transfer to ourselves at each nonce in [first, end)."""
        self.log("nonce_gap", logging.WARNING, first=first, end=end)
        for nonce in range(first, end):
            transfer = {"to": self.address, "value": 0, **self._tx_fields(nonce, 21_000, max_fee_wei, priority_fee_wei)}
            self.sender.broadcast(self.sender.sign(transfer).raw_transaction)

    def _tx_fields(self, nonce: int, gas: int, max_fee_wei: int, priority_fee_wei: int) -> dict:
        """The fields every keeper transaction carries: sender, nonce, gas and EIP-1559 fees."""
        return {
            "from": self.address,
            "nonce": nonce,
            "gas": gas,
            "maxFeePerGas": max_fee_wei,
            "maxPriorityFeePerGas": priority_fee_wei,
            "chainId": self.sender.chain_id,
        }

    # ------------------------------------------------------------ RPC, journal

    def rpc(self, what: str, call: Callable[[], Any]) -> Any:
        """`call()` retried with exponential backoff on connection errors, timeouts and HTTP 5xx.
        Contract reverts and JSON-RPC errors are not transport faults and pass through."""
        error: Exception | None = None
        for attempt in range(self.policy.rpc_retries + 1):
            try:
                return call()
            except (requests.ConnectionError, requests.Timeout) as exc:
                error = exc
            except requests.HTTPError as exc:
                if exc.response is None or exc.response.status_code < 500:
                    raise
                error = exc
            if attempt == self.policy.rpc_retries:
                break
            delay = self.policy.rpc_backoff_seconds * 2**attempt
            self.log(
                "rpc_retry",
                logging.WARNING,
                call=what,
                attempt=attempt + 1,
                delay_seconds=delay,
                error=type(error).__name__,
            )
            self.sleep(delay)
        raise RpcUnavailable(f"{what}: {error}")

    def _load_journal(self) -> tuple[dict[str, InFlight], dict[str, _Backoff], dict[tuple[str, str], float]]:
        if self.journal is None:
            return {}, {}, {}
        data = self.journal.load()
        now = self.clock()
        flights = {}
        for symbol, entry in data.get("in_flight", {}).items():
            flight = InFlight.from_json(entry)
            # clock values do not survive a restart (or another worker): count the waits from now
            flight.detected_at = flight.sent_at = now
            flights[symbol] = flight
        backoff = {symbol: _Backoff(*entry) for symbol, entry in data.get("backoff", {}).items()}
        incidents = {(kind, token): raised for kind, token, raised in data.get("incidents", [])}
        return flights, backoff, incidents

    def save_journal(self) -> None:
        """Write what is in flight, the back-offs and the open alerts to the journal (if any)."""
        if self.journal is None:
            return
        self.journal.save(
            {
                "in_flight": {symbol: flight.to_json() for symbol, flight in self.in_flight.items()},
                "backoff": {symbol: [b.failures, b.until] for symbol, b in self.backoff.items()},
                "incidents": [[kind, token, raised] for (kind, token), raised in self.incidents.items()],
            }
        )


class _NonceTaken(Exception):
    pass


class _InsufficientFunds(Exception):
    pass


def _hex(value) -> str:
    text = value.hex() if isinstance(value, bytes | bytearray) else str(value)
    return text if text.startswith("0x") else "0x" + text


@dataclass
class Summary:
    """Counts over many ticks (for scripts and the demo)."""

    outcomes: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)

    def add(self, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            status = str(outcome.status)  # a plain string key, so the counts print as before
            self.outcomes[status] = self.outcomes.get(status, 0) + 1
            if outcome.latency_seconds is not None and outcome.status == Status.MINED:
                self.latencies.append(outcome.latency_seconds)
