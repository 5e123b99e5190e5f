"""Shared fixtures: actors by role, the mock venue stack and a token factory.

Session-scoped deployments are snapshotted by ape; every test starts from the same state.
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

import ape
import pytest
from helpers import venue_settings

from ltsdk import math
from ltsdk.deploy import ApeBackend, deploy_core, deploy_market, oracle_answer
from ltsdk.deploy import create_token as create_token_via_factory
from ltsdk.errors import ModelRevert
from ltsdk.replica import Fund, Venue
from ltsdk.units import USDC, WAD

BTC_PRICE = 60_000
ETH_PRICE = 3_000
ORACLE_DECIMALS = 8
BTC_DEPTH = 2_000_000_000 * WAD  # USD: a trade of this notional would move the price 100 %


REPO = Path(__file__).resolve().parents[1]


def _bytecode_cache() -> None:
    """Where the environment forbids writing bytecode next to the sources (PYTHONDONTWRITEBYTECODE),
    this process's later imports and every process the suite starts (`ape run`, `ltsdk`, bots)
    keep their compiled modules in .cache/pycache instead (ignored by git): without a cache each
    process compiles every module it imports again, ~6 s of CPU of the ~15 s an `ape run` takes
    to start (measured under load, 2 cores)."""
    if not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return
    prefix = str(REPO / ".cache" / "pycache")
    del os.environ["PYTHONDONTWRITEBYTECODE"]
    os.environ.setdefault("PYTHONPYCACHEPREFIX", prefix)
    sys.dont_write_bytecode = False
    sys.pycache_prefix = os.environ["PYTHONPYCACHEPREFIX"]


def pytest_configure(config):
    """The suite runs on an anvil of its own (a random free port), never on the local node that
    ape-config.yaml points ape at (`make node`); ape connects after collection, so this is early enough.

    Expected reverts are the bulk of the suite. On each one, ape maps the revert to a Vyper source
    traceback and prints the call trace: 10-15 s per revert, debugging aids only. Skip both unless
    LT_APE_TRACES=1; the revert message that `ape.reverts` checks is unaffected."""
    os.environ["APE_FOUNDRY_HOST"] = "auto"
    _bytecode_cache()
    if os.environ.get("LT_APE_TRACES") == "1":
        return
    from ape.exceptions import TransactionError
    from ape_ethereum.trace import Trace

    TransactionError.source_traceback = property(lambda self: None, lambda self, value: None)
    TransactionError._get_ape_traceback = lambda self: None
    Trace.show = lambda self, *args, **kwargs: None


def pytest_collection_finish(session):
    """One fixture name, one scope, across the whole suite. ape's isolation keeps what it knows of a
    fixture (its scope, whether it changed the chain) by name alone, not by the conftest or module
    that defines it: a module-scoped `funded` in one directory made ape stop restoring the chain
    after a function-scoped `funded` elsewhere, and every later test of that module saw the
    previous test's deposit."""
    scopes: dict[str, set[str]] = {}
    for name, definitions in session._fixturemanager._arg2fixturedefs.items():
        for definition in definitions:
            scopes.setdefault(name, set()).add(definition.scope)
    clashes = {name: sorted(found) for name, found in scopes.items() if len(found) > 1}
    if clashes:
        raise pytest.UsageError(f"fixture names defined with more than one scope (rename one): {clashes}")


@pytest.fixture(scope="module", autouse=True)
def chain_clock_near_wall_clock(request):
    """Each module starts with the chain's clock near the wall clock. anvil's revert rewinds its
    clock to the snapshot's, so every test ape isolates leaves the chain behind the wall clock by
    the test's duration (long subprocess tests: minutes), and a later test comparing an oracle's
    age with the wall clock (the keeper evaluates at the later of the two) would see that lag.
    Only a lag over 5 s is closed, by one block at the wall clock's time. (Without ape's plugin,
    as `make fuzz` runs the boa suite, there is no chain.)"""
    if not request.config.pluginmanager.hasplugin("ape_test"):
        return
    chain = request.getfixturevalue("chain")
    latest = chain.blocks.head.timestamp
    now = int(time.time())
    if now - latest > 5:
        chain.provider.make_request("evm_setNextBlockTimestamp", [now])
        chain.provider.make_request("evm_mine", [])


