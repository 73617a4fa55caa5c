"""A throwaway PostgreSQL server for the tests (scripts/throwaway_pg.py), and practices (databases) on it.

The server runs for the session. Skipped when the PostgreSQL binaries or psycopg are missing
(.ci/run installs both). `shared_log` copies a database set up once (db init, two clinicians and a
manager) for each test, so tests of both stores stay quick.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import throwaway_pg  # noqa: E402
from throwaway_pg import SUPER_PASSWORD, Server  # noqa: E402

PASSWORD = "clinic-secret-1"
__all__ = ["PASSWORD", "SUPER_PASSWORD", "Practice", "Server", "as_older_rvutool", "make_practice"]


def _psycopg():
    return pytest.importorskip("psycopg")


@pytest.fixture(scope="session")
def pg_server():
    _psycopg()
    try:
        server = throwaway_pg.start()
    except throwaway_pg.Unavailable as why:
        pytest.skip(str(why))
    try:
        yield server
    finally:
        server.remove()


_numbers = itertools.count(1)


@dataclass
class Practice:
    server: Server
    db: str
    users: dict[str, str]  # short name -> role name

    def url(self, who: str) -> str:
        if who == "owner":
            return self.server.url("postgres", SUPER_PASSWORD, self.db)
        return self.server.url(self.users[who], PASSWORD, self.db)

    def connect(self, who: str):
        return _psycopg().connect(self.url(who), autocommit=True)


def make_practice(server: Server, rvutool, folder: Path, prefix: str = "practice") -> Practice:
    """A new database set up as the README says, through the command line: `rvutool db init` as its owner, then
    two clinicians (alice, bob) and a manager (boss) with `rvutool db add-user`. Role names carry the database's
    name, so practices on one server never share a login by accident."""
    db = f"{prefix}{next(_numbers)}"
    with server.admin() as admin:
        admin.execute(f"CREATE DATABASE {db}")
    owner = server.url("postgres", SUPER_PASSWORD, db)
    out = rvutool("db", "init", owner)
    assert out.exit_code == 0, out.stderr
    assert SUPER_PASSWORD not in out.stdout + out.stderr
    pw = folder / f"{db}.pw"
    pw.write_text(PASSWORD + "\n")
    users = {"alice": f"alice_{db}", "bob": f"bob_{db}", "boss": f"boss_{db}"}
    for short, role in users.items():
        extra = ["--manager"] if short == "boss" else []
        out = rvutool("db", "add-user", role, *extra, "--password-file", str(pw), "--url", owner)
        assert out.exit_code == 0, out.stderr
    return Practice(server, db, users)


def as_older_rvutool(old: pytest.MonkeyPatch, version: int) -> None:
    """Within `old` (a monkeypatch context), rvutool as it was at schema `version`: it makes and expects that
    version, and writes as it did where later versions added tables."""
    from rvutool.log import pg_schema, pg_store

    def journal_a_row_each(tx, change_id: int, ranges) -> None:
        ids = [i for first, last in ranges for i in range(first, last + 1)]
        tx.conn.execute("INSERT INTO rvutool.change_rows (change_id, entry_id) "
                        "SELECT %s, pg_catalog.unnest(%s::bigint[])", (change_id, ids))

    old.setattr(pg_schema, "PG_MIGRATIONS", pg_schema.PG_MIGRATIONS[:version])
    old.setattr(pg_schema, "PG_SCHEMA_VERSION", version)
    old.setattr(pg_store, "PG_SCHEMA_VERSION", version)
    if version < 4:
        old.setattr(pg_store, "_TAKE_WRITER_LOCK", "SELECT 1")  # its writers had no lock row to take
    if version < 6:  # inserted entries journaled a row each (no change_ranges), inserts never through COPY
        old.setattr(pg_store.PostgresTransaction, "journal_inserted", journal_a_row_each)
        old.setattr(pg_store, "_COPY_FROM", 10**9)


TEMPLATE_USERS = {"alice": "alice_t", "bob": "bob_t", "boss": "boss_t"}


@pytest.fixture(scope="session")
def practice_template(pg_server):
    """A database set up once as `rvutool db init` and `db add-user` do, to be copied per test."""
    from rvutool.log import pg_schema

    with pg_server.admin() as admin:
        admin.execute("CREATE DATABASE practice_template")
    with pg_server.admin("practice_template") as conn:
        pg_schema.init(conn)
        for short, role in TEMPLATE_USERS.items():
            pg_schema.add_user(conn, role, PASSWORD, manager=short == "boss")
    return "practice_template"


def copy_practice(server: Server, template: str) -> Practice:
    """A copy of the template: its tables, rows and grants come along, its database's CONNECT rights do not,
    so `db init` (up to date, nothing else to do) gives them again. The copy shares the template's roles."""
    from rvutool.log import pg_schema

    db = f"shared{next(_numbers)}"
    with server.admin() as admin:
        admin.execute(f"CREATE DATABASE {db} TEMPLATE {template}")
    with server.admin(db) as conn:
        pg_schema.init(conn)
    return Practice(server, db, dict(TEMPLATE_USERS))


@pytest.fixture
def shared_log(pg_server, practice_template):
    """A fresh practice database (a copy of the template) with alice, bob and boss."""
    return copy_practice(pg_server, practice_template)


@dataclass
class TheLog:
    """The log a test's commands use, whichever store it is: SQL on it as its owner, and a fresh one."""

    backend: str
    monkeypatch: pytest.MonkeyPatch
    tmp_path: Path
    request: pytest.FixtureRequest

    def execute(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Run SQL on the log's entries table (`?` placeholders), bypassing rvutool; rows if any."""
        if self.backend == "sqlite":
            import sqlite3

            from rvutool import paths

            with sqlite3.connect(paths.log_file()) as db:
                return db.execute(sql, params).fetchall()
        practice = self.request.getfixturevalue("shared_log")
        with practice.connect("owner") as conn:
            conn.execute("SET search_path TO rvutool")
            cur = conn.execute(sql.replace("?", "%s"), params)
            return cur.fetchall() if cur.description else []

    def fresh(self) -> None:
        """Point the commands at a new, empty log (another machine, say)."""
        self.monkeypatch.setenv("RVUTOOL_HOME", str(self.tmp_path / f"home-{next(_numbers)}"))
        if self.backend == "postgres":
            practice = copy_practice(self.request.getfixturevalue("pg_server"),
                                     self.request.getfixturevalue("practice_template"))
            self.monkeypatch.setenv("RVUTOOL_LOG_URL", practice.url("alice"))


@pytest.fixture
def the_log(log_backend, monkeypatch, tmp_path, request) -> TheLog:
    return TheLog(log_backend, monkeypatch, tmp_path, request)
