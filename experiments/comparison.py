"""Comparing scenarios against a baseline: replicates with common random numbers,
effects with intervals, stored results and the report.

    >>> from experiments import compare
    >>> c = compare(["baseline", "gvi"], replicates=50, seed=1)   # doctest: +SKIP
    >>> c.effects.query("metric == 'shootings'")                   # doctest: +SKIP
    >>> c.report("report.html")                                    # doctest: +SKIP
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scenarios import Scenario, load_scenario, preset_path

from . import ensemble as ensembles
from .budget import check_comparison
from .effects import effects as compute_effects
from .effects import period_values, summarise, variance_split, window_change
from .outcomes import Outcomes
from .outcomes import compute as compute_outcomes
from .output import atomic_text, atomic_write, write_csv
from .runner import RunResult, Task, root_entropy, run_tasks
from .version import model_identity

MEANINGFUL_REPLICATES = 10  # fewer paired runs than this: intervals are not meaningful
CHANCE_ONLY = (
    "intervals cover chance only (the spread between paired runs of one parameter set), "
    "not uncertainty about the model itself"
)
ENSEMBLE_COVER = (
    "intervals cover model uncertainty and chance (replicate r runs a parameter set drawn "
    "from the posterior ensemble, the same in every scenario)"
)
ENSEMBLE_RULE = (
    "replicate r runs parameter set draws[r] in every scenario, with its usual seed; the "
    "sets are drawn with replacement by weight from SeedSequence(root_seed_entropy, "
    "spawn_key=(0x656E73,)); the ensemble sets only parameters that are not plan levers "
    "and that no compared scenario sets itself"
)


def few_replicates_warning(replicates: int) -> str:
    """One line for the command line when intervals rest on too few runs."""
    return (
        f"warning: only {replicates} paired runs per scenario: the intervals are not "
        f"meaningful below {MEANINGFUL_REPLICATES}; use --replicates 50 for a report"
    )


PACKAGES = ("gvi-sim", "mesa", "numpy", "pandas", "pyarrow", "pydantic", "matplotlib", "scipy")


@dataclass
class Comparison:
    """Results of a comparison: tidy frames and what is needed to rebuild the report.

    Days are model days (since the start of the run, warm-up included); ``days`` holds
    ``warmup``, ``rollout`` and ``end`` in that numbering. The frames:

    - ``runs`` (``runs.parquet``): one row per run and day from the warm-up's end:
      ``scenario, replicate, seed, day`` and every metric. Run ``replicate`` of every
      scenario is ``GVIModel(scenario, rng=SeedSequence(seed, spawn_key=(replicate,)))``
      (common random numbers). ``attrs``: ``warmup_day``, ``rollout_day``, ``end_day``.
    - ``groups`` (``groups.parquet``): one row per run and group: ``scenario, replicate,
      seed, group`` and the group's post-period outcomes (reached, shootings, arrests,
      custody_days, enforcement).
    - ``summary``: one row per scenario and metric (post-period mean and interval over
      replicates, yearly pre- and post-period means).
    - ``effects``: one row per scenario and metric: paired change against the baseline
      and pre/post change, with 95 % intervals.
    - ``cities``: one row per scenario: its city (groups, members, background hazard).

    With a posterior ensemble (``manifest["ensemble"]``), ``runs`` and ``groups`` also
    carry ``parameter_set``: the set replicate ``replicate`` drew (the same in every
    scenario), and :attr:`spread` splits the headline effect's spread into chance and
    parameter sets.
    """

    scenarios: list[Scenario]
    baseline: str
    replicates: int
    root_entropy: int
    runs: pd.DataFrame
    summary: pd.DataFrame
    effects: pd.DataFrame
    days: dict[str, int]
    callin_days: dict[str, list[int]]
    manifest: dict[str, Any] = field(default_factory=dict)
    groups: pd.DataFrame | None = None  # per run and group; None in older folders
    cities: pd.DataFrame | None = None  # per scenario: groups, members; None in older folders

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.scenarios]

    @property
    def ensemble(self) -> dict[str, Any] | None:
        """The ensemble record of the manifest (None: one fixed parameter set)."""
        record = self.manifest.get("ensemble")
        return record if isinstance(record, dict) else None

    @cached_property
    def spread(self) -> pd.DataFrame | None:
        """With an ensemble: per scenario, how much of the variance of the per-replicate
        paired effect on shootings is chance (within parameter sets) and how much the
        parameter sets (between them); see :func:`experiments.effects.variance_split`.
        None with one fixed parameter set."""
        if self.ensemble is None or "parameter_set" not in self.runs.columns:
            return None
        sets = self.runs.groupby("replicate")["parameter_set"].first()
        values = period_values(
            self.runs,
            warmup_day=self.days["warmup"],
            rollout_day=self.days["rollout"],
            end_day=self.days["end"],
        )
        rows = [
            variance_split(values, sets, baseline=self.baseline, scenario=name)
            for name in self.names
            if name != self.baseline
        ]
        return pd.DataFrame(rows)

    @property
    def baseline_is_twin(self) -> bool:
        """Is the baseline the scenarios' own business as usual (their twin)?"""
        return bool(self.manifest.get("baseline_is_twin", False))

    @property
    def same_city(self) -> bool:
        """Do all scenarios share the baseline's city settings (always, for comparisons
        made now; folders written before the check may hold other cities)?"""
        base = self.scenarios[self.names.index(self.baseline)]
        return not any(base.city_differences(s) for s in self.scenarios)

    def scenario(self, name: str) -> Scenario:
        """The scenario called ``name``."""
        return self.scenarios[self.names.index(name)]

    @cached_property
    def outcomes(self) -> Outcomes:
        """Spillover, equity and harm, trade-offs and time to effect (computed once)."""
        return compute_outcomes(
            runs=self.runs,
            groups=self.groups,
            names=self.names,
            baseline=self.baseline,
            days=self.days,
            seed=self.root_entropy % (2**31) + 7919,
        )

    @cached_property
    def phases(self) -> pd.DataFrame:
        """For scenarios whose partnership lapses: the paired change in shootings
        before and after the lapse (one row per scenario and phase)."""
        rows = []
        for k, s in enumerate(self.scenarios):
            lapse = s.partnership.lapse_day
            if lapse is None or s.name == self.baseline:
                continue
            cut = self.days["rollout"] + lapse
            for phase, lo, hi in (
                ("before_lapse", self.days["rollout"], cut),
                ("after_lapse", cut, self.days["end"]),
            ):
                est, low, high = window_change(
                    self.runs,
                    s.name,
                    self.baseline,
                    "shootings",
                    lo,
                    hi,
                    seed=self.root_entropy % (2**31) + 31 * k,
                )
                rows.append(
                    {"scenario": s.name, "phase": phase, "start_day": lo, "end_day": hi}
                    | {"change_pct": est, "ci_low": low, "ci_high": high}
                )
        cols = ["scenario", "phase", "start_day", "end_day", "change_pct", "ci_low", "ci_high"]
        return pd.DataFrame(rows, columns=cols)

    @cached_property
    def power(self) -> pd.DataFrame:
        """Per scenario: the chance that a plain before/after evaluation of its
        post-period detects a drop in shootings at the 5 % level, and the follow-up
        years 80 % power needs (see :mod:`experiments.power`)."""
        from .power import evaluation_power

        return evaluation_power(self.runs, self.names, self.days)

    @property
    def spillover(self) -> pd.DataFrame | None:
        """Paired change in shootings by groups reached / not reached by the message."""
        return self.outcomes.spillover

    @property
    def harm(self) -> pd.DataFrame | None:
        """Arrests, custody days and enforcement per group and in total."""
        return self.outcomes.harm

    @property
    def tradeoffs(self) -> pd.DataFrame:
        """Shootings averted, extra custody days and cost, and their ratios."""
        return self.outcomes.tradeoffs

    @property
    def trajectory(self) -> pd.DataFrame:
        """Cumulative paired change in shootings by month after rollout."""
        return self.outcomes.trajectory

    @property
    def time_to_effect(self) -> pd.DataFrame:
        """Months until the paired effect on shootings is distinguishable from zero."""
        return self.outcomes.time_to_effect

    def report(
        self, path: str | os.PathLike[str], *, lang: str = "en", decision: Sequence[Any] = ()
    ) -> Path:
        """Write the self-contained HTML report; returns its path. ``decision``: finished
        discoveries and plan searches of a compared city, added as sections
        (``experiments.discovery.load``, ``experiments.plan.load``)."""
        from gvi.report import render_report

        path = Path(path)
        atomic_text(render_report(self, lang=lang, decision=decision), path)
        return path

    def to_json(self) -> dict[str, Any]:
        """``{"scenarios": [...], "effects": [{"scenario", "baseline", "metric",
        "change_pct", "ci95": [lo, hi]}, ...]}`` (NaN as null), and the planners'
        outputs: ``spillover``, ``harm`` (null without per-group results), ``tradeoffs``,
        ``time_to_effect``, ``effect_trajectory`` and ``unit_costs``."""

        def num(x: float) -> float | None:
            return None if pd.isna(x) else round(float(x), 4)

        rows = self.effects[self.effects["scenario"] != self.baseline]
        return {
            **self._base_json(num, rows),
            **_outcomes_json(self, num),
        }

    def _base_json(self, num: Any, rows: pd.DataFrame) -> dict[str, Any]:
        return {
            "scenarios": self.names,
            "baseline": self.baseline,
            "replicates": self.replicates,
            "root_seed_entropy": str(self.root_entropy),
            "effects": [
                {
                    "scenario": r.scenario,
                    "baseline": r.baseline,
                    "metric": r.metric,
                    "change_pct": num(r.change_pct),
                    "ci95": [num(r.ci_low), num(r.ci_high)],
                    "prepost_change_pct": num(r.prepost_change_pct),
                    "prepost_ci95": [num(r.prepost_ci_low), num(r.prepost_ci_high)],
                }
                for r in rows.itertuples()
            ],
        }

    def save(self, out: str | os.PathLike[str], *, lang: str = "en") -> Path:
        """Write runs.parquet, summary.parquet/.csv, effects.csv, manifest.json and
        report.html into ``out`` (each file renamed into place when complete)."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        atomic_write(out / "runs.parquet", lambda p: self.runs.to_parquet(p, index=False))
        atomic_write(out / "summary.parquet", lambda p: self.summary.to_parquet(p, index=False))
        write_csv(self.summary, out / "summary.csv")  # text cells safe for spreadsheets
        write_csv(self.effects, out / "effects.csv")
        if self.groups is not None:
            groups = self.groups
            atomic_write(out / "groups.parquet", lambda p: groups.to_parquet(p, index=False))
        atomic_text(json.dumps(self.manifest, indent=2, default=str), out / "manifest.json")
        self.report(out / "report.html", lang=lang)
        return out

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> Comparison:
        """Read a saved comparison back (for ``gvi report DIR``); folders written before
        per-group results were kept have ``groups`` None. A ``manifest.json`` that is
        damaged or not a comparison's raises ValueError with a one-line reason."""
        from pydantic import ValidationError

        from scenarios.errors import short_repr, short_text
        from scenarios.messages import validation_problems

        from .output import csv_text

        folder = Path(folder)
        groups_file = folder / "groups.parquet"
        fix = "rerun gvi compare to write the folder again"

        def bad(key: str, what: str) -> ValueError:
            return ValueError(f"manifest.json: {key}{': ' if key else ''}{what}; {fix}")

        def get(
            data: dict[str, Any], key: str, kinds: tuple[type, ...], what: str, where: str = ""
        ) -> Any:
            if key not in data:
                raise bad(where + key, "is missing")
            value = data[key]
            if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
                raise bad(where + key, f"must be {what}, not {short_repr(value)}")
            return value

        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except ValueError as exc:  # not UTF-8 or not JSON
            raise bad("", f"is not valid JSON ({short_text(str(exc))})") from None
        if not isinstance(manifest, dict):
            raise bad("", f"must be a JSON object, not {short_repr(manifest)}")
        kind = manifest.get("kind", "comparison")  # older folders do not say
        if kind != "comparison":
            raise bad("kind", f"is {short_repr(kind)}: not a folder written by gvi compare")
        records = get(manifest, "scenarios", (list,), "a list of scenario records")
        if not records:
            raise bad("scenarios", "is empty")
        scenarios = []
        for i, record in enumerate(records):
            where = f"scenarios[{i + 1}]"
            if not isinstance(record, dict):
                raise bad(where, f"must be a scenario record, not {short_repr(record)}")
            params = get(record, "parameters", (dict,), "an object", f"{where}.")
            try:
                scenarios.append(Scenario.model_validate(params))
            except ValidationError as exc:
                problems = validation_problems(exc, params, functools.partial(_at, where))
                more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
                raise bad("", f"{problems[0]}{more}") from None
        names = [s.name for s in scenarios]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise bad("scenarios", f"name {short_repr(twice[0])} twice")
        baseline = get(manifest, "baseline", (str,), "a scenario name")
        if baseline not in names:
            raise bad("baseline", f"{short_repr(baseline)} is not one of the scenarios")
        replicates = get(manifest, "replicates", (int,), "a whole number")
        if replicates < 1:
            raise bad("replicates", f"must be at least 1, not {replicates}")
        stored = get(manifest, "root_seed_entropy", (str, int), "a whole number")
        try:
            entropy = int(stored)
        except ValueError:  # not a number, or more digits than Python converts
            entropy = -1
        if entropy < 0:
            raise bad("root_seed_entropy", f"must be a whole number >= 0, not {short_repr(stored)}")
        days = get(manifest, "days", (dict,), "an object of whole numbers")
        for key in ("warmup", "rollout", "end", *days):
            get(days, key, (int,), "a whole number", "days.")
        if not 0 <= days["warmup"] <= days["rollout"] < days["end"]:
            raise bad("days", "must run warmup <= rollout < end")
        callins = get(manifest, "callin_days", (dict,), "an object: scenario -> days")
        for name, listed in callins.items():
            key = f"callin_days[{short_repr(name)}]"
            if not isinstance(listed, list) or not all(
                isinstance(d, int) and not isinstance(d, bool) for d in listed
            ):
                raise bad(key, f"must be a list of whole numbers, not {short_repr(listed)}")
        cities = manifest.get("cities")
        if cities is not None:
            cities = get(manifest, "cities", (list,), "a list of city records")
            number, whole = ((int, float), "a number"), ((int,), "a whole number")
            columns = {"scenario": ((str,), "text"), "groups": whole, "members": number}
            columns |= {"base_hazard": number, "shootings_pre_per_year": number}
            columns |= {"audit": ((bool,), "true or false")}
            for i, city in enumerate(cities):
                where = f"cities[{i + 1}]"
                if not isinstance(city, dict):
                    raise bad(where, f"must be a city record, not {short_repr(city)}")
                for key, (kinds, what) in columns.items():
                    get(city, key, kinds, what, f"{where}.")
        if not isinstance(manifest.get("baseline_is_twin", False), bool):
            raise bad("baseline_is_twin", "must be true or false")
        record = manifest.get("ensemble")
        if record is not None:
            record = get(manifest, "ensemble", (dict,), "an ensemble record")
            drawn = get(record, "draws", (list,), "a list of parameter sets", "ensemble.")
            if len(drawn) != replicates or not all(
                isinstance(k, int) and not isinstance(k, bool) for k in drawn
            ):
                raise bad("ensemble.draws", f"must be {replicates} whole numbers (one a replicate)")
            if not isinstance(record.get("kept", {}), dict):
                raise bad("ensemble.kept", "must be a table of parameter values")
            note = record.get("note")
            if note is not None and not (
                isinstance(note, dict) and all(isinstance(v, str) for v in note.values())
            ):
                raise bad("ensemble.note", "must be a table of texts by language")
        text = {column: csv_text for column in ("scenario", "baseline", "metric")}
        runs = _with_seed(pd.read_parquet(folder / "runs.parquet"), entropy)
        runs.attrs = {f"{key}_day": days[key] for key in ("warmup", "rollout", "end")}
        groups = pd.read_parquet(groups_file) if groups_file.is_file() else None
        return cls(
            scenarios=scenarios,
            baseline=baseline,
            replicates=replicates,
            root_entropy=entropy,
            runs=runs,
            summary=pd.read_parquet(folder / "summary.parquet"),
            effects=pd.read_csv(folder / "effects.csv", converters=text),
            days=days,
            callin_days={k: list(v) for k, v in callins.items()},
            manifest=manifest,
            groups=None if groups is None else _with_seed(groups, entropy),
            cities=pd.DataFrame(cities) if cities else None,
        )


