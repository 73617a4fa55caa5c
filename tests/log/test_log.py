"""The procedure log as a user drives it: log, list, edit, remove, undo, recalc, export, import.

Every expected number is a real CMS work RVU from data/codes.json (RVU25D for 2025 dates,
RVU26C for 2026 dates), with its arithmetic in a comment.
"""

from __future__ import annotations

import json
import sqlite3
import stat
from datetime import timedelta

import pytest

from rvutool import dates, paths
from rvutool.log import export, schema
from rvutool.names import naming

# the same tests on a practice's shared log (PostgreSQL), as a clinician: tests/conftest.py
pytestmark = pytest.mark.both_stores


def log_file():
    return paths.log_file()


def test_log_one_code_prints_the_entry_and_saves_it(rvutool):
    out = rvutool("log", "99213", "--date", "2026-03-02")
    assert out.exit_code == 0, out.stderr
    assert "99213" in out.stdout and "1.30" in out.stdout  # RVU26C 99213 work 1.30 x 1 unit
    assert "Saved encounter 1 (2026-03-02, RVU26C, facility)" in out.stdout
    listed = rvutool("list", "--month", "2026-03", "--json").json()
    assert [e["code"] for e in listed["entries"]] == ["99213"]
    assert listed["total_wrvu"] == 1.30


def test_log_json_has_the_documented_shape(rvutool):
    out = rvutool("log", "99213", "71046-26", "97110x4", "--date", "2026-03-02", "--json")
    assert out.exit_code == 0, out.stderr
    data = out.json()
    # 1.30 (99213) + 0.21 (71046-26 row) + 0.45 x 4 = 1.80 (97110)  = 3.31
    assert data["total_wrvu"] == 3.31
    assert data["base_wrvu"] == 3.31
    assert [(ln["code"], ln["modifiers"], ln["units"]) for ln in data["lines"]] == [
        ("99213", [], 1), ("71046", ["26"], 1), ("97110", [], 4)]
    first = data["lines"][0]
    for key in ("id", "code", "modifiers", "units", "date", "release", "base_wrvu", "credited_wrvu", "flags"):
        assert key in first
    assert {ln["date"] for ln in data["lines"]} == {"2026-03-02"}
    assert {ln["release"] for ln in data["lines"]} == {"RVU26C"}
    assert len({ln["encounter"] for ln in data["lines"]}) == 1  # one call, one encounter


def test_each_entry_keeps_the_release_of_its_date_of_service(rvutool):
    old = rvutool("log", "27447", "--date", "2025-06-01", "--json").json()
    new = rvutool("log", "27447", "--date", "2026-06-01", "--json").json()
    assert old["release"] == "RVU25D" and old["total_wrvu"] == 19.60  # CY2025: 19.60
    assert new["release"] == "RVU26C" and new["total_wrvu"] == 19.11  # CY2026 efficiency adjustment: 19.11
    # The snapshot, not today's data, is what reports read: change nothing and both stay as saved.
    listed = rvutool("list", "--all", "--json").json()["entries"]
    assert [(e["release"], e["credited_wrvu"]) for e in listed] == [("RVU25D", 19.60), ("RVU26C", 19.11)]


def test_component_rows_follow_the_year(rvutool):
    data = rvutool("log", "71046-26", "--date", "2025-06-01", "--json").json()
    assert data["total_wrvu"] == 0.22  # RVU25D 71046-26 row: 0.22 (RVU26C: 0.21)


def test_a_code_without_work_rvu_is_logged_at_zero_with_a_warning(rvutool):
    out = rvutool("log", "D6092", "99213", "--date", "2026-03-02", "--json")
    assert out.exit_code == 0
    data = out.json()
    dental = data["lines"][0]
    assert dental["credited_wrvu"] == 0 and "no-wrvu" in dental["flags"]
    assert dental["no_wrvu_reason"].startswith("dental")
    assert data["total_wrvu"] == 1.30  # 0.00 (D6092) + 1.30 (99213)
    assert "Warning: D6092: no CMS work RVU" in out.stderr


