"""Deploy the protocol: one routine over a small backend seam (ape for scripts and tests on a
JSON-RPC chain, titanoboa for the in-process fuzz suite).

The one home of deployment logic: `scripts/deploy.py`, the demo, the benchmarks, the ape test
fixtures (`ApeBackend`) and the fuzz suite's chain (`BoaBackend`) all call `deploy_protocol` or
its steps. The order: collateral, one oracle and one funded venue per market, the shared views
contract and configurator, the two token blueprints (sync and async), the factory wired to them,
the lens, then the products of `deployments/products.json` through the factory (each product's own
parameters set through the configurator before its first mint, when they act at once), then the
roles. The venues are synchronous (MockPerpAdapter) by default; with `venue_kind="async"` they are
MockAsyncPerpVenue and the factory creates LeveragedTokenAsync on them (the manifest gives each
market's and token's `kind`).
Every step can be resumed: with a `Record` (the manifest so far, saved after each contract is
mined) a re-run deploys only what it lacks and skips the calls whose effect the chain already
shows (`start_record` decides what a deploy to a manifest file starts from).
Neither framework is imported here: a backend is handed the caller's own (an ape `project`, or
boa when `BoaBackend` is used).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from ltsdk import math
from ltsdk.manifest import ASYNC, DEPLOYMENTS_ENV, KINDS, SYNC
from ltsdk.units import WAD

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENTS_DIR = REPO_ROOT / "deployments"
PRODUCTS_FILE = DEPLOYMENTS_DIR / "products.json"
CONTRACTS_DIR = REPO_ROOT / "contracts"
MAX_UINT256 = 2**256 - 1
KEEPER_ROLE_NAME = "KEEPER_ROLE"
GUARDIAN_ROLE_NAME = "GUARDIAN_ROLE"
VENUE_CONTRACT = {SYNC: "mocks/MockPerpAdapter", ASYNC: "mocks/MockAsyncPerpVenue"}
TOKEN_CONTRACT = {SYNC: "LeveragedToken", ASYNC: "LeveragedTokenAsync"}


def load_products(path: Path = PRODUCTS_FILE) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def market_name(underlying: str) -> str:
    """A venue's market() by the rule the factory checks: a token on `underlying` is created only
    on a venue named "{UNDERLYING}-PERP" (LeveragedTokenFactory's MARKET_SUFFIX)."""
    return f"{underlying}-PERP"


def token_symbol(underlying: str, leverage: int, is_long: bool) -> str:
    """The factory's naming rule: {UNDERLYING}{LEVERAGE}{L|S}."""
    return f"{underlying}{leverage}{'L' if is_long else 'S'}"


def oracle_answer(price: str | Decimal, decimals: int) -> int:
    """A USD price as a Chainlink answer with `decimals` decimals (exact, no float)."""
    scaled = Decimal(price) * (10**decimals)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"price {price} has more than {decimals} decimals")
    return int(scaled)


# ---------------------------------------------------------------- the backend seam


class Backend(Protocol):
    """What the routine needs from a framework: deploy, read, send, all as one deployer.
    `name` is a contract's path under contracts/ without `.vy` (e.g. "mocks/MockUSDC").
    `deploy` and `deploy_blueprint` return once the creation is mined; `settle` then waits for
    whatever confirmations the backend requires (the routine records the address in between, so
    a timeout while confirming never costs a redeploy)."""

    sender: Any  # the deployer: holds every role it creates

    def deploy(self, name: str, *args: Any) -> Any: ...

    def deploy_blueprint(self, name: str) -> str: ...

    def settle(self) -> None: ...

    def at(self, name: str, address: str) -> Any: ...

    def call(self, contract: Any, method: str, *args: Any) -> Any: ...

    def transact(self, contract: Any, method: str, *args: Any) -> None: ...


def _address(item: Any) -> str:
    return item if isinstance(item, str) else item.address


class ConfirmationTimeout(RuntimeError):
    """A mined transaction did not get its confirmations in time (a chain that makes no blocks)."""


