"""Graded (tanh) units in continuous time: ``dx/dt = -x + h(tanh x)``, integrated with step ``dt``.

:class:`Continuous` holds ``dt`` and the integration ``method``: explicit Euler (the model's reference
scheme, the default), Heun (2nd order) or classical RK4 (4th order); all three have exactly the
zeros of the vector field as fixed points (:mod:`hopfield_hclm.memory.graded`). The field comes
from the model (:meth:`MemoryModel.graded_field`).

Draw order inside trial k's generator: patterns ``integers(0, 2, (P, N))`` (unless supplied), then
``standard_normal(N)`` for x(0) = a ξ^1 + sqrt(g² − a²) z.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ...core.validation import check_choice, check_real
from . import register_dynamics, register_units
from .base import Dynamics, UnitType


@dataclass(frozen=True)
class Continuous(Dynamics):
    """Continuous time: step ``dt`` (time constants) and ``method`` in ``graded.METHODS``."""

    dt: float = 1.0
    method: str = "euler"

    @classmethod
    def from_options(cls, *, units, temperature, dt, method):
        from ..graded import METHODS

        if temperature != 0.0:
            raise ValueError(f"temperature must be 0 for units={units!r}; got {temperature:g}")
        method = check_choice("method", "euler" if method is None else method, METHODS)
        return cls(dt=check_real("dt", dt, low=0.0, low_open=True), method=method)

    @property
    def step_length(self) -> float:
        return self.dt


class GradedUnits(UnitType):
    """tanh units with gain g and a cue of strength a along the target (DESIGN.md §3)."""

    name = "graded"
    updates = ("continuous",)
    default_update = "continuous"
    series = ("overlap", "max_other_overlap", "energy", "speed", "retrieval_force")
    time_units = "time constants"
    time_long_name = "time since the cue"
    state_long_name = "unit states s (binary) or x (graded)"

    @property
    def references(self) -> str:
        from ..graded import REFERENCES

        return REFERENCES

    def resolve(self, model, values):
        from .. import graded

        self.refuse(values, ("cue_overlap",), instead="cue_strength")
        gain = check_real("gain", graded.DEFAULT_GAIN if values["gain"] is None else values["gain"],
                          low=0.0, low_open=True)
        strength = values["cue_strength"]
        cue_strength = check_real("cue_strength", graded.DEFAULT_CUE_STRENGTH if strength is None else strength,
                                  low=0.0, high=gain)
        self_coupling = True if values["self_coupling"] is None else values["self_coupling"]
        return {"cue_overlap": None, "gain": gain, "cue_strength": cue_strength, "self_coupling": bool(self_coupling)}

    def run(self, spec, *, model, dynamics, patterns, generators, device, dtype):
        from .. import graded
        from ..patterns import random_patterns

        if patterns is not None:
            patterns = patterns[None]
        else:
            patterns = np.stack([random_patterns(g, spec.patterns, spec.neurons) for g in generators])
        rows = np.arange(spec.trials) if patterns.shape[0] > 1 else np.zeros(spec.trials, dtype=int)
        x0 = graded.initial_state(patterns[rows, 0], gain=spec.gain, cue_strength=spec.cue_strength,
                                  generators=generators, device=device, dtype=dtype)
        patterns_t = torch.from_numpy(patterns).to(device=device, dtype=dtype)
        # the coupling uses the load the patterns realise, P / N^n, not the requested one (DESIGN.md §3)
        return graded.integrate(patterns_t, x0, order=spec.order, gain=spec.gain, load=spec.realised_load,
                                dt=dynamics.dt, steps=spec.steps, record_every=spec.record_every,
                                self_coupling=spec.self_coupling, record_states=spec.record_states,
                                method=dynamics.method, batch_invariant=patterns.shape[0] == 1, model=model)

    def dataset_extras(self, spec):
        coords = {"realised_load": ((), np.float64(spec.realised_load), {
            "long_name": "realised load P / N^n, the load in the graded coupling g / sqrt(P / N^n)", "units": "1"})}
        attrs = {"realised_load": spec.realised_load,
                 "coupling_load": "realised_load (P / N^n); load is the requested value behind P = round(load N^n)"}
        return coords, attrs


register_dynamics("continuous", Continuous)
register_units(GradedUnits())
