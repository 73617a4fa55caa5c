"""Reading other programs' procedure lists: RVU Wallet, generic CSV and rvutool's own export."""

from __future__ import annotations

from datetime import date

import pytest

from rvutool import csvformats
from rvutool.errors import ImportFileError
from rvutool.items import Item

WALLET = ("Date,Encounter ID,Reference ID,Location,Codes,Total Work RVUs,Total Adjusted Work RVUs\n"
          '01/05/2026,E-1,R-1,Main OR,"19301, 38525-51",16.40,16.40\n'
          "2026-01-06,E-2,R-2,Clinic,99213,1.30,1.30\n")


def write(tmp_path, text: str, name: str = "in.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_rvu_wallet_rows_are_encounters(tmp_path):
    path = write(tmp_path, WALLET)
    assert csvformats.detect_layout(path) == "rvuwallet"
    first, second = csvformats.read_records(path)
    assert (first.line, first.date, first.source_key) == (2, date(2026, 1, 5), "rvuwallet:E-1")
    assert first.items == [Item("19301"), Item("38525", ("51",))]
    assert second.items == [Item("99213")] and second.date == date(2026, 1, 6)


def test_generic_headers_are_matched_loosely(tmp_path):
    path = write(tmp_path, "\ufeffService_Date,CPT Code,Modifiers,QTY,Notes\n"
                           "2026-01-05,71046,26,,left side\n2026-01-05,97110,,4,\n2026-01-05,49505,50 RT,1,\n")
    assert csvformats.detect_layout(path) == "generic"
    records = csvformats.read_records(path)
    assert [r.items for r in records] == [[Item("71046", ("26",))], [Item("97110", (), 4)],
                                          [Item("49505", ("50", "RT"))]]
    assert records[0].note == "left side" and records[1].note is None


def test_generic_encounter_column_groups_rows(tmp_path):
    path = write(tmp_path, "date,code,encounter\n2026-01-05,47562,a\n2026-01-05,49505,a\n2026-01-05,99213,b\n")
    records = csvformats.read_records(path)
    assert [[i.code for i in r.items] for r in records] == [["47562", "49505"], ["99213"]]


def test_keys_are_stable_and_repeated_rows_stay_distinct(tmp_path):
    text = "date,code\n2026-01-05,99213\n2026-01-05,99213\n"
    keys = [r.source_key for r in csvformats.read_records(write(tmp_path, text))]
    assert len(set(keys)) == 2  # two patients, same code, same day: two procedures
    assert keys == [r.source_key for r in csvformats.read_records(write(tmp_path, text, "again.csv"))]


def test_own_export_is_recognised(rvutool, tmp_path):
    rvutool("log", "99213", "71046-26", "--date", "2026-01-05", "--note", "knee")
    out = tmp_path / "export.csv"
    assert rvutool("export", "--all", "--format", "csv", "--output", str(out)).exit_code == 0
    assert csvformats.detect_layout(out) == "rvutool"
    records = csvformats.read_records(out)
    assert [r.items for r in records] == [[Item("99213")], [Item("71046", ("26",))]]
    assert records[0].note == "knee" and all(r.source_key for r in records)


@pytest.mark.parametrize(("text", "words"), [
    ("date,units\n2026-01-05,1\n", "needs a code column"),
    ("code,units\n99213,1\n", "needs a date column"),
    ("date,code\n2026-01-05,99213\n2026-02-31,99213\n", "line 3: '2026-02-31' is not a date"),
    ("date,code\n05.01.2026,99213\n", "line 2: '05.01.2026' is not a date"),
    ("date,code\n2026-01-05,9921\n", "line 2: 9921 is not a code"),
    ("date,code,units\n2026-01-05,99213,two\n", "line 2: units 'two'"),
    ("date,code,units\n2026-01-05,99213,0\n", "line 2: 99213x0: units must be from 1"),
    ("date,code,modifier\n2026-01-05,99213,ZZ\n", "unknown modifier ZZ"),
    ('date,code\n2026-01-05,99213\n"2026-01-06,99214\n', "damaged"),
    ("date,code,note\n2026-01-05\n", "line 2: has 1 of 3 columns"),
    ("", "is empty"),
])
def test_bad_files_name_the_line(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(ImportFileError) as err:
        csvformats.read_records(path)
    assert str(path) in err.value.message and words in err.value.message


def test_not_utf8(tmp_path):
    path = write(tmp_path, "date,code,note\n2026-01-05,99213,café\n", encoding="latin-1")
    with pytest.raises(ImportFileError) as err:
        csvformats.read_records(path)
    assert "line 2: not UTF-8" in err.value.message


def test_skip_bad_returns_problems(tmp_path):
    path = write(tmp_path, "date,code\n2026-01-05,99213\nsoon,99214\n2026-01-07,ABCDE\n2026-01-08,20610\n")
    records, problems = csvformats.read_records(path, skip_bad=True)
    assert [r.items[0].code for r in records] == ["99213", "20610"]
    assert [p.line for p in problems] == [3, 4] and str(problems[0]).startswith("line 3:")


def test_import_through_the_cli(rvutool, tmp_path):
    path = write(tmp_path, WALLET)
    out = rvutool("import", str(path))
    assert out.exit_code == 0, out.stderr
    data = rvutool("summary", "--month", "2026-01", "--json").json()
    assert data["entries"] == 3


def test_wallet_codes_with_spaced_modifiers(tmp_path):
    path = write(tmp_path, WALLET.replace('"19301, 38525-51"', '"19301; 38525 - 51"'))
    assert csvformats.read_records(path)[0].items == [Item("19301"), Item("38525", ("51",))]
