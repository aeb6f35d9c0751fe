"""Fitting a city to its own counts (``gvi fit-city``): recovering a known hazard, the
example city, resuming, workers, bad input and the report."""

from __future__ import annotations

import contextlib
import io
import json
import re
import tomllib
from html.parser import HTMLParser
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tomli_w

from experiments import fitcity
from experiments.fitcity import (
    FitResult,
    FitSpec,
    expected_group_size,
    fit_city,
    group_size_mean_for,
    load_fit_spec,
    synthetic_counts,
)
from gvi.cli import main
from gvi.report.fitcity import EN, SV, render_fit_report
from model.city import build_city
from scenarios import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "experiments" / "fit_city_example.toml"
# A short business as usual (30-day warm-up), started near the tiny city's level, so a
# whole fit takes a few seconds.
BASE = {"name": "short_base", "extends": "baseline", "time": {"warmup_days": 30},
        "violence": {"base_hazard": 0.00012}}  # fmt: skip
TINY = {
    "name": "tiny_city",
    "title": "Tiny town",
    "title_sv": "Lilla staden",
    "base": "base.toml",
    "seed": 3,
    "replicates": 5,
    "grid_points": 5,
    "check_replicates": 6,
    "city": {"n_groups": 8, "members": 96},
    "counts": {"shootings": [22, 27], "injured": [6, 9], "killed": [3, 2]},
}


def _write(folder: Path, spec: dict[str, Any], name: str = "fit.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "base.toml").write_text(tomli_w.dumps(BASE), encoding="utf-8")
    path = folder / name
    path.write_text(tomli_w.dumps(spec), encoding="utf-8")
    return path


def _fit_files(out: Path) -> tuple[bytes, bytes]:
    return (out / "fit.json").read_bytes(), (out / "tiny_city.toml").read_bytes()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """The tiny city fitted through the command line (1 worker): spec, folder, stdout."""
    folder = tmp_path_factory.mktemp("fit")
    spec = _write(folder, TINY)
    out = folder / "one"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["fit-city", str(spec), "--out", str(out), "--workers", "1"])
    assert code == 0
    return spec, out, buf.getvalue()


@pytest.fixture(scope="module")
def result(tiny: tuple[Path, Path, str]) -> FitResult:
    """The same fit, reopened: every run is stored, so nothing runs again."""
    spec, out, _ = tiny
    return fit_city(spec, out, workers=1)


# --- the fit ------------------------------------------------------------------------------


def test_command_prints_the_fit_and_writes_the_scenario(tiny, result: FitResult) -> None:
    spec, out, stdout = tiny
    assert "violence.base_hazard = " in stdout and "90% interval" in stdout
    assert "shootings year 1" in stdout and "shootings a year" in stdout
    assert str(out / "tiny_city.toml") in stdout and "gvi compare" in stdout
    for name in ("tiny_city.toml", "fit.html", "fit.json", "manifest.json"):
        assert (out / name).is_file(), name
    hidden = {p.name for p in out.iterdir() if p.name.startswith(".")}
    assert hidden == {".gvi-folder", ".gvi-lock"}  # the folder's mark and lock; no temporary files
    text = (out / "tiny_city.toml").read_text(encoding="utf-8")
    assert text.startswith("# Business as usual of tiny_city")
    data = tomllib.loads(text)
    assert data["extends"] == "../base.toml"
    assert data["city"] == {"n_groups": 8, "group_size_mean": pytest.approx(12.0, abs=0.2)}
    assert data["violence"]["base_hazard"] == result.hazard
    # the shares of shootings that injure or kill: the counted shares (15/49, 5/49)
    assert data["violence"]["p_injury"] == pytest.approx(15 / 49, abs=0.02)
    assert data["violence"]["p_fatal"] == pytest.approx(5 / 49, abs=0.02)
    scenario = load_scenario(out / "tiny_city.toml")
    assert scenario == result.scenario
    assert not scenario.intervention
    assert scenario.violence.base_hazard == result.hazard
    lo, hi = result.interval
    assert lo < result.hazard < hi
    assert json.loads((out / "fit.json").read_text(encoding="utf-8")) == result.summary


