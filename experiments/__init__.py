"""Experiments on the GVI model: replicates, comparisons, reports, the `gvi` command."""

from .compare import Comparison, compare
from .runner import SerialExecutor, Task, make_executor, run_task, run_tasks

__all__ = [
    "Comparison",
    "SerialExecutor",
    "Task",
    "compare",
    "make_executor",
    "run_task",
    "run_tasks",
]
