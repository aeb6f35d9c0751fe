"""``gvi check-patterns`` and ``gvi validate-model``: the model against the published
patterns declared in :mod:`experiments.patterns`.

``check-patterns`` runs one scenario over seeds and checks its city, group and member
patterns; ``validate-model`` runs the default model's validation scenarios and checks
every pattern, effects included, with bootstrap intervals. (``gvi validate`` is another
thing: it checks that scenario files are well formed.)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    check_writable,
    message_of,
    ui,
)


def add_parsers(sub: argparse._SubParsersAction, t) -> None:
    """Register this family's commands, their help in ``t``'s language."""
    pat = sub.add_parser("check-patterns", help=t("cmd.check_patterns"))
    pat.add_argument("scenario")
    pat.add_argument("--seeds", type=int, default=20, help=t("opt.patterns.seeds"))
    pat.add_argument("--seed", type=int, default=1, help=t("opt.root_seed"))
    pat.add_argument("--workers", type=int, default=None, help=t("opt.workers.cores"))
    pat.add_argument("--json", action="store_true")

    vm = sub.add_parser("validate-model", help=t("cmd.validate_model"))
    vm.add_argument("--replicates", type=int, default=20, help=t("opt.validate_model.replicates"))
    vm.add_argument("--out", type=Path, default=Path("results/validation"), help=t("opt.folder"))
    vm.add_argument("--workers", type=int, default=None, help=t("opt.workers.cores"))
    params = vm.add_mutually_exclusive_group()
    params.add_argument(
        "--ensemble", type=Path, default=None, help=t("opt.validate_model.ensemble")
    )
    params.add_argument("--fixed-parameters", action="store_true", help=t("opt.compare.fixed"))


def _cmd_check_patterns(args: argparse.Namespace) -> int:
    from concurrent.futures import ProcessPoolExecutor

    from experiments.output import terminal_text
    from experiments.patterns import check_patterns
    from scenarios import load_scenario

    t = ui(args)
    if args.seeds < 2:
        raise UsageError.of("err.seeds_min", option="--seeds", value=args.seeds)
    if args.workers is not None and args.workers < 1:
        raise UsageError.of("err.at_least_1", option="--workers", value=args.workers)
    scenario = load_scenario(args.scenario)
    workers = args.workers or os.cpu_count() or 1
    if workers == 1:
        results = check_patterns(scenario, seeds=args.seeds, seed=args.seed)
    else:
        with ProcessPoolExecutor(workers) as pool:
            results = check_patterns(scenario, seeds=args.seeds, seed=args.seed, runner=pool.map)
    ok = all(r.passed for r in results)
    if args.json:
        print(
            json.dumps(
                {
                    "scenario": scenario.name,
                    "seeds": args.seeds,
                    "seed": args.seed,
                    "passed": ok,
                    "patterns": [r.to_dict() for r in results],
                },
                indent=2,
            )
        )
    else:
        print(
            t("patterns.title", name=terminal_text(scenario.name), seeds=args.seeds, seed=args.seed)
        )
        for r in results:
            verdict = "pass" if r.passed and r.checked else ("info" if not r.checked else "fail")
            verdict = t(f"patterns.{verdict}")
            print(
                f"  {verdict:4}  {r.name:<40} {r.value:9.3f} {r.pattern.unit:<15} {t('patterns.target')} {r.target:<12} ({r.pattern.source})"
            )
        print(t("patterns.all_hold" if ok else "patterns.some_fail"))
    return EXIT_OK if ok else EXIT_FAILED


def _cmd_validate_model(args: argparse.Namespace) -> int:
    from experiments import ensemble
    from experiments.folders import check_folder, folder_lock
    from experiments.validation import validate

    t = ui(args)
    if args.replicates < 2:
        raise UsageError.of("err.replicates_min", option="--replicates", value=args.replicates)
    if args.workers is not None and args.workers < 1:
        raise UsageError.of("err.at_least_1", option="--workers", value=args.workers)
    check_writable(args.out)
    check_folder(args.out, "validate-model")
    chosen = None if args.fixed_parameters else args.ensemble or ensemble.SHIPPED_DEFAULT
    try:
        result = validate(
            args.replicates, workers=args.workers, progress=sys.stderr.isatty(), ensemble=chosen
        )
    except ValueError as exc:  # an unusable ensemble
        raise UsageError(message_of(exc)) from None
    if result.ensemble is None:
        print(t("compare.chance_only"))
    else:
        print(t("validate_model.ensemble_cover", sets=result.ensemble["sets"]))
    with folder_lock(args.out, "validate-model"):
        page = result.save(args.out)
    for c in result.checks:
        verdict = t("patterns.pass" if c.passed else "patterns.fail")
        print(
            f"  {verdict}  {c.name:<46} {c.value:9.3f} [{c.ci_low:.3f}, {c.ci_high:.3f}] "
            f"{c.unit} ({t('patterns.target')} {c.target})"
        )
    print(t("patterns.all_hold" if result.passed else "patterns.some_fail"))
    print(t("compare.report", path=page))
    return EXIT_OK if result.passed else EXIT_FAILED


COMMANDS = {
    "check-patterns": _cmd_check_patterns,
    "validate-model": _cmd_validate_model,
}
