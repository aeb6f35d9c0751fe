"""Shared fixtures for the model tests: tiny, fast scenarios and a runner.

A *tiny* scenario is a preset shrunk to a few groups with no warm-up and a short
horizon, with a raised background hazard so that each run still holds dozens of
shootings; one run takes a few hundredths of a second.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from model import GVIModel
from scenarios import Scenario, load_scenario

EXAMPLE_AUDIT = Path(__file__).resolve().parent.parent / "scenarios" / "audits" / "example"

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


def make_tiny(preset: str = "baseline", updates: dict[str, Any] | None = None) -> Scenario:
    """The preset shrunk by :data:`TINY`, then changed by ``updates`` (dotted keys)."""
    base = load_scenario(preset)
    changes: dict[str, Any] = {**TINY, "name": f"tiny-{preset}"}
    if base.partnership.lapse_day is not None:
        changes["partnership.lapse_day"] = 60
    changes.update(updates or {})
    return base.with_updates(changes)


def run_model(scenario: Scenario, seed: int = 0) -> GVIModel:
    """A model of ``scenario`` run to its horizon."""
    model = GVIModel(scenario, rng=seed)
    model.run_model()
    return model


@pytest.fixture(scope="session")
def tiny() -> Callable[..., Scenario]:
    """Factory: ``tiny(preset="baseline", updates=None) -> Scenario``."""
    return make_tiny


@pytest.fixture(scope="session")
def run() -> Callable[..., GVIModel]:
    """Runner: ``run(scenario, seed=0) -> GVIModel`` (run to the horizon)."""
    return run_model


@pytest.fixture(scope="session")
def example_audit() -> Path:
    """The group audit shipped as an example."""
    return EXAMPLE_AUDIT
