"""The log never loses an entry: concurrent writers, a killed import, damaged files, schema versions.

These run real `python -m rvutool` processes (or the entry point in separate processes) against
the test's own RVUTOOL_HOME.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest
from read_only import read_only as read_only_view

from rvutool import paths
from rvutool.log import schema


def cli(*args: str, check: bool = False, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("env", dict(os.environ))
    done = subprocess.run([sys.executable, "-m", "rvutool", *args], capture_output=True, text=True,
                          timeout=120, **kwargs)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def count(where: str = "voided = 0") -> int:
    with sqlite3.connect(paths.log_file()) as db:
        return db.execute(f"SELECT count(*) FROM entries WHERE {where}").fetchone()[0]


# ---------------------------------------------------------------- concurrency
WRITER = textwrap.dedent("""
    import sys
    from rvutool.cli.main import main
    failures = 0
    for i in range(100):
        try:
            main(["log", "99213", "--note", f"writer {sys.argv[1]} call {i}"])
        except SystemExit as exc:
            failures += exc.code != 0
    sys.stderr.write(f"failures={failures}\\n")
    sys.exit(1 if failures else 0)
""")


@pytest.mark.slow
def test_four_processes_logging_100_times_each_give_exactly_400_entries():
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(n)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, env=dict(os.environ)) for n in range(4)]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    for status, err in results:
        assert status == 0, err
        assert err.strip().splitlines()[-1] == "failures=0"  # before it, same-day repeat warnings
    assert count() == 400
    with sqlite3.connect(paths.log_file()) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        encounters = db.execute("SELECT count(DISTINCT encounter_id) FROM entries").fetchone()[0]
        journal = db.execute("SELECT count(*) FROM changes WHERE kind = 'log'").fetchone()[0]
    assert encounters == 400 and journal == 400  # every call its own encounter and its own undo step


def test_concurrent_cli_processes_creating_the_log_at_once(tmp_path):
    # Each round starts with no log: six writers race to create and migrate it. Repeated, because
    # the window (one writer reading the schema while another commits it) is narrow.
    for round_ in range(6):
        env = dict(os.environ, RVUTOOL_HOME=str(tmp_path / f"home-{round_}"))
        procs = [subprocess.Popen([sys.executable, "-m", "rvutool", "log", "99213", "71046-26"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
                 for _ in range(6)]
        for p in procs:
            assert p.wait(timeout=60) == 0, p.stderr.read()
        with sqlite3.connect(tmp_path / f"home-{round_}" / "log.sqlite3") as db:
            assert db.execute("SELECT count(*) FROM entries").fetchone()[0] == 12


# ---------------------------------------------------------------- a killed import
def big_export(tmp_path, rows: int):
    """An rvutool CSV export with `rows` entries, built from one real logged entry."""
    cli("log", "99213", "--date", "2026-01-05", check=True)
    one = tmp_path / "one.csv"
    cli("export", "-o", str(one), check=True)
    cli("undo", check=True)
    template = next(csv.DictReader(one.open()))
    big = tmp_path / "big.csv"
    with big.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(template), lineterminator="\n")
        writer.writeheader()
        for i in range(rows):
            writer.writerow(dict(template, id=i + 1, encounter=i // 2 + 1))
    return big


@pytest.mark.slow
def test_a_killed_import_leaves_all_of_it_or_none(tmp_path):
    rows = 50_000
    big = big_export(tmp_path, rows)
    before = count()
    proc = subprocess.Popen([sys.executable, "-m", "rvutool", "import", str(big)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=dict(os.environ))
    # The note "Importing from FILE ..." is printed as the write transaction starts.
    line = proc.stderr.readline().decode()
    assert "Importing from big.csv" in line, line
    time.sleep(0.4)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with sqlite3.connect(paths.log_file()) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    after = count() - before
    assert after in {0, rows}
    # and the log still works afterwards
    assert cli("log", "99213").returncode == 0
    assert cli("list", "--all", "--json").returncode == 0


# ---------------------------------------------------------------- damaged or foreign files
def real_log(rvutool) -> bytes:
    rvutool("log", "99213", "71046-26", "--date", "2026-01-05")
    for n in range(3):
        rvutool("log", "99214", "--date", "2026-01-06", "--note", f"visit {n}")
    with sqlite3.connect(paths.log_file()) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return paths.log_file().read_bytes()


def other_program_db(path):
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (body TEXT)")
        db.execute("INSERT INTO notes VALUES ('not ours')")
    db.close()


def damage(kind: str, home, rvutool):
    path = paths.log_file()
    if kind == "text":
        home.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"this is a shopping list, not a database\n" * 50)
    elif kind == "truncated":
        data = real_log(rvutool)
        for suffix in ("-wal", "-shm"):
            extra = path.with_name(path.name + suffix)
            if extra.exists():
                extra.unlink()
        path.write_bytes(data[:1500])
    elif kind == "scribbled":
        data = bytearray(real_log(rvutool))
        for suffix in ("-wal", "-shm"):
            extra = path.with_name(path.name + suffix)
            if extra.exists():
                extra.unlink()
        for offset in range(4096, len(data), 97):  # every page after the header page
            data[offset] = (data[offset] + 0x5A) % 256
        path.write_bytes(bytes(data))
    elif kind == "foreign":
        home.mkdir(parents=True, exist_ok=True)
        other_program_db(path)
    return path.read_bytes()


@pytest.mark.parametrize("kind", ["text", "truncated", "scribbled", "foreign"])
@pytest.mark.parametrize("args", [["log", "99213"], ["list", "--all"], ["export"], ["undo"],
                                  ["remove", "1"], ["summary", "--all"]])
def test_a_damaged_log_is_reported_by_name_and_never_touched(home, rvutool, kind, args):
    before = damage(kind, home, rvutool)
    listing = sorted(p.name for p in home.iterdir())
    done = rvutool(*args)
    assert done.exit_code == 1, (done.stdout, done.stderr)
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert str(paths.log_file()) in done.stderr
    assert paths.log_file().read_bytes() == before
    # Nothing new beside it but SQLite's own companions of a WAL file, and no data in them.
    extra = sorted({p.name for p in home.iterdir()} - set(listing))
    assert set(extra) <= {"log.sqlite3-wal", "log.sqlite3-shm"}
    wal = paths.log_file().with_name("log.sqlite3-wal")
    assert not wal.exists() or wal.stat().st_size == 0 or args[0] == "log"


# ---------------------------------------------------------------- schema versions
def test_a_log_from_a_newer_rvutool_is_refused(home):
    cli("log", "99213", check=True)
    with sqlite3.connect(paths.log_file()) as db:
        db.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = paths.log_file().read_bytes()
    for args in (["log", "99213"], ["list", "--all"]):
        done = cli(*args)
        assert done.returncode == 1
        assert "newer rvutool" in done.stderr and str(paths.log_file()) in done.stderr
    assert paths.log_file().read_bytes() == before


def test_a_file_with_rvutools_mark_but_no_tables_is_refused_untouched(home):
    """rvutool sets its application id in the transaction that makes the tables: an id alone is not ours."""
    home.mkdir(parents=True)
    with sqlite3.connect(paths.log_file()) as db:
        db.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
    before = paths.log_file().read_bytes()
    for args in (["list", "--all"], ["log", "99213"], ["summary"]):
        done = cli(*args)
        assert done.returncode == 1 and "no log tables" in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    assert paths.log_file().read_bytes() == before


def test_a_newer_log_with_unmerged_wal_frames_is_refused_without_merging_them(home):
    cli("log", "99213", check=True)
    holder = sqlite3.connect(paths.log_file(), isolation_level=None)
    holder.execute("PRAGMA wal_autocheckpoint = 0")
    holder.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")  # lands in the WAL only
    wal = paths.log_file().with_name("log.sqlite3-wal")
    main_before, wal_before = paths.log_file().read_bytes(), wal.read_bytes()
    assert wal_before
    for args in (["log", "99214"], ["list", "--all"]):
        done = cli(*args)
        assert done.returncode == 1 and "newer rvutool" in done.stderr, done.stderr
    assert paths.log_file().read_bytes() == main_before and wal.read_bytes() == wal_before
    holder.close()



def test_a_log_in_a_read_only_folder_can_be_read(home, tmp_path):
    """list, summary and export work on a log nobody can write; logging says why it cannot, in one line."""
    cli("log", "99213", "--date", "2026-01-05", check=True)
    with sqlite3.connect(paths.log_file()) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for name in ("log.sqlite3-wal", "log.sqlite3-shm"):
        paths.log_file().with_name(name).unlink(missing_ok=True)
    with read_only_view(home, tmp_path) as view:
        env = dict(os.environ, RVUTOOL_HOME=str(view))
        listed = cli("list", "--all", "--json", env=env)
        assert listed.returncode == 0, listed.stderr
        assert [e["code"] for e in json.loads(listed.stdout)["entries"]] == ["99213"]
        summary = cli("summary", "--year", "2026", "--json", env=env)
        assert summary.returncode == 0 and json.loads(summary.stdout)["total_wrvu"] == 1.30, summary.stderr
        exported = cli("export", env=env)
        assert exported.returncode == 0 and "99213" in exported.stdout, exported.stderr
        refused = cli("log", "99214", env=env)
        assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
        assert "internal error" not in refused.stderr
    assert sorted(p.name for p in home.iterdir()) == ["log.sqlite3"]


def _future_step(conn):
    conn.execute("ALTER TABLE entries ADD COLUMN location TEXT")
    conn.execute("UPDATE entries SET location = 'main campus'")


def test_an_older_log_migrates_forward_with_its_entries(rvutool, monkeypatch):
    """A v1 log opened by an rvutool whose schema is v2: the next step runs in one transaction."""
    rvutool("log", "99213", "71046-26", "--date", "2026-01-05")
    released = schema.SCHEMA_VERSION
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, _future_step])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    listed = rvutool("list", "--all", "--json")  # a reading command migrates once
    assert listed.exit_code == 0, listed.stderr
    assert [e["code"] for e in listed.json()["entries"]] == ["99213", "71046"]
    with sqlite3.connect(paths.log_file()) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == released + 1
        assert db.execute("SELECT DISTINCT location FROM entries").fetchall() == [("main campus",)]


def test_a_failing_migration_changes_nothing(rvutool, monkeypatch):
    rvutool("log", "99213", "--date", "2026-01-05")

    def broken(conn):
        conn.execute("ALTER TABLE entries ADD COLUMN location TEXT")
        raise sqlite3.OperationalError("disk I/O error (simulated)")

    released = schema.SCHEMA_VERSION
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, broken])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    out = rvutool("log", "99214")
    assert out.exit_code == 1 and "nothing was changed" in out.stderr
    with sqlite3.connect(paths.log_file()) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == released
        columns = [r[1] for r in db.execute("PRAGMA table_info(entries)")]
    assert "location" not in columns
    assert count() == 1


def test_a_writer_waits_for_another_writers_transaction_and_readers_do_not(rvutool):
    import threading

    rvutool("log", "99213", "--date", "2026-01-05")
    holder = sqlite3.connect(paths.log_file(), isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # as if another rvutool were in the middle of a long import
    holder.execute("UPDATE meta SET value = value WHERE key = 'log_id'")
    committed = threading.Event()

    def commit():
        holder.execute("COMMIT")
        committed.set()

    timer = threading.Timer(3.0, commit)
    timer.start()
    try:
        reader = cli("list", "--all", "--json")
        assert reader.returncode == 0 and not committed.is_set()  # WAL: readers never wait
        writer = cli("log", "99214", "--date", "2026-01-05")
        assert writer.returncode == 0, writer.stderr
        assert committed.is_set()  # the writer queued behind the open transaction, then saved
    finally:
        timer.join()
        holder.close()
    assert count() == 2


def test_companion_files_are_private_too(rvutool):
    rvutool("log", "99213")
    holder = sqlite3.connect(paths.log_file())
    holder.execute("SELECT count(*) FROM entries").fetchone()  # keeps -wal and -shm open
    try:
        for suffix in ("-wal", "-shm"):
            companion = paths.log_file().with_name("log.sqlite3" + suffix)
            assert companion.exists()
            assert oct(companion.stat().st_mode & 0o777) == oct(0o600)
    finally:
        holder.close()
