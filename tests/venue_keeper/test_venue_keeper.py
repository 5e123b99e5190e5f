"""The venue keeper (ltsdk.venue_keeper) against a real anvil: it executes an order in a later block
at an oracle round published after it, lets the venue refuse an order whose acceptable price is
missed, closes an expired order, sends nothing for an order already closed (a second keeper, a
restart, another keeper's shard), and its CLI and Silverback bot refuse bad input with one line and
exit status 2 before sending anything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from venue_market import EXECUTION_FEE, answer, wad

from ltsdk import errors
from ltsdk.calls import Call
from ltsdk.replica.async_venue import EXPIRED, FILLED, PENDING, REFUSED, REFUSED_PRICE, Order
from ltsdk.venue_keeper import EXECUTE, EXPIRE, Head, Round, VenuePolicy, next_step, takes

LTSDK = str(Path(sys.executable).parent / "ltsdk")
REPO = Path(__file__).resolve().parents[2]
ORDER_EXPIRY = 600  # MockAsyncPerpVenue's default


def order_of(venue, order_id: int) -> Order:
    return Order(*venue.order(order_id))


def nonce_of(chain, actor) -> int:
    return chain.provider.web3.eth.get_transaction_count(actor.address, "pending")


def executions_of(chain, venue, order_id: int) -> int:
    """How many OrderExecuted events the venue logged for `order_id`."""
    logs = venue.OrderExecuted.range(0, chain.blocks.head.number + 1, search_topics={"order_id": order_id})
    return len(list(logs))


# ------------------------------------------------------------------ the step, pure


def test_next_step__each_condition_of_the_venue__decides_the_step():
    order = Order("0x" + "11" * 20, 10**18, 0, 0, EXECUTION_FEE, 1_000, 10, 5)
    later = Round(6, 1_000)
    assert next_step(order, Head(10, 1_000), later, ORDER_EXPIRY) == (None, "the creation block is the head")
    assert next_step(order, Head(11, 1_001), Round(5, 1_001), ORDER_EXPIRY) == (None, "no oracle round after the order")
    assert next_step(order, Head(11, 1_001), Round(6, 999), ORDER_EXPIRY) == (None, "no oracle round after the order")
    assert next_step(order, Head(11, 1_001), later, ORDER_EXPIRY) == (EXECUTE, "")
    assert next_step(order, Head(11, 1_000 + ORDER_EXPIRY), later, ORDER_EXPIRY) == (EXECUTE, "")  # the last second
    assert next_step(order, Head(11, 1_001 + ORDER_EXPIRY), later, ORDER_EXPIRY) == (EXPIRE, "")


def test_takes__another_shards_order__only_after_the_takeover_delay():
    order = Order("0x" + "11" * 20, 10**18, 0, 0, EXECUTION_FEE, 1_000, 10, 5)
    first, second = VenuePolicy(shards=2, shard=0, takeover_seconds=30), VenuePolicy(shards=2, shard=1)
    assert takes(4, order, EXECUTE, 1_000, ORDER_EXPIRY, first) and not takes(
        4, order, EXECUTE, 1_029, ORDER_EXPIRY, second
    )
    assert takes(4, order, EXECUTE, 1_030, ORDER_EXPIRY, second)  # shard 0's keeper is late: shard 1 takes it
    expires = 1_000 + ORDER_EXPIRY
    assert not takes(5, order, EXPIRE, expires + 29, ORDER_EXPIRY, first) and takes(
        5, order, EXPIRE, expires + 30, ORDER_EXPIRY, first
    )
    with pytest.raises(ValueError, match="shard 2 of 2"):
        VenuePolicy(shards=2, shard=2)


# ------------------------------------------------------------------ on the chain


def test_order__oracle_round_after_it__executed_in_a_later_block_at_that_round(
    chain, kept_venue, usdc, keeper, depositor, place_order, publish, make_venue_keeper, venue_keeper_logs
):
    order_id = place_order(depositor, 0.1, 1_000, 61_000)
    venue_keeper = make_venue_keeper()

    assert [o.detail for o in venue_keeper.tick()] == ["the creation block is the head"]
    chain.mine()
    assert [o.detail for o in venue_keeper.tick()] == ["no oracle round after the order"]
    assert order_of(kept_venue, order_id).status == PENDING
    publish(60_100)
    fees_before = usdc.balanceOf(keeper)

    outcomes = venue_keeper.tick()

    assert [(o.order_id, o.status) for o in outcomes] == [(order_id, "filled")]
    order = order_of(kept_venue, order_id)
    fill = kept_venue.fill_of(order_id)
    assert order.status == FILLED
    assert fill.oracle_price == wad(60_100) and fill.size_delta == 10**17 and fill.keeper == keeper.address
    assert usdc.balanceOf(keeper) - fees_before == EXECUTION_FEE
    executed = [line for line in venue_keeper_logs() if line["event"] == "executed"]
    assert len(executed) == 1 and executed[0]["order_id"] == order_id and executed[0]["ts"]
    assert executed[0]["block"] > order.created_block and executed[0]["oracle_price"] == wad(60_100)
    assert venue_keeper.tick() == []  # nothing left open


def test_order__acceptable_price_missed__refused_and_its_collateral_returned(
    chain, kept_venue, usdc, depositor, place_order, publish, make_venue_keeper, venue_keeper_logs
):
    before = usdc.balanceOf(depositor)
    order_id = place_order(depositor, 0.1, 1_000, 60_000)  # a buy at no more than 60,000
    minted = 1_000 * 10**6 + EXECUTION_FEE  # what place_order minted to pay for it
    publish(61_000)

    outcomes = make_venue_keeper().tick()

    assert [(o.order_id, o.status, o.detail) for o in outcomes] == [(order_id, "refused", "acceptable price missed")]
    order = order_of(kept_venue, order_id)
    assert order.status == REFUSED and order.refusal == REFUSED_PRICE
    assert usdc.balanceOf(depositor) == before + minted - EXECUTION_FEE  # the collateral back, the fee spent
    assert kept_venue.position(depositor)[0] == 0
    refused = [line for line in venue_keeper_logs() if line["event"] == "refused"]
    assert refused[0]["collateral_returned"] == 1_000 * 10**6


def test_order__past_its_expiry__closed_by_the_keeper_and_its_collateral_returned(
    chain, kept_venue, usdc, keeper, depositor, place_order, make_venue_keeper, venue_keeper_logs
):
    before = usdc.balanceOf(depositor)
    order_id = place_order(depositor, -0.1, 500, 59_000)
    venue_keeper = make_venue_keeper()
    venue_keeper.tick()  # seen, waiting: no price after it
    created_at = order_of(kept_venue, order_id).created_at
    chain.mine(timestamp=created_at + kept_venue.order_expiry() + 1)
    fees_before = usdc.balanceOf(keeper)

    outcomes = venue_keeper.tick()

    assert [(o.order_id, o.status, o.step) for o in outcomes] == [(order_id, "expired", EXPIRE)]
    assert order_of(kept_venue, order_id).status == EXPIRED
    assert usdc.balanceOf(depositor) == before + 500 * 10**6  # the collateral back; the fee was the price
    assert usdc.balanceOf(keeper) - fees_before == EXECUTION_FEE
    assert [line["order_id"] for line in venue_keeper_logs() if line["event"] == "expired"] == [order_id]


def tick_together(keepers) -> list[list]:
    """One tick of each keeper, all at once (a thread each): their outcomes, in order."""
    results: dict[int, list] = {}

    def run(index: int) -> None:
        results[index] = keepers[index].tick()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(keepers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return [results[index] for index in range(len(keepers))]


@pytest.mark.parametrize(("reasonless_reverts", "expected"), [(1, "filled"), (2, "failed")])
def test_simulation_reverts_without_a_reason__tried_once_more__only_a_second_revert_fails(
    reasonless_reverts,
    expected,
    chain,
    kept_venue,
    depositor,
    place_order,
    publish,
    make_venue_keeper,
    venue_keeper_logs,
):
    """What anvil answers when a call meets a block being mined: a revert without a reason."""
    order_id = place_order(depositor, 0.1, 1_000, 61_000)
    chain.mine()
    publish(60_100)
    venue_keeper = make_venue_keeper()
    simulate, left = venue_keeper.node.execute, [reasonless_reverts]

    def reverts_without_a_reason_first(call):
        if isinstance(call, Call) and call.fn.name == EXECUTE and left[0]:  # the step's simulation
            left[0] -= 1
            raise errors.TransactionFailed("transaction reverted without a reason")
        return simulate(call)

    venue_keeper.node.execute = reverts_without_a_reason_first

    outcomes = venue_keeper.tick()

    assert [(o.order_id, o.status) for o in outcomes] == [(order_id, expected)]
    assert order_of(kept_venue, order_id).status == (FILLED if expected == "filled" else PENDING)
    assert [line["order_id"] for line in venue_keeper_logs() if line["event"] == "simulation_repeated"] == [order_id]


def test_two_sharded_venue_keepers__one_chain__each_order_sent_and_executed_exactly_once(
    chain, kept_venue, keeper, other_venue_keeper, depositor, other_depositor, place_order, publish, make_venue_keeper
):
    orders = [
        place_order(trader, 0.01 * (n + 1), 200, 70_000) for n in range(3) for trader in (depositor, other_depositor)
    ]
    publish(60_050)
    actors = (keeper, other_venue_keeper)
    keepers = [make_venue_keeper(actor, shards=2, shard=n) for n, actor in enumerate(actors)]
    nonces = [nonce_of(chain, actor) for actor in actors]

    results = tick_together(keepers)

    assert all(order_of(kept_venue, order_id).status == FILLED for order_id in orders)
    assert all(executions_of(chain, kept_venue, order_id) == 1 for order_id in orders)
    for n, outcomes in enumerate(results):
        mine = [order_id for order_id in orders if order_id % 2 == n]
        assert [o.order_id for o in outcomes if o.status == "filled"] == mine
        assert all(o.status in ("filled", "waiting") for o in outcomes)  # the other shard's: left to it
    sent = [nonce_of(chain, actor) - before for actor, before in zip(actors, nonces, strict=True)]
    assert sum(sent) == len(orders)  # one transaction per order, none reverted
    assert [k.tick() for k in keepers] == [[], []]


def test_two_unsharded_venue_keepers__racing__each_order_executed_exactly_once(
    chain, kept_venue, keeper, other_venue_keeper, depositor, other_depositor, place_order, publish, make_venue_keeper
):
    orders = [
        place_order(trader, 0.01 * (n + 1), 200, 70_000) for n in range(3) for trader in (depositor, other_depositor)
    ]
    publish(60_050)
    keepers = [make_venue_keeper(keeper), make_venue_keeper(other_venue_keeper)]

    results = tick_together(keepers)

    assert all(order_of(kept_venue, order_id).status == FILLED for order_id in orders)
    assert all(executions_of(chain, kept_venue, order_id) == 1 for order_id in orders)
    filled = sorted(o.order_id for outcomes in results for o in outcomes if o.status == "filled")
    assert filled == orders  # each order filled by exactly one of them; the other's outcome a no-op
    assert all(o.status in ("filled", "noop") for outcomes in results for o in outcomes)
    nonces = [nonce_of(chain, keeper), nonce_of(chain, other_venue_keeper)]
    assert [k.tick() for k in keepers] == [[], []]
    assert [nonce_of(chain, keeper), nonce_of(chain, other_venue_keeper)] == nonces  # nothing sent again


def test_order_closed_by_another_keeper__next_tick__sends_nothing(
    chain, kept_venue, keeper, other_venue_keeper, depositor, place_order, publish, make_venue_keeper
):
    order_id = place_order(depositor, 0.05, 500, 70_000)
    late = make_venue_keeper(other_venue_keeper)
    late.tick()  # it knows the order, waiting for a round
    publish(60_010)
    assert [o.status for o in make_venue_keeper(keeper).tick()] == ["filled"]
    nonce = nonce_of(chain, other_venue_keeper)

    assert late.tick() == []

    assert nonce_of(chain, other_venue_keeper) == nonce and executions_of(chain, kept_venue, order_id) == 1


def test_sharded_venue_keeper__the_other_keeper_down__takes_its_orders_after_the_takeover_delay(
    chain, kept_venue, keeper, depositor, place_order, publish, make_venue_keeper
):
    orders = [place_order(depositor, 0.01, 200, 70_000) for _ in range(2)]
    publish(60_060)
    alone = make_venue_keeper(keeper, shards=2, shard=0, takeover_seconds=30)  # shard 1's keeper never comes

    first = {o.order_id: o.status for o in alone.tick()}
    assert first == {order_id: "filled" if order_id % 2 == 0 else "waiting" for order_id in orders}
    late = next(order_id for order_id in orders if order_id % 2 == 1)
    chain.mine(timestamp=order_of(kept_venue, late).created_at + 30)
    publish(60_070)

    assert [(o.order_id, o.status) for o in alone.tick()] == [(late, "filled")]


def test_restarted_venue_keeper__orders_it_executed__sends_nothing(
    chain, kept_venue, keeper, depositor, place_order, publish, make_venue_keeper
):
    orders = [place_order(depositor, 0.02, 300, 70_000) for _ in range(2)]
    publish(60_020)
    assert [o.status for o in make_venue_keeper().tick()] == ["filled", "filled"]
    nonce = nonce_of(chain, keeper)

    restarted = make_venue_keeper()  # a new process: nothing remembered but the chain

    assert restarted.tick() == []
    assert nonce_of(chain, keeper) == nonce and all(executions_of(chain, kept_venue, o) == 1 for o in orders)


def test_stale_oracle__order_waits__executed_once_a_fresh_round_comes(
    chain, kept_venue, kept_oracle, admin, depositor, place_order, publish, make_venue_keeper
):
    order_id = place_order(depositor, 0.05, 500, 70_000)
    head = chain.blocks.head.timestamp
    # a round after the order, stamped after it but already older than the venue's max_oracle_age
    kept_venue.set_max_oracle_age(1, sender=admin)
    kept_oracle.set_round_data(answer(60_000), head, 0, sender=admin)
    chain.mine(timestamp=head + 5)
    venue_keeper = make_venue_keeper()

    assert [(o.status, o.detail) for o in venue_keeper.tick()] == [("waiting", "venue: stale price")]
    kept_venue.set_max_oracle_age(3_600, sender=admin)
    publish(60_000)
    assert [o.status for o in venue_keeper.tick()] == ["filled"]
    assert order_of(kept_venue, order_id).status == FILLED


# ------------------------------------------------------------------ the CLI


def ltsdk(*args, key=None):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LT_")}
    if key:
        environment["LT_PRIVATE_KEY"] = key
    return subprocess.run([LTSDK, *args], check=False, capture_output=True, text=True, env=environment, timeout=120)


def test_venue_keeper_cli__one_tick__executes_a_ready_order(
    rpc_url, kept_venue, keeper, depositor, place_order, publish
):
    order_id = place_order(depositor, 0.03, 300, 70_000)
    publish(60_030)

    result = ltsdk("venue-keeper", kept_venue.address, "--rpc", rpc_url, "--ticks", "1", key=keeper.private_key)

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["event"] for line in lines] == ["start", "executed", "shutdown"]
    assert lines[1]["order_id"] == order_id and order_of(kept_venue, order_id).status == FILLED


CLI_CASES = {
    "not an address": (("0x123",), "keeper", "VENUE must be a 0x-prefixed 20-byte address"),
    "zero interval": (("{venue}", "--interval", "0"), "keeper", "--interval must be positive"),
    "zero ticks": (("{venue}", "--ticks", "0"), "keeper", "--ticks must be at least 1"),
    "order id zero": (("{venue}", "--from-order", "0"), "keeper", "--from-order must be at least 1"),
    "no key": (("{venue}",), None, "NoSigner"),
    "no contract there": (("0x" + "12" * 20,), "keeper", "no contract at"),
    "not a venue": (("{usdc}",), "keeper", "is not an asynchronous venue"),
    "not an order keeper": (("{venue}",), "outsider", "is not an order keeper of"),
    "shard out of range": (("{venue}", "--shard", "2/2"), "keeper", "--shard: a shard must be I/N with 0 <= I < N"),
    "shard not a fraction": (("{venue}", "--shard", "first"), "keeper", "--shard: a shard must be I/N"),
    "negative takeover": (("{venue}", "--takeover", "-1"), "keeper", "--takeover must be zero or more"),
}


@pytest.mark.parametrize("case", CLI_CASES)
def test_venue_keeper_cli__bad_input__one_line_exit_two_and_nothing_sent(
    case, chain, rpc_url, kept_venue, usdc, keeper, outsider, depositor, place_order, publish, ltsdk_in_process
):
    args, role, message = CLI_CASES[case]
    place_order(depositor, 0.01, 100, 70_000)
    publish(60_040)  # an order ready: a keeper that started would execute it
    signer = {"keeper": keeper, "outsider": outsider, None: keeper}[role]
    args = tuple(arg.format(venue=kept_venue.address, usdc=usdc.address) for arg in args)
    before = nonce_of(chain, signer)

    ticks = () if "--ticks" in args else ("--ticks", "1")  # a keeper that did start stops
    key = {"LT_PRIVATE_KEY": signer.private_key} if role else {}
    code, stdout, stderr = ltsdk_in_process("venue-keeper", *args, "--rpc", rpc_url, *ticks, env=key)

    assert code == 2, (stdout, stderr)
    assert len(stderr.splitlines()) == 1 and "Traceback" not in stderr, stderr
    assert stderr.startswith("ltsdk: ") and message in stderr, stderr
    assert nonce_of(chain, signer) == before and stdout == ""


# ------------------------------------------------------------------ the Silverback bot


def bot_env(rpc_url, **variables):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LT_")}
    return {
        **environment,
        "APE_FOUNDRY_HOST": rpc_url,
        "SILVERBACK_NETWORK_CHOICE": "ethereum:local:foundry",
        "PYTHONPATH": str(REPO),
        **variables,
    }


def test_silverback_bot__one_block_task__executes_a_ready_order(
    rpc_url, kept_venue, keeper, depositor, place_order, publish
):
    order_id = place_order(depositor, 0.02, 300, 70_000)
    publish(60_080)
    env = bot_env(rpc_url, LT_VENUE=kept_venue.address, LT_PRIVATE_KEY=keeper.private_key)
    script = "import bots.venue_keeper as m; print('counts', m.keep())"

    done = subprocess.run(
        [sys.executable, "-c", script], check=False, cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )

    assert done.returncode == 0, done.stderr[-3000:]
    assert "counts {'filled': 1}" in done.stdout
    assert order_of(kept_venue, order_id).status == FILLED


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({}, "LT_VENUE must be the venue's"),
        ({"LT_VENUE": "{venue}"}, "set LT_PRIVATE_KEY"),
        ({"LT_VENUE": "{venue}", "LT_PRIVATE_KEY": "0x12"}, "LT_PRIVATE_KEY is not a private key"),
        ({"LT_VENUE": "{venue}", "LT_PRIVATE_KEY": "{key}", "LT_VENUE_SHARD": "1/1"}, "LT_VENUE_SHARD: a shard"),
    ],
)
def test_silverback_bot__bad_environment__one_line_exit_two(rpc_url, kept_venue, keeper, variables, message):
    filled = {name: value.format(venue=kept_venue.address, key=keeper.private_key) for name, value in variables.items()}

    done = subprocess.run(
        [sys.executable, "-c", "import bots.venue_keeper"],
        check=False,
        cwd=REPO,
        env=bot_env(rpc_url, **filled),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.splitlines() == [done.stderr.strip()] and message in done.stderr, done.stderr
