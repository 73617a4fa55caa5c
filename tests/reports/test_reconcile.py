"""`rvutool reconcile`: the log against an employer's productivity report.

Every number is a real CMS work RVU from data/codes.json (RVU26C for 2026 dates; RVU25D where a
reason names the older release), with its arithmetic in a comment. The employer files are written
here, CSV and .xlsx, with invented patient columns whose values must never appear in any output.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rvutool.log.entries import Entry
from rvutool.reports import reconcile as rec
from rvutool.reports.employer import ReportRow, is_identifier

# the same tests on a practice's shared log (PostgreSQL), as a clinician: tests/conftest.py
pytestmark = pytest.mark.both_stores

SECRETS = ("Jane Roe", "John Doe", "Ann Poe", "Bo Loe", "Cy Xoe", "A100", "A101", "A102", "A103", "A104",
           "1961-04-02")
HEADER = ["Service Date", "Patient Name", "MRN", "CPT", "Modifier", "Units", "wRVU"]
ROWS = [
    ["10/05/2026", "Jane Roe", "A100", "47562", "", "1", "10.21"],
    ["10/05/2026", "Jane Roe", "A100", "49505", "51", "1", "7.76"],  # no 2nd-procedure reduction
    ["10/07/2026", "John Doe", "A101", "27447", "", "1", "19.60"],  # RVU25D's value
    ["10/10/2026", "Ann Poe", "A102", "99213", "", "1", "1.30"],  # logged 10/09
    ["10/20/2026", "Bo Loe", "A103", "99215", "25", "1", "2.80"],  # not in the log
    ["11/02/2026", "Cy Xoe", "A104", "99213", "", "1", "1.30"],  # outside October
]


def write_csv(path, header, rows, delimiter=","):
    path.write_text("\n".join(delimiter.join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def write_xlsx(path, header, rows, title=True):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append(["Provider productivity, October 2026"])
    sheet.append(header)
    for row in rows:
        cells = []
        for name, value in zip(header, row, strict=True):
            if name == "Service Date" and value:
                m, d, y = (int(x) for x in value.split("/"))
                cells.append(date(y, m, d))
            elif name in {"CPT", "Units"} and value.isdigit():
                cells.append(int(value))
            elif name == "wRVU" and value:
                cells.append(float(value))
            else:
                cells.append(value or None)
        sheet.append(cells)
    book.save(path)
    return path


def log_october(rvutool):
    for args in (("47562", "49505", "--date", "2026-10-05"),  # 10.21 + 7.76 x 50% = 3.88
                 ("27447", "--date", "2026-10-07"),  # RVU26C 19.11
                 ("99213", "--date", "2026-10-09"),  # 1.30
                 ("99214", "--date", "2026-10-12")):  # 1.92
        out = rvutool("log", *args)
        assert out.exit_code == 0, out.stderr


def counts(**found):
    """Every status's count: those given, 0 for the rest."""
    return {status: found.get(status, 0) for status in rec.STATUSES}


def no_secrets(*texts):
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


@pytest.fixture
def october(rvutool, tmp_path):
    log_october(rvutool)
    return write_csv(tmp_path / "employer.csv", HEADER, ROWS)


