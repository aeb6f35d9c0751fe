"""The statistics of one run that the published patterns are measured by: yearly
shootings after the warm-up, each member's involvement, retaliations and their lags,
the infection forest of the shootings (cascades and follow-ons), the concentration of
shootings and the drift of a series of yearly counts.

**Infection forest.** Every retaliation is logged with ``ref`` = the shooting it answers
(its infector, :meth:`model.violence.Violence.attribute`), so the shootings after the
warm-up form a forest: an edge from each shooting to the retaliations it caused. A
shooting whose infector lies before the warm-up starts a cascade of its own, as in an
observed record that begins on a given day (Green, Horel & Papachristos 2017 saw only the
infectors inside their 2006-2014 window); so does every background shooting. A
*cascade* is one tree of this forest, **single shootings included**: Green et al. grouped
their 11,123 shootings into 4,107 cascades, from one shooting to 469 (mean 2.7 =
11,123 / 4,107), so the mean cascade size is shootings per root. A shooting's
*follow-ons* are the retaliations it caused directly (its children in the forest).

The patterns themselves, their targets and sources are declared once in
:mod:`experiments.patterns`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scenarios.schema import Scenario

from .events import Cause, EventKind
from .gvi_model import GVIModel
from .time import DAYS_PER_YEAR

TOP_SHARE = 0.10  # the "top 10 % of members" of the concentration pattern
TOP_SHOOTINGS = 0.10  # the "top 10 % of shootings" of the follow-on concentration pattern


@dataclass
class RunStats:
    """What one run contributes to the patterns (after the warm-up)."""

    yearly_shootings: list[int]
    involvement: np.ndarray
    shootings: int
    retaliations: int
    lags: list[int]
    offspring: np.ndarray  # per shooting after the warm-up, in order: its follow-ons
    cascade_sizes: np.ndarray  # shootings in each cascade rooted after the warm-up


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
    offspring, sizes = infection_forest([e.id for e in shots], [e.ref for e in shots])
    return RunStats(
        yearly,
        involvement,
        len(shots),
        len(retal),
        [int(e.value) for e in retal],
        offspring,
        sizes,
    )


def infection_forest(ids: Sequence[int], parents: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """``(offspring, cascade sizes)`` of the shootings with event ids ``ids`` (ascending:
    an infector is logged before what it causes) and infectors ``parents`` (-1: none).

    ``offspring[i]``: the shootings among ``ids`` whose infector is shooting ``i``.
    A shooting whose infector is not among ``ids`` (none, or before the warm-up) is the
    root of a cascade; the sizes of all cascades (single shootings included) are given
    in the order of their roots."""
    n = len(ids)
    at = {int(e): i for i, e in enumerate(ids)}
    offspring = np.zeros(n, dtype=np.int64)
    root = np.empty(n, dtype=np.int64)
    for i, p in enumerate(parents):
        j = at.get(int(p), -1) if p >= 0 else -1
        if j < 0 or j >= i:  # no infector in the record (an infector comes first)
            root[i] = i
        else:
            offspring[j] += 1
            root[i] = root[j]
    sizes = np.bincount(root, minlength=n)
    return offspring, sizes[root == np.arange(n)]


def mean_cascade_size(sizes: np.ndarray) -> float:
    """Shootings per cascade (single shootings included, as Green et al. count them)."""
    return float(np.mean(sizes)) if len(sizes) else float("nan")


def follow_on_share(offspring: np.ndarray, share: float = TOP_SHOOTINGS) -> float:
    """Share of all follow-ons caused directly by the top ``share`` of shootings ranked
    by their number of follow-ons (NaN without follow-ons)."""
    total = offspring.sum()
    if total == 0:
        return float("nan")
    k = max(1, math.ceil(share * len(offspring)))
    return float(np.sort(offspring)[::-1][:k].sum() / total)


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
