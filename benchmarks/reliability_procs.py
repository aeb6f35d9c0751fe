"""Process-level reliability figures for ``make reliability``.

* :func:`public_api_soak` — models built and run the way the README shows
  (``GVIModel(scenario, rng=seed)``, ``run_model()``) in one process: resident memory
  after the first 10 % and at the end (a model kept alive by Mesa 3.3's class-level
  ``Agent._ids`` costs about 0.5 MB at full length, so 2,000 leaked models would add
  about a gigabyte);
* :func:`orphan_check` — ``gvi sweep`` with a pool of 2 workers, its main process
  SIGKILLed once the pool runs: how many workers are left after 15 s;
* :func:`concurrent_out_check` — two ``gvi sweep`` on the same ``--out`` at once: the
  second must be refused in one line while the first finishes.
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
FLAT_MB = 50.0  # the bound for the public-API soak


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 1e6


def public_api_soak(models: int = 2000, scenario: str = "gvi") -> dict[str, Any]:
    """Run ``models`` full-length models in this process through the public API."""
    from model import GVIModel
    from scenarios import load_scenario

    sc = load_scenario(scenario)
    mark = max(1, models // 10)
    start = time.perf_counter()
    at_mark = None
    for seed in range(models):
        model = GVIModel(sc, rng=seed)
        model.run_model()
        del model
        if seed + 1 == mark:
            gc.collect()
            at_mark = _rss_mb()
    gc.collect()
    end = _rss_mb()
    growth = end - (at_mark or end)
    return {
        "models": models,
        "scenario": scenario,
        "seconds": time.perf_counter() - start,
        "rss_at_mark_mb": at_mark,
        "rss_end_mb": end,
        "growth_mb": growth,
        "ok": growth < FLAT_MB,
    }


def _sweep(folder: Path, replicates: int) -> tuple[Path, Path]:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from benchmarks import faults

    return faults.write_experiment(folder / "exp", replicates=replicates), folder / "out"


def _gvi(*args: str, **kw: Any) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gvi.cli", *args], cwd=ROOT, **kw)


def orphan_check(wait: float = 15.0) -> dict[str, Any]:
    """SIGKILL ``gvi sweep``'s main process while its pool works; count survivors."""
    with tempfile.TemporaryDirectory(prefix="gvi-orphans-") as tmp:
        experiment, out = _sweep(Path(tmp), replicates=40)
        main = _gvi("sweep", str(experiment), "--out", str(out), "--workers", "2",
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        workers: list[psutil.Process] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(workers) < 2:
            time.sleep(0.2)
            workers = psutil.Process(main.pid).children(recursive=True)
        os.kill(main.pid, signal.SIGKILL)
        main.wait()
        killed_at = time.monotonic()
        _, alive = psutil.wait_procs(workers, timeout=wait)
        gone_after = time.monotonic() - killed_at
        for p in alive:
            p.kill()
    return {
        "workers": len(workers),
        "left": len(alive),
        "seconds": gone_after,
        "ok": len(workers) >= 2 and not alive,
    }


def concurrent_out_check() -> dict[str, Any]:
    """Start two sweeps on one ``--out``: the second is refused, the first finishes."""
    with tempfile.TemporaryDirectory(prefix="gvi-lock-") as tmp:
        experiment, out = _sweep(Path(tmp), replicates=20)
        args = ("sweep", str(experiment), "--out", str(out), "--workers", "1")
        first = _gvi(*args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (out / ".gvi-lock").exists():
            time.sleep(0.05)
        second = subprocess.run(
            [sys.executable, "-m", "gvi.cli", *args],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        first_code = first.wait(timeout=600)
        lines = [x for x in second.stderr.splitlines() if x.strip()]
    refused = second.returncode == 2 and len(lines) == 1 and "in use by another" in lines[0]
    return {
        "second_exit": second.returncode,
        "second_message": lines[0] if lines else "",
        "first_exit": first_code,
        "ok": refused and first_code == 0,
    }
