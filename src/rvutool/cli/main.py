"""The `rvutool` console script: shell completion first, then the fast path, the full typer CLI otherwise."""

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

    status = fastpath.run(args)
    if status is None:
        from rvutool.cli import actions, app

        status = actions.guard(app.run, args)
    sys.stdout.flush()
    raise SystemExit(status)
