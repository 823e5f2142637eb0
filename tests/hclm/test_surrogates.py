"""Entropy surrogates against float64 references, closed-form gradients and finite differences."""

import math

import numpy as np
import pytest
import torch

from hopfield_hclm.hclm import (
    SURROGATES,
    effective_rank_entropy,
    get_surrogate,
    logdet_entropy,
    renyi2_entropy,
    softmax_entropy,
    variance_entropy,
)


def _batch(b, d, seed=0, dtype=torch.float64, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return scale * torch.randn(b, d, generator=g, dtype=dtype)


def _ref_cov(z):
    """float64 numpy reference of the biased covariance (1/B)."""
    x = np.asarray(z.detach(), dtype=np.float64)
    xc = x - x.mean(0)
    return xc, xc.T @ xc / x.shape[0]


@pytest.mark.parametrize("b,d", [(64, 8), (8, 64), (16, 16)])
def test_logdet_value_and_gradient_match_reference(b, d):
    eps = 0.05
    z = _batch(b, d, seed=b + d).requires_grad_(True)
    h = logdet_entropy(z, eps)
    xc, cov = _ref_cov(z)
    a = cov + eps * np.eye(d)
    assert h.item() == pytest.approx(0.5 * np.linalg.slogdet(a)[1], rel=1e-12, abs=1e-10)
    (grad,) = torch.autograd.grad(h, z)
    expected = xc @ np.linalg.inv(a) / b  # ∂H/∂Z = (1/B) Z_c (Σ̂ + εI)⁻¹
    np.testing.assert_allclose(grad.numpy(), expected, rtol=1e-9, atol=1e-12)


def test_variance_value_and_gradient_match_reference():
    eps = 0.05
    z = _batch(20, 7, seed=3).requires_grad_(True)
    h = variance_entropy(z, eps)
    xc, cov = _ref_cov(z)
    var = np.diag(cov)
    assert h.item() == pytest.approx(0.5 * np.log(var + eps).sum(), rel=1e-12)
    (grad,) = torch.autograd.grad(h, z)
    np.testing.assert_allclose(grad.numpy(), xc / (var + eps) / z.shape[0], rtol=1e-9, atol=1e-12)


def test_softmax_value_matches_reference():
    z = _batch(10, 6, seed=4, scale=3.0)
    x = z.numpy()
    p = np.exp(x - x.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    assert softmax_entropy(z).item() == pytest.approx(float(np.mean(-(p * np.log(p)).sum(1))), rel=1e-12)


def test_effective_rank_value_matches_reference_both_shapes():
    eps = 1e-3
    for b, d in [(30, 6), (5, 12)]:
        z = _batch(b, d, seed=b)
        _, cov = _ref_cov(z)
        lam = np.clip(np.linalg.eigvalsh(cov), 0, None)
        s = np.sqrt(lam + eps)
        p = s / s.sum()
        assert effective_rank_entropy(z, eps).item() == pytest.approx(float(-(p * np.log(p)).sum()), rel=1e-10)


def test_effective_rank_of_isotropic_batch_is_log_dim():
    # Orthonormal columns scaled equally: Σ̂ = c I, so p is uniform and H = log d for any eps.
    q, _ = torch.linalg.qr(_batch(40, 40, seed=5))
    z = q[:, :8] * 3.0
    z = z - z.mean(0)
    z = torch.linalg.qr(z)[0] * 3.0  # re-orthonormalise after centring
    assert effective_rank_entropy(z, 1e-2).item() == pytest.approx(math.log(8), rel=1e-10)


def test_renyi2_matches_double_loop_reference_and_is_zero_when_collapsed():
    z = _batch(9, 3, seed=6)
    x = z.numpy()
    pot = np.mean([[np.exp(-np.sum((xi - xj) ** 2) / 4.0) for xj in x] for xi in x])
    assert renyi2_entropy(z).item() == pytest.approx(-np.log(pot), rel=1e-12)
    collapsed = torch.ones(9, 3, dtype=torch.float64).requires_grad_(True)
    h = renyi2_entropy(collapsed)
    (g,) = torch.autograd.grad(h, collapsed)
    assert h.item() == pytest.approx(0.0, abs=1e-12)
    assert g.abs().max().item() < 1e-12  # zero up to round-off of the expanded ‖zi‖²+‖zj‖²-2zi·zj


@pytest.mark.parametrize("name", sorted(n for n, s in SURROGATES.items() if s.gradient == "exact"))
def test_gradient_matches_finite_differences(name):
    z = _batch(6, 9, seed=7).requires_grad_(True)
    f = get_surrogate(name)
    assert torch.autograd.gradcheck(lambda t: f(t, 0.1), (z,), eps=1e-6, atol=1e-6, rtol=1e-5)


def test_gram_form_equals_covariance_form():
    for b, d in [(8, 64), (64, 8), (3, 100)]:
        z = _batch(b, d, seed=b * d).requires_grad_(True)
        h_cov = logdet_entropy(z, 0.01, form="cov")
        h_gram = logdet_entropy(z, 0.01, form="gram")
        assert h_gram.item() == pytest.approx(h_cov.item(), rel=1e-11)
        g_cov, = torch.autograd.grad(h_cov, z)
        g_gram, = torch.autograd.grad(h_gram, z)
        torch.testing.assert_close(g_gram, g_cov, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", sorted(SURROGATES))
@pytest.mark.parametrize("kind", ["constant", "rank1", "duplicate_rows"])
def test_degenerate_batches_have_finite_value_and_gradient_in_float32(name, kind):
    b, d = 16, 24
    if kind == "constant":
        z = torch.full((b, d), 2.5)
    elif kind == "rank1":
        z = torch.randn(b, 1, generator=torch.Generator().manual_seed(0)) * torch.linspace(-1, 1, d)
    else:
        z = torch.randn(1, d, generator=torch.Generator().manual_seed(1)).repeat(b, 1)
    z = z.float().requires_grad_(True)
    h = get_surrogate(name)(z, 1e-3)
    (g,) = torch.autograd.grad(h, z)
    assert torch.isfinite(h) and torch.isfinite(g).all()


def test_constant_batch_logdet_equals_floor_value():
    z = torch.full((10, 5), -7.0, dtype=torch.float64)
    for form in ("cov", "gram"):
        assert logdet_entropy(z, 0.02, form=form).item() == pytest.approx(0.5 * 5 * math.log(0.02), rel=1e-12)


@pytest.mark.parametrize("name", sorted(SURROGATES))
def test_float32_agrees_with_float64(name):
    z64 = _batch(32, 48, seed=8)
    f = get_surrogate(name)
    h64 = f(z64, 1e-2).item()
    h32 = f(z64.float(), 1e-2).item()
    # float32 round-off of sums of ~10^3 terms: a few 1e-6 relative, 1e-4 absolute is generous but can fail
    assert h32 == pytest.approx(h64, rel=1e-4, abs=1e-4)


@pytest.mark.parametrize("name", sorted(n for n, s in SURROGATES.items() if s.batched))
def test_leading_dims_are_batched(name):
    z = _batch(3 * 10 * 7, 1, seed=9).reshape(3, 10, 7)
    f = get_surrogate(name)
    batched = f(z, 0.1)
    assert batched.shape == (3,)
    for i in range(3):
        assert batched[i].item() == pytest.approx(f(z[i], 0.1).item(), rel=1e-12)


def test_softmax_entropy_is_invariant_to_row_shifts():
    z = _batch(12, 10, seed=10)
    shifts = 1e3 * _batch(12, 1, seed=11)  # a different, large constant per row
    assert softmax_entropy(z + shifts).item() == pytest.approx(softmax_entropy(z).item(), rel=1e-9)


def test_softmax_entropy_is_blind_to_batch_spread_while_geometric_surrogates_are_not():
    base = _batch(1, 10, seed=12)
    collapsed = base.repeat(16, 1)  # zero spread across the batch
    g = torch.Generator().manual_seed(13)
    spread = torch.stack([base[0, torch.randperm(10, generator=g)] for _ in range(16)])  # same rows, permuted
    assert softmax_entropy(spread).item() == pytest.approx(softmax_entropy(collapsed).item(), rel=1e-12)
    assert logdet_entropy(spread, 1e-2).item() > logdet_entropy(collapsed, 1e-2).item() + 5.0
    assert variance_entropy(spread, 1e-2).item() > variance_entropy(collapsed, 1e-2).item() + 5.0


def test_softmax_force_vanishes_when_saturated():
    g0 = torch.Generator().manual_seed(14)
    levels = torch.linspace(0.0, 1.0, 10, dtype=torch.float64)  # top-two gap 1/9 in every row
    z = torch.stack([levels[torch.randperm(10, generator=g0)] for _ in range(8)])
    norms = []
    for scale in (1.0, 30.0, 300.0):
        zs = (scale * z).requires_grad_(True)
        (g,) = torch.autograd.grad(softmax_entropy(zs), zs)
        norms.append(g.norm().item())
    assert norms[2] < 1e-6 * norms[0]  # ~ exp(-300/9) at scale 300
    # the log-det force does not saturate with scale: ‖∂H/∂Z‖ ~ 1/scale, not exp(-scale)
    zs = (300.0 * z).requires_grad_(True)
    (g,) = torch.autograd.grad(logdet_entropy(zs, 1e-2), zs)
    assert g.norm().item() > 1e-3


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda z: logdet_entropy(z, -1.0), "eps"),
        (lambda z: logdet_entropy(z, 0.0), "eps"),
        (lambda z: variance_entropy(z, float("nan")), "eps"),
        (lambda z: logdet_entropy(z, 0.1, form="svd"), "form"),
        (lambda z: logdet_entropy(z[0], 0.1), "z"),
        (lambda z: effective_rank_entropy(z, -0.1), "eps"),
        (lambda z: renyi2_entropy(z, bandwidth=0.0), "bandwidth"),
        (lambda z: get_surrogate("entropy"), "surrogate"),
        (lambda z: softmax_entropy(np.zeros((3, 3))), "z"),
    ],
)
def test_bad_input_raises_value_error_naming_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call(_batch(4, 3))


