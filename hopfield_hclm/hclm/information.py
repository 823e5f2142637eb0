"""Information-theoretic quantities of the HCLM task and representation (physics, not analysis).

- :func:`bayes_log_loss`: the exact Bayes log-loss H_b(q) of labels flipped with probability q
  from a deterministic rule (the floor of the test loss; Cover & Thomas, *Elements of Information
  Theory*, 2nd ed., eq. 2.5 for the binary entropy).
- :func:`gaussian_information`: the Gaussian-channel bound I_G = ½ log det(I + Σ̂_h/σ²) of
  noise-free encodings ``h`` ``(..., n, d)`` (Cover & Thomas ch. 9; derivation and plug-in bias in
  ``docs/hclm.md`` §2.1).

They live with the model rather than with the scaling fits of :mod:`hopfield_hclm.reports.scaling`
(which re-exports them), because they are properties of the task and the encoding, measured by
training runs and by tests alike.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.validation import check_real

__all__ = ["bayes_log_loss", "gaussian_information"]


def bayes_log_loss(label_noise: float) -> float:
    """Bayes log-loss (nats) of labels flipped with probability ``q`` from a deterministic rule: H_b(q)."""
    q = check_real("label_noise", label_noise, low=0.0, high=0.5)
    if q == 0:
        return 0.0
    return float(-(q * math.log(q) + (1 - q) * math.log(1 - q)))


def gaussian_information(h, *, sigma: float):
    """Gaussian-channel bound ``I_G = ½ log det(I_d + Σ̂_h/σ²)`` (nats) of noise-free encodings ``h``.

    ``h``: array or tensor ``(..., n, d)`` (rows = inputs); ``Σ̂_h`` its biased sample covariance.
    Computed in float64 by :func:`~.surrogates.gaussian_information_bound` (derivation there and in
    ``docs/hclm.md``). Returns a float64 numpy array of shape ``(...)`` (0-d for one encoding).
    Training runs record the same quantity per epoch as ``information_bound``.
    """
    import torch

    from .surrogates import gaussian_information_bound

    sigma = check_real("sigma", sigma, low=0.0, low_open=True)
    t = h.detach().to("cpu", torch.float64) if isinstance(h, torch.Tensor) else torch.as_tensor(np.asarray(h, dtype=np.float64))
    if t.ndim < 2:
        raise ValueError(f"h must have shape (..., n, d); got {tuple(t.shape)}")
    return gaussian_information_bound(t, sigma).numpy()
