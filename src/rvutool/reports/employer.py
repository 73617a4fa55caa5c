"""Reading an employer's productivity report (for `rvutool reconcile`): every row checked, kept compactly.

reports/employer_file.py opens the file (CSV in any common encoding and delimiter, or .xlsx), finds the
header row and hands over each row's used cells; identifier columns are never read. Here each row becomes
a service line, or is counted as a row that is not a service, with its kind (title, blank, repeated header,
total, subtotal, note or footer). A row that looks like a service but cannot be read stops everything with
one line naming it; a cell's text is quoted only when the privacy guard passes it (phi.shown).

What a service line must hold: a date (YYYY-MM-DD, M/D/YYYY, M/D/YY, D-Mon-YYYY, Mon D YYYY, an Excel date
cell or an Excel serial number such as 46300), a 5-character code (with modifiers attached, 49505-50, or in
their own columns), units a whole number from 1 to MAX_UNITS, and wRVU a finite number no larger than
MAX_WRVU either way (reversals are negative).

Lines are kept in arrays, about 26 bytes each, so a report of millions of rows fits in memory; a ReportRow
is made only when one is looked at.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from rvutool.errors import RvuError, UsageError
from rvutool.reports.employer_file import MULTI, ROLES, ROW_KINDS, is_identifier, norm  # noqa: F401  (re-exported)
from rvutool.reports.xlsx import NO_CACHED_VALUE, CellError

MAX_UNITS = 999
MAX_WRVU = Decimal(10_000)  # one line: the largest work RVU is about 100, and no line bills a hundred of those
_CENT = Decimal("0.01")
_SERIALS = range(10_000, 100_000)  # Excel serial days 1927-05-18 to 2173-10-14: five digits
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"), start=1)}
_ISO = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_US = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4}|\d{2})(?: \d{1,2}:\d{2}(?::\d{2})?(?: ?[AaPp][Mm])?)?")
_DAY_MON = re.compile(r"(\d{1,2})[- ]([A-Za-z]{3})[a-z]*\.?[- ](\d{4}|\d{2})")
_MON_DAY = re.compile(r"([A-Za-z]{3})[a-z]*\.? (\d{1,2}),? (\d{4})")
_CODE = re.compile(r"[0-9A-Z]{5}")
_SPREADSHEET_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                                 "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!"})
_CREDENTIALS = frozenset("md do pa pac np aprn crna dds dmd dpm od phd facs faap facp jr sr ii iii iv dr".split())


@dataclass(frozen=True)
class ReportRow:
    """One line of the employer's report: only what reconciliation needs."""

    line: int
    date: date
    code: str
    modifiers: tuple[str, ...]
    units: int
    wrvu: Decimal
    provider: str = ""


def parse_map(texts: list[str] | None) -> dict[str, list[str]]:
    """--map date=DOS,code=CPT,wrvu=Work RVUs (repeatable); modifiers may name several: modifiers=Mod1+Mod2."""
    out: dict[str, list[str]] = {}
    for text in texts or []:
        for part in (p for p in text.split(",") if p.strip()):
            role, eq, header = part.partition("=")
            role = norm(role)
            if not eq or not header.strip():
                raise UsageError(f"--map {part.strip()!r}: use ROLE=HEADER, such as code=CPT or wrvu=Work RVUs")
            if role not in ROLES:
                raise UsageError(f"--map {part.strip()!r}: the roles are {', '.join(ROLES)}")
            headers = [h.strip() for h in header.split("+") if h.strip()] if role in MULTI else [header.strip()]
            out[role] = headers
    return out


def provider_key(name: str) -> tuple[str, ...]:
    """A provider's name compared without case, punctuation, order or credentials: "SMITH, JOHN MD" and
    "John Smith" are the same person."""
    words = re.findall(r"[a-z0-9]+", name.lower().replace(".", ""))  # M.D. is md
    return tuple(sorted(w for w in words if w not in _CREDENTIALS))


