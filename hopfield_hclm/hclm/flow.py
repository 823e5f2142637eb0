"""Entropy-flow accounting from the two gradients a training step already computes.

Under the gradient flow ``θ' = -(∇L + λ∇H)`` of the energy ``E = L + λH`` (Tran 2026, §6)

    dH/dt = ⟨∇H, θ'⟩ = -⟨∇L, ∇H⟩ - λ‖∇H‖² = injection - dissipation,

with injection ``I = -⟨∇L, ∇H⟩`` (entropy the loss pushes in), dissipation ``D = λ‖∇H‖²`` and the
critical coefficient ``λ* = -⟨∇L, ∇H⟩/‖∇H‖²`` at which the entropy is stationary (``dH/dt = 0``).
One SGD step of size η therefore changes H by ``η (I - D) + O(η²)``; for any optimiser the first-order
prediction is ``⟨∇H, Δθ⟩``. Gradients are flat vectors of shape ``(parameter,)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

__all__ = ["FlowTerms", "flat_grad", "flow_terms", "predicted_entropy_change"]


def flat_grad(grads: Sequence[torch.Tensor | None], params: Sequence[torch.Tensor]) -> torch.Tensor:
    """Concatenate per-parameter gradients into one ``(parameter,)`` vector (``None`` -> zeros)."""
    return torch.cat([
        (g if g is not None else torch.zeros_like(p)).reshape(-1) for g, p in zip(grads, params)
    ])


@dataclass(frozen=True)
class FlowTerms:
    """Entropy-flow terms of one step (0-d tensors).

    ``injection = -⟨∇L,∇H⟩``, ``dissipation = λ‖∇H‖²``, ``lambda_star = -⟨∇L,∇H⟩/‖∇H‖²`` (NaN when
    ``∇H = 0``: no coefficient moves the entropy), ``info_force = ‖∇H‖`` (Euclidean, without λ),
    ``rate = injection - dissipation`` (= dH/dt under gradient flow).
    """

    injection: torch.Tensor
    dissipation: torch.Tensor
    lambda_star: torch.Tensor
    info_force: torch.Tensor

    @property
    def rate(self) -> torch.Tensor:
        return self.injection - self.dissipation


def flow_terms(grad_loss: torch.Tensor, grad_entropy: torch.Tensor, coef: float) -> FlowTerms:
    """Flow terms from flat gradients ``∇L``, ``∇H`` (both ``(parameter,)``) and the coefficient λ."""
    inner = torch.dot(grad_loss, grad_entropy)
    sq = torch.dot(grad_entropy, grad_entropy)
    lam_star = torch.where(sq > 0, -inner / torch.where(sq > 0, sq, torch.ones_like(sq)),
                           torch.full_like(sq, float("nan")))
    return FlowTerms(injection=-inner, dissipation=coef * sq, lambda_star=lam_star, info_force=sq.sqrt())


def predicted_entropy_change(grad_entropy: torch.Tensor, delta_theta: torch.Tensor) -> torch.Tensor:
    """First-order change of H for a parameter step ``Δθ``: ``⟨∇H, Δθ⟩`` (any optimiser).

    For plain SGD with step η, ``Δθ = -η(∇L + λ∇H)`` and this equals ``η·(injection - dissipation)``.
    """
    return torch.dot(grad_entropy, delta_theta)
