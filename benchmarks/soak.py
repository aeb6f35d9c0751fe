"""Soak: many model runs through one local worker pool, with each worker's memory
sampled, to show that memory stays flat.

    python -m benchmarks.soak                  # 10,000 runs on 2 workers
    python -m benchmarks.soak --runs 2000 --json soak.json

The runs: the ``gvi`` preset (the default city, 32 groups) shortened to a 30-day warm-up,
rollout on day 30 and a 90-day horizon, at the points of a Latin hypercube over
``enforcement.fidelity`` and ``callins.attendees`` with 10 replicates per point (the
same seeds at every point), output: post-rollout shootings. They go through the
project's own path — :func:`experiments.executors.make_executor` (a pool of forked
worker processes), :func:`experiments.pipeline.run_jobs` (batches, result store) and
:class:`experiments.evaluate.ModelEvaluator` — and the pool lives for the whole soak.

Mesa 3.3.1 keeps every model alive through the class-level ``mesa.Agent._ids``
(Mesa issue #3179), about 0.5 MB per run of this scenario; a finished model releases
that reference itself (``GVIModel.close``), which is what keeps a long-lived worker flat.

While the pool runs, a thread reads every worker's ``VmRSS`` and ``VmHWM`` (peak) from
``/proc/<pid>/status`` (psutil elsewhere) and the number of finished runs from the
store. Reported per worker: RSS once 10 % of the runs are done, RSS at the end, the
growth between them (flatness), and the peak; plus runs per second. A worker's RSS rises
by 10-15 MB over its first ~150 runs (the allocator and caches settling) and then stays
flat, so the growth means something from about 2,000 runs on.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCENARIO = """extends = "gvi"
name = "soak_gvi"
[time]
warmup_days = 30
rollout_day = 30
horizon_days = 90
[callins]
first_day = 10
"""

EXPERIMENT = """name = "soak"
description = "memory soak: short runs of the default city"
scenario = "soak_gvi.toml"
replicates = {replicates}
seed = 1
[method]
kind = "lhs"
n = {points}
[[parameters]]
path = "enforcement.fidelity"
[[parameters]]
path = "callins.attendees"
[[outputs]]
name = "shootings"
metric = "shootings"
window = "post"
statistic = "total"
"""

REPLICATES = 10
WHAT = (
    "the gvi preset (default city, 32 groups) with a 30-day warm-up, rollout on day 30 "
    "and a 90-day horizon, at Latin-hypercube points over enforcement.fidelity and "
    "callins.attendees, 10 replicates per point"
)
MB = 1024 * 1024


def memory(pid: int) -> tuple[int, int] | None:
    """``(rss, peak)`` of a process in bytes (peak: ``VmHWM``), or None if it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            found = {}
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    found[key] = int(value.split()[0]) * 1024
        return found["VmRSS"], found.get("VmHWM", found["VmRSS"])
    except FileNotFoundError:
        return None
    except (OSError, KeyError, ValueError):
        try:
            import psutil

            rss = psutil.Process(pid).memory_info().rss
        except Exception:
            return None
        return rss, rss


@dataclass
class Sample:
    seconds: float
    done: int
    rss: dict[int, int]  # worker pid -> bytes
    parent: int  # this process (the pipeline's loop and the store), bytes


