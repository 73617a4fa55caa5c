"""What each command does once its arguments are parsed.

Shared by the typer CLI (cli.py) and the start-up fast path (fastpath.py), so the
two can never disagree. Each function returns an exit status; RvuError is turned
into a message by entry.main.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from typing import Any

from rvutool import render
from rvutool.errors import RvuError, UsageError


def guard(action: Callable[..., int], *args: Any, **kwargs: Any) -> int:
    """Run an action; the one place an RvuError becomes a message and an exit status."""
    try:
        return action(*args, **kwargs)
    except RvuError as err:
        render.error(err.message)
        return err.exit_code
    except KeyboardInterrupt:
        render.error("interrupted; nothing was changed by the unfinished command")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: say so plainly, traceback only on request
        if os.environ.get("RVUTOOL_DEBUG"):
            raise
        render.error(f"internal error ({type(exc).__name__}: {exc}); set RVUTOOL_DEBUG=1 for details "
                     "and please report it")
        return 1


def parse_when(date_text: str | None, year_text: str | None) -> tuple[date | None, int | None]:
    from rvutool import dates

    if date_text is not None and year_text is not None:
        raise UsageError("give --date or --year, not both")
    on = dates.parse_date(date_text) if date_text is not None else None
    year = dates.parse_year(year_text) if year_text is not None else None
    return on, year


def lookup(tokens: list[str], *, as_json: bool = False, date_text: str | None = None,
           year_text: str | None = None) -> int:
    from rvutool.lookup import lookup_many

    on, year = parse_when(date_text, year_text)
    if not tokens:
        raise UsageError("give at least one code, such as: rvutool lookup 99213")
    results, errors = lookup_many(tokens, on=on, year=year)
    if as_json:
        render.print_json([r.to_dict() for r in results])
    elif results:
        render.lookup(results)
    return report_all(errors)


def report_all(errors: list[RvuError]) -> int:
    """Print each error on its own line; usage errors outrank the rest (2 over 1)."""
    for err in errors:
        render.error(err.message)
    return max((err.exit_code for err in errors), default=0)


def show_paths(as_json: bool = False) -> int:
    from rvutool import paths

    found = {name: str(path) for name, path in paths.all_paths().items()}
    if as_json:
        render.print_json(found)
    else:
        render.key_values(found.items())
    return 0


# ---------------------------------------------------------------- search
def search(text: str, *, limit: int | str = 20, as_json: bool = False, date_text: str | None = None,
           year_text: str | None = None) -> int:
    from rvutool.search import search as find

    on, year = parse_when(date_text, year_text)
    try:
        limit = int(limit)
    except ValueError:
        raise UsageError(f"--limit must be a whole number, not {limit!r}") from None
    result = find(text, limit=limit, on=on, year=year)
    if as_json:
        render.print_json([hit.to_dict() for hit in result.hits])
    else:
        render.search(result)
    return 0


# ---------------------------------------------------------------- data import / status
def data_import(path_text: str) -> int:
    from pathlib import Path

    from rvutool.importer import import_file

    with render.import_progress() as progress:
        report = import_file(Path(path_text).expanduser(), progress=progress)
    render.import_report(report)
    return 0


def data_status(as_json: bool = False) -> int:
    from rvutool.importer import status

    found = status()
    if as_json:
        render.print_json(found.to_dict())
    else:
        render.data_status(found)
    return 0
