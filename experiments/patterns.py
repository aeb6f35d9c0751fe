"""The published patterns and validation targets, declared once (DOMAIN.md section 4).

Each :class:`Pattern` names one regularity the model must reproduce: how its value is
measured, the target range, what else a pass needs, the source, and which checks use
it. Every judgement of the model against the literature reads :data:`PATTERNS`:

- ``gvi check-patterns SCENARIO`` (:func:`check_patterns`): the city, group and member
  patterns of one scenario over seeds, one run per seed;
- ``gvi validate-model`` (:mod:`experiments.validation`): every pattern on the default
  city, with bootstrap intervals, and the target bands of its report's figures;
- the acceptance tests (tests/test_acceptance.py): the effect patterns through the
  comparison engine;
- docs/validation.md: its targets table is generated from here (``python -m gvi.docs``).

Not to be confused with ``gvi validate FILE``, which checks that a scenario file is well
formed and says nothing about patterns.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import numpy as np

from model.patterns import (
    drift_per_year,
    follow_on_share,
    mean_cascade_size,
    run_stats,
    top_share,
)
from model.streams import as_seed_sequence, child
from scenarios.schema import Scenario


class Level(StrEnum):
    """What a pattern describes."""

    CITY = "city"
    GROUP = "group"
    MEMBER = "member"
    INTERVENTION = "intervention"


class Use(StrEnum):
    """Where a pattern is checked."""

    CHECK_PATTERNS = "check-patterns"
    VALIDATE_MODEL = "validate-model"
    ACCEPTANCE = "acceptance tests"


def target_text(low: float | None, high: float | None, *, strict: bool = False) -> str:
    """The range ``[low, high]`` as text (``None`` leaves that side open; ``-`` for none)."""
    if low is None and high is None:
        return "-"
    if high is None:
        return f"{'>' if strict else '>='} {low:g}"
    if low is None:
        return f"{'<' if strict else '<='} {high:g}"
    return f"{low:g} to {high:g}" + (" (bounds excluded)" if strict else "")


@dataclass(frozen=True)
class Pattern:
    """One published pattern and its target.

    A check passes when its point estimate (over all replicates) lies within ``low`` to
    ``high`` (``None``: open; ``strict``: the bounds themselves fail) and, where ``also``
    says so, a further condition holds that the checking code tests. ``published`` holds
    reported values drawn as reference marks in the figures. ``default_city_only``: the
    target is a design choice of the default city, so ``gvi check-patterns`` reports the
    value of any scenario without a verdict. ``scale``: the unit in which calibration
    counts a miss outside the range (:attr:`distance_scale`; needed where a side is
    open, else the range's width).
    """

    key: str
    name: str
    level: Level
    statistic: str
    unit: str
    low: float | None
    high: float | None
    source: str
    used_in: tuple[Use, ...]
    strict: bool = False
    also: str = ""
    default_city_only: bool = False
    published: tuple[tuple[str, float], ...] = ()
    scale: float | None = None

    def __post_init__(self) -> None:
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"pattern {self.key}: low {self.low} is above high {self.high}")
        if self.scale is not None and not self.scale > 0:
            raise ValueError(f"pattern {self.key}: scale must be > 0, got {self.scale}")

    @property
    def distance_scale(self) -> float:
        """The unit of a miss in calibration: ``scale``, else the range's width (a
        ValueError when a side is open and no scale is declared)."""
        if self.scale is not None:
            return self.scale
        low, high = self.band()
        if not math.isfinite(high - low) or high == low:
            raise ValueError(f"pattern {self.key}: its range has no width; declare a scale")
        return high - low

    def holds(self, value: float) -> bool:
        """Whether ``value`` is finite and within the target range."""
        if not math.isfinite(value):
            return False
        if self.low is not None and (value <= self.low if self.strict else value < self.low):
            return False
        return self.high is None or (value < self.high if self.strict else value <= self.high)

    def band(self) -> tuple[float, float]:
        """``(low, high)`` with an open side as minus or plus infinity (for figures)."""
        low = -math.inf if self.low is None else self.low
        return low, math.inf if self.high is None else self.high

    @property
    def target_text(self) -> str:
        """The target range and any further condition, as text."""
        text = target_text(self.low, self.high, strict=self.strict)
        return f"{text}, {self.also}" if self.also else text


_CP, _VM, _ACC = Use.CHECK_PATTERNS, Use.VALIDATE_MODEL, Use.ACCEPTANCE
_PAIRED = "paired change 100 (sum T / sum B - 1) of shootings against the same seed's baseline"

_DECLARED = (
    Pattern(
        key="volume",
        name="Baseline shootings per year",
        level=Level.CITY,
        statistic="shootings per year after the warm-up in the baseline, mean over replicates",
        unit="shootings/year",
        low=40.0,
        high=80.0,
        source="default city design",
        used_in=(_CP, _VM),
        default_city_only=True,
    ),
    Pattern(
        key="stationarity",
        name="Stationary baseline (drift)",
        level=Level.CITY,
        statistic="least-squares slope of the baseline's mean yearly shootings, in percent "
        "of their mean",
        unit="% per year",
        low=-10.0,
        high=10.0,
        source="DOMAIN.md 4",
        used_in=(_CP, _VM),
    ),
    Pattern(
        key="concentration",
        name="Top 10% of members' share of shootings",
        level=Level.MEMBER,
        statistic="share of shootings by the 10% of members most involved as shooters, mean "
        "over replicates",
        unit="share",
        low=0.5,
        high=None,
        source="Papachristos, Wildeman & Roberto 2015",
        used_in=(_CP, _VM),
        scale=0.1,
    ),
    Pattern(
        key="retaliation_share",
        name="Retaliation share of shootings",
        level=Level.GROUP,
        statistic="retaliations among all shootings after the warm-up, pooled over replicates",
        unit="share",
        low=0.40,
        high=0.75,
        source="Green, Horel & Papachristos 2017 (63.1%)",
        used_in=(_CP, _VM),
    ),
    Pattern(
        key="retaliation_lag",
        name="Median retaliation lag",
        level=Level.GROUP,
        statistic="median days from the victimisation to the retaliation, pooled over "
        "replicates; target: the published 83 days +- 25 %",
        unit="days",
        low=62.0,
        high=104.0,
        source="Green, Horel & Papachristos 2017 (Chicago network contagion)",
        used_in=(_CP, _VM),
        published=(("Green et al. 2017", 83.0),),
    ),
    Pattern(
        key="retaliation_lag_mean",
        name="Mean retaliation lag",
        level=Level.GROUP,
        statistic="mean days from the victimisation to the retaliation, pooled over "
        "replicates; target: the published 125 days +- 25 %",
        unit="days",
        low=94.0,
        high=156.0,
        source="Green, Horel & Papachristos 2017 (Chicago network contagion)",
        used_in=(_CP, _VM),
        published=(("Green et al. 2017", 125.0),),
    ),
    Pattern(
        key="cascade_size",
        name="Mean cascade size",
        level=Level.GROUP,
        statistic="shootings per cascade after the warm-up, pooled over replicates; a "
        "cascade is a tree of shootings linked infector -> retaliation, single shootings "
        "included (as Green et al.: 11,123 shootings in 4,107 cascades); a retaliation "
        "whose infector lies before the warm-up starts a cascade; target: the published "
        "2.7 +- 25 %",
        unit="shootings",
        low=2.0,
        high=3.4,
        source="Green, Horel & Papachristos 2017 (4,107 cascades, mean size 2.7)",
        used_in=(_CP, _VM),
        published=(("Green et al. 2017", 2.7),),
    ),
    Pattern(
        key="follow_on_concentration",
        name="Top 10% of shootings' share of follow-ons",
        level=Level.GROUP,
        statistic="share of the follow-on shootings (retaliations a shooting caused "
        "directly) caused by the 10% of shootings with most follow-ons, shootings after "
        "the warm-up pooled over replicates",
        unit="share",
        low=0.8,
        high=None,
        source="Green, Horel & Papachristos 2017 cascades as analysed by Kucharski 2020 "
        "(fewer than 10% of shootings caused 80% of follow-ons)",
        used_in=(_CP, _VM),
        scale=0.1,
    ),
    Pattern(
        key="gvi_effect",
        name="GVI effect on shootings vs paired baseline",
        level=Level.INTERVENTION,
        statistic=f"gvi: {_PAIRED}, post-rollout",
        unit="% change",
        low=-60.0,
        high=-20.0,
        source="Braga et al. 2001-2019; review 2024",
        used_in=(_VM, _ACC),
        also="and its 95% interval excludes 0",
        # a miss counts in 5-point units: with the range's width (40) a 5-point miss
        # changed no particle's fate in calibration (docs/calibration.md)
        scale=5.0,
        published=(
            ("Boston Ceasefire (Braga et al. 2001)", -63.0),
            ("Boston Ceasefire II (Braga, Hureau & Papachristos 2014)", -31.0),
            ("Oakland gun homicides (Braga et al. 2019)", -31.5),
            ("Oakland gang shootings (Braga et al. 2019)", -43.0),
            ("Chicago VRS (Papachristos & Kirk 2015)", -23.0),
            ("New Orleans gang homicides", -32.0),
            ("Stockton gun homicides", -42.0),
            ("Indianapolis RR 0.48", -52.0),
            ("Review 2024, all (Braga, Weisburd & Turchan)", -23.0),
            ("Review 2024, randomised", -16.0),
        ),
    ),
    Pattern(
        key="support_only",
        name="Support alone: share of the GVI cut",
        level=Level.INTERVENTION,
        statistic="post-rollout paired change under support_only divided by that under gvi",
        unit="share of gvi cut",
        low=None,
        high=0.5,
        source="NNSC: services alone had little impact",
        used_in=(_VM, _ACC),
        scale=0.25,
    ),
    Pattern(
        key="crackdown",
        name="Crackdown arrests relative to GVI",
        level=Level.INTERVENTION,
        statistic="post-rollout arrests under crackdown divided by those under gvi, pooled",
        unit="x gvi arrests",
        low=2.0,
        high=None,
        source="DOMAIN.md 4 (crackdowns)",
        used_in=(_VM, _ACC),
        also="and a smaller cut in shootings than gvi",
        scale=1.0,
    ),
    Pattern(
        key="gvi_arrests",
        name="GVI arrests relative to business as usual",
        level=Level.INTERVENTION,
        statistic="post-rollout arrests under gvi divided by those under the paired "
        "baseline, pooled; no published figure: the bound reads practice (few, "
        "targeted group actions, not a wave of arrests), not a measurement",
        unit="x baseline arrests",
        low=None,
        high=2.0,
        source="DOMAIN.md 7 (Örebro practice); no published figure",
        used_in=(_VM,),
        scale=0.5,
    ),
    Pattern(
        key="enforcement_actions",
        name="Group enforcement actions in the first year (Örebro)",
        level=Level.INTERVENTION,
        statistic="orebro preset: group enforcement actions started in the first year "
        "after rollout, mean over replicates; target: the published 4 within a factor "
        "of 2 (one city's count in one year)",
        unit="actions",
        low=2.0,
        high=8.0,
        source="polisen.se 2023 (Örebro: 4 group sanctions in the first year)",
        used_in=(_VM,),
        published=(("Örebro 2022-23", 4.0),),
    ),
    Pattern(
        key="lapse",
        name="After a lapse: effect returns toward baseline",
        level=Level.INTERVENTION,
        statistic="gvi_lapse: paired change after the lapse minus the change before it",
        unit="pp change",
        low=0.0,
        high=None,
        source="Braga, Hureau & Winship 2008 (Boston)",
        used_in=(_VM, _ACC),
        strict=True,
        scale=5.0,
    ),
    Pattern(
        key="resurgence",
        name="After a lapse: violence returns to baseline or above",
        level=Level.INTERVENTION,
        statistic="gvi_lapse: paired change in the last 6 months of the run (6-12 months "
        "after the lapse); no published size: Boston's killings after its lapse rose "
        "above the year before (55 in 2004, 41 in 2003), so the target is a return to "
        "within 5 % of business as usual or above",
        unit="% change",
        low=-5.0,
        high=None,
        source="Braga, Hureau & Winship 2008 (Boston)",
        used_in=(_VM,),
        scale=5.0,
    ),
    Pattern(
        key="fades",
        name="Without follow-through: effect fades",
        level=Level.INTERVENTION,
        statistic="gvi with enforcement.fidelity = 0: paired change in the last 6 months "
        "after rollout minus that in the first 6",
        unit="pp change",
        low=0.0,
        high=None,
        source="NNSC; Braga, Hureau & Winship 2008",
        used_in=(_VM,),
        strict=True,
        also="and its 95 % interval excludes 0 at the replicates the check runs",
        scale=5.0,
    ),
    Pattern(
        key="early_peak",
        name="Effect strongest early",
        level=Level.INTERVENTION,
        statistic="gvi: paired change in the first year after rollout minus that in the "
        "second; direction only (no published size of the decline)",
        unit="pp change",
        low=None,
        high=0.0,
        source="New Orleans: strongest early, diminishing later (Corsaro & Engel 2015)",
        used_in=(_VM,),
        scale=5.0,
    ),
    Pattern(
        key="dose_response",
        name="Call-in reach: effect grows with attendees",
        level=Level.INTERVENTION,
        statistic="paired post-rollout change with 30 call-in attendees minus that with 5",
        unit="pp (30 vs 5)",
        low=None,
        high=0.0,
        source="Wheeler, McLean, Becker & Worden 2019",
        used_in=(_VM,),
        strict=True,
        also="and the changes at 5, 15, 30 attendees fall monotonically",
        scale=5.0,
    ),
    Pattern(
        key="uptake",
        name="Uptake of help among the notified",
        level=Level.MEMBER,
        statistic="gvi: accepted support offers among offers to members notified (custom "
        "notification or call-in) in the 90 days before",
        unit="share accepted",
        low=0.20,
        high=0.50,
        source="Örebro (~10 of 30)",
        used_in=(_VM,),
    ),
    Pattern(
        key="caseload",
        name="Outreach caseload (clients per worker)",
        level=Level.INTERVENTION,
        statistic="gvi: daily mean number of clients per outreach worker after the rollout",
        unit="clients",
        low=7.0,
        high=10.0,
        source="Stockton: 6 workers x <= 10 clients",
        used_in=(_VM,),
    ),
)
PATTERNS: Mapping[str, Pattern] = MappingProxyType({p.key: p for p in _DECLARED})
"""Every pattern by key, in the order of the checks and of docs/validation.md (read-only)."""


def patterns_for(use: Use) -> list[Pattern]:
    """The patterns checked by ``use``, in the table's order."""
    return [p for p in PATTERNS.values() if use in p.used_in]


