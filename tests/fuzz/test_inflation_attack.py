"""Invariant 6: the inflation (donation) attack. An attacker makes the first mint, redeems all but
a few wei of shares, then donates collateral to the token and margin to the token's venue
account, hoping the next depositor's shares round down to (almost) nothing. With 6-decimal
collateral the next depositor must lose less than 0.1 % of the deposit to share rounding, and
the attacker must lose money.

The dead shares (DEAD_SHARES, locked by the first mint) keep the supply at >= 10**15 wei, so a
donation of D collateral units moves the price of one share-wei by at most D / 10**15: far below
a unit of any real deposit.
"""

from __future__ import annotations

import boa
from hypothesis import given
from hypothesis import strategies as st

from fuzz.chain import MAX_UINT256, USDC, attempt, configure, stack
from fuzz.profiles import examples, fuzz_settings
from ltsdk import math

# a single-state property, ~6 transactions an example: a quarter of the profile's examples
EXAMPLES = examples(4)

# the smallest first mint nets MIN_INITIAL_ASSETS (1 USDC) after the default 10 bps mint fee
FIRST_MINT = st.integers(math.gross_up(USDC, 10), 50 * USDC)
KEEP = st.one_of(st.just(1), st.integers(1, 10**12), st.integers(1, 10**18))  # shares (wei) the attacker keeps
GIFT = st.one_of(st.just(0), st.integers(1, 1_000 * USDC), st.integers(1_000 * USDC, 5_000_000 * USDC))
VICTIM = st.one_of(st.integers(USDC, 1_000 * USDC), st.integers(1_000 * USDC, 1_000_000 * USDC))


@fuzz_settings(max_examples=EXAMPLES)
@given(first=FIRST_MINT, keep=KEEP, token_gift=GIFT, venue_gift=GIFT, victim_assets=VICTIM)
def test_first_mint_plus_donations__cost_the_next_depositor_under_ten_bps(
    first, keep, token_gift, venue_gift, victim_assets
):
    s = stack()
    token, usdc, venue = s.tokens["BTC3L"], s.usdc, s.venue
    attacker, victim = s.actors.attacker, s.actors.depositor
    with boa.env.anchor():
        configure(s, token, "set_limits", MAX_UINT256, 50, 3_600)  # no cap: a donation must not block deposits
        attacker_usdc = usdc.balanceOf(attacker)
        shares = token.deposit(first, attacker, sender=attacker)
        if shares > keep:
            token.redeem(shares - keep, attacker, attacker, sender=attacker)
        if token_gift:
            usdc.transfer(token, token_gift, sender=attacker)
        if venue_gift:
            venue.deposit(venue_gift, token, sender=attacker)

        nav_before = token.totalAssets()
        ok, victim_shares = attempt(lambda: token.deposit(victim_assets, victim, sender=victim))
        # the attack must not make the deposit fail for dust reasons (a venue price limit may)
        assert ok or victim_shares not in ("lt: zero shares", "lt: zero"), victim_shares
        if not ok:
            return
        nav_after, supply_after = token.totalAssets(), token.totalSupply()
        added = nav_after - nav_before  # what the victim's collateral added after its own fee and trade
        claim = victim_shares * nav_after // supply_after  # what the victim's shares own of NAV
        assert (added - claim) * 1_000 < victim_assets, f"inv 6: the victim lost {added - claim} of {victim_assets}"

        # the attacker ends with less than it put in
        attempt(lambda: token.redeem(token.balanceOf(attacker), attacker, attacker, sender=attacker))
        assert usdc.balanceOf(attacker) <= attacker_usdc, "inv 6: the inflation attack paid"