def test_each_status_reason_and_total_for_a_month(rvutool, october):
    before = rvutool("list", "--all", "--json").json()
    out = rvutool("reconcile", str(october), "--month", "2026-10", "--json", "--rate", "50")
    assert out.exit_code == 0, out.stderr
    got = out.json()
    assert got["period"]["from"] == "2026-10-01" and got["period"]["to"] == "2026-10-31"
    # log: 10.21 + 3.88 + 19.11 + 1.30 + 1.92 = 36.42
    # report (October only): 10.21 + 7.76 + 19.60 + 1.30 + 2.80 = 41.67
    assert got["log_total_wrvu"] == 36.42
    assert got["report_total_wrvu"] == 41.67
    assert got["difference_wrvu"] == -5.25  # 36.42 - 41.67
    assert got["estimated_dollars"] == -262.50  # -5.25 x $50
    assert got["counts"] == counts(match=1, different=2, date_shifted=1, missing_from_report=1, not_in_log=1)
    assert got["columns"] == {"used": ["Service Date", "CPT", "Modifier", "Units", "wRVU"],
                              "ignored": ["Patient Name", "MRN"]}
    by_code = {ln["code"]: ln for ln in got["lines"]}
    assert by_code["47562"]["status"] == "match" and by_code["47562"]["reason"] is None
    mp = by_code["49505"]
    assert (mp["status"], mp["log_wrvu"], mp["report_wrvu"], mp["difference_wrvu"]) == ("different", 3.88, 7.76, -3.88)
    assert "did not apply the multiple-procedure reduction" in mp["reason"]
    assert mp["modifiers"] == [] and mp["report_modifiers"] == ["51"]  # 51 is informational: no bar to a match
    knee = by_code["27447"]
    assert knee["status"] == "different" and knee["difference_wrvu"] == -0.49  # 19.11 - 19.60
    assert "RVU25D" in knee["reason"] and "19.60" in knee["reason"]
    shifted = by_code["99213"]
    assert (shifted["status"], shifted["date"], shifted["report_date"]) == ("date_shifted", "2026-10-09", "2026-10-10")
    assert by_code["99214"]["status"] == "missing_from_report" and by_code["99214"]["report_wrvu"] is None
    assert by_code["99215"]["status"] == "not_in_log" and by_code["99215"]["date"] is None
    from rvutool.names import naming

    # each line carries rvutool's name of its code; the report's Patient Name column is never read
    assert all(ln["name"] == naming.name_of(ln["code"]).text for ln in got["lines"])
    no_secrets(out.stdout, out.stderr)
    assert rvutool("list", "--all", "--json").json() == before  # the log is never changed


def test_without_a_period_the_reports_own_dates(rvutool, october):
    got = rvutool("reconcile", str(october), "--json").json()
    assert (got["period"]["from"], got["period"]["to"]) == ("2026-10-05", "2026-11-02")
    # the November 99213 row has no log entry within 3 days: not in the log
    assert got["counts"]["not_in_log"] == 2
    assert got["report_total_wrvu"] == 42.97  # 41.67 + 1.30


def test_terminal_table_csv_and_html_never_hold_patient_data(rvutool, october, tmp_path):
    csv_out, html_out = tmp_path / "lines.csv", tmp_path / "dispute.html"
    out = rvutool("reconcile", str(october), "--month", "2026-10", "--csv", str(csv_out), "--html", str(html_out))
    assert out.exit_code == 0, out.stderr
    assert "Log total" in out.stdout and "36.42" in out.stdout and "-5.25" in out.stdout
    assert "ignored (never read or stored): Patient Name, MRN" in out.stdout
    lines = csv_out.read_text().splitlines()
    assert lines[0].startswith("status,date,report_date,code")
    assert len(lines) == 1 + 6
    page = html_out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page and "<script" not in page
    assert "Lines that differ (5)" in page and "All lines (6)" in page and "RVU26C" in page
    assert "Medicare defaults" in page and "-5.25" in page
    no_secrets(out.stdout, out.stderr, csv_out.read_text(), page)


def test_xlsx_with_a_title_row_and_identifier_columns(rvutool, tmp_path):
    log_october(rvutool)
    book = write_xlsx(tmp_path / "october.xlsx", [*HEADER, "Date of Birth"], [[*r, "1961-04-02"] for r in ROWS])
    out = rvutool("reconcile", str(book), "--month", "2026-10", "--json", "--html", str(tmp_path / "d.html"))
    assert out.exit_code == 0, out.stderr
    got = out.json()
    assert got["counts"] == counts(match=1, different=2, date_shifted=1, missing_from_report=1, not_in_log=1)
    assert got["report_total_wrvu"] == 41.67
    assert got["columns"]["ignored"] == ["Patient Name", "MRN", "Date of Birth"]
    no_secrets(out.stdout, out.stderr, (tmp_path / "d.html").read_text())


