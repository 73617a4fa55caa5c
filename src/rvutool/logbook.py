"""The procedure log: one SQLite file (paths.log_file()), its schema, and every change to it.

    entries        one row per logged line, with its pricing snapshot (see the contract in the
                   module docstring of `_m001_create`)
    changes        the undo journal: one row per log / edit / remove / import / recalc
    change_rows    before-images of every entry a change touched (NULL before = inserted)
    meta           key/value facts about this log (its random id, used in export keys)

Storage rules:
  - WAL mode, `synchronous=FULL` (each commit is on disk before the command says it is saved:
    one fsync per command costs about a millisecond, and "never lose an entry" is the point),
    `busy_timeout` plus `BEGIN IMMEDIATE` so concurrent writers queue instead of failing.
  - `PRAGMA application_id` marks the file as ours; `PRAGMA user_version` is the schema version.
    An older version migrates inside one transaction; a newer one is refused.
  - A file that is not an rvutool log (not SQLite, damaged, another program's database) raises
    CorruptLogError naming it; it is never reset, rewritten or migrated.
  - Only writing commands create the file (mode 0600, directory 0700). Readers never create it.
  - RVU amounts are integer hundredths (1.30 wRVU -> 130), never floats.

No typer, no rich: callers render.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rvutool import paths
from rvutool.errors import (
    CorruptLogError,
    ImportFileError,
    LogBusyError,
    LogVersionError,
    NoSuchEntryError,
    RvuError,
    UsageError,
)

if TYPE_CHECKING:
    import sqlite3

    from rvutool.codes import Catalog
    from rvutool.items import Item
    from rvutool.rules import Options, Policy, PricedEncounter

APPLICATION_ID = 0x52565554  # "RVUT"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 30.0

# Columns of the `entries` table, in order (the contract with summary.py).
COLUMNS = (
    "id", "encounter_id", "service_date", "code", "modifiers", "units", "release", "category",
    "work_rvu_c", "base_wrvu_c", "credited_wrvu_c", "no_wrvu_reason", "flags", "adjustments",
    "policy", "setting", "options", "note", "case_label", "voided", "source", "import_key",
    "created_at", "updated_at",
)
_MUTABLE = tuple(c for c in COLUMNS if c != "id")

# The columns of `rvutool export --format csv`, in order. csvformats reads this constant to
# recognise the file; logbook itself re-imports it (losslessly: the snapshot is kept, not re-priced).
EXPORT_CSV_COLUMNS = (
    "key", "id", "encounter", "date", "code", "modifiers", "units", "release", "category",
    "work_rvu", "base_wrvu", "credited_wrvu", "no_wrvu_reason", "flags", "adjustments",
    "policy", "setting", "options", "note", "case", "source", "created_at", "updated_at",
)
EXPORT_JSON_FORMAT = "rvutool-log/1"

MAX_NOTE = 500


# ---------------------------------------------------------------- amounts
def to_c(value: Decimal) -> int:
    """wRVU -> integer hundredths (exact; values are already rounded to the cent)."""
    from rvutool.rules import to_cents

    return int(to_cents(Decimal(value)) * 100)


def from_c(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------- schema and migrations
def _m001_create(conn: sqlite3.Connection) -> None:
    conn.execute("""
        CREATE TABLE entries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            encounter_id INTEGER NOT NULL,
            service_date TEXT NOT NULL,
            code TEXT NOT NULL,
            modifiers TEXT NOT NULL DEFAULT '',
            units INTEGER NOT NULL,
            release TEXT NOT NULL,
            category TEXT NOT NULL,
            work_rvu_c INTEGER NOT NULL,
            base_wrvu_c INTEGER NOT NULL,
            credited_wrvu_c INTEGER NOT NULL,
            no_wrvu_reason TEXT,
            flags TEXT NOT NULL DEFAULT '[]',
            adjustments TEXT NOT NULL DEFAULT '[]',
            policy TEXT NOT NULL DEFAULT '{}',
            setting TEXT NOT NULL DEFAULT 'facility',
            options TEXT NOT NULL DEFAULT '{}',
            note TEXT,
            case_label TEXT,
            voided INTEGER NOT NULL DEFAULT 0,
            source TEXT NOT NULL,
            import_key TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""")
    conn.execute("CREATE INDEX entries_date ON entries (voided, service_date)")
    conn.execute("CREATE INDEX entries_code ON entries (voided, code)")
    conn.execute("CREATE INDEX entries_encounter ON entries (encounter_id)")
    conn.execute("CREATE INDEX entries_import_key ON entries (import_key) WHERE import_key IS NOT NULL")
    # Covering indexes for summaries (summary.py): a year of a 1M-entry log streams from the index.
    conn.execute("CREATE INDEX entries_summary ON entries (voided, service_date, code, no_wrvu_reason, "
                 "category, units, base_wrvu_c, credited_wrvu_c)")
    conn.execute("CREATE INDEX entries_policy ON entries (voided, policy, service_date)")
    conn.execute("""
        CREATE TABLE changes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            summary TEXT NOT NULL,
            created_at TEXT NOT NULL,
            undone_at TEXT
        )""")
    conn.execute("""
        CREATE TABLE change_rows (
            change_id INTEGER NOT NULL REFERENCES changes (id),
            entry_id INTEGER NOT NULL,
            before TEXT,
            PRIMARY KEY (change_id, entry_id)
        ) WITHOUT ROWID""")
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute("INSERT INTO meta (key, value) VALUES ('log_id', ?)", (uuid.uuid4().hex[:16],))


# MIGRATIONS[n] takes a log from schema version n to n + 1. Append; never edit a released step.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_m001_create]


# ---------------------------------------------------------------- opening
def _translate(exc: Exception, path: Path) -> RvuError:
    text = str(exc)
    low = text.lower()
    if "locked" in low or "busy" in low:
        return LogBusyError(f"the log {path} is busy (another rvutool is writing to it); try again")
    if "unable to open" in low:
        return RvuError(f"cannot open the log {path}: {text}")
    if "disk i/o" in low or "readonly" in low or "read-only" in low or "disk is full" in low:
        return RvuError(f"cannot write the log {path}: {text}; nothing was changed")
    return CorruptLogError(
        f"the log {path} is damaged or is not an rvutool log ({text}); it was left untouched: "
        "keep a copy, and move it aside to start a new log"
    )


@contextmanager
def _sql_errors(path: Path) -> Iterator[None]:
    import sqlite3

    try:
        yield
    except sqlite3.DatabaseError as exc:
        raise _translate(exc, path) from None


_GUARDED: dict[str, type] = {}


def _guarded_factory() -> type:
    """A Connection whose every statement and fetch turns SQLite errors into RvuErrors naming the file.

    Summaries (summary.py) get this connection too, so a page that turns out to be damaged halfway
    through a report is still a one-line `Error: the log ... is damaged`, not a traceback.
    """
    if "connection" in _GUARDED:
        return _GUARDED["connection"]
    import sqlite3

    class GuardedCursor(sqlite3.Cursor):
        def execute(self, *args: Any) -> Any:
            with _sql_errors(self.connection.path):  # type: ignore[attr-defined]
                return super().execute(*args)

        def executemany(self, *args: Any) -> Any:
            with _sql_errors(self.connection.path):  # type: ignore[attr-defined]
                return super().executemany(*args)

        def fetchone(self) -> Any:
            with _sql_errors(self.connection.path):  # type: ignore[attr-defined]
                return super().fetchone()

        def fetchmany(self, *args: Any) -> Any:
            with _sql_errors(self.connection.path):  # type: ignore[attr-defined]
                return super().fetchmany(*args)

        def fetchall(self) -> Any:
            with _sql_errors(self.connection.path):  # type: ignore[attr-defined]
                return super().fetchall()

        def __next__(self) -> Any:
            with _sql_errors(self.connection.path):  # type: ignore[attr-defined]
                return super().__next__()

    class GuardedConnection(sqlite3.Connection):
        path: Path

        def cursor(self, factory: Any = GuardedCursor) -> Any:  # type: ignore[override]
            return super().cursor(factory)

        def execute(self, *args: Any) -> Any:  # type: ignore[override]
            return self.cursor().execute(*args)

        def executemany(self, *args: Any) -> Any:  # type: ignore[override]
            return self.cursor().executemany(*args)

    _GUARDED["connection"] = GuardedConnection
    return GuardedConnection


def _connect(path: Path) -> sqlite3.Connection:
    import sqlite3

    with _sql_errors(path):
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None,
                               factory=_guarded_factory())
        conn.path = path  # type: ignore[attr-defined]
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    conn.row_factory = sqlite3.Row
    return conn


def _inspect(conn: sqlite3.Connection, path: Path) -> int:
    """The log's schema version; 0 for a new, empty file. Raises for anything not ours."""
    # One statement, so one snapshot: read separately, a writer creating the log at the same
    # moment could be seen half-way (no application id yet, but already a schema).
    with _sql_errors(path):
        app_id, version, objects = conn.execute(
            "SELECT (SELECT application_id FROM pragma_application_id), "
            "(SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master)").fetchone()
    if app_id != APPLICATION_ID:
        if app_id == 0 and version == 0 and objects == 0:
            return 0  # an empty file: created by us a moment ago, or left by a crash before the first commit
        raise CorruptLogError(
            f"the log {path} is a SQLite database of another program, not an rvutool log; "
            "it was left untouched: move it aside or set RVUTOOL_HOME"
        )
    if version > SCHEMA_VERSION:
        raise LogVersionError(
            f"the log {path} was written by a newer rvutool (log schema version {version}; this "
            f"rvutool knows up to {SCHEMA_VERSION}); upgrade rvutool. The file was left untouched"
        )
    return int(version)


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    with _sql_errors(path):
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = _inspect(conn, path)  # another process may have migrated meanwhile
            for step in range(version, SCHEMA_VERSION):
                MIGRATIONS[step](conn)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _tune(conn: sqlite3.Connection, path: Path) -> None:
    import sqlite3

    with _sql_errors(path):
        conn.execute("PRAGMA synchronous = FULL")
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    if mode != "wal":
        try:
            conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError:
            pass  # another process holds the file; the next writer switches it


