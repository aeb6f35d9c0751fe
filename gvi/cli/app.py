"""``gvi app``: serve the trainers' browser app."""

from __future__ import annotations

import argparse

from .common import (
    UsageError,
)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register this family's commands."""
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


def _cmd_app(args: argparse.Namespace) -> int:
    import importlib.util

    if importlib.util.find_spec("solara") is None:
        raise UsageError(
            "gvi app: the trainers' app is an optional part; install it with "
            "pip install 'gvi-sim[app]' (make app does this), then run gvi app again"
        )
    from gvi.app import server

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


COMMANDS = {
    "app": _cmd_app,
}
