"""The indexer's tables as SQLAlchemy 2 typed ORM models: one home for the schema, which the Alembic
migrations in ltsdk/index/migrations create and the indexer, the queries and the dashboard read.

Units are the chain's, never converted: assets in collateral base units, shares in 18-decimal wei,
prices and leverage WAD, fees basis points, sizes WAD of underlying (signed), times Unix seconds.
Every chain quantity is a `ChainInt` (exact up to 256 bits on SQLite and PostgreSQL alike).

Every row written from a block carries `block_number`: a reorg rolls back by deleting every row
past the fork (`BLOCK_TABLES`), so nothing here is an aggregate that a deletion could not undo.
Holder positions are the latest `HolderChange` row per (token, holder); a Split rescales them
without a row of its own, because balances are kept in the token's base units (share_ledger.vy):
shares = base // base_per_share, with base_per_share from the token's first value and its splits.
Only a reverse split that starts a new scale epoch writes a row per holder (kind "epoch"): it
converts their base units into the new epoch's, as the ledger reads them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Dialect, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

ADDRESS = String(42)  # checksummed 0x address
HASH = String(66)  # 0x + 32 bytes


class ChainInt(TypeDecorator[int]):
    """A Python int of up to 256 bits, signed or not, stored exactly: NUMERIC(78, 0) on PostgreSQL,
    its decimal text elsewhere (SQLite's INTEGER holds 64 bits and its NUMERIC rounds to a float).
    Compare and add these in Python (ltsdk.index.queries), not in SQL: text does not sort as numbers."""

    impl = String(80)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(78, 0))
        return dialect.type_descriptor(String(80))

    def process_bind_param(self, value: int | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return int(value)
        return str(int(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else int(value)


class Base(DeclarativeBase):
    pass


# ---------------------------------------------------------------- the indexer's own state


class Cursor(Base):
    """How far the indexer has gone: one row per followed deployment (its lens address)."""

    __tablename__ = "cursor"

    lens: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    start_block: Mapped[int] = mapped_column(BigInteger)  # the first block indexed
    last_block: Mapped[int] = mapped_column(BigInteger)  # every event up to here is stored
    last_sample_time: Mapped[int] = mapped_column(BigInteger, default=0)  # block time of the last sample


class Block(Base):
    """The hash of every block the indexer stored rows from, and of each block it stopped at: a stored
    hash that differs from the chain's reveals a reorg, and the highest one that agrees is the fork."""

    __tablename__ = "block"

    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    block_hash: Mapped[str] = mapped_column(HASH)
    timestamp: Mapped[int] = mapped_column(BigInteger)


class Token(Base):
    """A followed token, from the manifest. `initial_base_per_share` is the ledger's scale at
    `first_block` (before any event indexed); each later Split changes it (`Split.base_per_share_after`)."""

    __tablename__ = "token"

    address: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    symbol: Mapped[str] = mapped_column(String(32), index=True)
    market: Mapped[str | None] = mapped_column(String(16))
    leverage: Mapped[int | None] = mapped_column(BigInteger)  # whole units, as the name says
    is_long: Mapped[bool | None]
    adapter: Mapped[str | None] = mapped_column(ADDRESS)  # the venue
    oracle: Mapped[str | None] = mapped_column(ADDRESS)
    first_block: Mapped[int] = mapped_column(BigInteger)
    initial_base_per_share: Mapped[int] = mapped_column(ChainInt)


# ---------------------------------------------------------------- rows from blocks


class BlockRow:
    """A row that came from one block: deleted when that block is reorged away."""

    block_number: Mapped[int] = mapped_column(BigInteger, index=True)


class EventRow(BlockRow):
    """A row for one log: (block_number, log_index) is its key; `token` is the token it concerns."""

    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tx_hash: Mapped[str] = mapped_column(HASH)
    timestamp: Mapped[int] = mapped_column(BigInteger)


class Event(EventRow, Base):
    """Every log the indexer decoded, by name with its arguments (ints as decimal text when they would
    not fit a JavaScript number): the activity feed, and the source of the typed tables below."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_token_name", "token", "name"),)

    address: Mapped[str] = mapped_column(ADDRESS)  # the emitting contract
    token: Mapped[str | None] = mapped_column(ADDRESS)
    name: Mapped[str] = mapped_column(String(40))
    args: Mapped[dict[str, Any]] = mapped_column(JSON)


class Mint(EventRow, Base):
    """ERC-4626 Deposit: `sender` paid `assets` (fees included) for `shares` to `owner`."""

    __tablename__ = "mint"

    token: Mapped[str] = mapped_column(ForeignKey("token.address"), index=True)
    sender: Mapped[str] = mapped_column(ADDRESS)
    owner: Mapped[str] = mapped_column(ADDRESS, index=True)
    assets: Mapped[int] = mapped_column(ChainInt)
    shares: Mapped[int] = mapped_column(ChainInt)


class Redeem(EventRow, Base):
    """ERC-4626 Withdraw: `owner`'s `shares` burnt, `assets` (after the redeem fee) paid to `receiver`."""

    __tablename__ = "redeem"

    token: Mapped[str] = mapped_column(ForeignKey("token.address"), index=True)
    sender: Mapped[str] = mapped_column(ADDRESS)
    receiver: Mapped[str] = mapped_column(ADDRESS)
    owner: Mapped[str] = mapped_column(ADDRESS, index=True)
    assets: Mapped[int] = mapped_column(ChainInt)
    shares: Mapped[int] = mapped_column(ChainInt)


class Transfer(EventRow, Base):
    """An ERC-20 Transfer of shares (from 0x0: a mint, to 0x0: a burn); `base` is the same amount in
    the ledger's base units at that block (shares x base_per_share)."""

    __tablename__ = "transfer"

    token: Mapped[str] = mapped_column(ForeignKey("token.address"), index=True)
    sender: Mapped[str] = mapped_column(ADDRESS, index=True)
    receiver: Mapped[str] = mapped_column(ADDRESS, index=True)
    shares: Mapped[int] = mapped_column(ChainInt)
    base: Mapped[int] = mapped_column(ChainInt)


class Rebalance(EventRow, Base):
    """Rebalanced: reason 1 SCHEDULED, 2 BAND, 3 CHUNK, 4 RIPCORD; sizes WAD signed, price the
    execution price (WAD), leverage WAD."""

    __tablename__ = "rebalance"

    token: Mapped[str] = mapped_column(ForeignKey("token.address"), index=True)
    reason: Mapped[int] = mapped_column(BigInteger)
    size_before: Mapped[int] = mapped_column(ChainInt)
    size_after: Mapped[int] = mapped_column(ChainInt)
    price: Mapped[int] = mapped_column(ChainInt)
    leverage_before: Mapped[int] = mapped_column(ChainInt)
    leverage_after: Mapped[int] = mapped_column(ChainInt)


class Ripcord(EventRow, Base):
    """Ripcord: `caller` de-levered the fund and was paid `reward` assets."""

    __tablename__ = "ripcord"

    token: Mapped[str] = mapped_column(ForeignKey("token.address"), index=True)
    caller: Mapped[str] = mapped_column(ADDRESS)
    reward: Mapped[int] = mapped_column(ChainInt)
    leverage_before: Mapped[int] = mapped_column(ChainInt)
    leverage_after: Mapped[int] = mapped_column(ChainInt)


class Split(EventRow, Base):
    """Split (or reverse split) by `factor`; `base_per_share_after` is the ledger's scale from here on."""

    __tablename__ = "split"

    token: Mapped[str] = mapped_column(ForeignKey("token.address"), index=True)
    factor: Mapped[int] = mapped_column(ChainInt)
    is_reverse: Mapped[bool]
    nav_per_share_before: Mapped[int] = mapped_column(ChainInt)  # assets per whole share
    nav_per_share_after: Mapped[int] = mapped_column(ChainInt)
    base_per_share_after: Mapped[int] = mapped_column(ChainInt)


class Fee(EventRow, Base):
    """A fee event: kind "management" (ManagementFeeMinted: `shares` minted to the recipient, assets 0)
    or "collected" (FeesCollected: mint/redeem fees, `assets` paid to the recipient, shares 0)."""

    __tablename__ = "fee"

    token: Mapped[str] = mapped_column(ForeignKey("token.address"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    fee_recipient: Mapped[str] = mapped_column(ADDRESS)
    shares: Mapped[int] = mapped_column(ChainInt)
    assets: Mapped[int] = mapped_column(ChainInt)


class Lifecycle(EventRow, Base):
    """Paused, Unpaused, Shutdown (emergency, for ever) or RebalanceDue (a keeper grace opened), by
    `account`; `reason` for RebalanceDue only."""

    __tablename__ = "lifecycle"

    token: Mapped[str] = mapped_column(ForeignKey("token.address"), index=True)
    name: Mapped[str] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(ADDRESS)
    reason: Mapped[int | None] = mapped_column(BigInteger)


class ParameterChange(EventRow, Base):
    """A configurator event: action "set" (FeesSet, LimitsSet, ... with the values in effect),
    "queued" (ChangeQueued: `kind`, `values`, executable from `eta`), "executed" or "cancelled"
    (by `change_id`; `caller` for a cancel)."""

    __tablename__ = "parameter_change"

    token: Mapped[str] = mapped_column(ForeignKey("token.address"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(40))  # the event's name
    change_id: Mapped[str | None] = mapped_column(HASH)
    kind: Mapped[int | None] = mapped_column(BigInteger)
    values: Mapped[dict[str, Any]] = mapped_column(JSON)  # the event's other arguments
    eta: Mapped[int | None] = mapped_column(BigInteger)
    caller: Mapped[str | None] = mapped_column(ADDRESS)


class Trade(EventRow, Base):
    """The venue's Traded for a token's account: size WAD signed, exec_price WAD, fee and
    realized_pnl assets."""

    __tablename__ = "trade"

    token: Mapped[str] = mapped_column(ForeignKey("token.address"), index=True)
    venue: Mapped[str] = mapped_column(ADDRESS)
    size_delta: Mapped[int] = mapped_column(ChainInt)
    exec_price: Mapped[int] = mapped_column(ChainInt)
    fee: Mapped[int] = mapped_column(ChainInt)
    realized_pnl: Mapped[int] = mapped_column(ChainInt)
    size_after: Mapped[int] = mapped_column(ChainInt)


class Funding(EventRow, Base):
    """The venue's FundingSettled for a token: `amount` assets taken from its margin (< 0: credited)."""

    __tablename__ = "funding"

    token: Mapped[str] = mapped_column(ForeignKey("token.address"), index=True)
    venue: Mapped[str] = mapped_column(ADDRESS)
    amount: Mapped[int] = mapped_column(ChainInt)


class Liquidation(EventRow, Base):
    """The venue's Liquidated for a token: `size` closed at `price` (WAD), `penalty` assets to `liquidator`."""

    __tablename__ = "liquidation"

    token: Mapped[str] = mapped_column(ForeignKey("token.address"), index=True)
    venue: Mapped[str] = mapped_column(ADDRESS)
    liquidator: Mapped[str] = mapped_column(ADDRESS)
    size: Mapped[int] = mapped_column(ChainInt)
    price: Mapped[int] = mapped_column(ChainInt)
    penalty: Mapped[int] = mapped_column(ChainInt)


class OraclePrice(EventRow, Base):
    """A market oracle's AnswerUpdated (Chainlink-style): `answer` in the feed's `decimals`, `price` the
    same in WAD, for round `round_id` stamped `updated_at`: the underlying's price path."""

    __tablename__ = "oracle_price"

    market: Mapped[str] = mapped_column(String(16), index=True)
    oracle: Mapped[str] = mapped_column(ADDRESS)
    answer: Mapped[int] = mapped_column(ChainInt)
    decimals: Mapped[int] = mapped_column(BigInteger)
    price: Mapped[int] = mapped_column(ChainInt)
    round_id: Mapped[int] = mapped_column(ChainInt)
    updated_at: Mapped[int] = mapped_column(BigInteger)


class HolderChange(EventRow, Base):
    """A holder's position after one event (a Transfer moves `base`, a Deposit adds cost, a Withdraw
    realises): the latest row per (token, holder) is the position. `cost_basis` is the assets paid in
    at mint for the shares still held, reduced pro rata when shares leave (a transfer hands the
    removed basis to the receiver); `realized_pnl` is assets received on redeem minus the basis of
    the shares redeemed. `log_index` is the event's; `seq` tells two holders' rows of one log apart."""

    __tablename__ = "holder_change"
    __table_args__ = (Index("ix_holder_change_position", "token", "holder", "block_number", "log_index", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, default=0)  # 0 sender, 1 receiver
    token: Mapped[str] = mapped_column(ForeignKey("token.address"))
    holder: Mapped[str] = mapped_column(ADDRESS, index=True)
    # mint, burn, transfer_in, transfer_out, deposit, withdraw; epoch: a new scale epoch converted
    # the base units (share_ledger.vy; ltsdk.share_scale.cross_epoch)
    kind: Mapped[str] = mapped_column(String(16))
    base_balance: Mapped[int] = mapped_column(ChainInt)  # after, in base units
    cost_basis: Mapped[int] = mapped_column(ChainInt)  # after, assets
    realized_pnl: Mapped[int] = mapped_column(ChainInt)  # after, assets, cumulative
    assets_in: Mapped[int] = mapped_column(ChainInt)  # after, cumulative assets paid at mint
    assets_out: Mapped[int] = mapped_column(ChainInt)  # after, cumulative assets received at redeem


class Sample(BlockRow, Base):
    """One lens row (LeveragedTokenLens.TokenState) per token, read in `block_number`: the same names
    and units as the contract's struct."""

    __tablename__ = "sample"

    token: Mapped[str] = mapped_column(ForeignKey("token.address"), primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    timestamp: Mapped[int] = mapped_column(BigInteger)
    ok: Mapped[bool]  # false: the token's reads reverted; the other fields are then 0
    supply: Mapped[int] = mapped_column(ChainInt)
    nav: Mapped[int] = mapped_column(ChainInt)
    nav_per_share: Mapped[int] = mapped_column(ChainInt)
    price: Mapped[int] = mapped_column(ChainInt)
    oracle_updated_at: Mapped[int] = mapped_column(BigInteger)
    oracle_fresh: Mapped[bool]
    leverage: Mapped[int] = mapped_column(ChainInt)
    target_leverage: Mapped[int] = mapped_column(ChainInt)
    band_lower: Mapped[int] = mapped_column(ChainInt)
    band_upper: Mapped[int] = mapped_column(ChainInt)
    ripcord_leverage: Mapped[int] = mapped_column(ChainInt)
    is_long: Mapped[bool]
    status: Mapped[int] = mapped_column(BigInteger)
    size_delta: Mapped[int] = mapped_column(ChainInt)
    size: Mapped[int] = mapped_column(ChainInt)
    margin: Mapped[int] = mapped_column(ChainInt)
    idle_assets: Mapped[int] = mapped_column(ChainInt)
    next_slot: Mapped[int] = mapped_column(BigInteger)
    last_rebalance_time: Mapped[int] = mapped_column(BigInteger)
    chunk_pending: Mapped[bool]
    split_factor: Mapped[int] = mapped_column(ChainInt)
    split_is_reverse: Mapped[bool]
    paused: Mapped[bool]
    is_shutdown: Mapped[bool]
    mint_fee_bps: Mapped[int] = mapped_column(BigInteger)
    redeem_fee_bps: Mapped[int] = mapped_column(BigInteger)
    management_fee_bps: Mapped[int] = mapped_column(BigInteger)
    max_total_assets: Mapped[int] = mapped_column(ChainInt)
    max_price_age: Mapped[int] = mapped_column(BigInteger)
    twap_cooldown: Mapped[int] = mapped_column(BigInteger)
    keeper_grace: Mapped[int] = mapped_column(BigInteger)
    due_since: Mapped[int] = mapped_column(BigInteger)


# every table whose rows a reorg past their block removes
BLOCK_TABLES: tuple[type[Base], ...] = (
    Block,
    Event,
    Mint,
    Redeem,
    Transfer,
    Rebalance,
    Ripcord,
    Split,
    Fee,
    Lifecycle,
    ParameterChange,
    Trade,
    Funding,
    Liquidation,
    OraclePrice,
    HolderChange,
    Sample,
)
# the lens struct's fields a Sample stores (all but `token`, which is the row's foreign key)
SAMPLE_FIELDS: tuple[str, ...] = tuple(
    column.key for column in Sample.__table__.columns if column.key not in ("token", "block_number")
)
