"""Importing other programs' procedure lists: RVU Wallet, generic CSV (comma, semicolon, tab)."""

from __future__ import annotations

import pytest

WALLET = ("Date,Encounter ID,Reference ID,Location,Codes,Total Work RVUs,Total Adjusted Work RVUs\n"
          '01/05/2026,E-1,R-1,Main OR,"19301, 38525-51",16.40,16.40\n'
          "2026-01-06,E-2,R-2,Clinic,99213,1.30,1.30\n")


def write(tmp_path, text: str, name: str = "in.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def logged(rvutool):
    """(date, item, encounter) of every entry, in log order."""
    entries = rvutool("list", "--all", "--json").json()["entries"]
    return [(e["date"], "-".join([e["code"], *e["modifiers"]]) + (f"x{e['units']}" if e["units"] != 1 else ""),
             e["encounter"]) for e in entries]


def test_rvu_wallet_rows_are_encounters(rvutool, tmp_path):
    out = rvutool("import", str(write(tmp_path, WALLET)))
    assert out.exit_code == 0, out.stderr
    assert "RVU Wallet export" in out.stdout or "Imported 3 entries" in out.stdout
    rows = logged(rvutool)
    assert [(d, i) for d, i, _ in rows] == [("2026-01-05", "19301"), ("2026-01-05", "38525-51"),
                                            ("2026-01-06", "99213")]
    assert rows[0][2] == rows[1][2] != rows[2][2]  # one row, one encounter
    assert "columns used: Date, Codes" in out.stderr and "Encounter ID" in out.stderr  # keyed by meaning


def test_generic_headers_are_matched_loosely(rvutool, tmp_path):
    path = write(tmp_path, "\ufeffService_Date,CPT Code,Modifiers,QTY,Notes\n"
                           "2026-01-05,71046,26,,left side\n2026-01-05,97110,,4,\n2026-01-05,49505,80 RT,1,\n")
    assert rvutool("import", str(path)).exit_code == 0
    assert [i for _, i, _ in logged(rvutool)] == ["71046-26", "97110x4", "49505-80-RT"]
    notes = [e["note"] for e in rvutool("list", "--all", "--json").json()["entries"]]
    assert notes == ["left side", None, None]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_the_delimiter_is_sniffed(rvutool, tmp_path, delimiter):
    text = f"date{delimiter}code{delimiter}units\n2026-01-05{delimiter}97110{delimiter}2\n"
    assert rvutool("import", str(write(tmp_path, text))).exit_code == 0
    assert [i for _, i, _ in logged(rvutool)] == ["97110x2"]


def test_generic_encounter_column_groups_rows(rvutool, tmp_path):
    path = write(tmp_path, "date,code,encounter\n2026-01-05,47562,a\n2026-01-05,49505,a\n2026-01-05,99213,b\n")
    out = rvutool("import", str(path))
    assert out.exit_code == 0, out.stderr
    rows = logged(rvutool)
    assert rows[0][2] == rows[1][2] != rows[2][2]
    # priced as one encounter: 47562 10.21 + 49505 7.76 x 50% = 3.88 (RVU26C)
    credited = [e["credited_wrvu"] for e in rvutool("list", "--all", "--json").json()["entries"]]
    assert credited[:2] == [10.21, 3.88]


def test_group_by_date_makes_one_encounter_per_date(rvutool, tmp_path):
    path = write(tmp_path, "date,code\n2026-01-05,47562\n2026-01-05,49505\n2026-01-06,99213\n")
    assert rvutool("import", str(path), "--group-by-date").exit_code == 0
    rows = logged(rvutool)
    assert rows[0][2] == rows[1][2] != rows[2][2]


def test_rows_without_encounter_are_visits_of_their_own(rvutool, tmp_path):
    text = "date,code\n2026-01-05,99213\n2026-01-05,99213\n"
    assert rvutool("import", str(write(tmp_path, text))).exit_code == 0
    rows = logged(rvutool)
    assert len(rows) == 2 and rows[0][2] != rows[1][2]  # two patients, same code, same day: two visits


@pytest.mark.parametrize(("text", "words"), [
    ("date,units\n2026-01-05,1\n", "needs a code column"),
    ("code,units\n99213,1\n", "needs a date column"),
    ("date,code\n2026-01-05,99213\n2026-02-31,99213\n",
     "line 3: the date cell (not shown: it may hold patient data) is not a date"),
    ("date,code\n05.01.2026,99213\n", "line 2: the date cell (not shown: it may hold patient data) is not a date"),
    ("date,code\n2026-01-05,9921\n", "line 2: 9921 is not a code"),
    ("date,code,units\n2026-01-05,99213,two\n", "line 2: units (not shown: it may hold patient data)"),
    ("date,code,units\n2026-01-05,99213,0\n", "line 2: 99213x0: units must be from 1"),
    ("date,code,modifier\n2026-01-05,99213,ZZ\n", "unknown modifier ZZ"),
    ('date,code\n2026-01-05,99213\n"2026-01-06,99214\n', "damaged"),
    ("date,code,note\n2026-01-05\n", "line 2: has 1 of 3 columns"),
    ("", "is empty"),
])
def test_bad_files_name_the_line(rvutool, tmp_path, text, words):
    path = write(tmp_path, text)
    out = rvutool("import", str(path))
    assert out.exit_code == 1
    assert str(path) in out.stderr and words in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_a_file_without_a_header_is_refused_without_showing_its_cells(rvutool, tmp_path):
    path = write(tmp_path, "Jane Roe,1962-03-14,99213\nJohn Doe,1970-01-01,99214\n")
    out = rvutool("import", str(path))
    assert out.exit_code == 1 and "not a header row" in out.stderr
    assert "Roe" not in out.stderr and "1962" not in out.stderr


def test_not_utf8(rvutool, tmp_path):
    path = write(tmp_path, "date,code,note\n2026-01-05,99213,café\n", encoding="latin-1")
    out = rvutool("import", str(path))
    assert out.exit_code == 1 and "line 2: not UTF-8" in out.stderr


def test_skip_bad_imports_the_rest(rvutool, tmp_path):
    path = write(tmp_path, "date,code\n2026-01-05,99213\nsoon,99214\n2026-01-07,ABCDE\n2026-01-08,20610\n")
    out = rvutool("import", str(path), "--skip-bad")
    assert out.exit_code == 0
    assert [i for _, i, _ in logged(rvutool)] == ["99213", "20610"]
    assert "skipped line 3:" in out.stderr and "skipped line 4:" in out.stderr


def test_wallet_codes_with_spaced_modifiers(rvutool, tmp_path):
    path = write(tmp_path, WALLET.replace('"19301, 38525-51"', '"19301; 38525 - 51"'))
    assert rvutool("import", str(path)).exit_code == 0
    assert [i for _, i, _ in logged(rvutool)][:2] == ["19301", "38525-51"]
