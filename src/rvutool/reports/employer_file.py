"""Opening an employer's productivity report, whatever shape it comes in (for `rvutool reconcile`).

  - Only a regular file is read: a device, a FIFO or a folder is refused by name, without waiting on it.
    .xls, .xlsb and .ods files get "save it as .xlsx or .csv".
  - Text: the encoding from the first bytes (UTF-8 with or without a byte-order mark, UTF-16 little- or
    big-endian with or without one, else Windows cp1252); the header row is the first of the first
    HEADER_SEARCH lines that names the columns, with whichever delimiter (comma, semicolon, tab, bar) makes
    it one, so title rows above it are fine. A line longer than MAX_LINE characters is refused, so a file
    with no line breaks cannot fill memory. The file is read a line at a time.
  - Workbooks (reports/xlsx.py): `--sheet NAME`, else the first visible sheet with a header row; the sheets
    passed over, and why, are reported. A formula without a saved result is refused, never read as 0.
  - The header: columns found by their usual names (ROLES) or `--map role=Header`. A column whose header
    looks like a patient identifier is never read past the header: each row is picked from the used
    columns' positions only. The provider column (billing, rendering or service provider, physician) is
    read: it names a clinician, not a patient.
  - Rows: `kind_of` tells a service from the rows reports put between services (ROW_KINDS): blank rows,
    the header repeated on a new page, totals and subtotals, and notes or footers with no date and no code.
"""

from __future__ import annotations

import codecs
import csv
import io
import operator
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from rvutool.errors import RvuError, UsageError

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
    # the clinician credited; rendering first (wRVUs follow the one who did the work)
    "provider": ("rendering provider", "billing provider", "service provider", "performing provider", "provider",
                 "provider name", "rendering physician", "physician", "physician name", "clinician"),
}
MULTI = frozenset({"modifiers"})  # roles that may take several columns (mod1..mod4)
_PROVIDER_WORDS = re.compile(r"\b(provider|physician|clinician|rendering|surgeon|doctor)\b")
_IDENTIFIER = re.compile(
    r"\b(name|names|patient|pt|mrn|account|acct|dob|birth|birthdate|member|ssn|social|medical record|record no"
    r"|record number|subscriber|insured|address|phone|email|guarantor|fin|csn|encounter id|visit id)\b")
HEADER_SEARCH = 20  # lines (or sheet rows) searched for the header row
MAX_LINE = 1024 * 1024  # characters in one line of a text report
DELIMITERS = (",", ";", "\t", "|")
HEAD_BYTES = 64 * 1024  # read to tell the encoding and the format
MAX_TEXTS = 1_000_000  # different texts in a workbook's used columns (codes, dates, providers: a few thousand)

ROW_KINDS = {  # kind -> how the output names one row of that kind, and several
    "title": ("row above the header (a title)", "rows above the header (titles)"),
    "blank": ("blank row", "blank rows"),
    "header": ("header row repeated on a new page", "header rows repeated on a new page"),
    "total": ("total", "totals"),
    "subtotal": ("subtotal", "subtotals"),
    "note": ("note or footer (no date and no code)", "notes or footers (no date and no code)"),
}
_TOTAL = re.compile(r"\b(sub[ -]?)?totals?\b|\bgrand total\b|\bsum\b|\bcount\b", re.IGNORECASE)
_CODE_SHAPE = re.compile(r"[0-9A-Za-z]{5}(?:-[0-9A-Za-z]{2})*")


