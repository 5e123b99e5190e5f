"""The benchmark report: gas and speed tables against the targets and references, the notes on
missed targets, and bench/results.md."""

from __future__ import annotations

import statistics
from pathlib import Path

from bench.floors import floor_total
from bench.settings import (
    ASYNC_O1_MARGIN,
    BACKTEST_DAYS,
    BACKTEST_REPEATS,
    BACKTEST_STEP_SECONDS,
    BEFORE,
    BEFORE_COMMIT,
    DECIDE_REPEATS,
    READ_REPEATS,
    SAFETY_BEFORE,
    SAFETY_BEFORE_COMMIT,
    SAFETY_FIXES_ON_PATH,
    SPEED_TOKENS,
    TICK_REPEATS,
    TOKEN,
)
from bench.speed import test_suite_seconds
from bench.trace import BREAKDOWN_ORDER, OWN_READS, VENUE_CALLS, VIEWS_CALL

TARGET_GAS = {
    "deposit": 190_000,
    "redeem": 190_000,
    "rebalance (full)": 150_000,
    "rebalance (chunk)": 150_000,
    "rebalance (not needed, reverts)": 30_000,
    "split": 50_000,
    "reverse split": 50_000,
}


# transfer: within +2,900 gas of the plain ERC-20: the share scale's cold slot (2,100) and the
# scale-epoch check of both balance slots (docs/protocol.md, "What epochs cost"; +2,300 before L4)
TRANSFER_MARGIN = 2_900


EIP_170 = 24_576  # bytes of deployed code


HEADROOM_TARGET = 2_048  # bytes the token leaves under EIP-170 for the safety fixes (issue 12)


MAX_OVER_BOUND = 1.5  # every operation within 1.5x its itemised lower bound (issue 12)


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


def target_of(name, gas, floor, references) -> tuple[str, str]:
    """(target text, "met"/"missed"): every operation within MAX_OVER_BOUND x its lower bound, and
    the gas targets of the operations that have one."""
    texts, met = [f"≤ {MAX_OVER_BOUND}× bound"], gas <= MAX_OVER_BOUND * floor
    if name == "transfer":
        texts.append(f"≤ ERC-20 + {TRANSFER_MARGIN:,}")
        met = met and gas <= references["transfer"][1] + TRANSFER_MARGIN
    elif name in TARGET_GAS:
        texts.append(f"< {TARGET_GAS[name]:,}")
        met = met and gas < TARGET_GAS[name]
    return ", ".join(texts), "met" if met else "**missed**"


def gas_table(rows, references) -> str:
    lines = [
        f"| operation | before ({BEFORE_COMMIT}) | leveraged token | change | reference | reference gas | × reference "
        "| lower bound | × bound | target | |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---|---|",
    ]
    for name in ORDER:
        gas, items = rows[name]
        kind, base = references.get(name, ("—", None))
        versus = f"{base:,} | {gas / base:.2f}" if base else " | "
        floor = floor_total(items)
        target, verdict = target_of(name, gas, floor, references)
        before = BEFORE[name]
        lines.append(
            f"| {name} | {before:,} | {gas:,} | {gas - before:+,} | {kind} | {versus} | {floor:,} | {gas / floor:.2f} "
            f"| {target} | {verdict} |"
        )
    return "\n".join(lines)


