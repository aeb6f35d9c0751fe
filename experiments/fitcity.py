"""Fitting a city to its own counts: the background hazard of violence (and, when given,
the shares of shootings that injure or kill) so that business as usual reproduces the
city's yearly shootings before the rollout.

    >>> from experiments.fitcity import fit_city
    >>> result = fit_city("experiments/fit_city_example.toml", "results/fit-example")  # doctest: +SKIP
    >>> result.summary["fitted"]["violence.base_hazard"]                              # doctest: +SKIP

A fit file (TOML; see ``experiments/fit_city_example.toml`` and docs/fit_city.md)::

    name = "example_city"            # names the scenario file and the result folder
    title = "Example city"           # optional: shown in the report (title_sv in Swedish)
    base = "baseline"                # optional: the scenario the fitted one extends
    seed = 1                         # optional: root seed
    replicates = 20                  # optional: runs per hazard value of the grid
    check_replicates = 100           # optional: runs at the fitted value, to check it
    grid_points = 9                  # optional: hazard values in the first grid

    [city]
    n_groups = 20                    # groups and members (or audit_dir = "folder")
    members = 300                    # plus, optionally, other city.* scenario keys

    [counts]
    shootings = [48, 55]             # one per year before the rollout, oldest first
    injured = [12, 15]               # optional, same length
    killed = [5, 7]                  # optional, same length
    years = [2023, 2024]             # optional labels, same length

Method. The shares of shootings that injure or kill are Beta posteriors of the counts
(a flat prior; the model hits at most one person per shooting). The city is run as
business as usual (every policy off, the base scenario's warm-up, then one simulated year
per observed year) at hazard values on a log scale: a short pilot finds the level, a grid
of ``grid_points`` values around it spanning a factor 16 is run ``replicates`` times each
and widened where the posterior still has weight at its edge. The mean yearly count is a
smooth function of the hazard (a Poisson regression of the counts on a polynomial in log
hazard). Around it, a year's count is negative binomial with a variance a few times its
mean (shootings come in cascades), around a level that differs from city to city (a
gamma-distributed city effect shared by the years of one run); both spreads are
estimated from the runs by the method of moments and vary smoothly with the hazard
(:class:`Spread`). The likelihood of the observed yearly counts on a fine grid, with
a flat prior on log hazard over :data:`HAZARD_PRIOR`, gives the posterior: its median and
90 % interval. Finally ``check_replicates`` fresh runs at the median show what the fitted
city does, year by year, against what was observed.

Runs go through :func:`experiments.pipeline.run_jobs` into a
:class:`~experiments.store.ResultStore` in the output folder, on any executor of
:func:`experiments.executors.make_executor` (processes or Dask). Every run has its own
seed ``SeedSequence(root entropy, spawn_key=(point, replicate))``; each stage's design
follows from the stored results of the stages before it, so a rerun on the same folder
resumes and the fit is the same whatever the executor or the number of workers.

Outputs in ``OUT``: ``<name>.toml`` (a scenario that extends the base with the fitted
city), ``fit.json``, ``fit.html`` (English or Swedish) and the store
(``manifest.json``, ``parts/``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError
from scipy import special, stats

from model import GVIModel
from model.time import DAYS_PER_YEAR
from scenarios import Scenario, load_scenario
from scenarios.audit import AuditError, load_audit
from scenarios.errors import Message, Problem, ScenarioError, closest, display_path, one_line
from scenarios.files import read_toml
from scenarios.messages import validation_problems
from scenarios.schema import CityParams, parameter

from . import ensemble as ensembles
from .executors import make_executor
from .experiment import has_table, resolve_ref, type_message
from .output import atomic_text
from .pipeline import Job, run_jobs
from .runner import root_entropy
from .store import ResultStore

HAZARD = "violence.base_hazard"
HAZARD_PRIOR = (1e-6, 1e-2)  # flat prior on log hazard (per day per unit propensity and rivalry)
MAX_YEARS = 20
MAX_COUNT = 100_000
MAX_FIT_MEMBERS = 100_000  # members of a city given by its size (not an audit)
METHOD = "fit-city/1"  # with the constants below, part of a result folder's identity

PILOT_REPLICATES = 6
PILOT_STEPS = 6
PILOT_SLOPE = 0.7  # assumed d log(shootings) / d log(hazard) when stepping toward the target
PILOT_TOLERANCE = math.log(1.25)
GRID_HALF_SPAN = 4.0  # the first grid spans hazard / 4 to hazard * 4
EDGE_DENSITY = 1e-2  # posterior density at a grid edge, relative to its peak, that widens it
EXTEND_POINTS = 3
MAX_EXTENSIONS = 6
FINE_POINTS = 401
BANDWIDTH = 0.6  # of the kernel that smooths the spread, in log hazard
CITY_NODES = 128  # quantile nodes of the gamma city effect

PILOT_POINT, GRID_POINT, CHECK_POINT = 1000, 2500, 9000  # grid: GRID_POINT + lattice index
POLICY_SWITCHES = (
    "callins.enabled",
    "notifications.enabled",
    "enforcement.enabled",
    "support.enabled",
    "crackdown.enabled",
)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_CITY_OWN = ("n_groups", "members", "audit_dir")
_CITY_PASS = tuple(k for k in CityParams.model_fields if k not in ("n_groups", "audit_dir"))
_CITY_KEYS = _CITY_OWN + tuple(k for k in _CITY_PASS if k != "group_size_mean")


# --- the fit file -----------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Counts(_Strict):
    """The city's yearly counts before the rollout, oldest year first."""

    shootings: list[int] = Field(min_length=1, max_length=MAX_YEARS)
    injured: list[int] | None = None
    killed: list[int] | None = None
    years: list[int] | None = None


