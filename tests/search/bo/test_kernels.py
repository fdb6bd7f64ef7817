"""Kernel properties on random hNB201 architectures, and the gpytorch modules."""

from __future__ import annotations

import numpy as np
import torch

from nasc.compiler import Derivation, Space
from nasc.search.bo.features import FeatureStore
from nasc.search.bo.kernels import HierarchicalWLKernel, WLKernel
from nasc.search.bo.views import SINGLE_WL, ViewSpec


def hwl_table(space: Space, ds: list[Derivation], final_h: int = 2) -> np.ndarray:
    store = FeatureStore(space, ViewSpec())
    raw, diag, _ = store.raw_grams(ds)
    return store.view_grams(raw, diag, diag, final_h)


def test_view_grams_are_symmetric_psd_with_unit_diagonal(
    hnb201: Space, architectures: list[Derivation]
) -> None:
    ds = [*architectures, architectures[0]]  # one repeat: identical architectures
    grams = hwl_table(hnb201, ds)
    assert grams.shape == (6, len(ds), len(ds))
    for gram in grams:
        assert np.allclose(gram, gram.T, atol=1e-12)
        assert np.allclose(np.diag(gram), 1.0, atol=1e-12)
        assert np.linalg.eigvalsh(gram).min() > -1e-9
        assert np.all(gram <= 1 + 1e-12) and np.all(gram >= 0)
        assert abs(gram[0, -1] - 1.0) < 1e-12  # the same architecture twice


def test_distinct_architectures_are_not_identical(
    hnb201: Space, architectures: list[Derivation]
) -> None:
    final = hwl_table(hnb201, architectures, final_h=4)[0]
    off = final[~np.eye(len(architectures), dtype=bool)]
    assert off.max() < 1.0


def test_hierarchical_kernel_weights_sum_to_one_and_mix_views(
    hnb201: Space, architectures: list[Derivation]
) -> None:
    table = torch.from_numpy(hwl_table(hnb201, architectures))
    kernel = HierarchicalWLKernel(table).double()
    with torch.no_grad():
        kernel.raw_theta.copy_(torch.tensor([0.3, -1.0, 2.0, 0.0, 0.5, -0.2]))
    weights = kernel.weights
    assert abs(float(weights.sum()) - 1.0) < 1e-12
    x = torch.arange(len(architectures), dtype=torch.float64).unsqueeze(-1)
    k = kernel(x, x).to_dense()
    expected = torch.einsum("v,vij->ij", weights, table)
    assert torch.allclose(k, expected, atol=1e-12)
    assert torch.allclose(torch.diagonal(k), torch.ones(len(architectures), dtype=torch.float64))
    assert float(torch.linalg.eigvalsh(k).min()) > -1e-9
    sub = kernel(x[[3, 1]], x[[5, 0, 2]]).to_dense()  # gathered rows and columns
    assert torch.allclose(sub, expected[[3, 1]][:, [5, 0, 2]])


def test_single_wl_kernel_is_the_final_graph_view(
    hnb201: Space, architectures: list[Derivation]
) -> None:
    store = FeatureStore(hnb201, SINGLE_WL)
    raw, diag, _ = store.raw_grams(architectures)
    gram = store.view_grams(raw, diag, diag, 3)
    kernel = WLKernel(torch.from_numpy(gram[0])).double()
    assert abs(float(kernel.weights.sum()) - 1.0) < 1e-12
    x = torch.arange(len(architectures), dtype=torch.float64).unsqueeze(-1)
    assert torch.allclose(kernel(x, x).to_dense(), torch.from_numpy(gram[0]))
    assert not any(p.requires_grad for p in kernel.parameters())
