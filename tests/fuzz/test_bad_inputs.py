"""Bad inputs (VERIFICATION.md): every amount edge case of every entry point that takes one,
deadlines in the past, bounds that cannot be met, bad receivers and owners, setters outside
their hard bounds, split factors, oracle faults and venue faults. Each refused call must revert
with a clear reason and leave everything unchanged: every zero-argument view of the token and
the venue, every actor's shares, collateral and allowances, the token's venue account
(`chain.full_state`).

The cases are generated from the token's ABI: each uint256 argument of each state-changing
function gets the edge values its role calls for (`ROLES` below), each address argument the
zero address and the token itself. `test_every_abi_argument_has_edge_cases` fails when the ABI
gains an argument nobody classified. Expected outcomes come from the reference model, the
token's own previews and the bounds at the top of LeveragedToken.vy.

The privileged-function x non-role-account matrix is tests/contracts/test_access_control.py
(ABI-driven, on anvil); it is not repeated here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boa
import pytest

from fuzz.chain import (
    MAX_UINT256,
    SHARE_BASE_MASK,
    USDC,
    WAD,
    ZERO_ADDRESS,
    attempt,
    full_state,
    model_fund,
    stack,
)
from ltsdk import math
from ltsdk.codes import Reason
from ltsdk.errors import REVERTS, ModelRevert
from ltsdk.replica import Fund

# bounds, as at the top of contracts/LeveragedTokenConfigurator.vy (hard bounds of the setters)
MAX_MINT_FEE_BPS = 100
MAX_REDEEM_FEE_BPS = 100
MAX_MANAGEMENT_FEE_BPS = 2_000
MAX_SLIPPAGE_BPS = 500
MIN_PRICE_AGE, MAX_PRICE_AGE = 60, 86_400
MIN_BAND_BPS, MAX_BAND_BPS = 100, 5_000
MIN_REBALANCE_INTERVAL, MAX_REBALANCE_INTERVAL = 3_600, 7 * 86_400
MAX_MIN_DRIFT_BPS = 2_000
MIN_TRADE_NOTIONAL, MAX_TRADE_NOTIONAL = USDC, 10**30
MAX_TWAP_COOLDOWN = 3_600
MIN_KEEPER_GRACE, MAX_KEEPER_GRACE = 60, 86_400
MAX_RIPCORD_REWARD = 1_000 * USDC
MAX_RIPCORD_REWARD_CHUNK_BPS = 10  # the reward at most 10 bps of the ripcord's chunk
MAX_RIPCORD_TARGET_BPS = 20_000  # the ripcord level at most 2x the target
MIN_DELAY, MAX_DELAY = 3 * 86_400, 30 * 86_400
MIN_SPLIT_FACTOR, MAX_SPLIT_FACTOR = 2, 10_000  # LeveragedToken.vy
VENUE_MAX_LEVERAGE = 20 * WAD

DEPOSITOR_ASSETS = 10_000 * USDC
OTHER_ASSETS = 2_500 * USDC
SPENDER_ALLOWANCE = 10**18  # shares the depositor lets the other depositor spend
PRICE_DROP_BPS = 1_000  # after the deposits BTC falls 10 %: BTC3L at ~3.86x, a BAND rebalance is due


def is_clear(reason: str) -> bool:
    """A documented revert reason: the token's (ltsdk.errors.REVERTS) or the venue's / collateral's."""
    return reason in REVERTS or reason.startswith(("venue: ", "usdc: "))


# ---------------------------------------------------------------- the state every case starts from


@dataclass
class Ctx:
    s: Any
    token: Any
    depositor: str
    other: str  # other_depositor: holds shares and an allowance over the depositor's
    attacker: str  # no shares, no allowance
    admin: str
    keeper: str
    now: int
    before: dict  # condition -> full_state before any call (every case starts from the same state)

    def fund(self) -> Fund:
        return model_fund(self.s, self.token)


