"""Writes at scale on a practice's shared log (issue 16, item 6): day totals kept by each statement's differences,
inserts through COPY and journaled as ranges, recalc and undo a batch to a statement, checks in proportion to the
change, and the schema step (version 6) that brings a practice's log there.

RVU26C work RVUs: 47562 10.21, 49505 7.76 (3.88 as an encounter's 2nd procedure under Medicare's rule, 7.76 with
policy.multiple_procedure = none), 99213 1.30, 99214 1.92, 93010 0.17; D1553 has no CMS work RVU.
"""

from __future__ import annotations

from datetime import date

import pytest
from pg_practice import Practice, as_older_rvutool, make_practice

psycopg = pytest.importorskip("psycopg")

TOTALS = ("SELECT provider, service_date, code, no_wrvu_reason, category, release, policy, entries, units, "
          "base_wrvu_c, credited_wrvu_c FROM rvutool.day_totals ORDER BY 1, 2, 3, 4, 5, 6, 7")
SUMMED = ("SELECT provider, service_date, code, COALESCE(no_wrvu_reason, ''), category, release, policy, COUNT(*), "
          "SUM(units), SUM(base_wrvu_c), SUM(credited_wrvu_c) FROM rvutool.entries WHERE voided = 0 "
          "GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7")


def owner_rows(practice: Practice, sql: str, params: tuple = ()) -> list[tuple]:
    with practice.connect("owner") as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else []


def totals_are_the_entries(practice: Practice) -> list[tuple]:
    """The kept totals equal a GROUP BY over the live entries (every provider's); the totals."""
    kept, summed = owner_rows(practice, TOTALS), owner_rows(practice, SUMMED)
    assert kept == summed
    return kept


@pytest.fixture
def practice(shared_log, monkeypatch) -> Practice:
    monkeypatch.setenv("RVUTOOL_LOG_URL", shared_log.url("alice"))
    return shared_log


def as_user(monkeypatch, practice: Practice, who: str) -> None:
    monkeypatch.setenv("RVUTOOL_LOG_URL", practice.url(who))


# ---------------------------------------------------------------- totals: every kind of change, two providers
def test_totals_equal_the_entries_after_every_kind_of_change_by_two_providers(practice, rvutool, monkeypatch,
                                                                               tmp_path):
    def step(who: str, *args: str) -> None:
        as_user(monkeypatch, practice, who)
        out = rvutool(*args)
        assert out.exit_code == 0, (who, args, out.stderr)
        totals_are_the_entries(practice)

    step("alice", "log", "47562", "49505", "--date", "2026-03-02")  # 10.21 + 3.88
    step("bob", "log", "47562", "49505", "--date", "2026-03-02")  # the same key, but bob's
    step("alice", "log", "99213", "D1553", "--date", "2026-03-03")
    step("bob", "edit", "4", "--units", "2")
    step("alice", "edit", "1", "--date", "2026-03-04")  # the whole encounter moves
    step("alice", "edit", "5", "--code", "99214")
    step("bob", "remove", "3")
    step("alice", "remove", "6")
    step("bob", "undo")  # the removal
    for day in range(1, 21):  # 60 more of alice's: an import of them goes through COPY
        step("alice", "log", "99213", "99214", "93010", "--date", f"2026-06-{day:02d}")
    export = tmp_path / "alice.csv"
    step("alice", "export", "-o", str(export))
    step("bob", "import", str(export))
    step("alice", "import", str(export), "--allow-duplicates")
    step("boss", "log", "99213", "--date", "2026-06-01")  # the manager's own
    step("bob", "config", "set", "policy.multiple_procedure", "none")
    step("bob", "recalc", "--all", "--yes")  # every entry of bob's takes the new policy; 49505 back to 7.76
    step("alice", "recalc", "--month", "2026-03", "--yes")
    step("bob", "undo")  # the recalc
    step("bob", "undo")  # the import
    step("alice", "undo")  # the recalc
    step("alice", "undo")  # the import
    kept = totals_are_the_entries(practice)
    alice, bob = practice.users["alice"], practice.users["bob"]
    # alice: 10.21 + 3.88 (moved to 03-04), 99214 (was 99213) and 60 June entries: 20 x (1.30 + 1.92 + 0.17);
    # bob: 49505 at 2 units is bilateral, 7.76 x 2 x 75% = 11.64, ahead of 47562 at 50%, 5.11; D1553 removed
    assert {p: sum(r[-1] for r in kept if r[0] == p) for p in (alice, bob)} == {
        alice: 1021 + 388 + 192 + 20 * (130 + 192 + 17), bob: 1164 + 511}
    assert not [r for r in kept if r[2] == "D1553"]


