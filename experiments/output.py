"""Printing and writing results: one run (``gvi run``), a comparison's table, and the
files every command writes (atomically; CSV cells safe to open in a spreadsheet).

Text that came from an input file (a scenario's name or description) is printed through
:func:`terminal_text`, so a file cannot send escape sequences to the terminal, and every
CSV file is written through :func:`write_csv`, so no text cell opens as a formula.
"""

from __future__ import annotations

import errno
import functools
import json
import math
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scenarios.errors import Message

if TYPE_CHECKING:
    import pandas as pd

    from model import GVIModel


# Terminal escape sequences: CSI (ESC [ or the C1 byte 0x9b) with its parameters;
# OSC, DCS, SOS, PM and APC strings up to their terminator (BEL, ESC \ or ST); and any
# other ESC sequence (intermediate bytes, then one final byte).
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)"
    r"|\x1b[ -/]*[0-~]?",
    re.DOTALL,
)
# C0 and C1 control characters but tab and newline, DEL, and the invisible marks that
# reorder text on screen (bidirectional overrides, embeddings and isolates).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_text(text: object, *, newlines: bool = False) -> str:
    """``text`` safe to print: escape sequences and control characters removed; tabs and
    newlines become spaces unless ``newlines`` (then only they are kept)."""
    text = _ESCAPE_SEQUENCE.sub("", str(text))
    if not newlines:
        text = text.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub("", text)


# What a spreadsheet reads as the start of a formula (OWASP, CSV injection): = + - @,
# tab, carriage return, line feed and NUL, and the full-width forms of = + - @.
FORMULA_START = (
    *("=", "+", "-", "@", "\t", "\r", "\n", "\x00"),
    *("\uff1d", "\uff0b", "\uff0d", "\uff20"),
)


