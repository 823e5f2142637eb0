"""Graded dynamics against an independent float64 numpy reference and exact results.

The reference builds the field and energy by brute force from the multi-index sums of the model
(DESIGN.md §3): with y_j^mu = xi_j^mu phi_j / N, the interaction energy per neuron is
-(G/(n+1)) sum_mu sum_{j_1..j_{n+1}} prod y  and the field is  h_i = -N dE/dphi_i; without
self-coupling only index tuples that are all distinct are summed (explicit masks, tiny N).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from scipy.linalg import hadamard
from scipy.optimize import brentq

from hopfield_hclm.memory.graded import integrate


def distinct_mask(neurons: int, rank: int) -> np.ndarray:
    """``mask[j_1, ..., j_rank] = 1`` when all indices differ."""
    idx = np.indices((neurons,) * rank).reshape(rank, -1)
    distinct = np.ones(idx.shape[1], dtype=bool)
    for a, b in itertools.combinations(range(rank), 2):
        distinct &= idx[a] != idx[b]
    return distinct.reshape((neurons,) * rank).astype(np.float64)


def multi_sum(y: np.ndarray, rank: int, mask: np.ndarray | None, free: bool) -> np.ndarray:
    """sum over index tuples of prod y (``y``: (trial, pattern, neuron)).

    free=True leaves the first index open (returns (trial, pattern, neuron)); otherwise all ``rank``
    indices are summed (returns (trial, pattern)).
    """
    letters = "ijklmnop"[:rank]
    factors = letters[1:] if free else letters
    operands = [y] * len(factors)
    terms = ",".join(f"bp{c}" for c in factors)
    out = f"bp{letters[0]}" if free else "bp"
    if mask is None:
        ones = np.ones((y.shape[-1],) * rank)
        return np.einsum(f"{letters},{terms}->{out}", ones, *operands)
    return np.einsum(f"{letters},{terms}->{out}", mask, *operands)


class Reference:
    """Float64 numpy model: field, energy and Euler steps by brute force."""

    def __init__(self, patterns: np.ndarray, *, order: int, gain: float, load: float, self_coupling: bool):
        self.xi = patterns
        self.n = order
        self.coupling = gain / math.sqrt(load)
        neurons = patterns.shape[-1]
        self.field_mask = None if self_coupling else distinct_mask(neurons, order + 1)
        self.energy_mask = None if self_coupling else distinct_mask(neurons, order + 1)

    def y(self, x):
        return self.xi * np.tanh(x)[:, None, :] / x.shape[1]

    def field(self, x):
        # h_i = G sum_mu xi_i^mu sum_{j_1..j_n (distinct from each other and from i)} prod y
        s = multi_sum(self.y(x), self.n + 1, self.field_mask, free=True)
        return self.coupling * np.einsum("bpi,bpi->bi", np.broadcast_to(self.xi, s.shape), s)

    def energy(self, x):
        phi = np.tanh(x)
        s = multi_sum(self.y(x), self.n + 1, self.energy_mask, free=False)
        return -self.coupling / (self.n + 1) * s.sum(axis=1) + (x * phi - np.log(np.cosh(x))).mean(axis=1)

    def run(self, x0, dt, steps):
        xs = [x0]
        for _ in range(steps):
            xs.append(xs[-1] + dt * (self.field(xs[-1]) - xs[-1]))
        return np.stack(xs, axis=1)  # (trial, time, neuron)


def upper_root(f) -> float:
    """Largest root in (0, 1] of a function with f(1) > 0: bracket from the last sign change on a grid."""
    grid = np.linspace(1e-3, 1.0, 2001)
    negative = np.nonzero([f(m) < 0 for m in grid])[0]
    assert negative.size, "no nonzero fixed point for these parameters"
    return brentq(f, grid[negative[-1]], 1.0, xtol=1e-15)


def random_patterns(rng, shape):
    return rng.choice([-1.0, 1.0], size=shape)


@pytest.mark.parametrize("self_coupling", [True, False])
@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("shared", [True, False])
def test_euler_matches_float64_reference(order, self_coupling, shared):
    rng = np.random.default_rng(10 * order + self_coupling)
    trials, patterns_count, neurons = 3, 5, 7
    xi = random_patterns(rng, (1 if shared else trials, patterns_count, neurons))
    x0 = rng.normal(0.0, 1.5, size=(trials, neurons))
    gain, load, dt, steps = 1.7, 0.4, 0.1, 12
    ref = Reference(xi, order=order, gain=gain, load=load, self_coupling=self_coupling)
    xs = ref.run(x0, dt, steps)
    traj = integrate(torch.tensor(xi), torch.tensor(x0), order=order, gain=gain, load=load, dt=dt, steps=steps,
                     record_every=3, self_coupling=self_coupling, record_states=True)
    rec = xs[:, ::3]
    phi = np.tanh(rec)
    xi_b = np.broadcast_to(xi, (trials, patterns_count, neurons))
    m = np.einsum("bpn,btn->btp", xi_b, phi) / neurons
    dxdt = np.stack([ref.field(rec[:, k]) - rec[:, k] for k in range(rec.shape[1])], axis=1)
    expected = {
        "overlap": m[..., 0],
        "max_other_overlap": np.abs(m[..., 1:]).max(axis=-1),
        "energy": np.stack([ref.energy(rec[:, k]) for k in range(rec.shape[1])], axis=1),
        "speed": np.linalg.norm(dxdt, axis=-1) / math.sqrt(neurons),
        "retrieval_force": np.mean(xi_b[:, None, 0, :] * (1 - phi**2) * dxdt, axis=-1),
    }
    np.testing.assert_allclose(traj.states.numpy(), rec, rtol=1e-11, atol=1e-12)
    for name, want in expected.items():
        np.testing.assert_allclose(traj.series[name].numpy(), want, rtol=1e-10, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(traj.time, np.arange(5) * 0.3)


def test_no_self_coupling_n1_removes_exactly_the_hebbian_diagonal():
    # n = 1: h_i = G (sum_j J_ij phi_j - (P/N) phi_i) with J = xi^T xi / N, i.e. zero diagonal.
    rng = np.random.default_rng(3)
    neurons, patterns_count, gain, load = 12, 4, 1.3, 0.25
    xi = random_patterns(rng, (1, patterns_count, neurons))
    x0 = rng.normal(size=(2, neurons))
    coupling = xi[0].T @ xi[0] / neurons
    np.fill_diagonal(coupling, 0.0)
    h = gain / math.sqrt(load) * np.tanh(x0) @ coupling
    x1 = x0 + 0.05 * (h - x0)
    traj = integrate(torch.tensor(xi), torch.tensor(x0), order=1, gain=gain, load=load, dt=0.05, steps=1,
                     record_every=1, self_coupling=False, record_states=True)
    np.testing.assert_allclose(traj.states[:, 1].numpy(), x1, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("self_coupling", [True, False])
@pytest.mark.parametrize("order", [1, 2, 3])
def test_single_pattern_fixed_point_closed_form(order, self_coupling):
    # P = 1, x = c xi is invariant; at the fixed point c = G K m^n with m = tanh(c), where K = 1 with
    # self-coupling and K = (N-1)!/((N-1-n)! N^n) (distinct indices, all != i) without.
    neurons, gain, load = 64, 2.0, 0.5
    coupling = gain / math.sqrt(load)
    k = 1.0 if self_coupling else math.perm(neurons - 1, order) / neurons**order
    m_star = upper_root(lambda m: m - math.tanh(coupling * k * m**order))
    rng = np.random.default_rng(order)
    xi = random_patterns(rng, (1, 1, neurons))
    x0 = xi[0] * 2.0 + 0.5 * rng.normal(size=(2, neurons))
    traj = integrate(torch.tensor(xi), torch.tensor(x0), order=order, gain=gain, load=load, dt=0.1, steps=600,
                     record_every=600, self_coupling=self_coupling, method="rk4")
    np.testing.assert_allclose(traj.series["overlap"][:, -1].numpy(), m_star, rtol=0, atol=1e-10)
    assert np.isnan(traj.series["max_other_overlap"].numpy()).all()  # no other pattern


@pytest.mark.parametrize(("order", "self_coupling"), [(1, True), (1, False), (2, True), (3, True)])
def test_hadamard_patterns_pure_state_fixed_point(order, self_coupling):
    # Orthogonal rows: at x = c xi^1 every other overlap is exactly 0, so c = G K m^n, m = tanh(c),
    # with K = 1 (kept self-coupling) or, for n = 1 without it, K = 1 - P/N.
    neurons, patterns_count, gain, load = 32, 6, 2.0, 0.5
    xi = hadamard(neurons)[1 : patterns_count + 1][None].astype(np.float64)
    k = 1.0 if self_coupling else 1.0 - patterns_count / neurons
    coupling = gain / math.sqrt(load)
    m_star = upper_root(lambda m: m - math.tanh(coupling * k * m**order))
    x0 = 2.0 * xi[0, :1] + 0.3 * np.random.default_rng(0).normal(size=(2, neurons))
    traj = integrate(torch.tensor(xi), torch.tensor(x0), order=order, gain=gain, load=load, dt=0.1, steps=500,
                     record_every=500, self_coupling=self_coupling, method="rk4")
    np.testing.assert_allclose(traj.series["overlap"][:, -1].numpy(), m_star, rtol=0, atol=1e-9)
    np.testing.assert_allclose(traj.series["max_other_overlap"][:, -1].numpy(), 0.0, atol=1e-9)
    np.testing.assert_allclose(traj.series["speed"][:, -1].numpy(), 0.0, atol=1e-9)
