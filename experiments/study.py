"""Running an experiment file end to end: design → executor → result store → analysis.

    >>> from experiments.study import run_study
    >>> result = run_study("experiments/sweep_fidelity.toml", "results/sweep")  # doctest: +SKIP

Every finished batch of runs is in the store as soon as it finishes; running the same
command on the same folder skips what is done and finishes the rest, with the same final
results as an uninterrupted run. A folder holding a different experiment is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .budget import check_experiment
from .design import design, point_params
from .evaluate import ModelEvaluator
from .executors import make_executor
from .experiment import Experiment, load_experiment
from .output import atomic_write
from .pipeline import Job, run_jobs
from .sensitivity import SensitivityResult, analyse
from .store import ResultStore

SWEEPS = ("factorial", "lhs")
SENSITIVITY = ("sobol", "morris", "fast")


@dataclass
class StudyResult:
    """An experiment's design, results (one row per point × replicate) and analysis."""

    experiment: Experiment
    design: pd.DataFrame
    results: pd.DataFrame
    analysis: SensitivityResult
    folder: Path


def jobs_for(exp: Experiment, design_df: pd.DataFrame) -> list[Job]:
    """One job per design point × replicate."""
    return [
        Job(point, r, params)
        for point, params in point_params(exp, design_df)
        for r in range(exp.replicates)
    ]


def run_study(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    progress: bool = True,
    kinds: tuple[str, ...] = SWEEPS + SENSITIVITY,
) -> StudyResult:
    """Load, run (resumably) and analyse an experiment into ``out``."""
    exp = load_experiment(path)
    if exp.method.kind not in kinds:
        raise ValueError(
            f"{path}: method.kind = {exp.method.kind!r} is not one of {', '.join(kinds)} "
            f"(use `gvi {'sweep' if exp.method.kind in SWEEPS else 'sensitivity'}`)"
        )
    check_experiment(
        exp,
        workers if scheduler is None and dask_local is None else dask_local,
        what=str(path),
    )
    folder = Path(out)
    # the executor first: a scheduler without workers fails before anything is written
    executor, close = make_executor(workers, scheduler=scheduler, dask_local=dask_local)
    try:
        store = ResultStore(folder, identity=exp.identity())
        source = Path(path).resolve()
        store.update_manifest(
            kind="experiment",
            experiment_file=str(source),
            experiment_sha256=hashlib.sha256(source.read_bytes()).hexdigest(),
            command=" ".join(sys.argv),
        )
        design_df = design(exp)
        atomic_write(folder / "design.parquet", lambda p: design_df.to_parquet(p, index=False))
        results = run_jobs(
            jobs_for(exp, design_df),
            ModelEvaluator(exp),
            store=store,
            executor=executor,
            progress=progress,
        )
    finally:
        close()
    result = analyse(exp, design_df, results)
    write_outputs(exp, design_df, results, result, folder)
    return StudyResult(exp, design_df, results, result, folder)


def write_outputs(
    exp: Experiment,
    design_df: pd.DataFrame,
    results: pd.DataFrame,
    result: SensitivityResult,
    folder: Path,
) -> None:
    """Tables (CSV), plots (PNG, SVG) and summary.html into ``folder``."""
    atomic_write(folder / "results.parquet", lambda p: results.to_parquet(p, index=False))
    result.save(folder)
    from gvi.report.study import write_study_report

    write_study_report(exp, result, folder)


def rebuild(folder: str | os.PathLike[str]) -> Path:
    """Rebuild tables, plots and summary.html of a finished experiment folder."""
    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    exp = load_experiment(manifest["experiment_file"])
    store = ResultStore(folder, identity=exp.identity())  # refuses a changed experiment
    design_df = pd.read_parquet(folder / "design.parquet")
    results = store.read()
    result = analyse(exp, design_df, results)
    write_outputs(exp, design_df, results, result, folder)
    return folder / "summary.html"
