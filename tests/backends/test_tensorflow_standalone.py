"""Keras files and SavedModels that load where nasc is not installed.

Each model is written by nasc, then loaded and run in a fresh Python process in
which importing nasc fails, and its outputs compared with the torch model's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("keras", reason="needs keras: pip install 'nasc[tensorflow]'")
torch = pytest.importorskip("torch", reason="needs torch: pip install 'nasc[torch]'")

from click.testing import CliRunner  # noqa: E402

from nasc.backends import _tensorflow  # noqa: E402
from nasc.backends._tensorflow.model import needs_nasc  # noqa: E402
from nasc.backends._torch.weights import module_with_weights  # noqa: E402
from nasc.compiler import load  # noqa: E402
from nasc.compiler.cli import main  # noqa: E402
from nasc.compiler.derive.derivation import Derivation  # noqa: E402
from nasc.compiler.derive.terms import format_term  # noqa: E402
from nasc.compiler.graph import Graph, IROp, build  # noqa: E402
from nasc.dsl import NascError  # noqa: E402
from tests.backends.op_cases import inputs, lively, relative_error  # noqa: E402
from tests.compiler.graph_cases import CONV1, CONV3, ID, POOL, ZERO, example, example_path, nb201  # noqa: E402

# a process where `import nasc` fails; it loads argv[2] (keras or savedmodel) at argv[3]
# and writes its output on argv[4] (a .npy file) for the input argv[5]
RUNNER = """
import importlib.abc, sys

