"""Make an employer's productivity report for tests and benchmarks, shaped like a hospital's export.

    python scripts/make_employer_report.py csv N PATH      # N service rows, CSV
    python scripts/make_employer_report.py xlsx N PATH     # N service rows, an .xlsx workbook

Columns as a hospital exports them: Service Date, Post Date, CPT Code, Mod 1, Mod 2, Units, wRVU, Patient
Name, MRN, Billing Provider, Location, after two title rows and a blank one, with a Total row at the end.
Patient cells hold obviously fake values ("TEST PATIENT 000123"). Each wRVU is the code's CMS work RVU
from the bundled data (rvutool.catalog.lookup), never typed here. Rows are written as they are made, so a
report of millions of rows needs no memory to speak of; the workbook is written part by part, its
text cells in a shared-strings table as Excel writes them, its service dates as date cells (serial
numbers with a date style).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

HEADER = ["Service Date", "Post Date", "CPT Code", "Mod 1", "Mod 2", "Units", "wRVU", "Patient Name", "MRN",
          "Billing Provider", "Location"]
TITLES = [["Lakeside Regional Medical Center - Physician Productivity Detail"], ["Posting period: 2026"], []]
CODES = ("99213", "99214", "99215", "99204", "20610", "29881", "47562", "43239", "45380", "11042")
PROVIDERS = ("SMITH, JOHN", "PATEL, ANIL", "LEE, KIM", "GARCIA, ANA")
LOCATIONS = ("MAIN OR", "CLINIC 1", "CLINIC 2")
FIRST_DAY = date(2026, 1, 5)


def work_rvus(on: date = FIRST_DAY) -> dict[str, Decimal]:
    """Each code's work RVU on a date, from the bundled CMS data."""
    from rvutool.catalog.lookup import lookup_many

    results, errors = lookup_many(list(CODES), on=on)
    assert not errors, errors
    return {r.item.code: r.row.work_rvu for r in results}


def services(n: int, *, providers: tuple[str, ...] = PROVIDERS, days: int = 300) -> Iterator[list]:
    """n service rows: [service date, post date, code, mod1, mod2, units, wRVU, patient, MRN, provider, place]."""
    values = work_rvus()
    for i in range(n):
        code = CODES[i % len(CODES)]
        day = FIRST_DAY + timedelta(days=(i * 7919) % days)
        mod = "RT" if code in {"20610", "29881"} else ""
        yield [day, day + timedelta(days=2), code, mod, "", 1, values[code], f"TEST PATIENT {i:06d}",
               f"TEST-{i:07d}", providers[i % len(providers)], LOCATIONS[i % len(LOCATIONS)]]


def _text(cell) -> str:
    if isinstance(cell, date):
        return f"{cell.month:02d}/{cell.day:02d}/{cell.year}"
    return str(cell)


def write_csv(path: Path, rows: Iterator[list], *, delimiter: str = ",", encoding: str = "utf-8",
              titles: list[list[str]] = TITLES, header: list[str] = HEADER, total: bool = True) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        out = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
        for title in titles:
            out.writerow(title + [""] * (len(header) - len(title)) if title else [""] * len(header))
        out.writerow(header)
        units, wrvu = 0, Decimal(0)
        for row in rows:
            units, wrvu = units + row[5], wrvu + row[6]
            out.writerow([_text(c) for c in row])
        if total:
            out.writerow(["Total", "", "", "", "", units, f"{wrvu:.2f}"] + [""] * (len(header) - 7))
    return path


# ---------------------------------------------------------------- .xlsx, written part by part
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def _column(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, rest = divmod(i - 1, 26)
        name = chr(65 + rest) + name
    return name


class _Strings:
    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.index)
        return found


def _cell(ref: str, value, strings: _Strings) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, Formula):
        return f'<c r="{ref}"><f>{escape(value.text)}</f>' + (
            f"<v>{value.cached}</v>" if value.cached is not None else "") + "</c>"
    if isinstance(value, date):
        return f'<c r="{ref}" s="1"><v>{(value - date(1899, 12, 30)).days}</v></c>'
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="s"><v>{strings(str(value))}</v></c>'


class Formula:
    """A formula cell, with its saved result or (cached=None) without one."""

    def __init__(self, text: str, cached=None) -> None:
        self.text, self.cached = text, cached


def write_xlsx(path: Path, sheets: list[tuple[str, Iterator[list], bool]]) -> Path:
    """sheets: (name, rows, hidden); each row a list of values (dates become date cells)."""
    strings = _Strings()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as book:
        for number, (_, rows, _) in enumerate(sheets, start=1):
            with book.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True) as part:
                part.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}>'
                           "<sheetData>".encode())
                for r, row in enumerate(rows, start=1):
                    cells = "".join(_cell(f"{_column(c)}{r}", v, strings) for c, v in enumerate(row))
                    part.write(f'<row r="{r}">{cells}</row>'.encode())
                part.write(b"</sheetData></worksheet>")
        with book.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst {_NS} '
                       f'count="{len(strings.index)}" uniqueCount="{len(strings.index)}">'.encode())
            texts = iter(strings.index)
            while batch := list(itertools.islice(texts, 10_000)):
                part.write("".join(f"<si><t>{escape(t)}</t></si>" for t in batch).encode())
            part.write(b"</sst>")
        listed = "".join(f'<sheet name="{escape(name)}" sheetId="{i}"' + (' state="hidden"' if hidden else "")
                         + f' r:id="rId{i}"/>' for i, (name, _, hidden) in enumerate(sheets, start=1))
        book.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook '
                                         f"{_NS} {_R}><sheets>{listed}</sheets></workbook>")
        rels = "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                       f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, len(sheets) + 1))
        rels += (f'<Relationship Id="rId{len(sheets) + 1}" Type="http://schemas.openxmlformats.org/officeDocument/'
                 '2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                 f'<Relationship Id="rId{len(sheets) + 2}" Type="http://schemas.openxmlformats.org/officeDocument/'
                 '2006/relationships/styles" Target="styles.xml"/>')
        book.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                      f"{rels}</Relationships>")
        book.writestr("xl/styles.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet {_NS}>'
                      '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1">'
                      '<fill><patternFill patternType="none"/></fill></fills><borders count="1"><border><left/>'
                      '<right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf '
                      'numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf '
                      'numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" '
                      'fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>')
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                            for i in range(1, len(sheets) + 1))
        book.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types '
                      'xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
                      'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default '
                      'Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
                      'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                      '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                      'officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" '
                      'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                      f"{overrides}</Types>")
        book.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                      'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                      'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                      'Target="xl/workbook.xml"/></Relationships>')
    return path


def report_rows(rows: Iterator[list], *, titles: list[list[str]] = TITLES) -> Iterator[list]:
    """A sheet's rows as the hospital exports them: titles, the header, the services, a Total row."""
    yield from titles
    yield HEADER
    units, wrvu = 0, Decimal(0)
    for row in rows:
        units, wrvu = units + row[5], wrvu + row[6]
        yield row
    yield ["Total", None, None, None, None, units, wrvu]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["csv", "xlsx"])
    parser.add_argument("rows", type=int)
    parser.add_argument("path", type=Path)
    args = parser.parse_args()
    if args.path.exists():
        raise SystemExit(f"{args.path} exists; give a new file")
    if args.kind == "csv":
        write_csv(args.path, services(args.rows))
    else:
        write_xlsx(args.path, [("Detail", report_rows(services(args.rows)), False)])
    print(f"wrote {args.path} ({args.path.stat().st_size:,} bytes, {args.rows:,} service rows)")


if __name__ == "__main__":
    main()
