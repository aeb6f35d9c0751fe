"""Experiment files: which scenario parameters to vary, how, and what to measure.

An experiment TOML names a ``scenario`` (a preset or a path relative to the file), an
optional ``baseline``, ``replicates`` per design point, a root ``seed`` (>= 1), a
``[method]`` (``kind`` = factorial, lhs, sobol, morris or fast; ``n``;
``second_order``; ``levels``), ``[[parameters]]`` (``path`` with ``bounds``, by default
the declared SA bounds, or factorial ``levels``) and ``[[outputs]]`` (``name``,
``metric``, ``window`` = pre, post or last_year, ``statistic`` = total, per_year, mean
or change_vs_baseline). See ``experiments/sobol_gvi.toml`` for a commented example.

:func:`load_experiment` reports every problem at once as a
:class:`~scenarios.errors.ScenarioError` (file, key, value, what is allowed). Design and
analysis see an experiment through :class:`~experiments.design.Study` (method, factors,
outputs, seed), so a non-model target (e.g. a test function) goes through the same code.

The same experiment can be built in Python with the file's keys, and is validated as
the file is (the same one-line problems, raised as :class:`ScenarioError`)::

    Experiment(
        name="fidelity", scenario="gvi", replicates=10,
        method={"kind": "factorial"},
        parameters=[{"path": "enforcement.fidelity", "levels": [0.2, 0.6, 1.0]}],
        outputs=[{"name": "shootings", "metric": "shootings"}],
    )

``scenario`` and ``baseline`` may then also be a path (relative to the working
directory) or a :class:`~scenarios.Scenario`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from model.metrics import METRIC_NAMES, MetricKind, metric
from scenarios import Scenario, load_scenario
from scenarios.errors import Problem, ScenarioError, closest, display_path
from scenarios.files import read_toml
from scenarios.schema import ParamSpec, parameters

from .design import FAST_M, Factor, Study

KINDS = ("factorial", "lhs", "sobol", "morris", "fast")
WINDOWS = ("pre", "post", "last_year")
STATISTICS = ("total", "per_year", "mean", "change_vs_baseline")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CHOICES = {"kind": KINDS, "window": WINDOWS, "statistic": STATISTICS}
_LISTS = ("parameters", "outputs", "targets")  # lists of tables, [[name]] in TOML
RESERVED = ("point", "replicate", "seed")  # columns of every result row


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Method(_Strict):
    """The design: ``n`` base samples (Sobol: power of 2; LHS: points; Morris:
    trajectories; FAST: samples per curve, > 64); ``levels``: Morris grid levels, or
    the number of evenly spaced factorial levels of a parameter given only bounds."""

    kind: Literal["factorial", "lhs", "sobol", "morris", "fast"]
    n: int | None = Field(None, ge=1, le=2**20)
    second_order: bool = False
    levels: int = Field(4, ge=2, le=1000)


class ParameterSpec(_Strict):
    """One varied scenario parameter: ``bounds`` (default: the declared SA bounds), or
    explicit ``levels`` (factorial designs only)."""

    path: str
    bounds: list[float] | None = Field(None, min_length=2, max_length=2)
    levels: list[Any] | None = None


class OutputSpec(_Strict):
    """One output column: a canonical metric over a window, reduced by a statistic."""

    name: str
    metric: str
    window: Literal["pre", "post", "last_year"] = "post"
    statistic: Literal["total", "per_year", "mean", "change_vs_baseline"] = "total"


class Experiment(_Strict):
    """A validated, frozen experiment (see the module docstring for the TOML keys).

    ``Experiment(**keys)`` validates like :func:`load_experiment` and raises
    :class:`ScenarioError` (one line per problem, placed at ``Experiment('<name>')``).
    """

    name: str
    description: str = ""
    scenario: str
    baseline: str | None = None
    replicates: int = Field(1, ge=1, le=100_000)
    seed: int = Field(1, ge=1, le=2**63 - 1)
    method: Method
    parameters: list[ParameterSpec] = Field(min_length=1)
    outputs: list[OutputSpec] = Field(min_length=1)
    _folder: str = PrivateAttr(default=".")
    _loaded: dict[str, Scenario | None] = PrivateAttr(default_factory=dict)

    def __init__(self, /, **data: Any) -> None:
        loaded: dict[str, Scenario | None] = {}
        for key in ("scenario", "baseline"):
            value = data.get(key)
            if isinstance(value, Scenario):
                loaded[key], data[key] = value, value.name
            elif isinstance(value, os.PathLike):
                data[key] = os.fspath(value)
        data = {key: _plain(value) for key, value in data.items()}
        name = data.get("name")
        where = f"Experiment({name!r})" if isinstance(name, str) else "Experiment(...)"
        try:
            self.__pydantic_validator__.validate_python(
                data, self_instance=self, strict=True, context={"deferred": True}
            )
        except ValidationError as exc:
            raise ScenarioError(_type_problems(exc, data, where)) from None
        self._folder = os.getcwd()
        self._loaded.update(loaded)
        _check(self, where)

    # Marks this constructor as pydantic's own, so that ``model_validate`` (experiment
    # files, stored identities) validates without calling it and checks on its own.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @model_validator(mode="after")
    def _checked(self, info: ValidationInfo) -> Experiment:
        # load_experiment checks afterwards, to report each finding as its own problem
        if not (info.context or {}).get("deferred"):
            found = findings(self)
            if found:
                raise ValueError("; ".join(f"{key}: {msg}" for key, _, msg in found))
        return self

    def study(self) -> Study:
        """The experiment as design and analysis see it (bounds resolved from the schema)."""
        specs = parameter_specs()
        factors = tuple(_factor(p, specs[p.path]) for p in self.parameters)
        names = tuple(o.name for o in self.outputs)
        return Study(self.method, factors, names, self.replicates, self.seed)

    def scenario_model(self) -> Scenario:
        """The scenario the design varies (loaded once, relative to the experiment file)."""
        found = self._load("scenario", self.scenario)
        assert found is not None
        return found

    def baseline_model(self) -> Scenario | None:
        """The baseline scenario, or None when the experiment names none."""
        return self._load("baseline", self.baseline)

    def _load(self, key: str, ref: str | None) -> Scenario | None:
        if key not in self._loaded:
            self._loaded[key] = (
                None if ref is None else load_scenario(resolve_ref(ref, self._folder))
            )
        return self._loaded[key]

    def identity(self) -> dict[str, Any]:
        """Everything that determines the results, e.g. for a result store's identity:
        the experiment's keys and both scenarios in full. A scenario reference counts by
        the scenario's name (a preset's name is the preset itself), so an experiment has
        one identity whether it was loaded from a file or built in Python, and wherever
        its files lie."""
        base = self.baseline_model()
        keys = self.model_dump(mode="json")
        keys["scenario"] = self.scenario_model().name
        if base is not None:
            keys["baseline"] = base.name
        return self._identity(keys)

    def former_identities(self) -> list[dict[str, Any]]:
        """The identity stores written before :meth:`identity` named scenarios by name
        gave this experiment (references as written), when it differs: such a folder
        still resumes."""
        written = self._identity(self.model_dump(mode="json"))
        return [] if written == self.identity() else [written]

    def _identity(self, keys: dict[str, Any]) -> dict[str, Any]:
        base = self.baseline_model()
        return {
            "experiment": keys,
            "scenario": self.scenario_model().model_dump(mode="json"),
            "baseline": base.model_dump(mode="json") if base is not None else None,
        }


def _plain(value: Any) -> Any:
    """Python values as a TOML file gives them: tuples as lists, numpy scalars as
    numbers (dicts and lists followed)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def resolve_ref(ref: str, folder: str) -> str:
    """What :func:`~scenarios.load_scenario` takes for a scenario reference of a file in
    ``folder``: a preset name as it is, a path joined to ``folder``."""
    bare = "/" not in ref and "\\" not in ref and not ref.lower().endswith(".toml")
    return ref if bare else os.path.join(folder, ref)


