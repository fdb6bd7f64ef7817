"""How trials run: a `Job` sent once to every worker, a `TrialSpec` per trial, an `Outcome` back.

The driver (`nasc.search.Study.optimize`) asks the strategy, submits specs to an
`Executor`, and records every outcome in the run store; it is the store's only
writer. A worker rebuilds the space from the job's texts (never the driver's
files), makes a `Trial` of the spec, runs the objective and returns an `Outcome`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from nasc.search.trial import Objective

if TYPE_CHECKING:
    from nasc.search.data import Dataset


@dataclass(frozen=True)
class Job:
    """What every worker needs, sent once per worker (or once per cluster)."""

    space_source: str  # the main .nas text ...
    space_path: str  # ... and its path (imports resolve beside it)
    imports: Mapping[str, str]  # path -> text of every imported non-std file
    overrides: Mapping[str, str]  # --set values
    objective: Objective | str  # a picklable callable, or "module:function"
    dataset: Dataset | None = None
    metric: str = "val_error"  # the objective metric a returned mapping must hold


@dataclass(frozen=True)
class TrialSpec:
    """One trial to run."""

    trial_id: int
    term: str
    seed: int
    device: str = "cpu"  # "cpu" / "cuda" (the executor may pin cuda:N)
    timeout: float | None = None  # seconds; over it the trial fails ("timed out")


Status = Literal["done", "failed", "lost"]


@dataclass(frozen=True)
class Outcome:
    """What came of one trial. ``lost``: the worker died under it (never the objective's fault)."""

    trial_id: int
    status: Status
    metrics: Mapping[str, float] | None
    error: str | None = None
    weights: bytes | None = None  # the kept weight set as .npz bytes
    log: str = ""
    worker: str = ""
    seconds: float = 0.0


class Executor(Protocol):
    """Runs trials somewhere: worker processes, a cluster, or the calling process."""

    def start(self, job: Job) -> None: ...

    def capacity(self) -> int:
        """Trials that can run at once."""
        ...

    def submit(self, spec: TrialSpec) -> None: ...

    def wait(self, timeout: float | None = None) -> list[Outcome]:
        """Outcomes finished since the last call; [] on timeout; never hangs forever."""
        ...

    def running(self) -> Mapping[int, str]:
        """Trial id -> worker, for progress."""
        ...

    def shutdown(self, cancel: bool = False) -> None: ...


__all__ = ["Executor", "Job", "Outcome", "Status", "TrialSpec"]
