"""The keeper on an asynchronous token (LeveragedTokenAsync on MockAsyncPerpVenue), beside the six
sync tokens of the deployment: requests -> the keeper closes the round (approving the token for
the execution fee it fronts, once) -> the venue keeper fills the round's order -> the keeper
settles it -> the requesters claim. Nothing is sent while nothing is due, nor a second order while
one is at the venue; a refused order rolls the round back and the keeper closes it again."""

from __future__ import annotations

import json

import pytest
from eth_account import Account
from helpers import TEST_POLICY, deploy_async_btc3l, oracle_usd
from web3 import Web3

from ltsdk.codes import ActionKind, Reason, Status
from ltsdk.keeper import Keeper
from ltsdk.replica.async_venue import CANCELLED, FILLED, REFUSED
from ltsdk.units import USDC
from ltsdk.venue_keeper import VenueKeeper, VenuePolicy

SYMBOL = "aBTC3L"  # the async token's key in the keeper's manifest (the sync BTC3L is there too)
MAX_UINT = 2**256 - 1


@pytest.fixture(scope="session")
def venue_order_keeper(accounts):
    """Executes the asynchronous venue's orders (GMX's order keeper), apart from the protocol keeper."""
    return accounts[9]


@pytest.fixture(scope="session")
def round_stack(
    project, admin, keeper, venue_order_keeper, fee_recipient, usdc, manifest_file, depositor, other_depositor
):
    """A BTC oracle at 60,000 USD, an asynchronous BTC venue whose order keeper is the venue order
    keeper, and an async BTC3L on it (10 bps fees) whose KEEPER_ROLE the keeper holds; the keeper
    has collateral for execution fees and has approved nothing. The manifest is the session's six
    sync tokens plus this one, `"kind": "async"`."""
    oracle, venue, token = deploy_async_btc3l(project, admin, usdc, venue_order_keeper, fee_recipient)
    token.grantRole(token.KEEPER_ROLE(), keeper, sender=admin)
    usdc.mint(keeper, 100 * USDC, sender=keeper)
    for requester in (depositor, other_depositor):
        usdc.mint(requester, 100_000 * USDC, sender=requester)
        usdc.approve(token, MAX_UINT, sender=requester)
    manifest = json.loads(manifest_file.read_text())
    entry = {"address": token.address, "market": "BTC", "leverage": 3, "is_long": True, "kind": "async"}
    manifest["tokens"][SYMBOL] = entry
    path = manifest_file.parent / "with-async.json"
    path.write_text(json.dumps(manifest))
    return {"oracle": oracle, "venue": venue, "token": token, "manifest": path}


@pytest.fixture
def make_round_keeper(round_stack, proxy, clock, keeper):
    """make_round_keeper(kind_in_manifest=True): the keeper on the manifest with the async token,
    through the fault proxy, on the fake clock; without the manifest's kind it finds it out."""

    def make(kind_in_manifest=True):
        manifest = json.loads(round_stack["manifest"].read_text())
        if not kind_in_manifest:
            del manifest["tokens"][SYMBOL]["kind"]
        path = round_stack["manifest"].with_name(f"keeper-{kind_in_manifest}.json")
        path.write_text(json.dumps(manifest))
        account = Account.from_key(keeper.private_key)
        return Keeper.from_manifest(
            path, proxy.url, account, TEST_POLICY, rpc_timeout=1.0, clock=clock.clock, sleep=clock.sleep
        )

    return make


@pytest.fixture
def venue_keeper(round_stack, rpc_url, venue_order_keeper):
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 30}))
    policy = VenuePolicy(poll_seconds=0.01, receipt_timeout_seconds=30.0, receipt_poll_seconds=0.05)
    return VenueKeeper(w3, round_stack["venue"].address, Account.from_key(venue_order_keeper.private_key), policy)


@pytest.fixture
def due(chain, round_stack):
    """due(): a block mined at or after the open round's close time (round_interval after the last
    close), so that what the keeper simulates on the latest block sees it due."""
    token = round_stack["token"]

    def _due():
        chain.mine(timestamp=max(chain.blocks.head.timestamp + 1, token.last_close() + token.round_interval()))

    return _due


@pytest.fixture
def new_oracle_round(round_stack, admin):
    """new_oracle_round(usd=60,000): the oracle's next round, which the venue keeper fills at."""

    def _publish(usd=60_000):
        round_stack["oracle"].set_price(oracle_usd(usd), sender=admin)

    return _publish


def acted(outcomes) -> list[tuple[str, str]]:
    """(status, label) of each outcome of the async token."""
    return [(str(o.status), o.action.label) for o in outcomes if o.symbol == SYMBOL]


def nonce(chain, actor) -> int:
    return chain.provider.web3.eth.get_transaction_count(actor.address)


