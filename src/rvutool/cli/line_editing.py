"""Reading the log prompt's answers in a terminal: line editing and history through readline where
Python has it (arrow keys move and recall instead of typing escape codes), plain `input` otherwise.

Only lines the prompt chooses to remember go into the history (codes, @favourites, search words),
never notes, dates or anything the privacy guard flags. The history file lives in the data
directory (paths.history_file), private to the user (0600), and is replaced atomically.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

HISTORY_LENGTH = 500


class Terminal:
    """`ask(prompt)` reads a line; `remember(line)` offers it to the up arrow, now and next time."""

    def __init__(self) -> None:
        try:
            import readline
        except ImportError:  # pragma: no cover - Python built without readline (some Windows builds)
            readline = None
        self.readline: Any = readline
        self.added = 0
        if readline is None:
            return
        from rvutool import paths

        readline.set_auto_history(False)  # notes and dates stay out of the history
        readline.set_history_length(HISTORY_LENGTH)
        try:
            readline.read_history_file(str(paths.history_file()))
        except (OSError, UnicodeDecodeError):  # none yet, or unreadable: start afresh
            pass

    def complete_with(self, words: Callable[[str], list[str]]) -> None:
        """Tab completes the word under the cursor with `words(word)` (codes, @favourites, commands)."""
        if self.readline is None:
            return
        found: list[str] = []

        def completer(text: str, state: int) -> str | None:
            if state == 0:
                found[:] = words(text)
            return found[state] if state < len(found) else None

        self.readline.set_completer_delims(" \t\n")  # '@' and '-' belong to the word
        self.readline.set_completer(completer)
        self.readline.parse_and_bind("tab: complete")

    def ask(self, prompt: str) -> str:
        return input(prompt)

    def remember(self, line: str) -> None:
        from rvutool import phi

        text = line.strip()
        if self.readline is None or not text or phi.find_identifier(text) is not None:
            return
        length = self.readline.get_current_history_length()
        if length and self.readline.get_history_item(length) == text:
            return  # the same line again: once is enough
        self.readline.add_history(text)
        self.added += 1

    def save(self) -> None:
        """Write the history beside its file (0600) and move it into place; a failure loses only the history."""
        if self.readline is None or not self.added:
            return
        from rvutool import paths

        path = paths.history_file()
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            paths.ensure_private_dir(path.parent)
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
            os.chmod(tmp, 0o600)
            self.readline.write_history_file(str(tmp))
            os.replace(tmp, path)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