# ---------------------------------------------------------------- the compact store
class Report:
    """The service lines of an employer's report, in file order, and what was skipped and why."""

    def __init__(self, path: Path, used: list[str], ignored: list[str], *, sheet: str | None = None,
                 sheets_skipped: list[tuple[str, str]] | None = None, provider_column: str | None = None) -> None:
        self.path = path
        self.used, self.ignored = used, ignored
        self.sheet, self.sheets_skipped = sheet, sheets_skipped or []
        self.provider_column = provider_column
        self.skipped: Counter[str] = Counter()
        self.skipped_lines: dict[str, list[int]] = {}  # the first few line numbers of each kind
        # 4 bytes a value ("i"/"I"), 2 for units: about 26 bytes a line
        self._line = array("I")
        self._day = array("i")  # date ordinals
        self._code = array("I")  # positions in self.codes
        self._mods = array("I")  # positions in self.modifier_sets
        self._units = array("H")
        self._wrvu = array("i")  # hundredths
        self._provider = array("I")  # positions in self.providers
        self.codes: list[str] = []
        self._code_ids: dict[str, int] = {}
        self.modifier_sets: list[tuple[str, ...]] = []
        self._mod_ids: dict[tuple[str, ...], int] = {}
        self.providers: list[str] = []
        self._provider_ids: dict[str, int] = {}
        self._first = self._last = 0

    def add(self, line: int, day: date, code: str, mods: tuple[str, ...], units: int, hundredths: int,
            provider: str = "") -> None:
        self.add_ids(line, *self.ids(day, code, mods, units, hundredths, provider))

    def ids(self, day: date, code: str, mods: tuple[str, ...], units: int, hundredths: int,
            provider: str) -> tuple[int, int, int, int, int, int]:
        """A line's values as this report stores them (day ordinal, ids of its code, modifiers and provider)."""
        return (day.toordinal(), self._intern(code, self.codes, self._code_ids),
                self._intern(mods, self.modifier_sets, self._mod_ids), units, hundredths,
                self._intern(provider, self.providers, self._provider_ids))

    def add_ids(self, line: int, ordinal: int, code: int, mods: int, units: int, hundredths: int,
                provider: int) -> None:
        self._line.append(line)
        self._day.append(ordinal)
        self._code.append(code)
        self._mods.append(mods)
        self._units.append(units)
        self._wrvu.append(hundredths)
        self._provider.append(provider)
        if not self._first or ordinal < self._first:
            self._first = ordinal
        if ordinal > self._last:
            self._last = ordinal

    @staticmethod
    def _intern(value: Any, table: list[Any], ids: dict[Any, int]) -> int:
        found = ids.get(value)
        if found is None:
            found = ids[value] = len(table)
            table.append(value)
        return found

    def skip(self, kind: str, line: int) -> None:
        self.skipped[kind] += 1
        lines = self.skipped_lines.setdefault(kind, [])
        if len(lines) < 5:
            lines.append(line)

    def __len__(self) -> int:
        return len(self._line)

    def row(self, i: int) -> ReportRow:
        return ReportRow(self._line[i], date.fromordinal(self._day[i]), self.codes[self._code[i]],
                         self.modifier_sets[self._mods[i]], self._units[i], Decimal(self._wrvu[i]) / 100,
                         self.providers[self._provider[i]])

    def __iter__(self) -> Iterator[ReportRow]:
        return (self.row(i) for i in range(len(self)))

    @property
    def rows(self) -> list[ReportRow]:
        return list(self)

    @property
    def first(self) -> date | None:
        return date.fromordinal(self._first) if self._first else None

    @property
    def last(self) -> date | None:
        return date.fromordinal(self._last) if self._last else None

    # what the matching reads without making a ReportRow
    def day(self, i: int) -> int:
        return self._day[i]

    def code_id(self, i: int) -> int:
        return self._code[i]

    def provider_id(self, i: int) -> int:
        return self._provider[i]

    def mods_id(self, i: int) -> int:
        return self._mods[i]

    def units(self, i: int) -> int:
        return self._units[i]

    def hundredths(self, i: int) -> int:
        return self._wrvu[i]

    def in_period(self, start: date, end: date) -> array:
        """The positions of the lines dated from `start` to `end`."""
        low, high = start.toordinal(), end.toordinal()
        days = self._day
        if not days or (low <= self._first and self._last <= high):  # the whole report: no loop
            return array("I", range(len(days)))
        return array("I", (i for i in range(len(days)) if low <= days[i] <= high))

    def provider_ids(self, positions: array) -> set[int]:
        """The providers (positions in self.providers) of the lines at `positions`."""
        if len(positions) == len(self._provider):  # every line (positions are distinct)
            return set(self._provider)
        provider = self._provider
        return {provider[i] for i in positions}

    def sorted_positions(self, positions: array, limit: int | None = None) -> array:
        """`positions` in the order (date, code, line), for millions of lines without a Python object each:
        counted into one block per date, each block sorted on its own. With `limit`, only the first that many
        (only the earliest dates' lines are gathered)."""
        days, codes, lines = self._day, self._code, self._line
        count: Counter[int] = Counter(days[i] for i in positions)
        order = sorted(count)
        if limit is not None:
            kept, total = [], 0
            for day in order:
                if total >= limit:
                    break
                kept.append(day)
                total += count[day]
            order = kept
            wanted = set(kept)
            positions = array("I", (i for i in positions if days[i] in wanted))
        start, at = {}, 0
        for day in order:
            start[day] = at
            at += count[day]
        out = array("I", [0]) * len(positions)
        fill = dict(start)
        for i in positions:
            d = days[i]
            out[fill[d]] = i
            fill[d] += 1
        names = self.codes
        for day in order:
            a, b = start[day], start[day] + count[day]
            if b - a > 1:
                out[a:b] = array("I", sorted(out[a:b], key=lambda i: (names[codes[i]], lines[i])))
        return out if limit is None else out[:limit]


