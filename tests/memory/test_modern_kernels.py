"""Kernels of the modern Hopfield network (hopfield_hclm.memory.modern) against float64 brute force and
the reference facts of Ramsauer et al. 2021: one-step retrieval of orthogonal patterns, the mean pattern
as beta -> 0, the energy never rising under the update (CCCP), overflow-free softmax, and the bounds."""

import math

import numpy as np
import pytest
import torch

from hopfield_hclm.memory import modern as mh
from hopfield_hclm.memory.patterns import hadamard


def _brute(x, xi, beta):
    """Plain-Python float64 reference: update, weights, entropy, energy for one state."""
    P, N = len(xi), len(xi[0])
    s = [sum(xi[mu][i] * x[i] for i in range(N)) for mu in range(P)]
    top = max(s)
    w = [math.exp(beta * (v - top)) for v in s]
    z = sum(w)
    p = [v / z for v in w]
    f = [sum(p[mu] * xi[mu][i] for mu in range(P)) for i in range(N)]
    h = -sum(v * math.log(v) for v in p if v > 0)
    lse = top + math.log(z) / beta
    m = max(math.sqrt(sum(v * v for v in row)) for row in xi)
    e = -lse + 0.5 * sum(v * v for v in x) + math.log(P) / beta + 0.5 * m * m
    return f, p, h, e


@pytest.mark.parametrize("beta", [0.05, 1.0, 8.0])
def test_kernels_match_float64_brute_force(beta):
    rng = np.random.default_rng(3)
    xi = rng.standard_normal((6, 5))
    x = rng.standard_normal((4, 5))
    keys = torch.tensor(xi)
    q = torch.tensor(x)
    f = mh.hopfield_update(q, keys, beta)
    p = mh.attention_weights(q, keys, beta)
    h = mh.attention_entropy(q, keys, beta)
    e = mh.energy(q, keys, beta)
    for k in range(4):
        bf, bp, bh, be = _brute(x[k].tolist(), xi.tolist(), beta)
        assert torch.allclose(f[k], torch.tensor(bf, dtype=torch.float64), rtol=1e-12, atol=1e-12)
        assert torch.allclose(p[k], torch.tensor(bp, dtype=torch.float64), rtol=1e-12, atol=1e-14)
        assert h[k].item() == pytest.approx(bh, rel=1e-12, abs=1e-14)
        assert e[k].item() == pytest.approx(be, rel=1e-12)
    assert torch.allclose(mh.effective_patterns(q, keys, beta), h.exp())


def test_batched_leading_dims_and_values():
    gen = torch.Generator().manual_seed(0)
    keys = torch.randn(2, 3, 7, 4, generator=gen, dtype=torch.float64)
    q = torch.randn(2, 3, 5, 4, generator=gen, dtype=torch.float64)
    v = torch.randn(2, 3, 7, 6, generator=gen, dtype=torch.float64)
    out = mh.hopfield_update(q, keys, 0.7, values=v)
    assert out.shape == (2, 3, 5, 6)
    ref = torch.softmax(0.7 * q @ keys.transpose(-1, -2), dim=-1) @ v
    assert torch.allclose(out, ref, rtol=1e-12, atol=1e-13)
    assert mh.attention_entropy(q, keys, 0.7).shape == (2, 3, 5)
    with pytest.raises(ValueError, match="values"):
        mh.hopfield_update(q, keys, 0.7, values=v[..., :3, :])


@pytest.mark.parametrize("beta", [1e6, 1e30, 1e300])
def test_softmax_never_overflows(beta):
    keys = torch.tensor([[1e3, 0.0], [0.0, 1e3], [-1e3, 0.0]], dtype=torch.float64)
    q = torch.tensor([[1e3, 1e-3], [5.0, 5.0]], dtype=torch.float64)
    for t in (mh.attention_weights(q, keys, beta), mh.attention_entropy(q, keys, beta), mh.energy(q, keys, beta),
              mh.hopfield_update(q, keys, beta)):
        assert bool(torch.isfinite(t).all())
    p = mh.attention_weights(q, keys, beta)
    assert p[0, 0].item() == 1.0                     # the largest score takes everything
    assert p[1, :2].tolist() == [0.5, 0.5]           # an exact tie splits evenly
    assert mh.attention_entropy(q, keys, beta)[1].item() == pytest.approx(math.log(2))
    f32 = mh.attention_entropy(q.float() * 1e30, keys.float(), 1e8)   # scores near float32 max
    assert bool(torch.isfinite(f32).all())