def test_log_applies_and_stores_the_modifier_rules(rvutool):
    data = rvutool("log", "49505-50", "27447-62", "--date", "2026-03-02", "--json").json()
    assert [ln["modifiers"] for ln in data["lines"]] == [["50"], ["62"]]
    # as entered: 7.76 (49505) + 19.11 (27447) = 26.87
    assert data["base_wrvu"] == 26.87
    # 27447 ranks first (facility total 34.71): 19.11 x 1.0 x 0.625 (co-surgeon) = 11.94375 -> 11.94
    # 49505-50 is bilateral first, then second: 7.76 x 1.5 x 0.5 = 5.82
    assert [ln["credited_wrvu"] for ln in data["lines"]] == [5.82, 11.94]
    assert data["total_wrvu"] == 17.76  # 5.82 + 11.94
    rules = [[a["rule"] for a in ln["adjustments"]] for ln in data["lines"]]
    assert rules == [["bilateral", "multiple-procedure"], ["multiple-procedure", "co-surgeon"]]
    explained = rvutool("list", "--month", "2026-03", "--explain")
    assert "co-surgeon" in explained.stdout and "bilateral" in explained.stdout


def test_an_unknown_code_rejects_the_whole_command_and_creates_nothing(rvutool):
    out = rvutool("log", "99213", "99999")
    assert out.exit_code == 1
    assert out.stderr.startswith("Error: unknown code 99999")
    assert not log_file().exists()


def test_a_malformed_item_is_a_usage_error(rvutool):
    out = rvutool("log", "99213", "992-13")
    assert out.exit_code == 2
    assert not log_file().exists()


@pytest.mark.clock
def test_future_dates_are_refused(rvutool):
    tomorrow = (dates.today() + timedelta(days=1)).isoformat()
    out = rvutool("log", "99213", "--date", tomorrow)
    assert out.exit_code == 2 and "future" in out.stderr


@pytest.mark.clock
def test_yesterday_and_today(rvutool):
    got = rvutool("log", "99213", "--date", "yesterday", "--json").json()
    assert got["date"] == (dates.today() - timedelta(days=1)).isoformat()
    assert rvutool("log", "99213", "--json").json()["date"] == dates.today().isoformat()


@pytest.mark.sqlite_only
def test_the_log_is_private(rvutool, home):
    assert rvutool("log", "99213").exit_code == 0
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE(log_file().stat().st_mode) == 0o600


@pytest.mark.sqlite_only
def test_the_database_is_wal_with_a_schema_version(rvutool):
    rvutool("log", "99213")
    with sqlite3.connect(log_file()) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert db.execute("PRAGMA application_id").fetchone()[0] == schema.APPLICATION_ID
        cents = db.execute("SELECT work_rvu_c, base_wrvu_c, credited_wrvu_c FROM entries").fetchone()
    assert cents == (130, 130, 130)  # 1.30 wRVU stored as integer hundredths


def test_reading_commands_create_nothing(rvutool, home):
    for args in (["list"], ["list", "--all", "--json"], ["export"], ["export", "--format", "json"]):
        assert rvutool(*args).exit_code == 0
    assert rvutool("undo").exit_code == 1
    assert rvutool("remove", "1").exit_code == 1
    assert not home.exists()


def test_note_and_case_refuse_identifiers(rvutool):
    out = rvutool("log", "99213", "--note", "MRN 12345678")
    assert out.exit_code == 1 and "--allow-identifiers" in out.stderr
    assert not log_file().exists()
    out = rvutool("log", "99213", "--case", "born 3/4/1960")
    assert out.exit_code == 1
    ok = rvutool("log", "99213", "--note", "order 1234567", "--allow-identifiers", "--json")
    assert ok.exit_code == 0 and ok.json()["lines"][0]["note"] == "order 1234567"


