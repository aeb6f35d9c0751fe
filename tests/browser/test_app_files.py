"""Nothing a page can ask for reads files of the server beyond the app's own assets:
path traversal through every static route Solara serves answers with an error, never
with a file's content, and no route accepts an upload."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET_FILES = ["pyproject.toml", "requirements.lock", "etc/passwd"]
PREFIXES = [
    "",
    "static/",
    "static/public/",
    "static/assets/",
    "static/nbextensions/",
    "_solara/cdn/",
    "static/sun/",
    "resourcez/",
]
TRAVERSALS = ["../" * 8, "..%2f" * 8, "%2e%2e/" * 8, "....//" * 8, "..\\" * 8]


def _get(url: str, method: str = "GET", data: bytes | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, method=method, data=data)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310 (loopback only)
            return r.status, r.read(200_000)
    except urllib.error.HTTPError as e:
        return e.code, e.read(200_000)
    except (urllib.error.URLError, ConnectionError):
        return 0, b""


def _contents() -> dict[str, bytes]:
    found = {}
    for name in SECRET_FILES:
        path = ROOT / name if not name.startswith("etc/") else Path("/") / name
        if path.is_file():
            found[name] = path.read_bytes()[:60]
    return found


def test_no_route_reads_server_files(app_url: str) -> None:
    secrets = _contents()
    assert secrets, "nothing to look for"
    tried = leaked = 0
    for prefix in PREFIXES:
        for trav in TRAVERSALS:
            for name, head in secrets.items():
                target = name if name.startswith("etc/") else f"{str(ROOT).lstrip('/')}/{name}"
                for path in (trav + target, trav + name):
                    status, body = _get(app_url + prefix + path)
                    tried += 1
                    if head.strip() and head.strip()[:40] in body:
                        leaked += 1
                        pytest.fail(f"{prefix}{path} returned {name} (HTTP {status})")
    assert tried >= 200 and leaked == 0


@pytest.mark.parametrize("route", ["", "static/", "_solara/cdn/x", "upload"])
def test_no_route_accepts_an_upload(app_url: str, route: str) -> None:
    before = sorted(p.name for p in ROOT.iterdir())
    status, _ = _get(app_url + route, method="PUT", data=b"x" * 1000)
    assert status != 200 or route == ""  # the page itself may answer, but writes nothing
    status, _ = _get(app_url + route + "/probe.txt", method="POST", data=b"x" * 1000)
    assert sorted(p.name for p in ROOT.iterdir()) == before
    assert not (ROOT / "probe.txt").exists()
