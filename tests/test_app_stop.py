"""``gvi app`` starts and stops like a program: SIGTERM (as ``kill`` sends) or SIGINT
(Ctrl+C) stops the whole server, leaving no process behind and the port free; a normal
page request prints nothing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import apphelpers
import pytest


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads processes from /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_whole_server_and_frees_the_port(sig: signal.Signals) -> None:
    port = apphelpers.free_port()
    address = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(
            [apphelpers.GVI, "app", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + apphelpers.START_SECONDS
            while not apphelpers.answers(address):
                assert proc.poll() is None and time.monotonic() < deadline, "did not start"
                time.sleep(0.3)
            with urllib.request.urlopen(address, timeout=30) as page:  # a normal request
                assert page.status == 200
            children = _children(proc.pid)
            assert children, "gvi app runs its server in a child process"
            os.kill(proc.pid, sig)  # the signal goes to gvi app alone, as kill sends it
            assert proc.wait(30) == 0
            deadline = time.monotonic() + 10
            while any(_alive(c) for c in children) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not [c for c in children if _alive(c)], "a child outlived gvi app"
            assert _port_free(port), f"port {port} still taken"
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.seek(0)
        lines = [line for line in log.read().splitlines() if line.strip()]
    unexpected = [
        line
        for line in lines
        if not line.startswith(("GVI training app:", "Solara server is starting"))
    ]
    assert unexpected == [], f"printed for a normal request: {unexpected}"


def test_the_page_does_not_import_the_report_package() -> None:
    """The server imports the page at start-up: the report package (scipy, matplotlib,
    the comparison code) would add about 1.7 s before the first page."""
    import sys

    code = "import sys, gvi.app.page; print('gvi.report' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "False"
