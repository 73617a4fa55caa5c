"""Reading procedure lists other programs write (for `rvutool import FILE.csv`).

Recognised from the header row (names matched without regard to case, spaces, underscores
or a byte-order mark; the delimiter, comma, semicolon or tab, is sniffed from that row):

  RVU Wallet  Date, Encounter ID, Reference ID, Location, Codes, Total Work RVUs, ...; one row is
              one encounter, and "Codes" holds its items ("19301, 38525-51")
  generic     a date column (date, service date, date of service, DOS) and a code column (code,
              CPT, HCPCS, CDT, procedure), optionally modifier(s), units / qty, note and
              encounter. Each row is one encounter unless an encounter column (encounter,
              encounter id, visit) groups rows of the same date, or --group-by-date makes one
              encounter of each date.

Every other column is ignored: never stored, never echoed. A file whose first row names no
date and code column has no header, and is refused without showing any of its cells.
Dates may be YYYY-MM-DD or M/D/YYYY. Only the shape of each code is checked here; whether CMS
knows it is decided when the encounter is priced.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rvutool.errors import ImportFileError, RvuError
from rvutool.pricing.items import Item, parse_item

_ROLES: dict[str, tuple[str, ...]] = {
    "date": ("date", "service date", "date of service", "dos", "servicedate"),
    "code": ("code", "cpt", "hcpcs", "cpt code", "hcpcs code", "cdt", "cdt code", "procedure", "procedure code",
             "cpt/hcpcs", "item"),
    "modifiers": ("modifier", "modifiers", "mod", "mods"),
    "units": ("units", "unit", "qty", "quantity"),
    "note": ("note", "notes"),
    "encounter": ("encounter", "encounter id", "visit", "visit id"),
}
_WALLET = ("date", "encounter id", "reference id", "location", "codes", "total work rvus",
           "total adjusted work rvus")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
DELIMITERS = (",", ";", "\t")


@dataclass
class Record:
    """One encounter read from a file: what `rvutool log` would be given."""

    line: int
    date: date
    items: list[Item]
    note: str | None = None


class RowError(Exception):
    """A bad row; the caller adds the file and line."""


def norm(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").replace("_", " ").strip().lower().split())


def sniff_delimiter(first_line: str) -> str:
    """The delimiter of a header row: whichever of comma, semicolon and tab it holds most of."""
    return max(DELIMITERS, key=lambda d: (first_line.count(d), -DELIMITERS.index(d)))


def parse_day(text: str) -> date:
    value = text.strip()
    try:
        if len(value) == 10 and value[4] == "-":
            return date.fromisoformat(value)
        match = _US_DATE.match(value)
        if match:
            month, day, year = (int(g) for g in match.groups())
            return date(year, month, day)
    except ValueError:
        pass
    raise RowError(f"the date cell ({_shown(text)}) is not a date (use YYYY-MM-DD or M/D/YYYY)")


def _shown(text: str) -> str:
    from rvutool import phi

    return phi.shown(text)


def scrubbed(message: str, text: str) -> str:
    """`message` about a cell holding `text`, with the text (quoted or bare) replaced by what the privacy
    guard lets an error show: a code or an amount stays; a name that slid into the column does not."""
    shown = _shown(text)
    if not text.strip() or shown == repr(text.strip()):
        return message
    for form in sorted({repr(text), repr(text.strip()), repr(text.strip().upper()), text.strip(),
                        text.strip().upper()}, key=len, reverse=True):
        message = message.replace(form, f"({shown})")
    return message


def make_item(token: str, modifiers: list[str] | tuple[str, ...] = (), units: str | None = None) -> Item:
    text = re.sub(r"\s*-\s*", "-", token.strip())  # "38525 - 51" -> "38525-51"
    if not text:
        raise RowError("the code is empty")
    text += "".join(f"-{m}" for m in modifiers)
    if units is not None and units.strip():
        value = units.strip()
        if not (value.isascii() and value.isdigit()):
            raise RowError(f"units ({_shown(units)}) is not a whole number")
        text += f"x{int(value)}"
    try:
        return parse_item(text)
    except RvuError as exc:
        if _shown(text).startswith("'"):  # the guard lets the cells be quoted: say exactly what is wrong
            raise RowError(exc.message) from None
        which = "code and modifier cells" if modifiers else "code cell"
        raise RowError(f"the {which} (not shown: they may hold patient data) are not an item such as 99213 or "
                       "71046-26" if modifiers else f"the {which} ({_shown(token)}) is not an item such as 99213 "
                       "or 71046-26") from None


def split_modifiers(cell: str) -> list[str]:
    return [m for m in re.split(r"[\s,;/-]+", cell.strip()) if m]


@dataclass
class Layout:
    name: str  # "RVU Wallet export" or "CSV with date and code columns"
    index: dict[str, int]  # role -> column
    header: list[str]
    group_by_date: bool = False
    used: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def cell(self, cells: list[str], role: str) -> str | None:
        col = self.index.get(role)
        if col is None:
            return None
        return cells[col] if col < len(cells) else ""

    def records(self, rows: Iterator[tuple[int, list[str]]], on_error: Callable[[int, str], None]) -> Iterator[Record]:
        """The file's encounters, in file order; bad rows go to on_error (which may raise)."""
        groups: dict[tuple[date, str], Record] = {}
        grouped = self.group_by_date or "encounter" in self.index
        for line, cells in rows:
            try:
                if len(cells) <= max(self.index.values()):
                    raise RowError(f"has {len(cells)} of {len(self.header)} columns; the file may be truncated")
                day = parse_day(self.cell(cells, "date") or "")
                note = (self.cell(cells, "note") or "").strip() or None
                if self.name == WALLET_NAME:
                    tokens = [t for t in re.split(r"[,;]", self.cell(cells, "codes") or "") if t.strip()]
                    if not tokens:
                        raise RowError("the Codes cell is empty")
                    yield Record(line, day, [make_item(t) for t in tokens])
                    continue
                item = make_item(self.cell(cells, "code") or "", split_modifiers(self.cell(cells, "modifiers") or ""),
                                 self.cell(cells, "units"))
            except RowError as exc:
                on_error(line, str(exc))
                continue
            if not grouped:
                yield Record(line, day, [item], note)
                continue
            label = "" if self.group_by_date else (self.cell(cells, "encounter") or "").strip()
            if not label and not self.group_by_date:
                yield Record(line, day, [item], note)  # no encounter given: a visit of its own
                continue
            found = groups.get((day, label))
            if found is None:
                groups[(day, label)] = Record(line, day, [item], note)
            else:
                found.items.append(item)
        yield from groups.values()


