"""Benchmark tables the user is licensed to use (MGMA, AMGA, SullivanCotter, ...), and where they stand in one.

No third-party figures are bundled: `rvutool benchmark import FILE --source TEXT` reads the user's own CSV or
.xlsx of annual wRVU percentiles by specialty (columns found by header: specialty; any of p10, p25, p50 or
median, p75, p90; optional year, region, practice type and FTE basis), refuses a row whose percentiles do
not increase, and keeps it with its source and import date under the data directory (paths.benchmarks_dir),
one file per table, written atomically and readable only by the user.

Where one stands (`summary --benchmark SPECIALTY`):
    annualised  = wRVU credited this (fiscal) year to date x days in the year / days elapsed (today included)
    adjusted    = annualised / the contract's FTE (1.0 without a contract)
    percentile  = linear interpolation between the two table points around it:
                  p_lo + (adjusted - v_lo) / (v_hi - v_lo) x (p_hi - p_lo), to a tenth;
                  below the lowest point "below p10", above the highest "above p90" (never extrapolated)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from rvutool.errors import RvuError, UsageError
from rvutool.money import half_up

FORMAT = "rvutool-benchmark/1"
PERCENTILES = (10, 25, 50, 75, 90)
MAX_VALUE = Decimal(1_000_000)
MAX_TEXT = 100
MAX_SOURCE = 200
_BLANK = {"", "all", "national", "overall", "total", "any", "n/a", "-"}
ROLES: dict[str, tuple[str, ...]] = {
    "specialty": ("specialty", "specialty name", "physician specialty", "provider specialty", "specialty group"),
    "p10": ("p10", "10th", "10th percentile", "percentile 10", "10th %ile", "10 %ile", "10%"),
    "p25": ("p25", "25th", "25th percentile", "percentile 25", "25th %ile", "25 %ile", "25%"),
    "p50": ("p50", "50th", "50th percentile", "percentile 50", "50th %ile", "50 %ile", "50%", "median"),
    "p75": ("p75", "75th", "75th percentile", "percentile 75", "75th %ile", "75 %ile", "75%"),
    "p90": ("p90", "90th", "90th percentile", "percentile 90", "90th %ile", "90 %ile", "90%"),
    "year": ("year", "survey year", "data year"),
    "region": ("region", "geographic region"),
    "practice_type": ("practice type", "practice", "ownership", "setting", "organization type"),
    "fte_basis": ("fte basis", "fte", "basis"),
}


@dataclass
class Row:
    specialty: str
    points: dict[int, Decimal]  # percentile -> annual wRVU
    year: int | None = None
    region: str = ""
    practice_type: str = ""
    fte_basis: str = ""

    @property
    def label(self) -> str:
        extra = [x for x in (self.region, self.practice_type, str(self.year) if self.year else "") if x]
        return self.specialty + (f" ({', '.join(extra)})" if extra else "")

    def to_dict(self) -> dict[str, Any]:
        return {"specialty": self.specialty, "year": self.year, "region": self.region or None,
                "practice_type": self.practice_type or None, "fte_basis": self.fte_basis or None,
                **{f"p{p}": v for p, v in sorted(self.points.items())}}


@dataclass
class Table:
    name: str
    source: str
    imported: str  # YYYY-MM-DD
    file: str
    rows: list[Row] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "name": self.name, "source": self.source, "imported": self.imported,
                "file": self.file, "rows": [r.to_dict() for r in self.rows]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Table:
        rows = [Row(r["specialty"], {p: Decimal(str(r[f"p{p}"])) for p in PERCENTILES if r.get(f"p{p}") is not None},
                    r.get("year"), r.get("region") or "", r.get("practice_type") or "", r.get("fte_basis") or "")
                for r in data["rows"]]
        return cls(data["name"], data["source"], data["imported"], data.get("file", ""), rows)


# ---------------------------------------------------------------- import
def _text(value: Any, what: str, line: int, path: str) -> str:
    from rvutool.reports.tables import cell_text

    text = " ".join(cell_text(value).split())
    if len(text) > MAX_TEXT or not text.isprintable():
        raise RvuError(f"{path} line {line}: the {what} cell is not a short text")
    return text


def read_table(path: Path, *, name: str, source: str, today: date) -> Table:
    """A benchmark table from the user's CSV or .xlsx; RvuError naming the line and the problem."""
    from rvutool.reports import tables

    shown = tables.shown(path)
    numbered = tables.rows(path, "a benchmark table (CSV or .xlsx)")
    roles, header, _ = tables.find_columns(path, numbered, ROLES, ("specialty",),
                                           "a specialty column and percentile columns (p10, p25, p50 or median, "
                                           "p75, p90)")
    points = [p for p in PERCENTILES if f"p{p}" in roles]
    if len(points) < 2:
        raise RvuError(f"{shown}: the header names {len(points)} percentile column(s); at least two of p10, p25, "
                       "p50 (median), p75, p90 are needed to interpolate")
    table = Table(name, source, today.isoformat(), path.name)
    seen: set[tuple[Any, ...]] = set()
    for line, cells in numbered:
        def cell(role: str, cells: list[Any] = cells) -> Any:
            return tables.pick(roles, cells, role)

        specialty = _text(cell("specialty"), "specialty", line, shown)
        if not specialty:
            continue
        found: dict[int, Decimal] = {}
        for p in points:
            raw = cell(f"p{p}")
            if tables.cell_text(raw) == "":
                continue
            value = tables.number(raw)
            if value is None or value <= 0 or value > MAX_VALUE:
                raise RvuError(f"{shown} line {line} ({specialty}): p{p} {tables.cell_text(raw)!r} is not a number of "
                               f"wRVU above 0 and at most {MAX_VALUE:,}")
            found[p] = value
        if len(found) < 2:
            raise RvuError(f"{shown} line {line} ({specialty}): fewer than two percentiles given")
        ordered = sorted(found.items())
        for (p1, v1), (p2, v2) in zip(ordered, ordered[1:], strict=False):
            if v2 <= v1:
                raise RvuError(f"{shown} line {line} ({specialty}): p{p2} {v2:,} is not above p{p1} {v1:,}: a "
                               "table's percentiles must increase; nothing was imported")
        year = None
        year_text = tables.cell_text(cell("year"))
        if year_text:
            if not (year_text.isascii() and year_text.isdigit() and 1900 <= int(year_text) <= 2999):
                raise RvuError(f"{shown} line {line} ({specialty}): year {year_text!r} is not a year such as 2025")
            year = int(year_text)
        row = Row(specialty, found, year, _text(cell("region"), "region", line, shown),
                  _text(cell("practice_type"), "practice type", line, shown),
                  _text(cell("fte_basis"), "FTE basis", line, shown))
        key = (row.specialty.lower(), row.year, row.region.lower(), row.practice_type.lower())
        if key in seen:
            raise RvuError(f"{shown} line {line}: {row.label} is in the table twice")
        seen.add(key)
        table.rows.append(row)
    if not table.rows:
        raise RvuError(f"{shown}: no rows under the header; nothing was imported")
    return table


