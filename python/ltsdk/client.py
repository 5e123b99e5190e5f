"""The SDK a dApp backend or an operator calls: plain web3.py + eth-account, no ape at run time.

    from ltsdk import Protocol
    protocol = Protocol.from_manifest("local", "http://127.0.0.1:8545", account=my_account)
    states = protocol.states()                  # every token, one eth_call through the lens
    btc3l = protocol.token("BTC3L")
    shares = btc3l.deposit(1_000 * 10**6).shares   # approve if needed, simulate, send, decode

Reads return `types.TokenState`; writes simulate with eth_call first and raise the typed
exception of `ltsdk.errors` for any revert, before anything is sent. The logic is ltsdk.plans';
`ltsdk.aio` offers the same surface over `AsyncWeb3`.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from ltsdk import manifest as manifests
from ltsdk import plans, types
from ltsdk.calls import Plan, SyncNode, revert_reason
from ltsdk.codes import TokenKind
from ltsdk.errors import BadAccount, BadManifest, NoSigner, UnknownToken
from ltsdk.sender import gas_limit
from ltsdk.token_calls import TokenCalls

__all__ = [
    "BadAccount",
    "BadManifest",
    "NoSigner",
    "Protocol",
    "Token",
    "UnknownToken",
    "account_from_env",
    "gas_limit",
    "load_manifest",
    "revert_reason",
]

DEFAULT_RPC = "http://127.0.0.1:8545"
RPC_TIMEOUT_SECONDS = 30  # one JSON-RPC request, sync or async
load_manifest = manifests.load
P = ParamSpec("P")
R = TypeVar("R")


def account_from_env() -> LocalAccount | None:
    """LT_PRIVATE_KEY, or LT_KEYSTORE (an encrypted JSON keystore) with LT_KEYSTORE_PASSWORD; None
    if neither is set. A key or keystore that does not give an account raises BadAccount naming the
    variable (never its value)."""
    if key := os.environ.get("LT_PRIVATE_KEY"):
        try:
            return Account.from_key(key)
        except ValueError:  # binascii.Error is one
            raise BadAccount("LT_PRIVATE_KEY is not a private key: expected 32 bytes as 64 hex digits") from None
    if keystore := os.environ.get("LT_KEYSTORE"):
        try:
            encrypted = json.loads(Path(keystore).read_text())
        except OSError as exc:
            raise BadAccount(f"LT_KEYSTORE {keystore} cannot be read: {exc.strerror or exc}") from None
        except ValueError:  # json.JSONDecodeError, UnicodeDecodeError
            raise BadAccount(f"LT_KEYSTORE {keystore} is not a JSON keystore") from None
        try:
            return Account.from_key(Account.decrypt(encrypted, os.environ.get("LT_KEYSTORE_PASSWORD", "")))
        except (ValueError, KeyError, TypeError):
            raise BadAccount(f"LT_KEYSTORE_PASSWORD does not decrypt LT_KEYSTORE {keystore}") from None
    return None


def node_url(rpc_url: str | None) -> str:
    """The JSON-RPC URL to use: `rpc_url`, else $LT_RPC_URL, else the local node."""
    return rpc_url or os.environ.get("LT_RPC_URL", DEFAULT_RPC)


def http_web3(rpc_url: str | None) -> Web3:
    return Web3(
        Web3.HTTPProvider(
            node_url(rpc_url),
            request_kwargs={"timeout": RPC_TIMEOUT_SECONDS},
            cache_allowed_requests=True,  # eth_chainId once, not around every eth_call
        )
    )


class Protocol(plans.Deployment):
    """Every token of one deployment, read through the lens in one round trip."""

    def __init__(
        self, w3: Web3, manifest: dict[str, Any], account: LocalAccount | None = None, asset_decimals: int = 6
    ):
        super().__init__(manifests.validate(manifest), account, asset_decimals)
        self.w3 = w3
        self.node = SyncNode(w3, self.manifest)
        self.lens = self.node.contract(self.lens_address, plans.LENS_ABI)
        self.collateral = self.node.contract(self.collateral_address, plans.COLLATERAL_ABI)
        self.tokens = {symbol: Token(self, symbol) for symbol in self.addresses}

    @classmethod
    def from_manifest(
        cls, path_or_network: str | Path, rpc_url: str | None = None, account: LocalAccount | None = None
    ) -> Protocol:
        """The deployment a manifest describes: a path, or a network name looked up in
        $LT_DEPLOYMENTS, then ./deployments (ltsdk.manifest.resolve)."""
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
        w3: Web3 | None = None,
    ) -> Protocol:
        """A deployment known by its addresses alone (`tokens`: symbol -> address), no manifest file."""
        account = account if account is not None else account_from_env()
        return cls(w3 or http_web3(rpc_url), manifests.from_addresses(lens, collateral, tokens), account)

    def token(self, symbol: str) -> Token:
        self.address_of(symbol)  # UnknownToken, with the known symbols
        return self.tokens[symbol]

    def states(
        self, symbols: list[str] | None = None, block: int | None = None, asynchronous: bool = False
    ) -> dict[str, types.TokenState]:
        """The state of every (or the named) token in `block` (None: the latest): one eth_call,
        whatever their number. The lens reads synchronous tokens: an asynchronous token's row is
        not ok, unless `asynchronous`, which reads it from its own views in the same block (kind
        "async"; plans.async_row)."""
        return self.node.run(plans.states(self, symbols, block, asynchronous))

    # ---------------------------------------------------------------- transactions

    def latest_timestamp(self) -> int:
        return self.node.run(plans.latest_timestamp())


def _runs(call: Callable[Concatenate[TokenCalls, P], Plan[R]]) -> Callable[Concatenate[Token, P], R]:
    """A `Token` method that runs the plan of `call` (its signature and docstring) to its value."""

    @functools.wraps(call)
    def method(self: Token, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._run(call(self.calls, *args, **kwargs))

    return method


class Token:
    """One leveraged token of either kind (`kind()`): a synchronous token's previews, user writes
    with slippage and deadline and keeper calls; an asynchronous (ERC-7540) token's requests,
    cancels, claims, rounds and estimates. Each call is declared once, in
    ltsdk.token_calls.TokenCalls, and run here to its value."""

    def __init__(self, protocol: Protocol, symbol: str):
        self.protocol = protocol
        self.symbol = symbol
        self.address = protocol.address_of(symbol)
        self.calls = TokenCalls(protocol, symbol)

    @property
    def contract(self) -> Any:
        """The web3 contract (the keeper's), made on first use and kept by the node: web3 takes 35-70 ms
        to build a token's, and a session made for one token need not build all of them."""
        return self.protocol.node.contract(self.address, plans.TOKEN_ABI)

    def __repr__(self) -> str:
        return f"<Token {self.symbol} {self.address}>"

    def _run(self, plan: Plan[Any]) -> Any:
        return self.protocol.node.run(plan)

    # reads
    kind = _runs(TokenCalls.kind)
    state = _runs(TokenCalls.state)
    balance_of = _runs(TokenCalls.balance_of)
    preview_deposit = _runs(TokenCalls.preview_deposit)
    preview_mint = _runs(TokenCalls.preview_mint)
    preview_redeem = _runs(TokenCalls.preview_redeem)
    preview_withdraw = _runs(TokenCalls.preview_withdraw)
    # user writes
    deposit = _runs(TokenCalls.deposit)
    mint = _runs(TokenCalls.mint)
    redeem = _runs(TokenCalls.redeem)
    withdraw = _runs(TokenCalls.withdraw)
    # for a wallet outside the SDK
    deposit_transactions = _runs(TokenCalls.deposit_transactions)
    redeem_transactions = _runs(TokenCalls.redeem_transactions)
    # keeper and admin
    rebalance = _runs(TokenCalls.rebalance)
    ripcord = _runs(TokenCalls.ripcord)
    split = _runs(TokenCalls.split)
    transact = _runs(TokenCalls.transact)
    configure = _runs(TokenCalls.configure)
    execute_change = _runs(TokenCalls.execute_change)
    cancel_change = _runs(TokenCalls.cancel_change)
    # asynchronous (ERC-7540) tokens: reads, requests, cancels, claims, rounds
    async_state = _runs(TokenCalls.async_state)
    requests = _runs(TokenCalls.requests)
    estimate_deposit = _runs(TokenCalls.estimate_deposit)
    estimate_redeem = _runs(TokenCalls.estimate_redeem)
    request_deposit = _runs(TokenCalls.request_deposit)
    request_redeem = _runs(TokenCalls.request_redeem)
    cancel_deposit_request = _runs(TokenCalls.cancel_deposit_request)
    cancel_redeem_request = _runs(TokenCalls.cancel_redeem_request)
    claim_deposit = _runs(TokenCalls.claim_deposit)
    claim_redeem = _runs(TokenCalls.claim_redeem)
    set_operator = _runs(TokenCalls.set_operator)
    close_round = _runs(TokenCalls.close_round)
    settle = _runs(TokenCalls.settle)

    def configurator(self) -> Any:
        """The token's LeveragedTokenConfigurator (web3 contract): its parameter setters and timelock."""
        address = self.contract.functions.configurator().call()
        return self.protocol.node.contract(address, plans.CONFIGURATOR_ABI)

    @staticmethod
    def queued_change(receipt: Any) -> types.QueuedChange | None:
        """What a `configure` receipt queued (id, kind, values, eta), or None if it acted at once."""
        return plans.queued_change(receipt)

    # ---------------------------------------------------------------- events

    def events(self, name: str, from_block: int, to_block: int | str = "latest") -> list[dict]:
        """Typed iteration of one event (Deposit, Withdraw, Rebalanced, Ripcord, Split, Transfer;
        an asynchronous token's DepositRequest, RedeemRequest, RoundClosed, RoundSettled, ...)
        over a block range: the decoded arguments plus block and transaction."""
        contract = self.contract
        if self.kind() == TokenKind.ASYNC:
            contract = self.protocol.node.contract(self.address, plans.ASYNC_TOKEN_ABI)
        logs = getattr(contract.events, name)().get_logs(from_block=from_block, to_block=to_block)
        return [
            dict(log["args"], block=log["blockNumber"], tx_hash=Web3.to_hex(log["transactionHash"])) for log in logs
        ]
