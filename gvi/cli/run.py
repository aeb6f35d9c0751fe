"""``gvi run``, ``gvi scenarios``, ``gvi validate`` and ``gvi params``: one scenario at a time."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import (
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    check_writable,
)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register this family's commands."""
    run = sub.add_parser("run", help="run one scenario and summarise it")
    run.add_argument("scenario", help="preset name (see `gvi scenarios`) or path to a .toml file")
    run.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    run.add_argument("--days", type=int, help="days to simulate after the warm-up (horizon)")
    run.add_argument(
        "--out", type=Path, help="folder for metrics.parquet, events.parquet, summary.json"
    )
    run.add_argument("--json", action="store_true", help="print a machine-readable summary")

    sub.add_parser("scenarios", help="list the shipped scenario presets")

    val = sub.add_parser("validate", help="check scenario files without running them")
    val.add_argument("files", nargs="+", help="scenario .toml files or preset names")

    par = sub.add_parser("params", help="list every model parameter with unit, default, range")
    par.add_argument("--markdown", action="store_true", help="as the Markdown table of docs/ODD.md")


def _with_days(scenario, days: int):
    rollout = scenario.time.rollout_day
    if days <= rollout:
        raise UsageError(
            f"--days {days}: must be more than the rollout day ({rollout} days after the "
            "warm-up), or the post-rollout period is empty"
        )
    from pydantic import ValidationError

    try:
        return scenario.with_updates({"time.horizon_days": days})
    except ValidationError as exc:
        msg = exc.errors()[0]["msg"]
        raise UsageError(f"--days {days}: {msg}") from None


def _cmd_run(args: argparse.Namespace) -> int:
    from experiments.budget import check_scenario
    from experiments.folders import check_folder, folder_lock
    from experiments.output import run_summary_dict, write_run
    from model import GVIModel
    from scenarios import load_scenario

    from .show import print_run_summary

    if args.seed < 0:
        raise UsageError(f"--seed {args.seed}: must be >= 0")
    scenario = load_scenario(args.scenario)
    if args.days is not None:
        scenario = _with_days(scenario, args.days)
    check_scenario(scenario, what=f"gvi run {args.scenario}")
    if args.out is not None:
        check_writable(args.out)
        check_folder(args.out, "run")
    model = GVIModel(scenario, rng=args.seed)
    model.run_model()
    if args.out is not None:
        with folder_lock(args.out, "run"):
            write_run(model, args.out, seed=args.seed)
    if args.json:
        print(json.dumps(run_summary_dict(model, seed=args.seed), indent=2))
    else:
        print_run_summary(model, seed=args.seed, out=args.out)
    return EXIT_OK


def _cmd_scenarios(args: argparse.Namespace) -> int:
    from experiments.output import terminal_text
    from scenarios import ScenarioError, list_presets, load_scenario

    presets = list_presets()
    loaded = {}
    for name, _ in presets:
        try:
            loaded[name] = load_scenario(name)
        except ScenarioError:
            continue
    homes = [n for n, s in loaded.items() if not s.intervention]

    def city(name: str) -> str:
        s = loaded.get(name)
        if s is None:
            return "?"
        home = next((h for h in homes if not loaded[h].city_differences(s)), "own city")
        groups = "audit" if s.city.audit_dir else f"{s.city.n_groups} groups"
        return f"{home} ({groups})"

    rows = [(name, city(name), description) for name, description in presets]
    w1 = max(len(r[0]) for r in rows)
    w2 = max(len(r[1]) for r in rows + [("", "CITY", "")])
    print(f"{'NAME':<{w1}}  {'CITY':<{w2}}  DESCRIPTION")
    for name, home, description in rows:
        print(f"{name:<{w1}}  {home:<{w2}}  {terminal_text(description)}")
    print(
        "\nCITY names the business-as-usual preset of the same city; gvi compare SCENARIO "
        "compares a rollout with business as usual of its own city."
    )
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from experiments.budget import JobTooBig, check_scenario
    from scenarios import load_scenario, validate_files

    bad = 0
    for f in args.files:
        problems = [str(p) for p in validate_files([f])]
        if not problems:
            try:
                check_scenario(load_scenario(f), what=str(f))
            except JobTooBig as exc:
                problems = [f"{exc} (a valid scenario, too big for this machine)"]
        if problems:
            bad += 1
            for problem in problems:
                print(f"error: {problem}", file=sys.stderr)
        else:
            print(f"ok: {f}")
    return EXIT_USAGE if bad else EXIT_OK


def _cmd_params(args: argparse.Namespace) -> int:
    from gvi.paramtable import parameter_table_markdown, parameter_table_text

    print(parameter_table_markdown() if args.markdown else parameter_table_text())
    return EXIT_OK


COMMANDS = {
    "run": _cmd_run,
    "scenarios": _cmd_scenarios,
    "validate": _cmd_validate,
    "params": _cmd_params,
}