@dataclass
class Sampler:
    """Samples the pool's workers and the store's progress in a thread."""

    pool: Any
    parts: Path
    interval: float = 0.25
    samples: list[Sample] = field(default_factory=list)
    peaks: dict[int, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def done(self) -> int:
        """Finished runs, from the part names (``part-<first key>-<rows>.parquet``)."""
        try:
            return sum(int(p.stem.rsplit("-", 1)[1]) for p in self.parts.glob("part-*.parquet"))
        except (OSError, ValueError):
            return self.samples[-1].done if self.samples else 0

    def sample(self, start: float) -> None:
        rss = {}
        for pid in list(getattr(self.pool, "_processes", None) or {}):
            found = memory(pid)
            if found is not None:
                rss[pid] = found[0]
                self.peaks[pid] = max(self.peaks.get(pid, 0), found[1], found[0])
        parent = memory(os.getpid())
        done = self.done()
        self.samples.append(
            Sample(time.perf_counter() - start, done, rss, parent[0] if parent else 0)
        )

    def run(self, start: float) -> None:
        while not self._stop.wait(self.interval):
            self.sample(start)

    def __enter__(self) -> Sampler:
        self.start = time.perf_counter()
        self.thread = threading.Thread(target=self.run, args=(self.start,), daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.thread.join()


def run_soak(
    runs: int = 10_000, *, workers: int = 2, interval: float = 0.25, progress: bool = False
) -> dict[str, Any]:
    """``runs`` model runs through one pool of ``workers`` processes; the figures."""
    from experiments.design import design
    from experiments.evaluate import ModelEvaluator
    from experiments.executors import make_executor
    from experiments.experiment import load_experiment
    from experiments.pipeline import run_jobs
    from experiments.store import ResultStore
    from experiments.study import jobs_for

    if runs < 1 or workers < 2:
        raise ValueError("a soak needs at least 1 run and a pool of at least 2 workers")
    replicates = min(REPLICATES, runs)
    with tempfile.TemporaryDirectory(prefix="gvi-soak-") as tmp:
        folder = Path(tmp)
        (folder / "soak_gvi.toml").write_text(SCENARIO)
        path = folder / "soak.toml"
        points = math.ceil(runs / replicates)
        path.write_text(EXPERIMENT.format(replicates=replicates, points=points))
        exp = load_experiment(path)
        jobs = jobs_for(exp, design(exp))[:runs]
        store = ResultStore(folder / "store", identity=exp.identity())
        executor, close = make_executor(workers)
        try:
            with Sampler(executor, store.parts, interval) as sampler:
                results = run_jobs(
                    jobs, ModelEvaluator(exp), store=store, executor=executor, progress=progress
                )
                sampler.sample(sampler.start)  # the last sample, workers still alive
            seconds = sampler.samples[-1].seconds
        finally:
            close()
    return figures(sampler, runs, len(results), seconds, workers)


def figures(
    sampler: Sampler,
    runs: int,
    done: int,
    seconds: float,
    workers: int,
) -> dict[str, Any]:
    """Per worker: RSS at 10 % of the runs, at the end, growth and peak (MB)."""
    samples = sampler.samples
    tenth = math.ceil(0.1 * runs)
    mark = next((s for s in samples if s.done >= tenth and s.rss), samples[-1])
    end = next((s for s in reversed(samples) if s.rss), samples[-1])
    per_worker = []
    for pid in sorted(sampler.peaks):
        at_mark = mark.rss.get(pid)
        at_end = end.rss.get(pid)
        per_worker.append(
            {
                "pid": pid,
                "rss_at_10pct_mb": _mb(at_mark),
                "rss_at_end_mb": _mb(at_end),
                "growth_mb": (
                    round((at_end - at_mark) / MB, 1)
                    if at_mark is not None and at_end is not None
                    else None
                ),
                "peak_mb": _mb(sampler.peaks[pid]),
            }
        )
    growths = [w["growth_mb"] for w in per_worker if w["growth_mb"] is not None]
    return {
        "runs": runs,
        "done": done,
        "workers": workers,
        "worker_processes_seen": len(per_worker),
        "seconds": round(seconds, 1),
        "runs_per_second": round(done / seconds, 1) if seconds else math.nan,
        "what": WHAT,
        "mark_runs": mark.done,
        "end_runs": end.done,
        "per_worker": per_worker,
        "peak_worker_mb": max((w["peak_mb"] for w in per_worker), default=math.nan),
        "max_growth_mb": max(growths, default=math.nan),
        "parent_rss_mb": {"at_10pct": _mb(mark.parent), "at_end": _mb(end.parent)},
        "samples": len(samples),
    }


def _mb(value: int | None) -> float | None:
    return None if value is None else round(value / MB, 1)


def report(f: dict[str, Any]) -> str:
    lines = [
        f"Soak: {f['done']:,} of {f['runs']:,} runs in {f['seconds']:.0f} s "
        f"({f['runs_per_second']:.1f} runs/s) through one pool of {f['workers']} workers",
        f"runs: {f['what']}",
        f"RSS 'at 10 %' sampled after {f['mark_runs']:,} runs, 'at end' after {f['end_runs']:,}",
        "",
        "| worker (pid) | RSS at 10 % | RSS at end | growth | peak RSS |",
        "|---|---|---|---|---|",
    ]
    for w in f["per_worker"]:
        growth = "-" if w["growth_mb"] is None else f"{w['growth_mb']:+.1f} MB"
        lines.append(
            f"| {w['pid']} | {w['rss_at_10pct_mb']} MB | {w['rss_at_end_mb']} MB | {growth} "
            f"| {w['peak_mb']} MB |"
        )
    p = f["parent_rss_mb"]
    lines.append(
        f"\nparent process (pipeline loop, store): {p['at_10pct']} MB at 10 %, "
        f"{p['at_end']} MB at the end (after merging the parts into one)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000, help="model runs (default 10000)")
    parser.add_argument("--workers", type=int, default=2, help="pool size (default 2)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--progress", action="store_true", help="show a progress bar")
    args = parser.parse_args(argv)
    f = run_soak(args.runs, workers=args.workers, progress=args.progress)
    print(report(f))
    if args.json:
        args.json.write_text(json.dumps(f, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
