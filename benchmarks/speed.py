"""Run time against the reference commit, and the fixed cost per simulated day.

Each repeat starts two children, one per source tree, in turn (current, reference,
current, reference, ...), so load on a shared machine hits both alike; a repeat's
children get the same seed. Every child runs, after a short untimed warm-up, the same
three cities of the ``gvi`` preset: the default (32 groups), one group and 128 groups.

* speed-up = reference time / current time of the default run (model construction and
  full horizon), medians over repeats. Target (issue 14): at least 5.
* cost per simulated day = ``run_model()`` time / days (construction excluded) of the
  one-group city, in microseconds; the slope per group is the least-squares line through
  the 1-, 32- and 128-group figures. Target: at most 30 µs per day for one group.

Both CPU time (of the child process, BLAS threads included) and wall time are kept;
verdicts use CPU time, which a busy shared machine disturbs far less than wall time.
When git or the reference commit is not available, the reference figures recorded in
``benchmarks/reference.json`` stand in (absolute times from another moment and load:
the ratio is then only indicative), and the report says so.
"""

from __future__ import annotations

from typing import Any

from .common import (
    REFERENCE_COMMIT,
    ROOT,
    check,
    recorded_reference,
    reference_tree,
    run_child,
    spread,
)

SPEEDUP_TARGET = 5.0  # reference / current time, at least
PER_DAY_TARGET_US = 30.0  # one-group city, at most
CITIES = {"default": 32, "one_group": 1, "groups_128": 128}


def _spec(seed: int) -> dict[str, Any]:
    runs = [{"name": "default", "seed": seed}]
    runs += [
        {"name": name, "seed": seed, "updates": {"city.n_groups": n}}
        for name, n in CITIES.items()
        if name != "default"
    ]
    return {"preset": "gvi", "warmup_days": 60, "runs": runs}


def _collect(children: list[dict[str, Any]]) -> dict[str, Any]:
    """Per city: spreads of total and run-only times (wall, CPU), µs per day, members."""
    out: dict[str, Any] = {}
    for name in CITIES:
        runs = [c["runs"][name] for c in children]
        days = runs[0]["days"]
        out[name] = {
            "groups": runs[0]["groups"],
            "days": days,
            "members": spread([r["members"] for r in runs]),
            "cpu_s": spread([r["cpu_s"] for r in runs]),
            "wall_s": spread([r["wall_s"] for r in runs]),
            "us_per_day_cpu": spread([1e6 * r["run_cpu_s"] / days for r in runs]),
            "us_per_day_wall": spread([1e6 * r["run_s"] / days for r in runs]),
        }
    out["slope_us_per_group_day_cpu"] = _slope(
        [out[n]["groups"] for n in CITIES], [out[n]["us_per_day_cpu"]["median"] for n in CITIES]
    )
    return out


def _slope(x: list[float], y: list[float]) -> float:
    mx, my = sum(x) / len(x), sum(y) / len(y)
    return sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True)) / sum(
        (a - mx) ** 2 for a in x
    )


def run_speed(repeats: int) -> dict[str, Any]:
    """Current and reference trees, interleaved children; figures and ratios."""
    tree, why = reference_tree()
    current: list[dict[str, Any]] = []
    reference: list[dict[str, Any]] = []
    for seed in range(1, repeats + 1):
        current.append(run_child(ROOT, _spec(seed)))
        if tree is not None:
            reference.append(run_child(tree, _spec(seed)))
    result: dict[str, Any] = {
        "repeats": repeats,
        "reference_commit": REFERENCE_COMMIT,
        "blas": current[0]["blas"],
        "current": _collect(current),
    }
    if tree is not None:
        result["reference"] = _collect(reference)
        result["reference_source"] = f"measured: commit {REFERENCE_COMMIT}, interleaved"
        # paired by seed and moment: the ratio of each pair, then the median
        ratios = [
            r["runs"]["default"]["cpu_s"] / c["runs"]["default"]["cpu_s"]
            for c, r in zip(current, reference, strict=True)
        ]
        wall = [
            r["runs"]["default"]["wall_s"] / c["runs"]["default"]["wall_s"]
            for c, r in zip(current, reference, strict=True)
        ]
    else:
        recorded = recorded_reference()["speed"]
        result["reference"] = recorded["reference"]
        result["reference_source"] = (
            f"recorded in benchmarks/reference.json ({recorded['measured']}), not measured: "
            f"{why}; absolute times from another moment, the ratio is only indicative"
        )
        ref_cpu = recorded["reference"]["default"]["cpu_s"]["median"]
        ref_wall = recorded["reference"]["default"]["wall_s"]["median"]
        ratios = [ref_cpu / c["runs"]["default"]["cpu_s"] for c in current]
        wall = [ref_wall / c["runs"]["default"]["wall_s"] for c in current]
    result["speedup_cpu"] = spread(ratios)
    result["speedup_wall"] = spread(wall)
    return result


def checks(result: dict[str, Any]) -> list[dict[str, Any]]:
    cur = result["current"]
    return [
        check(
            f"speed-up vs {REFERENCE_COMMIT} (CPU)",
            result["speedup_cpu"]["median"],
            ">=",
            SPEEDUP_TARGET,
            spread_of=result["speedup_cpu"],
        ),
        check(
            "1-group city, us per day (CPU)",
            cur["one_group"]["us_per_day_cpu"]["median"],
            "<=",
            PER_DAY_TARGET_US,
            spread_of=cur["one_group"]["us_per_day_cpu"],
        ),
    ]


def report(result: dict[str, Any]) -> str:
    lines = [
        "",
        f"run time against the reference commit {REFERENCE_COMMIT} "
        f"({result['repeats']} repeats, children interleaved; CPU s, wall s in brackets)",
        f"  reference: {result['reference_source']}",
        f"  {'city':<12}{'groups':>7}{'members':>9}{'current':>18}{'reference':>18}"
        f"{'us/day cur':>12}{'us/day ref':>12}",
    ]
    ref = result["reference"]
    for name in CITIES:
        c, r = result["current"][name], ref[name]
        lines.append(
            f"  {name:<12}{c['groups']:>7}{c['members']['median']:>9.0f}"
            f"{c['cpu_s']['median']:>8.3f} ({c['wall_s']['median']:>6.3f})"
            f"{r['cpu_s']['median']:>9.3f} ({r['wall_s']['median']:>6.3f})"
            f"{c['us_per_day_cpu']['median']:>12.0f}{r['us_per_day_cpu']['median']:>12.0f}"
        )
    lines.append(
        f"  slope per group: {result['current']['slope_us_per_group_day_cpu']:.2f} us per "
        f"group-day now, {ref['slope_us_per_group_day_cpu']:.2f} at the reference (CPU)"
    )
    s, w = result["speedup_cpu"], result["speedup_wall"]
    lines.append(
        f"  speed-up of the default run: {s['median']:.2f}x CPU (min {s['min']:.2f}, max "
        f"{s['max']:.2f}); wall {w['median']:.2f}x (min {w['min']:.2f}, max {w['max']:.2f})"
    )
    return "\n".join(lines)
