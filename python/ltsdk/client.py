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

import json
import os
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from ltsdk import manifest as manifests
from ltsdk import plans, types
from ltsdk.calls import SyncNode, revert_reason
from ltsdk.errors import BadAccount, BadManifest, NoSigner, UnknownToken
from ltsdk.plans import DEFAULT_DEADLINE_SECONDS, DEFAULT_SLIPPAGE_BPS
from ltsdk.sender import gas_limit

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
load_manifest = manifests.load


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


def http_web3(rpc_url: str | None) -> Web3:
    return Web3(
        Web3.HTTPProvider(
            rpc_url or os.environ.get("LT_RPC_URL", DEFAULT_RPC),
            request_kwargs={"timeout": 30},
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

    def states(self, symbols: list[str] | None = None, block: int | None = None) -> dict[str, types.TokenState]:
        """The state of every (or the named) token in `block` (None: the latest): one eth_call,
        whatever their number."""
        return self.node.run(plans.states(self, symbols, block))

    # ---------------------------------------------------------------- transactions

    def latest_timestamp(self) -> int:
        return self.node.run(plans.latest_timestamp())


class Token:
    """One leveraged token: previews, user writes with slippage and deadline, keeper calls."""

    def __init__(self, protocol: Protocol, symbol: str):
        self.protocol = protocol
        self.symbol = symbol
        self.address = protocol.address_of(symbol)
        self.contract = protocol.node.contract(self.address, plans.TOKEN_ABI)  # web3 contract (the keeper's)

    def __repr__(self) -> str:
        return f"<Token {self.symbol} {self.address}>"

    def _run(self, plan: plans.Plan[Any]) -> Any:
        return self.protocol.node.run(plan)

    # ---------------------------------------------------------------- reads

    def state(self) -> types.TokenState:
        return self._run(plans.token_state(self.protocol, self.symbol))

    def balance_of(self, holder: str) -> int:
        return self._run(plans.balance_of(self.protocol, self.symbol, holder))

    def preview_deposit(self, assets: int) -> int:
        return self._run(plans.view(self.protocol, self.symbol, "previewDeposit", assets))

    def preview_mint(self, shares: int) -> int:
        return self._run(plans.view(self.protocol, self.symbol, "previewMint", shares))

    def preview_redeem(self, shares: int) -> int:
        return self._run(plans.view(self.protocol, self.symbol, "previewRedeem", shares))

    def preview_withdraw(self, assets: int) -> int:
        return self._run(plans.view(self.protocol, self.symbol, "previewWithdraw", assets))

    # ---------------------------------------------------------------- user writes

    def deposit(
        self,
        assets: int,
        receiver: str | None = None,
        slippage_bps: int = DEFAULT_SLIPPAGE_BPS,
        deadline_seconds: int = DEFAULT_DEADLINE_SECONDS,
        min_shares: int | None = None,
        approve_max: bool = False,
        **tx_kwargs: Any,
    ) -> types.Deposited:
        """Pay `assets` (collateral base units); at least `min_shares` (default: the preview just
        before sending x (1 - slippage)) or revert. Approves exactly `assets` if the allowance is
        short (`approve_max`: the maximum)."""
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
        return self._run(plan)

    def mint(
        self,
        shares: int,
        receiver: str | None = None,
        slippage_bps: int = DEFAULT_SLIPPAGE_BPS,
        deadline_seconds: int = DEFAULT_DEADLINE_SECONDS,
        approve_max: bool = False,
        **tx_kwargs: Any,
    ) -> types.Deposited:
        """Mint exactly `shares`, paying at most preview x (1 + slippage)."""
        plan = plans.mint(
            self.protocol, self.symbol, shares, receiver, slippage_bps, deadline_seconds, tx_kwargs, approve_max
        )
        return self._run(plan)

    def redeem(
        self,
        shares: int,
        receiver: str | None = None,
        owner: str | None = None,
        slippage_bps: int = DEFAULT_SLIPPAGE_BPS,
        deadline_seconds: int = DEFAULT_DEADLINE_SECONDS,
        min_assets: int | None = None,
        **tx_kwargs: Any,
    ) -> types.Withdrawn:
        """Burn `shares`; at least `min_assets` (default: the preview x (1 - slippage)) or revert."""
        plan = plans.redeem(
            self.protocol, self.symbol, shares, receiver, owner, slippage_bps, deadline_seconds, tx_kwargs, min_assets
        )
        return self._run(plan)

    def withdraw(
        self,
        assets: int,
        receiver: str | None = None,
        owner: str | None = None,
        slippage_bps: int = DEFAULT_SLIPPAGE_BPS,
        deadline_seconds: int = DEFAULT_DEADLINE_SECONDS,
        **tx_kwargs: Any,
    ) -> types.Withdrawn:
        """Receive exactly `assets`, burning at most preview x (1 + slippage) shares."""
        plan = plans.withdraw(
            self.protocol, self.symbol, assets, receiver, owner, slippage_bps, deadline_seconds, tx_kwargs
        )
        return self._run(plan)

    # ---------------------------------------------------------------- for a wallet outside the SDK

    def deposit_transactions(
        self,
        assets: int,
        sender: str,
        receiver: str | None = None,
        slippage_bps: int = DEFAULT_SLIPPAGE_BPS,
        deadline_seconds: int = DEFAULT_DEADLINE_SECONDS,
    ) -> types.WalletPlan:
        """What `sender`'s own wallet (a browser's) sends to pay `assets`: the approval if the
        allowance is short, then the bounded deposit, with their exact quote. Checked as `deposit`
        checks; nothing is signed or sent here."""
        args = (assets, sender, receiver, slippage_bps, deadline_seconds)
        return self._run(plans.wallet_deposit(self.protocol, self.symbol, *args))

    def redeem_transactions(
        self,
        shares: int,
        sender: str,
        receiver: str | None = None,
        slippage_bps: int = DEFAULT_SLIPPAGE_BPS,
        deadline_seconds: int = DEFAULT_DEADLINE_SECONDS,
    ) -> types.WalletPlan:
        """What `sender`'s own wallet sends to redeem `shares`, simulated, with its exact quote."""
        args = (shares, sender, receiver, slippage_bps, deadline_seconds)
        return self._run(plans.wallet_redeem(self.protocol, self.symbol, *args))

    # ---------------------------------------------------------------- keeper and admin

    def rebalance(self, **tx_kwargs: Any) -> types.Rebalanced:
        return self._run(plans.keeper_call(self.protocol, self.symbol, "rebalance", (), tx_kwargs))

    def ripcord(self, **tx_kwargs: Any) -> types.Ripcorded:
        return self._run(plans.keeper_call(self.protocol, self.symbol, "ripcord", (), tx_kwargs))

    def split(self, factor: int, reverse: bool = False, **tx_kwargs: Any) -> types.Splitted:
        name = "reverse_split" if reverse else "split"
        return self._run(plans.keeper_call(self.protocol, self.symbol, name, (factor,), tx_kwargs))

    def transact(self, name: str, *args: Any, **tx_kwargs: Any) -> Any:
        """Any other state-changing call of the token by name (e.g. "pause"): simulated, sent, the
        receipt returned."""
        return self._run(plans.transact(self.protocol, self.symbol, name, args, tx_kwargs))

    def configurator(self) -> Any:
        """The token's LeveragedTokenConfigurator (web3 contract): its parameter setters and timelock."""
        address = self.contract.functions.configurator().call()
        return self.protocol.node.contract(address, plans.CONFIGURATOR_ABI)

    def configure(self, setter: str, *args: Any, **tx_kwargs: Any) -> Any:
        """A parameter change through the configurator (e.g. "set_fees", 10, 10, 365), the token
        passed first: simulated, sent, the receipt returned. It acts at once where the
        configurator allows (a fee cut, a lower cap, no shares yet); otherwise its ChangeQueued
        event carries the id to pass to `execute_change` after the delay (`queued_change`)."""
        return self._run(plans.configure(self.protocol, self.symbol, setter, args, tx_kwargs))

    @staticmethod
    def queued_change(receipt: Any) -> types.QueuedChange | None:
        """What a `configure` receipt queued (id, kind, values, eta), or None if it acted at once."""
        return plans.queued_change(receipt)

    def execute_change(self, change_id: str, **tx_kwargs: Any) -> Any:
        """The admin: apply a queued change once its eta has passed; the receipt."""
        return self._run(plans.queue_call(self.protocol, self.symbol, "execute", change_id, tx_kwargs))

    def cancel_change(self, change_id: str, **tx_kwargs: Any) -> Any:
        """The guardian or the admin: drop a queued change before it executes; the receipt."""
        return self._run(plans.queue_call(self.protocol, self.symbol, "cancel", change_id, tx_kwargs))

    # ---------------------------------------------------------------- events

    def events(self, name: str, from_block: int, to_block: int | str = "latest") -> list[dict]:
        """Typed iteration of one event (Deposit, Withdraw, Rebalanced, Ripcord, Split, Transfer)
        over a block range: the decoded arguments plus block and transaction."""
        logs = getattr(self.contract.events, name)().get_logs(from_block=from_block, to_block=to_block)
        return [
            dict(log["args"], block=log["blockNumber"], tx_hash=Web3.to_hex(log["transactionHash"])) for log in logs
        ]
