"""Reporting periods shared by `list`, `summary` and `export`.

    --month [YYYY-MM]   a calendar month (bare: this month); the default; also by name:
                        nov or November (this year's), nov-2025
    --week              the ISO week (Monday to Sunday) containing today
    --year [YYYY]       a calendar year, or a fiscal year when fiscal_year_start is set
    --from D --to D     any range; either end may be left open
    --all               everything

Fiscal years are named for the calendar year in which they END (the usual US
convention): with fiscal_year_start = 7, FY2026 runs 2025-07-01 to 2026-06-30.

Every period is a pair of inclusive dates. Pure date arithmetic: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from rvutool.dates import MONTH_NAMES, month_number
from rvutool.errors import InvalidDateError, UsageError

# Open ends of a range; ISO strings of these compare correctly against stored 'YYYY-MM-DD' text.
MIN_DATE = date(1, 1, 1)
MAX_DATE = date(9999, 12, 31)

CURRENT = "current"

# re.ASCII: a bare \d also takes '²' and Arabic-Indic digits, which int() then reads as numbers
_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$", re.ASCII)
# A month by name, this year's or with a year: nov, November, sept, nov-2025, nov 2025, 2025-nov.
_MONTH_NAME_RE = re.compile(r"^(?:(?P<before>\d{4})[- ]?)?(?P<name>[a-z]{3,9})\.?(?:[- ]?(?P<after>\d{4}))?$", re.ASCII)
_YEAR_RE = re.compile(r"^\d{4}$", re.ASCII)


@dataclass(frozen=True)
class Period:
    """Inclusive dates. `kind` is month, week, year, fiscal-year, range or all."""

    start: date
    end: date
    label: str
    kind: str = "range"

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise UsageError(f"a period cannot end ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def open_start(self) -> bool:
        return self.start == MIN_DATE

    @property
    def open_end(self) -> bool:
        return self.end == MAX_DATE

    @property
    def bounded(self) -> bool:
        return not (self.open_start or self.open_end)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def to_dict(self) -> dict[str, str | None]:
        return {
            "from": None if self.open_start else self.start.isoformat(),
            "to": None if self.open_end else self.end.isoformat(),
            "label": self.label,
            "kind": self.kind,
        }


# ---------------------------------------------------------------- building blocks
def month_period(year: int, month: int) -> Period:
    start = date(year, month, 1)
    end = (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)) - timedelta(days=1)
    return Period(start, end, f"{MONTH_NAMES[month - 1]} {year}", "month")


def week_period(day: date) -> Period:
    start = day - timedelta(days=day.weekday())
    end = start + timedelta(days=6)
    iso_year, iso_week, _ = day.isocalendar()
    return Period(start, end, f"week {iso_year}-W{iso_week:02d} ({start} to {end})", "week")


def fiscal_year_of(day: date, fiscal_year_start: int = 1) -> int:
    """The name of the (fiscal) year containing `day`: the calendar year it ends in."""
    check_fiscal_year_start(fiscal_year_start)
    if fiscal_year_start == 1:
        return day.year
    return day.year + 1 if day.month >= fiscal_year_start else day.year


def year_period(year: int, fiscal_year_start: int = 1) -> Period:
    """Calendar year `year`, or with fiscal_year_start = M > 1 the fiscal year ending in `year`."""
    check_fiscal_year_start(fiscal_year_start)
    if fiscal_year_start == 1:
        return Period(date(year, 1, 1), date(year, 12, 31), str(year), "year")
    start = date(year - 1, fiscal_year_start, 1)
    end = date(year, fiscal_year_start, 1) - timedelta(days=1)
    return Period(start, end, f"FY{year} ({start} to {end})", "fiscal-year")


def range_period(start: date | None, end: date | None) -> Period:
    if start is not None and end is not None and start > end:
        raise UsageError(f"--from {start} is after --to {end}")
    lo, hi = start or MIN_DATE, end or MAX_DATE
    if start is None and end is None:
        return all_time()
    if start is None:
        label = f"up to {hi}"
    elif end is None:
        label = f"from {lo}"
    else:
        label = f"{lo} to {hi}"
    return Period(lo, hi, label, "range")


def all_time() -> Period:
    return Period(MIN_DATE, MAX_DATE, "all time", "all")


def check_fiscal_year_start(month: int) -> int:
    if not isinstance(month, int) or isinstance(month, bool) or not 1 <= month <= 12:
        raise UsageError(f"fiscal_year_start must be a month from 1 to 12, not {month!r}")
    return month


# ---------------------------------------------------------------- parsing options
def _named_month(value: str, today: date) -> tuple[int, int] | None:
    match = _MONTH_NAME_RE.match(value)
    if not match or (match["before"] and match["after"]):
        return None
    month = month_number(match["name"])
    if month is None:
        return None
    year = match["before"] or match["after"]
    return (int(year) if year else today.year), month


def parse_month(text: str, *, today: date) -> tuple[int, int]:
    """--month: YYYY-MM, or a month's name (this year's: nov, November), optionally with a year (nov-2025)."""
    value = " ".join(text.strip().lower().split())
    if value in {CURRENT, ""}:
        return today.year, today.month
    match = _MONTH_RE.match(value)
    found = (int(match.group(1)), int(match.group(2))) if match else _named_month(value, today)
    if found is None or not 1 <= found[1] <= 12 or not 1900 <= found[0] <= 2999:
        raise InvalidDateError(f"--month {text!r} is not a month: use YYYY-MM or a month's name, "
                               "such as 2026-02, nov or nov-2025")
    return found



def parse_year(text: str, *, today: date, fiscal_year_start: int = 1) -> int:
    """--year: dates.parse_year (the one year parser), with today's (fiscal) year for a bare --year."""
    from rvutool import dates

    value = text.strip().lower()
    if value in {CURRENT, ""}:
        return fiscal_year_of(today, fiscal_year_start)
    try:
        return dates.parse_year(value, fiscal_year_start=fiscal_year_start)
    except InvalidDateError as exc:
        raise InvalidDateError(f"--year {exc.message}") from None


