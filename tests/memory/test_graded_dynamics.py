"""Graded dynamics: Lyapunov energy, integrator order, diagnostics, symmetries, batching, dtypes, devices."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from numpy.polynomial.hermite_e import hermegauss

from hopfield_hclm.core import trial_generators
from hopfield_hclm.memory.graded import (
    DEFAULT_CUE_STRENGTH,
    DEFAULT_GAIN,
    initial_state,
    integrate,
)
from hopfield_hclm.memory.trajectory import GRADED_SERIES


def gaussian_mean(f, *, nodes=120):
    """E f(z), z ~ N(0, 1), by Gauss-Hermite quadrature (exact to ~1e-14 for smooth bounded f)."""
    z, w = hermegauss(nodes)
    return float(np.sum(w * f(z)) / np.sum(w))


def cued_run(*, trials=4, neurons=120, load=0.5, order=1, seed=0, dtype=torch.float64, gain=DEFAULT_GAIN,
             cue=DEFAULT_CUE_STRENGTH, device="cpu"):
    """Random ±1 patterns (P = round(load N^order)) and the cued initial state of DESIGN.md §3."""
    rng = np.random.default_rng(seed)
    patterns_count = max(1, round(load * neurons**order))
    xi = torch.tensor(rng.choice([-1.0, 1.0], size=(1, patterns_count, neurons)), dtype=dtype, device=device)
    x0 = initial_state(xi[0, :1].expand(trials, neurons), gain=gain, cue_strength=cue,
                       generators=trial_generators(seed, trials), device=device, dtype=dtype)
    return xi, x0


# --- Lyapunov energy -----------------------------------------------------------------------------


@pytest.mark.parametrize("self_coupling", [True, False])
@pytest.mark.parametrize(("order", "load"), [(1, 0.5), (1, 2.0), (2, 0.05)])
def test_energy_never_rises_small_dt(order, load, self_coupling):
    # dE/dt = -(1/N) sum_i (1 - phi_i^2)(dx_i/dt)^2 <= 0 in both conventions (the field is -N dE/dphi);
    # loads 0.5 and 2.0 for n = 1 lie below and far above retrieval, 0.05 N^2 for n = 2 above.
    xi, x0 = cued_run(trials=3, neurons=60, load=load, order=order)
    traj = integrate(xi, x0, order=order, gain=DEFAULT_GAIN, load=load, dt=0.01, steps=400, record_every=1,
                     self_coupling=self_coupling)
    energy = traj.series["energy"].numpy()
    rises = np.diff(energy, axis=1)
    assert rises.max() <= 1e-12, f"energy rose by {rises.max():g}"
    assert (energy[:, 0] - energy[:, -1]).min() > 1e-3  # it really moved


def _rk4_every_step(order, self_coupling, *, load, dt, steps, trials, neurons, seed, **options):
    """A cued RK4 run recorded at every step: recorded rates against differences of recorded series."""
    xi, x0 = cued_run(trials=trials, neurons=neurons, load=load, order=order, seed=seed)
    return integrate(xi, x0, order=order, gain=DEFAULT_GAIN, load=load, dt=dt, steps=steps, record_every=1,
                     self_coupling=self_coupling, method="rk4", **options)


@pytest.mark.parametrize("self_coupling", [True, False])
@pytest.mark.parametrize("order", [1, 2])
def test_energy_rate_equals_dissipation(order, self_coupling):
    # Along the flow dE/dt must equal -(1/N) sum_i (1 - phi_i^2)(dx_i/dt)^2, which ties the recorded
    # energy to the field actually integrated.  RK4, dt = 0.01: central differences are O(dt^2) ~ 1e-5.
    dt = 0.01
    traj = _rk4_every_step(order, self_coupling, load=0.5 if order == 1 else 0.05, dt=dt, steps=60, trials=2,
                           neurons=40, seed=1, record_states=True)
    energy = traj.series["energy"].numpy()
    x = traj.states.numpy()
    dxdt = np.gradient(x, dt, axis=1, edge_order=2)
    dissipation = -np.mean((1 - np.tanh(x) ** 2) * dxdt**2, axis=-1)
    rate = np.gradient(energy, dt, axis=1, edge_order=2)
    np.testing.assert_allclose(rate[:, 1:-1], dissipation[:, 1:-1], rtol=1e-3, atol=1e-5)


# --- integrator order and diagnostics --------------------------------------------------------------


@pytest.mark.parametrize(("method", "expected_order"), [("euler", 1), ("heun", 2), ("rk4", 4)])
def test_convergence_order(method, expected_order):
    # Global error at T = 1 against RK4 with dt = 1/1000 (error ~1e-13); halving dt must divide the
    # error by 2^order.  Observed orders within 0.25 of the theory.
    xi, x0 = cued_run(trials=2, neurons=50, load=0.4, seed=2)
    common = dict(order=1, gain=DEFAULT_GAIN, load=0.4, record_states=True)
    exact = integrate(xi, x0, dt=1e-3, steps=1000, record_every=1000, method="rk4", **common).states[:, -1]
    errors = []
    for steps in (10, 20, 40):
        end = integrate(xi, x0, dt=1.0 / steps, steps=steps, record_every=steps, method=method, **common).states[:, -1]
        errors.append(float((end - exact).abs().max()))
    observed = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    np.testing.assert_allclose(observed, expected_order, atol=0.25)


@pytest.mark.parametrize("self_coupling", [True, False])
@pytest.mark.parametrize("order", [1, 2])
def test_retrieval_force_equals_dm_dt(order, self_coupling):
    # retrieval_force = (1/N) sum xi^1 (1 - phi^2) dx/dt is exactly dm^1/dt; compare with central
    # differences of the recorded overlap (RK4, dt = 0.005: difference error O(dt^2) ~ 1e-5).
    dt = 0.005
    traj = _rk4_every_step(order, self_coupling, load=1.0 if order == 1 else 0.05, dt=dt, steps=200, trials=3,
                           neurons=80, seed=3)
    m = traj.series["overlap"].numpy()
    force = traj.series["retrieval_force"].numpy()
    central = (m[:, 2:] - m[:, :-2]) / (2 * dt)
    np.testing.assert_allclose(force[:, 1:-1], central, rtol=0, atol=2e-4 * np.abs(force).max())
    assert np.abs(force).max() > 0.1


@pytest.mark.parametrize("self_coupling", [True, False])
def test_initial_retrieval_force_large_n(self_coupling):
    # n = 1 at t = 0, u_i = xi^1_i x_i = a + s z_i: xi^1_i h_i = G m(0) + g sqrt(alpha) tanh(u_i) + eta_i,
    # where g sqrt(alpha) tanh u = (G (P-1)/N) phi_i is the self-coupling carried by the P - 1 other
    # patterns and eta_i is crosstalk noise independent of u_i at t = 0 (mean 0).  Hence, as N -> inf,
    #   F(0) = E[(1 - tanh^2 u)(-u + G m(0) + [g sqrt(alpha) tanh u])],
    # with the bracket present only when the self-coupling is kept.  The two conventions differ by
    # ~0.07 here, ~8 standard errors of the 12-trial mean; tolerance 4 standard errors plus G/N, the
    # size of the finite-N difference between G (P-1)/N and g sqrt(alpha).
    gain, cue, load, neurons, trials = 2.0, 1.0, 0.5, 1000, 12
    spread = math.sqrt(gain**2 - cue**2)
    m0 = gaussian_mean(lambda z: np.tanh(cue + spread * z))
    kept = gain * math.sqrt(load) if self_coupling else 0.0

    def integrand(z):
        u = cue + spread * z
        return (1 - np.tanh(u) ** 2) * (-u + gain / math.sqrt(load) * m0 + kept * np.tanh(u))

    expected = gaussian_mean(integrand)
    rng = np.random.default_rng(1)
    xi = torch.tensor(rng.choice([-1.0, 1.0], size=(trials, round(load * neurons), neurons)))
    x0 = initial_state(xi[:, 0], gain=gain, cue_strength=cue, generators=trial_generators(3, trials),
                       dtype=torch.float64)
    traj = integrate(xi, x0, order=1, gain=gain, load=load, dt=0.1, steps=0, record_every=1,
                     self_coupling=self_coupling)
    force = traj.series["retrieval_force"][:, 0].numpy()
    standard_error = force.std(ddof=1) / math.sqrt(trials)
    assert abs(force.mean() - expected) < 4 * standard_error + gain / math.sqrt(load) / neurons


def test_record_times_and_shapes():
    xi, x0 = cued_run(trials=2, neurons=30)
    for steps, every in [(0, 1), (7, 3), (9, 3), (10, 1), (5, 10)]:
        traj = integrate(xi, x0, order=1, gain=2.0, load=0.5, dt=0.2, steps=steps, record_every=every,
                         record_states=True)
        records = steps // every + 1
        np.testing.assert_allclose(traj.time, np.arange(records) * every * 0.2)
        assert set(traj.series) == set(GRADED_SERIES)
        assert all(v.shape == (2, records) for v in traj.series.values())
        assert traj.states.shape == (2, records, 30)
        torch.testing.assert_close(traj.states[:, 0], x0, rtol=0, atol=0)
    assert integrate(xi, x0, order=1, gain=2.0, load=0.5, dt=0.2, steps=4, record_every=1).states is None


# --- initial state --------------------------------------------------------------------------------


@pytest.mark.parametrize(("gain", "cue"), [(2.0, 1.0), (1.0, 0.3), (1.5, 1.5)])
def test_initial_state_statistics(gain, cue):
    trials, neurons = 100, 400
    targets = np.random.default_rng(5).choice([-1.0, 1.0], size=(trials, neurons))
    x0 = initial_state(targets, gain=gain, cue_strength=cue, generators=trial_generators(7, trials),
                       device="cpu", dtype=torch.float64).numpy()
    samples = trials * neurons
    noise = x0 - cue * targets
    spread = math.sqrt(gain**2 - cue**2)
    # E x^2 = a^2 + (g^2 - a^2) = g^2 with Var x^2 = 2 s^4 + 4 a^2 s^2 (s^2 = g^2 - a^2); the noise
    # z = (x - a xi)/s has mean 0.  Tolerances: 4 standard errors.
    # (+1e-12: the exact cue a = g, where the spread is zero, leaves only round-off.)
    assert abs((x0**2).mean() - gain**2) < 4 * math.sqrt((2 * spread**4 + 4 * cue**2 * spread**2) / samples) + 1e-12
    assert abs(noise.mean()) < 4 * spread / math.sqrt(samples) + 1e-12
    expected_m0 = gaussian_mean(lambda z: np.tanh(cue + spread * z))
    sd_tanh = math.sqrt(max(0.0, gaussian_mean(lambda z: np.tanh(cue + spread * z) ** 2) - expected_m0**2))
    m0 = np.mean(targets * np.tanh(x0))
    assert abs(m0 - expected_m0) < 4 * sd_tanh / math.sqrt(samples) + 1e-12


def test_initial_state_independent_of_batch_and_dtype():
    targets = np.random.default_rng(0).choice([-1.0, 1.0], size=(5, 50))
    all5 = initial_state(targets, gain=2.0, cue_strength=1.0, generators=trial_generators(11, 5),
                         device="cpu", dtype=torch.float64)
    first3 = initial_state(targets[:3], gain=2.0, cue_strength=1.0, generators=trial_generators(11, 5)[:3],
                           device="cpu", dtype=torch.float64)
    torch.testing.assert_close(all5[:3], first3, rtol=0, atol=0)
    as32 = initial_state(targets, gain=2.0, cue_strength=1.0, generators=trial_generators(11, 5),
                         device="cpu", dtype=torch.float32)
    torch.testing.assert_close(as32, all5.float(), rtol=0, atol=0)
    by_name = initial_state(targets, gain=2.0, cue_strength=1.0, generators=trial_generators(11, 5), device="cpu",
                            dtype="float64")
    torch.testing.assert_close(by_name, all5, rtol=0, atol=0)


# --- symmetries, batching, dtypes, devices ------------------------------------------------------


@pytest.mark.parametrize("self_coupling", [True, False])
@pytest.mark.parametrize("order", [1, 2, 3])
def test_global_flip_invariance(order, self_coupling):
    # x -> -x, xi -> -xi maps the dynamics onto itself: every series is identical, states negate.
    load = {1: 0.5, 2: 0.05, 3: 0.002}[order]
    xi, x0 = cued_run(trials=3, neurons=40, load=load, order=order, seed=4)
    kw = dict(order=order, gain=2.0, load=load, dt=0.1, steps=30, record_every=5, self_coupling=self_coupling,
              record_states=True, method="heun")
    a = integrate(xi, x0, **kw)
    b = integrate(-xi, -x0, **kw)
    for name in GRADED_SERIES:
        torch.testing.assert_close(a.series[name], b.series[name], rtol=0, atol=0, equal_nan=True)
    torch.testing.assert_close(a.states, -b.states, rtol=0, atol=0)


@pytest.mark.parametrize("self_coupling", [True, False])
def test_batched_equals_one_by_one(self_coupling):
    xi, x0 = cued_run(trials=5, neurons=64, load=0.5, seed=6)
    kw = dict(order=1, gain=2.0, load=0.5, dt=0.1, steps=40, record_every=4, self_coupling=self_coupling)
    # batch_invariant=True: bit for bit.
    whole = integrate(xi, x0, batch_invariant=True, **kw)
    # Default (one matrix product for the batch): BLAS may round differently for another batch size.
    fast = integrate(xi, x0, **kw)
    # Per-trial patterns: always one product per trial, so bit for bit as well.
    whole_pt = integrate(xi.expand(5, -1, -1).contiguous(), x0, **kw)
    for k in range(5):
        alone = integrate(xi, x0[k : k + 1], batch_invariant=True, **kw)
        for name in GRADED_SERIES:
            torch.testing.assert_close(whole.series[name][k], alone.series[name][0], rtol=0, atol=0)
            torch.testing.assert_close(whole_pt.series[name][k], alone.series[name][0], rtol=0, atol=0)
            torch.testing.assert_close(fast.series[name][k], alone.series[name][0], rtol=1e-10, atol=1e-12)


def test_float32_tracks_float64():
    xi, x0 = cued_run(trials=3, neurons=100, load=0.3, seed=8)
    kw = dict(order=1, gain=2.0, load=0.3, dt=0.1, steps=50, record_every=5)
    a = integrate(xi, x0, **kw)
    b = integrate(xi.float(), x0.float(), **kw)
    assert b.series["overlap"].dtype == torch.float32
    for name in GRADED_SERIES:
        np.testing.assert_allclose(b.series[name].numpy(), a.series[name].numpy(), rtol=1e-4, atol=1e-5, err_msg=name)


def test_device(device):
    # float32 on the device against float64 on the CPU (n = 2, no self-coupling: every code path).
    xi, x0 = cued_run(trials=3, neurons=100, load=0.003, order=2, seed=9)
    kw = dict(order=2, gain=2.0, load=0.003, dt=0.1, steps=30, record_every=3, self_coupling=False)
    ref = integrate(xi, x0, **kw)
    got = integrate(xi.to(device, torch.float32), x0.to(device, torch.float32), **kw)
    assert got.series["overlap"].device.type == torch.device(device).type
    for name in GRADED_SERIES:
        np.testing.assert_allclose(got.series[name].cpu().numpy(), ref.series[name].numpy(), rtol=1e-4, atol=1e-5)


# --- errors ---------------------------------------------------------------------------------------


def test_non_finite_trajectory_raises_with_series_and_time():
    # Euler with dt = 3 multiplies x by (1 - dt) = -2 each step: float32 overflows and the energy
    # (x phi - log cosh x = inf - inf) turns NaN at a finite, later time.
    xi, x0 = cued_run(trials=2, neurons=20, load=0.5, dtype=torch.float32)
    with pytest.raises(FloatingPointError, match=r"non-finite (energy|speed|retrieval_force|overlap) at time [1-9]"):
        integrate(xi, x0, order=1, gain=2.0, load=0.5, dt=3.0, steps=200, record_every=1)
    bad = x0.clone()
    bad[0, 0] = float("nan")
    with pytest.raises(FloatingPointError, match="at time 0 "):
        integrate(xi, bad, order=1, gain=2.0, load=0.5, dt=0.1, steps=3, record_every=1)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"order": 0}, "order"),
        ({"order": 1.5}, "order"),
        ({"gain": 0.0}, "gain"),
        ({"load": -1.0}, "load"),
        ({"dt": 0.0}, "dt"),
        ({"dt": float("inf")}, "dt"),
        ({"steps": -1}, "steps"),
        ({"record_every": 0}, "record_every"),
        ({"method": "rk45"}, "method"),
        ({"self_coupling": "no"}, "self_coupling"),
        ({"self_coupling": False, "patterns": torch.full((1, 3, 10), 0.5, dtype=torch.float64)}, "patterns"),
        ({"patterns": torch.ones(2, 3, 10, dtype=torch.float64)}, "patterns"),
        ({"patterns": torch.ones(1, 3, 11, dtype=torch.float64)}, "patterns"),
        ({"x0": torch.ones(4, dtype=torch.float64)}, "x0"),
        ({"x0": torch.ones(4, 10, dtype=torch.int64)}, "x0"),
    ],
)
def test_integrate_bad_input(change, message):
    kw = dict(patterns=torch.ones(1, 3, 10, dtype=torch.float64), x0=torch.zeros(4, 10, dtype=torch.float64),
              order=1, gain=2.0, load=0.5, dt=0.1, steps=5, record_every=1)
    kw.update(change)
    with pytest.raises(ValueError, match=message):
        integrate(**kw)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"gain": 0.0}, "gain"),
        ({"cue_strength": 2.5}, "cue_strength"),
        ({"cue_strength": -0.1}, "cue_strength"),
        ({"generators": trial_generators(0, 2)}, "generators"),
        ({"targets": np.ones(10)}, "targets"),
        ({"dtype": "int8"}, "dtype"),
        ({"device": "tpu"}, "device"),
    ],
)
def test_initial_state_bad_input(change, message):
    kw = dict(targets=np.ones((3, 10)), gain=2.0, cue_strength=1.0, generators=trial_generators(0, 3),
              device="cpu", dtype=torch.float32)
    kw.update(change)
    with pytest.raises(ValueError, match=message):
        initial_state(**kw)
