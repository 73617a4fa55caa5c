"""Clinical words against the bundled names: aliases, names and family names (search.py ranks the tiers).

The index (nametable.INDEX_FILE) lists each stem with the codes whose name or aliases hold it, and each
alias with its codes, so a search reads one file and opens out only the stems the query reaches: the same
stem ("knees" -> knee), a longer word it starts (echo -> echocardiography), or a one-letter slip in a word
of five letters or more (colonscopy). No typer, no rich.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from functools import cache

from rvutool import nametable, words


class _Index:
    def __init__(self) -> None:
        self.postings: dict[str, bytes] = {}
        self.aliases: list[tuple[str, list[str]]] = []
        for line in nametable.table(nametable.INDEX_FILE).body().decode("utf-8").split("\n"):
            key, _, codes = line.partition("\t")
            if key.startswith("="):
                self.aliases.append((key[1:], codes.split()))
            elif key:
                self.postings[key] = codes.encode("ascii")
        self.vocabulary = sorted(self.postings)
        self.by_length: dict[int, list[str]] = {}
        for stem in self.vocabulary:
            self.by_length.setdefault(len(stem), []).append(stem)

    def reached(self, query: str) -> dict[str, int]:
        """The stems a query stem reaches, each with how (0 the same, 1 near)."""
        found = {query: 0} if query in self.postings else {}
        if not query.isalpha():  # a number or a code is meant as typed
            return found
        if len(query) >= words.PREFIX_MIN:
            at = bisect_left(self.vocabulary, query)
            while at < len(self.vocabulary) and self.vocabulary[at].startswith(query):
                found.setdefault(self.vocabulary[at], 1)
                at += 1
        if len(query) >= words.TYPO_MIN:
            for size in (len(query) - 1, len(query), len(query) + 1):
                for stem in self.by_length.get(size, ()):
                    if stem not in found and words.near(query, stem):
                        found[stem] = 1
        return found

    def codes(self, stem: str) -> list[str]:
        return self.postings[stem].decode("ascii").split()


@cache
def index() -> _Index:
    return _Index()


def _pair(query: list[str], phrase: list[str]) -> int | None:
    """How well the query's words are the phrase's words, in any order: the number of slips, or None."""
    if len(query) != len(phrase):
        return None
    left, slips = list(phrase), 0
    for word in sorted(query, key=lambda w: w not in phrase):  # the same words first
        best = next((w for w in left if w == word), None)
        if best is None:
            best = next((w for w in left if len(word) >= words.TYPO_MIN and word.isalpha() and words.near(word, w)),
                        None)
            slips += 1
        if best is None:
            return None
        left.remove(best)
    return slips


def alias_hits(text: str, allowed: set[str]) -> dict[str, tuple[int, int]]:
    """code -> (slips, place among the alias's codes) for aliases the query is: "lap chole", "TKA",
    "c-section" = "C section" = "csection"; the best alias of each code."""
    query, squeezed = words.stems(text), words.compact(text)
    out: dict[str, tuple[int, int]] = {}
    for alias, codes in index().aliases:
        slips = 0 if words.compact(alias) == squeezed else _pair(query, words.stems(alias))
        if slips is None:
            continue
        for place, code in enumerate(codes):
            if code in allowed and (slips, place) < out.get(code, (9, 0)):
                out[code] = (slips, place)
    return out


def name_hits(query: list[str], allowed: set[str]) -> dict[str, tuple[int, int, int]]:
    """code -> (slips, words found only among its aliases, words of its name the query left out), for codes
    whose name and aliases hold every query word (stems)."""
    idx = index()
    reached = [idx.reached(word) for word in query]
    found: dict[str, int] | None = None
    for stems in reached:
        best: dict[str, int] = {}
        for stem, how in sorted(stems.items(), key=lambda s: s[1]):
            for code in idx.codes(stem):
                if code not in best and (found is None or code in found):
                    best[code] = how
        found = best if found is None else {c: found[c] + how for c, how in best.items()}
        if not found:
            return {}
    out: dict[str, tuple[int, int, int]] = {}
    for code, slips in (found or {}).items():
        if code not in allowed:
            continue
        entry = nametable.entry(code)
        own = set(words.stems(entry[1])) if entry is not None else set()
        in_name = [any(stem in own for stem in stems) for stems in reached]
        left_out = len([w for w in own if not any(w in stems for stems in reached)])
        out[code] = (slips, in_name.count(False), left_out)
    return out


@cache
def _families() -> list[tuple[str, str, str, list[str]]]:
    out = []
    for line in nametable.table(nametable.FAMILIES_FILE).body().decode("utf-8").split("\n"):
        fields = line.split("\t")
        if len(fields) >= 4:
            out.append((fields[1], fields[2], fields[3], words.stems(fields[3])))
    return out


def family_hits(query: list[str]) -> list[tuple[int, str, str, str]]:
    """(slips, first, last, name) of the families whose name holds every query word, in file order."""
    out = []
    for first, last, name, stems in _families():
        slips = 0
        for word in query:
            how = min((h for stem in stems if (h := words.matches(word, stem)) is not None), default=None)
            if how is None:
                break
            slips += how
        else:
            out.append((slips, first, last, name))
    return out


def codes_between(sorted_codes: list[str], first: str, last: str) -> Iterable[str]:
    """Codes of a sorted list from first to last, of the same shape (2101F is not between 21010 and 21499)."""
    from bisect import bisect_right

    shape = nametable.shape(first)
    for code in sorted_codes[bisect_left(sorted_codes, first):bisect_right(sorted_codes, last)]:
        if nametable.shape(code) == shape:
            yield code
