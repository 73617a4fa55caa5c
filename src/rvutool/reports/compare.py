"""`rvutool contract compare A B [PERIOD]`: the same logged work under two contracts.

Each contract credits the entries by its own rules (reports/credit.py) and pays them by its own
arithmetic (reports/pay.py). The rows are pay periods of the coarser of the two contracts' periods (a
month nests in a (fiscal) quarter, a quarter in a (fiscal) year), so both are compared over the same
days: each contract's pay periods (and their parts) are added up inside the row that holds them.
Difference = B - A.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rvutool.reports.pay import ORDER, ZERO, Pay, PayPeriod, fiscal_year, period_of

if TYPE_CHECKING:
    from rvutool.log.store import LogStore
    from rvutool.reports.contracts import Versions


@dataclass
class Side:
    wrvu: Decimal = ZERO
    earned: Decimal = ZERO

    def to_dict(self) -> dict[str, Any]:
        return {"wrvu": self.wrvu, "pay": self.earned}


@dataclass
class Row:
    period: PayPeriod
    a: Side = field(default_factory=Side)
    b: Side = field(default_factory=Side)

    @property
    def difference(self) -> Decimal:
        return self.b.earned - self.a.earned

    def to_dict(self, names: tuple[str, str]) -> dict[str, Any]:
        return {"period": self.period.label, "from": self.period.start, "to": self.period.end,
                names[0]: self.a.to_dict(), names[1]: self.b.to_dict(), "difference": self.difference}


@dataclass
class Comparison:
    a: Pay
    b: Pay
    rows: list[Row]
    kind: str

    @property
    def names(self) -> tuple[str, str]:
        return self.a.contract, self.b.contract

    def total(self, side: str, what: str) -> Decimal:
        return sum((getattr(getattr(r, side), what) for r in self.rows), ZERO)

    def to_dict(self) -> dict[str, Any]:
        a, b = self.names
        return {
            "a": a, "b": b, "rows_by": self.kind, "from": self.rows[0].period.start if self.rows else None,
            "to": self.rows[-1].period.end if self.rows else None,
            "rows": [r.to_dict(self.names) for r in self.rows],
            "totals": {a: {"wrvu": self.total("a", "wrvu"), "pay": self.total("a", "earned")},
                       b: {"wrvu": self.total("b", "wrvu"), "pay": self.total("b", "earned")},
                       "difference": self.total("b", "earned") - self.total("a", "earned")},
            "contracts": {a: self.a.to_dict(), b: self.b.to_dict()},
        }

    def csv_rows(self) -> list[list[Any]]:
        a, b = self.names
        head = ["period", "from", "to", f"{a}_wrvu", f"{a}_pay", f"{b}_wrvu", f"{b}_pay", "difference"]
        body = [[r.period.label, r.period.start.isoformat(), r.period.end.isoformat(), f"{r.a.wrvu:.2f}",
                 f"{r.a.earned:.2f}", f"{r.b.wrvu:.2f}", f"{r.b.earned:.2f}", f"{r.difference:.2f}"] for r in self.rows]
        return [head, *body]


def rows_for(kind: str, start: date, end: date, fiscal_year_start: int) -> list[PayPeriod]:
    out: list[PayPeriod] = []
    day = start
    while day <= end:
        period = period_of(kind, day, fiscal_year_start)
        out.append(period)
        day = period.end + timedelta(days=1)
    return out


def compare(store: LogStore | None, a: Versions, b: Versions, start: date, end: date, *, today: date,
            fiscal_year_start: int, catalog: Any = None) -> Comparison:
    from rvutool.catalog.codes import CachedCatalog
    from rvutool.money import from_hundredths
    from rvutool.reports import credit, pay

    kinds = [v.period for v in (*a.versions, *b.versions)]
    kind = max(kinds, key=lambda k: ORDER[k]) if kinds else "year"
    rows = [Row(p) for p in rows_for(kind, start, end, fiscal_year_start)]
    first, last = rows[0].period.start, rows[-1].period.end
    span = (fiscal_year(first, fiscal_year_start).start, fiscal_year(last, fiscal_year_start).end)
    collections = {m: from_hundredths(x) for m, x in store.collections()} if store is not None else {}
    catalog = catalog or CachedCatalog()
    pays = []
    for versions in (a, b):
        credited = credit.credit(store, versions, span[0], span[1], catalog)
        pays.append(pay.compute(versions, credited, first, last, today=today, fiscal_year_start=fiscal_year_start,
                                collections=collections, span=span))
    for row in rows:
        for side, computed in zip((row.a, row.b), pays, strict=True):
            side.wrvu = computed.credit.total(row.period.start, min(row.period.end, today))
            side.earned = sum((w.earned for w in computed.shown if row.period.start <= w.start <= row.period.end),
                              ZERO)
    return Comparison(pays[0], pays[1], rows, kind)
