"""MNIST-1D generated offline: the official split, bit-for-bit reproducible, cached."""

from __future__ import annotations

import random
import socket
from pathlib import Path

import numpy as np
import pytest

from nasc.search.data import load_dataset
from nasc.search.data import mnist1d as source
from nasc.search.data.cache import CACHE_ENV


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a socket fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("MNIST-1D generation tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_generation_is_the_official_split_and_reproducible_bit_for_bit(no_network: None) -> None:
    args = source.generation_args()
    first = source.generate(args)
    second = source.generate(args)
    for key in source.KEYS:
        assert first[key].dtype == second[key].dtype
        assert first[key].tobytes() == second[key].tobytes(), key
    # the MNIST-1D paper: 4,000 training and 1,000 test signals of 40 samples, 10 classes
    assert first["x"].shape == (4000, 40) and first["x_test"].shape == (1000, 40)
    assert sorted(set(first["y"].tolist())) == list(range(10))
    # 5,000 signals, 500 of each digit, before the split
    counts = np.bincount(np.concatenate([first["y"], first["y_test"]]))
    assert counts.tolist() == [500] * 10


def test_generation_leaves_the_global_random_state_alone() -> None:
    random.seed(7)
    np.random.seed(7)
    expected = (random.random(), np.random.rand())
    random.seed(7)
    np.random.seed(7)
    source.generate(source.generation_args())
    assert (random.random(), np.random.rand()) == expected


def test_the_arguments_are_the_package_defaults_without_the_download_url() -> None:
    from mnist1d.data import get_dataset_args

    defaults = get_dataset_args(as_dict=True)
    args = source.generation_args()
    assert "url" not in args
    assert args == {k: v for k, v in defaults.items() if k != "url"}
    assert args["num_samples"] == 5000 and args["train_split"] == 0.8
    assert args["final_seq_length"] == 40 and args["seed"] == 42


def test_cached_data_equals_a_fresh_generation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network: None
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    first = load_dataset("mnist1d")
    cached = list(tmp_path.glob("mnist1d-*.npz"))
    assert len(cached) == 1
    assert not list(tmp_path.glob(".*tmp"))  # the temporary file was renamed away
    again = load_dataset("mnist1d")
    assert again.fingerprint == first.fingerprint
    assert np.array_equal(again.x_train, first.x_train)
    generated = source.generate(source.generation_args())
    with np.load(cached[0], allow_pickle=False) as archive:
        for key in source.KEYS:
            assert archive[key].tobytes() == generated[key].tobytes()


def test_a_corrupt_cache_file_is_regenerated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    path = source.cache_path(source.generation_args())
    path.write_bytes(b"not a zip file")
    data = load_dataset("mnist1d")
    assert len(data.x_train) + len(data.x_val) == 4000
    with np.load(path, allow_pickle=False) as archive:
        assert archive["x"].shape == (4000, 40)


def test_the_cache_key_follows_the_arguments() -> None:
    args = source.generation_args()
    assert source.cache_path(args) == source.cache_path(dict(args))
    assert source.cache_path(args) != source.cache_path({**args, "seed": 43})


def test_dataset_splits_and_standardisation() -> None:
    data = load_dataset("mnist1d", seed=3)
    assert data.input_shape == (1, 40) and data.classes == 10
    assert (len(data.x_train), len(data.x_val)) == (3600, 400)
    assert data.x_test is not None and data.y_test is not None and len(data.x_test) == 1000
    assert data.x_train.dtype == np.float32 and data.y_train.dtype == np.int64
    assert abs(float(data.x_train.mean())) < 1e-5
    assert abs(float(data.x_train.std()) - 1.0) < 1e-4
    other = load_dataset("mnist1d", seed=4)
    assert other.fingerprint != data.fingerprint  # another validation split
    # the official test split never moves (its scaling follows the training statistics)
    assert np.array_equal(other.y_test, data.y_test)
    assert np.allclose(other.x_test, data.x_test, atol=0.02)
    assert load_dataset("mnist1d", seed=3).fingerprint == data.fingerprint