# ---------------------------------------------------------------- reading
@dataclass
class _Cells:
    """Cached readings of cell texts: a report repeats the same dates, codes and amounts on many rows."""

    date1904: bool = False
    dates: dict[Any, date | None] = field(default_factory=dict)
    amounts: dict[Any, int | None] = field(default_factory=dict)
    units: dict[Any, int | None] = field(default_factory=dict)


def read(path: Path, mapping: dict[str, list[str]] | None = None, *, sheet: str | None = None) -> Report:
    """The report's service lines and the rows it skipped; RvuError on a file that cannot be read or a bad row."""
    from rvutool.reports import employer_file

    table = employer_file.open_table(path, mapping or {}, sheet)
    try:
        columns = table.columns
        provider_column = (columns.header[columns.index["provider"][0]].strip()
                           if "provider" in columns.index else None)
        report = Report(path, columns.used, columns.ignored, sheet=table.sheet, sheets_skipped=table.sheets_skipped,
                        provider_column=provider_column)
        if table.title_rows:
            report.skipped["title"] = table.title_rows
        reader = _Rows(report, columns, table.where, _Cells(date1904=table.date1904))
        for line, values in table.rows:
            reader.take(line, values)
        return report
    finally:
        table.close()


class _Rows:
    """Rows into the report. A row's reading is remembered by its cells (a report repeats the same date,
    code, amount and provider on many rows), so most rows cost one lookup."""

    LIMIT = 200_000  # rows remembered

    def __init__(self, report: Report, columns: Any, where: Any, cache: _Cells) -> None:
        self.report, self.columns, self.where, self.cache = report, columns, where, cache
        self.header = columns.header_texts()
        self.names = {role: [columns.header[c].strip() for c in cols] for role, cols in columns.index.items()}
        self.seen: dict[tuple[Any, ...], tuple[Any, ...] | str] = {}

    def take(self, line: int, values: tuple[Any, ...]) -> None:
        try:
            found = self.seen.get(values)
        except TypeError:  # an unhashable cell cannot come from a file; read it the long way
            found = None
        if found is None:
            found = self._read(line, values)
            if len(self.seen) < self.LIMIT:
                self.seen[values] = found
        if isinstance(found, str):
            self.report.skip(found, line)
        else:
            self.report.add_ids(line, *found)

    def _read(self, line: int, values: tuple[Any, ...]) -> tuple[Any, ...] | str:
        """The row's ids in the report (day, code, modifiers, units, hundredths, provider), or its kind."""
        from rvutool.reports.employer_file import kind_of, looks_like_code

        cells = self.columns.by_role(values)
        cache = self.cache
        date_cell, code_cell = cells["date"][0], cells["code"][0]
        day = _date(date_cell, cache) if looks_like_code(code_cell) else None
        if day is None:  # not plainly a service: one of the rows reports put between services?
            kind = kind_of(cells, self.header)
            if kind is None and _empty(code_cell) and _empty(cells["wrvu"][0]):
                kind = "note"  # a footer, a page number, a date heading: nothing to credit
            elif kind is None and _empty(code_cell) and _empty(date_cell):
                kind = "total"  # a figure with no date and no code: a total without its label
            if kind is not None:
                return kind
        try:
            if day is None:
                day = _date_or_fail(date_cell, cache)
            code, attached = _code(code_cell)
            mods = [*attached]
            for cell in cells.get("modifiers", ()):
                mods.extend(_modifiers(cell))
            units = _units(cells["units"][0], cache) if "units" in cells else 1
            hundredths = _wrvu(cells["wrvu"][0], cache)
            provider = _provider(cells["provider"][0]) if "provider" in cells else ""
        except _CellError as exc:
            column = self.names.get(exc.role, [exc.role])[0] or exc.role
            raise RvuError(f"{self.where(line)}: the {column} cell {exc.message}; nothing was compared") from None
        return self.report.ids(day, code, tuple(dict.fromkeys(mods)), units, hundredths, provider)


