"""Log-det entropy for large ``d`` without a ``d×d`` factorisation (the paper's stated limitation).

Both estimators only touch ``Z_c`` (shape ``(batch, dim)``) through products, and estimate
``H = ½ log det(Σ̂ + εI)`` with ``Σ̂ = Z_cᵀZ_c/B`` -- the same definition and the same default
numerical floor ``ε`` (:data:`~.surrogates.DEFAULT_EPS`) as :func:`~.surrogates.logdet_entropy`:

- :func:`logdet_entropy_slq` -- stochastic Lanczos quadrature (Ubaru, Chen & Saad, SIAM J. Matrix
  Anal. Appl. 38, 2017): Hutchinson's trace estimator ``tr log A ≈ (1/p) Σ vᵀ log(A) v`` with
  Rademacher probes, each quadratic form by an ``m``-step Lanczos Gauss quadrature (full
  re-orthogonalisation). Unbiased up to the quadrature error (which vanishes once ``m`` reaches the
  number of distinct eigenvalues); returns the probe standard error as its own error bar. Value only.
- :func:`logdet_entropy_lowrank` -- Rayleigh–Ritz on a ``k``-dimensional randomized range of ``Z_cᵀ``
  (Halko, Martinsson & Tropp, SIAM Review 53, 2011), with the remaining trace spread evenly over
  the other ``d - k`` directions. Because the pinched and averaged spectrum is majorised by the
  true one and ``Σ log(ε + x)`` is Schur-concave, this is an *upper bound* on the exact value for
  any subspace, exact when ``rank(Z_c) ≤ k``. Differentiable in ``z`` for the (detached) subspace.

Random probes and sketches are drawn from a numpy Generator on the CPU, then moved to ``z``'s device.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch

from ..core.validation import check_int, check_real
from .surrogates import DEFAULT_EPS, _centre, _check_batch

__all__ = ["SLQEstimate", "logdet_entropy_lowrank", "logdet_entropy_slq"]


class SLQEstimate(NamedTuple):
    """``value``: estimate of ½ log det(Σ̂ + εI); ``stderr``: its probe standard error (0-d tensors)."""

    value: torch.Tensor
    stderr: torch.Tensor


def _lanczos_tridiagonal(matvec, v0: torch.Tensor, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``steps`` Lanczos steps for each row of ``v0 (probe, dim)``; returns α ``(probe, steps)``, β ``(probe, steps-1)``.

    ``matvec`` maps ``(probe, dim) -> (probe, dim)``. The basis is kept as ``(probe, dim, steps)`` and
    every new vector is re-orthogonalised against all earlier ones twice (classical Gram–Schmidt, by bmm).
    """
    p, d = v0.shape
    basis = v0.new_zeros(p, d, steps)
    basis[:, :, 0] = v0 / torch.linalg.vector_norm(v0, dim=1, keepdim=True)
    alphas = v0.new_zeros(p, steps)
    betas = v0.new_zeros(p, max(steps - 1, 0))
    for j in range(steps):
        q = basis[:, :, j]
        w = matvec(q)
        alphas[:, j] = (q * w).sum(1)
        if j == steps - 1:
            break
        qs = basis[:, :, : j + 1]
        for _ in range(2):
            w = w - torch.bmm(qs, torch.bmm(qs.transpose(1, 2), w.unsqueeze(2))).squeeze(2)
        b = torch.linalg.vector_norm(w, dim=1)
        betas[:, j] = b
        basis[:, :, j + 1] = w / b.clamp_min(torch.finfo(w.dtype).tiny).unsqueeze(1)
    return alphas, betas


