"""Calibration by rejection ABC: recovering known parameter values from synthetic data,
the calibration file's checks, and the command line."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.calibrate import run_statistics
from experiments.calibrate_spec import load_calibration
from gvi.cli import main
from scenarios import ScenarioError, load_scenario

TRUE = {"violence.base_hazard": 0.00006, "violence.p_injury": 0.30}
PRIOR = {"violence.base_hazard": (0.00002, 0.00015), "violence.p_injury": (0.10, 0.60)}
SHORT = """name = "short"
extends = "baseline"
[time]
warmup_days = 365
horizon_days = 730
"""


def _write(folder: Path, targets: dict[str, float], scales: dict[str, float], **top) -> Path:
    (folder / "short.toml").write_text(SHORT, encoding="utf-8")
    head = {"name": "synthetic", "scenario": "short.toml", "budget": 250, "quantile": 0.1,
            "replicates": 1, "seed": 3, **top}  # fmt: skip
    lines = [f"{k} = {json.dumps(v)}" for k, v in head.items()]
    for path, (lo, hi) in PRIOR.items():
        lines += ["[[parameters]]", f'path = "{path}"', f"prior = [{lo}, {hi}]"]
        lines += [f"true = {TRUE[path]}"]
    for name, value in targets.items():
        lines += ["[[targets]]", f'name = "{name}"', f"value = {value}", f"scale = {scales[name]}"]
    path = folder / "cal.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _synthetic() -> tuple[dict[str, float], dict[str, float]]:
    """Observed statistics: one run at the true values (its own seed); scales: the
    spread of single runs at the true values (the noise the distance is measured in)."""
    sc = load_scenario("baseline").with_updates(
        {"time.warmup_days": 365, "time.horizon_days": 730, **TRUE}
    )
    names = ("shootings_per_year", "share_injured")
    observed = run_statistics(sc, np.random.SeedSequence(424242), "all")
    runs = pd.DataFrame(
        [run_statistics(sc, np.random.SeedSequence(1000 + r), "all") for r in range(8)]
    )
    return {n: float(observed[n]) for n in names}, {n: float(runs[n].std()) for n in names}


def test_abc_recovers_known_parameters(tmp_path: Path) -> None:
    from experiments.calibrate import calibrate

    targets, scales = _synthetic()
    cal = _write(tmp_path, targets, scales)
    result = calibrate(cal, tmp_path / "out", workers=2)
    assert len(result.accepted) == 25
    for path, true in TRUE.items():
        lo, hi = result.interval(path, 0.9)
        lo_p, hi_p = PRIOR[path]
        print(f"{path}: true {true}, posterior 90% [{lo:.4g}, {hi:.4g}], prior [{lo_p}, {hi_p}]")
        assert lo <= true <= hi
        assert hi - lo < 0.8 * (hi_p - lo_p)  # the data narrowed the prior
    out = tmp_path / "out"
    for name in ("accepted.csv", "draws.csv", "posterior.png", "calibrated.toml", "summary.json"):
        assert (out / name).is_file()
    scenario = tomllib.loads((out / "calibrated.toml").read_text(encoding="utf-8"))
    assert scenario["extends"].endswith("short.toml")
    assert set(scenario["violence"]) == {"base_hazard", "p_injury"}
    assert load_scenario(out / "calibrated.toml").time.warmup_days == 365
    # resumable: a second run on the same folder reuses every stored run
    again = calibrate(cal, out, workers=1)
    pd.testing.assert_frame_equal(again.accepted, result.accepted)


def test_calibration_file_problems(tmp_path: Path) -> None:
    path = _write(tmp_path, {"shootings_per_yeer": 60}, {"shootings_per_yeer": 6})
    text = path.read_text(encoding="utf-8").replace("violence.p_injury", "violence.p_injry")
    text = text.replace("prior = [2e-05, 0.00015]", "prior = [0.00015, 2e-05]")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_calibration(path)
    text = str(err.value)
    assert "did you mean 'violence.p_injury'" in text
    assert "inverted" in text
    assert "did you mean 'shootings_per_year'" in text


def test_shipped_baseline_calibration_loads() -> None:
    cal = load_calibration(Path(__file__).parent.parent / "experiments/calibrate_baseline.toml")
    assert [p.path for p in cal.parameters] == ["violence.base_hazard", "violence.p_injury"]
    assert {t.name: t.value for t in cal.targets} == {
        "shootings_per_year": 60,
        "share_injured": 0.35,
    }


def test_cli_calibrate_errors(tmp_path: Path, capsys) -> None:
    assert main(["calibrate", str(tmp_path / "missing.toml")]) == 2
    assert "no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nscenario = "baseline"\nbudgt = 5\n', encoding="utf-8")
    assert main(["calibrate", str(bad)]) == 2
    assert "budgt" in capsys.readouterr().err
