"""Designs: the parameter values of every design point, deterministic from the seed.

Each method is a module of :mod:`experiments.designs` — ``factorial``, ``lhs``,
``sobol``, ``morris``, ``fast`` — with its sources; this module dispatches on
``method.kind`` and turns samples into the design table.

Integer parameters are rounded after sampling (the analysis uses the unrounded
samples, as the sampler's design assumes); switches are factorial only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .designs import factorial, fast, lhs, morris, sobol

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .experiment import Experiment, Method

SWEEPS = ("factorial", "lhs")
SAMPLERS = {"lhs": lhs, "sobol": sobol, "morris": morris, "fast": fast}
METHODS = {"factorial": factorial, **SAMPLERS}
FAST_M = fast.M


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
    return METHODS[study.method.kind].points(study)


def sample(study: Study) -> np.ndarray:
    """The unrounded samples (points × factors) of a sampling design, from the seed."""
    kind = study.method.kind
    if kind not in SAMPLERS:
        raise ValueError(f"{kind} is not a sampling design")
    return SAMPLERS[kind].sample(study, problem(study), _sampler_seed(study.seed))


def _sampler_seed(seed: int) -> int:
    """A seed SALib honours: it treats 0 as none, and numpy's legacy seeding wants < 2**32."""
    if seed < 1:
        raise ValueError(f"seed must be >= 1, got {seed}")
    return seed if seed < 2**32 else 1 + seed % (2**32 - 1)


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
        df = factorial.table(study)
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
