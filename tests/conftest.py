"""Shared test set-up: every test gets its own RVUTOOL_HOME and a fixed terminal width."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from pg_practice import pg_server, practice_template, shared_log, the_log  # noqa: F401  (fixtures)

REPO = Path(__file__).resolve().parents[1]
CMS = REPO.parent / "shared" / "data" / "cms"

# The day the tests run on: never the real clock. RVUTOOL_TODAY is set here, at import, so that
# module-level values and every subprocess see it too. CI runs the tests marked `clock` (those
# whose answers move with today) again with RVUTOOL_TEST_TODAY at a year's end, a new year and a
# leap day.
TEST_TODAY = os.environ.get("RVUTOOL_TEST_TODAY", "2026-11-23")
os.environ["RVUTOOL_TODAY"] = TEST_TODAY


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    home = tmp_path / "rvutool-home"
    monkeypatch.setenv("RVUTOOL_HOME", str(home))
    monkeypatch.setenv("RVUTOOL_TODAY", TEST_TODAY)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("RVUTOOL_DEBUG", raising=False)
    return home


def typer_main(argv: list[str]) -> None:
    """cli.main without the fast path: what it does when fastpath.plain returns None."""
    from rvutool.cli import app
    from rvutool.cli.guard import guard

    status = guard(app.run, list(argv))
    sys.stdout.flush()
    raise SystemExit(status)


@pytest.fixture
def entry_path(request) -> str:
    return getattr(request, "param", "fast")


@pytest.fixture
def log_backend(request) -> str:
    return getattr(request, "param", "sqlite")


def _uses_the_fast_path(function) -> bool:
    """Whether a test runs a command the fast path serves (its name appears as a word the test types); a test
    whose words cannot be read is taken to run one."""
    import inspect

    from rvutool.cli import options

    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return True
    return any(f'"{c.path[0]}"' in source for c in options.COMMANDS if c.fast)


def pytest_generate_tests(metafunc):
    """A test of the command line runs through the fast path, and again through typer alone when it types a
    command the fast path serves (for the others both runs would take the same path); in a module marked
    both_stores it runs once more on a practice's shared log (PostgreSQL, as a clinician)."""
    if "rvutool" not in metafunc.fixturenames:
        return
    runs = [("fast", "sqlite", "fast")]
    if _uses_the_fast_path(metafunc.function):
        runs.append(("typer", "sqlite", "typer"))
    node = metafunc.definition
    if node.get_closest_marker("shared_log_only"):
        runs = []
    if node.get_closest_marker("both_stores") and not node.get_closest_marker("sqlite_only"):
        runs.append(("fast", "postgres", "postgres"))
    metafunc.parametrize(("entry_path", "log_backend"), [r[:2] for r in runs], indirect=True,
                         ids=[r[2] for r in runs])


@pytest.fixture
def rvutool(request, capsys, entry_path, log_backend, monkeypatch):
    """Run the command line in-process, as a user would type it: through the start-up fast path (cli/main.py),
    and again through the typer CLI alone for commands the fast path serves (pytest_generate_tests), so the
    two cannot drift apart."""
    from rvutool.cli.main import main as fast_main

    main = fast_main if entry_path == "fast" else typer_main
    if log_backend == "postgres":
        practice = request.getfixturevalue("shared_log")
        monkeypatch.setenv("RVUTOOL_LOG_URL", practice.url("alice"))

    def run(*args: str) -> Result:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


def cms_file(name: str) -> Path:
    path = CMS / name
    if not path.exists():
        pytest.skip(f"{path} is absent: the raw CMS files are needed for this test")
    return path
