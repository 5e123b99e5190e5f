"""The main job: the first batch of tokens on a local anvil, a user's money in them, and 30
simulated days (hourly prices, daily funding changes) with the keeper acting.

make demo        (= APE_FOUNDRY_HOST=auto uv run ape run demo --network ethereum:local:foundry: ape
                  starts an anvil of its own on a free port and stops it)

LT_DEMO_DAYS (default 30) and LT_DEMO_SEED (default 1) change the run. Prints progress per day,
then a table per token; writes out/demo.png, out/demo.json and out/demo-manifest.json (the demo's
anvil stops with it, so its manifest never replaces deployments/local.json, the local node's).

LT_DEMO_VENUE=async runs the same days on asynchronous venues (MockAsyncPerpVenue, orders filled
later by a venue keeper) with asynchronous tokens (LeveragedTokenAsync, ERC-7540 requests settled
in netted rounds): BTC3L and ETH3S, depositors and redeemers requesting and claiming, the keeper
closing a round every 4 hours, the venue keeper filling its order at the next hour's price, the
keeper settling it (ltsdk.rounds_simulation). Its report adds what netting saved: the traded notional and cost
of each round's one order against each request as an order of its own. It writes
out/demo-async.png, out/demo-async.json and out/demo-async-manifest.json.
"""

import dataclasses
import json
import math
import os
import statistics
import sys
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import NoReturn

from ape import accounts, chain, networks, project
from ape.logging import logger
from eth_account import Account
from web3 import Web3

from ltsdk import Protocol, rounds_simulation, simulation
from ltsdk.deploy import (
    ApeBackend,
    deploy_protocol,
    load_products,
    manifest_json,
    market_name,
    oracle_answer,
    token_symbol,
    write_json,
)
from ltsdk.keeper import ASYNC_KIND, Keeper, Policy
from ltsdk.market import Market
from ltsdk.units import HOUR, USDC, WAD
from ltsdk.venue_keeper import VenueKeeper, VenuePolicy

OUT = Path("out")
# the user's deposits (USD) at the start, and what they do along the way
DEPOSITS = {"BTC3L": 50_000, "BTC3S": 30_000, "ETH3L": 40_000, "ETH3S": 20_000, "BTC5L": 25_000, "BTC5S": 15_000}
TOP_UP_DAY, TOP_UP = 10, ("BTC3L", 20_000)
REDEEM_DAY, REDEEM_SYMBOL = 20, "ETH3S"  # half of the position

VENUE_KINDS = ("sync", "async")
# the asynchronous demo: its products (underlying, leverage, long), their fees (the sync defaults)
# and rounds, and its venues' order expiry
ASYNC_PRODUCTS = (("BTC", 3, True), ("ETH", 3, False))
ASYNC_FEE_BPS = 10  # mint and redeem
# a round every 4 hours (due 10 minutes early, so the 4th hourly step closes it whatever the
# blocks before it in that step), anyone may close it 10 min after it is due; requests of at
# least 1 USDC or 0.01 share; a 2 % cushion for the redeemers' cash (the default 10 %: what a
# settled round's cash holds beyond its redeemers' assets becomes idle collateral at the token,
# which no round sends back to the venue; over 30 days of these requests the venue margin ran
# short and redeem-heavy rounds were refused for "margin for the withdrawal" again and again);
# its order fills no worse than 2 % from the close's price (an hour's move: a refusal now and then)
ROUND_INTERVAL = 4 * HOUR - 600
ROUND_PARAMETERS = (ROUND_INTERVAL, 600, 1 * USDC, 10**16, 200, 200)
ORDER_EXPIRY = 2 * HOUR  # the venue keeper fills at the next hour's price, within the order's life
REQUESTER_USD = 1_000_000  # each requester's collateral
KEEPER_FEE_USD = 1_000  # the keeper's collateral for the execution fees it fronts (repaid by the rounds)