def test_orthogonal_patterns_retrieved_in_one_step_at_large_beta():
    xi = torch.tensor(hadamard(16)[:8], dtype=torch.float64)    # 8 orthogonal ±1 patterns, N = 16
    gen = np.random.default_rng(1)
    for target in range(8):
        cue = xi[target].clone()
        flip = gen.permutation(16)[:3]                            # d = 3 flips: cosine 1 - 6/16 = 0.625
        cue[flip] = -cue[flip]
        # score with the target N - 2d = 10, with any other (orthogonal) row at most 2d = 6: gap >= 4, so at
        # beta = 10 the error is <= 2 M (P-1) e^{-40} = 2.4e-16 (logit bound)
        s = xi @ cue
        assert s[target].item() == 10.0 and (torch.cat([s[:target], s[target + 1:]]) <= 6.0).all()
        out = mh.hopfield_update(cue[None], xi, 10.0)[0]
        assert torch.allclose(out, xi[target], rtol=0, atol=1e-12)
        # at small beta the same step is far from the pattern: the one-step retrieval is a large-beta fact
        assert not torch.allclose(mh.hopfield_update(cue[None], xi, 0.1)[0], xi[target], atol=0.1)


def test_beta_to_zero_gives_mean_pattern():
    gen = torch.Generator().manual_seed(2)
    xi = torch.randn(9, 6, generator=gen, dtype=torch.float64)
    x = torch.randn(3, 6, generator=gen, dtype=torch.float64)
    mean = xi.mean(dim=0)
    errors = []
    for beta in (1e-2, 1e-4, 1e-6):
        out = mh.hopfield_update(x, xi, beta)
        errors.append(torch.linalg.vector_norm(out - mean, dim=-1).max().item())
        # first order: f = mean + beta Cov x + O(beta^2)
    assert errors[1] < 2e-2 * errors[0] and errors[2] < 2e-2 * errors[1]
    assert errors[2] < 1e-5
    assert mh.effective_patterns(x, xi, 1e-6).min().item() == pytest.approx(9.0, rel=1e-4)


@pytest.mark.parametrize("beta", [0.1, 1.0, 5.0])
def test_energy_never_increases_under_synchronous_updates(beta):
    gen = torch.Generator().manual_seed(4)
    xi = torch.randn(40, 10, generator=gen, dtype=torch.float64)
    x = 3.0 * torch.randn(16, 10, generator=gen, dtype=torch.float64)
    e_prev = mh.energy(x, xi, beta)
    assert bool((e_prev >= 0).all())
    for _ in range(30):
        x = mh.hopfield_update(x, xi, beta)
        e = mh.energy(x, xi, beta)
        # CCCP (Yuille & Rangarajan 2003; as in Ramsauer et al. 2021): E(f(x)) <= E(x); round-off slack only
        assert bool((e <= e_prev + 1e-12 * (1 + e_prev.abs())).all())
        assert bool((e >= -1e-12).all())
        e_prev = e


def test_bounds_chain_on_random_states():
    gen = torch.Generator().manual_seed(5)
    for beta in (0.3, 1.0, 3.0):
        xi = torch.randn(4, 12, 8, generator=gen, dtype=torch.float64)
        x = xi[:, :1, :] + 0.5 * torch.randn(4, 10, 8, generator=gen, dtype=torch.float64)
        err = torch.linalg.vector_norm(mh.hopfield_update(x, xi, beta) - xi[:, :1, :], dim=-1)
        logit = mh.retrieval_error_bound(x, xi, beta, form="logit")
        ram = mh.retrieval_error_bound(x, xi, beta, form="ramsauer")
        assert bool((err <= logit * (1 + 1e-10)).all())
        assert bool((logit <= ram * (1 + 1e-10)).all())


