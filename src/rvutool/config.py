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
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rvutool.errors import ConfigError, UsageError
from rvutool.pricing import policy

if TYPE_CHECKING:
    from rvutool.pricing.policy import Policy

_LOCALITY = re.compile(r"^[0-9]{5}-[0-9]{2}$")  # [0-9], not \d: \d takes Arabic-Indic and other digits
_ZIP = re.compile(r"^[0-9]{5}$")
_MAX_AMOUNT = Decimal("1000000")


class _BadValue(Exception):
    """A value failed validation; the message says what is expected."""


def _positive_decimal(raw: Any, what: str) -> Decimal:
    if isinstance(raw, bool) or (isinstance(raw, str) and not raw.isascii()):  # Decimal takes '٥٥' as 55
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
    elif isinstance(raw, str) and raw.strip().isdigit() and raw.isascii():
        number = int(raw.strip())
    elif isinstance(raw, str) and len(raw.strip()) >= 3:
        name = raw.strip().lower()
        from rvutool.dates import month_number

        found = month_number(name)
        if found is None:
            raise _BadValue("expected a month: 1-12 or a name such as july")
        number = found
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


def _setting(raw: Any) -> str:
    """facility or nonfacility, read as --setting reads it (pricing.values.setting)."""
    from rvutool.pricing import values

    try:
        return values.setting(raw if isinstance(raw, str) else "")
    except ValueError:
        raise _BadValue("expected facility or nonfacility") from None


