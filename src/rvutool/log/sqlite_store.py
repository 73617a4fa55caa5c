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

from rvutool.errors import CorruptLogError, NoSuchEntryError, RvuError
from rvutool.log import connection, schema
from rvutool.log.entries import COLUMNS, MUTABLE, Entry, now_utc
from rvutool.log.store import (
    ContractRow,
    DayCodeTotal,
    FavouriteRow,
    LogStore,
    LogTransaction,
    PaymentGroup,
    PolicyCount,
    ReleaseCount,
    Undone,
    restore_images,
)

if TYPE_CHECKING:
    import sqlite3

BATCH = 2000
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM entries"
_INSERT = f"INSERT INTO entries ({', '.join(MUTABLE)}) VALUES ({', '.join('?' * len(MUTABLE))})"
_LIVE = "voided = 0 AND service_date BETWEEN ? AND ?"


def _bounds(start: date | None, end: date | None) -> tuple[str, str]:
    return (start or date(1, 1, 1)).isoformat(), (end or date(9999, 12, 31)).isoformat()


def _stream(cursor: Any) -> Iterator[Entry]:
    try:
        while True:
            batch = cursor.fetchmany(BATCH)
            if not batch:
                return
            for row in batch:
                yield Entry(*row)
    finally:
        cursor.close()  # ends the statement's read snapshot, so a write can follow on this connection


def _no_such(entry_id: int) -> NoSuchEntryError:
    return NoSuchEntryError(f"no entry #{entry_id} in the log (see `rvutool list --all`)")


class SQLiteTransaction(LogTransaction):
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def entry(self, entry_id: int) -> Entry:
        row = self.db.execute(f"{_SELECT} WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise _no_such(entry_id)
        return Entry(*row)

    def encounter(self, encounter_id: int, *, include_voided: bool = False) -> list[Entry]:
        live = "" if include_voided else " AND voided = 0"
        rows = self.db.execute(f"{_SELECT} WHERE encounter_id = ?{live} ORDER BY id", (encounter_id,))
        return [Entry(*r) for r in rows.fetchall()]

    def entries(self, start: date | None = None, end: date | None = None) -> Iterator[Entry]:
        """Page by page, each page a statement of its own, so the caller may change entries between pages."""
        low, high = _bounds(start, end)
        after: tuple[str, int, int] = (low, -1, -1)
        while True:
            page = self.db.execute(
                f"{_SELECT} WHERE voided = 0 AND service_date >= ? AND service_date <= ? "
                "AND (service_date, encounter_id, id) > (?, ?, ?) ORDER BY service_date, encounter_id, id LIMIT ?",
                (after[0], high, *after, BATCH)).fetchall()
            for row in page:
                yield Entry(*row)
            if len(page) < BATCH:
                return
            last = Entry(*page[-1])
            after = (last.service_date, last.encounter_id, last.id)

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
        self.db.executemany(
            "INSERT INTO change_rows (change_id, entry_id, before) VALUES (?, ?, ?)",
            ((change_id, entry_id, None if old is None else json.dumps(old.values())) for entry_id, old in before))

    def undo_last(self) -> Undone:
        change = self.db.execute("SELECT id, kind, summary, created_at FROM changes WHERE undone_at IS NULL "
                                 "ORDER BY id DESC LIMIT 1").fetchone()
        if change is None:
            raise RvuError("nothing to undo: every change in the log has been undone")
        change_id, kind, summary, created_at = change
        if kind in BIG_CHANGES:
            sound_before_big_write(self.db)
        done = Undone(kind, summary, created_at, 0)
        # Entries the change inserted: counted and deleted in one statement each, however many.
        count, credit = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN e.voided = 0 THEN e.credited_wrvu_c ELSE 0 END), 0) "
            "FROM change_rows r JOIN entries e ON e.id = r.entry_id WHERE r.change_id = ? AND r.before IS NULL",
            (change_id,)).fetchone()
        done.entries, done.net_c = int(count), -int(credit)
        self.db.execute("DELETE FROM entries WHERE id IN "
                        "(SELECT entry_id FROM change_rows WHERE change_id = ? AND before IS NULL)", (change_id,))
        # Entries it changed: their before-images restored, page by page.
        last = -1
        while True:
            page = self.db.execute("SELECT entry_id, before FROM change_rows WHERE change_id = ? AND before IS NOT "
                                   "NULL AND entry_id > ? ORDER BY entry_id LIMIT ?",
                                   (change_id, last, BATCH)).fetchall()
            restore_images(self, page, done)
            if len(page) < BATCH:
                break
            last = page[-1][0]
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


_SUMMED = ("SELECT service_date, code, COALESCE(no_wrvu_reason, '') AS reason, COUNT(*) AS n, SUM(units) AS u, "
           "SUM(base_wrvu_c) AS b, SUM(credited_wrvu_c) AS c FROM entries WHERE voided = 0 "
           "GROUP BY service_date, code, COALESCE(no_wrvu_reason, '')")
