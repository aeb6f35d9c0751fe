"""The HTML comparison report: complete, self-contained, bilingual and true to the numbers."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from experiments import Comparison, compare
from gvi.report import render_report
from gvi.report.fmt import Fmt
from gvi.report.text import EN, SV
from gvi.report.vocab import UNITS_SV
from model.metrics import METRICS
from scenarios import load_scenario, parameters

SECTIONS = ("headline", "compared", "timeline", "effects", "costs", "summary", "howto", "limits")
SHORT = {"time.warmup_days": 60, "time.horizon_days": 300, "time.rollout_day": 100}
SWITCHED_ON_BY_GVI = {
    "callins.enabled",
    "notifications.enabled",
    "enforcement.enabled",
    "support.enabled",
}


class Page(HTMLParser):
    """What a reader sees: text per section, headings, images and attribute texts."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.lang: str | None = None
        self.section: str | None = None
        self.h2: dict[str, str] = {}
        self.text: dict[str | None, list[str]] = {}
        self.images: list[str] = []
        self.codes: dict[str | None, list[str]] = {}
        self._stack: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "section":
            self.section = a.get("id")
            self.h2.setdefault(self.section or "", "")
        if tag == "img":
            self.images.append(a.get("src") or "")
        for key in ("alt", "title", "aria-label"):
            if a.get(key):
                self.text.setdefault(self.section, []).append(a[key] or "")
        if tag not in ("img", "meta", "br", "wbr"):
            self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass
        if tag == "section":
            self.section = None

    def handle_data(self, data: str) -> None:
        if "style" in self._stack:
            return
        self.text.setdefault(self.section, []).append(data)
        if self._stack and self._stack[-1] == "h2" and self.section:
            self.h2[self.section] += data
        if self._stack and self._stack[-1] == "code":
            self.codes.setdefault(self.section, []).append(data)

    def visible(self, section: str | None = None) -> str:
        """The text of one section, or of the whole page when ``section`` is None."""
        parts = self.text.values() if section is None else [self.text.get(section, [])]
        return " ".join(t for p in parts for t in p)


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    base = load_scenario("baseline").with_updates(SHORT)
    gvi = load_scenario("gvi").with_updates(SHORT)
    return compare([base, gvi], replicates=3, seed=1, workers=1)


@pytest.fixture(scope="module")
def english(comparison: Comparison) -> str:
    return render_report(comparison, lang="en")


@pytest.fixture(scope="module")
def swedish(comparison: Comparison) -> str:
    return render_report(comparison, lang="sv")


def test_english_report_has_every_section_heading_and_image(english: str) -> None:
    page = Page(english)
    assert page.lang == "en"
    for ident in SECTIONS:
        assert page.h2.get(ident, "").strip(), f"section {ident!r} missing or without heading"
    pngs = [s for s in page.images if s.startswith("data:image/png;base64,")]
    assert len(pngs) >= 3 and len(pngs) == len(page.images)
    assert all(len(s) > 1000 for s in pngs)


def test_report_is_self_contained(english: str, swedish: str) -> None:
    for html in (english, swedish):
        assert "http://" not in html and "https://" not in html
        assert "<link" not in html and "<script" not in html
        assert "<style>" in html


def test_swedish_report_has_no_english_headings_or_labels(
    comparison: Comparison, swedish: str
) -> None:
    page = Page(swedish)
    assert page.lang == "sv"
    text = page.visible()
    english = [v.split("{")[0].strip() for k, v in EN.items() if k.startswith("h_")]
    english += [EN[k] for k in ("title", "x_months", "y_weekly", "rollout", "col_measure")]
    english += [m.label for m in METRICS]
    english += [p.label for p in parameters() if p.path in SWITCHED_ON_BY_GVI]
    found = [e for e in english if e and e in text]
    assert not found, f"English strings in the Swedish report: {found}"
    for ident in SECTIONS:
        assert page.h2[ident].strip() == SV[f"h_{ident}"]
    assert "Skjutningar" in text and "miljoner kr" in text


def test_swedish_numbers_use_decimal_comma(comparison: Comparison, swedish: str) -> None:
    text = Page(swedish).visible("summary")
    assert re.search(r"\d,\d", text)
    assert not re.search(r"\d\.\d", text)


