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


def _start(options: tuple[str, ...]) -> tuple[subprocess.Popen, str, Web3] | None:
    """One anvil on a free port, or None if it exited (another process took the port between the
    probe and anvil's bind: the machine is shared, so a node answering there may not be ours)."""
    port = free_port()
    process = subprocess.Popen(
        ["anvil", "--port", str(port), "--silent", *options], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    w3 = Web3(Web3.HTTPProvider(url))
    deadline = time.monotonic() + 30
    while process.poll() is None and not w3.is_connected():
        assert time.monotonic() < deadline, "anvil did not start in 30 s"
        time.sleep(0.1)
    time.sleep(0.2)  # a lost race shows as an exit right after the bind fails
    if process.poll() is not None:
        return None
    return process, url, w3


@contextmanager
def anvil(*options: str):
    """An automining anvil with `options` on a free port: yields (url, web3); stopped on exit."""
    for _ in range(3):
        if started := _start(options):
            break
    else:
        raise AssertionError("anvil exited at start three times (ports taken?)")
    process, url, w3 = started
    try:
        yield url, w3
    finally:
        process.terminate()
        process.wait(timeout=30)
