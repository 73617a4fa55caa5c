"""Reading CMS's NCCI files: practitioner procedure-to-procedure (PTP) edits and Medically Unlikely Edits
(MUEs), as CMS publishes them: tab-delimited .txt (PTP) or .csv (MUE), .xlsx, or a zip of them.

    ccipra-v322r0-f1.txt                          PTP, version 32.2 revision 0 (2026 Q3), part 1 of 4
    MCR_MUE_PractitionerServices_Eff_04-01-2026.csv  MUE table in force from 2026-04-01

The quarter comes from the file's name (or the zip's), else from its header lines; the version number
counts years from 1994 and quarters from 0 (v32.2 = 2026, third quarter: from 2026-07-01). Rows are
streamed, one at a time, with the line (or sheet row) each came from, so a bad row is named and memory
stays bounded whatever the file's size; a file that ends in the middle of a line is refused as truncated.
Sizes are capped before anything is decompressed (importer.check_zip_sizes), a member of a zip is read with
a running total, and the file given must be a regular file (importer.open_regular): never a device or pipe.
No SQL here: catalog/ncci.py stores what these readers yield.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from rvutool.errors import ImportFileError

PTP, MUE = "ptp", "mue"
KIND_NAMES = {PTP: "NCCI PTP edits", MUE: "NCCI MUE table"}
FIRST_NCCI_YEAR = 1994  # version 1.0 was 1995 Q1: version N.Q starts in year 1994 + N, quarter Q + 1

# Caps (the real files: a practitioner PTP part is about 40-60 MB as text, some 700,000 rows; the whole MUE
# table 0.9 MB). Rows are streamed, so these bound disk and time, not memory; sharedStrings of an .xlsx is
# held in memory by openpyxl, hence its own small cap.
MAX_TEXT_BYTES = 1024 * 1024 * 1024  # one .txt/.csv file or zip member, as read
MAX_XLSX_BYTES = 512 * 1024 * 1024  # an .xlsx file itself
MAX_SHEET_BYTES = 1024 * 1024 * 1024  # an .xlsx's sheet, unzipped
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024
MAX_ZIP_TOTAL = 4 * 1024 * 1024 * 1024
MAX_ROWS = 10_000_000  # per file: four times the largest practitioner PTP file
MAX_RATIONALES = 10_000  # distinct rationale texts (CMS uses a few dozen)
_HEADER_LINES = 60  # a header longer than this is not CMS's
_CHUNK = 1024 * 1024

_PTP_NAME = re.compile(r"ccipra[-_ ]?v(\d\d)(\d)r(\d+)(?:[-_ ]?f(\d))?", re.I)
_PTP_ANY = re.compile(r"ccipra|ptp", re.I)
_PTP_HOSPITAL = re.compile(r"ccioph|ccihosp", re.I)
_MUE_NAME = re.compile(r"mue.*?eff[-_ ]?(\d\d)[-_](\d\d)[-_](\d{4})", re.I)
_MUE_ANY = re.compile(r"mue", re.I)
_MUE_OTHER = re.compile(r"outpatient|hospital|dme|supplier", re.I)
_PART = re.compile(r"[-_ ]f(\d)(?![0-9])", re.I)
_HEADER_VERSION = re.compile(r"\bv(?:ersion)?\s*(\d\d)\.?(\d)\s*(?:r(?:evision)?\s*(\d+))?", re.I)
_HEADER_DATE = re.compile(r"eff(?:ective)?\.?[\s_:-]*(\d{1,2})[-/_](\d{1,2})[-/_](\d{4})", re.I)
_CODE = re.compile(r"[0-9A-Z]{5}")
_EXTENSIONS = (".txt", ".csv", ".xlsx")


@dataclass(frozen=True)
class Quarter:
    """Which edits a file holds: their kind, the first day they are in force, CMS's version and the part."""

    kind: str
    start: date
    version: str  # "v32.2r0" (PTP) or "2026-04-01" (MUE)
    part: str = ""  # "f1".."f9" for a PTP part; "" for a file that is whole

    @property
    def label(self) -> str:
        return quarter_label(self.start)


