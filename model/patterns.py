"""Pattern-oriented checks of a scenario against published regularities
(DOMAIN.md section 4): stationarity of the baseline, concentration of shootings among
few members, the share of retaliations and their lag."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from scenarios.schema import Scenario

from .events import Cause, EventKind
from .gvi_model import GVIModel
from .streams import as_seed_sequence, child
from .time import DAYS_PER_YEAR


@dataclass(frozen=True)
class PatternResult:
    """One check: its value against its target range, and where the target comes from."""

    name: str
    value: float
    low: float | None
    high: float | None
    unit: str
    source: str

    @property
    def checked(self) -> bool:
        return self.low is not None or self.high is not None

    @property
    def passed(self) -> bool:
        if not self.checked or not math.isfinite(self.value):
            return not self.checked
        return (self.low is None or self.value >= self.low) and (
            self.high is None or self.value <= self.high
        )

    def to_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed, "checked": self.checked}


@dataclass
class RunStats:
    yearly_shootings: list[int]
    involvement: np.ndarray
    shootings: int
    retaliations: int
    lags: list[int]


def run_stats(scenario: Scenario, seed: np.random.SeedSequence) -> RunStats:
    """Run one replicate and extract what the patterns need (after warm-up)."""
    model = GVIModel(scenario, rng=seed)
    model.run_model()
    start = model.warmup_day
    shots = [e for e in model.log.of_kind(EventKind.SHOOTING) if e.day >= start]
    years = max(1, (model.end_day - start) // DAYS_PER_YEAR)
    yearly = [0] * years
    involvement = np.zeros(model.state.n, dtype=np.int64)
    for e in shots:
        y = (e.day - start) // DAYS_PER_YEAR
        if y < years:
            yearly[y] += 1
        involvement[e.members[0]] += 1
    retal = [e for e in shots if e.cause is Cause.RETALIATION]
    return RunStats(yearly, involvement, len(shots), len(retal), [int(e.value) for e in retal])


def top_share(involvement: np.ndarray, share: float = 0.10) -> float:
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


def check_patterns(
    scenario: Scenario, *, seeds: int = 20, seed: int = 1, runner=map
) -> list[PatternResult]:
    """Evaluate the patterns over ``seeds`` replicates (``runner`` maps run_stats)."""
    root = as_seed_sequence(seed)
    kids = [child(root, r) for r in range(seeds)]
    twin = scenario.baseline_twin() if scenario.intervention else scenario
    own = list(runner(run_stats, [scenario] * seeds, kids))
    base = own if twin is scenario else list(runner(run_stats, [twin] * seeds, kids))
    yearly = np.mean([s.yearly_shootings for s in base], axis=0)
    shootings = sum(s.shootings for s in own)
    lags = [lag for s in own for lag in s.lags]
    return [
        PatternResult(
            "baseline shootings per year",
            float(yearly.mean()),
            None,
            None,
            "shootings/year",
            "default city: 40-80 (scenario design)",
        ),
        PatternResult(
            "baseline drift",
            drift_per_year(yearly),
            -10.0,
            10.0,
            "% per year",
            "stationary baseline (DOMAIN.md 4)",
        ),
        PatternResult(
            "top 10% of members' share of shootings",
            float(np.nanmean([top_share(s.involvement) for s in own])),
            0.5,
            None,
            "share",
            "Papachristos, Wildeman & Roberto 2015",
        ),
        PatternResult(
            "retaliation share",
            sum(s.retaliations for s in own) / max(shootings, 1),
            0.40,
            0.75,
            "share",
            "Green, Horel & Papachristos 2017 (63.1%)",
        ),
        PatternResult(
            "median retaliation lag",
            float(np.median(lags)) if lags else float("nan"),
            7.0,
            90.0,
            "days",
            "Green et al. 2017; Sturup et al. 2017",
        ),
    ]
