"""Changes to the log that keep encounters whole.

An encounter is the lines of one `rvutool log` call (one patient, one session): they share a
date and setting and are priced together, because the same-encounter rules (multiple
procedures, bilateral pairs, endoscopy families ...) depend on every line. So every change
re-prices each encounter it touches, and reports not only the lines asked for but every other
line whose credit changed, and the net change. Nothing here speaks SQL: it works through the
store's transaction (store.py).
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from rvutool.errors import RvuError, UsageError
from rvutool.log.entries import (
    PRICE_FIELDS,
    Entry,
    by_encounter,
    item_label,
    now_utc,
    options_of,
    plural,
    policy_of,
    service_keys,
    snapshot,
)
from rvutool.log.store import id_ranges
from rvutool.money import from_hundredths

if TYPE_CHECKING:
    from rvutool.catalog.codes import Catalog
    from rvutool.log.favourites import Favourite
    from rvutool.log.store import LogStore, LogTransaction
    from rvutool.pricing.items import Item
    from rvutool.pricing.policy import Policy
    from rvutool.pricing.rules import PricedEncounter


@dataclass
class Change:
    """What a change did: the entries asked for (as they are now), every other entry whose credit
    changed because its encounter was priced again (before, after), and the net change in wRVU."""

    kind: str
    entries: list[Entry]
    others: list[tuple[Entry, Entry]] = field(default_factory=list)
    net_c: int = 0
    summary: str = ""
    others_more: int = 0  # other re-priced entries not listed in `others`

    @property
    def net(self) -> Any:
        return from_hundredths(self.net_c)


# ---------------------------------------------------------------- pricing an encounter again
def reprice(lines: list[Entry], items: list[Item], on: date, catalog: Catalog | None,
            policy: Policy | None = None) -> list[dict[str, Any]]:
    """New pricing fields (and service keys) for lines priced together as one encounter."""
    from rvutool.pricing.rules import price_encounter

    if not lines:
        return []
    first = lines[0]
    priced = price_encounter(items, on, catalog=catalog, policy=policy or policy_of(first),
                             options=options_of(first))
    fresh = [{k: v[k] for k in PRICE_FIELDS} for v in snapshot(priced)]
    for values, key in zip(fresh, service_keys(fresh), strict=True):
        values["service_key"] = key
    return fresh


class _Edit:
    """The entries one change touches: their values before, and the new values to write."""

    def __init__(self, tx: LogTransaction, catalog: Catalog | None) -> None:
        self.tx, self.catalog = tx, catalog
        self.before: dict[int, Entry] = {}
        self.updates: dict[int, dict[str, Any]] = {}

    def set(self, entry: Entry, values: dict[str, Any]) -> None:
        self.before.setdefault(entry.id, entry)
        self.updates.setdefault(entry.id, {}).update(values)

    def price(self, lines: list[Entry], items: list[Item], on: date) -> None:
        for line, values in zip(lines, reprice(lines, items, on, self.catalog), strict=True):
            self.set(line, values)

    def reprice_encounter(self, encounter_id: int, on: date | None = None,
                          replace: dict[int, Item] | None = None) -> None:
        """Price the live lines of an encounter again (optionally on another date, with some items replaced)."""
        lines = [self.before.get(e.id, e) for e in self.tx.encounter(encounter_id)]
        lines = [e for e in lines if not self.updates.get(e.id, {}).get("voided")]
        if not lines:
            return
        items = [(replace or {}).get(e.id) or e.as_item() for e in lines]
        self.price(lines, items, on or lines[0].date)

    def write(self, kind: str, describe: Callable[[list[Entry]], str], asked: list[int],
              unchanged: str = "those are already the entry's values") -> Change:
        stamp = now_utc()
        journal: list[tuple[int, Entry | None]] = []
        writes: list[tuple[int, dict[str, Any]]] = []
        for entry_id, values in self.updates.items():
            old = self.before[entry_id]
            if all(getattr(old, k) == v for k, v in values.items()):
                continue
            writes.append((entry_id, dict(values, updated_at=stamp)))
            journal.append((entry_id, old))
        if not journal:
            raise RvuError(f"{unchanged}; nothing was changed")
        self.tx.update_many(writes)
        after = {entry_id: self.tx.entry(entry_id) for entry_id, _ in journal}
        entries = [after.get(i) or self.tx.entry(i) for i in asked]
        change = Change(kind, entries)
        for entry_id, old in journal:
            new = after[entry_id]
            change.net_c += _live_credit(new) - _live_credit(old)  # type: ignore[arg-type]
            if entry_id not in asked and new.credited_wrvu_c != old.credited_wrvu_c:  # type: ignore[union-attr]
                change.others.append((old, new))  # type: ignore[arg-type]
        change.summary = describe(entries)
        self.tx.journal(kind, change.summary, journal)
        return change


def _live_credit(entry: Entry) -> int:
    return 0 if entry.voided else entry.credited_wrvu_c


# ---------------------------------------------------------------- log
def add_encounter(store: LogStore, encounter: PricedEncounter, *, note: str | None = None,
                  case_label: str | None = None) -> Change:
    rows = snapshot(encounter, note=note, case_label=case_label, source="cli")
    stamp = now_utc()
    with store.transaction() as tx:
        number = tx.new_encounter()
        for values, key in zip(rows, service_keys(rows), strict=True):
            values.update(encounter_id=number, service_key=key, created_at=stamp, updated_at=stamp)
        ids = tx.insert_many(rows)
        labels = ", ".join(f"#{i} {item_label(v)}" for i, v in zip(ids, rows, strict=True))
        summary = f"log of {len(ids)} {plural(len(ids))} on {encounter.date} in encounter {number} ({labels})"
        tx.journal_inserted(tx.journal("log", summary, ()), id_ranges(ids))
        entries = [tx.entry(i) for i in ids]
    return Change("log", entries, net_c=sum(e.credited_wrvu_c for e in entries), summary=summary)


def same_day_duplicates(store: LogStore | None, encounter: PricedEncounter, case_label: str | None) -> list[Entry]:
    """Live entries already logged on the encounter's date with one of its codes and the same case label."""
    if store is None:
        return []
    codes = {line.item.code for line in encounter.lines}
    return [e for e in store.own_entries(encounter.date, encounter.date)
            if e.code in codes and (e.case_label or None) == (case_label or None)]


