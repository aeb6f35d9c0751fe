"""The comparison engine: common random numbers, executors, intervals, JSON."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor

import numpy as np
import pytest

from experiments import SerialExecutor, Task, compare, run_task, run_tasks
from experiments.effects import mean_ci, ratio_change
from experiments.runner import local_executor, root_entropy
from model.metrics import METRIC_NAMES
from scenarios import load_scenario

SHORT = {"time.warmup_days": 60, "time.rollout_day": 120, "time.horizon_days": 300}


def short(name: str):
    return load_scenario(name).with_updates(SHORT)


@pytest.fixture(scope="module")
def small():
    return compare([short("baseline"), short("gvi")], replicates=4, seed=3, workers=1)


def test_same_replicate_shares_city_and_pre_rollout_trajectory() -> None:
    ent = root_entropy(7)
    base, gvi = short("baseline"), short("gvi")
    a, b = run_task(Task(base, 2, ent)), run_task(Task(gvi, 2, ent))
    other = run_task(Task(base, 3, ent))
    np.testing.assert_array_equal(a.first_members, b.first_members)
    pre = a.rollout_day - a.warmup_day
    for name in METRIC_NAMES:
        np.testing.assert_array_equal(a.daily[name][:pre], b.daily[name][:pre])
    assert not np.array_equal(a.first_members, other.first_members)
    post = slice(pre, None)
    assert not np.array_equal(a.daily["callin_attendees"][post], b.daily["callin_attendees"][post])


def test_results_identical_for_one_and_two_workers(small) -> None:
    two = compare([short("baseline"), short("gvi")], replicates=4, seed=3, workers=2)
    assert small.runs.equals(two.runs)
    assert small.effects.equals(two.effects)
    assert small.summary.equals(two.summary)


@pytest.fixture(params=["serial", "two-processes"])
def executor(request) -> Iterator[Executor]:
    """A serial executor, and a local pool of two worker processes (shut down after)."""
    ex = SerialExecutor() if request.param == "serial" else local_executor(2)
    yield ex
    ex.shutdown(wait=True, cancel_futures=True)


def test_any_executor_gives_the_same_results(executor: Executor) -> None:
    ent = root_entropy(11)
    tasks = [Task(short("gvi"), r, ent) for r in range(3)]
    reference = [run_task(t) for t in tasks]
    # submitted in reverse order: each result depends on its task alone
    results = run_tasks(list(reversed(tasks)), executor=executor, progress=False)[::-1]
    for ref, got in zip(reference, results, strict=True):
        assert got.replicate == ref.replicate
        np.testing.assert_array_equal(got.first_members, ref.first_members)
        assert got.callin_days == ref.callin_days
        for name in METRIC_NAMES:
            np.testing.assert_array_equal(got.daily[name], ref.daily[name], err_msg=name)
    assert len({r.daily["shootings"].tobytes() for r in results}) == len(results)


def test_different_root_seeds_differ(small) -> None:
    other = compare([short("baseline"), short("gvi")], replicates=4, seed=4, workers=1)
    assert not small.runs.equals(other.runs)


def test_ratio_change_known_case() -> None:
    control = np.array([10.0, 20.0, 30.0, 40.0])
    est, lo, hi = ratio_change(0.7 * control, control, seed=1)
    assert est == pytest.approx(-30.0)
    assert lo == pytest.approx(-30.0) and hi == pytest.approx(-30.0)
    est, lo, hi = ratio_change(control, control * 0, seed=1)
    assert np.isnan(est)


def test_ratio_change_interval_covers_the_truth_about_95_percent() -> None:
    rng = np.random.default_rng(5)
    hits, trials = 0, 300
    for k in range(trials):
        control = rng.poisson(60, size=40).astype(float)
        treated = rng.poisson(0.7 * control)
        _, lo, hi = ratio_change(treated, control, seed=k, n_boot=1000)
        hits += lo <= -30.0 <= hi
    assert 0.88 <= hits / trials <= 0.99


def test_mean_ci_matches_the_t_interval() -> None:
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    mean, lo, hi = mean_ci(values)
    # t(0.975, 4) = 2.7764; sd = 1.5811; half = 2.7764 * 1.5811 / sqrt(5) = 1.9632
    assert mean == 3.0
    assert lo == pytest.approx(3.0 - 1.9632, abs=1e-3)
    assert hi == pytest.approx(3.0 + 1.9632, abs=1e-3)


def test_summary_and_effects_frames(small) -> None:
    assert set(small.summary["scenario"]) == {"baseline", "gvi"}
    assert len(small.summary) == 2 * len(METRIC_NAMES)
    row = small.effects.query("scenario == 'gvi' and metric == 'callin_attendees'")
    assert row["change_pct"].isna().all()  # zero in the baseline: no ratio
    base = small.effects.query("scenario == 'baseline'")
    assert base["change_pct"].isna().all()
    assert {"prepost_change_pct", "prepost_ci_low", "prepost_ci_high"} <= set(small.effects)
    runs = small.runs
    assert list(runs.columns[:5]) == ["scenario", "replicate", "seed", "parameter_set", "day"]
    assert len(runs) == 2 * 4 * (small.days["end"] - small.days["warmup"])


def test_json_shape(small) -> None:
    j = small.to_json()
    assert j["scenarios"] == ["baseline", "gvi"]
    shoot = [e for e in j["effects"] if e["metric"] == "shootings"]
    assert len(shoot) == 1 and shoot[0]["scenario"] == "gvi" and shoot[0]["baseline"] == "baseline"
    assert len(shoot[0]["ci95"]) == 2


def test_scenarios_with_different_time_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="time settings"):
        compare([short("baseline"), load_scenario("gvi")], replicates=2, workers=1)


def test_repeated_names_are_refused() -> None:
    with pytest.raises(ValueError, match="repeated"):
        compare([short("gvi"), short("gvi")], replicates=2, workers=1)