@pytest.fixture(scope="module")
def band_due():
    """BTC3L: the depositor and the other depositor are in, the depositor has approved the other
    depositor for one share, then BTC fell 10 % (a BAND rebalance is due, no ripcord)."""
    s = stack()
    a = s.actors
    token = s.tokens["BTC3L"]
    with boa.env.anchor():
        token.deposit(DEPOSITOR_ASSETS, a.depositor, sender=a.depositor)
        token.deposit(OTHER_ASSETS, a.other_depositor, sender=a.other_depositor)
        token.approve(a.other_depositor, SPENDER_ALLOWANCE, sender=a.depositor)
        answer = s.oracle.latestRoundData()[1] * (10_000 - PRICE_DROP_BPS) // 10_000
        s.oracle.set_price(answer, sender=a.admin)
        assert token.rebalance_status()[0] == Reason.BAND
        yield Ctx(s, token, a.depositor, a.other_depositor, a.attacker, a.admin, a.keeper, boa.env.timestamp, {})


def run_case(ctx: Ctx, condition: str, call: Callable[[], Any], expected: str | None):
    """Apply `condition`, make the call, check the outcome: `expected` None = succeeds, else the
    revert reason; a refused call leaves `full_state` exactly as it was."""
    with boa.env.anchor():
        CONDITIONS[condition](ctx)
        if condition not in ctx.before:
            ctx.before[condition] = full_state(ctx.s, ctx.token)
        ok, result = attempt(call)
        if not ok:
            assert full_state(ctx.s, ctx.token) == ctx.before[condition], f"a refused call changed state ({result})"
        if expected is None:
            assert ok, f"expected success, reverted {result!r}"
        else:
            assert not ok, f"expected {expected!r}, succeeded with {result!r}"
            assert is_clear(result), f"unclear revert reason {result!r}"
            assert result == expected, f"reverted {result!r}, expected {expected!r}"


# ---------------------------------------------------------------- conditions (oracle and venue faults)


def _normal(ctx):
    pass


def _paused(ctx):
    ctx.token.pause(sender=ctx.s.actors.guardian)


def _stale(ctx):
    boa.env.time_travel(seconds=3_601)


def _round(answer, offset=0):
    def apply(ctx):
        ctx.s.oracle.set_round_data(answer, boa.env.timestamp, offset, sender=ctx.admin)

    return apply


def _venue_paused(ctx):
    ctx.s.venue.set_trading_paused(True, sender=ctx.admin)


def _venue_exhausted(ctx):
    ctx.s.venue.set_depth(1, sender=ctx.admin)  # any trade's price impact exceeds the venue's limit


CONDITIONS = {
    "normal": _normal,
    "paused": _paused,
    "stale oracle": _stale,
    "zero answer": _round(0),
    "negative answer": _round(-1),
    "incomplete round": _round(55_000 * 10**8, 1),
    "venue paused": _venue_paused,
    "venue liquidity exhausted": _venue_exhausted,
}


# ---------------------------------------------------------------- amount edge cases, from the ABI


def _max_deposit(ctx):
    return ctx.token.maxDeposit(ctx.depositor)


def _dust_assets(ctx):
    return 2  # base units: the mint fee rounds up to 1, one unit of margin is left


def _deposit_expect(ctx, assets):
    if assets > ctx.s.usdc.balanceOf(ctx.depositor):
        return "usdc: insufficient balance"
    try:
        ctx.fund().deposit(assets, ctx.depositor, ctx.now)
    except ModelRevert as revert:
        return str(revert)
    return None


def _redeem_expect(ctx, shares):
    try:
        ctx.fund().redeem(shares, ctx.depositor, ctx.now)
    except ModelRevert as revert:
        return str(revert)
    return None


def _preview_expect(preview: Callable[[Any, int], Any], enough: Callable[[Any, Any], str | None]):
    """Expected outcome of mint/withdraw: the preview's revert, else `enough(ctx, quote)`."""

    def expect(ctx, amount):
        if amount == 0:  # the previews answer 0 for 0; the entry points refuse it
            return "lt: zero"
        ok, quote = attempt(lambda: preview(ctx.token, amount))
        return quote if not ok else enough(ctx, quote)

    return expect


def _mint_affordable(ctx, assets):
    return "usdc: insufficient balance" if assets > ctx.s.usdc.balanceOf(ctx.depositor) else None


