"""Favourites: a name for items logged together, `@tka` on the command line and in the prompt.

    rvutool fav add knee-scope 29881 29877-59
    rvutool log @knee-scope-RT          -> 29881-RT 29877-59-RT

A favourite is a name (lower-case letters, digits, '-' and '_', 1 to 32 characters) and the
items it stands for, each checked exactly as `rvutool log` checks an item. Modifiers after the
name apply to each of its items. Plain values only: the log's store keeps them (per provider on
a shared log); cli/commands/fav.py reads and writes them there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rvutool.errors import RvuError, UsageError

MAX_NAME = 32
MAX_ITEMS = 20
NAME = re.compile(r"^[a-z0-9_-]{1,32}$")
SIGIL = "@"


@dataclass(frozen=True)
class Favourite:
    name: str
    items: tuple[str, ...]  # item texts as `log` takes them: "29881", "29877-59", "97110x2"

    @property
    def text(self) -> str:
        return " ".join(self.items)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "items": list(self.items)}


def _shown(text: str) -> str:
    return text if text.isascii() and text.isprintable() else repr(text)


def check_name(text: str, *, allow_identifiers: bool = False) -> str:
    """A favourite's name as stored: lower case; UsageError (exit 2) for anything else, and the privacy
    guard's refusal for a name that looks like a patient identifier (as for a note)."""
    from rvutool import phi

    name = text.strip().removeprefix(SIGIL).lower()
    if not NAME.match(name):
        raise UsageError(f"favourite name {text!r}: use 1 to {MAX_NAME} lower-case letters, digits, "
                         "'-' or '_', such as tka or knee-scope")
    phi.check_note(name, field="the favourite name", allow=allow_identifiers)
    return name


def from_text(name: str, items_text: str) -> Favourite:
    """A favourite as the store keeps it (items joined by spaces)."""
    return Favourite(name, tuple(items_text.split()))


def check_items(tokens: Iterable[str], catalog: Any = None) -> tuple[str, ...]:
    """Each item as `log` takes it (CODE[-MOD...][xN]) and a code some CMS release holds; the canonical texts."""
    from rvutool.catalog.codes import Catalog
    from rvutool.errors import UnknownCodeError
    from rvutool.pricing.items import parse_item

    parsed = [parse_item(token) for token in tokens]
    if not parsed:
        raise UsageError("give at least one item, such as: rvutool fav add tka 27447")
    if len(parsed) > MAX_ITEMS:
        raise UsageError(f"a favourite holds at most {MAX_ITEMS} items, not {len(parsed)}")
    catalog = catalog or Catalog()
    for item in parsed:
        if not any(catalog.rows(item.code, release) for release in catalog.releases):
            raise UnknownCodeError(item.code, catalog.suggest(item.code))
    return tuple(str(item) for item in parsed)


def is_reference(token: str) -> bool:
    return token.strip().startswith(SIGIL)


def resolve(token: str, known: Mapping[str, Favourite]) -> list[str]:
    """`@name[-MOD...]` -> the favourite's item texts, each with those modifiers added.

    A name may itself hold '-': the longest known name the text starts with wins, and what follows must
    be modifiers (`@knee-scope-rt` is knee-scope with RT unless a favourite knee-scope-rt exists)."""
    from rvutool.pricing.items import Item, check_modifier, parse_item

    text = token.strip()[len(SIGIL):].lower()
    if not text:
        raise UsageError("'@' needs a favourite's name, such as @tka (see `rvutool fav list`)")
    parts = text.split("-")
    for cut in range(len(parts), 0, -1):
        name = "-".join(parts[:cut])
        favourite = known.get(name)
        if favourite is None:
            continue
        extra = [check_modifier(m) for m in parts[cut:]]
        if len(set(extra)) != len(extra):
            raise UsageError(f"{_shown(token)}: a modifier is repeated")
        out = []
        for text_item in favourite.items:
            item = parse_item(text_item)
            mods = item.modifiers + tuple(m for m in extra if m not in item.modifiers)
            out.append(str(Item(item.code, mods, item.units)))
        return out
    raise unknown(token, known)


def unknown(token: str, known: Mapping[str, Favourite]) -> RvuError:
    name = token.strip()[len(SIGIL):]
    parts = name.split("-")
    while len(parts) > 1 and len(parts[-1]) == 2 and parts[-1].isalnum():  # -RT and the like: not the name
        parts.pop()
    shown = _shown(SIGIL + "-".join(parts))
    have = ", ".join(sorted(known)[:12]) + (", ..." if len(known) > 12 else "")
    hint = f"your favourites: {have}" if known else "you have none yet; add one with: rvutool fav add tka 27447"
    return RvuError(f"unknown favourite {shown} ({hint})")


def expand(tokens: Iterable[str], known: Mapping[str, Favourite]) -> list[str]:
    """Item tokens with every `@name` replaced by the items it stands for, in place."""
    out: list[str] = []
    for token in tokens:
        out.extend(resolve(token, known) if is_reference(token) else [token])
    return out
