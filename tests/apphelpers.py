"""A ``gvi app`` server for tests, started as a trainer would start it: one helper for the
browser tests (``tests/browser/conftest.py``) and the shared-server tests
(``tests/test_app_shared.py``)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

GVI = shutil.which("gvi", path=str(Path(sys.executable).parent)) or "gvi"
START_SECONDS = 90  # a cold start imports Solara; on a busy machine it takes a while


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(address: str) -> bool:
    """Does the server at ``address`` (``http://127.0.0.1:PORT/``) accept connections?"""
    port = int(address.rsplit(":", 1)[1].strip("/"))
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@contextmanager
def running_app(
    env: dict[str, str] | None = None,
    *,
    args: Sequence[str] = (),
    ready: Callable[[str], bool] = answers,
) -> Iterator[str]:
    """``gvi app --port N *args`` on a free port, with ``env`` added to the environment;
    yields its address once ``ready(address)`` holds, and stops the server (its whole
    process group) on exit. Fails the test with the server's output if it does not
    start."""
    port = free_port()
    address = f"http://127.0.0.1:{port}/"
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        [GVI, "app", "--port", str(port), *args],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        start_new_session=True,  # its own process group: stopped with the server it starts
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while not ready(address):
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"gvi app did not start:\n{log.read()}")
            time.sleep(0.3)
        yield address
    finally:
        with suppress(ProcessLookupError):  # the group may be gone already
            os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        log.close()
        Path(log.name).unlink(missing_ok=True)
