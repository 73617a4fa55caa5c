"""The bundled names on disk, read without reading all of them (the start-up path of `lookup`).

`python -m rvutool.build` writes three UTF-8 files beside data/codes.json, each a JSON header line
and then tab-separated lines sorted by their first field:

    names.txt        CODE  SOURCE  NAME  [ALIAS ...]      SOURCE: rvutool, hcpcs, or empty (aliases only)
    families.txt     KEY   FIRST   LAST  NAME  SPECIALTIES  NOTE  STEM|STEM
    name_index.txt   STEM  CODE CODE ...                   (search: words.py stems of names and aliases)
                     =ALIAS  TARGET TARGET ...  COMPACT  STEM|STEM  (search: each alias, its codes and
                                                           ranges as written, and its words as search compares them)
    level2.txt       CODE  CMS_LONG_TEXT                   (Level II codes whose names.txt name is our short
                                                           one: CMS's public long description, for lookup)
    about.txt        KEY   FIRST  LAST  JSON               ("about this code" of a family's range: what,
                                                           context, documentation, denials, faq)

A family's KEY is its first code behind the code's shape (shape_key), so that 2101F is never taken for a
code between 21010 and 21499. A lookup maps a file (mmap) and bisects its lines by byte offset, as
datafile.py does for codes.json. No dataclasses here (they cost start-up time): names.py wraps these
tuples in the public dataclasses.
"""

from __future__ import annotations

import json
import mmap
from functools import cache
from pathlib import Path
from typing import Any

from rvutool import paths
from rvutool.errors import DatasetError

FORMAT = "rvutool-names/1"
NAMES_FILE, FAMILIES_FILE, INDEX_FILE = "names.txt", "families.txt", "name_index.txt"
LEVEL2_FILE, ABOUT_FILE = "level2.txt", "about.txt"
ABOUT_FORMAT = "rvutool-about/1"
_SCAN = 1024  # below this many bytes the bisection reads lines one by one


def shape(code: str) -> str:
    """Digits as 9, letters as themselves: 27447 -> 99999, 2101F -> 9999F, D0120 -> D9999."""
    return "".join("9" if c.isdigit() else c for c in code)


def shape_key(code: str) -> str:
    return f"{shape(code)}|{code}"


class SortedLines:
    """One names file: its header, and its lines found by key."""

    def __init__(self, path: Path, fmt: str = FORMAT) -> None:
        self.path = path
        try:
            with open(path, "rb") as fh:
                self._map: Any = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as exc:
            raise DatasetError(f"cannot read the bundled names {path}: {getattr(exc, 'strerror', None) or exc}; "
                               "reinstall rvutool or run python -m rvutool.build") from None
        mm = self._map
        first = mm.find(b"\n")
        try:
            self.header: dict[str, Any] = json.loads(mm[:first]) if first > 0 else {}
        except ValueError:
            self.header = {}
        if self.header.get("format") != fmt:
            raise DatasetError(f"the bundled names {path} are damaged or not rvutool's ({fmt})")
        self._start, self._end = first + 1, len(mm)

    def _key_at(self, start: int) -> bytes:
        mm = self._map
        stop = mm.find(b"\t", start, min(self._end, start + 200))
        if stop < 0:
            raise DatasetError(f"the bundled names {self.path} are damaged at byte {start}")
        return mm[start:stop]

    def _next(self, start: int) -> int:
        """Where the line after the one starting at `start` starts (the end of the file when none)."""
        at = self._map.find(b"\n", start, self._end)
        return self._end if at < 0 else at + 1

    def _floor_start(self, key: bytes) -> int:
        """Where the last line whose key is at most `key` starts, or -1."""
        lo, hi = self._start, self._end  # the answer, if any, starts in [lo, hi)
        if lo >= hi or self._key_at(lo) > key:
            return -1
        while hi - lo > _SCAN:  # lo always starts a line whose key is at most `key`
            mid = (lo + hi) // 2
            start = self._next(mid)
            if start >= hi:
                break
            if self._key_at(start) <= key:
                lo = start
            else:
                hi = start
        best = lo
        start = self._next(lo)
        while start < hi and self._key_at(start) <= key:
            best, start = start, self._next(start)
        return best

    def _fields(self, start: int) -> list[str]:
        end = self._map.find(b"\n", start, self._end)
        return self._map[start:self._end if end < 0 else end].decode("utf-8").split("\t")

    def get(self, key: str) -> list[str] | None:
        """The fields of the line whose key is `key`."""
        start = self._floor_start(key.encode("utf-8"))
        if start < 0:
            return None
        fields = self._fields(start)
        return fields if fields[0] == key else None

    def floor(self, key: str) -> list[str] | None:
        """The fields of the last line whose key is at most `key`."""
        start = self._floor_start(key.encode("utf-8"))
        return None if start < 0 else self._fields(start)

    def body(self) -> bytes:
        """Every line after the header (search reads them all)."""
        return self._map[self._start:self._end]


