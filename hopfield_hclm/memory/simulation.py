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

import math
import numbers
from dataclasses import asdict, dataclass

import numpy as np
import torch
import xarray as xr

from ..core.attrs import global_attrs
from ..core.devices import check_memory, resolve_device, resolve_dtype
from ..core.seeds import trial_generators, trial_seeds
from ..core.validation import check_choice, check_int, check_real
from .binary import MODELS, BinaryModel
from .patterns import binary_cue, check_patterns, random_patterns
from .trajectory import SERIES_ATTRS, Trajectory, record_times

UNITS = ("binary", "graded")
UPDATES = ("sync", "async", "continuous")
BACKENDS = ("auto", "torch", "numba")
#: Default binary cue overlap m0: 10% of the target's bits flipped.
DEFAULT_CUE_OVERLAP = 0.8
#: Default inverse temperature of the exponential model's F(x) = exp(beta x).
DEFAULT_BETA = 1.0
#: Largest ``load * neurons`` accepted by the exponential model (P = round(exp(load N))).
MAX_EXPONENTIAL_EXPONENT = 40.0

BINARY_REFERENCES = (
    "Hopfield 1982, PNAS 79, 2554; Amit, Gutfreund & Sompolinsky 1985, PRL 55, 1530; "
    "Krotov & Hopfield 2016, NeurIPS (dense associative memory); "
    "Demircigil, Heusel, Loewe, Upgang & Vermet 2017, J. Stat. Phys. 168, 288 (exponential DAM); "
    "Glauber 1963, J. Math. Phys. 4, 294"
)


@dataclass(frozen=True)
class SimulationSpec:
    """A validated, fully resolved ``simulate`` configuration (``None`` where a setting does not apply)."""

    model: str
    units: str
    update: str
    neurons: int
    patterns: int
    load: float
    order: int
    beta: float | None
    steps: int
    dt: float
    cue_overlap: float | None
    gain: float | None
    cue_strength: float | None
    temperature: float
    self_coupling: bool
    record_every: int
    trials: int
    seed: int
    device: str
    dtype: str
    backend: str
    record_states: bool
    user_patterns: bool

    def config(self) -> dict:
        """The resolved configuration as a plain dict (for the ``config`` global attribute)."""
        return asdict(self)

    @property
    def realised_load(self) -> float:
        """The load the stored patterns realise: P / N^n (exponential model: ln(P) / N).

        ``load`` is the requested (nominal) value; P = round(load N^n) makes them differ by up to
        1/(2 load N^n) relatively (2.4 % at N = 40, n = 4, P = 21).  Graded units use the realised
        value in their coupling g / sqrt(P / N^n).
        """
        if self.model == "exponential":
            return math.log(self.patterns) / self.neurons
        return self.patterns / float(self.neurons) ** self.order

    @property
    def records(self) -> int:
        """Number of recorded time points, ``steps // record_every + 1``."""
        return self.steps // self.record_every + 1

    def record_times(self) -> np.ndarray:
        """Times of the records: sweeps for binary units, time constants for graded units."""
        return record_times(self.steps, self.record_every, self.dt if self.units == "graded" else 1.0)


