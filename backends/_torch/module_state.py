"""Module state set up without `nn.Module`'s per-attribute bookkeeping.

A model of a few hundred layers is built in milliseconds; `nn.Module.__init__`
and `nn.Module.__setattr__` alone would take several times that. What is set
here is exactly what an empty module holds, checked against the installed
torch when this module is imported.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from torch import Tensor, nn


def _fresh_state() -> dict[str, Any]:
    """A new copy of the state `nn.Module.__init__` gives a module (torch 2.4 to 2.13)."""
    hooks = OrderedDict
    return {
        "training": True,
        "_parameters": {},
        "_buffers": {},
        "_non_persistent_buffers_set": set(),
        "_backward_pre_hooks": hooks(),
        "_backward_hooks": hooks(),
        "_is_full_backward_hook": None,
        "_forward_hooks": hooks(),
        "_forward_hooks_with_kwargs": hooks(),
        "_forward_hooks_always_called": hooks(),
        "_forward_pre_hooks": hooks(),
        "_forward_pre_hooks_with_kwargs": hooks(),
        "_state_dict_hooks": hooks(),
        "_state_dict_pre_hooks": hooks(),
        "_load_state_dict_pre_hooks": hooks(),
        "_load_state_dict_post_hooks": hooks(),
        "_modules": {},
    }


def _read_state() -> dict[str, Any]:
    """The state of a new empty module, each container made anew (any torch)."""
    state = nn.Module().__dict__
    return {key: type(v)() if isinstance(v, dict | set) else v for key, v in state.items()}


def _state_of(empty: dict[str, Any]) -> tuple[tuple[str, type | None, Any], ...]:
    return tuple(
        (key, type(v), None) if isinstance(v, dict | set) else (key, None, v)
        for key, v in empty.items()
    )


# torch that puts other state into a module gets the slower generic copy
new_state = _fresh_state if _state_of(_fresh_state()) == _state_of(_read_state()) else _read_state


def init_module(module: nn.Module) -> None:
    """What `nn.Module.__init__` does, minus its bookkeeping: fresh empty containers."""
    module.__dict__.update(new_state())


def attach(module: nn.Module, **attributes: object) -> None:
    """Set plain attributes a module class declares itself, without `nn.Module.__setattr__`."""
    module.__dict__.update(attributes)


def register_buffer(module: nn.Module, name: str, tensor: Tensor, persistent: bool) -> None:
    """`nn.Module.register_buffer` without its checks."""
    module._buffers[name] = tensor
    if not persistent:
        module._non_persistent_buffers_set.add(name)
