"""Reading an employer's productivity report (for `rvutool reconcile`): CSV or Excel .xlsx.

The header row is found among the first rows (reports often open with a title): the first row that
names a date, a code and a wRVU column. Columns are found by their usual headers, or by `--map
role=Header`. Columns that look like patient identifiers (name, patient, MRN, account, DOB, member
id, SSN...) are never read past the header: each row is built from the used columns' indexes only,
so their cells are never kept, stored or echoed. Nothing here prints; the caller says which columns
were used and which ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from rvutool.errors import RvuError, UsageError
from rvutool.log.layouts import RowError, norm, parse_day, sniff_delimiter, split_modifiers

ROLES: dict[str, tuple[str, ...]] = {
    "date": ("service date", "date of service", "dos", "servicedate", "svc date", "service dt", "date"),
    "code": ("cpt", "hcpcs", "cpt code", "hcpcs code", "cpt/hcpcs", "cpt4", "code", "procedure code", "procedure",
             "proc code", "billing code"),
    "modifiers": ("modifiers", "modifier", "mods", "mod", "mod1", "mod 1", "modifier 1", "modifier1", "mod2", "mod 2",
                  "modifier 2", "modifier2", "mod3", "mod 3", "modifier 3", "modifier3", "mod4", "mod 4",
                  "modifier 4", "modifier4"),
    "units": ("units", "unit", "qty", "quantity", "service units"),
    "wrvu": ("wrvu", "wrvus", "work rvu", "work rvus", "rvu credited", "credited rvu", "credited rvus",
             "credited wrvu", "credited wrvus", "wrvu credited", "total wrvu", "total wrvus", "work rvu credited",
             "adjusted wrvu", "adjusted wrvus", "wrvu total"),
}
MULTI = frozenset({"modifiers"})  # roles that may take several columns (mod1..mod4)
REQUIRED = ("date", "code", "wrvu")
_IDENTIFIER = re.compile(
    r"\b(name|names|patient|pt|mrn|account|acct|dob|birth|birthdate|member|ssn|social|medical record|record no"
    r"|record number|subscriber|insured|address|phone|email|guarantor|fin|csn|encounter id|visit id)\b")
HEADER_SEARCH = 20  # rows searched for the header


def is_identifier(header: str) -> bool:
    """Whether a column header names patient identifiers: its cells are never read."""
    name = norm(header).replace("#", " number ")
    return bool(_IDENTIFIER.search(name) or name.replace(" ", "") in {"mrn", "dob", "ssn", "acct"})


@dataclass(frozen=True)
class ReportRow:
    """One line of the employer's report: only what reconciliation needs."""

    line: int
    date: date
    code: str
    modifiers: tuple[str, ...]
    units: int
    wrvu: Decimal


@dataclass
class Report:
    path: Path
    rows: list[ReportRow]
    used: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def first(self) -> date | None:
        return min((r.date for r in self.rows), default=None)

    @property
    def last(self) -> date | None:
        return max((r.date for r in self.rows), default=None)


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


def _find(header: list[str], mapping: dict[str, list[str]], path: Path) -> dict[str, list[int]] | None:
    """role -> column indexes; None when this row is not the header row."""
    names = [norm(h) for h in header]
    index: dict[str, list[int]] = {}
    for role, wanted in mapping.items():
        cols = []
        for name in wanted:
            if norm(name) not in names:
                return None
            col = names.index(norm(name))
            if is_identifier(header[col]):
                raise UsageError(f"--map {role}={name}: that column looks like a patient identifier, which rvutool "
                                 "never reads")
            cols.append(col)
        index[role] = cols
    taken = {c for cols in index.values() for c in cols}
    for role, aliases in ROLES.items():
        if role in index:
            continue
        found = [names.index(a) for a in aliases if a in names]
        found = [c for c in dict.fromkeys(found) if c not in taken and not is_identifier(header[c])]
        if found:
            index[role] = found if role in MULTI else found[:1]
            taken.update(index[role])
    if not all(role in index for role in ("date", "code")):
        return None
    if "wrvu" not in index:
        raise RvuError(f"{path}: the header row names no wRVU column (wRVU, work RVU, RVU credited); name it with "
                       "--map wrvu=HEADER")
    return index