class ApeBackend:
    """The routine on ape: `project` is the caller's `ape.project`, `sender` an ape account.

    `confirmations` (blocks on top of each transaction's block, 0 = mined) are awaited here, at
    most `confirm_timeout_seconds` per transaction, polling `chain` (the caller's `ape.chain`,
    needed when confirmations > 0); ape's own wait has no timeout, so ape is asked for none."""

    def __init__(
        self,
        project: Any,
        sender: Any,
        confirmations: int = 0,
        confirm_timeout_seconds: float = 300.0,
        chain: Any = None,
        poll_seconds: float = 1.0,
    ):
        if confirmations < 0:
            raise ValueError(f"confirmations must be >= 0, got {confirmations}")
        if confirmations and chain is None:
            raise ValueError("waiting for confirmations needs the chain")
        self.project = project
        self.sender = sender
        self.confirmations = confirmations
        self.confirm_timeout_seconds = confirm_timeout_seconds
        self.chain = chain
        self.poll_seconds = poll_seconds
        self._unsettled: tuple[str, int] | None = None  # (tx hash, block) of the last creation

    def _container(self, name: str) -> Any:
        return getattr(self.project, name.rsplit("/", 1)[-1])

    def _kwargs(self) -> dict[str, Any]:
        return {"sender": self.sender, "required_confirmations": 0}

    def deploy(self, name: str, *args: Any) -> Any:
        contract = self._container(name).deploy(*args, **self._kwargs())
        if self.confirmations:
            receipt = self.chain.provider.get_receipt(contract.txn_hash)
            self._unsettled = (contract.txn_hash, receipt.block_number)
        return contract

    def deploy_blueprint(self, name: str) -> str:
        """An EIP-5202 blueprint of the contract (its initcode stored as code)."""
        receipt = self._container(name).declare(**self._kwargs())
        self._unsettled = (receipt.txn_hash, receipt.block_number)
        return receipt.contract_address

    def settle(self) -> None:
        if self._unsettled is not None:
            self._confirm(*self._unsettled)
            self._unsettled = None

    def _confirm(self, tx_hash: str, block: int) -> None:
        if not self.confirmations:
            return
        deadline = time.monotonic() + self.confirm_timeout_seconds
        while (seen := self.chain.blocks.head.number - block) < self.confirmations:
            if time.monotonic() > deadline:
                raise ConfirmationTimeout(
                    f"transaction {tx_hash} (block {block}) has {seen} of {self.confirmations} confirmations "
                    f"after {self.confirm_timeout_seconds:g} s: is the chain making blocks? Lower "
                    "--confirmations or raise --confirm-timeout, then re-run: the deploy resumes"
                )
            time.sleep(self.poll_seconds)

    def at(self, name: str, address: str) -> Any:
        return self._container(name).at(address)

    def call(self, contract: Any, method: str, *args: Any) -> Any:
        return getattr(contract, method)(*args)

    def transact(self, contract: Any, method: str, *args: Any) -> None:
        receipt = getattr(contract, method)(*args, **self._kwargs())
        self._confirm(receipt.txn_hash, receipt.block_number)


class BoaBackend:
    """The routine on titanoboa (in-process EVM): `sender` is an address."""

    def __init__(self, sender: str):
        self.sender = sender

    def deploy(self, name: str, *args: Any) -> Any:
        import boa

        with boa.env.prank(self.sender):
            return boa_contract(name).deploy(*args)

    def deploy_blueprint(self, name: str) -> str:
        import boa

        with boa.env.prank(self.sender):
            return boa_contract(name).deploy_as_blueprint().address

    def settle(self) -> None:
        """Nothing to wait for: every call executes at once."""

    def at(self, name: str, address: str) -> Any:
        return boa_contract(name).at(address)

    def call(self, contract: Any, method: str, *args: Any) -> Any:
        return getattr(contract, method)(*args)

    def transact(self, contract: Any, method: str, *args: Any) -> None:
        getattr(contract, method)(*args, sender=self.sender)


