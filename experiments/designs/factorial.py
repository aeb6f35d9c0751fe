"""``factorial``: every combination of the levels (a parameter given only bounds gets
``method.levels`` evenly spaced levels)."""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ..design import Factor, Study


def levels(f: Factor, count: int) -> tuple[Any, ...]:
    """The levels of one factor: its own, both values of a switch, or ``count`` evenly
    spaced values within its bounds (integers rounded, repeats dropped)."""
    if f.levels is not None:
        return tuple(f.levels)
    if f.kind == "bool":
        return (False, True)
    assert f.bounds is not None
    grid = np.linspace(f.bounds[0], f.bounds[1], count)
    if f.kind == "int":
        return tuple(dict.fromkeys(int(round(v)) for v in grid))
    return tuple(float(v) for v in grid)


def points(study: Study) -> int:
    return math.prod(len(levels(f, study.method.levels)) for f in study.factors)


def table(study: Study) -> pd.DataFrame:
    grids = [levels(f, study.method.levels) for f in study.factors]
    rows = list(itertools.product(*grids))
    return pd.DataFrame(rows, columns=[f.name for f in study.factors])