def test_setting_fraction_and_postop_days_are_validated_and_stored(rvutool, the_log):
    assert rvutool("log", "99213", "--fraction", "0").exit_code == 2
    assert rvutool("log", "99213", "--fraction", "1.5").exit_code == 2
    assert rvutool("log", "99213", "--postop-days", "0").exit_code == 2
    assert rvutool("log", "99213", "--postop-days", "91").exit_code == 2
    assert rvutool("log", "99213", "--setting", "home").exit_code == 2
    out = rvutool("log", "27447-55", "--postop-days", "30", "--setting", "nonfacility", "--json")
    assert out.exit_code == 0, out.stderr
    assert out.json()["lines"][0]["setting"] == "nonfacility"
    stored = the_log.execute("SELECT options, policy FROM entries")[0]
    assert json.loads(stored[0]) == {"postop_days": 30}
    assert json.loads(stored[1])["multiple_procedure"] == "medicare"


# ---------------------------------------------------------------- list
def seed(rvutool):
    rvutool("log", "99213", "--date", "2026-02-03", "--note", "clinic")
    rvutool("log", "71046-26", "99214", "--date", "2026-03-04")
    rvutool("log", "27447", "--date", "2025-06-01", "--case", "case 3")


def test_list_filters_by_period_and_code(rvutool):
    seed(rvutool)
    feb = rvutool("list", "--month", "2026-02", "--json").json()["entries"]
    assert [e["code"] for e in feb] == ["99213"]
    year = rvutool("list", "--year", "2026", "--json").json()
    assert [e["code"] for e in year["entries"]] == ["99213", "71046", "99214"]
    # 1.30 (99213) + 0.21 (71046-26) + 1.92 (99214, RVU26C) = 3.43
    assert year["total_wrvu"] == 3.43
    only = rvutool("list", "--all", "--code", "27447", "--json").json()["entries"]
    assert [(e["code"], e["case"]) for e in only] == [("27447", "case 3")]


def test_list_table_and_csv(rvutool):
    seed(rvutool)
    table = rvutool("list", "--all")
    assert table.exit_code == 0
    assert "71046-26" in table.stdout and "clinic" in table.stdout and "4 entries" in table.stdout
    csv_out = rvutool("list", "--all", "--csv").stdout.splitlines()
    assert csv_out[0] == "id,date,code,name,modifiers,units,credited_wrvu,flags,note,case"
    import csv

    [row] = csv.reader([csv_out[1]])
    assert row == ["4", "2025-06-01", "27447", naming.name_of("27447").text, "", "1", "19.60", "", "", "case 3"]


def test_list_explain_shows_how_each_credit_was_reached(rvutool):
    rvutool("log", "97110x4", "--date", "2026-03-04")
    out = rvutool("list", "--all", "--explain")
    assert "base 0.45 x 4 = 1.80" in out.stdout  # 97110: 0.45 x 4 units


# ---------------------------------------------------------------- edit, remove, undo
def test_edit_reprices_the_entry(rvutool):
    seed(rvutool)
    out = rvutool("edit", "1", "--units", "2")
    assert out.exit_code == 0, out.stderr
    entry = rvutool("list", "--all", "--code", "99213", "--json").json()["entries"][0]
    assert entry["units"] == 2 and entry["credited_wrvu"] == 2.60  # 1.30 x 2
    rvutool("edit", "2", "--modifiers", "")
    changed = rvutool("list", "--all", "--code", "71046", "--json").json()["entries"][0]
    assert changed["modifiers"] == [] and changed["credited_wrvu"] == 0.21  # 71046 global row: 0.21 in RVU26C


def test_edit_date_moves_the_line_to_its_own_encounter_and_release(rvutool):
    seed(rvutool)
    before = rvutool("list", "--all", "--json").json()["entries"]
    rvutool("edit", "4", "--date", "2026-01-15")
    entry = rvutool("list", "--all", "--code", "27447", "--json").json()["entries"][0]
    assert (entry["date"], entry["release"], entry["credited_wrvu"]) == ("2026-01-15", "RVU26C", 19.11)
    assert entry["encounter"] not in {e["encounter"] for e in before if e["id"] != 4}


def test_edit_note_and_missing_entries(rvutool):
    seed(rvutool)
    assert rvutool("edit", "1", "--note", "follow-up").exit_code == 0
    assert rvutool("list", "--all", "--code", "99213", "--json").json()["entries"][0]["note"] == "follow-up"
    missing = rvutool("edit", "99", "--units", "2")
    assert missing.exit_code == 1 and "no entry #99" in missing.stderr
    assert rvutool("edit", "1").exit_code == 2  # nothing to change


