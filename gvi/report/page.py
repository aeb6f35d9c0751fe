"""The pieces of a report table, as data the templates lay out (macros ``table`` and
``value`` in ``templates/macros.html``): a cell's value with its interval, and a row."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Value:
    """A table cell: ``main`` (formatted), its ``interval`` in small print below it (or
    after it, ``inline``); ``cls`` marks the cell (``diff``, ``unclear``; ``words``: text,
    not a number); ``aside`` shows ``main`` itself in small print (a value that is not
    meaningful); ``code`` shows it as code (a name or path to type)."""

    main: str
    interval: str | None = None
    inline: bool = False
    cls: str = ""
    aside: bool = False
    code: bool = False


@dataclass(frozen=True)
class Row:
    """A table row: ``first`` for the header cell (what it is depends on the table:
    a scenario, a label, a setting), the cells, and a class for the ``<tr>``."""

    first: Any
    cells: list[Value] = field(default_factory=list)
    tr: str = ""


def values(texts: list[str], classes: list[str] | None = None) -> list[Value]:
    """Cells of plain text (no interval), each with an optional class."""
    classes = classes or [""] * len(texts)
    return [Value(t, cls=k) for t, k in zip(texts, classes, strict=True)]
