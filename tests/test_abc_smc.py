"""ABC-SMC (experiments/abc_smc.py, calibrate_smc.py, ensemble.py): a toy problem with a
known posterior, the same results with 1 and 2 workers and after an interruption, the
pattern distance, the calibration file and the ensemble's format."""

from __future__ import annotations

import functools
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from abc_helpers import BOX, N_OBS, OBSERVED, ToyEvaluator, toy_distance

from experiments import ensemble
from experiments.abc_smc import Settings, abc_smc, weighted_quantile
from experiments.calibrate_smc import Band, band_distance
from experiments.calibrate_spec import load_calibration
from experiments.patterns import PATTERNS, Use, patterns_for
from experiments.validation import STATISTICS, evaluate_checks, pattern_values, scenarios_for
from scenarios import ScenarioError, parameter

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "ensemble"


def _toy(folder: Path, *, workers: int = 1, population: int = 200, generations: int = 6):
    settings = Settings(population=population, generations=generations, seed=5)
    return abc_smc(BOX, settings, evaluator=functools.partial(ToyEvaluator, 5),
                   distance=toy_distance, folder=folder, identity={"toy": 1},
                   workers=workers)  # fmt: skip


def test_toy_posterior_is_recovered(tmp_path: Path) -> None:
    """The exact posterior is N(1.0, 1/10): mean 1.0, sd 0.316."""
    result = _toy(tmp_path, population=200, generations=6)
    pop = result.population
    x, w = pop["mu"].to_numpy(), pop["weight"].to_numpy()
    mean = float(w @ x)
    sd = math.sqrt(float(w @ (x - mean) ** 2))
    exact = 1 / math.sqrt(N_OBS)
    print(f"posterior mean {mean:.3f} sd {sd:.3f} (exact {OBSERVED} and {exact:.3f})")
    assert abs(mean - OBSERVED) < 0.1
    assert 0.8 * exact < sd < 1.3 * exact
    eps = [g.epsilon for g in result.generations]
    assert eps[0] == math.inf and all(a > b for a, b in zip(eps[1:], eps[2:], strict=False))
    assert np.isclose(w.sum(), 1.0) and len(pop) == 200


def test_toy_same_results_with_one_and_two_workers_and_after_resume(tmp_path: Path) -> None:
    one = _toy(tmp_path / "one", workers=1, population=100, generations=3)
    two = _toy(tmp_path / "two", workers=2, population=100, generations=3)
    pd.testing.assert_frame_equal(one.population, two.population)
    pd.testing.assert_frame_equal(one.proposals, two.proposals)
    # lose part of the last generation's runs, as a kill would: the rerun redoes them
    last = sorted((tmp_path / "one").glob("gen-*"))[-1]
    shutil.rmtree(last / "parts")
    (last / "parts").mkdir()
    again = _toy(tmp_path / "one", workers=2, population=100, generations=3)
    pd.testing.assert_frame_equal(one.population, again.population)


def test_weighted_quantile() -> None:
    x = np.array([3.0, 1.0, 2.0])
    assert weighted_quantile(x, np.array([1.0, 1.0, 1.0]), 0.5) == 2.0
    assert weighted_quantile(x, np.array([0.0, 0.0, 1.0]), 0.1) == 2.0


def test_band_distance() -> None:
    bands = (Band("a", 0.0, 1.0, 1.0), Band("b", 2.0, math.inf, 0.5))
    frame = pd.DataFrame({"a": [0.5, 2.0, 0.5, np.nan], "b": [3.0, 3.0, 1.0, 3.0]})
    d = band_distance(frame, bands)
    assert d[0] == 0.0  # inside both bands
    assert d[1] == pytest.approx(1.0)  # one scale above a
    assert d[2] == pytest.approx(2.0)  # two scales below b
    assert d[3] == math.inf  # a pattern that could not be computed


def test_every_calibration_pattern_has_a_statistic_and_a_scale() -> None:
    for p in patterns_for(Use.VALIDATE_MODEL):
        assert p.key in STATISTICS, f"{p.key}: no statistic in experiments.validation"
        assert p.distance_scale > 0
        assert set(STATISTICS[p.key].scenarios) <= set(scenarios_for([p.key]))
    assert scenarios_for(["volume"]) == ["baseline"]


def test_pattern_values_are_the_validation_estimates() -> None:
    from test_validation import _synthetic

    records = _synthetic()
    checks = {c.key: c.value for c in evaluate_checks(records, seed=1)}
    values = pattern_values(records, list(checks))
    for key, value in checks.items():
        assert values[key] == pytest.approx(value, nan_ok=True), key