def test_identifier_cells_are_never_read(monkeypatch, tmp_path):
    """Rows are built from the used columns' positions only: the reader never touches an identifier cell."""
    import csv

    from rvutool.reports import employer, employer_file

    touched = []

    class Spy(list):
        def __getitem__(self, i):
            touched.append(i)
            return super().__getitem__(i)

    class SpyingReader:
        def __init__(self, lines, **kwargs):
            self.real = csv.reader(lines, **kwargs)

        def __iter__(self):
            return self

        def __next__(self):
            cells = next(self.real)
            return cells if cells and cells[0] == "Service Date" else Spy(cells)

        @property
        def line_num(self):
            return self.real.line_num

    class SpyingCsv:
        Error = csv.Error
        reader = SpyingReader

    monkeypatch.setattr(employer_file, "csv", SpyingCsv)
    report = employer.read(write_csv(tmp_path / "x.csv", HEADER, ROWS))
    assert len(report) == 6
    assert touched and not {1, 2} & set(touched)  # Patient Name and MRN


@pytest.mark.parametrize("header", ["Patient Name", "MRN", "Account #", "DOB", "Member ID", "SSN", "Pt Name",
                                    "Date of Birth", "patient_account"])
def test_identifier_headers(header):
    assert is_identifier(header)


@pytest.mark.parametrize("header", ["Service Date", "CPT", "wRVU", "Units", "Modifier 1", "Work RVU"])
def test_ordinary_headers(header):
    assert not is_identifier(header)


def test_map_semicolons_and_modifier_columns(rvutool, tmp_path):
    assert rvutool("log", "71046-26", "20610-RT", "--date", "2026-10-06").exit_code == 0
    # 71046-26: 0.21; 20610-RT alone: 0.77 (RT is informational)
    path = write_csv(tmp_path / "odd.csv", ["DOS", "Proc", "Mod1", "Mod2", "Qty", "Credit"],
                     [["2026-10-06", "71046", "26", "", "1", "0.21"],
                      ["2026-10-06", "20610", "RT", "XS", "1", "0.77"]], delimiter=";")
    out = rvutool("reconcile", str(path), "--map", "code=Proc,wrvu=Credit", "--json")
    assert out.exit_code == 0, out.stderr
    got = out.json()
    assert got["counts"]["match"] == 2
    assert got["columns"]["used"] == ["DOS", "Proc", "Mod1", "Mod2", "Qty", "Credit"]


def test_exact_matches_win_before_date_and_code(rvutool, tmp_path):
    # one encounter: 20610-50 (bilateral 150%: 0.77 x 1.5 = 1.155 -> 1.16) ranked first,
    # 71046-26 0.21 and 71046 (global row) - use two encounters to keep each credit whole
    assert rvutool("log", "71046", "--date", "2026-10-06").exit_code == 0  # 0.21
    assert rvutool("log", "71046-26", "--date", "2026-10-06").exit_code == 0  # 0.21
    path = write_csv(tmp_path / "r.csv", ["Date", "CPT", "Modifiers", "wRVU"],
                     [["2026-10-06", "71046", "26", "0.21"], ["2026-10-06", "71046", "59", "0.21"]])
    got = rvutool("reconcile", str(path), "--json").json()
    assert got["counts"]["match"] == 2
    pairs = {(tuple(ln["modifiers"]), tuple(ln["report_modifiers"])) for ln in got["lines"]}
    assert pairs == {(("26",), ("26",)), ((), ("59",))}


def test_a_credit_modifier_falls_back_to_date_and_code(rvutool, tmp_path):
    assert rvutool("log", "20610-50", "--date", "2026-10-06").exit_code == 0  # 0.77 x 150% = 1.155 -> 1.16
    path = write_csv(tmp_path / "r.csv", ["Date", "CPT", "wRVU"], [["2026-10-06", "20610", "0.77"]])
    got = rvutool("reconcile", str(path), "--json").json()
    (line,) = got["lines"]
    assert line["status"] == "different" and line["difference_wrvu"] == 0.39  # 1.16 - 0.77
    assert "bilateral" in line["reason"]


