"""Emergency shutdown and the ripcord on the default deployment (titanoboa), with the independent
review's reproductions (issue 14: H1, L6 and the token side of L1) as regression tests.

H1. Each shutdown call used to withdraw all the venue would release, leaving the rest of the
    position at the venue's 20x while the fund read ~3x: BTC -2.6 % ten minutes later and a
    stranger liquidated the account for 300 bps of NAV. Now the margin stays with the position
    until it is flat, the admin starts the shutdown and anyone continues it (once per
    twap_cooldown), and the ripcord stays open (toward flat).
L6. A stale price mid-shutdown used to lock the 85 % of NAV that sat idle and make the next
    shutdown call revert. Now nothing is idle beside an open position, and a stale price only
    skips the trade (the admin can start a shutdown on a dead feed).
L1. With a ripcord chunk of 2,000 USDC and a reward of 1,000 USDC each ripcord raised leverage, so
    it could be called forever in one transaction. A paid ripcord must now lower leverage.
"""

from __future__ import annotations

import itertools

import boa
import pytest
from helpers import PARAMETER_FIELDS

from fuzz.chain import USDC, WAD, attempt, configure, stack
from ltsdk import math
from ltsdk.units import BPS


@pytest.fixture
def s():
    with boa.env.anchor():
        yield stack()


