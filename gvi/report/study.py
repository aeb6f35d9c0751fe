"""The summary page of a sweep or sensitivity study: ``summary.html`` and its plots."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import pandas as pd

from experiments.experiment import Experiment
from experiments.output import atomic_text
from experiments.sensitivity import SensitivityResult
from experiments.study import SWEEPS

from .sa_plots import plot_all


def write_study_report(exp: Experiment, result: SensitivityResult, folder: Path) -> Path:
    """Plots (PNG, SVG) under ``folder/plots`` and ``folder/summary.html``."""
    plots = plot_all(result, folder / "plots")
    atomic_text(
        summary_html(exp, result, [p for p in plots if p.suffix == ".png"]), folder / "summary.html"
    )
    return folder / "summary.html"


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def summary_html(exp: Experiment, result: SensitivityResult, pngs: list[Path]) -> str:
    """A self-contained page: what varied, the indices or responses, the plots, notes."""
    params = pd.DataFrame(
        [
            {"parameter": p.path, "bounds / levels": p.levels if p.levels else p.bounds}
            for p in exp.parameters
        ]
    )
    parts = [
        f"<h1>{html.escape(exp.name)}</h1><p>{html.escape(exp.description)}</p>",
        f"<p>Method: <b>{exp.method.kind}</b>; scenario <code>{html.escape(exp.scenario)}"
        f"</code>; {exp.replicates} replicates per design point; root seed {exp.seed}.</p>",
        "<h2>Parameters varied</h2>",
        params.to_html(index=False, border=0),
    ]
    if len(result.indices):
        shown = result.indices.round(4)
        parts += [
            "<h2>Sensitivity indices</h2>",
            "<p>An index is <b>significant</b> when its value less its confidence "
            "half-width lies above the replicate-noise floor; others cannot be told "
            "apart from noise.</p>",
            shown.to_html(index=False, border=0),
        ]
    if len(result.noise):
        parts += ["<h2>Replicate noise</h2>", result.noise.round(4).to_html(index=False, border=0)]
    parts += ["<h2>Plots</h2>", *(_img(p) for p in pngs)]
    if result.method in SWEEPS:
        parts += [
            "<h2>Responses</h2>",
            result.response.round(3).to_html(index=False, border=0, max_rows=400),
        ]
    if getattr(result, "notes", None):
        parts += [
            "<h2>Notes</h2><ul>",
            *(f"<li>{html.escape(n)}</li>" for n in result.notes),
            "</ul>",
        ]
    style = (
        "body{font-family:sans-serif;max-width:1100px;margin:2em auto;font-size:15px;"
        "color:#222}table{border-collapse:collapse;margin:1em 0}td,th{padding:3px 8px;"
        "border-bottom:1px solid #ddd;text-align:right}img{max-width:100%}"
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>'
        f"{html.escape(exp.name)}</title><style>{style}</style></head><body>"
        + "\n".join(parts)
        + "</body></html>"
    )
