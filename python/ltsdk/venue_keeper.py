"""The venue keeper of an asynchronous perp venue (MockAsyncPerpVenue, shaped like GMX v2): it executes
every order that is ready, closes every expired one, and logs one JSON line for each thing it does.

    from ltsdk.venue_keeper import VenueKeeper
    keeper = VenueKeeper(w3, venue_address, account)   # the account is one of the venue's order keepers
    keeper.run()                                       # or keeper.tick() from your own loop

A live venue runs such keepers itself (GMX's order keepers); a local chain, the tests and the
asynchronous demo need one of their own. `ltsdk venue-keeper VENUE` runs this one.

Each tick reads the head block, the oracle's latest round and every order not yet closed, then
for each order (oldest first) takes the one step the venue would accept in the next block
(`next_step`, pure):
- once the head is past its expiry (created_at + order_expiry): `cancel_order`, which anyone may
  call then (its collateral goes back to its account, its execution fee to us);
- once the head is a later block than its creation and the oracle has published a round after
  it (a later round id, stamped no earlier than the order): `execute_order`. The venue decides
  whether it fills or refuses (acceptable price missed, no liquidity, max leverage, margin for a
  withdrawal: the collateral goes back); either is a successful transaction, logged as
  `executed` or `refused` with the venue's record;
- otherwise it waits (logged once per order and reason).
Every step is simulated with eth_call on the head first; a revert saying the order is no longer
pending ("venue: no order": another keeper executed or closed it) is a no-op and nothing is sent.
A stale price or paused trading ("venue: stale price", "venue: paused") leaves the order waiting.
Transactions go one at a time through `ltsdk.sender.Sender` (nonce, gas, sign, receipt), its
counter synced from the node at each tick. A transaction mined as a revert is read back: an order
someone else closed in the meantime (two keepers racing) is a no-op, anything else a failure, and
the next tick looks again.

State lives on the chain, not here: a restarted keeper reads every order's status afresh (from
`first_order_id`), so nothing is executed twice. Several keepers on one venue sign with keys of
their own and split the orders (`VenuePolicy.shards`, `shard`): each sends first for the ids with
id % shards == shard, and takes over another's order only once it has been due
`takeover_seconds` of chain time (that keeper is down), so each order is sent once while all are
up and still kept when one is not. Keepers that do not split race: the venue fills each order
once, and the loser pays one reverted transaction's gas (logged as a no-op). Timing is the head
block's: an idle automine chain's clock stands still until a transaction (e.g. an oracle update)
mines a block.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import Web3Exception

from ltsdk import errors
from ltsdk.calls import Call, Fn, LatestBlock, once_more_if_reasonless
from ltsdk.keeper import log_line
from ltsdk.replica.async_venue import (
    CANCELLED,
    EXPIRED,
    FILLED,
    PENDING,
    REFUSED,
    REFUSED_LIQUIDITY,
    REFUSED_MARGIN,
    REFUSED_MAX_LEVERAGE,
    REFUSED_PRICE,
    Fill,
    Order,
)
from ltsdk.sender import Sender

VENUE_ABI = "MockAsyncPerpVenue"
ORACLE_ABI = "MockOracle"
EXECUTE = "execute_order"
EXPIRE = "cancel_order"  # after an order's expiry anyone may close it

STATUS_NAMES = {PENDING: "pending", FILLED: "filled", REFUSED: "refused", CANCELLED: "cancelled", EXPIRED: "expired"}
REFUSAL_NAMES = {
    REFUSED_PRICE: "acceptable price missed",
    REFUSED_LIQUIDITY: "liquidity",
    REFUSED_MAX_LEVERAGE: "max leverage",
    REFUSED_MARGIN: "margin for the withdrawal",
}
# reverts that mean "the order is closed already": another keeper (or its account) got there first
CLOSED_REVERTS = frozenset({"venue: no order"})
# reverts that mean "not now": the order stays pending and the next tick tries again
WAIT_REVERTS = frozenset(
    {"venue: stale price", "venue: paused", "venue: same block", "venue: price before order", "venue: expired"}
)


@dataclass(frozen=True)
class Head:
    """The latest block: what a simulation on it sees."""

    number: int
    timestamp: int


@dataclass(frozen=True)
class Round:
    """The oracle's latest round, as the venue reads it (latestRoundData)."""

    round_id: int
    updated_at: int