def _withdraw_covered(ctx, shares):
    return "lt: balance" if shares > ctx.token.balanceOf(ctx.depositor) else None


# edge name -> how to compute the amount from the state
AMOUNTS: dict[str, Callable[[Any], int]] = {
    "zero": lambda ctx: 0,
    "one wei": lambda ctx: 1,
    "max uint256": lambda ctx: MAX_UINT256,
}


@dataclass(frozen=True)
class Entry:
    """How an amount entry point is called by its natural caller and what decides its outcome."""

    call: Callable[[Ctx, int], Any]
    dust: Callable[[Ctx], int]  # an amount below one unit of what the call deals in
    at_max: Callable[[Ctx], int]  # the most the caller may use
    expect: Callable[[Ctx, int], str | None]


ENTRIES: dict[str, Entry] = {
    "deposit": Entry(
        call=lambda ctx, x: ctx.token.deposit(x, ctx.depositor, sender=ctx.depositor),
        dust=_dust_assets,
        at_max=_max_deposit,
        expect=_deposit_expect,
    ),
    "mint": Entry(
        call=lambda ctx, x: ctx.token.mint(x, ctx.depositor, sender=ctx.depositor),
        dust=lambda ctx: 1,
        at_max=lambda ctx: ctx.token.maxMint(ctx.depositor),
        expect=_preview_expect(lambda token, x: token.previewMint(x), _mint_affordable),
    ),
    "withdraw": Entry(
        call=lambda ctx, x: ctx.token.withdraw(x, ctx.depositor, ctx.depositor, sender=ctx.depositor),
        dust=lambda ctx: 1,
        at_max=lambda ctx: ctx.token.maxWithdraw(ctx.depositor),
        expect=_preview_expect(lambda token, x: token.previewWithdraw(x), _withdraw_covered),
    ),
    "redeem": Entry(
        call=lambda ctx, x: ctx.token.redeem(x, ctx.depositor, ctx.depositor, sender=ctx.depositor),
        # shares worth less than one collateral unit: the redeemer's slice pays nothing
        dust=lambda ctx: ctx.token.totalSupply() // max(ctx.token.totalAssets(), 1) // 2,
        at_max=lambda ctx: ctx.token.maxRedeem(ctx.depositor),
        expect=_redeem_expect,
    ),
    "transfer": Entry(
        call=lambda ctx, x: ctx.token.transfer(ctx.attacker, x, sender=ctx.depositor),
        dust=lambda ctx: 1,
        at_max=lambda ctx: ctx.token.balanceOf(ctx.depositor),
        expect=lambda ctx, x: "lt: balance" if x > ctx.token.balanceOf(ctx.depositor) else None,
    ),
    "transferFrom": Entry(
        call=lambda ctx, x: ctx.token.transferFrom(ctx.depositor, ctx.attacker, x, sender=ctx.other),
        dust=lambda ctx: 1,
        at_max=lambda ctx: ctx.token.allowance(ctx.depositor, ctx.other),
        expect=lambda ctx, x: "lt: allowance" if x > ctx.token.allowance(ctx.depositor, ctx.other) else None,
    ),
    "approve": Entry(
        call=lambda ctx, x: ctx.token.approve(ctx.attacker, x, sender=ctx.depositor),
        dust=lambda ctx: 1,
        # the largest allowance stored exactly; anything above is stored as infinite
        at_max=lambda ctx: SHARE_BASE_MASK // ctx.token.base_per_share() - 1,
        expect=lambda ctx, x: None,
    ),
}
EDGES = ("zero", "one wei", "dust", "at max", "max + 1", "max uint256")


def amount_of(ctx: Ctx, entry: Entry, edge: str) -> int:
    if edge == "dust":
        return entry.dust(ctx)
    if edge == "at max":
        return entry.at_max(ctx)
    if edge == "max + 1":
        return min(entry.at_max(ctx) + 1, MAX_UINT256)
    return AMOUNTS[edge](ctx)