_BOA_CONTRACTS: dict[str, Any] = {}


def boa_contract(name: str) -> Any:
    """contracts/<name>.vy compiled by titanoboa, once per process (snekmate resolves from
    site-packages: boa searches sys.path)."""
    if name not in _BOA_CONTRACTS:
        import boa

        _BOA_CONTRACTS[name] = boa.load_partial(str(CONTRACTS_DIR / f"{name}.vy"))
    return _BOA_CONTRACTS[name]


# ---------------------------------------------------------------- the record: resume after a partial deploy


class Record:
    """The manifest as the deployment fills it: each contract's address is written (`save`) as
    soon as its creation is mined, so a re-run finds what exists and deploys only the rest.
    Calls on existing contracts (venue funding, token creation, bands, roles) are skipped when the
    chain already shows their effect. `data` is the on-disk manifest so far; `saved` counts writes."""

    def __init__(self, data: dict[str, Any] | None = None, save: Callable[[dict[str, Any]], None] | None = None):
        self.data: dict[str, Any] = data if data is not None else {}
        self._save = save
        self.deployed: list[str] = []  # the paths deployed in this run, e.g. "markets.BTC.oracle"
        self.reused: list[str] = []  # the paths found in the record

    def get(self, *path: str) -> str | None:
        node: Any = self.data
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node if isinstance(node, str) else None

    def put(self, address: str, *path: str) -> None:
        node = self.data
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = address
        self.deployed.append(".".join(path))
        self.save()

    def save(self) -> None:
        """Write the record; a record being written is an unfinished deployment until the caller
        writes the final manifest (`manifest_json`, without the flag)."""
        if self._save is not None:
            self.data["partial"] = True
            self._save(self.data)

    def contract(self, backend: Backend, name: str, path: tuple[str, ...], *args: Any) -> Any:
        """The contract recorded at `path`, or a new `name` deployed with `args` and recorded."""
        if address := self.get(*path):
            self.reused.append(".".join(path))
            return backend.at(name, address)
        contract = backend.deploy(name, *args)
        self.put(_address(contract), *path)
        backend.settle()
        return contract


# ---------------------------------------------------------------- the steps, in order


def deploy_market(
    backend: Backend,
    collateral: Any,
    name: str,
    market: dict[str, Any],
    collateral_decimals: int,
    record: Record | None = None,
    venue_kind: str = SYNC,
):
    """One oracle and one funded venue for `name` (e.g. BTC), MockPerpAdapter or, for
    `venue_kind="async"`, MockAsyncPerpVenue (same constructor). Returns (oracle, adapter)."""
    record = record or Record()
    oracle = record.contract(
        backend,
        "mocks/MockOracle",
        ("markets", name, "oracle"),
        market["oracle_decimals"],
        f"{name} / USD",
        oracle_answer(market["price"], market["oracle_decimals"]),
    )
    adapter = record.contract(
        backend,
        VENUE_CONTRACT[venue_kind],
        ("markets", name, "adapter"),
        _address(collateral),
        _address(oracle),
        market_name(name),
        collateral_decimals,
        int(market["depth_usd"]) * WAD,
    )
    # the venue pays traders' profits from its own balance (funded once: nobody trades mid-deploy)
    liquidity = int(market["venue_liquidity"]) * 10**collateral_decimals
    if backend.call(collateral, "balanceOf", _address(adapter)) < liquidity:
        backend.transact(collateral, "mint", _address(adapter), liquidity)
    return oracle, adapter


def _blueprint(backend: Backend, record: Record, name: str, key: str) -> str:
    """The blueprint of contract `name` recorded at `key`, or a new one declared and recorded."""
    blueprint = record.get(key)
    if blueprint is None:
        blueprint = backend.deploy_blueprint(name)
        record.put(blueprint, key)
        backend.settle()
    else:
        record.reused.append(key)
    return blueprint


