"""The exponential dense associative memory: F(x) = exp(βx) (Demircigil et al. 2017).

Binary units: ``Δ / (sinh(2β) Σ_ν e^{βM_ν}) = Σ_μ p_μ ξ_i^μ - s_i tanh β`` with
``p = softmax(βM)`` evaluated as ``exp(β(M - max M)) / Σ exp(β(M - max M))`` (no overflow at any βN).
Limitation: when one pattern dominates the softmax and β is large, a unit aligned with it has a
true drop below float rounding (``1 - tanh β`` and the other weights underflow relative to 1); it
then counts as a tie and keeps its state. Energy per neuron ``-(1/(βN)) log Σ_μ exp(β M_μ)``
(log-sum-exp; a monotone transform of ``-Σ_μ exp(βM_μ)``, so it never rises under zero-temperature
asynchronous updates). Glauber scale 1: ``Δ̃`` is a softmax-weighted field in [-2, 2], so T is a
temperature of a state-dependent rescaling of E, not a Boltzmann temperature of E.

The load counts ``P = round(exp(load N))`` patterns (``load N <= 40``; :class:`ExponentialLoad`); the realised
load is ``ln(P)/N``.
Binary units only; float64 (no exactness bound); the numba kernel runs it in float64 only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ...core.validation import check_real
from .base import MAX_EXPONENTIAL_EXPONENT, Bound, ExponentialLoad, MemoryModel  # noqa: F401

#: Default inverse temperature of F(x) = exp(beta x).
DEFAULT_BETA = 1.0


@dataclass(frozen=True)
class Exponential(ExponentialLoad, MemoryModel):
    """F(x) = exp(βx) with ``beta`` β > 0."""

    beta: float = DEFAULT_BETA
    units = ("binary",)
    references = ("Demircigil, Heusel, Loewe, Upgang & Vermet 2017, J. Stat. Phys. 168, 288 "
                  "(exponential DAM)")
    numba_kind = 2
    cited_by_units = ("binary",)

    def validate(self) -> None:
        self._set("beta", check_real("beta", self.beta, low=0.0, low_open=True))

    def F(self, x: torch.Tensor) -> torch.Tensor:
        return torch.exp(self.beta * x)

    def energy(self, bound: Bound, overlap: torch.Tensor) -> torch.Tensor:
        m = overlap.to(torch.float64)
        return -torch.logsumexp(self.beta * m, dim=-1) / (self.beta * float(bound.neurons))

    def drop_coefficients(self, bound: Bound, overlap: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        shifted = overlap - overlap.amax(-1, keepdim=True)
        weights = torch.exp(self.beta * shifted)
        probabilities = weights / weights.sum(-1, keepdim=True)
        a = torch.full(overlap.shape[:-1], -math.tanh(self.beta), dtype=overlap.dtype, device=overlap.device)
        return a, probabilities

    def numba_parameters(self, bound: Bound) -> dict:
        return {**super().numba_parameters(bound), "beta": self.beta, "integer_overlaps": False}

    def numba_supports(self, dtype: torch.dtype) -> bool:
        # numba computes the softmax in float64 only
        return dtype == torch.float64
