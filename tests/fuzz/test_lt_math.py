"""lt_math and signed_math function by function: each contract function, called through
contracts/mocks/MockMath.vy on titanoboa, equals its Python twin in ltsdk.math over the whole
uint256/int256 range, reverts included: where the contract reverts the twin raises ModelRevert,
and where the twin raises the contract reverts.

Each argument is drawn from its full ABI range, from its type's edges (0, 1, 2**255, max, ...)
and from the protocol's own magnitudes (a fee of up to 2 BPS, a price of up to 10**24 WAD...):
full-range values alone would mostly overflow and test only reverts. One test per function, named
after it; `test_harness__every_math_function__has_a_mock_entry_and_a_test` fails when a function
is added to either module without both.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from fuzz.chain import CONTRACTS, attempt, deployer
from fuzz.profiles import fuzz_settings
from ltsdk import math
from ltsdk.codes import Reason
from ltsdk.errors import ModelRevert
from ltsdk.units import BPS, MAX_INT256, MAX_UINT256, MIN_INT256, SECONDS_PER_YEAR, WAD

MATH_MODULES = ("lt_math", "signed_math")
# FundState's addresses are carried, never read, by the pure functions
TOKEN = "0x000000000000000000000000000000000000A11c"
ADAPTER = "0x000000000000000000000000000000000000B0b5"

UINT_EDGES = (0, 1, 2, 2**128, 2**255 - 1, 2**255, MAX_UINT256 - 1, MAX_UINT256)
INT_EDGES = (MIN_INT256, MIN_INT256 + 1, -(2**128), -1, 0, 1, 2**128, MAX_INT256 - 1, MAX_INT256)

# the protocol's magnitudes (upper bounds)
FEE = 2 * BPS  # basis points: past BPS, `BPS - fee` underflows
ASSETS = 10**24  # collateral base units (10**18 USDC)
SHARES = 10**30  # wei
PRICE = 10**24  # WAD (one million per unit)
LEVERAGE = 100 * WAD
SIZE = 10**30  # WAD units of underlying
TIME = 2**40  # seconds
ASSET_SCALES = st.sampled_from((1, 10**12, 10**18))  # 18-, 6- and 0-decimal collateral


def uints(*typical: int | st.SearchStrategy[int]) -> st.SearchStrategy[int]:
    """Any uint256: the full range, its edges, and each typical range [0, bound] (or strategy)."""
    return st.one_of(
        st.integers(0, MAX_UINT256),
        st.sampled_from(UINT_EDGES),
        *(t if isinstance(t, st.SearchStrategy) else st.integers(0, t) for t in typical),
    )


def ints(*typical: int) -> st.SearchStrategy[int]:
    """Any int256: the full range, its edges, and each typical range [-bound, bound]."""
    return st.one_of(
        st.integers(MIN_INT256, MAX_INT256),
        st.sampled_from(INT_EDGES),
        *(st.integers(-t, t) for t in typical),
    )


def fund_states(size: st.SearchStrategy[int] | None = None) -> st.SearchStrategy[math.FundState]:
    return st.builds(
        math.FundState,
        supply=uints(SHARES, SHARES),
        nav=ints(ASSETS, ASSETS),
        size=size or ints(SIZE, SIZE),
        price=uints(PRICE, PRICE),
        fresh=st.booleans(),
        idle_assets=uints(ASSETS),
        target_leverage=uints(LEVERAGE, st.integers(WAD, LEVERAGE)),
        is_long=st.booleans(),
        asset_scale=uints(ASSET_SCALES, ASSET_SCALES),
        initial_nav_per_share=uints(ASSETS),
        mint_fee_bps=uints(FEE),
        redeem_fee_bps=uints(FEE),
        max_slippage_bps=uints(FEE),
    )


@st.composite
def near_target_funds(draw) -> tuple[math.FundState, math.RebalanceState]:
    """A fresh, solvent fund within a few percent of its target leverage, with parameters the token's
    setters accept: every rebalance reason comes up, not only BAND and RIPCORD."""
    s = draw(
        st.builds(
            math.FundState,
            supply=st.integers(1, SHARES),
            nav=st.integers(1, ASSETS),
            size=st.just(0),
            price=st.integers(1, PRICE),
            fresh=st.just(True),
            idle_assets=st.integers(0, ASSETS),
            target_leverage=st.integers(WAD, 10 * WAD),
            is_long=st.booleans(),
            asset_scale=ASSET_SCALES,
            initial_nav_per_share=st.integers(1, ASSETS),
            mint_fee_bps=st.integers(0, BPS),
            redeem_fee_bps=st.integers(0, BPS),
            max_slippage_bps=st.integers(0, BPS),
        )
    )
    target = math.target_size(s.nav, s.price, s.target_leverage, s.is_long, s.asset_scale)
    drift_bps = draw(st.integers(-500, 500))
    band_bps = draw(st.integers(100, 4_000))
    r = math.RebalanceState(
        is_shutdown=draw(st.booleans()) and draw(st.booleans()),
        band_bps=band_bps,
        ripcord_leverage=s.target_leverage * draw(st.integers(BPS + band_bps, 3 * BPS)) // BPS,
        min_drift_bps=draw(st.integers(0, 200)),
        max_trade_notional=draw(uints(ASSETS)),
        chunk_pending=draw(st.booleans()),
        slot_open=draw(st.booleans()),
    )
    return dataclasses.replace(s, size=target + target * drift_bps // BPS), r


def rebalance_states() -> st.SearchStrategy[math.RebalanceState]:
    return st.builds(
        math.RebalanceState,
        is_shutdown=st.booleans(),
        band_bps=uints(FEE),
        ripcord_leverage=uints(LEVERAGE),
        min_drift_bps=uints(FEE, 100),
        max_trade_notional=uints(ASSETS),
        chunk_pending=st.booleans(),
        slot_open=st.booleans(),
    )


def as_struct(state) -> tuple:
    """A twin state (ltsdk.math) as the contract's struct (FundState also carries the token and adapter)."""
    values = dataclasses.astuple(state)
    return (TOKEN, ADAPTER, *values) if isinstance(state, math.FundState) else values