def parameter_specs() -> dict[str, ParamSpec]:
    """Every declared scenario parameter, by dotted path."""
    return {s.path: s for s in parameters()}


def _factor(p: ParameterSpec, spec: ParamSpec) -> Factor:
    kind = spec.type if spec.type in ("int", "bool") else "float"
    bounds = tuple(p.bounds) if p.bounds is not None else spec.bounds
    levels = tuple(p.levels) if p.levels is not None else None
    if kind == "bool":
        return Factor(p.path, kind, None, levels or (False, True))
    return Factor(p.path, kind, bounds, levels)  # type: ignore[arg-type]


# --- checks beyond types --------------------------------------------------------------

Finding = tuple[str, Any, str]  # (key, value, message)


def _pkey(i: int, p: Any, field: str = "") -> str:
    """``parameters[enforcement.fidelity].bounds``; by number (from 1) if no path."""
    path = p.get("path") if isinstance(p, dict) else getattr(p, "path", None)
    ident = path if isinstance(path, str) and path else str(i + 1)
    return f"parameters[{ident}]" + (f".{field}" if field else "")


def _okey(i: int, o: Any, field: str = "") -> str:
    name = o.get("name") if isinstance(o, dict) else getattr(o, "name", None)
    ident = name if isinstance(name, str) and name else str(i + 1)
    return f"outputs[{ident}]" + (f".{field}" if field else "")