class FitSpec(_Strict):
    """A validated fit (see the module docstring for the TOML keys). Build one with
    :func:`load_fit_spec` from a file, or directly, e.g. ``FitSpec(name="x", city={
    "n_groups": 20, "members": 300}, counts={"shootings": [48, 55]})`` (relative paths
    then start at the working folder)."""

    name: str
    title: str = ""
    title_sv: str = ""
    base: str = "baseline"
    seed: int = Field(1, ge=0, le=2**63 - 1)
    replicates: int = Field(20, ge=3, le=1000)
    check_replicates: int = Field(100, ge=5, le=10_000)
    grid_points: int = Field(9, ge=4, le=41)
    city: dict[str, Any]
    counts: Counts
    _folder: str = PrivateAttr(default=".")
    _file: str = PrivateAttr(default="")

    @property
    def years(self) -> int:
        return len(self.counts.shootings)

    @property
    def file(self) -> str:
        """The fit file as problems name it."""
        return self._file or "fit"

    def year_labels(self) -> list[int | None]:
        return list(self.counts.years) if self.counts.years else [None] * self.years

    def base_ref(self) -> str:
        """The base scenario: a preset name, or a path resolved against the fit file."""
        return resolve_ref(self.base, self._folder)

    def audit_dir(self) -> str | None:
        value = self.city.get("audit_dir")
        return os.path.normpath(os.path.join(self._folder, value)) if value else None


def _display_key(loc: tuple[Any, ...]) -> str:
    return ".".join(str(x) for x in loc if not isinstance(x, int))


def _type_problem(err: Any, file: str) -> Problem:
    loc = err["loc"]
    value = None if err["type"] == "missing" else err.get("input")
    if isinstance(value, dict) or (isinstance(value, list) and has_table(value)):
        value = None
    key = _display_key(loc)
    if err["type"] == "missing" and key == "city":
        message: str = Message("problem.fit_city_required")
    elif err["type"] == "missing" and key == "counts":
        message = Message("problem.fit_counts_required")
    elif err["type"] == "int_type" and len(loc) == 3 and loc[0] == "counts":
        message = Message("problem.fit_counts_whole")
    else:
        message = type_message(err, {"counts": Counts}, FitSpec, {})
    return Problem(file, key, value, message)


def load_fit_spec(path: str | os.PathLike[str]) -> FitSpec:
    """``load_fit_spec(path) -> FitSpec``: a validated fit file; raises
    :class:`~scenarios.errors.ScenarioError` listing every problem, one line each (file,
    key, value, what is allowed)."""
    path = Path(path)
    file = display_path(path)
    data = read_toml(path)
    try:
        spec = FitSpec.model_validate(data, strict=True)
    except ValidationError as exc:
        raise ScenarioError([_type_problem(e, file) for e in exc.errors()]) from None
    spec._folder = str(path.resolve().parent)
    spec._file = file
    check_spec(spec)
    return spec


def _counts_problems(spec: FitSpec) -> list[Problem]:
    file, c, out = spec.file, spec.counts, []
    for key in ("shootings", "injured", "killed"):
        values = getattr(c, key)
        if values is None:
            continue
        bad = [v for v in values if not 0 <= v <= MAX_COUNT]
        if bad:
            why = Message("problem.fit_counts_range", most=MAX_COUNT)
            out.append(Problem(file, f"counts.{key}", values, why))
        elif key != "shootings" and len(values) != len(c.shootings):
            why = Message("problem.fit_counts_length", count=len(values), years=len(c.shootings))
            out.append(Problem(file, f"counts.{key}", values, why))
    if c.years is not None:
        if len(c.years) != len(c.shootings):
            why = Message("problem.fit_years_length", years=len(c.shootings))
            out.append(Problem(file, "counts.years", c.years, why))
        elif any(not 1900 <= y <= 2200 for y in c.years) or any(
            b <= a for a, b in zip(c.years, c.years[1:], strict=False)
        ):
            why = Message("problem.fit_years_order")
            out.append(Problem(file, "counts.years", c.years, why))
    if not out and (c.injured is not None or c.killed is not None):
        hit = sum(c.injured or []) + sum(c.killed or [])
        if hit > sum(c.shootings):
            why = Message("problem.fit_hit", hit=hit, shootings=sum(c.shootings))
            key = "counts.injured" if c.injured is not None else "counts.killed"
            out.append(Problem(file, key, c.injured if c.injured is not None else c.killed, why))
    return out


def _city_key_problems(spec: FitSpec) -> list[Problem]:
    file, city, out = spec.file, spec.city, []
    for key, value in city.items():
        if key == "group_size_mean":
            why = Message("problem.fit_group_size_mean")
            out.append(Problem(file, "city.group_size_mean", value, why))
        elif key not in _CITY_KEYS:
            match = closest(key, _CITY_KEYS)
            why = (
                Message("problem.did_you_mean", keys=repr(match))
                if match
                else Message("problem.unknown_key_keys", keys=", ".join(_CITY_KEYS))
            )
            out.append(Problem(file, f"city.{key}", value, why))
        elif isinstance(value, dict | list):
            out.append(Problem(file, f"city.{key}", None, Message("problem.single_value")))
    if out:
        return out
    own = {k: city[k] for k in _CITY_OWN if k in city}
    if "audit_dir" in own:
        if "n_groups" in own or "members" in own:
            why = Message("problem.fit_audit_or_groups")
            return [Problem(file, "city.audit_dir", own["audit_dir"], why)]
        if not isinstance(own["audit_dir"], str) or not own["audit_dir"].strip():
            why = Message("problem.fit_audit_text")
            return [Problem(file, "city.audit_dir", own["audit_dir"], why)]
        return []
    for key, other in (("n_groups", "members"), ("members", "n_groups")):
        if key not in own:
            if other in own:
                why = Message("problem.fit_required_with", other=other)
            else:
                why = Message("problem.fit_required_city")
            out.append(Problem(file, f"city.{key}", None, why))
    for key, top in (("n_groups", parameter("city.n_groups").le), ("members", MAX_FIT_MEMBERS)):
        value = own.get(key)
        if key in own and (not isinstance(value, int) or isinstance(value, bool)):
            out.append(Problem(file, f"city.{key}", value, Message("problem.whole_number")))
        elif isinstance(value, int) and top is not None and not 1 <= value <= top:
            why = Message("problem.bound_range", low=1, high=top)
            out.append(Problem(file, f"city.{key}", value, why))
    if not out and own["members"] < own["n_groups"]:
        why = Message("problem.fit_members_groups", groups=own["n_groups"])
        out.append(Problem(file, "city.members", own["members"], why))
    return out


