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