WALLET_NAME = "RVU Wallet export"
GENERIC_NAME = "CSV with date and code columns"


def detect(header: list[str], path: Path, *, group_by_date: bool = False) -> Layout:
    names = [norm(h) for h in header]
    if all(col in names for col in ("date", "encounter id", "codes")) and sum(col in names for col in _WALLET) >= 5:
        index = {"date": names.index("date"), "codes": names.index("codes")}
        return _with_columns(Layout(WALLET_NAME, index, header), names)
    index = {}
    for role, aliases in _ROLES.items():
        found = next((names.index(a) for a in aliases if a in names), None)
        if found is not None:
            index[role] = found
    if "date" not in index and "code" not in index:
        raise ImportFileError(f"{path} line 1 is not a header row rvutool knows (it names no date or code column); "
                              "the first row must name the columns, such as date,code,modifiers,units. "
                              "Nothing was imported")
    missing = [what for role, what in (("date", "a date column (date, service date or DOS)"),
                                       ("code", "a code column (code, CPT or HCPCS)")) if role not in index]
    if missing:
        raise ImportFileError(f"{path} line 1: rvutool needs {' and '.join(missing)}; nothing was imported")
    return _with_columns(Layout(GENERIC_NAME, index, header, group_by_date=group_by_date), names)


def _with_columns(layout: Layout, names: list[str]) -> Layout:
    used = set(layout.index.values())
    layout.used = [layout.header[i].strip().lstrip("\ufeff") for i in sorted(used)]
    layout.ignored = [h.strip().lstrip("\ufeff") or f"column {i + 1}" for i, h in enumerate(layout.header)
                      if i not in used]
    return layout