def check_spec(spec: FitSpec) -> None:
    """Every problem beyond types, at once, as a :class:`ScenarioError`: the name, the
    counts, the city keys, the base scenario and the group audit."""
    file = spec.file
    problems: list[Problem] = []
    if not _NAME.fullmatch(spec.name):
        problems.append(Problem(file, "name", spec.name, Message("problem.fit_name")))
    for key in ("title", "title_sv"):
        text = getattr(spec, key)
        if len(text) > 120 or one_line(text) != text:
            problems.append(Problem(file, key, text, Message("problem.fit_title")))
    problems += _counts_problems(spec)
    problems += _city_key_problems(spec)
    if problems:
        raise ScenarioError(problems)
    try:
        base = load_scenario(spec.base_ref())
    except ScenarioError as exc:
        if spec.base_ref() == spec.base and len(exc.problems) == 1:  # a preset name
            why = exc.problems[0].message
            raise ScenarioError([Problem(file, "base", spec.base, why)]) from None
        head = Problem(file, "base", spec.base, Message("problem.cannot_load"))
        raise ScenarioError([head, *exc.problems]) from None
    audit = spec.audit_dir()
    if audit is not None and not Path(audit).is_dir():
        why = Message("problem.audit_not_found")
        raise ScenarioError([Problem(file, "city.audit_dir", spec.city["audit_dir"], why)])
    if audit is not None:
        try:
            load_audit(audit)
        except AuditError as exc:
            why = Message("problem.fit_audit_invalid")
            head = Problem(file, "city.audit_dir", spec.city["audit_dir"], why)
            raise ScenarioError([head, *exc.problems]) from None
    _city_updates(spec, base)  # raises with the city's problems


# --- the city ---------------------------------------------------------------------------


def expected_group_size(mean: float, sd: float, min_size: int) -> float:
    """The mean size of a generated group: ``max(round(gamma), min_size)`` with the
    gamma's ``mean`` and ``sd`` (as :mod:`model.city` draws it)."""
    if sd <= 0:
        return float(max(np.rint(mean), min_size))
    shape = (mean / sd) ** 2
    ks = np.arange(0, int(mean + 20 * sd + 20))
    cdf = stats.gamma.cdf(ks + 0.5, shape, scale=mean / shape)
    pk = np.diff(np.concatenate([[0.0], cdf]))
    return float(np.sum(np.maximum(ks, min_size) * pk) + (1 - cdf[-1]) * ks[-1])


def group_size_mean_for(size: float, sd: float, min_size: int) -> float | None:
    """The ``city.group_size_mean`` whose generated groups have ``size`` members on
    average (the generator truncates at ``min_size``), or None if none in [2, 200] does."""
    lo, hi = 2.0, 200.0
    if sd <= 0:
        return size if lo <= size <= hi else None
    if not expected_group_size(lo, sd, min_size) <= size <= expected_group_size(hi, sd, min_size):
        return None
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if expected_group_size(mid, sd, min_size) < size else (lo, mid)
    return round(0.5 * (lo + hi), 3)


def _city_updates(spec: FitSpec, base: Scenario) -> dict[str, Any]:
    """The dotted city keys the fitted scenario sets; :class:`ScenarioError` if the city
    does not validate on the base scenario."""
    file = spec.file
    updates = {f"city.{k}": v for k, v in spec.city.items() if k in _CITY_PASS}
    audit = spec.audit_dir()
    if audit is not None:
        updates["city.audit_dir"] = audit
    else:
        updates["city.n_groups"] = spec.city["n_groups"]
    data = base.model_dump()
    for key, value in updates.items():
        data["city"][key.split(".", 1)[1]] = value
    try:
        checked = Scenario.model_validate(data, strict=True)
    except ValidationError as exc:
        problems = validation_problems(exc, data, lambda loc: (file, 0))
        raise ScenarioError(problems) from None
    if audit is None:
        c = checked.city
        size = spec.city["members"] / spec.city["n_groups"]
        mean = group_size_mean_for(size, c.group_size_sd, c.min_group_size)
        if mean is None:
            why = Message("problem.fit_group_size", size=f"{size:g}",
                          sd=f"{c.group_size_sd:g}", least=c.min_group_size)  # fmt: skip
            raise ScenarioError([Problem(file, "city.members", spec.city["members"], why)])
        updates["city.group_size_mean"] = mean
    return updates


def audit_fingerprint(folder: str | None) -> dict[str, str] | None:
    """sha256 of each CSV file of a group audit (so a changed audit is a new fit)."""
    if folder is None:
        return None
    root = Path(folder)
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.glob("*.csv"))}


# --- shares of shootings that injure or kill ----------------------------------------------


def share_posteriors(counts: Counts) -> dict[str, dict[str, Any]]:
    """Beta posteriors (flat prior) of the share of shootings that injure / kill."""
    n = sum(counts.shootings)
    out = {}
    for key, path in (("injured", "violence.p_injury"), ("killed", "violence.p_fatal")):
        values = getattr(counts, key)
        if values is None:
            continue
        k = sum(values)
        post = stats.beta(1 + k, 1 + n - k)
        out[path] = {
            "median": round(float(post.median()), 3),
            "interval90": [float(post.ppf(0.05)), float(post.ppf(0.95))],
            "observed": f"{k} of {n}",
        }
    return out


# --- runs -------------------------------------------------------------------------------


