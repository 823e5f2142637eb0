"""Fast CPU asynchronous dynamics with numba: same arithmetic and visit orders as the torch path.

One compiled sweep kernel runs the trials (in parallel with ``prange`` when the sweep is large
enough, :func:`use_parallel`); inside a trial the N units are
visited in the sweep's permutation, each decides from the overlaps M (``Δ'_i = s_i a + Σ_μ ξ_i^μ b_μ``,
see :mod:`hopfield_hclm.memory.binary`) and a flip updates M incrementally in O(P). Patterns are kept
as ``int8`` transposed to ``(trial, neuron, pattern)`` so a unit's pattern bits are contiguous.

Overlaps are int64 for hopfield and dense models (Hopfield fields are int64 sums; dense
coefficients are float64 integers below 2^53, checked by :meth:`~hopfield_hclm.memory.models.base.Bound.is_exact`), so decisions
are identical to torch in float32 or float64 bit for bit. For the exponential model the softmax is formed exactly as in torch
(``exp(β (M - max M)) / Σ``); only the summation order differs, so the two agree except at
near-ties within float64 rounding. Glauber probabilities ``½ (1 + tanh((Δ' / scale) / T))`` are
float64 in both paths.
"""

from __future__ import annotations

import math
import os
import types
from collections.abc import Sequence

import numpy as np
import torch

from .binary_dynamics import BinaryRecorder, draw_step_noise
from .models.base import Bound
from .trajectory import Trajectory


