"""Speed and memory benchmark of the GVI model: every speed target of issue 14.

What is compared, and why (each part's module says more):

* ``gvi`` / ``virus`` / ``gvi_10x`` (this module, in one process) - the ``gvi`` preset over
  its full horizon (``end_day`` steps); Mesa's own ``VirusOnNetwork`` example with as
  many nodes as the gvi city of the same seed has members, stepped as many times (equal
  agent-steps: a plain agent-per-object Mesa model of the same size; target: virus / gvi
  time >= 10); and the preset with ten times as many groups (target: gvi_10x / gvi time
  <= 6; rivalry and alliance densities are per pair of groups, so each group also gets
  about ten times the rivals and allies, and far more shootings).
* ``memory`` - one default gvi run in a fresh interpreter: peak RSS of the whole process
  (target < 200 MB) and the tracemalloc peak of the run alone. Peak RSS is the kernel's
  ``VmHWM``: on Linux a child's ``ru_maxrss`` starts at its parent's RSS at spawn time, so
  under this (large) benchmark process it overstates the child; it is reported alongside.
* :mod:`benchmarks.speed` - the default run against the reference commit (the model
  before the speed work; target: 5x faster), and the fixed cost per simulated day of a
  one-group city (target <= 30 µs) with the slope per group.
* :mod:`benchmarks.startup` - ``gvi --help`` (target <= 1 s) and ``gvi run gvi`` against
  the run itself (target <= 2x), as whole processes.
* :mod:`benchmarks.shared_warmup` - the scenarios of ``make demo`` and of a calibration
  particle run from one shared warm-up against each from the start (CPU, one process;
  no target).
* :mod:`benchmarks.ensemble_speed` - ``compare gvi`` at 50 replicates with the shipped
  posterior ensemble against the fixed parameters (target: at most 1.2x the wall time;
  issue 15).
* :mod:`benchmarks.throughput` - runs per second on 1 and 2 processes and Dask (target:
  2 processes >= 1.8x one); opt-in ``--sobol``: the whole shipped Sobol study through
  ``gvi sensitivity --workers 2`` (target <= 5 minutes).
* :mod:`benchmarks.large` - opt-in ``--large``: a 500,000-member city (or the largest the
  schema admits) over its full horizon (targets <= 2 minutes, <= 1 GB).

Absolute times on a shared machine drift with load, so the targets are ratios of figures
timed in one process or in interleaved child processes. Each repeat runs the variants
back to back (A B C A B C ...) so slow spells hit all of them alike, every variant gets
the same seed in a repeat (1..N), and the figures are medians over the repeats (min and
max shown for spread). Model construction is inside the run's timing; imports and
loading the scenario are not. Verdicts on run times use CPU time (of the process, BLAS
threads included), which load disturbs less than wall time; wall time is shown too. The
BLAS library and thread count the runs used are reported (``OPENBLAS_NUM_THREADS``). A
benchmark reports; it does not fail the build, so the exit code is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mesa.examples.basic.virus_on_network.model import VirusOnNetwork

from model import GVIModel
from scenarios import Scenario, load_scenario

from . import ensemble_speed, large, shared_warmup, speed, startup, throughput
from .child import blas_threads
from .common import REFERENCE_FIGURES, ROOT, check, spread

VIRUS_TARGET = 10.0  # virus / gvi, at least (issue 14)
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


def timed(fn: Callable[[], int]) -> tuple[float, float, int]:
    """Wall and CPU seconds of ``fn()``, and what it returns (a member count)."""
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    size = fn()
    return time.perf_counter() - start, time.process_time() - cpu, size


def measure_memory() -> dict[str, float]:
    """Peak RSS after a plain run, then the tracemalloc peak of a second, traced run (so the
    tracer's own overhead does not inflate the RSS figure, and lazy imports stay out of the
    traced peak)."""
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_benchmarks(repeats: int) -> dict[str, Any]:
    """Time gvi, virus and gvi_10x ``repeats`` times, interleaved, in this process, and
    measure memory once in a fresh one."""
    memory = measure_memory()  # first, while this process is still small
    scenario = load_scenario("gvi")
    big = scenario.with_updates({"city.n_groups": 10 * scenario.city.n_groups})
    steps = GVIModel(scenario, rng=0).end_day
    run_virus(run_gvi(scenario, 0), steps // 10, 0)  # warm-up: first-call costs stay out
    names = ("gvi", "virus", "gvi_10x")
    times: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    sizes: dict[str, list[int]] = {name: [] for name in names}

    def record(name: str, fn: Callable[[], int]) -> int:
        elapsed, used, size = timed(fn)
        times[name].append(elapsed)
        cpu[name].append(used)
        sizes[name].append(size)
        return size

    for seed in range(1, repeats + 1):  # interleaved: gvi, virus, gvi_10x, gvi, virus, ...
        members = record("gvi", lambda seed=seed: run_gvi(scenario, seed))
        record("virus", lambda m=members, seed=seed: run_virus(m, steps, seed))
        record("gvi_10x", lambda seed=seed: run_gvi(big, seed))
    virus_ratio = spread([v / g for v, g in zip(cpu["virus"], cpu["gvi"], strict=True)])
    scale_ratio = spread([b / g for b, g in zip(cpu["gvi_10x"], cpu["gvi"], strict=True)])
    return {
        "repeats": repeats,
        "steps": steps,
        "blas": blas_threads(),
        "members": {name: spread(s) for name, s in sizes.items()},
        "timings_s": {name: spread(t) for name, t in times.items()},
        "cpu_s": {name: spread(t) for name, t in cpu.items()},
        "memory_mb": memory,
        "ratios": {"virus / gvi": virus_ratio, "gvi_10x / gvi": scale_ratio},
        "checks": [
            check("virus / gvi (CPU)", virus_ratio["median"], ">=", VIRUS_TARGET, virus_ratio),
            check("gvi_10x / gvi (CPU)", scale_ratio["median"], "<=", SCALE_TARGET, scale_ratio),
            check("peak RSS of a run (MB)", memory["peak_rss_mb"], "<", RSS_TARGET_MB),
        ],
    }


def blas_line(blas: dict[str, Any]) -> str:
    env = ", ".join(f"{k}={blas[k]}" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"))
    return f"BLAS: {blas['library'] or 'no OpenBLAS found'}, {blas['threads']} thread(s) ({env})"


def report(result: dict[str, Any]) -> str:
    lines = [
        blas_line(result["blas"]),
        f"{result['repeats']} repeats, {result['steps']} steps each, interleaved in one process",
        "",
        f"{'variant':<10}{'members':>9}{'median s':>11}{'min s':>9}{'max s':>9}"
        f"{'CPU s':>9}{'ms/step':>9}",
    ]
    for name, t in result["timings_s"].items():
        c = result["cpu_s"][name]
        lines.append(
            f"{name:<10}{result['members'][name]['median']:>9.0f}{t['median']:>11.3f}"
            f"{t['min']:>9.3f}{t['max']:>9.3f}{c['median']:>9.3f}"
            f"{1000 * c['median'] / result['steps']:>9.3f}"
        )
    mem = result["memory_mb"]
    lines += [
        "",
        f"peak RSS {mem['peak_rss_mb']:.1f} MB (whole process, VmHWM; ru_maxrss "
        f"{mem['ru_maxrss_mb']:.1f} MB); tracemalloc peak "
        f"{mem['tracemalloc_peak_mb']:.1f} MB (run alone)",
        "members: median over seeds; virus has each seed's gvi member count",
    ]
    return "\n".join(lines)


def checks_table(rows: list[dict[str, Any]]) -> str:
    lines = ["", f"{'check':<42}{'median':>10}{'min-max':>16}{'target':>12}  result"]
    for c in rows:
        span = f"{c['min']:.2f}-{c['max']:.2f}" if "min" in c else ""
        lines.append(
            f"{c['name']:<42}{c['value']:>10.2f}{span:>16}{c['op']:>5} {c['target']:>6.1f}  "
            f"{'met' if c['pass'] else 'MISSED'}"
        )
    return "\n".join(lines)


def reference_figures(result: dict[str, Any]) -> dict[str, Any]:
    """What ``--record-reference`` keeps in ``benchmarks/reference.json``: the figures
    measured now, merged into those recorded before (an opt-in part not run now keeps its
    earlier figure)."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    today = time.strftime("%Y-%m-%d")
    recorded: dict[str, Any] = (
        json.loads(REFERENCE_FIGURES.read_text(encoding="utf-8"))
        if REFERENCE_FIGURES.is_file()
        else {}
    )
    recorded["note"] = (
        "figures recorded on a shared, loaded 2-core machine; CPU seconds are the steadier "
        "measure; speed.reference stands in when the reference commit cannot be unpacked"
    )
    if "speed" in result and result["speed"]["reference_source"].startswith("measured"):
        recorded["speed"] = {
            "measured": f"{today}, commit {speed.REFERENCE_COMMIT}, "
            f"{result['speed']['repeats']} repeats",
            "reference": result["speed"]["reference"],
            "current_at": head,
            "current": result["speed"]["current"],
        }
    for key in ("large", "sobol"):
        if key in result:
            recorded[key] = {"measured": f"{today}, commit {head}", **result[key]}
    return recorded


