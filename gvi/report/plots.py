"""The report's charts, drawn with matplotlib's object API (no pyplot state, Agg
canvas) and returned as ``data:image/png;base64,...`` URIs."""

from __future__ import annotations

import base64
import io
import math
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MultipleLocator
from matplotlib.transforms import blended_transform_factory

from model.metrics import metric

from . import data
from .fmt import Fmt
from .vocab import metric_label

if TYPE_CHECKING:
    from experiments.comparison import Comparison

# Okabe–Ito colours (distinguishable with common colour-vision deficiencies)
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
BASE_COLOUR = "#6E6E6E"
INK = "#1A1A1A"
LABEL_BOX = {"boxstyle": "square,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85}
CAP_PCT = 300.0  # effects chart: the axis stops here; longer bars are cut and labelled
RC = {
    "font.size": 12.5,
    "axes.titlesize": 13.5,
    "axes.labelsize": 12.5,
    "xtick.labelsize": 11.5,
    "ytick.labelsize": 11.5,
    "legend.fontsize": 11.5,
    "axes.edgecolor": "#888888",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#E3E3E3",
    "grid.linewidth": 0.8,
    "text.color": INK,
    "axes.labelcolor": INK,
    "xtick.color": "#333333",
    "ytick.color": "#333333",
}


def colours(c: Comparison) -> dict[str, str]:
    """Grey for the baseline, then distinct colours in scenario order."""
    out = {c.baseline: BASE_COLOUR}
    rest = data.others(c)
    for i, name in enumerate(rest):
        out[name] = PALETTE[i % len(PALETTE)]
    return out


def data_uri(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def tick_formatter(f: Fmt, *, signed: bool = False) -> FuncFormatter:
    def fmt(v: float, _pos: int) -> str:
        d = 0 if abs(v - round(v)) < 1e-9 else (1 if abs(v * 10 - round(v * 10)) < 1e-6 else 2)
        return f.number(v, d, signed=signed)

    return FuncFormatter(fmt)


def month_step(span: float) -> int:
    for step in (1, 2, 3, 6, 12, 24):
        if span / step <= 8:
            return step
    return 48


# --- timeline ---------------------------------------------------------------------


def timeline(c: Comparison, t: dict[str, str], f: Fmt) -> str:
    """Weekly shootings: one panel per scenario, the baseline's mean in grey in each."""
    cols = colours(c)
    n = len(c.names)
    ncols = 1 if n == 1 else 2
    nrows = math.ceil(n / ncols)
    base = data.weekly(c, c.baseline)
    with rc_context(RC):
        fig = Figure(figsize=(10, 2.6 * nrows + 0.9), layout="constrained")
        axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
        for ax, name in zip(axes.flat, c.names, strict=False):
            w = base if name == c.baseline else data.weekly(c, name)
            _timeline_panel(ax, c, name, w, base, cols[name], t, f)
        for ax in list(axes.flat)[n:]:
            ax.set_visible(False)
        span = float(base.months[-1] - base.months[0])
        ax0 = axes.flat[0]
        ax0.xaxis.set_major_locator(MultipleLocator(month_step(span)))
        ax0.xaxis.set_major_formatter(tick_formatter(f, signed=True))
        ax0.yaxis.set_major_formatter(tick_formatter(f))
        ax0.set_ylim(bottom=0)
        fig.supxlabel(t["x_months"])
        fig.supylabel(t["y_weekly"])
        fig.legend(
            handles=_timeline_handles(c, t),
            loc="outside upper center",
            ncol=5,
            frameon=False,
        )
        return data_uri(fig)


def _timeline_panel(ax, c, name, w, base, col, t, f) -> None:
    ax.fill_between(w.months, w.low, w.high, color=col, alpha=0.15, lw=0)
    if name != c.baseline:
        ax.plot(base.months, base.mean, color=BASE_COLOUR, lw=1.2)
    ax.plot(w.months, w.mean, color=col, lw=2.0)
    ax.axvline(0, color=INK, lw=1.2, ls="--")
    trans = blended_transform_factory(ax.transData, ax.transAxes)
    label = {"va": "top", "fontsize": 10.5, "transform": trans, "bbox": LABEL_BOX}
    ax.text(0.5, 0.97, t["rollout"], ha="left", **label)
    days = c.callin_days.get(name, [])
    if days:
        x = (np.asarray(days) - c.days["rollout"]) / data.DAYS_PER_MONTH
        ax.plot(
            x,
            np.full(len(x), 0.0),
            ls="none",
            marker="^",
            ms=8,
            color=col,
            mec="white",
            mew=0.6,
            transform=trans,
            clip_on=False,
            zorder=5,
        )
    scenario = c.scenarios[c.names.index(name)]
    lapse = scenario.partnership.lapse_day
    if lapse is not None and scenario.intervention:
        xl = lapse / data.DAYS_PER_MONTH
        ax.axvline(xl, color=col, lw=1.2, ls=":")
        ax.text(xl - 0.5, 0.85, t["lapse"], ha="right", color=col, **label)
    ax.set_title(name, loc="left", color=col if name != c.baseline else INK, fontweight="bold")


def _timeline_handles(c: Comparison, t: dict[str, str]) -> list:
    return [
        Line2D([], [], color=INK, lw=2.0, label=t["leg_mean"]),
        Patch(color=INK, alpha=0.15, lw=0, label=t["leg_band"]),
        Line2D(
            [], [], color=BASE_COLOUR, lw=1.2, label=t["leg_baseline"].format(baseline=c.baseline)
        ),
        Line2D([], [], color=INK, ls="--", lw=1.2, label=t["rollout"]),
        Line2D([], [], color=INK, ls="none", marker="^", ms=8, label=t["leg_callin"]),
    ]


# --- effects ----------------------------------------------------------------------


def effects(c: Comparison, t: dict[str, str], f: Fmt) -> tuple[str | None, bool]:
    """Paired % change per metric and scenario with 95 % whiskers; True if a bar was cut.
    No chart (None) when no measure has a percentage change."""
    cols = colours(c)
    shown, _ = data.effect_metrics(c)
    if not shown:
        return None, False
    groups = [
        (t["panel_violence"], [m for m in shown if m in data.VIOLENCE]),
        (t["panel_other"], [m for m in shown if m not in data.VIOLENCE]),
    ]
    groups = [(title, ms) for title, ms in groups if ms]
    k = len(data.others(c))
    rows = [len(ms) * (k + 1) for _, ms in groups]
    cut = False
    with rc_context(RC):
        fig = Figure(figsize=(10, 0.19 * sum(rows) + 1.6 * len(groups) + 0.6), layout="constrained")
        axes = fig.subplots(len(groups), 1, squeeze=False, height_ratios=rows)[:, 0]
        for ax, (title, ms) in zip(axes, groups, strict=True):
            cut |= _effects_panel(ax, c, ms, cols, f)
            ax.set_title(title, loc="left", fontweight="bold")
        axes[-1].set_xlabel(t["x_change"].format(baseline=c.baseline))
        handles = [Patch(color=cols[n], label=n) for n in data.others(c)]
        fig.legend(handles=handles, loc="outside upper center", ncol=min(k, 5), frameon=False)
        return data_uri(fig), cut


def _effects_panel(ax, c: Comparison, metrics: list[str], cols, f: Fmt) -> bool:
    k = len(data.others(c))
    lows, highs = [0.0], [0.0]
    bars = []
    for i, m in enumerate(metrics):
        for j, name in enumerate(data.others(c)):
            r = data.effect_row(c, name, m)
            if np.isnan(r.change_pct):
                continue
            bars.append((i * (k + 1) + j, r.change_pct, r.ci_low, r.ci_high, cols[name]))
            lows.append(r.ci_low if not np.isnan(r.ci_low) else r.change_pct)
            highs.append(r.ci_high if not np.isnan(r.ci_high) else r.change_pct)
    lo = max(-100.0, math.floor(min(min(lows), -10) / 10) * 10 - 5)
    hi = math.ceil(max([h for h in highs if h <= CAP_PCT] + [10.0]) / 10) * 10 + 5
    cut = False
    for y, v, ci_lo, ci_hi, col in bars:
        ax.barh(y, min(v, hi), height=0.8, color=col)
        if v <= hi and not (np.isnan(ci_lo) or np.isnan(ci_hi)):
            _whisker(ax, y, ci_lo, ci_hi, hi)
        if v > hi:
            cut = True
            ax.text(
                hi - 2,
                y,
                f.pct(v, signed=True) + " ▸",
                ha="right",
                va="center",
                fontsize=10,
                color="white",
                fontweight="bold",
            )
    ax.axvline(0, color=INK, lw=1.2)
    ax.set_xlim(lo, hi)
    ax.set_yticks([i * (k + 1) + (k - 1) / 2 for i in range(len(metrics))])
    ax.set_yticklabels([metric_label(metric(m), f.lang) for m in metrics])
    ax.set_ylim(len(metrics) * (k + 1) - 1, -1)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_formatter(tick_formatter(f, signed=True))
    return cut


def _whisker(ax, y: float, lo: float, hi: float, xmax: float) -> None:
    """A 95 % interval line with end caps; cut without a cap at the axis edge."""
    ax.plot([lo, min(hi, xmax)], [y, y], color=INK, lw=1.3, solid_capstyle="butt")
    for end in (lo, hi):
        if end <= xmax:
            ax.plot([end, end], [y - 0.25, y + 0.25], color=INK, lw=1.3)


# --- costs ------------------------------------------------------------------------


def tradeoff(c: Comparison, t: dict[str, str], f: Fmt) -> str:
    """Shootings averted per year against extra arrests and extra cost (paired, 95 %)."""
    cols = colours(c)
    rows = [data.tradeoff(c, n) for n in data.others(c)]
    with rc_context(RC):
        fig = Figure(figsize=(10, 4.4), layout="constrained")
        ax1, ax2 = fig.subplots(1, 2, sharey=True)
        for r in rows:
            y, yerr = r.averted.mean, _err(r.averted)
            ax1.errorbar(
                r.extra_arrests.mean,
                y,
                yerr=yerr,
                xerr=_err(r.extra_arrests),
                fmt="o",
                ms=8,
                color=cols[r.name],
                capsize=3,
                lw=1.4,
            )
            ax2.errorbar(
                r.extra_cost.mean / 1e6,
                y,
                yerr=yerr,
                xerr=_err(r.extra_cost, 1e6),
                fmt="o",
                ms=8,
                color=cols[r.name],
                capsize=3,
                lw=1.4,
            )
        for ax in (ax1, ax2):
            ax.axhline(0, color=INK, lw=1.0)
            ax.axvline(0, color=INK, lw=1.0)
            ax.xaxis.set_major_formatter(tick_formatter(f, signed=True))
            ax.yaxis.set_major_formatter(tick_formatter(f))
        ax1.set_xlabel(t["x_extra_arrests"].format(baseline=c.baseline))
        ax2.set_xlabel(t["x_extra_cost"].format(baseline=c.baseline))
        ax1.set_ylabel(t["y_averted"])
        handles = [
            Line2D([], [], color=cols[r.name], marker="o", ls="none", ms=8, label=r.name)
            for r in rows
        ]
        fig.legend(
            handles=handles, loc="outside upper center", ncol=min(len(rows), 5), frameon=False
        )
        return data_uri(fig)


def _err(e: data.Estimate, scale: float = 1.0) -> list[list[float]]:
    if np.isnan(e.low) or np.isnan(e.high):
        return [[0.0], [0.0]]
    return [[(e.mean - e.low) / scale], [(e.high - e.mean) / scale]]


# --- time to effect ---------------------------------------------------------------


def trajectory(c: Comparison, t: dict[str, str], f: Fmt) -> str:
    """Cumulative paired change in shootings by month after rollout, 95 % band; a ring
    marks each scenario's first month whose whole band is below zero."""
    cols = colours(c)
    tr = c.trajectory
    first = dict(zip(c.time_to_effect["scenario"], c.time_to_effect["months"], strict=True))
    with rc_context(RC):
        fig = Figure(figsize=(10, 4.6), layout="constrained")
        ax = fig.subplots()
        for name in data.others(c):
            d = tr[tr["scenario"] == name].sort_values("month")
            col = cols[name]
            ax.fill_between(d["month"], d["ci_low"], d["ci_high"], color=col, alpha=0.15, lw=0)
            ax.plot(d["month"], d["change_pct"], color=col, lw=2.0, marker="o", ms=3.5)
            m = first.get(name, float("nan"))
            if not np.isnan(m):
                y = float(d.loc[d["month"] == m, "change_pct"].iloc[0])
                ax.plot([m], [y], ls="none", marker="o", ms=13, mfc="none", mec=col, mew=2.0)
        ax.axhline(0, color=INK, lw=1.2)
        ax.set_xlabel(t["x_months"])
        ax.set_ylabel(t["y_cum_change"].format(baseline=c.baseline))
        ax.xaxis.set_major_locator(MultipleLocator(month_step(float(tr["month"].max() or 1))))
        ax.xaxis.set_major_formatter(tick_formatter(f))
        ax.yaxis.set_major_formatter(tick_formatter(f, signed=True))
        handles = [Line2D([], [], color=cols[n], lw=2.0, label=n) for n in data.others(c)]
        handles.append(
            Line2D([], [], ls="none", marker="o", ms=11, mfc="none", mec=INK, label=t["leg_first"])
        )
        fig.legend(handles=handles, loc="outside upper center", ncol=5, frameon=False)
        return data_uri(fig)
