"""The project's error type for bad input: a list of one-line problems.

Every problem names the file, the key (or the row and column of a CSV file), the value
that was given and what is allowed, so a planner can fix a scenario or a group audit
without reading a traceback.

A problem's message is worded once, by an entry of the ``cli`` message catalogue
(:class:`Message`, keys ``problem.*`` in ``gvi/i18n/locale/{en,sv}/LC_MESSAGES/cli.po``):
it reads as English text, and the command line words it again in the user's language.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gvi.i18n import Translator

MAX_VALUE_CHARS = 80
MAX_PROBLEMS = 100  # more are summed up in one line: a file that is all wrong needs no list


def one_line(text: str) -> str:
    """``text`` with control characters (newlines, tabs, ...) escaped, so it stays on one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def short_text(text: str) -> str:
    """``text`` on one line, shortened to a readable length."""
    text = one_line(text)
    if len(text) > MAX_VALUE_CHARS:
        text = text[: MAX_VALUE_CHARS - 3] + "..."
    return text


def short_repr(value: Any) -> str:
    """``repr(value)``, shortened to a readable length (a TOML date as ``2024-05-01``)."""
    if isinstance(value, datetime.date | datetime.time):
        return short_text(value.isoformat())
    return short_text(repr(value))


def display_path(path: str | Path) -> str:
    """A path as a user would like to read it: relative to the working folder when inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a loop of symbolic links
        return str(p)


def closest(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The choice most similar to ``word`` (case-insensitive), or None if none is close."""
    options = list(choices)
    lowered = {c.lower(): c for c in options}
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[match[0]] if match else None


class Message(str):
    """A message worded by the entry ``key`` of the ``cli`` catalogue, with ``values``
    filled in: ``Message("problem.required")`` is ``"is required; add it"``.

    It *is* the English text (it prints, compares and joins as a ``str``), and keeps the
    key and the values, so that :meth:`text` words it in any language. Values are shown
    as given (file names, keys, values as written), except values that are Messages
    themselves, which are worded in the same language (so are :class:`Number` values).
    ``count`` picks the form of a
    plural entry (and fills ``{n}``, as given). Only the English catalogue is read, and
    only when a message is made: the engine needs no language of its own.
    """

    key: str
    n: int | None  # the count of a plural entry
    values: dict[str, Any]

    def __new__(cls, key: str, /, *, count: int | None = None, **values: Any) -> Message:
        from gvi.i18n import translator

        text = _worded(key, count, values, translator("cli", "en"))
        self = super().__new__(cls, text)
        self.key, self.n, self.values = key, count, values
        return self

    def text(self, t: Translator, reword: Callable[[str], str] | None = None) -> str:
        """The message in ``t``'s language (a ``cli`` translator); ``reword`` words the
        :class:`Checked` texts among its values again, where it can."""
        return _worded(self.key, self.n, self.values, t, reword)

    def __reduce__(self) -> tuple[Any, ...]:
        # made again from the key and values (e.g. across worker processes)
        return (_message, (self.key, self.n, self.values))


def _message(key: str, count: int | None, values: dict[str, Any]) -> Message:
    return Message(key, count=count, **values)


@dataclass(frozen=True)
class Number:
    """A number a message computes (a count of runs, a size), shown as the reader's
    language writes numbers: ``1,234.5 GB`` in English, ``1 234,5 GB`` in Swedish. (A
    value the user wrote in a file is shown as written, not as a Number.)"""

    value: float
    decimals: int = 0
    unit: str = ""  # after the number, e.g. " GB"

    def text(self, t: Translator) -> str:
        if t.lang == "en":
            return f"{self.value:,.{self.decimals}f}{self.unit}"
        return t.fmt.number(self.value, self.decimals) + self.unit


class Checked(str):
    """The English text of a check of the scenario schema (:mod:`scenarios.schema`, part
    of the model's identity, words its own checks), as the value of a :class:`Message`:
    the command line words it again where it recognises it (:mod:`gvi.cli.problems`)."""


def _worded(
    key: str,
    count: int | None,
    values: dict[str, Any],
    t: Translator,
    reword: Callable[[str], str] | None = None,
) -> str:
    def word(v: Any) -> Any:
        if isinstance(v, Message):
            return v.text(t, reword)
        if isinstance(v, Number):
            return v.text(t)
        return reword(v) if reword is not None and isinstance(v, Checked) else v

    shown = {k: word(v) for k, v in values.items()}
    if count is not None:
        return t.n(key, str(count), **shown)
    return t(key, **shown) if shown else t(key).format()  # "}}" is "}" without values too


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file.

    ``key`` is a dotted scenario key (``"enforcement.fidelity"``), a place in a CSV file
    (``"row 4, size"``: a :class:`Message`, worded in the reader's language too) or ``""``
    when the whole file is meant; ``value`` is the value
    that was given, or None when there is none to show (or it must not be shown).
    """

    file: str
    key: str = ""
    value: Any = None
    message: str = ""

    def __str__(self) -> str:
        head = one_line(self.file)
        if self.key:
            head += f": {one_line(self.key)}"
        if self.value is not None:
            head += f" = {short_repr(self.value)}"
        return f"{head}: {one_line(self.message)}" if self.message else head


class ScenarioError(ValueError):
    """Invalid scenario input; ``problems`` lists every problem found, one line each."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuild from the problems (not from the text), e.g. across worker processes.
        return (type(self), (self.problems,))


def truncated(problems: Sequence[Problem], limit: int = MAX_PROBLEMS) -> list[Problem]:
    """The first ``limit`` problems, and one line counting the rest."""
    if len(problems) <= limit:
        return list(problems)
    rest = len(problems) - limit
    return [
        *problems[:limit],
        Problem(problems[limit].file, "", None, f"... and {rest} more problems"),
    ]
