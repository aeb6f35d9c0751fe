"""Calibration by ABC-SMC against the declared patterns, jointly.

    >>> from experiments.calibrate import calibrate
    >>> result = calibrate("experiments/calibrate_patterns.toml", "results/abc")  # doctest: +SKIP

A particle is one parameter set. It runs every validation scenario that its patterns
need (:data:`experiments.validation.STATISTICS`; ``baseline``, ``gvi``, ``crackdown``,
...) ``replicates`` times with paired seeds, and each pattern's value is computed from
those runs exactly as ``gvi validate-model`` computes it
(:func:`experiments.validation.pattern_values`). Patterns are target ranges, not
points: a pattern's miss is 0 inside its range and otherwise the distance to the
nearest bound in units of the pattern's declared scale
(:attr:`experiments.patterns.Pattern.distance_scale`: the range's width, or the scale
declared for a range open on one side); the distance of a particle is the Euclidean
norm of its misses, and a pattern that cannot be computed (no shootings to measure)
makes it infinite. Priors are uniform over the parameters' declared SA bounds. The
sampler is :func:`experiments.abc_smc.abc_smc`.

Outputs in ``OUT``: ``generations.csv`` (tolerance, proposals, acceptance and
effective sample size per generation), ``draws.csv`` (every proposal, its pattern
values and distance), ``accepted.csv`` (the last population with weights),
``ensemble/`` (the posterior ensemble with its provenance, :mod:`experiments.ensemble`),
``posterior.png``, ``calibrated.toml`` (weighted posterior medians) and
``summary.json``; the runs are stored in ``OUT/runs/gen-NN``.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from scenarios import parameters
from scenarios.errors import Message

from . import ensemble
from .abc_smc import (
    SIMULATION_STREAM,
    Box,
    Generation,
    Settings,
    SMCResult,
    abc_smc,
    generations_frame,
    weighted_quantile,
)
from .calibrate_spec import Calibration
from .output import write_csv
from .patterns import PATTERNS
from .pipeline import Job
from .runner import Task, run_together
from .store import MANIFEST, StoreMismatch, package_versions
from .validation import pattern_values, run_record, scenarios, scenarios_for
from .version import model_identity

if TYPE_CHECKING:
    from .calibrate import CalibrationResult


@dataclass(frozen=True)
class Band:
    """A pattern's target for the distance: ``[low, high]`` (infinite: open) and the
    unit of a miss outside it."""

    key: str
    low: float
    high: float
    scale: float

    @classmethod
    def declared(cls, key: str) -> Band:
        """The declared target range and scale of pattern ``key``."""
        p = PATTERNS[key]
        low, high = p.band()
        return cls(key, low, high, p.distance_scale)

    def miss(self, value: np.ndarray) -> np.ndarray:
        """0 inside the band, else the distance to its nearest bound over ``scale``
        (NaN where the value is not finite)."""
        v = np.asarray(value, dtype=float)
        out = np.maximum(np.maximum(self.low - v, v - self.high), 0.0) / self.scale
        return np.where(np.isfinite(v), out, np.nan)


def band_distance(frame: pd.DataFrame, bands: tuple[Band, ...]) -> np.ndarray:
    """Euclidean norm of every band's miss, per row (infinite if a value is missing)."""
    misses = np.column_stack([b.miss(frame[b.key].to_numpy()) for b in bands])
    d = np.sqrt(np.sum(misses**2, axis=1))
    return np.where(np.isnan(d), np.inf, d)


def set_seed(entropy: int, generation: int, point: int) -> int:
    """The seed of one particle (63 bits): its runs are those of ``gvi validate-model
    --seed`` with this seed (replicate ``r`` of every scenario from the same child)."""
    seq = np.random.SeedSequence(entropy, spawn_key=(SIMULATION_STREAM, generation, point))
    return int(seq.generate_state(1, np.uint64)[0] >> np.uint64(1))


@dataclass(frozen=True)
class PatternEvaluator:
    """``PatternEvaluator(...)(job) -> {pattern: value}``: one particle's runs of every
    scenario it needs, ``replicates`` each, seeded by :func:`set_seed`."""

    keys: tuple[str, ...]
    replicates: int
    entropy: int
    generation: int
    time: tuple[tuple[str, int], ...] = ()

    def __call__(self, job: Job) -> dict[str, float]:
        seed = set_seed(self.entropy, self.generation, job.point)
        scs = scenarios(dict(self.time), params=job.params, names=scenarios_for(self.keys))
        tasks = [Task(sc, r, seed) for sc in scs.values() for r in range(self.replicates)]
        done = iter(run_together(tasks, run_record))  # the scenarios share their warm-up
        records = {name: [next(done) for _ in range(self.replicates)] for name in scs}
        return pattern_values(records, self.keys)


