"""Memory stays flat over many runs.

Mesa 3.3.1 keeps every model alive through the class-level ``mesa.Agent._ids`` (Mesa
issue #3179); a :class:`model.GVIModel` frees itself when its run ends (``close()``, also
a context manager for a model stopped early). The fast tests show that no model outlives
its run — through the runner and through the public API as the README shows it — and
that the check would see one; the slow one runs 2,000 runs through one pool of 2
workers (``benchmarks/soak.py``).
"""

from __future__ import annotations

import gc
import sys
import weakref
from pathlib import Path

import mesa
import pytest

from experiments import runner
from experiments.runner import Task, run_task
from model import GVIModel

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture()
def live(monkeypatch) -> weakref.WeakSet:
    """Every model ``run_task`` builds, while it is alive."""
    models: weakref.WeakSet = weakref.WeakSet()

    class Tracked(GVIModel):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            models.add(self)

    monkeypatch.setattr(runner, "GVIModel", Tracked)
    return models


def test_no_model_outlives_its_run(tiny, live):
    scenario = tiny("gvi")
    gc.collect()
    ids_before = len(mesa.Agent._ids)
    for replicate in range(200):
        run_task(Task(scenario, replicate, 11))
        if replicate % 50 == 49:
            gc.collect()
            assert len(live) == 0, f"{len(live)} models alive after {replicate + 1} runs"
            assert len(mesa.Agent._ids) == ids_before


def test_models_built_through_the_public_api_are_freed(tiny, live):
    """``GVIModel(...)`` and ``run_model()`` as in the README: nothing stays behind."""
    scenario = tiny("gvi")
    gc.collect()
    ids_before = len(mesa.Agent._ids)
    for seed in range(100):
        model = runner.GVIModel(scenario, rng=seed)
        model.run_model()
        assert model.daily_metrics()["shootings"].sum() >= 0  # results stay readable
    del model
    gc.collect()
    assert len(live) == 0 and len(mesa.Agent._ids) == ids_before
    with runner.GVIModel(scenario, rng=1) as early:  # stopped early: the context frees it
        early.step()
    del early
    gc.collect()
    assert len(live) == 0


def test_the_check_sees_a_model_kept_alive(tiny, live):
    """A model stopped early and not closed stays in Mesa's registry: what the tests
    above rule out would be seen."""
    model = runner.GVIModel(tiny("gvi"), rng=1)
    model.step()
    del model
    gc.collect()
    try:
        assert len(live) == 1
    finally:
        release(live)
    gc.collect()
    assert len(live) == 0


def test_a_closed_model_takes_no_more_steps(tiny):
    model = GVIModel(tiny("gvi"), rng=1)
    model.step()
    model.close()
    with pytest.raises(RuntimeError, match="closed"):
        model.step()


def release(models: weakref.WeakSet) -> None:
    for model in list(models):
        model.close()


GROWTH_LIMIT_MB = 10.0


@pytest.mark.slow
def test_soak_memory_is_flat_in_a_worker_pool():
    """2,000 runs on 2 workers: each worker's RSS grows by less than 10 MB between the
    10 % mark (200 runs) and the end. A model kept alive costs about 0.5 MB for this
    scenario, so the ~900 runs a worker does after the mark would add ~450 MB if
    models leaked; 10 MB leaves room for allocator noise (about 1.5 MB measured) while
    catching a leak of more than ~11 kB per run."""
    from benchmarks.soak import report, run_soak

    f = run_soak(2000, workers=2)
    print(report(f))
    assert f["done"] == 2000
    assert f["worker_processes_seen"] == 2  # one pool, never replaced
    for worker in f["per_worker"]:
        assert worker["growth_mb"] is not None
        assert worker["growth_mb"] < GROWTH_LIMIT_MB, worker
