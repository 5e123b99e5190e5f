"""Benchmarks (`make bench`): gas per operation next to references and lower bounds, and speed.

Prints the tables and writes bench/results.md.

1. Gas. Each figure is one transaction's `gas_used` (21,000 base + calldata + execution) on a local
   anvil in a warmed-up steady state: the sender, the receiver and the fee recipient already hold
   balances, the fund holds a position, each call lands a minute after the last (so each
   share-changing call also mints the streaming fee), and the rebalances measured are not the
   fund's first (that one, and a TWAP's first chunk, fill bookkeeping slots for the first time;
   the notes give their cost). The references are compiled in the same run and driven the same
   way: snekmate's ERC-20 (contracts/mocks/ReferenceERC20.vy) for transfer, transferFrom and
   approve, and snekmate's ERC-4626 vault over the same MockUSDC (contracts/mocks/
   ReferenceERC4626.vy) for deposit, mint, withdraw, redeem and permit. REFERENCE_SCOPE says what
   each reference does not do. Opcode traces (debug_traceTransaction) split the main calls into
   venue, views and collateral calls, own storage reads and writes, logs and the rest.

2. Lower bounds. For each operation, what any design must pay: the transaction base and its
   calldata, the storage writes and logs the operation cannot avoid (priced from the gas schedule
   below), and the venue's own work measured in the same state. For the venue part the script
   copies contracts/mocks/ReferenceMinimalFund.vy onto the token's address inside an anvil
   snapshot, so the venue sees the token's own account and position and the user's collateral
   allowance applies; it sends the venue calls the operation must make (NAV read, collateral
   pull, venue.deposit, venue.trade, venue.withdraw) as one transaction in the state the token's
   call ran in, and reverts. One transaction from a contract at the fund's address rather than an
   EOA calling the venue: an EOA is not the fund's venue account, and two transactions would pay
   the venue's cold storage twice. Reads of the fund's own state beyond those listed, memory and
   arithmetic are not counted, so each bound is below what any real design pays.

3. Speed: backtester steps per second, SDK state reads (JSON-RPC requests and wall time) for 6 and
   50 tokens, keeper decision time for 50 tokens, and the test suite's wall time as `make test`
   records it in out/test-seconds.txt.
"""

import statistics
import time
from pathlib import Path
from types import SimpleNamespace

import requests
from ape import accounts, chain, networks, project
from ape.logging import logger
from eth_account import Account
from web3 import Web3

from ltsdk import backtest, permit
from ltsdk.client import Protocol
from ltsdk.deploy import ApeBackend, create_token, deploy_protocol, manifest_json, token_symbol
from ltsdk.keeper import Keeper, Policy, decide

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.md"
TEST_SECONDS = ROOT / "out" / "test-seconds.txt"  # written by `make test`

USDC = 10**6
WAD = 10**18
MAX_UINT256 = 2**256 - 1
MINUTE = 60  # between calls in the steady state
TOKEN = "BTC3L"  # the token the gas section measures

# what the gas section's calls move, the same for the token and its references
USER_FUNDS = 1_000_000 * USDC
DEPOSIT_ASSETS = 10_000 * USDC  # the first deposit and the measured one
TOP_UP_ASSETS = 1_000 * USDC  # the warm-up deposit between them
WITHDRAW_ASSETS = 1_000 * USDC
SHARES = 10  # whole shares per mint and redeem
ERC20_AMOUNT = 10**18  # per transfer, transferFrom and permit (share wei)
ERC20_ALLOWANCE = 10**20

# ---------------------------------------------------------------- EVM gas schedule (EIP-2929, EIP-2028)

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

# ---------------------------------------------------------------- targets (VERIFICATION.md, Gas)

TARGET_GAS = {
    "deposit": 200_000,
    "redeem": 200_000,
    "rebalance (full)": 150_000,
    "rebalance (chunk)": 150_000,
    "rebalance (not needed, reverts)": 30_000,
    "split": 50_000,
    "reverse split": 50_000,
}
TRANSFER_MARGIN = 1_000  # transfer: within +1,000 gas of the plain ERC-20

REFERENCE_SCOPE = """\
- **ERC-20** (snekmate `erc20`, contracts/mocks/ReferenceERC20.vy): balances and allowances only. No
  share scale (the token multiplies by `base_per_share` on every transfer so splits are O(1)).
- **ERC-4626** (snekmate `erc4626` over the same MockUSDC, contracts/mocks/ReferenceERC4626.vy): the
  vault keeps the collateral in its own balance. No venue deposit, trade or withdrawal, no NAV read
  from a venue and oracle (its totalAssets is its own balance), no mint, redeem or streaming fee, no
  pause, cap, shutdown, stale-price, slippage or deadline check, no dead shares (virtual shares
  instead). Its permit is snekmate's EIP-2612, the reference for the token's permit.
- **Lower bound**: the transaction base, calldata, the storage writes and logs the operation cannot
  avoid, and the venue calls measured from a contract that does nothing else
  (contracts/mocks/ReferenceMinimalFund.vy at the token's address, in the same state)."""

# ---------------------------------------------------------------- speed section

