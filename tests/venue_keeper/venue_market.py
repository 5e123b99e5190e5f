"""The venue keeper tests' market: its constants and the oracle's units."""

from __future__ import annotations

from ltsdk.deploy import oracle_answer
from ltsdk.units import USDC, WAD
from ltsdk.venue_keeper import VenuePolicy

ORACLE_DECIMALS = 8
DEPTH = 2_000_000_000 * WAD  # USD: a trade of this notional would move the price 100 %
VENUE_LIQUIDITY = 50_000_000 * USDC
EXECUTION_FEE = USDC // 10  # the venue's default minimum for 6-decimal collateral
TEST_VENUE_POLICY = VenuePolicy(poll_seconds=0.01, receipt_timeout_seconds=30.0, receipt_poll_seconds=0.05)


def answer(usd) -> int:
    """USD as the 8-decimal feed's answer."""
    return oracle_answer(str(usd), ORACLE_DECIMALS)


def wad(usd) -> int:
    """USD per BTC as a WAD price."""
    return answer(usd) * 10 ** (18 - ORACLE_DECIMALS)