def test_frames_and_summary_hold_together(result: FitResult) -> None:
    s = result.summary
    grid = result.grid
    assert len(grid) >= 5 and grid["hazard"].is_monotonic_increasing
    assert (grid["runs"] == 5).all()
    post = result.posterior
    assert post["cdf"].iloc[0] == 0 and post["cdf"].iloc[-1] == pytest.approx(1)
    assert np.trapezoid(post["density"], post["log_hazard"]) == pytest.approx(1, rel=1e-6)
    assert set(result.check["measure"]) == {"shootings", "injured", "killed"}
    assert s["runs"]["total"] == len(result.runs)
    assert s["check"]["replicates"] == 6 and s["check"]["hazard"] == result.hazard
    shootings = result.check[result.check["measure"] == "shootings"]
    assert list(shootings["observed"]) == [22, 27]
    assert (shootings["ci_low"] <= shootings["mean"]).all()


def test_resume_and_workers_give_the_same_fit(tiny, monkeypatch) -> None:
    """Interrupted after 20 runs on 1 worker, finished on 2 workers: the same fit as
    uninterrupted on 1 worker; a rerun of a finished fit runs nothing."""
    spec, out, _ = tiny
    one = _fit_files(out)
    calls = {"n": 0}
    real = fitcity.FitEvaluator.__call__

    def flaky(self, job):
        calls["n"] += 1
        if calls["n"] > 20:
            raise KeyboardInterrupt
        return real(self, job)

    cut = out.parent / "cut"  # a sibling: the scenario file's relative paths are the same
    monkeypatch.setattr(fitcity.FitEvaluator, "__call__", flaky)
    with pytest.raises(KeyboardInterrupt):
        fit_city(spec, cut, workers=1)
    assert not (cut / "fit.json").exists()
    assert json.loads((cut / "manifest.json").read_text())["pipeline"]["status"] == "interrupted"
    monkeypatch.setattr(fitcity.FitEvaluator, "__call__", real)
    fit_city(spec, cut, workers=2)
    assert _fit_files(cut) == one
    monkeypatch.setattr(fitcity.FitEvaluator, "__call__", flaky)  # any run would fail now
    fit_city(spec, out, workers=1)
    assert _fit_files(out) == one


@pytest.mark.slow
@pytest.mark.skipif(find_spec("distributed") is None, reason="dask[distributed] not installed")
def test_a_local_dask_cluster_gives_the_same_fit(tiny) -> None:
    spec, out, _ = tiny
    fit_city(spec, out.parent / "dask", dask_local=2)
    assert _fit_files(out.parent / "dask") == _fit_files(out)


# Coverage of the fit's 90 % interval over synthetic cities: a single draw misses one time
# in ten by design, so the test asks for at least COVERED_AT_LEAST of DATASETS (a fit
# whose intervals were right would fail this about 1.3 % of the time). Measured with
# overdispersed retaliation: 9 of 12 (seeds 424242-424253), below the nominal 90 %.
DATASETS = 10
COVERED_AT_LEAST = 7


@pytest.mark.slow
def test_a_known_hazard_is_recovered_inside_its_interval(tmp_path: Path) -> None:
    """Counts of three years drawn from the model at a known hazard (a city and seeds
    of their own): the fit's 90 % interval holds the true value in most datasets."""
    true = 0.00015
    covered, misses = 0, []
    for k in range(DATASETS):
        folder = tmp_path / f"d{k}"
        spec = {**TINY, "counts": {"shootings": [1, 1, 1]}, "seed": 11}
        shape = load_fit_spec(_write(folder, spec))
        counts = synthetic_counts(shape, true, seed=424242 + k)["shootings"]
        fit = load_fit_spec(_write(folder, {**spec, "counts": {"shootings": counts}}))
        lo, hi = fit_city(fit, folder / "out", workers=2, ensemble=None).interval
        covered += lo <= true <= hi
        if not lo <= true <= hi:
            misses.append((counts, lo, hi))
    assert covered >= COVERED_AT_LEAST, misses


