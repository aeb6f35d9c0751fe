"""Experiment files: loading, one-line errors, designs and the model evaluator."""

from __future__ import annotations

import pickle
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from experiments.design import design, point_params, points_count
from experiments.evaluate import ModelEvaluator
from experiments.experiment import Experiment, load_experiment
from scenarios import ScenarioError

EXAMPLES = Path(__file__).resolve().parent.parent / "experiments"

VALID = """\
name = "x"
scenario = "gvi"
baseline = "baseline"
replicates = 2
seed = 1
[method]
kind = "sobol"
n = 16
[[parameters]]
path = "enforcement.fidelity"
[[parameters]]
path = "callins.attendees"
bounds = [5, 20]
[[outputs]]
name = "post_shootings"
metric = "shootings"
[[outputs]]
name = "change"
metric = "shootings"
statistic = "change_vs_baseline"
"""


@dataclass(frozen=True)
class Job:
    """Stands in for ``experiments.pipeline.Job`` (same fields)."""

    point: int
    replicate: int
    params: dict[str, Any]


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    text = str(info.value)
    assert "Traceback" not in text and len(text.splitlines()) == len(info.value.problems)
    return info.value


def one_problem(tmp_path: Path, old: str, new: str, key: str) -> str:
    """Load VALID with ``old`` replaced by ``new``; the problem at ``key``, as text."""
    assert old in VALID
    err = error_of(write(tmp_path, VALID.replace(old, new, 1)))
    found = [p for p in err.problems if p.key == key]
    assert found, f"no problem at {key!r} in:\n{err}"
    assert "exp.toml" in found[0].file
    return found[0].message


# --- loading --------------------------------------------------------------------------


def test_valid_file_loads(tmp_path: Path) -> None:
    exp = load_experiment(write(tmp_path, VALID))
    assert isinstance(exp, Experiment)
    assert exp.scenario_model().name == "gvi" and exp.baseline_model().name == "baseline"
    factors = exp.study().factors
    assert factors[0].bounds == (0.2, 1.0)  # the declared SA bounds
    assert factors[1].kind == "int" and factors[1].bounds == (5, 20)
    with pytest.raises(ValueError):
        exp.seed = 2  # type: ignore[misc]  # frozen


@pytest.mark.parametrize("name", ["sobol_gvi", "morris_gvi", "sweep_fidelity"])
def test_shipped_examples_load(name: str) -> None:
    exp = load_experiment(EXAMPLES / f"{name}.toml")
    assert len(design(exp)) == points_count(exp.study())


def test_sobol_example_as_specified() -> None:
    exp = load_experiment(EXAMPLES / "sobol_gvi.toml")
    assert exp.method.n == 256 and exp.replicates == 2 and len(exp.parameters) >= 8
    assert len(design(exp)) == 256 * (len(exp.parameters) + 2)
    assert {o.statistic for o in exp.outputs} == {"total", "change_vs_baseline"}


def test_scenario_path_relative_to_the_file(tmp_path: Path, tiny_file) -> None:
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", tiny_file(), "tiny.toml")
    text = VALID.replace('scenario = "gvi"', 'scenario = "sub/tiny.toml"')
    text = text.replace('baseline = "baseline"\n', "")
    text = text.replace('statistic = "change_vs_baseline"', 'statistic = "mean"')
    exp = load_experiment(write(tmp_path, text))
    assert exp.scenario_model().time.horizon_days == 180


# --- experiments built in Python --------------------------------------------------------


def python_problems(text: str) -> list[tuple[str, object, str]]:
    """The problems of ``Experiment(**keys)`` for the keys of an experiment file's text."""
    with pytest.raises(ScenarioError) as info:
        Experiment(**tomllib.loads(text))
    assert info.value.problems[0].file == "Experiment('x')"
    return [(p.key, p.value, p.message) for p in info.value.problems]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("replicates = 2", "replicate = 2"),
        ("replicates = 2", "replicates = 0"),
        ("enforcement.fidelity", "enforcement.fidelty"),
        ("n = 16", "n = 15"),
        ('metric = "shootings"', 'metric = "shootngs"'),
        ('name = "post_shootings"', 'name = "seed"'),
        ("bounds = [5, 20]", "bounds = [20, 5]"),
        ('scenario = "gvi"', 'scenario = "gvii"'),
        ('kind = "sobol"', 'kind = "sobel"'),
    ],
)
def test_python_experiment_is_validated_like_a_file(tmp_path: Path, old: str, new: str) -> None:
    text = VALID.replace(old, new, 1)
    from_file = [(p.key, p.value, p.message) for p in error_of(write(tmp_path, text)).problems]
    assert python_problems(text) == from_file


