"""The pages of decision support, in English or Swedish: scenario discovery (``gvi
discover``: when does a rollout fail?) and plan search (``gvi plan``: which plan for our
budget?). Each is one self-contained HTML file (``templates/decision.html``, the
comparison report's stylesheet and table pieces, images embedded).

    >>> from gvi.report.decision import render_discovery, box_sentence
    >>> html = render_discovery(d, lang="sv")        # doctest: +SKIP

Texts are the ``decide`` message catalogue of :mod:`gvi.i18n`; numbers go through
:class:`gvi.i18n.Fmt`. The sentences that put a box into words (:func:`box_sentence`)
serve the command line too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from gvi.i18n import Fmt, Translator, translator

from .page import Row, Value
from .plots import INK, PALETTE, RC, data_uri
from .templates import render
from .vocab import unit

if TYPE_CHECKING:
    from experiments.decision import Factor
    from experiments.discovery import Box, Discovery, Restriction

DOMAIN = "decide"
COUNTED_UNITS = ("days", "people", "workers", "places")  # shown after a whole number
FAIL, PASS = PALETTE[1], PALETTE[0]


@dataclass
class Section:
    """One section of a page: texts already in the page's language."""

    ident: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    head: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    figure: str | None = None
    caption: str = ""
    notes: list[str] = field(default_factory=list)


def words(lang: str) -> Translator:
    return translator(DOMAIN, lang)


def value_text(f: Factor, x: float, lang: str) -> str:
    """A factor's value as a planner reads it: whole numbers for counts, else three
    significant digits."""
    fmt = Fmt(lang)
    if f.integer:
        text = fmt.number(round(x), 0)
        return f"{text} {unit(f.unit, lang)}" if f.unit in COUNTED_UNITS else text
    if x == 0:
        return fmt.number(0.0, 0)
    d = max(0, 1 - math.floor(math.log10(abs(x))))
    return fmt.exact(round(x, d))


def factor_label(f: Factor, lang: str) -> str:
    text = f.label(lang)
    return text[:1].lower() + text[1:] if not text[:2].isupper() else text


def restriction_text(r: Restriction, f: Factor, t: Translator) -> str:
    label, lang = factor_label(f, t.lang), t.lang
    lo, hi = value_text(f, r.low, lang), value_text(f, r.high, lang)
    if r.lower and r.upper:
        return t("between", label=label, low=lo, high=hi)
    return t("above", label=label, value=lo) if r.lower else t("below", label=label, value=hi)


def join(parts: list[str], t: Translator) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return t("and_join", first=", ".join(parts[:-1]), last=parts[-1])


def failure_text(d: Discovery, t: Translator) -> str:
    """What a failure is, in words: ``the cut in shootings is under 10 %`` ..."""
    fmt, th = Fmt(t.lang), d.rule.threshold
    text = (
        t("fail_cut", pct=fmt.pct(-th))
        if th < 0
        else t("fail_change", pct=fmt.pct(th, signed=True))
    )
    if d.rule.arrests_limit is not None:
        text = t("fail_or_arrests", text=text, pct=fmt.pct(d.rule.arrests_limit))
    return text


FEW_SAMPLES = 10  # a region with fewer samples is described by its counts, not "k of 10"


def box_sentence(box: Box, d: Discovery, lang: str = "en") -> str:
    """A box in plain words: ``When follow-through is below 0.5 and ..., the cut in
    shootings is under 10 % in 8 of 10 plausible worlds (...); ... of all failures.``"""
    t = words(lang)
    fmt = Fmt(lang)
    where = join([restriction_text(r, d.factor(r.path), t) for r in box.restrictions], t)
    key = "box_worlds" if d.ensemble else "box_runs"
    if box.inside < FEW_SAMPLES:  # "k of 10" from a handful of samples would overstate
        key += "_few"
    return t(
        key,
        where=where,
        failure=failure_text(d, t),
        k=fmt.number(round(10 * box.density), 0),
        failures=fmt.number(box.failures_inside, 0),
        inside=fmt.number(box.inside, 0),
        coverage=fmt.pct(100 * box.coverage),
    )


