"""The PyTorch backend: Graph -> torch.nn.Module, and export to a file torch alone loads."""

from nasc.backends._torch.export import export
from nasc.backends._torch.model import GraphModule, build_module, missing_ops
from nasc.backends._torch.table import TABLE

NAME = "torch"
SUFFIX = ".pt2"

__all__ = ["NAME", "SUFFIX", "TABLE", "GraphModule", "build_module", "export", "missing_ops"]
