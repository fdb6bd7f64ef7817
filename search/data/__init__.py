"""Datasets that need no download, user data from files, and fitting a space to them.

>>> from nasc.search.data import load_dataset
>>> load_dataset("digits")
Dataset('digits', input [1, 8, 8], 10 classes, 1294/144/359 train/val/test)
"""

from nasc.search.data.dataset import Dataset
from nasc.search.data.fitting import fit_space
from nasc.search.data.loading import SPECS, load_dataset

__all__ = ["SPECS", "Dataset", "fit_space", "load_dataset"]
