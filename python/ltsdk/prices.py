"""Price paths and the ideal benchmark: seeded GBM-with-jumps paths (or a CSV of oracle updates)
and the ideal daily-re-levered product a leveraged token is measured against. The backtester,
the simulated market and the end-to-end simulation all draw from here."""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ltsdk.errors import BadArgument
from ltsdk.units import DAY, WAD


@dataclass(frozen=True)
class PricePath:
    """Oracle updates: (timestamp, price in WAD), strictly increasing timestamps."""

    points: list[tuple[int, int]]

    @classmethod
    def from_csv(cls, path: str | Path) -> PricePath:
        """Rows of `timestamp,price` (price in USD, decimal text); a header row is skipped."""
        points = []
        with open(path, newline="") as handle:
            for row in csv.reader(handle):
                try:
                    points.append((int(row[0]), int(Decimal(row[1]) * WAD)))
                except (ValueError, ArithmeticError, IndexError):
                    if points:
                        raise ValueError(f"bad row in {path}: {row}") from None
        return cls(points)


def generate_prices(
    days: float,
    step_seconds: int = 60,
    start_price: Decimal = Decimal(60_000),
    annual_volatility: float = 0.6,
    annual_drift: float = 0.0,
    jumps_per_year: float = 6.0,
    jump_size: float = 0.08,
    seed: int = 1,
    start_time: int = 1_700_006_400,
) -> PricePath:
    """A seeded GBM with Poisson jumps (symmetric, log-size `jump_size`). Floats generate the path
    only; every amount the fund computes is an integer, as on chain. A path needs at least one
    step: `days` and `step_seconds` positive, the step no longer than the path."""
    if not days > 0 or step_seconds <= 0 or days * DAY < step_seconds:
        raise BadArgument(
            f"a price path needs days > 0 and 0 < step_seconds <= the path's length, got days={days}"
            f" step_seconds={step_seconds}"
        )
    if annual_volatility < 0:
        raise BadArgument(f"annual_volatility must be >= 0, got {annual_volatility}")
    rng = random.Random(seed)
    steps = int(days * DAY / step_seconds)
    dt = step_seconds / (365 * DAY)
    drift = (annual_drift - 0.5 * annual_volatility**2) * dt
    shock = annual_volatility * math.sqrt(dt)
    jump_probability = jumps_per_year * dt
    log_price = math.log(float(start_price))
    points = [(start_time, int(start_price * WAD))]
    for i in range(1, steps + 1):
        log_price += drift + shock * rng.gauss(0.0, 1.0)
        if rng.random() < jump_probability:
            log_price += jump_size if rng.random() < 0.5 else -jump_size
        points.append((start_time + i * step_seconds, int(math.exp(log_price) * 1e8) * 10**10))
    return PricePath(points)


class IdealTracker:
    """The ideal product a leveraged token approximates: `direction * leverage` times the
    underlying's return, re-levered at each UTC day's close. Feed it every price in order; `value`
    is its growth of 1. A day's return runs from the previous day's last price, so the move
    across midnight counts whatever the sampling step."""

    def __init__(self, leverage: int, is_long: bool, start_time: int, start_price: int):
        self.factor = (1 if is_long else -1) * leverage
        self.day, self.day_open_price, self.last_price = start_time // DAY, start_price, start_price
        self.at_open = self.value = Decimal(1)

    def update(self, timestamp: int, price: int) -> Decimal:
        if timestamp // DAY != self.day:
            self.day, self.day_open_price, self.at_open = timestamp // DAY, self.last_price, self.value
        self.value = self.at_open * (1 + self.factor * (Decimal(price) / Decimal(self.day_open_price) - 1))
        self.last_price = price
        return self.value
