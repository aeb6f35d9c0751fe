"""Speed and memory benchmark of the GVI model.

What is compared, and why:

* ``gvi`` - the ``gvi`` preset built and run over its full horizon (``end_day`` steps).
* ``virus`` - Mesa's own ``VirusOnNetwork`` example with as many nodes as the gvi city of
  the same seed has members (city size varies with the seed), stepped as many times: a
  plain agent-per-object Mesa model of the same size. Target: virus / gvi time >= 2.0.
* ``gvi_10x`` - the gvi preset with ten times as many groups (about ten times the members).
  Target: gvi_10x / gvi time <= 6.0. Rivalry and alliance densities are per pair of groups,
  so each group also gets about ten times the rivals and allies, and far more shootings.
* ``memory`` - one default gvi run in a fresh interpreter: peak RSS of the whole process
  (target < 200 MB) and the tracemalloc peak of the run alone. Peak RSS is the kernel's
  ``VmHWM``: on Linux a child's ``ru_maxrss`` starts at its parent's RSS at spawn time, so
  under this (large) benchmark process it overstates the child; it is reported alongside.

Absolute times on a shared machine drift with load, so the targets are ratios of figures
timed in one process. Each repeat runs the variants back to back (A B C A B C ...) so slow
spells hit all of them alike, every variant gets the same seed in a repeat (1..N), and the
figures are medians over the repeats (min and max shown for spread). Model construction is
inside the timing; loading the scenario is not. A benchmark reports; it does not fail the
build, so the exit code is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mesa.examples.basic.virus_on_network.model import VirusOnNetwork

from model import GVIModel
from scenarios import Scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent
VIRUS_TARGET = 2.0  # virus / gvi, at least
SCALE_TARGET = 6.0  # gvi_10x / gvi, at most
RSS_TARGET_MB = 200.0  # whole process, below

MEMORY_SCRIPT = """
import json, re, resource, tracemalloc
from model import GVIModel
from scenarios import load_scenario
scenario = load_scenario("gvi")
GVIModel(scenario, rng=1).run_model()
maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    with open("/proc/self/status") as f:
        hwm_kib = int(re.search(r"VmHWM:\\s*(\\d+)", f.read()).group(1))
except (OSError, AttributeError):
    hwm_kib = maxrss_kib
tracemalloc.start()
GVIModel(scenario, rng=1).run_model()
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({"peak_rss_mb": hwm_kib / 1024, "ru_maxrss_mb": maxrss_kib / 1024,
                  "tracemalloc_peak_mb": peak / 2**20}))
"""


def run_gvi(scenario: Scenario, seed: int) -> int:
    """One full run; returns the city's member count."""
    model = GVIModel(scenario, rng=seed)
    model.run_model()
    return int(model.city.nominal_size.sum())


def run_virus(num_nodes: int, steps: int, seed: int) -> int:
    model = VirusOnNetwork(num_nodes=num_nodes, seed=seed)
    for _ in range(steps):
        model.step()
    return num_nodes


def timed(fn: Callable[[], int]) -> tuple[float, int]:
    gc.collect()
    start = time.perf_counter()
    size = fn()
    return time.perf_counter() - start, size


def spread(samples: list[float] | list[int]) -> dict[str, Any]:
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "samples": samples,
    }


def measure_memory() -> dict[str, float]:
    """Peak RSS after a plain run, then the tracemalloc peak of a second, traced run (so the
    tracer's own overhead does not inflate the RSS figure, and lazy imports stay out of the
    traced peak)."""
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def check(name: str, value: float, op: str, target: float) -> dict[str, Any]:
    ok = value >= target if op == ">=" else value <= target if op == "<=" else value < target
    return {"name": name, "value": value, "op": op, "target": target, "pass": ok}


