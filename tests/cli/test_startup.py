"""Start-up discipline: the hot commands load neither typer nor, for JSON, rich."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# Answers here move with today: CI runs this module again at other dates (tests/conftest.py).
pytestmark = pytest.mark.clock


def imported_modules(*args: str, home) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "rvutool", *args],
        capture_output=True, text=True, env=dict(os.environ, RVUTOOL_HOME=str(home)),
    )
    assert done.returncode == 0, done.stderr[-500:]
    modules = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            modules.add(line.rsplit("|", 1)[1].strip())
    return modules


def test_lookup_json_needs_neither_typer_nor_rich(home):
    modules = imported_modules("lookup", "99213", "--json", home=home)
    assert "rvutool.catalog.lookup" in modules
    assert not {m for m in modules if m.split(".")[0] in {"typer", "rich", "click", "pydantic"}}


def test_lookup_table_skips_typer(home):
    modules = imported_modules("lookup", "99213", home=home)
    assert "rich.table" in modules
    assert not {m for m in modules if m.split(".")[0] in {"typer", "click", "pydantic"}}


@pytest.mark.parametrize("args", [["lookup", "--help"], ["lookup", "99213", "--unknown-option"]])
def test_anything_unusual_falls_back_to_the_full_cli(rvutool, args):
    result = rvutool(*args)
    assert result.exit_code in (0, 2)
    assert "Usage" in result.stdout or "Error" in result.stderr


def test_importing_the_cli_does_no_work(home):
    code = "import rvutool.cli.app, rvutool.catalog.codes, rvutool.paths; print('ok')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, RVUTOOL_HOME=str(home)))
    assert done.stdout.strip() == "ok"
    assert not home.exists()


def test_lookup_with_a_config_file_does_not_load_the_payment_rules(home):
    home.mkdir()
    (home / "config.toml").write_text('rate = 55\nlocality = "01182-18"\n', encoding="utf-8")
    modules = imported_modules("lookup", "99213", "--json", home=home)
    assert "rvutool.config" in modules and "rvutool.pricing.locality" in modules
    assert "rvutool.pricing.rules" not in modules


def test_lookup_json_without_a_config_file_loads_only_what_it_prints(home):
    modules = imported_modules("lookup", "99213", "--json", home=home)
    assert "rvutool.catalog.lookup" in modules
    unwanted = {"rich", "rvutool.config", "rvutool.pricing.locality", "tomllib", "dataclasses",
                "rvutool.catalog.cmsfile", "csv", "tempfile"}
    assert not {m for m in modules if m in unwanted or m.split(".")[0] == "rich"}


@pytest.mark.parametrize("args", [
    ["calc", "27447-RT", "20610", "--json"],
    ["search", "knee", "--json"],
    ["summary", "--month", "--json"],
    ["list", "--json"],
])
def test_the_other_everyday_commands_in_json_need_neither_typer_nor_rich(home, args):
    modules = imported_modules(*args, home=home)
    assert not {m for m in modules if m.split(".")[0] in {"typer", "rich", "click", "pydantic"}}


def test_calc_in_a_table_skips_typer(home):
    modules = imported_modules("calc", "27447-RT", "20610", home=home)
    assert "rich.table" in modules
    assert not {m for m in modules if m.split(".")[0] in {"typer", "click", "pydantic"}}


@pytest.mark.parametrize("args", [["--help"], ["log", "--help"], ["summary", "--help"]])
def test_help_is_plain_typer_without_rich_markup_or_markdown(home, args):
    modules = imported_modules(*args, home=home)
    assert "typer" in modules
    assert not {m for m in modules if m.split(".")[0] in {"rich", "markdown_it"}}