def _fig_box(d: Discovery, box: Box, t: Translator) -> str:
    """Samples on the box's first two restricted inputs (or one against the change in
    shootings), failures marked, and the box drawn."""
    fmt = Fmt(t.lang)
    paths = [r.path for r in box.restrictions][:2]
    s = d.samples
    failed = s["failed"].to_numpy(dtype=bool)
    with rc_context(RC):
        fig = Figure(figsize=(7.2, 4.6))
        ax = fig.add_subplot()
        fx = d.factor(paths[0])
        x = s[paths[0]].to_numpy(dtype=float)
        if len(paths) > 1:
            fy = d.factor(paths[1])
            y = s[paths[1]].to_numpy(dtype=float)
            ylabel = fy.label(t.lang)
        else:
            y = s["change_pct"].to_numpy(dtype=float)
            ylabel = t("axis_change")
            ax.axhline(d.rule.threshold, color=INK, lw=0.8, ls=":")
        ax.scatter(x[~failed], y[~failed], s=14, c=PASS, alpha=0.6, label=t("legend_ok"))
        ax.scatter(x[failed], y[failed], s=16, c=FAIL, marker="x", label=t("legend_failed"))
        rx = next(r for r in box.restrictions if r.path == paths[0])
        if len(paths) > 1:
            ry = next(r for r in box.restrictions if r.path == paths[1])
            y0, y1 = ry.low, ry.high
        else:
            y0, y1 = float(np.nanmin(y)), float(np.nanmax(y))
        ax.add_patch(
            Rectangle((rx.low, y0), rx.high - rx.low, y1 - y0, fill=False, ec=INK, lw=1.8, ls="--")
        )
        ax.set_xlabel(fx.label(t.lang))
        ax.set_ylabel(ylabel)
        ax.xaxis.set_major_formatter(_ticks(fmt))
        ax.yaxis.set_major_formatter(_ticks(fmt))
        ax.legend(loc="lower right", frameon=True, framealpha=0.9)
        return data_uri(fig)


def _ticks(fmt: Fmt) -> Any:
    from matplotlib.ticker import FuncFormatter

    def f(v: float, _pos: int) -> str:
        return fmt.exact(round(v, 9))

    return FuncFormatter(f)


def discovery_sections(d: Discovery, lang: str) -> list[Section]:
    t, fmt = words(lang), Fmt(lang)
    n, failed = len(d.samples), int(d.samples["failed"].sum())
    head = Section("result", t("h_result"))
    head.paragraphs.append(
        t(
            "result_rate",
            failed=fmt.number(failed, 0),
            n=fmt.number(n, 0),
            failure=failure_text(d, t),
        )
    )
    if d.boxes:
        head.items = [box_sentence(b, d, lang) for b in d.boxes]
    else:
        head.paragraphs.append(t("no_box"))
    out = [head]
    if d.boxes:
        boxes = Section("boxes", t("h_boxes"), paragraphs=[t("boxes_intro")])
        boxes.head = [t("col_box"), t("col_where"), t("col_coverage"), t("col_density")]
        boxes.head += [t("col_inside")]
        for i, b in enumerate(d.boxes, 1):
            where = join([restriction_text(r, d.factor(r.path), t) for r in b.restrictions], t)
            boxes.rows.append(
                Row(
                    t("box_n", n=i),
                    [
                        Value(where),
                        Value(fmt.pct(100 * b.coverage)),
                        Value(fmt.pct(100 * b.density)),
                        Value(fmt.number(b.inside, 0)),
                    ],
                )
            )
        boxes.figure = _fig_box(d, d.boxes[0], t)
        boxes.caption = t("fig_box")
        out.append(boxes)
    out.append(_cart_section(d, t))
    out.append(_space_section(d, t))
    method = Section("method", t("h_method"))
    method.paragraphs = [
        t("method_design", n=fmt.number(n, 0), r=fmt.number(d.manifest.get("replicates", 1), 0)),
        t("method_worlds" if d.ensemble else "method_fixed"),
        t("method_prim"),
        t("caveat_scenarios"),
    ]
    out.append(method)
    return out