@pytest.mark.parametrize(("report", "units", "expected"), [
    ("0.65", "1", "50% multiple-procedure reduction"),  # 99213 1.30 x 0.5 = 0.65: applied by the report only
    ("0.21", "1", "assistant-surgeon 16%"),  # 1.30 x 0.16 = 0.208 -> 0.21
    ("3.90", "3", "counts 3 units"),  # 1.30 x 3 = 3.90
    ("1.00", "1", rec.UNEXPLAINED),
])
def test_reasons_the_log_did_not_apply(rvutool, tmp_path, report, units, expected):
    assert rvutool("log", "99213", "--date", "2026-10-06").exit_code == 0  # 1.30
    path = write_csv(tmp_path / "r.csv", ["Date", "CPT", "Units", "wRVU"], [["2026-10-06", "99213", units, report]])
    (line,) = rvutool("reconcile", str(path), "--json").json()["lines"]
    assert line["status"] == "different"
    assert expected in line["reason"]


def test_units_differing_without_a_units_column(rvutool, tmp_path):
    assert rvutool("log", "97110x2", "--date", "2026-10-06").exit_code == 0  # 0.45 x 2 = 0.90
    path = write_csv(tmp_path / "r.csv", ["Date", "CPT", "wRVU"], [["2026-10-06", "97110", "1.80"]])
    (line,) = rvutool("reconcile", str(path), "--json").json()["lines"]
    assert line["status"] == "different" and "4 units" in line["reason"]  # 1.80 / 0.45 = 4


def test_date_shift_beyond_three_days_does_not_match(rvutool, tmp_path):
    assert rvutool("log", "99213", "--date", "2026-10-01").exit_code == 0
    path = write_csv(tmp_path / "r.csv", ["Date", "CPT", "wRVU"],
                     [["2026-10-05", "99213", "1.30"], ["2026-10-04", "99213", "1.30"]])
    got = rvutool("reconcile", str(path), "--from", "2026-10-01", "--to", "2026-10-31", "--json").json()
    assert got["counts"] == counts(match=0, different=0, date_shifted=1, missing_from_report=0, not_in_log=1)
    shifted = next(ln for ln in got["lines"] if ln["status"] == "date_shifted")
    assert shifted["report_date"] == "2026-10-04"  # 3 days later; 10-05 is 4


def test_errors(rvutool, tmp_path, october):
    assert rvutool("reconcile", str(tmp_path / "absent.csv")).exit_code == 1
    bad_map = rvutool("reconcile", str(october), "--map", "colour=CPT")
    assert bad_map.exit_code == 2 and "roles" in bad_map.stderr
    phi = rvutool("reconcile", str(october), "--map", "code=Patient Name")
    assert phi.exit_code == 2 and "patient identifier" in phi.stderr
    no_wrvu = write_csv(tmp_path / "n.csv", ["Date", "CPT", "Patient Name"], [["2026-10-01", "99213", "Jane Roe"]])
    out = rvutool("reconcile", str(no_wrvu))
    assert out.exit_code == 1 and "wRVU" in out.stderr
    bad_row = write_csv(tmp_path / "b.csv", ["Date", "CPT", "wRVU", "MRN"], [["2026-10-01", "99213", "lots", "A100"]])
    out = rvutool("reconcile", str(bad_row))
    assert out.exit_code == 1 and "line 2" in out.stderr
    for result in (bad_map, phi, out):
        assert len(result.stderr.strip().splitlines()) == 1
        no_secrets(result.stderr)


def test_csv_cells_are_formula_safe_and_html_escaped(rvutool, tmp_path):
    assert rvutool("log", "99213", "--date", "2026-10-06").exit_code == 0
    path = write_csv(tmp_path / "r.csv", ["Date", "CPT", "wRVU", "<b>Comments</b>"],
                     [["2026-10-06", "99213", "1.60", "=HYPERLINK(1)"]])
    out_csv, out_html = tmp_path / "o.csv", tmp_path / "o.html"
    assert rvutool("reconcile", str(path), "--csv", str(out_csv), "--html", str(out_html)).exit_code == 0
    assert "=HYPERLINK" not in out_csv.read_text() + out_html.read_text()
    assert "-0.30" in out_csv.read_text()  # 1.30 - 1.60: a plain number stays a number
    assert "&lt;b&gt;Comments&lt;/b&gt;" in out_html.read_text() and "<b>Comments" not in out_html.read_text()


