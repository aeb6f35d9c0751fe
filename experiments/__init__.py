"""The experiment engine of gvi-sim: seeds, runs, executors, the result store, designs,
comparisons, effects, sensitivity analysis, calibration and validation.

Nothing here parses a command line, prints or writes HTML; the front ends are in
:mod:`gvi`. The names below are imported on first use, so that ``import experiments``
(and ``gvi --help``) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_LAZY = {
    "Comparison": "comparison",
    "compare": "comparison",
    "Experiment": "experiment",
    "load_experiment": "experiment",
    "StudyResult": "study",
    "run_study": "study",
    "sweep": "study",
    "make_executor": "executors",
    "SerialExecutor": "runner",
    "Task": "runner",
    "run_task": "runner",
    "run_tasks": "runner",
}

__all__ = [
    "Comparison",
    "Experiment",
    "SerialExecutor",
    "StudyResult",
    "Task",
    "compare",
    "load_experiment",
    "make_executor",
    "run_study",
    "run_task",
    "run_tasks",
    "sweep",
]

if TYPE_CHECKING:
    from .comparison import Comparison, compare
    from .executors import make_executor
    from .experiment import Experiment, load_experiment
    from .runner import SerialExecutor, Task, run_task, run_tasks
    from .study import StudyResult, run_study, sweep


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
