"""The entry model: one logged line with the pricing snapshot it was saved with.

An entry keeps what it was credited when it was saved (the CMS release in force on its date
of service, the work RVU, base and credited wRVU, flags and adjustments, the policy and
setting), so later data or settings never rewrite past work; `recalc` re-prices on request.
Amounts are integer hundredths of a wRVU (1.30 -> 130).

A service key says what a line *is*, whatever file or layout it came from: its date, code,
modifiers, units and setting, and the encounter it belongs to (the other items billed with
it). Imports count keys to recognise a service the log already holds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rvutool import dates
from rvutool.money import from_hundredths, hundredths
from rvutool.names.table import short_name

if TYPE_CHECKING:
    from rvutool.pricing.items import Item
    from rvutool.pricing.policy import Policy
    from rvutool.pricing.rules import Options, PricedEncounter


def now_utc() -> str:
    return dates.now().isoformat(timespec="seconds")


def release_year(release_id: str) -> int:
    """The calendar year of a CMS release id as an entry stores it (RVU26C -> 2026), known here or not."""
    return 2000 + int(release_id[3:5])


def plural(n: int, one: str = "entry", many: str = "entries") -> str:
    return one if n == 1 else many


@dataclass
class Entry:
    id: int
    encounter_id: int
    service_date: str
    code: str
    modifiers: str
    units: int
    release: str
    category: str
    work_rvu_c: int
    base_wrvu_c: int
    credited_wrvu_c: int
    no_wrvu_reason: str | None
    flags: str
    adjustments: str
    policy: str
    setting: str
    options: str
    note: str | None
    case_label: str | None
    voided: int
    source: str
    service_key: str
    created_at: str
    updated_at: str

    @property
    def modifier_list(self) -> list[str]:
        return [m for m in self.modifiers.split("-") if m]

    @property
    def item_text(self) -> str:
        return self.code + "".join(f"-{m}" for m in self.modifier_list)

    @property
    def label(self) -> str:
        """'49505-50' or '97110x4': the item as typed."""
        return self.item_text + (f"x{self.units}" if self.units != 1 else "")

    @property
    def date(self) -> date:
        return date.fromisoformat(self.service_date)

    @property
    def base_wrvu(self) -> Decimal:
        return from_hundredths(self.base_wrvu_c)

    @property
    def credited_wrvu(self) -> Decimal:
        return from_hundredths(self.credited_wrvu_c)

    @property
    def work_rvu(self) -> Decimal:
        return from_hundredths(self.work_rvu_c)

    @property
    def flag_list(self) -> list[str]:
        return list(json.loads(self.flags or "[]"))

    @property
    def adjustment_list(self) -> list[dict[str, Any]]:
        return list(json.loads(self.adjustments or "[]"))

    @property
    def option_dict(self) -> dict[str, Any]:
        return dict(json.loads(self.options or "{}"))

    def as_item(self) -> Item:
        from rvutool.pricing.items import Item

        return Item(self.code, tuple(self.modifier_list), self.units)

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in COLUMNS}

    def to_dict(self) -> dict[str, Any]:
        """The shape of `list --json` and of each line of `log --json`."""
        return {
            "id": self.id,
            "encounter": self.encounter_id,
            "date": self.service_date,
            "code": self.code,
            "name": short_name(self.code),
            "modifiers": self.modifier_list,
            "units": self.units,
            "release": self.release,
            "work_rvu": self.work_rvu,
            "base_wrvu": self.base_wrvu,
            "credited_wrvu": self.credited_wrvu,
            "no_wrvu_reason": self.no_wrvu_reason,
            "flags": self.flag_list,
            "adjustments": self.adjustment_list,
            "setting": self.setting,
            "note": self.note,
            "case": self.case_label,
            "removed": bool(self.voided),
        }


# Every stored field, in order; `id` is assigned by the store.
COLUMNS = tuple(f.name for f in fields(Entry))
MUTABLE = COLUMNS[1:]
# The fields a re-pricing replaces.
PRICE_FIELDS = ("service_date", "code", "modifiers", "units", "release", "category", "work_rvu_c",
                "base_wrvu_c", "credited_wrvu_c", "no_wrvu_reason", "flags", "adjustments", "policy",
                "setting", "options")


def item_label(values: Entry | dict[str, Any]) -> str:
    if isinstance(values, Entry):
        return values.label
    mods = "".join(f"-{m}" for m in values["modifiers"].split("-") if m)
    return values["code"] + mods + (f"x{values['units']}" if values["units"] != 1 else "")


def options_dict(options: Options) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if options.fraction is not None:
        out["fraction"] = str(options.fraction)
    if options.postop_days is not None:
        out["postop_days"] = options.postop_days
    return out


def snapshot(encounter: PricedEncounter, *, note: str | None = None, case_label: str | None = None,
             source: str = "cli") -> list[dict[str, Any]]:
    """Stored values (all but id, encounter_id, service_key and timestamps) for each priced line."""
    out = []
    policy = json.dumps(encounter.policy.to_dict(), sort_keys=True)
    opts = json.dumps(options_dict(encounter.options), sort_keys=True)
    for line in encounter.lines:
        adjustments = []
        for adj in line.adjustments:
            record = adj.to_dict()
            record["factor"] = str(adj.factor)
            adjustments.append(record)
        out.append({
            "service_date": encounter.date.isoformat(),
            "code": line.item.code,
            "modifiers": "-".join(line.item.modifiers),
            "units": line.item.units,
            "release": line.row.release.id,
            "category": line.row.category,
            "work_rvu_c": hundredths(line.row.work_rvu),
            "base_wrvu_c": hundredths(line.base_wrvu),
            "credited_wrvu_c": hundredths(line.credited_wrvu),
            "no_wrvu_reason": line.no_work_reason,
            "flags": json.dumps(list(line.flags)),
            "adjustments": json.dumps(adjustments),
            "policy": policy,
            "setting": encounter.options.setting,
            "options": opts,
            "note": note,
            "case_label": case_label,
            "voided": 0,
            "source": source,
        })
    return out


def policy_of(entry: Entry) -> Policy:
    from rvutool.pricing.policy import Policy

    return Policy.from_json(entry.policy)


def options_of(entry: Entry) -> Options:
    from rvutool.pricing.rules import Options

    stored = entry.option_dict
    fraction = Decimal(stored["fraction"]) if stored.get("fraction") is not None else None
    return Options(setting=entry.setting, fraction=fraction, postop_days=stored.get("postop_days"))


def by_encounter(entries: Iterable[Entry]) -> Iterator[list[Entry]]:
    """Consecutive entries of one encounter (a store gives them by date, encounter and id)."""
    group: list[Entry] = []
    for entry in entries:
        if group and (entry.encounter_id != group[0].encounter_id or entry.service_date != group[0].service_date):
            yield group
            group = []
        group.append(entry)
    if group:
        yield group


# ---------------------------------------------------------------- service keys
def _item_key(code: str, modifiers: str, units: int) -> str:
    mods = "-".join(sorted(m for m in modifiers.split("-") if m))
    return f"{code}-{mods}x{units}"


def service_keys(lines: list[dict[str, Any]] | list[Entry]) -> list[str]:
    """The service key of each line of one encounter (live lines, in any order)."""
    def get(line: Any, name: str) -> Any:
        return line[name] if isinstance(line, dict) else getattr(line, name)

    items = [_item_key(get(ln, "code"), get(ln, "modifiers"), int(get(ln, "units"))) for ln in lines]
    together = "+".join(sorted(items))
    out = []
    for line, item in zip(lines, items, strict=True):
        meaning = f"{get(line, 'service_date')}|{item}|{get(line, 'setting')}|{together}"
        out.append(hashlib.blake2b(meaning.encode("utf-8"), digest_size=10).hexdigest())
    return out


# ---------------------------------------------------------------- entries that cannot be read
_SHAPES: dict[tuple[str, str], bool] = {}


def _json_of(text: str, name: str, kind: type) -> bool:
    """Whether a stored JSON cell has the shape everything that reads it expects (remembered: cells repeat)."""
    found = _SHAPES.get((name, text))
    if found is None:
        try:
            value = json.loads(text)
            found = isinstance(value, kind)
            if found and name == "flags":
                found = all(isinstance(f, str) for f in value)
            elif found and name == "adjustments":
                found = all(isinstance(a, dict) and isinstance(a.get("rule", ""), str)
                            and isinstance(a.get("reason", ""), str) and Decimal(str(a.get("factor", 1))).is_finite()
                            for a in value)
        except (ValueError, TypeError, ArithmeticError):
            found = False
        if len(_SHAPES) < 10_000:
            _SHAPES[(name, text)] = found
    return found


def unreadable(entry: Entry) -> str | None:
    """Why a stored entry cannot be listed or exported (a value no rvutool writes: a row changed by hand, or
    written before the log checked its values), or None when it reads."""
    try:
        if date.fromisoformat(entry.service_date).isoformat() != entry.service_date:
            return "its date of service"
    except (TypeError, ValueError):
        return "its date of service"
    for name, kind in (("flags", list), ("adjustments", list), ("policy", dict), ("options", dict)):
        if not isinstance(getattr(entry, name), str) or not _json_of(getattr(entry, name), name, kind):
            return f"its {name}"
    numbers = (entry.units, entry.work_rvu_c, entry.base_wrvu_c, entry.credited_wrvu_c, entry.voided)
    if not all(isinstance(n, int) for n in numbers) or not 1 <= entry.units <= 999 or \
            not all(0 <= n <= 100_000_000 for n in numbers[1:4]):
        return "its units or amounts"
    if not all(isinstance(t, str) for t in (entry.code, entry.modifiers, entry.setting, entry.release)):
        return "its code"
    return None


class Readable:
    """The entries a store streams, less those that cannot be read (`unreadable`): `list` and `export` show and
    write every other entry, and say how many they skipped (`rvutool doctor` names them)."""

    SHOWN = 10

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._entries = entries
        self.written = 0  # set by whoever writes them out (an export)
        self.skipped = 0
        self.first: list[tuple[int, str]] = []  # (id, why) of the first SHOWN skipped

    def __iter__(self) -> Iterator[Entry]:
        for entry in self._entries:
            why = unreadable(entry)
            if why is None:
                yield entry
                continue
            self.skipped += 1
            if len(self.first) < self.SHOWN:
                self.first.append((entry.id, why))

    def described(self) -> str:
        """'2 entries that cannot be read, holding values no rvutool writes (#5: its flags, #9: its date of service)'"""
        shown = ", ".join(f"#{i}: {why}" for i, why in self.first) + (", ..." if self.skipped > len(self.first) else "")
        return f"{self.skipped} {plural(self.skipped)} that cannot be read, holding values no rvutool writes ({shown})"