def _cart_section(d: Discovery, t: Translator) -> Section:
    fmt = Fmt(t.lang)
    s = Section("cart", t("h_cart"), paragraphs=[t("cart_intro")])
    leaves = [b for b in d.cart if b.failures_inside > 0][:3]
    if not leaves:
        s.paragraphs.append(t("no_box"))
        return s
    s.items = [box_sentence(b, d, t.lang) for b in leaves]
    if d.boxes:
        x = d.samples[[f.path for f in d.space]].astype(float)
        same = float(np.mean(d.boxes[0].contains(x) == leaves[0].contains(x)))
        shared = {r.path for r in d.boxes[0].restrictions} & {
            r.path for r in leaves[0].restrictions
        }
        s.notes.append(
            t(
                "cart_agree",
                pct=fmt.pct(100 * same),
                shared=join([factor_label(d.factor(p), t.lang) for p in sorted(shared)], t)
                or t("nothing"),
            )
        )
    return s


def _space_section(d: Discovery, t: Translator) -> Section:
    s = Section("space", t("h_space"), paragraphs=[t("space_intro")])
    s.head = [t("col_factor"), t("col_path"), t("col_range"), t("col_kind")]
    for f in d.space:
        kind = "kind_ensemble" if f.from_ensemble else f"kind_{f.kind}"
        lo, hi = value_text(f, f.low, t.lang), value_text(f, f.high, t.lang)
        s.rows.append(
            Row(
                f.label(t.lang),
                [Value(f.path, code=True), Value(t("range", low=lo, high=hi)), Value(t(kind))],
            )
        )
    return s


def page(
    title: str, lead: str, meta: list[tuple[str, str]], sections: list[Section], lang: str
) -> str:
    return render("decision.html", lang=lang, title=title, lead=lead, meta=meta, sections=sections)


def render_discovery(d: Discovery, *, lang: str = "en") -> str:
    """The discovery page of ``d`` in ``lang``."""
    t, fmt = words(lang), Fmt(lang)
    title = discovery_title(d, lang)
    meta = [
        (t("meta_date"), date.today().isoformat()),
        (t("meta_scenario"), d.scenario.name),
        (t("meta_samples"), fmt.number(len(d.samples), 0)),
        (t("meta_worlds"), t("worlds_ensemble" if d.ensemble else "worlds_fixed")),
        (t("meta_failure"), failure_text(d, t)),
        (t("meta_entropy"), str(d.manifest.get("root_seed_entropy", ""))),
    ]
    return page(title, t("discover_lead"), meta, discovery_sections(d, lang), lang)


# -- plan search --------------------------------------------------------------------------

FRONT_ROWS = 12  # the front's table shows at most this many plans, spread over cost


def components(row: Any, space: list[Factor], t: Translator) -> str:
    """The components a plan switches on, in words."""
    on = [t(f"part_{f.path.split('.')[0]}") for f in space if f.kind == "switch" and row[f.path]]
    return ", ".join(on) if on else t("part_none")


def preset_verdict(r: Any, p: Any, t: Translator) -> str:
    fmt = Fmt(t.lang)
    values = {
        "preset": r.preset,
        "averted": fmt.number(r.preset_robust_averted, 1),
        "cost": fmt.money(r.preset_cost_per_year),
    }
    if r.verdict == "no_plan_as_cheap":
        return t("verdict_none", **values)
    values |= {
        "plan_averted": fmt.number(r.plan_robust_averted, 1),
        "plan_cost": fmt.money(r.plan_cost_per_year),
        "custody": fmt.number(r.plan_custody_per_year - r.preset_custody_per_year, 0, signed=True),
    }
    return t(f"verdict_{r.verdict}", **values)


