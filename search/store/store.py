"""The run store: one SQLite database in the run folder (WAL, synchronous=FULL).

It holds the space (text and hash), the settings, the dataset's fingerprint,
every trial and the order of asks and tells. The driver of a search is its one
writer while the search runs and holds the run folder's lock; every write is a
short ``BEGIN IMMEDIATE`` transaction, so several processes writing at once
lose nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from nasc.dsl import NascError
from nasc.search.errors import search_error
from nasc.search.store.records import Event, TrialRecord
from nasc.search.store.schema import SCHEMA_VERSION, TABLES

DATABASE = "run.sqlite"
LOCK = "run.lock"


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, allow_nan=False)


class RunStore:
    """A run folder's database; open with `create` or `open`."""

    def __init__(self, folder: Path, connection: sqlite3.Connection, lock: IO[str] | None) -> None:
        self.folder = folder
        self.path = folder / DATABASE
        self._db = connection
        self._lock = lock

    # -- opening ---------------------------------------------------------------

    @classmethod
    def create(cls, folder: str | Path, meta: Mapping[str, Any], *, lock: bool = True) -> RunStore:
        """A new store in ``folder`` (made if absent); E955 when it already holds one."""
        folder = Path(folder)
        if (folder / DATABASE).exists():
            raise search_error(
                "E955",
                f"{folder} already holds a run",
                "continue it with --resume, or choose another --out",
            )
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise search_error(
                "E956", f"cannot make the run folder {folder}: {exc.strerror}"
            ) from None
        held = _take_lock(folder) if lock else None
        db = _connect(folder / DATABASE)
        try:
            with _transaction(db, folder):
                for statement in TABLES:
                    db.execute(statement)
                db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
                db.executemany(
                    "INSERT INTO run VALUES (?, ?)", [(k, _json(v)) for k, v in meta.items()]
                )
        except BaseException:
            db.close()
            if held is not None:
                held.close()
            raise
        return cls(folder, db, held)

    @classmethod
    def open(cls, folder: str | Path, *, lock: bool = True, timeout: float = 10.0) -> RunStore:
        """The store in ``folder``; a clear error when absent, corrupt, newer, or locked."""
        folder = Path(folder)
        path = folder / DATABASE
        if not path.is_file():
            raise search_error("E950", f"{folder} holds no nasc run ({DATABASE} is missing)")
        held = _take_lock(folder) if lock else None
        db = _connect(path, timeout)
        try:
            _check_schema(db, path)
        except BaseException:
            db.close()
            if held is not None:
                held.close()
            raise
        return cls(folder, db, held)

    def close(self) -> None:
        self._db.close()
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- run metadata ----------------------------------------------------------

    def meta(self) -> dict[str, Any]:
        rows = self._read("SELECT key, value FROM run")
        return {row["key"]: json.loads(row["value"]) for row in rows}

    def set_meta(self, values: Mapping[str, Any]) -> None:
        with self._write():
            self._db.executemany(
                "INSERT OR REPLACE INTO run VALUES (?, ?)",
                [(k, _json(v)) for k, v in values.items()],
            )

    # -- trials and events -----------------------------------------------------

    def add_trial(
        self, term: str, derivation: Any, seed_of: Callable[[int], int]
    ) -> tuple[int, int]:
        """Record an ask: a new running trial and its ask event. Returns (id, seed);
        ``seed_of(id)`` gives the trial's seed."""
        now = time.time()
        with self._write():
            cursor = self._db.execute(
                "INSERT INTO trials (term, derivation, seed, status, asked_at) "
                "VALUES (?, ?, 0, 'running', ?)",
                (term, _json(derivation), now),
            )
            trial_id = cursor.lastrowid
            assert trial_id is not None
            seed = int(seed_of(trial_id))
            self._db.execute("UPDATE trials SET seed = ? WHERE id = ?", (seed, trial_id))
            self._db.execute(
                "INSERT INTO events (kind, trial_id, at) VALUES ('ask', ?, ?)", (trial_id, now)
            )
        return trial_id, seed

    def started(self, trial_id: int, worker: str) -> None:
        with self._write():
            self._db.execute(
                "UPDATE trials SET started_at = ?, worker = ? WHERE id = ?",
                (time.time(), worker, trial_id),
            )

    def finish(
        self,
        trial_id: int,
        *,
        status: str,
        value: float | None,
        metrics: Mapping[str, float] | None = None,
        error: str | None = None,
        worker: str | None = None,
        log: str | None = None,
        seconds: float | None = None,
    ) -> None:
        """Record a result: the trial's row and its tell event, in one transaction."""
        if value is not None and not math.isfinite(value):
            value = None
        clean = {k: float(v) for k, v in (metrics or {}).items() if math.isfinite(float(v))}
        now = time.time()
        with self._write():
            self._db.execute(
                "UPDATE trials SET status = ?, value = ?, metrics = ?, error = ?, "
                "worker = COALESCE(?, worker), log = ?, finished_at = ?, seconds = ? WHERE id = ?",
                (status, value, _json(clean), error, worker, log, now, seconds, trial_id),
            )
            self._db.execute(
                "INSERT INTO events (kind, trial_id, value, at) VALUES ('tell', ?, ?, ?)",
                (trial_id, value, now),
            )

    def set_weights(self, trial_id: int, name: str | None) -> None:
        with self._write():
            self._db.execute("UPDATE trials SET weights = ? WHERE id = ?", (name, trial_id))

    def interrupt(self, trial_ids: list[int]) -> None:
        """Mark running trials interrupted (rerun on --resume)."""
        with self._write():
            self._db.executemany(
                "UPDATE trials SET status = 'interrupted' WHERE id = ? AND status = 'running'",
                [(i,) for i in trial_ids],
            )

    def interrupt_running(self) -> list[int]:
        """Mark every running trial interrupted (the search holding the run stops); their ids."""
        with self._write():
            ids = [r[0] for r in self._db.execute("SELECT id FROM trials WHERE status = 'running'")]
            self._db.execute("UPDATE trials SET status = 'interrupted' WHERE status = 'running'")
        return ids

    def rerun(self, trial_id: int) -> None:
        """A running or interrupted trial starts again (one more attempt)."""
        with self._write():
            self._db.execute(
                "UPDATE trials SET status = 'running', attempts = attempts + 1, "
                "started_at = NULL, worker = NULL WHERE id = ?",
                (trial_id,),
            )

    def trials(self) -> list[TrialRecord]:
        return [TrialRecord.of_row(r) for r in self._read("SELECT * FROM trials ORDER BY id")]

    def trial(self, trial_id: int) -> TrialRecord | None:
        rows = self._read("SELECT * FROM trials WHERE id = ?", (trial_id,))
        return TrialRecord.of_row(rows[0]) if rows else None

    def events(self) -> list[Event]:
        rows = self._read("SELECT seq, kind, trial_id, value FROM events ORDER BY seq")
        return [Event(r["seq"], r["kind"], r["trial_id"], r["value"]) for r in rows]

    # -- plumbing --------------------------------------------------------------

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _database_error(self.path, exc) from None

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        with _transaction(self._db, self.path):
            yield


