"""Sensitivity analysis: verified on the Ishigami function, the noise floor, sweeps,
plots, and a small run of the real model.

The Ishigami function ``sin x1 + a sin^2 x2 + b x3^4 sin x1`` (a = 7, b = 0.1, inputs
uniform on [-pi, pi]) has known indices: S1 = 0.314, 0.442, 0 and ST = 0.558, 0.442,
0.244 (Ishigami & Homma 1990; Saltelli et al. 2008). It goes through the same design
and analysis code as the model, as a :class:`Study`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from experiments.design import Factor, Study, design, point_params
from experiments.evaluate import ModelEvaluator
from experiments.experiment import Method, load_experiment
from experiments.sensitivity import analyse
from gvi.report.sa_plots import plot_all

S1 = {"x1": 0.314, "x2": 0.442, "x3": 0.0}
ST = {"x1": 0.558, "x2": 0.442, "x3": 0.244}
PI = math.pi


@dataclass(frozen=True)
class Job:
    """Stands in for ``experiments.pipeline.Job`` (same fields)."""

    point: int
    replicate: int
    params: dict[str, Any]


def ishigami(p: dict[str, float], a: float = 7.0, b: float = 0.1) -> float:
    x1, x2, x3 = p["x1"], p["x2"], p["x3"]
    return math.sin(x1) + a * math.sin(x2) ** 2 + b * x3**4 * math.sin(x1)


def study(kind: str, n: int | None, k: int = 3, replicates: int = 1, **method: Any) -> Study:
    factors = tuple(Factor(f"x{i + 1}", bounds=(-PI, PI)) for i in range(k))
    return Study(Method(kind=kind, n=n, **method), factors, ("y",), replicates, seed=1)


def run_plain(
    s: Study, f: Callable[[dict[str, float]], float], noise: float = 0.0, seed: int = 1
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The design and a plain loop over its jobs (no executor)."""
    df = design(s)
    rng = np.random.default_rng(seed)
    jobs = [Job(p, r, params) for p, params in point_params(s, df) for r in range(s.replicates)]
    rows = [
        {"point": j.point, "replicate": j.replicate, "y": f(j.params) + noise * rng.normal()}
        for j in jobs
    ]
    return df, pd.DataFrame(rows)


def values(result: Any, index: str) -> dict[str, float]:
    rows = result.indices[result.indices["index"] == index]
    return dict(zip(rows["parameter"], rows["value"], strict=True))


def test_ishigami_sobol_indices() -> None:
    s = study("sobol", 1024)
    df, results = run_plain(s, ishigami)
    result = analyse(s, df, results)
    assert values(result, "S1") == pytest.approx(S1, abs=0.03)
    assert values(result, "ST") == pytest.approx(ST, abs=0.03)
    flags = result.indices.set_index(["index", "parameter"])["significant"]
    assert flags[("S1", "x1")] and flags[("ST", "x3")] and not flags[("S1", "x3")]


def test_ishigami_fast_indices() -> None:
    s = study("fast", 1024)
    result = analyse(s, *run_plain(s, ishigami))
    assert values(result, "S1") == pytest.approx(S1, abs=0.03)
    assert values(result, "ST") == pytest.approx(ST, abs=0.05)


def test_ishigami_morris_ranking() -> None:
    s = study("morris", 40, levels=4)
    result = analyse(s, *run_plain(s, ishigami))
    star = values(result, "mu_star")
    assert min(star["x1"], star["x2"]) > star["x3"] > 0
    sigma = values(result, "sigma")
    assert sigma["x3"] > 0.5 * star["x3"]  # x3 acts only through its interaction with x1


def test_second_order_indices() -> None:
    s = study("sobol", 512, second_order=True)
    result = analyse(s, *run_plain(s, ishigami))
    s2 = result.second_order.set_index(["parameter", "other"])["value"]
    assert s2[("x1", "x3")] == pytest.approx(ST["x3"], abs=0.06)  # all of x3's effect
    assert abs(s2[("x1", "x2")]) < 0.06


