"""A third-party plugin primitive for nasc's tests: y = x * weight[c] + offset."""

from nasc.compiler.plugins import PluginPrimitive
from nasc.compiler.shapes import ShapeError


def _shape(shape, params):
    if shape.layout != "channels":
        raise ShapeError(f"channel_scale needs a channels-first input, got {shape}")
    return shape


CHANNEL_SCALE = PluginPrimitive(
    name="channel_scale",
    params=(("offset", 0.0),),
    shape=_shape,
    doc="A learned scale per channel, then a constant offset.",
    tensors=lambda shape, params: [("weight", (shape.features,))],
    lowerings={
        "torch": "nasc_scale_torch:make",
        "onnx": "nasc_scale_onnx:emit",
        "tensorflow": "nasc_scale_keras:emit",
    },
)

TORCH_ONLY = PluginPrimitive(
    name="torch_only",
    params=(("offset", 0.0),),
    shape=_shape,
    tensors=lambda shape, params: [("weight", (shape.features,))],
    lowerings={"torch": "nasc_scale_torch:make"},
)

NOT_A_PLUGIN = 42
