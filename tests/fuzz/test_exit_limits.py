"""Exits and entries against the venue's own limits (issue 14, M1 and L2), as plain tests.

M1: in a steady trend a long fund's rebalances only add, so its PnL is never realised while
funding and fees drain the venue margin; the venue releases min(margin, equity - initial margin),
so once the margin is below zero every exit reverted "venue: margin" although the fund was deep in
profit. A redeem now realises PnL itself (it closes a further part of the fund's position and
reopens it; the fund pays its own part of that round trip, the redeemer its own trades, and the
excess of trading both in one order is split by units), the keeper's rebalance does the same
whenever its trade would leave the margin below zero (the fund pays), and max* promise only what
the venue releases.
L2: max* ignored the venue's refusals (trading paused, its maximum leverage, what it releases).
The exits from the profitable fund with the margin below zero are in
test_exit_limits_negative_margin.py and test_exit_limits_deep_negative_margin.py (each builds its
fund once per module); the paths and checks they share are in exit_limits.py.
"""

from __future__ import annotations

import boa
import pytest

from fuzz.chain import BTC_DEPTH, USDC, WAD, attempt, configure, model_fund, stack, venue_account
from fuzz.exit_limits import (
    DRIFT_BPS_PER_DAY,
    FUNDING_BPS_PER_8H,
    ONE_SHARE,
    assert_small_exit_pays_its_value,
    rebalance_fully,
    trend,
)
from ltsdk.errors import ModelRevert


@pytest.fixture
def s():
    with boa.env.anchor():
        yield stack()


@pytest.fixture
def large_fund_with_negative_margin(s):
    """The review's large fund (F1): BTC5L seeded with 30M USDC in the trend, the keeper
    rebalancing daily for 40 days (NAV ~170M), then a flat market with the keeper down until
    funding has taken the venue margin below zero, and one day more (margin ~ -56 bps of NAV):
    the position is ~8 % of the venue's depth, so one order of the slice and the whole of the
    fund's part breaks the fund's price limit."""
    token, depositor = s.tokens["BTC5L"], s.actors.depositor
    configure(s, token, "set_limits", 10**9 * USDC, token.max_slippage_bps(), token.max_price_age())
    s.usdc.mint(depositor, 30_000_000 * USDC, sender=depositor)
    for _ in range(20):  # the venue's maximum leverage bounds one deposit's trade
        token.deposit(1_500_000 * USDC, depositor, sender=depositor)
    trend(s, token, days=40, keeper=True, chunks=300)  # chunks of max_trade_notional (1M USDC)
    assert trend(s, token, days=60, keeper=False, drift_bps_per_day=0, until_margin_negative=True)[-1] < 0
    trend(s, token, days=1, keeper=False, drift_bps_per_day=0)
    nav = token.totalAssets()
    margin = s.venue.position(token)[2] - s.venue.funding_owed(token)
    assert -80 * nav // 10_000 < margin < -30 * nav // 10_000
    assert 0.06 < nav * WAD // USDC / BTC_DEPTH < 0.10  # NAV / the venue's depth
    return token


def test_redeem__large_fund_while_venue_margin_is_negative__stays_within_the_price_limit(
    s, large_fund_with_negative_margin
):
    """The review (F1): the fund's part did not depend on the exit's size nor on the fund's
    limits, so on a large fund every redeem's one order broke the price limit ("venue:
    slippage") and maxRedeem was 0, sooner than before the fund's part existed. Where the limit
    binds the part is now cut to it (and only there), and a small exit still pays its value."""
    token, depositor = large_fund_with_negative_margin, s.actors.depositor
    most = token.maxRedeem(depositor)
    assert most > 100 * ONE_SHARE  # before the bound: 0
    model = model_fund(s, token)
    now = boa.env.timestamp
    close, reopen, fund_cost = s.views.exit_trades(token.internal._snapshot(), most)
    assert model.exit_trades(model.snapshot(now), most, now) == (close, reopen, fund_cost)
    for trade in (close, reopen):
        assert model._limit_slack(model.snapshot(now), token.max_slippage_bps(), trade) >= 0
    preview = token.previewRedeem(most)
    with boa.env.anchor():
        ok, paid = attempt(lambda: token.redeem(most, depositor, depositor, sender=depositor))
        assert ok, f"redeem(maxRedeem) reverts {paid!r}"
        assert paid == preview
    # and it is close to the largest exit that succeeds (not half of it, as halving alone left it)
    with boa.env.anchor():
        larger = most + most // 8 + 1
        assert attempt(lambda: token.redeem(larger, depositor, depositor, sender=depositor)) == (
            False,
            "venue: slippage",
        )
    assert_small_exit_pays_its_value(s, token, depositor, ONE_SHARE)


