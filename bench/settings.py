"""What the benchmarks move and where they write: amounts, repeat counts and output paths."""

from __future__ import annotations

from pathlib import Path

from ltsdk.units import USDC

ROOT = Path(__file__).resolve().parents[1]


RESULTS = ROOT / "bench" / "results.md"


TEST_SECONDS = ROOT / "out" / "test-seconds.txt"  # written by `make test`


TOKEN = "BTC3L"  # the token the gas section measures


# what the gas section's calls move, the same for the token and its references
USER_FUNDS = 1_000_000 * USDC


DEPOSIT_ASSETS = 10_000 * USDC  # the first deposit and the measured one


TOP_UP_ASSETS = 1_000 * USDC  # the warm-up deposit between them


WITHDRAW_ASSETS = 1_000 * USDC


SHARES = 10  # whole shares per mint and redeem


ERC20_AMOUNT = 10**18  # per transfer, transferFrom and permit (share wei)


ERC20_ALLOWANCE = 10**20


SPEED_TOKENS = 50  # the 6 products and 44 more created through the factory


SPEED_DEPOSIT = 1_000 * USDC  # each token is funded so its lens row is a live fund


EXTRA_UNDERLYINGS = (("BTC", "BTC"), ("ETH", "ETH"), ("WBTC", "BTC"), ("WETH", "ETH"))  # (name, market)


BACKTEST_DAYS, BACKTEST_STEP_SECONDS, BACKTEST_REPEATS = 30, 60, 3


READ_REPEATS = 7


DECIDE_REPEATS = 51


TICK_REPEATS = 5
