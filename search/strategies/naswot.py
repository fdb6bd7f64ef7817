"""NASWOT (Mellor et al. 2021, "Neural architecture search without training").

The score of an untrained network is log|K_H|, K_H[i, j] = N_A - d_H(c_i, c_j): c_i is
the binary code of which rectified units input i of one mini-batch switches on, N_A
the number of units and d_H the Hamming distance. Every activation node of the Graph
IR (relu, gelu, silu, hardswish, mish) contributes its units, a unit being on when its
input is positive (for relu exactly Mellor's code). The mini-batch (``batch`` training
samples, drawn with the run's seed) and the initial weights (the run's seed) are the
same for every architecture of a run, so a score is a function of the architecture.

The strategy ``naswot``: each ask scores ``candidates`` uniform samples (neither told
nor pending) and proposes the one of highest score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from nasc.compiler import Derivation, IROp, build, load_backend
from nasc.dsl import NascError
from nasc.search.errors import search_error
from nasc.search.strategies.base import StrategyContext, ask_rng
from nasc.search.strategies.options import Options, positive
from nasc.search.strategies.proposals import Proposals

ACTIVATIONS = frozenset({IROp.RELU, IROp.RELU6, IROp.GELU, IROp.SILU, IROp.HARDSWISH, IROp.MISH})
DEFAULTS: dict[str, Any] = {"candidates": 100, "batch": 128}


class NaswotScorer:
    """Scores architectures of one space on one fixed mini-batch (cached by derivation)."""

    def __init__(
        self, context: StrategyContext, batch: int = 128, strategy: str = "naswot"
    ) -> None:
        if context.dataset is None:
            raise search_error(
                "E967",
                f"strategy '{strategy}' scores untrained networks on data and got no dataset",
                "give the search a dataset (--data mnist1d, digits, FILE.npz, ...)",
            )
        import torch

        self.torch = torch
        self.space = context.space
        self.seed = context.seed
        self.device = context.device
        x = context.dataset.x_train
        picked = np.random.default_rng(context.seed).permutation(len(x))[: max(batch, 2)]
        self.batch = torch.from_numpy(np.ascontiguousarray(x[np.sort(picked)])).float()
        self.backend = load_backend("torch")
        self.cache: dict[Derivation, float] = {}

    def score(self, derivation: Derivation) -> float:
        """log|K_H|; -inf for an architecture that cannot be built or run."""
        found = self.cache.get(derivation)
        if found is None:
            try:
                found = self._score(derivation)
            except (NascError, RuntimeError, ValueError):
                found = -math.inf
            self.cache[derivation] = found
        return found

    def _score(self, derivation: Derivation) -> float:
        torch = self.torch
        graph = build(self.space, derivation)
        model = self.backend.build_module(graph, seed=self.seed).to(self.device)
        model.eval()
        watched = {i for i, node in enumerate(graph.nodes) if node.op in ACTIVATIONS}
        n = len(self.batch)
        kernel = torch.zeros(n, n, dtype=torch.float64, device=self.device)
        with torch.no_grad():
            values: list[Any] = [self.batch.to(self.device)]
            for index, (layer, used) in enumerate(zip(model.layers, model.inputs, strict=True), 1):
                inputs = [values[i] for i in used]
                if index in watched:
                    codes = (inputs[0].reshape(n, -1) > 0).to(torch.float64)
                    kernel += codes @ codes.T + (1 - codes) @ (1 - codes).T
                values.append(layer(*inputs))
        sign, logdet = torch.linalg.slogdet(kernel)
        value = float(logdet)
        return value if float(sign) > 0 and math.isfinite(value) else -math.inf


class Naswot:
    """Propose the best-scoring of ``candidates`` fresh uniform samples at every ask."""

    def __init__(self, context: StrategyContext, candidates: int = 100, batch: int = 128) -> None:
        self.context = context
        self.candidates = candidates
        self.scorer = NaswotScorer(context, batch)
        self.proposals = Proposals(context.space)

    def ask(self) -> Derivation:
        rng = ask_rng(self.context.seed, self.proposals.asks)
        pool: dict[Derivation, None] = {}
        for _ in range(self.candidates):
            pool[self.proposals.fresh_sample(rng)] = None
        best = max(pool, key=self.scorer.score)  # ties: the first drawn
        self.proposals.record_ask(best)
        return best

    def tell(self, derivation: Derivation, value: float | None) -> None:
        self.proposals.record_tell(derivation)

    def asked(self, derivation: Derivation) -> None:
        self.proposals.record_ask(derivation)


def make_naswot(context: StrategyContext, settings: Mapping[str, Any]) -> Naswot:
    """The ``naswot`` strategy; settings ``candidates`` (100) and ``batch`` (128)."""
    options = Options("naswot", settings, DEFAULTS)
    return Naswot(
        context,
        candidates=positive("naswot", "candidates", options.get("candidates")),
        batch=positive("naswot", "batch", options.get("batch")),
    )


__all__ = ["ACTIVATIONS", "Naswot", "NaswotScorer", "make_naswot"]
