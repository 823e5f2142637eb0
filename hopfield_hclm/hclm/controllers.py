"""Controllers of the entropy coefficient λ_t: Fixed Hybrid, Thermostat, target entropy, RL-Thermostat.

One small interface (Tran 2026, §8 regimes): a controller holds the current ``coef`` and is told
about every step (:meth:`Controller.after_step`) and every epoch (:meth:`Controller.start_epoch`,
:meth:`Controller.end_epoch`). Every update ends in a clip to ``[coef_min, coef_max]`` and ignores
non-finite observations, so λ_t never leaves its bounds whatever it is fed. A new controller is one
subclass overriding whichever hooks it needs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.validation import check_real

__all__ = [
    "CONTROLLERS",
    "Controller",
    "EpochObservation",
    "FixedController",
    "RLThermostat",
    "StepObservation",
    "TargetEntropyController",
    "Thermostat",
    "check_bounds",
    "make_controller",
]


def check_bounds(coef_min: float, coef_max: float) -> tuple[float, float]:
    """Validate ``0 <= coef_min <= coef_max`` (finite); raise ``ValueError`` naming the argument."""
    coef_min = check_real("coef_min", coef_min, low=0.0)
    coef_max = check_real("coef_max", coef_max, low=0.0)
    if coef_min > coef_max:
        raise ValueError(f"coef_min must be <= coef_max; got coef_min={coef_min:g} > coef_max={coef_max:g}")
    return coef_min, coef_max


@dataclass(frozen=True)
class StepObservation:
    """What a controller sees after a step: λ*, the surrogate H on the batch, injection, dissipation."""

    lambda_star: float
    entropy: float
    injection: float
    dissipation: float


@dataclass(frozen=True)
class EpochObservation:
    """What a controller sees at the end of an epoch.

    ``reward`` is the (noisy, possibly delayed) rater score received now, NaN when none arrived;
    ``rated_epoch`` is the epoch that reward rates (-1 when none).
    """

    epoch: int
    entropy: float
    reward: float
    rated_epoch: int


class Controller:
    """Base class: constant λ (the Fixed Hybrid regime). Subclasses override the hooks."""

    def __init__(self, coef: float, *, coef_min: float = 0.0, coef_max: float = 1.0):
        self.coef_min, self.coef_max = check_bounds(coef_min, coef_max)
        coef = check_real("coef", coef, low=0.0)
        self.coef = self._clip(coef)

    def _clip(self, value: float) -> float:
        return float(min(max(value, self.coef_min), self.coef_max))

    def start_epoch(self, epoch: int) -> float:
        """Called before the first step of ``epoch``; returns λ to use."""
        return self.coef

    def after_step(self, obs: StepObservation) -> float:
        """Called after every step; returns λ for the next step."""
        return self.coef

    def end_epoch(self, obs: EpochObservation) -> None:
        """Called after the epoch's evaluation and rating."""


class FixedController(Controller):
    """Fixed Hybrid: λ_t = λ for every step (clipped once to the bounds)."""


class Thermostat(Controller):
    """λ_t tracks the critical coefficient: ``λ ← clip((1-β) λ + β clip(λ*))`` after every step.

    Holding λ near λ* keeps the entropy near-stationary (dH/dt ≈ 0); the exponential smoothing with
    weight β (``smoothing``) filters the minibatch noise of λ*. Steps with ∇H = 0 (λ* undefined) or a
    non-finite λ* leave λ unchanged.
    """

    def __init__(self, coef: float, *, coef_min: float = 0.0, coef_max: float = 1.0, smoothing: float = 0.1):
        super().__init__(coef, coef_min=coef_min, coef_max=coef_max)
        self.smoothing = check_real("smoothing", smoothing, low=0.0, high=1.0, low_open=True)

    def after_step(self, obs: StepObservation) -> float:
        if math.isfinite(obs.lambda_star):
            target = self._clip(obs.lambda_star)
            self.coef = self._clip((1.0 - self.smoothing) * self.coef + self.smoothing * target)
        return self.coef


class TargetEntropyController(Controller):
    """Dual ascent on the constraint H ≤ H_target: ``λ ← clip(λ + η (H - H_target))`` after every step.

    ``target_entropy=None`` holds the entropy at its value on the first step. (The penalty +λH lowers
    H, so λ grows while H is above target and shrinks below it.)
    """

    def __init__(self, coef: float, *, coef_min: float = 0.0, coef_max: float = 1.0,
                 target_entropy: float | None = None, dual_lr: float = 0.01):
        super().__init__(coef, coef_min=coef_min, coef_max=coef_max)
        self.target = None if target_entropy is None else check_real("target_entropy", target_entropy)
        self.dual_lr = check_real("dual_lr", dual_lr, low=0.0, low_open=True)

    def after_step(self, obs: StepObservation) -> float:
        if not math.isfinite(obs.entropy):
            return self.coef
        if self.target is None:
            self.target = obs.entropy
        self.coef = self._clip(self.coef + self.dual_lr * (obs.entropy - self.target))
        return self.coef


