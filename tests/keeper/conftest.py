"""Fixtures for the keeper: the six products, the keeper role granted to the keeper actor, a
fault-injecting proxy between the keeper and anvil, a fake clock, and market moves."""

from __future__ import annotations

import json
import logging
import time

import pytest
from eth_account import Account
from fault_proxy import FaultProxy
from helpers import TEST_POLICY

from ltsdk.deploy import oracle_answer
from ltsdk.keeper import Keeper
from ltsdk.units import USDC

ORACLE_DECIMALS = 8


class FakeClock:
    """The keeper's clock: `sleep` advances it (and yields a moment to the node)."""

    def __init__(self):
        self.now = 1_000.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        time.sleep(min(seconds, 0.005))


@pytest.fixture(scope="session")
def products(manifest_file, project, admin, keeper):
    """The deployed tokens and oracles as ape contracts; the keeper actor holds KEEPER_ROLE."""
    manifest = json.loads(manifest_file.read_text())
    tokens = {symbol: project.LeveragedToken.at(entry["address"]) for symbol, entry in manifest["tokens"].items()}
    for token in tokens.values():
        token.grantRole(token.KEEPER_ROLE(), keeper, sender=admin)
    markets = manifest["markets"]
    return {
        "manifest": manifest,
        "usdc": project.MockUSDC.at(manifest["collateral"]),
        "tokens": tokens,
        "oracles": {name: project.MockOracle.at(m["oracle"]) for name, m in markets.items()},
        "venues": {name: project.MockPerpAdapter.at(m["adapter"]) for name, m in markets.items()},
    }


@pytest.fixture
def proxy(rpc_url):
    proxy = FaultProxy(rpc_url).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def keeper_logs(caplog):
    """The keeper's structured log lines, decoded."""
    caplog.set_level(logging.INFO, logger="ltsdk.keeper")
    return lambda: [json.loads(record.getMessage()) for record in caplog.records if record.name == "ltsdk.keeper"]


@pytest.fixture
def make_keeper(manifest_file, proxy, clock, keeper):
    """make_keeper(actor=keeper, policy=TEST_POLICY, signer=True, **options): a keeper talking to
    anvil through the fault proxy, on the fake clock."""

    def make(actor=None, policy=TEST_POLICY, signer=True, **options):
        actor = actor or keeper
        account = Account.from_key(actor.private_key) if signer else None
        return Keeper.from_manifest(
            manifest_file, proxy.url, account, policy, rpc_timeout=1.0, clock=clock.clock, sleep=clock.sleep, **options
        )

    return make


@pytest.fixture
def invest(products, depositor):
    """invest(symbol or token, usd): the depositor mints `usd` of the token (the fund opens its position)."""

    def _invest(symbol, usd=10_000):
        token = products["tokens"][symbol] if isinstance(symbol, str) else symbol
        usdc = products["usdc"]
        usdc.mint(depositor, usd * USDC, sender=depositor)
        usdc.approve(token, usd * USDC, sender=depositor)
        token.deposit(usd * USDC, depositor, sender=depositor)
        return token

    return _invest


@pytest.fixture
def move_price(products, admin):
    """move_price(market, percent): push a fresh oracle answer `percent` % away from the last."""

    def _move(market, percent):
        oracle = products["oracles"][market]
        answer = oracle.latestAnswer()
        oracle.set_price(answer * (100 + percent) // 100, sender=admin)

    return _move


@pytest.fixture
def set_answer(products, admin):
    def _set(market, usd):
        products["oracles"][market].set_price(oracle_answer(str(usd), ORACLE_DECIMALS), sender=admin)

    return _set
