"""The one safe writer (outfile.py) behind every output file: `export -o`, `report -o`, `reconcile --csv/--html`.

Each refuses to replace anything but a regular file (a device, a FIFO, a symbolic link), writes 0600
whether the file is new or replaced, and leaves no partial file behind when interrupted; a partial
file left by a killed process is removed on the next write.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from rvutool import outfile

EMPLOYER = "Date,CPT,wRVU\n2026-11-02,99213,1.30\n"


def outputs(tmp_path: Path) -> dict[str, callable]:
    """command -> args writing the file given."""
    employer = tmp_path / "employer.csv"
    employer.write_text(EMPLOYER, encoding="utf-8")
    return {
        "export": lambda target: ["export", "-o", str(target)],
        "report": lambda target: ["report", "-o", str(target)],
        "reconcile --csv": lambda target: ["reconcile", str(employer), "--csv", str(target)],
        "reconcile --html": lambda target: ["reconcile", str(employer), "--html", str(target)],
    }


def name_for(command: str) -> str:
    return "out.html" if command in {"report", "reconcile --html"} else "out.csv"


COMMANDS = ["export", "report", "reconcile --csv", "reconcile --html"]


@pytest.fixture
def logged(rvutool):
    assert rvutool("log", "99213", "--date", "2026-11-02").exit_code == 0
    return rvutool


def one_line(out) -> None:
    assert out.exit_code == 1, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "internal error" not in out.stderr, out.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_new_and_replaced_files_are_private(logged, tmp_path, command):
    target = tmp_path / name_for(command)
    args = outputs(tmp_path)[command](target)
    assert logged(*args).exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    target.chmod(0o644)
    assert logged(*args).exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # replaced, not widened
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("command", COMMANDS)
def test_a_symbolic_link_is_never_written_through(logged, tmp_path, command):
    real = tmp_path / "real.txt"
    real.write_text("keep me\n", encoding="utf-8")
    link = tmp_path / name_for(command)
    link.symlink_to(real)
    out = logged(*outputs(tmp_path)[command](link))
    one_line(out)
    assert "symbolic link" in out.stderr
    assert real.read_text(encoding="utf-8") == "keep me\n" and link.is_symlink()


@pytest.mark.parametrize("command", COMMANDS)
def test_a_fifo_is_refused_without_blocking(logged, tmp_path, command):
    fifo = tmp_path / name_for(command)
    os.mkfifo(fifo)
    out = logged(*outputs(tmp_path)[command](fifo))
    one_line(out)
    assert "FIFO" in out.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_character_device_is_refused(logged, tmp_path, command):
    device = tmp_path / name_for(command)
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a private copy of /dev/null's node
    except PermissionError:
        pytest.skip("making a device node needs root")
    out = logged(*outputs(tmp_path)[command](device))
    one_line(out)
    assert "device" in out.stderr
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_an_interrupted_write_leaves_neither_a_partial_file_nor_a_half_target(tmp_path, request):
    target = tmp_path / "export.csv"
    target.write_text("the old export\n", encoding="utf-8")
    # the handlers a fresh rvutool process starts with, whatever an earlier test in this process left
    for signum, handler in ((signal.SIGTERM, signal.SIG_DFL), (signal.SIGHUP, signal.SIG_DFL),
                            (signal.SIGINT, signal.default_int_handler)):
        previous = signal.signal(signum, handler)
        request.addfinalizer(lambda signum=signum, previous=previous: signal.signal(signum, previous))
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        with pytest.raises(KeyboardInterrupt), outfile.writing(target) as out:
            out.write("half of a new export\n")
            os.kill(os.getpid(), signum)
        assert target.read_text(encoding="utf-8") == "the old export\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["export.csv"]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers restored


KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from rvutool import outfile
with outfile.writing(Path(sys.argv[1])) as out:
    out.write("half")
    out.flush()
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_partial_file_left_by_a_killed_process_is_removed_by_the_next_write(logged, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "out.csv"
    done = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(target)], capture_output=True)
    assert done.returncode == -signal.SIGKILL
    left = [p.name for p in folder.iterdir()]
    assert len(left) == 1 and left[0].startswith(".out.csv.")  # SIGKILL cannot be caught
    assert logged("export", "-o", str(target)).exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == ["out.csv"]


def test_a_running_writers_partial_file_is_left_alone(tmp_path):
    """Another rvutool writing in the same folder right now keeps its partial file."""
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        theirs = tmp_path / f".other.csv.{sleeper.pid}-0a1b2c3d{outfile.PARTIAL_SUFFIX}"
        theirs.write_text("in progress", encoding="utf-8")
        outfile.write_bytes(tmp_path / "mine.csv", b"x")
        assert theirs.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    outfile.write_bytes(tmp_path / "mine.csv", b"y")
    assert not theirs.exists()


def test_an_old_style_temporary_export_is_removed_once_abandoned(tmp_path):
    target = tmp_path / "my-log.csv"
    target.write_text("old", encoding="utf-8")
    old = tmp_path / ".my-log.csv.k2j4x9_a.tmp"
    old.write_text("partial", encoding="utf-8")
    fresh = tmp_path / ".my-log.csv.abcdefgh.tmp"
    fresh.write_text("partial", encoding="utf-8")
    an_hour_ago = old.stat().st_mtime - outfile.LEGACY_AGE_S - 1
    os.utime(old, (an_hour_ago, an_hour_ago))
    outfile.write_bytes(target, b"new")
    assert not old.exists() and fresh.exists()  # a fresh one may be another rvutool at work


def test_rvutools_own_files_and_folders_are_refused(logged, home, tmp_path):
    out = logged("export", "-o", str(home / "log.sqlite3"))
    assert out.exit_code == 2 and "rvutool's own files" in out.stderr
    (tmp_path / "folder.html").mkdir()
    out = logged("report", "-o", str(tmp_path / "folder.html"))
    assert out.exit_code == 2 and "is a directory" in out.stderr
