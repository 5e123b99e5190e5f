"""`ltsdk index`'s command line (in-process: tests/sdk runs the console script itself): one catch-up
step into a SQLite file, and bad options refused."""

from __future__ import annotations

import json
import os

import pytest

from ltsdk import cli
from ltsdk.index import db, queries
from ltsdk.units import USDC


@pytest.fixture
def ltsdk(capsys, monkeypatch):
    """ltsdk(*args) -> (exit code, stdout, stderr), without the test run's LT_ variables."""
    for name in [name for name in os.environ if name.startswith("LT_")]:
        monkeypatch.delenv(name)

    def run(*args):
        code = cli.main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_cli_index__once__catches_up_to_the_head_and_stores_the_deposit(
    ltsdk, manifest_file, rpc_url, depositor_sdk, depositor, tmp_path, chain
):
    depositor_sdk.token("ETH3L").deposit(250 * USDC)
    database = tmp_path / "index.sqlite"
    common = ("--rpc", rpc_url, "--manifest", str(manifest_file), "--db", str(database))

    code, out, err = ltsdk("index", *common, "--once", "--confirmations", "0", "--json")

    assert code == 0, err
    assert json.loads(out)["to_block"] == chain.blocks.head.number
    _, sessions = db.open_database(str(database))
    with sessions() as session:
        eth3l = queries.token_address(session, "ETH3L")
        assert queries.position(session, eth3l, depositor.address).cost_basis == 250 * USDC
        assert {token.symbol for token in queries.tokens(session)} == set(depositor_sdk.addresses)


def test_cli_index__negative_confirmations__exits_2_before_touching_the_database(
    ltsdk, manifest_file, rpc_url, tmp_path
):
    database = tmp_path / "index.sqlite"

    code, _, err = ltsdk(
        "index", "--rpc", rpc_url, "--manifest", str(manifest_file), "--db", str(database), "--confirmations", "-1"
    )

    assert code == 2
    assert "--confirmations" in err
    assert not database.exists()
