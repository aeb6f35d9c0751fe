"""The ``gvi`` command line.

    gvi run SCENARIO [--seed S] [--days N] [--out DIR] [--json]
    gvi scenarios
    gvi validate FILE...
    gvi check-patterns SCENARIO [--seeds N] [--seed S] [--workers N] [--json]
    gvi params [--markdown]
    gvi compare [BASELINE] SCENARIO... [--replicates R] [--seed S] [--workers N] [--out DIR]
                [--json] [--lang en|sv]
    gvi report DIR [--lang en|sv]
    gvi sweep EXPERIMENT [--out DIR] [--workers N] [--scheduler ADDR] [--dask-local N]
    gvi sensitivity EXPERIMENT [--out DIR] [--workers N] [--scheduler ADDR] [--dask-local N]
    gvi validate-model [--replicates R] [--out DIR] [--workers N]
    gvi calibrate CALIBRATION [--out DIR] [--workers N] [--scheduler ADDR] [--dask-local N]
    gvi fit-city FILE [--out DIR] [--workers N] [--scheduler ADDR] [--dask-local N]
                 [--lang en|sv] [--json]
    gvi app [--host 127.0.0.1] [--port 8765] [--lang en|sv] [--max-sessions N]
            [--idle-minutes M] [--allowed-host NAME]

Errors in the user's input exit with code 2 and one line per problem, no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .common import EXIT_USAGE, UsageError

# One module per command family; each registers its commands (add_parsers) and maps
# them to functions (COMMANDS). They are imported only when the command line is built,
# and import the engine only when a command runs, so ``gvi --help`` stays fast.
FAMILIES = ("run", "compare", "studies", "patterns", "fit", "app")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gvi", description="Group Violence Intervention simulator")
    from experiments.version import model_code_hash, package_version

    p.add_argument(
        "--version",
        action="version",
        version=f"gvi-sim {package_version()} (model code {model_code_hash()})",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for family in FAMILIES:
        importlib.import_module(f".{family}", __name__).add_parsers(sub)
    return p


def _command(name: str):
    for family in FAMILIES:
        commands = importlib.import_module(f".{family}", __name__).COMMANDS
        if name in commands:
            return commands[name]
    raise KeyError(name)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gvi`` console script."""
    args = _parser().parse_args(argv)  # --help and --version end here, before any import
    from experiments.budget import JobTooBig
    from experiments.folders import FolderError
    from experiments.output import terminal_text
    from scenarios import ScenarioError

    try:
        return _command(args.command)(args)
    except (FolderError, JobTooBig) as exc:
        print(f"error: {terminal_text(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except ScenarioError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        print(f"error: {terminal_text(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # the output folder is full or not writable: one line
        from experiments.output import write_problem
        from experiments.store import StoreError

        place = getattr(args, "out", None) or getattr(args, "folder", None)
        problem = str(exc) if isinstance(exc, StoreError) else write_problem(exc, place)
        if problem is None:
            raise
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
