"""Start-up fast path for the commands people run dozens of times a day (those marked `fast` in options.py).

Importing typer (and, since typer 0.29, pydantic) costs more than everything `rvutool lookup 99213` does itself.
When the arguments are plain (words and the command's own options from THE table), the action runs directly;
for anything else (help, an unknown option, a typo) `plain` returns None and the typer app handles it, so both
paths give the same results and the same errors.
"""

from __future__ import annotations

from typing import Any

from rvutool.cli import options


def plain(argv: list[str]) -> tuple[Any, ...] | None:
    """(action, positional arguments..., keyword arguments) for a plain fast command, else None."""
    if not argv:
        return None
    command = options.command(argv[:1])
    if command is None or not command.fast:
        return None
    parsed = parse(command, options.normalize_argv(argv)[1:])
    if parsed is None:
        return None
    words, values = parsed
    arguments = command.arguments
    if arguments and arguments[0].required and not words:
        return None  # typer says what is missing
    if not arguments and words:
        return None
    if not words and command.path == ("log",):
        return None  # bare `log` is the interactive prompt
    import importlib

    module, _, name = command.action.partition(":")
    action = getattr(importlib.import_module(module), name)
    return (_Call(action, [words] if arguments else [], values),)


class _Call:
    """An action with its arguments, called by guard."""

    def __init__(self, action: Any, args: list[Any], kwargs: dict[str, Any]) -> None:
        self.action, self.args, self.kwargs = action, args, kwargs

    def __call__(self) -> int:
        return self.action(*self.args, **self.kwargs)


def parse(command: options.Command, args: list[str]) -> tuple[list[str], dict[str, Any]] | None:
    """The words and the {keyword: value} of a command's own options; None at anything else (typer decides)."""
    words: list[str] = []
    values: dict[str, Any] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=")
        spec = command.option(name)
        if spec is not None and spec.flag and not eq:
            values[spec.keyword] = True
        elif spec is not None and not spec.flag:
            if not eq:
                if i + 1 >= len(args):
                    return None
                i += 1
                value = args[i]
            if spec.multiple:
                values.setdefault(spec.keyword, []).append(value)
            elif spec.keyword in values:
                return None
            else:
                values[spec.keyword] = value
        elif arg.startswith("-") and arg != "-":
            return None
        else:
            words.append(arg)
        i += 1
    return words, values