# ---------------------------------------------------------------- the matching, as a property
def _entry(i, day, code, mods, units, credited):
    return Entry(id=i, encounter_id=i, service_date=day.isoformat(), code=code, modifiers=mods, units=units,
                 release="RVU26C", category="", work_rvu_c=credited, base_wrvu_c=credited, credited_wrvu_c=credited,
                 no_wrvu_reason=None, flags="[]", adjustments="[]", policy="{}", setting="facility", options="{}",
                 note=None, case_label=None, voided=0, source="cli", service_key=str(i), created_at="", updated_at="")


_DAY = st.integers(0, 12).map(lambda n: date(2026, 10, 1) + timedelta(days=n))
_CODE = st.sampled_from(["99213", "99214", "27447", "20610"])
_MODS = st.sampled_from(["", "26", "59", "50", "RT"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_DAY, _CODE, _MODS, st.integers(1, 3), st.integers(0, 500)), max_size=12),
       st.lists(st.tuples(_DAY, _CODE, _MODS, st.integers(1, 3), st.integers(0, 500)), max_size=12))
def test_every_entry_and_row_is_in_exactly_one_line(log_side, report_side):
    entries = [_entry(i + 1, *t) for i, t in enumerate(log_side)]
    rows = [ReportRow(i + 2, d, c, tuple(m for m in [mods] if m), u, Decimal(w) / 100)
            for i, (d, c, mods, u, w) in enumerate(report_side)]
    lines = rec.match(entries, rows)
    assert sorted(ln.entry.id for ln in lines if ln.entry) == [e.id for e in entries]
    assert sorted(ln.row.line for ln in lines if ln.row) == [r.line for r in rows]
    for ln in lines:
        assert ln.status in rec.STATUSES
        if ln.status == "recoded":  # the same day, another code of the same family
            assert ln.entry.date == ln.row.date and ln.entry.code != ln.row.code
            assert rec.family_key(ln.entry.code) == rec.family_key(ln.row.code) is not None
        elif ln.entry and ln.row:
            assert ln.entry.code == ln.row.code and abs((ln.entry.date - ln.row.date).days) <= rec.DATE_SLACK
            if ln.status != "date_shifted":
                assert ln.entry.date == ln.row.date
                assert (ln.status == "match") == (ln.entry.credited_wrvu == ln.row.wrvu)
        else:
            assert ln.status == ("missing_from_report" if ln.entry else "not_in_log")
    from rvutool.periods import Period

    result = rec.Reconciliation(Period(date(2026, 10, 1), date(2026, 10, 31), "Oct"), lines, [], [],
                                rate=Decimal("50"))
    assert result.log_total == sum((e.credited_wrvu for e in entries), Decimal(0))
    assert result.report_total == sum((r.wrvu for r in rows), Decimal(0))
    assert result.difference == result.log_total - result.report_total
    assert sum(result.counts.values()) == len(lines)
    assert json.dumps(result.to_dict(), default=str)


def test_the_smaller_example(rvutool):
    """examples/employer-october-2026.csv, a report without a provider column: every line is the physician's."""
    from conftest import REPO

    log_october(rvutool)
    assert rvutool("log", "20610-RT", "--date", "2026-10-14").exit_code == 0  # 0.77
    out = rvutool("reconcile", str(REPO / "examples" / "employer-october-2026.csv"), "--month", "2026-10",
                  "--rate", "55", "--json")
    assert out.exit_code == 0, out.stderr
    got = out.json()
    # log 36.42 + 0.77 = 37.19; report 10.21 + 7.76 + 19.60 + 1.30 + 0.77 + 2.80 = 42.44 (the Total row skipped)
    assert (got["log_total_wrvu"], got["report_total_wrvu"], got["difference_wrvu"]) == (37.19, 42.44, -5.25)
    assert got["estimated_dollars"] == -288.75  # -5.25 x $55
    assert got["columns"]["ignored"] == ["Patient Name", "MRN", "Account #"]
    assert "Sample Patient" not in out.stdout + out.stderr


