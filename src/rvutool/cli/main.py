"""The `rvutool` console script: shell completion first, then the fast path, the typer app otherwise; one guard
around whichever runs (the one place an error becomes a message and an exit status)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    if "_RVUTOOL_COMPLETE" in os.environ:  # a shell asking for completions: answered before typer is imported
        from rvutool.cli import completion

        answered = completion.answer()
        if answered is not None:
            sys.stdout.flush()
            raise SystemExit(answered)
    args = sys.argv[1:] if argv is None else argv
    from rvutool.cli import fastpath
    from rvutool.cli.guard import guard

    plain = fastpath.plain(args)
    if plain is not None:
        status = guard(*plain)
    else:
        from rvutool.cli import app

        status = guard(app.run, args)
    sys.stdout.flush()
    raise SystemExit(status)
