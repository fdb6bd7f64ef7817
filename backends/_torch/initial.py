"""The initial tensors of a model's layers, made together once the model is laid out.

Layers ask for their tensors one by one while a model is built
(`Initial.uniform`, `Initial.constant`); layers made in bulk from a recipe
reserve theirs by kind (`Initial.reserve`) and take them once laid out
(`Initial.take`). `Initial.lay_out` then makes every tensor at once: one flat
buffer holds every parameter and another every buffer (running statistics);
tensors of the same kind, shape and value lie side by side, each such run cut
into its tensors by one torch call. Uniform tensors follow torch's default
layer initialisation, uniform in ±1/sqrt(fan_in); all their values come from one
seeded stream of random integers, drawn and scaled on a kept thread while the
layers are made (numpy lets go of the GIL for both), and waited for in
`Initial.finish`. A whole model's uniform tensors are instead left for
`nasc.backends._torch.neutral` to fill with the backend-neutral draw.

Making a few hundred tensors one by one costs more than drawing their values;
views of two buffers cost almost nothing. Views never overlap, and parameters
never share storage with buffers (torch.compile rejects that while training).
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, MutableMapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt
import torch
from torch import Tensor, nn

from nasc.backends.weights import INT32_SCALE, random_int32, scale_into

_T = TypeVar("_T")
Owner = MutableMapping[str, Any]  # a module's _parameters or _buffers

# below this many random values, drawing them on the building thread is cheaper than handing
# them over
_THREAD_FROM = 1 << 16


class Kind(NamedTuple):
    """What a tensor is made of: uniform in ±``value``, or ``value`` everywhere."""

    uniform: bool
    shape: tuple[int, ...]
    value: float
    trainable: bool


_make_subclass = torch.Tensor._make_subclass


# a uniform run to fill: its values, and the scale of the random integers it takes
_Fill = tuple[npt.NDArray[np.float32], float]


def _fill_uniform(seed: int, fills: Sequence[_Fill]) -> None:
    """Draw the random integers of every run in ``fills``, in order, and scale them in."""
    ints = random_int32(seed, sum(len(values) for values, _ in fills))
    start = 0
    for values, scale in fills:
        end = start + len(values)
        scale_into(ints[start:end], scale, values)
        start = end


class _Filler:
    """The thread that fills initial values, started with the first model and kept:
    starting one per model would cost more than a tenth of a millisecond each time.
    A forked child starts its own, since the parent's thread does not exist there."""

    def __init__(self) -> None:
        self.pool: ThreadPoolExecutor | None = None
        self.starting = threading.Lock()
        os.register_at_fork(after_in_child=self.forget)

    def submit(self, work: Callable[..., _T], *args: Any) -> Future[_T]:
        pool = self.pool
        if pool is None:
            with self.starting:  # models built on several threads at once start one pool
                if self.pool is None:
                    self.pool = ThreadPoolExecutor(1, thread_name_prefix="nasc-initial-fill")
                pool = self.pool
        return pool.submit(work, *args)

    def forget(self) -> None:
        self.pool = None
        self.starting = threading.Lock()


_FILLER = _Filler()


def in_background(values: int, work: Callable[..., _T], *args: Any) -> Future[_T]:
    """``work(*args)``, which draws ``values`` random values: on the kept thread when
    they are many, else done at once (a finished Future)."""
    if values >= _THREAD_FROM:
        return _FILLER.submit(work, *args)
    done: Future[_T] = Future()
    done.set_result(work(*args))
    return done


