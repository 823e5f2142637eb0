"""Binary ±1 associative memories: energies and the energy-difference rule as matrix products.

A binary model has energy ``E(s) = -Σ_μ F(M_μ)`` with unnormalised overlaps ``M = s ξᵀ``,
shape ``(trial, pattern)``, integers for ±1 patterns. ``F(x) = x²`` is the pairwise Hopfield
network (order n = 1), ``F(x) = x^(n+1)`` the polynomial dense associative memory (Krotov & Hopfield
2016, NeurIPS), ``F(x) = exp(βx)`` the exponential DAM (Demircigil et al. 2017, J. Stat. Phys. 168).

**Energy-difference rule.** Unit ``i`` takes the sign of the energy drop
``Δ_i = E(s_i = -1) - E(s_i = +1) = Σ_μ [F(ξ_i^μ + c_i^μ) - F(-ξ_i^μ + c_i^μ)]`` with
``c_i^μ = M_μ - ξ_i^μ s_i``. Because ``ξ_i^μ s_i = ±1`` this is exactly

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
:meth:`BinaryModel.field_bound` is below 2^24 (hopfield: ``2 P (N + 1) < 2^24``, about N·P < 2^23),
float64 below 2^53, so CPU, CUDA and numba make identical decisions whatever their summation order.

**Temperature** (Glauber): ``P(s_i = +1) = ½ (1 + tanh(Δ̃_i / T))`` with the normalised drop
``Δ̃ = (scaled drop) / glauber_scale``: hopfield ``Δ̃ = h_i = (1/N) Σ_{j≠i} J_ij s_j`` (the
Amit–Gutfreund–Sompolinsky 1985 scale); dense ``Δ̃ = Δ / (2 (n+1) N^n) ≈ Σ_μ ξ_i^μ m_μ^n``, which is
``h_i`` again for n = 1 (``glauber_scale``: hopfield N, dense (n+1) N^n); exponential ``Δ̃ = Σ_μ p_μ ξ_i^μ - s_i tanh β`` (a softmax-weighted field in
[-2, 2]; T is then not a Boltzmann temperature of E but of a state-dependent rescaling of it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

MODELS = ("hopfield", "dense", "exponential")

#: largest integer magnitude a dtype represents exactly (2^(mantissa bits + 1)).
EXACT_INTEGER_LIMIT = {torch.float32: 2**24, torch.float64: 2**53}


@dataclass(frozen=True)
class BinaryModel:
    """A binary associative memory: ``model`` in :data:`MODELS`, interaction ``order`` n, ``beta``.

    ``neurons`` N and ``patterns`` P fix the normalisations; ``self_coupling`` keeps the Hopfield
    diagonal ``J_ii = P`` (hopfield only; the energy-difference rule itself has no self term).
    """

    model: str
    neurons: int
    patterns: int
    order: int = 1
    beta: float | None = None
    self_coupling: bool = False

    @property
    def power(self) -> int:
        """The exponent k = n + 1 of F(x) = x^k (2 for hopfield)."""
        return self.order + 1

    def field_bound(self) -> float:
        """Upper bound on every integer a hopfield/dense drop computation forms (inf for exponential)."""
        n_, p_ = self.neurons, self.patterns
        if self.model == "hopfield":  # x2: the fused synchronous step forms half-integers
            return 2.0 * p_ * (n_ + 1)
        if self.model == "dense":
            return 2.0 * p_ * float(n_ + 2) ** self.power
        return math.inf

    def is_exact(self, dtype: torch.dtype) -> bool:
        """Whether ``dtype`` holds every field of this model exactly (never for exponential)."""
        return self.field_bound() < EXACT_INTEGER_LIMIT.get(dtype, 0)

    def default_dtype(self) -> torch.dtype:
        """float32 where it is exact, else float64 (exponential: float64)."""
        return torch.float32 if self.is_exact(torch.float32) else torch.float64

    @property
    def glauber_scale(self) -> float:
        """Divisor turning :func:`energy_drops` into the normalised drop Δ̃ used with temperature."""
        if self.model == "hopfield":
            return float(self.neurons)
        if self.model == "dense":
            return (self.order + 1) * float(self.neurons) ** self.order
        return 1.0


def int_power(x: torch.Tensor, k: int) -> torch.Tensor:
    """``x**k`` by repeated multiplication (exact for integer-valued floats within the mantissa)."""
    result = x
    for _ in range(k - 1):
        result = result * x
    return result


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


def drop_coefficients(model: BinaryModel, overlap: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Coefficients ``(a, b)`` with scaled drop ``Δ'_i = s_i a + Σ_μ ξ_i^μ b_μ``.

    ``overlap``: ``(..., pattern)`` unnormalised overlaps M. Returns ``a`` of shape ``(...)`` and
    ``b`` of shape ``(..., pattern)`` in the dtype of ``overlap``. See the module docstring.
    """
    if model.model == "hopfield":
        a = torch.full(overlap.shape[:-1], 0.0 if model.self_coupling else -float(model.patterns),
                       dtype=overlap.dtype, device=overlap.device)
        return a, overlap
    if model.model == "dense":
        k = model.power
        up = int_power(overlap + 2, k)
        down = int_power(overlap - 2, k)
        centre = int_power(overlap, k)
        a = ((centre - (up + down) / 2) / 2).sum(-1)
        return a, (up - down) / 4
    beta = float(model.beta)
    shifted = overlap - overlap.amax(-1, keepdim=True)
    weights = torch.exp(beta * shifted)
    probabilities = weights / weights.sum(-1, keepdim=True)
    a = torch.full(overlap.shape[:-1], -math.tanh(beta), dtype=overlap.dtype, device=overlap.device)
    return a, probabilities


