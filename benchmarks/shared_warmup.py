"""Runs that share their warm-up against the same runs each from the start.

Scenarios of one city and business as usual run identically until the rollout under
common random numbers, so the engine runs that part once and branches
(:func:`experiments.runner.run_together`, :meth:`model.GVIModel.branch`); the results are
the same to the last bit. Timed here in one process, in turn (shared, separate, ...),
the same seeds for both, CPU time: the six scenarios of ``make demo`` (what ``gvi
compare`` runs per replicate) and the scenarios of a calibration particle (every
pattern of ``gvi validate-model``). No target: the issue's targets are per run; this
is what a study gains on top.
"""

from __future__ import annotations

import time
from typing import Any

from .common import spread

DEMO = ("baseline", "gvi", "deterrence_only", "support_only", "crackdown", "gvi_lapse")


def _tasks(kind: str, seed: int) -> list[Any]:
    from experiments.runner import Task
    from experiments.validation import STATISTICS, scenarios, scenarios_for
    from scenarios import load_scenario

    if kind == "demo":
        scs = [load_scenario(name) for name in DEMO]
    else:
        scs = list(scenarios({}, names=scenarios_for(tuple(STATISTICS))).values())
    return [Task(sc, 0, seed) for sc in scs]


def run_shared_warmup(repeats: int = 3) -> dict[str, Any]:
    from experiments.runner import run_task, run_together, warmup_groups
    from experiments.validation import run_record

    out: dict[str, Any] = {}
    for kind, fn in (("demo", run_task), ("particle", run_record)):
        shared: list[float] = []
        separate: list[float] = []
        for rep in range(repeats):
            tasks = _tasks(kind, rep + 1)
            start = time.process_time()
            run_together(tasks, fn)
            shared.append(time.process_time() - start)
            start = time.process_time()
            for t in tasks:
                fn(t)
            separate.append(time.process_time() - start)
        out[kind] = {
            "runs": len(tasks),
            "shared_groups": [len(g) for g in warmup_groups(tasks)],
            "cpu_s": {"shared": spread(shared), "separate": spread(separate)},
            "ratio": spread([a / b for a, b in zip(shared, separate, strict=True)]),
        }
    out["repeats"] = repeats
    return out


def report(result: dict[str, Any]) -> str:
    lines = []
    for kind, label in (
        ("demo", "make demo's 6 scenarios"),
        ("particle", "a calibration particle"),
    ):
        r = result[kind]
        c, q = r["cpu_s"], r["ratio"]
        lines.append(
            f"shared warm-up, {label} ({r['runs']} runs, {result['repeats']} repeats in "
            f"turn, CPU): {c['shared']['median']:.2f} s against {c['separate']['median']:.2f} "
            f"s each from the start; ratio {q['median']:.2f} ({q['min']:.2f}-{q['max']:.2f})"
        )
    return "\n".join(lines)
