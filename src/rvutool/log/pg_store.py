"""A practice's shared log on PostgreSQL (pg_schema.py holds its tables, roles and policies).

Every entry carries its `provider`, the login role that wrote it (current_user, never typed).
Row-level security decides what each role sees; on top of it, a transaction reads and changes
only the connected user's own rows (so a manager's edit, undo or recalc never reaches another
provider's entries), and undo takes the newest change of that user, reading only that user's journal
rows. Writers of one provider queue one at a time, on their row of rvutool.writers (which no one else
can read, so no one else can lock it); providers never wait on each other, and no wait lasts longer
than LOCK_WAIT_SECONDS. Encounter numbers come from a sequence, so a number handed out is never handed
out again, whatever is rolled back or undone. Every connection pins search_path to pg_catalog, pg_temp.
psycopg is imported only here, only when a postgresql:// log is used.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

from rvutool import conninfo
from rvutool.errors import CorruptLogError, RvuError, UsageError
from rvutool.log import journal, pg_schema
from rvutool.log.entries import COLUMNS, MUTABLE, Entry, now_utc
from rvutool.log.pg_migrations import ENTRY_TYPES, PG_SCHEMA_VERSION, SCHEMA, TOTALS_KEY
from rvutool.log.pg_schema import version
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
    import psycopg

_ENTRIES = f"{SCHEMA}.entries"
_TOTALS = f"{SCHEMA}.day_totals"  # kept by triggers (pg_schema): what summaries read
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM {_ENTRIES}"
_ROW = f"({', '.join(['%s'] * len(MUTABLE))})"
_ROWS_PER_INSERT = 1000  # x the columns: well under PostgreSQL's 65,535 parameters a statement
_COPY_FROM = 50  # rows from which an insert goes through COPY (fewer: one INSERT is quicker than three statements)
_ROWS_PER_UPDATE = 5000  # entries one UPDATE ... FROM (their arrays) writes at once
_LIVE = "voided = 0 AND service_date BETWEEN %s AND %s"
_OWN = "provider = current_user"
_FAVOURITES = f"{SCHEMA}.favourites"
LOCK_WAIT_SECONDS = 30  # the longest any statement waits for a lock, the writer lock included
# the writer lock: the provider's own row, which row-level security hides from everyone else
_TAKE_WRITER_LOCK = (f"INSERT INTO {SCHEMA}.writers (provider) VALUES (current_user) ON CONFLICT (provider) "
                     "DO UPDATE SET taken_at = pg_catalog.now()")
_MY_CHANGE = "r.change_id = %s AND r.provider = current_user"  # the caller's own journal rows of one change


def _insert_rows(count: int) -> str:
    return f"INSERT INTO {_ENTRIES} ({', '.join(MUTABLE)}) VALUES {', '.join([_ROW] * count)} RETURNING id"


def _columns(rows: list[Any]) -> list[list[Any]]:
    """Rows as columns, each an array parameter of one statement (_unnested turns them back into rows)."""
    return [list(column) for column in zip(*rows, strict=True)]


def _unnested(*types: str) -> str:
    """Array parameters of these element types, side by side as the rows of a table. Sent in binary (%b): no
    element is escaped, where text arrays of JSON would be quoted character by character."""
    return f"ROWS FROM ({', '.join(f'pg_catalog.unnest(%b::{t}[])' for t in types)})"


def _first_line(exc: BaseException, url: str, *, connecting: bool = False) -> str:
    """libpq's or the server's first line, with nothing of the connection string in it but what is not secret."""
    text = str(exc).strip().splitlines()
    return conninfo.scrub(text[0], url, connecting=connecting) if text else type(exc).__name__


def _waited() -> str:
    return (f"waited {LOCK_WAIT_SECONDS} s for a lock on the log that another session holds (a psql session, or "
            "the owner upgrading the log); nothing was changed: try again, or ask the log's owner, who sees who "
            "holds it in pg_locks")


@contextmanager
def sql_errors(where: str) -> Iterator[None]:
    """PostgreSQL's errors as rvutool's: one line, nothing secret of the connection string in it."""
    import psycopg

    try:
        yield
    except psycopg.errors.InsufficientPrivilege as exc:
        raise RvuError(f"the log database refused: {_first_line(exc, where)} (ask whoever runs the practice's "
                       "log to add you with `rvutool db add-user`)") from None
    except psycopg.errors.LockNotAvailable:
        raise RvuError(_waited()) from None
    except psycopg.OperationalError as exc:
        raise RvuError(f"cannot use the log database {conninfo.shown(where)}: {_first_line(exc, where)}") from None
    except psycopg.Error as exc:
        raise RvuError(f"the log database {conninfo.shown(where)} failed: {_first_line(exc, where)}") from None


def _pgpass_hint(exc: BaseException, url: str) -> str:
    """Why libpq found no password, when the password file is the reason: it ignores one others can read."""
    import os
    import stat
    from pathlib import Path

    if "password" not in str(exc):
        return ""
    named = "passfile" in conninfo.secret_parts(url)
    path = None if named else os.environ.get("PGPASSFILE") or str(Path.home() / ".pgpass")
    if path is None:
        return " (if the passfile named in the connection string can be read by others, PostgreSQL ignores it: " \
               "chmod 600 it)"
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return ""
    if stat.S_ISREG(mode) and mode & (stat.S_IRWXG | stat.S_IRWXO):
        return f" ({path} can be read by others, so PostgreSQL ignores it: chmod 600 {path})"
    return ""


def _page(conn: psycopg.Connection, where: str, args: tuple[Any, ...]) -> Iterator[Entry]:
    """Entries of `where` in (date, encounter, id) order, page by page (store.keyset_pages)."""
    return keyset_pages(lambda after: conn.execute(
        f"{_SELECT} WHERE {where} AND (service_date, encounter_id, id) > (%s, %s, %s) "
        "ORDER BY service_date, encounter_id, id LIMIT %s", (*args, *after, PAGE)).fetchall())


def _held(conn: psycopg.Connection, keys: Iterable[str], include_voided: bool) -> dict[str, int]:
    wanted = list(dict.fromkeys(keys))
    live = "" if include_voided else " AND voided = 0"
    out: dict[str, int] = {}
    for i in range(0, len(wanted), 5000):
        rows = conn.execute(f"SELECT service_key, COUNT(*) FROM {_ENTRIES} WHERE {_OWN} AND service_key = ANY(%s)"
                            f"{live} GROUP BY service_key", (wanted[i:i + 5000],)).fetchall()
        out.update({key: int(n) for key, n in rows})
    return out


class PostgresTransaction(LogTransaction):
    """Reads and writes the connected user's own rows only."""

    def __init__(self, conn: psycopg.Connection, where: str = "") -> None:
        self.conn = conn
        self.where = where
        self.taken = 0  # the last row of rvutool.incoming this transaction moved into entries

    def entry(self, entry_id: int) -> Entry:
        row = self.conn.execute(f"{_SELECT} WHERE id = %s AND {_OWN}", (entry_id,)).fetchone()
        if row is None:
            other = self.conn.execute(f"SELECT provider FROM {_ENTRIES} WHERE id = %s", (entry_id,)).fetchone()
            if other is not None:
                raise RvuError(f"entry #{entry_id} was logged by {other[0]}; only they can change it")
            raise no_such_entry(entry_id)
        return Entry(*row)

    def encounter(self, encounter_id: int, *, include_voided: bool = False) -> list[Entry]:
        live = "" if include_voided else " AND voided = 0"
        rows = self.conn.execute(f"{_SELECT} WHERE encounter_id = %s AND {_OWN}{live} ORDER BY id", (encounter_id,))
        return [Entry(*r) for r in rows.fetchall()]

    def entries(self, start: date | None = None, end: date | None = None) -> Iterator[Entry]:
        return _page(self.conn, f"{_OWN} AND {_LIVE}", bounds(start, end))

    def new_encounter(self) -> int:
        return self.new_encounters(1)[0]

    def new_encounters(self, count: int) -> list[int]:
        rows = self.conn.execute(f"SELECT pg_catalog.nextval('{SCHEMA}.encounter_numbers'::pg_catalog.regclass) "
                                 "FROM pg_catalog.generate_series(1, %s)", (count,)).fetchall()
        return sorted(int(r[0]) for r in rows)

    def insert(self, values: dict[str, Any]) -> int:
        row = self.conn.execute(_insert_rows(1), [values[c] for c in MUTABLE]).fetchone()
        return int(row[0]) if row else 0

    def insert_many(self, rows: Iterable[dict[str, Any]]) -> list[int]:
        """A few rows: one INSERT (PostgreSQL returns the new ids in the order of its VALUES list). More: a COPY into
        rvutool.incoming, then one statement (take_incoming) that moves them into entries in their order, so the
        entries' checks, row-level security and day-totals trigger run once for the lot. Ids in the rows' order."""
        values = ([row[c] for c in MUTABLE] for row in rows)
        first = list(itertools.islice(values, _COPY_FROM))
        if len(first) < _COPY_FROM:
            found = self.conn.execute(_insert_rows(len(first)), [v for row in first for v in row]).fetchall() \
                if first else []
            return [int(r[0]) for r in found]
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY {SCHEMA}.incoming ({', '.join(MUTABLE)}) FROM STDIN") as copy:
                for row in itertools.chain(first, values):
                    copy.write_row(row)
            last, ids = cur.execute(f"SELECT * FROM {SCHEMA}.take_incoming(%s)", (self.taken,)).fetchone()
        self.taken = int(last)
        return sorted(int(i) for i in ids)  # (given in the rows' order, so in increasing order)

    def update(self, entry_id: int, values: dict[str, Any]) -> None:
        names = [c for c in values if c in MUTABLE]
        if names:
            cur = self.conn.execute(f"UPDATE {_ENTRIES} SET {', '.join(f'{c} = %s' for c in names)} "
                                    f"WHERE id = %s AND {_OWN}", [values[c] for c in names] + [entry_id])
            if cur.rowcount != 1:
                self.entry(entry_id)  # names why (another's entry, or none)
                raise no_such_entry(entry_id)

    def update_many(self, rows: Iterable[tuple[int, dict[str, Any]]]) -> None:
        """One UPDATE ... FROM (arrays of values) per set of fields and batch: each entry's fields that change, a
        recalc's thousand entries in one statement (and one run of the day-totals trigger)."""
        batches: dict[tuple[str, ...], list[list[Any]]] = {}
        for entry_id, values in rows:
            names = tuple(c for c in values if c in MUTABLE)
            if names:
                batches.setdefault(names, []).append([entry_id, *(values[c] for c in names)])
        for names, params in batches.items():
            sql = (f"UPDATE {_ENTRIES} e SET {', '.join(f'{c} = v.{c}' for c in names)} FROM "
                   f"{_unnested('bigint', *(ENTRY_TYPES[c] for c in names))} AS v (id, {', '.join(names)}) "
                   "WHERE e.id = v.id AND e.provider = current_user")
            for i in range(0, len(params), _ROWS_PER_UPDATE):
                chunk = params[i:i + _ROWS_PER_UPDATE]
                if self.conn.execute(sql, _columns(chunk)).rowcount != len(chunk):
                    self._refuse_missing([row[0] for row in chunk])

    def _refuse_missing(self, ids: list[int]) -> None:
        """Why an update wrote fewer entries than asked: one of them is another's, or none (raises)."""
        mine = {r[0] for r in self.conn.execute(f"SELECT id FROM {_ENTRIES} WHERE id = ANY(%s) AND {_OWN}",
                                                (ids,)).fetchall()}
        missing = next(i for i in ids if i not in mine)
        self.entry(missing)
        raise no_such_entry(missing)

    def held(self, keys: Iterable[str], *, include_voided: bool) -> dict[str, int]:
        return _held(self.conn, keys, include_voided)

    def journal(self, kind: str, summary: str, before: Iterable[tuple[int, Entry | None]]) -> int:
        row = self.conn.execute(f"INSERT INTO {SCHEMA}.changes (kind, summary, created_at) VALUES (%s, %s, %s) "
                                "RETURNING id", (kind, summary, now_utc())).fetchone()
        change_id = int(row[0]) if row else 0
        self.journal_rows(change_id, before)
        return change_id

    def journal_rows(self, change_id: int, before: Iterable[tuple[int, Entry | None]]) -> None:
        """Before-images in one statement; the entries the change inserted as ranges of ids."""
        images: list[tuple[int, str]] = []
        inserted: list[int] = []
        for entry_id, old in before:
            if old is None:
                inserted.append(entry_id)
            else:
                images.append((entry_id, json.dumps(old.values())))
        if images:
            self.conn.execute(f"INSERT INTO {SCHEMA}.change_rows (change_id, entry_id, before) SELECT %s, * FROM "
                              f"{_unnested('bigint', 'text')}",
                              (change_id, *_columns(images)))
        self.journal_inserted(change_id, id_ranges(inserted))

    def journal_inserted(self, change_id: int, ranges: Iterable[tuple[int, int]]) -> None:
        ranges = list(ranges)
        if ranges:
            self.conn.execute(f"INSERT INTO {SCHEMA}.change_ranges (change_id, first_id, last_id) SELECT %s, * FROM "
                              f"{_unnested('bigint', 'bigint')}",
                              (change_id, *_columns(ranges)))

    def check_period(self, start: date, end: date) -> None:
        """The user's live entries of the period, read by the index a change reads them by, add up to the period's
        day totals (a difference means the totals, or an index, no longer match the entries). Other dates and
        other providers' rows are not read; `rvutool doctor` checks the whole log."""
        sums = "COALESCE(SUM(units), 0), COALESCE(SUM(base_wrvu_c), 0), COALESCE(SUM(credited_wrvu_c), 0)"
        low, high = bounds(start, end)
        read = self.conn.execute(f"SELECT COUNT(*), {sums} FROM {_ENTRIES} WHERE {_OWN} AND {_LIVE}",
                                 (low, high)).fetchone()
        kept = self.conn.execute(f"SELECT COALESCE(SUM(entries), 0), {sums} FROM {_TOTALS} WHERE {_OWN} AND "
                                 "service_date BETWEEN %s AND %s", (low, high)).fetchone()
        if tuple(read or ()) != tuple(kept or ()):
            raise CorruptLogError(f"the log {self.where} is damaged (your day totals from {low} to {high} disagree "
                                  "with your entries); nothing was changed. Run `rvutool doctor`, and tell the log's "
                                  "owner")

    def undo_last(self) -> Undone:
        change = self.conn.execute(f"SELECT id, kind, summary, created_at FROM {SCHEMA}.changes WHERE {_OWN} AND "
                                   "undone_at IS NULL ORDER BY id DESC LIMIT 1").fetchone()
        if change is None:
            raise RvuError("nothing to undo: every change you made in the log has been undone")
        change_id, kind, summary, created_at = change
        if kind in ("import", "recalc"):  # the days whose entries it would write back, against their totals
            span = self.conn.execute(f"SELECT MIN(e.service_date), MAX(e.service_date) FROM {SCHEMA}.change_rows r "
                                     f"JOIN {_ENTRIES} e ON e.id = r.entry_id AND e.provider = current_user WHERE "
                                     f"{_MY_CHANGE} AND r.before IS NOT NULL", (change_id,)).fetchone()
            if span and span[0]:
                self.check_period(date.fromisoformat(span[0]), date.fromisoformat(span[1]))
        done = Undone(kind, summary, created_at, 0)
        # Entries it inserted, deleted by range of ids in one statement however many (a change journaled before
        # version 6 has a row per inserted entry instead); only the user's own, whatever a range covers.
        for journaled, inserted in ((f"{SCHEMA}.change_ranges r", "e.id BETWEEN r.first_id AND r.last_id"),
                                  (f"{SCHEMA}.change_rows r", "e.id = r.entry_id AND r.before IS NULL")):
            count, credit = self.conn.execute(
                f"WITH gone AS (DELETE FROM {_ENTRIES} e USING {journaled} WHERE {_MY_CHANGE} AND {inserted} AND "
                "e.provider = current_user RETURNING e.voided, e.credited_wrvu_c) SELECT COUNT(*), "
                "COALESCE(SUM(CASE WHEN voided = 0 THEN credited_wrvu_c ELSE 0 END), 0) FROM gone",
                (change_id,)).fetchone()
            done.entries, done.net_c = done.entries + int(count), done.net_c - int(credit)
        # Entries it changed: their before-images put back, page by page (each read with its entry as it is).
        last = -1
        while True:
            rows = self.conn.execute(f"SELECT r.entry_id, r.before, {', '.join(f'e.{c}' for c in COLUMNS)} FROM "
                                     f"{SCHEMA}.change_rows r LEFT JOIN {_ENTRIES} e ON e.id = r.entry_id AND "
                                     f"e.provider = current_user WHERE {_MY_CHANGE} AND r.before IS NOT NULL AND "
                                     "r.entry_id > %s ORDER BY r.entry_id LIMIT %s",
                                     (change_id, last, PAGE)).fetchall()
            page = [(row[0], row[1]) for row in rows]
            journal.check_page(page, done)
            now = {row[0]: Entry(*row[2:]) for row in rows if row[2] is not None}
            restore_images(self, page, done, now)
            if len(rows) < PAGE:
                break
            last = rows[-1][0]
        done.favourites = self.conn.execute(f"DELETE FROM {_FAVOURITES} WHERE {_OWN} AND change_id = %s",
                                            (change_id,)).rowcount
        self.conn.execute(f"UPDATE {SCHEMA}.changes SET undone_at = %s WHERE id = %s AND {_OWN}",
                          (now_utc(), change_id))
        return done

    def favourite(self, name: str) -> FavouriteRow | None:
        row = self.conn.execute(f"SELECT name, items, change_id FROM {_FAVOURITES} WHERE {_OWN} AND name = %s",
                                (name,)).fetchone()
        return None if row is None else FavouriteRow(row[0], row[1], None if row[2] is None else int(row[2]))

    def put_favourite(self, name: str, items: str, change_id: int | None = None) -> None:
        stamp = now_utc()
        self.conn.execute(f"INSERT INTO {_FAVOURITES} (name, items, change_id, created_at, updated_at) "
                          "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (provider, name) DO UPDATE SET "
                          "items = excluded.items, change_id = excluded.change_id, updated_at = excluded.updated_at",
                          (name, items, change_id, stamp, stamp))

    def remove_favourite(self, name: str) -> bool:
        return bool(self.conn.execute(f"DELETE FROM {_FAVOURITES} WHERE {_OWN} AND name = %s", (name,)).rowcount)

    def put_contract(self, name: str, effective: str, source: str) -> None:
        self.conn.execute(f"INSERT INTO {SCHEMA}.contracts (name, effective, source, added_at) VALUES (%s, %s, %s, %s) "
                          "ON CONFLICT (provider, name, effective) DO UPDATE SET source = excluded.source, "
                          "added_at = excluded.added_at", (name, effective, source, now_utc()))

    def remove_contract(self, name: str, effective: str | None = None) -> int:
        if effective is not None:
            return self.conn.execute(f"DELETE FROM {SCHEMA}.contracts WHERE {_OWN} AND name = %s AND effective = %s",
                                     (name, effective)).rowcount
        self.conn.execute(f"DELETE FROM {SCHEMA}.contract_fees WHERE {_OWN} AND contract = %s", (name,))
        return self.conn.execute(f"DELETE FROM {SCHEMA}.contracts WHERE {_OWN} AND name = %s", (name,)).rowcount

    def replace_contract_fees(self, name: str, fees: list[tuple[str, int, int | None]]) -> int:
        before = self.conn.execute(f"DELETE FROM {SCHEMA}.contract_fees WHERE {_OWN} AND contract = %s",
                                   (name,)).rowcount
        with self.conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {SCHEMA}.contract_fees (contract, code, fee_c, lab_fee_c) "
                            "VALUES (%s, %s, %s, %s)", [(name, *fee) for fee in fees])
        return before

    def put_collection(self, month: str, amount_c: int) -> None:
        self.conn.execute(f"INSERT INTO {SCHEMA}.collections (month, amount_c, updated_at) VALUES (%s, %s, %s) "
                          "ON CONFLICT (provider, month) DO UPDATE SET amount_c = excluded.amount_c, "
                          "updated_at = excluded.updated_at", (month, amount_c, now_utc()))


