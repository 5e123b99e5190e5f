"""Gas of the asynchronous token (LeveragedTokenAsync: ERC-7540 requests settled in netted rounds)
on anvil, for rounds of N deposit and N redeem requests (N in ASYNC_REQUEST_COUNTS): each request,
the round's close, the venue's fill and the settlement, and a controller's deposit and redeem
claims, each with its lower bound; settlement must not grow with N (claims pay their own way).

The token is BTC3L on an asynchronous BTC-PERP venue (MockAsyncPerpVenue), created through a
factory of its own from the async blueprint, on a collateral of its own. One funded user makes
every request, each for a controller of its own (ERC-7540: the owner pays, the controller is
owed); one of them, `claimer`, is a real account that claims after each round. A seeding round
first gives the user the shares it redeems, and a warm-up round of one request a side fills the
slots a first redeem and a first claim write. Rounds close a round interval apart at an unchanged
oracle price (posted fresh before the close and again, as a new round, before the fill)."""

from __future__ import annotations

from ape import chain, project
from eth_utils import keccak
from web3 import Web3

from bench.floors import COLLATERAL_MEASURED, VENUE_MEASURED, async_floor
from bench.settings import (
    ASYNC_DEPOSIT_ASSETS,
    ASYNC_REDEEM_SHARES,
    ASYNC_REQUEST_COUNTS,
    ASYNC_SEED_ASSETS,
    TOKEN,
)
from bench.trace import COLLATERAL_CALLS, VENUE_CALLS, gas_breakdown
from ltsdk.deploy import ApeBackend, create_token, deploy_core, deploy_market, load_products, oracle_answer
from ltsdk.units import MAX_UINT256, MINUTE

MARKET = "BTC"
FILLED = 2  # IAsyncPerpVenue order status


def controllers(n: int, claimer) -> list[str]:
    """N controllers for a round of N: `claimer` and N - 1 addresses no other round uses."""
    return [claimer.address] + [Web3.to_checksum_address(keccak(text=f"controller {n} {i}")[-20:]) for i in range(1, n)]


class AsyncBench:
    """The async token, its venue and oracle, and the rounds it drives (`admin` holds every role,
    closes and settles, and is the venue's order keeper)."""

    def __init__(self, admin, user):
        self.admin, self.user = admin, user
        backend = ApeBackend(project, admin)
        products = load_products()
        self.market = products["markets"][MARKET]
        self.usdc = project.MockUSDC.deploy(sender=admin)
        decimals = products["collateral"]["decimals"]
        self.oracle, self.venue = deploy_market(backend, self.usdc, MARKET, self.market, decimals, venue_kind="async")
        self.factory = deploy_core(backend, self.usdc)["factory"]
        self.token = create_token(backend, self.factory, MARKET, 3, True, self.venue)
        assert self.token.symbol() == TOKEN and self.factory.is_async_token(self.token)
        for account in (admin, user):  # admin fronts the execution fees
            self.usdc.mint(account, 10 * ASYNC_SEED_ASSETS, sender=account)
            self.usdc.approve(self.token, MAX_UINT256, sender=account)
        self.callees = {VENUE_CALLS: self.venue.address, COLLATERAL_CALLS: self.usdc.address}

    def post_price(self) -> None:
        self.oracle.set_price(oracle_answer(self.market["price"], self.market["oracle_decimals"]), sender=self.admin)

    def close(self):
        due = self.token.last_close() + self.token.round_interval()
        chain.pending_timestamp = max(due, chain.blocks.head.timestamp + MINUTE)
        self.post_price()
        return self.token.close_round(sender=self.admin)

    def fill(self):
        order_id = self.token.rounds(self.token.flight_round()).order_id
        self.post_price()  # a new oracle round, a later block: the venue fills at it
        receipt = self.venue.execute_order(order_id, sender=self.admin)
        assert self.venue.order(order_id).status == FILLED, "the round's order was not filled"
        return receipt

    def seed(self) -> None:
        self.token.requestDeposit(ASYNC_SEED_ASSETS, self.user, self.user, sender=self.user)
        self.close()
        self.fill()
        self.token.settle(sender=self.admin)
        self.token.deposit(ASYNC_SEED_ASSETS, self.user, self.user, sender=self.user)

    def round(self, n: int, claimer) -> dict:
        """One round of n deposit and n redeem requests, then `claimer`'s claims: the receipts."""
        deposits, redeems = [], []
        for controller in controllers(n, claimer):
            deposits.append(self.token.requestDeposit(ASYNC_DEPOSIT_ASSETS, controller, self.user, sender=self.user))
            redeems.append(self.token.requestRedeem(ASYNC_REDEEM_SHARES, controller, self.user, sender=self.user))
        close = self.close()
        fill = self.fill()
        settle = self.token.settle(sender=self.admin)
        claim_deposit = self.token.deposit(ASYNC_DEPOSIT_ASSETS, claimer, claimer, sender=claimer)
        claim_redeem = self.token.redeem(ASYNC_REDEEM_SHARES, claimer, claimer, sender=claimer)
        return {
            "requestDeposit": deposits,
            "requestRedeem": redeems,
            "close_round": close,
            "venue fill (execute_order)": fill,
            "settle": settle,
            "claim deposit": claim_deposit,
            "claim redeem": claim_redeem,
        }

    def calls(self, receipt) -> dict[str, int]:
        """The venue's and the collateral's gas inside `receipt` (its opcode trace)."""
        parts = gas_breakdown(receipt, self.callees)
        return {VENUE_MEASURED: parts[VENUE_CALLS][0], COLLATERAL_MEASURED: parts[COLLATERAL_CALLS][0]}


def measure_async(admin, user, claimer) -> dict:
    """{"gas": {N: {operation: gas or [gas per request]}}, "floors": {row: (gas, items)},
    "blueprint": bytes of the async blueprint}: the rounds of ASYNC_REQUEST_COUNTS and the lower
    bounds of each row, from the smallest round's first requests and the largest round's others."""
    bench = AsyncBench(admin, user)
    bench.seed()
    # warm-up: the first round with redeems and the claimer's first shares fill slots for the
    # first time (+17,100 on settle, +13,680 on a claim); every measured round is a steady one
    bench.round(min(ASYNC_REQUEST_COUNTS), claimer)
    receipts = {n: bench.round(n, claimer) for n in ASYNC_REQUEST_COUNTS}
    gas = {
        n: {
            name: [r.gas_used for r in value] if isinstance(value, list) else value.gas_used
            for name, value in by_name.items()
        }
        for n, by_name in receipts.items()
    }
    smallest, largest = receipts[min(ASYNC_REQUEST_COUNTS)], receipts[max(ASYNC_REQUEST_COUNTS)]
    floors = {}
    for name in ("requestDeposit", "requestRedeem"):
        first = smallest[name][0]
        floors[f"{name}, first of the round"] = (first.gas_used, async_floor(name, first, bench.calls(first), True))
        later = largest[name][len(largest[name]) // 2]
        floors[f"{name}, later"] = (later.gas_used, async_floor(name, later, bench.calls(later), False))
    for name in ("close_round", "settle", "claim deposit", "claim redeem"):
        receipt = largest[name]
        floors[name] = (receipt.gas_used, async_floor(name, receipt, bench.calls(receipt), False))
    blueprint = len(chain.provider.get_code(bench.factory.async_token_blueprint()))
    return {"gas": gas, "floors": floors, "blueprint": blueprint}