def available() -> bool:
    """Whether numba can be imported here."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


#: Trials x neurons x patterns per sweep above which the trial loop runs in parallel threads. Below it,
#: waking threads costs more than the sweep (and on an oversubscribed CPU, 20-80x more: measured).
PARALLEL_MIN_WORK = 4_000_000
_KERNELS: dict[bool, object] = {}


def prange(n):  # replaced by numba.prange inside the compiled kernels
    return range(n)


def _sweep(columns, states, overlap, orders, uniforms, use_noise, kind, power, beta, hop_a,
           scale, temperature, flips):
    """One asynchronous sweep of every trial, in place (plain Python; compiled by :func:`kernel`)."""
    trials, neurons = states.shape
    npat = overlap.shape[1]
    stride = 1 if columns.shape[0] > 1 else 0
    tanh_beta = math.tanh(beta)
    for b in prange(trials):
        pb = b * stride
        coeff = np.empty(npat)
        nflip = 0
        for t in range(neurons):
            unit = orders[b, t]
            current = states[b, unit]
            if kind == 0:
                acc = overlap[b, 0] * 0  # the overlap's type: exact, vectorisable integer sums
                for mu in range(npat):
                    acc += columns[pb, unit, mu] * overlap[b, mu]
                drop = current * hop_a + acc
            elif kind == 1:
                a = 0.0
                for mu in range(npat):
                    m = overlap[b, mu]
                    up = m + 2.0
                    down = m - 2.0
                    upk = up
                    downk = down
                    centre = m
                    for _ in range(power - 1):
                        upk = upk * up
                        downk = downk * down
                        centre = centre * m
                    a += (centre - (upk + downk) / 2.0) / 2.0
                    coeff[mu] = (upk - downk) / 4.0
                acc = 0.0
                for mu in range(npat):
                    acc += columns[pb, unit, mu] * coeff[mu]
                drop = current * a + acc
            else:
                top = overlap[b, 0]
                for mu in range(1, npat):
                    if overlap[b, mu] > top:
                        top = overlap[b, mu]
                total = 0.0
                for mu in range(npat):
                    coeff[mu] = math.exp(beta * (overlap[b, mu] - top))
                    total += coeff[mu]
                acc = 0.0
                for mu in range(npat):
                    acc += (coeff[mu] / total) * columns[pb, unit, mu]
                drop = current * (-tanh_beta) + acc
            if use_noise:
                probability = 0.5 * (1.0 + math.tanh((drop / scale) / temperature))
                new = 1.0 if uniforms[b, t] < probability else -1.0
            elif drop > 0:
                new = 1.0
            elif drop < 0:
                new = -1.0
            else:
                new = current
            if new != current:
                step = 2 if new > 0 else -2
                for mu in range(npat):
                    overlap[b, mu] += step * columns[pb, unit, mu]
                states[b, unit] = new
                nflip += 1
        flips[b] = nflip



def kernel(parallel: bool = False):
    """The compiled sweep kernel, serial or ``prange``-parallel over trials (compiled or loaded from
    numba's on-disk cache on first use)."""
    if parallel not in _KERNELS:
        import numba

        source = _sweep
        function = types.FunctionType(source.__code__, {**source.__globals__, "prange": numba.prange},
                                      name=f"_sweep_{'parallel' if parallel else 'serial'}")
        function.__qualname__ = function.__name__
        _KERNELS[parallel] = numba.njit(parallel=parallel, cache=True)(function)
    return _KERNELS[parallel]


def use_parallel(trials: int, neurons: int, patterns: int) -> bool:
    """Whether to run trials in parallel: enough work per sweep and more than one numba thread.

    ``HOPFIELD_HCLM_NUMBA_PARALLEL=0|1`` in the environment forces the choice.
    """
    forced = os.environ.get("HOPFIELD_HCLM_NUMBA_PARALLEL")
    if forced in ("0", "1"):
        return forced == "1"
    import numba

    return trials > 1 and numba.get_num_threads() > 1 and trials * neurons * patterns >= PARALLEL_MIN_WORK


def run_async_numba(model: Bound, patterns: np.ndarray, cues: np.ndarray,
                    generators: Sequence[np.random.Generator], *, steps: int, record_every: int = 1,
                    temperature: float = 0.0, record_states: bool = False,
                    parallel: bool | None = None) -> Trajectory:
    """Asynchronous dynamics on the CPU with numba; same contract as
    :func:`hopfield_hclm.memory.binary_dynamics.run_async` but on numpy inputs.

    ``patterns``: ``(1 | trial, pattern, neuron)`` ±1 integers; ``cues``: ``(trial, neuron)`` ±1.
    ``parallel``: run trials in threads (None: :func:`use_parallel`). Returns a :class:`Trajectory`
    with CPU float64 series.
    """
    trials, npat, neurons = len(cues), np.shape(patterns)[1], np.shape(patterns)[2]
    sweep = kernel(use_parallel(trials, neurons, npat) if parallel is None else bool(parallel))
    columns = np.ascontiguousarray(np.asarray(patterns, dtype=np.int8).transpose(0, 2, 1))
    states = np.asarray(cues, dtype=np.float64).copy()
    params = model.model.numba_parameters(model)  # kernel kind 0 hopfield, 1 dense, 2 exponential
    if params["kind"] is None:
        raise ValueError(f"model {model.name!r} has no numba kernel; use backend='torch'")
    # hopfield/dense overlaps are int64 (exact; integer sums vectorise without reordering doubts)
    overlap_dtype = np.int64 if params["integer_overlaps"] else np.float64
    overlap = np.empty((states.shape[0], columns.shape[2]), dtype=overlap_dtype)
    for b in range(states.shape[0]):  # one trial at a time: no float copy of all patterns
        overlap[b] = cues[b].astype(np.int64) @ columns[b if columns.shape[0] > 1 else 0].astype(np.int64)
    trials = states.shape[0]
    flips = np.zeros(trials, dtype=np.int64)
    empty_noise = np.zeros((trials, 1), dtype=np.float64)
    recorder = BinaryRecorder(model, steps=steps, record_every=record_every, record_states=record_states)
    recorder.record(torch.from_numpy(states), torch.from_numpy(overlap), None)
    for step in range(1, steps + 1):
        orders, uniforms = draw_step_noise(generators, model.neurons, asynchronous=True, temperature=temperature)
        sweep(columns, states, overlap, orders, empty_noise if uniforms is None else uniforms,
              uniforms is not None, params["kind"], params["power"], params["beta"], params["hop_a"],
              model.glauber_scale, max(temperature, 1e-300), flips)
        if recorder.wants(step):
            recorder.record(torch.from_numpy(states.copy()), torch.from_numpy(overlap.copy()),
                            torch.from_numpy(flips.copy()))
    return recorder.trajectory({"backend": "numba", "parallel": sweep is _KERNELS.get(True)})
