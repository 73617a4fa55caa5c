"""Opening a SQLite log: create it privately, inspect what the file is, migrate it, tune it.

  - WAL mode, `synchronous=FULL` (each commit is on disk before the command says it is saved),
    `busy_timeout` plus `BEGIN IMMEDIATE` so concurrent writers queue instead of failing.
  - A file that is not an rvutool log (not SQLite, damaged, another program's database) raises
    CorruptLogError naming it; it is never reset, rewritten or migrated. A newer schema is refused.
  - Only writers create the file (0600 in a 0700 directory). Readers never create it.
  - Every SQLite error, at any statement or fetch, becomes an rvutool error naming the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rvutool import paths
from rvutool.errors import CorruptLogError, LogBusyError, LogVersionError, RvuError
from rvutool.log import schema

if TYPE_CHECKING:
    import sqlite3

BUSY_TIMEOUT_S = 30.0


def translate(exc: Exception, path: Path) -> RvuError:
    text = str(exc)
    low = text.lower()
    if "locked" in low or "busy" in low:
        return LogBusyError(f"the log {path} is busy (another rvutool is writing to it); try again")
    if "unable to open" in low:
        return RvuError(f"cannot open the log {path}: {text}")
    if "disk i/o" in low or "readonly" in low or "read-only" in low or "disk is full" in low:
        return RvuError(f"cannot write the log {path}: {text}; nothing was changed")
    if "constraint failed" in low:  # a value outside a column's domain (schema.ENTRY_DOMAINS)
        return RvuError(f"the log {path} refused a value ({text}); nothing was changed")
    return CorruptLogError(
        f"the log {path} is damaged or is not an rvutool log ({text}); it was left untouched: "
        "keep a copy, and move it aside to start a new log"
    )


@contextmanager
def sql_errors(path: Path) -> Iterator[None]:
    import sqlite3

    try:
        yield
    except sqlite3.DatabaseError as exc:
        raise translate(exc, path) from None
    except UnicodeDecodeError:  # text (a cell, or SQLite's message quoting the schema) that is not UTF-8
        raise translate(ValueError("text that is not UTF-8"), path) from None


_GUARDED: dict[str, type] = {}


def _guarded_factory() -> type:
    """A Connection whose every statement and fetch turns SQLite errors into RvuErrors naming the file,
    so a page found damaged halfway through a report is still one line, not a traceback."""
    if "connection" in _GUARDED:
        return _GUARDED["connection"]
    import sqlite3

    def guarded(method: Any) -> Any:
        def call(self: Any, *args: Any) -> Any:
            with sql_errors(self.connection.path):
                return method(self, *args)
        return call

    class GuardedCursor(sqlite3.Cursor):
        execute = guarded(sqlite3.Cursor.execute)
        executemany = guarded(sqlite3.Cursor.executemany)
        fetchone = guarded(sqlite3.Cursor.fetchone)
        fetchmany = guarded(sqlite3.Cursor.fetchmany)
        fetchall = guarded(sqlite3.Cursor.fetchall)
        __next__ = guarded(sqlite3.Cursor.__next__)

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


def connect(path: Path, *, read_only: bool = False, immutable: bool = False) -> sqlite3.Connection:
    """A connection; `read_only` opens the file so that nothing (not even a WAL checkpoint) can write
    to it, and `immutable` reads a log on a read-only folder, where SQLite cannot make its -shm file."""
    import sqlite3
    from urllib.parse import quote

    target = str(path)
    if read_only:
        target = f"file:{quote(str(path.resolve()))}?mode=ro" + ("&immutable=1" if immutable else "")
    with sql_errors(path):
        conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_S, isolation_level=None, uri=read_only,
                               factory=_guarded_factory())
        conn.path = path  # type: ignore[attr-defined]
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    return conn


def inspect(conn: sqlite3.Connection, path: Path) -> int:
    """The log's schema version; 0 for a new, empty file. Raises for anything not ours."""
    # One statement, so one snapshot: read separately, a writer creating the log at the same
    # moment could be seen half-way (no application id yet, but already a schema).
    with sql_errors(path):
        app_id, version, objects = conn.execute(
            "SELECT (SELECT application_id FROM pragma_application_id), "
            "(SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master)").fetchone()
    if app_id == schema.APPLICATION_ID and (version == 0 or objects == 0):
        # rvutool sets its id in the same transaction as the tables: an id without them is not ours
        raise CorruptLogError(
            f"the log {path} carries rvutool's mark but no log tables: it is damaged or was made by another "
            "program; it was left untouched: keep a copy, and move it aside to start a new log"
        )
    if app_id != schema.APPLICATION_ID:
        if app_id == 0 and version == 0 and objects == 0:
            return 0  # an empty file: created by us a moment ago, or left by a crash before the first commit
        raise CorruptLogError(
            f"the log {path} is a SQLite database of another program, not an rvutool log; "
            "it was left untouched: move it aside", advice="another folder")
    if version > schema.SCHEMA_VERSION:
        raise LogVersionError(
            f"the log {path} was written by a newer rvutool (log schema version {version}; this "
            f"rvutool knows up to {schema.SCHEMA_VERSION}); upgrade rvutool. The file was left untouched"
        )
    return int(version)


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    with sql_errors(path):
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = inspect(conn, path)  # another process may have migrated meanwhile
            for step in range(version, schema.SCHEMA_VERSION):
                schema.MIGRATIONS[step](conn)
            conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _tune(conn: sqlite3.Connection, path: Path) -> None:
    with sql_errors(path):
        conn.execute("PRAGMA synchronous = FULL")
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    if mode != "wal":
        try:
            conn.execute("PRAGMA journal_mode = WAL")
        except LogBusyError:
            # Another process has the file open (the connection turns SQLite's error into ours, so that is
            # what arrives here): keep the rollback journal for now; the next writer switches it.
            pass


