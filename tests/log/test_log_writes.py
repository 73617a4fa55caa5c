"""Writes at scale: day totals kept by difference, recalc and undo in batches, inserts journaled as ranges,
checks in proportion to a change, and the SQLite log's column domains (schema version 4).

RVU26C work RVUs: 47562 10.21, 49505 7.76 (3.88 as an encounter's 2nd procedure under Medicare's rule, 7.76
with policy.multiple_procedure = none), 99213 1.30, 99214 1.92; D1553 has no CMS work RVU.
"""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from rvutool import paths
from rvutool.errors import CorruptLogError
from rvutool.log import changes, location, schema
from rvutool.pricing.policy import Policy

# the same tests on a practice's shared log (PostgreSQL), as a clinician: tests/conftest.py
pytestmark = pytest.mark.both_stores

_SQLITE_TOTALS = ("SELECT service_date, code, no_wrvu_reason, category, release, policy, entries, units, "
                  "base_wrvu_c, credited_wrvu_c FROM day_totals ORDER BY 1, 2, 3, 4, 5, 6")
_SQLITE_SUMMED = ("SELECT service_date, code, COALESCE(no_wrvu_reason, ''), category, release, policy, COUNT(*), "
                  "SUM(units), SUM(base_wrvu_c), SUM(credited_wrvu_c) FROM entries WHERE voided = 0 "
                  "GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6")
# The shared log keeps the same key, by provider too.
_PG_TOTALS = ("SELECT provider, service_date, code, no_wrvu_reason, category, release, policy, entries, units, "
              "base_wrvu_c, credited_wrvu_c FROM day_totals ORDER BY 1, 2, 3, 4, 5, 6, 7")
_PG_SUMMED = ("SELECT provider, service_date, code, COALESCE(no_wrvu_reason, ''), category, release, policy, COUNT(*), "
              "SUM(units), SUM(base_wrvu_c), SUM(credited_wrvu_c) FROM entries WHERE voided = 0 "
              "GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7")


def totals_and_entries(the_log) -> tuple[list[tuple], list[tuple]]:
    """The kept day totals, and the same totals worked out afresh by a GROUP BY over the live entries."""
    if the_log.backend == "sqlite":
        return the_log.execute(_SQLITE_TOTALS), the_log.execute(_SQLITE_SUMMED)
    return the_log.execute(_PG_TOTALS), the_log.execute(_PG_SUMMED)


def all_entries(the_log) -> list[tuple]:
    return the_log.execute("SELECT * FROM entries ORDER BY id")


# ---------------------------------------------------------------- totals after every kind of change
def test_day_totals_equal_the_entries_after_every_kind_of_change_and_its_undo(rvutool, the_log, tmp_path):
    def step(*args: str) -> None:
        out = rvutool(*args)
        assert out.exit_code == 0, (args, out.stderr)
        kept, summed = totals_and_entries(the_log)
        assert kept == summed, args
        listed = rvutool("list", "--all", "--json").json()
        shown = rvutool("summary", "--all", "--json").json()
        assert (shown["entries"], shown["total_wrvu"]) == (len(listed["entries"]), listed["total_wrvu"]), args

    step("log", "47562", "49505", "--date", "2026-03-02")  # 10.21 + 3.88 = 14.09
    step("log", "99213", "D1553", "--date", "2026-03-03")
    step("edit", "3", "--units", "2")
    step("edit", "1", "--date", "2026-03-04")  # the whole encounter moves
    step("edit", "3", "--code", "99214")
    step("remove", "2")
    step("undo")  # the removal
    export = tmp_path / "mine.csv"
    step("export", "-o", str(export))
    step("import", str(export), "--allow-duplicates")
    step("undo")  # the import
    step("config", "set", "policy.multiple_procedure", "none")
    step("recalc", "--all", "--yes")  # 49505 back to 7.76, every entry takes the new policy
    step("undo")  # the recalc
    for _ in range(3):
        step("undo")  # the code, the date and the units
    step("undo")  # the second log
    assert rvutool("list", "--all", "--json").json()["total_wrvu"] == 14.09


