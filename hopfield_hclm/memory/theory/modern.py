"""Large-N theory of the modern Hopfield network at exponential load P = e^{αN} (docs/theory.md, section 7).

Setting (Lucibello & Mézard 2024, PRL 132, 077301: an auxiliary random energy model): patterns with
‖ξ^μ‖² = N (exactly for "spherical" and "binary", to O(√N) for "gaussian"), β = O(1), and a state x with
‖x‖ = √N and cosine c to the target ξ^0 that is independent of the other patterns (the simulator's cue;
c = 1 is the state sitting on the target).  The scores are s_0 = Nc and s_μ = N q_μ, where the overlaps
q_μ = ξ^μ·x/N of the P − 1 other patterns are i.i.d. with large-deviation rate

    Prob(q_μ ≈ q) ≍ e^{N s(q)}:   spherical s(q) = ½ log(1 − q²)        (density ∝ (1 − q²)^{(N−3)/2}),
                                  gaussian  s(q) = −q²/2                (q ~ N(0, 1/N)),
                                  binary    s(q) = H((1 + q)/2) − log 2  (H the natural binary entropy).

The other patterns' partition function Z = Σ_{μ≠0} e^{βN q_μ} is a random energy model (Derrida 1981):

    φ(β, α) = lim (1/N) log Z = α + s(q_β) + β q_β        if α + s(q_β) ≥ 0      (uncondensed),
                              = β q_max(α)                 otherwise               (condensed),

with q_β the saddle point s'(q_β) = −β (spherical (√(1 + 4β²) − 1)/(2β), gaussian β, binary tanh β) and
q_max(α) the largest overlap among e^{αN} draws, α + s(q_max) = 0 (spherical √(1 − e^{−2α}), gaussian
√(2α), binary the root in [0, 1]; q_max = 1 for binary α ≥ log 2).  The condensation load is
α_cond(β) = −s(q_β).

One attention step from x gives the target the weight p_0 = 1/(1 + Z e^{−βNc}), so p_0 → 1 when
βc > φ(β, α) and p_0 → 0 exponentially when βc < φ(β, α).  The one-step retrieval threshold (c = 1: the
stability of the target, Lucibello & Mézard's α_1) is the root of βc = φ(β, α):

    α_1(β, c) = β (c − q_β) − s(q_β)      if c > q_β     (the crossing is uncondensed),
              = −s(c)                      if c ≤ q_β     (condensed: q_max(α) reaches c first),

(for gaussian and c = 1 this is β − β²/2 for β ≤ 1 and ½ for β ≥ 1).  Below α_1(β, c) the first step lands
on the target (and stays: α_1(β, c) ≤ α_1(β, 1)).  Above it the step is dominated by the other patterns:
uncondensed -- by the e^{N(α + s(q_β))} patterns at overlap q_β, whose weighted mean is ≈ q_β x (their
components orthogonal to x cancel), a shrunk state that keeps the cosine c, lowers the effective β to
β q_β and drifts to the global average; condensed -- by a few patterns with overlap q_max, a few-pattern
(metastable or wrong single-pattern) state.  :func:`first_step_regime` names these three outcomes.

Ramsauer et al.'s rigorous sufficient condition (:func:`hopfield_hclm.memory.modern.separation_threshold`:
Δ_0 ≥ β⁻¹[1 + log(4βM²(P − 1))]) has the large-N form Δ_0/N = 1 − q_max(α) ≥ α/β; its root in α,
:func:`ramsauer_load`, can never exceed α_1(β, 1) (tested).

Not covered here: Lucibello & Mézard's all-pattern threshold α_c and their basin sizes (a union bound over
all P patterns needs the large deviations of the target's own norm), the "correlated" ensemble and user
data (no closed form), and finite-N corrections, which are O(log N / N) in α -- large at the N ≤ 30 the
simulations can reach, so the report shows several N.  The formulas above were re-derived for this
project; Lucibello & Mézard's text could not be consulted while writing them, so agreement with their
published expressions is not claimed, only with the REM calculation stated here.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize

from ...core.validation import check_choice, check_real

__all__ = [
    "THEORY_ENSEMBLES",
    "overlap_rate",
    "saddle_overlap",
    "max_overlap",
    "condensation_load",
    "rem_free_energy",
    "retrieval_load",
    "first_step_regime",
    "ramsauer_load",
    "typical_separation",
    "argmax_retrieval_probability",
    "argmax_edge",
]

THEORY_ENSEMBLES: tuple[str, ...] = ("spherical", "gaussian", "binary")
REGIMES: tuple[str, ...] = ("retrieval", "condensed", "average")

REFERENCES = (
    "Lucibello & Mezard 2024, PRL 132, 077301 (exponential capacity, auxiliary REM); "
    "Derrida 1981, PRB 24, 2613 (random energy model); Ramsauer et al. 2021, ICLR (separation theorems)"
)


def _ensemble(ensemble: str) -> str:
    return check_choice("ensemble", ensemble, THEORY_ENSEMBLES)


def _entropy2(a):
    a = np.asarray(a, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(a > 0, a * np.log(a), 0.0) - np.where(a < 1, (1 - a) * np.log1p(-a), 0.0)
    return h


def overlap_rate(q, ensemble: str):
    """Large-deviation rate s(q) of one overlap q = ξ^μ·x/N (module docstring); −inf outside the support."""
    ensemble = _ensemble(ensemble)
    q = np.asarray(q, dtype=np.float64)
    if ensemble == "gaussian":
        return -0.5 * q * q
    inside = np.abs(q) <= 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        if ensemble == "spherical":
            value = 0.5 * np.log(np.where(inside, 1.0 - q * q, 1.0))
        else:
            value = _entropy2(np.clip((1.0 + q) / 2.0, 0.0, 1.0)) - math.log(2.0)
    return np.where(inside, value, -np.inf)


def saddle_overlap(beta, ensemble: str):
    """q_β with s'(q_β) = −β: spherical (√(1 + 4β²) − 1)/(2β), gaussian β, binary tanh β."""
    ensemble = _ensemble(ensemble)
    beta = np.asarray(beta, dtype=np.float64)
    if np.any(~np.isfinite(beta)) or np.any(beta <= 0):
        raise ValueError("beta must be > 0 and finite")
    if ensemble == "gaussian":
        return beta.copy()
    if ensemble == "binary":
        return np.tanh(beta)
    return 2.0 * beta / (np.sqrt(1.0 + 4.0 * beta * beta) + 1.0)   # = (sqrt(1+4b^2) - 1)/(2b), no cancellation