def _not_a_directory(path: Path) -> None:
    if path.is_dir():
        raise RvuError(f"cannot open the log {path}: it is a directory")


def _not_a_dangling_link(path: Path) -> None:
    """A log that is a symbolic link to nothing (a disk not mounted, a moved folder) is named, never taken for
    "no log yet": a new log would be made elsewhere, or nothing shown, while the real one is missing."""
    if os.path.islink(path) and not path.exists():
        raise RvuError(f"the log {path} is a symbolic link to {os.readlink(path)}, which does not exist (a disk "
                       "not mounted, or a folder moved?); nothing was read or changed")


def _writable_folder(path: Path) -> None:
    """A log in a read-only folder or file system can be read (list, summary, export) but not changed."""
    folder_ok = os.access(path.parent, os.W_OK)
    if folder_ok and (not path.exists() or os.access(path, os.W_OK)):
        return
    where = f"the folder {path.parent} is read-only" if not folder_ok else f"the log {path} is read-only"
    raise RvuError(f"cannot change the log {path}: {where} (a backup, a snapshot or a read-only mount?); "
                   "list, summary and export still read it; nothing was changed")


def open_writable(path: Path | None = None) -> sqlite3.Connection:
    """A connection to the log (created 0600 in a 0700 directory when absent), migrated; `path`
    opens a log other than the user's (a new log being filled before it is moved into place)."""
    path = path or paths.log_file()
    _not_a_dangling_link(path)
    paths.ensure_private_dir(path.parent)
    _not_a_directory(path)
    _writable_folder(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)  # the umask may have taken the owner's own write bit
        finally:
            os.close(fd)
    except FileExistsError:
        pass
    except OSError as exc:
        raise RvuError(f"cannot create the log {path}: {exc.strerror or exc}") from None
    if path.stat().st_size:
        inspect_read_only(path)  # refuse a foreign or newer file before a writer could touch its WAL
    conn = connect(path)
    try:
        if inspect(conn, path) < schema.SCHEMA_VERSION:
            migrate(conn, path)
        _tune(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _open_read_only(path: Path) -> sqlite3.Connection:
    try:
        conn = connect(path, read_only=True)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except RvuError:
        if os.access(path.parent, os.W_OK):
            raise
    # A read-only folder (a backup mount, a snapshot): SQLite cannot make the -shm file it needs, and no
    # writer can be at work there, so read the file as it stands.
    return connect(path, read_only=True, immutable=True)


def inspect_read_only(path: Path) -> int:
    conn = _open_read_only(path)
    try:
        return inspect(conn, path)
    finally:
        conn.close()


def open_readable(path: Path | None = None) -> sqlite3.Connection | None:
    """A query-only connection to the log (or the log file `path`); None when there is none (nothing is
    created). The file is inspected read-only first; a log nobody may write (a read-only folder or file)
    is read as it stands."""
    path = paths.log_file() if path is None else path
    _not_a_dangling_link(path)
    if not path.exists():
        return None
    _not_a_directory(path)
    version = inspect_read_only(path)
    if version == 0:
        return None  # an empty file: nothing logged yet
    if version < schema.SCHEMA_VERSION:
        conn = open_writable(path)  # an older schema: migrate once, then read
    elif os.access(path, os.W_OK) and os.access(path.parent, os.W_OK):
        conn = connect(path)  # so SQLite tidies its -wal and -shm files away when done
    else:
        return _open_read_only(path)
    with sql_errors(path):
        conn.execute("PRAGMA query_only = ON")
    return conn
