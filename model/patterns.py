"""The statistics of one run that the published patterns are measured by: yearly
shootings after the warm-up, each member's involvement, retaliations and their lags,
the concentration of shootings and the drift of a series of yearly counts.

The patterns themselves, their targets and sources are declared once in
:mod:`experiments.patterns`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scenarios.schema import Scenario

from .events import Cause, EventKind
from .gvi_model import GVIModel
from .time import DAYS_PER_YEAR

TOP_SHARE = 0.10  # the "top 10 % of members" of the concentration pattern


@dataclass
class RunStats:
    """What one run contributes to the patterns (after the warm-up)."""

    yearly_shootings: list[int]
    involvement: np.ndarray
    shootings: int
    retaliations: int
    lags: list[int]


def run_stats(scenario: Scenario, seed: np.random.SeedSequence) -> RunStats:
    """Run one replicate (the model is closed afterwards) and extract what the patterns
    need."""
    with GVIModel(scenario, rng=seed) as model:
        model.run_model()
        start = model.warmup_day
        shots = [e for e in model.log.of_kind(EventKind.SHOOTING) if e.day >= start]
        years = max(1, (model.end_day - start) // DAYS_PER_YEAR)
        members = model.state.n
    yearly = [0] * years
    involvement = np.zeros(members, dtype=np.int64)
    for e in shots:
        y = (e.day - start) // DAYS_PER_YEAR
        if y < years:
            yearly[y] += 1
        involvement[e.members[0]] += 1
    retal = [e for e in shots if e.cause is Cause.RETALIATION]
    return RunStats(yearly, involvement, len(shots), len(retal), [int(e.value) for e in retal])


def top_share(involvement: np.ndarray, share: float = TOP_SHARE) -> float:
    """Share of shootings by the top ``share`` of members by involvement."""
    total = involvement.sum()
    if total == 0:
        return float("nan")
    k = max(1, math.ceil(share * len(involvement)))
    return float(np.sort(involvement)[::-1][:k].sum() / total)


def drift_per_year(yearly: np.ndarray) -> float:
    """Least-squares slope of yearly counts, in percent of their mean per year."""
    if len(yearly) < 2 or yearly.mean() == 0:
        return float("nan")
    slope = np.polyfit(np.arange(len(yearly)), yearly, 1)[0]
    return float(100.0 * slope / yearly.mean())