class _CellError(Exception):
    def __init__(self, role: str, message: str) -> None:
        super().__init__(message)
        self.role, self.message = role, message


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value: Any) -> str:
    from rvutool import phi

    return phi.shown(str(value))


def _special(value: Any, role: str) -> None:
    """A formula without its result, or a spreadsheet error, in a used cell."""
    if value is NO_CACHED_VALUE:
        raise _CellError(role, "is a formula whose result was never saved (the file was written by a program "
                               "that does not calculate): open it in Excel or LibreOffice and save it again, or "
                               "export it as .csv")
    if isinstance(value, CellError):
        shown = repr(str(value)) if value in _SPREADSHEET_ERRORS else "value"
        raise _CellError(role, f"holds the spreadsheet error {shown}: fix the formula and save the file again")


def _date(value: Any, cache: _Cells) -> date | None:
    """The date in a cell, or None; remembered by the cell's value."""
    try:
        found = cache.dates.get(value, cache)
    except TypeError:  # unhashable: not a date
        return None
    if found is not cache:
        return found  # type: ignore[return-value]
    found = _parse_date(value, cache.date1904)
    if len(cache.dates) < 100_000:
        cache.dates[value] = found
    return found


def _parse_date(value: Any, date1904: bool) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return _serial(Decimal(str(value)), date1904)
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        match = _ISO.fullmatch(text)
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = _US.fullmatch(text)
        if match:
            year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
            return date(year, int(match[1]), int(match[2]))
        match = _DAY_MON.fullmatch(text)
        if match and match[2].lower() in _MONTHS:
            year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
            return date(year, _MONTHS[match[2].lower()], int(match[1]))
        match = _MON_DAY.fullmatch(text)
        if match and match[1].lower() in _MONTHS:
            return date(int(match[3]), _MONTHS[match[1].lower()], int(match[2]))
    except ValueError:
        return None
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return _serial(Decimal(text), date1904)
    return None


