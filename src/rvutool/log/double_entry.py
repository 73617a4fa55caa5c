"""A likely double entry: the same items saved again within minutes, which is a visit typed twice.

A clinic logs 99213 a dozen times a day, so the same code again on a day is never a warning; the same items
of an encounter saved again within DOUBLE_ENTRY_MINUTES (by the entries' created_at against dates.now(), the
one clock) are. Read through the log's store; no SQL here. No typer, no rich.
"""

from __future__ import annotations

from typing import Any

DOUBLE_ENTRY_MINUTES = 5  # the same items saved again this soon are likely typed twice, not the next patient's


def likely(store: Any, encounter: Any, case_label: str | None, note: str | None = None) -> list[Any]:
    """The entries of an encounter saved in the last few minutes (created_at, against dates.now()) with exactly
    the items of this one, on its date and with its case label and note: the same visit typed twice. A code
    logged again later in the day is a clinic's normal day, not a double."""
    from datetime import datetime, timedelta

    from rvutool import dates

    if store is None:
        return []
    wanted = sorted((line.item.code, tuple(line.item.modifiers), line.item.units) for line in encounter.lines)
    since = dates.now() - timedelta(minutes=DOUBLE_ENTRY_MINUTES)
    recent: dict[int, list[Any]] = {}
    for entry in store.own_entries(encounter.date, encounter.date):
        try:
            made = datetime.fromisoformat(entry.created_at)
        except (TypeError, ValueError):  # an imported entry without a usable time: never a double
            continue
        if made.tzinfo is not None and made >= since and (entry.case_label or None) == (case_label or None) \
                and (entry.note or None) == (note or None):
            recent.setdefault(entry.encounter_id, []).append(entry)
    for entries in recent.values():
        if sorted((e.code, tuple(e.modifier_list), e.units) for e in entries) == wanted:
            return entries
    return []
