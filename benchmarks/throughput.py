"""Experiment throughput of `experiments/sobol_gvi.toml`: runs per second on 1 and 2
local worker processes and on a 2-worker Dask LocalCluster, and the whole study.

The same first 240 jobs of the Sobol design run through the full pipeline (batches,
result store) into a fresh temporary folder each time, with the process's caches
emptied first and after a two-job warm-up on the same executor (so worker start-up and
imports are not counted: steady-state throughput; with 60 jobs the first and last
batches weighed so much that 2 processes made only 1.66x the runs of 1);
the variants alternate, and the figure quoted is the median over repeats. Targets
(issue 14): 2 workers at least 1.8x the runs per second of 1; Dask at least 90 % of the
2-process pool.

:func:`run_study_timed` (opt-in, ``python -m benchmarks.bench --sobol``) times the whole
study as a user runs it, ``gvi sensitivity experiments/sobol_gvi.toml --out <tmp>
--workers 2``, as one process (start-up, every run, analysis). Target: at most 5
minutes. Given a time limit it stops the study there and extrapolates from the runs
finished (marked as such).
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from experiments.design import design
from experiments.evaluate import ModelEvaluator, clear_process_caches
from experiments.executors import make_executor
from experiments.experiment import load_experiment
from experiments.pipeline import run_jobs
from experiments.store import ResultStore
from experiments.study import jobs_for

from .common import ROOT, spread
from .startup import gvi_command

SOBOL = ROOT / "experiments" / "sobol_gvi.toml"
SPEEDUP_TARGET = 1.8  # 2 processes / 1 process, runs per second
DASK_TARGET = 0.9  # Dask LocalCluster / process pool
STUDY_TARGET_S = 300.0  # the whole Sobol study on 2 workers


def _rate(jobs: list, evaluator: ModelEvaluator, identity: dict, **where: Any) -> float:
    # every variant starts cold: a process pool forks this process, and would otherwise
    # inherit the warm-ups and baselines an earlier in-process variant left in its
    # caches (Dask's workers start fresh), which made 2 processes more than twice as
    # fast as 1 and Dask look slower than the pool
    clear_process_caches()
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


def run_throughput(n_jobs: int = 240, repeats: int = 3) -> dict[str, Any]:
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
    pairs = zip(rates["2 processes"], rates["1 process"], strict=True)
    dask = zip(rates["Dask LocalCluster, 2 workers"], rates["2 processes"], strict=True)
    return {
        "jobs": n_jobs,
        "repeats": repeats,
        "runs_per_second": med,
        "rates": rates,
        "speedup_2_vs_1": med["2 processes"] / med["1 process"],
        "dask_vs_pool": med["Dask LocalCluster, 2 workers"] / med["2 processes"],
        # each repeat's own ratio (its variants ran back to back), for the spread
        "speedup_2_vs_1_per_repeat": spread([a / b for a, b in pairs]),
        "dask_vs_pool_per_repeat": spread([a / b for a, b in dask]),
    }


def report(result: dict[str, Any]) -> str:
    lines = [
        f"\nexperiment throughput ({result['jobs']} runs of sobol_gvi, "
        f"median of {result['repeats']})"
    ]
    for name, rate in result["runs_per_second"].items():
        lines.append(f"  {name:<30} {rate:6.2f} runs/s")
    s, d = result["speedup_2_vs_1"], result["dask_vs_pool"]
    for key, label in (("speedup_2_vs_1", "2 / 1 process"), ("dask_vs_pool", "Dask / pool")):
        if f"{key}_per_repeat" in result:
            r = result[f"{key}_per_repeat"]
            lines.append(f"  {label} per repeat: min {r['min']:.2f}, max {r['max']:.2f}")
    lines.append(
        f"  2 vs 1 process speedup        {s:6.2f}   target >= {SPEEDUP_TARGET}  "
        f"{'PASS' if s >= SPEEDUP_TARGET else 'MISS'}"
    )
    lines.append(
        f"  Dask / process pool           {d:6.2f}   target >= {DASK_TARGET}  "
        f"{'PASS' if d >= DASK_TARGET else 'MISS'}"
    )
    return "\n".join(lines)


def _finished_runs(out: Path) -> int:
    """Rows in the store's finished parts (each row is one run)."""
    import pyarrow.parquet as pq  # noqa: PLC0415 - only for the opt-in study

    return sum(pq.read_metadata(part).num_rows for part in out.glob("parts/part-*.parquet"))


def run_study_timed(workers: int = 2, limit_s: float | None = None) -> dict[str, Any]:
    """Wall time of ``gvi sensitivity`` on the shipped Sobol study, as one process.

    With ``limit_s`` the study (its process group) is stopped after that many seconds and
    the whole study's time is extrapolated from the runs finished by then.
    """
    exp = load_experiment(SOBOL)
    total = len(jobs_for(exp, design(exp)))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "study"
        args = [*gvi_command(), "sensitivity", str(SOBOL), "--out", str(out)]
        start = time.perf_counter()
        proc = subprocess.Popen(
            [*args, "--workers", str(workers)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: a time limit stops the workers
        )
        try:
            _, err = proc.communicate(timeout=limit_s)
            stopped = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                _, err = proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                _, err = proc.communicate()
            stopped = True
        elapsed = time.perf_counter() - start
        done = _finished_runs(out)
    if not stopped and proc.returncode != 0:
        raise RuntimeError(f"gvi sensitivity failed ({proc.returncode}): {err.decode().strip()}")
    return {
        "workers": workers,
        "runs": total,
        "finished": done,
        "stopped_at_limit": stopped,
        "wall_s": elapsed,
        "whole_study_s": elapsed * total / done if stopped and done else elapsed,
    }


def study_report(result: dict[str, Any]) -> str:
    text = (
        f"\nwhole Sobol study, gvi sensitivity --workers {result['workers']}: {result['runs']} runs"
    )
    if result["stopped_at_limit"]:
        return text + (
            f"; stopped at the time limit after {result['wall_s']:.0f} s with "
            f"{result['finished']} runs finished: whole study about "
            f"{result['whole_study_s'] / 60:.1f} min (extrapolated)"
        )
    return text + f" in {result['wall_s'] / 60:.1f} min"
