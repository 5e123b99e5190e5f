"""The mock helpers a local (or test-network) user needs: collateral from the mock USDC faucet, a
mock oracle's price, and anvil's clock moved forward. `ltsdk faucet|set-price|warp` call these.

Each write is signed by `account` (an eth-account signer) or, with none, sent from the node's
first unlocked account (anvil's account 0: the local deployer, which updates the oracles).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.types import RPCEndpoint

from ltsdk import errors
from ltsdk.calls import Call, Fn, SyncNode
from ltsdk.deploy import oracle_answer
from ltsdk.sender import send_plan

RECEIPT_TIMEOUT_SECONDS = 120
_DURATION = re.compile(r"^(\d+)([smhdw]?)$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800}


def parse_duration(text: str) -> int:
    """'90' or '90s', '15m', '12h', '2d', '1w' as seconds (> 0)."""
    match = _DURATION.match(text.strip().lower())
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"duration must be a positive whole number with an optional s/m/h/d/w unit, got {text!r}")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def sender_address(w3: Web3, account: LocalAccount | None) -> str:
    if account is not None:
        return account.address
    unlocked = w3.eth.accounts
    if not unlocked:
        raise errors.NoSigner("the node has no unlocked account: set LT_PRIVATE_KEY")
    return unlocked[0]


def send(w3: Web3, account: LocalAccount | None, fn: Fn) -> Any:
    """Simulate `fn` (a revert raises its typed error, nothing is sent), send it, return the receipt."""
    node = SyncNode(w3)
    if account is not None:
        return node.run(send_plan(account, fn, {}, timeout_seconds=RECEIPT_TIMEOUT_SECONDS))
    sender = sender_address(w3, None)
    node.execute(Call(fn, sender))
    tx_hash = node.function(fn).transact({"from": sender})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=RECEIPT_TIMEOUT_SECONDS)
    if receipt["status"] != 1:
        raise errors.TransactionFailed(f"{fn.name} reverted in 0x{tx_hash.hex().removeprefix('0x')}")
    return receipt


def _markets(manifest: dict[str, Any]) -> dict[str, dict[str, str]]:
    markets = manifest.get("markets") or {}
    if not markets:
        raise errors.BadManifest("the manifest lists no markets (oracles): not a mock deployment")
    return markets


def faucet(w3: Web3, manifest: dict[str, Any], account: LocalAccount | None, receiver: str, assets: int) -> int:
    """Mint `assets` (base units) of the mock collateral to `receiver`; its new balance."""
    if assets <= 0:
        raise errors.ZeroAmount(f"the amount must be positive, got {assets}")
    receiver = Web3.to_checksum_address(receiver)
    collateral = Web3.to_checksum_address(manifest["collateral"])
    send(w3, account, Fn(collateral, "MockUSDC", "mint", (receiver, assets)))
    return SyncNode(w3).execute(Call(Fn(collateral, "MockUSDC", "balanceOf", (receiver,)), typed=False))


def set_price(w3: Web3, manifest: dict[str, Any], account: LocalAccount | None, market: str, usd: Decimal) -> int:
    """Push `usd` as a new round of `market`'s mock oracle (signed by an updater); the answer sent."""
    markets = _markets(manifest)
    name = market.upper()
    if name not in markets:
        raise errors.UnknownToken(f"unknown market {market!r}; known: {', '.join(sorted(markets))}")
    if not usd.is_finite() or usd <= 0:
        raise errors.OutOfBounds(f"the price must be positive, got {usd}")
    node = SyncNode(w3)
    oracle = Web3.to_checksum_address(markets[name]["oracle"])
    sender = sender_address(w3, account)
    if not node.execute(Call(Fn(oracle, "MockOracle", "is_updater", (sender,)), typed=False)):
        raise errors.Unauthorized(f"{sender} may not update the {name} oracle (the deployer can)")
    decimals = node.execute(Call(Fn(oracle, "MockOracle", "decimals"), typed=False))
    answer = oracle_answer(usd, decimals)  # exact: more decimals than the feed has is a ValueError
    send(w3, account, Fn(oracle, "MockOracle", "set_price", (answer,)))
    return answer


def warp(w3: Web3, manifest: dict[str, Any], account: LocalAccount | None, seconds: int, refresh: bool = True) -> int:
    """anvil: mine a block `seconds` after the latest one; with `refresh`, re-post every mock
    oracle's last answer at the new time (else they go stale). The new block's timestamp."""
    latest = w3.eth.get_block("latest")["timestamp"]  # pyright: ignore[reportTypedDictNotRequiredAccess] (every block has one)
    for method, params in (("evm_setNextBlockTimestamp", [latest + seconds]), ("evm_mine", [])):
        response = w3.provider.make_request(RPCEndpoint(method), params)
        if "error" in response:  # a node without anvil's methods
            raise errors.LtError(f"the node cannot warp time ({method}: {response['error']}); anvil only")
    if refresh:
        node = SyncNode(w3)
        for market in _markets(manifest).values():
            oracle = Web3.to_checksum_address(market["oracle"])
            answer = node.execute(Call(Fn(oracle, "MockOracle", "latestAnswer"), typed=False))
            send(w3, account, Fn(oracle, "MockOracle", "set_price", (answer,)))
    return w3.eth.get_block("latest")["timestamp"]  # pyright: ignore[reportTypedDictNotRequiredAccess]
