"""Issue 21.1: `rvutool data import` of CMS's NCCI files. The practitioner PTP edits (.txt, .xlsx, or a zip of the
parts f1..f4) and the MUE table (.csv, .xlsx, zip), each quarter kept apart in one SQLite database beside the
log, and `data status` listing them. Bad or truncated files: one line naming the file and line, nothing
half-imported.

The files are the real ones in ../shared/data/cms/ncci/ (SOURCES.md): the excerpt of ccipra-v322r0-f1.txt (the
header and 154 edits of part 1 of the 2026 Q3 file, its 161st line cut short) and the 2026 Q2 MUE table. The
.xlsx and zip files are made here from them; a file for another quarter is the real excerpt under that
quarter's name.
"""

from __future__ import annotations

import io
import os
import zipfile
from datetime import date

import pytest
from conftest import CMS, cms_file

from rvutool.catalog import ncci, ncci_files

EXCERPT = "ncci/ccipra-v322r0-f1-excerpt.txt"
MUE_Q2 = "ncci/MCR_MUE_PractitionerServices_Eff_04-01-2026.csv"
HEADER_LINES = 6  # the excerpt's header: copyright, title, and four stacked column-name lines


def excerpt_lines() -> list[bytes]:
    """The excerpt's complete lines (CRLF kept): 6 header lines and 154 edits; the cut 161st is left out."""
    raw = cms_file(EXCERPT).read_bytes()
    lines = raw.split(b"\n")
    assert not raw.endswith(b"\n") and len(lines) == 161  # the real file ends in the middle of line 161
    return [line + b"\n" for line in lines[:-1]]


def header() -> bytes:
    return b"".join(excerpt_lines()[:HEADER_LINES])


def edits() -> list[bytes]:
    return excerpt_lines()[HEADER_LINES:]


def write(folder, name: str, payload: bytes):
    path = folder / name
    path.write_bytes(payload)
    return path


def one_error_line(result) -> str:
    lines = result.stderr.splitlines()
    assert result.exit_code == 1, result.stdout
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0]


def database(home):
    return home / "ncci.sqlite3"


