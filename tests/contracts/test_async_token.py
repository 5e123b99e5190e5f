"""LeveragedTokenAsync on MockAsyncPerpVenue: ERC-7540 requests settled in netted rounds, priced
at the fill the venue recorded. The deferred-fill scenario of issue 16 (a deposit requested
before a +5 % move and filled after it) leaves the existing holder's value equal, to the wei
and rounding in the holder's favour, to a run in which the request never happened; netting,
cancellation, refusal and expiry, claims, the payout order and ERC-165 are held to their rules.
"""

from __future__ import annotations

import ape
import pytest
from eth_utils import function_signature_to_4byte_selector
from helpers import deploy_async_btc3l, oracle_usd

from ltsdk.math import drift_bps, fee, leverage, mul_div, target_size
from ltsdk.replica import async_token as model
from ltsdk.units import USDC, WAD

MAX_UINT = 2**256 - 1
BPS = 10_000
MINT_FEE_BPS = REDEEM_FEE_BPS = 10  # the protocol's defaults

# LeveragedTokenAsync round status
OPEN, IN_FLIGHT, PAYING, SETTLED = 0, 1, 2, 3
# IAsyncPerpVenue order status
FILLED, REFUSED, EXPIRED = 2, 3, 5
# rebalance_status() reasons (lt_math.vy)
NONE, SCHEDULED, BAND, RIPCORD, IN_FLIGHT_REASON = 0, 1, 2, 4, 5
MISSING_ROLE = "access_control: account is missing role"


# ------------------------------------------------------------------ deployment


@pytest.fixture(scope="session")
def async_token_stack(project, admin, keeper, guardian, fee_recipient, usdc):
    """A BTC oracle at 60,000, an asynchronous BTC-PERP venue with the keeper as its venue keeper,
    and a BTC3L token on it (10 bps mint and redeem fees) with the keeper holding KEEPER_ROLE and
    collateral for execution fees."""
    oracle, venue, token = deploy_async_btc3l(project, admin, usdc, keeper, fee_recipient, fee_bps=MINT_FEE_BPS)
    token.grantRole(token.KEEPER_ROLE(), keeper, sender=admin)
    token.grantRole(token.GUARDIAN_ROLE(), guardian, sender=admin)
    usdc.mint(keeper, 1_000 * USDC, sender=keeper)
    usdc.approve(token, MAX_UINT, sender=keeper)
    return oracle, venue, token


class Rounds:
    """Drives the token's rounds: the keeper closes, the venue keeper fills at a new oracle round
    in a later block, anyone settles."""

    def __init__(self, chain, usdc, oracle, venue, token, admin, keeper):
        self.chain, self.usdc, self.oracle, self.venue, self.token = chain, usdc, oracle, venue, token
        self.admin, self.keeper = admin, keeper
        self.usd = 60_000

    def warp(self, seconds: int) -> None:
        self.chain.pending_timestamp = max(self.chain.pending_timestamp, self.chain.blocks.head.timestamp) + seconds

    def price(self, usd) -> None:
        self.usd = usd
        self.oracle.set_price(oracle_usd(usd), sender=self.admin)

    def request_deposit(self, who, assets: int) -> None:
        self.usdc.mint(who, assets, sender=who)
        self.usdc.approve(self.token, MAX_UINT, sender=who)
        self.token.requestDeposit(assets, who, who, sender=who)

    def close(self):
        due = self.token.last_close() + self.token.round_interval()
        if self.chain.pending_timestamp < due:
            self.chain.pending_timestamp = due
        return self.token.close_round(sender=self.keeper)

    def fill(self, usd=None):
        """A new oracle round (at `usd`, default unchanged), then the venue keeper executes the
        round's order; returns the order's status."""
        order_id = self.token.rounds(self.token.flight_round()).order_id
        self.price(self.usd if usd is None else usd)
        self.venue.execute_order(order_id, sender=self.keeper)
        return self.venue.order(order_id).status

    def settle(self):
        return self.token.settle(sender=self.keeper)

    def run(self, usd=None):
        """close -> fill -> settle; returns the settle receipt."""
        self.close()
        assert self.fill(usd) == FILLED
        return self.settle()

    def seed(self, stayer, assets: int) -> int:
        """`stayer` deposits `assets` through a whole round and claims its shares."""
        self.request_deposit(stayer, assets)
        self.run()
        self.token.deposit(assets, stayer, stayer, sender=stayer)
        return self.token.balanceOf(stayer)

    def price_wad(self) -> int:
        return self.venue.account_snapshot(self.token).price

    def value(self, who) -> int:
        return self.token.convertToAssets(self.token.balanceOf(who))


@pytest.fixture
def rounds(chain, usdc, async_token_stack, admin, keeper):
    oracle, venue, token = async_token_stack
    return Rounds(chain, usdc, oracle, venue, token, admin, keeper)


@pytest.fixture
def stayer(depositor):
    """The existing holder who stays, whose value must not move because of others' requests."""
    return depositor


@pytest.fixture
def requester(other_depositor):
    return other_depositor


def round_cost(venue, order_id: int) -> int:
    """The round order's taker fee and impact against the oracle, plus its execution fee, from the
    fill the venue recorded (round_math._settlement's cost)."""
    f = venue.fill_of(order_id)
    return max(f.equity_before + f.collateral_delta - f.equity_after, 0) + f.execution_fee


# ------------------------------------------------------------------ a round's life


def test_round__request_close_fill_settle_claim__depositor_gets_nav_at_fill_less_its_costs(rounds, requester, usdc):
    token, venue = rounds.token, rounds.venue
    assets = 100_000 * USDC
    rounds.request_deposit(requester, assets)
    assert token.pendingDepositRequest(0, requester) == assets
    assert token.held_assets() == assets and token.totalAssets() == 0  # held apart, not NAV

    rounds.close()
    order_id = token.rounds(1).order_id
    assert venue.order(order_id).status == 1  # pending at the venue
    with ape.reverts("lt: order pending"):
        token.settle(sender=requester)

    assert rounds.fill() == FILLED
    tx = rounds.settle()
    event = tx.events.filter(token.RoundSettled)[0]
    assert event.cost == round_cost(venue, order_id) and event.deposits_pay
    # first round: shares at the initial NAV per share (100 assets), DEAD_SHARES locked in the token
    mint_fee = fee(assets, MINT_FEE_BPS)
    assert event.fees == mint_fee
    expected = (assets - mint_fee - event.cost) * WAD // (100 * USDC)
    assert event.shares_out == expected
    assert token.pendingDepositRequest(0, requester) == 0
    assert token.claimableDepositRequest(0, requester) == assets
    assert token.maxMint(requester) == expected - token.DEAD_SHARES()

    shares = token.deposit(assets, requester, requester, sender=requester).return_value
    assert shares == expected - token.DEAD_SHARES()
    assert token.balanceOf(requester) == shares and token.balanceOf(token) == token.DEAD_SHARES()
    assert token.claimableDepositRequest(0, requester) == 0
    # the fund holds the deposit less the fee and the round's cost, all of it NAV; the keeper was
    # repaid its execution fee; the mint fee waits for the fee recipient
    assert token.totalAssets() == assets - mint_fee - event.cost
    assert token.held_assets() == token.protocol_fees() == mint_fee
    recipient = token.fee_recipient()
    before = usdc.balanceOf(recipient)
    assert token.collect_fees(sender=requester).return_value == mint_fee
    assert usdc.balanceOf(recipient) == before + mint_fee and token.held_assets() == 0


