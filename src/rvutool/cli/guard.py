"""Turning what a command raises into one line on stderr and an exit status: the one place it happens."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from rvutool.errors import RvuError
from rvutool.view import messages

# The advice an error's key stands for: environment variables and settings are the command line's words.
ADVICE = {
    "shared log": "set RVUTOOL_LOG_URL or `rvutool config set log.url postgresql://...`",
    "another folder": "or set RVUTOOL_HOME to keep rvutool's files in another folder",
}


def in_words(err: RvuError) -> str:
    """The one line an error becomes."""
    advice = ADVICE.get(err.advice)
    return f"{err.message} ({advice})" if advice else err.message


def guard(action: Callable[..., int], *args: Any, **kwargs: Any) -> int:
    """Run an action; the one place an RvuError becomes a message and an exit status. Notices the core
    recorded (a release standing in for a year) are said once, on stderr, when the command succeeds; a
    command that fails, even in part, says only what went wrong."""
    from rvutool import notices

    try:
        status = action(*args, **kwargs)
    except RvuError as err:
        messages.error(in_words(err))
        return err.exit_code
    except KeyboardInterrupt:
        messages.error("interrupted; nothing was changed by the unfinished command")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: say so plainly, traceback only on request
        if os.environ.get("RVUTOOL_DEBUG"):
            raise
        messages.error(f"internal error ({type(exc).__name__}: {exc}); set RVUTOOL_DEBUG=1 for details "
                     "and please report it")
        return 1
    finally:
        said = notices.take()
    if status == 0:  # a command that reports errors says only those
        for text in said:
            messages.note(text)
    return status
