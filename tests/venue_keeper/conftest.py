"""Fixtures for the venue keeper: an asynchronous BTC venue whose order keepers are the keeper and
a second venue keeper, traders who place orders on it, the oracle's next round, and venue keepers
talking to anvil over HTTP as the CLI's does."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import pytest
from eth_account import Account
from venue_market import DEPTH, EXECUTION_FEE, ORACLE_DECIMALS, TEST_VENUE_POLICY, VENUE_LIQUIDITY, answer, wad
from web3 import Web3

from ltsdk.units import USDC, WAD
from ltsdk.venue_keeper import VenueKeeper


@pytest.fixture(scope="session")
def other_venue_keeper(accounts):
    return accounts[9]


@pytest.fixture(scope="session")
def kept_market(project, admin, keeper, other_venue_keeper, usdc, depositor, other_depositor, outsider):
    """A BTC oracle at 60,000 USD and an asynchronous BTC-PERP venue on it, funded to pay profits,
    whose order keepers are the keeper and the other venue keeper. Every session actor of these
    tests is asked for here: ape's isolation must meet each session fixture before the first test
    (one met later restores the chain to before it, and the venue is gone)."""
    oracle = project.MockOracle.deploy(ORACLE_DECIMALS, "BTC / USD", answer(60_000), sender=admin)
    venue = project.MockAsyncPerpVenue.deploy(usdc, oracle, "BTC-PERP", 6, DEPTH, sender=admin)
    usdc.mint(venue, VENUE_LIQUIDITY, sender=admin)
    for actor in (keeper, other_venue_keeper):
        venue.set_order_keeper(actor, True, sender=admin)
    return oracle, venue


@pytest.fixture(scope="session")
def kept_oracle(kept_market):
    return kept_market[0]


@pytest.fixture(scope="session")
def kept_venue(kept_market):
    return kept_market[1]


@pytest.fixture
def place_order(kept_venue, usdc):
    """place_order(trader, size_btc, collateral_usd, acceptable_usd) -> order id: the trader pays
    the collateral and the execution fee and creates a market order."""

    def place(trader, size_btc, collateral_usd, acceptable_usd):
        collateral = int(collateral_usd * USDC)
        usdc.mint(trader, collateral + EXECUTION_FEE, sender=trader)
        usdc.approve(kept_venue, collateral + EXECUTION_FEE, sender=trader)
        order_id = kept_venue.next_order_id()
        kept_venue.create_order(int(size_btc * WAD), collateral, wad(acceptable_usd), EXECUTION_FEE, sender=trader)
        return order_id

    return place


@pytest.fixture
def publish(kept_oracle, admin):
    """publish(usd): the oracle's next round, at the current block time."""

    def _publish(usd):
        kept_oracle.set_price(answer(usd), sender=admin)

    return _publish


@pytest.fixture
def make_venue_keeper(kept_venue, rpc_url, keeper):
    """make_venue_keeper(actor=keeper, **policy): a venue keeper signing as `actor`, on its own
    HTTP connection to anvil, with the test policy and any VenuePolicy field given."""

    def make(actor=None, **policy):
        signer = Account.from_key((actor or keeper).private_key)
        w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 30}))
        return VenueKeeper(w3, kept_venue.address, signer, replace(TEST_VENUE_POLICY, **policy))

    return make


@pytest.fixture
def venue_keeper_logs(caplog):
    """The venue keepers' log lines, decoded."""
    caplog.set_level(logging.INFO, logger="ltsdk.venue_keeper")
    return lambda: [json.loads(r.getMessage()) for r in caplog.records if r.name == "ltsdk.venue_keeper"]
