"""The GP surrogate over WL kernels: gpytorch exact GP in float64, fitted on the exact
marginal likelihood.

The objective is modelled as log(value) (the paper models log validation error),
standardised to mean 0 and standard deviation 1. The kernel is outputscale ·
Σ_v softmax(θ)_v k̂_v plus Gaussian noise; θ, the outputscale and the noise are
fitted on the exact marginal likelihood, once for every WL depth h of the final
graph view, and the h with the highest marginal likelihood is kept.

Fitting (`FitSettings.optimizer`): ``"adam"`` is the paper's (Adam, lr 0.1, 20 steps
from θ=0, outputscale 1, noise 0.1); ``"lbfgs"`` (the default) runs scipy's L-BFGS-B
from the same start (and, with ``restarts``, from a few more fixed starts) and keeps
the best. Fixed starts, not random ones:
the fit is a function of the data alone, so a resumed run refits identically.

Robustness: the noise has a floor (1e-4 of the standardised variance) and every
Cholesky retries with growing jitter, so duplicates (400 copies of one
architecture) fit without NaN or failure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import gpytorch
import numpy as np
import numpy.typing as npt
import scipy.linalg
import torch

from nasc.compiler import Derivation
from nasc.search.bo.features import Basis, FeatureStore, Rows
from nasc.search.bo.kernels import HierarchicalWLKernel
from nasc.search.bo.threads import single_threaded

F64 = npt.NDArray[np.float64]

_STARTS = ((0.1, 1.0), (0.01, 1.0), (0.5, 0.5))  # L-BFGS starts: (noise, outputscale)


@dataclass(frozen=True)
class FitSettings:
    """How the GP's hyperparameters are fitted.

    The default is L-BFGS (50 iterations from the paper's start): on hNB201 it reaches
    a far higher marginal likelihood than the paper's 20 Adam steps, which stop well
    before convergence (README, "Bayesian optimisation"). ``optimizer="adam",
    steps=20`` is the paper's setting."""

    optimizer: str = "lbfgs"  # "lbfgs" | "adam" (the paper's: Adam, lr 0.1, 20 steps)
    steps: int = 50  # L-BFGS iterations / Adam steps per start
    lr: float = 0.1  # Adam only
    restarts: int = 1  # L-BFGS starts (at most len(_STARTS))
    noise_floor: float = 1e-4
    final_h: tuple[int, ...] | None = None  # WL depths tried for the final graph; None: 0..H

    def __post_init__(self) -> None:
        if self.optimizer not in ("adam", "lbfgs"):
            raise ValueError(f"unknown GP optimizer '{self.optimizer}' (adam or lbfgs)")
        if self.steps < 0 or self.lr <= 0 or self.restarts < 1 or self.noise_floor <= 0:
            raise ValueError("GP fit settings must be positive")


class ExactWLGP(gpytorch.models.ExactGP):  # type: ignore[misc]
    """The gpytorch model of the surrogate: zero mean, ScaleKernel(WL kernel), Gaussian
    noise. `fit_hyper` optimises the same marginal likelihood batched over restarts and
    WL depths; `gpytorch_log_marginal_likelihood` evaluates it through gpytorch."""

    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        likelihood: gpytorch.likelihoods.GaussianLikelihood,
        kernel: HierarchicalWLKernel,
    ) -> None:
        super().__init__(x, y, likelihood)
        self.mean_module = gpytorch.means.ZeroMean()
        self.covar_module = gpytorch.kernels.ScaleKernel(kernel)

    def forward(self, x: torch.Tensor) -> gpytorch.distributions.MultivariateNormal:
        return gpytorch.distributions.MultivariateNormal(self.mean_module(x), self.covar_module(x))


@dataclass(frozen=True)
class Hyper:
    """Fitted hyperparameters and the log marginal likelihood they reach."""

    weights: tuple[float, ...]
    outputscale: float
    noise: float
    final_h: int | None
    log_marginal_likelihood: float


