"""The tiny test city has one declaration: its scenario-file form is the same city."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios import load_scenario

NAMING = {"name", "title", "title_sv", "description", "description_sv"}


@pytest.mark.parametrize("preset", ["baseline", "gvi", "gvi_lapse"])
def test_the_tiny_file_is_the_tiny_scenario(tmp_path: Path, tiny, tiny_file, preset) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text(tiny_file(preset), encoding="utf-8")
    loaded = load_scenario(path).model_dump(exclude=NAMING)
    assert loaded == tiny(preset).model_dump(exclude=NAMING)
    assert loaded["time"]["horizon_days"] < load_scenario(preset).time.horizon_days