def deploy_core(backend: Backend, collateral: Any, record: Record | None = None) -> dict[str, Any]:
    """The contracts every token shares: the views contract, the configurator, the blueprints of
    both token kinds and the factory wired to them (the deployer holds the factory's roles).
    Returns {"views", "configurator", "blueprint", "async_blueprint", "async_round_math" (addresses),
    "factory"}: async tokens call AsyncRoundMath for their round formulas."""
    record = record or Record()
    if record.get("factory") and not (record.get("async_blueprint") and record.get("async_round_math")):
        raise ValueError(
            "the manifest's factory is from before async tokens (no async blueprint or round math on record): "
            "deploy anew (--fresh, or `make node-reset` for the local node)"
        )
    views = record.contract(backend, "LeveragedTokenViews", ("views",))
    configurator = record.contract(backend, "LeveragedTokenConfigurator", ("configurator",))
    blueprint = _blueprint(backend, record, TOKEN_CONTRACT[SYNC], "blueprint")
    async_blueprint = _blueprint(backend, record, TOKEN_CONTRACT[ASYNC], "async_blueprint")
    async_round_math = record.contract(backend, "AsyncRoundMath", ("async_round_math",))
    factory = record.contract(
        backend,
        "LeveragedTokenFactory",
        ("factory",),
        blueprint,
        async_blueprint,
        _address(async_round_math),
        _address(collateral),
        _address(views),
        _address(configurator),
        _address(backend.sender),
    )
    return {
        "views": views,
        "configurator": configurator,
        "blueprint": blueprint,
        "async_blueprint": async_blueprint,
        "async_round_math": _address(async_round_math),
        "factory": factory,
    }


def create_token(backend: Backend, factory: Any, underlying: str, leverage: int, is_long: bool, adapter, **options):
    """Create one token through the factory (unless the factory already has its symbol): a
    LeveragedTokenAsync if `adapter` is an asynchronous venue, else a LeveragedToken (the factory
    decides). `options`: admin, fee_recipient, initial_nav_per_share, cap (sync tokens only: an
    async token has none). Returns the token contract."""
    symbol = token_symbol(underlying, leverage, is_long)
    address = _address(backend.call(factory, "token_by_symbol", symbol))
    if int(address, 16) == 0:
        backend.transact(
            factory,
            "create_token",
            underlying,
            leverage,
            is_long,
            _address(adapter),
            _address(options.get("admin", backend.sender)),
            _address(options.get("fee_recipient", backend.sender)),
            options.get("initial_nav_per_share", 100),
            options.get("cap", MAX_UINT256),
        )
        address = _address(backend.call(factory, "token_by_symbol", symbol))
    return backend.at(TOKEN_CONTRACT[token_kind(backend, factory, address)], address)


def token_kind(backend: Backend, factory: Any, token: Any) -> str:
    """ "async" for a LeveragedTokenAsync the factory created, else "sync"."""
    return ASYNC if backend.call(factory, "is_async_token", _address(token)) else SYNC


def grant_order_keeper(backend: Backend, venue: Any, keeper: Any) -> None:
    """An asynchronous venue's order keeper role (it executes the rounds' orders) to `keeper`."""
    if not backend.call(venue, "is_order_keeper", _address(keeper)):
        backend.transact(venue, "set_order_keeper", _address(keeper), True)


def set_leverage_band(backend: Backend, configurator: Any, token: Any, band_bps: int) -> None:
    """A product's own band (e.g. 5x: 15 % -> [4.35, 5.75]), the ripcord staying at 1.5 T. Made
    before the first mint, so it acts at once; anything else is a deployment error."""
    if backend.call(token, "band_bps") == band_bps:
        return
    ripcord = math.default_ripcord_leverage(backend.call(token, "target_leverage"))
    backend.transact(configurator, "set_leverage_band", _address(token), band_bps, ripcord)
    if backend.call(token, "band_bps") != band_bps:
        raise RuntimeError(f"{_address(token)}: the band change was queued, not applied (shares exist)")


