"""The log file where it cannot be used: a symbolic link to nothing, a read-only folder. One line each."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from read_only import read_only

from rvutool import paths

COMMANDS = [("log", "99213"), ("list", "--all"), ("summary",), ("export",), ("doctor",), ("undo",),
            ("import", "x.csv")]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_a_dangling_symbolic_link_as_the_log_is_one_line(rvutool, home, tmp_path, args):
    home.mkdir(parents=True, exist_ok=True)
    paths.log_file().symlink_to(tmp_path / "unmounted-disk" / "log.sqlite3")
    (tmp_path / "x.csv").write_text("date,code\n2026-11-02,99213\n", encoding="utf-8")
    os.chdir(tmp_path)
    out = rvutool(*args)
    assert out.exit_code == 1, out.stdout
    assert out.stderr.count("\n") == 1 and "internal error" not in out.stderr
    assert "symbolic link" in out.stderr and "does not exist" in out.stderr
    assert paths.log_file().is_symlink() and not (tmp_path / "unmounted-disk").exists()  # nothing made



def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """In a process of its own, so that no open file keeps the read-only mount busy."""
    return subprocess.run([sys.executable, "-m", "rvutool", *args], capture_output=True, text=True, timeout=120,
                          env=env)


def test_a_read_only_log_folder_says_read_only(home, tmp_path):
    env = dict(os.environ)
    assert cli("log", "99213", "--date", "2026-11-02", env=env).returncode == 0
    import sqlite3

    with sqlite3.connect(paths.log_file()) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for name in ("log.sqlite3-wal", "log.sqlite3-shm"):
        paths.log_file().with_name(name).unlink(missing_ok=True)
    with read_only(home, tmp_path) as view:
        env["RVUTOOL_HOME"] = str(view)
        for args in (("log", "99214"), ("undo",), ("remove", "1"), ("recalc", "--all", "--yes")):
            out = cli(*args, env=env)
            assert out.returncode == 1 and out.stderr.count("\n") == 1, out.stderr
            assert "read-only" in out.stderr and "internal error" not in out.stderr
        listed = cli("list", "--all", "--json", env=env)
        assert json.loads(listed.stdout)["entries"][0]["code"] == "99213"
