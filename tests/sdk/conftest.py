"""Fixtures for the SDK and CLI: the six products deployed once, and SDK sessions by role."""

import json

import pytest
from eth_account import Account

from ltsdk import Protocol
from ltsdk.deploy import deploy_protocol, manifest_json

USDC = 10**6


@pytest.fixture(scope="session")
def manifest_file(project, admin, chain, tmp_path_factory):
    """The six products deployed once; the manifest written as deploy.py writes it."""
    manifest = deploy_protocol(project, admin)
    data = manifest_json(manifest, chain.chain_id, "ethereum:local:foundry", chain.blocks.head.number)
    path = tmp_path_factory.mktemp("deployments") / "local.json"
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def rpc_url(chain):
    return chain.provider.http_uri


@pytest.fixture
def user_protocol(manifest_file, rpc_url, depositor, project):
    """The depositor's SDK session, with collateral from the faucet."""
    protocol = Protocol.from_manifest(manifest_file, rpc_url, account=Account.from_key(depositor.private_key))
    usdc = project.MockUSDC.at(protocol.manifest["collateral"])
    usdc.mint(depositor, 100_000 * USDC, sender=depositor)
    return protocol


@pytest.fixture
def keeper_protocol(manifest_file, rpc_url, admin):
    """The admin (deployer) holds every role on the local network."""
    return Protocol.from_manifest(manifest_file, rpc_url, account=Account.from_key(admin.private_key))
