"""ERC-4626 properties in the style of the a16z erc4626-tests suite, written for our vault.

Our entry points take `receiver` (and `owner`) explicitly and have slippage/deadline overloads;
the plain selectors are used here. Our previews claim more than the standard asks: they are exact
for the mock venue in the same block, so `preview == actual` is asserted where a16z asserts
`<=` / `>=`.

Each function runs on the current chain state and changes it; callers wrap them in
`boa.env.anchor()` when the state must be kept (the state machine's probes do). A call that the
vault refuses (paused, stale price, dust, cap) makes a round trip vacuous, as in a16z, where
`vm.assume` or a revert discards the example.
"""

from __future__ import annotations

import boa

from fuzz.chain import MAX_UINT256, USDC, attempt
from ltsdk.units import BPS

# a16z's round trips: (first operation, second operation)
ROUND_TRIPS = (
    "deposit_redeem",
    "deposit_withdraw",
    "redeem_deposit",
    "redeem_mint",
    "mint_withdraw",
    "mint_redeem",
    "withdraw_mint",
    "withdraw_deposit",
)


def _deposit(token, caller, assets):
    return attempt(lambda: token.deposit(assets, caller, sender=caller))


def _mint(token, caller, shares):
    return attempt(lambda: token.mint(shares, caller, sender=caller))


def _withdraw(token, caller, assets):
    return attempt(lambda: token.withdraw(assets, caller, caller, sender=caller))


def _redeem(token, caller, shares):
    return attempt(lambda: token.redeem(shares, caller, caller, sender=caller))


def views_hold(token, callers: list[str], assets: int, shares: int, pending_fee_shares: int) -> None:
    """a16z prop_asset, prop_totalAssets, prop_max*: never revert; prop_convertTo*: no variation
    with the caller; and ours: conversions round down, so converting back never gains."""
    for owner in callers:
        for view in ("maxDeposit", "maxMint", "maxWithdraw", "maxRedeem"):
            ok, result = attempt(lambda view=view, owner=owner: getattr(token, view)(owner))
            assert ok, f"{view} reverts {result!r}"
    assert attempt(token.asset)[0] and attempt(token.totalAssets)[0]
    to_shares = {attempt(lambda c=c: token.convertToShares(assets, sender=c)) for c in callers}
    to_assets = {attempt(lambda c=c: token.convertToAssets(shares, sender=c)) for c in callers}
    assert len(to_shares) == 1 and len(to_assets) == 1, "convertTo* depends on the caller"
    (ok_s, converted_shares), (ok_a, converted_assets) = to_shares.pop(), to_assets.pop()
    # the conversions price on the supply including management-fee shares not yet minted
    supply, nav = token.totalSupply() + pending_fee_shares, token.totalAssets()
    if ok_s and supply and nav:
        assert converted_shares <= assets * supply // nav, "convertToShares rounds up"
        assert token.convertToAssets(converted_shares) <= assets, "convertToAssets(convertToShares(a)) > a"
    if ok_a and supply:
        assert converted_assets <= shares * nav // supply, "convertToAssets rounds up"


