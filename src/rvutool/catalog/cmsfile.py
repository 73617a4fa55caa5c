"""Readers for CMS public-use files: PPRRVU (relative values) and GPCI CSVs.

Shared by the dataset build (which drops descriptor text) and by
`rvutool data import` (which keeps descriptors on the user's machine only).
Columns are found by their stacked header names, never by position, because
CMS inserted a column in 2026 (PRIC IND) and may do so again.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from rvutool import dates
from rvutool.catalog.fields import DECIMAL_FIELDS, FIELD_NAMES, ROW_FIELDS
from rvutool.errors import ImportFileError

_KEY_HEADERS = {"HCPCS": "code", "MOD": "modifier", "DESCRIPTION": "description",
                "CONVFACTOR": "conversion_factor"}

RELEASE_LETTER = {"JANUARY": "A", "APRIL": "B", "JULY": "C", "OCTOBER": "D"}
QUARTER_START = {"A": "01-01", "B": "04-01", "C": "07-01", "D": "10-01"}

_TITLE = re.compile(r"(\d{4}) National Physician Fee Schedule Relative Value File (\w+) Release", re.I)
_RELEASED = re.compile(r"RELEASED\s+(\d{1,2})/(\d{1,2})/(\d{4})", re.I)
_CODE = re.compile(r"^[0-9A-Z]{4}[0-9A-Z]$")
# An amount as CMS prints it: digits with an optional point and sign. Decimal() alone would also take
# "NaN", "sNaN", "Infinity", "1e20" and "1_0", none of which is a number any CMS file holds.
_PLAIN_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")

# Release years rvutool accepts: the resource-based fee schedule began on 1 January 1992, and CMS
# publishes a year's first release in the December before it; two years ahead of today leaves slack
# for a clock that is off, never room for 9999.
FIRST_PFS_YEAR = 1992
YEARS_AHEAD = 2
# The ceiling for any RVU cell. In both bundled releases (RVU25D, RVU26C) the largest work RVU is
# about a tenth of it and the largest total (a non-facility total driven by practice expense) is under
# half of it: 1,000 leaves room for revaluation and refuses only values no CMS row could hold.
MAX_RVU = Decimal(1000)
# PRE/INTRA/POST OP are shares of a global surgical package (domain rules, section 1.7): at most 1.
MAX_SHARE = Decimal(1)
# The conversion factor is dollars per RVU; the same ceiling refuses nonsense without tying the
# check to any year's value.
MAX_CONVERSION_FACTOR = Decimal(1000)
# A release has about 19,000 to 20,000 data rows (domain rules, section 1.1); five times that bounds
# the memory a file can make the parser use.
MAX_DATA_ROWS = 100_000
MAX_PREAMBLE_ROWS = 100  # the HCPCS header row is line 10 of every CMS file

_LABELS = {"work": "work RVU", "pe_nonfacility": "non-facility PE RVU", "pe_facility": "facility PE RVU",
           "mp": "MP RVU", "total_nonfacility": "non-facility total", "total_facility": "facility total",
           "pre_op": "pre-op", "intra_op": "intra-op", "post_op": "post-op"}
_SHARES = frozenset({"pre_op", "intra_op", "post_op"})
_AMOUNTS = tuple(name for name in FIELD_NAMES if name in DECIMAL_FIELDS)  # checked in column order


def year_window(today: date | None = None) -> range:
    """The release years an imported file may carry: 1992 up to two years after today's."""
    return range(FIRST_PFS_YEAR, (today or dates.today()).year + YEARS_AHEAD + 1)


@dataclass
class Release:
    id: str
    year: int
    released: str  # ISO date CMS printed, "" when the file does not say
    conversion_factor: str
    letter: str

    @property
    def quarter_start(self) -> str:
        return f"{self.year}-{QUARTER_START[self.letter]}"


@dataclass
class RvuFile:
    release: Release
    # (code, modifier) -> row values in FIELD_NAMES order
    rows: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    descriptors: dict[str, str] = field(default_factory=dict)
    data_rows: int = 0


