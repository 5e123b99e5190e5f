"""Deploy the protocol: one routine over a small backend seam (ape for scripts and tests on a
JSON-RPC chain, titanoboa for the in-process fuzz suite).

The one home of deployment logic: `scripts/deploy.py`, the demo, the benchmarks, the ape test
fixtures (`ApeBackend`) and the fuzz suite's chain (`BoaBackend`) all call `deploy_protocol` or
its steps. The order: collateral, one oracle and one funded venue per market, the shared views
contract and configurator, the token blueprint, the factory wired to all three, the lens, then
the products of `deployments/products.json` through the factory (each product's own parameters
set through the configurator before its first mint, when they act at once), then the roles.
Neither framework is imported here: a backend is handed the caller's own (an ape `project`, or
boa when `BoaBackend` is used).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from ltsdk import math
from ltsdk.units import WAD

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENTS_DIR = REPO_ROOT / "deployments"
PRODUCTS_FILE = DEPLOYMENTS_DIR / "products.json"
CONTRACTS_DIR = REPO_ROOT / "contracts"
MAX_UINT256 = 2**256 - 1
KEEPER_ROLE_NAME = "KEEPER_ROLE"
GUARDIAN_ROLE_NAME = "GUARDIAN_ROLE"


def load_products(path: Path = PRODUCTS_FILE) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


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
    `name` is a contract's path under contracts/ without `.vy` (e.g. "mocks/MockUSDC")."""

    sender: Any  # the deployer: holds every role it creates

    def deploy(self, name: str, *args: Any) -> Any: ...

    def deploy_blueprint(self, name: str) -> str: ...

    def at(self, name: str, address: str) -> Any: ...

    def call(self, contract: Any, method: str, *args: Any) -> Any: ...

    def transact(self, contract: Any, method: str, *args: Any) -> None: ...


def _address(item: Any) -> str:
    return item if isinstance(item, str) else item.address


class ApeBackend:
    """The routine on ape: `project` is the caller's `ape.project`, `sender` an ape account."""

    def __init__(self, project: Any, sender: Any):
        self.project = project
        self.sender = sender

    def _container(self, name: str) -> Any:
        return getattr(self.project, name.rsplit("/", 1)[-1])

    def deploy(self, name: str, *args: Any) -> Any:
        return self._container(name).deploy(*args, sender=self.sender)

    def deploy_blueprint(self, name: str) -> str:
        """An EIP-5202 blueprint of the contract (its initcode stored as code)."""
        return self._container(name).declare(sender=self.sender).contract_address

    def at(self, name: str, address: str) -> Any:
        return self._container(name).at(address)

    def call(self, contract: Any, method: str, *args: Any) -> Any:
        return getattr(contract, method)(*args)

    def transact(self, contract: Any, method: str, *args: Any) -> None:
        getattr(contract, method)(*args, sender=self.sender)


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


# ---------------------------------------------------------------- the steps, in order


def deploy_market(backend: Backend, collateral: Any, name: str, market: dict[str, Any], collateral_decimals: int):
    """One oracle and one funded venue for `name` (e.g. BTC). Returns (oracle, adapter)."""
    oracle = backend.deploy(
        "mocks/MockOracle",
        market["oracle_decimals"],
        f"{name} / USD",
        oracle_answer(market["price"], market["oracle_decimals"]),
    )
    adapter = backend.deploy(
        "mocks/MockPerpAdapter",
        _address(collateral),
        _address(oracle),
        f"{name}-PERP",
        collateral_decimals,
        int(market["depth_usd"]) * WAD,
    )
    # the venue pays traders' profits from its own balance
    liquidity = int(market["venue_liquidity"]) * 10**collateral_decimals
    backend.transact(collateral, "mint", _address(adapter), liquidity)
    return oracle, adapter


def deploy_core(backend: Backend, collateral: Any) -> dict[str, Any]:
    """The contracts every token shares: the views contract, the configurator, the token's
    blueprint and the factory wired to them (the deployer holds the factory's roles).
    Returns {"views", "configurator", "blueprint" (address), "factory"}."""
    views = backend.deploy("LeveragedTokenViews")
    configurator = backend.deploy("LeveragedTokenConfigurator")
    blueprint = backend.deploy_blueprint("LeveragedToken")
    factory = backend.deploy(
        "LeveragedTokenFactory",
        blueprint,
        _address(collateral),
        _address(views),
        _address(configurator),
        _address(backend.sender),
    )
    return {"views": views, "configurator": configurator, "blueprint": blueprint, "factory": factory}


def create_token(backend: Backend, factory: Any, underlying: str, leverage: int, is_long: bool, adapter, **options):
    """Create one token through the factory; `options`: admin, fee_recipient, initial_nav_per_share, cap.
    Returns the token contract."""
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
    address = backend.call(factory, "token_by_symbol", token_symbol(underlying, leverage, is_long))
    return backend.at("LeveragedToken", _address(address))


