"""The numba asynchronous path is bit-identical to the torch path on the same visit orders."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from hopfield_hclm.core import trial_generators
from hopfield_hclm.memory.async_numba import run_async_numba
from hopfield_hclm.memory.binary import BinaryModel
from hopfield_hclm.memory.binary_dynamics import run_async
from hopfield_hclm.memory.patterns import binary_cue, random_patterns


def inputs(seed, trials, npat, n, m0, shared):
    gens = trial_generators(seed, trials)
    if shared:
        pats = random_patterns(np.random.default_rng(seed + 99), npat, n)[None]
    else:
        pats = np.stack([random_patterns(g, npat, n) for g in gens])
    cues = np.stack([binary_cue(g, pats[0 if shared else k, 0], m0) for k, g in enumerate(gens)])
    return gens, pats, cues


CASES = [
    (BinaryModel("hopfield", 70, 20), torch.float32),  # above capacity: alpha = 0.29
    (BinaryModel("hopfield", 70, 20, self_coupling=True), torch.float32),
    (BinaryModel("dense", 40, 400, 2), torch.float64),
    (BinaryModel("dense", 40, 400, 2), torch.float32 if BinaryModel("dense", 40, 400, 2).is_exact(torch.float32)
     else torch.float64),
    (BinaryModel("dense", 24, 2000, 3), torch.float64),
    (BinaryModel("exponential", 40, 120, 1, 0.3), torch.float64),
    (BinaryModel("exponential", 40, 30, 1, 2.0), torch.float64),
]


@pytest.mark.parametrize("temperature", [0.0, 0.35])
@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("model, dtype", CASES)
def test_numba_equals_torch_bit_for_bit(model, dtype, shared, temperature):
    trials, steps = 4, 5
    gens, pats, cues = inputs(17, trials, model.patterns, model.neurons, 0.2, shared)
    ref = run_async(model, torch.tensor(pats, dtype=dtype), torch.tensor(cues, dtype=dtype), gens, steps=steps,
                    temperature=temperature, record_states=True)
    gens, pats, cues = inputs(17, trials, model.patterns, model.neurons, 0.2, shared)
    got = run_async_numba(model, pats, cues, gens, steps=steps, temperature=temperature, record_states=True)
    assert torch.equal(ref.states, got.states)
    assert ref.series["activity"][:, 1:].sum() > 0  # something happened
    for name in ("overlap", "max_other_overlap", "activity"):
        torch.testing.assert_close(got.series[name], ref.series[name], rtol=0, atol=0, equal_nan=True)
    torch.testing.assert_close(got.series["energy"], ref.series["energy"], rtol=1e-13, atol=1e-13)
    assert got.info["backend"] == "numba" and ref.info["backend"] == "torch"


def test_numba_leaves_inputs_untouched_and_records_every():
    model = BinaryModel("hopfield", 50, 10)
    gens, pats, cues = inputs(3, 2, 10, 50, 0.1, False)
    before = (pats.copy(), cues.copy())
    traj = run_async_numba(model, pats, cues, gens, steps=7, record_every=2)
    np.testing.assert_array_equal(pats, before[0])
    np.testing.assert_array_equal(cues, before[1])
    np.testing.assert_array_equal(traj.time, [0, 2, 4, 6])


@pytest.mark.parametrize("model", [BinaryModel("hopfield", 60, 15), BinaryModel("exponential", 30, 40, 1, 1.0)])
def test_parallel_kernel_equals_serial_kernel(model):
    runs = []
    for parallel in (False, True):
        gens, pats, cues = inputs(23, 5, model.patterns, model.neurons, 0.3, False)
        runs.append(run_async_numba(model, pats, cues, gens, steps=3, temperature=0.2, record_states=True,
                                    parallel=parallel))
    assert runs[0].info["parallel"] is False and runs[1].info["parallel"] is True
    assert torch.equal(runs[0].states, runs[1].states)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 30), npat=st.integers(1, 12), order=st.integers(1, 3), trials=st.integers(1, 4),
       temperature=st.sampled_from([0.0, 0.5]), m0=st.floats(-1, 1), seed=st.integers(0, 2**20))
def test_numba_equals_torch_property(n, npat, order, trials, temperature, m0, seed):
    model = BinaryModel("hopfield" if order == 1 else "dense", n, npat, order)
    gens, pats, cues = inputs(seed, trials, npat, n, m0, False)
    ref = run_async(model, torch.tensor(pats, dtype=torch.float64), torch.tensor(cues, dtype=torch.float64), gens,
                    steps=3, temperature=temperature, record_states=True)
    gens, pats, cues = inputs(seed, trials, npat, n, m0, False)
    got = run_async_numba(model, pats, cues, gens, steps=3, temperature=temperature, record_states=True)
    assert torch.equal(ref.states, got.states)
