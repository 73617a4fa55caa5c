"""Start-up fast path for the commands people run dozens of times a day.

Importing typer (and, since typer 0.29, pydantic) costs more than everything
`rvutool lookup 99213` does itself. When the arguments are plain (codes and the
few options below), run the shared action directly; for anything else (help,
an unknown option, a typo) return None and let the typer CLI handle it, so both
paths give the same results and the same errors.
"""

from __future__ import annotations

from rvutool import actions

_LOOKUP_VALUE_OPTIONS = {"--date": "date_text", "--year": "year_text"}
_LOOKUP_FLAGS = {"--json": "as_json"}


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


_LOG_VALUE_OPTIONS = {"--date": "date_text", "--note": "note", "--case": "case", "--setting": "setting",
                      "--fraction": "fraction", "--postop-days": "postop_days"}
_LOG_FLAGS = {"--json": "as_json", "--allow-identifiers": "allow_identifiers"}


_SUMMARY_VALUE_OPTIONS = {"--month": "month", "--year": "year", "--from": "from_", "--to": "to", "--by": "by",
                          "--rate": "rate", "--target": "target"}
_SUMMARY_FLAGS = {"--week": "week", "--all": "all_", "--json": "as_json", "--csv": "as_csv", "--chart": "chart"}


def _summary(args: list[str]) -> int | None:
    """`rvutool summary [period options]` without typer (helper C); help and anything odd go to typer."""
    from rvutool.periods import normalize_argv

    parsed = _parse(normalize_argv(["summary", *args])[1:], _SUMMARY_VALUE_OPTIONS, _SUMMARY_FLAGS)
    if parsed is None or parsed[0]:
        return None
    return actions.guard(actions.summary, **parsed[1])


def run(argv: list[str]) -> int | None:
    if argv and argv[0] == "summary":
        return _summary(argv[1:])
    if argv and argv[0] == "log":
        # Plain `rvutool log ITEM... [options]`; bare `log` (interactive) and anything odd go to typer.
        parsed = _parse(argv[1:], _LOG_VALUE_OPTIONS, _LOG_FLAGS)
        if parsed is None or not parsed[0]:
            return None
        items, options = parsed
        return actions.guard(actions.log, items, **options)
    if not argv or argv[0] != "lookup":
        return None
    parsed = _parse(argv[1:], _LOOKUP_VALUE_OPTIONS, _LOOKUP_FLAGS)
    if parsed is None or not parsed[0]:
        return None
    tokens, options = parsed
    return actions.guard(actions.lookup, tokens, **options)
