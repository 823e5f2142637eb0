"""Reference physics of the binary dynamics (DESIGN.md §7) and batching/dtype/device invariances."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from hopfield_hclm.core import trial_generators
from hopfield_hclm.memory.binary import BinaryModel
from hopfield_hclm.memory.async_numba import run_async_numba
from hopfield_hclm.memory.binary import energy_drops, overlaps, threshold_update
from hopfield_hclm.memory.binary_dynamics import run_async, run_sync
from hopfield_hclm.memory.patterns import binary_cue, hadamard, random_patterns

RUNS = {"sync": run_sync, "async": run_async}
MODELS = [("hopfield", 1, None), ("dense", 2, None), ("exponential", 1, 0.5)]


def inputs(seed, trials, npat, n, m0, *, shared=False):
    """Per-trial (or shared) patterns and cues drawn in the documented order."""
    gens = trial_generators(seed, trials)
    if shared:
        pats = random_patterns(np.random.default_rng(seed + 1000), npat, n)[None]
    else:
        pats = np.stack([random_patterns(g, npat, n) for g in gens])
    cues = np.stack([binary_cue(g, pats[k if not shared else 0, 0], m0) for k, g in enumerate(gens)])
    return gens, pats, cues


def run(update, model, pats, cues, gens, *, dtype=torch.float64, device="cpu", **kw):
    return RUNS[update](model, torch.tensor(pats, dtype=dtype, device=device),
                        torch.tensor(cues, dtype=dtype, device=device), gens, **kw)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 80), seed=st.integers(0, 2**31), data=st.data())
def test_single_pattern_is_retrieved_in_one_synchronous_step(n, seed, data):
    # P = 1: any cue with fewer than half of its bits wrong is retrieved in one step (DESIGN §7)
    flips = data.draw(st.integers(0, (n - 1) // 2))
    rng = np.random.default_rng(seed)
    xi = random_patterns(rng, 1, n)
    cue = xi[0].copy()
    cue[rng.permutation(n)[:flips]] *= -1
    traj = run("sync", BinaryModel("hopfield", n, 1), xi[None], cue[None], trial_generators(0, 1), steps=1,
               record_states=True)
    assert torch.equal(traj.states[0, 1], torch.tensor(xi[0], dtype=torch.int8))
    assert traj.series["overlap"][0, 1].item() == 1.0


@pytest.mark.parametrize("update", ["sync", "async"])
@pytest.mark.parametrize("model", [BinaryModel("hopfield", 64, 20), BinaryModel("dense", 64, 20, 2)])
def test_hadamard_rows_are_fixed_points(update, model):
    pats = hadamard(64)[:20]
    for row in (0, 7, 19):
        ordered = np.roll(pats, -row, axis=0)  # cued row becomes the target
        traj = run(update, model, ordered[None], ordered[:1], trial_generators(row, 1), steps=3, record_states=True)
        assert torch.equal(traj.states[0], torch.tensor(ordered[0], dtype=torch.int8).expand(4, 64))
        assert traj.series["activity"][0, 1:].eq(0).all()


def test_hadamard_fixed_point_is_not_trivial():
    # a flipped row is NOT a fixed point of its own retrieval dynamics: the test above can fail
    pats = hadamard(64)[:20]
    cue = pats[:1].copy()
    cue[0, :5] *= -1
    traj = run("sync", BinaryModel("hopfield", 64, 20), pats[None], cue, trial_generators(0, 1), steps=1)
    assert traj.series["activity"][0, 1].item() > 0


@pytest.mark.parametrize("model, order, beta", MODELS)
def test_async_energy_never_rises(model, order, beta):
    n = 40
    npat = {"hopfield": 20, "dense": 300, "exponential": 150}[model]  # all far above capacity
    spec = BinaryModel(model, n, npat, order, beta)
    gens, pats, cues = inputs(4, 6, npat, n, 0.2)
    traj = run("async", spec, pats, cues, gens, steps=6)
    energy = traj.series["energy"]
    assert (energy[:, 1:] - energy[:, :-1]).max().item() <= 1e-12
    assert traj.series["activity"][:, 1].sum().item() > 0  # the dynamics do move


def test_async_energy_never_rises_within_a_sweep():
    # one unit at a time: E recomputed by brute force after every single-unit update
    n, npat = 40, 12
    spec = BinaryModel("hopfield", n, npat)
    gens, pats, cues = inputs(9, 1, npat, n, 0.1)
    xi = pats[0].astype(np.float64)
    couplings = xi.T @ xi
    np.fill_diagonal(couplings, 0)
    s = cues[0].astype(np.float64)
    energies = [-0.5 * s @ couplings @ s]
    for i in np.random.default_rng(0).permutation(n).tolist() * 3:
        t = torch.tensor(s[None])
        drop = energy_drops(spec, t, torch.tensor(pats, dtype=torch.float64))
        s[i] = threshold_update(t, drop)[0, i].item()
        energies.append(-0.5 * s @ couplings @ s)
    assert np.all(np.diff(energies) <= 0)


@pytest.mark.parametrize("update", ["sync", "async"])
def test_low_load_retrieval(update):
    # alpha = 0.05 << 0.138, m0 = 0.8: retrieval, m -> 1 up to erfc(1/sqrt(2 alpha)) ~ 1e-5 errors
    n, npat = 800, 40
    gens, pats, cues = inputs(3, 8, npat, n, 0.8)
    traj = run(update, BinaryModel("hopfield", n, npat), pats, cues, gens, steps=6, dtype=torch.float32)
    final = traj.series["overlap"][:, -1]
    assert final.min().item() >= 0.99
    assert traj.series["overlap"][:, 0].eq(0.8).all()


def test_first_synchronous_step_matches_erf_theory():
    # m1 = erf(m0 / sqrt(2 alpha)) as N -> infinity (DESIGN §7; Amari & Maginu 1988)
    n, alpha, trials = 2000, 0.2, 16
    npat = int(alpha * n)
    for m0 in (0.3, 0.6):
        gens, pats, cues = inputs(21, trials, npat, n, m0)
        traj = run("sync", BinaryModel("hopfield", n, npat), pats, cues, gens, steps=1, dtype=torch.float32)
        m1 = traj.series["overlap"][:, 1].numpy()
        theory = math.erf(m0 / math.sqrt(2 * alpha))
        se = m1.std(ddof=1) / math.sqrt(trials)
        # 4 standard errors of the trial mean (se ~ 0.005); finite-size bias is O(1/N) = 5e-4
        assert abs(m1.mean() - theory) < 4 * se + 1e-3, (m0, m1.mean(), theory, se)
        # a self-coupled (non-zero diagonal) network gives a different first step: the test can fail
        traj_diag = run("sync", BinaryModel("hopfield", n, npat, self_coupling=True), pats, cues,
                        trial_generators(21, trials), steps=1, dtype=torch.float32)
        assert abs(traj_diag.series["overlap"][:, 1].mean().item() - theory) > 4 * se


@pytest.mark.parametrize("update", ["sync", "async"])
@pytest.mark.parametrize("model, order, beta", MODELS)
def test_global_flip_invariance(update, model, order, beta):
    # s -> -s, xi -> -xi leaves overlaps and energies unchanged and flips every state
    n = 40
    npat = {"hopfield": 8, "dense": 160, "exponential": 50}[model]
    spec = BinaryModel(model, n, npat, order, beta)
    gens, pats, cues = inputs(5, 4, npat, n, 0.3)
    a = run(update, spec, pats, cues, gens, steps=4, record_states=True)
    gens_again = inputs(5, 4, npat, n, 0.3)[0]  # same draws: same visit orders
    b = run(update, spec, -pats, -cues, gens_again, steps=4, record_states=True)
    assert torch.equal(a.states, -b.states)
    for name in ("overlap", "energy", "activity"):
        torch.testing.assert_close(a.series[name], b.series[name], rtol=0, atol=0, equal_nan=True)


@pytest.mark.parametrize("update", ["sync", "async"])
@pytest.mark.parametrize("temperature", [0.0, 0.4])
@pytest.mark.parametrize("model, order, beta", MODELS)
def test_batched_equals_one_by_one(update, temperature, model, order, beta):
    n = 40
    npat = {"hopfield": 8, "dense": 160, "exponential": 50}[model]
    spec = BinaryModel(model, n, npat, order, beta)
    trials = 5
    gens, pats, cues = inputs(6, trials, npat, n, 0.4)
    batched = run(update, spec, pats, cues, gens, steps=4, temperature=temperature, record_states=True)
    for k in range(trials):
        gen = [trial_generators(6, trials)[k]]
        for _ in range(1):  # advance past the pattern and cue draws exactly as inputs() did
            random_patterns(gen[0], npat, n)
            binary_cue(gen[0], pats[k, 0], 0.4)
        alone = run(update, spec, pats[k:k + 1], cues[k:k + 1], gen, steps=4, temperature=temperature,
                    record_states=True)
        assert torch.equal(alone.states[0], batched.states[k])
        for name, values in alone.series.items():
            torch.testing.assert_close(values[0], batched.series[name][k], rtol=0, atol=0, equal_nan=True)


@pytest.mark.parametrize("update", ["sync", "async"])
@pytest.mark.parametrize("model", [BinaryModel("hopfield", 60, 9), BinaryModel("dense", 60, 300, 2)])
def test_shared_patterns_batched_equals_one_by_one(update, model):
    gens, pats, cues = inputs(2, 4, model.patterns, 60, 0.2, shared=True)
    batched = run(update, model, pats, cues, gens, steps=3, record_states=True)
    for k in range(4):
        gen = trial_generators(2, 4)[k]
        binary_cue(gen, pats[0, 0], 0.2)
        alone = run(update, model, pats, cues[k:k + 1], [gen], steps=3, record_states=True)
        assert torch.equal(alone.states[0], batched.states[k])


@pytest.mark.parametrize("update", ["sync", "async"])
@pytest.mark.parametrize("temperature", [0.0, 0.3])
def test_float32_equals_float64_for_exact_models(update, temperature):
    for spec in (BinaryModel("hopfield", 50, 12), BinaryModel("dense", 30, 90, 2)):
        assert spec.is_exact(torch.float32)
        gens, pats, cues = inputs(8, 3, spec.patterns, spec.neurons, 0.3)
        a = run(update, spec, pats, cues, gens, steps=4, temperature=temperature, dtype=torch.float32,
                record_states=True)
        b = run(update, spec, pats, cues, inputs(8, 3, spec.patterns, spec.neurons, 0.3)[0], steps=4,
                temperature=temperature,
                dtype=torch.float64, record_states=True)
        assert torch.equal(a.states, b.states)
        torch.testing.assert_close(a.series["energy"], b.series["energy"], rtol=0, atol=0)


def test_temperature_destroys_retrieval_above_critical_temperature():
    # AGS: at alpha -> 0 retrieval disappears at T = 1; at T = 1.5 the overlap decays to O(1/sqrt(N))
    # (numba path: same arithmetic as torch, checked bit for bit in test_async_numba.py)
    n, npat = 400, 4
    gens, pats, cues = inputs(12, 6, npat, n, 1.0)
    hot = run_async_numba(BinaryModel("hopfield", n, npat), pats, cues, gens, steps=30, temperature=1.5)
    cold = run_async_numba(BinaryModel("hopfield", n, npat), pats, cues, inputs(12, 6, npat, n, 1.0)[0], steps=30,
                           temperature=0.3)
    # |m| of a random state ~ 1/sqrt(N) = 0.05; allow 6 of those
    assert hot.series["overlap"][:, -5:].abs().mean().item() < 0.3
    # mean-field m = tanh(m / T) at T = 0.3 gives m = 0.9974; thermal spread ~ 0.05
    assert cold.series["overlap"][:, -5:].mean().item() > 0.95


@pytest.mark.parametrize("update", ["sync", "async"])
def test_devices_agree_with_cpu(device, update):
    spec = BinaryModel("hopfield", 64, 16)
    gens, pats, cues = inputs(1, 3, 16, 64, 0.3)
    ref = run(update, spec, pats, cues, gens, steps=3, record_states=True, dtype=torch.float32)
    got = run(update, spec, pats, cues, inputs(1, 3, 16, 64, 0.3)[0], steps=3, record_states=True,
              dtype=torch.float32, device=device)
    assert torch.equal(ref.states, got.states.cpu())


def test_record_every_and_time_axis():
    spec = BinaryModel("hopfield", 30, 3)
    gens, pats, cues = inputs(0, 2, 3, 30, 0.5)
    traj = run("sync", spec, pats, cues, gens, steps=7, record_every=3)
    np.testing.assert_array_equal(traj.time, [0.0, 3.0, 6.0])
    assert traj.series["overlap"].shape == (2, 3)
    assert torch.isnan(traj.series["activity"][:, 0]).all()


@pytest.mark.parametrize("shared", [True, False])
@pytest.mark.parametrize("spec", [BinaryModel("hopfield", 13, 2), BinaryModel("hopfield", 13, 2, self_coupling=True),
                                  BinaryModel("dense", 13, 2, 2), BinaryModel("dense", 12, 3, 3)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_fused_sync_step_equals_generic_rule(shared, spec, dtype):
    # P = 2, N = 13 (hopfield: 12 even couplings) make zero drops (ties) frequent, so the tie-break of
    # the fused form is exercised
    from hopfield_hclm.memory.binary_dynamics import exact_sync_step

    rng = np.random.default_rng(31)
    trials = 256
    pats = torch.tensor(rng.choice([-1, 1], size=(1 if shared else trials, spec.patterns, spec.neurons)), dtype=dtype)
    states = torch.tensor(rng.choice([-1, 1], size=(trials, spec.neurons)), dtype=dtype)
    overlap = overlaps(states, pats)
    drops = energy_drops(spec, states, pats, overlap)
    if spec.name == "hopfield":
        assert (drops == 0).sum() > 50
    expected = threshold_update(states, drops)
    assert torch.equal(exact_sync_step(spec, states, overlap, pats), expected)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_fused_dense_step_keeps_state_on_ties(dtype):
    # F = x^3 (n = 2) is odd: with antipodal patterns xi^2 = -xi^1 every drop cancels exactly (a tie),
    # so a zero-temperature step must keep every unit
    from hopfield_hclm.memory.binary_dynamics import exact_sync_step

    rng = np.random.default_rng(4)
    first = rng.choice([-1, 1], size=(1, 1, 15))
    pats = torch.tensor(np.concatenate([first, -first], axis=1), dtype=dtype)
    states = torch.tensor(rng.choice([-1, 1], size=(32, 15)), dtype=dtype)
    spec = BinaryModel("dense", 15, 2, 2)
    overlap = overlaps(states, pats)
    assert bool((energy_drops(spec, states, pats, overlap) == 0).all())
    assert torch.equal(exact_sync_step(spec, states, overlap, pats), states)


def test_dense_and_exponential_memories_retrieve_far_above_hopfield_capacity():
    # N = 100, P = 100 (alpha = 1 on the Hopfield scale, 7x its capacity 0.138): the pairwise network
    # loses the pattern, while the n = 2 DAM (error-free capacity N^2 / (2 * 3 ln N) ~ 360,
    # Krotov & Hopfield 2016) and the exponential DAM (Demircigil et al. 2017) retrieve it
    n, npat, trials = 100, 100, 8
    final = {}
    for spec in (BinaryModel("hopfield", n, npat), BinaryModel("dense", n, npat, 2),
                 BinaryModel("exponential", n, npat, 1, 1.0)):
        gens, pats, cues = inputs(14, trials, npat, n, 0.8)
        traj = run_async_numba(spec, pats, cues, gens, steps=5)
        final[spec.name] = traj.series["overlap"][:, -1]
    assert final["dense"].min().item() == 1.0
    assert final["exponential"].min().item() == 1.0
    assert final["hopfield"].mean().item() < 0.7
