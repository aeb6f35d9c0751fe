"""Several trainers on one server: each page steps its own run, a reset in one page
leaves the others alone, and every page answers within 2 seconds while all of them act
at once.

Five pages by default; ``GVI_APP_SESSIONS=20`` (or ``pytest -m slow``, which adds a
20-page case) runs the hardening check with twenty.
"""

from __future__ import annotations

import os
import time

import pytest

from gvi.app.text import EN

DEFAULT_PAGES = int(os.environ.get("GVI_APP_SESSIONS", "5"))
ANSWER_SECONDS = 2.0


# Installed in a page before an action: the page's own clock notes the click and the
# moment the day counter shows the expected day (a DOM mutation), so the answer time does
# not depend on how fast the test polls twenty pages.
WATCH = """(expected) => {
  window.__gviClicked = null;
  window.__gviAnswered = null;
  const read = () => {
    const el = document.querySelector('#gvi-day');
    if (!el) return -1;
    const head = el.innerText.split(' of ')[0].split(' av ')[0];
    return parseInt(head.replace(/\\D/g, '') || '-1', 10);
  };
  document.addEventListener('click', () => {
    if (window.__gviClicked === null) window.__gviClicked = performance.now();
  }, {capture: true, once: true});
  if (window.__gviObs) window.__gviObs.disconnect();
  window.__gviObs = new MutationObserver(() => {
    if (window.__gviClicked !== null && window.__gviAnswered === null && read() === expected) {
      window.__gviAnswered = performance.now();
    }
  });
  window.__gviObs.observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def _act_everywhere(tabs, button: str, expected: list[int], which: list[int]) -> list[float]:
    """Click ``button`` on the pages ``which`` one right after the other (the clicks
    overlap on the server), then wait until every page shows its expected day; the
    seconds each page took to answer, from its click to its day counter changing, by
    the page's own clock."""
    for i in which:
        tabs[i].page.evaluate(WATCH, expected[i])
    for i in which:
        tabs[i].page.get_by_role("button", name=button).click(no_wait_after=True)
    times = []
    for i in which:
        try:
            tabs[i].page.wait_for_function("window.__gviAnswered !== null", timeout=60_000)
        except Exception:
            pytest.fail(f"page {i} never showed day {expected[i]}: it shows {tabs[i].day()}")
        assert tabs[i].day() == expected[i]
        ms = tabs[i].page.evaluate("window.__gviAnswered - window.__gviClicked")
        times.append(ms / 1000.0)
    return times


@pytest.mark.parametrize(
    "pages",
    [
        pytest.param(DEFAULT_PAGES, id=f"{DEFAULT_PAGES}-pages"),
        pytest.param(20, id="20-pages", marks=pytest.mark.slow),
    ],
)
def test_sessions_are_independent(open_tab, pages: int) -> None:
    tabs = [open_tab(1366, 768, wait=False) for _ in range(pages)]
    for tab in tabs:
        tab.page.wait_for_selector("#gvi-day", timeout=120_000)
    assert [t.day() for t in tabs] == [0] * pages

    # every page steps one day, all at once
    times = _act_everywhere(tabs, EN["step"], [1] * pages, list(range(pages)))
    # every other page steps a week more: the others must not move
    even = list(range(0, pages, 2))
    expected = [8 if i % 2 == 0 else 1 for i in range(pages)]
    times += _act_everywhere(tabs, EN["step_week"], expected, even)
    time.sleep(0.5)
    assert [t.day() for t in tabs] == expected

    # one trainer resets: only that page goes back to day 0
    expected[0] = 0
    times += _act_everywhere(tabs, EN["reset"], expected, [0])
    time.sleep(0.5)
    assert [t.day() for t in tabs] == expected
    feeds = [t.page.inner_text("#gvi-feed") for t in tabs]
    assert EN["feed_empty"] in feeds[0]
    if pages > 2:
        assert EN["feed_empty"] not in feeds[2]  # page 2 ran eight days and kept them

    tabs[0].shot(f"06-sessions-{pages}")
    slowest = max(times)
    # read by benchmarks/reliability_app.py (pytest -s)
    print(
        f"\nAPP-SESSIONS pages={pages} slowest={slowest:.3f} median={sorted(times)[len(times) // 2]:.3f}"
    )
    assert slowest < ANSWER_SECONDS, f"slowest page answered in {slowest:.2f} s"
    for i, tab in enumerate(tabs):
        assert tab.errors == [], f"page {i}: console errors {tab.errors}"
        assert tab.blocked == [], f"page {i}: requests that left the server {tab.blocked}"
