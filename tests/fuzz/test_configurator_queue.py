"""The configurator's timelock over random changes (PROTOCOL.md 6.1), on titanoboa: with holders
in the fund, a fee change acts at once exactly when no fee rises and a limits change exactly when
only the cap falls; anything else waits the token's delay, changes nothing until executed, cannot
be executed a second early, and then sets exactly what was queued. A guardian's cancel leaves
nothing to execute.

Issue 14: a change that acts at once never makes a redeem revert that would have succeeded
without it (the same redeem, the same time later); the delay is never under its 72 h floor; a
leverage band or incentives change is accepted exactly by its rule (the ripcord level at most
2x the target, the ripcord reward at most 10 bps of its chunk).
"""

from __future__ import annotations

import boa
from hypothesis import event, given
from hypothesis import strategies as st

from fuzz.chain import USDC, WAD, attempt, stack
from fuzz.profiles import examples, fuzz_settings
from ltsdk import math

EXAMPLES = examples(4)
ZERO_ID = b"\x00" * 32

FEES = st.tuples(st.integers(0, 100), st.integers(0, 100), st.integers(0, 2_000))
LIMITS = st.tuples(
    st.one_of(st.just(10_000_000 * USDC), st.integers(0, 20_000_000 * USDC)),  # default cap 10M
    st.sampled_from([50, 1, 100, 500]),  # default 50
    st.sampled_from([3_600, 60, 600, 86_400]),  # default 3,600
)
CHANGE = st.one_of(st.tuples(st.just("set_fees"), FEES), st.tuples(st.just("set_limits"), LIMITS))
KIND = {"set_fees": 1, "set_limits": 2}
MIN_DELAY = 3 * 86_400  # the configurator's floor
FIELDS = {
    "set_fees": ("mint_fee_bps", "redeem_fee_bps", "management_fee_bps"),
    "set_limits": ("max_total_assets", "max_slippage_bps", "max_price_age"),
}


def _fields(token, setter):
    return tuple(getattr(token, name)() for name in FIELDS[setter])


def _instant_by_rule(setter, now, new) -> bool:
    if setter == "set_fees":
        return all(n <= c for n, c in zip(new, now, strict=True))
    return new[0] <= now[0] and new[1:] == now[1:]


@fuzz_settings(max_examples=EXAMPLES)
@given(change=CHANGE, cancel=st.booleans(), early=st.integers(1, 86_400))
def test_change_with_holders__acts_at_once_by_rule_else_waits_the_delay(change, cancel, early):
    s = stack()
    setter, args = change
    token, configurator, admin = s.tokens["BTC3L"], s.configurator, s.actors.admin
    with boa.env.anchor():
        token.deposit(10_000 * USDC, s.actors.depositor, sender=s.actors.depositor)
        before = _fields(token, setter)
        delay = configurator.delay(token)
        assert delay >= configurator.MIN_DELAY() == MIN_DELAY

        change_id = getattr(configurator, setter)(token, *args, sender=admin)

        if _instant_by_rule(setter, before, args):
            event(f"{setter}: at once")
            assert change_id == ZERO_ID
            assert _fields(token, setter) == args
            return
        event(f"{setter}: queued, {'cancelled' if cancel else 'executed'}")
        assert change_id != ZERO_ID
        assert _fields(token, setter) == before, "a queued change acted"
        eta = configurator.queued(change_id)[-1]
        assert eta == boa.env.timestamp + delay
        boa.env.time_travel(seconds=delay - min(early, delay))
        assert attempt(lambda: configurator.execute(change_id, sender=admin)) == (False, "configurator: too early")
        if cancel:
            configurator.cancel(change_id, sender=s.actors.guardian)
        boa.env.time_travel(seconds=min(early, delay))

        ok, result = attempt(lambda: configurator.execute(change_id, sender=admin))

        if cancel:
            assert (ok, result) == (False, "configurator: unknown")
            assert _fields(token, setter) == before
        else:
            assert ok, result
            assert _fields(token, setter) == args


# changes near the instant rule: no fee above the default (10, 10, 365), or a cap below the default
# 10M with a slippage limit or price age that may be tighter
NEAR_INSTANT = st.one_of(
    st.tuples(st.just("set_fees"), st.tuples(st.integers(0, 10), st.integers(0, 10), st.integers(0, 365))),
    st.tuples(
        st.just("set_limits"),
        st.tuples(
            st.integers(0, 10_000_000 * USDC),
            st.one_of(st.just(50), st.sampled_from([1, 10, 49])),  # the default half the time
            st.one_of(st.just(3_600), st.sampled_from([60, 600, 3_599])),
        ),
    ),
)


