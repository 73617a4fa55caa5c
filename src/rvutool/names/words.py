"""Words as search compares them: the same cuts at build time (the index) and at search time (the query).

A word is a run of letters and digits, lower-cased; "knees" and "knee", "biopsies" and "biopsy" share a
stem; a one-letter slip in a word of five letters or more ("colonscopy") is near its stem. No typer, no rich.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+")
_JOINED = re.compile(r"[a-z0-9]+(?:[-/&][a-z0-9]+)+")
_POSSESSIVE = re.compile(r"['\u2019]s\b")

# Words too common to tell one procedure from another; a query of nothing else keeps them.
STOP = frozenset({"a", "an", "the", "of", "and", "or", "for", "to", "in", "on", "with", "by", "per", "at",
                  "from", "as", "into", "its", "via", "w"})
TYPO_MIN = 5  # a word this long may carry one slip
PREFIX_MIN = 4  # a query word this long may be the start of a longer word ("echo", "arthro")
SURE_SLIP_MIN = 7  # a slip in a word this long is taken as meant; in a shorter one it is only offered


def tokens(text: str) -> list[str]:
    """The words of a text: "I&D of the knee's abscess" -> ["i", "d", "of", "the", "knee", "abscess"]."""
    return _WORD.findall(_POSSESSIVE.sub("", text.lower()))


def stem(word: str) -> str:
    """A plural's singular, crudely but the same way on both sides: knees -> knee, biopsies -> biopsy,
    branches -> branch; words ending in -ss, -us or -is (bypass, venous, stenosis) stay."""
    if len(word) <= 3 or not word.endswith("s") or word[-2].isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes", "zes")):
        return word[:-2]
    if word.endswith(("ss", "us", "is")):
        return word
    return word[:-1]


def stems(text: str) -> list[str]:
    """Stems of a text's words, stop words left out (all of them kept when nothing else is left)."""
    found = [stem(w) for w in tokens(text)]
    kept = [w for w in found if w not in STOP]
    return kept or found


def compounds(text: str) -> dict[str, list[str]]:
    """Words written with a hyphen, slash or ampersand, run together, with their parts' stems:
    "re-cement" -> {"recement": ["re", "cement"]}, "x-rays" -> {"xray": ["x", "ray"]}, "I&D" -> {"id": ...}."""
    out = {}
    for joined in _JOINED.findall(_POSSESSIVE.sub("", text.lower())):
        parts = _WORD.findall(joined)
        out[stem("".join(parts))] = [stem(p) for p in parts]
    return out


def compact(text: str) -> str:
    """A phrase with its spaces and punctuation gone: "C-section" and "c section" -> "csection"."""
    return "".join(tokens(text))


def near(a: str, b: str) -> bool:
    """True when b is a one-letter slip from a (one letter added, dropped, changed, or two swapped)."""
    la, lb = len(a), len(b)
    if abs(la - lb) > 1 or a == b:
        return a == b
    i = 0
    shortest = min(la, lb)
    while i < shortest and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1:] == b[i + 1:]:
            return True  # one letter changed
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2:] == b[i + 2:]  # swapped
    if la > lb:
        return a[i + 1:] == b[i:]  # a has one letter more
    return a[i:] == b[i + 1:]


def sure_slip(query_word: str, word: str) -> bool:
    """A slip search may take without asking: two letters swapped ("biospy") in a word of five letters or more,
    any other in a word of seven or more. "lunch" is not "punch" or "lynch": a short word with a letter changed
    is as likely another word, so it is only offered ("did you mean").
    """
    if len(query_word) >= SURE_SLIP_MIN:
        return True
    if len(query_word) != len(word):
        return False
    diff = [i for i, (a, b) in enumerate(zip(query_word, word, strict=True)) if a != b]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and query_word[diff[0]] == word[diff[1]] \
        and query_word[diff[1]] == word[diff[0]]


def matches(query_word: str, word: str) -> int | None:
    """How a query word (a stem) meets a word of a name (a stem): 0 the same, 1 near (a slip, or the
    start of a longer word), None not at all."""
    if query_word == word:
        return 0
    if not query_word.isalpha():  # a number or a code is meant as typed
        return None
    if len(query_word) >= PREFIX_MIN and word.startswith(query_word):
        return 1
    if len(query_word) >= TYPO_MIN and len(word) >= TYPO_MIN - 1 and near(query_word, word):
        return 1
    return None
