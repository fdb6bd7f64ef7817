"""`nasc export`: a finished trial's model with its trained weights, through the Backend protocol."""

from __future__ import annotations

from pathlib import Path

from nasc.backends.weights import read_weights
from nasc.compiler import Graph, build, from_json, load_backend
from nasc.search.errors import search_error
from nasc.search.source import SpaceSource
from nasc.search.store import RunStore, TrialRecord


def run_space(store: RunStore) -> SpaceSource:
    """The space a run searched, from the texts its store keeps."""
    meta = store.meta()
    settings = meta.get("settings", {})
    return SpaceSource(
        meta["space_path"],
        meta["space_text"],
        meta.get("space_imports", {}),
        settings.get("overrides", {}),
    )


def chosen_trial(store: RunStore, trial_id: int | None) -> TrialRecord:
    """The trial ``trial_id``, or the best finished one."""
    if trial_id is not None:
        record = store.trial(trial_id)
        if record is None:
            raise search_error("E972", f"{store.folder} has no trial {trial_id}")
        return record
    done = [t for t in store.trials() if t.status == "done" and t.value is not None]
    if not done:
        raise search_error("E972", f"{store.folder} has no finished trial to export")
    return min(done, key=lambda t: (t.value, t.finished_at or 0.0, t.id))


def trained_graph(run: Path, trial_id: int | None) -> tuple[Graph, TrialRecord, Path]:
    """The graph of the chosen trial and the path of its weight set."""
    with RunStore.open(run, lock=False) as store:
        record = chosen_trial(store, trial_id)
        space = run_space(store).load()
    if record.status != "done":
        raise search_error("E973", f"trial {record.id} is {record.status}: it has no trained model")
    if not record.weights:
        raise search_error(
            "E973",
            f"trial {record.id} kept no weights",
            "the run keeps the best trial's weights by default (--keep-weights best); "
            "search with --keep-weights all to export any trial",
        )
    graph = build(space, from_json(space, record.derivation))
    return graph, record, run / record.weights


def export_trial(run: Path, backend: str, output: Path, trial_id: int | None) -> Path:
    """Write the trial's ``backend`` model with its trained weights to ``output``."""
    graph, record, weights_path = trained_graph(run, trial_id)
    weights = read_weights(weights_path, graph)
    load_backend(backend).export(graph, output, seed=record.seed, weights=weights)
    return output


__all__ = ["chosen_trial", "export_trial", "run_space", "trained_graph"]
