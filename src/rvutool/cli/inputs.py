"""Parsing the options several commands share, in one place, so `calc` and `log` cannot disagree.

Used by the typer CLI's actions, the start-up fast path (through the same actions) and the
interactive prompt. Each function takes what the user typed and returns a checked value or
raises UsageError (exit 2) with one line that says what to type instead.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rvutool.errors import UsageError

if TYPE_CHECKING:
    from pathlib import Path

    from rvutool.periods import Period
    from rvutool.pricing.rules import Options



def _value(option: str, text: str, parse: Any) -> Any:
    """A value through its one parser (pricing/values.py), its complaint named after the option."""
    try:
        return parse(text)
    except ValueError as exc:
        said = f"{option} {text!r} {exc}" if str(exc).startswith("must") else f"{option} {text!r}: {exc}"
        raise UsageError(said) from None


def setting(text: str | None) -> str:
    """facility or nonfacility (and what pricing.values.setting understands); facility when not given."""
    from rvutool.pricing import values

    return "facility" if text is None else _value("--setting", text, values.setting)


def fraction(text: str | None) -> Decimal | None:
    from rvutool.pricing import values

    return None if text is None else _value("--fraction", text, values.fraction)


def postop_days(text: str | None) -> int | None:
    from rvutool.pricing import values

    return None if text is None else _value("--postop-days", text, values.postop_days)


def units(text: str | None, option: str = "--units") -> int | None:
    from rvutool.pricing import values

    return None if text is None else _value(option, text, values.units)


def modifiers(text: str | None) -> tuple[str, ...] | None:
    """'26', '50-RT', '50 RT' or '50,RT'; '' for none."""
    from rvutool.pricing.items import check_modifier

    if text is None:
        return None
    parts = [m for m in text.replace(",", "-").replace(" ", "-").split("-") if m]
    mods = tuple(check_modifier(m) for m in parts)
    if len(set(mods)) != len(mods):
        raise UsageError(f"--modifiers {text!r}: a modifier is repeated")
    return mods


def entry_id(text: str, what: str = "an entry id", shown: str = "the # column of `rvutool list`") -> int:
    value = text.strip().lstrip("#")
    if not (value.isascii() and value.isdigit()) or len(value) > 12 or int(value) < 1:
        raise UsageError(f"{text!r} is not {what}: use the number in {shown}, such as 12")
    return int(value)


def encounter_number(text: str) -> int:
    return entry_id(text, "an encounter number", "the Enc column of `rvutool list`")


def encounter_options(setting_text: str | None, fraction_text: str | None, postop_text: str | None,
                      **extra: Any) -> Options:
    """rules.Options from --setting, --fraction and --postop-days."""
    from rvutool.pricing.rules import Options

    return Options(setting=setting(setting_text), fraction=fraction(fraction_text),
                   postop_days=postop_days(postop_text), **extra)


def when(date_text: str | None, year_text: str | None) -> date | None:
    """--date or --year (not both) of lookup and search: a date of service, or a year's last day (the release in
    force then; a fiscal year when fiscal_year_start is set, as every --year means)."""
    from rvutool import dates

    if date_text is not None and year_text is not None:
        raise UsageError("give --date or --year, not both")
    if date_text is not None:
        return dates.parse_date(date_text)
    if year_text is None:
        return None
    from rvutool import periods

    start = fiscal_year_start()
    return periods.year_period(periods.parse_year(year_text, today=dates.today(), fiscal_year_start=start), start).end


def fiscal_year_start() -> int:
    """The configured fiscal year's first month; 1 without a settings file (config is then not even loaded)."""
    import os

    from rvutool import paths

    try:
        os.stat(paths.config_file())
    except FileNotFoundError:
        return 1
    from rvutool import config

    return config.load().fiscal_year_start


def service_date(text: str | None) -> date:
    """The date of service of work being logged: today by default, never in the future."""
    from rvutool import dates

    return dates.parse_date(text if text is not None else "today", allow_future=False)


def limit(text: int | str) -> int:
    number = str(text).strip()  # both entry paths pass the option's text
    digits = number.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()):
        raise UsageError(f"--limit must be a whole number, not {text!r}")
    return int(number)


