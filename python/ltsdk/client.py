"""The SDK a dApp backend or an operator calls: plain web3.py + eth-account, no ape at run time.

    from ltsdk import Protocol
    protocol = Protocol.from_manifest("local", "http://127.0.0.1:8545", account=my_account)
    states = protocol.states()                  # every token, one eth_call through the lens
    btc3l = protocol.token("BTC3L")
    shares = btc3l.deposit(1_000 * 10**6).shares   # approve if needed, simulate, send, decode

Reads return `types.TokenState`; writes simulate with eth_call first and raise the typed
exception of `ltsdk.errors` for any revert, before anything is sent.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError
from web3.logs import DISCARD

from ltsdk import errors, types
from ltsdk.abis import load_abi
from ltsdk.errors import BadManifest, NoSigner, UnknownToken
from ltsdk.sender import Sender
from ltsdk.units import BPS, MAX_UINT256

DEPLOYMENTS_DIR = Path(__file__).resolve().parents[2] / "deployments"
DEFAULT_RPC = "http://127.0.0.1:8545"
DEFAULT_SLIPPAGE_BPS = 50
DEFAULT_DEADLINE_SECONDS = 900
GAS_MARGIN = 20_000


def revert_reason(exc: Exception) -> str | None:
    """The contract's revert string from a web3 error ("execution reverted: lt: slippage")."""
    message = getattr(exc, "message", None) or (exc.args[0] if exc.args else "")
    message = str(message)
    for prefix in ("execution reverted: ", "execution reverted:", "revert: "):
        if prefix in message:
            return message.split(prefix, 1)[1].strip().strip("'\"")
    return None if message.strip() in ("", "execution reverted") else message


def gas_limit(estimate: int) -> int:
    """The gas limit to send with. Estimates run on the latest block, like the simulation (a
    node's "pending" block may carry a time before the latest block's after a time warp); the
    mined block may take a costlier path (e.g. a second of management fee to mint), so leave a
    margin."""
    return estimate * 5 // 4 + GAS_MARGIN


def account_from_env() -> Any | None:
    """LT_PRIVATE_KEY, or LT_KEYSTORE (an encrypted JSON keystore) with LT_KEYSTORE_PASSWORD."""
    if key := os.environ.get("LT_PRIVATE_KEY"):
        return Account.from_key(key)
    if keystore := os.environ.get("LT_KEYSTORE"):
        encrypted = json.loads(Path(keystore).read_text())
        return Account.from_key(Account.decrypt(encrypted, os.environ.get("LT_KEYSTORE_PASSWORD", "")))
    return None


def load_manifest(path_or_network: str | Path) -> dict[str, Any]:
    """A path to a manifest, or a network name: "local" -> deployments/local.json."""
    path = Path(path_or_network)
    if not path.suffix:
        path = DEPLOYMENTS_DIR / f"{path_or_network}.json"
    try:
        manifest = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise BadManifest(f"cannot read manifest {path}: {exc}") from None
    for key in ("collateral", "lens", "tokens"):
        if key not in manifest:
            raise BadManifest(f"manifest {path} has no {key!r}")
    return manifest


