"""The main job: deploy the first batch on a local anvil, mint and redeem for a user, report.

make demo        (= uv run ape run demo --network ethereum:local:foundry)
"""

from decimal import Decimal

from ape import accounts, chain, networks, project
from ape.logging import logger

from ltsdk.deploy import deploy_protocol, manifest_json, write_manifest

USDC = 10**6
WAD = 10**18
DEPOSIT = 10_000 * USDC


def _usd(assets: int) -> str:
    return f"{Decimal(assets) / USDC:,.2f}"


def main():
    logger.set_level("WARNING")  # one line per token, not one per transaction
    network_choice = networks.provider.network_choice
    admin, user = accounts.test_accounts[0], accounts.test_accounts[1]
    manifest = deploy_protocol(project, admin)
    path = write_manifest(
        manifest_json(manifest, chain.chain_id, network_choice, chain.blocks.head.number), network_choice
    )
    print(f"Deployed {len(manifest['tokens'])} tokens on {network_choice}; manifest {path}\n")

    usdc = manifest["contracts"]["collateral"]
    tokens = manifest["contracts"]["tokens"]
    usdc.mint(user, DEPOSIT * len(tokens), sender=user)

    header = f"{'token':6} {'deposit':>10} {'shares':>12} {'NAV':>11} {'NAV/share':>10} {'leverage':>9} {'redeemed':>10} {'paid':>10}"
    print(header)
    print("-" * len(header))
    for symbol, token in tokens.items():
        usdc.approve(token, DEPOSIT, sender=user)
        shares = token.deposit(DEPOSIT, user, sender=user).return_value
        nav, nav_per_share, leverage = token.totalAssets(), token.nav_per_share(), token.current_leverage()
        half = shares // 2
        paid = token.redeem(half, user, user, sender=user).return_value
        print(
            f"{symbol:6} {_usd(DEPOSIT):>10} {Decimal(shares) / WAD:>12.4f} {_usd(nav):>11} {_usd(nav_per_share):>10}"
            f" {Decimal(leverage) / WAD:>8.3f}x {Decimal(half) / WAD:>10.4f} {_usd(paid):>10}"
        )
    print(f"\nuser USDC after: {_usd(usdc.balanceOf(user))}")