def gpytorch_log_marginal_likelihood(grams: F64, y: F64, hyper: Hyper) -> float:
    """The exact log marginal likelihood of ``y`` under ``hyper``, computed by gpytorch's
    ExactGP and ExactMarginalLogLikelihood (the reference `fit_hyper` agrees with)."""
    table = torch.from_numpy(np.ascontiguousarray(grams)).to(torch.float64)
    n = table.shape[1]
    x = torch.arange(n, dtype=torch.float64).unsqueeze(-1)
    target = torch.from_numpy(np.ascontiguousarray(y)).to(torch.float64)
    likelihood = gpytorch.likelihoods.GaussianLikelihood(
        noise_constraint=gpytorch.constraints.GreaterThan(1e-12)
    ).double()
    kernel = HierarchicalWLKernel(table)
    model = ExactWLGP(x, target, likelihood, kernel).double()
    with torch.no_grad():
        kernel.raw_theta.copy_(torch.log(torch.tensor(hyper.weights, dtype=torch.float64)))
    likelihood.noise = hyper.noise
    model.covar_module.outputscale = hyper.outputscale
    mll = gpytorch.mlls.ExactMarginalLogLikelihood(likelihood, model)
    model.train()
    with torch.no_grad(), gpytorch.settings.max_cholesky_size(10**7):
        return float(mll(model(x), target)) * n


def _softplus_inverse(value: float) -> float:
    return value + math.log(-math.expm1(-value))


def fit_hyper(
    tables: F64, y: F64, settings: FitSettings, final_h: Sequence[int | None] | None = None
) -> list[Hyper]:
    """Fit θ, outputscale and noise on the exact marginal likelihood of ``y`` (standardised),
    independently for each of B stacks of view Grams ``tables`` (B, V, n, n); one `Hyper`
    per stack (the best of its starts).

    The parameterisation is gpytorch's (outputscale = softplus(raw), noise = floor +
    softplus(raw), weights = softmax(θ)) and the loss its ExactMarginalLogLikelihood
    (-log p(y)/n), batched so that all stacks and starts take one Cholesky per step.
    """
    stacks, views, n = tables.shape[0], tables.shape[1], tables.shape[2]
    hs = list(final_h) if final_h is not None else [None] * stacks
    starts = _STARTS[: settings.restarts] if settings.optimizer == "lbfgs" else _STARTS[:1]
    batch = stacks * len(starts)
    table = torch.from_numpy(np.ascontiguousarray(tables)).to(torch.float64)
    table = table.repeat_interleave(len(starts), dim=0)  # (batch, V, n, n)
    target = torch.from_numpy(np.ascontiguousarray(y)).to(torch.float64)
    floor = settings.noise_floor
    theta = torch.zeros(batch, views, dtype=torch.float64)
    raw_scale = torch.tensor(
        [_softplus_inverse(s) for _, s in starts] * stacks, dtype=torch.float64
    )
    raw_noise = torch.tensor(
        [_softplus_inverse(max(v, 2 * floor) - floor) for v, _ in starts] * stacks,
        dtype=torch.float64,
    )
    params = [raw_scale, raw_noise, theta]
    eye = torch.eye(n, dtype=torch.float64)
    y_b = target.expand(batch, n).unsqueeze(-1)

    def losses() -> torch.Tensor:
        """The loss of every batch row, with the gradients set by hand: the analytic
        gradient of the log marginal likelihood, d log p / dK = (αα' - K⁻¹) / 2, is
        several times cheaper than differentiating through the Cholesky factor."""
        with torch.no_grad():
            weights = torch.softmax(theta, dim=1)
            scale = torch.nn.functional.softplus(raw_scale)
            noise = floor + torch.nn.functional.softplus(raw_noise)
            mixed = torch.einsum("bv,bvij->bij", weights, table)
            k = scale[:, None, None] * mixed + noise[:, None, None] * eye
            factor = _batched_cholesky(k)
            alpha = torch.cholesky_solve(y_b, factor)
            quad = (y_b * alpha).sum((-1, -2))
            logdet = 2 * torch.log(torch.diagonal(factor, dim1=-2, dim2=-1)).sum(-1)
            mll = -0.5 * (quad + logdet + n * math.log(2 * math.pi))
            m = 0.5 * (alpha @ alpha.transpose(-1, -2) - torch.cholesky_inverse(factor))
            per_view = torch.einsum("bij,bvij->bv", m, table)  # <M, G_v>
            d_scale = (per_view * weights).sum(-1)
            d_noise = torch.diagonal(m, dim1=-2, dim2=-1).sum(-1)
            d_weights = scale[:, None] * per_view
            d_theta = weights * (d_weights - (weights * d_weights).sum(-1, keepdim=True))
            # the loss is -mll / n (gpytorch's ExactMarginalLogLikelihood)
            raw_scale.grad = -d_scale * torch.sigmoid(raw_scale) / n
            raw_noise.grad = -d_noise * torch.sigmoid(raw_noise) / n
            theta.grad = -d_theta / n
            values = -mll / n
            bad = ~torch.isfinite(values)
            if bool(bad.any()):
                for p in (raw_scale, raw_noise):
                    assert p.grad is not None
                    p.grad[bad] = 0.0
                assert theta.grad is not None
                theta.grad[bad] = 0.0
        return values

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small dense algebra: threads only contend
    try:
        kept = _optimise(params, losses, settings)
    finally:
        torch.set_num_threads(threads)
    best_loss, best_state = kept
    result = []
    for s in range(stacks):
        rows = range(s * len(starts), (s + 1) * len(starts))
        r = min(rows, key=lambda i: (best_loss[i], i))
        scale_r, noise_r, theta_r = (v[r] for v in best_state)
        weights = torch.softmax(theta_r, dim=0)
        loss_r = best_loss[r]
        result.append(
            Hyper(
                weights=tuple(float(w) for w in weights),
                outputscale=float(torch.nn.functional.softplus(scale_r)),
                noise=float(floor + torch.nn.functional.softplus(noise_r)),
                final_h=hs[s],
                log_marginal_likelihood=-loss_r * n if math.isfinite(loss_r) else -math.inf,
            )
        )
    return result


State = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


def _optimise(
    params: list[torch.Tensor], losses: object, settings: FitSettings
) -> tuple[list[float], State]:
    """Run the optimiser; keep, per batch row, the parameters of its lowest finite loss."""
    raw_scale, raw_noise, views_theta = params
    best = [math.inf] * len(raw_scale)
    state: State = (
        raw_scale.detach().clone(),
        raw_noise.detach().clone(),
        views_theta.detach().clone(),
    )

    def evaluate() -> torch.Tensor:
        values: torch.Tensor = losses()  # type: ignore[operator]
        with torch.no_grad():
            for i, v in enumerate(values.tolist()):
                if math.isfinite(v) and v < best[i]:
                    best[i] = v
                    state[0][i] = raw_scale[i]
                    state[1][i] = raw_noise[i]
                    state[2][i] = views_theta[i]
        return values

    if settings.optimizer == "adam":
        _adam(params, evaluate, settings.steps, settings.lr)
    else:
        _lbfgs(params, evaluate, settings.steps)
    with torch.no_grad():
        evaluate()
    return best, state


def _adam(params: list[torch.Tensor], evaluate: object, steps: int, lr: float) -> None:
    """Adam (β = 0.9, 0.999, ε = 1e-8, bias-corrected), as torch.optim.Adam, written out:
    torch.optim's first use costs seconds of imports."""
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    first = [torch.zeros_like(p) for p in params]
    second = [torch.zeros_like(p) for p in params]
    for step in range(1, steps + 1):
        evaluate()  # type: ignore[operator]  # sets the gradients
        with torch.no_grad():
            for p, m, v in zip(params, first, second, strict=True):
                g = p.grad
                assert g is not None
                m.mul_(beta1).add_(g, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                m_hat = m / (1 - beta1**step)
                v_hat = v / (1 - beta2**step)
                p.sub_(lr * m_hat / (v_hat.sqrt() + eps))


def _lbfgs(params: list[torch.Tensor], evaluate: object, iterations: int) -> None:
    """scipy's L-BFGS-B on the sum of the rows' losses (separable, so each row is
    minimised), at most ``iterations`` iterations."""
    import scipy.optimize

    shapes = [p.shape for p in params]
    sizes = [p.numel() for p in params]

    def assign(vector: F64) -> None:
        offset = 0
        with torch.no_grad():
            for p, size, shape in zip(params, sizes, shapes, strict=True):
                p.copy_(torch.from_numpy(vector[offset : offset + size]).reshape(shape))
                offset += size

    def objective(vector: F64) -> tuple[float, F64]:
        assign(vector)
        values = evaluate()  # type: ignore[operator]
        total = torch.where(torch.isfinite(values), values, torch.full_like(values, 1e10)).sum()
        grads = [p.grad.reshape(-1) for p in params]  # type: ignore[union-attr]
        return float(total), torch.cat(grads).numpy().astype(np.float64)

    start = torch.cat([p.detach().reshape(-1) for p in params]).numpy().astype(np.float64)
    # raw outputscale and noise (softplus) and θ: wide boxes that keep exp() finite
    bounds = [(-30.0, 1e3)] * sizes[0] + [(-30.0, 10.0)] * sizes[1] + [(-30.0, 30.0)] * sizes[2]
    result = scipy.optimize.minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": max(iterations, 1)},
    )
    assign(np.asarray(result.x, dtype=np.float64))