def _norm(name: str) -> str:
    return re.sub(r"[\s\-]+", "", name).upper()


def _decimal(text: str, where: str, what: str = "value") -> Decimal:
    """A finite decimal from a CMS cell (blank is 0); anything else is refused, never passed on."""
    cell = text.strip() or "0"
    if not _PLAIN_DECIMAL.fullmatch(cell):
        raise ImportFileError(f"{where} {what} {cell[:40]!r} is not a plain decimal number")
    value = Decimal(cell)
    return value.copy_abs() if value == 0 else value  # "-0.00" is 0.00


def decode(raw: bytes) -> str:
    """CMS CSVs are ASCII/latin-1 with CRLF; strip a UTF-8 BOM defensively."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    return raw.decode("latin-1")


def parse_pprrvu(text: str, source: str, *, fallback_id: str | None = None,
                 today: date | None = None) -> RvuFile:
    """Parse a PPRRVU CSV (CY2025 layout or later). Raises ImportFileError on any defect.

    Rows are read one at a time (a blank line costs nothing) and every amount is checked: a
    finite plain decimal, not negative, under its ceiling, and the totals add up.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    preamble: list[list[str]] = []
    for row in reader:
        if row and row[0].strip() == "HCPCS":
            header = row
            break
        preamble.append(row)
        if len(preamble) >= MAX_PREAMBLE_ROWS:
            raise ImportFileError(f"{source}: no header row starting with HCPCS in the first "
                                  f"{MAX_PREAMBLE_ROWS} lines; is this a PPRRVU file?")
    else:
        raise ImportFileError(f"{source}: no header row starting with HCPCS; is this a PPRRVU file?")
    release = _release_from_preamble(preamble, source, fallback_id, year_window(today))
    columns = _column_index(preamble, header, source)
    rvu = RvuFile(release=release)
    cf_seen: set[str] = set()
    for offset, row in enumerate(reader, start=len(preamble) + 2):
        if not row or not any(cell.strip() for cell in row):
            continue
        where = f"{source} line {offset}"
        if len(row) < len(header):
            raise ImportFileError(f"{where}: {len(row)} columns, expected {len(header)} (truncated file?)")
        if rvu.data_rows >= MAX_DATA_ROWS:
            raise ImportFileError(f"{where}: more than {MAX_DATA_ROWS:,} data rows, far more than any CMS "
                                  "release has")
        code = row[columns["code"]].strip().upper()
        modifier = row[columns["modifier"]].strip().upper()
        if not _CODE.match(code):
            raise ImportFileError(f"{where}: {code[:40]!r} is not a HCPCS code")
        label = code + (f"-{modifier}" if modifier else "")
        values = [row[columns[name]].strip() for name in FIELD_NAMES]
        record = dict(zip(FIELD_NAMES, values, strict=True))
        for name in _AMOUNTS:
            record[name] = _normalise_amount(record[name], f"{where}: {label}", name)
        _check_totals(record, label, where)
        key = (code, modifier)
        if key in rvu.rows:
            raise ImportFileError(f"{where}: {label} appears twice")
        rvu.rows[key] = [record[name] for name in FIELD_NAMES]
        description = row[columns["description"]].strip()
        if description and not modifier:
            rvu.descriptors[code] = description
        elif description:
            rvu.descriptors.setdefault(code, description)
        cf_cell = row[columns["conversion_factor"]].strip()
        if cf_cell and cf_cell not in cf_seen:
            _check_conversion_factor(cf_cell, f"{where}: {label}")
        cf_seen.add(cf_cell)
        rvu.data_rows += 1
    if not rvu.rows:
        raise ImportFileError(f"{source}: header found but no data rows")
    cf_seen.discard("")
    if len(cf_seen) != 1:
        raise ImportFileError(f"{source}: expected one conversion factor, found {sorted(cf_seen)[:5]}")
    release.conversion_factor = str(_decimal(cf_seen.pop(), source))
    return rvu


