"""A shared server in a real browser: a page beyond the cap on sessions is told the
server is full (in its language) and gets a run once a place is free; a page left alone
loses its run after the idle time and says so, while a page in use keeps its run.
"""

from __future__ import annotations

import time

import pytest

from gvi.app.text import EN, SV

CAP = 2
IDLE = 8  # seconds


def _notice(tab, kind: str) -> str:
    tab.page.wait_for_selector(f'#gvi-notice[data-kind="{kind}"]', timeout=60_000)
    return tab.page.inner_text("#gvi-notice")


def _clean(tabs) -> None:
    for i, tab in enumerate(tabs):
        assert tab.errors == [], f"page {i}: console errors {tab.errors}"
        assert tab.blocked == [], f"page {i}: requests that left the server {tab.blocked}"


@pytest.fixture(scope="module")
def full_url(start_app) -> str:
    return start_app(GVI_APP_MAX_SESSIONS=str(CAP))


@pytest.fixture(scope="module")
def idle_url(start_app) -> str:
    return start_app(GVI_APP_MAX_SESSIONS="4", GVI_APP_IDLE_SECONDS=str(IDLE))


def test_a_page_beyond_the_cap_is_told_and_gets_a_place_when_one_frees(
    tabs_on, full_url: str
) -> None:
    open_tab = tabs_on(full_url)
    running = [open_tab() for _ in range(CAP)]
    assert [t.day() for t in running] == [0] * CAP

    extra = open_tab(wait=False)
    text = _notice(extra, "full")
    assert EN["full_title"] in text and f"({CAP} of {CAP})" in text
    assert extra.page.query_selector("#gvi-day") is None
    extra.shot("07-server-full")
    swedish = open_tab(query="?lang=sv", wait=False)
    assert SV["full_title"] in _notice(swedish, "full")
    swedish.page.get_by_role("button", name="English").click()
    swedish.page.wait_for_function(
        f"document.querySelector('#gvi-notice').innerText.includes({EN['full_title']!r})"
    )

    # a trainer closes a tab (the browser says goodbye): its place goes to the next page
    running[0].page.close(run_before_unload=True)
    deadline = time.monotonic() + 30
    while extra.page.query_selector("#gvi-day") is None:
        assert time.monotonic() < deadline, "the freed place never reached the waiting page"
        extra.page.get_by_role("button", name=EN["try_again"]).click()
        extra.page.wait_for_timeout(1000)
    assert extra.day() == 0 and running[1].day() == 0
    _clean([running[1], extra, swedish])


def test_a_page_left_alone_expires_and_a_page_in_use_does_not(tabs_on, idle_url: str) -> None:
    open_tab = tabs_on(idle_url)
    alone, busy = open_tab(), open_tab()
    step = busy.page.get_by_role("button", name=EN["step"])
    clicks = 0
    end = time.monotonic() + 2 * IDLE
    while time.monotonic() < end:
        step.click()
        clicks += 1
        busy.page.wait_for_timeout(1500)
    text = _notice(alone, "expired")
    assert EN["expired_title"] in text and f"{IDLE} seconds" in text
    alone.shot("08-run-expired")
    busy.page.wait_for_function(
        f"document.querySelector('#gvi-day').innerText.includes('Day {clicks} ')"
    )
    assert busy.day() == clicks and busy.page.query_selector("#gvi-notice") is None

    alone.page.get_by_role("button", name=EN["start_again"]).click()
    alone.page.wait_for_selector("#gvi-day", timeout=60_000)
    assert alone.day() == 0
    _clean([alone, busy])
