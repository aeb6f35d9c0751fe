"""Outputs for planners, from the paired runs of a comparison, each with a 95 % interval.

- Spillover: the paired change in post-period shootings by members of groups the GVI
  message reached directly (put on notice) and by members of groups it did not reach,
  each against the same groups in the baseline run of the same replicate (the
  intervention run's partition is used for both runs).
- Equity and harm: arrests, custody days and enforcement actions per group and in total.
- Trade-offs: shootings averted, extra custody days and extra cost per run, shootings
  averted per 100 extra custody days and the extra cost per shooting averted (ratios of
  paired sums, percentile-bootstrap intervals over replicate pairs; NaN when the ratio is
  not meaningful).
- Time to effect: the cumulative paired change in shootings from rollout to each whole
  month after it, and the first month whose 95 % interval lies entirely below zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.time import DAYS_PER_MONTH

from .effects import N_BOOT, mean_ci, ratio_change

REACH = ("reached", "not_reached")
HARM_MEASURES = ("arrests", "custody_days", "enforcement")
HARM_STATS = ("total", "group_mean", "group_max", "share_any")
TRADEOFFS = (
    "shootings_averted",
    "extra_custody_days",
    "extra_cost_sek",
    "averted_per_100_custody_days",
    "cost_per_averted_sek",
)
GROUP_COLUMNS = ("scenario", "replicate", "group", "reached", *("shootings", *HARM_MEASURES))


@dataclass
class Outcomes:
    """Tidy frames; ``spillover`` and ``harm`` are None without per-group results."""

    spillover: pd.DataFrame | None
    harm: pd.DataFrame | None
    tradeoffs: pd.DataFrame
    trajectory: pd.DataFrame
    time_to_effect: pd.DataFrame


def compute(
    *,
    runs: pd.DataFrame,
    groups: pd.DataFrame | None,
    names: list[str],
    baseline: str,
    days: dict[str, int],
    seed: int,
) -> Outcomes:
    has_groups = groups is not None and len(groups) > 0
    return Outcomes(
        spillover=spillover(groups, names, baseline, seed=seed) if has_groups else None,
        harm=harm(groups, names) if has_groups else None,
        tradeoffs=tradeoffs(runs, groups if has_groups else None, names, baseline, days, seed),
        trajectory=(traj := trajectory(runs, names, baseline, days, seed=seed + 500)),
        time_to_effect=time_to_effect(traj, names, baseline),
    )


# --- spillover --------------------------------------------------------------------


def spillover(groups: pd.DataFrame, names: list[str], baseline: str, *, seed: int) -> pd.DataFrame:
    """Per scenario and reach: shootings per run (scenario and baseline, same groups) and
    the paired change in percent with its bootstrap interval."""
    base = groups[groups["scenario"] == baseline].set_index(["replicate", "group"])["shootings"]
    rows = []
    for k, name in enumerate(n for n in names if n != baseline):
        own = groups[groups["scenario"] == name].set_index(["replicate", "group"])
        own = own.join(base.rename("base_shootings"), how="inner")
        for j, reach in enumerate(REACH):
            part = own[own["reached"] == (reach == "reached")]
            reps = own.index.get_level_values("replicate").unique().sort_values()
            t = part.groupby(level="replicate")["shootings"].sum().reindex(reps, fill_value=0)
            b = part.groupby(level="replicate")["base_shootings"].sum().reindex(reps, fill_value=0)
            n = part.groupby(level="replicate").size().reindex(reps, fill_value=0)
            est, lo, hi = ratio_change(t.to_numpy(), b.to_numpy(), seed=seed + 100 * k + j)
            rows.append(
                {
                    "scenario": name,
                    "baseline": baseline,
                    "reach": reach,
                    "groups": float(n.mean()),
                    "shootings": float(t.mean()),
                    "baseline_shootings": float(b.mean()),
                    "change_pct": est,
                    "ci_low": lo,
                    "ci_high": hi,
                }
            )
    return pd.DataFrame(rows)


# --- equity and harm --------------------------------------------------------------


def harm(groups: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Per scenario, measure and statistic (total, group_mean, group_max, share_any): the
    mean over runs of the post-period value and its 95 % t interval."""
    rows = []
    for name in names:
        g = groups[groups["scenario"] == name]
        for measure in HARM_MEASURES:
            by = g.groupby("replicate")[measure]
            per_run = {
                "total": by.sum(),
                "group_mean": by.mean(),
                "group_max": by.max(),
                "share_any": by.apply(lambda v: float((v > 0).mean())),
            }
            for stat in HARM_STATS:
                mean, lo, hi = mean_ci(per_run[stat].to_numpy(dtype=float))
                rows.append(
                    {
                        "scenario": name,
                        "measure": measure,
                        "stat": stat,
                        "mean": mean,
                        "ci_low": lo,
                        "ci_high": hi,
                    }
                )
    return pd.DataFrame(rows)


