"""The indexer on anvil, on SQLite and on PostgreSQL alike: events by kind, holder positions with
cost basis and PnL, splits without transfers, samples equal to the lens in their block, restarts,
the confirmation depth and reorgs (anvil's evm_snapshot/evm_revert, then other blocks)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from web3 import Web3

from ltsdk import mocks
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
        # the sample of the last block is the lens's row in that block, and values the position
        sample = queries.latest_sample(session, token)
        assert sample is not None and sample.block_number == result.to_block
        lens = admin_sdk.lens.functions.get_states([token]).call(block_identifier=sample.block_number)[0]
        assert (sample.nav_per_share, sample.supply, sample.leverage, sample.price) == (
            lens.nav_per_share,
            lens.supply,
            lens.leverage,
            lens.price,
        )
        assert mine.value == held * sample.nav_per_share // SHARE
        assert mine.unrealized_pnl == mine.value - mine.cost_basis


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
