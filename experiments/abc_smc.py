"""ABC-SMC (population Monte Carlo) on the experiment engine.

    >>> result = abc_smc(box, settings, evaluator=make, distance=dist, folder=out)  # doctest: +SKIP
    >>> result.population  # the last generation: parameters, weight, distance, outputs

Generation 0 draws from the uniform prior box; generation ``t >= 1`` keeps the tolerance
``epsilon_t``, the weighted ``quantile`` of generation ``t - 1``'s distances, and
proposes particles by picking an ancestor of generation ``t - 1`` by weight and moving
it by a Gaussian kernel, coordinate by coordinate, with twice the population's weighted
variance; a coordinate that leaves the prior box is redrawn (each ancestor's kernel is
truncated to the box, and its normalising constant enters the weights; redrawing the
whole move instead almost never lands inside the box with twenty parameters). A proposal is
accepted when its distance is at most ``epsilon_t``; the accepted particles get the
importance weight ``prior / sum_j w_j K(theta | theta_j)`` (Beaumont, Cornuet, Marin &
Robert 2009, doi:10.1093/biomet/asp052; Toni, Welch, Strelkowa, Ipsen & Stumpf 2009,
doi:10.1098/rsif.2008.0172; adaptive tolerance as in Drovandi & Pettitt 2011,
doi:10.1111/j.1541-0420.2010.01410.x). The run stops after ``generations``, when the
tolerance reaches ``min_epsilon``, or when a generation's acceptance falls below
``min_acceptance`` (that generation is then dropped).

**Reproducible whatever the workers.** Proposals come in fixed batches of ``batch``
(default: the population size): proposal ``i`` of generation ``t`` is drawn from its
own stream ``SeedSequence(entropy, spawn_key=(1, t, i))`` and the evaluator seeds its
runs from ``(2, t, i)``. A generation evaluates whole batches until ``population``
proposals are accepted and keeps the first ``population`` in proposal order, so which
particles exist depends on results only, never on timing. Every batch runs through
:func:`experiments.pipeline.run_jobs` into one :class:`~experiments.store.ResultStore`
per generation (``folder/gen-NN``): rerunning after a kill recomputes the proposals,
skips what is stored and finishes the rest with the same result.

**Why not pyabc** (0.13, measured on this project's machines): with the same seed its
multi-process samplers gave a different posterior on every run (posterior means 0.829
with one worker; 1.024, 1.048 and 0.915 in three runs with two; its workers reseed from
the operating system, ``np.random.seed()``, and accept particles in order of arrival),
so "same seed, same results, whatever the number of workers" cannot hold; its
simulations run inside its own samplers and SQLite history, not through the project's
result store and executors (resume only at generation boundaries, no Dask executor of
ours); ``import pyabc`` took 6.6-10.3 s and it adds scikit-learn, SQLAlchemy, GitPython,
redis and ipykernel. The algorithm is small; it lives here.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .pipeline import Evaluator, Job, run_jobs
from .store import ResultStore

PROPOSAL_STREAM = 1  # spawn_key (1, generation, index): the proposal's draws
SIMULATION_STREAM = 2  # spawn_key (2, generation, index): the evaluator's runs
MAX_REDRAWS = 10_000  # moves per proposal before a kernel that never lands is an error


@dataclass(frozen=True)
class Box:
    """Uniform priors: parameter names and their ``low``/``high`` bounds."""

    names: tuple[str, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]

    def __post_init__(self) -> None:
        if not (len(self.names) == len(self.low) == len(self.high)) or not self.names:
            raise ValueError("a prior box needs one low and one high bound per name")
        for n, lo, hi in zip(self.names, self.low, self.high, strict=True):
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
                raise ValueError(f"prior of {n}: need finite low < high, got [{lo}, {hi}]")

    def to_unit(self, x: np.ndarray) -> np.ndarray:
        lo, hi = np.array(self.low), np.array(self.high)
        return (x - lo) / (hi - lo)

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        lo, hi = np.array(self.low), np.array(self.high)
        return lo + u * (hi - lo)


@dataclass(frozen=True)
class Settings:
    """How the sampler runs (see the module docstring)."""

    population: int
    generations: int
    seed: int
    quantile: float = 0.5
    min_acceptance: float = 0.02
    min_epsilon: float = 0.0
    batch: int | None = None

    def __post_init__(self) -> None:
        if self.population < 2 or self.generations < 1:
            raise ValueError("population must be >= 2 and generations >= 1")
        if not 0 < self.quantile < 1 or not 0 < self.min_acceptance <= 1:
            raise ValueError("quantile must lie in (0, 1) and min_acceptance in (0, 1]")

    @property
    def batch_size(self) -> int:
        return self.batch or self.population

    @property
    def max_batches(self) -> int:
        """Batches a generation may use before its acceptance counts as too low."""
        return max(1, math.ceil(self.population / self.min_acceptance / self.batch_size))


@dataclass
class Generation:
    """One generation's figures: tolerance, proposals, acceptance, effective size."""

    generation: int
    epsilon: float
    proposals: int
    accepted: int
    ess: float

    @property
    def acceptance(self) -> float:
        return self.accepted / self.proposals if self.proposals else math.nan