def box_of(cal: Calibration) -> Box:
    """The uniform prior box of a calibration (priors resolved from the declaration)."""
    ps = cal.parameters
    return Box(tuple(p.path for p in ps), tuple(p.prior[0] for p in ps),
               tuple(p.prior[1] for p in ps))  # fmt: skip


def time_items(cal: Calibration) -> tuple[tuple[str, int], ...]:
    return tuple((f"time.{k}", v) for k, v in sorted((cal.time or {}).items()))


def run_smc(
    cal: Calibration,
    folder: Path,
    *,
    executor: Executor | None = None,
    workers: int | None = None,
    progress: bool = False,
    on_generation: Callable[[Generation], None] | None = None,
    bands: tuple[Band, ...] | None = None,
) -> SMCResult:
    """Run (or resume) the ABC-SMC of ``cal`` with its runs stored under ``folder``.
    ``bands`` replaces the declared targets (parameter recovery)."""
    keys = tuple(cal.pattern_keys)
    bands = bands or tuple(Band.declared(k) for k in keys)
    settings = Settings(
        population=cal.population,
        generations=cal.generations,
        seed=cal.seed,
        quantile=cal.epsilon_quantile,
        min_acceptance=cal.min_acceptance,
    )
    identity = {"calibration": cal.model_dump(mode="json"), "bands": [vars(b) for b in bands]}
    make = functools.partial(PatternEvaluator, keys, cal.replicates, cal.seed, time=time_items(cal))
    return abc_smc(
        box_of(cal),
        settings,
        evaluator=lambda t: make(generation=t),
        distance=lambda frame: band_distance(frame, bands),
        folder=folder,
        identity=identity,
        executor=executor,
        workers=workers,
        progress=progress,
        on_generation=on_generation,
    )


def synthetic_bands(cal: Calibration, truth: dict[str, float], *, seed: int) -> tuple[Band, ...]:
    """Point targets: the patterns of one particle at ``truth`` (``cal.replicates``
    runs per scenario, own seed), each with its declared scale."""
    keys = tuple(cal.pattern_keys)
    evaluate = PatternEvaluator(keys, cal.replicates, seed, 0, time_items(cal))
    values = evaluate(Job(0, 0, dict(truth)))
    return tuple(Band(k, values[k], values[k], PATTERNS[k].distance_scale) for k in keys)


def recover(
    cal: Calibration,
    truth: dict[str, float],
    folder: Path,
    *,
    seed: int = 999,
    level: float = 0.9,
    workers: int | None = None,
    executor: Executor | None = None,
) -> dict[str, Any]:
    """Parameter recovery: calibrate ``cal`` against the patterns simulated at ``truth``
    and report, per parameter, the true value, the posterior ``level`` interval and
    whether it covers the truth."""
    bands = synthetic_bands(cal, truth, seed=seed)
    result = run_smc(cal, folder, bands=bands, workers=workers, executor=executor)
    out: dict[str, Any] = {"targets": {b.key: b.low for b in bands}, "parameters": {}}
    for path, true in truth.items():
        lo, hi = result.interval(path, level)
        p = next(q for q in cal.parameters if q.path == path)
        out["parameters"][path] = {"true": true, "interval": [lo, hi], "prior": p.prior,
                                   "covered": bool(lo <= true <= hi)}  # fmt: skip
    out["generations"] = len(result.generations)
    out["proposals"] = len(result.proposals)
    return out


