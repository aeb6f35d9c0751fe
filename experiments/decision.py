"""The decision space of a partnership, declared once, and the paired evaluation of a plan.

Used by scenario discovery (:mod:`experiments.discovery`, ``gvi discover``) and plan
search (:mod:`experiments.plan`, ``gvi plan``).

**Plan levers** (:data:`LEVERS`): what a partnership decides — follow-through fidelity,
call-in size and interval, notifications per group, outreach workers and service
places, enforcement capacity and delay — and which components it switches on
(:data:`SWITCHES`). **City conditions** (:data:`CONDITIONS`): what it does not decide —
the level of violence, the strength of retaliation, the members' trust. **Model
uncertainty**: the posterior ensemble; world ``k`` runs parameter set ``draws[k]`` with
the seed of replicate ``k``, as ``gvi compare`` does (:mod:`experiments.ensemble`).

Every factor's label, unit and range come from the parameter's declaration in
:mod:`scenarios.schema`: the declared range, unless it is far wider than a plan would
use (more than ten times the default, e.g. 0-500 outreach workers); then its upper end
is the declaration's sensitivity-analysis bound, or five times the default
(:func:`span`; the trainers' sliders use the same rule). The violence level is the one
exception: half to twice the scenario's own background hazard (its declared range
starts at no violence at all, where no change can be measured).

A city condition the ensemble calibrates (retaliation strength, in the shipped one) is
not sampled: each world takes the value of its parameter set, so it stays within what
the calibration found plausible.

**Paired evaluation.** A plan and its business-as-usual twin (same city, parameter set
and seed; every policy off) run to the horizon; :func:`run_summary` reduces a run to its
post-rollout totals, :func:`paired` to the figures decision support uses: the change in
shootings and arrests (percent), shootings averted, the programme's yearly cost and
extra custody days. The programme's cost is the model's cost (``cost_sek``) less what it
counts for shootings (investigation, injuries, deaths) and custody, so it is what the
partnership spends: call-ins, notifications, enforcement operations, crackdown sweeps,
outreach workers and service places in use.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from scenarios import Scenario
from scenarios.errors import Message
from scenarios.schema import ParamSpec, parameters

from .runner import Task, WarmModels, run_task

LEVERS: tuple[str, ...] = (
    "enforcement.fidelity",
    "callins.attendees",
    "callins.interval_days",
    "notifications.members_per_group",
    "support.workers",
    "support.slots",
    "enforcement.units",
    "enforcement.delay_days",
)
SWITCHES: tuple[str, ...] = (
    "callins.enabled",
    "notifications.enabled",
    "enforcement.enabled",
    "support.enabled",
)
CONDITIONS: tuple[str, ...] = (
    "violence.base_hazard",
    "violence.retaliation_branching",
    "city.legitimacy_mean",
)
STAFF: dict[str, str] = {
    "outreach_workers": "support.workers",
    "enforcement_units": "enforcement.units",
}
VIOLENCE_LEVEL = ("violence.base_hazard", 0.5, 2.0)  # path, times the scenario's value
DAYS_PER_YEAR = 365.0

Kind = Literal["lever", "switch", "condition"]


@functools.cache
def _specs() -> dict[str, ParamSpec]:
    return {spec.path: spec for spec in parameters()}


def spec_of(path: str) -> ParamSpec:
    """The declaration of ``path``; KeyError if there is none."""
    try:
        return _specs()[path]
    except KeyError:
        raise KeyError(Message("problem.not_model_parameter", path=path)) from None


def span(spec: ParamSpec) -> tuple[float, float]:
    """The range a plan or a slider offers for a declared parameter (module docstring)."""
    low = spec.ge if spec.ge is not None else (spec.gt if spec.gt is not None else 0.0)
    default = float(spec.default)
    high = spec.le
    if high is None or (default > 0 and high > 10 * default):
        high = spec.sa_bounds[1] if spec.sa_bounds is not None else max(10.0, 5 * default)
        if spec.le is not None:
            high = min(high, spec.le)
    return float(low), float(high)


@dataclass(frozen=True)
class Factor:
    """One dimension of the decision space: a scenario parameter and its range.
    ``from_ensemble``: a condition taken from each world's parameter set, not sampled."""

    path: str
    kind: Kind
    low: float
    high: float
    integer: bool = False
    from_ensemble: bool = False

    @property
    def spec(self) -> ParamSpec:
        return spec_of(self.path)

    def label(self, lang: str = "en") -> str:
        spec = self.spec
        return spec.label_sv if lang == "sv" else spec.label

    @property
    def unit(self) -> str:
        return self.spec.unit

    def value(self, u: float) -> float | int | bool:
        """The parameter value at ``u`` in [0, 1] of the range (switches: on at >= 0.5)."""
        if self.kind == "switch":
            return bool(u >= 0.5)
        x = self.low + float(u) * (self.high - self.low)
        return int(round(x)) if self.integer else float(x)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "low": self.low,
            "high": self.high,
            "integer": self.integer,
            "from_ensemble": self.from_ensemble,
        }


