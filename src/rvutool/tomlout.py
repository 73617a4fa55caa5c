"""Writing TOML: the inverse of tomllib for everything tomllib reads (the standard library has no writer).

`dumps(table)` gives text that `tomllib.loads(text, parse_float=Decimal)` turns back into the same
table: keys quoted where they must be, strings escaped, floats held as Decimal, dates and times in
their ISO form, arrays and inline tables inside values, [headers] for nested tables. Tables are
written without recursion, so a file nested thousands of tables deep is written back as it was read.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f]')


class Verbatim(str):
    """A value already in TOML form (written as it is)."""


def string(text: str) -> str:
    """A TOML basic string. Surrogates (undecodable bytes) cannot be written: ValueError."""
    text.encode("utf-8")  # UnicodeEncodeError, a ValueError, for a lone surrogate
    body = _NEEDS_ESCAPE.sub(lambda m: _ESCAPES.get(m.group(), f"\\u{ord(m.group()):04x}"), text)
    return f'"{body}"'


def key(part: str) -> str:
    return part if _BARE.fullmatch(part) else string(part)


def dotted(path: tuple[str, ...] | list[str]) -> str:
    return ".".join(key(part) for part in path)


def _decimal(value: Decimal) -> str:
    if value.is_nan():
        return "nan"
    if value.is_infinite():
        return "-inf" if value < 0 else "inf"
    text = str(value)
    return text if any(c in text for c in ".eE") else text + ".0"  # a float must not read back as an int


def _integer(value: int) -> str:
    try:
        return str(value)
    except ValueError:  # over Python's int-to-text limit; tomllib reads such a number only in hex
        return hex(value) if value >= 0 else "-" + str(-value)


def value(item: Any) -> str:
    """One value in TOML form (inline: arrays and tables nest inside it)."""
    if isinstance(item, Verbatim):
        return str(item)
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return _integer(item)
    if isinstance(item, Decimal):
        return _decimal(item)
    if isinstance(item, float):
        return _decimal(Decimal(repr(item)))
    if isinstance(item, str):
        return string(item)
    if isinstance(item, datetime | date | time):
        return item.isoformat()
    if isinstance(item, list | tuple):
        return "[" + ", ".join(value(v) for v in item) + "]"
    if isinstance(item, dict):
        return "{" + ", ".join(f"{key(k)} = {value(v)}" for k, v in item.items()) + "}"
    raise TypeError(f"cannot write a {type(item).__name__} as TOML")


def dumps(table: dict[str, Any], header: str = "") -> str:
    """A whole document: each table's values, then its sub-tables under [headers]."""
    out: list[str] = [header] if header else []
    stack: list[tuple[tuple[str, ...], dict[str, Any]]] = [((), table)]
    while stack:
        path, current = stack.pop()
        lines = [f"{key(k)} = {value(v)}" for k, v in current.items() if not isinstance(v, dict)]
        subtables = [(path + (k,), v) for k, v in current.items() if isinstance(v, dict)]
        if path and (lines or not subtables):  # a table holding only tables needs no header of its own
            out += ["", f"[{dotted(path)}]"]
        out += lines
        stack.extend(reversed(subtables))
    return "\n".join(out) + "\n"
