"""Benchmark cases for the procedure log and summaries (imported by bench.py's extra_cases).

Each case runs against the benchmark's temporary RVUTOOL_HOME; `log 99213` appends a
real entry on every run (with its fsync), so the log grows as it would in use.
"""

from __future__ import annotations

from bench import Case

CASES: list[Case] = [
    # Goal: logging one code costs at most 1.1x the smallest typer + rich command.
    Case("log 99213", ["log", "99213"], ["lookup", "99213"], 1.1),
]
