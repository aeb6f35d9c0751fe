"""Sections in words: title, headline, what was compared, timeline, how to read, limits."""

from __future__ import annotations

from datetime import date

from experiments.comparison import MEANINGFUL_REPLICATES

from . import data, plots
from .context import Ctx
from .page import colname, esc, figure, fill, row, section, table, value
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


def header(x: Ctx) -> str:
    c, t = x.c, x.t
    runs_date = str(c.manifest.get("finished", ""))[:10]
    pre = period(data.pre_days(c), x.lang, definite=False)
    post = period(data.post_days(c), x.lang, definite=False)
    meta = [
        (t["meta_date"], esc(date.today().isoformat())),
        (t["meta_runs_date"], esc(runs_date)) if runs_date else None,
        (t["meta_replicates"], esc(c.replicates)),
        (t["meta_period"], fill(t["period_value"], pre=esc(pre), post=esc(post))),
    ]
    items = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in filter(None, meta))
    links = "".join(f'<li><a href="#{i}">{esc(t["h_" + i])}</a></li>' for i in SECTION_IDS)
    return (
        f"<header><h1>{esc(t['title'])}</h1>"
        f'<p class="lead">{fill(t["subtitle" if c.same_city else "subtitle_other"], baseline=x.base_phrase)}</p>'
        f'<dl class="meta">{items}</dl></header>'
        f'<nav aria-label="{esc(t["contents"])}"><strong>{esc(t["contents"])}</strong>'
        f"<ol>{links}</ol></nav>"
    )


def headline_sentence(x: Ctx, scenario: str) -> str:
    """One scenario's paired effect on shootings, in words."""
    c, t, f = x.c, x.t, x.f
    r = data.effect_row(c, scenario, "shootings")
    common = {
        "name": x.title(scenario),
        "baseline": x.base_phrase,
        "where": x.where,
        "period": esc(period(data.post_days(c), x.lang)),
        "n": esc(c.replicates),
    }
    if r.isna()["change_pct"]:
        return fill(t["headline_none"], name=x.title(scenario), baseline=x.base)
    if r.ci_high < 0:
        key, pct, rng = "headline_cut", f.pct(-r.change_pct), f.pct_range(-r.ci_high, -r.ci_low)
    elif r.ci_low > 0:
        key, pct, rng = "headline_rise", f.pct(r.change_pct), f.pct_range(r.ci_low, r.ci_high)
    else:
        key = "headline_unclear"
        pct = f.pct(r.change_pct, signed=True)
        rng = f.pct_range(r.ci_low, r.ci_high, signed=True)
    return fill(t[key], pct=esc(pct), range=esc(rng), **common)


def lapse_sentence(x: Ctx, scenario: str) -> str | None:
    """The effect before and after the partnership lapses, for a scenario with a lapse."""
    p = x.c.phases
    rows = p[p["scenario"] == scenario]
    if len(rows) != 2:
        return None
    b, a = rows.iloc[0], rows.iloc[1]
    f = x.f

    def months(r) -> str:
        return esc(round((r.end_day - r.start_day) / data.DAYS_PER_MONTH))

    return fill(
        x.t["lapse_phases"],
        name=x.title(scenario),
        before=esc(f.pct(b.change_pct, signed=True)),
        before_range=esc(f.pct_range(b.ci_low, b.ci_high, signed=True)),
        after=esc(f.pct(a.change_pct, signed=True)),
        after_range=esc(f.pct_range(a.ci_low, a.ci_high, signed=True)),
        m1=months(b),
        m2=months(a),
    )


def power_sentence(x: Ctx, scenario: str) -> str:
    """Would a plain before/after evaluation detect the scenario's effect?"""
    t, f = x.t, x.f
    p = x.c.power.set_index("scenario")
    r = p.loc[scenario]
    if not r.replicates:
        return ""
    years = (
        fill(t["power_years"], years=esc(f.number(r.years_80, 1)))
        if r.years_80 < float("inf")
        else esc(t["power_never"])
    )
    text = fill(
        t["power_sentence"],
        name=x.title(scenario),
        period=esc(period(data.post_days(x.c), x.lang)),
        power=esc(f.pct(100 * r.power)),
        range=esc(f.pct_range(100 * r.power_ci_low, 100 * r.power_ci_high)),
        years=years,
    )
    return text