def energy_drops(model: BinaryModel, states: torch.Tensor, patterns: torch.Tensor,
                 overlap: torch.Tensor | None = None) -> torch.Tensor:
    """Scaled energy drops ``Δ'`` of every unit, shape ``(trial, neuron)``; sign(Δ') = sign(Δ)."""
    if overlap is None:
        overlap = overlaps(states, patterns)
    a, b = drop_coefficients(model, overlap)
    return project(b, patterns, offset=states * a.unsqueeze(-1))


def energy_per_neuron(model: BinaryModel, overlap: torch.Tensor) -> torch.Tensor:
    """Energy per neuron from overlaps M ``(trial, pattern)``, float64 ``(trial,)``.

    - hopfield: ``H/N = -(1/(2N²)) Σ_μ (M_μ² - N)`` = ``-(1/(2N)) Σ_{i≠j} J_ij s_i s_j / N`` with
      ``J = ξᵀξ/N`` (Amit, Gutfreund & Sompolinsky 1985); ``self_coupling=True`` drops the ``-N``;
    - dense: ``-(1/(n+1)) Σ_μ m_μ^(n+1)`` with ``m = M/N``;
    - exponential: ``-(1/(βN)) log Σ_μ exp(β M_μ)`` (log-sum-exp; a monotone transform of
      ``-Σ_μ exp(βM_μ)``, so it never rises under zero-temperature asynchronous updates).
    """
    m = overlap.to(torch.float64)
    n_ = float(model.neurons)
    if model.model == "hopfield":
        diagonal = 0.0 if model.self_coupling else n_ * model.patterns
        return -((m * m).sum(-1) - diagonal) / (2.0 * n_ * n_)
    if model.model == "dense":
        return -int_power(m / n_, model.power).sum(-1) / model.power
    beta = float(model.beta)
    return -torch.logsumexp(beta * m, dim=-1) / (beta * n_)


def threshold_update(states: torch.Tensor, drops: torch.Tensor) -> torch.Tensor:
    """Zero-temperature update: ``sign(Δ)``, keeping the current state where ``Δ = 0``."""
    return torch.where(drops == 0, states, torch.sign(drops).to(states.dtype))


def glauber_update(model: BinaryModel, drops: torch.Tensor, uniforms: torch.Tensor, temperature: float,
                   dtype: torch.dtype) -> torch.Tensor:
    """Glauber update: ``+1`` where ``u < ½ (1 + tanh(Δ̃ / T))``, else ``-1``; evaluated in float64.

    ``uniforms`` are U[0, 1) float64 numbers of the same shape as ``drops``.
    """
    normalised = drops.to(torch.float64) / model.glauber_scale
    probability = 0.5 * (1.0 + torch.tanh(normalised / temperature))
    return torch.where(uniforms < probability, 1.0, -1.0).to(dtype)
