"""``gvi compare`` and ``gvi report``: rollouts against business as usual, and their report."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .common import (
    EXIT_OK,
    UsageError,
    check_at_least_1,
    check_writable,
    message_of,
    ui,
    usage_errors,
)

if TYPE_CHECKING:
    from gvi.i18n import Translator


def add_parsers(sub: argparse._SubParsersAction, t: Translator) -> None:
    """Register this family's commands, their help in ``t``'s language."""
    cmp = sub.add_parser("compare", help=t("cmd.compare"), description=t("cmd.compare.description"))
    cmp.add_argument("scenarios", nargs="+", metavar="SCENARIO", help=t("arg.compare.scenarios"))
    cmp.add_argument("--replicates", type=int, default=50, help=t("opt.compare.replicates"))
    cmp.add_argument("--seed", type=int, default=1, help=t("opt.root_seed"))
    cmp.add_argument("--workers", type=int, default=None, help=t("opt.workers.cores"))
    cmp.add_argument("--out", type=Path, help=t("opt.compare.out"))
    cmp.add_argument("--json", action="store_true", help=t("opt.compare.json"))
    params = cmp.add_mutually_exclusive_group()
    params.add_argument("--ensemble", type=Path, default=None, help=t("opt.compare.ensemble"))
    params.add_argument("--fixed-parameters", action="store_true", help=t("opt.compare.fixed"))
    cmp.add_argument("--lang", choices=("en", "sv"), default=None, help=t("opt.lang.report"))

    rep = sub.add_parser("report", help=t("cmd.report"))
    rep.add_argument("folder", type=Path)
    rep.add_argument("--lang", choices=("en", "sv"), default=None, help=t("opt.lang.report"))
    rep.add_argument(
        "--decision",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help=t("opt.report.decision"),
    )


def _cmd_compare(args: argparse.Namespace) -> int:
    from experiments import ensemble
    from experiments.comparison import MEANINGFUL_REPLICATES, compare
    from experiments.output import publish_folder
    from scenarios import ScenarioError

    from .show import print_comparison

    t = ui(args)
    if args.replicates < 2:
        raise UsageError.of("err.replicates_min", option="--replicates", value=args.replicates)
    if args.seed < 0:
        raise UsageError.of("err.seed_negative", option="--seed", value=args.seed)
    check_at_least_1("--workers", args.workers)
    names = list(args.scenarios)
    out = args.out or Path("results") / (
        datetime.now().strftime("%Y%m%d-%H%M%S") + "-" + "-".join(Path(n).stem for n in names)
    )
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError.of("err.out_not_empty", out=out)
    check_writable(out)
    try:
        result = compare(
            names,
            replicates=args.replicates,
            seed=args.seed,
            workers=args.workers,
            progress=sys.stderr.isatty(),
            command="gvi " + " ".join(sys.argv[1:]),
            ensemble=None if args.fixed_parameters else args.ensemble or ensemble.SHIPPED_DEFAULT,
        )
    except ScenarioError:
        raise
    except ValueError as exc:  # scenarios that cannot be compared, an unusable ensemble
        raise UsageError(message_of(exc)) from None
    lang = args.lang or t.lang
    publish_folder(out, lambda tmp: result.save(tmp, lang=lang))
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print_comparison(result, t)
        print("\n" + t("compare.report", path=out / "report.html"))
    if result.replicates < MEANINGFUL_REPLICATES:
        warning = t("compare.few_replicates", n=result.replicates, min=MEANINGFUL_REPLICATES)
        print(warning, file=sys.stderr)
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from experiments.comparison import Comparison

    t = ui(args)
    folder = args.folder
    if not (folder / "manifest.json").is_file():
        raise UsageError.of("err.no_manifest", folder=folder)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except ValueError:
        raise UsageError.of("err.manifest_json", path=folder / "manifest.json") from None
    kind = manifest.get("kind") if isinstance(manifest, dict) else None
    if kind == "fit-city":
        raise UsageError.of("err.report_fit_city", folder=folder)
    if kind in ("discovery", "plan"):  # decision support: the page again, in --lang
        from .decide import rebuild_page

        print(
            t(
                "compare.report",
                path=usage_errors(lambda: rebuild_page(folder, kind, args.lang or t.lang)),
            )
        )
        return EXIT_OK
    if kind == "experiment":
        from experiments.study import rebuild

        pipeline = manifest.get("pipeline")
        status = pipeline.get("status") if isinstance(pipeline, dict) else None
        if status != "complete":  # stopped or still running: some runs are missing
            status = status or t("report.not_started")
            raise UsageError.of("err.experiment_unfinished", folder=folder, status=status)

        print(t("report.summary", path=usage_errors(lambda: rebuild(folder))))
        return EXIT_OK
    try:
        result = Comparison.load(folder)
    except (OSError, ValueError, KeyError) as exc:
        raise UsageError.of("err.stored_results", folder=folder, problem=exc) from None
    decision = [usage_errors(lambda d=d: _decision_result(d)) for d in args.decision]
    path = usage_errors(
        lambda: result.report(folder / "report.html", lang=args.lang or t.lang, decision=decision)
    )
    print(t("compare.report", path=path))
    return EXIT_OK


def _decision_result(folder: Path) -> Any:
    """A finished discovery or plan search read from ``folder`` (ValueError if neither)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ValueError(
            f"{folder}: no readable manifest.json; give the folder of a gvi discover or gvi "
            "plan run"
        ) from None
    kind = manifest.get("kind") if isinstance(manifest, dict) else None
    if kind == "discovery":
        from experiments.discovery import load

        return load(folder)
    if kind == "plan":
        from experiments.plan import load as load_plan

        return load_plan(folder)
    raise ValueError(f"{folder}: not a gvi discover or gvi plan folder (kind {kind!r})")


COMMANDS = {
    "compare": _cmd_compare,
    "report": _cmd_report,
}
