"""One hypothesis state machine run over both venue kinds (venue_kinds.py; issue 16 item 5,
VERIFICATION.md invariants 5 and 16): the same rules on the sync kind (LeveragedToken on
MockPerpAdapter: entry and exit instant) and on the async kind (LeveragedTokenAsync on
MockAsyncPerpVenue: entry and exit are ERC-7540 requests that a round close, a venue fill, or a
refusal or expiry, and a settle complete, then claims). A holder owns the fund; two requesters
enter with assets and leave with shares, alone or crossed with the holder in one block or round;
the price moves (between request and fill too, past the round's price limit: refusals), time
passes (past the order's window: expiry) and funding accrues.

No value moves between holders and requesters: every share that did nothing in a step keeps its
value, to the wei and never below:
- sync, at each deposit or redeem: its value at the same block's prices had nobody acted
  (NAV and supply just before) - the action may add at most 1 base unit to it (rounding);
- async, at each fill: its value at the fill's price had nobody requested anything
  (idle + the venue's equity right before the order, over the supply before), likewise;
- every other step that is not a price, time or funding move (requests, cancels, closes,
  settles, claims, fee collection) leaves every such share's value exactly as it was.
The async settlement is the reference model's (`ltsdk.replica.async_token.settlement`) at the
fill the venue recorded, whatever the price does between the fill and the settle call; each
requester of the round is owed exactly its pro-rata part of it (rounded down, in the vault's
favour: the NAV at the fill less its own request's costs), never more than it put in.

Money is conserved (`money_is_conserved`, after every step): the token's collateral is exactly
its NAV's idle part plus what it holds for requests, claims and fees; NAV is idle + the venue
account's equity (sync always, async while no filled round waits); no share is counted twice
and the holders' claims never sum to more than NAV (nothing created by rounding).

ERC-7540's rules on the async kind: a claimable request can always be claimed, in full or in
part, rounded pro rata in the vault's favour; a pending request cannot be claimed; a cancel
returns exactly what was requested; the token escrows every pending redeem's and claimable
deposit's shares (`shares_are_escrowed`).
"""

from __future__ import annotations

import boa
import pytest
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from fuzz.chain import StateWrites, attempt
from fuzz.profiles import fuzz_settings, profile_name
from fuzz.test_async_token_machine import ALLOWED as ALLOWED_ASYNC
from fuzz.test_async_token_machine import DEPOSITS, FRACTIONS, MOVES_BPS
from fuzz.venue_kinds import (
    ACTORS,
    ASYNC,
    KINDS,
    REQUESTERS,
    ROUND_IN_FLIGHT,
    ROUND_PAYING,
    ROUND_SETTLED,
    STAKES,
    VENUE_FILLED,
    VENUE_PENDING,
    KindStack,
    arrived_unsettled,
    close_round,
    enter,
    execute,
    kind_stack,
    leave,
    next_block,
    prepare,
    publish,
    request_in_flight,
    seed,
    settle,
    wait_for_close,
)
from ltsdk.replica import async_token

FUNDING_RATES = st.sampled_from([0, 3 * 10**9, -3 * 10**9])  # WAD per second (~0.026 %/day)
WARPS = st.sampled_from([60, 3_600, 86_400])  # seconds; a day without a new price is stale on both venues
# reasons a user's or a keeper's call may revert for in a random sequence; any other fails the machine
ALLOWED_SYNC = {
    "enter": {"lt: stale price", "lt: min deposit", "lt: zero", "lt: cap", "venue: slippage", "venue: liquidity"},
    "leave": {"lt: stale price", "lt: zero", "venue: slippage", "venue: liquidity"},
}
ALLOWED = {
    **ALLOWED_SYNC,
    "request": ALLOWED_ASYNC["request"] | {"lt: zero"},
    **{name: reasons for name, reasons in ALLOWED_ASYNC.items() if name != "request"},
}
ALLOWED["close"] = ALLOWED["close"] | {"lt: stale price"}
# the value a share that did nothing may gain from another's action or a round's fill: rounding only
MAX_ROUNDING_GAIN = 1


