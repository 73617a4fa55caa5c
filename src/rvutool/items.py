"""The ITEM grammar shared by lookup, log and calc: CODE[-MOD...][xN].

    99213   71046-26   49505-50   27447-62-RT   97110x4
"""

from __future__ import annotations

import re

from rvutool import modifiers
from rvutool.errors import InvalidCodeError, UsageError
from rvutool.records import FrozenRecord

MAX_UNITS = 99

# Any 5 letters and digits: CMS files also hold placeholder codes such as GXXX1, and whether a
# code exists is the release's question (an unknown code is refused by the catalog).
_CODE = re.compile(r"^[0-9A-Z]{5}$")
_UNITS = re.compile(r"X(?P<units>[0-9+-]*)$")
_BODY = re.compile(r"^[0-9A-Z]+(?:-[0-9A-Z]*)*$")


class Item(FrozenRecord):
    _fields = ("code", "modifiers", "units")

    def __init__(self, code: str, modifiers: tuple[str, ...] = (), units: int = 1) -> None:
        self.__dict__.update(code=code, modifiers=modifiers, units=units)

    def __str__(self) -> str:
        text = self.code + "".join(f"-{m}" for m in self.modifiers)
        return text + (f"x{self.units}" if self.units != 1 else "")


def _shown(text: str) -> str:
    """Text as an error shows it: quoted and escaped unless it is plain (a newline or a control
    character would break the one-line message; a lone surrogate cannot be printed)."""
    return text if text and text.isascii() and text.isprintable() else repr(text)


def check_code(code: str) -> str:
    code = code.strip().upper()
    if not _CODE.match(code):
        raise InvalidCodeError(
            f"{_shown(code)} is not a code: expected 5 characters such as 99213, 0591T, G0121 or D1553"
        )
    return code


def check_modifier(mod: str) -> str:
    mod = mod.strip().upper()
    if len(mod) != 2 or not mod.isalnum():
        raise UsageError(f"{_shown(mod)} is not a modifier: modifiers are 2 characters, such as 26, TC or 50")
    if modifiers.get(mod) is None:
        raise UsageError(f"unknown modifier {mod}: rvutool does not know what it does to a work RVU")
    return mod


def parse_item(token: str, *, allow_units: bool = True) -> Item:
    text = token.strip().upper()
    units_match = _UNITS.search(text, 5) if len(text) > 5 else None  # after the code: X0000 is a code
    body = text[: units_match.start()] if units_match else text
    if not _BODY.match(body):
        raise InvalidCodeError(f"{token!r} is not an item: expected CODE[-MOD...][xN], such as 99213 or 71046-26")
    code, *mod_parts = body.split("-")
    code = check_code(code)
    mods = tuple(check_modifier(m) for m in mod_parts)
    if len(set(mods)) != len(mods):
        raise UsageError(f"{token}: a modifier is repeated")
    units = 1
    if units_match is not None:
        if not allow_units:
            raise UsageError(f"{token}: units (xN) are not used here")
        raw = units_match.group("units")
        if not raw.isdigit():
            raise UsageError(f"{token}: units must be a whole number from 1 to {MAX_UNITS}")
        units = int(raw)
        if not 1 <= units <= MAX_UNITS:
            raise UsageError(f"{token}: units must be from 1 to {MAX_UNITS}, not {units}")
    return Item(code, mods, units)
