"""Bare `rvutool log`: a short interactive entry in a terminal, a usage error without one."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time

import pytest

from rvutool import paths
from rvutool.cli import prompt as log_prompt
from rvutool.pricing.policy import Policy
from rvutool.pricing.rules import Options


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
    return log_prompt.run(ask=ask, **defaults)


def test_scripted_entry_is_validated_as_typed_and_saved(rvutool, capsys):
    ask, prompts = scripted(["2999-01-01", "2026-03-02", "", "99213 99-213 99999", "71046-26", "", "MRN 1234567",
                             "knee clinic", "case 3", "y"])
    assert run(ask) == 0
    out = capsys.readouterr().out
    assert "99 is not a code" in out and "type that one again" in out  # malformed: asked again
    assert "unknown code 99999 (nearest:" in out                     # unknown: suggestions
    assert "in the future" in out and "medical record number" in out
    assert "Saved encounter 1: #1 99213, #2 71046-26 (1.51 wRVU)" in out  # 1.30 + 0.21
    entries = rvutool("list", "--all", "--json").json()["entries"]
    assert [(e["code"], e["date"], e["note"], e["case"]) for e in entries] == [
        ("99213", "2026-03-02", "knee clinic", "case 3"), ("71046", "2026-03-02", "knee clinic", "case 3")]
    assert prompts[:3] == ["date of service [today]: ", "date of service [today]: ",
                           "setting, facility or nonfacility [facility]: "]
    assert prompts[3] == log_prompt.FIRST_ITEM


def test_declining_or_cancelling_saves_nothing(capsys):
    ask, _ = scripted(["", "", "99213", "", "", "", "n"])
    assert run(ask) == 1
    ask, _ = scripted(["", "", "99213"])  # then Ctrl-D
    assert run(ask) == 1
    assert "Cancelled; nothing was saved." in capsys.readouterr().out
    assert not paths.log_file().exists()


def test_options_given_on_the_command_line_are_not_asked_again(rvutool):
    ask, prompts = scripted(["99214", "", "y"])
    assert run(ask, date_text="2026-03-03", note="ward", case="case 1", setting_given=True) == 0
    assert not any(p.startswith(("date", "note", "setting", "case")) for p in prompts)
    assert rvutool("list", "--all", "--json").json()["entries"][0]["note"] == "ward"


def test_the_same_items_saved_minutes_ago_are_pointed_out_before_saving(rvutool, capsys):
    rvutool("log", "99213", "--date", "2026-03-02")
    ask, prompts = scripted(["2026-03-02", "", "99213", "", "", "", "n"])
    assert run(ask) == 1
    err = capsys.readouterr().err
    assert "Warning: 99213 already logged on 2026-03-02 (#1) a few minutes ago: the same items again" in err
    assert prompts[-1] == "save? [Y/n] "  # Enter saves it all the same
    assert len(rvutool("list", "--all", "--json").json()["entries"]) == 1


def test_bare_log_without_a_terminal_is_a_usage_error():
    done = subprocess.run([sys.executable, "-m", "rvutool", "log"], input="99213\n", capture_output=True,
                          text=True, env=dict(os.environ), timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("Error: give at least one item") and done.stderr.count("\n") == 1
    assert not paths.log_file().exists()


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
def test_in_a_terminal_a_likely_double_asks_and_enter_keeps_it(rvutool):
    rvutool("log", "99213", "--date", "2026-11-01")
    question = b"Log it again (a second visit)? [Y/n] "
    status, out = pty_run(["log", "99213", "--date", "2026-11-01"], [(question, b"n\r")])
    assert status == 1 and "Nothing was saved" in out
    status, out = pty_run(["log", "99213", "--date", "2026-11-01"], [(question, b"\r")])  # Enter keeps it
    assert status == 0, out
    status, out = pty_run(["log", "99213", "--date", "2026-11-01", "--yes"], [(b"Saved encounter", None)])
    assert status == 0 and "[Y/n]" not in out  # --yes answers for scripts
    assert len(rvutool("list", "--all", "--json").json()["entries"]) == 3


# ---------------------------------------------------------------- the prompt as a person types it (pexpect)
pexpect = pytest.importorskip("pexpect")
UP, LEFT = "\x1b[A", "\x1b[D"


class Prompt:
    """`rvutool log` in a pseudo-terminal, typed into as a person would (a real terminal type, so readline
    reads the arrow keys)."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "TERM": "xterm", "COLUMNS": "110"}
        self.child = pexpect.spawn(sys.executable, ["-m", "rvutool", "log", *args], env=env, encoding="utf-8",
                                   timeout=30, dimensions=(60, 110))
        self.seen = ""

    def expect(self, text: str) -> str:
        """Wait for text; what came before it (and it)."""
        self.child.expect_exact(text)
        shown = self.child.before + text
        self.seen += shown
        return shown

    def type(self, text: str, then: str | None = None) -> str:
        self.child.send(text + "\r")
        return self.expect(then) if then else ""

    def start(self, on: str = "2026-03-02", setting: str = "") -> None:
        self.expect("date of service [today]: ")
        self.type(on, "setting, facility or nonfacility [")
        self.expect(": ")
        self.type(setting, log_prompt.FIRST_ITEM)

    def finish(self, save: str = "y") -> int:
        self.expect("note (optional; no patient identifiers): ")
        self.type("", log_prompt.CASE_PROMPT)
        self.type("", "save? [Y/n] ")
        self.child.send(save + "\r")
        self.child.expect(pexpect.EOF)
        self.seen += self.child.before
        self.child.close()
        return self.child.exitstatus


