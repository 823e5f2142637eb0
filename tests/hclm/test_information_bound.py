"""The Gaussian information bound ½ log det(I + Σ̂_h/σ²) and the literal log-det surrogate (issue 10, §2).

Tolerances are derived in each test: rounding bounds for the deterministic checks, the standard
error (plus the O(1/n) plug-in bias, derived in ``_plugin_bias``) for the statistical ones.
"""

import math

import numpy as np
import pytest
import torch

from hopfield_hclm.hclm import TaskData, logdet_entropy, run
from hopfield_hclm.hclm.surrogates import DEFAULT_EPS, gaussian_information_bound

U32 = 2.0**-24  # unit roundoff, float32
U64 = 2.0**-53


def _gamma(n: int, u: float) -> float:
    """Higham's γ_n = n u / (1 − n u): bound on the relative error of an n-term recursive sum."""
    return n * u / (1 - n * u)


def _ref_bound(h: np.ndarray, sigma: float) -> float:
    """float64 numpy reference: ½ log det(I_d + Σ̂_h/σ²), Σ̂_h the biased (1/B) covariance."""
    x = np.asarray(h, dtype=np.float64)
    xc = x - x.mean(0)
    return 0.5 * np.linalg.slogdet(np.eye(x.shape[1]) + xc.T @ xc / (x.shape[0] * sigma**2))[1]


def _ref_logdet(z: np.ndarray, eps: float) -> float:
    x = np.asarray(z, dtype=np.float64)
    xc = x - x.mean(0)
    return 0.5 * np.linalg.slogdet(xc.T @ xc / x.shape[0] + eps * np.eye(x.shape[1]))[1]


# ------------------------------------------------------------------------ collapsed representation


@pytest.mark.parametrize("dtype,u", [(torch.float32, U32), (torch.float64, U64)])
@pytest.mark.parametrize("b,d", [(64, 32), (16, 48)])
def test_bound_of_a_constant_representation_is_zero(dtype, u, b, d):
    """A collapsed h (every row the same vector c) carries no information: I_G = 0 exactly in exact
    arithmetic. In floating point the batch mean of B copies of c_j is off by at most γ_B |c_j|, so the
    centred rows have entries ≤ γ_B ‖c‖_∞ and ½ log det(I + M) ≤ ½ tr M ≤ ½ d (γ_B ‖c‖_∞)² / σ²;
    the Cholesky factor of I + M (M that small) has diagonal 1 + O(u), so the sum of n logs adds at
    most 2 n u, n = min(B, d). The old quantity (surrogate with ε = σ² on noisy Z, minus (d/2) log σ²)
    sat near (d/2) ln 2 here instead."""
    sigma = 0.1
    c = 3.0 * torch.randn(d, generator=torch.Generator().manual_seed(1), dtype=dtype)
    h = c.expand(b, d).clone()
    tol = 0.5 * d * (_gamma(b, u) * float(c.abs().max())) ** 2 / sigma**2 + 2 * min(b, d) * u
    for form in ("auto", "cov", "gram"):
        value = gaussian_information_bound(h, sigma, form=form).item()
        assert abs(value) <= tol, (form, value, tol)


def test_noise_counted_twice_leaves_the_old_floor():
    """What the previous default computed for a collapsed h: ½ log det(Σ̂_Z + σ²I) − (d/2) log σ² on
    Z = c + σ·noise. With Σ̂_Z ≈ σ²I (B ≫ d) that is ≈ (d/2) ln 2, not 0; the literal surrogate with
    the small default ε gives ≈ 0 (Marchenko–Pastur: mean log-eigenvalue bias −(d+1)/(2B) per
    direction, so |value| ≤ d(d+3)/(4B) + ½ d ε/σ² to first order; we allow 3× that)."""
    sigma, b, d = 0.1, 4000, 6
    g = torch.Generator().manual_seed(2)
    z = 1.5 + sigma * torch.randn(b, d, generator=g, dtype=torch.float64)
    const = 0.5 * d * math.log(sigma**2)
    old = logdet_entropy(z, sigma**2).item() - const
    new = logdet_entropy(z).item() - const
    first_order = d * (d + 3) / (4 * b) + 0.5 * d * DEFAULT_EPS / sigma**2
    assert abs(old - 0.5 * d * math.log(2)) <= 3 * first_order + 4 * math.sqrt(d / (2 * b))
    assert abs(new) <= 3 * first_order + 4 * math.sqrt(d / (2 * b))  # s.d. of ½ log det Σ̂ ≈ √(d/(2B))