def run_scenario(spec: FitSpec, base: Scenario, updates: dict[str, Any]) -> Scenario:
    """The business-as-usual city the fit runs: the base scenario with the city and
    fitted shares, every policy off, the base's warm-up, then one year per observed year."""
    changes: dict[str, Any] = {
        "name": "fit-city",
        "description": "",
        **dict.fromkeys(POLICY_SWITCHES, False),
        "partnership.lapse_day": None,
        "time.horizon_days": DAYS_PER_YEAR * spec.years,
        "time.rollout_day": 0,
        **updates,
    }
    for key in ("title", "title_sv", "description_sv"):
        if key in Scenario.model_fields:
            changes[key] = ""
    return base.with_updates(changes)


@dataclass(frozen=True)
class FitEvaluator:
    """``FitEvaluator(scenario, entropy, years)(job) -> outputs``: one business-as-usual
    run at ``job.params`` with the seed ``SeedSequence(entropy, spawn_key=(point,
    replicate))``; outputs the hazard, the city's members and, per year ``t``, shootings
    ``s<t>``, injured ``i<t>`` and killed ``k<t>``. With ``sets`` (a posterior ensemble's
    draws), replicate ``r`` runs parameter set ``sets[r]`` at every hazard, so the fit
    is marginal over model uncertainty, as the comparisons that use the fitted city are."""

    scenario: Scenario
    entropy: int
    years: int
    sets: tuple[dict[str, float], ...] | None = None

    def __call__(self, job: Job) -> dict[str, float]:
        drawn = self.sets[job.replicate] if self.sets is not None else {}
        sc = self.scenario.with_updates({**drawn, **job.params})
        seed = np.random.SeedSequence(self.entropy, spawn_key=(job.point, job.replicate))
        model = GVIModel(sc, rng=seed)
        model.run_model()
        df = model.daily_metrics()
        year = (df["day"].to_numpy() - model.warmup_day) // DAYS_PER_YEAR
        out = {"hazard": sc.violence.base_hazard, "members": float(model.city.nominal_size.sum())}
        for t in range(self.years):
            rows = df[year == t]
            out[f"s{t}"] = float(rows["shootings"].sum())
            out[f"i{t}"] = float(rows["injuries"].sum())
            out[f"k{t}"] = float(rows["fatalities"].sum())
        return out  # the finished model has freed itself (GVIModel.close)


def synthetic_counts(spec: FitSpec, hazard: float, seed: int) -> dict[str, list[int]]:
    """Yearly counts of one business-as-usual run of the spec's city at ``hazard``
    (a city drawn afresh from ``seed``): data with a known answer, to check a fit."""
    check_spec(spec)
    base = load_scenario(spec.base_ref())
    updates = _city_updates(spec, base)
    updates.update({path: s["median"] for path, s in share_posteriors(spec.counts).items()})
    evaluate = FitEvaluator(run_scenario(spec, base, updates), root_entropy(seed), spec.years)
    out = evaluate(Job(0, 0, {HAZARD: hazard}))
    return {
        name: [int(out[f"{key}{t}"]) for t in range(spec.years)]
        for name, key in (("shootings", "s"), ("injured", "i"), ("killed", "k"))
    }


class _Runner:
    """Stages of runs into one store, through one executor."""

    def __init__(
        self, store: ResultStore, evaluate: FitEvaluator, executor: Any, progress: bool
    ) -> None:
        self.store, self.evaluate = store, evaluate
        self.executor, self.progress = executor, progress
        self.frame = store.read()

    def run(self, points: list[tuple[int, float]], replicates: int) -> pd.DataFrame:
        jobs = [Job(p, r, {HAZARD: h}) for p, h in points for r in range(replicates)]
        done = set(zip(self.frame["point"], self.frame["replicate"], strict=True))
        if any((j.point, j.replicate) not in done for j in jobs):
            self.frame = run_jobs(
                jobs,
                self.evaluate,
                store=self.store,
                executor=self.executor,
                progress=self.progress,
            )
        wanted = {p: h for p, h in points}
        rows = self.frame[self.frame["point"].isin(wanted)]
        rows = rows[rows["replicate"] < replicates]
        stale = rows[rows["hazard"] != rows["point"].map(wanted)]
        if len(stale):
            raise ValueError(
                Message("problem.fit_stale", folder=self.store.folder,
                        point=int(stale["point"].iloc[0]))
            )  # fmt: skip
        return rows


def _shootings(rows: pd.DataFrame, years: int) -> np.ndarray:
    return rows[[f"s{t}" for t in range(years)]].to_numpy(dtype=float)


def _clip(h: float) -> float:
    return float(min(max(h, HAZARD_PRIOR[0]), HAZARD_PRIOR[1]))


def pilot(runner: _Runner, spec: FitSpec, start: float) -> tuple[float, list[dict[str, float]]]:
    """Step the hazard toward the observed level; the centre of the first grid."""
    target = max(float(np.mean(spec.counts.shootings)), 0.5)
    h, steps = _clip(start), []
    for k in range(PILOT_STEPS):
        rows = runner.run([(PILOT_POINT + k, h)], PILOT_REPLICATES)
        mean = float(_shootings(rows, spec.years).mean())
        steps.append({"hazard": h, "mean": mean})
        if mean > 0:
            ratio = target / mean
            step = min(max(ratio ** (1 / PILOT_SLOPE), 1 / 30), 30.0)
        else:
            ratio, step = math.inf, 10.0
        nxt = _clip(h * step)
        if abs(math.log(ratio)) < PILOT_TOLERANCE or nxt == h:
            return nxt, steps
        h = nxt
    return h, steps


# --- analysis ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Curve:
    """Mean shootings per year as ``exp(poly((log h - centre) / scale))``."""

    coef: tuple[float, ...]
    centre: float
    scale: float

    def __call__(self, log_h: np.ndarray) -> np.ndarray:
        z = (np.asarray(log_h) - self.centre) / self.scale
        return np.exp(np.polyval(self.coef[::-1], z))

    def slope(self, log_h: np.ndarray) -> np.ndarray:
        """d log(mean) / d log(hazard)."""
        z = (np.asarray(log_h) - self.centre) / self.scale
        deriv = np.polynomial.polynomial.polyder(np.asarray(self.coef))
        return np.polyval(deriv[::-1], z) / self.scale