SPEED_TOKENS = 50  # the 6 products and 44 more created through the factory
SPEED_DEPOSIT = 1_000 * USDC  # each token is funded so its lens row is a live fund
EXTRA_UNDERLYINGS = (("BTC", "BTC"), ("ETH", "ETH"), ("WBTC", "BTC"), ("WETH", "ETH"))  # (name, market)
BACKTEST_DAYS, BACKTEST_STEP_SECONDS, BACKTEST_REPEATS = 30, 60, 3
READ_REPEATS = 7
DECIDE_REPEATS = 51
TICK_REPEATS = 5


# ================================================================ gas: helpers


def calldata_gas(data: bytes) -> int:
    zeros = data.count(0)
    return zeros * CALLDATA_ZERO_BYTE + (len(data) - zeros) * CALLDATA_NONZERO_BYTE


def set_time(timestamp: int) -> None:
    chain.pending_timestamp = timestamp


def later() -> int:
    """Steady state: the next call lands a minute after the last block. Returns its timestamp."""
    when = chain.blocks.head.timestamp + MINUTE
    set_time(when)
    return when


def send_reverting(contract, method: str, sender):
    """A call sent although it reverts (as a keeper that skipped simulation would). Sent through
    web3 so that ape does not print its call trace; returns what the tables read from a receipt."""
    w3 = chain.provider.web3
    data = bytes(getattr(contract, method).encode_input())
    tx_hash = w3.eth.send_transaction({"from": sender.address, "to": contract.address, "data": data, "gas": 1_000_000})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt["status"] == 0, "expected a revert"
    return SimpleNamespace(
        gas_used=receipt["gasUsed"], txn_hash=Web3.to_hex(tx_hash), transaction=SimpleNamespace(data=data)
    )


class Probe:
    """ReferenceMinimalFund's runtime, run at a token's address inside a snapshot."""

    def __init__(self, adapter, usdc, deployer):
        deployed = project.ReferenceMinimalFund.deploy(adapter, usdc, sender=deployer)
        self.code = chain.provider.get_code(deployed.address)  # runtime with its immutables
        self.abi = [item.model_dump(mode="json", by_alias=True) for item in deployed.contract_type.abi]
        self.w3 = chain.provider.web3

    def execution_gas(self, at: str, sender: str, function: str, args: list) -> int:
        """Gas of `function(*args)` sent by `sender` to the probe at `at`, less base and calldata.
        The caller restores the snapshot afterwards."""
        chain.provider.set_code(at, self.code)
        contract = self.w3.eth.contract(address=at, abi=self.abi)
        tx_hash = getattr(contract.functions, function)(*args).transact({"from": sender, "gas": 5_000_000})
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt["status"] == 1, f"probe {function} reverted"
        data = bytes(self.w3.eth.get_transaction(tx_hash)["input"])
        return receipt["gasUsed"] - TX_BASE - calldata_gas(data)


def with_probe(probe, token, when, send, probe_call):
    """Run the token's operation and, in the very same state, the minimal fund's venue calls.

    `send()` sends the operation; `probe_call(receipt)` gives (sender, function, args) for the
    probe from the operation's receipt (the size it traded, the margin it added, ...). The
    operation runs, the chain goes back, the probe runs, the chain goes back, and the operation
    runs again for good. Returns (the operation's receipt, the probe's execution gas)."""
    before = chain.snapshot()
    set_time(when)
    first = send()
    sender, function, args = probe_call(first)
    chain.restore(before)
    before = chain.snapshot()
    set_time(when)
    venue_gas = probe.execution_gas(token.address, sender, function, args)
    chain.restore(before)
    set_time(when)
    receipt = send()
    assert receipt.gas_used == first.gas_used, "the operation's gas changed on the replay"
    return receipt, venue_gas


def traded(adapter, receipt) -> tuple[int, int]:
    """(size_delta, exec_price) of the venue trade in `receipt`, or (0, 0)."""
    trades = adapter.Traded.from_receipt(receipt)
    return (trades[0].size_delta, trades[0].exec_price) if trades else (0, 0)


def enter_call(adapter, token, payer):
    """The probe call a deposit or mint needs: pull the same assets, add the same margin, trade."""

    def call(receipt):
        (deposit,) = token.Deposit.from_receipt(receipt)
        (margin,) = adapter.MarginDeposited.from_receipt(receipt)
        size_delta, price = traded(adapter, receipt)
        return payer.address, "enter", [deposit.assets, margin.amount, size_delta, price]

    return call


def exit_call(adapter, paid, caller, receiver):
    """The probe call a redeem, withdraw, rebalance or ripcord needs: the same trade, and the
    venue paying `paid(receipt)` straight to `receiver`."""

    def call(receipt):
        size_delta, price = traded(adapter, receipt)
        return caller.address, "exit", [size_delta, price, paid(receipt), receiver]

    return call


def read_call(caller):
    def call(receipt):
        return caller.address, "read_nav", []

    return call


# ================================================================ gas: lower bounds (data)


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
    return items + [(log, 1, TRANSFER_LOG)]


def floor_total(items) -> int:
    return sum(count * gas for _, count, gas in items)


# ================================================================ gas: where it goes (opcode traces)

