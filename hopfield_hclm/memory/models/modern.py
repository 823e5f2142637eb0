"""The continuous modern Hopfield network (Ramsauer et al. 2021) as a registered model with real-valued units.

``simulate(model="modern", units="real", update="sync" | "continuous", neurons=N, patterns=P or (P, N) array,
ensemble="binary" | "gaussian" | "spherical" | "correlated", correlation=ρ, beta=β, cue_overlap=c, steps=...,
dt=..., method=..., trials=..., seed=..., device=..., dtype=...)``

- state x ∈ R^N, patterns X (P × N), pattern 0 the target;
- ``update="sync"``: x ← Xᵀ softmax(β X x) (one attention step per time unit, dt = 1);
  ``update="continuous"``: dx/dt = −x + Xᵀ softmax(β X x), step ``dt``, ``method`` euler | heun | rk4;
- patterns: drawn per trial from ``ensemble`` (:mod:`hopfield_hclm.memory.modern_patterns`, E‖ξ‖² = N), or a
  user ``(P, N)`` real array shared by all trials (e.g. :func:`~hopfield_hclm.memory.modern_patterns.digits_patterns`);
  ``load`` α gives P = round(exp(α N)) (α N ≤ 40), ``patterns=P`` the count directly;
- cue: norm ‖ξ^0‖ and cosine exactly ``cue_overlap`` (default 0.8) with the target.

Draw order inside trial k's generator ``trial_generators(seed, trials)[k]``: the patterns (ensemble draw,
unless supplied), then ``standard_normal(N)`` for the cue direction.  Every matrix product is a per-trial
row-vector ``bmm``, so ``simulate(trials=1, seed=s)`` reproduces trial 0 of ``simulate(trials=8, seed=s)`` bit
for bit (tested), for drawn and for user patterns.

Series (``(trial, time)``): ``overlap`` cos(x, ξ^0); ``max_other_overlap`` max_{μ≥1} |cos(x, ξ^μ)| (the project's
absolute convention); ``energy`` E(x)/N with E = −β⁻¹ lse(βXx) + ½x·x + β⁻¹ log P + ½M² ≥ 0 (M = max‖ξ^μ‖);
``attention_entropy`` H of softmax(βXx) (nats) and ``effective_patterns`` exp(H); ``speed`` ‖f(x) − x‖/√N;
``retrieval_force`` ⟨∇_x cos(x, ξ^0), f(x) − x⟩ -- for continuous time exactly d overlap/dt, the graded
model's definition ⟨∇_x m, dx/dt⟩ (docs/diagnostics.md); for sync updates the same expression with the
step's displacement f(x) − x, i.e. the first-order change of the overlap over one step (it differs from
the recorded m_{t+1} − m_t at second order); ``readout_error`` ‖f(x) − ξ^0‖, the error of the attention
readout from x (sync: the next state's distance to the target); ``error_bound`` and ``error_bound_logit``,
the Ramsauer and logit bounds on it (:mod:`hopfield_hclm.memory.modern`), each capped at
max_μ ‖ξ^μ − ξ^0‖; ``separation`` Δ_0 of the trial's patterns (constant in time; a series so that it travels
through sweeps like the others).  Time: steps (sync) or time constants (continuous).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import torch

from ...core.devices import resolve_dtype
from ...core.validation import check_real
from ..dynamics import UnitType, register_units
from ..modern import REFERENCES, SERIES_ATTRS as MODERN_SERIES_ATTRS, run as run_modern
from ..modern_patterns import (DEFAULT_CORRELATION, check_digits_size, check_ensemble, check_real_patterns, real_cue,
                               real_patterns)
from ..options import Option
from ..trajectory import Trajectory, register_series
from . import register_model
from .base import MAX_EXPONENTIAL_EXPONENT, ExponentialLoad, MemoryModel

#: Default inverse temperature β.
DEFAULT_BETA = 1.0
#: Default cosine between the cue and the target.
DEFAULT_CUE_OVERLAP = 0.8
#: Default pattern ensemble.
DEFAULT_ENSEMBLE = "binary"
#: Largest ``load * neurons`` accepted (P = round(exp(load N))), the exponential model's limit.
MAX_EXPONENT = MAX_EXPONENTIAL_EXPONENT

#: series of the real units, in recording order (names of :data:`hopfield_hclm.memory.modern.SERIES` + separation)
REAL_SERIES: tuple[str, ...] = ("overlap", "max_other_overlap", "energy", "attention_entropy", "effective_patterns",
                                "speed", "retrieval_force", "readout_error", "error_bound", "error_bound_logit",
                                "separation")
_NEW_SERIES = {
    "attention_entropy": MODERN_SERIES_ATTRS["attention_entropy"],
    "effective_patterns": MODERN_SERIES_ATTRS["effective_patterns"],
    "readout_error": MODERN_SERIES_ATTRS["readout_error"],
    "error_bound": MODERN_SERIES_ATTRS["error_bound"],
    "error_bound_logit": MODERN_SERIES_ATTRS["error_bound_logit"],
    "separation": ("separation Delta0 = xi0.xi0 - max_{mu>0} xi0.xi_mu of the trial's target (constant in time)", "1"),
}
for _name, (_long, _units) in _NEW_SERIES.items():
    register_series(_name, _long, _units)


@dataclass(frozen=True)
class Modern(ExponentialLoad, MemoryModel):
    """Modern Hopfield network: inverse temperature ``beta``, pattern ``ensemble`` and its ``correlation``."""

    beta: float = DEFAULT_BETA
    ensemble: str = DEFAULT_ENSEMBLE
    correlation: float | None = None
    units = ("real",)
    references = REFERENCES
    cited_by_units = ("real",)
    options = (
        Option("ensemble", str, None, "pattern ensemble of the modern model: binary (default), gaussian, spherical, "
               "correlated (E|xi|^2 = N) or digits (scikit-learn's 8x8 digits, N = 64)", "model=modern"),
        Option("correlation", float, None, f"pairwise correlation rho in [0, 1) of the correlated ensemble "
               f"(default {DEFAULT_CORRELATION})", "model=modern, ensemble=correlated"),
    )

    def validate(self) -> None:
        self._set("beta", check_real("beta", self.beta, low=0.0, low_open=True))
        self._set("correlation", check_ensemble(self.ensemble, self.correlation))


class RealUnits(UnitType):
    """Real-valued states of the modern Hopfield network (module docstring)."""

    name = "real"
    updates = ("sync", "continuous")
    default_update = "sync"
    series = REAL_SERIES
    time_units = "steps"
    time_long_name = "time since the cue (synchronous: steps; continuous: time constants)"
    state_long_name = "real-valued state x"
    references = REFERENCES

    def check_patterns(self, patterns, neurons):
        return check_real_patterns(patterns, neurons=neurons)

    def resolve(self, model, values):
        for name in ("gain", "cue_strength"):
            if values[name] is not None:
                raise ValueError(f"{name} must be None for units='real' (use cue_overlap); got {values[name]!r}")
        if values["temperature"] != 0.0:
            raise ValueError(f"temperature must be 0 for units='real'; got {values['temperature']!r}")
        if values["self_coupling"]:
            raise ValueError("self_coupling must be None or False for units='real' (the modern network has no "
                             "self-coupling convention)")
        cue = values["cue_overlap"]
        cue_overlap = check_real("cue_overlap", DEFAULT_CUE_OVERLAP if cue is None else cue, low=-1.0, high=1.0)
        patterns = values["patterns"]
        user = patterns is not None and not (isinstance(patterns, numbers.Integral) and not isinstance(patterns, bool))
        if model.ensemble == "digits" and not user:
            count = patterns if patterns is not None else model.pattern_count(values["neurons"], values["load"])
            check_digits_size(values["neurons"], count)
        return {"cue_overlap": cue_overlap, "gain": None, "cue_strength": None, "self_coupling": False,
                "pattern_source": "user" if user else model.ensemble}

    def resolve_dtype(self, bound, dtype):
        resolved = resolve_dtype(dtype, default=torch.float32)
        if resolved not in (torch.float32, torch.float64):
            raise ValueError(f"dtype must be 'float32', 'float64' or None for units='real'; got {dtype!r}")
        return resolved

    def run(self, spec, *, model, dynamics, patterns, generators, device, dtype):
        trials, count, neurons = spec.trials, spec.patterns, spec.neurons
        if patterns is not None:
            xi = torch.from_numpy(np.ascontiguousarray(patterns)).to(device=device, dtype=dtype)[None]
            cues = np.stack([real_cue(g, patterns[0], spec.cue_overlap) for g in generators])
        else:
            # one trial at a time in float64, cast into the preallocated batch: peak memory one trial's draw
            xi = torch.empty(trials, count, neurons, device=device, dtype=dtype)
            cues = np.empty((trials, neurons))
            for k, g in enumerate(generators):
                drawn = real_patterns(g, count, neurons, model.ensemble, model.correlation)
                cues[k] = real_cue(g, drawn[0], spec.cue_overlap)
                xi[k] = torch.from_numpy(drawn).to(device=device, dtype=dtype)
                del drawn
        x0 = torch.from_numpy(cues).to(device=device, dtype=dtype)
        continuous = dynamics.name == "continuous"
        result = run_modern(xi, x0, beta=model.beta, update="continuous" if continuous else "sync",
                            steps=spec.steps, dt=dynamics.dt if continuous else 1.0,
                            record_every=spec.record_every, method=dynamics.method if continuous else "euler",
                            record_states=spec.record_states)
        series = dict(result.series)
        series["separation"] = result.separation.unsqueeze(1).expand(-1, len(result.time)).contiguous()
        return Trajectory(time=result.time, series={name: series[name] for name in REAL_SERIES},
                          states=result.states, info=dict(result.info))

    def state_bytes(self, spec):
        return 4 if spec.dtype == "float32" else 8

    def dataset_extras(self, spec):
        time_units = "time constants" if spec.update == "continuous" else "steps"
        coords = {"realised_load": ((), np.float64(spec.realised_load),
                                    {"long_name": "realised load ln(P) / N", "units": "1"}),
                  # the class-level time units say "steps"; continuous runs count time constants
                  "time": ("time", spec.record_times(), {"long_name": "time since the cue", "units": time_units})}
        attrs = {"realised_load": spec.realised_load, "time_units": time_units,
                 "energy_convention": "E/N with E = -lse(beta X x)/beta + x.x/2 + log(P)/beta + M^2/2 (>= 0), "
                                      "M = max_mu |xi_mu|",
                 "overlap_convention": "cosine of the state with the target; max_other_overlap uses |cosine|",
                 "retrieval_force_convention": ("exactly d overlap/dt" if spec.update == "continuous" else
                                                "<grad cos, f(x) - x>: first-order change of the overlap per step")}
        return coords, attrs


register_units(RealUnits())
register_model("modern", Modern)
