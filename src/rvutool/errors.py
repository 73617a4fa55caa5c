"""The one family of errors rvutool reports to users.

Each carries a message a person can act on and the exit status it maps to:
1 for a user-facing problem (unknown code, missing entry, corrupt file),
2 for bad usage (malformed arguments). Anything else is a bug.
"""

from __future__ import annotations


class RvuError(Exception):
    exit_code = 1
    # What the user can do about it, in the command line's words, which the core does not speak: a key the
    # one error handler (cli/guard.py) turns into advice after the message.
    advice = ""

    def __init__(self, message: str, *, advice: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.advice = advice or self.advice


class UsageError(RvuError):
    """Malformed input: the command line itself is wrong."""

    exit_code = 2


class UnknownCodeError(RvuError):
    def __init__(self, code: str, suggestions: list[str]) -> None:
        hint = f" (nearest: {', '.join(suggestions)})" if suggestions else ""
        super().__init__(f"unknown code {code}: not in any CMS release rvutool has{hint}")
        self.code = code
        self.suggestions = suggestions


class InvalidCodeError(UsageError):
    pass


class FractionNeededError(UsageError):
    """An item (-52, -66, a -53 without a CMS row) is credited at a share the user has to give (--fraction)."""


class InvalidDateError(UsageError):
    pass


class DatasetError(RvuError):
    """The bundled or an imported dataset file is missing or damaged."""


class ImportFileError(RvuError):
    """A CMS file given to `rvutool data import` could not be read or failed validation."""


class CorruptLogError(RvuError):
    pass


class NeedsSharedLogError(UsageError):
    """Something only a practice's shared log has (providers), asked of a personal log."""

    advice = "shared log"

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} needs a practice's shared log; a personal log holds one clinician's work")


class NoSuchEntryError(RvuError):
    pass


class LogBusyError(RvuError):
    """Another rvutool held the log longer than the wait allows."""


class LogVersionError(RvuError):
    """The log was written by a newer rvutool (a newer schema version)."""


class ConfigError(RvuError):
    pass


class IdentifierError(RvuError):
    """Free text that looks like a patient identifier."""
