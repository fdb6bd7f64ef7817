"""A dataset's splits as tensors on the training device, uploaded once per device."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from nasc.search.data import Dataset


@dataclass(frozen=True)
class ResidentData:
    """Every split on one device: batches are index selections, no loader, no workers."""

    x_train: Tensor
    y_train: Tensor
    x_val: Tensor
    y_val: Tensor
    x_test: Tensor | None
    y_test: Tensor | None

    @classmethod
    def of(cls, dataset: Dataset, device: torch.device) -> ResidentData:
        """The splits of ``dataset`` on ``device`` (on the CPU they share numpy's memory)."""

        def put(array: np.ndarray | None) -> Tensor | None:  # type: ignore[type-arg]
            if array is None:
                return None
            return torch.from_numpy(np.ascontiguousarray(array)).to(device)

        x_train, y_train = put(dataset.x_train), put(dataset.y_train)
        x_val, y_val = put(dataset.x_val), put(dataset.y_val)
        assert x_train is not None and y_train is not None
        assert x_val is not None and y_val is not None
        return cls(x_train, y_train, x_val, y_val, put(dataset.x_test), put(dataset.y_test))
