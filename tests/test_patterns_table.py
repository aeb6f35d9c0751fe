"""The published patterns are declared once (experiments/patterns.py): docs/validation.md
shows the declared table, and every check reads its targets from it."""

from __future__ import annotations

import dataclasses
import math

import pytest

from experiments.patterns import (
    PATTERNS,
    Level,
    Pattern,
    PatternResult,
    Use,
    check_patterns,
    patterns_for,
    target_text,
)
from gvi.docs import VALIDATION, splice_patterns
from gvi.patterntable import PATTERNS_BEGIN, PATTERNS_END


def test_validation_doc_table_matches_the_declaration() -> None:
    text = VALIDATION.read_text(encoding="utf-8")
    assert PATTERNS_BEGIN in text and PATTERNS_END in text
    assert splice_patterns(text) == text, "run `make docs` to refresh docs/validation.md"
    for key in PATTERNS:
        assert f"`{key}`" in text


def test_every_pattern_is_complete_and_used() -> None:
    for key, p in PATTERNS.items():
        assert p.key == key
        assert p.name and p.statistic and p.unit and p.source
        assert isinstance(p.level, Level)
        assert p.used_in and all(isinstance(u, Use) for u in p.used_in)
        assert p.low is not None or p.high is not None, key
    assert {p.key for p in patterns_for(Use.CHECK_PATTERNS)} == {
        "volume",
        "stationarity",
        "concentration",
        "retaliation_share",
        "retaliation_lag",
        "retaliation_lag_mean",
        "cascade_size",
        "follow_on_concentration",
    }
    assert len(patterns_for(Use.VALIDATE_MODEL)) == len(PATTERNS)


def test_patterns_are_frozen_and_bounds_ordered() -> None:
    p = PATTERNS["retaliation_share"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.low = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="low 2"):
        dataclasses.replace(p, low=2.0, high=1.0)


def _pattern(low: float | None, high: float | None, *, strict: bool = False) -> Pattern:
    return dataclasses.replace(PATTERNS["volume"], low=low, high=high, strict=strict)


@pytest.mark.parametrize(
    ("low", "high", "strict", "value", "holds"),
    [
        (1.0, 2.0, False, 1.0, True),
        (1.0, 2.0, False, 2.0, True),
        (1.0, 2.0, False, 2.0001, False),
        (1.0, None, False, 1e9, True),
        (None, 0.5, False, -1e9, True),
        (0.0, None, True, 0.0, False),
        (0.0, None, True, 1e-12, True),
        (None, 0.0, True, 0.0, False),
        (None, 0.0, True, -1e-12, True),
        (1.0, 2.0, False, math.nan, False),
        (1.0, None, False, math.inf, False),
    ],
)
def test_holds_known_answers(low, high, strict, value, holds) -> None:
    assert _pattern(low, high, strict=strict).holds(value) is holds


def test_band_opens_to_infinity() -> None:
    assert PATTERNS["retaliation_lag"].band() == (62.0, 104.0)
    assert PATTERNS["concentration"].band() == (0.5, math.inf)
    assert PATTERNS["support_only"].band() == (-math.inf, 0.5)


def test_target_text() -> None:
    assert target_text(None, None) == "-"
    assert target_text(0.5, None) == ">= 0.5"
    assert target_text(None, 0.0, strict=True) == "< 0"
    assert target_text(0.4, 0.75) == "0.4 to 0.75"
    assert PATTERNS["gvi_effect"].target_text.startswith("-60 to -20, ")


def test_pattern_result_of_a_default_city_target_has_no_verdict() -> None:
    info = PatternResult(PATTERNS["volume"], 500.0, checked=False)
    assert info.passed and (info.low, info.high, info.target) == (None, None, "-")
    assert info.to_dict()["key"] == "volume"
    checked = PatternResult(PATTERNS["volume"], 500.0, checked=True)
    assert not checked.passed and checked.low == PATTERNS["volume"].low


def test_check_patterns_reads_the_table(tiny) -> None:
    results = check_patterns(tiny("gvi"), seeds=2, seed=1)
    assert [r.pattern for r in results] == patterns_for(Use.CHECK_PATTERNS)
    for r in results:
        p = r.pattern
        assert r.checked is not p.default_city_only
        if r.checked:
            assert (r.low, r.high) == (p.low, p.high)
            assert r.passed is p.holds(r.value)
