"""Scenario discovery: under which plans and city conditions does a rollout fail?

    >>> from experiments.discovery import discover
    >>> d = discover("gvi", samples=400, out="results/discover-gvi")   # doctest: +SKIP
    >>> d.boxes[0].restrictions, d.boxes[0].coverage, d.boxes[0].density  # doctest: +SKIP

A Latin hypercube of ``samples`` points spans the plan's levers and the city conditions
of :mod:`experiments.decision`; sample ``i`` also draws a parameter set of the posterior
ensemble (model uncertainty) and runs, ``replicates`` times, the plan against its
business-as-usual twin with the seeds of replicates ``i * replicates ...`` (the same set
and seed in both). A sample *fails* when the paired change in shootings after the
rollout is weaker than ``threshold`` (default −10 %: a cut of less than 10 %), or when
arrests rise by more than ``arrests_limit`` percent (off by default).

PRIM (Friedman & Fisher 1999, "Bump hunting in high-dimensional data", Statistics and
Computing 9:123-143, doi:10.1023/A:1008894516817; ema_workbench's implementation, as used
in scenario discovery by Bryant & Lempert 2010, doi:10.1016/j.techfore.2009.08.002)
finds boxes of the inputs where failures concentrate; CART (ema_workbench's, on
scikit-learn) is the cross-check. A box's **coverage** is the share of all failures
inside it, its **density** the share of failures among the samples inside it.

Each sample is one plausible world: a parameter set *and* the chance of its runs, so a
density says how often the rollout fails there counting both; with ``replicates`` > 1
chance is partly averaged out. The failure rule is not part of the runs: rerunning with
another ``threshold`` reuses a finished folder and only analyses again.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scenarios import Scenario
from scenarios.errors import Message

from . import ensemble as ensembles
from .decision import CONDITIONS, LEVERS, Factor, PairedEvaluator, condition, lever
from .executors import make_executor
from .output import write_result
from .pipeline import Job, run_jobs
from .runner import root_entropy
from .store import ResultStore

DESIGN_KEY = 0x646973  # spawn key of the design's stream: apart from replicates and draws
OUTPUTS = ("change_pct", "arrests_change_pct", "averted_per_year", "cost_per_year")
MIN_DENSITY = 0.8  # a box is chosen on PRIM's trajectory: most coverage at this density
MAX_DIMS = 3  # and no more restricted inputs than this (a rule people can read)
MAX_INPUTS = 4  # PRIM looks at the inputs that matter most (feature scoring), this many
QP_MAX = 0.05  # a restriction is kept when its quasi-p-value (ema_workbench's) is at most this


@dataclass(frozen=True)
class Restriction:
    """One input of a box: ``path`` between ``low`` and ``high``; ``upper``/``lower``
    say which end the box restricts (the other is the sampled range's end)."""

    path: str
    low: float
    high: float
    lower: bool
    upper: bool


@dataclass(frozen=True)
class Box:
    """A region of the inputs: its restrictions, coverage, density, mass (share of all
    samples inside) and the counts behind them; ``method`` is ``prim`` or ``cart``."""

    method: str
    restrictions: list[Restriction]
    coverage: float
    density: float
    mass: float
    inside: int
    failures_inside: int

    def contains(self, x: pd.DataFrame) -> np.ndarray:
        """Which rows of ``x`` lie in the box."""
        mask = np.ones(len(x), dtype=bool)
        for r in self.restrictions:
            v = x[r.path].to_numpy(dtype=float)
            mask &= (v >= r.low) & (v <= r.high)
        return mask

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _box_from_limits(
    method: str,
    lims: pd.DataFrame,
    init: pd.DataFrame,
    x: pd.DataFrame,
    y: np.ndarray,
    keep: set[str] | None = None,
) -> Box:
    rs = []
    for path in x.columns:
        if keep is not None and path not in keep:
            continue
        lo, hi = float(lims.loc[0, path]), float(lims.loc[1, path])
        a, b = float(init.loc[0, path]), float(init.loc[1, path])
        lower, upper = lo > a, hi < b
        if lower or upper:
            rs.append(Restriction(path, lo, hi, lower, upper))
    box = Box(method, rs, 0.0, 0.0, 0.0, 0, 0)
    inside = box.contains(x)
    n_in, f_in, f_all = int(inside.sum()), int(y[inside].sum()), int(y.sum())
    return Box(
        method,
        rs,
        coverage=f_in / f_all if f_all else float("nan"),
        density=f_in / n_in if n_in else float("nan"),
        mass=n_in / len(x),
        inside=n_in,
        failures_inside=f_in,
    )


def _quiet() -> Any:
    """ema_workbench warns about optional parts it does not find (ipyparallel, ...)."""
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("ignore")
    return ctx


def important_inputs(x: pd.DataFrame, y: np.ndarray, k: int) -> list[str]:
    """The ``k`` inputs that tell failures apart best: feature scoring by extremely
    randomised trees (Geurts, Ernst & Wehenkel 2006; a fixed seed), as scenario
    discovery does before PRIM (Kwakkel & Jaxa-Rozen 2016, doi:10.1016/j.envsoft.2015.11.020)."""
    from sklearn.ensemble import ExtraTreesClassifier

    trees = ExtraTreesClassifier(n_estimators=100, min_samples_leaf=5, random_state=1)
    trees.fit(x.to_numpy(dtype=float), y)
    order = np.argsort(-trees.feature_importances_, kind="stable")
    return [str(x.columns[i]) for i in order[:k]]


def prim_boxes(
    x: pd.DataFrame,
    y: np.ndarray,
    *,
    max_boxes: int = 3,
    min_density: float = MIN_DENSITY,
    max_dims: int = MAX_DIMS,
    inputs: int = MAX_INPUTS,
    mass_min: float = 0.05,
) -> list[Box]:
    """PRIM's boxes for the failures ``y`` (bool) over the inputs ``x`` (the ``inputs``
    most important ones, :func:`important_inputs`). Each point of a box's peeling
    trajectory stands for its significant restrictions (quasi-p-value, Bryant & Lempert
    2010, at most :data:`QP_MAX`: they raise the density more than chance would), if
    there are one to ``max_dims`` of them; of those boxes, the one with the most
    coverage at a density of at least ``min_density``, else the densest. Up to
    ``max_boxes`` boxes, each on the failures the ones before left. Coverage and
    density are those of the box as stated (its significant restrictions), over all
    samples."""
    y = np.asarray(y, dtype=bool)
    if y.sum() == 0 or y.all():
        return []
    cols = important_inputs(x, y, inputs) if x.shape[1] > inputs else list(x.columns)
    xs = x[cols].reset_index(drop=True)
    ctx = _quiet()
    try:
        from ema_workbench.analysis import prim

        # a box is kept when denser than the failures overall; the choice is ours below
        p = prim.Prim(xs, y, threshold=float(y.mean()), mass_min=mass_min)
        init = p.box_init.reset_index(drop=True)
        out: list[Box] = []
        for _ in range(max_boxes):
            found = p.find_box()
            if found is None:
                break
            box = _choose(found, init, xs, y, min_density, max_dims)
            if box is None:
                break
            out.append(box)
    finally:
        ctx.__exit__(None, None, None)
    return out


def _choose(
    found: Any,
    init: pd.DataFrame,
    x: pd.DataFrame,
    y: np.ndarray,
    min_density: float,
    max_dims: int,
) -> Box | None:
    """The box to report from a PRIM trajectory (see :func:`prim_boxes`), or None."""
    boxes = []
    for i in found.peeling_trajectory.index:
        keep = {k for k, v in found.qp[i].items() if min(q for q in v if q >= 0) <= QP_MAX}
        if 0 < len(keep) <= max_dims:
            lims = found.box_lims[i].reset_index(drop=True)
            box = _box_from_limits("prim", lims, init, x, y, keep)
            if box.failures_inside:
                boxes.append(box)
    if not boxes:
        return None
    dense = [b for b in boxes if b.density >= min_density]
    if dense:  # the most coverage; among equals, the densest
        return max(dense, key=lambda b: (b.coverage, b.density))
    return max(boxes, key=lambda b: (b.density, b.coverage))


def cart_boxes(x: pd.DataFrame, y: np.ndarray, *, mass_min: float = 0.05) -> list[Box]:
    """CART's leaves as boxes (densest first): the cross-check of PRIM."""
    y = np.asarray(y, dtype=bool)
    if y.sum() == 0 or y.all():
        return []
    ctx = _quiet()
    try:
        from ema_workbench.analysis import cart

        c = cart.CART(x.reset_index(drop=True), y, mass_min=mass_min)
        c.build_tree()
        init = pd.DataFrame({col: [x[col].min(), x[col].max()] for col in x.columns})
        boxes = [
            _box_from_limits("cart", lims.reset_index(drop=True), init, x, y) for lims in c.boxes
        ]
    finally:
        ctx.__exit__(None, None, None)
    return sorted(boxes, key=lambda b: (-b.density, -b.coverage))


@dataclass(frozen=True)
class Rule:
    """What counts as a failure: a change in shootings above ``threshold`` percent
    (weaker than a cut of ``-threshold`` %), or arrests up by more than
    ``arrests_limit`` percent (None: not a criterion). A sample whose twin had no
    shooting has no change to measure and counts as failed."""

    threshold: float = -10.0
    arrests_limit: float | None = None

    def failed(self, results: pd.DataFrame) -> np.ndarray:
        fail = ~(results["change_pct"].to_numpy(dtype=float) <= self.threshold)
        if self.arrests_limit is not None:
            arrests = results["arrests_change_pct"].to_numpy(dtype=float)
            fail |= arrests > self.arrests_limit
        return fail


@dataclass
class Discovery:
    """A finished discovery: the space, the samples (one row per sample: ``sample``,
    ``parameter_set``, one column per factor, the outputs and ``failed``), PRIM's and
    CART's boxes, the failure rule, and the manifest (seeds, ensemble, scenario)."""

    scenario: Scenario
    space: list[Factor]
    samples: pd.DataFrame
    rule: Rule
    boxes: list[Box]
    cart: list[Box]
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def inputs(self) -> list[str]:
        return [f.path for f in self.space]

    @property
    def failure_rate(self) -> float:
        return float(self.samples["failed"].mean())

    @property
    def ensemble(self) -> dict[str, Any] | None:
        record = self.manifest.get("ensemble")
        return record if isinstance(record, dict) else None

    def factor(self, path: str) -> Factor:
        return next(f for f in self.space if f.path == path)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "discovery",
            "scenario": self.scenario.name,
            "samples": len(self.samples),
            "replicates": self.manifest.get("replicates"),
            "rule": asdict(self.rule),
            "failure_rate": self.failure_rate,
            "space": [f.to_dict() for f in self.space],
            "prim": [b.to_dict() for b in self.boxes],
            "cart": [b.to_dict() for b in self.cart[:3]],
            "worlds": (
                "each sample is one world: a parameter set drawn from the ensemble and the "
                "chance of its paired runs"
                if self.ensemble
                else "each sample is one paired run of the scenario's fixed parameters: the "
                "densities count chance only, not uncertainty about the model"
            ),
            "ensemble": self.ensemble,
            "root_seed_entropy": self.manifest.get("root_seed_entropy"),
        }

    def save(self, out: str | os.PathLike[str], *, lang: str = "en") -> Path:
        """Write ``samples.parquet``, ``discovery.json`` and ``discovery.html``."""
        from gvi.report.decision import render_discovery

        tables = {"samples.parquet": self.samples}
        page = render_discovery(self, lang=lang)
        return write_result(Path(out), "discovery", tables, self.to_json(), page)