def headline_number(sentence: str, lang: str) -> float:
    """The first percentage of a headline sentence, as a signed or unsigned float."""
    m = re.search(r"([−+]?\d[\d\u00a0,.]*)\u00a0?%", sentence)
    assert m, sentence
    raw = m.group(1).replace("\u00a0", "").replace("−", "-")
    raw = raw.replace(",", ".") if lang == "sv" else raw.replace(",", "")
    return float(raw)


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_headline_states_the_effect_on_shootings(
    comparison: Comparison, english: str, swedish: str, lang: str
) -> None:
    e = comparison.effects
    row = e[(e["scenario"] == "gvi") & (e["metric"] == "shootings")].iloc[0]
    text = Page(english if lang == "en" else swedish).visible("headline")
    title = comparison.scenario("gvi").display_title(lang)  # headlines use the title
    sentence = next(s for s in re.split(r"(?<=\.)\s", text) if title in s)
    stated = headline_number(sentence, lang)
    decimals = 0 if abs(row.change_pct) >= 10 else 1
    words = {"en": ("cut", "raised"), "sv": ("minskade", "ökade")}[lang]
    if row.ci_high < 0:
        assert words[0] in sentence
        expected = -row.change_pct
    elif row.ci_low > 0:
        assert words[1] in sentence
        expected = row.change_pct
    else:
        assert ("cannot tell" if lang == "en" else "kan inte skilja") in sentence
        expected = row.change_pct
    assert stated == pytest.approx(round(expected, decimals), abs=1e-9)
    assert f"{comparison.replicates} " in sentence


def test_settings_table_lists_exactly_the_differing_parameters(
    comparison: Comparison, english: str
) -> None:
    page = Page(english)
    listed = set(page.codes.get("compared", [])) - set(comparison.names)  # names beside titles
    assert listed == SWITCHED_ON_BY_GVI
    others = len(parameters()) - len(SWITCHED_ON_BY_GVI)
    assert f"{others} other settings are the same" in page.visible("compared")


def test_unknown_language_is_refused(comparison: Comparison) -> None:
    with pytest.raises(ValueError, match="lang"):
        render_report(comparison, lang="de")


def test_comparison_writes_its_report(comparison: Comparison, tmp_path: Path) -> None:
    path = comparison.report(tmp_path / "report.html", lang="sv")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_both_languages_have_the_same_strings_and_every_unit() -> None:
    assert set(EN) == set(SV)
    units = {p.unit for p in parameters()} | {m.unit for m in METRICS}
    assert units <= set(UNITS_SV), sorted(units - set(UNITS_SV))


@pytest.mark.parametrize(
    ("lang", "call", "expected"),
    [
        ("en", lambda f: f.number(1234.5, 1), "1,234.5"),
        ("sv", lambda f: f.number(1234.5, 1), "1\u00a0234,5"),
        ("sv", lambda f: f.pct(-35.2, signed=True), "\u221235\u00a0%"),
        ("en", lambda f: f.pct(3.24, signed=True), "+3.2%"),
        ("sv", lambda f: f.money(2_640_000), "2,6 miljoner kr"),
        ("en", lambda f: f.money(2_640_000), "SEK 2.6 million"),
        ("sv", lambda f: f.exact(0.008), "0,008"),
        ("en", lambda f: f.pct_range(2.9, 17.4), "3% to 17%"),
    ],
)
def test_numbers_are_formatted_for_the_language(lang: str, call, expected: str) -> None:
    assert call(Fmt(lang)) == expected


@pytest.mark.parametrize("ratio", [1.0, 1.3])
def test_a_scenario_without_a_drop_is_not_told_to_wait_for_power(
    comparison: Comparison, monkeypatch: pytest.MonkeyPatch, ratio: float
) -> None:
    """A scenario whose shootings do not fall has no drop for an evaluation to find: the
    report says so, instead of "80 % power is not reached even after 50 years", which
    reads as if a drop were there to be found."""
    power = comparison.power.copy()
    power.loc[power["scenario"] == "gvi", ["rate_ratio", "years_80"]] = [ratio, float("inf")]
    monkeypatch.setattr(type(comparison), "power", property(lambda self: power))
    for lang, no_drop, never in (
        ("en", "no drop to find", "50 years"),
        ("sv", "ingen minskning att hitta", "50 år"),
    ):
        text = Page(render_report(comparison, lang=lang)).visible("headline")
        assert no_drop in text
        assert never not in text
    power.loc[power["scenario"] == "gvi", "rate_ratio"] = 0.9  # a drop 50 years cannot find
    text = Page(render_report(comparison, lang="en")).visible("headline")
    assert "not within 50 years" in text and "80% power is not reached" in text
    assert "no drop to find" not in text
