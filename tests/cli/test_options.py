"""THE option table (cli/options.py): one meaning per option, and everything that reads the table agreeing.

Every option name has one keyword, one kind, one help text and one metavar in every command that takes it;
the typer app, the fast path and completion are made from the same rows; each command's action takes exactly
the table's arguments and keywords. Then the disagreements issue 18 found, each run through both commands.
"""

from __future__ import annotations

import importlib
import inspect

import pytest

from rvutool.cli import completion, fastpath, options


def _action(command: options.Command):
    module, _, name = command.action.partition(":")
    return getattr(importlib.import_module(module), name)


# ---------------------------------------------------------------- the table itself
def test_an_option_means_the_same_in_every_command():
    seen: dict[str, options.Option] = {}
    for command in options.COMMANDS:
        for option in command.options:
            for name in option.names:
                first = seen.setdefault(name, option)
                assert (option.keyword, option.kind, option.help, option.metavar, option.bare) == \
                    (first.keyword, first.kind, first.help, first.metavar, first.bare), (command.name, name)


def test_every_action_takes_exactly_its_rows_arguments_and_options():
    for command in options.COMMANDS:
        parameters = inspect.signature(_action(command)).parameters
        positional = [p.name for p in parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        assert len(positional) >= len(command.arguments), command.name
        keywords = {o.keyword for o in command.options}
        accepted = {p.name for p in parameters.values() if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
        assert keywords <= accepted, (command.name, keywords - accepted)
        required = {p.name for p in parameters.values() if p.kind == p.KEYWORD_ONLY and p.default is p.empty}
        assert not required - keywords, (command.name, required)


def test_the_typer_app_is_the_table():
    import typer.main

    from rvutool.cli import app

    root = typer.main.get_command(app.app)

    def find(path):
        node = root
        for word in path:
            node = node.commands[word]
        return node

    for command in options.COMMANDS:
        click = find(command.path)
        names = {name for param in click.params for name in param.opts if name.startswith("-")} - {"-h", "--help"}
        assert names == {n for o in command.options for n in o.names}, command.name
        assert [p.name for p in click.params if p.param_type_name == "argument"] == \
            [a.keyword for a in command.arguments], command.name


def test_completion_offers_every_commands_options_from_the_table():
    for command in options.COMMANDS:
        offered = {value for value, _ in completion.offers(list(command.path), "-")}
        for option in command.options:
            assert set(option.names) <= offered, (command.name, option.names)


def test_the_fast_path_takes_the_plain_use_of_its_commands_and_declines_the_rest():
    assert [c.name for c in options.COMMANDS if c.fast] == ["lookup", "calc", "search", "log", "list", "summary"]
    assert fastpath.plain(["lookup", "99213", "--json", "--date", "2026-08-01"]) is not None
    assert fastpath.plain(["calc", "47562", "49505", "--setting", "nonfac"]) is not None
    assert fastpath.plain(["summary", "--year"]) is not None  # bare --year: this year
    assert fastpath.plain(["lookup", "99213", "--bogus"]) is None  # typer says what is wrong
    assert fastpath.plain(["lookup", "--help"]) is None
    assert fastpath.plain(["log"]) is None  # the prompt
    assert fastpath.plain(["report", "-o", "x.html"]) is None  # not a fast command


def test_bare_period_options_follow_the_table():
    assert options.normalize_argv(["summary", "--year"]) == ["summary", "--year=current"]
    assert options.normalize_argv(["lookup", "27447", "--year"]) == ["lookup", "27447", "--year=current"]
    assert options.normalize_argv(["list", "--month", "--json"]) == ["list", "--month=current", "--json"]
    assert options.normalize_argv(["contract", "collections", "--month", "2026-10", "41250"]) == \
        ["contract", "collections", "--month", "2026-10", "41250"]
    assert options.normalize_argv(["calc", "99213", "--date", "today"]) == ["calc", "99213", "--date", "today"]


# ---------------------------------------------------------------- the disagreements, through both commands
@pytest.mark.clock
def test_a_year_is_read_one_way_by_lookup_and_summary(rvutool):
    for args in (["lookup", "27447", "--year", "02026"], ["summary", "--year", "02026"]):
        result = rvutool(*args)
        assert result.exit_code == 2 and "four digits" in result.stderr, args
    assert rvutool("lookup", "27447", "--year").exit_code == 0  # bare: this year, as in summary
    assert rvutool("summary", "--year", "--json").json()["kind"] == "year"


def test_with_a_fiscal_year_set_year_means_the_fiscal_year_everywhere(rvutool, monkeypatch):
    # fiscal_year_start 7: --year 2026 is 2025-07-01 to 2026-06-30 in summary, and lookup uses the release in force
    # on its last day, 2026-06-30: RVU26C (27447 work 19.11); a calendar year 2025 would be RVU25D's 19.60
    rvutool("config", "set", "fiscal_year_start", "7")
    data = rvutool("summary", "--year", "2026", "--json").json()
    assert (data["from"], data["to"]) == ("2025-07-01", "2026-06-30")
    [row] = rvutool("lookup", "27447", "--year", "2026", "--json").json()
    assert (row["release"], row["work_rvu"]) == ("RVU26C", 19.11)
    [row] = rvutool("lookup", "27447", "--year", "2025", "--json").json()  # FY2025 ends 2025-06-30
    assert (row["release"], row["work_rvu"]) == ("RVU25D", 19.60)


def test_a_date_has_one_range_for_logging_and_listing(rvutool):
    for args in (["log", "99213", "--date", "0001-01-01"], ["list", "--from", "0001-01-01"],
                 ["calc", "99213", "--date", "3000-01-01"], ["summary", "--to", "1899-12-31"]):
        result = rvutool(*args)
        assert result.exit_code == 2 and "out of range" in result.stderr, args
    assert rvutool("log", "99213", "--date", "1900-01-01").exit_code == 0


def test_an_empty_locality_is_refused_by_every_command(rvutool):
    rvutool("config", "set", "locality", "01182-18")
    for command in (["calc", "99213"], ["lookup", "99213"], ["summary"], ["report", "-o", "r.html"]):
        result = rvutool(*command, "--locality", "")
        assert result.exit_code == 2 and "--locality needs a value" in result.stderr, command


def test_a_setting_is_read_one_way_by_flags_settings_the_prompt_and_files(rvutool):
    from rvutool.cli import inputs
    from rvutool.log import import_files
    from rvutool.pricing import values

    for typed in ("nonfac", "non-facility", "office", "n"):
        assert values.setting(typed) == inputs.setting(typed) == import_files._check_setting(typed) == "nonfacility"
    assert rvutool("calc", "99213", "--setting", "nonfac", "--json").json()["setting"] == "nonfacility"
    assert rvutool("log", "99213", "--setting", "nonfac", "--json").json()["lines"][0]["setting"] == "nonfacility"
    assert rvutool("config", "set", "setting", "nonfac").exit_code == 0
    assert rvutool("config", "get", "setting").stdout.strip() == "nonfacility"
    assert rvutool("calc", "99213", "--setting", "nowhere").exit_code == 2


def test_month_names_and_by_keys_are_defined_once():
    from rvutool import config, dates, periods
    from rvutool.reports import summary

    assert periods.MONTH_NAMES is dates.MONTH_NAMES
    assert not hasattr(config, "MONTHS")
    assert config.parse_value("fiscal_year_start", "sept") == 9 == periods.parse_month("sept", today=dates.today())[1]
    offered = {value for value, _ in completion.offers(["summary", "--by"], "")}
    assert offered == set(summary.BY_CHOICES)


def test_the_typer_path_says_an_error_once(rvutool, monkeypatch):
    from rvutool.cli import guard

    calls = []
    real = guard.guard

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(guard, "guard", counting)
    from rvutool.cli.main import main

    with pytest.raises(SystemExit) as stop:
        main(["report", "-o", "bad.txt"])
    assert stop.value.code == 2 and len(calls) == 1


# ---------------------------------------------------------------- usage errors, on either path
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


@pytest.mark.parametrize(("argv", "expected"), [
    (["summary", "--month", "nov"], ["summary", "--month", "nov"]),
    (["list", "--month", "November", "--csv"], ["list", "--month", "November", "--csv"]),
    (["recalc", "--month", "soon"], ["recalc", "--month", "soon"]),  # kept: gets a clear error
    (["summary", "--month", "--json"], ["summary", "--month=current", "--json"]),
    (["export", "--month", "2026-02", "--csv"], ["export", "--month", "2026-02", "--csv"]),
    (["summary", "--month", "2026-13"], ["summary", "--month", "2026-13"]),  # kept: gets a clear error
    (["log", "99213", "--month"], ["log", "99213", "--month"]),  # log has no --month: typer says so
    # reconcile's files as first released: --csv FILE and --html FILE are -o FILE
    (["reconcile", "r.xlsx", "--csv", "lines.csv", "--html", "d.html"],
     ["reconcile", "r.xlsx", "--output=lines.csv", "--output=d.html"]),
    (["reconcile", "--csv", "out.csv", "r.csv", "--month", "2026-10"],
     ["reconcile", "--output=out.csv", "r.csv", "--month", "2026-10"]),
    (["reconcile", "--csv", "r.csv", "--month", "2026-10"], ["reconcile", "--csv", "r.csv", "--month", "2026-10"]),
    (["reconcile", "r.csv", "--csv"], ["reconcile", "r.csv", "--csv"]),  # bare: print CSV
    (["reconcile", "r.csv", "--map", "code=CPT", "--csv"], ["reconcile", "r.csv", "--map", "code=CPT", "--csv"]),
    # db push's file was --from, which is a first day everywhere else: now --log, and --from still works
    (["db", "push", "--from", "old.sqlite3"], ["db", "push", "--log", "old.sqlite3"]),
    (["db", "push", "--from=old.sqlite3"], ["db", "push", "--log=old.sqlite3"]),
])
def test_the_argv_rewrites(argv, expected):
    assert options.normalize_argv(argv) == expected