def norm(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").replace("_", " ").strip().lower().split())


def is_provider(header: str) -> bool:
    """A column naming the clinician (Billing Provider, Provider Name, Rendering Physician), not a patient."""
    name = norm(header)
    return "patient" not in name and "referring" not in name and bool(_PROVIDER_WORDS.search(name))


def is_identifier(header: str) -> bool:
    """Whether a column header names patient identifiers: its cells are never read."""
    name = norm(header).replace("#", " number ")
    if is_provider(header):
        return False
    return bool(_IDENTIFIER.search(name) or name.replace(" ", "") in {"mrn", "dob", "ssn", "acct"})


@dataclass
class Columns:
    """The header row and what each role reads: role -> column positions."""

    header: list[str]
    index: dict[str, list[int]]

    @property
    def used(self) -> list[str]:
        return [self.header[c].strip().lstrip("\ufeff") for c in sorted(self._taken())]

    @property
    def ignored(self) -> list[str]:
        taken = self._taken()
        return [h.strip().lstrip("\ufeff") or f"column {i + 1}" for i, h in enumerate(self.header)
                if i not in taken]

    def _taken(self) -> set[int]:
        return {c for cols in self.index.values() for c in cols}

    def header_texts(self) -> dict[str, list[str]]:
        return {role: [norm(self.header[c]) for c in cols] for role, cols in self.index.items()}

    @property
    def positions(self) -> tuple[int, ...]:
        """The used columns, role after role: the order of the values a row is handed over as."""
        return tuple(c for cols in self.index.values() for c in cols)

    def by_role(self, values: tuple[Any, ...]) -> dict[str, list[Any]]:
        """A row's values (in `positions` order) as role -> cells."""
        out, at = {}, 0
        for role, cols in self.index.items():
            out[role] = list(values[at:at + len(cols)])
            at += len(cols)
        return out


def find_columns(header: list[str], mapping: dict[str, list[str]], where: str) -> Columns | None:
    """The roles' columns when `header` is the header row, else None."""
    names = [norm(h) for h in header]
    index: dict[str, list[int]] = {}
    for role, wanted in mapping.items():
        cols = []
        for name in wanted:
            if norm(name) not in names:
                return None
            col = names.index(norm(name))
            if role != "provider" and is_identifier(header[col]):
                raise UsageError(f"--map {role}={name}: that column looks like a patient identifier, which rvutool "
                                 "never reads")
            cols.append(col)
        index[role] = cols
    taken = {c for cols in index.values() for c in cols}
    for role, aliases in ROLES.items():
        if role in index:
            continue
        found = [names.index(a) for a in aliases if a in names]
        found = [c for c in dict.fromkeys(found) if c not in taken and (role == "provider" or not is_identifier(
            header[c]))]
        if found:
            index[role] = found if role in MULTI else found[:1]
            taken.update(index[role])
    if not all(role in index for role in ("date", "code")):
        return None
    if "wrvu" not in index:
        raise RvuError(f"{where}: the header row names no wRVU column (wRVU, work RVU, RVU credited); name it with "
                       "--map wrvu=HEADER")
    return Columns(header, index)


def _no_header(where: str, mapping: dict[str, list[str]], rows: int) -> RvuError:
    wanted = ", ".join(f"{r}={'+'.join(h)}" for r, h in mapping.items())
    return RvuError(f"{where}: no header row naming a service date and a CPT/HCPCS code column in its first "
                    f"{rows} rows" + (f" (looked for {wanted})" if wanted else "")
                    + "; name the columns with --map date=HEADER,code=HEADER,wrvu=HEADER")


# ---------------------------------------------------------------- the kinds of rows
def _text(value: Any) -> str:
    return "" if value is None else value.strip() if isinstance(value, str) else str(value)


def kind_of(cells: dict[str, list[Any]], header: dict[str, list[str]]) -> str | None:
    """None for a row that may be a service; otherwise its kind (a key of ROW_KINDS). A row with no date and no
    code is a note ("note") only when the caller has found that its date cell holds no date."""
    texts = [_text(v) for values in cells.values() for v in values]
    if not any(texts):
        return "blank"
    matches = sum(1 for role, values in cells.items() for v, name in zip(values, header[role], strict=True)
                  if isinstance(v, str) and norm(v) == name and name)
    if matches >= 2:
        return "header"
    for role in ("date", "code", "provider", "units", "modifiers"):
        for value in cells.get(role, ()):
            if isinstance(value, str) and value and _TOTAL.search(value):
                return "subtotal" if re.search(r"\bsub", value, re.IGNORECASE) else "total"
    return None


def looks_like_code(value: Any) -> bool:
    """A cell that holds a code (99213, 0591T, 49505-50; a number cell 99213): a row with one is a service."""
    if isinstance(value, str):
        return _CODE_SHAPE.fullmatch(value.strip()) is not None
    from decimal import Decimal

    return isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value() \
        and 0 < value < 100_000


# ---------------------------------------------------------------- opening the file
@dataclass
class Table:
    """An employer's report, open: its columns and its rows after the header, each as the used cells by role."""

    path: Path
    columns: Columns
    rows: Iterator[tuple[int, tuple[Any, ...]]]  # line number, the used cells in columns.positions order
    where: Callable[[int], str]  # "PATH line 7" or "PATH sheet Detail row 7"
    title_rows: int = 0
    sheet: str | None = None
    sheets_skipped: list[tuple[str, str]] = field(default_factory=list)
    date1904: bool = False
    close: Callable[[], None] = lambda: None


def open_regular(path: Path) -> IO[bytes]:
    """The file for reading, or one line: a FIFO, a device or a folder is refused without blocking on it."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise RvuError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise RvuError(f"{path} is a directory; give the report file") from None
    except OSError as exc:
        raise RvuError(f"cannot read {path}: {exc.strerror or exc}") from None
    found = os.fstat(fd)
    if not stat.S_ISREG(found.st_mode):
        os.close(fd)
        what = ("a directory" if stat.S_ISDIR(found.st_mode) else "a FIFO (named pipe)"
                if stat.S_ISFIFO(found.st_mode) else "a device" if stat.S_ISCHR(found.st_mode) or
                stat.S_ISBLK(found.st_mode) else "a socket" if stat.S_ISSOCK(found.st_mode) else "not a file")
        raise RvuError(f"{path} is {what}, not a regular file; give the report file")
    if hasattr(os, "O_NONBLOCK"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def open_table(path: Path, mapping: dict[str, list[str]], sheet: str | None = None) -> Table:
    fh = open_regular(path)
    try:
        head = fh.read(HEAD_BYTES)
        fh.seek(0)
        suffix = path.suffix.lower()
        if head.startswith(b"\xd0\xcf\x11\xe0") or suffix in {".xls", ".xlsb", ".ods", ".numbers"}:
            raise RvuError(f"{path} is an {'.' + suffix.lstrip('.') if suffix else 'old Excel'} file, which "
                           "rvutool does not read: open it and save it as .xlsx or .csv")
        from rvutool.reports import xlsx

        if xlsx.looks_like_zip(head):
            if b"opendocument" in head[:200]:
                raise RvuError(f"{path} is an OpenDocument (.ods) file, which rvutool does not read: open it "
                               "and save it as .xlsx or .csv")
            return _workbook_table(path, fh, mapping, sheet)
        if sheet is not None:
            raise UsageError(f"--sheet {sheet}: {path} is a text (CSV) file, which has no sheets")
        return _text_table(path, fh, head, mapping)
    except BaseException:
        fh.close()
        raise


# ---------------------------------------------------------------- text files
def encoding_of(head: bytes, path: Path) -> str:
    """UTF-8 (with or without a byte-order mark), UTF-16 LE or BE (with or without one), else cp1252."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 4 and sample.count(0) >= len(sample) // 4:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if odd > len(sample) // 4 and even < odd // 8:
            return "utf-16-le"
        if even > len(sample) // 4 and odd < even // 8:
            return "utf-16-be"
        raise RvuError(f"{path} holds NUL bytes: it is not a text report; save it as .csv or .xlsx")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not merely a character cut by the end of the sample
            return "cp1252"
    return "utf-8"


def _lines(path: Path, fh: IO[bytes], encoding: str) -> Iterator[str]:
    text = io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline="")
    number = 0
    while True:
        try:
            line = text.readline(MAX_LINE + 1)
        except OSError as exc:
            raise RvuError(f"cannot read {path}: {exc.strerror or exc}") from None
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE:
            raise RvuError(f"{path} line {number} is longer than {MAX_LINE:,} characters: not a report's line "
                           "(a damaged or binary file?); nothing was compared")
        if "\x00" in line:
            raise RvuError(f"{path} line {number} holds a NUL byte: it is not a text report; nothing was compared")
        yield line


