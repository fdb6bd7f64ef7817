"""The run store's tables, and the version a store made by this nasc carries."""

from __future__ import annotations

SCHEMA_VERSION = 1

STATUSES = ("running", "done", "failed", "interrupted")

# One statement per table; `trials.id` is the trial id a user sees, `events.seq`
# orders asks and tells exactly as the strategy saw them (replayed on --resume).
TABLES = (
    "CREATE TABLE schema_version (version INTEGER NOT NULL)",
    "CREATE TABLE run (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE trials (
        id INTEGER PRIMARY KEY,
        term TEXT NOT NULL,
        derivation TEXT NOT NULL,
        seed INTEGER NOT NULL,
        status TEXT NOT NULL
            CHECK (status IN ('running', 'done', 'failed', 'interrupted')),
        value REAL,
        metrics TEXT,
        error TEXT,
        worker TEXT,
        log TEXT,
        attempts INTEGER NOT NULL DEFAULT 1,
        asked_at REAL NOT NULL,
        started_at REAL,
        finished_at REAL,
        seconds REAL,
        weights TEXT
    )""",
    """CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('ask', 'tell')),
        trial_id INTEGER NOT NULL REFERENCES trials (id),
        value REAL,
        at REAL NOT NULL
    )""",
    "CREATE INDEX events_by_trial ON events (trial_id)",
)

__all__ = ["SCHEMA_VERSION", "STATUSES", "TABLES"]
