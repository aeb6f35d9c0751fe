"""What every command shares: exit codes, the usage error and checks of common options."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem with the command line or its files: exit 2 with this message."""


def check_writable(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a folder; choose another path")
    parent = out if out.exists() else out.parent if str(out.parent) else Path(".")
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not os.access(parent, os.W_OK):
        raise UsageError(
            f"--out {out}: no permission to write in {parent}; make it writable or choose "
            "another --out"
        )


def check_executor_args(args: argparse.Namespace, source: Path) -> Path:
    """Common checks of --workers, --dask-local, the input file and --out; returns the
    output folder (default ``results/<file stem>``)."""
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: must be at least 1")
    if args.dask_local is not None and args.dask_local < 1:
        raise UsageError(f"--dask-local {args.dask_local}: must be at least 1")
    try:
        found, folder = source.is_file(), source.is_dir()
    except (OSError, ValueError):  # a name too long, or with a NUL in it
        found = folder = False
    if folder:
        raise UsageError(f"{source}: is a folder; give the path of a .toml file")
    if not found:
        raise UsageError(f"{source}: no such file; check the path")
    out = args.out or Path("results") / source.stem
    check_writable(out)
    from experiments.folders import check_folder

    return check_folder(out, args.command)


def usage_errors(call):
    """Run ``call()``; problems of the user's input or set-up become one-line errors."""
    from experiments.store import StoreError
    from scenarios import ScenarioError

    try:
        return call()
    except ScenarioError:
        raise
    except (StoreError, ConnectionError, ImportError, ValueError) as exc:
        raise UsageError(str(exc)) from None