def run_benchmarks(repeats: int) -> dict[str, Any]:
    """Time every variant ``repeats`` times, interleaved, and measure memory once."""
    memory = measure_memory()  # first, while this process is still small
    scenario = load_scenario("gvi")
    big = scenario.with_updates({"city.n_groups": 10 * scenario.city.n_groups})
    steps = GVIModel(scenario, rng=0).end_day
    run_virus(run_gvi(scenario, 0), steps // 10, 0)  # warm-up: first-call costs stay out
    times: dict[str, list[float]] = {"gvi": [], "virus": [], "gvi_10x": []}
    sizes: dict[str, list[int]] = {name: [] for name in times}

    def record(name: str, fn: Callable[[], int]) -> int:
        elapsed, size = timed(fn)
        times[name].append(elapsed)
        sizes[name].append(size)
        return size

    for seed in range(1, repeats + 1):  # interleaved: gvi, virus, gvi_10x, gvi, virus, ...
        members = record("gvi", lambda seed=seed: run_gvi(scenario, seed))
        record("virus", lambda m=members, seed=seed: run_virus(m, steps, seed))
        record("gvi_10x", lambda seed=seed: run_gvi(big, seed))
    timings = {name: spread(t) for name, t in times.items()}
    gvi = timings["gvi"]["median"]
    return {
        "repeats": repeats,
        "steps": steps,
        "members": {name: spread(s) for name, s in sizes.items()},
        "timings_s": timings,
        "memory_mb": memory,
        "checks": [
            check("virus / gvi time", timings["virus"]["median"] / gvi, ">=", VIRUS_TARGET),
            check("gvi_10x / gvi time", timings["gvi_10x"]["median"] / gvi, "<=", SCALE_TARGET),
            check("peak RSS (MB)", memory["peak_rss_mb"], "<", RSS_TARGET_MB),
        ],
    }


def report(result: dict[str, Any]) -> str:
    lines = [
        f"{result['repeats']} repeats, {result['steps']} steps each, interleaved",
        "",
        f"{'variant':<10}{'members':>9}{'median s':>11}{'min s':>9}{'max s':>9}{'ms/step':>9}",
    ]
    for name, t in result["timings_s"].items():
        lines.append(
            f"{name:<10}{result['members'][name]['median']:>9.0f}{t['median']:>11.3f}"
            f"{t['min']:>9.3f}{t['max']:>9.3f}"
            f"{1000 * t['median'] / result['steps']:>9.3f}"
        )
    mem = result["memory_mb"]
    lines += [
        "",
        f"peak RSS {mem['peak_rss_mb']:.1f} MB (whole process, VmHWM; ru_maxrss "
        f"{mem['ru_maxrss_mb']:.1f} MB); tracemalloc peak "
        f"{mem['tracemalloc_peak_mb']:.1f} MB (run alone)",
        "",
        "members: median over seeds; virus has each seed's gvi member count",
        "",
        f"{'check':<22}{'value':>9}{'target':>12}  result",
    ]
    for c in result["checks"]:
        verdict = "PASS" if c["pass"] else "MISS"
        lines.append(
            f"{c['name']:<22}{c['value']:>9.2f}{c['op']:>5} {c['target']:>6.1f}  {verdict}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=None, help="repeats (default 7)")
    parser.add_argument("--quick", action="store_true", help="3 repeats")
    parser.add_argument("--json", type=Path, default=None, help="also write figures as JSON")
    parser.add_argument(
        "--no-throughput",
        action="store_true",
        help="skip the experiment-throughput figures (1, 2 workers, Dask)",
    )
    args = parser.parse_args(argv)
    repeats = args.repeats if args.repeats is not None else 3 if args.quick else 7
    if repeats < 1:
        parser.error("--repeats must be at least 1")
    result = run_benchmarks(repeats)
    print(report(result))
    if not args.no_throughput:
        from .throughput import report as throughput_report
        from .throughput import run_throughput

        result["throughput"] = run_throughput(repeats=3 if repeats >= 3 else 1)
        print(throughput_report(result["throughput"]))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