def fit_curve(log_h: np.ndarray, totals: np.ndarray, exposure: np.ndarray) -> Curve:
    """Poisson regression (log link) of total shootings on a polynomial in log hazard,
    per grid point with ``exposure`` run-years; the highest degree (at most 2, 3 for a
    wide grid) whose curve rises over the whole grid."""
    centre = float(np.mean(log_h))
    scale = float(max(np.ptp(log_h) / 2, 1e-9))
    z = (log_h - centre) / scale
    top = 3 if len(log_h) >= 12 else 2
    for degree in range(min(top, len(log_h) - 2), 0, -1):
        x = np.vander(z, degree + 1, increasing=True)
        beta = np.linalg.lstsq(x, np.log((totals + 0.5) / exposure), rcond=None)[0]
        for _ in range(100):
            mu = exposure * np.exp(x @ beta)
            w = mu
            work = x @ beta + (totals - mu) / mu
            new = np.linalg.solve(x.T @ (w[:, None] * x), x.T @ (w * work))
            done = np.max(np.abs(new - beta)) < 1e-10
            beta = new
            if done:
                break
        curve = Curve(tuple(float(b) for b in beta), centre, scale)
        fine = np.linspace(log_h.min(), log_h.max(), 200)
        if np.all(curve.slope(fine) > 0):
            return curve
    raise ValueError(Message("problem.fit_no_rise"))


@dataclass(frozen=True)
class Spread:
    """How simulated yearly counts scatter around the mean curve, as smooth functions of
    log hazard. Within a run, a year's count has variance ``index * m`` around the run's
    own level ``m`` (a negative binomial; ``index`` > 1 because shootings come in
    cascades); the level is ``mean * u`` with ``u ~ Gamma(1 / city, city)``, shared by the
    years of a run (cities of the same size differ in their rivalries and members).
    Estimated per grid point by the method of moments and smoothed with a Gaussian kernel
    in log hazard (``bandwidth``), so each hazard uses the spread of runs near it."""

    log_h: tuple[float, ...]
    index: tuple[float, ...]  # per grid point: within-run variance / mean
    city: tuple[float, ...]  # per grid point: squared coefficient of variation of levels
    weight: tuple[float, ...]
    bandwidth: float

    def at(self, log_h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(dispersion index >= 1, city effect's squared CV >= 0) at each log hazard."""
        x = np.atleast_1d(np.asarray(log_h, dtype=float))
        w = np.asarray(self.weight)
        if not w.sum():
            return np.ones_like(x), np.zeros_like(x)
        k = w * np.exp(-0.5 * ((x[:, None] - np.asarray(self.log_h)) / self.bandwidth) ** 2)
        k /= k.sum(axis=1, keepdims=True)
        return np.maximum(k @ np.asarray(self.index), 1.0), np.maximum(
            k @ np.asarray(self.city), 0.0
        )


def spread(log_h: np.ndarray, groups: list[np.ndarray]) -> Spread:
    """Moment estimates per grid point from its (runs x years) counts, for
    :class:`Spread`. With one year per run, levels and years cannot be told apart: all of
    the spread is put in ``index``."""
    index, city, weight = [], [], []
    for y in groups:
        m = float(y.mean())
        if m <= 0 or len(y) < 2:  # nothing to learn the spread from
            phi, cv2, w = 1.0, 0.0, 0.0
        elif y.shape[1] == 1:
            phi, cv2, w = float(y[:, 0].var(ddof=1)) / m, 0.0, float(len(y))
        else:
            within = float(y.var(axis=1, ddof=1).mean())
            between = float(y.mean(axis=1).var(ddof=1))
            phi, cv2, w = within / m, (between - within / y.shape[1]) / m**2, float(len(y))
        index.append(phi)
        city.append(cv2)
        weight.append(w)
    return Spread(
        tuple(float(x) for x in log_h), tuple(index), tuple(city), tuple(weight), BANDWIDTH
    )


def city_nodes(city: np.ndarray) -> np.ndarray:
    """Equal-weight quantile nodes of the city effect (mean 1), one row per squared CV."""
    q = (np.arange(CITY_NODES) + 0.5) / CITY_NODES
    city = np.asarray(city, dtype=float)
    spread = city > 1e-9
    shape = 1 / np.where(spread, city, 1.0)
    u = stats.gamma.ppf(q[None, :], shape[:, None], scale=1 / shape[:, None])
    return np.where(spread[:, None], u / u.mean(axis=1, keepdims=True), 1.0)


def log_likelihood(
    observed: np.ndarray, means: np.ndarray, index: np.ndarray, city: np.ndarray
) -> np.ndarray:
    """log p(observed yearly counts | mean per year, spread) for each of ``means``."""
    u = city_nodes(city)  # (H, Q)
    m = np.maximum(means[:, None, None] * u[:, :, None], 1e-300)
    y = np.asarray(observed, dtype=float)[None, None, :]
    phi = np.asarray(index, dtype=float)[:, None, None]
    poisson = y * np.log(m) - m - special.gammaln(y + 1)
    size = m / np.maximum(phi - 1, 1e-12)
    negbin = (
        special.gammaln(y + size)
        - special.gammaln(size)
        - special.gammaln(y + 1)
        - size * np.log(phi)
        + y * np.log(np.maximum(phi - 1, 1e-12) / phi)
    )
    ll = np.where(phi > 1 + 1e-6, negbin, poisson)
    return special.logsumexp(ll.sum(axis=2), axis=1) - math.log(u.shape[1])


def posterior(
    log_lo: float, log_hi: float, observed: np.ndarray, curve: Curve, spread: Spread
) -> pd.DataFrame:
    """The posterior of log hazard on a fine grid (flat prior): density per unit of log
    hazard and its cumulative distribution."""
    x = np.linspace(log_lo, log_hi, FINE_POINTS)
    index, city = spread.at(x)
    ll = log_likelihood(observed, curve(x), index, city)
    dens = np.exp(ll - ll.max())
    area = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(x))])
    return pd.DataFrame(
        {
            "hazard": np.exp(x),
            "log_hazard": x,
            "density": dens / area[-1],
            "cdf": area / area[-1],
            "mean_per_year": curve(x),
            "dispersion_index": index,
            "city_cv": np.sqrt(city),
        }
    )