@torch.no_grad()
def logdet_entropy_slq(z: torch.Tensor, eps: float = DEFAULT_EPS, *, probes: int = 32, steps: int = 32,
                       rng: np.random.Generator | None = None) -> SLQEstimate:
    """SLQ estimate of ``½ log det(Σ̂ + εI)`` for one batch ``z (batch, dim)``; cost O(p·m·(B d + m d)).

    ``steps`` is capped at ``dim``. Computed in float64. Returns :class:`SLQEstimate`.
    """
    _check_batch(z)
    if z.ndim != 2:
        raise ValueError(f"z must have shape (batch, dim); got {tuple(z.shape)}")
    eps = check_real("eps", eps, low=0.0, low_open=True)
    probes = check_int("probes", probes, minimum=2)
    steps = min(check_int("steps", steps, minimum=1), z.shape[1])
    rng = rng if rng is not None else np.random.default_rng(0)
    zc = _centre(z.double())
    b, d = zc.shape

    def matvec(v):  # (probe, dim) -> (probe, dim): v (Σ̂ + εI), Σ̂ symmetric
        return (v @ zc.T) @ zc / b + eps * v

    v0 = torch.from_numpy(rng.choice([-1.0, 1.0], size=(d, probes)).T.copy()).to(zc.device)
    alpha, beta = _lanczos_tridiagonal(matvec, v0, steps)
    t = torch.diag_embed(alpha)
    if beta.shape[1]:
        off = torch.diag_embed(beta, offset=1)
        t = t + off + off.transpose(-1, -2)
    theta, vecs = torch.linalg.eigh(t)  # (probe, m), (probe, m, m)
    quad = d * (vecs[:, 0, :] ** 2 * torch.log(theta.clamp_min(eps))).sum(-1)  # ‖v‖² = d for Rademacher v
    value = 0.5 * quad.mean()
    stderr = 0.5 * quad.std(unbiased=True) / math.sqrt(probes)
    return SLQEstimate(value.to(z.dtype), stderr.to(z.dtype))


def logdet_entropy_lowrank(z: torch.Tensor, eps: float = DEFAULT_EPS, *, rank: int = 32, oversample: int = 8,
                           power_iters: int = 2, rng: np.random.Generator | None = None) -> torch.Tensor:
    """Low-rank upper-bound estimate of ``½ log det(Σ̂ + εI)`` for ``z (batch, dim)``.

    ``½ [Σ_{i≤k} log(ε + μ_i) + (d - k) log(ε + (tr Σ̂ - Σ μ_i)/(d - k))]`` with ``μ_i`` the Ritz values
    of ``Σ̂`` on a randomized ``k``-dimensional subspace (``k = min(rank, d)``; sketch width
    ``k + oversample``, ``power_iters`` subspace iterations). Cost O((k + o)·B·d·(1 + 2q)).
    """
    _check_batch(z)
    if z.ndim != 2:
        raise ValueError(f"z must have shape (batch, dim); got {tuple(z.shape)}")
    eps = check_real("eps", eps, low=0.0, low_open=True)
    rank = check_int("rank", rank, minimum=1)
    oversample = check_int("oversample", oversample, minimum=0)
    power_iters = check_int("power_iters", power_iters, minimum=0)
    rng = rng if rng is not None else np.random.default_rng(0)
    zc = _centre(z)
    b, d = zc.shape
    k = min(rank, d)
    with torch.no_grad():
        width = min(k + oversample, d)
        omega = torch.from_numpy(rng.standard_normal((d, width))).to(device=z.device, dtype=z.dtype)
        y = zc.detach().T @ (zc.detach() @ omega)
        for _ in range(power_iters):
            y, _ = torch.linalg.qr(y)
            y = zc.detach().T @ (zc.detach() @ y)
        q, _ = torch.linalg.qr(y)  # (dim, width)
        # keep the k leading Ritz directions
        small = (zc.detach() @ q)
        evals, evecs = torch.linalg.eigh(small.T @ small)
        q = q @ evecs[:, -k:]
    proj = zc @ q  # (batch, k)
    mu = torch.linalg.eigvalsh(proj.T @ proj / b).clamp_min(0.0)
    total = 0.5 * torch.log(mu + eps).sum()
    if d > k:
        rest = (zc.pow(2).sum() / b - mu.sum()).clamp_min(0.0)
        total = total + 0.5 * (d - k) * torch.log(eps + rest / (d - k))
    return total