def _check_conversion_factor(cell: str, where: str) -> None:
    value = _decimal(cell, where, "conversion factor")
    if value <= 0:
        raise ImportFileError(f"{where} conversion factor {cell[:40]} is "
                              f"{'negative' if value < 0 else 'not positive'}")
    if value > MAX_CONVERSION_FACTOR:
        raise ImportFileError(f"{where} conversion factor {cell[:40]} is above {MAX_CONVERSION_FACTOR}, "
                              "not a CMS conversion factor")


def _normalise_amount(text: str, where: str, name: str) -> str:
    """Two-decimal text for RVUs ('1.3' -> '1.30'); blank becomes '0.00'. Checks the range."""
    what, cell = _LABELS[name], text.strip()[:40]
    value = _decimal(text, where, what)
    ceiling = MAX_SHARE if name in _SHARES else MAX_RVU
    if value < 0:
        raise ImportFileError(f"{where} {what} {cell} is negative")
    if value > ceiling:
        raise ImportFileError(f"{where} {what} {cell} is above {ceiling}, more than any CMS "
                              f"{'share of a global package' if name in _SHARES else 'RVU'} (columns misread?)")
    return f"{value:.2f}"


def _check_totals(record: dict[str, str], label: str, where: str) -> None:
    """WORK + PE + MP == TOTAL for both settings, on the two-decimal amounts (as the build checks)."""
    work, mp = Decimal(record["work"]), Decimal(record["mp"])
    for pe, total in (("pe_nonfacility", "total_nonfacility"), ("pe_facility", "total_facility")):
        if work + Decimal(record[pe]) + mp != Decimal(record[total]):
            raise ImportFileError(
                f"{where}: {label} work {record['work']} + PE {record[pe]} + MP {record['mp']}"
                f" != {_LABELS[total]} {record[total]} (columns misread?)"
            )


def _column_index(preamble: list[list[str]], header: list[str], source: str) -> dict[str, int]:
    """Join the stacked header rows above the HCPCS row into one name per column."""
    stack = [header]
    for row in reversed(preamble):
        text = " ".join(row)
        if not row or not text.strip() or _RELEASED.search(text):
            break
        stack.insert(0, row)
    width = len(header)
    names = []
    for j in range(width):
        parts = [row[j].strip() for row in stack if j < len(row) and row[j].strip()]
        names.append(_norm(" ".join(parts)))
    wanted = dict(_KEY_HEADERS) | {cms: ours for ours, cms in ROW_FIELDS}
    found: dict[str, int] = {}
    for j, name in enumerate(names):
        ours = wanted.get(name)
        if ours and ours not in found:
            found[ours] = j
    missing = [cms for cms, ours in wanted.items() if ours not in found]
    if missing:
        raise ImportFileError(f"{source}: missing column(s) {', '.join(missing)}")
    return found


def _release_from_preamble(preamble: list[list[str]], source: str, fallback_id: str | None,
                           years: range) -> Release:
    """The release from the title line (or the file name), checked against the years rvutool accepts."""
    lines = [(number, " ".join(row)) for number, row in enumerate(preamble, start=1)]
    window = f"{years.start}..{years.stop - 1}"
    year: int | None = None
    letter: str | None = None
    title = next(((number, m) for number, text in lines if (m := _TITLE.search(text))), None)
    if title:
        number, match = title
        year, letter = int(match.group(1)), RELEASE_LETTER.get(match.group(2).upper())
        if year not in years:
            raise ImportFileError(f"{source} line {number}: release year {match.group(1)} is outside "
                                  f"{window}, the fee schedule's years up to two years from today")
    if (year is None or letter is None) and fallback_id:
        match = re.fullmatch(r"RVU(\d\d)([A-D])R?", fallback_id.upper())
        if match:
            year, letter = 2000 + int(match.group(1)), match.group(2)
            if year not in years:
                raise ImportFileError(f"{source}: release year {year} (from the file name) is outside {window}, "
                                      "the fee schedule's years up to two years from today")
    if year is None or letter is None:
        raise ImportFileError(f"{source}: cannot tell which CMS release this is (no title line)")
    released = ""
    stamp = next(((number, m) for number, text in lines if (m := _RELEASED.search(text))), None)
    if stamp:
        number, match = stamp
        month, day, yyyy = (int(x) for x in match.groups())
        printed = "/".join(match.groups())
        try:
            on = date(yyyy, month, day)
        except ValueError:
            raise ImportFileError(f"{source} line {number}: RELEASED {printed} is not a date") from None
        if abs(on.year - year) > 1:  # CY2026 files came out from December 2025 on
            raise ImportFileError(f"{source} line {number}: RELEASED {printed} does not fit a CY{year} release")
        released = on.isoformat()
    return Release(id=f"RVU{year % 100:02d}{letter}", year=year, released=released,
                   conversion_factor="", letter=letter)