@dataclass(frozen=True)
class Outcome:
    """What one tick did with one order. `status`: filled, refused, expired (closed by us after its
    expiry), noop (closed already: nothing sent), waiting, reverted (mined as a revert) or failed
    (the simulation or the sending failed)."""

    order_id: int
    status: str
    step: str | None = None  # EXECUTE or EXPIRE, when it came to one
    tx_hash: str | None = None
    detail: str = ""


def next_step(order: Order, head: Head, oracle: Round, order_expiry: int) -> tuple[str | None, str]:
    """The step MockAsyncPerpVenue accepts for the pending `order` on top of `head` (the block a
    simulation runs on): (EXPIRE, "") once `head` is past the order's last executable second,
    (EXECUTE, "") once `head` is a later block than the creation and `oracle` a round published
    after it (a later round id, stamped no earlier than the creation), else (None, why it waits).
    Stale prices and paused trading are left to the simulation."""
    if head.timestamp > order.created_at + order_expiry:
        return EXPIRE, ""
    if head.number <= order.created_block:
        return None, "the creation block is the head"
    if oracle.round_id <= order.oracle_round or oracle.updated_at < order.created_at:
        return None, "no oracle round after the order"
    return EXECUTE, ""


@dataclass(frozen=True)
class VenuePolicy:
    """How the venue keeper paces itself (seconds) and which orders it sends for first."""

    poll_seconds: float = 2.0  # between ticks in run()
    receipt_timeout_seconds: float = 120.0  # wait at most this long for each transaction
    receipt_poll_seconds: float = 0.1
    shards: int = 1  # keepers splitting the venue's orders by id
    shard: int = 0  # this keeper's: the ids with id % shards == shard
    takeover_seconds: int = 30  # chain seconds another shard's order is left to its keeper

    def __post_init__(self):
        if not 0 <= self.shard < self.shards:
            raise ValueError(f"shard {self.shard} of {self.shards}: 0 <= shard < shards")
        if self.takeover_seconds < 0:
            raise ValueError(f"takeover_seconds must be zero or more, got {self.takeover_seconds}")


def parse_shard(text: str) -> tuple[int, int]:
    """Read a shard given as I/N (this keeper is shard I of N) as (I, N); anything else raises ValueError."""
    shard, slash, shards = text.partition("/")
    if not (slash and shard.isdigit() and shards.isdigit() and int(shard) < int(shards)):
        raise ValueError(f"a shard must be I/N with 0 <= I < N (0/2, 1/2), got {text!r}")
    return int(shard), int(shards)


def takes(order_id: int, order: Order, step: str, now: int, order_expiry: int, policy: VenuePolicy) -> bool:
    """Whether this keeper takes `step` for the order now (chain time `now`): its own shard's at
    once; another's once the step has been due `takeover_seconds` (an execution from the order's
    creation, an expiry from its last executable second)."""
    if order_id % policy.shards == policy.shard:
        return True
    due_since = order.created_at + (order_expiry if step == EXPIRE else 0)
    return now >= due_since + policy.takeover_seconds


