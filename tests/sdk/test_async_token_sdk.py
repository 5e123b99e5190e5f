"""The SDK and the CLI on both kinds of token: an asynchronous (ERC-7540) BTC3LA on
MockAsyncPerpVenue, deployed directly (not through the factory) next to the six synchronous
products, read, requested, closed, filled, settled and claimed through ltsdk; every bad input
refused with its typed error before any transaction (the nonce does not move); the revert mapping
covers every string LeveragedTokenAsync.vy reverts with."""

from __future__ import annotations

import asyncio
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from async_stack import SYMBOL, fill_round, repost_price
from eth_account import Account

from ltsdk import Protocol, errors, quote
from ltsdk.aio import AsyncProtocol
from ltsdk.calls import SendRaw
from ltsdk.codes import OrderStatus, Reason, RoundStatus, TokenKind
from ltsdk.plans import ZERO_ADDRESS
from ltsdk.replica import async_token, async_venue
from ltsdk.units import USDC, WAD

CONTRACT = Path(__file__).resolve().parents[2] / "contracts" / "LeveragedTokenAsync.vy"


@pytest.fixture
def session_of(sdk_async_stack, rpc_url):
    """session_of(account) -> that account's SDK over the manifest with BTC3LA."""

    def make(account):
        return Protocol.from_manifest(sdk_async_stack.manifest, rpc_url, account=Account.from_key(account.private_key))

    return make


def next_round_due(chain, stack):
    """The chain's clock at the open round's close time, the oracle re-posted there."""
    due = stack.token.last_close() + stack.token.round_interval()
    chain.pending_timestamp = max(chain.pending_timestamp, due)
    repost_price(stack)


def _recording(protocol):
    seen = []
    execute = protocol.node.execute

    def record(request):
        seen.append(type(request))
        return execute(request)

    protocol.node.execute = record
    return seen


# ---------------------------------------------------------------- the kind and the revert mapping


def test_kind__erc165_answer__tells_the_asynchronous_token_from_the_synchronous(session_of, depositor):
    protocol = session_of(depositor)
    assert protocol.token(SYMBOL).kind() == TokenKind.ASYNC
    assert protocol.token("BTC3L").kind() == TokenKind.SYNC
    states = protocol.states()  # the lens still reads the six in one call; BTC3LA's row is not one of its
    assert states["BTC3L"].ok and not states[SYMBOL].ok


def test_states__asynchronous__its_row_from_its_own_views_in_one_block(session_of, depositor, keeper, sdk_async_stack):
    user, keeper_sdk = session_of(depositor).token(SYMBOL), session_of(keeper).token(SYMBOL)
    user.request_deposit(10_000 * USDC)
    keeper_sdk.close_round()
    fill_round(sdk_async_stack, keeper)
    user.settle()
    protocol = session_of(depositor)

    rows = protocol.states(asynchronous=True)

    row, full = rows[SYMBOL], user.async_state()
    assert row.ok and row.kind == TokenKind.ASYNC and rows["BTC3L"].kind == TokenKind.SYNC and rows["BTC3L"].ok
    assert (row.nav, row.supply, row.nav_per_share, row.idle_assets) == (
        full.nav, full.supply, full.nav_per_share, full.idle_assets
    )  # fmt: skip
    assert (row.size, row.price, row.oracle_fresh, row.target_leverage) == (
        full.size, full.price, full.oracle_fresh, full.target_leverage
    )  # fmt: skip
    assert row.next_slot == full.last_close + full.round_interval and row.status == 0
    assert abs(row.leverage_x - full.leverage_x) < Decimal("1e-9")
    assert row.timestamp == rows["BTC3L"].timestamp  # one block for the lens and the async reads
    assert not protocol.states()[SYMBOL].ok  # without the flag: the lens row, as the keeper reads it


def test_revert_mapping__every_string_of_the_async_token__has_its_typed_error():
    source = CONTRACT.read_text()
    reasons = set(re.findall(r'"(lt: [a-z ]+)"', source))
    assert {"lt: request pending", "lt: min request", "lt: claimable", "lt: async"} <= reasons
    for reason in sorted(reasons):
        error = errors.from_revert(reason)
        assert type(error) is not errors.TransactionFailed and error.reason == reason, reason


