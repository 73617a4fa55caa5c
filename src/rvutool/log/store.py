"""The interface every log backend implements: SQLite now, a practice's shared database next.

A store takes and returns plain data (entries.Entry, tuples of totals); it never prices,
prints or decides. Every change happens inside `transaction()`: all of it or none of it,
with writers queued one at a time. The domain logic that decides what to change lives in
changes.py and works through these methods only.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from rvutool.log.entries import Entry


class DayCodeTotal(NamedTuple):
    """Live entries of one day and code (and no-wRVU reason), added up."""

    day: str
    code: str
    no_wrvu_reason: str | None
    category: str
    entries: int
    units: int
    base_c: int
    credited_c: int


class PolicyCount(NamedTuple):
    policy: str  # the stored policy JSON
    entries: int
    first: str
    last: str


class ReleaseCount(NamedTuple):
    release: str  # the CMS release an entry was priced from, such as RVU26C
    entries: int
    first: str
    last: str


class PaymentGroup(NamedTuple):
    """Live entries that would be priced alike in a locality (same code, row, setting and credit)."""

    code: str
    modifiers: str
    release: str
    setting: str
    entries: int
    units: int
    base_c: int
    credited_c: int
    first_date: str  # the group's earliest date of service (all its dates lie between the same cut dates)


class FavouriteRow(NamedTuple):
    """A favourite as stored: its name and items (item texts joined by spaces)."""

    name: str
    items: str
    change_id: int | None  # the import that added it (undoing that import removes it); None for `fav add`


class ContractRow(NamedTuple):
    """One stored version of a contract: its file's text as written (reports/contracts.py parses it)."""

    name: str
    effective: str  # YYYY-MM-DD, or '' when it applies from the start
    source: str
    added_at: str


@dataclass
class Undone:
    kind: str
    summary: str
    created_at: str
    entries: int  # how many entries the undone change touched
    net_c: int = 0  # the change in live credited wRVU, in hundredths
    # live entries whose credit the undo changed (before, after): the first REPRICED_SHOWN, then a count
    repriced: list[tuple[Entry, Entry]] = field(default_factory=list)
    repriced_more: int = 0
    favourites: int = 0  # favourites the undone import had added, removed again


REPRICED_SHOWN = 50


def restore_images(tx: LogTransaction, page: list[tuple[int, str]], done: Undone,
                   now: dict[int, Entry] | None = None) -> None:
    """Undo, for any backend: put back each entry's before-image (JSON of its values), and count what the
    undo changes (entries, net credit, the live entries whose credit moved). The page is written in one
    batch, each entry's fields that differ from its image only. `now`: the entries as they are, when the
    store read them with the page. The stores check every image first (journal.check_page)."""
    import json

    from rvutool.log.entries import MUTABLE

    writes: list[tuple[int, dict[str, Any]]] = []
    for entry_id, before in page:
        current = (now or {}).get(entry_id) or tx.entry(entry_id)
        old = json.loads(before)
        values = {k: old[k] for k in MUTABLE if k in old}
        restored = Entry(**{**{k: getattr(current, k) for k in MUTABLE}, **values, "id": entry_id})
        writes.append((entry_id, {k: v for k, v in values.items() if getattr(current, k) != v}))
        done.entries += 1
        done.net_c += (0 if restored.voided else restored.credited_wrvu_c) - \
            (0 if current.voided else current.credited_wrvu_c)
        if not current.voided and not restored.voided and current.credited_wrvu_c != restored.credited_wrvu_c:
            if len(done.repriced) < REPRICED_SHOWN:
                done.repriced.append((current, restored))
            else:
                done.repriced_more += 1
    tx.update_many(writes)


