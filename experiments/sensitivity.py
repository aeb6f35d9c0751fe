"""Sensitivity indices with the replicate noise beside them.

Each output is averaged over the replicates of a design point; the indices are computed
from these point means with SALib:

- Sobol': first-order ``S1`` (Saltelli et al. 2010 estimator), total ``ST`` (Jansen 1999,
  as recommended by Saltelli et al. 2010), optional second-order ``S2`` (Saltelli 2002),
  with bootstrap confidence half-widths.
- Morris: ``mu``, ``mu_star`` (Campolongo, Cariboni & Saltelli 2007), ``sigma`` (Morris 1991),
  with a bootstrap half-width of ``mu_star``.
- eFAST: ``S1`` and ``ST`` (Cukier et al. 1973; Saltelli, Tarantola & Chan 1999).

A stochastic model's point means still carry replicate noise, which inflates the
indices (every ``ST`` most of all). ``noise`` sets it beside the variance between
point means: the mean within-point variance over the replicates, and the part of it
that differs between points (what common random numbers do not cancel). The noise
floor of each index comes from a null output with the same noise and no parameter
signal: the replicates are split in two halves (one split shared by all points, so
common random numbers carry over) and the half difference, scaled to the noise variance
of a point mean, is analysed exactly like the output. The floor is the median over
splits of the null index plus its confidence half-width (Sobol' and FAST indices scaled
to the output's variance); an index is ``significant`` when its size less its
confidence half-width lies above the floor (``mu`` and ``sigma`` have no interval: the
floor alone). With one replicate the noise cannot be estimated: the floor is NaN and
only the confidence bound is used.

Sweeps (factorial, LHS) give the response table only: the mean and 95 % t interval of
every output at every point.
"""

from __future__ import annotations

import itertools
import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from SALib.analyze import fast as fast_analyzer
from SALib.analyze import morris as morris_analyzer
from SALib.analyze import sobol as sobol_analyzer

from .design import FAST_M, SWEEPS, Study, as_study, design, problem, sample
from .effects import mean_ci
from .output import write_csv

if TYPE_CHECKING:
    from .experiment import Experiment

NUM_RESAMPLES = 200
NULL_RESAMPLES = 50
MAX_SPLITS = 12
INDEX_NAMES = {"sobol": ("S1", "ST"), "fast": ("S1", "ST"), "morris": ("mu", "mu_star", "sigma")}
_SCALED = ("S1", "ST")  # variance-based: a null index is rescaled to the output's variance


@dataclass
class SensitivityResult:
    """Tidy results. ``response``: point, parameters, output, mean, sd, replicates,
    ci_low, ci_high. ``indices``: output, parameter, index, value, conf, noise_floor,
    significant. ``second_order``: output, parameter, other, value, conf. ``noise``:
    output, replicates, within_var, noise_var, point_noise_var, between_var, noise_share
    (see :func:`noise_summary`)."""

    method: str
    parameters: list[str]
    outputs: list[str]
    response: pd.DataFrame
    indices: pd.DataFrame
    second_order: pd.DataFrame
    noise: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def table(self, output: str) -> pd.DataFrame:
        """One output's indices, one row per parameter, e.g. columns S1, S1_conf, ..."""
        rows = self.indices[self.indices["output"] == output]
        wide = rows.pivot(index="parameter", columns="index", values=["value", "conf"])
        wide.columns = [i if v == "value" else f"{i}_conf" for v, i in wide.columns]
        return wide.dropna(axis=1, how="all").reindex(self.parameters)

    def save(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Write response.csv, indices.csv, second_order.csv and noise.csv."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        frames = {
            "response": self.response,
            "indices": self.indices,
            "second_order": self.second_order,
            "noise": self.noise,
        }
        paths = []
        for name, frame in frames.items():
            write_csv(frame, out / f"{name}.csv")
            paths.append(out / f"{name}.csv")
        return paths


def replicate_matrix(results: pd.DataFrame, output: str, points: int) -> np.ndarray:
    """Points × replicates values of one output (NaN where a replicate is missing)."""
    if results.duplicated(["point", "replicate"]).any():
        raise ValueError("the results hold a (point, replicate) twice")
    wide = results.pivot(index="point", columns="replicate", values=output)
    missing = sorted(set(range(points)) - set(wide.index.astype(int)))
    if missing:
        head = ", ".join(str(p) for p in missing[:5])
        raise ValueError(f"{len(missing)} design points have no results (e.g. point {head})")
    return wide.reindex(range(points)).to_numpy(dtype=float)