# ---------------------------------------------------------------- a one-day recalc, whatever the log's size
def _one_day_recalc(practice: Practice) -> tuple[list[str], dict[str, tuple]]:
    """Recalc 2026-07-15 as alice: the statements rvutool sends, and the rows each table read and wrote (this
    transaction's counters). Sequential scans are ruled out for the session, so a statement that had to read
    more than its keys would read through an index, and show in the counts."""
    from rvutool.log import changes, pg_store
    from rvutool.pricing.policy import Policy

    sent: list[str] = []
    url = practice.url("alice") + "&options=-c%20enable_seqscan%3Doff"
    day = date(2026, 7, 15)
    with pg_store.open_store(url) as store:
        with store.conn.transaction(force_rollback=True):  # one transaction, so its counters hold all of it
            with pytest.MonkeyPatch.context() as tracing:
                for method in ("execute", "copy"):
                    real = getattr(psycopg.Cursor, method)

                    def traced(self, query, *args, _real=real, **kwargs):
                        sent.append(str(query))
                        return _real(self, query, *args, **kwargs)

                    tracing.setattr(psycopg.Cursor, method, traced)
                plan = changes.plan_recalc(store, day, day, "2026-07-15", Policy(multiple_procedure="none"))
                changes.apply_recalc(store, plan)
            read = store.conn.execute(
                "SELECT relname, seq_tup_read, idx_tup_fetch, n_tup_ins, n_tup_upd, n_tup_del FROM "
                "pg_catalog.pg_stat_xact_user_tables WHERE schemaname = 'rvutool' AND relname IN ('entries', "
                "'day_totals', 'change_rows', 'changes')").fetchall()
    assert plan.changed == 9  # 3 encounters of 47562 + 49505 + 99213: each line takes the new policy
    # per table: rows read (by any scan), inserted, updated, deleted
    return sent, {name: (seq + idx, *written) for name, seq, idx, *written in read}


def _other_days(practice: Practice, days: int) -> None:
    """alice's encounter of 2026-03-01 logged again on each of `days` days before it (through the store, in bulk)."""
    from rvutool.log import pg_store

    with pg_store.open_store(practice.url("alice")) as store, store.transaction() as tx:
        lines = list(tx.entries(date(2026, 3, 1), date(2026, 3, 1)))
        rows = []
        for number, day in zip(tx.new_encounters(days), range(days), strict=True):
            on = date.fromordinal(date(2026, 2, 28).toordinal() - day).isoformat()
            rows += [dict(vars(line), encounter_id=number, service_date=on, service_key=f"{on}-{line.service_key}")
                     for line in lines]
        tx.insert_many(rows)


def test_a_one_day_recalc_sends_the_same_statements_and_touches_the_same_rows_whatever_the_log(
        pg_server, practice_template, rvutool, monkeypatch):
    from pg_practice import copy_practice

    costs = []
    for other_days in (100, 1000):
        practice = copy_practice(pg_server, practice_template)
        as_user(monkeypatch, practice, "alice")
        for _ in range(3):
            assert rvutool("log", "47562", "49505", "99213", "--date", "2026-07-15").exit_code == 0
        assert rvutool("log", "47562", "49505", "99213", "--date", "2026-03-01").exit_code == 0
        _other_days(practice, other_days)
        owner_rows(practice, "ANALYZE")
        costs.append(_one_day_recalc(practice))
    (few_sent, few_rows), (many_sent, many_rows) = costs
    assert few_sent == many_sent
    assert {t: r[1:] for t, r in few_rows.items()} == {t: r[1:] for t, r in many_rows.items()}
    # 9 entries rewritten; their day's totals: 3 rows (47562, 49505, 99213) moved to the new policy's key (the new
    # rows inserted, the old ones brought to zero, then deleted)
    assert few_rows["entries"][1:] == (0, 9, 0) and few_rows["day_totals"][1:] == (3, 3, 3)
    # what each reads is the day's, at 300 entries as at 3,000 (what a planner picks for so few rows may differ):
    # a few reads of its 9 entries (plan, check, recalc, write) and of its 3 totals rows (check, trigger)
    for rows in (few_rows, many_rows):
        assert rows["entries"][0] <= 5 * 9 and rows["day_totals"][0] <= 5 * 3, rows


# ---------------------------------------------------------------- undo of a big import, by range
def test_undo_of_an_import_deletes_by_range_only_the_users_entries(practice, rvutool, monkeypatch, tmp_path):
    """bob's entries logged while alice's import runs would sit between her ids: the journal's ranges leave them
    out, and undo deletes only hers in any case."""
    rows = ["date,code"] + [f"2026-05-{1 + i % 28:02d},{('99213', '99214', '93010')[i % 3]}" for i in range(3000)]
    big = tmp_path / "big.csv"
    big.write_text("\n".join(rows) + "\n")
    as_user(monkeypatch, practice, "bob")
    assert rvutool("log", "99213", "--date", "2026-05-01").exit_code == 0
    as_user(monkeypatch, practice, "alice")
    out = rvutool("import", str(big))
    assert out.exit_code == 0 and "Imported 3000 entries (#2-#3001)" in out.stdout, out.stdout + out.stderr
    alice = practice.users["alice"]
    assert owner_rows(practice, "SELECT first_id, last_id FROM rvutool.change_ranges WHERE provider = %s",
                      (alice,)) == [(2, 3001)]
    assert owner_rows(practice, "SELECT COUNT(*) FROM rvutool.change_rows") == [(0,)]
    assert owner_rows(practice, "SELECT COUNT(*) FROM rvutool.incoming") == [(0,)]  # nothing left on the way in
    # 1,000 each of 99213, 99214 and 93010: 1000 x (1.30 + 1.92 + 0.17) = 3,390.00
    assert sum(r[-1] for r in totals_are_the_entries(practice) if r[0] == alice) == 339000
    # the range widened (by hand, with psql) over bob's entry: the undo still deletes only alice's
    with practice.connect("alice") as conn:
        conn.execute("UPDATE rvutool.change_ranges SET first_id = 1")
    assert "Undid the import of 3000 entries" in rvutool("undo").stdout
    assert owner_rows(practice, "SELECT provider, code FROM rvutool.entries") == [(practice.users["bob"], "99213")]
    totals_are_the_entries(practice)