def values(ks: KindStack, balances: dict[str, int]) -> dict[str, int]:
    """What each of `balances` (shares) is worth at the token's NAV and supply now, rounded down."""
    nav, supply = ks.token.totalAssets(), ks.token.totalSupply()
    return {who: balance * nav // supply if supply else 0 for who, balance in balances.items()}


class VenueKindMachine(RuleBasedStateMachine):
    def __init__(self, kind: str):
        super().__init__()
        self.ks = kind_stack(kind)
        self.anchor = boa.env.anchor()
        self.anchor.__enter__()
        # balances() is read before and after every step: a read with nothing written since (the
        # last step's after, this one's before) is reused (speed only)
        self.writes = StateWrites()
        self.balances_read: tuple[int, dict[str, int]] | None = None  # (writes count, balances)
        # async: the settlement the reference model priced at the last fill of a round in flight
        # (round, settlement, supply before the fill, each actor's (deposit, redeem) request in the round)
        # and NAV and supply as if settled, at the fill's price
        self.expected: tuple[int, async_token.Settlement, int, dict[str, tuple[int, int]], tuple[int, int]] | None = (
            None
        )

    def teardown(self):
        self.writes.close()
        self.anchor.__exit__(None, None, None)

    # ------------------------------------------------------------ helpers

    def call(self, name: str, outcome: tuple[bool, object]) -> tuple[bool, object]:
        ok, result = outcome
        if not ok:
            assert result in ALLOWED[name], f"{self.ks.kind}: {name} reverted {result!r}"
        event(f"{self.ks.kind} {name}: {'ok' if ok else result}")
        return ok, result

    def balances(self) -> dict[str, int]:
        """Every actor's balanceOf, or a copy of the last read if nothing has been written since."""
        if self.balances_read is None or self.balances_read[0] != self.writes.count:
            read = {who: self.ks.token.balanceOf(account) for who, account in self.ks.actors.items()}
            self.balances_read = (self.writes.count, read)
        return dict(self.balances_read[1])

    def kept(self, step, tolerance: int) -> object:
        """Run `step`; every actor's shares that it did not touch (the smaller of his balance
        before and after) must be worth, at the NAV and supply after, what they were worth at the
        NAV and supply before, and at most `tolerance` base units more. Returns what `step` returns."""
        token = self.ks.token
        before, nav, supply = self.balances(), token.totalAssets(), token.totalSupply()
        result = step()
        after = self.balances()
        untouched = {who: min(before[who], after[who]) for who in ACTORS}
        worth = values(self.ks, untouched)
        for who, shares in untouched.items():
            without = shares * nav // supply if supply else 0
            assert 0 <= worth[who] - without <= tolerance, (
                f"{self.ks.kind}: the {who}'s {shares} untouched shares went from {without} to {worth[who]}"
            )
        return result

    def untouched_value_exact(self, step) -> object:
        return self.kept(step, 0)

    # ------------------------------------------------------------ rules: users

    @initialize(assets=DEPOSITS, fraction=FRACTIONS)
    def open_fund(self, assets, fraction):
        """The holder and a requester own the fund; then the requester enters and the holder
        leaves (sync: at once; async: the first round's requests, pending)."""
        prepare(self.ks)
        seed(self.ks, STAKES)
        self.crossed(assets, fraction)

    @rule(who=st.sampled_from(REQUESTERS), assets=DEPOSITS)
    def enter_with_assets(self, who, assets):
        if self.ks.is_async:
            self.untouched_value_exact(lambda: self.call("request", enter(self.ks, who, assets)))
        else:
            self.kept(lambda: self.call("enter", enter(self.ks, who, assets)), MAX_ROUNDING_GAIN)

    @rule(who=st.sampled_from(ACTORS), fraction=FRACTIONS)
    def leave_with_shares(self, who, fraction):
        shares = self.ks.token.balanceOf(self.ks.actors[who]) // fraction
        if self.ks.is_async:
            self.untouched_value_exact(lambda: self.call("request", leave(self.ks, who, shares)))
        else:
            self.kept(lambda: self.call("leave", leave(self.ks, who, shares)), MAX_ROUNDING_GAIN)

    @rule(assets=DEPOSITS, fraction=FRACTIONS)
    def crossed(self, assets, fraction):
        """A requester enters while the holder leaves: one block (sync), one round (async)."""
        self.enter_with_assets("requester", assets)
        self.leave_with_shares("holder", fraction)

    @precondition(lambda self: self.ks.is_async)
    @rule(who=st.sampled_from(ACTORS), redeem=st.booleans())
    def cancel(self, who, redeem):
        """ERC-7540 (ERC-7887's cancel): exactly what was requested comes back, at once."""
        account, token, usdc = self.ks.actors[who], self.ks.token, self.ks.usdc
        if redeem:
            pending, held = token.pendingRedeemRequest(0, account), token.balanceOf(account)
            ok, _ = self.untouched_value_exact(
                lambda: self.call("cancel", attempt(lambda: token.cancelRedeemRequest(0, account, sender=account)))
            )
            after = token.balanceOf(account)
        else:
            pending, held = token.pendingDepositRequest(0, account), usdc.balanceOf(account)
            ok, _ = self.untouched_value_exact(
                lambda: self.call("cancel", attempt(lambda: token.cancelDepositRequest(0, account, sender=account)))
            )
            after = usdc.balanceOf(account)
        assert after == (held + pending if ok else held), "a cancel returns exactly what was requested"

    @precondition(lambda self: self.ks.is_async)
    @rule(who=st.sampled_from(ACTORS), part=st.sampled_from([1, 1, 2, 3]))
    def claim(self, who, part):
        """A claimable request can always be claimed: all of it (part 1) or `1/part` of it by the
        other form (mint, withdraw), rounded pro rata in the vault's favour; a pending one cannot."""
        account, token = self.ks.actors[who], self.ks.token
        self.untouched_value_exact(lambda: self._claim_deposit(account, part))
        self.untouched_value_exact(lambda: self._claim_redeem(account, part))
        pending = token.pendingDepositRequest(0, account)
        if pending > 0 and token.maxDeposit(account) == 0:
            assert attempt(lambda: token.deposit(pending, account, account, sender=account)) == (False, "lt: claimable")
        pending = token.pendingRedeemRequest(0, account)
        if pending > 0 and token.maxRedeem(account) == 0:
            assert attempt(lambda: token.redeem(pending, account, account, sender=account)) == (False, "lt: claimable")

    def _claim_deposit(self, account: str, part: int) -> None:
        token = self.ks.token
        requested, owed = token.maxDeposit(account), token.maxMint(account)
        if requested == 0:
            return
        balance = token.balanceOf(account)
        if part == 1:
            ok, shares = attempt(lambda: token.deposit(requested, account, account, sender=account))
            assert ok and shares == owed, f"deposit(maxDeposit) gives {shares!r}, maxMint is {owed}"
            charged = requested
        else:
            shares = owed // part
            ok, charged = attempt(lambda: token.mint(shares, account, account, sender=account))
            assert ok, f"mint({shares}) of a claimable request reverts {charged!r}"
            assert charged == -(-shares * requested // owed), (
                "a part of a claim charges its pro-rata assets, rounded up"
            )
        assert token.balanceOf(account) == balance + shares
        assert (token.maxDeposit(account), token.maxMint(account)) == (requested - charged, owed - shares)
        event(f"claim deposit: {'all' if part == 1 else 'part'}")

    def _claim_redeem(self, account: str, part: int) -> None:
        token, usdc = self.ks.token, self.ks.usdc
        requested, owed = token.maxRedeem(account), token.maxWithdraw(account)
        if requested == 0:
            return
        cash = usdc.balanceOf(account)
        if part == 1:
            ok, paid = attempt(lambda: token.redeem(requested, account, account, sender=account))
            assert ok and paid == owed, f"redeem(maxRedeem) pays {paid!r}, maxWithdraw is {owed}"
            used = requested
        else:
            paid = owed // part
            ok, used = attempt(lambda: token.withdraw(paid, account, account, sender=account))
            assert ok, f"withdraw({paid}) of a claimable request reverts {used!r}"
            assert used == -(-paid * requested // owed), "a part of a claim uses its pro-rata shares, rounded up"
        assert usdc.balanceOf(account) == cash + paid
        assert (token.maxRedeem(account), token.maxWithdraw(account)) == (requested - used, owed - paid)
        event(f"claim redeem: {'all' if part == 1 else 'part'}")

    @rule()
    def collect_fees(self):
        token, usdc = self.ks.token, self.ks.usdc
        recipient = token.fee_recipient()
        owed, before = token.protocol_fees(), usdc.balanceOf(recipient)
        assert self.untouched_value_exact(lambda: token.collect_fees(sender=self.ks.keeper)) == owed
        assert usdc.balanceOf(recipient) == before + owed

    # ------------------------------------------------------------ rules: the market

    @rule(
        what=st.sampled_from(["price", "price", "time", "time and price", "funding"]),
        move=MOVES_BPS,
        seconds=WARPS,
        rate=FUNDING_RATES,
    )
    def market(self, what, move, seconds, rate):
        """The market between the users' and the keepers' steps: a price move (in a later block),
        time passing (past the oracle's freshness and the order's window when long), funding."""
        if what == "funding":
            self.ks.venue.set_funding_rate_per_second(rate, sender=self.ks.admin)
            return
        next_block(seconds if what.startswith("time") else 12)
        if what != "time":
            publish(self.ks, move)

    # ------------------------------------------------------------ rules: the async kind's keepers

    @precondition(lambda self: self.ks.is_async)
    @rule(action=st.sampled_from(["close", "fill", "settle", "expire"]), move=MOVES_BPS)
    def keepers(self, action, move):
        """The async kind's keepers: the token's (close), the venue's (fill, maybe a refusal when
        the move misses the round's price limit) and anyone's (settle); or nobody
        executes and the order expires."""
        if action == "close":
            self.close()
        elif action == "fill":
            self.fill(move)
        elif action == "settle":
            self.settle_round()
        else:
            self.expire()

    @precondition(lambda self: self.ks.is_async)
    @rule(
        move=MOVES_BPS,
        then=st.sampled_from(["price", None, "time"]),
        then_move=st.sampled_from([100, -100, 300, -300, 0]),
        part=st.sampled_from([1, 2]),
    )
    def round_and_claims(self, move, then, then_move, part):
        """What the keepers do, then the users: close the round, fill it at a moved price, settle
        (at once, or after the price moved again or an hour passed: the settlement is the fill's
        whatever happens in between), and everyone claims what is claimable (all of it, or half by
        the other form)."""
        self.close()
        self.fill(move)
        if then is not None:
            self.market(then, then_move, 3_600, 0)
        self.settle_round()
        for who in ACTORS:
            self.claim(who, part)

    def close(self):
        wait_for_close(self.ks)  # time passes first (funding moves every share alike), then the close
        self.untouched_value_exact(lambda: self.call("close", close_round(self.ks)))

    def fill(self, move):
        """In a later block with a new price the venue keeper executes the order in flight. A
        filled round leaves every share outside it worth what it was worth at the fill's price had
        nobody requested anything; the reference model prices the round's settlement there."""
        token = self.ks.token
        round_id = token.flight_round()
        r = token.rounds(round_id) if round_id else None
        # the fund's idle collateral rides with the round in flight (flight_idle)
        supply_before, idle = token.totalSupply(), token.idle_assets() + (token.flight_idle() if round_id else 0)
        balances = self.balances()
        requests = {  # each actor's deposit and redeem in the round in flight
            who: (request_in_flight(self.ks, "deposit", a), request_in_flight(self.ks, "redeem", a))
            for who, a in self.ks.actors.items()
        }
        status = execute(self.ks, move)
        event(f"fill: status {status}")
        if status != VENUE_FILLED or r is None or r.status != ROUND_IN_FLIGHT:
            return
        f = self.ks.venue.fill_of(r.order_id)
        expected = async_token.settlement(
            idle,
            f.equity_before,
            f.equity_after,
            f.collateral_delta,
            f.size_delta,
            r.execution_fee,
            supply_before,
            r.deposits,
            r.redeems,
            token.mint_fee_bps(),
            token.redeem_fee_bps(),
            token.is_long(),
            token.initial_nav_per_share(),
            r.rebalance,  # the fund's part of the order (0 unless a rebalance rode in the round)
        )
        assert sum(d for d, _ in requests.values()) == r.deposits, "the round's deposits != its requesters'"
        assert sum(s for _, s in requests.values()) == r.redeems, "the round's redeems != its requesters'"
        nav, supply = token.totalAssets(), token.totalSupply()  # as if settled, at the fill's price
        self.expected = (round_id, expected, supply_before, requests, (nav, supply))
        assert supply == supply_before - r.redeems + expected.shares_out, "the supply as if settled"
        assert expected.nav_at_fill == max(idle + f.equity_before, 1)
        # a rebalance riding in the round costs the staying holders the fund's part of the order's cost
        h_stay = async_token.staying_nav(expected.nav_at_fill, expected.fund_cost, supply_before, r.redeems)
        for who, balance in balances.items():
            without = balance * h_stay // supply_before if supply_before else 0
            with_round = balance * nav // supply
            assert 0 <= with_round - without <= MAX_ROUNDING_GAIN, (who, with_round, without)
        event("fill: holders' value checked")

    def settle_round(self):
        """Anyone settles: at the fill's prices (the model's settlement), whatever the price did
        since; a settle moves no value between anyone's shares."""
        token = self.ks.token
        round_id = token.flight_round()
        status_before = token.rounds(round_id).status if round_id else None
        # what each actor was owed by earlier rounds' claims (maxMint: shares, maxWithdraw: assets)
        owed_before = {who: (token.maxMint(a), token.maxWithdraw(a)) for who, a in self.ks.actors.items()}
        ok, status = self.untouched_value_exact(lambda: self.call("settle", settle(self.ks)))
        if not ok:
            return
        event(f"settle: round status {status}")
        if self.expected is None or self.expected[0] != round_id or status_before != ROUND_IN_FLIGHT:
            return
        r = token.rounds(round_id)
        if r.status not in (ROUND_PAYING, ROUND_SETTLED):
            return  # refused or expired: the round reopened with its requests
        _, expected, supply_before, requests, at_fill = self.expected
        dead = min(token.DEAD_SHARES(), expected.shares_out) if supply_before == 0 else 0
        assert r.shares_out == expected.shares_out - dead, "settled shares != the model's at the fill"
        assert r.fees == expected.fees, "settled fees != the model's at the fill"
        payout_fee = min(self.ks.venue.min_execution_fee(), expected.assets_out) if r.status == ROUND_PAYING else 0
        assert r.assets_out == expected.assets_out - payout_fee, "settled assets != the model's at the fill"
        self.expected = None
        event("settle: the model's settlement at the fill")
        self.requesters_get_their_part(r, expected, supply_before, requests, owed_before, at_fill)

    def requesters_get_their_part(self, r, expected, supply_before, requests, owed_before, at_fill) -> None:
        """Each requester of the settled round is owed exactly its pro-rata part of the model's
        settlement at the fill (rounded down: the vault keeps the dust), so its own request's
        costs and nobody else's; and never more than it put in: a depositor's new shares are worth
        at most its assets, a redeemer's assets at most its shares' worth at the fill's NAV."""
        token = self.ks.token
        nav, supply = at_fill  # at the fill's price: the price may move before the settle (a gain, not a transfer)
        for who, (deposit, redeem) in requests.items():
            account = self.ks.actors[who]
            shares_before, assets_before = owed_before[who]
            if deposit:
                owed = token.maxMint(account) - shares_before
                assert owed == r.shares_out * deposit // r.deposits, f"the {who}'s shares != its part of the round's"
                assert owed * nav // supply <= deposit, f"the {who}'s {owed} shares are worth more than it paid"
            if redeem and r.status == ROUND_SETTLED:
                owed = token.maxWithdraw(account) - assets_before
                assert owed == r.assets_out * redeem // r.redeems, f"the {who}'s assets != its part of the round's"
                assert owed <= redeem * expected.nav_at_fill // supply_before, f"the {who} is paid above NAV"
        event("settle: each requester's part checked")

    def expire(self):
        """Nobody executes: past the order's window the settle closes it and the round rolls."""
        next_block(self.ks.venue.order_expiry() + 1)
        publish(self.ks, 0)
        self.settle_round()

    # ------------------------------------------------------------ invariants

    def filled_unsettled(self) -> bool:
        round_id = self.ks.token.flight_round()
        if round_id == 0:
            return False
        r = self.ks.token.rounds(round_id)
        return r.status == ROUND_PAYING or self.ks.venue.order(r.order_id).status == VENUE_FILLED

    @invariant()
    def money_is_conserved(self):
        ks, token = self.ks, self.ks.token
        idle, cash = token.idle_assets(), ks.usdc.balanceOf(token)
        if ks.is_async:
            held = token.held_assets()
            assert cash == idle + held + arrived_unsettled(ks), "collateral != idle + held for requests and claims"
            claimable = sum(token.maxWithdraw(a) for a in ks.actors.values())
            pending = (
                sum(token.pendingDepositRequest(0, a) for a in ks.actors.values()) if not token.flight_round() else 0
            )
            assert held >= claimable + pending + token.protocol_fees(), "held < what requests, claims and fees are owed"
            snap = ks.venue.account_snapshot(token)
            order_id = 0
            if token.flight_round():
                order_id = token.rounds(token.flight_round()).order_id
            if order_id and ks.venue.order(order_id).status == VENUE_PENDING:
                assert snap.reserved_collateral == max(ks.venue.order(order_id).collateral_delta, 0)
            else:
                assert snap.reserved_collateral == 0 and snap.orders_in_flight == 0
        else:
            assert cash == idle + token.protocol_fees(), "collateral != idle + fees held"
            assert token.pending_fee_shares() == 0
        nav, supply = token.totalAssets(), token.totalSupply()
        if ks.is_async and self.filled_unsettled():
            return  # NAV and supply read as settled: the fill rule and the settle rule check them
        if ks.is_async and token.flight_round():
            idle += token.flight_idle()  # the idle collateral the round in flight took is still NAV
        assert nav == max(idle + ks.venue.equity(token), 0), "NAV != idle + the venue account's equity"
        holders = {*ks.actors.values(), token.address, token.fee_recipient(), ks.keeper, ks.admin}
        shares = {h: token.balanceOf(h) for h in holders}
        assert sum(shares.values()) == supply, "the shares held != the supply"
        assert sum(s * nav // supply for s in shares.values() if supply) <= nav, "claims above NAV"

    @invariant()
    def shares_are_escrowed(self):
        ks, token = self.ks, self.ks.token
        if not ks.is_async:
            return
        escrowed = sum(token.pendingRedeemRequest(0, a) + token.maxMint(a) for a in ks.actors.values())
        if token.flight_round() and token.rounds(token.flight_round()).status == ROUND_PAYING:
            # paying: the round's redeemed shares are burned, its redeemers' not yet claimable
            escrowed -= sum(token.pendingRedeemRequest(0, a) for a in ks.actors.values())
        assert token.balanceOf(token) >= escrowed + token.DEAD_SHARES()


# both kinds deployed once per session, before the first example's anchor (conftest.py)
pytestmark = pytest.mark.usefixtures("deployed_stack", "async_deployed_stack")


# a step is up to ~5 transactions and ~30 view calls on py-evm; the CI profile runs a few examples
# of each kind (~12 s sync, ~23 s async on py-evm, 2026-12), the deep one the profile's own
EXAMPLES = {"ci": 8, "quick": 4}


@pytest.mark.parametrize("kind", KINDS)
def test_venue_kinds__same_rules__no_value_moves_between_holders_and_requesters(kind):
    examples = EXAMPLES.get(profile_name())
    overrides = {} if examples is None else {"max_examples": examples}
    run_state_machine_as_test(lambda: VenueKindMachine(kind), settings=fuzz_settings(**overrides))


def test_total_assets__payout_filled_before_the_settle__reads_as_settled():
    """A round of redeems whose cash falls short (no cushion, +2 % before the fill) pays out by a
    second order; between that order's fill and the settle, totalAssets must read what it reads
    once settled (NAV per share never jumps, docs/async-token.md); it once read low by the payout
    (~6 % here) until anyone settled."""
    ks = kind_stack(ASYNC)
    with boa.env.anchor():
        seed(ks, {"holder": STAKES["holder"]})
        holder = ks.actors["holder"]
        assert leave(ks, "holder", ks.token.balanceOf(holder) // 2)[0]
        assert close_round(ks)[0]
        assert execute(ks, 200) == VENUE_FILLED
        assert settle(ks) == (True, ROUND_PAYING)
        assert execute(ks, 0) == VENUE_FILLED  # the payout order, a block later at the same price
        supply, nav_filled = ks.token.totalSupply(), ks.token.totalAssets()
        assert settle(ks) == (True, ROUND_SETTLED)
        assert ks.token.totalSupply() == supply
        assert ks.token.totalAssets() == nav_filled, (
            f"NAV {nav_filled} before the settle, {ks.token.totalAssets()} after"
        )
