"""One account's transactions on one chain: the nonce counter, signing, broadcast and the receipt.
The SDK's writes, the keeper and the simulated market all send through a `Sender`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from web3 import Web3

T = TypeVar("T")


def _direct(what: str, call: Callable[[], T]) -> T:
    return call()


class Sender:
    """Sends as `account` over `w3`. Every node call goes through `rpc(what, call)` (the keeper passes
    its retrying wrapper; the default calls straight through).

    The nonce is a counter of our own, synced from the node's pending count when unknown: several
    transactions can then be in flight at once. A caller that shares the key with another client
    (ape, a second session) calls `resync()` before each transaction so the node decides."""

    def __init__(self, w3: Web3, account: Any, rpc: Callable[[str, Callable[[], Any]], Any] = _direct):
        self.w3 = w3
        self.account = account
        self.rpc = rpc
        self.nonce: int | None = None  # next nonce to use; synced from the node when None
        self._chain_id: int | None = None

    @property
    def address(self) -> str:
        return self.account.address

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = self.rpc("chain_id", lambda: self.w3.eth.chain_id)
        return self._chain_id

    def node_nonce(self, block: str = "pending") -> int:
        """The node's transaction count for us: "pending" counts its pool, "latest" only mined ones."""
        return self.rpc("get_nonce", lambda: self.w3.eth.get_transaction_count(self.address, block))

    def next_nonce(self) -> int:
        """Our own counter, synced from the node's pending count when unknown."""
        if self.nonce is None:
            self.nonce = self.node_nonce("pending")
        nonce = self.nonce
        self.nonce += 1
        return nonce

    def resync(self) -> None:
        """Forget the counter: the next nonce comes from the node."""
        self.nonce = None

    def sign(self, tx: dict[str, Any]) -> Any:
        """The signed transaction (`raw_transaction`, `hash`)."""
        return self.account.sign_transaction(tx)

    def broadcast(self, raw: bytes) -> Any:
        """eth_sendRawTransaction; the transaction hash."""
        return self.rpc("send_raw_transaction", lambda: self.w3.eth.send_raw_transaction(raw))

    def wait(self, tx_hash: Any, timeout: float, poll_latency: float = 0.1) -> Any:
        """The receipt of `tx_hash`, polling up to `timeout` seconds."""
        return self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout, poll_latency=poll_latency)

    def send(self, function: Any, fields: dict[str, Any], timeout: float, poll_latency: float = 0.1) -> Any:
        """Build `function` with `fields` (the nonce added from the counter if absent), sign it, send
        it and wait for its receipt; the caller judges the receipt's status."""
        fields = {"from": self.address, **fields}
        if "nonce" not in fields:
            fields["nonce"] = self.next_nonce()
        tx = function.build_transaction(fields)
        return self.wait(self.broadcast(self.sign(tx).raw_transaction), timeout, poll_latency)
