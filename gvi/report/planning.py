"""Sections for planners: time to effect, spillover to groups the message did not reach,
equity and harm of enforcement, and the cost per shooting averted with the unit costs.

Each function returns what its section of ``templates/comparison.html`` shows; None
where the comparison lacks the groups' data."""

from __future__ import annotations

import math
from typing import Any

from scenarios import parameters

from . import data, plots
from .context import Ctx
from .page import Row, Value, values
from .vocab import unit


def _months(x: Ctx, months: float) -> str:
    n = int(months)
    return x.t["month_one"] if n == 1 else x.t["month_many"].format(n=x.f.number(n, 0))


def _tradeoff(x: Ctx, scenario: str, quantity: str):
    t = x.c.tradeoffs
    return t[(t["scenario"] == scenario) & (t["quantity"] == quantity)].iloc[0]


def _ratio_cell(x: Ctx, r, money: bool = False) -> Value:
    if math.isnan(r.value):
        return Value(x.t["not_meaningful"], aside=True)
    if money:
        return Value(x.f.money(r.value), f"{x.f.money(r.ci_low)} – {x.f.money(r.ci_high)}")
    return Value(x.f.number(r.value), x.f.span(r.ci_low, r.ci_high))


# --- time to effect ---------------------------------------------------------------


def time_to_effect(x: Ctx) -> dict[str, Any] | None:
    """Months until each scenario's effect shows (None: never within the run)."""
    c = x.c
    if not data.others(c) or c.trajectory.empty:
        return None
    found = [
        (r.scenario, None if math.isnan(r.months) else _months(x, r.months))
        for r in c.time_to_effect.itertuples()
    ]
    return {"found": found, "uri": plots.trajectory(c, x.t, x.f)}


# --- spillover --------------------------------------------------------------------


def spillover(x: Ctx) -> list[Row] | None:
    c, t, f = x.c, x.t, x.f
    if c.spillover is None:
        return None
    rows = []
    for i, r in enumerate(c.spillover.itertuples()):
        unclear = "" if r.ci_low > 0 or r.ci_high < 0 else "unclear"
        cells = [
            *values(
                [
                    t[f"reach_{r.reach}"],
                    f.number(r.groups),
                    f.number(r.shootings),
                    f.number(r.baseline_shootings),
                ]
            ),
            Value(
                f.pct(r.change_pct, signed=True),
                f.pct_range(r.ci_low, r.ci_high, signed=True),
                cls=unclear,
            ),
        ]
        first = r.scenario if r.reach == "reached" else ""
        rows.append(Row(first, cells, tr="group-start" if i % 2 == 0 else ""))
    return rows


# --- equity and harm --------------------------------------------------------------


def equity(x: Ctx) -> dict[str, Any] | None:
    c, t, f = x.c, x.t, x.f
    if c.harm is None:
        return None
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
                cells.append(Value(main, ci if r.ci_high - r.ci_low > 1e-9 else None))
            rows.append(Row(label, cells, tr="group-start" if j == 0 else ""))
    return {"rows": rows, "tradeoff": _harm_tradeoff(x) if data.others(c) else None}


def _harm_tradeoff(x: Ctx) -> list[Row]:
    c, f = x.c, x.f
    rows = []
    for n in data.others(c):
        a = _tradeoff(x, n, "shootings_averted")
        d = _tradeoff(x, n, "extra_custody_days")
        cells = [
            Value(f.number(a.value, signed=True), f.span(a.ci_low, a.ci_high)),
            Value(f.number(d.value, signed=True), f.span(d.ci_low, d.ci_high)),
            _ratio_cell(x, _tradeoff(x, n, "averted_per_100_custody_days")),
        ]
        rows.append(Row(n, cells))
    return rows


# --- cost per shooting averted ----------------------------------------------------


def value_for_money(x: Ctx) -> dict[str, Any]:
    c, f = x.c, x.f
    rows = []
    for n in data.others(c):
        a = _tradeoff(x, n, "shootings_averted")
        k = _tradeoff(x, n, "extra_cost_sek")
        cells = [
            Value(f.number(a.value, signed=True), f.span(a.ci_low, a.ci_high)),
            Value(f.millions(k.value, signed=True), f.span(k.ci_low / 1e6, k.ci_high / 1e6, 1)),
            _ratio_cell(x, _tradeoff(x, n, "cost_per_averted_sek"), money=True),
        ]
        rows.append(Row(n, cells))
    return {"rows": rows, "unit_costs": _unit_costs(x)}


def _unit_costs(x: Ctx) -> list[Row]:
    c = x.c
    rows = []
    for spec in parameters():
        if not spec.path.startswith("costs."):
            continue
        label = spec.label_sv if x.lang == "sv" else spec.label
        settings = [data.setting(s, spec.path) for s in c.scenarios]
        texts = [unit(spec.unit, x.lang)] + [x.f.exact(float(v)) for v in settings]
        marks = [""] + ["diff" if v != settings[0] else "" for v in settings]
        rows.append(Row({"label": label, "path": spec.path, "unit": None}, values(texts, marks)))
    return rows
