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
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

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
from scenarios.errors import Checked, Message, Problem, ScenarioError, closest, display_path
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


def _n_message(m: Method) -> Message | None:
    n, kind = m.n, m.kind
    if kind == "factorial":
        return None if n is None else Message("problem.n_factorial")
    if n is None:
        return Message("problem.n_required", kind=kind)
    if kind == "sobol" and n & (n - 1):
        return Message("problem.n_power_of_2")
    if kind in ("lhs", "morris") and n < 2:
        return Message("problem.n_at_least_2", kind=kind)
    if kind == "fast" and n <= 4 * FAST_M**2:
        return Message("problem.n_fast", least=4 * FAST_M**2, m=FAST_M)
    return None


def _method_findings(m: Method) -> list[Finding]:
    out: list[Finding] = []
    n_message = _n_message(m)
    if n_message:
        out.append(("method.n", m.n, n_message))
    if m.second_order and m.kind != "sobol":
        out.append(("method.second_order", True, Message("problem.second_order")))
    if "levels" in m.model_fields_set and m.kind not in ("morris", "factorial"):
        out.append(("method.levels", m.levels, Message("problem.method_levels")))
    if m.kind == "morris" and m.levels % 2:
        out.append(("method.levels", m.levels, Message("problem.levels_even")))
    return out


def within_range(spec: ParamSpec, v: float) -> bool:
    """Does ``v`` satisfy the parameter's declared limits (ge, gt, le)?"""
    return not (
        (spec.ge is not None and v < spec.ge)
        or (spec.gt is not None and v <= spec.gt)
        or (spec.le is not None and v > spec.le)
    )


def range_message(spec: ParamSpec) -> str:
    """A parameter's declared limits, ``>= 0 and <= 1`` (``and`` in the reader's language)."""
    limits = [f"{sign} {bound:g}" for sign, bound in ((">=", spec.ge), (">", spec.gt),
              ("<=", spec.le)) if bound is not None]  # fmt: skip
    text = limits[0] if limits else ""
    for limit in limits[1:]:
        text = Message("problem.limits_and", low=text, high=limit)
    return text


def _level_ok(kind: str, v: Any) -> bool:
    if kind == "bool":
        return isinstance(v, bool)
    if kind == "int":
        return isinstance(v, int) and not isinstance(v, bool)
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def unknown_path_message(path: str, specs: dict[str, ParamSpec]) -> Message:
    """The message for a parameter path that is not declared, with the closest match."""
    match = closest(path, specs)
    if match is None:
        tail = [s for s in specs if s.rsplit(".", 1)[-1] == path.rsplit(".", 1)[-1]]
        match = tail[0] if tail else None
    hint = (
        Message("problem.hint_did_you_mean", match=repr(match))
        if match
        else Message("problem.hint_params")
    )
    return Message("problem.not_parameter", hint=hint)


def _levels_findings(i: int, p: ParameterSpec, spec: ParamSpec, kind: str) -> list[Finding]:
    key, levels = _pkey(i, p, "levels"), p.levels or []
    wanted = {"bool": "problem.levels_switch", "int": "problem.levels_whole"}
    if not levels:
        return [(key, levels, Message("problem.levels_none"))]
    bad = [v for v in levels if not _level_ok(kind, v)]
    if bad:
        why = Message(wanted.get(kind, "problem.levels_finite"), path=p.path, type=spec.type)
        return [(key, bad[0], why)]
    if kind != "bool" and not all(within_range(spec, float(v)) for v in levels):
        out = next(v for v in levels if not within_range(spec, float(v)))
        return [(key, out, Message("problem.outside_range", range=range_message(spec)))]
    if len(set(levels)) < len(levels):
        return [(key, levels, Message("problem.level_twice"))]
    return []


def _parameter_message(p: ParameterSpec, spec: ParamSpec, kind: str) -> tuple[str, Any, str]:
    """(field, value, message) of the first problem with a known parameter, or ("", ...)."""
    if spec.type not in ("int", "float", "bool"):
        return "path", p.path, Message("problem.not_numeric", type=spec.type)
    if p.levels is not None and p.bounds is not None:
        return "", None, Message("problem.bounds_or_levels")
    if spec.type == "bool" and kind != "factorial":
        return "path", p.path, Message("problem.switch_factorial")
    if p.levels is not None and kind != "factorial":
        return "levels", p.levels, Message("problem.levels_factorial")
    if p.levels is not None or spec.type == "bool":
        return "", None, ""
    bounds = p.bounds or spec.bounds
    if bounds is None:
        return "", None, Message("problem.no_bounds")
    lo, hi = bounds
    if lo >= hi:
        return "bounds", list(bounds), Message("problem.inverted")
    if not (within_range(spec, lo) and within_range(spec, hi)):
        return "bounds", list(bounds), Message("problem.lie_within", range=range_message(spec))
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
        return "name", o.name, Message("problem.output_name")
    if names.count(o.name) > 1:
        return "name", o.name, Message("problem.output_twice")
    if o.metric not in METRIC_NAMES:
        return "metric", o.metric, Message("problem.not_metric", hint=hint(o.metric, METRIC_NAMES))
    if o.statistic in ("total", "per_year") and metric(o.metric).kind is MetricKind.LEVEL:
        return "statistic", o.statistic, Message("problem.daily_level", metric=o.metric)
    if o.statistic == "change_vs_baseline" and not baseline:
        return "statistic", o.statistic, Message("problem.needs_baseline")
    return "", None, ""


