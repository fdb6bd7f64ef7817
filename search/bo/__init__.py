"""Bayesian optimisation over derivations with (hierarchical) Weisfeiler-Lehman kernels.

The paper's BANAT: graph views of an architecture (`views`), their WL features
(`wl`, `features`), the hWL and WL kernels (`kernels`), an exact GP (`gp`),
expected improvement optimised by evolution (`acquisition`) and the ask/tell state
(`optimiser`). The strategies `bo` and `bo-wl` (nasc.search.strategies.bo) use them.
"""

from nasc.search.bo.acquisition import (
    EvolutionSettings,
    evolve,
    expected_improvement,
    log_expected_improvement,
)
from nasc.search.bo.features import FeatureStore
from nasc.search.bo.gp import FitSettings, FittedGP, fit_gp
from nasc.search.bo.kernels import HierarchicalWLKernel, WLKernel
from nasc.search.bo.optimiser import BayesianOptimiser, BOSettings, NoCandidate
from nasc.search.bo.views import FINAL, SINGLE_WL, View, ViewSpec, views_of
from nasc.search.bo.wl import LabelDictionary, wl_histograms

__all__ = [
    "FINAL",
    "SINGLE_WL",
    "BOSettings",
    "BayesianOptimiser",
    "EvolutionSettings",
    "FeatureStore",
    "FitSettings",
    "FittedGP",
    "HierarchicalWLKernel",
    "LabelDictionary",
    "NoCandidate",
    "View",
    "ViewSpec",
    "WLKernel",
    "evolve",
    "expected_improvement",
    "fit_gp",
    "log_expected_improvement",
    "views_of",
    "wl_histograms",
]
