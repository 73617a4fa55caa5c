"""The README is the interface: its commands are the ones CI runs, and every command is documented."""

from __future__ import annotations

import re

from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
CI = (REPO / ".ci" / "run").read_text(encoding="utf-8")


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_the_readme_has_two_quick_start_commands():
    install, tests = quick_start_commands()
    assert "pip install ." in install and "rvutool lookup D1553" in install
    assert "pip install -e '.[test]'" in tests and "python -m pytest" in tests


def test_ci_installs_and_tests_exactly_as_the_readme_says():
    install, tests = quick_start_commands()
    assert "python3 -m venv" in install and "-m venv" in CI
    assert "pip\" install -q ." in CI or "pip install -q ." in CI
    assert "install -q -e '.[test]'" in CI
    assert "-m pytest" in CI
    assert "rvutool\" lookup D1553" in CI


def test_every_command_has_help_and_appears_in_the_readme():
    import typer.main

    from rvutool.cli.app import app

    root = typer.main.get_command(app)
    missing = []
    for name, command in root.commands.items():
        subcommands = getattr(command, "commands", None)
        names = [f"{name} {sub}" for sub in subcommands] if subcommands else [name]
        for full in names:
            if f"rvutool {full}" not in README:
                missing.append(full)
        assert (command.help or "").strip(), f"{name} has no help text"
    assert not missing, f"commands missing from README: {missing}"
