"""Sections in words: title, headline, what was compared, timeline, how to read, limits.

Each function returns what its section of ``templates/comparison.html`` shows: texts
and numbers formatted for the report's language, never markup."""

from __future__ import annotations

from datetime import date
from typing import Any

from experiments.comparison import MEANINGFUL_REPLICATES

from . import data, plots
from .context import Ctx
from .page import Row, Value, values
from .templates import fill
from .vocab import period, unit

SECTION_IDS = (
    "headline",
    "compared",
    "timeline",
    "effects",
    "time",
    "spillover",
    "costs",
    "equity",
    "value",
    "summary",
    "howto",
    "limits",
)


def header(x: Ctx) -> dict[str, Any]:
    c, t = x.c, x.t
    return {
        "subtitle": "subtitle" if c.same_city else "subtitle_other",
        "today": date.today().isoformat(),
        "runs_date": str(c.manifest.get("finished", ""))[:10],
        "pre": period(data.pre_days(c), x.lang, definite=False),
        "post": period(data.post_days(c), x.lang, definite=False),
        "links": [(i, t["h_" + i]) for i in SECTION_IDS],
    }


def headline_sentence(x: Ctx, scenario: str) -> dict[str, Any]:
    """One scenario's paired effect on shootings: ``kind`` is ``cut``, ``rise``,
    ``unclear`` or ``none`` (no percentage exists)."""
    f = x.f
    r = data.effect_row(x.c, scenario, "shootings")
    if r.isna()["change_pct"]:
        return {"scenario": scenario, "kind": "none", "pct": "", "range": ""}
    if r.ci_high < 0:
        kind, pct, rng = "cut", f.pct(-r.change_pct), f.pct_range(-r.ci_high, -r.ci_low)
    elif r.ci_low > 0:
        kind, pct, rng = "rise", f.pct(r.change_pct), f.pct_range(r.ci_low, r.ci_high)
    else:
        kind = "unclear"
        pct = f.pct(r.change_pct, signed=True)
        rng = f.pct_range(r.ci_low, r.ci_high, signed=True)
    return {"scenario": scenario, "kind": kind, "pct": pct, "range": rng}


def lapse_sentence(x: Ctx, scenario: str) -> dict[str, Any] | None:
    """The effect before and after the partnership lapses, for a scenario with a lapse."""
    p = x.c.phases
    rows = p[p["scenario"] == scenario]
    if len(rows) != 2:
        return None
    b, a = rows.iloc[0], rows.iloc[1]
    f = x.f

    def months(r) -> int:
        return round((r.end_day - r.start_day) / data.DAYS_PER_MONTH)

    return {
        "scenario": scenario,
        "before": f.pct(b.change_pct, signed=True),
        "before_range": f.pct_range(b.ci_low, b.ci_high, signed=True),
        "after": f.pct(a.change_pct, signed=True),
        "after_range": f.pct_range(a.ci_low, a.ci_high, signed=True),
        "m1": months(b),
        "m2": months(a),
    }


def power_rows(x: Ctx, scenarios: list[str]) -> tuple[list[Row], bool]:
    """Would a plain before/after evaluation detect each scenario's effect: the share of
    runs in which it does (with its interval), and the follow-up an evaluation that
    allows for the clustering of violence needs for 80 % power — or that no length
    would do, or that the scenario's shootings do not fall (pooled over its runs), so
    there is no drop to detect. Also: does some scenario need more than any length?"""
    f, t = x.f, x.t
    power = x.c.power.set_index("scenario")
    rows, never = [], False
    for scenario in scenarios:
        r = power.loc[scenario]
        if not r.replicates:
            continue
        if not r.rate_ratio < 1:
            follow = t["power_cell_no_drop"]
        elif r.years_80 < float("inf"):
            follow = fill(t["power_cell_years"], years=f.number(r.years_80, 1))
        else:
            follow, never = t["power_cell_never"], True
        share = Value(
            f.pct(100 * r.power), f.pct_range(100 * r.power_ci_low, 100 * r.power_ci_high)
        )
        rows.append(Row(scenario, [share, Value(str(follow), cls="words")]))
    return rows, never


