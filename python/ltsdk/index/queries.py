"""What readers of the index (the dashboard, scripts) call: typed answers over the tables of
ltsdk.index.models, with the arithmetic done in Python on exact ints (chain units throughout:
assets in collateral base units, shares in 18-decimal wei, prices and leverage WAD).

    from ltsdk.index import db, queries
    _, sessions = db.open_database("out/index.sqlite")
    with sessions() as session:
        print(queries.indexed_block(session))
        for position in queries.positions_of(session, "0xHOLDER"):
            print(position.symbol, position.shares, position.cost_basis, position.unrealized_pnl)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from web3 import Web3

from ltsdk.index import models

SHARE = 10**18  # wei per whole share
T = TypeVar("T", bound=models.Base)


@dataclass(frozen=True)
class TokenInfo:
    """A followed token; `retired_block` is the block of the factory's TokenRetired for it (None
    while the registry lists it)."""

    address: str
    symbol: str
    market: str | None
    leverage: int | None
    is_long: bool | None
    adapter: str | None
    oracle: str | None
    retired_block: int | None = None

    @property
    def retired(self) -> bool:
        return self.retired_block is not None


@dataclass(frozen=True)
class HolderPosition:
    """A holder's position in one token as of `block` (the index's last block, or the one asked).

    `shares` are at the token's scale in that block (splits applied); `value` is shares at the NAV
    per share of the token's latest sample at or before that block (`nav_block`; None without
    one, and then value and unrealized_pnl are None too). `cost_basis` is the assets paid in at
    mint for the shares still held (a transfer in carries the sender's basis, fee shares none);
    `realized_pnl` is assets received at redeem minus the basis of the shares redeemed;
    `unrealized_pnl` = value − cost_basis."""

    token: str
    symbol: str
    holder: str
    block: int
    shares: int
    base_balance: int
    cost_basis: int
    realized_pnl: int
    assets_in: int
    assets_out: int
    nav_per_share: int | None
    nav_block: int | None
    value: int | None
    unrealized_pnl: int | None

    @property
    def total_pnl(self) -> int | None:
        return None if self.unrealized_pnl is None else self.realized_pnl + self.unrealized_pnl


@dataclass(frozen=True)
class HolderEvent:
    """One change of a holder's position (HolderChange), with the shares held after it."""

    block_number: int
    log_index: int
    tx_hash: str
    timestamp: int
    kind: str
    shares_after: int
    cost_basis: int
    realized_pnl: int


# ---------------------------------------------------------------- the index itself


def indexed_block(session: Session) -> int | None:
    """The last block every event of which is stored (None before the first step)."""
    return session.scalar(select(models.Cursor.last_block).order_by(models.Cursor.last_block.desc()).limit(1))


def tokens(session: Session) -> list[TokenInfo]:
    """Every followed token, by symbol (one symbol's in the order they were first followed), retired
    ones included (and marked)."""
    retired = {row.token: row.block_number for row in session.scalars(select(models.Retirement))}
    rows = session.scalars(select(models.Token).order_by(models.Token.symbol, models.Token.first_block))
    return [
        TokenInfo(
            row.address,
            row.symbol,
            row.market,
            row.leverage,
            row.is_long,
            row.adapter,
            row.oracle,
            retired.get(row.address),
        )
        for row in rows
    ]


def token_address(session: Session, symbol_or_address: str) -> str:
    """A token's address from its symbol (any case) or its address; KeyError if not indexed. A
    symbol the factory retired and created again names the listed token."""
    if Web3.is_address(symbol_or_address):
        address = Web3.to_checksum_address(symbol_or_address)
        if session.get(models.Token, address) is None:
            raise KeyError(f"token {address} is not indexed")
        return address
    named = [token for token in tokens(session) if token.symbol == symbol_or_address.upper()]
    if not named:
        raise KeyError(f"no indexed token {symbol_or_address!r}")
    listed = [token for token in named if not token.retired]
    return (listed or named)[-1].address  # the newest of them (tokens() orders a symbol's by first block)


# ---------------------------------------------------------------- scale and samples


def base_per_share(session: Session, token: str, block: int | None = None) -> int:
    """The token's ledger scale (base units per share wei) after `block` (default: the latest)."""
    query = select(models.Split.base_per_share_after).where(models.Split.token == token)
    if block is not None:
        query = query.where(models.Split.block_number <= block)
    latest = session.scalars(
        query.order_by(models.Split.block_number.desc(), models.Split.log_index.desc()).limit(1)
    ).first()
    if latest is not None:
        return latest
    row = session.get(models.Token, token)
    if row is None:
        raise KeyError(f"token {token} is not indexed")
    return row.initial_base_per_share


def latest_sample(session: Session, token: str, block: int | None = None) -> models.Sample | None:
    """The token's newest sample at or before `block` (default: the newest)."""
    query = select(models.Sample).where(models.Sample.token == token)
    if block is not None:
        query = query.where(models.Sample.block_number <= block)
    return session.scalars(query.order_by(models.Sample.block_number.desc()).limit(1)).first()


def latest_samples(session: Session) -> dict[str, models.Sample]:
    """Every token's newest sample, by symbol."""
    found = {}
    for token in tokens(session):
        sample = latest_sample(session, token.address)
        if sample is not None:
            found[token.symbol] = sample
    return found


def samples(session: Session, token: str, since: int | None = None, until: int | None = None) -> list[models.Sample]:
    """The token's samples in block order, with block times in [since, until] when given."""
    query = select(models.Sample).where(models.Sample.token == token)
    if since is not None:
        query = query.where(models.Sample.timestamp >= since)
    if until is not None:
        query = query.where(models.Sample.timestamp <= until)
    return list(session.scalars(query.order_by(models.Sample.block_number)))


# ---------------------------------------------------------------- event tables


def _of_token(session: Session, model: type[T], token: str) -> list[T]:
    """The rows of an event table for one token, in chain order."""
    columns: Any = model  # every event table has token, block_number and log_index
    query = select(model).where(columns.token == token).order_by(columns.block_number, columns.log_index)
    return list(session.scalars(query))


def rebalances(session: Session, token: str) -> list[models.Rebalance]:
    return _of_token(session, models.Rebalance, token)


def ripcords(session: Session, token: str) -> list[models.Ripcord]:
    return _of_token(session, models.Ripcord, token)


def splits(session: Session, token: str) -> list[models.Split]:
    return _of_token(session, models.Split, token)


def fees(session: Session, token: str) -> list[models.Fee]:
    return _of_token(session, models.Fee, token)


def fundings(session: Session, token: str) -> list[models.Funding]:
    return _of_token(session, models.Funding, token)


def trades(session: Session, token: str) -> list[models.Trade]:
    return _of_token(session, models.Trade, token)


def liquidations(session: Session, token: str) -> list[models.Liquidation]:
    return _of_token(session, models.Liquidation, token)


def mints(session: Session, token: str) -> list[models.Mint]:
    return _of_token(session, models.Mint, token)


def redeems(session: Session, token: str) -> list[models.Redeem]:
    return _of_token(session, models.Redeem, token)


def transfers(session: Session, token: str) -> list[models.Transfer]:
    return _of_token(session, models.Transfer, token)


def parameter_changes(session: Session, token: str) -> list[models.ParameterChange]:
    return _of_token(session, models.ParameterChange, token)


def lifecycle(session: Session, token: str) -> list[models.Lifecycle]:
    return _of_token(session, models.Lifecycle, token)


def prices(
    session: Session, market: str, since: int | None = None, until: int | None = None
) -> list[models.OraclePrice]:
    """The market oracle's updates (e.g. "BTC") in chain order, block times in [since, until] when given."""
    query = select(models.OraclePrice).where(models.OraclePrice.market == market)
    if since is not None:
        query = query.where(models.OraclePrice.timestamp >= since)
    if until is not None:
        query = query.where(models.OraclePrice.timestamp <= until)
    return list(session.scalars(query.order_by(models.OraclePrice.block_number, models.OraclePrice.log_index)))


def events(session: Session, token: str | None = None, limit: int = 100) -> list[models.Event]:
    """The newest `limit` logs (of one token, if given), newest first: an activity feed."""
    query = select(models.Event)
    if token is not None:
        query = query.where(models.Event.token == token)
    query = query.order_by(models.Event.block_number.desc(), models.Event.log_index.desc()).limit(limit)
    return list(session.scalars(query))


# ---------------------------------------------------------------- holders


def newest_changes(token: str, holder: str, block: int | None = None) -> Select[models.HolderChange]:
    """The query of `holder`'s HolderChange rows in `token` (up to `block`, when given), newest first:
    the first is its position."""
    query = select(models.HolderChange).where(models.HolderChange.token == token, models.HolderChange.holder == holder)
    if block is not None:
        query = query.where(models.HolderChange.block_number <= block)
    return query.order_by(
        models.HolderChange.block_number.desc(), models.HolderChange.log_index.desc(), models.HolderChange.seq.desc()
    )


def latest_change(session: Session, token: str, holder: str, block: int | None = None) -> models.HolderChange | None:
    """`holder`'s newest HolderChange row in `token` (up to `block`), None if it never held it."""
    return session.scalars(newest_changes(token, holder, block).limit(1)).first()


def position(session: Session, token: str, holder: str, block: int | None = None) -> HolderPosition:
    """`holder`'s position in `token` (an address) after `block` (default: the index's last block);
    all zeros for an address that never held it."""
    holder = Web3.to_checksum_address(holder)
    token_row = session.get(models.Token, token)
    if token_row is None:
        raise KeyError(f"token {token} is not indexed")
    at = block if block is not None else (indexed_block(session) or 0)
    change = latest_change(session, token, holder, block)
    scale = base_per_share(session, token, block)
    base = change.base_balance if change else 0
    shares = base // scale
    cost_basis = change.cost_basis if change else 0
    sample = latest_sample(session, token, block)
    nav = sample.nav_per_share if sample is not None and sample.ok else None
    value = shares * nav // SHARE if nav is not None else None
    return HolderPosition(
        token=token,
        symbol=token_row.symbol,
        holder=holder,
        block=at,
        shares=shares,
        base_balance=base,
        cost_basis=cost_basis,
        realized_pnl=change.realized_pnl if change else 0,
        assets_in=change.assets_in if change else 0,
        assets_out=change.assets_out if change else 0,
        nav_per_share=nav,
        nav_block=sample.block_number if sample is not None else None,
        value=value,
        unrealized_pnl=value - cost_basis if value is not None else None,
    )


def positions_of(session: Session, holder: str, block: int | None = None) -> list[HolderPosition]:
    """`holder`'s position in every token it ever held, by symbol."""
    holder = Web3.to_checksum_address(holder)
    held = session.scalars(select(models.HolderChange.token).where(models.HolderChange.holder == holder).distinct())
    found = [position(session, token, holder, block) for token in held]
    return sorted(found, key=lambda item: item.symbol)


def holder_addresses(session: Session, token: str) -> list[str]:
    """Every address with a HolderChange row in `token` (whether it holds shares now or not)."""
    return list(
        session.scalars(select(models.HolderChange.holder).where(models.HolderChange.token == token).distinct())
    )


def holders(session: Session, token: str, block: int | None = None) -> list[HolderPosition]:
    """Every holder of `token` with shares after `block`, largest first."""
    found = [position(session, token, address, block) for address in holder_addresses(session, token)]
    return sorted((item for item in found if item.shares > 0), key=lambda item: -item.shares)


def holder_history(session: Session, token: str, holder: str) -> list[HolderEvent]:
    """Every change of `holder`'s position in `token`, oldest first, with shares at each block's scale."""
    holder = Web3.to_checksum_address(holder)
    query = select(models.HolderChange).where(models.HolderChange.token == token, models.HolderChange.holder == holder)
    rows = session.scalars(
        query.order_by(models.HolderChange.block_number, models.HolderChange.log_index, models.HolderChange.seq)
    )
    return [
        HolderEvent(
            block_number=row.block_number,
            log_index=row.log_index,
            tx_hash=row.tx_hash,
            timestamp=row.timestamp,
            kind=row.kind,
            shares_after=row.base_balance // base_per_share(session, token, row.block_number),
            cost_basis=row.cost_basis,
            realized_pnl=row.realized_pnl,
        )
        for row in rows
    ]
