"""Message catalogues: one gettext ``.po`` file per domain and language, loaded at run
time with Babel (no compile step).

The msgids are keys (``page_title``), the msgstrs the text, with :meth:`str.format`
placeholders. A plural entry has ``msgid_plural`` and one ``msgstr[i]`` per form; both
languages have two forms (``Plural-Forms: nplurals=2; plural=(n != 1);``). A field
``{k:groups}`` renders the value of ``k`` through the plural entry ``groups``
(``1 group`` / ``3 groups``), so that one message can hold several counts.
"""

from __future__ import annotations

import os
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from .fmt import LANGS, MINUS, NBSP, Fmt

LOCALE_DIR = Path(__file__).parent / "locale"
ENV_VAR = "GVI_LANG"
LANGUAGE_NAMES = {"en": "English", "sv": "Svenska"}  # each in its own language


def domains() -> tuple[str, ...]:
    """The domains with a catalogue in English (``app``, ``report``, ...)."""
    return tuple(sorted(p.stem for p in (LOCALE_DIR / "en" / "LC_MESSAGES").glob("*.po")))


def po_path(domain: str, lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"


def check_lang(lang: str) -> str:
    """``lang`` if it is a language with catalogues; ValueError naming them otherwise."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    return lang


def resolve_lang(explicit: str | None = None) -> str:
    """resolve_lang(explicit=None) -> "en" | "sv"

    The language asked for: ``explicit`` if given, else the environment variable
    ``GVI_LANG``, else English. A region or encoding is ignored (``sv_SE.UTF-8`` is
    ``sv``); an unknown language raises ValueError saying how to fix it."""
    from_env = explicit is None or not explicit.strip()
    raw = os.environ.get(ENV_VAR) if from_env else explicit
    if raw is None or not raw.strip():
        return "en"
    code = raw.strip().lower().replace("-", "_").split(".")[0].split("_")[0]
    if code not in LANGS:
        choices = ", ".join(LANGS)
        if from_env:
            raise ValueError(f"${ENV_VAR} is {raw!r}: set it to one of {choices}, or unset it")
        raise ValueError(f"unknown language {raw!r}: use one of {choices}")
    return code


@cache
def load_catalog(domain: str, lang: str) -> Catalog:
    """The parsed ``.po`` file of ``domain`` in ``lang`` (cached)."""
    check_lang(lang)
    path = po_path(domain, lang)
    if not path.is_file():
        raise ValueError(f"no message domain {domain!r}: use one of {', '.join(domains())}")
    with path.open("rb") as fh:
        return read_po(fh, locale=lang, domain=domain)


@cache
def translations(domain: str, lang: str) -> Translations:
    """Babel translations of ``domain`` in ``lang``, compiled in memory (cached)."""
    buf = BytesIO()
    write_mo(buf, load_catalog(domain, lang))
    buf.seek(0)
    return Translations(fp=buf, domain=domain)


def count_value(value: object, lang: str) -> float | Decimal:
    """The number in a count: a number as given, a formatted number (``1 234``) read back."""
    if isinstance(value, bool):
        raise TypeError(f"a count must be a number, got {value!r}")
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value).replace(MINUS, "-").replace(NBSP, "").replace(" ", "")
    text = text.replace(",", "") if lang == "en" else text.replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise TypeError(f"a count must be a number, got {value!r}") from None


def _has_decimals(count: float | Decimal) -> bool:
    """Whether a count is shown with decimals (``1.5``, and ``1.0`` as written)."""
    if isinstance(count, Decimal):
        exponent = count.as_tuple().exponent
        return not isinstance(exponent, int) or exponent < 0
    return not float(count).is_integer()


class _Formatter(string.Formatter):
    """:meth:`str.format` plus ``{k:plural_key}`` fields (see the module docstring)."""

    def __init__(self, t: Translator) -> None:
        self.t = t

    def format_field(self, value: object, format_spec: str) -> str:
        if format_spec and format_spec in self.t.plural_keys:
            return self.t.n(format_spec, value)
        return super().format_field(value, format_spec)


@dataclass(frozen=True)
class Translator:
    """translator(domain, lang)(key, **values) -> str

    The messages of one domain in one language. ``t(key, **values)`` is the text with
    the values filled in; ``t.n(key, n, **values)`` the plural form for ``n``. A key
    missing from the catalogue raises KeyError (no fallback to another language)."""

    domain: str
    lang: str
    _tr: Translations = field(repr=False)
    keys: frozenset[str] = field(repr=False)
    plural_keys: frozenset[str] = field(repr=False)

    @property
    def fmt(self) -> Fmt:
        return Fmt(self.lang)

    def _missing(self, key: str) -> KeyError:
        return KeyError(f"no message {key!r} in {po_path(self.domain, self.lang)}")

    def text(self, key: str) -> str:
        """The raw text of ``key`` (for a plural entry its general form), unformatted."""
        if key in self.plural_keys:
            return self._tr.ngettext(key, key, 2)
        if key not in self.keys:
            raise self._missing(key)
        return self._tr.gettext(key)

    def __call__(self, key: str, **values: object) -> str:
        if key in self.plural_keys:
            raise TypeError(f"{key!r} is a plural entry: call .n({key!r}, count)")
        text = self.text(key)
        return _Formatter(self).format(text, **values) if values else text

    def form(self, key: str, n: object) -> str:
        """The raw text of plural entry ``key`` for the count ``n``, unformatted (for code
        that fills the placeholders itself, e.g. with escaped markup). A count with
        decimals takes the general form (``1.5 shootings``), as in CLDR for en/sv."""
        if key not in self.plural_keys:
            raise (
                self._missing(key)
                if key not in self.keys
                else TypeError(f"{key!r} is not a plural entry: call it without a count")
            )
        count = count_value(n, self.lang)
        if _has_decimals(count):
            return self.text(key)
        return self._tr.ngettext(key, key, int(count))

    def n(self, key: str, n: object, **values: object) -> str:
        """The form of plural entry ``key`` for the count ``n``, filled in; ``{n}`` shows
        the count in the language's number format (a string is taken as already
        formatted)."""
        text = self.form(key, n)
        if isinstance(n, str):
            shown = n
        else:
            count = count_value(n, self.lang)
            shown = self.fmt.number(float(count), None if _has_decimals(count) else 0)
        return _Formatter(self).format(text, **{**values, "n": shown})

    def mapping(self) -> Mapping[str, str]:
        """Every key and its raw text (plural entries: the general form)."""
        return _Texts(self)


class _Texts(Mapping[str, str]):
    def __init__(self, t: Translator) -> None:
        self._t = t

    def __getitem__(self, key: str) -> str:
        return self._t.text(key)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._t.keys))

    def __len__(self) -> int:
        return len(self._t.keys)

    def __repr__(self) -> str:
        return f"<messages {self._t.domain}/{self._t.lang}: {len(self)} keys>"


@cache
def translator(domain: str, lang: str) -> Translator:
    """translator(domain, lang) -> Translator

    The messages of ``domain`` (``app``, ``report``, ...) in ``lang`` (``en``, ``sv``);
    ValueError for an unknown language or domain."""
    catalog = load_catalog(domain, lang)
    keys: set[str] = set()
    plural: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        key = str(message.id if isinstance(message.id, str) else message.id[0])
        keys.add(key)
        if message.pluralizable:
            plural.add(key)
    return Translator(domain, lang, translations(domain, lang), frozenset(keys), frozenset(plural))
