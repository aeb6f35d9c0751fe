"""`make demo`'s figures in the docs (gvi.demofigures): the record taken from a
comparison, the paragraphs written from it, and a missing figure refused."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from experiments import compare
from gvi import demofigures as demo
from gvi.demofigures import BLOCKS, DEMO, DEMO_FIXED, Figures, MissingFigure

SCENARIOS = ["baseline", "gvi", "deterrence_only", "support_only", "crackdown", "gvi_lapse"]


@pytest.fixture(scope="module")
def small() -> Any:
    """`make demo`'s scenarios with the shipped ensemble, at 4 replicates."""
    return compare(SCENARIOS, replicates=4, seed=1)


def _flat(rec: Any, at: str = "") -> dict[str, Any]:
    if not isinstance(rec, dict):
        return {at: rec}
    return {k: v for key, value in rec.items() for k, v in _flat(value, f"{at}.{key}").items()}


def _records(ensemble_record: dict[str, Any], fixed_record: dict[str, Any]) -> dict[Path, Any]:
    return {DEMO: ensemble_record, DEMO_FIXED: fixed_record}


def test_a_record_names_the_command_and_holds_every_figure_the_docs_need(small) -> None:
    rec = demo.record(small)
    assert rec["command"] == f"gvi compare {' '.join(SCENARIOS)} --replicates 4"
    assert rec["replicates"] == 4 and rec["root_seed"] == 1
    assert rec["ensemble"]["sha256"] == small.ensemble["sha256"]
    assert rec["model"] == small.manifest["model"]
    gvi = rec["scenarios"]["gvi"]
    row = small.effects.query("scenario == 'gvi' and metric == 'shootings'").iloc[0]
    assert gvi["change"]["shootings"] == {
        "pct": row.change_pct,
        "low": row.ci_low,
        "high": row.ci_high,
    }
    assert set(rec["scenarios"]["gvi_lapse"]["windows"]) == {"before_lapse", "after_lapse", "last"}
    json.dumps(rec, allow_nan=False)  # plain JSON: undefined figures are null
    # 4 draws of 200 sets: none repeats, so the split of the spread is undefined and the
    # paragraph that gives it is refused; the others can be written
    assert gvi["spread"]["sets_repeated"] == 0 and gvi["spread"]["model_share"] is None
    for block in BLOCKS:
        if block.name == "demo-effects":
            with pytest.raises(MissingFigure, match=r"spread\.model_share is missing"):
                block.render(Figures(rec, "test"))
        else:
            assert block.render(Figures(rec, "test"))


def test_a_record_of_the_fixed_parameters_says_so_and_writes_the_fixed_paragraphs() -> None:
    c = compare(["baseline", "gvi", "deterrence_only", "support_only", "crackdown", "gvi_lapse"],
                replicates=3, seed=1, ensemble=None)  # fmt: skip
    rec = demo.record(c)
    assert rec["ensemble"] is None and rec["command"].endswith("--replicates 3 --fixed-parameters")
    assert "runs" not in rec["scenarios"]["gvi"] and "spread" not in rec["scenarios"]["gvi"]
    for block in BLOCKS:
        if block.source == DEMO_FIXED:
            assert block.render(Figures(rec, "test"))


def test_the_record_command_reads_a_saved_result_folder(small, tmp_path: Path) -> None:
    small.save(tmp_path / "run")
    out = demo.write_record(tmp_path / "run", tmp_path / "demo.json")
    stored = json.loads(out.read_text(encoding="utf-8"))
    made = _flat(demo.record(small))
    assert _flat(stored).keys() == made.keys()
    for key, value in _flat(stored).items():  # effects.csv keeps all but the last digit
        if isinstance(value, float):
            assert value == pytest.approx(made[key], rel=1e-12), key
        else:
            assert value == made[key], key
    assert demo.main([str(tmp_path / "run"), str(tmp_path / "again.json")]) == 0
    assert (tmp_path / "again.json").read_text() == out.read_text()


def test_a_missing_or_undefined_figure_is_refused_by_name() -> None:
    stored = demo.load(DEMO)
    for block in BLOCKS:
        rec = copy.deepcopy(demo.load(block.source))
        del rec["scenarios"]["gvi"]
        with pytest.raises(MissingFigure, match=r"the figure scenarios\.gvi is missing"):
            demo.render(block, rec)
    rec = copy.deepcopy(stored)
    rec["scenarios"]["gvi"]["runs"]["p05"] = None  # e.g. NaN, stored as null
    with pytest.raises(MissingFigure, match=r"scenarios\.gvi\.runs\.p05 is missing"):
        demo.render(BLOCKS[0], rec)
    with pytest.raises(MissingFigure, match="demo.json"):
        demo.render(BLOCKS[0], {**stored, "replicates": "fifty"})


def test_splicing_needs_each_block_once_and_keeps_the_indent_of_a_list_item() -> None:
    records = _records(demo.load(DEMO), demo.load(DEMO_FIXED))
    block = next(b for b in BLOCKS if b.name == "demo-gvi-runs")
    text = f"- a bullet\n  {block.begin}\n  old\n  {block.end}\n- next\n"
    others = "".join(f"{b.begin}\n{b.end}\n" for b in BLOCKS if b.doc == block.doc and b != block)
    out = demo.splice_demo(others + text, block.doc, records)
    inside = out.split(block.begin)[1].split(block.end)[0]
    assert all(line.startswith("  ") for line in inside.strip("\n").splitlines())
    assert out.endswith(f"  {block.end}\n- next\n")
    with pytest.raises(ValueError, match="once"):
        demo.splice_demo(others, block.doc, records)


def test_numbers_are_written_as_the_docs_write_them() -> None:
    assert demo.pct(-25.697) == "−25.7 %" and demo.pct(18.54) == "+18.5 %"
    assert demo.pct(-0.04) == "0.0 %" and demo.pct(8.54, 0) == "+9 %"
    assert demo.pct(-11.4879, 0) == "−11 %"  # rounded once, from the stored value
    assert demo.num(-29.008) == "−29.0" and demo.num(12.70) == "+12.7"
    assert [demo.sig(x) for x in (-28.34, -25.48, -4.506, 2.766, -1.081, -40.45)] == [
        "−28", "−25", "−4.5", "+2.8", "−1.1", "−40",
    ]  # fmt: skip
    assert demo.sig(9.96) == "+10" and demo.sig(123.4) == "+123"
    assert demo.sig_plain(7.472) == "7.5" and demo.sig_plain(80.8) == "81"
    assert demo.plain(15.5) == "16" and demo.plain(0.8567, 2) == "0.86"
    assert demo.months(365) == "12 months" and demo.months(182) == "six months"
    assert demo.span(730) == "two years" and demo.span(365) == "one year"
    assert demo.span(200) == "seven months"


def test_wrapping_keeps_code_spans_and_percentages_whole_and_starts_no_block() -> None:
    code = "`gvi compare baseline gvi deterrence_only support_only crackdown gvi_lapse --replicates 50`"
    text = f"{code} (the command), then −25.7 % and − 8 % and a list - item and + 5"
    lines = demo.wrap(text, width=30).splitlines()
    assert lines[0] == code  # longer than a line: alone
    assert all(not re.match(r"([-+*>#]|\d+[.)]) ", line) for line in lines), lines
    assert "−25.7 %" in "\n".join(lines) and not any(line.startswith("%") for line in lines)
    assert " ".join(lines) == text
    assert all(line.startswith("  ") for line in demo.wrap(text, "  ", 30).splitlines())
