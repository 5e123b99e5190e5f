"""The unattended test-network path end to end: an anvil posing as Sepolia (chain 11155111) started
here, an encrypted ape keystore written here with its passphrase only in the environment, then
`ape run deploy --network ethereum:sepolia:node` with no terminal, the SDK reading the deployment,
one keeper tick signed by the keystore's key, and a re-run that deploys nothing."""

import asyncio
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from eth_account import Account
from nodes import anvil

from ltsdk import Protocol, mocks
from ltsdk.abis import load_abi
from ltsdk.aio import AsyncProtocol
from ltsdk.deploy import load_products
from ltsdk.errors import WrongChain
from ltsdk.keeper import Keeper, Policy
from ltsdk.units import DAY, USDC

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SEPOLIA_CHAIN_ID = 11155111
ALIAS = "deployer"
PASSPHRASE = "correct horse battery staple"


@pytest.fixture(scope="module")
def sepolia_node():
    """An automining anvil with Sepolia's chain id on a free port; stopped after the module."""
    with anvil("--chain-id", str(SEPOLIA_CHAIN_ID)) as node:
        yield node


@pytest.fixture(scope="module")
def keystore(tmp_path_factory, sepolia_node):
    """A new key encrypted in ape's keystore format (what `ape accounts import` writes) in a data
    folder of its own, funded with test ETH. Returns (ape data folder, the decrypted account)."""
    _, w3 = sepolia_node
    data_folder = tmp_path_factory.mktemp("ape-data")
    account = Account.create()
    (data_folder / "accounts").mkdir()
    (data_folder / "accounts" / f"{ALIAS}.json").write_text(json.dumps(Account.encrypt(account.key, PASSPHRASE)))
    w3.provider.make_request("anvil_setBalance", [account.address, hex(100 * 10**18)])
    return data_folder, account


def run_deploy(
    sepolia_node, keystore, deployments: Path, *options: str, passphrase: str | None = PASSPHRASE, ok: bool = True
) -> subprocess.CompletedProcess:
    """`ape run deploy` as a scheduler would run it: no terminal (stdin closed), secrets in the env."""
    url, _ = sepolia_node
    data_folder, _ = keystore
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("LT_", "APE_ACCOUNTS_"))},
        "APE_DATA_FOLDER": str(data_folder),
        "SEPOLIA_RPC_URL": url,
        "LT_DEPLOYER": ALIAS,
        "LT_DEPLOYMENTS": str(deployments),
    }
    if passphrase is not None:
        env[f"APE_ACCOUNTS_{ALIAS}_PASSPHRASE"] = passphrase
    command = [str(BIN / "ape"), "run", "deploy", "--network", "ethereum:sepolia:node", *options]
    done = subprocess.run(
        command, cwd=REPO, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600, check=False
    )
    assert (done.returncode == 0) == ok, done.stdout[-2000:] + done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def deployed(sepolia_node, keystore, tmp_path_factory):
    deployments = tmp_path_factory.mktemp("deployments")
    done = run_deploy(sepolia_node, keystore, deployments, "--confirmations", "0")
    return deployments / "sepolia.json", done


def test_deploy__no_terminal_passphrase_from_env__manifest_names_the_network_not_the_url(
    deployed, sepolia_node, keystore
):
    path, done = deployed
    url, _ = sepolia_node
    _, account = keystore
    text = path.read_text()
    manifest = json.loads(text)
    assert "Sign:" not in done.stdout + done.stderr  # autosign: no prompt was shown
    assert manifest["chain_id"] == SEPOLIA_CHAIN_ID
    assert manifest["network"] == "ethereum:sepolia"
    assert url not in text and str(url.rsplit(":", 1)[1]) not in text
    assert "partial" not in manifest
    assert len(manifest["tokens"]) == 6
    assert f"deployer {account.address}" in done.stdout


def test_deploy__no_passphrase_and_no_terminal__one_line_not_a_prompt(sepolia_node, keystore, tmp_path):
    _, w3 = sepolia_node
    _, account = keystore
    nonce = w3.eth.get_transaction_count(account.address)
    done = run_deploy(sepolia_node, keystore, tmp_path, passphrase=None, ok=False)
    assert f"set APE_ACCOUNTS_{ALIAS}_PASSPHRASE to deploy unattended" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    wrong = run_deploy(sepolia_node, keystore, tmp_path, passphrase="wrong", ok=False)
    assert f"cannot unlock ape account '{ALIAS}'" in wrong.stdout + wrong.stderr
    assert w3.eth.get_transaction_count(account.address) == nonce and not list(tmp_path.iterdir())


def test_sdk_status_and_one_keeper_tick__signed_by_the_keystore_key(deployed, sepolia_node, keystore):
    path, _ = deployed
    url, w3 = sepolia_node
    _, account = keystore
    protocol = Protocol.from_manifest(path, url, account=account)
    states = protocol.states()
    assert sorted(states) == ["BTC3L", "BTC3S", "BTC5L", "BTC5S", "ETH3L", "ETH3S"]
    assert all(state.ok and state.supply == 0 for state in states.values())

    # a position; a day later (the oracles refreshed by the warp) BTC falls 10 %: 3x long is
    # at ~3.86x, out of its band (2.5-3.6x)
    mocks.faucet(w3, protocol.manifest, account, account.address, 2_000 * USDC)
    protocol.token("BTC3L").deposit(2_000 * USDC)
    mocks.warp(w3, protocol.manifest, account, DAY)
    mocks.set_price(w3, protocol.manifest, account, "BTC", Decimal(load_products()["markets"]["BTC"]["price"]) * 9 / 10)
    keeper = Keeper.from_manifest(path, url, Account.from_key(account.key), Policy(poll_seconds=0))
    outcomes = {outcome.symbol: outcome for outcome in keeper.tick()}
    assert outcomes["BTC3L"].status == "mined", outcomes
    assert outcomes["BTC3L"].action is not None and outcomes["BTC3L"].action.kind == "rebalance"


