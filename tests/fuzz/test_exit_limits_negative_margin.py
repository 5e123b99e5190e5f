"""Exits from the profitable fund whose venue margin funding has taken below zero (issue 14, M1;
see test_exit_limits.py): the fund is built once for the module (its 40 + ~40 day path is the
costly part) and each test starts from it, its own changes rolled back.
"""

from __future__ import annotations

import boa
import pytest

from fuzz.chain import WAD, attempt, model_fund, stack, venue_account
from fuzz.exit_limits import (
    ONE_SHARE,
    as_built,
    build_profitable_fund_with_negative_margin,
    lens_state,
    redeem_cost_bps,
    shared_fund,
)
from ltsdk import quote
from ltsdk.errors import VenueError
from ltsdk.math import VenueParams


@pytest.fixture
def s():
    """The session's stack (function-scoped, as `s` is in every module of this directory: one
    name, one scope); this module's fund is built on it once by the module fixture below."""
    return stack()


@pytest.fixture(scope="module")
def _profitable_fund():
    s = stack()
    return shared_fund(s, build_profitable_fund_with_negative_margin(s))


@pytest.fixture
def profitable_fund_with_negative_margin(s, _profitable_fund):
    """The module's fund, as it was built."""
    return as_built(s, _profitable_fund)


def test_redeem__while_venue_margin_is_negative_in_a_profitable_trend__realises_pnl_and_succeeds(
    s, profitable_fund_with_negative_margin
):
    token, depositor = profitable_fund_with_negative_margin, s.actors.depositor
    preview = token.previewRedeem(ONE_SHARE)
    fund_cost = s.views.exit_trades(token.internal._snapshot(), ONE_SHARE)[2]
    nav_per_share_before = token.nav_per_share()  # the supply counts the management fee due
    supply_before = token.totalSupply()
    size_before = s.venue.position(token)[0]

    ok, paid = attempt(lambda: token.redeem(ONE_SHARE, depositor, depositor, sender=depositor))

    assert ok, f"redeem of one share reverts {paid!r}"
    assert paid == preview
    # the fund paid its own part of the round trip (restoring its margin), pro rata: NAV per share
    # fell by at most that part's cost per share, and the redeemer paid the rest
    assert nav_per_share_before - token.nav_per_share() <= fund_cost * WAD // supply_before + 1
    # the position is the pro-rata remainder of the supply the redeem priced on; the margin is
    # back above zero
    supply_priced = token.totalSupply() + ONE_SHARE
    assert supply_priced >= supply_before
    size, _, margin = s.venue.position(token)
    assert size == size_before - size_before * ONE_SHARE // supply_priced
    assert margin >= 0


def test_redeem__one_share_while_venue_margin_is_negative__costs_what_it_costs_with_margin_restored(
    s, profitable_fund_with_negative_margin
):
    """The review's finding against the first fix: the first exit after funding drained the
    margin closed and reopened enough to cover the fund's whole negative margin and paid that
    round trip itself (2,540 bps of one share; the next redeemer 38.5 bps). The fund now pays its
    own part of the repair, as the keeper's rebalance does, and the redeemer its own trades."""
    token, depositor = profitable_fund_with_negative_margin, s.actors.depositor
    cost_while_negative = redeem_cost_bps(token, depositor)
    assert s.venue.position(token)[2] - s.venue.funding_owed(token) >= 0  # restored
    cost_after = redeem_cost_bps(token, depositor)
    assert abs(cost_while_negative - cost_after) <= 3, (cost_while_negative, cost_after)


