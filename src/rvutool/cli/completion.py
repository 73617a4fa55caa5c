"""Shell completion, answered before typer, click or rich are imported (cli/main.py calls `answer`).

The shell scripts are typer's (`rvutool --install-completion`, `--show-completion`); they run
rvutool with `_RVUTOOL_COMPLETE` set, and this module speaks their protocol
(typer/_completion_classes.py):

    complete_bash   COMP_WORDS (the words, split on the shell's word breaks: '=' and '@' are words of
                    their own), COMP_CWORD (the index of the word being completed); one value a line
    complete_zsh    _TYPER_COMPLETE_ARGS (the line up to the cursor); `_arguments '*: :(("v":"help" ...))'`,
                    or `_files` when there is nothing to offer
    complete_fish   _TYPER_COMPLETE_ARGS, _TYPER_COMPLETE_FISH_ACTION: get-args prints "value<TAB>help" lines;
                    is-args exits 0 when there are values (1 lets fish offer files)
    complete_powershell / complete_pwsh   _TYPER_COMPLETE_ARGS, _TYPER_COMPLETE_WORD_TO_COMPLETE; "value:::help"

Anything else (`source_bash`, an unknown shell) is left to typer. Completes commands, options, the
values of period, setting, format, --by and --policy options, codes by prefix from the dataset's
index (datafile: bisected, nothing parsed; zsh and fish show each code's name), modifiers after CODE-,
and favourites as @name (read from a local log read-only; never created; a shared PostgreSQL log is
not asked, so Tab never waits).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from rvutool.cli import options

COMPLETE_VAR = "_RVUTOOL_COMPLETE"

# Kinds of value an option or argument takes: THE option table's (options.py).
DATE, DAY, MONTH, YEAR, BY = options.DATE, options.DAY, options.MONTH, options.YEAR, options.BY
SETTING, FORMAT, POLICY = options.SETTING, options.FORMAT, options.POLICY
CODE, ITEM, FAV, KEY, VALUE = options.CODE, options.ITEM, options.FAV, options.KEY, options.VALUE
TEXT = options.TEXT  # anything: nothing to offer (the shell may offer files)
_HELP = options.HELP

# command -> (options taking a value -> kind, flags, kinds of the positional arguments (the last repeats)); a
# group is a dict of its commands (a group may hold a group: contract fees import). Made from THE table.
Spec = tuple[dict[str, str | None], tuple[str, ...], tuple[str | None, ...]]


def _tree() -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for command in options.COMMANDS:
        node = tree
        for word in command.path[:-1]:
            node = node.setdefault(word, {})
        values = {name: o.kind for o in command.options if not o.flag for name in o.names}
        flags = tuple(name for o in command.options if o.flag for name in o.names)
        node[command.path[-1]] = (values, flags, tuple(a.kind for a in command.arguments))
    return tree


COMMANDS: dict[str, Spec | dict[str, Any]] = _tree()
ROOT_FLAGS = options.ROOT_FLAGS
MULTIPLE = frozenset(name for c in options.COMMANDS for o in c.options if o.multiple for name in o.names)
MAX_CODES = 2000
MAX_DESCRIBED = 400  # codes named in zsh's and fish's descriptions (names.py reads only the lines asked for)


# ---------------------------------------------------------------- what to offer
def _spec_at(args: list[str]) -> tuple[Spec | dict[str, Spec], list[str], str | None, set[str]]:
    """Walk the words before the cursor: the command reached, its positional words, an option waiting for
    its value (or None), and the options already given."""
    spec: Spec | dict[str, Spec] = COMMANDS
    positional: list[str] = []
    pending: str | None = None
    given: set[str] = set()
    for word in args:
        if pending is not None:
            if word == "=":  # bash makes '=' a word of its own: --month = 2026-02
                continue
            pending = None
            continue
        if word.startswith("-") and len(word) > 1:
            name, eq, _ = word.partition("=")
            given.add(name)
            if isinstance(spec, tuple) and name in spec[0] and not eq:
                pending = name
            continue
        if isinstance(spec, dict) and word in spec:
            spec, given = spec[word], set()
            continue
        positional.append(word)
    return spec, positional, pending, given


def offers(args: list[str], incomplete: str, *, describe: bool = False) -> list[tuple[str, str]]:
    """(value, help) pairs for the word being completed, after the words `args` (the program name left out).
    `describe`: the shell shows descriptions (zsh, fish), so codes carry their names."""
    spec, positional, pending, given = _spec_at(args)
    if pending is not None:
        assert isinstance(spec, tuple)
        return _values(spec[0][pending], incomplete, describe)
    if incomplete.startswith("-"):
        name, eq, value = incomplete.partition("=")
        if eq and isinstance(spec, tuple) and name in spec[0]:  # --month=20 (zsh, fish): the value, with its option
            return [(f"{name}={v}", h) for v, h in _values(spec[0][name], value, describe)]
        return [(o, "") for o in _options(spec, given) if o.startswith(incomplete)]
    if isinstance(spec, dict):
        return [(name, "") for name in spec if name.startswith(incomplete)]
    kinds = spec[2]
    if not kinds:
        return []
    if positional and positional[-1] == "@" and not incomplete.startswith("@"):
        # bash: '@' is a word of its own in COMP_WORDS, but readline replaces "@kn" as a whole ('@' is one of
        # bash's rl_special_prefixes), so the answer keeps its '@'
        kind = kinds[min(len(positional) - 1, len(kinds) - 1)]
        return _favourites(incomplete) if kind == ITEM else []
    kind = kinds[min(len(positional), len(kinds) - 1)]
    if kind == VALUE:
        return _config_values(positional[-1] if positional else "", incomplete)
    return _values(kind, incomplete, describe)


def _options(spec: Spec | dict[str, Spec], given: set[str]) -> list[str]:
    if isinstance(spec, dict):  # a group: the root has its own flags
        flags = ROOT_FLAGS if spec is COMMANDS else ()
        return [*flags, *_HELP]
    values, flags, _ = spec
    return [o for o in (*values, *flags, *_HELP) if o not in given or o in MULTIPLE]


def _values(kind: str | None, incomplete: str, describe: bool = False) -> list[tuple[str, str]]:
    from datetime import timedelta

    from rvutool.dates import today as clock_today

    today = clock_today()
    found: list[tuple[str, str]] = []
    if kind == DATE:
        found = [("today", ""), ("yesterday", ""), (today.isoformat(), "today"),
                 ((today - timedelta(days=1)).isoformat(), "yesterday")]
    elif kind == DAY:
        found = [(today.isoformat(), "today"), (today.replace(day=1).isoformat(), "this month's first day"),
                 (today.replace(month=1, day=1).isoformat(), "this year's first day")]
    elif kind == MONTH:
        numbered = [f"{year}-{month:02d}" for year in (today.year, today.year - 1) for month in range(1, 13)
                    if (year, month) <= (today.year, today.month)]
        from rvutool.dates import MONTH_NAMES

        found = [(m, "") for m in (*numbered, *(name[:3].lower() for name in MONTH_NAMES), "current")]
    elif kind == YEAR:
        found = [(str(today.year - back), "") for back in range(4)] + [("current", "")]
    elif kind == BY:
        first, comma, _ = incomplete.rpartition(",")
        from rvutool.reports.summary import BY_CHOICES

        found = [(f"{first}{comma}{key}", "") for key in BY_CHOICES if key != first]
    elif kind == SETTING:
        found = [("facility", ""), ("nonfacility", "")]
    elif kind == FORMAT:
        found = [("csv", ""), ("json", "")]
    elif kind == POLICY:
        from rvutool.pricing.policy import CHOICES

        found = [(f"{key}={value}", "") for key, values in CHOICES.items() for value in values]
    elif kind == KEY:
        from rvutool.config import KEYS

        found = [(name, spec.help) for name, spec in KEYS.items()]
    elif kind in {CODE, ITEM}:
        return code_offers(incomplete, with_favourites=kind == ITEM, describe=describe)
    elif kind == FAV:
        return [(n.removeprefix("@"), h) for n, h in _favourites(incomplete)]
    return [(v, h) for v, h in found if v.startswith(incomplete)]


def _config_values(key: str, incomplete: str) -> list[tuple[str, str]]:
    from rvutool.pricing.policy import CHOICES

    name = key.strip().lower()
    choices = CHOICES.get(name.removeprefix("policy.")) if name.startswith("policy.") else None
    if name == "setting":
        choices = ("facility", "nonfacility")
    elif name == "fiscal_year_start":
        choices = tuple(str(m) for m in range(1, 13))
    return [(c, "") for c in choices or () if c.startswith(incomplete)]


def code_offers(incomplete: str, *, with_favourites: bool, describe: bool = False) -> list[tuple[str, str]]:
    if incomplete.startswith("@"):
        return _favourites(incomplete[1:]) if with_favourites else []
    code, dash, rest = incomplete.partition("-")
    if dash:  # CODE-MOD...: the next modifier
        from rvutool.pricing.modifiers import MODIFIERS

        done, _, last = rest.rpartition("-")
        stem = f"{code}-{done}-" if done else f"{code}-"
        return [(stem + m, spec.meaning) for m, spec in MODIFIERS.items() if m.startswith(last.upper())]
    prefix = incomplete.upper()
    if not prefix or len(prefix) > 5 or not prefix.isascii() or not prefix.isalnum():
        return _favourites("") if with_favourites and not prefix else []
    from rvutool import paths
    from rvutool.catalog.datafile import DataFile
    from rvutool.errors import RvuError

    try:
        codes = DataFile(paths.bundled_dataset()).codes_starting(prefix, MAX_CODES)
    except RvuError:
        return []
    named: dict[str, str] = {}
    if describe and len(codes) <= MAX_DESCRIBED:
        from rvutool.names.naming import names_of

        named = {code: name.text for code, name in names_of(codes).items()}
    # Keep the case the user typed (d15 -> d1553): the shell only offers values that start with the word.
    return [(incomplete + c[len(prefix):], named.get(c, "")) for c in codes]


def _favourites(prefix: str) -> list[tuple[str, str]]:
    """@name for each favourite starting with prefix, its items as help: a local log, read-only."""
    from rvutool.errors import RvuError
    from rvutool.log import location

    try:
        found = location.favourite_names(prefix.lower())
    except RvuError:  # a damaged settings file: completion offers nothing rather than an error mid-line
        return []
    return [(f"@{name}", items) for name, items in found]


# ---------------------------------------------------------------- the shells' protocol
def _split(text: str) -> list[str]:
    """Words as click's split_arg_string makes them: shlex, tolerant of an unclosed quote."""
    import shlex

    lex = shlex.shlex(text, posix=True)
    lex.whitespace_split = True
    lex.commenters = ""
    out: list[str] = []
    try:
        out.extend(lex)
    except ValueError:
        out.append(lex.token)
    return out