def release_id_from_name(name: str) -> str | None:
    """'rvu26d-updated-08-26-2026.zip' -> 'RVU26D'; 'PPRRVU2026_Oct_nonQPP.csv' -> 'RVU26D'."""
    match = re.search(r"rvu(\d\d)([a-d])", name, re.I)
    if match:
        return f"RVU{match.group(1)}{match.group(2).upper()}"
    match = re.search(r"PPRRVU(?:20)?(\d\d)_?(JAN|APR|JUL|OCT)", name, re.I)
    if match:
        letter = {"JAN": "A", "APR": "B", "JUL": "C", "OCT": "D"}[match.group(2).upper()]
        return f"RVU{match.group(1)}{letter}"
    return None


@dataclass
class Locality:
    mac: str
    number: str
    state: str
    name: str
    work_gpci: str
    pe_gpci: str
    mp_gpci: str
    work_gpci_unfloored: str = ""  # only when the file has both work GPCI columns

    def as_row(self) -> list[str]:
        return [self.mac, self.number, self.state, self.name, self.work_gpci, self.pe_gpci, self.mp_gpci,
                self.work_gpci_unfloored]


def parse_gpci(text: str, source: str) -> list[Locality]:
    lines = list(csv.reader(io.StringIO(text, newline="")))
    header_at = next(
        (i for i, row in enumerate(lines) if row and row[0].strip().startswith("Medicare Administrative Contractor")),
        None,
    )
    if header_at is None:
        raise ImportFileError(f"{source}: no GPCI header row")
    header = [h.strip().upper() for h in lines[header_at]]

    def col(*needles: str, avoid: str = "\0") -> int:
        for j, name in enumerate(header):
            if all(n in name for n in needles) and avoid not in name:
                return j
        raise ImportFileError(f"{source}: no column matching {' '.join(needles)}")

    # The floored work GPCI is the main column whenever the file offers both; the unfloored one is
    # kept too, for dates after the floor ends (locality.dated).
    both = any("WITH 1.0" in h and "WITHOUT" not in h for h in header) and any("WITHOUT 1.0" in h for h in header)
    work = col("PW GPCI", "WITH 1.0 FLOOR", avoid="WITHOUT") if any(
        "WITH 1.0" in h and "WITHOUT" not in h for h in header) else col("PW GPCI")
    unfloored = col("PW GPCI", "WITHOUT 1.0 FLOOR") if both else None
    mac, state, number, name = col("CONTRACTOR"), col("STATE"), col("LOCALITY NUMBER"), col("LOCALITY NAME")
    pe, mp = col("PE GPCI"), col("MP GPCI")
    found = []
    for row in lines[header_at + 1:]:
        if len(row) <= max(work, pe, mp) or not row[mac].strip().isdigit():
            continue
        where = f"{source}: locality {row[mac]}-{row[number]}"
        found.append(Locality(
            mac=row[mac].strip().zfill(5), number=row[number].strip().zfill(2),
            state=row[state].strip(), name=row[name].strip().rstrip("*").strip(),
            work_gpci=f"{_decimal(row[work], where, 'work GPCI'):.3f}",
            pe_gpci=f"{_decimal(row[pe], where, 'PE GPCI'):.3f}", mp_gpci=f"{_decimal(row[mp], where, 'MP GPCI'):.3f}",
            work_gpci_unfloored="" if unfloored is None else
            f"{_decimal(row[unfloored], where, 'work GPCI without the floor'):.3f}",
        ))
    if not found:
        raise ImportFileError(f"{source}: no localities")
    return found