def settings(env: Mapping[str, str]) -> tuple[float, int, str]:
    """LT_DEMO_DAYS, LT_DEMO_SEED and LT_DEMO_VENUE from `env`, checked before anything deploys: a
    bad value prints one line and exits 2."""

    def refuse(message: str) -> NoReturn:
        print(message, file=sys.stderr)
        raise SystemExit(2)

    venue_kind = env.get("LT_DEMO_VENUE", "sync")
    if venue_kind not in VENUE_KINDS:
        refuse(f"LT_DEMO_VENUE must be one of {', '.join(VENUE_KINDS)}, got {venue_kind!r}")
    try:
        days = float(env.get("LT_DEMO_DAYS", "30"))
    except ValueError:
        days = math.nan
    if not (math.isfinite(days) and days > 0):
        refuse(f"LT_DEMO_DAYS must be a positive number of days, got {env['LT_DEMO_DAYS']!r}")
    seed = env.get("LT_DEMO_SEED", "1")
    if not seed.isdigit():
        refuse(f"LT_DEMO_SEED must be a whole number, got {seed!r}")
    return days, int(seed), venue_kind


def main():
    logger.set_level("WARNING")
    days, seed, venue_kind = settings(os.environ)
    network_choice = networks.provider.network_choice
    if getattr(networks.provider, "process", None) is None:
        raise SystemExit(
            f"the demo warps the chain's clock by {days:g} days: run it on an anvil of its own (`make demo`, "
            f"or APE_FOUNDRY_HOST=auto), not on the running node at {networks.provider.http_uri}"
        )
    if venue_kind == "async":
        main_async(days, seed, network_choice)
        return
    admin, keeper_actor, user = accounts.test_accounts[0], accounts.test_accounts[1], accounts.test_accounts[2]

    deployed = deploy_protocol(ApeBackend(project, admin), keeper=keeper_actor)
    manifest = manifest_json(deployed, chain.chain_id, network_choice, chain.blocks.head.number)
    path = OUT / "demo-manifest.json"  # its own: deployments/local.json is the local node's (make deploy)
    write_json(path, manifest)
    print(f"deployed {len(manifest['tokens'])} tokens on {network_choice}; manifest {path}")
    print(f"keeper {keeper_actor.address} holds KEEPER_ROLE; user {user.address}")

    w3 = Web3(Web3.HTTPProvider(networks.provider.http_uri, request_kwargs={"timeout": 30}))
    user_sdk = Protocol(w3, manifest, Account.from_key(user.private_key))
    deployed["contracts"]["collateral"].mint(user, sum(DEPOSITS.values()) * USDC + TOP_UP[1] * USDC, sender=user)
    for symbol, usd in DEPOSITS.items():
        result = user_sdk.token(symbol).deposit(usd * USDC)
        print(f"user minted {Decimal(result.shares) / 10**18:,.4f} {symbol} for {usd:,} USDC")

    keeper = Keeper(
        Protocol(w3, manifest, Account.from_key(keeper_actor.private_key)),
        Policy(poll_seconds=0, receipt_poll_seconds=0.01),
    )
    market = Market.from_manifest(w3, manifest, Account.from_key(admin.private_key), days, HOUR, seed=seed)

    def user_actions(step: int, timestamp: int) -> None:
        day = step * HOUR / 86_400
        if day == TOP_UP_DAY:
            symbol, usd = TOP_UP
            shares = user_sdk.token(symbol).deposit(usd * USDC).shares
            print(f"  day {TOP_UP_DAY}: user mints {Decimal(shares) / 10**18:,.4f} more {symbol} for {usd:,} USDC")
        if day == REDEEM_DAY:
            token = user_sdk.token(REDEEM_SYMBOL)
            half = token.balance_of(user.address) // 2
            paid = token.redeem(half).assets
            print(f"  day {REDEEM_DAY}: user redeems half of {REDEEM_SYMBOL} for {Decimal(paid) / USDC:,.2f} USDC")

    print(f"\nsimulating {days:g} days of hourly prices ({market.steps} steps), seed {seed}")
    result = simulation.run(keeper, market, on_step=user_actions, progress=print)

    print(f"\n{simulation.table(result)}\n")
    print("tracking error vs the ideal, decomposed (bp of log return; ltsdk.tracking):")
    print(f"{simulation.tracking_table(result)}\n")
    latencies = sorted(result.summary.latencies)
    if latencies:
        print(
            f"keeper: {len(latencies)} actions mined; detection-to-mined latency median "
            f"{statistics.median(latencies) * 1000:.1f} ms,"
            f" p95 {latencies[int(len(latencies) * 0.95) - 1] * 1000:.1f} ms,"
            f" max {latencies[-1] * 1000:.1f} ms (wall clock, anvil automine)"
        )
    print(f"outcomes: {result.summary.outcomes}; {result.steps} steps in {result.wall_seconds:.1f} s")
    OUT.mkdir(exist_ok=True)
    print(f"chart: {simulation.plot(result, OUT / 'demo.png')}")
    reports = {
        s: {**vars(r), "tracking": r.tracking and dataclasses.asdict(r.tracking.total)}
        for s, r in result.reports.items()
    }
    (OUT / "demo.json").write_text(json.dumps(reports, indent=1, default=str))
    print(f"table: {OUT / 'demo.json'}")


