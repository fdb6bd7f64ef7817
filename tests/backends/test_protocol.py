"""Every backend offers the one `Backend` protocol, and behaves by it: seeded builds,
weight sets in and out of live models, files written and read back, clear errors."""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pytest

from nasc.backends.weights import WeightSet, read_any_weights
from nasc.compiler.backend_registry import BUILTIN, Backend, load_backend
from nasc.compiler.graph import Graph, build
from nasc.compiler.graph.verify import verify
from nasc.dsl import NascError
from tests.backends.op_cases import lively
from tests.compiler.graph_cases import FIXED, example, mnist1d

PROTOCOL = ("build_module", "export", "read_weights", "weights_of", "missing_ops")


@pytest.fixture(scope="module")
def graph() -> Graph:
    graph = build(example("mnist1d"), FIXED["mnist1d"])
    assert verify(graph) == []
    return graph


def _same(a: WeightSet, b: WeightSet) -> bool:
    return sorted(a) == sorted(b) and all(np.array_equal(a[k], b[k]) for k in a)


def test_the_backend_has_every_part_of_the_protocol(backend: Backend) -> None:
    assert backend.NAME in BUILTIN and load_backend(backend.NAME) is backend
    assert backend.SUFFIXES and all(s.startswith(".") for s in backend.SUFFIXES)
    for part in PROTOCOL:
        signature = inspect.signature(getattr(Backend, part))
        names = [p for p in signature.parameters if p != "self"]
        # the protocol's parameters, by position and by name
        inspect.signature(getattr(backend, part)).bind(*names)
        inspect.signature(getattr(backend, part)).bind(**dict.fromkeys(names))


def test_a_seed_fixes_the_weights_of_a_build(backend: Backend, graph: Graph) -> None:
    assert backend.missing_ops(graph) == []
    first = backend.weights_of(backend.build_module(graph, 3), graph)
    again = backend.weights_of(backend.build_module(graph, seed=3), graph)
    other = backend.weights_of(backend.build_module(graph, 4), graph)
    assert _same(first, again) and not _same(first, other)


def test_weights_go_into_a_model_and_come_back_exactly(backend: Backend, graph: Graph) -> None:
    weights = lively(graph)
    model = backend.build_module(graph, 0, weights)
    assert _same(backend.weights_of(model, graph), weights)


def test_an_exported_file_reads_back_its_weights(
    backend: Backend, graph: Graph, tmp_path: Path
) -> None:
    weights = lively(graph, seed=2)
    path = tmp_path / f"trained{backend.SUFFIXES[0]}"
    backend.export(graph, path, 0, weights)
    assert _same(backend.read_weights(path, graph), weights)
    assert _same(read_any_weights(path, graph), weights)
    seeded = tmp_path / f"seeded{backend.SUFFIXES[0]}"
    backend.export(graph, seeded, seed=5)
    built = backend.weights_of(backend.build_module(graph, seed=5), graph)
    assert _same(backend.read_weights(seeded, graph), built)


def test_weights_of_another_architecture_are_refused(
    backend: Backend, graph: Graph, tmp_path: Path
) -> None:
    other = build(example("mnist1d"), mnist1d(block=1, down=0, head=1))
    assert verify(other) == []
    with pytest.raises(NascError) as caught:
        backend.build_module(graph, 0, lively(other))
    assert {d.code for d in caught.value.diagnostics} == {"E800"}
    path = tmp_path / f"other{backend.SUFFIXES[0]}"
    backend.export(other, path)
    with pytest.raises(NascError) as caught:
        backend.read_weights(path, graph)
    assert {d.code for d in caught.value.diagnostics} == {"E800"}
    with pytest.raises(NascError) as caught:
        backend.weights_of(backend.build_module(other), graph)
    assert {d.code for d in caught.value.diagnostics} == {"E800"}


def test_a_damaged_file_is_e801(backend: Backend, graph: Graph, tmp_path: Path) -> None:
    junk = tmp_path / f"junk{backend.SUFFIXES[0]}"
    junk.write_bytes(b"not a model")
    with pytest.raises(NascError) as caught:
        backend.read_weights(junk, graph)
    assert caught.value.diagnostics[0].code == "E801"


def test_weight_sets_and_files_of_no_known_suffix(graph: Graph, tmp_path: Path) -> None:
    weights = lively(graph, seed=4)
    weights.save(tmp_path / "w.npz")
    assert _same(read_any_weights(tmp_path / "w.npz", graph), weights)
    junk = tmp_path / "w.weights"
    junk.write_bytes(b"nothing that holds weights")
    with pytest.raises(NascError) as caught:
        read_any_weights(junk, graph)
    assert caught.value.diagnostics[0].code == "E801"
    assert "state dict" in caught.value.diagnostics[0].notes[0]


def test_a_torch_state_dict_of_any_name_is_read(graph: Graph, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch", reason="needs torch: pip install 'nasc[torch]'")
    weights = lively(graph, seed=6)
    module = load_backend("torch").build_module(graph, 0, weights)
    torch.save(module.state_dict(), tmp_path / "checkpoint.bin")
    assert _same(read_any_weights(tmp_path / "checkpoint.bin", graph), weights)
