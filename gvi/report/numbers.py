"""Sections in numbers: effects on every measure, costs and enforcement, the summary.

Each function returns what its section of ``templates/comparison.html`` shows."""

from __future__ import annotations

from typing import Any

from model.metrics import METRICS, Metric, MetricKind, metric

from . import data, plots
from .context import Ctx
from .fmt import Fmt
from .page import Row, Value
from .vocab import metric_label, period


def measure_label(x: Ctx, m: Metric, *, per_year: bool) -> str:
    """A metric's label with how it is counted: cost in millions, levels per day."""
    if m.name == "cost_sek":
        return x.t["cost_row"] if per_year else f"{metric_label(m, x.lang)} ({x.t['sek_million']})"
    if m.kind is MetricKind.LEVEL:
        return f"{metric_label(m, x.lang)}, {x.t['per_day_avg']}"
    return f"{metric_label(m, x.lang)}, {x.t['per_year']}" if per_year else metric_label(m, x.lang)


def number(f: Fmt, metric_name: str, v: float) -> str:
    return f.millions(v) if metric_name == "cost_sek" else f.number(v)


def span(f: Fmt, metric_name: str, lo: float, hi: float) -> str | None:
    """The interval as text; None when it has no width (a value without chance)."""
    if abs(hi - lo) < 1e-9:
        return None
    if metric_name == "cost_sek":
        return f.span(lo / 1e6, hi / 1e6, 1)
    return f.span(lo, hi)


# --- effects ----------------------------------------------------------------------


def effects(x: Ctx) -> dict[str, Any]:
    c, t, f = x.c, x.t, x.f
    shown, absent = data.effect_metrics(c)
    uri, cut = plots.effects(c, t, f)
    rows = []
    for m in shown:
        cells = []
        for n in data.others(c):
            r = data.effect_row(c, n, m)
            unclear = "" if r.ci_low > 0 or r.ci_high < 0 else "unclear"
            pct = f.pct(r.change_pct, signed=True)
            cells.append(Value(pct, f.pct_range(r.ci_low, r.ci_high, signed=True), cls=unclear))
        rows.append(Row(metric_label(metric(m), x.lang), cells))
    return {
        "uri": uri,
        "clipped": cut,
        "rows": rows,
        "absent": ", ".join(metric_label(metric(m), x.lang) for m in absent),
    }


# --- costs ------------------------------------------------------------------------


def costs(x: Ctx) -> dict[str, Any]:
    c, f = x.c, x.f
    rows = []
    for m_name in data.OUTPUTS:
        m = metric(m_name)
        cells = []
        for n in c.names:
            e = data.yearly(c, n, m_name)
            cells.append(Value(number(f, m_name, e.mean), span(f, m_name, e.low, e.high)))
        rows.append(Row(measure_label(x, m, per_year=True), cells))
    return {"rows": rows, "tradeoff": _tradeoff(x) if data.others(c) else None}


def _tradeoff(x: Ctx) -> dict[str, Any]:
    c, t, f = x.c, x.t, x.f
    rows = []
    for n in data.others(c):
        r = data.tradeoff(c, n)
        cells = [
            Value(f.number(r.averted.mean, signed=True), f.span(r.averted.low, r.averted.high)),
            Value(
                f.number(r.extra_arrests.mean, signed=True),
                f.span(r.extra_arrests.low, r.extra_arrests.high),
            ),
            Value(
                f.millions(r.extra_cost.mean, signed=True),
                f.span(r.extra_cost.low / 1e6, r.extra_cost.high / 1e6, 1),
            ),
            Value(f.number(r.averted_per_100_arrests)),
            Value(f.money(r.cost_per_averted)),
        ]
        rows.append(Row(n, cells))
    return {"rows": rows, "uri": plots.tradeoff(c, t, f)}


# --- summary ----------------------------------------------------------------------


def summary(x: Ctx) -> dict[str, Any]:
    """Rows grouped by measure: (label, rows of one scenario each)."""
    c, f = x.c, x.f
    s = c.summary.set_index(["metric", "scenario"])
    groups = []
    for m in METRICS:
        rows = []
        for n in c.names:
            r = s.loc[(m.name, n)]
            cells = [
                Value(
                    number(f, m.name, r.post_mean),
                    span(f, m.name, r.post_ci_low, r.post_ci_high),
                    inline=True,
                ),
                Value(number(f, m.name, r.pre_per_year)),
                Value(number(f, m.name, r.post_per_year)),
            ]
            rows.append(Row(n, cells))
        groups.append((measure_label(x, m, per_year=False), rows))
    return {"groups": groups, "post": period(data.post_days(c), x.lang, definite=False)}
