"""Running replicates: seeds from one recorded root, tasks through any executor.

Replicate ``r`` of every scenario gets the same child seed of the root
``SeedSequence`` (common random numbers), so compared scenarios share the city and the
random streams until their policies diverge. Results come back in task order whatever
the executor or the number of workers, so they are identical across executors.

Every per-run frame carries ``seed`` (the root seed's entropy) and ``replicate``: the
run is ``GVIModel(scenario, rng=numpy.random.SeedSequence(seed, spawn_key=(replicate,)))``.
``day`` is the model day (days since the start of the run, warm-up included), and the
frame's ``attrs`` hold ``warmup_day``, ``rollout_day`` and ``end_day`` in that numbering.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, cast

import numpy as np
import pandas as pd

from model import GVIModel
from model.events import EventKind
from model.metrics import METRIC_NAMES
from model.streams import child
from scenarios import Scenario

GROUP_OUTCOMES = ("reached", "shootings", "arrests", "custody_days", "enforcement")


@dataclass(frozen=True)
class Task:
    """One model run: a scenario and a replicate index under a root seed."""

    scenario: Scenario
    replicate: int
    root_entropy: int

    @property
    def seed(self) -> np.random.SeedSequence:
        """``SeedSequence(root_entropy, spawn_key=(replicate,))``: the run's seed."""
        return child(np.random.SeedSequence(self.root_entropy), self.replicate)


@dataclass
class RunResult:
    """What one run returns: daily metrics from the warm-up's end, and calendar facts
    (model days). ``seed`` is the root seed's entropy: with ``replicate`` it reproduces
    the run (see the module docstring)."""

    scenario: str
    replicate: int
    seed: int
    warmup_day: int
    rollout_day: int
    end_day: int
    daily: dict[str, np.ndarray]
    callin_days: list[int]
    first_members: np.ndarray  # first founders' propensities: a fingerprint of the city
    groups: dict[str, np.ndarray] | None = None  # per-group post-period outcomes
    n_groups: int = 0  # the city: groups
    members: int = 0  # and its founding members

    @property
    def calendar(self) -> dict[str, int]:
        """``warmup_day``, ``rollout_day`` and ``end_day`` (model days), as frame attrs."""
        return {
            "warmup_day": self.warmup_day,
            "rollout_day": self.rollout_day,
            "end_day": self.end_day,
        }

    def group_frame(self) -> pd.DataFrame:
        """Tidy rows: ``scenario, replicate, seed, group`` and the per-group post-period
        outcomes of :data:`GROUP_OUTCOMES` (no rows when they were not collected)."""
        g = self.groups or {}
        n = len(g.get("reached", ()))
        df = pd.DataFrame({k: g[k] for k in GROUP_OUTCOMES} if n else {})
        df.insert(0, "group", np.arange(n, dtype=np.int64))
        self._label(df)
        return df

    def frame(self) -> pd.DataFrame:
        """Tidy rows, one per day from the warm-up's end: ``scenario, replicate, seed,
        day`` (model day) and every metric of :data:`~model.metrics.METRIC_NAMES`."""
        days = np.arange(self.warmup_day, self.end_day)
        df = pd.DataFrame({name: self.daily[name] for name in METRIC_NAMES})
        df.insert(0, "day", days)
        self._label(df)
        return df

    def _label(self, df: pd.DataFrame) -> None:
        df.insert(0, "seed", pd.Series(self.seed, index=df.index, dtype="int64"))
        df.insert(0, "replicate", pd.Series(self.replicate, index=df.index, dtype="int64"))
        df.insert(0, "scenario", self.scenario)
        df.attrs.update(self.calendar)


def root_entropy(seed: int | None) -> int:
    """The root seed's entropy, to record: ``seed`` itself, or 63 bits fresh from the
    OS when ``seed`` is None (so that it fits the int64 ``seed`` column of every frame)."""
    if seed is not None and not 0 <= seed < 2**63:
        raise ValueError(f"seed must be >= 0 and < 2**63, got {seed}")
    entropy = cast(int, np.random.SeedSequence(seed).entropy)  # an int when made from one
    return entropy >> 65 if seed is None else entropy  # None: 128 fresh bits -> 63


