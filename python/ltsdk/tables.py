"""The text reports' formatting, in one place for the demo's table (ltsdk.simulation), the
asynchronous demo's (ltsdk.rounds_simulation) and the backtest's (ltsdk.backtest): amounts in
collateral, returns in percent, tracking terms in basis points, a header ruled off above its rows."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal


def usd(amount: int, asset_decimals: int = 6) -> str:
    """`amount` collateral base units as whole units with cents and thousands separators."""
    return f"{Decimal(amount) / 10**asset_decimals:,.2f}"


def pct(value: Decimal) -> str:
    """A fraction as a signed percentage, two decimals (0.0123 -> "+1.23%")."""
    return f"{value * 100:+.2f}%"


def bp(value: Decimal) -> str:
    """A fraction as signed basis points, two decimals (0.0123 -> "+123.00")."""
    return f"{value * 10_000:+.2f}"


def saved(alone: int, netted: int) -> Decimal:
    """The fraction of `alone` that `netted` saves (0 when there was nothing alone)."""
    return Decimal(alone - netted) / Decimal(alone) if alone else Decimal(0)


def ruled(header: str, rows: Iterable[str]) -> str:
    """`header`, a rule as long as it, then `rows`, one a line."""
    return "\n".join([header, "-" * len(header), *rows])