@dataclass(frozen=True)
class PatternResult:
    """One pattern of ``gvi check-patterns``: its value against the declared target
    (``checked`` False: reported without a verdict)."""

    pattern: Pattern
    value: float
    checked: bool

    @property
    def name(self) -> str:
        return self.pattern.name

    @property
    def low(self) -> float | None:
        return self.pattern.low if self.checked else None

    @property
    def high(self) -> float | None:
        return self.pattern.high if self.checked else None

    @property
    def target(self) -> str:
        return self.pattern.target_text if self.checked else "-"

    @property
    def passed(self) -> bool:
        return not self.checked or self.pattern.holds(self.value)

    def to_dict(self) -> dict[str, Any]:
        p = self.pattern
        return {
            "key": p.key,
            "name": p.name,
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "unit": p.unit,
            "source": p.source,
            "target": self.target,
            "passed": self.passed,
            "checked": self.checked,
        }


def check_patterns(
    scenario: Scenario, *, seeds: int = 20, seed: int = 1, runner=map
) -> list[PatternResult]:
    """``check_patterns(scenario, *, seeds=20, seed=1, runner=map)``: the patterns of
    ``gvi check-patterns`` over ``seeds`` replicates (``runner`` maps
    :func:`model.patterns.run_stats`). Baseline volume and drift come from the
    scenario's baseline twin when it has an intervention; the rest from its own runs."""
    root = as_seed_sequence(seed)
    kids = [child(root, r) for r in range(seeds)]
    twin = scenario.baseline_twin() if scenario.intervention else scenario
    own = list(runner(run_stats, [scenario] * seeds, kids))
    base = own if twin is scenario else list(runner(run_stats, [twin] * seeds, kids))
    yearly = np.mean([s.yearly_shootings for s in base], axis=0)
    shootings = sum(s.shootings for s in own)
    lags = [lag for s in own for lag in s.lags]
    values = {
        "volume": float(yearly.mean()),
        "stationarity": drift_per_year(yearly),
        "concentration": float(np.nanmean([top_share(s.involvement) for s in own])),
        "retaliation_share": sum(s.retaliations for s in own) / max(shootings, 1),
        "retaliation_lag": float(np.median(lags)) if lags else float("nan"),
        "retaliation_lag_mean": float(np.mean(lags)) if lags else float("nan"),
        "cascade_size": mean_cascade_size(np.concatenate([s.cascade_sizes for s in own])),
        "follow_on_concentration": follow_on_share(np.concatenate([s.offspring for s in own])),
    }
    return [
        PatternResult(p, values[p.key], checked=not p.default_city_only)
        for p in patterns_for(Use.CHECK_PATTERNS)
    ]
