"""Node requests as data, and the two drivers that execute them: `SyncNode` over `web3.Web3`,
`AsyncNode` over `web3.AsyncWeb3`. The SDK's logic is written once, as generators that yield these
requests and receive their results (`run` and `arun` drive one), so the blocking and the asyncio
clients share every decision and differ only in how a request reaches the node."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from web3 import AsyncWeb3, Web3
from web3.exceptions import (
    BadFunctionCallOutput,
    ContractCustomError,
    ContractLogicError,
    MismatchedABI,
    Web3ValidationError,
)

from ltsdk import errors
from ltsdk import manifest as manifests
from ltsdk.abis import load_abi

T = TypeVar("T")


@dataclass(frozen=True)
class Fn:
    """One contract function with its arguments: `name` is a function name or, for overloads, a
    full signature ("deposit(uint256,address,uint256,uint256)"); `abi` names a shipped ABI."""

    address: str
    abi: str
    name: str
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Call:
    """eth_call `fn` (as `sender`, if given) on `block` (a number; None: the latest). With
    `typed`, a revert raises its ltsdk.errors class."""

    fn: Fn
    sender: str | None = None
    typed: bool = True
    block: int | None = None


@dataclass(frozen=True)
class Probe:
    """eth_call `fn` (as `sender`, if given) on the latest block, answering instead of raising:
    `(True, result)`, or `(False, reason)` when it reverts or returns nothing (no such function, no
    code; `reason` the revert string, None without one). For questions whose answer is a revert:
    ERC-165 on a contract without supportsInterface, whether a request could be cancelled."""

    fn: Fn
    sender: str | None = None


@dataclass(frozen=True)
class Estimate:
    """eth_estimateGas of `fn` as `sender` on the latest block (a revert raises its typed error)."""

    fn: Fn
    sender: str


@dataclass(frozen=True)
class Build:
    """The unsigned transaction calling `fn` with `params` (from, nonce, gas, fees...)."""

    fn: Fn
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NonceOf:
    """The node's transaction count of `address` ("pending" counts its pool)."""

    address: str
    block: str = "pending"


@dataclass(frozen=True)
class SendRaw:
    """eth_sendRawTransaction; the transaction hash."""

    raw: bytes


@dataclass(frozen=True)
class WaitReceipt:
    """The receipt of `tx_hash`, polled every `poll_seconds` for up to `timeout_seconds`."""

    tx_hash: Any
    timeout_seconds: float = 120
    poll_seconds: float = 0.1


@dataclass(frozen=True)
class LatestBlock:
    """The latest block (a mapping with "timestamp", "number", ...), or block `number`."""

    number: int | None = None


Request = Call | Probe | Estimate | Build | NonceOf | SendRaw | WaitReceipt | LatestBlock
Plan = Generator[Request, Any, T]


def calldata(fn: Fn) -> str:
    """The ABI-encoded call of `fn` (0x-prefixed hex), for a transaction signed elsewhere (a
    browser wallet); arguments that do not fit its ABI raise BadArgument. Needs no node."""
    contract = _OFFLINE.eth.contract(abi=load_abi(fn.abi))
    try:
        return contract.encode_abi(fn.name, args=list(fn.args))
    except (MismatchedABI, Web3ValidationError, TypeError, ValueError):
        raise errors.BadArgument(f"{fn.name}: the arguments {fn.args!r} do not fit its ABI types") from None


_OFFLINE = Web3()  # encodes calls; never connects


def revert_reason(exc: Exception) -> str | None:
    """The contract's revert string from a web3 error ("execution reverted: lt: slippage")."""
    message = getattr(exc, "message", None) or (exc.args[0] if exc.args else "")
    message = str(message)
    for prefix in ("execution reverted: ", "execution reverted:", "revert: "):
        if prefix in message:
            return message.split(prefix, 1)[1].strip().strip("'\"")
    return None if message.strip() in ("", "execution reverted") else message


REVERTS = (ContractLogicError, ContractCustomError)


def typed_revert(exc: Exception) -> errors.LtError:
    return errors.from_revert(revert_reason(exc))


def reverted_without_a_reason(exc: Exception) -> bool:
    """Whether `exc` is a simulation or a gas estimate that reverted with no reason: web3's revert
    (ContractLogicError) with no revert string, or the SDK's TransactionFailed with none (not its
    MinedRevert: that transaction was sent, and its nonce is spent)."""
    if isinstance(exc, REVERTS):
        return revert_reason(exc) is None
    return type(exc) is errors.TransactionFailed and exc.reason is None


def once_more_if_reasonless(attempt: Callable[[], T], repeating: Callable[[Exception], None]) -> T:
    """`attempt()` (a simulation, a gas estimate, or both before a send), run once more if it
    reverts without a reason; `repeating(first)` is told before the second run. A node may answer a
    call while it mines a block with the new block's state under the previous block's clock (anvil
    commits the state before it updates its block environment): a clock then runs backwards (the
    venue's funding clock underflows), a revert without a reason. A revert that is real reverts
    again, and the second run's error is the one raised; a revert with a reason is raised at once."""
    try:
        return attempt()
    except (*REVERTS, errors.TransactionFailed) as first:
        if not reverted_without_a_reason(first):
            raise
        repeating(first)
    return attempt()


