"""Dynamics of the modern Hopfield network (hopfield_hclm.memory.modern.run): a float64 brute-force trajectory,
the energy descent guaranteed by the concave-convex argument, continuous time converging to the synchronous
fixed points, integrator orders, the retrieval force as d overlap/dt, the bounds along the path, batch
invariance and overflow-free large beta."""

import math

import numpy as np
import pytest
import torch

from hopfield_hclm.memory import modern as mh
from hopfield_hclm.memory.modern_patterns import real_cue, real_patterns


def _inputs(trials, patterns, neurons, ensemble="gaussian", cue=0.6, seed=0, correlation=None):
    gens = [np.random.default_rng([seed, k]) for k in range(trials)]
    xi = np.stack([real_patterns(g, patterns, neurons, ensemble, correlation) for g in gens])
    x0 = np.stack([real_cue(g, p[0], cue) for g, p in zip(gens, xi)])
    return torch.tensor(xi), torch.tensor(x0)


def _brute_series(x, xi, beta):
    """Every recorded series at state x from plain float64 Python (no torch)."""
    P, N = len(xi), len(x)
    s = [sum(a * b for a, b in zip(row, x)) for row in xi]
    top = max(s)
    w = [math.exp(beta * (v - top)) for v in s]
    p = [v / sum(w) for v in w]
    f = [sum(p[mu] * xi[mu][i] for mu in range(P)) for i in range(N)]
    norms = [math.sqrt(sum(v * v for v in row)) for row in xi]
    xn = math.sqrt(sum(v * v for v in x))
    cos = [s[mu] / (norms[mu] * xn) for mu in range(P)]
    m_bound = max(norms)
    e = -(top + math.log(sum(w)) / beta) + 0.5 * xn * xn + math.log(P) / beta + 0.5 * m_bound**2
    h = -sum(v * math.log(v) for v in p if v > 0)
    v = [a - b for a, b in zip(f, x)]
    # d/dt cos(x, xi0) along v, by a symmetric finite difference in float64
    eps = 1e-6

    def c0(y):
        return sum(a * b for a, b in zip(y, xi[0])) / (norms[0] * math.sqrt(sum(t * t for t in y)))
    force = (c0([a + eps * b for a, b in zip(x, v)]) - c0([a - eps * b for a, b in zip(x, v)])) / (2 * eps)
    delta = norms[0] ** 2 - max(sum(a * b for a, b in zip(xi[0], xi[mu])) for mu in range(1, P))
    dist = math.sqrt(sum((a - b) ** 2 for a, b in zip(x, xi[0])))
    d = [math.sqrt(sum((a - b) ** 2 for a, b in zip(xi[mu], xi[0]))) for mu in range(P)]
    trivial = max(d)
    bound = min(trivial, 2 * m_bound * (P - 1) * math.exp(min(700.0, -beta * (delta - 2 * m_bound * dist))))
    logit = min(trivial, sum(math.exp(min(700.0, -beta * (s[0] - s[mu]))) * d[mu] for mu in range(1, P)))
    series = {
        "overlap": cos[0], "max_other_overlap": max(abs(v) for v in cos[1:]), "energy": e / N, "attention_entropy": h,
        "effective_patterns": math.exp(h), "speed": math.sqrt(sum(t * t for t in v) / N), "retrieval_force": force,
        "readout_error": math.sqrt(sum((a - b) ** 2 for a, b in zip(f, xi[0]))), "error_bound": bound,
        "error_bound_logit": logit,
    }
    return series, f


@pytest.mark.parametrize("beta", [0.3, 2.0])
def test_sync_trajectory_matches_float64_brute_force(beta):
    xi, x0 = _inputs(2, 7, 5, cue=0.4)
    run = mh.run(xi, x0, beta=beta, update="sync", steps=4)
    for k in range(2):
        x = x0[k].tolist()
        for t in range(5):
            if t:
                x = f
            ref, f = _brute_series(x, xi[k].tolist(), beta)
            for name, value in ref.items():
                got = run.series[name][k, t].item()
                tol = 1e-7 if name == "retrieval_force" else 1e-11
                assert got == pytest.approx(value, rel=tol, abs=tol * 1e-2), (name, t)
        assert torch.allclose(run.final_state[k], torch.tensor(x, dtype=torch.float64), rtol=1e-12, atol=1e-13)
    assert run.time.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


