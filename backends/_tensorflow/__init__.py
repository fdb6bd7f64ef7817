"""The TensorFlow backend: Graph -> Keras functional model, saved as `.keras`.

Keras runs on TensorFlow here unless ``KERAS_BACKEND`` says otherwise;
TensorFlow's start-up messages are kept to warnings unless
``TF_CPP_MIN_LOG_LEVEL`` is set.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from nasc.backends._tensorflow.layers import Elementwise, Scaled, Subsample, Zeros
from nasc.backends._tensorflow.model import build_module, export, missing_ops
from nasc.backends._tensorflow.table import TABLE
from nasc.backends._tensorflow.weights import read_weights, weights_from_model

NAME = "tensorflow"
SUFFIX = ".keras"

__all__ = [
    "NAME",
    "SUFFIX",
    "TABLE",
    "Elementwise",
    "Scaled",
    "Subsample",
    "Zeros",
    "build_module",
    "export",
    "missing_ops",
    "read_weights",
    "weights_from_model",
]
