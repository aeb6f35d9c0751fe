"""Numbers as a reader of each language expects them.

English: ``1,234.5``, ``35%``, ``SEK 1.4 million``. Swedish: ``1 234,5`` (no-break
space between thousands, decimal comma), ``35 %``, ``1,4 miljoner kr``. Negative
numbers use the minus sign (U+2212); missing values show as an en dash.

Separators and the percent sign come from the locale data (``babel.numbers``, CLDR);
rounding is Python's own (``f"{x:.2f}"``, correct for the binary value), done before the
digits are handed to Babel, so that both languages round alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from babel.numbers import format_decimal, format_percent, get_decimal_symbol

MINUS = "\u2212"
NBSP = "\u00a0"
DASH = "\u2013"
JOIN = "\u2060"  # word joiner: keeps "89.3–116.0" on one line
LANGS = ("en", "sv")

if TYPE_CHECKING:
    from .catalog import Translator


@cache
def _percent_suffix(lang: str) -> str:
    """What follows the digits of a percentage: ``%`` / no-break space and ``%``."""
    return format_percent(0, locale=lang)[1:]


def _words(lang: str) -> Translator:
    """The words around numbers (``to``, ``SEK ... million``): the ``numbers`` catalogue."""
    from .catalog import translator  # the catalogues format their counts with Fmt

    return translator("numbers", lang)


def _grouped(digits: str, lang: str) -> str:
    """Already-rounded ``digits`` (``1234.50``) with the locale's separators."""
    decimals = len(digits.partition(".")[2])
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(Decimal(digits), format=pattern, locale=lang)


def auto_decimals(x: float) -> int:
    """Decimals that keep about three significant digits without false precision."""
    a = abs(x)
    if a == 0 or a >= 100:
        return 0
    if a >= 1:
        return 1
    return 2


def pct_decimals(x: float) -> int:
    """Whole percent from 10 % up, one decimal below."""
    return 0 if abs(x) >= 10 else 1


def missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _value(x: float | None) -> float | None:
    """``x`` as a float, or None when it is missing (None or a float NaN)."""
    return None if x is None or missing(x) else float(x)


@dataclass(frozen=True)
class Fmt:
    """Formatting for one language (``en`` or ``sv``)."""

    lang: str

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {self.lang!r}")

    @property
    def sv(self) -> bool:
        return self.lang == "sv"

    def number(self, x: float | None, decimals: int | None = None, *, signed: bool = False) -> str:
        """``x`` with thousands separators; ``decimals`` chosen by size when None."""
        v = _value(x)
        if v is None:
            return DASH
        x = v
        d = auto_decimals(x) if decimals is None else decimals
        text = _grouped(f"{abs(x):.{d}f}", self.lang)
        if round(x, d) == 0:
            return text
        if x < 0:
            return MINUS + text
        return ("+" + text) if signed else text

    def pct(self, x: float | None, *, signed: bool = False) -> str:
        """A percentage: ``35%`` / ``35 %``; ``signed`` adds ``+`` to increases."""
        v = _value(x)
        if v is None:
            return DASH
        return self._pct(v, pct_decimals(v), signed)

    def _pct(self, x: float, decimals: int, signed: bool) -> str:
        return self.number(x, decimals, signed=signed) + _percent_suffix(self.lang)

    def pct_range(self, lo: float | None, hi: float | None, *, signed: bool = False) -> str:
        """``28% to 41%`` / ``28 % till 41 %`` (both ends with the same decimals)."""
        a, b = _value(lo), _value(hi)
        if a is None or b is None:
            return DASH
        d = pct_decimals(max(abs(a), abs(b)))
        return _words(self.lang)("range", lo=self._pct(a, d, signed), hi=self._pct(b, d, signed))

    def span(self, lo: float | None, hi: float | None, decimals: int | None = None) -> str:
        """A compact interval for tables: ``89.3–116.0``; with negatives ``−5 to 3``
        (both ends with the decimals of the larger)."""
        low, high = _value(lo), _value(hi)
        if low is None or high is None:
            return DASH
        d = auto_decimals(max(abs(low), abs(high))) if decimals is None else decimals
        a, b = self.number(low, d), self.number(high, d)
        if a.startswith(MINUS) or b.startswith(MINUS):
            return _words(self.lang)("range", lo=a, hi=b)
        return f"{a}{JOIN}{DASH}{JOIN}{b}"

    def millions(self, sek: float | None, *, signed: bool = False) -> str:
        """An amount in millions of SEK as a bare number (the unit is in the heading)."""
        v = _value(sek)
        return DASH if v is None else self.number(v / 1e6, 1, signed=signed)

    def money(self, sek: float | None) -> str:
        """``SEK 1.4 million`` / ``1,4 miljoner kr``; below a million in full."""
        v = _value(sek)
        if v is None:
            return DASH
        if abs(v) >= 1e6:
            return _words(self.lang)("money_millions", n=self.number(v / 1e6, 1))
        return _words(self.lang)("money", n=self.number(v, 0))

    def exact(self, x: float) -> str:
        """A setting's value as given, up to six significant digits (``0.008``)."""
        if missing(x):
            return DASH
        x = float(x)
        if x == 0 or x.is_integer():
            return self.number(x, 0)
        d = min(8, max(0, 5 - math.floor(math.log10(abs(x)))))
        text = self.number(x, d)
        mark = get_decimal_symbol(self.lang)
        return text.rstrip("0").rstrip(mark) if mark in text else text