BREAKDOWN_OPS = [
    "transfer",
    "deposit",
    "mint",
    "redeem",
    "withdraw",
    "rebalance (full)",
    "rebalance (not needed, reverts)",
    "split",
]
CALL_OPS = {"CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"}
BASE_AND_CALLDATA = "transaction base and calldata"
VENUE_CALLS = "venue (adapter) calls, everything inside"
VIEWS_CALL = "views contract calls"
COLLATERAL_CALLS = "collateral (USDC) calls"
OTHER_CALLS = "other calls (precompiles)"
OWN_READS = "own storage reads (SLOAD)"
OWN_WRITES = "own storage writes (SSTORE)"
LOGS = "logs"
REFUND = "refund"
REST = "the rest: stack, memory, hashing, ABI coding, checks"
BREAKDOWN_ORDER = [
    BASE_AND_CALLDATA,
    VENUE_CALLS,
    VIEWS_CALL,
    COLLATERAL_CALLS,
    OTHER_CALLS,
    OWN_READS,
    OWN_WRITES,
    LOGS,
    REFUND,
    REST,
]


def gas_breakdown(receipt, callees: dict[str, str]) -> dict[str, tuple[int, str]]:
    """Where one transaction's gas goes, from its opcode trace (debug_traceTransaction): base and
    calldata, each contract the called contract calls (everything inside included), its own
    storage reads and writes and logs, the refund, and the rest. {part: (gas, note)}."""
    trace = chain.provider.make_request(
        "debug_traceTransaction", [receipt.txn_hash, {"disableMemory": True, "disableStorage": True}]
    )
    steps = trace["structLogs"]
    labels = {address.lower(): label for label, address in callees.items()}
    gas = dict.fromkeys(BREAKDOWN_ORDER, 0)
    gas[BASE_AND_CALLDATA] = TX_BASE + calldata_gas(bytes(receipt.transaction.data))
    cold_reads = warm_reads = writes = 0
    for i, step in enumerate(steps):
        if step["depth"] != 1:
            continue
        op, cost = step["op"], step["gasCost"]
        if op in CALL_OPS:
            target = "0x" + format(int(step["stack"][-2], 16), "040x")
            returned = next(later_step for later_step in steps[i + 1 :] if later_step["depth"] == 1)
            gas[labels.get(target, OTHER_CALLS)] += step["gas"] - returned["gas"]
        elif op == "SLOAD":
            gas[OWN_READS] += cost
            cold_reads, warm_reads = cold_reads + (cost >= SLOAD_COLD), warm_reads + (cost < SLOAD_COLD)
        elif op == "SSTORE":
            gas[OWN_WRITES] += cost
            writes += 1
        elif op.startswith("LOG"):
            gas[LOGS] += cost
    last = steps[-1]
    execution = steps[0]["gas"] - (last["gas"] - last["gasCost"])
    gas[REFUND] = receipt.gas_used - gas[BASE_AND_CALLDATA] - execution  # <= 0
    gas[REST] = receipt.gas_used - sum(value for part, value in gas.items() if part != REST)
    notes = {OWN_READS: f"{cold_reads} cold, {warm_reads} warm", OWN_WRITES: f"{writes}"}
    return {part: (value, notes.get(part, "")) for part, value in gas.items()}


