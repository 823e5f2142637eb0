"""Large-d log-det estimators: SLQ against exact Hutchinson and its own error bar; low-rank bounds."""

import math

import numpy as np
import pytest
import torch

from hopfield_hclm.hclm import logdet_entropy, logdet_entropy_lowrank, logdet_entropy_slq


def _lowrank_batch(b, d, r, seed):
    g = torch.Generator().manual_seed(seed)
    basis = torch.randn(r, d, generator=g, dtype=torch.float64)
    scales = torch.logspace(0, -2, r, dtype=torch.float64).unsqueeze(1)  # a decaying spectrum
    return torch.randn(b, r, generator=g, dtype=torch.float64) @ (scales * basis) + 0.05 * torch.randn(b, d, generator=g, dtype=torch.float64)


def test_slq_with_full_krylov_space_equals_exact_hutchinson():
    # With m = d steps and full re-orthogonalisation the Gauss quadrature is exact for every probe, so
    # SLQ reduces to Hutchinson's estimator with the exact log(A): (1/p) Σ vᵀ log(A) v.
    b, d, eps, probes = 20, 12, 0.05, 6
    z = _lowrank_batch(b, d, 5, seed=1)
    est = logdet_entropy_slq(z, eps, probes=probes, steps=d, rng=np.random.default_rng(3))
    zc = (z - z.mean(0)).numpy()
    w, u = np.linalg.eigh(zc.T @ zc / b + eps * np.eye(d))
    log_a = u @ np.diag(np.log(w)) @ u.T
    v = np.random.default_rng(3).choice([-1.0, 1.0], size=(d, probes))
    hutch = 0.5 * np.mean(np.einsum("dp,de,ep->p", v, log_a, v))
    assert est.value.item() == pytest.approx(hutch, rel=1e-9)


def test_slq_error_is_within_its_standard_error_at_large_dim():
    b, d, eps = 600, 256, 1e-2
    z = _lowrank_batch(b, d, 40, seed=2)
    exact = logdet_entropy(z, eps).item()
    est = logdet_entropy_slq(z, eps, probes=64, steps=40, rng=np.random.default_rng(0))
    err = abs(est.value.item() - exact)
    # 4 standard errors of the probe mean; the Lanczos bias at m = 40 is far below that here
    assert err < 4 * est.stderr.item()
    assert err / abs(exact) < 0.02


def test_lowrank_is_exact_when_rank_fits_and_an_upper_bound_otherwise():
    eps = 1e-2
    # B = 10 < k = 16: centred rank 9 fits in the subspace, so the estimate is exact
    z = _lowrank_batch(10, 200, 8, seed=3)
    assert logdet_entropy_lowrank(z, eps, rank=16).item() == pytest.approx(logdet_entropy(z, eps).item(), rel=1e-9)
    z = _lowrank_batch(300, 120, 60, seed=4)
    exact = logdet_entropy(z, eps).item()
    floor = 0.5 * 120 * math.log(eps)
    errors = []
    for rank in (8, 32, 64, 120):
        est = logdet_entropy_lowrank(z, eps, rank=rank, rng=np.random.default_rng(rank)).item()
        assert est >= exact - 1e-9  # Schur-concavity: never below the exact value
        errors.append(est - exact)
    assert errors[-1] == pytest.approx(0.0, abs=1e-8)  # k = d: exact
    assert errors[0] > errors[1] > errors[2] > errors[3] - 1e-9
    assert exact > floor


def test_lowrank_is_differentiable():
    z = _lowrank_batch(50, 80, 10, seed=5).requires_grad_(True)
    h = logdet_entropy_lowrank(z, 1e-2, rank=20)
    (g,) = torch.autograd.grad(h, z)
    assert torch.isfinite(g).all() and g.abs().sum() > 0


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda z: logdet_entropy_slq(z, -1.0), "eps"),
        (lambda z: logdet_entropy_slq(z, 0.1, probes=1), "probes"),
        (lambda z: logdet_entropy_slq(z, 0.1, steps=0), "steps"),
        (lambda z: logdet_entropy_lowrank(z, 0.1, rank=0), "rank"),
        (lambda z: logdet_entropy_lowrank(z.reshape(1, 5, 4), 0.1), "z"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call(torch.randn(5, 4))


def test_estimators_share_the_surrogate_definition_and_default_eps():
    """Same quantity ½ log det(Σ̂ + εI) and the same default ε (1e-4) as ``logdet_entropy``: the low-rank
    form is exact when the rank fits, and SLQ with a full Krylov space and many probes agrees within
    4 probe standard errors (float64; κ ~ 1e4 here, so the quadrature itself is exact at m = d)."""
    z = _lowrank_batch(40, 10, 10, seed=4)
    exact = logdet_entropy(z).item()
    assert logdet_entropy_lowrank(z, rank=10).item() == pytest.approx(exact, rel=1e-9)
    assert logdet_entropy_lowrank(z, 1e-4, rank=10).item() == pytest.approx(exact, rel=1e-9)
    est = logdet_entropy_slq(z, probes=400, steps=10, rng=np.random.default_rng(5))
    assert abs(est.value.item() - exact) <= 4 * est.stderr.item()
    assert logdet_entropy_slq(z, 1e-4, probes=400, steps=10, rng=np.random.default_rng(5)).value.item() == est.value.item()