def open_for_writing() -> LogBook:
    """Open (creating it, 0600 in a 0700 directory, when absent) and migrate the log."""
    path = paths.log_file()
    paths.ensure_private_dir(path.parent)
    if path.is_dir():
        raise RvuError(f"cannot open the log {path}: it is a directory")
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise RvuError(f"cannot create the log {path}: {exc.strerror or exc}") from None
    conn = _connect(path)
    try:
        if _inspect(conn, path) < SCHEMA_VERSION:
            _migrate(conn, path)
        _tune(conn, path)
    except BaseException:
        conn.close()
        raise
    return LogBook(conn, path)


def open_for_reading() -> LogBook | None:
    """The log, for reading; None when there is none (nothing is created)."""
    path = paths.log_file()
    if not path.exists():
        return None
    if path.is_dir():
        raise RvuError(f"cannot open the log {path}: it is a directory")
    conn = _connect(path)
    try:
        version = _inspect(conn, path)
    except BaseException:
        conn.close()
        raise
    if version < SCHEMA_VERSION:
        conn.close()
        if version == 0:
            return None  # an empty file: nothing logged yet
        return open_for_writing()  # an older schema: migrate once, then read
    with _sql_errors(path):
        conn.execute("PRAGMA query_only = ON")
    return LogBook(conn, path)


