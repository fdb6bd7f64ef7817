"""Weight files are data: a malicious file of every kind nasc reads never runs code.

Each hostile file carries a payload that creates a marker file when unpickled or
deserialised (the payload itself is shown to work, in a separate process); `nasc
compile --weights` must refuse the file with E801 (or read only its arrays), and
the marker must never appear. Garbage, truncated files, devices and FIFOs are
E801 diagnostics, never tracebacks.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from nasc.compiler.cli import main
from nasc.compiler.derive.terms import format_term
from nasc.compiler.graph import Graph, build
from tests.backends.op_cases import lively
from tests.compiler.graph_cases import example, example_path, mnist1d

torch = pytest.importorskip("torch", reason="needs torch: pip install 'nasc[torch]'")


class _Payload:
    """Unpickling this runs ``touch MARKER`` (what an attacker's file would do)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


def _space() -> tuple[Graph, str]:
    space, derivation = example("mnist1d"), mnist1d(block=1, down=0, head=1)
    return build(space, derivation), format_term(space, derivation)


def _compile(tmp_path: Path, weights: Path, backend: str = "torch") -> Any:
    _, term = _space()
    suffix = {"torch": ".pt2", "onnx": ".onnx", "tensorflow": ".keras"}[backend]
    args = ["compile", str(example_path("mnist1d")), "--arch", term, "--backend", backend]
    out = tmp_path / f"out{suffix}"
    return CliRunner().invoke(main, [*args, "-o", str(out), "--weights", str(weights)])


def _payload_works(tmp_path: Path) -> None:
    """The payload really creates a marker when unpickled (in another process)."""
    proof = tmp_path / "proof"
    data = pickle.dumps(_Payload(proof))
    subprocess.run([sys.executable, "-c", "import pickle,sys; pickle.loads(sys.stdin.buffer.read())"],
                   input=data, check=True)  # fmt: skip
    assert proof.exists()


def _refused(result: Any, marker: Path) -> None:
    assert not marker.exists(), "a weight file ran code"
    assert result.exit_code == 1, result.output
    assert "E801" in result.output and "Traceback" not in result.output


def _trained_pt2(tmp_path: Path) -> Path:
    graph, _ = _space()
    from nasc.backends._torch.export import export
    from nasc.backends._torch.weights import module_with_weights

    path = tmp_path / "trained.pt2"
    export(graph, path, module=module_with_weights(graph, lively(graph, seed=3)))
    return path


def test_a_pt2_whose_weights_are_pickled_is_refused_and_never_unpickled(tmp_path: Path) -> None:
    _payload_works(tmp_path)
    marker = tmp_path / "marker"
    good = _trained_pt2(tmp_path)
    evil = tmp_path / "evil.pt2"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(evil, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("model_weights_config.json"):
                config = json.loads(data)
                first = next(iter(config["config"].values()))
                first["use_pickle"] = True
                first["path_name"] = "evil"
                data = json.dumps(config).encode()
                folder = info.filename.rsplit("/", 1)[0]
                dst.writestr(f"{folder}/evil", pickle.dumps(_Payload(marker)))
            dst.writestr(info, data)
    result = _compile(tmp_path, evil)
    _refused(result, marker)
    assert "stored as a pickle" in result.output


def test_a_pt2_is_read_without_torch_export_load_and_matches_it(tmp_path: Path) -> None:
    from nasc.backends._torch.pt2 import read_state

    good = _trained_pt2(tmp_path)
    expected = torch.export.load(str(good)).state_dict
    state = read_state(good)
    assert set(state) == set(expected)
    for name, tensor in expected.items():
        np.testing.assert_array_equal(state[name], tensor.detach().numpy())
    result = _compile(tmp_path, good, "onnx")
    assert result.exit_code == 0, result.output


def test_a_pt2_view_past_its_storage_is_refused(tmp_path: Path) -> None:
    good = _trained_pt2(tmp_path)
    bad = tmp_path / "bad.pt2"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("model_weights_config.json"):
                config = json.loads(data)
                next(iter(config["config"].values()))["tensor_meta"]["storage_offset"] = {
                    "as_int": 10**12
                }
                data = json.dumps(config).encode()
            dst.writestr(info, data)
    result = _compile(tmp_path, bad)
    assert result.exit_code == 1 and "E801" in result.output and "storage" in result.output


@pytest.mark.parametrize("legacy", [False, True])
def test_a_pickled_object_in_a_pt_state_dict_never_runs(tmp_path: Path, legacy: bool) -> None:
    marker = tmp_path / "marker"
    evil = tmp_path / "evil.pt"
    torch.save(
        {"layers.0.weight": _Payload(marker)}, evil, _use_new_zipfile_serialization=not legacy
    )
    _refused(_compile(tmp_path, evil), marker)


def test_an_npz_with_an_object_array_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    evil = tmp_path / "evil.npz"
    objects = np.empty(1, dtype=object)
    objects[0] = _Payload(marker)
    np.savez(evil, **{"1/weight": objects})
    _refused(_compile(tmp_path, evil), marker)


def test_a_keras_file_whose_config_runs_code_gives_only_its_weights(tmp_path: Path) -> None:
    keras = pytest.importorskip("keras", reason="needs keras: pip install 'nasc[tensorflow]'")
    from nasc.backends import _tensorflow

    graph, _ = _space()
    marker = tmp_path / "marker"
    trained = tmp_path / "trained.keras"
    weights = lively(graph, seed=4)
    _tensorflow.export(graph, trained, weights=weights)
    # a model whose Lambda layer touches the marker when the model is rebuilt
    inputs = keras.Input(shape=(2,))
    command = f"touch {marker}"
    outputs = keras.layers.Lambda(lambda x: x + 0 * len(str(os.system(command))))(inputs)
    lambda_file = tmp_path / "lambda.keras"
    keras.Model(inputs, outputs).save(lambda_file)
    with zipfile.ZipFile(lambda_file) as src:
        lambda_layers = json.loads(src.read("config.json"))["config"]["layers"]
    with zipfile.ZipFile(trained) as src:
        config = json.loads(src.read("config.json"))
    config["config"]["layers"] += [
        layer for layer in lambda_layers if layer["class_name"] == "Lambda"
    ]
    evil_config = json.dumps(config).encode()
    assert b"Lambda" in evil_config
    evil = tmp_path / "evil.keras"
    with zipfile.ZipFile(trained) as src, zipfile.ZipFile(evil, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, evil_config if info.filename == "config.json" else src.read(info))
    marker.unlink(missing_ok=True)  # building the Lambda model above may have run it
    result = _compile(tmp_path, evil, "onnx")
    assert not marker.exists(), "a .keras config ran code"
    assert result.exit_code == 0, result.output
    from nasc.backends._onnx import weights_from_model

    onnx = pytest.importorskip("onnx")
    back = weights_from_model(onnx.load(str(tmp_path / "out.onnx")))
    assert all(np.array_equal(back[key], weights[key]) for key in weights)


def test_onnx_external_data_outside_the_model_folder_is_refused(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx", reason="needs onnx: pip install 'nasc[onnx]'")
    from onnx.external_data_helper import convert_model_to_external_data

    from nasc.backends._onnx import build_module

    graph, _ = _space()
    secret = tmp_path / "secret.bin"
    secret.write_bytes(os.urandom(1 << 16))
    folder = tmp_path / "models"
    folder.mkdir()
    model = build_module(graph, weights=lively(graph))
    convert_model_to_external_data(model, location="data.bin", size_threshold=0)
    onnx.save_model(model, str(folder / "inside.onnx"))
    assert _compile(tmp_path, folder / "inside.onnx").exit_code == 0  # inside: fine
    for location in ("../secret.bin", str(secret), "link.bin"):
        (folder / "link.bin").unlink(missing_ok=True)
        (folder / "link.bin").symlink_to(secret)
        evil = onnx.load_model(str(folder / "inside.onnx"), load_external_data=False)
        for tensor in evil.graph.initializer:
            for entry in tensor.external_data:
                if entry.key == "location":
                    entry.value = location
        onnx.save_model(evil, str(folder / "evil.onnx"))
        result = _compile(tmp_path, folder / "evil.onnx")
        assert result.exit_code == 1, (location, result.output)
        assert "E801" in result.output and "outside the model's folder" in result.output


def _truncated(path: Path) -> Path:
    data = path.read_bytes()
    cut = path.with_name("cut" + path.suffix)
    cut.write_bytes(data[: len(data) // 2])
    return cut


def test_garbage_truncated_and_special_files_are_e801(tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    pytest.importorskip("keras")
    good = _trained_pt2(tmp_path)
    garbage = tmp_path / "g"
    candidates = [_truncated(good)]
    for suffix in (".pt", ".pt2", ".npz", ".onnx", ".keras", ".pth"):
        path = garbage.with_suffix(suffix)
        path.write_bytes(b"\x80\x02garbage" * 7)
        candidates.append(path)
    empty = tmp_path / "empty.keras"
    empty.write_bytes(b"")
    candidates += [empty, Path("/dev/zero"), Path("/dev/null")]
    fifo = tmp_path / "fifo.pt"
    os.mkfifo(fifo)
    candidates.append(fifo)
    for path in candidates:
        result = _compile(tmp_path, path)
        assert result.exit_code == 1, (path, result.output)
        assert "E801" in result.output and "Traceback" not in result.output, path
        assert "File not found" not in result.output, path


def test_a_weight_file_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = _trained_pt2(tmp_path)
    monkeypatch.setenv("NASC_MAX_WEIGHT_BYTES", "1000")
    result = _compile(tmp_path, good)
    assert result.exit_code == 1 and "limit" in result.output and "E801" in result.output
