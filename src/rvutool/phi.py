"""A guard against patient identifiers in free text (`--note`, `--case`, imported text cells).

rvutool keeps no patient data. Notes and case labels are for things like
"left knee, revision" or "case 3"; text that looks like a patient identifier is
refused unless the user says it is not one (`--allow-identifiers`).

The checks are deliberately simple and err on the side of refusing:
  - email addresses
  - payment card numbers: 13-19 digits in one run or in the usual groups (4-4-4-4, 4-6-5...)
    that pass the Luhn check
  - Social Security numbers: 3-2-4 digits separated by '-', ' ', '.', '_' or '/', and any number
    after "SSN" / "social security"
  - Medicare numbers: the MBI shape (1EG4-TE5-MK73, with or without dashes) or a number after "MBI"
  - record and account numbers after MRN, chart, medical record, ID#, patient/pt/member ID,
    acct, account, record, member, policy, subscriber, insurance, claim, NHS or hospital number
  - phone numbers: US (555) 123-4567 with '-', '.', ' ' or '/', 1-800-..., a local 555-1234,
    international +CC ..., national forms with a leading 0 (020 7946 0958, 01 23 45 67 89),
    and any number after tel / phone / mobile / fax
  - dates: 3/14/1962, 14.03.62, 1962-03-14, Mar 14 1962, 14th of March; month and year (March 1962,
    03/1962, 1962-03); day and month (3/14, 14/3, 14 March, Mar 14); the words DOB / born
  - a name after patient / pt / Mr / Mrs / Ms / Mx / Miss, with or without a colon ("Dr Smith" is a
    colleague, and passes); in capitals after MR / MRS / MISS / MX / PATIENT, or after any title and a
    colon (MR SMITH, PT: GARCIA), unless the word is clinical shorthand (MR KNEE, PT EVAL, MS FLARE)
  - street addresses (a number, a capitalised street name and a suffix: 12 Oak Dr), ZIP+4 and
    UK postcodes
  - a run of six or more digits
Five-digit codes (99213), tooth numbers, spinal levels (L4-L5), times and measurements pass, as
do scores written after their name (pain 7/10, Apgar 8/9), ventilator pressures (PEEP 5/5), fractions
before what they are of (1/2 dose, 4/4 strength) and "Sep 14" (the septum, in an echo note); a bare
fraction such as 3/4 reads as a date.

The text is read with Unicode dashes as '-' and invisible characters (zero-width spaces, soft hyphens)
removed, so they cannot split an identifier. A lower-case slug with no spaces (a favourite's name,
mr-john-smith, 12-oak-street) is also read with its hyphens as spaces.

Every pattern is anchored so that a failed match cannot be retried from inside a run, and repeats
are bounded or possessive, so a note of MAX_TEXT characters is checked in well under a millisecond.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rvutool.errors import IdentifierError, UsageError

MAX_TEXT = 500


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int


_I = re.IGNORECASE

# "may" is a word as well as a month: only "May" counts, and only when a number is next to it.
_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|(?-i:May)|june?|july?|aug(?:ust)?"
           r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b")
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH_NO = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:1[89]|20)\d\d"

# --------------------------------------------------------------------------- checks on a match
Check = Callable[[re.Match[str]], "Finding | None"]


def _found(kind: str) -> Check:
    """A plain pattern: the named group `id` if present (the identifier after a keyword), else all."""
    def check(match: re.Match[str]) -> Finding | None:
        if match.groupdict().get("id") is not None:
            return Finding(kind, match.start("id"), match.end("id"))
        return Finding(kind, match.start(), match.end())
    return check


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_layout(lengths: list[int]) -> bool:
    if len(lengths) == 1:
        return True
    if lengths in ([4, 6, 5], [4, 6, 4]):
        return True
    return all(n == 4 for n in lengths[:-1]) and 1 <= lengths[-1] <= 4


def _card(match: re.Match[str]) -> Finding | None:
    """13-19 digits in a card's grouping that pass the Luhn check (any stretch of the groups)."""
    text = match.group()
    groups = [(m.start(), m.end()) for m in re.finditer(r"\d+", text)]
    for i in range(len(groups)):
        for j in range(i, len(groups)):
            lengths = [e - s for s, e in groups[i:j + 1]]
            if not 13 <= sum(lengths) <= 19 or not _card_layout(lengths):
                continue
            digits = "".join(text[s:e] for s, e in groups[i:j + 1])
            if _luhn(digits):
                return Finding("a payment card number", match.start() + groups[i][0], match.start() + groups[j][1])
    return None


