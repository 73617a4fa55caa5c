"""The ITEM grammar shared by lookup, log and calc: CODE[-MOD...][xN].

    99213   71046-26   49505-50   27447-62-RT   97110x4
"""

from __future__ import annotations

import re

from rvutool.errors import InvalidCodeError, UsageError
from rvutool.pricing import modifiers
from rvutool.pricing.values import MAX_UNITS  # the one bound on units (pricing/values.py)
from rvutool.records import FrozenRecord

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


class Typed(FrozenRecord):
    """One item as typed where a code goes: a code, or words naming one (an alias or a phrase), with any
    -modifiers and xUNITS after it: "27447-RT", "tka-RT", "total knee-RT", "therapeutic exercise x4"."""

    _fields = ("text", "modifiers", "units", "is_code")

    def __init__(self, text: str, modifiers: tuple[str, ...] = (), units: int = 1, is_code: bool = True) -> None:
        self.__dict__.update(text=text, modifiers=modifiers, units=units, is_code=is_code)

    def item(self, code: str) -> Item:
        return Item(code, self.modifiers, self.units)


_PHRASE_UNITS = re.compile(r"\s*[xX](?P<units>[0-9]{1,3})$")
_PHRASE_MODIFIER = re.compile(r"-(?P<mod>[0-9A-Za-z]{2})$")


def looks_like_code(token: str) -> bool:
    """A code is 5 letters and digits with at least one digit (every CMS code has one); "scope" is a word."""
    head = token.strip()[:5]
    return len(head) == 5 and head.isascii() and head.isalnum() and any(c.isdigit() for c in head)


_LETTERS = re.compile(r"[A-Za-z]{3}")


def looks_like_words(token: str) -> bool:
    """Words where a code goes ("tka", "total knee", "b12 shot"), not a code typed wrong ("99", "9921$"):
    not a code, and spaces, no digit at all, or a run of three letters."""
    text = token.strip()
    return not looks_like_code(text) and any(c.isalpha() for c in text) and (
        " " in text or not any(c.isdigit() for c in text) or bool(_LETTERS.search(text)))


def parse_typed(token: str, *, allow_units: bool = True) -> Typed:
    """The one parser of what is typed where a code goes. A code is checked as parse_item checks it; words keep
    their own hyphens ("c-section", "x-ray"): only a known modifier at the end (-RT, -50) is taken as one."""
    if not looks_like_words(token):
        item = parse_item(token, allow_units=allow_units)
        return Typed(item.code, item.modifiers, item.units, True)
    text, units = token.strip(), 1
    found = _PHRASE_UNITS.search(text)
    if found and text[: found.start()].strip():
        if not allow_units:
            raise UsageError(f"{token}: units (xN) are not used here")
        units = int(found.group("units"))
        if not 1 <= units <= MAX_UNITS:
            raise UsageError(f"{token}: units must be from 1 to {MAX_UNITS}, not {units}")
        text = text[: found.start()]
    mods: list[str] = []
    while (found := _PHRASE_MODIFIER.search(text)) and modifiers.get(found.group("mod").upper()) is not None \
            and text[: found.start()].strip():
        mods.insert(0, found.group("mod").upper())
        text = text[: found.start()]
    if len(set(mods)) != len(mods):
        raise UsageError(f"{token}: a modifier is repeated")
    text = " ".join(text.split())
    if not any(c.isalnum() for c in text):
        raise InvalidCodeError(f"{token!r} is not an item: expected a code such as 99213, or words such as tka")
    return Typed(text, tuple(mods), units, False)
