"""Jobs through an executor into a resumable store.

A *job* is one evaluation of the model: a design point's parameters and a replicate
index. Jobs are grouped into batches (a batch is one executor task), each finished
batch is written to the :class:`~experiments.store.ResultStore` at once, and jobs
already in the store are skipped, so an interrupted experiment resumes where it
stopped and loses at most the batches that were running.

    >>> store = ResultStore(out, identity={"experiment": sha, "seed": 1})  # doctest: +SKIP
    >>> df = run_jobs(jobs, evaluate, store=store, workers=8)               # doctest: +SKIP

Results do not depend on the executor, the number of workers or the batch size: the
evaluator gets everything from the :class:`Job` (seeds are derived from its point and
replicate), and the frame returned is read back from the store, sorted.
"""

from __future__ import annotations

import contextlib
import math
import pickle
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from .runner import SerialExecutor
from .runner import local_executor as make_local_executor
from .store import ResultStore, Row, job_key

RETRIES = 2  # a failed batch is tried up to 1 + RETRIES times
TARGET_SECONDS = 0.5  # least work per batch, once the cost of a job is known
TARGET_SECONDS_DISTRIBUTED = 2.0  # on Dask, where every task costs a scheduler round trip
BATCHES_PER_WORKER = 4  # at least this many batches per worker, while work remains


@dataclass(frozen=True)
class Job:
    """One evaluation: design point ``point``'s parameters, replicate ``replicate``."""

    point: int
    replicate: int
    params: dict[str, float | int | bool]  # dotted scenario keys -> values

    @property
    def key(self) -> str:
        return job_key(self.point, self.replicate)


# Picklable (a module-level function or a frozen dataclass with __call__);
# returns output name -> value.
Evaluator = Callable[[Job], dict[str, float]]


class BatchFailed(RuntimeError):
    """A batch kept failing after its retries."""


def evaluate_batch(evaluate: Evaluator, jobs: Sequence[Job]) -> list[Row]:
    """Evaluate ``jobs`` in order: ``[(key, point, replicate, outputs), ...]``."""
    rows = []
    for job in jobs:
        outputs = {str(k): float(v) for k, v in evaluate(job).items()}
        rows.append((job.key, job.point, job.replicate, outputs))
    return rows


def _timed_batch(evaluate: Evaluator, jobs: Sequence[Job], attempt: int) -> tuple[list[Row], float]:
    # ``attempt`` only makes a resubmitted task differ from the failed one (Dask names
    # pure tasks by their arguments); it never reaches the evaluator.
    start = time.perf_counter()
    rows = evaluate_batch(evaluate, jobs)
    return rows, time.perf_counter() - start