# ---------------------------------------------------------------- edit
@dataclass(frozen=True)
class EditRequest:
    """What `rvutool edit` asks to change; None leaves a field as it is."""

    on: date | None = None
    units: int | None = None
    modifiers: tuple[str, ...] | None = None
    code: Item | None = None  # a new code; its modifiers replace the old ones when it has any
    note: str | None = None
    case_label: str | None = None
    set_note: bool = False
    set_case: bool = False
    split: bool = False  # a new date moves only this line, to an encounter of its own

    @property
    def reprices(self) -> bool:
        return self.on is not None or self.units is not None or self.modifiers is not None or self.code is not None


def _new_item(entry: Entry, request: EditRequest) -> Item:
    from rvutool.pricing.items import Item

    code = request.code.code if request.code is not None else entry.code
    mods = tuple(entry.modifier_list)
    if request.code is not None and request.code.modifiers:
        mods = request.code.modifiers
    if request.modifiers is not None:
        mods = request.modifiers
    units = request.units if request.units is not None else entry.units
    return Item(code, mods, units)


def encounter_size(store: LogStore, entry_id: int) -> int:
    """How many live lines the entry's encounter has (1 when it stands alone)."""
    entry = store.get(entry_id)
    return sum(1 for _ in store.entries(entry.date, entry.date, encounter=entry.encounter_id))


def edit(store: LogStore, entry_id: int, request: EditRequest, *, catalog: Catalog | None = None) -> Change:
    with store.transaction() as tx:
        entry = tx.entry(entry_id)
        if entry.voided:
            raise RvuError(f"entry #{entry_id} was removed; `rvutool undo` restores it if that was the last change")
        work = _Edit(tx, catalog)
        if request.reprices:
            item = _new_item(entry, request)
            new_date = request.on or entry.date
            if new_date != entry.date and request.split:
                # Only this line moves: it becomes an encounter of its own; the rest is priced without it.
                work.set(entry, {"encounter_id": tx.new_encounter()})
                work.price([entry], [item], new_date)
                rest = [e for e in tx.encounter(entry.encounter_id) if e.id != entry.id]
                if rest:
                    work.price(rest, [e.as_item() for e in rest], entry.date)
            else:
                # The encounter stays whole: a new date moves all of it.
                work.reprice_encounter(entry.encounter_id, new_date, {entry.id: item})
        if request.set_note:
            work.set(entry, {"note": request.note})
        if request.set_case:
            work.set(entry, {"case_label": request.case_label})
        return work.write("edit", lambda after: f"edit of entry #{entry_id} ({entry.label} on {entry.service_date}"
                                                f" -> {after[0].label} on {after[0].service_date})", [entry_id],
                          f"entry #{entry_id} already has those values")


