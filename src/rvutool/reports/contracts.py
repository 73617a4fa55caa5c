"""A contract file: what an employment contract pays for work, written in TOML (README "Contracts").

    name = "mercy-2026"
    effective = 2026-01-01
    period = "month"              # month | quarter | year (a fiscal year from config)
    fte = 1.0
    base = 250000                 # per year
    threshold = 300               # wRVUs per period before productivity pay (scaled by fte)
    tier_mode = "marginal"        # or "all"
    tiers = [ { from = 300, rate = 50.0 }, { from = 350, rate = 55.0 } ]   # or: rate = 52.0
    quality_withhold = 0.05
    draw = 20000                  # per month, trued up at the year's end
    credit_release = "RVU25D"     # optional: credit on another release's values
    custom_wrvu = { D6092 = 1.2 }
    [policy]                      # the employer's payment policy (the keys of `rvutool config`)
    multiple_procedure = "none"

or a production contract: pay = "production", production_share (or collections_share), daily_guarantee,
fees = { D1110 = 120 } and lab_fees = { D2740 = 250 }.

`parse` reads one file into a `Contract` (one version: a later `effective` date makes a new version of the
same name). Every key is checked; a bad one raises RvuError naming the file, the key and the problem in one
line. Money and shares are Decimal. Nothing here touches the log, prints, or prices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from rvutool.errors import RvuError, UsageError

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
PERIODS = ("month", "quarter", "year")
MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}
TIER_MODES = ("marginal", "all")
PAY_KINDS = ("wrvu", "production")
MAX_MONEY = Decimal("100000000")  # $100M: any larger figure is a typo
MAX_RATE = Decimal("100000")
MAX_WRVU = Decimal("1000000")
MAX_CODES = 20_000
_CODE = re.compile(r"^[0-9A-Z]{5}$")

KEYS = ("name", "effective", "period", "fte", "base", "threshold", "rate", "tiers", "tier_mode", "quality_withhold",
        "draw", "credit_release", "custom_wrvu", "policy", "pay", "production_share", "collections_share",
        "daily_guarantee", "fees", "lab_fees", "note")


@dataclass(frozen=True)
class Tier:
    start: Decimal  # wRVUs per period (before fte scaling) from which `rate` applies
    rate: Decimal  # dollars per wRVU


@dataclass(frozen=True)
class Contract:
    """One version of a contract, as its file says (defaults filled in)."""

    name: str
    effective: date | None = None  # None: from the first day there is
    period: str = "year"  # a production contract's default is "month"
    fte: Decimal = Decimal(1)
    base: Decimal = Decimal(0)  # per year
    threshold: Decimal = Decimal(0)  # wRVUs per period, before fte scaling
    tiers: tuple[Tier, ...] = ()  # `rate = R` is one tier from 0
    tier_mode: str = "marginal"
    flat_rate: bool = False  # written as `rate`, not `tiers`
    quality_withhold: Decimal = Decimal(0)
    draw: Decimal = Decimal(0)  # per month
    credit_release: str | None = None
    custom_wrvu: dict[str, Decimal] = field(default_factory=dict)
    policy: dict[str, str] = field(default_factory=dict)
    pay: str = "wrvu"
    production_share: Decimal | None = None
    collections_share: Decimal | None = None
    daily_guarantee: Decimal = Decimal(0)
    fees: dict[str, Decimal] = field(default_factory=dict)
    lab_fees: dict[str, Decimal] = field(default_factory=dict)
    note: str = ""
    source: str = ""  # the file's text, as stored

    @property
    def production(self) -> bool:
        return self.pay == "production"

    @property
    def share(self) -> Decimal:
        return self.production_share if self.production_share is not None else (self.collections_share or Decimal(0))

    @property
    def on_collections(self) -> bool:
        return self.collections_share is not None

    @property
    def reprices(self) -> bool:
        """Whether crediting under this contract prices entries again (another release or policy)."""
        return self.credit_release is not None or bool(self.policy)

    @property
    def effective_text(self) -> str:
        return self.effective.isoformat() if self.effective else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "effective": self.effective_text or None, "period": self.period, "fte": self.fte,
            "base": self.base, "threshold": self.threshold, "tier_mode": self.tier_mode,
            "tiers": [{"from": t.start, "rate": t.rate} for t in self.tiers],
            "quality_withhold": self.quality_withhold, "draw": self.draw, "credit_release": self.credit_release,
            "custom_wrvu": dict(self.custom_wrvu), "policy": dict(self.policy), "pay": self.pay,
            "production_share": self.production_share, "collections_share": self.collections_share,
            "daily_guarantee": self.daily_guarantee, "fees": dict(self.fees), "lab_fees": dict(self.lab_fees),
            "note": self.note or None,
        }


class _Bad(Exception):
    """A key's value is wrong; the message says what is expected."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key, self.problem = key, problem


