"""The configurator's timelock over random changes (PROTOCOL.md 6.1), on titanoboa: with holders
in the fund, a fee change acts at once exactly when no fee rises and a limits change exactly when
only the cap falls; anything else waits the token's delay, changes nothing until executed, cannot
be executed a second early, and then sets exactly what was queued. A guardian's cancel leaves
nothing to execute.
"""

from __future__ import annotations

import boa
from hypothesis import event, given
from hypothesis import strategies as st

from fuzz.chain import USDC, attempt, stack
from fuzz.profiles import examples, fuzz_settings

EXAMPLES = examples(4)
ZERO_ID = b"\x00" * 32

FEES = st.tuples(st.integers(0, 100), st.integers(0, 100), st.integers(0, 2_000))
LIMITS = st.tuples(
    st.one_of(st.just(10_000_000 * USDC), st.integers(0, 20_000_000 * USDC)),  # default cap 10M
    st.sampled_from([50, 1, 100, 500]),  # default 50
    st.sampled_from([3_600, 60, 600, 86_400]),  # default 3,600
)
CHANGE = st.one_of(st.tuples(st.just("set_fees"), FEES), st.tuples(st.just("set_limits"), LIMITS))
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
