"""Fixtures for the SDK and CLI: the six products deployed once, and SDK sessions by role."""

import pytest
from eth_account import Account

from ltsdk import Protocol
from ltsdk.units import USDC


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