SMALL = """name = "small"
method = "abc-smc"
population = 10
generations = 2
replicates = 1
seed = 4
patterns = ["volume", "retaliation_share", "retaliation_lag", "retaliation_lag_mean"]
[time]
warmup_days = 200
horizon_days = 500
rollout_day = 200

[[parameters]]
path = "violence.retaliation_branching"

[[parameters]]
path = "violence.retaliation_half_life_days"
"""


def test_smc_file_priors_default_to_the_declared_sa_bounds(tmp_path: Path) -> None:
    path = tmp_path / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    cal = load_calibration(path)
    for p in cal.parameters:
        assert tuple(p.prior) == parameter(p.path).sa_bounds
    bad = "budget = 50\n" + SMALL.replace('"volume"', '"volum"')
    path.write_text(bad.replace("rollout_day", "rolout_day"), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_calibration(path)
    text = str(err.value)
    assert "did you mean 'volume'" in text
    assert 'is for method = "rejection"' in text
    assert "rolout_day" in text


@pytest.mark.parametrize(
    ("time", "key", "says"),
    [
        ("horizon_days = 2\nwarmup_days = 0\nrollout_day = 1", "time.horizon_days = 2",
         "must lie within >= 30"),
        ("horizon_days = 40\nwarmup_days = 0\nrollout_day = 45", "time = ",
         "must be before horizon_days"),
    ],
)  # fmt: skip
def test_time_settings_the_scenarios_refuse_are_refused_when_the_file_loads(
    tmp_path: Path, time: str, key: str, says: str
) -> None:
    """A ``[time]`` the scenarios cannot take is a problem of the file (one line, exit
    2), not a failure of the calibration's first run (it was a traceback)."""
    from gvi.cli import main

    path = tmp_path / "short.toml"
    text = (
        'name = "short"\nmethod = "abc-smc"\npopulation = 10\ngenerations = 1\n'
        f'patterns = ["retaliation_lag"]\n[time]\n{time}\n'
        '[[parameters]]\npath = "violence.retaliation_branching"\n'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_calibration(path)
    (problem,) = err.value.problems
    assert f"{path.name}: {key}" in str(problem)
    assert says in str(problem)
    assert main(["calibrate", str(path), "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()


def test_a_calibration_whose_runs_give_no_pattern_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Runs too short for any retaliation give no retaliation lag: generation 0 accepts
    nothing, and the command says so in one line naming the file (it was a traceback)."""
    from gvi.cli import main

    path = tmp_path / "none.toml"
    path.write_text(
        'name = "none"\nmethod = "abc-smc"\npopulation = 10\ngenerations = 1\n'
        'min_acceptance = 0.5\npatterns = ["retaliation_lag"]\n'
        "[time]\nhorizon_days = 30\nwarmup_days = 0\nrollout_day = 10\n"
        '[[parameters]]\npath = "violence.retaliation_branching"\nprior = [0.0, 0.001]\n',
        encoding="utf-8",
    )
    assert main(["calibrate", str(path), "--out", str(tmp_path / "out"), "--workers", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0]
    assert (
        err[0].startswith("error: ") and "none.toml: generation 0 accepted fewer than 10" in err[0]
    )


def test_shipped_pattern_calibration_loads() -> None:
    cal = load_calibration(ROOT / "experiments" / "calibrate_patterns.toml")
    assert cal.method == "abc-smc"
    assert cal.pattern_keys == [p.key for p in patterns_for(Use.VALIDATE_MODEL)]
    assert all(p.prior for p in cal.parameters)


def test_test_ensemble_loads() -> None:
    ens = ensemble.load(DATA)
    assert len(ens) == len(ens.parameter_sets()) > 0
    assert np.isclose(ens.weights.sum(), 1.0)
    assert ens.parameters == [p["path"] for p in ens.provenance["priors"]]
    assert {p["key"] for p in ens.provenance["patterns"]} <= set(PATTERNS)
    assert ens.provenance["model"]["gvi_sim"]
    for s in ens.parameter_sets():
        for path, value in s.items():
            lo, hi = parameter(path).sa_bounds or (-math.inf, math.inf)
            assert lo <= value <= hi


def _cli(toml: Path, out: Path, workers: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "gvi", "calibrate", str(toml), "--out", str(out),
           "--workers", str(workers)]  # fmt: skip
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)  # fmt: skip


@pytest.mark.slow
def test_model_calibration_resumes_after_a_kill_and_ignores_workers(tmp_path: Path) -> None:
    """A small calibration on the model: killed (SIGKILL) in its second generation and
    rerun, with 2 workers, it writes the same ensemble as one uninterrupted run with 1."""
    toml = tmp_path / "small.toml"
    toml.write_text(SMALL, encoding="utf-8")
    start = time.perf_counter()
    proc = _cli(toml, tmp_path / "killed", 2)
    gen1 = tmp_path / "killed" / "runs" / "gen-01" / "parts"
    while not (gen1.is_dir() and any(gen1.glob("part-*.parquet"))):
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    resumed = _cli(toml, tmp_path / "killed", 2)
    out, err = resumed.communicate(timeout=900)
    assert resumed.returncode == 0, err
    assert "generation 1:" in err and "ABC-SMC" in out
    whole = _cli(toml, tmp_path / "whole", 1)
    _, err = whole.communicate(timeout=900)
    assert whole.returncode == 0, err
    print(f"two small calibrations and a kill: {time.perf_counter() - start:.0f} s")
    for name in ("ensemble/ensemble.csv", "accepted.csv", "draws.csv", "generations.csv"):
        a = (tmp_path / "killed" / name).read_bytes()
        assert a == (tmp_path / "whole" / name).read_bytes(), name
    ens = ensemble.load(tmp_path / "whole" / "ensemble")
    assert len(ens) == 10
    prov = ens.provenance
    assert [p["source"] for p in prov["priors"]] == ["declared SA bounds"] * 2
    assert json.dumps(prov["patterns"])


@pytest.mark.slow
def test_parameter_recovery_on_the_model(tmp_path: Path) -> None:
    """Synthetic patterns from known parameters: the 90 % posterior intervals cover them."""
    from experiments.calibrate_smc import recover

    text = SMALL.replace("population = 10", "population = 40").replace(
        "generations = 2", "generations = 4"
    ).replace("replicates = 1", "replicates = 2")  # fmt: skip
    (tmp_path / "rec.toml").write_text(text, encoding="utf-8")
    cal = load_calibration(tmp_path / "rec.toml")
    truth = {"violence.retaliation_branching": 0.6, "violence.retaliation_half_life_days": 90.0}
    start = time.perf_counter()
    report = recover(cal, truth, tmp_path / "rec", workers=2)
    print(json.dumps(report, indent=1), f"{time.perf_counter() - start:.0f} s")
    for path, p in report["parameters"].items():
        assert p["covered"], (path, p)


def test_calibration_doc_tables_match_the_declarations() -> None:
    from gvi.docs import CALIBRATION, splice_calibration

    text = CALIBRATION.read_text(encoding="utf-8")
    assert splice_calibration(text) == text, "run `make docs` to refresh docs/calibration.md"
    assert "not yet shipped" not in text  # it is (tests/test_ensemble_shipped.py)


def test_smc_refuses_a_folder_of_a_rejection_calibration(tmp_path: Path) -> None:
    from experiments.calibrate import calibrate
    from experiments.store import StoreMismatch

    toml = tmp_path / "small.toml"
    toml.write_text(SMALL, encoding="utf-8")
    (tmp_path / "out" / "runs").mkdir(parents=True)
    (tmp_path / "out" / "runs" / "manifest.json").write_text("{}", encoding="utf-8")
    with pytest.raises(StoreMismatch, match="rejection"):
        calibrate(toml, tmp_path / "out", workers=1)


def test_importance_weights_use_each_ancestors_truncated_kernel() -> None:
    from scipy.stats import truncnorm

    from experiments.abc_smc import importance_weights

    prev, w, sd = np.array([[0.1, 0.5], [0.9, 0.5]]), np.array([0.25, 0.75]), np.array([0.3, 0.2])
    unit = np.array([[0.5, 0.4], [0.05, 0.9]])

    def density(u: np.ndarray, c: np.ndarray) -> float:
        a, b = (0 - c) / sd, (1 - c) / sd
        return float(np.prod(truncnorm.pdf(u, a, b, loc=c, scale=sd)))

    expect = np.array(
        [1 / sum(wj * density(u, c) for wj, c in zip(w, prev, strict=True)) for u in unit]
    )
    got = importance_weights(unit, prev, w, sd)
    assert np.allclose(got, expect / expect.sum())


def test_moves_land_in_a_box_of_many_parameters() -> None:
    """Twenty-two parameters, a population spread over the prior (as after generation
    0): every move lands inside, reproducibly (a whole-vector redraw never did)."""
    from experiments.abc_smc import Box, propose

    k = 22
    box = Box(tuple(f"p{i}" for i in range(k)), (0.0,) * k, (2.0,) * k)
    unit = np.random.default_rng(0).uniform(size=(200, k))
    w = np.full(200, 1 / 200)
    x = propose(box, (unit, w), 1, 1, range(50))
    assert x.shape == (50, k) and np.all((x >= 0) & (x <= 2))
    assert np.array_equal(x, propose(box, (unit, w), 1, 1, range(50)))
