"""The comparison report: one self-contained HTML page (English or Swedish) for a
steering group — headline effect on shootings, what was compared, weekly shootings,
effects on every measure, time to effect, spillover, costs, equity and harm, cost per
shooting averted, all numbers, how to read it and the model's limits.

    >>> from gvi.report import render_report
    >>> html = render_report(comparison, lang="sv")   # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import numbers, planning, sections
from .context import Ctx
from .fmt import Fmt
from .page import document
from .text import strings

if TYPE_CHECKING:
    from experiments.comparison import Comparison

__all__ = ["render_report"]


def render_report(comparison: Comparison, *, lang: str = "en") -> str:
    """The report as an HTML document (``lang`` = ``"en"`` or ``"sv"``; else ValueError)."""
    x = Ctx(comparison, strings(lang), Fmt(lang))
    parts = [
        sections.header(x),
        sections.headline(x),
        sections.compared(x),
        sections.timeline(x),
        numbers.effects(x),
        planning.time_to_effect(x),
        planning.spillover(x),
        numbers.costs(x),
        planning.equity(x),
        planning.value_for_money(x),
        numbers.summary(x),
        sections.howto(x),
        sections.limits(x),
    ]
    return document(lang, x.t["title"], "\n".join(parts))
