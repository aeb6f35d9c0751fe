"""Pre- and post-rollout summaries of the daily metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .metrics import METRICS, MetricKind
from .time import DAYS_PER_YEAR


def summarise(
    daily: pd.DataFrame, *, warmup_day: int, rollout_day: int, end_day: int
) -> pd.DataFrame:
    """One row per metric: for counts the period total and yearly rate, for levels the
    period mean. ``pre`` = after warm-up, before rollout; ``post`` = rollout to end."""
    day = daily["day"].to_numpy()
    periods = {
        "pre": (day >= warmup_day) & (day < rollout_day),
        "post": (day >= rollout_day) & (day < end_day),
    }
    rows = []
    for m in METRICS:
        values = daily[m.name].to_numpy(dtype=float)
        row: dict[str, object] = {"metric": m.name, "kind": m.kind.value, "unit": m.unit}
        compared: dict[str, float] = {}  # per period: the yearly rate, or the level's mean
        for period, mask in periods.items():
            days = int(mask.sum())
            if m.kind is MetricKind.COUNT:
                total = float(values[mask].sum())
                rate = total * DAYS_PER_YEAR / days if days else np.nan
                row[period] = total
                row[f"{period}_per_year"] = compared[period] = rate
            else:
                row[period] = compared[period] = float(values[mask].mean()) if days else np.nan
                row[f"{period}_per_year"] = np.nan
        pre, post = compared["pre"], compared["post"]
        row["change_pct"] = (100.0 * (post - pre) / pre) if pre and np.isfinite(pre) else np.nan
        rows.append(row)
    return pd.DataFrame(rows).set_index("metric")