def _with_seed(frame: pd.DataFrame, entropy: int) -> pd.DataFrame:
    """A per-run frame of a folder written before frames carried ``seed``, with it."""
    if "seed" not in frame.columns and "replicate" in frame.columns:
        at = frame.columns.get_loc("replicate") + 1
        frame.insert(at, "seed", entropy if entropy < 2**63 else str(entropy))
    return frame


def _outcomes_json(c: Comparison, num: Any) -> dict[str, Any]:
    def ci(r: Any) -> list[float | None]:
        return [num(r.ci_low), num(r.ci_high)]

    spill = c.spillover
    harm = c.harm
    return {
        "spillover": None
        if spill is None
        else [
            {
                "scenario": r.scenario,
                "baseline": r.baseline,
                "reach": r.reach,
                "groups": num(r.groups),
                "shootings": num(r.shootings),
                "baseline_shootings": num(r.baseline_shootings),
                "change_pct": num(r.change_pct),
                "ci95": ci(r),
            }
            for r in spill.itertuples()
        ],
        "harm": None
        if harm is None
        else [
            {"scenario": r.scenario, "measure": r.measure, "stat": r.stat, "mean": num(r.mean)}
            | {"ci95": ci(r)}
            for r in harm.itertuples()
        ],
        "tradeoffs": [
            {
                "scenario": r.scenario,
                "baseline": r.baseline,
                "quantity": r.quantity,
                "value": num(r.value),
                "ci95": ci(r),
            }
            for r in c.tradeoffs.itertuples()
        ],
        "time_to_effect": [
            {"scenario": r.scenario, "baseline": r.baseline, "months": num(r.months)}
            for r in c.time_to_effect.itertuples()
        ],
        "effect_trajectory": [
            {"scenario": r.scenario, "month": int(r.month), "change_pct": num(r.change_pct)}
            | {"ci95": ci(r)}
            for r in c.trajectory.itertuples()
        ],
        "unit_costs": {s.name: s.costs.model_dump(mode="json") for s in c.scenarios},
        "evaluation_power": [
            {
                "scenario": r.scenario,
                "power": num(r.power),
                "ci95": [num(r.power_ci_low), num(r.power_ci_high)],
                "years_for_80pct_power": None if not np.isfinite(r.years_80) else num(r.years_80),
                "dispersion": num(r.dispersion),
            }
            for r in c.power.itertuples()
        ],
        "intervals_cover": "chance only (paired runs of one parameter set), not model uncertainty"
        if c.ensemble is None
        else "model uncertainty and chance (parameter sets drawn from the ensemble)",
        "spread": None
        if c.spread is None
        else [
            {
                "scenario": r.scenario,
                "metric": r.metric,
                "model_share": num(r.model_share),
                "chance_share": num(r.chance_share),
                "chance_share_ci95": [num(r.chance_share_low), num(r.chance_share_high)],
                "sets_drawn": int(r.sets_drawn),
                "sets_repeated": int(r.sets_repeated),
            }
            for r in c.spread.itertuples()
        ],
        "same_city": c.same_city,
        "baseline_is_twin": c.baseline_is_twin,
    }