# (a query counting what breaks an invariant, the sentence for it): the rows the user can see
_INVARIANTS: tuple[tuple[str, str], ...] = (
    (f"SELECT COUNT(*) FROM {_ENTRIES} WHERE voided NOT IN (0, 1) OR units NOT BETWEEN 1 AND 999 OR work_rvu_c < 0 "
     "OR base_wrvu_c < 0 OR credited_wrvu_c < 0 OR setting NOT IN ('facility', 'nonfacility')",
     "{count} entries hold values no rvutool writes (units, amounts, setting or removed flag)"),
    (f"SELECT COUNT(*) FROM {_ENTRIES} WHERE service_date !~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$'",
     "{count} entries have a date of service that is not a date"),
    (f"SELECT COUNT(*) FROM {_ENTRIES} WHERE service_key = ''", "{count} entries have no service key"),
    (f"SELECT COUNT(*) FROM (SELECT provider, service_date, code, COALESCE(no_wrvu_reason, '') AS no_wrvu_reason, "
     f"category, release, policy, COUNT(*) AS n, SUM(units) AS u, SUM(base_wrvu_c) AS b, SUM(credited_wrvu_c) AS c "
     f"FROM {_ENTRIES} WHERE voided = 0 GROUP BY 1, 2, 3, 4, 5, 6, 7) e FULL JOIN {_TOTALS} t ON "
     + " AND ".join(f"t.{c} = e.{c}" for c in TOTALS_KEY) + " "
     "WHERE e.n IS DISTINCT FROM t.entries OR e.u IS DISTINCT FROM t.units OR e.b IS DISTINCT FROM t.base_wrvu_c "
     "OR e.c IS DISTINCT FROM t.credited_wrvu_c",
     "{count} day totals differ from the entries they add up"),
    (f"SELECT COUNT(*) FROM {_ENTRIES} e JOIN {_ENTRIES} f ON f.encounter_id = e.encounter_id AND f.id > e.id "
     "AND f.service_date != e.service_date AND e.voided = 0 AND f.voided = 0",
     "{count} encounters have lines on different dates"),
    (f"SELECT COUNT(*) FROM {SCHEMA}.set_aside",
     "{count} entries were set aside when the log was upgraded, their values outside what rvutool writes; "
     f"they are kept, with why, in {SCHEMA}.set_aside"),
)


