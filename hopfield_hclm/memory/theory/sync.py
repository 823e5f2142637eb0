"""Zero-temperature synchronous (parallel, Little) dynamics of the binary Hopfield model, N -> infinity.

Hebbian couplings J = xi^T xi / N with zero diagonal, load alpha = P/N, a cue with overlap m0 that is
independent of the non-target patterns. D_t = sqrt(2/pi)/sigma_t exp(-m_t^2/(2 sigma_t^2)) is the mean
derivative <d sign(h)/dh> = 2 p(h = 0) of the update at step t.

**Exact first two steps** (Gardner, Derrida & Mottishaw 1987; see also Coolen 2001, "Statistical
mechanics of recurrent neural networks II", section 5)::

    m1 = erf(m0 / sqrt(2 alpha))
    m2 = sum_{s=+-1} (1 + s m0)/2 erf((m1 + s alpha D0) / sqrt(2 alpha A)),
    D0 = sqrt(2/(pi alpha)) exp(-m0^2/(2 alpha)),   A = 1 + 2 m0 m1 D0 + D0^2.

The term s alpha D0 is the retarded self-interaction: the step-1 state of every other unit has
responded to unit i's cue spin s_i(0) through the crosstalk; it is not Gaussian, which is what the
Amari-Maginu closure misses.

**Amari-Maginu (1988)** Gaussian closure for any number of steps::

    m_{t+1} = erf(m_t / sqrt(2 sigma_t^2)),
    sigma_{t+1}^2 = alpha + 2 alpha m_{t+1} m_t D_t + D_t^2 sigma_t^2,   sigma_0^2 = alpha.

Both agree on m1; they differ from step 2 on.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from ...core.validation import check_choice, check_int, check_real

__all__ = ["sync_overlaps", "SYNC_METHODS"]

REFERENCES = (
    "Gardner, Derrida & Mottishaw 1987, J. Physique 48, 741 (exact parallel dynamics, first steps); "
    "Amari & Maginu 1988, Neural Networks 1, 63 (statistical neurodynamics)"
)

SYNC_METHODS = ("exact", "amari-maginu")


def _slope(m: float, var: float) -> float:
    """D = 2 p(h = 0) for h ~ N(m, var)."""
    return math.sqrt(2.0 / (math.pi * var)) * math.exp(-m * m / (2.0 * var))


def _exact(alpha: float, m0: float, steps: int) -> np.ndarray:
    out = [m0]
    if steps >= 1:
        m1 = float(special.erf(m0 / math.sqrt(2.0 * alpha)))
        out.append(m1)
    if steps >= 2:
        d0 = _slope(m0, alpha)
        a = 1.0 + 2.0 * m0 * m1 * d0 + d0 * d0
        scale = math.sqrt(2.0 * alpha * a)
        m2 = sum((1.0 + s * m0) / 2.0 * special.erf((m1 + s * alpha * d0) / scale) for s in (1.0, -1.0))
        out.append(float(m2))
    return np.asarray(out, dtype=np.float64)


def _amari_maginu(alpha: float, m0: float, steps: int) -> np.ndarray:
    out = [m0]
    m, var = m0, alpha
    for _ in range(steps):
        m_next = float(special.erf(m / math.sqrt(2.0 * var)))
        d = _slope(m, var)
        var = alpha + 2.0 * alpha * m_next * m * d + d * d * var
        m = m_next
        out.append(m)
    return np.asarray(out, dtype=np.float64)


def sync_overlaps(alpha: float, m0: float, steps: int = 2, *, method: str = "exact") -> np.ndarray:
    """Target overlaps m_0..m_steps of T = 0 synchronous binary Hopfield dynamics as N -> infinity.

    Args:
        alpha: load P/N, > 0.
        m0: initial overlap of the cue with the target, in [-1, 1].
        steps: number of synchronous steps, >= 0 (at most 2 for ``method="exact"``).
        method: ``"exact"`` (Gardner-Derrida-Mottishaw 1987) or ``"amari-maginu"`` (Amari & Maginu 1988).

    Returns:
        float64 array of shape ``(steps + 1,)``; element 0 is ``m0``.
    """
    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    m0 = check_real("m0", m0, low=-1.0, high=1.0)
    method = check_choice("method", method, SYNC_METHODS)
    steps = check_int("steps", steps, minimum=0, maximum=2 if method == "exact" else None)
    return _exact(alpha, m0, steps) if method == "exact" else _amari_maginu(alpha, m0, steps)
