"""The SQLite log: the one place that speaks SQL to it (schema.py holds its tables).

Reads stream in batches; writes run in `BEGIN IMMEDIATE` transactions, so concurrent
writers queue and a crash leaves the log as it was before the command.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rvutool.errors import CorruptLogError, RvuError
from rvutool.log import connection, journal, schema
from rvutool.log.entries import COLUMNS, MUTABLE, Entry, now_utc
from rvutool.log.store import (
    PAGE,
    ContractRow,
    DayCodeTotal,
    FavouriteRow,
    LogStore,
    LogTransaction,
    PaymentGroup,
    PolicyCount,
    ReleaseCount,
    Undone,
    bounds,
    id_ranges,
    keyset_pages,
    newest_distinct,
    no_such_entry,
    recent_rows,
    restore_images,
)

if TYPE_CHECKING:
    import sqlite3

_SELECT = f"SELECT {', '.join(COLUMNS)} FROM entries"
_INSERT = f"INSERT INTO entries ({', '.join(MUTABLE)}) VALUES ({', '.join('?' * len(MUTABLE))})"
_LIVE = "voided = 0 AND service_date BETWEEN ? AND ?"


def _stream(cursor: Any) -> Iterator[Entry]:
    try:
        while True:
            batch = cursor.fetchmany(PAGE)
            if not batch:
                return
            for row in batch:
                yield Entry(*row)
    finally:
        cursor.close()  # ends the statement's read snapshot, so a write can follow on this connection


class SQLiteTransaction(LogTransaction):
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def entry(self, entry_id: int) -> Entry:
        row = self.db.execute(f"{_SELECT} WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise no_such_entry(entry_id)
        return Entry(*row)

    def encounter(self, encounter_id: int, *, include_voided: bool = False) -> list[Entry]:
        live = "" if include_voided else " AND voided = 0"
        rows = self.db.execute(f"{_SELECT} WHERE encounter_id = ?{live} ORDER BY id", (encounter_id,))
        return [Entry(*r) for r in rows.fetchall()]

    def entries(self, start: date | None = None, end: date | None = None) -> Iterator[Entry]:
        """Page by page, each page a statement of its own, so the caller may change entries between pages."""
        low, high = bounds(start, end)
        return keyset_pages(lambda after: self.db.execute(
            f"{_SELECT} WHERE voided = 0 AND service_date >= ? AND service_date <= ? "
            "AND (service_date, encounter_id, id) > (?, ?, ?) ORDER BY service_date, encounter_id, id LIMIT ?",
            (after[0], high, *after, PAGE)).fetchall(), (low, -1, -1))

    def new_encounter(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'next_encounter'").fetchone()
        number = int(row[0])
        self.db.execute("UPDATE meta SET value = ? WHERE key = 'next_encounter'", (str(number + 1),))
        return number

    def new_encounters(self, count: int) -> list[int]:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'next_encounter'").fetchone()
        first = int(row[0])
        self.db.execute("UPDATE meta SET value = ? WHERE key = 'next_encounter'", (str(first + count),))
        return list(range(first, first + count))

    def insert(self, values: dict[str, Any]) -> int:
        cur = self.db.execute(_INSERT, [values[c] for c in MUTABLE])
        return int(cur.lastrowid or 0)

    def insert_many(self, rows: Iterable[dict[str, Any]]) -> list[int]:
        first = int(self.db.execute("SELECT COALESCE(MAX(id), 0) FROM entries").fetchone()[0])
        self.db.executemany(_INSERT, ([row[c] for c in MUTABLE] for row in rows))
        rows = self.db.execute("SELECT id FROM entries WHERE id > ? ORDER BY id", (first,)).fetchall()
        return [int(r[0]) for r in rows]

    def update(self, entry_id: int, values: dict[str, Any]) -> None:
        names = [c for c in values if c in MUTABLE]
        if names:
            self.db.execute(f"UPDATE entries SET {', '.join(f'{c} = ?' for c in names)} WHERE id = ?",
                            [values[c] for c in names] + [entry_id])

    def update_many(self, rows: Iterable[tuple[int, dict[str, Any]]]) -> None:
        """One prepared UPDATE per set of fields, run over every entry that changes those fields
        (executemany): a recalc's entries mostly share one set."""
        batches: dict[tuple[str, ...], list[list[Any]]] = {}
        for entry_id, values in rows:
            names = tuple(c for c in values if c in MUTABLE)
            if names:
                batches.setdefault(names, []).append([values[c] for c in names] + [entry_id])
        for names, params in batches.items():
            self.db.executemany(f"UPDATE entries SET {', '.join(f'{c} = ?' for c in names)} WHERE id = ?", params)

    def held(self, keys: Iterable[str], *, include_voided: bool) -> dict[str, int]:
        wanted = list(dict.fromkeys(keys))
        live = "" if include_voided else " AND voided = 0"
        out: dict[str, int] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            rows = self.db.execute(f"SELECT service_key, COUNT(*) FROM entries WHERE service_key IN "
                                   f"({', '.join('?' * len(chunk))}){live} GROUP BY service_key", chunk)
            out.update({key: int(n) for key, n in rows.fetchall()})
        return out

    def journal(self, kind: str, summary: str, before: Iterable[tuple[int, Entry | None]]) -> int:
        cur = self.db.execute("INSERT INTO changes (kind, summary, created_at) VALUES (?, ?, ?)",
                              (kind, summary, now_utc()))
        change_id = int(cur.lastrowid or 0)
        self.journal_rows(change_id, before)
        return change_id

    def journal_rows(self, change_id: int, before: Iterable[tuple[int, Entry | None]]) -> None:
        images: list[tuple[int, int, str]] = []
        inserted: list[int] = []
        for entry_id, old in before:
            if old is None:
                inserted.append(entry_id)
            else:
                images.append((change_id, entry_id, json.dumps(vars(old))))  # its fields, as Entry.values()
        self.db.executemany("INSERT INTO change_rows (change_id, entry_id, before) VALUES (?, ?, ?)", images)
        self.journal_inserted(change_id, id_ranges(inserted))

    def journal_inserted(self, change_id: int, ranges: Iterable[tuple[int, int]]) -> None:
        self.db.executemany("INSERT INTO change_ranges (change_id, first_id, last_id) VALUES (?, ?, ?)",
                            ((change_id, first, last) for first, last in ranges))

    def check_period(self, start: date, end: date) -> None:
        """The period's live entries, read through the date index a change reads them by, add up to the
        period's day totals. Reading them makes SQLite check each page on the way; a difference means an
        index or the totals no longer match the entries. Entries of other dates are not read."""
        low, high = bounds(start, end)
        sums = "COALESCE(SUM(units), 0), COALESCE(SUM(base_wrvu_c), 0), COALESCE(SUM(credited_wrvu_c), 0)"
        read = self.db.execute(f"SELECT COUNT(*), {sums} FROM entries INDEXED BY entries_order WHERE {_LIVE}",
                               (low, high)).fetchone()
        kept = self.db.execute(f"SELECT COALESCE(SUM(entries), 0), {sums} FROM day_totals "
                               "WHERE service_date BETWEEN ? AND ?", (low, high)).fetchone()
        if tuple(read) != tuple(kept):
            raise CorruptLogError(f"the log {self.db.path} is damaged (its day totals from {low} to {high} "  # type: ignore[attr-defined]
                                  "disagree with its entries); nothing was changed. Run `rvutool doctor`, and "
                                  "restore from your latest export")

    def undo_last(self) -> Undone:
        change = self.db.execute("SELECT id, kind, summary, created_at FROM changes WHERE undone_at IS NULL "
                                 "ORDER BY id DESC LIMIT 1").fetchone()
        if change is None:
            raise RvuError("nothing to undo: every change in the log has been undone")
        change_id, kind, summary, created_at = change
        if kind in BIG_CHANGES:
            sound_before_big_write(self.db)
            days = self.db.execute("SELECT DISTINCT e.service_date FROM change_rows r JOIN entries e ON e.id = "
                                   "r.entry_id WHERE r.change_id = ? AND r.before IS NOT NULL", (change_id,))
            for (day,) in days.fetchall():
                self.check_period(date.fromisoformat(day), date.fromisoformat(day))
        done = Undone(kind, summary, created_at, 0)
        # Entries the change inserted, counted and deleted by range of ids, one statement each however many;
        # a log journaled before version 4 holds a row per inserted entry (before IS NULL) instead.
        ranges = self.db.execute("SELECT first_id, last_id FROM change_ranges WHERE change_id = ?",
                                 (change_id,)).fetchall()
        inserted = [("id BETWEEN ? AND ?", (first, last)) for first, last in ranges]
        inserted.append(("id IN (SELECT entry_id FROM change_rows WHERE change_id = ? AND before IS NULL)",
                         (change_id,)))
        for where, args in inserted:
            count, credit = self.db.execute(
                "SELECT COUNT(*), COALESCE(SUM(CASE WHEN voided = 0 THEN credited_wrvu_c ELSE 0 END), 0) "
                f"FROM entries WHERE {where}", args).fetchone()
            done.entries, done.net_c = done.entries + int(count), done.net_c - int(credit)
            self.db.execute(f"DELETE FROM entries WHERE {where}", args)
        # Entries it changed: their before-images restored, page by page (each read with its entry as it is).
        last = -1
        while True:
            rows = self.db.execute(f"SELECT r.entry_id, r.before, {', '.join(f'e.{c}' for c in COLUMNS)} FROM "
                                   "change_rows r LEFT JOIN entries e ON e.id = r.entry_id WHERE r.change_id = ? AND "
                                   "r.before IS NOT NULL AND r.entry_id > ? ORDER BY r.entry_id LIMIT ?",
                                   (change_id, last, PAGE)).fetchall()
            now = {row[0]: Entry(*row[2:]) for row in rows if row[2] is not None}  # (an entry gone: tx.entry says so)
            page = [(row[0], row[1]) for row in rows]
            journal.check_page(page, done)
            restore_images(self, page, done, now)
            if len(rows) < PAGE:
                break
            last = rows[-1][0]
        done.favourites = self.db.execute("DELETE FROM favourites WHERE change_id = ?", (change_id,)).rowcount
        self.db.execute("UPDATE changes SET undone_at = ? WHERE id = ?", (now_utc(), change_id))
        return done

    def favourite(self, name: str) -> FavouriteRow | None:
        row = self.db.execute("SELECT name, items, change_id FROM favourites WHERE name = ?", (name,)).fetchone()
        return None if row is None else FavouriteRow(*row)

    def put_favourite(self, name: str, items: str, change_id: int | None = None) -> None:
        stamp = now_utc()
        self.db.execute("INSERT INTO favourites (name, items, change_id, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET items = excluded.items, "
                        "change_id = excluded.change_id, updated_at = excluded.updated_at",
                        (name, items, change_id, stamp, stamp))

    def remove_favourite(self, name: str) -> bool:
        return bool(self.db.execute("DELETE FROM favourites WHERE name = ?", (name,)).rowcount)

    def put_contract(self, name: str, effective: str, source: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO contracts (name, effective, source, added_at) VALUES (?, ?, ?, ?)",
                        (name, effective, source, now_utc()))

    def remove_contract(self, name: str, effective: str | None = None) -> int:
        if effective is not None:
            return self.db.execute("DELETE FROM contracts WHERE name = ? AND effective = ?", (name, effective)).rowcount
        self.db.execute("DELETE FROM contract_fees WHERE contract = ?", (name,))
        return self.db.execute("DELETE FROM contracts WHERE name = ?", (name,)).rowcount

    def replace_contract_fees(self, name: str, fees: list[tuple[str, int, int | None]]) -> int:
        before = self.db.execute("DELETE FROM contract_fees WHERE contract = ?", (name,)).rowcount
        self.db.executemany("INSERT INTO contract_fees (contract, code, fee_c, lab_fee_c) VALUES (?, ?, ?, ?)",
                            [(name, *fee) for fee in fees])
        return before

    def put_collection(self, month: str, amount_c: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO collections (month, amount_c, updated_at) VALUES (?, ?, ?)",
                        (month, amount_c, now_utc()))


