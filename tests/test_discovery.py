"""Scenario discovery (experiments.discovery, gvi discover): PRIM finds a known box, the
words of a box, bad input, and a killed run that resumes without redoing its runs."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.discovery import Box, Restriction, Rule, cart_boxes, prim_boxes
from gvi.cli import main

ROOT = Path(__file__).resolve().parents[1]


def synthetic(n: int = 800, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """Six inputs on [0, 1]; failures exactly where a < 0.4 and c > 0.7."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(0, 1, (n, 6)), columns=list("abcdef"))
    return x, ((x["a"] < 0.4) & (x["c"] > 0.7)).to_numpy()


def test_prim_recovers_a_known_box() -> None:
    x, y = synthetic()
    boxes = prim_boxes(x, y)
    box = boxes[0]
    assert box.coverage >= 0.9 and box.density >= 0.9
    limits = {r.path: r for r in box.restrictions}
    assert set(limits) == {"a", "c"}
    assert (
        limits["a"].upper
        and not limits["a"].lower
        and limits["a"].high == pytest.approx(0.4, abs=0.03)
    )
    assert (
        limits["c"].lower
        and not limits["c"].upper
        and limits["c"].low == pytest.approx(0.7, abs=0.03)
    )


def test_cart_finds_the_same_box() -> None:
    x, y = synthetic()
    leaf = cart_boxes(x, y)[0]
    assert leaf.density >= 0.9
    assert {r.path for r in leaf.restrictions} <= {"a", "c"}


def test_no_failures_no_boxes() -> None:
    x, y = synthetic()
    assert prim_boxes(x, np.zeros_like(y)) == [] and cart_boxes(x, np.ones_like(y)) == []


def test_rule_counts_weak_cuts_and_arrests() -> None:
    frame = pd.DataFrame(
        {"change_pct": [-30.0, -5.0, 3.0, -40.0], "arrests_change_pct": [0, 0, 0, 80]}
    )
    assert Rule().failed(frame).tolist() == [False, True, True, False]
    assert Rule(-10, 50).failed(frame).tolist() == [False, True, True, True]


def test_a_box_in_words_en_and_sv() -> None:
    from experiments.decision import lever
    from experiments.discovery import Discovery
    from gvi.report.decision import box_sentence
    from scenarios import load_scenario

    space = [lever("enforcement.fidelity"), lever("enforcement.delay_days")]
    box = Box(
        "prim",
        [
            Restriction("enforcement.fidelity", 0.0, 0.5, False, True),
            Restriction("enforcement.delay_days", 30, 70, True, False),
        ],
        0.62,
        0.81,
        0.2,
        80,
        65,
    )
    d = Discovery(
        load_scenario("gvi"), space, pd.DataFrame(), Rule(), [box], [], {"ensemble": {"sets": 200}}
    )
    en = box_sentence(box, d, "en")
    assert en.startswith(
        "When follow-through is below 0.5 and delay before enforcement is above 30 days"
    )
    assert "under 10% in 8 of 10 plausible worlds (65 of 80 samples" in en and "62%" in en
    sv = box_sentence(box, d, "sv")
    assert "i 8 av 10 rimliga världar" in sv and "0,5" in sv
    d.manifest = {}
    assert "chance only" in box_sentence(box, d, "en")
    # a region of a handful of samples: its counts, not "k of 10"
    d.manifest = {"ensemble": {"sets": 200}}
    few = Box("cart", box.restrictions, 0.05, 1.0, 0.01, 1, 1)
    assert "in 1 of the 1 samples in this region, too few" in box_sentence(few, d, "en")
    assert "of 10" not in box_sentence(few, d, "en")
    assert "i 1 av de 1 stickproven" in box_sentence(few, d, "sv")


@pytest.mark.parametrize(
    "argv",
    [
        ["discover", "--samples", "5"],
        ["discover", "--replicates", "0"],
        ["discover", "--threshold", "-150"],
        ["discover", "--arrests-limit", "-1"],
        ["discover", "--workers", "0"],
        ["discover", "--seed", "-1"],
        ["discover", "no_such_scenario"],
        ["discover", "baseline"],
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv: list[str], tmp_path: Path, capsys) -> None:
    code = main([*argv, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("error:") and len(err.splitlines()) == 1, err
    assert "Traceback" not in err


@pytest.mark.slow
def test_a_killed_discovery_resumes_without_redoing_runs(tmp_path: Path) -> None:
    out = tmp_path / "d"
    cmd = [sys.executable, "-m", "gvi", "discover", "--samples", "24", "--workers", "1"]
    cmd += ["--fixed-parameters", "--out", str(out)]
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen(
        cmd, env=env, cwd=tmp_path, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL
    )
    parts = out / "parts"
    deadline = time.time() + 120
    while time.time() < deadline and len(list(parts.glob("part-*.parquet"))) < 3:
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = pd.concat([pd.read_parquet(p) for p in parts.glob("part-*.parquet")])
    assert 3 <= len(done) < 24
    before = {p.name: p.stat().st_mtime_ns for p in parts.glob("part-*.parquet")}
    assert (
        main(
            [
                "discover",
                "--samples",
                "24",
                "--workers",
                "1",
                "--fixed-parameters",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["pipeline"]["already_done"] == len(done.drop_duplicates("key"))
    assert manifest["pipeline"]["jobs"] == 24
    assert before  # the parts were there, and only the missing jobs ran
    samples = pd.read_parquet(out / "samples.parquet")
    assert len(samples) == 24 and (out / "discovery.html").is_file()