@pytest.fixture
def isolated(chain):
    """`with isolated():` runs a block and then restores the chain, letting every exception
    through. (ape's own `chain.isolate()` swallows exceptions raised in its block, so an assertion
    inside it could never fail a test.)"""
    from contextlib import contextmanager

    @contextmanager
    def scope():
        snapshot = chain.snapshot()
        pending = chain.pending_timestamp
        try:
            yield
        finally:
            chain.restore(snapshot)
            chain.pending_timestamp = pending

    return scope


@pytest.fixture
def ltsdk_in_process(monkeypatch, capsys):
    """ltsdk_in_process(*args, env=None, main=None) -> (exit code, stdout, stderr): `ltsdk ARGS` run
    by its `main` (or by `main`, another module's) in this process, as the console script runs it:
    without the test run's LT_ variables, with `env`, stdin closed. A process of its own costs ~2 s
    of CPU (Python and web3 start) per run; the modules that use this also run the console script
    as a process in one test."""
    from ltsdk import cli

    def run(*args, env=None, main=None):
        for name in [name for name in os.environ if name.startswith("LT_")]:
            monkeypatch.delenv(name)
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        code = (main or cli.main)(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


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
def manifest_file(project, admin, chain, tmp_path_factory):
    """The six products of deployments/products.json deployed once by the admin (who then holds
    every role); the manifest written as scripts/deploy.py writes it."""
    import json

    from ltsdk.deploy import deploy_protocol, manifest_json

    manifest = deploy_protocol(ApeBackend(project, admin))
    data = manifest_json(manifest, chain.chain_id, "ethereum:local:foundry", chain.blocks.head.number)
    path = tmp_path_factory.mktemp("deployments") / "local.json"
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def rpc_url(chain):
    return chain.provider.http_uri


@pytest.fixture(scope="session")
def usdc(project, admin):
    return project.MockUSDC.deploy(sender=admin)


def _market(project, admin, usdc, name, price, depth_usd):
    oracle, adapter = deploy_market(
        ApeBackend(project, admin),
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
def core(project, admin, usdc):
    """The shared contracts: views, configurator, the token blueprint and the factory wired to them."""
    return deploy_core(ApeBackend(project, admin), usdc)


@pytest.fixture(scope="session")
def factory(core):
    return core["factory"]


@pytest.fixture(scope="session")
def configurator(core):
    """The deployment's LeveragedTokenConfigurator: every token's parameter setters and timelock."""
    return core["configurator"]


@pytest.fixture(scope="session")
def create_market(project, admin, usdc):
    """create_market(underlying) -> a new "{underlying}-PERP" venue (with its oracle), priced and
    funded as the BTC market: the factory creates a symbol only on its own market."""

    def create(underlying):
        return _market(project, admin, usdc, underlying, BTC_PRICE, BTC_DEPTH // WAD)[1]

    return create


@pytest.fixture(scope="session")
def create_token(project, admin, keeper, guardian, factory, fee_recipient, btc_venue, create_market):
    """create_token(leverage=3, is_long=True, adapter=None, underlying="BTC") -> token with the
    keeper and guardian roles granted to their actors. Without an adapter: btc_venue for BTC, a
    new venue (create_market) for any other underlying."""

    def create(leverage=3, is_long=True, adapter=None, underlying="BTC", cap=10**12 * USDC):
        if adapter is None:
            adapter = btc_venue if underlying == "BTC" else create_market(underlying)
        token = create_token_via_factory(
            ApeBackend(project, admin),
            factory,
            underlying,
            leverage,
            is_long,
            adapter,
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


class Mirror:
    """The reference model of one token and its venue account, built from on-chain parameters.
    Each write is replayed at its transaction's block time; views are compared at the head block
    (what anvil's eth_call sees)."""

    def __init__(self, chain, token, venue, oracle):
        self.chain, self.token, self.venue = chain, token, venue
        updated_at = oracle.latestRoundData()[3]
        self.v = Venue(price=venue.mark_price(), updated_at=updated_at, **venue_settings(venue))
        self.f = Fund(
            self.v,
            account=token.address,
            target_leverage=token.target_leverage(),
            is_long=token.is_long(),
            last_fee_accrual=token.last_fee_accrual(),
            last_rebalance_slot=token.last_rebalance_slot(),
            management_fee_bps=token.management_fee_bps(),
            mint_fee_bps=token.mint_fee_bps(),
            redeem_fee_bps=token.redeem_fee_bps(),
            band_bps=token.band_bps(),
            ripcord_leverage=token.ripcord_leverage(),
            min_drift_bps=token.min_drift_bps(),
            max_trade_notional=token.max_trade_notional(),
            twap_cooldown=token.twap_cooldown(),
            ripcord_trade_notional=token.ripcord_trade_notional(),
            ripcord_reward_assets=token.ripcord_reward(),
            max_total_assets=token.max_total_assets(),
            max_slippage_bps=token.max_slippage_bps(),
            max_price_age=token.max_price_age(),
            fee_recipient="fee_recipient",
        )

    def deposit(self, actor, assets):
        receipt = self.token.deposit(assets, actor, sender=actor)
        assert receipt.return_value == self.f.deposit(assets, actor.address, receipt.timestamp)
        return receipt.return_value

    def redeem(self, actor, shares):
        receipt = self.token.redeem(shares, actor, actor, sender=actor)
        assert receipt.return_value == self.f.redeem(shares, actor.address, receipt.timestamp)
        return receipt.return_value

    def set_price(self, oracle, admin, usd):
        receipt = oracle.set_price(int(usd * 10**8), sender=admin)
        self.v.set_price(int(usd * 10**8) * 10**10, receipt.timestamp)

    def rebalance(self, caller):
        receipt = self.token.rebalance(sender=caller)
        reason, traded = self.f.rebalance(receipt.timestamp)
        assert receipt.return_value == traded
        return receipt, reason

    def ripcord(self, caller):
        receipt = self.token.ripcord(sender=caller)
        assert receipt.return_value == self.f.ripcord(receipt.timestamp)
        return receipt

    def expect(self, chain_call, model_call):
        """Run `model_call(now)` for the next block's time, then `chain_call()` in that block:
        if the model reverts, the chain must revert with the same reason; otherwise both must
        return the same value. Returns the receipt, or None after a revert."""
        now = max(self.chain.pending_timestamp, self.chain.blocks.head.timestamp + 1)
        self.chain.pending_timestamp = now
        try:
            expected = model_call(now)
        except ModelRevert as revert:
            if os.environ.get("LT_TRACE_MIRROR"):
                print("MODEL REVERT", revert)
            with ape.reverts(str(revert)):
                chain_call()
            return None
        receipt = chain_call()
        assert receipt.timestamp == now
        if expected is not None:
            returned = receipt.return_value
            assert (tuple(expected)[1] if isinstance(expected, tuple) else expected) == returned
        return receipt

    def check(self):
        now = self.chain.blocks.head.timestamp
        reason, size_delta, _ = self.f.rebalance_status(now)
        assert tuple(self.token.rebalance_status()) == (reason, size_delta)
        assert self.token.totalAssets() == max(self.f.nav(now), 0)
        assert self.token.totalSupply() == self.f.total_supply(now)
        assert self.token.pending_fee_shares() == self.f.pending_fee_shares(now)
        assert self.venue.position(self.token)[0] == self.v.accounts.get(self.token.address, math.Account()).size
        assert self.token.current_leverage() == self.f.leverage(now)
        assert self.token.protocol_fees() == self.f.protocol_fees


@pytest.fixture
def mirror_of(chain, btc_venue, btc_oracle):
    """mirror_of(token) -> Mirror: the reference model of a BTC token, replayed alongside the chain."""

    def make(token, venue=None, oracle=None):
        return Mirror(chain, token, venue or btc_venue, oracle or btc_oracle)

    return make


@pytest.fixture(scope="session")
def configure(project, chain, admin):
    """configure(token, "set_fees", 10, 10, 0) -> receipt: change a parameter as the admin must.
    At once where the configurator allows it (no shares yet, a fee cut, a lower cap); otherwise
    the change is queued, the token's delay waited out and the change executed, the oracle's
    answer re-posted on the way so the price is as fresh as before the wait."""

    def _configure(token, setter, *args, sender=None):
        sender = sender or admin
        configurator = project.LeveragedTokenConfigurator.at(token.configurator())
        tx = getattr(configurator, setter)(token, *args, sender=sender)
        queued = tx.events.filter(configurator.ChangeQueued)
        if not queued:
            return tx
        chain.pending_timestamp = max(chain.pending_timestamp, queued[0].eta)
        oracle = project.MockOracle.at(project.MockPerpAdapter.at(token.adapter()).oracle())
        oracle.set_price(oracle.latestRoundData()[1], sender=admin)
        return configurator.execute(queued[0].change_id, sender=sender)

    return _configure