def check_source(text: str) -> str:
    value = " ".join(text.split())
    if not value:
        raise UsageError("--source: say where the figures come from, such as \"MGMA 2025 Provider Compensation\"")
    if len(value) > MAX_SOURCE or not value.isprintable():
        raise UsageError(f"--source: at most {MAX_SOURCE} printable characters")
    return value


# ---------------------------------------------------------------- storage
def _file(name: str) -> Path:
    from rvutool import paths

    return paths.benchmarks_dir() / f"{name}.json"


def save(table: Table, *, replace: bool) -> bool:
    """Write the table (0600, atomically); True when it replaced one of the same name."""
    from rvutool import paths
    from rvutool.catalog import datafile

    target = _file(table.name)
    existed = target.exists()
    if existed and not replace:
        raise RvuError(f"a benchmark table named {table.name} exists; add --replace to replace it, or --name to "
                       "keep both (nothing was changed)")
    try:
        paths.ensure_private_dir(target.parent)
        datafile.write_atomic(target, (json.dumps(table.to_dict(), indent=1, default=str) + "\n").encode("utf-8"),
                              mode=0o600)
    except OSError as exc:
        raise RvuError(f"cannot write {target}: {exc.strerror or exc}; nothing was changed") from None
    return existed


def load_all() -> list[Table]:
    """Every imported table, by name (reading creates nothing)."""
    from rvutool import paths
    from rvutool.reports import tables

    folder = paths.benchmarks_dir()
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.json")):
        raw = tables.read_bytes(path, tables.MAX_TABLE_BYTES, "a benchmark table")
        try:
            data = json.loads(raw)
            if data.get("format") != FORMAT:
                raise ValueError(data.get("format"))
            found.append(Table.from_dict(data))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise RvuError(f"benchmark table {path} is damaged; remove it (rvutool benchmark remove "
                           f"{path.stem}) and import it again") from None
    return found