@contextmanager
def reading() -> Iterator[LogBook | None]:
    """`with reading() as book:` the log for reading (None when absent), closed however the block ends."""
    book = open_for_reading()
    try:
        yield book
    finally:
        if book is not None:
            book.close()


def connect_readonly() -> sqlite3.Connection | None:
    """A connection for summaries (the contract with summary.py); None when there is no log."""
    book = open_for_reading()
    return None if book is None else book.conn


# ---------------------------------------------------------------- entries
@dataclass
class Entry:
    id: int
    encounter_id: int
    service_date: str
    code: str
    modifiers: str
    units: int
    release: str
    category: str
    work_rvu_c: int
    base_wrvu_c: int
    credited_wrvu_c: int
    no_wrvu_reason: str | None
    flags: str
    adjustments: str
    policy: str
    setting: str
    options: str
    note: str | None
    case_label: str | None
    voided: int
    source: str
    import_key: str | None
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: Any) -> Entry:
        return cls(**{name: row[name] for name in COLUMNS})

    @property
    def modifier_list(self) -> list[str]:
        return [m for m in self.modifiers.split("-") if m]

    @property
    def item_text(self) -> str:
        return self.code + "".join(f"-{m}" for m in self.modifier_list)

    @property
    def date(self) -> date:
        return date.fromisoformat(self.service_date)

    @property
    def base_wrvu(self) -> Decimal:
        return from_c(self.base_wrvu_c)

    @property
    def credited_wrvu(self) -> Decimal:
        return from_c(self.credited_wrvu_c)

    @property
    def work_rvu(self) -> Decimal:
        return from_c(self.work_rvu_c)

    @property
    def flag_list(self) -> list[str]:
        return list(json.loads(self.flags or "[]"))

    @property
    def adjustment_list(self) -> list[dict[str, Any]]:
        return list(json.loads(self.adjustments or "[]"))

    @property
    def option_dict(self) -> dict[str, Any]:
        return dict(json.loads(self.options or "{}"))

    def as_item(self) -> Item:
        from rvutool.items import Item

        return Item(self.code, tuple(self.modifier_list), self.units)

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in COLUMNS}

    def to_dict(self) -> dict[str, Any]:
        """The shape of `list --json` and of each line of `log --json`."""
        return {
            "id": self.id,
            "encounter": self.encounter_id,
            "date": self.service_date,
            "code": self.code,
            "modifiers": self.modifier_list,
            "units": self.units,
            "release": self.release,
            "work_rvu": self.work_rvu,
            "base_wrvu": self.base_wrvu,
            "credited_wrvu": self.credited_wrvu,
            "no_wrvu_reason": self.no_wrvu_reason,
            "flags": self.flag_list,
            "adjustments": self.adjustment_list,
            "setting": self.setting,
            "note": self.note,
            "case": self.case_label,
            "removed": bool(self.voided),
        }


def options_dict(options: Options) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if options.fraction is not None:
        out["fraction"] = str(options.fraction)
    if options.postop_days is not None:
        out["postop_days"] = options.postop_days
    return out


def snapshot(encounter: PricedEncounter, *, note: str | None = None, case_label: str | None = None,
             source: str = "cli") -> list[dict[str, Any]]:
    """Column values (all but id, encounter_id, timestamps) for each priced line."""
    out = []
    policy = json.dumps(encounter.policy.to_dict(), sort_keys=True)
    opts = json.dumps(options_dict(encounter.options), sort_keys=True)
    for line in encounter.lines:
        adjustments = []
        for adj in line.adjustments:
            record = adj.to_dict()
            record["factor"] = str(adj.factor)
            adjustments.append(record)
        out.append({
            "service_date": encounter.date.isoformat(),
            "code": line.item.code,
            "modifiers": "-".join(line.item.modifiers),
            "units": line.item.units,
            "release": line.row.release.id,
            "category": line.row.category,
            "work_rvu_c": to_c(line.row.work_rvu),
            "base_wrvu_c": to_c(line.base_wrvu),
            "credited_wrvu_c": to_c(line.credited_wrvu),
            "no_wrvu_reason": line.no_work_reason,
            "flags": json.dumps(list(line.flags)),
            "adjustments": json.dumps(adjustments),
            "policy": policy,
            "setting": encounter.options.setting,
            "options": opts,
            "note": note,
            "case_label": case_label,
            "voided": 0,
            "source": source,
            "import_key": None,
        })
    return out