@pytest.mark.parametrize("update,dt", [("sync", 1.0), ("continuous", 0.5), ("continuous", 1.5)])
def test_energy_descent_bound(update, dt):
    # E(x + dt (f - x)) <= E(x) - dt (1 - dt/2) |f - x|^2 for dt in (0, 2] (concave-convex bound; sync: dt = 1)
    xi, x0 = _inputs(6, 40, 12, cue=0.3, seed=1)
    for beta in (0.2, 1.0, 4.0):
        run = mh.run(xi, x0, beta=beta, update=update, steps=25, dt=dt, method="euler")
        n = 12
        e = run.series["energy"] * n
        move2 = (run.series["speed"] ** 2) * n
        drop = e[:, :-1] - e[:, 1:]
        assert bool((drop >= dt * (1 - dt / 2) * move2[:, :-1] - 1e-10 * (1 + e[:, :-1].abs())).all())
        assert bool((e >= -1e-12).all())


def test_continuous_converges_to_sync_fixed_points():
    # retrieval regime (beta = 2, well-separated Gaussian patterns) and global-average regime (small beta,
    # correlated patterns, where the map is a contraction): both dynamics end on the same fixed point
    for ens, beta, corr in (("gaussian", 2.0, None), ("correlated", 0.02, 0.5)):
        xi, x0 = _inputs(4, 30, 16, ens, cue=0.7, seed=2, correlation=corr)
        sync = mh.run(xi, x0, beta=beta, update="sync", steps=300, record_every=300)
        cont = mh.run(xi, x0, beta=beta, update="continuous", steps=800, dt=0.1, method="rk4", record_every=800)
        for r in (sync, cont):
            f = mh.hopfield_update(r.final_state.unsqueeze(1), xi, beta).squeeze(1)
            assert torch.linalg.vector_norm(f - r.final_state, dim=1).max().item() < 1e-9
        assert torch.allclose(sync.final_state, cont.final_state, atol=1e-8)
    assert sync.series["effective_patterns"][:, -1].min().item() > 15      # the average attends most of the 30
    # in the retrieval case the end state is the target itself up to the error bound
    xi, x0 = _inputs(4, 30, 16, "gaussian", cue=0.7, seed=2)
    sync = mh.run(xi, x0, beta=2.0, update="sync", steps=50)
    assert bool((sync.series["overlap"][:, -1] > 0.999).all())


@pytest.mark.parametrize("method,order", [("euler", 1), ("heun", 2), ("rk4", 4)])
def test_integrator_order(method, order):
    xi, x0 = _inputs(3, 20, 10, cue=0.5, seed=3)
    horizon, beta = 2.0, 0.8
    ref = mh.run(xi, x0, beta=beta, update="continuous", steps=1600, dt=horizon / 1600, method="rk4").final_state
    errs = []
    for steps in (80, 160):
        x = mh.run(xi, x0, beta=beta, update="continuous", steps=steps, dt=horizon / steps, method=method).final_state
        errs.append(torch.linalg.vector_norm(x - ref).item())
    ratio = errs[0] / errs[1]
    assert 2 ** order * 0.8 < ratio < 2 ** order * 1.25, (errs, ratio)


def test_retrieval_force_is_the_overlap_rate_in_continuous_time():
    xi, x0 = _inputs(3, 25, 10, cue=0.5, seed=4)
    h = 0.01
    run = mh.run(xi, x0, beta=1.0, update="continuous", steps=400, dt=h, method="rk4")
    m = run.series["overlap"]
    central = (m[:, 2:] - m[:, :-2]) / (2 * h)
    force = run.series["retrieval_force"][:, 1:-1]
    # central difference error h^2 m'''/6: with |m'''| < 50 here, below 1e-3
    assert (central - force).abs().max().item() < 1e-3
    assert force.abs().max().item() > 0.05          # the test is not vacuous: the overlap really moves


