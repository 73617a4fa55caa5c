"""`rvutool search`: find codes by code, code prefix, category and imported descriptor words.

Ranking: the exact code, then codes starting with the query, then descriptor matches
(more query words matched as whole words, then the earliest match, first), then codes in a
plain-language topic (topics.py: "knee", "colonoscopy", "office visit"), then codes of a
matching category; ties by code. Only codes with a row in the chosen release are found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from rvutool import taxonomy
from rvutool.codes import Catalog, ReleaseInfo, Row
from rvutool.errors import RvuError, UsageError

DEFAULT_LIMIT = 20
MAX_LIMIT = 1000
_CODE_QUERY = re.compile(r"[A-Z0-9]{1,5}")
_WORD = re.compile(r"[a-z0-9]+")
_MIN_PREFIX = 4  # a category word this long may be the start of a longer word ("musculo")

MATCH_ORDER = ("code", "prefix", "descriptor", "topic", "category")


@dataclass
class Hit:
    code: str
    match: str  # one of MATCH_ORDER
    rank: tuple[Any, ...]
    row: Row
    description: str | None = None
    topic: str | None = None

    def to_dict(self) -> dict[str, Any]:
        row = self.row
        return {
            "code": self.code,
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
    """Codes matching a query in the release in force on a date (default today)."""
    from rvutool import topics
    from rvutool.lookup import choose_release

    text = " ".join(query.split())
    if not text:
        raise UsageError("give something to search for, such as 2744, implant or a word of a descriptor")
    check_limit(limit)
    catalog = catalog or Catalog()
    release, note = choose_release(catalog, on, year)
    words = list(_WORD.findall(text.lower()))
    code_query = text.upper() if _CODE_QUERY.fullmatch(text.upper()) and any(c.isdigit() for c in text) else None
    categories = matching_categories(words) if words else set()
    topic_hits = topics.matching(text.lower().split()) if words and not code_query else []
    descriptors: dict[str, str] = {}
    if (catalog.imports_path / "descriptors.json").is_file():
        from rvutool.importer import load_descriptors

        descriptors = load_descriptors(catalog.imports_path)

    index = catalog.index(release)
    topic_rank = topics.codes_in([code for code, _ in index], topic_hits)
    ranked: list[tuple[tuple[Any, ...], str, str]] = []
    topic_of: dict[str, str] = {}
    for code, category in index:
        topic = topic_rank.get(code)
        if code_query and code == code_query:
            ranked.append(((0,), code, "code"))
        elif code_query and code.startswith(code_query):
            ranked.append(((1,), code, "prefix"))
        elif words and code in descriptors and (found := _descriptor_rank(descriptors[code], words)):
            ranked.append(((2, *found), code, "descriptor"))
        elif topic is not None:
            ranked.append(((3, topic[0]), code, "topic"))
            topic_of[code] = topic[1].label
        elif category in categories:
            ranked.append(((4,), code, "category"))
    if not ranked:
        raise RvuError(f"nothing in {release.id} matches {text!r}; try a shorter code prefix, fewer words, "
                       "or a category such as implant, preventive or radiology")
    ranked.sort(key=lambda item: (item[0], item[1]))
    hits = []
    for rank, code, match in ranked[:limit]:
        row = _base_row(catalog.rows(code, release))
        hits.append(Hit(code=code, match=match, rank=rank, row=row, description=descriptors.get(code),
                        topic=topic_of.get(code)))
    return SearchResult(query=text, release=release, release_note=note, hits=hits, total=len(ranked))
