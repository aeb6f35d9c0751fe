"""The trainers' app on a shared server, without a browser: the cap on sessions, the
expiry of silent pages (their runs freed), the host check and the closed diagnostic
routes.

Unit tests drive :class:`gvi.app.limits.Seats` and the ASGI middleware :class:`gvi.app.guard.Guard`
directly; the rest start ``gvi app`` on a free port and talk to it over HTTP and over
Solara's websocket protocol with :class:`HeadlessPage` (a page without a browser: it
renders the app on the server like a browser tab, and can leave without a goodbye).

The slow test opens 50 pages that drop their connection without a goodbye and checks that
the server's resident size comes back to where it was once they expire (run by
``benchmarks/reliability_app.py``, which reads the ``APP-ABANDONED`` line it prints).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import secrets
import socket
import subprocess
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest
from apphelpers import GVI, running_app

from gvi.app import guard, limits
from gvi.app.page import idle_text
from gvi.app.server import check, environment
from gvi.app.text import EN, SV

LIVE_CAP = 2
LIVE_IDLE = 4.0  # seconds: short, so expiry can be watched
ABANDONED = 50
ABANDONED_IDLE = 120.0  # longer than opening 50 pages takes, even on a busy machine
RSS_MARGIN_MB = 40.0  # RSS after expiry must be within this of RSS before


# --- the seats ------------------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Held:
    def __init__(self) -> None:
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def test_seats_cap_and_give_back() -> None:
    seats = limits.Seats(2, 60.0)
    a, b = seats.take("k1"), seats.take("k2")
    assert a is not None and b is not None and seats.take("k3") is None
    a.resource = held = Held()
    assert seats.release(a) and not seats.release(a)  # once only
    assert held.closed == 1 and a.resource is None
    assert seats.taken == 1 and seats.take("k3") is not None
    assert seats.status()["sessions"] == 2 and seats.status()["freed"] == 1


def test_silent_seats_expire_and_signs_of_life_keep_them() -> None:
    clock = Clock()
    seats = limits.Seats(3, 60.0, clock)
    quiet, clicked, talking = seats.take("q"), seats.take("c"), seats.take("t")
    told = []
    for seat in (quiet, clicked, talking):
        seat.resource = Held()
        seat.on_expire = lambda seat=seat: told.append(seat.kernel)
    clock.now += 45
    seats.touch(clicked)
    seats.heard_from("t")
    assert seats.sweep() == 0
    clock.now += 20  # quiet: 65 s silent; the others 20 s
    assert seats.sweep() == 1 and told == ["q"] and seats.taken == 2
    assert quiet.free and quiet.resource is None
    clock.now += 60
    assert seats.sweep() == 2 and seats.taken == 0 and seats.status()["expired"] == 3
    assert limits.sweep_period(600) == 10 and limits.sweep_period(1) == 0.25


def test_a_page_that_cannot_be_told_still_frees_its_seat() -> None:
    clock = Clock()
    seats = limits.Seats(1, 5.0, clock)
    seat = seats.take("gone")

    def broken() -> None:
        raise RuntimeError("page closed")

    seat.on_expire = broken
    clock.now += 6
    assert seats.sweep() == 1 and seats.taken == 0


# --- which hosts are ours ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "host"),
    [
        ("localhost:8765", "localhost"),
        ("LOCALHOST.", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]:8765", "::1"),
        ("[0:0:0:0:0:0:0:1]", "::1"),
        ("evil.example:80", "evil.example"),
        ("", None),
        (None, None),
        ("[::1", None),
        ("host:port", None),
        ("a@b:1", None),
    ],
)
def test_host_header_is_read(header: str | None, host: str | None) -> None:
    assert guard.host_of(header) == host


def test_allowed_hosts() -> None:
    local = guard.allowed_hosts("127.0.0.1")
    assert local.names == {"localhost", "127.0.0.1", "::1"} and not local.any
    assert not local.allows("evil.example") and not local.allows(None)
    assert guard.allowed_hosts("127.0.0.2").allows("127.0.0.2")
    extra = guard.allowed_hosts("127.0.0.1", ["gvi.example.org", " "])
    assert extra.allows("gvi.example.org") and not extra.allows("other.example.org")
    assert guard.allowed_hosts("127.0.0.1", ["*"]).allows("anything.example")
    public = guard.allowed_hosts("0.0.0.0")
    assert public.allows(guard.host_of(socket.gethostname())) and public.allows("localhost")
    assert not public.allows("evil.example") and "0.0.0.0" not in public.names
    env = {"GVI_APP_HOST": "127.0.0.1", "GVI_APP_ALLOWED_HOSTS": "a.example, b.example"}
    assert guard.hosts_from_env(env).names >= {"a.example", "b.example", "localhost"}


def test_closed_routes() -> None:
    for path in ("/resourcez", "/resourcez/", "//resourcez", "/readyz", "/_solara/api/evict/k"):
        assert guard.is_closed_route(path), path
    for path in ("/", "/static/main.js", "/_solara/api/close/k", "/resourcezz"):
        assert not guard.is_closed_route(path), path


# --- the middleware, driven as a server would ------------------------------------------------
class Inner:
    """The app behind the guard: answers 200 and records what reached it."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.messages: list[dict] = []

    async def __call__(self, scope, receive, send) -> None:
        self.paths.append(scope["path"])
        if scope["type"] == "lifespan":
            return
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
        else:
            self.messages.append(await receive())
            await send({"type": "websocket.accept"})