@pytest.mark.parametrize("edge", EDGES)
@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_amount_edge__reverts_clearly_or_succeeds_as_predicted(band_due, name, edge):
    entry = ENTRIES[name]
    amount = amount_of(band_due, entry, edge)
    expected = entry.expect(band_due, amount)
    run_case(band_due, "normal", lambda: entry.call(band_due, amount), expected)


# ---------------------------------------------------------------- deadlines, bounds, receivers, owners


def _quote(ctx, view, amount):
    return getattr(ctx.token, view)(amount)


def _past(ctx):
    return boa.env.timestamp - 1


SLIPPAGE_CASES = {
    # min_out above what is achievable / max_in below what is needed: "lt: slippage"
    "deposit min_shares = preview + 1": lambda ctx: ctx.token.deposit(
        1_000 * USDC, ctx.depositor, _quote(ctx, "previewDeposit", 1_000 * USDC) + 1, sender=ctx.depositor
    ),
    "mint max_assets = preview - 1": lambda ctx: ctx.token.mint(
        10**18, ctx.depositor, _quote(ctx, "previewMint", 10**18) - 1, sender=ctx.depositor
    ),
    "withdraw max_shares = preview - 1": lambda ctx: ctx.token.withdraw(
        100 * USDC, ctx.depositor, ctx.depositor, _quote(ctx, "previewWithdraw", 100 * USDC) - 1, sender=ctx.depositor
    ),
    "redeem min_assets = preview + 1": lambda ctx: ctx.token.redeem(
        10**18, ctx.depositor, ctx.depositor, _quote(ctx, "previewRedeem", 10**18) + 1, sender=ctx.depositor
    ),
}
EXPIRED_CASES = {
    "deposit": lambda ctx: ctx.token.deposit(USDC * 100, ctx.depositor, 0, _past(ctx), sender=ctx.depositor),
    "mint": lambda ctx: ctx.token.mint(10**18, ctx.depositor, MAX_UINT256, _past(ctx), sender=ctx.depositor),
    "withdraw": lambda ctx: ctx.token.withdraw(
        USDC, ctx.depositor, ctx.depositor, MAX_UINT256, _past(ctx), sender=ctx.depositor
    ),
    "redeem": lambda ctx: ctx.token.redeem(10**18, ctx.depositor, ctx.depositor, 0, _past(ctx), sender=ctx.depositor),
    "permit": lambda ctx: ctx.token.permit(
        ctx.depositor, ctx.attacker, 1, _past(ctx), 27, b"\x01" * 32, b"\x01" * 32, sender=ctx.attacker
    ),
}


def receiver_cases() -> dict[str, Callable[[Ctx, str], Any]]:
    """Every entry point that names a receiver (or spender): the zero address and the token itself."""
    return {
        "deposit": lambda ctx, r: ctx.token.deposit(100 * USDC, r, sender=ctx.depositor),
        "mint": lambda ctx, r: ctx.token.mint(10**18, r, sender=ctx.depositor),
        "withdraw": lambda ctx, r: ctx.token.withdraw(USDC, r, ctx.depositor, sender=ctx.depositor),
        "redeem": lambda ctx, r: ctx.token.redeem(10**18, r, ctx.depositor, sender=ctx.depositor),
        "transfer": lambda ctx, r: ctx.token.transfer(r, 1, sender=ctx.depositor),
        "transferFrom": lambda ctx, r: ctx.token.transferFrom(ctx.depositor, r, 1, sender=ctx.other),
        "approve": lambda ctx, r: ctx.token.approve(r, 1, sender=ctx.depositor),
    }


# ERC-20 transfers to the token itself are allowed (the shares are then locked there)
TOKEN_MAY_RECEIVE = ("transfer", "transferFrom", "approve")


@pytest.mark.parametrize("case", sorted(SLIPPAGE_CASES))
def test_unreachable_bound__reverts_slippage(band_due, case):
    run_case(band_due, "normal", lambda: SLIPPAGE_CASES[case](band_due), "lt: slippage")


@pytest.mark.parametrize("name", sorted(EXPIRED_CASES))
def test_deadline_in_the_past__reverts_expired(band_due, name):
    run_case(band_due, "normal", lambda: EXPIRED_CASES[name](band_due), "lt: expired")


