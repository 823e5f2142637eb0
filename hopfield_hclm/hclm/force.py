"""Information force: Euclidean and metric-adjusted norms of ∇_θH, and the effective-entropy test.

- Euclidean force ``‖∇_θ H‖`` (reported without the coefficient λ).
- Metric force ``sqrt(∇Hᵀ G⁻¹ ∇H)`` with the damped Gauss–Newton matrix of the prediction loss,
  ``G = (1/n) Σ_i w_i J_iᵀ J_i + δ I``, ``J_i = ∂f_i/∂θ`` (``(parameter,)`` per sample, ``f`` the
  logit) and ``w_i = p_i (1 - p_i)`` for the Bernoulli likelihood -- for which Gauss–Newton and the
  Fisher information coincide (Martens, "New insights and perspectives on the natural gradient
  method", JMLR 2020). The solve uses the Woodbury identity on the ``n×n`` system, so it is *exact*
  for the ``n`` samples it is given (O(n² P)); using a sub-sample of the training set is the only
  approximation, and it is the documented one.
- Definition 1 of Tran 2026 (§4): a surrogate is *effective* along a path when its force is at least
  ``c`` on a fraction at least ``ρ`` of the path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..core.validation import check_real

__all__ = ["EffectiveEntropy", "effective_entropy_test", "euclidean_force", "logit_jacobian", "metric_force"]


def euclidean_force(grad_entropy: torch.Tensor) -> torch.Tensor:
    """``‖∇_θ H‖`` of a flat gradient ``(parameter,)``."""
    return torch.linalg.vector_norm(grad_entropy)


def logit_jacobian(model: nn.Module, x: torch.Tensor, noise: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample Jacobian of the scalar logit, shape ``(sample, parameter)``, and the logits ``(sample,)``.

    ``model`` must expose ``encode(x)`` and ``head(z)``; the logit is ``head(encode(x) + noise)``.
    Parameters are taken in ``model.parameters()`` order, matching :func:`~.flow.flat_grad`.
    """
    from torch.func import functional_call, jacrev, vmap

    names = [n for n, _ in model.named_parameters()]
    values = tuple(p.detach() for _, p in model.named_parameters())

    def logit(params, xi, ni):
        pd = dict(zip(names, params))
        z = functional_call(model, pd, (xi.unsqueeze(0),), kwargs={"noise": ni.unsqueeze(0)})
        return z.reshape(())

    jac = vmap(jacrev(logit), in_dims=(None, 0, 0))(values, x, noise)
    flat = torch.cat([j.reshape(x.shape[0], -1) for j in jac], dim=1)
    with torch.no_grad():
        logits = model(x, noise=noise).reshape(-1)
    return flat, logits


def metric_force(grad_entropy: torch.Tensor, jacobian: torch.Tensor, weights: torch.Tensor, *, damping: float = 1e-2) -> torch.Tensor:
    """``sqrt(gᵀ G⁻¹ g)``, ``G = (1/n) Jᵀ diag(w) J + δI``, exactly via Woodbury, in float64.

    Shapes: ``grad_entropy (parameter,)``, ``jacobian (sample, parameter)``, ``weights (sample,)``.
    With ``A = sqrt(w/n) ⊙ J``: ``gᵀG⁻¹g = (‖g‖² - (Ag)ᵀ (δI_n + AAᵀ)⁻¹ (Ag)) / δ``.
    """
    damping = check_real("damping", damping, low=0.0, low_open=True)
    g = grad_entropy.double()
    n = jacobian.shape[0]
    a = jacobian.double() * torch.sqrt(weights.double().clamp_min(0.0) / n).unsqueeze(1)
    ag = a @ g
    small = damping * torch.eye(n, dtype=torch.float64, device=g.device) + a @ a.T
    chol = torch.linalg.cholesky(small)
    sol = torch.cholesky_solve(ag.unsqueeze(1), chol).squeeze(1)
    quad = (torch.dot(g, g) - torch.dot(ag, sol)) / damping
    return quad.clamp_min(0.0).sqrt().to(grad_entropy.dtype)


@dataclass(frozen=True)
class EffectiveEntropy:
    """Outcome of Definition 1: ``fraction`` of the path with force ≥ ``threshold``; ``effective`` iff ≥ ``rho``."""

    fraction: float
    effective: bool
    threshold: float
    rho: float


def effective_entropy_test(force, *, threshold: float, rho: float = 0.9) -> EffectiveEntropy:
    """Definition 1 (Tran 2026, §4) over a recorded force trajectory ``(time,)``.

    ``force`` may be a numpy array, tensor or xarray DataArray (e.g. ``ds.info_force``). Non-finite
    points (epochs not reached) are left out of the path. Raises ``ValueError`` for a negative
    threshold, ``rho`` outside [0, 1], or an empty path.
    """
    threshold = check_real("threshold", threshold, low=0.0)
    rho = check_real("rho", rho, low=0.0, high=1.0)
    values = np.asarray(force.detach().cpu() if isinstance(force, torch.Tensor) else force, dtype=float).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        raise ValueError("force must contain at least one finite value")
    frac = float(np.mean(values >= threshold))
    return EffectiveEntropy(fraction=frac, effective=frac >= rho, threshold=threshold, rho=rho)