def test_bound_is_tight_when_one_competitor_dominates():
    # two patterns: f - xi0 = p1 (xi1 - xi0) exactly, and the logit bound is e^{-beta gap} |xi1 - xi0| >= p1 |.|
    xi = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    x = torch.tensor([[1.0, 0.2]], dtype=torch.float64)
    beta = 20.0
    err = torch.linalg.vector_norm(mh.hopfield_update(x, xi, beta) - xi[0]).item()
    bound = mh.retrieval_error_bound(x, xi, beta, form="logit").item()
    p1 = 1.0 / (1.0 + math.exp(beta * 0.8))
    assert err == pytest.approx(p1 * math.sqrt(2), rel=1e-12)
    assert bound == pytest.approx(math.exp(-beta * 0.8) * math.sqrt(2), rel=1e-12)
    assert err / bound == pytest.approx(1.0, abs=1e-6)


def test_separation():
    xi = torch.tensor([[2.0, 0.0], [1.0, 1.0], [0.0, -1.0]], dtype=torch.float64)
    # Delta_0 = 4 - max(2, 0) = 2; Delta_1 = 2 - max(2, -1) = 0; Delta_2 = 1 - max(0, -1) = 1
    assert mh.pattern_separation(xi).tolist() == [2.0, 0.0, 1.0]
    assert mh.pattern_separation(xi, 1).item() == 0.0
    assert mh.pattern_separation(xi[:1]).item() == math.inf
    with pytest.raises(ValueError, match="index"):
        mh.pattern_separation(xi, 3)


def test_invariant_ball_from_separation_threshold():
    # spherical patterns with a clear separation: a cue inside r* stays inside r* for every iterate
    gen = torch.Generator().manual_seed(6)
    n, p, beta = 24, 12, 2.0
    xi = torch.randn(p, n, generator=gen, dtype=torch.float64)
    xi = xi / torch.linalg.vector_norm(xi, dim=-1, keepdim=True) * math.sqrt(n)
    m = mh.pattern_norm_bound(xi).item()
    delta = mh.pattern_separation(xi, 0).item()
    assert delta >= mh.separation_threshold(p, beta, m)
    r = mh.fixed_point_radius(beta, m)
    direction = torch.randn(8, n, generator=gen, dtype=torch.float64)
    x = xi[0] + 0.999 * r * direction / torch.linalg.vector_norm(direction, dim=-1, keepdim=True)
    for _ in range(10):
        x = mh.hopfield_update(x, xi, beta)
        assert bool((torch.linalg.vector_norm(x - xi[0], dim=-1) <= r).all())


def test_classify_end_state_thresholds():
    eff = torch.tensor([1.0, 1.49, 1.5, 2.0, 9.99, 10.0, 20.0, float("nan")])
    assert mh.classify_end_state(eff, 20).tolist() == [0, 0, 1, 1, 1, 2, 2, -1]
    assert mh.classify_end_state(torch.tensor([1.2, 1.6]), 2).tolist() == [0, 2]   # no metastable at P <= 3
    assert mh.END_STATES == ("retrieval", "metastable", "average")


def test_bad_input():
    q = torch.zeros(2, 3)
    k = torch.zeros(4, 3)
    for beta in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="beta"):
            mh.attention_entropy(q, k, beta)
    with pytest.raises(ValueError, match="dim"):
        mh.attention_entropy(q, torch.zeros(4, 2), 1.0)
    with pytest.raises(ValueError, match="form"):
        mh.retrieval_error_bound(q, k, 1.0, form="other")
    with pytest.raises(ValueError, match="patterns"):
        mh.classify_end_state(torch.ones(2), 0)
    with pytest.raises(ValueError, match="single_max"):
        mh.classify_end_state(torch.ones(2), 4, single_max=1.0)
