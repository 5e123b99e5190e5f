"""Drive the mock markets of a deployment: seeded BTC and ETH price paths (GBM with jumps) pushed
to the oracles, a new funding rate each day, and anvil's clock warped to each price's time so
that days pass in seconds. Run a keeper beside it (`ape run keeper`) to watch it work.

uv run ape run market --days 7 --step 3600 --seed 3     # the local node (make node)
uv run ape run market --network ... --pace 2     # wait 2 real seconds between steps

The signer is the local deployer, anvil account 0 (the oracles' updater and the venues' owner; the
keeper signs as account 1, so the two never race for a nonce); `--account` takes an ape alias on
other networks (where time cannot be warped: use --no-warp and --pace).
"""

import time
from decimal import Decimal

import click
from ape import accounts, networks
from ape.cli import ConnectedProviderCommand
from web3 import Web3

from ltsdk.deploy import eth_signer, manifest_path
from ltsdk.errors import BadManifest
from ltsdk.manifest import check_chain
from ltsdk.manifest import load as load_manifest
from ltsdk.market import Market
from ltsdk.units import WAD


@click.command(cls=ConnectedProviderCommand)
@click.option("--account", "alias", help="ape account alias (default: the local deployer)")
@click.option("--manifest", type=click.Path(exists=True), help="default: deployments/<network>.json")
@click.option("--days", type=float, default=30.0, show_default=True)
@click.option("--step", "step_seconds", type=int, default=3_600, show_default=True, help="seconds between prices")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--pace", type=float, default=0.0, help="real seconds to wait between steps")
@click.option("--warp/--no-warp", default=True, show_default=True, help="warp anvil's clock to each step's time")
def cli(network, alias, manifest, days, step_seconds, seed, pace, warp):
    network_choice = networks.provider.network_choice
    w3 = Web3(Web3.HTTPProvider(networks.provider.http_uri, request_kwargs={"timeout": 30}))
    try:
        data = load_manifest(manifest or manifest_path(network_choice))
        check_chain(data, w3.eth.chain_id, bytes(w3.eth.get_code(Web3.to_checksum_address(data["lens"]))))
    except BadManifest as exc:
        raise SystemExit(f"market: {exc}") from None
    market = Market.from_manifest(w3, data, eth_signer(accounts, network_choice, alias), days, step_seconds, seed=seed)
    click.echo(f"{market.steps} steps of {step_seconds} s from {market.start_time} (seed {seed})")
    for step in range(market.steps):
        timestamp = market.advance(step, warp_time=warp)
        prices = "  ".join(f"{n} {Decimal(market.price_of(n, step)) / WAD:,.2f}" for n in sorted(market.oracles))
        click.echo(f"step {step:>5}  t={timestamp}  {prices}")
        if pace:
            time.sleep(pace)