def edit_encounter(store: LogStore, encounter_id: int, request: EditRequest, *,
                   catalog: Catalog | None = None) -> Change:
    """Change a whole encounter: its date (every line moves), note or case label."""
    if request.units is not None or request.modifiers is not None or request.code is not None:
        raise UsageError("--encounter changes the date, note or case of a whole encounter; "
                         "edit one line's code, units or modifiers by its entry id")
    with store.transaction() as tx:
        lines = tx.encounter(encounter_id)
        if not lines:
            raise RvuError(f"no encounter {encounter_id} in the log (`rvutool list` shows encounter numbers)")
        work = _Edit(tx, catalog)
        if request.on is not None:
            work.reprice_encounter(encounter_id, request.on)
        for line in lines:
            if request.set_note:
                work.set(line, {"note": request.note})
            if request.set_case:
                work.set(line, {"case_label": request.case_label})
        return work.write("edit", lambda after: f"edit of encounter {encounter_id} ({len(after)} "
                                                f"{plural(len(after))}, now on {after[0].service_date})",
                          [e.id for e in lines])


# ---------------------------------------------------------------- remove
def remove(store: LogStore, ids: list[int], *, catalog: Catalog | None = None) -> Change:
    with store.transaction() as tx:
        targets = []
        for entry_id in dict.fromkeys(ids):
            entry = tx.entry(entry_id)
            if entry.voided:
                raise RvuError(f"entry #{entry_id} is already removed")
            targets.append(entry)
        return _remove(tx, targets, catalog)


def remove_encounter(store: LogStore, encounter_id: int, *, catalog: Catalog | None = None) -> Change:
    with store.transaction() as tx:
        lines = tx.encounter(encounter_id)
        if not lines:
            raise RvuError(f"no encounter {encounter_id} in the log (`rvutool list` shows encounter numbers)")
        return _remove(tx, lines, catalog)


def _remove(tx: LogTransaction, targets: list[Entry], catalog: Catalog | None) -> Change:
    work = _Edit(tx, catalog)
    for entry in targets:
        work.set(entry, {"voided": 1})
    # The rest of each encounter is priced again without the removed lines.
    for encounter_id in dict.fromkeys(e.encounter_id for e in targets):
        work.reprice_encounter(encounter_id)
    labels = ", ".join(f"#{e.id} {e.label}" for e in targets)
    return work.write("remove", lambda _: f"removal of {len(targets)} {plural(len(targets))} ({labels})",
                      [e.id for e in targets])


# ---------------------------------------------------------------- undo
def undo(store: LogStore) -> Change:
    with store.transaction() as tx:
        done = tx.undo_last()
    return Change("undo", [], others=done.repriced, net_c=done.net_c, others_more=done.repriced_more,
                  summary=f"{done.summary} (made {done.created_at})")


# ---------------------------------------------------------------- recalc
@dataclass
class RecalcPlan:
    """What `recalc` would change: counts, totals and a digest of the entries as saved (no entry is kept,
    so a million-entry year plans in bounded memory; saving prices them again and checks the digest).
    `only`: re-price only the encounters with a line it accepts (such as entries priced by a stand-in
    release); None re-prices every encounter of the period."""

    label: str
    start: date
    end: date
    policy: Policy
    entries: int = 0
    changed: int = 0
    old_total_c: int = 0
    new_total_c: int = 0
    digest: str = ""
    only: Callable[[Entry], bool] | None = None  # the entries to price again, with their encounters (None: all)
    others: int = 0  # other providers' entries (a manager reads them) that would change: only their owners may


_REPRICED = (*PRICE_FIELDS, "service_key")  # what reprice() gives, in its order
_repriced_of = operator.attrgetter(*_REPRICED)
_CREDITED = _REPRICED.index("credited_wrvu_c")


def _recalc_pass(plan: RecalcPlan, entries: Iterable[Entry], catalog: Catalog,
                 changed: Callable[[Entry, dict[str, Any]], None]) -> str:
    """Price every encounter again; count, total, and hand each entry that would change to `changed` (its new
    values: the fields that differ)."""
    import hashlib

    digest = hashlib.blake2b(digest_size=16)
    plan.entries = plan.changed = plan.old_total_c = plan.new_total_c = 0
    # One day's encounters priced, by all that decides their price (the date aside: entries come day by day):
    # the same visit logged many times a day is priced once.
    priced: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    day = ""
    for members in by_encounter(entries):
        if plan.only is not None and not any(plan.only(m) for m in members):
            continue
        first = members[0]
        if first.service_date != day:
            priced.clear()
            day = first.service_date
        shape = (tuple((m.code, m.modifiers, m.units) for m in members), first.setting, first.options)
        fresh = priced.get(shape)
        if fresh is None:
            try:
                lines = reprice(members, [m.as_item() for m in members], first.date, catalog, plan.policy)
            except RvuError as exc:
                raise RvuError(f"entry #{first.id} ({first.service_date}): {exc.message}") from None
            fresh = priced[shape] = [tuple(values[k] for k in _REPRICED) for values in lines]
        for member, values in zip(members, fresh, strict=True):
            plan.entries += 1
            plan.old_total_c += member.credited_wrvu_c
            plan.new_total_c += values[_CREDITED]
            was = _repriced_of(member)
            if was != values:
                plan.changed += 1
                digest.update(repr(member).encode("utf-8"))
                changed(member, {k: v for k, old, v in zip(_REPRICED, was, values, strict=True) if old != v})
    return digest.hexdigest()


