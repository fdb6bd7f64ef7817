import keras

from nasc.backends._tensorflow.builder import AS_IS


@keras.saving.register_keras_serializable(package="nasc_scale")
class ChannelScale(keras.layers.Layer):
    def __init__(self, width, offset, **kwargs):
        super().__init__(**kwargs)
        self.width, self.offset = width, offset
        self.scale = self.add_weight(shape=(width,), initializer="ones", name="weight")

    def call(self, x):
        return x * self.scale + self.offset

    def get_config(self):
        return {**super().get_config(), "width": self.width, "offset": self.offset}


def emit(b, i, node, shapes, xs):
    layer = b.layer(
        ChannelScale, i, "scale", width=shapes[0].features, offset=node.float_attr("offset")
    )
    y = layer(xs[0])
    b.load_parts(layer, i, [("weight", AS_IS)])
    return y
