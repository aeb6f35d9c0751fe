"""Sections for planners: time to effect, spillover to groups the message did not reach,
equity and harm of enforcement, and the cost per shooting averted with the unit costs."""

from __future__ import annotations

import math

from scenarios import parameters

from . import data, plots
from .context import Ctx
from .page import colname, esc, figure, fill, name, row, section, table, value
from .vocab import unit


def _missing(x: Ctx, ident: str, heading: str) -> str:
    return section(ident, heading, f'<p class="note">{esc(x.t["missing_groups"])}</p>')


def _months(x: Ctx, months: float) -> str:
    n = int(months)
    return x.t["month_one"] if n == 1 else x.t["month_many"].format(n=x.f.number(n, 0))


def _tradeoff(x: Ctx, scenario: str, quantity: str):
    t = x.c.tradeoffs
    return t[(t["scenario"] == scenario) & (t["quantity"] == quantity)].iloc[0]


def _ratio_cell(x: Ctx, r, money: bool = False) -> str:
    if math.isnan(r.value):
        return f'<span class="ci inline">{esc(x.t["not_meaningful"])}</span>'
    if money:
        return value(x.f.money(r.value), f"{x.f.money(r.ci_low)} – {x.f.money(r.ci_high)}")
    return value(x.f.number(r.value), x.f.span(r.ci_low, r.ci_high))


# --- time to effect ---------------------------------------------------------------


def time_to_effect(x: Ctx) -> str:
    c, t = x.c, x.t
    if not data.others(c) or c.trajectory.empty:
        return section("time", t["h_time"], f"<p>{fill(t['time_intro'], baseline=x.base)}</p>")
    items = []
    for r in c.time_to_effect.itertuples():
        if math.isnan(r.months):
            items.append(fill(t["time_none"], name=name(r.scenario)))
        else:
            items.append(
                fill(t["time_found"], name=name(r.scenario), months=esc(_months(x, r.months)))
            )
    uri = plots.trajectory(c, t, x.f)
    return section(
        "time",
        t["h_time"],
        f"<p>{fill(t['time_intro'], baseline=x.base)}</p>"
        + "<ul>"
        + "".join(f"<li>{i}</li>" for i in items)
        + "</ul>"
        + figure(uri, t["alt_time"], fill(t["time_caption"], baseline=x.base)),
    )


# --- spillover --------------------------------------------------------------------


def spillover(x: Ctx) -> str:
    c, t, f = x.c, x.t, x.f
    if c.spillover is None:
        return _missing(x, "spillover", t["h_spillover"])
    rows = []
    for i, r in enumerate(c.spillover.itertuples()):
        first = name(r.scenario) if r.reach == "reached" else ""
        unclear = "" if r.ci_low > 0 or r.ci_high < 0 else "unclear"
        cells = [
            esc(t[f"reach_{r.reach}"]),
            esc(f.number(r.groups)),
            esc(f.number(r.shootings)),
            esc(f.number(r.baseline_shootings)),
            value(f.pct(r.change_pct, signed=True), f.pct_range(r.ci_low, r.ci_high, signed=True)),
        ]
        classes = ["", "", "", "", unclear]
        rows.append(row(first, cells, classes=classes, tr="group-start" if i % 2 == 0 else ""))
    head = [
        esc(t["col_scenario"]),
        esc(t["col_reach"]),
        esc(t["col_groups_n"]),
        esc(t["col_shootings_run"]),
        fill(t["col_same_in_base"], baseline=colname(c.baseline)),
        esc(t["col_change"]),
    ]
    return section(
        "spillover",
        t["h_spillover"],
        f"<p>{fill(t['spillover_intro'], baseline=x.base)}</p>"
        + table(head, rows, numeric_from=2)
        + f'<p class="note">{fill(t["spillover_note"], baseline=x.base)}</p>',
    )


# --- equity and harm --------------------------------------------------------------


