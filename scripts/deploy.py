"""Deploy the protocol and write deployments/<network>.json, progressively: each contract's address
is saved as soon as it is mined, and a re-run resumes (deploys only what the manifest lacks).

make node && make deploy                                  # the local node: uv run ape run deploy
LT_DEPLOYER=<ape alias> APE_ACCOUNTS_<alias>_PASSPHRASE=... SEPOLIA_RPC_URL=... \\
    uv run ape run deploy --network ethereum:sepolia:node --confirmations 2 --confirm-timeout 300

Off a local network the ape account signs without prompting (autosign, unlocked with the
passphrase from the environment). On the local network the deployer is anvil account 0 and the
keeper role goes to account 1 (`ape run keeper`'s default signer). `--keeper`/`--guardian` grant
those roles to other addresses. The manifest stores the network's name, never the RPC URL.

`--venue-kind async` deploys asynchronous venues (MockAsyncPerpVenue, docs/async-venue.md), on
which the factory creates LeveragedTokenAsync (ERC-7540 requests in rounds); the keeper is also
each venue's order keeper. The default is the synchronous venue and token. The manifest gives each
market's and token's `kind`.
"""

import click
from ape import accounts, chain, networks, project
from ape.cli import ConnectedProviderCommand

from ltsdk.deploy import (
    LOCAL_KEEPER,
    ApeBackend,
    ConfirmationTimeout,
    deploy_protocol,
    is_local,
    manifest_json,
    manifest_path,
    select_deployer,
    start_record,
    write_json,
)
from ltsdk.manifest import KINDS, SYNC


@click.command(cls=ConnectedProviderCommand)
@click.option("--confirmations", type=click.IntRange(min=0), help="blocks on each tx [local 0, else 1]")
@click.option("--confirm-timeout", type=float, default=300.0, show_default=True, help="seconds per transaction")
@click.option("--keeper", "keeper_address", help="grant KEEPER_ROLE on every token to this address")
@click.option("--guardian", "guardian_address", help="grant GUARDIAN_ROLE on every token to this address")
@click.option("--fresh", is_flag=True, help="ignore an existing manifest: deploy everything anew")
@click.option(
    "--venue-kind",
    type=click.Choice(KINDS),
    default=SYNC,
    show_default=True,
    help="the markets' venues, and so the tokens: sync (LeveragedToken) or async (LeveragedTokenAsync)",
)
def cli(network, confirmations, confirm_timeout, keeper_address, guardian_address, fresh, venue_kind):
    network_choice = networks.provider.network_choice
    local = is_local(network_choice)
    if local and getattr(networks.provider, "process", None) is not None:
        raise SystemExit(
            "no node was running, so ape started a throwaway anvil that stops with this script "
            "(the manifest would point at nothing): start the node with `make node`, then deploy"
        )
    deployer = select_deployer(accounts, network_choice)
    keeper = keeper_address or (accounts.test_accounts[LOCAL_KEEPER].address if local else None)
    if confirmations is None:
        confirmations = 0 if local else 1
    path = manifest_path(network_choice)
    record, note = start_record(path, chain.chain_id, network_choice, lambda a: bool(chain.provider.get_code(a)), fresh)
    click.echo(f"{note}; deployer {deployer.address}, {confirmations} confirmation(s) per transaction")

    backend = ApeBackend(project, deployer, confirmations, confirm_timeout, chain)
    try:
        manifest = deploy_protocol(
            backend, keeper=keeper, guardian=guardian_address, record=record, venue_kind=venue_kind
        )
    except ConfirmationTimeout as exc:
        raise SystemExit(f"deploy: {exc}") from None
    except ValueError as exc:  # bad input: an option the manifest being resumed contradicts
        click.echo(f"deploy: {exc}", err=True)
        raise SystemExit(2) from None
    data = manifest_json(manifest, chain.chain_id, network_choice, chain.blocks.head.number)
    write_json(path, data)
    done = f"{len(record.deployed)} contracts deployed now, {len(record.reused)} found in the manifest"
    click.echo(f"{len(data['tokens'])} tokens on {data['network']} (chain {chain.chain_id}); {done}; manifest {path}")
    if keeper:
        click.echo(f"keeper role: {keeper}")
    for symbol, token in data["tokens"].items():
        click.echo(f"  {symbol:6} {token['address']} ({token['kind']})")
