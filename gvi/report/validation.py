"""Figures and the self-contained HTML page of a model validation (one section per
pattern, images inline). Published effects drawn as reference marks are those of
DOMAIN.md section 4 (Braga et al. 2001, 2014, 2019; Papachristos & Kirk 2015; Braga,
Weisburd & Turchan 2024)."""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from experiments.patterns import PATTERNS  # noqa: E402
from model.patterns import TOP_SHARE  # noqa: E402

from .templates import render  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from experiments.validation import Check, Record, Validation

MONTH = 30


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def concentration_curve(base: list[Record]) -> Figure:
    """Cumulative share of shootings over members ranked by involvement (Lorenz-like)."""
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    grid = np.linspace(0, 1, 101)
    curves = []
    for r in base:
        inv = r.involvement.astype(float)
        if inv.sum() == 0:
            continue
        x = np.arange(1, len(inv) + 1) / len(inv)
        curves.append(np.interp(grid, np.r_[0, x], np.r_[0, np.cumsum(inv) / inv.sum()]))
    ax.plot(grid, np.mean(curves, axis=0), label="baseline (mean over replicates)")
    ax.plot(grid, grid, ls=":", color="grey", label="equal shares")
    target = PATTERNS["concentration"]
    ax.axvline(TOP_SHARE, color="tab:red", ls="--", lw=1)
    low, _ = target.band()
    ax.axhline(low, color="tab:red", ls="--", lw=1, label=f"target {target.target_text}")
    ax.set(xlabel="share of members (most involved first)", ylabel="share of shootings")
    ax.legend(fontsize=8)
    return fig


def lag_histogram(base: list[Record]) -> Figure:
    lags = np.concatenate([np.asarray(r.lags, dtype=float) for r in base] or [np.zeros(0)])
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    ax.hist(lags, bins=np.arange(0, min(366, lags.max() + 8 if len(lags) else 30), 7).tolist())
    if len(lags):
        ax.axvline(np.median(lags), color="k", label=f"median {np.median(lags):.0f} d")
        ax.axvline(np.mean(lags), color="k", ls=":", label=f"mean {np.mean(lags):.0f} d")
    target = PATTERNS["retaliation_lag"]
    band = f"target (median) {target.target_text} d"
    ax.axvspan(*target.band(), color="tab:green", alpha=0.12, label=band)
    for key, style in (("retaliation_lag", "--"), ("retaliation_lag_mean", ":")):
        for name, days in PATTERNS[key].published:
            ax.axvline(days, color="tab:red", ls=style, label=f"{name}: {days:g} d")
    ax.set(xlabel="days from victimisation to retaliation", ylabel="retaliations")
    ax.legend(fontsize=8)
    return fig


def effect_plot(check: Check) -> Figure:
    target = PATTERNS["gvi_effect"]
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    labels = [name for name, _ in target.published] + ["simulated gvi (95% CI)"]
    ys = np.arange(len(labels))
    ax.scatter([v for _, v in target.published], ys[:-1], marker="|", s=200, color="tab:grey")
    ax.errorbar(
        [check.value],
        [ys[-1]],
        xerr=[[check.value - check.ci_low], [check.ci_high - check.value]],
        fmt="o",
        color="tab:blue",
    )
    band = f"target {target.low:g}% to {target.high:g}%"
    ax.axvspan(*target.band(), color="tab:green", alpha=0.12, label=band)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(ys, labels, fontsize=7)
    ax.set_xlabel("change in shootings / gun homicides (%)")
    ax.legend(fontsize=8)
    return fig


def monthly_ratio(treated: list[Record], base: list[Record]) -> tuple[np.ndarray, np.ndarray]:
    """Months since rollout and the pooled change (%) in shootings per month."""
    r0, end = base[0].rollout, base[0].end
    t = np.sum([r.daily_shootings for r in treated], axis=0)[r0:end]
    b = np.sum([r.daily_shootings for r in base], axis=0)[r0:end]
    k = len(t) // MONTH
    tm = t[: k * MONTH].reshape(k, MONTH).sum(axis=1)
    bm = b[: k * MONTH].reshape(k, MONTH).sum(axis=1)
    return np.arange(k), 100.0 * (tm / np.maximum(bm, 1) - 1.0)


def decay_plot(records: dict[str, list[Record]]) -> Figure:
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    base = records["baseline"]
    for name in ("gvi", "gvi_lapse", "gvi_no_follow_through"):
        x, y = monthly_ratio(records[name], base)
        ax.plot(x, y, marker=".", label=name)
    lapse = records["gvi_lapse"][0].lapse
    if lapse is not None:
        ax.axvline((lapse - base[0].rollout) / MONTH, color="tab:orange", ls="--", label="lapse")
    ax.axhline(0, color="k", lw=0.8)
    ax.set(xlabel="months since rollout", ylabel="change vs paired baseline (%)")
    ax.legend(fontsize=8)
    return fig


def dose_plot(records: dict[str, list[Record]]) -> Figure:
    from experiments.validation import REACH, change, post

    base = records["baseline"]
    n = np.arange(len(base))
    cuts = [change(records[f"gvi_reach_{k}"], base, post)(n) for k in REACH]
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    ax.plot(REACH, cuts, marker="o")
    ax.axhline(0, color="k", lw=0.8)
    ax.set(xlabel="call-in attendees (callins.attendees)", ylabel="change in shootings (%)")
    return fig


def target_plot(check: Check) -> Figure:
    """A value with its interval against the target (for checks without a special plot)."""
    fig, ax = plt.subplots(figsize=(5.5, 1.8))
    ax.errorbar(
        [check.value],
        [0],
        xerr=[[max(check.value - check.ci_low, 0)], [max(check.ci_high - check.value, 0)]],
        fmt="o",
        color="tab:green" if check.passed else "tab:red",
    )
    ax.set_yticks([])
    ax.set_xlabel(f"{check.unit} (target {check.target})")
    return fig


def figure_for(check: Check, v: Validation) -> Figure:
    base = v.records["baseline"]
    special = {
        "concentration": lambda: concentration_curve(base),
        "retaliation_lag": lambda: lag_histogram(base),
        "retaliation_lag_mean": lambda: lag_histogram(base),
        "gvi_effect": lambda: effect_plot(check),
        "lapse": lambda: decay_plot(v.records),
        "resurgence": lambda: decay_plot(v.records),
        "fades": lambda: decay_plot(v.records),
        "early_peak": lambda: decay_plot(v.records),
        "dose_response": lambda: dose_plot(v.records),
    }
    return special.get(check.key, lambda: target_plot(check))()


def render_html(v: Validation) -> str:
    """The page (``templates/validation.html``): a summary table, then one section per
    pattern with its figure."""
    checks = [
        {
            "key": c.key,
            "name": c.name,
            "source": c.source,
            "target": c.target,
            "unit": c.unit,
            "note": c.note,
            "value": f"{c.value:.3g}",
            "low": f"{c.ci_low:.3g}",
            "high": f"{c.ci_high:.3g}",
            "result": "PASS" if c.passed else "FAIL",
            "uri": "data:image/png;base64," + _png(figure_for(c, v)),
        }
        for c in v.checks
    ]
    return render(
        "validation.html",
        lang="en",
        title="Model validation",
        replicates=v.replicates,
        seed=v.seed,
        ensemble=v.ensemble,
        passed=v.passed,
        checks=checks,
    )
