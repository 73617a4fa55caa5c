"""Check data/about/*.toml ("about this code", in our own words) and turn it into data/about.txt.

Each file holds the families of one area of practice, one table per family:

    [[family]]
    codes = "99202-99205"            # a range of codes of one shape, inside one family of families.tsv
    what = "..."                     # what is done, in plain words: 2 or 3 sentences
    context = "..."                  # who gets it and when: 1 to 3 sentences
    documentation = ["...", ...]     # 3 to 5 points that support the code
    denials = ["...", ...]           # 1 to 5 common reasons it is denied or reduced
    [[family.faq]]                   # 2 or 3 questions, each with its answer
    q = "..."
    a = "..."

The build refuses, with one line naming the file and the family: a missing, unknown or empty part, a part
too long or with too many or too few sentences or items, a range no bundled release has or that crosses a
family, ranges that overlap, and any text that shares a run of five words with a CMS short descriptor of a
code in its range. Same inputs, same bytes. No typer, no rich.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from bisect import bisect_right
from pathlib import Path
from typing import Any

from rvutool.names.build import NamesError, Scope, read_families, shared_run
from rvutool.names.table import ABOUT_FILE, ABOUT_FORMAT, shape, shape_key

PARTS = ("codes", "what", "context", "documentation", "denials", "faq")
SENTENCES = {"what": (2, 3), "context": (1, 3)}
ITEMS = {"documentation": (3, 5), "denials": (1, 5), "faq": (2, 3)}
LONGEST = {"what": 600, "context": 600, "documentation": 220, "denials": 220, "q": 160, "a": 480}
MAX_BYTES = 1 << 20  # an about file is a few dozen kilobytes; anything this big is not one
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


def sentences(text: str) -> int:
    """How many sentences a text holds: ends of sentences, a decimal point or "e.g." not counted."""
    text = re.sub(r"\b(?:e\.g|i\.e|vs|etc|approx|incl|no)\.", "", text)
    return len(_SENTENCE_END.findall(text))


def _plain(text: str) -> str:
    return " ".join(text.split())


def _family_ranges(families: list[tuple[str, str, str, str, str]]) -> list[tuple[str, str, str]]:
    return sorted((shape_key(f[0]), f[0], f[1]) for f in families)


def _family_of(ranges: list[tuple[str, str, str]], code: str) -> tuple[str, str] | None:
    at = bisect_right(ranges, (shape_key(code), "\uffff")) - 1
    if at < 0:
        return None
    _, first, last = ranges[at]
    return (first, last) if shape(first) == shape(code) and first <= code <= last else None


def _text(value: Any, what: str, where: str, descriptors: list[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        raise NamesError(f"{where}: {what} must be text and not empty")
    text = _plain(value)
    if not text.isprintable():
        raise NamesError(f"{where}: {what} holds a control character")
    limit = LONGEST.get(what.split()[0], 600)
    if len(text) > limit:
        raise NamesError(f"{where}: {what} is {len(text)} characters, at most {limit}: {text[:40]!r}...")
    found = shared_run(text, descriptors)
    if found is not None:
        raise NamesError(f"{where}: {what} shares 5 words in a row ({found!r}) with a CMS descriptor "
                         "(AMA/ADA text): write it in your own words")
    return text


def _list(value: Any, part: str, where: str) -> list[Any]:
    low, high = ITEMS[part]
    if not isinstance(value, list) or not low <= len(value) <= high:
        count = len(value) if isinstance(value, list) else "no list of"
        raise NamesError(f"{where}: {part} needs {low} to {high} items, not {count}")
    return value


def _one(entry: Any, where: str, scope: Scope, ranges: list[tuple[str, str, str]]) -> tuple[str, str, dict]:
    if not isinstance(entry, dict):
        raise NamesError(f"{where}: each [[family]] must be a table")
    unknown = sorted(set(entry) - set(PARTS))
    missing = [part for part in PARTS if part not in entry]
    if unknown or missing:
        raise NamesError(f"{where}: " + "; ".join(
            ([f"unknown part {', '.join(unknown)}"] if unknown else [])
            + ([f"missing {', '.join(missing)}"] if missing else [])))
    codes = entry["codes"]
    if not isinstance(codes, str):
        raise NamesError(f"{where}: codes must be text like \"99202-99205\"")
    first, _, last = codes.strip().upper().partition("-")
    last = last or first
    for code in (first, last):
        if code not in scope.work:
            raise NamesError(f"{where}: {code} is not a code of any bundled release")
    if shape(first) != shape(last) or first > last:
        raise NamesError(f"{where}: {codes} is not a range of codes of one shape, first to last")
    home = _family_of(ranges, first)
    if home is None or _family_of(ranges, last) != home:
        raise NamesError(f"{where}: {first}-{last} crosses families: keep it inside one range of families.tsv")
    where = f"{where} ({first}-{last})"
    descriptors = sorted(d for code, shorts in scope.shorts.items()
                         if shape(code) == shape(first) and first <= code <= last for d in shorts)
    body: dict[str, Any] = {}
    for part in ("what", "context"):
        body[part] = _text(entry[part], part, where, descriptors)
        low, high = SENTENCES[part]
        if not low <= sentences(body[part]) <= high:
            raise NamesError(f"{where}: {part} needs {low} to {high} sentences, not {sentences(body[part])}")
    for part in ("documentation", "denials"):
        body[part] = [_text(item, f"{part} item {i}", where, descriptors)
                      for i, item in enumerate(_list(entry[part], part, where), start=1)]
    faq = []
    for i, pair in enumerate(_list(entry["faq"], "faq", where), start=1):
        if not isinstance(pair, dict) or set(pair) != {"q", "a"}:
            raise NamesError(f"{where}: faq {i} needs exactly q and a")
        question = _text(pair["q"], f"q of faq {i}", where, descriptors)
        if not question.endswith("?"):
            raise NamesError(f"{where}: q of faq {i} should end with a question mark")
        faq.append({"q": question, "a": _text(pair["a"], f"a of faq {i}", where, descriptors)})
    body["faq"] = faq
    return first, last, body


def read_about(folder: Path, scope: Scope, families: list[tuple[str, str, str, str, str]],
               ) -> list[tuple[str, str, dict, str]]:
    """(first, last, body, where) of every family described, sorted by shape_key, checked."""
    if not folder.is_dir():
        raise NamesError(f"data/{folder.name} is missing (the about-this-code files)")
    ranges = _family_ranges(families)
    found: list[tuple[str, str, dict, str]] = []
    for path in sorted(folder.glob("*.toml")):
        where = f"data/{folder.name}/{path.name}"
        if not path.is_file() or path.stat().st_size > MAX_BYTES:
            raise NamesError(f"{where}: not a regular file under {MAX_BYTES:,} bytes")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            raise NamesError(f"{where}: not UTF-8 text (byte {exc.start})") from None
        except tomllib.TOMLDecodeError as exc:
            raise NamesError(f"{where}: not valid TOML: {exc}") from None
        if set(data) != {"family"} or not isinstance(data["family"], list):
            raise NamesError(f"{where}: the file should hold only [[family]] tables")
        for number, entry in enumerate(data["family"], start=1):
            first, last, body = _one(entry, f"{where} family {number}", scope, ranges)
            found.append((first, last, body, f"{where} family {number}"))
    found.sort(key=lambda f: shape_key(f[0]))
    for before, after in zip(found, found[1:], strict=False):
        if shape(before[0]) == shape(after[0]) and after[0] <= before[1]:
            raise NamesError(f"{after[3]}: {after[0]}-{after[1]} overlaps {before[0]}-{before[1]} ({before[3]})")
    return found


def build(folder: Path, names: Path, scope: Scope) -> dict[str, bytes]:
    """data/about.txt from the about folder (families from the names folder): a JSON header, then
    KEY FIRST LAST BODY lines sorted by KEY (names.table.about reads one)."""
    found = read_about(folder, scope, read_families(names, scope))
    sources = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.glob("*.toml"))}
    header = {"format": ABOUT_FORMAT, "families": len(found), "sources": sources,
              "about": "What a code's service is, its clinical context, documentation, common denials and "
                       "questions, in rvutool's own words (data/about/*.toml). Built by rvutool.build."}
    lines = [json.dumps(header, sort_keys=True, ensure_ascii=False, separators=(",", ":"))]
    for first, last, body, _ in found:
        payload = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        lines.append("\t".join((shape_key(first), first, last, payload)))
    return {ABOUT_FILE: ("\n".join(lines) + "\n").encode("utf-8")}