def test_manifest_for_another_chain__typed_error_in_sdk__one_line_exit_two_in_cli(deployed, rpc_url):
    """The suite's own chain is 31337; the manifest says 11155111."""
    path, _ = deployed
    with pytest.raises(WrongChain, match="chain 11155111"):
        Protocol.from_manifest(path, rpc_url).states()

    async def read_async():
        async with AsyncProtocol.from_manifest(path, rpc_url) as protocol:
            await protocol.states()

    with pytest.raises(WrongChain, match="chain 11155111"):
        asyncio.run(read_async())
    env = {k: v for k, v in os.environ.items() if not k.startswith("LT_")}
    done = subprocess.run(
        [str(BIN / "ltsdk"), "--rpc", rpc_url, "--manifest", str(path), "status"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "WrongChain" in lines[0] and "11155111" in lines[0], done.stderr


def test_rerun__complete_manifest__deploys_nothing(deployed, sepolia_node, keystore):
    path, _ = deployed
    _, w3 = sepolia_node
    _, account = keystore
    before = path.read_text()
    nonce = w3.eth.get_transaction_count(account.address)
    done = run_deploy(sepolia_node, keystore, path.parent, "--confirmations", "0")
    assert "0 contracts deployed now" in done.stdout, done.stdout
    assert w3.eth.get_transaction_count(account.address) == nonce  # not one transaction sent
    after = json.loads(path.read_text())
    assert {k: v for k, v in after.items() if k != "block"} == {
        k: v for k, v in json.loads(before).items() if k != "block"
    }


def ltsdk(*args: str, key: str | None = None) -> subprocess.CompletedProcess:
    """The CLI with only `key` in its environment; with a key, off a local chain id, `--yes` skips
    the prompt each write asks first (and closed stdin declines it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LT_")}
    if key is not None:
        env["LT_PRIVATE_KEY"] = key
    return subprocess.run(
        [str(BIN / "ltsdk"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_mock_helpers__faucet_set_price_warp__on_the_command_line(deployed, sepolia_node, keystore, ltsdk_in_process):
    path, _ = deployed
    url, w3 = sepolia_node
    _, account = keystore
    base = ("--rpc", url, "--manifest", str(path), "--json")
    key = "0x" + account.key.hex().removeprefix("0x")
    receiver = Account.create().address

    def in_process(*args: str, key: str | None = None) -> subprocess.CompletedProcess:
        """As `ltsdk` above, by ltsdk's main in this process (~2 s less each than a process)."""
        code, out, err = ltsdk_in_process(*args, env={"LT_PRIVATE_KEY": key} if key else None)
        return subprocess.CompletedProcess(args, code, out, err)

    funded = ltsdk(*base, "faucet", "2500.5", receiver, "--yes", key=key)  # the console script, as a process
    assert funded.returncode == 0, funded.stderr
    protocol = Protocol.from_manifest(path, url)
    assert json.loads(funded.stdout)["balance"] == str(2_500_500_000)
    declined = in_process(*base, "faucet", "1", receiver, key=key)  # chain 11155111 is not local: it asks
    assert declined.returncode == 1 and "Send? [y/N]" in declined.stderr
    assert protocol.collateral.functions.balanceOf(receiver).call() == 2_500_500_000

    priced = in_process(*base, "set-price", "eth", "3210.5", "--yes", key=key)
    assert priced.returncode == 0, priced.stderr
    oracle = w3.eth.contract(address=protocol.manifest["markets"]["ETH"]["oracle"], abi=load_abi("MockOracle"))
    assert oracle.functions.latestAnswer().call() == 3210_5 * 10 ** (oracle.functions.decimals().call() - 1)
    too_fine = in_process(*base, "set-price", "ETH", "3210.123456789", "--yes", key=key)  # the feed has 8 decimals
    assert too_fine.returncode == 2 and "more than 8 decimals" in too_fine.stderr, too_fine.stderr

    before = w3.eth.get_block("latest")["timestamp"]
    warped = in_process(*base, "warp", "2h", "--yes", key=key)
    assert warped.returncode == 0, warped.stderr
    assert json.loads(warped.stdout)["timestamp"] >= before + 2 * 3_600
    assert all(state.oracle_fresh for state in protocol.states().values())  # re-posted at the new time

    # anvil's unlocked account 0 signs when no key is set: it may mint, not update an oracle here
    assert in_process(*base, "faucet", "1", receiver).returncode == 0
    refused = in_process(*base, "set-price", "BTC", "1")
    assert refused.returncode == 2 and "may not update the BTC oracle" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    for args, message in (
        (("faucet", "10"), "faucet needs an ADDRESS"),
        (("set-price", "DOGE", "1"), "unknown market"),
        (("warp", "-5"), "duration must be"),
    ):
        bad = in_process(*base, *args)
        assert bad.returncode == 2 and message in bad.stderr, (args, bad.stderr)
