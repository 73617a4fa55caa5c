"""What a command says once on stderr, however often the core meets it (a release standing in for a year).

The core records a notice where it meets the fact; the one error handler (cli/guard.py) prints each
once when the command ends. Nothing here prints.
"""

from __future__ import annotations

_pending: dict[str, str] = {}


def once(key: str, text: str) -> None:
    """Record a notice; the same key is said once per command."""
    _pending.setdefault(key, text)


def take() -> list[str]:
    """The notices recorded so far, in order, and forget them."""
    found = list(_pending.values())
    _pending.clear()
    return found
