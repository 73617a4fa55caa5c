"""Bare `rvutool log`: a short interactive entry in a terminal, a usage error without one."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time

import pytest

from rvutool import interactive, paths
from rvutool.policy import Policy
from rvutool.rules import Options


def scripted(answers):
    prompts = []
    queue = list(answers)

    def ask(prompt):
        prompts.append(prompt)
        if not queue:
            raise EOFError
        return queue.pop(0)

    return ask, prompts


def run(ask, **kwargs):
    defaults = {"date_text": None, "note": None, "case": None, "options": Options(), "allow_identifiers": False,
                "policy": Policy()}
    defaults.update(kwargs)
    return interactive.run(ask=ask, **defaults)


def test_scripted_entry_is_validated_as_typed_and_saved(rvutool, capsys):
    ask, prompts = scripted(["99213 9921 99999", "71046-26", "", "2999-01-01", "2026-03-02",
                             "MRN 1234567", "knee clinic", "y"])
    assert run(ask) == 0
    out = capsys.readouterr().out
    assert "9921" in out and "type that one again" in out           # malformed: asked again
    assert "unknown code 99999 (nearest:" in out                     # unknown: suggestions
    assert "in the future" in out and "medical record number" in out
    assert "Saved encounter 1: #1 99213, #2 71046-26 (1.51 wRVU)" in out  # 1.30 + 0.21
    entries = rvutool("list", "--all", "--json").json()["entries"]
    assert [(e["code"], e["date"], e["note"]) for e in entries] == [
        ("99213", "2026-03-02", "knee clinic"), ("71046", "2026-03-02", "knee clinic")]
    assert prompts[0].startswith("items")


def test_declining_or_cancelling_saves_nothing(capsys):
    ask, _ = scripted(["99213", "", "", "", "n"])
    assert run(ask) == 1
    ask, _ = scripted(["99213"])  # then Ctrl-D
    assert run(ask) == 1
    assert "Cancelled; nothing was saved." in capsys.readouterr().out
    assert not paths.log_file().exists()


def test_options_given_on_the_command_line_are_not_asked_again(rvutool):
    ask, prompts = scripted(["99214", "", "y"])
    assert run(ask, date_text="2026-03-03", note="ward") == 0
    assert not any(p.startswith(("date", "note")) for p in prompts)
    assert rvutool("list", "--all", "--json").json()["entries"][0]["note"] == "ward"


def test_bare_log_without_a_terminal_is_a_usage_error():
    done = subprocess.run([sys.executable, "-m", "rvutool", "log"], input="99213\n", capture_output=True,
                          text=True, env=dict(os.environ), timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("Error: give at least one item") and done.stderr.count("\n") == 1
    assert not paths.log_file().exists()


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_bare_log_in_a_pseudo_terminal():
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # the child: rvutool with the pty as its terminal
        os.execv(sys.executable, [sys.executable, "-m", "rvutool", "log"])
    seen = b""

    def read_until(token: bytes, timeout: float = 20.0) -> None:
        nonlocal seen
        end = time.monotonic() + timeout
        while token not in seen and time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    seen += os.read(fd, 4096)
                except OSError:
                    break
        assert token in seen, seen.decode(errors="replace")

    try:
        read_until(b"items (blank line when done): ")
        os.write(fd, b"99213 71046-26\r")
        read_until(b"so far: 99213 71046-26")
        os.write(fd, b"\r")
        read_until(b"date of service [today]: ")
        os.write(fd, b"2026-03-02\r")
        read_until(b"note (optional")
        os.write(fd, b"\r")
        read_until(b"save? [Y/n] ")
        os.write(fd, b"y\r")
        read_until(b"Saved encounter 1")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.WEXITSTATUS(status) == 0
    assert b"1.51" in seen  # 1.30 (99213) + 0.21 (71046-26)


def pty_run(args, script, timeout=20.0):
    """Run rvutool in a pseudo-terminal; script is [(expected output, answer), ...]."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:
        os.execv(sys.executable, [sys.executable, "-m", "rvutool", *args])
    seen = b""
    try:
        for expected, answer in script:
            end = time.monotonic() + timeout
            while expected not in seen and time.monotonic() < end:
                if select.select([fd], [], [], 0.2)[0]:
                    try:
                        seen += os.read(fd, 4096)
                    except OSError:
                        break
            assert expected in seen, seen.decode(errors="replace")
            if answer is not None:
                os.write(fd, answer)
        while True:  # drain what is left
            if not select.select([fd], [], [], 2.0)[0]:
                break
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.WEXITSTATUS(status), seen.decode(errors="replace")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_recalc_asks_before_saving_in_a_terminal(rvutool):
    import sqlite3

    rvutool("log", "99213", "--date", "2026-02-03")
    with sqlite3.connect(paths.log_file()) as db:
        db.execute("UPDATE entries SET credited_wrvu_c = 100")
    status, out = pty_run(["recalc", "--all"], [(b"Save the new values? [y/N] ", b"n\r")])
    assert status == 1 and "Nothing was changed" in out
    status, out = pty_run(["recalc", "--all"], [(b"Save the new values? [y/N] ", b"y\r")])
    assert status == 0 and "Recalculated 1 entry" in out
    # saved 1.00 (changed by hand), priced again: 1.30 (99213, RVU26C)
    assert rvutool("list", "--all", "--json").json()["total_wrvu"] == 1.30


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_in_a_terminal_edit_asks_whether_to_move_the_encounter_or_split_the_line(rvutool):
    rvutool("log", "47562", "49505", "--date", "2026-11-01")
    status, out = pty_run(["edit", "2", "--date", "2026-11-02"], [(b"[M/s] ", b"s\r")])
    assert status == 0, out
    # split: 49505 alone on 2026-11-02 is credited in full (7.76); 47562 stays 10.21 on 2026-11-01
    entries = rvutool("list", "--all", "--json").json()["entries"]
    assert [(e["date"], e["credited_wrvu"]) for e in entries] == [("2026-11-01", 10.21), ("2026-11-02", 7.76)]


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_in_a_terminal_logging_a_code_again_that_day_asks_first(rvutool):
    rvutool("log", "99213", "--date", "2026-11-01")
    status, out = pty_run(["log", "99213", "--date", "2026-11-01"], [(b"separate service)? [y/N] ", b"n\r")])
    assert status == 1 and "Nothing was saved" in out
    status, out = pty_run(["log", "99213", "--date", "2026-11-01"], [(b"separate service)? [y/N] ", b"y\r")])
    assert status == 0, out
    assert len(rvutool("list", "--all", "--json").json()["entries"]) == 2
