"""The search's own Trial, keeping the trained models it is handed, for testing the trainer
alone (outside a study)."""

from __future__ import annotations

from typing import Any

from nasc.compiler import Space
from nasc.search.trial import Trial


class StandInTrial(Trial):
    """A `Trial` that also keeps every model `keep_model` receives, in ``kept``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kept: list[Any] = []

    @classmethod
    def sampled(
        cls, space: Space, index: int = 0, seed: int = 0, device: str = "cpu"
    ) -> StandInTrial:
        trial = super().sampled(space, index, seed, device)
        assert isinstance(trial, StandInTrial)
        return trial

    def keep_model(self, model: Any, backend: str = "torch") -> None:
        super().keep_model(model, backend)
        self.kept.append(model)
