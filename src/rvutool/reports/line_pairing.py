"""Pairing a log's entries with an employer report's lines, one to one (for `rvutool reconcile`).

The lines are positions in the report's arrays (employer.Report): a line is looked at through its ids (day,
code, modifiers, units), and no object is made for one; so a report of millions of lines meets a log of
thousands, or of a hundred thousand, in bounded memory. Each pass hands every entry still unpaired, in date
order, the earliest line (by date, then file line) still free under its key:

  1. same date, code, credit-changing modifiers and units;
  2. same date and code;
  3. same code within DATE_SLACK days, the nearest first, the earlier of two as near ("shifted");
  4. same date and code family, another code ("recoded": E/M levels, office visits new or established, or
     one family of rvutool's names data).

Informational modifiers (51, 59, XS, RT, LT, 76, 79...) never prevent a pairing. Lines credited to other
providers pair (passes 1 and 2 only) with the entries the physician's own lines left unpaired.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rvutool.log.entries import Entry
    from rvutool.reports.employer import Report

DATE_SLACK = 3
# Office or outpatient visits, new (99202-99205) or established (99211-99215): one family for recoding.
_OFFICE_VISITS = ("99202", "99215")


def credit_modifiers(modifiers: Iterable[str]) -> tuple[str, ...]:
    """The modifiers that can change a line's credit (26, TC, 53, 50, 52, 54-56, 62, 66, 78, 80-82, AS),
    sorted; informational ones (and RT/LT, 51, 59, X{EPSU}, 76, 77, 79, unknown ones) are left out."""
    from rvutool.pricing import modifiers as known

    out = []
    for mod in modifiers:
        found = known.get(mod)
        if found is not None and found.kind != "info" and found.code not in {"RT", "LT"}:
            out.append(found.code)
    return tuple(sorted(set(out)))


_FAMILIES: dict[str, str | None] = {}


def family_key(code: str) -> str | None:
    """The family a code is recoded within: office or outpatient visits as one, else its family in rvutool's
    names data (data/names/families.tsv: E/M levels such as 99221-99223, or a range of procedures)."""
    if code not in _FAMILIES:
        from rvutool.names.table import family

        if code.isdigit() and _OFFICE_VISITS[0] <= code <= _OFFICE_VISITS[1]:
            _FAMILIES[code] = "office or outpatient visits"
        else:
            found = family(code)
            _FAMILIES[code] = None if found is None else f"{found[0]}-{found[1]}"
    return _FAMILIES[code]


@dataclass
class Pairing:
    pairs: list[tuple[Entry, int, str]] = field(default_factory=list)  # (entry, position, "same" | "shifted" |
    # "recoded")
    unpaired: list[Entry] = field(default_factory=list)
    left: array = field(default_factory=lambda: array("I"))  # positions paired with nothing, in the order given


class _Buckets:
    """Positions by key, each bucket handed out from its front, skipping positions already taken."""

    def __init__(self, taken: bytearray) -> None:
        self.taken = taken
        self.buckets: dict[Any, list[Any]] = {}

    def add(self, key: Any, position: int) -> None:
        found = self.buckets.get(key)
        if found is None:
            found = self.buckets[key] = [array("I"), 0]
        found[0].append(position)

    def take(self, key: Any) -> int | None:
        found = self.buckets.get(key)
        if found is None:
            return None
        items, at = found
        taken = self.taken
        while at < len(items) and taken[items[at]]:
            at += 1
        if at == len(items):
            found[1] = at
            return None
        taken[items[at]] = 1
        found[1] = at + 1
        return items[at]


class _Ids:
    """An entry's key in the report's terms (its code's id in the report), and each line's."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.code_ids = {code: i for i, code in enumerate(report.codes)}
        self.credit = [credit_modifiers(mods) for mods in report.modifier_sets]
        self.family = [family_key(code) for code in report.codes]

    def exact(self, i: int) -> tuple[int, int, tuple[str, ...], int]:
        r = self.report
        return r.day(i), r.code_id(i), self.credit[r.mods_id(i)], r.units(i)

    def entry_exact(self, e: Entry) -> tuple[int, int, tuple[str, ...], int] | None:
        code = self.code_ids.get(e.code)
        return None if code is None else (e.date.toordinal(), code, credit_modifiers(e.modifier_list), e.units)


def pair(entries: list[Entry], report: Report, positions: array) -> Pairing:
    """The four passes over the lines at `positions` (see the module's docstring)."""
    out = Pairing()
    entries = sorted(entries, key=lambda e: (e.service_date, e.id))
    if not entries:
        out.left = positions
        return out
    ids = _Ids(report)
    taken = bytearray(len(report))
    candidates = _candidates(entries, report, positions, ids)
    day, code_id = report.day, report.code_id

    exact = _Buckets(taken)
    for i in candidates:
        exact.add(ids.exact(i), i)
    left = []
    for entry in entries:
        key = ids.entry_exact(entry)
        found = None if key is None else exact.take(key)
        if found is None:
            left.append(entry)
        else:
            out.pairs.append((entry, found, "same"))

    by_code = _Buckets(taken)
    for i in candidates:
        if not taken[i]:
            by_code.add((day(i), code_id(i)), i)
    still = []
    for entry in left:
        code = ids.code_ids.get(entry.code)
        found = None if code is None else by_code.take((entry.date.toordinal(), code))
        if found is None:
            still.append(entry)
        else:
            out.pairs.append((entry, found, "same"))
    left, still = still, []
    for entry in left:  # the nearest day first, the earlier of two as near
        code = ids.code_ids.get(entry.code)
        found = None
        if code is not None:
            ordinal = entry.date.toordinal()
            for shift in (0, *(d for k in range(1, DATE_SLACK + 1) for d in (-k, k))):
                found = by_code.take((ordinal + shift, code))
                if found is not None:
                    break
        if found is None:
            still.append(entry)
        else:
            out.pairs.append((entry, found, "shifted"))

    by_family = _Buckets(taken)
    for i in candidates:
        if not taken[i] and ids.family[code_id(i)] is not None:
            by_family.add((day(i), ids.family[code_id(i)]), i)
    for entry in still:
        family = family_key(entry.code)
        found = None if family is None else by_family.take((entry.date.toordinal(), family))
        if found is None:
            out.unpaired.append(entry)
        else:
            out.pairs.append((entry, found, "recoded"))
    out.left = array("I", (i for i in positions if not taken[i]))
    return out


def _candidates(entries: list[Entry], report: Report, positions: array, ids: _Ids) -> array:
    """The lines that could pair with an entry: an entry's code within DATE_SLACK days of it, or its family on
    its day. The others are never put in a bucket."""
    near: set[tuple[int, int]] = set()
    families: set[tuple[int, str]] = set()
    for entry in entries:
        ordinal = entry.date.toordinal()
        code = ids.code_ids.get(entry.code)
        if code is not None:
            near.update((ordinal + shift, code) for shift in range(-DATE_SLACK, DATE_SLACK + 1))
        family = family_key(entry.code)
        if family is not None:
            families.add((ordinal, family))
    day, code_id, family_of = report.day, report.code_id, ids.family
    found = array("I")
    for i in positions:
        d, c = day(i), code_id(i)
        if (d, c) in near or (family_of[c] is not None and (d, family_of[c]) in families):
            found.append(i)
    return found


def pair_with_others(unpaired: list[Entry], report: Report, theirs: array) -> tuple[list[tuple[Entry, int]], array]:
    """Entries the physician's lines left unpaired, against other providers' lines: same date, code,
    modifiers and units, then same date and code. (pairs, their lines paired with nothing)."""
    if not unpaired or not theirs:
        return [], theirs
    ids = _Ids(report)
    taken = bytearray(len(report))
    wanted = {(e.date.toordinal(), ids.code_ids.get(e.code)) for e in unpaired}
    near = array("I", (i for i in theirs if (report.day(i), report.code_id(i)) in wanted))
    exact, by_code = _Buckets(taken), _Buckets(taken)
    for i in near:
        exact.add(ids.exact(i), i)
        by_code.add((report.day(i), report.code_id(i)), i)
    pairs: list[tuple[Entry, int]] = []
    left = []
    for entry in unpaired:
        key = ids.entry_exact(entry)
        found = None if key is None else exact.take(key)
        if found is None:
            left.append(entry)
        else:
            pairs.append((entry, found))
    for entry in left:
        code = ids.code_ids.get(entry.code)
        found = None if code is None else by_code.take((entry.date.toordinal(), code))
        if found is not None:
            pairs.append((entry, found))
    return pairs, array("I", (i for i in theirs if not taken[i]))