def test_python_experiment_takes_paths_and_scenario_objects(tmp_path: Path, tiny) -> None:
    keys = tomllib.loads(VALID)
    by_name = Experiment(**keys)
    assert by_name.identity() == load_experiment(write(tmp_path, VALID)).identity()
    scenario = tiny("gvi")
    by_object = Experiment(**{**keys, "scenario": scenario, "baseline": tiny("baseline")})
    assert by_object.scenario_model() is scenario and by_object.scenario == scenario.name
    assert pickle.loads(pickle.dumps(by_object)).identity() == by_object.identity()
    text = VALID.replace('scenario = "gvi"', 'scenario = "sub/gvi_here.toml"')
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", 'extends = "gvi"\nname = "gvi"\n', "gvi_here.toml")
    from_file = load_experiment(write(tmp_path, text))
    by_path = Experiment(**{**keys, "scenario": tmp_path / "sub" / "gvi_here.toml"})
    assert by_path.identity() == from_file.identity()
    assert from_file.former_identities() and not by_name.former_identities()


def test_python_experiment_accepts_tuples_and_numpy_numbers() -> None:
    keys = tomllib.loads(VALID.replace("bounds = [5, 20]", "").replace('"sobol"', '"factorial"'))
    keys["method"].pop("n")
    keys["parameters"][0]["levels"] = (np.float64(0.2), 1.0)
    keys["parameters"][1]["levels"] = (np.int64(5), 20)
    exp = Experiment(**keys)
    assert exp.parameters[1].levels == [5, 20] and type(exp.parameters[1].levels[0]) is int


# --- errors ---------------------------------------------------------------------------


def test_unknown_key_suggests(tmp_path: Path) -> None:
    message = one_problem(tmp_path, "replicates = 2", "replicate = 2", "replicate")
    assert "did you mean 'replicates'" in message


def test_unknown_key_in_a_table_suggests(tmp_path: Path) -> None:
    key = "outputs[post_shootings].metrc"
    message = one_problem(tmp_path, 'metric = "shootings"', 'metrc = "shootings"', key)
    assert "'metric'" in message


def test_unknown_parameter_path_suggests(tmp_path: Path) -> None:
    key = "parameters[enforcement.fidelty].path"
    message = one_problem(tmp_path, "enforcement.fidelity", "enforcement.fidelty", key)
    assert "did you mean 'enforcement.fidelity'" in message


def test_bare_parameter_name_suggests_its_section(tmp_path: Path) -> None:
    message = one_problem(tmp_path, "enforcement.fidelity", "fidelity", "parameters[fidelity].path")
    assert "'enforcement.fidelity'" in message


def test_inverted_bounds(tmp_path: Path) -> None:
    key = "parameters[callins.attendees].bounds"
    assert "inverted" in one_problem(tmp_path, "[5, 20]", "[20, 5]", key)


def test_bounds_outside_the_declared_range(tmp_path: Path) -> None:
    key = "parameters[callins.attendees].bounds"
    assert "within >= 1 and <= 200" in one_problem(tmp_path, "[5, 20]", "[0, 20]", key)


def test_zero_replicates(tmp_path: Path) -> None:
    assert "must be >= 1" in one_problem(tmp_path, "replicates = 2", "replicates = 0", "replicates")


def test_seed_zero_refused(tmp_path: Path) -> None:
    assert "SALib" in one_problem(tmp_path, "seed = 1", "seed = 0", "seed")


@pytest.mark.parametrize(
    ("method", "words"),
    [
        ('kind = "sobol"\nn = 100', "power of 2"),
        ('kind = "fast"\nn = 50', "more than 64"),
        ('kind = "morris"\nn = 1', "at least 2"),
        ('kind = "factorial"\nn = 16', "takes no n"),
        ('kind = "lhs"', "is required"),
    ],
)
def test_n_not_allowed_for_the_method(tmp_path: Path, method: str, words: str) -> None:
    assert words in one_problem(tmp_path, 'kind = "sobol"\nn = 16', method, "method.n")


def test_unknown_method_suggests(tmp_path: Path) -> None:
    message = one_problem(tmp_path, 'kind = "sobol"', 'kind = "sobel"', "method.kind")
    assert "did you mean 'sobol'" in message


def test_levels_of_the_wrong_type(tmp_path: Path) -> None:
    text = VALID.replace('kind = "sobol"\nn = 16', 'kind = "factorial"')
    text = text.replace("bounds = [5, 20]", 'levels = [5, 7.5, "a"]')
    err = error_of(write(tmp_path, text))
    problem = next(p for p in err.problems if p.key == "parameters[callins.attendees].levels")
    assert problem.value == 7.5 and "whole numbers" in problem.message


def test_levels_only_in_factorial_designs(tmp_path: Path) -> None:
    key = "parameters[callins.attendees].levels"
    assert "factorial" in one_problem(tmp_path, "bounds = [5, 20]", "levels = [5, 20]", key)


def test_switch_only_as_factorial_levels(tmp_path: Path) -> None:
    key = "parameters[enforcement.enabled].path"
    message = one_problem(tmp_path, "enforcement.fidelity", "enforcement.enabled", key)
    assert "factorial" in message


def test_unknown_metric_and_missing_baseline(tmp_path: Path) -> None:
    text = VALID.replace('metric = "shootings"', 'metric = "shooting"', 1)
    text = text.replace('baseline = "baseline"\n', "")
    err = error_of(write(tmp_path, text))
    keys = {p.key: p.message for p in err.problems}
    assert "did you mean 'shootings'" in keys["outputs[post_shootings].metric"]
    assert "baseline" in keys["outputs[change].statistic"]


