"""Speed figures: backtester steps per second, SDK state reads (JSON-RPC requests and wall time),
keeper decisions and ticks over fifty tokens, and the test suite's recorded wall time."""

from __future__ import annotations

import statistics
import time

import requests
from ape import chain, networks, project
from eth_account import Account
from web3 import Web3

from bench.settings import (
    BACKTEST_DAYS,
    BACKTEST_REPEATS,
    BACKTEST_STEP_SECONDS,
    DECIDE_REPEATS,
    EXTRA_UNDERLYINGS,
    READ_REPEATS,
    SPEED_DEPOSIT,
    SPEED_TOKENS,
    TEST_SECONDS,
    TICK_REPEATS,
)
from ltsdk import backtest
from ltsdk.client import Protocol
from ltsdk.deploy import (
    ApeBackend,
    create_token,
    deploy_market,
    deploy_protocol,
    load_products,
    manifest_json,
    token_symbol,
)
from ltsdk.keeper import Keeper, Policy, decide
from ltsdk.prices import generate_prices


class CountingSession(requests.Session):
    """A requests session that counts the HTTP JSON-RPC requests web3 sends through it."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def request(self, method, url, *args, **kwargs):
        self.count += 1
        return super().request(method, url, *args, **kwargs)


def median_seconds(action, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        action()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def backtest_speed() -> dict[str, float]:
    prices = generate_prices(BACKTEST_DAYS, BACKTEST_STEP_SECONDS)
    steps = len(prices.points)
    seconds = median_seconds(lambda: backtest.run(prices), BACKTEST_REPEATS)
    return {"steps": steps, "seconds": seconds, "steps_per_second": steps / seconds}


def deploy_fifty(admin, user) -> dict:
    """A fresh deployment with SPEED_TOKENS live tokens: the 6 products plus more through the
    factory, each holding a deposit. Returns the SDK manifest."""
    deployed = deploy_protocol(ApeBackend(project, admin))
    c = deployed["contracts"]
    factory, usdc = c["factory"], c["collateral"]
    manifest = manifest_json(deployed, chain.chain_id, networks.provider.network_choice, chain.blocks.head.number)
    tokens = dict(c["tokens"])
    products = load_products()
    for name, priced_as in EXTRA_UNDERLYINGS:
        if name in c["markets"]:
            adapter = c["markets"][name]["adapter"]
        else:
            _, adapter = deploy_market(
                ApeBackend(project, admin),
                usdc,
                name,
                products["markets"][priced_as],
                products["collateral"]["decimals"],
            )
        for leverage in range(2, 10):
            for is_long in (True, False):
                symbol = token_symbol(name, leverage, is_long)
                if len(tokens) < SPEED_TOKENS and symbol not in tokens:
                    tokens[symbol] = create_token(ApeBackend(project, admin), factory, name, leverage, is_long, adapter)
                    manifest["tokens"][symbol] = {"address": tokens[symbol].address}
    usdc.mint(user, SPEED_TOKENS * SPEED_DEPOSIT, sender=user)
    for token in tokens.values():
        usdc.approve(token, SPEED_DEPOSIT, sender=user)
        token.deposit(SPEED_DEPOSIT, user, sender=user)
    assert len(manifest["tokens"]) == SPEED_TOKENS
    return manifest


def sdk_speed(manifest, keeper_account) -> dict[str, dict[str, float]]:
    """State reads for 6 and 50 tokens, decide() over 50 rows and one Keeper.tick() with nothing
    due: JSON-RPC requests and median wall time."""
    session = CountingSession()
    w3 = Web3(
        Web3.HTTPProvider(
            networks.provider.http_uri, request_kwargs={"timeout": 30}, session=session, cache_allowed_requests=True
        )
    )
    protocol = Protocol(w3, manifest, Account.from_key(keeper_account.private_key))
    six = list(manifest["tokens"])[:6]
    figures = {}

    for label, symbols in (("read 6", six), ("read 50", None)):
        before = session.count
        protocol.states(symbols)  # the first read (web3 may ask for the chain id once)
        first = session.count - before
        before = session.count
        seconds = median_seconds(lambda symbols=symbols: protocol.states(symbols), READ_REPEATS)
        figures[label] = {"requests": (session.count - before) / READ_REPEATS, "first": first, "seconds": seconds}

    states = protocol.states()
    now = max(state.timestamp for state in states.values())
    policy = Policy(poll_seconds=0)
    assert all(decide(state, now, policy) is None for state in states.values()), "an action is due"
    seconds = median_seconds(lambda: [decide(state, now, policy) for state in states.values()], DECIDE_REPEATS)
    figures["decide 50"] = {"requests": 0, "first": 0, "seconds": seconds}

    keeper = Keeper(protocol, policy)
    assert keeper.tick() == [], "the keeper acted"
    before = session.count
    seconds = median_seconds(keeper.tick, TICK_REPEATS)
    figures["tick 50"] = {"requests": (session.count - before) / TICK_REPEATS, "first": 0, "seconds": seconds}
    return figures


def test_suite_seconds() -> str:
    if not TEST_SECONDS.exists():
        return "not measured: run make test first"
    text = TEST_SECONDS.read_text().strip()
    try:
        return f"{float(text.split()[0]):,.1f} s (out/test-seconds.txt)"
    except (IndexError, ValueError):
        return f"{text} (out/test-seconds.txt)"
