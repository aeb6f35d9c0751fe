"""Golden digests of the model's outputs: a refactor or an optimisation must keep them.

``python -m tests.golden`` rewrites ``tests/data/golden/outputs.json`` — only in a
commit that changes behaviour on purpose and says so (and then the shipped posterior
ensemble no longer applies: calibrate again, docs/calibration.md).

``python -m tests.golden --confirm-ensemble``, after a change of the model's code that
should not change its results (a refactor, an optimisation): checks every golden
digest and, when all hold, records the new model code in the shipped ensemble's
provenance (``same_results_as``), so that comparisons keep using it. The digests are taken over a
canonical text form (columns in a fixed order, floats with 17 significant digits,
event members as space-separated ids) so that a change of representation alone (for
example a list column instead of a string) does not count as a change of behaviour.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from model import GVIModel
from scenarios import list_presets, load_scenario

GOLDEN = Path(__file__).resolve().parent / "data" / "golden" / "outputs.json"
SEEDS = (1, 2)


def _members_text(value: object) -> str:
    if isinstance(value, str):
        return value
    return " ".join(str(int(v)) for v in value)  # type: ignore[union-attr]


def _digest(frame: pd.DataFrame) -> str:
    frame = frame.reindex(sorted(frame.columns), axis=1)
    text = frame.to_csv(index=False, float_format="%.17g", lineterminator="\n")
    return hashlib.sha256(text.encode()).hexdigest()


def digests(preset: str, seed: int) -> dict[str, str]:
    """Digests of the daily metrics and the event log of one run of ``preset``."""
    with GVIModel(load_scenario(preset), rng=seed) as model:
        model.run_model()
        daily = model.daily_metrics()
        events = model.events()
    daily = daily.assign(day=np.arange(len(daily)))  # day numbering is not behaviour
    events = events.assign(members=events["members"].map(_members_text))
    return {"daily": _digest(daily), "events": _digest(events)}


def compute() -> dict[str, dict[str, str]]:
    return {f"{name}/{seed}": digests(name, seed) for name, _ in list_presets() for seed in SEEDS}


def confirm_ensemble() -> int:
    """Record this model code as giving the golden results in the shipped ensemble's
    provenance; refuse (exit 1) when any digest differs."""
    from experiments import ensemble
    from experiments.output import atomic_text
    from experiments.version import model_code_hash

    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    differ = sorted(k for k, v in compute().items() if want.get(k) != v)
    if differ:
        print(
            f"{len(differ)} golden outputs differ ({', '.join(differ[:3])}...): the model's "
            "results changed, so the shipped ensemble does not apply to it; calibrate "
            "again (docs/calibration.md)"
        )
        return 1
    path = ensemble.SHIPPED / ensemble.JSON
    provenance = json.loads(path.read_text(encoding="utf-8"))
    here, same = model_code_hash(), provenance.setdefault("same_results_as", [])
    if here == provenance["model"]["model_code"] or here in same:
        print(f"model code {here} is already recorded in {path}")
        return 0
    same.append(here)
    atomic_text(json.dumps(provenance, indent=2, sort_keys=True) + "\n", path)
    print(f"every golden output holds: recorded model code {here} in {path}")
    return 0


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--confirm-ensemble"]:
        sys.exit(confirm_ensemble())
    if sys.argv[1:]:  # anything else is a mistake, not a request to rewrite the digests
        print("usage: python -m tests.golden [--confirm-ensemble]", file=sys.stderr)
        sys.exit(2)
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_text(json.dumps(compute(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}")
