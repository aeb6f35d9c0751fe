"""Shared by the benchmarks: source trees, one timed child, figures with spread, verdicts.

The reference tree is the model as it was at :data:`REFERENCE_COMMIT` (the start of the
speed work of issue 14; daily metrics and event logs are bit-identical since, see
``tests/test_golden.py``), unpacked once with ``git archive`` into ``.bench-cache/`` (not
tracked). Children run ``benchmarks/child.py`` with ``PYTHONPATH`` set to a tree, so
each version imports its own ``model``, ``agents`` and ``scenarios``.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".bench-cache"
CHILD = Path(__file__).resolve().parent / "child.py"
REFERENCE_COMMIT = "0d29d6a"
REFERENCE_PACKAGES = ("model", "agents", "scenarios")
REFERENCE_FIGURES = Path(__file__).resolve().parent / "reference.json"


def spread(samples: list[float]) -> dict[str, Any]:
    """Median, min and max of ``samples`` (and the samples)."""
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "samples": samples,
    }


def reference_tree(commit: str = REFERENCE_COMMIT) -> tuple[Path | None, str]:
    """The packages of ``commit`` (by default :data:`REFERENCE_COMMIT`) under
    ``.bench-cache/ref-<commit>``, unpacked on first use. Pass a fixed hash, not a
    moving name such as ``HEAD``: the unpacked tree is reused by name.

    Returns the tree, or ``None`` and the reason when git or the commit is not available
    (e.g. a source tarball without ``.git``).
    """
    tree = CACHE / f"ref-{commit}"
    if (tree / "model" / "__init__.py").is_file():
        return tree, ""
    if shutil.which("git") is None:
        return None, "git is not installed"
    if not (ROOT / ".git").exists():
        return None, f"{ROOT} is not a git checkout"
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, *REFERENCE_PACKAGES],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        return None, f"git archive {commit} failed: {archive.stderr.decode().strip()}"
    CACHE.mkdir(exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix="ref-", dir=CACHE))
    subprocess.run(["tar", "-x", "-C", str(partial)], input=archive.stdout, check=True)
    partial.rename(tree)
    return tree, ""


def run_child(tree: Path, spec: dict[str, Any], env: dict[str, str] | None = None) -> dict:
    """Run ``child.py`` with ``spec`` against ``tree``; its JSON result."""
    child_env = {**os.environ, **(env or {}), "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, str(CHILD), json.dumps(spec)],
        cwd=tree,
        env=child_env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"benchmark child failed in {tree}:\n{out.stderr.strip()}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def recorded_reference() -> dict[str, Any]:
    """The reference figures recorded in ``benchmarks/reference.json``."""
    return json.loads(REFERENCE_FIGURES.read_text(encoding="utf-8"))


def check(
    name: str, value: float, op: str, target: float, spread_of: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One figure against its target: ``op`` is ``>=``, ``<=`` or ``<``. A benchmark
    reports, it does not fail: ``pass`` is only the verdict shown."""
    ok = value >= target if op == ">=" else value <= target if op == "<=" else value < target
    row: dict[str, Any] = {"name": name, "value": value, "op": op, "target": target, "pass": ok}
    if spread_of is not None:
        row["min"], row["max"] = spread_of["min"], spread_of["max"]
    return row