def test_level_metric_has_no_total(tmp_path: Path) -> None:
    text = VALID.replace('metric = "shootings"', 'metric = "perceived_safety"', 1)
    err = error_of(write(tmp_path, text))
    assert any("'mean'" in p.message for p in err.problems)


def test_bound_that_makes_an_invalid_scenario(tmp_path: Path) -> None:
    text = VALID.replace("enforcement.fidelity", "callins.first_day")
    err = error_of(write(tmp_path, text))
    assert "after the horizon" in str(err)


def test_unknown_scenario_suggests(tmp_path: Path) -> None:
    err = error_of(write(tmp_path, VALID.replace('"gvi"', '"gvii"')))
    assert err.problems[0].key == "scenario" and "did you mean 'gvi'" in str(err)


def test_wrong_types_all_reported(tmp_path: Path) -> None:
    text = VALID.replace("n = 16", 'n = 16.0\nsecond_order = "yes"')
    err = error_of(write(tmp_path, text))
    assert {p.key for p in err.problems} == {"method.n", "method.second_order"}


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe\x00\x01garbage", b'name = "caf\xe9"\n', b"name = \n", b"", b"\x00\x01\x02"],
)
def test_garbage_files_are_scenario_errors(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    err = error_of(path)
    assert "bad.toml" in str(err)


def test_missing_file(tmp_path: Path) -> None:
    assert "not found" in str(error_of(tmp_path / "nope.toml"))


# --- designs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "size"),
    [
        ('kind = "sobol"\nn = 16', 16 * 4),
        ('kind = "sobol"\nn = 16\nsecond_order = true', 16 * 6),
        ('kind = "lhs"\nn = 10', 10),
        ('kind = "morris"\nn = 5\nlevels = 6', 5 * 3),
        ('kind = "fast"\nn = 65', 65 * 2),
    ],
)
def test_designs_are_deterministic_and_sized(tmp_path: Path, method: str, size: int) -> None:
    exp = load_experiment(write(tmp_path, VALID.replace('kind = "sobol"\nn = 16', method)))
    first, again = design(exp), design(load_experiment(tmp_path / "exp.toml"))
    assert len(first) == size == points_count(exp.study())
    assert first.equals(again)
    assert list(first.columns) == ["point", "enforcement.fidelity", "callins.attendees"]
    assert first["point"].tolist() == list(range(size))
    attendees = first["callins.attendees"]
    assert attendees.dtype == np.int64 and attendees.between(5, 20).all()
    assert first["enforcement.fidelity"].between(0.2, 1.0).all()
    assert not design(exp.model_copy(update={"seed": 2})).equals(first)


def test_factorial_design(tmp_path: Path) -> None:
    text = VALID.replace('kind = "sobol"\nn = 16', 'kind = "factorial"\nlevels = 3')
    text = text.replace("bounds = [5, 20]", "levels = [5, 10]")
    text = text.replace('path = "enforcement.fidelity"', 'path = "support.enabled"')
    exp = load_experiment(write(tmp_path, text))
    df = design(exp)
    assert len(df) == 4 and set(df["support.enabled"]) == {False, True}
    params = point_params(exp, df)
    assert params[0] == (0, {"support.enabled": False, "callins.attendees": 5})
    assert type(params[-1][1]["support.enabled"]) is bool


def test_factorial_levels_from_bounds(tmp_path: Path) -> None:
    text = VALID.replace('kind = "sobol"\nn = 16', 'kind = "factorial"\nlevels = 3')
    df = design(load_experiment(write(tmp_path, text)))
    assert sorted(set(df["enforcement.fidelity"])) == pytest.approx([0.2, 0.6, 1.0])
    assert len(df) == 9


# --- the model evaluator --------------------------------------------------------------


def tiny_experiment(tmp_path: Path, scenario_text: str) -> Experiment:
    write(tmp_path, scenario_text, "tiny.toml")
    text = VALID.replace('"gvi"', '"tiny.toml"').replace('"baseline"', '"tiny_base.toml"')
    write(tmp_path, 'extends = "tiny.toml"\n[callins]\nenabled = false\n', "tiny_base.toml")
    return load_experiment(write(tmp_path, text))


def test_evaluator_common_random_numbers_and_pickling(tmp_path: Path, tiny_file) -> None:
    exp = tiny_experiment(tmp_path, tiny_file())
    evaluate = pickle.loads(pickle.dumps(ModelEvaluator(exp)))
    params = {"enforcement.fidelity": 0.9, "callins.attendees": 15}
    a = evaluate(Job(0, 0, params))
    assert a == evaluate(Job(0, 0, params)) == ModelEvaluator(exp)(Job(7, 0, params))
    assert set(a) == {"post_shootings", "change"} and a["post_shootings"] > 0
    assert a != evaluate(Job(0, 1, params))
    base = exp.baseline_model()
    assert base is not None and base.callins.enabled is False
