"""The summary page of a sweep or sensitivity study: ``summary.html`` and its plots."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from experiments.experiment import Experiment
from experiments.output import atomic_text
from experiments.sensitivity import SensitivityResult
from experiments.study import SWEEPS

from .sa_plots import plot_all
from .templates import render


def write_study_report(exp: Experiment, result: SensitivityResult, folder: Path) -> Path:
    """Plots (PNG, SVG) under ``folder/plots`` and ``folder/summary.html``."""
    plots = plot_all(result, folder / "plots")
    atomic_text(
        summary_html(exp, result, [p for p in plots if p.suffix == ".png"]), folder / "summary.html"
    )
    return folder / "summary.html"


def _frame(table: pd.DataFrame, **options: Any) -> Markup:
    """A table as pandas writes it; pandas escapes every cell (``escape=True``), so the
    markup is passed on to the page as it is."""
    return Markup(table.to_html(index=False, border=0, escape=True, **options))


def _png_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def summary_html(exp: Experiment, result: SensitivityResult, pngs: list[Path]) -> str:
    """A self-contained page (``templates/study.html``): what varied, the indices or
    responses, the plots, notes."""
    params = pd.DataFrame(
        [
            {"parameter": p.path, "bounds / levels": p.levels if p.levels else p.bounds}
            for p in exp.parameters
        ]
    )
    return render(
        "study.html",
        lang="en",
        title=exp.name,
        description=exp.description,
        method=exp.method.kind,
        scenario=exp.scenario,
        replicates=exp.replicates,
        seed=exp.seed,
        parameters=_frame(params),
        indices=_frame(result.indices.round(4)) if len(result.indices) else None,
        noise=_frame(result.noise.round(4)) if len(result.noise) else None,
        plots=[(p.stem, _png_uri(p)) for p in pngs],
        responses=(
            _frame(result.response.round(3), max_rows=400) if result.method in SWEEPS else None
        ),
        notes=list(getattr(result, "notes", None) or []),
    )
