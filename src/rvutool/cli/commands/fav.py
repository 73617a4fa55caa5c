"""Favourites: fav add, list, remove, and @name wherever items are typed."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from rvutool.errors import RvuError
from rvutool.log import favourites
from rvutool.view import messages


def known() -> dict[str, favourites.Favourite]:
    """The user's favourites by name; none when there is no log yet (nothing is created)."""
    from rvutool.log import location

    with location.reading() as store:
        rows = [] if store is None else store.favourites()
    return {row.name: favourites.from_text(row.name, row.items) for row in rows}


def expanded(tokens: Iterable[str]) -> list[str]:
    """Items with every `@name[-MOD...]` replaced by the favourite's items; the log is read only when one
    is there."""
    tokens = list(tokens)
    if not any(favourites.is_reference(t) for t in tokens):
        return tokens
    return favourites.expand(tokens, known())


def add(name_text: str, tokens: list[str], *, replace: bool = False, allow_identifiers: bool = False) -> int:
    from rvutool.log import location

    name = favourites.check_name(name_text, allow_identifiers=allow_identifiers)
    have = known()
    items = favourites.check_items(favourites.expand(tokens, have))
    old = have.get(name)
    if old is not None and old.items == items:
        messages.line(f"Favourite {name} is already {old.text}; nothing changed.")
        return 0
    if old is not None and not replace:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise RvuError(f"favourite {name} already exists ({old.text}); add --replace to make it {' '.join(items)}")
        if not messages.confirm(f"Favourite {name} is {old.text}. Make it {' '.join(items)}?"):
            messages.line("Nothing was changed.")
            return 1
    with location.open_for_writing() as store, store.transaction() as tx:
        tx.put_favourite(name, " ".join(items))
    verb = "Replaced" if old is not None else "Added"
    messages.line(f"{verb} favourite {name}: {' '.join(items)}. Use it as @{name} (rvutool log @{name}).")
    return 0


def list_all(*, as_json: bool = False) -> int:
    from rvutool.view import favourite_lines

    found = sorted(known().values(), key=lambda f: f.name)
    named = favourite_lines.item_names(found)
    if as_json:
        messages.print_json([{**f.to_dict(), "names": [named.get(i) for i in f.items]} for f in found])
    else:
        messages.line(favourite_lines.listing(found, named))
    return 0


def remove(name_text: str) -> int:
    from rvutool.log import location

    name = favourites.check_name(name_text, allow_identifiers=True)  # naming one to remove stores nothing
    have = known()
    if name not in have:
        raise favourites.unknown(favourites.SIGIL + name, have)
    with location.open_for_writing() as store, store.transaction() as tx:
        tx.remove_favourite(name)
    messages.line(f"Removed favourite {name} ({have[name].text}).")
    return 0