class PostgresStore(LogStore):
    def __init__(self, conn: psycopg.Connection, url: str, provider: str | None = None) -> None:
        self.conn = conn
        self.url = url
        self.where = conninfo.shown(url)
        self.provider = provider  # reading only this provider's entries (None: all the user may see)

    def _totals(self, start: date | None, end: date | None) -> tuple[str, tuple[str, ...]]:
        """The WHERE clause (and its arguments) of a period's rows of day_totals in this store's view."""
        if self.provider is None:
            return "service_date BETWEEN %s AND %s", bounds(start, end)
        return "service_date BETWEEN %s AND %s AND provider = %s", (*bounds(start, end), self.provider)

    def _live(self, start: date | None, end: date | None) -> tuple[str, tuple[str, ...]]:
        """The WHERE clause (and its arguments) of a period's live entries in this store's view."""
        if self.provider is None:
            return _LIVE, bounds(start, end)
        return f"{_LIVE} AND provider = %s", (*bounds(start, end), self.provider)

    def close(self) -> None:
        self.conn.close()

    def check_before_big_write(self) -> None:
        """PostgreSQL checks its own pages; nothing cheap to add here."""
        return None

    def problems(self) -> list[str]:
        found: list[str] = []
        with sql_errors(self.url):
            for query, message in _INVARIANTS:
                row = self.conn.execute(query).fetchone()
                if row and row[0]:
                    found.append(message.format(count=row[0]))
        return found

    @contextmanager
    def transaction(self) -> Iterator[LogTransaction]:
        import psycopg

        with sql_errors(self.url), self.conn.transaction():
            # one writer per provider at a time, on a row only that provider can see; others never wait
            try:
                self.conn.execute(_TAKE_WRITER_LOCK)
            except psycopg.errors.LockNotAvailable:
                raise RvuError(f"waited {LOCK_WAIT_SECONDS} s for another rvutool command of yours (in another "
                               "terminal, or on another machine) that is writing to the log; nothing was changed: "
                               "try again when it has finished") from None
            yield PostgresTransaction(self.conn, self.where)

    # -- reading -----------------------------------------------------------------
    def user(self) -> str:
        """The login role this store reads and writes as (the provider of what it adds)."""
        with sql_errors(self.url):
            row = self.conn.execute("SELECT current_user").fetchone()
        return str(row[0]) if row else ""

    def log_id(self) -> str:
        with sql_errors(self.url):
            row = self.conn.execute(f"SELECT value FROM {SCHEMA}.meta WHERE key = 'log_id'").fetchone()
        return row[0] if row else ""

    def entries(self, start: date | None = None, end: date | None = None, *, code: str | None = None,
                encounter: int | None = None, include_voided: bool = False) -> Iterator[Entry]:
        where = "service_date BETWEEN %s AND %s"
        args: list[Any] = list(bounds(start, end))
        if self.provider is not None:
            where += " AND provider = %s"
            args.append(self.provider)
        if not include_voided:
            where += " AND voided = 0"
        if code:
            where += " AND code = %s"
            args.append(code)
        if encounter is not None:
            where += " AND encounter_id = %s"
            args.append(encounter)
        return self._stream(where, tuple(args))

    def own_entries(self, start: date, end: date) -> Iterator[Entry]:
        return self._stream(f"{_OWN} AND {_LIVE}", bounds(start, end))

    def others_entries(self, start: date, end: date) -> Iterator[Entry]:
        """Live entries of other providers the user may read (a manager's view): theirs to change, not the user's."""
        return self._stream(f"provider <> current_user AND {_LIVE}", bounds(start, end))

    def _stream(self, where: str, args: tuple[Any, ...]) -> Iterator[Entry]:
        """Entries page by page, PostgreSQL's errors turned into rvutool's as they are read."""
        with sql_errors(self.url):
            yield from _page(self.conn, where, args)

    def favourites(self) -> list[FavouriteRow]:
        """The connected user's own favourites (a manager reads everyone's rows, but uses their own)."""
        with sql_errors(self.url):
            rows = self.conn.execute(f"SELECT name, items, change_id FROM {_FAVOURITES} WHERE {_OWN} "
                                     "ORDER BY name").fetchall()
        return [FavouriteRow(n, i, None if c is None else int(c)) for n, i, c in rows]

    def recent_codes(self, limit: int) -> list[tuple[str, str]]:
        with sql_errors(self.url):
            rows = self.conn.execute(f"SELECT code, modifiers FROM {_ENTRIES} WHERE {_OWN} AND voided = 0 "
                                     "ORDER BY id DESC LIMIT %s", (recent_rows(limit),)).fetchall()
        return newest_distinct(rows, limit)

    def get(self, entry_id: int) -> Entry:
        with sql_errors(self.url):
            row = self.conn.execute(f"{_SELECT} WHERE id = %s", (entry_id,)).fetchone()
        if row is None:
            raise no_such_entry(entry_id)
        return Entry(*row)

    def day_code_totals(self, start: date, end: date) -> list[DayCodeTotal]:
        where, args = self._totals(start, end)
        with sql_errors(self.url):
            rows = self.conn.execute(
                f"SELECT service_date, code, NULLIF(no_wrvu_reason, ''), MIN(category), SUM(entries), SUM(units), "
                f"SUM(base_wrvu_c), SUM(credited_wrvu_c) FROM {_TOTALS} WHERE {where} "
                "GROUP BY service_date, code, no_wrvu_reason", args).fetchall()
        return [DayCodeTotal(d, c, r, cat, int(n), int(u), int(b), int(cr)) for d, c, r, cat, n, u, b, cr in rows]

    def code_cases(self, start: date, end: date) -> list[tuple[str, int, int, int]]:
        where, args = self._live(start, end)
        with sql_errors(self.url):
            rows = self.conn.execute(
                f"SELECT code, COUNT(*), COUNT(DISTINCT encounter_id), SUM(credited_wrvu_c) FROM {_ENTRIES} "
                f"WHERE {where} GROUP BY code", args).fetchall()
        return [(c, int(n), int(k), int(cr)) for c, n, k, cr in rows]

    def provider_totals(self, start: date, end: date) -> list[tuple[str, int, int, int, int]]:
        """(provider, entries, units, base, credited) of the period's live entries the user can see."""
        where, args = self._totals(start, end)
        with sql_errors(self.url):
            rows = self.conn.execute(
                f"SELECT provider, SUM(entries), SUM(units), SUM(base_wrvu_c), SUM(credited_wrvu_c) FROM {_TOTALS} "
                f"WHERE {where} GROUP BY provider ORDER BY provider", args).fetchall()
        return [(p, int(n), int(u), int(b), int(c)) for p, n, u, b, c in rows]

    def distinct_policies(self, start: date, end: date, *, most: int = 2) -> list[str]:
        where, args = self._totals(start, end)
        with sql_errors(self.url):
            rows = self.conn.execute(f"SELECT DISTINCT policy FROM {_TOTALS} WHERE {where} ORDER BY policy LIMIT %s",
                                     (*args, most)).fetchall()
        return [r[0] for r in rows]

    def policy_counts(self, start: date, end: date) -> list[PolicyCount]:
        where, args = self._totals(start, end)
        with sql_errors(self.url):
            rows = self.conn.execute(f"SELECT policy, SUM(entries), MIN(service_date), MAX(service_date) "
                                     f"FROM {_TOTALS} WHERE {where} GROUP BY policy", args).fetchall()
        return [PolicyCount(p, int(n), first, last) for p, n, first, last in rows]

    def held(self, keys: Iterable[str], *, include_voided: bool) -> dict[str, int]:
        with sql_errors(self.url):
            return _held(self.conn, keys, include_voided)

    def release_counts(self, start: date, end: date) -> list[ReleaseCount]:
        """From the day totals (which keep each entry's release): a few thousand rows a year, whatever the log."""
        where, args = self._totals(start, end)
        with sql_errors(self.url):
            rows = self.conn.execute(
                f"SELECT release, SUM(entries), MIN(service_date), MAX(service_date) FROM {_TOTALS} WHERE {where} "
                "GROUP BY release ORDER BY MIN(service_date), release", args).fetchall()
        return [ReleaseCount(r, int(n), first, last) for r, n, first, last in rows]

    def _whose(self) -> tuple[str, tuple[str, ...]]:
        """Contracts, fees and collections are one provider's: the one a manager reads (--provider), else the
        connected user's own."""
        return ("provider = %s", (self.provider,)) if self.provider is not None else (_OWN, ())

    def contract_rows(self, name: str | None = None) -> list[ContractRow]:
        whose, args = self._whose()
        if name is not None:
            whose, args = f"{whose} AND name = %s", (*args, name)
        with sql_errors(self.url):
            rows = self.conn.execute(f"SELECT name, effective, source, added_at FROM {SCHEMA}.contracts WHERE "
                                     f"{whose} ORDER BY name, effective", args).fetchall()
        return [ContractRow(*r) for r in rows]

    def contract_fees(self, name: str) -> list[tuple[str, int, int | None]]:
        whose, args = self._whose()
        with sql_errors(self.url):
            rows = self.conn.execute(f"SELECT code, fee_c, lab_fee_c FROM {SCHEMA}.contract_fees WHERE {whose} AND "
                                     "contract = %s ORDER BY code", (*args, name)).fetchall()
        return [(c, int(f), None if lab is None else int(lab)) for c, f, lab in rows]

    def collections(self) -> list[tuple[str, int]]:
        whose, args = self._whose()
        with sql_errors(self.url):
            rows = self.conn.execute(f"SELECT month, amount_c FROM {SCHEMA}.collections WHERE {whose} ORDER BY month",
                                     args).fetchall()
        return [(m, int(a)) for m, a in rows]

    def payment_groups(self, start: date, end: date, cuts: tuple[date, ...] = ()) -> list[PaymentGroup]:
        # how many cut dates lie before (with none, nothing more to group by: a bare 0 would be a column position)
        side = "".join([", 0", *(" + (service_date > %s)::int" for _ in cuts)]) if cuts else ""
        live, args = self._live(start, end)
        with sql_errors(self.url):
            rows = self.conn.execute(
                f"SELECT code, modifiers, release, setting, COUNT(*), units, base_wrvu_c, credited_wrvu_c, "
                f"MIN(service_date) FROM {_ENTRIES} WHERE {live} GROUP BY code, modifiers, release, setting, units, "
                f"base_wrvu_c, credited_wrvu_c{side}",
                (*args, *(c.isoformat() for c in cuts))).fetchall()
        return [PaymentGroup(c, m, r, s, int(n), int(u), int(b), int(cr), first)
                for c, m, r, s, n, u, b, cr, first in rows]


