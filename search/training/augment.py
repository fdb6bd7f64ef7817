"""Data augmentation done on the device, drawn from the trial's generator."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

PAD = 4


def crop_flip(images: Tensor, generator: torch.Generator, pad: int = PAD) -> Tensor:
    """Each image of a batch [B, C, H, W] zero-padded by ``pad``, cropped back to H x W at
    a random offset, and mirrored left-right with probability 0.5.

    The random draws come from ``generator`` (on the CPU), so a seeded trial augments
    the same way on every device.
    """
    count, _, height, width = images.shape
    device = images.device
    offsets = torch.randint(0, 2 * pad + 1, (count, 2), generator=generator).to(device)
    flips = (torch.rand(count, generator=generator) < 0.5).to(device)
    rows = offsets[:, :1] + torch.arange(height, device=device)
    cols = offsets[:, 1:] + torch.arange(width, device=device)
    cols = torch.where(flips[:, None], cols.flip(1), cols)
    padded = F.pad(images, (pad, pad, pad, pad)).permute(0, 2, 3, 1)
    batch = torch.arange(count, device=device)[:, None, None]
    return padded[batch, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)