def _digits_between(low: int, high: int, kind: str) -> Check:
    """A run of digits and separators holding `low` to `high` digits (the `id` group if any)."""
    def check(match: re.Match[str]) -> Finding | None:
        group = "id" if match.groupdict().get("id") is not None else 0
        text = match.group(group)
        if not low <= sum(ch.isdigit() for ch in text) <= high:
            return None
        trimmed = len(text.rstrip(" .-/("))
        return Finding(kind, match.start(group), match.start(group) + trimmed)
    return check


_RECORD_KINDS = {
    "mrn": "a medical record number", "mr": "a medical record number", "medical": "a medical record number",
    "med": "a medical record number", "chart": "a medical record number", "patient": "a medical record number",
    "pt": "a medical record number", "hospital": "a medical record number", "nhs": "a medical record number",
    "record": "a medical record number", "rec": "a medical record number",
    "acct": "an account number", "account": "an account number",
    "member": "a member or policy number", "subscriber": "a member or policy number",
    "policy": "a member or policy number", "insurance": "a member or policy number",
    "claim": "a member or policy number", "id": "an ID number",
}
_STRONG_RECORD = {"mrn", "mr", "medical", "med", "chart", "acct"}


def _record(match: re.Match[str]) -> Finding | None:
    """A number after a record / account word: any number after a word that only means that (MRN,
    chart, acct) or after "ID" / "#"; otherwise three digits or more ("record 2 levels" passes)."""
    word = match.group("word").lower().split()[0].rstrip("#")
    sub = (match.group("sub") or "").lower()
    strong = word in _STRONG_RECORD or sub.startswith(("id", "#")) or "#" in match.group("word")
    if not strong and sum(ch.isdigit() for ch in match.group("id")) < 3:
        return None
    return Finding(_RECORD_KINDS.get(word, "an account or record number"), match.start("id"), match.end("id"))


_SCORE_WORDS = re.compile(r"(?:pain|strength|power|motor|score|grade|vas|nrs|gcs|apgar|mmt|rated)\W{0,3}$", _I)
# ventilator settings (PEEP 5/5, BiPAP 12/5): pressures, never dates
_VENT_WORDS = re.compile(r"(?:peep|cpap|bipap|ipap|epap|vent|ps)\W{0,3}$", _I)
# what a fraction or a score is of, written after it: 1/2 dose, 3/4 tab, 4/4 strength, 7/10 pain
_AFTER_FRACTION = re.compile(r"\s*(?:doses?|tabs?|tablets?|caps?|capsules?|strength|power|pain|pulses?|reflexes)\b",
                             _I)


def _day_month(match: re.Match[str]) -> Finding | None:
    """n/n as a date: month/day, day/month or month/year. Scores after their name (pain 7/10, Apgar 8/9),
    pressures after a ventilator word (PEEP 5/5) and fractions before what they are of (1/2 dose,
    4/4 strength) pass."""
    first, second = match.group("a"), match.group("b")
    a, b = int(first), int(second)
    as_date = (1 <= a <= 12 and (1 <= b <= 31 or len(second) == 2)) or (1 <= b <= 12 and 1 <= a <= 31)
    if not as_date:
        return None
    text = match.string
    before = max(0, match.start() - 12)
    if _VENT_WORDS.search(text, before, match.start()):
        return None
    if a <= b <= 10 and (_SCORE_WORDS.search(text, before, match.start())
                         or _AFTER_FRACTION.match(text, match.end())):
        return None
    return Finding("a date (such as a date of birth)", match.start(), match.end())


