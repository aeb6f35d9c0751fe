"""The size of a job, estimated before it starts, against what this machine has.

Every value of a scenario or an experiment passes its own range, but their product can
still be more than a machine holds: 500 groups of 10,000 members, a factorial of 1,000
levels of four parameters, a comparison of a billion replicates. Each command estimates
its job first — runs, memory of one model, memory of what it keeps — and refuses what
cannot fit with one line: what, how big, the limit, and how to split it.

Figures behind the estimate (measured on the default city, Mesa 3.3.1, full horizon):
a model needs about 2.2 kB of traced memory per founding member (2.5 kB of resident
memory), and a process about 200 MB of imported libraries before it holds a model.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from model.city import BLOCK_PAIRS, ROW_BLOCK
from model.metrics import METRIC_NAMES
from scenarios import Scenario
from scenarios.errors import Message, Number

BYTES_PER_MEMBER = 3_000  # per founding member, with room for recruits and the event log
BYTES_PER_GROUP = 10_000  # per group: its history, rows and relations (measured: 9 kB)
BYTES_PER_PAIR_DRAWN = 20  # a block of pairs of groups drawn at once while the city is built
PROCESS_FLOOR = 200_000_000  # imported libraries of one process
MEMORY_SHARE = 0.75  # of the machine's memory one job may plan to use
MAX_RUNS = 10_000_000  # at a tenth of a second a run, 2 cores need about six days
MAX_MEMBERS = 1_000_000  # twice a national or US-metropolitan city (Chicago: 858 factions)


class JobTooBig(ValueError):
    """The job cannot fit on this machine (one line: what, how big, the limit, the fix)."""


def machine_memory() -> int:
    """Physical memory of this machine in bytes (the environment variable
    ``GVI_MEMORY_LIMIT``, in bytes, overrides it, e.g. for a shared machine)."""
    own = os.environ.get("GVI_MEMORY_LIMIT")
    if own and own.isdigit():
        return int(own)
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def limit() -> int:
    """The bytes one job may plan to use."""
    return int(machine_memory() * MEMORY_SHARE)


def size(n: float) -> Number:
    """``1.2 GB``, ``350 MB``, ``14 TB`` (``1,2 GB`` in Swedish)."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            return Number(n / scale, 1, f" {unit}")
    return Number(n / 1e3, 0, " kB")


def members(scenario: Scenario) -> float:
    """Founding members the city will have (expected, for a generated city)."""
    if scenario.city.audit_dir:
        from scenarios.audit import load_audit

        return float(sum(load_audit(scenario.city.audit_dir).sizes))
    c = scenario.city
    return c.n_groups * max(c.group_size_mean, c.min_group_size)


def groups(scenario: Scenario) -> int:
    if scenario.city.audit_dir:
        from scenarios.audit import load_audit

        return len(load_audit(scenario.city.audit_dir).group_ids)
    return scenario.city.n_groups