@pytest.fixture(scope="module")
def harness():
    return deployer("mocks/MockMath").deploy()


def assert_twins(harness, name: str, *args):
    """harness.<name>(*args) equals math.<name>(*args), or both revert; returns the result (None
    for a revert)."""
    contract_args = [as_struct(a) if dataclasses.is_dataclass(a) else a for a in args]
    ok, got = attempt(lambda: getattr(harness, name)(*contract_args))
    try:
        expected = getattr(math, name)(*args)
    except ModelRevert as revert:
        event("reverts")
        assert not ok, f"{name}{args}: the twin raises {revert}, the contract returns {got!r}"
        return None
    event("returns")
    assert ok, f"{name}{args}: the contract reverts ({got}), the twin returns {expected!r}"
    assert got == expected, f"{name}{args}: contract {got!r}, twin {expected!r}"
    return expected


# ---------------------------------------------------------------- coverage of the harness


def internal_functions(module: str) -> set[str]:
    """The names of the functions `contracts/<module>.vy` defines (every one is internal)."""
    return set(re.findall(r"^def (\w+)\(", (CONTRACTS / f"{module}.vy").read_text(), re.MULTILINE))


def test_harness__every_math_function__has_a_mock_entry_and_a_test(harness):
    functions = {name.removeprefix("_") for module in MATH_MODULES for name in internal_functions(module)}
    exposed = {item["name"] for item in harness.abi if item["type"] == "function"}
    tested = {name.removeprefix("test_").split("__")[0] for name in globals() if name.startswith("test_")}
    assert {"fee", "rebalance_status", "floor_div"} <= functions  # the parse found both modules
    assert functions == exposed, f"mock entries missing: {functions - exposed}; stale: {exposed - functions}"
    assert functions <= tested, f"functions without a test: {functions - tested}"
    assert all(callable(getattr(math, name, None)) for name in functions), "a function without a twin"


# ---------------------------------------------------------------- lt_math: fees and shares


@fuzz_settings()
@given(amount=uints(ASSETS), fee_bps=uints(FEE))
def test_fee__any_input__equals_its_twin(harness, amount, fee_bps):
    assert_twins(harness, "fee", amount, fee_bps)


