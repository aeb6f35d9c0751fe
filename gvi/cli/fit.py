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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gvi.i18n import Translator


def add_parsers(sub: argparse._SubParsersAction, t: Translator) -> None:
    """Register ``gvi fit-city`` on the command line's sub-parsers, its help in ``t``'s
    language."""
    p = sub.add_parser(
        "fit-city", help=t("cmd.fit_city"), description=t("cmd.fit_city.description")
    )
    p.add_argument("spec", type=Path, metavar="FILE", help=t("arg.fit_city.file"))
    p.add_argument("--out", type=Path, help=t("opt.fit_city.out"))
    p.add_argument("--workers", type=int, default=None, help=t("opt.workers.all"))
    p.add_argument("--scheduler", help=t("opt.scheduler"))
    p.add_argument("--dask-local", type=int, metavar="N", help=t("opt.dask_local"))
    p.add_argument("--lang", choices=("en", "sv"), default=None, help=t("opt.lang.report"))
    p.add_argument("--json", action="store_true", help=t("opt.fit_city.json"))
    params = p.add_mutually_exclusive_group()
    params.add_argument("--ensemble", type=Path, default=None, help=t("opt.fit_city.ensemble"))
    params.add_argument("--fixed-parameters", action="store_true", help=t("opt.compare.fixed"))


def run(args: argparse.Namespace) -> int:
    """Run ``gvi fit-city``; returns the exit code."""
    from experiments.fitcity import fit_city, load_fit_spec

    from .common import (
        EXIT_OK,
        UsageError,
        check_at_least_1,
        check_input_file,
        check_writable,
        ui,
        usage_errors,
    )

    t = ui(args)
    check_at_least_1("--workers", args.workers)
    check_at_least_1("--dask-local", args.dask_local)
    if args.scheduler is not None and args.dask_local is not None:
        raise UsageError.of("err.scheduler_and_dask_local")
    source: Path = args.spec
    check_input_file(source, "err.is_folder_fit")
    spec = load_fit_spec(source)
    out = args.out or Path("results") / f"fit-{spec.name}"
    check_writable(out)
    from experiments.folders import check_folder, folder_lock

    check_folder(out, "fit-city")  # the rule every command that writes a folder follows
    from experiments import ensemble

    chosen = None if args.fixed_parameters else args.ensemble or ensemble.SHIPPED_DEFAULT
    with folder_lock(out, "fit-city"):
        result = usage_errors(
            lambda: fit_city(
                spec,
                out,
                workers=args.workers,
                scheduler=args.scheduler,
                dask_local=args.dask_local,
                progress=sys.stderr.isatty(),
                lang=args.lang or t.lang,
                ensemble=chosen,
            )
        )
    if args.json:
        print(json.dumps(result.summary, indent=2, ensure_ascii=False))
        return EXIT_OK
    print_summary(result, out, t)
    return EXIT_OK


NOTES = ("posterior_at_lower_edge", "posterior_at_upper_edge", "observed_year_outside_range")


def print_summary(result, out: Path, t: Translator | None = None) -> None:
    """The fitted hazard, simulated against observed shootings per year, and the files."""
    from .show import count, local

    if t is None:
        from gvi.i18n import translator

        t = translator("cli", "en")

    def num(x: float, spec: str) -> str:
        return local(format(x, spec), t)

    s = result.summary
    hz = s["fitted"]["violence.base_hazard"]
    lo, hi = hz["interval90"]
    city = s["city"]
    print(
        t(
            "fit.city",
            name=s["name"],
            groups=count(city["n_groups"], t),
            members=count(city["members"], t),
            simulated=num(city["simulated_members_mean"], ".1f"),
            years=count(len(s["years"]), t),
        )
    )
    print(
        t(
            "fit.hazard",
            value=num(hz["value"], ".3g"),
            low=num(lo, ".3g"),
            high=num(hi, ".3g"),
            base=num(hz["base_value"], ".3g"),
        )
    )
    for path in ("violence.p_injury", "violence.p_fatal"):
        if path in s["fitted"]:
            p = s["fitted"][path]
            a, b = p["interval90"]
            observed = p["observed"]  # "k of n"
            k, _, n = observed.partition(" of ")
            if n:
                observed = t("fit.observed_share", k=k, n=n)
            line = t(
                "fit.share",
                median=num(p["median"], ".3g"),
                low=num(a, ".3g"),
                high=num(b, ".3g"),
                observed=observed,
            )
            print(f"{path} = {line}")
    c = s["check"]
    print("\n" + t("fit.check", runs=count(c["replicates"], t)))
    head = (t("fit.col_observed"), t("fit.col_simulated"), t("fit.col_years"))
    print(f"  {'':<18} {head[0]:>9} {head[1]:>31} {head[2]:>14}")
    for r in c["per_year"]:
        label = str(r["label"]) if r["label"] is not None else t("fit.year", year=r["year"])
        name = f"{_measure(r['measure'], t)} {label}"
        interval = (
            f"{num(r['mean'], '.1f')} [{num(r['ci_low'], '.1f')}, {num(r['ci_high'], '.1f')}]"
        )
        years = t("fit.range", low=num(r["range_low"], ".0f"), high=num(r["range_high"], ".0f"))
        print(f"  {name:<18} {r['observed']:>9} {interval:>31} {years:>14}")
    interval = (
        f"{num(c['mean_per_year'], '.1f')} [{num(c['ci95'][0], '.1f')}, {num(c['ci95'][1], '.1f')}]"
    )
    a, b = c["range95_single_years"]
    mean = num(c["observed_mean_per_year"], ".1f")
    years = t("fit.range", low=num(a, ".0f"), high=num(b, ".0f"))
    print(f"  {t('fit.per_year'):<18} {mean:>9} {interval:>31} {years:>14}")
    for note in s["notes"]:
        print(t("fit.note", note=t(f"fit.note.{note}") if note in NOTES else note))
    runs = s["runs"]
    print(
        "\n"
        + t(
            "fit.runs",
            total=count(runs["total"], t),
            pilot=count(runs["pilot"], t),
            grid=count(runs["grid"], t),
            check=count(runs["check"], t),
        )
    )
    files = f"{out / (s['name'] + '.toml')}, {out / 'fit.html'}, {out / 'fit.json'}"
    print(t("fit.wrote", files=files))
    print(t("fit.next", name=s["name"]))


def _measure(measure: str, t: Translator) -> str:
    """``shootings``, ``injured``, ``killed`` in ``t``'s language."""
    return t(f"fit.measure.{measure}") if measure in ("shootings", "injured", "killed") else measure


COMMANDS = {"fit-city": run}
