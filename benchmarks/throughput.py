"""Experiment throughput: runs per second of `experiments/sobol_gvi.toml` on 1 and 2
local worker processes and on a 2-worker Dask LocalCluster.

The same first jobs of the Sobol design run through the full pipeline (batches, result
store) into a fresh temporary folder each time, after a two-job warm-up on the same
executor (so worker start-up and imports are not counted: steady-state throughput);
the variants alternate, and the figure quoted is the median over repeats. Targets: 2 workers at least 1.7x the runs per second
of 1; Dask at least 90 % of the 2-process pool.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from experiments.design import design
from experiments.evaluate import ModelEvaluator
from experiments.executors import make_executor
from experiments.experiment import load_experiment
from experiments.pipeline import run_jobs
from experiments.store import ResultStore
from experiments.study import jobs_for

SOBOL = Path(__file__).resolve().parent.parent / "experiments" / "sobol_gvi.toml"


def _rate(jobs: list, evaluator: ModelEvaluator, identity: dict, **where: Any) -> float:
    executor, close = make_executor(**where)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            # warm-up: every variant's workers import the model and run a first job
            # before the clock starts, so the figure is steady-state throughput
            warm = ResultStore(Path(tmp) / "warm", identity=identity)
            run_jobs(jobs[-2:], evaluator, store=warm, executor=executor, progress=False)
            store = ResultStore(Path(tmp) / "store", identity=identity)
            start = time.perf_counter()
            run_jobs(jobs, evaluator, store=store, executor=executor, progress=False)
            return len(jobs) / (time.perf_counter() - start)
    finally:
        close()


def run_throughput(n_jobs: int = 120, repeats: int = 3) -> dict[str, Any]:
    """Runs per second on each executor (medians), and the two ratios."""
    exp = load_experiment(SOBOL)
    jobs = jobs_for(exp, design(exp))[:n_jobs]
    evaluator = ModelEvaluator(exp)
    identity = exp.identity()
    variants: dict[str, dict[str, Any]] = {
        "1 process": {"workers": 1},
        "2 processes": {"workers": 2},
        "Dask LocalCluster, 2 workers": {"dask_local": 2},
    }
    rates: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, where in variants.items():
            try:
                rates[name].append(_rate(jobs, evaluator, identity, **where))
            except ImportError:
                rates[name].append(float("nan"))
    med = {name: statistics.median(v) for name, v in rates.items()}
    return {
        "jobs": n_jobs,
        "repeats": repeats,
        "runs_per_second": med,
        "speedup_2_vs_1": med["2 processes"] / med["1 process"],
        "dask_vs_pool": med["Dask LocalCluster, 2 workers"] / med["2 processes"],
    }


def report(result: dict[str, Any]) -> str:
    lines = [
        f"\nexperiment throughput ({result['jobs']} runs of sobol_gvi, "
        f"median of {result['repeats']})"
    ]
    for name, rate in result["runs_per_second"].items():
        lines.append(f"  {name:<30} {rate:6.2f} runs/s")
    s, d = result["speedup_2_vs_1"], result["dask_vs_pool"]
    lines.append(
        f"  2 vs 1 process speedup        {s:6.2f}   target >= 1.7  "
        f"{'PASS' if s >= 1.7 else 'MISS'}"
    )
    lines.append(
        f"  Dask / process pool           {d:6.2f}   target >= 0.9  "
        f"{'PASS' if d >= 0.9 else 'MISS'}"
    )
    return "\n".join(lines)