@cache
def table(name: str) -> SortedLines:
    return SortedLines(paths.bundled_file(name), ABOUT_FORMAT if name == ABOUT_FILE else FORMAT)


def entry(code: str) -> tuple[str, str, tuple[str, ...]] | None:
    """(source, name, aliases) of a code: source is "rvutool" or "hcpcs", or "" when only aliases are kept."""
    fields = table(NAMES_FILE).get(code.upper())
    if fields is None or len(fields) < 3:
        return None
    return fields[1], fields[2], tuple(fields[3:])


def family(code: str) -> tuple[str, str, str, str, str] | None:
    """(first, last, name, specialties, note) of the family whose range holds the code."""
    code = code.upper()
    fields = table(FAMILIES_FILE).floor(shape_key(code))
    if fields is None or len(fields) < 6:
        return None
    _, first, last, name, specialties, note = fields[:6]
    if shape(first) != shape(code) or not first <= code <= last:
        return None
    return first, last, name, specialties, note


_SHORT: dict[str, str | None] = {}


def short_name(code: str) -> str | None:
    """The name shown beside a code in tables (list, summary, export): its own, CMS's, or its family's.
    Kept once per code: a month of a busy log repeats a few hundred codes."""
    if code not in _SHORT:
        found = entry(code)
        if found is not None and found[1]:
            _SHORT[code] = found[1]
        else:
            fam = family(code)
            _SHORT[code] = fam[2] if fam is not None else None
    return _SHORT[code]


def described(code: str) -> dict[str, Any]:
    """The name fields of `lookup --json`: name, name_source, aliases, family."""
    found = entry(code)
    source, text, aliases = found if found is not None else ("", "", ())
    fam = family(code)
    if not text and fam is not None:
        source, text = "family", fam[2]
    return {
        "name": text or None,
        "name_source": source or None,
        "aliases": list(aliases),
        "family": None if fam is None else {"name": fam[2], "specialties": fam[3] or None, "note": fam[4] or None},
    }


def cms_text(code: str) -> str | None:
    """CMS's public long description of a HCPCS Level II code (shown by lookup only; everywhere else the code
    goes by short_name): kept beside our short name when we give one, else it is the code's name."""
    code = code.upper()
    fields = table(LEVEL2_FILE).get(code)
    if fields is not None and len(fields) > 1:
        return fields[1]
    found = entry(code)
    return found[1] if found is not None and found[0] == "hcpcs" else None


def about(code: str) -> dict[str, Any] | None:
    """"About this code" for the family range holding the code, or None: {"first", "last", "what", "context",
    "documentation": [...], "denials": [...], "faq": [{"q", "a"}, ...]}. One line of data/about.txt is read."""
    code = code.upper()
    fields = table(ABOUT_FILE).floor(shape_key(code))
    if fields is None or len(fields) < 4:
        return None
    _, first, last, body = fields[:4]
    if shape(first) != shape(code) or not first <= code <= last:
        return None
    try:
        found = json.loads(body)
    except ValueError:
        raise DatasetError(f"the bundled about file {table(ABOUT_FILE).path} is damaged near {first}") from None
    return {"first": first, "last": last, **found}