def _n_message(m: Method) -> str | None:
    n, kind = m.n, m.kind
    if kind == "factorial":
        return None if n is None else "a factorial design takes no n; remove it"
    if n is None:
        return f"is required for a {kind} design"
    if kind == "sobol" and n & (n - 1):
        return "must be a power of 2 (e.g. 256, 512, 1024) for Sobol' sampling (Saltelli 2010)"
    if kind in ("lhs", "morris") and n < 2:
        return f"must be at least 2 for a {kind} design"
    if kind == "fast" and n <= 4 * FAST_M**2:
        return f"must be more than {4 * FAST_M**2} for FAST (4 M^2 with M = {FAST_M})"
    return None


def _method_findings(m: Method) -> list[Finding]:
    out: list[Finding] = []
    n_message = _n_message(m)
    if n_message:
        out.append(("method.n", m.n, n_message))
    if m.second_order and m.kind != "sobol":
        out.append(("method.second_order", True, "is used only by sobol designs"))
    if "levels" in m.model_fields_set and m.kind not in ("morris", "factorial"):
        out.append(("method.levels", m.levels, "is used only by morris and factorial designs"))
    if m.kind == "morris" and m.levels % 2:
        out.append(("method.levels", m.levels, "must be even for Morris (Morris 1991)"))
    return out


def within_range(spec: ParamSpec, v: float) -> bool:
    """Does ``v`` satisfy the parameter's declared limits (ge, gt, le)?"""
    return not (
        (spec.ge is not None and v < spec.ge)
        or (spec.gt is not None and v <= spec.gt)
        or (spec.le is not None and v > spec.le)
    )


def _level_ok(kind: str, v: Any) -> bool:
    if kind == "bool":
        return isinstance(v, bool)
    if kind == "int":
        return isinstance(v, int) and not isinstance(v, bool)
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def unknown_path_message(path: str, specs: dict[str, ParamSpec]) -> str:
    """The message for a parameter path that is not declared, with the closest match."""
    match = closest(path, specs)
    if match is None:
        tail = [s for s in specs if s.rsplit(".", 1)[-1] == path.rsplit(".", 1)[-1]]
        match = tail[0] if tail else None
    hint = f"; did you mean {match!r}?" if match else "; `gvi params` lists every parameter"
    return f"is not a scenario parameter{hint}"


def _levels_findings(i: int, p: ParameterSpec, spec: ParamSpec, kind: str) -> list[Finding]:
    key, levels = _pkey(i, p, "levels"), p.levels or []
    wanted = {"bool": "true/false", "int": "whole numbers"}.get(kind, "finite numbers")
    if not levels:
        return [(key, levels, "must list at least one level")]
    bad = [v for v in levels if not _level_ok(kind, v)]
    if bad:
        return [(key, bad[0], f"levels of {p.path} must be {wanted} ({spec.type} parameter)")]
    if kind != "bool" and not all(within_range(spec, float(v)) for v in levels):
        out = next(v for v in levels if not within_range(spec, float(v)))
        return [(key, out, f"is outside the allowed range {spec.range_text}")]
    if len(set(levels)) < len(levels):
        return [(key, levels, "lists a level twice")]
    return []


def _parameter_message(p: ParameterSpec, spec: ParamSpec, kind: str) -> tuple[str, Any, str]:
    """(field, value, message) of the first problem with a known parameter, or ("", ...)."""
    if spec.type not in ("int", "float", "bool"):
        return "path", p.path, f"is {spec.type}, not a number or a switch"
    if p.levels is not None and p.bounds is not None:
        return "", None, "give either bounds or levels, not both"
    if spec.type == "bool" and kind != "factorial":
        return "path", p.path, "a switch can only be varied as factorial levels"
    if p.levels is not None and kind != "factorial":
        return "levels", p.levels, "levels are for factorial designs; give bounds = [low, high]"
    if p.levels is not None or spec.type == "bool":
        return "", None, ""
    bounds = p.bounds or spec.bounds
    if bounds is None:
        return "", None, "has no declared bounds; give bounds = [low, high]"
    lo, hi = bounds
    if lo >= hi:
        return "bounds", list(bounds), "low must be below high (inverted bounds)"
    if not (within_range(spec, lo) and within_range(spec, hi)):
        return "bounds", list(bounds), f"must lie within {spec.range_text}"
    return "", None, ""


