"""Exits and entries against the venue's own limits (issue 14, M1 and L2), as plain tests.

M1: in a steady trend a long fund's rebalances only add, so its PnL is never realised while
funding and fees drain the venue margin; the venue releases min(margin, equity - initial margin),
so once the margin is below zero every exit reverted "venue: margin" although the fund was deep in
profit. A redeem now realises PnL itself (it closes a further part of the fund's position and
reopens it, paying that round trip out of its own payout), and max* promise only what the venue
releases.
L2: max* ignored the venue's refusals (trading paused, its maximum leverage, what it releases).
"""

from __future__ import annotations

import boa
import pytest

from fuzz.chain import USDC, WAD, attempt, model_fund, stack, venue_account
from ltsdk.codes import Reason
from ltsdk.errors import ModelRevert

ONE_SHARE = 10**18
EIGHT_HOURS = 8 * 3_600


@pytest.fixture
def s():
    with boa.env.anchor():
        yield stack()


def rebalance_fully(s, token) -> None:
    """The keeper's rebalance, chunk after chunk (each after the cooldown), until none is due."""
    for _ in range(20):
        reason, _ = token.rebalance_status()
        if reason == Reason.NONE:
            return
        token.rebalance(sender=s.actors.keeper)
        boa.env.time_travel(seconds=token.twap_cooldown())
    raise AssertionError("the rebalance did not finish in 20 chunks")


def trend_until_margin_negative(s, token, funding_bps_per_8h: int, drift_bps_per_day: int, max_days: int) -> int:
    """A steady trend with funding and a daily keeper, until the fund's venue margin is below zero.
    Returns the number of days it took."""
    s.venue.set_funding_rate_per_second(funding_bps_per_8h * WAD // 10_000 // EIGHT_HOURS, sender=s.actors.admin)
    answer = s.oracle.latestRoundData()[1]
    for day in range(1, max_days + 1):
        boa.env.time_travel(seconds=86_400)
        answer = answer * (10_000 + drift_bps_per_day) // 10_000
        s.oracle.set_price(answer, sender=s.actors.admin)
        rebalance_fully(s, token)
        if s.venue.position(token)[2] < 0:
            return day
    raise AssertionError(f"the venue margin stayed positive for {max_days} days")


@pytest.fixture
def profitable_fund_with_negative_margin(s):
    """The review's path, shortened: BTC5L seeded with 1M USDC, funding 0.03 %/8 h, BTC +1 %/day,
    the keeper rebalancing every day (the review: 0.01 %/8 h, +0.3 %/day, day 172)."""
    token, depositor = s.tokens["BTC5L"], s.actors.depositor
    token.deposit(1_000_000 * USDC, depositor, sender=depositor)
    days = trend_until_margin_negative(s, token, funding_bps_per_8h=3, drift_bps_per_day=100, max_days=90)
    # the review's state: NAV many times the seed at ~5x, margin below zero, nothing withdrawable
    assert days < 90
    assert token.totalAssets() > 5 * 1_000_000 * USDC
    assert 4 * WAD < token.current_leverage() < 6 * WAD
    assert s.venue.position(token)[2] < 0
    assert s.venue.max_withdrawable(token) == 0
    return token


def test_redeem__while_venue_margin_is_negative_in_a_profitable_trend__realises_pnl_and_succeeds(
    s, profitable_fund_with_negative_margin
):
    token, depositor = profitable_fund_with_negative_margin, s.actors.depositor
    preview = token.previewRedeem(ONE_SHARE)
    nav_per_share_before = token.nav_per_share()  # the supply counts the management fee due
    supply_before = token.totalSupply()
    size_before = s.venue.position(token)[0]

    ok, paid = attempt(lambda: token.redeem(ONE_SHARE, depositor, depositor, sender=depositor))

    assert ok, f"redeem of one share reverts {paid!r}"
    assert paid == preview
    # the redeemer paid for the round trip: those who stay lose nothing per share
    assert token.nav_per_share() >= nav_per_share_before
    # the position is the pro-rata remainder of the supply the redeem priced on; the margin is
    # back above zero
    supply_priced = token.totalSupply() + ONE_SHARE
    assert supply_priced >= supply_before
    size, _, margin = s.venue.position(token)
    assert size == size_before - size_before * ONE_SHARE // supply_priced
    assert margin >= 0


@pytest.mark.parametrize("shares", [ONE_SHARE, 25 * ONE_SHARE])
def test_redeem__realising_pnl__chain_and_model_agree_to_the_wei(s, profitable_fund_with_negative_margin, shares):
    """The reference model (ltsdk.replica) makes the same round trip: same trades, same payout,
    same venue account after."""
    token, depositor = profitable_fund_with_negative_margin, s.actors.depositor
    model = model_fund(s, token)
    now = boa.env.timestamp
    close, reopen = model.exit_trades(model.snapshot(now), shares, now)
    assert reopen != 0 and abs(close) > abs(reopen)  # the slice, and a further part closed and reopened
    assert s.views.exit_trades(token.internal._snapshot(), shares) == (close, reopen)

    expected = model.redeem(shares, depositor, now)
    assert token.redeem(shares, depositor, depositor, sender=depositor) == expected
    assert venue_account(s.venue, token.address) == model.venue.accounts[token.address]
    assert token.totalAssets() == model.nav(now)


def test_max_redeem__while_venue_margin_is_negative__is_what_redeem_and_withdraw_pay(
    s, profitable_fund_with_negative_margin
):
    token, depositor = profitable_fund_with_negative_margin, s.actors.depositor
    most = token.maxRedeem(depositor)
    assert most > 0
    with boa.env.anchor():
        most_assets = token.maxWithdraw(depositor)
        ok, reason = attempt(lambda: token.withdraw(most_assets, depositor, depositor, sender=depositor))
        assert ok, f"withdraw(maxWithdraw) reverts {reason!r}"
    with boa.env.anchor():
        ok, reason = attempt(lambda: token.redeem(most // 1_000, depositor, depositor, sender=depositor))
        assert ok, f"redeem(maxRedeem / 1000) reverts {reason!r}"
    ok, reason = attempt(lambda: token.redeem(most, depositor, depositor, sender=depositor))
    assert ok, f"redeem(maxRedeem) reverts {reason!r}"


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