def test_round__between_fill_and_settle__nav_and_supply_read_as_settled(rounds, stayer, requester):
    token = rounds.token
    rounds.seed(stayer, 500_000 * USDC)
    rounds.request_deposit(requester, 200_000 * USDC)
    rounds.close()
    assert rounds.fill() == FILLED
    before = (token.totalAssets(), token.totalSupply(), token.nav_per_share())
    rounds.settle()
    assert (token.totalAssets(), token.totalSupply(), token.nav_per_share()) == before


# ------------------------------------------------------------------ the deferred-fill scenario


@pytest.mark.parametrize("move_between_close_and_fill", [False, True])
def test_deferred_fill__deposit_before_a_5pct_move__holder_value_equals_the_run_without_it(
    rounds, stayer, requester, isolated, move_between_close_and_fill
):
    """Issue 16's review: 1M each; the depositor's request precedes a +5 % move and fills after
    it. The holder's value after settlement equals (to the wei, never below) its value at the
    same price had the request never been made; the depositor gets the NAV at the fill less the
    round's costs."""
    token, venue = rounds.token, rounds.venue
    token.set_round_parameters(300, 600, USDC, 10**16, 1_000, 1_000, sender=rounds.admin)  # 10 % price limit
    balance = rounds.seed(stayer, 1_000_000 * USDC)
    supply = token.totalSupply()

    with isolated():  # the run without the request: the same prices, one after the other
        rounds.price(63_000)
        rounds.price(63_000)
        without = rounds.value(stayer)

    assets = 1_000_000 * USDC
    rounds.request_deposit(requester, assets)
    if move_between_close_and_fill:
        rounds.close()  # priced at 60,000
        assert rounds.fill(63_000) == FILLED
    else:
        rounds.price(63_000)
        rounds.close()
        assert rounds.fill(63_000) == FILLED
    order_id = token.rounds(2).order_id
    tx = rounds.settle()
    event = tx.events.filter(token.RoundSettled)[0]
    with_request = rounds.value(stayer)
    assert 0 <= with_request - without <= 1
    # without the request, the holder's value is its share of H, the fund at the fill's price
    assert without == balance * event.nav_at_fill // supply
    shares = token.deposit(assets, requester, requester, sender=requester).return_value
    got = token.convertToAssets(shares)
    due = assets - fee(assets, MINT_FEE_BPS) - round_cost(venue, order_id)
    assert due - 2 <= got <= due


# ------------------------------------------------------------------ netting


def test_round__deposits_and_redeems__one_order_trades_the_net_and_the_side_in_excess_pays(rounds, stayer, requester):
    token, venue = rounds.token, rounds.venue
    rounds.seed(stayer, 1_000_000 * USDC)
    seed_fees = token.protocol_fees()
    supply, nav = token.totalSupply(), token.totalAssets()
    size = venue.position(token)[0]
    deposit_assets = 300_000 * USDC
    redeem_shares = token.balanceOf(stayer) // 10  # ~100k of value: the deposits are in excess
    rounds.request_deposit(requester, deposit_assets)
    token.requestRedeem(redeem_shares, stayer, stayer, sender=stayer)
    assert token.totalSupply() == supply  # pending redeems stay in the supply

    closed = rounds.close().events.filter(token.RoundClosed)[0]
    net = size * deposit_assets // nav - size * redeem_shares // supply
    assert closed.size_delta == net  # only the net trades
    order_id = closed.order_id
    assert rounds.fill() == FILLED
    event = rounds.settle().events.filter(token.RoundSettled)[0]
    assert event.deposits_pay
    # the redeemers pay no trading cost: exactly their shares' worth at the fill, less the redeem fee
    worth = redeem_shares * event.nav_at_fill // supply
    assert event.assets_out == worth - fee(worth, REDEEM_FEE_BPS)
    assert event.cost == round_cost(venue, order_id)
    mint_fee = fee(deposit_assets, MINT_FEE_BPS)
    assert event.shares_out == (deposit_assets - mint_fee - event.cost) * supply // event.nav_at_fill
    assert event.fees == mint_fee + fee(worth, REDEEM_FEE_BPS)

    paid = token.redeem(redeem_shares, stayer, stayer, sender=stayer).return_value
    assert paid == event.assets_out
    assert token.held_assets() == token.protocol_fees() == seed_fees + event.fees


def test_round__flow_crossed_exactly__trades_nothing_and_only_the_execution_fee_is_charged(rounds, stayer, requester):
    token, venue = rounds.token, rounds.venue
    rounds.seed(stayer, 1_000_000 * USDC)
    supply, nav = token.totalSupply(), token.totalAssets()
    deposit_assets = 100_000 * USDC
    redeem_shares = deposit_assets * supply // nav
    rounds.request_deposit(requester, deposit_assets)
    token.requestRedeem(redeem_shares, stayer, stayer, sender=stayer)
    closed = rounds.close().events.filter(token.RoundClosed)[0]
    assert abs(closed.size_delta) <= 1  # the two in-kind trades cancel (to the floor of each)
    assert rounds.fill() == FILLED
    event = rounds.settle().events.filter(token.RoundSettled)[0]
    f = venue.fill_of(closed.order_id)
    assert event.cost - f.execution_fee <= 1  # no impact, no fee beyond a unit of rounding


