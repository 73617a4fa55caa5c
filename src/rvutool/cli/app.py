"""The typer app, built from THE option table (options.py): typer wiring and help only.

Each command's function is made from its table row: its parameters are the row's arguments and options, and
it calls the row's action, which is imported when the command runs. Errors are not caught here: they leave
typer and reach guard (main.py), the one place an error becomes a message and an exit status.
"""

from __future__ import annotations

import inspect
from typing import Annotated, Any

import typer

from rvutool import __version__
from rvutool.cli import options
from rvutool.errors import RvuError, UsageError


# ---------------------------------------------------------------- help that names values, not Python types
# typer writes `<bool>`, `<str>`, `<list[str]>` and `{codes}...` in --help. These classes make every value show
# its metavar (DATE, CODE..., ID) and flags show nothing; tests/cli/test_help.py keeps it so.
class _Argument(typer.core.TyperArgument):
    def display_type_rich(self, ctx: typer.Context) -> str | None:
        return None

    def get_usage_pieces(self, ctx: typer.Context) -> list[str]:
        name = self.metavar or self.name.upper()
        return [name if self.required else f"[{name}]"]


class _Option(typer.core.TyperOption):
    def display_type_rich(self, ctx: typer.Context) -> str | None:
        return None if self.is_flag else self.metavar


def _plain(params: list) -> list:
    for param in params:
        if type(param) is typer.core.TyperArgument:
            param.__class__ = _Argument
        elif type(param) is typer.core.TyperOption:
            param.__class__ = _Option
    return params


class _Command(typer.core.TyperCommand):
    def get_params(self, ctx: typer.Context) -> list:
        return _plain(super().get_params(ctx))


class _Group(typer.core.TyperGroup):
    def get_params(self, ctx: typer.Context) -> list:
        return _plain(super().get_params(ctx))


def _typer(help_text: str) -> typer.Typer:
    # rich_markup_mode None: help is laid out by rich, but no markup or markdown is parsed on the way
    return typer.Typer(cls=_Group, help=help_text, no_args_is_help=True, rich_markup_mode=None)


app = typer.Typer(
    cls=_Group,
    name="rvutool",
    help="CMS work RVUs for CPT, HCPCS and CDT codes; a private procedure log; wRVU summaries.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    add_completion=True,  # --install-completion, --show-completion; completions are answered in completion.py
    context_settings={"help_option_names": list(options.HELP)},
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        print(f"rvutool {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """rvutool: what a code is worth, what you did, where you stand."""


def _action(path: str) -> Any:
    import importlib

    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def _parameter(spec: options.Option | options.Argument) -> inspect.Parameter:
    if isinstance(spec, options.Argument):
        kind: Any = list[str] if spec.many else str
        if not spec.required:
            kind = kind | None
        info: Any = typer.Argument(metavar=spec.metavar, help=spec.help, show_default=False)
        default = None if not spec.required else inspect.Parameter.empty
        return inspect.Parameter(spec.keyword, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default,
                                 annotation=Annotated[kind, info])
    if spec.flag:
        return inspect.Parameter(spec.keyword, inspect.Parameter.KEYWORD_ONLY, default=False,
                                 annotation=Annotated[bool, typer.Option(*spec.names, help=spec.help)])
    kind = list[str] | None if spec.multiple else str | None
    info = typer.Option(*spec.names, metavar=spec.metavar, help=spec.help, show_default=False)
    return inspect.Parameter(spec.keyword, inspect.Parameter.KEYWORD_ONLY, default=None,
                             annotation=Annotated[kind, info])


def _function(command: options.Command) -> Any:
    """A function typer can read, with the row's parameters, that runs the row's action."""
    def run(*args: Any, **values: Any) -> int:
        positional = [values.pop(a.keyword) for a in command.arguments] if not args else list(args)
        return _action(command.action)(*positional, **values)

    parameters = [_parameter(spec) for spec in (*command.arguments, *command.options)]
    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters}
    run.__name__ = command.path[-1].replace("-", "_")
    run.__doc__ = command.help
    return run


def _build() -> None:
    groups: dict[tuple[str, ...], typer.Typer] = {(): app}
    for path, help_text in options.GROUPS.items():
        words = tuple(path.split())
        groups[words] = _typer(help_text)
        groups[words[:-1]].add_typer(groups[words], name=words[-1])
    for command in options.COMMANDS:
        parent = groups[command.path[:-1]]
        parent.command(command.path[-1], cls=_Command, help=command.help)(_function(command))


_build()

# typer 0.29 vendors click; older releases use click itself. Find the base class either way.
_CLICK_EXCEPTION = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def run(args: list[str]) -> int:
    """Run the typer app. Its own errors become RvuErrors, so guard (around this call in main.py) says them like
    every other error: one line on stderr; usage errors exit 2."""
    args = options.normalize_argv(args)
    try:
        status = app(args=args, prog_name="rvutool", standalone_mode=False)
    except typer.Abort:
        raise RvuError("aborted; nothing was changed") from None
    except _CLICK_EXCEPTION as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `rvutool` or `rvutool data`: the help, then exit 2
            print(exc.format_message())
            return 2
        message = " ".join(exc.format_message().split()).removesuffix(".")
        if not message:  # bare `rvutool` or `rvutool data`: the help was already shown
            return 2
        ctx = getattr(exc, "ctx", None)
        where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        raise UsageError(f"{message}{where}") from None
    return status if isinstance(status, int) else 0
