"""ERC-4626 properties in the style of the a16z erc4626-tests suite (prop_* and prop_RT_*), each
on a random vault state: one of the products, random fees, one to three deposits, a price move,
time (possibly past the oracle's freshness), sometimes a split, sometimes an allowance.

The views, entry-point and max properties run over both venue kinds (venue_kinds.py): on the
async kind the state is a settled round of one to three requests (deposits by the requesters,
a redeem by the holder) filled at a moved price, and the properties are ERC-7540's counterparts:
previews revert, claims give their pro-rata part in the vault's favour, max* are what is
claimable. The round trips stay sync-only: on the async kind a deposit and a redeem are two
rounds apart, no same-block round trip exists (the state machine checks the rounds' value).

The properties live in erc4626.py; the state machine (test_invariants.py) also runs them as
probes between its steps. Each example here builds its own state (~5 transactions) and runs one
property (1-4 more), so these tests take an eighth of the profile's examples.
"""

from __future__ import annotations

import boa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz import erc4626
from fuzz.chain import HOLDERS, PRODUCTS, USDC, WAD, attempt, configure, model_fund, stack
from fuzz.profiles import examples, fuzz_settings
from fuzz.venue_kinds import (
    ASYNC,
    KINDS,
    ROUND_PAYING,
    STAKES,
    VENUE_FILLED,
    close_round,
    enter,
    execute,
    kind_stack,
    leave,
    seed,
    settle,
)

pytestmark = pytest.mark.usefixtures("async_deployed_stack")  # the async kind, deployed once per session: conftest.py
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


ASYNC_STATES = st.fixed_dictionaries(
    {
        "deposits": st.lists(
            st.tuples(st.sampled_from(["requester", "other_requester"]), st.integers(USDC, 500_000 * USDC)),
            min_size=1,
            max_size=2,
        ),
        "redeem_bps": st.sampled_from([0, 100, 5_000]),  # of the holder's shares, in the same round
        "move_bps": st.integers(-250, 250),  # between the close and the fill, inside the round's price limit
    }
)


def build_async(state):
    """A drawn async vault state: the holder's and the requester's stakes claimed, then one round
    of the drawn requests filled at the moved price and settled (its payout too): claimable."""
    ks = kind_stack(ASYNC)
    seed(ks, STAKES)
    for who, assets in state["deposits"]:
        enter(ks, who, assets)
    holder_shares = ks.token.balanceOf(ks.actors["holder"])
    if state["redeem_bps"]:
        leave(ks, "holder", holder_shares * state["redeem_bps"] // 10_000)
    assert close_round(ks)[0]
    assert execute(ks, state["move_bps"]) == VENUE_FILLED
    ok, status = settle(ks)
    if status == ROUND_PAYING:
        assert execute(ks, 0) == VENUE_FILLED
        ok, status = settle(ks)
    assert ok, status
    return ks


def actors(s) -> list[str]:
    """A holder and someone with no shares: the views must answer for both."""
    return [s.actors.depositor, s.actors.outsider]


@pytest.mark.parametrize("kind", KINDS)
@fuzz_settings(max_examples=EXAMPLES)
@given(data=st.data(), assets=AMOUNT, shares=st.integers(0, 10**24))
def test_views__never_revert_and_do_not_depend_on_the_caller(kind, data, assets, shares):
    with boa.env.anchor():
        if kind == ASYNC:
            ks = build_async(data.draw(ASYNC_STATES))
            erc4626.views_hold(ks.token, [ks.actors["holder"], ks.actors["requester"], ks.keeper], assets, shares, 0)
            return
        s, token = build(data.draw(VAULT_STATES))
        pending = model_fund(s, token).pending_fee_shares(boa.env.timestamp)
        erc4626.views_hold(token, actors(s), assets, shares, pending)


@pytest.mark.parametrize("kind", KINDS)
@fuzz_settings(max_examples=EXAMPLES)
@given(
    data=st.data(),
    entry=st.sampled_from(["deposit", "mint", "withdraw", "redeem"]),
    amount=AMOUNT,
    spender=st.booleans(),
)
def test_previews__equal_what_the_entry_point_does(kind, data, entry, amount, spender):
    """a16z prop_preview* and prop_deposit/mint/withdraw/redeem; a share amount is `amount`
    collateral units' worth of shares. With `spender`, the other depositor acts for the depositor.
    Async (ERC-7540): every preview reverts, and the entry point claims `amount` (or, with
    `spender`, a part of the claimable max) in the vault's favour."""
    with boa.env.anchor():
        if kind == ASYNC:
            ks = build_async(data.draw(ASYNC_STATES))
            erc4626.async_previews_revert(ks.token, amount)
            who = ks.actors["holder" if entry in ("withdraw", "redeem") else "requester"]
            takes, _ = erc4626.ASYNC_CLAIMS[entry]
            if spender:
                amount = getattr(ks.token, takes)(who) * data.draw(st.integers(1, 10_000)) // 10_000
            elif entry in ("mint", "redeem"):
                amount = amount * WAD // max(ks.token.nav_per_share(), 1)
            erc4626.async_claim(ks.token, ks.usdc, entry, who, amount)
            return
        s, token = build(data.draw(VAULT_STATES))
        owner = s.actors.depositor
        caller = s.actors.other_depositor if spender and entry in ("withdraw", "redeem") else owner
        if entry in ("mint", "redeem"):
            amount = amount * WAD // max(token.nav_per_share(), 1)
        erc4626.prop_entry(token, s.usdc, entry, caller, s.actors.outsider if spender else owner, owner, amount)


@fuzz_settings(max_examples=EXAMPLES)
@given(state=VAULT_STATES, kind=st.sampled_from(erc4626.ROUND_TRIPS), caller=st.sampled_from(HOLDERS), worth=AMOUNT)
def test_round_trips__never_return_more_than_they_took(state, kind, caller, worth):
    with boa.env.anchor():
        s, token = build(state)
        erc4626.round_trip(token, s.usdc, kind, getattr(s.actors, caller), worth)


@pytest.mark.parametrize("kind", KINDS)
@fuzz_settings(max_examples=EXAMPLES)
@given(data=st.data(), entry=st.sampled_from(["deposit", "mint", "withdraw", "redeem"]))
def test_max_amounts__are_honoured(kind, data, entry):
    with boa.env.anchor():
        if kind == ASYNC:
            ks = build_async(data.draw(ASYNC_STATES))
            who = data.draw(st.sampled_from(sorted(ks.actors)))
            erc4626.async_max_is_honoured(ks.token, ks.usdc, entry, ks.actors[who])
            return
        s, token = build(data.draw(VAULT_STATES))
        erc4626.max_is_honoured(token, entry, getattr(s.actors, data.draw(st.sampled_from(HOLDERS))))
