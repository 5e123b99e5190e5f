"""The wheel a dApp backend installs: built from this checkout, installed into a fresh venv with no
extras (web3, eth-account and what they need, nothing else), it reads a deployment from anvil."""

import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = ("ape", "vyper", "boa", "pytest", "hypothesis", "matplotlib", "silverback", "prometheus_client")


def sh(*args, cwd=ROOT, env=None):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, f"{' '.join(map(str, args))}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory):
    """A venv outside the repository with only the wheel and its locked runtime dependencies."""
    # uv on PATH, else the command the Makefile found (it exports UV, e.g. "python3 -m uv")
    uv = [found] if (found := shutil.which("uv")) else shlex.split(os.environ.get("UV", ""))
    assert uv, "uv is neither on PATH nor in $UV (the Makefile installs it)"
    work = tmp_path_factory.mktemp("wheel")
    sh(*uv, "build", "--wheel", "--out-dir", str(work / "dist"))
    (wheel,) = (work / "dist").glob("ltsdk-*.whl")
    constraints = work / "constraints.txt"
    sh(*uv, "export", "--frozen", "--no-default-groups", "--no-hashes", "--no-emit-project", "-o", str(constraints))
    sh(*uv, "venv", "--python", "3.11", str(work / "venv"))
    python = work / "venv" / "bin" / "python"
    sh(*uv, "pip", "install", "--python", str(python), "-c", str(constraints), str(wheel))
    return work, python


def test_installed_wheel__has_no_framework_and_ships_types_and_abis(installed_wheel):
    work, python = installed_wheel
    probe = (
        "import importlib.util, json, ltsdk, ltsdk.aio, ltsdk.quote, ltsdk.replica; from pathlib import Path;"
        f"print(json.dumps({{name: importlib.util.find_spec(name) is not None for name in {FRAMEWORKS!r}}}));"
        "root = Path(ltsdk.__file__).parent;"
        "print((root / 'py.typed').exists(), len(list((root / 'abi').glob('*.json'))))"
    )
    found, package_data = sh(str(python), "-c", probe, cwd=work).splitlines()
    assert json.loads(found) == dict.fromkeys(FRAMEWORKS, False)
    typed, json_files = package_data.split()
    assert typed == "True" and int(json_files) >= 7  # the ABIs and the manifest schema


def test_installed_wheel__status_read_from_a_network_name(installed_wheel, manifest_file, rpc_url, user_protocol):
    work, python = installed_wheel
    deployments = work / "manifests"
    deployments.mkdir(exist_ok=True)
    shutil.copy(manifest_file, deployments / "anvil.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LT_", "PYTHON", "VIRTUAL_ENV"))}
    env["LT_DEPLOYMENTS"] = str(deployments)

    out = sh(
        str(python.parent / "ltsdk"), "--rpc", rpc_url, "--manifest", "anvil", "--json", "status", cwd=work, env=env
    )

    states = json.loads(out)
    assert set(states) == set(user_protocol.states())
    assert states["BTC5L"]["target_leverage"] == str(5 * 10**18) and states["BTC3L"]["ok"] is True
