"""The docs stay true to the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from gvi.docs import ODD, splice_table
from scenarios import list_presets, parameters

ROOT = Path(__file__).resolve().parent.parent


def test_odd_parameter_table_matches_the_schema() -> None:
    text = ODD.read_text(encoding="utf-8")
    assert splice_table(text) == text, "run `make docs` to refresh docs/ODD.md"
    for spec in parameters():
        assert f"`{spec.path}`" in text


def test_odd_has_the_seven_elements() -> None:
    text = ODD.read_text(encoding="utf-8")
    for heading in (
        "Purpose and patterns",
        "Entities, state variables and scales",
        "Process overview and scheduling",
        "Design concepts",
        "Initialization",
        "Input data",
        "Submodels",
    ):
        assert heading in text


def test_readme_starts_with_the_two_setup_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = text[text.index("## Quick start") :]
    assert quick.index("make demo") < quick.index("make test") < quick.index("## Who")


def test_readme_lists_every_preset() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, _ in list_presets():
        assert f"`{name}`" in text


def test_the_checks_tables_are_generated_from_the_stored_checks() -> None:
    from gvi.docs import CALIBRATION, VALIDATION, splice_checks

    for path in (VALIDATION, CALIBRATION):
        text = path.read_text(encoding="utf-8")
        assert splice_checks(text) == text, f"run `make docs` to refresh {path.name}"


def test_make_demos_figures_are_generated_from_the_stored_records() -> None:
    """README.md, docs/ODD.md and docs/calibration.md give `make demo`'s figures as
    gvi.demofigures writes them from docs/calibration/shipped/demo*.json."""
    from gvi.demofigures import BLOCKS, splice_demo

    for doc in sorted({b.doc for b in BLOCKS}):
        text = (ROOT / doc).read_text(encoding="utf-8")
        assert splice_demo(text, doc) == text, f"run `make docs` to refresh {doc}"


def test_the_baseline_patterns_are_generated_and_are_what_check_patterns_gives() -> None:
    """README.md and docs/ODD.md give the fixed defaults' baseline patterns as
    gvi.checkstable writes them from the stored checks with --fixed-parameters, and
    `gvi check-patterns baseline` over the same seeds gives those values now."""
    from experiments.patterns import check_patterns
    from gvi.checkstable import load_checks
    from gvi.docs import README, splice_baseline
    from scenarios import load_scenario

    for path, doc in ((README, "readme"), (ODD, "odd")):
        text = path.read_text(encoding="utf-8")
        assert splice_baseline(text, doc) == text, f"run `make docs` to refresh {path.name}"
    _, fixed = load_checks()
    stored = {c["key"]: c["value"] for c in fixed["checks"]}
    now = check_patterns(load_scenario("baseline"), seeds=fixed["replicates"], seed=fixed["seed"])
    assert len(now) == 8
    for r in now:  # the stored checks keep 4 decimals
        assert r.value == pytest.approx(stored[r.pattern.key], abs=1e-4), r.pattern.key
