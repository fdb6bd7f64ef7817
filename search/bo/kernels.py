"""The WL kernels as small gpytorch modules over precomputed, normalised Gram tables.

The WL features are discrete, so the kernel of two architectures is a fixed number
once their features are known: `FeatureStore` computes the cosine-normalised Gram
k̂_v of every view, and these modules only weight them. An input is the row index
of an architecture in the table (a float column, as gpytorch expects).

* `HierarchicalWLKernel`: k(x, x') = Σ_v softmax(θ)_v · k̂_v(x, x'), θ learned (hWL).
* `WLKernel`: one view's k̂ (the NAS-BOWL baseline on the final graph).
"""

from __future__ import annotations

from typing import Any

import gpytorch
import torch


class HierarchicalWLKernel(gpytorch.kernels.Kernel):  # type: ignore[misc]
    """Σ_v softmax(θ)_v · k̂_v over a table of normalised Grams of shape (V, N, N)."""

    has_lengthscale = False

    def __init__(self, table: torch.Tensor, learn_weights: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if table.dim() != 3 or table.shape[1] != table.shape[2]:
            raise ValueError(f"expected a (views, N, N) table, got {tuple(table.shape)}")
        self.table = table
        theta = torch.zeros(table.shape[0], dtype=table.dtype)
        if learn_weights and table.shape[0] > 1:
            self.register_parameter("raw_theta", torch.nn.Parameter(theta))
        else:
            self.register_buffer("raw_theta", theta)

    @property
    def weights(self) -> torch.Tensor:
        """softmax(θ): the view weights, summing to 1."""
        return torch.softmax(self.raw_theta, dim=0)

    def forward(
        self,
        x1: torch.Tensor,
        x2: torch.Tensor,
        diag: bool = False,
        last_dim_is_batch: bool = False,
        **params: Any,
    ) -> torch.Tensor:
        i1 = x1[..., 0].long()
        i2 = x2[..., 0].long()
        w = self.weights
        n = self.table.shape[1]
        if not diag and _is_range(i1, n) and _is_range(i2, n):
            return torch.einsum("v,vij->ij", w, self.table)
        if diag:
            picked = self.table[:, i1, i2]
            return torch.einsum("v,v...->...", w, picked)
        picked = self.table[:, i1][:, :, i2]
        return torch.einsum("v,vij->ij", w, picked)


def _is_range(index: torch.Tensor, n: int) -> bool:
    """Whether ``index`` is 0, 1, ..., n-1 (the whole table, no gather needed)."""
    if index.dim() != 1 or index.shape[0] != n:
        return False
    return bool(torch.equal(index, torch.arange(n, device=index.device)))


class WLKernel(HierarchicalWLKernel):
    """The single-view WL kernel k̂ (the NAS-BOWL baseline): a table of shape (1, N, N)."""

    def __init__(self, table: torch.Tensor, **kwargs: Any) -> None:
        if table.dim() == 2:
            table = table.unsqueeze(0)
        if table.shape[0] != 1:
            raise ValueError("WLKernel takes one view; use HierarchicalWLKernel for several")
        super().__init__(table, learn_weights=False, **kwargs)


__all__ = ["HierarchicalWLKernel", "WLKernel"]
