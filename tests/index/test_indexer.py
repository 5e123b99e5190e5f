"""The indexer on anvil, on SQLite and on PostgreSQL alike: events by kind, holder positions with
cost basis and PnL, splits without transfers, samples equal to the lens in their block, restarts,
the confirmation depth and reorgs (anvil's evm_snapshot/evm_revert, then other blocks)."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from web3 import Web3

from ltsdk import mocks
from ltsdk.calls import Fn
from ltsdk.index import models, queries
from ltsdk.units import USDC

SHARE = 10**18


def _count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_index__deposit_transfer_redeem__positions_match_chain_with_cost_basis_and_pnl(
    database, make_indexer, depositor_sdk, depositor, other_depositor, admin_sdk, chain
):
    btc3l = depositor_sdk.token("BTC3L")
    paid = 1_000 * USDC
    minted = btc3l.deposit(paid)
    given = minted.shares // 4
    btc3l.transact("transfer", other_depositor.address, given)
    mocks.set_price(admin_sdk.w3, admin_sdk.manifest, admin_sdk.account, "BTC", Decimal("63000"))  # +5 %
    redeemed = btc3l.redeem(minted.shares // 2)
    indexer, sessions = make_indexer(database)

    result = indexer.step()

    assert result.to_block == chain.blocks.head.number
    with sessions() as session:
        token = queries.token_address(session, "btc3l")
        held = minted.shares - given - minted.shares // 2
        mine = queries.position(session, token, depositor.address)
        assert mine.shares == btc3l.balance_of(depositor.address) == held
        # the transfer took a quarter of the basis, the redeem two thirds of the rest (pro rata)
        after_transfer = paid - paid * (given) // minted.shares
        removed = after_transfer * (minted.shares // 2) // (minted.shares - given)
        assert mine.cost_basis == after_transfer - removed
        assert mine.realized_pnl == redeemed.assets - removed
        assert mine.assets_in == paid and mine.assets_out == redeemed.assets
        theirs = queries.position(session, token, other_depositor.address)
        assert theirs.shares == btc3l.balance_of(other_depositor.address) == given
        assert theirs.cost_basis == paid * given // minted.shares  # the basis moved with the shares
        assert [row.assets for row in queries.mints(session, token)] == [paid]
        assert [(row.shares, row.assets) for row in queries.redeems(session, token)] == [
            (minted.shares // 2, redeemed.assets)
        ]
        # a sample is the lens's row in its block, and values the position
        sample = queries.latest_sample(session, token)
        assert sample is not None and sample.block_number <= result.to_block
        lens = admin_sdk.lens.functions.get_states([token]).call(block_identifier=sample.block_number)[0]
        assert (sample.nav_per_share, sample.supply, sample.leverage, sample.price) == (
            lens.nav_per_share,
            lens.supply,
            lens.leverage,
            lens.price,
        )
        assert mine.value == held * sample.nav_per_share // SHARE
        assert mine.unrealized_pnl == mine.value - mine.cost_basis
        # the oracle's update is the underlying's price path, in WAD
        assert queries.prices(session, "BTC")[-1].price == 63_000 * 10**18


def test_index__split_then_reverse_split__holders_rescale_without_transfer_events(
    database, make_indexer, depositor_sdk, depositor, other_depositor, admin_sdk
):
    btc3l = depositor_sdk.token("BTC3L")
    minted = btc3l.deposit(1_000 * USDC)
    btc3l.transact("transfer", other_depositor.address, minted.shares // 3)
    indexer, sessions = make_indexer(database)
    indexer.step()
    transfers_before = _count(sessions, models.Transfer)

    admin_sdk.token("BTC3L").split(10)
    indexer.step()

    with sessions() as session:
        token = queries.token_address(session, "BTC3L")
        for holder in (depositor.address, other_depositor.address):
            assert queries.position(session, token, holder).shares == btc3l.balance_of(holder)
        assert queries.position(session, token, depositor.address).shares == 10 * (minted.shares - minted.shares // 3)
        assert [(split.factor, split.is_reverse) for split in queries.splits(session, token)] == [(10, False)]
    assert _count(sessions, models.Transfer) == transfers_before  # a split moves no balance

    admin_sdk.token("BTC3L").split(7, reverse=True)  # floor per holder: the dust is what the ledger drops
    btc3l.transact("transfer", other_depositor.address, 12_345)
    indexer.step()

    with sessions() as session:
        for holder in (depositor.address, other_depositor.address):
            assert queries.position(session, token, holder).shares == btc3l.balance_of(holder)
        assert queries.base_per_share(session, token) == btc3l.contract.functions.base_per_share().call()
        history = queries.holder_history(session, token, other_depositor.address)
        assert history[-1].kind == "transfer_in"
        assert history[-1].shares_after == btc3l.balance_of(other_depositor.address)


def test_index__reverse_split_starts_a_scale_epoch__positions_convert_as_the_ledger_reads_them(
    database, make_indexer, depositor_sdk, depositor, other_depositor, admin_sdk
):
    """Four reverse splits by 10,000 lift the scale past MAX_BASE_PER_SHARE: the fourth starts
    scale epoch 1. Every holder's base units convert as share_ledger.vy reads them, whether the
    holder is touched after the epoch starts (the ledger converts the slot then) or never; a
    restarted indexer reloads the converted positions and follows a split in the new epoch."""
    btc3l = depositor_sdk.token("BTC3L")
    minted = btc3l.deposit(1_000 * USDC)
    btc3l.transact("transfer", other_depositor.address, minted.shares // 3)
    indexer, sessions = make_indexer(database)
    indexer.step()

    for _ in range(4):
        admin_sdk.token("BTC3L").split(10_000, reverse=True)
    assert btc3l.contract.functions.share_epoch().call() == 1
    indexer.step()

    def assert_positions_match_the_ledger():
        with sessions() as session:
            token = queries.token_address(session, "BTC3L")
            assert queries.base_per_share(session, token) == btc3l.contract.functions.base_per_share().call()
            held = {row.holder: row.shares for row in queries.holders(session, token)}
            for holder in {*held, depositor.address, other_depositor.address}:
                assert queries.position(session, token, holder).shares == btc3l.balance_of(holder), holder
            return token, held

    token, held = assert_positions_match_the_ledger()
    assert held[depositor.address] > 0 and held[other_depositor.address] > 0
    with sessions() as session:
        assert queries.holder_history(session, token, other_depositor.address)[-1].kind == "epoch"

    btc3l.transact("transfer", other_depositor.address, 1)  # both slots now rewritten in epoch 1
    restarted, _ = make_indexer(database)  # a new process: positions come back from the rows
    restarted.step()
    assert_positions_match_the_ledger()

    admin_sdk.token("BTC3L").split(10)  # the new epoch's scale divides like the first one's
    btc3l.transact("transfer", other_depositor.address, 7)
    restarted.step()
    assert_positions_match_the_ledger()


def test_index__reorg_after_snapshot_revert__rows_past_the_fork_rolled_back(
    database, make_indexer, depositor_sdk, other_depositor_sdk, depositor, other_depositor, chain
):
    indexer, sessions = make_indexer(database)
    indexer.step()
    fork = chain.blocks.head.number
    snapshot = chain.snapshot()
    depositor_sdk.token("BTC3L").deposit(1_000 * USDC)
    depositor_sdk.token("ETH3S").deposit(500 * USDC)
    indexer.step()
    with sessions() as session:
        assert len(queries.mints(session, queries.token_address(session, "ETH3S"))) == 1

    chain.restore(snapshot)  # evm_revert: the blocks after the snapshot are gone
    replaced = other_depositor_sdk.token("BTC3L").deposit(2_000 * USDC)
    for _ in range(6):  # the new branch grows past the old head
        chain.mine()
    result = indexer.step()

    assert result.fork is not None and result.fork <= fork
    assert result.to_block == chain.blocks.head.number
    with sessions() as session:
        btc3l = queries.token_address(session, "BTC3L")
        eth3s = queries.token_address(session, "ETH3S")
        assert queries.mints(session, eth3s) == []
        assert [(mint.owner, mint.assets) for mint in queries.mints(session, btc3l)] == [
            (other_depositor.address, 2_000 * USDC)
        ]
        assert queries.position(session, btc3l, depositor.address).shares == 0
        assert queries.position(session, btc3l, other_depositor.address).shares == replaced.shares
        # every block the index keeps is the node's block of that number
        w3 = chain.provider.web3
        for block in session.scalars(select(models.Block)):
            assert block.block_hash == Web3.to_hex(w3.eth.get_block(block.block_number)["hash"])


def test_index__restart__resumes_after_its_last_block_without_duplicates(
    database, make_indexer, depositor_sdk, depositor
):
    btc3l = depositor_sdk.token("BTC3L")
    btc3l.deposit(1_000 * USDC)
    first, sessions = make_indexer(database)
    done = first.step()
    events_before = _count(sessions, models.Event)

    btc3l.deposit(500 * USDC)
    again, _ = make_indexer(database)  # a new process on the same database
    resumed = again.step()

    assert resumed.from_block == done.to_block
    assert _count(sessions, models.Event) == events_before + resumed.logs
    with sessions() as session:
        token = queries.token_address(session, "BTC3L")
        assert [mint.assets for mint in queries.mints(session, token)] == [1_000 * USDC, 500 * USDC]
        position = queries.position(session, token, depositor.address)
        assert position.shares == btc3l.balance_of(depositor.address)
        assert position.cost_basis == 1_500 * USDC


def test_index__confirmation_depth__stays_that_many_blocks_behind_the_head(
    database, make_indexer, depositor_sdk, chain
):
    depositor_sdk.token("BTC3L").deposit(1_000 * USDC)  # approve, then deposit: the last block
    indexer, sessions = make_indexer(database, confirmations=3)

    result = indexer.step()

    head = chain.blocks.head.number
    assert result.to_block == head - 3
    with sessions() as session:
        assert queries.indexed_block(session) == head - 3
        assert queries.mints(session, queries.token_address(session, "BTC3L")) == []  # not yet confirmed
    chain.mine(3)
    indexer.run(poll_seconds=0, steps=1)  # the loop `ltsdk index` runs, one step
    with sessions() as session:
        assert len(queries.mints(session, queries.token_address(session, "BTC3L"))) == 1


def test_index__rebalance_funding_and_parameter_changes__stored_by_kind_with_a_sample_in_the_block(
    database, make_indexer, depositor_sdk, admin_sdk, chain
):
    depositor_sdk.token("BTC3L").deposit(10_000 * USDC)
    keeper = admin_sdk.token("BTC3L")
    venue = admin_sdk.manifest["markets"]["BTC"]["adapter"]
    mocks.send(admin_sdk.w3, admin_sdk.account, Fn(venue, "MockPerpAdapter", "set_funding_rate_per_second", (10**11,)))
    mocks.warp(admin_sdk.w3, admin_sdk.manifest, admin_sdk.account, 3600)  # an hour of funding and fees
    mocks.set_price(admin_sdk.w3, admin_sdk.manifest, admin_sdk.account, "BTC", Decimal("72000"))  # +20 %: band
    rebalanced = keeper.rebalance()
    depositor_sdk.token("BTC3L").deposit(100 * USDC)  # the management fee accrues on a share-changing call
    keeper.configure("set_fees", 10, 10, 500)  # a fee rise is queued behind the delay
    keeper.transact("collect_fees")  # the mint fee, to the fee recipient
    indexer, sessions = make_indexer(database)

    indexer.step()

    with sessions() as session:
        token = queries.token_address(session, "BTC3L")
        [rebalance] = queries.rebalances(session, token)
        assert (rebalance.reason, rebalance.size_after, rebalance.leverage_after) == (
            rebalanced.reason,
            rebalanced.size_after,
            rebalanced.leverage_after,
        )
        trades = queries.trades(session, token)
        assert len(trades) == 3  # two mints' and the rebalance's
        assert trades[1].size_after == rebalanced.size_after
        assert trades[1].block_number == rebalance.block_number
        assert [funding.amount for funding in queries.fundings(session, token)]  # settled at the rebalance
        sample = queries.latest_sample(session, token, rebalance.block_number)
        assert sample is not None and sample.block_number == rebalance.block_number
        assert sample.size == rebalanced.size_after  # the state right after the rebalance's block
        [queued] = [change for change in queries.parameter_changes(session, token) if change.action == "queued"]
        assert queued.name == "ChangeQueued" and queued.eta is not None and queued.eta > chain.blocks.head.timestamp
        fees = queries.fees(session, token)
        assert {fee.kind for fee in fees} == {"management", "collected"}
        recipient = queries.position(session, token, fees[0].fee_recipient)
        assert recipient.shares == keeper.balance_of(fees[0].fee_recipient) > 0
        assert recipient.cost_basis == 0  # fee shares cost their holder nothing
        assert {event.name for event in queries.events(session, token)} >= {"Deposit", "Rebalanced", "Traded"}


def test_migrations__applied_on_start__schema_equals_the_models(empty_database):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from ltsdk.index import db

    engine, _ = db.open_database(empty_database)
    db.migrate(engine)  # a second start applies nothing and changes nothing

    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), models.Base.metadata) == []
        head = ScriptDirectory.from_config(db.alembic_config()).get_current_head()
        assert MigrationContext.configure(connection).get_current_revision() == head


def test_index__sample_interval__samples_at_read_blocks_no_closer_than_the_interval(
    database, make_indexer, depositor_sdk, admin_sdk
):
    btc3l = depositor_sdk.token("BTC3L")
    for _ in range(3):
        btc3l.deposit(100 * USDC)
        mocks.warp(admin_sdk.w3, admin_sdk.manifest, admin_sdk.account, 400)  # oracles re-posted: logs
    indexer, sessions = make_indexer(database, sample_interval=600)

    indexer.step()

    with sessions() as session:
        times = [sample.timestamp for sample in queries.samples(session, queries.token_address(session, "BTC3L"))]
    assert len(times) >= 2
    assert all(later - earlier >= 600 for earlier, later in itertools.pairwise(times))


def test_index__ripcord_then_shutdown__stored_with_samples_showing_them(
    database, make_indexer, depositor_sdk, admin_sdk, depositor
):
    depositor_sdk.token("BTC3L").deposit(5_000 * USDC)
    mocks.set_price(admin_sdk.w3, admin_sdk.manifest, admin_sdk.account, "BTC", Decimal("51000"))  # -15 %: 4.6x
    guard = admin_sdk.token("BTC3L")
    ripcorded = guard.ripcord()
    guard.transact("emergency_shutdown")
    indexer, sessions = make_indexer(database)

    indexer.step()

    with sessions() as session:
        token = queries.token_address(session, "BTC3L")
        [ripcord] = queries.ripcords(session, token)
        assert (ripcord.caller, ripcord.reward, ripcord.leverage_after) == (
            admin_sdk.account.address,
            ripcorded.reward,
            ripcorded.leverage_after,
        )
        assert queries.latest_sample(session, token, ripcord.block_number).block_number == ripcord.block_number
        [shutdown] = [row for row in queries.lifecycle(session, token) if row.name == "Shutdown"]
        last = queries.latest_sample(session, token)
        assert last.block_number == shutdown.block_number and last.is_shutdown
        assert queries.position(session, token, depositor.address).shares == depositor_sdk.token("BTC3L").balance_of(
            depositor.address
        )


def test_index__venue_liquidates_a_token__liquidation_stored_for_that_token(
    database, make_indexer, depositor_sdk, admin_sdk
):
    depositor_sdk.token("BTC3L").deposit(5_000 * USDC)
    mocks.set_price(admin_sdk.w3, admin_sdk.manifest, admin_sdk.account, "BTC", Decimal("40800"))  # -32 %: 3x is under
    venue = admin_sdk.manifest["markets"]["BTC"]["adapter"]
    token = admin_sdk.token("BTC3L").address
    mocks.send(admin_sdk.w3, admin_sdk.account, Fn(venue, "MockPerpAdapter", "liquidate", (token,)))
    indexer, sessions = make_indexer(database)

    indexer.step()

    with sessions() as session:
        [liquidation] = queries.liquidations(session, token)
        assert liquidation.liquidator == admin_sdk.account.address
        assert liquidation.venue == venue
        assert liquidation.size > 0 and liquidation.price == 40_800 * 10**18


def test_index__token_added_to_the_manifest_later__followed_from_then_unless_it_had_holders(
    database, make_indexer, manifest, depositor_sdk, depositor
):
    without = {**manifest, "tokens": {k: v for k, v in manifest["tokens"].items() if k not in ("BTC5S", "ETH3S")}}
    first, sessions = make_indexer(database, manifest=without)
    first.step()
    depositor_sdk.token("ETH3S").deposit(100 * USDC)  # holders before the indexer knew the token
    first.step()

    with pytest.raises(ValueError, match="ETH3S already had"):
        make_indexer(
            database, manifest={**manifest, "tokens": {k: v for k, v in manifest["tokens"].items() if k != "BTC5S"}}
        )

    later, _ = make_indexer(
        database, manifest={**without, "tokens": {**without["tokens"], "BTC5S": manifest["tokens"]["BTC5S"]}}
    )
    minted = depositor_sdk.token("BTC5S").deposit(300 * USDC)
    later.step()

    with sessions() as session:
        btc5s = queries.token_address(session, "BTC5S")
        position = queries.position(session, btc5s, depositor.address)
        assert (position.shares, position.cost_basis) == (minted.shares, 300 * USDC)
