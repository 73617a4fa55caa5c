"""Words wherever a code goes: `rvutool log "total knee"-RT`, `rvutool lookup tka`, `calc`, `check`.

    resolve_items(["total", "knee-RT", "99213"], on=...)  -> ([Item("27447", ("RT",)), Item("99213")], [named])

Each token is parsed by items.parse_typed (a code, or words with any -modifiers and xUNITS). Words typed as
separate arguments (`rvutool log total knee-RT`) are one phrase; if that phrase finds nothing sure, each word
is tried alone. A phrase stands for a code only when search is sure of exactly one: a code, an alias of one
code, or a name only one code holds ("tka", "total knee"). Several candidates, or none, raise an error that
lists them on one line, unless a `choose` callback (a terminal) picks one; nothing is ever taken on a guess.
Returns the items and, for each phrase, what it was taken to mean, for a note ("'total knee' -> 27447 ...").
No typer, no rich.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from rvutool.errors import RvuError, UsageError
from rvutool.pricing.items import Item, Typed, looks_like_words, parse_typed

CANDIDATES = 5  # listed, or offered for a choice, when a phrase is not one code
SURE_TIERS = ("code", "alias", "name")  # the only tiers whose single hit is taken without asking

Choose = Callable[[str, list[Any]], "str | None"]  # (phrase, hits) -> the chosen code, or None for none


class Named:
    """A phrase and the code it was taken to mean, with that code's name."""

    __slots__ = ("phrase", "code", "name", "chosen")

    def __init__(self, phrase: str, code: str, name: str, chosen: bool) -> None:
        self.phrase, self.code, self.name, self.chosen = phrase, code, name, chosen

    def __str__(self) -> str:
        return f"{self.phrase!r} \u2192 {self.code} {self.name}".rstrip()


class NotOneCode(RvuError):
    """A phrase that names several codes, or only offers: the message lists them on one line (exit 1)."""


class NoCode(NotOneCode, UsageError):
    """Words that meet nothing at all: neither a code nor words naming one (exit 2, like a malformed code)."""

    exit_code = 2


def _sure(result: Any) -> Any:
    """The one hit search is sure of, or None: the best tier (a code, an alias, a name) holds exactly one code."""
    if not result.hits or result.hits[0].match not in SURE_TIERS:
        return None
    best = [hit for hit in result.hits if hit.match == result.hits[0].match]
    return best[0] if len(best) == 1 else None


def _candidates(phrase: str, result: Any) -> str:
    shown = result.hits or result.suggestions
    if not shown:
        return f"no procedure matches {phrase!r}: try `rvutool search {phrase}`, or give the code"
    listed = "; ".join(f"{hit.code} {hit.name.text if hit.name else ''}".rstrip() for hit in shown[:CANDIDATES])
    what = "could be" if result.hits else "matches no procedure; did you mean"
    more = f" (and {result.total - CANDIDATES} more)" if result.hits and result.total > CANDIDATES else ""
    return f"{phrase!r} {what}: {listed}{more}; give the code"


def resolve_phrase(phrase: str, *, on: date | None = None, catalog: Any = None,
                   choose: Choose | None = None) -> Named:
    """The code a phrase names; NotOneCode (exit 1) listing the candidates when it is not one, unless `choose`
    (in a terminal) picks one of them."""
    from rvutool.names.search import search

    result = search(phrase, limit=CANDIDATES, on=on, catalog=catalog)
    hit = _sure(result)
    if hit is not None:
        return Named(phrase, hit.code, hit.name.text if hit.name else "", False)
    offered = result.hits or result.suggestions
    if choose is not None and offered:
        code = choose(phrase, offered)
        if code is not None:
            chosen = next(h for h in offered if h.code == code)
            return Named(phrase, code, chosen.name.text if chosen.name else "", True)
        raise NotOneCode(f"{phrase!r}: nothing chosen; nothing was done")
    raise (NotOneCode if offered else NoCode)(_candidates(phrase, result))


def _groups(tokens: list[str], allow_units: bool) -> list[Typed]:
    """Typed items; consecutive words without -modifiers or units join into one phrase (the shell splits
    `total knee` in two), the modifiers of its last word going to the whole phrase."""
    out: list[Typed] = []
    for token in tokens:
        typed = parse_typed(token, allow_units=allow_units)
        previous = out[-1] if out else None
        if (not typed.is_code and previous is not None and not previous.is_code and not previous.modifiers
                and previous.units == 1 and looks_like_words(token)):
            out[-1] = Typed(f"{previous.text} {typed.text}", typed.modifiers, typed.units, False)
        else:
            out.append(typed)
    return out


def _word_by_word(typed: Typed, on: date | None, catalog: Any) -> list[tuple[Named, Typed]] | None:
    """Each word of a phrase as a code of its own ("tka 99213" typed as one), or None unless every word is
    one; the phrase's modifiers and units go to its last word."""
    words = typed.text.split()
    if len(words) < 2:
        return None
    try:
        found = [resolve_phrase(word, on=on, catalog=catalog) for word in words]
    except NotOneCode:
        return None
    last = len(found) - 1
    return [(named, Typed(named.phrase, typed.modifiers if i == last else (), typed.units if i == last else 1, False))
            for i, named in enumerate(found)]


def resolve_items(tokens: list[str], *, on: date | None = None, catalog: Any = None, allow_units: bool = True,
                  choose: Choose | None = None) -> tuple[list[Item], list[Named]]:
    """Items from what was typed where codes go (favourites already expanded), and what each phrase was taken
    to mean. A joined phrase that is not one code is tried word by word before it is refused."""
    from rvutool.catalog.codes import Catalog

    catalog = catalog or Catalog()
    items: list[Item] = []
    named: list[Named] = []
    for typed in _groups(tokens, allow_units):
        if typed.is_code:
            items.append(typed.item(typed.text))
            continue
        try:
            parts = [(resolve_phrase(typed.text, on=on, catalog=catalog), typed)]
        except NotOneCode as whole:
            parts = _word_by_word(typed, on, catalog)
            if parts is None:
                if choose is None:
                    raise whole from None
                parts = [(resolve_phrase(typed.text, on=on, catalog=catalog, choose=choose), typed)]
        for found, part in parts:
            items.append(part.item(found.code))
            named.append(found)
    return items, named
