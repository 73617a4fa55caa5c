"""Where the user stands under a contract and against a benchmark: what `summary` and `report` add for
`--contract NAME` (or config `contract`) and `--benchmark SPECIALTY` (or config `benchmark.specialty`).

Reads the log's store (contracts, fees and collections live with the log) and the benchmark tables; computes
nothing itself (reports/pay.py, reports/benchmarks.py do).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rvutool.errors import RvuError
from rvutool.money import from_hundredths

if TYPE_CHECKING:
    from rvutool.log.store import LogStore
    from rvutool.periods import Period
    from rvutool.reports.benchmarks import Position
    from rvutool.reports.contracts import Versions
    from rvutool.reports.pay import Pay


def versions(store: LogStore | None, name: str, *, origin: str = "") -> Versions:
    """Every stored version of a contract, oldest first; RvuError when there is none."""
    from rvutool.reports.contracts import check_name, versions_from_rows

    name = check_name(name)
    rows = store.contract_rows(name) if store is not None else []
    if not rows:
        known = ", ".join(sorted({r.name for r in store.contract_rows()})) if store is not None else ""
        where = f" ({origin})" if origin else ""
        raise RvuError(f"no contract named {name}{where}; "
                       + (f"contracts: {known}" if known else "add one with: rvutool contract add FILE.toml"))
    fees = {code: (from_hundredths(fee), None if lab is None else from_hundredths(lab))
            for code, fee, lab in store.contract_fees(name)} if store is not None else {}
    return versions_from_rows(name, rows, fees)


def log_span(store: LogStore | None) -> tuple[date, date] | None:
    """The first and last date of service in the log (None when empty)."""
    if store is None:
        return None
    from rvutool.periods import MAX_DATE, MIN_DATE

    days = [row.day for row in store.day_code_totals(MIN_DATE, MAX_DATE)]
    return (date.fromisoformat(min(days)), date.fromisoformat(max(days))) if days else None


def bounds(store: LogStore | None, period: Period, today: date) -> tuple[date, date]:
    """A period's dates, an open end closed at the log's first day (or today) and at today (or its last day)."""
    start, end = period.start, period.end
    if not period.bounded:
        span = log_span(store)
        if period.open_start:
            start = span[0] if span else today
        if period.open_end:
            end = max(span[1], today) if span else today
    return start, end


def contract_pay(store: LogStore | None, name: str, period: Period, *, today: date, fiscal_year_start: int,
                 catalog: Any = None, origin: str = "") -> Pay:
    """The contract's pay for the pay periods overlapping `period` (whole (fiscal) years computed)."""
    from rvutool.reports import credit, pay

    contract = versions(store, name, origin=origin)
    start, end = bounds(store, period, today)
    span = (pay.fiscal_year(start, fiscal_year_start).start, pay.fiscal_year(end, fiscal_year_start).end)
    credited = credit.credit(store, contract, span[0], span[1], catalog)
    collections = {m: from_hundredths(a) for m, a in store.collections()} if store is not None else {}
    return pay.compute(contract, credited, start, end, today=today, fiscal_year_start=fiscal_year_start,
                       collections=collections, span=span)


def benchmark_position(store: LogStore | None, specialty: str, period: Period, *, today: date,
                       fiscal_year_start: int, contract: Versions | None) -> Position:
    """Year-to-date wRVU (the (fiscal) year of the period's end, through today), annualised, FTE-adjusted,
    placed in the user's benchmark table."""
    from rvutool.reports import benchmarks
    from rvutool.reports.pay import fiscal_year

    table, row = benchmarks.find_row(specialty, benchmarks.load_all())
    reference = min(period.end, today)
    year = fiscal_year(reference, fiscal_year_start)
    through = min(reference, year.end)
    if through < year.start:
        raise RvuError(f"{year.label} has not started; no year-to-date wRVU to compare")
    total = Decimal("0.00")
    if store is not None:
        total = sum((from_hundredths(r.credited_c) for r in store.day_code_totals(year.start, through)), total)
    fte, source = Decimal(1), "no contract: FTE 1.0"
    version = contract.at(through) if contract is not None else None
    if version is not None:
        fte, source = version.fte, f"contract {contract.name}"  # type: ignore[union-attr]
    return benchmarks.Position(table, row, year.label, year.start, through, (through - year.start).days + 1,
                               (year.end - year.start + timedelta(days=1)).days, total, fte, source)


def fee_paid(store: LogStore, codes: set[str], on: date) -> set[str]:
    """The codes the default contract (config contract) pays by their fee on `on`: under a production contract a
    logged dental code is paid by its fee, so `log` need not warn, code by code, that it has no work RVU (the
    entry keeps its no-wRVU flag)."""
    from rvutool import config

    name = config.load().get("contract")
    if not name or not codes:
        return set()
    try:
        found = versions(store, name)
    except RvuError:  # the configured contract is gone: `summary` says so; `log` just keeps its warnings
        return set()
    version = found.at(on)
    if version is None or not version.production:
        return set()
    return {code for code in codes if found.fee(version, code) is not None}
