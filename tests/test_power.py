"""Power of a before/after evaluation: the exact test, its analytic power checked
against simulation, the follow-up needed, and the per-scenario table."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from experiments.power import (
    _lower_critical,
    analytic_power,
    conditional_poisson_test,
    evaluation_power,
    years_for_power,
)

YEAR = 365.0
COLUMNS = [
    "scenario",
    "replicates",
    "pre_days",
    "post_days",
    "power",
    "power_ci_low",
    "power_ci_high",
    "rate_ratio",
    "dispersion",
    "years_80",
]


def simulated_power(
    rate_pre: float,
    rate_ratio: float,
    pre_days: float,
    post_days: float,
    *,
    n: int,
    seed: int,
    alpha: float = 0.05,
) -> float:
    """Share of simulated Poisson pre/post pairs whose test is significant in the
    direction of the true change (either direction when there is none)."""
    rng = np.random.default_rng(seed)
    pre = rng.poisson(rate_pre * pre_days, n)
    post = rng.poisson(rate_pre * rate_ratio * post_days, n)
    pairs, counts = np.unique(np.stack([pre, post], axis=1), axis=0, return_counts=True)
    hits = 0
    for (a, b), c in zip(pairs.tolist(), counts.tolist(), strict=True):
        lower = b * pre_days < a * post_days
        higher = b * pre_days > a * post_days
        right_way = (lower or higher) if rate_ratio == 1 else (lower if rate_ratio < 1 else higher)
        if right_way and conditional_poisson_test(a, b, pre_days, post_days) <= alpha:
            hits += c
    return hits / n


@pytest.mark.parametrize(
    ("per_year", "ratio", "pre_days", "post_days"),
    [
        (50, 0.7, YEAR, 2 * YEAR),  # ~50 events a year, the default periods
        (8, 0.5, YEAR, 2 * YEAR),  # small counts
        (30, 1.5, YEAR, YEAR),  # an increase
        (40, 1.0, 2 * YEAR, YEAR),  # no change: the size of the test
    ],
)
def test_analytic_power_matches_simulation(per_year, ratio, pre_days, post_days):
    n = 4000
    rate = per_year / YEAR
    exact = analytic_power(rate, ratio, pre_days, post_days)
    sim = simulated_power(rate, ratio, pre_days, post_days, n=n, seed=per_year)
    se = math.sqrt(max(exact * (1 - exact), 0.01) / n)
    assert abs(sim - exact) <= 3.5 * se, (exact, sim)


@pytest.mark.parametrize("p", [2 / 3, 0.5, 0.25, 0.9])
def test_critical_values_match_binomtest(p):
    """The vectorised rejection region is exactly scipy's, in both directions: the
    critical counts are significant and the next counts towards n p are not (the
    p-value is monotone on each side), and for small n every count is checked."""
    ns = np.arange(1, 121)
    low = _lower_critical(ns, p, 0.05)
    high = ns - _lower_critical(ns, 1 - p, 0.05)

    def significant(k: int, n: int) -> bool:
        return stats.binomtest(k, n, p).pvalue <= 0.05

    for n, c_low, c_high in zip(ns.tolist(), low.tolist(), high.tolist(), strict=True):
        assert c_low < n * p < c_high
        assert c_low == -1 or significant(c_low, n)
        assert c_low + 1 >= n * p or not significant(c_low + 1, n)
        assert c_high == n + 1 or significant(c_high, n)
        assert c_high - 1 <= n * p or not significant(c_high - 1, n)
        if n <= 25:
            sig = [k for k in range(n + 1) if significant(k, n)]
            assert c_low == max([k for k in sig if k < n * p], default=-1)
            assert c_high == min([k for k in sig if k > n * p], default=n + 1)


def test_pvalue_hand_checked():
    # pre 30 in 365 days, post 40 in 730: given N = 70 the post count is
    # Binomial(70, 2/3) with mean 46.7; the p-value sums the probabilities of every
    # count no more probable than 40, i.e. 0..40 and 54..70.
    n, p = 70, Fraction(2, 3)
    pmf = [math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]
    by_hand = float(sum(pmf[:41]) + sum(pmf[54:]))
    assert pmf[53] > pmf[40] >= pmf[54]
    assert conditional_poisson_test(30, 40, 365, 730) == pytest.approx(by_hand, abs=1e-12)
    assert by_hand == pytest.approx(0.0994494, abs=1e-7)


def test_pvalue_edge_cases():
    assert conditional_poisson_test(0, 0, 365, 730) == 1.0
    assert conditional_poisson_test(10, 20, 365, 730) == pytest.approx(1.0)
    assert conditional_poisson_test(20, 0, 365, 365) == pytest.approx(2 * 0.5**20)
    with pytest.raises(ValueError):
        conditional_poisson_test(1, 1, 0, 365)


def test_analytic_power_properties():
    rate = 50 / YEAR
    for pre, post in [(YEAR, 2 * YEAR), (2 * YEAR, YEAR), (90, 400)]:
        assert analytic_power(rate, 1.0, pre, post) <= 0.05
    lengths = [analytic_power(rate, 0.7, YEAR, d) for d in (180, YEAR, 2 * YEAR, 4 * YEAR)]
    assert lengths == sorted(lengths)
    effects = [analytic_power(rate, r, YEAR, 2 * YEAR) for r in (0.9, 0.8, 0.6, 0.4)]
    assert effects == sorted(effects)
    assert analytic_power(rate, 0.7, YEAR, 2 * YEAR, dispersion=2) < analytic_power(
        rate, 0.7, YEAR, 2 * YEAR
    )
    # the quasi-Poisson approximation: dispersion 2 is half the expected counts
    assert analytic_power(rate, 0.7, YEAR, 2 * YEAR, dispersion=2) == pytest.approx(
        analytic_power(rate / 2, 0.7, YEAR, 2 * YEAR)
    )
    assert analytic_power(0.0, 0.5, YEAR, YEAR) == 0.0
    with pytest.raises(ValueError):
        analytic_power(rate, 0.7, YEAR, YEAR, dispersion=0.5)


@pytest.mark.parametrize(
    ("per_year", "ratio", "dispersion"), [(50, 0.6, 1.0), (100, 0.7, 1.0), (40, 0.4, 2.0)]
)
def test_years_for_power(per_year, ratio, dispersion):
    rate = per_year / YEAR
    years = years_for_power(rate, ratio, YEAR, dispersion=dispersion)
    assert math.isfinite(years)
    assert years == pytest.approx(round(years, 1))
    at = analytic_power(rate, ratio, YEAR, years * YEAR, dispersion=dispersion)
    before = analytic_power(rate, ratio, YEAR, (years - 0.1) * YEAR, dispersion=dispersion)
    assert at >= 0.8 > before


def test_years_for_power_unreachable():
    rate = 50 / YEAR
    assert years_for_power(rate, 1.0, YEAR) == math.inf
    assert years_for_power(rate, 1.3, YEAR) == math.inf
    # one year of ~50 events caps the power of a 30 % drop below 80 % at any follow-up
    assert years_for_power(rate, 0.7, YEAR) == math.inf
    assert analytic_power(rate, 0.7, YEAR, 50 * YEAR) < 0.8
    assert years_for_power(rate, 0.7, 3 * YEAR) < 50


def synthetic_runs(
    rates: dict[str, tuple[float, float]], days: dict[str, int], replicates: int, seed: int
) -> pd.DataFrame:
    """Daily Poisson shootings per scenario and replicate: (pre, post) daily rates."""
    rng = np.random.default_rng(seed)
    day = np.arange(days["end"])
    frames = []
    for name, (before, after) in rates.items():
        lam = np.where(day < days["rollout"], before, after)
        counts = rng.poisson(lam, size=(replicates, len(day)))
        frames.append(
            pd.DataFrame(
                {
                    "scenario": name,
                    "replicate": np.repeat(np.arange(replicates), len(day)),
                    "day": np.tile(day, replicates),
                    "shootings": counts.ravel().astype(float),
                    "arrests": 0.37,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_evaluation_power_on_synthetic_runs():
    days = {"warmup": 100, "rollout": 465, "end": 1195}
    rate = 25 / YEAR
    runs = synthetic_runs({"baseline": (rate, rate), "gvi": (rate, 0.6 * rate)}, days, 200, 7)
    out = evaluation_power(runs, ["baseline", "gvi"], days)
    assert list(out.columns) == COLUMNS
    assert out["scenario"].tolist() == ["baseline", "gvi"]
    base, gvi = out.iloc[0], out.iloc[1]
    assert (out["replicates"] == 200).all()
    assert (out["pre_days"] == 365).all() and (out["post_days"] == 730).all()

    exact = analytic_power(rate, 0.6, 365, 730)
    assert abs(gvi["power"] - exact) <= 3.5 * math.sqrt(exact * (1 - exact) / 200)
    assert gvi["power_ci_low"] < gvi["power"] < gvi["power_ci_high"]
    assert gvi["rate_ratio"] == pytest.approx(0.6, abs=0.08)
    assert gvi["dispersion"] >= 1.0 and gvi["dispersion"] < 1.4  # Poisson counts
    assert gvi["years_80"] > 0

    assert base["power"] <= 0.06
    assert base["power_ci_low"] <= 0.025 <= base["power_ci_high"]
    assert base["rate_ratio"] == pytest.approx(1.0, abs=0.08)
    assert base["years_80"] == math.inf or base["rate_ratio"] < 1


def test_evaluation_power_rejects_non_counts():
    days = {"warmup": 0, "rollout": 10, "end": 30}
    runs = synthetic_runs({"a": (0.5, 0.5)}, days, 3, 1)
    with pytest.raises(ValueError, match="not a count"):
        evaluation_power(runs, ["a"], days, metric="arrests")
