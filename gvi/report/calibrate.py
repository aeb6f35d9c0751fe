"""The posterior plot of a calibration: one histogram per fitted parameter over its
prior range, with the posterior median, the 90 % interval and the true value if known."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from experiments.output import atomic_write  # noqa: E402

if TYPE_CHECKING:
    from experiments.calibrate import CalibrationResult


def posterior_plot(result: CalibrationResult, path: Path) -> Path:
    """Write ``posterior.png``: accepted values against the prior, per parameter."""
    cal = result.calibration
    k = len(cal.parameters)
    cols = min(k, 4)
    rows = -(-k // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.3 * rows), squeeze=False)
    for ax in axes.flat[k:]:
        ax.set_visible(False)
    for ax, p in zip(axes.flat, cal.parameters, strict=False):
        info = result.summary["parameters"][p.path]
        lo, hi = p.prior
        ax.hist(result.accepted[p.path], bins=15, range=(lo, hi), color="tab:blue", alpha=0.7,
                weights=result.weights * len(result.accepted),
                label=f"posterior ({len(result.accepted)} accepted)")  # fmt: skip
        ax.axvline(info["median"], color="k", label="median")
        for q in info["interval90"]:
            ax.axvline(q, color="k", ls=":", lw=1)
        if p.true is not None:
            ax.axvline(p.true, color="tab:red", ls="--", label="true value")
        ax.set_xlim(lo, hi)
        ax.set(xlabel=p.path, ylabel="accepted draws (weighted)")
        ax.legend(fontsize=7)
    fig.suptitle(f"{cal.name}: posterior within the uniform prior ranges", fontsize=10)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=90))
    plt.close(fig)
    return path
