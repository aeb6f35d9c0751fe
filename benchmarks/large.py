"""A national-scale city over its full horizon: time and peak memory (opt-in, long).

Issue 14's target is a 500,000-member city in at most 2 minutes and 1 GB. The city is
the ``gvi`` preset with more and larger groups: as many groups as 500,000 members need
at the preset's mean group size, and then larger groups, each capped by the range the
scenario schema admits (``city.n_groups``, ``city.group_size_mean``); the spread of group
sizes keeps the preset's ratio to the mean. While the schema caps the city below
500,000 members the run is of the largest city it admits, and the figures for 500,000
members are extrapolated linearly from it (issue 14: time and memory grow about
linearly with members, on a floor of imported libraries) and marked as such.

One run (seed 1) in a fresh child process; its peak RSS is the kernel's ``VmHWM``.
Verdicts use CPU time (the wall time on a busy shared machine is shown alongside).
"""

from __future__ import annotations

import math
from typing import Any

from scenarios import load_scenario
from scenarios.schema import CityParams

from .common import ROOT, check, run_child

TARGET_MEMBERS = 500_000
TIME_TARGET_S = 120.0
RSS_TARGET_MB = 1024.0


def _upper(field: str) -> float:
    """The schema's upper bound of ``city.<field>``."""
    for bound in CityParams.model_fields[field].metadata:
        if hasattr(bound, "le"):
            return float(bound.le)
    return math.inf


def city_updates(members: int = TARGET_MEMBERS) -> dict[str, Any]:
    """Scenario updates for a city of about ``members`` members, within the schema."""
    city = load_scenario("gvi").city
    n_groups = int(min(_upper("n_groups"), math.ceil(members / city.group_size_mean)))
    mean = min(_upper("group_size_mean"), max(city.group_size_mean, members / n_groups))
    sd = min(_upper("group_size_sd"), city.group_size_sd * mean / city.group_size_mean)
    return {"city.n_groups": n_groups, "city.group_size_mean": mean, "city.group_size_sd": sd}


def run_large(fraction: float = 1.0) -> dict[str, Any]:
    """One full run of the large city (``fraction`` of 500,000 members), in a child."""
    target = int(TARGET_MEMBERS * fraction)
    updates = city_updates(target)
    floor = run_child(ROOT, {"preset": "gvi", "runs": [{"name": "small", "seed": 1}]})
    child = run_child(
        ROOT, {"preset": "gvi", "runs": [{"name": "large", "seed": 1, "updates": updates}]}
    )
    run = child["runs"]["large"]
    scale = TARGET_MEMBERS / run["members"]
    base_rss = floor["peak_rss_mb"]
    return {
        "target_members": target,
        "updates": updates,
        "members": run["members"],
        "groups": run["groups"],
        "days": run["days"],
        "wall_s": run["wall_s"],
        "cpu_s": run["cpu_s"],
        "build_cpu_s": run["build_cpu_s"],
        "peak_rss_mb": child["peak_rss_mb"],
        "floor_rss_mb": base_rss,
        "blas": child["blas"],
        "extrapolated": run["members"] < TARGET_MEMBERS,
        "cpu_s_at_500k": run["cpu_s"] * scale,
        "peak_rss_mb_at_500k": base_rss + (child["peak_rss_mb"] - base_rss) * scale,
    }


def checks(result: dict[str, Any]) -> list[dict[str, Any]]:
    tag = " (extrapolated)" if result["extrapolated"] else ""
    return [
        check(f"500k city, CPU s{tag}", result["cpu_s_at_500k"], "<=", TIME_TARGET_S),
        check(f"500k city, peak RSS MB{tag}", result["peak_rss_mb_at_500k"], "<=", RSS_TARGET_MB),
    ]


def report(result: dict[str, Any]) -> str:
    lines = [
        "",
        f"large city: {result['members']:,} members in {result['groups']} groups "
        f"({result['days']} days; asked for {result['target_members']:,})",
        f"  {result['cpu_s']:.1f} s CPU ({result['build_cpu_s']:.1f} s of it building the "
        f"city), {result['wall_s']:.1f} s wall; peak RSS {result['peak_rss_mb']:.0f} MB "
        f"(a default run's process: {result['floor_rss_mb']:.0f} MB)",
    ]
    if result["extrapolated"]:
        why = (
            "the schema admits no larger city"
            if result["target_members"] >= TARGET_MEMBERS
            else "a reduced city was asked for"
        )
        lines.append(
            f"  {why} ({result['updates']}); linear to 500,000 members: "
            f"{result['cpu_s_at_500k']:.0f} s CPU, {result['peak_rss_mb_at_500k']:.0f} MB"
        )
    return "\n".join(lines)
