"""Benchmark cases for contracts (issue 22), imported by bench.py's extra_cases: `summary --year --contract`
over the big logs of bench_log, with a monthly tiered contract (credited from the day totals, as `summary` is)
and with one that credits on another release's values (every encounter of the year priced again)."""

from __future__ import annotations

from bench_log import _big_log

from bench import Case

TIERED = """name = "tiered"
period = "month"
base = 250000
threshold = 300
tiers = [ { from = 300, rate = 50.0 }, { from = 350, rate = 55.0 } ]
quality_withhold = 0.05
draw = 20000
custom_wrvu = { D6092 = 1.2 }
"""


def _with_contract(n: int, text: str):
    import subprocess
    import sys
    from pathlib import Path

    log = _big_log(n)

    def setup(env: dict[str, str]) -> None:
        log(env)
        path = Path(env["RVUTOOL_HOME"]) / "contract.toml"
        path.write_text(text, encoding="utf-8")
        script = Path(sys.executable).with_name("rvutool")
        subprocess.run([str(script), "contract", "add", str(path), "--replace"], env=env, check=True,
                       stdout=subprocess.DEVNULL)

    return setup


CASES: list[Case] = [
    # The pay arithmetic adds little to a summary: at most 1.5x the stack floor at 100k entries.
    Case("summary --year --contract (100k entries)", ["summary", "--year", "2026", "--contract", "tiered"],
         ["summary"], 1.5, _with_contract(100_000, TIERED)),
    # Credit on another release: each of the year's 10,000 encounters priced again (a figure, not a floor ratio).
    Case("summary --year --contract, credit on RVU25D (10k entries)",
         ["summary", "--year", "2026", "--contract", "tiered"], ["summary"], 0,
         _with_contract(10_000, TIERED + 'credit_release = "RVU25D"\n'), limit_s=15.0, limit_mb=200.0, runs=3),
]
