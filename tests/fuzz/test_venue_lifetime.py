"""The mock venue over a fund's whole life (titanoboa): the two venue-side findings of the lifetime
state machine (test_safety_invariants.py, `TestLifetimeInvariants`), each as a plain test.

(a) A liquidation reverted "usdc: insufficient balance". The venue is every trader's counterparty
    and pays profits and funding out of its own finite balance, so its books can owe an account
    more margin than it holds; the liquidator's penalty was then unpayable and the position could
    not be closed at all. The machine found it on a BTC5S that had sat insolvent for years while
    funding (paid by the venue, at a price the long trend had multiplied) refilled its margin.
    Now the penalty is capped at the venue's balance and the liquidation goes through, as on a
    live venue (MockPerpAdapter.liquidate).
(b) The venue's funding index overflowed (`_index_now`: rate x elapsed x price) once the machine's
    steady drift had compounded the BTC price to ~4e40 USD. That state is unreachable: the
    machines' prices now stay at or below MAX_PRICE_USD, 1e12 USD (test_safety_invariants.py).
    The tests below reproduce the overflow, check the machine's ceiling and pin the margin the
    venue keeps at it.
"""

from __future__ import annotations

import boa
import pytest

from fuzz.chain import ORACLE_SCALE, USDC, WAD, attempt, stack
from fuzz.test_safety_invariants import MAX_ANSWER, MAX_PRICE_USD, YEAR, LifetimeMachine
from ltsdk.units import BPS

INT256_MAX = 2**255 - 1


@pytest.fixture
def s():
    with boa.env.anchor():
        yield stack()


def publish(s, price_usd: int) -> None:
    """The oracle publishes `price_usd` (whole USD per BTC) now."""
    s.oracle.set_price(price_usd * 10**18 // ORACLE_SCALE, sender=s.actors.admin)


def market_order(s, trader: str, size: int) -> None:
    """A venue trade of `size` (WAD BTC, signed) with no effective price limit."""
    s.venue.trade(size, 2**256 - 1 if size > 0 else 0, sender=trader)


def test_liquidate__venue_holds_less_than_the_penalty__closes_the_position_and_pays_what_it_holds(s):
    """Finding (a), deterministically: a trader takes a profit larger than the venue's own
    liquidity and withdraws all but `held` of the venue's collateral; a short opened before
    that withdrawal then falls below its maintenance margin with margin left on its books.
    The liquidation used to revert "usdc: insufficient balance" (the 1 % penalty exceeded what
    the venue held); now it closes the position and pays the liquidator what the venue holds."""
    venue, usdc = s.venue, s.usdc
    profit_taker, short, liquidator = s.actors.other_depositor, s.actors.depositor, s.actors.outsider
    held = 40_000 * USDC

    publish(s, 60_000)
    venue.deposit(10_000_000 * USDC, sender=profit_taker)
    long_size = 50_000_000 * WAD // 60_000  # 50M USD of BTC at 5x
    market_order(s, profit_taker, long_size)
    publish(s, 150_000)
    market_order(s, profit_taker, -long_size)  # realises a profit larger than the venue's liquidity

    venue.deposit(1_000_000 * USDC, sender=short)
    market_order(s, short, -(10_000_000 * WAD // 150_000))  # 10M USD short at 10x
    venue.withdraw(usdc.balanceOf(venue) - held, profit_taker, sender=profit_taker)
    publish(s, 160_500)  # +7 %: the short's equity falls below its 2.5 % maintenance margin

    snap = venue.account_snapshot(short)
    notional = abs(snap.size) * snap.price // WAD // venue.ASSET_SCALE()
    assert 0 < snap.equity < notional * venue.maintenance_margin_bps() // BPS
    uncapped = min(snap.equity, notional * venue.liquidation_penalty_bps() // BPS)
    assert uncapped > held == usdc.balanceOf(venue)

    liquidator_before = usdc.balanceOf(liquidator)
    ok, penalty = attempt(lambda: venue.liquidate(short, sender=liquidator))
    assert ok, f"liquidate reverts {penalty!r}"
    assert penalty == held
    assert usdc.balanceOf(liquidator) - liquidator_before == held
    size, _, margin = venue.position(short)
    assert size == 0
    assert margin == snap.equity - held  # the unpaid rest stays on the short's books


def test_funding_index__at_the_price_decades_of_unbounded_drift_reached__overflows(s):
    """Finding (b), deterministically: three years at the machine's 0.26 %/day funding with BTC at
    4e40 USD (where +1 %/day for ~23 years from 60,000 USD leads) overflow int256 in
    rate x elapsed x price, so every venue view that settles funding reverts without a reason."""
    venue, stranger = s.venue, s.actors.outsider
    publish(s, 4 * 10**40)
    venue.set_funding_rate_per_second(3 * 10**10, sender=s.actors.admin)
    boa.env.time_travel(seconds=3 * YEAR)
    publish(s, 4 * 10**40)
    assert 3 * 10**10 * 3 * YEAR * 4 * 10**40 * WAD > INT256_MAX
    ok, _ = attempt(lambda: venue.funding_owed(stranger))
    assert not ok


def test_lifetime_machine__a_trend_past_the_price_ceiling__publishes_the_ceiling():
    """The fix of (b) on the machine's side: however long the drift compounds, the oracle publishes
    at most MAX_ANSWER, and the venue's views keep working there."""
    machine = LifetimeMachine()
    try:
        machine.drift_bps = 200
        machine.drift(days=3 * 365)  # x 2.6e9 unbounded: 60,000 USD -> 1.6e14 USD
        assert machine.answer() == MAX_ANSWER
        assert attempt(lambda: machine.s.venue.funding_owed(machine.stranger))[0]
    finally:
        machine.teardown()


def test_funding_index__at_the_lifetime_machines_price_ceiling__accrues_a_century_without_overflow(s):
    """Finding (b): the index grows by rate x elapsed x price / WAD per settlement, and the
    product overflowed int256 at ~4e40 USD per BTC after the machine's drift compounded for
    decades. At the machine's ceiling, MAX_PRICE_USD, the venue's fastest funding rate over a
    century without a settlement stays ~1e20 times below the bound."""
    venue = s.venue
    fastest = 10**13  # MockPerpAdapter.MAX_FUNDING_RATE_PER_SECOND
    publish(s, MAX_PRICE_USD)
    venue.set_funding_rate_per_second(fastest, sender=s.actors.admin)
    boa.env.time_travel(seconds=100 * YEAR)
    publish(s, MAX_PRICE_USD)
    assert fastest * 100 * YEAR * MAX_PRICE_USD * WAD < INT256_MAX // 10**20
    ok, reason = attempt(lambda: venue.set_funding_rate_per_second(0, sender=s.actors.admin))  # settles the index
    assert ok, reason
    assert venue.funding_index() == fastest * 100 * YEAR * MAX_PRICE_USD