_NOT_NAMES = frozenset("""
    tolerated seen here education ed eval evaluation re reeval transferred discharged consented declined
    counseled counselled visit follow followup case room stable was is has had not no in on to with for
    and the of at left right bilateral bed ready prepped positioned intubated extubated awake alert
    arrived returned admitted seated supine prone status doing denies reports states requested
""".split())
# Words that follow MR (magnetic resonance), MS (multiple sclerosis, morphine) or PT (physical therapy,
# a clotting test) in clinical shorthand: after these, a capitalised or lower-case word is not a name.
_CLINICAL_AFTER_TITLE = _NOT_NAMES | frozenset("""
    angio angiogram angiography arthrogram enterography elastography spectroscopy venogram venography
    urography cholangiogram mrcp mri brain head neck spine cervical thoracic lumbar knee shoulder hip pelvis
    abdomen chest breast cardiac heart orbit orbits wrist ankle foot hand elbow guided guidance biopsy
    contrast scan study imaging exam fetal prostate liver wo without inr ptt ot st flare relapse
    exacerbation iv po im contin er session note therapy number plan only and
""".split())


def _name(match: re.Match[str]) -> Finding | None:
    title = match.group("title").lower()
    first = match.group("id").split()[0].rstrip(".").lower()
    if title in ("patient", "pt") and (first in _NOT_NAMES or len(first) < 2):
        return None
    return Finding("a patient's name", match.start("id"), match.end("id"))


def _named(match: re.Match[str]) -> Finding | None:
    """A title and a name in capitals (MR SMITH, PATIENT: GARCIA) or in a lower-case slug (mr-john-smith):
    not when the word after the title is clinical shorthand (MR KNEE, PT EVAL, MS FLARE)."""
    first = match.group("id").split()[0].strip("'-").lower()
    if first in _CLINICAL_AFTER_TITLE or len(first) < 2:
        return None
    return Finding("a patient's name", match.start("id"), match.end("id"))


_AMBIGUOUS_MONTHS = frozenset({"sep"})  # Sep 14: the septum's thickness in an echo note as often as a date


def _month_date(match: re.Match[str]) -> Finding | None:
    """A month's name and a number; "Sep" and a day alone pass (no year, no ordinal)."""
    if match.group("month").lower() in _AMBIGUOUS_MONTHS and not match.group("dot") \
            and match.group("year") is None and len(match.group("num")) <= 2 and not match.group("ord"):
        return None
    return Finding(_DATE, match.start(), match.end())


# --------------------------------------------------------------------------- the rules
# Each rule runs only when the text has what it needs (its gate): a character, one of a set of words,
# or (_DIGITS) a stretch of six or more digits and separators, so an ordinary note runs few patterns.
# A pattern that starts with a repeat has a lookbehind before it, so a failed match is not retried
# from inside the same run; the two rules without a gate start with a character class instead (the
# lookbehind after it), which the search skips to quickly. On a tie in position, the earlier rule
# names the kind of identifier in the message.
_DIGITS = "<digits>"
_DIGIT_STRETCH = re.compile(r"\d[\d\s()./_-]{4,}\d")
_WORD = re.compile(r"[a-z]+")
Gate = str | frozenset[str] | None


def _words(*names: str) -> frozenset[str]:
    return frozenset(" ".join(names).split())


_TITLE_WORDS = _words("patient pt mr mrs ms mx miss")
_MONTH_WORDS = _words("jan january feb february mar march apr april may jun june jul july aug august",
                      "sep sept september oct october nov november dec december")
_SUFFIX_WORDS = _words("st street ave avenue rd road blvd boulevard ln lane dr drive ct court way pl place",
                       "ter terrace cir circle hwy highway pkwy parkway sq square close crescent trail plaza")