def quantile(post: pd.DataFrame, q: float) -> float:
    return float(np.exp(np.interp(q, post["cdf"], post["log_hazard"])))


def _t_interval(values: np.ndarray) -> tuple[float, float, float]:
    n, mean = len(values), float(np.mean(values))
    if n < 2:
        return mean, mean, mean
    half = float(stats.t.ppf(0.975, n - 1) * np.std(values, ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half


# --- the result ---------------------------------------------------------------------------


@dataclass
class FitResult:
    """A finished fit: ``summary`` (as in fit.json), the fitted scenario and its file
    text, and the frames: every run, the grid, the posterior and the check per year."""

    spec: FitSpec
    summary: dict[str, Any]
    scenario: Scenario
    scenario_toml: str
    runs: pd.DataFrame
    grid: pd.DataFrame
    posterior: pd.DataFrame
    check: pd.DataFrame
    folder: Path

    @property
    def hazard(self) -> float:
        """The fitted background hazard (the posterior median, as the scenario sets it)."""
        return float(self.summary["fitted"][HAZARD]["value"])

    @property
    def interval(self) -> tuple[float, float]:
        lo, hi = self.summary["fitted"][HAZARD]["interval90"]
        return float(lo), float(hi)

    @property
    def scenario_path(self) -> Path:
        return self.folder / f"{self.spec.name}.toml"

    def report(self, path: str | os.PathLike[str] | None = None, *, lang: str = "en") -> Path:
        """Write the HTML fit report (``fit.html`` in the folder by default)."""
        from gvi.report.fitcity import render_fit_report

        path = Path(path) if path is not None else self.folder / "fit.html"
        atomic_text(render_fit_report(self, lang=lang), path)
        return path


def fit_city(
    spec_or_path: FitSpec | str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    progress: bool = False,
    lang: str = "en",
    ensemble: Any = ensembles.SHIPPED_DEFAULT,
) -> FitResult:
    """Fit a city to its yearly counts (resumably) into ``out``: ``<name>.toml``,
    ``fit.json``, ``fit.html`` (in ``lang``) and the runs' store.

    ``ensemble`` as for :func:`experiments.comparison.compare` (default: the shipped
    posterior ensemble while there is one; ``None``: the base scenario's fixed
    parameters): replicate ``r`` of every hazard runs the parameter set drawn for it,
    so the fitted hazard and its interval hold model uncertainty too. Calibrated
    parameters the fit file sets for its city are kept, not drawn."""
    if isinstance(spec_or_path, FitSpec):
        spec = spec_or_path
        check_spec(spec)
    else:
        spec = load_fit_spec(spec_or_path)
    if lang not in ("en", "sv"):
        raise ValueError(f"lang must be 'en' or 'sv', got {lang!r}")
    base = load_scenario(spec.base_ref())
    shares = share_posteriors(spec.counts)
    updates = _city_updates(spec, base)
    updates.update({path: s["median"] for path, s in shares.items()})
    scenario = run_scenario(spec, base, updates)
    entropy = root_entropy(spec.seed)
    ens, where = ensembles.resolve(ensemble)
    sets, record = None, None
    if ens is not None:
        ensembles.check_identity(ens, where)
        kept = {k: v for k, v in updates.items() if k in ens.parameters}
        drawn = ensembles.draws(ens, max(PILOT_REPLICATES, spec.replicates,
                                         spec.check_replicates), entropy)  # fmt: skip
        chosen = ensembles.by_set(ens, list(kept))
        sets = tuple(chosen[int(d)] for d in drawn)
        record = ensembles.record(ens, where, drawn, kept)
    folder = Path(out)
    identity = {
        "method": METHOD,
        "scenario": scenario.model_dump(mode="json"),
        "audit": audit_fingerprint(spec.audit_dir()),
        "counts": spec.counts.shootings,
        "seed": spec.seed,
        "replicates": spec.replicates,
        "check_replicates": spec.check_replicates,
        "grid_points": spec.grid_points,
        "design": {
            "prior": HAZARD_PRIOR,
            "pilot": [PILOT_REPLICATES, PILOT_STEPS, PILOT_SLOPE, PILOT_TOLERANCE],
            "grid": [GRID_HALF_SPAN, EDGE_DENSITY, EXTEND_POINTS, MAX_EXTENSIONS],
            "analysis": [FINE_POINTS, BANDWIDTH, CITY_NODES],
        },
        "ensemble": None if record is None else [record["sha256"], record["kept"]],
    }
    executor, close = make_executor(workers, scheduler=scheduler, dask_local=dask_local)
    try:
        store = ResultStore(folder, identity=identity)
        store.update_manifest(kind="fit-city", fit=spec.model_dump(mode="json"))
        evaluate = FitEvaluator(scenario, entropy, spec.years, sets)
        runner = _Runner(store, evaluate, executor, progress)
        analysis = _fit(runner, spec, scenario)
    finally:
        close()
    analysis["ensemble"] = record
    return _finish(spec, base, scenario, updates, shares, entropy, analysis, runner, folder, lang)


def _lattice(centre: float, points: int) -> tuple[float, list[int]]:
    step = 2 * math.log(GRID_HALF_SPAN) / (points - 1)
    first = -((points - 1) // 2)
    return step, list(range(first, first + points))


def _grid_points(centre: float, step: float, index: list[int]) -> list[tuple[int, float]]:
    lo, hi = (math.log(b) for b in HAZARD_PRIOR)
    out = []
    for j in index:
        x = math.log(centre) + j * step
        if lo - 1e-12 <= x <= hi + 1e-12:
            out.append((GRID_POINT + j, float(np.exp(x))))
    return out


def _fit(runner: _Runner, spec: FitSpec, scenario: Scenario) -> dict[str, Any]:
    observed = np.asarray(spec.counts.shootings, dtype=float)
    centre, steps = pilot(runner, spec, scenario.violence.base_hazard)
    step, index = _lattice(centre, spec.grid_points)
    lo_prior, hi_prior = (math.log(b) for b in HAZARD_PRIOR)
    lo_prior, hi_prior = lo_prior - 1e-9, hi_prior + 1e-9
    extensions, notes = 0, []
    while True:
        points = _grid_points(centre, step, index)
        rows = runner.run(points, spec.replicates)
        per_point = [
            (h, _shootings(rows[rows["point"] == p], spec.years)) for p, h in points
        ]  # fmt: skip
        log_h = np.log([h for h, _ in per_point])
        totals = np.array([y.sum() for _, y in per_point])
        exposure = np.array([y.size for _, y in per_point], dtype=float)
        curve = fit_curve(log_h, totals, exposure)
        scatter = spread(log_h, [y for _, y in per_point])
        post = posterior(log_h.min(), log_h.max(), observed, curve, scatter)
        peak = post["density"].max()
        # widen where the posterior has weight at an end, unless the prior ends there
        low = post["density"].iloc[0] / peak > EDGE_DENSITY and log_h.min() - step > lo_prior
        high = post["density"].iloc[-1] / peak > EDGE_DENSITY and log_h.max() + step < hi_prior
        if not (low or high) or extensions >= MAX_EXTENSIONS:
            break
        extensions += 1
        if low:
            index = list(range(index[0] - EXTEND_POINTS, index[0])) + index
        if high:
            index = index + list(range(index[-1] + 1, index[-1] + 1 + EXTEND_POINTS))
    for side, at in (("lower", 0), ("upper", -1)):
        if post["density"].iloc[at] / peak > EDGE_DENSITY:
            notes.append(f"posterior_at_{side}_edge")
    grid = pd.DataFrame(
        {
            "point": [p for p, _ in points],
            "hazard": [h for h, _ in per_point],
            "runs": [len(y) for _, y in per_point],
            "mean_per_year": [float(y.mean()) for _, y in per_point],
            "ci_low": [_t_interval(y.mean(axis=1))[1] for _, y in per_point],
            "ci_high": [_t_interval(y.mean(axis=1))[2] for _, y in per_point],
            "fitted_per_year": curve(log_h),
            "dispersion_index": scatter.index,
            "city_cv2": scatter.city,
        }
    )
    value = float(f"{quantile(post, 0.5):.3g}")
    checked = runner.run([(CHECK_POINT, value)], spec.check_replicates)
    return {
        "value": value,
        "checked": checked,
        "pilot": steps,
        "centre": centre,
        "step": step,
        "extensions": extensions,
        "curve": curve,
        "spread": scatter,
        "posterior": post,
        "grid": grid,
        "notes": notes,
    }


def _finish(spec, base, scenario, updates, shares, entropy, a, runner, folder, lang) -> FitResult:
    post: pd.DataFrame = a["posterior"]
    median = quantile(post, 0.5)
    value, checked = a["value"], a["checked"]
    check, overall = _check_table(spec, checked)
    check_notes = overall.pop("notes")
    fitted = {
        HAZARD: {
            "value": value,
            "median": median,
            "interval90": [quantile(post, 0.05), quantile(post, 0.95)],
            "prior": list(HAZARD_PRIOR),
            "base_value": base.violence.base_hazard,
        },
        **shares,
    }
    members = spec.city.get("members")
    if spec.audit_dir() is not None:
        audit = load_audit(spec.audit_dir())
        n_groups, members = len(audit.group_ids), int(sum(audit.sizes))
    else:
        n_groups = spec.city["n_groups"]
    curve: Curve = a["curve"]
    index_at, city_at = a["spread"].at(np.log([value]))
    summary = {
        "name": spec.name,
        "title": spec.title,
        "title_sv": spec.title_sv,
        "method": METHOD,
        "base": spec.base,
        "seed": spec.seed,
        "seed_entropy": str(entropy),
        "years": spec.year_labels(),
        "observed": {
            "shootings": list(spec.counts.shootings),
            "injured": spec.counts.injured,
            "killed": spec.counts.killed,
            "mean_per_year": float(np.mean(spec.counts.shootings)),
        },
        "city": {
            "n_groups": n_groups,
            "members": members,
            "audit": spec.audit_dir() is not None,
            "group_size_mean": scenario.city.group_size_mean,
            "group_size_sd": scenario.city.group_size_sd,
            "min_group_size": scenario.city.min_group_size,
            "simulated_members_mean": float(checked["members"].mean()),
            "warmup_days": scenario.time.warmup_days,
        },
        "fitted": fitted,
        "model": {
            "curve": {"coef": list(curve.coef), "centre": curve.centre, "scale": curve.scale},
            "expected_per_year_at_value": float(curve(np.log([value]))[0]),
            "slope_at_value": float(curve.slope(np.log([value]))[0]),
            "dispersion_index_at_value": float(index_at[0]),
            "city_cv_at_value": float(np.sqrt(city_at[0])),
            "grid_step_log": a["step"],
            "grid_extensions": a["extensions"],
            "pilot": a["pilot"],
            "grid": json.loads(a["grid"].to_json(orient="records")),
        },
        "check": {
            "replicates": spec.check_replicates,
            "hazard": value,
            "per_year": json.loads(check.to_json(orient="records")),
            **overall,
        },
        "runs": {
            "pilot": PILOT_REPLICATES * len(a["pilot"]),
            "grid": int(a["grid"]["runs"].sum()),
            "check": spec.check_replicates,
        },
        "notes": a["notes"] + check_notes,
        "ensemble": a["ensemble"],
        "intervals_cover": "chance and the counts' information only (one fixed parameter set)"
        if a["ensemble"] is None
        else "model uncertainty (parameter sets drawn from the posterior ensemble), chance "
        "and the counts' information",
    }
    summary["runs"]["total"] = sum(summary["runs"].values())
    text = scenario_toml(spec, base, updates, summary, folder)
    path = folder / f"{spec.name}.toml"
    atomic_text(text, path)
    atomic_text(json.dumps(summary, indent=2, ensure_ascii=False), folder / "fit.json")
    result = FitResult(
        spec=spec,
        summary=summary,
        scenario=load_scenario(path),
        scenario_toml=text,
        runs=runner.frame,
        grid=a["grid"],
        posterior=post,
        check=check,
        folder=folder,
    )
    result.report(lang=lang)
    return result


def _check_table(spec: FitSpec, rows: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per observed year (and measure): observed, simulated mean with its 95 % interval,
    and the range holding 95 % of simulated single years."""
    labels, table = spec.year_labels(), []
    measures = [("shootings", "s", spec.counts.shootings)]
    measures += [
        (name, key, getattr(spec.counts, name))
        for name, key in (("injured", "i"), ("killed", "k"))
        if getattr(spec.counts, name) is not None
    ]
    outside = []
    for measure, key, observed in measures:
        for t in range(spec.years):
            sim = rows[f"{key}{t}"].to_numpy(dtype=float)
            mean, lo, hi = _t_interval(sim)
            lo = max(lo, 0.0)  # counts: an interval never reaches below zero
            r_lo, r_hi = np.quantile(sim, [0.025, 0.975])
            table.append(
                {
                    "measure": measure,
                    "year": t + 1,
                    "label": labels[t],
                    "observed": observed[t],
                    "mean": mean,
                    "ci_low": lo,
                    "ci_high": hi,
                    "range_low": float(r_lo),
                    "range_high": float(r_hi),
                }
            )
            if measure == "shootings" and not r_lo <= observed[t] <= r_hi:
                outside.append(t + 1)
    per_run = _shootings(rows, spec.years).mean(axis=1)
    mean, lo, hi = _t_interval(per_run)
    single = _shootings(rows, spec.years).ravel()
    overall = {
        "mean_per_year": mean,
        "ci95": [lo, hi],
        "range95_single_years": [float(q) for q in np.quantile(single, [0.025, 0.975])],
        "observed_mean_per_year": float(np.mean(spec.counts.shootings)),
        "relative_difference": mean / max(float(np.mean(spec.counts.shootings)), 1e-9) - 1,
        "years_outside_range95": outside,
        "notes": ["observed_year_outside_range"] if outside else [],
    }
    return pd.DataFrame(table), overall


# --- the fitted scenario file -------------------------------------------------------------


def _relative(target: str, folder: Path) -> str:
    """``target`` relative to ``folder`` when they share a folder below the root (so
    the two can move together), else absolute."""
    target, here = str(Path(target).resolve()), str(Path(folder).resolve())
    try:
        common = os.path.commonpath([target, here])
    except ValueError:  # another drive
        return target
    if common == os.path.dirname(common):  # only the root in common
        return target
    return os.path.relpath(target, here)


def scenario_toml(
    spec: FitSpec, base: Scenario, updates: dict[str, Any], summary: dict[str, Any], folder: Path
) -> str:
    """The fitted scenario: a comment saying what it was fitted to, then the keys
    (written with tomli_w)."""
    hz = summary["fitted"][HAZARD]
    check = summary["check"]
    counts = ", ".join(str(n) for n in spec.counts.shootings)
    years = summary["years"]
    span = f" ({years[0]}-{years[-1]})" if years[0] is not None else ""
    city = summary["city"]
    where = "a group audit" if city["audit"] else "the counts of groups and members"
    lines = [
        f"Business as usual of {spec.name}, fitted by gvi fit-city to {spec.years} year(s) of "
        f"shootings before the rollout{span}: {counts}.",
        f"City: {city['n_groups']} groups, {city['members']} members (from {where}).",
        f"violence.base_hazard = posterior median {hz['median']:.3g}, 90 % interval "
        f"{hz['interval90'][0]:.3g} to {hz['interval90'][1]:.3g} (flat prior on its log).",
    ]
    for path in ("violence.p_injury", "violence.p_fatal"):
        if path in summary["fitted"]:
            s = summary["fitted"][path]
            lines.append(
                f"{path} = {s['median']:.3g}: share of shootings, from {s['observed']} "
                f"(90 % interval {s['interval90'][0]:.3g} to {s['interval90'][1]:.3g})."
            )
    lines += [
        f"Business as usual at this value: {check['mean_per_year']:.1f} shootings a year "
        f"(95 % interval {check['ci95'][0]:.1f} to {check['ci95'][1]:.1f}, "
        f"{check['replicates']} runs); observed {check['observed_mean_per_year']:.1f}.",
        "Every policy is off here: describe a rollout in a file that extends this one and "
        "switches GVI on, then run gvi compare on that file (see docs/fit_city.md).",
    ]
    header = "".join(f"# {one_line(line)}\n" for line in lines)
    ref = spec.base_ref()
    bare = "/" not in spec.base and "\\" not in spec.base and not spec.base.endswith(".toml")
    doc: dict[str, Any] = {
        "name": spec.name,
        "description": f"Business as usual of {spec.name}, fitted to its yearly shootings",
        "extends": ref if bare else _relative(ref, folder),
    }
    if "title" in Scenario.model_fields:
        if spec.title:
            doc["title"] = spec.title
        if spec.title_sv:
            doc["title_sv"] = spec.title_sv
        doc["description_sv"] = (
            f"Ordinarie arbete i {spec.name}, anpassat till stadens skjutningar per år"
        )
    sections: dict[str, dict[str, Any]] = {}
    for key, value in updates.items():
        section, name = key.split(".", 1)
        if key == "city.audit_dir":
            value = _relative(value, folder)
        sections.setdefault(section, {})[name] = value
    sections.setdefault("violence", {})["base_hazard"] = hz["value"]
    for key in POLICY_SWITCHES:
        if _get(base, key):
            section, name = key.split(".", 1)
            sections.setdefault(section, {})[name] = False
    doc.update(sections)
    return header + tomli_w.dumps(doc)


def _get(scenario: Scenario, path: str) -> Any:
    section, name = path.split(".", 1)
    return getattr(getattr(scenario, section), name)