_PRICE_FIELDS = ("service_date", "code", "modifiers", "units", "release", "category", "work_rvu_c",
                 "base_wrvu_c", "credited_wrvu_c", "no_wrvu_reason", "flags", "adjustments", "policy",
                 "setting", "options")


def policy_from_json(text: str) -> Policy:
    from dataclasses import fields

    from rvutool.rules import Policy

    stored = json.loads(text or "{}")
    known = {f.name for f in fields(Policy)}
    return Policy(**{k: v for k, v in stored.items() if k in known})


def options_from_entry(entry: Entry) -> Options:
    from rvutool.rules import Options

    stored = entry.option_dict
    fraction = Decimal(stored["fraction"]) if stored.get("fraction") is not None else None
    return Options(setting=entry.setting, fraction=fraction, postop_days=stored.get("postop_days"))


def item_label(entry: Entry | dict[str, Any]) -> str:
    if isinstance(entry, Entry):
        return entry.item_text + (f"x{entry.units}" if entry.units != 1 else "")
    mods = "".join(f"-{m}" for m in entry["modifiers"].split("-") if m)
    return entry["code"] + mods + (f"x{entry['units']}" if entry["units"] != 1 else "")


# ---------------------------------------------------------------- plans (computed, then applied)
@dataclass
class ImportPlan:
    source: Path
    fmt: str
    rows: list[dict[str, Any]]  # column values; "_encounter" groups lines into encounters
    duplicates: int = 0
    skipped: list[str] = field(default_factory=list)

    @property
    def encounters(self) -> int:
        return len({r["_encounter"] for r in self.rows})


@dataclass
class RecalcPlan:
    label: str
    entries: list[Entry]
    new_values: dict[int, dict[str, Any]]  # entry id -> new pricing columns (changed ones only)
    old_total_c: int
    new_total_c: int

    @property
    def changed(self) -> int:
        return len(self.new_values)


@dataclass
class Undone:
    kind: str
    summary: str
    created_at: str
    entries: int


