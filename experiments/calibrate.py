"""Calibration by approximate Bayesian computation: rejection ABC against summary
statistics of one scenario (here), or ABC-SMC against the declared patterns jointly
(``method = "abc-smc"``, :mod:`experiments.calibrate_smc`).

    >>> from experiments.calibrate import calibrate
    >>> result = calibrate("experiments/calibrate_baseline.toml", "results/cal")  # doctest: +SKIP
    >>> result.accepted.head()                                                    # doctest: +SKIP

``budget`` parameter sets are drawn independently from the uniform priors (from the
seed), each is run ``replicates`` times with its own
independent seeds, and the summary statistics (the targets, see
:data:`~experiments.calibrate_spec.TARGETS`) are compared with the observed values by the
scaled Euclidean distance ``sqrt(sum(((s - s_obs) / scale)^2))``. The ``quantile`` share
of draws closest to the targets is accepted as a sample of the approximate posterior
(Pritchard et al. 1999; Beaumont, Zhang & Balding 2002; Csilléry et al. 2010).

Runs go through :func:`experiments.pipeline.run_jobs` into a
:class:`~experiments.store.ResultStore` (``OUT/runs``), so an interrupted calibration
resumes, on any executor of :func:`experiments.executors.make_executor`.

Outputs in ``OUT``: ``draws.csv`` (every draw, its statistics and distance),
``accepted.csv``, ``posterior.png`` (histograms within the prior ranges, true values if
given), ``calibrated.toml`` (a scenario that ``extends`` the base scenario with the
posterior medians) and ``summary.json``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w

from model import GVIModel
from model.events import EventKind
from model.time import DAYS_PER_YEAR
from scenarios import Scenario

from .abc_smc import Generation, weighted_quantile
from .calibrate_spec import Calibration, load_calibration
from .executors import make_executor
from .output import atomic_text, write_csv
from .pipeline import Job, run_jobs
from .runner import root_entropy
from .store import ResultStore


def window(model: GVIModel, name: str) -> tuple[int, int]:
    """First and end day (exclusive) of a calibration window."""
    if name == "pre":
        return model.warmup_day, model.rollout_day
    if name == "post":
        return model.rollout_day, model.end_day
    return model.warmup_day, model.end_day


def statistics(model: GVIModel, name: str = "all") -> dict[str, float]:
    """Every calibration statistic of a finished run over the window ``name``."""
    lo, hi = window(model, name)
    df = model.daily_metrics()
    df = df[(df["day"] >= lo) & (df["day"] < hi)]
    years = max(hi - lo, 1) / DAYS_PER_YEAR
    shots = float(df["shootings"].sum())
    per_shot = (lambda x: x / shots) if shots else (lambda x: math.nan)
    groups_by_year: dict[int, set[int]] = {}
    for e in model.log.of_kind(EventKind.SHOOTING):
        if lo <= e.day < hi:
            groups_by_year.setdefault((e.day - lo) // DAYS_PER_YEAR, set()).add(e.group)
    n_years = max(1, int(years))
    return {
        "shootings_per_year": shots / years,
        "share_injured": per_shot(float(df["injuries"].sum())),
        "share_fatal": per_shot(float(df["fatalities"].sum())),
        "share_retaliation": per_shot(float(df["retaliations"].sum())),
        "arrests_per_year": float(df["arrests"].sum()) / years,
        "active_groups": sum(len(groups_by_year.get(y, ())) for y in range(n_years)) / n_years,
    }


def run_statistics(scenario: Scenario, seed: np.random.SeedSequence, name: str) -> dict:
    """Run ``scenario`` once and return its statistics (the model is released)."""
    model = GVIModel(scenario, rng=seed)
    model.run_model()
    out = statistics(model, name)
    return out


@dataclass(frozen=True)
class ABCEvaluator:
    """``ABCEvaluator(scenario, entropy, targets, window)(job) -> {target: value}``:
    one run of draw ``job.point``, replicate ``job.replicate``, with its own seed
    ``SeedSequence(entropy, spawn_key=(point, replicate))`` (independent draws)."""

    scenario: Scenario
    entropy: int
    targets: tuple[str, ...]
    window: str = "all"

    def __call__(self, job: Job) -> dict[str, float]:
        sc = self.scenario.with_updates(job.params)
        seed = np.random.SeedSequence(self.entropy, spawn_key=(job.point, job.replicate))
        stats = run_statistics(sc, seed, self.window)
        return {t: stats[t] for t in self.targets}


def prior_draws(cal: Calibration) -> pd.DataFrame:
    """``budget`` independent uniform draws from the priors (column per path)."""
    rng = np.random.default_rng(np.random.SeedSequence(root_entropy(cal.seed), spawn_key=(7,)))
    cols = {p.path: rng.uniform(p.prior[0], p.prior[1], cal.budget) for p in cal.parameters}
    df = pd.DataFrame(cols)
    df.insert(0, "point", np.arange(cal.budget, dtype=np.int64))
    return df


def distances(stats: pd.DataFrame, cal: Calibration) -> np.ndarray:
    """Scaled Euclidean distance of each draw's mean statistics to the targets."""
    d2 = np.zeros(len(stats))
    for t in cal.targets:
        x = stats[t.name].to_numpy(dtype=float)
        d2 += np.where(np.isfinite(x), ((x - t.value) / t.scale) ** 2, np.inf)
    return np.sqrt(d2)


