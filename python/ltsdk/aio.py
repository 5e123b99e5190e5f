"""The SDK over asyncio (FastAPI, aiohttp backends): `AsyncProtocol`/`AsyncToken`, the same surface
as ltsdk.client's over web3.py's `AsyncWeb3`, running the same plans (ltsdk.plans).

    from ltsdk.aio import AsyncProtocol
    async with AsyncProtocol.from_manifest("local", "http://127.0.0.1:8545", account=my_account) as protocol:
        states = await protocol.states()
        shares = (await protocol.token("BTC3L").deposit(1_000 * 10**6)).shares
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Self, TypeVar

from eth_account.signers.local import LocalAccount
from web3 import AsyncWeb3

from ltsdk import manifest as manifests
from ltsdk import plans, types
from ltsdk.calls import AsyncNode, Plan
from ltsdk.client import RPC_TIMEOUT_SECONDS, account_from_env, node_url
from ltsdk.token_calls import TokenCalls

P = ParamSpec("P")
R = TypeVar("R")


def http_web3(rpc_url: str | None) -> AsyncWeb3:
    provider = AsyncWeb3.AsyncHTTPProvider(
        node_url(rpc_url), request_kwargs={"timeout": RPC_TIMEOUT_SECONDS}, cache_allowed_requests=True
    )
    return AsyncWeb3(provider)


class AsyncProtocol(plans.Deployment):
    """Every token of one deployment, read through the lens in one round trip (asyncio)."""

    def __init__(
        self, w3: AsyncWeb3, manifest: dict[str, Any], account: LocalAccount | None = None, asset_decimals: int = 6
    ):
        super().__init__(manifests.validate(manifest), account, asset_decimals)
        self.w3 = w3
        self.node = AsyncNode(w3, self.manifest)
        self.tokens = {symbol: AsyncToken(self, symbol) for symbol in self.addresses}

    @classmethod
    def from_manifest(
        cls, path_or_network: str | Path, rpc_url: str | None = None, account: LocalAccount | None = None
    ) -> AsyncProtocol:
        """As `Protocol.from_manifest`: a path, or a network name in $LT_DEPLOYMENTS or ./deployments."""
        account = account if account is not None else account_from_env()
        return cls(http_web3(rpc_url), manifests.load(path_or_network), account)

    @classmethod
    def from_addresses(
        cls,
        lens: str,
        collateral: str,
        tokens: dict[str, str],
        rpc_url: str | None = None,
        account: LocalAccount | None = None,
        w3: AsyncWeb3 | None = None,
    ) -> AsyncProtocol:
        """A deployment known by its addresses alone (`tokens`: symbol -> address), no manifest file."""
        account = account if account is not None else account_from_env()
        return cls(w3 or http_web3(rpc_url), manifests.from_addresses(lens, collateral, tokens), account)

    async def close(self) -> None:
        """Close the provider's HTTP session (or use `async with AsyncProtocol...(...) as p:`)."""
        await self.w3.provider.disconnect()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def token(self, symbol: str) -> AsyncToken:
        self.address_of(symbol)  # UnknownToken, with the known symbols
        return self.tokens[symbol]

    async def states(
        self, symbols: list[str] | None = None, block: int | None = None, asynchronous: bool = False
    ) -> dict[str, types.TokenState]:
        return await self.node.run(plans.states(self, symbols, block, asynchronous))

    async def latest_timestamp(self) -> int:
        return await self.node.run(plans.latest_timestamp())


def _awaits(
    call: Callable[Concatenate[TokenCalls, P], Plan[R]],
) -> Callable[Concatenate[AsyncToken, P], Coroutine[Any, Any, R]]:
    """An `AsyncToken` method that awaits the plan of `call` (its signature and docstring)."""

    @functools.wraps(call)
    async def method(self: AsyncToken, *args: P.args, **kwargs: P.kwargs) -> R:
        return await self._run(call(self.calls, *args, **kwargs))

    return method


class AsyncToken:
    """One leveraged token over asyncio: the calls of `ltsdk.client.Token` (declared once, in
    ltsdk.token_calls.TokenCalls), awaited."""

    def __init__(self, protocol: AsyncProtocol, symbol: str):
        self.protocol = protocol
        self.symbol = symbol
        self.address = protocol.address_of(symbol)
        self.calls = TokenCalls(protocol, symbol)

    def __repr__(self) -> str:
        return f"<AsyncToken {self.symbol} {self.address}>"

    async def _run(self, plan: Plan[Any]) -> Any:
        return await self.protocol.node.run(plan)

    # reads
    kind = _awaits(TokenCalls.kind)
    state = _awaits(TokenCalls.state)
    balance_of = _awaits(TokenCalls.balance_of)
    preview_deposit = _awaits(TokenCalls.preview_deposit)
    preview_mint = _awaits(TokenCalls.preview_mint)
    preview_redeem = _awaits(TokenCalls.preview_redeem)
    preview_withdraw = _awaits(TokenCalls.preview_withdraw)
    # user writes
    deposit = _awaits(TokenCalls.deposit)
    mint = _awaits(TokenCalls.mint)
    redeem = _awaits(TokenCalls.redeem)
    withdraw = _awaits(TokenCalls.withdraw)
    # keeper and admin
    rebalance = _awaits(TokenCalls.rebalance)
    ripcord = _awaits(TokenCalls.ripcord)
    split = _awaits(TokenCalls.split)
    transact = _awaits(TokenCalls.transact)
    configure = _awaits(TokenCalls.configure)
    execute_change = _awaits(TokenCalls.execute_change)
    cancel_change = _awaits(TokenCalls.cancel_change)
    # asynchronous (ERC-7540) tokens: reads, requests, cancels, claims, rounds
    async_state = _awaits(TokenCalls.async_state)
    requests = _awaits(TokenCalls.requests)
    estimate_deposit = _awaits(TokenCalls.estimate_deposit)
    estimate_redeem = _awaits(TokenCalls.estimate_redeem)
    request_deposit = _awaits(TokenCalls.request_deposit)
    request_redeem = _awaits(TokenCalls.request_redeem)
    cancel_deposit_request = _awaits(TokenCalls.cancel_deposit_request)
    cancel_redeem_request = _awaits(TokenCalls.cancel_redeem_request)
    claim_deposit = _awaits(TokenCalls.claim_deposit)
    claim_redeem = _awaits(TokenCalls.claim_redeem)
    set_operator = _awaits(TokenCalls.set_operator)
    close_round = _awaits(TokenCalls.close_round)
    settle = _awaits(TokenCalls.settle)

    @staticmethod
    def queued_change(receipt: Any) -> types.QueuedChange | None:
        """What a `configure` receipt queued, as `Token.queued_change`."""
        return plans.queued_change(receipt)