def provider(text: str | None) -> str | None:
    """`--provider NAME`: a user of a practice's shared log, as `rvutool db add-user` made it."""
    if text is None:
        return None
    name = text.strip()
    if not name or len(name) > 63 or not all(c.isascii() and (c.islower() or c.isdigit() or c == "_") for c in name) \
            or name[0].isdigit():
        raise UsageError(f"--provider {text!r}: give a user name of the practice's log (lower-case letters, digits, _)")
    return name


def text(value: str, option: str) -> str:
    """Typed text that can be stored: not bytes that are not UTF-8 (Python hands those over as lone
    surrogates, '\\udcff', which no file or database can hold)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"{option} {value!r} holds bytes that are not UTF-8 text; retype it") from None
    return value


def readable_path(text: str) -> Path:
    """A file named to be read (an import). A name the system refuses outright (too long, say) is one
    line here; a file that is missing is left to the reader, which says so in its own words."""
    import os
    from pathlib import Path

    from rvutool.errors import RvuError

    path = Path(text).expanduser()
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        pass
    except OSError as exc:
        import errno

        why = "file name too long for this system" if exc.errno == errno.ENAMETOOLONG else exc.strerror or exc
        raise RvuError(f"cannot read {text!r}: {why}") from None
    except ValueError:  # a NUL byte: no file can have that name
        raise UsageError(f"{text!r} is not a file name") from None
    return path


def free_text(note: str | None, case: str | None, allow: bool) -> tuple[str | None, str | None]:
    """--note and --case, stripped and checked by the privacy guard; '' means none."""
    from rvutool import phi

    out = []
    for field, value in (("--note", note), ("--case", case)):
        if value is not None:
            value = value.strip()
            text(value, field)
            phi.check_note(value, field=field, allow=allow)
        out.append(value or None)
    return out[0], out[1]


def period(month: str | None = None, week: bool = False, year: str | None = None, from_: str | None = None,
           to: str | None = None, all_: bool = False, *, default_all: bool = False,
           fiscal_year_start: int | None = None, today: date | None = None) -> Period:
    """The period the period options ask for (this month by default, or everything)."""
    from rvutool import dates, periods

    if default_all and not any((month, week, year, from_, to, all_)):
        all_ = True
    if fiscal_year_start is None:
        from rvutool import config

        fiscal_year_start = config.load().fiscal_year_start
    return periods.from_options(month, week, year, from_, to, all_, today=today or dates.today(),
                                fiscal_year_start=fiscal_year_start)


def place(locality_text: str | None, zip_text: str | None, configured: str | None) -> tuple[str | None, str | None]:
    """The one choice of where dollar figures are priced, for every command: --locality or --zip as typed (not
    both; an empty one is refused, never taken as "none"), else the configured locality, else (None, None):
    national amounts."""
    if locality_text is None and zip_text is None:
        return (configured, None) if configured else (None, None)
    if locality_text is not None and zip_text is not None:
        raise UsageError("give --locality or --zip, not both")
    given = locality_text if locality_text is not None else zip_text
    if not (given or "").strip():
        raise UsageError(f"{'--locality' if locality_text is not None else '--zip'} needs a value: a locality id such "
                         "as 01182-18, a name such as 'los angeles', or a ZIP code")
    return locality_text, zip_text


def locality(locality_text: str | None, zip_text: str | None, qp: bool, year: int,
             configured: str | None, catalog: Any = None) -> Any:
    """The locality `place` chooses, with the GPCIs of a year; None for national amounts."""
    from rvutool.pricing import locality as localities

    chosen = place(locality_text, zip_text, configured)
    return None if chosen == (None, None) else localities.resolve(*chosen, year, catalog)


def release_id(text: str) -> str:
    """A CMS release id as CMS names them: RVU26C, RVU27A, rvu25d (a correction: RVU26AR)."""
    value = text.strip().upper()
    if not re.fullmatch(r"RVU[0-9]{2}[A-D]R?", value):
        raise UsageError(f"{text!r} is not a CMS release: give an id such as RVU26C or RVU27A "
                         "(rvutool data status lists them)")
    return value


def configured_policy() -> Any:
    """The payment policy in the settings (Medicare's rules unless set)."""
    from rvutool import config

    return config.load().policy()


def default_setting(setting: str | None) -> str | None:
    """--setting as typed, else the configured `setting` (facility unless set)."""
    from rvutool import config

    return setting if setting is not None else config.load().get("setting")