def space_for(scenario: Scenario, calibrated: Sequence[str] = ()) -> list[Factor]:
    """The factors of a discovery: the plan levers and the city conditions."""
    return [lever(p) for p in LEVERS] + [condition(p, scenario, calibrated) for p in CONDITIONS]


def design(space: Sequence[Factor], samples: int, entropy: int) -> pd.DataFrame:
    """A Latin hypercube (McKay, Beckman & Conover 1979) of the sampled factors, from
    its own stream of the root seed: ``sample`` and one column per factor."""
    from scipy.stats import qmc

    sampled = [f for f in space if not f.from_ensemble]
    rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(DESIGN_KEY,)))
    u = qmc.LatinHypercube(d=len(sampled), rng=rng).random(samples)
    cols: dict[str, Any] = {"sample": np.arange(samples, dtype=np.int64)}
    for j, f in enumerate(sampled):
        cols[f.path] = [f.value(v) for v in u[:, j]]
    return pd.DataFrame(cols)


def discover(
    scenario: str | os.PathLike[str] | Scenario = "gvi",
    *,
    out: str | os.PathLike[str],
    samples: int = 400,
    replicates: int = 1,
    threshold: float = -10.0,
    arrests_limit: float | None = None,
    seed: int = 1,
    ensemble: Any = ensembles.SHIPPED_DEFAULT,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    progress: bool = False,
    lang: str = "en",
) -> Discovery:
    """Run (resumably, into ``out``) and analyse a scenario discovery of ``scenario``
    (a rollout: preset name, file or :class:`Scenario`); see the module docstring.
    Invalid input raises ValueError with one line."""
    from .comparison import plan as comparison_plan

    if samples < 20:
        raise ValueError(Message("problem.discover_samples", got=samples))
    if replicates < 1:
        raise ValueError(Message("problem.discover_replicates", got=replicates))
    if not -100.0 <= threshold <= 100.0:
        raise ValueError(Message("problem.discover_threshold", got=threshold))
    if arrests_limit is not None and arrests_limit < 0:
        raise ValueError(Message("problem.discover_arrests", got=arrests_limit))
    scs, files, _ = comparison_plan([scenario if isinstance(scenario, Scenario) else str(scenario)])
    twin, plan = scs
    entropy = root_entropy(seed)
    ens, where = ensembles.resolve(ensemble)
    kept: dict[str, Any] = {}
    if ens is not None:
        ensembles.check_identity(ens, where)
        kept = ensembles.check_parameters(ens, scs, files, where)
    calibrated = [p for p in (ens.parameters if ens is not None else []) if p not in kept]
    space = space_for(plan, calibrated)
    table = design(space, samples, entropy)
    if ens is not None:
        drawn = ensembles.draws(ens, samples, entropy)
        chosen = ensembles.by_set(ens, list(kept))
        table.insert(1, "parameter_set", drawn)
        for f in space:
            if f.from_ensemble:
                table[f.path] = [chosen[int(k)][f.path] for k in drawn]
    jobs = []
    for row in table.to_dict("records"):
        params = {f.path: row[f.path] for f in space}
        if ens is not None:
            params = {**chosen[int(row["parameter_set"])], **params}
        jobs.append(Job(int(row["sample"]), 0, params))
    identity = {
        "kind": "discovery",
        "scenario": plan.model_dump(mode="json"),
        "samples": samples,
        "replicates": replicates,
        "root_seed_entropy": str(entropy),
        "space": [f.to_dict() for f in space],
        "ensemble": None if ens is None else ensembles.fingerprint(ens),
        "kept": kept,
    }
    folder = Path(out)
    executor, close = make_executor(workers, scheduler=scheduler, dask_local=dask_local)
    try:
        store = ResultStore(folder, identity=identity)
        store.update_manifest(kind="discovery", command=" ".join(sys.argv))
        evaluator = PairedEvaluator(plan, entropy, "point", replicates)
        results = run_jobs(jobs, evaluator, store=store, executor=executor, progress=progress)
    finally:
        close()
    rule = Rule(threshold, arrests_limit)
    frame = table.merge(results.drop(columns="replicate"), left_on="sample", right_on="point")
    frame = frame.drop(columns="point")
    manifest: dict[str, Any] = {
        "kind": "discovery",
        "scenario_file": files[1],
        "replicates": replicates,
        "root_seed": seed,
        "root_seed_entropy": str(entropy),
        "seeds": "sample i runs the plan and its twin with SeedSequence(root_seed_entropy, "
        "spawn_key=(i * replicates + j,)) for j < replicates",
    }
    if ens is not None:
        manifest["ensemble"] = ensembles.record(ens, where, drawn, kept)
    result = analyse(plan, space, frame, rule, manifest)
    result.save(folder, lang=lang)
    return result