def parse_zip5(lines: Iterable[str]) -> dict[str, list[str]]:
    """ZIP5 fixed-width file -> {zip: [carrier, locality, plus4_flag]} (layout: ZIP5lyout.txt)."""
    out: dict[str, list[str]] = {}
    for line in lines:
        if len(line) < 21 or not line[2:7].strip().isdigit():
            continue
        out[line[2:7]] = [line[7:12], line[12:14], line[20:21]]
    return out


# ---------------------------------------------------------------- HCPCS Level II annual file
# Fixed-width, 320-character records (layout: HCPC<year>_recordlayout.txt). Positions below
# are the layout's 1-based BEG/END turned into Python slices.
HCPCS_RECORD = 320
_HCPCS_CODE = slice(0, 5)  # field 1, 1-5
_HCPCS_SEQUENCE = slice(5, 10)  # field 5, 6-10
_HCPCS_RECORD_ID = 10  # field 6, 11: 3/4 procedure first/next line, 7/8 modifier first/next
_HCPCS_LONG = slice(11, 91)  # field 7, 12-91
_HCPCS_SHORT = slice(91, 119)  # field 8, 92-119
_LEVEL_II = re.compile(r"^[A-Z][0-9]{4}$")


@dataclass
class HcpcsFile:
    descriptors: dict[str, str] = field(default_factory=dict)  # code -> long description
    records: int = 0
    modifiers: int = 0


def looks_like_hcpcs(text: str) -> bool:
    """True when the first record has the HCPCS annual file's shape (not a CSV)."""
    first = next((line.rstrip("\r") for line in text.split("\n", 5) if line.strip()), "")
    return (len(first) >= HCPCS_RECORD and first[_HCPCS_SEQUENCE].isdigit()
            and first[_HCPCS_RECORD_ID] in "3478" and "," not in first[:11])


def _split_lines(text: str) -> Iterable[str]:
    """text.split("\\n") one line at a time: a file of blank lines costs no list."""
    start = 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end]
        start = end + 1


def parse_hcpcs(text: str, source: str) -> HcpcsFile:
    """Long descriptions of the Level II codes in a HCPCS annual file. Raises ImportFileError."""
    parts: dict[str, list[tuple[str, str]]] = {}
    short: dict[str, str] = {}
    out = HcpcsFile()
    for number, line in enumerate(_split_lines(text), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        where = f"{source} line {number}"
        if len(line) < HCPCS_RECORD or line[HCPCS_RECORD:].strip():
            raise ImportFileError(f"{where}: record is {len(line)} characters, expected {HCPCS_RECORD}"
                                  f"{' (truncated file?)' if len(line) < HCPCS_RECORD else ''}")
        record_id, sequence = line[_HCPCS_RECORD_ID], line[_HCPCS_SEQUENCE]
        if record_id not in "3478" or not sequence.isdigit():
            raise ImportFileError(f"{where}: not a HCPCS record (record id {record_id!r}, "
                                  f"sequence {sequence!r}); is this the HCPCS annual file?")
        out.records += 1
        if record_id in "78":  # modifier records: not codes
            out.modifiers += record_id == "7"
            continue
        code = line[_HCPCS_CODE]
        if not _LEVEL_II.match(code):
            raise ImportFileError(f"{where}: {code!r} is not a HCPCS Level II code")
        if record_id == "4" and code not in parts:
            raise ImportFileError(f"{where}: continuation of {code} before its first record")
        parts.setdefault(code, []).append((sequence, line[_HCPCS_LONG].strip()))
        if record_id == "3":
            short[code] = line[_HCPCS_SHORT].strip()
    if not parts:
        raise ImportFileError(f"{source}: no HCPCS code records")
    for code, pieces in parts.items():
        text_ = " ".join(piece for _, piece in sorted(pieces) if piece)
        out.descriptors[code] = " ".join(text_.split()) or short.get(code, "")
    return out
