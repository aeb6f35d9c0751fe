"""Whole-process timings of the command line: ``gvi --help`` and ``gvi run gvi``.

Each repeat runs, in turn, ``gvi --help``, ``gvi run gvi`` (seed 1, the command's
default) and a benchmark child that times the same run (seed 1) inside its process, so
the command's cost beyond the run itself - interpreter start, imports, scenario load,
summary - shows as the ratio of the two. Targets (issue 14): ``gvi --help`` in at most
1 s; ``gvi run gvi`` at most 2x the run itself. Wall time is the target's measure (a
user waits for it); the CPU time of each process (from ``RUSAGE_CHILDREN``) is shown
alongside because a busy machine inflates wall time.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .common import ROOT, check, run_child, spread

HELP_TARGET_S = 1.0
RUN_RATIO_TARGET = 2.0


def gvi_command() -> list[str]:
    """The ``gvi`` entry point of this interpreter's environment."""
    script = shutil.which("gvi", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "gvi.cli"]


def _process(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one whole process (output discarded)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def run_startup(repeats: int) -> dict[str, Any]:
    """``gvi --help``, ``gvi run gvi`` and the run alone, interleaved ``repeats`` times."""
    gvi = gvi_command()
    spec = {"preset": "gvi", "runs": [{"name": "gvi", "seed": 1}]}
    samples: dict[str, list[float]] = {
        k: []
        for k in ("help", "help_cpu", "run", "run_cpu", "alone", "alone_cpu", "ratio", "ratio_cpu")
    }
    for _ in range(repeats):
        wall, cpu = _process([*gvi, "--help"])
        samples["help"].append(wall)
        samples["help_cpu"].append(cpu)
        wall, cpu = _process([*gvi, "run", "gvi"])
        samples["run"].append(wall)
        samples["run_cpu"].append(cpu)
        alone = run_child(ROOT, spec)["runs"]["gvi"]
        samples["alone"].append(alone["wall_s"])
        samples["alone_cpu"].append(alone["cpu_s"])
        samples["ratio"].append(wall / alone["wall_s"])
        samples["ratio_cpu"].append(cpu / alone["cpu_s"])
    return {"repeats": repeats, "command": gvi} | {k: spread(v) for k, v in samples.items()}


def checks(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        check("gvi --help wall (s)", result["help"]["median"], "<=", HELP_TARGET_S, result["help"]),
        check(
            "gvi run gvi / the run (wall)",
            result["ratio"]["median"],
            "<=",
            RUN_RATIO_TARGET,
            result["ratio"],
        ),
    ]


def report(result: dict[str, Any]) -> str:
    def row(label: str, wall: str, cpu: str) -> str:
        w, c = result[wall], result[cpu]
        return (
            f"  {label:<28}{w['median']:>8.2f} s wall (min {w['min']:.2f}, max {w['max']:.2f})"
            f"{c['median']:>8.2f} s CPU"
        )

    r, c = result["ratio"], result["ratio_cpu"]
    return "\n".join(
        [
            "",
            f"command line, whole processes ({result['repeats']} repeats, interleaved)",
            row("gvi --help", "help", "help_cpu"),
            row("gvi run gvi", "run", "run_cpu"),
            row("the same run inside a process", "alone", "alone_cpu"),
            f"  gvi run gvi / the run itself: {r['median']:.2f}x wall "
            f"(min {r['min']:.2f}, max {r['max']:.2f}); {c['median']:.2f}x CPU "
            f"(min {c['min']:.2f}, max {c['max']:.2f})",
        ]
    )
