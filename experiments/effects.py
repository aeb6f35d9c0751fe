"""Effects with uncertainty, from per-replicate period totals.

- Scenario means: the mean over replicates of each metric's post-period value (total for
  counts, daily mean for levels), with a 95 % t interval over replicates.
- Paired change against the baseline: ``100 * (sum_r I_r / sum_r B_r - 1)`` over the
  replicates (intervention ``I``, baseline ``B``, paired by replicate: common random
  numbers), with a 95 % percentile-bootstrap interval that resamples replicate pairs.
- Pre/post change within a scenario, as before-after evaluations report it: the same
  estimator with the pre-period (per year) in place of the baseline.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from model.metrics import METRICS, MetricKind
from model.time import DAYS_PER_YEAR

N_BOOT = 2000


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and t interval of independent replicate values."""
    v = np.asarray(values, dtype=float)
    m = float(v.mean())
    if len(v) < 2:
        return m, float("nan"), float("nan")
    half = stats.t.ppf(0.5 + level / 2, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return m, m - half, m + half


def ratio_change(
    treated: np.ndarray,
    control: np.ndarray,
    *,
    seed: int,
    level: float = 0.95,
    n_boot: int = N_BOOT,
) -> tuple[float, float, float]:
    """Paired change in percent, ``100 * (sum(treated) / sum(control) - 1)``, with a
    percentile-bootstrap interval over the pairs (NaN when the control sums to 0)."""
    t = np.asarray(treated, dtype=float)
    c = np.asarray(control, dtype=float)
    if t.shape != c.shape:
        raise ValueError("treated and control must be paired (same length)")
    if c.sum() == 0:
        return float("nan"), float("nan"), float("nan")
    est = 100.0 * (t.sum() / c.sum() - 1.0)
    if len(t) < 2:
        return est, float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(t), size=(n_boot, len(t)))
    ts, cs = t[idx].sum(axis=1), c[idx].sum(axis=1)
    ok = cs > 0
    boot = 100.0 * (ts[ok] / cs[ok] - 1.0)
    lo, hi = np.percentile(boot, [50 * (1 - level), 50 * (1 + level)])
    return est, float(lo), float(hi)


def period_values(
    runs: pd.DataFrame, *, warmup_day: int, rollout_day: int, end_day: int
) -> pd.DataFrame:
    """Per scenario × replicate: each metric's pre (per year) and post (per year for
    counts; daily mean for levels) value."""
    pre = runs[(runs["day"] >= warmup_day) & (runs["day"] < rollout_day)]
    post = runs[(runs["day"] >= rollout_day) & (runs["day"] < end_day)]
    keys = ["scenario", "replicate"]
    out = []
    for m in METRICS:
        agg = "sum" if m.kind is MetricKind.COUNT else "mean"
        a = pre.groupby(keys, sort=False)[m.name].agg(agg)
        b = post.groupby(keys, sort=False)[m.name].agg(agg)
        if m.kind is MetricKind.COUNT:
            a = a * DAYS_PER_YEAR / max(rollout_day - warmup_day, 1)
            b_total = b
            b = b * DAYS_PER_YEAR / max(end_day - rollout_day, 1)
        else:
            b_total = b
        out.append(pd.DataFrame({"metric": m.name, "pre": a, "post": b, "post_total": b_total}))
    return pd.concat(out).reset_index()


def summarise(values: pd.DataFrame, scenarios: list[str]) -> pd.DataFrame:
    """One row per scenario × metric: post-period mean and 95 % interval over replicates
    (totals for counts), and the yearly pre-period mean."""
    rows = []
    for name in scenarios:
        for m in METRICS:
            v = values[(values["scenario"] == name) & (values["metric"] == m.name)]
            mean, lo, hi = mean_ci(v["post_total"].to_numpy())
            rows.append(
                {
                    "scenario": name,
                    "metric": m.name,
                    "kind": m.kind.value,
                    "unit": m.unit,
                    "replicates": len(v),
                    "post_mean": mean,
                    "post_ci_low": lo,
                    "post_ci_high": hi,
                    "post_per_year": float(v["post"].mean()),
                    "pre_per_year": float(v["pre"].mean()),
                }
            )
    return pd.DataFrame(rows)


def effects(
    values: pd.DataFrame, *, baseline: str, scenarios: list[str], seed: int
) -> pd.DataFrame:
    """Paired change vs the baseline, and pre/post change, per scenario × metric."""
    rows = []
    base = values[values["scenario"] == baseline].set_index(["metric", "replicate"])
    for k, name in enumerate(scenarios):
        own = values[values["scenario"] == name].set_index(["metric", "replicate"])
        for j, m in enumerate(METRICS):
            t = own.loc[m.name].sort_index()
            b = base.loc[m.name].sort_index()
            common = t.index.intersection(b.index)
            boot_seed = seed + 1000 * k + j
            if name == baseline:
                vs = (float("nan"),) * 3
            else:
                vs = ratio_change(
                    t.loc[common, "post"].to_numpy(),
                    b.loc[common, "post"].to_numpy(),
                    seed=boot_seed,
                )
            pp = ratio_change(t["post"].to_numpy(), t["pre"].to_numpy(), seed=boot_seed + 7)
            rows.append(
                {
                    "scenario": name,
                    "baseline": baseline,
                    "metric": m.name,
                    "change_pct": vs[0],
                    "ci_low": vs[1],
                    "ci_high": vs[2],
                    "prepost_change_pct": pp[0],
                    "prepost_ci_low": pp[1],
                    "prepost_ci_high": pp[2],
                }
            )
    return pd.DataFrame(rows)