def test_undo_puts_back_every_value_of_a_recalc_and_of_an_import(rvutool, the_log, tmp_path):
    for day in range(2, 7):
        assert rvutool("log", "47562", "49505", "99213", "--date", f"2026-04-{day:02d}").exit_code == 0
    before = all_entries(the_log)
    rvutool("config", "set", "policy.multiple_procedure", "none")
    out = rvutool("recalc", "--month", "2026-04", "--yes")
    # per encounter 49505 goes from 3.88 to 7.76 (and 99213, a third procedure? no: an E/M is not ranked):
    # 5 encounters x +3.88 = +19.40
    assert "(+19.40 wRVU)" in out.stdout, out.stdout
    assert all_entries(the_log) != before
    assert rvutool("undo").exit_code == 0
    assert all_entries(the_log) == before
    export = tmp_path / "april.csv"
    assert rvutool("export", "-o", str(export)).exit_code == 0
    assert "Imported 15 entries" in rvutool("import", str(export), "--allow-duplicates").stdout
    assert rvutool("undo").exit_code == 0
    assert all_entries(the_log) == before


def test_a_recalc_can_be_limited_to_the_encounters_a_predicate_picks(rvutool, the_log):
    rvutool("log", "47562", "49505", "--date", "2026-04-02")
    rvutool("log", "47562", "49505", "--date", "2026-04-03")
    none = Policy(multiple_procedure="none")
    with location.open_for_writing() as store:
        # a line of the 2nd picks its whole encounter: both lines are priced together
        plan = changes.plan_recalc(store, date(2026, 4, 1), date(2026, 4, 30), "April 2026", none,
                                   only=lambda entry: entry.service_date == "2026-04-03" and entry.code == "49505")
        # 10.21 + 3.88 = 14.09 as saved; 10.21 + 7.76 = 17.97 under the policy
        assert (plan.entries, plan.changed, plan.old_total_c, plan.new_total_c) == (2, 2, 1409, 1797)
        changes.apply_recalc(store, plan)
    credited = the_log.execute("SELECT service_date, code, credited_wrvu_c FROM entries ORDER BY id")
    assert [tuple(r) for r in credited] == [("2026-04-02", "47562", 1021), ("2026-04-02", "49505", 388),
                                            ("2026-04-03", "47562", 1021), ("2026-04-03", "49505", 776)]


# ---------------------------------------------------------------- the report's releases and policies from totals
def test_release_and_policy_counts_equal_a_count_of_the_entries(rvutool, the_log):
    rvutool("log", "47562", "49505", "--date", "2025-11-03")  # CY2025 dates are priced by RVU25D
    rvutool("log", "99213", "--date", "2026-02-02")
    rvutool("log", "99213", "--date", "2026-05-04")
    rvutool("config", "set", "policy.multiple_procedure", "none")
    rvutool("log", "47562", "49505", "--date", "2026-05-05")  # a second policy
    with location.reading() as store:
        releases = store.release_counts(date(2025, 1, 1), date(2026, 12, 31))
        policies = store.policy_counts(date(2025, 1, 1), date(2026, 12, 31))
    assert [tuple(r) for r in releases] == [("RVU25D", 2, "2025-11-03", "2025-11-03"),
                                            ("RVU26C", 4, "2026-02-02", "2026-05-05")]
    counted = the_log.execute("SELECT policy, COUNT(*), MIN(service_date), MAX(service_date) FROM entries "
                              "WHERE voided = 0 GROUP BY policy ORDER BY policy")
    assert sorted(tuple(p) for p in policies) == [tuple(r) for r in counted]
    assert [p.entries for p in sorted(policies)] in ([4, 2], [2, 4])


# ---------------------------------------------------------------- an import journaled, and undone, as a range
def test_an_import_is_journaled_as_one_range_of_ids(rvutool, the_log, tmp_path):
    """60 entries: on the shared log, enough to go in through COPY (pg_store._COPY_FROM)."""
    for day in range(1, 21):
        rvutool("log", "99213", "99214", "93010", "--date", f"2026-06-{day:02d}")
    export = tmp_path / "june.csv"
    rvutool("export", "-o", str(export))
    out = rvutool("import", str(export), "--allow-duplicates")
    assert "Imported 60 entries (#61-#120)" in out.stdout, out.stdout
    change = the_log.execute("SELECT MAX(id) FROM changes")[0][0]
    assert the_log.execute("SELECT first_id, last_id FROM change_ranges WHERE change_id = ?", (change,)) == [(61, 120)]
    assert the_log.execute("SELECT COUNT(*) FROM change_rows WHERE change_id = ?", (change,)) == [(0,)]
    kept, summed = totals_and_entries(the_log)
    assert kept == summed and sum(row[-4] for row in kept) == 120
    assert "Undid the import of 60 entries" in rvutool("undo").stdout
    assert the_log.execute("SELECT COUNT(*), MAX(id) FROM entries") == [(60, 60)]
    kept, summed = totals_and_entries(the_log)
    assert kept == summed and sum(row[-4] for row in kept) == 60


