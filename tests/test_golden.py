"""Same seed, same outputs: every preset's daily metrics and event log match the digests
recorded before the last refactor (see tests/golden.py)."""

from __future__ import annotations

import json

import pytest
from golden import GOLDEN, digests


def _cases() -> list[str]:
    return sorted(json.loads(GOLDEN.read_text()))


@pytest.mark.parametrize("case", _cases())
def test_outputs_match_the_golden_digests(case: str) -> None:
    preset, seed = case.split("/")
    assert digests(preset, int(seed)) == json.loads(GOLDEN.read_text())[case]
