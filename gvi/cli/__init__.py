"""The ``gvi`` command line.

    gvi [--lang en|sv] COMMAND ...
    gvi run SCENARIO [--seed S] [--days N] [--out DIR] [--json]
    gvi scenarios
    gvi validate FILE...
    gvi check-patterns SCENARIO [--seeds N] [--seed S] [--workers N] [--json]
    gvi params [--markdown]
    gvi compare [BASELINE] SCENARIO... [--replicates R] [--seed S] [--workers N] [--out DIR]
                [--json] [--lang en|sv]
    gvi report DIR [--lang en|sv] [--decision DIR]...
    gvi sweep EXPERIMENT [--out DIR] [--workers N] [--scheduler ADDR] [--dask-local N]
    gvi sensitivity EXPERIMENT [--out DIR] [--workers N] [--scheduler ADDR] [--dask-local N]
    gvi validate-model [--replicates R] [--out DIR] [--workers N]
    gvi calibrate CALIBRATION [--out DIR] [--workers N] [--scheduler ADDR] [--dask-local N]
    gvi fit-city FILE [--out DIR] [--workers N] [--scheduler ADDR] [--dask-local N]
                 [--lang en|sv] [--json]
    gvi discover [SCENARIO|FILE] [--samples N] [--replicates R] [--threshold PCT]
                 [--arrests-limit PCT] [--seed S] [--out DIR] [--workers N]
                 [--scheduler ADDR] [--dask-local N] [--ensemble DIR | --fixed-parameters]
                 [--lang en|sv] [--json]
    gvi plan [SCENARIO|FILE] --budget SEK [--outreach-workers N] [--enforcement-units N]
             [--levers PATH,...] [--worlds K] [--percentile P] [--population N]
             [--generations G] [--seed S] [--out DIR] [--workers N] [--scheduler ADDR]
             [--dask-local N] [--ensemble DIR | --fixed-parameters] [--lang en|sv] [--json]
    gvi app [--host 127.0.0.1] [--port 8765] [--lang en|sv] [--max-sessions N]
            [--idle-minutes M] [--allowed-host NAME]

Help texts, tables, messages and errors are in the language of ``--lang`` (before or
after the command), else of ``$GVI_LANG``, else English (catalogue domain ``cli`` of
:mod:`gvi.i18n`). The reports of ``compare``, ``report`` and ``fit-city`` and the page
of ``app`` take the same language unless their own ``--lang`` after the command says
otherwise. ``discover`` and ``plan`` (decision support, docs/decision.md) write their
pages in the same language too.

Errors in the user's input exit with code 2 and one line per problem, no traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .common import EXIT_USAGE, UsageError
from .lang import argparse_words, cli_lang

if TYPE_CHECKING:
    from gvi.i18n import Translator

# One module per command family; each registers its commands (add_parsers) and maps
# them to functions (COMMANDS). They are imported only when the command line is built,
# and import the engine only when a command runs, so ``gvi --help`` stays fast.
FAMILIES = ("run", "compare", "studies", "patterns", "fit", "decide", "app")


def _parser(t: Translator) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gvi", description=t("cli.description"))
    from experiments.version import model_code_hash, package_version

    p.add_argument(
        "--version",
        action="version",
        version=t("cli.version", version=package_version(), code=model_code_hash()),
        help=t("opt.version"),
    )
    p.add_argument("--lang", dest="ui_lang", choices=("en", "sv"), help=t("opt.lang"))
    sub = p.add_subparsers(dest="command", required=True, metavar=t("cli.command"))
    for family in FAMILIES:
        importlib.import_module(f".{family}", __name__).add_parsers(sub, t)
    for command in sub.choices.values():  # --lang after the command too
        with contextlib.suppress(argparse.ArgumentError):  # unless it has its own
            command.add_argument("--lang", choices=("en", "sv"), help=t("opt.lang"))
    return p


def _command(name: str):
    for family in FAMILIES:
        commands = importlib.import_module(f".{family}", __name__).COMMANDS
        if name in commands:
            return commands[name]
    raise KeyError(name)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gvi`` console script."""
    from gvi.i18n import translator

    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        lang = cli_lang(argv)
    except UsageError as exc:
        print(translator("cli", "en")("frame.error", message=exc), file=sys.stderr)
        return EXIT_USAGE
    t = translator("cli", lang)
    with argparse_words(t):
        args = _parser(t).parse_args(argv)  # --help and --version end here, before any import
    # The language of the command line: --lang before the command, else after it.
    args.ui_lang = args.ui_lang or getattr(args, "lang", None) or lang
    if getattr(args, "lang", "") is None:  # a report's language: the command line's
        args.lang = args.ui_lang
    t = translator("cli", args.ui_lang)
    return _run(args, t)


def _run(args: argparse.Namespace, t: Translator) -> int:
    from experiments.budget import JobTooBig
    from experiments.folders import FolderError
    from experiments.output import terminal_text
    from scenarios import ScenarioError

    from .common import message_of
    from .problems import engine_text, problem_text

    def error(message: object) -> int:
        print(t("frame.error", message=message), file=sys.stderr)
        return EXIT_USAGE

    try:
        return _command(args.command)(args)
    except (FolderError, JobTooBig) as exc:
        return error(terminal_text(engine_text(message_of(exc), t)))
    except ScenarioError as exc:
        for problem in exc.problems:
            error(problem_text(problem, t))
        return EXIT_USAGE
    except UsageError as exc:
        return error(terminal_text(exc.text(t)))
    except OSError as exc:  # the output folder is full or not writable: one line
        from experiments.output import write_problem
        from experiments.store import StoreError

        place = getattr(args, "out", None) or getattr(args, "folder", None)
        written = message_of(exc) if isinstance(exc, StoreError) else write_problem(exc, place)
        if written is None:
            raise
        return error(engine_text(written, t))
    except KeyboardInterrupt:
        print(t("frame.interrupted"), file=sys.stderr)
        return 130