# ------------------------------------------------------------------------------ float64 references


@pytest.mark.parametrize("b,d", [(64, 8), (8, 64), (33, 33)])
def test_bound_matches_float64_reference(b, d):
    """float64: both forms equal the numpy reference to rounding (1e-10); float32: within the normwise
    Cholesky estimate n·u·κ, κ = cond(I + M) ≤ 1 + λ_max(M), plus the rounding of forming M."""
    sigma = 0.3
    g = torch.Generator().manual_seed(b * d)
    h = torch.randn(b, d, generator=g, dtype=torch.float64) @ torch.randn(d, d, generator=g, dtype=torch.float64) / math.sqrt(d)
    ref = _ref_bound(h.numpy(), sigma)
    for form in ("cov", "gram", "auto"):
        assert gaussian_information_bound(h, sigma, form=form).item() == pytest.approx(ref, rel=1e-10, abs=1e-10)
    xc = h.numpy() - h.numpy().mean(0)
    kappa = 1 + np.linalg.eigvalsh(xc.T @ xc / (b * sigma**2)).max()
    n = min(b, d)
    tol = n * U32 * kappa + 0.5 * _gamma(max(b, d), U32) * np.trace(xc.T @ xc) / (b * sigma**2)
    for form in ("cov", "gram"):
        got = gaussian_information_bound(h.float(), sigma, form=form).item()
        assert abs(got - ref) <= tol, (form, got, ref, tol)


@pytest.mark.parametrize("b,d", [(64, 16), (16, 64), (32, 32)])
def test_literal_surrogate_matches_float64_reference_at_default_eps(b, d):
    """½ log det(Σ̂_Z + εI) with the default ε = 1e-4 on a noisy, nearly collapsed batch (h of rank 2
    plus σ = 0.1 noise: the regime training drives it to). float64 vs numpy to 1e-10; float32 within
    n·u·κ with κ = (λ_max + ε)/ε (κ ~ 1e5 here, n·u·κ ~ 0.1 nat at most, on values of order −100)."""
    sigma, eps = 0.1, DEFAULT_EPS
    g = torch.Generator().manual_seed(7 + b)
    h = torch.randn(b, 2, generator=g, dtype=torch.float64) @ torch.randn(2, d, generator=g, dtype=torch.float64)
    z = h + sigma * torch.randn(b, d, generator=g, dtype=torch.float64)
    ref = _ref_logdet(z.numpy(), eps)
    for form in ("cov", "gram", "auto"):
        assert logdet_entropy(z, eps, form=form).item() == pytest.approx(ref, rel=1e-10, abs=1e-10)
    assert logdet_entropy(z).item() == pytest.approx(ref, rel=1e-10)  # the default is that ε
    xc = z.numpy() - z.numpy().mean(0)
    lam_max = np.linalg.eigvalsh(xc.T @ xc / b).max()
    kappa = (lam_max + eps) / eps
    tol = min(b, d) * U32 * kappa
    for form in ("cov", "gram"):
        got = logdet_entropy(z.float(), eps, form=form).item()
        assert abs(got - ref) <= tol, (form, got, ref, tol)


# --------------------------------------------------------------------------- Gaussian h, known Σ


def _plugin_bias(cov: np.ndarray, sigma: float, n: int) -> float:
    """O(1/n) bias of ½ log det(I + Σ̂/σ²) for Gaussian rows and the biased (1/n) covariance.

    With A = Σ + σ²I, Σ̂ = Σ + E, E[E] = −Σ/n and Cov(E_ij, E_kl) ≈ (Σ_ik Σ_jl + Σ_il Σ_jk)/n, a
    second-order expansion of ½ log det(A + E) gives −[tr S + ½ tr S² + ½ (tr S)²]/(2n), S = A⁻¹Σ.
    (For σ → 0, S = I, this is the classical −(d² + 3d)/(4n) of the Wishart log-determinant.)
    """
    s = np.linalg.solve(cov + sigma**2 * np.eye(cov.shape[0]), cov)
    return -(np.trace(s) + 0.5 * np.trace(s @ s) + 0.5 * np.trace(s) ** 2) / (2 * n)


