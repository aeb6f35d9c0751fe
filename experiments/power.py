"""Statistical power of a before/after evaluation of a scenario's shootings.

What a planner reads from it: for each compared scenario, the chance that a plain
before/after evaluation of the city's own counts (pre-period count against post-period
count, conditional Poisson test at the 5 % level) would report a significant decrease,
and how many years of follow-up such an evaluation would need for 80 % power. With
the small counts of a Swedish city a real effect of GVI can easily go undetected.

Assumptions:

- The evaluation compares the same city before and after the rollout. It is not a
  comparison with the counterfactual (the baseline scenario's post-period): a secular
  trend or a change in the baseline itself would be read as an effect.
- The only randomness is the one between replicates of the model: the model's
  parameters are taken as known, and each replicate plays one possible city history.
- The counts of each period are Poisson with constant daily rates, or, with a
  dispersion factor, overdispersed counts treated by the quasi-Poisson approximation.
- The pre-period is what the city has (one year by default). It caps the power: however
  long the follow-up, the evaluation cannot beat a comparison of the pre count with an
  exactly known post rate, so for modest effects in small cities 80 % power may never
  be reached (``years_80`` is then inf).

The test: given ``N = pre + post`` events, the post-period count is
``Binomial(N, post_days / (pre_days + post_days))`` when the daily rate did not change;
the two-sided exact binomial p-value of that (:func:`scipy.stats.binomtest`) is the
p-value of the rate ratio 1. An evaluation *detects* the effect when the test is
significant and the change goes in the direction of the true change.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from .effects import DAYS_PER_YEAR

# Poisson mass left out on each side of the sum over the total count N.
TAIL = 1e-12
# scipy's relative tolerance when it compares binomial probabilities (two-sided test).
RERR = 1 + 1e-7
YEAR_STEP = 0.1


def _post_share(pre_days: float, post_days: float) -> float:
    if pre_days <= 0 or post_days <= 0:
        raise ValueError("pre_days and post_days must be positive")
    return post_days / (pre_days + post_days)


def conditional_poisson_test(
    pre_count: int, post_count: int, pre_days: float, post_days: float
) -> float:
    """Two-sided p-value of rate ratio 1 between two Poisson counts with exposures.

    Conditional on ``N = pre_count + post_count``, the post-period count is
    ``Binomial(N, post_days / (pre_days + post_days))`` under the null; the p-value is
    the exact binomial test's (1 when ``N == 0``).
    """
    if pre_count < 0 or post_count < 0:
        raise ValueError("counts must be non-negative")
    p = _post_share(pre_days, post_days)
    n = int(pre_count) + int(post_count)
    if n == 0:
        return 1.0
    return float(stats.binomtest(int(post_count), n, p).pvalue)


def _first_at_most(n: np.ndarray, p: float, start: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Per element, the smallest ``j`` in ``[start, n]`` with ``pmf(j) <= level``
    (``n + 1`` when none); the binomial pmf decreases on ``[ceil(n p), n]``."""
    lo, hi = start - 1, n + 1  # pmf(lo) > level is assumed, pmf(hi) <= level holds
    while np.any(hi - lo > 1):
        mid = (lo + hi) // 2
        ok = stats.binom.pmf(mid, n, p) <= level
        lo, hi = np.where(ok, lo, mid), np.where(ok, mid, hi)
    return hi


def _lower_pvalue(k: np.ndarray, n: np.ndarray, p: float) -> np.ndarray:
    """The two-sided binomial p-value for counts ``k < n p`` (as in scipy): the lower
    tail up to ``k`` plus the upper-tail terms no more probable than ``k``."""
    start = np.ceil(n * p).astype(np.int64)
    j = _first_at_most(n, p, start, stats.binom.pmf(k, n, p) * RERR)
    return stats.binom.cdf(k, n, p) + stats.binom.sf(j - 1, n, p)


