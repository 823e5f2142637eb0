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

__all__ = ["SLQEstimate", "logdet_entropy_lowrank", "logdet_entropy_slq", "logdet_entropy_slq_surrogate"]


class SLQEstimate(NamedTuple):
    """``value``: estimate of ½ log det(Σ̂ + εI); ``stderr``: its probe standard error (0-d tensors)."""

    value: torch.Tensor
    stderr: torch.Tensor


def _lanczos_tridiagonal(matvec, v0: torch.Tensor, steps: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``steps`` Lanczos steps for each row of ``v0 (probe, dim)``; returns α ``(probe, steps)``, β ``(probe, steps-1)``
    and the orthonormal basis ``(probe, dim, steps)``.

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
    return alphas, betas, basis


def _check_single_batch(z: torch.Tensor) -> None:
    _check_batch(z)
    if z.ndim != 2:
        raise ValueError(f"z must have shape (batch, dim); got {tuple(z.shape)}")


@torch.no_grad()
def _slq(z: torch.Tensor, eps: float, probes: int, steps: int, rng: np.random.Generator | None, *,
         solves: bool = False):
    """Quadratic forms ``q_k = v_kᵀ log(A) v_k`` ``(probe,)`` of ``A = Σ̂ + εI`` in float64, the centred batch,
    the probes ``V (probe, dim)`` and, with ``solves``, ``X ≈ V A⁻¹ (probe, dim)`` from the same Lanczos basis
    (``A⁻¹v ≈ ‖v‖ Q T⁻¹ e₁``, the conjugate-gradient iterate; exact once ``m`` = ``dim``)."""
    eps = check_real("eps", eps, low=0.0, low_open=True)
    probes = check_int("probes", probes, minimum=2)
    steps = min(check_int("steps", steps, minimum=1), z.shape[1])
    rng = rng if rng is not None else np.random.default_rng(0)
    zc = _centre(z.double())
    b, d = zc.shape

    def matvec(v):  # (probe, dim) -> (probe, dim): v (Σ̂ + εI), Σ̂ symmetric
        return (v @ zc.T) @ zc / b + eps * v

    v0 = torch.from_numpy(rng.choice([-1.0, 1.0], size=(d, probes)).T.copy()).to(zc.device)
    alpha, beta, basis = _lanczos_tridiagonal(matvec, v0, steps)
    t = torch.diag_embed(alpha)
    if beta.shape[1]:
        off = torch.diag_embed(beta, offset=1)
        t = t + off + off.transpose(-1, -2)
    theta, vecs = torch.linalg.eigh(t)  # (probe, m), (probe, m, m)
    theta = theta.clamp_min(eps)  # A ⪰ εI: Ritz values below ε are round-off (or decoupled zero blocks)
    quad = d * (vecs[:, 0, :] ** 2 * torch.log(theta)).sum(-1)  # ‖v‖² = d for Rademacher v
    x = None
    if solves:
        coeff = (vecs * (vecs[:, 0, :] / theta).unsqueeze(1)).sum(-1)  # T⁻¹ e₁ (probe, m)
        x = math.sqrt(d) * torch.bmm(basis, coeff.unsqueeze(2)).squeeze(2)
    return quad, zc, v0, x


@torch.no_grad()
def logdet_entropy_slq(z: torch.Tensor, eps: float = DEFAULT_EPS, *, probes: int = 32, steps: int = 32,
                       rng: np.random.Generator | None = None) -> SLQEstimate:
    """SLQ estimate of ``½ log det(Σ̂ + εI)`` for one batch ``z (batch, dim)``; cost O(p·m·(B d + m d)).

    ``steps`` is capped at ``dim``. Computed in float64. Returns :class:`SLQEstimate`.
    """
    _check_single_batch(z)
    quad, *_ = _slq(z, eps, probes, steps, rng)
    value = 0.5 * quad.mean()
    stderr = 0.5 * quad.std(unbiased=True) / math.sqrt(probes)
    return SLQEstimate(value.to(z.dtype), stderr.to(z.dtype))


class _SLQEntropy(torch.autograd.Function):
    """Value: the SLQ estimate; gradient: the Hutchinson estimate of ``(1/B) Z_c A⁻¹`` on the same probes."""

    @staticmethod
    def forward(ctx, z, eps, probes, steps, rng):
        quad, zc, v, x = _slq(z, eps, probes, steps, rng, solves=True)
        p, b = v.shape[0], zc.shape[0]
        # (1/B) (1/p) Σ_k (Z_c x_k) v_kᵀ ≈ (1/B) Z_c A⁻¹ (E[v vᵀ] = I), never forming a d×d matrix. Not the
        # symmetrised form: its (Z_c v)(A⁻¹v)ᵀ half has entries ~ sqrt(λ)/ε along the batch's null directions
        grad = (zc @ x.T) @ v / (p * b)
        ctx.save_for_backward(grad.to(z.dtype))
        return (0.5 * quad.mean()).to(z.dtype)

    @staticmethod
    def backward(ctx, g):
        (grad,) = ctx.saved_tensors
        return g * grad, None, None, None, None


def logdet_entropy_slq_surrogate(z: torch.Tensor, eps: float = DEFAULT_EPS, *, probes: int = 32, steps: int = 32,
                                 rng: np.random.Generator | None = None) -> torch.Tensor:
    """The SLQ log-det as a training surrogate: a 0-d tensor with a stochastic gradient.

    Value: :func:`logdet_entropy_slq`'s estimate of ``½ log det(Σ̂ + εI)``. Gradient: with the same
    Rademacher probes ``v_k`` and ``x_k ≈ A⁻¹ v_k`` from their Lanczos bases,
    ``∂H/∂Z ≈ (1/B) (1/p) Σ_k (Z_c x_k) v_kᵀ`` -- an unbiased estimate of the exact
    ``(1/B) Z_c A⁻¹`` once ``steps`` = ``dim`` (Hutchinson, ``E[v vᵀ] = I``), *not* the derivative of the
    estimated value (the two are separate unbiased estimates sharing probes). Cost O(p·m·B·d) per call,
    no ``d×d`` matrix. Non-finite ``z`` gives NaN. Shapes: ``z (batch, dim) -> ()``.
    """
    _check_single_batch(z)
    if not bool(torch.isfinite(z).all()):
        return z.sum() * float("nan")
    return _SLQEntropy.apply(z, eps, probes, steps, rng)


def logdet_entropy_lowrank(z: torch.Tensor, eps: float = DEFAULT_EPS, *, rank: int = 32, oversample: int = 8,
                           power_iters: int = 2, rng: np.random.Generator | None = None) -> torch.Tensor:
    """Low-rank upper-bound estimate of ``½ log det(Σ̂ + εI)`` for ``z (batch, dim)``.

    ``½ [Σ_{i≤k} log(ε + μ_i) + (d - k) log(ε + (tr Σ̂ - Σ μ_i)/(d - k))]`` with ``μ_i`` the Ritz values
    of ``Σ̂`` on a randomized ``k``-dimensional subspace (``k = min(rank, d)``; sketch width
    ``k + oversample``, ``power_iters`` subspace iterations). Cost O((k + o)·B·d·(1 + 2q)).
    """
    _check_single_batch(z)
    eps = check_real("eps", eps, low=0.0, low_open=True)
    rank = check_int("rank", rank, minimum=1)
    oversample = check_int("oversample", oversample, minimum=0)
    power_iters = check_int("power_iters", power_iters, minimum=0)
    rng = rng if rng is not None else np.random.default_rng(0)
    if not bool(torch.isfinite(z).all()):  # NaN, not a LAPACK error, so a diverging run reaches its NaN check
        return z.sum() * float("nan")
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
