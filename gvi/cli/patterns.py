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
)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register this family's commands."""
    pat = sub.add_parser("check-patterns", help="check a scenario against published patterns")
    pat.add_argument("scenario")
    pat.add_argument("--seeds", type=int, default=20, help="replicates (default 20)")
    pat.add_argument("--seed", type=int, default=1, help="root seed (default 1)")
    pat.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    pat.add_argument("--json", action="store_true")

    vm = sub.add_parser("validate-model", help="check the default model against every pattern")
    vm.add_argument("--replicates", type=int, default=20, help="runs per scenario (default 20)")
    vm.add_argument("--out", type=Path, default=Path("results/validation"), help="result folder")
    vm.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")


def _cmd_check_patterns(args: argparse.Namespace) -> int:
    from concurrent.futures import ProcessPoolExecutor

    from experiments.output import terminal_text
    from experiments.patterns import check_patterns
    from scenarios import load_scenario

    if args.seeds < 2:
        raise UsageError(f"--seeds {args.seeds}: need at least 2 replicates")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: must be at least 1")
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
            f"Patterns of '{terminal_text(scenario.name)}' over {args.seeds} seeds (root seed {args.seed}):"
        )
        for r in results:
            verdict = "PASS" if r.passed and r.checked else ("info" if not r.checked else "FAIL")
            print(
                f"  {verdict:4}  {r.name:<40} {r.value:9.3f} {r.pattern.unit:<15} target {r.target:<12} ({r.pattern.source})"
            )
        print("all patterns hold" if ok else "some patterns do not hold")
    return EXIT_OK if ok else EXIT_FAILED


def _cmd_validate_model(args: argparse.Namespace) -> int:
    from experiments.folders import check_folder, folder_lock
    from experiments.validation import validate

    if args.replicates < 2:
        raise UsageError(f"--replicates {args.replicates}: need at least 2 for intervals")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: must be at least 1")
    check_writable(args.out)
    check_folder(args.out, "validate-model")
    result = validate(args.replicates, workers=args.workers, progress=sys.stderr.isatty())
    with folder_lock(args.out, "validate-model"):
        page = result.save(args.out)
    for c in result.checks:
        verdict = "PASS" if c.passed else "FAIL"
        print(
            f"  {verdict}  {c.name:<46} {c.value:9.3f} [{c.ci_low:.3f}, {c.ci_high:.3f}] "
            f"{c.unit} (target {c.target})"
        )
    print("all patterns hold" if result.passed else "some patterns do not hold")
    print(f"report: {page}")
    return EXIT_OK if result.passed else EXIT_FAILED


COMMANDS = {
    "check-patterns": _cmd_check_patterns,
    "validate-model": _cmd_validate_model,
}
