"""The guided story in a real browser, in both languages at both sizes: every phase with
its narration and Next, the choice to keep or break the promise, the promise panel
following it, and the page's type at projector size measured from computed styles.
Screenshots of the story go to ``results/screenshots/``, and with
``GVI_APP_DOCS_SHOTS=1`` also to ``docs/app/`` (the pictures in docs/app.md), so that a
normal test run leaves the documentation alone."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from gvi.app.story import MIN_CHAIN, PHASES, choose_seed
from gvi.app.text import tr

DOCS = Path(__file__).resolve().parents[2] / "docs" / "app"

# Body text: everything a trainer reads that is not a heading or a figure.
BODY = (
    ".gvi-ev, .gvi-narration, .gvi-tile .l, .gvi-tile .t, .gvi-legend li, .gvi-note, "
    ".gvi-explain, .gvi-gap, .gvi-story-step"
)
SMALLEST_BODY = """sel => Math.min(...[...document.querySelectorAll(sel)]
    .filter(e => e.getClientRects().length)
    .map(e => parseFloat(getComputedStyle(e).fontSize)))"""
# A chart label's size on screen: its computed font size times the figure's scale.
SMALLEST_CHART_LABEL = """() => Math.min(...[...document.querySelectorAll('figure svg text')]
    .map(e => { const m = e.getScreenCTM();
                return parseFloat(getComputedStyle(e).fontSize) * Math.hypot(m.a, m.b); }))"""

CASES = [
    pytest.param("en", 1366, 768, False, id="en-1366x768-kept"),
    pytest.param("sv", 1920, 1080, True, id="sv-1920x1080-broken"),
    pytest.param("en", 1920, 1080, True, id="en-1920x1080-broken", marks=pytest.mark.slow),
    pytest.param("sv", 1366, 768, False, id="sv-1366x768-kept", marks=pytest.mark.slow),
]


def _phase(page, index: int) -> None:
    page.wait_for_selector(f'#gvi-story[data-index="{index}"]', state="attached", timeout=60_000)


@pytest.mark.parametrize(("lang", "width", "height", "broken"), CASES)
def test_story_end_to_end(open_tab, lang: str, width: int, height: int, broken: bool) -> None:
    tab = open_tab(width, height, query=f"?lang={lang}")
    page = tab.page
    page.locator(".gvi-story-start").click()
    _phase(page, 0)
    seed_text = page.inner_text("#gvi-story-seed")
    choice = choose_seed()
    assert (
        tr(lang, "story_seed", seed=choice.seed, tried=choice.tried, min=MIN_CHAIN).split(",")[0]
        in seed_text
    )
    for i in range(1, len(PHASES) - 1):  # to the choice, one Next per phase
        page.locator(".gvi-story-next").click()
        _phase(page, i)
        title = tr(lang, f"story_p{i}_title")
        assert page.locator("#gvi-story h3").inner_text().strip() == title
    assert page.locator("#gvi-story").get_attribute("data-phase") == "violence"
    page.locator(".gvi-story-keep").wait_for(timeout=30_000)
    # the whole side panel and its buttons are on screen without scrolling anything
    box = page.locator(".gvi-story-break").bounding_box()
    assert box is not None and box["y"] + box["height"] <= height
    credibility_before = float(page.locator("#gvi-promise").get_attribute("data-credibility"))
    page.locator(".gvi-story-break" if broken else ".gvi-story-keep").click()
    _phase(page, len(PHASES) - 1)
    key = "broken" if broken else "kept"
    assert page.locator("#gvi-story h3").inner_text().strip() == tr(lang, f"story_p5_{key}_title")
    credibility = float(page.locator("#gvi-promise").get_attribute("data-credibility"))
    if broken:  # unanswered violence by groups on notice wears the promise down
        assert credibility < credibility_before
    shot = tab.shot(f"story-{lang}-{key}")
    if os.environ.get("GVI_APP_DOCS_SHOTS") == "1":
        shutil.copyfile(shot, DOCS / f"story-{lang}-{width}x{height}-{key}.png")
    page.locator(".gvi-story-next").click()
    _phase(page, len(PHASES))
    assert page.locator(".gvi-story-again").is_visible()
    if width >= 1920:
        body = page.evaluate(SMALLEST_BODY, BODY)
        chart = page.evaluate(SMALLEST_CHART_LABEL)
        assert body >= 20, f"smallest body text {body:.1f} px at {width}x{height}"
        assert chart >= 18, f"smallest chart label {chart:.1f} px at {width}x{height}"
    page.locator(".gvi-story-leave").click()
    page.wait_for_selector(".gvi-story-start", timeout=30_000)
    assert tab.blocked == [], f"requests that left the server: {tab.blocked}"
    assert tab.errors == [], f"console errors: {tab.errors}"


def test_controls_reachable_at_laptop_size(open_tab) -> None:
    """At 1366x768 the side panel does not scroll on its own; the scenario and levers
    open from a button and the page scrolls to them as a whole."""
    tab = open_tab(1366, 768)
    page = tab.page
    overflow = page.evaluate("getComputedStyle(document.querySelector('.gvi-side')).overflowY")
    assert overflow == "visible"
    toggle = page.locator(".gvi-settings-toggle")
    box = toggle.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 768
    toggle.click()
    preset = page.locator(".gvi-preset")
    preset.wait_for(timeout=30_000)
    preset.scroll_into_view_if_needed()
    assert preset.is_visible()