def _lower_critical(n: np.ndarray, p: float, alpha: float) -> np.ndarray:
    """Per total ``n``: the largest post count ``k < n p`` whose two-sided p-value is at
    most ``alpha`` (-1 when none). Below ``n p`` the p-value grows with ``k``."""
    n = np.asarray(n, dtype=np.int64)
    lo = np.full(n.shape, -1, dtype=np.int64)  # significant (sentinel)
    hi = np.ceil(n * p).astype(np.int64)  # not significant, or not below n p
    while np.any(hi - lo > 1):
        mid = (lo + hi) // 2
        active = hi - lo > 1
        k = np.where(active, mid, 0)
        ok = active & (_lower_pvalue(k, n, p) <= alpha)
        lo = np.where(ok, mid, lo)
        hi = np.where(active & ~ok, mid, hi)
    return lo


def analytic_power(
    rate_pre: float,
    rate_ratio: float,
    pre_days: float,
    post_days: float,
    alpha: float = 0.05,
    dispersion: float = 1.0,
) -> float:
    """Exact power of :func:`conditional_poisson_test` at level ``alpha``.

    The counts are Poisson with daily rate ``rate_pre`` before and
    ``rate_pre * rate_ratio`` after. The power is ``sum_N P(N) P(reject | N)``: the total
    ``N`` is Poisson, the post count given ``N`` binomial with the true post share, and
    only rejections in the direction of the true change count (a significant decrease
    when ``rate_ratio < 1``, an increase when ``> 1``). At ``rate_ratio == 1`` both
    directions count: the result is the test's size, at most ``alpha``.

    Overdispersed counts (variance ``dispersion`` times the mean) use the quasi-Poisson
    approximation: both expected counts are divided by ``dispersion`` and treated as
    Poisson, i.e. the evaluation has the information of ``1 / dispersion`` as many
    events at the same rate ratio. This is the power of an evaluation that allows for
    the overdispersion (and so keeps its level ``alpha``); the plain Poisson test on
    overdispersed counts rejects more often, for real and spurious changes alike.
    """
    if rate_pre < 0 or rate_ratio < 0:
        raise ValueError("rate_pre and rate_ratio must be non-negative")
    if not 0 < alpha < 1:
        raise ValueError("alpha must be in (0, 1)")
    if dispersion < 1:
        raise ValueError("dispersion must be at least 1")
    p0 = _post_share(pre_days, post_days)
    mu_pre = rate_pre * pre_days / dispersion
    mu_post = rate_pre * rate_ratio * post_days / dispersion
    mu = mu_pre + mu_post
    if mu == 0:
        return 0.0
    share = mu_post / mu
    lo, hi = stats.poisson.ppf(TAIL, mu), stats.poisson.isf(TAIL, mu)
    n = np.arange(max(int(lo), 1), int(hi) + 1, dtype=np.int64)
    weight = stats.poisson.pmf(n, mu)
    power = 0.0
    if rate_ratio <= 1:
        power += float(np.sum(weight * stats.binom.cdf(_lower_critical(n, p0, alpha), n, share)))
    if rate_ratio >= 1:
        # an increase of the post count is a decrease of the pre count: mirror the test
        upper = n - _lower_critical(n, 1 - p0, alpha)
        power += float(np.sum(weight * stats.binom.sf(upper - 1, n, share)))
    return min(power, 1.0)


def years_for_power(
    rate_pre: float,
    rate_ratio: float,
    pre_days: float,
    target: float = 0.8,
    alpha: float = 0.05,
    dispersion: float = 1.0,
    max_years: float = 50,
) -> float:
    """Years of post-period (in steps of 0.1 year, 365 days a year) at which
    :func:`analytic_power` reaches ``target``, the pre-period kept at
    ``pre_days``; ``math.inf`` when ``rate_ratio >= 1`` (no decrease to detect) or
    when ``max_years`` is not enough.

    Power grows with the follow-up up to the small saw-tooth of a discrete test, so
    the 0.1-year grid is bisected: at the returned length the power is at least
    ``target`` and 0.1 year earlier it is below. With very small counts the saw-tooth
    (a few points of power) can make the power cross the target more than once; the
    crossing found is then one of them, not necessarily the first.
    """
    if not rate_ratio < 1 or rate_pre <= 0:
        return math.inf

    def power(step: int) -> float:
        days = step * YEAR_STEP * DAYS_PER_YEAR
        return analytic_power(rate_pre, rate_ratio, pre_days, days, alpha, dispersion)

    hi = int(round(max_years / YEAR_STEP))
    if power(hi) < target:
        return math.inf
    lo = 0  # no follow-up: no power
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if power(mid) >= target:
            hi = mid
        else:
            lo = mid
    return round(hi * YEAR_STEP, 1)


