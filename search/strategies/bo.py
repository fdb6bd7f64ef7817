"""Bayesian optimisation strategies: ``bo`` (the hierarchical WL kernel, the paper's
BANAT) and ``bo-wl`` (one WL kernel on the final graph, NAS-BOWL).

Settings (defaults are the paper's for hNB201, except the fit, see `FitSettings`):

============== ======= ==========================================================
initial        10      uniform samples before the GP proposes
levels         0-4     hierarchy levels used as views besides the final graph (bo)
level_h        2       WL iterations of levels 1 and deeper (level 0 takes 1)
final_h        4       the largest WL depth of the final graph; h is picked in 0..final_h
fit            lbfgs   lbfgs | adam (the paper's: Adam, lr 0.1, 20 steps)
steps          50      L-BFGS iterations / Adam steps
restarts       1       L-BFGS starts
pool           200     acquisition pool
children       50      children per generation (the paper gives no number)
seeds          10      best evaluated architectures seeded into the pool
p_crossover    0.5     share of children made by crossover
p_self         0.5     share of crossovers inside one parent
tournament     0.2     share of the pool in each tournament
generations    50      at most this many generations per proposal
patience       5       generations without a better EI before stopping
tolerance      0.01    a better EI: up by more than this share
============== ======= ==========================================================

The k-th ask draws only from ``ask_rng(seed, k)``; the GP is refitted from the told
results, so a resumed run proposes what an unbroken run would have.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nasc.compiler import Derivation
from nasc.search.bo.acquisition import EvolutionSettings
from nasc.search.bo.gp import FitSettings
from nasc.search.bo.optimiser import BayesianOptimiser, BOSettings, NoCandidate
from nasc.search.bo.views import FINAL, ViewSpec
from nasc.search.errors import search_error
from nasc.search.strategies.base import Exhausted, StrategyContext, ask_rng
from nasc.search.strategies.options import Options

DEFAULTS: dict[str, Any] = {
    "initial": 10,
    "levels": "0-4",
    "level_h": 2,
    "final_h": 4,
    "fit": "lbfgs",
    "steps": 50,
    "restarts": 1,
    "pool": 200,
    "children": 50,
    "seeds": 10,
    "p_crossover": 0.5,
    "p_self": 0.5,
    "tournament": 0.2,
    "generations": 50,
    "patience": 5,
    "tolerance": 0.01,
}
WL_DEFAULTS = {k: v for k, v in DEFAULTS.items() if k not in ("levels", "level_h")}


class BayesianOptimisation:
    """The ask/tell face of `BayesianOptimiser`."""

    def __init__(self, context: StrategyContext, settings: BOSettings) -> None:
        self.context = context
        self.optimiser = BayesianOptimiser(context.space, settings)

    def ask(self) -> Derivation:
        rng = ask_rng(self.context.seed, self.optimiser.asks)
        try:
            derivation = self.optimiser.propose(rng)
        except NoCandidate as exc:
            raise Exhausted(
                search_error("E962", str(exc), "the space is nearly used up").diagnostics
            ) from None
        self.optimiser.record_ask(derivation)
        return derivation

    def tell(self, derivation: Derivation, value: float | None) -> None:
        self.optimiser.record_tell(derivation, value)

    def asked(self, derivation: Derivation) -> None:
        self.optimiser.record_ask(derivation)


def parse_levels(strategy: str, text: str) -> tuple[int, ...]:
    """``"0-4"`` -> (0, 1, 2, 3, 4); ``"0,2"`` -> (0, 2); ``""`` or ``"none"`` -> ()."""
    text = str(text).strip()
    if text in ("", "none"):
        return ()
    found: list[int] = []
    try:
        for part in text.split(","):
            if "-" in part:
                low, high = (int(x) for x in part.split("-", 1))
                found += range(low, high + 1)
            else:
                found.append(int(part))
    except ValueError:
        raise search_error(
            "E961", f"strategy '{strategy}': levels must read like 0-4 or 0,1,3, got {text!r}"
        ) from None
    if any(k < 0 for k in found) or len(set(found)) != len(found):
        raise search_error(
            "E961", f"strategy '{strategy}': levels must be distinct and >= 0, got {text!r}"
        )
    return tuple(found)


def bo_settings(strategy: str, options: Options, levels: tuple[int, ...]) -> BOSettings:
    """The BO settings a strategy's options describe (E961 on a bad value)."""
    final_h = options.get("final_h")
    level_h = options.get("level_h") if "level_h" in options.defaults else 2
    views = (FINAL, *levels)
    iterations = (final_h, *(1 if k == 0 else level_h for k in levels))
    try:
        return BOSettings(
            initial=options.get("initial"),
            spec=ViewSpec(views, iterations),
            fit=FitSettings(
                optimizer=options.get("fit"),
                steps=options.get("steps"),
                restarts=options.get("restarts"),
            ),
            evolution=EvolutionSettings(
                pool=options.get("pool"),
                children=options.get("children"),
                seeds=options.get("seeds"),
                p_crossover=options.get("p_crossover"),
                p_self_crossover=options.get("p_self"),
                tournament=options.get("tournament"),
                max_generations=options.get("generations"),
                patience=options.get("patience"),
                tolerance=options.get("tolerance"),
            ),
        )
    except ValueError as exc:
        raise search_error("E961", f"strategy '{strategy}': {exc}") from None


def make_bo(context: StrategyContext, settings: Mapping[str, Any]) -> BayesianOptimisation:
    """``bo``: BO with the hierarchical WL kernel (final graph + hierarchy levels)."""
    options = Options("bo", settings, DEFAULTS)
    levels = parse_levels("bo", options.get("levels"))
    return BayesianOptimisation(context, bo_settings("bo", options, levels))


def make_bo_wl(context: StrategyContext, settings: Mapping[str, Any]) -> BayesianOptimisation:
    """``bo-wl``: BO with one WL kernel on the final graph (NAS-BOWL)."""
    options = Options("bo-wl", settings, WL_DEFAULTS)
    return BayesianOptimisation(context, bo_settings("bo-wl", options, ()))


__all__ = ["DEFAULTS", "BayesianOptimisation", "make_bo", "make_bo_wl", "parse_levels"]
