"""Immutable results the SDK returns: raw `int`s for on-chain values, `Decimal` views for people.

Never `float` for money: every human view divides exact integers as Decimals.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal

from ltsdk import codes, units

WAD = Decimal(units.WAD)  # for human views


@dataclass(frozen=True)
class TokenState:
    """One row of LeveragedTokenLens.get_states (same field names and units as the contract)."""

    symbol: str
    token: str
    ok: bool
    timestamp: int
    supply: int
    nav: int
    nav_per_share: int
    price: int
    oracle_updated_at: int
    oracle_fresh: bool
    leverage: int
    target_leverage: int
    band_lower: int
    band_upper: int
    ripcord_leverage: int
    is_long: bool
    status: int
    size_delta: int
    size: int
    margin: int
    withdrawable: int
    idle_assets: int
    next_slot: int
    last_rebalance_time: int
    chunk_pending: bool
    split_factor: int
    split_is_reverse: bool
    paused: bool
    is_shutdown: bool
    mint_fee_bps: int
    redeem_fee_bps: int
    management_fee_bps: int
    max_total_assets: int
    max_price_age: int
    twap_cooldown: int
    keeper_grace: int
    due_since: int
    asset_decimals: int = 6
    # "sync": a lens row; "async": an asynchronous token read from its own views (plans.async_row):
    # no band, ripcord, rebalance status or cap; next_slot is when its open round may close
    kind: str = codes.TokenKind.SYNC.value

    @classmethod
    def from_row(cls, symbol: str, row, asset_decimals: int = 6) -> TokenState:
        """From a decoded lens row (a named tuple or a dict with the struct's field names)."""
        values = row._asdict() if hasattr(row, "_asdict") else dict(row)
        return cls(symbol=symbol, asset_decimals=asset_decimals, **values)

    # ---------------------------------------------------------------- human views

    def assets(self, amount: int) -> Decimal:
        return Decimal(amount) / Decimal(10**self.asset_decimals)

    @property
    def nav_usd(self) -> Decimal:
        return self.assets(self.nav)

    @property
    def nav_per_share_usd(self) -> Decimal:
        return self.assets(self.nav_per_share)

    @property
    def price_usd(self) -> Decimal:
        return Decimal(self.price) / WAD

    @property
    def leverage_x(self) -> Decimal | None:
        """Leverage as a multiple (2.739); None when insolvent."""
        return None if self.leverage == units.MAX_UINT256 else Decimal(self.leverage) / WAD

    @property
    def target_x(self) -> Decimal:
        return Decimal(self.target_leverage) / WAD

    @property
    def band_x(self) -> tuple[Decimal, Decimal]:
        return Decimal(self.band_lower) / WAD, Decimal(self.band_upper) / WAD

    @property
    def status_name(self) -> str:
        return codes.reason_name(self.status)

    @property
    def rebalance_due(self) -> bool:
        return self.ok and self.status != codes.Reason.NONE

    def as_dict(self) -> dict:
        """JSON-friendly: raw integers as strings (they exceed 2**53), plus the human views."""
        raw = {
            key: (str(value) if isinstance(value, int) and not isinstance(value, bool) else value)
            for key, value in asdict(self).items()
        }
        raw.update(
            nav_usd=str(self.nav_usd),
            nav_per_share_usd=str(self.nav_per_share_usd),
            price_usd=str(self.price_usd),
            leverage_x=None if self.leverage_x is None else str(self.leverage_x),
            status_name=self.status_name,
        )
        return raw


@dataclass(frozen=True)
class Deposited:
    """From the Deposit event: `assets` paid by `sender`, `shares` minted to `owner`."""

    tx_hash: str
    sender: str
    owner: str
    assets: int
    shares: int
    gas_used: int


@dataclass(frozen=True)
class Withdrawn:
    """From the Withdraw event: `shares` of `owner` burned, `assets` paid to `receiver`."""

    tx_hash: str
    sender: str
    receiver: str
    owner: str
    assets: int
    shares: int
    gas_used: int


@dataclass(frozen=True)
class Rebalanced:
    tx_hash: str
    reason: int
    size_before: int
    size_after: int
    price: int
    leverage_before: int
    leverage_after: int
    gas_used: int

    @property
    def reason_name(self) -> str:
        return codes.reason_name(self.reason)


@dataclass(frozen=True)
class Ripcorded:
    tx_hash: str
    caller: str
    reward: int
    leverage_before: int
    leverage_after: int
    gas_used: int


@dataclass(frozen=True)
class Splitted:
    tx_hash: str
    factor: int
    is_reverse: bool
    nav_per_share_before: int
    nav_per_share_after: int
    gas_used: int


@dataclass(frozen=True)
class UnsignedTx:
    """A transaction for a wallet outside the SDK to sign and send (a browser's EIP-1193
    `eth_sendTransaction`): `sender` signs a call of `to` with `data`. `gas` is the limit to send
    with (the estimate plus ltsdk.sender's margin) when the transaction was simulated alone; None
    when it waits on an earlier one (a deposit after its approval): the wallet estimates it then.
    The wallet sets the fees."""

    description: str
    sender: str
    to: str
    data: str
    gas: int | None = None

    def as_request(self) -> dict[str, str]:
        """eth_sendTransaction's parameter object."""
        request = {"from": self.sender, "to": self.to, "data": self.data, "value": "0x0"}
        if self.gas is not None:
            request["gas"] = hex(self.gas)
        return request


@dataclass(frozen=True)
class WalletPlan:
    """What a wallet sends for one deposit or redeem, in order (an approval first when the
    allowance is short), and the exact quote of `block` they were built from: `amount_in` assets
    paid (deposit) or shares burned (redeem), `quoted_out` the preview's shares or assets,
    `min_out` the bound the transaction carries, `deadline` its unix time."""

    action: str
    symbol: str
    block: int
    amount_in: int
    quoted_out: int
    min_out: int
    deadline: int
    transactions: tuple[UnsignedTx, ...]


@dataclass(frozen=True)
class QueuedChange:
    """A parameter change waiting in the configurator's queue (its ChangeQueued event): `kind`
    is the setter's number (KIND_FEES = 1 ... KIND_DELAY = 8), `values` its arguments padded to
    five words, `eta` the timestamp from which the admin may execute it (for the configurator's
    EXECUTION_WINDOW after)."""

    tx_hash: str
    change_id: str  # 0x-hex, what execute_change and cancel_change take
    kind: int
    values: tuple[int, ...]
    eta: int


# ---------------------------------------------------------------- the asynchronous token (ERC-7540)


@dataclass(frozen=True)
class Round:
    """One of an asynchronous token's rounds (LeveragedTokenAsync.rounds): `deposits` assets and
    `redeems` shares requested, its status, and its venue order (the one in flight, or the last
    placed; 0 for none) with that order's status at the venue."""

    round_id: int
    deposits: int
    redeems: int
    status: int  # codes.RoundStatus
    order_id: int
    order_status: int  # codes.OrderStatus (NONE without an order)

    @property
    def status_name(self) -> str:
        return codes.RoundStatus(self.status).label

    @property
    def order_status_name(self) -> str:
        return codes.OrderStatus(self.order_status).label


@dataclass(frozen=True)
class AsyncTokenState:
    """An asynchronous token read in one block (`timestamp` its time): NAV and supply as the token
    reports them (a filled round counted as settled), the venue account, the open round (takes
    requests), the round in flight (None if none) and the schedule. Units as TokenState."""

    symbol: str
    token: str
    venue: str
    block: int
    timestamp: int
    supply: int
    nav: int
    nav_per_share: int
    idle_assets: int
    held_assets: int  # held for requests, claims and fees; not NAV
    size: int  # WAD, signed
    equity: int  # the venue account's, collateral units
    price: int  # WAD, the venue's oracle price
    oracle_fresh: bool
    target_leverage: int
    is_long: bool
    paused: bool
    mint_fee_bps: int
    redeem_fee_bps: int
    initial_nav_per_share: int
    asset_scale: int
    min_deposit_assets: int
    min_redeem_shares: int
    redeem_cushion_bps: int
    max_slippage_bps: int
    execution_fee: int  # the venue's min_execution_fee, fronted by whoever closes a round
    round_interval: int  # seconds
    round_grace: int  # seconds
    last_close: int  # timestamp
    open_round: Round
    flight_round: Round | None
    band_bps: int  # rebalance_parameters(): a close rebalances outside target -+ this
    rebalance_interval: int  # seconds: ... or this long after the last rebalance, at min_drift_bps
    min_drift_bps: int
    ripcord_leverage: int  # WAD
    last_rebalance: int  # timestamp
    asset_decimals: int = 6

    @property
    def next_close(self) -> int:
        """When the open round may close (the keeper's; anyone's `round_grace` later)."""
        return self.last_close + self.round_interval

    @property
    def seconds_to_close(self) -> int:
        """Seconds from this block until the open round may close (0: now; a round in flight
        must settle first)."""
        return max(self.next_close - self.timestamp, 0)

    @property
    def nav_per_share_usd(self) -> Decimal:
        return Decimal(self.nav_per_share) / Decimal(10**self.asset_decimals)

    @property
    def leverage_x(self) -> Decimal | None:
        """The position's notional over NAV (None without NAV)."""
        if self.nav <= 0:
            return None
        notional = Decimal(abs(self.size)) * Decimal(self.price) / WAD / WAD
        return notional / (Decimal(self.nav) / Decimal(10**self.asset_decimals))

    def as_dict(self) -> dict:
        """JSON-friendly: raw integers as strings, the rounds as objects with their status names."""

        def raw(values: dict) -> dict:
            return {k: (str(v) if isinstance(v, int) and not isinstance(v, bool) else v) for k, v in values.items()}

        data = raw({k: v for k, v in asdict(self).items() if k not in ("open_round", "flight_round")})
        data["kind"] = codes.TokenKind.ASYNC.value
        data["open_round"] = dict(raw(asdict(self.open_round)), status_name=self.open_round.status_name)
        flight = self.flight_round
        data["flight_round"] = (
            None
            if flight is None
            else dict(raw(asdict(flight)), status_name=flight.status_name, order_status_name=flight.order_status_name)
        )
        data.update(
            nav_per_share_usd=str(self.nav_per_share_usd),
            seconds_to_close=str(self.seconds_to_close),
            next_close=str(self.next_close),
        )
        return data


@dataclass(frozen=True)
class Requests:
    """A controller's requests on an asynchronous token: pending (in the open round or in flight)
    and claimable (settled, not yet claimed), each side with what it is owed."""

    controller: str
    pending_deposit: int  # assets
    claimable_deposit: int  # assets of settled deposit requests (what claim_deposit spends)
    claimable_shares: int  # shares those are owed (maxMint)
    pending_redeem: int  # shares
    claimable_redeem: int  # shares of settled redeem requests (what claim_redeem spends)
    claimable_assets: int  # assets those are owed (maxWithdraw)


@dataclass(frozen=True)
class Requested:
    """From a DepositRequest or RedeemRequest event: `amount` assets (deposit) or shares (redeem)
    paid by `owner` into the open round for `controller`."""

    tx_hash: str
    side: str  # "deposit" or "redeem"
    controller: str
    owner: str
    amount: int
    gas_used: int


@dataclass(frozen=True)
class Cancelled:
    """From a RequestCancelled event: exactly `amount` (assets or shares) back to `controller`."""

    tx_hash: str
    side: str
    controller: str
    amount: int
    gas_used: int


@dataclass(frozen=True)
class RoundClosed:
    """From a RoundClosed event: the round's one venue order."""

    tx_hash: str
    round_id: int
    order_id: int
    deposits: int
    redeems: int
    size_delta: int
    collateral_delta: int
    gas_used: int


@dataclass(frozen=True)
class Settled:
    """What settle() did with the round in flight: `status` after it (codes.RoundStatus: SETTLED,
    PAYING while a payout order runs, OPEN when the order was refused or expired and the round
    reopened); the RoundSettled figures when it settled at a fill (else zero)."""

    tx_hash: str
    round_id: int
    status: int
    cost: int
    shares_out: int
    assets_out: int
    gas_used: int

    @property
    def status_name(self) -> str:
        return codes.RoundStatus(self.status).label


@dataclass(frozen=True)
class AsyncEstimate:
    """An ESTIMATE, not a quote (ERC-7540 forbids previews on the asynchronous side): what a
    request of `amount_in` (assets for a deposit, shares for a redeem) would get if its round
    closed now and filled at the current oracle price, from the model (ltsdk.replica.async_token)
    with the open round's other requests netted in. The fill's price, funding and the requests
    that join the round before it closes move the real result. `at_nav` is the same request at
    NAV before any cost; `fee` the token's mint or redeem fee on it; `round_cost` its pro-rata
    part of the round's order cost (taker fee, impact, execution fee; 0 when the other side is in
    excess)."""

    side: str
    amount_in: int
    estimated_out: int
    at_nav: int
    fee: int  # assets
    round_cost: int  # assets
    price: int  # WAD, the oracle price assumed at the fill
    block: int
    is_estimate: bool = True
