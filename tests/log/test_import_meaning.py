"""Import recognises a service by what it is (date, code, modifiers, units, setting and its encounter),
never by the raw cells of a file: the same service in another layout is not imported twice, a genuine
second service is, and a removed entry can be restored from a backup export.

RVU26C work RVUs: 99213 1.30, 99214 1.92, 20610 0.77.
"""

from __future__ import annotations

import sqlite3

import pytest

from rvutool import paths

# the same tests on a practice's shared log (PostgreSQL), as a clinician: tests/conftest.py
pytestmark = pytest.mark.both_stores


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def count(rvutool) -> int:
    return len(rvutool("list", "--all", "--json").json()["entries"])


def test_the_same_service_in_four_layouts_is_one_entry(rvutool, tmp_path, the_log):
    layouts = [
        ("plain.csv", "date,code\n2026-05-01,99213\n"),
        ("extra-column.csv", "date,code,\n2026-05-01,99213,\n"),
        ("us-date.csv", "date,code\n5/1/2026,99213\n"),
        ("swapped.csv", "code;date;Patient Name\n99213;2026-05-01;Jane Roe\n"),
    ]
    for name, text in layouts:
        out = rvutool("import", str(write(tmp_path, name, text)))
        assert out.exit_code == 0, out.stderr
    assert count(rvutool) == 1
    assert "Patient Name" in out.stderr and "never read or stored" in out.stderr
    # nothing derived from the ignored column is stored anywhere in the log
    stored = the_log.execute("SELECT * FROM entries")
    assert stored and "Roe" not in repr(stored)
    if the_log.backend != "sqlite":
        return
    raw = paths.log_file().read_bytes()
    with sqlite3.connect(paths.log_file()) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert b"Roe" not in raw and b"Roe" not in paths.log_file().read_bytes()


def test_a_genuine_second_service_on_an_imported_day_is_added(rvutool, tmp_path):
    rvutool("import", str(write(tmp_path, "one.csv", "date,code\n2026-05-01,99213\n")))
    out = rvutool("import", str(write(tmp_path, "two.csv", "date,code\n2026-05-01,99213\n2026-05-01,99213\n")))
    assert out.exit_code == 0 and "1 already in the log" in out.stdout
    assert count(rvutool) == 2  # the file holds two visits, the log had one: one more


def test_thirty_visits_in_one_file_are_thirty_entries(rvutool, tmp_path):
    text = "date,code\n" + "2026-05-01,99213\n" * 30
    assert rvutool("import", str(write(tmp_path, "day.csv", text))).exit_code == 0
    assert count(rvutool) == 30
    assert "30 already in the log" in rvutool("import", str(write(tmp_path, "again.csv", text))).stdout


def test_allow_duplicates_imports_every_row(rvutool, tmp_path):
    path = write(tmp_path, "one.csv", "date,code\n2026-05-01,99213\n")
    rvutool("import", str(path))
    assert rvutool("import", str(path), "--allow-duplicates").exit_code == 0
    assert count(rvutool) == 2


def test_an_rvutool_export_and_a_generic_file_of_the_same_work_match(rvutool, tmp_path):
    rvutool("log", "99214", "20610", "--date", "2026-05-04")
    rvutool("log", "99213", "--date", "2026-05-05")
    backup = tmp_path / "backup.csv"
    assert rvutool("export", "-o", str(backup)).exit_code == 0
    out = rvutool("import", str(backup))
    assert "Nothing to import" in out.stdout and "3 already in the log" in out.stdout
    generic = write(tmp_path, "clinic.csv", "date,code,encounter\n2026-05-04,99214,a\n2026-05-04,20610,a\n"
                                            "2026-05-05,99213,b\n")
    assert "3 already in the log" in rvutool("import", str(generic)).stdout
    assert count(rvutool) == 3


def test_a_removed_entry_is_restored_from_a_backup_only_when_asked(rvutool, tmp_path):
    rvutool("log", "99213", "--date", "2026-05-01")
    backup = tmp_path / "backup.json"
    rvutool("export", "--format", "json", "-o", str(backup))
    rvutool("remove", "1")
    assert "1 already in the log" in rvutool("import", str(backup)).stdout  # removed on purpose: kept removed
    assert count(rvutool) == 0
    out = rvutool("import", str(backup), "--restore")
    assert out.exit_code == 0 and "Imported 1 entry" in out.stdout
    assert rvutool("list", "--all", "--json").json()["total_wrvu"] == 1.30
    assert "1 already in the log" in rvutool("import", str(backup), "--restore").stdout


@pytest.mark.sqlite_only  # a version-1 SQLite file
def test_a_version_1_log_migrates_and_forgets_its_raw_cell_keys(rvutool):
    from rvutool.log import schema

    paths.log_file().parent.mkdir(parents=True)
    with sqlite3.connect(paths.log_file()) as db:
        schema.MIGRATIONS[0](db)
        db.execute("INSERT INTO entries (encounter_id, service_date, code, units, release, category, work_rvu_c, "
                   "base_wrvu_c, credited_wrvu_c, source, import_key, created_at, updated_at) VALUES "
                   "(7, '2026-05-01', '99213', 1, 'RVU26C', 'em', 130, 130, 130, 'import', "
                   "'csv:hash-of-every-cell:1', '2026-05-01', '2026-05-01')")
        db.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
        db.execute("PRAGMA user_version = 1")
    assert count(rvutool) == 1  # a reading command migrates once
    with sqlite3.connect(paths.log_file()) as db:
        columns = [r[1] for r in db.execute("PRAGMA table_info(entries)")]
        assert "import_key" not in columns and "service_key" in columns
        assert db.execute("SELECT value FROM meta WHERE key = 'next_encounter'").fetchone() == ("8",)
    number = rvutool("log", "99214", "--date", "2026-05-02", "--json").json()["encounter"]
    assert number == 8


WALLET_HEADER = "Date,Encounter ID,Reference ID,Location,Codes,Total Work RVUs,Total Adjusted Work RVUs\n"


def test_an_rvu_wallet_row_is_known_by_its_services_not_its_encounter_id(rvutool, tmp_path):
    rvutool("import", str(write(tmp_path, "w1.csv", WALLET_HEADER + '05/01/2026,E-1,R-1,OR,"47562, 49505-51",,\n')))
    # the same encounter id with other work is other work; the same work under another id is the same work
    out = rvutool("import", str(write(tmp_path, "w2.csv", WALLET_HEADER + "05/01/2026,E-1,R-1,Clinic,99213,,\n"
                                      + '05/01/2026,E-77,R-9,OR,"47562, 49505-51",,\n')))
    assert out.exit_code == 0, out.stderr
    assert "2 already in the log" in out.stdout  # 47562 and 49505-51 under E-77
    codes = sorted(e["code"] for e in rvutool("list", "--all", "--json").json()["entries"])
    assert codes == ["47562", "49505", "99213"]
