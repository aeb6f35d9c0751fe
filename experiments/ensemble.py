"""The posterior ensemble: parameter sets with weights and seeds, and their provenance.

    >>> from experiments import ensemble
    >>> ens = ensemble.load()              # the shipped ensemble   # doctest: +SKIP
    >>> ens.parameter_sets()[0]            # {"violence.retaliation_branching": 0.71, ...}  # doctest: +SKIP

A folder holds two files:

- ``ensemble.csv``: one row per parameter set: ``set``, ``weight`` (importance weights
  summing to 1), ``seed`` (the set's own seed; its calibration runs are those of
  ``gvi validate-model --seed SEED`` with the set's parameters), then one column per
  calibrated parameter (dotted scenario key);
- ``ensemble.json``: where it comes from: method and settings, the patterns and their
  targets, the priors, the root seed, the package version and model code hash, and the
  generations' tolerances.

The package's own ensemble lives in ``experiments/data/ensemble``: the result of
``gvi calibrate experiments/calibrate_patterns.toml`` (docs/calibration.md).

Comparisons use the shipped ensemble by default (``compare(...)``, ``gvi compare``), or
one given (``ensemble=FOLDER``, ``--ensemble DIR``); ``ensemble=None`` and
``--fixed-parameters`` run the scenarios' own fixed parameters. They use :func:`draws`,
:func:`check_identity` and :func:`check_parameters`: replicate ``r`` runs parameter set
``draws(...)[r]`` in every scenario, with the replicate's usual seed. The ensemble sets
only parameters that are not plan levers (a policy's on/off switch, or a declared lever
of a policy section: :func:`is_plan_lever`); a calibrated parameter that the compared
scenarios set themselves (in their files or the files they extend; for a scenario given
as an object, a value other than the schema's default) keeps their value, provided all
hold the same one; anything else is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scenarios.errors import Message

from .output import atomic_text, write_csv

SHIPPED = Path(__file__).resolve().parent / "data" / "ensemble"
CSV, JSON = "ensemble.csv", "ensemble.json"
FIXED = ("set", "weight", "seed")


DRAW_KEY = (0x656E73,)  # spawn key of the draws' stream: apart from every replicate's (r,)


class _Shipped:
    """The default of ``compare(ensemble=...)``: the package's own ensemble."""

    def __repr__(self) -> str:
        return "ensemble.SHIPPED_DEFAULT"


SHIPPED_DEFAULT: Any = _Shipped()
"""``compare(..., ensemble=SHIPPED_DEFAULT)`` (the default): the package's own ensemble,
or the fixed parameters while none is shipped; ``ensemble=None``: the fixed parameters."""


class EnsembleMissing(FileNotFoundError):
    """No ensemble in the folder."""


class EnsembleConflict(ValueError):
    """An ensemble that cannot be used for these scenarios (one line: what and the fix)."""


@dataclass(frozen=True)
class Ensemble:
    """Parameter sets (``sets``: set, weight, seed, parameters) and their provenance."""

    sets: pd.DataFrame
    provenance: dict[str, Any]

    def __len__(self) -> int:
        return len(self.sets)

    @property
    def parameters(self) -> list[str]:
        """The calibrated parameters' dotted paths."""
        return [c for c in self.sets.columns if c not in FIXED]

    @property
    def weights(self) -> np.ndarray:
        return self.sets["weight"].to_numpy(dtype=float)

    def parameter_sets(self) -> list[dict[str, float]]:
        """Every set as ``{path: value}``, in ``set`` order (for ``with_updates``)."""
        cols = self.parameters
        return [dict(zip(cols, map(float, row), strict=True)) for row in self.sets[cols].to_numpy()]


def write(folder: str | os.PathLike[str], sets: pd.DataFrame, provenance: dict[str, Any]) -> Path:
    """Write ``ensemble.csv`` and ``ensemble.json`` into ``folder``; returns it."""
    folder = Path(folder)
    missing = [c for c in FIXED if c not in sets.columns]
    if missing:
        raise ValueError(f"an ensemble needs the columns {', '.join(FIXED)}; missing {missing}")
    folder.mkdir(parents=True, exist_ok=True)
    ordered = sets[[*FIXED, *(c for c in sets.columns if c not in FIXED)]]
    write_csv(ordered, folder / CSV)
    atomic_text(json.dumps(provenance, indent=2, sort_keys=True) + "\n", folder / JSON)
    return folder


