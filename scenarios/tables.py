"""Reading the CSV files of a group audit as Swedish offices produce them.

Accepts UTF-8 with or without a byte-order mark, comma- or semicolon-separated files
(the separator is read from the header line) and decimal commas (``1,5``). Rows are
numbered like a spreadsheet: the header is row 1, the first data row is row 2. Quotes
are read strictly: a quote left open is reported on the row where it opens, not
swallowed with the rest of the file.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from scenarios.errors import Message, Problem, ScenarioError, display_path
from scenarios.files import read_text

CSV_MAX_BYTES = 10 * 1024 * 1024  # a group audit is kilobytes; this is far beyond any city
CSV_UTF8_HINT = "problem.hint_utf8_csv"  # a catalogue entry (gvi/i18n/locale/*/cli.po)

_TRANSLITERATE = str.maketrans("åäöéü", "aaoeu")
_INT = re.compile(r"\+?[0-9]{1,9}")
_FLOAT = re.compile(r"[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)([eE][+-]?[0-9]{1,3})?")


def normalise(name: str) -> str:
    """A column name reduced for matching: ``" Group ID "`` -> ``"group_id"``, ``"Förnamn"`` -> ``"fornamn"``."""
    lowered = name.strip().lower().translate(_TRANSLITERATE)
    return re.sub(r"[^0-9a-z]+", "_", lowered).strip("_")


def parse_int(text: str) -> int | None:
    """A whole number written plainly (``"12"``), else None."""
    return int(text) if _INT.fullmatch(text) else None


def parse_float(text: str) -> float | None:
    """A finite number, with a decimal point or a decimal comma (``"1,5"``), else None."""
    if not _FLOAT.fullmatch(text):
        return None
    value = float(text.replace(",", "."))
    return value if math.isfinite(value) else None


def at_row(row: int) -> Message:
    """A place in a CSV file: ``row 4`` (rows numbered as a spreadsheet numbers them)."""
    return Message("problem.at_row", row=row)


def at_cell(row: int, column: str | Message) -> Message:
    """A cell of a CSV file: ``row 4, size`` (the column as written, or :func:`at_column`)."""
    return Message("problem.at_cell", row=row, column=column)


def at_column(column: str | int) -> Message:
    """A column of a CSV file: ``column 'Vem'`` (a name, as its repr) or ``column 3``."""
    return Message("problem.at_column", column=column)


# Why the csv module stopped, in words a spreadsheet user can act on (catalogue keys).
_CSV_ERRORS = {
    "unexpected end of data": "problem.csv_quote_open",
    "expected after": "problem.csv_after_quote",
    "field larger than field limit": "problem.csv_too_long",
}


def _csv_message(exc: Exception) -> Message:
    text = str(exc)
    for fragment, key in _CSV_ERRORS.items():
        if fragment in text:
            values = {"limit": csv.field_size_limit()} if key == "problem.csv_too_long" else {}
            return Message(key, **values)
    return Message("problem.csv_unreadable", reason=text)  # the csv module's words


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


@dataclass
class Table:
    """One CSV file: its columns (normalised), their names as written, and the data rows."""

    file: str
    columns: list[str]
    names: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)

    def has(self, column: str) -> bool:
        return column in self.columns

    def value(self, cells: list[str], column: str) -> str:
        i = self.columns.index(column)
        return cells[i] if i < len(cells) else ""

    def missing(self, required: tuple[str, ...], problems: list[Problem]) -> bool:
        """Add a problem for each required column that is absent; True if any is."""
        absent = [c for c in required if c not in self.columns]
        for column in absent:
            found = ", ".join(self.names) or Message("problem.csv_none")
            message = Message("problem.csv_column_missing", column=repr(column), found=found)
            problems.append(Problem(self.file, at_row(1), None, message))
        return bool(absent)


def read_table(path: Path, problems: list[Problem]) -> Table | None:
    """The table in ``path``; problems with the file's structure are added to ``problems``.

    Structure problems never quote cell values, so they are safe to show before the
    privacy checks have run.
    """
    try:
        text = read_text(path, max_bytes=CSV_MAX_BYTES, utf8_hint=CSV_UTF8_HINT)
    except ScenarioError as exc:
        problems.extend(exc.problems)
        return None
    name = display_path(path)
    delimiter = _delimiter(text)
    records: list[list[str]] = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        for record in reader:
            records.append(record)
    except csv.Error as exc:
        row = len(records) + 1
        problems.append(Problem(name, at_row(row), None, _csv_message(exc)))
        return None
    names = [cell.strip() for cell in records[0]] if records else []
    columns = [normalise(n) for n in names]
    if not any(columns):
        problems.append(Problem(name, at_row(1), None, Message("problem.csv_no_header")))
        return None
    table = Table(name, columns, names)
    for column in sorted({c for c in columns if c and columns.count(c) > 1}):
        message = Message("problem.csv_column_twice", column=repr(column))
        problems.append(Problem(name, at_row(1), None, message))
    for number, record in enumerate(records[1:], start=2):
        cells = [cell.strip() for cell in record]
        if not any(cells):
            continue
        if len(cells) > len(columns) and any(cells[len(columns) :]):
            message = Message(
                "problem.csv_too_many_values",
                count=len(columns),
                values=len(cells),
                separator=repr(delimiter),
            )
            problems.append(Problem(name, at_row(number), None, message))
        table.rows.append((number, cells))
    return table
