"""``morris``: ``n`` one-at-a-time trajectories on a ``levels``-level grid, ``n (k + 1)``
points (Morris 1991; Campolongo, Cariboni & Saltelli 2007)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from SALib.sample import morris

if TYPE_CHECKING:
    from ..design import Study


def points(study: Study) -> int:
    return (study.method.n or 0) * (len(study.factors) + 1)


def sample(study: Study, problem: dict[str, Any], seed: int) -> np.ndarray:
    m = study.method
    return morris.sample(problem, m.n, num_levels=m.levels, seed=seed)
