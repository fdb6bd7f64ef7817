"""ONNX external data, read only from inside the model's folder.

An ONNX tensor may keep its bytes in another file, named by a ``location`` relative
to the model. A model from elsewhere could name ``../../home/me/.ssh/id_rsa`` or an
absolute path, or a link out of the folder: such a tensor is refused, as is a
location that is not a regular file, or an ``offset``/``length`` outside the file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from onnx import ModelProto, TensorProto
from onnx.external_data_helper import uses_external_data

from nasc.backends.weight_files import WeightFileRefused, max_weight_bytes


def _tensors(model: ModelProto) -> list[TensorProto]:
    found = list(model.graph.initializer)
    for node in model.graph.node:
        found.extend(attr.t for attr in node.attribute if attr.HasField("t"))
    return found


def external_file(folder: Path, location: str) -> Path:
    """The file ``location`` names, when it is a regular file inside ``folder``."""
    if not location or "\0" in location:
        raise WeightFileRefused(f"external data has no usable location ({location!r})")
    if os.path.isabs(location):
        raise WeightFileRefused(f"external data '{location}' lies outside the model's folder")
    root = folder.resolve()
    target = (root / location).resolve()
    if root != target and root not in target.parents:
        raise WeightFileRefused(f"external data '{location}' lies outside the model's folder")
    try:
        mode = os.stat(target).st_mode
    except OSError as exc:
        raise WeightFileRefused(f"external data '{location}': {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise WeightFileRefused(f"external data '{location}' is not a regular file")
    return target


def load_external_data(model: ModelProto, folder: Path) -> None:
    """Read every external tensor of ``model`` into the model, from files in ``folder``."""
    for tensor in _tensors(model):
        if not uses_external_data(tensor):
            continue
        fields = {entry.key: entry.value for entry in tensor.external_data}
        target = external_file(folder, fields.get("location", ""))
        offset = int(fields.get("offset") or 0)
        size = target.stat().st_size
        length = int(fields["length"]) if fields.get("length") else size - offset
        if offset < 0 or length < 0 or offset + length > size or length > max_weight_bytes():
            raise WeightFileRefused(
                f"external data of '{tensor.name}' lies outside {target.name} ({size} bytes)"
            )
        with open(target, "rb") as handle:
            handle.seek(offset)
            tensor.raw_data = handle.read(length)
        tensor.data_location = TensorProto.DEFAULT
        del tensor.external_data[:]


__all__ = ["external_file", "load_external_data"]