def _line_args(env: Mapping[str, str]) -> tuple[list[str], str]:
    """zsh and fish: the line up to the cursor; its last word is being completed unless it ends in a space."""
    line = env.get("_TYPER_COMPLETE_ARGS", "")
    words = _split(line)[1:]
    if words and not line.endswith(" "):
        return words[:-1], words[-1]
    return words, ""


def _zsh_escape(text: str) -> str:
    return (text.replace('"', '""').replace("'", "''").replace("$", "\\$").replace("`", "\\`")
            .replace(":", r"\\:"))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def respond(instruction: str, env: Mapping[str, str]) -> tuple[str, int] | None:
    """(what to print, exit status) for a completion request; None to leave it to typer."""
    action, _, shell = instruction.partition("_")
    if action != "complete":
        return None
    if shell == "bash":
        words = _split(env.get("COMP_WORDS", ""))
        try:
            cword = int(env.get("COMP_CWORD", ""))
        except ValueError:
            return "", 0
        args, incomplete = words[1:cword], (words[cword] if 0 <= cword < len(words) else "")
        return "\n".join(value for value, _ in offers(args, incomplete)), 0
    if shell == "zsh":
        found = offers(*_line_args(env), describe=True)
        if not found:
            return "_files", 0
        body = "\n".join(f'"{_zsh_escape(v)}":"{_zsh_escape(_one_line(h))}"' if h else f'"{_zsh_escape(v)}"'
                         for v, h in found)
        return f"_arguments '*: :(({body}))'", 0
    if shell == "fish":
        found = offers(*_line_args(env), describe=True)
        if env.get("_TYPER_COMPLETE_FISH_ACTION") == "is-args":
            return "", 0 if found else 1
        return "\n".join(f"{v}\t{_one_line(h)}" if h else v for v, h in found), 0
    if shell in {"powershell", "pwsh"}:
        incomplete = env.get("_TYPER_COMPLETE_WORD_TO_COMPLETE", "")
        words = _split(env.get("_TYPER_COMPLETE_ARGS", ""))
        args = words[1:-1] if incomplete else words[1:]
        return "\n".join(f"{v}:::{_one_line(h) or ' '}" for v, h in offers(args, incomplete, describe=True)), 0
    return None


def answer(env: Mapping[str, str] | None = None) -> int | None:
    """Print the answer to the shell's completion request and return the exit status; None: not ours."""
    import sys

    env = os.environ if env is None else env
    found = respond(env.get(COMPLETE_VAR, ""), env)
    if found is None:
        return None
    text, status = found
    if text:
        sys.stdout.write(text + "\n")
    return status
