"""Check data/names/*.tsv and turn them into the runtime name files (table.py reads them).

Inputs, all text kept in the repository or published by CMS:

    cat3.tsv, cpt1.tsv .. cpt4.tsv,    code<TAB>name        rvutool's own words
    dental.tsv, level2.tsv                                  (level2.tsv: short names of HCPCS Level II codes)
    families.tsv                       first<TAB>last<TAB>name<TAB>specialties<TAB>note
    aliases.tsv                        alias<TAB>codes      codes: 27447, or a range 43235-43259, space-separated
    the HCPCS annual file              CMS's public long descriptions of Level II codes

The build refuses, with one line naming the file and line: a code in scope with no name of its own (every
dental D code; every CPT code with a work RVU above 0 or a logged status, A R T C B, in a bundled release;
a Level II code of a logged status needs CMS's text or a short name), two logged codes shown under the same
name, a name longer than 70 characters, a name or family name that shares a run of five words with a CMS
short descriptor of its codes (or equals one), families that overlap or leave a code uncovered, an alias of
a code no release has or whose codes the newest release has all dropped. An alias that still lists a code
the newest release dropped is a warning (one line on stderr). Same inputs, same bytes. No typer, no rich.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from rvutool.errors import RvuError
from rvutool.names import words
from rvutool.names.table import FAMILIES_FILE, FORMAT, INDEX_FILE, LEVEL2_FILE, NAMES_FILE, shape, shape_key

MAX_NAME = 70
NAME_FILES = ("cat3.tsv", "cpt1.tsv", "cpt2.tsv", "cpt3.tsv", "cpt4.tsv", "dental.tsv")
LEVEL2_NAMES, FAMILY_FILE, ALIAS_FILE = "level2.tsv", "families.tsv", "aliases.tsv"
# Statuses of the codes clinicians log: paid (A, R, T, C) or bundled into a paid service (B: 99024).
LOGGED = frozenset("ABCRT")
RUN = 5  # a name may share at most RUN - 1 consecutive words with a CMS short descriptor of its code
_WORD = re.compile(r"[a-z0-9]+")
HEADERS = {"names": ["code", "name"], "families": ["first", "last", "name", "specialties", "note"],
           "aliases": ["alias", "codes"]}


class NamesError(RvuError):
    """A names file breaks a rule; the message names the file and line."""


@dataclass
class Scope:
    """What the bundled releases hold: every code, the highest work RVU of each, CMS's descriptors (read to
    check our names against, never kept), the codes of a logged status, and which releases hold each code."""

    work: dict[str, Decimal] = field(default_factory=dict)  # code -> highest work RVU in any release
    descriptors: dict[str, str] = field(default_factory=dict)  # lower-cased CPT/CDT descriptor -> code
    shorts: dict[str, set[str]] = field(default_factory=dict)  # CPT/CDT code -> its descriptors, any release
    logged: set[str] = field(default_factory=set)  # codes with a status in LOGGED in some release
    releases: dict[str, set[str]] = field(default_factory=dict)  # code -> ids of the releases that hold it
    order: list[str] = field(default_factory=list)  # release ids as added, oldest first

    def add(self, code: str, work: Decimal, descriptor: str | None, status: str = "", release: str = "") -> None:
        """One row of a release; add the releases oldest first."""
        self.work[code] = max(work, self.work.get(code, Decimal(0)))
        if descriptor and not is_level_ii(code):
            self.descriptors.setdefault(_plain(descriptor), code)
            self.shorts.setdefault(code, set()).add(descriptor)
        if status in LOGGED:
            self.logged.add(code)
        if release:
            if release not in self.order:
                self.order.append(release)
            self.releases.setdefault(code, set()).add(release)

    @property
    def newest(self) -> str:
        return self.order[-1] if self.order else ""

    def dropped(self, code: str) -> bool:
        """Whether the newest release no longer holds a code an older one has."""
        return bool(self.order) and self.newest not in self.releases.get(code, ())

    def needs_name(self, code: str) -> bool:
        """Every D code, and every CPT code with a work RVU or a logged status, needs a name of its own."""
        return code.startswith("D") or (not is_level_ii(code) and (self.work[code] > 0 or code in self.logged))

    def needs_family(self, code: str) -> bool:
        return code[0].isdigit() or code.startswith("D")


def is_level_ii(code: str) -> bool:
    return code[:1].isalpha() and code[:1] != "D"


def _plain(text: str) -> str:
    return " ".join(text.lower().split())


def shared_run(text: str, descriptors: Iterable[str], run: int = RUN) -> str | None:
    """The first run of `run` consecutive words (runs of letters and digits, lower-cased) that `text` shares
    with one of the descriptors, or None."""
    words = _WORD.findall(text.lower())
    ours = {tuple(words[i:i + run]) for i in range(len(words) - run + 1)}
    if not ours:
        return None
    for descriptor in sorted(descriptors):
        theirs = _WORD.findall(descriptor.lower())
        for i in range(len(theirs) - run + 1):
            if tuple(theirs[i:i + run]) in ours:
                return " ".join(theirs[i:i + run])
    return None


def _own_words(text: str, what: str, where: str, descriptors: Iterable[str]) -> None:
    found = shared_run(text, descriptors)
    if found is not None:
        raise NamesError(f"{where}: {what} {text!r} shares {RUN} words in a row ({found!r}) with a CMS "
                         "descriptor (AMA/ADA text): write it in your own words")


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
    """code -> our name, from the CPT, Category III and dental files, checked."""
    return {code: name for code, (name, _) in _read_names(folder, scope).items()}


def _read_names(folder: Path, scope: Scope) -> dict[str, tuple[str, str]]:
    names: dict[str, tuple[str, str]] = {}
    for file in NAME_FILES:
        for number, (code_text, name) in _rows(folder / file, "names"):
            where = f"data/names/{file} line {number}"
            code = _code(code_text, where, scope)
            if code in names:
                raise NamesError(f"{where}: {code} is named twice (also {names[code][1]})")
            if is_level_ii(code):
                raise NamesError(f"{where}: {code} is a HCPCS Level II code: its short name goes in "
                                 f"data/names/{LEVEL2_NAMES}")
            _check_text(name, f"the name of {code}", where, scope, own=True)
            _own_words(name, f"the name of {code}", where, scope.shorts.get(code, ()))
            names[code] = (name, where)
    missing = sorted(code for code in scope.work if scope.needs_name(code) and code not in names)
    if missing:
        kind = "dental.tsv" if missing[0].startswith("D") else "cat3.tsv, cpt1.tsv..cpt4.tsv"
        raise NamesError(f"data/names/{kind}: no name for {missing[0]} (work RVU {scope.work[missing[0]]}"
                         + (", a logged status" if missing[0] in scope.logged else "") + ")"
                         + (f" and {len(missing) - 1:,} more codes in scope" if len(missing) > 1 else ""))
    return names


def read_level2(folder: Path, scope: Scope) -> dict[str, str]:
    """Short names, in our words, of the HCPCS Level II codes clinicians log (CMS's long text stays for lookup)."""
    return {code: name for code, (name, _) in _read_level2(folder, scope).items()}


def _read_level2(folder: Path, scope: Scope) -> dict[str, tuple[str, str]]:
    names: dict[str, tuple[str, str]] = {}
    for number, (code_text, name) in _rows(folder / LEVEL2_NAMES, "names"):
        where = f"data/names/{LEVEL2_NAMES} line {number}"
        code = _code(code_text, where, scope)
        if not is_level_ii(code):
            raise NamesError(f"{where}: {code} is not a HCPCS Level II code: its name goes in the CPT or "
                             "dental files")
        if code in names:
            raise NamesError(f"{where}: {code} is named twice (also {names[code][1]})")
        _check_text(name, f"the name of {code}", where, scope, own=False)
        names[code] = (name, where)
    return names


def check_displayed(scope: Scope, shown: dict[str, tuple[str, str]]) -> None:
    """Every code of a logged status is shown under a name of its own: shown is code -> (name, where from)."""
    first: dict[str, str] = {}
    for code in sorted(scope.logged):
        if code not in shown:
            raise NamesError(f"data/names/{LEVEL2_NAMES}: {code} has a logged status but no name (no CMS text "
                             "either): give it a short name")
        key = _plain(shown[code][0])
        if key in first:
            other = first[key]
            raise NamesError(f"{shown[code][1]}: {code} is shown as {shown[code][0]!r}, the name of {other} "
                             f"({shown[other][1]}): give each a name that tells them apart")
        first[key] = code


def read_families(folder: Path, scope: Scope) -> list[tuple[str, str, str, str, str]]:
    """(first, last, name, specialties, note), sorted by shape_key, checked for overlaps and coverage."""
    found: list[tuple[str, str, str, str, str, str]] = []  # ... and where
    for number, (first, last, name, specialties, note) in _rows(folder / FAMILY_FILE, "families"):
        where = f"data/names/{FAMILY_FILE} line {number}"
        first, last = first.upper(), last.upper()
        if len(first) != 5 or shape(first) != shape(last) or first > last:
            raise NamesError(f"{where}: {first}-{last} is not a range of codes of one shape, first to last")
        _check_text(name, f"the family name of {first}-{last}", where, scope, own=True)
        members = [d for code, shorts in scope.shorts.items() if shape(code) == shape(first) and first <= code <= last
                   for d in shorts]
        _own_words(name, f"the family name of {first}-{last}", where, members)
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


def read_aliases(folder: Path, scope: Scope, warn: Callable[[str], None] | None = None,
                 ) -> tuple[dict[str, list[str]], dict[str, str]]:
    """alias (as first written) -> its codes in the order written, ranges opened out to the codes releases hold;
    and alias -> its codes as written (search opens the ranges out again, in the release it searches).
    A line whose every code the newest release dropped is refused; each dropped code a line still lists is
    passed to warn (default: one line on stderr)."""
    warn = warn or _warn
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
        dropped = []
        for target in targets.replace(",", " ").split():
            first, _, last = target.upper().partition("-")
            if not last:
                codes.append(_code(first, where, scope))
                if scope.dropped(first):
                    dropped.append(first)
                continue
            if shape(first) != shape(last) or first > last:
                raise NamesError(f"{where}: {target} is not a range of codes of one shape, first to last")
            inside = [c for c in by_shape.get(shape(first), []) if first <= c <= last]
            if not inside:
                raise NamesError(f"{where}: no bundled release has a code in {target}")
            if all(scope.dropped(c) for c in inside):
                dropped.append(target.upper())
            codes.extend(inside)
        if dropped and len(dropped) == len(targets.replace(",", " ").split()):
            raise NamesError(f"{where}: every code of alias {alias!r} ({' '.join(dropped)}) is gone from "
                             f"{scope.newest}, the newest bundled release: point it at today's codes")
        for code in dropped:
            warn(f"{where}: alias {alias!r} still lists {code}, which {scope.newest} no longer has")
    return ({alias: list(dict.fromkeys(codes)) for alias, codes in aliases.items()},
            {alias: " ".join(dict.fromkeys(targets)) for alias, targets in written.items()})


def _warn(message: str) -> None:
    print(f"build warning: {message}", file=sys.stderr)


def _lines(header: dict[str, object], rows: Iterable[list[str]]) -> bytes:
    head = json.dumps(header, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    body = "".join("\t".join(row) + "\n" for row in rows)
    return (head + "\n" + body).encode("utf-8")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(folder: Path, scope: Scope, hcpcs: dict[str, str], hcpcs_source: Path,
          warn: Callable[[str], None] | None = None) -> dict[str, bytes]:
    """The runtime name files (file name -> bytes) from the names folder, the releases and the HCPCS file."""
    own = _read_names(folder, scope)
    short = _read_level2(folder, scope)
    families = read_families(folder, scope)
    aliases, written = read_aliases(folder, scope, warn)
    level_ii = {code: " ".join(hcpcs[code].split()) for code in scope.work if is_level_ii(code) and code in hcpcs}
    shown = {**{code: (text, f"CMS's text of {code}") for code, text in level_ii.items()}, **short, **own}
    check_displayed(scope, shown)
    per_code: dict[str, list[str]] = {}
    for alias in sorted(aliases, key=str.lower):
        for code in aliases[alias]:
            per_code.setdefault(code, []).append(alias)
    sources = {file: _sha(folder / file) for file in (*NAME_FILES, LEVEL2_NAMES, FAMILY_FILE, ALIAS_FILE)}
    sources[hcpcs_source.name] = _sha(hcpcs_source)
    about = ("Plain-language names of codes in rvutool's own words (data/names/*.tsv), CMS's public HCPCS "
             "Level II long descriptions, code families and aliases. Built by rvutool.build.")
    header = {"format": FORMAT, "about": about, "sources": sources}

    rows = []
    for code in sorted(set(shown) | set(per_code)):
        source, text = ("rvutool", shown[code][0]) if code in own or code in short else \
            ("hcpcs", level_ii[code]) if code in level_ii else ("", "")
        rows.append([code, source, text, *per_code.get(code, [])])
    counts = {"codes": len(rows), "own": len(own), "level2": len(short),
              "hcpcs": sum(1 for code in level_ii if code not in short)}
    names_txt = _lines({**header, **counts}, rows)

    # CMS's long text of each Level II code we give a short name: lookup shows both.
    long_rows = [[code, level_ii[code]] for code in sorted(short) if code in level_ii]
    level2_txt = _lines({**header, "codes": len(long_rows)}, long_rows)

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
    return {NAMES_FILE: names_txt, FAMILIES_FILE: families_txt, INDEX_FILE: index_txt, LEVEL2_FILE: level2_txt}