def test_order_status__same_numbers_as_the_venue_replica():
    replica = {name: getattr(async_venue, name) for name in ("PENDING", "FILLED", "REFUSED", "CANCELLED", "EXPIRED")}
    assert replica == {name: int(OrderStatus[name]) for name in replica}


# ---------------------------------------------------------------- a round trip through the SDK


def test_round_trip__request_close_fill_settle_claim__through_the_sdk(
    session_of, sdk_async_stack, depositor, keeper, chain
):
    stack = sdk_async_stack
    user, keeper_sdk = session_of(depositor).token(SYMBOL), session_of(keeper).token(SYMBOL)
    assets = 10_000 * USDC
    estimate = user.estimate_deposit(assets)
    assert estimate.is_estimate and 0 < estimate.estimated_out < estimate.at_nav

    requested = user.request_deposit(assets)  # approves exactly `assets` first

    assert (requested.side, requested.controller, requested.amount) == ("deposit", depositor.address, assets)
    assert stack.usdc.allowance(depositor, stack.token) == 0
    state = user.async_state()
    assert state.open_round.deposits == assets and state.flight_round is None and state.seconds_to_close == 0
    assert user.requests().pending_deposit == assets

    # the SDK's model of the round's order (round_math's twin) is the order the close places, to the wei
    size_delta = quote.async_round_size(state)
    exec_price, taker_fee = stack.venue.quote_trade(stack.token, size_delta)
    cost = async_token.trade_cost(size_delta, state.price, exec_price, taker_fee, state.asset_scale)
    modelled = quote.async_round_order(state, 0, 0, cost)
    closed = keeper_sdk.close_round()
    assert (closed.size_delta, closed.collateral_delta) == (modelled.size_delta, modelled.collateral_delta)
    in_flight = user.async_state()
    assert in_flight.flight_round.order_id == closed.order_id and closed.deposits == assets
    assert in_flight.flight_round.status == RoundStatus.IN_FLIGHT
    assert in_flight.flight_round.order_status == OrderStatus.PENDING
    assert in_flight.open_round.round_id == closed.round_id + 1 and in_flight.seconds_to_close > 0
    with pytest.raises(errors.OrderPending):
        keeper_sdk.settle()

    fill_round(stack, keeper)
    settled = user.settle()  # anyone settles
    assert settled.status == RoundStatus.SETTLED and settled.cost > 0
    mine = user.requests()
    assert mine.pending_deposit == 0 and mine.claimable_deposit == assets
    # the estimate priced the same order at the same price; a first round has no position, so no
    # funding moved NAV before the fill: the estimate was exact
    assert mine.claimable_shares == estimate.estimated_out

    claimed = user.claim_deposit()
    assert claimed.shares == mine.claimable_shares and claimed.owner == depositor.address
    assert stack.token.balanceOf(depositor) == claimed.shares
    (closed_event,) = [e for e in user.events("RoundClosed", from_block=0) if e["tx_hash"] == closed.tx_hash]
    assert closed_event["order_id"] == closed.order_id and closed_event["deposits"] == assets

    shares = claimed.shares // 2
    redeem_estimate = user.estimate_redeem(shares)
    next_round_due(chain, stack)
    user.request_redeem(shares)
    keeper_sdk.close_round()
    fill_round(stack, keeper)
    keeper_sdk.settle()
    owed = user.requests().claimable_assets
    # here only the position's funding over the round's 300 s moved NAV between estimate and fill
    assert abs(owed - redeem_estimate.estimated_out) <= redeem_estimate.estimated_out // 100_000
    before = stack.usdc.balanceOf(depositor)
    withdrawn = user.claim_redeem()
    assert withdrawn.assets == owed and stack.usdc.balanceOf(depositor) == before + owed


