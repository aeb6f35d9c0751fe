"""What the report shows, computed from a :class:`~experiments.comparison.Comparison`:
weekly series, the settings that differ, per-year values and paired differences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from experiments.effects import DAYS_PER_YEAR, mean_ci
from model.metrics import METRICS, MetricKind, metric
from model.time import DAYS_PER_MONTH
from scenarios import ParamSpec, Scenario, parameters

if TYPE_CHECKING:
    from experiments.comparison import Comparison

VIOLENCE = ("shootings", "fatalities", "injuries", "bystander_victims", "retaliations")
OUTPUTS = (
    "cost_sek",
    "arrests",
    "enforcement_arrests",
    "incarcerated",
    "enforcement_actions",
    "unanswered_violence",
    "callin_attendees",
    "notifications",
    "support_engaged",
    "exits",
)


def post_days(c: Comparison) -> int:
    return c.days["end"] - c.days["rollout"]


def pre_days(c: Comparison) -> int:
    return c.days["rollout"] - c.days["warmup"]


def per_year(c: Comparison) -> float:
    """Factor from a post-period total to a yearly rate."""
    return DAYS_PER_YEAR / max(post_days(c), 1)


# --- weekly shootings -------------------------------------------------------------


@dataclass
class Weekly:
    """Weekly counts over replicates: x in months since rollout (week midpoints)."""

    months: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray


def weekly(c: Comparison, name: str, metric_name: str = "shootings") -> Weekly:
    """Full weeks aligned on the rollout day; mean and 5th–95th percentile over runs."""
    runs = c.runs[c.runs["scenario"] == name]
    table = runs.pivot_table(index="replicate", columns="day", values=metric_name, aggfunc="sum")
    days = table.columns.to_numpy()
    week = np.floor((days - c.days["rollout"]) / 7).astype(int)
    sums = table.T.groupby(week).sum().T  # replicate × week
    sizes = pd.Series(week).value_counts()
    full = [w for w in sums.columns if sizes.get(w, 0) == 7]
    values = sums[full].to_numpy(dtype=float)
    months = (np.asarray(full) * 7 + 3.5) / DAYS_PER_MONTH
    low, high = np.percentile(values, [5, 95], axis=0)
    return Weekly(months, values.mean(axis=0), low, high)


# --- scenario settings ------------------------------------------------------------


def setting(scenario: Scenario, path: str) -> Any:
    node: Any = scenario
    for part in path.split("."):
        node = getattr(node, part)
    return node


def differing_parameters(scenarios: list[Scenario]) -> tuple[list[tuple[ParamSpec, list]], int]:
    """The parameters whose value is not the same in every scenario (schema order), with
    each scenario's value; and how many parameters are the same everywhere."""
    rows, same = [], 0
    for spec in parameters():
        values = [setting(s, spec.path) for s in scenarios]
        if all(v == values[0] for v in values[1:]):
            same += 1
        else:
            rows.append((spec, values))
    return rows, same


def uses_audit(scenarios: list[Scenario]) -> bool:
    return any(s.city.audit_dir for s in scenarios)


# --- per-replicate values ---------------------------------------------------------


def post_values(c: Comparison, metric_name: str) -> pd.DataFrame:
    """Replicate × scenario: post-period total (counts) or daily mean (levels)."""
    m = metric(metric_name)
    runs = c.runs[(c.runs["day"] >= c.days["rollout"]) & (c.runs["day"] < c.days["end"])]
    agg = "sum" if m.kind is MetricKind.COUNT else "mean"
    table = runs.pivot_table(index="replicate", columns="scenario", values=metric_name, aggfunc=agg)
    return table[c.names]


@dataclass(frozen=True)
class Estimate:
    mean: float
    low: float
    high: float

    def scaled(self, k: float) -> Estimate:
        return Estimate(self.mean * k, self.low * k, self.high * k)

    @property
    def excludes_zero(self) -> bool:
        return bool(self.low > 0 or self.high < 0)


def yearly(c: Comparison, name: str, metric_name: str) -> Estimate:
    """Post-period value per year (counts) or daily mean (levels), 95 % interval."""
    row = c.summary[(c.summary["scenario"] == name) & (c.summary["metric"] == metric_name)].iloc[0]
    est = Estimate(float(row.post_mean), float(row.post_ci_low), float(row.post_ci_high))
    return est.scaled(per_year(c)) if row.kind == MetricKind.COUNT.value else est


def paired_difference(c: Comparison, name: str, metric_name: str) -> Estimate:
    """Mean over paired runs of (scenario − baseline), per year for counts; 95 % t
    interval over the pairs."""
    table = post_values(c, metric_name)
    diff = (table[name] - table[c.baseline]).dropna().to_numpy()
    est = Estimate(*mean_ci(diff))
    return est.scaled(per_year(c)) if metric(metric_name).kind is MetricKind.COUNT else est


@dataclass(frozen=True)
class Tradeoff:
    """A scenario against the baseline, per year after rollout."""

    name: str
    averted: Estimate  # shootings averted (positive = fewer shootings)
    extra_arrests: Estimate
    extra_cost: Estimate  # SEK
    averted_per_100_arrests: float  # NaN unless both clearly positive
    cost_per_averted: float  # SEK; NaN unless shootings clearly averted


def tradeoff(c: Comparison, name: str) -> Tradeoff:
    s = paired_difference(c, name, "shootings")
    averted = Estimate(-s.mean, -s.high, -s.low)
    arrests = paired_difference(c, name, "arrests")
    cost = paired_difference(c, name, "cost_sek")
    per100 = float("nan")
    if averted.low > 0 and arrests.low > 0:
        per100 = 100.0 * averted.mean / arrests.mean
    per_averted = cost.mean / averted.mean if averted.low > 0 else float("nan")
    return Tradeoff(name, averted, arrests, cost, per100, per_averted)


# --- effects ----------------------------------------------------------------------


def effect_row(c: Comparison, name: str, metric_name: str) -> pd.Series:
    e = c.effects
    return e[(e["scenario"] == name) & (e["metric"] == metric_name)].iloc[0]


def others(c: Comparison) -> list[str]:
    return [n for n in c.names if n != c.baseline]


def effect_metrics(c: Comparison) -> tuple[list[str], list[str]]:
    """Metrics with a paired % change for some scenario (schema order), and those
    without one (zero under the baseline, so no percentage exists)."""
    e = c.effects[c.effects["scenario"] != c.baseline]
    shown: list[str] = []
    absent: list[str] = []
    for m in METRICS:
        has = e.loc[e["metric"] == m.name, "change_pct"].notna().any()
        (shown if has else absent).append(m.name)
    return shown, absent
