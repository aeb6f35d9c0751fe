"""Fixtures for the real-browser tests of the trainers' app (Debian's chromium driven by
Playwright).

One app server per test module, started as a trainer would (``gvi app --port N``) on a
free port and stopped at teardown (by ``tests/apphelpers.py``, which the shared-server
tests use too); ``start_app(**env)`` starts further ones with other settings (e.g.
``GVI_APP_MAX_SESSIONS``) and ``tabs_on(url)`` opens pages on them. Every page blocks
requests that leave the server, so a page that works here works with no network at all.
Screenshots go to ``results/screenshots/`` (git-ignored), at the viewport size in the
file name.

Without chromium (or Playwright) these tests are skipped with the reason, unless
``GVI_REQUIRE_BROWSER=1`` (set by ``.ci/run``): then they fail.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import apphelpers
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "results" / "screenshots"
CHROMIUM = os.environ.get("GVI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing() -> str | None:
    if not Path(CHROMIUM).is_file():
        return f"no chromium at {CHROMIUM} (apt-get install chromium, or make chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (make install)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    why = _missing()
    if why:
        if os.environ.get("GVI_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests required (GVI_REQUIRE_BROWSER=1) but {why}")
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def running_app(env: dict[str, str] | None = None) -> AbstractContextManager[str]:
    """``gvi app`` in English on a free port, with ``env`` added to the environment."""
    return apphelpers.running_app(env, args=("--lang", "en"))


@pytest.fixture(scope="module")
def app_url(browser: object) -> Iterator[str]:
    """A running ``gvi app`` for this module; its address."""
    with running_app() as url:
        yield url


@pytest.fixture(scope="module")
def start_app(browser: object) -> Iterator[Callable[..., str]]:
    """Factory: ``start_app(GVI_APP_MAX_SESSIONS="2", ...)`` -> the address of another
    ``gvi app`` with those environment variables, stopped at the end of the module."""
    with ExitStack() as stack:
        yield lambda **env: stack.enter_context(running_app(env))


@dataclass
class Tab:
    """One browser page on the app, with what went wrong in it."""

    page: object
    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def day(self) -> int:
        text = self.page.inner_text("#gvi-day")  # type: ignore[attr-defined]
        return int("".join(ch for ch in text.split(" of ")[0].split(" av ")[0] if ch.isdigit()))

    def shot(self, name: str) -> Path:
        size = self.page.viewport_size  # type: ignore[attr-defined]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}-{size['width']}x{size['height']}.png"
        self.page.screenshot(path=str(path))  # type: ignore[attr-defined]
        return path


@contextmanager
def tabs(browser: object, app_url: str) -> Iterator[Callable[..., Tab]]:
    """Factory of :class:`Tab` on the server at ``app_url`` (see :func:`open_tab`); the
    pages' browser contexts are closed at the end."""
    contexts = []

    def make(width: int = 1366, height: int = 768, query: str = "", wait: bool = True) -> Tab:
        ctx = browser.new_context(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
        contexts.append(ctx)
        page = ctx.new_page()
        tab = Tab(page)

        def route(r) -> None:
            if r.request.url.startswith(app_url):
                r.continue_()
            else:
                tab.blocked.append(r.request.url)
                r.abort()

        ctx.route("**/*", route)
        page.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: tab.errors.append(f"page error: {e}"))
        page.goto(app_url + query, wait_until="commit")
        if wait:
            page.wait_for_selector("#gvi-day", timeout=60_000)
        return tab

    try:
        yield make
    finally:
        for ctx in contexts:
            ctx.close()


@pytest.fixture
def open_tab(browser: object, app_url: str) -> Iterator[Callable[..., Tab]]:
    """Factory: ``open_tab(width=1366, height=768, query="")`` -> a loaded :class:`Tab`
    in its own browser context (its own session), with the network outside the server
    blocked and console errors collected."""
    with tabs(browser, app_url) as make:
        yield make


@pytest.fixture
def tabs_on(browser: object) -> Iterator[Callable[[str], Callable[..., Tab]]]:
    """Factory: ``tabs_on(url)`` -> an :func:`open_tab` for the server at ``url``."""
    with ExitStack() as stack:
        yield lambda url: stack.enter_context(tabs(browser, url))