def _check_flag(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be one of True, False; got {value!r}")
    return bool(value)


def _resolve_patterns(patterns, neurons: int):
    """``(count, array or None)`` from ``patterns`` = None, an int count or a (P, N) array."""
    if patterns is None:
        return None, None
    if isinstance(patterns, numbers.Integral) and not isinstance(patterns, bool):
        return check_int("patterns", patterns, minimum=1), None
    if isinstance(patterns, (bool, float, str)):
        raise ValueError(f"patterns must be None, an integer count >= 1 or a 2-D (pattern, neuron) ±1 array; "
                         f"got {patterns!r}")
    array = check_patterns(patterns, neurons=neurons)
    return array.shape[0], array


def _pattern_count(model: str, neurons: int, load: float, order: int) -> int:
    if model == "exponential":
        if load * neurons > MAX_EXPONENTIAL_EXPONENT:
            raise ValueError(f"load must satisfy load * neurons <= {MAX_EXPONENTIAL_EXPONENT:g} for the exponential "
                             f"model (P = round(exp(load N))); got load * neurons = {load * neurons:g}; "
                             f"pass patterns=P to give the count directly")
        count = round(math.exp(load * neurons))
    else:
        count = round(load * float(neurons) ** order)
    if count < 1:
        raise ValueError(f"load={load:g} gives P = {count} patterns for neurons={neurons}, order={order}; "
                         f"load must give at least one pattern")
    return int(count)


def resolve_spec(*, model, units, update, neurons, load, order, patterns, beta, steps, dt, cue_overlap, gain,
                 cue_strength, temperature, self_coupling, record_every, trials, seed, device, dtype,
                 record_states, backend) -> tuple[SimulationSpec, np.ndarray | None]:
    """Validate every ``simulate`` argument and resolve defaults; no allocation beyond user patterns.

    Returns the spec and the validated user patterns ``(pattern, neuron)`` int8 (or None).
    Raises ``ValueError`` naming the argument and the allowed values.
    """
    check_choice("model", model, MODELS)
    check_choice("units", units, UNITS)
    if update is None:
        update = "async" if units == "binary" else "continuous"
    check_choice("update", update, UPDATES)
    if units == "binary" and update == "continuous":
        raise ValueError("update must be 'sync' or 'async' for units='binary'; 'continuous' needs units='graded'")
    if units == "graded" and update != "continuous":
        raise ValueError(f"update must be 'continuous' for units='graded'; got {update!r}")
    if units == "graded" and model == "exponential":
        raise ValueError("model must be 'hopfield' or 'dense' for units='graded' "
                         "(graded exponential dynamics are not defined)")
    neurons = check_int("neurons", neurons, minimum=1)
    order = check_int("order", order, minimum=1)
    if model == "hopfield" and order != 1:
        raise ValueError(f"order must be 1 for model='hopfield' (use model='dense' for order >= 2); got {order}")
    if model == "dense" and order < 2:
        raise ValueError(f"order must be an integer >= 2 for model='dense' (order 1 is model='hopfield'); got {order}")
    if model == "exponential" and order != 1:
        raise ValueError(f"order must be 1 (its default) for model='exponential'; got {order}")
    if model == "exponential":
        beta = check_real("beta", DEFAULT_BETA if beta is None else beta, low=0.0, low_open=True)
    elif beta is not None:
        raise ValueError(f"beta must be None unless model='exponential'; got {beta!r}")
    count, user_patterns = _resolve_patterns(patterns, neurons)
    if load is not None:
        load = check_real("load", load, low=0.0, low_open=True)
    elif count is None:
        raise ValueError("load must be a real number > 0 when patterns is None")
    if count is None:
        count = _pattern_count(model, neurons, load, order)
    else:  # patterns override load: record the effective load
        load = count / float(neurons) ** order if model != "exponential" else math.log(count) / neurons
    steps = check_int("steps", steps, minimum=0)
    dt = check_real("dt", dt, low=0.0, low_open=True)
    temperature = check_real("temperature", temperature, low=0.0)
    record_every = check_int("record_every", record_every, minimum=1)
    trials = check_int("trials", trials, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    _check_flag("record_states", record_states)
    check_choice("backend", backend, BACKENDS)
    if self_coupling is not None:
        _check_flag("self_coupling", self_coupling)
    if units == "binary":
        if dt != 1.0:
            raise ValueError(f"dt must be 1.0 for units='binary' (time is counted in sweeps); got {dt:g}")
        for name, value in (("gain", gain), ("cue_strength", cue_strength)):
            if value is not None:
                raise ValueError(f"{name} must be None for units='binary' (use cue_overlap); got {value!r}")
        cue_overlap = check_real("cue_overlap", DEFAULT_CUE_OVERLAP if cue_overlap is None else cue_overlap,
                                 low=-1.0, high=1.0)
        if self_coupling and model != "hopfield":
            raise ValueError("self_coupling must be None or False for binary dense/exponential models "
                             "(the energy-difference rule has no self term); True is allowed for model='hopfield'")
        self_coupling = bool(self_coupling)
    else:
        from . import graded

        if cue_overlap is not None:
            raise ValueError(f"cue_overlap must be None for units='graded' (use cue_strength); got {cue_overlap!r}")
        if temperature != 0.0:
            raise ValueError(f"temperature must be 0 for units='graded'; got {temperature:g}")
        gain = check_real("gain", graded.DEFAULT_GAIN if gain is None else gain, low=0.0, low_open=True)
        cue_strength = check_real("cue_strength", graded.DEFAULT_CUE_STRENGTH if cue_strength is None
                                  else cue_strength, low=0.0, high=gain)
        self_coupling = True if self_coupling is None else self_coupling
    dev = resolve_device(device)
    if units == "binary":
        binary = BinaryModel(model, neurons, count, order, beta, self_coupling)
        default = torch.float64 if model == "exponential" else binary.default_dtype()
        resolved = resolve_dtype(dtype, default=default)
        if resolved not in (torch.float32, torch.float64):
            raise ValueError(f"dtype must be 'float32', 'float64' or None for units='binary'; got {dtype!r}")
        if model != "exponential" and not binary.is_exact(resolved) and binary.is_exact(torch.float64):
            raise ValueError(f"dtype={dtype!r} cannot hold the integer fields exactly (bound "
                             f"{binary.field_bound():.3g} >= 2^24); use dtype='float64' or None")
    else:
        resolved = resolve_dtype(dtype, default=torch.float32)
        if resolved not in (torch.float32, torch.float64):
            raise ValueError(f"dtype must be 'float32', 'float64' or None for units='graded'; got {dtype!r}")
    # numba computes exponential models in float64 only; exact models give identical results in any dtype
    numba_ok = (units == "binary" and update == "async" and dev.type == "cpu"
                and not (model == "exponential" and resolved != torch.float64))
    if backend == "numba" and not numba_ok:
        raise ValueError("backend must be 'auto' or 'torch' unless units='binary', update='async', device='cpu' "
                         "(and dtype float64 for model='exponential'); got backend='numba'")
    if backend == "auto":
        from .async_numba import available

        backend = "numba" if numba_ok and available() else "torch"
    spec = SimulationSpec(
        model=model, units=units, update=update, neurons=neurons, patterns=count, load=float(load), order=order,
        beta=beta, steps=steps, dt=dt, cue_overlap=cue_overlap if units == "binary" else None,
        gain=gain if units == "graded" else None, cue_strength=cue_strength if units == "graded" else None,
        temperature=temperature, self_coupling=bool(self_coupling), record_every=record_every, trials=trials,
        seed=seed, device=str(dev), dtype=str(resolved).removeprefix("torch."), backend=backend,
        record_states=record_states, user_patterns=user_patterns is not None)
    return spec, user_patterns


def estimate_memory(spec: SimulationSpec) -> int:
    """Estimated peak bytes of a run on its device (patterns dominate: int8 draw + float copy)."""
    element = 4 if spec.dtype == "float32" else 8
    pattern_trials = 1 if spec.user_patterns else spec.trials
    pattern_cells = pattern_trials * spec.patterns * spec.neurons
    patterns = pattern_cells * (1 + (2 if spec.backend == "numba" else element))
    working = spec.trials * (spec.neurons + spec.patterns) * 8 * 12
    series = spec.trials * spec.records * 8 * len(SERIES_ATTRS)
    states = spec.trials * spec.records * spec.neurons * (1 if spec.units == "binary" else element)
    return int(patterns + working + series + (states if spec.record_states else 0))


def _draw_binary_inputs(spec: SimulationSpec, user_patterns, generators):
    if user_patterns is not None:
        patterns = user_patterns[None]
    else:
        patterns = np.stack([random_patterns(g, spec.patterns, spec.neurons) for g in generators])
    cues = np.stack([binary_cue(g, patterns[k if patterns.shape[0] > 1 else 0, 0], spec.cue_overlap)
                     for k, g in enumerate(generators)])
    return patterns, cues


def _run_binary(spec: SimulationSpec, user_patterns, generators) -> Trajectory:
    from .binary_dynamics import run_async, run_sync

    model = BinaryModel(spec.model, spec.neurons, spec.patterns, spec.order, spec.beta, spec.self_coupling)
    patterns, cues = _draw_binary_inputs(spec, user_patterns, generators)
    options = dict(steps=spec.steps, record_every=spec.record_every, temperature=spec.temperature,
                   record_states=spec.record_states)
    if spec.backend == "numba":
        from .async_numba import run_async_numba

        return run_async_numba(model, patterns, cues, generators, **options)
    dtype = resolve_dtype(spec.dtype)
    device = torch.device(spec.device)
    patterns_t = torch.from_numpy(patterns).to(device=device, dtype=dtype)
    cues_t = torch.from_numpy(cues).to(device=device, dtype=dtype)
    run = run_sync if spec.update == "sync" else run_async
    with torch.inference_mode():
        return run(model, patterns_t, cues_t, generators, **options)


def _run_graded(spec: SimulationSpec, user_patterns, generators) -> Trajectory:
    from . import graded

    if user_patterns is not None:
        patterns = user_patterns[None]
    else:
        patterns = np.stack([random_patterns(g, spec.patterns, spec.neurons) for g in generators])
    dtype = resolve_dtype(spec.dtype)
    targets = patterns[np.arange(spec.trials) if patterns.shape[0] > 1 else np.zeros(spec.trials, dtype=int), 0]
    x0 = graded.initial_state(targets, gain=spec.gain, cue_strength=spec.cue_strength, generators=generators,
                              device=spec.device, dtype=dtype)
    patterns_t = torch.from_numpy(patterns).to(device=spec.device, dtype=dtype)
    # the coupling uses the load the patterns realise, P / N^n, not the requested one (DESIGN.md §3)
    return graded.integrate(patterns_t, x0, order=spec.order, gain=spec.gain, load=spec.realised_load, dt=spec.dt,
                            steps=spec.steps, record_every=spec.record_every, self_coupling=spec.self_coupling,
                            record_states=spec.record_states, batch_invariant=patterns.shape[0] == 1)


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


def to_dataset(trajectory: Trajectory, spec: SimulationSpec) -> xr.Dataset:
    """Convert a :class:`Trajectory` to the result Dataset (dims ``("trial", "time")``, CF attrs)."""
    time_units = "sweeps" if spec.units == "binary" else "time constants"
    data_vars = {
        name: (("trial", "time"), values.detach().cpu().numpy().astype(np.float64),
               {"long_name": SERIES_ATTRS[name][0], "units": SERIES_ATTRS[name][1]})
        for name, values in trajectory.series.items()
    }
    coords = {
        "trial": ("trial", np.arange(spec.trials, dtype=np.int64), {"long_name": "trial index", "units": "1"}),
        "time": ("time", np.asarray(trajectory.time, dtype=np.float64),
                 {"long_name": "time since the cue" + (" (one sweep = N single-unit updates)"
                                                       if spec.units == "binary" else ""), "units": time_units}),
        "seed": ("trial", trial_seeds(spec.seed, spec.trials),
                 {"long_name": "per-trial seed from SeedSequence(seed).spawn", "units": "1"}),
        "patterns": ((), np.int64(spec.patterns), {"long_name": "number of stored patterns P", "units": "1"}),
    }
    if spec.units == "graded":
        coords["realised_load"] = ((), np.float64(spec.realised_load), {
            "long_name": "realised load P / N^n, the load in the graded coupling g / sqrt(P / N^n)", "units": "1"})
    if trajectory.states is not None:
        states = trajectory.states.detach().cpu().numpy()
        data_vars["state"] = (("trial", "time", "neuron"), states,
                              {"long_name": "unit states s (binary) or x (graded)", "units": "1"})
        coords["neuron"] = ("neuron", np.arange(spec.neurons, dtype=np.int64),
                            {"long_name": "neuron index", "units": "1"})
    ds = xr.Dataset(data_vars, coords=coords)
    settings = ("model", "units", "update", "neurons", "load", "order", "beta", "gain", "cue_overlap",
                "cue_strength", "temperature", "self_coupling", "dt", "steps", "record_every", "backend")
    ds.attrs.update({name: _attr_value(getattr(spec, name)) for name in settings})
    if spec.units == "graded":
        ds.attrs["realised_load"] = spec.realised_load
        ds.attrs["coupling_load"] = "realised_load (P / N^n); load is the requested value behind P = round(load N^n)"
    if spec.units == "binary":
        model = BinaryModel(spec.model, spec.neurons, spec.patterns, spec.order, spec.beta, spec.self_coupling)
        ds.attrs["exact_fields"] = int(spec.model != "exponential" and model.is_exact(resolve_dtype(spec.dtype)))
        references = BINARY_REFERENCES
    else:
        from . import graded

        references = graded.REFERENCES
    title = f"{spec.units} {spec.model} associative memory, {spec.update} dynamics"
    ds.attrs.update(global_attrs(title=title, config=spec.config(), references=references,
                                 device=spec.device, dtype=spec.dtype))
    return ds


def simulate(*, model: str = "hopfield", units: str = "binary", update: str | None = None, neurons: int = 1000,
             load: float | None = None, order: int = 1, patterns=None, beta: float | None = None, steps: int = 20,
             dt: float = 1.0, cue_overlap: float | None = None, gain: float | None = None,
             cue_strength: float | None = None, temperature: float = 0.0, self_coupling: bool | None = None,
             record_every: int = 1, trials: int = 8, seed: int = 0, device="cpu", dtype=None,
             record_states: bool = False, backend: str = "auto") -> xr.Dataset:
    """Batched associative-memory dynamics from a cue; returns the trajectory Dataset.

    Args:
        model: "hopfield" (F = x², order 1), "dense" (F = x^(n+1), order n >= 2, Krotov & Hopfield
            2016) or "exponential" (F = exp(βx), Demircigil et al. 2017; binary units only).
        units: "binary" (±1) or "graded" (tanh, continuous time; DESIGN.md §3).
        update: "sync" | "async" for binary units (default "async"), "continuous" for graded.
        neurons: N >= 1.
        load: α > 0; P = round(α N^order) (exponential: P = round(exp(α N))). Optional if ``patterns``.
            Graded units use the realised load P / N^order in their coupling g / sqrt(P / N^order);
            the result records both (attr ``load``: requested; coord and attr ``realised_load``).
        order: interaction order n (1 for hopfield/exponential, >= 2 for dense).
        patterns: None (draw P i.i.d. patterns per trial), an int P, or a ±1 array ``(pattern, neuron)``
            shared by all trials. Pattern 0 is the cued target.
        beta: β > 0 of the exponential model (default 1.0); None otherwise.
        steps: number of steps (binary: sweeps or synchronous updates; graded: Euler steps of ``dt``).
        dt: graded step in time constants; must be 1.0 for binary units.
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
    spec, user_patterns = resolve_spec(
        model=model, units=units, update=update, neurons=neurons, load=load, order=order, patterns=patterns,
        beta=beta, steps=steps, dt=dt, cue_overlap=cue_overlap, gain=gain, cue_strength=cue_strength,
        temperature=temperature, self_coupling=self_coupling, record_every=record_every, trials=trials, seed=seed,
        device=device, dtype=dtype, record_states=record_states, backend=backend)
    check_memory(estimate_memory(spec), torch.device(spec.device), what=f"simulate({spec.units} {spec.model})")
    generators = trial_generators(spec.seed, spec.trials)
    if spec.units == "binary":
        trajectory = _run_binary(spec, user_patterns, generators)
    else:
        trajectory = _run_graded(spec, user_patterns, generators)
    check_finite(trajectory)
    return to_dataset(trajectory, spec)