_SUMMED = ("SELECT service_date, code, COALESCE(no_wrvu_reason, '') AS no_wrvu_reason, category, release, policy, "
           "COUNT(*) AS n, SUM(units) AS u, SUM(base_wrvu_c) AS b, SUM(credited_wrvu_c) AS c FROM entries "
           "WHERE voided = 0 GROUP BY 1, 2, 3, 4, 5, 6")
_SAME_KEY = " AND ".join(f"d.{c} = s.{c}" for c in schema.TOTALS_KEY)
# (a query counting what breaks an invariant, the sentence for it)
_INVARIANTS: tuple[tuple[str, str], ...] = (
    ("SELECT COUNT(*) FROM entries WHERE voided NOT IN (0, 1) OR units NOT BETWEEN 1 AND 99 "
     "OR work_rvu_c < 0 OR base_wrvu_c < 0 OR credited_wrvu_c < 0 OR setting NOT IN ('facility', 'nonfacility')",
     "{count} entries hold values no rvutool writes (units, amounts, setting or removed flag)"),
    ("SELECT COUNT(*) FROM entries WHERE service_date NOT GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]' "
     "OR date(service_date, '+0 days') IS NOT service_date",
     "{count} entries have a date of service that is not a date"),
    ("SELECT COUNT(*) FROM entries WHERE NOT json_valid(flags) OR NOT json_valid(adjustments) "
     "OR NOT json_valid(policy) OR NOT json_valid(options)", "{count} entries hold damaged JSON cells"),
    ("SELECT COUNT(*) FROM entries WHERE service_key = ''", "{count} entries have no service key"),
    ("SELECT COUNT(*) FROM meta WHERE key = 'next_encounter' AND CAST(value AS INTEGER) <= "
     "(SELECT COALESCE(MAX(encounter_id), 0) FROM entries)", "the next encounter number would reuse one in the log"),
    (f"SELECT COUNT(*) FROM ({_SUMMED}) s LEFT JOIN day_totals d ON {_SAME_KEY} WHERE d.entries IS NOT s.n "
     "OR d.units IS NOT s.u OR d.base_wrvu_c IS NOT s.b OR d.credited_wrvu_c IS NOT s.c",
     "the day totals disagree with the entries on {count} days and codes (summaries would be wrong)"),
    (f"SELECT COUNT(*) FROM day_totals d WHERE NOT EXISTS (SELECT 1 FROM ({_SUMMED}) s WHERE {_SAME_KEY})",
     "the day totals count {count} days and codes with no entries"),
    ("SELECT COUNT(*) FROM entries e JOIN entries f ON f.encounter_id = e.encounter_id AND f.id > e.id "
     "AND f.service_date != e.service_date AND e.voided = 0 AND f.voided = 0",
     "{count} encounters have lines on different dates"),
    ("SELECT COUNT(*) FROM favourites WHERE length(name) NOT BETWEEN 1 AND 32 OR name GLOB '*[^a-z0-9_-]*' "
     "OR trim(items) = ''", "{count} favourites have a name or items no rvutool writes"),
    ("SELECT COUNT(*) FROM quarantined_entries",
     "{count} entries held values outside the log's checks when it was upgraded (made by hand or by damage): "
     "they were set aside, with their values, in its table quarantined_entries, and are not in lists, "
     "summaries or exports"),
)