@pytest.mark.parametrize("receiver", ["zero address", "the token"])
@pytest.mark.parametrize("name", sorted(receiver_cases()))
def test_bad_receiver__reverts_receiver(band_due, name, receiver):
    address = ZERO_ADDRESS if receiver == "zero address" else band_due.token.address
    expected = None if receiver == "the token" and name in TOKEN_MAY_RECEIVE else "lt: receiver"
    run_case(band_due, "normal", lambda: receiver_cases()[name](band_due, address), expected)


@pytest.mark.parametrize(
    "name",
    ["redeem", "withdraw", "transferFrom"],
)
def test_owner_is_not_caller_without_allowance__reverts_allowance(band_due, name):
    calls = {
        "redeem": lambda: band_due.token.redeem(
            10**18, band_due.attacker, band_due.depositor, sender=band_due.attacker
        ),
        "withdraw": lambda: band_due.token.withdraw(
            USDC, band_due.attacker, band_due.depositor, sender=band_due.attacker
        ),
        "transferFrom": lambda: band_due.token.transferFrom(
            band_due.depositor, band_due.attacker, 1, sender=band_due.attacker
        ),
    }
    run_case(band_due, "normal", calls[name], "lt: allowance")


# ---------------------------------------------------------------- splits and setters outside their bounds


@pytest.mark.parametrize(
    ("factor", "expected"),
    [
        (0, "lt: bounds"),
        (1, "lt: bounds"),
        (2, None),
        (10_000, None),
        (10_001, "lt: bounds"),
        (MAX_UINT256, "lt: bounds"),
    ],
)
@pytest.mark.parametrize("name", ["split", "reverse_split"])
def test_split_factor__outside_two_to_ten_thousand__reverts_bounds(band_due, name, factor, expected):
    run_case(band_due, "normal", lambda: getattr(band_due.token, name)(factor, sender=band_due.admin), expected)


