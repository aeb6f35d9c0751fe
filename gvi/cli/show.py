"""What the commands print: readable tables of a run and of a comparison."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from experiments.output import terminal_text
from model.metrics import METRICS, MetricKind

if TYPE_CHECKING:
    from experiments.comparison import Comparison
    from model import GVIModel


def print_run_summary(model: GVIModel, *, seed: int, out: Path | None = None) -> None:
    """A readable summary table of one run."""
    s = model.summary()
    p = model.params
    print(f"Scenario '{terminal_text(p.name)}': {terminal_text(p.description)}")
    print(
        f"seed {seed}; {model.city.n_groups} groups, {int(model.city.nominal_size.sum())} "
        f"members; warm-up {model.warmup_day} days, pre-period "
        f"{model.rollout_day - model.warmup_day} days, post-period "
        f"{model.end_day - model.rollout_day} days"
    )
    print()
    print(f"{'metric':<22} {'pre':>14} {'post':>14} {'change':>8}")
    for m in METRICS:
        row = s.loc[m.name]
        if m.kind is MetricKind.COUNT:
            pre, post, unit = row["pre_per_year"], row["post_per_year"], "/yr"
        else:
            pre, post, unit = row["pre"], row["post"], " avg"
        change = row["change_pct"]
        ch = f"{change:+7.1f}%" if math.isfinite(change) else "      -"
        print(f"{m.name:<22} {_fmt(pre) + unit:>14} {_fmt(post) + unit:>14} {ch:>8}")
    if out is not None:
        print(f"\nwrote {out}/metrics.parquet, events.parquet, summary.json")


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return "-"
    if abs(x) >= 1e5:
        return f"{x:,.0f}"
    return f"{x:.2f}" if abs(x) < 10 else f"{x:.1f}"


def print_comparison(c: Comparison) -> None:
    """The comparison as a table: scenario × metric, post-period mean with 95 % interval,
    and the paired change against the baseline with its interval."""
    eff = c.effects.set_index(["scenario", "metric"])
    summ = c.summary.set_index(["scenario", "metric"])
    from experiments.comparison import CHANCE_ONLY

    kind = "the scenarios' own business as usual" if c.baseline_is_twin else "business as usual"
    city = "same city" if c.same_city else "NOT the same city"
    print(
        f"{c.replicates} paired replicates per scenario; baseline "
        f"'{terminal_text(c.baseline)}' ({kind}, "
        f"{city}); post-period {c.days['end'] - c.days['rollout']} days (counts: totals)"
    )
    print(f"95% {CHANCE_ONLY}")
    print(
        f"{'scenario':<16} {'metric':<20} {'mean':>12} {'95% interval':>25} "
        f"{'vs baseline':>12} {'95% interval':>19}"
    )
    for name in c.names:
        for m in METRICS:
            s = summ.loc[(name, m.name)]
            e = eff.loc[(name, m.name)]
            interval = f"[{_fmt(s.post_ci_low)}, {_fmt(s.post_ci_high)}]"
            if math.isfinite(e.change_pct):
                change = f"{e.change_pct:+.1f}%"
                ci = f"[{e.ci_low:+.1f}, {e.ci_high:+.1f}]"
            else:
                change = ci = "-"
            print(
                f"{terminal_text(name):<16} {m.name:<20} {_fmt(s.post_mean):>12} {interval:>25} "
                f"{change:>12} {ci:>19}"
            )
