"""Where the log is: the SQLite file (paths.log_file), or a practice's PostgreSQL database named by
RVUTOOL_LOG_URL or the `log.url` setting (conninfo masks its password wherever it is shown)."""

from __future__ import annotations

import os

from rvutool.conninfo import has_password, is_postgres, masked, shown

URL_ENV = "RVUTOOL_LOG_URL"
__all__ = ["URL_ENV", "has_password", "is_postgres", "masked", "shown", "url"]


def url() -> str | None:
    """The shared log's connection string, or None for the SQLite log file: RVUTOOL_LOG_URL first,
    then the `log.url` setting."""
    found = os.environ.get(URL_ENV, "").strip()
    if found:
        return found
    from rvutool import config

    return config.load().get("log.url") or None
