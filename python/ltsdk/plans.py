"""The client's logic, written once: every read and write of `Protocol`/`Token` and of their asyncio
twins as a generator of node requests (ltsdk.calls). A plan decides (argument checks, the
preflight that names why a mint would fail, slippage bounds, deadlines, approvals) and decodes the
result; the sync or async node only carries each request to the chain.

Every argument is checked before the first transaction (an approval included) is sent: a bad one
raises its ltsdk.errors class and nothing reaches the chain."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.logs import DISCARD

from ltsdk import errors, math, types
from ltsdk.abis import load_abi
from ltsdk.calls import Call, Estimate, Fn, LatestBlock, Plan, Probe, calldata
from ltsdk.codes import TokenKind
from ltsdk.errors import NoSigner, UnknownToken
from ltsdk.sender import gas_limit, send_plan
from ltsdk.units import BPS, MAX_UINT256

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"

DEFAULT_SLIPPAGE_BPS = 50
DEFAULT_DEADLINE_SECONDS = 900
TOKEN_ABI = "LeveragedToken"
ASYNC_TOKEN_ABI = "LeveragedTokenAsync"
LENS_ABI = "LeveragedTokenLens"
COLLATERAL_ABI = "MockUSDC"  # any ERC-20: balanceOf, allowance, approve
CONFIGURATOR_ABI = "LeveragedTokenConfigurator"
# ERC-165 ids an asynchronous token answers (LeveragedTokenAsync.vy's ERC7540_DEPOSIT_ID, _REDEEM_ID)
ERC7540_DEPOSIT_ID = bytes.fromhex("ce3bbe50")
ERC7540_REDEEM_ID = bytes.fromhex("620ee8e4")

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")  # a result type of ltsdk.types

# decodes the token's events from a receipt; needs no node
_EVENTS = Web3().eth.contract(abi=load_abi(TOKEN_ABI)).events
ASYNC_EVENTS = Web3().eth.contract(abi=load_abi(ASYNC_TOKEN_ABI)).events
_CONFIGURATOR_EVENTS = Web3().eth.contract(abi=load_abi(CONFIGURATOR_ABI)).events


class Deployment:
    """What the plans know of a client: the manifest's addresses, the signer (or None) and the
    collateral's decimals. `Protocol` and `AsyncProtocol` are one of these."""

    def __init__(self, manifest: dict[str, Any], account: LocalAccount | None = None, asset_decimals: int = 6):
        self.manifest = manifest
        self.account = account
        self.asset_decimals = asset_decimals
        self.lens_address = Web3.to_checksum_address(manifest["lens"])
        self.collateral_address = Web3.to_checksum_address(manifest["collateral"])
        self.addresses = {
            symbol: Web3.to_checksum_address(entry["address"]) for symbol, entry in manifest["tokens"].items()
        }
        self.kinds: dict[str, TokenKind] = {}  # each token's kind, once asked (token_kind): it never changes

    def address_of(self, symbol: str) -> str:
        try:
            return self.addresses[symbol]
        except KeyError:
            raise UnknownToken(f"unknown token {symbol!r}; known: {', '.join(sorted(self.addresses))}") from None

    def signer(self) -> LocalAccount:
        if self.account is None:
            raise NoSigner("this call sends a transaction: pass account= or set LT_PRIVATE_KEY")
        return self.account


# ---------------------------------------------------------------- a token's kind


KIND_NAMES = {TokenKind.SYNC: "synchronous", TokenKind.ASYNC: "asynchronous (ERC-7540 requests)"}


def token_kind(d: Deployment, symbol: str) -> Plan[TokenKind]:
    """Whether the token is synchronous or asynchronous (ERC-7540), from its ERC-165 answer: an
    asynchronous token supports both of ERC-7540's async interfaces; the synchronous token has no
    supportsInterface (the call reverts). Asked once per token and client."""
    if symbol not in d.kinds:
        address = d.address_of(symbol)
        kind = TokenKind.SYNC
        for interface_id in (ERC7540_DEPOSIT_ID, ERC7540_REDEEM_ID):
            answered, supported = yield Probe(Fn(address, ASYNC_TOKEN_ABI, "supportsInterface", (interface_id,)))
            if not (answered and supported is True):
                break
        else:
            kind = TokenKind.ASYNC
        d.kinds[symbol] = kind
    return d.kinds[symbol]


