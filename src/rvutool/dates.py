"""Dates of service as users type them (YYYY-MM-DD, today, yesterday), and the one clock.

`today()` and `now()` are the only readers of the clock. RVUTOOL_TODAY (YYYY-MM-DD, or
YYYY-MM-DDTHH:MM[:SS] in UTC) sets them, for testing: the tests set it, so no test depends
on the day it runs, and a subprocess sees the same day as the test that started it.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

from rvutool.errors import InvalidDateError, UsageError

CLOCK_VARIABLE = "RVUTOOL_TODAY"


def _fixed() -> datetime | None:
    """The moment RVUTOOL_TODAY sets (with the real time of day when it gives a date only)."""
    text = os.environ.get(CLOCK_VARIABLE, "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, datetime.now(UTC).time(), tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{CLOCK_VARIABLE} is not a date: use YYYY-MM-DD (it is for testing)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def today() -> date:
    fixed = _fixed()
    return fixed.date() if fixed else date.today()


def now() -> datetime:
    """This moment, in UTC."""
    return _fixed() or datetime.now(UTC)


def parse_date(text: str, *, allow_future: bool = True) -> date:
    value = text.strip().lower()
    if not value.isascii():  # digits other than 0-9, or a non-ASCII look-alike of a word
        raise InvalidDateError(f"{text!r} is not a date: use YYYY-MM-DD, today or yesterday")
    if value == "today":
        parsed = today()
    elif value == "yesterday":
        parsed = today() - timedelta(days=1)
    else:
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            raise InvalidDateError(f"{text!r} is not a date: use YYYY-MM-DD, today or yesterday") from None
        if len(value) != 10:
            raise InvalidDateError(f"{text!r} is not a date: use YYYY-MM-DD, today or yesterday")
    if not allow_future and parsed > today():
        raise InvalidDateError(f"{parsed.isoformat()} is in the future: log work after it is done")
    return parsed


def parse_year(text: str) -> int:
    value = text.strip()
    if not (value.isascii() and value.isdigit()):  # int() would read '٢٠٢٦' as 2026
        raise InvalidDateError(f"{text!r} is not a year: use four digits, such as 2026")
    year = int(value)
    if not 1900 <= year <= 2999:
        raise InvalidDateError(f"{text!r} is not a year: use four digits, such as 2026")
    return year
