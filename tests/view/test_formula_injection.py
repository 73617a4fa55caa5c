"""Every CSV rvutool writes is safe to open in a spreadsheet (the OWASP convention: a cell that starts
with = + - @ tab or CR gets a leading '), and importing rvutool's own export restores the text exactly."""

from __future__ import annotations

import csv
import io

import pytest

NOTES = ['=HYPERLINK("http://evil.example/","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
         "'quoted already"]


def cells(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("note", NOTES)
def test_export_and_list_csv_neutralise_formulas_and_import_restores_them(rvutool, tmp_path, monkeypatch, note):
    assert rvutool("log", "99213", "--date", "2026-05-01", "--note", note).exit_code == 0
    out = tmp_path / "x.csv"
    assert rvutool("export", "-o", str(out)).exit_code == 0
    exported = cells(out.read_text(encoding="utf-8"))[0]
    assert exported["note"] == "'" + note  # shown as text by Excel, LibreOffice and Sheets
    listed = cells(rvutool("list", "--all", "--csv").stdout)[0]
    assert listed["note"] == "'" + note
    # the same export imported into a fresh log gives back the note exactly
    monkeypatch.setenv("RVUTOOL_HOME", str(tmp_path / "other-home"))
    assert rvutool("import", str(out)).exit_code == 0
    assert [e["note"] for e in rvutool("list", "--all", "--json").json()["entries"]] == [note]


def test_a_note_that_arrived_through_import_is_neutralised_on_export(rvutool, tmp_path):
    source = tmp_path / "clinic.csv"
    source.write_text('date,code,note\n2026-05-01,99213,"=1+1"\n', encoding="utf-8")
    assert rvutool("import", str(source)).exit_code == 0
    assert cells(rvutool("export").stdout)[0]["note"] == "'=1+1"


def test_plain_numbers_are_left_as_numbers(rvutool):
    from rvutool.spreadsheet import neutralise

    assert neutralise("-3.88") == "-3.88" and neutralise("12") == "12"
    assert neutralise("-3.88 wRVU") == "'-3.88 wRVU" and neutralise("=A1") == "'=A1"
    assert neutralise("\tx") == "'\tx" and neutralise("\rx") == "'\rx"  # (notes are stripped of these anyway)