# (a query counting what breaks an invariant, the sentence for it)
_INVARIANTS: tuple[tuple[str, str], ...] = (
    ("SELECT COUNT(*) FROM entries WHERE voided NOT IN (0, 1) OR units NOT BETWEEN 1 AND 99 "
     "OR work_rvu_c < 0 OR base_wrvu_c < 0 OR credited_wrvu_c < 0 OR setting NOT IN ('facility', 'nonfacility')",
     "{count} entries hold values no rvutool writes (units, amounts, setting or removed flag)"),
    ("SELECT COUNT(*) FROM entries WHERE service_date NOT GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]' "
     "OR date(service_date) IS NOT service_date", "{count} entries have a date of service that is not a date"),
    ("SELECT COUNT(*) FROM entries WHERE NOT json_valid(flags) OR NOT json_valid(adjustments) "
     "OR NOT json_valid(policy) OR NOT json_valid(options)", "{count} entries hold damaged JSON cells"),
    ("SELECT COUNT(*) FROM entries WHERE service_key = ''", "{count} entries have no service key"),
    ("SELECT COUNT(*) FROM meta WHERE key = 'next_encounter' AND CAST(value AS INTEGER) <= "
     "(SELECT COALESCE(MAX(encounter_id), 0) FROM entries)", "the next encounter number would reuse one in the log"),
    (f"SELECT COUNT(*) FROM (SELECT * FROM ({_SUMMED}) s LEFT JOIN day_totals d ON d.service_date = s.service_date "
     "AND d.code = s.code AND d.no_wrvu_reason = s.reason WHERE d.entries IS NOT s.n OR d.units IS NOT s.u "
     "OR d.base_wrvu_c IS NOT s.b OR d.credited_wrvu_c IS NOT s.c)",
     "the day totals disagree with the entries on {count} days and codes (summaries would be wrong)"),
    (f"SELECT COUNT(*) FROM day_totals d WHERE NOT EXISTS (SELECT 1 FROM ({_SUMMED}) s "
     "WHERE s.service_date = d.service_date AND s.code = d.code AND s.reason = d.no_wrvu_reason)",
     "the day totals count {count} days and codes with no entries"),
    ("SELECT COUNT(*) FROM entries e JOIN entries f ON f.encounter_id = e.encounter_id AND f.id > e.id "
     "AND f.service_date != e.service_date AND e.voided = 0 AND f.voided = 0",
     "{count} encounters have lines on different dates"),
    ("SELECT COUNT(*) FROM favourites WHERE length(name) NOT BETWEEN 1 AND 32 OR name GLOB '*[^a-z0-9_-]*' "
     "OR trim(items) = ''", "{count} favourites have a name or items no rvutool writes"),
)


BIG_CHANGES = ("import", "recalc")


def sound_before_big_write(db: sqlite3.Connection) -> None:
    """SQLite's check of every page and index (about a second for 300,000 entries), before a change that
    touches many entries: damage SQLite cannot see at open must not be written over."""
    problems = [r[0] for r in db.execute("PRAGMA integrity_check(5)").fetchall() if r[0] != "ok"]
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
        args: list[Any] = list(_bounds(start, end))
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
        found: dict[tuple[str, str], None] = {}
        rows = self.conn.execute("SELECT code, modifiers FROM entries WHERE voided = 0 ORDER BY id DESC LIMIT ?",
                                 (max(limit, 1) * 25,))
        for code, modifiers in rows.fetchall():
            found.setdefault((code, modifiers), None)
            if len(found) >= limit:
                break
        return list(found)

    def day_code_totals(self, start: date, end: date) -> list[DayCodeTotal]:
        rows = self.conn.execute(
            "SELECT service_date, code, NULLIF(no_wrvu_reason, ''), category, entries, units, base_wrvu_c, "
            "credited_wrvu_c FROM day_totals WHERE service_date BETWEEN ? AND ?", _bounds(start, end)).fetchall()
        return [DayCodeTotal(*r) for r in rows]

    def distinct_policies(self, start: date, end: date, *, most: int = 2) -> list[str]:
        """Skips through the (voided, policy, date) index: a few look-ups per distinct policy,
        where a GROUP BY would read every entry of the period."""
        bounds = _bounds(start, end)
        present: list[str] = []
        text = self.conn.execute("SELECT MIN(policy) FROM entries WHERE voided = 0").fetchone()[0]
        while text is not None and len(present) < most:
            if self.conn.execute("SELECT 1 FROM entries WHERE voided = 0 AND policy = ? AND service_date "
                                 "BETWEEN ? AND ? LIMIT 1", (text, *bounds)).fetchone():
                present.append(text)
            text = self.conn.execute("SELECT MIN(policy) FROM entries WHERE voided = 0 AND policy > ?",
                                     (text,)).fetchone()[0]
        return present

    def policy_counts(self, start: date, end: date) -> list[PolicyCount]:
        rows = self.conn.execute(f"SELECT policy, COUNT(*), MIN(service_date), MAX(service_date) FROM entries "
                                 f"WHERE {_LIVE} GROUP BY policy", _bounds(start, end)).fetchall()
        return [PolicyCount(*r) for r in rows]

    def held(self, keys: Iterable[str], *, include_voided: bool) -> dict[str, int]:
        return SQLiteTransaction(self.conn).held(keys, include_voided=include_voided)

    def release_counts(self, start: date, end: date) -> list[ReleaseCount]:
        rows = self.conn.execute(f"SELECT release, COUNT(*), MIN(service_date), MAX(service_date) FROM entries "
                                 f"WHERE {_LIVE} GROUP BY release ORDER BY MIN(service_date), release",
                                 _bounds(start, end)).fetchall()
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
        side = " + ".join(["0", *("(service_date > ?)" for _ in cuts)])  # how many cut dates lie before
        rows = self.conn.execute(
            f"SELECT code, modifiers, release, setting, COUNT(*), units, base_wrvu_c, credited_wrvu_c, "
            f"MIN(service_date) FROM entries WHERE {_LIVE} GROUP BY code, modifiers, release, setting, units, "
            f"base_wrvu_c, credited_wrvu_c, {side}", (*_bounds(start, end), *(c.isoformat() for c in cuts))).fetchall()
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