def connect(url: str) -> psycopg.Connection:
    """A connection in autocommit (each change in an explicit transaction), its search_path pinned to
    pg_catalog, pg_temp (nothing a user creates elsewhere can stand in for a function rvutool calls) and its
    lock waits bounded; one line when it fails, naming what is wrong but never repeating the string."""
    try:
        import psycopg
        from psycopg import conninfo as libpq
    except ImportError:
        raise RvuError("a postgresql:// log needs psycopg: pip install 'rvutool[postgres]'") from None
    why = conninfo.problem(url)
    if why is None:
        try:
            params = libpq.conninfo_to_dict(url)
        except psycopg.Error as exc:
            why = conninfo.libpq_problem(str(exc))
    if why is not None:
        raise UsageError(f"the log's connection string is not valid: {why}")
    pinned = f"-c search_path=pg_catalog,pg_temp -c lock_timeout={LOCK_WAIT_SECONDS}s"
    defaults = {key: value for key, value in (("connect_timeout", 10), ("application_name", "rvutool"))
                if key not in params}
    try:
        return psycopg.connect(url, autocommit=True, options=f"{params.get('options', '')} {pinned}".strip(),
                               **defaults)
    except psycopg.Error as exc:
        raise RvuError(f"cannot use the log database {conninfo.shown(url)}: "
                       f"{_first_line(exc, url, connecting=True)}{_pgpass_hint(exc, url)}") from None


