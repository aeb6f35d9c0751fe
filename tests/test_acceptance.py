"""Acceptance tests: the published effect patterns with the shipped defaults, over 50
paired replicates of the comparison a planner would run. The targets are those declared
in experiments/patterns.py (the patterns used by the acceptance tests); `gvi
validate-model` checks the same patterns with its own scenario set."""

from __future__ import annotations

import numpy as np
import pytest

from experiments import compare
from experiments.effects import ratio_change
from experiments.patterns import PATTERNS
from scenarios import load_scenario

SCENARIOS = ["baseline", "gvi", "deterrence_only", "support_only", "crackdown", "gvi_lapse"]
HALF_YEAR = 182
# The lapse test asks for more than the declared target (> 0 pp): the effect must shrink
# by more than this many percentage points. Violence comes in bursty cascades (ODD M2), so
# six-month windows are noisy: at 50 replicates the shrinkage measured +7.9 pp (95 %
# interval -0.9 to +17.1), at 200 replicates +20.4 pp (+15.5 to +25.2). The lapse test
# therefore runs its own comparison with LAPSE_REPLICATES, marked slow.
LAPSE_MARGIN_PP = 10
LAPSE_REPLICATES = 200


@pytest.fixture(scope="module")
def result():
    return compare(SCENARIOS, replicates=50, seed=1)


@pytest.fixture(scope="module")
def lapse_result():
    return compare(["baseline", "gvi", "gvi_lapse"], replicates=LAPSE_REPLICATES, seed=1)


def change(result, scenario: str, metric: str = "shootings"):
    row = result.effects.query("scenario == @scenario and metric == @metric").iloc[0]
    return row.change_pct, row.ci_low, row.ci_high


def window_totals(result, scenario: str, start: int, end: int) -> np.ndarray:
    runs = result.runs
    sel = runs[(runs["scenario"] == scenario) & (runs["day"] >= start) & (runs["day"] < end)]
    return sel.groupby("replicate")["shootings"].sum().sort_index().to_numpy()


def test_gvi_cuts_shootings_within_the_published_range(result) -> None:
    est, lo, hi = change(result, "gvi")
    assert PATTERNS["gvi_effect"].holds(est)
    assert hi < 0  # the interval excludes zero


def test_support_alone_does_much_less_than_gvi(result) -> None:
    gvi, _, _ = change(result, "gvi")
    support, _, _ = change(result, "support_only")
    assert abs(support) <= PATTERNS["support_only"].high * abs(gvi)


def test_crackdown_arrests_more_for_a_smaller_cut(result) -> None:
    s = result.summary.set_index(["scenario", "metric"])
    arrests = s.loc[("crackdown", "arrests"), "post_mean"] / s.loc[("gvi", "arrests"), "post_mean"]
    assert PATTERNS["crackdown"].holds(arrests)
    assert change(result, "crackdown")[0] > change(result, "gvi")[0]
    legit = result.effects.query("scenario == 'crackdown' and metric == 'mean_legitimacy'")
    assert legit["ci_high"].iloc[0] < 0  # and it costs legitimacy


@pytest.mark.slow
def test_lapse_lets_violence_return_toward_baseline(lapse_result) -> None:
    result = lapse_result
    end = result.days["end"]
    lapse = result.days["rollout"] + load_scenario("gvi_lapse").partnership.lapse_day
    assert lapse <= end - 2 * HALF_YEAR  # a year after the lapse is seen
    last = (end - HALF_YEAR, end)
    before = (lapse - HALF_YEAR, lapse)
    lapse_last = window_totals(result, "gvi_lapse", *last)
    gvi_last = window_totals(result, "gvi", *last)
    base_last = window_totals(result, "baseline", *last)
    base_before = window_totals(result, "baseline", *before)
    lapse_before = window_totals(result, "gvi_lapse", *before)
    # in its last six months the lapsed rollout has clearly more shootings than a kept one
    est, lo, _ = ratio_change(lapse_last, gvi_last, seed=1)
    assert lo > 0
    # and its effect against the baseline has shrunk since the six months before the lapse
    # (violence comes back over months: retaliation answers shootings months later)
    eff_last = ratio_change(lapse_last, base_last, seed=2)[0]
    eff_before = ratio_change(lapse_before, base_before, seed=3)[0]
    assert eff_last - eff_before > PATTERNS["lapse"].low + LAPSE_MARGIN_PP


def _docs_from(now, source) -> None:
    """The paragraphs the docs give of `make demo` (gvi.demofigures), written from the
    comparison ``now`` and from its stored record, are the same."""
    from gvi.demofigures import BLOCKS, REMAKE, record, render

    fresh = record(now)
    for block in BLOCKS:
        if block.source == source:
            assert render(block, fresh) == render(block), f"{block.name}: {REMAKE}"


def test_the_docs_give_what_make_demo_gives_now(result) -> None:
    """`result` is `make demo`'s comparison (with the shipped ensemble)."""
    from gvi.demofigures import DEMO

    _docs_from(result, DEMO)


@pytest.mark.slow
def test_the_docs_give_what_make_demo_gives_now_with_the_fixed_defaults() -> None:
    from gvi.demofigures import DEMO_FIXED

    _docs_from(compare(SCENARIOS, replicates=50, seed=1, ensemble=None), DEMO_FIXED)