def grant_roles(backend: Backend, token: Any, keeper: Any = None, guardian: Any = None) -> None:
    """KEEPER_ROLE / GUARDIAN_ROLE to the given actors (the deployer keeps every role too)."""
    for role_name, account in ((KEEPER_ROLE_NAME, keeper), (GUARDIAN_ROLE_NAME, guardian)):
        if account is not None:
            role = backend.call(token, role_name)
            if not backend.call(token, "hasRole", role, _address(account)):
                backend.transact(token, "grantRole", role, _address(account))


def deploy_protocol(
    backend: Backend,
    products: dict[str, Any] | None = None,
    fee_recipient: Any = None,
    keeper: Any = None,
    guardian: Any = None,
    record: Record | None = None,
    venue_kind: str = SYNC,
) -> dict[str, Any]:
    """Deploy everything in `products` (default: deployments/products.json) with the backend's
    sender holding every role; `keeper` and `guardian`, when given, get those roles on every token.
    With a `record` holding a partial deployment, only what it lacks is deployed (and each new
    address is saved through it at once).

    `venue_kind` "async": every market's venue is a MockAsyncPerpVenue, so every product is a
    LeveragedTokenAsync; `keeper` is also made each venue's order keeper. An async token has no
    configurator and no cap, so a product's `band_bps` and the products' cap do not apply to it.

    Returns the manifest (PROTOCOL.md §4a) with live contract objects under "contracts" for
    callers in the same process; `manifest_json` strips them for writing.
    """
    if venue_kind not in KINDS:
        raise ValueError(f"venue kind must be one of {', '.join(KINDS)}, got {venue_kind!r}")
    products = products or load_products()
    record = record or Record()
    fee_recipient = fee_recipient or backend.sender
    decimals = products["collateral"]["decimals"]
    collateral = record.contract(backend, "mocks/MockUSDC", ("collateral",))

    markets: dict[str, Any] = {}
    contracts: dict[str, Any] = {"collateral": collateral, "markets": {}, "tokens": {}}
    for name, market in products["markets"].items():
        recorded = record.data.get("markets", {}).get(name, {})
        if "adapter" in recorded and recorded.get("kind", SYNC) != venue_kind:
            raise ValueError(
                f"the manifest's {name} venue is {recorded.get('kind', SYNC)}, not {venue_kind}: "
                "resume with its kind or deploy anew (--fresh, or `make node-reset` for the local node)"
            )
        oracle, adapter = deploy_market(backend, collateral, name, market, decimals, record, venue_kind)
        if venue_kind == ASYNC and keeper is not None:
            grant_order_keeper(backend, adapter, keeper)
        markets[name] = {"oracle": _address(oracle), "adapter": _address(adapter), "kind": venue_kind}
        contracts["markets"][name] = {"oracle": oracle, "adapter": adapter}
        if record.data["markets"][name].get("kind") != venue_kind:
            record.data["markets"][name]["kind"] = venue_kind
            record.save()

    core = deploy_core(backend, collateral, record)
    factory, configurator = core["factory"], core["configurator"]
    lens = record.contract(backend, "LeveragedTokenLens", ("lens",))
    contracts.update(core, lens=lens)

    cap = int(products["max_total_assets_usd"]) * 10**decimals
    tokens: dict[str, Any] = {}
    for spec in products["tokens"]:
        token = create_token(
            backend,
            factory,
            spec["underlying"],
            spec["leverage"],
            spec["is_long"],
            markets[spec["underlying"]]["adapter"],
            fee_recipient=fee_recipient,
            initial_nav_per_share=products["initial_nav_per_share"],
            cap=cap if venue_kind == SYNC else MAX_UINT256,
        )
        kind = token_kind(backend, factory, token)
        if "band_bps" in spec and kind == SYNC:
            set_leverage_band(backend, configurator, token, spec["band_bps"])
        grant_roles(backend, token, keeper, guardian)
        symbol = token_symbol(spec["underlying"], spec["leverage"], spec["is_long"])
        tokens[symbol] = {
            "address": _address(token),
            "market": spec["underlying"],
            "leverage": spec["leverage"],
            "is_long": spec["is_long"],
            "kind": kind,
        }
        contracts["tokens"][symbol] = token
        recorded = record.data.setdefault("tokens", {})
        if recorded.get(symbol) != tokens[symbol]:
            recorded[symbol] = tokens[symbol]
            record.save()

    return {
        "collateral": _address(collateral),
        "factory": _address(factory),
        "configurator": _address(configurator),
        "lens": _address(lens),
        "views": _address(core["views"]),
        "blueprint": core["blueprint"],
        "async_blueprint": core["async_blueprint"],
        "async_round_math": core["async_round_math"],
        "markets": markets,
        "tokens": tokens,
        "contracts": contracts,
    }


