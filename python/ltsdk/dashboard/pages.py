"""What each dashboard page shows, read from the chain in one block (every number on a page comes
from the block it prints), and the formatting of raw integers for people (exact: Decimal, rounded
down, never float)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from ltsdk import plans, quote
from ltsdk.cli import CliError, human
from ltsdk.client import Protocol
from ltsdk.codes import Reason, TokenKind
from ltsdk.types import TokenState
from ltsdk.units import MAX_UINT256, WAD

SHARE_DECIMALS = 18
NOTHING = "\N{EN DASH}"  # what a cell shows when there is no number
PAGE_SIZE = 25  # rows a history list shows at a time unless the page asks for another size
MAX_PAGE_SIZE = 200  # the most rows one page of a list may ask for
MAX_OFFSET = 10**9  # rows skipped at the most (any list's length is far below it)
T = TypeVar("T")


@dataclass(frozen=True)
class Block:
    """The block a page's numbers come from."""

    number: int
    timestamp: int


def latest_block(protocol: Protocol) -> Block:
    block = protocol.node.run(plans.latest_block())
    return Block(int(block["number"]), int(block["timestamp"]))


# ---------------------------------------------------------------- formatting (Jinja filters)


def assets_text(amount: int, decimals: int = 6, places: int = 2) -> str:
    """Collateral base units as "1,234.56" (rounded down)."""
    return human(amount, decimals, places)


def shares_text(amount: int, places: int = 6) -> str:
    return human(amount, SHARE_DECIMALS, places)


def multiple_text(wad: int, places: int = 3) -> str:
    """A WAD multiple (leverage) as "2.985x"; the lens's max value (insolvent) as "insolvent"."""
    if wad == MAX_UINT256:
        return "insolvent"
    return f"{human(wad, 18, places)}x"


def price_text(wad: int) -> str:
    return human(wad, 18, 2)


