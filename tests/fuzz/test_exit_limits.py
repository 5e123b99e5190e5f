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
"""

from __future__ import annotations

import boa
import pytest

from fuzz.chain import BTC_DEPTH, USDC, WAD, attempt, configure, model_fund, stack, venue_account
from ltsdk import quote
from ltsdk.codes import Reason
from ltsdk.errors import ModelRevert, VenueError
from ltsdk.math import VenueParams
from ltsdk.types import TokenState

ONE_SHARE = 10**18
EIGHT_HOURS = 8 * 3_600


@pytest.fixture
def s():
    with boa.env.anchor():
        yield stack()


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


@pytest.fixture
def profitable_fund_with_negative_margin(s):
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


def redeem_cost_bps(token, redeemer) -> int:
    """What redeeming one share pays short of its value at NAV less the redeem fee, in bps of it."""
    fair = token.convertToAssets(ONE_SHARE) * (10_000 - token.redeem_fee_bps()) // 10_000
    paid = token.redeem(ONE_SHARE, redeemer, redeemer, sender=redeemer)
    return (fair - paid) * 10_000 // fair


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


@pytest.fixture
def fund_with_deep_negative_margin(s, profitable_fund_with_negative_margin):
    """The review of the first F1 fix (High): the profitable fund with funding left to drain its
    margin to below -800 bps of NAV (the keeper down), deeper than one rebalance chunk
    (max_trade_notional, 1M USDC of notional) of the fund's part repairs."""
    token = profitable_fund_with_negative_margin
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


@pytest.mark.parametrize("shares", [10**15, ONE_SHARE, 10 * ONE_SHARE])
def test_redeem__small_exit_while_margin_is_deeper_than_one_chunk_repairs__pays_its_value(
    s, fund_with_deep_negative_margin, shares
):
    """With the fund's part capped at max_trade_notional, the rest of the repair fell on the
    redeemer: one share reverted "lt: zero" and 10 shares paid 600.77 of their 4,935 USDC."""
    assert_small_exit_pays_its_value(s, fund_with_deep_negative_margin, s.actors.depositor, shares)


def test_redeem__while_margin_is_deeper_than_one_chunk_repairs__chain_and_model_agree_to_the_wei(
    s, fund_with_deep_negative_margin
):
    token, depositor = fund_with_deep_negative_margin, s.actors.depositor
    model = model_fund(s, token)
    now = boa.env.timestamp
    shares = 100 * ONE_SHARE
    expected_trades = model.exit_trades(model.snapshot(now), shares, now)
    assert s.views.exit_trades(token.internal._snapshot(), shares) == expected_trades
    expected = model.redeem(shares, depositor, now)
    assert token.redeem(shares, depositor, depositor, sender=depositor) == expected
    assert venue_account(s.venue, token.address) == model.venue.accounts[token.address]


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


def lens_state(s, token, symbol: str) -> TokenState:
    row = s.lens.state_of(token)
    # the lens row's fields: TokenState's but for what the SDK adds (symbol, decimals, kind)
    names = [name for name in TokenState.__dataclass_fields__ if name not in ("symbol", "asset_decimals", "kind")]
    return TokenState(symbol=symbol, **dict(zip(names, row, strict=True)))


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
