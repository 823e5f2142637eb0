"""Entropy-flow identity, stationarity at λ*, metric force against a dense float64 G, Definition 1."""

import copy

import numpy as np
import pytest
import torch

from hopfield_hclm.hclm import (
    RepresentationMLP,
    effective_entropy_test,
    flat_grad,
    flow_terms,
    get_surrogate,
    StepRecord,
    instrumented_step,
    logit_jacobian,
    metric_force,
)


def _setup(seed=0, b=24, d_in=6, hidden=10, width=8, dtype=torch.float64):
    rng = np.random.default_rng(seed)
    model = RepresentationMLP(d_in, hidden, width, rng=rng, device=torch.device("cpu"), dtype=dtype)
    x = torch.from_numpy(rng.standard_normal((b, d_in))).to(dtype)
    y = torch.from_numpy((rng.random(b) < 0.5).astype(float)).to(dtype)
    noise = torch.from_numpy(0.1 * rng.standard_normal((b, width))).to(dtype)
    return model, x, y, noise


def _step(model, x, y, noise, surrogate, coef, lr, eps=1e-2):
    m = copy.deepcopy(model)
    opt = torch.optim.SGD(m.parameters(), lr=lr)
    r = instrumented_step(m, opt, surrogate, x, y, noise, coef, eps)
    assert r.failure() is None and r.loss_grad_finite and r.entropy_grad_finite
    return dict(inj=r.injection, diss=r.dissipation, lam_star=r.lambda_star, force=r.info_force,
                pred=r.entropy_change_predicted, meas=r.entropy_change_measured)


@pytest.mark.parametrize("name", ["logdet", "variance", "softmax", "renyi2"])
def test_flow_identity_holds_to_first_order_with_quadratic_error(name):
    model, x, y, noise = _setup(seed=1)
    sur = get_surrogate(name)
    coef = 0.3
    errors = []
    for lr in (4e-3, 2e-3, 1e-3):
        r = _step(model, x, y, noise, sur, coef, lr)
        # for plain SGD the first-order prediction <∇H, Δθ> is exactly -η(<∇L,∇H> + λ‖∇H‖²) = η(I - D)
        assert r["pred"] == pytest.approx(lr * (r["inj"] - r["diss"]), rel=1e-9)
        errors.append(abs(r["meas"] - r["pred"]))
        assert abs(r["meas"] - r["pred"]) < 0.05 * abs(r["pred"])
    # second-order remainder: halving η divides the error by ≈ 4 (Taylor, smooth H)
    for big, small in zip(errors, errors[1:]):
        assert 3.5 < big / small < 4.5


def test_entropy_is_stationary_to_first_order_at_critical_coefficient():
    model, x, y, noise = _setup(seed=2)
    sur = get_surrogate("logdet")
    lam_star = _step(model, x, y, noise, sur, 0.0, 1e-3)["lam_star"]
    assert np.isfinite(lam_star)
    at_zero = _step(model, x, y, noise, sur, 0.0, 1e-3)
    changes = [abs(_step(model, x, y, noise, sur, lam_star, lr)["meas"]) for lr in (2e-3, 1e-3)]
    assert _step(model, x, y, noise, sur, lam_star, 1e-3)["pred"] == pytest.approx(0.0, abs=1e-12)
    # ΔH(λ*) is second order: far below the first-order change at λ = 0, and quarters when η halves
    assert changes[1] < 1e-2 * abs(at_zero["meas"])
    assert 3.5 < changes[0] / changes[1] < 4.5


def test_flow_terms_formulas_and_undefined_lambda_star():
    gl = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    gh = torch.tensor([0.5, 1.0, -1.0], dtype=torch.float64)
    t = flow_terms(gl, gh, 0.2)
    inner, sq = float(gl @ gh), float(gh @ gh)
    assert t.injection.item() == pytest.approx(-inner)
    assert t.dissipation.item() == pytest.approx(0.2 * sq)
    assert t.lambda_star.item() == pytest.approx(-inner / sq)
    assert t.info_force.item() == pytest.approx(sq**0.5)
    assert t.rate.item() == pytest.approx(-inner - 0.2 * sq)
    t0 = flow_terms(gl, torch.zeros(3, dtype=torch.float64), 0.2)
    assert torch.isnan(t0.lambda_star) and t0.dissipation.item() == 0.0


