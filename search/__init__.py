"""Search: strategies proposing architectures, trials evaluating them, a run store keeping them.

Heavy frameworks (torch, numpy) are imported only where a trial needs them.
"""

from nasc.search.executors import Executor, InlineExecutor, Job, LocalExecutor, Outcome, TrialSpec
from nasc.search.source import SpaceSource
from nasc.search.store import RunStore, TrialRecord
from nasc.search.strategies import STRATEGIES, Strategy, StrategyContext, ask_rng
from nasc.search.study import Progress, Study
from nasc.search.trial import Objective, Trial, TrialFailed

__all__ = [
    "STRATEGIES",
    "Executor",
    "InlineExecutor",
    "Job",
    "LocalExecutor",
    "Objective",
    "Outcome",
    "Progress",
    "RunStore",
    "SpaceSource",
    "Strategy",
    "StrategyContext",
    "Study",
    "Trial",
    "TrialFailed",
    "TrialRecord",
    "TrialSpec",
    "ask_rng",
]
