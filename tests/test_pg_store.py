"""A practice's shared log on PostgreSQL: the same flows as on SQLite, and row-level security.

A throwaway server runs for the session (initdb + pg_ctl, a Unix socket in a temporary folder,
no network; as `nobody` when the tests run as root). Each test gets a database of its own with
`rvutool db init`, two clinicians and a manager. Skipped when the PostgreSQL binaries or psycopg
are missing (.ci/run installs both).
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

psycopg = pytest.importorskip("psycopg")

SUPER_PASSWORD = "owner-secret-1"
PASSWORD = "clinic-secret-1"


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("initdb")
    return Path(which).resolve().parent if which else None


@dataclass
class Server:
    socket_dir: str
    port: int = 5432

    def url(self, user: str, password: str, db: str) -> str:
        return f"postgresql://{user}:{password}@/{db}?host={self.socket_dir}&port={self.port}"

    def admin(self, db: str = "postgres"):
        return psycopg.connect(self.url("postgres", SUPER_PASSWORD, db), autocommit=True)


@pytest.fixture(scope="session")
def pg_server():
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
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "check": True, "cwd": root}
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--pwfile", str(pwfile),
                    "--auth=scram-sha-256", "-E", "UTF8", "--no-sync"], **quiet)
    pwfile.unlink()
    options = f"-c listen_addresses='' -k {root} -c fsync=off -c max_connections=60"
    subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w",
                    "-o", options, "start"], **quiet)
    try:
        yield Server(str(root))
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=root)
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
        return psycopg.connect(self.url(who), autocommit=True)


@pytest.fixture
def practice(pg_server, rvutool, tmp_path, monkeypatch):
    """A fresh database, set up as a user would: db init, two clinicians and a manager."""
    n = next(_numbers)
    db = f"practice{n}"
    with pg_server.admin() as admin:
        admin.execute(f"CREATE DATABASE {db}")
    owner = pg_server.url("postgres", SUPER_PASSWORD, db)
    out = rvutool("db", "init", owner)
    assert out.exit_code == 0, out.stderr
    assert SUPER_PASSWORD not in out.stdout + out.stderr
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n")
    users = {"alice": f"alice{n}", "bob": f"bob{n}", "boss": f"boss{n}"}
    for short, role in users.items():
        extra = ["--manager"] if short == "boss" else []
        out = rvutool("db", "add-user", role, *extra, "--password-file", str(pw), "--url", owner)
        assert out.exit_code == 0, out.stderr
    practice = Practice(pg_server, db, users)
    monkeypatch.setenv("RVUTOOL_LOG_URL", practice.url("alice"))
    return practice


def as_user(monkeypatch, practice: Practice, who: str) -> None:
    monkeypatch.setenv("RVUTOOL_LOG_URL", practice.url(who))


# ---------------------------------------------------------------- set-up
def test_init_is_idempotent_and_refuses_foreign_tables(practice, rvutool, pg_server):
    out = rvutool("db", "init", "--url", practice.url("owner"))
    assert out.exit_code == 0 and "up to date" in out.stdout
    with pg_server.admin() as admin:
        admin.execute(f"CREATE DATABASE foreign_{practice.db}")
    with pg_server.admin(f"foreign_{practice.db}") as conn:
        conn.execute("CREATE SCHEMA rvutool; CREATE TABLE rvutool.entries (x int)")
    out = rvutool("db", "init", pg_server.url("postgres", SUPER_PASSWORD, f"foreign_{practice.db}"))
    assert out.exit_code == 1 and "other tables (entries)" in out.stderr
    assert SUPER_PASSWORD not in out.stderr
    with pg_server.admin(f"foreign_{practice.db}") as conn:
        assert conn.execute("SELECT to_regclass('rvutool.migrations')").fetchone()[0] is None


def test_add_user_twice_and_bad_names_are_refused(practice, rvutool, tmp_path):
    pw = tmp_path / "pw"
    out = rvutool("db", "add-user", practice.users["bob"], "--password-file", str(pw), "--url", practice.url("owner"))
    assert out.exit_code == 1 and "already exists" in out.stderr
    out = rvutool("db", "add-user", "Robert'; drop", "--password-file", str(pw), "--url", practice.url("owner"))
    assert out.exit_code == 2
    out = rvutool("db", "add-user", "carol", "--url", practice.url("owner"))  # no terminal to ask in
    assert out.exit_code == 2 and "--password-file" in out.stderr


def test_unreachable_server_is_one_line_and_the_password_is_masked(rvutool, monkeypatch, tmp_path):
    monkeypatch.setenv("RVUTOOL_LOG_URL", f"postgresql://alice:hunter22@/x?host={tmp_path}&connect_timeout=2")
    out = rvutool("list")
    assert out.exit_code == 1
    assert "hunter22" not in out.stderr and "alice:***@" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    shown = rvutool("paths")
    assert "hunter22" not in shown.stdout and "postgresql://alice:***@" in shown.stdout


def test_a_password_never_goes_into_the_settings_file(rvutool):
    out = rvutool("config", "set", "log.url", "postgresql://alice:hunter22@db.example/practice")
    assert out.exit_code == 2 and "pgpass" in out.stderr and "hunter22" not in out.stderr
    assert rvutool("config", "set", "log.url", "postgresql://alice@db.example/practice").exit_code == 0
    assert "postgresql://alice@db.example/practice" in rvutool("paths").stdout


# ---------------------------------------------------------------- the log, as on SQLite
def test_log_list_summary_undo_for_a_clinician(practice, rvutool):
    out = rvutool("log", "99213", "71046-26", "--date", "2026-03-02")
    assert out.exit_code == 0, out.stderr
    assert "Saved encounter 1 (2026-03-02, RVU26C, facility)" in out.stdout
    assert rvutool("log", "99214", "--date", "2026-03-03").exit_code == 0
    listed = rvutool("list", "--month", "2026-03", "--json").json()
    assert [e["code"] for e in listed["entries"]] == ["99213", "71046", "99214"]
    assert listed["total_wrvu"] == 3.43  # 1.30 + 0.21 + 1.92
    summary = rvutool("summary", "--month", "2026-03", "--json").json()
    assert summary["total_wrvu"] == 3.43 and summary["entries"] == 3
    assert rvutool("edit", "3", "--units", "2").exit_code == 0
    assert rvutool("list", "--month", "2026-03", "--json").json()["total_wrvu"] == 5.35  # + 1.92
    assert rvutool("remove", "1").exit_code == 0
    out = rvutool("undo")
    assert out.exit_code == 0 and "removal" in out.stdout
    assert rvutool("undo").exit_code == 0  # the edit
    assert rvutool("undo").exit_code == 0  # the second log
    assert rvutool("list", "--all", "--json").json()["total_wrvu"] == 1.51
    # encounter numbers are never reused, even after an undo
    out = rvutool("log", "99212", "--date", "2026-03-04")
    assert "Saved encounter 3" in out.stdout
    assert rvutool("doctor").exit_code == 0


def test_export_import_recalc_round_trip(practice, rvutool, monkeypatch, tmp_path):
    rvutool("log", "99213", "--date", "2026-03-02")
    rvutool("log", "97110x4", "--date", "2026-03-05")
    target = tmp_path / "mine.csv"
    assert rvutool("export", "--all", "-o", str(target)).exit_code == 0
    out = rvutool("import", str(target))
    assert out.exit_code == 0 and "2 already in the log" in out.stdout
    as_user(monkeypatch, practice, "bob")
    out = rvutool("import", str(target))
    assert out.exit_code == 0, out.stderr
    assert rvutool("list", "--all", "--json").json()["total_wrvu"] == 3.10  # 1.30 + 0.45 x 4
    out = rvutool("recalc", "--all", "--yes")
    assert out.exit_code == 0, out.stderr
    assert rvutool("list", "--all", "--json").json()["total_wrvu"] == 3.10
    undone = rvutool("undo")  # the recalc (when it changed anything), then the import
    if "import" not in undone.stdout:
        undone = rvutool("undo")
    assert undone.exit_code == 0 and "import" in undone.stdout
    assert rvutool("list", "--all", "--json").json()["entries"] == []
    as_user(monkeypatch, practice, "alice")
    assert rvutool("list", "--all", "--json").json()["total_wrvu"] == 3.10


# ---------------------------------------------------------------- row-level security, in plain SQL
def test_row_level_security_in_plain_sql(practice, rvutool, monkeypatch):
    rvutool("log", "99213", "--date", "2026-03-02")
    as_user(monkeypatch, practice, "bob")
    rvutool("log", "99214", "--date", "2026-03-02")
    alice, bob = practice.users["alice"], practice.users["bob"]
    with practice.connect("bob") as conn:
        rows = conn.execute("SELECT provider, code FROM rvutool.entries").fetchall()
        assert rows == [(bob, "99214")]
        assert conn.execute("SELECT COUNT(*) FROM rvutool.entries WHERE provider = %s", (alice,)).fetchone()[0] == 0
        assert conn.execute("UPDATE rvutool.entries SET units = 9 WHERE provider = %s", (alice,)).rowcount == 0
        assert conn.execute("UPDATE rvutool.entries SET units = 9 WHERE code = '99213'").rowcount == 0
        assert conn.execute("DELETE FROM rvutool.entries WHERE code = '99213'").rowcount == 0
        assert conn.execute("SELECT COUNT(*) FROM rvutool.changes").fetchone()[0] == 1  # only bob's own
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # no entry in another's name
            conn.execute("UPDATE rvutool.entries SET provider = %s", (alice,))
    with practice.connect("boss") as conn:
        rows = conn.execute("SELECT provider, code, units FROM rvutool.entries ORDER BY id").fetchall()
        assert rows == [(alice, "99213", 1), (bob, "99214", 1)]
        assert conn.execute("UPDATE rvutool.entries SET units = 9").rowcount == 0
        assert conn.execute("DELETE FROM rvutool.entries").rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO rvutool.entries (provider, encounter_id, service_date, code, units, release, "
                         "category, work_rvu_c, base_wrvu_c, credited_wrvu_c, source, created_at, updated_at) "
                         "VALUES (%s, 99, '2026-03-02', '99213', 1, 'x', 'x', 0, 0, 0, 'x', 'x', 'x')", (alice,))
    with practice.connect("alice") as conn:
        assert conn.execute("SELECT code, units FROM rvutool.entries").fetchall() == [("99213", 1)]


def test_the_manager_reads_everyone_and_changes_no_one_elses_entries(practice, rvutool, monkeypatch):
    rvutool("log", "99213", "--date", "2026-03-02")
    as_user(monkeypatch, practice, "bob")
    rvutool("log", "99214", "99215", "--date", "2026-03-03")
    as_user(monkeypatch, practice, "boss")
    listed = rvutool("list", "--all", "--json").json()
    assert listed["total_wrvu"] == 6.02  # 1.30 + 1.92 + 2.80
    out = rvutool("summary", "--month", "2026-03", "--by", "provider", "--json")
    assert out.exit_code == 0, out.stderr
    groups = {g["key"]: g["wrvu"] for g in out.json()["groups"]}
    assert groups == {practice.users["alice"]: 1.30, practice.users["bob"]: 4.72}
    out = rvutool("edit", "1", "--units", "2")
    assert out.exit_code == 1 and f"logged by {practice.users['alice']}" in out.stderr
    assert rvutool("remove", "2").exit_code == 1
    assert rvutool("undo").exit_code == 1  # the manager made no change of their own
    assert rvutool("list", "--all", "--json").json()["total_wrvu"] == 6.02
    as_user(monkeypatch, practice, "alice")
    out = rvutool("summary", "--month", "2026-03", "--by", "provider", "--json")
    assert {g["key"] for g in out.json()["groups"]} == {practice.users["alice"]}


def test_by_provider_needs_a_shared_log(rvutool, monkeypatch):
    monkeypatch.delenv("RVUTOOL_LOG_URL", raising=False)
    rvutool("log", "99213", "--date", "2026-03-02")
    out = rvutool("summary", "--month", "2026-03", "--by", "provider")
    assert out.exit_code == 2 and "shared log" in out.stderr


# ---------------------------------------------------------------- many writers at once
def test_eight_clinicians_logging_at_once_keep_every_entry(pg_server, practice, tmp_path):
    pw = tmp_path / "pw8"
    pw.write_text(PASSWORD + "\n")
    owner = practice.url("owner")
    names = [f"{practice.users['alice']}_{i}" for i in range(8)]
    env = {**os.environ, "RVUTOOL_HOME": str(tmp_path / "home")}
    for name in names:
        subprocess.run([sys.executable, "-m", "rvutool", "db", "add-user", name, "--password-file", str(pw),
                        "--url", owner], env=env, check=True, capture_output=True)

    def clinician(name: str) -> list[int]:
        mine = {**env, "RVUTOOL_LOG_URL": pg_server.url(name, PASSWORD, practice.db)}
        return [subprocess.run([sys.executable, "-m", "rvutool", "log", "99213", "--date", f"2026-03-{1 + i % 28:02d}"],
                               env=mine, capture_output=True).returncode for i in range(25)]

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(clinician, names))
    assert all(code == 0 for run in codes for code in run)
    with practice.connect("owner") as conn:
        per = conn.execute("SELECT provider, COUNT(*), COUNT(DISTINCT encounter_id) FROM rvutool.entries "
                           "GROUP BY provider").fetchall()
        assert sorted(per) == sorted((name, 25, 25) for name in names)
        assert conn.execute("SELECT COUNT(DISTINCT encounter_id) FROM rvutool.entries").fetchone()[0] == 200


# ---------------------------------------------------------------- favourites (issue 10): each provider's own
def test_favourites_are_each_providers_own_under_row_level_security(practice, rvutool, monkeypatch):
    assert rvutool("fav", "add", "tka", "27447").exit_code == 0
    assert rvutool("log", "@tka-RT", "--date", "2026-03-02").exit_code == 0
    as_user(monkeypatch, practice, "bob")
    assert rvutool("fav", "list", "--json").json() == []
    out = rvutool("log", "@tka", "--date", "2026-03-02")
    assert out.exit_code == 1 and "unknown favourite @tka" in out.stderr
    assert rvutool("fav", "add", "tka", "27447-LT").exit_code == 0  # the same name, bob's own
    as_user(monkeypatch, practice, "boss")
    assert rvutool("fav", "list", "--json").json() == []  # a manager reads every row but uses only their own
    as_user(monkeypatch, practice, "alice")
    assert [f["items"] for f in rvutool("fav", "list", "--json").json()] == [["27447"]]
    assert rvutool("list", "--all", "--json").json()["entries"][0]["modifiers"] == ["RT"]
    alice, bob = practice.users["alice"], practice.users["bob"]
    with practice.connect("bob") as conn:
        assert conn.execute("SELECT provider, name, items FROM rvutool.favourites").fetchall() == [
            (bob, "tka", "27447-LT")]
        assert conn.execute("UPDATE rvutool.favourites SET items = '99213' WHERE provider = %s",
                            (alice,)).rowcount == 0
        assert conn.execute("DELETE FROM rvutool.favourites WHERE provider = %s", (alice,)).rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # none in another's name
            conn.execute("INSERT INTO rvutool.favourites (provider, name, items, created_at, updated_at) "
                         "VALUES (%s, 'x', '99213', 'x', 'x')", (alice,))
    with practice.connect("boss") as conn:
        assert sorted(conn.execute("SELECT provider, name FROM rvutool.favourites").fetchall()) == sorted(
            [(alice, "tka"), (bob, "tka")])
        assert conn.execute("DELETE FROM rvutool.favourites").rowcount == 0
    assert rvutool("fav", "remove", "tka").exit_code == 0
    as_user(monkeypatch, practice, "bob")
    assert [f["items"] for f in rvutool("fav", "list", "--json").json()] == [["27447-LT"]]


def test_favourites_travel_with_an_export_and_undo_takes_back_the_import(practice, rvutool, monkeypatch, tmp_path):
    rvutool("fav", "add", "knee-scope", "29881", "29877-59")
    rvutool("log", "99213", "--date", "2026-03-02")
    target = tmp_path / "alice.csv"
    assert rvutool("export", "-o", str(target)).exit_code == 0
    as_user(monkeypatch, practice, "bob")
    out = rvutool("import", str(target))
    assert out.exit_code == 0 and "and 1 favourite (knee-scope)" in out.stdout, out.stderr
    assert [f["items"] for f in rvutool("fav", "list", "--json").json()] == [["29881", "29877-59"]]
    again = rvutool("import", str(target))
    assert "1 favourite already in the log" in again.stdout
    assert rvutool("undo").exit_code == 0
    assert rvutool("fav", "list", "--json").json() == []
    as_user(monkeypatch, practice, "alice")
    assert len(rvutool("fav", "list", "--json").json()) == 1  # alice's own never moved


def test_db_init_brings_a_version_1_log_to_version_2_with_its_entries(pg_server, rvutool, monkeypatch, tmp_path):
    from rvutool.log import pg_schema, pg_store

    db = f"upgrade{next(_numbers)}"
    with pg_server.admin() as admin:
        admin.execute(f"CREATE DATABASE {db}")
    owner = pg_server.url("postgres", SUPER_PASSWORD, db)
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n")
    user = f"carol{next(_numbers)}"
    with monkeypatch.context() as old:  # the rvutool before favourites: schema version 1
        old.setattr(pg_schema, "PG_MIGRATIONS", pg_schema.PG_MIGRATIONS[:1])
        old.setattr(pg_schema, "PG_SCHEMA_VERSION", 1)
        old.setattr(pg_store, "PG_SCHEMA_VERSION", 1)
        assert rvutool("db", "init", owner).exit_code == 0
        assert rvutool("db", "add-user", user, "--password-file", str(pw), "--url", owner).exit_code == 0
        old.setenv("RVUTOOL_LOG_URL", pg_server.url(user, PASSWORD, db))
        assert rvutool("log", "99213", "--date", "2026-03-02").exit_code == 0
    monkeypatch.setenv("RVUTOOL_LOG_URL", pg_server.url(user, PASSWORD, db))
    out = rvutool("fav", "list")
    assert out.exit_code == 1 and "holds an older rvutool log; its owner runs `rvutool db init` first" in out.stderr
    out = rvutool("db", "init", owner)
    assert out.exit_code == 0 and "from schema version 1 to 2" in out.stdout
    assert rvutool("fav", "add", "tka", "27447").exit_code == 0
    assert [e["code"] for e in rvutool("list", "--all", "--json").json()["entries"]] == ["99213"]
    with pg_server.admin(db) as conn:
        assert conn.execute("SELECT version FROM rvutool.migrations ORDER BY version").fetchall() == [(1,), (2,)]
        assert conn.execute("SELECT relrowsecurity FROM pg_class WHERE oid = 'rvutool.favourites'::regclass"
                            ).fetchone()[0] is True