def require_kind(d: Deployment, symbol: str, kind: TokenKind, call: str) -> Plan[None]:
    """Raise WrongKind, before anything is sent, unless `symbol` is a `kind` token."""
    actual = yield from token_kind(d, symbol)
    if actual != kind:
        instead = "request_deposit / request_redeem, then claim" if kind == TokenKind.SYNC else "deposit / redeem"
        raise errors.WrongKind(
            f"{call} is for {KIND_NAMES[kind]} tokens and {symbol} is {KIND_NAMES[actual]}: use {instead}"
        )


# ---------------------------------------------------------------- reads


def states(
    d: Deployment, symbols: list[str] | None = None, block: int | None = None, asynchronous: bool = False
) -> Plan[dict[str, types.TokenState]]:
    """The state of every (or the named) token in `block` (None: the latest): one eth_call through
    the lens, whatever their number. The lens reads synchronous tokens only: an asynchronous
    token's lens row is not ok (the keeper's cue to ask its kind). `asynchronous`: read those from
    their own views instead, in the same block (async_row: kind "async")."""
    chosen = symbols or list(d.addresses)
    addresses = [d.address_of(symbol) for symbol in chosen]
    if asynchronous and block is None:
        block = (yield LatestBlock())["number"]  # the lens and the async reads in one block
    rows = yield Call(Fn(d.lens_address, LENS_ABI, "get_states", (addresses,)), typed=False, block=block)
    found = {
        symbol: types.TokenState.from_row(symbol, row, d.asset_decimals)
        for symbol, row in zip(chosen, rows, strict=True)
    }
    if asynchronous:
        for symbol, state in found.items():
            if not state.ok and (yield from token_kind(d, symbol)) == TokenKind.ASYNC:
                found[symbol] = yield from async_row(d, symbol, block)
    return found


# an asynchronous token's views for its row (async_row)
_ASYNC_ROW_READS = (
    "totalSupply",
    "totalAssets",
    "nav_per_share",
    "idle_assets",
    "target_leverage",
    "is_long",
    "paused",
    "mint_fee_bps",
    "redeem_fee_bps",
    "ASSET_SCALE",
    "round_interval",
    "round_grace",
    "last_close",
    "venue",
)


def async_row(d: Deployment, symbol: str, block: int | None = None) -> Plan[types.TokenState]:
    """An asynchronous token's row in the lens's shape (kind "async"), from its own views and its
    venue account in `block` (None: the latest). NAV, supply and NAV per share as the token
    reports them (a filled round counted as settled); leverage the position's notional over NAV
    (lt_math._leverage); status NONE, as it never rebalances (its rounds trade in kind); next_slot
    when its open round may close, last_rebalance_time its last close, keeper_grace its
    round_grace; no band, ripcord, management fee, cooldown or flag (0) and no cap (max). Quotes
    for it come from the round model (Token.estimate_deposit / estimate_redeem), never a preview:
    ERC-7540 forbids them on the asynchronous side. AsyncTokenState (Token.async_state) has the
    rounds."""
    from ltsdk.async_plans import VENUE_ABI

    header = yield LatestBlock(block)
    number, address = header["number"], d.address_of(symbol)
    v = {}
    for name in _ASYNC_ROW_READS:
        v[name] = yield Call(Fn(address, ASYNC_TOKEN_ABI, name), typed=False, block=number)
    # AccountSnapshot: size, equity, price, fresh, updated_at, margin, ...
    snapshot = yield Call(Fn(v["venue"], VENUE_ABI, "account_snapshot", (address,)), typed=False, block=number)
    size, _, price, fresh, updated_at, margin = snapshot[:6]
    return types.TokenState(
        symbol=symbol,
        token=address,
        ok=True,
        timestamp=header["timestamp"],
        supply=v["totalSupply"],
        nav=v["totalAssets"],
        nav_per_share=v["nav_per_share"],
        price=price,
        oracle_updated_at=updated_at,
        oracle_fresh=fresh,
        leverage=math.leverage(size, price, v["totalAssets"], v["ASSET_SCALE"]),
        target_leverage=v["target_leverage"],
        band_lower=0,
        band_upper=0,
        ripcord_leverage=0,
        is_long=v["is_long"],
        status=0,
        size_delta=0,
        size=size,
        margin=margin,
        withdrawable=0,
        idle_assets=v["idle_assets"],
        next_slot=v["last_close"] + v["round_interval"],
        last_rebalance_time=v["last_close"],
        chunk_pending=False,
        split_factor=0,
        split_is_reverse=False,
        paused=v["paused"],
        is_shutdown=False,
        mint_fee_bps=v["mint_fee_bps"],
        redeem_fee_bps=v["redeem_fee_bps"],
        management_fee_bps=0,
        max_total_assets=MAX_UINT256,
        max_price_age=0,
        twap_cooldown=0,
        keeper_grace=v["round_grace"],
        due_since=0,
        asset_decimals=d.asset_decimals,
        kind=TokenKind.ASYNC.value,
    )


