"""Shared fixtures: actors by role, the mock venue stack and a token factory.

Session-scoped deployments are snapshotted by ape; every test starts from the same state.
"""

from __future__ import annotations

import os

import pytest
from ltsdk.deploy import create_token as create_token_via_factory
from ltsdk.deploy import deploy_factory, deploy_market, oracle_answer

USDC = 10**6  # one whole collateral unit
WAD = 10**18
BTC_PRICE = 60_000
ETH_PRICE = 3_000
ORACLE_DECIMALS = 8
BTC_DEPTH = 2_000_000_000 * WAD  # USD: a trade of this notional would move the price 100 %


def pytest_configure(config):
    """Expected reverts are the bulk of the suite. On each one, ape maps the revert to a Vyper source
    traceback and prints the call trace: 10-15 s per revert, debugging aids only. Skip both unless
    LT_APE_TRACES=1; the revert message that `ape.reverts` checks is unaffected."""
    if os.environ.get("LT_APE_TRACES") == "1":
        return
    from ape.exceptions import TransactionError
    from ape_ethereum.trace import Trace

    TransactionError.source_traceback = property(lambda self: None, lambda self, value: None)
    TransactionError._get_ape_traceback = lambda self: None
    Trace.show = lambda self, *args, **kwargs: None


@pytest.fixture(scope="session")
def admin(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def keeper(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def guardian(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def depositor(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def other_depositor(accounts):
    return accounts[4]


@pytest.fixture(scope="session")
def attacker(accounts):
    return accounts[5]


@pytest.fixture(scope="session")
def fee_recipient(accounts):
    return accounts[6]


@pytest.fixture(scope="session")
def outsider(accounts):
    return accounts[7]


@pytest.fixture(scope="session")
def usdc(project, admin):
    return project.MockUSDC.deploy(sender=admin)


def _market(project, admin, usdc, name, price, depth_usd):
    oracle, adapter = deploy_market(
        project,
        admin,
        usdc,
        name,
        {
            "price": str(price),
            "oracle_decimals": ORACLE_DECIMALS,
            "depth_usd": depth_usd,
            "venue_liquidity": 50_000_000,
        },
        6,
    )
    return oracle, adapter


@pytest.fixture(scope="session")
def btc_market(project, admin, usdc):
    return _market(project, admin, usdc, "BTC", BTC_PRICE, BTC_DEPTH // WAD)


@pytest.fixture(scope="session")
def btc_oracle(btc_market):
    return btc_market[0]


@pytest.fixture(scope="session")
def btc_venue(btc_market):
    return btc_market[1]


@pytest.fixture(scope="session")
def factory(project, admin, usdc):
    return deploy_factory(project, admin, usdc)


@pytest.fixture(scope="session")
def create_token(project, admin, keeper, guardian, factory, fee_recipient, btc_venue):
    """create_token(leverage=3, is_long=True, adapter=btc_venue, underlying="BTC") -> token with
    the keeper and guardian roles granted to their actors."""

    def create(leverage=3, is_long=True, adapter=None, underlying="BTC", cap=10**12 * USDC):
        token = create_token_via_factory(
            project,
            factory,
            admin,
            underlying,
            leverage,
            is_long,
            adapter or btc_venue,
            fee_recipient=fee_recipient,
            cap=cap,
        )
        token.grantRole(token.KEEPER_ROLE(), keeper, sender=admin)
        token.grantRole(token.GUARDIAN_ROLE(), guardian, sender=admin)
        return token

    return create


@pytest.fixture(scope="session")
def token(create_token):
    """BTC3L on the BTC venue."""
    return create_token()


@pytest.fixture(scope="session")
def fund(usdc):
    """fund(account, spender, amount): faucet collateral to `account` and approve `spender`."""

    def _fund(account, spender, amount):
        usdc.mint(account, amount, sender=account)
        usdc.approve(spender, 2**256 - 1, sender=account)

    return _fund


@pytest.fixture
def set_price(btc_oracle, admin):
    """set_price(usd) pushes a fresh BTC price (whole or fractional USD as str/int)."""

    def _set(usd, oracle=None):
        (oracle or btc_oracle).set_price(oracle_answer(str(usd), ORACLE_DECIMALS), sender=admin)

    return _set