def test_remove_and_undo(rvutool):
    seed(rvutool)
    out = rvutool("remove", "1", "2")
    assert out.exit_code == 0 and "Removed #1 99213" in out.stdout
    # by date: 27447 (2025), then 99214 (2026)
    assert [e["id"] for e in rvutool("list", "--all", "--json").json()["entries"]] == [4, 3]
    assert rvutool("remove", "1").exit_code == 1  # already removed
    removed = rvutool("list", "--all", "--removed", "--json").json()["entries"]
    assert [e["removed"] for e in removed] == [False, True, True, False]
    undone = rvutool("undo")
    assert undone.exit_code == 0 and "removal of 2 entries" in undone.stdout
    assert len(rvutool("list", "--all", "--json").json()["entries"]) == 4


def test_undo_walks_back_through_every_kind_of_change(rvutool):
    rvutool("log", "99213", "--date", "2026-03-02")
    rvutool("edit", "1", "--units", "3")
    rvutool("remove", "1")
    assert "removal" in rvutool("undo").stdout
    assert rvutool("list", "--all", "--json").json()["entries"][0]["units"] == 3
    assert "edit of entry #1" in rvutool("undo").stdout
    assert rvutool("list", "--all", "--json").json()["entries"][0]["units"] == 1
    assert "log of 1 entry" in rvutool("undo").stdout
    assert rvutool("list", "--all", "--json").json()["entries"] == []
    last = rvutool("undo")
    assert last.exit_code == 1 and last.stderr.startswith("Error: nothing to undo")


def test_undo_after_new_work_goes_back_past_what_was_already_undone(rvutool):
    rvutool("log", "99213", "--date", "2026-03-02")   # change 1
    rvutool("log", "99214", "--date", "2026-03-02")   # change 2
    rvutool("undo")                                    # reverts 2
    rvutool("log", "99215", "--date", "2026-03-02")   # change 3
    rvutool("undo")                                    # reverts 3
    rvutool("undo")                                    # reverts 1
    assert rvutool("list", "--all", "--json").json()["entries"] == []
    assert rvutool("undo").exit_code == 1


# ---------------------------------------------------------------- recalc
def test_recalc_reprices_a_period_and_undo_reverts_it(rvutool, the_log):
    seed(rvutool)
    the_log.execute("UPDATE entries SET credited_wrvu_c = 100, base_wrvu_c = 100, work_rvu_c = 100 WHERE id = 1")
    piped = rvutool("recalc", "--year", "2026")
    assert piped.exit_code == 2 and "--yes" in piped.stderr  # no terminal to ask in
    out = rvutool("recalc", "--year", "2026", "--yes")
    assert out.exit_code == 0, out.stderr
    # saved: 1.00 (tampered) + 0.21 + 1.92 = 3.13; priced again: 1.30 + 0.21 + 1.92 = 3.43
    assert "3.13 wRVU as saved, 3.43 wRVU" in out.stdout and "1 would change" in out.stdout
    assert rvutool("list", "--month", "2026-02", "--json").json()["total_wrvu"] == 1.30
    assert "recalc of 1 entry" in rvutool("undo").stdout
    assert rvutool("list", "--month", "2026-02", "--json").json()["total_wrvu"] == 1.00


def test_recalc_with_nothing_to_change(rvutool):
    seed(rvutool)
    out = rvutool("recalc", "--all", "--yes")
    assert out.exit_code == 0 and "Nothing to change" in out.stdout
    assert "log of 1 entry on 2025-06-01" in rvutool("undo").stdout  # recalc journaled nothing