def run_default(repeats: int) -> dict[str, Any]:
    """What ``make bench`` runs (throughput aside), printing each part as it ends."""
    result = run_benchmarks(repeats)
    print(report(result), flush=True)
    result["speed"] = speed.run_speed(min(repeats, 5))
    print(speed.report(result["speed"]), flush=True)
    result["checks"] += speed.checks(result["speed"])
    result["startup"] = startup.run_startup(min(repeats, 5))
    print(startup.report(result["startup"]), flush=True)
    result["checks"] += startup.checks(result["startup"])
    result["shared_warmup"] = shared_warmup.run_shared_warmup(repeats=min(repeats, 3))
    print(shared_warmup.report(result["shared_warmup"]), flush=True)
    result["ensemble"] = ensemble_speed.run_ensemble_speed(repeats=min(repeats, 3))
    print(ensemble_speed.report(result["ensemble"]), flush=True)
    result["checks"] += ensemble_speed.checks(result["ensemble"])
    return result


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
    parser.add_argument(
        "--large",
        nargs="?",
        type=float,
        const=1.0,
        default=None,
        metavar="FRACTION",
        help="also run the 500,000-member city (or FRACTION of it); long",
    )
    parser.add_argument(
        "--sobol",
        action="store_true",
        help="also time the whole sobol_gvi study on 2 workers; long",
    )
    parser.add_argument(
        "--sobol-limit",
        type=float,
        default=None,
        metavar="MINUTES",
        help="stop the Sobol study after MINUTES and extrapolate from the runs finished",
    )
    parser.add_argument(
        "--opt-in-only",
        action="store_true",
        help="run only the parts asked for with --large and --sobol",
    )
    parser.add_argument(
        "--record-reference",
        action="store_true",
        help="write the measured figures to benchmarks/reference.json",
    )
    args = parser.parse_args(argv)
    repeats = args.repeats if args.repeats is not None else 3 if args.quick else 7
    if repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.large is not None and not 0 < args.large <= 1:
        parser.error(f"--large {args.large}: give a fraction in (0, 1], e.g. --large 0.1")
    if args.opt_in_only:
        result: dict[str, Any] = {"blas": blas_threads()}
        print(blas_line(result["blas"]), flush=True)
    else:
        result = run_default(repeats)
    rows = list(result.get("checks", []))
    if not args.no_throughput and not args.opt_in_only:
        result["throughput"] = throughput.run_throughput(repeats=3 if repeats >= 3 else 1)
        print(throughput.report(result["throughput"]), flush=True)
        t = result["throughput"]
        rows.append(
            check(
                "2 / 1 process runs per s",
                t["speedup_2_vs_1"],
                ">=",
                throughput.SPEEDUP_TARGET,
                t["speedup_2_vs_1_per_repeat"],
            )
        )
        rows.append(
            check(
                "Dask / process pool",
                t["dask_vs_pool"],
                ">=",
                throughput.DASK_TARGET,
                t["dask_vs_pool_per_repeat"],
            )
        )
    if args.sobol:
        limit = None if args.sobol_limit is None else 60 * args.sobol_limit
        result["sobol"] = throughput.run_study_timed(workers=2, limit_s=limit)
        print(throughput.study_report(result["sobol"]), flush=True)
        tag = " (extrapolated)" if result["sobol"]["stopped_at_limit"] else ""
        rows.append(
            check(
                f"Sobol study, 2 workers, s{tag}",
                result["sobol"]["whole_study_s"],
                "<=",
                throughput.STUDY_TARGET_S,
            )
        )
    if args.large is not None:
        result["large"] = large.run_large(args.large)
        print(large.report(result["large"]), flush=True)
        rows += large.checks(result["large"])
    result["checks"] = rows
    print(checks_table(rows))
    print("(a benchmark reports; it does not fail: exit code 0 whatever the figures)")
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.record_reference:
        figures = reference_figures(result)
        REFERENCE_FIGURES.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