def hint(word: str, names: Collection[str]) -> Message:
    """``; did you mean 'x'?`` with the name closest to ``word``, else ``; known: ...``."""
    match = closest(word, names)
    if match:
        return Message("problem.hint_did_you_mean", match=repr(match))
    return Message("problem.hint_known", names=", ".join(names))


def findings(exp: Experiment) -> list[Finding]:
    """Every problem beyond types: method, parameter paths, bounds, levels, outputs."""
    out = _method_findings(exp.method)
    specs, seen = parameter_specs(), set()
    for i, p in enumerate(exp.parameters):
        if p.path in seen:
            out.append((_pkey(i, p, "path"), p.path, Message("problem.varied_twice")))
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
    model = submodels.get(str(loc[0]), top) if len(loc) > 1 else top
    if kind == "extra_forbidden":
        match = closest(field, model.model_fields)
        if match:
            return Message("problem.did_you_mean", keys=repr(match))
        return Message("problem.unknown_key_keys", keys=", ".join(model.model_fields))
    if kind == "literal_error" and field in choices:
        allowed = choices[field]
        match = closest(str(err.get("input")), allowed)
        hint = Message("problem.hint_did_you_mean", match=repr(match)) if match else ""
        return Message("problem.one_of", choices=", ".join(repr(c) for c in allowed), hint=hint)
    if kind == "literal_error" and _literals(model, field):
        *first, last = (repr(c) for c in _literals(model, field))
        either = Message("problem.or_list", first=", ".join(first), last=last) if first else last
        return Message("problem.input_should_be", choices=either)
    simple = {
        "missing": "problem.required",
        "int_type": "problem.whole_number",
        "int_from_float": "problem.whole_number",
        "float_type": "problem.number",
        "bool_type": "problem.true_false",
        "string_type": "problem.text",
        "list_type": "problem.list",
        "finite_number": "problem.finite",
        "model_type": "problem.must_be_table",
        "dict_type": "problem.must_be_table",
    }
    if kind == "list_type" and field in _LISTS:
        return Message("problem.list_tables", name=field)
    if kind == "missing" and field in _LISTS:
        return Message("problem.required_list", name=field)
    if kind == "missing" and field in submodels:
        return Message("problem.required_table", name=field)
    if kind in ("too_short", "too_long"):
        if field in ("bounds", "prior"):
            return Message("problem.two_numbers")
        if field in _LISTS:
            return Message("problem.at_least_one_table", name=field)
        if kind == "too_short":  # a list of values, e.g. a fit file's counts
            return Message("problem.values_at_least", count=int(ctx.get("min_length", 1)))
        return Message("problem.values_at_most", count=int(ctx.get("max_length", 0)))
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        signs = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
        sign, bound = next(((signs[k], ctx[k]) for k in signs if k in ctx), ("in", "range"))
        return Message("problem.bound_seed" if field == "seed" else "problem.bound",
                       sign=sign, bound=bound)  # fmt: skip
    return Message(simple[kind]) if kind in simple else str(err["msg"])


def _literals(model: type[BaseModel], field: str) -> tuple[Any, ...]:
    """The values a ``Literal[...]`` field of ``model`` allows (none for another field)."""
    info = model.model_fields.get(field)
    annotation = info.annotation if info is not None else None
    return get_args(annotation) if get_origin(annotation) is Literal else ()


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
        return None, [Problem(file, key, ref, Message("problem.cannot_load")), *exc.problems]


def _invalid_corner(scenario: Scenario, path: str, value: Any) -> str | None:
    try:
        scenario.with_updates({path: value})
    except ValidationError as exc:
        reason = Checked(str(exc.errors()[0]["msg"]).removeprefix("Value error, "))
        return Message("problem.invalid_value", reason=reason)
    return None


def _reference_problems(exp: Experiment, file: str) -> list[Problem]:
    """The scenario and the baseline load and share their time settings."""
    scenario, problems = _load_ref(exp, "scenario", exp.scenario, file)
    if exp.baseline is None:
        return problems
    base, more = _load_ref(exp, "baseline", exp.baseline, file)
    if base is not None and scenario is not None and base.time != scenario.time:
        more.append(Problem(file, "baseline", exp.baseline, Message("problem.share_time")))
    return problems + more


def _range_problems(exp: Experiment, file: str) -> list[Problem]:
    """Each parameter's bounds or levels, tried one at a time on the scenario."""
    scenario, problems = exp.scenario_model(), []
    for i, (p, f) in enumerate(zip(exp.parameters, exp.study().factors, strict=True)):
        if f.name.startswith("time.") and exp.baseline is not None:
            why = Message("problem.time_paired")
            problems.append(Problem(file, _pkey(i, p, "path"), f.name, why))
        field = "levels" if f.levels is not None else "bounds"
        for v in f.levels if f.levels is not None else f.bounds or ():
            value = round(v) if f.kind == "int" and f.levels is None else v
            invalid = _invalid_corner(scenario, f.name, value)
            if invalid:
                problems.append(Problem(file, _pkey(i, p, field), value, invalid))
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
