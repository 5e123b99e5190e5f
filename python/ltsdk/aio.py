"""The SDK over asyncio (FastAPI, aiohttp backends): `AsyncProtocol`/`AsyncToken`, the same surface
as ltsdk.client's over web3.py's `AsyncWeb3`, running the same plans (ltsdk.plans).

    from ltsdk.aio import AsyncProtocol
    async with AsyncProtocol.from_manifest("local", "http://127.0.0.1:8545", account=my_account) as protocol:
        states = await protocol.states()
        shares = (await protocol.token("BTC3L").deposit(1_000 * 10**6)).shares
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Self

from eth_account.signers.local import LocalAccount
from web3 import AsyncWeb3

from ltsdk import manifest as manifests
from ltsdk import plans, types
from ltsdk.calls import AsyncNode
from ltsdk.client import DEFAULT_RPC, account_from_env
from ltsdk.plans import DEFAULT_DEADLINE_SECONDS, DEFAULT_SLIPPAGE_BPS


def http_web3(rpc_url: str | None) -> AsyncWeb3:
    url = rpc_url or os.environ.get("LT_RPC_URL", DEFAULT_RPC)
    return AsyncWeb3(AsyncWeb3.AsyncHTTPProvider(url, request_kwargs={"timeout": 30}, cache_allowed_requests=True))


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

    async def states(self, symbols: list[str] | None = None, block: int | None = None) -> dict[str, types.TokenState]:
        return await self.node.run(plans.states(self, symbols, block))

    async def latest_timestamp(self) -> int:
        return await self.node.run(plans.latest_timestamp())


class AsyncToken:
    """One leveraged token over asyncio: the methods of `ltsdk.client.Token`, awaited."""

    def __init__(self, protocol: AsyncProtocol, symbol: str):
        self.protocol = protocol
        self.symbol = symbol
        self.address = protocol.address_of(symbol)

    def __repr__(self) -> str:
        return f"<AsyncToken {self.symbol} {self.address}>"

    async def _run(self, plan: plans.Plan[Any]) -> Any:
        return await self.protocol.node.run(plan)

    async def state(self) -> types.TokenState:
        return await self._run(plans.token_state(self.protocol, self.symbol))

    async def balance_of(self, holder: str) -> int:
        return await self._run(plans.balance_of(self.protocol, self.symbol, holder))

    async def preview_deposit(self, assets: int) -> int:
        return await self._run(plans.view(self.protocol, self.symbol, "previewDeposit", assets))

    async def preview_mint(self, shares: int) -> int:
        return await self._run(plans.view(self.protocol, self.symbol, "previewMint", shares))

    async def preview_redeem(self, shares: int) -> int:
        return await self._run(plans.view(self.protocol, self.symbol, "previewRedeem", shares))

    async def preview_withdraw(self, assets: int) -> int:
        return await self._run(plans.view(self.protocol, self.symbol, "previewWithdraw", assets))

    async def deposit(
        self,
        assets: int,
        receiver: str | None = None,
        slippage_bps: int = DEFAULT_SLIPPAGE_BPS,
        deadline_seconds: int = DEFAULT_DEADLINE_SECONDS,
        min_shares: int | None = None,
        approve_max: bool = False,
        **tx_kwargs: Any,
    ) -> types.Deposited:
        plan = plans.deposit(
            self.protocol,
            self.symbol,
            assets,
            receiver,
            slippage_bps,
            deadline_seconds,
            tx_kwargs,
            min_shares,
            approve_max,
        )
        return await self._run(plan)

    async def mint(
        self,
        shares: int,
        receiver: str | None = None,
        slippage_bps: int = DEFAULT_SLIPPAGE_BPS,
        deadline_seconds: int = DEFAULT_DEADLINE_SECONDS,
        approve_max: bool = False,
        **tx_kwargs: Any,
    ) -> types.Deposited:
        plan = plans.mint(
            self.protocol, self.symbol, shares, receiver, slippage_bps, deadline_seconds, tx_kwargs, approve_max
        )
        return await self._run(plan)

    async def redeem(
        self,
        shares: int,
        receiver: str | None = None,
        owner: str | None = None,
        slippage_bps: int = DEFAULT_SLIPPAGE_BPS,
        deadline_seconds: int = DEFAULT_DEADLINE_SECONDS,
        min_assets: int | None = None,
        **tx_kwargs: Any,
    ) -> types.Withdrawn:
        plan = plans.redeem(
            self.protocol, self.symbol, shares, receiver, owner, slippage_bps, deadline_seconds, tx_kwargs, min_assets
        )
        return await self._run(plan)

    async def withdraw(
        self,
        assets: int,
        receiver: str | None = None,
        owner: str | None = None,
        slippage_bps: int = DEFAULT_SLIPPAGE_BPS,
        deadline_seconds: int = DEFAULT_DEADLINE_SECONDS,
        **tx_kwargs: Any,
    ) -> types.Withdrawn:
        plan = plans.withdraw(
            self.protocol, self.symbol, assets, receiver, owner, slippage_bps, deadline_seconds, tx_kwargs
        )
        return await self._run(plan)

    async def rebalance(self, **tx_kwargs: Any) -> types.Rebalanced:
        return await self._run(plans.keeper_call(self.protocol, self.symbol, "rebalance", (), tx_kwargs))

    async def ripcord(self, **tx_kwargs: Any) -> types.Ripcorded:
        return await self._run(plans.keeper_call(self.protocol, self.symbol, "ripcord", (), tx_kwargs))

    async def split(self, factor: int, reverse: bool = False, **tx_kwargs: Any) -> types.Splitted:
        name = "reverse_split" if reverse else "split"
        return await self._run(plans.keeper_call(self.protocol, self.symbol, name, (factor,), tx_kwargs))

    async def transact(self, name: str, *args: Any, **tx_kwargs: Any) -> Any:
        return await self._run(plans.transact(self.protocol, self.symbol, name, args, tx_kwargs))

    async def configure(self, setter: str, *args: Any, **tx_kwargs: Any) -> Any:
        """A parameter change through the token's configurator, as `Token.configure`."""
        return await self._run(plans.configure(self.protocol, self.symbol, setter, args, tx_kwargs))

    @staticmethod
    def queued_change(receipt: Any) -> types.QueuedChange | None:
        """What a `configure` receipt queued, as `Token.queued_change`."""
        return plans.queued_change(receipt)

    async def execute_change(self, change_id: str, **tx_kwargs: Any) -> Any:
        """Apply a queued change once its eta has passed, as `Token.execute_change`."""
        return await self._run(plans.queue_call(self.protocol, self.symbol, "execute", change_id, tx_kwargs))

    async def cancel_change(self, change_id: str, **tx_kwargs: Any) -> Any:
        """Drop a queued change before it executes, as `Token.cancel_change`."""
        return await self._run(plans.queue_call(self.protocol, self.symbol, "cancel", change_id, tx_kwargs))
