"""`make node` / `make node-stop`: one anvil that stays up between commands, its pid and log in the
node folder, its state saved when stopped and loaded by the next `make node`."""

import os
import subprocess
from pathlib import Path

from nodes import free_port
from web3 import Web3

REPO = Path(__file__).resolve().parents[2]


def make(target: str, port: int, node_dir: Path) -> subprocess.CompletedProcess:
    command = ["make", "-s", "--no-print-directory", target, f"NODE_PORT={port}", f"NODE_DIR={node_dir}"]
    done = subprocess.run(command, cwd=REPO, env=os.environ, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_make_node__stays_up_between_commands__state_survives_a_restart(tmp_path):
    port = free_port()
    node_dir = tmp_path / "node"
    w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}"))
    try:
        assert f"node at http://127.0.0.1:{port}" in make("node", port, node_dir).stdout
        pid = int((node_dir / "anvil.pid").read_text())
        for _ in range(3):
            w3.provider.make_request("evm_mine", [])
        head = w3.eth.block_number
        assert head == 3 and w3.eth.chain_id == 31337
        assert "already running" in make("node", port, node_dir).stdout  # the same node, not a second

        assert "node stopped" in make("node-stop", port, node_dir).stdout
        assert not (node_dir / "anvil.pid").exists() and (node_dir / "state.json").exists()
        assert not Path(f"/proc/{pid}").exists()

        make("node", port, node_dir)
        assert w3.eth.block_number == head  # the chain came back from the saved state
        assert (node_dir / "anvil.log").read_text().count("Listening on") == 1
    finally:
        make("node-stop", port, node_dir)