def _batched_cholesky(k: torch.Tensor) -> torch.Tensor:
    """Cholesky of each matrix of the batch, adding growing jitter where one fails."""
    factor: torch.Tensor
    factor, info = torch.linalg.cholesky_ex(k)
    if not bool((info > 0).any()):
        return factor
    scale = torch.diagonal(k, dim1=-2, dim2=-1).mean(-1).detach()
    eye = torch.eye(k.shape[-1], dtype=k.dtype)
    for power in range(-10, 0):
        jitter = torch.where(info > 0, scale * 10.0**power, torch.zeros_like(scale))
        factor, info = torch.linalg.cholesky_ex(k + jitter[:, None, None] * eye)
        if not bool((info > 0).any()):
            return factor
    return factor  # still failing rows give NaN losses, which the optimiser skips


def robust_cholesky(matrix: F64) -> F64:
    """The lower Cholesky factor, retrying with jitter 1e-10, 1e-9, ... of the mean diagonal."""
    scale = float(np.mean(np.diag(matrix))) or 1.0
    jitter = 0.0
    for _ in range(12):
        try:
            factor = np.asarray(
                np.linalg.cholesky(matrix + jitter * np.eye(len(matrix))), dtype=np.float64
            )
            return factor
        except np.linalg.LinAlgError:
            jitter = scale * (1e-10 if jitter == 0 else jitter / scale * 10)
    raise np.linalg.LinAlgError("the kernel matrix is not positive definite even with jitter")


@dataclass
class FittedGP:
    """A fitted GP: posterior over log(value), standardised. `predict` gives standardised
    means and standard deviations of the latent function at new architectures."""

    store: FeatureStore
    hyper: Hyper
    train: list[Derivation]
    y: F64  # standardised training targets (fantasies included)
    y_mean: float
    y_std: float
    observed: int  # how many of ``train`` are real observations (the rest are fantasies)
    _factor: F64 = field(repr=False, default_factory=lambda: np.empty((0, 0)))
    _alpha: F64 = field(repr=False, default_factory=lambda: np.empty(0))
    _rows: Rows | None = field(repr=False, default=None)
    _basis: Basis | None = field(repr=False, default=None)

    @property
    def best(self) -> float:
        """The best (lowest) standardised observation."""
        return float(np.min(self.y[: self.observed]))

    def train_rows(self) -> Rows:
        if self._rows is None:
            self._rows = self.store.rows(self.train)
        return self._rows

    def train_basis(self) -> Basis:
        if self._basis is None:
            self._basis = self.store.basis(self.train)
        return self._basis

    def cross_kernel(self, candidates: Sequence[Derivation]) -> F64:
        """outputscale · Σ_v w_v k̂_v between ``candidates`` and the training set."""
        basis = self.train_basis()
        raw, squared = self.store.cross_grams(candidates, basis, self.hyper.final_h)
        grams = self.store.view_grams(raw, squared, basis.squared, self.hyper.final_h)
        k: F64 = self.hyper.outputscale * np.tensordot(np.asarray(self.hyper.weights), grams, 1)
        return k

    def kernel_of(self, a: Rows, b: Rows) -> F64:
        """outputscale · Σ_v w_v k̂_v between two sets of feature rows."""
        raw = self.store.raw_grams_of(a, b)
        grams = self.store.view_grams(
            raw, np.asarray(a.squared), np.asarray(b.squared), self.hyper.final_h
        )
        k: F64 = self.hyper.outputscale * np.tensordot(np.asarray(self.hyper.weights), grams, 1)
        return k

    def kernel(self, rows: Sequence[Derivation], cols: Sequence[Derivation] | None = None) -> F64:
        """outputscale · Σ_v w_v k̂_v between ``rows`` and ``cols`` (rows itself when None)."""
        a = self.store.rows(rows)
        return self.kernel_of(a, a if cols is None else self.store.rows(cols))

    def refactor(self, grams: F64 | None = None) -> None:
        """Factor the training kernel; ``grams``, the view Grams (V, n, n) of the
        training set at the fitted h, when the fit already computed them."""
        if grams is None:
            rows = self.train_rows()
            k = self.kernel_of(rows, rows)
        else:
            k = self.hyper.outputscale * np.tensordot(np.asarray(self.hyper.weights), grams, 1)
        k[np.diag_indices_from(k)] += self.hyper.noise
        self._factor = robust_cholesky(k)
        self._alpha = scipy.linalg.cho_solve((self._factor, True), self.y)

    def predict(self, candidates: Sequence[Derivation]) -> tuple[F64, F64]:
        """Posterior mean and standard deviation (standardised log scale) of the latent f."""
        if not candidates:
            return np.empty(0), np.empty(0)
        cross = self.cross_kernel(candidates)
        mean: F64 = cross @ self._alpha
        v = scipy.linalg.solve_triangular(self._factor, cross.T, lower=True, check_finite=False)
        var = self.hyper.outputscale - np.einsum("ij,ij->j", v, v)
        std: F64 = np.sqrt(np.maximum(var, 1e-12))
        return mean, std

    def predict_value(self, candidates: Sequence[Derivation]) -> F64:
        """The posterior mean in the objective's own units (exp of the log scale)."""
        mean, _ = self.predict(candidates)
        out: F64 = np.exp(mean * self.y_std + self.y_mean)
        return out

    def with_fantasies(self, pending: Sequence[Derivation]) -> FittedGP:
        """Kriging believer: the pending architectures added as observations of the current
        posterior mean, hyperparameters kept."""
        new = [d for d in pending if d not in set(self.train)]
        if not new:
            return self
        mean, _ = self.predict(new)
        fantasy = FittedGP(
            self.store,
            self.hyper,
            [*self.train, *new],
            np.concatenate([self.y, mean]),
            self.y_mean,
            self.y_std,
            self.observed,
        )
        fantasy.refactor()
        return fantasy


