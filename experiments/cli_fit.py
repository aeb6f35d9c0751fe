"""``gvi fit-city``: fit a city's violence level to its own yearly counts (placeholder
until the fitting command lands; the parser is registered by :mod:`experiments.cli`)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``gvi fit-city`` on the command line's sub-parsers."""
    sub.add_parser("fit-city", help="fit a city's violence level to its yearly counts")


def run(args: argparse.Namespace) -> int:
    """Run ``gvi fit-city``; returns the exit code."""
    from .cli import UsageError

    raise UsageError("gvi fit-city is not available yet")
