"""Plain text for favourites and the codes' names they show. Strings only; the fav command prints them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def code_names(codes: Iterable[str]) -> dict[str, str]:
    """Each code's plain-language name (names.py: its own, CMS's HCPCS text, or its family's)."""
    from rvutool.names.naming import names_of

    return {code: name.text for code, name in names_of(list(dict.fromkeys(codes))).items()}


def item_names(found: Iterable[Any]) -> dict[str, str]:
    """Item text -> the name of its code, for every item of these favourites."""
    from rvutool.pricing.items import parse_item

    codes = {text: parse_item(text).code for favourite in found for text in favourite.items}
    named = code_names(codes.values())
    return {text: named[code] for text, code in codes.items() if code in named}


def listing(found: list[Any], named: dict[str, str]) -> str:
    """`rvutool fav list`: one row per item, the favourite's name on its first."""
    from rvutool.view.text import columns, terminal_width

    if not found:
        return "No favourites yet. Add one: rvutool fav add tka 27447 (then: rvutool log @tka)"
    with_names = bool(named)
    rows = []
    for favourite in found:
        for i, text in enumerate(favourite.items):
            row = [favourite.name if i == 0 else "", text]
            rows.append([*row, named.get(text, "")] if with_names else row)
    header = ["Favourite", "Item", "Name"] if with_names else ["Favourite", "Item"]
    table = columns(header, rows, set(), width=terminal_width(), wrap=frozenset({2}) if with_names else frozenset())
    count = len(found)
    return (table + f"{count} favourite{'' if count == 1 else 's'}. Use one as @NAME, with modifiers for each "
            f"of its items: rvutool log @{found[0].name}-RT")