COVERAGE = {"replicates": 10, "grid_points": 7}  # the spread needs enough runs to be right


@pytest.mark.slow
def test_coverage_of_the_interval_over_seeds(tmp_path: Path) -> None:
    """Ten small synthetic cities at a known hazard, four years each, 10 runs at each of
    7 hazard values: the 90 % interval holds the true value in at least 7 (a 90 %
    interval misses 4 or more in 1.3 % of trials; measured: 9 of these 10, 16 of 20)."""
    true, inside = 0.00015, []
    for i in range(10):
        spec = {**TINY, **COVERAGE, "counts": {"shootings": [1] * 4}, "seed": 100 + i}
        shape = load_fit_spec(_write(tmp_path / f"c{i}", spec))
        counts = synthetic_counts(shape, true, seed=9000 + i)["shootings"]
        fit = load_fit_spec(_write(tmp_path / f"c{i}", {**spec, "counts": {"shootings": counts}}))
        lo, hi = fit_city(fit, tmp_path / f"c{i}" / "out", workers=2, ensemble=None).interval
        inside.append(lo <= true <= hi)
    assert sum(inside) >= 7, inside


@pytest.mark.slow
def test_example_city_reproduces_its_counts(tmp_path: Path) -> None:
    """300 members in 20 groups, 48 and 55 shootings: the fitted business as usual gives
    51.5 shootings a year within 10 %, in cities of 300 members within 3 %."""
    result = fit_city(EXAMPLE, tmp_path / "example", workers=2)
    check = result.summary["check"]
    assert 46.35 <= check["mean_per_year"] <= 56.65, check
    assert result.summary["city"]["simulated_members_mean"] == pytest.approx(300, rel=0.03)
    lo, hi = result.interval
    assert lo < result.hazard < hi


# --- the city -----------------------------------------------------------------------------


@pytest.mark.parametrize(("members", "groups"), [(300, 20), (120, 20)])
def test_generated_cities_have_the_members_given(members: int, groups: int) -> None:
    """Group sizes are gamma draws rounded and raised to city.min_group_size; the mean
    size is set so that the generated cities hold ``members`` on average."""
    base = load_scenario("baseline")
    sd, least = base.city.group_size_sd, base.city.min_group_size
    mean = group_size_mean_for(members / groups, sd, least)
    assert expected_group_size(mean, sd, least) == pytest.approx(members / groups, abs=0.01)
    sc = base.with_updates({"city.n_groups": groups, "city.group_size_mean": mean})
    totals = [
        build_city(
            sc, np.random.default_rng(np.random.SeedSequence(7, spawn_key=(i,)))
        ).nominal_size.sum()
        for i in range(400)
    ]
    assert np.mean(totals) == pytest.approx(members, rel=0.02)
    if members == 120:  # 6 a group: without the correction the truncation adds about 40 %
        assert mean < 6 - 1


def test_a_group_audit_gives_the_city(tmp_path: Path) -> None:
    audit = ROOT / "scenarios" / "audits" / "example"
    spec = {**TINY, "city": {"audit_dir": str(audit), "rivals_per_group": 2.0}}
    fit = load_fit_spec(_write(tmp_path, spec))
    updates = fitcity._city_updates(fit, load_scenario(fit.base_ref()))
    assert updates == {"city.audit_dir": str(audit), "city.rivals_per_group": 2.0}
    assert len(synthetic_counts(fit, 0.0001, seed=5)["shootings"]) == 2


def test_the_example_file_is_valid() -> None:
    spec = load_fit_spec(EXAMPLE)
    assert spec.city == {"n_groups": 20, "members": 300}
    assert spec.counts.shootings == [48, 55]
    assert spec.name == "example_city" and spec.base == "baseline"