def _max_overlap_scalar(alpha: float, ensemble: str) -> float:
    if ensemble == "gaussian":
        return math.sqrt(2.0 * alpha)
    if ensemble == "spherical":
        return math.sqrt(-math.expm1(-2.0 * alpha))
    if alpha >= math.log(2.0):
        return 1.0
    if alpha == 0.0:
        return 0.0
    return optimize.brentq(lambda q: float(overlap_rate(q, "binary")) + alpha, 0.0, 1.0, xtol=1e-15, rtol=1e-15)


def max_overlap(alpha, ensemble: str):
    """q_max(α): the largest of e^{αN} overlaps, α + s(q_max) = 0 (binary: 1 for α ≥ log 2)."""
    ensemble = _ensemble(ensemble)
    alpha = np.asarray(alpha, dtype=np.float64)
    if np.any(~np.isfinite(alpha)) or np.any(alpha < 0):
        raise ValueError("alpha must be >= 0 and finite")
    out = np.vectorize(lambda a: _max_overlap_scalar(float(a), ensemble), otypes=[np.float64])(alpha)
    return out if out.ndim else float(out)


def condensation_load(beta, ensemble: str):
    """α_cond(β) = −s(q_β): below it the other patterns' sum is dominated by its few largest terms."""
    return -overlap_rate(saddle_overlap(beta, ensemble), ensemble)


def rem_free_energy(beta, alpha, ensemble: str):
    """φ(β, α) = lim (1/N) log Σ_{μ≠0} e^{βN q_μ} over e^{αN} patterns (module docstring)."""
    q = saddle_overlap(beta, ensemble)
    beta = np.asarray(beta, dtype=np.float64)
    alpha = np.asarray(alpha, dtype=np.float64)
    free = alpha + overlap_rate(q, ensemble) + beta * q
    condensed = alpha + overlap_rate(q, ensemble) < 0
    return np.where(condensed, beta * max_overlap(np.broadcast_to(alpha, np.broadcast(alpha, beta).shape), ensemble),
                    free)


def retrieval_load(beta, ensemble: str, cue_overlap: float = 1.0):
    """α_1(β, c): the one-step retrieval threshold from a cue of cosine c (c = 1: stability of the target).

    β(c − q_β) − s(q_β) where c > q_β, else −s(c) (module docstring).  Vectorised over β.
    """
    c = check_real("cue_overlap", cue_overlap, low=0.0, high=1.0, low_open=True)
    q = saddle_overlap(beta, ensemble)
    beta = np.asarray(beta, dtype=np.float64)
    free = beta * (c - q) - overlap_rate(q, ensemble)
    condensed = -overlap_rate(np.full_like(q, c), ensemble)
    out = np.where(c > q, free, condensed)
    return out if out.ndim else float(out)


def first_step_regime(beta: float, alpha: float, ensemble: str, cue_overlap: float = 1.0) -> str:
    """Large-N outcome of the first step: "retrieval" (α < α_1(β, c)), else "condensed" or "average"."""
    beta = check_real("beta", beta, low=0.0, low_open=True)
    alpha = check_real("alpha", alpha, low=0.0)
    c = check_real("cue_overlap", cue_overlap, low=0.0, high=1.0, low_open=True)
    if alpha < retrieval_load(beta, ensemble, c):
        return "retrieval"
    return "condensed" if alpha < condensation_load(beta, ensemble) else "average"