def item_prompt(n: int) -> str:
    return f"item {n} (Enter when done): "


def logged(rvutool) -> list[tuple[str, list[str]]]:
    return [(e["code"], e["modifiers"]) for e in rvutool("list", "--all", "--json").json()["entries"]]


def test_a_person_logs_an_encounter_and_sees_each_credit_as_it_goes(rvutool):
    prompt = Prompt()
    prompt.start()
    shown = prompt.type("47562 49505", item_prompt(3))
    assert "47562" in shown and "10.21" in shown  # the first procedure in full
    assert "7.76 -> 3.88" in shown and "2nd procedure 50%" in shown  # priced as the encounter grows
    assert "Total" in shown and "14.09" in shown
    prompt.type("")
    assert prompt.finish() == 0
    assert "Saved encounter 1: #1 47562, #2 49505 (14.09 wRVU)." in prompt.seen
    assert logged(rvutool) == [("47562", []), ("49505", [])]


def test_words_show_numbered_matches_and_a_number_picks_one(rvutool):
    import re

    prompt = Prompt()
    prompt.start()
    shown = prompt.type("total knee", "pick 1-")
    number = re.search(r"(\d+)\.\s+27447\s", shown).group(1)
    assert re.search(r"27447\s+total knee replacement\s+19.11 wRVU", shown)
    shown = prompt.type(f"{number}-RT", item_prompt(2))
    assert re.search(r"27447-RT\s+total knee replacement\s+19.11", shown)
    prompt.type("")
    assert prompt.finish() == 0
    assert logged(rvutool) == [("27447", ["RT"])]


def test_arrow_keys_edit_the_line_and_recall_history_without_escape_codes(rvutool, home):
    prompt = Prompt()
    prompt.start()
    shown = prompt.type(f"9923{LEFT}1", item_prompt(2))  # typed 9923, back one, 1: 99213
    assert "99213" in shown and "not a code" not in shown
    shown = prompt.type(UP, item_prompt(3))  # the line before, recalled
    assert shown.count("99213") >= 2 and "[A" not in shown.replace("\x1b[A", "")
    prompt.type("drop 2", item_prompt(2))
    prompt.type("mrn 12345678", item_prompt(2))  # searched (and not found), but never kept in the history
    prompt.type("")
    assert prompt.finish() == 0
    assert logged(rvutool) == [("99213", [])]
    history = paths.history_file()
    assert history.read_text().splitlines() == ["99213"]  # commands and identifiers stay out
    assert history.stat().st_mode & 0o777 == 0o600
    # the next session remembers: up recalls 99213
    again = Prompt()
    again.start()
    shown = again.type(UP, item_prompt(2))
    assert "99213" in shown
    again.type("")
    assert again.finish() == 0
    assert logged(rvutool) == [("99213", []), ("99213", [])]


def test_drop_undo_and_help(rvutool):
    prompt = Prompt()
    prompt.start()
    prompt.type("99213-25 99214 20610", item_prompt(4))
    shown = prompt.type("drop 2", item_prompt(3))
    assert "99214" not in shown and "99213-25" in shown and "20610" in shown
    shown = prompt.type("drop 7", item_prompt(3))
    assert "drop takes item numbers from the list (1 to 2)" in shown
    shown = prompt.type("undo", item_prompt(2))
    assert "20610" not in shown and "99213-25" in shown
    shown = prompt.type("?", item_prompt(2))
    assert "drop 2" in shown and "@tka" in shown and "Ctrl-D or Ctrl-C" in shown
    prompt.type("")
    assert prompt.finish() == 0
    assert logged(rvutool) == [("99213", ["25"])]


