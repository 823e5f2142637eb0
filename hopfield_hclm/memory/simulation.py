"""``simulate``: the front door of the associative-memory engine (issue 3, DESIGN.md §§3–4, 6).

One call validates every argument (before any allocation), draws each trial's disorder from its own
generator, runs the batched dynamics on the requested device and returns an ``xarray.Dataset`` with
dims ``("trial", "time")`` and CF-style attributes.

Draw order inside trial k's generator ``trial_generators(seed, trials)[k]``:
binary units -- patterns ``integers(0, 2, (P, N))`` (unless supplied), the cue's
``permutation(N)``, then per step the sweep's ``permutation(N)`` (async) and ``random(N)``
uniforms (T > 0); graded units -- patterns, then ``standard_normal(N)`` for x(0). So
``simulate(trials=1, seed=s)`` reproduces trial 0 of ``simulate(trials=8, seed=s)`` and a trial never
depends on batch size or device.
"""

from __future__ import annotations

import numpy as np
import torch
import xarray as xr

from ..core.attrs import global_attrs
from ..core.devices import check_memory, resolve_dtype
from ..core.seeds import trial_generators, trial_seeds
from .dynamics import dynamics_names, unit_names
from .dynamics.discrete import BINARY_REFERENCES, DEFAULT_CUE_OVERLAP
from .models.exponential import DEFAULT_BETA, MAX_EXPONENTIAL_EXPONENT
from .spec import BACKENDS, OPTIONS, SimulationSpec, resolve_spec
from .trajectory import SERIES_ATTRS, Trajectory

#: The built-in unit types and update rules (the registries hold any added later).
UNITS = unit_names()
UPDATES = dynamics_names()

__all__ = ["BACKENDS", "BINARY_REFERENCES", "DEFAULT_BETA", "DEFAULT_CUE_OVERLAP", "MAX_EXPONENTIAL_EXPONENT",
           "OPTIONS", "SimulationSpec", "UNITS", "UPDATES", "check_finite", "estimate_memory", "resolve_spec",
           "simulate", "to_dataset"]


def estimate_memory(spec: SimulationSpec) -> int:
    """Estimated peak bytes of a run on its device (patterns dominate: int8 draw + float copy)."""
    element = 4 if spec.dtype == "float32" else 8
    pattern_trials = 1 if spec.user_patterns else spec.trials
    pattern_cells = pattern_trials * spec.patterns * spec.neurons
    patterns = pattern_cells * (1 + (2 if spec.backend == "numba" else element))
    working = spec.trials * (spec.neurons + spec.patterns) * 8 * 12
    series = spec.trials * spec.records * 8 * len(SERIES_ATTRS)
    states = spec.trials * spec.records * spec.neurons * spec.unit.state_bytes(spec)
    return int(patterns + working + series + (states if spec.record_states else 0))


def check_finite(trajectory: Trajectory) -> None:
    """Raise ``FloatingPointError`` naming the first non-finite series value and its time.

    Allowed NaNs: ``activity`` at time 0 (no step taken yet) and ``max_other_overlap`` when P = 1.
    """
    for name, values in trajectory.series.items():
        values = values.detach().cpu().to(torch.float64)
        if name == "activity":
            values = values[:, 1:]
            offset = 1
        else:
            offset = 0
        if name == "max_other_overlap" and bool(torch.isnan(values).all()):
            continue
        bad = ~torch.isfinite(values)
        if bool(bad.any()):
            trial, record = (int(v) for v in bad.nonzero()[0])
            raise FloatingPointError(f"series {name!r} is not finite at time {trajectory.time[record + offset]:g} "
                                     f"(trial {trial}): {values[trial, record].item()}")


def _attr_value(value):
    if value is None:
        return "none"
    if isinstance(value, bool):
        return int(value)
    return value


#: The settings recorded as attributes, in this order, then ``method`` and the models' own options.
SETTINGS = ("model", "units", "update", "neurons", "load", "order", "beta", "gain", "cue_overlap", "cue_strength",
            "temperature", "self_coupling", "dt", "steps", "record_every", "backend")


def _references(spec: SimulationSpec) -> str:
    """The unit type's references, then the model's items it does not already cite."""
    items = [r.strip() for r in spec.memory.references.split(";") if r.strip()]
    if spec.units in type(spec.memory).cited_by_units:
        items = []
    known = spec.unit.references
    return "; ".join([known] + [item for item in items if item not in known]) if known else "; ".join(items)


def to_dataset(trajectory: Trajectory, spec: SimulationSpec) -> xr.Dataset:
    """Convert a :class:`Trajectory` to the result Dataset (dims ``("trial", "time")``, CF attrs)."""
    unit = spec.unit
    data_vars = {
        name: (("trial", "time"), values.detach().cpu().numpy().astype(np.float64),
               {"long_name": SERIES_ATTRS[name][0], "units": SERIES_ATTRS[name][1]})
        for name, values in trajectory.series.items()
    }
    extra_coords, extra_attrs = unit.dataset_extras(spec)
    coords = {
        "trial": ("trial", np.arange(spec.trials, dtype=np.int64), {"long_name": "trial index", "units": "1"}),
        "time": ("time", np.asarray(trajectory.time, dtype=np.float64),
                 {"long_name": unit.time_long_name, "units": unit.time_units}),
        "seed": ("trial", trial_seeds(spec.seed, spec.trials),
                 {"long_name": "per-trial seed from SeedSequence(seed).spawn", "units": "1"}),
        "patterns": ((), np.int64(spec.patterns), {"long_name": "number of stored patterns P", "units": "1"}),
        **extra_coords,
    }
    if trajectory.states is not None:
        states = trajectory.states.detach().cpu().numpy()
        data_vars["state"] = (("trial", "time", "neuron"), states, {"long_name": unit.state_long_name, "units": "1"})
        coords["neuron"] = ("neuron", np.arange(spec.neurons, dtype=np.int64),
                            {"long_name": "neuron index", "units": "1"})
    ds = xr.Dataset(data_vars, coords=coords)
    ds.attrs.update({name: _attr_value(getattr(spec, name)) for name in SETTINGS + ("method",)})
    ds.attrs.update({name: _attr_value(value) for name, value in spec.extras})
    ds.attrs.update(extra_attrs)
    title = f"{spec.units} {spec.model} associative memory, {spec.update} dynamics"
    ds.attrs.update(global_attrs(title=title, config=spec.config(), references=_references(spec),
                                 device=spec.device, dtype=spec.dtype))
    return ds


