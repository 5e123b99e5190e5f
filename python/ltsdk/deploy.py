"""Deploy the protocol with ape: collateral, oracles, venues, the factory and a batch of tokens.

The one home of deployment logic: `scripts/deploy.py`, the test fixtures and the demo call
`deploy_protocol`. It needs ape (imported by the caller's environment); the rest of ltsdk does not.
The products deployed by default are in `deployments/products.json`.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from ltsdk import math
from ltsdk.units import WAD

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENTS_DIR = REPO_ROOT / "deployments"
PRODUCTS_FILE = DEPLOYMENTS_DIR / "products.json"


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


def deploy_market(project, deployer, collateral, name: str, market: dict[str, Any], collateral_decimals: int):
    """One oracle and one funded venue for `name` (e.g. BTC). Returns (oracle, adapter)."""
    oracle = project.MockOracle.deploy(
        market["oracle_decimals"],
        f"{name} / USD",
        oracle_answer(market["price"], market["oracle_decimals"]),
        sender=deployer,
    )
    adapter = project.MockPerpAdapter.deploy(
        collateral,
        oracle,
        f"{name}-PERP",
        collateral_decimals,
        int(market["depth_usd"]) * WAD,
        sender=deployer,
    )
    # the venue pays traders' profits from its own balance
    collateral.mint(adapter, int(market["venue_liquidity"]) * 10**collateral_decimals, sender=deployer)
    return oracle, adapter


def token_initcode(project) -> bytes:
    """LeveragedToken's compiled initcode: the factory creates tokens only from this exact code."""
    return bytes.fromhex(project.LeveragedToken.contract_type.deployment_bytecode.bytecode.removeprefix("0x"))


def deploy_factory(project, deployer, collateral):
    """The shared views contract and the factory pinned to the token's initcode hash."""
    from eth_utils.crypto import keccak

    views = project.LeveragedTokenViews.deploy(sender=deployer)
    return project.LeveragedTokenFactory.deploy(
        keccak(token_initcode(project)), collateral, views, deployer, sender=deployer
    )


def create_token(project, factory, deployer, underlying: str, leverage: int, is_long: bool, adapter, **options):
    """Create one token through the factory; `options`: admin, fee_recipient, initial_nav_per_share, cap.
    Returns the token as an ape contract."""
    factory.create_token(
        underlying,
        leverage,
        is_long,
        adapter,
        options.get("admin", deployer),
        options.get("fee_recipient", deployer),
        token_initcode(project),
        options.get("initial_nav_per_share", 100),
        options.get("cap", 2**256 - 1),
        sender=deployer,
    )
    return project.LeveragedToken.at(factory.token_by_symbol(token_symbol(underlying, leverage, is_long)))


def deploy_protocol(project, deployer, products: dict[str, Any] | None = None, fee_recipient=None) -> dict[str, Any]:
    """Deploy everything in `products` with `deployer` holding every role.

    Returns the manifest (PROTOCOL.md §4a) with live ape contract objects under "contracts"
    for callers in the same process; `manifest_json` strips them for writing.
    """
    products = products or load_products()
    fee_recipient = fee_recipient or deployer
    decimals = products["collateral"]["decimals"]
    collateral = project.MockUSDC.deploy(sender=deployer)
    factory = deploy_factory(project, deployer, collateral)
    lens = project.LeveragedTokenLens.deploy(sender=deployer)

    markets: dict[str, Any] = {}
    contracts: dict[str, Any] = {
        "collateral": collateral,
        "factory": factory,
        "lens": lens,
        "markets": {},
        "tokens": {},
    }
    for name, market in products["markets"].items():
        oracle, adapter = deploy_market(project, deployer, collateral, name, market, decimals)
        markets[name] = {"oracle": oracle.address, "adapter": adapter.address}
        contracts["markets"][name] = {"oracle": oracle, "adapter": adapter}

    cap = int(products["max_total_assets_usd"]) * 10**decimals
    tokens: dict[str, Any] = {}
    for spec in products["tokens"]:
        token = create_token(
            project,
            factory,
            deployer,
            spec["underlying"],
            spec["leverage"],
            spec["is_long"],
            markets[spec["underlying"]]["adapter"],
            fee_recipient=fee_recipient,
            initial_nav_per_share=products["initial_nav_per_share"],
            cap=cap,
        )
        if "band_bps" in spec:  # e.g. 5x: band 15 % -> [4.35, 5.75]; ripcord stays at 1.5 T
            target = spec["leverage"] * WAD
            ripcord = math.default_ripcord_leverage(target)
            token.set_leverage_band(target, spec["band_bps"], ripcord, sender=deployer)
        symbol = token_symbol(spec["underlying"], spec["leverage"], spec["is_long"])
        tokens[symbol] = {
            "address": token.address,
            "market": spec["underlying"],
            "leverage": spec["leverage"],
            "is_long": spec["is_long"],
        }
        contracts["tokens"][symbol] = token

    return {
        "collateral": collateral.address,
        "factory": factory.address,
        "lens": lens.address,
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
