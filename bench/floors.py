"""Lower bounds, itemised: the EVM gas schedule and what any design must pay for each operation
(transaction base, calldata, the storage writes and logs it cannot avoid)."""

from __future__ import annotations

TX_BASE = 21_000


CALLDATA_ZERO_BYTE = 4


CALLDATA_NONZERO_BYTE = 16


SSTORE_NEW = 22_100  # cold slot, zero -> nonzero: 20,000 + 2,100 cold access


SSTORE_UPDATE = 5_000  # cold slot, nonzero -> nonzero: 2,900 + 2,100 cold access


SLOAD_COLD = 2_100


ECRECOVER = 3_000  # precompile; precompiles are always warm


def log_gas(topics: int, data_bytes: int) -> int:
    """LOG: 375 + 375 per topic + 8 per data byte."""
    return 375 + 375 * topics + 8 * data_bytes


TRANSFER_LOG = log_gas(3, 32)  # ERC-20 Transfer and Approval: 1,756


DEPOSIT_LOG = log_gas(3, 64)  # ERC-4626 Deposit: 2,012


WITHDRAW_LOG = log_gas(4, 64)  # ERC-4626 Withdraw: 2,387


def calldata_gas(data: bytes) -> int:
    zeros = data.count(0)
    return zeros * CALLDATA_ZERO_BYTE + (len(data) - zeros) * CALLDATA_NONZERO_BYTE


def base_items(receipt) -> list[tuple[str, int, int]]:
    return [
        ("transaction base", 1, TX_BASE),
        ("calldata (4 per zero byte, 16 per other byte)", 1, calldata_gas(bytes(receipt.transaction.data))),
    ]


def share_items(first: bool, log: tuple[str, int]) -> list[tuple[str, int, int]]:
    """The share ledger any vault must update: the holder's balance, the supply, Transfer and
    the ERC-4626 event."""
    write, price = ("SSTORE zero -> nonzero, cold", SSTORE_NEW) if first else ("SSTORE update, cold", SSTORE_UPDATE)
    return [
        (f"share balance and supply: {write}", 2, price),
        ("Transfer log (3 topics, 32 bytes)", 1, TRANSFER_LOG),
        (log[0], 1, log[1]),
    ]


DEPOSIT_EVENT = ("Deposit log (3 topics, 64 bytes)", DEPOSIT_LOG)


WITHDRAW_EVENT = ("Withdraw log (4 topics, 64 bytes)", WITHDRAW_LOG)


VENUE_ENTER = "venue path, measured: NAV read, collateral pull, venue.deposit, venue.trade (CALLs included)"


VENUE_EXIT = "venue path, measured: NAV read, venue.trade, venue.withdraw to the receiver (CALLs included)"


VENUE_TRADE = "venue path, measured: NAV read, venue.trade (CALLs included)"


VENUE_RIPCORD = "venue path, measured: NAV read, venue.trade, venue.withdraw of the reward (CALLs included)"


VENUE_READ = "venue path, measured: NAV read (venue.account_snapshot and its oracle call, CALL included)"


ROLE_CHECK = ("caller's role: SLOAD, cold", 1, SLOAD_COLD)


BAND_READ = ("target leverage and band: SLOAD, cold", 2, SLOAD_COLD)


COOLDOWN_WRITE = ("last rebalance time, for the cooldown: SSTORE update, cold", 1, SSTORE_UPDATE)


def erc20_floor(name: str, receipt) -> list[tuple[str, int, int]]:
    items = base_items(receipt)
    if name == "transfer":
        items += [("balances of sender and receiver: SSTORE update, cold", 2, SSTORE_UPDATE)]
    elif name == "transferFrom":
        items += [
            ("balances of owner and receiver: SSTORE update, cold", 2, SSTORE_UPDATE),
            ("allowance (finite): SSTORE update, cold", 1, SSTORE_UPDATE),
        ]
    elif name == "approve":
        items += [("allowance (new spender): SSTORE zero -> nonzero, cold", 1, SSTORE_NEW)]
    elif name == "permit":
        items += [
            ("nonce and allowance (new signer): SSTORE zero -> nonzero, cold", 2, SSTORE_NEW),
            ("ecrecover precompile", 1, ECRECOVER),
        ]
    log = "Transfer log (3 topics, 32 bytes)" if name.startswith("transfer") else "Approval log (3 topics, 32 bytes)"
    return [*items, (log, 1, TRANSFER_LOG)]


def floor_total(items) -> int:
    return sum(count * gas for _, count, gas in items)
