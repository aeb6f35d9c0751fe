"""Starting the Solara server for ``gvi app`` (and the browser tests).

The server binds 127.0.0.1 unless told otherwise; a public interface (``0.0.0.0``,
``::`` or any address other than loopback) earns a warning, because anyone on that
network can then open the page. It runs offline: Solara's JavaScript, CSS and fonts come
from the ``solara-assets`` package, usage telemetry and the version check are off.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from pathlib import Path

from .text import LANGS

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
PAGE_MODULE = "app.page"


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses; False for ``0.0.0.0``, ``::``
    and every other address (names are resolved)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(
        ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback for info in infos
    )


def public_warning(host: str) -> str | None:
    """The warning printed when ``host`` is not a loopback interface, else None."""
    if is_loopback(host):
        return None
    return (
        f"warning: the app is bound to {host}, a public interface: anyone who can reach this "
        "machine on the network can open it. Use --host 127.0.0.1 to keep it local."
    )


def port_problem(host: str, port: int) -> str | None:
    """Why ``port`` cannot be served on ``host`` (out of range or in use), or None."""
    if not 1 <= port <= 65535:
        return f"--port {port}: must be between 1 and 65535"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            return f"--port {port}: cannot listen on {host}:{port} ({exc.strerror or exc})"
    return None


def command(host: str, port: int) -> list[str]:
    """The command line that serves the page."""
    solara = Path(sys.executable).with_name("solara")
    exe = [str(solara)] if solara.exists() else [sys.executable, "-m", "solara"]
    return [
        *exe,
        "run",
        PAGE_MODULE,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
        "--theme-loader",
        "plain",
        "--log-level",
        "warning",
    ]


def environment(lang: str) -> dict[str, str]:
    """The server's environment: the page's default language, offline settings."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}")
    env = dict(os.environ)
    env.update(
        {
            "GVI_APP_LANG": lang,
            "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
            "SOLARA_THEME_SHOW_BANNER": "False",
            "SOLARA_KERNEL_CULL_TIMEOUT": "1h",
            "MPLBACKEND": "Agg",
        }
    )
    return env


def url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def check(host: str, port: str | int, lang: str) -> int:
    """The port as a number, after checking the command line; ValueError (one line)
    for a bad port, a port in use, a host that cannot be bound or an unknown language."""
    if lang not in LANGS:
        raise ValueError(f"--lang {lang}: must be one of {', '.join(LANGS)}")
    try:
        number = int(str(port))
    except ValueError:
        raise ValueError(f"--port {port}: must be a whole number from 1 to 65535") from None
    problem = port_problem(host, number)
    if problem:
        raise ValueError(problem)
    return number


def answers(host: str, port: int, timeout: float = 0.5) -> bool:
    """Does something accept connections on ``host:port``?"""
    target = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)
    try:
        with socket.create_connection((target, port), timeout=timeout):
            return True
    except OSError:
        return False


def serve(host: str, port: int, lang: str, *, out=None, err=None) -> int:
    """Run the server until it stops or Ctrl+C; returns its exit code (0 after Ctrl+C).
    Prints the warning for a public interface first and the address once it answers."""
    import subprocess
    import time

    out = out or sys.stdout
    err = err or sys.stderr
    warning = public_warning(host)
    if warning:
        print(warning, file=err, flush=True)
    proc = subprocess.Popen(command(host, port), env=environment(lang))
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if answers(host, port):
                print(f"GVI training app: {url(host, port)}  (press Ctrl+C to stop)", file=out,
                      flush=True)  # fmt: skip
                break
            time.sleep(0.3)
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 0
