"""The local flow on a node that stays up (an anvil started here, as `make node` starts one): the
local deploy script gives KEEPER_ROLE to anvil account 1, a user gets mock USDC and mints, then
`ape run market` (account 0) and `ape run keeper` (account 1) run side by side: two senders, so
neither ever sees "nonce too low"."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from nodes import anvil

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture
def local_node():
    """Chain 31337 and ape's test mnemonic (anvil's defaults), as `make node` runs it."""
    with anvil() as (url, _):
        yield url


def test_local_deploy_then_market_and_keeper_side_by_side__separate_accounts_no_nonce_error(
    local_node, tmp_path, accounts
):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LT_")},
        "APE_FOUNDRY_HOST": local_node,  # what `make deploy/keeper/market` pass for another port
        "LT_DEPLOYMENTS": str(tmp_path),
    }
    ape = [str(BIN / "ape"), "run"]
    network = ("--network", "ethereum:local:foundry")

    deployed = subprocess.run(
        [*ape, "deploy", *network], cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert deployed.returncode == 0, deployed.stderr[-3000:]
    keeper_address, market_address = accounts[1].address, accounts[0].address
    assert f"keeper role: {keeper_address}" in deployed.stdout

    user = accounts[3]
    cli = [str(BIN / "ltsdk"), "--rpc", local_node, "--manifest", str(tmp_path / "local.json")]
    for args in (("faucet", "5000", user.address), ("deposit", "BTC3L", "5000")):
        done = subprocess.run(
            [*cli, *args], env={**env, "LT_PRIVATE_KEY": user.private_key}, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr

    market = subprocess.Popen(
        [*ape, "market", *network, "--days", "2", "--step", "3600", "--pace", "0.2"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    keeper = subprocess.run(
        [*ape, "keeper", *network, "--ticks", "8", "--interval", "1", "--journal", str(tmp_path / "journal.json")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    market_out, market_err = market.communicate(timeout=300)
    assert market.returncode == 0, market_err[-3000:]
    assert keeper.returncode == 0, keeper.stderr[-3000:]
    events = [json.loads(line) for line in keeper.stdout.splitlines() if line.startswith("{")]
    started = next(event for event in events if event["event"] == "started")
    assert started["keeper"] == keeper_address  # anvil account 1, not the market's account 0
    assert "step    47" in market_out  # every hourly step of two days was pushed
    assert any(event["event"] == "mined" for event in events), keeper.stdout[-2000:]  # both sent, at once
    everything = keeper.stdout + keeper.stderr + market_out + market_err
    assert "nonce too low" not in everything.lower() and "nonce_resync" not in everything
    assert market_address != keeper_address
