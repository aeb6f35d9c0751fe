"""Cheap evaluators and job lists for the store, pipeline and Dask tests.

Importable from worker processes (forked, spawned or Dask's) as ``pipeline_helpers``
when the tests folder is on the path.
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from experiments.pipeline import Job

IDENTITY = {"experiment": "ishigami-test", "root_seed": 12345, "design": "abc123"}


def make_jobs(points: int, replicates: int) -> list[Job]:
    """Ishigami inputs on [-pi, pi]^3, plus an int and a bool parameter."""
    rng = np.random.default_rng(2024)
    x = rng.uniform(-math.pi, math.pi, size=(points, 3))
    return [
        Job(
            point=p,
            replicate=r,
            params={
                "a.x1": float(x[p, 0]),
                "a.x2": float(x[p, 1]),
                "b.x3": float(x[p, 2]),
                "c.n": p % 5,
                "c.flag": bool(p % 2),
            },
        )
        for p in range(points)
        for r in range(replicates)
    ]


@dataclass(frozen=True)
class Ishigami:
    """The Ishigami function plus tiny noise fixed by (point, replicate)."""

    sleep: float = 0.0

    def __call__(self, job: Job) -> dict[str, float]:
        if self.sleep:
            time.sleep(self.sleep)
        x1, x2, x3 = job.params["a.x1"], job.params["a.x2"], job.params["b.x3"]
        noise = np.random.default_rng([job.point, job.replicate, 12345]).normal(size=2)
        y = math.sin(x1) + 7 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1)
        return {
            "y": y + 0.01 * noise[0],
            "z": x1 * x2 + job.params["c.n"] + (1.0 if job.params["c.flag"] else 0.0),
            "noise": float(noise[1]),
        }


@dataclass(frozen=True)
class FailOnce:
    """Raises (or kills its process) the first time each key in ``keys`` is seen,
    remembered through marker files in ``marks`` so that it works across processes."""

    marks: str
    keys: tuple[str, ...]
    kill: bool = False

    def __call__(self, job: Job) -> dict[str, float]:
        mark = Path(self.marks) / job.key
        if job.key in self.keys and not mark.exists():
            mark.touch()
            if self.kill:
                os._exit(3)
            raise RuntimeError(f"transient failure at {job.key}")
        return Ishigami()(job)


@dataclass(frozen=True)
class AlwaysFail:
    key: str

    def __call__(self, job: Job) -> dict[str, float]:
        if job.key == self.key:
            raise ValueError(f"bad job {job.key}")
        return Ishigami()(job)


def run_cli(folder: str, points: int, replicates: int, sleep: float, workers: int) -> None:
    """Entry point of the kill-and-resume test's child process."""
    from experiments.pipeline import run_jobs
    from experiments.store import ResultStore

    store = ResultStore(Path(folder), identity=IDENTITY)
    jobs = make_jobs(points, replicates)
    run_jobs(jobs, Ishigami(sleep), store=store, workers=workers, batch_size=2, progress=False)
    print("finished", file=sys.stderr)
