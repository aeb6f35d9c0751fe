"""Plan search: with the money and staff a partnership has, which plan does most?

    >>> from experiments.plan import search
    >>> p = search("gvi", budget_sek=30e6, out="results/plan-gvi")     # doctest: +SKIP
    >>> p.front[["robust_averted", "cost_per_year", "custody_per_year"]]  # doctest: +SKIP

NSGA-II (Deb et al. 2002, doi:10.1109/4235.996017; pymoo's implementation, Blank & Deb
2020) searches the plan space of :mod:`experiments.decision` — which components are on
(call-ins, custom notifications, group enforcement, outreach) and the levers — for the
Pareto front of three objectives:

- **shootings averted a year, robustly**: the ``percentile``-th percentile (default the
  10th) over ``worlds`` plausible worlds, not the mean: a plan that does well only in
  favourable worlds does not rank high;
- **the programme's yearly cost** (SEK, mean over the worlds; what the partnership
  spends, see :func:`experiments.decision.programme_cost`);
- **extra custody days a year** against business as usual (mean over the worlds);

starting from the scenario's own plan and the presets that are plans of the space
(``gvi``, ``deterrence_only``, ``support_only``), the rest of the first population a Latin
hypercube; subject to the mean yearly cost within ``budget_sek`` and the staff limits (outreach
workers, enforcement units: the levers' upper ends). World ``k`` is parameter set
``draws[k]`` of the posterior ensemble with the seed of replicate ``k``, the same for
every plan (common random numbers), and every plan runs against its business-as-usual
twin in each world.

Every evaluation goes through the experiment engine (:func:`experiments.pipeline.run_jobs`:
result store, workers, Dask): a plan is stored as soon as its batch finishes, and the
search is deterministic for a seed, so a rerun on the same folder replays the
generations from the store and goes on where it stopped, without running a finished
evaluation again. The shipped presets (their policies applied to the scenario's city)
run in the same worlds and are placed against the front.

The front is chosen on these worlds, so its figures are the best of many tries on them
(optimistic); the presets' are not. Check a chosen plan with ``gvi compare``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scenarios import Scenario, load_scenario
from scenarios.errors import Message

from . import ensemble as ensembles
from .decision import LEVERS, STAFF, SWITCHES, Factor, PairedEvaluator, lever, spec_of, switch
from .executors import make_executor
from .output import write_result
from .pipeline import Job, run_jobs
from .runner import root_entropy
from .store import ResultStore

PRESETS = ("gvi", "deterrence_only", "support_only", "crackdown", "gvi_lapse")
PLANNABLE = ("gvi", "deterrence_only", "support_only")  # presets that are points of the space
PRESET_POINT = 900_000  # the presets' point numbers start here; plans count from 0
OBJECTIVES = ("robust_averted", "cost_per_year", "custody_per_year")


# -- the optimiser, on any batch function ------------------------------------------------

BatchFn = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray | None]]


def nsga2(
    evaluate: BatchFn,
    *,
    n_var: int,
    n_obj: int,
    n_constr: int = 0,
    population: int = 32,
    generations: int = 15,
    seed: int = 1,
    start: np.ndarray | None = None,
    on_generation: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Minimise ``evaluate(X) -> (F, G)`` over ``X`` in [0, 1]^n_var with NSGA-II
    (``G <= 0`` feasible; G None without constraints); returns the final population's
    non-dominated ``X`` and ``F``. Deterministic for a ``seed``; ``on_generation(g)``
    after each generation. ``start``: rows of the first population (the rest a Latin
    hypercube from the seed)."""
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.problem import Problem
    from pymoo.termination import get_termination

    class _Batch(Problem):
        def __init__(self) -> None:
            super().__init__(n_var=n_var, n_obj=n_obj, n_ieq_constr=n_constr, xl=0.0, xu=1.0)

        def _evaluate(self, x: np.ndarray, out: dict[str, Any], *args: Any, **kwargs: Any) -> None:
            f, g = evaluate(np.asarray(x, dtype=float))
            out["F"] = f
            if n_constr:
                out["G"] = g

    problem = _Batch()
    from scipy.stats import qmc

    first = qmc.LatinHypercube(d=n_var, rng=np.random.default_rng(seed)).random(population)
    if start is not None and len(start):
        first[: min(len(start), population)] = np.clip(start[:population], 0.0, 1.0)
    algorithm = NSGA2(pop_size=population, sampling=first, eliminate_duplicates=True)
    algorithm.setup(problem, termination=get_termination("n_gen", generations), seed=seed)
    g = 0
    while algorithm.has_next():
        pop = algorithm.ask()
        algorithm.evaluator.eval(problem, pop)
        algorithm.tell(infills=pop)
        g += 1
        if on_generation is not None:
            on_generation(g)
    result = algorithm.result()
    x = np.atleast_2d(result.X) if result.X is not None else np.empty((0, n_var))
    f = np.atleast_2d(result.F) if result.F is not None else np.empty((0, n_obj))
    return x, f


