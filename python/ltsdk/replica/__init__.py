"""Stateful replicas of the deployed contracts (the reference model): `Venue` mirrors the mock venue,
`Fund` a leveraged token over it; the backtester and the tests run them beside the chain."""

from ltsdk.replica.fund import Fund
from ltsdk.replica.venue import Venue

__all__ = ["Fund", "Venue"]