def lever(path: str, *, high: float | None = None) -> Factor:
    """A plan lever with its declared span, its upper end lowered to ``high`` if given
    (a staff limit); ValueError if the limit is below the lever's lowest value."""
    spec = spec_of(path)
    low, top = span(spec)
    if high is not None:
        if high < low:
            raise ValueError(
                Message("problem.limit_below", path=path, limit=f"{high:g}", low=f"{low:g}")
            )
        top = min(top, float(high))
    return Factor(path, "lever", low, top, integer=spec.type == "int")


def switch(path: str) -> Factor:
    return Factor(path, "switch", 0.0, 1.0, integer=True)


def condition(path: str, scenario: Scenario, calibrated: Sequence[str] = ()) -> Factor:
    """A city condition: the violence level relative to ``scenario``'s, others their
    declared span; taken from the ensemble when it calibrates ``path``."""
    spec = spec_of(path)
    if path == VIOLENCE_LEVEL[0]:
        own = float(value_in(scenario, path))
        low, high = own * VIOLENCE_LEVEL[1], own * VIOLENCE_LEVEL[2]
    else:
        low, high = spec.sa_bounds if spec.sa_bounds is not None else span(spec)
    return Factor(
        path, "condition", float(low), float(high), spec.type == "int", path in calibrated
    )


def value_in(scenario: Scenario, path: str) -> Any:
    section, name = path.split(".", 1)
    return getattr(getattr(scenario, section), name)


# -- paired runs -----------------------------------------------------------------------

SUMMARY = ("shootings", "arrests", "custody_days", "programme_sek", "days")


def programme_cost(daily: Mapping[str, np.ndarray], scenario: Scenario) -> np.ndarray:
    """The partnership's daily spending: ``cost_sek`` less shootings and custody."""
    c = scenario.costs
    shootings = (
        daily["shootings"] * c.investigation_hours * c.police_hour_sek
        + daily["fatalities"] * c.fatality_sek
        + (daily["injuries"] + daily["bystander_victims"]) * c.injury_sek
    )
    custody = daily["incarcerated"] * c.custody_day_sek
    return np.asarray(daily["cost_sek"] - shootings - custody)


# models stopped at the rollout, per world, in this process: plans evaluated in the same
# worlds go on from a branch of them (the same runs, without the days before the rollout)
_WARM = WarmModels()


def run_summary(task: Task) -> dict[str, float]:
    """One run's post-rollout totals (:data:`SUMMARY`; ``days``: the post-period's length)."""
    r = run_task(task, _WARM.model(task))
    lo = r.rollout_day - r.warmup_day
    post = {k: v[lo:] for k, v in r.daily.items()}
    return {
        "shootings": float(post["shootings"].sum()),
        "arrests": float(post["arrests"].sum()),
        "custody_days": float(post["incarcerated"].sum()),
        "programme_sek": float(programme_cost(post, task.scenario).sum()),
        "days": float(r.end_day - r.rollout_day),
    }


