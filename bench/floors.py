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


# ---------------------------------------------------------------- the asynchronous token (ERC-7540)

REQUEST_LOG = log_gas(4, 64)  # ERC-7540 DepositRequest / RedeemRequest: 3 indexed, sender and amount


ROUND_CLOSED_LOG = log_gas(3, 128)  # RoundClosed: round and order indexed, four words


ROUND_SETTLED_LOG = log_gas(3, 192)  # RoundSettled: round and order indexed, six words


COLLATERAL_MEASURED = "collateral calls, measured in the operation's own trace (CALLs included)"


VENUE_MEASURED = "venue calls, measured in the operation's own trace (CALLs included)"


def async_floor(name: str, receipt, calls: dict[str, int], first: bool) -> list[tuple[str, int, int]]:
    """What any ERC-7540 round design must pay for one async operation: base and calldata, the
    external calls it must make (their gas as measured in the operation's trace: `calls`, by
    COLLATERAL_MEASURED / VENUE_MEASURED), one word per record it must write and the events the
    standard asks for. `first`: the first request of its round (the round's total is a new slot)
    or a receiver's first shares."""
    total = (
        ("the round's total: SSTORE zero -> nonzero, cold", 1, SSTORE_NEW)
        if first
        else ("the round's total: SSTORE update, cold", 1, SSTORE_UPDATE)
    )
    pending = ("the controller's pending amount: SSTORE zero -> nonzero, cold", 1, SSTORE_NEW)
    result_reads = ("the round's totals and result: SLOAD, cold", 2, SLOAD_COLD)
    request_clear = ("the controller's request, cleared: SSTORE update, cold", 1, SSTORE_UPDATE)
    items = base_items(receipt)
    if name == "requestDeposit":
        items += [
            (COLLATERAL_MEASURED, 1, calls[COLLATERAL_MEASURED]),
            pending,
            total,
            ("DepositRequest log (4 topics, 64 bytes)", 1, REQUEST_LOG),
        ]
    elif name == "requestRedeem":
        items += [
            pending,
            total,
            ("share escrow, owner's and the token's balance: SSTORE update, cold", 2, SSTORE_UPDATE),
            ("Transfer log (3 topics, 32 bytes)", 1, TRANSFER_LOG),
            ("RedeemRequest log (4 topics, 64 bytes)", 1, REQUEST_LOG),
        ]
    elif name == "claim deposit":
        receiver = (
            ("receiver's shares: SSTORE zero -> nonzero, cold", 1, SSTORE_NEW)
            if first
            else ("receiver's shares: SSTORE update, cold", 1, SSTORE_UPDATE)
        )
        items += [
            result_reads,
            request_clear,
            receiver,
            ("the token's escrow of shares: SSTORE update, cold", 1, SSTORE_UPDATE),
            ("Transfer log (3 topics, 32 bytes)", 1, TRANSFER_LOG),
            (DEPOSIT_EVENT[0], 1, DEPOSIT_EVENT[1]),
        ]
    elif name == "claim redeem":
        items += [
            result_reads,
            request_clear,
            (COLLATERAL_MEASURED, 1, calls[COLLATERAL_MEASURED]),
            (WITHDRAW_EVENT[0], 1, WITHDRAW_EVENT[1]),
        ]
    elif name == "close_round":
        items += [
            ROLE_CHECK,
            (VENUE_MEASURED, 1, calls[VENUE_MEASURED]),
            (COLLATERAL_MEASURED, 1, calls[COLLATERAL_MEASURED]),
            ("the round's deposits and redeems: SLOAD, cold", 2, SLOAD_COLD),
            ("the round's order id: SSTORE zero -> nonzero, cold", 1, SSTORE_NEW),
            ("the last close time: SSTORE update, cold", 1, SSTORE_UPDATE),
            ("RoundClosed log (3 topics, 128 bytes)", 1, ROUND_CLOSED_LOG),
        ]
    elif name == "settle":
        items += [
            (VENUE_MEASURED, 1, calls[VENUE_MEASURED]),
            ("the round's deposits, redeems and order: SLOAD, cold", 3, SLOAD_COLD),
            ("the round's shares and assets out: SSTORE zero -> nonzero, cold", 2, SSTORE_NEW),
            ("the round's status and the supply: SSTORE update, cold", 2, SSTORE_UPDATE),
            ("RoundSettled log (3 topics, 192 bytes)", 1, ROUND_SETTLED_LOG),
        ]
    else:
        raise ValueError(f"no lower bound for {name!r}")
    return items
