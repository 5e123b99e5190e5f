"""The two venue kinds the fuzz suite runs the same properties over, set up alike: the sync kind
(LeveragedToken on MockPerpAdapter, entry and exit instant) and the async kind
(LeveragedTokenAsync on MockAsyncPerpVenue, entry and exit ERC-7540 requests that a round close,
a venue fill and a settle complete), each with a holder, two requesters, an admin and a keeper
(on the async kind also the venue keeper), and the keepers' steps of a round.

The sync kind is the session's BTC3L (`chain.stack`), the async kind the token deployed here
(`async_token_stack`, which test_async_token_machine.py fuzzes too): one deployment of each per
session, made by conftest.py's session fixtures (`deployed_stack`, `async_deployed_stack`) outside
every test's and module's anchor, shared. Both get
10 bps mint and redeem fees and no management fee (the async token has none), so the same
amounts give the same fees on both.

Units as in the contracts: assets in collateral base units (6 decimals), shares in wei, prices WAD.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boa
from eth_abi import encode as abi_encode
from eth_utils import keccak

from fuzz.chain import (
    BTC_DEPTH,
    MAX_UINT256,
    ORACLE_DECIMALS,
    USDC,
    WAD,
    attempt,
    configure,
    deployed_once,
    deployer,
    stack,
)

SYNC, ASYNC = "sync", "async"
KINDS = (SYNC, ASYNC)
ACTORS = ("holder", "requester", "other_requester")
REQUESTERS = ("requester", "other_requester")
SYNC_SYMBOL = "BTC3L"  # the async token's product: 3x long BTC
FEES_BPS = (10, 10, 0)  # mint, redeem, management: the async token's, set on the sync token too
START_PRICE = 60_000 * 10**ORACLE_DECIMALS  # the async kind's BTC feed answer at deployment
STAKES = {"holder": 1_000_000 * USDC, "requester": 20_000 * USDC}  # assets in the fund before any request

# IAsyncPerpVenue order status
VENUE_PENDING, VENUE_FILLED, VENUE_REFUSED = 1, 2, 3
# LeveragedTokenAsync round status
ROUND_OPEN, ROUND_IN_FLIGHT, ROUND_PAYING, ROUND_SETTLED = 0, 1, 2, 3


@dataclass(frozen=True)
class TokenStack:
    """The async kind as deployed: LeveragedTokenAsync on its own MockAsyncPerpVenue."""

    usdc: Any
    oracle: Any
    venue: Any
    token: Any
    admin: str  # owns everything; a venue keeper
    keeper: str  # KEEPER_ROLE and a venue keeper; fronts execution fees
    actors: dict[str, str]


@deployed_once(lambda t: t.token)
def async_token_stack() -> TokenStack:
    """The async kind's deployment (once per session: conftest.py's `async_deployed_stack`)."""
    admin = boa.env.generate_address("at_admin")
    keeper = boa.env.generate_address("at_keeper")
    actors = {name: boa.env.generate_address(f"at_{name}") for name in ACTORS}
    with boa.env.prank(admin):
        usdc = deployer("mocks/MockUSDC").deploy()
        oracle = deployer("mocks/MockOracle").deploy(ORACLE_DECIMALS, "BTC / USD", START_PRICE)
        venue = deployer("mocks/MockAsyncPerpVenue").deploy(usdc, oracle, "BTC-PERP", 6, BTC_DEPTH)
        venue.set_order_keeper(keeper, True)
        token = deployer("LeveragedTokenAsync").deploy(
            "BTC 3x Long",
            "BTC3L",
            usdc,
            venue,
            3 * WAD,
            True,
            10**12,
            100 * USDC,
            10,
            10,
            admin,
            deployer("AsyncRoundMath").deploy(),
        )
        token.grantRole(token.KEEPER_ROLE(), keeper)
        # no cushion: a move before the fill of a round of redeems leaves a shortfall, so the
        # machines reach payout orders; a 300 bps price limit, which some moves miss (refusals)
        token.set_round_parameters(300, 600, USDC, 10**16, 0, 300)
    usdc.mint(venue, 50_000_000 * USDC, sender=admin)
    for who in (keeper, *actors.values()):
        usdc.mint(who, 10_000_000 * USDC, sender=who)
        usdc.approve(token, MAX_UINT256, sender=who)
    return TokenStack(usdc, oracle, venue, token, admin, keeper, actors)


@dataclass(frozen=True)
class KindStack:
    kind: str
    usdc: Any
    oracle: Any
    venue: Any
    token: Any
    admin: str  # owns the venue and the oracle; the token's admin
    keeper: str  # the token's KEEPER_ROLE; on the async kind also a venue keeper, fronting execution fees
    actors: dict[str, str]  # ACTORS -> address, each with collateral approved to the token

    @property
    def is_async(self) -> bool:
        return self.kind == ASYNC


def kind_stack(kind: str) -> KindStack:
    """The deployed stack of `kind` (deployed once per session, by conftest.py)."""
    if kind == SYNC:
        s = stack()
        a = s.actors
        actors = {"holder": a.depositor, "requester": a.other_depositor, "other_requester": a.attacker}
        return KindStack(SYNC, s.usdc, s.oracle, s.venue, s.tokens[SYNC_SYMBOL], a.admin, a.keeper, actors)
    if kind == ASYNC:
        t = async_token_stack()
        return KindStack(ASYNC, t.usdc, t.oracle, t.venue, t.token, t.admin, t.keeper, t.actors)
    raise ValueError(kind)


def prepare(ks: KindStack) -> None:
    """Per-example set-up, inside the example's anchor: the sync token gets the async token's fees."""
    if not ks.is_async:
        configure(stack(), ks.token, "set_fees", *FEES_BPS)


# ---------------------------------------------------------------- time and prices


def next_block(seconds: int = 12) -> None:
    boa.env.time_travel(blocks=1, block_delta=max(seconds, 1))


def publish(ks: KindStack, move_bps: int) -> None:
    """A new oracle round at the last answer moved by `move_bps`."""
    answer = ks.oracle.latestRoundData()[1] * (10_000 + move_bps) // 10_000
    ks.oracle.set_price(max(answer, 1), sender=ks.admin)


# ---------------------------------------------------------------- the async kind's round


def wait_for_close(ks: KindStack) -> None:
    """Let time pass until the open round may close (`round_interval` after the last close)."""
    due = ks.token.last_close() + ks.token.round_interval()
    if boa.env.timestamp < due:
        next_block(due - boa.env.timestamp)


def close_round(ks: KindStack) -> tuple[bool, Any]:
    """The keeper closes the open round, once it is due (waiting for it): (ok, order id or reason)."""
    wait_for_close(ks)
    return attempt(lambda: ks.token.close_round(sender=ks.keeper))


def order_in_flight(ks: KindStack) -> int:
    """The venue order of the round in flight while the venue has not answered it (0: none)."""
    round_id = ks.token.flight_round()
    if round_id == 0:
        return 0
    order_id = ks.token.rounds(round_id).order_id
    return order_id if ks.venue.order(order_id).status == VENUE_PENDING else 0


def execute(ks: KindStack, move_bps: int) -> int:
    """The venue keeper, in a later block with a new price, executes the order in flight: its
    status after (FILLED or REFUSED); 0 if none was pending or it has expired (settle closes it)."""
    order_id = order_in_flight(ks)
    if order_id == 0:
        return 0
    next_block()
    publish(ks, move_bps)
    if boa.env.timestamp > ks.venue.order(order_id).created_at + ks.venue.order_expiry():
        return 0
    return ks.venue.execute_order(order_id, sender=ks.keeper)


def settle(ks: KindStack) -> tuple[bool, Any]:
    return attempt(lambda: ks.token.settle(sender=ks.keeper))


def arrived_unsettled(ks: KindStack) -> int:
    """Async: collateral the venue sent the token for the round in flight that settle() has not
    yet counted: a fill's withdrawal, a refused order's collateral, a filled payout."""
    round_id = ks.token.flight_round()
    if round_id == 0:
        return 0
    r = ks.token.rounds(round_id)
    o = ks.venue.order(r.order_id)
    if o.status == VENUE_FILLED:
        return r.cash if r.status == ROUND_PAYING else max(-o.collateral_delta, 0)
    if o.status == VENUE_REFUSED:
        return max(o.collateral_delta, 0)
    return 0


def request_in_flight(ks: KindStack, side: str, account: str) -> int:
    """Async: what `account`'s `side` ("deposit": assets, "redeem": shares) request puts in the
    round in flight (0: none, or its request is in the open round), read from the token's private
    `<side>_requests[account]` (Vyper lays a HashMap value at keccak256(slot . key); Request is
    round_id then amount) and cross-checked against the public pending view."""
    slot = ks.token.compiler_data.storage_layout["storage_layout"][f"{side}_requests"]["slot"]
    base = int.from_bytes(keccak(abi_encode(["uint256", "address"], [slot, account])), "big")
    round_id, amount = (boa.env.get_storage(ks.token.address, base + i) for i in range(2))
    pending = getattr(ks.token, f"pending{side.capitalize()}Request")(0, account)
    flight = ks.token.flight_round()
    in_flight = flight != 0 and amount > 0 and flight in (round_id, ks.token.merged_into(round_id))
    assert pending == amount or (pending == 0 and not in_flight), (side, account, pending, amount)
    return amount if in_flight else 0


def enter(ks: KindStack, who: str, assets: int) -> tuple[bool, Any]:
    """Sync: deposit `assets` (shares minted at once). Async: request a deposit of `assets`."""
    account = ks.actors[who]
    if ks.is_async:
        return attempt(lambda: ks.token.requestDeposit(assets, account, account, sender=account))
    return attempt(lambda: ks.token.deposit(assets, account, sender=account))


def leave(ks: KindStack, who: str, shares: int) -> tuple[bool, Any]:
    """Sync: redeem `shares` (assets paid at once). Async: request a redeem of `shares`."""
    account = ks.actors[who]
    if ks.is_async:
        return attempt(lambda: ks.token.requestRedeem(shares, account, account, sender=account))
    return attempt(lambda: ks.token.redeem(shares, account, account, sender=account))


def complete_round(ks: KindStack, move_bps: int = 0) -> None:
    """The async kind's keepers take the open round to the end: close, fill at a price moved by
    `move_bps`, settle, and once more for a payout order. Asserts it ended settled."""
    ok, reason = close_round(ks)
    assert ok, f"close_round reverts {reason!r}"
    assert execute(ks, move_bps) == VENUE_FILLED
    ok, status = settle(ks)
    assert ok, f"settle reverts {status!r}"
    if status == ROUND_PAYING:
        assert execute(ks, 0) == VENUE_FILLED
        ok, status = settle(ks)
    assert (ok, status) == (True, ROUND_SETTLED), status


def seed(ks: KindStack, stakes: dict[str, int]) -> None:
    """Each of `stakes` (actor -> assets) owns shares before anyone requests anything: the assets
    deposited (async: requested in one round, completed at an unmoved price, the shares claimed)."""
    for who, assets in stakes.items():
        ok, result = enter(ks, who, assets)
        assert ok, f"the {who}'s entry reverts {result!r}"
    if ks.is_async:
        complete_round(ks)
        for who, assets in stakes.items():
            account = ks.actors[who]
            ks.token.deposit(assets, account, account, sender=account)
    for who in stakes:
        assert ks.token.balanceOf(ks.actors[who]) > 0
