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
object; its metrics are Prometheus text (`metrics_text()`, or `serve_metrics(port)`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests
from eth_typing import HexStr
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, start_http_server
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, TransactionNotFound, Web3RPCError

from ltsdk import errors
from ltsdk.calls import revert_reason
from ltsdk.client import Protocol
from ltsdk.codes import ActionKind, Reason, Status, reason_name
from ltsdk.errors import RpcUnavailable
from ltsdk.manifest import load as load_manifest
from ltsdk.sender import Sender, gas_limit
from ltsdk.types import TokenState
from ltsdk.units import BPS, GWEI

# reverts that mean "someone else already did it, or it is not time yet": not a failure
NO_OP_ERRORS = (errors.NotNeeded, errors.Cooldown)

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


@dataclass(frozen=True)
class Action:
    """One call on one token. `kind`: rebalance, ripcord, split or flag."""

    kind: ActionKind
    symbol: str
    reason: int = Reason.NONE  # the rebalance status that triggered it
    factor: int = 0  # split factor
    is_reverse: bool = False

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
        if self.kind == ActionKind.SPLIT:
            return (contract.functions.reverse_split if self.is_reverse else contract.functions.split)(self.factor)
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
    the keeper must not guess), on a shut-down or empty fund. A ripcord-level fund is de-levered
    first: by `rebalance` with the keeper role (no reward leaves the fund, no cooldown), otherwise
    by the permissionless `ripcord`. Other rebalances wait for the TWAP cooldown. Without the role
    the keeper may only flag a band breach, then rebalance it once the grace has passed, and take
    pending chunks one grace after the last one. A due split comes after any due rebalance.
    """
    if not state.ok or state.is_shutdown or not state.oracle_fresh or state.supply == 0:
        return None
    status = state.status
    if status == Reason.RIPCORD:
        return Action(ActionKind.REBALANCE if policy.is_keeper else ActionKind.RIPCORD, state.symbol, status)
    cooled = now >= state.last_rebalance_time + state.twap_cooldown
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
        self.alerts = Counter("lt_keeper_alerts", "Alerts raised, by kind", ["kind"], registry=r)
        self.leverage = Gauge("lt_keeper_leverage", "Leverage per token (multiple)", ["token"], registry=r)
        self.balance = Gauge("lt_keeper_balance_wei", "The keeper's gas money (wei)", registry=r)
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
    ):
        self.protocol = protocol
        self.w3: Web3 = protocol.w3
        self.policy = policy
        self.symbols = symbols or list(protocol.tokens)
        self.account = protocol.account  # None: dry run
        # who simulations run as: the signer, or in a dry run the keeper address to impersonate
        self.address = self.account.address if self.account else dry_run_address
        self.journal_path = Path(journal_path) if journal_path else None
        self.metrics = metrics or Metrics()
        self.clock = clock
        self.sleep = sleep
        self.logger = logger or logging.getLogger("ltsdk.keeper")
        self.sender = Sender(self.w3, self.account, self.rpc)  # the nonce counter lives here
        self.backoff: dict[str, _Backoff] = {}  # per token, in chain time (block timestamps)
        self.chain_now = 0  # the block time of the latest lens read
        self.detected_at: dict[str, float] = {}
        self.in_flight: dict[str, InFlight] = self._load_journal()
        self._resumed = bool(self.in_flight)  # rebroadcast the journal's transactions on the first tick

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
        self.logger.log(level, json.dumps({"event": event, **fields}, default=str, sort_keys=True))

    def alert(self, kind: str, **fields) -> None:
        self.metrics.alerts.labels(kind).inc()
        self.log("alert", logging.WARNING, kind=kind, **fields)

    def metrics_text(self) -> str:
        return generate_latest(self.metrics.registry).decode()

    def serve_metrics(self, port: int, addr: str = "127.0.0.1"):
        """Serve /metrics on `port` in a background thread."""
        return start_http_server(port, addr=addr, registry=self.metrics.registry)

    # ------------------------------------------------------------ the loop

    def run(self, ticks: int | None = None) -> None:
        """Tick every `poll_seconds` (forever, or `ticks` times). An RPC outage ends no loop."""
        done = 0
        while ticks is None or done < ticks:
            try:
                self.tick()
            except RpcUnavailable as exc:
                self.alert("rpc_unavailable", error=str(exc))
            done += 1
            if ticks is None or done < ticks:
                self.sleep(self.policy.poll_seconds)

    def tick(self) -> list[Outcome]:
        """One round: confirm what is in flight, read every token, simulate every due action
        against that same state, then send them all and wait (up to `confirm_timeout_seconds`).
        Simulating all before sending any keeps each simulation off a block still being mined."""
        outcomes = self.resume() if self._resumed else []
        outcomes += self.confirm(wait=False)
        states = self.rpc("get_states", lambda: self.protocol.states(self.symbols))
        now = self.chain_now = max(state.timestamp for state in states.values())
        read_at = self.clock()
        self.check_balance()
        ready: list[tuple[Action, int, float]] = []
        for symbol, state in states.items():
            self.observe(state)
            if symbol in self.in_flight:
                continue  # never a second action while one is unconfirmed
            action = decide(state, now, self.policy)
            if action is None:
                self.detected_at.pop(symbol, None)
                continue
            detected = self.detected_at.setdefault(symbol, read_at)
            backoff = self.backoff.get(symbol)
            if backoff and now < backoff.until:
                outcomes.append(Outcome(symbol, action, Status.BACKING_OFF, detail=f"{backoff.until - now:.0f}s left"))
                continue
            simulated = self.simulate(action)
            if isinstance(simulated, Outcome):
                outcomes.append(simulated)
            else:
                ready.append((action, simulated, detected))
        outcomes += [self.send(action, gas, detected) for action, gas, detected in ready]
        outcomes += self.confirm(wait=True)
        return [o for o in outcomes if o.status != Status.SENT]

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
                self._save_journal()
                outcomes.append(
                    Outcome(
                        symbol, flight.action, Status.REPLACED, flight.hashes[-1], "nonce used by another transaction"
                    )
                )
        return outcomes

    def observe(self, state: TokenState) -> None:
        """Leverage gauge, and the alerts a row can raise."""
        if not state.ok:
            self.alert("unreadable_token", token=state.symbol)
            return
        if state.leverage_x is not None and state.size != 0:
            self.metrics.leverage.labels(state.symbol).set(float(state.leverage_x))
        if not state.oracle_fresh and state.supply > 0 and not state.is_shutdown:
            self.alert(
                "stale_oracle", token=state.symbol, oracle_updated_at=state.oracle_updated_at, now=state.timestamp
            )

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
        try:
            self.rpc("simulate", lambda: function.call({"from": sender}))
            gas = gas_limit(self.rpc("estimate_gas", lambda: function.estimate_gas({"from": sender}, "latest")))
        except (ContractLogicError, ContractCustomError) as exc:
            return self.refused(action, revert_reason(exc))
        if self.account is None:
            self.log("dry_run", token=action.symbol, action=action.kind, label=action.label, simulated=True)
            return Outcome(action.symbol, action, Status.DRY_RUN)
        return gas

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
        if isinstance(errors.from_revert(reason), NO_OP_ERRORS):
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
        self._save_journal()
        try:
            self.rpc("send_raw_transaction", lambda: self._send_raw(flight))
        except _NonceTaken:
            # our nonce was used by another transaction from this account: resync and re-sign
            del self.in_flight[symbol]
            self._save_journal()
            self.sender.resync()
            self.log("nonce_resync", token=symbol, nonce=flight.nonce)
            return self.execute(flight.action, flight.detected_at)
        except _InsufficientFunds as exc:
            del self.in_flight[symbol]
            self._save_journal()
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
                    self._save_journal()
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
            self.backoff.pop(symbol, None)
            self.metrics.actions.labels(symbol, action.label).inc()
            self.metrics.latency.observe(latency)
            self.log(
                "mined",
                token=symbol,
                label=action.label,
                tx=tx_hash,
                block=receipt["blockNumber"],
                latency_seconds=round(latency, 4),
            )
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
        self._save_journal()
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

    def _load_journal(self) -> dict[str, InFlight]:
        if self.journal_path is None or not self.journal_path.exists():
            return {}
        data = json.loads(self.journal_path.read_text())
        now = self.clock()
        flights = {}
        for symbol, entry in data.get("in_flight", {}).items():
            flight = InFlight.from_json(entry)
            # clock values do not survive a restart: count the waits from now
            flight.detected_at = flight.sent_at = now
            flights[symbol] = flight
        return flights

    def _save_journal(self) -> None:
        if self.journal_path is None:
            return
        data = {"in_flight": {symbol: flight.to_json() for symbol, flight in self.in_flight.items()}}
        temporary = self.journal_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=1))
        temporary.replace(self.journal_path)  # atomic: a crash leaves the old or the new journal


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
