"""Small value classes for the start-up path, without the dataclasses module.

`import dataclasses` loads inspect, and with it ast, dis and tokenize: several
milliseconds, more than `rvutool lookup 99213 --json` spends on its own work. The
classes every lookup creates (items, modifiers, releases, rows, results) derive from
these instead. Each class writes its own __init__ and names its fields once in
`_fields`; equality and repr follow those fields (or `_compare`) as a dataclass's
would, and a FrozenRecord is also hashable and refuses assignment.
"""

from __future__ import annotations


class Record:
    _fields: tuple[str, ...] = ()
    _compare: tuple[str, ...] | None = None  # the fields == looks at; None means all of them

    def _key(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in (self._fields if self._compare is None else self._compare))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # mutable: unhashable, as a dataclass with eq is

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__qualname__}({fields})"


class FrozenRecord(Record):
    def __hash__(self) -> int:
        return hash(self._key())

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: {type(self).__name__} is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: {type(self).__name__} is frozen")
