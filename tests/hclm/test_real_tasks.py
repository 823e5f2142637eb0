"""Real-data tasks (digits, MNIST-1D) and the networks on them: splits, shifts, cache, shapes, metric force."""

import json

import numpy as np
import pytest
import torch

from hopfield_hclm.hclm import real_tasks as rt
from hopfield_hclm.hclm.networks import make_network, multiclass_metric_force, output_jacobian


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HOPFIELD_HCLM_CACHE", str(tmp_path))
    return tmp_path


# ------------------------------------------------------------------------------------- digits


def test_digits_splits_and_sizes():
    d = rt.make_real_task("digits", np.random.default_rng(0), n_train=64, n_feedback=32, n_test=100)
    assert d.x_train.shape == (64, 64) and d.x_feedback.shape == (32, 64) and d.x_test.shape == (100, 64)
    assert d.x_train.dtype == torch.float32
    assert float(d.x_train.min()) >= 0 and float(d.x_train.max()) <= 1
    assert set(np.unique(d.y_test.numpy())) <= set(range(10))
    full = rt.make_real_task("digits", np.random.default_rng(0), n_train=64, n_feedback=32)
    assert full.x_test.shape[0] == rt.DIGITS_TEST_POOL == 797
    other = rt.make_real_task("digits", np.random.default_rng(1), n_train=64, n_feedback=32, n_test=100)
    assert torch.equal(other.x_test, d.x_test) and torch.equal(other.x_shift, d.x_shift)   # fixed test set
    assert not torch.equal(other.x_train, d.x_train)                                      # per-seed subset
    again = rt.make_real_task("digits", np.random.default_rng(0), n_train=64, n_feedback=32, n_test=100)
    assert torch.equal(again.x_train, d.x_train) and torch.equal(again.y_feedback, d.y_feedback)


def test_digits_pools_are_disjoint():
    """Training/feedback indices come from the 1,000 images outside the fixed test pool."""
    x, _ = rt.digits_pool()
    perm = np.random.default_rng(rt.DIGITS_SPLIT_SEED).permutation(len(x))
    test_rows = {r.tobytes() for r in x[perm[:rt.DIGITS_TEST_POOL]].astype(np.float32)}
    pool_rows = {r.tobytes() for r in x[perm[rt.DIGITS_TEST_POOL:]].astype(np.float32)}
    d = rt.make_real_task("digits", np.random.default_rng(5), n_train=500, n_feedback=500)
    train = {r.tobytes() for r in d.x_train.numpy()}
    feedback = {r.tobytes() for r in d.x_feedback.numpy()}
    assert train <= pool_rows and feedback <= pool_rows
    assert len(train & feedback) == 0 or len(train & feedback) <= len(pool_rows & test_rows) + 5  # duplicates only


def test_translation_moves_one_pixel():
    img = np.zeros((1, 64))
    img[0, 3 * 8 + 4] = 1.0                 # pixel (3, 4)
    for seed in range(8):
        out = rt._translate(img, (8, 8), np.random.default_rng(seed), 1).reshape(8, 8)
        (r, c), = np.argwhere(out == 1.0)
        assert abs(r - 3) + abs(c - 4) == 1 and out.sum() == 1.0
    edge = np.zeros((4, 64))
    edge[:, 0] = 1.0                         # corner pixel: half of the moves push it off the image
    out = rt._translate(edge, (8, 8), np.random.default_rng(0), 1)
    assert np.all(out.sum(1) <= 1.0)


def test_digits_shift_is_a_one_pixel_translation_of_the_test_set():
    d = rt.make_real_task("digits", np.random.default_rng(0), n_train=16, n_feedback=16, n_test=50)
    assert torch.equal(d.y_shift, d.y_test)
    x, s = d.x_test.numpy().reshape(-1, 8, 8), d.x_shift.numpy().reshape(-1, 8, 8)
    for a, b in zip(x, s):
        cands = []
        for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            m = np.zeros_like(a)
            m[max(-dy, 0):8 + min(-dy, 0), max(-dx, 0):8 + min(-dx, 0)] = a[max(dy, 0):8 + min(dy, 0),
                                                                             max(dx, 0):8 + min(dx, 0)]
            cands.append(np.array_equal(m, b))
        assert any(cands)