class VenueKeeper:
    """Finds, simulates, sends and reads back; see the module docstring."""

    def __init__(
        self,
        w3: Web3,
        venue: str,
        account: LocalAccount,
        policy: VenuePolicy = VenuePolicy(),
        first_order_id: int = 1,
        logger: logging.Logger | None = None,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.w3 = w3
        self.venue = Web3.to_checksum_address(venue)
        self.account = account
        self.policy = policy
        self.logger = logger or logging.getLogger("ltsdk.venue_keeper")
        self.wall = wall  # unix seconds: log stamps
        self.sleep = sleep
        self.sender = Sender(w3, account)
        self.node = self.sender.node
        self.next_id = first_order_id  # the first order id not yet looked at
        self.open: set[int] = set()  # ids seen pending, not yet seen closed
        self.waiting: dict[int, str] = {}  # order id -> what it waited for when last logged
        self._oracle: str | None = None

    # ------------------------------------------------------------ reads

    def read(self, name: str, *args: Any) -> Any:
        """A venue view on the head block."""
        return self.node.execute(Call(Fn(self.venue, VENUE_ABI, name, args)))

    def order(self, order_id: int) -> Order:
        return Order(*self.read("order", order_id))

    def oracle_round(self) -> Round:
        if self._oracle is None:
            self._oracle = str(self.read("oracle"))
        round_id, _, _, updated_at, _ = self.node.execute(Call(Fn(self._oracle, ORACLE_ABI, "latestRoundData")))
        return Round(round_id, updated_at)

    def head(self) -> Head:
        block = self.node.execute(LatestBlock())
        return Head(block["number"], block["timestamp"])

    def is_order_keeper(self) -> bool:
        return bool(self.read("is_order_keeper", self.account.address))

    def discover(self) -> None:
        """Add every order created since the last look that is still pending."""
        end = int(self.read("next_order_id"))
        for order_id in range(self.next_id, end):
            if self.order(order_id).status == PENDING:
                self.open.add(order_id)
        self.next_id = max(self.next_id, end)

    # ------------------------------------------------------------ the loop

    def log(self, event: str, level: int = logging.INFO, **fields: Any) -> None:
        log_line(self.logger, self.wall(), event, level, venue=self.venue, **fields)

    def run(self, ticks: int | None = None) -> None:
        """Tick every `poll_seconds` (forever, or `ticks` times). A node that does not answer or a
        tick that fails on the node's side ends no loop (logged, tried again next tick); Ctrl-C
        ends it with a `shutdown` line."""
        shard = f"{self.policy.shard}/{self.policy.shards}"
        self.log("start", keeper=self.account.address, first_order_id=self.next_id, shard=shard)
        done = 0
        try:
            while ticks is None or done < ticks:
                try:
                    self.tick()
                except (requests.ConnectionError, requests.Timeout) as exc:
                    self.log("rpc_unavailable", logging.WARNING, error=str(exc))
                except (Web3Exception, errors.LtError) as exc:  # e.g. no receipt in time: the next tick looks again
                    self.log("tick_failed", logging.WARNING, error=type(exc).__name__, detail=str(exc))
                done += 1
                if ticks is None or done < ticks:
                    self.sleep(self.policy.poll_seconds)
        except KeyboardInterrupt:
            self.log("shutdown", reason="interrupt", ticks=done, open=sorted(self.open))
            return
        self.log("shutdown", reason="ticks done", ticks=done, open=sorted(self.open))

    def tick(self) -> list[Outcome]:
        """One look at every order not yet closed, oldest first, and the step each one is due."""
        self.sender.resync()  # the node's count decides: the key may have signed elsewhere since
        self.discover()
        head = self.head()
        oracle = self.oracle_round()
        order_expiry = int(self.read("order_expiry"))
        outcomes = []
        for order_id in sorted(self.open):
            order = self.order(order_id)
            if order.status != PENDING:  # closed without us: its account cancelled it, or another keeper
                self.forget(order_id)
                self.log("closed", order_id=order_id, status=STATUS_NAMES[order.status])
                continue
            step, why = next_step(order, head, oracle, order_expiry)
            if step is not None and not takes(order_id, order, step, head.timestamp, order_expiry, self.policy):
                step, why = None, f"another keeper's shard ({order_id % self.policy.shards})"
            if step is None:
                outcomes.append(self.wait(order_id, why))
            else:
                outcomes.append(self.take(order_id, step))
        return outcomes

    def forget(self, order_id: int) -> None:
        self.open.discard(order_id)
        self.waiting.pop(order_id, None)

    def wait(self, order_id: int, why: str) -> Outcome:
        if self.waiting.get(order_id) != why:
            self.waiting[order_id] = why
            self.log("waiting", order_id=order_id, reason=why)
        return Outcome(order_id, "waiting", detail=why)

    # ------------------------------------------------------------ one step

    def take(self, order_id: int, step: str) -> Outcome:
        """Simulate `step` on the head, then send it and read back what the venue recorded. A
        simulation or gas estimate that reverts without a reason before anything is sent is tried
        once more (anvil's mining race: ltsdk.calls.once_more_if_reasonless)."""
        fn = Fn(self.venue, VENUE_ABI, step, (order_id,))

        def simulate_and_send() -> Any:
            self.node.execute(Call(fn, self.account.address))
            return self.sender.send(fn, {}, self.policy.receipt_timeout_seconds, self.policy.receipt_poll_seconds)

        def repeating(first: Exception) -> None:
            self.sender.resync()  # nothing was sent: the estimate's nonce is the node's again
            self.log("simulation_repeated", order_id=order_id, step=step)

        try:
            receipt = once_more_if_reasonless(simulate_and_send, repeating)
        except errors.MinedRevert as exc:  # mined, reverted: the nonce is spent
            return self.reverted(order_id, step, str(exc))
        except errors.LtError as exc:  # the simulation or the gas estimate reverted: nothing sent
            self.sender.resync()
            return self.not_sent(order_id, step, exc.reason or str(exc))
        except Exception:
            self.sender.resync()  # whether the nonce was spent is the node's to say
            raise
        return self.done(order_id, step, receipt)

    def not_sent(self, order_id: int, step: str, reason: str) -> Outcome:
        """The simulation reverted with `reason`: closed already (no-op), not yet (wait), or a failure."""
        if reason in CLOSED_REVERTS:
            self.forget(order_id)
            self.log("noop", order_id=order_id, step=step, reason=reason)
            return Outcome(order_id, "noop", step, detail=reason)
        if reason in WAIT_REVERTS:
            return self.wait(order_id, reason)
        if self.waiting.get(order_id) != reason:  # once per order and reason, not every tick
            self.waiting[order_id] = reason
            self.log("failed", logging.WARNING, order_id=order_id, step=step, kind="simulation", detail=reason)
        return Outcome(order_id, "failed", step, detail=reason)

    def reverted(self, order_id: int, step: str, detail: str) -> Outcome:
        order = self.order(order_id)
        if order.status != PENDING:  # another keeper's transaction closed it first
            self.forget(order_id)
            status = STATUS_NAMES[order.status]
            self.log("noop", order_id=order_id, step=step, reason=f"lost the race: {status} by another", tx=detail)
            return Outcome(order_id, "noop", step, detail=f"{status} by another")
        self.log("failed", logging.WARNING, order_id=order_id, step=step, kind="reverted", detail=detail)
        return Outcome(order_id, "reverted", step, detail=detail)

    def done(self, order_id: int, step: str, receipt: Any) -> Outcome:
        """Our transaction was mined: log what the venue recorded for the order."""
        self.forget(order_id)
        tx_hash = Web3.to_hex(receipt["transactionHash"])
        order = self.order(order_id)
        common: dict[str, Any] = {
            "order_id": order_id,
            "account": order.account,
            "tx": tx_hash,
            "block": receipt["blockNumber"],
            "execution_fee": order.execution_fee,
        }
        if order.status == FILLED:
            fill = Fill(*self.read("fill_of", order_id))
            self.log(
                "executed",
                size_delta=fill.size_delta,
                collateral_delta=fill.collateral_delta,
                exec_price=fill.exec_price,
                oracle_price=fill.oracle_price,
                fee=fill.fee,
                size_after=fill.size_after,
                **common,
            )
            return Outcome(order_id, "filled", step, tx_hash)
        if order.status == REFUSED:
            refusal = REFUSAL_NAMES.get(order.refusal, str(order.refusal))
            self.log("refused", refusal=refusal, collateral_returned=order.reserved, **common)
            return Outcome(order_id, "refused", step, tx_hash, refusal)
        self.log("expired", collateral_returned=order.reserved, **common)
        return Outcome(order_id, "expired", step, tx_hash)