def prop_entry(token, usdc, kind: str, caller: str, receiver: str, owner: str, amount: int) -> None:
    """a16z prop_preview<X> and prop_<X> for one entry point: the preview is on the caller's
    side of the actual result (here: equal, our previews are exact in the same block), the
    caller pays / the receiver gets exactly what the call returns, the owner's shares move by
    exactly that, and a spender's allowance drops by the shares it burned."""
    preview = {"deposit": "previewDeposit", "mint": "previewMint", "withdraw": "previewWithdraw"}.get(
        kind, "previewRedeem"
    )
    ok, quoted = attempt(lambda: getattr(token, preview)(amount, sender=receiver))
    usdc_caller, usdc_receiver = usdc.balanceOf(caller), usdc.balanceOf(receiver)
    shares_receiver, shares_owner = token.balanceOf(receiver), token.balanceOf(owner)
    allowance = token.allowance(owner, caller)
    if kind == "deposit":
        done, result = attempt(lambda: token.deposit(amount, receiver, sender=caller))
    elif kind == "mint":
        done, result = attempt(lambda: token.mint(amount, receiver, sender=caller))
    elif kind == "withdraw":
        done, result = attempt(lambda: token.withdraw(amount, receiver, owner, sender=caller))
    else:
        done, result = attempt(lambda: token.redeem(amount, receiver, owner, sender=caller))
    if not done:
        return  # a refusal is the bad-input suite's subject
    assert ok and quoted == result, f"inv 4: {preview}({amount}) = {quoted}, {kind} returned {result}"
    # the management fee is minted to the fee recipient first: its share balance moves by more
    exact_shares = token.fee_recipient() not in (receiver, owner)
    if kind in ("deposit", "mint"):
        paid, minted = (amount, result) if kind == "deposit" else (result, amount)
        assert usdc.balanceOf(caller) == usdc_caller - paid, f"prop_{kind}: asset"
        if exact_shares:
            assert token.balanceOf(receiver) == shares_receiver + minted, f"prop_{kind}: share"
    else:
        paid, burned = (amount, result) if kind == "withdraw" else (result, amount)
        assert usdc.balanceOf(receiver) == usdc_receiver + paid, f"prop_{kind}: asset"
        if exact_shares:
            assert token.balanceOf(owner) == shares_owner - burned, f"prop_{kind}: share"
        if caller != owner and allowance != MAX_UINT256:
            assert token.allowance(owner, caller) == allowance - burned, f"prop_{kind}: allowance"
        assert caller == owner or allowance > 0, f"prop_{kind}: access control"


