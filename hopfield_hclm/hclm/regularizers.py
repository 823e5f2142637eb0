"""Standard regularisers beside the entropy term: weight decay, dropout, SAM and label smoothing.

One implementation of each; :func:`~.train.run` reaches them through ``regularizer=...,
regularizer_strength=s`` (the comparison arm a sweep axis runs over) and, for weight decay, through
its older ``weight_decay`` setting as well (both call :func:`weight_decay_penalty`). The strength
``s`` means, per regulariser:

- ``"weight_decay"`` (L2 penalty, μ = s ≥ 0): ``R(θ) = ½ μ ‖θ‖²`` added to the prediction loss, so
  the gradient gains ``μ θ`` (Krogh & Hertz, "A simple weight decay can improve generalization",
  NIPS 1991). With plain SGD this is the classical decoupled decay ``θ ← (1 − ημ) θ − η ∇L``.
- ``"dropout"`` (drop probability p = s ∈ [0, 1)): the last hidden layer before the representation
  layer is multiplied by ``m / (1 − p)`` with ``m ~ Bernoulli(1 − p)`` per unit and sample during
  training ("inverted" dropout, so the expectation is unchanged) and by nothing at evaluation
  (Srivastava et al., JMLR 15, 2014). The masks are drawn on the CPU from their own numpy
  Generator (:func:`dropout_masks`), so a run's other random streams do not depend on p, and the
  same mask serves every forward pass of one step.
- ``"sam"`` (neighbourhood radius ρ = s ≥ 0): sharpness-aware minimisation with one ascent step
  (Foret, Kleiner, Mobahi & Neyshabur, ICLR 2021, eq. 2–3):
  ``ε̂ = ρ ∇L(θ) / ‖∇L(θ)‖₂``, and the step uses ``∇L(θ + ε̂)`` in place of ``∇L(θ)`` (the
  second-order term of the paper's derivation dropped, as in the paper). Only the prediction loss
  is perturbed; the entropy gradient ``∇H`` is taken at ``θ``.
- ``"label_smoothing"`` (α = s ∈ [0, 1]): the one-hot target ``e_y`` over K classes becomes
  ``q = (1 − α) e_y + α/K``, and the loss is the cross-entropy ``−Σ_k q_k log p_k = (1 − α)(−log p_y)
  + α (−(1/K) Σ_k log p_k)`` (Szegedy et al., "Rethinking the Inception architecture", CVPR 2016,
  §7). A single logit is the K = 2 case: the Bernoulli target becomes ``(1 − α) y + α/2``.

Every evaluation loss (train, test, shifted test, validation) is the plain log-loss, whatever the
regulariser: that is the quantity the arms are compared on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..core.validation import check_choice, check_real

__all__ = [
    "REGULARIZERS",
    "Regularizer",
    "dropout_masks",
    "make_regularizer",
    "prediction_loss",
    "sam_gradient",
    "sam_perturbation",
    "weight_decay_penalty",
]

REGULARIZERS = ("weight_decay", "dropout", "sam", "label_smoothing")
#: allowed strength interval per regulariser: (low, high, high_open)
_RANGES = {
    "weight_decay": (0.0, None, False),
    "dropout": (0.0, 1.0, True),
    "sam": (0.0, None, False),
    "label_smoothing": (0.0, 1.0, False),
}


def _strength_if(name: str) -> property:
    """Read-only ``float`` property: the arm's ``strength`` when the arm is regulariser ``name``, else 0."""
    def strength(self) -> float:
        return self.strength if self.name == name else 0.0

    return property(strength, doc=f"strength of {name!r} (0 when the arm is another regulariser)")


@dataclass(frozen=True)
class Regularizer:
    """A validated regulariser arm: ``name`` (one of :data:`REGULARIZERS` or None) and ``strength``.

    The properties give the strength each mechanism uses (0 when the arm is another regulariser), so
    the training step reads ``reg.dropout`` and never compares names.
    """

    name: str | None = None
    strength: float = 0.0

    weight_decay = _strength_if("weight_decay")
    dropout = _strength_if("dropout")
    sam_rho = _strength_if("sam")
    label_smoothing = _strength_if("label_smoothing")