def _parse_day(option: str, text: str) -> date:
    from rvutool import dates

    try:
        return dates.parse_date(text)
    except InvalidDateError as exc:
        raise InvalidDateError(f"{option} {exc.message}") from None


def from_options(month: str | None = None, week: bool = False, year: str | None = None,
                 from_: str | None = None, to: str | None = None, all_: bool = False,
                 *, today: date, fiscal_year_start: int = 1) -> Period:
    """The period the period options ask for; this month when none is given."""
    check_fiscal_year_start(fiscal_year_start)
    given = [name for name, on in (("--month", month is not None), ("--week", week),
                                   ("--year", year is not None),
                                   ("--from/--to", from_ is not None or to is not None),
                                   ("--all", all_)) if on]
    if len(given) > 1:
        raise UsageError(f"give one period, not {' and '.join(given)}")
    if week:
        return week_period(today)
    if year is not None:
        return year_period(parse_year(year, today=today, fiscal_year_start=fiscal_year_start),
                           fiscal_year_start)
    if from_ is not None or to is not None:
        start = _parse_day("--from", from_) if from_ is not None else None
        end = _parse_day("--to", to) if to is not None else None
        return range_period(start, end)
    if all_:
        return all_time()
    return month_period(*parse_month(month if month is not None else CURRENT, today=today))


# ---------------------------------------------------------------- workdays
def workdays(start: date, end: date) -> int:
    """Monday-to-Friday days from start to end, both included (0 when end < start)."""
    if end < start:
        return 0
    days = (end - start).days + 1
    weeks, extra = divmod(days, 7)
    count = weeks * 5
    first = start.weekday()
    count += sum(1 for k in range(extra) if (first + k) % 7 < 5)
    return count
