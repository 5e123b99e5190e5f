"""Smoke tests of the thin wiring around ltsdk.keeper, each in its own process against the test
chain (APE_FOUNDRY_HOST points ape-foundry at it): the Silverback bot (bots/keeper.py) constructs
and its keeper reads every token; `ape run keeper --dry-run` ticks and sends nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture
def env(rpc_url, manifest_file, admin):
    return {
        **os.environ,
        "APE_FOUNDRY_HOST": rpc_url,
        "SILVERBACK_NETWORK_CHOICE": "ethereum:local:foundry",
        "LT_MANIFEST": str(manifest_file),
        "LT_PRIVATE_KEY": admin.private_key,
        "PYTHONPATH": str(REPO),
    }


def run(command, env):
    done = subprocess.run(command, check=False, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_silverback_bot__constructs__its_keeper_reads_every_token(env, admin):
    script = (
        "import bots.keeper as m; from silverback import SilverbackBot; "
        "assert isinstance(m.bot, SilverbackBot); k = m.make_keeper(); "
        "print('keeper', k.account.address, sorted(k.protocol.states()))"
    )
    done = run([sys.executable, "-c", script], env)
    line = next(line for line in done.stdout.splitlines() if line.startswith("keeper "))
    assert line.split()[1] == admin.address
    assert "BTC3L" in line and "BTC5S" in line


def test_keeper_script__dry_run_one_tick__sends_nothing(env, manifest_file, chain):
    head = chain.blocks.head.number
    command = [str(BIN / "ape"), "run", "keeper", "--network", "ethereum:local:foundry"]
    done = run([*command, "--manifest", str(manifest_file), "--ticks", "1", "--dry-run"], env)
    assert "nobody (dry run)" in done.stdout
    assert chain.blocks.head.number == head
