"""Connection strings of a practice's shared log: recognised, checked, and shown with every secret masked.

libpq takes a secret in several places, and `secrets` finds every one, generously (what might be a secret
is treated as one):
  - the password in a URI's user part, postgresql://alice:PW@host/db. libpq ends the user part at the first
    '@' and gives up looking for one at a '/', so a raw '@' or '/' in a password changes how the rest is
    read: here the password runs from the first ':' to the last '@' before the query.
  - `password`, `passfile` and `sslpassword` in a URI's query, the key perhaps percent-encoded
    (`%70assword`); a parameter libpq does not know, or one without '=', is masked whole (it may be the tail
    of a password cut at a raw '&'), and so is a value that mentions a password (`options=-c password=...`).
  - the same keywords in a `key=value` string, the value perhaps quoted ('a b\\' c').
`problem` says which part of a connection string is wrong without repeating any of it; `shown` is what
listings and messages print; `scrub` makes libpq's own messages about a connection safe to print.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_SCHEMES = ("postgresql://", "postgres://")
MASK = "***"
SECRET_KEYS = ("password", "passfile", "sslpassword", "scram_client_key", "scram_server_key", "oauth_client_secret")
# libpq's other keywords, shown as they are; a key that is none of these is masked with its value
_PLAIN_KEYS = frozenset({
    "host", "hostaddr", "port", "dbname", "user", "connect_timeout", "client_encoding", "options",
    "application_name", "fallback_application_name", "keepalives", "keepalives_idle", "keepalives_interval",
    "keepalives_count", "tcp_user_timeout", "replication", "gssencmode", "sslmode", "requiressl", "sslcompression",
    "sslcert", "sslkey", "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer", "ssl_min_protocol_version",
    "ssl_max_protocol_version", "krbsrvname", "gsslib", "gssdelegation", "service", "target_session_attrs",
    "load_balance_hosts", "channel_binding", "require_auth", "sslcertmode", "sslnegotiation", "min_protocol_version",
    "max_protocol_version", "sslkeylogfile", "oauth_issuer", "oauth_client_id", "oauth_scope"})
_MENTIONS_SECRET = re.compile(r"pass(?:word|file)", re.IGNORECASE)
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_KEYWORD = re.compile(r"\s*([^\s=']*)\s*(=?)\s*")
_PGPASS_HINT = "keep the password in ~/.pgpass (mode 0600) or PGPASSWORD"


class Secret(NamedTuple):
    start: int
    end: int
    what: str  # which part: "password", "passfile", "sslpassword", or "a query parameter"


def is_postgres(url: str) -> bool:
    return url.strip().lower().startswith(_SCHEMES)


def _decoded(text: str) -> str | None:
    """Percent-decoding, strictly: None when an escape is not two hex digits or the bytes are not UTF-8."""
    from urllib.parse import unquote  # (only when a shared log is used: not at every start-up)

    if _BAD_ESCAPE.search(text):
        return None
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError:
        return None


def _userinfo_password(rest: str) -> tuple[int, int] | None:
    """Where the password of a URI's user part lies in `rest` (the URI after its scheme), or None."""
    first_at = rest.find("@")
    colon = rest.find(":", 0, first_at) if first_at >= 0 else -1
    if colon < 0:
        return None
    cut = min((i for i in (rest.find("/", colon), rest.find("?", colon)) if i >= 0), default=-1)
    if 0 <= cut < first_at and rest[colon + 1:cut].isdigit():
        return None  # host:port, and the '@' is further on, in the path or query (?user=alice@corp)
    query = rest.find("?", first_at)
    return colon + 1, rest.rfind("@", 0, query if query >= 0 else len(rest))


def _query_secrets(text: str, start: int) -> list[Secret]:
    found: list[Secret] = []
    at = start
    for param in text[start:].split("&"):
        key, eq, value = param.partition("=")
        name = _decoded(key)
        if eq and name is not None and _secret_key(name):  # (any spelling: PASSWORD is still meant as one)
            found.append(Secret(at + len(key) + 1, at + len(param), _secret_key(name)))
        elif not eq or name is None or name not in _PLAIN_KEYS:
            if param:
                found.append(Secret(at, at + len(param), "a query parameter"))
        elif _MENTIONS_SECRET.search(_decoded(value) or value):
            found.append(Secret(at + len(key) + 1, at + len(param), "options"))
        at += len(param) + 1
    return found


def _secret_key(name: str) -> str:
    """The secret a parameter name means ('' for none): libpq's own, in any case, or any name with pass in it."""
    lowered = name.lower()
    return lowered if lowered in SECRET_KEYS else ("password" if _MENTIONS_SECRET.search(lowered) else "")


def _keyword_secrets(text: str) -> list[Secret]:
    """Secrets of a `key=value key='quoted value'` string; anything that does not parse is masked to the end."""
    found: list[Secret] = []
    at = 0
    while at < len(text):
        match = _KEYWORD.match(text, at)
        if match is None or not match.group(1) or not match.group(2):
            found.append(Secret(match.start(1) if match else at, len(text), "the rest"))
            break
        key, at = match.group(1), match.end()
        if text.startswith("'", at):
            end = at + 1
            while end < len(text) and text[end] != "'":
                end += 2 if text[end] == "\\" else 1
            end = min(end + 1, len(text))
        else:
            end = at
            while end < len(text) and not text[end].isspace():
                end += 1
        if key not in _PLAIN_KEYS or _MENTIONS_SECRET.search(text[at:end]):
            found.append(Secret(at, end, _secret_key(key) or "a parameter"))
        at = end
    return found