# ---------------------------------------------------------------- export and import
def strip_ids(records):
    return [{k: v for k, v in r.items() if k not in {"id", "encounter"}} for r in records]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_round_trips_losslessly(rvutool, tmp_path, the_log, fmt):
    seed(rvutool)
    rvutool("log", "D6092", "97110x3", "--date", "2026-03-05", "--setting", "nonfacility")
    first = tmp_path / f"first.{fmt}"
    assert rvutool("export", "--format", fmt, "-o", str(first)).exit_code == 0
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    the_log.fresh()
    out = rvutool("import", str(first))
    assert out.exit_code == 0 and "Imported 6 entries" in out.stdout, out
    second = tmp_path / f"second.{fmt}"
    rvutool("export", "--format", fmt, "-o", str(second))
    if fmt == "json":
        a, b = json.loads(first.read_text())["entries"], json.loads(second.read_text())["entries"]
    else:
        import csv
        a, b = list(csv.DictReader(first.open())), list(csv.DictReader(second.open()))
    assert strip_ids(a) == strip_ids(b)
    # the same encounters group the same lines
    assert len({r["encounter"] for r in a}) == len({r["encounter"] for r in b}) == 4
    again = rvutool("import", str(first))
    assert again.exit_code == 0 and "Nothing to import" in again.stdout and "6 already in the log" in again.stdout
    assert rvutool("import", str(second)).stdout.startswith("Nothing to import")


def test_importing_an_export_into_the_same_log_adds_nothing(rvutool, tmp_path):
    seed(rvutool)
    target = tmp_path / "mine.csv"
    rvutool("export", "-o", str(target))
    out = rvutool("import", str(target))
    assert out.exit_code == 0 and "4 already in the log" in out.stdout
    assert len(rvutool("list", "--all", "--json").json()["entries"]) == 4


def test_export_to_stdout_defaults_to_everything(rvutool):
    seed(rvutool)
    lines = rvutool("export").stdout.splitlines()
    assert lines[0] == ",".join(export.EXPORT_CSV_COLUMNS)
    assert len(lines) == 5
    data = json.loads(rvutool("export", "--format", "json", "--month", "2026-02").stdout)
    assert data["format"] == "rvutool-log/1" and [e["code"] for e in data["entries"]] == ["99213"]


def test_import_dry_run_and_undo(rvutool, tmp_path, the_log):
    seed(rvutool)
    target = tmp_path / "all.json"
    rvutool("export", "--format", "json", "-o", str(target))
    the_log.fresh()
    dry = rvutool("import", str(target), "--dry-run")
    assert dry.exit_code == 0 and "would add 4 entries in 3 encounters" in dry.stdout
    assert rvutool("list", "--all", "--json").json()["entries"] == []
    assert the_log.backend != "sqlite" or not paths.log_file().exists()  # a dry run creates no log file
    rvutool("import", str(target))
    assert "import of 4 entries from all.json" in rvutool("undo").stdout
    assert rvutool("list", "--all", "--json").json()["entries"] == []


@pytest.mark.sqlite_only  # compares the log file's bytes
def test_a_bad_row_aborts_the_import_with_its_line_number(rvutool, tmp_path):
    seed(rvutool)
    target = tmp_path / "edited.csv"
    rvutool("export", "-o", str(target), "--month", "2026-03")
    rows = target.read_text().splitlines()
    rows[2] = rows[2].replace(",99214,", ",9921X,")
    target.write_text("\n".join(rows) + "\n")
    with sqlite3.connect(log_file()) as db:
        db.execute("DELETE FROM entries WHERE service_date LIKE '2026-03%'")
    before = log_file().read_bytes()
    out = rvutool("import", str(target))
    assert out.exit_code == 2 or out.exit_code == 1
    assert "line 3" in out.stderr and "nothing was imported" in out.stderr
    assert log_file().read_bytes() == before
    skip = rvutool("import", str(target), "--skip-bad")
    assert skip.exit_code == 0 and "Imported 1 entry" in skip.stdout and "line 3" in skip.stderr