def token_state(d: Deployment, symbol: str, block: int | None = None) -> Plan[types.TokenState]:
    return (yield from states(d, [symbol], block))[symbol]


def balance_of(d: Deployment, symbol: str, holder: str, block: int | None = None) -> Plan[int]:
    return (yield Call(Fn(d.address_of(symbol), TOKEN_ABI, "balanceOf", (holder,)), typed=False, block=block))


def view(d: Deployment, symbol: str, name: str, *args: Any, block: int | None = None) -> Plan[Any]:
    """A token view (previews, maxDeposit) in `block` (None: the latest), eth_call'd as the token
    itself; a revert is typed."""
    address = d.address_of(symbol)
    return (yield Call(Fn(address, TOKEN_ABI, name, args), sender=address, block=block))


def latest_block() -> Plan[Any]:
    """The latest block (a mapping with "number", "timestamp", ...)."""
    return (yield LatestBlock())


def latest_timestamp() -> Plan[int]:
    return (yield LatestBlock())["timestamp"]


# ---------------------------------------------------------------- writes


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_amount(amount: int, what: str) -> None:
    if not _is_int(amount) or amount <= 0 or amount > MAX_UINT256:
        raise errors.ZeroAmount(f"{what} must be a positive integer in base units, got {amount!r}")


def check_slippage(slippage_bps: int) -> None:
    """A slippage tolerance is 0..10,000 basis points (0 %..100 %)."""
    if not _is_int(slippage_bps) or not 0 <= slippage_bps <= BPS:
        raise errors.BadArgument(
            f"slippage_bps must be a whole number from 0 to {BPS} (basis points), got {slippage_bps!r}"
        )


def check_deadline(deadline_seconds: int) -> None:
    """The deadline is `deadline_seconds` after the latest block. The transaction lands in a later
    block, so zero or less has passed by then: Expired, before anything is sent."""
    if not _is_int(deadline_seconds):
        raise errors.BadArgument(f"deadline_seconds must be a whole number of seconds, got {deadline_seconds!r}")
    if deadline_seconds <= 0:
        raise errors.Expired(
            f"deadline_seconds must be positive: {deadline_seconds} s after the latest block has passed before"
            " the next block",
            "lt: expired",
        )


def check_address(value: object, what: str) -> str:
    """`value` as a checksummed address: 20 bytes in hex, all one case or correctly checksummed."""
    if not isinstance(value, str) or not Web3.is_address(value):
        error = errors.BadReceiver if what == "receiver" else errors.BadArgument
        raise error(f"{what} must be a 20-byte hex address (0x and 40 hex digits), got {value!r}")
    return Web3.to_checksum_address(value)


def check_receiver(d: Deployment, symbol: str, receiver: str | None) -> str:
    """The receiver (default: the signer), refused as the contract refuses it ("lt: receiver")."""
    if receiver is None:
        return d.signer().address
    address = check_address(receiver, "receiver")
    if address in (ZERO_ADDRESS, d.address_of(symbol)):
        raise errors.BadReceiver(f"the receiver cannot be the zero address or the token, got {address}", "lt: receiver")
    return address


def check_factor(factor: int) -> None:
    """A split factor is a positive whole number (its bounds are the contract's: "lt: bounds")."""
    if not _is_int(factor) or not 0 < factor <= MAX_UINT256:
        raise errors.OutOfBounds(f"the split factor must be a positive whole number, got {factor!r}", "lt: bounds")


def _collateral(d: Deployment, name: str, *args: Any) -> Fn:
    return Fn(d.collateral_address, COLLATERAL_ABI, name, args)