def safety_table(rows) -> str:
    """This run against the last one before the review's fixes (issue 14), and what each fix costs
    on the path, as measured alone when it was built."""
    lines = [
        f"| operation | before the fixes ({SAFETY_BEFORE_COMMIT}) | now | change "
        "| the fixes on this path, measured alone |",
        "|---|---:|---:|---:|---|",
    ]
    for name in ORDER:
        gas, _ = rows[name]
        before = SAFETY_BEFORE[name]
        lines.append(f"| {name} | {before:,} | {gas:,} | {gas - before:+,} | {SAFETY_FIXES_ON_PATH[name]} |")
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
    """Where the gas went since BEFORE_COMMIT and what each missed target would take, from the
    measurements of this run."""
    gas = {name: rows[name][0] for name in rows}

    def part(name, what):
        return breakdowns[name][what][0]

    def cold_reads(name):
        return int(breakdowns[name][OWN_READS][1].split()[0])

    def bound(name):
        return floor_total(rows[name][1])

    fee_part = gas["deposit"] - what_if["deposit (no fee due)"]
    nav_read = venue["rebalance (not needed, reverts)"]
    second_read = part("rebalance (full)", VENUE_CALLS) - venue["rebalance (full)"]
    transfer_extra = gas["transfer"] - references["transfer"][1]
    over = {name: gas[name] / bound(name) for name in ORDER}
    over_bound = [name for name in ORDER if over[name] > MAX_OVER_BOUND]
    over_text = ", ".join(f"{name} {over[name]:.2f}" for name in over_bound) or "none"
    # mint and withdraw without their exact-output search (the views call) and with it
    search = {name: part(name, VIEWS_CALL) for name in ("mint", "withdraw")}
    return f"""
## What changed since {BEFORE_COMMIT}, and the targets still missed

Numbers from this run; "Where the gas goes" below splits each call by opcode trace. A cold storage
slot costs 2,100 to read and a warm one 100, so packing N values read together into one slot
saves (N - 1) x 2,000.

- **Packed storage.** Vyper 0.4.3 gives every storage variable a slot, so the token packs by hand
  (contracts/packing.vy): fees, last accrual, paused and shut down in one word; the rebalancing
  parameters with slippage and price age in a second; the rebalancing state in a third. Each
  public getter stays, decoding its word. A steady-state deposit now reads
  {cold_reads("deposit")} of the token's slots cold (16 before), a full rebalance
  {cold_reads("rebalance (full)")} (21 before). The bytes for it came from sharing each repeated
  revert reason's site (see Code size).
- **Operations over {MAX_OVER_BOUND}x their lower bound: {over_text}.** Mint and withdraw first
  ask the views contract for the exact amount, which previews the venue trade round by round
  (views calls: mint {search["mint"]:,}, withdraw {search["withdraw"]:,}; mint's search now asks
  the venue once per round instead of twice); without the search they would be
  {gas["mint"] - search["mint"]:,} and {gas["withdraw"] - search["withdraw"]:,}. A better first
  guess (the average cost of a venue quote) would cut rounds but changes which amount the search
  finds, so the model twin (ltsdk.math) must change with it. The ripcord reads the venue a second
  time after its trade for the event's leverage and a third for the reward's cap
  (max_withdrawable); the rebalance's second read costs {second_read:,}. Dropping it needs the
  venue's fee and the fill to be known without a read, which IPerpAdapter does not give today.
- **deposit {gas["deposit"]:,} and redeem {gas["redeem"]:,} (target < {TARGET_GAS["deposit"]:,}).**
  Every steady-state call here also mints a minute of streaming fee to the fee recipient:
  {fee_part:,} gas (its balance, the supply, an event); with the management fee at 0 the same
  deposit costs {what_if["deposit (no fee due)"]:,}. The venue path alone (NAV read, collateral
  pull, venue deposit and trade, from a contract that does nothing else) is {venue["deposit"]:,}.
- **rebalance {gas["rebalance (chunk)"]:,} (chunk) and {gas["rebalance (full)"]:,} (full), target <
  {TARGET_GAS["rebalance (full)"]:,}.** The fund's first rebalance costs
  {what_if["rebalance (the fund's first)"]:,} and a TWAP's first chunk {what_if["rebalance (first chunk)"]:,}
  (the rebalance word is written at construction, so no first call fills a new slot). The NAV read and the trade cost
  {venue["rebalance (full)"]:,} from a contract that does nothing else (lower bound
  {bound("rebalance (full)"):,}); on top the token asks the views contract for the status
  ({part("rebalance (full)", VIEWS_CALL):,}) and reads the venue again after the trade for the
  event's leverage ({second_read:,}).
- **rebalance (not needed) {gas["rebalance (not needed, reverts)"]:,} vs < 30,000.** "Not needed"
  is a statement about leverage, so the fund must read NAV: the venue's account snapshot alone
  costs {nav_read:,} (two cold contracts, the account and funding slots, the oracle's round), on top
  of 21,000 of transaction base. The lower bound is {bound("rebalance (not needed, reverts)"):,}: no
  design that reads the venue meets 30k. A keeper never pays it: it simulates first (eth_call) and
  sends nothing when the status is NONE.
- **split {gas["split"]:,} vs < 50,000 (reverse split {gas["reverse split"]:,}).** O(1): the same
  gas for 2 or 8 holders (tested). The split reports NAV per share and a keeper's split follows a
  band rule on it, so its lower bound includes the NAV read ({bound("split"):,}, of which the
  venue {venue["split"]:,}): no design that reports NAV per share meets 50k on this venue.
- **transfer {transfer_extra:+,} vs the plain ERC-20 (target +{TRANSFER_MARGIN:,}).** Any O(1)
  split design reads the share scale on every transfer: one more cold slot (the token reads
  {cold_reads("transfer")} cold, the ERC-20 {cold_reads("ERC-20 transfer")}: +2,100), a
  multiplication, and the scale-epoch check of both balance slots (reverse splits for the
  token's whole life; docs/protocol.md, "What epochs cost").
- **Code size.** The token's runtime ({deployed["token"]:,} bytes, {BEFORE["token bytes"]:,} before)
  must fit EIP-170 (24,576 bytes, immutables included): {EIP_170 - deployed["token"]:,} bytes are
  left (target {HEADROOM_TARGET:,}). Vyper inlines the Error(string) encoding at each
  `assert ..., "reason"` (~110 bytes), so each reason raised in several places is now one
  internal check: that paid for the packed getters and decoding. Its blueprint (the initcode the
  factory creates tokens from, {deployed["blueprint"]:,} bytes) must fit too:
  {EIP_170 - deployed["blueprint"]:,} bytes are left there. It stays compiled for size:
  `# pragma optimize gas` makes the blueprint too large for EIP-170 (and leaves the runtime under
  the headroom target). Creating a token costs {deployed["create gas"]:,} gas.
"""