class Protocol:
    """Every token of one deployment, read through the lens in one round trip."""

    def __init__(self, w3: Web3, manifest: dict[str, Any], account=None, asset_decimals: int = 6):
        self.w3 = w3
        self.manifest = manifest
        self.account = account
        self._sender: Sender | None = None
        self.asset_decimals = asset_decimals
        self.lens = w3.eth.contract(address=manifest["lens"], abi=load_abi("LeveragedTokenLens"), decode_tuples=True)
        self.collateral = w3.eth.contract(address=manifest["collateral"], abi=load_abi("MockUSDC"))
        self.tokens = {symbol: Token(self, symbol, entry["address"]) for symbol, entry in manifest["tokens"].items()}

    @classmethod
    def from_manifest(cls, path_or_network: str | Path, rpc_url: str | None = None, account=None) -> Protocol:
        manifest = load_manifest(path_or_network)
        w3 = Web3(
            Web3.HTTPProvider(
                rpc_url or os.environ.get("LT_RPC_URL", DEFAULT_RPC),
                request_kwargs={"timeout": 30},
                cache_allowed_requests=True,  # eth_chainId once, not around every eth_call
            )
        )
        return cls(w3, manifest, account if account is not None else account_from_env())

    def token(self, symbol: str) -> Token:
        try:
            return self.tokens[symbol]
        except KeyError:
            raise UnknownToken(f"unknown token {symbol!r}; known: {', '.join(sorted(self.tokens))}") from None

    def states(self, symbols: list[str] | None = None) -> dict[str, types.TokenState]:
        """The state of every (or the named) token: one eth_call, whatever their number."""
        chosen = [self.token(symbol) for symbol in (symbols or list(self.tokens))]
        rows = self.lens.functions.get_states([token.address for token in chosen]).call()
        return {
            token.symbol: types.TokenState.from_row(token.symbol, row, self.asset_decimals)
            for token, row in zip(chosen, rows, strict=True)
        }

    # ---------------------------------------------------------------- transactions

    def signer(self):
        if self.account is None:
            raise NoSigner("this call sends a transaction: pass account= or set LT_PRIVATE_KEY")
        return self.account

    @property
    def sender(self) -> Sender:
        """The signer's transaction sender (a new one if `account` was replaced)."""
        account = self.signer()
        if self._sender is None or self._sender.account is not account:
            self._sender = Sender(self.w3, account)
        return self._sender

    def simulate(self, function, sender: str | None = None):
        """eth_call `function` as `sender`; raise the typed error of its revert."""
        try:
            return function.call({"from": sender or self.signer().address})
        except (ContractLogicError, ContractCustomError) as exc:
            raise errors.from_revert(revert_reason(exc)) from None

    def send(self, function, **tx_kwargs):
        """Simulate, then sign and send `function`; return the receipt (raises on revert)."""
        account = self.signer()
        self.simulate(function, account.address)
        sender = self.sender
        sender.resync()  # the key may also sign elsewhere (ape, another session): the node counts
        params = {"from": account.address, "nonce": sender.next_nonce()}
        params.update(tx_kwargs)
        try:
            if "gas" not in params:
                params["gas"] = gas_limit(function.estimate_gas({"from": account.address}, "latest"))
            tx = function.build_transaction(params)
        except (ContractLogicError, ContractCustomError) as exc:
            raise errors.from_revert(revert_reason(exc)) from None
        tx_hash = sender.broadcast(sender.sign(tx).raw_transaction)
        receipt = sender.wait(tx_hash, timeout=120)
        if receipt["status"] != 1:
            raise errors.TransactionFailed(f"transaction {tx_hash.hex()} reverted")
        return receipt

    def latest_timestamp(self) -> int:
        return self.w3.eth.get_block("latest")["timestamp"]