def preflight_mint(d: Deployment, symbol: str, assets: int, receiver: str, payer: str | None = None) -> Plan[None]:
    """Raise the error a mint paying `assets` (from `payer`, default the signer) would revert
    with, before any approval is sent (the real call can only be simulated once the allowance
    exists)."""
    held = yield Call(_collateral(d, "balanceOf", payer or d.signer().address), typed=False)
    if assets > held:
        raise errors.InsufficientBalance(
            f"the wallet holds {held} of the {assets} needed", "usdc: insufficient balance"
        )
    state = yield from token_state(d, symbol)
    most = yield from view(d, symbol, "maxDeposit", receiver)
    if assets > most:
        if state.is_shutdown:
            raise errors.Shutdown("the token is shut down", "lt: shutdown")
        if state.paused:
            raise errors.Paused("minting is paused", "lt: paused")
        if not state.oracle_fresh:
            raise errors.StalePrice("the oracle price is stale", "lt: stale price")
        if state.supply > 0 and state.nav == 0:
            raise errors.Insolvent("the fund is insolvent", "lt: insolvent")
        if state.nav + assets > state.max_total_assets:
            raise errors.CapReached(f"{assets} would take NAV past max_total_assets", "lt: cap")
        # else the venue's depth binds. maxDeposit underestimates that limit by up to ~0.1 %:
        # just above it the simulation decides; well above it the trade cannot fit
        if assets > most + most // 500:
            raise errors.SlippageExceeded(
                f"{assets} would trade past the fund's price limit on the venue; at most ~{most} now",
                "venue: slippage",
            )
    if state.supply == 0:
        # the contract's own rule: the fee rounded up (math.fee, as lt_math._fee), the rest >= one unit
        net = assets - math.fee(assets, state.mint_fee_bps)
        minimum = yield Call(Fn(d.address_of(symbol), TOKEN_ABI, "MIN_INITIAL_ASSETS"), typed=False)
        if net < minimum:
            least = math.gross_up(minimum, state.mint_fee_bps)
            raise errors.FirstDepositTooSmall(
                f"the first mint must add at least {minimum} base units after the mint fee: pay at least {least}",
                "lt: first deposit",
            )


def ensure_allowance(
    d: Deployment, symbol: str, assets: int, tx_kwargs: dict[str, Any], approve_max: bool = False
) -> Plan[None]:
    """Approve the token for `assets` exactly (or, with `approve_max`, for every future call) if
    the current allowance is short."""
    owner, spender = d.signer().address, d.address_of(symbol)
    allowance = yield Call(_collateral(d, "allowance", owner, spender), typed=False)
    if allowance < assets:
        amount = MAX_UINT256 if approve_max else assets
        yield from send_plan(d.signer(), _collateral(d, "approve", spender, amount), tx_kwargs)


def transact(
    d: Deployment, symbol: str, name: str, args: tuple[Any, ...], tx_kwargs: dict[str, Any], abi: str = TOKEN_ABI
) -> Plan[Any]:
    """Simulate, sign, send one token call (`name` in the ABI `abi`); the receipt (a revert raises
    its typed error)."""
    return (yield from send_plan(d.signer(), Fn(d.address_of(symbol), abi, name, args), tx_kwargs))


def transact_any(d: Deployment, symbol: str, name: str, args: tuple[Any, ...], tx_kwargs: dict[str, Any]) -> Plan[Any]:
    """`transact` with the ABI of the token's kind (LeveragedToken or LeveragedTokenAsync)."""
    kind = yield from token_kind(d, symbol)
    abi = ASYNC_TOKEN_ABI if kind == TokenKind.ASYNC else TOKEN_ABI
    return (yield from transact(d, symbol, name, args, tx_kwargs, abi))


def configure(d: Deployment, symbol: str, setter: str, args: tuple[Any, ...], tx_kwargs: dict[str, Any]) -> Plan[Any]:
    """One parameter change through the token's configurator (the token passed first): simulate,
    sign, send; the receipt (a revert raises its typed error)."""
    yield from require_kind(d, symbol, TokenKind.SYNC, "configure")
    token = d.address_of(symbol)
    configurator = yield Call(Fn(token, TOKEN_ABI, "configurator"), typed=False)
    return (yield from send_plan(d.signer(), Fn(configurator, CONFIGURATOR_ABI, setter, (token, *args)), tx_kwargs))


