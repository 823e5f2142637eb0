"""Binary ±1 units with synchronous or asynchronous updates and an optional Glauber temperature.

The temperature is a setting of the update rule (a field of :class:`Synchronous` and
:class:`Asynchronous`): ``T = 0`` is the deterministic energy-difference rule with the tie rule
(a zero drop keeps the state), ``T > 0`` the Glauber rule ``P(s_i = +1) = ½ (1 + tanh(Δ̃_i / T))``
(Glauber 1963) with the model's normalised drop (:meth:`MemoryModel.glauber_scale`).
The runners are :mod:`hopfield_hclm.memory.binary_dynamics` (torch) and
:mod:`hopfield_hclm.memory.async_numba` (numba, asynchronous only).

Draw order inside trial k's generator: patterns ``integers(0, 2, (P, N))`` (unless supplied), the
cue's ``permutation(N)``, then per step the sweep's ``permutation(N)`` (async) and ``random(N)``
uniforms (T > 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ...core.devices import resolve_dtype
from ...core.validation import check_real
from . import register_dynamics, register_units
from .base import Dynamics, UnitType

#: Default binary cue overlap m0: 10% of the target's bits flipped.
DEFAULT_CUE_OVERLAP = 0.8

BINARY_REFERENCES = (
    "Hopfield 1982, PNAS 79, 2554; Amit, Gutfreund & Sompolinsky 1985, PRL 55, 1530; "
    "Krotov & Hopfield 2016, NeurIPS (dense associative memory); "
    "Demircigil, Heusel, Loewe, Upgang & Vermet 2017, J. Stat. Phys. 168, 288 (exponential DAM); "
    "Glauber 1963, J. Math. Phys. 4, 294"
)


@dataclass(frozen=True)
class _BinaryUpdate(Dynamics):
    """Shared settings of the binary update rules: the Glauber ``temperature`` T >= 0."""

    temperature: float = 0.0

    @classmethod
    def from_options(cls, *, units, temperature, dt, method):
        if dt != 1.0:
            raise ValueError(f"dt must be 1.0 for units={units!r} (time is counted in sweeps); got {dt:g}")
        if method is not None:
            raise ValueError(f"method must be None for update={cls.name!r} (it chooses the integrator of "
                             f"continuous updates); got {method!r}")
        return cls(temperature=check_real("temperature", temperature, low=0.0))

    def run(self, bound, patterns, cues, generators, *, steps, record_every, record_states, backend):
        """Run on ``patterns`` ``(1 | trial, pattern, neuron)`` and ``cues`` ``(trial, neuron)`` (torch
        tensors on the compute device, or int8 numpy arrays for the numba backend)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Synchronous(_BinaryUpdate):
    """All units updated from the same state each step (Little dynamics); one step = one time unit."""

    def run(self, bound, patterns, cues, generators, *, steps, record_every, record_states, backend):
        from ..binary_dynamics import run_sync

        return run_sync(bound, patterns, cues, generators, steps=steps, record_every=record_every,
                        temperature=self.temperature, record_states=record_states)


@dataclass(frozen=True)
class Asynchronous(_BinaryUpdate):
    """One sweep = N single-unit updates in a fresh random permutation per trial and sweep."""

    def resolve_backend(self, backend, bound, device, dtype):
        # numba reproduces exact models in any dtype and the exponential model in float64
        numba_ok = device.type == "cpu" and bound.model.numba_supports(dtype)
        if backend == "numba" and not numba_ok:
            super().resolve_backend(backend, bound, device, dtype)
        if backend == "auto":
            from ..async_numba import available

            return "numba" if numba_ok and available() else "torch"
        return backend

    def run(self, bound, patterns, cues, generators, *, steps, record_every, record_states, backend):
        options = dict(steps=steps, record_every=record_every, temperature=self.temperature,
                       record_states=record_states)
        if backend == "numba":
            from ..async_numba import run_async_numba

            return run_async_numba(bound, patterns, cues, generators, **options)
        from ..binary_dynamics import run_async

        return run_async(bound, patterns, cues, generators, **options)


class BinaryUnits(UnitType):
    """±1 units; cue of overlap ``cue_overlap`` with the target (exactly round(N(1 - m0)/2) flips)."""

    name = "binary"
    updates = ("sync", "async")
    default_update = "async"
    series = ("overlap", "max_other_overlap", "energy", "activity")
    time_units = "sweeps"
    time_long_name = "time since the cue (one sweep = N single-unit updates)"
    state_long_name = "unit states s (binary) or x (graded)"
    references = BINARY_REFERENCES

    def resolve(self, model, values):
        self.refuse(values, ("gain", "cue_strength"), instead="cue_overlap")
        cue = values["cue_overlap"]
        cue_overlap = check_real("cue_overlap", DEFAULT_CUE_OVERLAP if cue is None else cue, low=-1.0, high=1.0)
        if values["self_coupling"] and not model.self_coupling_allowed:
            from ..models import model_classes

            allowed = [name for name, cls in model_classes().items() if cls.self_coupling_allowed]
            raise ValueError(f"self_coupling must be None or False for binary units of model={model.name!r} (its "
                             f"energy-difference rule has no self term); True is allowed for model in {allowed}")
        return {"cue_overlap": cue_overlap, "gain": None, "cue_strength": None,
                "self_coupling": bool(values["self_coupling"])}

    def resolve_dtype(self, bound, dtype):
        resolved = self.float_dtype(dtype, default=bound.default_dtype())
        if not bound.is_exact(resolved) and bound.is_exact(torch.float64):
            raise ValueError(f"dtype={dtype!r} cannot hold the integer fields exactly (bound "
                             f"{bound.field_bound():.3g} >= 2^24); use dtype='float64' or None")
        return resolved

    def state_bytes(self, spec):
        return 1  # int8

    def run(self, spec, *, model, dynamics, patterns, generators, device, dtype):
        from ..models.base import Bound
        from ..patterns import binary_cue, random_patterns

        if patterns is not None:
            patterns = patterns[None]
        else:
            patterns = np.stack([random_patterns(g, spec.patterns, spec.neurons) for g in generators])
        cues = np.stack([binary_cue(g, patterns[k if patterns.shape[0] > 1 else 0, 0], spec.cue_overlap)
                         for k, g in enumerate(generators)])
        bound = Bound(model, spec.neurons, spec.patterns, spec.self_coupling)
        options = dict(steps=spec.steps, record_every=spec.record_every, record_states=spec.record_states,
                       backend=spec.backend)
        if spec.backend != "numba":
            patterns = torch.from_numpy(patterns).to(device=device, dtype=dtype)
            cues = torch.from_numpy(cues).to(device=device, dtype=dtype)
        with torch.inference_mode():
            return dynamics.run(bound, patterns, cues, generators, **options)

    def dataset_extras(self, spec):
        from ..models.base import Bound

        bound = Bound(spec.memory, spec.neurons, spec.patterns, spec.self_coupling)
        return {}, {"exact_fields": int(bound.is_exact(resolve_dtype(spec.dtype)))}


register_dynamics("sync", Synchronous)
register_dynamics("async", Asynchronous)
register_units(BinaryUnits())
