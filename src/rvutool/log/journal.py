"""The undo journal's before-images: what an undo may put back.

A change records each entry it touched as it was (the entry's stored values, as JSON), and undo writes them
back. So a before-image is checked first, as an import checks a row of rvutool's own export
(import_files.own_record): every value in its domain, the code one of a CMS release rvutool has, the note and
case label past the privacy guard. On a practice's shared log anyone can write their own journal rows with
psql; a value no edit could write never reaches an entry through undo.
"""

from __future__ import annotations

import json
from typing import Any

from rvutool.errors import RvuError
from rvutool.log.entries import COLUMNS
from rvutool.money import from_hundredths

_JSON = ("flags", "adjustments", "policy", "options")
# the export's column for each stored value own_record checks
_AS_EXPORTED = {"service_date": "date", "code": "code", "modifiers": "modifiers", "units": "units",
                "release": "release", "category": "category", "work_rvu_c": "work_rvu", "base_wrvu_c": "base_wrvu",
                "credited_wrvu_c": "credited_wrvu", "no_wrvu_reason": "no_wrvu_reason", "flags": "flags",
                "adjustments": "adjustments", "policy": "policy", "setting": "setting", "options": "options",
                "note": "note", "case_label": "case", "created_at": "created_at", "updated_at": "updated_at"}
_AMOUNTS = ("work_rvu_c", "base_wrvu_c", "credited_wrvu_c")


def checked_image(text: str) -> str:
    """The before-image unchanged when an edit could have written it; otherwise ValueError (or the privacy
    guard's RvuError) saying which value is wrong, never repeating a note."""
    from rvutool import dates
    from rvutool.log import import_files
    from rvutool.pricing.policy import Policy
    from rvutool.pricing.priced import Options

    try:
        values = json.loads(text)
    except (TypeError, ValueError):
        raise ValueError("they are not JSON") from None
    if not isinstance(values, dict) or not set(values) <= set(COLUMNS):
        raise ValueError("they are not an entry's values")
    for name in ("id", "encounter_id", "units", "voided", *_AMOUNTS):
        if name in values and (isinstance(values[name], bool) or not isinstance(values[name], int)):
            raise ValueError(f"{name} is not a whole number")
    if values.get("voided", 0) not in (0, 1) or values.get("encounter_id", 1) < 1:
        raise ValueError("the removed flag or the encounter number is not one rvutool writes")
    if not isinstance(values.get("service_key", ""), str) or values.get("source", "cli") not in ("cli", "import"):
        raise ValueError("the service key or source is not one rvutool writes")
    record: dict[str, Any] = {column: values.get(name) for name, column in _AS_EXPORTED.items()}
    for name in _AMOUNTS:
        record[_AS_EXPORTED[name]] = str(from_hundredths(values.get(name, 0)))
    ctx = import_files.ImportContext(today=dates.today(), allow_identifiers=False, skip_bad=False,
                                 options=Options(), policy=Policy())
    row = import_files.own_record(record, ctx)
    for name in sorted(set(values) & set(_AS_EXPORTED)):
        wanted, found = values[name], row[name]
        if name in _JSON and isinstance(wanted, str):
            wanted, found = json.loads(wanted), json.loads(found)
        elif name in ("note", "case_label"):
            wanted = wanted or None
        if wanted != found:
            raise ValueError(f"{name} is not written as rvutool writes it")
    return text


def check_page(page: list[tuple[int, str]], done: Any) -> None:
    """Before an undo writes a page back: an image no edit could have written (planted in a shared log's
    journal, or a damaged file) stops the undo, naming the entry; nothing is changed."""
    for entry_id, before in page:
        why = why_not(before)
        if why is not None:
            raise RvuError(f"cannot undo the {done.kind} made {done.created_at}: the values it saved for entry "
                           f"#{entry_id} are not ones rvutool writes ({why}); nothing was changed")


def why_not(text: str) -> str | None:
    """What is wrong with a before-image, in a few words; None when undo may restore it."""
    try:
        checked_image(text)
    except ValueError as exc:
        return str(exc)
    except RvuError as exc:
        return exc.message
    return None