def queued_change(receipt: Any) -> types.QueuedChange | None:
    """The change a configurator call queued (its ChangeQueued event), or None if it acted at once."""
    logs = _CONFIGURATOR_EVENTS.ChangeQueued().process_receipt(receipt, errors=DISCARD)
    if not logs:
        return None
    args = logs[0]["args"]
    return types.QueuedChange(
        tx_hash=Web3.to_hex(receipt["transactionHash"]),
        change_id=Web3.to_hex(args["change_id"]),
        kind=args["kind"],
        values=tuple(args["values"]),
        eta=args["eta"],
    )


def queue_call(d: Deployment, symbol: str, name: str, change_id: str, tx_kwargs: dict[str, Any]) -> Plan[Any]:
    """The configurator's `execute` (the admin, once the delay has passed) or `cancel` (the
    guardian or the admin) of a queued change of this token: simulate, sign, send; the receipt."""
    if name not in ("execute", "cancel"):
        raise errors.BadArgument(f"a queued change is executed or cancelled, not {name!r}")
    try:
        change = bytes.fromhex(change_id.removeprefix("0x"))
    except (AttributeError, ValueError):
        change = b""
    if len(change) != 32:
        raise errors.BadArgument(f"a change id is 32 bytes of hex, got {change_id!r}")
    yield from require_kind(d, symbol, TokenKind.SYNC, f"{name}_change")
    token = d.address_of(symbol)
    configurator = yield Call(Fn(token, TOKEN_ABI, "configurator"), typed=False)
    return (yield from send_plan(d.signer(), Fn(configurator, CONFIGURATOR_ABI, name, (change,)), tx_kwargs))


def decode(d: Deployment, symbol: str, receipt: Any, event_name: str, result_type: type[R], events: Any = _EVENTS) -> R:
    """`result_type` (a types dataclass) from the transaction hash, the gas used and the arguments
    of the token's `event_name` event in `receipt`, matched by field name (`events`: the token
    ABI's events; ASYNC_EVENTS for an asynchronous token)."""
    address = d.address_of(symbol)
    own = dict(receipt, logs=[log for log in receipt["logs"] if Web3.to_checksum_address(log["address"]) == address])
    logs = getattr(events, event_name)().process_receipt(own, errors=DISCARD)
    if not logs:
        raise errors.TransactionFailed(f"no {event_name} event in {Web3.to_hex(receipt['transactionHash'])}")
    args = logs[0]["args"]
    fields = {f.name for f in dataclasses.fields(result_type)} - {"tx_hash", "gas_used"}
    values = {name: args[name] for name in fields}
    values.update(tx_hash=Web3.to_hex(receipt["transactionHash"]), gas_used=receipt["gasUsed"])
    return result_type(**values)


def deposit(
    d: Deployment,
    symbol: str,
    assets: int,
    receiver: str | None,
    slippage_bps: int,
    deadline_seconds: int,
    tx: dict,
    min_shares: int | None = None,
    approve_max: bool = False,
) -> Plan[types.Deposited]:
    """Pay `assets`; at least `min_shares` (default: the preview less `slippage_bps`) or revert."""
    check_amount(assets, "assets")
    check_slippage(slippage_bps)
    check_deadline(deadline_seconds)
    if min_shares is not None and (not _is_int(min_shares) or not 0 <= min_shares <= MAX_UINT256):
        raise errors.BadArgument(f"min_shares must be a whole number of share units (wei), got {min_shares!r}")
    to = check_receiver(d, symbol, receiver)
    yield from require_kind(d, symbol, TokenKind.SYNC, "deposit")
    yield from preflight_mint(d, symbol, assets, to)
    preview = yield from view(d, symbol, "previewDeposit", assets)
    if preview == 0:
        raise errors.ZeroAmount(f"{assets} is too small to mint a share", "lt: zero shares")
    if min_shares is None:
        min_shares = preview * (BPS - slippage_bps) // BPS
    elif min_shares > preview:
        raise errors.SlippageExceeded(
            f"{assets} buys {preview} shares now, fewer than min_shares {min_shares}", "lt: slippage"
        )
    yield from ensure_allowance(d, symbol, assets, tx, approve_max)
    deadline = (yield from latest_timestamp()) + deadline_seconds
    args = (assets, to, min_shares, deadline)
    receipt = yield from transact(d, symbol, "deposit(uint256,address,uint256,uint256)", args, tx)
    return decode(d, symbol, receipt, "Deposit", types.Deposited)