def test_estimate__deposit_into_a_rebalancing_round__prices_the_rebalance_the_close_places(
    session_of, sdk_async_stack, depositor, keeper, chain
):
    """BTC -10 % takes the funded token out of its band: the next round carries the fund's
    rebalance. The SDK's model of that round's order is the one the close places, to the wei, and
    the deposit's estimate leaves the rebalance's cost to the fund (only funding moves NAV between
    the estimate and the fill)."""
    stack = sdk_async_stack
    user, keeper_sdk = session_of(depositor).token(SYMBOL), session_of(keeper).token(SYMBOL)
    user.request_deposit(10_000 * USDC)
    keeper_sdk.close_round()
    fill_round(stack, keeper)
    keeper_sdk.settle()
    user.claim_deposit()
    next_round_due(chain, stack)
    repost_price(stack, "54000")
    assets = 5_000 * USDC
    estimate = user.estimate_deposit(assets)
    user.request_deposit(assets)

    state = user.async_state()
    k, rebalance, reason = quote.async_round_trade(state)
    assert reason == Reason.BAND and rebalance < 0 < k
    size_delta = quote.async_round_size(state)
    exec_price, taker_fee = stack.venue.quote_trade(stack.token, size_delta)
    cost = async_token.trade_cost(size_delta, state.price, exec_price, taker_fee, state.asset_scale)
    modelled = quote.async_round_order(state, 0, 0, cost)
    closed = keeper_sdk.close_round()
    assert (closed.size_delta, closed.collateral_delta) == (modelled.size_delta, modelled.collateral_delta)
    fill_round(stack, keeper, "54000")
    settled = keeper_sdk.settle()
    assert settled.status == RoundStatus.SETTLED
    owed = user.requests().claimable_shares
    assert abs(owed - estimate.estimated_out) <= estimate.estimated_out // 100_000


def _placed_rebalance(stack, state, k: int, x: int) -> int:
    """The fund's part the close places (LeveragedTokenAsync._close's loop), from the venue's quotes."""
    for halvings in range(async_token.MAX_HALVINGS + 1):
        if x == 0 or async_token.within_price_limit(
            k + x, state.price, stack.venue.quote_trade(stack.token, k + x)[0], state.max_slippage_bps
        ):
            break
        x = async_token.halved(x, halvings)
    return x


def test_estimate__rebalance_too_large_for_the_price_limit__prices_the_halved_part_the_close_places(
    session_of, sdk_async_stack, depositor, keeper, chain
):
    """BTC -10 % takes the funded token out of its band on a shallow venue (depth 800,000 USD):
    the venue's quote of the whole rebalance is past the round's 50 bps limit, so the close
    halves the fund's part until it fits. The estimate halves it too (a quote per try, its
    block): the modelled order is the placed one to the wei and the deposit's shares are the
    estimate's but for funding (as the in-band rebalance above). (The whole part's larger cost,
    borne by the fund, priced the staying shares lower: the estimate was ~0.5 % over.)"""
    stack = sdk_async_stack
    user, keeper_sdk = session_of(depositor).token(SYMBOL), session_of(keeper).token(SYMBOL)
    user.request_deposit(10_000 * USDC)
    keeper_sdk.close_round()
    fill_round(stack, keeper)
    keeper_sdk.settle()
    user.claim_deposit()
    stack.venue.set_depth(800_000 * WAD, sender=stack.admin)
    next_round_due(chain, stack)
    repost_price(stack, "54000")
    assets = 200 * USDC
    estimate = user.estimate_deposit(assets)
    user.request_deposit(assets)

    state = user.async_state()
    k, full, reason = quote.async_round_trade(state)
    assert reason == Reason.BAND and full < 0 < k
    rebalance = _placed_rebalance(stack, state, k, full)
    assert full < rebalance < 0  # halved, not dropped
    exec_price, taker_fee = stack.venue.quote_trade(stack.token, k + rebalance)
    cost = async_token.trade_cost(k + rebalance, state.price, exec_price, taker_fee, state.asset_scale)
    modelled = quote.async_round_order(state, 0, 0, cost, rebalance=rebalance)
    closed = keeper_sdk.close_round()
    assert (closed.size_delta, closed.collateral_delta) == (modelled.size_delta, modelled.collateral_delta)
    fill_round(stack, keeper, "54000")
    assert keeper_sdk.settle().status == RoundStatus.SETTLED
    owed = user.requests().claimable_shares
    assert abs(owed - estimate.estimated_out) <= estimate.estimated_out // 100_000


