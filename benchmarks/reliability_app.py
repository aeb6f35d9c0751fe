"""Concurrent app sessions for ``make reliability``: the 20-page browser test
(``tests/browser/test_app_sessions.py``) against one ``gvi app`` server — every page
steps its own run, a reset in one leaves the others alone, and every page must answer
within 2 s — run in a subprocess, with its timings read back.

    python -m benchmarks.reliability_app [PAGES]
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATTERN = re.compile(r"APP-SESSIONS pages=(\d+) slowest=([\d.]+) median=([\d.]+)")


def app_sessions(pages: int = 20) -> dict[str, object]:
    """Run the sessions test with ``pages`` browser pages; figures and pass/fail."""
    env = {**os.environ, "GVI_APP_SESSIONS": str(pages), "GVI_REQUIRE_BROWSER": "1"}
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-s",
        "-p",
        "no:cacheprovider",
        "tests/browser/test_app_sessions.py",
        "-k",
        f"{pages}-pages",
        "-m",
        "slow or not slow",
    ]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    found = PATTERN.search(done.stdout)
    if found is None:
        last = (done.stdout.strip().splitlines() or ["no output"])[-1]
        return {"summary": f"{pages} sessions: test did not finish ({last})", "ok": False}
    slowest, median = float(found.group(2)), float(found.group(3))
    ok = done.returncode == 0
    summary = (
        f"{pages} browser sessions on one server, each stepping and resetting its own run: "
        f"{'no cross-talk' if ok else 'FAILED'}; slowest answer {slowest:.2f} s "
        f"(median {median:.2f} s, limit 2 s)"
    )
    return {"summary": summary, "ok": ok}


if __name__ == "__main__":
    result = app_sessions(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
    print(result["summary"])
    sys.exit(0 if result["ok"] else 1)
