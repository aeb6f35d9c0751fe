"""Calibration files: which scenario parameters to fit, their uniform priors, and the
summary statistics to match.

    name = "calibrate_baseline"
    scenario = "baseline"          # a preset, or a path relative to this file
    budget = 2000                  # prior draws
    quantile = 0.05                # share of draws accepted (closest to the targets)
    replicates = 1                 # runs per draw (their mean is compared)
    seed = 1
    window = "all"                 # all (warm-up end to end), pre or post

    [[parameters]]
    path = "violence.base_hazard"
    prior = [0.00002, 0.00015]     # uniform
    true = 0.00006                 # optional: drawn in the posterior plot

    [[targets]]
    name = "shootings_per_year"    # see TARGETS
    value = 60
    scale = 6                      # distance unit: a miss of one scale counts 1

ABC-SMC against the declared patterns (:mod:`experiments.calibrate_smc`) takes no
``scenario``, ``targets``, ``budget``, ``quantile`` or ``window``: it runs the
validation scenarios and matches the patterns' target ranges::

    name = "calibrate_patterns"
    method = "abc-smc"
    population = 200               # particles per generation
    generations = 6
    replicates = 2                 # runs per particle and scenario (paired seeds)
    seed = 1
    patterns = ["volume", "retaliation_share"]  # default: every validate-model pattern
    epsilon_quantile = 0.5         # next tolerance: this weighted quantile of distances
    min_acceptance = 0.02          # stop when a generation accepts fewer
    [time]                         # optional: shorter runs, for trials
    horizon_days = 730

    [[parameters]]
    path = "violence.retaliation_branching"   # prior: the declared SA bounds

A parameter's ``prior`` defaults to its declared SA bounds (``sa=`` in
``scenarios/schema.py``) for either method.

Problems are reported at once as a :class:`~scenarios.errors.ScenarioError`, with the
same parameter-path checks and messages as experiment files
(:mod:`experiments.experiment`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from scenarios import Scenario, load_scenario
from scenarios.errors import Checked, Message, Problem, ScenarioError, display_path
from scenarios.files import read_toml
from scenarios.schema import parameter

from .experiment import (
    has_table,
    hint,
    parameter_specs,
    range_message,
    resolve_ref,
    type_message,
    unknown_path_message,
    within_range,
)


@dataclass(frozen=True)
class TargetSpec:
    """A calibration statistic: what it counts and the values it can take (a target
    outside them can never be matched, so it is refused)."""

    description: str
    low: float = 0.0
    high: float | None = None  # None: no upper limit

    def allows(self, value: float) -> bool:
        return self.low <= value and (self.high is None or value <= self.high)

    def range_message(self, name: str) -> Message:
        """``>= 0 and <= 1 (deaths per shooting)`` (the description: ``problem.target.<name>``)."""
        what = Message(f"problem.target.{name}")
        if self.high is None:
            return Message("problem.target_range_open", low=f"{self.low:g}", what=what)
        return Message(
            "problem.target_range", low=f"{self.low:g}", high=f"{self.high:g}", what=what
        )


# Every statistic a calibration can match, computed over the window of each run. A
# shooting injures or kills at most one group member and is a retaliation or not, so
# the shares lie in [0, 1]; at most every group of the city shoots in a year.
TARGETS: dict[str, TargetSpec] = {
    "shootings_per_year": TargetSpec("shootings per year"),
    "share_injured": TargetSpec("non-fatal injuries per shooting", high=1.0),
    "share_fatal": TargetSpec("deaths per shooting", high=1.0),
    "share_retaliation": TargetSpec("retaliations per shooting", high=1.0),
    "arrests_per_year": TargetSpec("arrests per year"),
    "active_groups": TargetSpec(
        "groups with a shooting in a year, mean over years",
        high=parameter("city.n_groups").le,
    ),
}
# The smallest distance scale: below it, the scaled misses overflow and every draw
# is infinitely far from the targets.
MIN_SCALE = 1e-9


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Prior(_Strict):
    """A fitted parameter: a uniform prior over ``prior = [low, high]`` (default: the
    parameter's declared SA bounds, filled in by :func:`load_calibration`)."""

    path: str
    prior: list[float] = Field(default_factory=list, max_length=2)
    true: float | None = None


class Target(_Strict):
    """A summary statistic to match, with its distance scale (> 0)."""

    name: str
    value: float
    scale: float = Field(gt=0)


class Calibration(_Strict):
    """A validated calibration (see the module docstring for the TOML keys)."""

    name: str
    description: str = ""
    method: Literal["rejection", "abc-smc"] = "rejection"
    scenario: str = ""
    budget: int = Field(500, ge=10, le=1_000_000)
    quantile: float = Field(0.05, gt=0, le=1)
    replicates: int = Field(1, ge=1, le=1000)
    seed: int = Field(1, ge=1, le=2**63 - 1)
    window: Literal["all", "pre", "post"] = "all"
    population: int = Field(200, ge=10, le=100_000)
    generations: int = Field(6, ge=1, le=100)
    epsilon_quantile: float = Field(0.5, gt=0, lt=1)
    min_acceptance: float = Field(0.02, gt=0, le=1)
    patterns: list[str] | None = None
    time: dict[str, int] | None = None
    parameters: list[Prior] = Field(min_length=1)
    targets: list[Target] = Field(default_factory=list)
    _folder: str = PrivateAttr(default=".")
    _file: str = PrivateAttr(default="calibration")  # as messages name the file

    @property
    def pattern_keys(self) -> list[str]:
        """The patterns ABC-SMC matches: those given, else every validate-model one."""
        from .patterns import Use, patterns_for

        return self.patterns or [p.key for p in patterns_for(Use.VALIDATE_MODEL)]

    def scenario_model(self) -> Scenario:
        return load_scenario(resolve_ref(self.scenario, self._folder))

    def scenario_ref(self) -> str:
        """The base scenario as ``extends`` names it (preset name or absolute path)."""
        bare = "/" not in self.scenario and not self.scenario.lower().endswith(".toml")
        if bare:
            return self.scenario
        return str(Path(resolve_ref(self.scenario, self._folder)).resolve())

    @property
    def accepted_count(self) -> int:
        return max(1, round(self.quantile * self.budget))


_ONLY = {
    "rejection": ("scenario", "budget", "quantile", "window", "targets"),
    "abc-smc": ("population", "generations", "epsilon_quantile", "min_acceptance",
                "patterns", "time"),
}  # fmt: skip


def method_findings(cal: Calibration) -> list[tuple[str, Any, str]]:
    """Keys that the file's method does not use, and what each method needs."""
    out: list[tuple[str, Any, str]] = []
    for method, keys in _ONLY.items():
        for key in keys:
            if method != cal.method and key in cal.model_fields_set:
                why = Message("problem.method_key", method=method, given=cal.method)
                out.append((key, getattr(cal, key), why))
    if cal.method == "rejection":
        if not cal.scenario:
            out.append(("scenario", None, Message("problem.scenario_missing")))
        if not cal.targets:
            out.append(("targets", None, Message("problem.targets_missing")))
        return out
    from .patterns import PATTERNS
    from .validation import STATISTICS

    for k in cal.patterns or []:
        if k not in STATISTICS:
            out.append(("patterns", k, Message("problem.not_pattern", hint=hint(k, STATISTICS))))
        elif cal.patterns is not None and cal.patterns.count(k) > 1:
            out.append(("patterns", k, Message("problem.given_twice")))
    if cal.patterns == []:
        out.append(("patterns", [], Message("problem.patterns_empty")))
    for k in cal.time or {}:
        if k not in ("warmup_days", "horizon_days", "rollout_day"):
            out.append((f"time.{k}", cal.time[k] if cal.time else None,
                        Message("problem.time_key")))  # fmt: skip
    if cal.time and not any(key.startswith("time.") for key, _, _ in out):
        out += _time_problems(cal)
    for k in cal.pattern_keys:
        if k in PATTERNS:
            try:
                _ = PATTERNS[k].distance_scale
            except ValueError as exc:
                out.append(("patterns", k, str(exc)))
    return out


def _time_problems(cal: Calibration) -> list[tuple[str, Any, str]]:
    """The ``[time]`` settings, tried on every scenario the patterns need: a setting the
    scenarios refuse is found here, not in the first run of the calibration."""
    from .validation import scenarios, scenarios_for

    time = {f"time.{k}": v for k, v in (cal.time or {}).items()}
    specs = parameter_specs()
    out: list[tuple[str, Any, str]] = [
        (key, v, Message("problem.lie_within", range=range_message(specs[key])))
        for key, v in time.items()
        if not within_range(specs[key], v)
    ]
    if out:
        return out
    try:
        scenarios(time, names=scenarios_for(cal.pattern_keys))
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = [str(x) for x in error["loc"]]
        key = ".".join(loc) if loc[:1] == ["time"] and ".".join(loc) in time else "time"
        reason = Checked(str(error["msg"]).removeprefix("Value error, "))
        return [(key, time.get(key, cal.time), Message("problem.invalid_value", reason=reason))]
    return []


def findings(cal: Calibration) -> list[tuple[str, Any, str]]:
    """Problems beyond types: parameter paths, prior ranges, target names."""
    out: list[tuple[str, Any, str]] = method_findings(cal)
    specs, seen = parameter_specs(), set()
    for p in cal.parameters:
        key = f"parameters[{p.path}]"
        if p.path in seen:
            out.append((f"{key}.path", p.path, Message("problem.fitted_twice")))
        seen.add(p.path)
        if p.path not in specs:
            out.append((f"{key}.path", p.path, unknown_path_message(p.path, specs)))
            continue
        spec = specs[p.path]
        if not p.prior and spec.sa_bounds is None:
            out.append((f"{key}.prior", None, Message("problem.no_sa_bounds")))
            continue
        if len(p.prior) == 1:
            out.append((f"{key}.prior", p.prior, Message("problem.prior_two")))
            continue
        lo, hi = p.prior or spec.sa_bounds or (0.0, 0.0)
        if spec.type != "float":
            out.append((f"{key}.path", p.path, Message("problem.not_fitted", type=spec.type)))
        elif lo >= hi:
            out.append((f"{key}.prior", p.prior, Message("problem.inverted")))
        elif not (within_range(spec, lo) and within_range(spec, hi)):
            why = Message("problem.lie_within", range=range_message(spec))
            out.append((f"{key}.prior", p.prior, why))
        elif p.true is not None and not lo <= p.true <= hi:
            out.append((f"{key}.true", p.true, Message("problem.true_outside")))
    names = [t.name for t in cal.targets]
    for t in cal.targets:
        key = f"targets[{t.name}].name"
        if t.name not in TARGETS:
            out.append((key, t.name, Message("problem.not_target", hint=hint(t.name, TARGETS))))
        elif names.count(t.name) > 1:
            out.append((key, t.name, Message("problem.given_twice")))
        elif not TARGETS[t.name].allows(t.value):
            why = Message("problem.must_be_range", range=TARGETS[t.name].range_message(t.name))
            out.append((f"targets[{t.name}].value", t.value, why))
        if t.scale < MIN_SCALE:
            why = Message("problem.min_scale", least=f"{MIN_SCALE:g}")
            out.append((f"targets[{t.name}].scale", t.scale, why))
    shares = {t.name: t.value for t in cal.targets if t.name in ("share_injured", "share_fatal")}
    if len(shares) == 2 and sum(shares.values()) > 1:
        why = Message("problem.shares_sum")
        out.append(("targets[share_fatal].value", shares["share_fatal"], why))
    return out


_SUBMODELS: dict[str, type[BaseModel]] = {"parameters": Prior, "targets": Target}
_CHOICES = {"window": ("all", "pre", "post")}


def _display_key(loc: tuple[Any, ...], data: dict[str, Any]) -> str:
    """``parameters[violence.base_hazard].prior``, ``targets[2].scale``, ``budget``."""
    if len(loc) >= 2 and loc[0] in _SUBMODELS and isinstance(loc[1], int):
        items = data.get(loc[0])
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        ident_key = "path" if loc[0] == "parameters" else "name"
        ident = item.get(ident_key) if isinstance(item, dict) else None
        head = f"{loc[0]}[{ident if isinstance(ident, str) and ident else loc[1] + 1}]"
        rest = [str(x) for x in loc[2:] if not isinstance(x, int)]
        return ".".join([head, *rest])
    return ".".join(str(x) for x in loc if not isinstance(x, int))


def _type_problem(err: Any, data: dict[str, Any], file: str) -> Problem:
    value = None if err["type"] == "missing" else err.get("input")
    if isinstance(value, dict) or (isinstance(value, list) and has_table(value)):
        value = None
    message = type_message(err, _SUBMODELS, Calibration, _CHOICES)
    return Problem(file, _display_key(err["loc"], data), value, message)


def with_declared_priors(cal: Calibration) -> Calibration:
    """``cal`` with every missing prior set to the parameter's declared SA bounds."""
    specs = parameter_specs()
    params = [
        p if p.prior else p.model_copy(update={"prior": list(specs[p.path].sa_bounds or ())})
        for p in cal.parameters
    ]
    out = cal.model_copy(update={"parameters": params})
    out._folder, out._file = cal._folder, cal._file
    return out


def load_calibration(path: str | os.PathLike[str]) -> Calibration:
    """A validated calibration; raises :class:`ScenarioError` listing every problem."""
    path = Path(path)
    file = display_path(path)
    data = read_toml(path)
    try:
        cal = Calibration.model_validate(data, strict=True)
    except ValidationError as exc:
        raise ScenarioError([_type_problem(e, data, file) for e in exc.errors()]) from None
    cal._folder, cal._file = str(path.resolve().parent), file
    problems = [Problem(file, k, v, m) for k, v, m in findings(cal)]
    if not problems:
        cal = with_declared_priors(cal)
        try:
            base = cal.scenario_model() if cal.method == "rejection" else load_scenario("gvi")
        except ScenarioError as exc:
            head = Problem(file, "scenario", cal.scenario, Message("problem.cannot_load"))
            raise ScenarioError([head, *exc.problems]) from None
        for p in cal.parameters:
            for v in p.prior:
                try:
                    base.with_updates({p.path: v})
                except (ValidationError, KeyError) as exc:
                    why = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
                    if why.startswith("Value error, "):  # a check of the scenario schema
                        why = Message("problem.value_error", reason=Checked(why[13:]))
                    problems.append(Problem(file, f"parameters[{p.path}].prior", v, why))
                    break
    if problems:
        raise ScenarioError(problems)
    return cal
