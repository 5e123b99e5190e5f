"""Stateful replicas of the deployed contracts (the reference model): `Venue` mirrors the mock venue,
`AsyncVenue` the asynchronous one (orders filled later by a venue keeper), `Fund` a leveraged
token over a venue; the backtester and the tests run them beside the chain."""

from ltsdk.replica.async_venue import AsyncVenue
from ltsdk.replica.fund import Fund
from ltsdk.replica.venue import Venue

__all__ = ["AsyncVenue", "Fund", "Venue"]
