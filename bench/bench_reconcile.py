"""Benchmark cases for `rvutool reconcile` on huge employer reports (imported by bench.py's extra_cases).

The reports are made by scripts/make_employer_report.py (a hospital's export: title rows, eleven columns,
patient cells, a Total row), every line credited to the physician, and cached in bench/out/ (gitignored)
under a name that changes with the script. The log is empty, so every line is compared and is "not in
log": the whole file is read, checked and kept. Issue 19's goals: under 200 MB for a 2,000,000-row CSV
and a 1,000,000-row workbook, and at most 30 s for the CSV.
"""

from __future__ import annotations

from bench import Case


def _report(kind: str, rows: int):
    import hashlib
    import os
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]

    def setup(env: dict[str, str]) -> None:
        script = repo / "scripts" / "make_employer_report.py"
        version = hashlib.sha256(script.read_bytes()).hexdigest()[:10]
        cached = repo / "bench" / "out" / f"employer-{rows}-{version}.{kind}"
        if not cached.exists():
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_name(cached.name + ".partial")
            partial.unlink(missing_ok=True)
            sys.path.insert(0, str(repo / "scripts"))
            import make_employer_report as maker

            lines = maker.services(rows, providers=("SMITH, JOHN",))
            if kind == "csv":
                maker.write_csv(partial, lines)
            else:
                maker.write_xlsx(partial, [("Detail", maker.report_rows(lines), False)])
            os.replace(partial, cached)
        env[f"REPORT_{kind.upper()}"] = str(cached)

    return setup


def _no_log(env: dict[str, str]) -> dict[str, str]:
    """An empty RVUTOOL_HOME: the other cases leave a big log in the shared one."""
    import os

    home = os.path.join(env["RVUTOOL_HOME"], "reconcile-home")
    os.makedirs(home, exist_ok=True)
    return dict(env, RVUTOOL_HOME=home)


CASES: list[Case] = [
    Case("reconcile 2M-row CSV", ["reconcile", "{REPORT_CSV}"], [], 0, _report("csv", 2_000_000),
         limit_s=30, limit_mb=200, before_each=_no_log, runs=3),
    Case("reconcile 1M-row xlsx", ["reconcile", "{REPORT_XLSX}"], [], 0, _report("xlsx", 1_000_000),
         limit_mb=200, before_each=_no_log, runs=1),
]