class Initial:
    """Collects the tensors the layers of one model need, then makes them all together.

    >>> initial = Initial(seed=0)
    >>> layer = nn.Module()
    >>> initial.uniform(layer._parameters, "weight", (4, 3), fan_in=3)
    >>> initial.constant(layer._buffers, "running_var", (4,), 1.0, trainable=False)
    >>> initial.finish()
    >>> bool(layer.weight.abs().max() <= 1 / 3**0.5), layer.running_var.tolist()
    (True, [1.0, 1.0, 1.0, 1.0])
    """

    def __init__(self, seed: int, draw: bool = True) -> None:
        self.seed = seed
        # False: uniform tensors are left unfilled, for the caller to fill (`NeutralDraw`)
        self.draw = draw
        self._slots: dict[Kind, list[tuple[Owner, str]]] = {}
        self._reserved: dict[Kind, int] = {}
        # after lay_out: the reserved tensors of each kind, and how many are taken
        self._tensors: dict[Kind, Sequence[Tensor]] = {}
        self._taken: dict[Kind, int] = {}
        self._filling: Future[None] | None = None
        self._laid_out = self._finished = False

    @classmethod
    def standalone(cls) -> Initial:
        """For a layer built on its own: seeded from torch's global generator."""
        return cls(int(torch.randint(0, 2**62, ())))

    def ask(self, owner: Owner, name: str, kind: Kind) -> None:
        """``owner[name]`` will be a tensor of ``kind`` (None until `lay_out`)."""
        if self._laid_out:
            raise RuntimeError("this Initial is laid out: ask before lay_out")
        owner[name] = None  # holds the name's place, so tensors keep the order asked in
        slots = self._slots.get(kind)
        if slots is None:
            slots = self._slots[kind] = []
        slots.append((owner, name))

    def uniform(self, owner: Owner, name: str, shape: tuple[int, ...], fan_in: int) -> None:
        """A trainable tensor ``owner[name]`` uniform in ±1/sqrt(fan_in)."""
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        self.ask(owner, name, Kind(True, shape, bound, True))

    def constant(
        self,
        owner: Owner,
        name: str,
        shape: tuple[int, ...],
        value: float,
        trainable: bool = True,
    ) -> None:
        """A tensor ``owner[name]`` filled with ``value``: a parameter when
        ``trainable``, otherwise a buffer."""
        self.ask(owner, name, Kind(False, shape, value, trainable))

    def reserve(self, kind: Kind, count: int) -> None:
        """``count`` tensors of ``kind`` to be taken after `lay_out`."""
        if self._laid_out:
            raise RuntimeError("this Initial is laid out: reserve before lay_out")
        self._reserved[kind] = self._reserved.get(kind, 0) + count

    def asked(self, owner: Owner) -> dict[str, Kind]:
        """What was asked for ``owner``, by name."""
        return {
            name: kind
            for kind, slots in self._slots.items()
            for asker, name in slots
            if asker is owner
        }

    def lay_out(self) -> None:
        """Make every tensor asked for or reserved and put the asked ones in place;
        their values are filled in by the time `finish` returns."""
        if self._laid_out:
            raise RuntimeError("this Initial is already laid out")
        self._laid_out = True
        counts = {kind: len(slots) for kind, slots in self._slots.items()}
        for kind, count in self._reserved.items():
            counts[kind] = counts.get(kind, 0) + count
        # uniform runs first, parameters before buffers: the random stream's order;
        # uniform runs of the same bound side by side, each group scaled by one call
        order = sorted(
            counts,
            key=lambda kind: (not kind.trainable, not kind.uniform, kind.value * kind.uniform),
        )
        fills: list[_Fill] = []
        views: list[tuple[Kind, Tensor]] = []
        for trainable in (True, False):
            runs = [kind for kind in order if kind.trainable is trainable]
            sizes = [counts[kind] * math.prod(kind.shape) for kind in runs]
            flat = torch.empty(sum(sizes))
            values = flat.numpy()
            start = 0
            uniform: list[list[Any]] = []  # [start, end, bound] of runs of the same bound
            for kind, size, run in zip(runs, sizes, flat.split_with_sizes(sizes), strict=True):
                end = start + size
                if not kind.uniform:
                    values[start:end] = kind.value
                elif uniform and uniform[-1][1] == start and uniform[-1][2] == kind.value:
                    uniform[-1][1] = end
                else:
                    uniform.append([start, end, kind.value])
                views.append((kind, run))
                start = end
            fills += [(values[a:b], bound * INT32_SCALE) for a, b, bound in uniform]
        # the values are drawn while the tensors and layers are made
        if self.draw and sum(len(values) for values, _ in fills) >= _THREAD_FROM:
            self._filling = _FILLER.submit(_fill_uniform, self.seed, fills)
        elif self.draw:
            _fill_uniform(self.seed, fills)
        for kind, run in views:
            tensors: Sequence[Tensor] = run.view(counts[kind], *kind.shape).unbind(0)
            if kind.trainable:
                tensors = [_make_subclass(nn.Parameter, tensor, True) for tensor in tensors]
            slots = self._slots.get(kind, ())
            for (owner, name), tensor in zip(slots, tensors, strict=False):
                owner[name] = tensor
            if kind in self._reserved:
                self._tensors[kind] = tensors
                self._taken[kind] = len(slots)

    def take(self, kind: Kind, count: int) -> Sequence[Tensor]:
        """The next ``count`` reserved tensors of ``kind`` (after `lay_out`)."""
        start = self._taken[kind]
        end = self._taken[kind] = start + count
        tensors = self._tensors[kind]
        if end > len(tensors):
            raise RuntimeError(f"more tensors of {kind} taken than reserved")
        return tensors[start:end]

    def finish(self) -> None:
        """Lay out if not yet done, and wait until every tensor holds its values."""
        if self._finished:
            raise RuntimeError("the tensors of this Initial are already made")
        self._finished = True
        if not self._laid_out:
            self.lay_out()
        untaken = [
            kind for kind, tensors in self._tensors.items() if self._taken[kind] != len(tensors)
        ]
        if self._filling is not None:
            self._filling.result()
        if untaken:
            raise RuntimeError(f"tensors reserved but not taken: {untaken}")
