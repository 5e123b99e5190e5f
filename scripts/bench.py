"""Benchmarks (`make bench`): prints the gas and speed tables and writes them to
out/bench-results.md, or to the tracked bench/results.md with `make bench PUBLISH=1`
(LT_BENCH_PUBLISH=1), so a plain run never dirties the checkout. Wiring only: the harness and
its method are the `bench` package's (bench/__init__.py)."""

import os
import time

from ape import accounts
from ape.logging import logger

from bench import report, speed
from bench.async_gas import measure_async
from bench.measure import measure_gas
from bench.settings import DRAFT_RESULTS, RESULTS


def main():
    logger.set_level("WARNING")
    began = time.perf_counter()
    admin, user, other, spender, claimer = accounts.test_accounts[0:5]

    rows, references, what_if, venue, breakdowns, deployed = measure_gas(admin, user, other, spender)
    table = report.gas_table(rows, references)
    where = report.breakdown_table(breakdowns)
    size_line = report.size_line(deployed)
    print("Gas per operation (BTC3L)\n")
    print(table)
    print()
    print(size_line)
    print("\nWhere the gas goes (opcode traces of the calls above)\n")
    print(where)
    print()
    print(report.floor_tables(rows))
    print("\nWhat the safety fixes cost (issue 14)\n")
    print(report.safety_table(rows))
    async_text = report.async_table(measure_async(admin, user, claimer), rows)
    print("\nThe asynchronous token: gas per round size, next to the sync token (issue 16)\n")
    print(async_text)

    backtest_figures = speed.backtest_speed()
    sdk_figures = speed.sdk_speed(speed.deploy_fifty(admin, user), admin)
    speed_text = report.speed_table(backtest_figures, sdk_figures)
    print("\nSpeed\n")
    print(speed_text)
    print(f"\nbench ran in {time.perf_counter() - began:.0f} s")
    path = RESULTS if os.environ.get("LT_BENCH_PUBLISH") == "1" else DRAFT_RESULTS
    report.write_results(
        path, table, size_line, where, rows, references, what_if, venue, breakdowns, deployed, speed_text, async_text
    )
    print(f"results written to {path.relative_to(RESULTS.parents[1])}")