def _connect(path: Path, timeout: float = 10.0) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys = ON")
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        db.execute("PRAGMA synchronous = FULL")
    except sqlite3.DatabaseError as exc:
        raise _database_error(path, exc) from None
    if str(mode).lower() != "wal":
        db.close()
        raise search_error("E951", f"{path}: the run store cannot use WAL mode (got {mode})")
    return db


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection, where: Path) -> Iterator[None]:
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.DatabaseError as exc:
        raise _database_error(where, exc) from None
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    try:
        db.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        raise _database_error(where, exc) from None


def _check_schema(db: sqlite3.Connection, path: Path) -> None:
    try:
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"schema_version", "run", "trials", "events"} <= names:
            raise search_error("E951", f"{path} is not a nasc run store (its tables are missing)")
        row = db.execute("SELECT max(version) FROM schema_version").fetchone()
        problem = db.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise _database_error(path, exc) from None
    if problem != "ok":
        raise search_error("E951", f"{path} is damaged: {problem}")
    version = row[0]
    if version is None or version > SCHEMA_VERSION:
        raise search_error(
            "E957",
            f"{path} has schema version {version}; this nasc reads version {SCHEMA_VERSION}",
            "it was made by a newer nasc: open it with that version",
        )


def _database_error(path: Path, exc: sqlite3.DatabaseError) -> NascError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return search_error(
            "E952",
            f"{path} is locked by another process ({text})",
            "wait for the other nasc process to finish, or use another --out",
        )
    return search_error(
        "E951",
        f"{path} is not a readable nasc run store ({text})",
        "the file is corrupt or not a SQLite database: start a new run with another --out",
    )


def _take_lock(folder: Path) -> IO[str]:
    handle = open(folder / LOCK, "a+")  # noqa: SIM115 -- held until the store closes
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        owner = handle.read().strip() or "another process"
        handle.close()
        raise search_error(
            "E952",
            f"{folder} is in use by {owner}",
            "wait for that search to finish, or use another --out",
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"nasc search pid {os.getpid()}\n")
    handle.flush()
    return handle


__all__ = ["DATABASE", "LOCK", "RunStore"]