@dataclass
class SMCResult:
    """Every generation's figures, every proposal (``generation, point, <names>,
    distance, accepted, <outputs>``) and the last population (with ``weight``)."""

    generations: list[Generation]
    proposals: pd.DataFrame
    population: pd.DataFrame
    stop: str
    box: Box
    settings: Settings
    extra: dict[str, Any] = field(default_factory=dict)

    def interval(self, name: str, level: float = 0.9) -> tuple[float, float]:
        """The central weighted posterior interval of parameter ``name``."""
        q = (1 - level) / 2
        x, w = self.population[name].to_numpy(), self.population["weight"].to_numpy()
        return weighted_quantile(x, w, q), weighted_quantile(x, w, 1 - q)


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The smallest ``x`` whose weighted share at or below it reaches ``q``."""
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order]) / np.sum(w)
    at = min(int(np.searchsorted(cum, q)), len(x) - 1)
    return float(x[order][at])


def kernel_sd(unit: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Per coordinate, the kernel's standard deviation: the square root of twice the
    population's weighted variance (unit coordinates; Beaumont et al. 2009)."""
    mean = w @ unit / np.sum(w)
    var = 2.0 * (w @ (unit - mean) ** 2) / np.sum(w)
    return np.sqrt(var) + 1e-9


def _log_inside(centres: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """log P(a move from each centre stays in the unit box), per centre."""
    from scipy.special import ndtr

    upper, lower = ndtr((1.0 - centres) / sd), ndtr(-centres / sd)
    return np.sum(np.log(np.maximum(upper - lower, 1e-300)), axis=1)


def propose(
    box: Box, prev: tuple[np.ndarray, np.ndarray] | None, entropy: int, generation: int,
    points: Sequence[int],
) -> np.ndarray:  # fmt: skip
    """Proposals ``points`` of ``generation`` (rows, natural units): prior draws when
    ``prev`` (unit coordinates, weights) is None, else moves of an ancestor picked by
    weight, by a Gaussian truncated to the box coordinate by coordinate (a move that
    leaves ``[0, 1]`` in one coordinate redraws that coordinate). A kernel that must land
    inside the box in every coordinate at once almost never does in many dimensions."""
    k = len(box.names)
    out = np.empty((len(points), k))
    if prev is not None:
        unit, w = prev
        sd = kernel_sd(unit, w)
        p = w / w.sum()
    for row, i in enumerate(points):
        rng = np.random.default_rng(
            np.random.SeedSequence(entropy, spawn_key=(PROPOSAL_STREAM, generation, i))
        )
        if prev is None:
            out[row] = rng.uniform(0.0, 1.0, k)
            continue
        centre = unit[rng.choice(len(unit), p=p)]
        for d in range(k):
            for _ in range(MAX_REDRAWS):
                u = centre[d] + sd[d] * rng.standard_normal()
                if 0.0 <= u <= 1.0:
                    out[row, d] = u
                    break
            else:
                raise RuntimeError(f"generation {generation}: no move stayed in the prior box")
    return box.from_unit(out)


def importance_weights(
    unit: np.ndarray, prev_unit: np.ndarray, prev_w: np.ndarray, sd: np.ndarray
) -> np.ndarray:
    """``1 / sum_j w_j K(u | u_j)`` with ``K`` the coordinate-wise truncated Gaussian of
    :func:`propose` (its normalising constant depends on the ancestor ``u_j``; the
    uniform prior's density is constant inside the box), normalised to sum 1; computed
    in logarithms, as densities in many dimensions underflow."""
    z = (unit[:, None, :] - prev_unit[None, :, :]) / sd
    log_k = -0.5 * np.sum(z**2, axis=2) - _log_inside(prev_unit, sd)[None, :]
    log_mix = log_k + np.log(prev_w / prev_w.sum())[None, :]
    top = log_mix.max(axis=1, keepdims=True)
    log_den = top[:, 0] + np.log(np.exp(log_mix - top).sum(axis=1))
    log_w = -(log_den - log_den.max())
    w = np.exp(log_w)
    return w / w.sum()


def digest(*frames: Any) -> str:
    """A short sha256 of arrays or JSON-able values (a generation's inputs)."""
    h = hashlib.sha256()
    for f in frames:
        if isinstance(f, np.ndarray):
            h.update(np.ascontiguousarray(f, dtype=np.float64).tobytes())
        else:
            h.update(json.dumps(f, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


def abc_smc(
    box: Box,
    settings: Settings,
    *,
    evaluator: Callable[[int], Evaluator],
    distance: Callable[[pd.DataFrame], np.ndarray],
    folder: str | Path,
    identity: dict[str, Any],
    executor: Executor | None = None,
    workers: int | None = None,
    progress: bool = False,
    on_generation: Callable[[Generation], None] | None = None,
) -> SMCResult:
    """Run (or resume) ABC-SMC. ``evaluator(t)`` is the picklable evaluator of generation
    ``t`` (it gets a :class:`~experiments.pipeline.Job` with the proposal's index as
    ``point`` and the parameters by name); ``distance`` maps the stored outputs of a
    batch (one row per point) to distances. Results are stored under ``folder``."""
    entropy, folder = settings.seed, Path(folder)
    names = list(box.names)
    prev: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # unit, weights, distances
    gens: list[Generation] = []
    seen: list[pd.DataFrame] = []
    population = pd.DataFrame()
    stop = "generations"
    for t in range(settings.generations):
        eps = math.inf
        if prev is not None:
            eps = max(weighted_quantile(prev[2], prev[1], settings.quantile), settings.min_epsilon)
        basis = None if prev is None else (prev[0], prev[1])
        ident = {**identity, "generation": t, "epsilon": eps,
                 "previous": None if prev is None else digest(prev[0], prev[1])}  # fmt: skip
        store = ResultStore(folder / f"gen-{t:02d}", identity=ident)
        store.update_manifest(kind="abc-smc generation")
        frames: list[pd.DataFrame] = []
        n_acc = 0
        for b in range(settings.max_batches):
            points = list(range(b * settings.batch_size, (b + 1) * settings.batch_size))
            x = propose(box, basis, entropy, t, points)
            jobs = [Job(p, 0, dict(zip(names, map(float, row), strict=True)))
                    for p, row in zip(points, x, strict=True)]  # fmt: skip
            runs = run_jobs(jobs, evaluator(t), store=store, executor=executor,
                            workers=workers, progress=progress)  # fmt: skip
            out = runs[runs["point"].isin(points)].drop(columns="replicate").reset_index(drop=True)
            frame = pd.DataFrame(x, columns=names)
            frame.insert(0, "point", points)
            frame.insert(0, "generation", t)
            frame = frame.merge(out, on="point", how="left")
            d = np.asarray(distance(frame), dtype=float)
            frame["distance"] = np.where(np.isfinite(d), d, np.inf)
            frame["accepted"] = np.isfinite(frame["distance"]) & (frame["distance"] <= eps)
            frames.append(frame)
            n_acc += int(frame["accepted"].sum())
            if n_acc >= settings.population:
                break
        batch = pd.concat(frames, ignore_index=True)
        seen.append(batch)
        if n_acc < settings.population:
            stop = "acceptance"
            break
        keep = batch[batch["accepted"]].head(settings.population).reset_index(drop=True)
        batch.loc[~batch["point"].isin(keep["point"]), "accepted"] = False
        unit = box.to_unit(keep[names].to_numpy())
        if prev is None:
            w = np.full(len(keep), 1.0 / len(keep))
        else:
            w = importance_weights(unit, prev[0], prev[1], kernel_sd(prev[0], prev[1]))
        keep.insert(2 + len(names), "weight", w)
        population = keep
        gen = Generation(t, eps, len(batch), len(keep), float(1.0 / np.sum(w**2)))
        gens.append(gen)
        if on_generation is not None:
            on_generation(gen)
        prev = (unit, w, keep["distance"].to_numpy())
        if eps <= settings.min_epsilon:
            stop = "min_epsilon"
            break
    proposals = pd.concat(seen, ignore_index=True) if seen else pd.DataFrame()
    return SMCResult(gens, proposals, population, stop, box, settings)


def generations_frame(result: SMCResult) -> pd.DataFrame:
    """One row per finished generation, with its acceptance rate."""
    rows = [{**asdict(g), "acceptance": g.acceptance} for g in result.generations]
    return pd.DataFrame(rows)