def non_dominated(f: np.ndarray) -> np.ndarray:
    """Indices of the rows of ``f`` (minimised) that no other row dominates."""
    if len(f) == 0:
        return np.empty(0, dtype=int)
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    return np.asarray(NonDominatedSorting().do(f, only_non_dominated_front=True), dtype=int)


# -- the plan space -------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """A partnership's limits: yearly budget (SEK) and staff (None: the lever's range)."""

    budget_sek: float
    outreach_workers: int | None = None
    enforcement_units: int | None = None

    def check(self) -> None:
        if not np.isfinite(self.budget_sek) or self.budget_sek <= 0:
            raise ValueError(Message("problem.plan_budget", got=f"{self.budget_sek:g}"))
        for name in STAFF:
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(Message(f"problem.plan_{name}", got=value))


def plan_space(limits: Limits, only: Sequence[str] | None = None) -> list[Factor]:
    """The switches and the levers (those in ``only``, if given; the others keep the
    scenario's values), staff levers capped by ``limits``. ValueError for a path in
    ``only`` that is not a lever or switch of the plan space."""
    caps = {STAFF[name]: getattr(limits, name) for name in STAFF}
    known = (*SWITCHES, *LEVERS)
    for path in only or ():
        if path not in known:
            raise ValueError(
                Message("problem.plan_lever", path=repr(path), levers=", ".join(known))
            )
    keep = set(only or known)
    space = [switch(p) for p in SWITCHES if p in keep]
    return space + [lever(p, high=caps.get(p)) for p in LEVERS if p in keep]


def encode(space: Sequence[Factor], plan: dict[str, Any]) -> np.ndarray:
    """The point of the unit hypercube of a plan (values outside a range are clipped:
    the nearest plan within the limits)."""
    u = []
    for f in space:
        v = float(plan[f.path])
        u.append(
            v if f.kind == "switch" else (v - f.low) / (f.high - f.low) if f.high > f.low else 0.0
        )
    return np.clip(np.asarray(u, dtype=float), 0.0, 1.0)


def decode(space: Sequence[Factor], u: np.ndarray) -> dict[str, Any]:
    """A plan (``{path: value}``) from a point of the unit hypercube."""
    return {f.path: f.value(float(v)) for f, v in zip(space, u, strict=True)}


def preset_plan(preset: str, city: Scenario, calibrated: Sequence[str] = ()) -> dict[str, Any]:
    """The preset's policy for ``city``: every parameter that is not the city's and in
    which the preset differs from ``city``'s scenario, less those the ensemble
    calibrates (each world's parameter set decides those, for presets as for plans)."""
    sc = load_scenario(preset)
    out: dict[str, Any] = {}
    for section in type(sc).model_fields:
        node = getattr(sc, section)
        if not hasattr(type(node), "model_fields"):
            continue
        for name in type(node).model_fields:
            path = f"{section}.{name}"
            if spec_of(path).city or path in calibrated:
                continue
            value = getattr(node, name)
            if value != getattr(getattr(city, section), name):
                out[path] = value
    return out


def _flat(plan: dict[str, Any]) -> dict[str, Any]:
    """``{path: value}`` from a plan or a scenario's nested dump."""
    out: dict[str, Any] = {}
    for key, value in plan.items():
        if isinstance(value, dict):
            out |= {f"{key}.{k}": v for k, v in value.items()}
        else:
            out[key] = value
    return out


# -- the search on the model ------------------------------------------------------------


