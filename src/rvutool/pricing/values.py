"""One parser for each value an encounter carries beside its items: the setting, the share credited (-52, -66),
the post-operative days (-55) and units. Flags, settings, the log prompt and imported files all read them here,
so a value one accepts the others accept. Each raises ValueError saying what is expected; the caller names
where the value came from (an option, a setting, a file's line)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

SETTINGS = ("facility", "nonfacility")
# Where CMS's two settings happen, as people say it (domain-rules: facility PE for hospital, ASC, SNF; non-facility
# for an office and everywhere else).
_SETTING_WORDS = {"office": "nonfacility", "clinic": "nonfacility", "hospital": "facility", "asc": "facility",
                  "snf": "facility", "inpatient": "facility", "outpatient": "facility"}
MAX_POSTOP_DAYS = 90
MAX_UNITS = 999


def setting(text: str) -> str:
    """facility or nonfacility: the word or any start of it (f, fac, n, nonfac, non-facility), or a place (office,
    hospital, ASC, SNF)."""
    word = text.strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    if word in _SETTING_WORDS:
        return _SETTING_WORDS[word]
    found = [s for s in SETTINGS if word and s.startswith(word)]
    if len(found) != 1:
        raise ValueError("use facility or nonfacility (office, hospital, or a start such as nonfac)")
    return found[0]


def fraction(text: str) -> Decimal:
    """The share credited for -52 or -66 (and -53 where CMS has no -53 row): above 0, at most 1."""
    try:
        value = Decimal(text.strip()) if text.isascii() else None  # Decimal reads '٠٫٥'-style digits too
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or not Decimal(0) < value <= Decimal(1):
        raise ValueError("must be a number above 0 and at most 1, such as 0.5")
    return value


def whole_number(text: str, low: int, high: int, what: str = "a whole number") -> int:
    value = text.strip()
    # isascii: int() would take '²' or Arabic-Indic digits that str.isdigit() lets through
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise ValueError(f"must be {what} from {low} to {high}")
    return int(value)


def postop_days(text: str) -> int:
    return whole_number(text, 1, MAX_POSTOP_DAYS, "a whole number of days")


def units(text: str) -> int:
    return whole_number(text, 1, MAX_UNITS)
