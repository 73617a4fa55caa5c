"""A practice's shared log as its owner and its clinicians set it up: create or upgrade it, add users, and push
a personal log into it. The front door `rvutool db` goes through (pg_schema and pg_store do the SQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

    from rvutool.log.changes import ImportOutcome
    from rvutool.log.import_files import ImportContext
    from rvutool.log.pg_migrations import InitOutcome


@contextmanager
def _owner(url: str) -> Iterator[psycopg.Connection]:
    from rvutool.log import pg_store

    conn = pg_store.connect(url)
    try:
        with pg_store.sql_errors(url):
            yield conn
    finally:
        conn.close()


def schema_name() -> str:
    from rvutool.log import pg_schema

    return pg_schema.SCHEMA


def init(url: str) -> InitOutcome:
    """Create the practice's log in the database, or bring it up to date: what was done."""
    from rvutool.log import pg_schema

    with _owner(url) as conn:
        return pg_schema.init(conn)


def check_user_name(name: str) -> None:
    from rvutool.log import pg_schema

    pg_schema.check_role_name(name)


def user_status(url: str, name: str) -> str:
    """'new' (a login to create, with a password), 'elsewhere' (a login of this server, to join the practice
    as it is), 'here' (already a user) or 'not a login'."""
    from rvutool.log import pg_schema

    with _owner(url) as conn:
        return pg_schema.user_status(conn, name)


def add_user(url: str, name: str, password: str | None, *, manager: bool) -> None:
    from rvutool.log import pg_schema

    with _owner(url) as conn:
        pg_schema.add_user(conn, name, password, manager=manager)


@dataclass
class Pushed:
    outcome: ImportOutcome
    user: str  # the login the entries now belong to


def push(source_path: Path, url: str, ctx: ImportContext) -> Pushed:
    """Copy a personal SQLite log's live entries (and favourites) into the shared log as the connected user,
    by meaning: a service the shared log already holds (as many times) is not added again, so a second push
    adds nothing. One transaction: all of it or none of it."""
    from rvutool.errors import RvuError
    from rvutool.log import changes, import_files, pg_store, sqlite_store

    source = sqlite_store.open_for_reading(source_path)
    if source is None:
        raise RvuError(f"no personal log at {source_path}: nothing to push")
    outcome = changes.ImportOutcome(source=source_path.name, fmt="rvutool log")
    try:
        favourites = [import_files.own_favourite(row.name, row.items.split(), ctx) for row in source.favourites()]
        with pg_store.open_store(url) as target:
            user = target.user()
            target.check_before_big_write()
            changes.apply_import(target, import_files.log_groups(source, source_path, ctx), outcome,
                                 favourites=favourites)
    finally:
        source.close()
    return Pushed(outcome, user)