def priced_by_stand_in(entry: Entry) -> bool:
    """An entry priced by another year's release (none of its own year was here then)."""
    from rvutool.log.entries import release_year

    return release_year(entry.release) != entry.date.year


def plan_recalc(store: LogStore, start: date, end: date, label: str, policy: Policy,
                catalog: Catalog | None = None, only: Callable[[Entry], bool] | None = None) -> RecalcPlan:
    """Over the user's own entries, the ones apply_recalc saves (on a shared log a manager reads others' too:
    those are only counted); `only` chooses the entries to price again, each with its encounter."""
    from rvutool.catalog.codes import CachedCatalog

    plan = RecalcPlan(label, start, end, policy, only=only)
    catalog = catalog or CachedCatalog()
    plan.digest = _recalc_pass(plan, store.own_entries(start, end), catalog, lambda *_: None)
    for members in by_encounter(store.others_entries(start, end)):
        if only is not None and not any(only(m) for m in members):
            continue
        try:
            fresh = reprice(members, [m.as_item() for m in members], members[0].date, catalog, policy)
        except RvuError:
            continue  # theirs to look at, when they recalc
        plan.others += sum(any(getattr(m, k) != v for k, v in values.items())
                           for m, values in zip(members, fresh, strict=True))
    return plan


RECALC_BATCH = 1000  # entries written (and journaled) at a time


def apply_recalc(store: LogStore, plan: RecalcPlan, catalog: Catalog | None = None) -> Change:
    """Price the period again inside one write transaction and save what changed, batch by batch (each
    entry's changed fields only); if the log changed since the plan was shown, nothing is saved."""
    from rvutool.catalog.codes import CachedCatalog

    stamp = now_utc()
    expected = (plan.entries, plan.changed, plan.old_total_c, plan.new_total_c, plan.digest)
    summary = (f"recalc of {plan.changed} {plural(plan.changed)} in {plan.label} "
               f"({from_hundredths(plan.old_total_c)} -> {from_hundredths(plan.new_total_c)} wRVU)")
    with store.transaction() as tx:
        tx.check_period(plan.start, plan.end)  # what this change reads, before it writes over it
        change_id = tx.journal("recalc", summary, ())
        batch: list[tuple[Entry, dict[str, Any]]] = []

        def flush() -> None:
            tx.update_many((member.id, values) for member, values in batch)
            tx.journal_rows(change_id, ((member.id, member) for member, _ in batch))
            batch.clear()

        def save(member: Entry, values: dict[str, Any]) -> None:
            batch.append((member, dict(values, updated_at=stamp)))
            if len(batch) >= RECALC_BATCH:
                flush()

        digest = _recalc_pass(plan, tx.entries(plan.start, plan.end), catalog or CachedCatalog(), save)
        flush()
        if (plan.entries, plan.changed, plan.old_total_c, plan.new_total_c, digest) != expected:
            raise RvuError("the log changed while recalc was waiting; nothing was changed: run it again")
    return Change("recalc", [], net_c=plan.new_total_c - plan.old_total_c, summary=summary)


# ---------------------------------------------------------------- import
@dataclass
class ImportOutcome:
    source: str
    fmt: str
    added: int = 0
    encounters: int = 0
    duplicates: int = 0
    first_id: int | None = None
    last_id: int | None = None
    net_c: int = 0
    skipped: list[str] = field(default_factory=list)
    columns: dict[str, list[str]] | None = None  # used / ignored columns of another program's file
    favourites_added: list[str] = field(default_factory=list)  # names
    favourites_held: int = 0  # the same favourite (name and items) already in the log
    # a favourite of the same name but other items in the log: (name, the log's items, the file's), the log's kept
    favourites_kept: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def net(self) -> Any:
        return from_hundredths(self.net_c)


