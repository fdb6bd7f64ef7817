"""Executors: where trials run (this process, local worker processes, or Ray)."""

from nasc.search.executors.base import Executor, Job, Outcome, Status, TrialSpec
from nasc.search.executors.evaluate import Evaluator, resolve_objective
from nasc.search.executors.inline import InlineExecutor
from nasc.search.executors.local import LocalExecutor

__all__ = [
    "Evaluator",
    "Executor",
    "InlineExecutor",
    "Job",
    "LocalExecutor",
    "Outcome",
    "Status",
    "TrialSpec",
    "resolve_objective",
]
