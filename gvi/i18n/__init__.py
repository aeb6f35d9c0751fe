"""Words and numbers in the reader's language: message catalogues (gettext ``.po``, one
per domain and language, under ``locale/``), plural forms and number formats.

    from gvi.i18n import LANGS, translator, resolve_lang, Fmt
    t = translator("app", "sv")
    t("day", day=3, total=10)        # "Dag 3 av 10"
    t.n("shootings", 1)              # "1 skjutning"
    Fmt("sv").number(1234.5)         # "1 234,5"
"""

from __future__ import annotations

from .catalog import (
    LANGUAGE_NAMES,
    Translator,
    check_lang,
    domains,
    resolve_lang,
    translator,
)
from .fmt import LANGS, Fmt

__all__ = [
    "LANGS",
    "LANGUAGE_NAMES",
    "Fmt",
    "Translator",
    "check_lang",
    "domains",
    "resolve_lang",
    "translator",
]
