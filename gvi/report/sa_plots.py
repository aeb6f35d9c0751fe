"""Charts of sensitivity results, drawn with matplotlib's object API (no pyplot state)
and saved as PNG and SVG.

- Sobol' / eFAST: S1 and ST bars side by side per parameter, confidence whiskers, the
  noise floor of each index as a black tick; bars within the noise are pale.
- Morris: mu* against sigma, labelled, with mu* whiskers and the noise floor shaded.
- Sweeps: the response with its 95 % interval against one parameter, a heatmap for two,
  one scatter per parameter for more.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from experiments.sensitivity import SensitivityResult

COLOURS = {"S1": "#0072B2", "ST": "#D55E00", "mu_star": "#0072B2"}  # Okabe–Ito
FLOOR = "#1A1A1A"
NOISE_FILL = "#BBBBBB"


def save(fig: Figure, stem: str | os.PathLike[str]) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg``; returns both paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    for path in paths:
        fig.savefig(path, dpi=150, bbox_inches="tight")
    return paths


def _rows(result: SensitivityResult, output: str, index: str) -> pd.DataFrame:
    rows = result.indices[(result.indices["output"] == output) & (result.indices["index"] == index)]
    return rows.set_index("parameter").reindex(result.parameters)


def variance_bars(result: SensitivityResult, output: str) -> Figure:
    """S1 and ST per parameter with whiskers; the noise floor as a tick on each bar."""
    k = len(result.parameters)
    fig = Figure(figsize=(max(6.0, 0.9 * k + 2), 4.2))
    ax = fig.add_subplot()
    width, centre = 0.38, np.arange(k)
    for shift, name in ((-width / 2, "S1"), (width / 2, "ST")):
        rows = _rows(result, output, name)
        alpha = np.where(rows["significant"].fillna(False).astype(bool), 1.0, 0.35)
        ax.bar(centre + shift, rows["value"], width, color=COLOURS[name], label=name)
        for patch, a in zip(ax.patches[-k:], alpha, strict=True):
            patch.set_alpha(float(a))
        ax.errorbar(
            centre + shift,
            rows["value"],
            yerr=rows["conf"],
            fmt="none",
            ecolor="#333333",
            capsize=3,
            lw=1,
        )
        floors = rows["noise_floor"].to_numpy(dtype=float)
        if np.isfinite(floors).any():
            ax.hlines(
                floors, centre + shift - width / 2, centre + shift + width / 2, colors=FLOOR, lw=2
            )
    ax.axhline(0, color="#888888", lw=0.8)
    ax.set_xticks(centre, result.parameters, rotation=35, ha="right")
    ax.set_ylabel("Sensitivity index")
    ax.set_title(f"{result.method}: {output} (pale: within the noise; black tick: noise floor)")
    ax.legend(frameon=False)
    return fig


def morris_scatter(result: SensitivityResult, output: str) -> Figure:
    """mu* against sigma, labelled; the noise floor of mu* shaded."""
    star, sigma = _rows(result, output, "mu_star"), _rows(result, output, "sigma")
    fig = Figure(figsize=(6.5, 5.0))
    ax = fig.add_subplot()
    floor = float(np.nanmax(star["noise_floor"])) if star["noise_floor"].notna().any() else math.nan
    if math.isfinite(floor):
        ax.axvspan(0, floor, color=NOISE_FILL, alpha=0.4, lw=0, label="within the noise")
    sig = star["significant"].fillna(False).astype(bool)
    ax.errorbar(
        star["value"], sigma["value"], xerr=star["conf"], fmt="none", ecolor="#999999", lw=1
    )
    ax.scatter(star["value"][sig], sigma["value"][sig], color=COLOURS["mu_star"], zorder=3)
    ax.scatter(
        star["value"][~sig],
        sigma["value"][~sig],
        facecolors="white",
        edgecolors=COLOURS["mu_star"],
        zorder=3,
    )
    for name in result.parameters:
        ax.annotate(
            name,
            (star.at[name, "value"], sigma.at[name, "value"]),
            fontsize=8,
            xytext=(4, 3),
            textcoords="offset points",
        )
    reach = star["value"] + star["conf"].fillna(0)
    top = float(np.nanmax(np.r_[reach, sigma["value"], floor if math.isfinite(floor) else 0.0]))
    top = top * 1.1 or 1.0
    ax.plot([0, top], [0, top], ls=":", color="#888888", lw=1, label="sigma = mu*")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("mu* (mean absolute elementary effect)")
    ax.set_ylabel("sigma (spread of elementary effects)")
    ax.set_title(f"Morris: {output} (open: within the noise)")
    ax.legend(frameon=False, loc="upper left")
    return fig


def _curve(ax: Axes, rows: pd.DataFrame, x: str, output: str) -> None:
    part = rows.sort_values(x)
    (line,) = ax.plot(part[x], part["mean"], marker="o", ms=3)
    ax.fill_between(part[x], part["ci_low"], part["ci_high"], color=line.get_color(), alpha=0.2)
    ax.set_xlabel(x)
    ax.set_ylabel(f"{output} (mean, 95 % interval)")


def _heatmap(fig: Figure, rows: pd.DataFrame, x: str, y: str, output: str) -> None:
    table = rows.pivot(index=y, columns=x, values="mean").sort_index(ascending=False)
    ax = fig.add_subplot()
    image = ax.imshow(table.to_numpy(), aspect="auto", cmap="viridis")
    ax.set_xticks(range(table.shape[1]), [f"{v:g}" for v in table.columns])
    ax.set_yticks(range(table.shape[0]), [f"{v:g}" for v in table.index])
    mid = float(np.nanmean([np.nanmin(table.to_numpy()), np.nanmax(table.to_numpy())]))
    for (i, j), v in np.ndenumerate(table.to_numpy()):
        ink = "black" if v > mid else "white"
        ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=8, color=ink)
    fig.colorbar(image, ax=ax, label=f"{output} (mean)")
    ax.set_xlabel(x)
    ax.set_ylabel(y)


def _is_grid(rows: pd.DataFrame, names: list[str]) -> bool:
    sizes = [rows[n].nunique() for n in names]
    return len(names) == 2 and sizes[0] * sizes[1] == len(rows) == len(
        rows[names].drop_duplicates()
    )


def sweep_figure(result: SensitivityResult, output: str) -> Figure:
    """Response curve (1 parameter), heatmap (2 on a grid) or scatter per parameter."""
    rows = result.response[result.response["output"] == output]
    names = result.parameters
    if len(names) == 1:
        fig = Figure(figsize=(6.0, 4.0))
        _curve(fig.add_subplot(), rows, names[0], output)
    elif _is_grid(rows, names):
        fig = Figure(figsize=(6.5, 4.8))
        _heatmap(fig, rows, names[0], names[1], output)
    else:
        cols, lines = min(len(names), 4), math.ceil(len(names) / 4)
        fig = Figure(figsize=(3.2 * cols, 3.0 * lines))
        for j, name in enumerate(names):
            ax = fig.add_subplot(lines, cols, j + 1)
            ax.scatter(rows[name], rows["mean"], s=8, alpha=0.6)
            ax.set_xlabel(name, fontsize=8)
    fig.suptitle(f"{output}: mean over replicates at each design point")
    return fig


def figure(result: SensitivityResult, output: str) -> Figure:
    """The chart that suits the result's method."""
    if result.method in ("sobol", "fast"):
        return variance_bars(result, output)
    if result.method == "morris":
        return morris_scatter(result, output)
    return sweep_figure(result, output)


def plot_all(result: SensitivityResult, folder: str | os.PathLike[str]) -> list[Path]:
    """One chart per output, ``<folder>/<method>_<output>.png`` and ``.svg``."""
    paths: list[Path] = []
    for output in result.outputs:
        paths += save(figure(result, output), Path(folder) / f"{result.method}_{output}")
    return paths
