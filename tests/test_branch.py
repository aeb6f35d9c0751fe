"""A model branched at the rollout gives the run of the other scenario to the last bit,
and the engine's shared warm-ups (experiments.runner.run_together) rest on that.

The claim behind it: nothing a scenario sets outside its city and business as usual
(``Scenario.city_settings``) acts before the rollout. The first test checks that claim
parameter by parameter; the others check branching against direct runs.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pytest
from cityhelpers import make_tiny

from experiments.runner import Task, run_task, run_tasks, run_together, warmup_groups
from experiments.validation import run_record
from model import GVIModel
from scenarios import Scenario, list_presets, load_scenario
from scenarios.schema import ParamSpec, Section, parameters


def _digest(model: GVIModel, upto: int | None = None) -> str:
    daily = model.daily_metrics()
    events = model.events()
    if upto is not None:
        daily = daily[daily["day"] < upto]
        events = events[events["day"] < upto]
    text = daily.to_csv(float_format="%.17g") + events.to_csv(float_format="%.17g")
    return hashlib.sha256(text.encode()).hexdigest()


def _other_value(spec: ParamSpec, value: Any) -> Any:
    """A valid value of ``spec`` other than ``value``."""
    if spec.type == "bool":
        return not value
    low = spec.ge if spec.ge is not None else (spec.gt if spec.gt is not None else 0)
    high = spec.le if spec.le is not None else 2 * value + 10
    if spec.type == "int":
        return value + 1 if value + 1 <= high else value - 1
    if spec.gt is not None and low == spec.gt:
        low = low + 1e-3 * (high - low)
    other = value * 1.3 + 0.01
    return other if other <= high else (value + low) / 2


def _pre_rollout(sc: Scenario, seed: int) -> str:
    with GVIModel(sc, rng=seed) as model:
        model.run_to_rollout()
        return _digest(model)


# a small city with a long time before the rollout: arrests, custody, recruits
EARLY = {"time.rollout_day": 150, "time.horizon_days": 160}


@pytest.mark.parametrize("preset", ["gvi", "crackdown"])
def test_nothing_but_the_city_acts_before_the_rollout(preset: str) -> None:
    base = make_tiny(preset, EARLY)
    reference = _pre_rollout(base, 11)
    acted, tried = [], 0
    for spec in parameters():
        if spec.city or spec.type not in ("int", "float", "bool"):
            continue
        value = getattr(getattr(base, spec.section), spec.name)
        if value is None:
            continue
        try:
            changed = base.with_updates({spec.path: _other_value(spec, value)})
        except ValueError:
            continue  # e.g. a call-in day beyond the horizon: not a scenario
        tried += 1
        if _pre_rollout(changed, 11) != reference:
            acted.append(spec.path)
    assert acted == []
    assert tried >= 70  # 74 of the plan's parameters; other values of the rest are refused


def _world_groups() -> list[list[str]]:
    groups: dict[tuple[Any, ...], list[str]] = {}
    for name, *_ in list_presets():
        key = tuple(sorted(load_scenario(name).city_settings().items()))
        groups.setdefault(key, []).append(name)
    return list(groups.values())


@pytest.mark.parametrize("seed", [1, 2])
def test_a_branch_is_the_run_of_its_scenario(seed: int) -> None:
    for names in _world_groups():
        first = load_scenario(names[0])
        with GVIModel(first, rng=seed) as warm:
            warm.run_to_rollout()
            for name in names:
                with warm.branch(load_scenario(name)) as branch:
                    branch.run_model()
                    got = _digest(branch)
                with GVIModel(load_scenario(name), rng=seed) as direct:
                    direct.run_model()
                    assert got == _digest(direct), (names[0], name, seed)


def test_a_branch_takes_every_section_of_its_scenario() -> None:
    """Every section of a scenario the branched model holds is the second scenario's
    own (a submodel that kept the first's, or a copy of it, would act on the wrong
    plan)."""
    first, second = make_tiny("crackdown"), make_tiny("gvi")
    with GVIModel(first, rng=3) as warm:
        warm.run_to_rollout()
        branch = warm.branch(second)
    ours = {id(getattr(second, name)) for name in type(second).model_fields} | {id(second)}
    stale: list[str] = []
    seen: set[int] = set()

    def walk(obj: Any, where: str, depth: int) -> None:
        if id(obj) in seen or depth > 4:
            return
        seen.add(id(obj))
        if isinstance(obj, Section):
            if id(obj) not in ours:
                stale.append(where)
            return
        if isinstance(obj, np.ndarray | str | bytes | int | float):
            return
        if isinstance(obj, dict):
            for k, v in list(obj.items())[:50]:
                walk(v, f"{where}[{k!r}]", depth + 1)
        elif isinstance(obj, list | tuple):
            for k, v in enumerate(obj[:50]):
                walk(v, f"{where}[{k}]", depth + 1)
        elif hasattr(obj, "__dict__"):
            for k, v in vars(obj).items():
                walk(v, f"{where}.{k}", depth + 1)

    walk(branch, "model", 0)
    branch.close()
    assert stale == []
    assert branch.params is second
    assert len(branch.enforcers) == second.enforcement.units
    assert len(branch.workers) == second.support.workers
    ids = [a.unique_id for a in branch.agents]
    assert len(ids) == len(set(ids))


def test_branching_is_refused_where_it_would_be_wrong() -> None:
    sc = make_tiny("gvi")
    with GVIModel(sc, rng=1) as model:
        with pytest.raises(RuntimeError, match="start of the rollout"):
            model.branch(sc)
        model.run_to_rollout()
        bigger = sc.with_updates({"city.n_groups": 7})
        with pytest.raises(ValueError, match=r"cities or business as usual differ.*n_groups"):
            model.branch(bigger)
        model.step()
        with pytest.raises(RuntimeError, match="start of the rollout"):
            model.branch(sc)


def test_shared_warmups_give_the_runs_of_their_own() -> None:
    scs = [make_tiny(p) for p in ("baseline", "gvi", "crackdown", "gvi_lapse")]
    other_city = make_tiny("gvi", {"city.n_groups": 5, "name": "five"})
    tasks = [Task(sc, r, 7) for sc in [*scs, other_city] for r in range(2)]
    assert sorted(map(len, warmup_groups(tasks))) == [1, 1, 4, 4]
    alone = [run_task(t) for t in tasks]
    for together in (run_together(tasks), run_tasks(tasks, workers=2, progress=False)):
        for a, b in zip(alone, together, strict=True):
            assert a.frame().equals(b.frame())
            assert a.members == b.members
    records = run_together(tasks, run_record)
    for t, rec in zip(tasks, records, strict=True):
        again = run_record(t)
        assert np.array_equal(rec.daily_shootings, again.daily_shootings)
        assert np.array_equal([rec.caseload], [again.caseload], equal_nan=True)


def test_warm_models_give_the_runs_of_their_own() -> None:
    """Tasks one at a time: a warm-up is kept from its second use, each task's run is
    the same as alone, and the kept models stay within their limits."""
    from experiments.runner import WarmModels

    plans = [make_tiny(p) for p in ("gvi", "crackdown", "baseline", "gvi_lapse")]
    warm = WarmModels(size=2)
    try:
        for r in range(3):
            for sc in plans:
                task = Task(sc, r, 5)
                got = run_task(task, warm.model(task))
                assert got.frame().equals(run_task(task).frame())
        assert len(warm.kept) == 2  # three replicates' warm-ups, the oldest closed
        small = WarmModels(members=1)  # too small to keep any city
        task = Task(plans[0], 0, 5)
        for _ in range(2):
            assert run_task(task, small.model(task)).frame().equals(run_task(task).frame())
        assert not small.kept
    finally:
        warm.close()