class RLThermostat(Controller):
    """Gaussian-policy REINFORCE on a = log λ with a running baseline, one action per epoch.

    At the start of each epoch ``a ~ N(μ, s²)`` clipped to ``[log λ_lo, log λ_hi]`` and λ = e^a for
    the whole epoch (``λ_lo = max(coef_min, 1e-4·coef_max)`` since log 0 is not a bound). When the
    rater's reward ``r`` for epoch e arrives (possibly delayed), with the action a_e taken then:
    ``μ ← clip(μ + clip(α (r - b)/σ_r · (a_e - μ)/s, ±max_step))`` and ``b ← b + β_b (r - b)``, where
    ``σ_r`` is a running RMS of ``r - b`` (so α is in units of policy widths, whatever the reward
    scale). The update is a bounded policy-gradient step (Williams 1992, with baseline).
    """

    def __init__(self, coef: float, *, coef_min: float = 0.0, coef_max: float = 1.0,
                 rng: np.random.Generator | None = None, policy_std: float = 0.5, lr: float = 0.5,
                 baseline_rate: float = 0.2, max_step: float = 0.5):
        super().__init__(coef, coef_min=coef_min, coef_max=coef_max)
        self.policy_std = check_real("policy_std", policy_std, low=0.0, low_open=True)
        self.lr = check_real("rl_lr", lr, low=0.0)
        self.baseline_rate = check_real("baseline_rate", baseline_rate, low=0.0, high=1.0, low_open=True)
        self.max_step = check_real("max_step", max_step, low=0.0, low_open=True)
        self.rng = rng if rng is not None else np.random.default_rng(0)
        hi = self.coef_max if self.coef_max > 0 else 1e-12
        self.log_lo = math.log(max(self.coef_min, 1e-4 * hi))
        self.log_hi = math.log(hi)
        self.mean = self._clip_log(math.log(max(self.coef, math.exp(self.log_lo))))
        self.baseline: float | None = None
        self.adv_ms: float | None = None
        self.actions: dict[int, float] = {}

    def _clip_log(self, a: float) -> float:
        return float(min(max(a, self.log_lo), self.log_hi))

    def start_epoch(self, epoch: int) -> float:
        a = self._clip_log(self.mean + self.policy_std * float(self.rng.standard_normal()))
        self.actions[epoch] = a
        self.coef = self._clip(math.exp(a))
        return self.coef

    def end_epoch(self, obs: EpochObservation) -> None:
        r = obs.reward
        if not math.isfinite(r) or obs.rated_epoch not in self.actions:
            return
        a = self.actions.pop(obs.rated_epoch)
        if self.baseline is None:
            self.baseline = r
            return
        adv = r - self.baseline
        self.adv_ms = adv * adv if self.adv_ms is None else 0.9 * self.adv_ms + 0.1 * adv * adv
        scaled = adv / math.sqrt(self.adv_ms + 1e-12)
        step = self.lr * scaled * (a - self.mean) / self.policy_std
        step = max(-self.max_step, min(self.max_step, step))
        self.mean = self._clip_log(self.mean + step)
        self.baseline += self.baseline_rate * adv


def _bounds(c) -> dict[str, float]:
    return dict(coef_min=c.coef_min, coef_max=c.coef_max)


#: regime name -> ``factory(part, rng) -> Controller``; ``part`` is the controller part of the run's
#: configuration (:class:`~.config.ControllerConfig`: ``coef``, the bounds and each regime's
#: parameters). A new regime is one controller class and one entry here.
CONTROLLERS: dict[str, Callable[[Any, np.random.Generator], Controller]] = {
    "fixed": lambda c, rng: FixedController(c.coef, **_bounds(c)),
    "thermostat": lambda c, rng: Thermostat(c.coef, smoothing=c.smoothing, **_bounds(c)),
    "target": lambda c, rng: TargetEntropyController(c.coef, target_entropy=c.target_entropy, dual_lr=c.dual_lr,
                                                     **_bounds(c)),
    "rl": lambda c, rng: RLThermostat(c.coef, rng=rng, policy_std=c.policy_std, lr=c.rl_lr, **_bounds(c)),
}


def make_controller(part, rng: np.random.Generator) -> Controller:
    """The controller of regime ``part.name`` (one of :data:`CONTROLLERS`), built from ``part``."""
    return CONTROLLERS[part.name](part, rng)
