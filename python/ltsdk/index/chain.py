"""What the indexer and the dashboard's history read from the node: the logs of a deployment's
contracts decoded by their shipped ABIs, block headers, the lens's rows and any contract's views in
a given block (plain web3.py, no database)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils.abi import event_abi_to_log_topic
from web3 import Web3

from ltsdk.abis import load_abi

TOKEN_ABI = "LeveragedToken"
CONFIGURATOR_ABI = "LeveragedTokenConfigurator"
FACTORY_ABI = "LeveragedTokenFactory"  # TokenRetired: the registry stops listing a token
VENUE_ABI = "MockPerpAdapter"  # the venue's events (IPerpAdapter's and the mock's own)
ORACLE_ABI = "MockOracle"  # Chainlink's AnswerUpdated
LENS_ABI = "LeveragedTokenLens"
JS_SAFE_INT = 2**53 - 1  # larger ints go into JSON as decimal text


@dataclass(frozen=True)
class Header:
    number: int
    hash: str
    timestamp: int


@dataclass(frozen=True)
class DecodedLog:
    """One log: where it came from (`kind` "token", "configurator", "factory", "venue" or "oracle"),
    its event's name and arguments (addresses checksummed, bytes as 0x hex)."""

    block_number: int
    block_hash: str
    log_index: int
    tx_hash: str
    address: str
    kind: str
    name: str
    args: dict[str, Any]


def _plain(value: Any) -> Any:
    """An event argument as plain Python: bytes as 0x hex, tuples as lists."""
    if isinstance(value, bytes | bytearray):
        return Web3.to_hex(bytes(value))
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def json_args(args: dict[str, Any]) -> dict[str, Any]:
    """`args` for a JSON column: ints beyond JavaScript's safe range as decimal text."""

    def convert(value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and abs(value) > JS_SAFE_INT:
            return str(value)
        if isinstance(value, list):
            return [convert(item) for item in value]
        return value

    return {key: convert(value) for key, value in args.items()}


def contract(w3: Web3, address: str, abi: str) -> Any:
    """The web3 contract at `address` with the shipped ABI named `abi` (e.g. TOKEN_ABI)."""
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=load_abi(abi))


def view(w3: Web3, address: str, abi: str, name: str, *args: Any, block: int | str) -> Any:
    """The view `name(*args)` of the contract at `address` in `block`; web3's error if it cannot
    answer there (no code then, a pruned block). Through a contract of that one function: web3
    builds a contract's function table in time quadratic in its functions (35-70 ms for a token's
    whole ABI, 2 ms for one function)."""
    [entry] = [
        e for e in load_abi(abi) if e["type"] == "function" and e["name"] == name and len(e["inputs"]) == len(args)
    ]
    one: Any = w3.eth.contract(address=Web3.to_checksum_address(address), abi=[entry])
    return one.functions[name](*args).call(block_identifier=block)


