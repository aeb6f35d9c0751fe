"""Daily rates drawn as waiting times: the law must be that of one draw a day.

Support (M8) draws the day a waiting member leaves the list and the day an engaged
member exits or drops out once, and recruitment (M10) the next day a group recruits,
instead of a Bernoulli draw every day. These tests compare the drawn days with the
geometric law of daily draws, and the fates with a day-by-day simulation of the rule
they replace; they fail if a waiting time is off by one day or a probability is wrong.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from model import GVIModel
from model.streams import days_until, days_until_each
from model.time import NEVER
from scenarios import load_scenario

N = 40_000


def _geometric_p_value(days: np.ndarray, p: float) -> float:
    """Chi-square test of waiting days against P(day = k) = (1 - p)^k p, k = 0, 1, ..."""
    top = int(np.quantile(days, 0.99))
    k = np.arange(top + 1)
    expected = (1 - p) ** k * p * len(days)
    expected = np.append(expected, len(days) - expected.sum())
    observed = np.append(np.bincount(np.minimum(days, top + 1), minlength=top + 2)[:-1], 0)
    observed[-1] = int((days > top).sum())
    return float(stats.chisquare(observed, expected).pvalue)


@pytest.mark.parametrize("p", [0.02, 0.3, 0.9])
def test_days_until_is_the_law_of_daily_draws(p):
    rng = np.random.default_rng(11)
    scalar = np.array([days_until(rng, p) for _ in range(N)])
    vector = days_until_each(rng, np.full(N, p))
    for days in (scalar, vector):
        assert days.min() == 0  # today counts: the event can strike on the first day
        assert _geometric_p_value(days, p) > 1e-3
        assert days.mean() == pytest.approx((1 - p) / p, rel=0.05)


def test_days_until_edges():
    rng = np.random.default_rng(1)
    assert days_until(rng, 0.0) == NEVER
    assert days_until(rng, 1.0) == 0
    days = days_until_each(rng, np.array([0.0, 1.0, 0.5, 0.0]))
    assert days[0] == days[3] == NEVER and days[1] == 0 and 0 <= days[2] < NEVER


def _daily_rule(rng, exit_rate, dropout, min_days, horizon=5000):
    """The rule the fates replace: each day one uniform; exit if engaged long enough
    and u < exit_rate, else drop out if u >= 1 - dropout."""
    for d in range(horizon):
        u = rng.random()
        if d >= min_days and u < exit_rate:
            return d, True
        if u >= 1.0 - dropout:
            return d, False
    return NEVER, False


@pytest.mark.parametrize(
    ("exit_rate", "dropout", "min_days"),
    [(0.002, 0.005, 90), (0.05, 0.02, 10), (0.6, 0.7, 0), (0.0, 0.01, 5), (0.01, 0.0, 0)],
)
def test_support_fate_is_the_law_of_the_daily_rule(exit_rate, dropout, min_days):
    sc = load_scenario("gvi").with_updates(
        {
            "support.exit_rate": exit_rate,
            "support.dropout_rate": dropout,
            "support.min_days_for_exit": min_days,
        }
    )
    m = GVIModel(sc, rng=5)
    fates = [m.support._draw_fate(0) for _ in range(8000)]
    rng = np.random.default_rng(5)
    rule = [_daily_rule(rng, exit_rate, dropout, min_days) for _ in range(8000)]
    for kind in (True, False):
        ours = np.array([d for d, k in fates if k is kind and d < NEVER])
        ref = np.array([d for d, k in rule if k is kind and d < NEVER])
        # the same share of each fate, and the same distribution of its day
        assert len(ours) / 8000 == pytest.approx(len(ref) / 8000, abs=0.025)
        if len(ref) > 50:
            assert len(ours) > 50
            assert stats.ks_2samp(ours, ref).pvalue > 1e-3
            if kind:
                assert ours.min() >= min_days
        else:
            assert len(ours) <= 50 + 0.025 * 8000