@pytest.mark.parametrize(("key", "status"), [("\x04", 1), ("\x03", 130)])
def test_ctrl_d_or_ctrl_c_cancels_and_saves_nothing(rvutool, key, status):
    prompt = Prompt()
    prompt.start()
    prompt.type("99213", item_prompt(2))
    # A key typed while the line editor is still switching the terminal's mode can be dropped by the
    # terminal (a loaded machine shows it): press it again, as a person would, at most twice more.
    for _ in range(3):
        prompt.child.send(key)
        if prompt.child.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=10) == 0:
            break
    prompt.child.close()
    assert "Cancelled; nothing was saved." in prompt.child.before
    assert prompt.child.exitstatus == status
    assert not paths.data_dir().exists()  # no log, and no history either


def test_recent_codes_are_offered_first_and_favourites_work(rvutool):
    rvutool("log", "27447-RT", "--date", "2026-03-01")
    rvutool("log", "99213", "--date", "2026-03-01")
    rvutool("fav", "add", "knee-scope", "29881", "29877-59")
    prompt = Prompt()
    prompt.start()
    shown = prompt.type("", "pick 1-")  # Enter before the first item: what was logged last
    assert "Recently logged:" in shown
    assert shown.index("1.  99213") < shown.index("2.  27447-RT")
    prompt.type("2", item_prompt(2))
    shown = prompt.type("@knee-scope-LT", item_prompt(4))
    assert "29881-LT" in shown and "29877-59-LT" in shown
    shown = prompt.type("@kn\t", item_prompt(6))  # Tab completes the favourite's name
    assert "@knee-scope" in shown
    prompt.type("drop 4 5", item_prompt(4))
    shown = prompt.type("recent", "pick 1-")
    prompt.type("", item_prompt(4))
    prompt.type("")
    assert prompt.finish() == 0
    assert logged(rvutool)[2:] == [("27447", ["RT"]), ("29881", ["LT"]), ("29877", ["59", "LT"])]


def test_a_share_is_asked_for_and_the_setting_is_asked_with_the_configured_default(rvutool):
    rvutool("config", "set", "setting", "nonfacility")
    prompt = Prompt()
    prompt.expect("date of service [today]: ")
    prompt.type("2026-03-02", "setting, facility or nonfacility [nonfacility]: ")
    prompt.type("f", log_prompt.FIRST_ITEM)
    shown = prompt.type("45378-52", "share of the service to credit")
    assert "45378-52: -52 (reduced service) is credited at a share of the service" in shown
    shown = prompt.type("0.5", item_prompt(2))
    assert "3.18 -> 1.59" in shown
    prompt.type("")
    assert prompt.finish() == 0
    entry = rvutool("list", "--all", "--json").json()["entries"][0]
    assert (entry["setting"], entry["credited_wrvu"]) == ("facility", 1.59)


def test_post_operative_days_are_asked_once_for_55(rvutool, capsys):
    # 27447-55: post-operative care only, 21% of 19.11 for the whole 90 days; 30 days -> 19.11 x 0.21 x 30/90 = 1.34
    ask, prompts = scripted(["2026-03-02", "", "27447-55", "30", "71046-26", "", "", "", "y"])
    assert run(ask) == 0
    assert sum(p.strip().startswith("days of post-operative care") for p in prompts) == 1
    credited = [e["credited_wrvu"] for e in rvutool("list", "--all", "--json").json()["entries"]]
    assert credited == [1.34, 0.21]
    ask, prompts = scripted(["2026-03-03", "", "27447-55", "", "99213-24", "drop 1", "99214", "", "", "", "y"])
    assert run(ask) == 0  # Enter: the whole period, not asked again; dropped, the option goes with it
    assert sum(p.strip().startswith("days of post-operative care") for p in prompts) == 1
    assert [e["code"] for e in rvutool("list", "--from", "2026-03-03", "--to", "2026-03-03", "--json").json()[
        "entries"]] == ["99213", "99214"]


def test_enter_at_the_double_entry_question_keeps_the_visit(rvutool):
    rvutool("log", "99214", "G2211", "--date", "2026-03-02")
    prompt = Prompt("99214", "G2211", "--date", "2026-03-02")
    shown = prompt.expect("Log it again (a second visit)? [Y/n] ")
    assert "99214, G2211 already logged on 2026-03-02 (#1, #2) a few minutes ago" in shown
    prompt.child.send("\r")
    prompt.child.expect(pexpect.EOF)
    prompt.child.close()
    assert prompt.child.exitstatus == 0
    assert [code for code, _ in logged(rvutool)] == ["99214", "G2211", "99214", "G2211"]
