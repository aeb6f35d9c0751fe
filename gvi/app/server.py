"""Starting the Solara server for ``gvi app`` (and the browser tests).

The server binds 127.0.0.1 unless told otherwise; a public interface (``0.0.0.0``,
``::`` or any address other than loopback) earns a warning, because anyone on that
network can then open the page. It runs offline: Solara's JavaScript, CSS and fonts come
from the ``solara-assets`` package, usage telemetry and the version check are off.

Shared use is bounded (see :mod:`gvi.app.limits` and :mod:`gvi.app.guard`, which read these
settings in the server process from the environment set here):

* at most :data:`DEFAULT_MAX_SESSIONS` pages hold a run at once (``GVI_APP_MAX_SESSIONS``);
  a page beyond that shows a "server is full" notice instead of a run;
* a page with no message from its browser for :data:`DEFAULT_IDLE_SECONDS`
  (``GVI_APP_IDLE_SECONDS``) loses its run and its place, and a page whose connection
  dropped is culled by Solara after the same time (``SOLARA_KERNEL_CULL_TIMEOUT``); the
  server uses the C allocator (``PYTHONMALLOC=malloc``), so the memory freed goes back
  to the system;
* only requests for this machine's own names are answered (``Host`` header; the names
  in ``GVI_APP_ALLOWED_HOSTS`` are added, ``*`` turns the check off), and Solara's
  diagnostic routes (``/resourcez``, ``/readyz``) answer 404.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .text import LANGS

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
PAGE_MODULE = "gvi.app.page"
DEFAULT_MAX_SESSIONS = 30  # pages holding a run at once (about 3.6 MB each)
DEFAULT_IDLE_SECONDS = 600  # a page silent this long loses its run and its place

# the environment that carries these settings to the server process
ENV_HOST = "GVI_APP_HOST"  # the interface the server was started on
ENV_MAX_SESSIONS = "GVI_APP_MAX_SESSIONS"
ENV_IDLE_SECONDS = "GVI_APP_IDLE_SECONDS"
ENV_ALLOWED_HOSTS = "GVI_APP_ALLOWED_HOSTS"  # extra host names, comma-separated; * = any
ENV_STATUS_TOKEN = "GVI_APP_STATUS_TOKEN"  # unset: no status route (tests and benchmarks)


def max_sessions(value: str | int | None = None) -> int:
    """The cap on sessions: ``value``, else ``GVI_APP_MAX_SESSIONS``, else the default;
    ValueError (one line) unless it is a whole number from 1 up."""
    raw = os.environ.get(ENV_MAX_SESSIONS) if value is None else value
    if raw is None or str(raw).strip() == "":
        return DEFAULT_MAX_SESSIONS
    try:
        number = int(str(raw).strip())
    except ValueError:
        number = 0
    if number < 1:
        raise ValueError(f"{ENV_MAX_SESSIONS}={raw}: must be a whole number from 1 up")
    return number


def idle_seconds(value: str | float | None = None) -> float:
    """Seconds of silence after which a session expires: ``value``, else
    ``GVI_APP_IDLE_SECONDS``, else the default; ValueError (one line) unless positive."""
    raw = os.environ.get(ENV_IDLE_SECONDS) if value is None else value
    if raw is None or str(raw).strip() == "":
        return float(DEFAULT_IDLE_SECONDS)
    try:
        number = float(str(raw).strip())
    except ValueError:
        number = float("nan")
    if not 0 < number < 10**7:
        raise ValueError(f"{ENV_IDLE_SECONDS}={raw}: must be a number of seconds above 0")
    return number


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
        ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback for info in infos
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


def environment(
    lang: str,
    host: str = DEFAULT_HOST,
    *,
    sessions: int | None = None,
    idle: float | None = None,
    allowed_hosts: list[str] | None = None,
) -> dict[str, str]:
    """The server's environment: the page's default language, offline settings and the
    limits of shared use (arguments first, then the caller's environment, then the
    defaults). A page whose connection dropped is culled after the idle time."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}")
    cap = max_sessions(sessions)
    quiet = idle_seconds(idle)
    env = dict(os.environ)
    env.update(
        {
            "GVI_APP_LANG": lang,
            ENV_HOST: host,
            ENV_MAX_SESSIONS: str(cap),
            ENV_IDLE_SECONDS: f"{quiet:g}",
            "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
            "SOLARA_THEME_SHOW_BANNER": "False",
            "SOLARA_KERNEL_CULL_TIMEOUT": f"{quiet:g}s",
            "MPLBACKEND": "Agg",
        }
    )
    # Python's own allocator keeps a 1 MiB arena as long as one object in it lives, so
    # most of the memory of expired sessions would stay with the server (about 115 MB
    # after 50 sessions); the C allocator's free pages go back to the system (see
    # app.limits.give_back_memory), for about 15 % more CPU time when drawing pages.
    # PYTHONMALLOC=pymalloc in the caller's environment keeps Python's allocator.
    env.setdefault("PYTHONMALLOC", "malloc")
    if allowed_hosts is not None:
        env[ENV_ALLOWED_HOSTS] = ",".join(allowed_hosts)
    return env


def url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def check(host: str, port: str | int, lang: str) -> int:
    """The port as a number, after checking the command line; ValueError (one line)
    for a bad port, a port in use, a host that cannot be bound, an unknown language or
    a bad ``GVI_APP_MAX_SESSIONS`` / ``GVI_APP_IDLE_SECONDS``."""
    if lang not in LANGS:
        raise ValueError(f"--lang {lang}: must be one of {', '.join(LANGS)}")
    max_sessions()
    idle_seconds()
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


def serve(
    host: str,
    port: int,
    lang: str,
    *,
    out=None,
    err=None,
    sessions: int | None = None,
    idle: float | None = None,
    allowed_hosts: list[str] | None = None,
) -> int:
    """Run the server until it stops, or until Ctrl+C, SIGTERM or SIGHUP stop it and
    everything it started (:func:`stop_server`); returns its exit code (0 when stopped).
    Prints the warning for a public interface first and the address once it answers.
    ``sessions``, ``idle`` and ``allowed_hosts`` override the environment's limits."""
    out = out or sys.stdout
    err = err or sys.stderr
    warning = public_warning(host)
    if warning:
        print(warning, file=err, flush=True)
    env = environment(lang, host, sessions=sessions, idle=idle, allowed_hosts=allowed_hosts)
    proc = subprocess.Popen(
        command(host, port),
        env=env,
        start_new_session=True,  # its own process group: stopped with everything it starts
        preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads yet in this process
    )
    stopping: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        stopping.append(signum)
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
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
        return 0
    finally:
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        stop_server(proc)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
STOP_SECONDS = 5.0  # how long the server may take to close its connections


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server and every process it started (its process group): SIGTERM, and
    SIGKILL after :data:`STOP_SECONDS`; returns once they are gone."""
    if proc.poll() is not None:
        _signal_group(proc.pid, signal.SIGKILL)  # anything it left behind
        return
    _signal_group(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(STOP_SECONDS)
    _signal_group(proc.pid, signal.SIGKILL)
    proc.wait()


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _die_with_parent() -> None:
    """In the server process before it starts (Linux): get SIGTERM if ``gvi app``
    itself dies, even by SIGKILL, so no server is left holding the port."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
