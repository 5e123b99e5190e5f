"""Sending a transaction, written once: `send_plan` (simulate, nonce, gas, sign, broadcast, receipt)
for the sync and async clients and the simulated market, and `Sender`, one account's nonce counter
and signer on a blocking node, which the market and the keeper send through. The counter lives in
the process, or in Redis (`RedisNonces`) when several keeper workers sign with one key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from eth_account.signers.local import LocalAccount
from web3 import Web3

from ltsdk import errors
from ltsdk.calls import Build, Call, Estimate, Fn, NonceOf, Plan, SendRaw, SyncNode, WaitReceipt

T = TypeVar("T")
GAS_MARGIN = 20_000


def gas_limit(estimate: int) -> int:
    """The gas limit to send with. Estimates run on the latest block, like the simulation (a
    node's "pending" block may carry a time before the latest block's after a time warp); the
    mined block may take a costlier path (e.g. a second of management fee to mint), so leave a
    margin."""
    return estimate * 5 // 4 + GAS_MARGIN


def send_plan(
    account: LocalAccount,
    fn: Fn,
    tx_kwargs: dict[str, Any],
    nonce: int | None = None,
    simulate: bool = True,
    timeout_seconds: float = 120,
    poll_seconds: float = 0.1,
) -> Plan[Any]:
    """Simulate `fn` as `account` (a revert raises its typed error before anything is sent), then
    sign and send it and return the receipt; a mined revert raises MinedRevert. Without a
    `nonce` the node's pending count is used (the key may also sign elsewhere: ape, a second
    session); without a "gas" in `tx_kwargs` the estimate plus a margin."""
    if simulate:
        yield Call(fn, account.address)
    params: dict[str, Any] = {
        "from": account.address,
        "nonce": nonce if nonce is not None else (yield NonceOf(account.address)),
    }
    params.update(tx_kwargs)
    if "gas" not in params:
        params["gas"] = gas_limit((yield Estimate(fn, account.address)))
    tx = yield Build(fn, params)
    tx_hash = yield SendRaw(account.sign_transaction(tx).raw_transaction)
    receipt = yield WaitReceipt(tx_hash, timeout_seconds, poll_seconds)
    if receipt["status"] != 1:
        raise errors.MinedRevert(f"transaction {Web3.to_hex(tx_hash)} reverted")
    return receipt


def _direct(what: str, call: Callable[[], T]) -> T:
    return call()


# Reserve the next nonce of one key atomically: seed the counter from the node's pending count
# (ARGV[1]) if nobody has, never below it, then hand out one number. Redis runs a script alone, so
# two workers can never get the same nonce.
_RESERVE = """
local held = tonumber(redis.call('GET', KEYS[1]) or '-1')
local seed = tonumber(ARGV[1])
if held < seed then redis.call('SET', KEYS[1], seed) end
return redis.call('INCR', KEYS[1]) - 1
"""


class RedisNonces:
    """One key's nonce counter in Redis, shared by every worker that signs with the key.
    `reserve(seed)` returns the next nonce (at least `seed`, the node's pending count); `forget()`
    drops the counter so the next reservation starts from the node again."""

    def __init__(self, client: Any, key: str):
        self.client = client
        self.key = key
        self._script = client.register_script(_RESERVE)

    def reserve(self, seed: int) -> int:
        return int(self._script(keys=[self.key], args=[seed]))

    def forget(self) -> None:
        self.client.delete(self.key)


class Sender:
    """Sends as `account` over `w3`. Every node call goes through `rpc(what, call)` (the keeper passes
    its retrying wrapper; the default calls straight through).

    The nonce is a counter of our own, synced from the node's pending count when unknown: several
    transactions can then be in flight at once. A caller that shares the key with another client
    (ape, a second session) calls `resync()` before each transaction so the node decides. With
    `shared` (a RedisNonces), the counter is the one in Redis: every worker signing with this key
    reserves from it atomically, each reservation seeded with the node's pending count."""

    def __init__(
        self,
        w3: Web3,
        account: LocalAccount | None,
        rpc: Callable[[str, Callable[[], Any]], Any] = _direct,
        shared: RedisNonces | None = None,
    ):
        self.w3 = w3
        self.account = account
        self.rpc = rpc
        self.node = SyncNode(w3)
        self.shared = shared
        self.nonce: int | None = None  # next nonce to use; synced from the node when None
        self._chain_id: int | None = None

    @property
    def signer(self) -> LocalAccount:
        """The account; a sender without one (the keeper's dry run) raises NoSigner."""
        if self.account is None:
            raise errors.NoSigner("this sender has no account: it can read, not sign")
        return self.account

    @property
    def address(self) -> str:
        return self.signer.address

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            chain_id: int = self.rpc("chain_id", lambda: self.w3.eth.chain_id)
            self._chain_id = chain_id
            return chain_id
        return self._chain_id

    def node_nonce(self, block: Literal["pending", "latest"] = "pending") -> int:
        """The node's transaction count for us: "pending" counts its pool, "latest" only mined ones."""
        return self.rpc(
            "get_nonce", lambda: self.w3.eth.get_transaction_count(Web3.to_checksum_address(self.address), block)
        )

    def next_nonce(self) -> int:
        """Our own counter, synced from the node's pending count when unknown; with `shared`, a
        reservation from the Redis counter (never below the node's pending count)."""
        if self.shared is not None:
            return self.shared.reserve(self.node_nonce("pending"))
        if self.nonce is None:
            self.nonce = self.node_nonce("pending")
        nonce = self.nonce
        self.nonce += 1
        return nonce

    def resync(self) -> None:
        """Forget the counter: the next nonce comes from the node."""
        self.nonce = None
        if self.shared is not None:
            self.shared.forget()

    def sign(self, tx: dict[str, Any]) -> Any:
        """The signed transaction (`raw_transaction`, `hash`)."""
        return self.signer.sign_transaction(tx)

    def broadcast(self, raw: bytes) -> Any:
        """eth_sendRawTransaction; the transaction hash."""
        return self.rpc("send_raw_transaction", lambda: self.w3.eth.send_raw_transaction(raw))

    def wait(self, tx_hash: Any, timeout: float, poll_latency: float = 0.1) -> Any:
        """The receipt of `tx_hash`, polling up to `timeout` seconds."""
        return self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout, poll_latency=poll_latency)

    def send(self, fn: Fn, fields: dict[str, Any], timeout: float, poll_latency: float = 0.1) -> Any:
        """`send_plan` with the counter's next nonce and no simulation (the caller knows the call
        succeeds, e.g. an oracle update by its updater): the receipt; a revert raises."""
        plan = send_plan(self.signer, fn, fields, self.next_nonce(), False, timeout, poll_latency)
        return self.node.run(plan)
