"""``sobol``: Saltelli's extension of a scrambled Sobol' sequence, ``n (k + 2)`` points,
or ``n (2k + 2)`` with second-order indices (Saltelli 2002; Saltelli et al. 2010)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from SALib.sample import sobol as sobol_sampler

if TYPE_CHECKING:
    from ..design import Study


def points(study: Study) -> int:
    m, k = study.method, len(study.factors)
    return (m.n or 0) * (2 * k + 2 if m.second_order else k + 2)


def sample(study: Study, problem: dict[str, Any], seed: int) -> np.ndarray:
    m = study.method
    return sobol_sampler.sample(problem, m.n, calc_second_order=m.second_order, seed=seed)
