"""Check data/names/*.tsv and turn them into the runtime name files (nametable.py reads them).

Inputs, all text kept in the repository or published by CMS:

    cpt1.tsv .. cpt4.tsv, dental.tsv   code<TAB>name        rvutool's own words
    families.tsv                       first<TAB>last<TAB>name<TAB>specialties<TAB>note
    aliases.tsv                        alias<TAB>codes      codes: 27447, or a range 43235-43259, space-separated
    the HCPCS annual file              CMS's public long descriptions of Level II codes

The build refuses, with one line naming the file and line: a code in scope with no name (every CPT code
with a work RVU above 0 in a bundled release, every dental D code), a name longer than 70 characters, a name
equal to a CMS descriptor, families that overlap or leave a code uncovered, an alias of a code no release
has. Same inputs, same bytes. No typer, no rich.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from rvutool.errors import RvuError
from rvutool.names import words
from rvutool.names.table import FAMILIES_FILE, FORMAT, INDEX_FILE, NAMES_FILE, shape, shape_key

MAX_NAME = 70
NAME_FILES = ("cpt1.tsv", "cpt2.tsv", "cpt3.tsv", "cpt4.tsv", "dental.tsv")
FAMILY_FILE, ALIAS_FILE = "families.tsv", "aliases.tsv"
HEADERS = {"names": ["code", "name"], "families": ["first", "last", "name", "specialties", "note"],
           "aliases": ["alias", "codes"]}


class NamesError(RvuError):
    """A names file breaks a rule; the message names the file and line."""


@dataclass
class Scope:
    """What the bundled releases hold: every code, the highest work RVU of each, CMS's descriptors."""

    work: dict[str, Decimal] = field(default_factory=dict)  # code -> highest work RVU in any release
    descriptors: dict[str, str] = field(default_factory=dict)  # lower-cased CPT/CDT descriptor -> code

    def add(self, code: str, work: Decimal, descriptor: str | None) -> None:
        self.work[code] = max(work, self.work.get(code, Decimal(0)))
        if descriptor and not is_level_ii(code):
            self.descriptors.setdefault(_plain(descriptor), code)

    def needs_name(self, code: str) -> bool:
        return code.startswith("D") or (code[0].isdigit() and self.work[code] > 0)

    def needs_family(self, code: str) -> bool:
        return code[0].isdigit() or code.startswith("D")


def is_level_ii(code: str) -> bool:
    return code[:1].isalpha() and code[:1] != "D"


def _plain(text: str) -> str:
    return " ".join(text.lower().split())