def load(folder: str | os.PathLike[str] | None = None) -> Ensemble:
    """The ensemble in ``folder`` (default: the package's own)."""
    path = SHIPPED if folder is None else Path(folder)
    if not (path / CSV).is_file() or not (path / JSON).is_file():
        if folder is None:
            raise EnsembleMissing(Message("problem.ensemble_not_installed", path=path))
        raise EnsembleMissing(Message("problem.ensemble_missing", path=path, csv=CSV, json=JSON))
    sets = pd.read_csv(path / CSV, dtype={"set": "int64", "seed": "int64"})
    provenance = json.loads((path / JSON).read_text(encoding="utf-8"))
    weights = sets["weight"].to_numpy(dtype=float)
    if len(sets) == 0 or not np.all(weights >= 0) or not np.isclose(weights.sum(), 1.0):
        raise ValueError(Message("problem.ensemble_weights", path=path / CSV))
    return Ensemble(sets, provenance)


def resolve(given: Any) -> tuple[Ensemble | None, str]:
    """The ensemble ``given`` (:data:`SHIPPED_DEFAULT`, a folder, an :class:`Ensemble`, or
    None: the fixed parameters) and how messages name it. The default falls back to
    the fixed parameters while no ensemble is shipped; a folder without one is refused."""
    if given is None:
        return None, ""
    if given is SHIPPED_DEFAULT:
        try:
            return load(), Message("problem.ensemble_shipped")
        except EnsembleMissing:
            return None, ""
    if isinstance(given, Ensemble):
        return given, Message("problem.ensemble_object")
    try:
        return load(given), str(given)
    except EnsembleMissing as exc:
        raise EnsembleConflict(Message("problem.ensemble_folder", missing=exc.args[0])) from None


def by_set(ens: Ensemble, kept: Sequence[str] = ()) -> dict[int, dict[str, float]]:
    """Each set's parameters by its ``set`` number, less those in ``kept`` (calibrated
    parameters the scenarios decide themselves, :func:`check_parameters`)."""
    return {
        int(k): {p: v for p, v in params.items() if p not in kept}
        for k, params in zip(ens.sets["set"].tolist(), ens.parameter_sets(), strict=True)
    }


def record(ens: Ensemble, where: str, drawn: np.ndarray, kept: dict[str, Any]) -> dict[str, Any]:
    """What a result records of the ensemble it drew from: where it came from, its
    fingerprint and size, the parameters drawn and kept, its note and the draws."""
    return {
        "folder": where,
        "sha256": fingerprint(ens),
        "sets": len(ens),
        "parameters": [p for p in ens.parameters if p not in kept],
        "kept": kept,
        "note": ens.provenance.get("note"),
        "draws": [int(k) for k in drawn],
    }


def fingerprint(ens: Ensemble) -> str:
    """sha256 of the sets (as CSV) and the provenance (as sorted JSON): what a rerun of a
    comparison must find again. The provenance's ``same_results_as`` is left out: it
    lists the model code that gives the ensemble's results (``python -m tests.golden
    --confirm-ensemble`` adds to it after a refactor), which changes no result."""
    provenance = {k: v for k, v in ens.provenance.items() if k != "same_results_as"}
    digest = hashlib.sha256(ens.sets.to_csv(index=False).encode())
    digest.update(b"\0" + json.dumps(provenance, sort_keys=True).encode())
    return digest.hexdigest()


def draws(ens: Ensemble, replicates: int, root_entropy: int) -> np.ndarray:
    """The parameter set (its ``set`` number) of each replicate: drawn with replacement by
    the ensemble's weights from a stream of the root seed of its own
    (``SeedSequence(root_entropy, spawn_key=DRAW_KEY)``), before any run starts, so the
    same seed gives the same draws whatever the number of workers."""
    rng = np.random.default_rng(np.random.SeedSequence(root_entropy, spawn_key=DRAW_KEY))
    weights = ens.weights / ens.weights.sum()
    rows = rng.choice(len(ens), size=replicates, replace=True, p=weights)
    return ens.sets["set"].to_numpy(dtype=np.int64)[rows]