# 2,000 shares are 20 % of the supply: before the split by units, those who stay paid all of the
# extra impact of trading the fund's part in one order with that exit (~1,760 USDC, 3.3 bps of NAV)
@pytest.mark.parametrize("shares", [ONE_SHARE, 2_000 * ONE_SHARE])
def test_exit_trades__while_venue_margin_is_negative__splits_the_one_orders_extra_impact_by_units(
    s, profitable_fund_with_negative_margin, shares
):
    """The exit's slice and the fund's part trade in one order, which costs more than the two
    alone (the venue's impact grows with the order). The fund pays its own round trip and its
    units' share of that excess, the redeemer its own trades and the rest: neither pays much for
    the other, however large the exit."""
    token = profitable_fund_with_negative_margin
    close, reopen, fund_cost = s.views.exit_trades(token.internal._snapshot(), shares)
    exit_slice = close + reopen  # no part of the exit's own here: what is reopened is the fund's part
    assert exit_slice == -(s.venue.position(token)[0] * shares // token.totalSupply())

    def cost(trade: int, reopened: int) -> int:
        return s.venue.preview_account(token, 0, 0, 0)[0] - s.venue.preview_account(token, 0, trade, reopened)[0]

    fund_alone, exit_alone = cost(-reopen, reopen), cost(exit_slice, 0)
    excess = cost(close, reopen) - exit_alone - fund_alone
    assert excess > 0
    fund_units, exit_units = abs(reopen), abs(exit_slice)
    assert abs(fund_cost - (fund_alone + excess * fund_units // (fund_units + exit_units))) <= 2


def test_redeem__dust_while_venue_margin_is_negative__starts_the_fund_part_once(
    s, profitable_fund_with_negative_margin
):
    """Anyone can make the fund repair its margin (10^12 wei of shares pay ~0.0005 USDC), at the
    cost the keeper's repair would have; the repair leaves the margin positive, so the next exit
    does not start it again."""
    token, attacker = profitable_fund_with_negative_margin, s.actors.attacker
    dust = 10**12
    token.transfer(attacker, dust, sender=s.actors.depositor)
    assert s.views.exit_trades(token.internal._snapshot(), dust)[2] > 0
    preview = token.previewRedeem(dust)
    assert preview > 0
    assert token.redeem(dust, attacker, attacker, sender=attacker) == preview
    assert s.venue.position(token)[2] - s.venue.funding_owed(token) > 0
    _, reopen, fund_cost = s.views.exit_trades(token.internal._snapshot(), dust)
    assert (reopen, fund_cost) == (0, 0)


def test_exit_trades__large_exit_while_venue_margin_is_negative__realises_the_fund_part_for_those_who_stay(
    s, profitable_fund_with_negative_margin
):
    """The review (F2): the fund's part of an exit's realisation aimed at REBALANCE_MARGIN_BPS of
    the NAV before the exit and at the whole deficit, so a large exit had those who stay pay for
    a buffer on NAV that leaves with it. It now aims at the NAV that stays and the stayers' share
    of the deficit: the units the fund closes and reopens shrink with the exit, pro rata."""
    token = profitable_fund_with_negative_margin
    supply = token.internal._snapshot()[2]  # the supply the exit is priced on (fee shares due included)
    _, small_reopen, _ = s.views.exit_trades(token.internal._snapshot(), ONE_SHARE)
    large = supply // 5
    close, reopen, fund_cost = s.views.exit_trades(token.internal._snapshot(), large)
    assert close + reopen == -(s.venue.position(token)[0] * large // supply)  # no part of the exit's own
    # what is reopened is the fund's part: (supply - shares) / supply of it, rounded up per unit
    expected = small_reopen * (supply - large) // (supply - ONE_SHARE)
    assert abs(reopen - expected) <= expected // 10**9 + 2, (reopen, expected, small_reopen)
    model = model_fund(s, token)
    now = boa.env.timestamp
    assert model.exit_trades(model.snapshot(now), large, now) == (close, reopen, fund_cost)


def test_redeem__huge_max_trade_notional_while_margin_is_negative__pays_its_preview(
    s, profitable_fund_with_negative_margin
):
    """The review of the first F1 fix (Low): the exit read max_trade_notional, and near 2**256
    its chunk arithmetic overflowed, so every exit reverted. The exit no longer reads it (the
    configurator bounds it at 10**30; the value is written here directly)."""
    token, depositor = profitable_fund_with_negative_margin, s.actors.depositor
    token.eval("self.max_trade_notional = max_value(uint256)")
    assert token.max_trade_notional() == 2**256 - 1
    preview = token.previewRedeem(ONE_SHARE)
    ok, paid = attempt(lambda: token.redeem(ONE_SHARE, depositor, depositor, sender=depositor))
    assert ok, f"redeem reverts {paid!r}"
    assert paid == preview


def test_max_redeem__dust_balance_whose_redemption_pays_nothing__is_zero(s, profitable_fund_with_negative_margin):
    """The review (F4): withdraw(maxWithdraw) leaves a dust balance (~10^9 wei of shares, less
    than one base unit's worth); maxRedeem returned it, and redeem(maxRedeem) reverted "lt: zero"."""
    token, depositor, holder = profitable_fund_with_negative_margin, s.actors.depositor, s.actors.outsider
    token.transfer(holder, 10**9, sender=depositor)
    assert token.previewRedeem(10**9) == 0
    assert token.maxRedeem(holder) == 0
    token.withdraw(token.maxWithdraw(depositor), depositor, depositor, sender=depositor)
    most = token.maxRedeem(depositor)
    if token.previewRedeem(token.balanceOf(depositor)) == 0:
        assert most == 0
    if most:
        preview = token.previewRedeem(most)
        ok, paid = attempt(lambda: token.redeem(most, depositor, depositor, sender=depositor))
        assert ok, f"redeem(maxRedeem) after withdraw(maxWithdraw) reverts {paid!r}"
        assert paid == preview


def test_withdraw__while_venue_margin_is_negative__burns_what_its_preview_says_and_no_more_than_redeem_needs(
    s, profitable_fund_with_negative_margin
):
    token, depositor = profitable_fund_with_negative_margin, s.actors.depositor
    assets = token.previewRedeem(ONE_SHARE)
    shares = token.previewWithdraw(assets)
    assert token.previewRedeem(shares) >= assets  # the shares burned cover what is paid
    assert shares - ONE_SHARE <= ONE_SHARE // assets + 1  # at most the shares one base unit costs more
    balance = token.balanceOf(depositor)
    paid_before = s.usdc.balanceOf(depositor)
    assert token.withdraw(assets, depositor, depositor, sender=depositor) == shares
    assert token.balanceOf(depositor) == balance - shares
    assert s.usdc.balanceOf(depositor) - paid_before == assets


def test_offline_redeem_quote__while_the_exit_must_realise_pnl__refuses_and_agrees_once_the_margin_is_restored(
    s, profitable_fund_with_negative_margin
):
    token, depositor = profitable_fund_with_negative_margin, s.actors.depositor
    v = s.venue
    venue = VenueParams(v.half_spread_bps(), v.taker_fee_bps(), v.depth(), v.ASSET_SCALE())
    with pytest.raises(VenueError):
        quote.redeem_assets(lens_state(s, token, "BTC5L"), ONE_SHARE, venue)
    token.redeem(ONE_SHARE, depositor, depositor, sender=depositor)  # the fund's part restores the margin
    exact = token.previewRedeem(ONE_SHARE)
    assert abs(quote.redeem_assets(lens_state(s, token, "BTC5L"), ONE_SHARE, venue) - exact) * 10_000 <= exact


# 500 shares take more than the buffer the fund's part restores; their slice's own realised PnL pays
# them (with the margin below zero and nothing idle, the gain per unit exceeds NAV per unit), so
# the redeemer closes no further part of its own here
@pytest.mark.parametrize("shares", [ONE_SHARE, 25 * ONE_SHARE, 500 * ONE_SHARE])
def test_redeem__realising_pnl__chain_and_model_agree_to_the_wei(s, profitable_fund_with_negative_margin, shares):
    """The reference model (ltsdk.replica) makes the same round trip: same trades, same payout,
    same venue account after."""
    token, depositor = profitable_fund_with_negative_margin, s.actors.depositor
    model = model_fund(s, token)
    now = boa.env.timestamp
    close, reopen, fund_cost = model.exit_trades(model.snapshot(now), shares, now)
    assert reopen != 0 and abs(close) > abs(reopen)  # the slice, and a further part closed and reopened
    assert fund_cost > 0  # the fund's part of the round trip
    assert s.views.exit_trades(token.internal._snapshot(), shares) == (close, reopen, fund_cost)

    expected = model.redeem(shares, depositor, now)
    assert token.redeem(shares, depositor, depositor, sender=depositor) == expected
    assert venue_account(s.venue, token.address) == model.venue.accounts[token.address]
    assert token.totalAssets() == model.nav(now)


def test_emergency_shutdown__while_venue_margin_is_negative__each_exit_between_chunks_pays_its_preview(
    s, profitable_fund_with_negative_margin
):
    """The shutdown's first chunk closes part of the position, which realises PnL into the margin;
    between chunks any exit up to maxRedeem pays exactly its preview, and the model agrees."""
    token, depositor = profitable_fund_with_negative_margin, s.actors.depositor
    token.emergency_shutdown(sender=s.actors.admin)
    assert s.venue.position(token)[0] != 0
    model = model_fund(s, token)
    now = boa.env.timestamp
    expected = model.redeem(10 * ONE_SHARE, depositor, now)
    assert token.redeem(10 * ONE_SHARE, depositor, depositor, sender=depositor) == expected
    assert venue_account(s.venue, token.address) == model.venue.accounts[token.address]
    for _ in range(3):  # three more chunks, by anyone once the cooldown has passed
        boa.env.time_travel(seconds=token.twap_cooldown())
        token.emergency_shutdown(sender=s.actors.outsider)
        most = token.maxRedeem(depositor)
        assert most > 0
        with boa.env.anchor():
            preview = token.previewRedeem(most)
            assert token.redeem(most, depositor, depositor, sender=depositor) == preview


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


def test_max_withdraw__most_of_the_fund_leaving_while_venue_margin_is_negative__is_what_withdraw_pays(
    s, profitable_fund_with_negative_margin
):
    """The review of the first F1 fix (Medium): on a venue deep enough for most of the fund to
    leave at once, maxRedeem was most of the balance but maxWithdraw 0, though withdrawals
    succeeded: the fund's part shrinks as the exit grows, so the value taken per share rises with
    the exit and withdraw()'s share search passed the fewest shares by more than maxWithdraw's
    margin. maxWithdraw is nonzero wherever maxRedeem is, and withdraw(maxWithdraw) pays it."""
    token, depositor = profitable_fund_with_negative_margin, s.actors.depositor
    s.venue.set_depth(5 * 10**9 * WAD, sender=s.actors.admin)  # 5 B USD: 2.5x the default venue's
    most_shares = token.maxRedeem(depositor)
    assert most_shares > token.balanceOf(depositor) // 3
    most = token.maxWithdraw(depositor)
    assert most > 0
    with boa.env.anchor():
        ok, paid = attempt(lambda: token.redeem(most_shares, depositor, depositor, sender=depositor))
        assert ok, f"redeem(maxRedeem) reverts {paid!r}"
        assert most <= paid
    burned = token.previewWithdraw(most)
    assert burned <= token.balanceOf(depositor)
    balance, before = token.balanceOf(depositor), s.usdc.balanceOf(depositor)
    ok, shares = attempt(lambda: token.withdraw(most, depositor, depositor, sender=depositor))
    assert ok, f"withdraw(maxWithdraw) reverts {shares!r}"
    assert shares == burned == balance - token.balanceOf(depositor)
    assert s.usdc.balanceOf(depositor) - before == most