def _setter_cases() -> list[tuple[str, tuple, str | None]]:
    """(configurator setter, arguments after the token, expected) at each hard bound (succeeds: the
    change acts at once or is queued) and one step outside ("configurator: bounds")."""
    fees = (10, 10, 365)
    limits = (10_000_000 * USDC, 50, 3_600)
    execution = (86_400, 120, 50, 1_000_000 * USDC, 60)
    incentives = (2_000_000 * USDC, 10 * USDC, 3_600)
    target = 3 * WAD
    upper = target * (10_000 + 2_000) // 10_000  # band 20 %: 3.6x
    cases = []

    def vary(name, base, index, ok_values, bad_values):
        for value in ok_values:
            cases.append((name, (*base[:index], value, *base[index + 1 :]), None))
        for value in bad_values:
            cases.append((name, (*base[:index], value, *base[index + 1 :]), "configurator: bounds"))

    vary("set_fees", fees, 0, [0, MAX_MINT_FEE_BPS], [MAX_MINT_FEE_BPS + 1, MAX_UINT256])
    vary("set_fees", fees, 1, [0, MAX_REDEEM_FEE_BPS], [MAX_REDEEM_FEE_BPS + 1])
    vary("set_fees", fees, 2, [0, MAX_MANAGEMENT_FEE_BPS], [MAX_MANAGEMENT_FEE_BPS + 1])
    vary("set_limits", limits, 0, [0, MAX_UINT256], [])  # the cap is unbounded
    vary("set_limits", limits, 1, [1, MAX_SLIPPAGE_BPS], [0, MAX_SLIPPAGE_BPS + 1])
    vary("set_limits", limits, 2, [MIN_PRICE_AGE, MAX_PRICE_AGE], [MIN_PRICE_AGE - 1, MAX_PRICE_AGE + 1])
    vary("set_split_band", (USDC, 10_000 * USDC), 0, [1, 100 * USDC], [0, 100 * USDC + 1])
    vary("set_split_band", (USDC, 10_000 * USDC), 1, [100 * USDC, MAX_UINT256], [100 * USDC - 1, 0])
    band = (2_000, math.default_ripcord_leverage(target))  # the target (3x) is fixed
    vary("set_leverage_band", band, 0, [MIN_BAND_BPS, 4_000], [MIN_BAND_BPS - 1, MAX_BAND_BPS + 1])
    twice = target * MAX_RIPCORD_TARGET_BPS // 10_000  # 6x
    vary("set_leverage_band", band, 1, [upper + 1, twice], [upper, twice + 1, VENUE_MAX_LEVERAGE + 1])
    vary("set_execution", execution, 0, [MIN_REBALANCE_INTERVAL, MAX_REBALANCE_INTERVAL], [3_599, 604_801])
    vary("set_execution", execution, 1, [0, 86_399], [86_400, MAX_UINT256])
    vary("set_execution", execution, 2, [0, MAX_MIN_DRIFT_BPS], [MAX_MIN_DRIFT_BPS + 1])
    vary("set_execution", execution, 3, [MIN_TRADE_NOTIONAL, MAX_TRADE_NOTIONAL], [MIN_TRADE_NOTIONAL - 1, 0])
    vary("set_execution", execution, 3, [], [MAX_TRADE_NOTIONAL + 1, MAX_UINT256])
    vary("set_execution", execution, 4, [0, MAX_TWAP_COOLDOWN], [MAX_TWAP_COOLDOWN + 1])
    # the 10 USDC reward needs a chunk of at least 10,000 USDC (10 bps)
    smallest = incentives[1] * 10_000 // MAX_RIPCORD_REWARD_CHUNK_BPS
    vary("set_incentives", incentives, 0, [smallest, MAX_TRADE_NOTIONAL], [0, smallest - 1, MAX_TRADE_NOTIONAL + 1])
    vary("set_incentives", (MIN_TRADE_NOTIONAL, 0, 3_600), 0, [MIN_TRADE_NOTIONAL], [MIN_TRADE_NOTIONAL - 1])
    vary("set_incentives", incentives, 1, [0, MAX_RIPCORD_REWARD], [MAX_RIPCORD_REWARD + 1, MAX_UINT256])
    vary("set_incentives", incentives, 2, [MIN_KEEPER_GRACE, MAX_KEEPER_GRACE], [MIN_KEEPER_GRACE - 1, 86_401])
    vary("set_delay", (MIN_DELAY,), 0, [MIN_DELAY, MAX_DELAY], [0, MIN_DELAY - 1, MAX_DELAY + 1])
    return cases


SETTER_CASES = _setter_cases()


@pytest.mark.parametrize(
    ("setter", "args", "expected"),
    SETTER_CASES,
    ids=[f"{name}{args}->{'ok' if expected is None else 'bounds'}" for name, args, expected in SETTER_CASES],
)
def test_setter__at_its_bound_succeeds_and_outside_reverts_bounds(band_due, setter, args, expected):
    configurator = band_due.s.configurator
    run_case(
        band_due,
        "normal",
        lambda: getattr(configurator, setter)(band_due.token, *args, sender=band_due.admin),
        expected,
    )


# ---------------------------------------------------------------- oracle and venue faults


def fault_calls(ctx) -> dict[str, Callable[[], Any]]:
    return {
        "deposit": lambda: ctx.token.deposit(1_000 * USDC, ctx.depositor, sender=ctx.depositor),
        "mint": lambda: ctx.token.mint(10**18, ctx.depositor, sender=ctx.depositor),
        "withdraw": lambda: ctx.token.withdraw(100 * USDC, ctx.depositor, ctx.depositor, sender=ctx.depositor),
        "redeem": lambda: ctx.token.redeem(10**18, ctx.depositor, ctx.depositor, sender=ctx.depositor),
        "rebalance": lambda: ctx.token.rebalance(sender=ctx.keeper),
    }