def _rows(path: Path, kind: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of one names file, after checking its header."""
    where = f"data/names/{path.name}"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NamesError(f"{where} is missing") from None
    except UnicodeDecodeError as exc:
        raise NamesError(f"{where}: not UTF-8 text (byte {exc.start})") from None
    lines = text.lstrip("\ufeff").split("\n")
    header = [cell.strip() for cell in lines[0].rstrip("\r").split("\t")]
    if header != HEADERS[kind]:
        raise NamesError(f"{where} line 1: the header should be {'<TAB>'.join(HEADERS[kind])}, not "
                         f"{lines[0].rstrip()[:60]!r}")
    for number, line in enumerate(lines[1:], start=2):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        cells = [cell.strip() for cell in line.split("\t")]
        width = len(HEADERS[kind])
        cells += [""] * (width - len(cells))  # empty trailing cells may be left off
        if len(cells) > width:
            raise NamesError(f"{where} line {number}: {len(cells)} cells, expected {width}")
        yield number, cells


def _check_text(text: str, what: str, where: str, scope: Scope, *, own: bool) -> None:
    if not text:
        raise NamesError(f"{where}: {what} is empty")
    if len(text) > MAX_NAME:
        raise NamesError(f"{where}: {what} is {len(text)} characters, at most {MAX_NAME}: {text[:40]!r}...")
    if not text.isprintable():
        raise NamesError(f"{where}: {what} holds a control character")
    if own and _plain(text) in scope.descriptors:
        raise NamesError(f"{where}: {what} {text!r} is CMS's descriptor of {scope.descriptors[_plain(text)]} "
                         "(AMA/ADA text): write it in your own words")


def _code(text: str, where: str, scope: Scope) -> str:
    code = text.upper()
    if code not in scope.work:
        raise NamesError(f"{where}: {text!r} is not a code of any bundled release")
    return code


def read_names(folder: Path, scope: Scope) -> dict[str, str]:
    names: dict[str, str] = {}
    seen: dict[str, str] = {}
    for file in NAME_FILES:
        for number, (code_text, name) in _rows(folder / file, "names"):
            where = f"data/names/{file} line {number}"
            code = _code(code_text, where, scope)
            if code in seen:
                raise NamesError(f"{where}: {code} is named twice (also {seen[code]})")
            if is_level_ii(code):
                raise NamesError(f"{where}: {code} is a HCPCS Level II code: its name is CMS's description")
            _check_text(name, f"the name of {code}", where, scope, own=True)
            names[code], seen[code] = name, where
    missing = sorted(code for code in scope.work if scope.needs_name(code) and code not in names)
    if missing:
        kind = "dental.tsv" if missing[0].startswith("D") else "cpt1.tsv..cpt4.tsv"
        raise NamesError(f"data/names/{kind}: no name for {missing[0]} (work RVU {scope.work[missing[0]]})"
                         + (f" and {len(missing) - 1:,} more codes in scope" if len(missing) > 1 else ""))
    return names


def read_families(folder: Path, scope: Scope) -> list[tuple[str, str, str, str, str]]:
    """(first, last, name, specialties, note), sorted by shape_key, checked for overlaps and coverage."""
    found: list[tuple[str, str, str, str, str, str]] = []  # ... and where
    for number, (first, last, name, specialties, note) in _rows(folder / FAMILY_FILE, "families"):
        where = f"data/names/{FAMILY_FILE} line {number}"
        first, last = first.upper(), last.upper()
        if len(first) != 5 or shape(first) != shape(last) or first > last:
            raise NamesError(f"{where}: {first}-{last} is not a range of codes of one shape, first to last")
        _check_text(name, f"the family name of {first}-{last}", where, scope, own=True)
        for text, what in ((specialties, "specialties"), (note, "note")):
            if text and not text.isprintable():
                raise NamesError(f"{where}: {what} holds a control character")
        found.append((first, last, name, specialties, note, where))
    found.sort(key=lambda f: shape_key(f[0]))
    for before, after in zip(found, found[1:], strict=False):
        if shape(before[0]) == shape(after[0]) and after[0] <= before[1]:
            raise NamesError(f"{after[5]}: {after[0]}-{after[1]} overlaps {before[0]}-{before[1]} ({before[5]})")
    ranges = [(shape_key(f[0]), f) for f in found]
    for code in sorted(scope.work, key=shape_key):
        if scope.needs_family(code) and _covering(ranges, code) is None:
            raise NamesError(f"data/names/{FAMILY_FILE}: no family covers {code}")
    return [f[:5] for f in found]


def _covering(ranges: list[tuple[str, tuple[str, ...]]], code: str) -> tuple[str, ...] | None:
    from bisect import bisect_right

    at = bisect_right(ranges, shape_key(code), key=lambda r: r[0]) - 1
    if at < 0:
        return None
    family = ranges[at][1]
    return family if shape(family[0]) == shape(code) and family[0] <= code <= family[1] else None


def read_aliases(folder: Path, scope: Scope) -> tuple[dict[str, list[str]], dict[str, str]]:
    """alias (as first written) -> its codes in the order written, ranges opened out to the codes releases hold;
    and alias -> its codes as written (search opens the ranges out again, in the release it searches)."""
    by_shape: dict[str, list[str]] = {}
    for code in sorted(scope.work):
        by_shape.setdefault(shape(code), []).append(code)
    aliases: dict[str, list[str]] = {}
    written: dict[str, list[str]] = {}
    spelled: dict[str, str] = {}
    for number, (alias, targets) in _rows(folder / ALIAS_FILE, "aliases"):
        where = f"data/names/{ALIAS_FILE} line {number}"
        _check_text(alias, f"alias {alias!r}", where, scope, own=False)
        if not words.tokens(alias):
            raise NamesError(f"{where}: alias {alias!r} has no letters or digits")
        if not targets.split():
            raise NamesError(f"{where}: alias {alias!r} names no codes")
        codes = aliases.setdefault(spelled.setdefault(alias.lower(), alias), [])
        written.setdefault(spelled[alias.lower()], []).extend(targets.upper().replace(",", " ").split())
        for target in targets.replace(",", " ").split():
            first, _, last = target.upper().partition("-")
            if not last:
                codes.append(_code(first, where, scope))
                continue
            if shape(first) != shape(last) or first > last:
                raise NamesError(f"{where}: {target} is not a range of codes of one shape, first to last")
            inside = [c for c in by_shape.get(shape(first), []) if first <= c <= last]
            if not inside:
                raise NamesError(f"{where}: no bundled release has a code in {target}")
            codes.extend(inside)
    return ({alias: list(dict.fromkeys(codes)) for alias, codes in aliases.items()},
            {alias: " ".join(dict.fromkeys(targets)) for alias, targets in written.items()})


def _lines(header: dict[str, object], rows: Iterable[list[str]]) -> bytes:
    head = json.dumps(header, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    body = "".join("\t".join(row) + "\n" for row in rows)
    return (head + "\n" + body).encode("utf-8")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(folder: Path, scope: Scope, hcpcs: dict[str, str], hcpcs_source: Path) -> dict[str, bytes]:
    """The three runtime files (file name -> bytes) from the names folder, the releases and the HCPCS file."""
    names = read_names(folder, scope)
    families = read_families(folder, scope)
    aliases, written = read_aliases(folder, scope)
    level_ii = {code: " ".join(hcpcs[code].split()) for code in scope.work if is_level_ii(code) and code in hcpcs}
    per_code: dict[str, list[str]] = {}
    for alias in sorted(aliases, key=str.lower):
        for code in aliases[alias]:
            per_code.setdefault(code, []).append(alias)
    sources = {file: _sha(folder / file) for file in (*NAME_FILES, FAMILY_FILE, ALIAS_FILE)}
    sources[hcpcs_source.name] = _sha(hcpcs_source)
    about = ("Plain-language names of CPT and CDT codes in rvutool's own words (data/names/*.tsv), CMS's "
             "public HCPCS Level II long descriptions, code families and aliases. Built by rvutool.build.")
    header = {"format": FORMAT, "about": about, "sources": sources}

    rows = []
    for code in sorted(set(names) | set(level_ii) | set(per_code)):
        source, text = ("rvutool", names[code]) if code in names else \
            ("hcpcs", level_ii[code]) if code in level_ii else ("", "")
        rows.append([code, source, text, *per_code.get(code, [])])
    names_txt = _lines({**header, "codes": len(rows), "own": len(names), "hcpcs": len(level_ii)}, rows)

    # Stems are joined by "|", not spaces: run together they could spell a phrase the sources never wrote.
    family_rows = [[shape_key(f[0]), *f, "|".join(words.stems(f[2]))] for f in families]
    families_txt = _lines({**header, "families": len(family_rows)}, family_rows)

    index: dict[str, set[str]] = {}
    for code, _, text, *also in rows:
        for phrase in (text, *also):
            for stem in {*words.stems(phrase), *words.compounds(phrase)}:
                index.setdefault(stem, set()).add(code)
    index_rows = [[stem, " ".join(sorted(codes))] for stem, codes in index.items()]
    index_rows += [["=" + alias, written[alias], words.compact(alias), "|".join(words.stems(alias))]
                   for alias in aliases]
    index_rows.sort(key=lambda row: row[0])
    index_txt = _lines({**header, "stems": len(index), "aliases": len(aliases)}, index_rows)
    return {NAMES_FILE: names_txt, FAMILIES_FILE: families_txt, INDEX_FILE: index_txt}
