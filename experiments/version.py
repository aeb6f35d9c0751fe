"""What version of the model made a result: the package version and a hash of the model
code (every source file of ``model/`` and ``agents/`` and the scenario schema, whose
defaults are the model's parameters). Result stores and manifests carry both, and a
folder made by another version is not resumed."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE = ("model", "agents", "scenarios/schema.py")


def package_version() -> str:
    """The installed gvi-sim version (``unknown`` when run from a bare checkout)."""
    try:
        return metadata.version("gvi-sim")
    except metadata.PackageNotFoundError:
        return "unknown"


@cache
def model_code_hash() -> str:
    """sha256 (first 16 hex digits) of the model's source files, in path order."""
    files: list[Path] = []
    for part in CODE:
        path = ROOT / part
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.relative_to(ROOT).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_identity() -> dict[str, str]:
    """``{"gvi_sim": version, "model_code": hash}``."""
    return {"gvi_sim": package_version(), "model_code": model_code_hash()}
