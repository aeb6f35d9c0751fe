"""The comparison report: one self-contained HTML page (English or Swedish) for a
steering group — headline effect on shootings, what was compared, weekly shootings,
effects on every measure, time to effect, spillover, costs, equity and harm, cost per
shooting averted, all numbers, how to read it and the model's limits.

    >>> from gvi.report import render_report
    >>> html = render_report(comparison, lang="sv")   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import numbers, planning, sections
from .context import Ctx
from .fmt import Fmt
from .templates import render
from .text import strings

if TYPE_CHECKING:
    from experiments.comparison import Comparison

__all__ = ["render_report"]


def render_report(comparison: Comparison, *, lang: str = "en", decision: Sequence[Any] = ()) -> str:
    """The report as an HTML document (``lang`` = ``"en"`` or ``"sv"``; else ValueError),
    laid out by ``templates/comparison.html``. ``decision``: finished discoveries and
    plan searches (``experiments.discovery.load``, ``experiments.plan.load``) of a city
    the comparison holds, shown as sections before "How this was computed"."""
    from .decision import embedded_sections

    x = Ctx(comparison, strings(lang), Fmt(lang))
    return render(
        "comparison.html",
        **x.shared(),
        header=sections.header(x),
        headline=sections.headline(x),
        compared=sections.compared(x),
        timeline=sections.timeline(x),
        effects=numbers.effects(x),
        time_to_effect=planning.time_to_effect(x),
        spillover=planning.spillover(x),
        costs=numbers.costs(x),
        equity=planning.equity(x),
        value_for_money=planning.value_for_money(x),
        summary=numbers.summary(x),
        decision=embedded_sections(comparison, decision, lang),
        howto=sections.howto(x),
        limits=sections.limits(x),
    )
