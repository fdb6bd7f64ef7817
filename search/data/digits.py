"""scikit-learn's bundled 8x8 handwritten digits (1,797 images, 10 classes): no download."""

from __future__ import annotations

import numpy as np

from nasc.search.data.dataset import RawSplits

# the digits have no official test split: this share of them, drawn with the seed, is held out
TEST_FRACTION = 0.2


def read(seed: int) -> RawSplits:
    """The digits as [samples, 1, 8, 8] images (pixel values 0-16), a test split held out."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.asarray(digits.images, dtype=np.float64)[:, None, :, :]
    labels = np.asarray(digits.target, dtype=np.int64)
    order = np.random.default_rng([seed, 1]).permutation(len(labels))
    test = round(len(labels) * TEST_FRACTION)
    held, kept = order[:test], order[test:]
    return RawSplits(
        origin="digits",
        x_train=images[kept],
        y_train=labels[kept],
        x_test=images[held],
        y_test=labels[held],
    )
