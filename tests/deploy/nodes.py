"""Anvil nodes the deploy tests start themselves (their own chain id, their own port)."""

import socket
import subprocess
import time
from contextlib import contextmanager

from web3 import Web3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def anvil(*options: str):
    """An automining anvil with `options` on a free port: yields (url, web3); stopped on exit."""
    port = free_port()
    process = subprocess.Popen(
        ["anvil", "--port", str(port), "--silent", *options], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    w3 = Web3(Web3.HTTPProvider(url))
    try:
        deadline = time.monotonic() + 30
        while not w3.is_connected():
            assert time.monotonic() < deadline and process.poll() is None, "anvil did not start"
            time.sleep(0.1)
        yield url, w3
    finally:
        process.terminate()
        process.wait(timeout=30)