def _yes_no(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    value = raw.strip().lower() if isinstance(raw, str) else ""
    if value in {"true", "yes", "on", "1"}:
        return True
    if value in {"false", "no", "off", "0"}:
        return False
    raise _BadValue("expected true or false")


def _locality(raw: Any) -> str:
    value = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    if not (_LOCALITY.match(value) or _ZIP.match(value)):
        raise _BadValue("expected a locality id such as 01182-18 (MAC-locality) or a 5-digit ZIP code")
    return value


def _log_url(raw: Any) -> str:
    """A connection string with no secret in any form libpq takes (conninfo.secrets), and nothing libpq would
    read otherwise than it is written."""
    from rvutool import conninfo

    value = raw.strip() if isinstance(raw, str) else ""
    if not conninfo.is_postgres(value):
        raise _BadValue("expected a postgresql:// connection string, such as postgresql://alice@db.example/practice")
    carried = [_SECRET_NAMES.get(part, part) for part in conninfo.secret_parts(value)]
    if carried:
        raise _BadValue(f"it carries a {' and a '.join(carried)}: keep the password in ~/.pgpass (mode 0600) or "
                        "PGPASSWORD, never in the settings file")
    why = conninfo.problem(value)
    if why is not None:
        raise _BadValue(why)
    return value


def _contract_name(raw: Any) -> str:
    from rvutool.reports.contracts import NAME

    value = raw.strip().lower() if isinstance(raw, str) else ""
    if not NAME.match(value):
        raise _BadValue("expected a contract's name, such as mercy-2026 (see `rvutool contract list`)")
    return value


def _specialty(raw: Any) -> str:
    value = " ".join(raw.split()) if isinstance(raw, str) else ""
    if not value or len(value) > 100 or not value.isprintable():
        raise _BadValue("expected a specialty as your benchmark table names it, such as \"Family Medicine\"")
    return value


_SECRET_NAMES = {"password": "password", "options": "password in its options", "passfile": "passfile",
                 "sslpassword": "sslpassword"}


def _person(raw: Any) -> str:
    """A clinician's name as a report writes it ("SMITH, JOHN"): one line of printable text."""
    value = " ".join(raw.split()) if isinstance(raw, str) else ""
    if not value or len(value) > 120 or not value.isprintable():
        raise _BadValue("expected a name of up to 120 characters, such as \"SMITH, JOHN\"")
    return value


@dataclass(frozen=True)
class Key:
    name: str
    parse: Callable[[Any], Any]
    default: Any
    help: str
    toml: Callable[[Any], str] = field(default=lambda v: _number(v))
    echo: bool = True  # whether a message may repeat a value (never a connection string: it may hold a secret)


def _number(value: Any) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _quoted(value: Any) -> str:
    from rvutool import tomlout

    return tomlout.string(str(value))


KEYS: dict[str, Key] = {k.name: k for k in (
    Key("rate", _rate, None, "dollars per wRVU for compensation estimates"),
    Key("target.month", _target, None, "wRVU goal for a month"),
    Key("target.year", _target, None, "wRVU goal for a (fiscal) year"),
    Key("fiscal_year_start", _month, 1,
        "first month of the fiscal year (1-12 or a name); FY2026 is the one ending in 2026"),
    Key("locality", _locality, None, "Medicare payment locality (such as 01182-18) or a 5-digit ZIP",
        _quoted),
    Key("setting", _setting, "facility", "where you usually work, facility or nonfacility: the default "
        "--setting of log, calc, import and the log prompt", _quoted),
    Key("qp", _yes_no, False, "paid as a qualifying APM participant (QP): every dollar figure uses the QP "
        "conversion factor, not the non-QP one", lambda v: "true" if v else "false"),
    Key("log.url", _log_url, None, "a practice's shared log on PostgreSQL (postgresql://user@host/db)", _quoted,
        echo=False),
    Key("contract", _contract_name, None, "the contract `summary`, `report` and `plan` use when none is named "
        "(rvutool contract add FILE.toml)", _quoted),
    Key("benchmark.specialty", _specialty, None, "the specialty `summary` and `report` compare you with in your "
        "benchmark tables (rvutool benchmark import)", _quoted),
    Key("report.name", _person, None, "your name as the title of `rvutool report` shows it", _quoted),
    Key("report.provider", _person, None, "your name as your employer's report writes it in its provider column "
        "(reconcile)", _quoted),
    *(Key(f"policy.{name}", _choice(*policy.CHOICES[name]), policy.default(name), policy.help_text(name), _quoted)
      for name in policy.CHOICES),
)}


def check_key(key: str) -> Key:
    spec = KEYS.get(key.strip().lower())
    if spec is None:
        raise UsageError(f"unknown setting {key!r}; settings are: {', '.join(KEYS)}")
    return spec


def _leaves(table: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(key path, value) of every value in a nested table, in file order; no recursion (a file may nest
    tables thousands deep)."""
    stack: list[tuple[tuple[str, ...], Any]] = [((), table)]
    while stack:
        path, current = stack.pop()
        if isinstance(current, dict):
            stack.extend(reversed([(path + (k,), v) for k, v in current.items()]))
        elif path:
            yield path, current


def _display(path: tuple[str, ...]) -> str:
    """A key path as the dotted name users type: target.month; parts that need it quoted."""
    from rvutool import tomlout

    return tomlout.dotted(path)


@dataclass
class Config:
    """Settings as stored (only the keys that are set) plus the file they came from."""

    path: Path
    values: dict[str, Any] = field(default_factory=dict)  # validated, keyed by dotted name
    unknown: dict[str, Any] = field(default_factory=dict)  # keys rvutool does not know; kept on write
    table: dict[str, Any] = field(default_factory=dict)  # the file as read (nested): what a write starts from

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
        from rvutool.pricing.policy import Policy

        return Policy(**{name.split(".", 1)[1]: self.get(name) for name in KEYS if name.startswith("policy.")})

    def shown(self, key: str) -> Any:
        """The value in force as it may be printed: a connection string with any secret masked."""
        from rvutool import conninfo

        value = self.get(key)
        return value if check_key(key).echo or value is None else conninfo.shown(str(value))

    def rows(self) -> list[tuple[str, Any, bool, str]]:
        """(key, value in force as it may be printed, whether it is set, help) for every known key."""
        return [(name, self.shown(name), name in self.values, spec.help) for name, spec in KEYS.items()]

    def document(self) -> dict[str, Any]:
        """The table to write: the file as read with the known settings replaced by `values`.

        A setting whose place in the file is taken (target = 5 where target.month needs a table, or a
        [rate] table where rate is a value) raises ConfigError naming it; the file is left as it is.
        """
        from rvutool import tomlout

        doc = dict(self.table)
        for name, spec in KEYS.items():
            *parents, leaf = name.split(".")
            node, chain = doc, []
            for depth, part in enumerate(parents):
                child = node.get(part)
                if child is not None and not isinstance(child, dict):
                    if name in self.values:
                        raise self._clash(name, f"{'.'.join(parents[:depth + 1])} is a value, not a table")
                    break
                if child is None and name not in self.values:
                    break
                child = dict(child or {})  # copied: the table as read stays as it was
                node[part] = child
                chain.append((node, part))
                node = child
            else:
                if isinstance(node.get(leaf), dict):
                    if name in self.values:
                        raise self._clash(name, f"{name} is a table, not a value")
                elif name in self.values:
                    node[leaf] = tomlout.Verbatim(spec.toml(self.values[name]))
                elif leaf in node:
                    del node[leaf]
                    for parent, part in reversed(chain):  # drop the tables the removal emptied
                        if parent[part]:
                            break
                        del parent[part]
        return doc

    def _clash(self, name: str, what: str) -> ConfigError:
        return ConfigError(f"cannot set {name}: in {self.path}, {what}; rename or remove it by hand "
                           "(nothing was changed)")

    def to_toml(self) -> str:
        from rvutool import tomlout

        return tomlout.dumps(self.document(), "# rvutool settings. Change them with `rvutool config set KEY VALUE`.")


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
    except RecursionError:
        raise ConfigError(f"settings file {path} nests arrays or tables too deeply to read; "
                          "fix or remove it") from None
    except ValueError as exc:  # tomllib lets Python's limit on the digits of an integer through
        raise ConfigError(f"settings file {path} is not valid TOML ({exc}); fix or remove it") from None
    config = Config(path, table=table)
    for key_path, value in _leaves(table):
        name = ".".join(key_path)
        spec = KEYS.get(name) if _display(key_path) == name else None
        if spec is None:
            config.unknown[_display(key_path)] = value
            continue
        try:
            config.values[name] = spec.parse(value)
        except _BadValue as exc:
            given = f" = {_shown(value)}" if spec.echo else ""
            raise ConfigError(f"settings file {path}: {name}{given} is not valid ({exc}); "
                              f"fix it or run `rvutool config unset {name}`") from None
    return config


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_value(key: str, value: str, *, option: str | None = None) -> Any:
    """Validate a value typed on the command line (for `config set`, or an option such as --rate)."""
    spec = check_key(key)
    try:
        return spec.parse(value)
    except _BadValue as exc:
        given = f" {value!r}" if spec.echo else ""
        raise UsageError(f"{option or spec.name}{given} is not valid: {exc}") from None


@contextmanager
def _locked(path: Path | None) -> Iterator[None]:
    """Serialise read-modify-write of the settings file, so two `config set` runs both land."""
    from rvutool import paths
    from rvutool.catalog import datafile

    target = path or paths.config_file()
    with ExitStack() as stack:
        try:
            paths.ensure_private_dir(target.parent)
            stack.enter_context(datafile.locked(target.with_name(f".{target.name}.lock")))
        except OSError as exc:
            raise _cannot_save(target, exc) from None
        yield


def _cannot_save(path: Path, exc: OSError) -> ConfigError:
    folder = path.parent
    if isinstance(exc, FileExistsError | NotADirectoryError) and (folder.is_file() or
                                                                  any(p.is_file() for p in folder.parents)):
        reason = f"{folder} is not a folder"
    else:
        reason = exc.strerror or str(exc)
    return ConfigError(f"cannot save settings to {path}: {reason}; nothing was changed")


def _save(config: Config) -> None:
    from rvutool import paths
    from rvutool.catalog import datafile

    try:
        payload = config.to_toml().encode("utf-8")
    except RecursionError:
        raise ConfigError(f"settings file {config.path} nests values too deeply for rvutool to rewrite; "
                          "edit it by hand") from None
    try:
        paths.ensure_private_dir(config.path.parent)
        datafile.write_atomic(config.path, payload, mode=0o600)
    except OSError as exc:
        raise _cannot_save(config.path, exc) from None


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
