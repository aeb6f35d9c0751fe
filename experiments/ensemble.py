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

The package's own ensemble lives in ``experiments/data/ensemble``; it is not shipped
yet (the model is still changing), and :func:`load` says so.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .output import atomic_text, write_csv

SHIPPED = Path(__file__).resolve().parent / "data" / "ensemble"
CSV, JSON = "ensemble.csv", "ensemble.json"
FIXED = ("set", "weight", "seed")


class EnsembleMissing(FileNotFoundError):
    """No ensemble in the folder (for the package's own: not shipped yet)."""


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
            raise EnsembleMissing(
                "the posterior ensemble is not yet shipped with this version of gvi-sim; "
                'make one with `gvi calibrate` (method = "abc-smc") and load its '
                "OUT/ensemble folder"
            )
        raise EnsembleMissing(f"{path}: no {CSV} and {JSON} here")
    sets = pd.read_csv(path / CSV, dtype={"set": "int64", "seed": "int64"})
    provenance = json.loads((path / JSON).read_text(encoding="utf-8"))
    weights = sets["weight"].to_numpy(dtype=float)
    if len(sets) == 0 or not np.all(weights >= 0) or not np.isclose(weights.sum(), 1.0):
        raise ValueError(f"{path / CSV}: weights must be >= 0 and sum to 1")
    return Ensemble(sets, provenance)
