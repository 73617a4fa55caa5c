"""A practice's shared log on PostgreSQL: set-up, row-level security, managers, pushing a personal log
in, many writers, and a server that stops mid-import.

The throwaway server is tests/pg_practice.py's. Each test here gets a database of its own made with
`rvutool db init` and `db add-user`, two clinicians and a manager, as a practice would. (The log,
summary, import, undo, recalc and reconcile tests also run on a shared log: modules marked both_stores.)
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from pg_practice import PASSWORD, SUPER_PASSWORD, Practice, as_older_rvutool

psycopg = pytest.importorskip("psycopg")

_numbers = itertools.count(1)


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


def errors(out) -> list[str]:
    """The lines of stderr that are not warnings."""
    return [line for line in out.stderr.splitlines() if line.strip() and not line.startswith("Warning:")]


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

    # each clinician is a process of their own typing `rvutool log` 100 times (each a command with its own
    # connection and transaction, run in-process so the test takes seconds, not minutes)
    script = ("import sys\nfrom rvutool.cli.main import main\nbad = 0\nfor i in range(100):\n"
              "    try:\n        main(['log', '99213', '--date', f'2026-03-{1 + i % 28:02d}'])\n"
              "    except SystemExit as exc:\n        bad += exc.code != 0\nprint('failed', bad, file=sys.stderr)\n")

    def clinician(name: str) -> subprocess.CompletedProcess:
        mine = {**env, "RVUTOOL_LOG_URL": pg_server.url(name, PASSWORD, practice.db)}
        return subprocess.run([sys.executable, "-c", script], env=mine, capture_output=True, text=True)

    with ThreadPoolExecutor(8) as pool:
        runs = list(pool.map(clinician, names))
    assert all(run.returncode == 0 and "failed 0" in run.stderr for run in runs), [r.stderr[-300:] for r in runs]
    with practice.connect("owner") as conn:
        per = conn.execute("SELECT provider, COUNT(*), COUNT(DISTINCT encounter_id) FROM rvutool.entries "
                           "GROUP BY provider").fetchall()
        assert sorted(per) == sorted((name, 100, 100) for name in names)
        assert conn.execute("SELECT COUNT(DISTINCT encounter_id) FROM rvutool.entries").fetchone()[0] == 800


# ---------------------------------------------------------------- a manager's view of one provider
def test_a_manager_narrows_every_view_to_one_provider(practice, rvutool, monkeypatch, tmp_path):
    alice, bob = practice.users["alice"], practice.users["bob"]
    rvutool("log", "99213", "--date", "2026-03-02")
    as_user(monkeypatch, practice, "bob")
    rvutool("log", "99214", "99215", "--date", "2026-03-03")
    as_user(monkeypatch, practice, "boss")
    out = rvutool("summary", "--month", "2026-03", "--provider", bob, "--json")
    assert out.exit_code == 0, out.stderr
    assert out.json()["total_wrvu"] == 4.72 and out.json()["provider"] == bob  # 1.92 + 2.80
    assert f"Summary: March 2026 (2026-03-01 to 2026-03-31), {bob}" in rvutool(
        "summary", "--month", "2026-03", "--provider", bob).stdout
    listed = rvutool("list", "--all", "--provider", alice, "--json").json()
    assert [e["code"] for e in listed["entries"]] == ["99213"]
    target = tmp_path / "bob.csv"
    assert rvutool("export", "--provider", bob, "-o", str(target)).exit_code == 0
    assert [line.split(",")[3] for line in target.read_text().splitlines()[1:]] == ["99214", "99215"]
    report = tmp_path / "alice.html"
    assert rvutool("report", "--month", "2026-03", "--provider", alice, "-o", str(report)).exit_code == 0
    assert f"provider {alice}" in report.read_text()
    employer = tmp_path / "employer.csv"
    employer.write_text("Date,CPT,wRVU\n2026-03-03,99214,1.92\n")
    out = rvutool("reconcile", str(employer), "--month", "2026-03", "--provider", bob, "--json")
    assert out.exit_code == 0, out.stderr
    assert out.json()["provider"] == bob and out.json()["log_total_wrvu"] == 4.72
    # a clinician sees only their own work, whatever they ask for
    as_user(monkeypatch, practice, "alice")
    out = rvutool("summary", "--month", "2026-03", "--provider", bob)
    assert out.exit_code == 1 and "only their own" in out.stderr
    assert rvutool("summary", "--month", "2026-03", "--provider", alice, "--json").json()["total_wrvu"] == 1.30
    out = rvutool("list", "--provider", "nobody_here")
    assert out.exit_code == 1 and "not a user of the practice" in out.stderr
    assert rvutool("list", "--provider", "Bob; drop").exit_code == 2


def test_provider_needs_a_shared_log(rvutool, monkeypatch):
    monkeypatch.delenv("RVUTOOL_LOG_URL", raising=False)
    rvutool("log", "99213", "--date", "2026-03-02")
    for command in (["summary"], ["list"], ["export"]):
        out = rvutool(*command, "--provider", "alice")
        assert out.exit_code == 2 and "shared log" in out.stderr and "RVUTOOL_LOG_URL" in out.stderr


def test_a_managers_own_logging_is_not_warned_about_others_entries(practice, rvutool, monkeypatch):
    rvutool("log", "99213", "--date", "2026-03-02")
    as_user(monkeypatch, practice, "boss")
    out = rvutool("log", "99213", "--date", "2026-03-02")
    assert out.exit_code == 0 and "already logged" not in out.stdout + out.stderr
    out = rvutool("log", "99213", "--date", "2026-03-02")  # the manager's own second 99213 that day
    assert out.exit_code == 0 and "already logged" in out.stdout + out.stderr


# ---------------------------------------------------------------- add-user: the password stays on the client
def test_add_user_sends_only_a_scram_verifier(practice, rvutool, monkeypatch, tmp_path):
    sent: list[str] = []
    real = psycopg.Connection.execute

    def spy(self, query, params=None, **kw):
        sent.append(query if isinstance(query, str) else query.as_string(self))
        sent.append(repr(params))
        return real(self, query, params, **kw)

    monkeypatch.setattr(psycopg.Connection, "execute", spy)
    pw = tmp_path / "carol-pw"
    pw.write_text("carol-very-secret\n")
    name = f"carol_{practice.db}"
    out = rvutool("db", "add-user", name, "--password-file", str(pw), "--url", practice.url("owner"))
    assert out.exit_code == 0, out.stderr
    assert sent and not any("carol-very-secret" in text for text in sent)
    monkeypatch.setattr(psycopg.Connection, "execute", real)
    with practice.connect("owner") as conn:
        stored = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (name,)).fetchone()[0]
    assert stored.startswith("SCRAM-SHA-256$")
    with psycopg.connect(practice.server.url(name, "carol-very-secret", practice.db)) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == name


# ---------------------------------------------------------------- db push: a personal log moves in
def test_db_push_copies_a_personal_log_once(practice, rvutool, monkeypatch, tmp_path):
    monkeypatch.delenv("RVUTOOL_LOG_URL", raising=False)  # the personal SQLite log
    assert rvutool("log", "47562", "49505", "--date", "2026-03-02").exit_code == 0
    assert rvutool("log", "99213", "--date", "2026-03-03").exit_code == 0
    assert rvutool("log", "99213", "--date", "2026-03-03").exit_code == 0  # a second visit the same day
    assert rvutool("log", "99214", "--date", "2026-03-04").exit_code == 0
    assert rvutool("remove", "5").exit_code == 0  # removed work does not move
    assert rvutool("fav", "add", "hernia", "49505").exit_code == 0
    personal = rvutool("list", "--all", "--json").json()
    # 14.09 (47562 with 49505 under the multiple-procedure rule, as `calc` prices them) + 1.30 + 1.30
    assert personal["total_wrvu"] == 16.69
    out = rvutool("db", "push", "--url", practice.url("alice"))
    assert out.exit_code == 0, out.stderr
    assert "pushed 4 entries (3 encounters)" in out.stdout and "0 already there" in out.stdout
    assert "favourites @hernia" in out.stdout
    out = rvutool("db", "push", "--url", practice.url("alice"))
    assert out.exit_code == 0 and "pushed 0 entries" in out.stdout and "4 already there" in out.stdout
    as_user(monkeypatch, practice, "alice")
    shared = rvutool("list", "--all", "--json").json()
    assert shared["total_wrvu"] == personal["total_wrvu"]
    assert [(e["date"], e["code"], e["credited_wrvu"]) for e in shared["entries"]] == \
        [(e["date"], e["code"], e["credited_wrvu"]) for e in personal["entries"]]
    assert len({e["encounter"] for e in shared["entries"]}) == 3  # encounters stay whole
    assert [f["name"] for f in rvutool("fav", "list", "--json").json()] == ["hernia"]
    assert rvutool("undo").exit_code == 0  # the push comes back out as one change
    assert rvutool("list", "--all", "--json").json()["entries"] == []


def test_db_push_refuses_what_is_not_a_log(practice, rvutool, tmp_path):
    out = rvutool("db", "push", "--from", str(tmp_path / "absent.sqlite3"), "--url", practice.url("alice"))
    assert out.exit_code == 1 and "nothing to push" in out.stderr
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database\n" * 100)
    out = rvutool("db", "push", "--from", str(junk), "--url", practice.url("alice"))
    assert out.exit_code == 1 and len(errors(out)) == 1  # (after a warning: the URL holds a password)
    with practice.connect("alice") as conn:
        assert conn.execute("SELECT COUNT(*) FROM rvutool.entries").fetchone()[0] == 0


# ---------------------------------------------------------------- the server stops mid-import
def test_a_server_stopped_mid_import_leaves_nothing_partial(pg_server, practice, tmp_path):
    rows = ["date,code"] + [f"2026-0{1 + i % 9}-{1 + i % 28:02d},{('99213', '99214', '71046')[i % 3]}"
                            for i in range(60000)]
    big = tmp_path / "big.csv"
    big.write_text("\n".join(rows) + "\n")
    env = {**os.environ, "RVUTOOL_HOME": str(tmp_path / "home"), "RVUTOOL_LOG_URL": practice.url("alice")}
    importing = subprocess.Popen([sys.executable, "-m", "rvutool", "import", str(big)], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        with practice.connect("owner") as watch:  # wait until the import is writing rows
            while time.monotonic() < deadline and importing.poll() is None:
                busy = watch.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE usename = %s AND "
                                     "state IN ('active', 'idle in transaction') AND xact_start IS NOT NULL",
                                     (practice.users["alice"],)).fetchone()[0]
                if busy:
                    break
                time.sleep(0.02)
        assert importing.poll() is None, "the import finished before the server could be stopped"
        pg_server.stop()
        _, err = importing.communicate(timeout=60)
        assert importing.returncode == 1
        errors = [line for line in err.splitlines() if not line.startswith("Note:")]  # a progress note may come first
        assert len(errors) == 1 and "Traceback" not in err and PASSWORD not in err
        # the next command: the database is unreachable, in one line
        after = subprocess.run([sys.executable, "-m", "rvutool", "list"], env=env, capture_output=True, text=True)
        assert after.returncode == 1 and len(after.stderr.strip().splitlines()) == 1
        assert "cannot use the log database" in after.stderr and PASSWORD not in after.stderr
    finally:
        if importing.poll() is None:
            importing.kill()
        try:
            pg_server.start()
        except subprocess.CalledProcessError:
            pass  # still running: the import ended before the stop
    with practice.connect("owner") as conn:
        assert conn.execute("SELECT COUNT(*) FROM rvutool.entries").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM rvutool.changes").fetchone()[0] == 0


# ---------------------------------------------------------------- the README's practice, step by step
def test_the_readme_practice_two_clinicians_and_a_manager(pg_server, rvutool, monkeypatch, tmp_path):
    """README "Setting up a practice": init, three users, one config line each with the password in a
    pgpass file, then each clinician sees only their own work and the manager sees both."""
    db = f"readme{next(_numbers)}"
    with pg_server.admin() as admin:
        admin.execute(f"CREATE DATABASE {db}")
    owner = pg_server.url("postgres", SUPER_PASSWORD, db)
    assert rvutool("db", "init", owner).exit_code == 0
    people = {"smith": f"drsmith{db}", "jones": f"drjones{db}", "office": f"office{db}"}
    pgpass = tmp_path / "pgpass"
    for short, role in people.items():
        pw = tmp_path / f"{short}.pw"
        pw.write_text(f"{short}-password-1\n")
        extra = ["--manager"] if short == "office" else []
        assert rvutool("db", "add-user", role, *extra, "--password-file", str(pw), "--url", owner).exit_code == 0
    pgpass.write_text("".join(f"*:*:{db}:{role}:{short}-password-1\n" for short, role in people.items()))
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    monkeypatch.delenv("RVUTOOL_LOG_URL", raising=False)

    def as_person(short: str) -> None:  # each person's machine: their own home, one config line
        monkeypatch.setenv("RVUTOOL_HOME", str(tmp_path / f"home-{short}"))
        url = f"postgresql://{people[short]}@/{db}?host={pg_server.socket_dir}&port={pg_server.port}"
        out = rvutool("config", "set", "log.url", url)
        assert out.exit_code == 0, out.stderr

    as_person("smith")
    assert rvutool("log", "27447", "--date", "2026-03-02").exit_code == 0
    as_person("jones")
    assert rvutool("log", "99213", "99214", "--date", "2026-03-03").exit_code == 0
    as_person("smith")
    # 27447 alone: its CY2026 work RVU
    assert rvutool("summary", "--month", "2026-03", "--json").json()["total_wrvu"] == 19.11
    as_person("jones")
    assert rvutool("summary", "--month", "2026-03", "--json").json()["total_wrvu"] == 3.22  # 1.30 + 1.92
    as_person("office")
    mine = rvutool("summary", "--month", "2026-03", "--by", "provider", "--json").json()
    assert {g["key"]: g["wrvu"] for g in mine["groups"]} == {people["jones"]: 3.22, people["smith"]: 19.11}
    assert mine["total_wrvu"] == 22.33  # 19.11 + 3.22



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


def test_db_init_brings_a_version_1_log_up_to_date_with_its_entries(pg_server, rvutool, monkeypatch, tmp_path):
    from rvutool.log import pg_schema

    db = f"upgrade{next(_numbers)}"
    with pg_server.admin() as admin:
        admin.execute(f"CREATE DATABASE {db}")
    owner = pg_server.url("postgres", SUPER_PASSWORD, db)
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n")
    user = f"carol{next(_numbers)}"
    with monkeypatch.context() as old:  # the rvutool before favourites and day totals: schema version 1
        as_older_rvutool(old, 1)
        assert rvutool("db", "init", owner).exit_code == 0
        assert rvutool("db", "add-user", user, "--password-file", str(pw), "--url", owner).exit_code == 0
        old.setenv("RVUTOOL_LOG_URL", pg_server.url(user, PASSWORD, db))
        assert rvutool("log", "99213", "--date", "2026-03-02").exit_code == 0
    monkeypatch.setenv("RVUTOOL_LOG_URL", pg_server.url(user, PASSWORD, db))
    out = rvutool("fav", "list")
    assert out.exit_code == 1 and "holds an older rvutool log; its owner runs `rvutool db init` first" in out.stderr
    out = rvutool("db", "init", owner)
    assert out.exit_code == 0 and f"from schema version 1 to {pg_schema.PG_SCHEMA_VERSION}" in out.stdout
    assert rvutool("fav", "add", "tka", "27447").exit_code == 0
    assert [e["code"] for e in rvutool("list", "--all", "--json").json()["entries"]] == ["99213"]
    # version 3 added up the entries already there
    assert rvutool("summary", "--month", "2026-03", "--json").json()["total_wrvu"] == 1.30
    assert rvutool("doctor").exit_code == 0
    with pg_server.admin(db) as conn:
        assert conn.execute("SELECT version FROM rvutool.migrations ORDER BY version").fetchall() == [
            (v,) for v in range(1, pg_schema.PG_SCHEMA_VERSION + 1)]
        assert conn.execute("SELECT relrowsecurity FROM pg_class WHERE oid = 'rvutool.favourites'::regclass"
                            ).fetchone()[0] is True


def test_payment_groups_with_and_without_a_price_change_date(practice, rvutool):
    """The Medicare estimate groups entries as a locality prices them alike, split at dates where prices change
    (a GPCI floor ending); with no such date there is nothing to split by."""
    from datetime import date

    from rvutool.log import pg_store

    rvutool("log", "99213", "--date", "2026-03-02")
    rvutool("log", "99213", "--date", "2026-03-20")
    with pg_store.open_store(practice.url("alice")) as store:
        whole = store.payment_groups(date(2026, 3, 1), date(2026, 3, 31))
        split = store.payment_groups(date(2026, 3, 1), date(2026, 3, 31), (date(2026, 3, 10),))
    assert [(g.code, g.entries) for g in whole] == [("99213", 2)]
    assert sorted((g.code, g.entries, g.first_date) for g in split) == [("99213", 1, "2026-03-02"),
                                                                          ("99213", 1, "2026-03-20")]


# ---------------------------------------------------------------- day totals follow every change
def test_day_totals_follow_every_kind_of_change_for_each_provider(practice, rvutool, monkeypatch, tmp_path):
    """Summaries read day_totals, which statement triggers keep; after logs, edits (units, date, code), removals,
    an import, a recalc and undos by two providers, it equals a GROUP BY over the live entries."""
    def check() -> None:
        assert rvutool("doctor").exit_code == 0  # as the current user: their own rows
        with practice.connect("owner") as conn:
            differ = conn.execute(
                "SELECT COUNT(*) FROM (SELECT provider, service_date, code, COALESCE(no_wrvu_reason, '') AS r, "
                "category, release, policy, COUNT(*) AS n, SUM(credited_wrvu_c) AS c FROM rvutool.entries "
                "WHERE voided = 0 GROUP BY 1, 2, 3, 4, 5, 6, 7) e FULL JOIN rvutool.day_totals t ON (t.provider, "
                "t.service_date, t.code, t.no_wrvu_reason, t.category, t.release, t.policy) = (e.provider, "
                "e.service_date, e.code, e.r, e.category, e.release, e.policy) WHERE e.n IS DISTINCT FROM t.entries "
                "OR e.c IS DISTINCT FROM t.credited_wrvu_c").fetchone()[0]
        assert differ == 0

    assert rvutool("log", "47562", "49505", "--date", "2026-03-02").exit_code == 0
    assert rvutool("log", "99213", "D1553", "--date", "2026-03-03").exit_code == 0
    check()
    assert rvutool("edit", "3", "--units", "2").exit_code == 0
    assert rvutool("edit", "1", "--date", "2026-03-04", "--whole").exit_code == 0
    assert rvutool("edit", "3", "--code", "99214").exit_code == 0
    assert rvutool("remove", "2").exit_code == 0
    check()
    export = tmp_path / "alice.csv"
    assert rvutool("export", "-o", str(export)).exit_code == 0
    as_user(monkeypatch, practice, "bob")
    assert rvutool("import", str(export)).exit_code == 0
    assert rvutool("log", "99213", "--date", "2026-03-03").exit_code == 0
    check()
    assert rvutool("recalc", "--all", "--yes").exit_code == 0
    assert rvutool("undo").exit_code == 0
    check()
    as_user(monkeypatch, practice, "alice")
    for _ in range(3):
        assert rvutool("undo").exit_code == 0
    check()
    as_user(monkeypatch, practice, "boss")
    groups = rvutool("summary", "--month", "2026-03", "--by", "provider", "--json").json()["groups"]
    listed = rvutool("list", "--month", "2026-03", "--json").json()
    assert round(sum(g["wrvu"] for g in groups), 2) == listed["total_wrvu"]