@fuzz_settings(max_examples=EXAMPLES)
@given(change=NEAR_INSTANT, wait=st.integers(0, 3_600), percent=st.integers(1, 100))
def test_change_acting_at_once__never_makes_a_redeem_revert(change, wait, percent):
    """The same redeem, `wait` seconds later, with and without the change: where the change acts
    at once, the redeem may not fail with it and succeed without it (an instant tighter slippage
    limit or shorter price age would do exactly that)."""
    s = stack()
    setter, args = change
    token, configurator, admin, holder = s.tokens["BTC3L"], s.configurator, s.actors.admin, s.actors.depositor
    with boa.env.anchor():
        token.deposit(10_000 * USDC, holder, sender=holder)
        shares = token.balanceOf(holder) * percent // 100
        instant = configurator.is_instant(token, KIND[setter], [*args, 0, 0])

        def redeem_later():
            boa.env.time_travel(seconds=wait)
            return attempt(lambda: token.redeem(shares, holder, holder, sender=holder))

        with boa.env.anchor():
            without = redeem_later()
        getattr(configurator, setter)(token, *args, sender=admin)
        with_change = redeem_later()

        event(f"{setter}: {'at once' if instant else 'queued'}, redeem without {'ok' if without[0] else 'reverts'}")
        if instant:
            assert with_change[0] or not without[0], f"an instant change made a redeem revert: {with_change[1]}"


SYMBOLS = st.sampled_from(["BTC3L", "BTC3S", "BTC5L", "BTC5S"])
LEVERAGE = st.one_of(
    st.integers(0, 25 * WAD),
    st.sampled_from([4_500, 6_000, 7_500, 10_000, 19_000, 20_000]).map(lambda x: x * WAD // 1_000),
)


@fuzz_settings(max_examples=EXAMPLES)
@given(symbol=SYMBOLS, band_bps=st.integers(0, 6_000), ripcord=LEVERAGE, delta=st.integers(-1, 1))
def test_set_leverage_band__accepted_exactly_by_its_rule(symbol, band_bps, ripcord, delta):
    """Band within [100, 5,000] bps, ripcord level above the upper band and at most both the
    venue's max leverage and twice the target: "BTC 3x Long" never gets a 19x ripcord."""
    s = stack()
    token, configurator = s.tokens[symbol], s.configurator
    target = token.target_leverage()
    if delta:  # land on or next to the 2 T edge
        ripcord = 2 * target + delta
    by_rule = (
        100 <= band_bps <= 5_000
        and ripcord > math.band(target, band_bps)[1]
        and ripcord <= min(s.venue.max_leverage(), 2 * target)
    )
    with boa.env.anchor():
        ok, result = attempt(lambda: configurator.set_leverage_band(token, band_bps, ripcord, sender=s.actors.admin))

        event(f"{'accepted' if ok else 'refused'}")
        assert ok == by_rule, result
        if ok:
            assert (token.band_bps(), token.ripcord_leverage()) == (band_bps, ripcord)
        else:
            assert result == "configurator: bounds"
        assert token.ripcord_leverage() <= 2 * target


@fuzz_settings(max_examples=EXAMPLES)
@given(
    chunk=st.one_of(st.integers(0, 10**13), st.sampled_from([USDC, 2_000 * USDC, 10_000 * USDC, 1_000_000 * USDC])),
    reward=st.one_of(st.integers(0, 2_000 * USDC), st.sampled_from([0, USDC, 10 * USDC, 1_000 * USDC])),
)
def test_set_incentives__reward_bounded_by_its_chunk(chunk, reward):
    """Chunk of at least one whole unit, reward at most 1,000 units and at most 10 bps of the
    chunk's notional: no reward can pay for a ripcord that does not de-lever."""
    s = stack()
    token, configurator = s.tokens["BTC3L"], s.configurator
    by_rule = USDC <= chunk <= 10**30 and reward <= 1_000 * USDC and reward * 10_000 <= chunk * 10
    with boa.env.anchor():
        ok, result = attempt(lambda: configurator.set_incentives(token, chunk, reward, 3_600, sender=s.actors.admin))

        event(f"{'accepted' if ok else 'refused'}")
        assert ok == by_rule, result
        if ok:
            assert (token.ripcord_trade_notional(), token.ripcord_reward()) == (chunk, reward)
        else:
            assert result == "configurator: bounds"
        assert token.ripcord_reward() * 10_000 <= token.ripcord_trade_notional() * 10
