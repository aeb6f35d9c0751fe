"""The equivalence check of issue 14 (``benchmarks/equivalence.py``): its verdict on
synthetic samples, Holm's adjustment on a hand example, the per-replicate figures of a
tree (mirroring ``gvi check-patterns``), and a tiny run of the working tree against
itself through the child processes (identical draws)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
from cityhelpers import TINY

from experiments.patterns import check_patterns
from model.streams import as_seed_sequence, child
from scenarios import load_scenario

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import equivalence as eq  # noqa: E402

N = 200
SHORT = {**TINY, "time.horizon_days": 760}  # the tiny city over two years (drift defined)


def _samples(k: int = 5, seed: int = 20240611) -> tuple[dict, dict]:
    """``k`` statistics, each with a reference and a current sample of ``N`` standard
    normal values (one stream, fixed seed)."""
    rng = np.random.default_rng(seed)
    ref = {f"s{i}": list(rng.normal(0.0, 1.0, N)) for i in range(k)}
    cur = {f"s{i}": list(rng.normal(0.0, 1.0, N)) for i in range(k)}
    return ref, cur


def test_holm_on_a_hand_example():
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1: 0.02, 0.03, 0.06, 0.04 -> 0.06
    # (kept monotone), returned in the input's order
    adjusted = eq.holm([0.01, 0.04, 0.03, 0.005])
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert eq.holm([0.5, 0.6]) == [1.0, 1.0]  # capped at 1
    assert eq.holm([]) == []


def test_same_distribution_is_indistinguishable():
    ref, cur = _samples()
    verdict = eq.compare_samples(ref, cur)
    assert verdict.indistinguishable
    assert verdict.n_tests == 10
    for row in verdict.rows:
        assert row.n_ref == row.n_cur == N
        assert row.ci_low < 0 < row.ci_high  # the true difference is 0
        assert row.ks_holm >= row.ks_p and row.mw_holm >= row.mw_p


def test_a_shift_of_half_a_standard_deviation_is_flagged():
    ref, cur = _samples()
    cur["s2"] = [x + 0.5 for x in cur["s2"]]
    verdict = eq.compare_samples(ref, cur)
    assert not verdict.indistinguishable
    assert [r.key for r in verdict.rows if r.differs] == ["s2"]
    shifted = verdict.rows[2]
    assert shifted.ci_low < 0.5 < shifted.ci_high
    assert max(shifted.ks_holm, shifted.mw_holm) < 0.05


def test_identical_samples_and_undefined_values():
    same = _samples(1)[0]["s0"]
    verdict = eq.compare_samples(
        {"a": same, "b": [math.nan] * 3, "c": [1.0, 1.0, math.nan]},
        {"a": list(same), "b": [math.nan] * 3, "c": [1.0, 1.0, 1.0]},
    )
    assert verdict.indistinguishable
    a, b, c = verdict.rows
    assert (a.ks_p, a.mw_p, a.diff) == (1.0, 1.0, 0.0)
    assert (b.n_ref, b.n_cur) == (0, 0)  # undefined in both trees: nothing to compare
    assert (c.n_ref, c.n_cur) == (2, 3)
    # defined in one tree only is a difference
    one_sided = eq.compare_samples({"x": [math.nan] * 4}, {"x": [1.0, 2.0, 3.0, 4.0]})
    assert one_sided.rows[0].ks_p == 0.0


def test_replicate_seeds_are_those_of_check_patterns():
    for r in range(3):
        ours = eq.replicate_seed(1, r)
        theirs = child(as_seed_sequence(1), r)
        assert ours.generate_state(4).tolist() == theirs.generate_state(4).tolist()


def _nan_equal(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b)


def test_a_tree_in_process_mirrors_check_patterns():
    """The per-replicate figures of the working tree (tiny city, in this process): the
    same twice, every statistic defined where it can be, and the pooled values equal to
    what ``gvi check-patterns`` reports for the same seeds."""
    spec = {"tree": str(ROOT), "replicates": [0, 1], "root": 1, "updates": SHORT}
    first = eq.child_run(spec)["records"]
    again = eq.child_run({**spec, "replicates": [1, 0]})["records"]
    assert eq.identical(first, again)
    values = eq.per_replicate(first)
    assert list(values) == list(eq.STATISTICS)
    assert all(len(v) == 2 for v in values.values())
    for key in ("baseline.drift", "effect.shootings", "gvi.lag_median"):
        assert all(math.isfinite(x) for x in values[key]), key
    assert not eq.identical(first, first[:1])

    pooled = eq.pooled_patterns(first)
    for preset in eq.PRESETS:
        scenario = load_scenario(preset).with_updates(SHORT)
        for result in check_patterns(scenario, seeds=2, seed=1):
            assert _nan_equal(pooled[f"{preset}.{result.pattern.key}"], result.value), (
                preset,
                result.pattern.key,
            )


def test_bad_usage_is_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as stop:
        eq.main(["--seeds", "1"])
    assert stop.value.code == 2
    assert eq.main(["--ref", "no-such-commit-anywhere", "--seeds", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == "equivalence: error: unknown commit 'no-such-commit-anywhere'"


@pytest.mark.slow
def test_working_tree_against_itself_through_children():
    """Two tiny replicates per tree, each tree in its own child processes: identical
    draws, indistinguishable, and each child imported the working tree's model."""
    summary, verdict = eq.equivalence(
        ref_tree=ROOT, current_tree=ROOT, seeds=2, workers=2, updates=TINY
    )
    assert summary["identical"]
    assert verdict.indistinguishable
    for files in summary["model_files"].values():
        assert files == [str(ROOT / "model" / "__init__.py")]
    assert summary["sources"]["ref"] == summary["sources"]["current"]
    assert eq.changed_sources(summary) == []
    text = eq.report_markdown(summary, verdict)
    assert "identical draws" in text
    assert text.count("\n| ") == len(eq.STATISTICS) + 1 + len(summary["pooled"]["ref"]) + 1