@dataclass
class PlanSearch:
    """A finished search: every evaluated plan and preset (``plans``: ``point``,
    ``kind`` plan/preset, ``name``, one column per factor, the objectives, mean
    averted, ``feasible``, ``on_front``), the space, limits and the manifest."""

    scenario: Scenario
    space: list[Factor]
    limits: Limits
    plans: pd.DataFrame
    percentile: float
    worlds: int
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def front(self) -> pd.DataFrame:
        f = self.plans[self.plans["on_front"]]
        return f.sort_values("cost_per_year", kind="stable", ignore_index=True)

    @property
    def presets(self) -> pd.DataFrame:
        return self.plans[self.plans["kind"] == "preset"].reset_index(drop=True)

    @property
    def ensemble(self) -> dict[str, Any] | None:
        record = self.manifest.get("ensemble")
        return record if isinstance(record, dict) else None

    def against_presets(self) -> pd.DataFrame:
        """Per preset: a front plan at no more cost that averts at least as many with no
        more custody days (``dominates``; ``matches`` when its figures are the preset's
        own: the preset is a plan on the front), else the front plan that averts most at
        no more cost (``averts_more_more_custody`` or ``averts_less``); or
        ``no_plan_as_cheap``."""
        rows = []
        front = self.front
        for p in self.presets.itertuples():
            cheaper = front[front["cost_per_year"] <= p.cost_per_year]
            row: dict[str, Any] = {"preset": p.name, "preset_point": p.point}
            row |= {f"preset_{k}": getattr(p, k) for k in OBJECTIVES}
            if cheaper.empty:
                rows.append(row | {"verdict": "no_plan_as_cheap"})
                continue
            better = cheaper[
                (cheaper["robust_averted"] >= p.robust_averted)
                & (cheaper["custody_per_year"] <= p.custody_per_year)
            ]
            pool = better if not better.empty else cheaper
            best = pool.loc[pool["robust_averted"].idxmax()]
            row |= {"plan_point": int(best["point"])}
            row |= {f"plan_{k}": float(best[k]) for k in OBJECTIVES}
            same = all(float(best[k]) == float(getattr(p, k)) for k in OBJECTIVES)
            row["verdict"] = (
                ("matches" if same else "dominates")
                if not better.empty
                else "averts_more_more_custody"
                if best["robust_averted"] >= p.robust_averted
                else "averts_less"
            )
            rows.append(row)
        return pd.DataFrame(rows)

    def to_json(self) -> dict[str, Any]:
        def rec(df: pd.DataFrame) -> list[dict[str, Any]]:
            return json.loads(df.to_json(orient="records"))

        return {
            "kind": "plan",
            "scenario": self.scenario.name,
            "limits": self.limits.__dict__,
            "worlds": self.worlds,
            "percentile": self.percentile,
            "objectives": {
                "robust_averted": f"shootings averted a year, {self.percentile:g}th percentile "
                "over the worlds",
                "cost_per_year": "the programme's yearly cost (SEK), mean over the worlds",
                "custody_per_year": "extra custody days a year against business as usual, "
                "mean over the worlds",
            },
            "worlds_are": "parameter sets of the posterior ensemble with their runs' chance"
            if self.ensemble
            else "one fixed parameter set: chance only, not model uncertainty",
            "front": rec(self.front),
            "presets": rec(self.presets),
            "against_presets": rec(self.against_presets()),
            "evaluated": int((self.plans["kind"] == "plan").sum()),
            "ensemble": self.ensemble,
            "root_seed_entropy": self.manifest.get("root_seed_entropy"),
        }

    def save(self, out: str | os.PathLike[str], *, lang: str = "en") -> Path:
        """Write ``plans.parquet``, ``front.csv``, ``plan.json`` and ``plan.html``."""
        from gvi.report.decision import render_plan

        tables = {"plans.parquet": self.plans, "front.csv": self.front}
        page = render_plan(self, lang=lang)
        return write_result(Path(out), "plan", tables, self.to_json(), page)