def test_round__redeems_in_excess__redeemers_pay_and_depositors_do_not(rounds, stayer, requester):
    token, venue = rounds.token, rounds.venue
    rounds.seed(stayer, 1_000_000 * USDC)
    supply = token.totalSupply()
    deposit_assets = 50_000 * USDC
    redeem_shares = token.balanceOf(stayer) // 4
    rounds.request_deposit(requester, deposit_assets)
    token.requestRedeem(redeem_shares, stayer, stayer, sender=stayer)
    order_id = rounds.close().events.filter(token.RoundClosed)[0].order_id
    assert rounds.fill() == FILLED
    event = rounds.settle().events.filter(token.RoundSettled)[0]
    assert not event.deposits_pay
    assert event.shares_out == (deposit_assets - fee(deposit_assets, MINT_FEE_BPS)) * supply // event.nav_at_fill
    net = redeem_shares * event.nav_at_fill // supply - round_cost(venue, order_id)
    assert event.assets_out == net - fee(net, REDEEM_FEE_BPS)


# ------------------------------------------------------------------ model agreement


def rebalance_parameters(token) -> model.RebalanceParameters:
    return model.RebalanceParameters(*token.rebalance_parameters())


def predicted_trade(token, venue, round_id: int, elapsed: int = 0) -> tuple[int, int, int]:
    """(the requests' trade, the fund's rebalance, its reason) close_round takes now for round
    `round_id`, `elapsed` seconds after the last rebalance, from ltsdk.replica.async_token."""
    size, equity, price = venue.account_snapshot(token)[:3]
    nav, supply, r = token.idle_assets() + equity, token.totalSupply(), token.rounds(round_id)
    return model.round_trade(
        size, max(nav, 0), supply, price, r.deposits, r.redeems, token.target_leverage(), True, token.ASSET_SCALE(),
        rebalance_parameters(token), elapsed,
    )  # fmt: skip


def predicted_order(token, venue, round_id: int) -> model.RoundOrder:
    """What close_round places now for round `round_id`, from ltsdk.replica.async_token."""
    equity, price = venue.account_snapshot(token)[1:3]
    nav, supply, r = token.idle_assets() + equity, token.totalSupply(), token.rounds(round_id)
    scale = token.ASSET_SCALE()
    k, x, _ = predicted_trade(token, venue, round_id)
    size_delta = k + x
    trade_cost = 0
    if size_delta != 0:
        exec_price, fee = venue.quote_trade(token, size_delta)
        trade_cost = fee + mul_div(abs(size_delta), abs(exec_price - price), WAD * scale, True)
    return model.round_order(
        size_delta,
        nav,
        supply,
        price,
        r.deposits,
        r.redeems,
        token.idle_assets(),
        venue.min_execution_fee(),
        token.mint_fee_bps(),
        trade_cost,
        token.redeem_cushion_bps(),
        token.max_slippage_bps(),
        True,
        token.initial_nav_per_share(),
        x,
    )