def quarter_label(start: date) -> str:
    return f"{start.year} Q{(start.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class Member:
    """One file of edits to read: the file given, or a member of the zip given."""

    shown: str  # how messages name it: "FILE" or "ZIP:MEMBER"
    name: str  # its own file name
    quarter: Quarter
    fmt: str  # "text" or "xlsx"
    size: int
    open: Callable[[], IO[bytes]]


def _shown(name: str) -> str:
    from rvutool.catalog.imports import shown

    return shown(name)


# ---------------------------------------------------------------- what a file is
def kind_from_name(name: str) -> str | None:
    base = name.rsplit("/", 1)[-1]
    if _PTP_NAME.search(base) or _PTP_HOSPITAL.search(base):
        return PTP
    if _MUE_NAME.search(base) or (_MUE_ANY.search(base) and base.lower().endswith(_EXTENSIONS + (".zip",))):
        return MUE
    if re.search(r"ccipra", base, re.I):
        return PTP
    return None


def _sniff_text(head: bytes) -> str | None:
    text = head.decode("latin-1")
    if re.search(r"Column\s*1\s*/\s*Column\s*2\s+Edits", text, re.I) or re.search(r"Column 1\tColumn 2\t", text):
        return PTP
    if re.search(r"MUE\s+Adjudication\s+Indicator", text, re.I):
        return MUE
    return None


def recognise(path: Path) -> str | None:
    """PTP or MUE when the file (or a zip member) is named or shaped like CMS's NCCI files, else None. Reads a
    few kilobytes of a regular file at most; anything else (a folder, a device) is left to the RVU importer."""
    from rvutool.catalog.imports import open_regular

    kind = kind_from_name(path.name)
    if kind is not None:
        return kind
    try:
        with open_regular(path, max_bytes=MAX_ZIP_TOTAL) as fh:  # never waits on a pipe or device
            head = fh.read(4096)
    except (ImportFileError, OSError, ValueError):
        return None
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    return _sniff_text(head)


def _zip_kind(path: Path) -> str | None:
    import zipfile

    from rvutool.catalog.imports import open_regular

    try:
        with open_regular(path, max_bytes=MAX_ZIP_TOTAL) as fh:
            _check_directory(fh, path.name)
            names = zipfile.ZipFile(fh).namelist()
    except (zipfile.BadZipFile, ImportFileError, OSError, ValueError):
        return None
    if any(n == "[Content_Types].xml" for n in names):  # an .xlsx under another name
        return None
    kinds = {kind_from_name(n) for n in names if n.lower().endswith(_EXTENSIONS)} - {None}
    return kinds.pop() if len(kinds) == 1 else None


def _quarter_from_name(kind: str, name: str, outer: str = "") -> Quarter | None:
    """The quarter a file's name (or its zip's name) gives; the part always from the file's own name."""
    base = name.rsplit("/", 1)[-1]
    part_match = _PART.search(base)
    part = f"f{part_match.group(1)}" if kind == PTP and part_match else ""
    for candidate in (base, outer):
        if kind == PTP and (m := _PTP_NAME.search(candidate)):
            return _ptp_quarter(int(m.group(1)), int(m.group(2)), m.group(3), part, name)
        if kind == MUE and (m := _MUE_NAME.search(candidate)):
            return Quarter(MUE, _date(int(m.group(3)), int(m.group(1)), int(m.group(2)), name),
                           f"{m.group(3)}-{m.group(1)}-{m.group(2)}")
    return None


def _ptp_quarter(major: int, minor: int, revision: str | None, part: str, name: str) -> Quarter:
    if not 0 <= minor <= 3:
        raise ImportFileError(f"{_shown(name)}: NCCI version {major}.{minor} is not a quarter (versions run "
                              f"{major}.0 to {major}.3)")
    return Quarter(PTP, date(FIRST_NCCI_YEAR + major, 3 * minor + 1, 1), f"v{major}.{minor}r{revision or 0}", part)