def window_change(
    runs: pd.DataFrame,
    scenario: str,
    baseline: str,
    metric: str,
    start_day: int,
    end_day: int,
    *,
    seed: int,
) -> tuple[float, float, float]:
    """Paired change of a count metric over days [start_day, end_day) against the
    baseline, as :func:`ratio_change` (estimate, 95 % interval)."""
    w = runs[(runs["day"] >= start_day) & (runs["day"] < end_day)]
    sums = w.groupby(["scenario", "replicate"])[metric].sum()
    t, b = sums.loc[scenario], sums.loc[baseline]
    common = t.index.intersection(b.index)
    return ratio_change(t.loc[common].to_numpy(), b.loc[common].to_numpy(), seed=seed)


def variance_split(
    values: pd.DataFrame,
    sets: pd.Series,
    *,
    baseline: str,
    scenario: str,
    metric: str = "shootings",
) -> dict[str, float | int | str]:
    """How much of the spread of a paired effect is chance and how much the parameter
    sets (ensemble comparisons): the law of total variance,
    ``Var(e) = E[Var(e | set)] + Var(E[e | set])``, over the per-replicate paired effects
    ``e_r = 100 * (I_r / B_r - 1)`` (post-period, replicates whose baseline is 0
    left out), with the replicates grouped by the parameter set they drew (``sets``:
    replicate -> set). ``Var(e)`` is the sample variance of all ``e_r``; the chance part
    ``E[Var(e | set)]`` is the pooled within-set variance of the sets drawn at least twice
    (NaN when none was); the parameter part is the rest (at least 0). ``runs_p05``,
    ``runs_median``, ``runs_p95``: percentiles of the ``e_r`` themselves — how far the
    effect of one run, a set of assumptions and one draw of chance, ranges (the interval
    of the mean effect, by contrast, narrows with more runs).

    ``chance_share_low`` / ``chance_share_high``: a 95 % interval of the chance share,
    from the chi-square law of the pooled within-set variance on its ``within_df``
    degrees of freedom (the total variance held at its estimate; clipped to 0–1). With
    an ensemble much larger than the number of replicates few sets repeat, and the
    interval is wide: 50 replicates drawn from the shipped ensemble typically leave 7 or 8
    degrees of freedom, and a chance share of 0.28 comes with an interval of about 0.12 to 1."""
    rows = values[values["metric"] == metric]
    t = rows[rows["scenario"] == scenario].set_index("replicate")["post"]
    b = rows[rows["scenario"] == baseline].set_index("replicate")["post"]
    common = t.index.intersection(b.index)
    t, b = t.loc[common], b.loc[common]
    ok = b > 0
    e = 100.0 * (t[ok] / b[ok] - 1.0)
    group = sets.reindex(e.index)
    sizes = e.groupby(group).size()
    repeated = sizes[sizes >= 2]
    df = int((repeated - 1).sum())
    total = float(e.var(ddof=1)) if len(e) >= 2 else float("nan")
    if df > 0:
        mean = e.groupby(group).transform("mean")
        within = float(((e - mean) ** 2)[group.isin(repeated.index)].sum() / df)
    else:
        within = float("nan")
    between = max(0.0, total - within) if np.isfinite(total) and np.isfinite(within) else np.nan
    share = between / total if np.isfinite(between) and total > 0 else float("nan")
    chance_low = chance_high = float("nan")
    if np.isfinite(share):
        scaled = df * within / total  # chance share x its chi-square draw
        chance_low = min(1.0, scaled / float(stats.chi2.ppf(0.975, df)))
        chance_high = min(1.0, scaled / float(stats.chi2.ppf(0.025, df)))
    return {
        "scenario": scenario,
        "baseline": baseline,
        "metric": metric,
        "replicates": len(e),
        "sets_drawn": len(sizes),
        "sets_repeated": len(repeated),
        "within_df": df,
        "total_var": total,
        "chance_var": within,
        "model_var": float(between),
        "model_share": float(share),
        "chance_share": float(1.0 - share) if np.isfinite(share) else float("nan"),
        "chance_share_low": chance_low,
        "chance_share_high": chance_high,
        "runs_p05": float(np.percentile(e, 5)) if len(e) else float("nan"),
        "runs_median": float(np.median(e)) if len(e) else float("nan"),
        "runs_p95": float(np.percentile(e, 95)) if len(e) else float("nan"),
    }
