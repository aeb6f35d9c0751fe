"""Words that depend on the data: units of parameters and metrics and lengths of time
(scenarios carry their own titles and descriptions in both languages).

Units are the ``units`` message catalogue of :mod:`gvi.i18n` (msgid: the unit as
declared); lengths of time are entries of the ``report`` catalogue."""

from __future__ import annotations

from collections.abc import Mapping

from gvi.i18n import translator
from model.metrics import Metric
from model.time import DAYS_PER_MONTH, DAYS_PER_YEAR

UNITS_SV: Mapping[str, str] = translator("units", "sv").mapping()

SPELLED_YEARS = (1, 2, 3)  # whole years written as words: "the two years", "två år"
YEARS: Mapping[str, Mapping[int, str]] = {
    lang: {n: translator("report", lang)(f"years_def_{n}") for n in SPELLED_YEARS}
    for lang in ("en", "sv")
}
YEARS_SHORT: Mapping[str, Mapping[int, str]] = {
    lang: {n: translator("report", lang)(f"years_{n}") for n in SPELLED_YEARS}
    for lang in ("en", "sv")
}


def unit(text: str, lang: str) -> str:
    """A unit in the report's language (unknown units are shown as declared, in
    English with en dashes for ranges)."""
    t = translator("units", lang)
    if text in t.keys:
        return t(text)
    return text if lang == "sv" else text.replace("-", "\u2013")


def metric_label(m: Metric, lang: str) -> str:
    return m.label_sv if lang == "sv" else m.label


def period(days: int, lang: str, *, definite: bool = True) -> str:
    """``the two years`` / ``de två åren`` (definite) or ``two years`` / ``två år``;
    months when the length is not whole years."""
    t = translator("report", lang)
    years = days / DAYS_PER_YEAR
    whole = round(years)
    if whole >= 1 and abs(years - whole) < 0.03:
        if whole in SPELLED_YEARS:
            return (YEARS if definite else YEARS_SHORT)[lang][whole]
        return t.n("n_years_def" if definite else "n_years", whole)
    months = max(1, round(days / DAYS_PER_MONTH))
    return t.n("n_months_def" if definite else "n_months", months)