# ---------------------------------------------------------------- the log
class LogBook:
    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> LogBook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it or none of it."""
        with _sql_errors(self.path):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with _sql_errors(self.path):
            yield self.conn

    # -- small helpers -----------------------------------------------------
    def log_id(self) -> str:
        with self._read() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'log_id'").fetchone()
        return row[0] if row else ""

    def _next_encounter(self, db: sqlite3.Connection) -> int:
        return int(db.execute("SELECT COALESCE(MAX(encounter_id), 0) + 1 FROM entries").fetchone()[0])

    def _insert(self, db: sqlite3.Connection, values: dict[str, Any]) -> int:
        names = [c for c in _MUTABLE if c in values]
        cur = db.execute(f"INSERT INTO entries ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                         [values[c] for c in names])
        return int(cur.lastrowid or 0)

    def _journal(self, db: sqlite3.Connection, kind: str, summary: str,
                 before: Iterable[tuple[int, str | None]]) -> int:
        cur = db.execute("INSERT INTO changes (kind, summary, created_at) VALUES (?, ?, ?)",
                         (kind, summary, now_utc()))
        change_id = int(cur.lastrowid or 0)
        db.executemany("INSERT INTO change_rows (change_id, entry_id, before) VALUES (?, ?, ?)",
                       ((change_id, entry_id, image) for entry_id, image in before))
        return change_id

    def _fetch(self, db: sqlite3.Connection, entry_id: int) -> Entry:
        row = db.execute("SELECT * FROM entries WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise NoSuchEntryError(f"no entry #{entry_id} in the log (see `rvutool list --all`)")
        return Entry.from_row(row)

    def _update(self, db: sqlite3.Connection, entry_id: int, values: dict[str, Any]) -> None:
        names = [c for c in values if c in _MUTABLE]
        db.execute(f"UPDATE entries SET {', '.join(f'{c} = ?' for c in names)} WHERE id = ?",
                   [values[c] for c in names] + [entry_id])

    # -- reading -------------------------------------------------------------
    def entries(self, start: date | None = None, end: date | None = None, *, code: str | None = None,
                include_voided: bool = False) -> list[Entry]:
        sql = "SELECT * FROM entries WHERE service_date BETWEEN ? AND ?"
        args: list[Any] = [(start or date(1, 1, 1)).isoformat(), (end or date(9999, 12, 31)).isoformat()]
        if not include_voided:
            sql += " AND voided = 0"
        if code:
            sql += " AND code = ?"
            args.append(code)
        sql += " ORDER BY service_date, id"
        with self._read() as db:
            return [Entry.from_row(r) for r in db.execute(sql, args)]

    def get(self, entry_id: int) -> Entry:
        with self._read() as db:
            return self._fetch(db, entry_id)

    def count(self) -> int:
        with self._read() as db:
            return int(db.execute("SELECT count(*) FROM entries WHERE voided = 0").fetchone()[0])

    # -- log -----------------------------------------------------------------
    def add_encounter(self, encounter: PricedEncounter, *, note: str | None = None,
                      case_label: str | None = None) -> list[Entry]:
        rows = snapshot(encounter, note=note, case_label=case_label, source="cli")
        stamp = now_utc()
        with self._write() as db:
            encounter_id = self._next_encounter(db)
            ids = []
            for values in rows:
                values.update(encounter_id=encounter_id, created_at=stamp, updated_at=stamp)
                ids.append(self._insert(db, values))
            labels = ", ".join(f"#{i} {item_label(v)}" for i, v in zip(ids, rows, strict=True))
            self._journal(db, "log", f"log of {len(ids)} {_plural(len(ids))} on "
                                     f"{encounter.date.isoformat()} ({labels})", ((i, None) for i in ids))
            return [self._fetch(db, i) for i in ids]

    # -- edit / remove ---------------------------------------------------------
    def _siblings(self, db: sqlite3.Connection, encounter_id: int) -> list[Entry]:
        rows = db.execute("SELECT * FROM entries WHERE encounter_id = ? AND voided = 0 ORDER BY id",
                          (encounter_id,))
        return [Entry.from_row(r) for r in rows]

    def _reprice(self, entries: list[Entry], items: list[Item], on: date, catalog: Catalog | None,
                 policy: Policy | None = None) -> list[dict[str, Any]]:
        """New pricing columns for entries priced together as one encounter."""
        from rvutool.rules import price_encounter

        if not entries:
            return []
        first = entries[0]
        priced = price_encounter(items, on, catalog=catalog,
                                 policy=policy or policy_from_json(first.policy),
                                 options=options_from_entry(first))
        fresh = snapshot(priced)
        return [{k: v[k] for k in _PRICE_FIELDS} for v in fresh]

    def edit(self, entry_id: int, *, on: date | None = None, units: int | None = None,
             modifiers: tuple[str, ...] | None = None, note: str | None = None, case_label: str | None = None,
             set_note: bool = False, set_case: bool = False, catalog: Catalog | None = None) -> Entry:
        from rvutool.codes import Catalog
        from rvutool.items import Item

        catalog = catalog or Catalog()
        stamp = now_utc()
        with self._write() as db:
            entry = self._fetch(db, entry_id)
            if entry.voided:
                raise RvuError(f"entry #{entry_id} was removed; `rvutool undo` restores it if that was "
                               "the last change")
            touched: dict[int, Entry] = {entry.id: entry}
            updates: dict[int, dict[str, Any]] = {}
            if on is not None or units is not None or modifiers is not None:
                item = Item(entry.code, modifiers if modifiers is not None else tuple(entry.modifier_list),
                            units if units is not None else entry.units)
                new_date = on or entry.date
                siblings = self._siblings(db, entry.encounter_id)
                if new_date != entry.date:
                    # A different day is a different encounter: the line moves to one of its own.
                    moved = self._reprice([entry], [item], new_date, catalog)[0]
                    moved["encounter_id"] = self._next_encounter(db)
                    updates[entry.id] = moved
                    rest = [s for s in siblings if s.id != entry.id]
                    for sib, vals in zip(rest, self._reprice(rest, [s.as_item() for s in rest], entry.date,
                                                             catalog), strict=True):
                        touched[sib.id], updates[sib.id] = sib, vals
                else:
                    items = [item if s.id == entry.id else s.as_item() for s in siblings]
                    for sib, vals in zip(siblings, self._reprice(siblings, items, new_date, catalog),
                                         strict=True):
                        touched[sib.id], updates[sib.id] = sib, vals
            if set_note:
                updates.setdefault(entry.id, {})["note"] = note
            if set_case:
                updates.setdefault(entry.id, {})["case_label"] = case_label
            before = []
            for eid, vals in updates.items():
                old = touched[eid]
                if all(getattr(old, k) == v for k, v in vals.items()):
                    continue
                vals["updated_at"] = stamp
                self._update(db, eid, vals)
                before.append((eid, json.dumps(old.values())))
            if not before:
                raise RvuError(f"entry #{entry_id} already has those values; nothing was changed")
            after = self._fetch(db, entry_id)
            self._journal(db, "edit", f"edit of entry #{entry_id} ({item_label(entry)} on {entry.service_date}"
                                      f" -> {item_label(after)} on {after.service_date})", before)
            return after

    def remove(self, ids: list[int], *, catalog: Catalog | None = None) -> list[Entry]:
        from rvutool.codes import Catalog

        catalog = catalog or Catalog()
        stamp = now_utc()
        with self._write() as db:
            targets = []
            for entry_id in dict.fromkeys(ids):
                entry = self._fetch(db, entry_id)
                if entry.voided:
                    raise RvuError(f"entry #{entry_id} is already removed")
                targets.append(entry)
            before = {e.id: json.dumps(e.values()) for e in targets}
            for entry in targets:
                db.execute("UPDATE entries SET voided = 1, updated_at = ? WHERE id = ?", (stamp, entry.id))
            # The rest of each encounter is priced again without the removed lines.
            for encounter_id in dict.fromkeys(e.encounter_id for e in targets):
                rest = self._siblings(db, encounter_id)
                if not rest:
                    continue
                for sib, vals in zip(rest, self._reprice(rest, [s.as_item() for s in rest], rest[0].date,
                                                         catalog), strict=True):
                    if any(getattr(sib, k) != v for k, v in vals.items()):
                        before.setdefault(sib.id, json.dumps(sib.values()))
                        vals["updated_at"] = stamp
                        self._update(db, sib.id, vals)
            labels = ", ".join(f"#{e.id} {item_label(e)}" for e in targets)
            self._journal(db, "remove", f"removal of {len(targets)} {_plural(len(targets))} ({labels})",
                          before.items())
            return targets

    # -- undo ------------------------------------------------------------------
    def undo(self) -> Undone:
        with self._write() as db:
            change = db.execute("SELECT * FROM changes WHERE undone_at IS NULL ORDER BY id DESC LIMIT 1").fetchone()
            if change is None:
                raise RvuError("nothing to undo: every change in the log has been undone")
            rows = db.execute("SELECT entry_id, before FROM change_rows WHERE change_id = ?",
                              (change["id"],)).fetchall()
            db.execute("DELETE FROM entries WHERE id IN "
                       "(SELECT entry_id FROM change_rows WHERE change_id = ? AND before IS NULL)",
                       (change["id"],))
            for row in rows:
                if row["before"] is not None:
                    old = json.loads(row["before"])
                    self._update(db, row["entry_id"], {k: old[k] for k in _MUTABLE})
            db.execute("UPDATE changes SET undone_at = ? WHERE id = ?", (now_utc(), change["id"]))
            return Undone(change["kind"], change["summary"], change["created_at"], len(rows))

    # -- recalc ----------------------------------------------------------------
    def plan_recalc(self, start: date, end: date, label: str, policy: Policy,
                    catalog: Catalog | None = None) -> RecalcPlan:
        from rvutool.logimport import CachedCatalog

        catalog = catalog or CachedCatalog()  # one dataset read for the whole period
        entries = self.entries(start, end)
        groups: dict[int, list[Entry]] = {}
        for entry in entries:
            groups.setdefault(entry.encounter_id, []).append(entry)
        new_values: dict[int, dict[str, Any]] = {}
        new_total = 0
        for members in groups.values():
            members.sort(key=lambda e: e.id)
            try:
                fresh = self._reprice(members, [m.as_item() for m in members], members[0].date, catalog, policy)
            except RvuError as exc:
                raise RvuError(f"entry #{members[0].id} ({members[0].service_date}): {exc.message}") from None
            for member, vals in zip(members, fresh, strict=True):
                new_total += vals["credited_wrvu_c"]
                if any(getattr(member, k) != v for k, v in vals.items()):
                    new_values[member.id] = vals
        old_total = sum(e.credited_wrvu_c for e in entries)
        return RecalcPlan(label, entries, new_values, old_total, new_total)

    def apply_recalc(self, plan: RecalcPlan) -> int:
        stamp = now_utc()
        by_id = {e.id: e for e in plan.entries}
        with self._write() as db:
            before = []
            for entry_id, vals in plan.new_values.items():
                current = self._fetch(db, entry_id)
                if current.values() != by_id[entry_id].values():
                    raise RvuError("the log changed while recalc was waiting; nothing was changed: run it again")
                self._update(db, entry_id, dict(vals, updated_at=stamp))
                before.append((entry_id, json.dumps(current.values())))
            self._journal(db, "recalc", f"recalc of {len(before)} {_plural(len(before))} in {plan.label} "
                                        f"({from_c(plan.old_total_c)} -> {from_c(plan.new_total_c)} wRVU)", before)
        return len(before)

    # -- export / import ---------------------------------------------------------
    def export_records(self, start: date, end: date) -> list[dict[str, Any]]:
        log_id = self.log_id()
        return [export_record(e, log_id) for e in self.entries(start, end)]

    def dedupe(self, plan: ImportPlan) -> ImportPlan:
        """Drop rows already in this log (by import key, or this log's own export keys)."""
        with self._read() as db:
            return self._dedupe(db, plan)

    def _dedupe(self, db: sqlite3.Connection, plan: ImportPlan) -> ImportPlan:
        keys = {r[0] for r in db.execute("SELECT import_key FROM entries WHERE import_key IS NOT NULL")}
        ids = {r[0] for r in db.execute("SELECT id FROM entries")}
        row = db.execute("SELECT value FROM meta WHERE key = 'log_id'").fetchone()
        own = (row[0] if row else "") + ":"
        kept, dropped = [], 0
        for row in plan.rows:
            key = row["import_key"]
            if key in keys or (key.startswith(own) and key[len(own):].isdigit() and int(key[len(own):]) in ids):
                dropped += 1
            else:
                kept.append(row)
        plan.rows, plan.duplicates = kept, plan.duplicates + dropped
        return plan

    def apply_import(self, plan: ImportPlan, progress: Callable[[int], None] | None = None) -> list[int]:
        stamp = now_utc()
        with self._write() as db:
            self._dedupe(db, plan)  # inside the transaction: a concurrent import cannot slip in between
            first = int(db.execute("SELECT COALESCE(MAX(id), 0) FROM entries").fetchone()[0])
            encounter_ids: dict[Any, int] = {}
            next_encounter = self._next_encounter(db)
            for n, row in enumerate(plan.rows, 1):
                values = {k: v for k, v in row.items() if not k.startswith("_")}
                group = row["_encounter"]
                if group not in encounter_ids:
                    encounter_ids[group] = next_encounter
                    next_encounter += 1
                values["encounter_id"] = encounter_ids[group]
                values.setdefault("created_at", stamp)
                values["updated_at"] = values.get("updated_at") or stamp
                self._insert(db, values)
                if progress is not None and n % 500 == 0:
                    progress(n)
            new_ids = [int(r[0]) for r in db.execute("SELECT id FROM entries WHERE id > ? ORDER BY id", (first,))]
            self._journal(db, "import", f"import of {len(new_ids)} {_plural(len(new_ids))} from {plan.source.name}",
                          ((i, None) for i in new_ids))
        if progress is not None:
            progress(len(plan.rows))
        return new_ids


def _plural(n: int) -> str:
    return "entry" if n == 1 else "entries"


# ---------------------------------------------------------------- export format
def export_key(entry: Entry, log_id: str) -> str:
    return entry.import_key or f"{log_id}:{entry.id}"


def export_record(entry: Entry, log_id: str) -> dict[str, Any]:
    """One exported entry (JSON); the CSV writes the same fields as text."""
    return {
        "key": export_key(entry, log_id),
        "id": entry.id,
        "encounter": entry.encounter_id,
        "date": entry.service_date,
        "code": entry.code,
        "modifiers": entry.modifiers,
        "units": entry.units,
        "release": entry.release,
        "category": entry.category,
        "work_rvu": str(entry.work_rvu),
        "base_wrvu": str(entry.base_wrvu),
        "credited_wrvu": str(entry.credited_wrvu),
        "no_wrvu_reason": entry.no_wrvu_reason,
        "flags": entry.flag_list,
        "adjustments": entry.adjustment_list,
        "policy": json.loads(entry.policy or "{}"),
        "setting": entry.setting,
        "options": entry.option_dict,
        "note": entry.note,
        "case": entry.case_label,
        "source": entry.source,
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
    }


_JSON_FIELDS = ("flags", "adjustments", "policy", "options")


def export_csv(records: list[dict[str, Any]]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_CSV_COLUMNS)
    for rec in records:
        row = []
        for name in EXPORT_CSV_COLUMNS:
            value = rec[name]
            if name in _JSON_FIELDS:
                value = json.dumps(value, sort_keys=True, separators=(",", ":"))
            row.append("" if value is None else value)
        writer.writerow(row)
    return out.getvalue()


def export_json(records: list[dict[str, Any]], period: dict[str, Any]) -> str:
    payload = {"format": EXPORT_JSON_FORMAT, "exported_at": now_utc(), "period": period, "entries": records}
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- import: rvutool's own files
def _bad(path: Path, line: int | None, message: str) -> ImportFileError:
    where = f"{path} line {line}" if line is not None else str(path)
    return ImportFileError(f"{where}: {message}; nothing was imported")


def _amount(text: Any, name: str) -> int:
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"{name} {text!r} is not a number") from None
    if not value.is_finite() or value < 0 or value > 100000 or value != value.quantize(Decimal("0.01")):
        raise ValueError(f"{name} {text!r} is not an amount of wRVU with at most 2 decimals")
    return int(value * 100)


