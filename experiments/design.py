"""Designs: the parameter values of every design point, deterministic from the seed.

- ``factorial``: every combination of the levels (a parameter given only bounds gets
  ``method.levels`` evenly spaced levels).
- ``lhs``: a Latin hypercube of ``n`` points (McKay, Beckman & Conover 1979).
- ``sobol``: Saltelli's extension of a scrambled Sobol' sequence, ``n (k + 2)`` points, or
  ``n (2k + 2)`` with second-order indices (Saltelli 2002; Saltelli et al. 2010).
- ``morris``: ``n`` one-at-a-time trajectories on a ``levels``-level grid, ``n (k + 1)``
  points (Morris 1991; Campolongo, Cariboni & Saltelli 2007).
- ``fast``: the eFAST search curves, ``n k`` points (Cukier et al. 1973; Saltelli,
  Tarantola & Chan 1999).

Integer parameters are rounded after sampling (the analysis uses the unrounded
samples, as the sampler's design assumes); switches are factorial only.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from SALib.sample import fast_sampler, latin, morris
from SALib.sample import sobol as sobol_sampler

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .experiment import Experiment, Method

SWEEPS = ("factorial", "lhs")
FAST_M = 4  # interference factor of the FAST search curves (Cukier et al. 1973)


@dataclass(frozen=True)
class Factor:
    """A varied input as designs see it: ``kind`` is float, int (rounded) or bool."""

    name: str
    kind: str = "float"
    bounds: tuple[float, float] | None = None
    levels: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class Study:
    """What design and analysis need: method, factors, output names, replicates, seed."""

    method: Method
    factors: tuple[Factor, ...]
    outputs: tuple[str, ...]
    replicates: int = 1
    seed: int = 1


def as_study(exp: Experiment | Study) -> Study:
    """The :class:`Study` view of an experiment (a Study is returned as is)."""
    return exp if isinstance(exp, Study) else exp.study()


def problem(study: Study) -> dict[str, Any]:
    """The SALib problem dict (``num_vars``, ``names``, ``bounds``) of a study."""
    for f in study.factors:
        if f.bounds is None:
            raise ValueError(f"{f.name}: {study.method.kind} needs bounds, not levels")
    return {
        "num_vars": len(study.factors),
        "names": [f.name for f in study.factors],
        "bounds": [[float(f.bounds[0]), float(f.bounds[1])] for f in study.factors],  # type: ignore[index]
    }


def points_count(study: Study) -> int:
    """The number of design points the method gives for this study."""
    m, k = study.method, len(study.factors)
    n = m.n or 0
    sizes = {
        "lhs": n,
        "sobol": n * (2 * k + 2 if m.second_order else k + 2),
        "morris": n * (k + 1),
        "fast": n * k,
    }
    if m.kind == "factorial":
        return math.prod(len(_levels(f, m.levels)) for f in study.factors)  # exact
    return sizes[m.kind]


def sample(study: Study) -> np.ndarray:
    """The unrounded samples (points × factors) of a sampling design, from the seed."""
    m, prob, seed = study.method, problem(study), _sampler_seed(study.seed)
    if m.kind == "sobol":
        return sobol_sampler.sample(prob, m.n, calc_second_order=m.second_order, seed=seed)
    if m.kind == "morris":
        return morris.sample(prob, m.n, num_levels=m.levels, seed=seed)
    if m.kind == "fast":
        return fast_sampler.sample(prob, m.n, M=FAST_M, seed=seed)
    if m.kind == "lhs":
        return latin.sample(prob, m.n, seed=seed)
    raise ValueError(f"{m.kind} is not a sampling design")


def _sampler_seed(seed: int) -> int:
    """A seed SALib honours: it treats 0 as none, and numpy's legacy seeding wants < 2**32."""
    if seed < 1:
        raise ValueError(f"seed must be >= 1, got {seed}")
    return seed if seed < 2**32 else 1 + seed % (2**32 - 1)


def _levels(f: Factor, count: int) -> tuple[Any, ...]:
    if f.levels is not None:
        return tuple(f.levels)
    if f.kind == "bool":
        return (False, True)
    assert f.bounds is not None
    grid = np.linspace(f.bounds[0], f.bounds[1], count)
    if f.kind == "int":
        return tuple(dict.fromkeys(int(round(v)) for v in grid))
    return tuple(float(v) for v in grid)


def _factorial(study: Study) -> pd.DataFrame:
    grids = [_levels(f, study.method.levels) for f in study.factors]
    rows = list(itertools.product(*grids))
    return pd.DataFrame(rows, columns=[f.name for f in study.factors])


def _frame(study: Study, x: np.ndarray) -> pd.DataFrame:
    cols: dict[str, Any] = {}
    for j, f in enumerate(study.factors):
        cols[f.name] = x[:, j]
        if f.kind == "int" and f.bounds is not None:  # rounded, and kept within the bounds
            lo, hi = math.ceil(f.bounds[0]), math.floor(f.bounds[1])
            cols[f.name] = np.clip(np.rint(x[:, j]), lo, hi).astype(np.int64)
    return pd.DataFrame(cols)


def design(exp: Experiment | Study) -> pd.DataFrame:
    """``design(exp) -> DataFrame``: column ``point`` (0, 1, ...) and one column per
    parameter path, in the order the method needs for its analysis."""
    study = as_study(exp)
    if study.method.kind == "factorial":
        df = _factorial(study)
    else:
        df = _frame(study, sample(study))
    df.insert(0, "point", np.arange(len(df), dtype=np.int64))
    return df


def _native(f: Factor, value: Any) -> Any:
    if f.kind == "bool":
        return bool(value)
    if f.kind == "int":
        return int(value)
    return float(value)


def point_params(exp: Experiment | Study, df: pd.DataFrame) -> list[tuple[int, dict[str, Any]]]:
    """``(point, {path: value})`` for every design row, with plain Python values, e.g.
    to build jobs: ``[Job(p, r, params) for p, params in point_params(exp, df) for r in
    range(exp.replicates)]``."""
    factors: Sequence[Factor] = as_study(exp).factors
    columns = [df[f.name].tolist() for f in factors]
    return [
        (int(point), {f.name: _native(f, col[i]) for f, col in zip(factors, columns, strict=True)})
        for i, point in enumerate(df["point"].tolist())
    ]