BIG_CHANGES = ("import", "recalc")
# The small tables every change writes: checked page by page before a big write, in milliseconds.
_SMALL_TABLES = ("meta", "changes", "change_ranges", "day_totals", "favourites")


def sound_before_big_write(db: sqlite3.Connection) -> None:
    """Checks in proportion to a change, before one that touches many entries (an import, a recalc, their undo).
    SQLite's full check of every page and index (`PRAGMA integrity_check`: half a minute at 3M entries, for a
    one-day recalc too) is `rvutool doctor`'s.

    What this still catches, whatever the size of the log: damage on any page of the small tables every change
    writes (`PRAGMA quick_check` of each), and an encounter counter that would hand out a number again. While
    the change runs, SQLite checks each page it reads, so damage among the entries it touches stops it and
    nothing is saved; a recalc and its undo also check their days' entries, read through the date index,
    against those days' totals (check_period). Left to `rvutool doctor`: damage on pages the change never
    reads (other days' entries, the list of free pages) and an index out of step outside those days.
    """
    problems = [r[0] for table in _SMALL_TABLES for r in db.execute(f"PRAGMA quick_check({table})").fetchall()
                if r[0] != "ok"]
    if not problems and db.execute("SELECT COUNT(*) FROM meta WHERE key = 'next_encounter' AND CAST(value AS "
                                   "INTEGER) <= (SELECT COALESCE(MAX(encounter_id), 0) FROM entries)").fetchone()[0]:
        problems.append("the next encounter number would reuse one in the log")
    if problems:
        raise CorruptLogError(f"the log {db.path} is damaged ({problems[0]}); nothing was changed. "  # type: ignore[attr-defined]
                              "Run `rvutool doctor`, and restore from your latest export")