def _response(df: pd.DataFrame, names: list[str], y: np.ndarray, output: str) -> pd.DataFrame:
    kept = [row[~np.isnan(row)] for row in y]
    stats = [mean_ci(v) for v in kept]
    frame = df[["point", *names]].copy()
    frame["output"] = output
    frame["mean"] = [s[0] for s in stats]
    frame["sd"] = [float(np.std(v, ddof=1)) if len(v) > 1 else math.nan for v in kept]
    frame["replicates"] = [len(v) for v in kept]
    frame["ci_low"] = [s[1] for s in stats]
    frame["ci_high"] = [s[2] for s in stats]
    return frame


def noise_summary(y: np.ndarray, output: str, seed: int) -> dict[str, float | str]:
    """Replicate noise of one output beside the variance between point means.

    ``noise_var`` is the mean within-point variance over the replicates per point (the
    noise variance of a point mean); ``point_noise_var`` is the part of it that differs
    between points, i.e. that common random numbers do not cancel: the variance across
    points of the null output (mean over splits). ``noise_share`` = ``point_noise_var /
    between_var``.
    """
    reps = float(np.mean(np.sum(~np.isnan(y), axis=1)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        within = float(np.nanmean(np.nanvar(y, axis=1, ddof=1))) if reps > 1 else math.nan
        between = float(np.var(np.nanmean(y, axis=1), ddof=1))
    point_noise = math.nan
    if y.shape[1] > 1:
        point_noise = float(
            np.mean([np.var(null_output(y, h), ddof=1) for h in _splits(y.shape[1], seed)])
        )
    return {
        "output": output,
        "replicates": reps,
        "within_var": within,
        "noise_var": within / reps if reps > 1 else math.nan,
        "point_noise_var": point_noise,
        "between_var": between,
        "noise_share": point_noise / between if between > 0 else math.nan,
    }


def _salib(study: Study, x: np.ndarray, y: np.ndarray, resamples: int) -> dict[str, np.ndarray]:
    """SALib's analysis for the study's method: arrays per index name (and ``*_conf``)."""
    m, prob, seed = study.method, problem(study), study.seed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constant outputs, FAST's bootstrap caveat
        if m.kind == "sobol":
            res = sobol_analyzer.analyze(
                prob, y, calc_second_order=m.second_order, num_resamples=resamples, seed=seed
            )
        elif m.kind == "morris":
            res = morris_analyzer.analyze(
                prob, x, y, num_resamples=resamples, num_levels=m.levels, seed=seed
            )
        else:
            res = fast_analyzer.analyze(prob, y, M=FAST_M, num_resamples=resamples, seed=seed)
    return {k: np.asarray(v, dtype=float) for k, v in res.items() if k != "names"}


def _variance_scale(study: Study, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Per factor: variance of the null over the variance the estimator normalises by."""
    k, m = len(study.factors), study.method
    if m.kind == "sobol":
        step = 2 * k + 2 if m.second_order else k + 2
        ends = np.r_[np.arange(0, len(y), step), np.arange(step - 1, len(y), step)]
        vy, vz = np.var(y[ends]), np.var(z[ends])
        return np.full(k, vz / vy if vy > 0 else math.nan)
    blocks = np.arange(len(y)).reshape(k, -1)  # FAST: one search curve per factor
    vy, vz = np.var(y[blocks], axis=1), np.var(z[blocks], axis=1)
    return np.divide(vz, vy, out=np.full(k, math.nan), where=vy > 0)


def _splits(replicates: int, seed: int) -> list[np.ndarray]:
    """Halves of the replicates (each split once, not also its mirror image)."""
    half = replicates // 2
    combos = [np.array(c) for c in itertools.combinations(range(replicates), half)]
    if replicates % 2 == 0:
        combos = [c for c in combos if 0 in c]
    if len(combos) > MAX_SPLITS:
        rng = np.random.default_rng(seed)
        combos = [combos[i] for i in sorted(rng.choice(len(combos), MAX_SPLITS, replace=False))]
    return combos


def null_output(y: np.ndarray, half: np.ndarray) -> np.ndarray:
    """The scaled half difference: replicate noise of a point mean, no parameter signal."""
    r = y.shape[1]
    other = np.setdiff1d(np.arange(r), half)
    a, b = len(half), len(other)
    scale = math.sqrt((1.0 / r) / (1.0 / a + 1.0 / b))
    return scale * (np.nanmean(y[:, half], axis=1) - np.nanmean(y[:, other], axis=1))


def noise_floor(study: Study, x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """Per index name: the median over replicate splits of the null index plus its
    confidence half-width (NaN with fewer than 2 replicates)."""
    names, k = INDEX_NAMES[study.method.kind], len(study.factors)
    if y.shape[1] < 2:
        return {n: np.full(k, math.nan) for n in names}
    mean = np.nanmean(y, axis=1)
    found: dict[str, list[np.ndarray]] = {n: [] for n in names}
    for half in _splits(y.shape[1], study.seed):
        z = null_output(y, half)
        res = _salib(study, x, z, NULL_RESAMPLES)
        scale = _variance_scale(study, mean, z) if study.method.kind != "morris" else 1.0
        for n in names:
            conf = res.get(f"{n}_conf", np.zeros(k))
            scaled = scale if n in _SCALED else 1.0
            found[n].append((np.abs(res[n]) + np.nan_to_num(conf)) * scaled)
    return {n: np.median(np.vstack(v), axis=0) for n, v in found.items()}


def _index_rows(
    study: Study, output: str, res: dict[str, np.ndarray], floor: dict[str, np.ndarray]
) -> list[dict[str, object]]:
    rows = []
    for n in INDEX_NAMES[study.method.kind]:
        conf = res.get(f"{n}_conf", np.full(len(study.factors), math.nan))
        for j, f in enumerate(study.factors):
            value, c, fl = float(res[n][j]), float(conf[j]), float(floor[n][j])
            lower = abs(value) - (0.0 if math.isnan(c) else c)
            rows.append(
                {
                    "output": output,
                    "parameter": f.name,
                    "index": n,
                    "value": value,
                    "conf": c,
                    "noise_floor": fl,
                    "significant": bool(lower > (0.0 if math.isnan(fl) else fl)),
                }
            )
    return rows


def _second_order_rows(study: Study, output: str, res: dict[str, np.ndarray]) -> list[dict]:
    if "S2" not in res:
        return []
    names = [f.name for f in study.factors]
    return [
        {
            "output": output,
            "parameter": names[i],
            "other": names[j],
            "value": float(res["S2"][i, j]),
            "conf": float(res["S2_conf"][i, j]),
        }
        for i, j in itertools.combinations(range(len(names)), 2)
    ]


def _check_design(study: Study, design_df: pd.DataFrame) -> None:
    expected = design(study)
    names = ["point", *(f.name for f in study.factors)]
    missing = [n for n in names if n not in design_df.columns]
    if missing:
        raise ValueError(f"the design has no column {missing[0]!r}")
    same = len(expected) == len(design_df) and np.allclose(
        expected[names].to_numpy(dtype=float), design_df[names].to_numpy(dtype=float)
    )
    if not same:
        raise ValueError("the design does not match this experiment (method, seed or parameters)")


def analyse(
    exp: Experiment | Study,
    design_df: pd.DataFrame,
    results_df: pd.DataFrame,
    *,
    num_resamples: int = NUM_RESAMPLES,
) -> SensitivityResult:
    """``analyse(exp, design_df, results_df) -> SensitivityResult``.

    ``results_df`` has columns point, replicate and one per output; its point means are
    analysed with the method of ``exp`` (a :class:`~experiments.experiment.Study` works
    too), and the noise floor is estimated from its replicates.
    """
    study = as_study(exp)
    _check_design(study, design_df)
    names = [f.name for f in study.factors]
    kind = study.method.kind
    x = None if kind in SWEEPS else sample(study)
    responses, index_rows, s2_rows, noise_rows, notes = [], [], [], [], []
    for output in study.outputs:
        y = replicate_matrix(results_df, output, len(design_df))
        responses.append(_response(design_df, names, y, output))
        noise_rows.append(noise_summary(y, output, study.seed))
        if x is None:
            continue
        mean = np.nanmean(y, axis=1)
        if np.isnan(mean).any():
            notes.append(f"{output}: NaN at {int(np.isnan(mean).sum())} points; no indices")
            continue
        res = _salib(study, x, mean, num_resamples)
        index_rows += _index_rows(study, output, res, noise_floor(study, x, y))
        s2_rows += _second_order_rows(study, output, res)
    if study.replicates < 2 and x is not None:
        notes.append("one replicate per point: replicate noise not estimated (no floor)")
    return SensitivityResult(
        method=kind,
        parameters=names,
        outputs=list(study.outputs),
        response=pd.concat(responses, ignore_index=True),
        indices=pd.DataFrame(index_rows, columns=_INDEX_COLUMNS),
        second_order=pd.DataFrame(s2_rows, columns=_S2_COLUMNS),
        noise=pd.DataFrame(noise_rows),
        notes=notes,
    )


_INDEX_COLUMNS = ["output", "parameter", "index", "value", "conf", "noise_floor", "significant"]
_S2_COLUMNS = ["output", "parameter", "other", "value", "conf"]