def _call(app, path: str, kind: str = "http", headers=(), messages=()) -> list[dict]:
    scope = {
        "type": kind,
        "path": path,
        "headers": [(k.encode(), v.encode()) for k, v in headers],
    }
    sent: list[dict] = []
    queue = list(messages) or [{"type": "websocket.connect"}]

    async def receive() -> dict:
        return queue.pop(0) if queue else {"type": "websocket.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    _run_alone(app(scope, receive, send))
    return sent


def _run_alone(coroutine) -> None:
    """Run ``coroutine`` in a thread of its own: a browser test's session may keep an
    event loop running in this thread (Playwright's sync API), and asyncio.run refuses
    to start inside one."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as exc:  # handed back to the test
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def _status(sent: list[dict]) -> int | None:
    for m in sent:
        if m["type"] == "http.response.start":
            return m["status"]
        if m["type"] == "websocket.close":
            return 403
        if m["type"] == "websocket.accept":
            return 101
    return None


def _guard(inner: Inner, clock: Clock | None = None, token: str | None = None, kernels=None):
    seats = limits.Seats(LIVE_CAP, 60.0, clock or Clock())
    hosts = guard.allowed_hosts("127.0.0.1")
    g = guard.Guard(inner, hosts, lambda: seats, token or "", lambda: kernels)
    return g, seats


def test_guard_answers_only_our_hosts() -> None:
    inner = Inner()
    g, _ = _guard(inner)
    assert _status(_call(g, "/", headers=[("host", "evil.example:8765")])) == 400
    assert _status(_call(g, "/")) == 400  # no Host header at all
    assert inner.paths == []
    for host in ("127.0.0.1:8765", "localhost:8765", "[::1]:8765", "localhost"):
        assert _status(_call(g, "/", headers=[("host", host)])) == 200, host
    assert _status(_call(g, "/", headers=[("host", "evil.example")], kind="websocket")) == 403
    lifespan = {"type": "lifespan", "path": ""}
    _run_alone(g(lifespan, None, None))  # other scopes pass untouched
    assert inner.paths[-1] == ""


def test_guard_closes_diagnostic_routes_and_hides_status_without_token() -> None:
    inner = Inner()
    g, _ = _guard(inner)
    host = [("host", "127.0.0.1:8765")]
    for path in ("/resourcez", "/readyz", "/resourcez/", "/_solara/api/evict/abc"):
        assert _status(_call(g, path, headers=host)) == 404, path
    assert _status(_call(g, guard.STATUS_ROUTE, headers=host)) == 404  # no token configured
    assert inner.paths == []


def test_guard_status_with_token() -> None:
    inner = Inner()
    g, seats = _guard(inner, token="s3cret", kernels={"k1": object()})
    seats.take("k1")
    host = ("host", "localhost")
    wrong = _call(g, guard.STATUS_ROUTE, headers=[host, ("authorization", "Bearer nope")])
    assert _status(wrong) == 404
    right = _call(g, guard.STATUS_ROUTE, headers=[host, ("authorization", "Bearer s3cret")])
    assert _status(right) == 200
    data = json.loads(right[1]["body"])
    assert data["sessions"] == 1 and data["cap"] == LIVE_CAP and data["pages"] == 1
    assert data["pid"] == os.getpid() and data["rss_kb"] > 0


def test_guard_websockets_origin_activity_and_page_bound() -> None:
    clock = Clock()
    inner = Inner()
    kernels: dict[str, object] = {}
    g, seats = _guard(inner, clock, kernels=kernels)
    host = ("host", "127.0.0.1:8765")
    path = "/jupyter/api/kernels/k1/channels"
    evil = ("origin", "http://evil.example")
    assert _status(_call(g, path, "websocket", [host, evil])) == 403
    seat = seats.take("k1")
    clock.now += 30
    hello = {"type": "websocket.receive", "text": "{}"}
    sent = _call(g, path, "websocket", [host, ("origin", "http://localhost:8765")], [hello])
    assert _status(sent) == 101 and inner.messages[-1] == hello
    assert seat.last == clock.now  # the message was noted on the page's seat
    # pages Solara holds are bounded: new ones are refused, known ones may reconnect
    kernels.update({f"k{i}": object() for i in range(1, 1 + guard.KERNELS_PER_SEAT * LIVE_CAP)})
    assert _status(_call(g, "/jupyter/api/kernels/new/channels", "websocket", [host])) == 403
    assert _status(_call(g, path, "websocket", [host])) == 101


# --- the settings passed to the server ------------------------------------------------------
def test_limits_reach_the_server_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GVI_APP_MAX_SESSIONS", raising=False)
    monkeypatch.delenv("GVI_APP_IDLE_SECONDS", raising=False)
    monkeypatch.delenv("PYTHONMALLOC", raising=False)
    env = environment("en")
    assert env["GVI_APP_MAX_SESSIONS"] == "30" and env["GVI_APP_IDLE_SECONDS"] == "600"
    assert env["SOLARA_KERNEL_CULL_TIMEOUT"] == "600s" and env["GVI_APP_HOST"] == "127.0.0.1"
    assert env["PYTHONMALLOC"] == "malloc"
    env = environment("sv", "0.0.0.0", sessions=5, idle=90, allowed_hosts=["gvi.lan"])
    assert env["GVI_APP_MAX_SESSIONS"] == "5" and env["SOLARA_KERNEL_CULL_TIMEOUT"] == "90s"
    assert env["GVI_APP_HOST"] == "0.0.0.0" and env["GVI_APP_ALLOWED_HOSTS"] == "gvi.lan"
    monkeypatch.setenv("GVI_APP_MAX_SESSIONS", "12")
    monkeypatch.setenv("GVI_APP_IDLE_SECONDS", "300")
    assert environment("en")["GVI_APP_MAX_SESSIONS"] == "12"
    assert environment("en")["SOLARA_KERNEL_CULL_TIMEOUT"] == "300s"
    for name, bad in (("GVI_APP_MAX_SESSIONS", "0"), ("GVI_APP_IDLE_SECONDS", "soon")):
        monkeypatch.setenv(name, bad)
        with pytest.raises(ValueError, match=name):
            check("127.0.0.1", 8765, "en")
        monkeypatch.setenv(name, "7")


def test_gvi_app_refuses_a_bad_cap_with_one_line() -> None:
    env = {**os.environ, "GVI_APP_MAX_SESSIONS": "none"}
    r = subprocess.run([GVI, "app"], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "GVI_APP_MAX_SESSIONS" in lines[0], r.stderr


def test_notices_read_in_both_languages() -> None:
    assert idle_text(600, "en") == "10 minutes" and idle_text(600, "sv") == "10 minuter"
    assert idle_text(4, "en") == "4 seconds"
    for table in (EN, SV):
        assert "{n}" in table["full_text"] and "{idle}" in table["full_text"]
        assert "{idle}" in table["expired_text"]


# --- a live server -----------------------------------------------------------------------
@contextmanager
def serving(**env: str) -> Iterator[tuple[str, str]]:
    """``gvi app`` on a free port with ``env``; its address and status token, once the
    status route answers."""
    token = secrets.token_hex(12)

    def ready(base: str) -> bool:
        try:
            status(base, token)
        except OSError:
            return False
        return True

    with running_app({"GVI_APP_STATUS_TOKEN": token, **env}, ready=ready) as base:
        yield base, token


def status(base: str, token: str) -> dict:
    req = urllib.request.Request(base + "_gvi/status", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310 (loopback only)
        return json.load(r)


def answer(base: str, path: str, host: str | None = None, headers=()) -> int:
    """The status of GET ``path`` with the given ``Host`` header (default: the real one)."""
    port = int(base.rsplit(":", 1)[1].strip("/"))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_host=host is not None)
        if host is not None:
            conn.putheader("Host", host)
        for k, v in headers:
            conn.putheader(k, v)
        conn.endheaders()
        return conn.getresponse().status
    finally:
        conn.close()


def _message(kind: str, content: dict, session: str) -> str:
    return json.dumps(
        {
            "header": {
                "msg_id": uuid.uuid4().hex,
                "msg_type": kind,
                "username": "",
                "session": session,
                "date": "2024-01-01T00:00:00Z",
                "version": "5.3",
            },
            "parent_header": {},
            "metadata": {},
            "content": content,
            "channel": "shell",
            "buffers": [],
        }
    )


def _finished(raw: str) -> bool:
    return json.loads(raw)["content"].get("data", {}).get("method") == "finished"


class HeadlessPage:
    """A page of the app without a browser: Solara's websocket protocol, enough to have
    the server render the page as it does for a browser tab, to keep talking, and to
    leave with (``goodbye``) or without (``drop``) the browser's closing beacon."""

    def __init__(self, base: str) -> None:
        from websockets.sync.client import connect

        self.base = base
        self.kernel, self.page = uuid.uuid4().hex, uuid.uuid4().hex
        self.comm = uuid.uuid4().hex
        url = base.replace("http", "ws", 1)
        url += f"jupyter/api/kernels/{self.kernel}/channels?session_id={self.page}"
        cookie = {"Cookie": f"solara-session-id={uuid.uuid4()}"}
        self._open = connect(
            url, open_timeout=60, max_size=None, max_queue=None, additional_headers=cookie
        )
        self.ws = self._open.__enter__()
        self.text: list[str] = []

    def render(self, timeout: float = 90) -> str:
        """Ask for the app and read until it is drawn; everything received."""
        self._send("comm_open", {"target_name": "solara.control", "data": {}})
        args = {"path": "", "appName": None, "themes": None, "dark": False}
        self._send("comm_msg", {"data": {"method": "run", "args": args}})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            raw = self.ws.recv(timeout=deadline - time.monotonic())
            self.text.append(raw if isinstance(raw, str) else "")
            if isinstance(raw, str) and '"finished"' in raw and _finished(raw):
                return "".join(self.text)
        raise TimeoutError("the app was not drawn")

    def ping(self) -> None:
        """A message from the page (as any click sends one)."""
        self._send("comm_msg", {"data": {"method": "app-status"}})

    def read(self, seconds: float) -> str:
        """Everything received within ``seconds``."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                raw = self.ws.recv(timeout=left)
            except TimeoutError:
                break
            self.text.append(raw if isinstance(raw, str) else "")
        return "".join(self.text)

    def drop(self) -> None:
        """Leave without a goodbye: the connection is cut (reset), no closing beacon."""
        sock = self.ws.socket
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00" * 2)
        sock.close()
        with suppress(Exception):  # the socket is gone: closing it fails
            self._open.__exit__(None, None, None)

    def goodbye(self) -> None:
        """Leave as a closed browser tab does: the closing beacon, then the socket."""
        url = f"{self.base}_solara/api/close/{self.kernel}?session_id={self.page}"
        urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=10)  # noqa: S310
        self._open.__exit__(None, None, None)

    def _send(self, kind: str, content: dict) -> None:
        self.ws.send(_message(kind, {"comm_id": self.comm, **content}, self.page))


def wait_empty(base: str, token: str, timeout: float) -> float:
    """Seconds until the server holds no session and no page."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        s = status(base, token)
        if s["sessions"] == 0 and s["pages"] == 0:
            return time.monotonic() - start
        time.sleep(0.25)
    pytest.fail(f"sessions still open after {timeout:.0f} s: {status(base, token)}")


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[str, str]]:
    """A server with two seats whose pages expire after a few seconds of silence (one
    start for the module: each test leaves it without sessions, and none relies on what
    another left behind)."""
    env = {"GVI_APP_MAX_SESSIONS": str(LIVE_CAP), "GVI_APP_IDLE_SECONDS": str(LIVE_IDLE)}
    with serving(**env) as server:
        yield server


