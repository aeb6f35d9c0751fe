"""Running an experiment end to end: design → executor → result store → analysis.

    >>> from experiments.study import run_study, sweep
    >>> result = run_study("experiments/sweep_fidelity.toml", "results/sweep")  # doctest: +SKIP
    >>> result = sweep("gvi", "deterrence.sensitivity", [0.5, 1, 2], replicates=10,
    ...                out="results/deterrence")                              # doctest: +SKIP
    >>> result.results.groupby("deterrence.sensitivity")["shootings"].mean()  # doctest: +SKIP

The experiment may be a file or an :class:`~experiments.experiment.Experiment` built in
Python; both have the same store identity, so either resumes the other's folder.

Every finished batch of runs is in the store as soon as it finishes; running the same
command on the same folder skips what is done and finishes the rest, with the same final
results as an uninterrupted run. A folder holding a different experiment is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from scenarios import Scenario
from scenarios.errors import Message

from .budget import check_experiment
from .design import design, point_params
from .evaluate import ModelEvaluator
from .executors import make_executor
from .experiment import Experiment, OutputSpec, load_experiment
from .output import atomic_write
from .pipeline import Job, run_jobs
from .runner import root_entropy
from .sensitivity import SensitivityResult, analyse
from .store import ResultStore

SWEEPS = ("factorial", "lhs")
SENSITIVITY = ("sobol", "morris", "fast")


@dataclass
class StudyResult:
    """An experiment's design, results and analysis, and the folder they are in.

    ``design``: one row per design point, ``point`` and one column per varied parameter
    (its dotted path). ``results`` (also ``results.parquet``): one row per run,
    ``point``, ``replicate``, ``seed``, the point's parameter columns and one column per
    output. Run ``replicate`` of every point uses the seed
    ``numpy.random.SeedSequence(seed, spawn_key=(replicate,))`` (common random numbers
    across points). ``analysis``: the tidy frames of :class:`SensitivityResult`.
    """

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


def tidy_results(exp: Experiment, design_df: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """The store's rows (point, replicate, outputs) with the run's ``seed`` and the
    point's parameter columns: ``point, replicate, seed, <parameters...>, <outputs...>``."""
    names = [f.name for f in exp.study().factors]
    outputs = [c for c in results.columns if c not in ("point", "replicate", "seed", *names)]
    tidy = results.drop(columns=[c for c in ("seed", *names) if c in results.columns])
    tidy = tidy.merge(design_df[["point", *names]], on="point", how="left", validate="m:1")
    tidy.insert(2, "seed", pd.Series(root_entropy(exp.seed), index=tidy.index, dtype="int64"))
    return tidy[["point", "replicate", "seed", *names, *outputs]]


def run_study(
    experiment: Experiment | str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    progress: bool = True,
    kinds: tuple[str, ...] = SWEEPS + SENSITIVITY,
) -> StudyResult:
    """``run_study(experiment, out) -> StudyResult``: run (resumably) and analyse an
    experiment — an :class:`Experiment` or the path of its file — into ``out``."""
    if isinstance(experiment, Experiment):
        exp, source, what = experiment, None, f"Experiment({experiment.name!r})"
    else:
        exp, source, what = load_experiment(experiment), Path(experiment).resolve(), str(experiment)
    if exp.method.kind not in kinds:
        command = "sweep" if exp.method.kind in SWEEPS else "sensitivity"
        raise ValueError(
            Message("problem.kind_command", what=what, kind=repr(exp.method.kind),
                    kinds=", ".join(kinds), command=command)
        )  # fmt: skip
    check_experiment(
        exp,
        workers if scheduler is None and dask_local is None else dask_local,
        what=what,
    )
    folder = Path(out)
    # the executor first: a scheduler without workers fails before anything is written
    executor, close = make_executor(workers, scheduler=scheduler, dask_local=dask_local)
    try:
        store = ResultStore(folder, identity=exp.identity(), accept=exp.former_identities())
        manifest: dict[str, Any] = {"kind": "experiment", "command": " ".join(sys.argv)}
        if source is not None:  # an experiment built in Python is kept in the identity
            manifest["experiment_file"] = str(source)
            manifest["experiment_sha256"] = hashlib.sha256(source.read_bytes()).hexdigest()
        store.update_manifest(**manifest)
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
    results = tidy_results(exp, design_df, results)
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
    """Rebuild tables, plots and summary.html of a finished experiment folder (from its
    experiment file, or from the stored identity of an experiment built in Python)."""
    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    source = manifest.get("experiment_file")
    exp = load_experiment(source) if source else _stored_experiment(manifest["identity"])
    # refuses a changed experiment
    store = ResultStore(folder, identity=exp.identity(), accept=exp.former_identities())
    design_df = pd.read_parquet(folder / "design.parquet")
    results = tidy_results(exp, design_df, store.read())
    result = analyse(exp, design_df, results)
    write_outputs(exp, design_df, results, result, folder)
    return folder / "summary.html"


def _stored_experiment(identity: dict[str, Any]) -> Experiment:
    """The experiment a store's identity describes (its keys and both scenarios)."""
    exp = Experiment.model_validate(identity["experiment"], context={"deferred": True})
    exp._loaded["scenario"] = Scenario.model_validate(identity["scenario"])
    base = identity.get("baseline")
    exp._loaded["baseline"] = None if base is None else Scenario.model_validate(base)
    return exp


def sweep(
    scenario: str | os.PathLike[str] | Scenario,
    parameter: str,
    values: Sequence[Any],
    *,
    out: str | os.PathLike[str],
    replicates: int = 10,
    outputs: Sequence[str | dict[str, Any] | OutputSpec] = ("shootings",),
    baseline: str | os.PathLike[str] | Scenario | None = None,
    seed: int = 1,
    name: str | None = None,
    workers: int | None = None,
    progress: bool = False,
) -> StudyResult:
    """``sweep(scenario, parameter, values, *, out, replicates=10) -> StudyResult``: run
    ``scenario`` at each of ``values`` of one parameter (a factorial experiment without a
    file) into ``out``, resumably.

    ``scenario`` and ``baseline``: a preset name, a path or a :class:`Scenario`.
    ``outputs``: metric names (their post-period total) or output tables as in an
    experiment file (``{"name", "metric", "window", "statistic"}``). Invalid input
    raises :class:`~scenarios.errors.ScenarioError`, one line per problem.
    """
    exp = Experiment(
        name=name or f"sweep_{parameter.replace('.', '_')}",
        scenario=scenario,
        baseline=baseline,
        replicates=replicates,
        seed=seed,
        method={"kind": "factorial"},
        parameters=[{"path": parameter, "levels": list(values)}],
        outputs=[_output(o) for o in outputs],
    )
    return run_study(exp, out, workers=workers, progress=progress, kinds=SWEEPS)


def _output(output: str | dict[str, Any] | OutputSpec) -> dict[str, Any] | OutputSpec:
    return {"name": output, "metric": output} if isinstance(output, str) else output
