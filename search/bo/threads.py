"""One thread for the BO's dense algebra.

The BO's matrices are small (a few hundred rows): BLAS threads only add hand-offs,
and on a loaded machine OpenBLAS's waiting threads cost more than the work (a
200 x 200 Cholesky measured at 0.7 s with two threads under load, 1 ms with one).
`single_threaded` limits BLAS/OpenMP pools (threadpoolctl) and torch to one thread
for its duration; results agree to rounding (the fits tested here are identical,
predictions within 1e-14).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from threadpoolctl import threadpool_limits


@contextmanager
def single_threaded() -> Iterator[None]:
    """BLAS, OpenMP and torch on one thread inside the block."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(threads)


__all__ = ["single_threaded"]