def check_name(text: str, what: str = "contract name") -> str:
    name = text.strip().lower()
    if not NAME.match(name):
        raise UsageError(f"{what} {text!r}: use 1 to 32 lower-case letters, digits, '-' or '_' (starting with a "
                         "letter or digit), such as mercy-2026")
    return name


# ---------------------------------------------------------------- values
def _number(key: str, raw: Any, what: str, *, low: Decimal = Decimal(0), low_ok: bool = True,
            high: Decimal = MAX_MONEY, high_ok: bool = False) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | Decimal):
        raise _Bad(key, f"expected {what}, a number such as {_example(what)}; got {_shown(raw)}")
    value = Decimal(raw)
    if not value.is_finite():
        raise _Bad(key, f"expected {what}; got {_shown(raw)}")
    if value < low or (value == low and not low_ok):
        raise _Bad(key, f"expected {what}; it must be {'at least' if low_ok else 'above'} {low}")
    if value > high or (value == high and not high_ok):
        raise _Bad(key, f"expected {what}; it must be {'at most' if high_ok else 'below'} {high:,}")
    return value


def _example(what: str) -> str:
    if "share" in what or "equivalent" in what:
        return "0.8"
    return "52.50" if "dollar" in what or "fee" in what else "300"


def _shown(raw: Any) -> str:
    text = repr(raw) if not isinstance(raw, Decimal) else str(raw)
    return text if len(text) <= 40 else text[:37] + "..."


def _money(key: str, raw: Any) -> Decimal:
    return _number(key, raw, "a dollar amount")


def _share(key: str, raw: Any, *, zero_ok: bool, one_ok: bool) -> Decimal:
    return _number(key, raw, "a share between 0 and 1", low_ok=zero_ok, high=Decimal(1), high_ok=one_ok)


def _choice(key: str, raw: Any, allowed: tuple[str, ...]) -> str:
    value = raw.strip().lower() if isinstance(raw, str) else None
    if value not in allowed:
        raise _Bad(key, f"expected {' or '.join(repr(a) for a in allowed)}; got {_shown(raw)}")
    return value


def _effective(raw: Any) -> date:
    from datetime import datetime

    if isinstance(raw, datetime):
        raise _Bad("effective", "expected a date such as 2026-01-01 (no time of day)")
    if isinstance(raw, date):
        day = raw
    elif isinstance(raw, str) and raw.isascii():
        try:
            day = date.fromisoformat(raw.strip())
        except ValueError:
            raise _Bad("effective", f"expected a date such as 2026-01-01; got {_shown(raw)}") from None
    else:
        raise _Bad("effective", f"expected a date such as 2026-01-01; got {_shown(raw)}")
    if not 1900 <= day.year <= 2999:
        raise _Bad("effective", f"expected a date from 1900 to 2999; got {day}")
    return day


def _code(key: str, raw: str) -> str:
    code = raw.strip().upper()
    if not _CODE.match(code):
        raise _Bad(key, "expected a 5-character CPT, HCPCS or CDT code such as D6092")
    return code


