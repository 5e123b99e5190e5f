"""Stateful fuzzing of what holders are promised over a fund's whole life (VERIFICATION.md,
invariants 13-15), on titanoboa: nobody can liquidate a fund that is within its ripcord level,
every exit the max* views promise goes through, and decades of splits, fees and funding hit no bound.

Three machines share one set of actions and the liquidation check, and differ in the rules that
drive them (each a separate test, so each can carry the one finding it still fails on):
- `ShutdownMachine` (inv 13, 14): emergency shutdown in chunks (started by the admin, continued
  by anyone), ripcord, stale oracle and a paused venue while the position is being closed.
- `TrendMachine` (inv 13, 14): long trending paths with funding (the price drifts a steady
  % per day, time warps of days to months, the keeper rebalancing at every visit), price
  jumps, a paused venue and changes of the venue's max leverage, against exits at and below max*.
- `LifetimeMachine` (inv 13, 15): decades of drift, management fee and funding, with keeper
  splits and admin splits and reverse splits, against every rule that can hit a bound.

After every step a stranger with no role and no shares tries `venue.liquidate(token)` (inv 13,
`stranger_cannot_liquidate`); if that succeeds, the fund must have been at or above its ripcord
level (or insolvent). The attempt runs inside `boa.env.anchor()`, so the fund is never actually
liquidated. Unlike test_invariants.py these machines keep no reference model: they assert only
the promises themselves, which keeps a step to ~1-3 transactions. Each machine runs a quarter of
the profile's examples (`SAFETY_SETTINGS`, at the bottom).

Each machine, on the code before the review's fixes, finds its findings (issue 14): the shutdown
machine H1 (a stranger liquidates a shut-down fund reading 3.6x; a continuing call by anyone is
refused) and L6 (idle collateral locked by a stale price), the trend machine M1 (a redeem below
maxRedeem reverts "venue: margin") and L2 (max* promise what a paused venue refuses), the
lifetime machine L4 (the admin's reverse splits run out of scale; fixed by scale epochs). After
L4 the lifetime machine found two faults of the mock venue (test_venue_lifetime.py): a liquidation
that reverted because the venue held less collateral than the liquidator's penalty (now capped at
what it holds, as a live venue closes the position regardless), and its funding index overflowing
once decades of drift had compounded the BTC price to ~4e40 USD (an unreachable state: prices
here stay at or below MAX_PRICE_USD).
"""

from __future__ import annotations

import boa
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from fuzz.chain import (
    MAX_UINT256,
    ORACLE_SCALE,
    PRODUCTS,
    USDC,
    WAD,
    attempt,
    configure,
    on_own_stack_chunk,
    stack,
)
from fuzz.profiles import examples, fuzz_settings
from ltsdk import math
from ltsdk.errors import REVERTS
from ltsdk.units import BPS

DAY = 86_400
YEAR = 365 * DAY
STRANGER = "stranger"  # a fresh address: no role, no shares, no collateral

# an exit or entry below this is dust the minimum-size checks may refuse (ERC-4626 allows it)
DUST_ASSETS = 10 * USDC
# the deposits that open a fund (collateral units): a venue fill of up to ~1M x 5 moves the price
# ~0.25 %, inside the default 50 bps limit, so larger seeds arrive in 1M slices
SEED_SLICE = 1_000_000 * USDC
SEEDS = st.sampled_from([1, 2, 3, 5]).map(lambda slices: slices * SEED_SLICE)
# a fraction (bps) of a max* view: the max itself is the most likely edge, then small and large slices
MAX_FRACTION = st.one_of(st.just(BPS), st.integers(1, BPS), st.sampled_from([1, 5_000, 9_999]))
HOLDER = st.sampled_from(["depositor", "other_depositor", "fee_recipient"])
# funding, WAD per second: 0.01 %/8 h (a calm market) up to 0.26 %/day, either sign
FUNDING_RATES = st.sampled_from([0, 3_472_222_222, -3_472_222_222, 10**10, 3 * 10**10, -3 * 10**10])
# a steady trend, bps of the price per day (0.3 %/day is the review's BTC path)
DRIFTS = st.sampled_from([0, 30, -30, 100, -100, 200, -200])
# one oracle update's move (bps): an ordinary hour, or a crash or squeeze (-30 % is the review's L2)
JUMPS = st.one_of(st.integers(-300, 300), st.sampled_from([-3_000, -2_000, -1_000, 1_000, 2_000, 3_000]))
WARPS = st.sampled_from([60, 3_599, 3_601, 4 * 3_600, DAY])
# the highest BTC price (whole USD) the oracle publishes here: a steady drift compounded for decades
# would otherwise reach ~4e40 USD, where the venue's funding index (rate x elapsed x price)
# overflows. No market gets near: above 1e12 USD one wei of BTC (the venue's size unit) is worth
# more than a USDC base unit, so no position can be sized to the collateral's precision (a live
# venue re-denominates such a contract, as 1000PEPE and kBONK were at the other end). At the
# ceiling a century of the venue's fastest funding uses ~1e-24 of int256 (test_venue_lifetime.py).
MAX_PRICE_USD = 10**12
MAX_ANSWER = MAX_PRICE_USD * WAD // ORACLE_SCALE
LIQUIDATION_CROSS_CHECK = 10  # steps


