"""The procedure log: where a physician's logged work lives, and every change to it.

    connection   opening a SQLite log: create, inspect, migrate; SQLite errors -> rvutool errors
    schema       its tables, application id and migrations
    entries      the entry model, the snapshot a priced line is saved as, and service keys
    store        the interface every log backend implements (plain data in and out)
    sqlite_store the SQLite backend: the only code that speaks SQL to the log
    location     where the log is: the SQLite file, or a practice's database (RVUTOOL_LOG_URL, log.url)
    pg_schema    a practice's shared log on PostgreSQL: tables, roles, row-level security, migrations
    pg_store     the PostgreSQL backend (psycopg is imported only when a postgresql:// log is used)
    changes      log, edit, remove, undo, recalc and import as changes that keep encounters whole
    journal      what an undo may write back: a before-image checked as an edit would be
    exchange     export, and import of rvutool's own files and of other layouts (a registry of readers)
    layouts      readers for other programs' CSV files
    summary      the arithmetic of summaries over what the store totals

Nothing here imports typer or rich; callers render.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from rvutool.log.store import LogStore


def _shared() -> str | None:
    """The practice's database when one is set (RVUTOOL_LOG_URL or log.url), else None."""
    from rvutool.errors import UsageError
    from rvutool.log import location

    url = location.url()
    if url is not None and not location.is_postgres(url):
        raise UsageError(f"{location.URL_ENV} must be a postgresql:// connection string (it is not one; its text "
                         "is not repeated here, as it may hold a password)")
    return url


def open_for_reading(provider: str | None = None) -> LogStore | None:
    """The log, for reading; None when there is none yet (nothing is created). `provider`: on a shared log,
    only that provider's entries (a manager's view of one clinician)."""
    url = _shared()
    if url is not None:
        from rvutool.log import pg_store

        return pg_store.open_store(url, provider=provider)
    if provider is not None:
        from rvutool.errors import UsageError

        raise UsageError("--provider needs a practice's shared log (set RVUTOOL_LOG_URL or log.url); "
                         "a personal log holds one clinician's work")
    from rvutool.log import sqlite_store

    return sqlite_store.open_for_reading()


def open_for_writing(path: Path | None = None) -> LogStore:
    """The log, for changing: created (private to the user) when absent, migrated when older.
    `path`: a log file elsewhere (an import builds a new log beside the real one, then links it)."""
    url = _shared() if path is None else None
    if url is not None:
        from rvutool.log import pg_store

        return pg_store.open_store(url)
    from rvutool.log import sqlite_store

    return sqlite_store.open_for_writing(path)


@contextmanager
def reading(provider: str | None = None) -> Iterator[LogStore | None]:
    """`with reading() as store:` the log for reading (None when absent), closed however the block ends."""
    store = open_for_reading(provider)
    try:
        yield store
    finally:
        if store is not None:
            store.close()
