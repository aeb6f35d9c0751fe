"""``fast``: the eFAST search curves, ``n k`` points (Cukier et al. 1973; Saltelli,
Tarantola & Chan 1999)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from SALib.sample import fast_sampler

if TYPE_CHECKING:
    from ..design import Study

M = 4  # interference factor of the FAST search curves (Cukier et al. 1973)


def points(study: Study) -> int:
    return (study.method.n or 0) * len(study.factors)


def sample(study: Study, problem: dict[str, Any], seed: int) -> np.ndarray:
    return fast_sampler.sample(problem, study.method.n, M=M, seed=seed)
