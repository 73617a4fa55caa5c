"""Employer reports in the shapes real exports come in (reports/employer_file.py, reports/xlsx.py, employer.py).

Each shape is written here as the exporting program writes it: title rows above the header, tab- and
semicolon-separated text, Excel's "Unicode text" (UTF-16) and Windows cp1252, Excel serial dates, workbooks
whose first sheet is hidden or whose detail is on the second sheet; and the rows reports put between
services (blank rows, the header repeated on a new page, subtotals, totals, footers). Patient cells hold
"TEST PATIENT" values that must never be read into an output or an error.
"""

from __future__ import annotations

import codecs
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from rvutool.reports import employer, employer_file, xlsx

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import make_employer_report as maker  # noqa: E402

# the command-line tests here run on a practice's shared log too (tests/conftest.py)
pytestmark = pytest.mark.both_stores

CLINIC = [["Clinic visits report, October 2026"],
          ["Date of Service", "Patient Name", "CPT", "Modifier", "Units", "Work RVUs", "Rendering Provider"],
          ["10/05/2026", "TEST PATIENT A", "99213", "", "1", "1.30", "SMITH, JOHN"],
          ["10/06/2026", "TEST PATIENT B", "99214", "25", "1", "1.92", "SMITH, JOHN"],
          ["10/07/2026", "TEST PATIENT C", "20610", "RT", "2", "1.54", "SMITH, JOHN"]]


def text_file(path: Path, rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8",
              bom: bytes = b"") -> Path:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(bom + buffer.getvalue().encode(encoding))
    return path


def lines(report: employer.Report) -> list[tuple]:
    return [(r.date.isoformat(), r.code, r.modifiers, r.units, r.wrvu, r.provider) for r in report]


CLINIC_LINES = [("2026-10-05", "99213", (), 1, Decimal("1.30"), "SMITH, JOHN"),
                ("2026-10-06", "99214", ("25",), 1, Decimal("1.92"), "SMITH, JOHN"),
                ("2026-10-07", "20610", ("RT",), 2, Decimal("1.54"), "SMITH, JOHN")]


# ---------------------------------------------------------------- text: delimiters and encodings
@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_the_delimiter_comes_from_the_header_row_below_a_title(tmp_path, delimiter):
    report = employer.read(text_file(tmp_path / "clinic.txt", CLINIC, delimiter=delimiter))
    assert lines(report) == CLINIC_LINES
    assert report.used == ["Date of Service", "CPT", "Modifier", "Units", "Work RVUs", "Rendering Provider"]
    assert report.ignored == ["Patient Name"] and report.provider_column == "Rendering Provider"
    assert report.skipped == {"title": 1}


@pytest.mark.parametrize(("encoding", "bom"), [
    ("utf-8", b""), ("utf-8", codecs.BOM_UTF8),
    ("utf-16-le", codecs.BOM_UTF16_LE),  # Excel's "Unicode text": UTF-16 LE with a BOM, tab-separated
    ("utf-16-be", codecs.BOM_UTF16_BE), ("utf-16-le", b""), ("utf-16-be", b""),
    ("cp1252", b""),
])
def test_encodings(tmp_path, encoding, bom):
    rows = [*CLINIC[:2], [*CLINIC[2][:6], "MÜLLER, JOSÉ"], *CLINIC[3:]]
    report = employer.read(text_file(tmp_path / "unicode.txt", rows, delimiter="\t", encoding=encoding, bom=bom))
    assert [r.provider for r in report] == ["MÜLLER, JOSÉ", "SMITH, JOHN", "SMITH, JOHN"]
    assert [r.wrvu for r in report] == [Decimal("1.30"), Decimal("1.92"), Decimal("1.54")]


