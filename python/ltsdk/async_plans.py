"""The asynchronous (ERC-7540) token's calls as plans (ltsdk.calls), for `Token` and `AsyncToken`
alike: reads (the token in one block, a controller's requests, estimates from the round model),
requests, cancels, claims and the round's close and settle. Every check runs before the first
transaction, the approval included: a bad argument, a call for the other kind of token, a request
below the least, one still in flight, a pause, too little balance or allowance, a claim of
nothing, a controller that has not made the signer its operator raise their ltsdk.errors class
and nothing is sent. Units as the contract: assets in collateral base units, shares in wei."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from web3 import Web3
from web3.logs import DISCARD

from ltsdk import errors, quote, types
from ltsdk.calls import Call, Fn, LatestBlock, Plan, Probe
from ltsdk.codes import OrderStatus, TokenKind
from ltsdk.plans import (
    ASYNC_EVENTS,
    ASYNC_TOKEN_ABI,
    COLLATERAL_ABI,
    ZERO_ADDRESS,
    Deployment,
    check_address,
    check_amount,
    check_receiver,
    decode,
    ensure_allowance,
    require_kind,
    transact,
)
from ltsdk.replica import async_token

VENUE_ABI = "MockAsyncPerpVenue"  # IAsyncPerpVenue's reads, as the mock ships them
REQUEST_ID = 0  # ERC-7540's aggregated form: every request is keyed by its controller
SIDES = ("deposit", "redeem")
# the token's calls by side: (request, pending view, cancel, claimable view, owed view)
_BY_SIDE = {
    "deposit": ("requestDeposit", "pendingDepositRequest", "cancelDepositRequest", "maxDeposit", "maxMint"),
    "redeem": ("requestRedeem", "pendingRedeemRequest", "cancelRedeemRequest", "maxRedeem", "maxWithdraw"),
}
_CLAIM = {
    "deposit": ("deposit(uint256,address,address)", "Deposit"),
    "redeem": ("redeem(uint256,address,address)", "Withdraw"),
}
# the token's own reads for AsyncTokenState, by field name
_READS = (
    "totalSupply",
    "totalAssets",
    "nav_per_share",
    "idle_assets",
    "held_assets",
    "target_leverage",
    "is_long",
    "paused",
    "mint_fee_bps",
    "redeem_fee_bps",
    "initial_nav_per_share",
    "ASSET_SCALE",
    "min_deposit_assets",
    "min_redeem_shares",
    "redeem_cushion_bps",
    "max_slippage_bps",
    "round_interval",
    "round_grace",
    "last_close",
    "last_rebalance",
    "open_round",
    "flight_round",
)


def _token(d: Deployment, symbol: str, name: str, *args: Any) -> Fn:
    return Fn(d.address_of(symbol), ASYNC_TOKEN_ABI, name, args)


def _read(d: Deployment, symbol: str, name: str, *args: Any, block: int | None = None) -> Plan[Any]:
    return (yield Call(_token(d, symbol, name, *args), typed=False, block=block))


def _side(side: str) -> str:
    if side not in SIDES:
        raise errors.BadArgument(f"a request is a 'deposit' or a 'redeem', not {side!r}")
    return side


@dataclass(frozen=True)
class _RequestEvent:
    """The fields of DepositRequest / RedeemRequest that types.Requested keeps."""

    tx_hash: str
    controller: str
    owner: str
    assets: int  # ERC-7540's name; the shares of a redeem request
    gas_used: int


@dataclass(frozen=True)
class _CancelEvent:
    tx_hash: str
    controller: str
    amount: int
    gas_used: int


# ---------------------------------------------------------------- reads


def _round(d: Deployment, symbol: str, venue: str, round_id: int, block: int) -> Plan[types.Round]:
    # Round: deposits, redeems, status, order_id, cash, fronter, execution_fee, shares_out, assets_out, fees
    r = yield from _read(d, symbol, "rounds", round_id, block=block)
    order_status = OrderStatus.NONE
    if r[3]:
        order = yield Call(Fn(venue, VENUE_ABI, "order", (r[3],)), typed=False, block=block)
        order_status = OrderStatus(order[8])  # Order.status
    return types.Round(round_id, r[0], r[1], r[2], r[3], order_status)


def state(d: Deployment, symbol: str) -> Plan[types.AsyncTokenState]:
    """The asynchronous token in the latest block: NAV, supply, the venue account, the open round,
    the round in flight and the schedule (every read pinned to that one block)."""
    yield from require_kind(d, symbol, TokenKind.ASYNC, "async_state")
    latest = yield LatestBlock()
    block = latest["number"]
    values = {}
    for name in _READS:
        values[name] = yield from _read(d, symbol, name, block=block)
    band_bps, rebalance_interval, min_drift_bps, ripcord_leverage = yield from _read(
        d, symbol, "rebalance_parameters", block=block
    )
    venue = yield from _read(d, symbol, "venue", block=block)
    token = d.address_of(symbol)
    # AccountSnapshot: size, equity, price, fresh, updated_at, margin, ...
    snapshot = yield Call(Fn(venue, VENUE_ABI, "account_snapshot", (token,)), typed=False, block=block)
    execution_fee = yield Call(Fn(venue, VENUE_ABI, "min_execution_fee"), typed=False, block=block)
    open_round = yield from _round(d, symbol, venue, values["open_round"], block)
    flight = None
    if values["flight_round"]:
        flight = yield from _round(d, symbol, venue, values["flight_round"], block)
    return types.AsyncTokenState(
        symbol=symbol,
        token=token,
        venue=venue,
        block=block,
        timestamp=latest["timestamp"],
        supply=values["totalSupply"],
        nav=values["totalAssets"],
        nav_per_share=values["nav_per_share"],
        idle_assets=values["idle_assets"],
        held_assets=values["held_assets"],
        size=snapshot[0],
        equity=snapshot[1],
        price=snapshot[2],
        oracle_fresh=snapshot[3],
        target_leverage=values["target_leverage"],
        is_long=values["is_long"],
        paused=values["paused"],
        mint_fee_bps=values["mint_fee_bps"],
        redeem_fee_bps=values["redeem_fee_bps"],
        initial_nav_per_share=values["initial_nav_per_share"],
        asset_scale=values["ASSET_SCALE"],
        min_deposit_assets=values["min_deposit_assets"],
        min_redeem_shares=values["min_redeem_shares"],
        redeem_cushion_bps=values["redeem_cushion_bps"],
        max_slippage_bps=values["max_slippage_bps"],
        execution_fee=execution_fee,
        round_interval=values["round_interval"],
        round_grace=values["round_grace"],
        last_close=values["last_close"],
        open_round=open_round,
        flight_round=flight,
        band_bps=band_bps,
        rebalance_interval=rebalance_interval,
        min_drift_bps=min_drift_bps,
        ripcord_leverage=ripcord_leverage,
        last_rebalance=values["last_rebalance"],
        asset_decimals=d.asset_decimals,
    )


def requests_of(d: Deployment, symbol: str, controller: str | None) -> Plan[types.Requests]:
    """`controller`'s (default: the signer's) pending and claimable requests, both sides."""
    who = _controller(d, controller)
    yield from require_kind(d, symbol, TokenKind.ASYNC, "requests")
    latest = yield LatestBlock()
    block = latest["number"]
    values = []
    for side in SIDES:
        _, pending, _, claimable, owed = _BY_SIDE[side]
        values.append((yield from _read(d, symbol, pending, REQUEST_ID, who, block=block)))
        values.append((yield from _read(d, symbol, claimable, who, block=block)))
        values.append((yield from _read(d, symbol, owed, who, block=block)))
    return types.Requests(who, *values)


def estimate(d: Deployment, symbol: str, side: str, amount: int) -> Plan[types.AsyncEstimate]:
    """An ESTIMATE of what a request of `amount` (assets to deposit, shares to redeem) would be
    owed if the open round closed now and filled at the current price: the round model
    (ltsdk.quote.async_*_estimate) with the fund's part halved as the close halves it and the
    venue's quote of the round's net trade, all in the state's block. ERC-7540 forbids previews
    on the asynchronous side, so nothing on chain promises it."""
    _side(side)
    check_amount(amount, "assets" if side == "deposit" else "shares")
    s = yield from state(d, symbol)
    if side == "redeem" and amount > s.supply:
        raise errors.BadArgument(f"{symbol} has {s.supply} shares in all: {amount} cannot be redeemed")
    deposits, redeems = (amount, 0) if side == "deposit" else (0, amount)
    k, rebalance, _ = quote.async_round_trade(s, deposits, redeems)
    quoted: tuple[int, tuple[int, int]] | None = None  # (size, the venue's answer) of the last quote
    for halvings in range(async_token.MAX_HALVINGS + 1):  # LeveragedTokenAsync._close's loop
        if rebalance == 0:
            break
        quoted = (k + rebalance, (yield from _quote_trade(s, k + rebalance)))
        if async_token.within_price_limit(k + rebalance, s.price, quoted[1][0], s.max_slippage_bps):
            break
        rebalance = async_token.halved(rebalance, halvings)
    size_delta = k + rebalance
    cost = 0
    if size_delta != 0:
        # the close quotes the order again for its cost: the same answer in the same block
        if quoted is not None and quoted[0] == size_delta:
            exec_price, taker_fee = quoted[1]
        else:
            exec_price, taker_fee = yield from _quote_trade(s, size_delta)
        cost = async_token.trade_cost(size_delta, s.price, exec_price, taker_fee, s.asset_scale)
    if side == "deposit":
        return quote.async_deposit_estimate(s, amount, cost, rebalance)
    return quote.async_redeem_estimate(s, amount, cost, rebalance)


def _quote_trade(s: types.AsyncTokenState, size_delta: int) -> Plan[tuple[int, int]]:
    """The venue's quote_trade of `size_delta` for the token in `s`'s block: (execution price
    in WAD, taker fee in assets)."""
    exec_price, taker_fee = yield Call(Fn(s.venue, VENUE_ABI, "quote_trade", (s.token, size_delta)), block=s.block)
    return exec_price, taker_fee


# ---------------------------------------------------------------- checks


def _controller(d: Deployment, controller: str | None) -> str:
    return d.signer().address if controller is None else check_address(controller, "controller")


def _check_controller_address(d: Deployment, symbol: str, controller: str | None) -> str:
    """A request's controller (default: the signer): an address (BadArgument), not the zero
    address or the token (BadReceiver, as the contract's "lt: receiver")."""
    if controller is None:
        return d.signer().address
    address = check_address(controller, "controller")
    if address in (ZERO_ADDRESS, d.address_of(symbol)):
        raise errors.BadReceiver(
            f"the controller cannot be the zero address or the token, got {address}", "lt: receiver"
        )
    return address


def _check_operator(d: Deployment, symbol: str, account: str, what: str) -> Plan[None]:
    """NotOperator unless the signer is `account` or `account` made it its operator."""
    signer = d.signer().address
    if account != signer and not (yield from _read(d, symbol, "isOperator", account, signer)):
        raise errors.NotOperator(
            f"{signer} may not {what} for {account}: not its operator (it calls set_operator first)", "lt: not operator"
        )


def _check_not_in_flight(
    d: Deployment, symbol: str, side: str, controller: str, error: type[errors.LtError]
) -> Plan[None]:
    """Raise `error` if `controller`'s pending request of `side` is in the round in flight: the
    contract's own answer, from a simulated cancel (it reverts "lt: in flight" exactly then)."""
    _, pending, cancel, _, _ = _BY_SIDE[side]
    if (yield from _read(d, symbol, pending, REQUEST_ID, controller)) == 0:
        return
    cancellable, reason = yield Probe(_token(d, symbol, cancel, REQUEST_ID, controller), controller)
    if not cancellable and reason == "lt: in flight":
        raise error(
            f"{controller}'s {side} request is in the round in flight: it waits for that round's settlement",
            "lt: request pending" if error is errors.RequestPending else reason,
        )


def _check_request(d: Deployment, symbol: str, side: str, amount: int, controller: str, owner: str) -> Plan[None]:
    """Everything requestDeposit / requestRedeem would revert with, asked before any transaction."""
    if (yield from _read(d, symbol, "paused")):
        raise errors.Paused(f"{symbol}: new requests are paused (cancels and claims go on)", "lt: paused")
    signer = d.signer().address
    if side == "deposit":
        yield from _check_operator(d, symbol, owner, "request a deposit from its collateral")
    elif owner != signer and not (yield from _read(d, symbol, "isOperator", owner, signer)):
        allowed = yield from _read(d, symbol, "allowance", owner, signer)
        if allowed < amount:
            raise errors.InsufficientAllowance(
                f"{signer} may move {allowed} of {owner}'s shares, not {amount}", "lt: allowance"
            )
    least = yield from _read(d, symbol, "min_deposit_assets" if side == "deposit" else "min_redeem_shares")
    if amount < least:
        unit = "assets" if side == "deposit" else "shares"
        raise errors.BelowMinRequest(f"a {side} request is at least {least} {unit}, got {amount}", "lt: min request")
    yield from _check_not_in_flight(d, symbol, side, controller, errors.RequestPending)
    if side == "deposit":
        held = yield Call(Fn(d.collateral_address, COLLATERAL_ABI, "balanceOf", (owner,)), typed=False)
        reason = "usdc: insufficient balance"
    else:
        held = yield from _read(d, symbol, "balanceOf", owner)
        reason = "lt: balance"
    if amount > held:
        raise errors.InsufficientBalance(f"{owner} holds {held} of the {amount} to request", reason)


# ---------------------------------------------------------------- requests, cancels, claims


def _requested(d: Deployment, symbol: str, receipt: Any, side: str) -> types.Requested:
    event = decode(
        d, symbol, receipt, "DepositRequest" if side == "deposit" else "RedeemRequest", _RequestEvent, ASYNC_EVENTS
    )
    return types.Requested(event.tx_hash, side, event.controller, event.owner, event.assets, event.gas_used)


def request(
    d: Deployment,
    symbol: str,
    side: str,
    amount: int,
    controller: str | None,
    owner: str | None,
    tx: dict[str, Any],
    approve_max: bool = False,
) -> Plan[types.Requested]:
    """Pay `amount` (assets to deposit, shares to redeem) from `owner` (default: the signer) into
    the open round for `controller` (default: the signer). A deposit approves the token for
    exactly `amount` first when the signer's allowance is short (`approve_max`: the maximum); a
    redeem needs no approval (the token moves the shares)."""
    _side(side)
    check_amount(amount, "assets" if side == "deposit" else "shares")
    to = _check_controller_address(d, symbol, controller)
    signer = d.signer().address
    payer = signer if owner is None else check_address(owner, "owner")
    yield from require_kind(d, symbol, TokenKind.ASYNC, f"request_{side}")
    yield from _check_request(d, symbol, side, amount, to, payer)
    if side == "deposit":
        if payer == signer:
            yield from ensure_allowance(d, symbol, amount, tx, approve_max)
        else:
            token = d.address_of(symbol)
            allowed = yield Call(Fn(d.collateral_address, COLLATERAL_ABI, "allowance", (payer, token)), typed=False)
            if allowed < amount:
                raise errors.InsufficientAllowance(
                    f"{payer} has approved the token for {allowed} of the {amount} (only it can approve more)",
                    "usdc: insufficient allowance",
                )
    name = _BY_SIDE[side][0]
    receipt = yield from transact(d, symbol, name, (amount, to, payer), tx, ASYNC_TOKEN_ABI)
    return _requested(d, symbol, receipt, side)


def cancel(d: Deployment, symbol: str, side: str, controller: str | None, tx: dict[str, Any]) -> Plan[types.Cancelled]:
    """Cancel `controller`'s (default: the signer's) pending request of `side` while its round is
    open: exactly what was requested goes back to the controller."""
    _side(side)
    who = _controller(d, controller)
    yield from require_kind(d, symbol, TokenKind.ASYNC, f"cancel_{side}_request")
    yield from _check_operator(d, symbol, who, f"cancel a {side} request")
    _, pending, cancel_name, _, _ = _BY_SIDE[side]
    if (yield from _read(d, symbol, pending, REQUEST_ID, who)) == 0:
        raise errors.ZeroAmount(f"{who} has no pending {side} request to cancel", "lt: zero")
    yield from _check_not_in_flight(d, symbol, side, who, errors.InFlight)
    receipt = yield from transact(d, symbol, cancel_name, (REQUEST_ID, who), tx, ASYNC_TOKEN_ABI)
    event = decode(d, symbol, receipt, "RequestCancelled", _CancelEvent, ASYNC_EVENTS)
    return types.Cancelled(event.tx_hash, side, event.controller, event.amount, event.gas_used)


def claim(
    d: Deployment,
    symbol: str,
    side: str,
    amount: int | None,
    receiver: str | None,
    controller: str | None,
    tx: dict[str, Any],
) -> Plan[Any]:
    """Claim `amount` (deposit: assets of the settled requests, for their shares; redeem: shares,
    for their assets; None: everything claimable) of `controller`'s (default: the signer's)
    settled requests, to `receiver` (default: the signer). A deposit claim returns
    types.Deposited, a redeem claim types.Withdrawn."""
    _side(side)
    if amount is not None:
        check_amount(amount, "assets" if side == "deposit" else "shares")
    to = check_receiver(d, symbol, receiver)
    who = _controller(d, controller)
    yield from require_kind(d, symbol, TokenKind.ASYNC, f"claim_{side}")
    yield from _check_operator(d, symbol, who, f"claim a {side}")
    claimable = yield from _read(d, symbol, _BY_SIDE[side][3], who)
    if claimable == 0 or (amount is not None and amount > claimable):
        raise errors.NothingClaimable(
            f"{who} has {claimable} claimable on the {side} side, not {amount or 'anything'}"
            " (a request is claimable once its round has settled)",
            "lt: claimable",
        )
    name, event_name = _CLAIM[side]
    receipt = yield from transact(d, symbol, name, (amount or claimable, to, who), tx, ASYNC_TOKEN_ABI)
    result_type = types.Deposited if side == "deposit" else types.Withdrawn
    return decode(d, symbol, receipt, event_name, result_type, ASYNC_EVENTS)


def set_operator(d: Deployment, symbol: str, operator: str, approved: bool, tx: dict[str, Any]) -> Plan[Any]:
    """Let `operator` request, cancel and claim for the signer (or stop it); the receipt."""
    who = check_address(operator, "operator")
    if who == d.signer().address:
        raise errors.NotOperator("an account is its own operator already: name another", "lt: not operator")
    if not isinstance(approved, bool):
        raise errors.BadArgument(f"approved is True or False, got {approved!r}")
    yield from require_kind(d, symbol, TokenKind.ASYNC, "set_operator")
    return (yield from transact(d, symbol, "setOperator", (who, approved), tx, ASYNC_TOKEN_ABI))


# ---------------------------------------------------------------- rounds: close and settle


def close_round(d: Deployment, symbol: str, tx: dict[str, Any]) -> Plan[types.RoundClosed]:
    """Close the open round into its one venue order (the keeper; anyone `round_grace` after it is
    due). The signer fronts the venue's execution fee in collateral (approved to the token exactly
    when short) and the round repays it at settlement."""
    s = yield from state(d, symbol)
    signer = d.signer().address
    if s.flight_round is not None:
        raise errors.InFlight(f"round {s.flight_round.round_id} is in flight: settle it first", "lt: in flight")
    if s.timestamp < s.next_close:
        raise errors.NotDue(f"the open round may close in {s.seconds_to_close} s", "lt: not due")
    if s.timestamp < s.next_close + s.round_grace:
        role = yield from _read(d, symbol, "KEEPER_ROLE")
        if not (yield from _read(d, symbol, "hasRole", role, signer)):
            raise errors.Unauthorized(
                f"only a keeper may close before {s.next_close + s.round_grace} (the round's grace)",
                "access_control: account is missing role",
            )
    if s.open_round.deposits == 0 and s.open_round.redeems == 0:
        raise errors.NotNeeded("the open round has no request", "lt: not needed")
    if not s.oracle_fresh:
        raise errors.StalePrice("the venue's oracle price is stale", "lt: stale price")
    held = yield Call(Fn(d.collateral_address, COLLATERAL_ABI, "balanceOf", (signer,)), typed=False)
    if held < s.execution_fee:
        raise errors.InsufficientBalance(
            f"closing fronts the venue's execution fee of {s.execution_fee}; the signer holds {held}",
            "usdc: insufficient balance",
        )
    yield from ensure_allowance(d, symbol, s.execution_fee, tx)
    receipt = yield from transact(d, symbol, "close_round", (), tx, ASYNC_TOKEN_ABI)
    return decode(d, symbol, receipt, "RoundClosed", types.RoundClosed, ASYNC_EVENTS)


def settle(d: Deployment, symbol: str, tx: dict[str, Any]) -> Plan[types.Settled]:
    """Anyone: act on the venue's answer to the round in flight (settle at the fill, reopen after a
    refusal or expiry, or complete a payout). A short round makes the settler front a payout
    order's execution fee: then the token is approved for exactly that fee first."""
    yield from require_kind(d, symbol, TokenKind.ASYNC, "settle")
    round_id = yield from _read(d, symbol, "flight_round")
    if round_id == 0:
        raise errors.NoRound("no round is in flight: nothing to settle", "lt: no round")
    signer = d.signer().address
    settles, reason = yield Probe(_token(d, symbol, "settle"), signer)
    if not settles:
        # the one revert an approval cures: a payout order's execution fee the settler fronts
        # (the mock collateral says so; another ERC-20's reason may be unknown to the SDK)
        error = errors.from_revert(reason)
        venue = yield from _read(d, symbol, "venue")
        fee = yield Call(Fn(venue, VENUE_ABI, "min_execution_fee"), typed=False)
        allowed = yield Call(Fn(d.collateral_address, COLLATERAL_ABI, "allowance", (signer, d.address_of(symbol))))
        short = isinstance(error, errors.InsufficientAllowance | errors.TransactionFailed) and allowed < fee
        if not short:
            raise error
        yield from ensure_allowance(d, symbol, fee, tx)  # send_plan simulates the settle again
    receipt = yield from transact(d, symbol, "settle", (), tx, ASYNC_TOKEN_ABI)
    after = yield from _read(d, symbol, "rounds", round_id)  # Round.status is its third field
    token = d.address_of(symbol)
    own = dict(receipt, logs=[log for log in receipt["logs"] if Web3.to_checksum_address(log["address"]) == token])
    settled = ASYNC_EVENTS.RoundSettled().process_receipt(own, errors=DISCARD)
    figures = (0, 0, 0)
    if settled:
        args = settled[0]["args"]
        figures = (args["cost"], args["shares_out"], args["assets_out"])
    return types.Settled(Web3.to_hex(receipt["transactionHash"]), round_id, after[2], *figures, receipt["gasUsed"])
