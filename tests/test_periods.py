"""Period arithmetic: months, ISO weeks, calendar and fiscal years, ranges, and the bare-option rewrite."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rvutool import periods
from rvutool.errors import InvalidDateError, UsageError

days = st.dates(min_value=date(1901, 1, 1), max_value=date(2998, 12, 31))
years = st.integers(min_value=1901, max_value=2998)
fy_starts = st.integers(min_value=1, max_value=12)


# ---------------------------------------------------------------- properties
@given(days)
def test_a_month_period_holds_exactly_the_days_of_its_month(day):
    p = periods.month_period(day.year, day.month)
    assert day in p
    assert p.start == day.replace(day=1)
    assert p.days == calendar.monthrange(day.year, day.month)[1]
    assert all((p.start + timedelta(days=k)).month == day.month for k in range(p.days))
    assert (p.start - timedelta(days=1)).month != day.month
    assert (p.end + timedelta(days=1)).month != day.month


@given(days)
def test_a_week_is_monday_to_sunday_and_contains_the_day(day):
    p = periods.week_period(day)
    assert p.days == 7
    assert p.start.weekday() == 0 and p.end.weekday() == 6
    assert day in p
    iso_year, iso_week, _ = day.isocalendar()
    assert f"{iso_year}-W{iso_week:02d}" in p.label


@given(years, fy_starts)
def test_a_year_has_365_or_366_days(year, start):
    p = periods.year_period(year, start)
    # the one February the period contains decides its length (Feb 29 falls inside or not)
    feb_year = p.start.year if start <= 2 else p.end.year
    expected = 366 if calendar.isleap(feb_year) else 365
    assert p.days == expected
    assert p.start.day == 1 and p.start.month == start
    assert p.end.year == year  # named for the year it ends in


@given(years, fy_starts)
def test_years_tile_the_timeline(year, start):
    this, following = periods.year_period(year, start), periods.year_period(year + 1, start)
    assert following.start == this.end + timedelta(days=1)


@given(days, fy_starts)
def test_every_day_belongs_to_the_year_named_by_fiscal_year_of(day, start):
    name = periods.fiscal_year_of(day, start)
    assert day in periods.year_period(name, start)
    assert day not in periods.year_period(name - 1, start)
    assert day not in periods.year_period(name + 1, start)


@given(days, days)
def test_from_to_ranges(a, b):
    lo, hi = min(a, b), max(a, b)
    p = periods.from_options(from_=lo.isoformat(), to=hi.isoformat(), today=date(2026, 11, 23))
    assert (p.start, p.end, p.days) == (lo, hi, (hi - lo).days + 1)
    if lo != hi:
        with pytest.raises(UsageError):
            periods.from_options(from_=hi.isoformat(), to=lo.isoformat(), today=date(2026, 11, 23))


@given(days, days)
def test_workdays_counts_mondays_to_fridays(a, b):
    lo, hi = min(a, b), max(a, b)
    if (hi - lo).days > 400:
        hi = lo + timedelta(days=400)
    brute = sum(1 for k in range((hi - lo).days + 1) if (lo + timedelta(days=k)).weekday() < 5)
    assert periods.workdays(lo, hi) == brute


# ---------------------------------------------------------------- examples
TODAY = date(2026, 11, 23)  # a Monday


def test_default_is_this_month():
    p = periods.from_options(today=TODAY)
    assert (p.start, p.end, p.label, p.kind) == (date(2026, 11, 1), date(2026, 11, 30), "November 2026", "month")
    assert periods.from_options(month="current", today=TODAY) == p


def test_leap_february():
    assert periods.from_options(month="2028-02", today=TODAY).end == date(2028, 2, 29)
    assert periods.from_options(month="2026-02", today=TODAY).end == date(2026, 2, 28)
    assert periods.from_options(month="2100-02", today=TODAY).end == date(2100, 2, 28)  # not a leap year
    assert periods.from_options(month="2000-02", today=TODAY).end == date(2000, 2, 29)  # 400-year rule


def test_week_across_a_new_year():
    # 2026-01-01 is a Thursday: its ISO week (2026-W01) starts Monday 2025-12-29
    p = periods.from_options(week=True, today=date(2026, 1, 1))
    assert (p.start, p.end) == (date(2025, 12, 29), date(2026, 1, 4))
    assert "2026-W01" in p.label


def test_fiscal_year_is_named_for_the_year_it_ends():
    p = periods.from_options(year="2026", today=TODAY, fiscal_year_start=7)
    assert (p.start, p.end, p.kind) == (date(2025, 7, 1), date(2026, 6, 30), "fiscal-year")
    assert p.label.startswith("FY2026")
    # bare --year in November 2026 with a July fiscal year: FY2027 (Jul 2026 - Jun 2027)
    current = periods.from_options(year="current", today=TODAY, fiscal_year_start=7)
    assert (current.start, current.end) == (date(2026, 7, 1), date(2027, 6, 30))
    # FY2028 (Jul 2027 - Jun 2028) holds Feb 29 2028: 366 days
    assert periods.year_period(2028, 7).days == 366


def test_calendar_year():
    p = periods.from_options(year="2024", today=TODAY)
    assert (p.start, p.end, p.days, p.label) == (date(2024, 1, 1), date(2024, 12, 31), 366, "2024")


def test_open_ends_and_all():
    p = periods.from_options(from_="2026-03-01", today=TODAY)
    assert p.start == date(2026, 3, 1) and p.open_end and not p.bounded
    assert p.to_dict()["to"] is None
    p = periods.from_options(to="2026-03-01", today=TODAY)
    assert p.open_start and p.end == date(2026, 3, 1)
    p = periods.from_options(all_=True, today=TODAY)
    assert p.label == "all time" and p.to_dict()["from"] is None


@pytest.mark.parametrize("kwargs", [
    {"month": "2026-02", "week": True},
    {"year": "2026", "all_": True},
    {"month": "current", "from_": "2026-01-01"},
    {"week": True, "to": "2026-01-01"},
])
def test_conflicting_options_are_usage_errors(kwargs):
    with pytest.raises(UsageError) as err:
        periods.from_options(**kwargs, today=TODAY)
    assert err.value.exit_code == 2


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"month": "2026-13"}, "not a month"),
    ({"month": "26-02"}, "not a month"),
    ({"month": "Febtober"}, "not a month"),
    ({"month": "ju"}, "not a month"),  # June or July: too short to tell
    ({"month": "nov-2025-2026"}, "not a month"),
    ({"year": "26"}, "not a year"),
    ({"year": "1066"}, "not a year"),
    ({"from_": "2026-02-30"}, "not a date"),
    ({"to": "tomorrow"}, "not a date"),
])
def test_bad_values(kwargs, words):
    with pytest.raises(InvalidDateError) as err:
        periods.from_options(**kwargs, today=TODAY)
    assert words in err.value.message


def test_bad_fiscal_year_start():
    with pytest.raises(UsageError):
        periods.year_period(2026, 13)


@pytest.mark.parametrize(("text", "month"), [
    ("nov", (2026, 11)), ("Nov", (2026, 11)), ("november", (2026, 11)), ("NOVEMBER", (2026, 11)),
    ("sept", (2026, 9)), ("mar", (2026, 3)), ("may", (2026, 5)),
    ("nov-2025", (2025, 11)), ("nov 2025", (2025, 11)), ("2025-nov", (2025, 11)), ("February2028", (2028, 2)),
])
def test_a_month_by_name_is_this_years_unless_a_year_is_given(text, month):
    assert periods.parse_month(text, today=TODAY) == month


def test_a_month_by_name_gives_the_same_period_as_its_number():
    assert periods.from_options(month="feb", today=TODAY) == periods.from_options(month=f"{TODAY.year}-02",
                                                                                 today=TODAY)