def csv_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet opens as a formula: text that starts with a
    formula character, after any apostrophes, gets one more apostrophe in front (so
    :func:`csv_text` can undo it). Anything that is not text (numbers, negative ones
    too) is returned unchanged."""
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(value: str) -> str:
    """The text :func:`csv_cell` was given, from the cell it wrote (for reading back)."""
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_START):
        return value[1:]
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names pass :func:`csv_cell`;
    numeric columns are left as they are."""
    from pandas.api.types import is_numeric_dtype

    out = frame.copy(deep=False)
    for i in range(frame.shape[1]):
        values = frame.iloc[:, i]
        if not is_numeric_dtype(values.dtype):
            out.isetitem(i, values.map(csv_cell))
    out.columns = [csv_cell(c) for c in frame.columns]
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` (without its index) to ``path`` atomically, every text cell made
    safe for spreadsheets (:func:`csv_safe`). Every CSV file a command writes goes
    through here."""
    safe = csv_safe(frame)
    atomic_write(path, lambda tmp: safe.to_csv(tmp, index=False))


def _clean(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 6)


def run_summary_dict(model: GVIModel, *, seed: int) -> dict[str, Any]:
    """A JSON-ready summary: scenario, seed, periods and every metric pre/post."""
    s = model.summary()
    metrics = {
        name: {
            "kind": row["kind"],
            "unit": row["unit"],
            "pre": _clean(row["pre"]),
            "pre_per_year": _clean(row["pre_per_year"]),
            "post": _clean(row["post"]),
            "post_per_year": _clean(row["post_per_year"]),
            "change_pct": _clean(row["change_pct"]),
        }
        for name, row in s.iterrows()
    }
    return {
        "scenario": model.params.name,
        "seed": seed,
        "seed_entropy": str(model.seed_entropy),
        "days": {"warmup": model.warmup_day, "rollout": model.rollout_day, "end": model.end_day},
        "members": int(model.city.nominal_size.sum()),
        "groups": model.city.n_groups,
        "events": len(model.log),
        "metrics": metrics,
    }


def write_run(model: GVIModel, out: Path, *, seed: int) -> None:
    """Write daily metrics, the event log and the summary into ``out`` (each file
    written to a temporary name first, then renamed, so none is ever half-written)."""
    out.mkdir(parents=True, exist_ok=True)
    import pyarrow.parquet as pq

    daily = model.daily_metrics()
    atomic_write(out / "metrics.parquet", lambda p: daily.to_parquet(p, index=False))
    # from the log's columns: the frame of model.events() would cost several times the
    # memory of a large city's log (it is the same table read back)
    atomic_write(out / "events.parquet", lambda p: pq.write_table(model.log.to_arrow(), p))
    summary = run_summary_dict(model, seed=seed)
    summary["scenario_parameters"] = model.params.model_dump(mode="json")
    atomic_text(json.dumps(summary, indent=2), out / "summary.json")


def _tmp_owner() -> str:
    """``host-pid`` of this process, as temporary folders carry it."""
    host = re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname())[:40] or "host"
    return f"{host}-{os.getpid()}"


def remove_stale_temporaries(out: Path) -> list[Path]:
    """Remove the temporary siblings of ``out`` left by killed processes of this host:
    provably stale, since the process that named itself in the folder's name is gone.
    Folders of other hosts (a shared file system) or of live processes are kept."""
    removed = []
    host = _tmp_owner().rsplit("-", 1)[0]
    pattern = re.compile(rf"^\.{re.escape(out.name)}\.{re.escape(host)}-(\d+)-.*\.tmp$")
    for path in out.parent.glob(f".{out.name}.*.tmp"):
        m = pattern.match(path.name)
        if not m or not path.is_dir():
            continue
        try:
            os.kill(int(m.group(1)), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        except (PermissionError, OverflowError, ValueError):
            continue  # alive under another user, or not a pid: keep it
    return removed


def publish_folder(out: Path, fill: Callable[[Path], object]) -> None:
    """Fill a temporary sibling folder, then rename it to ``out``: a result folder
    appears complete or not at all. Temporary folders left by killed runs on this host
    are removed first (:func:`remove_stale_temporaries`)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out)
    prefix = f".{out.name}.{_tmp_owner()}-"
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=prefix, suffix=".tmp"))
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp's folder is private (0700)
        fill(tmp)
        if out.exists():
            out.rmdir()  # only an empty folder is replaced
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def atomic_write(path: Path, writer: Callable[[str], object]) -> None:
    """Call ``writer(tmp)`` on a temporary file beside ``path``, then rename it into
    place: readers never see a half-written file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        writer(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's file is private (0600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@functools.cache
def _umask() -> int:
    """The process's umask (read once: setting it is the only way to read it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_text(text: str, path: Path) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def write_result(
    out: Path, name: str, tables: dict[str, pd.DataFrame], data: dict[str, Any], page: str
) -> Path:
    """A decision result's files, each written atomically: every table as
    ``out / file`` (parquet, or CSV through :func:`write_csv`), ``data`` as
    ``{name}.json`` and ``page`` as ``{name}.html``, last; returns the page's path."""
    for file, frame in tables.items():
        if file.endswith(".csv"):
            write_csv(frame, out / file)
        else:
            atomic_write(out / file, functools.partial(frame.to_parquet, index=False))
    atomic_text(json.dumps(data, indent=2, default=str) + "\n", out / f"{name}.json")
    atomic_text(page, out / f"{name}.html")
    return out / f"{name}.html"


# Errors that mean "this folder cannot take the output", and what to do about them.
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
NOT_WRITABLE = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


def is_temporary(name: str) -> bool:
    """A name :func:`atomic_write` or :func:`publish_folder` uses while writing."""
    return name.startswith(".") and name.endswith(".tmp")


def write_problem(exc: OSError, place: str | os.PathLike[str] | None = None) -> str | None:
    """One line ``<place>: cannot write (<reason>); <what to do>`` when ``exc`` means the
    output folder is full or not writable; None for any other error."""
    if exc.errno not in DISK_FULL | NOT_WRITABLE:
        return None
    if place is None:
        name = exc.filename or exc.filename2
        place = Path(name).parent if name and is_temporary(Path(name).name) else name
    reason, fix = os.strerror(exc.errno), write_fix(exc.errno)
    if place:
        return Message("problem.cannot_write_at", place=place, reason=reason, fix=fix)
    return Message("problem.cannot_write", reason=reason, fix=fix)


def write_fix(code: int | None) -> Message:
    """What to do when a write failed with ``code`` (an errno)."""
    if code in DISK_FULL:
        return Message("problem.fix_disk_full")
    if code in NOT_WRITABLE:
        return Message("problem.fix_not_writable")
    return Message("problem.fix_check_disk")
