"""Plain-language names of codes: rvutool's own words, CMS's public HCPCS Level II text, family names.

    name_of("27447")     -> Name(text="...", source="rvutool")
    name_of("G0438")     -> Name(text="Annual wellness visit; ...", source="hcpcs")
    name_of("0591T")     -> Name(text=<its family's name>, source="family")
    aliases_of("27447")  -> ("TKA", ...)
    family_of("27447")   -> Family(name=..., first=..., last=..., specialties=..., note=...)

Only the lines asked for are read (table.py). No typer, no rich.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rvutool.names import table

SOURCES = ("rvutool", "hcpcs", "family")


@dataclass(frozen=True)
class Family:
    name: str
    first: str
    last: str
    specialties: str | None
    note: str | None


@dataclass(frozen=True)
class Name:
    text: str
    source: str  # "rvutool" | "hcpcs" | "family"


def name_of(code: str) -> Name | None:
    """The code's own name, else its HCPCS Level II description, else its family's name; None if none."""
    found = table.entry(code)
    if found is not None and found[1]:
        return Name(text=found[1], source=found[0])
    family = family_of(code)
    return Name(text=family.name, source="family") if family is not None else None


def names_of(codes: Iterable[str]) -> dict[str, Name]:
    """name_of for many codes; codes with no name are left out."""
    out: dict[str, Name] = {}
    for code in codes:
        if code not in out:
            found = name_of(code)
            if found is not None:
                out[code] = found
    return out


def aliases_of(code: str) -> tuple[str, ...]:
    """What clinicians also call the code ("also known as"), as written in data/names/aliases.tsv."""
    found = table.entry(code)
    return found[2] if found is not None else ()


def family_of(code: str) -> Family | None:
    """The family (a plain name for a code range) holding the code, with who usually bills it and a tip."""
    found = table.family(code)
    if found is None:
        return None
    first, last, name, specialties, note = found
    return Family(name=name, first=first, last=last, specialties=specialties or None, note=note or None)
