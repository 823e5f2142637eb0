"""The energy-difference rule as matrix products, against brute-force float64 energies."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from hopfield_hclm.memory.binary import (
    BinaryModel,
    energy_drops,
    energy_per_neuron,
    glauber_update,
    overlaps,
    threshold_update,
)

CASES = [("hopfield", 1, None), ("dense", 2, None), ("dense", 3, None), ("dense", 5, None),
         ("exponential", 1, 0.3), ("exponential", 1, 1.0)]


def brute_energy(model: str, order: int, beta, xi: np.ndarray, s: np.ndarray) -> float:
    """E(s) = -sum_mu F(M_mu) evaluated directly in float64 (N small enough not to overflow)."""
    m = xi.astype(np.float64) @ s.astype(np.float64)
    if model == "exponential":
        return -float(np.exp(beta * m).sum())
    return -float((m ** (order + 1)).sum())


def brute_drops(model: str, order: int, beta, xi: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Delta_i = E(s with s_i = -1) - E(s with s_i = +1), one unit at a time."""
    out = np.empty(s.shape[0])
    for i in range(s.shape[0]):
        down, up = s.copy(), s.copy()
        down[i], up[i] = -1, 1
        out[i] = brute_energy(model, order, beta, xi, down) - brute_energy(model, order, beta, xi, up)
    return out


def scale_of(model: str, beta, m: np.ndarray) -> float:
    """The documented positive factor between the brute-force drop and energy_drops."""
    if model == "exponential":
        return math.sinh(2 * beta) * float(np.exp(beta * m).sum())
    return 4.0 if model == "hopfield" else 2.0


@pytest.mark.parametrize("model, order, beta", CASES)
@pytest.mark.parametrize("shared", [True, False])
def test_energy_difference_rule_matches_brute_force(model, order, beta, shared):
    rng = np.random.default_rng(11)
    trials, npat, n = 3, 5, 13
    xi = rng.choice([-1, 1], size=(1 if shared else trials, npat, n)).astype(np.int8)
    s = rng.choice([-1, 1], size=(trials, n)).astype(np.int8)
    spec = BinaryModel(model, n, npat, order, beta)
    drops = energy_drops(spec, torch.tensor(s, dtype=torch.float64), torch.tensor(xi, dtype=torch.float64)).numpy()
    for k in range(trials):
        pats = xi[0 if shared else k]
        reference = brute_drops(model, order, beta, pats, s[k])
        m = pats.astype(np.float64) @ s[k]
        np.testing.assert_allclose(drops[k] * scale_of(model, beta, m), reference, rtol=1e-12, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 24), npat=st.integers(1, 6), order=st.integers(1, 4), seed=st.integers(0, 2**31))
def test_polynomial_drops_are_exact_integers(n, npat, order, seed):
    rng = np.random.default_rng(seed)
    xi = rng.choice([-1, 1], size=(1, npat, n))
    s = rng.choice([-1, 1], size=(1, n))
    spec = BinaryModel("hopfield" if order == 1 else "dense", n, npat, order)
    drops = energy_drops(spec, torch.tensor(s, dtype=torch.float64), torch.tensor(xi, dtype=torch.float64))[0]
    reference = brute_drops("dense", order, None, xi[0], s[0]) / (4 if order == 1 else 2)
    assert torch.equal(drops, torch.round(drops))
    np.testing.assert_array_equal(drops.numpy(), reference)


def test_hopfield_drop_is_zero_diagonal_local_field():
    rng = np.random.default_rng(3)
    n, npat = 40, 7
    xi = rng.choice([-1, 1], size=(npat, n))
    s = rng.choice([-1, 1], size=n)
    couplings = xi.T @ xi
    np.fill_diagonal(couplings, 0)
    field = couplings @ s
    spec = BinaryModel("hopfield", n, npat)
    drops = energy_drops(spec, torch.tensor(s[None], dtype=torch.float32), torch.tensor(xi[None], dtype=torch.float32))
    np.testing.assert_array_equal(drops[0].numpy(), field)
    # self_coupling=True keeps the diagonal J_ii = P
    with_diag = energy_drops(BinaryModel("hopfield", n, npat, self_coupling=True),
                             torch.tensor(s[None], dtype=torch.float32), torch.tensor(xi[None], dtype=torch.float32))
    np.testing.assert_array_equal(with_diag[0].numpy(), field + npat * s)


def test_glauber_scale_gives_ags_local_field_and_dense_reduces_to_it():
    rng = np.random.default_rng(5)
    n, npat = 30, 4
    xi = torch.tensor(rng.choice([-1, 1], size=(1, npat, n)), dtype=torch.float64)
    s = torch.tensor(rng.choice([-1, 1], size=(1, n)), dtype=torch.float64)
    hop = BinaryModel("hopfield", n, npat)
    couplings = xi[0].T @ xi[0] / n
    couplings.fill_diagonal_(0)
    h = couplings @ s[0]
    torch.testing.assert_close(energy_drops(hop, s, xi)[0] / hop.glauber_scale, h, rtol=1e-14, atol=1e-14)
    # dense with order n: normalised drop = Delta / (2 (n+1) N^n)
    dense = BinaryModel("dense", n, npat, 3)
    reference = brute_drops("dense", 3, None, xi[0].numpy().astype(int), s[0].numpy().astype(int)) / (2 * 4 * n**3)
    np.testing.assert_allclose((energy_drops(dense, s, xi)[0] / dense.glauber_scale).numpy(), reference, rtol=1e-12)


