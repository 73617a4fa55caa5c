"""Where the log is: the SQLite file (paths.log_file), or a practice's PostgreSQL database named by
RVUTOOL_LOG_URL or the `log.url` setting (conninfo masks its password wherever it is shown); and opening it, for
reading or writing, whichever store it is."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from rvutool.log.store import LogStore

URL_ENV = "RVUTOOL_LOG_URL"


def is_postgres(url: str) -> bool:
    from rvutool import conninfo  # (only when a log URL is set: not at every start-up)

    return conninfo.is_postgres(url)


def shown(url: str) -> str:
    """The connection string as it may be printed (conninfo.shown): masked, or only what is wrong with it."""
    from rvutool import conninfo

    return conninfo.shown(url)


def url() -> str | None:
    """The shared log's connection string, or None for the SQLite log file: RVUTOOL_LOG_URL first,
    then the `log.url` setting."""
    found = os.environ.get(URL_ENV, "").strip()
    if found:
        return found
    from rvutool import config

    return config.load().get("log.url") or None


def masked(url: str) -> str:
    """The connection string with every secret replaced by *** (prefer `shown`, which never repeats a string
    that is not valid)."""
    from rvutool import conninfo

    return conninfo.masked(url)


def has_password(url: str) -> bool:
    from rvutool import conninfo

    return conninfo.has_password(url)


def _shared() -> str | None:
    """The practice's database when one is set (RVUTOOL_LOG_URL or log.url), else None."""
    from rvutool.errors import UsageError
    url_found = url()
    if url_found is not None and not is_postgres(url_found):
        raise UsageError(f"{URL_ENV} must be a postgresql:// connection string (it is not one; its text "
                         "is not repeated here, as it may hold a password)")
    return url_found


def open_for_reading(provider: str | None = None) -> LogStore | None:
    """The log, for reading; None when there is none yet (nothing is created). `provider`: on a shared log,
    only that provider's entries (a manager's view of one clinician)."""
    shared = _shared()
    if shared is not None:
        from rvutool.log import pg_store

        return pg_store.open_store(shared, provider=provider)
    if provider is not None:
        from rvutool.errors import NeedsSharedLogError

        raise NeedsSharedLogError(f"reading {provider}'s entries")
    from rvutool.log import sqlite_store

    return sqlite_store.open_for_reading()


def open_for_writing(path: Path | None = None) -> LogStore:
    """The log, for changing: created (private to the user) when absent, migrated when older.
    `path`: a log file elsewhere (an import builds a new log beside the real one, then links it)."""
    shared = _shared() if path is None else None
    if shared is not None:
        from rvutool.log import pg_store

        return pg_store.open_store(shared)
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


def favourite_names(prefix: str = "") -> list[tuple[str, str]]:
    """(name, items) of the personal log's favourites starting with `prefix`, for shell completion: never
    creating, migrating or waiting; nothing when the log is a practice's shared one (a Tab does not open a
    network connection) or cannot be read."""
    if url() is not None:
        return []
    from rvutool.log import sqlite_store

    return sqlite_store.favourite_names(prefix)
