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
from ltsdk.replica import async_token

DEPOSITS = st.sampled_from([USDC, 1_000 * USDC, 50_000 * USDC, 400_000 * USDC, USDC - 1])
FRACTIONS = st.sampled_from([1, 2, 10, 1_000])  # a redeem request of balance // fraction
MOVES_BPS = st.sampled_from([0, 5, -5, 100, -100, 300, -300, 500, -500])  # the slippage limit is 300 bps
PENDING_ORDER = 1
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

    def publish(self, move_bps: int) -> None:
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
        self.call("close", lambda: self.s.token.close_round(sender=self.s.keeper))

    @rule(move=MOVES_BPS)
    def fill(self, move):
        """In a later block with a new price, the venue keeper executes the token's order in flight;
        a filled round must leave every share outside it worth what it was worth without the round."""
        token, venue = self.s.token, self.s.venue
        round_id = token.flight_round()
        if round_id == 0:
            return
        r = token.rounds(round_id)
        if venue.order(r.order_id).status != PENDING_ORDER:
            return
        self.next_block()
        self.publish(move)
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
        ok, status = self.call("settle", lambda: self.s.token.settle(sender=self.s.keeper))
        if ok:
            event(f"settle: round status {status}")

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