def run_task(task: Task, model: GVIModel | None = None) -> RunResult:
    """Run one replicate to its horizon (``model``: the task's model already built, e.g.
    branched from a shared warm-up by :func:`run_together`)."""
    if model is None:
        model = GVIModel(task.scenario, rng=task.seed)
    model.run_model()
    df = model.daily_metrics()
    keep = df["day"].to_numpy() >= model.warmup_day
    daily = {name: df[name].to_numpy(dtype=np.float64)[keep] for name in METRIC_NAMES}
    callins = [e.day for e in model.log.of_kind(EventKind.CALLIN)]
    result = RunResult(
        scenario=task.scenario.name,
        replicate=task.replicate,
        seed=task.root_entropy,
        warmup_day=model.warmup_day,
        rollout_day=model.rollout_day,
        end_day=model.end_day,
        daily=daily,
        callin_days=callins,
        first_members=model.state.propensity[: min(20, model.state.n)].copy(),
        groups=group_outcomes(model),
        n_groups=model.city.n_groups,
        members=model.founders,
    )
    return result


def group_outcomes(model: GVIModel) -> dict[str, np.ndarray]:
    """Per group, over the post-period (rollout day to horizon): whether the GVI message
    reached it directly (put on notice), shootings by its members, arrests of its members,
    the custody days those arrests imposed, and enforcement actions against it."""
    g = model.city.n_groups
    lo, hi = model.rollout_day, model.end_day

    def per_group(kind: EventKind, *, value: bool = False) -> np.ndarray:
        evs = [e for e in model.log.of_kind(kind) if lo <= e.day < hi and 0 <= e.group < g]
        idx = np.fromiter((e.group for e in evs), dtype=np.int64, count=len(evs))
        w = np.fromiter((e.value for e in evs), dtype=np.float64, count=len(evs))
        out = np.bincount(idx, weights=w if value else None, minlength=g)
        return out if value else out.astype(np.int32)

    day = model.comm.notice_day
    return {
        "reached": model.comm.on_notice & (day >= lo) & (day < hi),
        "shootings": per_group(EventKind.SHOOTING),
        "arrests": per_group(EventKind.ARREST),
        "custody_days": per_group(EventKind.ARREST, value=True),
        "enforcement": per_group(EventKind.ENFORCEMENT),
    }


class SerialExecutor(Executor):
    """Runs tasks in this process, one after another (``--workers 1``)."""

    def submit(self, fn: Callable, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # delivered through the future, as executors do
            future.set_exception(exc)
        return future


def local_executor(workers: int | None) -> Executor:
    """A local process pool with ``workers`` processes (default: all cores); 1 = serial."""
    n = workers or os.cpu_count() or 1
    if n < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if n == 1:
        return SerialExecutor()
    # Importing mesa switches the default start method to "spawn" (via mesa.batch_run),
    # which re-imports the caller's script in every worker; fork where the OS has it.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(
        max_workers=n,
        mp_context=multiprocessing.get_context(method),
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    )


def die_with_parent(parent: int, interval: float = 1.0) -> None:
    """Worker initializer: end this worker once the process that started it is gone —
    a SIGKILLed ``gvi sweep`` must not leave its pool running (and holding memory)
    forever. A daemon thread checks the parent once every ``interval`` seconds."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def warmup_key(task: Task) -> tuple[Any, ...]:
    """Tasks with equal keys — the same seed (root and replicate) and the same city and
    business as usual (:meth:`~scenarios.Scenario.city_settings`) — run identically
    until the rollout."""
    return (task.root_entropy, task.replicate, tuple(sorted(task.scenario.city_settings().items())))


def warmup_groups(tasks: Sequence[Task]) -> list[list[int]]:
    """Indices of ``tasks`` by shared warm-up (:func:`warmup_key`), in order of first
    appearance."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, t in enumerate(tasks):
        groups.setdefault(warmup_key(t), []).append(i)
    return list(groups.values())