def test_noise_floor_flags_a_parameter_with_no_effect() -> None:
    s = study("sobol", 256, k=4, replicates=4)
    df, results = run_plain(s, ishigami, noise=2.0)
    result = analyse(s, df, results)
    flags = result.indices.set_index(["index", "parameter"])
    for index in ("S1", "ST"):
        assert not flags.loc[(index, "x4"), "significant"]  # x4 does nothing
        assert flags.loc[(index, "x4"), "noise_floor"] > 0
        assert flags.loc[(index, "x1"), "significant"]
    noise = result.noise.iloc[0]
    assert noise["noise_var"] == pytest.approx(1.0, rel=0.2)  # 2^2 / 4 replicates
    assert 0 < noise["noise_share"] < 1


def test_noise_hides_a_small_effect() -> None:
    s = study("sobol", 64, k=3, replicates=2)

    def weak(p: dict[str, float]) -> float:
        return 3 * p["x1"] + 0.02 * p["x2"]

    result = analyse(s, *run_plain(s, weak, noise=3.0))
    flags = result.indices.set_index(["index", "parameter"])["significant"]
    assert flags[("S1", "x1")] and not flags[("S1", "x2")] and not flags[("ST", "x2")]


def test_sweep_response_table() -> None:
    s = study("lhs", 12, k=3, replicates=3)
    df, results = run_plain(s, ishigami, noise=0.5)
    result = analyse(s, df, results)
    assert result.indices.empty and len(result.response) == 12
    row = result.response.iloc[0]
    assert row["ci_low"] < row["mean"] < row["ci_high"] and row["replicates"] == 3


def test_missing_results_and_foreign_design_are_refused() -> None:
    s = study("sobol", 16)
    df, results = run_plain(s, ishigami)
    with pytest.raises(ValueError, match="no results"):
        analyse(s, df, results[results["point"] != 5])
    with pytest.raises(ValueError, match="does not match"):
        analyse(s, design(study("sobol", 16, k=3, replicates=1, second_order=True)), results)


def test_plots_are_written(tmp_path: Path) -> None:
    for s in (study("sobol", 32, replicates=2), study("morris", 6, replicates=2)):
        result = analyse(s, *run_plain(s, ishigami, noise=0.3))
        paths = plot_all(result, tmp_path)
        assert {p.suffix for p in paths} == {".png", ".svg"}
        assert all(p.stat().st_size > 1000 for p in paths)
    grid = study("factorial", None, k=2, replicates=2, levels=3)
    sweep = analyse(grid, *run_plain(grid, lambda p: p["x1"] * p["x2"], noise=0.1))
    assert len(plot_all(sweep, tmp_path / "sweep")) == 2


MORRIS = """\
name = "tiny_morris"
scenario = "tiny.toml"
baseline = "tiny_base.toml"
replicates = 2
seed = 3
[method]
kind = "morris"
n = 3
[[parameters]]
path = "enforcement.fidelity"
[[parameters]]
path = "violence.retaliation_branching"
[[parameters]]
path = "support.workers"
[[outputs]]
name = "post_shootings"
metric = "shootings"
[[outputs]]
name = "change"
metric = "shootings"
statistic = "change_vs_baseline"
[[outputs]]
name = "safety"
metric = "perceived_safety"
window = "last_year"
statistic = "mean"
"""


def test_real_model_morris(tmp_path: Path, tiny_file) -> None:
    (tmp_path / "tiny.toml").write_text(tiny_file(), encoding="utf-8")
    base = 'extends = "tiny.toml"\n[callins]\nenabled = false\n[enforcement]\nenabled = false\n'
    (tmp_path / "tiny_base.toml").write_text(base, encoding="utf-8")
    (tmp_path / "exp.toml").write_text(MORRIS, encoding="utf-8")
    exp = load_experiment(tmp_path / "exp.toml")
    df = design(exp)
    evaluate = ModelEvaluator(exp)
    jobs = [Job(p, r, params) for p, params in point_params(exp, df) for r in range(2)]
    results = pd.DataFrame(
        [{"point": j.point, "replicate": j.replicate, **evaluate(j)} for j in jobs]
    )
    result = analyse(exp, df, results)
    assert len(results) == 3 * 4 * 2
    assert set(result.indices["output"]) == {"post_shootings", "change", "safety"}
    star = result.table("post_shootings")["mu_star"]
    assert star["violence.retaliation_branching"] > 0
    assert result.noise["point_noise_var"].notna().all()