def test_bound_of_gaussian_h_matches_closed_form_within_standard_error():
    """h ~ N(μ, Σ), d = 3, eigenvalues (5, 1, 0.2)·σ²: mean over R replicates of the plug-in bound vs
    ½ log det(I + Σ/σ²) + O(1/n) bias, tolerance 4 standard errors of the mean plus an O(1/n²) allowance."""
    sigma, n, reps, d = 0.1, 2000, 40, 3
    rng = np.random.default_rng(11)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    cov = q @ np.diag(np.array([5.0, 1.0, 0.2]) * sigma**2) @ q.T
    chol = np.linalg.cholesky(cov)
    mu = np.array([2.0, -1.0, 0.5])
    truth = 0.5 * np.linalg.slogdet(np.eye(d) + cov / sigma**2)[1]
    values = np.array([gaussian_information_bound(torch.from_numpy(mu + rng.standard_normal((n, d)) @ chol.T),
                                                  sigma).item() for _ in range(reps)])
    se = values.std(ddof=1) / math.sqrt(reps)
    expected = truth + _plugin_bias(cov, sigma, n)
    assert abs(values.mean() - expected) <= 4 * se + 10 * (d / n) ** 2, (values.mean(), expected, se)
    # the literal surrogate on Z = h + σ·noise minus (d/2) log σ² estimates the same bound (ε shifts it
    # by at most ½ d ε/σ² = 0.015 nat here); the old ε = σ² version is biased up by ≈ ½ Σ log(1 + σ²/(λ_k+σ²))
    z_vals = []
    for _ in range(reps):
        h = mu + rng.standard_normal((n, d)) @ chol.T
        z = torch.from_numpy(h + sigma * rng.standard_normal((n, d)))
        z_vals.append(logdet_entropy(z).item() - 0.5 * d * math.log(sigma**2))
    z_vals = np.array(z_vals)
    z_se = z_vals.std(ddof=1) / math.sqrt(reps)
    wishart_bias = -(d**2 + 3 * d) / (4 * n)  # _plugin_bias with S = I: ½ log det Σ̂_Z of Gaussian Z
    eps_shift = 0.5 * d * DEFAULT_EPS / sigma**2
    assert abs(z_vals.mean() - (truth + wishart_bias)) <= 4 * z_se + eps_shift + 10 * (d / n) ** 2


# ------------------------------------------------------------------------------------- the loop


SMALL = dict(epochs=2, n_train=64, n_test=128, n_feedback=64, batch_size=16, fisher_samples=16)


def test_training_loop_records_the_bound_next_to_the_surrogate():
    ds = run(**SMALL, seed=0)
    ib = ds.information_bound
    assert ib.dims == ("epoch",) and ib.attrs["units"] == "nat" and np.isfinite(ib.values).all()
    assert (ib.values >= 0).all()
    assert ds.entropy.attrs["units"] == "nat"
    assert '"surrogate_eps":0.0001' in ds.attrs["config"]
    # the eps argument still sets the surrogate's ε (and only the surrogate: the bound has no ε)
    other = run(**SMALL, seed=0, eps=1e-2)
    assert '"surrogate_eps":0.01' in other.attrs["config"]
    assert not np.allclose(other.entropy.values, ds.entropy.values)
    assert np.isnan(run(**SMALL, seed=0, sigma=0.0).information_bound.values).all()


def test_training_loop_bound_is_zero_for_a_collapsed_representation():
    """Every training input identical -> the encoding of the training set is one repeated vector, so
    the recorded bound is 0 (computed in float64: tolerance as in the constant test above, with the
    encoding's scale ≤ 100 as a generous bound), while the surrogate stays that of pure noise."""
    g = torch.Generator().manual_seed(3)
    n, n_test, dim = SMALL["n_train"], SMALL["n_test"], 16
    x = torch.ones(n, dim) * 0.7
    y = (torch.rand(n, generator=g) < 0.5).float()
    xt = torch.randn(n_test, dim, generator=g)
    yt = (torch.rand(n_test, generator=g) < 0.5).float()
    data = TaskData(x, y, xt, yt, xt, yt, xt[:64], yt[:64])
    ds = run(data=data, **SMALL, seed=0)
    tol = 0.5 * 32 * (_gamma(n, U64) * 100.0) ** 2 / 0.1**2 + 2 * 32 * U64
    assert np.abs(ds.information_bound.values).max() <= tol
    assert np.isfinite(ds.entropy.values).all()