def remove(name: str) -> None:
    target = _file(name)
    try:
        target.unlink()
    except FileNotFoundError:
        known = ", ".join(t.name for t in load_all()) or "none imported"
        raise RvuError(f"no benchmark table named {name} (tables: {known})") from None
    except OSError as exc:
        raise RvuError(f"cannot remove {target}: {exc.strerror or exc}") from None


# ---------------------------------------------------------------- where one stands
def find_row(wanted: str, found: list[Table]) -> tuple[Table, Row]:
    """The row for 'Specialty' (optionally ', qualifier' for a year, region or practice type): the newest year,
    then one with no region or practice type; several left is an error naming them."""
    parts = [" ".join(p.split()).lower() for p in wanted.split(",")]
    specialty, qualifiers = parts[0], [q for q in parts[1:] if q]
    matches = []
    for table in found:
        for row in table.rows:
            facts = {str(row.year or ""), row.region.lower(), row.practice_type.lower(), table.name}
            if row.specialty.lower() == specialty and all(q in facts for q in qualifiers):
                matches.append((table, row))
    if not matches:
        if not found:
            raise RvuError("no benchmark table imported yet: rvutool benchmark import FILE --source \"...\"")
        names = sorted({r.specialty for t in found for r in t.rows})
        near = [n for n in names if specialty in n.lower()][:5] or names[:5]
        raise RvuError(f"no benchmark row for {wanted!r} (specialties include {', '.join(near)})")
    newest = max(m[1].year or 0 for m in matches)
    matches = [m for m in matches if (m[1].year or 0) == newest]
    if len(matches) > 1:
        plain = [m for m in matches if m[1].region.lower() in _BLANK and m[1].practice_type.lower() in _BLANK]
        matches = plain or matches
    if len(matches) > 1:
        listed = "; ".join(f"{r.label} in {t.name}" for t, r in matches[:5])
        table, row = matches[0]
        raise RvuError(f"{wanted!r} matches several benchmark rows ({listed}): add a region, practice type or table "
                       f"name after a comma, such as \"{row.specialty}, {row.region or table.name}\"")
    return matches[0]


@dataclass
class Position:
    table: Table
    row: Row
    year_label: str
    start: date
    through: date
    days_elapsed: int
    days_in_year: int
    year_to_date: Decimal
    fte: Decimal
    fte_source: str  # "contract NAME" or "no contract"

    @property
    def annualised(self) -> Decimal:
        return half_up(self.year_to_date * self.days_in_year / self.days_elapsed)

    @property
    def adjusted(self) -> Decimal:
        return half_up(self.annualised / self.fte)

    def place(self) -> tuple[Decimal | None, str]:
        """(percentile or None, words): 'percentile 62.3 (between p50 and p75)', 'below p10', 'above p90'."""
        return percentile(self.adjusted, self.row.points)

    def to_dict(self) -> dict[str, Any]:
        value, words = self.place()
        return {"table": self.table.name, "source": self.table.source, "imported": self.table.imported,
                "row": self.row.to_dict(), "year": self.year_label, "from": self.start, "through": self.through,
                "days_elapsed": self.days_elapsed, "days_in_year": self.days_in_year,
                "year_to_date_wrvu": self.year_to_date, "annualised_wrvu": self.annualised, "fte": self.fte,
                "fte_source": self.fte_source, "fte_adjusted_wrvu": self.adjusted, "percentile": value,
                "placement": words}


def percentile(x: Decimal, points: dict[int, Decimal]) -> tuple[Decimal | None, str]:
    ordered = sorted(points.items())
    (p_low, v_low), (p_high, v_high) = ordered[0], ordered[-1]
    if x < v_low:
        return None, f"below p{p_low}"
    if x > v_high:
        return None, f"above p{p_high}"
    for (p1, v1), (p2, v2) in zip(ordered, ordered[1:], strict=False):
        if x == v1:
            return Decimal(p1), f"at p{p1}"
        if v1 < x < v2:
            value = half_up(p1 + (x - v1) / (v2 - v1) * (p2 - p1), "0.1")
            return value, f"percentile {value} (between p{p1} and p{p2})"
    return Decimal(p_high), f"at p{p_high}"