def analyse(
    scenario: Scenario,
    space: list[Factor],
    frame: pd.DataFrame,
    rule: Rule,
    manifest: dict[str, Any],
) -> Discovery:
    """Failures by ``rule``, PRIM's boxes and CART's, over the factors of ``space``."""
    frame = frame.copy()
    frame["failed"] = rule.failed(frame)
    x = frame[[f.path for f in space]].astype(float)
    y = frame["failed"].to_numpy()
    return Discovery(
        scenario, space, frame, rule, prim_boxes(x, y), cart_boxes(x, y), manifest=manifest
    )


def load(folder: str | os.PathLike[str]) -> Discovery:
    """A finished discovery read back from its folder (``gvi report DIR``): the samples,
    boxes and rule as they were found; ValueError if the folder holds none."""
    folder = Path(folder)
    try:
        identity = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["identity"]
        found = json.loads((folder / "discovery.json").read_text(encoding="utf-8"))
        samples = pd.read_parquet(folder / "samples.parquet")
    except (OSError, ValueError, KeyError) as exc:
        raise ValueError(Message("problem.not_discovery", folder=folder, reason=str(exc))) from None
    space = [Factor(**f) for f in identity["space"]]

    def boxes(rows: list[dict[str, Any]]) -> list[Box]:
        return [
            Box(**{**b, "restrictions": [Restriction(**r) for r in b["restrictions"]]})
            for b in rows
        ]

    manifest = {"replicates": found.get("replicates"), "ensemble": found.get("ensemble")}
    manifest["root_seed_entropy"] = found.get("root_seed_entropy")
    return Discovery(
        Scenario.model_validate(identity["scenario"]),
        space,
        samples,
        Rule(**found["rule"]),
        boxes(found["prim"]),
        boxes(found["cart"]),
        manifest=manifest,
    )
