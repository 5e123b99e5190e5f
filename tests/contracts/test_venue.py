"""MockPerpAdapter: margin, pricing, cost-basis accounting, funding, equity, leverage, liquidation,
oracle failures and the owner's knobs, checked to the wei against ltsdk.replica.

Every expected number comes from `Mirror`, which replays the same deposits, trades and rate
changes through ltsdk.replica at the transactions' own timestamps; a few are also worked out by
hand. View calls run at the head block's timestamp.
"""

from __future__ import annotations

import copy

import ape
import pytest
from helpers import venue_params, venue_settings

from ltsdk import math
from ltsdk.deploy import oracle_answer
from ltsdk.errors import ModelRevert
from ltsdk.replica import Venue
from ltsdk.units import BPS, USDC, WAD

BTC = WAD
ASSET_SCALE = 10**12  # 6-decimal collateral
ORACLE_SCALE = 10**10  # 8-decimal feed
MAX_UINT = 2**256 - 1
ORACLE_DECIMALS = 8


# ------------------------------------------------------------------ helpers


def answer(usd) -> int:
    """USD price as the BTC feed's 8-decimal answer."""
    return oracle_answer(str(usd), ORACLE_DECIMALS)


def wad(usd) -> int:
    """USD price in WAD, as the venue reads it from the feed."""
    return answer(usd) * ORACLE_SCALE


