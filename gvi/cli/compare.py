"""``gvi compare`` and ``gvi report``: rollouts against business as usual, and their report."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from .common import (
    EXIT_OK,
    UsageError,
    check_writable,
    usage_errors,
)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register this family's commands."""
    cmp = sub.add_parser(
        "compare",
        help="compare scenarios with business as usual of their city over paired replicates",
        description=(
            "Compare rollouts with business as usual of their own city. If the first "
            "scenario has no policy switched on it is the baseline; otherwise the baseline "
            "is the scenarios' twin: the same city, calendar and seeds with every policy off. "
            "Scenarios of another city than the baseline are refused."
        ),
    )
    cmp.add_argument(
        "scenarios",
        nargs="+",
        metavar="SCENARIO",
        help="preset names or .toml files; optionally a business-as-usual baseline first",
    )
    cmp.add_argument("--replicates", type=int, default=50, help="paired runs each (default 50)")
    cmp.add_argument("--seed", type=int, default=1, help="root seed (default 1)")
    cmp.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    cmp.add_argument("--out", type=Path, help="result folder (default results/<time>-<names>)")
    cmp.add_argument("--json", action="store_true", help="print the effects as JSON")
    cmp.add_argument("--lang", choices=("en", "sv"), default="en", help="report language")

    rep = sub.add_parser("report", help="rebuild report.html from a result folder")
    rep.add_argument("folder", type=Path)
    rep.add_argument("--lang", choices=("en", "sv"), default="en", help="report language")


def _cmd_compare(args: argparse.Namespace) -> int:
    from experiments.comparison import MEANINGFUL_REPLICATES, compare, few_replicates_warning
    from experiments.output import publish_folder
    from scenarios import ScenarioError

    from .show import print_comparison

    if args.replicates < 2:
        raise UsageError(f"--replicates {args.replicates}: need at least 2 for intervals")
    if args.seed < 0:
        raise UsageError(f"--seed {args.seed}: must be >= 0")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: must be at least 1")
    names = list(args.scenarios)
    out = args.out or Path("results") / (
        datetime.now().strftime("%Y%m%d-%H%M%S") + "-" + "-".join(Path(n).stem for n in names)
    )
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"--out {out}: exists and is not an empty folder; choose a new one")
    check_writable(out)
    try:
        result = compare(
            names,
            replicates=args.replicates,
            seed=args.seed,
            workers=args.workers,
            progress=sys.stderr.isatty(),
            command="gvi " + " ".join(sys.argv[1:]),
        )
    except ScenarioError:
        raise
    except ValueError as exc:  # scenarios that cannot be compared (names, time settings)
        raise UsageError(str(exc)) from None
    publish_folder(out, lambda tmp: result.save(tmp, lang=args.lang))
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print_comparison(result)
        print(f"\nreport: {out / 'report.html'}")
    if result.replicates < MEANINGFUL_REPLICATES:
        print(few_replicates_warning(result.replicates), file=sys.stderr)
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from experiments.comparison import Comparison

    folder = args.folder
    if not (folder / "manifest.json").is_file():
        raise UsageError(
            f"{folder}: no manifest.json here; give a folder written by gvi compare, "
            "gvi sweep or gvi sensitivity"
        )
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except ValueError:
        raise UsageError(f"{folder}/manifest.json: not valid JSON; rerun the command") from None
    kind = manifest.get("kind") if isinstance(manifest, dict) else None
    if kind == "fit-city":
        raise UsageError(
            f"{folder}: holds a gvi fit-city result; rerun gvi fit-city FILE --out {folder} "
            "(add --lang sv for Swedish) to rewrite its report without new runs"
        )
    if kind == "experiment":
        from experiments.study import rebuild

        pipeline = manifest.get("pipeline")
        status = pipeline.get("status") if isinstance(pipeline, dict) else None
        status = status or "not started"
        if status != "complete":  # stopped or still running: some runs are missing
            raise UsageError(
                f"{folder}: the experiment is not finished (status: {status}); rerun "
                f"gvi sweep or gvi sensitivity with --out {folder} to finish it"
            )

        print(f"summary: {usage_errors(lambda: rebuild(folder))}")
        return EXIT_OK
    try:
        result = Comparison.load(folder)
    except (OSError, ValueError, KeyError) as exc:
        raise UsageError(f"{folder}: cannot read the stored results ({exc})") from None
    path = result.report(folder / "report.html", lang=args.lang)
    print(f"report: {path}")
    return EXIT_OK


COMMANDS = {
    "compare": _cmd_compare,
    "report": _cmd_report,
}