def test_a_period_whose_totals_disagree_with_its_entries_is_not_recalculated(practice, rvutool):
    rvutool("log", "99213", "--date", "2026-08-03")
    rvutool("log", "99213", "--date", "2026-09-01")
    owner_rows(practice, "UPDATE rvutool.day_totals SET entries = 2 WHERE service_date = '2026-09-01'")
    rvutool("config", "set", "policy.multiple_procedure", "none")
    assert rvutool("recalc", "--month", "2026-08", "--yes").exit_code == 0  # August is sound
    refused = rvutool("recalc", "--month", "2026-09", "--yes")
    assert refused.exit_code == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert "day totals from 2026-09-01 to 2026-09-30 disagree with your entries" in refused.stderr
    assert rvutool("doctor").exit_code == 1  # doctor checks the whole log


# ---------------------------------------------------------------- version 5 -> 6
def test_a_version_5_log_migrates_to_6_and_keeps_both_providers_work(pg_server, rvutool, monkeypatch, tmp_path):
    from rvutool.log import pg_schema

    with monkeypatch.context() as old:  # rvutool with the contracts' tables, before writes at scale
        as_older_rvutool(old, 5)
        practice = make_practice(pg_server, rvutool, tmp_path, "five")
        as_user(old, practice, "alice")
        assert rvutool("log", "47562", "49505", "--date", "2026-03-02").exit_code == 0
        assert rvutool("log", "99213", "--date", "2026-03-03").exit_code == 0
        assert rvutool("edit", "3", "--code", "99214").exit_code == 0
        export = tmp_path / "alice.csv"
        assert rvutool("export", "-o", str(export)).exit_code == 0
        as_user(old, practice, "bob")
        assert rvutool("import", str(export)).exit_code == 0  # journaled a row per entry
        assert rvutool("log", "99213", "--date", "2026-03-03").exit_code == 0
        assert owner_rows(practice, "SELECT COUNT(*) FROM rvutool.change_rows WHERE before IS NULL") == [(7,)]
        # the old totals: no category or release in their key
        assert "release" not in {r[0] for r in owner_rows(practice, "SELECT column_name FROM "
                                 "information_schema.columns WHERE table_name = 'day_totals'")}
    out = rvutool("db", "init", practice.url("owner"))
    assert out.exit_code == 0 and f"from schema version 5 to {pg_schema.PG_SCHEMA_VERSION}" in out.stdout, out.stderr
    kept = totals_are_the_entries(practice)
    alice, bob = practice.users["alice"], practice.users["bob"]
    # each: 10.21 + 3.88 + 1.92 = 16.01; bob also 1.30
    assert {p: sum(r[-1] for r in kept if r[0] == p) for p in (alice, bob)} == {alice: 1601, bob: 1731}
    assert {r[5] for r in kept} == {"RVU26C"}
    assert owner_rows(practice, "SELECT relrowsecurity FROM pg_class WHERE oid = 'rvutool.change_ranges'::regclass"
                      ) == [(True,)]
    assert owner_rows(practice, "SELECT COUNT(*) FROM pg_proc WHERE proname = 'keep_day_totals'") == [(0,)]
    as_user(monkeypatch, practice, "bob")
    assert rvutool("undo").exit_code == 0  # his log
    assert "Undid the import of 3 entries" in rvutool("undo").stdout  # journaled a row each, before version 6
    assert rvutool("import", str(export)).exit_code == 0  # journaled by range now
    assert owner_rows(practice, "SELECT provider, last_id - first_id + 1 FROM rvutool.change_ranges") == [(bob, 3)]
    kept = totals_are_the_entries(practice)
    assert {p: sum(r[-1] for r in kept if r[0] == p) for p in (alice, bob)} == {alice: 1601, bob: 1601}
    for who in ("alice", "bob", "boss"):
        as_user(monkeypatch, practice, who)
        assert rvutool("doctor").exit_code == 0, who
    summary = rvutool("summary", "--month", "2026-03", "--by", "provider", "--json").json()
    assert summary["total_wrvu"] == 32.02  # 16.01 + 16.01