@pytest.mark.parametrize(("cell", "day"), [
    ("46300", date(2026, 10, 5)),  # an Excel serial day: 1899-12-30 + 46300 days
    ("46300.75", date(2026, 10, 5)),  # with a time of day
    ("2026-10-05", date(2026, 10, 5)), ("2026-10-05 00:00:00", date(2026, 10, 5)), ("2026/10/05", date(2026, 10, 5)),
    ("10/5/2026", date(2026, 10, 5)), ("10/05/26", date(2026, 10, 5)), ("10-05-2026", date(2026, 10, 5)),
    ("10/5/2026 1:30 PM", date(2026, 10, 5)), ("05-Oct-2026", date(2026, 10, 5)), ("5-Oct-26", date(2026, 10, 5)),
    ("Oct 5, 2026", date(2026, 10, 5)), ("October 5, 2026", date(2026, 10, 5)),
])
def test_dates_as_exports_write_them(tmp_path, cell, day):
    path = text_file(tmp_path / "d.csv", [["Service Date", "CPT", "wRVU"], [cell, "99213", "1.30"]])
    assert [r.date for r in employer.read(path)] == [day]


@pytest.mark.parametrize("cell", ["46300", "2026-10-05"])
def test_a_report_in_the_1904_date_system(tmp_path, cell):
    rows = [["Service Date", "CPT", "wRVU"], [Decimal(44838) if cell == "46300" else cell, "99213", Decimal("1.3")]]
    path = maker.write_xlsx(tmp_path / "mac.xlsx", [("Detail", iter(rows), False)])
    _set_1904(path)
    # 1904-01-01 + 44838 days = 2026-10-05 (the 1900 system would read 46300 for that day)
    assert [r.date for r in employer.read(path)] == [date(2026, 10, 5)]


