"""Shared fixtures for the model tests: the tiny city (declared once, in
``tests/cityhelpers.py``), as a scenario and as a scenario file, and a runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cityhelpers import make_tiny, tiny_toml

from model import GVIModel
from scenarios import Scenario

EXAMPLE_AUDIT = Path(__file__).resolve().parent.parent / "scenarios" / "audits" / "example"


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
def tiny_file() -> Callable[..., str]:
    """Factory: ``tiny_file(preset="gvi", name="tiny") -> str``, the tiny city as the
    text of a scenario file that extends ``preset``."""
    return tiny_toml


@pytest.fixture(scope="session")
def run() -> Callable[..., GVIModel]:
    """Runner: ``run(scenario, seed=0) -> GVIModel`` (run to the horizon)."""
    return run_model


@pytest.fixture(scope="session")
def example_audit() -> Path:
    """The group audit shipped as an example."""
    return EXAMPLE_AUDIT