def deploy_async(admin, keeper_actor, venue_keeper_actor, requesters, network_choice: str) -> dict:
    """The asynchronous demo's contracts, deployed directly: the collateral, a lens (the manifest
    names one), per market an oracle and an asynchronous venue (funded, its order keeper the venue
    keeper), and each product's LeveragedTokenAsync with its rounds set and KEEPER_ROLE to the
    keeper; collateral for the keeper's fronted fees and for each requester, approved to every
    token. Returns the manifest (each market and token `"kind": "async"`)."""
    products = load_products()
    decimals = products["collateral"]["decimals"]
    usdc = project.MockUSDC.deploy(sender=admin)
    lens = project.LeveragedTokenLens.deploy(sender=admin)
    round_math = project.AsyncRoundMath.deploy(sender=admin)  # the round formulas every async token calls
    markets: dict[str, dict] = {}
    tokens: dict[str, dict] = {}
    for underlying, leverage, is_long in ASYNC_PRODUCTS:
        spec = products["markets"][underlying]
        if underlying not in markets:
            price = oracle_answer(spec["price"], spec["oracle_decimals"])
            oracle = project.MockOracle.deploy(spec["oracle_decimals"], f"{underlying} / USD", price, sender=admin)
            depth = int(spec["depth_usd"]) * WAD
            venue = project.MockAsyncPerpVenue.deploy(
                usdc, oracle, market_name(underlying), decimals, depth, sender=admin
            )
            usdc.mint(venue, int(spec["venue_liquidity"]) * 10**decimals, sender=admin)
            venue.set_order_keeper(venue_keeper_actor, True, sender=admin)
            venue.set_order_expiry(ORDER_EXPIRY, sender=admin)
            markets[underlying] = {"oracle": oracle.address, "adapter": venue.address, "kind": ASYNC_KIND}
        symbol = token_symbol(underlying, leverage, is_long)
        token = project.LeveragedTokenAsync.deploy(
            f"{underlying} {leverage}x {'Long' if is_long else 'Short'}",
            symbol,
            usdc,
            markets[underlying]["adapter"],
            leverage * WAD,
            is_long,
            10 ** (18 - decimals),
            products["initial_nav_per_share"] * 10**decimals,
            ASYNC_FEE_BPS,
            ASYNC_FEE_BPS,
            admin,
            round_math,
            sender=admin,
        )
        token.set_round_parameters(*ROUND_PARAMETERS, sender=admin)
        token.grantRole(token.KEEPER_ROLE(), keeper_actor, sender=admin)
        tokens[symbol] = {
            "address": token.address,
            "market": underlying,
            "leverage": leverage,
            "is_long": is_long,
            "kind": ASYNC_KIND,
        }
    usdc.mint(keeper_actor, KEEPER_FEE_USD * 10**decimals, sender=keeper_actor)
    for requester in requesters:
        usdc.mint(requester, REQUESTER_USD * 10**decimals, sender=requester)
        for entry in tokens.values():
            usdc.approve(entry["address"], 2**256 - 1, sender=requester)
    return {
        "chain_id": chain.chain_id,
        "network": network_choice,
        "block": chain.blocks.head.number,
        "collateral": usdc.address,
        "lens": lens.address,
        "markets": markets,
        "tokens": tokens,
    }


