"""Every visible string of the trainers' app: the ``app`` message catalogue of
:mod:`gvi.i18n` (``gvi/i18n/locale/{en,sv}/LC_MESSAGES/app.po``, same keys).

Placeholders use :meth:`str.format`; counts go through plural entries (``1 shooting``,
``2 shootings``). Labels of metrics and levers are not repeated here: they come from
their declarations (``model.metrics.METRICS`` and ``scenarios.schema.parameters()``),
and the presets' descriptions from the preset files (``scenarios.list_presets(lang)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gvi.i18n import LANGS, LANGUAGE_NAMES, translator
from gvi.i18n.fmt import Fmt

__all__ = ["EN", "LANGS", "LANGUAGE_NAMES", "SV", "DayRef", "Share", "tr"]

DOMAIN = "app"
EN: Mapping[str, str] = translator(DOMAIN, "en").mapping()
SV: Mapping[str, str] = translator(DOMAIN, "sv").mapping()


@dataclass(frozen=True)
class DayRef:
    """A day mentioned in a message: ``on day 12`` / ``dag 12``; days before the
    observed period (< 1) read ``before day 1``."""

    day: int

    def text(self, lang: str) -> str:
        return tr(lang, "when_day", day=self.day) if self.day >= 1 else tr(lang, "when_before")


@dataclass(frozen=True)
class Share:
    """A share (0-1) mentioned in a message, shown as a whole percentage in the
    message's language (``82%`` / ``82 %``); ``–`` when there is none."""

    value: float | None

    def text(self, lang: str) -> str:
        if self.value is None:
            return "\u2013"
        return Fmt(lang).number(100 * self.value, 0) + ("\u00a0%" if lang == "sv" else "%")


def tr(lang: str, key: str, **values: object) -> str:
    """The string ``key`` in ``lang``, with ``values`` filled in. For a plural entry
    (``speed``, ``ev_sweep``, ...) the value ``n`` is the count that picks the form."""
    t = translator(DOMAIN, lang if lang in LANGS else "en")
    filled = {k: v.text(t.lang) if isinstance(v, DayRef | Share) else v for k, v in values.items()}
    if key in t.plural_keys:
        return t.n(key, filled.pop("n"), **filled)
    return t(key, **filled)
