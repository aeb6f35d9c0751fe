"""The trainers' app under shared use, for ``make reliability``, each run in a subprocess
with its figures read back from what the test prints:

* :func:`app_sessions` — the 20-page browser test (``tests/browser/test_app_sessions.py``)
  against one ``gvi app`` server: every page steps its own run, a reset in one leaves
  the others alone, and every page must answer within 2 s;
* :func:`abandoned_sessions` (:func:`abandoned_row` for the table) — the slow test of
  ``tests/test_app_shared.py``: 50 pages open a run and cut their connection without a
  goodbye; once they expire the server must hold no session and no page, and its
  resident size must be back within a margin of where it was before them.

    python -m benchmarks.reliability_app [PAGES]
    python -m benchmarks.reliability_app abandoned
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATTERN = re.compile(r"APP-SESSIONS pages=(\d+) slowest=([\d.]+) median=([\d.]+)")
ABANDONED = re.compile(
    r"APP-ABANDONED sessions=(?P<n>\d+) idle=(?P<idle>[\d.]+) open=(?P<open>[\d.]+) "
    r"before=(?P<before>[\d.]+) peak=(?P<peak>[\d.]+) after=(?P<after>[\d.]+) "
    r"expiry=(?P<expiry>[\d.]+) margin=(?P<margin>[\d.]+)"
)
ABANDONED_CHECK = "abandoned app sessions freed"


def _pytest(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run pytest on the project's tests in a child process; its output captured."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *args]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


def app_sessions(pages: int = 20) -> dict[str, object]:
    """Run the sessions test with ``pages`` browser pages; figures and pass/fail."""
    env = {**os.environ, "GVI_APP_SESSIONS": str(pages), "GVI_REQUIRE_BROWSER": "1"}
    done = _pytest(
        "tests/browser/test_app_sessions.py",
        "-k",
        f"{pages}-pages",
        # GVI_APP_SESSIONS sets the default case's page count; the slow case would open
        # 20 more pages on the same server, past its cap of 30
        "-m",
        "not slow",
        env=env,
    )
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


def abandoned_sessions() -> dict[str, object]:
    """Run the abandoned-sessions test (about 3 minutes); figures and pass/fail."""
    done = _pytest("tests/test_app_shared.py", "-k", "abandoned", "-m", "slow")
    found = ABANDONED.search(done.stdout)
    if found is None:
        last = (done.stdout.strip().splitlines() or ["no output"])[-1]
        return {"summary": f"abandoned sessions: test did not finish ({last})", "ok": False}
    f = {k: float(v) for k, v in found.groupdict().items()}
    ok = done.returncode == 0
    summary = (
        f"{f['n']:.0f} pages opened a run and cut their connection without a goodbye: "
        f"server RSS {f['before']:.0f} MB before, {f['peak']:.0f} MB with all of them, "
        f"{f['after']:.0f} MB after they expired ({f['after'] - f['before']:+.0f} MB, "
        f"limit +{f['margin']:.0f} MB); no session or page left "
        f"{f['expiry']:.0f} s after the last one went (idle limit {f['idle']:.0f} s)"
        f"{'' if ok else ' - FAILED'}"
    )
    return {"summary": summary, "ok": ok}


def abandoned_row():
    """:func:`abandoned_sessions` as a row of ``benchmarks.reliability``'s table."""
    from benchmarks.reliability import Row

    value = abandoned_sessions()
    return Row(ABANDONED_CHECK, str(value["summary"]), bool(value["ok"]))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "abandoned":
        result = abandoned_sessions()
    else:
        result = app_sessions(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
    print(result["summary"])
    sys.exit(0 if result["ok"] else 1)
