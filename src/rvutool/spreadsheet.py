"""CSV cells a spreadsheet will not run: the OWASP convention against formula injection.

Excel, LibreOffice and Google Sheets treat a cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return as a formula (`=HYPERLINK(...)`), so every CSV rvutool writes prefixes such a cell
with `'`, which the spreadsheet shows as text. A cell that starts with `'` is prefixed too, so
`rvutool import` of rvutool's own export can drop exactly one leading `'` and restore the original
text. Plain numbers (`-3.88`) are left as they are: a spreadsheet reads them as numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import IO, Any

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def restore(text: str) -> str:
    """The text rvutool exported, from a cell `neutralise` wrote."""
    return text[1:] if text.startswith("'") else text


class Writer:
    """csv.writer whose every cell is neutralised."""

    def __init__(self, out: IO[str]) -> None:
        import csv

        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        self._writer.writerows([neutralise(cell) for cell in row] for row in rows)
