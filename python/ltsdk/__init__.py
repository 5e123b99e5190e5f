"""ltsdk: SDK, reference math and keeper logic for on-chain leveraged tokens.

from ltsdk import Protocol
protocol = Protocol.from_manifest("local", "http://127.0.0.1:8545")
"""

from ltsdk.client import Protocol, Token
from ltsdk.types import TokenState

__all__ = ["Protocol", "Token", "TokenState"]
