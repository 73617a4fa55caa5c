"""User settings: a small TOML file in the config directory (paths.config_file()).

    rate = 55.00                 # dollars per wRVU, for compensation estimates
    fiscal_year_start = 7        # --year then means the fiscal year (FY2026 = Jul 2025 - Jun 2026)
    locality = "01182-18"        # a Medicare payment locality (MAC-locality) or a 5-digit ZIP
    [target]
    month = 600                  # wRVU goals
    year = 7200
    [policy]
    multiple_procedure = "medicare"   # how the payment rules credit modifiers (see policy.py)

Reading never creates anything. A file that is not valid TOML, or holds a bad value,
raises ConfigError naming the file and is never overwritten. Values typed on the
command line that are wrong (unknown key, bad value) are usage errors (exit 2).
Writes are atomic (temporary file, fsync, rename) with mode 0600.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rvutool import policy
from rvutool.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from rvutool.policy import Policy

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
_LOCALITY = re.compile(r"^\d{5}-\d{2}$")
_ZIP = re.compile(r"^\d{5}$")
_MAX_AMOUNT = Decimal("1000000")


class _BadValue(Exception):
    """A value failed validation; the message says what is expected."""


def _positive_decimal(raw: Any, what: str) -> Decimal:
    if isinstance(raw, bool):
        raise _BadValue(f"expected {what}")
    text = str(raw).strip().lstrip("$").replace(",", "") if isinstance(raw, str) else raw
    try:
        value = Decimal(str(text))
    except (InvalidOperation, ValueError):
        raise _BadValue(f"expected {what}") from None
    if not value.is_finite() or value <= 0:
        raise _BadValue(f"expected {what}; it must be greater than 0")
    if value >= _MAX_AMOUNT:
        raise _BadValue(f"expected {what}; it must be below {_MAX_AMOUNT:,}")
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise _BadValue(f"expected {what}, with at most 2 decimals")
    return value


def _rate(raw: Any) -> Decimal:
    return _positive_decimal(raw, "dollars per wRVU, such as 55 or 52.50")


def _target(raw: Any) -> Decimal:
    return _positive_decimal(raw, "a number of wRVUs, such as 600")


def _month(raw: Any) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = raw
    elif isinstance(raw, str) and raw.strip().isdigit():
        number = int(raw.strip())
    elif isinstance(raw, str) and len(raw.strip()) >= 3:
        name = raw.strip().lower()
        matches = [i + 1 for i, month in enumerate(MONTHS) if month.startswith(name)]
        if len(matches) != 1:
            raise _BadValue("expected a month: 1-12 or a name such as july")
        number = matches[0]
    else:
        raise _BadValue("expected a month: 1-12 or a name such as july")
    if not 1 <= number <= 12:
        raise _BadValue("expected a month: 1-12 or a name such as july")
    return number


def _choice(*options: str) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        value = str(raw).strip().lower() if isinstance(raw, str) else None
        if value not in options:
            raise _BadValue(f"expected {' or '.join(options)}")
        return value

    return parse


def _locality(raw: Any) -> str:
    value = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    if not (_LOCALITY.match(value) or _ZIP.match(value)):
        raise _BadValue("expected a locality id such as 01182-18 (MAC-locality) or a 5-digit ZIP code")
    return value


@dataclass(frozen=True)
class Key:
    name: str
    parse: Callable[[Any], Any]
    default: Any
    help: str
    toml: Callable[[Any], str] = field(default=lambda v: _number(v))


def _number(value: Any) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _quoted(value: Any) -> str:
    import json

    return json.dumps(str(value), ensure_ascii=False)


KEYS: dict[str, Key] = {k.name: k for k in (
    Key("rate", _rate, None, "dollars per wRVU for compensation estimates"),
    Key("target.month", _target, None, "wRVU goal for a month"),
    Key("target.year", _target, None, "wRVU goal for a (fiscal) year"),
    Key("fiscal_year_start", _month, 1,
        "first month of the fiscal year (1-12 or a name); FY2026 is the one ending in 2026"),
    Key("locality", _locality, None, "Medicare payment locality (such as 01182-18) or a 5-digit ZIP",
        _quoted),
    *(Key(f"policy.{name}", _choice(*policy.CHOICES[name]), policy.default(name), policy.help_text(name), _quoted)
      for name in policy.CHOICES),
)}


def check_key(key: str) -> Key:
    spec = KEYS.get(key.strip().lower())
    if spec is None:
        raise UsageError(f"unknown setting {key!r}; settings are: {', '.join(KEYS)}")
    return spec


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in table.items():
        dotted = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


@dataclass
class Config:
    """Settings as stored (only the keys that are set) plus the file they came from."""

    path: Path
    values: dict[str, Any] = field(default_factory=dict)  # validated, keyed by dotted name
    unknown: dict[str, Any] = field(default_factory=dict)  # keys rvutool does not know; kept on write

    def is_set(self, key: str) -> bool:
        return check_key(key).name in self.values

    def get(self, key: str) -> Any:
        """The value in force: the stored one, or the default (None when there is none)."""
        spec = check_key(key)
        return self.values.get(spec.name, spec.default)

    @property
    def rate(self) -> Decimal | None:
        return self.get("rate")

    @property
    def fiscal_year_start(self) -> int:
        return int(self.get("fiscal_year_start"))

    def target(self, kind: str) -> Decimal | None:
        return self.get(f"target.{kind}")

    def policy(self) -> Policy:
        from rvutool.policy import Policy

        return Policy(**{name.split(".", 1)[1]: self.get(name) for name in KEYS if name.startswith("policy.")})

    def rows(self) -> list[tuple[str, Any, bool, str]]:
        """(key, value in force, whether it is set, help) for every known key."""
        return [(name, self.get(name), name in self.values, spec.help) for name, spec in KEYS.items()]

    def to_toml(self) -> str:
        top: list[str] = []
        tables: dict[str, list[str]] = {}
        merged = {**self.unknown, **self.values}
        for name in sorted(merged, key=lambda n: (n.count("."), list(KEYS).index(n) if n in KEYS else 99, n)):
            value = merged[name]
            text = KEYS[name].toml(value) if name in KEYS else _unknown_toml(name, value, self.path)
            table, _, leaf = name.rpartition(".")
            (tables.setdefault(table, []) if table else top).append(f"{_bare(leaf, self.path)} = {text}")
        out = ["# rvutool settings. Change them with `rvutool config set KEY VALUE`.", *top]
        for table, lines in tables.items():
            out += ["", f"[{'.'.join(_bare(p, self.path) for p in table.split('.'))}]", *lines]
        return "\n".join(out) + "\n"


def _bare(name: str, path: Path) -> str:
    if not re.match(r"^[A-Za-z0-9_-]+$", name):
        raise ConfigError(f"{path}: key {name!r} cannot be rewritten by rvutool; edit the file by hand")
    return name


def _unknown_toml(name: str, value: Any, path: Path) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, str):
        return _quoted(value)
    raise ConfigError(f"{path}: setting {name!r} is not one rvutool knows and cannot be rewritten; "
                      "remove it by hand")


def load(path: Path | None = None) -> Config:
    """Read the settings. A missing file means defaults; a damaged one raises ConfigError."""
    import tomllib

    from rvutool import paths

    path = path or paths.config_file()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config(path)
    except OSError as exc:
        raise ConfigError(f"cannot read settings file {path}: {exc.strerror or exc}") from None
    try:
        table = tomllib.loads(raw.decode("utf-8"), parse_float=Decimal)
    except UnicodeDecodeError:
        raise ConfigError(f"settings file {path} is not UTF-8 text; fix or remove it") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"settings file {path} is not valid TOML ({exc}); fix or remove it") from None
    config = Config(path)
    for name, value in _flatten(table).items():
        spec = KEYS.get(name)
        if spec is None:
            config.unknown[name] = value
            continue
        try:
            config.values[name] = spec.parse(value)
        except _BadValue as exc:
            raise ConfigError(f"settings file {path}: {name} = {value!r} is not valid ({exc}); "
                              f"fix it or run `rvutool config unset {name}`") from None
    return config


def parse_value(key: str, value: str, *, option: str | None = None) -> Any:
    """Validate a value typed on the command line (for `config set`, or an option such as --rate)."""
    spec = check_key(key)
    try:
        return spec.parse(value)
    except _BadValue as exc:
        raise UsageError(f"{option or spec.name} {value!r} is not valid: {exc}") from None


@contextmanager
def _locked(path: Path | None) -> Iterator[None]:
    """Serialise read-modify-write of the settings file, so two `config set` runs both land."""
    from rvutool import datafile, paths

    target = path or paths.config_file()
    paths.ensure_private_dir(target.parent)
    with datafile.locked(target.with_name(f".{target.name}.lock")):
        yield


def _save(config: Config) -> None:
    from rvutool import datafile, paths

    payload = config.to_toml().encode("utf-8")
    paths.ensure_private_dir(config.path.parent)
    datafile.write_atomic(config.path, payload, mode=0o600)


def set_value(key: str, value: str, *, path: Path | None = None) -> Config:
    """Validate and store one setting; returns the updated settings."""
    spec = check_key(key)
    parsed = parse_value(spec.name, value)
    with _locked(path):
        config = load(path)
        config.values[spec.name] = parsed
        _save(config)
    return config


def unset(key: str, *, path: Path | None = None) -> bool:
    """Remove one setting (back to its default). False when it was not set; nothing is written then."""
    spec = check_key(key)
    with _locked(path):
        config = load(path)
        if spec.name not in config.values:
            return False
        del config.values[spec.name]
        _save(config)
    return True
