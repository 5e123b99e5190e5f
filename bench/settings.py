"""What the benchmarks move and where they write: amounts, repeat counts and output paths."""

from __future__ import annotations

from pathlib import Path

from ltsdk.units import USDC

ROOT = Path(__file__).resolve().parents[1]


RESULTS = ROOT / "bench" / "results.md"  # the published results: `make bench PUBLISH=1` only


DRAFT_RESULTS = ROOT / "out" / "bench-results.md"  # what a plain `make bench` writes (untracked)


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


# (underlying, priced as): the factory creates a symbol only on its own market, so WBTC and WETH
# get venues of their own, set up as the BTC and ETH markets
EXTRA_UNDERLYINGS = (("BTC", "BTC"), ("ETH", "ETH"), ("WBTC", "BTC"), ("WETH", "ETH"))


BACKTEST_DAYS, BACKTEST_STEP_SECONDS, BACKTEST_REPEATS = 30, 60, 3


READ_REPEATS = 7


DECIDE_REPEATS = 51


TICK_REPEATS = 5


# The "before" column: bench/results.md at BEFORE_COMMIT, the last run before issue 12's gas work
# (packed storage, shared revert sites). Gas per operation; sizes in bytes.
BEFORE_COMMIT = "cd698ea"


BEFORE = {
    "transfer": 36_781,
    "transferFrom": 42_801,
    "approve": 48_683,
    "permit": 76_842,
    "deposit (first)": 330_722,
    "deposit": 201_335,
    "mint": 261_760,
    "withdraw": 236_075,
    "redeem (first)": 196_202,
    "redeem": 196_202,
    "rebalance (full)": 170_134,
    "rebalance (chunk)": 167_409,
    "rebalance (not needed, reverts)": 103_858,
    "ripcord": 239_313,
    "split": 88_503,
    "reverse split": 88_476,
    "token bytes": 22_765,
    "blueprint bytes": 24_292,
    "create gas": 5_383_604,
}


# The "before the safety fixes" column: bench/results.md at SAFETY_BEFORE_COMMIT, the last run
# before issue 14 (the review's fixes), and what each fix costs on each path, measured alone when
# it was built (docs/protocol.md gives each measurement and its method).
SAFETY_BEFORE_COMMIT = "eaa0543"


SAFETY_BEFORE = {
    "transfer": 36_413,
    "transferFrom": 42_433,
    "approve": 48_353,
    "permit": 76_842,
    "deposit (first)": 321_104,
    "deposit": 188_011,
    "mint": 227_333,
    "withdraw": 224_555,
    "redeem (first)": 184_676,
    "redeem": 184_676,
    "rebalance (full)": 137_461,
    "rebalance (chunk)": 137_536,
    "rebalance (not needed, reverts)": 84_240,
    "ripcord": 202_331,
    "split": 80_741,
    "reverse split": 80_714,
}


SAFETY_FIXES_ON_PATH = {
    "transfer": "L4 scale epochs: +556 (both balance slots' epoch check)",
    "transferFrom": "L4: +728",
    "approve": "L4: +48",
    "permit": "L5 split-bound domain salt: +115; L4: +33 to +45",
    "deposit (first)": "M1: none; no other fix measured on this path alone",
    "deposit": "M1: none (titanoboa 83.2k before and after)",
    "mint": "M1: none",
    "withdraw": "M1 exit through `exit_trades` (a views call, one venue preview): titanoboa 103.5k → 130.3k",
    "redeem (first)": "M1 exit through `exit_trades`: titanoboa 63.6k → 81.1k",
    "redeem": "M1 exit through `exit_trades`: titanoboa 63.6k → 81.1k",
    "rebalance (full)": "M1 `rebalance_realise` check (a views call, one venue preview): titanoboa 44.0k → 59.1k",
    "rebalance (chunk)": "M1 `rebalance_realise` check",
    "rebalance (not needed, reverts)": "no fix measured on this path alone",
    "ripcord": "L1 paid ripcord must lower leverage; H1 open during a shutdown; M1 `rebalance_realise`",
    "split": "L4: +81",
    "reverse split": "L4: −115",
}


# The asynchronous token (bench/async_gas.py): rounds of N deposit and N redeem requests, each
# from the one funded user for N controllers of its own (ERC-7540's owner pays, the controller
# claims), after a seeding round that gives the user its shares
ASYNC_REQUEST_COUNTS = (1, 10, 100)


ASYNC_SEED_ASSETS = 100_000 * USDC  # the seeding round's deposit


ASYNC_DEPOSIT_ASSETS = 1_000 * USDC  # per deposit request


ASYNC_REDEEM_SHARES = 10**18  # per redeem request: one share (about 100 USDC)


# settlement is O(1) in N: settle's gas at the largest N within this of the smallest's (the
# test's margin, tests/contracts/test_async_token.py)
ASYNC_O1_MARGIN = 1_000
