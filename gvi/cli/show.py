"""What the commands print: readable tables of a run, of a comparison and of the
parameters, in the language of the command line."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from experiments.output import terminal_text
from model.metrics import METRICS, Metric, MetricKind

if TYPE_CHECKING:
    from experiments.comparison import Comparison
    from gvi.i18n import Translator
    from model import GVIModel

NBSP = "\u00a0"


def _english() -> Translator:
    from gvi.i18n import translator

    return translator("cli", "en")


def local(text: str, t: Translator) -> str:
    """A number written the English way (``1,234.5``) the way ``t``'s language writes
    it (Swedish ``1 234,5``, with a no-break space)."""
    if t.lang == "en":
        return text
    return text.replace(",", NBSP).replace(".", ",")


def percent(text: str, t: Translator) -> str:
    """A percentage written the English way (``+52.3%``) in ``t``'s language
    (Swedish ``+52,3 %``, with a no-break space)."""
    return text if t.lang == "en" else local(text[:-1], t) + NBSP + "%"


def count(n: int, t: Translator) -> str:
    """A whole number for a message: as Python writes it in English (``1095``), with a
    no-break space between thousands in Swedish (``1 095``)."""
    return str(n) if t.lang == "en" else t.fmt.number(n, 0)


def metric_label(m: Metric, t: Translator) -> str:
    """A metric in a table: its name in English (as in result files), its label otherwise."""
    return m.name if t.lang == "en" else m.label_sv


def print_run_summary(
    model: GVIModel, *, seed: int, out: Path | None = None, t: Translator | None = None
) -> None:
    """A readable summary table of one run."""
    t = t or _english()
    s = model.summary()
    p = model.params
    print(
        t(
            "run.title",
            name=terminal_text(p.name),
            description=terminal_text(p.display_description(t.lang)),
        )
    )
    print(
        t(
            "run.facts",
            seed=seed,
            groups=count(model.city.n_groups, t),
            members=count(int(model.city.nominal_size.sum()), t),
            warmup=count(model.warmup_day, t),
            pre=count(model.rollout_day - model.warmup_day, t),
            post=count(model.end_day - model.rollout_day, t),
        )
    )
    print()
    width = max(22, *(len(metric_label(m, t)) + 1 for m in METRICS))
    print(
        f"{t('run.col_metric'):<{width}} {t('run.col_pre'):>14} {t('run.col_post'):>14} "
        f"{t('run.col_change'):>8}"
    )
    for m in METRICS:
        row = s.loc[m.name]
        if m.kind is MetricKind.COUNT:
            pre, post, unit = row["pre_per_year"], row["post_per_year"], t("run.per_year")
        else:
            pre, post, unit = row["pre"], row["post"], t("run.average")
        change = row["change_pct"]
        ch = percent(f"{change:+7.1f}%", t) if math.isfinite(change) else "      -"
        pre_text, post_text = _fmt(pre, t) + unit, _fmt(post, t) + unit
        print(f"{metric_label(m, t):<{width}} {pre_text:>14} {post_text:>14} {ch:>8}")
    if out is not None:
        print("\n" + t("run.wrote", out=out))


def _fmt(x: float, t: Translator | None = None) -> str:
    if not math.isfinite(x):
        return "-"
    if abs(x) >= 1e5:
        text = f"{x:,.0f}"
    else:
        text = f"{x:.2f}" if abs(x) < 10 else f"{x:.1f}"
    return local(text, t) if t is not None else text


def print_comparison(c: Comparison, t: Translator | None = None) -> None:
    """The comparison as a table: scenario × metric, post-period mean with 95 % interval,
    and the paired change against the baseline with its interval."""
    t = t or _english()
    eff = c.effects.set_index(["scenario", "metric"])
    summ = c.summary.set_index(["scenario", "metric"])

    kind = t("compare.kind_twin") if c.baseline_is_twin else t("compare.kind_bau")
    city = t("compare.same_city") if c.same_city else t("compare.other_city")
    print(
        t(
            "compare.title",
            replicates=count(c.replicates, t),
            baseline=terminal_text(c.baseline),
            kind=kind,
            city=city,
            days=count(c.days["end"] - c.days["rollout"], t),
        )
    )
    if c.ensemble is None:
        print(t("compare.chance_only"))
    else:
        print(t("compare.ensemble_cover", sets=c.ensemble.get("sets", "?")))
        note = (c.ensemble.get("note") or {}).get(t.lang)
        if note:
            print(note)
        kept = c.ensemble.get("kept") or {}
        if kept:
            listed = ", ".join(f"{terminal_text(k)} = {v}" for k, v in kept.items())
            print(t("compare.ensemble_kept", kept=listed))
    width = max(20, *(len(metric_label(m, t)) for m in METRICS))
    print(
        f"{t('compare.col_scenario'):<16} {t('compare.col_metric'):<{width}} "
        f"{t('compare.col_mean'):>12} {t('compare.col_interval'):>25} "
        f"{t('compare.col_change'):>12} {t('compare.col_interval'):>19}"
    )
    for name in c.names:
        for m in METRICS:
            s = summ.loc[(name, m.name)]
            e = eff.loc[(name, m.name)]
            interval = f"[{_fmt(s.post_ci_low, t)}, {_fmt(s.post_ci_high, t)}]"
            if math.isfinite(e.change_pct):
                change = percent(f"{e.change_pct:+.1f}%", t)
                ci = "[" + local(f"{e.ci_low:+.1f}", t) + ", " + local(f"{e.ci_high:+.1f}", t) + "]"
            else:
                change = ci = "-"
            print(
                f"{terminal_text(name):<16} {metric_label(m, t):<{width}} "
                f"{_fmt(s.post_mean, t):>12} {interval:>25} {change:>12} {ci:>19}"
            )
    if c.spread is not None:
        print()
        for r in c.spread.itertuples():
            print(
                t(
                    "compare.spread_range",
                    scenario=terminal_text(r.scenario),
                    low=local(f"{r.runs_p05:+.1f}", t),
                    high=local(f"{r.runs_p95:+.1f}", t),
                    median=local(f"{r.runs_median:+.1f}", t),
                )
            )
            if math.isfinite(r.model_share):
                model = local(f"{100 * r.model_share:.0f}", t)
                chance = local(f"{100 * r.chance_share:.0f}", t)
                print(
                    t(
                        "compare.spread",
                        scenario=terminal_text(r.scenario),
                        model=model,
                        chance=chance,
                        sets=r.sets_repeated,
                        chance_low=local(f"{100 * r.chance_share_low:.0f}", t),
                        chance_high=local(f"{100 * r.chance_share_high:.0f}", t),
                    )
                )
            else:
                print(t("compare.spread_none", scenario=terminal_text(r.scenario)))


def _default(value: object, t: Translator) -> str:
    if value is None:
        return t("params.none")
    if isinstance(value, bool):
        return "true" if value else "false"  # as written in a scenario file
    if isinstance(value, float):
        return local(f"{value:g}", t)
    return str(value)


def parameter_table(t: Translator) -> str:
    """Every declared parameter, one line each: key, city mark, default, unit and label
    in ``t``'s language (the English table is :func:`gvi.paramtable.parameter_table_text`)."""
    from scenarios.schema import parameters

    specs = parameters()
    units = {s.unit: unit_text(s.unit, t) for s in specs}
    width = max(len(s.path) for s in specs)
    city = t("params.city")
    unit_width = max(28, *(len(u) for u in units.values()))
    rows = [
        f"{s.path:<{width}}  {city if s.city else '':<{len(city)}}  {_default(s.default, t):>10}  "
        f"{units[s.unit]:<{unit_width}} {s.label_sv if t.lang == 'sv' else s.label}"
        for s in specs
    ]
    return "\n".join(rows)


def unit_text(unit: str, t: Translator) -> str:
    """A declared unit (``SEK per day``) in ``t``'s language (catalogue domain
    ``units``); as declared if the catalogue has no entry for it."""
    from gvi.i18n import translator

    try:
        return translator("units", t.lang)(unit)
    except KeyError:
        return unit