ASYNC_METHOD = """\
BTC3L on an asynchronous BTC-PERP venue (MockAsyncPerpVenue), created by the factory from the async
blueprint (bench/async_gas.py). After a seeding round and a warm-up round (the first redeems and
the first claim fill slots for the first time), each round takes N deposit requests (1,000
USDC each) and N redeem requests (one share each), all paid by one user for N controllers of
their own (ERC-7540's owner and controller), closes a round interval after the last at an
unchanged oracle price, is filled by the venue keeper at a new oracle round and settled; one
controller then claims its deposit and its redeem. "First of the round" is a round's first
request (the round's totals are new slots); "later" the median of the others. A lower bound
counts the transaction base and calldata, the external calls the operation must make (their gas
measured in its own trace), one storage word per record it must write and the events ERC-7540 and
ERC-4626 ask for; the request bounds are from the N = 1 round, the others from the largest."""


def async_table(results: dict, rows) -> str:
    """The async token's gas for each round size next to the sync token's deposit and redeem,
    each row's lower bound (bench/floors.async_floor), the O(1) check on settlement and the size of
    the async blueprint. `results`: measure_async's; `rows`: the sync token's (measure_token's)."""
    gas, floors = results["gas"], results["floors"]
    counts = sorted(gas)
    smallest, largest = counts[0], counts[-1]
    header = " | ".join(f"N = {n}" for n in counts)
    lines = [
        f"| operation ({len(counts)} rounds of N deposit + N redeem requests) | {header} | lower bound | × bound "
        f"| sync token ({TOKEN}) |",
        "|---|" + "---:|" * len(counts) + "---:|---:|---:|",
    ]

    def row(label, figures, floor_key=None, sync=""):
        bound = ""
        if floor_key is not None:
            measured, items = floors[floor_key]
            total = floor_total(items)
            bound = f"{total:,} | {measured / total:.2f}"
        else:
            bound = " | "
        cells = " | ".join(f"{figure:,}" if figure is not None else "—" for figure in figures)
        lines.append(f"| {label} | {cells} | {bound} | {sync} |")

    for name in ("requestDeposit", "requestRedeem"):
        row(f"{name}, first of the round", [gas[n][name][0] for n in counts], f"{name}, first of the round")
        row(
            f"{name}, later (median)",
            [int(statistics.median(gas[n][name][1:])) if n > 1 else None for n in counts],
            f"{name}, later",
        )
    row("close_round (keeper)", [gas[n]["close_round"] for n in counts], "close_round")
    row("venue fill (execute_order, the venue keeper's)", [gas[n]["venue fill (execute_order)"] for n in counts])
    row("settle (anyone)", [gas[n]["settle"] for n in counts], "settle")
    row(
        "claim deposit (`deposit(assets, receiver, controller)`)",
        [gas[n]["claim deposit"] for n in counts],
        "claim deposit",
    )
    row(
        "claim redeem (`redeem(shares, receiver, controller)`)",
        [gas[n]["claim redeem"] for n in counts],
        "claim redeem",
    )

    def all_in(n, request, claim):
        """A request's whole cost: its own request and claim, and its share of the round's close
        and settle (2N requests a round)."""
        return statistics.mean(gas[n][request]) + gas[n][claim] + (gas[n]["close_round"] + gas[n]["settle"]) / (2 * n)

    for side, request, claim, sync in (
        ("deposit", "requestDeposit", "claim deposit", "deposit"),
        ("redeem", "requestRedeem", "claim redeem", "redeem"),
    ):
        row(
            f"{side}, all in: mean {request} + claim + (close + settle) / 2N",
            [round(all_in(n, request, claim)) for n in counts],
            sync=f"{sync} {rows[sync][0]:,}",
        )
    spread = gas[largest]["settle"] - gas[smallest]["settle"]
    close_spread = gas[largest]["close_round"] - gas[smallest]["close_round"]
    verdict = "met" if abs(spread) <= ASYNC_O1_MARGIN else "**missed**"
    margin = EIP_170 - results["blueprint"]
    return "\n".join(lines) + (
        f"\n\nO(1) settlement: settle {gas[smallest]['settle']:,} at N = {smallest}, {gas[largest]['settle']:,} at "
        f"N = {largest} ({spread:+,}; target within ±{ASYNC_O1_MARGIN:,}): {verdict}; close_round {close_spread:+,}. "
        "Each claim pays for its own pro-rata part. The venue's fill is the venue keeper's transaction, repaid "
        "in collateral by the round's execution fee; the all-in rows leave it out.\n\n"
        f"LeveragedTokenAsync blueprint (EIP-5202 preamble + initcode): {results['blueprint']:,} bytes; EIP-170 "
        f"limit {EIP_170:,}: {margin:,} bytes to spare."
    )


