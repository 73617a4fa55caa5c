"""Clinical words against the bundled names: aliases, names and family names (search.py ranks the tiers).

The index (table.INDEX_FILE) lists each stem with the codes whose name or aliases hold it, and each
alias with its codes and ranges as written, so a search reads one file and opens out only the stems the
query reaches: the same stem ("knees" -> knee), a longer word it starts (echo -> echocardiography), a word
written with a hyphen run together (recement -> re-cement), or a one-letter slip in a word of five letters
or more (colonscopy). No typer, no rich.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from rvutool.names import table, words

if TYPE_CHECKING:
    from rvutool.names.laywords import Slot

MAX_NAME = 70  # a name longer than this is CMS's description, not a name: its matches rank lower
DOUBT = 2  # how a stem is reached by a slip that is only offered, never taken
GENERIC_WEIGHT = 0.5  # what a generic word ("removal", "out") tells, against 1 to MAX_WEIGHT for the rest
MAX_WEIGHT = 10.0  # what a word no name holds tells: as much as the rarest


class _Index:
    def __init__(self) -> None:
        self.postings: dict[str, bytes] = {}
        self.aliases: list[tuple[str, list[str], str, list[str]]] = []  # alias, targets, compact, stems
        for line in table.table(table.INDEX_FILE).body().decode("utf-8").split("\n"):
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
        """The stems a query stem reaches, each with how: 0 the same, 1 near (the start of a longer word, or a
        slip search may take), DOUBT a slip only worth offering (words.sure_slip)."""
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
                        found[stem] = 1 if words.sure_slip(query, stem) else DOUBT
        return found

    def codes(self, stem: str) -> list[str]:
        return self.postings[stem].decode("ascii").split()

    def count(self, stem: str) -> int:
        """How many codes' names or aliases hold the stem."""
        return self.postings[stem].count(b" ") + 1


@cache
def index() -> _Index:
    return _Index()


class _Named:
    """What a code's name and aliases say, as stems."""

    def __init__(self, code: str) -> None:
        entry = table.entry(code)
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
            best = next((w for w in left if len(word) >= words.TYPO_MIN and word.isalpha() and words.near(word, w)
                         and words.sure_slip(word, w)), None)
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


def reach(slots: list[Slot]) -> list[dict[str, int]]:
    """For each slot, the stems of the names it reaches and how (the best of its alternatives)."""
    idx = index()
    out = []
    for slot in slots:
        found: dict[str, int] = {}
        for alternative in slot.alternatives:
            for stem, how in idx.reached(alternative).items():
                if how < found.get(stem, DOUBT + 1):
                    found[stem] = how
        out.append(found)
    return out


def weights(slots: list[Slot], reached: list[dict[str, int]]) -> list[float]:
    """What each slot tells: a generic one little; the rest by how few codes hold it (a word no code holds,
    the most). Each slot's count is that of the commonest stem it reaches as meant."""
    from math import log

    idx = index()
    size = table.table(table.NAMES_FILE).header.get("codes") or 16000
    out = []
    for slot, stems in zip(slots, reached, strict=True):
        if slot.generic:
            out.append(GENERIC_WEIGHT)
            continue
        held = max((idx.count(stem) for stem, how in stems.items() if how < DOUBT), default=0)
        out.append(min(MAX_WEIGHT, max(1.0, log((size + 1) / (held + 1)))))
    return out


def _matched(reached: list[dict[str, int]], said: dict[str, list[str]]) -> list[int | None]:
    """For each slot, how it meets the words of one phrase (0, 1, DOUBT), or None."""
    return [min((how for stem, how in stems.items() if stem in said), default=None) for stems in reached]


def _covering(reached: list[dict[str, int]], allowed: set[str], spare: int) -> dict[str, list[int | None]]:
    """code -> how each slot meets its name and aliases (None: not at all), for the codes whose name and
    aliases meet every slot but `spare` of them."""
    idx = index()
    hows: dict[str, list[int | None]] = {}
    for i, stems in enumerate(reached):
        best: dict[str, int] = {}
        for stem, how in sorted(stems.items(), key=lambda s: s[1]):
            for code in idx.codes(stem):
                best.setdefault(code, how)
        for code, how in best.items():
            hows.setdefault(code, [None] * len(reached))[i] = how
    need = len(reached) - spare
    return {code: found for code, found in hows.items()
            if code in allowed and len(found) - found.count(None) >= need}


def _needed(generic: list[bool]) -> list[int]:
    """The slots a hit must meet: all but the generic ones (all of them when every one is generic)."""
    needed = [i for i, flag in enumerate(generic) if not flag]
    return needed or list(range(len(generic)))