@fuzz_settings()
@given(net=uints(ASSETS), fee_bps=uints(FEE, st.integers(BPS - 2, BPS + 1)))
def test_gross_up__any_input__equals_its_twin(harness, net, fee_bps):
    assert_twins(harness, "gross_up", net, fee_bps)


@fuzz_settings()
@given(supply=uints(SHARES), fee_bps_per_year=uints(FEE), elapsed=uints(TIME, 2 * SECONDS_PER_YEAR))
def test_management_fee_shares__any_input__equals_its_twin(harness, supply, fee_bps_per_year, elapsed):
    assert_twins(harness, "management_fee_shares", supply, fee_bps_per_year, elapsed)


@fuzz_settings()
@given(supply=uints(SHARES), nav=uints(ASSETS), worth=uints(ASSETS), initial_nav_per_share=uints(ASSETS))
def test_shares_for_value__any_input__equals_its_twin(harness, supply, nav, worth, initial_nav_per_share):
    assert_twins(harness, "shares_for_value", supply, nav, worth, initial_nav_per_share)


@fuzz_settings()
@given(
    supply=uints(SHARES),
    nav=uints(ASSETS),
    shares=uints(SHARES),
    initial_nav_per_share=uints(ASSETS),
    roundup=st.booleans(),
)
def test_value_for_shares__any_input__equals_its_twin(harness, supply, nav, shares, initial_nav_per_share, roundup):
    assert_twins(harness, "value_for_shares", supply, nav, shares, initial_nav_per_share, roundup)


@fuzz_settings()
@given(supply=uints(SHARES), nav_before=uints(ASSETS), nav_after=ints(ASSETS), shares=uints(SHARES))
def test_redeem_value__any_input__equals_its_twin(harness, supply, nav_before, nav_after, shares):
    assert_twins(harness, "redeem_value", supply, nav_before, nav_after, shares)


@fuzz_settings()
@given(available=uints(ASSETS), shares=uints(SHARES), supply=uints(SHARES))
def test_insolvent_payout__any_input__equals_its_twin(harness, available, shares, supply):
    assert_twins(harness, "insolvent_payout", available, shares, supply)


@fuzz_settings()
@given(s=fund_states(), net_assets=uints(ASSETS))
def test_mint_size_delta__any_input__equals_its_twin(harness, s, net_assets):
    assert_twins(harness, "mint_size_delta", s, net_assets)


@fuzz_settings()
@given(s=fund_states(), shares=uints(SHARES))
def test_redeem_size_delta__any_input__equals_its_twin(harness, s, shares):
    assert_twins(harness, "redeem_size_delta", s, shares)


@fuzz_settings()
@given(s=fund_states(), value_added=uints(ASSETS, 10**4))
def test_shares_minted__any_input__equals_its_twin(harness, s, value_added):
    assert_twins(harness, "shares_minted", s, value_added)


@fuzz_settings()
@given(s=fund_states())
def test_nav_per_share__any_input__equals_its_twin(harness, s):
    assert_twins(harness, "nav_per_share", s)


# ---------------------------------------------------------------- lt_math: positions and trades


@fuzz_settings()
@given(size=ints(SIZE), numerator=uints(ASSETS), denominator=uints(ASSETS))
def test_pro_rata_size__any_input__equals_its_twin(harness, size, numerator, denominator):
    assert_twins(harness, "pro_rata_size", size, numerator, denominator)


@fuzz_settings()
@given(price=uints(PRICE), max_slippage_bps=uints(FEE), is_buy=st.booleans())
def test_limit_price__any_input__equals_its_twin(harness, price, max_slippage_bps, is_buy):
    assert_twins(harness, "limit_price", price, max_slippage_bps, is_buy)


@fuzz_settings()
@given(size=ints(SIZE), price=uints(PRICE), nav=ints(ASSETS), asset_scale=uints(ASSET_SCALES))
def test_leverage__any_input__equals_its_twin(harness, size, price, nav, asset_scale):
    assert_twins(harness, "leverage", size, price, nav, asset_scale)


@fuzz_settings()
@given(
    nav=uints(ASSETS),
    price=uints(PRICE),
    target_leverage=uints(LEVERAGE),
    is_long=st.booleans(),
    asset_scale=uints(ASSET_SCALES),
)
def test_target_size__any_input__equals_its_twin(harness, nav, price, target_leverage, is_long, asset_scale):
    assert_twins(harness, "target_size", nav, price, target_leverage, is_long, asset_scale)


