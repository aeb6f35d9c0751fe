"""``gvi app``: serve the trainers' browser app."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .common import (
    UsageError,
    check_at_least_1,
)

if TYPE_CHECKING:
    from gvi.i18n import Translator


def add_parsers(sub: argparse._SubParsersAction, t: Translator) -> None:
    """Register this family's commands, their help in ``t``'s language."""
    app = sub.add_parser("app", help=t("cmd.app"))
    app.add_argument("--host", default="127.0.0.1", help=t("opt.app.host"))
    app.add_argument("--port", default="8765", help=t("opt.app.port"))
    app.add_argument("--lang", default=None, help=t("opt.app.lang"))
    app.add_argument("--max-sessions", type=int, default=None, help=t("opt.app.max_sessions"))
    app.add_argument("--idle-minutes", type=float, default=None, help=t("opt.app.idle_minutes"))
    app.add_argument(
        "--allowed-host",
        action="append",
        default=None,
        metavar="NAME",
        help=t("opt.app.allowed_host"),
    )


def _cmd_app(args: argparse.Namespace) -> int:
    import importlib.util

    if importlib.util.find_spec("solara") is None:
        raise UsageError.of("err.app_not_installed")
    from gvi.app import server

    check_at_least_1("--max-sessions", args.max_sessions)
    if args.idle_minutes is not None and not args.idle_minutes > 0:
        raise UsageError.of("err.idle_minutes", value=f"{args.idle_minutes:g}")
    idle = None if args.idle_minutes is None else args.idle_minutes * 60
    lang = args.lang or "en"
    try:
        port = server.check(args.host, args.port, lang)
        server.max_sessions(args.max_sessions)
        server.idle_seconds(idle)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return server.serve(
        args.host,
        port,
        lang,
        sessions=args.max_sessions,
        idle=idle,
        allowed_hosts=args.allowed_host,
    )


COMMANDS = {
    "app": _cmd_app,
}