def move_price(s, bps: int) -> None:
    """The oracle publishes the current answer moved by `bps` (fresh)."""
    answer = s.oracle.latestRoundData()[1]
    s.oracle.set_price(answer * (BPS + bps) // BPS, sender=s.actors.admin)


def account_leverage(s, token) -> int:
    """The token's venue account alone (WAD): notional over venue equity, idle collateral excluded."""
    snap = s.venue.account_snapshot(token)
    return math.leverage(snap.size, snap.price, snap.equity, token.ASSET_SCALE())


def write_parameters(s, token, **changes) -> None:
    """configure() as a configurator without today's joint bounds would call it: the token's
    own checks are what is under test."""
    values = tuple(changes.get(name, getattr(token, name)()) for name in PARAMETER_FIELDS)
    token.configure(values, sender=s.configurator.address)


def five_million_in_btc3l(s):
    """The review's fund: 5M USDC in BTC3L, in two deposits (each in-kind trade inside 50 bps)."""
    token, depositor = s.tokens["BTC3L"], s.actors.depositor
    for _ in range(2):
        token.deposit(2_500_000 * USDC, depositor, sender=depositor)
    return token


def test_emergency_shutdown__one_chunk_then_btc_falls_2_6_pct__a_stranger_cannot_liquidate(s):
    """H1 as the review measured it: one shutdown call, then BTC -2.6 % ten minutes later. The old
    call left the venue account at 20.00x (equity ~704k, idle ~4.22M) and the stranger took
    ~137k USDC; now the account keeps the fund's own leverage and is far from maintenance."""
    token = five_million_in_btc3l(s)
    leverage_before = token.current_leverage()

    token.emergency_shutdown(sender=s.actors.admin)

    assert token.idle_assets() == 0
    assert account_leverage(s, token) == token.current_leverage() < leverage_before
    boa.env.time_travel(seconds=600)
    move_price(s, -260)
    assert account_leverage(s, token) < token.ripcord_leverage()
    nav = token.totalAssets()
    assert attempt(lambda: s.venue.liquidate(token, sender=s.actors.attacker)) == (False, "venue: healthy")
    assert token.totalAssets() == nav


def test_emergency_shutdown__once_started__anyone_continues_it_once_per_cooldown(s):
    """H1: only the admin starts a shutdown; then any caller may close the next chunk once
    twap_cooldown has passed since the last one, until flat; all margin then comes home."""
    token = five_million_in_btc3l(s)
    stranger = s.actors.outsider
    assert attempt(lambda: token.emergency_shutdown(sender=stranger)) == (
        False,
        "access_control: account is missing role",
    )
    token.emergency_shutdown(sender=s.actors.admin)
    assert attempt(lambda: token.emergency_shutdown(sender=stranger)) == (False, "lt: cooldown")

    sizes = [s.venue.position(token)[0]]
    for _ in range(30):
        if sizes[-1] == 0:
            break
        boa.env.time_travel(seconds=token.twap_cooldown())
        move_price(s, 0)  # the feed keeps publishing
        token.emergency_shutdown(sender=stranger)
        sizes.append(s.venue.position(token)[0])
        # every chunk but the last leaves all margin on the venue with the position
        assert token.idle_assets() == 0 or sizes[-1] == 0

    assert sizes[-1] == 0 and all(a > b for a, b in itertools.pairwise(sizes))
    assert token.idle_assets() == token.totalAssets() > 0
    assert s.venue.max_withdrawable(token) == 0


def test_ripcord__during_shutdown_after_a_crash__closes_toward_flat(s):
    """H1: the ripcord stays usable during a shutdown, without waiting for the chunk cooldown:
    after the first chunk BTC falls 17 % and anyone de-levers the rest of the position."""
    token = five_million_in_btc3l(s)
    token.emergency_shutdown(sender=s.actors.admin)
    move_price(s, -1_700)
    assert token.current_leverage() >= token.ripcord_leverage()
    assert attempt(lambda: token.emergency_shutdown(sender=s.actors.outsider)) == (False, "lt: cooldown")
    size = s.venue.position(token)[0]
    usdc_before = s.usdc.balanceOf(s.actors.outsider)

    reward = token.ripcord(sender=s.actors.outsider)

    assert 0 < reward == s.usdc.balanceOf(s.actors.outsider) - usdc_before
    assert 0 <= s.venue.position(token)[0] < size  # toward flat, by up to ripcord_trade_notional
    assert token.current_leverage() < token.ripcord_leverage()


def test_emergency_shutdown__on_a_stale_price__starts_without_a_trade(s):
    """L6: a dead feed is a common reason to shut down; the admin's call used to revert
    "lt: stale price". It now sets the flag and skips the trade; the next call closes a chunk
    once the price is back."""
    token = five_million_in_btc3l(s)
    size = s.venue.position(token)[0]
    boa.env.time_travel(seconds=3_601)

    token.emergency_shutdown(sender=s.actors.admin)

    assert token.is_shutdown() and token.maxDeposit(s.actors.depositor) == 0
    assert s.venue.position(token)[0] == size and token.idle_assets() == 0
    move_price(s, 0)
    token.emergency_shutdown(sender=s.actors.outsider)
    assert 0 < s.venue.position(token)[0] < size


def test_emergency_shutdown__stale_price_mid_shutdown__locks_no_idle_collateral(s):
    """L6 as the review measured it: one shutdown call, then a 3,601-second-old price. The old
    call had moved 85 % of NAV home, where the stale price locked it (redeem and the next call
    reverted "lt: stale price"). Now nothing is idle beside the open position: the venue holds
    it all and, like the fund, needs a price to release margin against a position; the next call
    does not revert, and once the feed is back the shutdown goes on and redeem pays out."""
    token = five_million_in_btc3l(s)
    depositor = s.actors.depositor
    token.emergency_shutdown(sender=s.actors.admin)
    boa.env.time_travel(seconds=3_601)

    assert token.idle_assets() == 0
    assert s.venue.max_withdrawable(token) == 0
    assert attempt(lambda: token.redeem(WAD, depositor, depositor, sender=depositor)) == (False, "lt: stale price")
    size = s.venue.position(token)[0]
    ok, reason = attempt(lambda: token.emergency_shutdown(sender=s.actors.outsider))
    assert ok, reason
    assert s.venue.position(token)[0] == size  # no trade on a stale price

    move_price(s, 0)
    shares = token.balanceOf(depositor) // 10
    assert token.redeem(shares, depositor, depositor, sender=depositor) > 0


def test_ripcord__chunk_2000_reward_1000__cannot_be_repeated_for_the_reward(s):
    """L1 (token side): the review set the ripcord chunk to 2,000 USDC and the reward to 1,000
    USDC; each ripcord then raised leverage (the reward leaves the fund, the chunk barely
    de-levers), so 100 calls in one transaction paid ~100k (4.816x -> 4.907x). The configurator
    now refuses that pair (reward above 10 bps of the chunk); the token does not rely on it: a
    ripcord that pays must lower leverage, so none of the 100 goes through."""
    token, depositor, attacker = s.tokens["BTC3L"], s.actors.depositor, s.actors.attacker
    assert attempt(lambda: configure(s, token, "set_incentives", 2_000 * USDC, 1_000 * USDC, 3_600)) == (
        False,
        "configurator: bounds",
    )
    write_parameters(s, token, ripcord_trade_notional=2_000 * USDC, ripcord_reward=1_000 * USDC)
    for _ in range(3):
        token.deposit(1_500_000 * USDC, depositor, sender=depositor)
    move_price(s, -1_530)
    leverage = token.current_leverage()
    assert 4_800 * WAD // 1_000 < leverage < 4_850 * WAD // 1_000
    assert token.totalAssets() * token.RIPCORD_REWARD_MAX_BPS() // BPS >= 1_000 * USDC  # the reward is not capped
    usdc_before = s.usdc.balanceOf(attacker)

    outcomes = {attempt(lambda: token.ripcord(sender=attacker)) for _ in range(100)}

    assert outcomes == {(False, "lt: not needed")}
    assert s.usdc.balanceOf(attacker) == usdc_before
    assert token.current_leverage() == leverage


def test_ripcord__chunk_500k_reward_10__each_call_lowers_leverage_until_below_the_level(s):
    """L1: the check refuses nothing a real de-levering does: with a chunk of 500,000 USDC of
    notional and the default reward (10 USDC), ripcords after a crash each lower leverage, and
    they stop once it is below the level."""
    token, depositor, caller = s.tokens["BTC3L"], s.actors.depositor, s.actors.outsider
    configure(s, token, "set_incentives", 500_000 * USDC, 10 * USDC, 3_600)  # before the first mint: at once
    for _ in range(3):
        token.deposit(1_500_000 * USDC, depositor, sender=depositor)
    move_price(s, -1_500)
    leverages = [token.current_leverage()]
    while leverages[-1] >= token.ripcord_leverage():
        assert token.ripcord(sender=caller) > 0
        leverages.append(token.current_leverage())
    assert len(leverages) > 2 and all(a > b for a, b in itertools.pairwise(leverages))
    assert attempt(lambda: token.ripcord(sender=caller)) == (False, "lt: not needed")
