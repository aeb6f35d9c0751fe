"""The report templates: names, titles and descriptions from users reach every report
kind as text, never as markup; and a variable a template lacks is an error."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
import pytest
import tomli_w

from experiments import compare
from experiments.experiment import load_experiment
from experiments.fitcity import FitResult, fit_city
from experiments.sensitivity import SensitivityResult
from experiments.validation import SCENARIOS, Record, Validation, evaluate_checks
from gvi.report import render_report
from gvi.report.fitcity import render_fit_report
from gvi.report.study import summary_html
from gvi.report.templates import environment, render
from gvi.report.validation import render_html
from scenarios import load_scenario

EVIL = "<script>alert(1)</script> \"&'"
SHORT = {"time.warmup_days": 60, "time.horizon_days": 300, "time.rollout_day": 100}


def assert_escaped(html: str, *texts: str) -> None:
    """No raw script tag anywhere; every text appears escaped (quotes as text or entity)."""
    assert "<script" not in html
    body = html.replace("&#34;", '"').replace("&#39;", "'").replace("&quot;", '"')
    for text in texts:
        assert text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in body, text


# --- comparison -----------------------------------------------------------------------


def _texts(**words: str) -> dict[str, str]:
    """Title and description in both languages, each with ``EVIL`` in it."""
    return {key: f"{text} {EVIL}" for key, text in words.items()}


BASE_TEXTS = _texts(
    title="Base", title_sv="Bas", description="About base", description_sv="Om basen"
)
GVI_TEXTS = _texts(
    title="Rollout", title_sv="Insats", description="About it", description_sv="Om insatsen"
)


@pytest.fixture(scope="module")
def comparison():
    base = load_scenario("baseline").with_updates({**SHORT, **BASE_TEXTS})
    gvi = load_scenario("gvi").with_updates({**SHORT, **GVI_TEXTS, "name": "gvi_" + EVIL})
    return compare([base, gvi], replicates=2, seed=1, workers=1)


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_comparison_report_escapes_names_titles_and_descriptions(comparison, lang) -> None:
    html = render_report(comparison, lang=lang)
    keys = ("title_sv", "description_sv") if lang == "sv" else ("title", "description")
    shown = [texts[k] for texts in (BASE_TEXTS, GVI_TEXTS) for k in keys]
    assert_escaped(html, *shown, "gvi_" + EVIL)


# --- fit ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fit(tmp_path_factory: pytest.TempPathFactory) -> FitResult:
    folder = tmp_path_factory.mktemp("fit")
    base = {"name": "short_base", "extends": "baseline", "time": {"warmup_days": 30},
            "violence": {"base_hazard": 0.00012}}  # fmt: skip
    spec = {
        "name": "tiny_city",
        "title": "Town " + EVIL,
        "base": "base.toml",
        "seed": 3,
        "replicates": 3,
        "grid_points": 4,
        "check_replicates": 5,
        "city": {"n_groups": 8, "members": 96},
        "counts": {"shootings": [22, 27]},
    }
    (folder / "base.toml").write_text(tomli_w.dumps(base), encoding="utf-8")
    (folder / "fit.toml").write_text(tomli_w.dumps(spec), encoding="utf-8")
    return fit_city(folder / "fit.toml", folder / "out", workers=1)


def test_fit_report_escapes_the_city_title(fit: FitResult) -> None:
    assert_escaped(render_fit_report(fit, lang="en"), "Town " + EVIL)


# --- study summary --------------------------------------------------------------------


def test_study_summary_escapes_name_description_and_notes(tmp_path: Path) -> None:
    path = tmp_path / "sweep.toml"
    experiment = {
        "name": "sweep " + EVIL,
        "description": "about " + EVIL,
        "scenario": "gvi",
        "replicates": 2,
        "seed": 1,
        "method": {"kind": "factorial"},
        "parameters": [{"path": "enforcement.fidelity", "levels": [0.2, 1.0]}],
        "outputs": [{"name": "shootings", "metric": "shootings"}],
    }
    path.write_text(tomli_w.dumps(experiment), encoding="utf-8")
    exp = load_experiment(path)
    empty = pd.DataFrame()
    result = SensitivityResult(
        method="factorial",
        parameters=["enforcement.fidelity"],
        outputs=["shootings"],
        response=pd.DataFrame({"point": [0], "output": ["shootings " + EVIL], "mean": [1.5]}),
        indices=empty,
        second_order=empty,
        noise=empty,
        notes=["a note " + EVIL],
    )
    html = summary_html(exp, result, [])
    assert_escaped(html, "sweep " + EVIL, "about " + EVIL, "a note " + EVIL)
    assert "shootings &lt;script&gt;" in html  # pandas' own escaping of a cell


# --- validation -----------------------------------------------------------------------


def _records(rng: np.random.Generator) -> dict[str, list[Record]]:
    def record(name: str, r: int, rate: float) -> Record:
        daily = rng.poisson(rate, 1095).astype(float)
        involvement = np.sort(rng.pareto(1.0, 500).astype(int))[::-1]
        lags = list(rng.integers(5, 60, 50))
        return Record(
            scenario=name,
            replicate=r,
            rollout=365,
            end=1095,
            lapse=913,
            daily_shootings=daily,
            arrests_post=100.0,
            actions_first_year=4,
            involvement=involvement,
            retaliations=int(0.6 * daily.sum()),
            lags=lags,
            offers_notified=30,
            accepted_notified=10,
            caseload=8.5,
            offspring=np.r_[np.zeros(45, int), np.full(5, 6)],
            cascade_sizes=np.r_[np.ones(20, int), np.full(5, 5)],
        )

    return {n: [record(n, r, 0.15) for r in range(4)] for n in SCENARIOS}


def test_validation_page_escapes_the_texts_of_its_checks() -> None:
    records = _records(np.random.default_rng(1))
    checks = evaluate_checks(records, seed=1)
    checks[0] = dataclasses.replace(checks[0], name="pattern " + EVIL, note="note " + EVIL)
    html = render_html(Validation(checks, records, 4, 1))
    assert_escaped(html, "pattern " + EVIL, "note " + EVIL)


# --- the environment ------------------------------------------------------------------


def test_a_missing_variable_is_an_error() -> None:
    env = environment()
    assert env.undefined is jinja2.StrictUndefined
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()
    with pytest.raises(jinja2.UndefinedError):
        render("validation.html", lang="en", title="Model validation")


def test_every_template_loads_and_escapes() -> None:
    env = environment()
    names = env.list_templates()
    assert {"base.html", "macros.html", "comparison.html", "fit.html", "study.html"} <= set(names)
    assert "validation.html" in names
    for name in names:
        env.get_template(name)
    assert env.from_string("{{ x }}").render(x=EVIL) == (
        "&lt;script&gt;alert(1)&lt;/script&gt; &#34;&amp;&#39;"
    )
    page = render("validation.html", lang="en", title=EVIL, replicates=2, seed=1, passed=True, ensemble=None,
                  checks=[])  # fmt: skip
    assert re.search(r"<title>&lt;script&gt;", page)


def test_counted_report_sentences_take_the_singular_for_one() -> None:
    from gvi.report.templates import environment

    env = environment()
    for lang, one, many in (("en", "1 other setting is", "3 other settings are"),
                            ("sv", "1 annan inställning", "3 andra inställningar")):  # fmt: skip
        page = env.from_string('{{ "params_same"|plural(lang, n)|fill(n=n) }}')
        assert one in page.render(lang=lang, n=1)
        assert many in page.render(lang=lang, n=3)


def test_a_column_of_words_has_its_heading_aligned_as_its_text() -> None:
    from gvi.report.page import Row, Value

    env = environment()
    page = env.from_string(
        '{% from "macros.html" import table %}'
        "{% call(r) table(head, rows) %}{{ r.first }}{% endcall %}"
    )
    rows = [Row("a", [Value("17%"), Value("not within 50 years", cls="words")])]
    html = page.render(head=["Scenario", "Share", "Follow-up"], rows=rows)
    heads = re.findall(r'<th scope="col"(?: class="([^"]*)")?>([^<]*)</th>', html)
    assert heads == [("", "Scenario"), ("num", "Share"), ("num words", "Follow-up")]
    assert '<td class="num words">not within 50 years</td>' in html
    # no rows: every heading after the first is a number's
    html = page.render(head=["Scenario", "Share", "Follow-up"], rows=[])
    assert re.findall(r'class="([^"]*)"', html) == ["table-wrap", "num", "num"]