def name_hits(reached: list[dict[str, int]], generic: list[bool],
              allowed: set[str]) -> dict[str, tuple[tuple[int, ...], bool]]:
    """code -> (rank, doubtful) for codes whose name and aliases meet every slot that is not generic. Rank:
    sure before doubtful; fewest generic slots unmet, fewest slips; then the name and one alias both holding
    every word, or one of them, or the words spread over them, or a long CMS description holding them (grade
    3); then the fewest words of the name the query left out; then more aliases. Doubtful: a slot met only
    by a slip worth offering, not taking."""
    needed = _needed(generic)
    if not reached or any(not reached[i] for i in needed):
        return {}
    out: dict[str, tuple[tuple[int, ...], bool]] = {}
    for code, hows in _covering(reached, allowed, len(reached) - len(needed)).items():
        if any(hows[i] is None for i in needed):
            continue
        about = named(code)
        core = [reached[i] for i in needed]  # the name or one alias holding these is what grades a hit
        in_name = _matched(core, about.name)
        whole_name = None not in in_name
        whole_alias = any(None not in _matched(core, said) for said in about.alias_words)
        if whole_name and whole_alias:
            grade = 0
        elif (whole_name and not about.long) or whole_alias:
            grade = 1
        else:
            grade = 3 if about.long else 2
        met = [stems for stems, how in zip(reached, hows, strict=True) if how is not None]
        used = {part for stems in met for stem in stems if stem in about.name for part in about.name[stem]}
        left_out = min(len(about.plain - used), 20)
        doubtful = DOUBT in hows
        slips = sum(1 for how in hows if how)
        out[code] = ((int(doubtful), hows.count(None), slips, grade, left_out, -about.aliases), doubtful)
    return out


def close_together(code: str, reached: list[dict[str, int]], window: int = 3) -> bool:
    """Whether the slots meet words of the code's (long) name near each other: "staff meeting" is not a CMS
    description that names staff in one clause and a meeting in another. Each slot's nearest word counts."""
    entry = table.entry(code)
    stems = words.stems(entry[1]) if entry else []
    places = [[i for i, stem in enumerate(stems) if stem in reach] for reach in reached if reach]
    if len(places) < 2:
        return True
    if any(not found for found in places):
        return False
    return any(all(any(abs(j - i) <= window + len(places) for j in found) for found in places) for i in places[0])


def _fewest_left_out(about: _Named, reached: list[dict[str, int]]) -> int:
    """The fewest words that the name or one alias holds beyond what the query met: "wrist fracture" (an
    alias of 25600) leaves nothing out of "broken wrist cast", a long name leaves much."""
    fewest = 20
    for said in (about.name, *about.alias_words):
        used = {part for stems in reached for stem in stems if stem in said for part in said[stem]}
        if used:
            fewest = min(fewest, len({part for parts in said.values() for part in parts} - used))
    return fewest


def partial_hits(reached: list[dict[str, int]], weight: list[float], generic: list[bool],
                 allowed: set[str]) -> dict[str, tuple[tuple[Any, ...], int, bool]]:
    """code -> (rank, the slot it lacks, doubtful) for codes whose name and aliases meet every slot that is not
    generic but one (a query of two such slots or more): "tonsillectomy child" still finds the tonsillectomies.
    Rank: sure first, fewest slips, then the most the words it holds tell (a code lacking "child" before one
    lacking "tonsillectomy"), then the fewest words its name or an alias holds beyond them."""
    needed = _needed(generic)
    if len(needed) < 2 or sum(1 for i in needed if reached[i]) < len(needed) - 1:
        return {}
    out: dict[str, tuple[tuple[Any, ...], int, bool]] = {}
    for code, hows in _covering(reached, allowed, len(reached) - len(needed) + 1).items():
        lacking = [i for i in needed if hows[i] is None]
        if len(lacking) != 1:  # a whole match is name_hits'
            continue
        about = named(code)
        met = [stems for stems, how in zip(reached, hows, strict=True) if how is not None]
        held = sum(w for w, how in zip(weight, hows, strict=True) if how is not None)
        doubtful = DOUBT in hows
        slips = sum(1 for how in hows if how)
        out[code] = ((int(doubtful), slips, -round(held, 3), _fewest_left_out(about, met),
                      _matched(met, about.name).count(None), int(about.long), -about.aliases), lacking[0], doubtful)
    return out


@cache
def _families() -> list[tuple[str, str, str, list[str]]]:
    out = []
    for line in table.table(table.FAMILIES_FILE).body().decode("utf-8").split("\n"):
        fields = line.split("\t")
        if len(fields) >= 7:
            out.append((fields[1], fields[2], fields[3], fields[6].split("|")))
    return out


def family_hits(slots: list[Slot]) -> list[tuple[int, str, str, str]]:
    """(slips, first, last, name) of the families whose name meets every slot that is not generic (surely), in
    file order. Family names share their words: each word is weighed against each stem once."""
    wanted = [slot for slot in slots if not slot.generic] or slots
    seen: dict[str, int | None] = {}

    def meets(slot: Slot, stem: str) -> int | None:
        key = f"{stem}|{'|'.join(slot.alternatives)}"
        if key not in seen:
            hows = [how for word in slot.alternatives if (how := words.matches(word, stem)) is not None
                    and (how == 0 or stem.startswith(word) or words.sure_slip(word, stem))]
            seen[key] = min(hows, default=None)
        return seen[key]

    out = []
    for first, last, name, stems in _families():
        slips = 0
        for slot in wanted:
            how = min((h for stem in stems if (h := meets(slot, stem)) is not None), default=None)
            if how is None:
                break
            slips += how
        else:
            out.append((slips, first, last, name))
    return out


def codes_between(sorted_codes: list[str], first: str, last: str) -> Iterable[str]:
    """Codes of a sorted list from first to last, of the same shape (2101F is not between 21010 and 21499)."""
    shape = table.shape(first)
    for code in sorted_codes[bisect_left(sorted_codes, first):bisect_right(sorted_codes, last)]:
        if table.shape(code) == shape:
            yield code
