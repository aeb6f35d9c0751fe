"""`gvi sweep` / `gvi sensitivity`: experiment file → runs → store → analysis, resumable."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments.experiment import Experiment, load_experiment
from experiments.store import ResultStore
from experiments.study import rebuild, run_study, sweep
from scenarios import ScenarioError, load_scenario

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


def test_python_experiment_resumes_the_file_folder_and_results_are_tidy(
    experiment: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    exp = Experiment(
        name="tiny_sweep",
        description="two levels of follow-through",
        scenario=load_scenario(tmp_path / "short.toml"),
        replicates=2,
        method={"kind": "factorial"},
        parameters=[{"path": "enforcement.fidelity", "levels": [0.2, 1.0]}],
        outputs=[{"name": "shootings", "metric": "shootings"}],
    )
    from_file = load_experiment(experiment)
    assert exp.identity() == from_file.identity()
    # a folder begun before scenarios counted by name (references as written) resumes
    # from its file, and from then on from the Python object too
    ResultStore(out, identity=from_file.former_identities()[0])
    first = run_study(experiment, out, workers=1, progress=False)
    results = first.results
    assert list(results.columns) == [
        "point",
        "replicate",
        "seed",
        "enforcement.fidelity",
        "shootings",
    ]
    assert results["seed"].tolist() == [1] * 4 and results["replicate"].tolist() == [0, 1] * 2
    assert results["enforcement.fidelity"].tolist() == [0.2, 0.2, 1.0, 1.0]
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), results)
    parts = sorted(p.name for p in (out / "parts").iterdir())
    again = run_study(exp, out, workers=1, progress=False)
    assert sorted(p.name for p in (out / "parts").iterdir()) == parts  # nothing rerun
    pd.testing.assert_frame_equal(again.results, results)


def test_sweep_without_a_file_and_its_report(tmp_path: Path) -> None:
    (tmp_path / "short.toml").write_text(SHORT)
    out = tmp_path / "sweep"
    result = sweep(
        tmp_path / "short.toml",
        "enforcement.fidelity",
        [0.2, 1.0],
        replicates=2,
        out=out,
        workers=1,
    )
    assert len(result.results) == 4 and "enforcement.fidelity" in result.results
    assert "experiment_file" not in json.loads((out / "manifest.json").read_text())
    (out / "summary.html").unlink()
    assert rebuild(out) == out / "summary.html" and (out / "summary.html").is_file()
    with pytest.raises(ScenarioError, match="did you mean 'enforcement.fidelity'"):
        sweep("gvi", "enforcement.fidelty", [0.5], out=tmp_path / "never")
    assert not (tmp_path / "never").exists()
