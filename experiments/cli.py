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
import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem with the command line or its files: exit 2 with this message."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gvi", description="Group Violence Intervention simulator")
    from .version import model_code_hash, package_version

    p.add_argument(
        "--version",
        action="version",
        version=f"gvi-sim {package_version()} (model code {model_code_hash()})",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

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

    pat = sub.add_parser("check-patterns", help="check a scenario against published patterns")
    pat.add_argument("scenario")
    pat.add_argument("--seeds", type=int, default=20, help="replicates (default 20)")
    pat.add_argument("--seed", type=int, default=1, help="root seed (default 1)")
    pat.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    pat.add_argument("--json", action="store_true")

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

    par = sub.add_parser("params", help="list every model parameter with unit, default, range")
    par.add_argument("--markdown", action="store_true", help="as the Markdown table of docs/ODD.md")

    vm = sub.add_parser("validate-model", help="check the default model against every pattern")
    vm.add_argument("--replicates", type=int, default=20, help="runs per scenario (default 20)")
    vm.add_argument("--out", type=Path, default=Path("results/validation"), help="result folder")
    vm.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")

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
    app = sub.add_parser("app", help="serve the trainers' live browser app")
    app.add_argument("--host", default="127.0.0.1", help="interface to listen on (default local)")
    app.add_argument("--port", default="8765", help="port (default 8765)")
    app.add_argument("--lang", default="en", help="language the page opens in: en or sv")
    app.add_argument(
        "--max-sessions", type=int, default=None, help="pages that may hold a run at once (30)"
    )
    app.add_argument(
        "--idle-minutes",
        type=float,
        default=None,
        help="a page silent this long loses its run (default 10)",
    )
    app.add_argument(
        "--allowed-host",
        action="append",
        default=None,
        metavar="NAME",
        help="another host name to answer to (repeatable; * = any)",
    )
    from . import cli_fit

    cli_fit.add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gvi`` console script."""
    from scenarios import ScenarioError

    from .budget import JobTooBig
    from .folders import FolderError
    from .output import terminal_text

    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
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
        from .output import write_problem
        from .store import StoreError

        place = getattr(args, "out", None) or getattr(args, "folder", None)
        problem = str(exc) if isinstance(exc, StoreError) else write_problem(exc, place)
        if problem is None:
            raise
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _cmd_run(args: argparse.Namespace) -> int:
    from model import GVIModel
    from scenarios import load_scenario

    from .budget import check_scenario
    from .folders import check_folder, folder_lock
    from .output import print_run_summary, run_summary_dict, write_run

    if args.seed < 0:
        raise UsageError(f"--seed {args.seed}: must be >= 0")
    scenario = load_scenario(args.scenario)
    if args.days is not None:
        scenario = _with_days(scenario, args.days)
    check_scenario(scenario, what=f"gvi run {args.scenario}")
    if args.out is not None:
        _check_writable(args.out)
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


def _check_writable(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a folder; choose another path")
    parent = out if out.exists() else out.parent if str(out.parent) else Path(".")
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not os.access(parent, os.W_OK):
        raise UsageError(
            f"--out {out}: no permission to write in {parent}; make it writable or choose "
            "another --out"
        )


def _cmd_scenarios(args: argparse.Namespace) -> int:
    from scenarios import ScenarioError, list_presets, load_scenario

    from .output import terminal_text

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
    from scenarios import load_scenario, validate_files

    from .budget import JobTooBig, check_scenario

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


def _cmd_check_patterns(args: argparse.Namespace) -> int:
    from concurrent.futures import ProcessPoolExecutor

    from model.patterns import check_patterns
    from scenarios import load_scenario

    from .output import terminal_text

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
            target = _target_text(r.low, r.high)
            verdict = "PASS" if r.passed and r.checked else ("info" if not r.checked else "FAIL")
            print(
                f"  {verdict:4}  {r.name:<40} {r.value:9.3f} {r.unit:<15} target {target:<12} ({r.source})"
            )
        print("all patterns hold" if ok else "some patterns do not hold")
    return EXIT_OK if ok else EXIT_FAILED


def _target_text(low: float | None, high: float | None) -> str:
    if low is None and high is None:
        return "-"
    if high is None:
        return f">= {low:g}"
    if low is None:
        return f"<= {high:g}"
    return f"{low:g} to {high:g}"


def _cmd_params(args: argparse.Namespace) -> int:
    from .paramtable import parameter_table_markdown, parameter_table_text

    print(parameter_table_markdown() if args.markdown else parameter_table_text())
    return EXIT_OK


def _cmd_compare(args: argparse.Namespace) -> int:
    from scenarios import ScenarioError

    from .compare import MEANINGFUL_REPLICATES, compare, few_replicates_warning
    from .output import print_comparison, publish_folder

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
    _check_writable(out)
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


def _check_executor_args(args: argparse.Namespace, source: Path) -> Path:
    """Common checks of --workers, --dask-local, the input file and --out; returns the
    output folder (default ``results/<file stem>``)."""
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: must be at least 1")
    if args.dask_local is not None and args.dask_local < 1:
        raise UsageError(f"--dask-local {args.dask_local}: must be at least 1")
    try:
        found, folder = source.is_file(), source.is_dir()
    except (OSError, ValueError):  # a name too long, or with a NUL in it
        found = folder = False
    if folder:
        raise UsageError(f"{source}: is a folder; give the path of a .toml file")
    if not found:
        raise UsageError(f"{source}: no such file; check the path")
    out = args.out or Path("results") / source.stem
    _check_writable(out)
    from .folders import check_folder

    return check_folder(out, args.command)


def _usage_errors(call):
    """Run ``call()``; problems of the user's input or set-up become one-line errors."""
    from scenarios import ScenarioError

    from .store import StoreError

    try:
        return call()
    except ScenarioError:
        raise
    except (StoreError, ConnectionError, ImportError, ValueError) as exc:
        raise UsageError(str(exc)) from None


def _cmd_study(args: argparse.Namespace) -> int:
    from .folders import folder_lock
    from .output import terminal_text
    from .study import SENSITIVITY, SWEEPS, run_study

    out = _check_executor_args(args, args.experiment)
    kinds = SWEEPS if args.command == "sweep" else SENSITIVITY
    with folder_lock(out, args.command):
        result = _usage_errors(
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


def _cmd_report(args: argparse.Namespace) -> int:
    from .compare import Comparison

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
        from .study import rebuild

        pipeline = manifest.get("pipeline")
        status = pipeline.get("status") if isinstance(pipeline, dict) else None
        status = status or "not started"
        if status != "complete":  # stopped or still running: some runs are missing
            raise UsageError(
                f"{folder}: the experiment is not finished (status: {status}); rerun "
                f"gvi sweep or gvi sensitivity with --out {folder} to finish it"
            )

        print(f"summary: {_usage_errors(lambda: rebuild(folder))}")
        return EXIT_OK
    try:
        result = Comparison.load(folder)
    except (OSError, ValueError, KeyError) as exc:
        raise UsageError(f"{folder}: cannot read the stored results ({exc})") from None
    path = result.report(folder / "report.html", lang=args.lang)
    print(f"report: {path}")
    return EXIT_OK


def _cmd_validate_model(args: argparse.Namespace) -> int:
    from .folders import check_folder, folder_lock
    from .validation import validate

    if args.replicates < 2:
        raise UsageError(f"--replicates {args.replicates}: need at least 2 for intervals")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: must be at least 1")
    _check_writable(args.out)
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


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from .calibrate import calibrate
    from .folders import folder_lock

    out = _check_executor_args(args, args.calibration)
    with folder_lock(out, "calibrate"):
        result = _usage_errors(
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


def _cmd_fit_city(args: argparse.Namespace) -> int:
    from . import cli_fit

    return cli_fit.run(args)


def _cmd_app(args: argparse.Namespace) -> int:
    from app import server

    if args.max_sessions is not None and args.max_sessions < 1:
        raise UsageError(f"--max-sessions {args.max_sessions}: must be at least 1")
    if args.idle_minutes is not None and not args.idle_minutes > 0:
        raise UsageError(f"--idle-minutes {args.idle_minutes:g}: must be more than 0")
    idle = None if args.idle_minutes is None else args.idle_minutes * 60
    try:
        port = server.check(args.host, args.port, args.lang)
        server.max_sessions(args.max_sessions)
        server.idle_seconds(idle)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return server.serve(
        args.host,
        port,
        args.lang,
        sessions=args.max_sessions,
        idle=idle,
        allowed_hosts=args.allowed_host,
    )


_COMMANDS = {
    "run": _cmd_run,
    "scenarios": _cmd_scenarios,
    "validate": _cmd_validate,
    "check-patterns": _cmd_check_patterns,
    "params": _cmd_params,
    "compare": _cmd_compare,
    "report": _cmd_report,
    "sweep": _cmd_study,
    "sensitivity": _cmd_study,
    "validate-model": _cmd_validate_model,
    "calibrate": _cmd_calibrate,
    "app": _cmd_app,
    "fit-city": _cmd_fit_city,
}

if __name__ == "__main__":
    sys.exit(main())
