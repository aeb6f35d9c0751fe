"""Jobs are sized before they start: what cannot fit is refused in one line, at once,
with nothing written."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from experiments import budget
from experiments.comparison import compare
from gvi import cli
from scenarios import load_scenario

EXPERIMENT = """
name = "{name}"
scenario = "gvi"
replicates = {replicates}
seed = 1
[method]
kind = "{kind}"
{method}
{parameters}
[[outputs]]
name = "shootings"
metric = "shootings"
window = "post"
statistic = "total"
"""


def experiment(tmp_path: Path, kind: str, method: str, paths: list[str], replicates=1) -> Path:
    params = "\n".join(f'[[parameters]]\npath = "{p}"' for p in paths)
    path = tmp_path / f"{kind}.toml"
    path.write_text(
        EXPERIMENT.format(
            name=kind, kind=kind, method=method, parameters=params, replicates=replicates
        ),
        encoding="utf-8",
    )
    return path


def one_error(capsys) -> str:
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1, err
    return err[0]


FOUR = [
    "enforcement.fidelity",
    "support.uptake",
    "violence.retaliation_branching",
    "policing.clearance",
]


def test_a_huge_factorial_is_refused_before_anything_is_written(tmp_path: Path, capsys) -> None:
    exp = experiment(tmp_path, "factorial", "levels = 1000", FOUR)
    out = tmp_path / "out"
    started = time.monotonic()
    assert cli.main(["sweep", str(exp), "--out", str(out), "--workers", "1"]) == 2
    line = one_error(capsys)
    assert "1,000,000,000,000 runs" in line and "method.levels" in line
    assert time.monotonic() - started < 10 and not out.exists()


def test_a_huge_sobol_design_is_refused(tmp_path: Path, capsys) -> None:
    exp = experiment(tmp_path, "sobol", "n = 1048576", FOUR, replicates=4)
    out = tmp_path / "out"
    assert cli.main(["sensitivity", str(exp), "--out", str(out), "--workers", "1"]) == 2
    assert "runs is more than" in one_error(capsys) and not out.exists()


def test_a_billion_replicates_get_an_answer_at_once(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    started = time.monotonic()
    code = cli.main(["compare", "baseline", "gvi", "--replicates", "1000000000", "--out", str(out)])
    assert code == 2 and "use fewer --replicates" in one_error(capsys)
    assert time.monotonic() - started < 10 and not out.exists()


def test_memory_is_checked_against_the_machine(monkeypatch) -> None:
    monkeypatch.setenv("GVI_MEMORY_LIMIT", str(300_000_000))  # a small machine
    with pytest.raises(budget.JobTooBig, match=r"needs about .* of memory"):
        compare(["baseline", "gvi"], replicates=50, workers=2)
    monkeypatch.delenv("GVI_MEMORY_LIMIT")
    budget.check_comparison([load_scenario("baseline"), load_scenario("gvi")], 50, 2)


def test_a_city_too_large_for_the_model_is_refused(tmp_path: Path, capsys) -> None:
    audit = tmp_path / "audit"
    audit.mkdir()
    rows = "\n".join(f"G{i:03d},10000" for i in range(500))
    (audit / "groups.csv").write_text("group_id,size\n" + rows + "\n", encoding="utf-8")
    (audit / "rivalries.csv").write_text("group_a,group_b,intensity,kind\nG000,G001,1.0,rivalry\n")
    scenario = tmp_path / "big.toml"
    scenario.write_text('name = "big"\nextends = "baseline"\n[city]\naudit_dir = "audit"\n')
    assert cli.main(["validate", str(scenario)]) == 2
    line = one_error(capsys)
    assert "5,000,000 members" in line and "too big for this machine" in line
    out = tmp_path / "out"
    assert cli.main(["run", str(scenario), "--out", str(out)]) == 2
    assert "larger than the 1,000,000" in one_error(capsys) and not out.exists()


def test_ordinary_jobs_pass() -> None:
    gvi = load_scenario("gvi")
    budget.check_scenario(gvi)
    budget.check_comparison([load_scenario("baseline"), gvi], 50, 2)
    assert budget.model_bytes(gvi) < 10e6


def test_a_comparison_counts_two_models_a_process() -> None:
    """Scenarios that share a warm-up hold the model at the rollout and its branch at
    once (experiments.runner.run_together): a comparison plans memory for both."""
    from experiments import budget

    job = budget.Job("x", 1, 1e9, 0.0, 2, 2)
    assert job.memory == 2 * (budget.PROCESS_FLOOR + 2e9)
    assert budget.Job("x", 1, 1e9, 0.0, 2).memory == 2 * (budget.PROCESS_FLOOR + 1e9)