def check_identity(ens: Ensemble, where: str) -> None:
    """Refuse an ensemble calibrated for other model code: its provenance's
    ``model.model_code``, or one of ``same_results_as`` (model code recorded, by
    ``python -m experiments.ensemble confirm``, after a change that kept every golden
    output bit-identical: a pure refactor or optimisation does not void a calibration)."""
    from .version import model_code_hash

    made = ens.provenance.get("model")
    if not isinstance(made, dict) or "model_code" not in made:
        return
    here = model_code_hash()
    if here == made["model_code"] or here in ens.provenance.get("same_results_as", []):
        return
    raise EnsembleConflict(
        Message("problem.ensemble_model_code", where=where, made=made["model_code"], here=here)
    )


def is_plan_lever(spec: Any) -> bool:
    """A parameter of the plan a scenario describes: a policy's on/off switch, or a
    declared lever (an app slider) of a policy section, not of the city."""
    return bool(spec.name == "enabled" or (spec.lever and not spec.city))


def check_parameters(
    ens: Ensemble, scenarios: Sequence[Any], files: Sequence[str | None], where: str
) -> dict[str, Any]:
    """Which calibrated parameters the compared scenarios decide themselves, as
    ``{path: value}``: those are kept at the scenarios' value (an own city's file may
    know better than the literature) and the ensemble draws the rest. A scenario decides
    a parameter when its file (or one it extends) sets it, or, given as an object, when
    its value is not the schema's default; every compared scenario must then hold the
    same value, else the comparison would not be like for like and is refused. Refused
    too: parameters the model does not have, and plan levers."""
    from scenarios import loader
    from scenarios.schema import parameters

    specs = {spec.path: spec for spec in parameters()}
    for path in ens.parameters:
        spec = specs.get(path)
        if spec is None:
            raise EnsembleConflict(
                Message("problem.ensemble_not_parameter", where=where, path=path)
            )
        if is_plan_lever(spec):
            raise EnsembleConflict(Message("problem.ensemble_lever", where=where, path=path))
    pairs = list(zip(scenarios, files, strict=True))
    own = [loader.set_keys(f) if f is not None else {} for _, f in pairs]
    kept: dict[str, Any] = {}
    for path in ens.parameters:
        section, name = path.split(".", 1)
        values = [getattr(getattr(sc, section), name) for sc, _ in pairs]
        setters = [
            str(keys[path]) if path in keys else Message("problem.ensemble_scenario", name=sc.name)
            for (sc, f), keys, v in zip(pairs, own, values, strict=True)
            if path in keys or (f is None and v != specs[path].default)
        ]
        if not setters:
            continue
        if any(v != values[0] for v in values):
            raise EnsembleConflict(
                Message("problem.ensemble_differs", setter=setters[0], path=path, where=where)
            )
        kept[path] = values[0]
    return kept


def effect_by_set(
    ens: Ensemble,
    scenario: str = "gvi",
    *,
    replicates: int = 4,
    workers: int | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """The ensemble's distribution of an effect: per parameter set, the paired change in
    shootings after the rollout of ``scenario`` against its business-as-usual twin,
    pooled over ``replicates`` paired runs from the set's own seed (so chance is
    partly averaged out), with the set's weight. Columns ``set``, ``weight``,
    ``change`` (percent)."""
    from scenarios import load_scenario

    from .runner import Task, run_tasks
    from .validation import change, post, run_record

    treated = load_scenario(scenario)
    twin = treated.baseline_twin()
    tasks = []
    for seed, params in zip(ens.sets["seed"].tolist(), ens.parameter_sets(), strict=True):
        for sc in (twin, treated):
            tasks += [Task(sc.with_updates(params), r, int(seed)) for r in range(replicates)]
    records = run_tasks(tasks, workers=workers, progress=progress, fn=run_record)
    every = np.arange(replicates)
    changes = []
    for k in range(len(ens)):
        block = records[2 * k * replicates : 2 * (k + 1) * replicates]
        changes.append(change(block[replicates:], block[:replicates], post)(every))
    return pd.DataFrame({"set": ens.sets["set"], "weight": ens.weights, "change": changes})
