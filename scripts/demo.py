"""The main job: the first batch of tokens on a local anvil, a user's money in them, and 30
simulated days (hourly prices, daily funding changes) with the keeper acting.

make demo        (= APE_FOUNDRY_HOST=auto uv run ape run demo --network ethereum:local:foundry: ape
                  starts an anvil of its own on a free port and stops it)

LT_DEMO_DAYS (default 30) and LT_DEMO_SEED (default 1) change the run. Prints progress per day,
then a table per token; writes out/demo.png, out/demo.json and out/demo-manifest.json (the demo's
anvil stops with it, so its manifest never replaces deployments/local.json, the local node's).
"""

import dataclasses
import json
import os
import statistics
from decimal import Decimal
from pathlib import Path

from ape import accounts, chain, networks, project
from ape.logging import logger
from eth_account import Account
from web3 import Web3

from ltsdk import Protocol, simulation
from ltsdk.deploy import ApeBackend, deploy_protocol, manifest_json, write_json
from ltsdk.keeper import Keeper, Policy
from ltsdk.market import Market
from ltsdk.units import HOUR, USDC

OUT = Path("out")
# the user's deposits (USD) at the start, and what they do along the way
DEPOSITS = {"BTC3L": 50_000, "BTC3S": 30_000, "ETH3L": 40_000, "ETH3S": 20_000, "BTC5L": 25_000, "BTC5S": 15_000}
TOP_UP_DAY, TOP_UP = 10, ("BTC3L", 20_000)
REDEEM_DAY, REDEEM_SYMBOL = 20, "ETH3S"  # half of the position


def main():
    logger.set_level("WARNING")
    days = float(os.environ.get("LT_DEMO_DAYS", "30"))
    seed = int(os.environ.get("LT_DEMO_SEED", "1"))
    network_choice = networks.provider.network_choice
    if getattr(networks.provider, "process", None) is None:
        raise SystemExit(
            f"the demo warps the chain's clock by {days:g} days: run it on an anvil of its own (`make demo`, "
            f"or APE_FOUNDRY_HOST=auto), not on the running node at {networks.provider.http_uri}"
        )
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
