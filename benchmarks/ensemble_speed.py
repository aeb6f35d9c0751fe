"""A comparison with the posterior ensemble against the same comparison with the fixed
parameters (issue 15: at most 20 % slower at 50 replicates).

Each repeat runs ``gvi compare gvi`` (the rollout and its business-as-usual twin) twice
through the experiment engine with 2 worker processes, once with the fixed parameters
and once with the shipped ensemble, in turn and with the same root seed, so load on a
shared machine hits both alike. Wall time of the whole call (process pool included):
what a planner waits. The ensemble changes how much violence a run simulates (sets with
more shootings take longer), which is the cost measured here.
"""

from __future__ import annotations

import time
from typing import Any

from .common import check, spread

TARGET = 1.2  # ensemble / fixed wall time, at most


def run_ensemble_speed(replicates: int = 50, repeats: int = 3, workers: int = 2) -> dict[str, Any]:
    from experiments import ensemble
    from experiments.comparison import compare

    try:
        shipped = ensemble.load()
    except ensemble.EnsembleMissing:
        return {"skipped": "no ensemble is shipped with this version"}
    times: dict[str, list[float]] = {"fixed": [], "ensemble": []}
    for rep in range(repeats):
        for name, chosen in (("fixed", None), ("ensemble", shipped)):
            start = time.perf_counter()
            compare(["gvi"], replicates=replicates, seed=rep + 1, workers=workers,
                    ensemble=chosen)  # fmt: skip
            times[name].append(time.perf_counter() - start)
    ratios = [e / f for e, f in zip(times["ensemble"], times["fixed"], strict=True)]
    return {
        "replicates": replicates,
        "repeats": repeats,
        "workers": workers,
        "sets": len(shipped),
        "wall_s": {name: spread(t) for name, t in times.items()},
        "ratio": spread(ratios),
    }


def report(result: dict[str, Any]) -> str:
    if "skipped" in result:
        return f"compare with the ensemble: skipped ({result['skipped']})"
    w, r = result["wall_s"], result["ratio"]
    return (
        f"compare gvi, {result['replicates']} replicates, {result['workers']} workers, "
        f"{result['repeats']} repeats in turn: fixed parameters {w['fixed']['median']:.1f} s "
        f"({w['fixed']['min']:.1f}-{w['fixed']['max']:.1f}), ensemble of {result['sets']} "
        f"sets {w['ensemble']['median']:.1f} s ({w['ensemble']['min']:.1f}-"
        f"{w['ensemble']['max']:.1f}); ratio {r['median']:.2f} ({r['min']:.2f}-{r['max']:.2f})"
    )


def checks(result: dict[str, Any]) -> list[dict[str, Any]]:
    if "skipped" in result:
        return []
    r = result["ratio"]
    return [check("compare with the ensemble / fixed (wall)", r["median"], "<=", TARGET, r)]
