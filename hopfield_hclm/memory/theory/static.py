"""Static (equilibrium / fixed-point) mean-field theory of Hopfield-type memories.

Three results live here:

- **Binary Hopfield, T = 0, replica symmetric** (Amit, Gutfreund & Sompolinsky 1985, 1987).
  The saddle-point equations m = erf(y), y = m / sqrt(2 alpha r), C = sqrt(2/(pi alpha r)) exp(-y^2),
  r = 1/(1 - C)^2 reduce to one equation in y::

      sqrt(2 alpha) = erf(y)/y - (2/sqrt(pi)) exp(-y^2)

  whose right-hand side has a maximum; its square over two is the capacity alpha_c ~ 0.1379 with
  m(alpha_c) ~ 0.967. The retrieval branch is the largest root y(alpha).

- **Graded family of DESIGN.md section 3, order n = 1** (fixed points of dx/dt = -x + b sum_mu xi^mu m_mu,
  b = g / sqrt(alpha), self-coupling kept). The static cavity (self-consistent signal-to-noise)
  solution, Shiino & Fukai (1992): with the memory-unit resolvent 1/(1 - b U)

      x = b m + g sqrt(q) / (1 - b U) z + Gamma tanh(x),      Gamma = g sqrt(alpha) / (1 - b U)
      m = <tanh x>,  q = <tanh^2 x>,  U = <tanh'(x) / (1 - Gamma tanh'(x))>,   z ~ N(0, 1).

  The retrieval branch ends at alpha_c(g), found by bisection on the existence of a solution with
  m > 0 reached from m = 1.

- **Krotov & Hopfield (2016)** capacity of a dense memory with F(x) = x^k:
  P_max = N^(k-1) / (2 (2k-3)!! ln N). In the order convention of DESIGN.md, k = n + 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from ...core.validation import check_int, check_real

__all__ = [
    "ags_capacity",
    "ags_overlap",
    "GradedFixedPoint",
    "graded_fixed_point",
    "graded_capacity",
    "krotov_hopfield_capacity",
]

_SQRT_PI = math.sqrt(math.pi)


def _ags_alpha_of_y(y: float | np.ndarray) -> float | np.ndarray:
    """alpha(y) = (erf(y)/y - 2 exp(-y^2)/sqrt(pi))^2 / 2 along the T = 0 RS saddle point."""
    rhs = special.erf(y) / y - 2.0 / _SQRT_PI * np.exp(-np.square(y))
    return 0.5 * np.square(rhs)


def _ags_y_at_capacity() -> float:
    res = optimize.minimize_scalar(lambda y: -_ags_alpha_of_y(y), bounds=(0.5, 3.0), method="bounded",
                                   options={"xatol": 1e-13})
    return float(res.x)


def ags_capacity() -> tuple[float, float]:
    """Replica-symmetric T = 0 capacity of the binary Hopfield model (Amit, Gutfreund, Sompolinsky 1987).

    Returns:
        ``(alpha_c, m_c)``: the largest load with a retrieval solution (~0.1379) and the retrieval
        overlap there (~0.967).
    """
    y_c = _ags_y_at_capacity()
    return float(_ags_alpha_of_y(y_c)), float(special.erf(y_c))


def ags_overlap(alpha: float) -> float:
    """Retrieval overlap m(alpha) of the binary Hopfield model at T = 0 (replica symmetric, AGS 1987).

    Solves sqrt(2 alpha) = erf(y)/y - 2 exp(-y^2)/sqrt(pi) for its largest root y and returns erf(y).

    Args:
        alpha: load P/N, > 0.

    Returns:
        m in (0.967, 1) below capacity; ``nan`` above ``ags_capacity()[0]``.
    """
    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    y_c = _ags_y_at_capacity()
    alpha_c = float(_ags_alpha_of_y(y_c))
    if alpha > alpha_c:
        return float("nan")
    # Beyond y_c, alpha(y) decreases monotonically to 0 (as 1/(2 y^2)): bracket the largest root there.
    target = lambda y: _ags_alpha_of_y(y) - alpha  # noqa: E731
    hi = max(2.0 * y_c, 1.0 / math.sqrt(alpha))
    while target(hi) > 0:
        hi *= 2.0
    if target(y_c) <= 0:  # alpha == alpha_c up to round-off
        return float(special.erf(y_c))
    y = optimize.brentq(target, y_c, hi, xtol=1e-14, rtol=1e-14)
    return float(special.erf(y))


@dataclass(frozen=True)
class GradedFixedPoint:
    """Static cavity solution of the graded n = 1 family (see module docstring).

    Attributes:
        overlap: m = <tanh x> with the target pattern (0 on the non-retrieval branch).
        activity: q = <tanh^2 x>.
        susceptibility: U, the mean local response of tanh x to its field.
        converged: whether the damped iteration met its tolerance.
    """

    overlap: float
    activity: float
    susceptibility: float
    converged: bool


def _solve_local_field(h: np.ndarray, gamma: float) -> np.ndarray:
    """Solve x = h + gamma tanh(x) elementwise (unique for gamma < 1) by Newton from x = h + gamma sign(h)."""
    x = h + gamma * np.tanh(h)
    for _ in range(60):
        f = x - h - gamma * np.tanh(x)
        fp = 1.0 - gamma / np.cosh(x) ** 2
        step = f / fp
        x = x - step
        if np.max(np.abs(step)) < 1e-13:
            break
    return x


def graded_fixed_point(load: float, gain: float, *, initial_overlap: float = 1.0, quadrature: int = 80,
                       damping: float = 0.5, tol: float = 1e-10, max_iter: int = 5000) -> GradedFixedPoint:
    """Static retrieval fixed point of the graded order-1 family (self-coupling kept).

    Args:
        load: alpha = P/N > 0.
        gain: g > 0.
        initial_overlap: starting m of the damped iteration (1 follows the retrieval branch).
        quadrature: number of Gauss-Hermite nodes for the Gaussian average over z.
        damping: weight of the new iterate, in (0, 1].

    Returns:
        :class:`GradedFixedPoint`; ``overlap`` collapses to ~0 when no retrieval solution exists.
    """
    alpha = check_real("load", load, low=0.0, low_open=True)
    g = check_real("gain", gain, low=0.0, low_open=True)
    m0 = check_real("initial_overlap", initial_overlap, low=-1.0, high=1.0)
    nq = check_int("quadrature", quadrature, minimum=8)
    damping = check_real("damping", damping, low=0.0, high=1.0, low_open=True)
    nodes, weights = np.polynomial.hermite_e.hermegauss(nq)
    weights = weights / weights.sum()
    b = g / math.sqrt(alpha)
    m, q, u = m0, max(m0 * m0, 0.5), 0.0
    converged = False
    for _ in range(max_iter):
        resolvent = 1.0 / (1.0 - b * u)
        gamma = g * math.sqrt(alpha) * resolvent
        if gamma >= 1.0 or resolvent <= 0:
            return GradedFixedPoint(float("nan"), float("nan"), float("nan"), False)
        h = b * m + g * math.sqrt(q) * resolvent * nodes
        x = _solve_local_field(h, gamma)
        phi = np.tanh(x)
        dphi = 1.0 - phi**2
        m_new = float(weights @ phi)
        q_new = float(weights @ phi**2)
        u_new = float(weights @ (dphi / (1.0 - gamma * dphi)))
        diff = max(abs(m_new - m), abs(q_new - q), abs(u_new - u))
        m = (1 - damping) * m + damping * m_new
        q = (1 - damping) * q + damping * q_new
        u = (1 - damping) * u + damping * u_new
        if diff < tol:
            converged = True
            break
    return GradedFixedPoint(m, q, u, converged)


def graded_capacity(gain: float, *, threshold: float = 0.5, alpha_max: float = 5.0, xtol: float = 1e-5) -> float:
    """End point alpha_c(g) of the static retrieval branch of the graded n = 1 family.

    The largest load at which :func:`graded_fixed_point` started from m = 1 keeps m > ``threshold``;
    found by bisection. Returns ``nan`` when no load in (0, ``alpha_max``] retrieves (e.g. g <= 1).
    """
    g = check_real("gain", gain, low=0.0, low_open=True)
    threshold = check_real("threshold", threshold, low=0.0, high=1.0, low_open=True, high_open=True)
    alpha_max = check_real("alpha_max", alpha_max, low=0.0, low_open=True)

    def retrieves(alpha: float) -> bool:
        fp = graded_fixed_point(alpha, g)
        return bool(fp.converged and fp.overlap > threshold)

    lo, hi = alpha_max * 1e-4, alpha_max
    if not retrieves(lo):
        return float("nan")
    if retrieves(hi):
        return float(hi)
    while hi - lo > xtol * max(lo, 1e-3):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if retrieves(mid) else (lo, mid)
    return 0.5 * (lo + hi)


def krotov_hopfield_capacity(neurons: int, *, power: int) -> float:
    """Krotov & Hopfield (2016) error-free capacity of a dense memory with F(x) = x^k.

    P_max = N^(k-1) / (2 (2k-3)!! ln N), with k = ``power`` >= 2 (k = n + 1 for interaction order n).
    """
    n = check_int("neurons", neurons, minimum=2)
    k = check_int("power", power, minimum=2)
    double_factorial = math.prod(range(2 * k - 3, 0, -2))
    return n ** (k - 1) / (2.0 * double_factorial * math.log(n))