# ---------------------------------------------------------------- issue 19: a hospital export, as exported
HOSPITAL_MONTH = [("47562", "49505", "--date", "2026-10-05"),  # 10.21 + 7.76 x 50% = 3.88
                  ("99214", "--date", "2026-10-06"),  # 1.92; the report has 99213 (1.30)
                  ("29881-RT", "--date", "2026-10-07"),  # 6.85; the report credits it to PATEL, ANIL
                  ("99204", "--date", "2026-10-08"),  # 2.60
                  ("20610-RT", "--date", "2026-10-09"),  # 0.77
                  ("99213", "--date", "2026-10-12"),  # 1.30; the report dates it 10-13
                  ("99215", "--date", "2026-10-14")]  # 2.80; not in the report


def hospital(rvutool):
    from conftest import REPO

    for args in HOSPITAL_MONTH:
        out = rvutool("log", *args)
        assert out.exit_code == 0, out.stderr
    return REPO / "examples" / "hospital-productivity-2026-10.csv"


def test_the_hospital_export_as_exported_reconciles_in_one_command(rvutool, tmp_path):
    """The issue's "done when": two title rows, a blank row, Service Date / Post Date / CPT Code / Mod 1 /
    Mod 2 / Units / wRVU / Patient Name / MRN / Billing Provider / Location, a Total row; the colleague's
    line flagged and the owed difference right."""
    export = hospital(rvutool)
    csv_out, html_out = tmp_path / "lines.csv", tmp_path / "dispute.html"
    out = rvutool("reconcile", str(export), "--month", "2026-10", "--rate", "55", "--provider-name", "SMITH, JOHN",
                  "--json", "--csv", str(csv_out), "--html", str(html_out))
    assert out.exit_code == 0, out.stderr
    got = out.json()
    # log: 10.21 + 3.88 + 1.92 + 6.85 + 2.60 + 0.77 + 1.30 + 2.80 = 30.33
    # report, SMITH's lines: 10.21 + 7.76 + 1.30 + 2.60 + 0.77 + 1.30 + 0.70 = 24.64 (PATEL's 6.85 and 1.92 are not his)
    assert (got["log_total_wrvu"], got["report_total_wrvu"], got["difference_wrvu"]) == (30.33, 24.64, 5.69)
    assert got["estimated_dollars"] == 312.95  # 5.69 x $55
    assert got["counts"] == counts(match=3, different=1, recoded=1, date_shifted=1, credited_to_other=1,
                                   missing_from_report=1, not_in_log=1)
    by_code = {ln["code"]: ln for ln in got["lines"]}
    colleague = by_code["29881"]
    assert (colleague["status"], colleague["report_provider"], colleague["difference_wrvu"]) == (
        "credited_to_other", "PATEL, ANIL", 6.85)  # owed in full: the report credits it to someone else
    assert "PATEL, ANIL" in colleague["reason"]
    recoded = by_code["99214"]
    assert (recoded["status"], recoded["report_code"], recoded["difference_wrvu"]) == ("recoded", "99213", 0.62)
    assert recoded["reason"].startswith("downcoded")  # 1.92 - 1.30 = 0.62
    assert got["provider_name"] == "SMITH, JOHN"
    assert got["other_providers"] == [{"provider": "PATEL, ANIL", "rows": 1, "wrvu": 1.92}]  # its 99214, left out
    assert got["skipped_rows"] == {"title": {"rows": 3, "first_lines": []}, "total": {"rows": 1, "first_lines": [14]}}
    assert got["columns"]["used"] == ["Service Date", "CPT Code", "Mod 1", "Mod 2", "Units", "wRVU",
                                      "Billing Provider"]
    assert got["columns"]["ignored"] == ["Post Date", "Patient Name", "MRN", "Location"]
    for text in (out.stdout, out.stderr, csv_out.read_text(), html_out.read_text()):
        assert "TEST PATIENT" not in text and "TEST-000" not in text
    assert "credited to another provider" in html_out.read_text()
    assert "\ncredited_to_other,2026-10-07," in csv_out.read_text() and "PATEL, ANIL" in csv_out.read_text()