def _code_table(key: str, raw: Any, what: str, *, zero_ok: bool, high: Decimal) -> dict[str, Decimal]:
    if not isinstance(raw, dict):
        raise _Bad(key, f"expected a table of codes, such as {key} = {{ D6092 = 1.2 }}")
    if len(raw) > MAX_CODES:
        raise _Bad(key, f"more than {MAX_CODES:,} codes")
    out: dict[str, Decimal] = {}
    for text, value in raw.items():
        code = _code(f"{key}.{text}", text)
        if code in out:
            raise _Bad(f"{key}.{text}", f"{code} is given twice")
        out[code] = _number(f"{key}.{code}", value, what, low_ok=zero_ok, high=high)
    return out


def _tiers(raw: Any) -> tuple[Tier, ...]:
    if not isinstance(raw, list) or not raw:
        raise _Bad("tiers", "expected a list of tiers such as [ { from = 300, rate = 50.0 }, { from = 350, "
                            "rate = 55.0 } ]")
    found: list[Tier] = []
    for n, tier in enumerate(raw, start=1):
        key = f"tiers[{n}]"
        if not isinstance(tier, dict):
            raise _Bad(key, "expected a table such as { from = 300, rate = 50.0 }")
        unknown = sorted(set(tier) - {"from", "rate"})
        if unknown:
            raise _Bad(f"{key}.{unknown[0]}", "unknown key: a tier has `from` (wRVUs) and `rate` ($ per wRVU)")
        if "from" not in tier or "rate" not in tier:
            raise _Bad(key, "a tier needs both `from` (wRVUs) and `rate` ($ per wRVU)")
        start = _number(f"{key}.from", tier["from"], "a number of wRVUs", high=MAX_WRVU)
        rate = _number(f"{key}.rate", tier["rate"], "dollars per wRVU", low_ok=False, high=MAX_RATE)
        if found and start <= found[-1].start:
            raise _Bad(f"{key}.from", f"tiers must start at increasing wRVUs: {start} is not above "
                                      f"{found[-1].start}")
        found.append(Tier(start, rate))
    return tuple(found)


def _policy(raw: Any) -> dict[str, str]:
    from rvutool.pricing.policy import CHOICES

    if not isinstance(raw, dict):
        raise _Bad("policy", "expected a table such as [policy] with multiple_procedure = \"none\"")
    out: dict[str, str] = {}
    for key, value in raw.items():
        if key not in CHOICES or key == "work_gpci_floor":
            allowed = ", ".join(k for k in CHOICES if k != "work_gpci_floor")
            raise _Bad(f"policy.{key}", f"unknown payment-policy key; the keys are {allowed}")
        out[key] = _choice(f"policy.{key}", value, CHOICES[key])
    return out


# ---------------------------------------------------------------- the file
def parse(text: str, *, origin: str, name: str | None = None) -> Contract:
    """One contract version from its TOML text; RvuError '<origin>: <key>: <problem>' for anything wrong.
    `name` (from --name) wins over the file's."""
    import tomllib

    try:
        table = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise RvuError(f"{origin}: not valid TOML ({exc})") from None
    except (RecursionError, ValueError) as exc:
        raise RvuError(f"{origin}: not valid TOML ({type(exc).__name__})") from None
    try:
        return _contract(table, text, name)
    except _Bad as bad:
        raise RvuError(f"{origin}: {bad.key}: {bad.problem}") from None


