"""``gvi discover`` and ``gvi plan``: decision support (when does a rollout fail? which
plan for our budget?).

    gvi discover [SCENARIO|FILE] [--samples N] [--replicates R] [--threshold PCT]
                 [--arrests-limit PCT] [--seed S] [--out DIR] [--workers N]
                 [--scheduler ADDR] [--dask-local N] [--ensemble DIR | --fixed-parameters]
                 [--lang en|sv] [--json]
    gvi plan [SCENARIO|FILE] --budget SEK [--outreach-workers N] [--enforcement-units N]
             [--worlds K] [--percentile P] [--population N] [--generations G] [--seed S]
             [--out DIR] [--workers N] [--scheduler ADDR] [--dask-local N]
             [--ensemble DIR | --fixed-parameters] [--lang en|sv] [--json]

Both write a result folder (default ``results/discover-<scenario>``,
``results/plan-<scenario>``) that a rerun of the same command resumes; its texts are
the ``decide`` catalogue of :mod:`gvi.i18n`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gvi.i18n import Translator


def _common(p: argparse.ArgumentParser, d: Translator, t: Translator) -> None:
    p.add_argument("scenario", nargs="?", default="gvi", metavar="SCENARIO", help=d("arg_scenario"))
    p.add_argument("--seed", type=int, default=1, help=t("opt.root_seed"))
    p.add_argument("--out", type=Path, help=d("opt_out"))
    p.add_argument("--workers", type=int, default=None, help=t("opt.workers.all"))
    p.add_argument("--scheduler", help=t("opt.scheduler"))
    p.add_argument("--dask-local", type=int, metavar="N", help=t("opt.dask_local"))
    params = p.add_mutually_exclusive_group()
    params.add_argument("--ensemble", type=Path, default=None, help=t("opt.compare.ensemble"))
    params.add_argument("--fixed-parameters", action="store_true", help=t("opt.compare.fixed"))
    p.add_argument("--lang", choices=("en", "sv"), default=None, help=t("opt.lang.report"))
    p.add_argument("--json", action="store_true", help=d("opt_json"))


def add_parsers(sub: argparse._SubParsersAction, t: Translator) -> None:
    """Register ``gvi discover`` and ``gvi plan``, their help in ``t``'s language."""
    from gvi.i18n import translator

    d = translator("decide", t.lang)
    p = sub.add_parser("discover", help=d("cmd_discover"), description=d("cmd_discover_long"))
    _common(p, d, t)
    p.add_argument("--samples", type=int, default=400, help=d("opt_samples"))
    p.add_argument("--replicates", type=int, default=1, help=d("opt_replicates"))
    p.add_argument("--threshold", type=float, default=-10.0, help=d("opt_threshold"))
    p.add_argument("--arrests-limit", type=float, default=None, help=d("opt_arrests"))

    q = sub.add_parser("plan", help=d("cmd_plan"), description=d("cmd_plan_long"))
    _common(q, d, t)
    q.add_argument("--budget", type=float, required=True, metavar="SEK", help=d("opt_budget"))
    q.add_argument("--outreach-workers", type=int, metavar="N", help=d("opt_outreach"))
    q.add_argument("--enforcement-units", type=int, metavar="N", help=d("opt_units"))
    q.add_argument("--levers", metavar="PATH,...", help=d("opt_levers"))
    q.add_argument("--worlds", type=int, default=10, help=d("opt_worlds"))
    q.add_argument("--percentile", type=float, default=10.0, help=d("opt_percentile"))
    q.add_argument("--population", type=int, default=32, help=d("opt_population"))
    q.add_argument("--generations", type=int, default=15, help=d("opt_generations"))


def _prepare(args: argparse.Namespace, command: str, lang: str) -> tuple[Path, dict[str, Any]]:
    """Checks every command shares; returns the folder and the keyword arguments every
    command passes on (folder, seed, ensemble, executor, progress, page language)."""
    from experiments import ensemble

    from .common import UsageError, check_at_least_1, check_writable

    check_at_least_1("--workers", args.workers)
    check_at_least_1("--dask-local", args.dask_local)
    if args.scheduler is not None and args.dask_local is not None:
        raise UsageError.of("err.scheduler_and_dask_local")
    if args.seed < 0:
        raise UsageError.of("err.seed_negative", option="--seed", value=args.seed)
    out = args.out or Path("results") / f"{command}-{Path(args.scenario).stem}"
    check_writable(out)
    from experiments.folders import check_folder

    check_folder(out, command)
    shared = {
        "out": out,
        "seed": args.seed,
        "ensemble": None if args.fixed_parameters else args.ensemble or ensemble.SHIPPED_DEFAULT,
        "workers": args.workers,
        "scheduler": args.scheduler,
        "dask_local": args.dask_local,
        "progress": sys.stderr.isatty(),
        "lang": args.lang or lang,
    }
    return out, shared


