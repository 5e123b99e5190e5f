"""Stateful fuzzing of LeveragedTokenAsync on MockAsyncPerpVenue, on titanoboa: random deposit and
redeem requests from a holder and two requesters, cancellations, round closes, fills at moved
prices, refusals (a move past the round's price limit), expiry, settlements, payout orders and
claims (VERIFICATION.md, invariant 16 and ERC-7540's rules). After every step:
- `cash_is_accounted`: the token's collateral is exactly its idle assets plus what it holds for
  requests, claims and fees, and that covers every pending deposit, every claimable redeem and
  the fees;
- `shares_are_escrowed`: the token holds every pending redeem's shares and every claimable
  deposit's shares;
and in the rules themselves: a round's fill leaves the value of every share outside it equal, to
the wei and never below, to its worth at the fill's price had nobody requested anything; a
claimable request can always be claimed, a pending one never; a cancel returns exactly what was
requested.
Rebalancing with orders in flight (docs/async-token.md, "Rebalancing"): large moves past the band
and the ripcord level, warps past the rebalance interval, closes of rebalance-only rounds (they
close exactly when rebalance_status gives a size delta) and a stranger's `ripcord()` (it succeeds
exactly when leverage as if the order in flight filled is at the ripcord level and that order is
pending, adds exposure and is past the venue's cancel delay, else the documented revert; the
rolled round keeps its requests). After every step `one_order_in_flight`: the venue holds at most
one order of the token, and while a round is in flight rebalance_status says IN_FLIGHT or
RIPCORD; after a rebalancing round settles with no move since its close but the fill's own,
leverage is inside the band.
"""

from __future__ import annotations

import boa
import pytest
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from fuzz.chain import USDC, attempt, on_own_stack_chunk
from fuzz.profiles import examples, fuzz_settings
from fuzz.venue_kinds import ACTORS, REQUESTERS, async_token_stack
from ltsdk import codes
from ltsdk.math import leverage
from ltsdk.replica import async_token

DEPOSITS = st.sampled_from([USDC, 1_000 * USDC, 50_000 * USDC, 400_000 * USDC, USDC - 1])
FRACTIONS = st.sampled_from([1, 2, 10, 1_000])  # a redeem request of balance // fraction
MOVES_BPS = st.sampled_from([0, 5, -5, 100, -100, 300, -300, 500, -500])  # the slippage limit is 300 bps
SHOCKS_BPS = st.sampled_from(
    [-800, -1_500, -2_200, 1_200, 2_000]
)  # past the band (~ -8 %, +11 %) or the ripcord (~ -14 %)
PENDING_ORDER = 1
SETTLED_ROUND = 3
ASSET_SCALE = 10**12  # USDC's 6 decimals to WAD
ALLOWED = {
    "request": {"lt: request pending", "lt: min request", "lt: balance"},
    "cancel": {"lt: zero", "lt: in flight"},
    "close": {"lt: in flight", "lt: not needed", "lt: not due"},
    "settle": {"lt: no round", "lt: order pending"},
}
pytestmark = pytest.mark.usefixtures("async_deployed_stack")  # deployed once per session: conftest.py


class AsyncTokenMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.s = async_token_stack()
        self.anchor = boa.env.anchor()
        self.anchor.__enter__()
        self.stranger = boa.env.generate_address("at_stranger")  # no role: the ripcord is anyone's
        self.clean = False  # no price move since the last close but a fill's own

    def teardown(self):
        self.anchor.__exit__(None, None, None)

    def call(self, name: str, fn):
        ok, result = attempt(fn)
        if not ok:
            assert result in ALLOWED[name], f"{name} reverted {result!r}"
        event(f"{name}: {'ok' if ok else result}")
        return ok, result

    def next_block(self, seconds: int = 12) -> None:
        boa.env.time_travel(blocks=1, block_delta=seconds)

    def publish(self, move_bps: int, at_fill: bool = False) -> None:
        if move_bps != 0 and not at_fill:
            self.clean = False
        answer = self.s.oracle.latestRoundData()[1] * (10_000 + move_bps) // 10_000
        self.s.oracle.set_price(answer, sender=self.s.admin)

    # ------------------------------------------------------------ rules

    @initialize()
    def seed_holder(self):
        """The holder owns the fund before anyone requests anything."""
        holder, token = self.s.actors["holder"], self.s.token
        token.requestDeposit(1_000_000 * USDC, holder, holder, sender=holder)
        self.next_block(300)
        self.close()
        self.fill(0)
        self.settle()
        token.deposit(1_000_000 * USDC, holder, holder, sender=holder)
        assert token.balanceOf(holder) > 0
        self.s.usdc.mint(self.stranger, 10_000_000 * USDC, sender=self.stranger)
        self.s.usdc.approve(token, 2**256 - 1, sender=self.stranger)

    @rule(who=st.sampled_from(REQUESTERS), assets=DEPOSITS)
    def request_deposit(self, who, assets):
        account = self.s.actors[who]
        self.call("request", lambda: self.s.token.requestDeposit(assets, account, account, sender=account))

    @rule(who=st.sampled_from(ACTORS), fraction=FRACTIONS)
    def request_redeem(self, who, fraction):
        account, token = self.s.actors[who], self.s.token
        shares = token.balanceOf(account) // fraction
        self.call("request", lambda: token.requestRedeem(shares, account, account, sender=account))

    @rule(assets=DEPOSITS, fraction=FRACTIONS)
    def crossed_requests(self, assets, fraction):
        """A requester deposits while the holder redeems, in the same round."""
        self.request_deposit("requester", assets)
        self.request_redeem("holder", fraction)

    @rule(who=st.sampled_from(ACTORS), redeem=st.booleans())
    def cancel(self, who, redeem):
        account, token, usdc = self.s.actors[who], self.s.token, self.s.usdc
        if redeem:
            pending, held = token.pendingRedeemRequest(0, account), token.balanceOf(account)
            ok, _ = self.call("cancel", lambda: token.cancelRedeemRequest(0, account, sender=account))
            after = token.balanceOf(account)
        else:
            pending, held = token.pendingDepositRequest(0, account), usdc.balanceOf(account)
            ok, _ = self.call("cancel", lambda: token.cancelDepositRequest(0, account, sender=account))
            after = usdc.balanceOf(account)
        assert after == (held + pending if ok else held), "a cancel returns exactly what was requested"

    @rule()
    def close(self):
        due = self.s.token.last_close() + self.s.token.round_interval()
        if boa.env.timestamp < due:
            self.next_block(due - boa.env.timestamp)
        token = self.s.token
        only_fund, reason, x = False, 0, 0
        if token.flight_round() == 0:
            r = token.rounds(token.open_round())
            only_fund = r.deposits == 0 and r.redeems == 0
            reason, x = token.rebalance_status()
        ok, _ = self.call("close", lambda: token.close_round(sender=self.s.keeper))
        if only_fund:
            assert ok == (x != 0), ("a rebalance-only round closes exactly when one is due", reason, x)
            event(f"close: rebalance-only round {'closed' if ok else 'not needed'} (reason {reason})")
        if ok:
            self.clean = True

    @rule(move=MOVES_BPS)
    def fill(self, move):
        """In a later block with a new price, the venue keeper executes the token's order in flight;
        a filled round must leave every share outside it worth what it was worth without the round."""
        token, venue = self.s.token, self.s.venue
        round_id = token.flight_round()
        if round_id == 0:
            return
        r = token.rounds(round_id)
        o = venue.order(r.order_id)
        if o.status != PENDING_ORDER or boa.env.timestamp + 12 > o.created_at + venue.order_expiry():
            return  # a warp took it past its window: the settle expires it
        self.next_block()
        self.publish(move, at_fill=True)
        supply_before = token.totalSupply()
        status = venue.execute_order(r.order_id, sender=self.s.keeper)
        event(f"fill: status {status} (round status {r.status})")
        if status != 2 or r.status != 1 or supply_before == 0:
            return
        f = venue.fill_of(r.order_id)
        # the fund without the round, at the fill's price: its idle collateral went with the round's order
        idle = token.idle_assets() + token.flight_idle()
        h = idle + f.equity_before
        if r.rebalance != 0:  # the staying holders bear the fund's part of the order's cost
            fund_cost = async_token.settlement(
                idle, f.equity_before, f.equity_after, f.collateral_delta, f.size_delta, r.execution_fee,
                supply_before, r.deposits, r.redeems, token.mint_fee_bps(), token.redeem_fee_bps(), token.is_long(),
                token.initial_nav_per_share(), r.rebalance,
            ).fund_cost  # fmt: skip
            h = async_token.staying_nav(h, fund_cost, supply_before, r.redeems)
        nav, supply = token.totalAssets(), token.totalSupply()  # as if settled, at the same price
        for who in ACTORS:
            balance = token.balanceOf(self.s.actors[who])
            without = balance * h // supply_before
            with_round = balance * nav // supply
            assert 0 <= with_round - without <= 1, (who, with_round, without)
        event("fill: holders' value checked")

    @rule(move=MOVES_BPS)
    def round_trip(self, move):
        """What the keepers do: close the round, fill it at a moved price, settle."""
        self.close()
        self.fill(move)
        self.settle()

    @rule()
    def settle(self):
        token = self.s.token
        round_id = token.flight_round()
        rebalanced = round_id != 0 and token.rounds(round_id).rebalance != 0
        ok, status = self.call("settle", lambda: token.settle(sender=self.s.keeper))
        if ok:
            event(f"settle: round status {status}")
        if ok and status == SETTLED_ROUND and rebalanced and self.clean:
            reason = token.rebalance_status()[0]
            assert reason not in (codes.Reason.BAND, codes.Reason.RIPCORD), ("a rebalance ends inside the band", reason)
            event("settle: rebalanced into the band")

    @rule(move=SHOCKS_BPS)
    def shock(self, move):
        """A large move: past the band's edge, or the ripcord level."""
        self.move_price(move)

    @rule()
    def warp_past_interval(self):
        """Past rebalance_interval with no move: a scheduled rebalance is due if leverage drifted."""
        self.next_block(self.s.token.rebalance_parameters().rebalance_interval + 1)
        self.publish(0)

    def ripcord_expected(self) -> str:
        """What ripcord() does now: "ok" or its documented revert (LeveragedTokenAsync.ripcord)."""
        token, venue = self.s.token, self.s.venue
        snap = venue.account_snapshot(token)
        ripcord_leverage = token.rebalance_parameters().ripcord_leverage
        round_id = token.flight_round()
        nav = token.idle_assets() + token.flight_idle() + snap.equity  # the fund's, the round's cash aside
        if round_id != 0:
            r = token.rounds(round_id)
            o = venue.order(r.order_id)
            as_filled = async_token.leverage_as_filled(
                snap.size, snap.pending_size_delta, nav, token.totalSupply(), r.deposits, r.redeems, snap.price,
                ASSET_SCALE,
            )  # fmt: skip
            if not (snap.fresh and as_filled >= ripcord_leverage):
                return "lt: not needed"
            adds = (
                r.status == 1
                and o.status == PENDING_ORDER
                and o.size_delta != 0
                and (o.size_delta > 0) == token.is_long()
            )
            if not adds:
                return "lt: in flight"
            expired = boa.env.timestamp > o.created_at + venue.order_expiry()
            if not expired and boa.env.timestamp < o.created_at + venue.cancel_delay():
                return "venue: cancel delay"
            # cancelled: then whatever rebalance is due without that order, or none (returns 0)
            return "lt: insolvent" if nav <= 0 else "ok"
        # nothing in flight: a round of the fund's part alone, at the ripcord level now
        # (LeveragedTokenAsync._close: the price's freshness first, then solvency)
        if not snap.fresh:
            return "lt: stale price"
        if token.totalSupply() == 0:
            return "lt: not needed"
        if nav <= 0:
            return "lt: insolvent"
        if leverage(snap.size, snap.price, nav, ASSET_SCALE) < ripcord_leverage:
            return "lt: not needed"
        return "ok"

    @rule(wait=st.booleans())
    def ripcord(self, wait):
        """A stranger pulls the ripcord, maybe once the venue's cancel delay has passed."""
        token = self.s.token
        if wait:
            self.next_block(self.s.venue.cancel_delay())
        expected = self.ripcord_expected()
        flagged = token.flight_round() != 0 and token.rebalance_status()[0] == codes.Reason.RIPCORD
        pending = [token.pendingDepositRequest(0, a) + token.pendingRedeemRequest(0, a) for a in self.s.actors.values()]
        ok, result = attempt(lambda: token.ripcord(sender=self.stranger))
        event(f"ripcord: {'ok' if ok else result}")
        assert (ok and expected == "ok") or result == expected, (expected, result)
        if flagged:  # the status's RIPCORD means the cancel would go (the cancel delay aside)
            assert expected in ("ok", "venue: cancel delay", "lt: not needed"), expected
        if ok:
            after = [
                token.pendingDepositRequest(0, a) + token.pendingRedeemRequest(0, a) for a in self.s.actors.values()
            ]
            assert after == pending, "the rolled round keeps its requests"
        if ok and token.flight_round() != 0:  # 0: the cancel alone was enough, nothing placed
            r = token.rounds(token.flight_round())
            assert r.deposits == 0 and r.redeems == 0 and r.rebalance != 0
            self.clean = True

    @rule()
    def expire(self):
        """Nobody executes: past the order's window the settle closes it and the round rolls."""
        self.next_block(self.s.venue.order_expiry() + 1)
        self.publish(0)
        self.settle()

    @rule(who=st.sampled_from(ACTORS))
    def claim(self, who):
        """Whatever is claimable can be claimed, in full; a pending request cannot be."""
        account, token = self.s.actors[who], self.s.token
        assets, owed = token.maxDeposit(account), token.maxMint(account)
        if assets > 0:
            ok, shares = attempt(lambda: token.deposit(assets, account, account, sender=account))
            assert ok and shares == owed, shares
        shares, owed = token.maxRedeem(account), token.maxWithdraw(account)
        if shares > 0:
            ok, paid = attempt(lambda: token.redeem(shares, account, account, sender=account))
            assert ok and paid == owed, paid
        pending = token.pendingDepositRequest(0, account)
        if pending > 0:
            ok, reason = attempt(lambda: token.deposit(pending, account, account, sender=account))
            assert not ok and reason == "lt: claimable"

    @rule()
    def collect_fees(self):
        token, usdc = self.s.token, self.s.usdc
        owed, before = token.protocol_fees(), usdc.balanceOf(self.s.admin)
        assert token.collect_fees(sender=self.s.keeper) == owed
        assert usdc.balanceOf(self.s.admin) == before + owed

    @rule(move=MOVES_BPS)
    def move_price(self, move):
        self.next_block()
        self.publish(move)

    # ------------------------------------------------------------ invariants

    @invariant()
    def one_order_in_flight(self):
        token = self.s.token
        assert self.s.venue.account_snapshot(token).orders_in_flight <= 1
        if token.flight_round() != 0:
            assert token.rebalance_status()[0] in (codes.Reason.IN_FLIGHT, codes.Reason.RIPCORD)

    def arrived_unsettled(self) -> int:
        """Collateral the venue sent the token for the round in flight that settle() has not yet
        counted: a fill's withdrawal, a refused order's collateral, a filled payout."""
        token, venue = self.s.token, self.s.venue
        round_id = token.flight_round()
        if round_id == 0:
            return 0
        r = token.rounds(round_id)
        o = venue.order(r.order_id)
        if o.status == 2:  # filled
            return r.cash if r.status == 2 else max(-o.collateral_delta, 0)
        if o.status == 3:  # refused
            return max(o.collateral_delta, 0)
        return 0

    @invariant()
    def cash_is_accounted(self):
        token = self.s.token
        idle, held = token.idle_assets(), token.held_assets()
        assert self.s.usdc.balanceOf(token) == idle + held + self.arrived_unsettled()
        claimable = sum(token.maxWithdraw(a) for a in self.s.actors.values())
        # with no round in flight every pending deposit is in the open round, its assets at the token
        pending = (
            sum(token.pendingDepositRequest(0, a) for a in self.s.actors.values()) if token.flight_round() == 0 else 0
        )
        assert held >= claimable + pending + token.protocol_fees()

    @invariant()
    def shares_are_escrowed(self):
        token = self.s.token
        escrowed = sum(token.pendingRedeemRequest(0, a) + token.maxMint(a) for a in self.s.actors.values())
        if token.flight_round() != 0 and token.rounds(token.flight_round()).status == 2:
            # paying: the round's redeemed shares are burned, its redeemers' not yet claimable
            escrowed -= sum(token.pendingRedeemRequest(0, a) for a in self.s.actors.values())
        assert token.balanceOf(token) >= escrowed + token.DEAD_SHARES()


class TestAsyncTokenMachine(AsyncTokenMachine.TestCase):
    # a step is up to ~5 transactions and ~20 view calls on py-evm: a quarter of the profile's examples
    settings = fuzz_settings(max_examples=examples(4))

    def runTest(self):
        on_own_stack_chunk(super().runTest)  # speed only: see chain.on_own_stack_chunk
