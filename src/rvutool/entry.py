"""The `rvutool` console script: the fast path first, the full typer CLI otherwise."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    from rvutool import fastpath

    status = fastpath.run(args)
    if status is None:
        from rvutool import actions, cli

        status = actions.guard(cli.run, args)
    sys.stdout.flush()
    raise SystemExit(status)