def main_async(days: float, seed: int, network_choice: str) -> None:
    admin, keeper_actor, venue_keeper_actor = accounts.test_accounts[0:3]
    requester_actors = list(accounts.test_accounts[3:9])
    manifest = deploy_async(admin, keeper_actor, venue_keeper_actor, requester_actors, network_choice)
    path = OUT / "demo-async-manifest.json"
    write_json(path, manifest)
    print(f"deployed {len(manifest['tokens'])} asynchronous tokens on {network_choice}; manifest {path}")
    print(f"keeper {keeper_actor.address} holds KEEPER_ROLE; venue keeper {venue_keeper_actor.address}")
    print(f"{len(requester_actors)} requesters: {', '.join(a.address for a in requester_actors)}")

    w3 = Web3(Web3.HTTPProvider(networks.provider.http_uri, request_kwargs={"timeout": 30}))
    keeper = Keeper(
        Protocol(w3, manifest, Account.from_key(keeper_actor.private_key)),
        Policy(poll_seconds=0, receipt_poll_seconds=0.01),
    )
    venue_policy = VenuePolicy(poll_seconds=0, receipt_poll_seconds=0.01)
    venue_keeper_account = Account.from_key(venue_keeper_actor.private_key)
    venue_keepers = [
        VenueKeeper(w3, m["adapter"], venue_keeper_account, venue_policy) for m in manifest["markets"].values()
    ]
    market = Market.from_manifest(w3, manifest, Account.from_key(admin.private_key), days, HOUR, seed=seed)
    tokens = {
        symbol: rounds_simulation.RoundToken(symbol, e["address"], e["market"], e["leverage"], e["is_long"])
        for symbol, e in manifest["tokens"].items()
    }
    requesters = rounds_simulation.Requesters(
        w3,
        [Account.from_key(a.private_key) for a in requester_actors],
        {symbol: t.address for symbol, t in tokens.items()},
        seed=seed,
    )

    print(f"\nsimulating {days:g} days of hourly prices ({market.steps} steps), seed {seed}")
    result = rounds_simulation.run(keeper, venue_keepers, market, requesters, tokens, progress=print)

    print(f"\n{rounds_simulation.table(result)}\n")
    print("netting: each round's one venue order vs each request as an order of its own, at the same fill's price")
    print("(traded: notional in USDC; cost: the venue's taker fee, spread and impact, plus one execution fee an order;")
    print(" the crossed part of a round trades nothing; the mock's impact grows with an order's size, so a round")
    print(" whose requests all go one way pays a little more impact than they would apart)")
    print(f"{rounds_simulation.netting_table(result)}\n")
    print(
        f"outcomes: {result.summary.outcomes}; {requesters.skipped} requests left out (refused at the time);"
        f" {result.steps} steps in {result.wall_seconds:.1f} s"
    )
    OUT.mkdir(exist_ok=True)
    plotted = simulation.SimulationResult(result.series, result.start_block, result.summary, result.steps, 0.0)
    print(f"chart: {simulation.plot(plotted, OUT / 'demo-async.png')}")
    reports = {s: {**vars(r), "netting": vars(r.netting)} for s, r in result.reports.items()}
    (OUT / "demo-async.json").write_text(json.dumps(reports, indent=1, default=str))
    print(f"table: {OUT / 'demo-async.json'}")
