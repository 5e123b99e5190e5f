"""LeveragedToken as an ERC-4626 vault: mint and redeem at NAV, in kind, with swing pricing.

Previews are compared with actual results in fee- and funding-free set-ups where the block time
cannot move a number; time-dependent amounts are predicted with ltsdk.replica at the block's time.
"""

import ape
import pytest

from ltsdk import math
from ltsdk.units import USDC, WAD

MAX = 2**256 - 1


@pytest.fixture
def no_streaming_fee(token, admin, configure):
    """Previews and actuals then agree whatever the block time."""
    configure(token, "set_fees", 10, 10, 0)
    return token


@pytest.fixture
def frictionless(btc_venue, token, admin, configure):
    """A venue with no spread, fee or impact and a token with no fees: NAV moves only with price."""
    btc_venue.set_half_spread_bps(0, sender=admin)
    btc_venue.set_taker_fee_bps(0, sender=admin)
    btc_venue.set_depth(10**40, sender=admin)
    configure(token, "set_fees", 0, 0, 0)
    return token


@pytest.fixture
def seeded(token, depositor, fund, no_streaming_fee):
    """BTC3L with 10,000 USDC from the depositor."""
    fund(depositor, token, 10_000 * USDC)
    token.deposit(10_000 * USDC, depositor, sender=depositor)
    return token


def venue_account(venue, token):
    size, _entry, margin = venue.position(token)
    return math.Account(margin=margin, size=size, open_notional=venue.open_notional(token))


def test_first_deposit__mints_value_added_minus_dead_shares(token, depositor, fund, usdc, btc_venue, no_streaming_fee):
    fund(depositor, token, 1_000 * USDC)
    preview = token.previewDeposit(1_000 * USDC)

    tx = token.deposit(1_000 * USDC, depositor, sender=depositor)

    nav = token.totalAssets()
    assert tx.return_value == preview
    assert token.balanceOf(depositor) == nav * WAD // (100 * USDC) - token.DEAD_SHARES()
    assert token.balanceOf(token) == token.DEAD_SHARES()
    assert token.totalSupply() == token.balanceOf(depositor) + token.DEAD_SHARES()
    assert token.protocol_fees() == math.fee(1_000 * USDC, 10)
    assert usdc.balanceOf(token) == token.protocol_fees()
    event = tx.events.filter(token.Deposit)[0]
    assert (event.sender, event.owner, event.assets, event.shares) == (depositor, depositor, 1_000 * USDC, preview)


def test_first_deposit__opens_position_at_target_leverage(token, depositor, fund, btc_venue, no_streaming_fee):
    fund(depositor, token, 1_000 * USDC)
    token.deposit(1_000 * USDC, depositor, sender=depositor)

    size, _, _ = btc_venue.position(token)
    net = 1_000 * USDC - math.fee(1_000 * USDC, 10)
    assert size == net * 10**12 * 3 * WAD // (60_000 * WAD)
    # sized on the net deposit, so the trade's own cost leaves leverage a hair above target
    assert 3 * WAD <= token.current_leverage() < 3 * WAD * 1_003 // 1_000