def make_regularizer(regularizer: str | None = None, regularizer_strength: float = 0.0) -> Regularizer:
    """Validate the pair and return the :class:`Regularizer`; ``ValueError`` naming the argument.

    ``regularizer=None`` requires ``regularizer_strength == 0`` (a strength without a regulariser would
    silently do nothing). Strength ranges: weight decay and SAM ``≥ 0``, dropout ``[0, 1)``, label
    smoothing ``[0, 1]``; strength 0 is allowed for every regulariser and trains exactly as ``None``.
    """
    if regularizer is not None:
        check_choice("regularizer", regularizer, REGULARIZERS + (None,))
    strength = check_real("regularizer_strength", regularizer_strength, low=0.0)
    if regularizer is None:
        if strength != 0.0:
            raise ValueError(f"regularizer_strength must be 0 when regularizer is None; got {strength:g}")
        return Regularizer()
    low, high, high_open = _RANGES[regularizer]
    strength = check_real("regularizer_strength", strength, low=low, high=high, high_open=high_open)
    return Regularizer(regularizer, strength)


def weight_decay_penalty(params, strength: float) -> torch.Tensor | float:
    """``½ μ Σ_p ‖p‖²`` over the tensors ``params`` (0.0, a float, when ``strength`` is 0)."""
    if strength == 0:
        return 0.0
    return 0.5 * strength * sum(p.pow(2).sum() for p in params)


def prediction_loss(logits: torch.Tensor, y: torch.Tensor, *, label_smoothing: float = 0.0) -> torch.Tensor:
    """Mean log-loss of ``logits`` against labels ``y``, with optional label smoothing α.

    Shapes: ``logits (sample,)`` or ``(sample, 1)`` — one Bernoulli logit, ``y`` in {0, 1}; or
    ``logits (sample, K)`` with K ≥ 2 — softmax over K classes, ``y`` the class index (any dtype
    holding integers). Smoothed targets as in the module docstring; α = 0 is the plain log-loss.
    """
    if logits.ndim == 2 and logits.shape[1] == 1:
        logits = logits.squeeze(1)
    if logits.ndim == 1:
        target = y.to(logits.dtype)
        if label_smoothing:
            target = (1.0 - label_smoothing) * target + 0.5 * label_smoothing
        return F.binary_cross_entropy_with_logits(logits, target)
    return F.cross_entropy(logits, y.long(), label_smoothing=float(label_smoothing))


def dropout_masks(rng: np.random.Generator, shape: tuple[int, ...], p: float) -> np.ndarray | None:
    """Inverted-dropout masks ``m / (1 − p)``, ``m ~ Bernoulli(1 − p)``, float64 of ``shape``; None if p = 0."""
    if p == 0:
        return None
    keep = rng.random(shape) >= p
    return keep.astype(np.float64) / (1.0 - p)


def sam_perturbation(grad: torch.Tensor, rho: float) -> torch.Tensor:
    """SAM's ascent step ``ε̂ = ρ g / ‖g‖₂`` for a flat gradient ``g (parameter,)``.

    Zeros when ρ = 0 or g = 0; a non-finite g gives a non-finite ε̂ (so the step's failure check sees it).
    """
    norm = torch.linalg.vector_norm(grad)
    if rho == 0 or float(norm) == 0.0:
        return torch.zeros_like(grad)
    return grad * (rho / norm)


def sam_gradient(loss_fn, params: list[torch.Tensor], grad: torch.Tensor, rho: float) -> torch.Tensor:
    """SAM's gradient ``∇L(θ + ε̂)``, ``ε̂ = ρ g/‖g‖``, flat ``(parameter,)``; ``params`` restored after.

    ``loss_fn()`` recomputes the loss at the current parameter values (same batch, noise and
    dropout mask); ``grad`` is ``∇L(θ)``, flat, in ``params`` order. With ρ = 0 it returns ``grad``.
    """
    if rho == 0:
        return grad
    eps = sam_perturbation(grad, rho)
    saved = [p.detach().clone() for p in params]   # restored exactly (θ + ε̂ − ε̂ ≠ θ in floating point)
    offset = 0
    with torch.no_grad():
        for p in params:
            n = p.numel()
            p.add_(eps[offset:offset + n].view_as(p))
            offset += n
    try:
        loss = loss_fn()
        grads = torch.autograd.grad(loss, params, allow_unused=True)
    finally:
        with torch.no_grad():
            for p, s in zip(params, saved):
                p.copy_(s)
    return torch.cat([(torch.zeros_like(p) if g is None else g).reshape(-1) for p, g in zip(params, grads)])
