"""The server's front door: an ASGI middleware put in front of Solara's routes.

* **Host check.** Only requests whose ``Host`` header names this server are answered:
  ``localhost``, ``127.0.0.1`` and ``::1`` always; when the server is bound to a public
  interface also the machine's own names and addresses; and the names listed in
  ``GVI_APP_ALLOWED_HOSTS`` (``*`` turns the check off, e.g. behind a proxy that checks).
  Anything else gets 400 (a websocket handshake: 403), which defeats DNS rebinding (a
  page on another site whose name was made to point at this machine). A websocket must
  also come from a page of an allowed host (``Origin``), so another site's page cannot
  open sessions here.
* **Closed routes.** Solara's diagnostic pages (``/resourcez`` with session and thread
  counts, ``/readyz``) and its test-only eviction route answer 404.
* **Signs of life.** Each message from a page's websocket is noted on its seat
  (:mod:`gvi.app.limits`), so only pages that are really silent expire.
* **A bound on pages.** A new websocket is refused while Solara holds
  ``KERNELS_PER_SEAT`` times the seats in pages (the pages shown the "full" notice
  included), so a flood cannot pile up threads; reconnects of known pages still pass.
* **Status, for tests.** With ``GVI_APP_STATUS_TOKEN`` set, ``/_gvi/status`` answers a
  request bearing that token with the counts of seats and pages and the resident size;
  without it (the default) that route does not exist.

:func:`install` puts the middleware into Solara's Starlette app; the page module calls it
when the server imports it.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import re
import socket
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from . import limits
from .server import (
    DEFAULT_HOST,
    ENV_ALLOWED_HOSTS,
    ENV_HOST,
    ENV_STATUS_TOKEN,
    is_loopback,
)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
CLOSED_ROUTES = ("/resourcez", "/readyz", "/_solara/api/evict")
STATUS_ROUTE = "/_gvi/status"
KERNELS_PER_SEAT = 2  # pages Solara may hold per seat (refused and expired pages too)
KERNEL_ROUTE = re.compile(r"^/jupyter/api/kernels/([^/]+)/[^/]+$")


# --- which hosts are ours --------------------------------------------------------------
def _canonical(name: str) -> str:
    """A host name or address as compared: lower case, no brackets, zone or final dot,
    addresses in their short form."""
    name = name.strip().lower().strip("[]").rstrip(".")
    name = name.split("%", 1)[0]
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name


def host_of(header: str | None) -> str | None:
    """The host name in a ``Host`` header value (port dropped), or None if malformed."""
    if not header:
        return None
    value = header.strip()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[1:end], value[end + 1 :]
        if rest and not (rest.startswith(":") and rest[1:].isdigit()):
            return None
    elif value.count(":") == 1:
        name, port = value.split(":")
        if not port.isdigit():
            return None
    else:
        name = value  # no port, or a bare IPv6 address
    if not name or any(c in name for c in "/@ \t\\"):
        return None
    return _canonical(name)


def _addresses_of(name: str) -> set[str]:
    try:
        infos = socket.getaddrinfo(name, None)
    except (OSError, UnicodeError):
        return set()
    return {_canonical(str(info[4][0])) for info in infos}


def _interface_addresses() -> set[str]:
    """This machine's own addresses, every interface (psutil), else those its names and
    its outgoing routes give."""
    found: set[str] = set()
    try:
        import psutil

        for entries in psutil.net_if_addrs().values():
            for entry in entries:
                if entry.family in (socket.AF_INET, socket.AF_INET6):
                    found.add(_canonical(entry.address))
    except Exception:
        for family, probe in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):
            try:
                with socket.socket(family, socket.SOCK_DGRAM) as s:
                    s.connect((probe, 9))  # UDP: nothing is sent
                    found.add(_canonical(s.getsockname()[0]))
            except OSError:
                pass
    return found


@dataclass(frozen=True)
class Hosts:
    """The host names a server answers to (``any``: no check)."""

    names: frozenset[str]
    any: bool = False

    def allows(self, host: str | None) -> bool:
        return self.any or (host is not None and host in self.names)


def allowed_hosts(bind: str = DEFAULT_HOST, extra: Iterable[str] = ()) -> Hosts:
    """The hosts a server bound to ``bind`` answers to: loopback names always; the
    machine's names and addresses when ``bind`` is public; ``bind`` itself; ``extra``
    (``*`` among them: any host)."""
    extra = [e.strip() for e in extra if e and e.strip()]
    if "*" in extra:
        return Hosts(frozenset(), any=True)
    names = {_canonical(n) for n in LOOPBACK_NAMES}
    wildcard = bind.strip() in ("", "0.0.0.0", "::", "[::]")
    if not wildcard:
        names.add(_canonical(bind))
    if wildcard or not is_loopback(bind):
        machine = {socket.gethostname(), socket.getfqdn()}
        for name in machine:
            if name:
                names.add(_canonical(name))
                names |= _addresses_of(name)
        names |= _interface_addresses()
        names.discard("0.0.0.0")
        names.discard("::")
    names |= {_canonical(e) for e in extra}
    return Hosts(frozenset(n for n in names if n))


def hosts_from_env(env: Mapping[str, str] | None = None) -> Hosts:
    source: Mapping[str, str] = os.environ if env is None else env
    bind = source.get(ENV_HOST) or source.get("SERVER_NAME") or DEFAULT_HOST
    extra = re.split(r"[,\s]+", source.get(ENV_ALLOWED_HOSTS, ""))
    return allowed_hosts(bind, extra)


# --- the middleware ------------------------------------------------------------------------
def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _normal_path(path: str) -> str:
    return re.sub(r"/{2,}", "/", path or "/").rstrip("/") or "/"


def is_closed_route(path: str) -> bool:
    path = _normal_path(path)
    return any(path == p or path.startswith(p + "/") for p in CLOSED_ROUTES)


def _kernel_contexts() -> dict[str, Any] | None:
    import sys

    module = sys.modules.get("solara.server.kernel_context")
    return None if module is None else module.contexts


class Guard:
    """The ASGI middleware (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        hosts: Hosts | None = None,
        seats: Callable[[], limits.Seats] = limits.seats,
        token: str | None = None,
        kernels: Callable[[], dict[str, Any] | None] = _kernel_contexts,
    ) -> None:
        self.app = app
        self.hosts = hosts if hosts is not None else hosts_from_env()
        self.seats = seats
        self.token = token if token is not None else os.environ.get(ENV_STATUS_TOKEN) or None
        self.kernels = kernels

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if not self.hosts.allows(host_of(_header(scope, b"host"))):
            await self._refuse(scope, send, 400, "Bad Request: unknown host\n")
            return
        path = scope.get("path", "/")
        if is_closed_route(path):
            await self._refuse(scope, send, 404, "Not Found\n")
            return
        if kind == "http" and _normal_path(path) == STATUS_ROUTE:
            await self._status(scope, send)
            return
        if kind == "websocket":
            origin = _header(scope, b"origin")
            if origin is not None and not self.hosts.allows(host_of(urlsplit(origin).netloc)):
                await self._refuse(scope, send, 403, "Forbidden: page of another site\n")
                return
            found = KERNEL_ROUTE.match(path)
            if found:
                kernel = found.group(1)
                if self._too_many_pages(kernel):
                    await self._refuse(scope, send, 503, "server full\n")
                    return
                receive = self._noting(receive, kernel)
        await self.app(scope, receive, send)

    def _too_many_pages(self, kernel: str) -> bool:
        contexts = self.kernels()
        if contexts is None or kernel in contexts:
            return False
        return len(contexts) >= KERNELS_PER_SEAT * self.seats().cap

    def _noting(self, receive: Receive, kernel: str) -> Receive:
        seats = self.seats()

        async def noted() -> dict[str, Any]:
            message = await receive()
            if message.get("type") == "websocket.receive":
                seats.heard_from(kernel)
            return message

        return noted

    async def _status(self, scope: Scope, send: Send) -> None:
        given = _header(scope, b"authorization") or ""
        scheme, _, presented = given.partition(" ")
        if not self.token or scheme.lower() != "bearer" or not presented:
            await self._refuse(scope, send, 404, "Not Found\n")
            return
        if not hmac.compare_digest(presented.encode(), self.token.encode()):
            await self._refuse(scope, send, 404, "Not Found\n")
            return
        contexts = self.kernels()
        data = dict(self.seats().status())
        data["pages"] = None if contexts is None else len(contexts)
        data["rss_kb"] = limits.resident_kb()
        data["pid"] = os.getpid()
        body = json.dumps(data).encode()
        await _respond(send, 200, body, b"application/json")

    async def _refuse(self, scope: Scope, send: Send, status: int, text: str) -> None:
        """An HTTP answer with ``status``; a websocket handshake is refused (uvicorn
        answers 403, and logs no error as it does for a custom denial response)."""
        if scope["type"] == "http":
            await _respond(send, status, text.encode(), b"text/plain; charset=utf-8")
        else:
            await send({"type": "websocket.close", "code": 1008})


async def _respond(send: Send, status: int, body: bytes, kind: bytes) -> None:
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def install() -> bool:
    """Put :class:`Guard` in front of Solara's Starlette app, once; True if it is there.
    Does nothing outside a Solara server (the app's module is not loaded then)."""
    import sys
    import warnings

    module = sys.modules.get("solara.server.starlette")
    if module is None:
        return False
    from starlette.middleware import Middleware

    # the page is served over plain http on this machine's own names and is not meant to
    # be embedded: Solara's fallback to a same-site (lax) cookie is what we want, so its
    # twelve-line warning about it on every page load says nothing to a trainer
    warnings.filterwarnings(
        "ignore", message="Cookies with samesite=none require https", category=UserWarning
    )
    app = module.app
    if not any(getattr(m, "cls", None) is Guard for m in app.user_middleware):
        app.user_middleware.insert(0, Middleware(Guard))
        # Starlette builds its middleware stack on the first call (the lifespan start-up,
        # during which Solara imports the page): build it again, with the guard outermost,
        # before the first request (uvicorn serves none until start-up is over)
        app.middleware_stack = None
    return True
