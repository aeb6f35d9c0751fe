"""``gvi sweep``, ``gvi sensitivity`` and ``gvi calibrate``: studies from an experiment or calibration file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .common import (
    EXIT_OK,
    check_executor_args,
    ui,
    usage_errors,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from experiments.abc_smc import Generation
    from gvi.i18n import Translator


def add_parsers(sub: argparse._SubParsersAction, t: Translator) -> None:
    """Register this family's commands, their help in ``t``'s language."""
    for name in ("sweep", "sensitivity"):
        exp = sub.add_parser(name, help=t(f"cmd.{name}"))
        exp.add_argument("experiment", type=Path, help=t("arg.experiment"))
        exp.add_argument("--out", type=Path, help=t("opt.study.out"))
        exp.add_argument("--workers", type=int, default=None, help=t("opt.workers.local"))
        exp.add_argument("--scheduler", help=t("opt.scheduler.env"))
        exp.add_argument("--dask-local", type=int, metavar="N", help=t("opt.dask_local"))

    cal = sub.add_parser("calibrate", help=t("cmd.calibrate"))
    cal.add_argument("calibration", type=Path, help=t("arg.calibration"))
    cal.add_argument("--out", type=Path, help=t("opt.calibrate.out"))
    cal.add_argument("--workers", type=int, default=None, help=t("opt.workers.local"))
    cal.add_argument("--scheduler", help=t("opt.scheduler"))
    cal.add_argument("--dask-local", type=int, metavar="N", help=t("opt.dask_local"))


def _cmd_study(args: argparse.Namespace) -> int:
    from experiments.folders import folder_lock
    from experiments.output import terminal_text
    from experiments.study import SENSITIVITY, SWEEPS, run_study

    from .show import count

    t = ui(args)
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
    runs, points = count(len(result.results), t), count(len(result.design), t)
    print(t("study.done", runs=runs, points=points, method=a.method))
    if len(a.indices):
        for output in a.outputs:
            print(f"\n{terminal_text(output)}:")
            print(a.table(output).round(3).to_string())
    print("\n" + t("study.results", out=out))
    return EXIT_OK


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from experiments.calibrate import calibrate
    from experiments.folders import folder_lock

    from .show import count, local

    t = ui(args)

    def num(x: float) -> str:
        return local(f"{x:.4g}", t)

    def generation(g: Generation) -> None:
        fields = {"generation": g.generation, "epsilon": num(g.epsilon),
                  "accepted": count(g.accepted, t), "proposals": count(g.proposals, t),
                  "ess": num(g.ess)}  # fmt: skip
        print(t("calibrate.generation", **fields), file=sys.stderr, flush=True)

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
                on_generation=generation,
            )
        )
    s = result.summary
    if s["method"] == "ABC-SMC":
        return _print_smc(s, out, t, num)
    print(t("calibrate.accepted", accepted=count(s["accepted"], t), budget=count(s["budget"], t)))

    for path, p in s["parameters"].items():
        lo, hi = p["interval90"]
        line = t("calibrate.parameter", median=num(p["median"]), low=num(lo), high=num(hi))
        print(f"  {path:<32} {line}")
    for name, target in s["targets"].items():
        line = t(
            "calibrate.target", target=num(target["target"]), mean=num(target["accepted_mean"])
        )
        print(f"  {name:<32} {line}")
    print(t("calibrate.results", out=out))
    return EXIT_OK


def _print_smc(s: dict, out: Path, t: Translator, num: Callable[[float], str]) -> int:
    from experiments.patterns import target_text

    from .show import count, local

    fields = {"generations": count(len(s["generations"]), t),
              "proposals": count(s["proposals"], t), "accepted": count(s["accepted"], t),
              "stop": s["stop"]}  # fmt: skip
    print(t("calibrate.smc", **fields))
    for path, p in s["parameters"].items():
        lo, hi = p["interval90"]
        line = t("calibrate.parameter", median=num(p["median"]), low=num(lo), high=num(hi))
        print(f"  {path:<32} {line}")
    for key, f in s["patterns"].items():
        mean = "-" if f["posterior_mean"] is None else num(f["posterior_mean"])
        target = local(target_text(f["low"], f["high"]), t)
        line = t("calibrate.pattern", target=target, mean=mean, inside=num(f["share_inside"]))
        print(f"  {key:<32} {line}")
    print(t("calibrate.results_smc", out=out))
    return EXIT_OK


COMMANDS = {
    "sweep": _cmd_study,
    "sensitivity": _cmd_study,
    "calibrate": _cmd_calibrate,
}