def _period_counts(sub: pd.DataFrame, metric: str, days: dict[str, int]) -> pd.DataFrame:
    """Per replicate: the metric's total over the pre- and the post-period."""
    w, r, e = days["warmup"], days["rollout"], days["end"]
    day = sub["day"]
    period = np.where((day >= w) & (day < r), "pre", np.where((day >= r) & (day < e), "post", ""))
    counts = (
        sub.assign(period=period)
        .loc[lambda d: d["period"] != ""]
        .groupby(["replicate", "period"])[metric]
        .sum()
        .unstack(fill_value=0)
        .reindex(index=sub["replicate"].unique(), columns=["pre", "post"], fill_value=0)
    )
    values = counts.to_numpy(dtype=float)
    if not np.allclose(values, np.rint(values)):
        raise ValueError(f"{metric!r} is not a count: its period totals are not integers")
    return counts.round().astype(np.int64)


def evaluation_power(
    runs: pd.DataFrame,
    names: list[str],
    days: dict[str, int],
    *,
    metric: str = "shootings",
    alpha: float = 0.05,
    target: float = 0.8,
) -> pd.DataFrame:
    """Per scenario: the power of a before/after evaluation of ``metric``, and the
    follow-up it would need.

    Columns: ``scenario``, ``replicates``, ``pre_days``, ``post_days``; ``power``, the
    share of the scenario's replicates whose own conditional Poisson test (pre-period
    count against post-period count) is significant at ``alpha`` and shows a decrease,
    with a 95 % Wilson interval ``power_ci_low``/``power_ci_high``; ``rate_ratio``, the
    post rate over the pre rate, per day and summed over replicates; ``dispersion``,
    the variance-to-mean ratio of the replicates' pre-period counts, floored at 1:
    violence is clustered (retaliation chains, feuds between groups), so the counts
    vary more than Poisson counts would and the evaluation holds less information than
    its number of events suggests; ``years_80``, the follow-up in years for ``target``
    power (:func:`years_for_power` at the pooled pre rate, the rate ratio and the
    dispersion; inf when there is no decrease or 50 years are not enough).

    ``power`` is that of the plain test as an evaluator would run it on the raw counts;
    ``years_80`` allows for the dispersion (see :func:`analytic_power`), so with
    overdispersed counts the two are not on the same footing. A scenario without
    effect gets its own numbers: its power is the rate of false detections of a
    decrease, about ``alpha / 2`` or less for Poisson counts, more when the counts are
    overdispersed.
    """
    pre_days = days["rollout"] - days["warmup"]
    post_days = days["end"] - days["rollout"]
    rows = []
    for name in names:
        counts = _period_counts(runs[runs["scenario"] == name], metric, days)
        pre, post = counts["pre"].to_numpy(), counts["post"].to_numpy()
        n = len(counts)
        detected = sum(
            post_count * pre_days < pre_count * post_days
            and conditional_poisson_test(pre_count, post_count, pre_days, post_days) <= alpha
            for pre_count, post_count in zip(pre.tolist(), post.tolist(), strict=True)
        )
        if n:
            ci = stats.binomtest(detected, n).proportion_ci(method="wilson")
            low, high = float(ci.low), float(ci.high)
        else:
            low = high = float("nan")
        rate_pre = pre.sum() / (n * pre_days) if n else float("nan")
        ratio = (post.sum() / post_days) / (pre.sum() / pre_days) if pre.sum() > 0 else math.nan
        dispersion = 1.0
        if n > 1 and pre.mean() > 0:
            dispersion = max(1.0, float(pre.var(ddof=1) / pre.mean()))
        years = (
            math.nan
            if math.isnan(ratio)
            else years_for_power(rate_pre, ratio, pre_days, target, alpha, dispersion)
        )
        rows.append(
            {
                "scenario": name,
                "replicates": n,
                "pre_days": pre_days,
                "post_days": post_days,
                "power": detected / n if n else float("nan"),
                "power_ci_low": low,
                "power_ci_high": high,
                "rate_ratio": ratio,
                "dispersion": dispersion,
                "years_80": years,
            }
        )
    return pd.DataFrame(rows)