def summarise(cal: Calibration, result: SMCResult, bands: tuple[Band, ...]) -> dict[str, Any]:
    """The posterior per parameter (weighted), the patterns' fit, the generations."""
    pop = result.population
    w = pop["weight"].to_numpy(dtype=float)
    params = {}
    for p in cal.parameters:
        x = pop[p.path].to_numpy(dtype=float)
        q05, q50, q95 = (weighted_quantile(x, w, q) for q in (0.05, 0.5, 0.95))
        params[p.path] = {"prior": p.prior, "median": q50, "mean": float(w @ x),
                          "interval90": [q05, q95], "true": p.true}  # fmt: skip
    fit = {}
    for b in bands:
        v = pop[b.key].to_numpy(dtype=float)
        ok = np.isfinite(v)
        fit[b.key] = {
            "low": b.low if np.isfinite(b.low) else None,
            "high": b.high if np.isfinite(b.high) else None,
            "scale": b.scale,
            "posterior_mean": float(w[ok] @ v[ok] / w[ok].sum()) if ok.any() else None,
            "share_inside": float(w @ (b.miss(v) == 0)),
        }
    return {
        "name": cal.name,
        "method": "ABC-SMC",
        "population": cal.population,
        "accepted": len(pop),
        "proposals": len(result.proposals),
        "tolerance": float(pop["distance"].max()) if len(pop) else None,
        "stop": result.stop,
        "replicates": cal.replicates,
        "seed": cal.seed,
        "parameters": params,
        "patterns": fit,
        "generations": generations_frame(result).to_dict(orient="records"),
    }


def provenance(cal: Calibration, result: SMCResult, bands: tuple[Band, ...]) -> dict[str, Any]:
    """Where an ensemble comes from (written to ``ensemble.json``)."""
    specs = {s.path: s for s in parameters()}
    priors = []
    for p in cal.parameters:
        declared = specs[p.path].sa_bounds
        source = "declared SA bounds" if declared and list(declared) == p.prior else "file"
        priors.append({"path": p.path, "low": p.prior[0], "high": p.prior[1], "source": source,
                       "unit": specs[p.path].unit})  # fmt: skip
    patterns = []
    for b in bands:
        pat = PATTERNS[b.key]
        patterns.append({"key": b.key, "name": pat.name, "statistic": pat.statistic,
                         "low": pat.low, "high": pat.high, "scale": b.scale,
                         "unit": pat.unit, "source": pat.source,
                         "target_used": {"low": _num(b.low), "high": _num(b.high)}})  # fmt: skip
    return {
        "method": "ABC-SMC (population Monte Carlo; experiments.abc_smc)",
        "calibration": cal.model_dump(mode="json"),
        "patterns": patterns,
        "priors": priors,
        "seed": {"root": cal.seed, "per_set": "column seed: the set's runs are "
                 "GVIModel(scenario, rng=SeedSequence(seed, spawn_key=(replicate,)))"},
        "generations": generations_frame(result).to_dict(orient="records"),
        "stop": result.stop,
        "model": model_identity(),
        "versions": {k: v for k, v in package_versions().items() if k != "gvi-sim"},
    }  # fmt: skip


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def calibrate_patterns(
    cal: Calibration,
    folder: Path,
    *,
    executor: Executor | None = None,
    workers: int | None = None,
    progress: bool = False,
    on_generation: Callable[[Generation], None] | None = None,
) -> CalibrationResult:
    """Run (or resume) the ABC-SMC of ``cal`` and write its outputs to ``folder``."""
    from .calibrate import CalibrationResult, write_outputs

    bands = tuple(Band.declared(k) for k in cal.pattern_keys)
    if (folder / "runs" / MANIFEST).exists():
        raise StoreMismatch(Message("problem.store_rejection", folder=folder))
    result = run_smc(cal, folder / "runs", executor=executor, workers=workers,
                     progress=progress, on_generation=on_generation)  # fmt: skip
    if not len(result.population):
        # e.g. [time] runs too short for the patterns: a problem of the file, one line.
        # Its runs are of no use (the same file makes them again): nothing is left.
        shutil.rmtree(folder / "runs", ignore_errors=True)
        why = Message("problem.smc_none_accepted", file=cal._file, population=cal.population)
        raise ValueError(why)
    seeds = [set_seed(cal.seed, int(g), int(p)) for g, p in
             zip(result.population["generation"], result.population["point"], strict=True)]  # fmt: skip
    out = CalibrationResult(cal, result.proposals, result.population.copy())
    out.summary = summarise(cal, result, bands)
    write_outputs(out, folder)
    write_csv(generations_frame(result), folder / "generations.csv")
    sets = result.population[["weight", *result.box.names]].copy()
    sets.insert(0, "seed", np.array(seeds, dtype=np.int64))
    sets.insert(0, "set", np.arange(len(sets), dtype=np.int64))
    ensemble.write(folder / "ensemble", sets, provenance(cal, result, bands))
    return out