def test_closed_form_logit_jacobian_matches_autodiff():
    model, x, _, noise = _setup(seed=3)
    j_closed, logits_closed = model.logit_jacobian(x, noise)
    j_auto, logits_auto = logit_jacobian(model, x, noise)
    torch.testing.assert_close(j_closed, j_auto, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(logits_closed, logits_auto)


def test_metric_force_matches_dense_float64_gauss_newton():
    model, x, y, noise = _setup(seed=4, b=12, d_in=3, hidden=4, width=3)
    params = list(model.parameters())
    z = model.encode(x) + noise
    g = flat_grad(torch.autograd.grad(get_surrogate("logdet")(z, 1e-2), params, allow_unused=True), params).detach()
    jac, logits = model.logit_jacobian(x, noise)
    w = torch.sigmoid(logits) * (1 - torch.sigmoid(logits))
    for damping in (1e-3, 1e-1):
        dense = (jac.T * w) @ jac / x.shape[0] + damping * torch.eye(jac.shape[1], dtype=torch.float64)
        expected = float(torch.sqrt(g @ torch.linalg.solve(dense, g)))
        assert metric_force(g, jac, w, damping=damping).item() == pytest.approx(expected, rel=1e-8)
    # with no curvature the metric force is the Euclidean force scaled by 1/sqrt(δ)
    assert metric_force(g, jac, torch.zeros_like(w), damping=0.04).item() == pytest.approx(float(g.norm()) / 0.2, rel=1e-12)


def test_effective_entropy_definition_one():
    force = np.array([0.0, 1.0, 2.0, 3.0, np.nan])
    r = effective_entropy_test(force, threshold=1.5, rho=0.5)
    assert r.fraction == 0.5 and r.effective
    assert not effective_entropy_test(force, threshold=1.5, rho=0.6).effective
    assert effective_entropy_test(torch.tensor([2.0, 2.0]), threshold=2.0, rho=1.0).effective
    with pytest.raises(ValueError, match="threshold"):
        effective_entropy_test(force, threshold=-1.0)
    with pytest.raises(ValueError, match="rho"):
        effective_entropy_test(force, threshold=1.0, rho=1.5)
    with pytest.raises(ValueError, match="force"):
        effective_entropy_test([np.nan], threshold=1.0)
    with pytest.raises(ValueError, match="damping"):
        metric_force(torch.ones(2), torch.ones(1, 2), torch.ones(1), damping=0.0)


def test_structural_and_decision_risk_terms_enter_the_loss_side_of_the_flow():
    from hopfield_hclm.hclm import ExtraTerms

    model, x, y, noise = _setup(seed=5)
    sur = get_surrogate("logdet")
    extra = ExtraTerms(weight_decay=0.3, risk_weight=0.5, cost_fp=1.0, cost_fn=4.0)
    params = list(model.parameters())
    z = model.encode(x) + noise
    p = torch.sigmoid(model.head(z).squeeze(-1))
    manual = (-(y * torch.log(p) + (1 - y) * torch.log(1 - p))).mean()
    manual = manual + 0.5 * (-(4.0 * y * torch.log(p) + 1.0 * (1 - y) * torch.log(1 - p))).mean()
    manual = manual + 0.15 * sum(q.pow(2).sum() for q in params)
    g_l = flat_grad(torch.autograd.grad(manual, params, retain_graph=True), params)
    g_h = flat_grad(torch.autograd.grad(sur(z, 1e-2), params, allow_unused=True), params)
    m = copy.deepcopy(model)
    out = instrumented_step(m, torch.optim.SGD(m.parameters(), lr=1e-3), sur, x, y, noise, 0.2, 1e-2, extra=extra)
    assert out.loss == pytest.approx(manual.item(), rel=1e-12)
    assert out.injection == pytest.approx(-(g_l @ g_h).item(), rel=1e-10)


def test_first_order_prediction_holds_for_adam_too():
    model, x, y, noise = _setup(seed=6)
    sur = get_surrogate("logdet")
    errors = []
    for lr in (2e-4, 1e-4):
        m = copy.deepcopy(model)
        out = instrumented_step(m, torch.optim.Adam(m.parameters(), lr=lr), sur, x, y, noise, 0.3, 1e-2)
        pred, meas = out.entropy_change_predicted, out.entropy_change_measured
        assert abs(meas - pred) < 0.05 * abs(pred)
        errors.append(abs(meas - pred))
    assert 3.0 < errors[0] / errors[1] < 5.0  # O(η²) remainder (Adam's first step is ∝ η)


def test_step_record_names_the_failing_quantity():
    ok = dict(loss=0.5, entropy=1.0, injection=0.0, dissipation=0.0, lambda_star=float("nan"), info_force=0.0,
              entropy_change_predicted=0.0, entropy_change_measured=float("nan"), loss_grad_finite=True,
              entropy_grad_finite=True)
    assert StepRecord(**ok).failure() is None  # NaN lambda* (zero force) and an unmeasured change are not failures
    assert StepRecord(**{**ok, "entropy": float("inf")}).failure() == "entropy surrogate"
    assert StepRecord(**{**ok, "entropy_grad_finite": False}).failure() == "entropy gradient"
    assert StepRecord(**{**ok, "loss": float("nan"), "loss_grad_finite": False}).failure() == "loss"