def simulate(*, model="hopfield", units: str = "binary", update: str | None = None, neurons: int = 1000,
             load: float | None = None, order: int = 1, patterns=None, beta: float | None = None, steps: int = 20,
             dt: float = 1.0, method: str | None = None, cue_overlap: float | None = None, gain: float | None = None,
             cue_strength: float | None = None, temperature: float = 0.0, self_coupling: bool | None = None,
             record_every: int = 1, trials: int = 8, seed: int = 0, device="cpu", dtype=None,
             record_states: bool = False, backend: str = "auto", **model_options) -> xr.Dataset:
    """Batched associative-memory dynamics from a cue; returns the trajectory Dataset.

    The options are declared once in :data:`hopfield_hclm.memory.spec.OPTIONS` (table in docs/memory.md).

    Args:
        model: a registered name -- "hopfield" (F = x², order 1), "dense" (F = x^(n+1), order n >= 2,
            Krotov & Hopfield 2016), "exponential" (F = exp(βx), Demircigil et al. 2017; binary units
            only) or one added with ``register_model`` -- or a model object such as ``Dense(order=3)``.
        units: "binary" (±1) or "graded" (tanh, continuous time; DESIGN.md §3), or a registered unit type.
        update: "sync" | "async" for binary units (default "async"), "continuous" for graded, or an update
            object (``Asynchronous(temperature=0.5)``, ``Continuous(dt=0.1, method="rk4")``; memory.dynamics).
        neurons: N >= 1.
        load: α > 0; P = round(α N^order) (exponential: P = round(exp(α N))). Optional if ``patterns``.
            Graded units use the realised load P / N^order in their coupling g / sqrt(P / N^order);
            the result records both (attr ``load``: requested; coord and attr ``realised_load``).
        order: interaction order n (1 for hopfield/exponential, >= 2 for dense).
        patterns: None (draw P i.i.d. patterns per trial), an int P, or a ±1 array ``(pattern, neuron)``
            shared by all trials. Pattern 0 is the cued target.
        beta: β > 0 of the exponential model (default 1.0); None otherwise.
        steps: number of steps (binary: sweeps or synchronous updates; graded: integration steps of ``dt``).
        dt: graded step in time constants; must be 1.0 for binary units.
        method: integrator of continuous updates, "euler" (default), "heun" or "rk4"; None otherwise.
        cue_overlap: binary cue overlap m0 in [-1, 1] (default 0.8): round(N(1 - m0)/2) target bits flipped.
        gain, cue_strength: graded gain g > 0 and cue strength a in [0, g] (defaults from ``graded``).
        temperature: Glauber temperature T >= 0 of binary units (see :mod:`~hopfield_hclm.memory.binary`).
        self_coupling: binary default False (zero diagonal; True only for hopfield); graded default True.
        record_every: record every this many steps, and at time 0.
        trials: number of independent trials B; seed: root seed (trial k uses child k).
        device: "cpu", "cuda", "cuda:N"; dtype: "float32" | "float64" | None (binary: float32 where the
            integer fields are exact, else float64; exponential float64; graded float32).
        record_states: also store the full states, variable ``state`` (trial, time, neuron).
        backend: "auto" (numba for binary async on CPU when importable), "torch" or "numba".
        **model_options: options declared by registered models and unit types (``spec.all_options()``).

    Returns:
        ``xarray.Dataset`` with dims ``("trial", "time")``; ``len(time) == steps // record_every + 1``;
        variables ``overlap``, ``max_other_overlap``, ``energy``, ``activity`` (binary) or ``speed``,
        ``retrieval_force`` (graded); coordinates ``time``, ``trial``, ``seed`` (on trial), ``patterns``
        and, for graded units, ``realised_load``.

    Raises:
        ValueError: an invalid argument, before anything is allocated.
        MemoryEstimateError: the estimated memory exceeds what the device has.
        FloatingPointError: a non-finite value in the trajectory.
    """
    arguments = locals()
    spec, user_patterns = resolve_spec(**{o.name: arguments[o.name] for o in OPTIONS}, **model_options)
    check_memory(estimate_memory(spec), torch.device(spec.device), what=f"simulate({spec.units} {spec.model})")
    generators = trial_generators(spec.seed, spec.trials)
    trajectory = spec.unit.run(spec, model=spec.memory, dynamics=spec.dynamics, patterns=user_patterns,
                               generators=generators, device=torch.device(spec.device),
                               dtype=resolve_dtype(spec.dtype))
    check_finite(trajectory)
    return to_dataset(trajectory, spec)
