"""Run the keeper against a deployment: every block (poll interval), read all tokens through the
lens, act on what is due. See docs/operations.md.

uv run ape run keeper                                                     # the local node (make node):
                                                                          # anvil account 1 keeps
uv run ape run keeper --network ethereum:sepolia:node --account keeper    # an ape account alias
uv run ape run keeper --network ... --dry-run                             # log only, no signer

The account's passphrase comes from APE_ACCOUNTS_<alias>_PASSPHRASE or a prompt; a wrong one, or an
unknown alias, stops the script with one line and exit status 2. Logs are JSON lines stamped `ts`
(wall clock, UTC); --metrics-port serves Prometheus metrics; --journal keeps in-flight transactions
across restarts. Ctrl-C (SIGINT) or SIGTERM (systemd's stop) ends it with a `shutdown` line.
"""

import logging
import os
import signal
import sys
from typing import NoReturn

import click
from ape import accounts, networks
from ape.cli import ConnectedProviderCommand

from ltsdk.deploy import LOCAL_KEEPER, eth_signer, manifest_path
from ltsdk.errors import BadManifest
from ltsdk.keeper import Keeper, Policy


@click.command(cls=ConnectedProviderCommand)
@click.option("--account", "alias", help="ape account alias holding KEEPER_ROLE (local default: anvil account 1)")
@click.option("--manifest", type=click.Path(exists=True), help="default: deployments/<network>.json")
@click.option("--interval", type=float, default=12.0, show_default=True, help="seconds between ticks")
@click.option("--ticks", type=int, help="stop after this many ticks (default: run forever)")
@click.option("--dry-run", is_flag=True, help="simulate and log; send nothing")
@click.option("--metrics-port", type=int, help="serve Prometheus metrics on this port")
@click.option("--journal", type=click.Path(), default="out/keeper-journal.json", show_default=True)
@click.option("--permissionless", is_flag=True, help="no KEEPER_ROLE: only ripcord, flag and post-grace rebalances")
def cli(network, alias, manifest, interval, ticks, dry_run, metrics_port, journal, permissionless):
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    network_choice = networks.provider.network_choice
    # locally anvil account 1 (given KEEPER_ROLE by the deploy), not the deployer that
    # `ape run market` signs with: two senders, no nonce race between them
    try:
        account = None if dry_run else eth_signer(accounts, network_choice, alias, local_index=LOCAL_KEEPER)
    except KeyError:
        refuse(f"no ape account named {alias!r} (see `ape accounts list`)")
    except ValueError as exc:  # eth-account's "MAC mismatch": the passphrase does not open the keyfile
        refuse(f"the passphrase does not open the ape account {alias!r} ({exc})")
    dry_run_address = accounts.test_accounts[0].address if dry_run and ":local:" in network_choice else None
    os.makedirs(os.path.dirname(journal) or ".", exist_ok=True)
    try:
        keeper = Keeper.from_manifest(
            manifest or manifest_path(network_choice),
            networks.provider.http_uri,
            account,
            Policy(poll_seconds=interval, is_keeper=not permissionless),
            journal_path=journal,
            dry_run_address=dry_run_address,
        )
        keeper.protocol.node.check_chain()  # a wrong chain or an empty node: one line, not a traceback
    except BadManifest as exc:
        refuse(str(exc))
    if metrics_port:
        keeper.serve_metrics(metrics_port)
    who = account.address if account else "nobody (dry run)"
    keeper.log("started", keeper=who, network=network_choice, tokens=keeper.symbols, interval_seconds=interval)
    # Ctrl-C, and systemd's SIGTERM, end the loop cleanly (ape's own SIGINT handler would exit 130 at once)
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    keeper.run(ticks)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def refuse(message: str) -> NoReturn:
    """A start-up mistake: one line on stderr, exit status 2."""
    click.echo(f"keeper: {message}", err=True)
    sys.exit(2)
