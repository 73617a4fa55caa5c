"""Everyday words for procedures, turned into the clinical words the names use, and the words that tell little.

data/names/lay_words.tsv (rvutool's own list, kept sorted) has two columns, `words` and `means`:

    boob            breast                    one word for another
    belly button    umbilical                 a phrase for a word
    ear wax         earwax|cerumen            "|": either word will do
    boob job        breast augmentation       a phrase for several words, each needed
    removal         ~                         "~": a generic word: it tells little by itself

A query becomes slots (`slots`): one per clinical word it needs, each with the stems that satisfy it. The
longest lay phrase at each place wins; a word the list does not know is a slot of its own. A slot is generic
when its word is marked "~" or every word it stands for is. Search weighs slots by what they tell
(matching.weights): a generic slot alone never makes a match. No typer, no rich.
"""

from __future__ import annotations

from functools import cache

from rvutool import paths
from rvutool.names import words

FILE = "names/lay_words.tsv"
GENERIC = "~"
LONGEST = 4  # words in the longest lay phrase looked for


class Slot:
    """One thing the query asks for: the stems that satisfy it, whether it is generic, and the words typed."""

    __slots__ = ("alternatives", "generic", "said")

    def __init__(self, alternatives: tuple[str, ...], generic: bool, said: str) -> None:
        self.alternatives, self.generic, self.said = alternatives, generic, said

    def __repr__(self) -> str:
        return f"Slot({'|'.join(self.alternatives)}{', generic' if self.generic else ''})"


class LayWords:
    """The parsed list: lay phrase (stems) -> the slots it means; and the generic stems."""

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        self.means: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        self.generic: set[str] = set()
        for lay, means in rows:
            key = tuple(words.stems(lay))
            if means == GENERIC:
                self.generic.update(key)
                continue
            self.means[key] = [tuple(dict.fromkeys(words.stem(w) for alt in slot.split("|")
                                                   for w in words.tokens(alt)))
                               for slot in means.split()]

    def slots(self, text: str) -> list[Slot]:
        """The query's slots, lay phrases turned into clinical words."""
        stems = words.stems(text)
        out: list[Slot] = []
        at = 0
        while at < len(stems):
            for size in range(min(LONGEST, len(stems) - at), 0, -1):
                key = tuple(stems[at:at + size])
                if key in self.means:
                    said = " ".join(key)
                    for alternatives in self.means[key]:
                        out.append(Slot(alternatives, all(a in self.generic for a in alternatives), said))
                    at += size
                    break
            else:
                stem = stems[at]
                out.append(Slot((stem, *_roots(stem)), stem in self.generic, stem))
                at += 1
        return out

    def clinical(self, text: str) -> str:
        """The query in clinical words (each slot's first word), for matching aliases: "boob job" ->
        "breast augmentation"."""
        return " ".join(slot.alternatives[0] for slot in self.slots(text))


def _roots(word: str) -> tuple[str, ...]:
    """A verb's root, which search takes as the start of a longer word: "drained" -> "drain" (drainage),
    "replaced" -> "replac" (replacement), "stopping" -> "stop"."""
    for ending, shortest in (("ing", 6), ("ed", 5)):
        if word.endswith(ending) and len(word) >= shortest and word.isalpha():
            root = word[: -len(ending)]
            if len(root) >= 5 and root[-1] == root[-2]:  # stopping -> stopp -> stop
                root = root[:-1]
            return (root,) if len(root) >= words.PREFIX_MIN else ()
    return ()


def parse(text: str, where: str = FILE) -> LayWords:
    """The list from the file's text; a malformed line is a DatasetError naming it."""
    from rvutool.errors import DatasetError

    lines = text.lstrip("\ufeff").split("\n")
    if lines[0].rstrip("\r").split("\t") != ["words", "means"]:
        raise DatasetError(f"{where} line 1: the header should be words<TAB>means")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        cells = [cell.strip() for cell in line.split("\t")]
        if len(cells) != 2 or not words.tokens(cells[0]) or not (cells[1] == GENERIC or words.tokens(cells[1])):
            raise DatasetError(f"{where} line {number}: expected a lay word or phrase, a tab, and what it means")
        rows.append((cells[0], cells[1]))
    return LayWords(rows)


@cache
def lay_words() -> LayWords:
    path = paths.bundled_file(FILE)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        from rvutool.errors import DatasetError

        raise DatasetError(f"cannot read the bundled lay words {path}; reinstall rvutool") from None
    return parse(text, str(path))


def slots(text: str) -> list[Slot]:
    return lay_words().slots(text)