def size_line(deployed: dict) -> str:
    """`deployed`: {"token": runtime bytes with immutables, "blueprint": bytes, "create gas": gas}."""
    headroom = EIP_170 - deployed["token"]
    return (
        f"LeveragedToken deployed code (runtime with its immutables): {deployed['token']:,} bytes "
        f"(before: {BEFORE['token bytes']:,}); its blueprint (EIP-5202, the initcode): "
        f"{deployed['blueprint']:,} bytes (before: {BEFORE['blueprint bytes']:,}); EIP-170 limit: {EIP_170:,}. "
        f"**Headroom: {headroom:,} bytes for the token** (target ≥ {HEADROOM_TARGET:,}: "
        f"{'met' if headroom >= HEADROOM_TARGET else '**missed**'}; a test fails below 1,024) "
        f"and {EIP_170 - deployed['blueprint']:,} for the blueprint. "
        f"Creating a token: {deployed['create gas']:,} gas (before: {BEFORE['create gas']:,})."
    )


def write_results(
    path: Path, table, size_text, where, rows, references, what_if, venue, breakdowns, deployed, speed, async_text
):
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
        + "\n## What the safety fixes cost (issue 14)\n\nThe review's fixes (docs/security.md lists them; "
        + "docs/protocol.md gives each decision and its measurement), this run against the last one before "
        + "them. Titanoboa figures are execution gas of the call alone; the others are this table's "
        + "transaction gas.\n\n"
        + safety_table(rows)
        + "\n"
        + "\n## The asynchronous token (LeveragedTokenAsync, ERC-7540 rounds)\n\n"
        + ASYNC_METHOD
        + "\n\n"
        + async_text
        + "\n"
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
