"""A throwaway PostgreSQL server for the tests, and practices (databases) on it.

The server runs for the session (initdb + pg_ctl, a Unix socket in a temporary folder, no network;
as `nobody` when the tests run as root). Skipped when the PostgreSQL binaries or psycopg are missing
(.ci/run installs both). `shared_log` copies a database set up once (db init, two clinicians and a
manager) for each test, so tests of both stores stay quick.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

SUPER_PASSWORD = "owner-secret-1"
PASSWORD = "clinic-secret-1"


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("initdb")
    return Path(which).resolve().parent if which else None


def _psycopg():
    return pytest.importorskip("psycopg")


@dataclass
class Server:
    socket_dir: str
    data_dir: str = ""
    as_user: tuple[str, ...] = ()
    bindir: str = ""
    port: int = 5432

    def url(self, user: str, password: str, db: str) -> str:
        return f"postgresql://{user}:{password}@/{db}?host={self.socket_dir}&port={self.port}"

    def admin(self, db: str = "postgres"):
        return _psycopg().connect(self.url("postgres", SUPER_PASSWORD, db), autocommit=True)

    def pg_ctl(self, *args: str) -> None:
        subprocess.run([*self.as_user, str(Path(self.bindir) / "pg_ctl"), "-D", self.data_dir, *args],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.socket_dir, check=True)

    def start(self) -> None:
        options = f"-c listen_addresses='' -k {self.socket_dir} -c fsync=off -c max_connections=60"
        self.pg_ctl("-l", str(Path(self.socket_dir) / "log"), "-w", "-o", options, "start")

    def stop(self) -> None:
        self.pg_ctl("-m", "immediate", "-w", "stop")


@pytest.fixture(scope="session")
def pg_server():
    _psycopg()
    bindir = _bin_dir()
    if bindir is None:
        pytest.skip("PostgreSQL's initdb and pg_ctl are not installed")
    root = Path(tempfile.mkdtemp(prefix="rvupg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: the server runs as nobody
        runuser = shutil.which("runuser")
        if runuser is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL as an unprivileged user")
        as_user = [runuser, "-u", "nobody", "--"]
        shutil.chown(root, "nobody")
    os.chmod(root, 0o755)
    pwfile = root / "pw"
    pwfile.write_text(SUPER_PASSWORD + "\n")
    if as_user:
        shutil.chown(pwfile, "nobody")
    data = root / "data"
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--pwfile", str(pwfile),
                    "--auth=scram-sha-256", "-E", "UTF8", "--no-sync"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True, cwd=root)
    pwfile.unlink()
    server = Server(str(root), str(data), tuple(as_user), str(bindir))
    server.start()
    try:
        yield server
    finally:
        try:
            server.stop()
        except subprocess.CalledProcessError:
            pass  # a test stopped it already
        shutil.rmtree(root, ignore_errors=True)


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


@pytest.fixture
def shared_log(pg_server, practice_template):
    """A fresh practice database (a copy of the template) with alice, bob and boss."""
    db = f"shared{next(_numbers)}"
    with pg_server.admin() as admin:
        admin.execute(f"CREATE DATABASE {db} TEMPLATE {practice_template}")
    return Practice(pg_server, db, dict(TEMPLATE_USERS))
