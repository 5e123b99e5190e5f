"""The benchmark report: gas and speed tables against the targets and references, the notes on
missed targets, and bench/results.md."""

from __future__ import annotations

from pathlib import Path

from bench.floors import SLOAD_COLD, floor_total
from bench.settings import (
    BACKTEST_DAYS,
    BACKTEST_REPEATS,
    BACKTEST_STEP_SECONDS,
    DECIDE_REPEATS,
    READ_REPEATS,
    SPEED_TOKENS,
    TICK_REPEATS,
)
from bench.speed import test_suite_seconds
from bench.trace import BREAKDOWN_ORDER, OWN_READS, OWN_WRITES, VENUE_CALLS, VIEWS_CALL

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
  immutables included): {24_576 - deployed["token"]:,} bytes are left. Its blueprint (the initcode
  the factory creates tokens from, {deployed["blueprint"]:,} bytes) must fit too:
  {24_576 - deployed["blueprint"]:,} bytes are left there, the tighter limit. That is why it is
  compiled for size, its derived views and rebalance status live in LeveragedTokenViews and its
  setters in LeveragedTokenConfigurator. Creating a token costs {deployed["create gas"]:,} gas. Compiling for gas
  instead would save a few percent per call but does not fit.

Other operations: the fund's first redeem costs {gas["redeem (first)"]:,} and a later one
{gas["redeem"]:,} (it writes no new slot). Mint and withdraw cost more than deposit and redeem
because they first ask the views contract for the exact amount, which previews the venue trade
(views calls: mint {part("mint", VIEWS_CALL):,}, withdraw {part("withdraw", VIEWS_CALL):,}).
"""


def size_line(deployed: dict) -> str:
    """`deployed`: {"token": runtime bytes with immutables, "blueprint": bytes, "create gas": gas}."""
    return (
        f"LeveragedToken deployed code (runtime with its immutables): {deployed['token']:,} bytes; "
        f"its blueprint (EIP-5202, the initcode): {deployed['blueprint']:,} bytes; EIP-170 limit: 24,576 "
        f"(headroom {24_576 - deployed['token']:,} and {24_576 - deployed['blueprint']:,}). "
        f"Creating a token: {deployed['create gas']:,} gas."
    )


def write_results(path: Path, table, size_text, where, rows, references, what_if, venue, breakdowns, deployed, speed):
    """bench/results.md: the tables above with the method, the references' scope and the notes."""
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        "# Benchmarks\n\nGenerated by `make bench` (scripts/bench.py) on a local anvil. Gas is each "
        "transaction's `gas_used` (21,000 base included) in a warmed-up steady state: the sender, "
        "receiver and fee recipient already hold balances, the fund holds a position, and calls are a "
        "minute apart (so each share-changing call also mints the streaming fee); the rebalances are "
        "not the fund's first. The lower bound is "
        "what any design must pay for the operation (itemised below); × bound is the token's gas over it."
        "\n\n## Gas per operation (BTC3L)\n\n"
        + table
        + "\n\n"
        + size_text
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