_DATE = "a date (such as a date of birth)"
_SEP = r"[-. _/]"
_END = r"(?![\w/-]|\.\d)"  # the number ends here: not 3/14/, 3/14.5 or 3/14a
_RULES: tuple[tuple[Gate, re.Pattern[str], Check], ...] = (
    ("@", re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+"), _found("an email address")),
    (_DIGITS, re.compile(r"(?<![\d-])(?:\d{13,19}|\d{4}(?:[ -]\d{4}){2}[ -]\d{1,4}(?:[ -]\d{3})?"
                         r"|\d{4}[ -]\d{6}[ -]\d{4,5})(?!\d)"), _card),
    (_words("ssn ss soc social"),
     re.compile(r"\b(?:ssn|ss\s?#|soc(?:ial)?\.?\s+sec(?:urity)?\.?(?:\s*(?:#|no\b\.?|num(?:ber)?\b))?)"
                r"[\s:#=.-]{0,4}+(?P<id>[\dx*](?:[-. _/]?[\dx*]){0,10}+)", _I),
     _digits_between(1, 30, "a Social Security number")),
    (_DIGITS, re.compile(rf"(?<!\d)\d{{3}}{_SEP}\d{{2}}{_SEP}\d{{4}}(?!\d)"), _found("a Social Security number")),
    (None, re.compile(r"[1-9](?<![a-z\d][1-9])[ac-hjkmnp-rt-y][ac-hjkmnp-rt-y\d]\d[- ]?[ac-hjkmnp-rt-y]"
                      r"[ac-hjkmnp-rt-y\d]\d[- ]?[ac-hjkmnp-rt-y]{2}\d\d(?![a-z\d])", _I),
     _found("a Medicare number (MBI)")),
    (_words("mbi hicn medicare"),
     re.compile(r"\b(?:mbi|hicn|medicare\s*(?:id|no|num(?:ber)?|#))\b[\s:#=.-]{0,4}+(?P<id>[a-z-]*+\d[a-z\d-]*+)", _I),
     _found("a Medicare number (MBI)")),
    (_words("mrn mr medical med chart acct account record records rec member subscriber policy insurance claim",
            "patient pt hospital nhs id"),
     re.compile(r"\b(?P<word>mrn|mr\s?#|medical\s+records?|med\s+rec|chart|acct|account|record|rec|member"
                r"|subscriber|policy|insurance|claim|patient|pt|hospital|nhs|id)(?![a-z])"
                r"[\s:=.-]{0,3}+(?:(?P<sub>#|id\b|no\b\.?|num(?:ber)?\b|nbr\b)[\s:#=.-]{0,4}+)?"
                r"(?P<id>[a-z]{0,4}+-?\d[\w-]*+(?:\s\d[\w-]*+){0,3}+)", _I), _record),
    (_words("tel telephone phone mobile cell cellphone fax"),
     re.compile(r"\b(?:tel(?:ephone)?|phone|mobile|cell\s?phone|fax)\b\.?[\s:#=.-]{0,4}+(?:no\b\.?|num(?:ber)?\b)?"
                r"[\s:#=.-]{0,4}+(?P<id>\+?\(?\d[\d\s().\-/]{5,20}+)", _I), _digits_between(7, 30, "a phone number")),
    # dates with a year: 3/14/1962, 14.03.62, 1962-03-14, 1962-03, 03/1962
    (_DIGITS, re.compile(rf"(?<![\w/.-])(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})"
                         rf"|{_YEAR}[/.-]\d{{1,2}}(?:[/.-]\d{{1,2}})?|{_MONTH_NO}[/.-]{_YEAR}){_END}"),
     _found(_DATE)),
    # a month's name and a number: Mar 14, March 1962, March 14th, 1962, Mar-14-62, March '62
    (_MONTH_WORDS, re.compile(rf"\b(?P<month>{_MONTHS})(?P<dot>\.?)[\s,/-]{{0,3}}+(?:of\s+)?'?(?P<num>\d{{1,4}}+)"
                              rf"(?P<ord>st|nd|rd|th)?(?!\d)(?P<year>,?[\s/-]{{1,2}}+'?\d{{2,4}}+\b)?", _I),
     _month_date),
    # 14 March, 14th of March, 14-Mar-1962
    (_MONTH_WORDS, re.compile(rf"(?<![\w/.-]){_DAY}(?:st|nd|rd|th)?(?:\s+of)?[\s./-]{{0,3}}+{_MONTHS}\.?"
                              rf"(?:,?[\s/-]{{1,2}}+'?\d{{2,4}}+\b)?", _I), _found(_DATE)),
    # 3/14, 14/3, 03/62 (see _day_month)
    ("/", re.compile(rf"(?<![\w/.-])(?P<a>\d{{1,2}})/(?P<b>\d{{1,2}}){_END}"), _day_month),
    (_words("dob d birth birthdate born"),
     re.compile(r"\b(?:d\.?o\.?b\b\.?|date\s+of\s+birth|birth\s?date|born)\b", _I), _found(_DATE)),
    # phone numbers: +44 20 7946 0958, (555) 123-4567, 555/123/4567, 1-800-..., 020 7946 0958, 555-1234
    ("+", re.compile(r"(?<![\w+])\+\(?\d[\d\s().\-/]{5,22}+"), _digits_between(8, 30, "a phone number")),
    (_DIGITS, re.compile(rf"(?<![\w.+/-])(?:1[\s./-]?)?(?:\(\d{{3}}\)\s?|\d{{3}}[\s./-])\d{{3}}[\s./-]\d{{4}}{_END}"),
     _found("a phone number")),
    (_DIGITS, re.compile(rf"(?<![\w.+/-])(?:\(0\d{{1,4}}\)|0\d{{1,4}})(?:[\s./-]\d{{2,8}}){{1,4}}+{_END}"),
     _digits_between(9, 12, "a phone number")),
    (_DIGITS, re.compile(rf"(?<![\w.+/-])\d{{3}}[-.]\d{{4}}{_END}"), _found("a phone number")),
    # addresses: 12 Oak Dr, 221B Baker Street, 350 5th Ave, 12 main street; ZIP+4; UK postcodes
    (_SUFFIX_WORDS, re.compile(
        r"(?<![\w.,/-])\d{1,6}[A-Za-z]?\s+(?:(?:[A-Z][a-z'-]*+\.?|\d{1,3}(?:st|nd|rd|th)|[NSEW]\.?)\s+){1,3}"
        r"(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Ln|Lane|Dr|Drive|Ct|Court|Way|Pl|Place|Ter|Terrace"
        r"|Cir|Circle|Hwy|Highway|Pkwy|Parkway|Sq|Square|Close|Crescent|Trail|Plaza)\b"
        r"|(?<![\w.,/-])\d{1,6}[A-Za-z]?\s+(?:[a-z][a-z'-]*+\s+){1,3}(?:st|street|ave|avenue|blvd|boulevard|rd|ln)\b"),
     _found("a street address")),
    (_DIGITS, re.compile(r"(?<![\w-])\d{5}-\d{4}(?![\w-])"), _found("a ZIP code")),
    (None, re.compile(r"[A-Z](?<![\w][A-Z])[A-Z]?\d[A-Z\d]? \d[ABD-HJLNP-UW-Z]{2}\b"), _found("a postcode")),
    # a name after a title: pt John Smith, Mrs. Jones, Miss O'Brien, Mr J. Smith (not Dr)
    (_TITLE_WORDS,
     re.compile(r"(?<![\w.])(?P<title>[Pp]atient|PATIENT|[Pp]t|Mrs?|MRS|Ms|Mx|Miss|mrs?)\.?(?:\s*+:\s*+|\s++)"
                r"(?P<id>(?:[A-Z](?:'[A-Z])?[a-z][A-Za-z'-]*+|[A-Z]\.?(?![\w']))(?:\s[A-Z][a-z][A-Za-z'-]*+)?)"),
     _name),
    # a name in capitals: MR SMITH, MRS O'BRIEN, PATIENT JANE DOE, and after a colon any title (PT: GARCIA)
    (_TITLE_WORDS,
     re.compile(r"(?<![\w.])(?:(?P<title>MRS?|MISS|MX|PATIENT)\.?(?:\s*+:\s*+|\s++)"
                r"|(?P<colon>[Pp]atient|PATIENT|[Pp]t|PT|Mrs?|MRS?|Ms|MS|Mx|MX|Miss|MISS|mrs?)\.?\s*+:\s*+)"
                r"(?P<id>[A-Z](?:'[A-Z])?[A-Z'-]++(?:\s[A-Z][A-Z'-]++)?)(?![a-z])"),
     _named),
    (_DIGITS, re.compile(r"(?<!\d)\d{6,}"), _found("a medical record number")),
)


# A favourite's name is a lower-case slug (mr-john-smith): read with its hyphens as spaces, where a title
# and any word after it is a name (unless clinical shorthand: mr-knee, pt-eval).
_SLUG_RULES: tuple[tuple[Gate, re.Pattern[str], Check], ...] = (
    (_TITLE_WORDS, re.compile(r"(?<![a-z])(?P<title>mr|mrs|ms|miss|mx|patient|pt) (?P<id>[a-z][a-z']*+)(?![a-z])"),
     _named),
)
# Hidden in text, these would split an identifier so that no pattern sees it: soft hyphen, zero-width
# space and joiners, word joiner, byte-order mark, Mongolian vowel separator.
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e")
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")


def _normalised(text: str) -> tuple[str, list[int] | None]:
    """`text` with Unicode dashes as '-', Unicode spaces as ' ' and invisible characters removed, and where
    each character came from (None: nothing changed)."""
    if text.isascii():
        return text, None
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch in _INVISIBLE:
            continue
        out.append("-" if ch in _DASHES else " " if ch.isspace() and ch not in "\t\n\r" else ch)
        where.append(i)
    return "".join(out), where


def find_identifier(text: str) -> Finding | None:
    """The first thing in `text` that looks like a patient identifier, or None."""
    plain, where = _normalised(text)
    found = _scan(plain, _RULES)
    if found is None and ("-" in plain or "_" in plain) and plain == plain.lower() \
            and not any(ch.isspace() for ch in plain):
        found = _scan(re.sub(r"[-_]", " ", plain), (*_RULES, *_SLUG_RULES))
    if found is None or where is None:
        return found
    return Finding(found.kind, where[found.start], where[found.end - 1] + 1)


def _scan(text: str, rules: tuple[tuple[Gate, re.Pattern[str], Check], ...]) -> Finding | None:
    words = frozenset(_WORD.findall(text.lower()))
    digits = _DIGIT_STRETCH.search(text) is not None
    best: Finding | None = None
    for gate, pattern, check in rules:
        if gate == _DIGITS:
            if not digits:
                continue
        elif isinstance(gate, str):
            if gate not in text:
                continue
        elif gate is not None and words.isdisjoint(gate):
            continue
        for match in pattern.finditer(text):
            if best is not None and match.start() >= best.start:
                break
            found = check(match)
            if found is not None:
                if best is None or found.start < best.start:
                    best = found
                break
    return best


def shown(text: str, *, limit: int = 16) -> str:
    """A cell's text quoted for an error message, or a description instead: only short text with a digit and
    no word of three letters or more (a code, an amount, a modifier, a date typed wrong) that the guard
    passes is quoted; anything else (a name that slid into a date column, a note) is never repeated."""
    value = text.strip()
    if not value:
        return "empty"
    if len(value) <= limit and any(ch.isdigit() for ch in value) and value.isprintable() \
            and re.fullmatch(r"[A-Za-z0-9.,:;/()$%+*#' -]+", value) and not re.search(r"[A-Za-z]{3}", value) \
            and find_identifier(value) is None:
        return repr(value)
    return "not shown: it may hold patient data"


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