@pytest.mark.parametrize("name", sorted(SURROGATES))
def test_non_finite_batch_gives_nan_not_an_exception(name):
    # a diverging run must reach its own NaN check (which names epoch and quantity), not die in LAPACK
    for b, d in [(4, 6), (6, 4)]:
        z = torch.randn(b, d)
        z[1, 2] = float("nan")
        assert torch.isnan(get_surrogate(name)(z, 1e-2))


@pytest.mark.parametrize("name", ["logdet", "variance", "erank", "renyi2"])
def test_geometric_surrogates_ignore_a_common_translation(name):
    z = _batch(20, 12, seed=15)
    shift = 50.0 * _batch(1, 12, seed=16)
    f = get_surrogate(name)
    assert f(z + shift, 1e-2).item() == pytest.approx(f(z, 1e-2).item(), rel=1e-9, abs=1e-9)


def test_rotation_invariance_separates_full_covariance_from_diagonal_surrogates():
    z = _batch(30, 8, seed=17) * torch.linspace(0.2, 3.0, 8, dtype=torch.float64)
    q, _ = torch.linalg.qr(_batch(8, 8, seed=18))
    for name in ("logdet", "erank", "renyi2"):  # functions of the spectrum / pairwise distances
        f = get_surrogate(name)
        assert f(z @ q, 1e-2).item() == pytest.approx(f(z, 1e-2).item(), rel=1e-10), name
    # the variance surrogate only sees the diagonal: a rotation mixes scales and changes it
    assert abs(variance_entropy(z @ q, 1e-2).item() - variance_entropy(z, 1e-2).item()) > 0.1
    # and by Hadamard's inequality it bounds the log-det from above
    assert variance_entropy(z @ q, 1e-2).item() >= logdet_entropy(z @ q, 1e-2).item()
