"""Float64 numpy reference simulators used only by the theory tests (independent of the engine)."""

from __future__ import annotations

import numpy as np


def binary_sync(*, neurons: int, alpha: float, m0: float, steps: int, trials: int, seed: int) -> np.ndarray:
    """Zero-diagonal Hebbian T = 0 synchronous dynamics from a cue with exactly round(N(1-m0)/2) flips.

    Returns target overlaps, shape (trial, steps + 1). A zero field keeps the current spin.
    """
    rng = np.random.default_rng(seed)
    patterns = round(alpha * neurons)
    out = np.empty((trials, steps + 1))
    for k in range(trials):
        xi = 2.0 * rng.integers(0, 2, size=(patterns, neurons)) - 1.0
        s = xi[0].copy()
        s[rng.choice(neurons, round(neurons * (1 - m0) / 2), replace=False)] *= -1
        out[k, 0] = s @ xi[0] / neurons
        for t in range(steps):
            h = xi.T @ (xi @ s) / neurons - (patterns / neurons) * s
            s = np.where(h > 0, 1.0, np.where(h < 0, -1.0, s))
            out[k, t + 1] = s @ xi[0] / neurons
    return out


def graded_euler(*, neurons: int, alpha: float, order: int, gain: float, cue: float, steps: int, dt: float,
                 trials: int, seed: int) -> np.ndarray:
    """Euler dynamics dx/dt = -x + (g/sqrt(alpha)) sum_mu xi^mu m_mu^n, self-coupling kept, P = alpha N^n.

    Returns target overlaps, shape (trial, steps + 1).
    """
    rng = np.random.default_rng(seed)
    patterns = round(alpha * neurons**order)
    coupling = gain / np.sqrt(alpha)
    out = np.empty((trials, steps + 1))
    for k in range(trials):
        xi = 2.0 * rng.integers(0, 2, size=(patterns, neurons)) - 1.0
        x = cue * xi[0] + np.sqrt(gain**2 - cue**2) * rng.standard_normal(neurons)
        for t in range(steps + 1):
            m = xi @ np.tanh(x) / neurons
            out[k, t] = m[0]
            x = x + dt * (coupling * (xi.T @ m**order) - x)
    return out