# ---------------------------------------------------------------- the fast path
def test_log_json_loads_neither_typer_nor_rich():
    import os
    import subprocess
    import sys

    code = ("import sys\nfrom rvutool.cli.main import main\ntry:\n    main(['log', '99213', '--json'])\n"
            "except SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
            "print(sorted(m for m in ('typer', 'rich', 'click') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_typer_path_and_the_fast_path_agree(rvutool, capsys):
    from rvutool.cli import app

    fast = rvutool("log", "99213", "97110x2", "--date", "2026-03-02", "--note", "ward", "--json").json()
    capsys.readouterr()
    assert app.run(["log", "99213", "97110x2", "--date", "2026-03-02", "--note", "ward", "--json"]) == 0
    slow = json.loads(capsys.readouterr().out)
    for data in (fast, slow):
        for line in data["lines"]:
            line.pop("id"), line.pop("encounter")
        data.pop("encounter")
    assert fast == slow


# ---------------------------------------------------------------- other files
def test_import_an_rvu_wallet_export(rvutool, tmp_path):
    wallet = tmp_path / "wallet.csv"
    wallet.write_text("Date,Encounter ID,Reference ID,Location,Codes,Total Work RVUs,Total Adjusted Work RVUs\n"
                      '2026-03-02,E1,R1,Main,"19301, 38525-51",16.15,16.15\n'
                      "2026-03-03,E2,R2,Main,99213,1.30,1.30\n", encoding="utf-8")
    dry = rvutool("import", str(wallet), "--dry-run")
    assert "(RVU Wallet export) would add 3 entries in 2 encounters" in dry.stdout
    assert rvutool("import", str(wallet)).exit_code == 0
    data = rvutool("list", "--all", "--json").json()
    # encounter E1 is priced like `rvutool log 19301 38525-51`: 19301 ranks first (facility total 18.94) at
    # 100% = 9.88; 38525 second at 50%: 6.27 x 0.5 = 3.135 -> 3.14. E2: 99213 1.30. 9.88 + 3.14 + 1.30 = 14.32
    assert data["total_wrvu"] == 14.32
    assert [e["encounter"] for e in data["entries"]][:2] == [1, 1]
    assert "3 already in the log" in rvutool("import", str(wallet)).stdout


def test_import_a_generic_csv_prices_each_row_like_log(rvutool, tmp_path):
    generic = tmp_path / "procedures.csv"
    generic.write_text("DOS,CPT,Modifiers,Qty\n2026-03-02,99213,,1\n2026-03-02,97110,,4\n"
                       "2026-03-04,71046,26,1\n2026-03-05,99999,,1\n", encoding="utf-8")
    bad = rvutool("import", str(generic))
    assert bad.exit_code == 1 and "line 5" in bad.stderr and "99999" in bad.stderr
    assert not paths.log_file().exists()
    ok = rvutool("import", str(generic), "--skip-bad")
    assert ok.exit_code == 0 and "Imported 3 entries" in ok.stdout
    # 1.30 (99213) + 0.45 x 4 = 1.80 (97110) + 0.21 (71046-26) = 3.31
    assert rvutool("list", "--all", "--json").json()["total_wrvu"] == 3.31


def test_an_export_restored_after_undo_is_still_imported_only_once(rvutool, tmp_path):
    rvutool("log", "99213", "--date", "2026-03-02")
    saved = tmp_path / "backup.csv"
    rvutool("export", "-o", str(saved))
    rvutool("undo")  # the entry is gone
    assert "Imported 1 entry" in rvutool("import", str(saved)).stdout
    assert "1 already in the log" in rvutool("import", str(saved)).stdout
    assert len(rvutool("list", "--all", "--json").json()["entries"]) == 1


def test_a_long_list_is_written_in_chunks_with_one_header_and_the_whole_total(rvutool, monkeypatch):
    from rvutool.view import text

    monkeypatch.setattr(text, "LIST_CHUNK", 3)  # as if the period held more than a chunk
    for day in range(1, 8):
        rvutool("log", "99213", "--date", f"2026-03-{day:02d}")
    out = rvutool("list", "--month", "2026-03")
    assert out.exit_code == 0, out.stderr
    lines = out.stdout.splitlines()
    assert sum(line.split()[:2] == ["#", "Date"] for line in lines) == 1
    assert [line.split()[0] for line in lines if "2026-03-" in line] == [str(i) for i in range(1, 8)]
    assert "7 entries, 9.10 wRVU credited." in out.stdout  # 7 x 1.30
    assert len({line.index("2026-03") for line in lines if "2026-03-" in line}) == 1  # one date column
