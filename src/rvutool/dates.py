"""Dates of service as users type them: YYYY-MM-DD, today, yesterday."""

from __future__ import annotations

from datetime import date, timedelta

from rvutool.errors import InvalidDateError


def today() -> date:
    return date.today()


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