@dataclass
class CalibrationResult:
    """Every draw, the accepted ones, and the posterior summary."""

    calibration: Calibration
    draws: pd.DataFrame
    accepted: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)

    def interval(self, path: str, level: float = 0.9) -> tuple[float, float]:
        """The central posterior interval of a parameter (weighted, for ABC-SMC)."""
        q = (1 - level) / 2
        x = self.accepted[path].to_numpy(dtype=float)
        w = self.weights
        return weighted_quantile(x, w, q), weighted_quantile(x, w, 1 - q)

    @property
    def weights(self) -> np.ndarray:
        """The accepted draws' posterior weights (equal for rejection ABC)."""
        if "weight" in self.accepted:
            return self.accepted["weight"].to_numpy(dtype=float)
        return np.full(len(self.accepted), 1.0 / max(len(self.accepted), 1))


def summarise(cal: Calibration, accepted: pd.DataFrame, draws: pd.DataFrame) -> dict[str, Any]:
    params = {}
    for p in cal.parameters:
        v = accepted[p.path]
        q05, q50, q95 = np.quantile(v, [0.05, 0.5, 0.95])
        params[p.path] = {
            "prior": p.prior,
            "median": float(q50),
            "mean": float(v.mean()),
            "interval90": [float(q05), float(q95)],
            "true": p.true,
        }
    fit = {t.name: {"target": t.value, "accepted_mean": float(accepted[t.name].mean())}
           for t in cal.targets}  # fmt: skip
    return {
        "name": cal.name,
        "method": "rejection ABC",
        "budget": cal.budget,
        "accepted": len(accepted),
        "tolerance": float(accepted["distance"].max()),
        "replicates": cal.replicates,
        "seed": cal.seed,
        "parameters": params,
        "targets": fit,
        "draws_evaluated": int(np.isfinite(draws["distance"]).sum()),
    }


def calibrate(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    progress: bool = False,
    scenario: Scenario | None = None,
    on_generation: Callable[[Generation], None] | None = None,
) -> CalibrationResult:
    """Load, run (resumably) and summarise a calibration into ``out``. ``scenario``
    replaces the file's base scenario (e.g. a shortened one in tests; rejection ABC);
    ``on_generation`` hears of every finished ABC-SMC generation."""
    cal = load_calibration(path)
    if cal.method == "abc-smc":
        from .calibrate_smc import calibrate_patterns

        executor, close = make_executor(workers, scheduler=scheduler, dask_local=dask_local)
        try:
            return calibrate_patterns(cal, Path(out), executor=executor, progress=progress,
                                      on_generation=on_generation)  # fmt: skip
        finally:
            close()
    base = scenario if scenario is not None else cal.scenario_model()
    folder = Path(out)
    identity = {
        "calibration": cal.model_dump(mode="json"),
        "scenario": base.model_dump(mode="json"),
    }
    prior = prior_draws(cal)
    paths = [p.path for p in cal.parameters]
    jobs = [
        Job(int(row[0]), r, {k: float(v) for k, v in zip(paths, row[1:], strict=True)})
        for row in prior.itertuples(index=False)
        for r in range(cal.replicates)
    ]
    evaluate = ABCEvaluator(base, root_entropy(cal.seed), tuple(t.name for t in cal.targets),
                            cal.window)  # fmt: skip
    # the executor first: a Dask scheduler that cannot be reached or has no workers is
    # refused before the store is started
    executor, close = make_executor(workers, scheduler=scheduler, dask_local=dask_local)
    try:
        store = ResultStore(folder / "runs", identity=identity)
        store.update_manifest(kind="calibration")
        runs = run_jobs(jobs, evaluate, store=store, executor=executor, progress=progress)
    finally:
        close()
    stats = runs.drop(columns="replicate").groupby("point").mean().reset_index()
    draws = prior.merge(stats, on="point", how="left")
    draws["distance"] = distances(draws, cal)
    accepted = draws.nsmallest(cal.accepted_count, "distance").sort_values("point")
    result = CalibrationResult(cal, draws, accepted.reset_index(drop=True))
    result.summary = summarise(cal, result.accepted, draws)
    write_outputs(result, folder)
    return result


def scenario_toml(result: CalibrationResult) -> str:
    """A scenario file extending the base scenario with the posterior medians.

    Written by a TOML writer, never pasted together: whatever the calibration's name or
    scenario path holds (quotes, backslashes, newlines, TOML of its own), it stays the
    text of ``name`` and ``description``. The comment on top holds numbers only."""
    cal = result.calibration
    # ABC-SMC fits every validation scenario at once: its medians extend business as usual
    smc = cal.method == "abc-smc"
    doc: dict[str, Any] = {
        "name": f"{cal.name}-calibrated",
        "description": f"{'baseline' if smc else cal.scenario} with parameters calibrated by "
        f"{cal.name}",
        "extends": "baseline" if smc else cal.scenario_ref(),
    }
    for p in cal.parameters:
        section, key = p.path.split(".", 1)
        median = result.summary["parameters"][p.path]["median"]
        doc.setdefault(section, {})[key] = float(f"{median:.6g}")
    accepted = int(result.summary["accepted"])
    drawn = int(result.summary.get("proposals", cal.budget))
    method = "ABC-SMC" if smc else "rejection ABC"
    header = (
        f"# Posterior medians of a calibration ({method}, {accepted} of {drawn} draws accepted).\n"
    )
    return header + tomli_w.dumps(doc)


def write_outputs(result: CalibrationResult, folder: Path) -> None:
    """draws.csv, accepted.csv, posterior.png, calibrated.toml and summary.json."""
    from gvi.report.calibrate import posterior_plot

    write_csv(result.draws, folder / "draws.csv")
    write_csv(result.accepted, folder / "accepted.csv")
    atomic_text(scenario_toml(result), folder / "calibrated.toml")
    atomic_text(json.dumps(result.summary, indent=2), folder / "summary.json")
    posterior_plot(result, folder / "posterior.png")
