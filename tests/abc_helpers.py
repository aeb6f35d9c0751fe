"""A toy problem with a known posterior for the ABC-SMC tests: the mean ``mu`` of
``N_OBS`` draws from N(mu, 1), observed mean ``OBSERVED``, uniform prior on [-5, 5]. The
sample mean is sufficient, so as the tolerance shrinks the ABC posterior tends to the
exact one, N(OBSERVED, 1 / N_OBS) (the prior's truncation is negligible)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from experiments.abc_smc import SIMULATION_STREAM, Box
from experiments.pipeline import Job

N_OBS = 10
OBSERVED = 1.0
BOX = Box(("mu",), (-5.0,), (5.0,))


@dataclass(frozen=True)
class ToyEvaluator:
    """One proposal: the mean of ``N_OBS`` draws from N(mu, 1), from the proposal's own
    seed."""

    entropy: int
    generation: int

    def __call__(self, job: Job) -> dict[str, float]:
        seed = np.random.SeedSequence(
            self.entropy, spawn_key=(SIMULATION_STREAM, self.generation, job.point)
        )
        draws = np.random.default_rng(seed).normal(job.params["mu"], 1.0, N_OBS)
        return {"mean": float(draws.mean())}


def toy_distance(frame) -> np.ndarray:
    return np.abs(frame["mean"].to_numpy() - OBSERVED)