def _resolve(item: str | Scenario) -> tuple[Scenario, str | None]:
    if isinstance(item, Scenario):
        return item, None
    scenario = load_scenario(item)
    path = Path(item) if not _is_preset_name(item) else preset_path(item)
    return scenario, str(path)


def _is_preset_name(text: str) -> bool:
    return "/" not in text and "\\" not in text and not text.endswith(".toml")


def _file_record(scenario: Scenario, path: str | None) -> dict[str, Any]:
    digest = None
    if path is not None and Path(path).is_file():
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return {
        "name": scenario.name,
        "description": scenario.description,
        "file": path,
        "sha256": digest,
        "parameters": scenario.model_dump(mode="json"),
    }


def _versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _check_comparable(scenarios: list[Scenario], *, twin: bool = False) -> None:
    """Refuse what is not like for like: repeated names, another calendar, or a
    scenario whose city (or business as usual) is not the baseline's (the first)."""
    names = [s.name for s in scenarios]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"scenario names must differ; repeated: {', '.join(dupes)}")
    times = {s.name: s.time for s in scenarios}
    first = scenarios[0].time
    differ = [n for n, t in times.items() if t != first]
    if differ:
        raise ValueError(
            "compared scenarios must share the time settings (warm-up, rollout, horizon); "
            f"{', '.join(differ)} differ from {scenarios[0].name}"
        )
    base = scenarios[0]
    for s in scenarios[1:]:
        keys = base.city_differences(s)
        if keys:
            raise ValueError(city_refusal(base, s, keys, twin=twin))