def _favourites_to_add(source: LogTransaction | LogStore | None, favourites: Iterable[Favourite],
                       outcome: ImportOutcome) -> list[Favourite]:
    """The file's favourites the log lacks. One the log holds with the same items is counted as held; one it
    holds with other items keeps the log's (a file never replaces what the user made), and says so."""
    from rvutool.log.store import LogStore

    if isinstance(source, LogStore):
        held = {row.name: row for row in source.favourites()}
        find = held.get
    else:
        find = source.favourite if source is not None else (lambda name: None)
    fresh = []
    for favourite in favourites:
        row = find(favourite.name)
        if row is None:
            fresh.append(favourite)
        elif row.items.split() == list(favourite.items):
            outcome.favourites_held += 1
        else:
            outcome.favourites_kept.append((favourite.name, row.items, favourite.text))
    outcome.favourites_added = [f.name for f in fresh]
    return fresh


def apply_import(store: LogStore | None, encounters: Iterable[list[dict[str, Any]]], outcome: ImportOutcome, *,
                 allow_duplicates: bool = False, restore: bool = False, dry_run: bool = False,
                 progress: Callable[[int], None] | None = None, batch: int = 2000,
                 new_log: bool = False, favourites: Iterable[Favourite] = ()) -> ImportOutcome:
    """Add the encounters a reader found, skipping services the log already holds as many times.

    A service is counted by its key (entries.service_keys): the k-th copy of a key in the file is
    skipped when the log holds k or more (removed entries count too, unless `restore`). Rows
    within one file are distinct services. All of it is written in one transaction, or nothing.
    `new_log`: the store started empty, so it holds none of the file's services (nothing to look up).
    `favourites` (read after the encounters: a CSV lists them last) are added where the log has none of
    that name; the import's undo removes them again.
    """
    seen: Counter[str] = Counter()
    held: dict[str, int] = {}
    stamp = now_utc()

    def run(tx: LogTransaction | None) -> None:
        pending: list[list[dict[str, Any]]] = []
        journal_ranges: list[tuple[int, int]] = []

        def flush() -> None:
            fresh = {r["service_key"] for group in pending for r in group} - held.keys()
            if fresh:
                source = tx if tx is not None else store
                found = {} if source is None or new_log else source.held(fresh, include_voided=not restore)
                held.update({k: found.get(k, 0) for k in fresh})
            rows: list[dict[str, Any]] = []
            groups: list[list[dict[str, Any]]] = []
            for group in pending:
                kept = []
                for row in group:
                    seen[row["service_key"]] += 1
                    if not allow_duplicates and seen[row["service_key"]] <= held[row["service_key"]]:
                        outcome.duplicates += 1
                    else:
                        kept.append(row)
                if kept:
                    groups.append(kept)
            numbers = tx.new_encounters(len(groups)) if tx is not None and groups else [0] * len(groups)
            for number, kept in zip(numbers, groups, strict=True):
                if kept:
                    for row in kept:
                        row.update(encounter_id=number, created_at=row.get("created_at") or stamp,
                                   updated_at=row.get("updated_at") or stamp)
                    rows.extend(kept)
                    outcome.encounters += 1
            outcome.added += len(rows)
            outcome.net_c += sum(r["credited_wrvu_c"] for r in rows if not r.get("voided"))
            if tx is not None and rows:
                ids = tx.insert_many(rows)
                id_ranges(ids, journal_ranges)
                outcome.first_id = outcome.first_id or ids[0]
                outcome.last_id = ids[-1]
            pending.clear()
            if progress is not None:
                progress(outcome.added + outcome.duplicates)

        size = 0
        for group in encounters:
            for row, key in zip(group, service_keys(group), strict=True):
                row["service_key"] = key
            pending.append(group)
            size += len(group)
            if size >= batch:
                flush()
                size = 0
        flush()
        fresh = _favourites_to_add(tx if tx is not None else store, favourites, outcome)
        if tx is not None and (outcome.added or fresh):
            what = [f"{outcome.added} {plural(outcome.added)}"] if outcome.added else []
            what += [f"{len(fresh)} favourite{'' if len(fresh) == 1 else 's'}"] if fresh else []
            change_id = tx.journal("import", f"import of {' and '.join(what)} from {outcome.source}", ())
            tx.journal_inserted(change_id, journal_ranges)  # an import's ids are one run, or a few
            for favourite in fresh:
                tx.put_favourite(favourite.name, favourite.text, change_id)

    if dry_run:
        run(None)
    else:
        assert store is not None
        with store.transaction() as tx:
            run(tx)
    return outcome
