"""ERC-4626 properties in the style of the a16z erc4626-tests suite (prop_* and prop_RT_*), each
on a random vault state: one of the products, random fees, one to three deposits, a price move,
time (possibly past the oracle's freshness), sometimes a split, sometimes an allowance.

The properties live in erc4626.py; the state machine (test_invariants.py) also runs them as
probes between its steps. Each example here builds its own state (~5 transactions) and runs one
property (1-4 more), so these tests take an eighth of the profile's examples.
"""

from __future__ import annotations

import boa
from hypothesis import given
from hypothesis import strategies as st

from fuzz import erc4626
from fuzz.chain import HOLDERS, PRODUCTS, USDC, WAD, attempt, configure, model_fund, stack
from fuzz.profiles import examples, fuzz_settings

EXAMPLES = examples(8)  # ~10 transactions an example: an eighth of the profile's examples

VAULT_STATES = st.fixed_dictionaries(
    {
        "symbol": st.sampled_from(sorted(PRODUCTS)),
        "fees": st.tuples(st.sampled_from([0, 10, 100]), st.sampled_from([0, 10, 100]), st.sampled_from([0, 365])),
        "deposits": st.lists(
            st.tuples(st.sampled_from(HOLDERS), st.integers(USDC, 500_000 * USDC)), min_size=1, max_size=3
        ),
        "move_bps": st.integers(-800, 800),
        "warp": st.sampled_from([0, 600, 86_400]),  # 86,400 s without an update: the oracle is stale
        "split": st.sampled_from([None, ("split", 10), ("reverse_split", 10)]),
        "allowance": st.sampled_from([0, 10**18, 2**256 - 1]),  # the depositor's allowance to the other depositor
    }
)
AMOUNT = st.one_of(st.sampled_from([0, 1, 999, USDC]), st.integers(USDC, 100_000 * USDC))


def build(state) -> tuple:
    """Apply a drawn vault state; returns (stack, token)."""
    s = stack()
    a = s.actors
    token = s.tokens[state["symbol"]]
    configure(s, token, "set_fees", *state["fees"])
    for role, assets in state["deposits"]:
        actor = getattr(a, role)
        attempt(lambda actor=actor, assets=assets: token.deposit(assets, actor, sender=actor))
    answer = s.oracle.latestRoundData()[1] * (10_000 + state["move_bps"]) // 10_000
    s.oracle.set_price(answer, sender=a.admin)
    boa.env.time_travel(seconds=state["warp"])
    if state["split"]:
        name, factor = state["split"]
        attempt(lambda: getattr(token, name)(factor, sender=a.admin))
    token.approve(a.other_depositor, state["allowance"], sender=a.depositor)
    return s, token


def actors(s) -> list[str]:
    """A holder and someone with no shares: the views must answer for both."""
    return [s.actors.depositor, s.actors.outsider]


@fuzz_settings(max_examples=EXAMPLES)
@given(state=VAULT_STATES, assets=AMOUNT, shares=st.integers(0, 10**24))
def test_views__never_revert_and_do_not_depend_on_the_caller(state, assets, shares):
    with boa.env.anchor():
        s, token = build(state)
        pending = model_fund(s, token).pending_fee_shares(boa.env.timestamp)
        erc4626.views_hold(token, actors(s), assets, shares, pending)


@fuzz_settings(max_examples=EXAMPLES)
@given(
    state=VAULT_STATES,
    kind=st.sampled_from(["deposit", "mint", "withdraw", "redeem"]),
    amount=AMOUNT,
    spender=st.booleans(),
)
def test_previews__equal_what_the_entry_point_does(state, kind, amount, spender):
    """a16z prop_preview* and prop_deposit/mint/withdraw/redeem; a share amount is `amount`
    collateral units' worth of shares. With `spender`, the other depositor acts for the depositor."""
    with boa.env.anchor():
        s, token = build(state)
        owner = s.actors.depositor
        caller = s.actors.other_depositor if spender and kind in ("withdraw", "redeem") else owner
        if kind in ("mint", "redeem"):
            amount = amount * WAD // max(token.nav_per_share(), 1)
        erc4626.prop_entry(token, s.usdc, kind, caller, s.actors.outsider if spender else owner, owner, amount)


@fuzz_settings(max_examples=EXAMPLES)
@given(state=VAULT_STATES, kind=st.sampled_from(erc4626.ROUND_TRIPS), caller=st.sampled_from(HOLDERS), worth=AMOUNT)
def test_round_trips__never_return_more_than_they_took(state, kind, caller, worth):
    with boa.env.anchor():
        s, token = build(state)
        erc4626.round_trip(token, s.usdc, kind, getattr(s.actors, caller), worth)


@fuzz_settings(max_examples=EXAMPLES)
@given(
    state=VAULT_STATES, kind=st.sampled_from(["deposit", "mint", "withdraw", "redeem"]), owner=st.sampled_from(HOLDERS)
)
def test_max_amounts__are_honoured(state, kind, owner):
    with boa.env.anchor():
        s, token = build(state)
        erc4626.max_is_honoured(token, kind, getattr(s.actors, owner))
