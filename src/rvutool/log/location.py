"""Where the log is: the SQLite file (paths.log_file), or a practice's PostgreSQL database named by
RVUTOOL_LOG_URL or the `log.url` setting (conninfo masks its password wherever it is shown)."""

from __future__ import annotations

import os

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
