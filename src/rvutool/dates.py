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
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")  # the one list: periods, config and completion read it


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


# The dates every option and every stored entry may hold: a date of service, a period's ends (the logs' CHECK
# constraints hold the same range).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def parse_date(text: str, *, allow_future: bool = True) -> date:
    """The one date parser: YYYY-MM-DD (1900 to 2999), today or yesterday."""
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
    if not FIRST_DAY <= parsed <= LAST_DAY:
        raise InvalidDateError(f"{text!r} is out of range: give a date from 1900 to 2999")
    if not allow_future and parsed > today():
        raise InvalidDateError(f"{parsed.isoformat()} is in the future: log work after it is done")
    return parsed


CURRENT = "current"  # a bare --year: this one


def month_number(name: str) -> int | None:
    """1-12 for a month's name or its first three letters or more (nov, novem, November, sept); else None."""
    name = name.strip().lower()
    if len(name) < 3:
        return None
    found = [k for k, month in enumerate(MONTH_NAMES, start=1) if month.lower().startswith(name)]
    return found[0] if len(found) == 1 else None


def parse_year(text: str, *, fiscal_year_start: int = 1) -> int:
    """The one year parser: four digits (1900 to 2999), or "current" (a bare --year): the (fiscal) year of today.
    A fiscal year is named for the calendar year it ends in."""
    value = text.strip().lower()
    if value in {CURRENT, ""}:
        day = today()
        return day.year + 1 if fiscal_year_start > 1 and day.month >= fiscal_year_start else day.year
    if not (len(value) == 4 and value.isascii() and value.isdigit()):  # int() would read '٢٠٢٦' or 02026
        raise InvalidDateError(f"{text!r} is not a year: use four digits, such as 2026")
    year = int(value)
    if not FIRST_DAY.year <= year <= LAST_DAY.year:
        raise InvalidDateError(f"{text!r} is not a year: give one from 1900 to 2999")
    return year