def _fig_front(p: Any, t: Translator) -> str:
    fmt = Fmt(t.lang)
    plans = p.plans
    evaluated = plans[plans["kind"] == "plan"]
    front = p.front
    presets = p.presets
    with rc_context(RC):
        fig = Figure(figsize=(7.6, 4.8))
        ax = fig.add_subplot()
        ax.scatter(
            evaluated["cost_per_year"] / 1e6,
            evaluated["robust_averted"],
            s=10,
            c="#BBBBBB",
            label=t("legend_evaluated"),
        )
        sc = ax.scatter(
            front["cost_per_year"] / 1e6,
            front["robust_averted"],
            s=34,
            c=front["custody_per_year"],
            cmap="viridis",
            edgecolors=INK,
            linewidths=0.4,
            label=t("legend_front"),
        )
        cbar = fig.colorbar(sc, ax=ax)
        cbar.set_label(t("axis_custody"))
        for i, r in enumerate(presets.itertuples()):
            ax.scatter(
                [r.cost_per_year / 1e6],
                [r.robust_averted],
                marker="D",
                s=46,
                c=PALETTE[(i + 1) % 7],
            )
            ax.annotate(
                r.name,
                (r.cost_per_year / 1e6, r.robust_averted),
                xytext=(5, 4),
                textcoords="offset points",
                fontsize=10,
            )
        ax.axvline(p.limits.budget_sek / 1e6, color=INK, ls="--", lw=1.2)
        ax.annotate(
            t("legend_budget"),
            (p.limits.budget_sek / 1e6, ax.get_ylim()[1]),
            xytext=(4, -14),
            textcoords="offset points",
            fontsize=10,
        )
        ax.set_xlabel(t("axis_cost"))
        ax.set_ylabel(t("axis_averted", pct=fmt.number(p.percentile, 0)))
        ax.xaxis.set_major_formatter(_ticks(fmt))
        ax.yaxis.set_major_formatter(_ticks(fmt))
        ax.legend(loc="lower right", frameon=False)
        return data_uri(fig)


def _spread(front: Any, n: int) -> Any:
    if len(front) <= n:
        return front
    at = np.unique(np.linspace(0, len(front) - 1, n).round().astype(int))
    return front.iloc[at]


def plan_sections(p: Any, lang: str) -> list[Section]:
    t, fmt = words(lang), Fmt(lang)
    pct = fmt.number(p.percentile, 0)
    head = Section("result", t("h_result"))
    front = p.front
    if front.empty:
        head.paragraphs.append(t("plan_none", budget=fmt.money(p.limits.budget_sek)))
    else:
        best = front.loc[front["robust_averted"].idxmax()]
        head.items.append(
            t(
                "plan_best",
                averted=fmt.number(best["robust_averted"], 1),
                pct=pct,
                k=fmt.number(100 - p.percentile, 0),
                mean=fmt.number(best["mean_averted"], 1),
                cost=fmt.money(best["cost_per_year"]),
                custody=fmt.number(best["custody_per_year"], 0, signed=True),
                parts=components(best, p.space, t),
            )
        )
        head.items += [preset_verdict(r, p, t) for r in p.against_presets().itertuples()]
    head.notes.append(t("plan_optimistic"))
    out = [head]
    fig = Section("front", t("h_front"), paragraphs=[t("front_intro", pct=pct)])
    fig.figure, fig.caption = _fig_front(p, t), t("fig_front")
    fig.head = [t("col_plan"), t("col_cost"), t("col_robust", pct=pct), t("col_mean")]
    fig.head += [t("col_custody"), t("col_parts")]
    for _, r in _spread(front, FRONT_ROWS).iterrows():
        fig.rows.append(_plan_row(r, p, t))
    out.append(fig)
    pre = Section("presets", t("h_presets"), paragraphs=[t("presets_intro")], head=fig.head)
    for _, r in p.presets.iterrows():
        pre.rows.append(_plan_row(r, p, t))
    out.append(pre)
    lev = Section("levers", t("h_levers"), paragraphs=[t("levers_intro")])
    levers = [f for f in p.space if f.kind == "lever"]
    lev.head = [t("col_plan")] + [f.label(lang) for f in levers]
    for _, r in _spread(front, FRONT_ROWS).iterrows():
        lev.rows.append(Row(r["name"], [Value(value_text(f, r[f.path], lang)) for f in levers]))
    out.append(lev)
    method = Section("method", t("h_method"))
    method.paragraphs = [
        t(
            "plan_method",
            n=fmt.number(int((p.plans["kind"] == "plan").sum()), 0),
            worlds=fmt.number(p.worlds, 0),
            pct=pct,
        ),
        t("method_cost"),
        t("method_worlds_plan" if p.ensemble else "method_fixed"),
        t("caveat_scenarios"),
    ]
    out.append(method)
    return out