def mint(
    d: Deployment,
    symbol: str,
    shares: int,
    receiver: str | None,
    slippage_bps: int,
    deadline_seconds: int,
    tx: dict,
    approve_max: bool = False,
) -> Plan[types.Deposited]:
    check_amount(shares, "shares")
    check_slippage(slippage_bps)
    check_deadline(deadline_seconds)
    to = check_receiver(d, symbol, receiver)
    yield from require_kind(d, symbol, TokenKind.SYNC, "mint")
    charge = yield from view(d, symbol, "previewMint", shares)
    max_assets = charge * (BPS + slippage_bps) // BPS
    yield from preflight_mint(d, symbol, charge, to)
    yield from ensure_allowance(d, symbol, max_assets, tx, approve_max)
    deadline = (yield from latest_timestamp()) + deadline_seconds
    args = (shares, to, max_assets, deadline)
    receipt = yield from transact(d, symbol, "mint(uint256,address,uint256,uint256)", args, tx)
    return decode(d, symbol, receipt, "Deposit", types.Deposited)


def redeem(
    d: Deployment,
    symbol: str,
    shares: int,
    receiver: str | None,
    owner: str | None,
    slippage_bps: int,
    deadline_seconds: int,
    tx: dict,
    min_assets: int | None = None,
) -> Plan[types.Withdrawn]:
    """Burn `shares`; at least `min_assets` (default: the preview less `slippage_bps`) or revert."""
    check_amount(shares, "shares")
    check_slippage(slippage_bps)
    check_deadline(deadline_seconds)
    if min_assets is not None and (not _is_int(min_assets) or not 0 <= min_assets <= MAX_UINT256):
        raise errors.BadArgument(f"min_assets must be a whole number of collateral base units, got {min_assets!r}")
    to = check_receiver(d, symbol, receiver)
    holder = d.signer().address if owner is None else check_address(owner, "owner")
    yield from require_kind(d, symbol, TokenKind.SYNC, "redeem")
    if min_assets is None:
        min_assets = (yield from view(d, symbol, "previewRedeem", shares)) * (BPS - slippage_bps) // BPS
    deadline = (yield from latest_timestamp()) + deadline_seconds
    args = (shares, to, holder, min_assets, deadline)
    receipt = yield from transact(d, symbol, "redeem(uint256,address,address,uint256,uint256)", args, tx)
    return decode(d, symbol, receipt, "Withdraw", types.Withdrawn)


def withdraw(
    d: Deployment,
    symbol: str,
    assets: int,
    receiver: str | None,
    owner: str | None,
    slippage_bps: int,
    deadline_seconds: int,
    tx: dict,
) -> Plan[types.Withdrawn]:
    check_amount(assets, "assets")
    check_slippage(slippage_bps)
    check_deadline(deadline_seconds)
    to = check_receiver(d, symbol, receiver)
    holder = d.signer().address if owner is None else check_address(owner, "owner")
    yield from require_kind(d, symbol, TokenKind.SYNC, "withdraw")
    max_shares = (yield from view(d, symbol, "previewWithdraw", assets)) * (BPS + slippage_bps) // BPS
    deadline = (yield from latest_timestamp()) + deadline_seconds
    args = (assets, to, holder, max_shares, deadline)
    receipt = yield from transact(d, symbol, "withdraw(uint256,address,address,uint256,uint256)", args, tx)
    return decode(d, symbol, receipt, "Withdraw", types.Withdrawn)


# keeper and admin calls: (function, event, result type)
KEEPER_CALLS: dict[str, tuple[str, type]] = {
    "rebalance": ("Rebalanced", types.Rebalanced),
    "ripcord": ("Ripcord", types.Ripcorded),
    "split": ("Split", types.Splitted),
    "reverse_split": ("Split", types.Splitted),
}


def keeper_call(d: Deployment, symbol: str, name: str, args: tuple[Any, ...], tx: dict) -> Plan[Any]:
    event_name, result_type = KEEPER_CALLS[name]
    if name in ("split", "reverse_split"):
        check_factor(args[0])
    yield from require_kind(d, symbol, TokenKind.SYNC, name)
    receipt = yield from transact(d, symbol, name, args, tx)
    return decode(d, symbol, receipt, event_name, result_type)


# ---------------------------------------------------------------- transactions for an outside wallet


def _unsigned(description: str, sender: str, fn: Fn, gas: int | None = None) -> types.UnsignedTx:
    return types.UnsignedTx(description=description, sender=sender, to=fn.address, data=calldata(fn), gas=gas)


