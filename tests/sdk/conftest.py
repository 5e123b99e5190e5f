"""Fixtures for the SDK and CLI: the six products deployed once, an asynchronous token next to them
(per module that asks), SDK sessions by role, the console script and the nonce of an account read
from the node."""

import os
import subprocess
import sys
from pathlib import Path

import async_stack
import pytest
from eth_account import Account

from ltsdk import Protocol
from ltsdk.units import USDC

LTSDK = str(Path(sys.executable).parent / "ltsdk")


@pytest.fixture(scope="module", autouse=True)
def six_products_before_the_first_test(manifest_file, depositor, admin):
    """The session's deployment and actors, met before each module's first test: ape's isolation
    restores the chain to its module snapshot, and a session fixture first set up after it (by
    test_client.py's second test, say) is gone from the chain for every later module."""


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


@pytest.fixture(scope="module")
def sdk_async_stack(project, admin, keeper, guardian, fee_recipient, depositor, manifest_file, tmp_path_factory, cli):
    """The asynchronous token BTC3LA and its venue next to the six products (async_stack.deploy);
    `.manifest` lists all seven. (`cli`, session-scoped, is set up here, before any
    function-scoped fixture: ape's isolation wants that order.)"""
    return async_stack.deploy(
        project, admin, keeper, guardian, fee_recipient, depositor, manifest_file, tmp_path_factory
    )


@pytest.fixture(scope="session")
def cli():
    """cli(*args, env=None, module=None, stdin=None) -> CompletedProcess: the `ltsdk` console
    script (or `python -m module`) run as a user would, without the test run's LT_ variables."""

    def run(*args, env=None, module=None, stdin=None):
        environment = {k: v for k, v in os.environ.items() if not k.startswith("LT_")}
        environment.update(env or {})
        command = [sys.executable, "-m", module] if module else [LTSDK]
        return subprocess.run(
            [*command, *args], check=False, capture_output=True, text=True, env=environment, input=stdin, timeout=120
        )

    return run


@pytest.fixture
def nonce_of(chain):
    """nonce_of(account) -> the node's count of its transactions, pool included."""

    def nonce(account):
        return chain.provider.web3.eth.get_transaction_count(account.address, "pending")

    return nonce