def test_live_server_closes_diagnostics_and_checks_the_host(live: tuple[str, str]) -> None:
    base, token = live
    pages = status(base, token)["pages"]  # the server is shared with the module's other tests
    port = base.rsplit(":", 1)[1].strip("/")
    for path in ("/resourcez", "/resourcez?verbose", "/readyz", "/resourcez/"):
        assert answer(base, path) == 404, path
    assert answer(base, "/_gvi/status") == 404  # the status needs the token
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.nip.io", ""):
        assert answer(base, "/", host=host) == 400, host
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost", f"[::1]:{port}"):
        assert answer(base, "/", host=host) == 200, host
    assert answer(base, "/static/main-vuetify.js", host="evil.example") == 400
    # websocket handshakes: a foreign host or a page of another site are refused
    upgrade = [
        ("Connection", "Upgrade"),
        ("Upgrade", "websocket"),
        ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ]
    ws = "/jupyter/api/kernels/abc/channels?session_id=x"
    assert answer(base, ws, host="evil.example", headers=upgrade) == 403
    evil = [*upgrade, ("Origin", "http://evil.example")]
    assert answer(base, ws, headers=evil) == 403
    assert status(base, token)["pages"] == pages  # nothing refused reached Solara


def test_live_cap_and_expiry(live: tuple[str, str]) -> None:
    base, token = live
    wait_empty(base, token, 4 * LIVE_IDLE + 10)  # all seats free, whatever ran before
    pages = [HeadlessPage(base) for _ in range(LIVE_CAP + 1)]
    trainer = EN["feed_empty"]  # only a page with a run shows it
    drawn = [p.render() for p in pages[:LIVE_CAP]]
    assert all(trainer in d and EN["full_title"] not in d for d in drawn)
    refused = pages[-1].render()
    assert EN["full_title"] in refused and trainer not in refused
    assert status(base, token)["sessions"] == LIVE_CAP
    # one page keeps talking, one stays silent (connected): only the silent one expires
    talking, silent, _ = pages
    end = time.monotonic() + 2.5 * LIVE_IDLE
    while time.monotonic() < end:
        talking.ping()
        talking.read(0.5)
    assert EN["expired_title"] in silent.read(1.0)
    assert EN["expired_title"] not in "".join(talking.text)
    assert status(base, token)["sessions"] == 1
    # the page that said goodbye frees its seat at once; a dropped one when it expires
    talking.goodbye()
    assert status(base, token)["sessions"] == 0
    silent.drop()
    pages[-1].drop()
    took = wait_empty(base, token, 4 * LIVE_IDLE + 10)
    assert took <= LIVE_IDLE + limits.sweep_period(LIVE_IDLE) + 3


