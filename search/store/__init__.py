"""The run store: a crash-safe SQLite database of one search's trials and events."""

from nasc.search.store.records import Event, TrialRecord
from nasc.search.store.schema import SCHEMA_VERSION
from nasc.search.store.store import DATABASE, RunStore
from nasc.search.store.weights import keep_weights, write_atomically

__all__ = [
    "DATABASE",
    "SCHEMA_VERSION",
    "Event",
    "RunStore",
    "TrialRecord",
    "keep_weights",
    "write_atomically",
]
