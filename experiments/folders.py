"""One rule for every command that writes a result folder, and one lock per folder.

**The rule.** A command writes only into a folder that does not exist yet, is empty, or
was made by the same command: each command marks its folders with a small file
``.gvi-folder`` naming the command. A rerun of the same command resumes what it can (a
study, a calibration) or rewrites its own outputs (a single run, a validation); a
folder that holds anything else — a user's own files, another command's results — is
refused in one line and nothing is written. Folders of studies made before the mark
existed are recognised by their store manifest.

**The lock.** While a command writes a folder it holds an exclusive lock on
``.gvi-lock`` in it (``fcntl.flock``, released by the operating system when the process
dies, however it dies): a second command on the same folder is refused at once instead
of running everything twice.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from scenarios.errors import Message

MARK = ".gvi-folder"
LOCK = ".gvi-lock"
STORE_MANIFEST = "manifest.json"  # a result store's manifest (studies before the mark)


class FolderError(ValueError):
    """The folder cannot be written by this command (one line: what, and the fix)."""


def ours(name: str) -> bool:
    """Files that the rule and the lock themselves leave, and temporary files."""
    return name in (MARK, LOCK) or (name.startswith(".") and name.endswith(".tmp"))


def _marked_by(folder: Path) -> str | None:
    try:
        data = json.loads((folder / MARK).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    command = data.get("command") if isinstance(data, dict) else None
    return command if isinstance(command, str) else None


def _legacy_store(folder: Path, command: str) -> bool:
    """A study or calibration folder written before the mark existed."""
    if command not in ("sweep", "sensitivity", "calibrate"):
        return False
    manifest = folder / (STORE_MANIFEST if command != "calibrate" else f"runs/{STORE_MANIFEST}")
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "identity" in data


def check_folder(out: str | os.PathLike[str], command: str) -> Path:
    """Refuse ``out`` unless it is new, empty, or made by ``command``; returns the path.
    Writes nothing."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FolderError(Message("err.out_not_folder", out=out))
    if not out.exists():
        return out
    try:
        names = [p.name for p in out.iterdir()]
    except OSError as exc:
        raise FolderError(
            Message("problem.folder_unreadable", out=out, reason=exc.strerror)
        ) from None
    if not [n for n in names if not ours(n)]:
        return out
    maker = _marked_by(out)
    if maker == command or (maker is None and _legacy_store(out, command)):
        return out
    sample = sorted(n for n in names if not ours(n))[0]
    if maker:
        raise FolderError(Message("problem.folder_other_results", out=out, maker=maker,
                                  sample=sample, command=command))  # fmt: skip
    raise FolderError(
        Message("problem.folder_other_files", out=out, sample=sample, command=command)
    )


def mark_folder(out: str | os.PathLike[str], command: str) -> None:
    """Create ``out`` if needed and mark it as made by ``command``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if _marked_by(out) == command:
        return
    data = {"command": command, "created": datetime.now(UTC).isoformat(timespec="seconds")}
    tmp = out / f".{MARK}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(data) + "\n", encoding="utf-8")
    os.replace(tmp, out / MARK)


@contextmanager
def folder_lock(out: str | os.PathLike[str], command: str) -> Iterator[None]:
    """Hold the folder's lock while the body runs; refuse at once if another process
    holds it. The folder is created (and marked) here; if it was new and the body
    fails before writing anything else, it is removed again."""
    import fcntl

    out = Path(out)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "another"
            raise FolderError(Message("problem.folder_in_use", out=out, pid=holder)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        mark_folder(out, command)
        ok = False
        try:
            yield
            ok = True
        finally:
            if not ok and created:
                _remove_if_bare(out)
    finally:
        os.close(fd)


def _remove_if_bare(out: Path) -> None:
    """Remove a folder this command created if it holds only the mark and the lock."""
    try:
        if all(ours(p.name) and not p.is_dir() for p in out.iterdir()):
            for p in out.iterdir():
                p.unlink(missing_ok=True)
            out.rmdir()
    except OSError:
        pass