# --- memory after abandoned sessions (slow) ---------------------------------------------
def _settled_rss(base: str, token: str, seconds: float) -> float:
    """RSS in MB after ``seconds`` (time for the sweeper to give memory back): the
    lowest of the last few readings."""
    time.sleep(seconds)
    readings = []
    for _ in range(3):
        readings.append(status(base, token)["rss_kb"] / 1024)
        time.sleep(0.5)
    return min(readings)


@pytest.mark.slow
def test_abandoned_sessions_free_their_memory() -> None:
    env = {
        "GVI_APP_MAX_SESSIONS": str(ABANDONED + 10),
        "GVI_APP_IDLE_SECONDS": str(ABANDONED_IDLE),
    }
    settle = 2 * limits.sweep_period(ABANDONED_IDLE) + 2
    with serving(**env) as (base, token):
        for _ in range(3):  # warm up: the first pages load what every page needs
            page = HeadlessPage(base)
            page.render()
            page.goodbye()
        wait_empty(base, token, 60)
        before = _settled_rss(base, token, settle)

        start = time.monotonic()
        for _ in range(ABANDONED):
            page = HeadlessPage(base)
            page.render()
            page.drop()
        opened = time.monotonic() - start
        held = status(base, token)
        peak = held["rss_kb"] / 1024
        assert held["sessions"] == ABANDONED, (
            f"only {held['sessions']} sessions held: opening took {opened:.0f} s, "
            f"longer than the idle limit {ABANDONED_IDLE:.0f} s?"
        )

        expiry = wait_empty(base, token, ABANDONED_IDLE + 120)
        after = _settled_rss(base, token, settle)
    print(
        f"\nAPP-ABANDONED sessions={ABANDONED} idle={ABANDONED_IDLE:.0f} open={opened:.1f} "
        f"before={before:.1f} peak={peak:.1f} after={after:.1f} expiry={expiry:.1f} "
        f"margin={RSS_MARGIN_MB:.0f}"
    )
    assert peak - before > ABANDONED * 1.5, "the sessions did not take the memory expected"
    assert expiry <= ABANDONED_IDLE + limits.sweep_period(ABANDONED_IDLE) + 10
    assert after - before <= RSS_MARGIN_MB, (
        f"RSS {before:.0f} MB before, {peak:.0f} MB with {ABANDONED} pages, {after:.0f} MB "
        "after they expired"
    )
