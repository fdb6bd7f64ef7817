"""The learning-rate schedule: linear warm-up, then a cosine down to a floor, per step."""

from __future__ import annotations

import math
from dataclasses import dataclass

# warm-up never takes more than this share of a run (a 1-epoch trial still anneals)
MAX_WARMUP_SHARE = 0.2


@dataclass(frozen=True)
class WarmupCosine:
    """``lr`` at step ``t`` of ``total``: ``peak * (t+1)/warmup`` while warming up, then
    ``floor + (peak - floor) * (1 + cos(pi * progress)) / 2``, progress from 0 to 1.

    >>> schedule = WarmupCosine(peak=1.0, floor=0.0, warmup=0, total=4)
    >>> [round(schedule.lr(t), 3) for t in range(4)]
    [1.0, 0.854, 0.5, 0.146]
    """

    peak: float
    floor: float
    warmup: int
    total: int

    @classmethod
    def of(cls, peak: float, floor: float, warmup_steps: float, total: int) -> WarmupCosine:
        warmup = min(round(warmup_steps), math.floor(total * MAX_WARMUP_SHARE))
        return cls(peak, floor, max(0, warmup), total)

    def lr(self, step: int) -> float:
        if step < self.warmup:
            return self.peak * (step + 1) / self.warmup
        span = max(1, self.total - self.warmup)
        progress = (step - self.warmup) / span
        return self.floor + (self.peak - self.floor) * (1 + math.cos(math.pi * progress)) / 2
