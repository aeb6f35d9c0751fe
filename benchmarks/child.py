"""One benchmark child: time model runs of whichever tree is first on ``PYTHONPATH``.

Run as a script, ``python benchmarks/child.py '<json>'``, with ``PYTHONPATH`` set to a
source tree (the working tree, or the reference commit unpacked under ``.bench-cache/``),
so the same file times both versions. It uses only the API both share:
``scenarios.load_scenario``, ``Scenario.with_updates``, ``model.GVIModel(scenario,
rng=seed)``, ``run_model()``, ``end_day`` and ``city.nominal_size``.

The JSON argument holds ``preset``, optional ``warmup_days`` (an untimed short run first)
and ``runs``: each a ``name``, ``updates`` (dotted paths), optional ``past_caps`` (dotted
paths set without validation, for a city beyond the schema's caps) and ``seed``. Imports and the
scenario load are outside the timing; each run is timed alone, its model construction
and its full horizon separately (wall and CPU seconds). The child prints one JSON line:
the runs (times, members, groups, days), the peak RSS of the whole process (``VmHWM``),
the file the model was imported from, and the BLAS library and thread count it used.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import re
import sys
import time
from typing import Any

BLAS_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def peak_rss_mb() -> float:
    """The kernel's high-water mark of this process's resident set, in MB."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            match = re.search(r"VmHWM:\s*(\d+)", f.read())
    except OSError:
        return float("nan")
    return int(match.group(1)) / 1024 if match else float("nan")


def blas_threads() -> dict[str, Any]:
    """The OpenBLAS library numpy loaded and its thread count, read from the library itself
    (``openblas_get_num_threads``), with the environment variables that set it."""
    info: dict[str, Any] = {name: os.environ.get(name) for name in BLAS_ENV}
    info["library"] = None
    info["threads"] = None
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            paths = {line.split()[-1] for line in f if "openblas" in line.lower()}
    except OSError:
        return info
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in (
            "openblas_get_num_threads",
            "openblas_get_num_threads64_",
            "scipy_openblas_get_num_threads64_",
            "scipy_openblas_get_num_threads",
        ):
            fn = getattr(lib, symbol, None)
            if fn is not None:
                info["library"] = os.path.basename(path)
                info["threads"] = int(fn())
                return info
    return info


def timed_run(scenario: Any, seed: int) -> dict[str, Any]:
    """Build and run one model; wall and CPU seconds of each part."""
    from model import GVIModel  # noqa: PLC0415 - imported from the tree on PYTHONPATH

    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    model = GVIModel(scenario, rng=seed)
    t1, c1 = time.perf_counter(), time.process_time()
    model.run_model()
    t2, c2 = time.perf_counter(), time.process_time()
    result = {
        "build_s": t1 - t0,
        "run_s": t2 - t1,
        "wall_s": t2 - t0,
        "build_cpu_s": c1 - c0,
        "run_cpu_s": c2 - c1,
        "cpu_s": c2 - c0,
        "members": int(model.city.nominal_size.sum()),
        "groups": int(model.city.n_groups),
        "days": int(model.end_day),
    }
    close = getattr(model, "close", None)
    if close is not None:
        close()
    return result


def past_caps(scenario: Any, values: dict[str, Any]) -> Any:
    """``scenario`` with the dotted ``values`` set without validation: a benchmark's city
    larger than the schema admits (the model runs it; a scenario file could not ask
    for it)."""
    for path, value in values.items():
        section, name = path.split(".")
        part = getattr(scenario, section).model_copy(update={name: value})
        scenario = scenario.model_copy(update={section: part})
    return scenario


def main(arg: str) -> None:
    spec = json.loads(arg)
    from model import GVIModel  # noqa: PLC0415
    from scenarios import load_scenario  # noqa: PLC0415

    base = load_scenario(spec.get("preset", "gvi"))
    scenarios = {
        run["name"]: past_caps(
            base.with_updates(run["updates"]) if run.get("updates") else base,
            run.get("past_caps", {}),
        )
        for run in spec["runs"]
    }
    if spec.get("warmup_days"):  # first-call costs (lazy imports, caches) stay out
        warm = GVIModel(base, rng=0)
        for _ in range(spec["warmup_days"]):
            warm.step()
    runs = {run["name"]: timed_run(scenarios[run["name"]], run["seed"]) for run in spec["runs"]}
    result = {
        "runs": runs,
        "peak_rss_mb": peak_rss_mb(),
        "model_file": sys.modules["model"].__file__,
        "blas": blas_threads(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])
