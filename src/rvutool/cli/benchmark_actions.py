"""What `rvutool benchmark import | list | remove` do once their arguments are parsed. The tables are the user's
own licensed reference data, kept under the data directory (reports/benchmarks.py), never in the log."""

from __future__ import annotations

import re

from rvutool.errors import UsageError
from rvutool.view import terminal


def _name_from(stem: str) -> str:
    name = re.sub(r"[^a-z0-9_-]+", "-", stem.lower()).strip("-_")[:32].strip("-_")
    return name or "benchmark"


def import_table(file: str, *, source: str | None = None, name: str | None = None, replace: bool = False) -> int:
    from rvutool import dates
    from rvutool.cli import inputs
    from rvutool.reports import benchmarks
    from rvutool.reports.contracts import check_name
    from rvutool.view import pay_text

    if source is None:
        raise UsageError("say where the figures come from: --source \"MGMA 2025 Provider Compensation\" (it is "
                         "printed beside every figure)")
    cited = benchmarks.check_source(source)
    path = inputs.readable_path(file)
    chosen = check_name(name, "benchmark table name") if name is not None else _name_from(path.stem)
    table = benchmarks.read_table(path, name=chosen, source=cited, today=dates.today())
    replaced = benchmarks.save(table, replace=replace)
    verb = "Replaced" if replaced else "Imported"
    terminal.line(pay_text.say([f"{verb} benchmark table {pay_text.table_line(table)}"]))
    return 0


def list_all(*, as_json: bool = False) -> int:
    from rvutool.reports import benchmarks
    from rvutool.view import pay_text

    found = benchmarks.load_all()
    if as_json:
        terminal.print_json([t.to_dict() for t in found])
    elif not found:
        terminal.line("No benchmark tables yet. Import one you are licensed to use: rvutool benchmark import FILE "
                    "--source \"...\" (examples/benchmark-invented.csv holds invented figures to try it)")
    else:
        terminal.line(pay_text.say([pay_text.table_line(t) for t in found]))
    return 0


def remove(name: str) -> int:
    from rvutool.reports import benchmarks
    from rvutool.reports.contracts import check_name

    chosen = check_name(name, "benchmark table name")
    benchmarks.remove(chosen)
    terminal.line(f"Removed benchmark table {chosen}.")
    return 0