def read(path: Path, mapping: dict[str, list[str]] | None = None) -> Report:
    """The report's rows and the columns used; RvuError on a file that cannot be read or a bad row."""
    mapping = mapping or {}
    rows = _xlsx_rows(path) if path.suffix.lower() in {".xlsx", ".xlsm"} else _csv_rows(path)
    index: dict[str, list[int]] | None = None
    header: list[str] = []
    for number, cells in rows:
        if index is None:
            header = ["" if c is None else str(c) for c in cells]
            index = _find(header, mapping, path)
            if index is None and number >= HEADER_SEARCH:
                break
            if index is not None:
                found: list[ReportRow] = []
            continue
        picked = {role: [cells[c] if c < len(cells) else None for c in cols] for role, cols in index.items()}
        try:
            row = _row(number, picked)
        except RowError as exc:
            raise RvuError(f"{path} line {number}: {exc}; nothing was compared") from None
        if row is not None:
            found.append(row)
    if index is None:
        wanted = ", ".join(f"{r}={'+'.join(h)}" for r, h in mapping.items())
        raise RvuError(f"{path}: no header row naming a service date and a CPT/HCPCS code column in its first "
                       f"{HEADER_SEARCH} rows" + (f" (looked for {wanted})" if wanted else "")
                       + "; name the columns with --map date=HEADER,code=HEADER,wrvu=HEADER")
    used_cols = sorted({c for cols in index.values() for c in cols})
    used = [header[c].strip().lstrip("\ufeff") for c in used_cols]
    ignored = [h.strip().lstrip("\ufeff") or f"column {i + 1}" for i, h in enumerate(header) if i not in used_cols]
    return Report(path, found, used, ignored)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _row(number: int, cells: dict[str, list[Any]]) -> ReportRow | None:
    raw_date, raw_code = cells["date"][0], _text(cells["code"][0])
    if (raw_date is None or _text(raw_date) == "") and not raw_code:
        return None  # a blank or a totals line
    if isinstance(raw_date, datetime):
        day = raw_date.date()
    elif isinstance(raw_date, date):
        day = raw_date
    else:
        text = _text(raw_date)
        day = parse_day(text.split(" ")[0] if re.match(r"^\d{4}-\d\d-\d\d \d", text) else text)
    code = raw_code.upper()
    code, _, attached = code.partition("-")  # "49505-50" in one cell
    if not re.fullmatch(r"[0-9A-Z]{5}", code):
        raise RowError("the code cell is not a 5-character CPT/HCPCS code")
    mods = split_modifiers(attached)
    for cell in cells.get("modifiers", []):
        mods.extend(split_modifiers(_text(cell)))
    mods = [m.upper() for m in mods]
    units = 1
    if cells.get("units") and _text(cells["units"][0]):
        units_value = _number(cells["units"][0], "units")
        if units_value != units_value.to_integral_value():
            raise RowError("units is not a whole number")
        units = int(units_value)
    wrvu_cell = cells["wrvu"][0]
    wrvu = _number(wrvu_cell, "wRVU") if _text(wrvu_cell) else Decimal(0)
    return ReportRow(number, day, code, tuple(dict.fromkeys(mods)), units, wrvu.quantize(Decimal("0.01")))


def _number(value: Any, what: str) -> Decimal:
    text = _text(value).replace(",", "")
    if text.startswith("(") and text.endswith(")"):  # accounting negative
        text = "-" + text[1:-1]
    try:
        number = Decimal(text) if text.isascii() else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise RowError(f"the {what} cell is not a number")
    return number


def _csv_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    import csv

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RvuError(f"no such file: {path}") from None
    except OSError as exc:
        raise RvuError(f"cannot read {path}: {exc.strerror or exc}") from None
    if data.startswith(b"PK\x03\x04"):
        raise RvuError(f"{path} is an Excel or zip file: name it .xlsx, or save the report as CSV")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    reader = csv.reader(lines, delimiter=sniff_delimiter(first))
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise RvuError(f"{path} line {reader.line_num}: not a readable CSV row ({exc})") from None


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a dependency
        raise RvuError("reading .xlsx needs openpyxl: pip install openpyxl") from None
    import zipfile

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise RvuError(f"no such file: {path}") from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise RvuError(f"{path} is not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(values)
    finally:
        book.close()
