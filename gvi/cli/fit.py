"""``gvi fit-city``: fit a city's violence level to its own yearly counts.

    gvi fit-city FILE [--out DIR] [--workers N] [--scheduler ADDR] [--dask-local N]
                 [--lang en|sv] [--json]

FILE is a fit file (see ``experiments/fit_city_example.toml`` and docs/fit_city.md).
The result folder (default ``results/fit-<name>``) gets ``<name>.toml`` (the fitted
scenario), ``fit.html``, ``fit.json`` and the runs; rerunning the same command on it
resumes, and a folder that holds anything else is refused.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``gvi fit-city`` on the command line's sub-parsers."""
    p = sub.add_parser(
        "fit-city",
        help="fit a city's violence level to its yearly counts",
        description=(
            "Fit the background hazard of violence (and, if given, the shares of shootings "
            "that injure or kill) so that the city's business as usual reproduces its yearly "
            "shootings before the rollout. Writes a scenario file to extend, fit.html and "
            "fit.json."
        ),
    )
    p.add_argument("spec", type=Path, metavar="FILE", help="fit file (.toml): city and counts")
    p.add_argument(
        "--out",
        type=Path,
        help="result folder (default results/fit-<name>); rerun on the same folder to resume",
    )
    p.add_argument("--workers", type=int, default=None, help="local processes (default: all)")
    p.add_argument("--scheduler", help="a Dask scheduler, tcp://HOST:PORT")
    p.add_argument(
        "--dask-local", type=int, metavar="N", help="start a local Dask cluster of N workers"
    )
    p.add_argument("--lang", choices=("en", "sv"), default="en", help="report language")
    p.add_argument("--json", action="store_true", help="print fit.json instead of the summary")


def run(args: argparse.Namespace) -> int:
    """Run ``gvi fit-city``; returns the exit code."""
    from experiments.fitcity import fit_city, load_fit_spec

    from .common import EXIT_OK, UsageError, check_writable, usage_errors

    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: must be at least 1")
    if args.dask_local is not None and args.dask_local < 1:
        raise UsageError(f"--dask-local {args.dask_local}: must be at least 1")
    if args.scheduler is not None and args.dask_local is not None:
        raise UsageError("--scheduler and --dask-local: give one of them, not both")
    source: Path = args.spec
    try:
        found, folder = source.is_file(), source.is_dir()
    except (OSError, ValueError):
        found = folder = False
    if folder:
        raise UsageError(f"{source}: is a folder; give the path of a fit .toml file")
    if not found:
        raise UsageError(f"{source}: no such file; check the path")
    spec = load_fit_spec(source)
    out = args.out or Path("results") / f"fit-{spec.name}"
    check_writable(out)
    from experiments.folders import check_folder, folder_lock

    check_folder(out, "fit-city")  # the rule every command that writes a folder follows
    with folder_lock(out, "fit-city"):
        result = usage_errors(
            lambda: fit_city(
                spec,
                out,
                workers=args.workers,
                scheduler=args.scheduler,
                dask_local=args.dask_local,
                progress=sys.stderr.isatty(),
                lang=args.lang,
            )
        )
    if args.json:
        print(json.dumps(result.summary, indent=2, ensure_ascii=False))
        return EXIT_OK
    print_summary(result, out)
    return EXIT_OK


def print_summary(result, out: Path) -> None:
    """The fitted hazard, simulated against observed shootings per year, and the files."""
    s = result.summary
    hz = s["fitted"]["violence.base_hazard"]
    lo, hi = hz["interval90"]
    city = s["city"]
    print(
        f"{s['name']}: {city['n_groups']} groups, {city['members']} members "
        f"(simulated cities: {city['simulated_members_mean']:.1f} on average); "
        f"{len(s['years'])} year(s) of counts"
    )
    print(
        f"violence.base_hazard = {hz['value']:.3g} (posterior median; 90% interval "
        f"{lo:.3g} to {hi:.3g}; the base scenario has {hz['base_value']:.3g})"
    )
    for path in ("violence.p_injury", "violence.p_fatal"):
        if path in s["fitted"]:
            p = s["fitted"][path]
            a, b = p["interval90"]
            print(f"{path} = {p['median']:.3g} (90% interval {a:.3g} to {b:.3g}; {p['observed']})")
    c = s["check"]
    print(f"\nbusiness as usual at the fitted value, {c['replicates']} runs:")
    print(f"  {'':<18} {'observed':>9} {'simulated mean [95% interval]':>31} {'95% of years':>14}")
    for r in c["per_year"]:
        label = str(r["label"]) if r["label"] is not None else f"year {r['year']}"
        name = f"{r['measure']} {label}"
        interval = f"{r['mean']:.1f} [{r['ci_low']:.1f}, {r['ci_high']:.1f}]"
        years = f"{r['range_low']:.0f} to {r['range_high']:.0f}"
        print(f"  {name:<18} {r['observed']:>9} {interval:>31} {years:>14}")
    interval = f"{c['mean_per_year']:.1f} [{c['ci95'][0]:.1f}, {c['ci95'][1]:.1f}]"
    a, b = c["range95_single_years"]
    mean = f"{c['observed_mean_per_year']:.1f}"
    print(f"  {'shootings a year':<18} {mean:>9} {interval:>31} {f'{a:.0f} to {b:.0f}':>14}")
    for note in s["notes"]:
        print(f"note: {NOTES.get(note, note)}")
    runs = s["runs"]
    print(
        f"\nruns: {runs['total']} ({runs['pilot']} pilot, {runs['grid']} grid, "
        f"{runs['check']} check)"
    )
    print(f"wrote: {out / (s['name'] + '.toml')}, {out / 'fit.html'}, {out / 'fit.json'}")
    print(
        f"next: a scenario file that extends {s['name']}.toml and switches GVI on, then "
        "gvi compare FILE (compares it with business as usual of its own city)"
    )


NOTES = {
    "posterior_at_lower_edge": "part of the posterior lies at the lowest hazard tried: the "
    "interval may reach lower still",
    "posterior_at_upper_edge": "part of the posterior lies at the highest hazard tried: the "
    "interval may reach higher still",
    "observed_year_outside_range": "a counted year lies outside the range of 95% of simulated "
    "years",
}


COMMANDS = {"fit-city": run}
