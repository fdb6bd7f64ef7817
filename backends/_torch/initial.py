"""The initial tensors of a model's layers, made together once the layers exist.

Layers ask for their tensors while a model is built (`Initial.uniform`,
`Initial.constant`); `Initial.finish` then makes them all at once. One flat
buffer holds every parameter and another every buffer (running statistics);
tensors of the same kind, shape and value lie side by side, so that each such
run is filled by one numpy call and cut into its tensors by one torch call. All
uniform values come from a single call of a seeded generator. Uniform tensors
follow torch's default layer initialisation: uniform in ±1/sqrt(fan_in).

Making a few hundred tensors one by one costs more than drawing their values;
views of two buffers cost almost nothing. Views never overlap, and parameters
never share storage with buffers (torch.compile rejects that while training).
"""

from __future__ import annotations

import math
import threading
from collections.abc import MutableMapping
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import torch
from torch import Tensor, nn

Owner = MutableMapping[str, Any]  # a module's _parameters or _buffers

# a random int32 times bound * 2**-31 is uniform in [-bound, bound], at float32 resolution
_INT32_SCALE = 2.0**-31


class Kind(NamedTuple):
    """What a tensor is made of: uniform in ±``value``, or ``value`` everywhere."""

    uniform: bool
    shape: tuple[int, ...]
    value: float
    trainable: bool


_make_subclass = torch.Tensor._make_subclass


def parameter(data: Tensor) -> nn.Parameter:
    """``nn.Parameter(data)`` without the Python layer of its constructor."""
    return _make_subclass(nn.Parameter, data, True)


def random_int32(seed: int, count: int) -> npt.NDArray[np.int32]:
    """``count`` random 32-bit integers, the same for the same seed on every machine.

    numpy's SFC64 generator, its raw 64-bit output split in two: the fastest
    seeded source of random bits at hand (twice as fast as torch's own).
    """
    bits = np.random.SFC64(seed & (2**64 - 1)).random_raw((count + 1) // 2)
    return bits.view(np.int32)[:count]


class _Draw(threading.Thread):
    """Random integers drawn on another thread; numpy lets go of the GIL while drawing."""

    def __init__(self, seed: int, count: int) -> None:
        super().__init__(name="nasc-initial-draw", daemon=True)
        self.seed, self.count = seed, count
        self.ints: npt.NDArray[np.int32] | None = None
        self.started_drawing = threading.Event()

    def run(self) -> None:
        self.started_drawing.set()
        self.ints = random_int32(self.seed, self.count)

    def begin(self) -> None:
        self.start()
        # wait until the thread runs: otherwise it might only get the GIL after the
        # builder's switch interval, with most of the work already done
        self.started_drawing.wait()

    def result(self, count: int) -> npt.NDArray[np.int32]:
        self.join()
        if self.ints is None or self.count != count:  # asked for more since: draw again
            return random_int32(self.seed, count)
        return self.ints


class Initial:
    """Collects the tensors the layers of one model need, then makes them in `finish`.

    >>> initial = Initial(seed=0)
    >>> layer = nn.Module()
    >>> initial.uniform(layer._parameters, "weight", (4, 3), fan_in=3)
    >>> initial.constant(layer._buffers, "running_var", (4,), 1.0, trainable=False)
    >>> initial.finish()
    >>> bool(layer.weight.abs().max() <= 1 / 3**0.5), layer.running_var.tolist()
    (True, [1.0, 1.0, 1.0, 1.0])
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._slots: dict[Kind, list[tuple[Owner, str]]] = {}
        self._draw: _Draw | None = None
        self._finished = False

    @classmethod
    def standalone(cls) -> Initial:
        """For a layer built on its own: seeded from torch's global generator."""
        return cls(int(torch.randint(0, 2**62, ())))

    def ask(self, owner: Owner, name: str, kind: Kind) -> None:
        """``owner[name]`` will be a tensor of ``kind`` (None until `finish`)."""
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

    def draw_ahead(self, pending: int) -> None:
        """Start drawing the random values of every tensor asked for so far and of
        ``pending`` more, on another thread, while the rest of the model is made."""
        count = pending + sum(
            len(slots) * math.prod(kind.shape)
            for kind, slots in self._slots.items()
            if kind.uniform
        )
        self._draw = _Draw(self.seed, count)
        self._draw.begin()

    def asked(self, owner: Owner) -> dict[str, Kind]:
        """What was asked for ``owner``, by name."""
        return {
            name: kind
            for kind, slots in self._slots.items()
            for asker, name in slots
            if asker is owner
        }

    def finish(self) -> None:
        """Make every tensor asked for and put it in its place."""
        if self._finished:
            raise RuntimeError("the tensors of this Initial are already made")
        self._finished = True
        # uniform runs first: their values are drawn in one go
        order = sorted(self._slots.items(), key=lambda item: not item[0].uniform)
        self._make([run for run in order if run[0].trainable], trainable=True)
        self._make([run for run in order if not run[0].trainable], trainable=False)

    def _make(self, runs: list[tuple[Kind, list[tuple[Owner, str]]]], trainable: bool) -> None:
        """One flat buffer for ``runs``, filled, and each slot's view of it."""
        sizes = [len(slots) * math.prod(kind.shape) for kind, slots in runs]
        flat = torch.empty(sum(sizes))
        values = flat.numpy()
        drawn = sum(size for (kind, _), size in zip(runs, sizes, strict=True) if kind.uniform)
        ints = None
        if drawn:
            ahead = self._draw
            ints = ahead.result(drawn) if ahead else random_int32(self.seed, drawn)
        start = 0
        for (kind, slots), size, run in zip(runs, sizes, flat.split_with_sizes(sizes), strict=True):
            end = start + size
            if ints is not None and kind.uniform:
                scale = kind.value * _INT32_SCALE
                np.multiply(ints[start:end], scale, out=values[start:end], dtype=np.float32)
            else:
                values[start:end] = kind.value
            start = end
            tensors = run.view(len(slots), *kind.shape).unbind(0)
            if trainable:
                for (owner, name), tensor in zip(slots, tensors, strict=True):
                    owner[name] = _make_subclass(nn.Parameter, tensor, True)
            else:
                for (owner, name), tensor in zip(slots, tensors, strict=True):
                    owner[name] = tensor
