"""A simulated human rater: a hidden decision-aware utility, observation noise and delay.

The rater turns the model's predicted probabilities on a held-out *feedback* set (disjoint from the
test set, so the controller never sees test data) into decisions with its own Bayes rule for
asymmetric costs -- decide "positive" when ``p > c_fp / (c_fp + c_fn)`` -- and scores them by the
negative mean cost ``u = -(1/n) Σ [c_fn·y·(1-d) + c_fp·(1-y)·d]`` (``u ∈ [-max(c), 0]``, higher is
better). The model never sees the costs: it is trained on the symmetric log-loss, so the utility
rewards calibration where the rater's threshold sits. The reward delivered at epoch e is the
utility of epoch ``e - delay`` plus ``N(0, noise²)``; nothing arrives during the first ``delay``
epochs (the paper's open problem of noisy, delayed feedback, Tran 2026 §8).
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import torch

from ..core.validation import check_int, check_real

__all__ = ["SimulatedRater", "decision_utility"]


def decision_utility(prob: torch.Tensor, label: torch.Tensor, *, cost_fp: float, cost_fn: float) -> float:
    """Negative mean decision cost of the Bayes decisions ``p > c_fp/(c_fp + c_fn)``; shapes ``(sample,)``."""
    threshold = cost_fp / (cost_fp + cost_fn)
    decide = (prob > threshold).to(prob.dtype)
    cost = cost_fn * label * (1.0 - decide) + cost_fp * (1.0 - label) * decide
    return -float(cost.mean())


class SimulatedRater:
    """Scores each epoch's model; returns the noisy reward that *arrives* now (or NaN) and its epoch."""

    def __init__(self, *, cost_fp: float = 1.0, cost_fn: float = 4.0, noise: float = 0.0, delay: int = 0,
                 rng: np.random.Generator | None = None):
        self.cost_fp = check_real("cost_fp", cost_fp, low=0.0, low_open=True)
        self.cost_fn = check_real("cost_fn", cost_fn, low=0.0, low_open=True)
        self.noise = check_real("reward_noise", noise, low=0.0)
        self.delay = check_int("reward_delay", delay, minimum=0)
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self._queue: deque[tuple[int, float]] = deque()

    def utility(self, prob: torch.Tensor, label: torch.Tensor) -> float:
        """The hidden, noise-free utility of predictions ``prob`` for labels ``label`` (both ``(sample,)``)."""
        return decision_utility(prob, label, cost_fp=self.cost_fp, cost_fn=self.cost_fn)

    def rate(self, epoch: int, prob: torch.Tensor, label: torch.Tensor) -> tuple[float, float, int]:
        """Rate epoch ``epoch``: returns ``(utility, reward_arriving_now, rated_epoch)``.

        ``reward_arriving_now`` is NaN and ``rated_epoch`` -1 while the delay line is filling. The
        noise draw happens when the epoch is rated, so the random stream does not depend on delay.
        """
        u = self.utility(prob, label)
        noisy = u + self.noise * float(self.rng.standard_normal()) if self.noise > 0 else u
        self._queue.append((epoch, noisy))
        if len(self._queue) > self.delay:
            rated, reward = self._queue.popleft()
            return u, reward, rated
        return u, math.nan, -1
