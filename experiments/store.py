"""A resumable result store: one folder per experiment, one Parquet part per batch.

    folder/
      manifest.json                       identity, creation time, versions, status
      parts/part-<first key>-<n>.parquet  rows of finished jobs (n = number of rows)

Every file is written to a temporary name and renamed into place, so a run killed at
any moment leaves only complete parts; temporary files (``.part-*.tmp``) are never read.
A job is done when its key is in some part; rows are deduplicated by key on reading, so
a batch written twice (a retried task, a resumed run) never duplicates a result.

Faults. A part with a final name that cannot be read (damaged on disk, or lost data
after a power cut) is not trusted: :meth:`ResultStore.done` — which starts every resumed
run — moves it aside to ``<name>.corrupt`` with a warning, so its jobs run again, and
:meth:`ResultStore.read` refuses it with :class:`StoreDamaged` ("rerun to redo its runs").
A write that fails (disk full, folder not writable) raises :class:`StoreWriteError`, one
line saying what to do; the parts finished before it stay as they are and a rerun of
the same command resumes from them.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from scenarios.errors import Message

from .folders import ours
from .output import atomic_text, atomic_write, is_temporary, write_fix
from .version import model_identity

Row = tuple[str, int, int, dict[str, float]]  # key, point, replicate, outputs

MANIFEST = "manifest.json"
PARTS = "parts"
VERSIONED = ("gvi-sim", "numpy", "pandas", "pyarrow", "mesa", "dask", "distributed")
_INDEX = ("key", "point", "replicate")


class StoreError(Exception):
    """A result folder that cannot be used as it is; the message is one line."""


class StoreMismatch(StoreError):
    """The folder holds a different experiment, or something that is not a store."""


class StoreDamaged(StoreError):
    """A finished part cannot be read."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(Message("problem.store_damaged", path=path, reason=reason))
        self.path, self.reason = path, reason

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.path, self.reason)


