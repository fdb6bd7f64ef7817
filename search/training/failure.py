"""The exception a training objective raises for a failed trial."""

from __future__ import annotations


class TrialFailed(Exception):
    """The trial failed for a reason its message states (NaN loss, out of memory)."""
