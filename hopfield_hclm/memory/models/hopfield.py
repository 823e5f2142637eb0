"""The pairwise Hopfield network: F(x) = x² (order n = 1).

Binary units (Hopfield 1982; Amit, Gutfreund & Sompolinsky 1985): the scaled drop is
``Δ/4 = Σ_μ ξ_i^μ M_μ - P s_i = Σ_{j≠i} J_ij s_j`` with integer couplings ``J = ξᵀξ`` and zero diagonal
(``a = -P``, ``b = M``); ``self_coupling=True`` keeps ``J_ii = P`` (``a = 0``). Every field is an
integer (a half-integer in the fused synchronous step), bounded by ``2 P (N + 1)``.
Energy per neuron ``-(1/(2N²)) Σ_μ (M_μ² - N)`` (without ``- N`` when the diagonal is kept).
Glauber scale N: ``Δ̃ = h_i = (1/N) Σ_{j≠i} J_ij s_j``. Graded units: the order-1 tanh network of
:mod:`hopfield_hclm.memory.graded`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .base import Bound, MemoryModel


@dataclass(frozen=True)
class Hopfield(MemoryModel):
    """F(x) = x²; no parameters."""

    units = ("binary", "graded")
    references = "Hopfield 1982, PNAS 79, 2554; Amit, Gutfreund & Sompolinsky 1985, PRL 55, 1530"
    self_coupling_allowed = True
    cited_by_units = ("binary", "graded")  # BINARY_REFERENCES; graded.REFERENCES cites Hopfield 1984
    numba_kind = 0

    def F(self, x: torch.Tensor) -> torch.Tensor:
        return x * x

    def energy(self, bound: Bound, overlap: torch.Tensor) -> torch.Tensor:
        m = overlap.to(torch.float64)
        n_ = float(bound.neurons)
        diagonal = 0.0 if bound.self_coupling else n_ * bound.patterns
        return -((m * m).sum(-1) - diagonal) / (2.0 * n_ * n_)

    def drop_coefficients(self, bound: Bound, overlap: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        offset = 0.0 if bound.self_coupling else -float(bound.patterns)  # = _offset(bound), inlined: called per unit
        a = torch.full(overlap.shape[:-1], offset, dtype=overlap.dtype, device=overlap.device)
        return a, overlap

    @staticmethod
    def _offset(bound: Bound) -> float:
        return 0.0 if bound.self_coupling else -float(bound.patterns)

    def glauber_scale(self, bound: Bound) -> float:
        return float(bound.neurons)

    def field_bound(self, bound: Bound) -> float:
        # x2: the fused synchronous step forms half-integers
        return 2.0 * bound.patterns * (bound.neurons + 1)

    def exact_sync_step(self, bound: Bound, states, overlap, patterns):
        """``sign(ξᵀM + (a + ½) s)`` with the offset as the GEMM's scalar ``beta``."""
        from ..binary import project

        return project(overlap, patterns, offset=states, offset_scale=0.5 + self._offset(bound)).sign_()

    def numba_parameters(self, bound: Bound) -> dict:
        return {**super().numba_parameters(bound), "hop_a": self._offset(bound)}

    def graded_field(self, patterns, *, gain, load, self_coupling, batch_invariant):
        from ..graded import _GradedField

        return _GradedField(patterns, order=1, gain=gain, load=load, self_coupling=self_coupling,
                            batch_invariant=batch_invariant)
