"""Fixtures for the real-browser tests of the trainers' app (Debian's chromium driven by
Playwright).

One app server per test module, started as a trainer would (``gvi app --port N``) on a
free port and stopped at teardown; ``start_app(**env)`` starts further ones with other
settings (e.g. ``GVI_APP_MAX_SESSIONS``) and ``tabs_on(url)`` opens pages on them. Every page blocks requests that leave the server, so
a page that works here works with no network at all. Screenshots go to
``results/screenshots/`` (git-ignored), at the viewport size in the file name.

Without chromium (or Playwright) these tests are skipped with the reason, unless
``GVI_REQUIRE_BROWSER=1`` (set by ``.ci/run``): then they fail.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

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
GVI = shutil.which("gvi", path=str(Path(sys.executable).parent)) or "gvi"


def _missing() -> str | None:
    if not Path(CHROMIUM).is_file():
        return f"no chromium at {CHROMIUM} (apt-get install chromium, or make chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (make install)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


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


@contextmanager
def running_app(env: dict[str, str] | None = None) -> Iterator[str]:
    """``gvi app`` on a free port, with ``env`` added to the environment; its address."""
    port = _free_port()
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        [GVI, "app", "--port", str(port), "--lang", "en"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        start_new_session=True,  # its own process group: stopped with the server it starts
    )
    deadline = time.monotonic() + 90
    while not _answers(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            pytest.fail(f"gvi app did not start:\n{log.read()}")
        time.sleep(0.3)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        log.close()
        Path(log.name).unlink(missing_ok=True)


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
