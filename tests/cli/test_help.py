"""`--help` speaks the user's language: values are named (DATE, CODE..., YYYY-MM), never typed (<str>, TEXT)."""

from __future__ import annotations

import re

import typer.main  # noqa: TID251 - the test walks the typer commands

from rvutool.cli import app

PLACEHOLDERS = re.compile(r"<bool>|<str>|<int>|<float>|<list\[|<[a-z_]+>|\bTEXT\b|\bINTEGER\b|\bFLOAT\b|\bBOOLEAN\b"
                          r"|\{[A-Za-z_.]+\}|\{ID|\[items\]|\bcodes\.\.\.")


def all_commands() -> list[tuple[tuple[str, ...], object]]:
    """(path, click command) for the root, every group and every command."""
    found = []

    def walk(path: tuple[str, ...], command) -> None:
        found.append((path, command))
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk((*path, name), sub)

    walk((), typer.main.get_command(app.app))
    return found


def test_every_help_names_values_without_programming_placeholders(rvutool, monkeypatch):
    for columns in ("100", "60"):
        monkeypatch.setenv("COLUMNS", columns)
        for path, _ in all_commands():
            result = rvutool(*path, "--help")
            assert result.exit_code == 0 and result.stderr == "", path
            assert f"Usage: rvutool {' '.join(path)}".rstrip() in result.stdout, path
            assert not PLACEHOLDERS.findall(result.stdout), (path, PLACEHOLDERS.findall(result.stdout))


def test_lookup_help_shows_the_metavars(rvutool):
    out = rvutool("lookup", "--help").stdout
    assert "Usage: rvutool lookup [OPTIONS] CODE..." in out
    assert re.search(r"--date\s+DATE\s", out) and re.search(r"--year\s+YYYY\s", out)


# `db push --from PATH` names a log file to copy (the spelling the shared-log issue asked for); everywhere
# else --from is a period's first date.
_OTHER_MEANING = {("db", "push"): {"--from"}}


def test_the_same_option_has_the_same_metavar_everywhere():
    seen: dict[str, set[str]] = {}
    for path, command in all_commands():
        for param in command.params:
            if set(getattr(param, "opts", [])) & _OTHER_MEANING.get(tuple(path), set()):
                continue
            if param.param_type_name != "option" or param.is_flag:
                continue  # an argument is each command's own (lookup's CODE..., log's ITEM...)
            assert param.metavar, f"{' '.join(path)}: {param.name} has no metavar"
            for name in getattr(param, "opts", []):
                seen.setdefault(name, set()).add(param.metavar)
    assert {name for name, metavars in seen.items() if len(metavars) > 1} == set()
    assert seen["--date"] == {"DATE"} and seen["--year"] == {"YYYY"} and seen["--month"] == {"YYYY-MM"}
    assert seen["--setting"] == {"facility|nonfacility"} and seen["--output"] == {"FILE"}