class Node:
    """The deployment's contracts on one node whose logs are followed: `tokens` (address -> symbol),
    the configurator, the factory, the venues (adapters) and the markets' oracles."""

    def __init__(
        self,
        w3: Web3,
        lens: str,
        tokens: dict[str, str],
        configurator: str | None,
        venues: list[str],
        oracles: Sequence[str] = (),
        factory: str | None = None,
    ):
        self.w3 = w3
        self.tokens = {Web3.to_checksum_address(address): symbol for address, symbol in tokens.items()}
        self.kinds: dict[str, str] = dict.fromkeys(self.tokens, "token")
        if configurator:
            self.kinds[Web3.to_checksum_address(configurator)] = "configurator"
        if factory:
            self.kinds[Web3.to_checksum_address(factory)] = "factory"
        for venue in venues:
            self.kinds[Web3.to_checksum_address(venue)] = "venue"
        for oracle in oracles:
            self.kinds[Web3.to_checksum_address(oracle)] = "oracle"
        self.events: dict[str, dict[str, Any]] = {}  # kind -> topic0 -> web3 event
        abis = {
            "token": TOKEN_ABI,
            "configurator": CONFIGURATOR_ABI,
            "factory": FACTORY_ABI,
            "venue": VENUE_ABI,
            "oracle": ORACLE_ABI,
        }
        for kind, abi in abis.items():
            by_topic: dict[str, Any] = {}
            for entry in load_abi(abi):
                if entry["type"] == "event":
                    topic = Web3.to_hex(event_abi_to_log_topic(entry))  # type: ignore[arg-type]
                    by_topic[topic] = self.w3.eth.contract(abi=[entry]).events[entry["name"]]()
            self.events[kind] = by_topic
        lens_abi = load_abi(LENS_ABI)
        self.lens = self.w3.eth.contract(Web3.to_checksum_address(lens), abi=lens_abi)
        states = next(entry for entry in lens_abi if entry.get("name") == "get_states")
        self.state_fields = [component["name"] for component in states["outputs"][0]["components"]]

    def follow(self, address: str, symbol: str) -> None:
        """Follow token `address` too (one the database has and the manifest no longer lists)."""
        address = Web3.to_checksum_address(address)
        self.tokens.setdefault(address, symbol)
        self.kinds.setdefault(address, "token")

    def head(self) -> int:
        return self.w3.eth.block_number

    def header(self, number: int) -> Header | None:
        """The block `number` on the node's chain, None if it has none (a chain shortened by a reorg)."""
        try:
            block = self.w3.eth.get_block(number)
        except Exception as exc:  # web3 raises BlockNotFound; some nodes answer null
            if type(exc).__name__ == "BlockNotFound":
                return None
            raise
        return Header(number=number, hash=Web3.to_hex(block.get("hash")), timestamp=int(block.get("timestamp", 0)))

    def logs(self, from_block: int, to_block: int) -> list[DecodedLog]:
        """Every log of the followed contracts in [from_block, to_block] that their ABIs decode, in
        chain order. Logs of events the indexer does not know are left out."""
        raw = self.w3.eth.get_logs(
            {"fromBlock": from_block, "toBlock": to_block, "address": list(self.kinds)}  # type: ignore[typeddict-item]
        )
        decoded = []
        for log in raw:
            address = Web3.to_checksum_address(log["address"])
            kind = self.kinds.get(address)
            if kind is None or not log["topics"]:
                continue
            event = self.events[kind].get(Web3.to_hex(log["topics"][0]))
            if event is None:
                continue
            data = event.process_log(log)
            decoded.append(
                DecodedLog(
                    block_number=int(log["blockNumber"]),
                    block_hash=Web3.to_hex(log["blockHash"]),
                    log_index=int(log["logIndex"]),
                    tx_hash=Web3.to_hex(log["transactionHash"]),
                    address=address,
                    kind=kind,
                    name=data["event"],
                    args={key: _plain(value) for key, value in data["args"].items()},
                )
            )
        decoded.sort(key=lambda item: (item.block_number, item.log_index))
        return decoded

    def states(self, block: int) -> dict[str, dict[str, Any]]:
        """The lens's row of every token in `block` (address -> field -> value, the struct's names);
        only the tokens that had code then (none before the lens was deployed: an index may start
        at block 0, before the deployment)."""
        if not self.w3.eth.get_code(self.lens.address, block_identifier=block):
            return {}
        addresses = [address for address in self.tokens if self.w3.eth.get_code(address, block_identifier=block)]
        if not addresses:
            return {}
        rows = self.lens.functions.get_states(addresses).call(block_identifier=block)
        return {
            address: dict(zip(self.state_fields, row, strict=True))
            for address, row in zip(addresses, rows, strict=True)
        }

    def token_call(self, address: str, name: str, block: int | str) -> Any | None:
        """A no-argument view of a token in `block`, None where the token had no code then."""
        return self._view(address, TOKEN_ABI, name, block)

    def oracle_decimals(self, oracle: str) -> int | None:
        """The feed's decimals (None if the oracle has no code now)."""
        return self._view(oracle, ORACLE_ABI, "decimals", "latest")

    def _view(self, address: str, abi: str, name: str, block: int | str) -> Any | None:
        address = Web3.to_checksum_address(address)
        if not self.w3.eth.get_code(address, block_identifier=block):  # type: ignore[arg-type]
            return None
        return view(self.w3, address, abi, name, block=block)
