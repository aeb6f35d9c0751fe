"""Every visible string of the report: the ``report`` message catalogue of
:mod:`gvi.i18n` (``gvi/i18n/locale/{en,sv}/LC_MESSAGES/report.po``, same keys; those of
the planners' sections are listed in :mod:`.text_outcomes`). ``h_`` keys are section
headings; placeholders use :meth:`str.format`, filled with ready markup by the page code.

Messages that show a count are plural entries: ``strings(lang)[key]`` is their general
form (``{n} paired runs``), ``translator("report", lang).n(key, n, ...)`` the right form
for ``n`` (``1 paired run``)."""

from __future__ import annotations

from collections.abc import Mapping

from gvi.i18n import check_lang, translator

DOMAIN = "report"
EN: Mapping[str, str] = translator(DOMAIN, "en").mapping()
SV: Mapping[str, str] = translator(DOMAIN, "sv").mapping()


def strings(lang: str) -> dict[str, str]:
    """The strings of one language (key -> text); ValueError for any other than en/sv."""
    return dict(translator(DOMAIN, check_lang(lang)).mapping())