@lru_cache(maxsize=4096)
def _json_text(value: str, name: str, kind: type) -> str:
    """_json_field for text cells; memoised, since the policy cell repeats on every row of a file."""
    try:
        parsed = json.loads(value) if value.strip() else kind()
    except ValueError:
        raise ValueError(f"{name} is not valid JSON") from None
    return _json_field(parsed, name, kind)


def _json_field(value: Any, name: str, kind: type) -> str:
    if isinstance(value, str):
        return _json_text(value, name, kind)
    if not isinstance(value, kind):
        raise ValueError(f"{name} should be a JSON {kind.__name__}")
    return json.dumps(value, sort_keys=kind is dict)


def own_record_to_row(rec: dict[str, Any], *, today: date, allow_identifiers: bool) -> dict[str, Any]:
    """Validate one exported record and turn it into column values (the snapshot is kept)."""
    from rvutool import dates, items, taxonomy
    from rvutool.rules import SETTINGS

    def text(name: str) -> str:
        value = rec.get(name)
        return "" if value is None else str(value).strip()

    try:
        on = dates.parse_date(text("date"))
    except RvuError as exc:
        raise ValueError(exc.message) from None
    if on > today:
        raise ValueError(f"{on} is in the future")
    code = items.check_code(text("code"))
    mods = tuple(items.check_modifier(m) for m in text("modifiers").split("-") if m)
    units_text = text("units")
    if not units_text.isdigit() or not 1 <= int(units_text) <= items.MAX_UNITS:
        raise ValueError(f"units {units_text!r} must be a whole number from 1 to {items.MAX_UNITS}")
    release = text("release").upper()
    if not release or len(release) > 12 or not release.isalnum():
        raise ValueError(f"release {release!r} is not a CMS release id such as RVU26C")
    setting = text("setting") or "facility"
    if setting not in SETTINGS:
        raise ValueError(f"setting {setting!r} must be facility or nonfacility")
    key = text("key")
    if not key:
        raise ValueError("the key column is empty")
    note, case = rec.get("note") or None, rec.get("case") or None
    for name, value in (("note", note), ("case", case)):
        if value is not None:
            check_free_text(str(value), field=name, allow=allow_identifiers)
    source = text("source") or "import"
    row = {
        "service_date": on.isoformat(), "code": code, "modifiers": "-".join(mods), "units": int(units_text),
        "release": release, "category": text("category") or taxonomy.category_of(code),
        "work_rvu_c": _amount(text("work_rvu") or "0", "work_rvu"),
        "base_wrvu_c": _amount(text("base_wrvu"), "base_wrvu"),
        "credited_wrvu_c": _amount(text("credited_wrvu"), "credited_wrvu"),
        "no_wrvu_reason": text("no_wrvu_reason") or None,
        "flags": _json_field(rec.get("flags", "[]"), "flags", list),
        "adjustments": _json_field(rec.get("adjustments", "[]"), "adjustments", list),
        "policy": _json_field(rec.get("policy", "{}"), "policy", dict),
        "setting": setting,
        "options": _json_field(rec.get("options", "{}"), "options", dict),
        "note": None if note is None else str(note), "case_label": None if case is None else str(case),
        "voided": 0, "source": source if source in {"cli", "import"} else "import", "import_key": key,
        "_encounter": text("encounter") or key,
    }
    for stamp in ("created_at", "updated_at"):
        if text(stamp):
            try:
                datetime.fromisoformat(text(stamp))
            except ValueError:
                raise ValueError(f"{stamp} {text(stamp)!r} is not a timestamp") from None
            row[stamp] = text(stamp)
    return row