def city_refusal(base: Scenario, scenario: Scenario, keys: list[str], *, twin: bool) -> str:
    """One line: ``scenario`` is another city than the baseline, and how to fix it."""
    shown = ", ".join(keys[:6]) + (f" and {len(keys) - 6} more" if len(keys) > 6 else "")
    if not twin:
        match = _matching_baseline(scenario)
        fix = (
            f"leave the baseline out to compare it with business as usual of its own city "
            f"(gvi compare {scenario.name}), or give a baseline whose city settings match"
            + (f" (the preset {match})" if match else "")
        )
    else:
        fix = f"compare each city on its own (gvi compare {scenario.name})"
    return f"{scenario.name} is not the same city as {base.name}: {shown} differ; {fix}"


def _matching_baseline(scenario: Scenario) -> str | None:
    """A shipped business-as-usual preset of the same city as ``scenario``, if any."""
    from scenarios import ScenarioError, list_presets

    for name, _ in list_presets():
        try:
            preset = load_scenario(name)
        except ScenarioError:
            continue
        if not preset.intervention and not preset.city_differences(scenario):
            return name
    return None


def plan(items: list[str | Scenario]) -> tuple[list[Scenario], list[str | None], bool]:
    """The scenarios to run, first the baseline, their files, and whether the baseline
    is the scenarios' own business as usual (their twin) rather than a named one.

    A first scenario with no policy switched on is the named baseline; otherwise every
    scenario is compared with the twin of the first (same city, calendar and seeds,
    every policy off). Scenarios of another city than the baseline are refused."""
    if not items:
        raise ValueError("give at least one scenario to compare with business as usual")
    resolved = [_resolve(s) for s in items]
    first = resolved[0][0]
    if not first.intervention:
        if len(resolved) == 1:
            raise ValueError(
                f"{first.name} has no policy switched on: give a scenario to compare with it "
                f"(e.g. gvi compare {first.name} gvi), or a rollout alone to compare it with "
                "its own business as usual"
            )
        scs, files, twin = [s for s, _ in resolved], [p for _, p in resolved], False
    else:
        scs = [first.baseline_twin(), *(s for s, _ in resolved)]
        files, twin = [None, *(p for _, p in resolved)], True
    _check_comparable(scs, twin=twin)
    return scs, files, twin


