"""Sections in numbers: effects on every measure, costs and enforcement, the summary."""

from __future__ import annotations

from model.metrics import METRICS, Metric, MetricKind, metric

from . import data, plots
from .context import Ctx
from .fmt import Fmt
from .page import colname, esc, figure, fill, name, row, section, table, value
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


def effects(x: Ctx) -> str:
    c, t, f = x.c, x.t, x.f
    shown, absent = data.effect_metrics(c)
    uri, cut = plots.effects(c, t, f)
    caption = fill(t["effects_caption"], baseline=x.base)
    if cut:
        caption += " " + esc(t["effects_clipped"])
    rows = []
    for m in shown:
        cells, unclear = [], []
        for n in data.others(c):
            r = data.effect_row(c, n, m)
            cells.append(
                value(
                    f.pct(r.change_pct, signed=True), f.pct_range(r.ci_low, r.ci_high, signed=True)
                )
            )
            unclear.append("" if r.ci_low > 0 or r.ci_high < 0 else "unclear")
        rows.append(row(esc(metric_label(metric(m), x.lang)), cells, classes=unclear))
    head = [esc(t["col_measure"])] + [colname(n) for n in data.others(c)]
    notes = [esc(t["effects_unclear"])]
    if absent:
        names = ", ".join(metric_label(metric(m), x.lang) for m in absent)
        notes.append(fill(t["effects_absent"], baseline=x.base, list=esc(names)))
    body = figure(uri, t["alt_effects"], caption) + table(head, rows) if uri else ""
    body += "".join(f'<p class="note">{n}</p>' for n in notes)
    return section("effects", t["h_effects"], body)


# --- costs ------------------------------------------------------------------------


def costs(x: Ctx) -> str:
    c, t, f = x.c, x.t, x.f
    rows = []
    for m_name in data.OUTPUTS:
        m = metric(m_name)
        cells = []
        for n in c.names:
            e = data.yearly(c, n, m_name)
            cells.append(value(number(f, m_name, e.mean), span(f, m_name, e.low, e.high)))
        rows.append(row(esc(measure_label(x, m, per_year=True)), cells))
    head = [esc(t["col_measure"])] + [colname(n) for n in c.names]
    body = f"<p>{esc(t['costs_intro'])}</p>" + table(head, rows)
    if data.others(c):
        body += _tradeoff(x)
    body += f'<p class="note">{esc(t["costs_indicative"])}</p>'
    return section("costs", t["h_costs"], body)


def _tradeoff(x: Ctx) -> str:
    c, t, f = x.c, x.t, x.f
    rows = []
    for n in data.others(c):
        r = data.tradeoff(c, n)
        cells = [
            value(f.number(r.averted.mean, signed=True), f.span(r.averted.low, r.averted.high)),
            value(
                f.number(r.extra_arrests.mean, signed=True),
                f.span(r.extra_arrests.low, r.extra_arrests.high),
            ),
            value(
                f.millions(r.extra_cost.mean, signed=True),
                f.span(r.extra_cost.low / 1e6, r.extra_cost.high / 1e6, 1),
            ),
            esc(f.number(r.averted_per_100_arrests)),
            esc(f.money(r.cost_per_averted)),
        ]
        rows.append(row(name(n), cells))
    keys = ("col_scenario", "col_averted", "col_extra_arrests", "col_extra_cost", "col_per100")
    head = [esc(t[k]) for k in keys] + [esc(t["col_cost_per"])]
    uri = plots.tradeoff(c, t, f)
    return (
        f"<h3>{fill(t['h_tradeoff'], baseline=x.base)}</h3>"
        f"<p>{fill(t['tradeoff_intro'], baseline=x.base)}</p>"
        + table(head, rows)
        + f'<p class="note">{esc(t["per100_note"])}</p>'
        + figure(uri, t["alt_costs"], fill(t["tradeoff_caption"], baseline=x.base))
    )


# --- summary ----------------------------------------------------------------------


def summary(x: Ctx) -> str:
    c, t, f = x.c, x.t, x.f
    s = c.summary.set_index(["metric", "scenario"])
    rows = []
    for m in METRICS:
        label = esc(measure_label(x, m, per_year=False))
        for i, n in enumerate(c.names):
            r = s.loc[(m.name, n)]
            cells = [
                value(
                    number(f, m.name, r.post_mean),
                    span(f, m.name, r.post_ci_low, r.post_ci_high),
                    inline=True,
                ),
                esc(number(f, m.name, r.pre_per_year)),
                esc(number(f, m.name, r.post_per_year)),
            ]
            first = f'<th scope="rowgroup" rowspan="{len(c.names)}">{label}</th>' if i == 0 else ""
            rows.append(_summary_row(first, name(n), cells, group_start=i == 0))
    keys = ("col_measure", "col_scenario", "col_post_total", "col_pre_year", "col_post_year")
    intro = fill(t["summary_intro"], post=esc(period(data.post_days(c), x.lang, definite=False)))
    return section(
        "summary",
        t["h_summary"],
        f"<p>{intro}</p>" + table([esc(t[k]) for k in keys], rows, numeric_from=2),
    )


def _summary_row(first: str, scenario: str, cells: list[str], *, group_start: bool) -> str:
    tds = "".join(f'<td class="num">{cell}</td>' for cell in cells)
    klass = ' class="group-start"' if group_start else ""
    return f"<tr{klass}>{first}<td>{scenario}</td>{tds}</tr>"