def test_halving__the_fund_part_halves_toward_zero_then_drops_and_the_limit_is_inclusive():
    assert [async_token.halved(x, 0) for x in (7, -7, 1, -1)] == [3, -3, 0, 0]  # Vyper's int256 //
    assert async_token.halved(-(10**30), async_token.MAX_HALVINGS - 1) == -(10**30) // 2
    assert async_token.halved(-(10**30), async_token.MAX_HALVINGS) == 0  # past the last halving: left out
    price = 60_000 * WAD  # limits at 50 bps: a buy 60,300, a sell 59,700
    assert async_token.within_price_limit(1, price, 60_300 * WAD, 50)
    assert not async_token.within_price_limit(1, price, 60_300 * WAD + 1, 50)
    assert async_token.within_price_limit(-1, price, 59_700 * WAD, 50)
    assert not async_token.within_price_limit(-1, price, 59_700 * WAD - 1, 50)
    assert not async_token.within_price_limit(0, price, 59_700 * WAD - 1, 50)  # no size: the sell's side


def test_settle__cash_short_after_a_move__settler_approves_the_payout_fee_then_claims(
    session_of, sdk_async_stack, depositor, keeper, chain
):
    """Redeemers' value outgrows the round's cash cushion before the fill (+15 % at 3x): settle
    places a payout order whose execution fee the settler fronts. The SDK approves exactly that
    fee (the settler had none) and the redeem becomes claimable once the payout fills."""
    stack = sdk_async_stack
    user, keeper_sdk = session_of(depositor).token(SYMBOL), session_of(keeper).token(SYMBOL)
    user.request_deposit(10_000 * USDC)
    keeper_sdk.close_round()
    fill_round(stack, keeper)
    keeper_sdk.settle()
    shares = user.claim_deposit().shares
    next_round_due(chain, stack)
    user.request_redeem(shares // 2)
    keeper_sdk.close_round()
    fill_round(stack, keeper, "69000")
    assert stack.usdc.allowance(depositor, stack.token) == 0

    paying = user.settle()

    assert paying.status == RoundStatus.PAYING and paying.assets_out > 0
    assert stack.usdc.allowance(depositor, stack.token) == 0  # the exact fee, spent by the payout order
    assert user.requests().claimable_redeem == 0  # the assets are not home yet
    fill_round(stack, keeper, "69000")
    assert user.settle().status == RoundStatus.SETTLED
    owed = user.requests().claimable_assets
    assert owed == paying.assets_out - stack.venue.min_execution_fee()  # the redeemers pay the payout's fee
    assert user.claim_redeem().assets == owed


def test_asyncio_client__same_calls_same_checks(sdk_async_stack, session_of, rpc_url, depositor, nonce_of):
    account = Account.from_key(depositor.private_key)

    async def scenario():
        async with AsyncProtocol.from_manifest(sdk_async_stack.manifest, rpc_url, account=account) as protocol:
            token = protocol.token(SYMBOL)
            requested = await token.request_deposit(300 * USDC)
            before = nonce_of(depositor)
            with pytest.raises(errors.WrongKind):
                await token.deposit(300 * USDC)
            with pytest.raises(errors.BelowMinRequest):
                await token.request_deposit(1)
            assert nonce_of(depositor) == before
            return await token.kind(), requested, await token.async_state(), await token.requests()

    kind, requested, state, mine = asyncio.run(scenario())

    assert kind == TokenKind.ASYNC and requested.amount == 300 * USDC
    sync = session_of(depositor).token(SYMBOL)
    assert state == sync.async_state() and mine == sync.requests()
    assert mine.pending_deposit == 300 * USDC


def test_cancel__open_round__returns_exactly_the_request(session_of, sdk_async_stack, depositor):
    user = session_of(depositor).token(SYMBOL)
    before = sdk_async_stack.usdc.balanceOf(depositor)
    user.request_deposit(500 * USDC)
    cancelled = user.cancel_deposit_request()
    assert (cancelled.side, cancelled.amount) == ("deposit", 500 * USDC)
    assert sdk_async_stack.usdc.balanceOf(depositor) == before and user.requests().pending_deposit == 0


# ---------------------------------------------------------------- bad input: typed, before any transaction

OTHER = "0x000000000000000000000000000000000000dEaD"
SDK_CASES = {
    "request-zero": (lambda t: t.request_deposit(0), errors.ZeroAmount),
    "request-below-min": (lambda t: t.request_deposit(USDC - 1), errors.BelowMinRequest),
    "request-more-than-held": (lambda t: t.request_deposit(10**15 * USDC), errors.InsufficientBalance),
    "request-controller-zero": (lambda t: t.request_deposit(100 * USDC, controller=ZERO_ADDRESS), errors.BadReceiver),
    "request-controller-the-token": (lambda t: t.request_deposit(100 * USDC, controller=t.address), errors.BadReceiver),
    "request-controller-not-an-address": (
        lambda t: t.request_deposit(100 * USDC, controller="0x12"),
        errors.BadArgument,
    ),
    "request-from-another-owner": (lambda t: t.request_deposit(100 * USDC, owner=OTHER), errors.NotOperator),
    "redeem-request-more-than-held": (lambda t: t.request_redeem(10**30), errors.InsufficientBalance),
    "redeem-request-below-min": (lambda t: t.request_redeem(10**16 - 1), errors.BelowMinRequest),
    "redeem-request-of-another-owner": (lambda t: t.request_redeem(10**18, owner=OTHER), errors.InsufficientAllowance),
    "cancel-nothing-pending": (lambda t: t.cancel_redeem_request(), errors.ZeroAmount),
    "cancel-for-another-controller": (lambda t: t.cancel_deposit_request(controller=OTHER), errors.NotOperator),
    "claim-nothing-claimable": (lambda t: t.claim_deposit(), errors.NothingClaimable),
    "claim-redeem-nothing-claimable": (lambda t: t.claim_redeem(10**18), errors.NothingClaimable),
    "claim-for-another-controller": (lambda t: t.claim_deposit(controller=OTHER), errors.NotOperator),
    "claim-receiver-zero": (lambda t: t.claim_deposit(receiver=ZERO_ADDRESS), errors.BadReceiver),
    "operator-self": (lambda t: t.set_operator(t.protocol.account.address), errors.NotOperator),
    "close-with-no-request": (lambda t: t.close_round(), errors.NotNeeded),
    "settle-no-round": (lambda t: t.settle(), errors.NoRound),
    "sync-deposit-on-the-async-token": (lambda t: t.deposit(100 * USDC, slippage_bps=30), errors.WrongKind),
    "sync-redeem-on-the-async-token": (lambda t: t.redeem(10**18), errors.WrongKind),
    "sync-wallet-plan-on-the-async-token": (
        lambda t: t.deposit_transactions(100 * USDC, t.protocol.account.address),
        errors.WrongKind,
    ),
    "preview-on-the-async-token": (lambda t: t.preview_deposit(100 * USDC), errors.WrongKind),
    "rebalance-on-the-async-token": (lambda t: t.rebalance(), errors.WrongKind),
    "async-request-on-a-sync-token": (
        lambda t: t.protocol.token("BTC3L").request_deposit(100 * USDC),
        errors.WrongKind,
    ),
    "async-claim-on-a-sync-token": (lambda t: t.protocol.token("BTC3L").claim_deposit(), errors.WrongKind),
    "estimate-redeem-more-than-the-supply": (lambda t: t.estimate_redeem(10**30), errors.BadArgument),
    "estimate-on-a-sync-token": (lambda t: t.protocol.token("BTC3L").estimate_deposit(100 * USDC), errors.WrongKind),
}


@pytest.mark.parametrize("case", list(SDK_CASES))
def test_bad_input__typed_error_before_any_transaction(case, session_of, depositor, nonce_of):
    call, error = SDK_CASES[case]
    protocol = session_of(depositor)
    token = protocol.token(SYMBOL)
    before = nonce_of(depositor)
    requests = _recording(protocol)

    with pytest.raises(error):
        call(token)

    assert SendRaw not in requests and nonce_of(depositor) == before


def test_bad_input__paused__request_refused_cancel_goes_on(session_of, sdk_async_stack, depositor, guardian, nonce_of):
    user = session_of(depositor).token(SYMBOL)
    user.request_deposit(200 * USDC)
    sdk_async_stack.token.pause(sender=guardian)
    before = nonce_of(depositor)
    with pytest.raises(errors.Paused):
        user.request_deposit(200 * USDC)
    assert nonce_of(depositor) == before
    assert user.cancel_deposit_request().amount == 200 * USDC  # the kill switch never traps a request


def test_bad_input__request_in_flight__pending_and_not_cancellable(session_of, depositor, keeper, nonce_of):
    user, keeper_sdk = session_of(depositor).token(SYMBOL), session_of(keeper).token(SYMBOL)
    user.request_deposit(200 * USDC)
    keeper_sdk.close_round()
    before = nonce_of(depositor)
    with pytest.raises(errors.InFlight):
        session_of(depositor).token(SYMBOL).close_round()  # the next round waits for this one
    with pytest.raises(errors.RequestPending):
        user.request_deposit(200 * USDC)  # no approval sent either
    with pytest.raises(errors.InFlight):
        user.cancel_deposit_request()
    assert nonce_of(depositor) == before


# ---------------------------------------------------------------- the command line


@pytest.fixture
def on_async(cli, sdk_async_stack, rpc_url):
    def run(*args, key=None):
        return cli(
            *args, "--rpc", rpc_url, "--manifest", str(sdk_async_stack.manifest),
            env={"LT_PRIVATE_KEY": key} if key else {},
        )  # fmt: skip

    return run


def test_cli_status__async_token__open_round_flight_and_the_callers_requests(on_async, session_of, depositor, keeper):
    session_of(depositor).token(SYMBOL).request_deposit(300 * USDC)
    session_of(keeper).token(SYMBOL).close_round()
    session_of(depositor).token(SYMBOL).request_deposit(100 * USDC, controller=keeper.address)

    result = on_async("status", "--controller", keeper.address)

    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith(SYMBOL)]
    assert "open #2: 100.00 USDC in, 0.000000 out" in line and "in flight #1 order" in line and "pending" in line
    assert f"{keeper.address}: deposit pending 100.00 USDC" in result.stdout
    data = json.loads(on_async("--json", "status").stdout)[SYMBOL]
    assert data["kind"] == "async" and data["flight_round"]["status_name"] == "in flight"
    assert data["open_round"]["deposits"] == str(100 * USDC)


