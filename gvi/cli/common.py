"""What every command shares: exit codes, the usage error and checks of common options."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gvi.i18n import Translator

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem with the command line or its files: exit 2 with this message.

    ``UsageError(text)`` carries the engine's text: a
    :class:`~scenarios.errors.Message` is put into words in the user's language when it
    is printed (:meth:`text`), other text is printed as it is; ``UsageError.of(key,
    **values)`` an entry of the ``cli`` catalogue, likewise.
    """

    def __init__(self, text: str = "", *, key: str | None = None, **values: Any) -> None:
        self.key, self.values = key, values
        super().__init__(text)

    @classmethod
    def of(cls, key: str, **values: Any) -> UsageError:
        """The error worded by the catalogue entry ``key`` with ``values`` filled in."""
        return cls(key=key, **values)

    def text(self, t: Translator) -> str:
        """The message in ``t``'s language."""
        if self.key:
            return t(self.key, **self.values)
        from .problems import engine_text

        return engine_text(self.args[0] if self.args else "", t)

    def __str__(self) -> str:
        if not self.key:
            return super().__str__()
        from gvi.i18n import translator

        return self.text(translator("cli", "en"))


def ui(args: argparse.Namespace) -> Translator:
    """The messages of the command line in the language of this call (``args.ui_lang``,
    set by :func:`gvi.cli.main`; English when a command is called without it)."""
    from gvi.i18n import translator

    return translator("cli", getattr(args, "ui_lang", None) or "en")


def check_writable(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError.of("err.out_not_folder", out=out)
    parent = out if out.exists() else out.parent if str(out.parent) else Path(".")
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not os.access(parent, os.W_OK):
        raise UsageError.of("err.out_no_permission", out=out, parent=parent)


def check_at_least_1(option: str, value: int | None) -> None:
    """A count option (``--workers``, ``--dask-local``, ...) given as less than 1."""
    if value is not None and value < 1:
        raise UsageError.of("err.at_least_1", option=option, value=value)


def check_executor_args(args: argparse.Namespace, source: Path) -> Path:
    """Common checks of --workers, --dask-local, the input file and --out; returns the
    output folder (default ``results/<file stem>``)."""
    check_at_least_1("--workers", args.workers)
    check_at_least_1("--dask-local", args.dask_local)
    check_input_file(source, "err.is_folder")
    out = args.out or Path("results") / source.stem
    check_writable(out)
    from experiments.folders import check_folder

    return check_folder(out, args.command)


def check_input_file(source: Path, folder_key: str) -> None:
    """``source`` is a file; ``folder_key`` words the error for a folder given instead."""
    try:
        found, folder = source.is_file(), source.is_dir()
    except (OSError, ValueError):  # a name too long, or with a NUL in it
        found = folder = False
    if folder:
        raise UsageError.of(folder_key, path=source)
    if not found:
        raise UsageError.of("err.no_such_file", path=source)


def usage_errors(call):
    """Run ``call()``; problems of the user's input or set-up become one-line errors."""
    from experiments.store import StoreError
    from scenarios import ScenarioError

    try:
        return call()
    except ScenarioError:
        raise
    except (StoreError, ConnectionError, ImportError, ValueError) as exc:
        raise UsageError(message_of(exc)) from None


def message_of(exc: BaseException) -> str:
    """The message an exception was raised with: its :class:`~scenarios.errors.Message`
    (which words it again in the user's language) when it has one, else its text."""
    from scenarios.errors import Message

    first = exc.args[0] if len(exc.args) == 1 else None
    return first if isinstance(first, Message) else str(exc)