def summarise(results: pd.DataFrame, percentile: float) -> pd.DataFrame:
    """Per point: the objectives over its worlds (``results``: one row per job)."""
    g = results.groupby("point")
    return pd.DataFrame(
        {
            "robust_averted": g["averted_per_year"].quantile(percentile / 100.0),
            "mean_averted": g["averted_per_year"].mean(),
            "cost_per_year": g["cost_per_year"].mean(),
            "custody_per_year": g["custody_per_year"].mean(),
            "change_pct": g["change_pct"].mean(),
            "worlds": g.size(),
        }
    )


def search(
    scenario: str | os.PathLike[str] | Scenario = "gvi",
    *,
    out: str | os.PathLike[str],
    budget_sek: float,
    outreach_workers: int | None = None,
    enforcement_units: int | None = None,
    worlds: int = 10,
    percentile: float = 10.0,
    population: int = 32,
    generations: int = 15,
    presets: Sequence[str] = PRESETS,
    levers: Sequence[str] | None = None,
    seed: int = 1,
    ensemble: Any = ensembles.SHIPPED_DEFAULT,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    progress: bool = False,
    on_generation: Callable[[int, int, pd.DataFrame], None] | None = None,
    lang: str = "en",
) -> PlanSearch:
    """Search (resumably, into ``out``) the plans for ``scenario``'s city; see the module
    docstring. ``levers``: search only these levers and switches (dotted paths; the rest
    keep ``scenario``'s values). ``on_generation(g, generations, summary)`` reports
    progress. Invalid input raises ValueError with one line."""
    from .comparison import plan as comparison_plan

    limits = Limits(float(budget_sek), outreach_workers, enforcement_units)
    limits.check()
    if worlds < 5:
        raise ValueError(Message("problem.plan_worlds", got=worlds))
    if not 0 < percentile < 100:
        raise ValueError(Message("problem.plan_percentile", got=f"{percentile:g}"))
    if population < 4 or generations < 1:
        raise ValueError(
            Message("problem.plan_population", population=population, generations=generations)
        )
    unknown = [p for p in presets if p not in PRESETS]
    if unknown:
        raise ValueError(
            Message("problem.plan_preset", name=repr(unknown[0]), known=", ".join(PRESETS))
        )
    scs, files, _ = comparison_plan([scenario if isinstance(scenario, Scenario) else str(scenario)])
    twin, base = scs
    space = plan_space(limits, levers)
    entropy = root_entropy(seed)
    ens, where = ensembles.resolve(ensemble)
    kept: dict[str, Any] = {}
    world_params: list[dict[str, Any]] = [{} for _ in range(worlds)]
    if ens is not None:
        ensembles.check_identity(ens, where)
        kept = ensembles.check_parameters(ens, scs, files, where)
        drawn = ensembles.draws(ens, worlds, entropy)
        chosen = ensembles.by_set(ens, list(kept))
        world_params = [chosen[int(k)] for k in drawn]
    calibrated = [p for p in (ens.parameters if ens is not None else []) if p not in kept]
    preset_points = {
        PRESET_POINT + i: preset_plan(name, base, calibrated) for i, name in enumerate(presets)
    }
    identity = {
        "kind": "plan",
        "scenario": base.model_dump(mode="json"),
        "worlds": worlds,
        "root_seed_entropy": str(entropy),
        # everything that decides which plan a point number stands for
        "space": [f.to_dict() for f in space],
        "budget_sek": limits.budget_sek,
        "percentile": percentile,
        "population": population,
        "generations": generations,
        "presets": {name: preset_points[PRESET_POINT + i] for i, name in enumerate(presets)},
        "ensemble": None if ens is None else ensembles.fingerprint(ens),
        "kept": kept,
    }
    folder = Path(out)
    evaluator = PairedEvaluator(base, entropy, "replicate", 1)
    ids: dict[tuple[Any, ...], int] = {}
    plans: dict[int, dict[str, Any]] = {}
    summary = pd.DataFrame()
    executor, close = make_executor(workers, scheduler=scheduler, dask_local=dask_local)
    try:
        store = ResultStore(folder, identity=identity)
        store.update_manifest(kind="plan", command=" ".join(sys.argv))

        def run(points: dict[int, dict[str, Any]]) -> pd.DataFrame:
            jobs = [
                Job(point, k, {**world_params[k], **params})
                for point, params in points.items()
                for k in range(worlds)
            ]
            results = run_jobs(jobs, evaluator, store=store, executor=executor, progress=progress)
            return summarise(results, percentile)

        summary = run(preset_points) if preset_points else pd.DataFrame()

        def batch(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            nonlocal summary
            points = []
            for row in u:
                params = decode(space, row)
                key = tuple(params.values())
                if key not in ids:
                    ids[key] = len(ids)
                    plans[ids[key]] = params
                points.append(ids[key])
            summary = run({p: plans[p] for p in dict.fromkeys(points)})
            s = summary.loc[points]
            f = np.column_stack([-s["robust_averted"], s["cost_per_year"], s["custody_per_year"]])
            g = (s["cost_per_year"].to_numpy() - limits.budget_sek)[:, None]
            return f, g

        def step(g: int) -> None:
            if on_generation is not None:
                on_generation(g, generations, summary.loc[summary.index < PRESET_POINT])

        # the search starts from the scenario's own plan and the presets a plan can be
        # (the others run a crackdown or lapse), the rest of the first population spread
        own = _flat(base.model_dump(mode="python"))
        known = [own] + [
            own | preset_points[PRESET_POINT + i] for i, n in enumerate(presets) if n in PLANNABLE
        ]
        start = np.array([encode(space, k) for k in known])
        nsga2(
            batch,
            start=start,
            n_var=len(space),
            n_obj=3,
            n_constr=1,
            population=population,
            generations=generations,
            seed=seed,
            on_generation=step,
        )
    finally:
        close()
    own = _flat(base.model_dump(mode="python"))
    shown = {k: own | v for k, v in preset_points.items()}
    table = _table(space, plans, shown, list(presets), summary, limits)
    manifest: dict[str, Any] = {
        "kind": "plan",
        "scenario_file": files[1],
        "root_seed": seed,
        "root_seed_entropy": str(entropy),
        "population": population,
        "generations": generations,
        "seeds": "world k runs the plan and its twin with SeedSequence(root_seed_entropy, "
        "spawn_key=(k,)) and parameter set draws[k], for every plan",
    }
    if ens is not None:
        manifest["ensemble"] = ensembles.record(ens, where, drawn, kept)
    result = PlanSearch(base, space, limits, table, percentile, worlds, manifest)
    result.save(folder, lang=lang)
    return result


def _table(
    space: list[Factor],
    plans: dict[int, dict[str, Any]],
    preset_points: dict[int, dict[str, Any]],
    names: list[str],
    summary: pd.DataFrame,
    limits: Limits,
) -> pd.DataFrame:
    rows = []
    for point, params in plans.items():
        rows.append({"point": point, "kind": "plan", "name": f"plan {point}"} | params)
    for i, (point, params) in enumerate(preset_points.items()):
        shown = {f.path: params.get(f.path) for f in space}
        rows.append({"point": point, "kind": "preset", "name": names[i]} | shown)
    table = pd.DataFrame(rows).merge(summary, left_on="point", right_index=True, how="left")
    table["feasible"] = table["cost_per_year"] <= limits.budget_sek
    table["on_front"] = False
    cand = table[(table["kind"] == "plan") & table["feasible"]]
    f = np.column_stack([-cand["robust_averted"], cand["cost_per_year"], cand["custody_per_year"]])
    front = cand.loc[cand.index[non_dominated(f)]]
    # plans with the same figures (levers of a component that is off) count once
    front = front.drop_duplicates(list(OBJECTIVES), keep="first")
    table.loc[front.index, "on_front"] = True
    return table


def load(folder: str | os.PathLike[str]) -> PlanSearch:
    """A finished plan search read back from its folder (``gvi report DIR``); ValueError
    if the folder holds none."""
    folder = Path(folder)
    try:
        identity = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["identity"]
        found = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
        plans = pd.read_parquet(folder / "plans.parquet")
    except (OSError, ValueError, KeyError) as exc:
        raise ValueError(Message("problem.not_plan", folder=folder, reason=str(exc))) from None
    limits = Limits(**found["limits"])
    manifest = {"ensemble": found.get("ensemble"), "root_seed_entropy": found["root_seed_entropy"]}
    return PlanSearch(
        Scenario.model_validate(identity["scenario"]),
        [Factor(**f) for f in identity["space"]],
        limits,
        plans,
        float(found["percentile"]),
        int(found["worlds"]),
        manifest,
    )
