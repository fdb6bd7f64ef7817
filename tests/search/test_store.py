"""The SQLite run store: durable settings, clear errors, and no lost writes."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from nasc.dsl import NascError
from nasc.search.store import DATABASE, SCHEMA_VERSION, RunStore, keep_weights


def code(caught: pytest.ExceptionInfo[NascError]) -> str:
    return caught.value.diagnostics[0].code


def test_pragmas_and_schema_version(tmp_path: Path) -> None:
    with RunStore.create(tmp_path / "run", {"seed": 0}):
        pass
    db = sqlite3.connect(tmp_path / "run" / DATABASE)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    db.close()
    with RunStore.open(tmp_path / "run") as store:
        assert store._db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store._db.execute("PRAGMA synchronous").fetchone()[0] >= 1  # NORMAL or FULL


def test_trials_and_events_round_trip(tmp_path: Path) -> None:
    with RunStore.create(tmp_path, {"settings": {"epochs": 1}}) as store:
        first, seed = store.add_trial("relu", {"nt": "OP"}, lambda i: 100 + i)
        second, _ = store.add_trial("gelu", {"nt": "OP"}, lambda i: 100 + i)
        store.finish(second, status="done", value=0.25, metrics={"val_error": 0.25}, worker="w")
        store.finish(first, status="failed", value=None, error="boom")
    with RunStore.open(tmp_path) as store:
        trials = store.trials()
        assert (first, seed) == (1, 101)
        assert [(t.id, t.status, t.value, t.error) for t in trials] == [
            (1, "failed", None, "boom"),
            (2, "done", 0.25, None),
        ]
        assert [(e.kind, e.trial_id) for e in store.events()] == [
            ("ask", 1),
            ("ask", 2),
            ("tell", 2),
            ("tell", 1),
        ]
        assert store.meta()["settings"] == {"epochs": 1}


def test_an_existing_run_is_not_overwritten(tmp_path: Path) -> None:
    RunStore.create(tmp_path, {}).close()
    with pytest.raises(NascError) as caught:
        RunStore.create(tmp_path, {})
    assert code(caught) == "E955"


def test_a_run_folder_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(NascError) as caught:
        RunStore.create(tmp_path / "file" / "run", {})
    assert code(caught) == "E956"


def test_a_missing_run_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NascError) as caught:
        RunStore.open(tmp_path)
    assert code(caught) == "E950"


def test_a_corrupt_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / DATABASE).write_bytes(b"this is no database " * 400)
    with pytest.raises(NascError) as caught:
        RunStore.open(tmp_path)
    assert code(caught) == "E951"
    assert "corrupt" in str(caught.value.diagnostics[0].notes)


def test_a_truncated_store_is_a_clear_error(tmp_path: Path) -> None:
    with RunStore.create(tmp_path, {}) as store:
        for i in range(200):
            store.add_trial(f"t{i}" * 50, {}, lambda i: i)
    data = (tmp_path / DATABASE).read_bytes()
    for name in (DATABASE + "-wal", DATABASE + "-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    (tmp_path / DATABASE).write_bytes(data[:4096] + b"\0" * 4096)
    with pytest.raises(NascError) as caught:
        RunStore.open(tmp_path)
    assert code(caught) == "E951"


def test_a_sqlite_file_of_something_else_is_refused(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / DATABASE)
    db.execute("CREATE TABLE other (x)")
    db.commit()
    db.close()
    with pytest.raises(NascError) as caught:
        RunStore.open(tmp_path)
    assert code(caught) == "E951"


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    RunStore.create(tmp_path, {}).close()
    db = sqlite3.connect(tmp_path / DATABASE)
    db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    db.commit()
    db.close()
    with pytest.raises(NascError) as caught:
        RunStore.open(tmp_path)
    assert code(caught) == "E957"
    assert "newer nasc" in caught.value.diagnostics[0].notes[0]


def test_a_run_in_use_is_refused(tmp_path: Path) -> None:
    with RunStore.create(tmp_path, {}), pytest.raises(NascError) as caught:
        RunStore.open(tmp_path)
    assert code(caught) == "E952"
    assert "in use by nasc search pid" in caught.value.diagnostics[0].message


def test_a_locked_database_is_a_clear_error(tmp_path: Path) -> None:
    RunStore.create(tmp_path, {}).close()
    other = sqlite3.connect(tmp_path / DATABASE, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with RunStore.open(tmp_path, timeout=0.2) as store, pytest.raises(NascError) as caught:
            store.add_trial("relu", {}, lambda i: i)
        assert code(caught) == "E952"
    finally:
        other.execute("ROLLBACK")
        other.close()


def _writer(folder: str, name: str, count: int) -> None:
    with RunStore.open(folder, lock=False, timeout=30) as store:
        for i in range(count):
            trial_id, _ = store.add_trial(f"{name}-{i}", {}, lambda t: t)
            store.started(trial_id, name)
            store.finish(trial_id, status="done", value=i / count, metrics={"i": i}, worker=name)


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    RunStore.create(tmp_path, {}, lock=False).close()
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_writer, args=(str(tmp_path), f"w{k}", 25)) for k in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
        assert writer.exitcode == 0
    with RunStore.open(tmp_path) as store:
        trials = store.trials()
        events = store.events()
    assert len(trials) == 100
    assert sorted(t.term for t in trials) == sorted(
        f"w{k}-{i}" for k in range(4) for i in range(25)
    )
    assert all(t.status == "done" and t.worker == t.term.split("-")[0] for t in trials)
    assert len(events) == 200
    first_seen: dict[int, str] = {}
    for event in events:
        first_seen.setdefault(event.trial_id, event.kind)
    assert set(first_seen.values()) == {"ask"}


def test_best_weights_only_the_best_file_stays(tmp_path: Path) -> None:
    with RunStore.create(tmp_path, {}) as store:
        a, _ = store.add_trial("a", {}, lambda i: i)
        b, _ = store.add_trial("b", {}, lambda i: i)
        keep_weights(store, "best", a, b"A", None, True)
        keep_weights(store, "best", b, b"B", a, True)
        assert store.trial(a).weights is None  # type: ignore[union-attr]
        name = store.trial(b).weights  # type: ignore[union-attr]
        assert name is not None and (tmp_path / name).read_bytes() == b"B"
        assert sorted(p.name for p in (tmp_path / "weights").iterdir()) == ["trial-2.npz"]