def manifest_json(manifest: dict[str, Any], chain_id: int, network: str, block: int) -> dict[str, Any]:
    """The on-disk manifest: addresses (and each market's and token's kind) in the order of
    PROTOCOL.md §4a, then the views contract and the token blueprints, which a resumed deployment
    needs. `network` is stored as
    ecosystem:network only ("ethereum:sepolia"): a provider part could be an RPC URL with a key."""
    data = {
        "chain_id": chain_id,
        "network": network_name(network),
        "block": block,
        "collateral": manifest["collateral"],
        "factory": manifest["factory"],
        "configurator": manifest["configurator"],
        "lens": manifest["lens"],
        "markets": manifest["markets"],
        "tokens": manifest["tokens"],
    }
    resumed = ("views", "blueprint", "async_blueprint", "async_round_math")
    data.update({key: manifest[key] for key in resumed if key in manifest})
    return data


def network_name(network_choice: str) -> str:
    """'ethereum:sepolia:https://host/KEY' -> 'ethereum:sepolia': never the provider (or its URL)."""
    return ":".join(network_choice.split(":")[:2])


def is_local(network_choice: str) -> bool:
    parts = network_choice.split(":")
    return len(parts) > 1 and parts[1] == "local"


def start_record(
    path: Path, chain_id: int, network_choice: str, has_code: Callable[[str], bool], fresh: bool = False
) -> tuple[Record, str]:
    """The record a deployment to `path` starts from, and one line saying what it resumes.

    A manifest of this chain whose contracts all exist is resumed (a complete one: nothing to
    deploy). A manifest for another chain id is an error. One whose contracts are missing is an
    error off a local network (wrong RPC?) and replaced on a local one (anvil was restarted
    empty). `fresh` ignores any manifest."""

    def save(data: dict[str, Any]) -> None:
        write_json(path, data)

    header = {"chain_id": chain_id, "network": network_name(network_choice), "partial": True}
    if fresh or not path.exists():
        return Record(dict(header), save), f"new deployment; manifest {path}"
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SystemExit(f"cannot read {path} to resume: {exc}; move it away or pass --fresh") from None
    if data.get("chain_id") != chain_id:
        raise SystemExit(
            f"{path} is for chain {data.get('chain_id')}, this node is chain {chain_id}: "
            "point at the right RPC, or move the file away / pass --fresh"
        )
    addresses = list(_addresses(data))
    missing = [address for address in addresses if not has_code(address)]
    if missing:
        if is_local(network_choice):
            return Record(dict(header), save), f"{path} lists contracts this chain does not have: deploying anew"
        raise SystemExit(
            f"{path} lists {len(missing)} contracts with no code on chain {chain_id} (first {missing[0]}): "
            "wrong RPC? Pass --fresh to deploy anew"
        )
    data.update(chain_id=chain_id, network=network_name(network_choice))
    return Record(data, save), f"resuming from {path} ({len(addresses)} addresses on record)"


def _addresses(node: Any):
    """Every address in a manifest (the tokens' included)."""
    if isinstance(node, dict):
        for value in node.values():
            yield from _addresses(value)
    elif isinstance(node, str) and node.startswith("0x") and len(node) == 42:
        yield node


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write `data` atomically: a reader (or an interrupted run) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(partial, path)