def percent(value: float, base: float) -> float:
    return 100.0 * (value / base - 1.0) if base else math.nan


def paired(plan: Mapping[str, float], twin: Mapping[str, float]) -> dict[str, float]:
    """What a plan changes against its twin (totals over the same runs of both; ``days``
    summed over runs): ``change_pct`` in shootings, ``arrests_change_pct``,
    ``averted_per_year`` (shootings), ``cost_per_year`` (the programme, SEK),
    ``custody_per_year`` (extra custody days), each a year of one run, and the totals."""
    years = plan["days"] / DAYS_PER_YEAR
    return {
        "shootings": plan["shootings"],
        "twin_shootings": twin["shootings"],
        "arrests": plan["arrests"],
        "twin_arrests": twin["arrests"],
        "change_pct": percent(plan["shootings"], twin["shootings"]),
        "arrests_change_pct": percent(plan["arrests"], twin["arrests"]),
        "averted_per_year": (twin["shootings"] - plan["shootings"]) / years,
        "cost_per_year": plan["programme_sek"] / years,
        "custody_per_year": (plan["custody_days"] - twin["custody_days"]) / years,
    }


class _TwinCache:
    """Twins already run in this process (plan search runs every plan in the same worlds,
    whose twins do not depend on the plan)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.runs: OrderedDict[str, dict[str, float]] = OrderedDict()

    def get(self, task: Task) -> dict[str, float]:
        key = hashlib.sha256(
            f"{task.scenario.model_dump_json()}|{task.replicate}|{task.root_entropy}".encode()
        ).hexdigest()
        if key in self.runs:
            self.runs.move_to_end(key)
            return self.runs[key]
        out = run_summary(task)
        self.runs[key] = out
        while len(self.runs) > self.size:
            self.runs.popitem(last=False)
        return out


_TWINS = _TwinCache()


@dataclass(frozen=True)
class PairedEvaluator:
    """``PairedEvaluator(base, entropy)(job) -> outputs``: the plan ``base`` with
    ``job.params`` applied (levers, conditions, the world's parameter set), and its twin,
    each run ``runs`` times with the seeds of replicates ``seed_index * runs + i`` where
    ``seed_index`` is the job's ``point`` (discovery: every sample its own worlds) or its
    ``replicate`` (plan search: every plan the same worlds). Picklable."""

    base: Scenario
    entropy: int
    seed_by: Literal["point", "replicate"] = "point"
    runs: int = 1
    _cache: _TwinCache = field(default=_TWINS, repr=False, compare=False)

    def __call__(self, job: Any) -> dict[str, float]:
        params = dict(job.params)
        scenario = self.base.with_updates(params)
        # the twin of the city alone: the same runs whatever the plan, so reused
        city = {k: v for k, v in params.items() if spec_of(k).city}
        twin = self.base.with_updates(city).baseline_twin()
        index = job.point if self.seed_by == "point" else job.replicate
        plan_sum: dict[str, float] = dict.fromkeys(SUMMARY, 0.0)
        twin_sum: dict[str, float] = dict.fromkeys(SUMMARY, 0.0)
        for i in range(self.runs):
            replicate = index * self.runs + i
            p = run_summary(Task(scenario, replicate, self.entropy))
            t = self._cache.get(Task(twin, replicate, self.entropy))
            for k in SUMMARY:
                plan_sum[k] += p[k]
                twin_sum[k] += t[k]
        return paired(plan_sum, twin_sum)

    def __reduce__(self) -> tuple[Any, ...]:  # the cache stays in each process
        return type(self), (self.base, self.entropy, self.seed_by, self.runs)