def _simulated(description: str, sender: str, fn: Fn) -> Plan[types.UnsignedTx]:
    """`fn` as `sender`, simulated (a revert raises its typed error) and estimated, with the gas
    limit to send: the mined block can take a costlier path than the estimate's (a second of fee)."""
    yield Call(fn, sender)
    estimate = yield Estimate(fn, sender)
    return _unsigned(description, sender, fn, gas_limit(estimate))


def _wallet_receiver(d: Deployment, symbol: str, sender: str, receiver: str | None) -> str:
    return sender if receiver is None else check_receiver(d, symbol, receiver)


def wallet_deposit(
    d: Deployment,
    symbol: str,
    assets: int,
    sender: str,
    receiver: str | None,
    slippage_bps: int,
    deadline_seconds: int,
) -> Plan[types.WalletPlan]:
    """The transactions a browser wallet (or any signer outside this process) sends to pay
    `assets` from `sender`: the exact approval when the allowance is short, then the slippage-
    and deadline-bounded deposit; with the exact quote of the latest block they were built from.
    Every check of `deposit` runs first: a bad argument or a mint that would revert raises its
    typed error and no transaction is returned. Without an approval to send first, the deposit is
    simulated as `sender` too."""
    check_amount(assets, "assets")
    check_slippage(slippage_bps)
    check_deadline(deadline_seconds)
    payer = check_address(sender, "sender")
    to = _wallet_receiver(d, symbol, payer, receiver)
    yield from require_kind(d, symbol, TokenKind.SYNC, "deposit_transactions")
    latest = yield LatestBlock()
    yield from preflight_mint(d, symbol, assets, to, payer)
    preview = yield from view(d, symbol, "previewDeposit", assets, block=latest["number"])
    if preview == 0:
        raise errors.ZeroAmount(f"{assets} is too small to mint a share", "lt: zero shares")
    min_shares = preview * (BPS - slippage_bps) // BPS
    token = d.address_of(symbol)
    transactions = []
    allowance = yield Call(_collateral(d, "allowance", payer, token), typed=False)
    if allowance < assets:
        approve = _collateral(d, "approve", token, assets)
        transactions.append((yield from _simulated(f"approve {token} for {assets}", payer, approve)))
    deadline = latest["timestamp"] + deadline_seconds
    fn = Fn(token, TOKEN_ABI, "deposit(uint256,address,uint256,uint256)", (assets, to, min_shares, deadline))
    description = f"deposit {assets} into {symbol}"
    if transactions:  # the deposit can run only after the approval: the wallet estimates it then
        transactions.append(_unsigned(description, payer, fn))
    else:
        transactions.append((yield from _simulated(description, payer, fn)))
    block = latest["number"]
    return types.WalletPlan("deposit", symbol, block, assets, preview, min_shares, deadline, tuple(transactions))


def wallet_redeem(
    d: Deployment,
    symbol: str,
    shares: int,
    sender: str,
    receiver: str | None,
    slippage_bps: int,
    deadline_seconds: int,
) -> Plan[types.WalletPlan]:
    """The transaction a browser wallet sends to redeem `shares` of `sender`: slippage- and
    deadline-bounded, simulated as `sender` (a revert raises its typed error, and no transaction
    is returned), with the exact quote of the latest block it was built from."""
    check_amount(shares, "shares")
    check_slippage(slippage_bps)
    check_deadline(deadline_seconds)
    owner = check_address(sender, "sender")
    to = _wallet_receiver(d, symbol, owner, receiver)
    yield from require_kind(d, symbol, TokenKind.SYNC, "redeem_transactions")
    latest = yield LatestBlock()
    held = yield from balance_of(d, symbol, owner, latest["number"])
    if shares > held:
        raise errors.InsufficientBalance(f"the wallet holds {held} shares of the {shares} to redeem", "lt: balance")
    preview = yield from view(d, symbol, "previewRedeem", shares, block=latest["number"])
    min_assets = preview * (BPS - slippage_bps) // BPS
    deadline = latest["timestamp"] + deadline_seconds
    args = (shares, to, owner, min_assets, deadline)
    fn = Fn(d.address_of(symbol), TOKEN_ABI, "redeem(uint256,address,address,uint256,uint256)", args)
    transaction = yield from _simulated(f"redeem {shares} {symbol}", owner, fn)
    return types.WalletPlan("redeem", symbol, latest["number"], shares, preview, min_assets, deadline, (transaction,))