class NoNasc(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "nasc" or name.startswith("nasc."):
            raise ModuleNotFoundError(f"No module named {name!r}")

sys.meta_path.insert(0, NoNasc())
try:
    import nasc  # noqa: F401
except ImportError:
    pass
else:
    raise SystemExit("nasc is importable")
import numpy as np

kind, path, out, x = sys.argv[1:5]
x = np.load(x)
if kind == "keras":
    import keras
    y = keras.saving.load_model(path)(x, training=False)
else:
    import tensorflow as tf
    served = tf.saved_model.load(path)  # held: its functions use its variables
    y = served.serve(x)
np.save(out, np.asarray(y))
"""

# NB201 with zero-fed ops (zero nodes), pools, skips, 1x1 and 3x3 convs, the NB201 block
CELL = (ZERO, CONV3, CONV1, ID, POOL, CONV3)


@pytest.fixture(scope="module")
def nb201_graph() -> Graph:
    return build(example("nb201"), nb201(CELL))


def _images(alt_text: str) -> Graph:
    """The graph of the images op space's alternative that reads ``alt_text``."""
    from nasc.compiler.space import template_text
    from tests.conftest import ROOT

    space = load(str(ROOT / "tests" / "backends" / "spaces" / "images.nas"))
    texts = [template_text(a.template) for a in space.rule("NET").alternatives]
    return build(space, Derivation("NET", texts.index(alt_text)))


def _run_without_nasc(kind: str, path: Path, x: np.ndarray, tmp_path: Path) -> np.ndarray:
    np.save(tmp_path / "x.npy", x)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            RUNNER,
            kind,
            str(path),
            str(tmp_path / "y.npy"),
            str(tmp_path / "x.npy"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return np.load(tmp_path / "y.npy")


def _torch_output(graph: Graph, x: np.ndarray) -> np.ndarray:
    model = module_with_weights(graph, lively(graph)).eval()
    with torch.no_grad():
        out: np.ndarray = model(torch.from_numpy(x)).numpy()
    return out


@pytest.mark.parametrize("suffix", [".keras", ".savedmodel"])
def test_nb201_loads_and_computes_without_nasc(
    nb201_graph: Graph, suffix: str, tmp_path: Path
) -> None:
    assert IROp.ZERO in nb201_graph.ops() and needs_nasc(nb201_graph) == []
    path = tmp_path / f"model{suffix}"
    _tensorflow.export(nb201_graph, path, weights=lively(nb201_graph))
    x = inputs(nb201_graph, batch=2)
    got = _run_without_nasc(suffix[1:], path, x, tmp_path)
    assert relative_error(got, _torch_output(nb201_graph, x)) < 1e-4


@pytest.mark.parametrize(
    "alt",
    [
        "conv(8, kernel=3, stride=2, dilation=2)",
        "Sequential(avg_pool(kernel=2, stride=1), avg_pool(kernel=3, stride=2))",
        "Sequential(avg_pool(kernel=2, stride=1), max_pool(kernel=3, stride=2))",
        "Concat(zero, conv1x1)",
        "Bin(div, neg, sin)",
        "sinc",
    ],
)
def test_keras_files_of_built_in_layers_and_ops_load_without_nasc(alt: str, tmp_path: Path) -> None:
    graph = _images(alt)
    assert needs_nasc(graph) == []
    path = tmp_path / "model.keras"
    _tensorflow.export(graph, path, weights=lively(graph))
    x = inputs(graph, batch=2)
    got = _run_without_nasc("keras", path, x, tmp_path)
    assert relative_error(got, _torch_output(graph, x)) < 1e-5


def test_learned_tokens_need_nasc_in_a_keras_file_but_not_in_a_saved_model(
    tmp_path: Path,
) -> None:
    graph = _images("Sequential(tokens, cls_token, pos_embed, cls_pool)")
    assert needs_nasc(graph) == [IROp.CLS_TOKEN, IROp.POS_EMBED]  # cls_pool is Keras's own
    _tensorflow.export(graph, tmp_path / "model.savedmodel", weights=lively(graph))
    x = inputs(graph, batch=2)
    got = _run_without_nasc("savedmodel", tmp_path / "model.savedmodel", x, tmp_path)
    assert relative_error(got, _torch_output(graph, x)) < 1e-5


def test_learned_scalars_need_nasc_in_a_keras_file_but_not_in_a_saved_model(
    tmp_path: Path,
) -> None:
    graph = _images("mconst")
    assert needs_nasc(graph) == [IROp.MCONST]
    _tensorflow.export(graph, tmp_path / "model.keras", weights=lively(graph))
    np.save(tmp_path / "x.npy", inputs(graph, batch=2))
    args = ["keras", "model.keras", "y.npy", "x.npy"]
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, *args], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode != 0 and "Scaled" in done.stderr
    _tensorflow.export(graph, tmp_path / "model.savedmodel", weights=lively(graph))
    x = inputs(graph, batch=2)
    got = _run_without_nasc("savedmodel", tmp_path / "model.savedmodel", x, tmp_path)
    assert relative_error(got, _torch_output(graph, x)) < 1e-5


def _compile(backend: str, output: Path) -> tuple[int, str]:
    space = example("nb201")
    term = format_term(space, nb201(CELL))
    args = ["compile", str(example_path("nb201")), "--arch", term, "--backend", backend]
    result = CliRunner().invoke(main, [*args, "-o", str(output)])
    return result.exit_code, result.output


def test_compile_writes_a_saved_model_into_a_directory(tmp_path: Path) -> None:
    (tmp_path / "served").mkdir()
    code, output = _compile("tensorflow", tmp_path / "served")
    assert code == 0, output
    assert (tmp_path / "served" / "saved_model.pb").is_file()
    code, output = _compile("tensorflow", tmp_path / "m.savedmodel")
    assert code == 0, output
    assert (tmp_path / "m.savedmodel" / "saved_model.pb").is_file()


@pytest.mark.parametrize(
    ("backend", "named"),
    [("torch", "model.pt2"), ("onnx", "model.onnx"), ("tensorflow", "model.keras")],
)
def test_an_output_without_the_backends_suffix_is_refused(
    backend: str, named: str, tmp_path: Path
) -> None:
    code, output = _compile(backend, tmp_path / "model")
    assert code != 0 and "E802" in output and named in output, output
    assert not (tmp_path / "model").exists()


def test_a_saved_model_is_not_written_over_a_file(nb201_graph: Graph, tmp_path: Path) -> None:
    (tmp_path / "m.savedmodel").write_text("not a directory")
    with pytest.raises(NascError) as caught:
        _tensorflow.export(nb201_graph, tmp_path / "m.savedmodel")
    assert caught.value.diagnostics[0].code == "E802"
