"""Connection strings of a practice's shared log: recognised, and shown only with the password masked."""

from __future__ import annotations

import re

_SCHEMES = ("postgresql://", "postgres://")
_USERINFO_PASSWORD = re.compile(r"(://[^/@:]*):[^/@]*@")
_KEYWORD_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*)", re.IGNORECASE)


def is_postgres(url: str) -> bool:
    return url.strip().lower().startswith(_SCHEMES)


def masked(text: str) -> str:
    """A connection string (or a message holding one) with any password replaced by ***."""
    return _KEYWORD_PASSWORD.sub(r"\1***", _USERINFO_PASSWORD.sub(r"\1:***@", text))


def has_password(text: str) -> bool:
    return masked(text) != text
