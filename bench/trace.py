"""Where a transaction's gas goes, from its opcode trace (debug_traceTransaction): calls by callee,
own storage reads and writes, logs, the refund and the rest."""

from __future__ import annotations

from ape import chain

from bench.floors import SLOAD_COLD, TX_BASE, calldata_gas

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
