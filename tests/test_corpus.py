"""The bad-input corpus (tests/corpus): every broken input gives exit code 2, one clear
line per problem naming the file, the place and the fix, no traceback, and writes nothing.

Each case runs through ``gvi.cli.main`` in this process (fast); a sample runs
through the installed ``gvi`` script as a user would, to prove the real exit code.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from corpus.harness import CORPUS, Case, Outcome, check, figures, load_cases, run_case, run_corpus

CASES = load_cases()
BY_ID = {c.id: c for c in CASES}

# The list of broken inputs, each with the cases that cover it.
REQUIRED = {
    "TOML syntax errors": ["scenario/syntax_unclosed_string", "experiment/syntax_error"],
    "wrong types": ["scenario/wrong_type_quoted_switch", "scenario/wrong_type_section_as_value"],
    "NaN/inf": ["scenario/nan_probability", "scenario/inf_fidelity", "experiment/nan_bounds"],
    "negative sizes": ["scenario/negative_groups", "scenario/negative_group_size"],
    "probabilities outside [0, 1]": [
        "scenario/probability_above_one",
        "scenario/probability_negative",
    ],
    "unknown keys": ["scenario/unknown_key_typo", "scenario/unknown_section"],
    "extends cycles": ["scenario/extends_cycle_a", "scenario/extends_itself"],
    "missing parents": ["scenario/extends_missing_file", "scenario/extends_missing_preset"],
    "horizon shorter than the warm-up": ["scenario/horizon_shorter_than_warmup"],
    "call-ins after the horizon": ["scenario/callin_after_horizon"],
    "empty files": ["scenario/empty", "audit/empty_groups_file", "experiment/empty"],
    "binary junk": ["scenario/binary_junk", "audit/binary_rivalries", "audit/xlsx_as_csv"],
    "non-UTF-8": ["scenario/latin1", "scenario/utf16", "audit/cp1252_groups"],
    "a 50 MB file": ["scenario/fifty_mb", "audit/fifty_mb_members"],
    "audit: missing columns": ["audit/missing_column"],
    "audit: duplicate ids": ["audit/duplicate_group_id", "audit/duplicate_member_id"],
    "audit: rivalries naming unknown groups": ["audit/unknown_group_in_rivalries"],
    "audit: self-rivalries": ["audit/self_rivalry"],
    "audit: personal identity numbers": [
        "audit/personnummer_in_cell",
        "audit/personnummer_column",
    ],
    "audit: name columns": ["audit/name_column_swedish", "audit/name_column_english"],
    "audit: BOM and semicolon Excel exports (accepted)": [
        "audit/accepted_excel_bom_semicolon",
        "audit/accepted_excel_semicolon",
    ],
    "experiment: unknown parameter paths": ["experiment/unknown_parameter_path"],
    "experiment: inverted bounds": ["experiment/inverted_bounds", "calibration/inverted_prior"],
    "experiment: zero replicates": ["experiment/zero_replicates"],
}

# Run as a user would; a handful, because every `gvi` start imports the whole model.
SUBPROCESS_SAMPLE = [
    "scenario/fifty_mb",
    "audit/personnummer_in_cell",
    "experiment/inverted_bounds",
    "calibration/zero_scale",
]


def test_the_corpus_covers_every_kind_of_bad_input() -> None:
    rejected = [c for c in CASES if c.expect == "rejected"]
    assert len(rejected) >= 45
    for what, ids in REQUIRED.items():
        missing = [i for i in ids if i not in BY_ID]
        assert not missing, f"{what}: no case {missing}"
    assert {c.category for c in CASES} == {"scenario", "audit", "experiment", "calibration"}
    accepted = {c.id for c in CASES if c.expect == "accepted"}
    assert accepted == {
        "audit/accepted_excel_bom_semicolon",
        "audit/accepted_excel_semicolon",
        "audit/accepted_plain",
    }
    for case in rejected:
        assert case.fix, f"{case.id}: declare the fix its message must give"


def test_every_declared_input_exists() -> None:
    for case in CASES:
        if case.generate or case.id.endswith(("/not_there", "/path_too_long")):
            continue
        assert case.source is not None and (CORPUS / case.source).exists(), case.id
    inputs = [p for p in CORPUS.rglob("*") if p.suffix in (".toml", ".csv")]
    inputs = [p for p in inputs if p.is_file() and p.name != "cases.toml"]
    assert all(p.stat().st_size < 10_000 for p in inputs)  # big inputs are generated


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case, tmp_path: Path) -> None:
    outcome = run_case(case, tmp_path)
    assert outcome.ok, f"{case.id}:\n" + "\n".join(outcome.failures)


def test_a_sample_through_the_installed_script(tmp_path: Path) -> None:
    cases = [BY_ID[i] for i in SUBPROCESS_SAMPLE]
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda c: run_case(c, tmp_path / "p", subprocess_run=True), cases))
    for outcome in outcomes:
        assert outcome.ok, f"{outcome.case.id}:\n" + "\n".join(outcome.failures)
        if outcome.case.expect == "rejected":
            assert outcome.code == 2 and outcome.stdout == ""
            assert "Traceback" not in outcome.stderr


def test_the_checks_catch_what_they_are_for() -> None:
    case = BY_ID["scenario/probability_above_one"]
    good = "error: x/probability_above_one.toml: enforcement.fidelity = 1.5: must be >= 0 and <= 1 (probability)\n"  # noqa: E501
    assert check(case, Outcome(case, 2, "", good)) == []
    bad = [
        Outcome(case, 1, "", good),
        Outcome(case, 2, "", good + "Traceback (most recent call last):\n"),
        Outcome(case, 2, "", good.replace("error: ", "")),
        Outcome(case, 2, "", good + good),
        Outcome(case, 2, "", good.replace("enforcement.fidelity", "fidelity")),
        Outcome(case, 2, "", good.replace("probability_above_one", "other")),
        Outcome(case, 2, "", good.replace("(probability)", "")),
        Outcome(case, 2, "", good, wrote=["out/summary.json"]),
        Outcome(case, 2, "", good.replace("1.5", "19121212-1212")),
        Outcome(case, None, "", good, crash="Traceback ...\nValueError: x"),
    ]
    for outcome in bad:
        assert check(case, outcome), outcome


def test_figures_count_the_outcomes(tmp_path: Path) -> None:
    cases = [BY_ID["scenario/empty"], BY_ID["audit/accepted_plain"]]
    outcomes = run_corpus(tmp_path, cases)
    outcomes.append(Outcome(BY_ID["scenario/latin1"], 1, "", "", failures=["exit code 1"]))
    numbers = figures(outcomes)
    assert numbers["inputs_tried"] == 3
    assert numbers["rejected_cleanly"] == 1 and numbers["accepted_as_expected"] == 1
    assert numbers["failures"] == 1 and numbers["failed_cases"] == ["scenario/latin1"]