def _parameter_findings(i: int, p: ParameterSpec, kind: str, specs: dict) -> list[Finding]:
    if p.path not in specs:
        return [(_pkey(i, p, "path"), p.path, unknown_path_message(p.path, specs))]
    spec = specs[p.path]
    field, value, message = _parameter_message(p, spec, kind)
    if message:
        return [(_pkey(i, p, field), value, message)]
    return _levels_findings(i, p, spec, spec.type) if p.levels is not None else []


def _output_message(o: OutputSpec, names: list[str], baseline: bool) -> tuple[str, Any, str]:
    """(field, value, message) of the first problem with an output, or ("", ...)."""
    if not _NAME.fullmatch(o.name) or o.name in RESERVED:
        return "name", o.name, "must be letters, digits and _ (not 'point', 'replicate' or 'seed')"
    if names.count(o.name) > 1:
        return "name", o.name, "is used by two outputs"
    if o.metric not in METRIC_NAMES:
        match = closest(o.metric, METRIC_NAMES)
        hint = f"did you mean {match!r}?" if match else f"known: {', '.join(METRIC_NAMES)}"
        return "metric", o.metric, f"is not a metric; {hint}"
    if o.statistic in ("total", "per_year") and metric(o.metric).kind is MetricKind.LEVEL:
        why = f"{o.metric} is a daily level: use 'mean' or 'change_vs_baseline'"
        return "statistic", o.statistic, why
    if o.statistic == "change_vs_baseline" and not baseline:
        return "statistic", o.statistic, 'needs a baseline: add baseline = "baseline" at the top'
    return "", None, ""


def findings(exp: Experiment) -> list[Finding]:
    """Every problem beyond types: method, parameter paths, bounds, levels, outputs."""
    out = _method_findings(exp.method)
    specs, seen = parameter_specs(), set()
    for i, p in enumerate(exp.parameters):
        if p.path in seen:
            out.append((_pkey(i, p, "path"), p.path, "is varied twice"))
        seen.add(p.path)
        out.extend(_parameter_findings(i, p, exp.method.kind, specs))
    names = [o.name for o in exp.outputs]
    for i, o in enumerate(exp.outputs):
        field, value, message = _output_message(o, names, exp.baseline is not None)
        if message:
            out.append((_okey(i, o, field), value, message))
    return out


# --- loading --------------------------------------------------------------------------

_SUBMODELS: dict[str, type[BaseModel]] = {
    "method": Method,
    "parameters": ParameterSpec,
    "outputs": OutputSpec,
}


def _display_key(loc: tuple[Any, ...], data: dict[str, Any]) -> str:
    if len(loc) >= 2 and loc[0] in ("parameters", "outputs") and isinstance(loc[1], int):
        items = data.get(loc[0])
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        field = str(loc[2]) if len(loc) > 2 else ""
        return (_pkey if loc[0] == "parameters" else _okey)(loc[1], item, field)
    return ".".join(str(p) for p in loc if not isinstance(p, int))


def type_message(
    err: Any,
    submodels: dict[str, type[BaseModel]] | None = None,
    top: type[BaseModel] | None = None,
    choices: Mapping[str, tuple[str, ...]] | None = None,
) -> str:
    """A pydantic error in words; ``submodels``, ``top`` and ``choices`` describe the
    file's tables (an experiment's by default), for suggestions."""
    submodels = _SUBMODELS if submodels is None else submodels
    top = Experiment if top is None else top
    choices = _CHOICES if choices is None else choices
    kind, loc, ctx = err["type"], err["loc"], err.get("ctx") or {}
    field = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        model = submodels.get(str(loc[0]), top) if len(loc) > 1 else top
        match = closest(field, model.model_fields)
        hint = (
            f"did you mean {match!r}?" if match else "valid keys: " + ", ".join(model.model_fields)
        )
        return f"unknown key; {hint}"
    if kind == "literal_error" and field in choices:
        allowed = choices[field]
        match = closest(str(err.get("input")), allowed)
        hint = f"; did you mean {match!r}?" if match else ""
        return "must be one of " + ", ".join(repr(c) for c in allowed) + hint
    simple = {
        "missing": "is required; add it",
        "int_type": "must be a whole number",
        "int_from_float": "must be a whole number",
        "float_type": "must be a number",
        "bool_type": "must be true or false",
        "string_type": "must be text in quotes",
        "list_type": "must be a list, e.g. [0.2, 1.0]",
        "finite_number": "must be a finite number",
        "model_type": "must be a table",
        "dict_type": "must be a table",
    }
    if kind == "list_type" and field in _LISTS:
        return f"must be [[{field}]] tables"
    if kind == "missing" and field in _LISTS:
        return f"is required: add at least one [[{field}]] table"
    if kind == "missing" and field in submodels:
        return f"is required: add a [{field}] table"
    if kind in ("too_short", "too_long"):
        if field in ("bounds", "prior"):
            return "must be two numbers: [low, high]"
        return f"at least one [[{field}]] table is required"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        signs = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
        sign, bound = next(((signs[k], ctx[k]) for k in signs if k in ctx), ("in", "range"))
        extra = " (SALib treats 0 as no seed)" if field == "seed" else ""
        return f"must be {sign} {bound}{extra}"
    return simple.get(kind, str(err["msg"]))