def headline(x: Ctx) -> str:
    c, t, f = x.c, x.t, x.f
    items = "".join(f"<li>{headline_sentence(x, n)}</li>" for n in data.others(c))
    items += "".join(f"<li>{s}</li>" for n in data.others(c) if (s := lapse_sentence(x, n)))
    notes = "".join(f"<p>{power_sentence(x, n)}</p>" for n in data.others(c))
    base_power = c.power.set_index("scenario").loc[c.baseline]
    notes += (
        "<p>"
        + fill(t["power_false"], power=esc(f.pct(100 * base_power.power)), baseline=x.base_phrase)
        + "</p>"
    )
    notes += f"<p>{esc(t['chance_only'])}</p>"
    if c.replicates < MEANINGFUL_REPLICATES:
        few = fill(t["few_replicates"], n=esc(c.replicates), min=esc(MEANINGFUL_REPLICATES))
        notes = f'<p class="warning"><strong>{few}</strong></p>' + notes
    rows = []
    for n in c.names:
        s = c.summary[(c.summary["scenario"] == n) & (c.summary["metric"] == "shootings")].iloc[0]
        e = data.effect_row(c, n, "shootings")
        change = value(
            f.pct(e.prepost_change_pct, signed=True),
            f.pct_range(e.prepost_ci_low, e.prepost_ci_high, signed=True),
        )
        rows.append(
            row(x.title(n), [esc(f.number(s.pre_per_year)), esc(f.number(s.post_per_year)), change])
        )
    head = [esc(t[k]) for k in ("col_scenario", "col_before", "col_after", "col_change")]
    return section(
        "headline",
        t["h_headline"],
        f'<div class="callout"><ul>{items}</ul>{notes}</div>'
        f"<h3>{esc(t['h_prepost'])}</h3><p>{esc(t['prepost_intro'])}</p>"
        + table(head, rows)
        + f'<p class="note">{fill(t["prepost_note"], baseline=x.base)}</p>',
    )


def setting_text(x: Ctx, v: object) -> str:
    if v is None:
        return x.t["not_set"]
    if isinstance(v, bool):
        return x.t["on"] if v else x.t["off"]
    if isinstance(v, int | float):
        return x.f.exact(float(v))
    return str(v)


def compared(x: Ctx) -> str:
    c, t = x.c, x.t
    scenario_list = "".join(
        f"<dt>{esc(s.display_title(x.lang))} <code>{esc(s.name)}</code></dt>"
        f"<dd>{esc(s.display_description(x.lang) or t['no_description'])}</dd>"
        for s in c.scenarios
    )
    differ, same = data.differing_parameters(c.scenarios)
    body = (
        f"<p>{fill(t['compared_intro'], baseline=x.base_phrase)}</p>"
        f'<dl class="scenarios">{scenario_list}</dl>' + cities(x) + f"<h3>{esc(t['h_params'])}</h3>"
    )
    if not differ:
        return section(
            "compared", t["h_compared"], body + f"<p>{fill(t['params_none'], n=esc(same))}</p>"
        )
    rows = []
    for spec, values in differ:
        label = spec.label_sv if x.lang == "sv" else spec.label
        shown_unit = "" if spec.unit == "switch" else f" · {esc(unit(spec.unit, x.lang))}"
        first = f'{esc(label)}<span class="path"><code>{esc(spec.path)}</code>{shown_unit}</span>'
        cells = [esc(setting_text(x, v)) for v in values]
        marks = ["diff" if v != values[0] else "" for v in values]
        rows.append(row(first, cells, classes=marks))
    head = [esc(t["col_setting"])] + [colname(n) for n in c.names]
    body += (
        f"<p>{fill(t['params_intro'], baseline=x.base)}</p>"
        + table(head, rows, cls="settings")
        + f'<p class="note">{fill(t["params_same"], n=esc(same))}</p>'
    )
    return section("compared", t["h_compared"], body)


def cities(x: Ctx) -> str:
    """Each scenario's city: groups, members, background hazard, shootings before."""
    c, t, f = x.c, x.t, x.f
    if c.cities is None:
        return ""
    rows = []
    for r in c.cities.itertuples():
        groups = esc(r.groups) + (f" ({esc(t['city_audit'])})" if r.audit else "")
        cells = [groups, esc(f.number(r.members)), esc(f.exact(r.base_hazard))]
        rows.append(row(x.title(r.scenario), [*cells, esc(f.number(r.shootings_pre_per_year))]))
    head = [esc(t[k]) for k in ("col_scenario", "col_groups", "col_members", "col_hazard")]
    intro = (
        fill(t["cities_intro"], baseline=x.base_phrase)
        if c.same_city
        else f"<strong>{esc(t['cities_differ'])}</strong>"
    )
    return f"<h3>{esc(t['h_cities'])}</h3><p>{intro}</p>" + table(
        [*head, esc(t["col_pre_shootings"])], rows
    )


def timeline(x: Ctx) -> str:
    t = x.t
    caption = fill(t["timeline_caption"], n=esc(x.c.replicates), baseline=x.base)
    uri = plots.timeline(x.c, t, x.f)
    return section("timeline", t["h_timeline"], figure(uri, t["alt_timeline"], caption))


def howto(x: Ctx) -> str:
    c, t = x.c, x.t
    body = "".join(
        f"<p>{fill(p, n=esc(c.replicates), baseline=x.base)}</p>" for p in t["howto"].split("\n")
    )
    seed = c.manifest.get("root_seed")
    seed_text = fill(
        t["seed_value"],
        seed=esc("-" if seed is None else seed),
        entropy=f"<code>{esc(c.root_entropy)}</code>",
    )
    body += f"<h3>{esc(t['technical'])}</h3><p>{esc(t['meta_seed'])}: {seed_text}</p>"
    return section("howto", x.t["h_howto"], body)


def limits(x: Ctx) -> str:
    t = x.t
    first = t["limit_audit"] if data.uses_audit(x.c.scenarios) else t["limit_synthetic"]
    items = [first, *t["limits"].split("\n")]
    return section(
        "limits", t["h_limits"], "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"
    )
