"""`gvi sweep` / `gvi sensitivity`: experiment file → runs → store → analysis, resumable."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments.study import run_study

GVI = shutil.which("gvi", path=str(Path(sys.executable).parent)) or "gvi"

SHORT = """extends = "gvi"
name = "short_gvi"
[time]
warmup_days = 60
rollout_day = 100
horizon_days = 300
"""

SWEEP = """name = "tiny_sweep"
description = "two levels of follow-through"
scenario = "short.toml"
replicates = 2
seed = 1
[method]
kind = "factorial"
[[parameters]]
path = "enforcement.fidelity"
levels = [0.2, 1.0]
[[outputs]]
name = "shootings"
metric = "shootings"
window = "post"
statistic = "total"
"""


@pytest.fixture()
def experiment(tmp_path: Path) -> Path:
    (tmp_path / "short.toml").write_text(SHORT)
    path = tmp_path / "sweep.toml"
    path.write_text(SWEEP)
    return path


def gvi(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GVI, *args], capture_output=True, text=True, timeout=600)


def test_sweep_writes_tables_plots_and_summary(experiment: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = gvi("sweep", str(experiment), "--out", str(out), "--workers", "1")
    assert r.returncode == 0, r.stderr
    for name in (
        "summary.html",
        "response.csv",
        "results.parquet",
        "design.parquet",
        "manifest.json",
    ):
        assert (out / name).is_file(), name
    assert list((out / "plots").glob("*.png")) and list((out / "plots").glob("*.svg"))
    results = pd.read_parquet(out / "results.parquet")
    assert len(results) == 4 and {"point", "replicate", "shootings"} <= set(results.columns)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["experiment_sha256"] and manifest["identity"]
    html = (out / "summary.html").read_text()
    assert "data:image/png;base64," in html and "http" not in html.split("<body>")[1]
    r = gvi("report", str(out))
    assert r.returncode == 0, r.stderr


def test_rerun_resumes_and_a_foreign_folder_is_refused(experiment: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run_study(experiment, out, workers=1, progress=False)
    parts = sorted(p.name for p in (out / "parts").iterdir())
    again = run_study(experiment, out, workers=1, progress=False)
    assert sorted(p.name for p in (out / "parts").iterdir()) == parts  # nothing rerun
    pd.testing.assert_frame_equal(first.results, again.results)
    experiment.write_text(SWEEP.replace("seed = 1", "seed = 2"))
    r = gvi("sweep", str(experiment), "--out", str(out))
    assert r.returncode == 2 and "choose another --out" in r.stderr
    assert "Traceback" not in r.stderr


def test_wrong_command_for_the_method_and_bad_files(experiment: Path, tmp_path: Path) -> None:
    r = gvi("sensitivity", str(experiment), "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and "gvi sweep" in r.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text(SWEEP.replace("enforcement.fidelity", "enforcement.fidelty"))
    r = gvi("sweep", str(bad), "--out", str(tmp_path / "y"))
    assert r.returncode == 2 and "enforcement.fidelity" in r.stderr
    assert not (tmp_path / "y").exists()
