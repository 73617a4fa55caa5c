"""Two entry paths, one behaviour: the start-up fast path (fastpath.py, no typer) and the typer CLI (app.py).

The `rvutool` fixture already runs every CLI test through both paths. These tests check the wiring itself:
the same options on both sides, each option reaching the same keyword of the same action, and usage errors
reported the same way (one line on stderr, exit 2).
"""

from __future__ import annotations

import inspect

import pytest

from rvutool.cli import app, fastpath

# command -> (action it calls, a positional argument it needs)
HOT = {"lookup": ("lookup", ["99213"]), "search": ("search", ["knee"]), "log": ("log", ["99213"]),
       "summary": ("summary", []), "list": ("list_entries", []), "check": ("check", [])}
MODULES = {"lookup": actions, "search": actions, "log": log_actions, "summary": actions, "list": log_actions,
           "check": check_actions}
SIGNATURES = {command: inspect.signature(getattr(MODULES[command], action)) for command, (action, _) in HOT.items()}


def typer_options(command: str) -> dict[str, str]:
    """Every option name of the typer command -> "flag" or "value"."""
    import typer.main  # noqa: TID251 - the test compares with the typer commands

    click_command = typer.main.get_command(app.app).commands[command]
    found = {}
    for param in click_command.params:
        if param.param_type_name != "option":
            continue
        for name in (*param.opts, *param.secondary_opts):
            found[name] = "flag" if param.is_flag else "value"
    return found


def fast_options(command: str) -> dict[str, str]:
    values, flags = fastpath.OPTIONS[command]
    return {**dict.fromkeys(values, "value"), **dict.fromkeys(flags, "flag")}


def test_the_fast_path_handles_exactly_the_hot_commands():
    assert set(fastpath.OPTIONS) == set(HOT)


@pytest.mark.parametrize("command", sorted(HOT))
def test_the_fast_path_knows_the_same_options_as_typer(command):
    assert fast_options(command) == typer_options(command)


def record_calls(monkeypatch, command: str) -> list[dict]:
    """Replace the command's action with a recorder of its arguments, defaults filled in."""
    name, signature = HOT[command][0], SIGNATURES[command]
    calls: list[dict] = []

    def recorder(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)  # a keyword the action lacks fails here
        bound.apply_defaults()
        # typer passes each default as the option's text ("20"), the fast path leaves it out (20)
        calls.append({key: str(value) for key, value in bound.arguments.items()})
        return 0

    monkeypatch.setattr(MODULES[command], name, recorder)
    return calls


def both_paths(monkeypatch, argv: list[str]) -> tuple[dict, dict]:
    calls = record_calls(monkeypatch, argv[0])
    assert fastpath.run(argv) == 0, f"the fast path declined {argv}"
    assert app.run(argv) == 0
    assert len(calls) == 2
    return calls[0], calls[1]


@pytest.mark.parametrize("command", sorted(HOT))
def test_each_option_reaches_the_same_keyword_on_both_paths(monkeypatch, command):
    # Disconnecting an option on either side (say, app.lookup passing date_text=None) fails here.
    positional = HOT[command][1]
    baseline_fast, baseline_typer = both_paths(monkeypatch, [command, *positional])
    assert baseline_fast == baseline_typer
    values, flags = fastpath.OPTIONS[command]
    for option, keyword in values.items():
        value = f"7{option.strip('-')}"  # a digit first: normalize_argv keeps it as --month's value
        fast, typed = both_paths(monkeypatch, [command, *positional, option, value])
        assert fast == typed, option
        assert fast[keyword] == value and fast == {**baseline_fast, keyword: value}, option
    for option, keyword in flags.items():
        fast, typed = both_paths(monkeypatch, [command, *positional, option])
        assert fast == typed, option
        assert fast == {**baseline_fast, keyword: "True"}, option


@pytest.mark.parametrize(("args", "says"), [
    (["lookup", "99213", "--frobnicate"], "No such option: --frobnicate (see 'rvutool lookup --help')"),
    (["lookup", "99213", "--date"], "Option '--date' requires an argument"),
    (["lookup"], "Missing argument 'CODE...'"),
    (["search", "knee", "--limit", "abc"], "--limit must be a whole number, not 'abc'"),
    (["search", "knee", "--limit", "0"], "--limit must be between 1 and 1000, not 0"),
    (["summary", "extra"], "unexpected extra argument"),
    (["summary", "--by"], "Option '--by' requires an argument"),
    (["log", "99213", "--date", "2026-11-01", "--patient", "Smith"], "No such option: --patient"),
])
def test_a_usage_error_is_one_line_on_stderr_and_exit_2(rvutool, args, says):
    result = rvutool(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("Error: ") and says in result.stderr


def test_bare_rvutool_shows_the_commands(rvutool):
    result = rvutool()
    assert result.exit_code == 2 and "lookup" in result.stdout and result.stderr == ""
