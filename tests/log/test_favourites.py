"""Favourites: `rvutool fav add | list | remove`, and `@name` in log and calc (issue 10, point 6)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from rvutool import paths
from rvutool.log import schema


def entries(rvutool):
    return [(e["code"], e["modifiers"], e["units"]) for e in rvutool("list", "--all", "--json").json()["entries"]]


def test_add_list_and_use_a_favourite(rvutool):
    out = rvutool("fav", "add", "tka", "27447")
    assert out.exit_code == 0, out.stderr
    assert "Added favourite tka: 27447" in out.stdout
    assert rvutool("fav", "add", "knee-scope", "29881", "29877-59").exit_code == 0
    listed = rvutool("fav", "list")
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["Favourite", "Item", "Name"]
    assert lines[3].split()[:2] == ["tka", "27447"] and "total knee replacement" in lines[3]
    assert lines[1].split()[:2] == ["knee-scope", "29881"] and lines[2].split()[0] == "29877-59"
    assert lines[3].split()[:2] == ["tka", "27447"]
    assert "2 favourites" in listed.stdout
    assert [(f["name"], f["items"]) for f in rvutool("fav", "list", "--json").json()] == [
        ("knee-scope", ["29881", "29877-59"]), ("tka", ["27447"])]
    assert rvutool("fav", "list", "--json").json()[1]["names"] == ["total knee replacement"]
    out = rvutool("log", "@tka-RT", "@knee-scope", "--date", "2026-03-02")
    assert out.exit_code == 0, out.stderr
    assert entries(rvutool) == [("27447", ["RT"], 1), ("29881", [], 1), ("29877", ["59"], 1)]


def test_modifiers_after_the_name_go_to_every_item_once(rvutool):
    rvutool("fav", "add", "knee-scope", "29881-RT", "29877-59")
    assert rvutool("log", "@knee-scope-RT", "--date", "2026-03-02").exit_code == 0
    assert entries(rvutool) == [("29881", ["RT"], 1), ("29877", ["59", "RT"], 1)]


def test_calc_expands_favourites_and_writes_nothing(rvutool):
    rvutool("fav", "add", "hernia", "49505")
    out = rvutool("calc", "@hernia-50", "--json", "--date", "2026-08-01")
    assert out.exit_code == 0, out.stderr
    assert out.json()["total_wrvu"] == 11.64  # 7.76 x 1.5, as `calc 49505-50`
    assert rvutool("list", "--all", "--json").json()["entries"] == []


def test_a_name_with_a_dash_beats_a_modifier_reading(rvutool):
    rvutool("fav", "add", "scope", "29881")
    rvutool("fav", "add", "scope-lt", "29880")
    assert rvutool("log", "@scope-lt", "@scope-RT", "--date", "2026-03-02").exit_code == 0
    assert entries(rvutool) == [("29880", [], 1), ("29881", ["RT"], 1)]


def test_units_and_units_of_items_are_kept(rvutool):
    rvutool("fav", "add", "pt", "97110x2", "97140")
    assert rvutool("log", "@pt", "--date", "2026-03-02").exit_code == 0
    assert entries(rvutool) == [("97110", [], 2), ("97140", [], 1)]


def test_a_favourite_may_be_made_of_favourites(rvutool):
    rvutool("fav", "add", "tka", "27447")
    rvutool("fav", "add", "visit", "99213-25")
    assert rvutool("fav", "add", "both", "@visit", "@tka-RT").exit_code == 0
    assert rvutool("fav", "list", "--json").json()[0]["items"] == ["99213-25", "27447-RT"]


@pytest.mark.parametrize(("args", "status", "says"), [
    (["fav", "add", "Knee Scope", "29881"], 2, "favourite name 'Knee Scope': use 1 to 32 lower-case letters"),
    (["fav", "add", "x" * 33, "29881"], 2, "favourite name"),
    (["fav", "add", "tka", "2744"], 2, "2744 is not a code: expected 5 characters"),
    (["fav", "add", "tka", "99999"], 1, "unknown code 99999"),
    (["fav", "add", "tka", "27447-ZZ"], 2, "unknown modifier ZZ"),
    (["fav", "add", "tka", "97110x0"], 2, "units must be from 1 to 99"),
    (["fav", "add", "tka"], 2, "Missing argument 'ITEM...'"),
    (["fav", "add", "mrn1234567", "27447"], 1, "looks like it contains a medical record number"),
    (["fav", "add", "tka", "@nope"], 1, "unknown favourite @nope"),
    (["fav", "remove", "nope"], 1, "unknown favourite @nope (you have none yet"),
    (["log", "@nope-RT", "--date", "2026-03-02"], 1, "unknown favourite @nope (you have none yet"),
    (["log", "@", "--date", "2026-03-02"], 2, "'@' needs a favourite's name"),
    (["calc", "@nope"], 1, "unknown favourite @nope"),
])
def test_bad_favourites_are_one_line_and_change_nothing(rvutool, args, status, says):
    out = rvutool(*args)
    assert out.exit_code == status, out.stderr
    assert out.stderr.startswith("Error: ") and out.stderr.count("\n") == 1 and says in out.stderr, out.stderr
    assert out.stdout == ""
    assert not paths.log_file().exists()


def test_an_unknown_favourite_names_the_ones_there_are(rvutool):
    rvutool("fav", "add", "tka", "27447")
    out = rvutool("log", "@tha-RT", "99213", "--date", "2026-03-02")
    assert out.exit_code == 1
    assert out.stderr == "Error: unknown favourite @tha (your favourites: tka)\n"
    assert rvutool("list", "--all", "--json").json()["entries"] == []


def test_names_are_lower_case_and_at_is_optional(rvutool):
    assert rvutool("fav", "add", "@TKA", "27447").exit_code == 0
    assert [f["name"] for f in rvutool("fav", "list", "--json").json()] == ["tka"]
    assert rvutool("log", "@Tka", "--date", "2026-03-02").exit_code == 0


def test_adding_an_existing_name_needs_replace(rvutool):
    rvutool("fav", "add", "tka", "27447")
    out = rvutool("fav", "add", "tka", "27447-RT")
    assert out.exit_code == 1
    assert out.stderr == "Error: favourite tka already exists (27447); add --replace to make it 27447-RT\n"
    same = rvutool("fav", "add", "tka", "27447")
    assert same.exit_code == 0 and "already 27447; nothing changed" in same.stdout
    out = rvutool("fav", "add", "tka", "27447-RT", "--replace")
    assert out.exit_code == 0 and "Replaced favourite tka: 27447-RT" in out.stdout
    assert rvutool("fav", "list", "--json").json()[0]["items"] == ["27447-RT"]


def test_remove_leaves_logged_entries_alone(rvutool):
    rvutool("fav", "add", "tka", "27447")
    rvutool("log", "@tka", "--date", "2026-03-02")
    out = rvutool("fav", "remove", "tka")
    assert out.exit_code == 0 and out.stdout == "Removed favourite tka (27447).\n"
    assert entries(rvutool) == [("27447", [], 1)]
    assert "No favourites yet" in rvutool("fav", "list").stdout


def test_listing_with_no_log_creates_nothing(rvutool):
    out = rvutool("fav", "list")
    assert out.exit_code == 0 and out.stdout.startswith("No favourites yet. Add one: rvutool fav add tka 27447")
    assert rvutool("fav", "list", "--json").json() == []
    assert not paths.log_file().exists()


def test_a_version_2_log_migrates_to_3_with_its_entries(rvutool):
    """A log written before favourites (schema 2) gains the table on first use; its entries stay."""
    paths.log_file().parent.mkdir(parents=True)
    with sqlite3.connect(paths.log_file()) as db:  # a log made by version 1 and migrated to 2
        schema.MIGRATIONS[0](db)
        db.execute("INSERT INTO entries (encounter_id, service_date, code, units, release, category, work_rvu_c, "
                   "base_wrvu_c, credited_wrvu_c, source, created_at, updated_at) VALUES (1, '2026-03-02', "
                   "'99213', 1, 'RVU26C', 'em', 130, 130, 130, 'cli', '2026-03-02', '2026-03-02')")
        schema.MIGRATIONS[1](db)
        db.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
        db.execute("PRAGMA user_version = 2")
    assert schema.FAVOURITES_SINCE == 3
    assert rvutool("fav", "list", "--json").json() == []  # a reading command migrates once
    with sqlite3.connect(paths.log_file()) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert db.execute("SELECT COUNT(*) FROM favourites").fetchone()[0] == 0
    assert rvutool("fav", "add", "tka", "27447").exit_code == 0
    assert entries(rvutool) == [("99213", [], 1)]
    assert rvutool("doctor").exit_code == 0


def test_doctor_finds_a_favourite_no_rvutool_wrote(rvutool):
    rvutool("fav", "add", "tka", "27447")
    with sqlite3.connect(paths.log_file()) as db:
        db.execute("UPDATE favourites SET name = 'Bad Name'")
    out = rvutool("doctor")
    assert out.exit_code == 1 and "1 favourites have a name or items no rvutool writes" in out.stdout


# ---------------------------------------------------------------- with the log: export, import, undo
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_then_import_into_a_fresh_log_round_trips_favourites(rvutool, tmp_path, monkeypatch, fmt):
    rvutool("fav", "add", "knee-scope", "29881", "29877-59x2")
    rvutool("fav", "add", "tka", "27447-RT")
    rvutool("log", "@tka", "--date", "2026-03-02")
    target = tmp_path / f"mine.{fmt}"
    assert rvutool("export", "--format", fmt, "-o", str(target)).exit_code == 0
    monkeypatch.setenv("RVUTOOL_HOME", str(tmp_path / "fresh"))
    out = rvutool("import", str(target))
    assert out.exit_code == 0, out.stderr
    assert "Imported 1 entry (#1-#1) in 1 encounter and 2 favourites (knee-scope, tka) from" in out.stdout
    assert [(f["name"], f["items"]) for f in rvutool("fav", "list", "--json").json()] == [
        ("knee-scope", ["29881", "29877-59x2"]), ("tka", ["27447-RT"])]
    again = rvutool("import", str(target))  # a second time adds nothing
    assert again.exit_code == 0
    assert again.stdout.startswith(f"Nothing to import from mine.{fmt} (1 already in the log; 2 favourites already")
    assert len(rvutool("fav", "list", "--json").json()) == 2


def test_a_csv_export_carries_favourites_in_a_last_column(rvutool, tmp_path):
    rvutool("log", "99213", "--date", "2026-03-02")
    plain = rvutool("export").stdout
    from rvutool.log.export import EXPORT_CSV_COLUMNS

    assert plain.splitlines()[0] == ",".join(EXPORT_CSV_COLUMNS)  # no favourites: as before
    rvutool("fav", "add", "scope", "29881", "29877-59")
    lines = rvutool("export").stdout.splitlines()
    assert lines[0] == ",".join(EXPORT_CSV_COLUMNS) + ",favourite"
    assert lines[1].startswith("1,1,2026-03-02,99213,") and lines[1].endswith(",")
    import csv

    rows = list(csv.DictReader(lines[:1] + lines[2:]))
    assert [(r["code"], r["modifiers"], r["units"], r["favourite"]) for r in rows] == [
        ("29881", "", "1", "scope"), ("29877", "59", "1", "scope")]
    assert all(r["name"] for r in rows)  # the code's name, for people reading the file
    assert {v for r in rows for k, v in r.items() if k not in {"code", "name", "modifiers", "units", "favourite"}} \
        == {""}
    header = json.loads(rvutool("export", "--format", "json").stdout)
    assert header["favourites"] == [{"name": "scope", "items": ["29881", "29877-59"]}]


def test_an_imported_favourite_never_replaces_ones_own(rvutool, tmp_path, monkeypatch):
    rvutool("fav", "add", "tka", "27447-RT")
    target = tmp_path / "theirs.json"
    rvutool("export", "--format", "json", "-o", str(target))
    monkeypatch.setenv("RVUTOOL_HOME", str(tmp_path / "other"))
    rvutool("fav", "add", "tka", "27447")
    out = rvutool("import", str(target))
    assert out.exit_code == 0
    assert out.stdout.startswith("Nothing to import from theirs.json")
    assert out.stderr == ("Warning: favourite tka: kept the log's (27447); the file's (27447-RT) was not imported "
                          "(`rvutool fav add tka ... --replace` changes it)\n")
    assert rvutool("fav", "list", "--json").json()[0]["items"] == ["27447"]


def test_undoing_an_import_removes_the_favourites_it_added_and_only_those(rvutool, tmp_path, monkeypatch):
    rvutool("fav", "add", "tka", "27447")
    rvutool("fav", "add", "scope", "29881")
    target = tmp_path / "mine.csv"
    rvutool("export", "-o", str(target))
    monkeypatch.setenv("RVUTOOL_HOME", str(tmp_path / "other"))
    rvutool("fav", "add", "scope", "29881")  # already here before the import
    out = rvutool("import", str(target))
    assert out.exit_code == 0 and "Imported 1 favourite (tka) from mine.csv" in out.stdout
    undone = rvutool("undo")
    assert undone.exit_code == 0 and "Undid the import of 1 favourite from mine.csv" in undone.stdout
    assert [f["name"] for f in rvutool("fav", "list", "--json").json()] == ["scope"]


def test_a_bad_favourite_in_a_file_stops_the_import(rvutool, tmp_path):
    rvutool("log", "99213", "--date", "2026-03-02")
    rvutool("fav", "add", "tka", "27447")
    text = rvutool("export").stdout.replace(",tka", ",Patient Smith")
    target = tmp_path / "bad.csv"
    target.write_text(text)
    rvutool("undo")  # the log: empty again
    out = rvutool("import", str(target))
    assert out.exit_code == 1 and "line 3 (favourite not shown: it may hold patient data)" in out.stderr
    assert "nothing was imported" in out.stderr and "Smith" not in out.stderr  # a name is never repeated
    assert rvutool("list", "--all", "--json").json()["entries"] == []
    skipped = rvutool("import", str(target), "--skip-bad")
    assert skipped.exit_code == 0 and "1 bad row skipped" in skipped.stdout


@pytest.mark.parametrize(("answer", "status", "items"), [("y", 0, ["27447-RT"]), ("n", 1, ["27447"])])
def test_in_a_terminal_adding_an_existing_name_asks_first(rvutool, answer, status, items):
    import os
    import sys

    pexpect = pytest.importorskip("pexpect")
    rvutool("fav", "add", "tka", "27447")
    child = pexpect.spawn(sys.executable, ["-m", "rvutool", "fav", "add", "tka", "27447-RT"],
                          env={**os.environ, "TERM": "xterm"}, encoding="utf-8", timeout=30)
    child.expect_exact("Favourite tka is 27447. Make it 27447-RT? [y/N] ")
    child.send(answer + "\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == status
    assert rvutool("fav", "list", "--json").json()[0]["items"] == items


def test_a_dry_run_counts_the_favourites_it_would_add(rvutool, tmp_path, monkeypatch):
    rvutool("fav", "add", "tka", "27447")
    target = tmp_path / "mine.json"
    rvutool("export", "--format", "json", "--month", "2026-01", "-o", str(target))  # any period: every favourite
    monkeypatch.setenv("RVUTOOL_HOME", str(tmp_path / "fresh"))
    out = rvutool("import", str(target), "--dry-run")
    assert out.exit_code == 0
    assert "would add 0 entries in 0 encounters, +0.00 wRVU and 1 favourite (tka); nothing was written" in out.stdout
    assert rvutool("fav", "list", "--json").json() == []
