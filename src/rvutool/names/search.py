"""`rvutool search`: find codes by code, clinical or everyday words, names, imported descriptors, topic and category.

The query's words become slots (laywords.py: "boob job" -> breast, augmentation; generic words such as "removal"
are marked). Ranking, best first: the exact code; codes starting with the query; codes one of whose aliases the
query is ("TKA", "lap chole", "c-section"); codes whose name and aliases meet every slot that is not generic, in
any order, plurals and slips forgiven (matching.name_hits says which first); codes whose imported CMS
descriptor holds every word; codes of a family whose name meets the slots; codes in a plain-language topic
(topics.py); codes meeting all slots but one; codes found only in a CMS long Level II description; codes of a
matching category. Ties by code. Only codes with a row in the chosen release are found.

Below the confidence floor nothing is a hit: generic words alone, a slip only worth offering ("lunch" for
"punch"), a code lacking a word that tells as much as the rest ("tax return"), words scattered through a long
CMS description. Those become at most SUGGESTIONS "did you mean" offers.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rvutool.catalog import taxonomy
from rvutool.catalog.codes import Catalog, ReleaseInfo, Row
from rvutool.errors import UsageError
from rvutool.names import naming, words

DEFAULT_LIMIT = 20
MAX_LIMIT = 1000
_CODE_QUERY = re.compile(r"[A-Z0-9]{1,5}")
_WORD = re.compile(r"[a-z0-9]+")
_MIN_PREFIX = 4  # a category word this long may be the start of a longer word ("musculo")

SUGGESTIONS = 3  # "did you mean" offers at most this many
PARTIAL_FLOOR = 0.6  # a code lacking a word that tells something is a hit only if it holds this share of the rest
MATCH_ORDER = ("code", "prefix", "alias", "name", "descriptor", "family", "topic", "partial", "hcpcs", "category")
_LONG_GRADE = 3  # matching.name_hits: the words are found only in a CMS long description


@dataclass
class Hit:
    code: str
    match: str  # one of MATCH_ORDER
    rank: tuple[Any, ...]
    row: Row
    description: str | None = None
    topic: str | None = None  # the topic's label, or the family's name, that found the code
    name: naming.Name | None = None
    aliases: tuple[str, ...] = ()
    alias: str | None = None  # the alias the query is, for a match by alias

    def to_dict(self) -> dict[str, Any]:
        row = self.row
        return {
            "code": self.code,
            "name": self.name.text if self.name else None,
            "name_source": self.name.source if self.name else None,
            "aliases": list(self.aliases),
            "release": row.release.id,
            "work_rvu": float(row.work_rvu),
            "has_work_rvu": row.has_work_rvu,
            "no_work_rvu_reason": row.no_work_reason,
            "category": row.category,
            "category_label": taxonomy.label(row.category),
            "description": self.description,
            "match": self.match,
            "topic": self.topic,
        }


@dataclass
class SearchResult:
    query: str
    release: ReleaseInfo
    release_note: str | None
    hits: list[Hit]
    total: int
    suggestions: list[Hit] = field(default_factory=list)  # "did you mean": the nearest, when nothing is a hit

    @property
    def message(self) -> str:
        """What to say when nothing matches."""
        return (f"no procedure matches {self.query!r} in {self.release.id}; try other words, a code or its first "
                "digits, or a category such as implant, preventive or radiology")

    def to_dict(self) -> dict[str, Any]:
        """`search --json` when nothing matches (hits are a plain list otherwise)."""
        return {"query": self.query, "release": self.release.id, "matches": [], "message": self.message,
                "did_you_mean": [hit.to_dict() for hit in self.suggestions]}


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"--limit must be between 1 and {MAX_LIMIT}, not {limit}")
    return limit


def matching_categories(words: list[str]) -> set[str]:
    """Category keys whose key or label contains every query word (a whole word, or the start
    of one when the query word has at least four letters)."""
    found = set()
    for key, label in taxonomy.CATEGORIES.items():
        tokens = set(_WORD.findall(key.lower())) | set(_WORD.findall(label.lower()))
        if all(any(t == w or (len(w) >= _MIN_PREFIX and t.startswith(w)) for t in tokens) for w in words):
            found.add(key)
    found.discard("other")
    return found


def _descriptor_rank(text: str, words: list[str]) -> tuple[int, int] | None:
    """(-whole-word matches, first position) when every word occurs in the text, else None."""
    lower = text.lower()
    positions = []
    whole = 0
    for word in words:
        at = lower.find(word)
        if at < 0:
            return None
        positions.append(at)
        if re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", lower):
            whole += 1
    return -whole, min(positions)


def _base_row(rows: dict[str, Row]) -> Row:
    return rows[""] if "" in rows else rows[sorted(rows)[0]]


def search(query: str, *, limit: int = DEFAULT_LIMIT, on: date | None = None, year: int | None = None,
           catalog: Catalog | None = None) -> SearchResult:
    """Codes matching a query in the release in force on a date (default today). Below the confidence floor
    (generic words only, a slip only worth offering, too little of the query met) nothing is a hit: the best
    of those are kept as `suggestions` ("did you mean")."""
    from rvutool.catalog.lookup import choose_release
    from rvutool.names import laywords, matching, topics

    text = " ".join(query.split())
    if not text:
        raise UsageError("give something to search for, such as 2744, total knee replacement or implant")
    check_limit(limit)
    catalog = catalog or Catalog()
    release, note = choose_release(catalog, on, year)
    found_words = list(_WORD.findall(text.lower()))
    slots = laywords.slots(text) if found_words else []
    clinical = " ".join(slot.alternatives[0] for slot in slots)
    generic_only = bool(slots) and all(slot.generic for slot in slots)
    code_query = text.upper() if _CODE_QUERY.fullmatch(text.upper()) and any(c.isdigit() for c in text) else None
    index = catalog.index(release)
    category_of = dict(index)
    codes = list(category_of)  # sorted, as the dataset is
    best: dict[str, tuple[tuple[Any, ...], str, bool]] = {}  # code -> (rank, match, sure); the first tier keeps it
    topic_of: dict[str, str] = {}
    via: dict[str, str] = {}  # the alias that found a code
    long_text: dict[str, tuple[Any, ...]] = {}  # code -> (rank, sure), found only in a CMS long description

    def found(code: str, rank: tuple[Any, ...], match: str, sure: bool = True) -> None:
        if code not in best:
            best[code] = (rank, match, sure)

    if code_query:
        if code_query in category_of:
            found(code_query, (0,), "code")
        for code in codes[bisect_left(codes, code_query):]:
            if not code.startswith(code_query):
                break
            found(code, (1,), "prefix")
    if slots:
        allowed = set(codes)
        aliases = matching.alias_hits(text, codes)
        if clinical != " ".join(words.stems(text)):
            for code, hit in matching.alias_hits(clinical, codes).items():
                aliases.setdefault(code, hit)
        for code, (rank, alias) in sorted(aliases.items(), key=lambda hit: hit[1]):
            found(code, (2, *rank), "alias")
            via.setdefault(code, alias)
        reached = matching.reach(slots)
        generic = [slot.generic for slot in slots]
        for code, (rank, doubtful) in sorted(matching.name_hits(reached, generic, allowed).items(),
                                             key=lambda hit: hit[1]):
            if rank[3] == _LONG_GRADE:  # CMS's long text of a Level II code: after the names, topics and partials
                met = [stems for stems, is_generic in zip(reached, generic, strict=True) if not is_generic]
                long_text[code] = (rank, not (doubtful or generic_only) and matching.close_together(code, met))
            else:
                found(code, (3, *rank), "name", not (doubtful or generic_only))
    descriptors = _descriptors(catalog)
    if found_words and descriptors:
        for code in codes:
            if code in descriptors and (rank := _descriptor_rank(descriptors[code], found_words)):
                found(code, (4, *rank), "descriptor", not generic_only)
    if slots and not code_query:
        for order, (slips, first, last, family) in enumerate(matching.family_hits(slots)):
            for code in matching.codes_between(codes, first, last):
                if code not in best:
                    topic_of[code] = family
                found(code, (5, slips, order), "family", not generic_only)
    partial: dict[str, tuple[Any, ...]] = {}
    sure_partial: set[str] = set()
    if slots and not code_query:
        weight = matching.weights(slots, reached)
        wanted = sum(1 for slot in slots if not slot.generic)
        telling = sum(w for w, slot in zip(weight, slots, strict=True) if not slot.generic)
        for code, (rank, lacking, doubtful) in matching.partial_hits(reached, weight, generic, allowed).items():
            partial[code] = rank
            # Sure only when it holds most of what a longer query tells: "tax return" is neither tax nor return.
            if not doubtful and wanted >= 3 and telling - weight[lacking] >= PARTIAL_FLOOR * telling:
                sure_partial.add(code)
    if found_words and not code_query:
        phrases = [" ".join(found_words), clinical]
        for code, (order, topic) in topics.codes_in(codes, topics.matching(phrases, slots)).items():
            if code not in best:
                topic_of[code] = topic.label
            # within a topic, codes whose names hold all the query's words but one come first
            found(code, (6, order, *partial.get(code, (9,))), "topic")
    for code, rank in sorted(partial.items(), key=lambda hit: hit[1]):
        found(code, (7, *rank), "partial", code in sure_partial)
    for code, (rank, sure) in long_text.items():
        found(code, (8, *rank), "hcpcs", sure)
    categories = matching_categories(found_words) if found_words and not generic_only else set()
    for code, category in index:
        if category in categories:
            found(code, (9,), "category")
    ranked = sorted(best.items(), key=lambda item: (item[1][0], item[0]))  # rank, then code
    sure = [item for item in ranked if item[1][2]]

    def hit(code: str, rank: tuple[Any, ...], match: str) -> Hit:
        row = _base_row(catalog.rows(code, release))
        return Hit(code=code, match=match, rank=rank, row=row, description=descriptors.get(code),
                   topic=topic_of.get(code), name=naming.name_of(code), aliases=naming.aliases_of(code),
                   alias=via.get(code))

    hits = [hit(code, rank, match) for code, (rank, match, _) in sure[:limit]]
    suggestions = [] if sure else [hit(code, rank, match) for code, (rank, match, _) in ranked[:SUGGESTIONS]]
    return SearchResult(query=text, release=release, release_note=note, hits=hits, total=len(sure),
                        suggestions=suggestions)


def _descriptors(catalog: Catalog) -> dict[str, str]:
    """The CMS descriptors the user imported ({} when none)."""
    if not (catalog.imports_path / "descriptors.json").is_file():
        return {}
    from rvutool.catalog.imports import load_descriptors

    return load_descriptors(catalog.imports_path)
