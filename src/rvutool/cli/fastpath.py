"""Start-up fast path for the commands people run dozens of times a day.

Importing typer (and, since typer 0.29, pydantic) costs more than everything
`rvutool lookup 99213` does itself. When the arguments are plain (codes and the
few options below), run the shared action directly; for anything else (help,
an unknown option, a typo) return None and let the typer CLI handle it, so both
paths give the same results and the same errors.
"""

from __future__ import annotations

from rvutool.cli import actions


def _parse(args: list[str], value_options: dict[str, str], flags: dict[str, str]) -> tuple[list[str], dict] | None:
    positional: list[str] = []
    options: dict[str, object] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=")
        if arg in flags:
            options[flags[arg]] = True
        elif name in value_options:
            if not eq:
                if i + 1 >= len(args):
                    return None
                i += 1
                value = args[i]
            if value_options[name] in options:
                return None
            options[value_options[name]] = value
        elif arg.startswith("-"):
            return None
        else:
            positional.append(arg)
        i += 1
    return positional, options


# command -> (options taking a value, flag options); each maps the option to the action's keyword.
_LOOKUP = ({"--date": "date_text", "--year": "year_text", "--locality": "locality_text", "--zip": "zip_text",
            "--compare": "compare"},
           {"--json": "as_json", "--qp": "qp", "--about": "about"})
_SEARCH = ({"--date": "date_text", "--year": "year_text", "--limit": "limit"}, {"--json": "as_json"})
_LOG = ({"--date": "date_text", "--note": "note", "--case": "case", "--setting": "setting",
         "--fraction": "fraction", "--postop-days": "postop_days"},
        {"--json": "as_json", "--allow-identifiers": "allow_identifiers", "--yes": "yes", "--no-check": "no_check"})
_SUMMARY = ({"--month": "month", "--year": "year", "--from": "from_", "--to": "to", "--by": "by",
             "--rate": "rate", "--target": "target", "--locality": "locality_text", "--zip": "zip_text",
             "--provider": "provider", "--reprice": "reprice", "--contract": "contract", "--benchmark": "benchmark"},
            {"--week": "week", "--all": "all_", "--json": "as_json", "--csv": "as_csv", "--chart": "chart",
             "--qp": "qp"})
_LIST = ({"--month": "month", "--year": "year", "--from": "from_", "--to": "to", "--code": "code",
          "--encounter": "encounter", "--provider": "provider"},
         {"--week": "week", "--all": "all_", "--json": "as_json", "--csv": "as_csv", "--explain": "explain",
          "--removed": "removed"})
_CHECK = ({"--date": "date_text", "--month": "month", "--year": "year", "--from": "from_", "--to": "to",
           "--provider": "provider"},
          {"--week": "week", "--all": "all_", "--json": "as_json"})
# The tables by command; tests/test_entry_paths.py checks them against the typer commands in cli.py.
OPTIONS = {"lookup": _LOOKUP, "search": _SEARCH, "log": _LOG, "summary": _SUMMARY, "list": _LIST, "check": _CHECK}


def run(argv: list[str]) -> int | None:
    """Run a plain hot command without typer; None means "let the typer CLI handle it"."""
    if not argv:
        return None
    command, args = argv[0], argv[1:]
    if command == "lookup":
        parsed = _parse(args, *_LOOKUP)
        if parsed is None or not parsed[0]:
            return None
        return actions.guard(actions.lookup, parsed[0], **parsed[1])
    if command == "search":
        parsed = _parse(args, *_SEARCH)
        if parsed is None or not parsed[0]:
            return None
        return actions.guard(actions.search, " ".join(parsed[0]), **parsed[1])
    if command == "log":
        # bare `log` is the interactive entry, which typer handles
        parsed = _parse(args, *_LOG)
        if parsed is None or not parsed[0]:
            return None
        from rvutool.cli import log_actions

        return actions.guard(log_actions.log, parsed[0], **parsed[1])
    if command == "check":
        # items, or a period (bare --month / --year become --month=current / --year=current first)
        from rvutool.periods import normalize_argv

        parsed = _parse(normalize_argv(argv)[1:], *_CHECK)
        if parsed is None:
            return None
        from rvutool.cli import check_actions

        return actions.guard(check_actions.check, parsed[0], **parsed[1])
    if command in {"summary", "list"}:
        from rvutool.periods import normalize_argv

        parsed = _parse(normalize_argv(argv)[1:], *OPTIONS[command])
        if parsed is None or parsed[0]:
            return None
        if command == "summary":
            return actions.guard(actions.summary, **parsed[1])
        from rvutool.cli import log_actions

        return actions.guard(log_actions.list_entries, **parsed[1])
    return None