def breakdown_table(breakdowns) -> str:
    names = list(breakdowns)
    lines = ["| where the gas goes | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for part in BREAKDOWN_ORDER:
        cells = []
        for name in names:
            value, note = breakdowns[name][part]
            cells.append(f"{value:,}" + (f" ({note})" if note and value else ""))
        lines.append(f"| {part} | " + " | ".join(cells) + " |")
    totals = [f"**{sum(value for value, _ in breakdowns[name].values()):,}**" for name in names]
    lines.append("| total (gas used) | " + " | ".join(totals) + " |")
    return "\n".join(lines)


# ================================================================ gas: measurements


def measure_token(manifest, probe, admin, user, other):
    """Every leveraged-token operation on BTC3L, each with its lower bound.
    Returns ({name: (gas, floor items)}, {name: receipt}, {what-if name: gas}, {name: venue
    execution gas})."""
    c = manifest["contracts"]
    usdc, token, configurator = c["collateral"], c["tokens"][TOKEN], c["configurator"]
    adapter, oracle = c["markets"]["BTC"]["adapter"], c["markets"]["BTC"]["oracle"]
    usdc.mint(user, USER_FUNDS, sender=user)
    usdc.approve(token, MAX_UINT256, sender=user)
    rows, receipts, venue = {}, {}, {}

    def run(name, send, probe_call, venue_label, extra_items):
        receipt, venue[name] = with_probe(probe, token, later(), send, probe_call)
        items = [(venue_label, 1, venue[name])] + base_items(receipt) + extra_items
        rows[name] = (receipt.gas_used, items)
        receipts[name] = receipt

    enter = enter_call(adapter, token, user)
    paid_out = exit_call(adapter, lambda r: token.Withdraw.from_receipt(r)[0].assets, user, user.address)

    def deposit(amount):
        return lambda: token.deposit(amount, user, sender=user)

    run("deposit (first)", deposit(DEPOSIT_ASSETS), enter, VENUE_ENTER, share_items(True, DEPOSIT_EVENT))
    later()
    token.deposit(TOP_UP_ASSETS, user, sender=user)  # the fee recipient's balance now exists
    run("deposit", deposit(DEPOSIT_ASSETS), enter, VENUE_ENTER, share_items(False, DEPOSIT_EVENT))
    run(
        "mint",
        lambda: token.mint(SHARES * WAD, user, sender=user),
        enter,
        VENUE_ENTER,
        share_items(False, DEPOSIT_EVENT),
    )
    run(
        "redeem (first)",
        lambda: token.redeem(SHARES * WAD, user, user, sender=user),
        paid_out,
        VENUE_EXIT,
        share_items(False, WITHDRAW_EVENT),
    )
    run(
        "redeem",
        lambda: token.redeem(SHARES * WAD, user, user, sender=user),
        paid_out,
        VENUE_EXIT,
        share_items(False, WITHDRAW_EVENT),
    )
    run(
        "withdraw",
        lambda: token.withdraw(WITHDRAW_ASSETS, user, user, sender=user),
        paid_out,
        VENUE_EXIT,
        share_items(False, WITHDRAW_EVENT),
    )

    what_if = {"deposit (no fee due)": deposit_without_fee(configurator, token, admin, user)}

    trade_only = exit_call(adapter, lambda r: 0, admin, admin.address)
    rebalance_items = [ROLE_CHECK, BAND_READ, COOLDOWN_WRITE]
    run(
        "rebalance (not needed, reverts)",
        lambda: send_reverting(token, "rebalance", admin),
        read_call(admin),
        VENUE_READ,
        [BAND_READ],
    )
    oracle.set_price(54_000 * 10**8, sender=admin)  # -10 %: out of the band
    later()
    # warm-up: the fund's first rebalance fills its bookkeeping slots
    what_if["rebalance (the fund's first)"] = token.rebalance(sender=admin).gas_used
    oracle.set_price(48_600 * 10**8, sender=admin)  # -10 % again
    run("rebalance (full)", lambda: token.rebalance(sender=admin), trade_only, VENUE_TRADE, rebalance_items)
    # 500 USDC chunks, no cooldown: queued (the fund has holders), executed after the delay
    change(configurator, token, admin, "set_execution", 86_400, 120, 50, 500 * USDC, 0)
    oracle.set_price(44_000 * 10**8, sender=admin)
    later()
    # warm-up: the first chunk of this TWAP sets chunk_pending
    what_if["rebalance (first chunk)"] = token.rebalance(sender=admin).gas_used
    run("rebalance (chunk)", lambda: token.rebalance(sender=admin), trade_only, VENUE_TRADE, rebalance_items)
    change(configurator, token, admin, "set_execution", 86_400, 120, 50, 1_000_000 * USDC, 60)
    oracle.set_price(40_000 * 10**8, sender=admin)  # far past the ripcord level
    reward = exit_call(adapter, lambda r: token.Ripcord.from_receipt(r)[0].reward, other, other.address)
    run(
        "ripcord",
        lambda: token.ripcord(sender=other),
        reward,
        VENUE_RIPCORD,
        [("ripcord level: SLOAD, cold", 1, SLOAD_COLD)],
    )
    split_items = [ROLE_CHECK, ("share scale: SSTORE update, cold", 1, SSTORE_UPDATE)]
    for name, method in (("split", token.split), ("reverse split", token.reverse_split)):
        later()
        receipts[name] = method(10, sender=admin)
        rows[name] = (receipts[name].gas_used, base_items(receipts[name]) + split_items)
    return rows, receipts, what_if, venue


def change(configurator, token, admin, setter, *args):
    """A parameter change through the configurator: at once if it may, else queued, the token's
    delay waited out and executed (the oracle is re-posted by the caller afterwards)."""
    queued = getattr(configurator, setter)(token, *args, sender=admin).events.filter(configurator.ChangeQueued)
    if queued:
        chain.pending_timestamp = max(chain.pending_timestamp, queued[0].eta)
        configurator.execute(queued[0].change_id, sender=admin)


def deposit_without_fee(configurator, token, admin, user) -> int:
    """What the steady-state deposit costs when no management fee is due (fee set to 0 first)."""
    before = chain.snapshot()
    change(configurator, token, admin, "set_fees", token.mint_fee_bps(), token.redeem_fee_bps(), 0)
    later()
    gas = token.deposit(DEPOSIT_ASSETS, user, sender=user).gas_used
    chain.restore(before)
    return gas


def erc20_rows(token, user, other, spender):
    """transfer, transferFrom, approve in warm conditions (both sides already hold a balance)."""
    token.transfer(other, ERC20_AMOUNT, sender=user)
    transfer = token.transfer(other, ERC20_AMOUNT, sender=user)
    approve = token.approve(spender, ERC20_ALLOWANCE, sender=user)
    transfer_from = token.transferFrom(user, other, ERC20_AMOUNT, sender=spender)
    return {"transfer": transfer, "transferFrom": transfer_from, "approve": approve}


def permit_receipt(token, spender, relayer):
    """A fresh signer's first permit (its nonce and the allowance are new slots)."""
    signer = Account.create()
    deadline = chain.pending_timestamp + 3_600
    typed = permit.permit_typed_data(
        token.name(), chain.chain_id, token.address, signer.address, spender.address, ERC20_AMOUNT, 0, deadline
    )
    v, r, s = permit.sign_permit(signer, typed)
    return token.permit(signer.address, spender, ERC20_AMOUNT, deadline, v, r, s, sender=relayer)


def measure_vault(usdc, admin, user):
    """snekmate's ERC-4626 over MockUSDC, the same sequence as the token's (a minute apart)."""
    vault = project.ReferenceERC4626.deploy(usdc, sender=admin)
    usdc.approve(vault, MAX_UINT256, sender=user)
    share = 10 ** vault.decimals()
    rows = {}
    later()
    rows["deposit (first)"] = vault.deposit(DEPOSIT_ASSETS, user, sender=user).gas_used
    later()
    vault.deposit(TOP_UP_ASSETS, user, sender=user)
    later()
    rows["deposit"] = vault.deposit(DEPOSIT_ASSETS, user, sender=user).gas_used
    later()
    rows["mint"] = vault.mint(SHARES * share, user, sender=user).gas_used
    later()
    rows["redeem (first)"] = vault.redeem(SHARES * share, user, user, sender=user).gas_used
    later()
    rows["redeem"] = vault.redeem(SHARES * share, user, user, sender=user).gas_used
    later()
    rows["withdraw"] = vault.withdraw(WITHDRAW_ASSETS, user, user, sender=user).gas_used
    return vault, rows


def measure_gas(admin, user, other, spender):
    """The gas section: the token, its references and the lower bounds."""
    manifest = deploy_protocol(ApeBackend(project, admin))
    c = manifest["contracts"]
    token = c["tokens"][TOKEN]
    probe = Probe(c["markets"]["BTC"]["adapter"], c["collateral"], admin)
    rows, receipts, what_if, venue = measure_token(manifest, probe, admin, user, other)

    vault, vault_rows = measure_vault(c["collateral"], admin, user)
    reference = project.ReferenceERC20.deploy(sender=admin)
    reference.mint(user, 1_000 * ERC20_AMOUNT, sender=admin)
    references = {name: ("ERC-4626", gas) for name, gas in vault_rows.items()}
    reference_erc20 = erc20_rows(reference, user, other, spender)
    for name, receipt in reference_erc20.items():
        references[name] = ("ERC-20", receipt.gas_used)
    for name, receipt in erc20_rows(token, user, other, spender).items():
        rows[name] = (receipt.gas_used, erc20_floor(name, receipt))
        receipts[name] = receipt
    receipts["permit"] = permit_receipt(token, spender, other)
    rows["permit"] = (receipts["permit"].gas_used, erc20_floor("permit", receipts["permit"]))
    references["permit"] = ("ERC-4626", permit_receipt(vault, spender, other).gas_used)

    callees = {
        VENUE_CALLS: c["markets"]["BTC"]["adapter"].address,
        VIEWS_CALL: token.views(),
        COLLATERAL_CALLS: c["collateral"].address,
    }
    breakdowns = {name: gas_breakdown(receipts[name], callees) for name in BREAKDOWN_OPS}
    breakdowns["ERC-20 transfer"] = gas_breakdown(reference_erc20["transfer"], {})
    deployed = {
        "token": len(chain.provider.get_code(token.address)),
        "blueprint": len(chain.provider.get_code(c["factory"].token_blueprint())),
        "create gas": token_creation_gas(c["factory"], c["markets"]["BTC"]["adapter"], admin),
    }
    return rows, references, what_if, venue, breakdowns, deployed


def token_creation_gas(factory, adapter, admin) -> int:
    """Gas of factory.create_token for one more product (from the blueprint, roles handed over)."""
    before = chain.snapshot()
    gas = factory.create_token("SOL", 3, True, adapter, admin, admin, sender=admin).gas_used
    chain.restore(before)
    return gas


# ================================================================ gas: tables

ORDER = [
    "transfer",
    "transferFrom",
    "approve",
    "permit",
    "deposit (first)",
    "deposit",
    "mint",
    "withdraw",
    "redeem (first)",
    "redeem",
    "rebalance (full)",
    "rebalance (chunk)",
    "rebalance (not needed, reverts)",
    "ripcord",
    "split",
    "reverse split",
]


def target_of(name, gas, references) -> tuple[str, str]:
    """(target text, "met"/"missed") or ("", "")."""
    if name == "transfer":
        limit = references["transfer"][1] + TRANSFER_MARGIN
        text = f"≤ ERC-20 + {TRANSFER_MARGIN:,}"
    elif name in TARGET_GAS:
        limit = TARGET_GAS[name] - 1
        text = f"< {TARGET_GAS[name]:,}"
    else:
        return "", ""
    return text, "met" if gas <= limit else "**missed**"


def gas_table(rows, references) -> str:
    lines = [
        "| operation | leveraged token | reference | reference gas | × reference | lower bound | × bound | target | |",
        "|---|---:|---|---:|---:|---:|---:|---|---|",
    ]
    for name in ORDER:
        gas, items = rows[name]
        kind, base = references.get(name, ("—", None))
        versus = f"{base:,} | {gas / base:.2f}" if base else " | "
        floor = floor_total(items)
        target, verdict = target_of(name, gas, references)
        lines.append(f"| {name} | {gas:,} | {kind} | {versus} | {floor:,} | {gas / floor:.2f} | {target} | {verdict} |")
    return "\n".join(lines)


def floor_tables(rows) -> str:
    parts = []
    for name in ORDER:
        gas, items = rows[name]
        lines = [
            f"**{name}**: lower bound {floor_total(items):,}, measured {gas:,}",
            "",
            "| component | count | gas |",
            "|---|---:|---:|",
        ]
        lines += [f"| {component} | {count} | {count * each:,} |" for component, count, each in items]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


# ================================================================ speed


class CountingSession(requests.Session):
    """A requests session that counts the HTTP JSON-RPC requests web3 sends through it."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def request(self, method, url, *args, **kwargs):
        self.count += 1
        return super().request(method, url, *args, **kwargs)


def median_seconds(action, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        action()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def backtest_speed() -> dict[str, float]:
    prices = backtest.generate_prices(BACKTEST_DAYS, BACKTEST_STEP_SECONDS)
    steps = len(prices.points)
    seconds = median_seconds(lambda: backtest.run(prices), BACKTEST_REPEATS)
    return {"steps": steps, "seconds": seconds, "steps_per_second": steps / seconds}


def deploy_fifty(admin, user) -> dict:
    """A fresh deployment with SPEED_TOKENS live tokens: the 6 products plus more through the
    factory, each holding a deposit. Returns the SDK manifest."""
    deployed = deploy_protocol(ApeBackend(project, admin))
    c = deployed["contracts"]
    factory, usdc = c["factory"], c["collateral"]
    manifest = manifest_json(deployed, chain.chain_id, networks.provider.network_choice, chain.blocks.head.number)
    tokens = dict(c["tokens"])
    for name, market in EXTRA_UNDERLYINGS:
        for leverage in range(2, 10):
            for is_long in (True, False):
                symbol = token_symbol(name, leverage, is_long)
                if len(tokens) < SPEED_TOKENS and symbol not in tokens:
                    adapter = c["markets"][market]["adapter"]
                    tokens[symbol] = create_token(ApeBackend(project, admin), factory, name, leverage, is_long, adapter)
                    manifest["tokens"][symbol] = {"address": tokens[symbol].address}
    usdc.mint(user, SPEED_TOKENS * SPEED_DEPOSIT, sender=user)
    for token in tokens.values():
        usdc.approve(token, SPEED_DEPOSIT, sender=user)
        token.deposit(SPEED_DEPOSIT, user, sender=user)
    assert len(manifest["tokens"]) == SPEED_TOKENS
    return manifest


def sdk_speed(manifest, keeper_account) -> dict[str, dict[str, float]]:
    """State reads for 6 and 50 tokens, decide() over 50 rows and one Keeper.tick() with nothing
    due: JSON-RPC requests and median wall time."""
    session = CountingSession()
    w3 = Web3(
        Web3.HTTPProvider(
            networks.provider.http_uri, request_kwargs={"timeout": 30}, session=session, cache_allowed_requests=True
        )
    )
    protocol = Protocol(w3, manifest, Account.from_key(keeper_account.private_key))
    six = list(manifest["tokens"])[:6]
    figures = {}

    for label, symbols in (("read 6", six), ("read 50", None)):
        before = session.count
        protocol.states(symbols)  # the first read (web3 may ask for the chain id once)
        first = session.count - before
        before = session.count
        seconds = median_seconds(lambda symbols=symbols: protocol.states(symbols), READ_REPEATS)
        figures[label] = {"requests": (session.count - before) / READ_REPEATS, "first": first, "seconds": seconds}

    states = protocol.states()
    now = max(state.timestamp for state in states.values())
    policy = Policy(poll_seconds=0)
    assert all(decide(state, now, policy) is None for state in states.values()), "an action is due"
    seconds = median_seconds(lambda: [decide(state, now, policy) for state in states.values()], DECIDE_REPEATS)
    figures["decide 50"] = {"requests": 0, "first": 0, "seconds": seconds}

    keeper = Keeper(protocol, policy)
    assert keeper.tick() == [], "the keeper acted"
    before = session.count
    seconds = median_seconds(keeper.tick, TICK_REPEATS)
    figures["tick 50"] = {"requests": (session.count - before) / TICK_REPEATS, "first": 0, "seconds": seconds}
    return figures


def test_suite_seconds() -> str:
    if not TEST_SECONDS.exists():
        return "not measured: run make test first"
    text = TEST_SECONDS.read_text().strip()
    try:
        return f"{float(text.split()[0]):,.1f} s (out/test-seconds.txt)"
    except (IndexError, ValueError):
        return f"{text} (out/test-seconds.txt)"


def speed_table(backtest_figures, sdk_figures) -> str:
    def ms(seconds):
        return f"{seconds * 1e6:,.0f} µs" if seconds < 1e-3 else f"{seconds * 1000:,.1f} ms"

    bt = backtest_figures
    lines = ["| measure | figure | JSON-RPC requests |", "|---|---:|---:|"]
    lines.append(
        f"| backtester: {BACKTEST_DAYS} days of {BACKTEST_STEP_SECONDS} s steps ({bt['steps']:,} steps), "
        f"ltsdk.backtest.run, median of {BACKTEST_REPEATS} | {bt['steps_per_second']:,.0f} steps/s "
        f"({bt['seconds']:.2f} s) | 0 |"
    )
    for label, text in (
        ("read 6", f"SDK state read, 6 tokens (Protocol.states, median of {READ_REPEATS})"),
        ("read 50", f"SDK state read, {SPEED_TOKENS} tokens (Protocol.states, median of {READ_REPEATS})"),
        ("decide 50", f"keeper decision, {SPEED_TOKENS} lens rows (decide(), median of {DECIDE_REPEATS})"),
        ("tick 50", f"Keeper.tick(), {SPEED_TOKENS} tokens, nothing due (median of {TICK_REPEATS})"),
    ):
        figure = sdk_figures[label]
        requests_text = f"{figure['requests']:g}"
        if figure["first"] and figure["first"] != figure["requests"]:
            requests_text += f" (first read: {figure['first']})"
        lines.append(f"| {text} | {ms(figure['seconds'])} | {requests_text} |")
    lines.append(f"| full test suite (`make test`) | {test_suite_seconds()} | |")
    return "\n".join(lines)


# ================================================================ notes


def notes(rows, references, what_if, venue, breakdowns, deployed) -> str:
    """What each missed target would take, from the measurements of this run."""
    gas = {name: rows[name][0] for name in rows}

    def part(name, what):
        return breakdowns[name][what][0]

    def cold_reads(name):
        return int(breakdowns[name][OWN_READS][1].split()[0])

    fee_part = gas["deposit"] - what_if["deposit (no fee due)"]
    nav_read = venue["rebalance (not needed, reverts)"]
    second_read = part("rebalance (full)", VENUE_CALLS) - venue["rebalance (full)"]
    # the keeper-path rebalance reads 11 rebalancing parameters and state cold (band, ripcord
    # level, drift, chunk size, chunk flag, slot offset and interval, last slot, cooldown, last
    # time, slippage); in 2 packed slots 9 of those reads would be gone
    packing = (11 - 2) * (SLOAD_COLD - 100)
    rebalance_packed = gas["rebalance (full)"] - packing - second_read
    split_floor_keeper = floor_total(rows["split"][1]) + nav_read
    # an admin split needs neither NAV nor the 9 other fund slots the snapshot reads cold
    split_admin = gas["split"] - part("split", VENUE_CALLS) - 9 * SLOAD_COLD
    transfer_extra = gas["transfer"] - references["transfer"][1]
    not_needed_floor = floor_total(rows["rebalance (not needed, reverts)"][1])
    return f"""
## Targets missed, and what meeting them would cost

Numbers from this run; "Where the gas goes" below splits each call by opcode trace. A cold storage
slot costs 2,100 to read and a warm one 100, so packing N values read together into one slot
saves (N - 1) x 2,000.

- **deposit {gas["deposit"]:,} vs < 200,000 (redeem {gas["redeem"]:,} meets it).** Every
  steady-state call here also mints a minute of streaming fee to the fee recipient: {fee_part:,}
  gas (its balance, the supply, an event); with the management fee at 0 the same deposit costs
  {what_if["deposit (no fee due)"]:,}. Accruing the fee only on redeem would meet the target at the
  cost of a less exact NAV per share at mint; so would packing the four fee fields it reads cold
  (mint, redeem and management fee, last accrual: 6,000). The venue path alone (NAV read, collateral
  pull, venue deposit and trade, from a contract that does nothing else) is {venue["deposit"]:,};
  the token reads {cold_reads("deposit")} of its own slots cold.
- **rebalance {gas["rebalance (chunk)"]:,} (chunk) and {gas["rebalance (full)"]:,} (full) vs <
  150,000.** Steady state: the fund's first rebalance costs {what_if["rebalance (the fund's first)"]:,}
  and a TWAP's first chunk {what_if["rebalance (first chunk)"]:,}, because they fill bookkeeping
  slots for the first time. The NAV read and the trade cost {venue["rebalance (full)"]:,} from a
  contract that does nothing else, so the lower bound is {floor_total(rows["rebalance (full)"][1]):,}.
  On top the token reads {cold_reads("rebalance (full)")} of its own slots cold, asks the views
  contract for the status ({part("rebalance (full)", VIEWS_CALL):,}), reads the venue again after
  the trade for the event's leverage ({second_read:,}) and writes five bookkeeping slots
  ({part("rebalance (full)", OWN_WRITES):,}). Packing its 11 rebalancing parameters and state into
  two slots ({packing:,}) and dropping the second venue read would bring a full rebalance to
  ~{rebalance_packed:,}.
