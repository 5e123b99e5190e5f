"""Differential test: random sequences of operations run on chain and in ltsdk.replica agree to the
wei after every step: returned amounts, revert reasons, NAV, supply, position, leverage, fees and
the rebalance status.

Hypothesis draws a seed and a length; the program comes from `random_program`, whose
distributions follow how the protocol is used (hypothesis' own integer strategies start from the
smallest values, which only exercise dust reverts). A failing example prints its program.
"""

import random

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from ltsdk.units import USDC


def random_program(rng: random.Random, length: int) -> list[tuple]:
    program = []
    for _ in range(length):
        roll = rng.random()
        if roll < 0.25:
            dust = rng.random() < 0.15
            program.append(
                ("deposit", rng.randrange(2), rng.randint(1, 2_000) if dust else rng.randint(100 * USDC, 40_000 * USDC))
            )
        elif roll < 0.40:
            program.append(("redeem", rng.randrange(2), rng.randint(1, 10_000)))
        elif roll < 0.65:  # time passes, then the oracle updates
            wait = rng.randint(60, 3_600) if rng.random() < 0.6 else rng.randint(3_600, 2 * 86_400)
            program.append(("tick", wait, rng.randint(-1_200, 1_200)))
        elif roll < 0.70:  # time passes with no update: the price may go stale
            program.append(("warp", rng.randint(1, 7_200)))
        elif roll < 0.78:
            program.append(("funding", rng.randint(-(10**10), 10**10)))
        elif roll < 0.92:
            program.append(("rebalance",))
        elif roll < 0.95:  # the admin starts an emergency shutdown; later ones are a stranger's chunks
            program.append(("shutdown",))
        else:
            program.append(("ripcord",))
    return program


# a dozen programs on anvil (the node the SDK and keeper talk to); the state machine of
# tests/fuzz/test_invariants.py checks the same agreement (inv 12) over 200 x 30 steps on titanoboa
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 2**32 - 1), length=st.integers(4, 16))
def test_random_operations__chain_and_model_agree_to_the_wei(
    seed,
    length,
    token,
    mirror_of,
    isolated,
    depositor,
    other_depositor,
    keeper,
    outsider,
    usdc,
    btc_oracle,
    btc_venue,
    admin,
    chain,
):
    program = random_program(random.Random(seed), length)
    note(f"program: {program}")
    with isolated():
        holders = [depositor, other_depositor]
        for holder in holders:
            usdc.mint(holder, 1_000_000 * USDC, sender=holder)  # more than 16 deposits of up to 40,000
            usdc.approve(token, 2**256 - 1, sender=holder)
        mirror = mirror_of(token)
        mirror.expect(
            lambda: token.deposit(10_000 * USDC, depositor, sender=depositor),
            lambda now: mirror.f.deposit(10_000 * USDC, depositor.address, now),
        )
        for step in program:
            kind = step[0]
            if kind == "deposit":
                holder, assets = holders[step[1]], step[2]
                mirror.expect(
                    lambda assets=assets, holder=holder: token.deposit(assets, holder, sender=holder),
                    lambda now, assets=assets, holder=holder: mirror.f.deposit(assets, holder.address, now),
                )
            elif kind == "redeem":
                holder = holders[step[1]]
                shares = token.balanceOf(holder) * step[2] // 10_000
                mirror.expect(
                    lambda shares=shares, holder=holder: token.redeem(shares, holder, holder, sender=holder),
                    lambda now, shares=shares, holder=holder: mirror.f.redeem(shares, holder.address, now),
                )
            elif kind == "tick":
                chain.pending_timestamp = chain.blocks.head.timestamp + step[1]
                answer = btc_oracle.latestRoundData()[1] * (10_000 + step[2]) // 10_000
                receipt = btc_oracle.set_price(answer, sender=admin)
                mirror.v.set_price(answer * 10**10, receipt.timestamp)
            elif kind == "warp":
                chain.pending_timestamp = chain.blocks.head.timestamp + step[1]
            elif kind == "funding":
                receipt = btc_venue.set_funding_rate_per_second(step[1], sender=admin)
                mirror.v.set_funding_rate(step[1], receipt.timestamp)
            elif kind == "rebalance":
                mirror.expect(lambda: token.rebalance(sender=keeper), mirror.f.rebalance)
            elif kind == "ripcord":
                mirror.expect(lambda: token.ripcord(sender=outsider), mirror.f.ripcord)
            elif kind == "shutdown":
                caller = outsider if token.is_shutdown() else admin
                mirror.expect(
                    lambda caller=caller: token.emergency_shutdown(sender=caller),
                    lambda now, caller=caller: mirror.f.emergency_shutdown(now, is_admin=caller == admin),
                )
            mirror.check()
