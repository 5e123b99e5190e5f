"""`make demo` keeps off the operator's work: it runs on an anvil of its own, writes its manifest
to out/demo-manifest.json (never over deployments/local.json), and refuses a running node. On the
asynchronous venues (LT_DEMO_VENUE=async) it runs rounds end to end and writes only out/ files."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from nodes import anvil

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run_demo(host: str, deployments: Path, **settings: str) -> subprocess.CompletedProcess:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LT_")},
        "APE_FOUNDRY_HOST": host,
        "LT_DEPLOYMENTS": str(deployments),  # where the local manifest is looked up and written
        "LT_DEMO_DAYS": "0.25",
        **settings,
    }
    command = [str(BIN / "ape"), "run", "demo", "--network", "ethereum:local:foundry"]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)


def demo_script():
    """scripts/demo.py as a module, in this process (its settings are read before anything else)."""
    spec = importlib.util.spec_from_file_location("demo_script", REPO / "scripts" / "demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LT_DEMO_VENUE", "foo", "LT_DEMO_VENUE must be one of sync, async, got 'foo'"),
        ("LT_DEMO_DAYS", "ten", "LT_DEMO_DAYS must be a positive number of days, got 'ten'"),
        ("LT_DEMO_SEED", "-1", "LT_DEMO_SEED must be a whole number, got '-1'"),
    ],
)
def test_demo__bad_setting__one_line_exit_2_before_anything_deploys(monkeypatch, capsys, name, value, message):
    demo = demo_script()
    deployed = []
    monkeypatch.setattr(demo, "deploy_protocol", lambda *a, **k: deployed.append(a))
    monkeypatch.setattr(demo, "main_async", lambda *a, **k: deployed.append(a))
    for other in ("LT_DEMO_VENUE", "LT_DEMO_DAYS", "LT_DEMO_SEED"):
        monkeypatch.delenv(other, raising=False)
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exit_:
        demo.main()
    assert exit_.value.code == 2
    assert capsys.readouterr().err == message + "\n"
    assert deployed == []


def test_demo__own_anvil__writes_its_own_manifest_not_the_local_one(tmp_path):
    local = tmp_path / "local.json"
    local.write_text('{"operator": "my deployment"}\n')
    done = run_demo("auto", tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert local.read_text() == '{"operator": "my deployment"}\n'
    assert "manifest out/demo-manifest.json" in done.stdout
    assert json.loads((REPO / "out" / "demo-manifest.json").read_text())["chain_id"] == 31337


def test_demo__on_a_running_node__refused_before_any_transaction(tmp_path):
    with anvil() as (url, w3):
        done = run_demo(url, tmp_path)
        assert done.returncode != 0
        assert "the demo warps the chain's clock" in done.stdout + done.stderr
        assert w3.eth.block_number == 0 and not list(tmp_path.iterdir())


def git_status() -> str:
    """What git sees changed or new in the work tree (out/ and other ignored paths are not in it)."""
    return subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True, check=True).stdout


def test_demo__async_venue__rounds_settled_netting_reported_only_out_files_written(tmp_path):
    before = git_status()
    done = run_demo("auto", tmp_path, LT_DEMO_VENUE="async", LT_DEMO_DAYS="0.5")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "manifest out/demo-async-manifest.json" in done.stdout
    assert "netting: each round's one venue order vs each request as an order of its own" in done.stdout
    assert "'failed'" not in done.stdout and "'reverted'" not in done.stdout  # the keeper's outcomes
    reports = json.loads((REPO / "out" / "demo-async.json").read_text())
    assert set(reports) == {"BTC3L", "ETH3S"}
    for symbol, report in reports.items():
        netting = report["netting"]
        assert report["settled"] == netting["rounds"] > 0, symbol
        assert report["claims"] > 0 and netting["requests"] >= netting["rounds"], symbol
        # the netted order trades at most what its requests would have apart (a base unit of rounding each)
        assert netting["notional_netted"] <= netting["notional_alone"] + netting["requests"], symbol
    manifest = json.loads((REPO / "out" / "demo-async-manifest.json").read_text())
    assert {entry["kind"] for entry in manifest["tokens"].values()} == {"async"}
    assert git_status() == before and not list(tmp_path.iterdir())
