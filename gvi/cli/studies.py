"""``gvi sweep``, ``gvi sensitivity`` and ``gvi calibrate``: studies from an experiment or calibration file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import (
    EXIT_OK,
    check_executor_args,
    usage_errors,
)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register this family's commands."""
    for name, what in (
        ("sweep", "a parameter sweep (factorial or Latin hypercube)"),
        ("sensitivity", "a sensitivity analysis (Sobol, Morris, eFAST)"),
    ):
        exp = sub.add_parser(name, help=f"run {what} from an experiment file")
        exp.add_argument("experiment", type=Path, help="experiment .toml file")
        exp.add_argument(
            "--out",
            type=Path,
            help="result folder (default results/<name>); rerun on the same folder to resume",
        )
        exp.add_argument("--workers", type=int, default=None, help="local processes")
        exp.add_argument(
            "--scheduler",
            help="a Dask scheduler, tcp://HOST:PORT (default: $DASK_SCHEDULER_ADDRESS if set)",
        )
        exp.add_argument(
            "--dask-local", type=int, metavar="N", help="start a local Dask cluster of N workers"
        )

    cal = sub.add_parser("calibrate", help="fit parameters to targets by ABC (calibration file)")
    cal.add_argument("calibration", type=Path, help="calibration .toml file")
    cal.add_argument(
        "--out", type=Path, help="result folder (default results/<name>); rerun to resume"
    )
    cal.add_argument("--workers", type=int, default=None, help="local processes")
    cal.add_argument("--scheduler", help="a Dask scheduler, tcp://HOST:PORT")
    cal.add_argument(
        "--dask-local", type=int, metavar="N", help="start a local Dask cluster of N workers"
    )


def _cmd_study(args: argparse.Namespace) -> int:
    from experiments.folders import folder_lock
    from experiments.output import terminal_text
    from experiments.study import SENSITIVITY, SWEEPS, run_study

    out = check_executor_args(args, args.experiment)
    kinds = SWEEPS if args.command == "sweep" else SENSITIVITY
    with folder_lock(out, args.command):
        result = usage_errors(
            lambda: run_study(
                args.experiment,
                out,
                workers=args.workers,
                scheduler=args.scheduler,
                dask_local=args.dask_local,
                progress=True,
                kinds=kinds,
            )
        )
    a = result.analysis
    print(f"{len(result.results)} runs of {len(result.design)} design points; method {a.method}")
    if len(a.indices):
        for output in a.outputs:
            print(f"\n{terminal_text(output)}:")
            print(a.table(output).round(3).to_string())
    print(f"\nresults: {out}/ (summary.html, indices.csv, response.csv, plots/)")
    return EXIT_OK


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from experiments.calibrate import calibrate
    from experiments.folders import folder_lock

    out = check_executor_args(args, args.calibration)
    with folder_lock(out, "calibrate"):
        result = usage_errors(
            lambda: calibrate(
                args.calibration,
                out,
                workers=args.workers,
                scheduler=args.scheduler,
                dask_local=args.dask_local,
                progress=sys.stderr.isatty(),
            )
        )
    s = result.summary
    print(f"rejection ABC: {s['accepted']} of {s['budget']} draws accepted")
    for path, p in s["parameters"].items():
        lo, hi = p["interval90"]
        print(f"  {path:<32} median {p['median']:.4g}  90% interval [{lo:.4g}, {hi:.4g}]")
    for name, t in s["targets"].items():
        print(f"  {name:<32} target {t['target']:.4g}  accepted mean {t['accepted_mean']:.4g}")
    print(f"results: {out}/ (accepted.csv, posterior.png, calibrated.toml, summary.json)")
    return EXIT_OK


COMMANDS = {
    "sweep": _cmd_study,
    "sensitivity": _cmd_study,
    "calibrate": _cmd_calibrate,
}
