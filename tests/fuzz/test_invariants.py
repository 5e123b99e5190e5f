"""Stateful fuzzing of one leveraged token, its venue account and the oracle (VERIFICATION.md,
invariants 1-12), on titanoboa.

An example deploys nothing: it picks one of the session's tokens (BTC3L, BTC3S, BTC5L, BTC5S),
gives it random fees, cap and rebalance chunk, maybe seeds it with deposits, and runs
`stateful_step_count` random rules inside `boa.env.anchor()`. All transactions of a step share
one block; `warp` moves time.

The reference model (`ltsdk.replica.Fund` over `ltsdk.replica.Venue`) runs alongside and is the only
source of formulas:
- deposit, redeem, rebalance, ripcord, emergency shutdown (the admin starts it, anyone continues),
  price moves, funding changes, time and a donation to the venue account are replayed in the
  model, which must predict every return value and every revert reason to the wei (inv 12);
- mint is replayed as the model's deposit of the collateral the chain charged, which must mint
  at least the shares asked for; the receiver is then credited exactly those (the surplus of the
  exact-output search stays in the fund, as in `LeveragedToken.mint`);
- transfers move shares in the model's ledger; collect_fees empties its fee bucket;
- fee changes go through the configurator: a cut (or any change before the first mint) acts at
  once, a rise is queued and acts only when executed after its delay (or never, if the guardian
  cancels it); the model accrues the management fee at the old rate when a change acts;
- withdraw and splits are not in the model: each is checked on its own terms (previews, exact
  amounts, other holders' NAV per share, scaling) and then the parts of the model it changes are
  copied from chain (`chain.resync_after_exit`, `chain.resync_ledger`).
After every step `invariants_hold` holds chain and model equal and checks inv 1, 2, 8 and 12; the
rules check the invariants about their own action (inv 3-7, 9-11). Each assertion message names
its invariant ("inv 4: ..."), so a failure says which property broke.
"""

from __future__ import annotations

import boa
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from fuzz import erc4626
from fuzz.chain import (
    CAP,
    HOLDERS,
    MAX_BASE_PER_SHARE,
    MAX_UINT256,
    ORACLE_SCALE,
    PRODUCTS,
    SHARE_BASE_MASK,
    USDC,
    WAD,
    StateWrites,
    attempt,
    configure,
    minted_supply,
    model_fund,
    on_own_stack_chunk,
    resync_after_exit,
    resync_ledger,
    stack,
)
from fuzz.profiles import fuzz_settings
from ltsdk import math
from ltsdk.codes import Reason
from ltsdk.errors import ModelRevert
from ltsdk.replica import Fund
from ltsdk.units import BPS

# inv 8: the keeper-less fallback; price moves are at most 10 % per oracle update (a BTC hour
# rarely moves 5 %), and after each update anyone who sees leverage at the ripcord level pulls it
MAX_PRICE_MOVE_BPS = 1_000
MAX_RIPCORD_CALLS = 10

# ---------------------------------------------------------------- strategies

# collateral amounts: the edges (zero, 1 wei, just below / at the first-deposit minimum) and
# realistic sizes (1 - 10,000 USDC, 10,000 - 2,000,000 USDC); hypothesis alone would start from 0
ASSETS = st.one_of(
    st.sampled_from([0, 1, USDC - 1, USDC, USDC + 1]),
    st.integers(USDC, 10_000 * USDC),
    st.integers(10_000 * USDC, 2_000_000 * USDC),
)
# a share amount relative to a balance: a fraction in bps, or an edge
SHARE_PICK = st.one_of(
    st.integers(1, BPS).map(lambda bps: ("bps", bps)),
    st.sampled_from([("wei", 0), ("wei", 1), ("all", 0), ("all", 1)]),
)
HOLDER = st.sampled_from(HOLDERS)
SPLIT_FACTORS = st.sampled_from([2, 3, 4, 5, 7, 10, 100, 1_000, 10_000, 11, 9_999])
PRICE_MOVE_BPS = st.one_of(st.integers(-200, 200), st.integers(-MAX_PRICE_MOVE_BPS, MAX_PRICE_MOVE_BPS))
FUNDING_RATE = st.one_of(st.just(0), st.integers(-3 * 10**10, 3 * 10**10))  # WAD per second (<= 0.26 %/day)
PROBES = st.sampled_from(
    [("round_trip", kind) for kind in erc4626.ROUND_TRIPS]
    + [("max", kind) for kind in ("deposit", "mint", "withdraw", "redeem")]
    + [("sandwich", "rebalance"), ("sandwich", "price")]
    + [("split_slippage", kind) for kind in ("redeem", "withdraw", "deposit", "mint")]
    + [("split_identity", "reverse then split")]
)
WARP_SECONDS = st.one_of(st.sampled_from([1, 59, 60, 61, 3_599, 3_600, 3_601, 86_400]), st.integers(1, 2 * 86_400))
# fee changes through the configurator (bps): cuts act at once, rises wait the timelock
FEE_CHANGES = st.tuples(
    st.sampled_from([0, 5, 10, 100]), st.sampled_from([0, 5, 10, 100]), st.sampled_from([0, 100, 365, 2_000])
)
NO_CHANGE_ID = b"\x00" * 32


def pick_shares(balance: int, choice: tuple[str, int]) -> int:
    kind, value = choice
    if kind == "bps":
        return balance * value // BPS
    if kind == "wei":
        return value
    return balance + value  # "all": the whole balance, or one wei more


