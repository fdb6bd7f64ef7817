"""Parameter names inside a torch layer, and nasc's framework-neutral ones.

Most are the same; torch's `nn.Sequential` shortcut and `nn.MultiheadAttention`
name theirs otherwise.

>>> torch_name("shortcut.conv.weight"), neutral_name("attention.in_proj_weight")
('shortcut.0.weight', 'in_proj.weight')
"""

from __future__ import annotations

# torch's name inside a layer -> the neutral name (prefixes)
RENAMES = (
    ("shortcut.0.", "shortcut.conv."),
    ("shortcut.1.", "shortcut.bn."),
    ("attention.in_proj_weight", "in_proj.weight"),
    ("attention.in_proj_bias", "in_proj.bias"),
    ("attention.out_proj.", "out_proj."),
)


def neutral_name(name: str) -> str:
    """The neutral name of torch's ``name`` inside a layer."""
    for torch, neutral in RENAMES:
        if name.startswith(torch):
            return neutral + name[len(torch) :]
    return name


def torch_name(name: str) -> str:
    """Torch's name inside a layer for the neutral ``name``."""
    for torch, neutral in RENAMES:
        if name.startswith(neutral):
            return torch + name[len(neutral) :]
    return name


__all__ = ["RENAMES", "neutral_name", "torch_name"]
