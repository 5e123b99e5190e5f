"""A simulated market for local and test networks: seeded price paths (GBM with jumps) pushed to
the mock oracles, daily funding-rate changes on the mock venues, and time warp on anvil so that
days pass in seconds.

    market = Market.from_manifest(w3, manifest, admin_account, days=30, step_seconds=3_600, seed=1)
    for step in range(market.steps):
        market.advance(step)          # warp to the step's time, push prices (and funding)

Plain web3 + eth-account like the rest of the SDK; the account must be each oracle's updater and
each venue's owner (the deployer on a local network).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from web3 import Web3
from web3.types import RPCEndpoint

from ltsdk import errors
from ltsdk.abis import load_abi
from ltsdk.calls import Fn
from ltsdk.prices import PricePath, generate_prices
from ltsdk.sender import Sender
from ltsdk.units import DAY, WAD, YEAR


@dataclass(frozen=True)
class MarketSpec:
    """How one underlying moves: annualised volatility, jumps per year and log jump size."""

    annual_volatility: float = 0.6
    jumps_per_year: float = 6.0
    jump_size: float = 0.08
    max_annual_funding: float = 0.3  # daily funding rates are drawn in [-max/3, +max] a year


DEFAULT_SPECS = {"BTC": MarketSpec(0.6), "ETH": MarketSpec(0.8, jumps_per_year=8.0)}


def funding_rate_per_second(annual_rate: float) -> int:
    """An annual funding rate as the venue's WAD fraction of notional per second."""
    return int(Decimal(str(annual_rate)) * WAD / YEAR)


class Market:
    """Drives every market of a deployment along seeded paths; see the module docstring."""

    def __init__(
        self,
        w3: Web3,
        oracles: dict[str, Any],
        venues: dict[str, Any],
        account,
        days: float,
        step_seconds: int,
        seed: int = 1,
        specs: dict[str, MarketSpec] | None = None,
        start_time: int | None = None,
    ):
        self.w3, self.oracles, self.venues, self.account = w3, oracles, venues, account
        self.step_seconds = step_seconds
        self.rng = random.Random(seed)
        self.specs = {name: (specs or DEFAULT_SPECS).get(name, MarketSpec()) for name in oracles}
        head = w3.eth.get_block("latest")["timestamp"]  # pyright: ignore[reportTypedDictNotRequiredAccess] (every block has one)
        # start on the next whole step, so that daily boundaries fall on step boundaries
        self.start_time = start_time or (head // step_seconds + 1) * step_seconds
        self.paths: dict[str, PricePath] = {}
        self.oracle_scale: dict[str, int] = {}
        for index, (name, oracle) in enumerate(sorted(oracles.items())):
            decimals = oracle.functions.decimals().call()
            self.oracle_scale[name] = 10 ** (18 - decimals)
            start_price = Decimal(oracle.functions.latestAnswer().call()) / 10**decimals
            spec = self.specs[name]
            self.paths[name] = generate_prices(
                days,
                step_seconds,
                start_price=start_price,
                annual_volatility=spec.annual_volatility,
                jumps_per_year=spec.jumps_per_year,
                jump_size=spec.jump_size,
                seed=seed * 1_000 + index,
                start_time=self.start_time,
            )
        self.steps = len(next(iter(self.paths.values())).points)
        self.funding: dict[str, int] = {name: 0 for name in venues}
        self.sender = Sender(w3, account)

    @classmethod
    def from_manifest(cls, w3: Web3, manifest: dict[str, Any], account, days: float, step_seconds: int, **options):
        oracle_abi, venue_abi = load_abi("MockOracle"), load_abi("MockPerpAdapter")
        markets = manifest["markets"]
        oracles = {name: w3.eth.contract(address=m["oracle"], abi=oracle_abi) for name, m in markets.items()}
        venues = {name: w3.eth.contract(address=m["adapter"], abi=venue_abi) for name, m in markets.items()}
        return cls(w3, oracles, venues, account, days, step_seconds, **options)

    def time_of(self, step: int) -> int:
        return self.start_time + step * self.step_seconds

    def price_of(self, name: str, step: int) -> int:
        """The path's price at `step` (WAD)."""
        return self.paths[name].points[step][1]

    def advance(self, step: int, warp_time: bool = True) -> int:
        """Warp the chain to the step's time (anvil only) and push every market's price; at each
        new day, draw new funding rates. Returns the step's timestamp."""
        timestamp = self.time_of(step)
        if warp_time:
            warp(self.w3, timestamp)
        new_day = step > 0 and timestamp // DAY != self.time_of(step - 1) // DAY
        for name, oracle in sorted(self.oracles.items()):
            answer = self.price_of(name, step) // self.oracle_scale[name]
            self._send(Fn(oracle.address, "MockOracle", "set_price", (answer,)))
            if new_day and name in self.venues:
                spec = self.specs[name]
                annual = self.rng.uniform(-spec.max_annual_funding / 3, spec.max_annual_funding)
                self.funding[name] = funding_rate_per_second(annual)
                self._send(
                    Fn(
                        self.venues[name].address,
                        "MockPerpAdapter",
                        "set_funding_rate_per_second",
                        (self.funding[name],),
                    )
                )
        return timestamp

    def _send(self, fn: Fn) -> None:
        fields = {"gas": 200_000, "chainId": self.sender.chain_id}
        try:
            self.sender.send(fn, fields, timeout=60, poll_latency=0.01)
        except errors.TransactionFailed as exc:
            raise RuntimeError(f"market update reverted: {exc}") from None


def warp(w3: Web3, timestamp: int) -> None:
    """anvil: the next block is mined at `timestamp` (seconds). Blocks after it follow one second
    apart whatever the wall clock does, so a run is reproducible and no call ever executes at a
    time before a block already mined (anvil's default clock mixes wall time into both)."""
    w3.provider.make_request(RPCEndpoint("anvil_setBlockTimestampInterval"), [1])
    w3.provider.make_request(RPCEndpoint("evm_setNextBlockTimestamp"), [timestamp])
