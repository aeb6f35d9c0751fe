"""The command line's language, and argparse's own words in it.

The language is ``--lang en|sv`` (before the command, or after it), else ``$GVI_LANG``,
else English. It is read from the arguments before the parser is built, because the
help texts are put into words when the parser is built.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .common import UsageError

if TYPE_CHECKING:
    from gvi.i18n import Translator

OPTION = "--lang"

# argparse's own messages (Python 3.11) and their keys in the ``cli`` catalogue.
ARGPARSE_WORDS = {
    "usage: ": "argparse.usage",
    "positional arguments": "argparse.positionals",
    "options": "argparse.options",
    "show this help message and exit": "argparse.help",
    "%(prog)s: error: %(message)s\n": "argparse.error",
    "argument %(argument_name)s: %(message)s": "argparse.argument",
    "unrecognized arguments: %s": "argparse.unrecognized",
    "the following arguments are required: %s": "argparse.required",
    "one of the arguments %s is required": "argparse.one_required",
    "expected one argument": "argparse.expected_one",
    "expected at most one argument": "argparse.expected_at_most_one",
    "expected at least one argument": "argparse.expected_at_least_one",
    "ambiguous option: %(option)s could match %(matches)s": "argparse.ambiguous",
    "invalid %(type)s value: %(value)r": "argparse.invalid_value",
    "invalid choice: %(value)r (choose from %(choices)s)": "argparse.invalid_choice",
    "not allowed with argument %s": "argparse.not_allowed",
    "ignored explicit argument %r": "argparse.ignored_argument",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "argparse.unknown_parser",
    "can't open '%(filename)s': %(error)s": "argparse.cannot_open",
    "unexpected option string: %s": "argparse.unexpected_option",
}
ARGPARSE_PLURALS = {"expected %s argument": "argparse.expected_n"}


def lang_in_argv(argv: Sequence[str]) -> str | None:
    """The first ``--lang`` value in ``argv`` (``--lang sv`` or ``--lang=sv``); None
    when there is none. Nothing after ``--`` is an option."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == OPTION:
            return argv[i + 1] if i + 1 < len(argv) else None
        if arg.startswith(OPTION + "="):
            return arg.partition("=")[2]
    return None


def cli_lang(argv: Sequence[str]) -> str:
    """The language of the command line for ``argv``; a UsageError (worded in English,
    as no other language is known) for a language without catalogues."""
    from gvi.i18n import LANGS, resolve_lang

    explicit = lang_in_argv(argv)
    try:
        return resolve_lang(explicit)
    except ValueError:
        langs = ", ".join(LANGS)
        if explicit is not None and explicit.strip():
            raise UsageError.of("err.lang_unknown", value=explicit, langs=langs) from None
        value = os.environ.get("GVI_LANG", "")
        raise UsageError.of("err.env_lang_unknown", value=value, langs=langs) from None


@contextmanager
def argparse_words(t: Translator) -> Iterator[None]:
    """argparse's own words (usage, headings, its error messages) in ``t``'s language
    while the command line is built and parsed.

    argparse looks its words up through its module's ``_`` and ``ngettext`` (gettext);
    for the time of the block these look the words up in the ``cli`` catalogue, and
    are put back after. English needs no lookup: argparse's words are English.
    """
    if t.lang == "en":
        yield
        return

    def gettext(message: str | None) -> str | None:
        key = ARGPARSE_WORDS.get(message) if message is not None else None
        return t(key) if key else message

    def ngettext(singular: str, plural: str, n: int) -> str:
        key = ARGPARSE_PLURALS.get(singular)
        return t.n(key, n) if key else (singular if n == 1 else plural)  # keeps its %s

    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = gettext, ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]
