"""The tiny test city, declared once: as a scenario object and as a scenario file.

A *tiny* scenario is a preset shrunk to a few groups with no warm-up and a short
horizon, with a raised background hazard so that each run still holds dozens of
shootings; one run takes a few hundredths of a second. Tests reach it through the
fixtures ``tiny`` and ``tiny_toml`` of ``tests/conftest.py``; this plain module exists so
that the fixtures (and nothing else) import it by an unambiguous name.
"""

from __future__ import annotations

from typing import Any

from scenarios import Scenario, load_scenario

# Dotted-key updates that turn any preset into a tiny, fast scenario.
TINY: dict[str, Any] = {
    "time.warmup_days": 0,
    "time.horizon_days": 180,
    "time.rollout_day": 30,
    "city.n_groups": 6,
    "city.group_size_mean": 12.0,
    "city.group_size_sd": 3.0,
    "city.rivals_per_group": 3.0,
    "violence.base_hazard": 0.001,
    "callins.first_day": 5,
    "callins.interval_days": 30,
}
# A partnership that lapses must lapse inside the tiny horizon.
TINY_LAPSE_DAY = 60


def tiny_updates(preset: str) -> dict[str, Any]:
    """The dotted-key updates that shrink ``preset`` (``TINY``, plus an earlier lapse
    when the preset's partnership lapses)."""
    changes = dict(TINY)
    if load_scenario(preset).partnership.lapse_day is not None:
        changes["partnership.lapse_day"] = TINY_LAPSE_DAY
    return changes


def make_tiny(preset: str = "baseline", updates: dict[str, Any] | None = None) -> Scenario:
    """The preset shrunk by :data:`TINY`, then changed by ``updates`` (dotted keys)."""
    base = load_scenario(preset)
    changes: dict[str, Any] = {**tiny_updates(preset), "name": f"tiny-{preset}"}
    changes.update(updates or {})
    return base.with_updates(changes)


def tiny_toml(preset: str = "gvi", name: str = "tiny") -> str:
    """The same tiny city as the text of a scenario file that extends ``preset``."""
    sections: dict[str, list[str]] = {}
    for key, value in tiny_updates(preset).items():
        section, field = key.split(".")
        sections.setdefault(section, []).append(f"{field} = {value!r}")
    lines = [f'name = "{name}"', f'extends = "{preset}"']
    for section, fields in sections.items():
        lines += [f"[{section}]", *fields]
    return "\n".join(lines) + "\n"