class StoreWriteError(StoreError, OSError):
    """Writing into the store failed (disk full, folder not writable, ...)."""

    def __init__(self, message: str, code: int | None) -> None:
        OSError.__init__(self, message)
        self.errno = code

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.args[0], self.errno)


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
    ``accept`` lists earlier identities of the same experiment (as an earlier version
    of the code wrote them) under which an existing folder also resumes; its manifest
    then records ``identity`` in its current form.
    """

    def __init__(
        self,
        folder: Path,
        *,
        identity: dict[str, Any],
        accept: Sequence[dict[str, Any]] = (),
    ) -> None:
        self.folder = Path(folder)
        # the model's version is part of every store's identity: runs of two model
        # versions never mix in one folder
        self.identity = _canonical({**identity, "model": model_identity()})
        accepted = [self.identity, *(_canonical({**a, "model": model_identity()}) for a in accept)]
        self.parts = self.folder / PARTS
        manifest_path = self.folder / MANIFEST
        if manifest_path.exists():
            try:
                manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
                found = manifest["identity"]
            except (ValueError, KeyError, TypeError):
                raise StoreMismatch(
                    Message("problem.store_manifest", folder=self.folder, manifest=MANIFEST)
                ) from None
            made_by = found.get("model") if isinstance(found, dict) else None
            if not _same(made_by, self.identity["model"]):
                raise StoreMismatch(
                    Message("problem.store_version", folder=self.folder,
                            found=_version_text(made_by), this=_version_text(self.identity["model"]))
                )  # fmt: skip
            if not any(_same(found, a) for a in accepted):
                raise StoreMismatch(
                    Message("problem.store_other", folder=self.folder,
                            difference=_difference(found, self.identity))
                )  # fmt: skip
            if not _same(found, self.identity):  # an earlier form: record the current one
                manifest["identity"], manifest["identity_updated"] = self.identity, _now()
                with self._writing(MANIFEST):
                    atomic_text(json.dumps(manifest, indent=2, default=str), manifest_path)
            versions = package_versions()
            if manifest.get("versions") != versions:
                history = manifest.get("resumed_with_versions", [])
                if not history or history[-1]["versions"] != versions:
                    history.append({"time": _now(), "versions": versions})
                    self.update_manifest(resumed_with_versions=history)
        else:
            # a run killed while writing the first manifest leaves only a temporary file
            if self.folder.exists() and any(
                not is_temporary(p.name) and not ours(p.name) for p in self.folder.iterdir()
            ):
                raise StoreMismatch(
                    Message("problem.store_no_manifest", folder=self.folder, manifest=MANIFEST)
                )
            manifest = {"identity": self.identity, "created": _now()}
            manifest["versions"] = package_versions()
            with self._writing(MANIFEST):
                self.folder.mkdir(parents=True, exist_ok=True)
                atomic_text(json.dumps(manifest, indent=2), manifest_path)
        if not self.parts.is_dir():
            with self._writing(f"{PARTS}/"):
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
        with self._writing(MANIFEST):
            atomic_text(json.dumps(manifest, indent=2, default=str), self.folder / MANIFEST)

    @contextlib.contextmanager
    def _writing(self, what: str) -> Iterator[None]:
        """Turn a failed write into a one-line :class:`StoreWriteError`."""
        try:
            yield
        except OSError as exc:
            if isinstance(exc, StoreWriteError):
                raise
            reason = os_reason(exc)
            kept: str = ""
            with contextlib.suppress(Exception):
                if n := len(self.done()):
                    kept = Message("problem.store_kept", count=n)
            fix = write_fix(exc.errno)
            raise StoreWriteError(
                Message(
                    "problem.store_write",
                    folder=self.folder,
                    what=what,
                    reason=reason,
                    fix=fix,
                    kept=kept,
                ),
                exc.errno,
            ) from exc

    # -- parts -----------------------------------------------------------------------

    def part_files(self) -> list[Path]:
        """The finished parts, by name (temporary files excluded)."""
        return sorted(self.parts.glob("part-*.parquet"))

    def done(self) -> set[str]:
        """Keys of the finished jobs. An unreadable part is moved aside (see the module
        docstring), so its jobs count as not done and run again."""
        keys: set[str] = set()
        for path in self.part_files():
            try:
                keys.update(_read_part(path, columns=["key"])["key"].tolist())
            except StoreDamaged as exc:
                self._set_aside(path, exc)
        return keys

    def _set_aside(self, path: Path, exc: StoreDamaged) -> None:
        aside = path.with_name(path.name + ".corrupt")
        n = 1
        while aside.exists():
            n += 1
            aside = path.with_name(f"{path.name}.{n}.corrupt")
        with self._writing(f"{PARTS}/{aside.name}"):
            path.rename(aside)
        print(
            f"warning: {path}: unreadable result part ({exc.reason}); moved to {aside.name}, "
            "its runs will be redone",
            file=sys.stderr,
        )

    def write(self, rows: list[Row]) -> None:
        """Write one part holding ``rows`` (key, point, replicate, outputs)."""
        if not rows:
            return
        frame = _frame(rows)
        name = f"part-{rows[0][0]}-{len(rows)}.parquet"
        table = pa.Table.from_pandas(frame, preserve_index=False)
        with self._writing(Message("problem.store_a_part")):
            atomic_write(self.parts / name, lambda tmp: write_part(table, tmp))

    def read(self) -> pd.DataFrame:
        """All results: ``point, replicate, <outputs...>``, one row per key, sorted.
        Raises :class:`StoreDamaged` if a part cannot be read."""
        frames = [_read_part(path) for path in self.part_files()]
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
        with self._writing(Message("problem.store_merged_part")):
            atomic_write(name, lambda tmp: write_part(table, tmp))
            for path in old:
                if path != name:
                    path.unlink(missing_ok=True)


def write_part(table: pa.Table, path: str) -> None:
    """Write one part's table to ``path`` (a temporary name, renamed by the caller)."""
    pq.write_table(table, path)


def _read_part(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A part as a frame; :class:`StoreDamaged` (one line) if it cannot be read."""
    try:
        df = pd.read_parquet(path, columns=columns)
        missing = [c for c in columns or _INDEX if c not in df.columns]
        if missing:
            raise ValueError(f"no column {missing[0]!r}")
        return df
    except (pa.ArrowException, OSError, ValueError, KeyError) as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            # cannot be read at all (permissions, I/O error): not the file's fault
            raise StoreError(
                Message("problem.store_unreadable", path=path, reason=os_reason(exc))
            ) from exc
        raise StoreDamaged(path, os_reason(exc)) from exc


def os_reason(exc: BaseException) -> str:
    """A short reason: the errno's text, or the first line of the message."""
    code = getattr(exc, "errno", None)
    if isinstance(code, int):
        return os.strerror(code)
    text = str(exc).replace("Could not open Parquet input source '<Buffer>': ", "")
    lines = text.strip().splitlines()
    return lines[0][:160] if lines else type(exc).__name__


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


def _version_text(model: Any) -> Message:
    if not isinstance(model, dict):
        return Message("problem.store_version_old")
    return Message("problem.store_version_of", gvi_sim=model.get("gvi_sim"),
                   code=model.get("model_code"))  # fmt: skip


def _difference(found: Any, wanted: Any) -> Message:
    """Which identity fields differ, briefly."""
    if isinstance(found, dict) and isinstance(wanted, dict):
        keys = sorted(
            k for k in found.keys() | wanted.keys() if not _same(found.get(k), wanted.get(k))
        )
        shown = ", ".join(keys[:5]) + (", ..." if len(keys) > 5 else "")
        return Message("problem.store_differs_in", keys=shown)
    return Message("problem.store_differs")