def test_exponential_drop_has_no_overflow_at_huge_beta_n():
    # beta * N = 2e4: exp(beta M) overflows float64, the factored softmax form does not
    rng = np.random.default_rng(8)
    n, npat, beta = 200, 6, 100.0
    xi = rng.choice([-1, 1], size=(1, npat, n))
    s = xi[:, 0].copy()
    s[0, :10] *= -1
    spec = BinaryModel("exponential", n, npat, 1, beta)
    for dtype in (torch.float32, torch.float64):
        drops = energy_drops(spec, torch.tensor(s, dtype=dtype), torch.tensor(xi, dtype=dtype))
        assert torch.isfinite(drops).all()
        # the target dominates the softmax: misaligned units are pulled to the target's bit; aligned
        # units have a true drop below rounding (documented tie) and keep it, so one step retrieves
        target = torch.tensor(xi[0, 0], dtype=dtype)
        assert torch.equal(torch.sign(drops[0, :10]), target[:10])
        assert bool(((torch.sign(drops[0]) == target) | (drops[0] == 0)).all())
        assert torch.equal(threshold_update(torch.tensor(s, dtype=dtype), drops)[0], target)
    energy = energy_per_neuron(spec, overlaps(torch.tensor(s, dtype=torch.float64), torch.tensor(xi, dtype=torch.float64)))
    assert torch.isfinite(energy).all()


@pytest.mark.parametrize("model, order, beta", CASES)
def test_energy_per_neuron_matches_brute_force(model, order, beta):
    rng = np.random.default_rng(2)
    n, npat = 16, 4
    xi = rng.choice([-1, 1], size=(npat, n))
    s = rng.choice([-1, 1], size=n)
    spec = BinaryModel(model, n, npat, order, beta)
    m = torch.tensor(xi @ s, dtype=torch.float64)[None]
    got = energy_per_neuron(spec, m).item()
    if model == "hopfield":
        couplings = xi.T @ xi / n
        np.fill_diagonal(couplings, 0)
        expected = -0.5 * s @ couplings @ s / n
    elif model == "dense":
        expected = brute_energy(model, order, beta, xi, s) / ((order + 1) * n ** (order + 1))
    else:
        expected = -math.log(-brute_energy(model, order, beta, xi, s)) / (beta * n)
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-14)


def test_tie_keeps_current_state():
    states = torch.tensor([[1.0, -1.0, 1.0, -1.0]])
    drops = torch.tensor([[0.0, 0.0, -2.0, 3.0]])
    assert torch.equal(threshold_update(states, drops), torch.tensor([[1.0, -1.0, -1.0, 1.0]]))
    # a P = 1 network with M = 1 gives a zero field on units aligned with the pattern
    xi = torch.tensor([[[1.0, 1.0, -1.0]]])
    s = torch.tensor([[1.0, -1.0, -1.0]])  # M = 1
    drops = energy_drops(BinaryModel("hopfield", 3, 1), s, xi)
    assert torch.equal(drops, torch.tensor([[0.0, 2.0, 0.0]]))
    assert torch.equal(threshold_update(s, drops), torch.tensor([[1.0, 1.0, -1.0]]))


def test_glauber_probability_follows_tanh():
    spec = BinaryModel("hopfield", 10, 1)
    drops = torch.full((1, 200_000), 3.0)  # h = 0.3
    uniforms = torch.from_numpy(np.random.default_rng(0).random((1, 200_000)))
    new = glauber_update(spec, drops, uniforms, 0.5, torch.float32)
    expected = 0.5 * (1 + math.tanh(0.3 / 0.5))
    # binomial standard error sqrt(p(1-p)/n) ~ 7e-4; allow 4 standard errors
    se = math.sqrt(expected * (1 - expected) / drops.numel())
    assert abs((new > 0).double().mean().item() - expected) < 4 * se


@pytest.mark.parametrize("model, order, npat, n, exact32, exact64", [
    ("hopfield", 1, 2000, 4000, True, True),  # 2 P (N + 1) = 16 008 000 < 2^24 = 16 777 216
    ("hopfield", 1, 2100, 4000, False, True),
    ("dense", 2, 100, 20, True, True),
    ("dense", 2, 100, 100, False, True),
    ("dense", 3, 10**5, 300, False, True),
    ("dense", 6, 10**6, 2000, False, False),
])
def test_exactness_bounds(model, order, npat, n, exact32, exact64):
    spec = BinaryModel(model, n, npat, order)
    assert spec.is_exact(torch.float32) is exact32
    assert spec.is_exact(torch.float64) is exact64
    assert spec.default_dtype() == (torch.float32 if exact32 else torch.float64)