# ---------------------------------------------------------------- SQLite: proportion, domains
def _traced_recalc_of_one_day(other_days: int) -> tuple[set[str], int, int]:
    """Recalc 2026-07-15 in a log that also holds `other_days` other days of the same work: the dates of
    every entries and day_totals row written, the statements run, and SQLite's VM steps."""
    with location.open_for_writing() as store:
        conn = store.conn  # type: ignore[attr-defined]
        conn.execute("CREATE TEMP TABLE touched (day TEXT)")
        for table in ("entries", "day_totals"):
            for event, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
                conn.execute(f"CREATE TEMP TRIGGER IF NOT EXISTS {table}_{event}_{row} AFTER {event} ON main.{table} "
                             f"BEGIN INSERT INTO touched VALUES ({row}.service_date); END")
        statements: list[str] = []
        steps = [0]

        def step() -> int:
            steps[0] += 1
            return 0

        conn.set_trace_callback(statements.append)
        conn.set_progress_handler(step, 1)
        day = date(2026, 7, 15)
        plan = changes.plan_recalc(store, day, day, "2026-07-15", Policy(multiple_procedure="none"))
        changes.apply_recalc(store, plan)
        conn.set_progress_handler(None, 1)
        conn.set_trace_callback(None)
        touched = {r[0] for r in conn.execute("SELECT day FROM touched")}
    assert plan.changed == 9  # 3 encounters of 47562 + 49505 + 99213: each line takes the new policy
    return touched, len(statements), steps[0]


@pytest.mark.sqlite_only
def test_a_recalc_of_one_day_reads_and_writes_only_that_day(rvutool, monkeypatch, tmp_path):
    """The same one-day recalc in a log with 2 other days and in one with 20: it writes rows of that day
    only, and runs the same statements and the same number of SQLite VM steps (reading another day's rows
    would cost steps for each of them)."""
    work = []
    for others in (2, 20):
        monkeypatch.setenv("RVUTOOL_HOME", str(tmp_path / f"others-{others}"))
        for _ in range(3):
            rvutool("log", "47562", "49505", "99213", "--date", "2026-07-15")
        for day in range(others):
            rvutool("log", "47562", "49505", "99213", "--date", date.fromordinal(date(2026, 3, 1).toordinal()
                                                                                  + day).isoformat())
        work.append(_traced_recalc_of_one_day(others))
    (touched_few, statements_few, steps_few), (touched_many, statements_many, steps_many) = work
    assert touched_few == touched_many == {"2026-07-15"}
    assert statements_few == statements_many
    assert steps_few == steps_many