def test_a_spec_built_in_python_is_checked_too() -> None:
    ok = FitSpec(name="x", city={"n_groups": 20, "members": 300}, counts={"shootings": [48, 55]})
    fitcity.check_spec(ok)
    bad = FitSpec(name="x", city={"n_groups": 20, "members": 10}, counts={"shootings": [48]})
    with pytest.raises(ScenarioError, match="city.members"):
        fitcity.check_spec(bad)


# --- bad input ----------------------------------------------------------------------------


def _without(spec: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in spec.items() if k not in keys}


EXAMPLE_SPEC = {"name": "bad_city", "city": {"n_groups": 20, "members": 300},
                "counts": {"shootings": [48, 55]}}  # fmt: skip
BAD = [
    ({**EXAMPLE_SPEC, "counts": {"shootings": [48, -3]}}, "counts.shootings = [48, -3]"),
    ({**EXAMPLE_SPEC, "counts": {"shootings": [48, 55], "injured": [3]}}, "counts.injured"),
    ({**EXAMPLE_SPEC, "city": {"n_groups": 20, "members": 12}}, "city.members = 12"),
    ({**EXAMPLE_SPEC, "city": {"n_group": 20, "members": 300}}, "did you mean 'n_groups'"),
    ({**EXAMPLE_SPEC, "replicate": 5}, "did you mean 'replicates'"),
    (_without(EXAMPLE_SPEC, "counts"), "counts: is required"),
    ({**EXAMPLE_SPEC, "counts": {"shootings": [48.5, 55]}}, "whole numbers"),
    ({**EXAMPLE_SPEC, "counts": {"shootings": []}}, "counts.shootings"),
    ({**EXAMPLE_SPEC, "city": {"members": 300}}, "city.n_groups"),
    ({**EXAMPLE_SPEC, "city": {"n_groups": 20, "members": 300, "audit_dir": "a"}}, "not both"),
    (
        {**EXAMPLE_SPEC, "city": {"n_groups": 20, "members": 300, "rivals_per_group": -1.0}},
        "city.rivals_per_group",
    ),  # fmt: skip
    ({**EXAMPLE_SPEC, "base": "baseline_typo"}, "no preset named"),
    (
        {"name": "x", "city": {"audit_dir": "nowhere"}, "counts": {"shootings": [3]}},
        "group-audit folder not found",
    ),  # fmt: skip
    ({**EXAMPLE_SPEC, "name": "my city!"}, "name = 'my city!'"),
    (
        {**EXAMPLE_SPEC, "counts": {"shootings": [5, 5], "killed": [4, 4], "injured": [1, 2]}},
        "more than the 10 shootings",
    ),  # fmt: skip
]