# ------------------------------------------------------------------------------------ MNIST-1D


def test_mnist1d_generation_cache_and_global_rng(cache):
    np.random.seed(123)
    state = np.random.get_state()[1].copy()
    d = rt.mnist1d_pool(num_samples=200)
    assert np.array_equal(np.random.get_state()[1], state)      # the package's global seeding is undone
    assert d["x"].shape == (160, 40) and d["x_test"].shape == (40, 40)
    allx = np.concatenate([d["x"], d["x_test"]])
    assert abs(allx.mean()) < 1e-9 and abs(allx.std() - 1) < 1e-9       # standardised by the generator
    assert np.bincount(np.concatenate([d["y"], d["y_test"]]), minlength=10).tolist() == [20] * 10
    files = list(cache.glob("mnist1d-*.npz"))
    assert len(files) == 1
    again = rt.mnist1d_pool(num_samples=200)
    assert all(np.array_equal(d[k], again[k]) for k in d)
    files[0].write_bytes(b"damaged")                                 # a damaged cache is regenerated
    fixed = rt.mnist1d_pool(num_samples=200)
    assert np.array_equal(fixed["x"], d["x"])


def test_mnist1d_task_and_shift(cache):
    d = rt.make_real_task("mnist1d", np.random.default_rng(0), n_train=40, n_feedback=20, num_samples=200)
    assert d.x_train.shape == (40, 40) and d.x_test.shape == (40, 40)
    noise = (d.x_shift - d.x_test).numpy().ravel()
    # shift = N(0, 0.5²) noise: sample s.d. within 4 standard errors (se ≈ s/sqrt(2n))
    assert abs(noise.std() - rt.MNIST1D_SHIFT_NOISE) < 4 * rt.MNIST1D_SHIFT_NOISE / np.sqrt(2 * noise.size)


@pytest.mark.parametrize("kwargs, name", [
    (dict(name="cifar", n_train=10, n_feedback=10), "task"),
    (dict(name="digits", n_train=900, n_feedback=200), "n_train"),
    (dict(name="digits", n_train=10, n_feedback=10, n_test=798), "n_test"),
    (dict(name="digits", n_train=1, n_feedback=10), "n_train"),
])
def test_bad_input(kwargs, name):
    n = kwargs.pop("name")
    with pytest.raises(ValueError, match=name):
        rt.make_real_task(n, np.random.default_rng(0), **kwargs)


def test_mnist1d_bad_num_samples():
    with pytest.raises(ValueError, match="num_samples"):
        rt.mnist1d_pool(num_samples=205)


def test_rater_view():
    logits = torch.log(torch.tensor([[0.1] * 10, [0.5, 0.5] + [0.0 + 1e-12] * 8]))
    prob, pos = rt.rater_view(logits, torch.tensor([3.0, 7.0]))
    np.testing.assert_allclose(prob.numpy(), [0.5, 1.0], atol=1e-6)
    assert pos.tolist() == [1.0, 0.0]


# ------------------------------------------------------------------------------------- networks


@pytest.mark.parametrize("network, shape, n_params", [("cnn", (8, 8), 3658), ("cnn", (40,), 6186),
                                                      ("mlp", (40,), 5034)])
def test_network_shapes_and_seeded_init(network, shape, n_params):
    kw = dict(input_shape=shape, hidden=64, width=32, n_out=10)
    net = make_network(network, rng=np.random.default_rng(0), **kw)
    assert sum(p.numel() for p in net.parameters()) == n_params
    x = torch.randn(5, int(np.prod(shape)))
    assert net.encode(x).shape == (5, 32) and net(x).shape == (5, 10)
    assert net.encode(x, torch.ones(5, net.dropout_features)).shape == (5, 32)
    twin = make_network(network, rng=np.random.default_rng(0), **kw)
    assert all(torch.equal(a, b) for a, b in zip(net.parameters(), twin.parameters()))
    for layer in (net.rep, net.out):
        bound = 1 / np.sqrt(layer.in_features)
        assert float(layer.weight.detach().abs().max()) <= bound