- **rebalance (not needed) {gas["rebalance (not needed, reverts)"]:,} vs < 30,000.** "Not needed"
  is a statement about leverage, so the fund must read NAV: the venue's account snapshot alone
  costs {nav_read:,} (two cold contracts, the account and funding slots, the oracle's round), on top
  of 21,000 of transaction base. The lower bound is {not_needed_floor:,}: no design that reads the
  venue meets 30k. The token adds {cold_reads("rebalance (not needed, reverts)")} cold reads of its
  own slots and the views call. A keeper never pays it: it simulates first (eth_call) and sends
  nothing when the status is NONE.
- **split {gas["split"]:,} vs < 50,000 (reverse split {gas["reverse split"]:,}).** O(1): the same
  gas for 2 or 8 holders (tested). Most of it is reading NAV (venue {part("split", VENUE_CALLS):,})
  for the NAV per share the event reports and the keeper's band rule. A keeper's rule-based split
  needs NAV per share, so its lower bound on this venue is {floor_total(rows["split"][1]):,} +
  {nav_read:,} = {split_floor_keeper:,}: the target cannot be met on that path. An admin split that
  skipped the snapshot (the venue read and 9 cold reads of fund slots) would cost ~{split_admin:,}
  and meet it, with an event that no longer reports NAV per share.
- **transfer {transfer_extra:+,} vs the plain ERC-20 (target +{TRANSFER_MARGIN:,}).** Any O(1)
  split design reads the share scale on every transfer: one more cold slot (the token reads
  {cold_reads("transfer")} cold, the ERC-20 {cold_reads("ERC-20 transfer")}: +2,100) and a
  multiplication. +1,000 is below that floor.
- **Code size.** The token's runtime ({deployed["token"]:,} bytes) must fit EIP-170 (24,576 bytes,
  immutables included): {24_576 - deployed["token"]:,} bytes are left; its blueprint (the initcode
  the factory creates tokens from, {deployed["blueprint"]:,} bytes) must fit too:
  {24_576 - deployed["blueprint"]:,} bytes are left there. That is why it is compiled for size
  and its derived views and rebalance status live in LeveragedTokenViews. Compiling for gas
  instead would save a few percent per call but does not fit.

