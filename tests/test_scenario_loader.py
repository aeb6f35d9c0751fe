"""Loading scenario TOML files: presets, extends, and one-line error reports."""

from __future__ import annotations

import pickle
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scenarios.loader as loader
from scenarios import (
    Problem,
    Scenario,
    ScenarioError,
    list_presets,
    load_scenario,
    preset_path,
    validate_files,
)

DATA = Path(__file__).parent / "data" / "scenarios"
AUDITS = Path(__file__).parent / "data" / "audits"


def load_error(path: str | Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value


def assert_reported(err: ScenarioError, file: str, key: str = "") -> Problem:
    """The error is plain text naming ``file`` and ``key``; returns that problem."""
    text = str(err)
    assert "Traceback" not in text and 'File "' not in text
    assert len(text.splitlines()) == len(err.problems)
    assert all(str(p) in text for p in err.problems)
    matches = [p for p in err.problems if p.file.endswith(file) and p.key == key]
    assert matches, f"no problem for {file} / {key!r} in:\n{text}"
    assert file in str(matches[0]) and key in str(matches[0])
    return matches[0]


# --- presets ------------------------------------------------------------------------


@pytest.mark.parametrize("name", [name for name, _ in list_presets()])
def test_every_preset_loads(name: str) -> None:
    scenario = load_scenario(name)
    assert isinstance(scenario, Scenario)
    assert load_scenario(preset_path(name)) == scenario


def test_list_presets_is_sorted_and_described() -> None:
    presets = list_presets()
    names = [name for name, _ in presets]
    assert "baseline" in names
    assert names == sorted(names)
    assert all(isinstance(d, str) and d for _, d in presets)


def test_list_presets_shows_each_files_own_description(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "base.toml").write_text('name = "base"\ndescription = "Base city"\n')
    (tmp_path / "own.toml").write_text('extends = "base"\ndescription = "Own words"\n')
    (tmp_path / "quiet.toml").write_text('extends = "base"\nname = "quiet"\n')
    (tmp_path / "broken.toml").write_text("name = \n")
    monkeypatch.setattr(loader, "PRESETS_DIR", tmp_path)
    presets = dict(list_presets())
    assert presets["own"] == "Own words"
    assert presets["quiet"] == ""  # a description is not inherited
    assert presets["broken"].startswith("(invalid preset:")
    assert list(presets) == ["base", "broken", "own", "quiet"]


def test_own_texts_are_not_inherited(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_text(
        'name = "base"\ndescription = "Base city"\ndescription_sv = "Basstad"\n'
        'title = "Base"\ntitle_sv = "Bas"\n[city]\nn_groups = 9\n'
    )
    (tmp_path / "child.toml").write_text('extends = "base.toml"\ntitle = "Child"\n')
    child = load_scenario(tmp_path / "child.toml")
    assert (child.name, child.title, child.title_sv) == ("child", "Child", "")
    assert (child.description, child.description_sv) == ("", "")
    assert child.city.n_groups == 9  # settings are inherited
    assert child.display_title("sv") == "Child"  # falls back to the English title
    assert load_scenario(tmp_path / "base.toml").display_title("sv") == "Bas"


def test_unknown_preset_suggests_closest_and_lists_available() -> None:
    err = load_error("basline")
    problem = assert_reported(err, "basline")
    assert "did you mean 'baseline'?" in problem.message
    assert "Available presets:" in problem.message and "baseline" in problem.message
    with pytest.raises(ScenarioError):
        preset_path("no-such-preset")


def test_bare_name_is_a_preset_and_anything_else_a_path(tmp_path: Path) -> None:
    assert preset_path("baseline") == loader.PRESETS_DIR / "baseline.toml"
    err = load_error(tmp_path / "baseline")  # a Path is always a path
    assert_reported(err, "baseline")
    assert "file not found" in str(err)


# --- extends and merging -------------------------------------------------------------


def test_child_extends_a_preset() -> None:
    scenario = load_scenario(DATA / "child_gvi.toml")
    baseline = load_scenario("baseline")
    assert scenario.name == "child-gvi"
    assert scenario.callins.enabled and scenario.callins.attendees == 12
    assert scenario.enforcement.enabled and scenario.enforcement.fidelity == 0.5
    assert scenario.violence == baseline.violence
    assert scenario.callins.interval_days == baseline.callins.interval_days


def test_deep_merge_child_wins_and_tables_merge_key_by_key() -> None:
    scenario = load_scenario(DATA / "grandchild.toml")
    assert scenario.name == "grandchild"
    assert scenario.description == ""  # a file's description is its own, not inherited
    assert scenario.enforcement.delay_days == 7  # grandchild
    assert scenario.enforcement.fidelity == 0.5  # child
    assert scenario.enforcement.enabled  # child
    assert scenario.callins.attendees == 12  # child, a table the grandchild never opens
    assert scenario.time.horizon_days == 730


def test_child_scalar_replaces_a_parent_table(tmp_path: Path) -> None:
    (tmp_path / "parent.toml").write_text('name = "p"\n[callins]\nenabled = true\n')
    (tmp_path / "child.toml").write_text('extends = "parent.toml"\ncallins = 3\n')
    err = load_error(tmp_path / "child.toml")
    problem = assert_reported(err, "child.toml", "callins")
    assert "must be a table" in problem.message


def test_error_in_parent_is_reported_against_the_parent() -> None:
    err = load_error(DATA / "child_of_bad.toml")
    assert_reported(err, "bad_parent.toml", "enforcement.fidelity")
    assert_reported(err, "child_of_bad.toml", "callins.attendees")


def test_extends_cycle_names_the_chain() -> None:
    err = load_error(DATA / "cycle_a.toml")
    problem = assert_reported(err, "cycle_b.toml", "extends")
    assert "extends cycle" in problem.message
    assert "cycle_a.toml -> " in problem.message and "cycle_b.toml -> " in problem.message
    problem = assert_reported(
        load_error(DATA / "self_extends.toml"), "self_extends.toml", "extends"
    )
    assert "cycle" in problem.message


def test_missing_parent_file_and_missing_parent_preset() -> None:
    problem = assert_reported(
        load_error(DATA / "missing_parent.toml"), "missing_parent.toml", "extends"
    )
    assert problem.value == "no_such_parent.toml"
    assert "parent file not found" in problem.message
    problem = assert_reported(
        load_error(DATA / "missing_preset.toml"), "missing_preset.toml", "extends"
    )
    assert "did you mean 'baseline'?" in problem.message


def test_extends_must_be_text(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text("extends = 5\n")
    problem = assert_reported(load_error(tmp_path / "s.toml"), "s.toml", "extends")
    assert "preset name or a path" in problem.message


# --- values --------------------------------------------------------------------------


def test_wrong_types_are_explained() -> None:
    err = load_error(DATA / "wrong_types.toml")
    messages = {p.key: p.message for p in err.problems}
    assert messages["callins.enabled"].startswith("must be true or false")
    assert messages["callins.attendees"].startswith("must be a whole number")
    assert "without quotes" in messages["callins.attendees"]
    assert messages["time.horizon_days"].startswith("must be a whole number")
    assert messages["time.warmup_days"].startswith("must be a whole number")
    assert messages["violence.p_fatal"].startswith("must be a number")
    assert_reported(err, "wrong_types.toml", "callins.enabled")


def test_out_of_range_values_give_the_allowed_range_and_unit() -> None:
    err = load_error(DATA / "out_of_range.toml")
    problem = assert_reported(err, "out_of_range.toml", "enforcement.fidelity")
    assert problem.value == 1.5
    assert problem.message == "must be >= 0 and <= 1 (probability)"
    assert "enforcement.fidelity = 1.5: must be >= 0 and <= 1 (probability)" in str(err)
    problem = assert_reported(err, "out_of_range.toml", "support.workers")
    assert problem.message == "must be >= 0 and <= 500 (workers)"


def test_nan_and_inf_are_refused() -> None:
    err = load_error(DATA / "nan_inf.toml")
    for key in ("violence.p_fatal", "violence.base_hazard"):
        problem = assert_reported(err, "nan_inf.toml", key)
        assert "finite number" in problem.message


def test_unknown_keys_get_the_closest_valid_key() -> None:
    err = load_error(DATA / "unknown_keys.toml")
    section = assert_reported(err, "unknown_keys.toml", "enforcment")
    assert section.message == "unknown key; did you mean 'enforcement'?"
    assert section.value is None  # a whole table is not echoed
    key = assert_reported(err, "unknown_keys.toml", "enforcement.fidelty")
    assert key.message == "unknown key; did you mean 'fidelity'?"


def test_misplaced_or_hopeless_keys() -> None:
    err = load_error(DATA / "misplaced_key.toml")
    misplaced = assert_reported(err, "misplaced_key.toml", "fidelity")
    assert "'enforcement.fidelity'" in misplaced.message
    hopeless = assert_reported(err, "misplaced_key.toml", "zzzz")
    assert "valid keys here:" in hopeless.message and "callins" in hopeless.message


def test_all_problems_are_reported_at_once() -> None:
    err = load_error(DATA / "many_problems.toml")
    keys = {p.key for p in err.problems}
    expected = {
        "colour",
        "callins.enabled",
        "callins.attendees",
        "enforcement.fidelity",
        "costs.callin_sek",
    }
    assert expected <= keys
    for key in expected:
        assert_reported(err, "many_problems.toml", key)


def test_rollout_after_horizon_is_a_cross_field_error() -> None:
    err = load_error(DATA / "rollout_after_horizon.toml")
    problem = assert_reported(err, "rollout_after_horizon.toml", "time.rollout_day")
    assert "must be before horizon_days" in problem.message
    assert problem.value == 400


def test_cross_field_error_is_reported_alongside_field_errors(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text(
        "[time]\nhorizon_days = 300\nrollout_day = 400\n[support]\nworkers = -1\n"
    )
    err = load_error(tmp_path / "s.toml")
    assert_reported(err, "s.toml", "support.workers")
    assert_reported(err, "s.toml", "time.rollout_day")


# --- files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("empty.toml", "file is empty"),
        ("comments_only.toml", "file is empty"),
        ("binary_junk.toml", "not a text file"),
        ("latin1.toml", "not UTF-8"),
    ],
)
def test_unreadable_files_give_one_line(name: str, words: str) -> None:
    err = load_error(DATA / name)
    problem = assert_reported(err, name, "")
    assert len(err.problems) == 1 and words in problem.message


def test_syntax_error_reports_line_and_column() -> None:
    err = load_error(DATA / "syntax_error.toml")
    problem = assert_reported(err, "syntax_error.toml", "")
    assert "TOML syntax error at line 4, column 11" in problem.message


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert "file not found" in str(load_error(tmp_path / "nope.toml"))
    assert "is a folder" in str(load_error(tmp_path))


def test_too_large_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_text("# " + "x" * (1024 * 1024) + "\n")
    problem = assert_reported(load_error(path), "big.toml", "")
    assert "file too large" in problem.message


def test_utf8_byte_order_mark_is_accepted() -> None:
    assert load_scenario(DATA / "utf8_bom.toml").name == "bom"


# --- group audit ---------------------------------------------------------------------


def test_audit_dir_is_resolved_relative_to_the_file_that_sets_it() -> None:
    expected = str((AUDITS / "bom_semicolon").resolve())
    assert load_scenario(DATA / "with_audit.toml").city.audit_dir == expected
    assert load_scenario(DATA / "audit_child.toml").city.audit_dir == expected


def test_bad_audit_fails_at_load_time() -> None:
    err = load_error(DATA / "bad_audit.toml")
    assert_reported(err, "bad_audit.toml", "city.audit_dir")
    assert_reported(err, "rivalries.csv", "row 3, group_b")


def test_missing_audit_folder(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text('[city]\naudit_dir = "nowhere"\n')
    err = load_error(tmp_path / "s.toml")
    assert_reported(err, "s.toml", "city.audit_dir")
    assert "group-audit folder not found" in str(err)


# --- the error type ------------------------------------------------------------------


def test_problem_is_one_line_and_omits_empty_parts() -> None:
    assert str(Problem("a.toml", "x.y", 2, "too big")) == "a.toml: x.y = 2: too big"
    assert str(Problem("a.toml", "", None, "file is empty")) == "a.toml: file is empty"
    assert str(Problem("a.csv", "row 3, size", None, "is empty")) == "a.csv: row 3, size: is empty"
    assert "\n" not in str(Problem("a\nb.toml", "k\nk", "v\nv", "m\nm"))


def test_scenario_error_joins_lines_and_survives_pickling() -> None:
    err = ScenarioError([Problem("a.toml", "k", 1, "bad"), Problem("b.toml", "", None, "empty")])
    assert str(err) == "a.toml: k = 1: bad\nb.toml: empty"
    assert isinstance(err, ValueError)
    again = pickle.loads(pickle.dumps(err))
    assert again.problems == err.problems and str(again) == str(err)


def test_validate_files_collects_problems_from_every_file() -> None:
    assert validate_files([DATA / "child_gvi.toml", "baseline"]) == []
    problems = validate_files([DATA / "out_of_range.toml", DATA / "empty.toml"])
    assert {Path(p.file).name for p in problems} == {"out_of_range.toml", "empty.toml"}
    assert len(problems) == 3


# --- nothing but Scenario or ScenarioError -------------------------------------------

_KEYS = [
    "name",
    "description",
    "extends",
    "enabled",
    "fidelity",
    "horizon_days",
    "rollout_day",
    "audit_dir",
    "p_fatal",
    "lapse_day",
    "bogus",
]
_SECTIONS = ["time", "city", "violence", "callins", "enforcement", "partnership", "zz"]
_VALUES = [
    '"baseline"',
    '"x.toml"',
    '"."',
    '""',
    "true",
    "0",
    "-1",
    "0.5",
    "1e400",
    "nan",
    "-inf",
    "[1, 2]",
    "{ a = 1 }",
    "1979-05-27",
    '"\\u0000"',
    "yes",
    "9" * 40,
]
_tomlish = st.lists(
    st.one_of(
        st.sampled_from(_SECTIONS).map(lambda s: f"[{s}]"),
        st.tuples(st.sampled_from(_KEYS), st.sampled_from(_VALUES)).map(" = ".join),
        st.text(max_size=20),
    ),
    max_size=12,
).map("\n".join)


@settings(max_examples=60, deadline=None)
@given(content=st.one_of(_tomlish, st.text(max_size=200), st.binary(max_size=200)))
def test_any_input_gives_a_scenario_or_a_scenario_error(content: str | bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.toml"
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
        else:
            path.write_bytes(content)
        try:
            assert isinstance(load_scenario(path), Scenario)
        except ScenarioError as err:
            assert err.problems and "Traceback" not in str(err)