def standardise(values: Sequence[float]) -> tuple[F64, float, float]:
    """log(values), standardised; the mean and standard deviation used."""
    logs = np.log(np.maximum(np.asarray(values, dtype=np.float64), 1e-300))
    mean = float(np.mean(logs))
    std = float(np.std(logs))
    if not std > 1e-12:
        std = 1.0
    return (logs - mean) / std, mean, std


def fit_gp(
    store: FeatureStore,
    derivations: Sequence[Derivation],
    values: Sequence[float],
    settings: FitSettings | None = None,
) -> FittedGP:
    """Fit the GP on observed (derivation, value) pairs; values must be positive (they are
    modelled on the log scale). For a spec with a final graph view, every WL depth h in
    ``settings.final_h`` (default 0..H) is fitted and the best marginal likelihood kept."""
    settings = settings or FitSettings()
    if len(derivations) != len(values) or not derivations:
        raise ValueError("fit_gp needs at least one derivation and one value per derivation")
    with single_threaded():
        return _fit_gp(store, list(derivations), values, settings)


def _fit_gp(
    store: FeatureStore,
    derivations: list[Derivation],
    values: Sequence[float],
    settings: FitSettings,
) -> FittedGP:
    train = list(derivations)
    y, y_mean, y_std = standardise(values)
    raw, diag = store.train_grams(train)
    top = store.final_iterations()
    depths: Sequence[int | None]
    if top is None:
        depths = [None]
    else:
        depths = settings.final_h if settings.final_h is not None else tuple(range(top + 1))
        if any(not 0 <= h <= top for h in depths if h is not None):
            raise ValueError(f"final-graph WL depths must lie in 0..{top}")
    tables = np.asarray([store.view_grams(raw, diag, diag, h) for h in depths])
    fits = fit_hyper(tables, y, settings, list(depths))
    at = max(range(len(fits)), key=lambda i: fits[i].log_marginal_likelihood)
    fitted = FittedGP(store, fits[at], train, y, y_mean, y_std, len(train))
    fitted.refactor(tables[at])
    return fitted


__all__ = [
    "ExactWLGP",
    "FitSettings",
    "FittedGP",
    "Hyper",
    "fit_gp",
    "fit_hyper",
    "gpytorch_log_marginal_likelihood",
    "robust_cholesky",
    "standardise",
]