def _contract(t: dict[str, Any], text: str, name: str | None) -> Contract:
    unknown = [k for k in t if k not in KEYS]
    if unknown:
        raise _Bad(unknown[0], f"unknown key; the keys are {', '.join(KEYS)}")
    if name is None:
        if "name" not in t:
            raise _Bad("name", "missing: give the contract a name (name = \"mercy-2026\") or use --name")
        if not isinstance(t["name"], str):
            raise _Bad("name", "expected a name such as \"mercy-2026\"")
        try:
            name = check_name(t["name"])
        except UsageError:
            raise _Bad("name", "use 1 to 32 lower-case letters, digits, '-' or '_', such as mercy-2026") from None
    values: dict[str, Any] = {"name": name, "source": text}
    if "effective" in t:
        values["effective"] = _effective(t["effective"])
    if "period" in t:
        values["period"] = _choice("period", t["period"], PERIODS)
    if "fte" in t:
        values["fte"] = _number("fte", t["fte"], "a full-time equivalent above 0, at most 1", low_ok=False,
                                high=Decimal(1), high_ok=True)
    for key in ("base", "draw", "daily_guarantee"):
        if key in t:
            values[key] = _money(key, t[key])
    if "threshold" in t:
        values["threshold"] = _number("threshold", t["threshold"], "a number of wRVUs", high=MAX_WRVU)
    if "rate" in t and "tiers" in t:
        raise _Bad("rate", "give `rate` (one rate) or `tiers`, not both")
    if "rate" in t:
        rate = _number("rate", t["rate"], "dollars per wRVU", low_ok=False, high=MAX_RATE)
        values["tiers"], values["flat_rate"] = (Tier(Decimal(0), rate),), True
    if "tiers" in t:
        values["tiers"] = _tiers(t["tiers"])
    if "tier_mode" in t:
        values["tier_mode"] = _choice("tier_mode", t["tier_mode"], TIER_MODES)
    if "quality_withhold" in t:
        values["quality_withhold"] = _share("quality_withhold", t["quality_withhold"], zero_ok=True, one_ok=False)
    if "credit_release" in t:
        raw = t["credit_release"]
        if not isinstance(raw, str) or not re.fullmatch(r"RVU\d\d[A-Z]R?", raw.strip().upper()):
            raise _Bad("credit_release", f"expected a CMS release id such as \"RVU25D\"; got {_shown(raw)}")
        values["credit_release"] = raw.strip().upper()
    if "custom_wrvu" in t:
        values["custom_wrvu"] = _code_table("custom_wrvu", t["custom_wrvu"], "wRVUs per unit", zero_ok=True,
                                            high=Decimal(1000))
    if "policy" in t:
        values["policy"] = _policy(t["policy"])
    if "pay" in t:
        values["pay"] = _choice("pay", t["pay"], PAY_KINDS)
    for key in ("production_share", "collections_share"):
        if key in t:
            values[key] = _share(key, t[key], zero_ok=False, one_ok=True)
    if "fees" in t:
        values["fees"] = _code_table("fees", t["fees"], "a fee in dollars", zero_ok=False, high=MAX_MONEY)
    if "lab_fees" in t:
        values["lab_fees"] = _code_table("lab_fees", t["lab_fees"], "a lab fee in dollars", zero_ok=True,
                                         high=MAX_MONEY)
    if "note" in t:
        if not isinstance(t["note"], str) or len(t["note"]) > 200:
            raise _Bad("note", "expected a short text (at most 200 characters)")
        values["note"] = t["note"].strip()
    if values.get("pay") == "production" and "period" not in t:
        values["period"] = "month"  # a production contract's period only groups its days: monthly, as paid
    contract = Contract(**values)
    _consistent(contract, t)
    return contract


def _consistent(c: Contract, t: dict[str, Any]) -> None:
    """Keys that only make sense together."""
    if c.production:
        for key in ("threshold", "rate", "tiers", "tier_mode", "credit_release", "custom_wrvu", "policy"):
            if key in t:
                raise _Bad(key, "a production contract (pay = \"production\") pays a share of production, not "
                                "wRVUs: remove it, or pay = \"wrvu\"")
        if c.production_share is None and c.collections_share is None:
            raise _Bad("production_share", "missing: a production contract needs production_share (or "
                                           "collections_share), such as production_share = 0.30")
        if c.production_share is not None and c.collections_share is not None:
            raise _Bad("collections_share", "give production_share or collections_share, not both")
        return
    for key in ("production_share", "collections_share", "daily_guarantee", "fees", "lab_fees"):
        if key in t:
            raise _Bad(key, "only a production contract uses it: add pay = \"production\"")
    if not c.tiers and not c.base and not c.draw:
        raise _Bad("rate", "no pay rule: give rate or tiers (productivity), or base (salary), or "
                           "pay = \"production\" with production_share")
    if c.threshold and not c.tiers:
        raise _Bad("threshold", "a threshold needs a rate or tiers to pay the wRVUs above it")