def test_first_deposit__below_minimum__reverts(token, depositor, fund):
    fund(depositor, token, USDC)
    with ape.reverts("lt: first deposit"):
        token.deposit(USDC // 2, depositor, sender=depositor)


def test_deposit__keeps_leverage_and_never_lowers_other_holders_nav_per_share(seeded, other_depositor, fund):
    leverage_before = seeded.current_leverage()
    nav_per_share_before = seeded.nav_per_share()
    fund(other_depositor, seeded, 5_000 * USDC)

    seeded.deposit(5_000 * USDC, other_depositor, sender=other_depositor)

    assert seeded.nav_per_share() >= nav_per_share_before
    # the position grows pro rata to the net deposit while NAV grows by the net less the
    # minter's trade cost (~7 bps of notional here), so leverage may rise by at most that cost
    assert leverage_before <= seeded.current_leverage() < leverage_before * 10_010 // 10_000


@pytest.mark.parametrize("assets", [1, 999, 10**6, 123_456_789, 50_000 * 10**6])
def test_preview_deposit__equals_actual(seeded, other_depositor, fund, assets):
    fund(other_depositor, seeded, assets)
    preview = seeded.previewDeposit(assets)
    if preview == 0:
        with ape.reverts("lt: zero shares"):
            seeded.deposit(assets, other_depositor, sender=other_depositor)
        return
    assert seeded.deposit(assets, other_depositor, sender=other_depositor).return_value == preview


@pytest.mark.parametrize("shares", [10**9, 10**18, 37 * 10**18 + 11])
def test_mint__mints_exactly_and_charges_preview(seeded, other_depositor, fund, usdc, shares):
    fund(other_depositor, seeded, 100_000 * USDC)
    preview = seeded.previewMint(shares)
    paid_before = usdc.balanceOf(other_depositor)

    tx = seeded.mint(shares, other_depositor, sender=other_depositor)

    assert tx.return_value == preview
    assert paid_before - usdc.balanceOf(other_depositor) == preview
    assert seeded.balanceOf(other_depositor) == shares
    # the search may overshoot the fewest sufficient assets by the fee's rounding step, no more
    assert seeded.previewDeposit(max(preview - 3, 0)) < shares


@pytest.mark.parametrize("fraction_bps", [1, 2_500, 10_000])
def test_preview_redeem__equals_actual(seeded, depositor, usdc, fraction_bps):
    shares = seeded.balanceOf(depositor) * fraction_bps // 10_000
    preview = seeded.previewRedeem(shares)
    before = usdc.balanceOf(depositor)

    tx = seeded.redeem(shares, depositor, depositor, sender=depositor)

    assert tx.return_value == preview
    assert usdc.balanceOf(depositor) - before == preview


@pytest.mark.parametrize("assets", [1, 10**6, 2_345 * 10**6])
def test_withdraw__pays_exactly_and_burns_preview(seeded, depositor, other_depositor, usdc, assets):
    preview = seeded.previewWithdraw(assets)
    shares_before = seeded.balanceOf(depositor)

    tx = seeded.withdraw(assets, other_depositor, depositor, sender=depositor)

    assert tx.return_value == preview
    assert usdc.balanceOf(other_depositor) == assets
    assert shares_before - seeded.balanceOf(depositor) == preview
    # the search may overshoot the fewest sufficient shares by what one asset unit buys, no more
    shares_per_asset_unit = -(-seeded.totalSupply() // seeded.totalAssets())
    assert seeded.previewRedeem(preview - 2 * shares_per_asset_unit) < assets


def test_round_trips__return_less_than_paid(seeded, other_depositor, fund, usdc):
    fund(other_depositor, seeded, 2_000 * USDC)
    start = usdc.balanceOf(other_depositor)

    shares = seeded.deposit(1_000 * USDC, other_depositor, sender=other_depositor).return_value
    seeded.redeem(shares, other_depositor, other_depositor, sender=other_depositor)
    assert usdc.balanceOf(other_depositor) < start

    middle = usdc.balanceOf(other_depositor)
    paid = seeded.mint(10**18, other_depositor, sender=other_depositor).return_value
    burned = seeded.withdraw(paid * 99 // 100, other_depositor, other_depositor, sender=other_depositor).return_value
    assert burned <= 10**18
    assert usdc.balanceOf(other_depositor) + seeded.previewRedeem(seeded.balanceOf(other_depositor)) < middle


def test_redeem__holders_who_stay_keep_their_nav_per_share(seeded, depositor, other_depositor, fund):
    fund(other_depositor, seeded, 3_000 * USDC)
    seeded.deposit(3_000 * USDC, other_depositor, sender=other_depositor)
    nav_per_share_before = seeded.nav_per_share()

    seeded.redeem(seeded.balanceOf(depositor) // 2, depositor, depositor, sender=depositor)

    assert seeded.nav_per_share() >= nav_per_share_before


def test_redeem__fee_is_held_for_fee_recipient_and_collected(seeded, depositor, fee_recipient, outsider, usdc):
    fees_before = seeded.protocol_fees()
    shares = seeded.balanceOf(depositor) // 4
    nav_before, supply = seeded.totalAssets(), seeded.totalSupply()

    paid = seeded.redeem(shares, depositor, depositor, sender=depositor).return_value

    gross = paid + (seeded.protocol_fees() - fees_before)
    assert seeded.protocol_fees() - fees_before == math.fee(gross, 10)
    assert gross <= nav_before * shares // supply
    collected = seeded.collect_fees(sender=outsider).return_value
    assert collected == fees_before + math.fee(gross, 10)
    assert usdc.balanceOf(fee_recipient) == collected
    assert seeded.protocol_fees() == 0


def test_nav__equals_idle_plus_venue_margin_plus_pnl_minus_funding(seeded, btc_venue, set_price, admin, chain):
    btc_venue.set_funding_rate_per_second(10**9, sender=admin)
    chain.pending_timestamp += 3_600
    set_price(61_234)

    acc = venue_account(btc_venue, seeded)
    price = btc_venue.mark_price()
    owed = btc_venue.funding_owed(seeded)
    upnl = math.unrealized_pnl(acc, price, 10**12)

    assert owed > 0  # a long pays positive funding
    assert btc_venue.equity(seeded) == acc.margin + upnl - owed
    assert seeded.totalAssets() == seeded.idle_assets() + acc.margin + upnl - owed


def test_seed_example__price_up_five_percent__nav_115_leverage_2_739(frictionless, depositor, fund, set_price):
    fund(depositor, frictionless, 100 * USDC)
    frictionless.deposit(100 * USDC, depositor, sender=depositor)
    assert frictionless.totalAssets() == 100 * USDC
    assert frictionless.current_leverage() == 3 * WAD

    set_price(63_000)

    assert frictionless.totalAssets() == 115 * USDC
    assert frictionless.current_leverage() == 315 * WAD // 115  # 2.739x
    assert frictionless.nav_per_share() == 115 * USDC


def test_short_token__gains_when_price_falls(create_token, depositor, fund, set_price):
    short = create_token(is_long=False)
    fund(depositor, short, 1_000 * USDC)
    short.deposit(1_000 * USDC, depositor, sender=depositor)
    nav_before = short.totalAssets()

    set_price(57_000)  # -5 %

    gain = short.totalAssets() - nav_before
    assert 140 * USDC < gain < 160 * USDC  # ~3 x 5 % of ~997


def test_management_fee__streams_to_fee_recipient_as_model_predicts(
    token, depositor, fund, fee_recipient, chain, set_price
):
    fund(depositor, token, 10_000 * USDC)
    token.deposit(10_000 * USDC, depositor, sender=depositor)
    supply = token.totalSupply()
    start = token.last_fee_accrual()

    chain.pending_timestamp = start + 365 * 86_400 - 60
    set_price(60_000)
    chain.pending_timestamp = start + 365 * 86_400
    token.redeem(10**18, depositor, depositor, sender=depositor)

    expected = math.management_fee_shares(supply, 365, 365 * 86_400)
    assert token.balanceOf(fee_recipient) == expected
    assert token.last_fee_accrual() == start + 365 * 86_400
    # the recipient owns at least 3.65 % of the fund after a year (shares round up)
    assert expected * 10_000 // (supply + expected) == 365


def test_management_fee__preview_includes_pending_fee_shares(token, depositor, fund, chain):
    fund(depositor, token, 10_000 * USDC)
    token.deposit(10_000 * USDC, depositor, sender=depositor)
    chain.pending_timestamp += 86_400
    chain.mine()
    minted = token.balanceOf(depositor) + token.balanceOf(token)
    pending = math.management_fee_shares(minted, 365, chain.blocks.head.timestamp - token.last_fee_accrual())
    assert pending > 0
    assert token.nav_per_share() == token.totalAssets() * WAD // (minted + pending)


def test_total_supply__after_180_quiet_days__counts_pending_fee_shares_as_the_conversions_do(
    token, depositor, fund, fee_recipient, chain
):
    """Issue 14 I1: integrators price a share at totalAssets / totalSupply. With the accrued,
    not yet minted fee shares left out, that read 100.00 USDC after 180 quiet days while
    convertToAssets said 98.20."""
    fund(depositor, token, 10_000 * USDC)
    token.deposit(10_000 * USDC, depositor, sender=depositor)
    chain.pending_timestamp += 180 * 86_400
    chain.mine()
    minted = token.balanceOf(depositor) + token.balanceOf(token) + token.balanceOf(fee_recipient)
    pending = math.management_fee_shares(minted, 365, chain.blocks.head.timestamp - token.last_fee_accrual())

    assert pending > minted // 100  # ~1.8 % of the fund accrued
    assert token.pending_fee_shares() == pending
    assert token.totalSupply() == minted + pending
    nav, supply = token.totalAssets(), token.totalSupply()
    assert token.convertToAssets(WAD) == WAD * nav // supply
    assert token.nav_per_share() == nav * WAD // supply


def test_deposit__paused__reverts_and_max_deposit_is_zero(seeded, guardian, other_depositor, fund):
    fund(other_depositor, seeded, 100 * USDC)
    seeded.pause(sender=guardian)
    assert seeded.maxDeposit(other_depositor) == 0
    assert seeded.maxMint(other_depositor) == 0
    with ape.reverts("lt: paused"):
        seeded.deposit(100 * USDC, other_depositor, sender=other_depositor)
    with ape.reverts("lt: paused"):
        seeded.mint(10**18, other_depositor, sender=other_depositor)


def test_redeem_and_withdraw__paused__succeed(seeded, guardian, depositor, usdc):
    seeded.pause(sender=guardian)
    seeded.withdraw(10 * USDC, depositor, depositor, sender=depositor)
    seeded.redeem(10**18, depositor, depositor, sender=depositor)
    assert usdc.balanceOf(depositor) > 10 * USDC


def test_deposit__over_cap__reverts_and_max_deposit_is_room(seeded, admin, other_depositor, fund, configure):
    nav = seeded.totalAssets()
    configure(seeded, "set_limits", nav + 500 * USDC, seeded.max_slippage_bps(), seeded.max_price_age())
    fund(other_depositor, seeded, 1_000 * USDC)

    assert seeded.maxDeposit(other_depositor) == 500 * USDC
    with ape.reverts("lt: cap"):
        seeded.deposit(1_000 * USDC, other_depositor, sender=other_depositor)
    seeded.deposit(seeded.maxDeposit(other_depositor), other_depositor, sender=other_depositor)
    assert seeded.totalAssets() <= nav + 500 * USDC
    max_mint = seeded.maxMint(other_depositor)
    if max_mint > 0:
        seeded.mint(max_mint, other_depositor, sender=other_depositor)


def test_max_functions__follow_balance_price_limit_and_preview(seeded, depositor, outsider):
    # the cap is 10**12 USDC: the venue's depth binds first (the trade's price limit)
    assert 0 < seeded.maxDeposit(outsider) < 10**12 * USDC - seeded.totalAssets()
    assert seeded.maxRedeem(depositor) == seeded.balanceOf(depositor)
    # a few base units below the whole balance's payout: withdraw's share search may need them
    whole = seeded.previewRedeem(seeded.balanceOf(depositor))
    assert whole - 5 <= seeded.maxWithdraw(depositor) < whole
    assert seeded.maxRedeem(outsider) == 0 and seeded.maxWithdraw(outsider) == 0


def test_max_deposit__is_the_most_the_price_limit_lets_the_venue_fill(seeded, admin, other_depositor, fund):
    most = seeded.maxDeposit(other_depositor)
    fund(other_depositor, seeded, 2 * most)
    with ape.reverts("venue: slippage"):
        seeded.deposit(most * 1002 // 1000, other_depositor, sender=other_depositor)
    seeded.deposit(most, other_depositor, sender=other_depositor)


@pytest.mark.parametrize("entry", ["deposit", "mint", "redeem", "withdraw"])
def test_entry_points__zero_amount__reverts(seeded, depositor, entry):
    parties = [depositor] if entry in ("deposit", "mint") else [depositor, depositor]
    with ape.reverts("lt: zero"):
        getattr(seeded, entry)(0, *parties, sender=depositor)


def test_entry_points__past_deadline__revert(seeded, depositor, other_depositor, fund, chain):
    fund(other_depositor, seeded, 100 * USDC)
    past = chain.pending_timestamp - 1
    with ape.reverts("lt: expired"):
        seeded.deposit(100 * USDC, other_depositor, 0, past, sender=other_depositor)
    with ape.reverts("lt: expired"):
        seeded.mint(10**18, other_depositor, MAX, past, sender=other_depositor)
    with ape.reverts("lt: expired"):
        seeded.redeem(10**18, depositor, depositor, 0, past, sender=depositor)
    with ape.reverts("lt: expired"):
        seeded.withdraw(USDC, depositor, depositor, MAX, past, sender=depositor)


def test_entry_points__unreachable_bounds__revert_slippage(seeded, depositor, other_depositor, fund):
    fund(other_depositor, seeded, 100 * USDC)
    shares = seeded.previewDeposit(100 * USDC)
    with ape.reverts("lt: slippage"):
        seeded.deposit(100 * USDC, other_depositor, shares + 1, MAX, sender=other_depositor)
    cost = seeded.previewMint(10**18)
    with ape.reverts("lt: slippage"):
        seeded.mint(10**18, other_depositor, cost - 1, MAX, sender=other_depositor)
    out = seeded.previewRedeem(10**18)
    with ape.reverts("lt: slippage"):
        seeded.redeem(10**18, depositor, depositor, out + 1, MAX, sender=depositor)
    burn = seeded.previewWithdraw(USDC)
    with ape.reverts("lt: slippage"):
        seeded.withdraw(USDC, depositor, depositor, burn - 1, MAX, sender=depositor)


@pytest.mark.parametrize("bad_receiver", ["zero", "token"])
def test_entry_points__bad_receiver__revert(seeded, depositor, other_depositor, fund, bad_receiver):
    receiver = "0x0000000000000000000000000000000000000000" if bad_receiver == "zero" else seeded.address
    fund(other_depositor, seeded, 100 * USDC)
    with ape.reverts("lt: receiver"):
        seeded.deposit(100 * USDC, receiver, sender=other_depositor)
    with ape.reverts("lt: receiver"):
        seeded.redeem(10**18, receiver, depositor, sender=depositor)


def test_redeem__for_owner_without_allowance__reverts(seeded, depositor, attacker):
    with ape.reverts("lt: allowance"):
        seeded.redeem(10**18, attacker, depositor, sender=attacker)
    with ape.reverts("lt: allowance"):
        seeded.withdraw(USDC, attacker, depositor, sender=attacker)


def test_redeem__for_owner_with_allowance__spends_it_exactly(seeded, depositor, other_depositor, usdc):
    seeded.approve(other_depositor, 5 * 10**18, sender=depositor)
    seeded.redeem(2 * 10**18, other_depositor, depositor, sender=other_depositor)
    assert seeded.allowance(depositor, other_depositor) == 3 * 10**18
    assert usdc.balanceOf(other_depositor) > 0


def test_redeem__more_than_balance__reverts(seeded, depositor):
    with ape.reverts("lt: balance"):
        seeded.redeem(seeded.balanceOf(depositor) + 1, depositor, depositor, sender=depositor)


def test_stale_oracle__blocks_trading_entry_points(seeded, depositor, other_depositor, fund, chain, btc_oracle):
    fund(other_depositor, seeded, 100 * USDC)
    chain.pending_timestamp += 3_601
    chain.mine()
    assert seeded.maxDeposit(other_depositor) == 0
    assert seeded.maxRedeem(depositor) == 0
    with ape.reverts("lt: stale price"):
        seeded.deposit(100 * USDC, other_depositor, sender=other_depositor)
    with ape.reverts("lt: stale price"):
        seeded.redeem(10**18, depositor, depositor, sender=depositor)


@pytest.mark.parametrize("answer", [0, -1])
def test_bad_oracle_answer__blocks_deposit(seeded, other_depositor, fund, btc_oracle, admin, chain, answer):
    fund(other_depositor, seeded, 100 * USDC)
    btc_oracle.set_round_data(answer, chain.pending_timestamp, 0, sender=admin)
    with ape.reverts("lt: stale price"):
        seeded.deposit(100 * USDC, other_depositor, sender=other_depositor)


def test_incomplete_oracle_round__blocks_deposit(seeded, other_depositor, fund, btc_oracle, admin, chain):
    fund(other_depositor, seeded, 100 * USDC)
    btc_oracle.set_round_data(60_000 * 10**8, chain.pending_timestamp, 1, sender=admin)
    with ape.reverts("lt: stale price"):
        seeded.deposit(100 * USDC, other_depositor, sender=other_depositor)


def test_venue_paused__blocks_deposit(seeded, other_depositor, fund, btc_venue, admin):
    fund(other_depositor, seeded, 100 * USDC)
    btc_venue.set_trading_paused(True, sender=admin)
    with ape.reverts("venue: paused"):
        seeded.deposit(100 * USDC, other_depositor, sender=other_depositor)


def test_donation_attack__costs_next_depositor_under_ten_bps(
    token, attacker, depositor, fund, usdc, btc_venue, no_streaming_fee
):
    # the attacker makes the smallest first deposit, redeems all it can, then donates a lot
    fund(attacker, token, 1_000_001 * USDC)
    usdc.approve(btc_venue, MAX, sender=attacker)
    token.deposit(token.MIN_INITIAL_ASSETS() * 2, attacker, sender=attacker)
    token.redeem(token.balanceOf(attacker) - 1, attacker, attacker, sender=attacker)
    usdc.transfer(token, 500_000 * USDC, sender=attacker)
    btc_venue.deposit(500_000 * USDC, token, sender=attacker)

    fund(depositor, token, 1_000 * USDC)
    shares = token.deposit(1_000 * USDC, depositor, sender=depositor).return_value
    victim_value = shares * token.totalAssets() // token.totalSupply()

    # what 1,000 USDC buys without an attack: the mint fee and the trade's cost
    fair_value = 1_000 * USDC - math.fee(1_000 * USDC, 10) - 3 * 1_000 * USDC * 8 // 10_000
    assert victim_value * 10_000 >= fair_value * (10_000 - 10)


def test_insolvent_fund__blocks_entries_and_an_empty_redeem_reverts(
    seeded, depositor, other_depositor, fund, set_price, btc_venue, outsider
):
    fund(other_depositor, seeded, 100 * USDC)
    set_price(38_000)  # -36.7 % at 3x: equity below zero
    assert seeded.idle_assets() + btc_venue.equity(seeded) <= 0
    assert seeded.totalAssets() == 0 and seeded.maxDeposit(other_depositor) == 0
    assert seeded.current_leverage() == MAX
    with ape.reverts("lt: insolvent"):
        seeded.deposit(100 * USDC, other_depositor, sender=other_depositor)
    with ape.reverts("lt: insolvent"):
        seeded.withdraw(USDC, depositor, depositor, sender=depositor)
    # nothing can leave the venue account: a redeem would burn shares for nothing
    assert seeded.previewRedeem(10**18) == 0
    with ape.reverts("lt: zero"):
        seeded.redeem(10**18, depositor, depositor, sender=depositor)

    btc_venue.liquidate(seeded, sender=outsider)  # bad debt: the venue eats the loss
    assert btc_venue.position(seeded)[0] == 0
    with ape.reverts("lt: zero"):
        seeded.redeem(10**18, depositor, depositor, sender=depositor)


def test_liquidated_fund__redeem_pays_what_is_left(seeded, depositor, set_price, btc_venue, outsider, usdc):
    set_price(40_500)  # -32.5 % at 3x: equity positive but under maintenance margin
    assert seeded.idle_assets() + btc_venue.equity(seeded) > 0
    btc_venue.liquidate(seeded, sender=outsider)
    assert btc_venue.position(seeded)[0] == 0

    shares = seeded.balanceOf(depositor)
    gross = seeded.totalAssets() * shares // seeded.totalSupply()
    paid = seeded.redeem(shares, depositor, depositor, sender=depositor).return_value
    assert paid == gross - math.fee(gross, 10)
    assert usdc.balanceOf(depositor) == paid


def test_emergency_shutdown__closes_position_and_redeem_pays_pro_rata(seeded, admin, depositor, btc_venue, usdc):
    seeded.emergency_shutdown(sender=admin)

    assert btc_venue.position(seeded)[0] == 0
    assert btc_venue.equity(seeded) == 0
    assert seeded.idle_assets() == seeded.totalAssets()
    assert seeded.maxDeposit(depositor) == 0
    shares = seeded.balanceOf(depositor)
    expected_gross = seeded.totalAssets() * shares // seeded.totalSupply()
    paid = seeded.redeem(shares, depositor, depositor, sender=depositor).return_value
    assert paid == expected_gross - math.fee(expected_gross, 10)
    assert usdc.balanceOf(depositor) == paid


def test_donation_to_token__does_not_change_nav(seeded, attacker, fund, usdc):
    nav = seeded.totalAssets()
    usdc.mint(attacker, 1_000 * USDC, sender=attacker)
    usdc.transfer(seeded, 1_000 * USDC, sender=attacker)
    assert seeded.totalAssets() == nav


def test_erc4626_selectors__all_present(project):
    abi = project.LeveragedToken.contract_type
    signatures = {m.selector for m in abi.mutable_methods} | {m.selector for m in abi.view_methods}
    for required in [
        "asset()",
        "totalAssets()",
        "convertToShares(uint256)",
        "convertToAssets(uint256)",
        "maxDeposit(address)",
        "previewDeposit(uint256)",
        "deposit(uint256,address)",
        "maxMint(address)",
        "previewMint(uint256)",
        "mint(uint256,address)",
        "maxWithdraw(address)",
        "previewWithdraw(uint256)",
        "withdraw(uint256,address,address)",
        "maxRedeem(address)",
        "previewRedeem(uint256)",
        "redeem(uint256,address,address)",
        "deposit(uint256,address,uint256,uint256)",
        "mint(uint256,address,uint256,uint256)",
        "withdraw(uint256,address,address,uint256,uint256)",
        "redeem(uint256,address,address,uint256,uint256)",
    ]:
        assert required in signatures, required


def test_convert_to_assets__many_shares__rounds_once_not_through_nav_per_share(seeded, set_price):
    """Issue 14 L3: shares x NAV / supply, floored once. Through the floored NAV per share
    (shares x floor(NAV x 1e18 / supply) / 1e18) a holder of N whole shares was shown up to N
    base units less, and every ERC-4626 round trip measured by it looked like a loss."""
    set_price(61_234)  # NAV per share is no longer a whole number of base units
    nav, supply = seeded.totalAssets(), seeded.totalSupply()
    shares = 10**6 * WAD  # a million shares: the double rounding lost up to a million base units
    through_nav_per_share = shares * (nav * WAD // supply) // WAD
    exact = shares * nav // supply
    assert exact - through_nav_per_share >= 1  # this state tells the two apart

    assert seeded.convertToAssets(shares) == exact
    assert seeded.convertToAssets(supply) == nav  # the whole supply is worth the whole NAV


def test_convert_functions__are_nav_ratios(seeded):
    nav, supply = seeded.totalAssets(), seeded.totalSupply()
    assert seeded.convertToShares(1_000 * USDC) == 1_000 * USDC * supply // nav
    assert seeded.convertToAssets(10**18) == 10**18 * nav // supply
    assert seeded.nav_per_share() == nav * WAD // supply