class Token:
    """One leveraged token: previews, user writes with slippage and deadline, keeper calls."""

    def __init__(self, protocol: Protocol, symbol: str, address: str):
        self.protocol = protocol
        self.symbol = symbol
        self.address = Web3.to_checksum_address(address)
        self.contract = protocol.w3.eth.contract(address=self.address, abi=load_abi("LeveragedToken"))

    def __repr__(self) -> str:
        return f"<Token {self.symbol} {self.address}>"

    def _fn(self, signature: str, *args):
        return self.contract.get_function_by_signature(signature)(*args)

    def _view(self, name: str, *args):
        return self.protocol.simulate(getattr(self.contract.functions, name)(*args), self.address)

    # ---------------------------------------------------------------- reads

    def state(self) -> types.TokenState:
        return self.protocol.states([self.symbol])[self.symbol]

    def balance_of(self, holder: str) -> int:
        return self.contract.functions.balanceOf(holder).call()

    def preview_deposit(self, assets: int) -> int:
        return self._view("previewDeposit", assets)

    def preview_mint(self, shares: int) -> int:
        return self._view("previewMint", shares)

    def preview_redeem(self, shares: int) -> int:
        return self._view("previewRedeem", shares)

    def preview_withdraw(self, assets: int) -> int:
        return self._view("previewWithdraw", assets)

    # ---------------------------------------------------------------- user writes

    def _deadline(self, seconds: int) -> int:
        return self.protocol.latest_timestamp() + seconds

    def _preflight_mint(self, assets: int, receiver: str) -> None:
        """Raise the error a mint paying `assets` would revert with, before any approval is sent
        (the real call can only be simulated once the allowance exists)."""
        held = self.protocol.collateral.functions.balanceOf(self.protocol.signer().address).call()
        if assets > held:
            raise errors.InsufficientBalance(
                f"the wallet holds {held} of the {assets} needed", "usdc: insufficient balance"
            )
        state = self.state()
        most = self._view("maxDeposit", receiver)
        if assets > most:
            if state.is_shutdown:
                raise errors.Shutdown("the token is shut down", "lt: shutdown")
            if state.paused:
                raise errors.Paused("minting is paused", "lt: paused")
            if not state.oracle_fresh:
                raise errors.StalePrice("the oracle price is stale", "lt: stale price")
            if state.supply > 0 and state.nav == 0:
                raise errors.Insolvent("the fund is insolvent", "lt: insolvent")
            if state.nav + assets > state.max_total_assets:
                raise errors.CapReached(f"{assets} would take NAV past max_total_assets", "lt: cap")
            # else the venue's depth binds. maxDeposit underestimates that limit by up to ~0.1 %:
            # just above it the simulation decides; well above it the trade cannot fit
            if assets > most + most // 500:
                raise errors.SlippageExceeded(
                    f"{assets} would trade past the fund's price limit on the venue; at most ~{most} now",
                    "venue: slippage",
                )
        if state.supply == 0:
            net = assets - assets * state.mint_fee_bps // BPS
            if net < self.contract.functions.MIN_INITIAL_ASSETS().call():
                raise errors.FirstDepositTooSmall(
                    "the first mint must add at least one whole unit", "lt: first deposit"
                )

    def _ensure_allowance(self, assets: int, **tx_kwargs) -> None:
        owner = self.protocol.signer().address
        collateral = self.protocol.collateral
        if collateral.functions.allowance(owner, self.address).call() < assets:
            self.protocol.send(collateral.functions.approve(self.address, assets), **tx_kwargs)

    @staticmethod
    def _check_amount(amount: int, what: str) -> None:
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0 or amount > MAX_UINT256:
            raise errors.ZeroAmount(f"{what} must be a positive integer in base units, got {amount!r}")

    def deposit(
        self,
        assets: int,
        receiver: str | None = None,
        slippage_bps: int = DEFAULT_SLIPPAGE_BPS,
        deadline_seconds: int = DEFAULT_DEADLINE_SECONDS,
        **tx_kwargs,
    ) -> types.Deposited:
        """Pay `assets` (collateral base units); at least preview x (1 - slippage) shares or revert."""
        self._check_amount(assets, "assets")
        receiver = receiver or self.protocol.signer().address
        self._preflight_mint(assets, receiver)
        preview = self.preview_deposit(assets)
        if preview == 0:
            raise errors.ZeroAmount(f"{assets} is too small to mint a share", "lt: zero shares")
        self._ensure_allowance(assets, **tx_kwargs)
        min_shares = preview * (BPS - slippage_bps) // BPS
        function = self._fn(
            "deposit(uint256,address,uint256,uint256)", assets, receiver, min_shares, self._deadline(deadline_seconds)
        )
        return self._result(self.protocol.send(function, **tx_kwargs), "Deposit", types.Deposited)

    def mint(
        self,
        shares: int,
        receiver: str | None = None,
        slippage_bps: int = DEFAULT_SLIPPAGE_BPS,
        deadline_seconds: int = DEFAULT_DEADLINE_SECONDS,
        **tx_kwargs,
    ) -> types.Deposited:
        """Mint exactly `shares`, paying at most preview x (1 + slippage)."""
        self._check_amount(shares, "shares")
        receiver = receiver or self.protocol.signer().address
        charge = self.preview_mint(shares)
        max_assets = charge * (BPS + slippage_bps) // BPS
        self._preflight_mint(charge, receiver)
        self._ensure_allowance(max_assets, **tx_kwargs)
        function = self._fn(
            "mint(uint256,address,uint256,uint256)", shares, receiver, max_assets, self._deadline(deadline_seconds)
        )
        return self._result(self.protocol.send(function, **tx_kwargs), "Deposit", types.Deposited)

    def redeem(
        self,
        shares: int,
        receiver: str | None = None,
        owner: str | None = None,
        slippage_bps: int = DEFAULT_SLIPPAGE_BPS,
        deadline_seconds: int = DEFAULT_DEADLINE_SECONDS,
        **tx_kwargs,
    ) -> types.Withdrawn:
        """Burn `shares`; at least preview x (1 - slippage) assets or revert."""
        self._check_amount(shares, "shares")
        me = self.protocol.signer().address
        min_assets = self.preview_redeem(shares) * (BPS - slippage_bps) // BPS
        function = self._fn(
            "redeem(uint256,address,address,uint256,uint256)",
            shares,
            receiver or me,
            owner or me,
            min_assets,
            self._deadline(deadline_seconds),
        )
        return self._result(self.protocol.send(function, **tx_kwargs), "Withdraw", types.Withdrawn)

    def withdraw(
        self,
        assets: int,
        receiver: str | None = None,
        owner: str | None = None,
        slippage_bps: int = DEFAULT_SLIPPAGE_BPS,
        deadline_seconds: int = DEFAULT_DEADLINE_SECONDS,
        **tx_kwargs,
    ) -> types.Withdrawn:
        """Receive exactly `assets`, burning at most preview x (1 + slippage) shares."""
        self._check_amount(assets, "assets")
        me = self.protocol.signer().address
        max_shares = self.preview_withdraw(assets) * (BPS + slippage_bps) // BPS
        function = self._fn(
            "withdraw(uint256,address,address,uint256,uint256)",
            assets,
            receiver or me,
            owner or me,
            max_shares,
            self._deadline(deadline_seconds),
        )
        return self._result(self.protocol.send(function, **tx_kwargs), "Withdraw", types.Withdrawn)

    # ---------------------------------------------------------------- keeper and admin

    def rebalance(self, **tx_kwargs) -> types.Rebalanced:
        return self._result(
            self.protocol.send(self.contract.functions.rebalance(), **tx_kwargs), "Rebalanced", types.Rebalanced
        )

    def ripcord(self, **tx_kwargs) -> types.Ripcorded:
        return self._result(
            self.protocol.send(self.contract.functions.ripcord(), **tx_kwargs), "Ripcord", types.Ripcorded
        )

    def split(self, factor: int, reverse: bool = False, **tx_kwargs) -> types.Splitted:
        function = self.contract.functions.reverse_split(factor) if reverse else self.contract.functions.split(factor)
        return self._result(self.protocol.send(function, **tx_kwargs), "Split", types.Splitted)

    def transact(self, name: str, *args, **tx_kwargs):
        """Any other state-changing call of the token by name (e.g. "pause"): simulated, sent, the
        receipt returned."""
        return self.protocol.send(getattr(self.contract.functions, name)(*args), **tx_kwargs)

    def configurator(self):
        """The token's LeveragedTokenConfigurator (web3 contract): its parameter setters and timelock."""
        address = self.contract.functions.configurator().call()
        return self.protocol.w3.eth.contract(address=address, abi=load_abi("LeveragedTokenConfigurator"))

    def configure(self, setter: str, *args, **tx_kwargs):
        """A parameter change through the configurator (e.g. "set_fees", 10, 10, 365), the token
        passed first: simulated, sent, the receipt returned. It acts at once where the
        configurator allows (a fee cut, a lower cap, no shares yet); otherwise its ChangeQueued
        event carries the id to `execute` after the delay (`configurator().functions.execute`)."""
        return self.protocol.send(getattr(self.configurator().functions, setter)(self.address, *args), **tx_kwargs)

    # ---------------------------------------------------------------- events

    def _result(self, receipt, event_name: str, result_type):
        """`result_type` (a types dataclass) from the transaction hash, the gas used and the
        arguments of the receipt's `event_name` event, matched by field name."""
        logs = getattr(self.contract.events, event_name)().process_receipt(receipt, errors=DISCARD)
        if not logs:
            raise errors.TransactionFailed(f"no {event_name} event in {receipt['transactionHash'].hex()}")
        args = logs[0]["args"]
        fields = {f.name for f in dataclasses.fields(result_type)} - {"tx_hash", "gas_used"}
        return result_type(
            tx_hash=receipt["transactionHash"].hex(),
            gas_used=receipt["gasUsed"],
            **{name: args[name] for name in fields},
        )

    def events(self, name: str, from_block: int, to_block: int | str = "latest") -> list[dict]:
        """Typed iteration of one event (Deposit, Withdraw, Rebalanced, Ripcord, Split, Transfer)
        over a block range: the decoded arguments plus block and transaction."""
        logs = getattr(self.contract.events, name)().get_logs(from_block=from_block, to_block=to_block)
        return [dict(log["args"], block=log["blockNumber"], tx_hash=log["transactionHash"].hex()) for log in logs]