def check_free_text(text: str, *, field: str, allow: bool) -> None:
    """Length, control characters, then the patient-identifier guard (phi.py)."""
    if len(text) > MAX_NOTE:
        raise UsageError(f"{field} is {len(text)} characters long; keep it under {MAX_NOTE}")
    if any((ord(ch) < 32 and ch != "\t") or 0x7F <= ord(ch) < 0xA0 for ch in text):
        raise UsageError(f"{field} contains control characters (such as a newline or a terminal escape)")
    from rvutool import phi

    phi.check_free_text(text, field=field, allow=allow)


def read_own_file(path: Path, raw: bytes, *, today: date, allow_identifiers: bool,
                  skip_bad: bool) -> ImportPlan | None:
    """Parse an rvutool export (CSV or JSON); None when the file is in another format."""
    head = raw.lstrip()[:200]
    records: list[tuple[int | None, dict[str, Any]]] = []
    if head.startswith(b"{"):
        try:
            payload = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise _bad(path, None, f"is not UTF-8 text (byte {exc.start})") from None
        except ValueError as exc:
            raise _bad(path, getattr(exc, "lineno", None), f"is not valid JSON ({exc.args[0].split(':')[0]})") from None
        if not isinstance(payload, dict) or payload.get("format") != EXPORT_JSON_FORMAT:
            raise _bad(path, None, f"is JSON but not an rvutool export (expected format {EXPORT_JSON_FORMAT})")
        entries = payload.get("entries")
        if not isinstance(entries, list):
            raise _bad(path, None, "has no list of entries")
        records = [(None, e) if isinstance(e, dict) else (None, {"_bad": e}) for e in entries]
        fmt = "rvutool JSON export"
    else:
        first_line = raw.split(b"\n", 1)[0].strip().lstrip(b"\xef\xbb\xbf")
        if first_line.split(b",")[:4] != [c.encode() for c in EXPORT_CSV_COLUMNS[:4]]:
            return None
        import csv
        import io

        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise _bad(path, line, "is not UTF-8 text") from None
        try:
            reader = csv.reader(io.StringIO(text, newline=""), strict=True)
            header = next(reader)
            if tuple(header) != EXPORT_CSV_COLUMNS:
                missing = [c for c in EXPORT_CSV_COLUMNS if c not in header]
                missing_text = ", ".join(missing) or "order"
                raise _bad(path, 1, f"the header is not rvutool's export header (missing: {missing_text})")
            for row in reader:
                if not row:
                    continue
                if len(row) != len(header):
                    raise _bad(path, reader.line_num, f"has {len(row)} cells, expected {len(header)} "
                                                      "(a truncated or damaged row)")
                records.append((reader.line_num, dict(zip(header, row, strict=True))))
        except csv.Error as exc:
            raise _bad(path, reader.line_num, f"is not valid CSV ({exc})") from None
        fmt = "rvutool CSV export"
    plan = ImportPlan(source=path, fmt=fmt, rows=[])
    for index, (line, rec) in enumerate(records, 1):
        where = line if line is not None else None
        try:
            if "_bad" in rec:
                raise ValueError("an entry is not an object")
            plan.rows.append(own_record_to_row(rec, today=today, allow_identifiers=allow_identifiers))
        except (ValueError, RvuError) as exc:
            message = exc.message if isinstance(exc, RvuError) else str(exc)
            label = f"line {where}" if where is not None else f"entry {index}"
            if skip_bad:
                plan.skipped.append(f"{label}: {message}")
                continue
            raise ImportFileError(f"{path} {label}: {message}; nothing was imported") from None
    return plan
