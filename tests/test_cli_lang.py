"""The `gvi` command line in Swedish: ``--lang sv`` (before or after the command) or
``GVI_LANG=sv`` puts help texts, tables, messages and errors into Swedish; English stays
the default."""

from __future__ import annotations

import argparse
import inspect
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gvi.cli import main
from gvi.cli.lang import ARGPARSE_PLURALS, ARGPARSE_WORDS
from gvi.i18n import translator

GVI = shutil.which("gvi", path=str(Path(sys.executable).parent)) or "gvi"
ROOT = Path(__file__).parent.parent


def gvi(*args: str, lang: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GVI_LANG"}
    if lang is not None:
        env["GVI_LANG"] = lang
    return subprocess.run(
        [GVI, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=600
    )


def one_error_line(r: subprocess.CompletedProcess[str], prefix: str) -> str:
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(prefix), r.stderr
    return lines[0]


def test_scenarios_in_swedish() -> None:
    r = gvi("--lang", "sv", "scenarios")
    assert r.returncode == 0, r.stderr
    table, note = r.stdout.split("\n\n")
    rows = table.splitlines()
    assert rows[0].split() == ["NAMN", "STAD", "BESKRIVNING"]
    assert "baseline (32 grupper)" in table
    assert "Ordinarie arbete" in table  # the presets' Swedish descriptions
    assert note.startswith("STAD anger scenariot med ordinarie arbete")


def test_params_in_swedish_from_the_environment() -> None:
    from scenarios import parameters

    r = gvi("params", lang="sv")
    assert r.returncode == 0, r.stderr
    for spec in parameters():
        assert spec.path in r.stdout
        assert spec.label_sv in r.stdout
    assert "sannolikhet" in r.stdout and "kr per dag" in r.stdout
    lines = {line.split()[0]: line for line in r.stdout.splitlines()}
    assert " stad " in lines["city.n_groups"] and "0,3" in lines["city.core_share"]


@pytest.mark.parametrize(
    "args",
    [
        ["--lang", "sv", "run", "gvi", "--seed", "-3"],
        ["run", "gvi", "--seed", "-3", "--lang", "sv"],
        ["run", "gvi", "--seed", "-3", "--lang=sv"],
    ],
    ids=["before", "after", "equals"],
)
def test_a_usage_error_in_swedish_is_one_line_exit_2(args: list[str]) -> None:
    line = one_error_line(gvi(*args), "fel: ")
    assert line == "fel: --seed -3: måste vara >= 0"


def test_scenario_problems_in_swedish() -> None:
    r = gvi("--lang", "sv", "validate", "tests/data/scenarios/out_of_range.toml")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert lines and all(line.startswith("fel: ") for line in lines)
    assert "enforcement.fidelity = 1.5: måste vara >= 0 och <= 1 (sannolikhet)" in r.stderr
    unknown = gvi("run", "gvii", lang="sv")
    line = one_error_line(unknown, "fel: ")
    assert "menade du 'gvi'?" in line and "Färdiga scenarier:" in line


def test_help_in_swedish() -> None:
    r = gvi("--lang", "sv", "--help")
    assert r.returncode == 0
    assert r.stdout.startswith("användning: gvi ")
    assert "flaggor:" in r.stdout and "KOMMANDO" in r.stdout
    assert "kör ett scenario och sammanfatta det" in r.stdout
    assert "options:" not in r.stdout and "usage:" not in r.stdout
    sub = gvi("compare", "--help", lang="sv")
    assert "parade körningar per scenario (standard 50)" in sub.stdout


def test_argparse_errors_in_swedish() -> None:
    r = gvi("--lang", "sv", "run", "gvi", "--seed", "x")
    assert r.returncode == 2
    assert r.stderr.startswith("användning: gvi run")
    assert "gvi run: fel: argument --seed: ogiltigt int-värde: 'x'" in r.stderr


def test_a_folder_error_in_swedish(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    r = gvi("--lang", "sv", "run", "baseline", "--out", str(tmp_path))
    line = one_error_line(r, f"fel: --out {tmp_path}: innehåller filer som gvi inte har skrivit")
    assert "välj en annan --out" in line
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(
    ("args", "lang", "expected"),
    [
        (["--lang", "xx", "scenarios"], None, "error: --lang xx: unknown language"),
        (["scenarios", "--lang", "fi"], None, "error: --lang fi: unknown language"),
        (["scenarios"], "xx", "error: GVI_LANG=xx: unknown language"),
    ],
)
def test_an_unknown_language_is_a_clear_error(
    args: list[str], lang: str | None, expected: str
) -> None:
    line = one_error_line(gvi(*args, lang=lang), expected)
    assert "use one of en, sv" in line


def test_english_is_the_default_and_is_restored_after_swedish(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GVI_LANG", raising=False)
    saved = argparse._  # type: ignore[attr-defined]
    with pytest.raises(SystemExit):
        main(["--lang", "sv", "--help"])
    assert capsys.readouterr().out.startswith("användning:")
    assert argparse._ is saved  # type: ignore[attr-defined]
    with pytest.raises(SystemExit):
        main(["--help"])
    english = capsys.readouterr().out
    assert english.startswith("usage: gvi ") and "options:" in english
    assert "run one scenario and summarise it" in english
    assert main(["scenarios"]) == 0
    assert capsys.readouterr().out.splitlines()[0].split() == ["NAME", "CITY", "DESCRIPTION"]
    assert main(["run", "gvi", "--seed", "-1"]) == 2
    assert capsys.readouterr().err == "error: --seed -1: must be >= 0\n"


def test_a_run_summary_in_swedish(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "sv", "run", "baseline", "--days", "400", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Scenario 'baseline': Ordinarie arbete")
    assert "slumpfrö 2; 32 grupper" in out and "insvängning 730 dagar" in out
    assert re.search(r"Skjutningar +\d+,\d+/år", out)


def test_every_key_the_command_line_uses_is_in_both_catalogues() -> None:
    used: set[str] = set()
    for path in (ROOT / "gvi" / "cli").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\b(?:t|of|n)\(\s*["']([a-z_]+(?:\.[a-z_]+)+)["']""", text))
    used |= set(ARGPARSE_WORDS.values())
    assert len(used) > 100
    for lang in ("en", "sv"):
        t = translator("cli", lang)
        missing = used - t.keys
        assert not missing, (lang, sorted(missing))


def test_argparse_words_are_argparses_own() -> None:
    """The words looked up are the ones argparse asks for (a newer Python may reword)."""
    source = inspect.getsource(argparse)
    for english in [*ARGPARSE_WORDS, *ARGPARSE_PLURALS]:
        assert repr(english)[1:-1] in source or english in source, english
