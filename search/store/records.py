"""A trial as the run store keeps it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TrialRecord:
    """One row of the trials table, its metrics decoded."""

    id: int
    term: str
    derivation: Any  # the derivation's JSON (`nasc.compiler.to_json`)
    seed: int
    status: str
    value: float | None
    metrics: Mapping[str, float]
    error: str | None
    worker: str | None
    log: str | None
    attempts: int
    asked_at: float
    started_at: float | None
    finished_at: float | None
    seconds: float | None
    weights: str | None

    @classmethod
    def of_row(cls, row: sqlite3.Row) -> TrialRecord:
        return cls(
            id=row["id"],
            term=row["term"],
            derivation=json.loads(row["derivation"]),
            seed=row["seed"],
            status=row["status"],
            value=row["value"],
            metrics=json.loads(row["metrics"]) if row["metrics"] else {},
            error=row["error"],
            worker=row["worker"],
            log=row["log"],
            attempts=row["attempts"],
            asked_at=row["asked_at"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            seconds=row["seconds"],
            weights=row["weights"],
        )


@dataclass(frozen=True)
class Event:
    """An ask or a tell, in the order the strategy saw them."""

    seq: int
    kind: str  # "ask" | "tell"
    trial_id: int
    value: float | None


__all__ = ["Event", "TrialRecord"]