def _plan_row(r: Any, p: Any, t: Translator) -> Row:
    fmt = Fmt(t.lang)
    return Row(
        r["name"],
        [
            Value(fmt.millions(r["cost_per_year"])),
            Value(fmt.number(r["robust_averted"], 1)),
            Value(fmt.number(r["mean_averted"], 1)),
            Value(fmt.number(r["custody_per_year"], 0, signed=True)),
            Value(
                components(r, p.space, t) if r["kind"] == "plan" else t("preset_parts"),
                cls="words",
            ),
        ],
    )


def render_plan(p: Any, *, lang: str = "en") -> str:
    """The plan-search page of ``p`` in ``lang``."""
    t, fmt = words(lang), Fmt(lang)
    staff = [
        t(f"limit_{name}", n=fmt.number(getattr(p.limits, name), 0))
        for name in ("outreach_workers", "enforcement_units")
        if getattr(p.limits, name) is not None
    ]
    meta = [
        (t("meta_date"), date.today().isoformat()),
        (t("meta_scenario"), p.scenario.name),
        (t("meta_budget"), fmt.money(p.limits.budget_sek)),
        (t("meta_staff"), ", ".join(staff) if staff else t("staff_none")),
        (
            t("meta_worlds"),
            t("plan_worlds", n=fmt.number(p.worlds, 0)) if p.ensemble else t("worlds_fixed"),
        ),
        (t("meta_entropy"), str(p.manifest.get("root_seed_entropy", ""))),
    ]
    return page(plan_title(p, lang), t("plan_lead"), meta, plan_sections(p, lang), lang)


def discovery_title(d: Discovery, lang: str) -> str:
    sc = d.scenario
    name = sc.title_sv if lang == "sv" and sc.title_sv else sc.title or sc.name
    return words(lang)("discover_title", scenario=name)


def plan_title(p: Any, lang: str) -> str:
    return words(lang)("plan_title", budget=Fmt(lang).money(p.limits.budget_sek))


# -- inside the planner's report ------------------------------------------------------------


def embedded_sections(comparison: Any, results: Sequence[Any], lang: str) -> list[Section]:
    """The sections of finished discoveries and plan searches inside a comparison's
    report: for each, its page's title and lead as a section, then its own sections.
    A result for a city the comparison does not hold (another city or business as
    usual, :meth:`~scenarios.Scenario.city_settings`) is refused with ValueError: its
    figures would not be about the places the report compares."""
    cities = [sc.city_settings() for sc in comparison.scenarios]
    out: list[Section] = []
    for k, r in enumerate(results):
        if r.scenario.city_settings() not in cities:
            raise ValueError(
                f"the {'discovery' if hasattr(r, 'boxes') else 'plan search'} of "
                f"{r.scenario.name} is for another city or business as usual than the "
                "comparison's; add it to a report of a comparison of that city"
            )
        t = words(lang)
        if hasattr(r, "boxes"):  # a discovery
            title, lead, parts = (
                discovery_title(r, lang),
                t("discover_lead"),
                discovery_sections(r, lang),
            )
        else:
            title, lead, parts = plan_title(r, lang), t("plan_lead"), plan_sections(r, lang)
        out.append(Section(f"decision-{k}", title, paragraphs=[lead]))
        out += [replace(s, ident=f"decision-{k}-{s.ident}") for s in parts]
    return out