def _check_provider(conn: psycopg.Connection, provider: str) -> None:
    """`--provider NAME`: a user of this practice's log whose entries the connected user may read."""
    roles = pg_schema.group_roles(conn)
    row = conn.execute(
        "SELECT current_user, pg_catalog.pg_has_role(current_user, %s, 'MEMBER'), "
        "EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = %s AND "
        "(pg_catalog.pg_has_role(r.oid, %s, 'MEMBER') OR pg_catalog.pg_has_role(r.oid, %s, 'MEMBER')))",
        (roles.manager, provider, roles.clinician, roles.manager)).fetchone()
    me, manager, known = row if row else ("", False, False)
    if provider == me:
        return
    if not known:
        raise RvuError(f"{provider} is not a user of the practice's log")
    if not manager:
        raise RvuError(f"{provider}'s entries: a clinician sees only their own entries (the manager role reads "
                       "everyone's)")


def open_store(url: str, provider: str | None = None) -> PostgresStore:
    conn = connect(url)
    try:
        with sql_errors(url):
            found = version(conn)
            if provider is not None and found == PG_SCHEMA_VERSION:
                _check_provider(conn, provider)
    except BaseException:
        conn.close()
        raise
    if found is None or found < PG_SCHEMA_VERSION:
        conn.close()
        what = "holds no rvutool log" if found is None else "holds an older rvutool log"
        raise RvuError(f"the database {conninfo.shown(url)} {what}; its owner runs `rvutool db init` first")
    if found > PG_SCHEMA_VERSION:
        conn.close()
        raise RvuError(f"the log in {conninfo.shown(url)} was made by a newer rvutool; upgrade rvutool")
    return PostgresStore(conn, url, provider)