def compare(
    scenarios: list[str | Scenario],
    *,
    replicates: int = 50,
    seed: int | None = 1,
    workers: int | None = None,
    executor: Executor | None = None,
    progress: bool = False,
    command: str | None = None,
    ensemble: str | os.PathLike[str] | ensembles.Ensemble | None = ensembles.SHIPPED_DEFAULT,
) -> Comparison:
    """Run every scenario ``replicates`` times with common random numbers and compare
    each with business as usual of its own city: the first scenario when it has no
    policy switched on, else the scenarios' baseline twin (see :func:`plan`). A scenario
    of another city is refused (ValueError). ``seed=None`` draws a fresh root seed
    (recorded).

    ``ensemble``: by default the posterior ensemble shipped with the package (while none
    is shipped, the fixed parameters); or a folder or a loaded
    :class:`~experiments.ensemble.Ensemble`. Replicate ``r`` runs a parameter set drawn
    from it by weight (from the root seed), the same set and seed in every scenario, so
    the intervals of the average effects cover model uncertainty and chance
    (:attr:`Comparison.spread` has the range of single runs). It may set only parameters that
    are not plan levers; a calibrated parameter the compared scenarios all set to the
    same value keeps that value (recorded as ``kept``). Otherwise, or when it was made
    for other model code, it is refused (:class:`~experiments.ensemble.EnsembleConflict`,
    a ValueError). ``ensemble=None``: every replicate runs the scenarios' own (fixed)
    parameters, and the intervals cover chance only."""
    if replicates < 2:
        raise ValueError(f"replicates must be at least 2 for intervals, got {replicates}")
    scs, files, twin = plan(list(scenarios))
    ens, where = ensembles.resolve(ensemble)
    kept: dict[str, Any] = {}
    if ens is not None:
        ensembles.check_identity(ens, where)
        kept = ensembles.check_parameters(ens, scs, files, where)
    check_comparison(scs, replicates, workers)
    started = datetime.now(UTC)
    entropy = root_entropy(seed)
    if ens is None:
        tasks = [Task(sc, r, entropy) for sc in scs for r in range(replicates)]
    else:
        drawn = ensembles.draws(ens, replicates, entropy)
        chosen = ensembles.by_set(ens, list(kept))
        runs_of = {
            (sc.name, k): sc.with_updates(chosen[k]) for sc in scs for k in set(drawn.tolist())
        }
        tasks = [
            Task(runs_of[sc.name, int(drawn[r])], r, entropy)
            for sc in scs
            for r in range(replicates)
        ]
    results = run_tasks(tasks, executor=executor, workers=workers, progress=progress)
    comparison = assemble(scs, results, replicates=replicates, entropy=entropy)
    if ens is not None:
        _label_sets(comparison, drawn)
    comparison.manifest = {
        "kind": "comparison",
        "scenarios": [_file_record(s, p) for s, p in zip(scs, files, strict=True)],
        "baseline": scs[0].name,
        "baseline_is_twin": twin,
        "replicates": replicates,
        "root_seed": seed,
        "root_seed_entropy": str(entropy),
        "seeds": "replicate r uses SeedSequence(root_seed_entropy).spawn_key + (r,) in every "
        "scenario (common random numbers)",
        "days": comparison.days,
        "callin_days": comparison.callin_days,
        "cities": comparison.cities.to_dict("records") if comparison.cities is not None else None,
        "versions": _versions(),
        "model": model_identity(),
        "started": started.isoformat(),
        "finished": datetime.now(UTC).isoformat(),
        "command": command or " ".join(sys.argv),
    }
    if ens is not None:
        comparison.manifest["ensemble"] = {
            **ensembles.record(ens, where, drawn, kept),
            "calibrated_for": ens.provenance.get("model"),
            "rule": ENSEMBLE_RULE,
        }
    return comparison