def round_trip(token, usdc, kind: str, caller: str, worth: int) -> None:
    """inv 3 / a16z prop_RT_*: no free money from any two-step round trip in one block.
    `worth` sizes the first leg in collateral units (as shares at NAV for the share legs; a
    redeem- or withdraw-first trip uses at most half the caller's balance)."""
    if token.totalSupply() == 0 and token.totalAssets() > 0:
        # a donation to the venue account of a fund with no shares yet: the first depositor
        # receives it (shares at the initial NAV per share, then a pro-rata claim on all of NAV);
        # only the donor loses. a16z likewise assumes a non-empty vault here (_vaultMayBeEmpty).
        return
    usdc_before = usdc.balanceOf(caller)
    shares_before = token.balanceOf(caller)
    if kind == "deposit_redeem":  # redeem(deposit(a)) <= a
        ok, shares = _deposit(token, caller, worth)
        if ok:
            ok, assets = _redeem(token, caller, shares)
            assert not ok or assets <= worth, f"inv 3: deposit {worth} -> redeem {assets}"
    elif kind == "deposit_withdraw":  # s = deposit(a); s' = withdraw(a); s' >= s
        ok, shares = _deposit(token, caller, worth)
        if ok:
            ok, shares_burned = _withdraw(token, caller, worth)
            assert not ok or shares_burned >= shares, f"inv 3: deposit -> {shares}, withdraw burns {shares_burned}"
    elif kind in ("redeem_deposit", "redeem_mint"):
        shares = min(token.convertToShares(worth), shares_before // 2)
        ok, assets = _redeem(token, caller, shares)
        if ok and kind == "redeem_deposit":  # deposit(redeem(s)) <= s
            ok, shares_back = _deposit(token, caller, assets)
            assert not ok or shares_back <= shares, f"inv 3: redeem {shares} -> deposit gets {shares_back}"
        elif ok:  # a = redeem(s); a' = mint(s); a' >= a
            ok, paid = _mint(token, caller, shares)
            assert not ok or paid >= assets, f"inv 3: redeem {shares} -> {assets}, mint back costs {paid}"
    elif kind in ("mint_withdraw", "mint_redeem"):
        shares = token.convertToShares(worth)
        ok, paid = _mint(token, caller, shares)
        if ok and kind == "mint_withdraw":  # withdraw(mint(s)) >= s
            ok, burned = _withdraw(token, caller, paid)
            assert not ok or burned >= shares, f"inv 3: mint {shares} for {paid}, withdraw burns {burned}"
        elif ok:  # a = mint(s); a' = redeem(s); a' <= a
            ok, assets = _redeem(token, caller, shares)
            assert not ok or assets <= paid, f"inv 3: mint {shares} for {paid}, redeem pays {assets}"
    elif kind in ("withdraw_mint", "withdraw_deposit"):
        assets = min(worth, token.maxWithdraw(caller) // 2)
        ok, burned = _withdraw(token, caller, assets)
        if ok and kind == "withdraw_mint":  # mint(withdraw(a)) >= a
            ok, paid = _mint(token, caller, burned)
            assert not ok or paid >= assets, f"inv 3: withdraw {assets} burns {burned}, mint back costs {paid}"
        elif ok:  # s = withdraw(a); s' = deposit(a); s' <= s
            ok, shares_back = _deposit(token, caller, assets)
            assert not ok or shares_back <= burned, (
                f"inv 3: withdraw {assets} burns {burned}, deposit gets {shares_back}"
            )
    else:
        raise ValueError(kind)
    # whatever happened (a second leg may be refused, e.g. while paused), the caller did not end
    # with more collateral and no fewer shares; the fee recipient is exempt: the first call
    # mints it the management fee accrued so far
    usdc_after, shares_after = usdc.balanceOf(caller), token.balanceOf(caller)
    if caller != token.fee_recipient():
        assert not (usdc_after > usdc_before and shares_after >= shares_before), "inv 3: free collateral"


def max_is_honoured(token, kind: str, owner: str) -> None:
    """ERC-4626 max*: they never revert; an amount at the max succeeds; above it reverts where the
    vault can say so. A max that is dust (below one share's worth or below the first-deposit
    minimum) may still be refused by the minimum-size checks.
    - maxRedeem is the balance, or (findings 3) the largest slice the fund's price limit lets the
      venue fill, to within 0.1 %: 0.2 % more reverts "venue: slippage".
    - maxWithdraw is what redeeming maxRedeem pays, less a few base units for withdraw's share
      search (finding 1): 1 % more reverts.
    maxWithdraw and maxRedeem leave out the fee recipient's management-fee shares not yet minted
    (an underestimate, which ERC-4626 allows), so the fee recipient may exceed them."""
    fee_recipient = token.fee_recipient()
    if kind == "deposit":
        ok, room = attempt(lambda: token.maxDeposit(owner))
        assert ok, f"maxDeposit reverts {room!r}"
        if room == 0:
            ok, reason = _deposit(token, owner, 1_000 * USDC)
            assert not ok, "deposit succeeds although maxDeposit is 0"
        elif room >= 10 * USDC:
            ok, reason = _deposit(token, owner, room)
            assert ok, f"deposit(maxDeposit={room}) reverts {reason!r}"
    elif kind == "mint":
        ok, most = attempt(lambda: token.maxMint(owner))
        assert ok, f"maxMint reverts {most!r}"
        if most == 0:
            ok, reason = _mint(token, owner, 10**18)
            assert not ok, "mint succeeds although maxMint is 0"
        elif token.convertToAssets(most) >= 10 * USDC:
            ok, reason = _mint(token, owner, most)
            assert ok, f"mint(maxMint={most}) reverts {reason!r}"
    elif kind == "withdraw":
        ok, most = attempt(lambda: token.maxWithdraw(owner))
        assert ok, f"maxWithdraw reverts {most!r}"
        if most > 0:
            above = most + most // 100 + 10
            with boa.env.anchor():  # the fee recipient may succeed: keep the state for the max
                ok, reason = _withdraw(token, owner, above)
            assert not ok or owner == fee_recipient, f"withdraw({above}) succeeds, maxWithdraw is {most}"
            assert ok or reason in ("lt: balance", "venue: slippage"), f"withdraw(above max): {reason!r}"
            ok, reason = _withdraw(token, owner, most)
            assert ok, f"withdraw(maxWithdraw={most}) reverts {reason!r}"
    elif kind == "redeem":
        ok, most = attempt(lambda: token.maxRedeem(owner))
        assert ok, f"maxRedeem reverts {most!r}"
        if most > 0:
            balance = token.balanceOf(owner)
            above = most + 1 if most == balance else most + most // 500 + 1
            with boa.env.anchor():  # the fee recipient may succeed: keep the state for the max
                ok, reason = _redeem(token, owner, above)
            assert not ok or owner == fee_recipient, f"redeem({above}) succeeds, maxRedeem is {most}"
            assert ok or reason in ("lt: balance", "venue: slippage"), f"redeem(above max): {reason!r}"
            ok, reason = _redeem(token, owner, most)
            assert ok or (reason == "lt: zero" and token.previewRedeem(most) == 0), (
                f"redeem(maxRedeem={most}) reverts {reason!r}"
            )
    else:
        raise ValueError(kind)


def sandwich(s, token, attacker: str, worth: int, around: str, move_bps: int) -> None:
    """inv 9: deposit right before a rebalance (or an oracle update) and redeem right after.
    Around a rebalance the attacker earns <= 0. Around an oracle update an in-kind minter holds
    a real slice of the position, so it earns the update's return like any holder (the venue,
    marking at the same oracle, is the counterparty): it must not earn more than a holder who
    was already in the fund, i.e. payout <= worth x (NAV after / NAV before) without the sandwich."""
    supply = token.totalSupply()
    if around == "price":
        if supply == 0:
            return
        answer = s.oracle.latestRoundData()[1] * (BPS + move_bps) // BPS
        nav_before = token.totalAssets()
        with boa.env.anchor():  # the same update without the attacker
            s.oracle.set_price(answer, sender=s.actors.admin)
            nav_after = token.totalAssets()
        ok, shares = _deposit(token, attacker, worth)
        if not ok:
            return
        s.oracle.set_price(answer, sender=s.actors.admin)
        ok, payout = _redeem(token, attacker, shares)
        assert not ok or payout * nav_before <= worth * nav_after, (
            f"inv 9: paid {worth}, took {payout} around a {move_bps} bps update; holders got x{nav_after / nav_before}"
        )
    else:
        if supply == 0:
            # no holder, no position: nothing to sandwich (a donation made to the empty fund goes
            # to its first minter, the donor's loss: inv 6 covers what that does to later depositors)
            return
        ok, shares = _deposit(token, attacker, worth)
        if not ok:
            return
        attempt(lambda: token.rebalance(sender=s.actors.keeper))
        ok, payout = _redeem(token, attacker, shares)
        assert not ok or payout <= worth, f"inv 9: paid {worth}, took {payout} around a rebalance"


def split_lands_first(s, token, kind: str, factor: int) -> None:
    """inv 10: a user quotes a bound, the admin's split lands first, the user's transaction then
    fails: a redeem or withdraw after a split (shares worth 1/factor), a deposit or mint after a
    reverse split (shares worth factor times more) revert "lt: slippage", or earlier when the
    rescaled amount has become too large to trade. The documented gap, a redeem
    after a reverse split (worth more, which a lower bound does not stop), is not a failure."""
    user, admin = s.actors.depositor, s.actors.admin
    deadline = boa.env.timestamp + 60
    if token.totalSupply() == 0:  # an empty fund prices at the initial NAV per share: nothing to split
        return
    if kind == "redeem":
        shares = token.balanceOf(user) // 2
        ok, min_assets = attempt(lambda: token.previewRedeem(shares))
        if not ok or min_assets == 0 or not attempt(lambda: token.split(factor, sender=admin))[0]:
            return
        result = attempt(lambda: token.redeem(shares, user, user, min_assets, deadline, sender=user))
    elif kind == "withdraw":
        assets = token.maxWithdraw(user) // 2
        ok, max_shares = attempt(lambda: token.previewWithdraw(assets))
        if assets == 0 or not ok or not attempt(lambda: token.split(factor, sender=admin))[0]:
            return
        result = attempt(lambda: token.withdraw(assets, user, user, max_shares, deadline, sender=user))
    elif kind == "deposit":
        assets = 1_000 * USDC
        ok, min_shares = attempt(lambda: token.previewDeposit(assets))
        if token.paused() or not ok or min_shares == 0:
            return
        if not attempt(lambda: token.reverse_split(factor, sender=admin))[0]:
            return
        result = attempt(lambda: token.deposit(assets, user, min_shares, deadline, sender=user))
    elif kind == "mint":
        ok, shares = attempt(lambda: token.previewDeposit(1_000 * USDC))
        if token.paused() or not ok or shares == 0:
            return
        ok, max_assets = attempt(lambda: token.previewMint(shares))
        if not ok or not attempt(lambda: token.reverse_split(factor, sender=admin))[0]:
            return
        result = attempt(lambda: token.mint(shares, user, max_assets, deadline, sender=user))
    else:
        raise ValueError(kind)
    # the user is protected if the transaction fails: on the bound, or earlier because the
    # rescaled amount is now too large to trade (the exact-output search or the venue's limit)
    ok, reason = result
    assert not ok and reason in ("lt: slippage", "venue: slippage", "lt: no convergence"), (
        f"inv 10: {kind} after a split: {result!r}"
    )


# ---------------------------------------------------------------- ERC-7540: the async kind's counterparts
#
# On an asynchronous vault the ERC-4626 entry points claim a settled request (venue_kinds.py):
# `deposit(assets)` and `mint(shares)` take shares owed to a claimable deposit request,
# `redeem(shares)` and `withdraw(assets)` assets owed to a claimable redeem request; the max*
# views are what is claimable, and ERC-7540 makes every preview revert.

ASYNC_PREVIEWS = ("previewDeposit", "previewMint", "previewRedeem", "previewWithdraw")
ASYNC_CLAIMS = {  # entry point -> (max view of what it takes, max view of what it gives)
    "deposit": ("maxDeposit", "maxMint"),
    "mint": ("maxMint", "maxDeposit"),
    "redeem": ("maxRedeem", "maxWithdraw"),
    "withdraw": ("maxWithdraw", "maxRedeem"),
}


def async_previews_revert(token, amount: int) -> None:
    """ERC-7540: the previews of an asynchronous flow MUST revert."""
    for preview in ASYNC_PREVIEWS:
        ok, result = attempt(lambda preview=preview: getattr(token, preview)(amount))
        assert (ok, result) == (False, "lt: async"), f"{preview}({amount}) = {result!r}"


def async_claim(token, usdc, kind: str, controller: str, amount: int) -> None:
    """ERC-7540's prop_<X>: a claim of `amount` (of what `kind` takes: assets of the request for
    deposit, shares owed for mint, ...) of a claimable request, for itself. It succeeds exactly
    when 0 < amount <= the claimable max; it gives its pro-rata part of the request's other side
    rounded down (deposit, redeem) or charges its part rounded up (mint, withdraw): in the vault's
    favour either way; shares or assets move by exactly what it returns, and the max views drop by
    exactly what was taken and given."""
    takes, gives = ASYNC_CLAIMS[kind]
    requested, owed = getattr(token, takes)(controller), getattr(token, gives)(controller)
    # the request's two sides: assets in and shares out (deposit), shares in and assets out (redeem)
    side_in, side_out = (requested, owed) if kind in ("deposit", "redeem") else (owed, requested)
    shares_before, usdc_before = token.balanceOf(controller), usdc.balanceOf(controller)
    ok, result = attempt(lambda: getattr(token, kind)(amount, controller, controller, sender=controller))
    if not 0 < amount <= requested:
        assert (ok, result) == (False, "lt: claimable"), f"{kind}({amount}) above the claimable {requested}: {result!r}"
        return
    assert ok, f"{kind}({amount}) of a claimable {requested} reverts {result!r}"
    if kind in ("deposit", "redeem"):  # what leaves the vault, rounded down
        assert result == amount * side_out // side_in, f"{kind}: {result} != its pro-rata part, rounded down"
    else:  # what the claim is charged, rounded up
        assert result == -(-amount * side_in // side_out), f"{kind}: {result} != its pro-rata charge, rounded up"
    shares_got = {"deposit": result, "mint": amount}.get(kind, 0)
    assets_got = {"redeem": result, "withdraw": amount}.get(kind, 0)
    assert token.balanceOf(controller) == shares_before + shares_got, f"prop_{kind}: share"
    assert usdc.balanceOf(controller) == usdc_before + assets_got, f"prop_{kind}: asset"
    assert getattr(token, takes)(controller) == requested - amount
    assert getattr(token, gives)(controller) == owed - result


def async_max_is_honoured(token, usdc, kind: str, controller: str) -> None:
    """ERC-7540 max*: what is claimable, never reverting; a claim of exactly the max succeeds and
    leaves nothing claimable; one unit more reverts."""
    takes, _ = ASYNC_CLAIMS[kind]
    ok, most = attempt(lambda: getattr(token, takes)(controller))
    assert ok, f"{takes} reverts {most!r}"
    with boa.env.anchor():
        async_claim(token, usdc, kind, controller, most + 1)
    if most > 0:
        async_claim(token, usdc, kind, controller, most)
        assert getattr(token, takes)(controller) == 0
