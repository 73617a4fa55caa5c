"""Clinical words against the bundled names: aliases, names and family names (search.py ranks the tiers).

The index (nametable.INDEX_FILE) lists each stem with the codes whose name or aliases hold it, and each
alias with its codes and ranges as written, so a search reads one file and opens out only the stems the
query reaches: the same stem ("knees" -> knee), a longer word it starts (echo -> echocardiography), a word
written with a hyphen run together (recement -> re-cement), or a one-letter slip in a word of five letters
or more (colonscopy). No typer, no rich.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from functools import cache

from rvutool import nametable, words

MAX_NAME = 70  # a name longer than this is CMS's description, not a name: its matches rank lower


class _Index:
    def __init__(self) -> None:
        self.postings: dict[str, bytes] = {}
        self.aliases: list[tuple[str, list[str], str, list[str]]] = []  # alias, targets, compact, stems
        for line in nametable.table(nametable.INDEX_FILE).body().decode("utf-8").split("\n"):
            key, _, codes = line.partition("\t")
            if key.startswith("="):
                targets, squeezed, stems = codes.split("\t")
                self.aliases.append((key[1:], targets.split(), squeezed, stems.split("|")))
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


class _Named:
    """What a code's name and aliases say, as stems."""

    def __init__(self, code: str) -> None:
        entry = nametable.entry(code)
        source, text, aliases = entry if entry is not None else ("", "", ())
        self.aliases = len(aliases)
        self.long = len(text) > MAX_NAME
        self.name = self._words(text)
        self.plain = set(words.stems(text))
        self.alias_words = [self._words(alias) for alias in aliases]

    @staticmethod
    def _words(text: str) -> dict[str, list[str]]:
        """Each stem of a text, and each hyphenated word run together with the stems it stands for."""
        out: dict[str, list[str]] = {stem: [stem] for stem in words.stems(text)}
        out.update(words.compounds(text))
        return out


@cache
def named(code: str) -> _Named:
    return _Named(code)


def expand(targets: list[str], sorted_codes: list[str]) -> list[str]:
    """An alias's codes as written ("99202-99205", "G0008") opened out over a sorted list of codes."""
    out = []
    for target in targets:
        first, _, last = target.partition("-")
        out.extend(codes_between(sorted_codes, first, last or first))
    return out


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


def alias_hits(text: str, sorted_codes: list[str]) -> dict[str, tuple[tuple[int, int, int, int], str]]:
    """code -> (slips, place, listed by a range, -its number of aliases) for the aliases the query is:
    "lap chole", "TKA", "c-section" = "C section" = "csection". Codes come in the order the alias lists
    them; within a range, a code clinicians have more names for first. Each code comes with the alias."""
    query, squeezed = words.stems(text), words.compact(text)
    out: dict[str, tuple[tuple[int, int, int, int], str]] = {}
    for alias, targets, alias_squeezed, alias_stems in index().aliases:
        slips = 0 if alias_squeezed == squeezed else _pair(query, alias_stems)
        if slips is None:
            continue
        for place, target in enumerate(targets):
            first, _, last = target.partition("-")
            for code in codes_between(sorted_codes, first, last or first):
                rank = (slips, place, int(bool(last)), -named(code).aliases)
                if code not in out or rank < out[code][0]:
                    out[code] = (rank, alias)
    return out


def _matched(reached: list[dict[str, int]], said: dict[str, list[str]]) -> list[int | None]:
    """For each query word, how it meets the words of one phrase (0, 1), or None."""
    return [min((how for stem, how in stems.items() if stem in said), default=None) for stems in reached]


def _covering(reached: list[dict[str, int]], allowed: set[str], spare: int) -> dict[str, tuple[int, int]]:
    """code -> (slips, how many codes share the words it lacks), for the codes whose name and aliases hold
    every query word but `spare` of them."""
    idx = index()
    counts: dict[str, list[int]] = {}
    holders: list[int] = []
    for i, stems in enumerate(reached):
        best: dict[str, int] = {}
        for stem, how in sorted(stems.items(), key=lambda s: s[1]):
            for code in idx.codes(stem):
                best.setdefault(code, how)
        holders.append(len(best))
        for code, how in best.items():
            counts.setdefault(code, [0] * len(reached))[i] = how + 1
    need = len(reached) - spare
    out = {}
    for code, hows in counts.items():
        if code in allowed and len(hows) - hows.count(0) >= need:
            out[code] = (sum(h - 1 for h in hows if h), sum(holders[i] for i, h in enumerate(hows) if not h))
    return out


def name_hits(query: list[str], allowed: set[str]) -> dict[str, tuple[int, ...]]:
    """code -> rank for codes whose name and aliases hold every query word (stems): fewest slips; then the
    name and one alias both holding every word, or one of them, or the words spread over them, or a long CMS
    description holding them; then the fewest words of the name the query left out; then more aliases."""
    idx = index()
    reached = [idx.reached(word) for word in query]
    if any(not stems for stems in reached):
        return {}
    out: dict[str, tuple[int, ...]] = {}
    for code, (slips, _) in _covering(reached, allowed, 0).items():
        about = named(code)
        in_name = _matched(reached, about.name)
        whole_name = None not in in_name
        whole_alias = any(None not in _matched(reached, said) for said in about.alias_words)
        if whole_name and whole_alias:
            grade = 0
        elif (whole_name and not about.long) or whole_alias:
            grade = 1
        else:
            grade = 3 if about.long else 2
        used = {part for stems in reached for stem in stems if stem in about.name for part in about.name[stem]}
        left_out = min(len(about.plain - used), 20)
        out[code] = (slips, grade, left_out, -about.aliases)
    return out


def partial_hits(query: list[str], allowed: set[str]) -> dict[str, tuple[int, ...]]:
    """code -> rank for codes whose name and aliases hold every query word but one (a query of two words
    or more): "tonsillectomy adult" still finds the tonsillectomies. A code lacking a common word ("adult")
    comes before one lacking a rare one ("tonsillectomy")."""
    idx = index()
    reached = [idx.reached(word) for word in query]
    if len(query) < 2 or sum(1 for stems in reached if stems) < len(query) - 1:
        return {}
    out: dict[str, tuple[int, ...]] = {}
    for code, (slips, lacking) in _covering(reached, allowed, 1).items():
        about = named(code)
        in_name = _matched(reached, about.name)
        out[code] = (slips, -lacking, in_name.count(None), int(about.long), -about.aliases)
    return out


@cache
def _families() -> list[tuple[str, str, str, list[str]]]:
    out = []
    for line in nametable.table(nametable.FAMILIES_FILE).body().decode("utf-8").split("\n"):
        fields = line.split("\t")
        if len(fields) >= 7:
            out.append((fields[1], fields[2], fields[3], fields[6].split("|")))
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
    shape = nametable.shape(first)
    for code in sorted_codes[bisect_left(sorted_codes, first):bisect_right(sorted_codes, last)]:
        if nametable.shape(code) == shape:
            yield code