def id_ranges(ids: Iterable[int], runs: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Runs of consecutive ids, as (first, last): [4, 5, 6, 9] -> [(4, 6), (9, 9)]. Given `runs` (of smaller
    ids), the new ones are added to it, the first continuing its last run when it can."""
    runs = [] if runs is None else runs
    for entry_id in sorted(ids):
        if runs and entry_id == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], entry_id)
        else:
            runs.append((entry_id, entry_id))
    return runs


# ---------------------------------------------------------------- shapes both stores share (their SQL stays theirs)
PAGE = 2000  # entries read per statement when a period is streamed


def bounds(start: date | None, end: date | None) -> tuple[str, str]:
    """A period as the stores compare it: ISO dates, an open end reaching past any date a log may hold."""
    return (start or date(1, 1, 1)).isoformat(), (end or date(9999, 12, 31)).isoformat()


def no_such_entry(entry_id: int) -> Exception:
    from rvutool.errors import NoSuchEntryError

    return NoSuchEntryError(f"no entry #{entry_id} in the log (see `rvutool list --all`)")


def keyset_pages(read_page: Callable[[tuple[str, int, int]], list[tuple[Any, ...]]],
                 first: tuple[str, int, int] = ("", -1, -1)) -> Iterator[Entry]:
    """Entries in (date, encounter, id) order, one page per statement: `read_page(after)` runs the store's
    own query for the PAGE rows that follow `after`. A million entries never sit in memory, and the caller
    may change entries between pages."""
    after = first
    while True:
        page = read_page(after)
        for row in page:
            yield Entry(*row)
        if len(page) < PAGE:
            return
        last = Entry(*page[-1])
        after = (last.service_date, last.encounter_id, last.id)


def newest_distinct(rows: Iterable[tuple[str, str]], limit: int) -> list[tuple[str, str]]:
    """The first `limit` distinct (code, modifiers) of rows read newest first: the recent codes."""
    found: dict[tuple[str, str], None] = {}
    for code, modifiers in rows:
        found.setdefault((code, modifiers), None)
        if len(found) >= limit:
            break
    return list(found)


def recent_rows(limit: int) -> int:
    """How many of the newest rows to read for `limit` distinct recent codes (a busy day repeats a few)."""
    return max(limit, 1) * 25


class LogTransaction(ABC):
    """One write transaction on the log."""

    @abstractmethod
    def entry(self, entry_id: int) -> Entry:
        """The entry (removed ones too); NoSuchEntryError when there is none."""

    @abstractmethod
    def encounter(self, encounter_id: int, *, include_voided: bool = False) -> list[Entry]:
        """The lines of one encounter, in id order."""

    @abstractmethod
    def entries(self, start: date | None = None, end: date | None = None) -> Iterator[Entry]:
        """Live entries of a period, by date, encounter and id (streamed)."""

    @abstractmethod
    def new_encounter(self) -> int:
        """A fresh encounter number, never handed out before (not even by an undone change)."""

    def new_encounters(self, count: int) -> list[int]:
        """`count` fresh encounter numbers at once."""
        return [self.new_encounter() for _ in range(count)]

    @abstractmethod
    def insert(self, values: dict[str, Any]) -> int:
        """Insert one entry (every field but id); its new id."""

    @abstractmethod
    def insert_many(self, rows: Iterable[dict[str, Any]]) -> list[int]:
        """Insert entries in order; their new ids."""

    @abstractmethod
    def update(self, entry_id: int, values: dict[str, Any]) -> None:
        """Change some fields of one entry."""

    def update_many(self, rows: Iterable[tuple[int, dict[str, Any]]]) -> None:
        """Change some fields of many entries, each its own (a store writes them in batches)."""
        for entry_id, values in rows:
            self.update(entry_id, values)

    @abstractmethod
    def held(self, keys: Iterable[str], *, include_voided: bool) -> dict[str, int]:
        """How many entries carry each service key (live ones, or removed ones too)."""

    @abstractmethod
    def journal(self, kind: str, summary: str, before: Iterable[tuple[int, Entry | None]]) -> int:
        """Record a change for undo: each touched entry as it was (None: it was inserted); its id."""

    @abstractmethod
    def journal_rows(self, change_id: int, before: Iterable[tuple[int, Entry | None]]) -> None:
        """Add more touched entries to a change recorded in this transaction."""

    def journal_inserted(self, change_id: int, ranges: Iterable[tuple[int, int]]) -> None:
        """Record the entries a change inserted, as ranges of ids (first, last; every id between them is one
        the change inserted), so undo deletes them. A store may keep the ranges as they are."""
        self.journal_rows(change_id, ((i, None) for first, last in ranges for i in range(first, last + 1)))

    def check_period(self, start: date, end: date) -> None:
        """Raise CorruptLogError when what a change of this period reads is damaged (before it is written
        over). A database that checks its own pages as it reads them has nothing cheap to add."""
        return None

    @abstractmethod
    def undo_last(self) -> Undone:
        """Revert the newest change not yet undone (and remove the favourites it added); RvuError when
        there is none."""

    @abstractmethod
    def favourite(self, name: str) -> FavouriteRow | None:
        """The user's favourite of that name, or None."""

    @abstractmethod
    def put_favourite(self, name: str, items: str, change_id: int | None = None) -> None:
        """Add a favourite, or replace the user's favourite of that name (`change_id`: the import adding it)."""

    @abstractmethod
    def remove_favourite(self, name: str) -> bool:
        """Remove the user's favourite of that name; False when there was none."""

    # -- contracts (issue 22): not log changes, so `undo` does not take them back
    @abstractmethod
    def put_contract(self, name: str, effective: str, source: str) -> None:
        """Add a version of a contract, or replace the version of that name and effective date."""

    @abstractmethod
    def remove_contract(self, name: str, effective: str | None = None) -> int:
        """Remove one version (or, with None, every version and the imported fees); how many versions went."""

    @abstractmethod
    def replace_contract_fees(self, name: str, fees: list[tuple[str, int, int | None]]) -> int:
        """Replace the fee schedule imported for a contract with (code, fee cents, lab fee cents or None) rows;
        how many fees it had before."""

    @abstractmethod
    def put_collection(self, month: str, amount_c: int) -> None:
        """Set the collections of a month (YYYY-MM), in cents."""


class LogStore(ABC):
    """A log: reading methods, and `transaction()` for changes."""

    where: str  # names the log in messages (a file path, a database)

    def filling(self) -> None:
        """The store is a new log no one else sees yet: it may trade safety for speed until `filled`."""
        return None

    def filled(self) -> None:
        """Back to the ordinary, safe settings."""
        return None

    def checkpoint(self) -> None:
        """Make everything written durable in the log's own storage (before it is copied or moved)."""
        return None

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def check_before_big_write(self) -> None:
        """Raise CorruptLogError when a quick check finds damage (before an import, recalc or its undo)."""

    @abstractmethod
    def problems(self) -> list[str]:
        """What is wrong with the log, in sentences (empty when it is sound): every page, every index against
        its table, and the log's own invariants (`rvutool doctor`)."""

    def __enter__(self) -> LogStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def transaction(self) -> AbstractContextManager[LogTransaction]: ...

    @abstractmethod
    def log_id(self) -> str:
        """A random id made when the log was created."""

    @abstractmethod
    def entries(self, start: date | None = None, end: date | None = None, *, code: str | None = None,
                encounter: int | None = None, include_voided: bool = False) -> Iterator[Entry]:
        """Entries by date, encounter and id, streamed in batches (a million never sit in memory)."""

    def own_entries(self, start: date, end: date) -> Iterator[Entry]:
        """Live entries of the connected user only (on a shared log a manager also sees others')."""
        return self.entries(start, end)

    def others_entries(self, start: date, end: date) -> Iterator[Entry]:
        """Live entries of other providers that the user may read but not change (a manager's, on a shared log)."""
        return iter(())

    @abstractmethod
    def get(self, entry_id: int) -> Entry: ...

    @abstractmethod
    def favourites(self) -> list[FavouriteRow]:
        """The user's favourites, by name."""

    @abstractmethod
    def recent_codes(self, limit: int) -> list[tuple[str, str]]:
        """(code, modifiers) of the user's most recently logged live entries, newest first, each once."""

    @abstractmethod
    def day_code_totals(self, start: date, end: date) -> list[DayCodeTotal]: ...

    @abstractmethod
    def code_cases(self, start: date, end: date) -> list[tuple[str, int, int, int]]:
        """(code, live entries, cases, credited hundredths) per code of the period: a case is an encounter
        (one patient's visit or operation) holding the code, however many lines it has of it."""

    @abstractmethod
    def distinct_policies(self, start: date, end: date, *, most: int = 2) -> list[str]:
        """Up to `most` distinct stored policies (JSON) of a period's live entries, cheaply."""

    @abstractmethod
    def policy_counts(self, start: date, end: date) -> list[PolicyCount]:
        """Every stored policy of a period's live entries, with how many and their first and last date."""

    @abstractmethod
    def held(self, keys: Iterable[str], *, include_voided: bool) -> dict[str, int]:
        """How many entries carry each service key (live ones, or removed ones too)."""

    def provider_totals(self, start: date, end: date) -> list[tuple[str, int, int, int, int]]:
        """(provider, entries, units, base, credited) of a period's live entries, per provider: a shared log
        only (a one-person log has no providers)."""
        from rvutool.errors import NeedsSharedLogError

        raise NeedsSharedLogError("totals by provider")

    @abstractmethod
    def release_counts(self, start: date, end: date) -> list[ReleaseCount]:
        """The CMS releases a period's live entries were priced from, with how many and their first and last date."""

    @abstractmethod
    def contract_rows(self, name: str | None = None) -> list[ContractRow]:
        """The stored contract versions (of one contract, or all), by name and effective date."""

    @abstractmethod
    def contract_fees(self, name: str) -> list[tuple[str, int, int | None]]:
        """(code, fee cents, lab fee cents or None) imported for a contract, by code."""

    @abstractmethod
    def collections(self) -> list[tuple[str, int]]:
        """(month YYYY-MM, amount cents) of the collections entered, by month."""

    @abstractmethod
    def payment_groups(self, start: date, end: date, cuts: tuple[date, ...] = ()) -> list[PaymentGroup]:
        """Live entries grouped as a locality prices them alike; `cuts` are dates after which prices change
        (a GPCI floor ending): no group spans one."""
