"""The Jinja2 environment every HTML report is rendered with.

Templates live in ``gvi/report/templates/`` (installed with the package). Autoescaping
is on for every template, so scenario names, titles and descriptions reach the page as
text; a missing variable is an error (``StrictUndefined``), not an empty string.

    >>> from gvi.report.templates import render
    >>> render("validation.html", ...)   # doctest: +SKIP
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

__all__ = ["environment", "fill", "plural", "render"]


def fill(text: str, /, **fragments: Any) -> Markup:
    """``text`` with its ``{placeholders}`` filled: the text is escaped, and so is every
    fragment except the markup a template made (a macro's output, another ``fill``)."""
    return escape(text).format(**fragments)


def plural(key: str, lang: str, n: object) -> str:
    """The report catalogue's plural entry ``key`` in ``lang``, in its form for ``n``
    (unfilled: ``fill`` puts the values in)."""
    from gvi.i18n import translator

    return translator("report", lang).form(key, n)


@cache
def environment() -> Environment:
    """The one environment of the report templates (built once)."""
    env = Environment(
        loader=PackageLoader("gvi.report", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fill"] = fill
    env.filters["plural"] = plural
    return env


def render(template: str, /, **context: Any) -> str:
    """The page a template makes from ``context``."""
    return environment().get_template(template).render(**context)