def set_leverage_band(backend: Backend, configurator: Any, token: Any, band_bps: int) -> None:
    """A product's own band (e.g. 5x: 15 % -> [4.35, 5.75]), the ripcord staying at 1.5 T. Made
    before the first mint, so it acts at once; anything else is a deployment error."""
    ripcord = math.default_ripcord_leverage(backend.call(token, "target_leverage"))
    backend.transact(configurator, "set_leverage_band", _address(token), band_bps, ripcord)
    if backend.call(token, "band_bps") != band_bps:
        raise RuntimeError(f"{_address(token)}: the band change was queued, not applied (shares exist)")


def grant_roles(backend: Backend, token: Any, keeper: Any = None, guardian: Any = None) -> None:
    """KEEPER_ROLE / GUARDIAN_ROLE to the given actors (the deployer keeps every role too)."""
    for role_name, account in ((KEEPER_ROLE_NAME, keeper), (GUARDIAN_ROLE_NAME, guardian)):
        if account is not None:
            backend.transact(token, "grantRole", backend.call(token, role_name), _address(account))


def deploy_protocol(
    backend: Backend,
    products: dict[str, Any] | None = None,
    fee_recipient: Any = None,
    keeper: Any = None,
    guardian: Any = None,
) -> dict[str, Any]:
    """Deploy everything in `products` (default: deployments/products.json) with the backend's
    sender holding every role; `keeper` and `guardian`, when given, get those roles on every token.

    Returns the manifest (PROTOCOL.md §4a) with live contract objects under "contracts" for
    callers in the same process; `manifest_json` strips them for writing.
    """
    products = products or load_products()
    fee_recipient = fee_recipient or backend.sender
    decimals = products["collateral"]["decimals"]
    collateral = backend.deploy("mocks/MockUSDC")

    markets: dict[str, Any] = {}
    contracts: dict[str, Any] = {"collateral": collateral, "markets": {}, "tokens": {}}
    for name, market in products["markets"].items():
        oracle, adapter = deploy_market(backend, collateral, name, market, decimals)
        markets[name] = {"oracle": _address(oracle), "adapter": _address(adapter)}
        contracts["markets"][name] = {"oracle": oracle, "adapter": adapter}

    core = deploy_core(backend, collateral)
    factory, configurator = core["factory"], core["configurator"]
    lens = backend.deploy("LeveragedTokenLens")
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
            cap=cap,
        )
        if "band_bps" in spec:
            set_leverage_band(backend, configurator, token, spec["band_bps"])
        grant_roles(backend, token, keeper, guardian)
        symbol = token_symbol(spec["underlying"], spec["leverage"], spec["is_long"])
        tokens[symbol] = {
            "address": _address(token),
            "market": spec["underlying"],
            "leverage": spec["leverage"],
            "is_long": spec["is_long"],
        }
        contracts["tokens"][symbol] = token

    return {
        "collateral": _address(collateral),
        "factory": _address(factory),
        "configurator": _address(configurator),
        "lens": _address(lens),
        "markets": markets,
        "tokens": tokens,
        "contracts": contracts,
    }


def manifest_json(manifest: dict[str, Any], chain_id: int, network: str, block: int) -> dict[str, Any]:
    """The on-disk manifest: addresses only, in the order of PROTOCOL.md §4a."""
    return {
        "chain_id": chain_id,
        "network": network,
        "block": block,
        "collateral": manifest["collateral"],
        "factory": manifest["factory"],
        "configurator": manifest["configurator"],
        "lens": manifest["lens"],
        "markets": manifest["markets"],
        "tokens": manifest["tokens"],
    }


def manifest_path(network_choice: str) -> Path:
    """deployments/<network>.json, e.g. 'ethereum:local:foundry' -> deployments/local.json."""
    parts = network_choice.split(":")
    network = parts[1] if len(parts) > 1 else parts[0]
    return DEPLOYMENTS_DIR / f"{network}.json"


def write_manifest(data: dict[str, Any], network_choice: str) -> Path:
    path = manifest_path(network_choice)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def select_deployer(accounts, network_choice: str):
    """Anvil account 0 on a local network (it then holds every role); elsewhere the ape account
    named by LT_DEPLOYER (`ape accounts import <alias>`)."""
    import os

    if ":local:" in network_choice or network_choice.endswith(":local"):
        return accounts.test_accounts[0]
    alias = os.environ.get("LT_DEPLOYER")
    if not alias:
        raise SystemExit("set LT_DEPLOYER to the alias of an ape account to deploy with")
    return accounts.load(alias)


def eth_signer(accounts, network_choice: str, alias: str | None = None):
    """An eth-account signer for the SDK and the keeper (which sign raw transactions themselves):
    the ape account `alias`, decrypted once with APE_ACCOUNTS_<alias>_PASSPHRASE or a prompt; with
    no alias on a local network, anvil account 0 (the deployer, holding every role)."""
    import os

    from eth_account import Account

    if alias is None:
        if ":local:" not in network_choice and not network_choice.endswith(":local"):
            raise SystemExit("pass --account <ape alias> off a local network")
        return Account.from_key(accounts.test_accounts[0].private_key)
    account = accounts.load(alias)
    passphrase = os.environ.get(f"APE_ACCOUNTS_{alias}_PASSPHRASE")
    if passphrase is None:
        import click

        passphrase = click.prompt(f"passphrase for {alias}", hide_input=True)
    return Account.from_key(Account.decrypt(account.keyfile, passphrase))
