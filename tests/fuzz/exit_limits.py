"""The exit-limits tests' shared paths and checks (trends, the keeper's rebalance, the funds with
the venue margin below zero they run on); a plain module, so the test modules share it without
importing one another.
"""

from __future__ import annotations

import boa

from fuzz.chain import USDC, WAD, attempt
from ltsdk.codes import Reason
from ltsdk.types import TokenState

ONE_SHARE = 10**18
EIGHT_HOURS = 8 * 3_600


def rebalance_fully(s, token, chunks: int = 20) -> None:
    """The keeper's rebalance, chunk after chunk (each after the cooldown), until none is due."""
    for _ in range(chunks):
        reason, _ = token.rebalance_status()
        if reason == Reason.NONE:
            return
        token.rebalance(sender=s.actors.keeper)
        boa.env.time_travel(seconds=token.twap_cooldown())
    raise AssertionError(f"the rebalance did not finish in {chunks} chunks")


# the shortened trend: funding 0.03 %/8 h (longs pay), BTC +1 %/day (the review: 0.01 %/8 h, +0.3 %/day)
FUNDING_BPS_PER_8H = 3
DRIFT_BPS_PER_DAY = 100


def trend(
    s,
    token,
    days: int,
    keeper: bool,
    drift_bps_per_day: int = DRIFT_BPS_PER_DAY,
    until_margin_negative: bool = False,
    funding_bps_per_8h: int = FUNDING_BPS_PER_8H,
    chunks: int = 20,
) -> list[int]:
    """`days` of the steady trend (or of a flat market, `drift_bps_per_day` = 0) with funding
    (longs pay when positive), one oracle update a day, the keeper rebalancing after each (at
    most `chunks` calls a day; or nobody: the keeper is down). Stops early, if asked, once the
    venue margin is below zero. Returns the fund's venue margin at the end of each day, funding owed settled."""
    s.venue.set_funding_rate_per_second(funding_bps_per_8h * WAD // 10_000 // EIGHT_HOURS, sender=s.actors.admin)
    answer = s.oracle.latestRoundData()[1]
    margins = []
    for _ in range(days):
        boa.env.time_travel(seconds=86_400)
        answer = answer * (10_000 + drift_bps_per_day) // 10_000
        s.oracle.set_price(answer, sender=s.actors.admin)
        if keeper:
            rebalance_fully(s, token, chunks)
        margins.append(s.venue.position(token)[2] - s.venue.funding_owed(token))  # settled
        if until_margin_negative and margins[-1] < 0:
            break
    return margins


def build_profitable_fund_with_negative_margin(s):
    """The review's path, shortened: BTC5L seeded with 1M USDC in the trend, the keeper
    rebalancing every day for 40 days; then a flat market with the keeper down until funding has
    taken the venue margin below zero (before the fix the keeper's own rebalances let it fall
    there, on day ~55 of the trend; the review: day 172)."""
    token, depositor = s.tokens["BTC5L"], s.actors.depositor
    token.deposit(1_000_000 * USDC, depositor, sender=depositor)
    trend(s, token, days=40, keeper=True)
    assert trend(s, token, days=40, keeper=False, drift_bps_per_day=0, until_margin_negative=True)[-1] < 0
    # the review's state: NAV many times the seed at ~5x, margin below zero, nothing withdrawable
    assert token.totalAssets() > 5 * 1_000_000 * USDC
    assert 4 * WAD < token.current_leverage() < 6 * WAD
    assert s.venue.position(token)[2] - s.venue.funding_owed(token) < 0
    assert s.venue.max_withdrawable(token) == 0
    return token


def deepen_negative_margin(s, token):
    """The review of the first F1 fix (High): the profitable fund with funding left to drain its
    margin to below -800 bps of NAV (the keeper down), deeper than one rebalance chunk
    (max_trade_notional, 1M USDC of notional) of the fund's part repairs."""
    s.venue.set_funding_rate_per_second(FUNDING_BPS_PER_8H * WAD // 10_000 // EIGHT_HOURS, sender=s.actors.admin)
    for _ in range(200):
        if (s.venue.position(token)[2] - s.venue.funding_owed(token)) * 10_000 < -800 * token.totalAssets():
            break
        boa.env.time_travel(seconds=6 * 3_600)
        s.oracle.set_price(s.oracle.latestRoundData()[1], sender=s.actors.admin)
    margin = s.venue.position(token)[2] - s.venue.funding_owed(token)
    assert margin * 10_000 < -800 * token.totalAssets()
    # the repair is worth more than a chunk: the units it closes are more than max_trade_notional's
    _, reopen, _ = s.views.exit_trades(token.internal._snapshot(), ONE_SHARE)
    assert reopen * s.oracle.latestRoundData()[1] // 10**8 > token.max_trade_notional() * 10**12
    return token


def fund_fingerprint(s, token) -> tuple:
    """What a test that starts from a shared fund must find as it was built (its clock, supply,
    the depositor's shares, the venue account and price, the limits the tests change): a test
    module's function fixture checks it, so a change that leaked from one test to the next fails
    loudly."""
    return (
        boa.env.timestamp,
        token.totalSupply(),
        token.balanceOf(s.actors.depositor),
        s.venue.position(token),
        s.venue.depth(),
        s.oracle.latestRoundData()[1],
        token.max_trade_notional(),
    )


def shared_fund(s, token) -> tuple:
    """A fund a module fixture built once, with its fingerprint as built (see as_built)."""
    return token, fund_fingerprint(s, token)


def as_built(s, shared: tuple):
    """The shared fund for one test, failing if an earlier test's changes leaked into it. Called
    from a function-scoped fixture, so titanoboa's plugin anchors the set-up and rolls the test's
    changes back at its finalization."""
    token, built = shared
    assert fund_fingerprint(s, token) == built
    return token


def redeem_cost_bps(token, redeemer) -> int:
    """What redeeming one share pays short of its value at NAV less the redeem fee, in bps of it."""
    fair = token.convertToAssets(ONE_SHARE) * (10_000 - token.redeem_fee_bps()) // 10_000
    paid = token.redeem(ONE_SHARE, redeemer, redeemer, sender=redeemer)
    return (fair - paid) * 10_000 // fair


def assert_small_exit_pays_its_value(s, token, redeemer, shares: int) -> None:
    """Redeeming `shares` pays its preview, and that is its value at NAV less the redeem fee,
    less no more than its pro-rata part of the fund's repair (`fund_cost`) and twice what its
    slice's trade costs alone (the slice, and its share of the one order's extra impact)."""
    snap = token.internal._snapshot()
    supply = snap[2]
    close, reopen, fund_cost = s.views.exit_trades(snap, shares)
    slice_ = close + reopen
    equity = s.venue.preview_account(token, 0, 0, 0)[0]
    slice_cost = equity - s.venue.preview_account(token, 0, slice_, 0)[0]
    worth = token.convertToAssets(shares)
    fair = worth - worth * token.redeem_fee_bps() // 10_000
    preview = token.previewRedeem(shares)
    ok, paid = attempt(lambda: token.redeem(shares, redeemer, redeemer, sender=redeemer))
    assert ok, f"redeem of {shares / ONE_SHARE} shares reverts {paid!r}"
    assert paid == preview
    assert fair - paid <= fund_cost * shares // supply + 2 * slice_cost + 2, (fair, paid, fund_cost, slice_cost)


def lens_state(s, token, symbol: str) -> TokenState:
    row = s.lens.state_of(token)
    # the lens row's fields: TokenState's but for what the SDK adds (symbol, decimals, kind)
    names = [name for name in TokenState.__dataclass_fields__ if name not in ("symbol", "asset_decimals", "kind")]
    return TokenState(symbol=symbol, **dict(zip(names, row, strict=True)))