Other operations: the fund's first redeem costs {gas["redeem (first)"]:,} and a later one
{gas["redeem"]:,} (it writes no new slot). Mint and withdraw cost more than deposit and redeem
because they first ask the views contract for the exact amount, which previews the venue trade
(views calls: mint {part("mint", VIEWS_CALL):,}, withdraw {part("withdraw", VIEWS_CALL):,}).
"""


# ================================================================ main


def main():
    logger.set_level("WARNING")
    began = time.perf_counter()
    admin, user, other, spender = accounts.test_accounts[0:4]

    rows, references, what_if, venue, breakdowns, deployed = measure_gas(admin, user, other, spender)
    table = gas_table(rows, references)
    where = breakdown_table(breakdowns)
    size_line = (
        f"LeveragedToken deployed code (runtime with its immutables): {deployed['token']:,} bytes; "
        f"its blueprint (EIP-5202, the initcode): {deployed['blueprint']:,} bytes; EIP-170 limit: 24,576 "
        f"(headroom {24_576 - deployed['token']:,} and {24_576 - deployed['blueprint']:,}). "
        f"Creating a token: {deployed['create gas']:,} gas."
    )
    print("Gas per operation (BTC3L)\n")
    print(table)
    print()
    print(size_line)
    print("\nWhere the gas goes (opcode traces of the calls above)\n")
    print(where)
    print()
    print(floor_tables(rows))

    backtest_figures = backtest_speed()
    sdk_figures = sdk_speed(deploy_fifty(admin, user), admin)
    speed = speed_table(backtest_figures, sdk_figures)
    print("\nSpeed\n")
    print(speed)
    print(f"\nbench ran in {time.perf_counter() - began:.0f} s")

    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        "# Benchmarks\n\nGenerated by `make bench` (scripts/bench.py) on a local anvil. Gas is each "
        "transaction's `gas_used` (21,000 base included) in a warmed-up steady state: the sender, "
        "receiver and fee recipient already hold balances, the fund holds a position, and calls are a "
        "minute apart (so each share-changing call also mints the streaming fee); the rebalances are "
        "not the fund's first. The lower bound is "
        "what any design must pay for the operation (itemised below); × bound is the token's gas over it."
        "\n\n## Gas per operation (BTC3L)\n\n"
        + table
        + "\n\n"
        + size_line
        + "\n\nWhat the references do not do:\n\n"
        + REFERENCE_SCOPE
        + "\n"
        + notes(rows, references, what_if, venue, breakdowns, deployed)
        + "\n## Where the gas goes\n\nFrom each transaction's opcode trace (debug_traceTransaction): calls are "
        + "counted where the called contract makes them, everything inside included; storage and logs are "
        + "the called contract's own.\n\n"
        + where
        + "\n\n## Lower bounds, itemised\n\n"
        + "Gas schedule: transaction 21,000; calldata 4 per zero byte, 16 per other byte; SSTORE to a cold "
        + "slot 22,100 (zero → nonzero) or 5,000 (nonzero → nonzero); cold SLOAD 2,100; cold account 2,600 "
        + "per CALL (inside the measured venue paths); ecrecover 3,000; LOG 375 + 375 per topic + 8 per byte. "
        + "Venue paths are execution gas (their own transaction base and calldata removed).\n\n"
        + floor_tables(rows)
        + "\n\n## Speed\n\n"
        + speed
        + "\n"
    )