def headline(x: Ctx) -> dict[str, Any]:
    c, f = x.c, x.f
    rows = []
    for n in c.names:
        s = c.summary[(c.summary["scenario"] == n) & (c.summary["metric"] == "shootings")].iloc[0]
        e = data.effect_row(c, n, "shootings")
        change = Value(
            f.pct(e.prepost_change_pct, signed=True),
            f.pct_range(e.prepost_ci_low, e.prepost_ci_high, signed=True),
        )
        rows.append(
            Row(n, [*values([f.number(s.pre_per_year), f.number(s.post_per_year)]), change])
        )
    others = data.others(c)
    powers, power_never = power_rows(x, others)
    return {
        "sentences": [headline_sentence(x, n) for n in others],
        "lapses": [s for n in others if (s := lapse_sentence(x, n))],
        "powers": powers,
        "power_never": power_never,
        "base_power": f.pct(100 * c.power.set_index("scenario").loc[c.baseline].power),
        "ensemble": ensemble_facts(x),
        "spread": spread_sentences(x),
        "few": c.replicates < MEANINGFUL_REPLICATES,
        "min_replicates": MEANINGFUL_REPLICATES,
        "rows": rows,
    }


def ensemble_facts(x: Ctx) -> dict[str, Any] | None:
    """With a posterior ensemble: how many sets it holds, which parameters it varies,
    where it came from. None with one fixed parameter set."""
    record = x.c.ensemble
    if record is None:
        return None
    params = record.get("parameters") or []
    return {
        "sets": x.f.number(float(record.get("sets", 0)), 0),
        "parameters": ", ".join(str(p) for p in params),
        "source": str(record.get("folder") or "-"),
        "sha": str(record.get("sha256", ""))[:16],
        "kept": ", ".join(f"{k} = {v}" for k, v in (record.get("kept") or {}).items()),
        "note": (record.get("note") or {}).get(x.lang, ""),
    }


def spread_sentences(x: Ctx) -> list[dict[str, Any]]:
    """Per scenario, how much of the spread of its paired effect on shootings is model
    uncertainty (between parameter sets) and how much chance (within them)."""
    spread = x.c.spread
    if spread is None:
        return []
    out = []
    for r in spread.itertuples():
        ok = r.model_share == r.model_share  # not NaN
        out.append(
            {
                "scenario": r.scenario,
                "key": "spread_split" if ok else "spread_none",
                "model": x.f.pct(100 * r.model_share) if ok else "",
                "chance": x.f.pct(100 * r.chance_share) if ok else "",
                "chance_low": x.f.pct(100 * r.chance_share_low) if ok else "",
                "chance_high": x.f.pct(100 * r.chance_share_high) if ok else "",
                "sets": x.f.number(float(r.sets_repeated), 0),
                "low": x.f.pct(r.runs_p05, signed=True),
                "median": x.f.pct(r.runs_median, signed=True),
                "high": x.f.pct(r.runs_p95, signed=True),
            }
        )
    return out


def setting_text(x: Ctx, v: object) -> str:
    if v is None:
        return x.t["not_set"]
    if isinstance(v, bool):
        return x.t["on"] if v else x.t["off"]
    if isinstance(v, int | float):
        return x.f.exact(float(v))
    return str(v)


def compared(x: Ctx) -> dict[str, Any]:
    c, t = x.c, x.t
    differ, same = data.differing_parameters(c.scenarios)
    rows = []
    for spec, settings in differ:
        first = {
            "label": spec.label_sv if x.lang == "sv" else spec.label,
            "path": spec.path,
            "unit": None if spec.unit == "switch" else unit(spec.unit, x.lang),
        }
        marks = ["diff" if v != settings[0] else "" for v in settings]
        rows.append(Row(first, values([setting_text(x, v) for v in settings], marks)))
    return {
        "scenarios": [
            (
                s.display_title(x.lang),
                s.name,
                s.display_description(x.lang) or t["no_description"],
            )
            for s in c.scenarios
        ],
        "cities": cities(x),
        "rows": rows,
        "same": same,
    }


def cities(x: Ctx) -> list[Row] | None:
    """Each scenario's city: groups, members, background hazard, shootings before."""
    c, t, f = x.c, x.t, x.f
    if c.cities is None:
        return None
    rows = []
    for r in c.cities.itertuples():
        groups = f"{r.groups} ({t['city_audit']})" if r.audit else str(r.groups)
        cells = [groups, f.number(r.members), f.exact(r.base_hazard)]
        rows.append(Row(r.scenario, values([*cells, f.number(r.shootings_pre_per_year)])))
    return rows


def timeline(x: Ctx) -> dict[str, Any]:
    return {"uri": plots.timeline(x.c, x.t, x.f)}


def howto(x: Ctx) -> dict[str, Any]:
    seed = x.c.manifest.get("root_seed")
    return {
        "seed": "-" if seed is None else seed,
        "entropy": x.c.root_entropy,
        "ensemble": ensemble_facts(x),
    }


def limits(x: Ctx) -> list[str]:
    t = x.t
    first = t["limit_audit"] if data.uses_audit(x.c.scenarios) else t["limit_synthetic"]
    return [first, *t["limits"].split("\n")]