def equity(x: Ctx) -> str:
    c, t, f = x.c, x.t, x.f
    if c.harm is None:
        return _missing(x, "equity", t["h_equity"])
    h = c.harm.set_index(["measure", "stat", "scenario"])
    rows = []
    for measure in ("arrests", "custody_days", "enforcement"):
        for j, stat in enumerate(("total", "group_mean", "group_max", "share_any")):
            label = f"{t['m_' + measure]}, {t['stat_' + stat]}"
            cells = []
            for n in c.names:
                r = h.loc[(measure, stat, n)]
                if stat == "share_any":
                    main, ci = f.pct(100 * r["mean"]), f.pct_range(100 * r.ci_low, 100 * r.ci_high)
                else:
                    main, ci = f.number(r["mean"]), f.span(r.ci_low, r.ci_high)
                cells.append(value(main, ci if r.ci_high - r.ci_low > 1e-9 else None))
            rows.append(row(esc(label), cells, tr="group-start" if j == 0 else ""))
    head = [esc(t["col_measure"])] + [colname(n) for n in c.names]
    body = (
        f"<p>{esc(t['equity_intro'])}</p>"
        + table(head, rows)
        + f'<p class="note">{esc(t["equity_sweeps_note"])}</p>'
    )
    if data.others(c):
        body += _harm_tradeoff(x)
    return section("equity", t["h_equity"], body)


def _harm_tradeoff(x: Ctx) -> str:
    c, t, f = x.c, x.t, x.f
    rows = []
    for n in data.others(c):
        a = _tradeoff(x, n, "shootings_averted")
        d = _tradeoff(x, n, "extra_custody_days")
        cells = [
            value(f.number(a.value, signed=True), f.span(a.ci_low, a.ci_high)),
            value(f.number(d.value, signed=True), f.span(d.ci_low, d.ci_high)),
            _ratio_cell(x, _tradeoff(x, n, "averted_per_100_custody_days")),
        ]
        rows.append(row(name(n), cells))
    keys = ("col_scenario", "col_averted_run", "col_extra_custody", "col_per100_custody")
    return (
        f"<h3>{esc(t['h_harm_tradeoff'])}</h3>"
        f"<p>{fill(t['harm_intro'], baseline=x.base)}</p>"
        + table([esc(t[k]) for k in keys], rows)
        + f'<p class="note">{esc(t["per100_custody_note"])}</p>'
    )


# --- cost per shooting averted ----------------------------------------------------


def value_for_money(x: Ctx) -> str:
    c, t, f = x.c, x.t, x.f
    body = ""
    if data.others(c):
        rows = []
        for n in data.others(c):
            a = _tradeoff(x, n, "shootings_averted")
            k = _tradeoff(x, n, "extra_cost_sek")
            cells = [
                value(f.number(a.value, signed=True), f.span(a.ci_low, a.ci_high)),
                value(f.millions(k.value, signed=True), f.span(k.ci_low / 1e6, k.ci_high / 1e6, 1)),
                _ratio_cell(x, _tradeoff(x, n, "cost_per_averted_sek"), money=True),
            ]
            rows.append(row(name(n), cells))
        keys = ("col_scenario", "col_averted_run", "col_extra_cost", "col_cost_per_averted")
        body = (
            f"<p>{fill(t['value_intro'], baseline=x.base)}</p>"
            + table([esc(t[k]) for k in keys], rows)
            + f'<p class="note">{esc(t["value_note"])}</p>'
        )
    return section("value", t["h_value"], body + _unit_costs(x))


def _unit_costs(x: Ctx) -> str:
    c, t = x.c, x.t
    rows = []
    for spec in parameters():
        if not spec.path.startswith("costs."):
            continue
        label = spec.label_sv if x.lang == "sv" else spec.label
        first = f'{esc(label)}<span class="path"><code>{esc(spec.path)}</code></span>'
        values = [data.setting(s, spec.path) for s in c.scenarios]
        cells = [esc(unit(spec.unit, x.lang))] + [esc(x.f.exact(float(v))) for v in values]
        marks = [""] + ["diff" if v != values[0] else "" for v in values]
        rows.append(row(first, cells, classes=marks))
    head = [esc(t["col_unit_cost"]), esc(t["col_unit"])] + [colname(n) for n in c.names]
    return f"<h3>{esc(t['h_unit_costs'])}</h3><p>{esc(t['unit_costs_intro'])}</p>" + table(
        head, rows, cls="settings"
    )