def test_rebalance__in_a_long_trend_with_funding__keeps_the_venue_margin_above_zero(s):
    """Before the fix the keeper's rebalances only added in the trend and the margin fell below
    zero on day ~55 of this path; each rebalance whose trade would leave it there now closes a
    part of the position first (realising its PnL) and buys it back with its own trade."""
    token, depositor = s.tokens["BTC5L"], s.actors.depositor
    token.deposit(1_000_000 * USDC, depositor, sender=depositor)
    margins = trend(s, token, days=75, keeper=True)
    assert token.totalAssets() > 10 * 1_000_000 * USDC
    assert min(margins) >= 0
    assert abs(token.current_leverage() - 5 * WAD) < WAD // 10


def test_rebalance__realising_pnl__chain_and_model_agree_to_the_wei(s):
    token, depositor = s.tokens["BTC5L"], s.actors.depositor
    token.deposit(1_000_000 * USDC, depositor, sender=depositor)
    trend(s, token, days=40, keeper=True)
    for _ in range(20):  # the trend goes on until a rebalance has to realise
        trend(s, token, days=1, keeper=False)
        model = model_fund(s, token)
        now = boa.env.timestamp
        _, size_delta, _ = model.rebalance_status(now)
        realise = model.rebalance_realise(model.snapshot(now), size_delta, now)
        if realise:
            break
        rebalance_fully(s, token)
    assert realise > 0

    assert token.rebalance(sender=s.actors.keeper) == model.rebalance(now)[1]
    assert venue_account(s.venue, token.address) == model.venue.accounts[token.address]
    assert token.last_rebalance_price() == model.last_rebalance_price
    assert s.venue.position(token)[2] >= 0


@pytest.mark.parametrize("shares", [ONE_SHARE, 2_000 * ONE_SHARE])
def test_redeem__short_fund_in_a_falling_trend_with_margin_negative__chain_and_model_agree_to_the_wei(s, shares):
    """The mirror of the review's path: BTC5S, BTC -1 %/day for 40 days with the keeper, then a flat
    market with shorts paying funding and the keeper down until the margin is below zero."""
    token, depositor = s.tokens["BTC5S"], s.actors.depositor
    token.deposit(1_000_000 * USDC, depositor, sender=depositor)
    trend(s, token, days=40, keeper=True, drift_bps_per_day=-DRIFT_BPS_PER_DAY, funding_bps_per_8h=-FUNDING_BPS_PER_8H)
    margins = trend(
        s,
        token,
        days=200,
        keeper=False,
        drift_bps_per_day=0,
        until_margin_negative=True,
        funding_bps_per_8h=-FUNDING_BPS_PER_8H,
    )
    assert margins[-1] < 0
    model = model_fund(s, token)
    now = boa.env.timestamp
    close, reopen, fund_cost = model.exit_trades(model.snapshot(now), shares, now)
    assert close > 0 and reopen < 0 and fund_cost > 0  # a short buys back its slice and more, then sells that again
    assert s.views.exit_trades(token.internal._snapshot(), shares) == (close, reopen, fund_cost)

    expected = model.redeem(shares, depositor, now)
    assert token.previewRedeem(shares) == expected
    assert token.redeem(shares, depositor, depositor, sender=depositor) == expected
    assert venue_account(s.venue, token.address) == model.venue.accounts[token.address]
    assert s.venue.position(token)[2] >= 0