def test_the_terminal_view_puts_totals_first_then_differences_by_status(rvutool, monkeypatch):
    export = hospital(rvutool)
    assert rvutool("config", "set", "report.provider", "Smith, John").exit_code == 0  # the name, once
    out = rvutool("reconcile", str(export), "--month", "2026-10")
    assert out.exit_code == 0, out.stderr
    text = out.stdout
    order = [text.index(part) for part in ("Log total", "Report total", "Difference", "Different (1)",
                                           "Recoded (1)", "Date shifted (1)", "Credited to another provider (1)",
                                           "Missing from report (1)", "Not in log (1)", "3 lines match",
                                           "Skipped 4 rows", "Other providers' lines, left out: PATEL, ANIL 1 line",
                                           "Columns used")]
    assert order == sorted(order)
    assert "(credited to SMITH, JOHN)" in text and "\nMatch" not in text  # matches are counted, not listed
    every = rvutool("reconcile", str(export), "--month", "2026-10", "--all").stdout
    assert "Every line" in every and every.count("match  ") >= 3


def test_a_report_crediting_several_providers_must_be_told_which_is_you(rvutool):
    export = hospital(rvutool)
    out = rvutool("reconcile", str(export), "--month", "2026-10")
    assert out.exit_code == 1 and out.stderr.count("\n") == 1
    assert "credits 2 providers (PATEL, ANIL; SMITH, JOHN)" in out.stderr and "--provider-name" in out.stderr
    out = rvutool("reconcile", str(export), "--month", "2026-10", "--provider-name", "JONES, AMY")
    assert out.exit_code == 1 and out.stderr.count("\n") == 1
    assert "no line of the period is credited to JONES, AMY" in out.stderr
    mine = rvutool("reconcile", str(export), "--month", "2026-10", "--provider-name", "John Smith MD", "--json")
    assert mine.exit_code == 0 and mine.json()["difference_wrvu"] == 5.69  # the same person, written otherwise


def test_recoded_pairs_are_the_same_day_and_family(rvutool, tmp_path):
    for args in (("99214", "--date", "2026-10-06"),  # 1.92
                 ("99232", "--date", "2026-10-07"),  # 1.59
                 ("99213", "--date", "2026-10-20"),  # 1.30
                 ("99203", "--date", "2026-10-09")):  # 1.60
        assert rvutool("log", *args).exit_code == 0
    path = write_csv(tmp_path / "r.csv", ["Date", "CPT", "wRVU"],
                     [["2026-10-06", "99213", "1.30"],  # downcoded a level
                      ["2026-10-07", "99233", "2.40"],  # upcoded: subsequent hospital care, one family
                      ["2026-10-20", "20610", "0.77"],  # the same day, another family: not a recode
                      ["2026-10-09", "99213", "1.30"]])  # new patient billed as established: office visits
    got = rvutool("reconcile", str(path), "--json").json()
    lines = {(ln["code"], ln["report_code"]): ln for ln in got["lines"]}
    down = lines[("99214", "99213")]
    assert down["status"] == "recoded" and down["difference_wrvu"] == 0.62  # 1.92 - 1.30
    assert down["reason"] == "downcoded: the report has 99213 (1.30) where the log has 99214 (1.92), 0.62 wRVU less"
    up = lines[("99232", "99233")]
    assert up["status"] == "recoded" and up["difference_wrvu"] == -0.81  # 1.59 - 2.40
    assert up["reason"].startswith("upcoded")
    new = lines[("99203", "99213")]
    assert new["status"] == "recoded" and new["difference_wrvu"] == 0.30  # 1.60 - 1.30
    assert lines[("99213", None)]["status"] == "missing_from_report"
    assert lines[("20610", "20610")]["status"] == "not_in_log"
    assert got["counts"] == counts(recoded=3, missing_from_report=1, not_in_log=1)


@pytest.mark.sqlite_only
def test_by_provider_and_several_names_need_a_shared_log(rvutool, tmp_path):
    export = hospital(rvutool)
    out = rvutool("reconcile", str(export), "--by", "provider")
    assert out.exit_code == 2 and "needs a practice's shared log" in out.stderr
    out = rvutool("reconcile", str(export), "--by", "code")
    assert out.exit_code == 2 and "--by provider" in out.stderr
    out = rvutool("reconcile", str(export), "--provider-name", "A", "--provider-name", "B")
    assert out.exit_code == 2 and "names one provider" in out.stderr