def ramsauer_load(beta, ensemble: str):
    """α_R(β): the largest α with 1 − q_max(α) ≥ α/β, the large-N form of Ramsauer's separation condition.

    Below α_R a typical target satisfies Δ_0 ≥ β⁻¹[1 + log(4βM²(P − 1))] (to leading order in N), so the
    ball of radius 1/(2βM) around it is provably invariant.  A sufficient condition: α_R(β) ≤ α_1(β, 1).
    """
    ensemble = _ensemble(ensemble)

    def one(b: float) -> float:
        g = lambda a: 1.0 - _max_overlap_scalar(a, ensemble) - a / b   # noqa: E731  decreasing in a
        hi = 1.0
        while g(hi) > 0:
            hi *= 2.0
        return optimize.brentq(g, 0.0, hi, xtol=1e-14, rtol=1e-14)

    beta = np.asarray(beta, dtype=np.float64)
    if np.any(~np.isfinite(beta)) or np.any(beta <= 0):
        raise ValueError("beta must be > 0 and finite")
    out = np.vectorize(one, otypes=[np.float64])(beta)
    return out if out.ndim else float(out)


def typical_separation(alpha, neurons: int, ensemble: str):
    """Leading-order separation of a typical target, Δ_0 ≈ N (1 − q_max(α)) (gaussian: ‖ξ^0‖² ≈ N)."""
    if isinstance(neurons, bool) or not isinstance(neurons, int) or neurons < 1:
        raise ValueError(f"neurons must be an integer >= 1; got {neurons!r}")
    return neurons * (1.0 - np.asarray(max_overlap(alpha, ensemble)))


def argmax_retrieval_probability(patterns, neurons: int, ensemble: str, cue_overlap: float = 1.0):
    """Exact finite-N probability that the cue's largest score belongs to the target (the β → ∞ first step).

    As β → ∞ one step sends the cue x to the pattern with the largest score ξ^μ·x, which then is a fixed point
    when it is the target; so at large β this is the fraction of trials ending on the target.  With the
    simulator's cue (norm ‖ξ⁰‖, cosine c, direction independent of the other patterns), the other patterns'
    cosines with x are i.i.d. and independent of ξ⁰:

    - spherical: (1 + cos)/2 ~ Beta((N − 1)/2, (N − 1)/2), so Prob = (1 − p_c)^{P−1}, p_c = Prob(cos > c)
      (a regularised incomplete beta function; ties have probability 0);
    - gaussian: ξ^μ·x̂ ~ N(0, 1) and the target wins when all are below ‖ξ⁰‖ c, so
      Prob = E_r[Φ(r c)^{P−1}] with r = ‖ξ⁰‖ ~ χ_N (Gauss–Laguerre-free: adaptive quadrature over r).

    ``patterns`` P ≥ 1 (array-like, float allowed for interpolation).  Binary patterns are not covered (their
    scores are lattice sums).  No large-N limit is taken: this is the finite-N counterpart of α₁(β → ∞, c).
    """
    from scipy import integrate, special, stats

    ensemble = check_choice("ensemble", ensemble, ("spherical", "gaussian"))
    if isinstance(neurons, bool) or not isinstance(neurons, int) or neurons < 2:
        raise ValueError(f"neurons must be an integer >= 2; got {neurons!r}")
    c = check_real("cue_overlap", cue_overlap, low=-1.0, high=1.0)
    p = np.asarray(patterns, dtype=np.float64)
    if np.any(~np.isfinite(p)) or np.any(p < 1):
        raise ValueError("patterns must be >= 1")
    others = p - 1.0
    if ensemble == "spherical":
        a = (neurons - 1) / 2.0
        tail = special.betainc(a, a, (1.0 - c) / 2.0)        # Prob((1 + cos)/2 > (1 + c)/2) by symmetry
        out = np.exp(others * np.log1p(-tail)) if tail < 1 else np.where(others == 0, 1.0, 0.0)
        return out if out.ndim else float(out)

    chi = stats.chi(neurons)

    def one(k: float) -> float:
        def f(r):
            return np.exp(k * special.log_ndtr(r * c)) * chi.pdf(r)
        lo, hi = chi.ppf(1e-12), chi.ppf(1 - 1e-12)
        return float(integrate.quad(f, lo, hi, epsabs=1e-13, epsrel=1e-10, limit=200)[0])

    out = np.vectorize(one, otypes=[np.float64])(others)
    return out if out.ndim else float(out)


def argmax_edge(neurons: int, ensemble: str, cue_overlap: float = 1.0, level: float = 0.5) -> float:
    """α₅₀ at β → ∞ and finite N: the α = ln P / N at which :func:`argmax_retrieval_probability` equals ``level``.

    Returns +inf when the probability never falls to ``level`` (spherical with c = 1: the target always wins).
    """
    level = check_real("level", level, low=0.0, high=1.0, low_open=True, high_open=True)

    def g(log_p: float) -> float:
        return argmax_retrieval_probability(math.exp(log_p), neurons, ensemble, cue_overlap) - level

    hi = 1.0
    while g(hi) > 0:
        hi *= 2.0
        if hi > 700:
            return math.inf
    return optimize.brentq(g, 0.0, hi, xtol=1e-12) / neurons
