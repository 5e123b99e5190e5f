"""The indexer's loop: follow a deployment's logs up to the head less a confirmation depth, store them
by kind with every holder's position, sample the lens, and roll back whatever a reorg removed.

One step (`Indexer.step`) is: (1) compare the stored hash of the last indexed block with the
node's; on a mismatch walk back over the stored blocks to the highest one the node still has
(the fork) and delete every row past it; (2) read the logs of the next blocks in batches, each
batch stored with the cursor in one transaction (a crash resumes after the last whole batch);
(3) sample every token through the lens (one eth_call, in that block) whenever `sample_interval`
seconds of chain time have passed since the last sample, at the blocks the batch read anyway
(those with a followed log, oracle updates included) and its last block; and in every block that
had a Rebalanced, Ripcord, Split or Shutdown (the state right after it, for charts that mark them).

Holder positions are kept in the ledger's base units (share_ledger.vy), so a Split, which moves no
balance and emits no Transfer, rescales every holder at once: shares = base // base_per_share.
A reverse split that starts a new scale epoch converts every holder's base units as the ledger
reads them (ltsdk.share_scale.cross_epoch: floor(base x INITIAL / final) while the ledger's slot is
at most two epochs old, 0 from the third) and records it as an "epoch" row per holder, so that
the latest row of a holder is always in the units of the epoch current at its block.
Cost basis: a Deposit adds the assets paid to the owner's basis; shares leaving a holder take the
same fraction of its basis with them (to the receiver of a transfer; out of the books at a burn,
where the Withdraw's assets less that basis is realised PnL). Fee shares arrive with no basis.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3

from ltsdk.index import models
from ltsdk.index.chain import DecodedLog, Header, Node, json_args
from ltsdk.share_scale import INITIAL_BASE_PER_SHARE, STALE_EPOCHS_READ_ZERO, cross_epoch, rescale

log = logging.getLogger("ltsdk.index")

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
SAMPLED_EVENTS = frozenset({"Rebalanced", "Ripcord", "Split", "Shutdown"})  # a sample in their block
PARAMETER_EVENTS = frozenset(
    {"FeesSet", "LimitsSet", "SplitBandSet", "LeverageBandSet", "ExecutionSet", "IncentivesSet", "FeeRecipientSet"}
)
CHANGE_ACTIONS = {
    "ChangeQueued": "queued",
    "ChangeExecuted": "executed",
    "ChangeCancelled": "cancelled",
    "DelaySet": "set",
}
VENUE_ACCOUNT_EVENTS = frozenset({"Traded", "FundingSettled", "Liquidated", "MarginDeposited", "MarginWithdrawn"})


@dataclass(frozen=True)
class Settings:
    """How the indexer follows the chain: `confirmations` blocks behind the head (0: the head
    itself), a sample every `sample_interval` seconds of chain time, logs read `batch_blocks` at a
    time, from `start_block` (default: the manifest's block, else 0)."""

    confirmations: int = 2
    sample_interval: int = 300
    batch_blocks: int = 2_000
    start_block: int | None = None


@dataclass
class StepResult:
    """What one step did: blocks (from, to] indexed, rows of logs and samples stored, and the fork
    block a reorg rolled back to (None if none)."""

    from_block: int
    to_block: int
    logs: int = 0
    samples: int = 0
    fork: int | None = None


@dataclass
class Position:
    """A holder's running position (the fields a HolderChange row records after each event)."""

    base_balance: int = 0
    cost_basis: int = 0
    realized_pnl: int = 0
    assets_in: int = 0
    assets_out: int = 0
    stale: int = 0  # scale epochs started since the ledger last wrote this holder's balance slot


class ReorgInStep(RuntimeError):
    """The chain changed under a step (a log's block hash is not the header's): retried next step."""


@dataclass
class _Batch:
    """Rows and caches of one batch, written in one transaction."""

    session: Session
    headers: dict[int, Header] = field(default_factory=dict)
    sample_blocks: set[int] = field(default_factory=set)


class Indexer:
    """Follows one deployment (a manifest) on one node into one database (`sessions`)."""

    def __init__(self, w3: Web3, manifest: dict[str, Any], sessions: sessionmaker[Session], settings: Settings):
        self.w3 = w3
        self.manifest = manifest
        self.sessions = sessions
        self.settings = settings
        self.lens = Web3.to_checksum_address(manifest["lens"])
        tokens = {entry["address"]: symbol for symbol, entry in manifest["tokens"].items()}
        markets = manifest.get("markets", {})
        venues = [market["adapter"] for market in markets.values() if "adapter" in market]
        self.markets: dict[str, str] = {
            Web3.to_checksum_address(market["oracle"]): name for name, market in markets.items() if "oracle" in market
        }
        self.node = Node(w3, self.lens, tokens, manifest.get("configurator"), venues, list(self.markets))
        self.oracle_decimals: dict[str, int] = {}
        self.positions: dict[tuple[str, str], Position] = {}
        self.base_per_share: dict[str, int] = {}
        self._start()

    # ---------------------------------------------------------------- start

    def _start(self) -> None:
        """The cursor and the token rows, created on the first start; resumed on the next."""
        with self.sessions.begin() as session:
            others = [row.lens for row in session.scalars(select(models.Cursor)) if row.lens != self.lens]
            if others:
                raise ValueError(
                    f"the database follows the deployment of lens {others[0]}, not {self.lens}: "
                    "use another database for another deployment"
                )
            cursor = session.get(models.Cursor, self.lens)
            if cursor is None:
                start = self.settings.start_block
                if start is None:
                    start = int(self.manifest.get("block", 0))
                cursor = models.Cursor(
                    lens=self.lens,
                    chain_id=self.w3.eth.chain_id,
                    start_block=start,
                    last_block=start - 1,
                    last_sample_time=0,
                )
                session.add(cursor)
            elif cursor.chain_id != self.w3.eth.chain_id:
                raise ValueError(
                    f"the database follows chain {cursor.chain_id}, the node is chain {self.w3.eth.chain_id}: "
                    "use another database for another chain"
                )
            self._add_tokens(session, cursor.last_block + 1)
            self._load_scales(session)

    def _add_tokens(self, session: Session, start: int) -> None:
        """A row for each manifest token the database lacks, followed from block `start` on (the first
        block, or the next one for a token added to the manifest later). A token that already had
        shares before `start` is refused: its holders' positions would lack their first events."""
        markets = self.manifest.get("markets", {})
        for symbol, entry in self.manifest["tokens"].items():
            address = Web3.to_checksum_address(entry["address"])
            if session.get(models.Token, address) is not None:
                continue
            before = start - 1
            base_per_share = INITIAL_BASE_PER_SHARE
            if before >= 0:
                supply = self.node.token_call(address, "totalSupply", before)
                if supply:
                    raise ValueError(
                        f"{symbol} already had {supply} shares in block {before}: index from a block before its "
                        "first mint (--from-block), or its holders' positions would be incomplete"
                    )
                if supply is not None:
                    base_per_share = self.node.token_call(address, "base_per_share", before)
            market = markets.get(entry.get("market", ""), {})
            session.add(
                models.Token(
                    address=address,
                    symbol=symbol,
                    market=entry.get("market"),
                    leverage=entry.get("leverage"),
                    is_long=entry.get("is_long"),
                    adapter=market.get("adapter"),
                    oracle=market.get("oracle"),
                    first_block=start,
                    initial_base_per_share=base_per_share,
                )
            )
        session.flush()

    def _load_scales(self, session: Session) -> None:
        """Each token's base_per_share now: its first value, then its stored splits in order."""
        self.positions.clear()
        self.base_per_share = {
            token.address: token.initial_base_per_share for token in session.scalars(select(models.Token))
        }
        splits = session.scalars(select(models.Split).order_by(models.Split.block_number, models.Split.log_index))
        for split in splits:
            self.base_per_share[split.token] = split.base_per_share_after

    # ---------------------------------------------------------------- the loop

    def run(self, poll_seconds: float = 1.0, steps: int | None = None, stop: Callable[[], bool] | None = None) -> None:
        """Step every `poll_seconds` until `steps` are done or `stop()` says so (forever if neither)."""
        done = 0
        while steps is None or done < steps:
            if stop is not None and stop():
                return
            try:
                result = self.step()
            except ReorgInStep as exc:
                log.warning("%s; retrying", exc)
                result = None
            done += 1
            if result and (result.logs or result.samples or result.fork is not None):
                log.info(
                    "blocks %d-%d: %d logs, %d samples%s",
                    result.from_block + 1,
                    result.to_block,
                    result.logs,
                    result.samples,
                    f" (reorg: rolled back to block {result.fork})" if result.fork is not None else "",
                )
            if steps is None or done < steps:
                time.sleep(poll_seconds)

    def step(self) -> StepResult:
        """One pass: roll back a reorg, index up to the head less the confirmations, sample."""
        fork = self._check_reorg()
        with self.sessions() as session:
            cursor = self._cursor(session)
            start = cursor.last_block
        target = self.node.head() - self.settings.confirmations
        result = StepResult(from_block=start, to_block=max(start, target), fork=fork)
        block = start
        while block < target:
            end = min(block + self.settings.batch_blocks, target)
            logs, samples = self._index_batch(block + 1, end)
            result.logs += logs
            result.samples += samples
            block = end
        return result

    def _cursor(self, session: Session) -> models.Cursor:
        cursor = session.get(models.Cursor, self.lens)
        assert cursor is not None, "the cursor is created on start"
        return cursor

    # ---------------------------------------------------------------- reorgs

    def _check_reorg(self) -> int | None:
        """If the last indexed block is no longer the node's, delete every row past the fork (the
        highest stored block whose hash the node still has) and return the fork's number."""
        with self.sessions() as session:
            cursor = self._cursor(session)
            stored = session.get(models.Block, cursor.last_block)
        if stored is None:
            return None
        current = self.node.header(stored.block_number)
        if current is not None and current.hash == stored.block_hash:
            return None
        with self.sessions.begin() as session:
            cursor = self._cursor(session)
            fork = cursor.start_block - 1
            for block in session.scalars(select(models.Block).order_by(models.Block.block_number.desc())):
                header = self.node.header(block.block_number)
                if header is not None and header.hash == block.block_hash:
                    fork = block.block_number
                    break
            for model in models.BLOCK_TABLES:
                session.execute(delete(model).where(model.block_number > fork))  # type: ignore[attr-defined]
            cursor.last_block = fork
            last_sample = session.scalar(select(func.max(models.Sample.timestamp)))
            cursor.last_sample_time = last_sample or 0
            self._load_scales(session)
        log.warning("reorg: rows after block %d rolled back", fork)
        return fork

    # ---------------------------------------------------------------- one batch

    def _index_batch(self, first: int, last: int) -> tuple[int, int]:
        """Store the logs of blocks [first, last], the samples due, and move the cursor to `last`."""
        logs = self.node.logs(first, last)
        try:
            with self.sessions.begin() as session:
                batch = _Batch(session)
                for item in logs:
                    header = self._header(batch, item.block_number)
                    if header.hash != item.block_hash:
                        raise ReorgInStep(f"block {item.block_number} changed while it was read")
                    self._store(batch, item, header)
                self._header(batch, last)  # the last block: a sample candidate and the cursor's hash
                cursor = self._cursor(session)
                # interval samples at the blocks already read (each block with a log) and the batch's last
                due = cursor.last_sample_time + self.settings.sample_interval
                for header in sorted(batch.headers.values(), key=lambda item: item.number):
                    if header.timestamp >= due:
                        batch.sample_blocks.add(header.number)
                        due = header.timestamp + self.settings.sample_interval
                samples = 0
                for number in sorted(batch.sample_blocks):
                    samples += self._sample(batch, self._header(batch, number))
                if batch.sample_blocks:
                    sampled = max(batch.sample_blocks)
                    cursor.last_sample_time = max(cursor.last_sample_time, batch.headers[sampled].timestamp)
                for header in batch.headers.values():
                    session.merge(
                        models.Block(block_number=header.number, block_hash=header.hash, timestamp=header.timestamp)
                    )
                cursor.last_block = last
        except BaseException:
            with self.sessions() as session:
                self._load_scales(session)  # the in-memory state follows the rolled-back transaction
            raise
        return len(logs), samples

    def _header(self, batch: _Batch, number: int) -> Header:
        header = batch.headers.get(number)
        if header is None:
            header = self.node.header(number)
            if header is None:
                raise ReorgInStep(f"block {number} is gone")
            batch.headers[number] = header
        return header

    def _sample(self, batch: _Batch, header: Header) -> int:
        states = self.node.states(header.number)
        for address, state in states.items():
            values = {name: state[name] for name in models.SAMPLE_FIELDS}
            batch.session.merge(models.Sample(token=address, block_number=header.number, **values))
        return len(states)

    # ---------------------------------------------------------------- logs by kind

    def _store(self, batch: _Batch, item: DecodedLog, header: Header) -> None:
        args = item.args
        token = self._token_of(item)
        if item.kind == "venue" and item.name in VENUE_ACCOUNT_EVENTS and token is None:
            return  # another account's business on a shared venue
        where = {
            "block_number": item.block_number,
            "log_index": item.log_index,
            "tx_hash": item.tx_hash,
            "timestamp": header.timestamp,
        }
        session = batch.session
        session.add(models.Event(**where, address=item.address, token=token, name=item.name, args=json_args(args)))
        if item.kind == "oracle" and item.name == "AnswerUpdated":
            session.add(self._price_row(item, where))
        if token is None:
            return
        if item.name in SAMPLED_EVENTS:
            batch.sample_blocks.add(item.block_number)
        final = None  # the old epoch's final scale, if this Split started a new scale epoch
        if item.kind == "token" and item.name == "Split":
            self.base_per_share[token], final = rescale(self.base_per_share[token], args["factor"], args["is_reverse"])
        row = self._typed_row(item, token, where)
        if row is not None:
            session.add(row)
        if item.kind == "token":
            if final is not None:
                changes = self._epoch_changes(session, token, final, where)
            else:
                changes = self._holder_changes(session, item, token, where)
            for change in changes:
                session.add(change)

    def _price_row(self, item: DecodedLog, where: dict[str, Any]) -> models.OraclePrice:
        decimals = self.oracle_decimals.get(item.address)
        if decimals is None:
            decimals = self.node.oracle_decimals(item.address) or 0
            self.oracle_decimals[item.address] = decimals
        answer = item.args["current"]
        return models.OraclePrice(
            **where,
            market=self.markets[item.address],
            oracle=item.address,
            answer=answer,
            decimals=decimals,
            price=answer * 10 ** (18 - decimals) if decimals <= 18 else answer // 10 ** (decimals - 18),
            round_id=item.args["roundId"],
            updated_at=item.args["updatedAt"],
        )

    def _token_of(self, item: DecodedLog) -> str | None:
        if item.kind == "token":
            return item.address
        if item.kind == "oracle":
            return None
        candidate = item.args.get("token" if item.kind == "configurator" else "account")
        if candidate is None:
            return None
        candidate = Web3.to_checksum_address(candidate)
        return candidate if candidate in self.node.tokens else None

    def _typed_row(self, item: DecodedLog, token: str, where: dict[str, Any]) -> models.Base | None:
        a = item.args
        name = item.name
        if item.kind == "token":
            if name == "Deposit":
                return models.Mint(
                    **where, token=token, sender=a["sender"], owner=a["owner"], assets=a["assets"], shares=a["shares"]
                )
            if name == "Withdraw":
                return models.Redeem(
                    **where,
                    token=token,
                    sender=a["sender"],
                    receiver=a["receiver"],
                    owner=a["owner"],
                    assets=a["assets"],
                    shares=a["shares"],
                )
            if name == "Transfer":
                base = a["value"] * self.base_per_share[token]
                return models.Transfer(
                    **where, token=token, sender=a["sender"], receiver=a["receiver"], shares=a["value"], base=base
                )
            if name == "Rebalanced":
                return models.Rebalance(
                    **where,
                    token=token,
                    **{
                        k: a[k]
                        for k in ("reason", "size_before", "size_after", "price", "leverage_before", "leverage_after")
                    },
                )
            if name == "Ripcord":
                return models.Ripcord(
                    **where,
                    token=token,
                    caller=a["caller"],
                    reward=a["reward"],
                    leverage_before=a["leverage_before"],
                    leverage_after=a["leverage_after"],
                )
            if name == "Split":  # self.base_per_share is already the scale after it (_store)
                return models.Split(
                    **where,
                    token=token,
                    factor=a["factor"],
                    is_reverse=a["is_reverse"],
                    nav_per_share_before=a["nav_per_share_before"],
                    nav_per_share_after=a["nav_per_share_after"],
                    base_per_share_after=self.base_per_share[token],
                )
            if name == "ManagementFeeMinted":
                return models.Fee(
                    **where,
                    token=token,
                    kind="management",
                    fee_recipient=a["fee_recipient"],
                    shares=a["shares"],
                    assets=0,
                )
            if name == "FeesCollected":
                return models.Fee(
                    **where,
                    token=token,
                    kind="collected",
                    fee_recipient=a["fee_recipient"],
                    shares=0,
                    assets=a["assets"],
                )
            if name in ("Paused", "Unpaused", "Shutdown"):
                return models.Lifecycle(**where, token=token, name=name, account=a["account"], reason=None)
            if name == "RebalanceDue":
                return models.Lifecycle(**where, token=token, name=name, account=a["caller"], reason=a["reason"])
            return None
        if item.kind == "configurator":
            values = json_args({k: v for k, v in a.items() if k not in ("token", "change_id", "kind", "eta", "caller")})
            if name in PARAMETER_EVENTS or name in CHANGE_ACTIONS:
                return models.ParameterChange(
                    **where,
                    token=token,
                    action=CHANGE_ACTIONS.get(name, "set"),
                    name=name,
                    change_id=a.get("change_id"),
                    kind=a.get("kind"),
                    values=values,
                    eta=a.get("eta"),
                    caller=a.get("caller"),
                )
            return None
        venue = item.address
        if name == "Traded":
            return models.Trade(
                **where,
                token=token,
                venue=venue,
                **{k: a[k] for k in ("size_delta", "exec_price", "fee", "realized_pnl", "size_after")},
            )
        if name == "FundingSettled":
            return models.Funding(**where, token=token, venue=venue, amount=a["amount"])
        if name == "Liquidated":
            return models.Liquidation(
                **where,
                token=token,
                venue=venue,
                liquidator=a["liquidator"],
                size=a["size"],
                price=a["price"],
                penalty=a["penalty"],
            )
        return None

    # ---------------------------------------------------------------- holders

    def _position(self, session: Session, token: str, holder: str) -> Position:
        key = (token, holder)
        position = self.positions.get(key)
        if position is None:
            latest = session.scalars(
                select(models.HolderChange)
                .where(models.HolderChange.token == token, models.HolderChange.holder == holder)
                .order_by(
                    models.HolderChange.block_number.desc(),
                    models.HolderChange.log_index.desc(),
                    models.HolderChange.seq.desc(),
                )
                .limit(1)
            ).first()
            position = Position()
            if latest is not None:
                position = Position(
                    latest.base_balance,
                    latest.cost_basis,
                    latest.realized_pnl,
                    latest.assets_in,
                    latest.assets_out,
                    stale=self._stale(session, token, holder),
                )
            self.positions[key] = position
        return position

    def _stale(self, session: Session, token: str, holder: str) -> int:
        """How many scale epochs have started since the ledger last wrote `holder`'s slot: its
        trailing "epoch" rows (STALE_EPOCHS_READ_ZERO of them suffice: from there it reads 0)."""
        kinds = session.scalars(
            select(models.HolderChange.kind)
            .where(models.HolderChange.token == token, models.HolderChange.holder == holder)
            .order_by(
                models.HolderChange.block_number.desc(),
                models.HolderChange.log_index.desc(),
                models.HolderChange.seq.desc(),
            )
            .limit(STALE_EPOCHS_READ_ZERO)
        )
        stale = 0
        for kind in kinds:
            if kind != "epoch":
                break
            stale += 1
        return stale

    def _epoch_changes(
        self, session: Session, token: str, final: int, where: dict[str, Any]
    ) -> list[models.HolderChange]:
        """A Split that started a new scale epoch (the old one ended at scale `final`): every holder
        with base units gets them as the ledger now reads its slot (an "epoch" row each)."""
        stored = session.scalars(
            select(models.HolderChange.holder).where(models.HolderChange.token == token).distinct()
        )
        holders = sorted(set(stored) | {holder for (cached, holder) in self.positions if cached == token})
        changes: list[tuple[str, str, Position]] = []
        for holder in holders:
            position = self._position(session, token, holder)
            if position.base_balance == 0:
                continue
            position.base_balance, position.stale = cross_epoch(position.base_balance, position.stale, final)
            changes.append((holder, "epoch", position))
        return self._rows(token, where, changes)

    def _holder_changes(
        self, session: Session, item: DecodedLog, token: str, where: dict[str, Any]
    ) -> list[models.HolderChange]:
        a = item.args
        changes: list[tuple[str, str, Position]] = []
        if item.name == "Transfer":
            base = a["value"] * self.base_per_share[token]
            sender, receiver = a["sender"], a["receiver"]
            moved_basis = 0
            if sender != ZERO_ADDRESS:
                position = self._position(session, token, sender)
                moved_basis = position.cost_basis * base // position.base_balance if position.base_balance else 0
                position.base_balance -= base
                position.stale = 0  # the ledger rewrote the slot in the current epoch
                position.cost_basis -= moved_basis
                if receiver == ZERO_ADDRESS:
                    position.realized_pnl -= moved_basis  # the Withdraw's assets are added to it
                changes.append((sender, "burn" if receiver == ZERO_ADDRESS else "transfer_out", position))
            if receiver != ZERO_ADDRESS:
                position = self._position(session, token, receiver)
                position.base_balance += base
                position.stale = 0
                position.cost_basis += moved_basis
                changes.append((receiver, "mint" if sender == ZERO_ADDRESS else "transfer_in", position))
        elif item.name == "Deposit":
            position = self._position(session, token, a["owner"])
            position.cost_basis += a["assets"]
            position.assets_in += a["assets"]
            changes.append((a["owner"], "deposit", position))
        elif item.name == "Withdraw":
            position = self._position(session, token, a["owner"])
            position.realized_pnl += a["assets"]
            position.assets_out += a["assets"]
            changes.append((a["owner"], "withdraw", position))
        return self._rows(token, where, changes)

    def _rows(
        self, token: str, where: dict[str, Any], changes: list[tuple[str, str, Position]]
    ) -> list[models.HolderChange]:
        """HolderChange rows for one log: each (holder, kind, position after), numbered by `seq`."""
        return [
            models.HolderChange(
                **where,
                seq=seq,
                token=token,
                holder=holder,
                kind=kind,
                base_balance=position.base_balance,
                cost_basis=position.cost_basis,
                realized_pnl=position.realized_pnl,
                assets_in=position.assets_in,
                assets_out=position.assets_out,
            )
            for seq, (holder, kind, position) in enumerate(changes)
        ]