def _label_sets(comparison: Comparison, drawn: np.ndarray) -> None:
    """Add ``parameter_set`` (after ``seed``) to the per-run frames."""
    for frame in (comparison.runs, comparison.groups):
        if frame is not None:
            at = frame.columns.get_loc("seed") + 1
            sets = drawn[frame["replicate"].to_numpy()]
            frame.insert(at, "parameter_set", pd.Series(sets, index=frame.index, dtype="int64"))


def assemble(
    scs: list[Scenario], results: list[RunResult], *, replicates: int, entropy: int
) -> Comparison:
    """Frames, summary and effects from the runs."""
    first = results[0]
    days = {"warmup": first.warmup_day, "rollout": first.rollout_day, "end": first.end_day}
    runs = pd.concat([r.frame() for r in results], ignore_index=True)
    runs.attrs = first.calendar
    names = [s.name for s in scs]
    values = period_values(
        runs, warmup_day=days["warmup"], rollout_day=days["rollout"], end_day=days["end"]
    )
    summary = summarise(values, names)
    eff = compute_effects(values, baseline=names[0], scenarios=names, seed=entropy % (2**31))
    callins: dict[str, list[int]] = {}
    for name in names:
        counts: dict[int, int] = {}
        for r in results:
            if r.scenario == name:
                for d in set(r.callin_days):
                    counts[d] = counts.get(d, 0) + 1
        callins[name] = sorted(d for d, c in counts.items() if c * 2 >= replicates)
    frames = [r.group_frame() for r in results if r.groups is not None]
    groups = pd.concat(frames, ignore_index=True) if len(frames) == len(results) else None
    return Comparison(
        scs,
        names[0],
        replicates,
        entropy,
        runs,
        summary,
        eff,
        days,
        callins,
        groups=groups,
        cities=city_table(scs, results, summary),
    )


def city_table(
    scs: list[Scenario], results: list[RunResult], summary: pd.DataFrame
) -> pd.DataFrame:
    """Per scenario, the city it ran in: groups, founding members (mean over runs), the
    background hazard and shootings per year before the rollout (mean over runs)."""
    rows = []
    for s in scs:
        own = [r for r in results if r.scenario == s.name]
        pre = summary[(summary["scenario"] == s.name) & (summary["metric"] == "shootings")]
        rows.append(
            {
                "scenario": s.name,
                "groups": own[0].n_groups if own else 0,
                "members": float(np.mean([r.members for r in own])) if own else float("nan"),
                "base_hazard": s.violence.base_hazard,
                "audit": s.city.audit_dir is not None,
                "shootings_pre_per_year": float(pre["pre_per_year"].iloc[0]),
            }
        )
    return pd.DataFrame(rows)


def _at(where: str, _loc: object) -> tuple[str, int]:
    """Every problem of a stored scenario record is reported at the record."""
    return (where, 0)