def events_named(keeper_logs, name: str) -> list[dict]:
    return [line for line in keeper_logs() if line["event"] == name]


def test_round__requests_closed_filled_settled__requesters_claim_and_the_second_round_nets(
    round_stack, make_round_keeper, venue_keeper, due, new_oracle_round, depositor, other_depositor, keeper, usdc,
    keeper_logs,
):  # fmt: skip
    token, venue = round_stack["token"], round_stack["venue"]
    keeper_bot = make_round_keeper()
    keeper_funds = usdc.balanceOf(keeper)  # other session tests may have given the keeper collateral too
    token.requestDeposit(50_000 * USDC, depositor, depositor, sender=depositor)
    due()

    assert acted(keeper_bot.tick()) == [("mined", "approve")]  # the token may now pull the fronted fee
    assert usdc.allowance(keeper, token) == MAX_UINT
    assert acted(keeper_bot.tick()) == [("mined", "close_round")]
    order_id = token.rounds(1).order_id
    closed = events_named(keeper_logs, "round_closed")
    assert [(line["round_id"], line["order_id"], line["deposits"]) for line in closed] == [(1, order_id, 50_000 * USDC)]

    new_oracle_round()
    assert [o.status for o in venue_keeper.tick()] == ["filled"]
    assert acted(keeper_bot.tick()) == [("mined", "settle")]
    assert token.rounds(1).status == 3  # SETTLED
    assert [line["round_id"] for line in events_named(keeper_logs, "round_settled")] == [1]
    shares = token.maxMint(depositor)
    token.mint(shares, depositor, depositor, sender=depositor)
    assert token.balanceOf(depositor) == shares > 0

    # round 2: a redeem and a deposit, netted into one order smaller than either alone
    token.requestRedeem(shares // 2, depositor, depositor, sender=depositor)
    token.requestDeposit(20_000 * USDC, other_depositor, other_depositor, sender=other_depositor)
    due()
    assert acted(keeper_bot.tick()) == [("mined", "close_round")]
    second = token.rounds(2).order_id
    new_oracle_round()
    venue_keeper.tick()
    assert acted(keeper_bot.tick()) == [("mined", "settle")]
    fill = venue.fill_of(second)
    deposit_alone = venue.fill_of(order_id).size_delta * 20_000 * USDC // (50_000 * USDC)  # about: same NAV, price
    assert 0 < -fill.size_delta < deposit_alone  # the redeem's slice (~25,000 USDC) less the deposit's
    assert token.claimableRedeemRequest(0, depositor) == shares // 2
    assert token.claimableDepositRequest(0, other_depositor) == 20_000 * USDC
    before = usdc.balanceOf(depositor)
    token.redeem(shares // 2, depositor, depositor, sender=depositor)
    assert usdc.balanceOf(depositor) > before
    assert usdc.balanceOf(keeper) == keeper_funds  # every fronted fee repaid


def test_round__nothing_due_or_the_order_at_the_venue__nothing_sent(
    round_stack, make_round_keeper, chain, due, depositor, other_depositor, keeper, keeper_logs
):
    token = round_stack["token"]
    keeper_bot = make_round_keeper(kind_in_manifest=False)  # it asks the token the lens cannot read
    due()
    sent = nonce(chain, keeper)

    assert acted(keeper_bot.tick()) == []  # no request: close_round is "not needed"
    assert [(line["token"], line["kind"]) for line in events_named(keeper_logs, "token_kind")] == [(SYMBOL, "async")]
    token.requestDeposit(10_000 * USDC, depositor, depositor, sender=depositor)
    keeper_bot.tick()  # approve
    assert acted(keeper_bot.tick()) == [("mined", "close_round")]
    sent = nonce(chain, keeper)

    token.requestDeposit(10_000 * USDC, other_depositor, other_depositor, sender=other_depositor)  # the next round
    due()
    for _ in range(2):  # its order not yet filled: nothing to settle, and the next round waits for it
        assert acted(keeper_bot.tick()) == []
    assert nonce(chain, keeper) == sent
    assert token.flight_round() == 1 and token.open_round() == 2
    assert [line for line in keeper_logs() if line["event"] in ("failed", "noop") and line.get("token") == SYMBOL] == []


def test_round__order_refused__round_rolls_back_and_the_keeper_closes_it_again(
    round_stack, make_round_keeper, venue_keeper, due, new_oracle_round, depositor, keeper_logs
):
    token, venue = round_stack["token"], round_stack["venue"]
    keeper_bot = make_round_keeper()
    token.requestDeposit(30_000 * USDC, depositor, depositor, sender=depositor)
    due()
    keeper_bot.tick()  # approve
    assert acted(keeper_bot.tick()) == [("mined", "close_round")]
    refused_id = token.rounds(1).order_id

    new_oracle_round(61_000)  # +1.7 %: past the buy's 50 bps limit
    assert [o.status for o in venue_keeper.tick()] == ["refused"]
    assert venue.order(refused_id).status == REFUSED
    assert acted(keeper_bot.tick()) == [("mined", "settle")]  # the round reopens with its request
    assert [line["round_id"] for line in events_named(keeper_logs, "round_rolled")] == [1]
    assert token.open_round() == 1 and token.flight_round() == 0
    assert token.pendingDepositRequest(0, depositor) == 30_000 * USDC

    due()
    outcomes = keeper_bot.tick()
    assert acted(outcomes) == [("mined", "close_round")]
    assert all(o.status == Status.MINED and o.action.kind == ActionKind.CLOSE_ROUND for o in outcomes)
    new_oracle_round(61_000)
    venue_keeper.tick()
    assert venue.order(token.rounds(1).order_id).status == FILLED
    assert acted(keeper_bot.tick()) == [("mined", "settle")]
    assert token.claimableDepositRequest(0, depositor) == 30_000 * USDC


def fund_through_the_keeper(token, keeper_bot, venue_keeper, due, new_oracle_round, depositor) -> None:
    """A 50,000 USDC deposit round closed, filled at 60,000 and settled by the keepers: the token
    holds a 3x position (the keeper's approval first, unless an earlier test of the session gave it)."""
    token.requestDeposit(50_000 * USDC, depositor, depositor, sender=depositor)
    due()
    keeper_bot.tick()
    keeper_bot.tick()
    new_oracle_round()
    venue_keeper.tick()
    keeper_bot.tick()
    assert token.flight_round() == 0 and token.maxMint(depositor) > 0


def test_ripcord__price_crash_while_a_deposit_order_waits__keeper_cancels_it_and_places_a_reducing_order(
    round_stack, make_round_keeper, venue_keeper, due, new_oracle_round, chain, depositor, other_depositor, keeper_logs
):
    """BTC -25 % takes the funded 3x token to ~4.85x, over its 4.5x ripcord even as if the deposit
    round's buy waiting at the venue had filled: the keeper's next tick sends ripcord() (not a
    second close), which cancels the buy (its round reopens with the deposit intact) and places
    a sell."""
    token, venue = round_stack["token"], round_stack["venue"]
    keeper_bot = make_round_keeper()
    fund_through_the_keeper(token, keeper_bot, venue_keeper, due, new_oracle_round, depositor)

    token.requestDeposit(20_000 * USDC, other_depositor, other_depositor, sender=other_depositor)
    due()
    assert acted(keeper_bot.tick()) == [("mined", "close_round")]
    buy_round = token.flight_round()
    buy = token.rounds(buy_round).order_id
    assert venue.order(buy).size_delta > 0

    new_oracle_round(45_000)
    chain.mine(timestamp=chain.blocks.head.timestamp + venue.cancel_delay() + 1)
    assert token.rebalance_status()[0] == Reason.RIPCORD
    assert acted(keeper_bot.tick()) == [("mined", "ripcord")]
    assert venue.order(buy).status == CANCELLED
    assert token.open_round() == buy_round  # rolled back, the deposit still pending in it
    assert token.pendingDepositRequest(0, other_depositor) == 20_000 * USDC
    sell = token.rounds(token.flight_round()).order_id
    assert venue.order(sell).size_delta < 0
    assert [line["order_id"] for line in events_named(keeper_logs, "round_closed")][-1] == sell
    assert acted(keeper_bot.tick()) == []  # the sell in flight: nothing more to send


def test_rebalance__band_breached_with_no_requests__keeper_closes_a_rebalance_only_round(
    round_stack, make_round_keeper, venue_keeper, due, new_oracle_round, depositor, keeper_logs
):
    """BTC -10 % takes the funded 3x token to ~3.9x, out of its 2.4x-3.6x band: with no request
    open, the keeper's due close is the fund's rebalance alone, which brings it back to 3x."""
    token = round_stack["token"]
    keeper_bot = make_round_keeper()
    fund_through_the_keeper(token, keeper_bot, venue_keeper, due, new_oracle_round, depositor)

    new_oracle_round(54_000)
    due()
    assert token.rebalance_status()[0] == Reason.BAND
    assert acted(keeper_bot.tick()) == [("mined", "close_round")]
    closed = events_named(keeper_logs, "round_closed")[-1]
    assert (closed["deposits"], closed["redeems"], closed["reason"]) == (0, 0, Reason.BAND)
    assert closed["rebalance"] == closed["size_delta"] < 0  # the fund sells back to target
    assert token.rebalance_status()[0] == Reason.IN_FLIGHT
    new_oracle_round(54_000)
    venue_keeper.tick()
    assert acted(keeper_bot.tick()) == [("mined", "settle")]
    assert token.rebalance_status()[0] == Reason.NONE