def last_true(pred, lo: int, hi: int) -> int:
    """Bisection: x in [lo, hi) with pred(x) true and pred(x + 1) false (needs pred(lo), not pred(hi))."""
    assert pred(lo) and not pred(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if pred(mid):
            lo = mid
        else:
            hi = mid
    return lo


def notional_assets(size: int, price: int) -> int:
    """perp_accounting._notional_assets (collateral units) at this suite's collateral."""
    return math.notional_assets(size, price, ASSET_SCALE)


class Mirror(Venue):
    """Expected venue state: the reference model (ltsdk.replica.Venue) replaying every
    venue-touching transaction at its block time; accounts are keyed by address."""

    def __init__(self, venue):
        price, updated_at, _ = venue.oracle_price()
        super().__init__(price=price, updated_at=updated_at, **venue_settings(venue))

    def account(self, who) -> math.Account:
        return self.accounts.get(str(who), math.Account())

    def index_at(self, t: int) -> int:
        return self.index_now(t)

    # -- state changes (call with the transaction's timestamp)

    def deposit(self, who, amount: int, t: int):
        super().deposit(str(who), amount, t)

    def withdraw(self, who, amount: int, t: int):
        super().withdraw(str(who), amount, t)

    def trade(self, who, size_delta: int, t: int) -> tuple[int, int, int]:
        """A market order (no effective limit) -> (exec_price, fee, realized)."""
        return super().trade(str(who), size_delta, MAX_UINT if size_delta > 0 else 0, t)

    def set_rate(self, rate: int, t: int):
        self.set_funding_rate(rate, t)

    def liquidate(self, who, t: int) -> int:
        return super().liquidate(str(who), t)

    # -- expected views at time t

    def equity(self, who, t: int) -> int:
        return super().equity(str(who), t)

    def funding_owed(self, who, t: int) -> int:
        return math.funding_owed(self.account(who), self.index_now(t), ASSET_SCALE)

    def position(self, who) -> tuple[int, int, int]:
        return super().position(str(who))

    def free_margin(self, who, t: int) -> int:
        return self.max_withdrawable(str(who), t)

    def trade_within_max_leverage(self, who, size_delta: int, t: int) -> bool:
        """Would `trade(size_delta)` pass the venue's max-leverage check at time t?"""
        try:
            copy.deepcopy(self).trade(who, size_delta, t)
        except ModelRevert as revert:
            if str(revert) == "venue: max leverage":
                return False
            raise
        return True

    def liquidatable_at(self, who, price: int) -> bool:
        """Equity below maintenance margin at `price` (funding rate 0)."""
        acc = self.account(who)
        equity = math.equity(acc, price, acc.funding_checkpoint, ASSET_SCALE)
        return equity < notional_assets(acc.size, price) * self.maintenance_margin_bps // BPS


@pytest.fixture
def mirror(btc_venue):
    return Mirror(btc_venue)


@pytest.fixture
def now(chain):
    """Timestamp of the head block, at which view calls run."""
    return lambda: chain.blocks.head.timestamp


@pytest.fixture
def deposit(btc_venue, mirror, fund):
    """deposit(who, amount, account=None): faucet, approve and deposit, mirrored."""

    def _deposit(who, amount, account=None):
        fund(who, btc_venue, amount)
        if account is None:
            tx = btc_venue.deposit(amount, sender=who)
        else:
            tx = btc_venue.deposit(amount, account, sender=who)
        mirror.deposit(account or who, amount, tx.timestamp)
        return tx

    return _deposit


@pytest.fixture
def trade(btc_venue, mirror):
    """trade(who, size_delta): market order (no effective limit), mirrored; returns the receipt and
    the model's (exec_price, fee, realized)."""

    def _trade(who, size_delta):
        limit = MAX_UINT if size_delta > 0 else 0
        tx = btc_venue.trade(size_delta, limit, sender=who)
        return tx, mirror.trade(who, size_delta, tx.timestamp)

    return _trade


@pytest.fixture
def move_price(btc_oracle, admin, mirror):
    """move_price(usd): push a fresh BTC price (touches only the oracle, not the venue)."""

    def _move(usd):
        tx = btc_oracle.set_price(answer(usd), sender=admin)
        mirror.set_price(wad(usd), tx.timestamp)

    return _move


@pytest.fixture
def set_rate(btc_venue, admin, mirror):
    def _set(rate):
        tx = btc_venue.set_funding_rate_per_second(rate, sender=admin)
        mirror.set_rate(rate, tx.timestamp)
        return tx

    return _set


def assert_account(venue, mirror, who, t):
    """Every per-account view of the venue equals the mirror at time t (the head block)."""
    assert venue.position(who) == mirror.position(who)
    assert venue.open_notional(who) == mirror.account(who).open_notional
    assert venue.funding_owed(who) == mirror.funding_owed(who, t)
    assert venue.equity(who) == mirror.equity(who, t)


def only_event(tx, event_type):
    logs = tx.events.filter(event_type)
    assert len(logs) == 1
    return logs[0]


# ------------------------------------------------------------------ deployment


def test_deploy__parameters_and_references__as_configured(btc_venue, btc_oracle, usdc, admin):
    assert btc_venue.owner() == admin.address
    assert btc_venue.collateral() == usdc.address
    assert btc_venue.oracle() == btc_oracle.address
    assert btc_venue.ASSET_SCALE() == ASSET_SCALE
    assert btc_venue.MARKET() == "BTC-PERP"
    assert btc_venue.half_spread_bps() == 2
    assert btc_venue.taker_fee_bps() == 5
    assert btc_venue.depth() == 2_000_000_000 * WAD
    assert btc_venue.max_leverage() == 20 * WAD
    assert btc_venue.maintenance_margin_bps() == 250
    assert btc_venue.liquidation_penalty_bps() == 100
    assert btc_venue.max_oracle_age() == 3600
    assert btc_venue.trading_paused() is False
    assert btc_venue.funding_rate_per_second() == 0
    assert btc_venue.funding_index() == 0
    assert usdc.balanceOf(btc_venue) == 50_000_000 * USDC


def test_mark_price__fresh_feed__is_answer_scaled_to_wad(btc_venue, btc_oracle, move_price, now):
    assert btc_venue.mark_price() == 60_000 * WAD
    move_price("61234.56789012")
    assert btc_venue.mark_price() == 6_123_456_789_012 * ORACLE_SCALE
    assert btc_venue.oracle_price() == (6_123_456_789_012 * ORACLE_SCALE, now(), True)


# ------------------------------------------------------------------ margin


def test_deposit__own_account__credits_margin_and_pulls_collateral(btc_venue, usdc, depositor, fund):
    fund(depositor, btc_venue, 1_000 * USDC)
    venue_before = usdc.balanceOf(btc_venue)

    tx = btc_venue.deposit(1_000 * USDC, sender=depositor)

    assert btc_venue.position(depositor) == (0, 0, 1_000 * USDC)
    assert btc_venue.equity(depositor) == 1_000 * USDC
    assert btc_venue.max_withdrawable(depositor) == 1_000 * USDC
    assert usdc.balanceOf(depositor) == 0
    assert usdc.balanceOf(btc_venue) == venue_before + 1_000 * USDC
    log = only_event(tx, btc_venue.MarginDeposited)
    assert (log.account, log.payer, log.amount) == (depositor.address, depositor.address, 1_000 * USDC)


def test_deposit__for_another_account__credits_that_account_and_charges_the_payer(
    btc_venue, usdc, depositor, other_depositor, fund
):
    fund(depositor, btc_venue, 700 * USDC)

    tx = btc_venue.deposit(700 * USDC, other_depositor, sender=depositor)

    assert btc_venue.position(other_depositor) == (0, 0, 700 * USDC)
    assert btc_venue.position(depositor) == (0, 0, 0)
    assert usdc.balanceOf(depositor) == 0
    assert usdc.balanceOf(other_depositor) == 0
    log = only_event(tx, btc_venue.MarginDeposited)
    assert (log.account, log.payer, log.amount) == (other_depositor.address, depositor.address, 700 * USDC)
    # the credited account owns the margin: it can withdraw it, the payer cannot
    with ape.reverts("venue: margin"):
        btc_venue.withdraw(1, depositor, sender=depositor)
    btc_venue.withdraw(700 * USDC, other_depositor, sender=other_depositor)
    assert usdc.balanceOf(other_depositor) == 700 * USDC


def test_deposit__zero_amount__reverts(btc_venue, depositor, fund):
    fund(depositor, btc_venue, USDC)
    with ape.reverts("venue: zero amount"):
        btc_venue.deposit(0, sender=depositor)


def test_deposit__more_than_allowance__reverts(btc_venue, usdc, depositor):
    usdc.mint(depositor, 10 * USDC, sender=depositor)
    usdc.approve(btc_venue, 10 * USDC - 1, sender=depositor)
    with ape.reverts("usdc: insufficient allowance"):
        btc_venue.deposit(10 * USDC, sender=depositor)


def test_withdraw__zero_amount__reverts(btc_venue, depositor, deposit):
    deposit(depositor, 100 * USDC)
    with ape.reverts("venue: zero amount"):
        btc_venue.withdraw(0, depositor, sender=depositor)


def test_withdraw__no_margin__reverts(btc_venue, outsider):
    with ape.reverts("venue: margin"):
        btc_venue.withdraw(1, outsider, sender=outsider)


def test_withdraw__no_position__whole_margin_to_receiver_and_not_one_more(
    btc_venue, usdc, depositor, outsider, deposit
):
    deposit(depositor, 250 * USDC)
    with ape.reverts("venue: margin"):
        btc_venue.withdraw(250 * USDC + 1, outsider, sender=depositor)

    tx = btc_venue.withdraw(250 * USDC, outsider, sender=depositor)

    assert usdc.balanceOf(outsider) == 250 * USDC
    assert btc_venue.position(depositor) == (0, 0, 0)
    assert btc_venue.max_withdrawable(depositor) == 0
    log = only_event(tx, btc_venue.MarginWithdrawn)
    assert (log.account, log.receiver, log.amount) == (depositor.address, outsider.address, 250 * USDC)


@pytest.fixture
def long_position(depositor, deposit, trade):
    """depositor: 1,000 USDC margin, long 0.2 BTC (about 12x) at 60,000."""
    deposit(depositor, 1_000 * USDC)
    trade(depositor, 2 * BTC // 10)


def test_max_withdrawable__with_position__is_equity_minus_initial_margin(
    btc_venue, depositor, long_position, mirror, now
):
    t = now()
    acc = mirror.account(depositor)
    initial_margin = 12_000 * USDC // 20  # notional 12,000 USDC at 20x
    equity = math.equity(acc, 60_000 * WAD, 0, ASSET_SCALE)
    assert mirror.free_margin(depositor, t) == equity - initial_margin
    assert btc_venue.max_withdrawable(depositor) == equity - initial_margin


def test_withdraw__beyond_free_margin__reverts(btc_venue, depositor, long_position, mirror, now):
    free = mirror.free_margin(depositor, now())
    with ape.reverts("venue: margin"):
        btc_venue.withdraw(free + 1, depositor, sender=depositor)


def test_withdraw__exactly_free_margin__succeeds_and_leaves_initial_margin(
    btc_venue, usdc, depositor, long_position, mirror, now
):
    free = mirror.free_margin(depositor, now())
    tx = btc_venue.withdraw(free, depositor, sender=depositor)
    mirror.withdraw(depositor, free, tx.timestamp)

    assert usdc.balanceOf(depositor) == free
    assert btc_venue.max_withdrawable(depositor) == 0
    assert btc_venue.equity(depositor) == 12_000 * USDC // 20
    assert_account(btc_venue, mirror, depositor, now())


def test_withdraw__while_trading_paused__still_allowed(btc_venue, usdc, admin, depositor, deposit):
    deposit(depositor, 100 * USDC)
    btc_venue.set_trading_paused(True, sender=admin)
    btc_venue.withdraw(100 * USDC, depositor, sender=depositor)
    assert usdc.balanceOf(depositor) == 100 * USDC


def test_withdraw__no_position_with_broken_oracle__still_allowed(
    btc_venue, btc_oracle, usdc, admin, depositor, deposit, now
):
    deposit(depositor, 100 * USDC)
    btc_oracle.set_round_data(0, now(), 0, sender=admin)
    btc_venue.withdraw(100 * USDC, depositor, sender=depositor)
    assert usdc.balanceOf(depositor) == 100 * USDC


def test_withdraw__short_position_with_zero_oracle_answer__cannot_drain_margin(
    btc_venue, btc_oracle, admin, depositor, deposit, trade, mirror, now
):
    """An account with a position must not be valued at an unusable oracle answer. With answer 0 the
    venue prices a short at 0: its unrealised PnL becomes +open notional and its initial margin 0,
    so the whole margin looks free. At the last valid price only `free` of it is."""
    deposit(depositor, 5_000 * USDC)
    trade(depositor, -BTC)  # short 1 BTC, 12x
    free = mirror.free_margin(depositor, now())
    margin = btc_venue.position(depositor)[2]
    assert free < margin // 2

    btc_oracle.set_round_data(0, now(), 0, sender=admin)

    with ape.reverts("venue: stale price"):
        btc_venue.withdraw(margin, depositor, sender=depositor)


# ------------------------------------------------------------------ trade pricing


def test_quote_trade__buy_one_btc__spread_plus_linear_impact(btc_venue, outsider):
    # premium = 2 bps half spread + 60,000 / 2e9 depth = 0.0002 + 0.00003
    exec_price, fee = btc_venue.quote_trade(outsider, BTC)
    assert exec_price == 60_013_800_000_000_000_000_000  # 60,000 * 1.00023
    assert fee == 30_006_900  # 5 bps of 60,013.80 USDC
    assert (exec_price, fee) == math.quote(BTC, 60_000 * WAD, venue_params(btc_venue))


def test_quote_trade__sell_one_btc__spread_plus_linear_impact(btc_venue, outsider):
    exec_price, fee = btc_venue.quote_trade(outsider, -BTC)
    assert exec_price == 59_986_200_000_000_000_000_000  # 60,000 * 0.99977
    assert fee == 29_993_100  # 5 bps of 59,986.20 USDC
    assert (exec_price, fee) == math.quote(-BTC, 60_000 * WAD, venue_params(btc_venue))


def test_quote_trade__impact__grows_linearly_with_notional(btc_venue, outsider):
    spread = 60_000 * WAD * 2 // BPS
    premiums = [btc_venue.quote_trade(outsider, n * BTC)[0] - 60_000 * WAD - spread for n in (1, 2, 4)]
    # impact = price * notional / depth = 60,000 * 60,000 n / 2e9 = 1.8 n USD
    assert premiums == [1_800_000_000_000_000_000, 3_600_000_000_000_000_000, 7_200_000_000_000_000_000]


@pytest.mark.parametrize("size", [1, 10**12, 123_456_789_012_345_678, 3 * BTC, 25 * BTC])
@pytest.mark.parametrize("side", [1, -1], ids=["buy", "sell"])
def test_trade__exec_price_and_fee__equal_model_quote(btc_venue, depositor, deposit, mirror, size, side):
    deposit(depositor, 200_000 * USDC)
    expected_price, expected_fee = math.quote(side * size, 60_000 * WAD, venue_params(btc_venue))
    assert btc_venue.quote_trade(depositor, side * size) == (expected_price, expected_fee)

    tx = btc_venue.trade(side * size, MAX_UINT if side > 0 else 0, sender=depositor)

    assert tx.return_value == expected_price
    log = only_event(tx, btc_venue.Traded)
    assert (log.account, log.size_delta, log.exec_price, log.fee) == (
        depositor.address,
        side * size,
        expected_price,
        expected_fee,
    )
    assert (log.realized_pnl, log.size_after) == (0, side * size)
    assert btc_venue.position(depositor)[2] == 200_000 * USDC - expected_fee
    assert btc_venue.open_notional(depositor) == math.ceil_div(side * size * expected_price, WAD)


def test_quote_trade__after_owner_changes_spread_fee_and_depth__follows_model(btc_venue, admin, outsider):
    btc_venue.set_half_spread_bps(37, sender=admin)
    btc_venue.set_taker_fee_bps(11, sender=admin)
    btc_venue.set_depth(7_777_777 * WAD, sender=admin)
    params = math.VenueParams(37, 11, 7_777_777 * WAD, ASSET_SCALE)
    for size in (BTC // 3, -BTC // 3, 17 * BTC, -17 * BTC):
        assert btc_venue.quote_trade(outsider, size) == math.quote(size, 60_000 * WAD, params)


def test_trade__buy_above_limit__reverts(btc_venue, depositor, deposit):
    deposit(depositor, 10_000 * USDC)
    exec_price, _ = math.quote(BTC, 60_000 * WAD, venue_params(btc_venue))
    with ape.reverts("venue: slippage"):
        btc_venue.trade(BTC, exec_price - 1, sender=depositor)


def test_trade__buy_at_limit__fills(btc_venue, depositor, deposit):
    deposit(depositor, 10_000 * USDC)
    exec_price, _ = math.quote(BTC, 60_000 * WAD, venue_params(btc_venue))
    tx = btc_venue.trade(BTC, exec_price, sender=depositor)
    assert tx.return_value == exec_price
    assert btc_venue.position(depositor)[0] == BTC


def test_trade__sell_below_limit__reverts(btc_venue, depositor, deposit):
    deposit(depositor, 10_000 * USDC)
    exec_price, _ = math.quote(-BTC, 60_000 * WAD, venue_params(btc_venue))
    with ape.reverts("venue: slippage"):
        btc_venue.trade(-BTC, exec_price + 1, sender=depositor)


def test_trade__sell_at_limit__fills(btc_venue, depositor, deposit):
    deposit(depositor, 10_000 * USDC)
    exec_price, _ = math.quote(-BTC, 60_000 * WAD, venue_params(btc_venue))
    tx = btc_venue.trade(-BTC, exec_price, sender=depositor)
    assert tx.return_value == exec_price
    assert btc_venue.position(depositor)[0] == -BTC


@pytest.mark.parametrize("side", [1, -1], ids=["buy", "sell"])
def test_trade__premium_reaches_half__reverts_liquidity(btc_venue, admin, depositor, deposit, side):
    btc_venue.set_depth(120_000 * WAD, sender=admin)  # 1 BTC (60,000 USD) would move the price 50 %
    deposit(depositor, 200_000 * USDC)
    params = venue_params(btc_venue)

    def fillable(size):
        try:
            math.quote(side * size, 60_000 * WAD, params)
            return True
        except ModelRevert:
            return False

    largest = last_true(fillable, 1, BTC)
    with ape.reverts("venue: liquidity"):
        btc_venue.quote_trade(depositor, side * (largest + 1))
    with ape.reverts("venue: liquidity"):
        btc_venue.trade(side * (largest + 1), MAX_UINT if side > 0 else 0, sender=depositor)

    tx = btc_venue.trade(side * largest, MAX_UINT if side > 0 else 0, sender=depositor)
    assert tx.return_value == math.quote(side * largest, 60_000 * WAD, params)[0]


def test_trade__zero_size__reverts(btc_venue, depositor, deposit):
    deposit(depositor, 1_000 * USDC)
    with ape.reverts("venue: zero size"):
        btc_venue.trade(0, MAX_UINT, sender=depositor)


def test_trade__while_paused__reverts(btc_venue, admin, depositor, deposit):
    deposit(depositor, 1_000 * USDC)
    tx = btc_venue.set_trading_paused(True, sender=admin)
    assert btc_venue.trading_paused() is True
    assert only_event(tx, btc_venue.TradingPaused).paused  # (ape decodes the bool as 1)
    with ape.reverts("venue: paused"):
        btc_venue.trade(BTC // 100, MAX_UINT, sender=depositor)


def test_trade__after_unpause__fills(btc_venue, admin, depositor, deposit):
    deposit(depositor, 1_000 * USDC)
    btc_venue.set_trading_paused(True, sender=admin)
    tx = btc_venue.set_trading_paused(False, sender=admin)
    assert not only_event(tx, btc_venue.TradingPaused).paused
    assert btc_venue.trading_paused() is False
    btc_venue.trade(BTC // 100, MAX_UINT, sender=depositor)
    assert btc_venue.position(depositor)[0] == BTC // 100


def test_trade__no_margin__reverts_max_leverage(btc_venue, outsider):
    with ape.reverts("venue: max leverage"):
        btc_venue.trade(BTC // 1000, MAX_UINT, sender=outsider)


# ------------------------------------------------------------------ cost-basis accounting


def test_trade__increase_long__open_notional_adds_each_fill_rounded_up(
    btc_venue, depositor, deposit, trade, move_price, mirror, now
):
    deposit(depositor, 10_000 * USDC)
    _, (price_1, fee_1, _) = trade(depositor, BTC)
    move_price(62_000)
    tx, (price_2, fee_2, realized) = trade(depositor, BTC // 2 + 1)

    expected_notional = math.ceil_div(BTC * price_1, WAD) + math.ceil_div((BTC // 2 + 1) * price_2, WAD)
    assert btc_venue.open_notional(depositor) == expected_notional
    size = 3 * BTC // 2 + 1
    assert btc_venue.position(depositor) == (size, expected_notional * WAD // size, 10_000 * USDC - fee_1 - fee_2)
    assert realized == 0 and only_event(tx, btc_venue.Traded).realized_pnl == 0
    assert_account(btc_venue, mirror, depositor, now())


def test_trade__partial_decrease__realises_pro_rata_pnl(btc_venue, depositor, deposit, trade, move_price, mirror, now):
    deposit(depositor, 10_000 * USDC)
    _, (_, fee_1, _) = trade(depositor, BTC)
    move_price(63_000)
    notional_before = btc_venue.open_notional(depositor)

    tx, (exit_price, fee_2, realized) = trade(depositor, -4 * BTC // 10)

    released = notional_before * 4 // 10
    assert realized == math.floor_div(4 * BTC // 10 * exit_price - released * WAD, WAD * ASSET_SCALE)
    assert realized > 1_100 * USDC  # about 0.4 * (63,000 - 60,000) less spread and impact
    log = only_event(tx, btc_venue.Traded)
    assert (log.realized_pnl, log.size_after, log.exec_price, log.fee) == (realized, 6 * BTC // 10, exit_price, fee_2)
    assert btc_venue.open_notional(depositor) == notional_before - released
    assert btc_venue.position(depositor)[2] == 10_000 * USDC - fee_1 - fee_2 + realized
    assert_account(btc_venue, mirror, depositor, now())


def test_trade__full_close__open_notional_back_to_zero(btc_venue, depositor, deposit, trade, move_price, mirror, now):
    deposit(depositor, 10_000 * USDC)
    _, (_, fee_1, _) = trade(depositor, 7 * BTC // 10)
    move_price(58_500)

    tx, (_, fee_2, realized) = trade(depositor, -7 * BTC // 10)

    assert realized < 0
    assert only_event(tx, btc_venue.Traded).realized_pnl == realized
    assert btc_venue.open_notional(depositor) == 0
    margin = 10_000 * USDC - fee_1 - fee_2 + realized
    assert btc_venue.position(depositor) == (0, 0, margin)
    assert btc_venue.equity(depositor) == margin
    assert btc_venue.max_withdrawable(depositor) == margin
    assert_account(btc_venue, mirror, depositor, now())


def test_trade__flip_long_to_short__closes_all_then_opens_the_rest(
    btc_venue, depositor, deposit, trade, move_price, mirror, now
):
    deposit(depositor, 20_000 * USDC)
    trade(depositor, BTC)
    move_price(61_000)
    notional_before = btc_venue.open_notional(depositor)

    tx, (exec_price, fee, realized) = trade(depositor, -5 * BTC // 2)

    # the whole long closes at exec_price, then 1.5 BTC opens short at the same price
    assert realized == math.floor_div(BTC * exec_price - notional_before * WAD, WAD * ASSET_SCALE)
    assert btc_venue.open_notional(depositor) == math.ceil_div(-3 * BTC // 2 * exec_price, WAD)
    assert btc_venue.position(depositor)[:2] == (-3 * BTC // 2, exec_price)
    log = only_event(tx, btc_venue.Traded)
    assert (log.size_after, log.realized_pnl, log.fee) == (-3 * BTC // 2, realized, fee)
    assert_account(btc_venue, mirror, depositor, now())


STEPS = [  # (BTC price, size delta)
    (60_000, BTC),
    (60_500, BTC // 3),
    (59_800, -(BTC // 7)),
    (57_000, -2 * BTC),  # flip to short
    (57_321, -(BTC // 10)),
    (56_000, BTC // 4),
    (58_250, 3 * BTC),  # flip to long
]
STEPS.append((59_999, -sum(size for _, size in STEPS)))  # close


def test_trade__sequence_of_increases_decreases_and_flips__matches_model_after_every_step(
    btc_venue, depositor, deposit, trade, move_price, mirror, now
):
    deposit(depositor, 50_000 * USDC)
    for usd, size_delta in STEPS:
        move_price(usd)
        tx, (exec_price, fee, realized) = trade(depositor, size_delta)
        log = only_event(tx, btc_venue.Traded)
        assert (log.exec_price, log.fee, log.realized_pnl, log.size_after) == (
            exec_price,
            fee,
            realized,
            mirror.account(depositor).size,
        )
        assert_account(btc_venue, mirror, depositor, now())
    assert btc_venue.position(depositor)[:2] == (0, 0)
    assert btc_venue.open_notional(depositor) == 0


def test_trade__short_increase_and_decrease__matches_model(
    btc_venue, depositor, deposit, trade, move_price, mirror, now
):
    deposit(depositor, 10_000 * USDC)
    trade(depositor, -BTC // 2)
    trade(depositor, -BTC // 4)
    assert btc_venue.position(depositor)[1] < 60_000 * WAD  # sold below the oracle
    move_price(61_000)
    _, (_, _, realized) = trade(depositor, BTC // 3)
    assert realized < 0  # a short buying back higher loses
    assert_account(btc_venue, mirror, depositor, now())


# ------------------------------------------------------------------ funding


@pytest.fixture
def long_and_short(depositor, other_depositor, deposit, trade):
    """depositor long 1 BTC, other_depositor short 1 BTC, each with 10,000 USDC, funding rate 0."""
    deposit(depositor, 10_000 * USDC)
    deposit(other_depositor, 10_000 * USDC)
    trade(depositor, BTC)
    trade(other_depositor, -BTC)


RATE = 10**10  # 1e-8 per second


def test_funding__positive_rate__long_pays_short_receives(
    btc_venue, chain, depositor, other_depositor, long_and_short, set_rate, mirror, now
):
    t0 = now() + 10
    chain.pending_timestamp = t0
    set_rate(RATE)
    chain.mine(timestamp=t0 + 3600)

    # index = 1e-8/s * 3600 s * 60,000 USD = 2.16 USD per BTC
    assert mirror.index_at(now()) == 2_160_000_000_000_000_000
    assert btc_venue.funding_owed(depositor) == 2_160_000
    assert btc_venue.funding_owed(other_depositor) == -2_160_000
    assert_account(btc_venue, mirror, depositor, now())
    assert_account(btc_venue, mirror, other_depositor, now())


def test_funding__negative_rate__short_pays_long_receives(
    btc_venue, chain, depositor, other_depositor, long_and_short, set_rate, mirror, now
):
    t0 = now() + 10
    chain.pending_timestamp = t0
    set_rate(-3 * RATE)
    chain.mine(timestamp=t0 + 1000)

    assert btc_venue.funding_owed(depositor) == -1_800_000  # 3e-8 * 1000 * 60,000
    assert btc_venue.funding_owed(other_depositor) == 1_800_000
    assert_account(btc_venue, mirror, depositor, now())
    assert_account(btc_venue, mirror, other_depositor, now())


def test_funding__fractional_amounts__rounded_in_venue_favour(
    btc_venue, chain, depositor, other_depositor, deposit, trade, set_rate, mirror, now
):
    deposit(depositor, 10 * USDC)
    deposit(other_depositor, 10 * USDC)
    trade(depositor, BTC // 10**6)
    trade(other_depositor, -(BTC // 10**6))
    t0 = now() + 10
    chain.pending_timestamp = t0
    set_rate(RATE)
    chain.mine(timestamp=t0 + 3600)

    # 1e-6 BTC * 2.16 USD/BTC = 2.16 base units: the long pays 3, the short receives 2
    assert btc_venue.funding_owed(depositor) == 3
    assert btc_venue.funding_owed(other_depositor) == -2
    assert mirror.funding_owed(depositor, now()) == 3
    assert mirror.funding_owed(other_depositor, now()) == -2


def test_funding__settled_on_touch__moves_owed_into_margin_with_equity_unchanged(
    btc_venue, chain, depositor, other_depositor, long_and_short, set_rate, fund, mirror, now
):
    t0 = now() + 10
    chain.pending_timestamp = t0
    set_rate(RATE)
    t1 = t0 + 7200
    for who in (depositor, other_depositor):
        fund(who, btc_venue, 5 * USDC)  # mined before t1: touches nothing on the venue
    for who in (depositor, other_depositor):
        owed = mirror.funding_owed(who, t1)
        equity = mirror.equity(who, t1)
        margin = btc_venue.position(who)[2]

        chain.pending_timestamp = t1
        tx = btc_venue.deposit(5 * USDC, sender=who)
        mirror.deposit(who, 5 * USDC, tx.timestamp)

        assert tx.timestamp == t1 == now()
        assert owed == (4_320_000 if who == depositor else -4_320_000)
        assert [(log.account, log.amount) for log in tx.decode_logs(btc_venue.FundingSettled)] == [(who, owed)]
        assert mirror.funding_paid[str(who)] == owed
        assert btc_venue.funding_owed(who) == 0
        assert btc_venue.position(who)[2] == margin - owed + 5 * USDC
        assert btc_venue.equity(who) == equity + 5 * USDC
        assert_account(btc_venue, mirror, who, now())
    assert btc_venue.funding_index() == 4_320_000_000_000_000_000
    assert btc_venue.funding_updated_at() == t1


def test_funding__rate_change__accrues_old_rate_until_the_change_at_the_price_of_each_update(
    btc_venue, chain, depositor, other_depositor, long_and_short, set_rate, move_price, mirror, now
):
    t0 = now() + 10
    chain.pending_timestamp = t0
    set_rate(RATE)
    chain.pending_timestamp = t0 + 600
    move_price(64_000)  # the next update prices all 600 s at 64,000
    chain.pending_timestamp = t0 + 1000
    set_rate(-2 * RATE)
    assert btc_venue.funding_index() == RATE * 1000 * 64_000  # 1e-8 * 1000 s * 64,000 USD, in WAD
    chain.mine(timestamp=t0 + 1500)

    expected_index = RATE * 1000 * 64_000 - 2 * RATE * 500 * 64_000
    assert mirror.index_at(now()) == expected_index
    assert btc_venue.funding_owed(depositor) == 0  # +0.64 USD then -0.64 USD per BTC
    assert_account(btc_venue, mirror, depositor, now())
    assert_account(btc_venue, mirror, other_depositor, now())


def test_funding__touch_while_oracle_answer_is_zero__does_not_erase_funding_accrued_before(
    btc_venue, btc_oracle, chain, admin, depositor, outsider, long_and_short, set_rate, fund, move_price, now
):
    """Funding accrued over an hour of valid prices must survive a touch during a feed outage. The
    venue prices the whole elapsed period at the current (unusable, zero) answer and moves
    `funding_updated_at` forward, so the hour of funding is lost for every account."""
    fund(outsider, btc_venue, USDC)
    t0 = now() + 10
    chain.pending_timestamp = t0
    set_rate(RATE)
    chain.pending_timestamp = t0 + 3600
    btc_oracle.set_round_data(0, t0 + 3600, 0, sender=admin)  # feed outage: answer 0
    chain.pending_timestamp = t0 + 3601
    btc_venue.deposit(USDC, sender=outsider)  # any account's touch updates the global index
    chain.pending_timestamp = t0 + 3602
    move_price(60_000)  # feed back

    # the hour before the outage alone: 1e-8/s * 3600 s * 60,000 USD on 1 BTC = 2.16 USDC
    assert btc_venue.funding_owed(depositor) >= 2_160_000


@pytest.mark.parametrize("rate", [7, -7], ids=["positive", "negative"])
def test_funding__inexact_accrual__index_rounds_toward_zero(btc_venue, chain, set_rate, move_price, mirror, now, rate):
    move_price("61234.56789012")
    t0 = now() + 10
    chain.pending_timestamp = t0
    set_rate(rate)
    chain.pending_timestamp = t0 + 13
    set_rate(0)

    # 7e-18/s * 13 s * 61,234.56789012 USD = 5,572,345.678 wei: the EVM's signed division truncates
    assert btc_venue.funding_index() == mirror.funding_index == (5_572_345 if rate > 0 else -5_572_345)


def test_funding__while_flat__nothing_owed(btc_venue, chain, depositor, deposit, set_rate, now):
    deposit(depositor, 1_000 * USDC)
    set_rate(RATE)
    chain.mine(deltatime=86_400)
    assert btc_venue.funding_owed(depositor) == 0
    assert btc_venue.equity(depositor) == 1_000 * USDC


# ------------------------------------------------------------------ equity and previews


def test_equity__is_margin_plus_unrealised_pnl_minus_funding_owed(
    btc_venue, chain, depositor, deposit, trade, set_rate, move_price, mirror, now
):
    deposit(depositor, 3_000 * USDC)
    trade(depositor, BTC // 3)
    set_rate(7 * RATE)
    move_price("61111.11")
    chain.mine(deltatime=5_000)

    t = now()
    acc = mirror.account(depositor)
    margin = btc_venue.position(depositor)[2]
    upnl = math.unrealized_pnl(acc, wad("61111.11"), ASSET_SCALE)
    owed = math.funding_owed(acc, mirror.index_at(t), ASSET_SCALE)
    assert margin == acc.margin
    assert upnl > 0 and owed > 0
    assert btc_venue.funding_owed(depositor) == owed
    assert btc_venue.equity(depositor) == margin + upnl - owed
    assert btc_venue.equity(depositor) == math.equity(acc, wad("61111.11"), mirror.index_at(t), ASSET_SCALE)


def _snapshot_fields(snapshot) -> tuple:
    return snapshot.size, snapshot.equity, snapshot.price, snapshot.fresh, snapshot.updated_at, snapshot.margin


def test_account_snapshot__size_equity_price_freshness_and_margin(
    btc_venue, btc_oracle, admin, depositor, deposit, trade, mirror, now
):
    deposit(depositor, 3_000 * USDC)
    trade(depositor, -BTC // 4)
    updated_at = btc_oracle.latestRoundData()[3]
    margin = btc_venue.position(depositor)[2]
    assert margin < 3_000 * USDC  # the taker fee came out of it
    assert _snapshot_fields(btc_venue.account_snapshot(depositor)) == (
        -BTC // 4,
        mirror.equity(depositor, now()),
        60_000 * WAD,
        True,
        updated_at,
        margin,
    )

    btc_oracle.set_round_data(answer(60_000), now(), 1, sender=admin)  # incomplete round
    assert _snapshot_fields(btc_venue.account_snapshot(depositor))[:4] == (
        -BTC // 4,
        mirror.equity(depositor, now()),
        60_000 * WAD,
        False,
    )


PREVIEWS = [  # (margin delta, size delta) on top of a 2,000 USDC / long 0.2 BTC account at 61,500
    (500 * USDC, BTC // 10),
    (0, -BTC // 20),
    (-100 * USDC, 0),
    (0, -BTC // 2),  # flip to short 0.3
    (250 * USDC + 1, -BTC // 5),  # full close
    (1, 1),
]


def _apply_delta(venue, who, fund, margin_delta, size_delta):
    if margin_delta > 0:
        fund(who, venue, margin_delta)
        venue.deposit(margin_delta, sender=who)
    elif margin_delta < 0:
        venue.withdraw(-margin_delta, who, sender=who)
    if size_delta:
        venue.trade(size_delta, MAX_UINT if size_delta > 0 else 0, sender=who)


@pytest.mark.parametrize("margin_delta,size_delta", PREVIEWS)
def test_preview_equity__deposit_or_withdraw_then_trade__equals_equity_observed_after(
    btc_venue, depositor, deposit, trade, move_price, fund, mirror, now, margin_delta, size_delta
):
    deposit(depositor, 2_000 * USDC)
    trade(depositor, BTC // 5)
    move_price(61_500)

    preview = btc_venue.preview_equity(depositor, margin_delta, size_delta)
    acc = mirror.account(depositor)
    assert preview == math.preview_equity(acc, margin_delta, size_delta, wad(61_500), 0, venue_params(btc_venue))

    _apply_delta(btc_venue, depositor, fund, margin_delta, size_delta)

    assert btc_venue.equity(depositor) == preview


def test_preview_equity__with_funding_accruing__equals_equity_after_deposit_and_trade_in_that_block(
    btc_venue, chain, depositor, deposit, trade, set_rate, move_price, fund, mirror, now
):
    deposit(depositor, 2_000 * USDC)
    trade(depositor, BTC // 5)
    set_rate(5 * RATE)
    chain.mine(deltatime=10_000)
    move_price(60_000)  # keep the feed fresh for the trade
    fund(depositor, btc_venue, 300 * USDC)
    t = now()

    preview = btc_venue.preview_equity(depositor, 300 * USDC, -BTC // 2)
    acc = mirror.account(depositor)
    assert math.funding_owed(acc, mirror.index_at(t), ASSET_SCALE) > 0
    assert preview == math.preview_equity(acc, 300 * USDC, -BTC // 2, 60_000 * WAD, mirror.index_at(t), mirror.params)

    chain.pending_timestamp = t
    btc_venue.deposit(300 * USDC, sender=depositor)
    chain.pending_timestamp = t
    btc_venue.trade(-BTC // 2, 0, sender=depositor)

    assert now() == t
    assert btc_venue.equity(depositor) == preview


def test_preview_equity__with_funding__next_block_differs_by_exactly_the_funding_accrued(
    btc_venue, chain, depositor, deposit, trade, set_rate, move_price, fund, mirror, now
):
    deposit(depositor, 2_000 * USDC)
    trade(depositor, BTC // 5)
    set_rate(5 * RATE)
    chain.mine(deltatime=10_000)
    move_price(60_000)  # keep the feed fresh for the trade
    fund(depositor, btc_venue, 300 * USDC)
    preview = btc_venue.preview_equity(depositor, 300 * USDC, BTC // 10)

    t = now() + 30
    chain.pending_timestamp = t
    tx = btc_venue.deposit(300 * USDC, sender=depositor)
    mirror.deposit(depositor, 300 * USDC, tx.timestamp)
    chain.pending_timestamp = t
    tx = btc_venue.trade(BTC // 10, MAX_UINT, sender=depositor)
    mirror.trade(depositor, BTC // 10, tx.timestamp)

    accrued_30s = math.ceil_div(2 * BTC // 10 * (5 * RATE * 30 * 60_000), WAD * ASSET_SCALE)
    assert accrued_30s == 18_000  # 0.2 BTC * 5e-8/s * 30 s * 60,000 USD = 0.018 USDC
    assert btc_venue.equity(depositor) == mirror.equity(depositor, t) == preview - accrued_30s


# ------------------------------------------------------------------ max leverage


def test_trade__one_wei_past_max_leverage__reverts_and_the_boundary_fills(
    btc_venue, depositor, deposit, trade, mirror, now
):
    deposit(depositor, 1_000 * USDC)
    t = now()
    largest = last_true(lambda s: mirror.trade_within_max_leverage(depositor, s, t), 1, BTC)
    # 20x of the equity left after fee, spread and impact: 60,000 s <= 20 (1,000 - ~42 s)
    assert 32 * BTC // 100 < largest < 33 * BTC // 100

    with ape.reverts("venue: max leverage"):
        btc_venue.trade(largest + 1, MAX_UINT, sender=depositor)
    trade(depositor, largest)

    assert btc_venue.position(depositor)[0] == largest
    assert_account(btc_venue, mirror, depositor, now())
    assert btc_venue.max_withdrawable(depositor) == mirror.free_margin(depositor, now())
    with ape.reverts("venue: max leverage"):
        btc_venue.trade(10**12, MAX_UINT, sender=depositor)


def test_trade__reduce_above_max_leverage__allowed(btc_venue, admin, depositor, deposit, trade, mirror, now):
    deposit(depositor, 1_000 * USDC)
    trade(depositor, BTC // 6)  # about 10x
    btc_venue.set_max_leverage(2 * WAD, sender=admin)

    with ape.reverts("venue: max leverage"):
        btc_venue.trade(BTC // 1000, MAX_UINT, sender=depositor)
    trade(depositor, -(BTC // 12))  # still about 5x, above the new 2x

    assert btc_venue.position(depositor)[0] == BTC // 6 - BTC // 12
    assert_account(btc_venue, mirror, depositor, now())


def test_trade__flip_to_a_larger_opposite_position__checks_max_leverage(
    btc_venue, depositor, deposit, trade, mirror, now
):
    deposit(depositor, 1_000 * USDC)
    trade(depositor, 3 * BTC // 10)  # 18,000 USD, about 18x

    with ape.reverts("venue: max leverage"):
        btc_venue.trade(-65 * BTC // 100, 0, sender=depositor)  # short 0.35 BTC: 21,000 USD
    trade(depositor, -55 * BTC // 100)  # short 0.25 BTC: smaller, no check

    assert btc_venue.position(depositor)[0] == -BTC // 4
    assert_account(btc_venue, mirror, depositor, now())


def test_set_max_leverage__raised__allows_a_larger_position(btc_venue, admin, depositor, deposit, mirror, now):
    deposit(depositor, 1_000 * USDC)
    with ape.reverts("venue: max leverage"):
        btc_venue.trade(BTC // 2, MAX_UINT, sender=depositor)
    btc_venue.set_max_leverage(50 * WAD, sender=admin)
    mirror.max_leverage = 50 * WAD
    assert mirror.trade_within_max_leverage(depositor, BTC // 2, now())
    btc_venue.trade(BTC // 2, MAX_UINT, sender=depositor)
    assert btc_venue.position(depositor)[0] == BTC // 2


# ------------------------------------------------------------------ liquidation


def test_liquidate__no_position__reverts(btc_venue, depositor, outsider, deposit):
    deposit(depositor, 1_000 * USDC)
    with ape.reverts("venue: no position"):
        btc_venue.liquidate(depositor, sender=outsider)


def test_liquidate__healthy__reverts(btc_venue, depositor, outsider, deposit, trade):
    deposit(depositor, 1_000 * USDC)
    trade(depositor, 3 * BTC // 10)  # 18x: close to the limit but above maintenance
    with ape.reverts("venue: healthy"):
        btc_venue.liquidate(depositor, sender=outsider)


@pytest.mark.parametrize("side", [1, -1], ids=["long", "short"])
def test_liquidate__one_tick_from_maintenance__healthy_reverts_then_closes_at_oracle_price(
    btc_venue, btc_oracle, usdc, admin, depositor, outsider, deposit, trade, mirror, now, side
):
    deposit(depositor, 1_000 * USDC)
    trade(depositor, side * 15 * BTC // 100)  # 9,000 USD, about 9x

    def liquidatable(ans):
        return mirror.liquidatable_at(depositor, ans * ORACLE_SCALE)

    if side > 0:  # a long becomes liquidatable as the price falls: find the highest such answer
        worst = last_true(liquidatable, 1, answer(60_000))
        still_healthy = worst + 1
    else:  # a short as it rises: the lowest such answer
        worst = last_true(lambda a: not liquidatable(a), answer(60_000), answer(120_000)) + 1
        still_healthy = worst - 1
    assert answer(4_900) < abs(worst - answer(60_000)) < answer(5_500)  # about a 9 % move

    btc_oracle.set_price(still_healthy, sender=admin)
    with ape.reverts("venue: healthy"):
        btc_venue.liquidate(depositor, sender=outsider)

    tx = btc_oracle.set_price(worst, sender=admin)
    mirror.set_price(worst * ORACLE_SCALE, tx.timestamp)
    size = btc_venue.position(depositor)[0]
    tx = btc_venue.liquidate(depositor, sender=outsider)
    penalty = mirror.liquidate(depositor, tx.timestamp)

    # closed at the oracle price, no fee: penalty is 1 % of the notional, paid from margin
    assert penalty == notional_assets(size, worst * ORACLE_SCALE) // 100
    assert tx.return_value == penalty
    assert usdc.balanceOf(outsider) == penalty
    log = only_event(tx, btc_venue.Liquidated)
    assert (log.account, log.liquidator, log.size, log.price, log.penalty) == (
        depositor.address,
        outsider.address,
        size,
        worst * ORACLE_SCALE,
        penalty,
    )
    assert btc_venue.open_notional(depositor) == 0
    assert btc_venue.position(depositor)[:2] == (0, 0)
    assert_account(btc_venue, mirror, depositor, now())
    assert btc_venue.position(depositor)[2] > 0


def test_liquidate__bad_debt__pays_no_penalty_and_leaves_negative_margin(
    btc_venue, usdc, depositor, outsider, deposit, trade, move_price, mirror, now
):
    deposit(depositor, 1_000 * USDC)
    trade(depositor, 3 * BTC // 10)
    move_price(54_000)  # -1,800 USD on 1,000 of margin

    tx = btc_venue.liquidate(depositor, sender=outsider)
    assert mirror.liquidate(depositor, tx.timestamp) == 0

    assert tx.return_value == 0
    assert usdc.balanceOf(outsider) == 0
    assert only_event(tx, btc_venue.Liquidated).penalty == 0
    margin = btc_venue.position(depositor)[2]
    assert margin < -800 * USDC
    assert_account(btc_venue, mirror, depositor, now())


def test_liquidate__stale_price__reverts(btc_venue, btc_oracle, admin, depositor, outsider, deposit, trade, now):
    deposit(depositor, 1_000 * USDC)
    trade(depositor, 3 * BTC // 10)
    btc_oracle.set_round_data(answer(40_000), now() - 3601, 0, sender=admin)
    with ape.reverts("venue: stale price"):
        btc_venue.liquidate(depositor, sender=outsider)


# ------------------------------------------------------------------ oracle failures


STALE_ROUNDS = {  # (answer, updated_at relative to the block, answered_in_round offset)
    "older_than_max_age": (answer(60_000), -3601, 0),
    "zero_answer": (0, 0, 0),
    "negative_answer": (-answer(60_000), 0, 0),
    "incomplete_round": (answer(60_000), 0, 1),
    "updated_in_the_future": (answer(60_000), 1, 0),
}


@pytest.mark.parametrize("case", list(STALE_ROUNDS))
def test_mark_price__unusable_round__reverts_stale_price(btc_venue, btc_oracle, chain, admin, now, case):
    ans, age, offset = STALE_ROUNDS[case]
    t = now() + 5
    chain.pending_timestamp = t
    btc_oracle.set_round_data(ans, t + age, offset, sender=admin)

    with ape.reverts("venue: stale price"):
        btc_venue.mark_price()


@pytest.mark.parametrize("case", list(STALE_ROUNDS))
def test_oracle_price__unusable_round__reports_not_ok_without_reverting(btc_venue, btc_oracle, chain, admin, now, case):
    ans, age, offset = STALE_ROUNDS[case]
    t = now() + 5
    chain.pending_timestamp = t
    btc_oracle.set_round_data(ans, t + age, offset, sender=admin)

    assert btc_venue.oracle_price() == (max(ans, 0) * ORACLE_SCALE, t + age, False)


@pytest.mark.parametrize("case", list(STALE_ROUNDS))
def test_trade__unusable_round__reverts_stale_price(btc_venue, btc_oracle, chain, admin, depositor, deposit, now, case):
    deposit(depositor, 1_000 * USDC)
    ans, age, offset = STALE_ROUNDS[case]
    t = now() + 5
    chain.pending_timestamp = t
    btc_oracle.set_round_data(ans, t + age, offset, sender=admin)

    chain.pending_timestamp = t
    with ape.reverts("venue: stale price"):
        btc_venue.trade(BTC // 100, MAX_UINT, sender=depositor)


def test_mark_price__exactly_max_oracle_age__still_fresh(btc_venue, btc_oracle, chain, admin, now):
    t = now() + 5
    chain.pending_timestamp = t
    btc_oracle.set_round_data(answer(61_000), t - 3600, 0, sender=admin)
    assert btc_venue.mark_price() == 61_000 * WAD
    assert btc_venue.oracle_price() == (61_000 * WAD, t - 3600, True)


def test_mark_price__feed_goes_quiet__stale_after_max_oracle_age(btc_venue, chain, move_price):
    move_price(60_000)
    updated_at = btc_venue.oracle_price()[1]
    chain.mine(timestamp=updated_at + 3600)
    assert btc_venue.mark_price() == 60_000 * WAD
    chain.mine(timestamp=updated_at + 3601)
    with ape.reverts("venue: stale price"):
        btc_venue.mark_price()


def test_set_max_oracle_age__shorter__moves_the_staleness_boundary(btc_venue, chain, admin, move_price):
    btc_venue.set_max_oracle_age(60, sender=admin)
    move_price(60_000)
    updated_at = btc_venue.oracle_price()[1]
    chain.mine(timestamp=updated_at + 60)
    assert btc_venue.mark_price() == 60_000 * WAD
    chain.mine(timestamp=updated_at + 61)
    with ape.reverts("venue: stale price"):
        btc_venue.mark_price()


def test_trade__incomplete_round_then_fresh_price__fills_at_the_fresh_price(
    btc_venue, btc_oracle, admin, depositor, deposit, move_price, now
):
    deposit(depositor, 1_000 * USDC)
    btc_oracle.set_round_data(answer(60_000), now(), 1, sender=admin)
    with ape.reverts("venue: stale price"):
        btc_venue.trade(BTC // 100, MAX_UINT, sender=depositor)
    move_price(59_000)
    tx = btc_venue.trade(BTC // 100, MAX_UINT, sender=depositor)
    assert tx.return_value == math.quote(BTC // 100, 59_000 * WAD, venue_params(btc_venue))[0]


# ------------------------------------------------------------------ owner knobs


OWNER_SETTERS = [
    ("set_trading_paused", True),
    ("set_half_spread_bps", 3),
    ("set_taker_fee_bps", 3),
    ("set_depth", 10**6 * WAD),
    ("set_max_leverage", 10 * WAD),
    ("set_max_oracle_age", 60),
    ("set_funding_rate_per_second", RATE),
]


@pytest.mark.parametrize("setter,value", OWNER_SETTERS, ids=[s for s, _ in OWNER_SETTERS])
def test_owner_setter__from_outsider__reverts_not_owner(btc_venue, outsider, setter, value):
    with ape.reverts("venue: not owner"):
        getattr(btc_venue, setter)(value, sender=outsider)


OUT_OF_BOUNDS = [
    ("set_half_spread_bps", 501),
    ("set_taker_fee_bps", 501),
    ("set_depth", 0),
    ("set_max_leverage", WAD - 1),
    ("set_max_leverage", 100 * WAD + 1),
    ("set_max_oracle_age", 0),
    ("set_funding_rate_per_second", 10**13 + 1),
    ("set_funding_rate_per_second", -(10**13) - 1),
]


@pytest.mark.parametrize("setter,value", OUT_OF_BOUNDS, ids=[f"{s}={v}" for s, v in OUT_OF_BOUNDS])
def test_owner_setter__out_of_bounds__reverts_bounds(btc_venue, admin, setter, value):
    with ape.reverts("venue: bounds"):
        getattr(btc_venue, setter)(value, sender=admin)


AT_BOUNDS = [  # (setter, value, getter)
    ("set_half_spread_bps", 500, "half_spread_bps"),
    ("set_half_spread_bps", 0, "half_spread_bps"),
    ("set_taker_fee_bps", 500, "taker_fee_bps"),
    ("set_taker_fee_bps", 0, "taker_fee_bps"),
    ("set_depth", 1, "depth"),
    ("set_max_leverage", WAD, "max_leverage"),
    ("set_max_leverage", 100 * WAD, "max_leverage"),
    ("set_max_oracle_age", 1, "max_oracle_age"),
    ("set_funding_rate_per_second", 10**13, "funding_rate_per_second"),
    ("set_funding_rate_per_second", -(10**13), "funding_rate_per_second"),
]


@pytest.mark.parametrize("setter,value,getter", AT_BOUNDS, ids=[f"{s}={v}" for s, v, _ in AT_BOUNDS])
def test_owner_setter__at_bound__stores_value_and_logs_parameter_set(btc_venue, admin, setter, value, getter):
    tx = getattr(btc_venue, setter)(value, sender=admin)
    assert getattr(btc_venue, getter)() == value
    log = only_event(tx, btc_venue.ParameterSet)
    assert log.value == value
    assert log.name == getter


def test_set_funding_rate__updates_index_at_the_old_rate_first(btc_venue, chain, admin, set_rate, now):
    t0 = now() + 10
    chain.pending_timestamp = t0
    set_rate(RATE)
    chain.pending_timestamp = t0 + 100
    tx = btc_venue.set_funding_rate_per_second(0, sender=admin)
    assert tx.timestamp == t0 + 100
    assert btc_venue.funding_index() == RATE * 100 * 60_000
    assert btc_venue.funding_updated_at() == t0 + 100
    chain.mine(deltatime=1000)
    assert btc_venue.funding_index() == RATE * 100 * 60_000
