"""Binary ±1 associative memories: energies and the energy-difference rule as matrix products.

A binary model has energy ``E(s) = -Σ_μ F(M_μ)`` with unnormalised overlaps ``M = s ξᵀ``,
shape ``(trial, pattern)``, integers for ±1 patterns. ``F(x) = x²`` is the pairwise Hopfield
network (order n = 1), ``F(x) = x^(n+1)`` the polynomial dense associative memory (Krotov & Hopfield
2016, NeurIPS), ``F(x) = exp(βx)`` the exponential DAM (Demircigil et al. 2017, J. Stat. Phys. 168).

**Energy-difference rule.** Unit ``i`` takes the sign of the energy drop
``Δ_i = E(s_i = -1) - E(s_i = +1) = Σ_μ [F(ξ_i^μ + c_i^μ) - F(-ξ_i^μ + c_i^μ)]`` with
``c_i^μ = M_μ - ξ_i^μ s_i``. Each model (one module in :mod:`hopfield_hclm.memory.models`) holds its
F and these rules; this module holds the shared matrix products. Because ``ξ_i^μ s_i = ±1`` this is exactly

    Δ_i = s_i Σ_μ (F(M_μ) - A_μ) + Σ_μ ξ_i^μ B_μ,
    A_μ = (F(M_μ + 2) + F(M_μ - 2)) / 2,   B_μ = (F(M_μ + 2) - F(M_μ - 2)) / 2,

i.e. a ``(trial,)`` coefficient ``a`` and a ``(trial, pattern)`` matrix ``b`` from the overlaps, then
one GEMM ``b ξ`` -- never a ``(trial, pattern, neuron)`` tensor. :func:`drop_coefficients` returns
a scaled, equivalent pair (same sign of ``Δ``):

- hopfield: ``Δ/4 = Σ_μ ξ_i^μ M_μ - P s_i = Σ_{j≠i} J_ij s_j`` with integer ``J = ξᵀξ``, zero diagonal
  (``a = -P``, ``b = M``); with ``self_coupling=True`` the diagonal ``J_ii = P`` is kept (``a = 0``);
- dense (``k = n + 1``): ``Δ/2``, i.e. ``a = Σ_μ (F - A)/2``, ``b = B/2 = ((M+2)^k - (M-2)^k)/4``,
  integers (the binomial terms of ``(M ± 2)^k`` that survive carry a factor ``2^j``, ``j ≥ 1``);
- exponential: ``Δ / (sinh(2β) Σ_ν e^{βM_ν}) = Σ_μ p_μ ξ_i^μ - s_i tanh β`` with
  ``p = softmax(βM)`` evaluated as ``exp(β(M - max M)) / Σ exp(β(M - max M))`` (no overflow at any βN).
  Limitation: when one pattern dominates the softmax and β is large, a unit aligned with it has a
  true drop below float rounding (``1 - tanh β`` and the other weights underflow relative to 1); it
  then counts as a tie and keeps its state.

Tie rule: ``Δ_i = 0`` keeps ``s_i``.

**Exactness.** For hopfield and dense every quantity is an integer (or, in the fused synchronous
Hopfield step, a half-integer); float32 holds them exactly while the bound of
:meth:`~hopfield_hclm.memory.models.base.MemoryModel.field_bound` is below 2^24 (hopfield: ``2 P (N + 1) < 2^24``, about N·P < 2^23),
float64 below 2^53, so CPU, CUDA and numba make identical decisions whatever their summation order.

**Temperature** (Glauber): ``P(s_i = +1) = ½ (1 + tanh(Δ̃_i / T))`` with the normalised drop
``Δ̃ = (scaled drop) / glauber_scale``: hopfield ``Δ̃ = h_i = (1/N) Σ_{j≠i} J_ij s_j`` (the
Amit–Gutfreund–Sompolinsky 1985 scale); dense ``Δ̃ = Δ / (2 (n+1) N^n) ≈ Σ_μ ξ_i^μ m_μ^n``, which is
``h_i`` again for n = 1 (``glauber_scale``: hopfield N, dense (n+1) N^n); exponential ``Δ̃ = Σ_μ p_μ ξ_i^μ - s_i tanh β`` (a softmax-weighted field in
[-2, 2]; T is then not a Boltzmann temperature of E but of a state-dependent rescaling of it).
"""

from __future__ import annotations

import torch

from .models import EXACT_INTEGER_LIMIT, MODELS, Bound, int_power, resolve_model

__all__ = ["EXACT_INTEGER_LIMIT", "MODELS", "Bound", "BinaryModel", "drop_coefficients", "energy_drops",
           "energy_per_neuron", "glauber_update", "int_power", "overlaps", "project", "threshold_update"]