def test_cli_request_and_claim__people_commands(on_async, depositor):
    requested = on_async("request-deposit", SYMBOL.lower(), "250", key=depositor.private_key)
    assert requested.returncode == 0, requested.stderr
    assert "requested 250.00 USDC into BTC3LA" in requested.stdout and "tx 0x" in requested.stdout
    cancelled = on_async("cancel-request", SYMBOL, "deposit", key=depositor.private_key)
    assert cancelled.returncode == 0 and "cancelled: 250.00 USDC back" in cancelled.stdout, cancelled.stderr
    quote = on_async("quote", SYMBOL, "--deposit", "1000")
    assert quote.returncode == 0 and "ESTIMATE" in quote.stdout, quote.stderr


CLI_CASES = {
    "request-below-min": (("request-deposit", SYMBOL, "0.5"), "BelowMinRequest"),
    "request-controller-zero": (("request-deposit", SYMBOL, "10", "--controller", ZERO_ADDRESS), "BadReceiver"),
    "request-on-a-sync-token": (("request-deposit", "BTC3L", "10"), "WrongKind"),
    "sync-deposit-on-the-async-token": (("deposit", SYMBOL, "10"), "WrongKind"),
    "claim-nothing": (("claim", SYMBOL, "deposit"), "NothingClaimable"),
    "claim-side-unknown": (("claim", SYMBOL, "both"), "invalid choice"),
    "cancel-nothing-pending": (("cancel-request", SYMBOL, "redeem"), "ZeroAmount"),
    "redeem-request-more-than-held": (("request-redeem", SYMBOL, "1000000"), "InsufficientBalance"),
    "estimate-redeem-more-than-the-supply": (("quote", SYMBOL, "--redeem", "1"), "BadArgument"),
}


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_cli_bad_input__one_line_exit_two_nothing_sent(case, on_async, depositor, nonce_of):
    args, message = CLI_CASES[case]
    before = nonce_of(depositor)
    result = on_async(*args, key=depositor.private_key)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr, result.stderr
    assert nonce_of(depositor) == before
