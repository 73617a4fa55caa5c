"""Small files in the shape of CMS's PPRRVU CSV and HCPCS annual file, for import tests.

The layout (preamble, stacked header rows, columns) follows the CMS files; every code's
numbers and every descriptor here are made up for the tests ("Fixture ..."), never copied.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

# The four stacked header rows above the HCPCS row, as in the CY2026 files (32 columns).
_HEADER_2026 = [
    ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,NON-FACILITY,FACILITY,",
    ",,,,NOT USED,,,,,,,,,,,,,,,,,,,,,,PHYSICIAN,,DIAGNOSTIC,PE USED,PE USED,MP USED",
    ",,,,FOR,,,NON-FAC,,FACILITY,,,,,,,,,,,,,,,,,SUPERVISION OF,,IMAGING,FOR OPPS,FOR OPPS,FOR OPPS",
    ",,,STATUS,MEDICARE,WORK,NON-FAC,NA,FACILITY,NA,MP,NON-FACILITY,FACILITY,PCTC,GLOB,PRE,INTRA,POST,"
    "MULT,BILAT,ASST,CO-,TEAM,PRIC,ENDO,CONV,DIAGNOSTIC,CALCULATION,FAMILY,PAYMENT,PAYMENT,PAYMENT",
    "HCPCS,MOD,DESCRIPTION,CODE,PAYMENT,RVU,PE RVU,INDICATOR,PE RVU,INDICATOR,RVU,TOTAL,TOTAL,IND,DAYS,"
    "OP,OP,OP,PROC,SURG,SURG,SURG,SURG,IND,BASE,FACTOR,PROCEDURES,FLAG,INDICATOR,AMOUNT,AMOUNT,AMOUNT",
]
PRIC_COLUMN = 23  # CY2026 inserted PRIC IND here; the CY2025 layout has 31 columns without it


@dataclass
class FixtureRow:
    code: str
    description: str
    work: str
    pe_nonfacility: str = "0.50"
    pe_facility: str = "0.20"
    mp: str = "0.05"
    modifier: str = ""
    status: str = "A"
    pctc: str = "0"
    global_days: str = "XXX"
    mult_proc: str = "0"
    total_nonfacility: str | None = None  # computed as work + PE + MP unless given (to break it)
    total_facility: str | None = None
    pre_op: str = "0.00"
    intra_op: str = "0.00"
    post_op: str = "0.00"

    def cells(self, conversion_factor: str, pric: str | None) -> list[str]:
        work, mp = Decimal(self.work), Decimal(self.mp)
        nf = self.total_nonfacility or str(work + Decimal(self.pe_nonfacility) + mp)
        fac = self.total_facility or str(work + Decimal(self.pe_facility) + mp)
        cells = [self.code, self.modifier, self.description, self.status, "", self.work, self.pe_nonfacility,
                 "", self.pe_facility, "", self.mp, nf, fac, self.pctc, self.global_days, self.pre_op,
                 self.intra_op, self.post_op, self.mult_proc, "0", "0", "0", "0"]
        if pric is not None:
            cells.append(pric)
        return cells + ["", conversion_factor, "09", "0", "99", "0.00", "0.00", "0.00"]


def _quote(cell: str) -> str:
    return f'"{cell}"' if "," in cell else cell


def pprrvu_csv(rows: list[FixtureRow], *, year: int = 2026, month: str = "October",
               released: str = "08/26/2026", conversion_factor: str = "33.4009", pric: str = "9") -> bytes:
    """A PPRRVU CSV: year 2026 gives the 32-column layout, 2025 the 31-column one."""
    width = 32 if year >= 2026 else 31

    def text_line(text: str) -> str:
        return ",," + text + "," * (width - 3)

    header = list(_HEADER_2026)
    if year < 2026:
        header = [",".join(c for i, c in enumerate(line.split(",")) if i != PRIC_COLUMN) for line in header]
    lines = [
        text_line(f"{year} National Physician Fee Schedule Relative Value File {month} Release"),
        text_line(f"CPT codes and descriptions only are copyright {year} American Medical Association."),
        text_line(f"Dental codes (D codes) are copyright {year} American Dental Association."),
        "," * (width - 1),
        text_line(f"RELEASED {released}"),
        *header,
    ]
    for row in rows:
        lines.append(",".join(_quote(c) for c in row.cells(conversion_factor, pric if year >= 2026 else None)))
    return ("\r\n".join(lines) + "\r\n").encode("latin-1")


# A fake October 2026 release (RVU26D). 99213's work RVU is deliberately not CMS's (1.30):
# 1.31 makes it obvious which release a lookup used.
RVU26D_ROWS = [
    FixtureRow("99213", "Fixture visit alpha", "1.31", "1.46", "0.33", "0.09"),  # totals 2.86 / 1.73
    FixtureRow("99214", "Fixture visit after 99213", "1.92"),
    FixtureRow("27447", "Fixture knee implantation gamma", "19.11", global_days="090", mult_proc="2"),
    FixtureRow("D6010", "Fixture implant beta", "0.00", "0.00", "0.00", "0.00", status="R",
               global_days="YYY"),
    FixtureRow("71046", "Fixture chest picture", "0.22", pctc="1"),
    FixtureRow("71046", "Fixture chest picture", "0.22", "0.00", "0.00", "0.01", modifier="26", pctc="1"),
    FixtureRow("71046", "Fixture chest picture", "0.00", "0.50", "0.20", "0.04", modifier="TC", pctc="1"),
    FixtureRow("G0121", "Fixture short g", "3.18"),
]
RVU26D_CODES = 6  # 99213 99214 27447 D6010 71046 G0121
PREAMBLE_LINES = 10  # title .. HCPCS header row: the first data row is line 11


def rvu26d_csv(**overrides) -> bytes:
    return pprrvu_csv(RVU26D_ROWS, **overrides)


def write(path: Path, payload: bytes) -> Path:
    path.write_bytes(payload)
    return path


def zip_of(path: Path, members: dict[str, bytes]) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    path.write_bytes(buffer.getvalue())
    return path


# ---------------------------------------------------------------- HCPCS annual file
def hcpcs_record(code: str, sequence: int, record_id: str, long_text: str, short_text: str = "",
                 modifier: str = "") -> str:
    """One 320-character record: code 1-5 (or modifier 4-5), sequence 6-10, record id 11,
    long description 12-91, short description 92-119, the rest blank."""
    head = f"{code:<5}" if not modifier else f"   {modifier:<2}"
    record = f"{head}{sequence:05d}{record_id}{long_text:<80}{short_text:<28}"
    return f"{record:<320}"


def hcpcs_file(records: list[str]) -> bytes:
    return ("\r\n".join(records) + "\r\n").encode("latin-1")


HCPCS_RECORDS = [
    hcpcs_record("A0021", 100, "3", "Fixture ride delta", "Fixture ride"),
    hcpcs_record("G0121", 100, "3", "Fixture long screening text that goes on", "Fixture g"),
    hcpcs_record("G0121", 200, "4", "and ends on a second record"),
    hcpcs_record("", 100, "7", "Fixture modifier text", "Fixture mod", modifier="ZZ"),
]


# ---------------------------------------------------------------- GPCI file (Addendum E)
def gpci_csv(year: int, localities: list[tuple[str, str, str, str, str, str, str]]) -> bytes:
    """A GPCI file in CMS's layout: a title, a blank line, the header, then (MAC, state, locality, name,
    work, PE, MP GPCI) per locality."""
    lines = [f"ADDENDUM E. FINAL CY {year} GEOGRAPHIC PRACTICE COST INDICES (GPCIs) BY STATE AND MEDICARE "
             "LOCALITY,,,,,,",
             ",,,,,,",
             f"Medicare Administrative Contractor (MAC),State,Locality Number,Locality Name,{year} PW GPCI,"
             f"{year} PE GPCI,{year} MP GPCI"]
    lines += [",".join(loc) for loc in localities]
    return ("\r\n".join(lines) + "\r\n").encode("latin-1")