@pytest.mark.parametrize(("spec", "fragment"), BAD)
def test_bad_input_exits_2_in_one_line_and_writes_nothing(
    spec: dict[str, Any], fragment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "fit.toml"
    path.write_text(tomli_w.dumps(spec), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["fit-city", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert fragment in err and "fit.toml" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_bad_command_line_and_used_folders_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, TINY)
    for args, fragment in (
        (["--workers", "0"], "--workers 0"),
        (["--dask-local", "0"], "--dask-local 0"),
    ):
        assert main(["fit-city", str(path), "--out", str(tmp_path / "o"), *args]) == 2
        assert fragment in capsys.readouterr().err
    assert main(["fit-city", str(tmp_path / "missing.toml")]) == 2
    assert "no such file" in capsys.readouterr().err
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["fit-city", str(path), "--out", str(used)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "gvi did not write here" in err
    assert [p.name for p in used.iterdir()] == ["notes.txt"]
    assert not (tmp_path / "o").exists()


# --- the report ---------------------------------------------------------------------------


class _Text(HTMLParser):
    """The visible text of a page (alt texts included), and its image sources."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.images: list[str] = []
        self.lang = ""
        self._style = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self._style = tag == "style"
        if tag == "html":
            self.lang = a.get("lang") or ""
        if tag == "img":
            self.images.append(a.get("src") or "")
        for key in ("alt", "aria-label", "title"):
            if a.get(key):
                self.parts.append(a[key] or "")

    def handle_endtag(self, tag: str) -> None:
        self._style = False

    def handle_data(self, data: str) -> None:
        if not self._style:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def _fragments(own: dict[str, str], other: dict[str, str]) -> list[str]:
    """Pieces of ``own``'s texts (between placeholders) that the other language lacks."""
    theirs = " ".join(other.values())
    pieces = []
    for key, text in own.items():
        if text == other[key]:
            continue
        for piece in re.split(r"\{[^}]*\}", text):
            piece = " ".join(piece.split()).strip(" .,:;()")
            if len(piece) >= 8 and piece not in theirs:
                pieces.append(piece)
    return pieces


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_report_opens_offline_in_one_language(result: FitResult, lang: str) -> None:
    html = render_fit_report(result, lang=lang)
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html and "<link" not in html and "<style>" in html
    page = _Text(html)
    assert page.lang == lang
    assert len(page.images) == 3
    assert all(s.startswith("data:image/png;base64,") and len(s) > 2000 for s in page.images)
    own, other = (EN, SV) if lang == "en" else (SV, EN)
    assert set(EN) == set(SV)
    found = [p for p in _fragments(other, own) if p in page.text]
    assert not found, f"text of the other language: {found}"
    title, foreign = (
        ("Tiny town", "Lilla staden") if lang == "en" else ("Lilla staden", "Tiny town")
    )
    assert title in page.text and foreign not in page.text
    assert "violence.base_hazard" in page.text and "gvi compare my_city.toml" in page.text
    if lang == "sv":
        assert re.search(r"\d,\d", page.text) and "Skjutningar" in page.text
    else:
        assert "Shootings" in page.text


def test_report_in_the_folder_follows_the_language_asked(tiny, tmp_path: Path) -> None:
    spec, out, _ = tiny
    assert _Text((out / "fit.html").read_text(encoding="utf-8")).lang == "en"
    fit_city(spec, out, workers=1, lang="sv")  # stored runs: only the report is rewritten
    assert _Text((out / "fit.html").read_text(encoding="utf-8")).lang == "sv"
    fit_city(spec, out, workers=1)


def test_with_an_ensemble_each_replicate_runs_its_drawn_set(tmp_path: Path) -> None:
    """Replicate r of every hazard runs the parameter set drawn for it (marginal over
    model uncertainty, as the comparisons of the fitted city are); the summary and the
    report say what the intervals cover."""
    from test_ensemble_compare import _current

    from experiments import ensemble
    from experiments.fitcity import HAZARD, FitEvaluator
    from experiments.pipeline import Job

    ens_dir = _current(tmp_path / "ens")
    spec = load_fit_spec(_write(tmp_path, {**TINY, "replicates": 3, "grid_points": 5}))
    result = fit_city(spec, tmp_path / "out", workers=1, ensemble=ens_dir)
    record = result.summary["ensemble"]
    ens = ensemble.load(ens_dir)
    assert record["sets"] == len(ens) and record["kept"] == {}
    assert result.summary["intervals_cover"].startswith("model uncertainty")
    assert "posterior ensemble" in (tmp_path / "out" / "fit.html").read_text(encoding="utf-8")
    by_set = dict(zip(ens.sets["set"].tolist(), ens.parameter_sets(), strict=True))
    sets = tuple(by_set[d] for d in record["draws"])
    ev = FitEvaluator(result.scenario.with_updates({"name": "fit-city"}), 7, 1, sets)
    plain = FitEvaluator(result.scenario.with_updates({"name": "fit-city"}), 7, 1)
    job = Job(0, 1, {HAZARD: result.hazard})
    fixed_at_set = FitEvaluator(result.scenario.with_updates(sets[1]), 7, 1)
    assert ev(job) == fixed_at_set(job) != plain(job)
    fixed = fit_city(spec, tmp_path / "fixed", workers=1, ensemble=None)
    assert fixed.summary["ensemble"] is None
