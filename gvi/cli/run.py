"""``gvi run``, ``gvi scenarios``, ``gvi validate`` and ``gvi params``: one scenario at a time."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .common import (
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    check_writable,
    message_of,
    ui,
)

if TYPE_CHECKING:
    from gvi.i18n import Translator


def add_parsers(sub: argparse._SubParsersAction, t: Translator) -> None:
    """Register this family's commands, their help in ``t``'s language."""
    run = sub.add_parser("run", help=t("cmd.run"))
    run.add_argument("scenario", help=t("arg.scenario"))
    run.add_argument("--seed", type=int, default=1, help=t("opt.run.seed"))
    run.add_argument("--days", type=int, help=t("opt.run.days"))
    run.add_argument("--out", type=Path, help=t("opt.run.out"))
    run.add_argument("--json", action="store_true", help=t("opt.run.json"))

    sub.add_parser("scenarios", help=t("cmd.scenarios"))

    val = sub.add_parser("validate", help=t("cmd.validate"))
    val.add_argument("files", nargs="+", help=t("arg.validate.files"))

    par = sub.add_parser("params", help=t("cmd.params"))
    par.add_argument("--markdown", action="store_true", help=t("opt.params.markdown"))


def _with_days(scenario, days: int):
    rollout = scenario.time.rollout_day
    if days <= rollout:
        raise UsageError.of("err.days_rollout", days=days, rollout=rollout)
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
        raise UsageError.of("err.seed_negative", option="--seed", value=args.seed)
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
        print_run_summary(model, seed=args.seed, out=args.out, t=ui(args))
    return EXIT_OK


def _cmd_scenarios(args: argparse.Namespace) -> int:
    from experiments.output import terminal_text
    from scenarios import ScenarioError, list_presets, load_scenario

    t = ui(args)
    presets = list_presets(t.lang)
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
        home = next((h for h in homes if not loaded[h].city_differences(s)), None)
        home = home or t("scenarios.own_city")
        groups = t("scenarios.audit") if s.city.audit_dir else t.n("n.groups", s.city.n_groups)
        return f"{home} ({groups})"

    rows = [(name, city(name), description) for name, description in presets]
    head = (t("scenarios.col_name"), t("scenarios.col_city"), t("scenarios.col_description"))
    w1 = max(len(r[0]) for r in [*rows, head])
    w2 = max(len(r[1]) for r in [*rows, head])
    print(f"{head[0]:<{w1}}  {head[1]:<{w2}}  {head[2]}")
    for name, home, description in rows:
        print(f"{name:<{w1}}  {home:<{w2}}  {terminal_text(description)}")
    print("\n" + t("scenarios.note"))
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from experiments.budget import JobTooBig, check_scenario
    from scenarios import load_scenario, validate_files

    from .problems import engine_text, problem_text

    t = ui(args)
    bad = 0
    for f in args.files:
        problems = [problem_text(p, t) for p in validate_files([f])]
        if not problems:
            try:
                check_scenario(load_scenario(f), what=str(f))
            except JobTooBig as exc:
                problems = [t("validate.too_big", problem=engine_text(message_of(exc), t))]
        if problems:
            bad += 1
            for problem in problems:
                print(t("frame.error", message=problem), file=sys.stderr)
        else:
            print(t("validate.ok", file=f))
    return EXIT_USAGE if bad else EXIT_OK


def _cmd_params(args: argparse.Namespace) -> int:
    from gvi.paramtable import parameter_table_markdown, parameter_table_text

    t = ui(args)
    if args.markdown:  # the table of docs/ODD.md, in English like the docs
        print(parameter_table_markdown())
    elif t.lang == "en":
        print(parameter_table_text())
    else:
        from .show import parameter_table

        print(parameter_table(t))
    return EXIT_OK


COMMANDS = {
    "run": _cmd_run,
    "scenarios": _cmd_scenarios,
    "validate": _cmd_validate,
    "params": _cmd_params,
}
