"""A resumable result store: one folder per experiment, one Parquet part per batch.

    folder/
      manifest.json                       identity, creation time, versions, status
      parts/part-<first key>-<n>.parquet  rows of finished jobs (n = number of rows)

Every file is written to a temporary name and renamed into place, so a run killed at
any moment leaves only complete parts; temporary files (``.part-*.tmp``) are never read.
A job is done when its key is in some part; rows are deduplicated by key on reading, so
a batch written twice (a retried task, a resumed run) never duplicates a result.
"""

from __future__ import annotations

import contextlib
import json
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .output import atomic_text, atomic_write

Row = tuple[str, int, int, dict[str, float]]  # key, point, replicate, outputs

MANIFEST = "manifest.json"
PARTS = "parts"
VERSIONED = ("gvi-sim", "numpy", "pandas", "pyarrow", "mesa", "dask", "distributed")
_INDEX = ("key", "point", "replicate")


class StoreMismatch(Exception):
    """The folder holds a different experiment, or something that is not a store."""


def package_versions() -> dict[str, str]:
    """Python's and the relevant packages' versions (those installed)."""
    out = {"python": sys.version.split()[0]}
    for name in VERSIONED:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[name] = metadata.version(name)
    return out


def _canonical(identity: dict[str, Any]) -> dict[str, Any]:
    """The identity as it reads back from JSON (tuples become lists, keys strings)."""
    try:
        return json.loads(json.dumps(identity, sort_keys=True))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"store identity must be JSON-able: {exc}") from None


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON (so NaN equals NaN)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ResultStore:
    """Results of one experiment in ``folder``, identified by ``identity``.

    ``identity`` describes the experiment (the experiment file's sha256, the root
    seed, the design's hash, ...): reopening the folder with the same identity resumes
    it; a different identity raises :class:`StoreMismatch` and writes nothing.
    """

    def __init__(self, folder: Path, *, identity: dict[str, Any]) -> None:
        self.folder = Path(folder)
        self.identity = _canonical(identity)
        self.parts = self.folder / PARTS
        manifest_path = self.folder / MANIFEST
        if manifest_path.exists():
            try:
                manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
                found = manifest["identity"]
            except (ValueError, KeyError, TypeError):
                raise StoreMismatch(
                    f"{self.folder} has an unreadable {MANIFEST}: choose another --out or delete it"
                ) from None
            if not _same(found, self.identity):
                raise StoreMismatch(
                    f"{self.folder} holds a different experiment "
                    f"({_difference(found, self.identity)}): choose another --out or delete it"
                )
            versions = package_versions()
            if manifest.get("versions") != versions:
                history = manifest.get("resumed_with_versions", [])
                if not history or history[-1]["versions"] != versions:
                    history.append({"time": _now(), "versions": versions})
                    self.update_manifest(resumed_with_versions=history)
        else:
            if self.folder.exists() and any(self.folder.iterdir()):
                raise StoreMismatch(
                    f"{self.folder} is not empty and holds no {MANIFEST}: choose another "
                    "--out or delete it"
                )
            self.folder.mkdir(parents=True, exist_ok=True)
            manifest = {"identity": self.identity, "created": _now()}
            manifest["versions"] = package_versions()
            atomic_text(json.dumps(manifest, indent=2), manifest_path)
        self.parts.mkdir(exist_ok=True)

    # -- manifest --------------------------------------------------------------------

    @property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))

    def update_manifest(self, **fields: Any) -> None:
        """Set top-level manifest fields (JSON-able) and rewrite it atomically."""
        if "identity" in fields:
            raise ValueError("a store's identity cannot change")
        manifest = self.manifest
        manifest.update(fields)
        atomic_text(json.dumps(manifest, indent=2, default=str), self.folder / MANIFEST)

    # -- parts -----------------------------------------------------------------------

    def part_files(self) -> list[Path]:
        """The finished parts, by name (temporary files excluded)."""
        return sorted(self.parts.glob("part-*.parquet"))

    def done(self) -> set[str]:
        """Keys of the finished jobs."""
        keys: set[str] = set()
        for path in self.part_files():
            keys.update(pq.read_table(path, columns=["key"]).column("key").to_pylist())
        return keys

    def write(self, rows: list[Row]) -> None:
        """Write one part holding ``rows`` (key, point, replicate, outputs)."""
        if not rows:
            return
        frame = _frame(rows)
        name = f"part-{rows[0][0]}-{len(rows)}.parquet"
        table = pa.Table.from_pandas(frame, preserve_index=False)
        atomic_write(self.parts / name, lambda tmp: pq.write_table(table, tmp))

    def read(self) -> pd.DataFrame:
        """All results: ``point, replicate, <outputs...>``, one row per key, sorted."""
        frames = [pd.read_parquet(path) for path in self.part_files()]
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame(
                {"point": pd.Series(dtype="int64"), "replicate": pd.Series(dtype="int64")}
            )
        df = pd.concat(frames, ignore_index=True, sort=False)
        df = df.drop_duplicates("key", keep="first")
        df = df.sort_values(["point", "replicate"], kind="stable", ignore_index=True)
        return df.drop(columns="key")

    def compact(self) -> None:
        """Merge every part into one (written before the old parts are removed, so a
        crash in between only leaves duplicates, which reading drops)."""
        old = self.part_files()
        if len(old) < 2:
            return
        df = self.read()
        key = [job_key(p, r) for p, r in zip(df["point"], df["replicate"], strict=True)]
        df.insert(0, "key", key)
        name = self.parts / f"part-{key[0]}-{len(df)}.parquet"
        table = pa.Table.from_pandas(df, preserve_index=False)
        atomic_write(name, lambda tmp: pq.write_table(table, tmp))
        for path in old:
            if path != name:
                path.unlink(missing_ok=True)


def job_key(point: int, replicate: int) -> str:
    """A job's key: ``p<point:06d>r<replicate:04d>`` (sorts as point, replicate)."""
    return f"p{point:06d}r{replicate:04d}"


def _frame(rows: list[Row]) -> pd.DataFrame:
    names: dict[str, None] = {}
    for _, _, _, outputs in rows:
        names.update(dict.fromkeys(outputs))
    data: dict[str, Any] = {
        "key": pd.Series([r[0] for r in rows], dtype="object"),
        "point": pd.Series([r[1] for r in rows], dtype="int64"),
        "replicate": pd.Series([r[2] for r in rows], dtype="int64"),
    }
    for name in names:
        if name in _INDEX:
            raise ValueError(f"output name {name!r} is reserved")
        values = [r[3].get(name, float("nan")) for r in rows]
        data[name] = pd.Series(values, dtype="float64")
    return pd.DataFrame(data)


def _difference(found: Any, wanted: Any) -> str:
    """Which identity fields differ, briefly."""
    if isinstance(found, dict) and isinstance(wanted, dict):
        keys = sorted(
            k for k in found.keys() | wanted.keys() if not _same(found.get(k), wanted.get(k))
        )
        shown = ", ".join(keys[:5]) + (", ..." if len(keys) > 5 else "")
        return f"identity differs in {shown}"
    return "identity differs"