def _serial(number: Decimal, date1904: bool) -> date | None:
    """An Excel date serial: days since 1899-12-30 (1900 system; 1904-01-01 in the 1904 system)."""
    if not number.is_finite() or number < 0 or number.adjusted() > 5:  # never int() of 1e9999999999
        return None
    whole = int(number)
    if whole not in _SERIALS:
        return None
    return (date(1904, 1, 1) if date1904 else date(1899, 12, 30)) + timedelta(days=whole)


def _date_or_fail(value: Any, cache: _Cells) -> date:
    _special(value, "date")
    found = _date(value, cache)
    if found is None:
        if _empty(value):
            raise _CellError("date", "is empty (a service line needs its date)")
        raise _CellError("date", f"({_shown(value)}) is not a date: use YYYY-MM-DD, M/D/YYYY or an Excel date")
    return found


def _code(value: Any) -> tuple[str, list[str]]:
    _special(value, "code")
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = f"{int(value):05d}"
    text = "" if value is None else str(value).strip().upper()
    code, _, attached = text.partition("-")  # "49505-50" in one cell
    if not _CODE.fullmatch(code):
        what = "is empty (a service line needs its code)" if not text else \
            f"({_shown(text)}) is not a 5-character CPT/HCPCS code"
        raise _CellError("code", what)
    return code, _modifiers(attached)


def _modifiers(value: Any) -> list[str]:
    _special(value, "modifiers")
    if value is None:
        return []
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = f"{int(value):02d}"
    parts = [m.upper() for m in re.split(r"[\s,;/-]+", str(value).strip()) if m]
    for part in parts:
        if not re.fullmatch(r"[0-9A-Z]{2}", part):
            raise _CellError("modifiers", f"({_shown(str(value))}) is not a list of 2-character modifiers")
    return parts


def _number(value: Any, role: str) -> Decimal:
    _special(value, role)
    if isinstance(value, Decimal):
        number = value
    else:
        text = str(value).strip().replace(",", "")
        if text.startswith("(") and text.endswith(")"):  # an accounting negative
            text = "-" + text[1:-1]
        try:
            number = Decimal(text) if text.isascii() else Decimal("NaN")
        except ArithmeticError:  # not a number, or beyond Decimal's exponents (1e9999999999)
            number = Decimal("NaN")
    if not number.is_finite():
        raise _CellError(role, f"({_shown(str(value))}) is not a number")
    return number


def _units(value: Any, cache: _Cells) -> int:
    if _empty(value):
        return 1
    try:
        found = cache.units.get(value)
    except TypeError:
        found = None
    if found is not None:
        return found
    number = _number(value, "units")
    whole = number.to_integral_value()
    if number.adjusted() > 3 or abs(number - whole) > Decimal("0.000001") or not 1 <= whole <= MAX_UNITS:
        raise _CellError("units", f"({_shown(str(value))}) is not a whole number from 1 to {MAX_UNITS}")
    if len(cache.units) < 10_000:
        cache.units[value] = int(whole)
    return int(whole)


def _wrvu(value: Any, cache: _Cells) -> int:
    """wRVU in hundredths (an empty cell: no credit)."""
    if _empty(value):
        return 0
    try:
        found = cache.amounts.get(value)
    except TypeError:
        found = None
    if found is not None:
        return found
    number = _number(value, "wrvu")
    if number.adjusted() > MAX_WRVU.adjusted() or abs(number) > MAX_WRVU:  # huge exponents never reach abs()
        raise _CellError("wrvu", f"({_shown(str(value))}) is more wRVU than one line can hold (at most "
                                 f"{MAX_WRVU:,} either way)")
    hundredths = int(number.quantize(_CENT) * 100)
    if len(cache.amounts) < 100_000:
        cache.amounts[value] = hundredths
    return hundredths


def _provider(value: Any) -> str:
    _special(value, "provider")
    if value is None:
        return ""
    text = " ".join(str(value).split())
    if len(text) > 120:
        raise _CellError("provider", "is longer than a name (120 characters)")
    return text
