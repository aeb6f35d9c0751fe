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
from scenarios.errors import Problem, ScenarioError, closest, display_path
from scenarios.files import read_toml
from scenarios.schema import parameter

from .experiment import (
    has_table,
    parameter_specs,
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

    @property
    def range_text(self) -> str:
        """``>= 0 and <= 1 (deaths per shooting)``."""
        limits = f">= {self.low:g}" + ("" if self.high is None else f" and <= {self.high:g}")
        return f"{limits} ({self.description})"


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
                why = f'is for method = "{method}", not "{cal.method}"; remove it'
                out.append((key, getattr(cal, key), why))
    if cal.method == "rejection":
        if not cal.scenario:
            out.append(("scenario", None, "missing: name a preset or a scenario file"))
        if not cal.targets:
            out.append(("targets", None, "add at least one [[targets]] table"))
        return out
    from .patterns import PATTERNS
    from .validation import STATISTICS

    for k in cal.patterns or []:
        if k not in STATISTICS:
            match = closest(k, STATISTICS)
            hint = f"did you mean {match!r}?" if match else "known: " + ", ".join(STATISTICS)
            out.append(("patterns", k, f"is not a pattern of validate-model; {hint}"))
        elif cal.patterns is not None and cal.patterns.count(k) > 1:
            out.append(("patterns", k, "is given twice"))
    if cal.patterns == []:
        out.append(("patterns", [], "name at least one pattern, or leave the key out"))
    for k in cal.time or {}:
        if k not in ("warmup_days", "horizon_days", "rollout_day"):
            out.append((f"time.{k}", cal.time[k] if cal.time else None,
                        "is not a time setting; use warmup_days, horizon_days or rollout_day"))  # fmt: skip
    for k in cal.pattern_keys:
        if k in PATTERNS:
            try:
                _ = PATTERNS[k].distance_scale
            except ValueError as exc:
                out.append(("patterns", k, str(exc)))
    return out


def findings(cal: Calibration) -> list[tuple[str, Any, str]]:
    """Problems beyond types: parameter paths, prior ranges, target names."""
    out: list[tuple[str, Any, str]] = method_findings(cal)
    specs, seen = parameter_specs(), set()
    for p in cal.parameters:
        key = f"parameters[{p.path}]"
        if p.path in seen:
            out.append((f"{key}.path", p.path, "is fitted twice"))
        seen.add(p.path)
        if p.path not in specs:
            out.append((f"{key}.path", p.path, unknown_path_message(p.path, specs)))
            continue
        spec = specs[p.path]
        if not p.prior and spec.sa_bounds is None:
            why = "has no declared SA bounds; give prior = [low, high]"
            out.append((f"{key}.prior", None, why))
            continue
        if len(p.prior) == 1:
            out.append((f"{key}.prior", p.prior, "give two numbers: prior = [low, high]"))
            continue
        lo, hi = p.prior or spec.sa_bounds or (0.0, 0.0)
        if spec.type != "float":
            out.append((f"{key}.path", p.path, f"is {spec.type}; only numbers can be fitted"))
        elif lo >= hi:
            out.append((f"{key}.prior", p.prior, "low must be below high (inverted bounds)"))
        elif not (within_range(spec, lo) and within_range(spec, hi)):
            out.append((f"{key}.prior", p.prior, f"must lie within {spec.range_text}"))
        elif p.true is not None and not lo <= p.true <= hi:
            out.append((f"{key}.true", p.true, "lies outside the prior"))
    names = [t.name for t in cal.targets]
    for t in cal.targets:
        key = f"targets[{t.name}].name"
        if t.name not in TARGETS:
            match = closest(t.name, TARGETS)
            hint = f"did you mean {match!r}?" if match else "known: " + ", ".join(TARGETS)
            out.append((key, t.name, f"is not a calibration target; {hint}"))
        elif names.count(t.name) > 1:
            out.append((key, t.name, "is given twice"))
        elif not TARGETS[t.name].allows(t.value):
            target = TARGETS[t.name]
            out.append((f"targets[{t.name}].value", t.value, f"must be {target.range_text}"))
        if t.scale < MIN_SCALE:
            why = f"must be >= {MIN_SCALE:g}: a smaller scale makes every distance infinite"
            out.append((f"targets[{t.name}].scale", t.scale, why))
    shares = {t.name: t.value for t in cal.targets if t.name in ("share_injured", "share_fatal")}
    if len(shares) == 2 and sum(shares.values()) > 1:
        message = "share_injured + share_fatal must be <= 1 (a shooting injures, kills or neither)"
        out.append(("targets[share_fatal].value", shares["share_fatal"], message))
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
    out._folder = cal._folder
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
    cal._folder = str(path.resolve().parent)
    problems = [Problem(file, k, v, m) for k, v, m in findings(cal)]
    if not problems:
        cal = with_declared_priors(cal)
        try:
            base = cal.scenario_model() if cal.method == "rejection" else load_scenario("gvi")
        except ScenarioError as exc:
            head = Problem(file, "scenario", cal.scenario, "cannot be loaded:")
            raise ScenarioError([head, *exc.problems]) from None
        for p in cal.parameters:
            for v in p.prior:
                try:
                    base.with_updates({p.path: v})
                except (ValidationError, KeyError) as exc:
                    why = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else exc
                    problems.append(Problem(file, f"parameters[{p.path}].prior", v, str(why)))
                    break
    if problems:
        raise ScenarioError(problems)
    return cal