def manifest_path(network_choice: str) -> Path:
    """deployments/<network>.json, e.g. 'ethereum:local:foundry' -> deployments/local.json; in
    $LT_DEPLOYMENTS instead when set (where the SDK looks first)."""
    parts = network_choice.split(":")
    network = parts[1] if len(parts) > 1 else parts[0]
    return Path(os.environ.get(DEPLOYMENTS_ENV) or DEPLOYMENTS_DIR) / f"{network}.json"


def write_manifest(data: dict[str, Any], network_choice: str) -> Path:
    path = manifest_path(network_choice)
    write_json(path, data)
    return path


# the local actors (anvil's accounts from ape's test mnemonic): the deployer, which holds every
# role, updates the mock oracles and owns the mock venues (`ape run market` signs as it), and a
# keeper with KEEPER_ROLE only (`ape run keeper`): two senders, two nonce counters
LOCAL_DEPLOYER = 0
LOCAL_KEEPER = 1


def select_deployer(accounts, network_choice: str, prompt: bool | None = None):
    """Anvil account 0 on a local network (it then holds every role); elsewhere the ape account
    named by LT_DEPLOYER (`ape accounts import <alias>`), set to sign without asking: its
    passphrase comes from APE_ACCOUNTS_<alias>_PASSPHRASE, or one prompt when `prompt` (default:
    stdin is a terminal). Without either, a one-line exit: an unattended deploy never hangs."""
    import sys

    if is_local(network_choice):
        return accounts.test_accounts[LOCAL_DEPLOYER]
    alias = os.environ.get("LT_DEPLOYER")
    if not alias:
        raise SystemExit("set LT_DEPLOYER to the alias of an ape account to deploy with")
    account = load_alias(accounts, alias)
    passphrase = os.environ.get(passphrase_variable(alias))
    if passphrase is None and not (sys.stdin.isatty() if prompt is None else prompt):
        raise SystemExit(f"set {passphrase_variable(alias)} to deploy unattended (no terminal to ask on)")
    try:
        account.set_autosign(True, passphrase=passphrase)
    except Exception as exc:  # ape's InvalidPasswordError / AccountsError
        raise SystemExit(f"cannot unlock ape account {alias!r}: {type(exc).__name__} {exc}".strip()) from None
    return account


def passphrase_variable(alias: str) -> str:
    """Where ape (and these scripts) read an account's passphrase from."""
    return f"APE_ACCOUNTS_{alias}_PASSPHRASE"


def load_alias(accounts, alias: str):
    try:
        return accounts.load(alias)
    except Exception:  # ape raises KeyError or AccountsError for an unknown alias
        known = ", ".join(sorted(accounts.aliases)) or "none"
        raise SystemExit(f"no ape account {alias!r} (known: {known}); `ape accounts import {alias}`") from None


def eth_signer(accounts, network_choice: str, alias: str | None = None, local_index: int = LOCAL_DEPLOYER):
    """An eth-account signer for the SDK and the keeper (which sign raw transactions themselves):
    the ape account `alias`, decrypted once with APE_ACCOUNTS_<alias>_PASSPHRASE or a prompt; with
    no alias on a local network, anvil account `local_index` (LOCAL_DEPLOYER or LOCAL_KEEPER)."""
    from eth_account import Account

    if alias is None:
        if not is_local(network_choice):
            raise SystemExit("pass --account <ape alias> off a local network")
        return Account.from_key(accounts.test_accounts[local_index].private_key)
    account = accounts.load(alias)  # KeyError for an unknown alias: the caller says it in one line
    passphrase = os.environ.get(passphrase_variable(alias))
    if passphrase is None:
        import click

        passphrase = click.prompt(f"passphrase for {alias}", hide_input=True)
    return Account.from_key(Account.decrypt(account.keyfile, passphrase))
