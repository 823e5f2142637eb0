"""Kernels of the continuous modern Hopfield network (Ramsauer et al. 2021) on plain tensors.

Everything here is a pure function of tensors, shared by the simulated network
(:mod:`hopfield_hclm.memory.models.modern`) and by the reading of a transformer's attention head as one
modern-Hopfield step (queries as states, keys as stored patterns, values as what is read out).

Shapes follow attention: ``queries`` ``(..., query, dim)``, ``keys`` ``(..., key, dim)``, ``values``
``(..., key, dim_v)`` (default: the keys), leading dims broadcast.  The network's state is a query,
its P stored patterns ξ^μ are the keys (X = keys, P × N).  With scores s_μ = ξ^μ·x:

- update (one attention step)        f(x) = Xᵀ softmax(β X x) = Σ_μ p_μ ξ^μ,   p = softmax(β s);
- energy (Ramsauer et al. 2021, eq. 2 with their constants)
      E(x) = −β⁻¹ log Σ_μ exp(β ξ^μ·x) + ½ x·x + β⁻¹ log P + ½ M²,     M = max_μ ‖ξ^μ‖,
  so that E ≥ ½(‖x‖ − M)² ≥ 0 for every x (log-sum-exp ≤ max + β⁻¹ log P, Cauchy–Schwarz);
- attention entropy H(x) = −Σ_μ p_μ log p_μ (nats, in [0, log P]) and the effective number of attended
  patterns n_eff = exp(H) ∈ [1, P];
- separation of pattern i (Ramsauer et al. 2021, Def. 1):  Δ_i = ξ^i·ξ^i − max_{μ≠i} ξ^i·ξ^μ.

Numerics: every softmax / log-sum-exp is computed from max-shifted scores, β (s − max s) ≤ 0, so no
exponential overflows at any β > 0 (β = 1e30 or a score of 1e30 give finite results; the entropy uses
p log p = 0 where p underflows to 0).

Retrieval-error bounds (derived in docs/theory.md, "Modern Hopfield networks"): for any state x,
with p = softmax(βXx) and target i,

    ‖f(x) − ξ^i‖ = ‖Σ_{μ≠i} p_μ (ξ^μ − ξ^i)‖ ≤ Σ_{μ≠i} e^{−β (s_i − s_μ)} ‖ξ^μ − ξ^i‖        ("logit" bound)
                 ≤ 2 M (P − 1) exp(−β (Δ_i − 2 M ‖x − ξ^i‖))                          ("ramsauer" bound)

(p_μ ≤ e^{β(s_μ − s_i)}; s_i − s_μ = (ξ^i − ξ^μ)·ξ^i + (ξ^i − ξ^μ)·(x − ξ^i) ≥ Δ_i − 2M‖x − ξ^i‖).
Both hold for every x with no condition; the second has the form of Ramsauer et al.'s exponentially-small retrieval-error theorem.  Both are also
capped by the trivial bound max_μ ‖ξ^μ − ξ^i‖ ≤ 2M (f(x) is a convex combination of the patterns).

End-state classes from n_eff (Ramsauer et al. 2021, Sec. 2: fixed points near a single pattern,
metastable states averaging a subset of similar patterns, one global average over all patterns):

- ``retrieval``  (0): n_eff < ``single_max`` = 1.5 -- closer to one pattern (n_eff = 1) than to the smallest
  mixture, an even split between two patterns (n_eff = 2);
- ``average``    (2): n_eff ≥ ``average_fraction`` · P with ``average_fraction`` = 0.5 -- more than half of all
  patterns effectively attended (β → 0 gives n_eff → P);
- ``metastable`` (1): everything in between.  When ``average_fraction`` · P ≤ ``single_max`` (P ≤ 3 at the
  defaults) nothing is metastable: every state is either retrieval or average.

References: Ramsauer et al., "Hopfield Networks is All You Need", ICLR 2021 (arXiv:2008.02217);
Demircigil et al. 2017, J. Stat. Phys. 168, 288; Vaswani et al. 2017 (scaled dot-product attention).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import torch

from ..core.batching import batch_invariant_bmm
from ..core.validation import check_int, check_real

#: names of the end-state classes, indexed by the integer codes of :func:`classify_end_state`
END_STATES: tuple[str, ...] = ("retrieval", "metastable", "average")
DEFAULT_SINGLE_MAX: float = 1.5
DEFAULT_AVERAGE_FRACTION: float = 0.5

REFERENCES = (
    "Ramsauer et al. 2021, ICLR, arXiv:2008.02217 (Hopfield networks is all you need); "
    "Demircigil, Heusel, Loewe, Upgang & Vermet 2017, J. Stat. Phys. 168, 288; "
    "Lucibello & Mezard 2024, PRL 132, 077301 (exponential capacity of dense associative memories)"
)


def _check_beta(beta) -> float | torch.Tensor:
    """β > 0: a real number, or a tensor of positive finite values broadcasting against the scores."""
    if isinstance(beta, torch.Tensor):
        if not beta.is_floating_point() or not bool(torch.isfinite(beta).all()) or not bool((beta > 0).all()):
            raise ValueError("beta must be > 0 and finite (every element of a beta tensor)")
        return beta
    return check_real("beta", beta, low=0.0, low_open=True)


def _check_pair(queries: torch.Tensor, keys: torch.Tensor) -> None:
    for name, t in (("queries", queries), ("keys", keys)):
        if not isinstance(t, torch.Tensor) or t.ndim < 2 or not t.is_floating_point():
            raise ValueError(f"{name} must be a floating-point torch.Tensor of shape (..., {name[:-1]}, dim)")
    if queries.shape[-1] != keys.shape[-1]:
        raise ValueError(f"queries and keys must have the same last (dim) size; got {queries.shape[-1]} and "
                         f"{keys.shape[-1]}")
    if keys.shape[-2] < 1:
        raise ValueError("keys must hold at least one key (pattern)")


def scores(queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
    """Raw scores s = q·k, ``(..., query, key)`` (no β)."""
    _check_pair(queries, keys)
    return queries @ keys.transpose(-1, -2)


def log_weights_from_scores(s: torch.Tensor, beta) -> torch.Tensor:
    """log softmax(β s) over the last axis, overflow-free at any β > 0.

    Computed as z − logsumexp(z) with z = β (s − max s) ≤ 0, so the largest z is 0 and nothing overflows;
    entries whose weight underflows get −inf (never NaN).  ``s`` ``(..., key)``; same shape out.
    """
    beta = _check_beta(beta)
    z = (s - s.amax(dim=-1, keepdim=True)) * beta
    return z - torch.logsumexp(z, dim=-1, keepdim=True)


def entropy_from_log_weights(log_p: torch.Tensor) -> torch.Tensor:
    """H = −Σ p log p over the last axis (nats), with 0 log 0 = 0; ``(..., key) -> (...)``."""
    p = log_p.exp()
    return -torch.where(p > 0, p * log_p, torch.zeros_like(p)).sum(dim=-1) + 0.0  # + 0.0 turns -0.0 into 0.0


def attention_weights(queries: torch.Tensor, keys: torch.Tensor, beta) -> torch.Tensor:
    """p = softmax(β q·kᵀ) over the keys, ``(..., query, key)``; rows sum to 1."""
    return log_weights_from_scores(scores(queries, keys), beta).exp()


def attention_entropy(queries: torch.Tensor, keys: torch.Tensor, beta) -> torch.Tensor:
    """Entropy H = −Σ_μ p_μ log p_μ of p = softmax(β q·kᵀ), nats, ``(..., query)``; 0 ≤ H ≤ log(key)."""
    return entropy_from_log_weights(log_weights_from_scores(scores(queries, keys), beta))


def effective_patterns(queries: torch.Tensor, keys: torch.Tensor, beta) -> torch.Tensor:
    """Effective number of attended patterns n_eff = exp(H), ``(..., query)``, in [1, key]."""
    return attention_entropy(queries, keys, beta).exp()


def hopfield_update(queries: torch.Tensor, keys: torch.Tensor, beta, values: torch.Tensor | None = None
                    ) -> torch.Tensor:
    """One modern-Hopfield (attention) step f(q) = softmax(β q·kᵀ) V, ``(..., query, dim_v)``.

    ``values`` ``(..., key, dim_v)`` defaults to ``keys`` (the network's update x ← Xᵀ softmax(βXx)).
    """
    p = attention_weights(queries, keys, beta)
    if values is None:
        values = keys
    elif values.shape[-2] != keys.shape[-2]:
        raise ValueError(f"values must have as many rows as keys ({keys.shape[-2]}); got {values.shape[-2]}")
    return p @ values.to(p.dtype)


def pattern_norm_bound(keys: torch.Tensor) -> torch.Tensor:
    """M = max_μ ‖ξ^μ‖ over the keys, ``(..., key, dim) -> (...)``."""
    return torch.linalg.vector_norm(keys, dim=-1).amax(dim=-1)


def energy(queries: torch.Tensor, keys: torch.Tensor, beta) -> torch.Tensor:
    """Ramsauer energy E(x) = −β⁻¹ lse(β X x) + ½ x·x + β⁻¹ log P + ½ M², ``(..., query)``; E ≥ 0.

    The log-sum-exp is max-shifted: β⁻¹ lse(β s) = max s + β⁻¹ log Σ exp(β (s − max s)).
    """
    beta = _check_beta(beta)
    s = scores(queries, keys)
    s_max = s.amax(dim=-1)
    lse = s_max + torch.logsumexp((s - s_max.unsqueeze(-1)) * beta, dim=-1) / beta
    count = keys.shape[-2]
    m = pattern_norm_bound(keys).unsqueeze(-1)
    return -lse + 0.5 * (queries * queries).sum(dim=-1) + math.log(count) / beta + 0.5 * m * m


def classify_end_state(effective: torch.Tensor, patterns: int, *, single_max: float = DEFAULT_SINGLE_MAX,
                       average_fraction: float = DEFAULT_AVERAGE_FRACTION) -> torch.Tensor:
    """End-state class codes (0 retrieval, 1 metastable, 2 average; :data:`END_STATES`), same shape as ``effective``.

    ``effective`` is n_eff = exp(H) of the final state; ``patterns`` is P (the number of keys).  Thresholds
    and why: module docstring.  NaN n_eff gives code −1 (missing).
    """
    if isinstance(patterns, bool) or not isinstance(patterns, int) or patterns < 1:
        raise ValueError(f"patterns must be an integer >= 1; got {patterns!r}")
    single_max = check_real("single_max", single_max, low=1.0, low_open=True)
    average_fraction = check_real("average_fraction", average_fraction, low=0.0, high=1.0, low_open=True)
    codes = torch.ones_like(effective, dtype=torch.int64)
    codes = torch.where(effective >= max(single_max, average_fraction * patterns), torch.full_like(codes, 2), codes)
    codes = torch.where(effective < single_max, torch.zeros_like(codes), codes)
    return torch.where(torch.isnan(effective), torch.full_like(codes, -1), codes)


def pattern_separation(keys: torch.Tensor, index: int | None = None) -> torch.Tensor:
    """Separation Δ_i = ξ^i·ξ^i − max_{μ≠i} ξ^i·ξ^μ (Ramsauer et al. 2021, Def. 1).

    ``keys`` ``(..., key, dim)``.  ``index=None``: all patterns, ``(..., key)`` (builds the key × key Gram
    matrix); ``index=i``: pattern i only, ``(...)`` (one matrix-vector product).  Δ_i > 0 means ξ^i has a
    larger score with itself than any other pattern has with it.  With one key, Δ = +inf.
    """
    if not isinstance(keys, torch.Tensor) or keys.ndim < 2 or not keys.is_floating_point():
        raise ValueError("keys must be a floating-point torch.Tensor of shape (..., key, dim)")
    count = keys.shape[-2]
    if index is None:
        gram = keys @ keys.transpose(-1, -2)
        diag = gram.diagonal(dim1=-2, dim2=-1)
        if count == 1:
            return torch.full_like(diag, math.inf)
        eye = torch.eye(count, dtype=torch.bool, device=keys.device)
        other = gram.masked_fill(eye, -math.inf).amax(dim=-1)
        return diag - other
    if isinstance(index, bool) or not isinstance(index, int) or not -count <= index < count:
        raise ValueError(f"index must be an integer in [0, {count}); got {index!r}")
    index %= count
    target = keys[..., index, :]
    s = (keys @ target.unsqueeze(-1)).squeeze(-1)
    self_score = s[..., index]
    if count == 1:
        return torch.full_like(self_score, math.inf)
    s = s.clone()
    s[..., index] = -math.inf
    return self_score - s.amax(dim=-1)


def retrieval_error_bound(queries: torch.Tensor, keys: torch.Tensor, beta, *, index: int = 0,
                          form: str = "ramsauer", values: torch.Tensor | None = None) -> torch.Tensor:
    """Upper bound on the one-step retrieval error ‖f(x) − v_i‖ for every query x, ``(..., query)``.

    ``form="ramsauer"`` (values = keys only): 2 M (P − 1) exp(−β (Δ_i − 2 M ‖x − ξ^i‖)), M = max_μ ‖ξ^μ‖,
    Δ_i = :func:`pattern_separation` (the form of Ramsauer et al. 2021's retrieval-error theorem).
    ``form="logit"``: Σ_{μ≠i} exp(−β (s_i − s_μ)) ‖v_μ − v_i‖ from the exact scores s = x·k (any values,
    default the keys); it is never larger than the Ramsauer form when values = keys.
    Neither form is capped (the trivial cap is max_μ ‖v_μ − v_i‖); exponents are evaluated in log space
    and the result is +inf only where the true bound overflows the dtype.  Derivation: module docstring.
    """
    beta = _check_beta(beta)
    _check_pair(queries, keys)
    count = keys.shape[-2]
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
        raise ValueError(f"index must be an integer in [0, {count}); got {index!r}")
    if form not in ("ramsauer", "logit"):
        raise ValueError(f"form must be one of 'ramsauer', 'logit'; got {form!r}")
    if count == 1:
        return torch.zeros(queries.shape[:-1], dtype=queries.dtype, device=queries.device)
    if form == "ramsauer":
        if values is not None:
            raise ValueError("values must be None for form='ramsauer' (the theorem is for values = keys)")
        m = pattern_norm_bound(keys).unsqueeze(-1)                        # (..., 1)
        delta = pattern_separation(keys, index).unsqueeze(-1)             # (..., 1)
        dist = torch.linalg.vector_norm(queries - keys[..., index:index + 1, :], dim=-1)
        log_bound = math.log(2.0 * (count - 1)) + torch.log(m) - beta * (delta - 2.0 * m * dist)
        return log_bound.exp()
    if values is None:
        values = keys
    s = scores(queries, keys)                                             # (..., query, key)
    gap = s[..., index:index + 1] - s                                     # s_i - s_mu
    dist = torch.linalg.vector_norm(values - values[..., index:index + 1, :], dim=-1).unsqueeze(-2)
    log_terms = -beta * gap + torch.log(dist)
    log_terms[..., index] = -math.inf
    return torch.logsumexp(log_terms, dim=-1).exp()


def fixed_point_radius(beta: float, norm_bound: float) -> float:
    """r* = 1 / (2 β M): the radius at which the invariant-ball condition of :func:`separation_threshold` is tightest."""
    beta = check_real("beta", beta, low=0.0, low_open=True)
    norm_bound = check_real("norm_bound", norm_bound, low=0.0, low_open=True)
    return 1.0 / (2.0 * beta * norm_bound)


def separation_threshold(patterns: int, beta: float, norm_bound: float) -> float:
    """Δ_min = β⁻¹ [1 + log(4 β M² (P − 1))]: if Δ_i ≥ Δ_min, the ball ‖x − ξ^i‖ ≤ 1/(2βM) is invariant.

    From the Ramsauer-form bound: f maps the ball of radius r about ξ^i into itself when
    2M(P − 1) e^{−β(Δ_i − 2Mr)} ≤ r; the r that needs the least separation is r* = 1/(2βM), giving Δ_min.
    The ball then holds a fixed point (Brouwer) and every iterate of a cue inside it stays inside
    (derivation in docs/theory.md).  P = 1 gives −inf (always satisfied).
    """
    if isinstance(patterns, bool) or not isinstance(patterns, int) or patterns < 1:
        raise ValueError(f"patterns must be an integer >= 1; got {patterns!r}")
    beta = check_real("beta", beta, low=0.0, low_open=True)
    norm_bound = check_real("norm_bound", norm_bound, low=0.0, low_open=True)
    if patterns == 1:
        return -math.inf
    return (1.0 + math.log(4.0 * beta * norm_bound**2 * (patterns - 1))) / beta


# --------------------------------------------------------------------------------------------------------------
# Dynamics of the network: synchronous iteration and continuous time, with the per-record diagnostics.
# --------------------------------------------------------------------------------------------------------------

UPDATES: tuple[str, ...] = ("sync", "continuous")
METHODS: tuple[str, ...] = ("euler", "heun", "rk4")

#: series every run records, name -> (long_name, units); time units are steps (sync) or time constants
SERIES_ATTRS: dict[str, tuple[str, str]] = {
    "overlap": ("cosine of the state with the target pattern, x.xi0 / (|x| |xi0|)", "1"),
    "max_other_overlap": ("largest absolute cosine of the state with a non-target pattern", "1"),
    "energy": ("Ramsauer energy per neuron E(x)/N, E = -lse(beta X x)/beta + x.x/2 + log(P)/beta + M^2/2 >= 0",
               "1"),
    "attention_entropy": ("entropy of the attention weights softmax(beta X x)", "nat"),
    "effective_patterns": ("effective number of attended patterns exp(attention entropy)", "1"),
    "speed": ("state speed |f(x) - x| / sqrt(N) (continuous: |dx/dt| / sqrt(N))", "1"),
    "retrieval_force": ("retrieval force <grad_x overlap, f(x) - x> (continuous: exactly d overlap / dt)", "1"),
    "readout_error": ("one-step readout error |f(x) - xi0| of the attention readout from the state", "1"),
    "error_bound": ("Ramsauer bound min(2M(P-1)exp(-beta(Delta0 - 2M|x - xi0|)), max_mu |xi_mu - xi0|) on the "
                    "readout error", "1"),
    "error_bound_logit": ("logit bound min(sum_{mu>0} exp(-beta(s0 - s_mu)) |xi_mu - xi0|, max_mu |xi_mu - xi0|) "
                          "on the readout error", "1"),
}
SERIES: tuple[str, ...] = tuple(SERIES_ATTRS)


@dataclass(frozen=True)
class ModernRun:
    """Diagnostics of a batch of modern-Hopfield trials.

    Attributes:
        time: ``(record,)`` float64; ``time[0] = 0`` is the cue (steps for sync, time constants for continuous).
        series: name -> ``(trial, record)`` tensor for every name in :data:`SERIES`.
        separation: ``(trial,)`` Δ_0 = ξ^0·ξ^0 − max_{μ≠0} ξ^0·ξ^μ of each trial's patterns (ξ^0·ξ^0 when P = 1).
        norm_bound: ``(trial,)`` M = max_μ ‖ξ^μ‖.
        final_state: ``(trial, neuron)`` state after the last step.
        states: optional ``(trial, record, neuron)`` recorded states.
        info: integrator and settings.
    """

    time: np.ndarray
    series: Mapping[str, torch.Tensor]
    separation: torch.Tensor
    norm_bound: torch.Tensor
    final_state: torch.Tensor
    states: torch.Tensor | None = None
    info: Mapping[str, object] = field(default_factory=dict)


class _Network:
    """Patterns of one batch in the layouts the batch-invariant matmuls need, plus per-trial constants."""

    def __init__(self, patterns: torch.Tensor, trials: int, beta: float) -> None:
        self.beta = beta
        self.count = patterns.shape[1]
        self.neurons = patterns.shape[2]
        # (trial, 1, N) @ (trial, N, P) and (trial, 1, P) @ (trial, P, N) through batch_invariant_bmm: each
        # trial's result is bit-identical whatever the batch it runs in (the (trial, P, N) @ (trial, N, 1) form
        # is not, measured on CPU; plain bmm is not for a batch of one with several threads)
        self.xi = patterns.expand(trials, -1, -1)
        self.xi_t = self.xi.transpose(1, 2)
        norms = torch.linalg.vector_norm(patterns, dim=-1)                      # (trial|1, P)
        self.norms = norms.expand(trials, -1)
        self.target = self.xi[:, 0, :]
        self.target_norm = self.norms[:, 0]
        self.norm_bound = self.norms.amax(dim=1)                                 # M, (trial,)
        # Δ_0 from the row-vector product, so it is batch-invariant like everything else
        s0 = self.scores(self.target)                                              # (trial, P)
        # P = 1 has no competitor: Δ_0 is recorded as ξ0·ξ0 (max over the empty set taken as 0), kept finite
        self.separation = s0[:, 0] - s0[:, 1:].amax(dim=1) if self.count > 1 else s0[:, 0].clone()
        self.log_dist = torch.log(torch.linalg.vector_norm(patterns - patterns[:, :1, :], dim=-1)).expand(trials, -1)
        self.log_count = math.log(self.count)
        self.log_trivial = self.log_dist.amax(dim=1)                              # log max_mu |xi_mu - xi0|
    def choose_softmax(self, x0: torch.Tensor) -> None:
        """Use the fused ``torch.softmax(beta s)`` only where beta s cannot overflow the dtype.

        |s| <= M |x| and |x(t)| <= max(M, |x0|) along the flow (f(x) lies in the patterns' convex hull and
        sync / Euler steps with dt <= 1 are convex combinations); with a 4000x margin for the intermediate
        stages of Heun / RK4, beta M R < max / 4000 keeps beta s finite.  Otherwise the max-shifted path
        of :func:`log_weights_from_scores` is used (never overflows, slower).
        """
        big = torch.finfo(x0.dtype).max
        radius = torch.maximum(self.norm_bound.max(), torch.linalg.vector_norm(x0, dim=1).max())
        self.fused = bool((self.beta * self.norm_bound.max() * radius * 4000.0 < big).item())

    def scores(self, x: torch.Tensor) -> torch.Tensor:
        return batch_invariant_bmm(x.unsqueeze(1), self.xi_t).squeeze(1)                  # (trial, P)

    def readout(self, p: torch.Tensor) -> torch.Tensor:
        return batch_invariant_bmm(p.unsqueeze(1), self.xi).squeeze(1)                    # (trial, N)

    def update(self, x: torch.Tensor) -> torch.Tensor:
        s = self.scores(x)
        p = torch.softmax(s * self.beta, dim=-1) if self.fused else log_weights_from_scores(s, self.beta).exp()
        return self.readout(p)

    def record(self, x: torch.Tensor, out: dict[str, torch.Tensor], k: int) -> torch.Tensor:
        """Write every series at record k for state x; return f(x)."""
        beta = self.beta
        s = self.scores(x)
        s_max = s.amax(dim=1, keepdim=True)
        z = (s - s_max) * beta                                   # <= 0: nothing overflows at any beta
        lse_z = torch.logsumexp(z, dim=1, keepdim=True)
        log_p = z - lse_z
        f = self.readout(log_p.exp())
        x_norm = torch.linalg.vector_norm(x, dim=1)
        cos = s / (self.norms * x_norm.unsqueeze(1))
        m = cos[:, 0]
        out["overlap"][k] = m
        out["max_other_overlap"][k] = cos[:, 1:].abs().amax(dim=1) if self.count > 1 else float("nan")
        lse = (s_max + lse_z / beta).squeeze(1)                 # beta^-1 lse(beta s), max-shifted
        e = -lse + 0.5 * (x * x).sum(dim=1) + self.log_count / beta + 0.5 * self.norm_bound**2
        out["energy"][k] = e / self.neurons
        h = entropy_from_log_weights(log_p)
        out["attention_entropy"][k] = h
        out["effective_patterns"][k] = h.exp()
        v = f - x
        out["speed"][k] = torch.linalg.vector_norm(v, dim=1) / math.sqrt(self.neurons)
        # grad_x cos(x, u) = (u - m x_hat) / |x|, u = xi0/|xi0|
        u_v = (self.target * v).sum(dim=1) / self.target_norm
        xh_v = (x * v).sum(dim=1) / x_norm
        out["retrieval_force"][k] = (u_v - m * xh_v) / x_norm
        out["readout_error"][k] = torch.linalg.vector_norm(f - self.target, dim=1)
        if self.count == 1:
            out["error_bound"][k] = 0.0
            out["error_bound_logit"][k] = 0.0
        else:
            # both bounds capped at the trivial one, max_mu |xi_mu - xi0| (f(x) is a convex combination):
            # still bounds, and finite where the raw exponential overflows (far states at large beta)
            dist = torch.linalg.vector_norm(x - self.target, dim=1)
            mm = self.norm_bound
            raw = (math.log(2.0 * (self.count - 1)) + torch.log(mm) - beta * (self.separation - 2.0 * mm * dist))
            out["error_bound"][k] = torch.minimum(raw, self.log_trivial).exp()
            terms = -beta * (s[:, :1] - s) + self.log_dist
            terms[:, 0] = -math.inf
            out["error_bound_logit"][k] = torch.minimum(torch.logsumexp(terms, dim=1), self.log_trivial).exp()
        return f


def _check_run(patterns, x0, beta, update, steps, dt, record_every, method, record_states):
    if not isinstance(x0, torch.Tensor) or x0.ndim != 2 or not x0.is_floating_point():
        raise ValueError("x0 must be a floating-point torch.Tensor of shape (trial, neuron)")
    if not isinstance(patterns, torch.Tensor) or patterns.ndim != 3 or not patterns.is_floating_point():
        raise ValueError("patterns must be a floating-point torch.Tensor of shape (trial or 1, pattern, neuron)")
    trials, neurons = x0.shape
    if trials < 1 or neurons < 1:
        raise ValueError(f"x0 must have at least one trial and one neuron; got shape {tuple(x0.shape)}")
    if patterns.shape[0] not in (1, trials) or patterns.shape[1] < 1 or patterns.shape[2] != neurons:
        raise ValueError(f"patterns must have shape (1 or {trials}, pattern >= 1, {neurons}) to match x0; "
                         f"got {tuple(patterns.shape)}")
    check_real("beta", beta, low=0.0, low_open=True)
    if update not in UPDATES:
        raise ValueError(f"update must be one of {', '.join(map(repr, UPDATES))}; got {update!r}")
    check_int("steps", steps, minimum=0)
    check_real("dt", dt, low=0.0, low_open=True)
    if update == "sync" and dt != 1.0:
        raise ValueError(f"dt must be 1.0 for update='sync' (time is counted in steps); got {dt:g}")
    check_int("record_every", record_every, minimum=1)
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}; got {method!r}")
    if update == "sync" and method != "euler":
        raise ValueError(f"method must be 'euler' (its default) for update='sync'; got {method!r}")
    if record_states not in (True, False):
        raise ValueError(f"record_states must be one of True, False; got {record_states!r}")


@torch.inference_mode()
def run(patterns: torch.Tensor, x0: torch.Tensor, *, beta: float, update: str = "sync", steps: int,
        dt: float = 1.0, record_every: int = 1, method: str = "euler", record_states: bool = False) -> ModernRun:
    """Run the modern Hopfield network from ``x0`` and record :data:`SERIES` every ``record_every`` steps and at 0.

    - ``update="sync"``: x_{t+1} = f(x_t) = Xᵀ softmax(β X x_t) (repeated attention; time in steps, dt = 1);
    - ``update="continuous"``: dx/dt = −x + f(x) = −∇E(x), integrated with ``method`` "euler", "heun" or "rk4"
      and step ``dt`` (time in time constants).  The flow is gradient descent on E, so dE/dt = −‖dx/dt‖²;
      an Euler step with dt ≤ 2 lowers E by at least dt(1 − dt/2)‖f(x) − x‖² (concave–convex bound), and
      sync is the Euler step dt = 1 (the concave-convex procedure of Yuille & Rangarajan 2003, as used by
      Ramsauer et al. 2021 for the energy decrease).

    Args:
        patterns: ``(trial or 1, pattern, neuron)`` real patterns ξ^μ; pattern 0 is the target.  Moved to
            ``x0``'s device and dtype.
        x0: ``(trial, neuron)`` cue (not modified); sets device and dtype.
        beta: inverse temperature β > 0.
        steps, dt, record_every, method: as above; ``len(time) = steps // record_every + 1``.
        record_states: also return the recorded states ``(trial, record, neuron)``.

    Each trial's numbers do not depend on the batch it runs in: every product is a per-trial row-vector
    ``bmm`` (bit-identical across batch sizes on CPU, tested).

    Raises:
        ValueError: a bad argument, before any work.  FloatingPointError: a non-finite series or state.
    """
    _check_run(patterns, x0, beta, update, steps, dt, record_every, method, record_states)
    beta = float(beta)
    device, dtype = x0.device, x0.dtype
    trials, neurons = x0.shape
    patterns = patterns.to(device=device, dtype=dtype)
    net = _Network(patterns, trials, beta)
    net.choose_softmax(x0)
    records = steps // record_every + 1
    out = {name: torch.empty(records, trials, device=device, dtype=dtype) for name in SERIES}
    states = torch.empty(records, trials, neurons, device=device, dtype=dtype) if record_states else None

    def advance(x: torch.Tensor, f: torch.Tensor | None) -> torch.Tensor:
        if update == "sync":
            return f if f is not None else net.update(x)
        k1 = (f if f is not None else net.update(x)) - x
        if method == "euler":
            return x + dt * k1
        if method == "heun":
            y = x + dt * k1
            k2 = net.update(y) - y
            return x + (0.5 * dt) * (k1 + k2)
        y = x + (0.5 * dt) * k1
        k2 = net.update(y) - y
        y = x + (0.5 * dt) * k2
        k3 = net.update(y) - y
        y = x + dt * k3
        k4 = net.update(y) - y
        return x + (dt / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)

    x = x0.detach().clone()
    for step in range(steps):
        f = None
        if step % record_every == 0:
            k = step // record_every
            f = net.record(x, out, k)
            if states is not None:
                states[k] = x
        x = advance(x, f)
    if steps % record_every == 0:
        net.record(x, out, steps // record_every)
        if states is not None:
            states[steps // record_every] = x
    time = np.arange(records, dtype=np.float64) * (record_every * (dt if update == "continuous" else 1.0))
    for name, buf in out.items():
        if name == "max_other_overlap" and net.count == 1:
            continue
        bad = (~torch.isfinite(buf)).any(dim=1).nonzero()
        if bad.numel():
            k = int(bad[0, 0])
            raise FloatingPointError(f"modern Hopfield dynamics produced a non-finite {name} at time {time[k]:g}")
    if not bool(torch.isfinite(x).all()):
        raise FloatingPointError("modern Hopfield dynamics produced a non-finite state")
    info = {"update": update, "method": method if update == "continuous" else "none", "dt": dt, "beta": beta,
            "patterns": net.count, "neurons": neurons, "fused_softmax": net.fused, "references": REFERENCES}
    return ModernRun(time=time, series={name: buf.t() for name, buf in out.items()},
                     separation=net.separation.clone(), norm_bound=net.norm_bound.clone(), final_state=x,
                     states=None if states is None else states.permute(1, 0, 2), info=info)