@fuzz_settings()
@given(size_delta=ints(SIZE), price=uints(PRICE), max_notional=uints(ASSETS), asset_scale=uints(ASSET_SCALES))
def test_clamp_trade__any_input__equals_its_twin(harness, size_delta, price, max_notional, asset_scale):
    assert_twins(harness, "clamp_trade", size_delta, price, max_notional, asset_scale)


# ---------------------------------------------------------------- lt_math: rebalancing


@fuzz_settings()
@given(target_leverage=uints(LEVERAGE), band_bps=uints(FEE))
def test_band__any_input__equals_its_twin(harness, target_leverage, band_bps):
    assert_twins(harness, "band", target_leverage, band_bps)


@fuzz_settings()
@given(leverage=uints(LEVERAGE), target_leverage=uints(LEVERAGE))
def test_drift_bps__any_input__equals_its_twin(harness, leverage, target_leverage):
    assert_twins(harness, "drift_bps", leverage, target_leverage)


@fuzz_settings()
@given(target_leverage=uints(LEVERAGE, st.integers(MAX_UINT256 // 3 - 1, MAX_UINT256 // 3 + 1)))
def test_default_ripcord_leverage__any_input__equals_its_twin(harness, target_leverage):
    assert_twins(harness, "default_ripcord_leverage", target_leverage)


@fuzz_settings()
@given(nav=uints(ASSETS), reward_assets=uints(ASSETS), reward_max_bps=uints(FEE))
def test_ripcord_reward__any_input__equals_its_twin(harness, nav, reward_assets, reward_max_bps):
    assert_twins(harness, "ripcord_reward", nav, reward_assets, reward_max_bps)


@fuzz_settings()
@given(states=st.one_of(st.tuples(fund_states(), rebalance_states()), near_target_funds(), near_target_funds()))
def test_rebalance_status__any_input__equals_its_twin(harness, states):
    s, r = states
    status = assert_twins(harness, "rebalance_status", s, r)
    if status is not None:
        event(f"reason {Reason(status[0]).label}")


@fuzz_settings()
@given(
    nav_per_share=uints(ASSETS, st.integers(MAX_UINT256 // 10**4, MAX_UINT256 // 10)),
    has_shares=st.booleans(),
    lower=uints(ASSETS),
    upper=uints(ASSETS),
)
def test_split_status__any_input__equals_its_twin(harness, nav_per_share, has_shares, lower, upper):
    assert_twins(harness, "split_status", nav_per_share, has_shares, lower, upper)


# ---------------------------------------------------------------- lt_math: oracle and schedule


@fuzz_settings()
@given(
    venue_fresh=st.booleans(),
    price=uints(PRICE),
    updated_at=uints(TIME),
    now=uints(TIME),
    max_age=uints(TIME, 86_400),
)
def test_is_fresh__any_input__equals_its_twin(harness, venue_fresh, price, updated_at, now, max_age):
    assert_twins(harness, "is_fresh", venue_fresh, price, updated_at, now, max_age)


@fuzz_settings()
@given(now=uints(TIME), offset=uints(TIME, 86_400), interval=uints(TIME, 86_400))
def test_current_slot__any_input__equals_its_twin(harness, now, offset, interval):
    assert_twins(harness, "current_slot", now, offset, interval)


@fuzz_settings()
@given(now=uints(TIME), offset=uints(TIME, 86_400), interval=uints(TIME, 86_400))
def test_next_slot_start__any_input__equals_its_twin(harness, now, offset, interval):
    assert_twins(harness, "next_slot_start", now, offset, interval)


# ---------------------------------------------------------------- signed_math


@fuzz_settings()
@given(a=ints(SIZE * PRICE), b=ints(WAD, 10))
def test_floor_div__any_input__equals_its_twin(harness, a, b):
    assert_twins(harness, "floor_div", a, b)


@fuzz_settings()
@given(a=ints(SIZE * PRICE), b=ints(WAD, 10))
def test_ceil_div__any_input__equals_its_twin(harness, a, b):
    assert_twins(harness, "ceil_div", a, b)