class SQLiteStore(LogStore):
    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._derived: list[tuple[str, str, str]] = []
        self.conn = conn
        self.path = path
        self.where = str(path)

    def close(self) -> None:
        self.conn.close()

    def problems(self) -> list[str]:
        """SQLite's own check (every page, every index against its table), then the log's invariants: each
        problem found a sentence naming what is wrong."""
        try:
            found = [f"SQLite: {r[0]}" for r in self.conn.execute("PRAGMA integrity_check(20)").fetchall()
                     if r[0] != "ok"]
        except RvuError as exc:  # a page so damaged that SQLite cannot even walk it
            return [exc.message]
        if found:
            return found
        found += [f"a change record points at a change that is not there (change {r[2]})"
                  for r in self.conn.execute("PRAGMA foreign_key_check").fetchall()[:5]]
        for sql, message in _INVARIANTS:
            count = self.conn.execute(sql).fetchone()[0]
            if count:
                found.append(message.format(count=count))
        return found

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the file (before copying or moving it)."""
        with connection.sql_errors(self.path):
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def filling(self) -> None:
        """A new log no one else sees yet (thrown away if the command fails): no journal, no syncs,
        a large page cache, and no indexes or summary triggers (made once at the end), until `filled`."""
        with connection.sql_errors(self.path):
            self.conn.execute("PRAGMA journal_mode = MEMORY")
            self.conn.execute("PRAGMA synchronous = OFF")
            self.conn.execute("PRAGMA cache_size = -16384")
            self._derived = self.conn.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'entries' AND type IN "
                "('index', 'trigger') AND sql IS NOT NULL ORDER BY type").fetchall()  # indexes, then triggers
            for kind, name, _ in self._derived:
                self.conn.execute(f'DROP {kind} "{name}"')

    def filled(self) -> None:
        """Back to the ordinary settings, the file synced to disk."""
        import os

        with connection.sql_errors(self.path):
            for _, _, sql in (d for d in self._derived if d[0] == "index"):
                self.conn.execute(sql)
            schema.fill_day_totals(self.conn)  # once, before the triggers keep it in step
            for _, _, sql in (d for d in self._derived if d[0] == "trigger"):
                self.conn.execute(sql)
            self._derived = []
            self.conn.execute("PRAGMA cache_size = -2000")
            self.conn.execute("PRAGMA synchronous = FULL")  # the next writer to open it turns WAL back on
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def check_before_big_write(self) -> None:
        sound_before_big_write(self.conn)

    @contextmanager
    def transaction(self) -> Iterator[LogTransaction]:
        with connection.sql_errors(self.path):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield SQLiteTransaction(self.conn)
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    # -- reading -----------------------------------------------------------------
    def log_id(self) -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'log_id'").fetchone()
        return row[0] if row else ""

    def entries(self, start: date | None = None, end: date | None = None, *, code: str | None = None,
                encounter: int | None = None, include_voided: bool = False) -> Iterator[Entry]:
        sql = f"{_SELECT} WHERE service_date BETWEEN ? AND ?"
        args: list[Any] = list(bounds(start, end))
        if not include_voided:
            sql += " AND voided = 0"
        if code:
            sql += " AND code = ?"
            args.append(code)
        if encounter is not None:
            sql += " AND encounter_id = ?"
            args.append(encounter)
        return _stream(self.conn.execute(sql + " ORDER BY service_date, encounter_id, id", args))

    def get(self, entry_id: int) -> Entry:
        return SQLiteTransaction(self.conn).entry(entry_id)

    def favourites(self) -> list[FavouriteRow]:
        rows = self.conn.execute("SELECT name, items, change_id FROM favourites ORDER BY name").fetchall()
        return [FavouriteRow(*r) for r in rows]

    def recent_codes(self, limit: int) -> list[tuple[str, str]]:
        """Read newest first by id (the table's own order), so a big log reads only its last few hundred rows."""
        rows = self.conn.execute("SELECT code, modifiers FROM entries WHERE voided = 0 ORDER BY id DESC LIMIT ?",
                                 (recent_rows(limit),)).fetchall()
        return newest_distinct(rows, limit)

    def code_cases(self, start: date, end: date) -> list[tuple[str, int, int, int]]:
        return [(c, int(n), int(k), int(cr)) for c, n, k, cr in self.conn.execute(
            "SELECT code, COUNT(*), COUNT(DISTINCT encounter_id), SUM(credited_wrvu_c) FROM entries "
            "WHERE voided = 0 AND service_date BETWEEN ? AND ? GROUP BY code", bounds(start, end)).fetchall()]

    def day_code_totals(self, start: date, end: date) -> list[DayCodeTotal]:
        """One row per day, code and no-wRVU reason (the totals' key also holds category, release and policy,
        grouped away here in key order, with no sort)."""
        rows = self.conn.execute(
            "SELECT service_date, code, NULLIF(no_wrvu_reason, ''), MIN(category), SUM(entries), SUM(units), "
            "SUM(base_wrvu_c), SUM(credited_wrvu_c) FROM day_totals WHERE service_date BETWEEN ? AND ? "
            "GROUP BY service_date, code, no_wrvu_reason", bounds(start, end)).fetchall()
        return [DayCodeTotal(*r) for r in rows]

    def distinct_policies(self, start: date, end: date, *, most: int = 2) -> list[str]:
        """Skips through the (voided, policy, date) index: a few look-ups per distinct policy,
        where a GROUP BY would read every entry of the period."""
        period = bounds(start, end)
        present: list[str] = []
        text = self.conn.execute("SELECT MIN(policy) FROM entries WHERE voided = 0").fetchone()[0]
        while text is not None and len(present) < most:
            if self.conn.execute("SELECT 1 FROM entries WHERE voided = 0 AND policy = ? AND service_date "
                                 "BETWEEN ? AND ? LIMIT 1", (text, *period)).fetchone():
                present.append(text)
            text = self.conn.execute("SELECT MIN(policy) FROM entries WHERE voided = 0 AND policy > ?",
                                     (text,)).fetchone()[0]
        return present

    def policy_counts(self, start: date, end: date) -> list[PolicyCount]:
        rows = self.conn.execute("SELECT policy, SUM(entries), MIN(service_date), MAX(service_date) FROM day_totals "
                                 "WHERE service_date BETWEEN ? AND ? GROUP BY policy", bounds(start, end)).fetchall()
        return [PolicyCount(*r) for r in rows]

    def held(self, keys: Iterable[str], *, include_voided: bool) -> dict[str, int]:
        return SQLiteTransaction(self.conn).held(keys, include_voided=include_voided)

    def release_counts(self, start: date, end: date) -> list[ReleaseCount]:
        """From the day totals (which keep each entry's release): a few thousand rows a year, whatever the log."""
        rows = self.conn.execute("SELECT release, SUM(entries), MIN(service_date), MAX(service_date) FROM day_totals "
                                 "WHERE service_date BETWEEN ? AND ? GROUP BY release "
                                 "ORDER BY MIN(service_date), release", bounds(start, end)).fetchall()
        return [ReleaseCount(*r) for r in rows]

    def contract_rows(self, name: str | None = None) -> list[ContractRow]:
        where, args = ("WHERE name = ?", (name,)) if name is not None else ("", ())
        rows = self.conn.execute(f"SELECT name, effective, source, added_at FROM contracts {where} "
                                 "ORDER BY name, effective", args).fetchall()
        return [ContractRow(*r) for r in rows]

    def contract_fees(self, name: str) -> list[tuple[str, int, int | None]]:
        return [tuple(r) for r in self.conn.execute(  # type: ignore[misc]
            "SELECT code, fee_c, lab_fee_c FROM contract_fees WHERE contract = ? ORDER BY code", (name,)).fetchall()]

    def collections(self) -> list[tuple[str, int]]:
        return [(m, int(a)) for m, a in self.conn.execute("SELECT month, amount_c FROM collections ORDER BY month")]

    def payment_groups(self, start: date, end: date, cuts: tuple[date, ...] = ()) -> list[PaymentGroup]:
        # how many cut dates lie before (with none, nothing more to group by: a bare 0 would be a column position)
        side = "".join([", 0", *(" + (service_date > ?)" for _ in cuts)]) if cuts else ""
        rows = self.conn.execute(
            f"SELECT code, modifiers, release, setting, COUNT(*), units, base_wrvu_c, credited_wrvu_c, "
            f"MIN(service_date) FROM entries WHERE {_LIVE} GROUP BY code, modifiers, release, setting, units, "
            f"base_wrvu_c, credited_wrvu_c{side}", (*bounds(start, end), *(c.isoformat() for c in cuts))).fetchall()
        return [PaymentGroup(*r) for r in rows]


def open_for_reading(path: Path | None = None) -> SQLiteStore | None:
    conn = connection.open_readable(path)
    return None if conn is None else SQLiteStore(conn, conn.path)  # type: ignore[attr-defined]


def favourite_names(prefix: str = "") -> list[tuple[str, str]]:
    """(name, items) of the favourites whose name starts with `prefix`, for shell completion: read-only, never
    creating, migrating or waiting on the log; nothing when it is absent, busy, older or not a log."""
    from rvutool import paths

    path = paths.log_file()
    if not path.is_file():
        return []
    try:
        conn = connection.connect(path, read_only=True)
        try:
            conn.execute("PRAGMA busy_timeout = 100")
            if connection.inspect(conn, path) < schema.FAVOURITES_SINCE:
                return []
            rows = conn.execute("SELECT name, items FROM favourites ORDER BY name").fetchall()
        finally:
            conn.close()
    except RvuError:
        return []
    return [(name, items) for name, items in rows if name.startswith(prefix)]


def open_for_writing(path: Path | None = None) -> SQLiteStore:
    conn = connection.open_writable(path)
    return SQLiteStore(conn, conn.path)  # type: ignore[attr-defined]