# condition -> the reason each trading entry point gives (None: succeeds)
FAULTS = {
    "paused": {"deposit": "lt: paused", "mint": "lt: paused", "withdraw": None, "redeem": None, "rebalance": None},
    "stale oracle": dict.fromkeys(("deposit", "mint", "withdraw", "redeem", "rebalance"), "lt: stale price"),
    "zero answer": dict.fromkeys(("deposit", "mint", "withdraw", "redeem", "rebalance"), "lt: stale price"),
    "negative answer": dict.fromkeys(("deposit", "mint", "withdraw", "redeem", "rebalance"), "lt: stale price"),
    "incomplete round": dict.fromkeys(("deposit", "mint", "withdraw", "redeem", "rebalance"), "lt: stale price"),
    "venue paused": dict.fromkeys(("deposit", "mint", "withdraw", "redeem", "rebalance"), "venue: paused"),
    "venue liquidity exhausted": {
        # previews quote the venue too, so mint and withdraw stop at the quote
        **dict.fromkeys(("deposit", "mint", "withdraw", "redeem", "rebalance"), "venue: liquidity"),
    },
}


@pytest.mark.parametrize("name", ["deposit", "mint", "withdraw", "redeem", "rebalance"])
@pytest.mark.parametrize("condition", sorted(FAULTS))
def test_oracle_or_venue_fault__blocks_trading_with_a_clear_reason(band_due, condition, name):
    run_case(band_due, condition, fault_calls(band_due)[name], FAULTS[condition][name])


# ---------------------------------------------------------------- completeness


# the role each uint256 argument of a state-changing function plays in the cases above
ROLES = {
    **{
        (name, arg): "amount"
        for name, arg in [
            ("transfer", "amount"),
            ("transferFrom", "amount"),
            ("approve", "amount"),
            ("deposit", "assets"),
            ("mint", "shares"),
            ("withdraw", "assets"),
            ("redeem", "shares"),
        ]
    },
    **{
        (name, arg): "bound"
        for name, arg in [
            ("deposit", "min_shares"),
            ("mint", "max_assets"),
            ("withdraw", "max_shares"),
            ("redeem", "min_assets"),
        ]
    },
    **{(name, "deadline"): "deadline" for name in ("deposit", "mint", "withdraw", "redeem", "permit")},
    ("split", "factor"): "factor",
    ("reverse_split", "factor"): "factor",
    ("permit", "amount"): "signed",  # covered by the signature; a past deadline is tested
    **{
        (name, arg): "setter"
        for name, arg in [
            ("set_fees", "mint_fee_bps"),
            ("set_fees", "redeem_fee_bps"),
            ("set_fees", "management_fee_bps"),
            ("set_limits", "max_total_assets"),
            ("set_limits", "max_slippage_bps"),
            ("set_limits", "max_price_age"),
            ("set_split_band", "split_lower_nav"),
            ("set_split_band", "split_upper_nav"),
            ("set_leverage_band", "band_bps"),
            ("set_leverage_band", "ripcord_leverage"),
            ("set_execution", "rebalance_interval"),
            ("set_execution", "rebalance_offset"),
            ("set_execution", "min_drift_bps"),
            ("set_execution", "max_trade_notional"),
            ("set_execution", "twap_cooldown"),
            ("set_incentives", "ripcord_trade_notional"),
            ("set_incentives", "ripcord_reward"),
            ("set_incentives", "keeper_grace"),
            ("set_delay", "delay"),
        ]
    },
}


def test_every_abi_argument_has_edge_cases(band_due):
    """Generated from the ABIs of the token and its configurator: every uint256 argument of every
    state-changing function is classified above, and every amount / setter / receiver has cases."""
    unclassified = []
    for item in [*band_due.token.abi, *band_due.s.configurator.abi]:
        if item.get("type") != "function" or item.get("stateMutability") in ("view", "pure"):
            continue
        for arg in item["inputs"]:
            if arg["type"] == "uint256" and (item["name"], arg["name"]) not in ROLES:
                unclassified.append((item["name"], arg["name"]))
    assert not unclassified, f"uint256 arguments without edge cases: {unclassified}"
    assert {name for (name, _), role in ROLES.items() if role == "amount"} == set(ENTRIES)
    assert {name for (name, _), role in ROLES.items() if role == "setter"} == {name for name, _, _ in SETTER_CASES}
    assert {name for (name, _), role in ROLES.items() if role == "bound"} == {c.split()[0] for c in SLIPPAGE_CASES}
    assert set(receiver_cases()) == set(ENTRIES)
