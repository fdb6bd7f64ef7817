"""User data from .npz files and CIFAR batch folders: read, checked, never unpickled freely."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from nasc.dsl import NascError
from nasc.search.data import load_dataset


def code_and_message(exc: pytest.ExceptionInfo[NascError]) -> tuple[str, str]:
    diag = exc.value.diagnostics[0]
    return diag.code, " ".join((diag.message, *diag.notes))


def save(path: Path, **arrays: np.ndarray) -> str:
    np.savez(path, **arrays)
    return str(path)


def blobs(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=count)
    x = rng.normal(size=(count, 2, 6)) + y[:, None, None]
    return x.astype(np.float32), y


def test_npz_with_train_only_carves_validation(tmp_path: Path) -> None:
    x, y = blobs(50)
    data = load_dataset(save(tmp_path / "d.npz", x_train=x, y_train=y), seed=1, val_fraction=0.2)
    assert (len(data.x_train), len(data.x_val)) == (40, 10)
    assert data.x_test is None and data.y_test is None
    assert data.input_shape == (2, 6) and data.classes == 3
    # standardised per channel with the training statistics
    assert np.allclose(data.x_train.mean(axis=(0, 2)), 0, atol=1e-5)
    assert np.allclose(data.x_train.std(axis=(0, 2)), 1, atol=1e-4)
    # the carved split is a partition of the samples, drawn with the seed
    assert sorted(np.concatenate([data.y_train, data.y_val]).tolist()) == sorted(y.tolist())
    again = load_dataset(str(tmp_path / "d.npz"), seed=1, val_fraction=0.2)
    assert np.array_equal(again.x_val, data.x_val) and again.fingerprint == data.fingerprint
    other = load_dataset(str(tmp_path / "d.npz"), seed=2, val_fraction=0.2)
    assert other.fingerprint != data.fingerprint


def test_npz_with_every_split_keeps_them(tmp_path: Path) -> None:
    x, y = blobs(30)
    path = save(
        tmp_path / "d.npz",
        x_train=x[:20],
        y_train=y[:20],
        x_val=x[20:25],
        y_val=y[20:25],
        x_test=x[25:],
        y_test=y[25:],
    )
    data = load_dataset(path)
    assert (len(data.x_train), len(data.x_val), 0 if data.x_test is None else len(data.x_test)) == (
        20,
        5,
        5,
    )
    mean, std = x[:20].mean(axis=(0, 2)), x[:20].std(axis=(0, 2))
    expected = (x[25:] - mean[None, :, None]) / std[None, :, None]
    assert data.x_test is not None and np.allclose(data.x_test, expected, atol=1e-5)
    assert data.y_test is not None and data.y_test.tolist() == y[25:].tolist()


@pytest.mark.parametrize(
    ("arrays", "words"),
    [
        ({"x_train": np.zeros((4, 3))}, ["no key 'y_train'"]),
        (
            {"x_train": np.zeros((4, 3)), "y_train": np.zeros(4, np.int64), "x_tset": np.zeros(1)},
            ["unexpected key 'x_tset'"],
        ),
        (
            {"x_train": np.zeros((4, 3)), "y_train": np.zeros(4)},
            ["'y_train'", "float64", "integer class labels"],
        ),
        (
            {"x_train": np.zeros((4, 3)), "y_train": np.zeros(5, np.int64)},
            ["'y_train'", "shape [5]", "expected [4]"],
        ),
        ({"x_train": np.zeros(4), "y_train": np.zeros(4, np.int64)}, ["'x_train'", "shape [4]"]),
        (
            {"x_train": np.array([["a"] * 3] * 4), "y_train": np.zeros(4, np.int64)},
            ["'x_train'", "<U1", "expected numbers"],
        ),
        (
            {"x_train": np.zeros((4, 3)), "y_train": np.array([0, 1, -1, 0])},
            ["'y_train'", "label -1"],
        ),
        (
            {"x_train": np.full((4, 3), np.nan), "y_train": np.array([0, 1, 1, 0])},
            ["'x_train'", "NaN"],
        ),
        (
            {
                "x_train": np.zeros((20, 3)),
                "y_train": np.arange(20) % 2,
                "x_val": np.zeros((4, 5)),
                "y_val": np.zeros(4, np.int64),
            },
            ["'x_val'", "[5]", "expected [3]"],
        ),
        (
            {
                "x_train": np.zeros((20, 3)),
                "y_train": np.arange(20) % 2,
                "x_test": np.zeros((4, 3)),
                "y_test": np.array([0, 1, 2, 0]),
            },
            ["'y_test'", "label 2", "[0, 2)"],
        ),
        (
            {"x_train": np.zeros((20, 3)), "y_train": np.arange(20) % 2, "x_val": np.zeros((4, 3))},
            ["'x_val' is given without 'y_val'"],
        ),
        ({"x_train": np.zeros((20, 3)), "y_train": np.zeros(20, np.int64)}, ["single class"]),
    ],
)
def test_malformed_npz_names_file_key_and_expectation(
    tmp_path: Path, arrays: dict[str, np.ndarray], words: list[str]
) -> None:
    path = save(tmp_path / "bad.npz", **arrays)
    with pytest.raises(NascError) as caught:
        load_dataset(path)
    code, text = code_and_message(caught)
    assert code == "E931"
    assert path in text
    for word in words:
        assert word in text


def test_npz_with_pickled_objects_is_refused(tmp_path: Path) -> None:
    objects = np.array([{"a": 1}, None, 3], dtype=object)
    np.savez(tmp_path / "objects.npz", x_train=objects, y_train=np.zeros(3, np.int64))
    with pytest.raises(NascError) as caught:
        load_dataset(str(tmp_path / "objects.npz"))
    code, text = code_and_message(caught)
    assert code == "E931" and "'x_train'" in text and "unpickling" in text


@pytest.mark.parametrize(
    "spec", ["nosuch", "mnist2d", "missing.npz", "cifar10=", "cifar10=/nonexistent"]
)
def test_unknown_or_missing_datasets(spec: str) -> None:
    with pytest.raises(NascError) as caught:
        load_dataset(spec)
    code, text = code_and_message(caught)
    assert code == "E930"
    if "." not in spec and "=" not in spec:
        assert "mnist1d" in text and "PATH.npz" in text


def test_a_file_that_is_not_npz(tmp_path: Path) -> None:
    (tmp_path / "junk.npz").write_bytes(b"\x00" * 100)
    with pytest.raises(NascError) as caught:
        load_dataset(str(tmp_path / "junk.npz"))
    code, text = code_and_message(caught)
    assert code == "E930" and "junk.npz" in text


def test_digits_are_8x8_images_with_a_seeded_test_split() -> None:
    data = load_dataset("digits", seed=5)
    assert data.input_shape == (1, 8, 8) and data.classes == 10
    assert data.x_test is not None
    # scikit-learn's digits: 1,797 images
    assert len(data.x_train) + len(data.x_val) + len(data.x_test) == 1797
    assert load_dataset("digits", seed=5).fingerprint == data.fingerprint
    assert load_dataset("digits", seed=6).fingerprint != data.fingerprint


# ---- CIFAR -------------------------------------------------------------------------


def cifar_batch(
    path: Path, count: int, labels_key: bytes, classes: int, seed: int, protocol: int = 2
) -> None:
    """A batch as the CIFAR python version stores it: a pickled dict with bytes keys."""
    rng = np.random.default_rng(seed)
    batch = {
        b"batch_label": b"testing batch",
        labels_key: [int(v) for v in rng.integers(0, classes, size=count)],
        b"data": rng.integers(0, 256, size=(count, 3072), dtype=np.uint8),
        b"filenames": [f"img_{i}.png".encode() for i in range(count)],
    }
    path.write_bytes(pickle.dumps(batch, protocol=protocol))


def cifar10_folder(root: Path, protocol: int = 2) -> Path:
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for i in range(1, 6):
        cifar_batch(folder / f"data_batch_{i}", 6, b"labels", 10, i, protocol)
    cifar_batch(folder / "test_batch", 5, b"labels", 10, 0, protocol)
    return folder


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_cifar10_folder(tmp_path: Path, protocol: int) -> None:
    folder = cifar10_folder(tmp_path, protocol)
    for spec in (f"cifar10={tmp_path}", f"cifar10={folder}"):
        data = load_dataset(spec, val_fraction=0.2)
        assert data.name == "cifar10" and data.classes == 10
        assert data.input_shape == (3, 32, 32)
        assert (
            len(data.x_train),
            len(data.x_val),
            0 if data.x_test is None else len(data.x_test),
        ) == (24, 6, 5)
    # the rows hold 1024 red, then 1024 green, then 1024 blue values (row-major 32x32)
    batch = pickle.loads((folder / "test_batch").read_bytes())
    data = load_dataset(f"cifar10={folder}", val_fraction=0.2)
    assert data.y_test is not None and data.y_test.tolist() == batch[b"labels"]
    assert data.x_test is not None
    green = batch[b"data"][:, 1024:2048].reshape(-1, 32, 32).astype(np.float64)
    assert np.corrcoef(green.ravel(), data.x_test[:, 1].ravel())[0, 1] > 0.999


def test_cifar100_folder(tmp_path: Path) -> None:
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    cifar_batch(folder / "train", 20, b"fine_labels", 100, 1)
    cifar_batch(folder / "test", 4, b"fine_labels", 100, 2)
    data = load_dataset(f"cifar100={tmp_path}")
    assert data.classes == 100 and data.input_shape == (3, 32, 32)


class _CreatesMarker:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


class _RunsCommand:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("payload", [_CreatesMarker, _RunsCommand])
def test_a_malicious_cifar_pickle_runs_nothing(tmp_path: Path, payload: type) -> None:
    folder = cifar10_folder(tmp_path / "data")
    marker = tmp_path / "marker"
    evil = {b"data": np.zeros((1, 3072), np.uint8), b"labels": [payload(marker)]}
    (folder / "data_batch_3").write_bytes(pickle.dumps(evil, protocol=2))
    with pytest.raises(NascError) as caught:
        load_dataset(f"cifar10={folder}")
    code, text = code_and_message(caught)
    assert code == "E931" and "data_batch_3" in text and "refused" in text
    assert not marker.exists()


def test_malformed_cifar_batches(tmp_path: Path) -> None:
    folder = cifar10_folder(tmp_path)
    (folder / "data_batch_2").unlink()
    with pytest.raises(NascError) as caught:
        load_dataset(f"cifar10={folder}")
    assert code_and_message(caught)[0] == "E930" and "data_batch_2" in str(caught.value)
    cifar_batch(folder / "data_batch_2", 3, b"fine_labels", 10, 0)
    with pytest.raises(NascError) as caught:
        load_dataset(f"cifar10={folder}")
    code, text = code_and_message(caught)
    assert code == "E931" and "no key 'labels'" in text and "data_batch_2" in text
    (folder / "data_batch_2").write_bytes(
        pickle.dumps({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, protocol=2)
    )
    with pytest.raises(NascError) as caught:
        load_dataset(f"cifar10={folder}")
    assert "[2, 100]" in str(caught.value) and "[N, 3072]" in str(caught.value)
    (folder / "data_batch_2").write_bytes(b"garbage")
    with pytest.raises(NascError) as caught:
        load_dataset(f"cifar10={folder}")
    assert code_and_message(caught)[0] == "E931"