def has_table(items: list[Any]) -> bool:
    """Does a list hold a table (too long a value to show in a one-line problem)?"""
    return any(isinstance(v, dict) for v in items)


def _type_problems(exc: ValidationError, data: dict[str, Any], file: str) -> list[Problem]:
    problems = []
    for err in exc.errors():
        value = None if err["type"] == "missing" else err.get("input")
        if isinstance(value, dict) or (isinstance(value, list) and has_table(value)):
            value = None
        problems.append(Problem(file, _display_key(err["loc"], data), value, type_message(err)))
    return problems


def _load_ref(exp: Experiment, key: str, ref: str, file: str) -> tuple[Any, list[Problem]]:
    try:
        return exp._load(key, ref), []
    except ScenarioError as exc:
        return None, [Problem(file, key, ref, "cannot be loaded:"), *exc.problems]


def _invalid_corner(scenario: Scenario, path: str, value: Any) -> str | None:
    try:
        scenario.with_updates({path: value})
    except ValidationError as exc:
        return str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
    return None


def _reference_problems(exp: Experiment, file: str) -> list[Problem]:
    """The scenario and the baseline load and share their time settings."""
    scenario, problems = _load_ref(exp, "scenario", exp.scenario, file)
    if exp.baseline is None:
        return problems
    base, more = _load_ref(exp, "baseline", exp.baseline, file)
    if base is not None and scenario is not None and base.time != scenario.time:
        why = "must share the scenario's time settings (warm-up, rollout, horizon)"
        more.append(Problem(file, "baseline", exp.baseline, why))
    return problems + more


def _range_problems(exp: Experiment, file: str) -> list[Problem]:
    """Each parameter's bounds or levels, tried one at a time on the scenario."""
    scenario, problems = exp.scenario_model(), []
    for i, (p, f) in enumerate(zip(exp.parameters, exp.study().factors, strict=True)):
        if f.name.startswith("time.") and exp.baseline is not None:
            why = "cannot vary when outputs are paired with a baseline run"
            problems.append(Problem(file, _pkey(i, p, "path"), f.name, why))
        field = "levels" if f.levels is not None else "bounds"
        for v in f.levels if f.levels is not None else f.bounds or ():
            value = round(v) if f.kind == "int" and f.levels is None else v
            invalid = _invalid_corner(scenario, f.name, value)
            if invalid:
                problems.append(Problem(file, _pkey(i, p, field), value, f"invalid: {invalid}"))
                break
    return problems


def load_experiment(path: str | os.PathLike[str]) -> Experiment:
    """``load_experiment(path) -> Experiment``: a validated, frozen experiment.

    The scenario and baseline are loaded relative to the file (or as presets) and each
    parameter's bounds or levels are tried on the scenario. Raises
    :class:`ScenarioError` listing every problem, one line each.
    """
    path = Path(path)
    file = display_path(path)
    data = read_toml(path)
    try:
        exp = Experiment.model_validate(data, strict=True, context={"deferred": True})
    except ValidationError as exc:
        raise ScenarioError(_type_problems(exc, data, file)) from None
    exp._folder = str(path.resolve().parent)
    _check(exp, file)
    return exp


def _check(exp: Experiment, file: str) -> None:
    """Raise :class:`ScenarioError` with the problems beyond types, if any: findings
    first, then the scenario references, then each parameter's range on the scenario."""
    problems = [Problem(file, key, value, msg) for key, value, msg in findings(exp)]
    if not problems:
        problems = _reference_problems(exp, file)
    if not problems:
        problems = _range_problems(exp, file)
    if problems:
        raise ScenarioError(problems)