@pytest.mark.parametrize(
    "deposit_usd, redeem_fraction, fill_usd",
    [
        (300_000, 0, 60_000),  # deposits alone
        (300_000, 10, 61_000),  # deposits in excess, price up before the fill
        (50_000, 4, 59_000),  # redeems in excess, price down before the fill
        (0, 3, 60_500),  # redeems alone
    ],
)
def test_round__close_and_settle__match_the_model_to_the_wei(
    rounds, stayer, requester, deposit_usd, redeem_fraction, fill_usd
):
    token, venue = rounds.token, rounds.venue
    token.set_round_parameters(300, 600, USDC, 10**16, 1_000, 500, sender=rounds.admin)
    rounds.seed(stayer, 1_000_000 * USDC)
    if deposit_usd:
        rounds.request_deposit(requester, deposit_usd * USDC)
    if redeem_fraction:
        token.requestRedeem(token.balanceOf(stayer) // redeem_fraction, stayer, stayer, sender=stayer)
    round_id, idle, supply = token.open_round(), token.idle_assets(), token.totalSupply()
    r = token.rounds(round_id)
    expected = predicted_order(token, venue, round_id)
    closed = rounds.close().events.filter(token.RoundClosed)[0]
    assert (closed.size_delta, closed.collateral_delta) == (expected.size_delta, expected.collateral_delta)
    assert token.rounds(round_id).cash == expected.cash
    assert venue.order(closed.order_id).acceptable_price == expected.acceptable_price
    assert rounds.fill(fill_usd) == FILLED
    f = venue.fill_of(closed.order_id)
    settled = model.settlement(
        idle,
        f.equity_before,
        f.equity_after,
        f.collateral_delta,
        f.size_delta,
        f.execution_fee,
        supply,
        r.deposits,
        r.redeems,
        token.mint_fee_bps(),
        token.redeem_fee_bps(),
        True,
        token.initial_nav_per_share(),
    )
    event = rounds.settle().events.filter(token.RoundSettled)[0]
    assert (event.nav_at_fill, event.cost, event.deposits_pay, event.shares_out, event.assets_out, event.fees) == (
        settled.nav_at_fill,
        settled.cost,
        settled.deposits_pay,
        settled.shares_out,
        settled.assets_out,
        settled.fees,
    )


def test_close__fund_wiped_out__reverts_insolvent_and_requests_stay_cancellable(rounds, stayer, requester, usdc):
    """A crash that takes NAV to 0 or below with shares outstanding leaves no price for a share:
    close_round reverts "lt: insolvent" (not a division by zero) and the open request can still
    be cancelled in full."""
    token, venue = rounds.token, rounds.venue
    rounds.seed(stayer, 100_000 * USDC)
    rounds.price(38_000)  # a 3x long loses more than its NAV on a 36.7 % fall
    assert token.idle_assets() + venue.equity(token) <= 0 and token.totalSupply() > 0
    rounds.request_deposit(requester, 10_000 * USDC)
    with ape.reverts("lt: insolvent"):
        rounds.close()
    token.cancelDepositRequest(0, requester, sender=requester)
    assert usdc.balanceOf(requester) == 10_000 * USDC


@pytest.mark.parametrize("refused", [False, True])
def test_idle__leftover_cushion__rides_into_margin_with_the_next_round(rounds, stayer, requester, refused):
    """A redeem round whose cushion was not needed leaves idle collateral at the token; the next
    round takes it (it pays that round's cash first, the rest goes to margin with the order), so
    idle collateral does not pile up while margin shrinks. NAV does not move at the close; a
    refused order gives the idle collateral back to the fund."""
    token, venue = rounds.token, rounds.venue
    shares = rounds.seed(stayer, 100_000 * USDC)
    token.requestRedeem(shares // 4, stayer, stayer, sender=stayer)
    rounds.run()
    idle = token.idle_assets()
    assert idle > 0  # the unused cushion
    rounds.request_deposit(requester, 10_000 * USDC)
    expected = predicted_order(token, venue, token.open_round())
    nav = token.totalAssets()
    closed = rounds.close().events.filter(token.RoundClosed)[0]
    assert closed.collateral_delta == expected.collateral_delta == 10_000 * USDC + idle - expected.cash
    assert token.idle_assets() == 0 and token.flight_idle() == idle and token.totalAssets() == nav
    if refused:
        assert rounds.fill(63_000) == REFUSED
        rounds.settle()
        assert token.idle_assets() == idle and token.totalAssets() == token.idle_assets() + venue.equity(token)
    else:
        assert rounds.fill() == FILLED
        rounds.settle()
        assert token.idle_assets() == 0  # a deposit round's cash is its fees: nothing left over
    assert token.flight_idle() == 0  # the round it rode with settled or rolled


def test_venue_liquidation__position_closed__nav_and_the_next_round_follow_the_venue(
    rounds, stayer, requester, outsider
):
    """The position is the venue's: after the venue liquidates the fund's account, NAV reads the
    equity left and the next close reads the venue's (now flat) position: a band breach (leverage
    0), so its order rebuilds the staying holders' position at target and the deposit's part is at
    target too."""
    token, venue = rounds.token, rounds.venue
    rounds.seed(stayer, 100_000 * USDC)
    rounds.price(40_500)  # a 3x long 32.5 % down: equity under the 2.5 % maintenance margin
    venue.liquidate(token, sender=outsider)
    assert venue.account_snapshot(token).size == 0
    nav = token.idle_assets() + venue.equity(token)
    assert 0 < token.totalAssets() == nav
    rounds.request_deposit(requester, 10_000 * USDC)
    assert token.rebalance_status() == (BAND, target_size(nav, rounds.price_wad(), 3 * WAD, True, 10**12))
    closed = rounds.close().events.filter(token.RoundClosed)[0]
    assert (closed.reason, closed.rebalance) == (BAND, target_size(nav, rounds.price_wad(), 3 * WAD, True, 10**12))
    assert closed.size_delta == closed.rebalance + target_size(10_000 * USDC, rounds.price_wad(), 3 * WAD, True, 10**12)


# ------------------------------------------------------------------ cancellation, refusal, expiry


def test_cancel__pending_requests__return_exactly_what_was_requested(rounds, stayer, requester, usdc):
    token = rounds.token
    rounds.seed(stayer, 100_000 * USDC)
    assets = 12_345_678_901
    rounds.request_deposit(requester, assets)
    balance = usdc.balanceOf(requester)
    token.cancelDepositRequest(0, requester, sender=requester)
    assert usdc.balanceOf(requester) == balance + assets
    assert token.pendingDepositRequest(0, requester) == 0 and token.held_assets() == token.protocol_fees()

    balance = token.balanceOf(stayer)
    token.requestRedeem(balance // 3, stayer, stayer, sender=stayer)
    assert token.balanceOf(stayer) == balance - balance // 3
    token.cancelRedeemRequest(0, stayer, sender=stayer)
    assert token.balanceOf(stayer) == balance
    assert token.pendingRedeemRequest(0, stayer) == 0


def test_cancel__after_the_round_closed__reverts(rounds, requester):
    token = rounds.token
    rounds.request_deposit(requester, 10_000 * USDC)
    rounds.close()
    with ape.reverts("lt: in flight"):
        token.cancelDepositRequest(0, requester, sender=requester)


def test_cancel__by_a_stranger__reverts(rounds, requester, outsider):
    rounds.request_deposit(requester, 10_000 * USDC)
    with ape.reverts("lt: not operator"):
        rounds.token.cancelDepositRequest(0, requester, sender=outsider)


def test_refusal__price_limit_missed__requests_roll_to_the_next_round_intact(rounds, stayer, requester, usdc):
    token = rounds.token
    rounds.seed(stayer, 100_000 * USDC)
    assets = 10_000 * USDC
    rounds.request_deposit(requester, assets)
    rounds.close()  # at 60,000, a buy limited to +50 bps
    assert rounds.fill(63_000) == REFUSED
    rounds.settle()
    assert token.flight_round() == 0 and token.open_round() == 2
    assert token.rounds(2).status == OPEN and token.rounds(2).deposits == assets
    assert token.pendingDepositRequest(0, requester) == assets
    # a request joins the reopened round; the rolled one cancels for exactly what it asked
    balance = usdc.balanceOf(requester)
    token.cancelDepositRequest(0, requester, sender=requester)
    assert usdc.balanceOf(requester) == balance + assets


def test_refusal__rolled_round_closes_again__settles_with_requests_made_meanwhile(rounds, stayer, requester, outsider):
    token = rounds.token
    rounds.seed(stayer, 100_000 * USDC)
    rounds.request_deposit(requester, 10_000 * USDC)
    rounds.close()
    rounds.request_deposit(outsider, 5_000 * USDC)  # joins the next round, round 3
    assert rounds.fill(63_000) == REFUSED
    rounds.settle()
    assert token.merged_into(3) == 2 and token.rounds(2).deposits == 15_000 * USDC
    rounds.run()
    assert token.claimableDepositRequest(0, requester) == 10_000 * USDC
    assert token.claimableDepositRequest(0, outsider) == 5_000 * USDC
    a = token.deposit(10_000 * USDC, requester, requester, sender=requester).return_value
    b = token.deposit(5_000 * USDC, outsider, outsider, sender=outsider).return_value
    assert abs(a - 2 * b) <= 2  # pro rata


def test_expiry__order_not_executed__settle_closes_it_repays_the_fee_and_rolls(rounds, requester, usdc, keeper):
    token, venue = rounds.token, rounds.venue
    rounds.request_deposit(requester, 10_000 * USDC)
    rounds.close()
    order_id = token.rounds(1).order_id
    fee_payer_balance = usdc.balanceOf(keeper)
    rounds.warp(venue.order_expiry() + 1)
    rounds.price(60_000)  # keep the oracle fresh
    rounds.settle()
    assert venue.order(order_id).status == EXPIRED
    assert usdc.balanceOf(keeper) == fee_payer_balance + venue.order(order_id).execution_fee
    assert token.rounds(1).status == OPEN and token.pendingDepositRequest(0, requester) == 10_000 * USDC
    assert token.held_assets() == 10_000 * USDC


# ------------------------------------------------------------------ claims


def test_claim__pending_request__cannot_be_claimed(rounds, requester):
    token = rounds.token
    rounds.request_deposit(requester, 10_000 * USDC)
    with ape.reverts("lt: claimable"):
        token.deposit(10_000 * USDC, requester, requester, sender=requester)
    rounds.close()
    assert rounds.fill() == FILLED
    with ape.reverts("lt: claimable"):  # filled, not settled
        token.deposit(10_000 * USDC, requester, requester, sender=requester)


def test_claim__claimable_request__can_be_claimed_while_paused_and_on_a_stale_price(rounds, stayer, guardian):
    token = rounds.token
    shares = rounds.seed(stayer, 100_000 * USDC) // 2
    token.requestRedeem(shares, stayer, stayer, sender=stayer)
    rounds.run()
    assert token.rounds(2).status == SETTLED
    owed = token.maxWithdraw(stayer)
    assert owed > 0 and token.maxRedeem(stayer) == shares
    token.pause(sender=guardian)
    rounds.warp(2 * 3_600)  # the oracle is stale now
    assert token.redeem(shares, stayer, stayer, sender=stayer).return_value == owed
    assert token.maxRedeem(stayer) == 0


def test_claim__one_pending_request_per_controller__second_while_in_flight_reverts(rounds, requester):
    token = rounds.token
    rounds.request_deposit(requester, 10_000 * USDC)
    rounds.request_deposit(requester, 5_000 * USDC)  # the open round: adds to the request
    assert token.pendingDepositRequest(0, requester) == 15_000 * USDC
    rounds.close()
    with ape.reverts("lt: request pending"):
        rounds.request_deposit(requester, 5_000 * USDC)


def test_claim__operator__claims_for_the_controller(rounds, requester, outsider):
    token = rounds.token
    rounds.request_deposit(requester, 10_000 * USDC)
    rounds.run()
    with ape.reverts("lt: not operator"):
        token.deposit(10_000 * USDC, outsider, requester, sender=outsider)
    token.setOperator(outsider, True, sender=requester)
    assert token.isOperator(requester, outsider)
    shares = token.deposit(10_000 * USDC, outsider, requester, sender=outsider).return_value
    assert token.balanceOf(outsider) == shares > 0


def test_request__below_minimum__reverts(rounds, requester):
    with ape.reverts("lt: min request"):
        rounds.request_deposit(requester, USDC - 1)


# ------------------------------------------------------------------ the payout order


@pytest.mark.parametrize("first_payout_expires", [False, True])
def test_payout__price_jump_beyond_the_cushion__redeemers_paid_by_a_second_order(rounds, stayer, first_payout_expires):
    """With no cushion, a long's redeemed slice gains on a rise before the fill: the round's cash
    is short, the deposits (none here) settle, and a payout order withdraws the rest; the
    redeemers then get their shares' worth at the trade's fill less its cost and the one payout
    fee of the order that filled (an expired one is closed and placed again)."""
    token, venue = rounds.token, rounds.venue
    token.set_round_parameters(300, 600, USDC, 10**16, 0, 1_000, sender=rounds.admin)  # no cushion
    shares = rounds.seed(stayer, 100_000 * USDC)
    seed_fees = token.protocol_fees()
    supply = token.totalSupply()
    token.requestRedeem(shares // 2, stayer, stayer, sender=stayer)
    rounds.close()  # a sell at 60,000
    assert rounds.fill(63_000) == FILLED  # the long's slice is worth more than the cash kept
    tx = rounds.settle()
    event = tx.events.filter(token.RoundSettled)[0]
    assert token.rounds(2).status == PAYING
    assert token.maxWithdraw(stayer) == 0  # not claimable until the assets are home
    payout = tx.events.filter(token.PayoutPlaced)[0]
    if first_payout_expires:
        rounds.warp(venue.order_expiry() + 1)
        rounds.price(63_000)
        assert rounds.settle().return_value == PAYING
        assert venue.order(payout.order_id).status == EXPIRED
        payout = token.rounds(2)
    rounds.price(63_000)
    venue.execute_order(payout.order_id, sender=rounds.keeper)
    assert rounds.settle().return_value == SETTLED
    owed = event.assets_out - venue.fill_of(payout.order_id).execution_fee
    net = (shares // 2) * event.nav_at_fill // supply - event.cost
    assert owed == net - fee(net, REDEEM_FEE_BPS) - venue.fill_of(payout.order_id).execution_fee
    assert token.redeem(shares // 2, stayer, stayer, sender=stayer).return_value == owed
    assert token.held_assets() == token.protocol_fees() == seed_fees + event.fees


def test_payout__filled_before_settle__nav_and_supply_read_as_settled(rounds, stayer):
    """Once the payout order filled, its assets are at the token and out of the venue's equity:
    NAV and the supply read as after settle (not less the payout a second time)."""
    token, venue = rounds.token, rounds.venue
    token.set_round_parameters(300, 600, USDC, 10**16, 0, 1_000, sender=rounds.admin)  # no cushion
    shares = rounds.seed(stayer, 100_000 * USDC)
    token.requestRedeem(shares // 2, stayer, stayer, sender=stayer)
    rounds.close()
    assert rounds.fill(63_000) == FILLED
    payout = rounds.settle().events.filter(token.PayoutPlaced)[0]
    rounds.price(63_000)
    venue.execute_order(payout.order_id, sender=rounds.keeper)
    before = (token.totalAssets(), token.totalSupply(), token.nav_per_share())
    assert rounds.settle().return_value == SETTLED
    assert (token.totalAssets(), token.totalSupply(), token.nav_per_share()) == before


# ------------------------------------------------------------------ a whole exit; O(1) settlement


def test_exit__holder_redeems_everything__paid_in_full_through_the_payout_order(rounds, stayer):
    """A round redeeming all but the dead shares keeps almost no cushion (the venue releases only
    margin above the remaining position's), so the fill's cost leaves a shortfall that a payout
    order brings home; the holder receives its shares' worth at the fill less the round's costs."""
    token, venue = rounds.token, rounds.venue
    shares = rounds.seed(stayer, 100_000 * USDC)
    supply = token.totalSupply()
    token.requestRedeem(shares, stayer, stayer, sender=stayer)
    rounds.close()
    assert rounds.fill() == FILLED
    tx = rounds.settle()
    event = tx.events.filter(token.RoundSettled)[0]
    if token.rounds(2).status == PAYING:
        payout = tx.events.filter(token.PayoutPlaced)[0]
        rounds.price(rounds.usd)
        venue.execute_order(payout.order_id, sender=rounds.keeper)
        assert rounds.settle().return_value == SETTLED
    owed = token.maxWithdraw(stayer)
    assert owed == token.rounds(2).assets_out
    net = shares * event.nav_at_fill // supply - event.cost
    assert owed >= net - fee(net, REDEEM_FEE_BPS) - 2 * venue.min_execution_fee()
    assert token.redeem(shares, stayer, stayer, sender=stayer).return_value == owed
    assert token.balanceOf(token) == token.DEAD_SHARES() == token.totalSupply()


def test_settle__gas__does_not_grow_with_the_number_of_requests(rounds, accounts, stayer):
    """O(1) settlement: claims pay their own way."""
    token = rounds.token
    rounds.seed(stayer, 1_000_000 * USDC)
    gas = {}
    for n in (1, 8):
        requesters = [accounts[i] for i in range(n)]
        for who in requesters:
            rounds.request_deposit(who, 1_000 * USDC)
        close = rounds.close()
        assert rounds.fill() == FILLED
        settle = rounds.settle()
        claim = token.deposit(1_000 * USDC, requesters[0], requesters[0], sender=requesters[0])
        gas[n] = (close.gas_used, settle.gas_used, claim.gas_used)
    print(f"gas (close, settle, a claim): N=1 {gas[1]}, N=8 {gas[8]}")
    for one, many in zip(gas[1][:2], gas[8][:2], strict=True):  # a claim's gas is its own (cold or warm slots)
        assert abs(one - many) <= 1_000


# ------------------------------------------------------------------ ERC-165


def interface_id(*signatures: str) -> bytes:
    value = 0
    for signature in signatures:
        value ^= int.from_bytes(function_signature_to_4byte_selector(signature), "big")
    return value.to_bytes(4, "big")


def test_supports_interface__erc7540_erc7575_erc165__true_and_others_false(async_token_stack):
    token = async_token_stack[2]
    operator = interface_id("isOperator(address,address)", "setOperator(address,bool)")
    deposit = interface_id(
        "requestDeposit(uint256,address,address)",
        "pendingDepositRequest(uint256,address)",
        "claimableDepositRequest(uint256,address)",
        "deposit(uint256,address,address)",
        "mint(uint256,address,address)",
    )
    redeem = interface_id(
        "requestRedeem(uint256,address,address)",
        "pendingRedeemRequest(uint256,address)",
        "claimableRedeemRequest(uint256,address)",
    )
    for expected, value in [(operator, "e3bc4e65"), (deposit, "ce3bbe50"), (redeem, "620ee8e4")]:
        assert expected.hex() == value
    vault = interface_id(
        *[
            "asset()",
            "share()",
            "convertToShares(uint256)",
            "convertToAssets(uint256)",
            "totalAssets()",
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
        ]
    )
    assert vault.hex() == "2f0a18c5"  # ERC-7575
    abi = {f"{m.name}({','.join(i.type for i in m.inputs)})" for m in token.contract_type.abi if m.type == "function"}
    assert {"previewDeposit(uint256)", "deposit(uint256,address,address)", "mint(uint256,address,address)"} <= abi
    access_control = interface_id(
        "hasRole(bytes32,address)",
        "getRoleAdmin(bytes32)",
        "grantRole(bytes32,address)",
        "revokeRole(bytes32,address)",
        "renounceRole(bytes32,address)",
    )
    for iid in [operator, deposit, redeem, vault, access_control, bytes.fromhex("01ffc9a7")]:
        assert token.supportsInterface(iid)
    assert not token.supportsInterface(bytes.fromhex("ffffffff"))
    assert token.share() == token.address
    with ape.reverts("lt: async"):
        token.previewDeposit(USDC)


# ------------------------------------------------------------------ rebalancing (issue 16 item 4)


def fund_leverage(token, venue) -> int:
    size, equity, price = venue.account_snapshot(token)[:3]
    return leverage(size, price, token.idle_assets() + equity, token.ASSET_SCALE())


def test_rebalance__price_out_of_band__a_close_with_no_requests_trades_the_fund_back_to_target(rounds, stayer):
    """A 10 % fall takes a 3x long to 3.86x, above the band's 3.6x: the keeper closes a round with
    no requests, whose order is the fund's part alone; once it settles the fund is at target and
    NAV moved by that order's cost only (the fund pays its execution fee too)."""
    token, venue = rounds.token, rounds.venue
    rounds.seed(stayer, 100_000 * USDC)
    rounds.price(54_000)
    nav = token.totalAssets()
    k, x, reason = predicted_trade(token, venue, token.open_round())
    assert (k, reason) == (0, BAND) and x < 0
    assert token.rebalance_status() == (BAND, x)

    closed = rounds.close().events.filter(token.RoundClosed)[0]

    assert (closed.deposits, closed.redeems, closed.reason, closed.rebalance, closed.size_delta) == (0, 0, BAND, x, x)
    assert token.last_rebalance() == rounds.chain.blocks.head.timestamp
    assert rounds.fill() == FILLED
    settled = rounds.settle().events.filter(token.RoundSettled)[0]
    cost = round_cost(venue, closed.order_id)
    assert settled.fund_cost == settled.cost == cost
    assert (settled.shares_out, settled.assets_out, settled.fees) == (0, 0, 0)
    assert token.totalAssets() == nav - cost
    assert drift_bps(fund_leverage(token, venue), 3 * WAD) < 10  # back at target, less its own cost
    assert token.rebalance_status() == (NONE, 0)


def test_rebalance__order_in_flight__status_says_so_and_no_second_order(rounds, stayer):
    token = rounds.token
    rounds.seed(stayer, 100_000 * USDC)
    rounds.price(54_000)
    rounds.close()

    assert token.rebalance_status() == (IN_FLIGHT_REASON, 0)
    rounds.warp(token.round_interval())
    with ape.reverts("lt: in flight"):
        token.close_round(sender=rounds.keeper)


@pytest.mark.parametrize(
    "usd, deposit_usd",
    [
        (54_000, 30_000),  # the fund sells, the requests buy on net: crossed, the fund bears the trade cost
        (68_000, 40_000),  # under the band: the fund and the requests both buy, pro rata
    ],
)
def test_rebalance__with_deposits_and_redeems__requesters_get_the_replica_and_holders_bear_only_the_rebalance(
    rounds, stayer, requester, outsider, usd, deposit_usd
):
    """A due rebalance rides in a round of deposits and redeems: each requester's result is the
    replica's to the wei (its own part's cost, never the fund's), and the staying holder's value is
    its slice of H less the fund's share of the cost (rounding in its favour)."""
    token, venue = rounds.token, rounds.venue
    rounds.seed(stayer, 100_000 * USDC)
    redeemer_shares = rounds.seed(requester, 20_000 * USDC)
    rounds.price(usd)
    token.requestRedeem(redeemer_shares, requester, requester, sender=requester)
    rounds.request_deposit(outsider, deposit_usd * USDC)
    round_id, idle, supply, stayer_shares = (
        token.open_round(),
        token.idle_assets(),
        token.totalSupply(),
        token.balanceOf(stayer),
    )
    k, x, reason = predicted_trade(token, venue, round_id)
    assert reason == BAND and k > 0 and (x < 0) == (usd < 60_000)

    closed = rounds.close().events.filter(token.RoundClosed)[0]
    assert (closed.rebalance, closed.size_delta, closed.reason) == (x, k + x, BAND)
    assert rounds.fill() == FILLED
    f = venue.fill_of(closed.order_id)
    expected = model.settlement(
        idle, f.equity_before, f.equity_after, f.collateral_delta, f.size_delta, f.execution_fee, supply,
        deposit_usd * USDC, redeemer_shares, MINT_FEE_BPS, REDEEM_FEE_BPS, True, token.initial_nav_per_share(), x,
    )  # fmt: skip
    settled = rounds.settle().events.filter(token.RoundSettled)[0]

    assert (settled.shares_out, settled.assets_out, settled.fees, settled.fund_cost) == (
        expected.shares_out, expected.assets_out, expected.fees, expected.fund_cost,
    )  # fmt: skip
    assert 0 < settled.fund_cost < settled.cost
    assert token.redeem(redeemer_shares, requester, requester, sender=requester).return_value == expected.assets_out
    deposited = token.deposit(deposit_usd * USDC, outsider, outsider, sender=outsider)
    assert deposited.return_value == expected.shares_out
    # the stayer: its slice of H less its slice of the fund's cost (the dead shares stay too)
    stay = supply - redeemer_shares
    stayer_expected = mul_div(expected.nav_at_fill, stayer_shares, supply, False)
    stayer_expected -= mul_div(expected.fund_cost, stayer_shares, stay, True)
    assert 0 <= rounds.value(stayer) - stayer_expected <= 2


def test_rebalance__scheduled__after_the_interval_a_close_rebalances_a_drift_above_the_minimum(rounds, stayer):
    token = rounds.token
    rounds.seed(stayer, 100_000 * USDC)
    rounds.price(59_000)  # 3x -> 3.1x: in the band, drift 350 bps
    assert token.rebalance_status()[0] == NONE
    with ape.reverts("lt: not needed"):
        rounds.close()

    rounds.warp(86_400)
    rounds.price(59_000)  # a fresh oracle round

    reason, x = token.rebalance_status()
    assert reason == SCHEDULED and x < 0
    assert rounds.close().events.filter(token.RoundClosed)[0].reason == SCHEDULED


def test_rebalance__scheduled__a_drift_below_the_minimum_is_not_needed(rounds, stayer):
    token = rounds.token
    token.set_rebalance_parameters(2_000, 86_400, 500, 9 * WAD // 2, sender=rounds.admin)
    rounds.seed(stayer, 100_000 * USDC)
    rounds.warp(86_400)
    rounds.price(59_000)  # drift 350 bps, under the 500 bps minimum
    assert 50 < drift_bps(fund_leverage(token, rounds.venue), 3 * WAD) < 500

    assert token.rebalance_status() == (NONE, 0)
    with ape.reverts("lt: not needed"):
        rounds.close()


def test_ripcord__over_the_level_with_a_deposit_round_pending__cancels_it_and_places_a_reducing_order(
    rounds, stayer, requester, outsider, usdc
):
    """A 20 % fall takes the 3x long to 6x, over the 4.5x ripcord, while a deposit round (adding
    exposure) is at the venue: anyone pulls the ripcord, which cancels that order (the round rolls
    back with its request intact, which its requester can still cancel for exactly what it paid)
    and places a round of the fund's rebalance alone."""
    token, venue = rounds.token, rounds.venue
    rounds.seed(stayer, 100_000 * USDC)
    rounds.request_deposit(requester, 10_000 * USDC)
    deposit_round = token.open_round()
    deposit_order = rounds.close().events.filter(token.RoundClosed)[0].order_id
    rounds.price(48_000)
    assert token.rebalance_status() == (RIPCORD, 0)
    usdc.mint(outsider, USDC, sender=outsider)
    usdc.approve(token, MAX_UINT, sender=outsider)
    rounds.warp(venue.cancel_delay())

    tx = token.ripcord(sender=outsider)

    assert venue.order(deposit_order).status == 4  # CANCELLED
    assert token.rounds(deposit_round).status == OPEN and token.open_round() == deposit_round
    assert token.pendingDepositRequest(0, requester) == 10_000 * USDC
    closed = tx.events.filter(token.RoundClosed)[0]
    assert (closed.deposits, closed.redeems, closed.reason) == (0, 0, RIPCORD)
    assert closed.rebalance == closed.size_delta < 0 and token.flight_round() == closed.round_id
    before = usdc.balanceOf(requester)
    token.cancelDepositRequest(0, requester, sender=requester)
    assert usdc.balanceOf(requester) - before == 10_000 * USDC
    assert rounds.fill() == FILLED
    rounds.settle()
    assert drift_bps(fund_leverage(token, venue), 3 * WAD) < 50  # at target but for the halving's own cost
    assert usdc.balanceOf(outsider) == USDC  # its fronted execution fee repaid


def test_ripcord__below_the_level__reverts_not_needed(rounds, stayer, outsider):
    rounds.seed(stayer, 100_000 * USDC)
    rounds.price(54_000)  # out of the band, under the ripcord

    with ape.reverts("lt: not needed"):
        rounds.token.ripcord(sender=outsider)


def test_ripcord__a_reducing_order_in_flight__reverts_in_flight(rounds, stayer, outsider):
    token = rounds.token
    rounds.seed(stayer, 100_000 * USDC)
    token.requestRedeem(token.balanceOf(stayer) // 2, stayer, stayer, sender=stayer)
    rounds.close()
    rounds.price(48_000)

    assert token.rebalance_status() == (IN_FLIGHT_REASON, 0)
    with ape.reverts("lt: in flight"):
        token.ripcord(sender=outsider)


def test_set_rebalance_parameters__admin_within_bounds__set_and_others_revert(rounds, outsider):
    token, admin = rounds.token, rounds.admin
    assert token.rebalance_parameters() == (2_000, 86_400, 50, 9 * WAD // 2)
    with ape.reverts(MISSING_ROLE):
        token.set_rebalance_parameters(1_000, 3_600, 100, 4 * WAD, sender=outsider)
    for bad in (
        (99, 3_600, 100, 4 * WAD),  # band under 1 %
        (5_001, 3_600, 100, 5 * WAD),  # band over 50 %
        (1_000, 3_599, 100, 4 * WAD),  # interval under an hour
        (1_000, 7 * 86_400 + 1, 100, 4 * WAD),  # over a week
        (1_000, 3_600, 2_001, 4 * WAD),  # drift over 20 %
        (1_000, 3_600, 100, 33 * WAD // 10),  # ripcord at the band's upper edge
        (1_000, 3_600, 100, 6 * WAD + 1),  # over 2 T
    ):
        with ape.reverts("lt: bounds"):
            token.set_rebalance_parameters(*bad, sender=admin)

    tx = token.set_rebalance_parameters(1_000, 3_600, 100, 4 * WAD, sender=admin)

    assert token.rebalance_parameters() == (1_000, 3_600, 100, 4 * WAD)
    assert tx.events.filter(token.RebalanceParametersSet) == [
        token.RebalanceParametersSet(
            band_bps=1_000, rebalance_interval=3_600, min_drift_bps=100, ripcord_leverage=4 * WAD
        )
    ]


def test_ripcord__nothing_in_flight__anyone_closes_a_round_of_the_rebalance_alone(
    rounds, stayer, requester, outsider, usdc
):
    token = rounds.token
    rounds.seed(stayer, 100_000 * USDC)
    rounds.request_deposit(requester, 10_000 * USDC)  # waits in the open round for the next close
    open_round = token.open_round()
    rounds.price(48_000)
    usdc.mint(outsider, USDC, sender=outsider)
    usdc.approve(token, MAX_UINT, sender=outsider)

    closed = token.ripcord(sender=outsider).events.filter(token.RoundClosed)[0]

    assert (closed.deposits, closed.redeems, closed.reason) == (0, 0, RIPCORD) and closed.rebalance < 0
    assert token.open_round() == open_round and token.pendingDepositRequest(0, requester) == 10_000 * USDC


def test_rebalance__refused_rebalance_only_round__is_dropped_and_the_open_round_stays(rounds, stayer, requester):
    token = rounds.token
    rounds.seed(stayer, 100_000 * USDC)
    rounds.price(54_000)
    closed = rounds.close().events.filter(token.RoundClosed)[0]
    rounds.request_deposit(requester, 10_000 * USDC)  # in the round opened by the close
    open_round, idle = token.open_round(), token.flight_idle()

    assert rounds.fill(53_000) == REFUSED  # under the sell's price limit
    rounds.settle()

    assert token.rounds(closed.round_id).order_id == 0 and token.flight_round() == 0
    assert token.open_round() == open_round and token.merged_into(open_round) == 0
    assert token.idle_assets() == idle
    assert token.rebalance_status()[0] == BAND  # the next close retries it


def test_redeem__riding_a_deleveraging_rebalance__settles_at_once_paid_its_settlement(rounds, stayer, requester):
    """A small redeem in a band round that sells ~1.1 BTC for the fund (BTC -10 %): the round's
    cash leaves out twice the redeemers' part of the order's cost only, never the fund's, so it
    covers them and no payout order (whose fee the redeemers would bear) is placed. Before, the
    whole order's cost was left out: the round went to PAYING and the redeemer lost 0.1 USDC."""
    token = rounds.token
    rounds.seed(stayer, 100_000 * USDC)
    shares = rounds.seed(requester, 500 * USDC)
    rounds.price(54_000)
    token.requestRedeem(shares, requester, requester, sender=requester)
    closed = rounds.close().events.filter(token.RoundClosed)[0]
    assert closed.reason == BAND and closed.rebalance < 0
    assert rounds.fill() == FILLED
    settled = rounds.settle().events.filter(token.RoundSettled)[0]
    assert token.rounds(closed.round_id).status == SETTLED
    assert token.maxWithdraw(requester) == settled.assets_out


def test_ripcord__over_the_level_only_as_if_the_buy_filled__cancels_the_buy_and_rebalances(
    rounds, stayer, outsider, usdc
):
    """Under its band at 70,000 (2.3x) the fund's round buys back to 3x; BTC then falls 23 %: as
    if the buy filled the fund would be ~5x, over the 4.5x ripcord, while it is ~3.9x now. The
    ripcord cancels the buy (before, it reverted "lt: not needed" and the buy filled at ~5x) and
    places what is due without it, a band rebalance."""
    token, venue = rounds.token, rounds.venue
    rounds.seed(stayer, 100_000 * USDC)
    rounds.price(70_000)
    buy = rounds.close().events.filter(token.RoundClosed)[0]
    assert buy.rebalance > 0 and buy.deposits == 0
    rounds.price(53_900)
    assert token.rebalance_status() == (RIPCORD, 0)
    usdc.mint(outsider, USDC, sender=outsider)
    usdc.approve(token, MAX_UINT, sender=outsider)
    rounds.warp(venue.cancel_delay())

    placed = token.ripcord(sender=outsider)

    assert venue.order(buy.order_id).status == 4  # CANCELLED
    sell = placed.events.filter(token.RoundClosed)[0]
    assert (sell.reason, sell.deposits, sell.redeems) == (BAND, 0, 0) and sell.rebalance < 0
    assert rounds.fill() == FILLED
    rounds.settle()
    assert token.rebalance_status()[0] == NONE


def test_rebalance__too_large_for_the_price_limit__rides_in_chunks_and_the_requests_fill(rounds, stayer, requester):
    """A 15M USDC fund after BTC -12 % (4.1x, out of its band): its whole rebalance, ~243 BTC,
    would move the venue's price past the round's 50 bps limit, so every round carrying it was
    refused and a 1,000 USDC deposit rolled forever. The fund's part now halves until the order's
    quote is within the limit: the deposit's round fills with a chunk of the rebalance, and the
    next rounds take the rest until the fund is back in its band."""
    token = rounds.token
    for _ in range(5):
        rounds.seed(stayer, 3_000_000 * USDC)
    rounds.price(52_800)
    full = predicted_trade(token, rounds.venue, token.open_round(), 0)[1]
    rounds.request_deposit(requester, 1_000 * USDC)
    closed = rounds.close().events.filter(token.RoundClosed)[0]
    assert closed.reason == BAND and full < closed.rebalance < 0
    assert rounds.fill() == FILLED
    rounds.settle()
    assert token.claimableDepositRequest(0, requester) == 1_000 * USDC
    for _ in range(4):
        if token.rebalance_status()[0] == NONE:
            break
        rounds.warp(token.round_interval())
        rounds.close()
        assert rounds.fill() == FILLED
        rounds.settle()
    assert token.rebalance_status()[0] == NONE
