"""The polynomial dense associative memory: F(x) = x^(n+1), order n >= 2 (Krotov & Hopfield 2016).

Binary units: the scaled drop is ``Δ/2``, i.e. ``a = Σ_μ (F - A)/2``, ``b = B/2 = ((M+2)^k - (M-2)^k)/4``
with ``k = n + 1`` -- integers, since the binomial terms of ``(M ± 2)^k`` that survive carry a factor
``2^j``, ``j ≥ 1``; bounded by ``2 P (N + 2)^k``. Energy per neuron ``-(1/(n+1)) Σ_μ m_μ^(n+1)``,
``m = M/N``. Glauber scale ``(n+1) N^n``: ``Δ̃ = Δ / (2 (n+1) N^n) ≈ Σ_μ ξ_i^μ m_μ^n``.
Graded units: the order-n tanh network of :mod:`hopfield_hclm.memory.graded`.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import torch

from .base import Bound, MemoryModel, int_power


@dataclass(frozen=True)
class Dense(MemoryModel):
    """F(x) = x^(n+1) with interaction ``order`` n >= 2 (order 1 is :class:`Hopfield`)."""

    order: int = 2
    units = ("binary", "graded")
    references = "Krotov & Hopfield 2016, NeurIPS (dense associative memory)"
    numba_kind = 1
    cited_by_units = ("binary", "graded")

    def validate(self) -> None:
        if isinstance(self.order, bool) or not isinstance(self.order, numbers.Integral) or self.order < 2:
            raise ValueError(f"order must be an integer >= 2 for model='dense' (order 1 is model='hopfield'); "
                             f"got {self.order!r}")
        self._set("order", int(self.order))

    @property
    def power(self) -> int:
        return self.order + 1

    def F(self, x: torch.Tensor) -> torch.Tensor:
        return int_power(x, self.power)

    def energy(self, bound: Bound, overlap: torch.Tensor) -> torch.Tensor:
        m = overlap.to(torch.float64)
        return -int_power(m / float(bound.neurons), self.power).sum(-1) / self.power

    def drop_coefficients(self, bound: Bound, overlap: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        k = self.power
        up = int_power(overlap + 2, k)
        down = int_power(overlap - 2, k)
        centre = int_power(overlap, k)
        a = ((centre - (up + down) / 2) / 2).sum(-1)
        return a, (up - down) / 4

    def glauber_scale(self, bound: Bound) -> float:
        return (self.order + 1) * float(bound.neurons) ** self.order

    def field_bound(self, bound: Bound) -> float:
        return 2.0 * bound.patterns * float(bound.neurons + 2) ** self.power

    def graded_field(self, patterns, *, gain, load, self_coupling, batch_invariant):
        from ..graded import _GradedField

        return _GradedField(patterns, order=self.order, gain=gain, load=load, self_coupling=self_coupling,
                            batch_invariant=batch_invariant)
