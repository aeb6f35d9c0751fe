"""Evaluating one job of an experiment: a model run at a design point, reduced to outputs.

Replicate ``r`` runs with the seed ``child(SeedSequence(root_entropy(seed)), r)`` at every
design point (common random numbers across points, as in :mod:`experiments.runner`), so
differences between points are not blurred by different random streams.

Windows, in model days (days since the start of the run, warm-up included): ``pre`` is
warm-up end to rollout, ``post`` rollout to the end, ``last_year`` the last 365 days of
the run. Statistics: ``total`` (sum of a
count), ``per_year`` (total × 365 / days), ``mean`` (daily mean), and
``change_vs_baseline``: ``100 × (value / baseline − 1)``, where the value is the total
for counts and the daily mean for levels, and the baseline is the experiment's baseline
scenario run with the same replicate seed (paired).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from model.metrics import MetricKind, metric
from model.time import DAYS_PER_YEAR
from scenarios import Scenario

from .experiment import Experiment, OutputSpec
from .runner import RunResult, Task, WarmModels, root_entropy, run_task


class JobLike(Protocol):
    """What the evaluator reads from a job (``experiments.pipeline.Job``)."""

    @property
    def point(self) -> int: ...
    @property
    def replicate(self) -> int: ...
    @property
    def params(self) -> Mapping[str, Any]: ...


def window_days(result: RunResult, window: str) -> tuple[int, int]:
    """First day and end day (exclusive) of a window in this run."""
    if window == "pre":
        return result.warmup_day, result.rollout_day
    if window == "post":
        return result.rollout_day, result.end_day
    if window == "last_year":
        return max(result.warmup_day, result.end_day - DAYS_PER_YEAR), result.end_day
    raise ValueError(f"unknown window {window!r}")


def window_value(result: RunResult, output: OutputSpec) -> float:
    """The output's statistic over its window (``change_vs_baseline``: the raw value,
    total for counts and daily mean for levels, before comparing)."""
    lo, hi = window_days(result, output.window)
    values = result.daily[output.metric][lo - result.warmup_day : hi - result.warmup_day]
    if len(values) == 0:
        return math.nan
    count = metric(output.metric).kind is MetricKind.COUNT
    if output.statistic == "mean" or (output.statistic == "change_vs_baseline" and not count):
        return float(np.mean(values))
    total = float(np.sum(values))
    return total * DAYS_PER_YEAR / len(values) if output.statistic == "per_year" else total


def percent_change(value: float, base: float) -> float:
    """``100 × (value / base − 1)``; NaN when the baseline is 0."""
    return 100.0 * (value / base - 1.0) if base else math.nan


class _Caches:
    """In-process caches: scenarios of recent points, baseline values per replicate."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.scenarios: OrderedDict[Any, Scenario] = OrderedDict()
        self.baseline: dict[int, dict[str, float]] = {}
        self.warm = WarmModels()  # points that share a city share its warm-up


# Per-process caches, one per experiment: an evaluator is unpickled afresh for every
# batch a worker receives, and without this each batch would rerun the baselines.
_PROCESS_CACHES: dict[str, _Caches] = {}


def clear_process_caches() -> None:
    """Drop this process's caches, closing the models they keep: for measurements that
    must start cold (a process pool forked from this process inherits them)."""
    for caches in _PROCESS_CACHES.values():
        caches.warm.close()
    _PROCESS_CACHES.clear()


def _caches_for(exp: Experiment, size: int) -> _Caches:
    # keyed by the identity, which holds the scenarios themselves: two experiments that
    # name their scenarios alike but vary different ones never share a cache
    key = hashlib.sha256(
        json.dumps(exp.identity(), sort_keys=True, default=str).encode()
    ).hexdigest()
    if key not in _PROCESS_CACHES:
        _PROCESS_CACHES[key] = _Caches(size)
    return _PROCESS_CACHES[key]


@dataclass(frozen=True)
class ModelEvaluator:
    """``ModelEvaluator(exp)(job) -> {output: value}``; picklable (caches are not sent).

    Each call runs the scenario with ``job.params`` applied (dotted keys) for replicate
    ``job.replicate``. The baseline of ``change_vs_baseline`` outputs is the plain
    baseline scenario, run once per replicate in each worker process and reused (the
    caches live per process, so they survive the evaluator being sent batch by batch). Each run
    goes through :func:`~experiments.runner.run_task`; the finished model releases Mesa's
    reference to itself (:meth:`model.GVIModel.close`), so a long-lived worker does not leak.
    Runs that share a warm-up (design points that set only the plan, and the baseline)
    go on from a model kept at the rollout (:class:`~experiments.runner.WarmModels`): the
    same results, without running the days before the rollout again.
    """

    exp: Experiment
    cache_size: int = 64
    _caches: _Caches = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_caches", _caches_for(self.exp, self.cache_size))

    def __getstate__(self) -> dict[str, Any]:
        return {"exp": self.exp, "cache_size": self.cache_size}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)
        self.__post_init__()

    @property
    def entropy(self) -> int:
        """The root seed entropy (replicate ``r`` uses its ``r``-th child)."""
        return root_entropy(self.exp.seed)

    def scenario(self, point: int, params: Mapping[str, Any]) -> Scenario:
        """The scenario of a design point (validated once per point in this process)."""
        cache = self._caches.scenarios
        key = (point, tuple(sorted(params.items())))
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        scenario = self.exp.scenario_model().with_updates(dict(params))
        cache[key] = scenario
        while len(cache) > self._caches.size:
            cache.popitem(last=False)
        return scenario

    def _baseline(self, replicate: int) -> dict[str, float]:
        cache = self._caches.baseline
        if replicate not in cache:
            base = self.exp.baseline_model()
            if base is None:
                raise ValueError("change_vs_baseline needs the experiment's baseline")
            task = Task(base, replicate, self.entropy)
            result = run_task(task, self._caches.warm.model(task))
            cache[replicate] = {
                o.name: window_value(result, o)
                for o in self.exp.outputs
                if o.statistic == "change_vs_baseline"
            }
        return cache[replicate]

    def __call__(self, job: JobLike) -> dict[str, float]:
        scenario = self.scenario(job.point, job.params)
        task = Task(scenario, job.replicate, self.entropy)
        result = run_task(task, self._caches.warm.model(task))  # releases the model
        out = {o.name: window_value(result, o) for o in self.exp.outputs}
        paired = [o.name for o in self.exp.outputs if o.statistic == "change_vs_baseline"]
        if paired:
            base = self._baseline(job.replicate)
            for name in paired:
                out[name] = percent_change(out[name], base[name])
        return out