class _Contracts:
    """web3 contract objects by (address, ABI name), made once per node. With a `manifest`, the
    first plan run first checks that the node is the manifest's chain and holds its lens
    (ltsdk.manifest.check_chain), once: a wrong RPC fails in one line, not in a decoding error."""

    def __init__(self, w3: Any, manifest: dict[str, Any] | None = None):
        self.w3 = w3
        self.cache: dict[tuple[str, str], Any] = {}
        self.unchecked = manifest  # None once checked

    def contract(self, address: str, abi: str) -> Any:
        key = (address, abi)
        if key not in self.cache:
            # the lens returns structs: decode them as named tuples
            tuples = abi == "LeveragedTokenLens"
            self.cache[key] = self.w3.eth.contract(address=address, abi=load_abi(abi), decode_tuples=tuples)
        return self.cache[key]

    def function(self, fn: Fn) -> Any:
        """The web3 function call; arguments the ABI cannot encode (a negative uint, "0x123" for an
        address) raise BadArgument here, before any request reaches the node."""
        contract = self.contract(fn.address, fn.abi)
        try:
            if "(" in fn.name:
                return contract.get_function_by_signature(fn.name)(*fn.args)
            return getattr(contract.functions, fn.name)(*fn.args)
        except (MismatchedABI, Web3ValidationError):
            raise errors.BadArgument(f"{fn.name}: the arguments {fn.args!r} do not fit its ABI types") from None


class SyncNode(_Contracts):
    """Executes requests over a blocking `Web3`."""

    def __init__(self, w3: Web3, manifest: dict[str, Any] | None = None):
        super().__init__(w3, manifest)

    def check_chain(self) -> None:
        if (manifest := self.unchecked) is not None:
            code = self.w3.eth.get_code(Web3.to_checksum_address(manifest["lens"]))
            manifests.check_chain(manifest, self.w3.eth.chain_id, bytes(code))
            self.unchecked = None

    def execute(self, request: Request) -> Any:
        eth = self.w3.eth
        if isinstance(request, NonceOf):
            return eth.get_transaction_count(request.address, request.block)
        if isinstance(request, SendRaw):
            return eth.send_raw_transaction(request.raw)
        if isinstance(request, WaitReceipt):
            return eth.wait_for_transaction_receipt(
                request.tx_hash, timeout=request.timeout_seconds, poll_latency=request.poll_seconds
            )
        if isinstance(request, LatestBlock):
            return eth.get_block("latest" if request.number is None else request.number)
        function = self.function(request.fn)
        if isinstance(request, Probe):
            try:
                return True, function.call({"from": request.sender} if request.sender else {}, "latest")
            except REVERTS as exc:
                return False, revert_reason(exc)
            except BadFunctionCallOutput:
                return False, None
        try:
            if isinstance(request, Call):
                block = "latest" if request.block is None else request.block
                return function.call({"from": request.sender} if request.sender else {}, block)
            if isinstance(request, Estimate):
                return function.estimate_gas({"from": request.sender}, "latest")
            return function.build_transaction(request.params)
        except REVERTS as exc:
            if isinstance(request, Call) and not request.typed:
                raise
            raise typed_revert(exc) from None

    def run(self, plan: Plan[T]) -> T:
        """Drive `plan` to its return value."""
        self.check_chain()
        try:
            request = next(plan)
            while True:
                request = plan.send(self.execute(request))
        except StopIteration as done:
            return done.value


class AsyncNode(_Contracts):
    """Executes requests over an `AsyncWeb3`."""

    def __init__(self, w3: AsyncWeb3, manifest: dict[str, Any] | None = None):
        super().__init__(w3, manifest)

    async def check_chain(self) -> None:
        if (manifest := self.unchecked) is not None:
            code = await self.w3.eth.get_code(Web3.to_checksum_address(manifest["lens"]))
            manifests.check_chain(manifest, await self.w3.eth.chain_id, bytes(code))
            self.unchecked = None

    async def execute(self, request: Request) -> Any:
        eth = self.w3.eth
        if isinstance(request, NonceOf):
            return await eth.get_transaction_count(request.address, request.block)
        if isinstance(request, SendRaw):
            return await eth.send_raw_transaction(request.raw)
        if isinstance(request, WaitReceipt):
            return await eth.wait_for_transaction_receipt(
                request.tx_hash, timeout=request.timeout_seconds, poll_latency=request.poll_seconds
            )
        if isinstance(request, LatestBlock):
            return await eth.get_block("latest" if request.number is None else request.number)
        function = self.function(request.fn)
        if isinstance(request, Probe):
            try:
                return True, await function.call({"from": request.sender} if request.sender else {}, "latest")
            except REVERTS as exc:
                return False, revert_reason(exc)
            except BadFunctionCallOutput:
                return False, None
        try:
            if isinstance(request, Call):
                block = "latest" if request.block is None else request.block
                return await function.call({"from": request.sender} if request.sender else {}, block)
            if isinstance(request, Estimate):
                return await function.estimate_gas({"from": request.sender}, "latest")
            return await function.build_transaction(request.params)
        except REVERTS as exc:
            if isinstance(request, Call) and not request.typed:
                raise
            raise typed_revert(exc) from None

    async def run(self, plan: Plan[T]) -> T:
        """Drive `plan` to its return value."""
        await self.check_chain()
        try:
            request = next(plan)
            while True:
                request = plan.send(await self.execute(request))
        except StopIteration as done:
            return done.value
