#!/usr/bin/env python3
"""Compares two builds of strata_first_database_benchmark, one process of each in turn.

The benchmark itself runs 15 processes of one build after another; on a VM whose speed drifts
over minutes, two such batches a minute apart differ by more than a change of a few tenths of a
millisecond. Here the two builds' children (`--child <dialect>`, the benchmark's own child mode)
alternate process by process, in an order that swaps every round, so that both see the same
moments of the machine.

    benchmarks/compare_first_database.py BEFORE AFTER [ROUNDS] [DIALECT]

BEFORE and AFTER are strata_first_database_benchmark programs; ROUNDS (40) processes of each;
DIALECT sqlite (the default) or postgresql (run it under pg_virtualenv, as the benchmark). Prints,
per build, the median (first and third quartiles) of the first database and of the exit, the
span the benchmark reports, leaving out each build's first two processes (they may build a
template or find no spare).
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time


def run(program: str, dialect: str) -> tuple[float, float]:
    out = subprocess.run([program, "--child", dialect], capture_output=True, text=True, check=True)
    returned = time.monotonic_ns()  # CLOCK_MONOTONIC, as the child's steady_clock
    first_ns, _cpu_ns, end_ns = map(int, out.stdout.split())
    return first_ns / 1e6, (returned - end_ns) / 1e6


def describe(values: list[float]) -> str:
    q1, _, q3 = statistics.quantiles(values, n=4)
    return f"{statistics.median(values):.2f} ms ({q1:.2f} to {q3:.2f})"


def main() -> int:
    if len(sys.argv) < 3:
        print("usage: compare_first_database.py BEFORE AFTER [ROUNDS] [DIALECT]", file=sys.stderr)
        return 2
    before, after = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    dialect = sys.argv[4] if len(sys.argv) > 4 else "sqlite"
    samples: dict[str, list[tuple[float, float]]] = {before: [], after: []}
    for i in range(rounds):
        for program in (before, after) if i % 2 == 0 else (after, before):
            samples[program].append(run(program, dialect))
    for label, program in (("before", before), ("after", after)):
        kept = samples[program][2:]
        print(f"{label:6}  {dialect}  first database {describe([s[0] for s in kept])}   exit {describe([s[1] for s in kept])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