def test_bounds_hold_along_the_trajectory():
    for ens in ("gaussian", "spherical", "binary", "correlated"):
        xi, x0 = _inputs(4, 50, 12, ens, cue=0.8, seed=5)
        for beta in (0.5, 3.0):
            run = mh.run(xi, x0, beta=beta, update="sync", steps=10)
            err, logit, ram = (run.series[k] for k in ("readout_error", "error_bound_logit", "error_bound"))
            assert bool((err <= logit * (1 + 1e-9) + 1e-12).all())
            assert bool((logit <= ram * (1 + 1e-9)).all())
            # sync: the readout from x_t is the next state
            d_next = torch.linalg.vector_norm(xi[:, 0, :] - run.final_state, dim=1)
            assert torch.allclose(err[:, -2].new_tensor(0) + d_next, mh.run(
                xi, x0, beta=beta, update="sync", steps=9).series["readout_error"][:, -1], rtol=1e-9)


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("update", ["sync", "continuous"])
def test_trial_does_not_depend_on_batch(shared, update):
    xi, x0 = _inputs(8, 300, 20, "spherical", cue=0.5, seed=6)
    xi = xi[:1] if shared else xi
    xi, x0 = xi.float(), x0.float()
    big = mh.run(xi, x0, beta=1.5, update=update, steps=12, dt=1.0 if update == "sync" else 0.3,
                 method="euler" if update == "sync" else "heun", record_every=3)
    one = mh.run(xi[:1], x0[:1], beta=1.5, update=update, steps=12, dt=1.0 if update == "sync" else 0.3,
                 method="euler" if update == "sync" else "heun", record_every=3)
    for name in mh.SERIES:
        assert torch.equal(big.series[name][:1], one.series[name]), name
    assert torch.equal(big.final_state[:1], one.final_state)


def test_huge_beta_is_finite_and_takes_the_argmax():
    xi, x0 = _inputs(2, 50, 10, cue=0.9, seed=7)
    for dtype in (torch.float32, torch.float64):
        run = mh.run(xi.to(dtype), x0.to(dtype), beta=1e36, update="sync", steps=3)
        assert all(bool(torch.isfinite(v).all()) for v in run.series.values())
        # beta M |x| * 4000 < max of the dtype decides: float32 (3.4e38) falls back, float64 (1.8e308) need not
        assert run.info["fused_softmax"] == (dtype == torch.float64)
        s = torch.einsum("tpn,tn->tp", xi, x0)
        first = xi[torch.arange(2), s.argmax(dim=1)]
        assert torch.allclose(mh.run(xi.to(dtype), x0.to(dtype), beta=1e36, update="sync", steps=1).final_state,
                              first.to(dtype))
    run = mh.run(xi, x0, beta=1e306, update="sync", steps=3)
    assert not run.info["fused_softmax"] and all(bool(torch.isfinite(v).all()) for v in run.series.values())


def test_run_rejects_bad_input():
    xi, x0 = _inputs(2, 5, 4)
    with pytest.raises(ValueError, match="beta"):
        mh.run(xi, x0, beta=0.0, steps=1)
    with pytest.raises(ValueError, match="patterns"):
        mh.run(xi[:, :, :3], x0, beta=1.0, steps=1)
    with pytest.raises(ValueError, match="update"):
        mh.run(xi, x0, beta=1.0, update="async", steps=1)
    with pytest.raises(ValueError, match="dt"):
        mh.run(xi, x0, beta=1.0, update="sync", dt=0.5, steps=1)
    with pytest.raises(ValueError, match="method"):
        mh.run(xi, x0, beta=1.0, update="continuous", method="rk45", steps=1)