def test_network_bad_input():
    with pytest.raises(ValueError, match="network"):
        make_network("resnet", input_shape=(8, 8), hidden=4, width=4, n_out=2, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="input_shape"):
        make_network("cnn", input_shape=(6, 6), hidden=4, width=4, n_out=2, rng=np.random.default_rng(0))


def test_output_jacobian_matches_autograd_rows():
    net = make_network("cnn", input_shape=(8, 8), hidden=4, width=3, n_out=4, rng=np.random.default_rng(0),
                       dtype=torch.float64)
    x = torch.from_numpy(np.random.default_rng(1).standard_normal((3, 64)))
    noise = torch.from_numpy(0.1 * np.random.default_rng(2).standard_normal((3, 3)))
    jac, logits = output_jacobian(net, x, noise)
    params = list(net.parameters())
    for i in range(3):
        for k in range(4):
            out = net(x[i:i + 1], noise=noise[i:i + 1])[0, k]
            row = torch.cat([g.reshape(-1) for g in torch.autograd.grad(out, params)])
            torch.testing.assert_close(jac[i, k], row, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(logits, net(x, noise=noise))


def test_multiclass_metric_force_equals_explicit_gauss_newton():
    """Against G = (1/n) Σ J_iᵀ (diag p_i − p_i p_iᵀ) J_i + δI built and solved densely in float64."""
    net = make_network("mlp", input_shape=(5,), hidden=4, width=3, n_out=4, rng=np.random.default_rng(0),
                       dtype=torch.float64)
    rng = np.random.default_rng(1)
    x = torch.from_numpy(rng.standard_normal((6, 5)))
    noise = torch.from_numpy(0.1 * rng.standard_normal((6, 3)))
    g = torch.from_numpy(rng.standard_normal(sum(p.numel() for p in net.parameters())))
    jac, logits = output_jacobian(net, x, noise)
    p = torch.softmax(logits, -1)
    n, _, n_par = jac.shape
    damping = 0.05
    gmat = damping * torch.eye(n_par, dtype=torch.float64)
    for i in range(n):
        h = torch.diag(p[i]) - torch.outer(p[i], p[i])
        gmat += jac[i].T @ h @ jac[i] / n
    want = torch.sqrt(g @ torch.linalg.solve(gmat, g))
    got = multiclass_metric_force(g, net, x, noise, damping=damping)
    assert float(got) == pytest.approx(float(want), rel=1e-9)


# ---------------------------------------------------------------------------- through hh.hclm.run


def test_real_task_runs_ten_classes_with_each_network(cache):
    import hopfield_hclm as hh

    kw = dict(epochs=1, n_train=32, n_feedback=32, n_test=64, batch_size=16, fisher_samples=2, coef=0.1)
    for task, network in (("digits", "cnn"), ("mnist1d", "cnn")):
        ds = hh.hclm.run(task=task, network=network, regime="rl", **kw)
        assert ds.attrs["completed_epochs"] == 1
        for v in ("train_loss", "test_loss", "test_loss_shift", "val_loss", "reward", "info_force_metric"):
            assert np.isfinite(ds[v]).all(), (task, network, v)
        assert 0 <= float(ds.test_error[-1]) <= 1
        assert float(ds.test_loss[0]) == pytest.approx(np.log(10), abs=0.3)    # near chance after one short epoch
        cfg = ds.attrs["config"]
        assert json.loads(cfg)["task"] == task and json.loads(cfg)["network"] == network and json.loads(cfg)["data"] == task
    again = hh.hclm.run(task="mnist1d", network="cnn", regime="rl", **kw)
    np.testing.assert_array_equal(again.test_loss.values, ds.test_loss.values)   # same arguments, same values


def test_multiclass_metric_force_is_nan_for_an_overflowed_model():
    net = make_network("mlp", input_shape=(5,), hidden=4, width=3, n_out=4, rng=np.random.default_rng(0))
    with torch.no_grad():
        net.out.weight.fill_(float("inf"))
    x, noise = torch.ones(3, 5), torch.zeros(3, 3)
    g = torch.ones(sum(p.numel() for p in net.parameters()))
    assert torch.isnan(multiclass_metric_force(g, net, x, noise))
