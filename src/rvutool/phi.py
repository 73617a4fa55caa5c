"""A guard against patient identifiers in free text (`--note`, `--case`).

rvutool keeps no patient data. Notes and case labels are for things like
"left knee, revision" or "case 3"; text that looks like a medical record number,
a date (of birth or otherwise), a Social Security number or a phone number is
refused unless the user says it is not one (`--allow-identifiers`).

The checks are deliberately simple and err on the side of refusing:
  - SSN: three, two and four digits separated by '-', ' ' or '.'
  - phone: ten digits in the usual groupings, (555) 123-4567, 555.123.4567, +1 555 123 4567,
    or a local 555-1234
  - date: 3/14/1962, 14.03.62, 1962-03-14, Mar 14 1962, 14 March 1962, or the words DOB / born
  - MRN: a run of six or more digits, or the words MRN / medical record followed by a number
Five-digit codes (99213), tooth numbers, times and measurements pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rvutool.errors import IdentifierError, UsageError

MAX_TEXT = 500

_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
           r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")

# Order matters: the first match names the kind of identifier in the message.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a Social Security number", re.compile(r"(?<!\d)\d{3}[-. ]\d{2}[-. ]\d{4}(?!\d)")),
    ("a phone number", re.compile(
        r"(?<!\d)(?:\+?1[-. ]?)?(?:\(\d{3}\)\s?|\d{3}[-. ])\d{3}[-. ]\d{4}(?!\d)"
        r"|(?<![\d.-])\d{3}[-.]\d{4}(?![\d.-])")),
    ("a date (such as a date of birth)", re.compile(
        r"(?<!\d)(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2}(?:\d{2})?"
        r"|\d{4}[/.-]\d{1,2}[/.-]\d{1,2}"
        r"|\d{1,2}[/-]\d{4})(?!\d)"
        rf"|\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}}\b"
        rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\.?,?\s+\d{{2,4}}\b"
        r"|\b(?:d\.?o\.?b\.?|date of birth|birth ?date|born)\b", re.IGNORECASE)),
    ("a medical record number", re.compile(
        r"\d{6,}|\b(?:mrn|medical record(?: number| no\.?)?|chart)\s*(?:#|no\.?|number)?\s*:?\s*[A-Z]*\d",
        re.IGNORECASE)),
)


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int


def find_identifier(text: str) -> Finding | None:
    """The first thing in `text` that looks like a patient identifier, or None."""
    for kind, pattern in _PATTERNS:
        match = pattern.search(text)
        if match:
            return Finding(kind, match.start(), match.end())
    return None


def check_free_text(text: str | None, *, field: str, allow: bool) -> None:
    """Raise IdentifierError when `text` looks like it holds a patient identifier.

    `field` is the option name as the user typed it (e.g. "--note"). The message says
    where the suspect part is without repeating it.
    """
    if allow or not text:
        return
    found = find_identifier(text)
    if found is None:
        return
    raise IdentifierError(
        f"{field} looks like it contains {found.kind} (characters {found.start + 1}-{found.end}); "
        "rvutool keeps no patient identifiers, so nothing was saved. Remove it, or add "
        "--allow-identifiers if it is not one"
    )


def check_note(text: str, *, field: str, allow: bool) -> None:
    """Everything a note or case label must pass: length, no control characters, no identifiers."""
    if len(text) > MAX_TEXT:
        raise UsageError(f"{field} is {len(text)} characters long; keep it under {MAX_TEXT}")
    if any((ord(ch) < 32 and ch != "\t") or 0x7F <= ord(ch) < 0xA0 for ch in text):
        raise UsageError(f"{field} contains control characters (such as a newline or a terminal escape)")
    check_free_text(text, field=field, allow=allow)