def run_jobs(
    jobs: Sequence[Job],
    evaluate: Evaluator,
    *,
    store: ResultStore,
    executor: Executor | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Evaluate every job not yet in ``store``; return all of the store's results
    (``point, replicate, <outputs...>``, sorted by point and replicate; for a model
    experiment, :func:`experiments.study.tidy_results` adds ``seed`` and the design's
    parameter columns).

    ``executor`` is used if given (and not shut down); otherwise a local pool of
    ``workers`` processes is created and shut down afterwards. ``batch_size`` fixes the
    number of jobs per task; by default batches start at one job and grow to about
    half a second of work, while every worker still gets several batches. A failed
    batch is retried up to twice, then :class:`BatchFailed` is raised.
    """
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    keys = [job.key for job in jobs]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise ValueError(f"jobs must have distinct (point, replicate); {dup} repeats")
    try:
        pickle.dumps(evaluate)
    except Exception as exc:
        raise TypeError(
            "the evaluator must be picklable (a module-level function or a frozen "
            f"dataclass with __call__): {exc}"
        ) from None

    done = store.done()
    todo = [job for job in jobs if job.key not in done]
    if not todo:
        last = store.manifest.get("pipeline", {})
        if last.get("status") != "complete":  # killed after its last part: say so now
            store.update_manifest(pipeline={**last, "status": "complete"})
        return store.read()

    started, clock = datetime.now(UTC), time.perf_counter()
    info: dict[str, Any] = {"started": started.isoformat(timespec="seconds")}
    info |= {"jobs": len(jobs), "already_done": len(jobs) - len(todo)}
    store.update_manifest(pipeline={**info, "status": "running"})
    run = _Run(todo, evaluate, store, executor, workers, batch_size, progress)
    try:
        run.loop()
    except BaseException as exc:
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        err = f"{type(exc).__name__}: {exc}"
        with contextlib.suppress(OSError):  # a full disk must not hide the first error
            store.update_manifest(pipeline={**info, "status": status, "error": err})
        raise
    finally:
        run.close()
    store.compact()
    elapsed = round(time.perf_counter() - clock, 3)
    info |= {"status": "complete", "elapsed_s": elapsed, "batches": run.batches}
    store.update_manifest(pipeline=info)
    return store.read()


class _Run:
    """The submission loop of one :func:`run_jobs` call."""

    def __init__(
        self,
        todo: list[Job],
        evaluate: Evaluator,
        store: ResultStore,
        executor: Executor | None,
        workers: int | None,
        batch_size: int | None,
        progress: bool,
    ) -> None:
        self.queue: deque[Job] = deque(todo)
        self.retry: deque[tuple[list[Job], int]] = deque()
        self.evaluate, self.store = evaluate, store
        self.own, self.workers = executor is None, workers
        self.executor = make_local_executor(workers) if executor is None else executor
        self.batch_size = batch_size
        self.pending: dict[Future, tuple[list[Job], int, Executor]] = {}
        self.measured_jobs, self.measured_seconds = 0, 0.0
        self.batches = 0
        self._width, self._width_at = 1, -math.inf
        from tqdm import tqdm

        self.bar = tqdm(total=len(todo), desc="jobs", unit="job", disable=not progress, leave=False)

    def loop(self) -> None:
        self.fill()
        while self.pending:
            finished, _ = wait(self.pending, return_when=FIRST_COMPLETED)
            for future in finished:
                jobs, attempt, used = self.pending.pop(future)
                try:
                    rows, seconds = future.result()
                except Exception as exc:
                    self.failed(jobs, attempt, used, exc)
                    continue
                self.store.write(rows)
                self.batches += 1
                self.measured_jobs += len(jobs)
                self.measured_seconds += seconds
                self.bar.update(len(rows))
            self.fill()

    def fill(self) -> None:
        window = 1 if self.width() == 1 else 2 * self.width()
        while len(self.pending) < window and (self.retry or self.queue):
            if self.retry:
                jobs, attempt = self.retry.popleft()
            else:
                n = self.next_size()
                jobs, attempt = [self.queue.popleft() for _ in range(n)], 0
            try:
                future = self.executor.submit(_timed_batch, self.evaluate, jobs, attempt)
            except BrokenExecutor:
                if not self.own:
                    raise
                self.replace_executor()
                future = self.executor.submit(_timed_batch, self.evaluate, jobs, attempt)
            self.pending[future] = (jobs, attempt, self.executor)

    def failed(self, jobs: list[Job], attempt: int, used: Executor, exc: Exception) -> None:
        what = f"batch of {len(jobs)} job(s) from {jobs[0].key}"
        if attempt >= RETRIES:
            raise BatchFailed(f"{what} failed {attempt + 1} times: {exc!r}") from exc
        if isinstance(exc, BrokenExecutor) and self.own and used is self.executor:
            self.replace_executor()
        self.bar.write(
            f"{what} failed ({type(exc).__name__}: {exc}); retry {attempt + 1}/{RETRIES}",
            file=sys.stderr,
        )
        self.retry.append((jobs, attempt + 1))

    def replace_executor(self) -> None:
        """A worker of our own pool died, which breaks the pool: start a new one."""
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = make_local_executor(self.workers)

    def next_size(self) -> int:
        if self.batch_size is not None:
            return min(self.batch_size, len(self.queue))
        if self.measured_jobs == 0:
            return 1
        per_job = self.measured_seconds / self.measured_jobs
        seconds = (
            TARGET_SECONDS_DISTRIBUTED
            if getattr(self.executor, "_client", None) is not None
            else TARGET_SECONDS
        )
        target = math.ceil(seconds / per_job) if per_job > 0 else len(self.queue)
        cap = math.ceil(len(self.queue) / (BATCHES_PER_WORKER * self.width()))
        return max(1, min(target, cap, len(self.queue)))

    def width(self) -> int:
        """How many batches the executor runs at once (rechecked every 5 s on Dask)."""
        now = time.monotonic()
        if now - self._width_at > 5.0:
            self._width, self._width_at = _parallelism(self.executor), now
        return self._width

    def close(self) -> None:
        self.bar.close()
        if self.own:
            self.executor.shutdown(wait=True, cancel_futures=True)
        else:
            for future in self.pending:
                future.cancel()


def _parallelism(executor: Executor) -> int:
    if isinstance(executor, SerialExecutor):
        return 1
    client = getattr(executor, "_client", None)  # a dask.distributed ClientExecutor
    if client is not None:
        try:
            return max(1, sum(client.nthreads().values()))
        except Exception:
            return 1
    n = getattr(executor, "_max_workers", None)
    return n if isinstance(n, int) and n > 0 else 1