# --- trade-offs -------------------------------------------------------------------


def post_totals(runs: pd.DataFrame, metric: str, days: dict[str, int]) -> pd.DataFrame:
    """Replicate × scenario: the metric's post-period total."""
    post = runs[(runs["day"] >= days["rollout"]) & (runs["day"] < days["end"])]
    return post.pivot_table(index="replicate", columns="scenario", values=metric, aggfunc="sum")


def boot_mean(x: np.ndarray, idx: np.ndarray) -> tuple[float, float, float]:
    """Mean and percentile-bootstrap interval (resampled pairs ``idx``)."""
    if len(x) < 2:
        return float(x.mean()), float("nan"), float("nan")
    lo, hi = np.percentile(x[idx].mean(axis=1), [2.5, 97.5])
    return float(x.mean()), float(lo), float(hi)


def paired_ratio(
    num: np.ndarray, den: np.ndarray, idx: np.ndarray, *, scale: float
) -> tuple[float, float, float]:
    """``scale * sum(num) / sum(den)`` with a percentile-bootstrap interval over the
    pairs; NaN unless the bootstrap intervals of both means exclude zero."""
    nan = (float("nan"),) * 3
    _, nlo, nhi = boot_mean(num, idx)
    _, dlo, dhi = boot_mean(den, idx)
    if np.isnan(nlo) or np.isnan(dlo) or nlo <= 0 <= nhi or dlo <= 0 <= dhi:
        return nan
    ns, ds = num[idx].sum(axis=1), den[idx].sum(axis=1)
    ok = np.sign(ds) == np.sign(den.sum())  # the few resamples across zero are left out
    lo, hi = np.percentile(scale * ns[ok] / ds[ok], [2.5, 97.5])
    return scale * float(num.sum() / den.sum()), float(lo), float(hi)


def tradeoffs(
    runs: pd.DataFrame,
    groups: pd.DataFrame | None,
    names: list[str],
    baseline: str,
    days: dict[str, int],
    seed: int,
) -> pd.DataFrame:
    """Per scenario against the baseline, per run over the post-period: shootings
    averted, extra custody days, extra cost, and the two ratios (see module doc)."""
    shoot = post_totals(runs, "shootings", days)
    cost = post_totals(runs, "cost_sek", days)
    custody = None
    if groups is not None:
        custody = groups.pivot_table(
            index="replicate", columns="scenario", values="custody_days", aggfunc="sum"
        )
    rows = []
    for k, name in enumerate(n for n in names if n != baseline):
        pairs = shoot[[name, baseline]].dropna().index
        averted = (shoot.loc[pairs, baseline] - shoot.loc[pairs, name]).to_numpy(dtype=float)
        extra_cost = (cost.loc[pairs, name] - cost.loc[pairs, baseline]).to_numpy(dtype=float)
        rng = np.random.default_rng(seed + 300 + k)
        idx = rng.integers(0, len(pairs), size=(N_BOOT, len(pairs)))
        nan = (float("nan"),) * 3
        extra_custody, per100 = nan, nan
        if custody is not None:
            d = (custody.loc[pairs, name] - custody.loc[pairs, baseline]).to_numpy(dtype=float)
            extra_custody = boot_mean(d, idx)
            per100 = paired_ratio(averted, d, idx, scale=100.0)
        values = {
            "shootings_averted": boot_mean(averted, idx),
            "extra_custody_days": extra_custody,
            "extra_cost_sek": boot_mean(extra_cost, idx),
            "averted_per_100_custody_days": per100,
            "cost_per_averted_sek": _cost_per_averted(extra_cost, averted, idx),
        }
        for quantity in TRADEOFFS:
            v, lo, hi = values[quantity]
            rows.append(
                {
                    "scenario": name,
                    "baseline": baseline,
                    "quantity": quantity,
                    "value": v,
                    "ci_low": lo,
                    "ci_high": hi,
                }
            )
    return pd.DataFrame(rows)