class WarmModels:
    """Models stopped at the rollout, kept in this process for tasks that come one at a
    time (a study's evaluations, one job after another) and share a warm-up.

    :meth:`model` gives a task's model: a branch of the kept model of its warm-up when
    there is one (:meth:`model.GVIModel.branch`: the same run to the last bit), else a
    new model. A warm-up is kept from the second time it is asked for, so tasks that
    never share one (a Sobol design moves the city) cost nothing extra; at most ``size``
    are kept, and at most ``members`` members in all (about 3 kB each), the least
    recently used closed first."""

    def __init__(self, size: int = 32, members: int = 50_000) -> None:
        self.size = size
        self.members = members
        self.kept: OrderedDict[tuple[Any, ...], GVIModel] = OrderedDict()
        self.seen: OrderedDict[tuple[Any, ...], None] = OrderedDict()

    def model(self, task: Task) -> GVIModel:
        key = warmup_key(task)
        warm = self.kept.get(key)
        if warm is None and key not in self.seen:
            self.seen[key] = None
            while len(self.seen) > 64 * self.size:
                self.seen.popitem(last=False)
            return GVIModel(task.scenario, rng=task.seed)
        if warm is None:
            warm = GVIModel(task.scenario, rng=task.seed)
            if warm.rollout_day >= warm.end_day or warm.founders > self.members:
                return warm  # no rollout within the run, or too large to keep
            self.kept[key] = warm.run_to_rollout()  # the oldest others make room for it
            while len(self.kept) > 1 and (
                len(self.kept) > self.size or self._held() > self.members
            ):
                self.kept.popitem(last=False)[1].close()
        self.kept.move_to_end(key)
        return warm.branch(task.scenario)

    def _held(self) -> int:
        return sum(m.state.n for m in self.kept.values())

    def close(self) -> None:
        """Close every kept model (Mesa 3.3 keeps a model alive until then)."""
        while self.kept:
            self.kept.popitem()[1].close()


def run_together(tasks: Sequence[Task], fn: TaskFn | None = None) -> list[Any]:
    """Run ``tasks`` in this process, results in task order; tasks that share a warm-up
    (:func:`warmup_groups`) share it: the first of them is run to the rollout once and
    each goes on from a branch of it (:meth:`model.GVIModel.branch`), which gives the
    results of a run of its own to the last bit at about 40 % of the default run's
    days. ``fn(task, model)`` runs a task from its model (default :func:`run_task`)."""
    run = fn or run_task
    out: list[Any] = [None] * len(tasks)
    for group in warmup_groups(tasks):
        if len(group) == 1:
            out[group[0]] = run(tasks[group[0]])
            continue
        first = tasks[group[0]]
        warm = GVIModel(first.scenario, rng=first.seed)
        try:
            if warm.rollout_day >= warm.end_day:  # no rollout within the run: nothing shared
                for i in group:
                    out[i] = run(tasks[i])
                continue
            warm.run_to_rollout()
            for k, i in enumerate(group):
                last = k == len(group) - 1
                out[i] = run(tasks[i], warm.branch(tasks[i].scenario, keep=not last))
        finally:
            warm.close()
    return out


class TaskFn(Protocol):
    """What runs one task: from its model if given (else it builds it), to a result."""

    def __call__(self, task: Task, model: GVIModel | None = None, /) -> Any: ...


def run_tasks(
    tasks: Sequence[Task],
    *,
    executor: Executor | None = None,
    workers: int | None = None,
    progress: bool = True,
    fn: TaskFn = run_task,
) -> list[Any]:
    """Run every task; results in task order. Uses ``executor`` if given (not shut
    down), else a local pool of ``workers`` processes. Tasks that share a warm-up go to
    one process together and share it (:func:`run_together`); when there are fewer such
    groups than workers, the largest are split so every worker has work."""
    own = executor is None
    ex = local_executor(workers) if executor is None else executor
    chunks = _spread(warmup_groups(tasks), workers or os.cpu_count() or 1)
    try:
        futures = [ex.submit(run_together, [tasks[i] for i in c], fn) for c in chunks]
        _wait(futures, [len(c) for c in chunks], progress=progress, total=len(tasks))
        out: list[Any] = [None] * len(tasks)
        for c, f in zip(chunks, futures, strict=True):
            for i, result in zip(c, f.result(), strict=True):
                out[i] = result
        return out
    finally:
        if own:
            ex.shutdown(cancel_futures=True)


def _spread(groups: list[list[int]], workers: int) -> list[list[int]]:
    """Split the largest groups in halves until there are at least ``workers`` (or every
    group is a single task)."""
    groups = [list(g) for g in groups]
    while len(groups) < workers:
        largest = max(range(len(groups)), key=lambda k: len(groups[k]), default=None)
        if largest is None or len(groups[largest]) < 2:
            break
        g = groups.pop(largest)
        half = len(g) // 2
        groups[largest:largest] = [g[:half], g[half:]]
    return groups


def _wait(futures: Sequence[Future], sizes: Sequence[int], *, progress: bool, total: int) -> None:
    from concurrent.futures import as_completed

    from tqdm import tqdm

    size = {id(f): n for f, n in zip(futures, sizes, strict=True)}
    bar = tqdm(total=total, desc="runs", unit="run", disable=not progress, leave=False)
    try:
        for f in as_completed(futures):
            f.result()  # surface the first failure at once
            bar.update(size[id(f)])
    finally:
        bar.close()
