"""Batched binary dynamics in torch: synchronous (Little) and asynchronous (random sweep) updates.

All trials advance together on one device. Random numbers come from the per-trial CPU generators in
a fixed order (DESIGN.md §6): per step, asynchronous updates draw the sweep's visit order
``generator.permutation(N)`` and then, at ``T > 0``, ``generator.random(N)`` uniforms -- the t-th
uniform decides the t-th visited unit (asynchronous) or unit t (synchronous). One step is one
synchronous update of all units or one sweep of N single-unit updates: one time unit.

Diagnostics (:data:`~hopfield_hclm.memory.trajectory.BINARY_SERIES`) are recorded every
``record_every`` steps from the overlaps, so memory is O(trial × (neuron + pattern)) plus the series.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import numpy as np
import torch

from .binary import energy_drops, energy_per_neuron, glauber_update, overlaps, threshold_update
from .models.base import Bound
from .trajectory import BINARY_SERIES, Trajectory, record_times


def draw_step_noise(generators: Sequence[np.random.Generator], neurons: int, *, asynchronous: bool,
                    temperature: float) -> tuple[np.ndarray | None, np.ndarray | None]:
    """One step's random numbers for every trial: visit orders ``(trial, neuron)`` int64 (or None)
    and Glauber uniforms ``(trial, neuron)`` float64 (or None at T = 0), in the documented order."""
    orders = np.empty((len(generators), neurons), dtype=np.int64) if asynchronous else None
    uniforms = np.empty((len(generators), neurons), dtype=np.float64) if temperature > 0 else None
    for k, generator in enumerate(generators):
        if orders is not None:
            orders[k] = generator.permutation(neurons)
        if uniforms is not None:
            uniforms[k] = generator.random(neurons)
    return orders, uniforms


class BinaryRecorder:
    """Collects the binary series (and optionally states) every ``record_every`` steps."""

    def __init__(self, model: Bound, *, steps: int, record_every: int, record_states: bool) -> None:
        self.model = model
        self.record_every = record_every
        self.steps = steps
        self.records = steps // record_every + 1
        self.record_states = record_states
        self.columns: dict[str, list[torch.Tensor]] = {name: [] for name in BINARY_SERIES}
        self.states: list[torch.Tensor] = []

    def wants(self, step: int) -> bool:
        """Whether the state after ``step`` steps is recorded."""
        return step % self.record_every == 0 and step // self.record_every < self.records

    def record(self, states: torch.Tensor, overlap: torch.Tensor, changed: torch.Tensor | None) -> None:
        """Record one time point from the states ``(trial, neuron)`` and overlaps ``(trial, pattern)``;
        ``changed`` is the ``(trial,)`` number of units changed in the last step (None at t = 0)."""
        n_ = float(self.model.neurons)
        m = overlap.to(torch.float64)
        self.columns["overlap"].append(m[:, 0] / n_)
        if m.shape[1] > 1:
            self.columns["max_other_overlap"].append(m[:, 1:].abs().amax(-1) / n_)
        else:
            self.columns["max_other_overlap"].append(torch.full_like(m[:, 0], float("nan")))
        self.columns["energy"].append(energy_per_neuron(self.model, m))
        if changed is None:
            self.columns["activity"].append(torch.full_like(m[:, 0], float("nan")))
        else:
            self.columns["activity"].append(changed.to(torch.float64) / n_)
        if self.record_states:
            self.states.append(states.to(torch.int8).cpu())

    def trajectory(self, info: dict) -> Trajectory:
        """The :class:`Trajectory` of everything recorded; time in steps (sweeps)."""
        time = record_times(self.steps, self.record_every)
        series = {name: torch.stack([c.cpu() for c in cols], dim=1) for name, cols in self.columns.items()}
        states = torch.stack(self.states, dim=1) if self.record_states else None
        return Trajectory(time=time, series=series, states=states, info=info)


def _check_dtype(model: Bound, dtype: torch.dtype) -> None:
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be float32 or float64 for binary units; got {dtype}")


def exact_sync_step(model: Bound, states: torch.Tensor, overlap: torch.Tensor,
                    patterns: torch.Tensor) -> torch.Tensor:
    """Zero-temperature synchronous step of an exact (hopfield/dense) model: one GEMM plus a sign.

    The scaled drop ``Δ'`` is an integer, so ``sign(Δ' + ½ s)`` equals ``sign(Δ')`` where it is non-zero
    and keeps ``s`` where ``Δ' = 0`` (the tie rule); the model's
    :meth:`~hopfield_hclm.memory.models.base.MemoryModel.exact_sync_step` forms it (Hopfield:
    ``sign(ξᵀM - (P - ½) s)`` with the offset as the GEMM's scalar ``beta``). Exact while
    half-integers up to the drop bound are representable (:meth:`Bound.is_exact` includes that factor 2).
    """
    return model.model.exact_sync_step(model, states, overlap, patterns)


def run_sync(model: Bound, patterns: torch.Tensor, cues: torch.Tensor,
             generators: Sequence[np.random.Generator], *, steps: int, record_every: int = 1,
             temperature: float = 0.0, record_states: bool = False) -> Trajectory:
    """Synchronous (Little) dynamics: every unit updated from the same state each step.

    ``patterns``: ``(1 | trial, pattern, neuron)`` ±1 floats on the compute device and dtype;
    ``cues``: ``(trial, neuron)`` initial states, same device/dtype. Cost per step: two GEMMs
    (``M = s ξᵀ`` and ``b ξ``) -- or batched matrix-vector products for per-trial patterns -- plus
    O(trial × neuron) elementwise work (fused into the GEMM at zero temperature for exact models).
    """
    _check_dtype(model, patterns.dtype)
    recorder = BinaryRecorder(model, steps=steps, record_every=record_every, record_states=record_states)
    fused = temperature == 0 and model.is_exact(patterns.dtype)  # never for unbounded (e.g. exponential) F
    states = cues.clone()
    overlap = overlaps(states, patterns)
    recorder.record(states, overlap, None)
    for step in range(1, steps + 1):
        if fused:
            new = exact_sync_step(model, states, overlap, patterns)
        else:
            _, uniforms = draw_step_noise(generators, model.neurons, asynchronous=False, temperature=temperature)
            drops = energy_drops(model, states, patterns, overlap)
            if uniforms is None:
                new = threshold_update(states, drops)
            else:
                noise = torch.from_numpy(uniforms).to(states.device)
                new = glauber_update(model, drops, noise, temperature, states.dtype)
        changed = (new != states).sum(-1) if recorder.wants(step) else None
        states = new
        overlap = overlaps(states, patterns)
        if changed is not None:
            recorder.record(states, overlap, changed)
    return recorder.trajectory({"backend": "torch"})


def async_sweep_torch(model: Bound, patterns: torch.Tensor, states: torch.Tensor, overlap: torch.Tensor,
                      orders: torch.Tensor, uniforms: torch.Tensor | None, temperature: float) -> torch.Tensor:
    """One asynchronous sweep of all trials in place; returns the ``(trial,)`` number of flips.

    Loops over the N positions of the sweep; at each, every trial updates its own unit
    ``orders[:, t]`` from the overlaps (``Δ'_i = s_i a + Σ_μ ξ_i^μ b_μ``), and ``M`` is updated
    incrementally by ``2 s_i^new ξ_i`` when the unit flips.
    """
    trials = states.shape[0]
    rows = torch.arange(trials, device=states.device)
    flips = torch.zeros(trials, dtype=torch.int64, device=states.device)
    shared = patterns.shape[0] == 1
    rule = partial(model.model.drop_coefficients, model)  # the model's (a, b), no extra Python frame per unit
    for t in range(model.neurons):
        unit = orders[:, t]
        column = patterns[0][:, unit].T if shared else patterns[rows, :, unit]  # (trial, pattern)
        current = states[rows, unit]
        a, b = rule(overlap)
        drop = current * a + (b * column).sum(-1)
        if uniforms is None:
            new = threshold_update(current, drop)
        else:
            new = glauber_update(model, drop, uniforms[:, t], temperature, states.dtype)
        overlap += (new - current).unsqueeze(-1) * column
        states[rows, unit] = new
        flips += (new != current)
    return flips


def run_async(model: Bound, patterns: torch.Tensor, cues: torch.Tensor,
              generators: Sequence[np.random.Generator], *, steps: int, record_every: int = 1,
              temperature: float = 0.0, record_states: bool = False) -> Trajectory:
    """Asynchronous dynamics in torch: a fresh random permutation per sweep per trial.

    Shapes as :func:`run_sync`. Exact integer overlaps make it bit-identical to the numba path
    (:mod:`hopfield_hclm.memory.async_numba`) for hopfield and dense models.
    """
    _check_dtype(model, patterns.dtype)
    recorder = BinaryRecorder(model, steps=steps, record_every=record_every, record_states=record_states)
    states = cues.clone()
    overlap = overlaps(states, patterns)
    recorder.record(states, overlap, None)
    for step in range(1, steps + 1):
        orders, uniforms = draw_step_noise(generators, model.neurons, asynchronous=True, temperature=temperature)
        orders_t = torch.from_numpy(orders).to(states.device)
        uniforms_t = None if uniforms is None else torch.from_numpy(uniforms).to(states.device)
        changed = async_sweep_torch(model, patterns, states, overlap, orders_t, uniforms_t, temperature)
        if recorder.wants(step):
            recorder.record(states, overlap, changed)
    return recorder.trajectory({"backend": "torch"})
