"""`ltsdk index` as a user runs it: one catch-up step into a SQLite file, and bad options refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ltsdk.index import db, queries
from ltsdk.units import USDC

LTSDK = str(Path(sys.executable).parent / "ltsdk")


def _ltsdk(*args):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LT_")}
    return subprocess.run([LTSDK, *args], check=False, capture_output=True, text=True, env=environment, timeout=120)


def test_cli_index__once__catches_up_to_the_head_and_stores_the_deposit(
    manifest_file, rpc_url, depositor_sdk, depositor, tmp_path, chain
):
    depositor_sdk.token("ETH3L").deposit(250 * USDC)
    database = tmp_path / "index.sqlite"
    common = ("--rpc", rpc_url, "--manifest", str(manifest_file), "--db", str(database))

    done = _ltsdk("index", *common, "--once", "--confirmations", "0", "--json")

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["to_block"] == chain.blocks.head.number
    _, sessions = db.open_database(str(database))
    with sessions() as session:
        eth3l = queries.token_address(session, "ETH3L")
        assert queries.position(session, eth3l, depositor.address).cost_basis == 250 * USDC
        assert {token.symbol for token in queries.tokens(session)} == set(depositor_sdk.addresses)


def test_cli_index__negative_confirmations__exits_2_before_touching_the_database(manifest_file, rpc_url, tmp_path):
    database = tmp_path / "index.sqlite"

    done = _ltsdk(
        "index", "--rpc", rpc_url, "--manifest", str(manifest_file), "--db", str(database), "--confirmations", "-1"
    )

    assert done.returncode == 2
    assert "--confirmations" in done.stderr
    assert not database.exists()