def _set_1904(path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b"<sheets>", b'<workbookPr date1904="1"/><sheets>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)


# ---------------------------------------------------------------- workbooks: sheets
def _sheet(rows):
    return iter(rows)


def test_a_hidden_first_sheet_is_passed_over(tmp_path):
    hidden = [["Service Date", "CPT", "wRVU"], [date(2026, 1, 2), "99215", 2.8]]  # an old draft, hidden
    visible = [["Productivity, October 2026"], *[[date(2026, 10, 5), "99213", 1.3]][:0],
               ["Service Date", "CPT", "wRVU", "Patient Name"], [date(2026, 10, 5), "99213", 1.3, "TEST PATIENT A"]]
    path = maker.write_xlsx(tmp_path / "hidden.xlsx", [("Draft", _sheet(hidden), True),
                                                       ("October", _sheet(visible), False)])
    report = employer.read(path)
    assert lines(report) == [("2026-10-05", "99213", (), 1, Decimal("1.30"), "")]
    assert report.sheet == "October" and report.sheets_skipped == [("Draft", "hidden")]
    chosen = employer.read(path, sheet="Draft")  # --sheet reads even a hidden one
    assert lines(chosen) == [("2026-01-02", "99215", (), 1, Decimal("2.80"), "")] and chosen.sheets_skipped == []


def test_the_detail_on_the_second_sheet(tmp_path):
    summary = [["Summary"], ["Provider", "Total wRVU"], ["SMITH, JOHN", 3.22]]
    detail = [["Service Date", "CPT Code", "wRVU", "MRN"], [date(2026, 10, 5), "99213", 1.3, "TEST-0001"],
              [date(2026, 10, 6), "99214", 1.92, "TEST-0002"]]
    path = maker.write_xlsx(tmp_path / "two.xlsx", [("Summary", _sheet(summary), False),
                                                    ("Detail", _sheet(detail), False)])
    report = employer.read(path)
    assert len(report) == 2 and report.sheet == "Detail"
    assert report.sheets_skipped == [("Summary", "no header row in its first 20 rows")]


def test_sheet_choices_that_cannot_be_read(tmp_path):
    from rvutool.errors import RvuError, UsageError

    summary = [["Summary"], ["Provider", "Total wRVU"]]
    path = maker.write_xlsx(tmp_path / "summary.xlsx", [("Summary", _sheet(summary), False),
                                                        ("Notes", _sheet([["nothing here"]]), True)])
    with pytest.raises(RvuError) as err:
        employer.read(path)
    assert "no sheet has a header row" in err.value.message and "Summary" in err.value.message
    with pytest.raises(UsageError) as err:
        employer.read(path, sheet="Detail")
    assert "no such sheet" in err.value.message and "Summary, Notes" in err.value.message
    with pytest.raises(UsageError):
        employer.read(text_file(tmp_path / "c.csv", CLINIC), sheet="Detail")


def test_the_cli_names_the_sheet_used_and_those_passed_over(rvutool, tmp_path):
    hidden = [["Service Date", "CPT", "wRVU"], [date(2026, 1, 2), "99215", 2.8]]
    detail = [["Service Date", "CPT", "wRVU"], [date(2026, 10, 5), "99213", 1.3]]
    path = maker.write_xlsx(tmp_path / "book.xlsx", [("Old", _sheet(hidden), True), ("Detail", _sheet(detail), False)])
    out = rvutool("reconcile", str(path))
    assert out.exit_code == 0, out.stderr
    assert "Report: book.xlsx, sheet Detail (skipped: Old, hidden)" in out.stdout
    got = rvutool("reconcile", str(path), "--json").json()
    assert got["sheet"] == "Detail" and got["sheets_skipped"] == [{"sheet": "Old", "why": "hidden"}]
    assert rvutool("reconcile", str(path), "--sheet", "Old", "--json").json()["report_total_wrvu"] == 2.8


def test_identifier_strings_of_a_workbook_are_never_decoded(tmp_path, monkeypatch):
    """Only the used columns' shared strings are asked for: a patient's name is never turned into text."""
    rows = maker.report_rows(maker.services(40))
    path = maker.write_xlsx(tmp_path / "book.xlsx", [("Detail", rows, False)])
    asked: list[set[int]] = []
    real = xlsx.Workbook.strings
    decoded: list[str] = []

    def spy(self, wanted):
        asked.append(set(wanted))
        found = real(self, wanted)
        decoded.extend(found.values())
        return found

    monkeypatch.setattr(xlsx.Workbook, "strings", spy)
    report = employer.read(path)
    assert len(report) == 40
    assert decoded and not [text for text in decoded if text.startswith(("TEST PATIENT", "TEST-"))]
    assert not [text for text in decoded if text in maker.LOCATIONS]  # Location is ignored too


# ---------------------------------------------------------------- the rows that are not services
def test_rows_that_are_not_services_are_counted_by_kind(tmp_path):
    header = ["Service Date", "CPT Code", "Units", "wRVU", "Patient Name", "Billing Provider"]
    rows = [["Physician productivity"], ["Printed 11/01/2026 08:14"], [], header,
            ["10/05/2026", "99213", "1", "1.30", "TEST PATIENT A", "SMITH, JOHN"],
            ["", "", "", "", "", ""],
            ["10/06/2026", "99214", "1", "1.92", "TEST PATIENT B", "SMITH, JOHN"],
            ["", "", "", "3.22", "", "Subtotal SMITH, JOHN"],
            ["Page 1 of 2"],
            header,  # the header again, on the next page
            ["10/07/2026", "99215", "1", "2.80", "TEST PATIENT C", "SMITH, JOHN"],
            ["10/08/2026"],  # a date heading
            ["Grand Total", "", "3", "6.02", "", ""],
            ["", "", "", "6.02", "", ""],  # a figure without a label
            ["Confidential: contains PHI. Report ID 8841"]]
    report = employer.read(text_file(tmp_path / "paged.csv", rows))
    assert [r.code for r in report] == ["99213", "99214", "99215"]
    assert dict(report.skipped) == {"title": 3, "blank": 1, "subtotal": 1, "note": 3, "header": 1, "total": 2}
    assert report.skipped_lines == {"blank": [6], "subtotal": [8], "note": [9, 12, 15], "header": [10],
                                    "total": [13, 14]}


def test_the_skipped_rows_are_reported(rvutool, tmp_path):
    rows = [["Service Date", "CPT", "wRVU"], ["10/05/2026", "99213", "1.30"], [], ["Total", "", "1.30"]]
    out = rvutool("reconcile", str(text_file(tmp_path / "r.csv", rows)))
    assert "Skipped 2 rows that are not services: 1 blank row (line 3); 1 total (line 4)" in out.stdout
    got = rvutool("reconcile", str(text_file(tmp_path / "r.csv", rows)), "--json").json()
    assert got["skipped_rows"] == {"blank": {"rows": 1, "first_lines": [3]}, "total": {"rows": 1, "first_lines": [4]}}


@pytest.mark.parametrize(("row", "words"), [
    (["10/05/2026", "99213", "", "TEST PATIENT A"], None),  # no wRVU: no credit, still a service
    (["", "99213", "1.30", "TEST PATIENT A"], "the Service Date cell is empty"),
    (["10/05/2026", "", "1.30", "TEST PATIENT A"], "the CPT cell is empty"),
    (["TEST PATIENT A", "99213", "1.30", ""], "the Service Date cell (not shown: it may hold patient data) is not a"),
    (["10/05/2026", "TEST PATIENT A", "1.30", ""], "the CPT cell (not shown: it may hold patient data) is not a 5-ch"),
    (["10/05/2026", "99213", "TEST PATIENT A", ""], "the wRVU cell (not shown: it may hold patient data) is not a num"),
    (["10/05/2026", "9921", "1.30", "TEST PATIENT A"], "the CPT cell ('9921') is not a 5-character"),
    (["13/45/2026", "99213", "1.30", "TEST PATIENT A"], "the Service Date cell (not shown"),
])
def test_a_service_that_cannot_be_read_stops_with_one_line(rvutool, tmp_path, row, words):
    path = text_file(tmp_path / "r.csv", [["Service Date", "CPT", "wRVU", "Patient Name"], row])
    out = rvutool("reconcile", str(path))
    if words is None:
        assert out.exit_code == 0, out.stderr
        return
    assert out.exit_code == 1 and out.stderr.count("\n") == 1, out.stderr
    assert f"{path} line 2: {words}" in out.stderr and "nothing was compared" in out.stderr
    assert "TEST" not in out.stderr and "PATIENT" not in out.stderr


def test_a_shifted_row_never_echoes_a_patients_cell(rvutool, tmp_path):
    """The issue's case: a date cell holding "John Smith DOB 3/14/1962"."""
    path = text_file(tmp_path / "r.csv", [["Service Date", "CPT", "wRVU"], ["John Smith DOB 3/14/1962", "99213",
                                                                            "1.30"]])
    out = rvutool("reconcile", str(path))
    assert out.exit_code == 1 and "John" not in out.stderr and "1962" not in out.stderr


# ---------------------------------------------------------------- columns
@pytest.mark.parametrize("header", ["Billing Provider", "Rendering Provider", "Provider Name", "Physician",
                                    "Service Provider", "Rendering Physician Name"])
def test_provider_columns_are_read_not_refused(header):
    assert employer_file.is_provider(header) and not employer_file.is_identifier(header)


@pytest.mark.parametrize("header", ["Patient Name", "Patient Provider ID", "Referring Provider"])
def test_columns_that_are_not_the_credited_provider(header):
    assert not employer_file.is_provider(header)


def test_map_names_the_provider_column(tmp_path):
    rows = [["DOS", "Proc", "Credit", "Doc"], ["2026-10-05", "99213", "1.30", "SMITH, JOHN"]]
    report = employer.read(text_file(tmp_path / "r.csv", rows), employer.parse_map(["code=Proc,wrvu=Credit",
                                                                                    "provider=Doc"]))
    assert report.provider_column == "Doc" and [r.provider for r in report] == ["SMITH, JOHN"]


def test_provider_names_compare_without_case_order_or_credentials():
    key = employer.provider_key
    assert key("SMITH, JOHN") == key("John Smith") == key("Smith, John MD") == key("SMITH JOHN, M.D.")
    assert key("SMITH, JOHN") != key("SMITH, JANE")
