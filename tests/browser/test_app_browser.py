"""The trainers' app in a real browser: loads offline, shows the city and the timeline,
steps, takes a trainer's call-in into the feed and the timeline, speaks Swedish, plays
at speed, and logs no console errors. Screenshots of each state are saved."""

from __future__ import annotations

import re
import time

import pytest

from gvi.app.text import EN, SV
from scenarios import parameters

SIZES = {"1366x768": (1366, 768), "1920x1080": (1920, 1080)}

# the scenario and levers sit in a panel that opens from a button (closed at first)
SV_HEADINGS = {SV[k] for k in ("h_run", "h_actions", "h_city", "h_timeline", "h_feed")}
EN_HEADINGS = {EN[k] for k in ("h_run", "h_actions", "h_city", "h_timeline", "h_feed")}
# words that may stay as they are on the Swedish page: the language switch names each
# language in itself, and a few loanwords are the Swedish terms of the trade
ALLOWED_ON_SV = {"English", "Call-in", "call-in", "call-ins", "GVI", "Scenario", "SEK"}


def _wait_text(tab, selector: str, pattern: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = tab.page.inner_text(selector)
        if re.search(pattern, text):
            return text
        time.sleep(0.1)
    raise AssertionError(f"{selector}: {pattern!r} not found in {text!r}")


def _wait_day(tab, day: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while tab.day() != day:
        if time.monotonic() > deadline:
            raise AssertionError(f"day counter shows {tab.day()}, expected {day}")
        time.sleep(0.05)


def _figure_drawn(tab, element_id: str, selector: str) -> None:
    """The figure is on screen, at a useful size, with its marks drawn."""
    tab.page.wait_for_function(
        f"() => {{ const s = document.querySelector('#{element_id} svg');"
        " return s && s.getBoundingClientRect().width > 300"
        f" && s.querySelectorAll('{selector}').length > 0; }}",
        timeout=30_000,
    )


def _headings(tab) -> set[str]:
    return {h.strip() for h in tab.page.locator("h2").all_inner_texts()}


def _english_words() -> set[str]:
    """Words of the English interface that the Swedish one does not use."""
    sv_words = set(re.findall(r"[A-Za-zÅÄÖåäö]+", " ".join(SV.values())))
    texts = list(EN.values())
    texts += [p.label for p in parameters() if p.lever]
    words = set(re.findall(r"[A-Za-z]{4,}", " ".join(texts)))
    return words - sv_words - ALLOWED_ON_SV


@pytest.mark.parametrize("size", list(SIZES), ids=list(SIZES))
def test_trainer_walkthrough(open_tab, size: str) -> None:
    """Load with the network blocked, step, jump to the rollout, hold a call-in, order
    enforcement, switch to Swedish: each state as a screenshot."""
    w, h = SIZES[size]
    tab = open_tab(w, h)
    page = tab.page
    _figure_drawn(tab, "gvi-city-view", "circle.node")
    _figure_drawn(tab, "gvi-timeline-view", "line.rollout")
    assert _headings(tab) == EN_HEADINGS
    assert tab.day() == 0
    assert page.inner_text("#gvi-seed").endswith("1")
    tab.shot("01-loaded")

    page.get_by_role("button", name=EN["step"]).click()
    _wait_day(tab, 1)
    page.get_by_role("button", name=EN["step_week"]).click()
    _wait_day(tab, 8)
    tab.shot("02-stepped")

    page.get_by_role("button", name=EN["jump"].format(start=366)).click()
    _wait_day(tab, 366)
    _wait_text(tab, "#gvi-feed", EN["ev_rollout"].split(":")[0])
    timeline = page.locator("#gvi-timeline-view")
    before = int(timeline.get_attribute("data-callins") or 0)
    page.get_by_role("button", name=EN["act_callin"]).click()
    _wait_text(tab, "#gvi-feed", "Call-in held by the trainer")
    _wait_text(tab, "#gvi-msg", "Call-in held")
    page.wait_for_function(
        "n => document.querySelector('#gvi-timeline-view').dataset.callins == n"
        " && document.querySelectorAll('#gvi-timeline-view .mark-callin').length > 0",
        arg=before + 1,
        timeout=30_000,
    )
    tab.shot("03-callin")

    page.get_by_role("button", name=EN["act_enforce"]).click()
    _wait_text(tab, "#gvi-msg", "Enforcement on Group A ordered|already under enforcement")
    page.get_by_role("button", name=EN["step"]).click()
    _wait_day(tab, 367)
    _wait_text(tab, "#gvi-feed", "Enforcement ordered by the trainer started on Group A")

    page.get_by_role("button", name="Svenska").click()
    page.wait_for_function(
        "want => { const h = [...document.querySelectorAll('h2')].map(e => e.innerText.trim());"
        " return h.length === want.length && want.every(t => h.includes(t)); }",
        arg=sorted(SV_HEADINGS),
        timeout=30_000,
    )
    assert _headings(tab) == SV_HEADINGS
    assert page.locator(".gvi-root").get_attribute("lang") == "sv"
    _wait_text(tab, "#gvi-day", r"^Dag 367 av")
    tab.shot("04-swedish")

    visible = page.inner_text("body")
    found = sorted(w for w in _english_words() if re.search(rf"\b{re.escape(w)}\b", visible))
    assert not found, f"English words on the Swedish page: {found}"
    assert tab.blocked == [], f"requests that left the server: {tab.blocked}"
    assert tab.errors == [], f"console errors: {tab.errors}"


def test_swedish_from_the_address_and_playback_speed(open_tab) -> None:
    """``?lang=sv`` opens in Swedish; playback reaches 10 simulated days per second with
    the page drawing (the twin included), and Pause answers promptly."""
    tab = open_tab(1366, 768, query="?lang=sv")
    page = tab.page
    assert _headings(tab) == SV_HEADINGS
    page.locator(".gvi-speed button", has_text=re.compile(r"^\s*20\s*$")).click()
    page.get_by_role("button", name=SV["play"]).click()
    time.sleep(1.0)
    d0, t0 = tab.day(), time.monotonic()
    time.sleep(5.0)
    d1, t1 = tab.day(), time.monotonic()
    started = time.monotonic()
    page.get_by_role("button", name=SV["pause"]).click()
    page.get_by_role("button", name=SV["play"]).wait_for(timeout=30_000)
    answered = time.monotonic() - started
    rate = (d1 - d0) / (t1 - t0)
    tab.shot("05-playing-sv")
    assert rate >= 10.0, f"playback at {rate:.1f} simulated days per second"
    assert answered < 2.0, f"Pause took {answered:.2f} s"
    assert tab.errors == [], f"console errors: {tab.errors}"