def _cost_per_averted(
    extra_cost: np.ndarray, averted: np.ndarray, idx: np.ndarray
) -> tuple[float, float, float]:
    """Extra cost per shooting averted: meaningful when shootings are clearly averted
    (the extra cost itself may be of either sign, or zero)."""
    _, alo, _ = boot_mean(averted, idx)
    if np.isnan(alo) or alo <= 0:
        return (float("nan"),) * 3
    ns, ds = extra_cost[idx].sum(axis=1), averted[idx].sum(axis=1)
    ok = ds > 0
    lo, hi = np.percentile(ns[ok] / ds[ok], [2.5, 97.5])
    return float(extra_cost.sum() / averted.sum()), float(lo), float(hi)


# --- time to effect ---------------------------------------------------------------


def monthly_cumulative(runs: pd.DataFrame, name: str, days: dict[str, int]) -> pd.DataFrame:
    """Replicate × month (1, 2, …, whole months only): shootings from rollout to the
    end of that month."""
    post = runs[(runs["scenario"] == name) & (runs["day"] >= days["rollout"])]
    post = post[post["day"] < days["end"]]
    table = post.pivot_table(index="replicate", columns="day", values="shootings", aggfunc="sum")
    cum = table.fillna(0).cumsum(axis=1)
    months = int((days["end"] - days["rollout"]) // DAYS_PER_MONTH)
    ends = [days["rollout"] + int(round(m * DAYS_PER_MONTH)) - 1 for m in range(1, months + 1)]
    out = cum[[d for d in ends if d in cum.columns]]
    out.columns = range(1, len(out.columns) + 1)
    return out


def trajectory(
    runs: pd.DataFrame, names: list[str], baseline: str, days: dict[str, int], *, seed: int
) -> pd.DataFrame:
    """Per scenario and month after rollout: the cumulative paired change in shootings
    (percent, baseline = 100 %) with its bootstrap interval."""
    base = monthly_cumulative(runs, baseline, days)
    rows = []
    for k, name in enumerate(n for n in names if n != baseline):
        own = monthly_cumulative(runs, name, days)
        reps = own.index.intersection(base.index)
        for m in own.columns:
            est, lo, hi = ratio_change(
                own.loc[reps, m].to_numpy(), base.loc[reps, m].to_numpy(), seed=seed + 100 * k + m
            )
            rows.append(
                {
                    "scenario": name,
                    "baseline": baseline,
                    "month": int(m),
                    "change_pct": est,
                    "ci_low": lo,
                    "ci_high": hi,
                }
            )
    cols = ["scenario", "baseline", "month", "change_pct", "ci_low", "ci_high"]
    return pd.DataFrame(rows, columns=cols)


def time_to_effect(traj: pd.DataFrame, names: list[str], baseline: str) -> pd.DataFrame:
    """Per scenario: the first month whose cumulative change has its 95 % interval
    entirely below zero (NaN when no month does)."""
    rows = []
    for name in (n for n in names if n != baseline):
        t = traj[(traj["scenario"] == name) & (traj["ci_high"] < 0)]
        months = float(t["month"].min()) if len(t) else float("nan")
        rows.append({"scenario": name, "baseline": baseline, "months": months})
    return pd.DataFrame(rows, columns=["scenario", "baseline", "months"])
