"""Comparing scenarios against a baseline: replicates with common random numbers,
effects with intervals, stored results and the report.

    >>> from experiments import compare
    >>> c = compare(["baseline", "gvi"], replicates=50, seed=1)   # doctest: +SKIP
    >>> c.effects.query("metric == 'shootings'")                   # doctest: +SKIP
    >>> c.report("report.html")                                    # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from scenarios import Scenario, load_scenario, preset_path

from .effects import effects as compute_effects
from .effects import period_values, summarise
from .outcomes import Outcomes
from .outcomes import compute as compute_outcomes
from .output import atomic_text, atomic_write
from .runner import RunResult, Task, root_entropy, run_tasks

PACKAGES = ("gvi-sim", "mesa", "numpy", "pandas", "pyarrow", "pydantic", "matplotlib", "scipy")


@dataclass
class Comparison:
    """Results of a comparison: tidy frames and what is needed to rebuild the report."""

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

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.scenarios]

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

    def report(self, path: str | os.PathLike[str], *, lang: str = "en") -> Path:
        """Write the self-contained HTML report; returns its path."""
        from .report import render_report

        path = Path(path)
        atomic_text(render_report(self, lang=lang), path)
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
        atomic_write(out / "summary.csv", lambda p: self.summary.to_csv(p, index=False))
        atomic_write(out / "effects.csv", lambda p: self.effects.to_csv(p, index=False))
        if self.groups is not None:
            groups = self.groups
            atomic_write(out / "groups.parquet", lambda p: groups.to_parquet(p, index=False))
        atomic_text(json.dumps(self.manifest, indent=2, default=str), out / "manifest.json")
        self.report(out / "report.html", lang=lang)
        return out

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> Comparison:
        """Read a saved comparison back (for ``gvi report DIR``); folders written before
        per-group results were kept have ``groups`` None."""
        folder = Path(folder)
        groups_file = folder / "groups.parquet"
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        scenarios = [Scenario.model_validate(s["parameters"]) for s in manifest["scenarios"]]
        return cls(
            scenarios=scenarios,
            baseline=manifest["baseline"],
            replicates=int(manifest["replicates"]),
            root_entropy=int(manifest["root_seed_entropy"]),
            runs=pd.read_parquet(folder / "runs.parquet"),
            summary=pd.read_parquet(folder / "summary.parquet"),
            effects=pd.read_csv(folder / "effects.csv"),
            days={k: int(v) for k, v in manifest["days"].items()},
            callin_days={k: [int(d) for d in v] for k, v in manifest["callin_days"].items()},
            manifest=manifest,
            groups=pd.read_parquet(groups_file) if groups_file.is_file() else None,
        )


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


def _check_comparable(scenarios: list[Scenario]) -> None:
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


def compare(
    scenarios: list[str | Scenario],
    *,
    replicates: int = 50,
    seed: int | None = 1,
    workers: int | None = None,
    executor: Executor | None = None,
    progress: bool = False,
    command: str | None = None,
) -> Comparison:
    """Run every scenario ``replicates`` times with common random numbers and compare
    each with the first (the baseline). ``seed=None`` draws a fresh root seed (recorded)."""
    if len(scenarios) < 2:
        raise ValueError("give a baseline and at least one scenario to compare with it")
    if replicates < 2:
        raise ValueError(f"replicates must be at least 2 for intervals, got {replicates}")
    resolved = [_resolve(s) for s in scenarios]
    scs = [s for s, _ in resolved]
    _check_comparable(scs)
    started = datetime.now(UTC)
    entropy = root_entropy(seed)
    tasks = [Task(sc, r, entropy) for sc in scs for r in range(replicates)]
    results = run_tasks(tasks, executor=executor, workers=workers, progress=progress)
    comparison = assemble(scs, results, replicates=replicates, entropy=entropy)
    comparison.manifest = {
        "kind": "comparison",
        "scenarios": [_file_record(s, p) for s, p in resolved],
        "baseline": scs[0].name,
        "replicates": replicates,
        "root_seed": seed,
        "root_seed_entropy": str(entropy),
        "seeds": "replicate r uses SeedSequence(root_seed_entropy).spawn_key + (r,) in every "
        "scenario (common random numbers)",
        "days": comparison.days,
        "callin_days": comparison.callin_days,
        "versions": _versions(),
        "started": started.isoformat(),
        "finished": datetime.now(UTC).isoformat(),
        "command": command or " ".join(sys.argv),
    }
    return comparison


def assemble(
    scs: list[Scenario], results: list[RunResult], *, replicates: int, entropy: int
) -> Comparison:
    """Frames, summary and effects from the runs."""
    first = results[0]
    days = {"warmup": first.warmup_day, "rollout": first.rollout_day, "end": first.end_day}
    runs = pd.concat([r.frame() for r in results], ignore_index=True)
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
        scs, names[0], replicates, entropy, runs, summary, eff, days, callins, groups=groups
    )