@pytest.fixture
def fund_past_venue_max_leverage(s):
    """BTC3L with 1M USDC after BTC -30 % and no ripcord: 21.55x, past the venue's 20x."""
    token, depositor = s.tokens["BTC3L"], s.actors.depositor
    token.deposit(1_000_000 * USDC, depositor, sender=depositor)
    answer = s.oracle.latestRoundData()[1]
    s.oracle.set_price(answer * 70 // 100, sender=s.actors.admin)
    assert token.current_leverage() > s.venue.max_leverage()
    return token


def test_max_deposit__past_the_venue_max_leverage__is_zero(s, fund_past_venue_max_leverage):
    token, other = fund_past_venue_max_leverage, s.actors.other_depositor
    assert attempt(lambda: token.deposit(1_000 * USDC, other, sender=other)) == (False, "venue: max leverage")
    assert token.maxDeposit(other) == 0
    assert token.maxMint(other) == 0


def test_max_redeem__past_the_venue_max_leverage__is_zero_while_the_venue_releases_nothing(
    s, fund_past_venue_max_leverage
):
    token, depositor = fund_past_venue_max_leverage, s.actors.depositor
    assert s.venue.max_withdrawable(token) == 0
    assert attempt(lambda: token.redeem(ONE_SHARE, depositor, depositor, sender=depositor)) == (False, "venue: margin")
    assert token.maxRedeem(depositor) == 0
    assert token.maxWithdraw(depositor) == 0


@pytest.mark.parametrize("symbol", ["BTC3L", "BTC5S"])
def test_max_views__while_venue_trading_is_paused__are_zero(s, symbol):
    token, depositor = s.tokens[symbol], s.actors.depositor
    token.deposit(100_000 * USDC, depositor, sender=depositor)
    s.venue.set_trading_paused(True, sender=s.actors.admin)
    assert attempt(lambda: token.redeem(ONE_SHARE, depositor, depositor, sender=depositor)) == (False, "venue: paused")
    assert attempt(lambda: token.deposit(1_000 * USDC, depositor, sender=depositor)) == (False, "venue: paused")
    assert token.maxRedeem(depositor) == 0
    assert token.maxWithdraw(depositor) == 0
    assert token.maxDeposit(depositor) == 0
    assert token.maxMint(depositor) == 0
    # the reference model refuses the same trades
    model, now = model_fund(s, token), boa.env.timestamp
    with pytest.raises(ModelRevert, match="venue: paused"):
        model.redeem(ONE_SHARE, depositor, now)


@pytest.mark.parametrize("size_delta, reopen_delta", [(-(10**17), 0), (-3 * 10**17, 2 * 10**17), (10**17, -(10**17))])
def test_venue_preview_account__margin_then_two_trades__is_what_they_leave(s, size_delta, reopen_delta):
    """MockPerpAdapter.preview_account (and its replica) against the account the same deposit and
    trades leave in the same block, with funding accruing."""
    trader, venue = s.actors.outsider, s.venue
    venue.set_funding_rate_per_second(10**10, sender=s.actors.admin)
    venue.deposit(10_000 * USDC, sender=trader)
    venue.trade(10**18, 2**255, sender=trader)
    boa.env.time_travel(seconds=3_000)
    s.oracle.set_price(s.oracle.latestRoundData()[1] * 11 // 10, sender=s.actors.admin)
    preview = venue.preview_account(trader, 500 * USDC, size_delta, reopen_delta)
    model = model_fund(s, s.tokens["BTC3L"]).venue
    model.accounts[trader] = venue_account(venue, trader)
    assert model.preview_account(trader, 500 * USDC, size_delta, reopen_delta, boa.env.timestamp) == (
        preview.equity,
        preview.withdrawable,
        preview.margin,
        preview.accepted,
    )

    venue.deposit(500 * USDC, sender=trader)
    for delta in (size_delta, reopen_delta):
        if delta:
            venue.trade(delta, 2**255 if delta > 0 else 0, sender=trader)
    assert preview.accepted
    assert (preview.equity, preview.withdrawable, preview.margin) == (
        venue.equity(trader),
        venue.max_withdrawable(trader),
        venue.position(trader)[2],
    )