def _date(year: int, month: int, day: int, name: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ImportFileError(f"{_shown(name)}: {month:02d}-{day:02d}-{year} is not a date") from None


def _quarter_from_header(kind: str, lines: list[str], name: str, part: str) -> Quarter | None:
    text = "\n".join(lines)
    if kind == PTP and (m := _HEADER_VERSION.search(text)):
        return _ptp_quarter(int(m.group(1)), int(m.group(2)), m.group(3), part, name)
    if kind == MUE and (m := _HEADER_DATE.search(text)):
        start = _date(int(m.group(3)), int(m.group(1)), int(m.group(2)), name)
        return Quarter(MUE, start, start.isoformat())
    return None


def _no_quarter(kind: str, shown: str) -> ImportFileError:
    example = "ccipra-v322r0-f1.txt" if kind == PTP else "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv"
    return ImportFileError(f"{shown}: cannot tell which quarter's {KIND_NAMES[kind]} these are: keep the name CMS "
                           f"gave the file (such as {example})")


def _refuse_other_settings(kind: str, name: str, shown: str) -> None:
    base = name.rsplit("/", 1)[-1]
    if kind == PTP and _PTP_HOSPITAL.search(base):
        raise ImportFileError(f"{shown} holds the hospital outpatient PTP edits; rvutool checks practitioner "
                              "services: import the practitioner file (ccipra-...)")
    if kind == MUE and _MUE_OTHER.search(base) and not re.search(r"practitioner", base, re.I):
        raise ImportFileError(f"{shown} is not the practitioner services MUE table; rvutool checks practitioner "
                              "services: import MCR_MUE_PractitionerServices_Eff_....csv")


# ---------------------------------------------------------------- the files inside what was given
def members(path: Path) -> tuple[str, list[Member]]:
    """The kind (PTP or MUE) and the files of edits the path holds, each with its quarter (from its name;
    `Member.quarter.start` is date.min until the header is read, when the name does not tell)."""
    from rvutool.catalog.imports import open_regular

    shown = _shown(path.name)
    kind = recognise(path)
    if kind is None:
        raise ImportFileError(f"{shown} is not an NCCI PTP or MUE file")
    fh = open_regular(path, max_bytes=MAX_ZIP_TOTAL)
    try:
        head = fh.read(4)
        size = fh.seek(0, io.SEEK_END)
    finally:
        fh.close()
    if size == 0:
        raise ImportFileError(f"{shown} is empty")
    if head == b"PK\x03\x04" and path.suffix.lower() != ".xlsx":
        return kind, _zip_members(path, shown)
    _refuse_other_settings(kind, path.name, shown)
    fmt = "xlsx" if head == b"PK\x03\x04" else "text"
    if fmt == "text" and size > MAX_TEXT_BYTES:
        raise ImportFileError(f"{shown} is {size:,} bytes, more than the {MAX_TEXT_BYTES:,}-byte limit: too large "
                              "for a CMS file")
    if fmt == "xlsx" and size > MAX_XLSX_BYTES:
        raise ImportFileError(f"{shown} is {size:,} bytes, more than the {MAX_XLSX_BYTES:,}-byte limit: too large "
                              "for a CMS file")
    quarter = _quarter_from_name(kind, path.name) or _unknown(kind, path.name)
    return kind, [Member(shown, path.name, quarter, fmt, size, lambda: open_regular(path, max_bytes=MAX_ZIP_TOTAL))]


def _unknown(kind: str, name: str) -> Quarter:
    """A quarter still to be read from the header (the file's name did not say)."""
    part = _PART.search(name.rsplit("/", 1)[-1])
    return Quarter(kind, date.min, "", f"f{part.group(1)}" if kind == PTP and part else "")


def _check_directory(fh: IO[bytes], name: str) -> None:
    """Count a zip's members from its end record (importer.check_zip_directory) before zipfile reads them all."""
    from rvutool.catalog.imports import check_zip_directory

    size = fh.seek(0, io.SEEK_END)
    fh.seek(max(0, size - 0xFFFF - 22))
    check_zip_directory(fh.read(), name)
    fh.seek(0)


def _member_cap(name: str) -> int:
    return MAX_XLSX_BYTES if name.lower().endswith(".xlsx") else MAX_TEXT_BYTES


def _zip_members(path: Path, shown: str) -> list[Member]:
    import zipfile

    from rvutool.catalog.imports import check_zip_sizes, open_regular

    with open_regular(path, max_bytes=MAX_ZIP_TOTAL) as fh:
        _check_directory(fh, shown)
        try:
            infos = zipfile.ZipFile(fh).infolist()
        except (zipfile.BadZipFile, OSError, ValueError):
            raise ImportFileError(f"{shown} is not a readable zip file (damaged or truncated?)") from None
    check_zip_sizes(infos, shown, member_cap=_member_cap, total_cap=MAX_ZIP_TOTAL)
    if any(i.filename == "[Content_Types].xml" for i in infos):
        raise ImportFileError(f"{shown} is a spreadsheet (.xlsx) under another name; give it its .xlsx name")
    chosen: dict[tuple[str, date, str], Member] = {}
    for info in infos:
        base = info.filename.rsplit("/", 1)[-1]
        if info.is_dir() or not base.lower().endswith(_EXTENSIONS):
            continue
        kind = kind_from_name(base) or kind_from_name(path.name)
        if kind is None:
            continue
        where = f"{shown}:{_shown(info.filename)}"
        _refuse_other_settings(kind, base, where)
        quarter = _quarter_from_name(kind, base, path.name) or _unknown(kind, base)
        fmt = "xlsx" if base.lower().endswith(".xlsx") else "text"
        member = Member(where, base, quarter, fmt, info.file_size, _zip_opener(path, info.filename, shown))
        key = (kind, quarter.start, quarter.part or base)
        if key not in chosen or (chosen[key].fmt == "xlsx" and fmt == "text"):  # the text file is quicker
            chosen[key] = member
    if not chosen:
        raise ImportFileError(f"{shown} holds no NCCI PTP (.txt, .xlsx) or MUE (.csv, .xlsx) file")
    return sorted(chosen.values(), key=lambda m: (m.quarter.kind, m.quarter.start, m.quarter.part, m.name))


def _zip_opener(path: Path, member: str, shown: str) -> Callable[[], IO[bytes]]:
    def opened() -> IO[bytes]:
        import zipfile

        from rvutool.catalog.imports import open_regular

        fh = open_regular(path, max_bytes=MAX_ZIP_TOTAL)
        try:
            return _ZipMember(zipfile.ZipFile(fh).open(member), fh)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
            fh.close()
            raise ImportFileError(f"{shown}: cannot read {_shown(member)} ({_shown(str(exc))})") from None

    return opened


class _ZipMember(io.RawIOBase):
    """A zip member's stream that closes its zip file with it."""

    def __init__(self, stream: IO[bytes], outer: IO[bytes]) -> None:
        self._stream, self._outer = stream, outer

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._stream.close()
            self._outer.close()
        super().close()


class _Capped(io.RawIOBase):
    """Bytes read through a running total (refused past `cap`), remembering the last byte (a file that
    ends without a line end was cut short) and how far reading got (for progress)."""

    def __init__(self, raw: IO[bytes], cap: int, shown: str) -> None:
        self._raw, self._cap, self._shown = raw, cap, shown
        self.count, self.last = 0, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        import zipfile

        try:
            data = self._raw.read(len(buffer))
        except (zipfile.BadZipFile, EOFError, ValueError) as exc:  # a bad CRC, a member cut short
            raise ImportFileError(f"{self._shown}: damaged ({_shown(str(exc))})") from None
        self.count += len(data)
        if self.count > self._cap:
            raise ImportFileError(f"{self._shown}: more than {self._cap:,} bytes: too large for a CMS file "
                                  "(a zip bomb?)")
        if data:
            self.last = data[-1:]
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


# ---------------------------------------------------------------- rows
@dataclass
class Reading:
    """A member being read: its quarter (completed from the header when the name did not give it),
    and how far reading has got (0..1)."""

    member: Member
    quarter: Quarter
    done: float = 0.0


def _cut_short(shown: str, line: int) -> ImportFileError:
    return ImportFileError(f"{shown}: line {line:,} is cut short (the file ends in the middle of it): the file is "
                           "truncated; download it again")


def _bad(shown: str, where: str, what: str) -> ImportFileError:
    return ImportFileError(f"{shown}: {where}: {what}")


def _ymd(text: str) -> int | None:
    """YYYYMMDD as a number when it is a real-looking date, else None."""
    if len(text) != 8 or not text.isdigit():
        return None
    value = int(text)
    year, month, day = value // 10000, value // 100 % 100, value % 100
    return value if 1900 <= year <= 2199 and 1 <= month <= 12 and 1 <= day <= 31 else None


def ptp_row(cells: list[str], shown: str, where: str) -> tuple[str, str, int, int | None, str, str]:
    """(column 1, column 2, effective YYYYMMDD, deletion YYYYMMDD or None, modifier indicator, rationale)."""
    if len(cells) < 6:
        raise _bad(shown, where, f"expected 7 columns (Column 1, Column 2, prior to 1996, effective, deletion, "
                                 f"modifier, rationale), found {len(cells)}")
    col1, col2 = cells[0].strip(), cells[1].strip()
    if not _CODE.fullmatch(col1) or not _CODE.fullmatch(col2):
        bad = col1 if not _CODE.fullmatch(col1) else col2
        raise _bad(shown, where, f"{_shown(bad)!s} is not a code (5 letters and digits)")
    if cells[2].strip() not in ("", "*"):
        raise _bad(shown, where, f"the prior-to-1996 column holds {_shown(cells[2].strip())}, not * or nothing")
    effective = _ymd(cells[3].strip())
    if effective is None:
        raise _bad(shown, where, f"effective date {_shown(cells[3].strip())} is not YYYYMMDD")
    deletion_text = cells[4].strip()
    deletion = None if deletion_text in ("*", "") else _ymd(deletion_text)
    if deletion is None and deletion_text not in ("*", ""):
        raise _bad(shown, where, f"deletion date {_shown(deletion_text)} is not YYYYMMDD or *")
    modifier = cells[5].strip()
    if modifier not in ("0", "1", "9"):
        raise _bad(shown, where, f"modifier indicator {_shown(modifier)} is not 0, 1 or 9")
    rationale = cells[6].strip() if len(cells) > 6 else ""
    return col1, col2, effective, deletion, modifier, rationale


def mue_row(cells: list[str], shown: str, where: str) -> tuple[str, int, str, str]:
    """(code, MUE value, adjudication indicator 1/2/3, rationale)."""
    if len(cells) < 3:
        raise _bad(shown, where, f"expected 4 columns (code, MUE value, adjudication indicator, rationale), "
                                 f"found {len(cells)}")
    code, value, indicator = cells[0].strip().upper(), cells[1].strip(), cells[2].strip()
    if not _CODE.fullmatch(code):
        raise _bad(shown, where, f"{_shown(code)} is not a code (5 letters and digits)")
    if not (value.isascii() and value.isdigit()) or int(value) > 1_000_000:
        raise _bad(shown, where, f"MUE value {_shown(value)} is not a whole number of units")
    if indicator[:1] not in ("1", "2", "3") or indicator[1:2].isdigit():
        raise _bad(shown, where, f"MUE adjudication indicator {_shown(indicator)} is not 1 (line), 2 or 3 (day)")
    rationale = cells[3].strip() if len(cells) > 3 else ""
    return code, int(value), indicator[0], rationale


def rows(member: Member, reading: Reading) -> Iterator[tuple[Any, ...]]:
    """The member's edits, checked row by row; `reading.quarter` is complete once the first row is out."""
    if member.fmt == "xlsx":
        yield from _xlsx_rows(member, reading)
    elif member.quarter.kind == PTP:
        yield from _ptp_text(member, reading)
    else:
        yield from _mue_csv(member, reading)


def _header_done(reading: Reading, lines: list[str]) -> None:
    member = reading.member
    if reading.quarter.start == date.min:
        found = _quarter_from_header(member.quarter.kind, lines, member.shown, member.quarter.part)
        if found is None:
            raise _no_quarter(member.quarter.kind, member.shown)
        reading.quarter = found


def _ptp_text(member: Member, reading: Reading) -> Iterator[tuple[Any, ...]]:
    shown = member.shown
    stream = _Capped(member.open(), MAX_TEXT_BYTES, shown)
    with io.BufferedReader(stream, _CHUNK) as lines:
        header: list[str] | None = []
        number = 0
        for raw in lines:
            number += 1
            text = raw.decode("latin-1")
            if not text.endswith("\n") and text.strip():
                raise _cut_short(shown, number)
            cells = text.rstrip("\r\n").split("\t")
            if header is not None:
                header.append(text.strip())
                if cells[0].strip() == "Column 1" and len(cells) > 1 and cells[1].strip() == "Column 2":
                    _header_done(reading, header)
                    header = None
                elif number >= _HEADER_LINES:
                    raise ImportFileError(f"{shown}: no PTP header (Column 1, Column 2) in its first {_HEADER_LINES} "
                                          "lines: not a CMS PTP file")
                continue
            if not cells[0].strip():  # the header's continuation lines, and blank lines
                if any(c.strip() for c in cells[:2]):
                    raise _bad(shown, f"line {number:,}", "Column 1 is empty")
                continue
            if number > MAX_ROWS + _HEADER_LINES:
                raise ImportFileError(f"{shown}: more than {MAX_ROWS:,} rows: too many for a CMS file")
            yield ptp_row(cells, shown, f"line {number:,}")
            if number % 65536 == 0:
                reading.done = stream.count / max(member.size, 1)
        if header is not None:
            raise ImportFileError(f"{shown}: no PTP header (Column 1, Column 2): not a CMS PTP file")


def _mue_csv(member: Member, reading: Reading) -> Iterator[tuple[Any, ...]]:
    import csv

    shown = member.shown
    stream = _Capped(member.open(), MAX_TEXT_BYTES, shown)
    with io.TextIOWrapper(io.BufferedReader(stream, _CHUNK), encoding="latin-1", newline="") as text:
        reader = csv.reader(text)
        header: list[str] | None = []
        try:
            for cells in reader:
                where = f"line {reader.line_num:,}"
                if header is not None:
                    header.extend(cells)
                    first = "".join(cells[0].split()).upper() if cells else ""
                    if first.startswith("HCPCS") and "MUE" in " ".join(cells[1:]).upper():
                        _header_done(reading, header)
                        header = None
                    elif reader.line_num >= _HEADER_LINES:
                        raise ImportFileError(f"{shown}: no MUE header (HCPCS/CPT Code, MUE values) in its first "
                                              f"{_HEADER_LINES} lines: not a CMS MUE table")
                    continue
                if not any(c.strip() for c in cells):
                    continue
                if reader.line_num > MAX_ROWS + _HEADER_LINES:
                    raise ImportFileError(f"{shown}: more than {MAX_ROWS:,} rows: too many for a CMS file")
                yield mue_row(cells, shown, where)
        except csv.Error as exc:
            raise _bad(shown, f"line {reader.line_num:,}", f"not readable as CSV ({exc})") from None
        if header is not None:
            raise ImportFileError(f"{shown}: no MUE header (HCPCS/CPT Code, MUE values): not a CMS MUE table")
        if stream.count and stream.last != b"\n":
            raise _cut_short(shown, reader.line_num)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y%m%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _code_cell(value: Any) -> str:
    """A code from a spreadsheet cell: a number keeps its leading zeros (1996 -> 01996)."""
    text = _cell(value)
    return text.zfill(5) if text.isdigit() and len(text) < 5 else text


def _xlsx_rows(member: Member, reading: Reading) -> Iterator[tuple[Any, ...]]:
    shown, kind = member.shown, member.quarter.kind
    with _XlsxFile(member) as fh:
        sheet = _first_sheet(fh, shown)
        header: list[str] | None = []
        for number, values in _sheet_rows(sheet, shown):
            cells = [_cell(v) for v in values]
            if header is not None:
                header.extend(c for c in cells if c)
                first = "".join(cells[0].split()).upper() if cells else ""
                if (kind == PTP and first == "COLUMN1" and len(cells) > 1 and "".join(cells[1].split()).upper()
                        == "COLUMN2") or (kind == MUE and first.startswith("HCPCS")):
                    _header_done(reading, header)
                    header = None
                elif number >= _HEADER_LINES:
                    raise ImportFileError(f"{shown}: no {KIND_NAMES[kind]} header in its first {_HEADER_LINES} rows")
                continue
            if not any(cells):
                continue
            if kind == PTP and not cells[0]:
                continue  # the header's continuation rows
            if number > MAX_ROWS + _HEADER_LINES:
                raise ImportFileError(f"{shown}: more than {MAX_ROWS:,} rows: too many for a CMS file")
            cells[0] = _code_cell(values[0])
            if kind == PTP:
                cells[1] = _code_cell(values[1]) if len(values) > 1 else ""
                yield ptp_row(cells, shown, f"row {number:,}")
            else:
                yield mue_row(cells, shown, f"row {number:,}")
        if header is not None:
            raise ImportFileError(f"{shown}: no {KIND_NAMES[kind]} header: not a CMS NCCI file")


def _sheet_rows(sheet: Any, shown: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The sheet's rows, numbered from 1; a workbook damaged part way is one line naming the row."""
    number = 0
    rows = sheet.iter_rows(values_only=True)
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # zlib, XML and zip errors from a damaged or truncated workbook
            raise ImportFileError(f"{shown}: row {number + 1:,} cannot be read (damaged or truncated?): "
                                  f"{_shown(type(exc).__name__)}") from None
        number += 1
        yield number, values


def _first_sheet(fh: IO[bytes], shown: str) -> Any:
    import zipfile

    import openpyxl

    from rvutool.catalog.imports import check_zip_sizes

    def cap(name: str) -> int:
        return MAX_SHARED_STRINGS_BYTES if name.lower().endswith("sharedstrings.xml") else MAX_SHEET_BYTES

    try:
        check_zip_sizes(zipfile.ZipFile(fh).infolist(), shown, member_cap=cap, total_cap=MAX_ZIP_TOTAL)
        fh.seek(0)
        book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise ImportFileError(f"{shown} is not a readable .xlsx workbook (damaged or truncated?): "
                              f"{_shown(type(exc).__name__)}") from None
    if not book.worksheets:
        raise ImportFileError(f"{shown}: the workbook has no sheet")
    return book.worksheets[0]


class _XlsxFile:
    """The .xlsx as a seekable file: the file given, or a zip member copied (capped) to a private
    temporary file, removed afterwards."""

    def __init__(self, member: Member) -> None:
        self.member, self.fh, self.tmp = member, None, None

    def __enter__(self) -> IO[bytes]:
        raw = self.member.open()
        if raw.seekable():
            self.fh = raw
            return raw
        import shutil
        import tempfile

        self.tmp = tempfile.TemporaryFile()
        with _Capped(raw, MAX_XLSX_BYTES, self.member.shown) as capped:
            shutil.copyfileobj(capped, self.tmp, _CHUNK)
        self.tmp.seek(0)
        return self.tmp

    def __exit__(self, *exc: object) -> None:
        for fh in (self.fh, self.tmp):
            if fh is not None:
                fh.close()