def model_bytes(scenario: Scenario) -> float:
    """Estimated memory of one model of ``scenario`` over its whole run."""
    g = groups(scenario)
    drawn = min(g * (g - 1) // 2, BLOCK_PAIRS) * BYTES_PER_PAIR_DRAWN + ROW_BLOCK * g * 8
    return members(scenario) * BYTES_PER_MEMBER + g * BYTES_PER_GROUP + drawn


def kept_bytes_per_run(scenario: Scenario) -> float:
    """What a comparison keeps in memory of one run: its daily metrics after the
    warm-up (scenario, replicate, day and every metric) and per-group outcomes."""
    days = scenario.time.horizon_days
    return days * (len(METRIC_NAMES) + 3) * 8 + groups(scenario) * 6 * 8


@dataclass(frozen=True)
class Job:
    """A job's size: runs, concurrent models, memory."""

    what: str  # e.g. "gvi compare", "experiment sobol_gvi"
    runs: int
    model: float  # bytes of the largest model
    kept: float  # bytes kept in memory for the whole job (results, design)
    processes: int  # processes holding a model at once
    # models a process holds at once: 2 where scenarios share a warm-up (the model at the
    # rollout and the branch going on from it, experiments.runner.run_together)
    models_per_process: int = 1

    @property
    def memory(self) -> float:
        return self.processes * (PROCESS_FLOOR + self.models_per_process * self.model) + self.kept


def check(job: Job, *, split: Message) -> None:
    """Refuse ``job`` if it cannot fit: too many runs, or more memory than the limit.
    ``split`` says how to make it smaller."""
    if job.runs > MAX_RUNS:
        raise JobTooBig(
            Message("problem.job_runs", what=job.what, runs=Number(job.runs),
                    most=Number(MAX_RUNS), split=split)
        )  # fmt: skip
    cap = limit()
    if job.memory > cap:
        kept = Message("problem.job_kept", size=size(job.kept)) if job.kept > 1e8 else ""
        raise JobTooBig(
            Message("problem.job_memory", count=job.processes, what=job.what,
                    memory=size(job.memory), model=size(job.model), kept=kept, allows=size(cap),
                    share=Number(MEMORY_SHARE * 100), total=size(machine_memory()), split=split)
        )  # fmt: skip


def check_scenario(scenario: Scenario, *, what: str | None = None) -> None:
    """Refuse a single scenario whose one model cannot fit, or whose city is larger than
    the model is built and tested for."""
    n = members(scenario)
    if n > MAX_MEMBERS:
        raise JobTooBig(
            Message("problem.job_city", what=what or f"scenario {scenario.name}",
                    members=Number(n), most=Number(MAX_MEMBERS))
        )  # fmt: skip
    job = Job(what or f"scenario {scenario.name}", 1, model_bytes(scenario), 0.0, 1)
    check(job, split=Message("problem.job_split_groups"))


def workers_count(workers: int | None) -> int:
    return max(1, workers or os.cpu_count() or 1)


def check_comparison(
    scenarios: list[Scenario], replicates: int, workers: int | None = None
) -> None:
    """Refuse a comparison that cannot fit: it keeps every run's daily metrics."""
    runs = len(scenarios) * replicates
    biggest = max(scenarios, key=model_bytes)
    per_run = max(kept_bytes_per_run(s) for s in scenarios)
    most = max(2, int(limit() * 0.9 / max(per_run, 1) / len(scenarios)))
    job = Job("gvi compare", runs, model_bytes(biggest), runs * per_run, workers_count(workers), 2)
    check(job, split=Message("problem.job_split_replicates", most=Number(min(most, MAX_RUNS))))


def check_study(
    what: str,
    runs: int,
    design_cells: float,
    result_cells: float,
    scenario: Scenario,
    workers: int | None = None,
) -> None:
    """Refuse a study (sweep, sensitivity, calibration) that cannot fit: the design
    and the results table are held in memory; runs stream to disk."""
    kept = 8.0 * (design_cells + result_cells)
    job = Job(what, runs, model_bytes(scenario), kept, workers_count(workers))
    check(job, split=Message("problem.job_split_study"))


def prod(values: list[int]) -> int:
    """An exact product (no overflow)."""
    return math.prod(values)


CITY_SIZE_PATHS = ("city.n_groups", "city.group_size_mean", "city.min_group_size")


def check_experiment(exp, workers: int | None = None, *, what: str | None = None) -> None:
    """Refuse an experiment (an :class:`~experiments.experiment.Experiment`) whose
    design, results or largest city cannot fit, before anything is generated or
    written; ``what`` names it in the message (default: its name)."""
    from .design import points_count

    study = exp.study()
    points = points_count(study)
    runs = points * study.replicates
    scenario = exp.scenario_model()
    largest = {}
    for f in study.factors:  # the largest city the design asks for
        if f.name in CITY_SIZE_PATHS:
            top = max(f.levels) if f.levels is not None else (f.bounds or (0, 0))[1]
            largest[f.name] = type(getattr(scenario.city, f.name.split(".")[1]))(top)
    if largest:
        scenario = scenario.with_updates(largest)
    check_study(
        what or f"experiment {exp.name}",
        runs,
        float(points) * len(study.factors),
        float(runs) * (len(study.outputs) + len(study.factors) + 3),
        scenario,
        workers,
    )
