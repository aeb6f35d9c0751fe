"""``lhs``: a Latin hypercube of ``n`` points (McKay, Beckman & Conover 1979)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from SALib.sample import latin

if TYPE_CHECKING:
    from ..design import Study


def points(study: Study) -> int:
    return study.method.n or 0


def sample(study: Study, problem: dict[str, Any], seed: int) -> np.ndarray:
    return latin.sample(problem, study.method.n, seed=seed)