def no_worse_per_share(nav_before: int, supply_before: int, nav_after: int, supply_after: int) -> bool:
    """NAV per share after >= before, compared exactly by cross-multiplication."""
    if supply_before == 0 or supply_after == 0 or nav_before <= 0:
        return True
    return nav_after * supply_before >= nav_before * supply_after


class FundMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.s = stack()
        self.anchor = boa.env.anchor()
        self.anchor.__enter__()
        # balances() is read before and after most rules and by the invariant after every step
        # (~20 % of the time), and the invariant and the rules' checks read the same views again:
        # a read with nothing written since (same block and clock) is reused (speed only)
        self.writes = StateWrites(reuse_views=True)
        self.balances_read: tuple[int, dict[str, int]] | None = None  # (writes count, balances)
        self.token = None
        self.f: Fund | None = None
        self.paused = False
        self.dust_possible = False  # a reverse split has happened: inv 1 holds within 1 wei per holder
        self.unwatched = False  # leverage is at the ripcord level and nobody pulled it (inv 8 not claimed)
        self.last_full_check = None  # the key of the state NAV, inv 2 and inv 8 were last checked on
        self.queued_fees: list[tuple[bytes, tuple]] = []  # (change id, fees) waiting in the configurator

    def teardown(self):
        self.writes.close()
        self.anchor.__exit__(None, None, None)

    # ------------------------------------------------------------ helpers

    @property
    def now(self) -> int:
        return boa.env.timestamp

    def actor(self, role: str) -> str:
        return getattr(self.s.actors, role)

    def holders(self) -> list[str]:
        return [*(self.actor(role) for role in HOLDERS), self.token.address]

    def balances(self) -> dict[str, int]:
        """Every holder's balanceOf, or a copy of the last read if nothing has been written since."""
        if self.balances_read is None or self.balances_read[0] != self.writes.count:
            read = {holder: self.token.balanceOf(holder) for holder in self.holders()}
            self.balances_read = (self.writes.count, read)
        return dict(self.balances_read[1])

    def model_supply(self) -> int:
        """Supply including management-fee shares not yet minted (what the next call prices on)."""
        return self.f.supply + self.f.pending_fee_shares(self.now)

    def expect(self, chain_call, model_call):
        """Run the model, then the chain: the same revert reason or the same result (inv 12).
        Returns (ok, result)."""
        try:
            expected = model_call(self.now)
        except ModelRevert as revert:
            ok, reason = attempt(chain_call)
            assert not ok, f"inv 12: the model reverts {revert} but the chain returned {reason!r}"
            assert reason == str(revert), f"inv 12: revert reason: chain {reason!r}, model {revert}"
            return False, reason
        ok, result = attempt(chain_call)
        assert ok, f"inv 12: the chain reverts {result!r}, the model returns {expected!r}"
        assert result == expected, f"inv 12: chain {result!r} != model {expected!r}"
        return True, result

    def fee_shares_to(self, expected: dict[str, int]) -> dict[str, int]:
        """`expected` balance changes plus the management fee the next share-changing call mints."""
        expected = dict(expected)
        pending = self.f.pending_fee_shares(self.now)
        if pending:
            recipient = self.f.fee_recipient
            expected[recipient] = expected.get(recipient, 0) + pending
        return expected

    def assert_balance_changes(self, before: dict[str, int], changes: dict[str, int], what: str):
        """inv 5: only the named holders' balances moved, each by exactly its change."""
        after = self.balances()
        for holder in self.holders():
            assert after[holder] == before[holder] + changes.get(holder, 0), (
                f"inv 5: {what} moved {self.role_of(holder)}'s balance by {after[holder] - before[holder]},"
                f" expected {changes.get(holder, 0)}"
            )

    def role_of(self, address: str) -> str:
        for role, actor in self.s.actors.by_role().items():
            if actor == address:
                return role
        return "token" if address == self.token.address else address

    # ------------------------------------------------------------ set-up

    @initialize(
        symbol=st.sampled_from(sorted(PRODUCTS)),
        fees=st.tuples(st.sampled_from([0, 10, 100]), st.sampled_from([0, 10, 100]), st.sampled_from([0, 365, 2_000])),
        capped=st.booleans(),
        chunk=st.sampled_from([1_000_000 * USDC, 20_000 * USDC]),
        seed=st.sampled_from([(), (10_000 * USDC,), (250_000 * USDC, 7_777 * USDC), (1_500_000 * USDC, 3 * USDC)]),
    )
    def open_fund(self, symbol, fees, capped, chunk, seed):
        """One product with random fees (bps), cap and rebalance chunk (assets of notional), empty
        or seeded by the depositor (and the other depositor) so the first steps are not all dust."""
        self.token = self.s.tokens[symbol]
        configure(self.s, self.token, "set_fees", *fees)
        configure(self.s, self.token, "set_limits", CAP if capped else MAX_UINT256, 50, 3_600)
        configure(self.s, self.token, "set_execution", 86_400, 120, 50, chunk, 60)
        self.f = model_fund(self.s, self.token)
        for role, assets in zip(("depositor", "other_depositor"), seed, strict=False):
            actor = self.actor(role)
            ok, _ = self.expect(
                lambda assets=assets, actor=actor: self.token.deposit(assets, actor, sender=actor),
                lambda now, assets=assets, actor=actor: self.f.deposit(assets, actor, now),
            )
            assert ok

    # ------------------------------------------------------------ ERC-4626 entry points

    @rule(caller=HOLDER, receiver=HOLDER, assets=ASSETS)
    def deposit(self, caller, receiver, assets):
        caller, receiver = self.actor(caller), self.actor(receiver)
        if self.paused and not self.f.is_shutdown:  # inv 11 (a shutdown's reason comes first)
            ok, reason = attempt(lambda: self.token.deposit(assets, receiver, sender=caller))
            assert (ok, reason) == (False, "lt: paused"), f"inv 11: deposit while paused: {reason!r}"
            return
        before = self.balances()
        nav_before, supply_before = self.f.nav(self.now), self.model_supply()
        first = self.f.supply == 0
        fees_before = self.f.protocol_fees
        ok_preview, preview = attempt(lambda: self.token.previewDeposit(assets))
        usdc_before = self.s.usdc.balanceOf(caller)
        changes = self.fee_shares_to({})
        ok, shares = self.expect(
            lambda: self.token.deposit(assets, receiver, sender=caller),
            lambda now: self.f.deposit(assets, receiver, now),
        )
        if not ok:
            return
        # inv 4 (ERC-4626 previewDeposit <= deposit): exact in the same block
        assert ok_preview and preview == shares, f"inv 4: previewDeposit {preview!r} != deposit {shares}"
        assert self.s.usdc.balanceOf(caller) == usdc_before - assets, "prop_deposit: caller pays exactly `assets`"
        changes[receiver] = changes.get(receiver, 0) + shares
        if first:
            changes[self.token.address] = math.DEAD_SHARES
        self.assert_balance_changes(before, changes, "deposit")
        # inv 5: the mint fee goes to the fee bucket, never to NAV or another holder
        assert self.f.protocol_fees == fees_before + math.fee(assets, self.f.mint_fee_bps)
        assert no_worse_per_share(nav_before, supply_before, self.f.nav(self.now), self.f.supply), (
            "inv 5: a deposit lowered the other holders' NAV per share"
        )

    @rule(caller=HOLDER, receiver=HOLDER, worth=ASSETS, quote_first=st.sampled_from([True, False, False]))
    def mint(self, caller, receiver, worth, quote_first):
        """Mint the shares `worth` collateral units buy at NAV per share (0 and dust included),
        optionally quoting previewMint first as a careful user would."""
        caller, receiver = self.actor(caller), self.actor(receiver)
        nav_per_share = math.nav_per_share(self.f.snapshot(self.now))
        shares = worth * WAD // max(nav_per_share, 1)
        quote = attempt(lambda: self.token.previewMint(shares)) if quote_first else None
        before = self.balances()
        nav_before, supply_before = self.f.nav(self.now), self.model_supply()
        changes = self.fee_shares_to({receiver: shares})
        if self.f.supply == 0:
            changes[self.token.address] = math.DEAD_SHARES
        usdc_before = self.s.usdc.balanceOf(caller)
        ok, assets = attempt(lambda: self.token.mint(shares, receiver, sender=caller))
        if not ok:
            self.assert_mint_refusal(shares, receiver, assets, quote)
            return
        # inv 4 (ERC-4626 previewMint >= mint): exact in the same block
        assert quote is None or quote == (True, assets), f"inv 4: previewMint {quote} != mint {assets}"
        assert self.s.usdc.balanceOf(caller) == usdc_before - assets, "prop_mint: caller pays what mint returns"
        # inv 12: the model, depositing what the chain charged, mints at least `shares`; the
        # receiver gets exactly `shares` and the search's surplus stays in the fund
        minted = self.f.deposit(assets, receiver, self.now)
        assert minted >= shares, f"inv 12: the model mints {minted} < {shares} for the charged {assets}"
        self.f.balances[receiver] -= minted - shares
        self.f.supply -= minted - shares
        self.assert_balance_changes(before, changes, "mint")
        assert no_worse_per_share(nav_before, supply_before, self.f.nav(self.now), self.f.supply), (
            "inv 5: a mint lowered the other holders' NAV per share"
        )

    def assert_mint_refusal(self, shares, receiver, reason, quote):
        """A refused mint: paused (inv 11), shut down, zero, or the reason previewMint gives; if previewMint
        quotes an amount, the model's deposit of that amount must refuse for the same reason."""
        if self.paused and not self.f.is_shutdown:
            assert reason == "lt: paused", f"inv 11: mint while paused: {reason!r}"
            return
        if self.f.is_shutdown:  # a shutdown's reason comes first, before zero and previewMint's
            assert reason == "lt: shutdown", f"mint after a shutdown: {reason!r}"
            return
        if shares == 0:
            assert reason == "lt: zero", reason
            return
        ok, quoted = quote or attempt(lambda: self.token.previewMint(shares))
        if not ok:
            assert reason == quoted, f"mint reverts {reason!r}, previewMint {quoted!r}"
            return
        try:
            self.f.deposit(quoted, receiver, self.now)
        except ModelRevert as revert:
            assert reason == str(revert), f"inv 12: mint reverts {reason!r}, the model's deposit {revert}"
            return
        raise AssertionError(f"mint reverts {reason!r} although previewMint quotes {quoted}")

    @rule(owner=HOLDER, receiver=HOLDER, pick=SHARE_PICK, via_allowance=st.booleans(), spender=HOLDER)
    def redeem(self, owner, receiver, pick, via_allowance, spender):
        """The owner redeems, or a spender redeems the owner's shares through its allowance."""
        owner, receiver = self.actor(owner), self.actor(receiver)
        caller = self.actor(spender) if via_allowance else owner
        shares = pick_shares(self.token.balanceOf(owner), pick)
        allowance_before = self.token.allowance(owner, caller) if caller != owner else None
        if allowance_before is not None and allowance_before < shares:
            self._redeem_without_allowance(owner, caller, receiver, shares)
            return
        before = self.balances()
        nav_before, supply_before = self.f.nav(self.now), self.model_supply()
        fees_before = self.f.protocol_fees
        ok_preview, preview = attempt(lambda: self.token.previewRedeem(shares))
        usdc_before = self.s.usdc.balanceOf(receiver)
        changes = self.fee_shares_to({owner: -shares})
        ok, assets = self.expect(
            lambda: self.token.redeem(shares, receiver, owner, sender=caller),
            lambda now: self.f.redeem(shares, owner, now),
        )
        if not ok:
            return
        # inv 4 (ERC-4626 previewRedeem <= redeem): exact in the same block
        assert ok_preview and preview == assets, f"inv 4: previewRedeem {preview!r} != redeem {assets}"
        assert self.s.usdc.balanceOf(receiver) == usdc_before + assets, "prop_redeem: receiver gets `assets`"
        self.assert_balance_changes(before, changes, "redeem")
        if allowance_before is not None and allowance_before != MAX_UINT256:  # inv 1
            assert self.token.allowance(owner, caller) == allowance_before - shares, "inv 1: allowance drop"
        # inv 5: the redeem fee (if any) goes to the fee bucket only
        assert self.f.protocol_fees >= fees_before
        assert no_worse_per_share(nav_before, supply_before, self.f.nav(self.now), self.f.supply), (
            "inv 5: a redeem lowered the stayers' NAV per share"
        )

    def _redeem_without_allowance(self, owner, caller, receiver, shares):
        """A spender without enough allowance: reverts "lt: allowance", unless an earlier check
        (zero amount, stale price) fails first."""
        snap = self.f.snapshot(self.now)
        if shares == 0:
            expected = "lt: zero"
        elif snap.size != 0 and not snap.fresh:
            expected = "lt: stale price"
        else:
            expected = "lt: allowance"
        assert attempt(lambda: self.token.redeem(shares, receiver, owner, sender=caller)) == (False, expected)

    @rule(caller=HOLDER, receiver=HOLDER, worth=ASSETS, at_max=st.sampled_from([None, 0, 1]))
    def withdraw(self, caller, receiver, worth, at_max):
        """Withdraw `worth` assets, or maxWithdraw (+ 0 or 1 unit). Whether it succeeds is what
        previewWithdraw says: maxWithdraw + 1 may (maxWithdraw may underestimate by the venue's
        unit rounding, which ERC-4626 allows)."""
        caller, receiver = self.actor(caller), self.actor(receiver)
        assets = worth if at_max is None else self.token.maxWithdraw(caller) + at_max
        ok_preview, preview = attempt(lambda: self.token.previewWithdraw(assets))
        # the management fee is minted before the burn: the fee recipient can spend its pending shares
        balance = self.token.balanceOf(caller) + self.fee_shares_to({}).get(caller, 0)
        ok, result = attempt(lambda: self.token.withdraw(assets, receiver, caller, sender=caller))
        if assets == 0:
            assert (ok, result) == (False, "lt: zero")
            return
        if not ok_preview:
            assert (ok, result) == (False, preview), f"withdraw reverts {result!r}, previewWithdraw {preview!r}"
            return
        if preview > balance:
            assert (ok, result) == (False, "lt: balance"), f"withdraw beyond the balance: {result!r}"
            return
        assert ok, f"withdraw reverts {result!r} although previewWithdraw quotes {preview}"
        # inv 4 (ERC-4626 previewWithdraw >= withdraw): exact in the same block
        assert result == preview
        self._after_unmodelled_exit(caller, result)

    def _after_unmodelled_exit(self, owner, shares):
        """Withdraw is not in the model: check the stayers, then rebuild the model from chain."""
        nav_before, supply_before = self.f.nav(self.now), self.model_supply()
        resync_after_exit(self.f, self.s, self.token)
        assert self.f.supply == supply_before - shares, "withdraw burns exactly the previewed shares"
        assert no_worse_per_share(nav_before, supply_before, self.f.nav(self.now), self.f.supply), (
            "inv 5: a withdraw lowered the stayers' NAV per share"
        )

    # ------------------------------------------------------------ ERC-20

    @rule(sender=HOLDER, receiver=HOLDER, pick=SHARE_PICK)
    def transfer(self, sender, receiver, pick):
        sender, receiver = self.actor(sender), self.actor(receiver)
        amount = pick_shares(self.token.balanceOf(sender), pick)
        before, supply = self.balances(), self.token.totalSupply()
        ok, result = attempt(lambda: self.token.transfer(receiver, amount, sender=sender))
        if amount > before[sender]:
            assert (ok, result) == (False, "lt: balance")
            return
        assert ok and result is True
        self._move_shares(before, sender, receiver, amount, supply)

    @rule(spender=HOLDER, owner=HOLDER, receiver=HOLDER, pick=SHARE_PICK)
    def transfer_from(self, spender, owner, receiver, pick):
        spender, owner, receiver = self.actor(spender), self.actor(owner), self.actor(receiver)
        amount = pick_shares(self.token.balanceOf(owner), pick)
        allowance = self.token.allowance(owner, spender)
        before, supply = self.balances(), self.token.totalSupply()
        ok, result = attempt(lambda: self.token.transferFrom(owner, receiver, amount, sender=spender))
        if amount > allowance:
            assert (ok, result) == (False, "lt: allowance")
            return
        if amount > before[owner]:
            assert (ok, result) == (False, "lt: balance")
            return
        assert ok and result is True
        # inv 1: the allowance drops by exactly the amount, unless infinite
        expected = MAX_UINT256 if allowance == MAX_UINT256 else allowance - amount
        assert self.token.allowance(owner, spender) == expected, "inv 1: allowance drop"
        self._move_shares(before, owner, receiver, amount, supply)

    def _move_shares(self, before, sender, receiver, amount, supply):
        """inv 1: a transfer conserves the supply and moves exactly `amount`; the model's ledger follows."""
        changes = {sender: -amount}
        changes[receiver] = changes.get(receiver, 0) + amount
        self.assert_balance_changes(before, changes, "transfer")
        assert self.token.totalSupply() == supply, "inv 1: a transfer changed the supply"
        self.f.balances[sender] -= amount
        self.f.balances[receiver] += amount

    @rule(owner=HOLDER, spender=HOLDER, amount=st.one_of(SHARE_PICK, st.just(("max", 0))))
    def approve(self, owner, spender, amount):
        owner, spender = self.actor(owner), self.actor(spender)
        value = MAX_UINT256 if amount[0] == "max" else pick_shares(self.token.balanceOf(owner), amount)
        assert self.token.approve(spender, value, sender=owner) is True
        # an approval too large to store in base units is stored as infinite
        base_per_share = self.token.base_per_share()
        expected = value if value < SHARE_BASE_MASK // base_per_share else MAX_UINT256
        assert self.token.allowance(owner, spender) == expected

    # ------------------------------------------------------------ splits (inv 10)

    @rule(factor=SPLIT_FACTORS, reverse=st.booleans())
    def admin_split(self, factor, reverse):
        """Admin split or reverse split: every balance, allowance and the supply scale by the
        factor (a reverse split floors; a split returns earlier dust, < factor wei), NAV unchanged."""
        token = self.token
        base_per_share = token.base_per_share()
        before = self.balances()
        allowances = {(o, sp): token.allowance(o, sp) for o in self.holders()[:3] for sp in self.holders()[:3]}
        supply, nav = minted_supply(token), self.f.nav(self.now)
        call = token.reverse_split if reverse else token.split
        ok, reason = attempt(lambda: call(factor, sender=self.s.actors.admin))
        # a reverse split may not make a fund with holders read a supply of 0 (share_ledger._rescale)
        emptied = supply > 0 and supply // factor == 0
        # past MAX_BASE_PER_SHARE a reverse split starts a new scale epoch: never too far (L4)
        too_far = emptied if reverse else base_per_share % factor != 0
        if too_far:
            assert (ok, reason) == (False, "lt: bounds"), reason
            return
        assert ok, reason
        for holder, balance in self.balances().items():
            assert scaled(balance, before[holder], factor, reverse), f"inv 10: {self.role_of(holder)}'s balance"
        for (o, sp), allowance in allowances.items():
            assert scaled(token.allowance(o, sp), allowance, factor, reverse), "inv 10: allowance"
        assert scaled(minted_supply(token), supply, factor, reverse), "inv 10: supply"
        assert token.totalAssets() == max(nav, 0), "inv 10: a split changed NAV"
        self.dust_possible |= reverse
        resync_ledger(self.f, self.s, token)

    @rule()
    def keeper_split(self):
        """The keeper may split only by the factor lt_math._split_status names (ltsdk.math.split_status)."""
        token = self.token
        nav_per_share = math.nav_per_share(self.f.snapshot(self.now))
        factor, reverse = math.split_status(
            nav_per_share, self.f.supply > 0, token.split_lower_nav(), token.split_upper_nav()
        )
        call = token.reverse_split if reverse else token.split
        ok, reason = attempt(lambda: call(factor or 10, sender=self.s.actors.keeper))
        if factor == 0:
            assert (ok, reason) == (False, "lt: not needed"), reason
            return
        assert ok, reason
        self.dust_possible |= reverse
        resync_ledger(self.f, self.s, token)
        lower, upper = token.split_lower_nav(), token.split_upper_nav()
        assert lower <= token.nav_per_share() <= upper, "the keeper's split lands inside the band"

    # ------------------------------------------------------------ keeper

    @rule()
    def rebalance(self):
        token = self.token
        supply, balances = token.totalSupply(), self.balances()
        self.status_agrees()
        reason_before = self.f.rebalance_status(self.now)[0]
        nav_before = self.f.nav(self.now)
        ok, traded = self.expect(
            lambda: token.rebalance(sender=self.s.actors.keeper),
            lambda now: self.f.rebalance(now)[1],
        )
        self.leverage_agrees()
        # inv 7: never changes the supply or any balance; reverts when the status is NONE
        assert token.totalSupply() == supply and self.balances() == balances, "inv 7: rebalance moved shares"
        if reason_before == Reason.NONE:
            assert not ok, "inv 7: a rebalance with status NONE succeeded"
            return
        if ok and not token.chunk_pending():
            self.assert_at_target(nav_before, traded)

    def assert_at_target(self, nav_before: int, traded: int):
        """inv 7, tolerance: the trade sets size = T x NAV_before / price, so leverage after is
        T x NAV_before / NAV_after: it misses T by exactly the trade's own cost (fee, spread,
        impact; bounded by max_slippage_bps + the venue fee on the traded notional)."""
        nav_after, price = self.f.nav(self.now), self.f.venue.price
        cost = nav_before - nav_after
        notional = abs(traded) * price // WAD // self.f.asset_scale
        bound = notional * (self.f.max_slippage_bps + self.f.venue.params.taker_fee_bps) // BPS + 2
        assert cost <= bound, f"inv 7: the rebalance cost {cost} > {bound} allowed by the price limit"
        explained_bps = -(-max(cost, 0) * BPS // nav_after) + 1  # rounded up, +1 for size rounding
        drift = math.drift_bps(self.f.leverage(self.now), self.f.target_leverage)
        assert drift <= explained_bps, f"inv 7: {drift} bps off target, the trade's cost explains {explained_bps}"

    @rule(caller=st.sampled_from(["outsider", "keeper"]))
    def ripcord(self, caller):
        self._ripcord(self.actor(caller))

    def _ripcord(self, caller) -> bool:
        supply = self.token.totalSupply()
        usdc_before = self.s.usdc.balanceOf(caller)
        ok, reward = self.expect(lambda: self.token.ripcord(sender=caller), self.f.ripcord)
        assert self.token.totalSupply() == supply, "inv 7: ripcord changed the supply"
        if ok:
            assert self.s.usdc.balanceOf(caller) == usdc_before + reward, "ripcord reward paid to the caller"
            self.unwatched = self.at_ripcord_level()
            self.leverage_agrees()
        return ok

    @rule(caller=st.sampled_from(["admin", "outsider", "keeper"]), start=st.integers(0, 3))
    def emergency_shutdown(self, caller, start):
        """The admin starts a shutdown (`start` == 0: rarely, so most examples stay live); then
        anyone continues it, once per twap_cooldown. The model predicts every chunk and refusal.
        While a position remains, no collateral is idle (the venue account keeps the fund's own
        leverage, which inv 8 holds away from liquidation, shutdown included: issue 14, H1)."""
        if not self.f.is_shutdown and start != 0:
            return
        address = self.actor(caller)
        ok, _ = self.expect(
            lambda: self.token.emergency_shutdown(sender=address),
            lambda now: self.f.emergency_shutdown(now, is_admin=caller == "admin"),
        )
        assert self.token.is_shutdown() == self.f.is_shutdown
        if ok:
            size = self.s.venue.position(self.token)[0]
            assert self.token.idle_assets() == 0 or size == 0, "H1: collateral idle beside an open position"
            self.unwatched = self.at_ripcord_level()

    # ------------------------------------------------------------ market

    @rule(move_bps=PRICE_MOVE_BPS, anyone_watching=st.booleans())
    def move_price(self, move_bps, anyone_watching):
        """The oracle pushes a new price; if anyone is watching, they pull the ripcord while
        leverage is at its level (inv 8 is checked only while someone always does)."""
        claimed = not self.unwatched  # nobody pulled it at an earlier update: the fund may be insolvent
        answer = self.s.oracle.latestRoundData()[1] * (BPS + move_bps) // BPS
        self.s.oracle.set_price(answer, sender=self.s.actors.admin)
        self.f.venue.set_price(answer * ORACLE_SCALE, self.now)
        for _ in range(MAX_RIPCORD_CALLS):
            if not (anyone_watching and self.at_ripcord_level()):
                break
            pulled = self._ripcord(self.s.actors.outsider)  # the model predicts a refusal's reason
            if not claimed and not pulled:
                break
            assert pulled, "inv 8: ripcord refused at the ripcord level"
        self.unwatched = self.at_ripcord_level()

    def at_ripcord_level(self) -> bool:
        return self.f.supply > 0 and self.f.leverage(self.now) >= self.f.ripcord_leverage

    @rule(rate=FUNDING_RATE)
    def set_funding(self, rate):
        self.s.venue.set_funding_rate_per_second(rate, sender=self.s.actors.admin)
        self.f.venue.set_funding_rate(rate, self.now)

    @rule(seconds=WARP_SECONDS, heartbeat=st.booleans())
    def warp(self, seconds, heartbeat):
        """Time passes; with a heartbeat the oracle re-publishes the same price (fresh again)."""
        boa.env.time_travel(seconds=seconds)
        if heartbeat:
            answer = self.s.oracle.latestRoundData()[1]
            self.s.oracle.set_price(answer, sender=self.s.actors.admin)
            self.f.venue.set_price(answer * ORACLE_SCALE, self.now)

    # ------------------------------------------------------------ parameter changes (the configurator's timelock)

    def _apply_fees(self, fees: tuple) -> None:
        """The model of configure(): the management fee streamed so far is minted first, at the old
        rate, then the new fees hold."""
        self.f._accrue(self.now)
        self.f.mint_fee_bps, self.f.redeem_fee_bps, self.f.management_fee_bps = fees

    @rule(fees=FEE_CHANGES)
    def change_fees(self, fees):
        """The admin sets the fees: with no shares yet, or when no fee rises, at once; otherwise
        queued, changing nothing until executed (PROTOCOL.md 6.1)."""
        now_fees = (self.f.mint_fee_bps, self.f.redeem_fee_bps, self.f.management_fee_bps)
        ok, change_id = attempt(lambda: self.s.configurator.set_fees(self.token, *fees, sender=self.s.actors.admin))
        if not ok:
            assert change_id == "configurator: queued" and fees in [f for _, f in self.queued_fees], change_id
            return
        at_once = self.f.supply == 0 or all(new <= old for new, old in zip(fees, now_fees, strict=True))
        assert (change_id == NO_CHANGE_ID) == at_once, f"fees {now_fees} -> {fees}: at once {at_once}"
        if at_once:
            self._apply_fees(fees)
        else:
            self.queued_fees.append((change_id, fees))
        assert (self.token.mint_fee_bps(), self.token.redeem_fee_bps(), self.token.management_fee_bps()) == (
            self.f.mint_fee_bps,
            self.f.redeem_fee_bps,
            self.f.management_fee_bps,
        )

    @rule(pick=st.integers(0, 10), wait=st.booleans(), cancel=st.booleans())
    def settle_queued_fees(self, pick, wait, cancel):
        """A queued fee change: the guardian cancels it, or the admin executes it, which succeeds
        exactly once its delay has passed (with `wait`, time runs to it and the oracle re-publishes)."""
        if not self.queued_fees:
            return
        change_id, fees = self.queued_fees[pick % len(self.queued_fees)]
        configurator = self.s.configurator
        if cancel:
            configurator.cancel(change_id, sender=self.s.actors.guardian)
            self.queued_fees.remove((change_id, fees))
            return
        eta = configurator.queued(change_id)[-1]
        if wait and self.now < eta:
            boa.env.time_travel(seconds=eta - self.now)
            answer = self.s.oracle.latestRoundData()[1]
            self.s.oracle.set_price(answer, sender=self.s.actors.admin)
            self.f.venue.set_price(answer * ORACLE_SCALE, self.now)
        ok, reason = attempt(lambda: configurator.execute(change_id, sender=self.s.actors.admin))
        if self.now < eta:
            assert (ok, reason) == (False, "configurator: too early")
            return
        assert ok, reason
        self._apply_fees(fees)
        self.queued_fees.remove((change_id, fees))

    # ------------------------------------------------------------ guardian and donations

    @rule()
    def toggle_pause(self):
        """Guardian pauses; admin unpauses. inv 11: while paused maxDeposit and maxMint are 0."""
        if self.paused:
            self.token.unpause(sender=self.s.actors.admin)
        else:
            self.token.pause(sender=self.s.actors.guardian)
        self.paused = not self.paused
        assert self.token.paused() == self.paused
        if self.paused:
            depositor = self.s.actors.depositor
            assert self.token.maxDeposit(depositor) == 0 and self.token.maxMint(depositor) == 0, "inv 11"

    @rule(assets=ASSETS)
    def donate_to_token(self, assets):
        """Collateral sent to the token is ignored: NAV and idle collateral do not move."""
        nav, idle = self.token.totalAssets(), self.token.idle_assets()
        self.s.usdc.transfer(self.token, assets, sender=self.s.actors.attacker)
        assert (self.token.totalAssets(), self.token.idle_assets()) == (nav, idle)

    @rule(assets=ASSETS)
    def donate_to_venue_account(self, assets):
        """Margin deposited for the token's venue account raises NAV by exactly that, for every
        holder alike (NAV per share never falls)."""
        ok, reason = attempt(lambda: self.s.venue.deposit(assets, self.token, sender=self.s.actors.attacker))
        if assets == 0:
            assert (ok, reason) == (False, "venue: zero amount")
            return
        assert ok, reason
        nav_before = self.f.nav(self.now)
        self.f.venue.deposit(self.token.address, assets, self.now)
        assert self.f.nav(self.now) == nav_before + assets

    @rule(caller=HOLDER)
    def collect_fees(self, caller):
        """inv 5: the mint/redeem fees go to the fee recipient, whoever calls."""
        recipient = self.f.fee_recipient
        held, usdc_before = self.token.protocol_fees(), self.s.usdc.balanceOf(recipient)
        nav = self.token.totalAssets()
        assert self.token.collect_fees(sender=self.actor(caller)) == held
        assert self.s.usdc.balanceOf(recipient) == usdc_before + held
        assert self.token.totalAssets() == nav, "collecting fees does not touch NAV"
        self.f.protocol_fees = 0

    # ------------------------------------------------------------ probes (state restored after each)

    @rule(probe=PROBES, caller=HOLDER, worth=ASSETS, move_bps=PRICE_MOVE_BPS, factor=st.sampled_from([2, 10, 1_000]))
    def probe(self, probe, caller, worth, move_bps, factor):
        """One ERC-4626 / attack property on the current state, then the state is restored:
        inv 3 round trips (a16z prop_RT_*), max* honoured, inv 9 sandwiches, inv 10 slippage
        bounds across a split and split-then-reverse identity. One rule for all of them keeps
        them (each 2-4 transactions) to 1/20 of the steps."""
        family, kind = probe
        with boa.env.anchor():
            if family == "round_trip":
                erc4626.round_trip(self.token, self.s.usdc, kind, self.actor(caller), worth)
            elif family == "max":
                erc4626.max_is_honoured(self.token, kind, self.actor(caller))
            elif family == "sandwich":
                erc4626.sandwich(self.s, self.token, self.s.actors.attacker, worth, kind, move_bps)
            elif family == "split_slippage":
                erc4626.split_lands_first(self.s, self.token, kind, factor)
            else:
                self.split_round_trip(factor)

    def split_round_trip(self, factor):
        """inv 10: a reverse split then a split by the same factor restores every balance,
        allowance and the supply exactly (the reverse split's dust comes back to its holder)."""
        token, admin = self.token, self.s.actors.admin
        if token.base_per_share() * factor > MAX_BASE_PER_SHARE:
            return  # a reverse split that starts a new scale epoch is not undone by a split
        pairs = [(o, sp) for o in self.holders()[:3] for sp in self.holders()[:3]]
        before = (self.balances(), [token.allowance(o, sp) for o, sp in pairs], token.totalSupply())
        token.reverse_split(factor, sender=admin)
        token.split(factor, sender=admin)
        after = (self.balances(), [token.allowance(o, sp) for o, sp in pairs], token.totalSupply())
        assert after == before, "inv 10: reverse split then split is not the identity"

    # ------------------------------------------------------------ invariants after every step

    @invariant()
    def invariants_hold(self):
        """After every step: inv 1 and 12 (share ledger, collateral, venue account); when any of
        them moved, NAV against the model (inv 12); when time, price, funding or the rebalance
        bookkeeping moved, NAV term by term from the venue's views (inv 2), the distance to
        liquidation (inv 8) and the rebalance status (inv 12). The EVM views cost ~12 ms a step
        on py-evm; what they depend on is keyed so unchanged state is not re-read. Deposits and
        redeems move NAV and the position together: the model checks them (NAV, account) every
        step, and the next market move or rebalance re-derives every term."""
        if self.token is None:
            return
        token, venue, f = self.token, self.s.venue, self.f
        balances = self.balances()
        supply = minted_supply(token)
        idle = token.idle_assets()
        # I1: totalSupply counts the accrued fee shares not yet minted, as the model's price does
        assert token.totalSupply() == supply + f.pending_fee_shares(self.now), "inv 12: totalSupply"

        # inv 1: minted supply = sum of balances; after a reverse split each holder may keep < 1 wei hidden
        hidden = supply - sum(balances.values())
        if self.dust_possible:
            assert 0 <= hidden < len(balances), f"inv 1: supply - sum(balances) = {hidden}"
        else:
            assert hidden == 0, f"inv 1: supply - sum(balances) = {hidden}"

        # inv 12: the model holds the same share ledger, collateral and venue account
        account = f.venue.accounts.get(token.address, math.Account())
        size, _, margin = venue.position(token)
        open_notional = venue.open_notional(token)
        assert (supply, idle, token.protocol_fees()) == (f.supply, f.idle_assets, f.protocol_fees), "inv 12: ledger"
        assert all(balances[h] == f.balances.get(h, 0) for h in balances), "inv 12: balances"
        assert (size, margin, open_notional) == (account.size, account.margin, account.open_notional), "inv 12: venue"
        # what NAV depends on, from the model (its ledger and venue account were just held equal
        # to the chain; its price and funding rate mirror every oracle and venue call)
        market = (self.now, f.venue.price, f.venue.updated_at, f.venue.funding_rate_per_second)
        market += (f.last_rebalance_slot, f.chunk_pending)
        key = (market, f.supply, idle, account)
        if key == self.last_full_check:
            return
        market_moved = self.last_full_check is None or market != self.last_full_check[0]
        self.last_full_check = key

        # inv 12: the model derives the same NAV
        now = self.now
        nav = token.totalAssets()
        assert nav == max(f.nav(now), 0), "inv 12: NAV"
        if not market_moved:
            return

        # after time, price, funding or the rebalance bookkeeping moved:
        # inv 2: NAV = idle + venue margin + unrealised PnL - funding owed, each from a venue view
        snapshot = venue.account_snapshot(token)
        snapshot_size, equity, price, fresh = snapshot.size, snapshot.equity, snapshot.price, snapshot.fresh
        funding_owed = venue.funding_owed(token)
        scale = f.asset_scale
        pnl = math.unrealized_pnl(math.Account(size=size, open_notional=open_notional), price, scale)
        assert snapshot_size == size
        assert equity == margin + pnl - funding_owed, "inv 2: venue equity != margin + PnL - funding"
        assert nav == max(idle + equity, 0), "inv 2: totalAssets != idle + venue equity"

        # inv 8: while someone pulls the ripcord, the venue can never liquidate the fund
        if fresh and size and not self.unwatched:
            notional = abs(size) * price // WAD // scale
            maintenance = notional * f.venue.maintenance_margin_bps // BPS
            assert equity >= maintenance, f"inv 8: equity {equity} below maintenance {maintenance}"

        # inv 12: the same rebalance status (the rebalance rule also checks it before each call)
        self.status_agrees()

    def status_agrees(self):
        reason, delta, _ = self.f.rebalance_status(self.now)
        assert self.token.rebalance_status() == (reason, delta), "inv 12: rebalance status"

    def leverage_agrees(self):
        """inv 12 for current_leverage (checked by the rules that move it: price, rebalance, ripcord)."""
        assert self.token.current_leverage() == self.f.leverage(self.now), "inv 12: leverage"


def scaled(after: int, before: int, factor: int, reverse: bool) -> bool:
    """A share amount after a split by `factor`: exactly before * factor plus returned dust
    (< factor), or before // factor after a reverse split; infinite stays infinite."""
    if before == MAX_UINT256:
        return after == MAX_UINT256
    if reverse:
        return after == before // factor
    return before * factor <= after < (before + 1) * factor


class TestFundInvariants(FundMachine.TestCase):
    settings = fuzz_settings()

    def runTest(self):
        on_own_stack_chunk(super().runTest)  # speed only: see chain.on_own_stack_chunk