def _split(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []


def _text_table(path: Path, fh: IO[bytes], head: bytes, mapping: dict[str, list[str]]) -> Table:
    lines = _lines(path, fh, encoding_of(head, path))
    seen = 0  # lines read so far (only the one being tried is kept)
    found: tuple[Columns, str] | None = None
    for line in lines:
        seen += 1
        for delimiter in sorted((d for d in DELIMITERS if d in line), key=lambda d: -line.count(d)):
            columns = find_columns(_split(line, delimiter), mapping, str(path))
            if columns is not None:
                found = (columns, delimiter)
                break
        if found is not None or seen >= HEADER_SEARCH:
            break
    if found is None:
        raise _no_header(str(path), mapping, HEADER_SEARCH)
    columns, delimiter = found
    header_line = seen
    reader = csv.reader(lines, delimiter=delimiter)
    positions = columns.positions
    pick = operator.itemgetter(*positions)

    def rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
        try:
            for cells in reader:
                try:
                    values = pick(cells)
                except IndexError:  # a short row: the missing cells are empty
                    values = tuple(cells[c] if c < len(cells) else None for c in positions)
                yield header_line + reader.line_num, values
        except csv.Error as exc:
            raise RvuError(f"{path} line {header_line + reader.line_num}: not a readable CSV row ({exc}); "
                           "nothing was compared") from None

    return Table(path, columns, rows(), lambda n: f"{path} line {n}", title_rows=header_line - 1,
                 close=fh.close)


# ---------------------------------------------------------------- workbooks
def _workbook_table(path: Path, fh: IO[bytes], mapping: dict[str, list[str]], wanted: str | None) -> Table:
    from rvutool.reports.xlsx import Workbook

    book = Workbook(path, fh)
    try:
        sheets = book.sheets
        if wanted is not None:
            chosen = [s for s in sheets if s.name == wanted] or [s for s in sheets if norm(s.name) == norm(wanted)]
            if not chosen:
                raise UsageError(f"--sheet {wanted}: {path} has no such sheet; its sheets are "
                                 + ", ".join(s.name for s in sheets))
            candidates = chosen[:1]
        else:
            candidates = sheets
        skipped: list[tuple[str, str]] = []
        for sheet in candidates:
            if sheet.hidden and wanted is None:
                skipped.append((sheet.name, "hidden"))
                continue
            found = _sheet_header(book, sheet, mapping, f"{path} sheet {sheet.name}")
            if found is None:
                if wanted is not None:
                    raise _no_header(f"{path} sheet {sheet.name}", mapping, HEADER_SEARCH)
                skipped.append((sheet.name, f"no header row in its first {HEADER_SEARCH} rows"))
                continue
            columns, header_row, title_rows = found
            rows = _sheet_rows(book, sheet, columns, header_row)
            return Table(path, columns, rows, lambda n, s=sheet.name: f"{path} sheet {s} row {n}",
                         title_rows=title_rows, sheet=sheet.name, sheets_skipped=skipped, date1904=book.date1904,
                         close=book.close)
        reasons = "; ".join(f"{name}: {why}" for name, why in skipped)
        raise RvuError(f"{path}: no sheet has a header row naming a service date and a CPT/HCPCS code column "
                       f"({reasons}); choose one with --sheet NAME, or name the columns with --map")
    except BaseException:
        book.close()
        raise


def _sheet_header(book: Any, sheet: Any, mapping: dict[str, list[str]],
                  where: str) -> tuple[Columns, int, int] | None:
    """(columns, the header's row number, rows with cells above it) of a sheet, or None. Each row's shared
    strings are decoded only when that row is tried as the header, so data rows below it stay unread."""
    from rvutool.reports.xlsx import SharedRef

    for position, (number, cells) in enumerate(book.rows(sheet, limit=HEADER_SEARCH)):
        strings = book.strings({v for v in cells.values() if isinstance(v, SharedRef)})
        width = max(cells, default=-1) + 1
        header = [_header_text(cells.get(c), strings) for c in range(width)]
        columns = find_columns(header, mapping, where)
        if columns is not None:
            return columns, number, position
    return None


def _header_text(value: Any, strings: dict[int, str]) -> str:
    from rvutool.reports.xlsx import SharedRef

    if value is None:
        return ""
    if isinstance(value, SharedRef):
        return strings.get(value, "")
    return value if isinstance(value, str) else str(value)


def _sheet_rows(book: Any, sheet: Any, columns: Columns, header_row: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The rows after the header: a first pass notes which shared strings the used columns need, the second
    reads the rows with those strings (no other string is decoded)."""
    from rvutool.reports.xlsx import SharedRef

    used = {c for cols in columns.index.values() for c in cols}
    wanted: set[int] = set()
    for number, cells in book.rows(sheet, used):
        if number > header_row:
            wanted.update(v for v in cells.values() if isinstance(v, SharedRef))
            if len(wanted) > MAX_TEXTS:
                raise RvuError(f"{book.path} sheet {sheet.name}: its used columns hold more than {MAX_TEXTS:,} "
                               "different texts; not a productivity report")
    strings = book.strings(wanted)
    positions = columns.positions
    for number, cells in book.rows(sheet, used, strings=strings):
        if number <= header_row:
            continue
        yield number, tuple(cells.get(c) for c in positions)