def secrets(text: str) -> list[Secret]:
    """Every part of a connection string that holds (or may hold) a secret, in order."""
    lead = len(text) - len(text.lstrip())
    scheme = next((s for s in _SCHEMES if text[lead:].lower().startswith(s)), None)
    if scheme is None:
        return _keyword_secrets(text)
    base = lead + len(scheme)
    rest = text[base:]
    found: list[Secret] = []
    user_end = 0
    span = _userinfo_password(rest)
    if span is not None:
        user_end = span[1]
        if span[1] > span[0]:
            found.append(Secret(base + span[0], base + span[1], "password"))
    query = rest.find("?", user_end)
    if query >= 0:
        found.extend(_query_secrets(text, base + query + 1))
    return found


def masked(text: str) -> str:
    """A connection string with each secret replaced by ***."""
    out, at = [], 0
    for secret in secrets(text):
        out.append(text[at:secret.start] + MASK)
        at = secret.end
    return "".join(out) + text[at:]


def secret_parts(text: str) -> list[str]:
    """Which secrets a connection string carries (a password, a passfile ...), each once."""
    return list(dict.fromkeys(s.what for s in secrets(text) if s.what in (*SECRET_KEYS, "options")))


def has_password(text: str) -> bool:
    return bool(secret_parts(text))


def problem(text: str) -> str | None:
    """What is wrong with a postgresql:// connection string, naming the part and never repeating it; None when
    libpq will read it as written."""
    if not is_postgres(text):
        return "it is not a postgresql:// connection string"
    text = text.strip()
    found = secrets(text)
    password = next((s for s in found if s.what == "password" and text[s.start - 1] == ":"), None)

    def where(index: int) -> str:
        if password is not None and password.start <= index < password.end:
            return "in the password"
        return "in the query" if "?" in text[:index] else "in the user, host or database name"

    odd = next((i for i, ch in enumerate(text) if ch.isspace() or ord(ch) < 32 or ord(ch) == 127), None)
    if odd is not None:
        return f"it holds a space or a control character {where(odd)} (write it as %20, or {_PGPASS_HINT})"
    bad = _BAD_ESCAPE.search(text)
    if bad is not None:
        return f"it has a '%' that is not followed by two hex digits {where(bad.start())}"
    if "%00" in text:
        return f"it holds %00, which PostgreSQL refuses, {where(text.index('%00'))}"
    if password is not None and any(ch in text[password.start:password.end] for ch in "@/"):
        return f"the password holds a raw '@' or '/', which changes how the rest is read ({_PGPASS_HINT})"
    for secret in found:  # (a parameter libpq does not know is left to libpq: a newer one may know it)
        if secret.what == "a query parameter" and "=" not in text[secret.start:secret.end]:
            return "a query parameter has no '=' (a password with a raw '&' in it?)"
    if _decoded(text) is None:
        return "it has percent-escapes that are not UTF-8 text"
    query = text.find("?", found[0].end if found and found[0].what == "password" else 0)
    for param in text[query + 1:].split("&") if query >= 0 else ():
        key, _, value = param.partition("=")
        if _decoded(key) == "port" and not all(p.isdigit() for p in (_decoded(value) or "x").split(",")):
            return "the port in the query is not a number"
    return None


def libpq_problem(message: str) -> str:
    """libpq's complaint about a connection string, without the piece of it that libpq quotes."""
    head = message.strip().splitlines()[0] if message.strip() else "not valid"
    return re.split(r'[:"]', head, maxsplit=1)[0].strip() or "not valid"


def shown(text: str) -> str:
    """A connection string as listings and messages print it: masked, or only what is wrong with it."""
    why = problem(text)
    if why is None:
        return masked(text.strip())
    return f"(a connection string that is not valid: {why})"


def _safe_values(text: str) -> set[str]:
    """The user, host, port and database of a valid URI: not secret, so libpq's messages may quote them."""
    from urllib.parse import unquote

    safe: set[str] = set()
    rest = masked(text.strip()).split("://", 1)[-1]
    authority, _, tail = rest.partition("/")
    path, _, query = tail.partition("?")
    user, _, hosts = authority.rpartition("@")
    safe.add(unquote(user.split(":", 1)[0]))
    safe.update(unquote(h.split(":", 1)[0]) for h in hosts.split(",") if h)
    safe.add(unquote(path))
    for param in query.split("&"):
        key, _, value = param.partition("=")
        if unquote(key) in {"host", "user", "dbname", "port", "hostaddr"}:
            safe.update(unquote(value).split(","))
    return {value for value in safe if value and MASK not in value}


def scrub(message: str, url: str, *, connecting: bool = True) -> str:
    """A message about a connection, safe to print: every secret of `url` masked, and (`connecting`: libpq's
    own messages, which quote pieces of the string) a quoted piece kept only when it is the user, host or
    database, or a socket under the host folder."""
    safe = _safe_values(url) if problem(url) is None else set()

    def keep(match: re.Match[str]) -> str:
        inner = match.group(1)
        if inner in safe or any(inner.startswith(f"{value}/.s.PGSQL.") for value in safe):
            return match.group(0)
        return '"…"'

    text = re.sub(r'"([^"]*)"', keep, message) if connecting else message
    for secret in secrets(url.strip()):
        value = url.strip()[secret.start:secret.end]
        for form in {value, _decoded(value) or value}:
            if len(form) >= 2:
                text = text.replace(form, MASK)
    return text