def clear_reason(reason) -> bool:
    """A documented revert: the token's (ltsdk.errors.REVERTS), the venue's, the collateral's or a
    missing role. Anything else (an overflow, a bare assert) is a bound nobody promised."""
    return isinstance(reason, str) and (
        reason in REVERTS or reason.startswith(("venue: ", "usdc: ", "access_control: "))
    )


class SafetyMachine(RuleBasedStateMachine):
    """The shared state, the actions every machine uses and inv 13. Subclasses add the rules."""

    def __init__(self):
        super().__init__()
        self.s = stack()
        self.anchor = boa.env.anchor()
        self.anchor.__enter__()
        self.stranger = boa.env.generate_address(STRANGER)
        self.token = None
        self.drift_bps = 0  # the trend: bps of the price per day
        self.shutdown_started = False
        self.venue_paused = False
        self.steps = 0

    def teardown(self):
        self.anchor.__exit__(None, None, None)

    # ------------------------------------------------------------ helpers

    def actor(self, role: str) -> str:
        return getattr(self.s.actors, role)

    def open(self, symbol: str, seed: int, funding_rate: int) -> None:
        """The product with its default parameters, seeded by the depositor in 1M slices. What
        no rule changes is read once here (each EVM read costs milliseconds on py-evm)."""
        self.token = token = self.s.tokens[symbol]
        self.ripcord_leverage = token.ripcord_leverage()
        self.max_price_age = min(token.max_price_age(), self.s.venue.max_oracle_age())
        self.asset_scale = token.ASSET_SCALE()
        self.maintenance_bps = self.s.venue.maintenance_margin_bps()
        self.published_at = self.s.oracle.latestRoundData()[3]
        self.set_funding_rate(funding_rate)
        depositor = self.actor("depositor")
        for _ in range(seed // SEED_SLICE):
            token.deposit(SEED_SLICE, depositor, sender=depositor)

    def answer(self) -> int:
        return self.s.oracle.latestRoundData()[1]

    def publish(self, answer: int) -> None:
        """The oracle publishes `answer` (feed decimals) now, within [1, MAX_ANSWER]."""
        self.s.oracle.set_price(min(max(answer, 1), MAX_ANSWER), sender=self.s.actors.admin)
        self.published_at = self.now

    def fresh(self) -> bool:
        """The token and the venue both act on the last price (the stricter age limit)."""
        return self.now - self.published_at <= self.max_price_age

    @property
    def now(self) -> int:
        return boa.env.timestamp

    def set_funding_rate(self, rate: int) -> None:
        self.s.venue.set_funding_rate_per_second(rate, sender=self.s.actors.admin)

    def has_position(self) -> bool:
        return self.s.venue.position(self.token)[0] != 0

    def leverage(self) -> int:
        """The fund's leverage as it reads it (idle collateral included); max_value when insolvent."""
        return self.token.current_leverage()

    def can_trade(self) -> bool:
        """The venue would fill a trade now: fresh price, trading open."""
        return self.fresh() and not self.venue_paused

    def keeper_visit(self) -> None:
        """The keeper's round: rebalance if due, and once more after the cooldown while a clamped
        trade leaves a chunk pending (a rebalance at the ripcord level is the ripcord's trade)."""
        token, keeper = self.token, self.s.actors.keeper
        for _ in range(3):
            ok, _ = attempt(lambda: token.rebalance(sender=keeper))
            if not ok or not token.chunk_pending():
                return
            boa.env.time_travel(seconds=token.twap_cooldown())

    def drift(self, days: int) -> None:
        """`days` of the trend: time passes (funding and the management fee accrue) and the oracle
        publishes the price the steady daily drift reaches."""
        boa.env.time_travel(seconds=days * DAY)
        answer = self.answer()
        for _ in range(days):
            answer = answer * (BPS + self.drift_bps) // BPS
        self.publish(answer)

    # ------------------------------------------------------------ exits and entries (inv 14)

    def assert_exit_offered(self, owner: str) -> None:
        """inv 14, a solvent fund can always be exited: with maxRedeem 0, the owner must hold
        nothing worth redeeming, or the fund be at its ripcord level or insolvent, or the venue unable to fill (stale
        price or trading paused) while a position is open and, during a shutdown, nothing idle
        (the idle collateral's pro-rata part needs no trade)."""
        token = self.token
        balance = token.balanceOf(owner)
        if balance == 0 or attempt(lambda: token.previewRedeem(balance)) == (True, 0):
            return
        if self.leverage() >= self.ripcord_leverage:
            return  # past its ripcord level (or insolvent) the fund must de-lever before it promises exits
        if not self.has_position():
            raise AssertionError("inv 14: a flat solvent fund offers its holder no exit (maxRedeem 0)")
        if self.can_trade():
            raise AssertionError("inv 14: a solvent fund the venue would trade for offers no exit (maxRedeem 0)")
        if self.shutdown_started and token.idle_assets() > 0:
            raise AssertionError("inv 14: a shut-down fund with idle collateral offers no exit (maxRedeem 0)")

    def redeem_within_max(self, owner: str, fraction: int) -> None:
        """inv 14: any redeem of up to maxRedeem succeeds (dust that pays 0 may be refused)."""
        token, owner = self.token, self.actor(owner)
        shares = token.maxRedeem(owner) * fraction // BPS
        if shares == 0:
            self.assert_exit_offered(owner)
            return
        ok, result = attempt(lambda: token.redeem(shares, owner, owner, sender=owner))
        assert ok or (result == "lt: zero" and attempt(lambda: token.previewRedeem(shares)) == (True, 0)), (
            f"inv 14: redeem({shares}) <= maxRedeem reverts {result!r}"
            f" (venue margin {self.s.venue.position(token)[2]}, free {self.s.venue.max_withdrawable(token)})"
        )

    def withdraw_within_max(self, owner: str, fraction: int) -> None:
        """inv 14: any withdraw of up to maxWithdraw succeeds."""
        token, owner = self.token, self.actor(owner)
        assets = token.maxWithdraw(owner) * fraction // BPS
        if assets == 0:
            return
        ok, result = attempt(lambda: token.withdraw(assets, owner, owner, sender=owner))
        assert ok, f"inv 14: withdraw({assets}) <= maxWithdraw reverts {result!r}"

    def deposit_within_max(self, caller: str, fraction: int) -> None:
        """inv 14: any deposit of up to maxDeposit succeeds (the venue's own limits included), but
        dust: below DUST_ASSETS, below the first deposit's minimum, or minting no share."""
        token, caller = self.token, self.actor(caller)
        assets = min(token.maxDeposit(caller), self.s.usdc.balanceOf(caller)) * fraction // BPS
        if assets < DUST_ASSETS or (token.totalSupply() == 0 and assets < token.MIN_INITIAL_ASSETS()):
            return
        if token.previewDeposit(assets) == 0:
            return
        ok, result = attempt(lambda: token.deposit(assets, caller, sender=caller))
        assert ok, f"inv 14: deposit({assets}) <= maxDeposit reverts {result!r}"

    # ------------------------------------------------------------ inv 13, after every step

    def liquidatable(self) -> bool:
        """What `venue.liquidate` checks, from the venue's own account snapshot: a fresh price, a
        position, equity below the maintenance margin."""
        if not self.fresh():
            return False  # the venue liquidates only on a fresh price
        snap = self.s.venue.account_snapshot(self.token)
        if not snap.fresh or snap.size == 0:
            return False
        notional = abs(snap.size) * snap.price // WAD // self.asset_scale
        return snap.equity < notional * self.maintenance_bps // BPS

    @invariant()
    def stranger_cannot_liquidate(self):
        """inv 13: a stranger's `venue.liquidate(token)` fails while the fund is within its ripcord
        level, during an emergency shutdown too. The stranger tries for real (the state is then
        restored) whenever the venue's snapshot says it would succeed, and every
        LIQUIDATION_CROSS_CHECK steps regardless, to hold the snapshot's verdict to the call's."""
        if self.token is None:
            return
        self.steps += 1
        expected = self.liquidatable()
        if not expected and self.steps % LIQUIDATION_CROSS_CHECK:
            return
        with boa.env.anchor():
            liquidated, penalty = attempt(lambda: self.s.venue.liquidate(self.token, sender=self.stranger))
        assert liquidated == expected, f"the venue's snapshot says liquidatable={expected}, liquidate: {penalty!r}"
        if liquidated:
            leverage = self.leverage()
            assert leverage >= self.ripcord_leverage, (
                f"inv 13: a stranger liquidated the fund at {leverage / WAD:.3f}x (ripcord level"
                f" {self.ripcord_leverage / WAD:.2f}x, shutdown {self.shutdown_started}): {penalty / USDC:,.0f} USDC"
            )


# ---------------------------------------------------------------- emergency shutdown


class ShutdownMachine(SafetyMachine):
    """inv 13 and 14 around an emergency shutdown: its chunks, the ripcord, a stale oracle and a
    paused venue while the position is being closed."""

    @initialize(symbol=st.sampled_from(sorted(PRODUCTS)), seed=SEEDS, funding=FUNDING_RATES)
    def open_fund(self, symbol, seed, funding):
        self.open(symbol, seed, funding)

    @rule(caller=st.sampled_from(["admin", "outsider", "depositor", "keeper"]))
    def emergency_shutdown(self, caller):
        """The admin starts the shutdown; once started anyone may continue it, one chunk per
        twap_cooldown. While a position remains and the venue would fill, each call past the
        cooldown closes a chunk: |size| falls."""
        token, caller = self.token, self.actor(caller)
        size_before = abs(self.s.venue.position(token)[0])
        cooling = self.now < token.last_rebalance_time() + token.twap_cooldown()
        ok, reason = attempt(lambda: token.emergency_shutdown(sender=caller))
        if not self.shutdown_started:
            if caller != self.s.actors.admin:
                assert (ok, reason) == (False, "access_control: account is missing role"), reason
                return
            if not ok:  # the first chunk's trade on a paused venue
                assert clear_reason(reason), reason
                return
            self.shutdown_started = True
        elif cooling:
            assert (ok, reason) == (False, "lt: cooldown"), f"shutdown: a call within the cooldown: {reason!r}"
            return
        if size_before and self.can_trade():
            assert ok, f"shutdown: a continuing call by {self.role_of(caller)} reverts {reason!r}"
            assert abs(self.s.venue.position(token)[0]) < size_before, "shutdown: a chunk did not shrink the position"
        else:
            assert ok or clear_reason(reason), reason

    def role_of(self, address: str) -> str:
        return next((role for role, actor in self.s.actors.by_role().items() if actor == address), address)

    @rule(caller=st.sampled_from(["outsider", "keeper"]))
    def ripcord(self, caller):
        """Anyone may pull the ripcord when leverage is at its level and the venue would fill,
        during a shutdown too."""
        token = self.token
        due = token.totalSupply() > 0 and self.ripcord_leverage <= self.leverage() < MAX_UINT256
        ok, reason = attempt(lambda: token.ripcord(sender=self.actor(caller)))
        if due and self.can_trade() and self.has_position():
            assert ok, f"ripcord at {self.leverage() / WAD:.2f}x reverts {reason!r} (shutdown {self.shutdown_started})"

    @rule(move_bps=JUMPS, seconds=WARPS)
    def move_price(self, move_bps, seconds):
        """Time passes and the oracle publishes a new price; nobody else acts."""
        boa.env.time_travel(seconds=seconds)
        self.publish(self.answer() * (BPS + move_bps) // BPS)

    @rule(seconds=WARPS)
    def oracle_goes_quiet(self, seconds):
        """Time passes without an oracle update (past max_price_age the price is stale)."""
        boa.env.time_travel(seconds=seconds)

    @rule()
    def toggle_venue_trading(self):
        self.venue_paused = not self.venue_paused
        self.s.venue.set_trading_paused(self.venue_paused, sender=self.s.actors.admin)

    @rule(rate=FUNDING_RATES)
    def set_funding(self, rate):
        self.set_funding_rate(rate)

    @rule(owner=HOLDER, fraction=MAX_FRACTION)
    def redeem(self, owner, fraction):
        self.redeem_within_max(owner, fraction)

    @rule(owner=HOLDER, fraction=MAX_FRACTION)
    def withdraw(self, owner, fraction):
        self.withdraw_within_max(owner, fraction)

    @rule(caller=HOLDER, fraction=MAX_FRACTION)
    def deposit(self, caller, fraction):
        self.deposit_within_max(caller, fraction)


# ---------------------------------------------------------------- long trending paths


class TrendMachine(SafetyMachine):
    """inv 13 and 14 on long trending paths with funding: months of a steady daily drift, the
    keeper at every visit, jumps, a paused venue and a lower venue max leverage."""

    @initialize(symbol=st.sampled_from(sorted(PRODUCTS)), seed=SEEDS, funding=FUNDING_RATES, drift=DRIFTS)
    def open_fund(self, symbol, seed, funding, drift):
        """A trend with funding that follows it, as in real markets: in a rising market longs pay
        shorts (a positive rate), in a falling one shorts pay longs."""
        self.open(symbol, seed, abs(funding) if drift >= 0 else -abs(funding))
        self.drift_bps = drift

    def walk(self, visits: int, days: int) -> None:
        """`visits` keeper rounds `days` apart along the trend."""
        for _ in range(visits):
            self.drift(days)
            self.keeper_visit()

    @rule(visits=st.integers(1, 4), days=st.sampled_from([1, 7, 30]))
    def trend(self, visits, days):
        """Up to 120 days of the trend."""
        self.walk(visits, days)

    # rules are drawn evenly: the trend has a second entry so that paths are long
    @rule(visits=st.integers(1, 4), days=st.sampled_from([1, 3, 7]))
    def trend_more(self, visits, days):
        self.walk(visits, days)

    @rule(drift=DRIFTS)
    def change_trend(self, drift):
        self.drift_bps = drift

    @rule(rate=FUNDING_RATES)
    def set_funding(self, rate):
        self.set_funding_rate(rate)

    @rule(move_bps=JUMPS, keeper=st.booleans())
    def jump(self, move_bps, keeper):
        """One oracle update far off the trend (a crash or a squeeze), the keeper maybe too late."""
        boa.env.time_travel(seconds=60)
        self.publish(self.answer() * (BPS + move_bps) // BPS)
        if keeper:
            self.keeper_visit()

    @rule()
    def toggle_venue_trading(self):
        self.venue_paused = not self.venue_paused
        self.s.venue.set_trading_paused(self.venue_paused, sender=self.s.actors.admin)

    @rule(max_leverage=st.sampled_from([10, 15, 20]))
    def set_venue_max_leverage(self, max_leverage):
        """The venue's own max leverage (20x by default) changes, never below twice the 5x
        products' target (a venue that cannot hold the fund's own leverage is no venue for it):
        max* must follow it."""
        self.s.venue.set_max_leverage(max_leverage * WAD, sender=self.s.actors.admin)

    @rule(owner=HOLDER, fraction=MAX_FRACTION)
    def redeem(self, owner, fraction):
        self.redeem_within_max(owner, fraction)

    @rule(owner=HOLDER, fraction=MAX_FRACTION)
    def withdraw(self, owner, fraction):
        self.withdraw_within_max(owner, fraction)

    @rule(caller=HOLDER, fraction=MAX_FRACTION)
    def deposit(self, caller, fraction):
        self.deposit_within_max(caller, fraction)


# ---------------------------------------------------------------- decades


class LifetimeMachine(SafetyMachine):
    """inv 15: decades of drift, management fee and funding, with the keeper's splits and the
    admin's splits and reverse splits; no rule the protocol promises may hit a bound."""

    @initialize(
        symbol=st.sampled_from(sorted(PRODUCTS)),
        seed=SEEDS,
        funding=FUNDING_RATES,
        drift=DRIFTS,
        management_fee_bps=st.sampled_from([0, 365, 2_000]),
    )
    def open_fund(self, symbol, seed, funding, drift, management_fee_bps):
        token = self.s.tokens[symbol]
        configure(self.s, token, "set_fees", 0, 0, management_fee_bps)
        self.open(symbol, seed, funding)
        self.drift_bps = drift

    def no_bound(self, what: str, ok: bool, reason) -> None:
        assert ok or clear_reason(reason), f"inv 15: {what} reverts without a documented reason: {reason!r}"

    def keeper_split(self) -> None:
        """The keeper splits whenever NAV per share leaves its band (ltsdk.math.split_status, the
        lens's rule); a due split must go through."""
        token = self.token
        factor, reverse = math.split_status(
            token.nav_per_share(), token.totalSupply() > 0, token.split_lower_nav(), token.split_upper_nav()
        )
        if factor == 0:
            return
        call = token.reverse_split if reverse else token.split
        ok, reason = attempt(lambda: call(factor, sender=self.s.actors.keeper))
        assert ok, f"inv 15: the keeper's due {'reverse ' if reverse else ''}split by {factor} reverts {reason!r}"

    @rule(visits=st.integers(1, 3), days=st.sampled_from([30, 91, 365]))
    def years(self, visits, days):
        """`visits` keeper rounds `days` apart (a month to three years): rebalance, split."""
        for _ in range(visits):
            self.drift(days)
            self.keeper_visit()
            self.keeper_split()

    @rule(drift=DRIFTS)
    def change_trend(self, drift):
        self.drift_bps = drift

    @rule(rate=FUNDING_RATES)
    def set_funding(self, rate):
        self.set_funding_rate(rate)

    @rule(factor=st.sampled_from([2, 10, 10, 100, 1_000]), reverse=st.booleans())
    def admin_split(self, factor, reverse):
        """The admin may split or reverse split by 2..10,000 at any time; the documented refusals
        are a reverse split that would read a funded supply as 0 and a split whose factor does not
        divide the share scale (base_per_share)."""
        token = self.token
        # refused by design: emptying a funded supply, or a factor that does not divide the scale
        refused = (
            token.totalSupply() // factor == 0 < token.totalSupply()
            if reverse
            else token.base_per_share() % factor != 0
        )
        name = "reverse_split" if reverse else "split"
        ok, reason = attempt(lambda: getattr(token, name)(factor, sender=self.s.actors.admin))
        if refused:
            assert (ok, reason) == (False, "lt: bounds"), reason
        else:
            assert ok, f"inv 15: {name}({factor}) by the admin reverts {reason!r}"

    @rule(caller=HOLDER, assets=st.sampled_from([DUST_ASSETS, 1_000 * USDC, 100_000 * USDC]))
    def deposit(self, caller, assets):
        token, caller = self.token, self.actor(caller)
        ok, reason = attempt(lambda: token.deposit(assets, caller, sender=caller))
        self.no_bound("deposit", ok, reason)

    @rule(owner=HOLDER, fraction=st.integers(1, BPS))
    def redeem(self, owner, fraction):
        token, owner = self.token, self.actor(owner)
        shares = token.balanceOf(owner) * fraction // BPS
        ok, reason = attempt(lambda: token.redeem(max(shares, 1), owner, owner, sender=owner))
        self.no_bound("redeem", ok, reason)

    @rule(sender=HOLDER, receiver=HOLDER, fraction=st.integers(0, BPS))
    def transfer(self, sender, receiver, fraction):
        token, sender, receiver = self.token, self.actor(sender), self.actor(receiver)
        amount = token.balanceOf(sender) * fraction // BPS
        ok, reason = attempt(lambda: token.transfer(receiver, amount, sender=sender))
        assert ok, f"inv 15: transfer of {amount} of a balance reverts {reason!r}"


# ---------------------------------------------------------------- the tests


class _OnOwnStack:
    def runTest(self):
        on_own_stack_chunk(super().runTest)  # speed only: see chain.on_own_stack_chunk


# A step here costs ~1-3 transactions and an example ~1.2 s of CPU on py-evm, so 200 examples of
# each machine would add ~12 minutes to the suite: in `ci` each runs a quarter of the profile's
# examples (50 x 30 steps), in `deep` (`make fuzz`) 1,250 x 50.
SAFETY_SETTINGS = {"max_examples": examples(4)}


class TestShutdownInvariants(_OnOwnStack, ShutdownMachine.TestCase):
    settings = fuzz_settings(**SAFETY_SETTINGS)


class TestTrendInvariants(_OnOwnStack, TrendMachine.TestCase):
    settings = fuzz_settings(**SAFETY_SETTINGS)


class TestLifetimeInvariants(_OnOwnStack, LifetimeMachine.TestCase):
    settings = fuzz_settings(**SAFETY_SETTINGS)
