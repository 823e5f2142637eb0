"""Regularisers beside the entropy term: each against a hand-computed float64 reference or its closed form."""

import math

import numpy as np
import pytest
import torch

from hopfield_hclm.hclm.regularizers import (
    REGULARIZERS,
    Regularizer,
    dropout_masks,
    make_regularizer,
    prediction_loss,
    sam_gradient,
    sam_perturbation,
    weight_decay_penalty,
)

# ----------------------------------------------------------------------------------------- SAM

# L(θ) = ½ θᵀAθ + bᵀθ, A = diag(2, 1), b = (1, −1), θ = (1, 2), ρ = 0.5, by hand:
# g = Aθ + b = (3, 1); ‖g‖ = √10; ε̂ = ρ g/‖g‖ = (1.5, 0.5)/√10 = (0.4743416490252569, 0.15811388300841897);
# ∇L(θ + ε̂) = A(θ + ε̂) + b = (2·1.4743416490252569 + 1, 2.158113883008419 − 1) = (3.9486832980505138, 1.158113883008419)
_EPS_HAND = (0.4743416490252569, 0.15811388300841897)
_SAM_GRAD_HAND = (3.9486832980505138, 1.158113883008419)


def _quadratic():
    a = torch.tensor([[2.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    b = torch.tensor([1.0, -1.0], dtype=torch.float64)
    theta = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    return a, b, theta, (lambda: 0.5 * theta @ a @ theta + b @ theta)


def test_sam_ascent_step_matches_hand_computation():
    _, _, theta, loss = _quadratic()
    (g,) = torch.autograd.grad(loss(), [theta])
    np.testing.assert_allclose(g.numpy(), [3.0, 1.0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(sam_perturbation(g, 0.5).numpy(), _EPS_HAND, rtol=1e-15)
    assert float(torch.linalg.vector_norm(sam_perturbation(g, 0.5))) == pytest.approx(0.5, rel=1e-15)


def test_sam_gradient_matches_hand_computation_and_restores_parameters():
    _, _, theta, loss = _quadratic()
    (g,) = torch.autograd.grad(loss(), [theta])
    before = theta.detach().clone()
    out = sam_gradient(loss, [theta], g, 0.5)
    np.testing.assert_allclose(out.numpy(), _SAM_GRAD_HAND, rtol=1e-14)
    assert torch.equal(theta.detach(), before)          # bit-exact restore
    assert torch.equal(sam_gradient(loss, [theta], g, 0.0), g)   # ρ = 0 is plain gradient descent


def test_sam_zero_gradient_gives_no_perturbation():
    assert torch.equal(sam_perturbation(torch.zeros(3), 0.1), torch.zeros(3))


# ------------------------------------------------------------------------------ label smoothing


def test_label_smoothing_multiclass_closed_form():
    rng = np.random.default_rng(3)
    n, k, alpha = 7, 5, 0.2
    logits = rng.standard_normal((n, k))
    y = rng.integers(0, k, n)
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    hand = np.mean((1 - alpha) * -logp[np.arange(n), y] + alpha * -logp.mean(1))
    got = prediction_loss(torch.from_numpy(logits), torch.from_numpy(y.astype(np.float64)), label_smoothing=alpha)
    assert float(got) == pytest.approx(hand, rel=1e-13)
    plain = prediction_loss(torch.from_numpy(logits), torch.from_numpy(y))
    assert float(plain) == pytest.approx(np.mean(-logp[np.arange(n), y]), rel=1e-13)


def test_label_smoothing_binary_closed_form():
    f = np.array([-2.0, -0.3, 0.0, 0.7, 3.1])
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    alpha = 0.1
    t = (1 - alpha) * y + alpha / 2
    s = 1 / (1 + np.exp(-f))
    hand = np.mean(-(t * np.log(s) + (1 - t) * np.log(1 - s)))
    for shape in ((5,), (5, 1)):
        got = prediction_loss(torch.from_numpy(f).reshape(shape), torch.from_numpy(y), label_smoothing=alpha)
        assert float(got) == pytest.approx(hand, rel=1e-13)


def test_label_smoothing_minimum_is_the_smoothed_target():
    """The smoothed loss is minimised by p = q = (1 − α) e_y + α/K (the defining property), not by p = e_y."""
    k, alpha = 4, 0.3
    q = np.full(k, alpha / k)
    q[2] += 1 - alpha
    best = torch.from_numpy(np.log(q)).unsqueeze(0)
    sharper = torch.from_numpy(np.log(np.where(np.arange(k) == 2, 0.99, 0.01 / 3))).unsqueeze(0)
    y = torch.tensor([2])
    entropy_q = -np.sum(q * np.log(q))
    assert float(prediction_loss(best, y, label_smoothing=alpha)) == pytest.approx(entropy_q, rel=1e-12)
    assert float(prediction_loss(sharper, y, label_smoothing=alpha)) > entropy_q


# ----------------------------------------------------------------------------- weight decay, dropout


def test_weight_decay_penalty_by_hand():
    a = torch.tensor([1.0, -2.0], dtype=torch.float64)
    b = torch.tensor([[3.0]], dtype=torch.float64)
    assert float(weight_decay_penalty([a, b], 0.1)) == pytest.approx(0.5 * 0.1 * (1 + 4 + 9), rel=1e-15)
    assert weight_decay_penalty([a, b], 0.0) == 0.0


def test_dropout_masks_statistics():
    """Inverted dropout: entries are 0 or 1/(1−p), mean 1 (tolerance 5 standard errors of the mean)."""
    p, n = 0.3, 200_000
    m = dropout_masks(np.random.default_rng(0), (n,), p)
    assert set(np.unique(m)) == {0.0, 1 / (1 - p)}
    se = math.sqrt(p / (1 - p) / n)
    assert abs(m.mean() - 1.0) < 5 * se
    assert abs((m == 0).mean() - p) < 5 * math.sqrt(p * (1 - p) / n)
    assert dropout_masks(np.random.default_rng(0), (3, 4), 0.0) is None


def test_dropout_is_off_at_evaluation():
    from hopfield_hclm.hclm.networks import make_network

    net = make_network("mlp", input_shape=(6,), hidden=8, width=4, n_out=3, rng=np.random.default_rng(1),
                       dtype=torch.float64)
    x = torch.from_numpy(np.random.default_rng(2).standard_normal((5, 6)))
    mask = torch.from_numpy(dropout_masks(np.random.default_rng(3), (5, net.dropout_features), 0.5))
    plain = net.encode(x)
    assert not torch.allclose(net.encode(x, mask), plain)            # the mask acts in training
    assert torch.equal(net.encode(x, torch.ones(5, 8, dtype=torch.float64)), plain)
    assert torch.equal(net(x), net.head(plain))                       # evaluation: no mask at all


# ------------------------------------------------------------------------------------ validation


def test_make_regularizer_routes_strength():
    assert make_regularizer() == Regularizer()
    r = make_regularizer("dropout", 0.25)
    assert (r.dropout, r.weight_decay, r.sam_rho, r.label_smoothing) == (0.25, 0.0, 0.0, 0.0)
    assert make_regularizer("weight_decay", 0.01).weight_decay == 0.01
    assert make_regularizer("sam", 0.05).sam_rho == 0.05
    assert make_regularizer("label_smoothing", 1.0).label_smoothing == 1.0
    assert set(REGULARIZERS) == {"weight_decay", "dropout", "sam", "label_smoothing"}


@pytest.mark.parametrize("args, name", [
    (("l1", 0.1), "regularizer"),
    (("weight_decay", -0.1), "regularizer_strength"),
    (("sam", float("nan")), "regularizer_strength"),
    (("dropout", 1.0), "regularizer_strength"),
    (("label_smoothing", 1.5), "regularizer_strength"),
    ((None, 0.1), "regularizer_strength"),
    (("sam", "0.1"), "regularizer_strength"),
])
def test_make_regularizer_bad_input(args, name):
    with pytest.raises(ValueError, match=name):
        make_regularizer(*args)


# ------------------------------------------------------------------------- through hh.hclm.run

import hopfield_hclm as hh  # noqa: E402
from hopfield_hclm.hclm.train import instrumented_step  # noqa: E402

TINY = dict(epochs=2, n_train=32, n_test=64, n_feedback=32, fisher_samples=8, batch_size=16)
STRENGTH = {"weight_decay": 1e-2, "dropout": 0.3, "sam": 0.05, "label_smoothing": 0.1}


@pytest.mark.parametrize("regime", ["fixed", "thermostat", "target", "rl"])
def test_every_regulariser_with_the_entropy_term_and_every_controller(regime):
    base = hh.hclm.run(regime=regime, coef=0.1, surrogate="logdet", **TINY)
    for reg, s in STRENGTH.items():
        ds = hh.hclm.run(regime=regime, coef=0.1, surrogate="logdet", regularizer=reg, regularizer_strength=s, **TINY)
        assert ds.attrs["completed_epochs"] == 2 and np.isfinite(ds.test_loss).all()
        assert not np.array_equal(ds.train_loss.values, base.train_loss.values), reg   # the regulariser acts
        assert np.isfinite(ds.coef).all() and float(ds.coef.min()) >= 0


@pytest.mark.parametrize("reg", sorted(STRENGTH))
def test_strength_zero_trains_exactly_as_no_regulariser(reg):
    a = hh.hclm.run(coef=0.1, **TINY)
    b = hh.hclm.run(coef=0.1, regularizer=reg, regularizer_strength=0.0, **TINY)
    for v in a.data_vars:
        np.testing.assert_array_equal(a[v].values, b[v].values, err_msg=v)


def test_weight_decay_setting_and_regularizer_share_one_implementation():
    a = hh.hclm.run(coef=0.1, weight_decay=0.01, **TINY)
    b = hh.hclm.run(coef=0.1, regularizer="weight_decay", regularizer_strength=0.01, **TINY)
    for v in a.data_vars:
        np.testing.assert_array_equal(a[v].values, b[v].values, err_msg=v)


def test_instrumented_step_applies_the_sam_gradient():
    """θ' = θ − η (∇L(θ + ρ g/‖g‖) + λ ∇H(θ)) for plain SGD, against a float64 hand-built reference."""
    from hopfield_hclm.hclm.flow import flat_grad
    from hopfield_hclm.hclm.surrogates import get_surrogate
    from hopfield_hclm.hclm.tasks import RepresentationMLP

    rng = np.random.default_rng(0)
    net = RepresentationMLP(5, 6, 4, rng=rng, device=torch.device("cpu"), dtype=torch.float64)
    x = torch.from_numpy(rng.standard_normal((8, 5)))
    y = torch.from_numpy((rng.random(8) > 0.5).astype(np.float64))
    noise = torch.from_numpy(0.1 * rng.standard_normal((8, 4)))
    sur, lam, lr, rho = get_surrogate("logdet"), 0.1, 0.3, 0.05
    params = list(net.parameters())
    theta = torch.cat([p.detach().reshape(-1) for p in params]).clone()

    def loss_at(vec):
        off = 0
        with torch.no_grad():
            for p in params:
                p.copy_(vec[off:off + p.numel()].view_as(p))
                off += p.numel()
        z = net.encode(x) + noise
        return prediction_loss(net.head(z).squeeze(-1), y), sur(z, 1e-4)

    loss, h = loss_at(theta)
    g = flat_grad(torch.autograd.grad(loss, params, retain_graph=True), params)
    g_h = flat_grad(torch.autograd.grad(h, params, allow_unused=True), params)
    loss2, _ = loss_at(theta + rho * g / torch.linalg.vector_norm(g))
    g_sam = flat_grad(torch.autograd.grad(loss2, params), params)
    want = theta - lr * (g_sam + lam * g_h)
    loss_at(theta)
    opt = torch.optim.SGD(params, lr=lr)
    rec = instrumented_step(net, opt, sur, x, y, noise, lam, 1e-4, sam_rho=rho)
    got = torch.cat([p.detach().reshape(-1) for p in params])
    torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)
    assert rec.injection == pytest.approx(float(-(g_sam @ g_h)), rel=1e-10)   # flow terms use the applied gradient


@pytest.mark.parametrize("kwargs, name", [
    (dict(task="cifar10"), "task"),
    (dict(regularizer="mixup", regularizer_strength=0.1), "regularizer"),
    (dict(regularizer="sam", regularizer_strength=-0.01), "regularizer_strength"),
    (dict(regularizer="dropout", regularizer_strength=1.0), "regularizer_strength"),
    (dict(regularizer_strength=0.1), "regularizer_strength"),
    (dict(regularizer="weight_decay", regularizer_strength=0.1, weight_decay=0.1), "weight_decay"),
    (dict(task="digits", n_test=5000), "n_test"),
    (dict(task="digits", n_test=100, network="resnet"), "network"),
    (dict(network="cnn"), "network"),
    (dict(task="mnist1d", n_test=100, risk_weight=1.0), "risk_weight"),
])
def test_run_bad_input_names_the_argument_before_any_work(kwargs, name, monkeypatch):
    from hopfield_hclm.hclm import real_tasks

    def refuse(*a, **k):  # no data may be loaded before the arguments are checked
        raise AssertionError("data loaded before validation")

    monkeypatch.setattr(real_tasks, "make_real_task", refuse)
    with pytest.raises(ValueError, match=name):
        hh.hclm.run(**kwargs)
    with pytest.raises(ValueError, match=name):
        hh.hclm.run_template(**kwargs)