def _cmd_discover(args: argparse.Namespace) -> int:
    from experiments.discovery import discover
    from experiments.folders import folder_lock
    from gvi.i18n import translator

    from .common import EXIT_OK, ui, usage_errors

    t = ui(args)
    out, shared = _prepare(args, "discover", t.lang)
    with folder_lock(out, "discover"):
        result = usage_errors(
            lambda: discover(
                args.scenario,
                samples=args.samples,
                replicates=args.replicates,
                threshold=args.threshold,
                arrests_limit=args.arrests_limit,
                **shared,
            )
        )
    if args.json:
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False, default=str))
        return EXIT_OK
    print_discovery(result, out, translator("decide", t.lang))
    return EXIT_OK


def print_discovery(result: Any, out: Path, d: Translator) -> None:
    """The failure rate, PRIM's boxes in words, CART's densest leaf, the files."""
    from gvi.i18n import Fmt
    from gvi.report.decision import box_sentence, failure_text

    fmt = Fmt(d.lang)
    n, failed = len(result.samples), int(result.samples["failed"].sum())
    print(
        d(
            "result_rate",
            failed=fmt.number(failed, 0),
            n=fmt.number(n, 0),
            failure=failure_text(result, d),
        )
    )
    if not result.boxes:
        print(d("no_box"))
    for i, box in enumerate(result.boxes, 1):
        print(f"\n{d('box_n', n=i)} (PRIM): {box_sentence(box, result, d.lang)}")
        print(
            "  "
            + d(
                "cli_box_stats",
                coverage=fmt.pct(100 * box.coverage),
                density=fmt.pct(100 * box.density),
                mass=fmt.pct(100 * box.mass),
            )
        )
    leaves = [b for b in result.cart if b.failures_inside > 0]
    if leaves:
        print(f"\nCART: {box_sentence(leaves[0], result, d.lang)}")
    print("\n" + d("cli_wrote", path=out / "discovery.html"))


def _cmd_plan(args: argparse.Namespace) -> int:
    from experiments.folders import folder_lock
    from experiments.plan import search
    from gvi.i18n import Fmt, translator

    from .common import EXIT_OK, ui, usage_errors

    t = ui(args)
    d = translator("decide", t.lang)
    fmt = Fmt(t.lang)
    out, shared = _prepare(args, "plan", t.lang)

    def progress(g: int, total: int, summary: Any) -> None:
        best = summary[summary["cost_per_year"] <= args.budget]
        line = d(
            "cli_generation",
            g=g,
            total=total,
            plans=fmt.number(len(summary), 0),
            best=fmt.number(best["robust_averted"].max(), 1) if len(best) else "-",
        )
        print(line, file=sys.stderr, flush=True)

    with folder_lock(out, "plan"):
        result = usage_errors(
            lambda: search(
                args.scenario,
                budget_sek=args.budget,
                outreach_workers=args.outreach_workers,
                enforcement_units=args.enforcement_units,
                levers=[x.strip() for x in args.levers.split(",")] if args.levers else None,
                worlds=args.worlds,
                percentile=args.percentile,
                population=args.population,
                generations=args.generations,
                on_generation=progress,
                **shared,
            )
        )
    if args.json:
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False, default=str))
        return EXIT_OK
    print_plan(result, out, d)
    return EXIT_OK


def print_plan(result: Any, out: Path, d: Translator) -> None:
    """The front's best plan within budget, the presets against the front, the files."""
    from gvi.report.decision import plan_sections

    for item in plan_sections(result, d.lang)[0].items:
        print(item)
    front = result.front
    print(
        "\n" + d("cli_front", n=len(front), evaluated=int((result.plans["kind"] == "plan").sum()))
    )
    print(d("cli_wrote", path=out / "plan.html"))


def rebuild_page(folder: Path, kind: str, lang: str) -> Path:
    """Write a finished discovery's or plan search's page again, in ``lang``."""
    from experiments import discovery, plan

    result = discovery.load(folder) if kind == "discovery" else plan.load(folder)
    return result.save(folder, lang=lang)


COMMANDS = {"discover": _cmd_discover, "plan": _cmd_plan}