@pytest.mark.sqlite_only
def test_a_big_write_checks_what_it_reads_not_the_whole_file(rvutool, monkeypatch, tmp_path):
    rvutool("log", "99213", "--date", "2026-08-03")
    rvutool("log", "99213", "--date", "2026-09-01")
    with sqlite3.connect(paths.log_file()) as db:  # September's totals out of step with its entries
        db.execute("UPDATE day_totals SET entries = 2 WHERE service_date = '2026-09-01'")
    rvutool("config", "set", "policy.multiple_procedure", "none")
    statements: list[str] = []
    real_connect = sqlite3.connect

    def traced(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(sqlite3, "connect", traced)
    assert rvutool("recalc", "--month", "2026-08", "--yes").exit_code == 0  # August is sound
    assert rvutool("undo").exit_code == 0
    export = tmp_path / "august.csv"
    assert rvutool("export", "--month", "2026-08", "-o", str(export)).exit_code == 0
    assert rvutool("import", str(export), "--allow-duplicates").exit_code == 0
    assert rvutool("undo").exit_code == 0
    whole_file = [s for s in statements if "integrity_check" in s or s.strip() == "PRAGMA quick_check"]
    assert not whole_file and "PRAGMA quick_check(day_totals)" in statements
    refused = rvutool("recalc", "--month", "2026-09", "--yes")
    assert refused.exit_code == 1
    assert "day totals from 2026-09-01 to 2026-09-30 disagree with its entries" in refused.stderr
    with location.open_for_writing() as store, pytest.raises(CorruptLogError), store.transaction() as tx:
        tx.check_period(date(2026, 9, 1), date(2026, 9, 1))


# What rvutool itself may write at the edges of each domain, and values no rvutool writes.
_GOOD = {"code": "0591T", "modifiers": "50-RT-LT", "units": 99, "work_rvu_c": 10_000_000, "service_date": "2999-12-31",
         "flags": '["x"]', "policy": "{}", "setting": "nonfacility", "voided": 1, "release": "RVU26AR",
         "note": "n" * 500, "case_label": "c" * 500}
_BAD = [("code", "992"), ("code", "99213x"), ("code", "9921a"), ("modifiers", "5"), ("modifiers", "50-"),
        ("modifiers", "50--RT"), ("modifiers", "rt"), ("modifiers", "A-BC"), ("units", 0), ("units", 1000),
        ("units", 1.5), ("units", "two"), ("work_rvu_c", -1), ("base_wrvu_c", 100_000_001),
        ("credited_wrvu_c", 9_200_000_000_000_000_000), ("credited_wrvu_c", 2.5),
        ("service_date", "garbage"), ("service_date", "2026-02-30"), ("service_date", "1899-12-31"),
        ("service_date", "2026-2-3"), ("flags", "not json"), ("flags", "{}"), ("adjustments", '"x"'),
        ("policy", "[]"), ("options", "not json"), ("setting", "home"), ("voided", 2), ("release", ""),
        ("release", "rvu26c"), ("release", "RVU26C-BAD"), ("note", "n" * 501), ("case_label", "c" * 501)]


def _insert(db: sqlite3.Connection, **values: object) -> None:
    row = {"encounter_id": 1, "service_date": "2026-03-02", "code": "99213", "units": 1, "release": "RVU26C",
           "category": "em", "work_rvu_c": 130, "base_wrvu_c": 130, "credited_wrvu_c": 130, "source": "cli",
           "created_at": "2026-03-02T10:00:00+00:00", "updated_at": "2026-03-02T10:00:00+00:00", **values}
    db.execute(f"INSERT INTO entries ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))


@pytest.mark.sqlite_only
@pytest.mark.parametrize(("column", "value"), _BAD, ids=[f"{c}={str(v)[:12]}" for c, v in _BAD])
def test_the_database_refuses_a_value_outside_its_column_domain(rvutool, column, value):
    rvutool("log", "99213", "--date", "2026-03-02")
    with sqlite3.connect(paths.log_file()) as db:
        _insert(db, **_GOOD)  # the widest values rvutool writes go in
        with pytest.raises(sqlite3.IntegrityError, match=f"CHECK constraint failed: {column}_domain"):
            _insert(db, **{column: value})
        with pytest.raises(sqlite3.IntegrityError, match=f"CHECK constraint failed: {column}_domain"):
            db.execute(f"UPDATE entries SET {column} = ? WHERE id = 1", (value,))


# ---------------------------------------------------------------- SQLite: version 3 -> 4
def _version_3_log(path) -> None:
    """A log as rvutool wrote it at schema version 3, with an import journaled a row per entry, an edit's
    before-image, a removed entry, a favourite, ids undone at the end, and four rows outside the version 4
    domains (written by hand)."""
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as db:
        for migrate in schema.MIGRATIONS[:3]:
            migrate(db)

        def add(entry_id: int, encounter: int, day: str, code: str, credited: int, **more: object) -> None:
            _insert(db, id=entry_id, encounter_id=encounter, service_date=day, code=code, work_rvu_c=credited,
                    base_wrvu_c=credited, credited_wrvu_c=credited, service_key=f"k{entry_id}",
                    category="em" if code.startswith("99") else "surgery-digestive", **more)

        add(1, 1, "2026-03-02", "47562", 1021)
        add(2, 1, "2026-03-02", "49505", 388, modifiers="51")
        add(3, 2, "2026-03-03", "99213", 130, voided=1)
        add(4, 3, "2026-03-04", "99214", 192, source="import")
        add(5, 3, "2026-03-04", "99213", 130, source="import")
        add(6, 4, "2026-03-05", "99213", 0, units=0)  # outside: units
        add(7, 4, "2026-03-05", "99213", 130, flags="not json")  # outside: flags
        add(8, 5, "2026-02-30", "99213", 130)  # outside: no such date
        add(9, 6, "2026-03-06", "99213", 130, modifiers="A-BC")  # outside: modifiers
        db.execute("UPDATE sqlite_sequence SET seq = 12 WHERE name = 'entries'")  # ids 10-12 were undone
        db.execute("UPDATE meta SET value = '9' WHERE key = 'next_encounter'")
        db.execute("INSERT INTO changes (id, kind, summary, created_at) VALUES (1, 'log', 'log', 'x'), "
                   "(2, 'edit', 'edit of entry #1', 'x'), (3, 'import', 'import of 2 entries', 'x')")
        image = ('{"encounter_id": 1, "service_date": "2026-03-02", "code": "47562", "units": 1, '
                 '"credited_wrvu_c": 1021, "note": null}')
        db.execute("INSERT INTO change_rows VALUES (1, 1, NULL), (1, 2, NULL), (2, 1, ?), (3, 4, NULL), "
                   "(3, 5, NULL)", (image,))
        db.execute("INSERT INTO favourites (name, items, created_at, updated_at) VALUES ('lap', '47562 49505-51', "
                   "'x', 'x')")
        db.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
        db.execute("PRAGMA user_version = 3")


@pytest.mark.sqlite_only
def test_a_version_3_log_migrates_to_4_and_keeps_everything(rvutool):
    path = paths.log_file()
    _version_3_log(path)
    with sqlite3.connect(path) as db:
        indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                                            "AND tbl_name = 'entries' AND sql IS NOT NULL")}
        kept_before = db.execute("SELECT * FROM entries WHERE id <= 5 ORDER BY id").fetchall()
    assert rvutool("list", "--all", "--json").exit_code == 0  # a reading command migrates once
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION  # 4, then 5 (contracts)
        assert db.execute("SELECT * FROM entries ORDER BY id").fetchall() == kept_before  # ids, encounters, values
        assert {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                                         "AND tbl_name = 'entries' AND sql IS NOT NULL")} == indexes
        assert {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")} == {
            "day_totals_insert", "day_totals_update", "day_totals_delete"}
        assert db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'entries'").fetchone() == (12,)
        assert db.execute("SELECT value FROM meta WHERE key = 'next_encounter'").fetchone() == ("9",)
        # the four rows outside a domain, kept with their values
        assert db.execute("SELECT id, units, flags, service_date, modifiers FROM quarantined_entries "
                          "ORDER BY id").fetchall() == [(6, 0, "[]", "2026-03-05", ""), (7, 1, "not json",
                                                        "2026-03-05", ""), (8, 1, "[]", "2026-02-30", ""),
                                                       (9, 1, "[]", "2026-03-06", "A-BC")]
        # live entries 1, 2, 4 and 5: 10.21 + 3.88 + 1.92 + 1.30 = 17.31
        assert db.execute(_SQLITE_TOTALS).fetchall() == db.execute(_SQLITE_SUMMED).fetchall()
        assert db.execute("SELECT SUM(credited_wrvu_c) FROM day_totals").fetchone() == (1731,)
    doctor = rvutool("doctor")
    assert doctor.exit_code == 1 and "4 entries held values outside the log's checks" in doctor.stdout
    assert "quarantined_entries" in doctor.stdout
    assert rvutool("summary", "--month", "2026-03", "--json").json()["total_wrvu"] == 17.31
    # new ids continue after the undone ones; the version-3 import (a journal row per entry) still undoes
    assert rvutool("log", "99213", "--date", "2026-03-09", "--json").json()["lines"][0]["id"] == 13
    rvutool("undo")
    assert "Undid the import of 2 entries" in rvutool("undo").stdout
    assert [e["id"] for e in rvutool("list", "--all", "--json").json()["entries"]] == [1, 2]
    assert [f["name"] for f in rvutool("fav", "list", "--json").json()] == ["lap"]