def BinaryModel(model: str, neurons: int, patterns: int, order: int = 1, beta: float | None = None,
                self_coupling: bool = False) -> Bound:
    """The registered ``model`` (name, ``order``, ``beta``) bound to ``neurons`` N and ``patterns`` P.

    Kept for existing callers; equivalent to ``Bound(resolve_model(model, order=order, beta=beta), N, P,
    self_coupling)``. ``self_coupling`` keeps the Hopfield diagonal ``J_ii = P`` (hopfield only).
    """
    return Bound(resolve_model(model, order=order, beta=beta), neurons, patterns, self_coupling)


def overlaps(states: torch.Tensor, patterns: torch.Tensor) -> torch.Tensor:
    """Unnormalised overlaps ``M_μ = Σ_i ξ_i^μ s_i``, shape ``(trial, pattern)``.

    ``states``: ``(trial, neuron)``; ``patterns``: ``(1, pattern, neuron)`` shared by all trials (one
    GEMM) or ``(trial, pattern, neuron)`` (a batched matrix-vector product).
    """
    if patterns.shape[0] == 1:
        return states @ patterns[0].T
    return torch.bmm(patterns, states.unsqueeze(-1)).squeeze(-1)


def project(coefficients: torch.Tensor, patterns: torch.Tensor, *, offset: torch.Tensor | None = None,
            offset_scale: float = 1.0) -> torch.Tensor:
    """``offset_scale · offset_i + Σ_μ b_μ ξ_i^μ``: ``(trial, pattern)`` coefficients times patterns ->
    ``(trial, neuron)``, the offset fused into the GEMM (``addmm``/``baddbmm``)."""
    if offset is None:
        if patterns.shape[0] == 1:
            return coefficients @ patterns[0]
        return torch.bmm(coefficients.unsqueeze(1), patterns).squeeze(1)
    if patterns.shape[0] == 1:
        return torch.addmm(offset, coefficients, patterns[0], beta=offset_scale)
    return torch.baddbmm(offset.unsqueeze(1), coefficients.unsqueeze(1), patterns, beta=offset_scale).squeeze(1)


def drop_coefficients(model: Bound, overlap: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Coefficients ``(a, b)`` with scaled drop ``Δ'_i = s_i a + Σ_μ ξ_i^μ b_μ``.

    ``overlap``: ``(..., pattern)`` unnormalised overlaps M. Returns ``a`` of shape ``(...)`` and
    ``b`` of shape ``(..., pattern)`` in the dtype of ``overlap``. See the module docstring.
    """
    return model.drop_coefficients(overlap)


def energy_drops(model: Bound, states: torch.Tensor, patterns: torch.Tensor,
                 overlap: torch.Tensor | None = None) -> torch.Tensor:
    """Scaled energy drops ``Δ'`` of every unit, shape ``(trial, neuron)``; sign(Δ') = sign(Δ)."""
    if overlap is None:
        overlap = overlaps(states, patterns)
    a, b = drop_coefficients(model, overlap)
    return project(b, patterns, offset=states * a.unsqueeze(-1))


def energy_per_neuron(model: Bound, overlap: torch.Tensor) -> torch.Tensor:
    """Energy per neuron from overlaps M ``(trial, pattern)``, float64 ``(trial,)`` (the model's ``energy``).

    - hopfield: ``H/N = -(1/(2N²)) Σ_μ (M_μ² - N)`` = ``-(1/(2N)) Σ_{i≠j} J_ij s_i s_j / N`` with
      ``J = ξᵀξ/N`` (Amit, Gutfreund & Sompolinsky 1985); ``self_coupling=True`` drops the ``-N``;
    - dense: ``-(1/(n+1)) Σ_μ m_μ^(n+1)`` with ``m = M/N``;
    - exponential: ``-(1/(βN)) log Σ_μ exp(β M_μ)`` (log-sum-exp; a monotone transform of
      ``-Σ_μ exp(βM_μ)``, so it never rises under zero-temperature asynchronous updates).
    """
    return model.energy(overlap)


def threshold_update(states: torch.Tensor, drops: torch.Tensor) -> torch.Tensor:
    """Zero-temperature update: ``sign(Δ)``, keeping the current state where ``Δ = 0``."""
    return torch.where(drops == 0, states, torch.sign(drops).to(states.dtype))


def glauber_update(model: Bound, drops: torch.Tensor, uniforms: torch.Tensor, temperature: float,
                   dtype: torch.dtype) -> torch.Tensor:
    """Glauber update: ``+1`` where ``u < ½ (1 + tanh(Δ̃ / T))``, else ``-1``; evaluated in float64.

    ``uniforms`` are U[0, 1) float64 numbers of the same shape as ``drops``.
    """
    normalised = drops.to(torch.float64) / model.glauber_scale
    probability = 0.5 * (1.0 + torch.tanh(normalised / temperature))
    return torch.where(uniforms < probability, 1.0, -1.0).to(dtype)
