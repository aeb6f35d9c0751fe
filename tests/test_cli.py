"""The `gvi` command line, run as a user would (a subprocess of the installed script)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from gvi.cli import main
from model import METRIC_NAMES

GVI = shutil.which("gvi", path=str(Path(sys.executable).parent)) or "gvi"
SHORT = ["--days", "400"]


def gvi(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GVI, *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def test_run_prints_a_readable_summary() -> None:
    r = gvi("run", "gvi", "--seed", "2", *SHORT)
    assert r.returncode == 0, r.stderr
    assert "Scenario 'gvi'" in r.stdout
    for name in ("shootings", "arrests", "cost_sek"):
        assert name in r.stdout


def test_run_json_has_every_metric_and_is_reproducible() -> None:
    a = json.loads(gvi("run", "baseline", "--seed", "5", "--json", *SHORT).stdout)
    b = json.loads(gvi("run", "baseline", "--seed", "5", "--json", *SHORT).stdout)
    assert set(a["metrics"]) == set(METRIC_NAMES)
    assert a == b
    assert a["metrics"]["shootings"]["pre"] > 0


def test_run_out_writes_metrics_events_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "run1"
    r = gvi("run", "gvi", "--seed", "1", "--out", str(out), *SHORT)
    assert r.returncode == 0, r.stderr
    daily = pd.read_parquet(out / "metrics.parquet")
    assert list(daily.columns) == ["day", *METRIC_NAMES]
    summary = json.loads((out / "summary.json").read_text())
    assert len(daily) == summary["days"]["end"]
    events = pd.read_parquet(out / "events.parquet")
    assert {"day", "kind", "group", "members", "cause"} <= set(events.columns)
    assert (events["kind"] == "shooting").sum() == daily["shootings"].sum()
    hidden = {p.name for p in out.iterdir() if p.name.startswith(".")}
    assert hidden == {".gvi-folder", ".gvi-lock"}  # the folder's mark and lock; no temporary files


def test_events_parquet_is_the_event_frame(tmp_path: Path) -> None:
    """A run's events.parquet is written from the log's columns (not from the frame,
    which costs several times the memory in a large city): read back, it is the frame
    ``model.events()`` gives, column for column."""
    from experiments.output import write_run
    from model import GVIModel
    from scenarios import load_scenario

    with GVIModel(load_scenario("gvi").with_updates({"time.horizon_days": 500}), rng=4) as m:
        m.run_model()
        write_run(m, tmp_path, seed=4)
        frame = m.events()
    read = pd.read_parquet(tmp_path / "events.parquet")
    assert len(read) == len(frame) > 100 and set(frame["members"].map(len)) >= {1, 2}
    read["members"] = read["members"].map(list)
    pd.testing.assert_frame_equal(read, frame, check_exact=True)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["run", "no_such_preset"], "no preset named"),
        (["run", "gvi", "--days", "10"], "--days 10"),
        (["run", "gvi", "--seed", "-3"], "--seed -3"),
        (["validate", "tests/data/scenarios/rollout_after_horizon.toml"], "time.rollout_day"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_traceback(args: list[str], fragment: str) -> None:
    r = gvi(*args, cwd=Path(__file__).parent.parent)
    assert r.returncode == 2
    assert fragment in r.stderr
    assert "Traceback" not in r.stderr
    assert all(line.startswith("error: ") for line in r.stderr.strip().splitlines())


def test_bad_input_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "gvi"\n[enforcement]\nfidelity = 1.5\n')
    out = tmp_path / "out"
    r = gvi("run", str(bad), "--out", str(out))
    assert r.returncode == 2
    assert "enforcement.fidelity" in r.stderr
    assert not out.exists()


def test_scenarios_lists_every_preset() -> None:
    r = gvi("scenarios")
    assert r.returncode == 0
    table = r.stdout.split("\n\n")[0].splitlines()
    assert table[0].split() == ["NAME", "CITY", "DESCRIPTION"]
    rows = {line.split()[0]: line.split()[1] for line in table[1:]}
    assert sorted(rows) == sorted(
        ["baseline", "gvi", "deterrence_only", "support_only", "crackdown", "gvi_lapse", "orebro"]
        + ["orebro_baseline"]
    )
    assert rows["gvi"] == rows["crackdown"] == "baseline"  # the city each preset uses
    assert rows["orebro"] == rows["orebro_baseline"] == "orebro_baseline"


def test_validate_accepts_presets_and_files() -> None:
    r = gvi("validate", "gvi", "orebro")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("ok:") == 2


def test_params_lists_every_declared_parameter() -> None:
    from scenarios import parameters

    r = gvi("params")
    assert r.returncode == 0
    for spec in parameters():
        assert spec.path in r.stdout


# Patterns the default city is known to miss (docs/validation.md says so, with the
# figures): the test fails if another one fails, or if one of these starts to pass.
KNOWN_FAILING = {"cascade_size"}  # 1.99 shootings per cascade against 2.0-3.4


def test_check_patterns_baseline_holds() -> None:
    """The default city reproduces the published patterns over 20 seeds, except those
    it is known to miss, which the command reports as failed (exit code 1)."""
    r = gvi("check-patterns", "baseline", "--json")
    assert r.returncode == (1 if KNOWN_FAILING else 0), r.stdout + r.stderr
    report = json.loads(r.stdout)
    failed = {p["key"] for p in report["patterns"] if not p["passed"]}
    assert failed == KNOWN_FAILING
    assert report["passed"] is not bool(KNOWN_FAILING)
    by_key = {p["key"]: p for p in report["patterns"]}
    assert 40 <= by_key["volume"]["value"] <= 80


def _short_pair(tmp_path: Path) -> tuple[str, str]:
    time = "[time]\nwarmup_days = 60\nrollout_day = 100\nhorizon_days = 300\n"
    (tmp_path / "b.toml").write_text(f'extends = "baseline"\nname = "b"\n{time}')
    (tmp_path / "g.toml").write_text(f'extends = "gvi"\nname = "g"\n{time}')
    return str(tmp_path / "b.toml"), str(tmp_path / "g.toml")


def test_compare_writes_results_and_prints_json(tmp_path: Path) -> None:
    b, g = _short_pair(tmp_path)
    out = tmp_path / "res"
    r = gvi("compare", b, g, "--replicates", "3", "--workers", "1", "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["scenarios"] == ["b", "g"]
    shoot = [e for e in data["effects"] if e["metric"] == "shootings"]
    assert shoot and shoot[0]["scenario"] == "g" and len(shoot[0]["ci95"]) == 2
    for name in (
        "report.html",
        "runs.parquet",
        "summary.parquet",
        "summary.csv",
        "effects.csv",
        "manifest.json",
    ):
        assert (out / name).is_file(), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["root_seed_entropy"] and manifest["versions"]["mesa"]
    assert all(s["sha256"] for s in manifest["scenarios"])
    runs = pd.read_parquet(out / "runs.parquet")
    assert {"scenario", "replicate", "day", *METRIC_NAMES} <= set(runs.columns)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_report_rebuilds_from_stored_results_in_swedish(tmp_path: Path) -> None:
    b, g = _short_pair(tmp_path)
    out = tmp_path / "res"
    assert (
        gvi("compare", b, g, "--replicates", "2", "--workers", "1", "--out", str(out)).returncode
        == 0
    )
    english = (out / "report.html").read_text()
    (out / "report.html").unlink()
    r = gvi("report", str(out), "--lang", "sv")
    assert r.returncode == 0, r.stderr
    swedish = (out / "report.html").read_text()
    assert '<html lang="sv"' in swedish and swedish != english


def test_compare_refuses_a_used_folder_and_mismatched_scenarios(tmp_path: Path) -> None:
    b, g = _short_pair(tmp_path)
    used = tmp_path / "used"
    used.mkdir()
    (used / "x.txt").write_text("keep me")
    r = gvi("compare", b, g, "--replicates", "2", "--out", str(used))
    assert r.returncode == 2 and "not an empty folder" in r.stderr
    assert (used / "x.txt").read_text() == "keep me"
    r = gvi("compare", b, "gvi", "--replicates", "2", "--out", str(tmp_path / "new"))
    assert r.returncode == 2 and "time settings" in r.stderr
    assert not (tmp_path / "new").exists()
    r = gvi("report", str(tmp_path))
    assert r.returncode == 2 and "manifest.json" in r.stderr


def test_app_without_its_extra_says_how_to_install_it(monkeypatch, capsys) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "solara" else real(name, *a)
    )
    assert main(["app"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install 'gvi-sim[app]'" in err[0]