def utc_text(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration_text(seconds: int | float) -> str:
    """A duration for people: "42 s", "17 min", "5.2 h", "3.1 d"."""
    seconds = int(seconds)
    sign = "-" if seconds < 0 else ""
    s = abs(seconds)
    if s < 120:
        return f"{sign}{s} s"
    if s < 7_200:
        return f"{sign}{s // 60} min"
    if s < 172_800:
        return f"{sign}{Decimal(s) / 3_600:.1f} h"
    return f"{sign}{Decimal(s) / 86_400:.1f} d"


def percent_text(ratio: Decimal | None, places: int = 2) -> str:
    """A ratio (0.0123) as a signed percentage ("+1.23 %"); None as NOTHING."""
    if ratio is None:
        return NOTHING
    return f"{ratio * 100:+.{places}f} %"


FILTERS = {
    "assets": assets_text,
    "shares": shares_text,
    "multiple": multiple_text,
    "price": price_text,
    "utc": utc_text,
    "duration": duration_text,
    "percent": percent_text,
}


# ---------------------------------------------------------------- the token table


def status_reason(state: TokenState, retired_block: int | None = None) -> tuple[str, str]:
    """A token's status word and why, from its lens row: what a holder or a keeper would ask.
    `retired_block`: the block the factory retired it in (the index's), None while it is listed."""
    band = f"[{multiple_text(state.band_lower)}, {multiple_text(state.band_upper)}]"
    leverage = multiple_text(state.leverage)
    if not state.ok:
        return "unreadable", "the lens could not read this token or its venue"
    if state.kind == TokenKind.ASYNC:
        return _async_status(state)
    if retired_block is not None:
        why = (
            f"retired from the factory's registry in block {retired_block}: no longer listed and its "
            "symbol may be created again; the token still runs for its holders, who can redeem"
        )
        if state.is_shutdown:
            why += "; emergency shutdown: redeem pays pro rata"
        return "retired", why
    if state.is_shutdown:
        return "shutdown", "emergency shutdown: redeem pays pro rata; mint and rebalance are closed for good"
    if state.supply == 0:
        return "empty", "no shares yet: the first mint opens the position at target leverage"
    if state.leverage == MAX_UINT256:
        return "insolvent", "NAV is zero or less: redeem pays pro rata what collateral is left"
    if not state.oracle_fresh:
        return "stale", f"the oracle is older than {state.max_price_age} s: no mint or trade until it updates"
    why = {
        Reason.NONE: f"leverage {leverage} within its band {band}; the next daily slot decides",
        Reason.SCHEDULED: f"the daily slot is open: leverage {leverage} has drifted from target "
        f"{multiple_text(state.target_leverage, 2)}",
        Reason.BAND: f"leverage {leverage} is outside its band {band}",
        Reason.CHUNK: "a rebalance in chunks is under way (one per cooldown)",
        Reason.RIPCORD: f"leverage {leverage} at or past the ripcord level "
        f"{multiple_text(state.ripcord_leverage, 2)}: anyone may de-lever it",
    }
    try:
        reason = Reason(state.status)
    except ValueError:
        return str(state.status), "unknown status code"
    text = why[reason]
    if state.paused:
        text += "; paused: mint closed, redeem open"
    return ("paused" if state.paused and reason == Reason.NONE else reason.label), text


def _async_status(state: TokenState) -> tuple[str, str]:
    """An asynchronous token's status word and why (its row: plans.async_row)."""
    if state.supply == 0:
        return "empty", "no shares yet: the first round's fill opens the position at target leverage"
    if state.leverage == MAX_UINT256:
        return "insolvent", "NAV is zero or less"
    if not state.oracle_fresh:
        return "stale", "the venue's oracle price is stale: no round closes until it updates"
    why = (
        f"asynchronous (ERC-7540): requests settle in rounds at the venue's fill; leverage "
        f"{multiple_text(state.leverage)} drifts between them (no rebalance; target "
        f"{multiple_text(state.target_leverage, 2)}); the open round may close from {utc_text(state.next_slot)}"
    )
    if state.paused:
        return "paused", why + "; paused: new requests closed, cancels and claims open"
    return "rounds", why


@dataclass(frozen=True)
class TokenRow:
    """One row of the token table: the lens row and what the page derives from it."""

    state: TokenState
    status: str
    why: str
    oracle_age: int  # seconds, at the page's block
    change_24h: Decimal | None  # NAV per share against the index's sample 24 h before; None without one or shares
    retired_block: int | None = None  # the factory retired it in this block (the index's); None: listed

    @property
    def symbol(self) -> str:
        return self.state.symbol


def token_rows(
    states: dict[str, TokenState],
    block: Block,
    nav_24h_ago: dict[str, int | None] | None = None,
    retired: dict[str, int] | None = None,
) -> list[TokenRow]:
    """The token table of `block`. From the index, by address: `nav_24h_ago`, NAV per share 24 h
    before; `retired`, the block each retired token was retired in."""
    rows = []
    for state in states.values():
        retired_block = (retired or {}).get(state.token)
        status, why = status_reason(state, retired_block)
        before = (nav_24h_ago or {}).get(state.token)
        change = None
        if before and state.nav_per_share and state.supply:
            change = Decimal(state.nav_per_share) / Decimal(before) - 1
        rows.append(TokenRow(state, status, why, block.timestamp - state.oracle_updated_at, change, retired_block))
    return rows


# ---------------------------------------------------------------- lists a page at a time


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, newest first: `rows` are items offset .. offset+limit-1 of `total`."""

    name: str  # the list's query parameters are `{name}_offset` and `{name}_limit`
    rows: list[T]
    offset: int
    limit: int
    total: int

    @property
    def older(self) -> int | None:
        """The offset of the next page (older rows), None on the last one."""
        return self.offset + self.limit if self.offset + self.limit < self.total else None

    @property
    def newer(self) -> int | None:
        """The offset of the previous page (newer rows), None on the first one."""
        return max(self.offset - self.limit, 0) if self.offset > 0 else None


def _whole(query: Mapping[str, str], key: str, default: int, low: int, high: int) -> int:
    """The query parameter `key` as a whole number in [low, high] (`default` when absent)."""
    text = query.get(key)
    if text is None:
        return default
    digits = text.strip()
    # ASCII digits only (no sign, point, exponent or other script's digits), and no longer than
    # `high` is: int() of a huge string is slow and, past 4,300 digits, refused
    if not (digits.isascii() and digits.isdigit()) or len(digits) > len(str(high)) or not low <= int(digits) <= high:
        raise CliError(f"{key} must be a whole number from {low} to {high}, got {text!r}")
    return int(digits)


def page_of(rows: Sequence[T], query: Mapping[str, str], name: str) -> Page[T]:
    """The page of `rows` (oldest first, as the index lists them) that the request's `{name}_offset`
    (default 0: the newest) and `{name}_limit` (default PAGE_SIZE, at most MAX_PAGE_SIZE) ask for,
    newest first. A parameter that is not a whole number in range is the user's error (CliError:
    the page answers 400 with the reason); an offset past the end is an empty page."""
    offset = _whole(query, f"{name}_offset", 0, 0, MAX_OFFSET)
    limit = _whole(query, f"{name}_limit", PAGE_SIZE, 1, MAX_PAGE_SIZE)
    newest_first = list(reversed(rows))
    return Page(name, newest_first[offset : offset + limit], offset, limit, len(rows))


# ---------------------------------------------------------------- quotes and holders


@dataclass(frozen=True)
class Quote:
    """An exact preview in one block and where the money goes (ltsdk.quote.Breakdown)."""

    side: str  # "deposit" | "redeem"
    amount_in: int  # assets paid or shares redeemed
    amount_out: int  # shares minted or assets paid
    breakdown: quote.Breakdown
    # an asynchronous token has no preview (ERC-7540): the round model's estimate if its open
    # round closed now and filled at the current price (Token.estimate_deposit / estimate_redeem)
    is_estimate: bool = False


def quote_deposit(protocol: Protocol, symbol: str, assets: int, state: TokenState, block: Block) -> Quote:
    if state.kind == TokenKind.ASYNC:
        e = protocol.token(symbol).estimate_deposit(assets)
        return Quote("deposit", assets, e.estimated_out, quote.Breakdown(assets, e.fee, 0, e.round_cost), True)
    shares = protocol.node.run(_view(protocol, symbol, "previewDeposit", assets, block))
    return Quote("deposit", assets, shares, quote.mint_breakdown(state, assets, shares))


def quote_redeem(protocol: Protocol, symbol: str, shares: int, state: TokenState, block: Block) -> Quote:
    if state.kind == TokenKind.ASYNC:
        e = protocol.token(symbol).estimate_redeem(shares)
        return Quote("redeem", shares, e.estimated_out, quote.Breakdown(e.at_nav, e.fee, 0, e.round_cost), True)
    assets = protocol.node.run(_view(protocol, symbol, "previewRedeem", shares, block))
    return Quote("redeem", shares, assets, quote.redeem_breakdown(state, shares, assets))


def _view(protocol: Protocol, symbol: str, name: str, amount: int, block: Block) -> Any:
    return plans.view(protocol, symbol, name, amount, block=block.number)


@dataclass(frozen=True)
class Position:
    """One token held by an address, at the page's block (and, from the index, what it cost)."""

    symbol: str
    shares: int
    value: int  # assets: shares x NAV per share
    cost_basis: int | None = None  # assets paid for the shares still held (the index's)
    realised: int | None = None  # assets gained on shares already redeemed (the index's)

    @property
    def unrealised(self) -> int | None:
        return None if self.cost_basis is None else self.value - self.cost_basis


def positions(protocol: Protocol, states: dict[str, TokenState], address: str, block: Block) -> list[Position]:
    """Every token `address` holds in `block`, valued at NAV per share."""
    held = []
    for symbol, state in states.items():
        shares = protocol.node.run(plans.balance_of(protocol, symbol, address, block.number))
        if shares:
            held.append(Position(symbol, shares, shares * state.nav_per_share // WAD))
    return held


def with_cost_basis(held: list[Position], indexed: dict[str, Any]) -> list[Position]:
    """`held` with each position's cost basis and realised PnL from the index's positions
    (ltsdk.index.queries.HolderPosition by symbol), where the index has the token; and a row for
    each token the index knows the holder redeemed entirely (shares 0, realised PnL)."""
    out = [
        replace(p, cost_basis=indexed[p.symbol].cost_basis, realised=indexed[p.symbol].realized_pnl)
        if p.symbol in indexed
        else p
        for p in held
    ]
    chain_symbols = {p.symbol for p in held}
    for symbol, p in indexed.items():
        if symbol not in chain_symbols and p.assets_in:
            out.append(Position(symbol, 0, 0, 0, p.realized_pnl))
    return out
