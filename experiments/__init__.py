"""Experiments on the GVI model: replicates, comparisons, sweeps, sensitivity analysis,
reports, and the `gvi` command.

The public names are imported on first use, so that ``gvi --help`` and the input checks
start without loading the model, pandas and scipy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .compare import Comparison, compare
    from .executors import make_executor
    from .runner import SerialExecutor, Task, run_task, run_tasks

_WHERE = {
    "Comparison": ".compare",
    "compare": ".compare",
    "make_executor": ".executors",
    "SerialExecutor": ".runner",
    "Task": ".runner",
    "run_task": ".runner",
    "run_tasks": ".runner",
}

__all__ = [
    "Comparison",
    "SerialExecutor",
    "Task",
    "compare",
    "make_executor",
    "run_task",
    "run_tasks",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