def check_with_catalog(contract: Contract, catalog: Any, origin: str) -> list[str]:
    """What the CMS data says about the contract's codes and release: RvuError for a release or a code rvutool
    does not have; notes (sentences) for codes given custom wRVU that CMS does value."""
    notes: list[str] = []
    if contract.credit_release is not None:
        try:
            catalog.release(contract.credit_release)
        except RvuError:
            known = ", ".join(sorted({r.id for r in catalog.releases}))
            raise RvuError(f"{origin}: credit_release: no release {contract.credit_release} (rvutool has {known}; "
                           "`rvutool data import` adds others)") from None
    codes = set(catalog.all_codes()) if (contract.custom_wrvu or contract.fees or contract.lab_fees) else set()
    for key, table in (("custom_wrvu", contract.custom_wrvu), ("fees", contract.fees), ("lab_fees", contract.lab_fees)):
        for code in table:
            if code not in codes:
                raise RvuError(f"{origin}: {key}.{code}: not a code in any CMS release rvutool has")
    from rvutool import dates

    release, _ = catalog.release_for(contract.effective or dates.today())
    valued = [code for code in contract.custom_wrvu
              if any(row.has_work_rvu for row in catalog.rows(code, release).values())]
    if valued:
        notes.append(f"custom_wrvu: {', '.join(valued)} {'has' if len(valued) == 1 else 'have'} a CMS work RVU; "
                     "custom credit applies only to entries logged with none")
    return notes


def read_file(path_text: str, name: str | None = None) -> Contract:
    """A contract file from disk (bounded, regular files only), parsed."""
    from pathlib import Path

    from rvutool.reports import tables

    path = Path(path_text).expanduser()
    raw = tables.read_bytes(path, tables.MAX_TOML_BYTES, "a contract file (.toml)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RvuError(f"{tables.shown(path)}: not UTF-8 text") from None
    return parse(text, origin=tables.shown(path), name=name)


# ---------------------------------------------------------------- versions
@dataclass
class Versions:
    """Every version of one contract, oldest first: each applies from its effective date until the next's."""

    name: str
    versions: list[Contract]
    fees: dict[str, tuple[Decimal, Decimal | None]] = field(default_factory=dict)  # imported: code -> (fee, lab)

    def at(self, day: date) -> Contract | None:
        found = None
        for version in self.versions:
            if version.effective is None or version.effective <= day:
                found = version
        return found

    def until(self, index: int) -> date | None:
        """The last day version `index` applies (None: open-ended)."""
        from datetime import timedelta

        later = self.versions[index + 1:] if index + 1 < len(self.versions) else []
        return later[0].effective - timedelta(days=1) if later and later[0].effective else None

    def fee(self, version: Contract, code: str) -> Decimal | None:
        """A code's fee: the version's own `fees` first, then the imported schedule."""
        if code in version.fees:
            return version.fees[code]
        found = self.fees.get(code)
        return found[0] if found else None

    def lab_fee(self, version: Contract, code: str) -> Decimal:
        if code in version.lab_fees:
            return version.lab_fees[code]
        found = self.fees.get(code)
        return found[1] if found and found[1] is not None else Decimal(0)


def versions_from_rows(name: str, rows: list[Any], fees: dict[str, tuple[Decimal, Decimal | None]]) -> Versions:
    """Stored rows (name, effective, source, added_at) of one contract as its versions, oldest first."""
    parsed = [parse(row.source, origin=f"contract {name} (effective {row.effective or 'always'})", name=name)
              for row in sorted(rows, key=lambda r: r.effective)]
    return Versions(name, parsed, fees)