def xlsx_of(lines: list[bytes]) -> bytes:
    """A workbook of tab-separated lines, one cell a column: numbers where the cell is one (as Excel keeps
    dates 20190101 and indicators), the rest text."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("PTP")
    for line in lines:
        cells = line.decode("latin-1").rstrip("\r\n").split("\t")
        sheet.append([int(c) if c.isdigit() and len(c) in (1, 8) else c for c in cells])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    return out.getvalue()


# ---------------------------------------------------------------- the real files
def test_the_real_excerpt_is_refused_as_truncated_naming_its_line(rvutool, home):
    result = rvutool("data", "import", str(cms_file(EXCERPT)))
    assert one_error_line(result) == ("Error: ccipra-v322r0-f1-excerpt.txt: line 161 is cut short (the file ends in "
                                      "the middle of it): the file is truncated; download it again")
    assert not database(home).exists() and not list(home.glob(".ncci*import*"))


def test_a_ptp_text_file_is_imported_with_its_quarter_from_the_name(rvutool, home, tmp_path):
    path = write(tmp_path, "ccipra-v322r0-f1.txt", header() + b"".join(edits()))
    result = rvutool("data", "import", str(path))
    assert result.exit_code == 0, result.stderr
    assert "154 rows" in result.stdout and "2026 Q3 part f1: v32.2r0, in force from 2026-07-01" in result.stdout
    store = ncci.Ncci(database(home))
    # real rows: 0001U/81165 effective 2019-01-01, never deleted, modifier indicator 1
    found = {(e.col1, e.col2): e for e in store.edits({"0001U", "81165", "81166"}, date(2026, 8, 1))}
    edit = found[("0001U", "81165")]
    assert (edit.effective, edit.deleted, edit.modifier) == (date(2019, 1, 1), None, "1")
    assert edit.rationale == "Misuse of Column Two code with Column One code"
    assert edit.part.source == "NCCI PTP edits v32.2r0 (2026 Q3)"
    assert oct(os.stat(database(home)).st_mode & 0o777) == "0o600"


def test_edits_keep_their_effective_and_deletion_dates(home, tmp_path):
    path = write(tmp_path, "ccipra-v322r0-f1.txt", header() + b"".join(edits()))
    ncci.import_file(path, database=database(home))
    store = ncci.Ncci(database(home))
    codes = {"0001A", "36591", "90473", "0001U", "81164", "0001M"}
    by_pair = {(e.col1, e.col2): e for e in store.edits(codes, date(2026, 8, 1))}
    # 0001A/36591: effective 20220101, deleted 20231231, indicator 0: in force in 2023, not in 2024
    deleted = by_pair[("0001A", "36591")]
    assert deleted.modifier == "0" and deleted.in_force(date(2023, 12, 31)) and not deleted.in_force(date(2024, 1, 1))
    # 0001A/90473: deleted on the day it took effect, indicator 9 (not applicable)
    assert by_pair[("0001A", "90473")].modifier == "9"
    # 0001U/81164: effective 20190101: not yet in force on 2018-12-31
    assert not by_pair[("0001U", "81164")].in_force(date(2018, 12, 31))
    assert by_pair[("0001U", "81164")].in_force(date(2019, 1, 1))


def test_the_real_mue_table_is_imported(rvutool, home):
    result = rvutool("data", "import", str(cms_file(MUE_Q2)))
    assert result.exit_code == 0, result.stderr
    assert "15,095 rows" in result.stdout and "2026 Q2: 2026-04-01, in force from 2026-04-01" in result.stdout
    mues = ncci.Ncci(database(home)).mues({"99213", "69210", "G0514", "27447", "ZZZZZ"}, date(2026, 5, 1))
    # real values: 99213 2 a day (clinical, 3); 69210 1 a day (policy, 2); G0514 1 a line (1)
    assert {c: (m.value, m.indicator, m.per_day) for c, m in mues.items()} == {
        "99213": (2, "3", True), "69210": (1, "2", True), "G0514": (1, "1", False), "27447": (1, "2", True)}
    assert mues["69210"].rationale == "Anatomic Consideration"


def test_data_status_lists_each_quarter_and_the_dates_it_covers(rvutool, home, tmp_path):
    rvutool("data", "import", str(cms_file(MUE_Q2)))
    rvutool("data", "import", str(write(tmp_path, "ccipra-v321r0-f1.txt", header() + b"".join(edits()))))
    rvutool("data", "import", str(write(tmp_path, "ccipra-v322r0-f1.txt", header() + b"".join(edits()))))
    text = rvutool("data", "status").stdout
    assert "NCCI PTP edits v32.1r0 · 2026 Q2 · dates from 2026-04-01 to 2026-06-30 · 154 rows · parts f1" in text
    assert "NCCI PTP edits v32.2r0 · 2026 Q3 · dates from 2026-07-01 onward · 154 rows · parts f1" in text
    assert "NCCI MUE table 2026-04-01 · 2026 Q2 · dates from 2026-04-01 onward · 15,095 rows" in text
    status = rvutool("data", "status", "--json").json()["ncci"]
    assert status["database"] == str(database(home))
    assert [(q["kind"], q["quarter"], q["covers_to"]) for q in status["quarters"]] == [
        ("mue", "2026 Q2", None), ("ptp", "2026 Q2", "2026-06-30"), ("ptp", "2026 Q3", None)]


def test_data_status_without_imports_says_how(rvutool):
    assert "No NCCI files imported" in rvutool("data", "status").stdout
    assert rvutool("data", "status", "--json").json()["ncci"]["quarters"] == []


# ---------------------------------------------------------------- quarters
def test_a_newer_quarter_replaces_an_older_one_only_for_the_dates_it_covers(home, tmp_path):
    rows = edits()
    older = [r for r in rows if not r.startswith(b"0001U\t81165")]  # v32.1 without the 0001U/81165 edit
    ncci.import_file(write(tmp_path, "ccipra-v321r0-f1.txt", header() + b"".join(older)), database=database(home))
    ncci.import_file(write(tmp_path, "ccipra-v322r0-f1.txt", header() + b"".join(rows)), database=database(home))
    store = ncci.Ncci(database(home))
    # 2026-05-01 is checked against v32.1 (2026 Q2), 2026-08-01 against v32.2 (2026 Q3)
    assert [p.version for p in store.chosen("ptp", date(2026, 5, 1))] == ["v32.1r0"]
    assert [p.version for p in store.chosen("ptp", date(2026, 8, 1))] == ["v32.2r0"]
    assert not store.edits({"0001U", "81165"}, date(2026, 5, 1))
    assert store.edits({"0001U", "81165"}, date(2026, 8, 1))
    # a date before every imported quarter: the earliest one, whose edits' own dates decide
    assert [p.version for p in store.chosen("ptp", date(2025, 1, 1))] == ["v32.1r0"]


def test_a_revision_replaces_its_quarter_and_says_so(rvutool, home, tmp_path):
    rvutool("data", "import", str(write(tmp_path, "ccipra-v322r0-f1.txt", header() + b"".join(edits()))))
    again = rvutool("data", "import", str(write(tmp_path, "ccipra-v322r1-f1.txt", header() + b"".join(edits()[:10]))))
    assert again.exit_code == 0 and "(replaces the earlier import of v32.2r0)" in again.stdout
    quarters = ncci.status(ncci.Ncci(database(home)))
    assert [(q.version, q.rows) for q in quarters] == [("v32.2r1", 10)]


def test_parts_of_one_quarter_add_up(home, tmp_path):
    rows = edits()
    ncci.import_file(write(tmp_path, "ccipra-v322r0-f1.txt", header() + b"".join(rows[:100])), database=database(home))
    ncci.import_file(write(tmp_path, "ccipra-v322r0-f2.txt", header() + b"".join(rows[100:])), database=database(home))
    store = ncci.Ncci(database(home))
    assert sorted(p.part for p in store.chosen("ptp", date(2026, 8, 1))) == ["f1", "f2"]
    assert sum(p.rows for p in store.parts) == 154


def test_the_quarter_comes_from_the_header_when_the_name_lacks_it(rvutool, home, tmp_path):
    lines = excerpt_lines()
    titled = [lines[0], b"Column1/Column2 Edits v32.2 r0\t\t\t\t\t\t\r\n", *lines[2:]]
    result = rvutool("data", "import", str(write(tmp_path, "practitioner-edits.txt", b"".join(titled))))
    assert result.exit_code == 0, result.stderr
    assert "2026 Q3: v32.2r0, in force from 2026-07-01" in result.stdout


def test_a_file_whose_quarter_cannot_be_told_is_refused(rvutool, home, tmp_path):
    path = write(tmp_path, "edits.txt", b"".join(excerpt_lines()))
    message = one_error_line(rvutool("data", "import", str(path)))
    assert message == ("Error: edits.txt: cannot tell which quarter's NCCI PTP edits these are: keep the name CMS "
                       "gave the file (such as ccipra-v322r0-f1.txt)")
    assert not database(home).exists()


# ---------------------------------------------------------------- .xlsx and zip
def test_a_ptp_workbook_made_from_the_excerpt_imports_the_same_edits(home, tmp_path):
    text = write(tmp_path, "ccipra-v322r0-f1.txt", header() + b"".join(edits()))
    book = write(tmp_path, "ccipra-v322r0-f1.xlsx", xlsx_of(excerpt_lines()))
    from_text = ncci.import_file(text, database=tmp_path / "text.sqlite3")
    from_book = ncci.Ncci(tmp_path / "book.sqlite3")
    ncci.import_file(book, database=tmp_path / "book.sqlite3")
    assert from_text.rows == sum(p.rows for p in from_book.parts) == 154
    codes = {line.split(b"\t")[1].decode() for line in edits()} | {"0001A", "0001M", "0001T", "0001U"}
    on = date(2026, 8, 1)
    assert sorted(map(repr, ((e.col1, e.col2, e.effective, e.deleted, e.modifier, e.rationale)
                             for e in ncci.Ncci(tmp_path / "text.sqlite3").edits(codes, on)))) == \
        sorted(map(repr, ((e.col1, e.col2, e.effective, e.deleted, e.modifier, e.rationale)
                          for e in from_book.edits(codes, on))))


def test_a_zip_of_the_four_parts_is_imported_as_one_quarter(rvutool, home, tmp_path):
    rows = edits()
    parts = {f"ccipra-v322r0-f{n}.txt": header() + b"".join(rows[(n - 1) * 40:n * 40]) for n in range(1, 5)}
    parts["ccipra-v322r0-f1.xlsx"] = xlsx_of(excerpt_lines()[:HEADER_LINES + 40])  # the .txt beside it is read
    parts["README.pdf"] = b"%PDF-1.4 not read"
    result = rvutool("data", "import", str(write(tmp_path, "ccipra-v322r0.zip", zip_of(parts))))
    assert result.exit_code == 0, result.stderr
    assert "154 rows" in result.stdout
    for n, count in ((1, 40), (2, 40), (3, 40), (4, 34)):
        assert f"2026 Q3 part f{n}: v32.2r0, in force from 2026-07-01, {count} rows" in result.stdout
    quarters = rvutool("data", "status", "--json").json()["ncci"]["quarters"]
    assert [(q["quarter"], q["rows"], [p["part"] for p in q["parts"]]) for q in quarters] == [
        ("2026 Q3", 154, ["f1", "f2", "f3", "f4"])]


def test_mue_workbook_and_zip(home, tmp_path):
    import csv

    import openpyxl

    with open(cms_file(MUE_Q2), newline="", encoding="latin-1") as fh:
        records = list(csv.reader(fh))
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("MUE")
    for record in records[:502]:  # the notice, the header and 500 codes
        sheet.append([int(c) if c.isdigit() and len(c) < 4 else c for c in record])
    out = io.BytesIO()
    book.save(out)
    name = "MCR_MUE_PractitionerServices_Eff_04-01-2026"
    report = ncci.import_file(write(tmp_path, f"{name}.xlsx", out.getvalue()), database=tmp_path / "book.sqlite3")
    assert report.rows == 500
    zipped = write(tmp_path, f"{name}.zip", zip_of({f"{name}.csv": cms_file(MUE_Q2).read_bytes()}))
    assert ncci.import_file(zipped, database=tmp_path / "zip.sqlite3").rows == 15_095


# ---------------------------------------------------------------- bad files: one line, nothing changed
def snapshot(home):
    path = database(home)
    return path.read_bytes() if path.exists() else None


@pytest.fixture
def imported(home, tmp_path):
    ncci.import_file(cms_file(MUE_Q2), database=database(home))
    return snapshot(home)


@pytest.mark.parametrize("name, payload, says", [
    ("ccipra-v322r0-f1.txt", b"29881\t2987\t\t20020101\t*\t1\tStandards\r\n",
     "ccipra-v322r0-f1.txt: line 7: 2987 is not a code (5 letters and digits)"),
    ("ccipra-v322r0-f1.txt", b"29881\t29877\t\t2002-01-01\t*\t1\tStandards\r\n",
     "ccipra-v322r0-f1.txt: line 7: effective date 2002-01-01 is not YYYYMMDD"),
    ("ccipra-v322r0-f1.txt", b"29881\t29877\t\t20020101\t*\t2\tStandards\r\n",
     "ccipra-v322r0-f1.txt: line 7: modifier indicator 2 is not 0, 1 or 9"),
    ("ccipra-v322r0-f1.txt", b"29881\t29877\r\n", "ccipra-v322r0-f1.txt: line 7: expected 7 columns"),
])
def test_a_corrupt_ptp_row_is_named_and_nothing_changes(rvutool, home, tmp_path, imported, name, payload, says):
    result = rvutool("data", "import", str(write(tmp_path, name, header() + payload)))
    assert says in one_error_line(result)
    assert snapshot(home) == imported and not list(home.glob(".ncci*import*"))


def test_a_truncated_mue_table_is_refused_naming_its_last_line(rvutool, home, tmp_path, imported):
    raw = cms_file(MUE_Q2).read_bytes()
    cut = raw[:raw.rindex(b"\n", 0, len(raw) - 1) + 12]  # the last record cut after 11 bytes
    name = "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv"
    message = one_error_line(rvutool("data", "import", str(write(tmp_path, name, cut))))
    assert message == (f"Error: {name}: line 15,104 is cut short (the file ends in the middle of it): the file is "
                       "truncated; download it again")
    assert snapshot(home) == imported


def test_a_corrupt_mue_row_is_named(rvutool, home, tmp_path, imported):
    raw = cms_file(MUE_Q2).read_bytes().replace(b"\n99213,2,3 Date", b"\n99213,two,3 Date", 1)
    name = "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv"
    message = one_error_line(rvutool("data", "import", str(write(tmp_path, name, raw))))
    assert message.startswith(f"Error: {name}: line ") and message.endswith(": MUE value two is not a whole number "
                                                                            "of units")
    assert snapshot(home) == imported


def test_a_damaged_zip_or_workbook_is_one_line(rvutool, home, tmp_path, imported):
    whole = zip_of({"ccipra-v322r0-f1.txt": header() + b"".join(edits())})
    message = one_error_line(rvutool("data", "import", str(write(tmp_path, "ccipra-v322r0.zip", whole[:200]))))
    assert "is not a readable zip file (damaged or truncated?)" in message
    book = xlsx_of(excerpt_lines())
    message = one_error_line(rvutool("data", "import", str(write(tmp_path, "ccipra-v322r0-f1.xlsx",
                                                                 book[:len(book) // 2]))))
    assert "ccipra-v322r0-f1.xlsx is not a readable .xlsx workbook (damaged or truncated?)" in message
    assert snapshot(home) == imported


def test_zip_members_are_capped_before_they_are_unzipped(rvutool, home, tmp_path, imported, monkeypatch):
    monkeypatch.setattr(ncci_files, "MAX_TEXT_BYTES", 1000)
    payload = zip_of({"ccipra-v322r0-f1.txt": header() + b"".join(edits())})  # 12,000 bytes unzipped
    message = one_error_line(rvutool("data", "import", str(write(tmp_path, "ccipra-v322r0.zip", payload))))
    assert "ccipra-v322r0-f1.txt declares" in message and "more than the 1,000-byte limit" in message
    monkeypatch.setattr(ncci_files, "MAX_SHEET_BYTES", 1000)  # an .xlsx is a zip too: its sheet is capped
    book = write(tmp_path, "ccipra-v322r0-f1.xlsx", xlsx_of(excerpt_lines()))
    message = one_error_line(rvutool("data", "import", str(book)))
    assert "ccipra-v322r0-f1.xlsx: xl/" in message and "more than the 1,000-byte limit" in message
    assert snapshot(home) == imported


def test_other_ncci_files_are_refused_by_name(rvutool, tmp_path):
    hospital = write(tmp_path, "ccioph-v322r0-f1.txt", b"".join(excerpt_lines()))
    assert "holds the hospital outpatient PTP edits" in one_error_line(rvutool("data", "import", str(hospital)))
    dme = write(tmp_path, "MCR_MUE_DMESupplierServices_Eff_04-01-2026.csv", cms_file(MUE_Q2).read_bytes())
    assert "is not the practitioner services MUE table" in one_error_line(rvutool("data", "import", str(dme)))


def test_a_pipe_is_refused_by_name(rvutool, tmp_path):
    fifo = tmp_path / "ccipra-v322r0-f1.txt"
    os.mkfifo(fifo)
    message = one_error_line(rvutool("data", "import", str(fifo)))
    assert message.endswith("is not a regular file (a pipe (FIFO)); give the CMS zip or the file inside it")


def test_an_rvu_release_still_goes_to_the_release_importer(rvutool, tmp_path):
    # the NCCI hook looks at names and a few kilobytes only: a PPRRVU CSV is not taken for an NCCI file
    assert ncci_files.recognise(CMS / "PPRRVU2026_Jul_nonQPP.csv") is None
    assert ncci_files.recognise(cms_file(MUE_Q2)) == "mue" and ncci_files.recognise(cms_file(EXCERPT)) == "ptp"
