"""The instrumented training loop ``run(...)``: one HCLM experiment -> one xarray Dataset over "epoch".

Energy ``E(θ) = L_pred + λ_t H(Z)`` with ``Z = h_θ(X) + σ·N(0, I)`` (Tran 2026, §§4–8; DESIGN §5), trained by
minibatch SGD (or Adam). Every step computes the two gradients ∇L and ∇H separately, so the
entropy-flow terms (injection, dissipation, λ*), the Euclidean information force and the first-order
predicted change of H come for free; the measured change of H is one extra forward pass on the same
batch with the same noise. The controller sets λ_t; the simulated rater scores every epoch in every
regime. See ``docs/hclm.md`` for every default and why.

Two log-det quantities are recorded and kept apart: ``entropy`` is the training surrogate itself,
``H = ½ log det(Σ̂_Z + εI)`` on the noisy training batches with the small numerical floor ``ε = eps``
(default 1e-4, not σ²); ``information_bound`` is the Gaussian-channel bound on ``I(X; Z)``,
``I_G = ½ log det(I + Σ̂_h/σ²)``, from the noise-free encoding of the whole training set (what the §6–§7
analysis uses). ``H ≈ I_G + (d/2) log σ²`` up to batch sampling error.

Failure policy: a non-finite loss, surrogate or gradient stops the run at once. With
``on_nan="raise"`` (default) a :class:`TrainingDivergedError` names the epoch, step and quantity and
carries the partial Dataset (completed epochs filled, the rest NaN) as ``.partial``; with
``on_nan="return"`` that partial Dataset is returned instead. Either way its ``stopped_reason``
attribute says what happened ("" for a completed run) and ``completed_epochs`` how far it got.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
import xarray as xr

from ..core.attrs import annotate, global_attrs
from ..core.devices import resolve_device, resolve_dtype
from .config import OPTIMIZERS, RunConfig
from .controllers import CONTROLLERS, EpochObservation, StepObservation, make_controller
from .feedback import SimulatedRater
from .flow import flat_grad, flow_terms, predicted_entropy_change
from .force import metric_force
from .networks import multiclass_metric_force
from .real_tasks import rater_view
from .regularizers import dropout_masks, prediction_loss, sam_gradient, weight_decay_penalty
from .surrogates import gaussian_information_bound, get_surrogate
from .tasks import TASKS, TaskData

__all__ = [
    "REGIMES",
    "ExtraTerms",
    "TrainingDivergedError",
    "instrumented_step",
    "StepRecord",
    "plain_step",
    "run",
    "run_template",
    "validate_run_args",
]

#: the regimes of :data:`~.controllers.CONTROLLERS` (names as when this module was imported)
REGIMES = tuple(CONTROLLERS)
REFERENCES = (
    "Tran, K. P. (2026) Human-Centered Learning Mechanics: A Dynamical Framework for Entropy-Regulated "
    "Representation Learning, arXiv:2605.22940"
)

#: an entropy surrogate bound to its options: ``h(z (batch, dim), eps) -> H ()``
SurrogateFn = Callable[[torch.Tensor, float], torch.Tensor]


class TrainingDivergedError(FloatingPointError):
    """A loss, surrogate or gradient turned non-finite; ``.partial`` holds what was recorded."""

    def __init__(self, message: str, *, epoch: int, step: int, quantity: str, partial: xr.Dataset):
        super().__init__(message)
        self.epoch, self.step, self.quantity, self.partial = epoch, step, quantity, partial


def validate_run_args(**kwargs) -> RunConfig:
    """Check every argument of :func:`run` (except ``data``) and return the resolved :class:`RunConfig`.

    Flat keywords are routed to the parts of the configuration by their declarations
    (:meth:`RunConfig.from_flat`). Raises ``ValueError`` naming the argument and the allowed values;
    allocates nothing, trains nothing. Unknown keywords are refused too.
    """
    kwargs.pop("data", None)
    return RunConfig.from_flat(**kwargs)


def _check_data(data: TaskData | None, cfg: RunConfig) -> None:
    if data is None:
        return
    if not isinstance(data, TaskData):
        raise ValueError(f"data must be a hopfield_hclm.hclm.TaskData or None; got {type(data).__name__}")
    n_train, input_dim = cfg.task.n_train, cfg.task.input_dim
    if data.x_train.shape != (n_train, input_dim):
        raise ValueError(f"data.x_train must have shape (n_train, input_dim) = ({n_train}, {input_dim}); "
                         f"got {tuple(data.x_train.shape)}")
    if not data.all_finite():
        raise ValueError("data must be finite (a TaskData tensor holds NaN or inf)")


def _data_tag(data: TaskData | None, task: str = "synthetic") -> str:
    if data is None:
        return task
    h = hashlib.sha256()
    for k in data.__dataclass_fields__:
        h.update(getattr(data, k).detach().cpu().numpy().tobytes())
    return "custom:sha256:" + h.hexdigest()[:16]


# ----------------------------------------------------------------------------------------- steps


@dataclass(frozen=True)
class ExtraTerms:
    """Optional energy terms added to the prediction loss (they count as "loss" in the flow accounting).

    Structural: ``½ μ ‖θ‖²`` (``weight_decay`` μ, :func:`~.regularizers.weight_decay_penalty`). Decision
    risk: ``κ · mean(c_fn·y·(-log p) + c_fp·(1-y)·(-log(1-p)))``, the rater's asymmetric costs as a
    cost-weighted log-loss (``risk_weight`` κ) -- it tells the model the costs the rater hides. Label
    smoothing α replaces the log-loss by the smoothed cross-entropy (:func:`~.regularizers.prediction_loss`).
    All are 0 by default.
    """

    weight_decay: float = 0.0
    risk_weight: float = 0.0
    cost_fp: float = 1.0
    cost_fn: float = 4.0
    label_smoothing: float = 0.0


NO_EXTRA = ExtraTerms()


def _encode(model, x, mask):
    return model.encode(x) if mask is None else model.encode(x, mask)


def _loss_and_entropy(model, surrogate: SurrogateFn, x, y, noise, eps, extra: ExtraTerms = NO_EXTRA, mask=None):
    """``(L, H)`` on one batch: ``Z = h(x; mask) + noise``; logits ``(batch,)`` (one logit) or ``(batch, K)``."""
    z = _encode(model, x, mask) + noise
    logits = model.head(z).squeeze(-1)
    loss = prediction_loss(logits, y, label_smoothing=extra.label_smoothing)
    if extra.risk_weight:
        weight = extra.cost_fn * y + extra.cost_fp * (1.0 - y)
        loss = loss + extra.risk_weight * F.binary_cross_entropy_with_logits(logits, y, weight=weight)
    if extra.weight_decay:
        loss = loss + weight_decay_penalty(model.parameters(), extra.weight_decay)
    return loss, surrogate(z, eps)


def _set_grads(params, flat: torch.Tensor) -> None:
    offset = 0
    for p in params:
        n = p.numel()
        p.grad = flat[offset:offset + n].view_as(p).clone()
        offset += n


def plain_step(model, optimizer, surrogate: SurrogateFn, x, y, noise, coef: float, eps: float, *,
               extra: ExtraTerms = NO_EXTRA) -> torch.Tensor:
    """One uninstrumented step on ``L + λH`` (the benchmark's baseline); returns the loss."""
    optimizer.zero_grad(set_to_none=True)
    loss, h = _loss_and_entropy(model, surrogate, x, y, noise, eps, extra)
    (loss + coef * h).backward()
    optimizer.step()
    return loss.detach()


@dataclass(frozen=True)
class StepRecord:
    """What one instrumented step measured (Python floats, read from the device in one transfer).

    ``loss`` L (with the :class:`ExtraTerms`) and ``entropy`` H before the step; the flow terms
    ``injection`` −⟨∇L, ∇H⟩, ``dissipation`` λ‖∇H‖², ``lambda_star`` −⟨∇L, ∇H⟩/‖∇H‖² (NaN where ∇H = 0)
    and ``info_force`` ‖∇H‖; ``entropy_change_predicted`` ⟨∇H, Δθ⟩ (first order) and
    ``entropy_change_measured`` H(θ + Δθ) − H(θ) on the same batch and noise (NaN if not measured);
    ``loss_grad_finite`` / ``entropy_grad_finite``: whether every entry of ∇L / ∇H is finite.
    """

    loss: float
    entropy: float
    injection: float
    dissipation: float
    lambda_star: float
    info_force: float
    entropy_change_predicted: float
    entropy_change_measured: float
    loss_grad_finite: bool
    entropy_grad_finite: bool

    def failure(self) -> str | None:
        """The first quantity that makes the step unusable (non-finite value or gradient), or None."""
        for name, ok in (("loss", math.isfinite(self.loss)), ("entropy surrogate", math.isfinite(self.entropy)),
                         ("loss gradient", self.loss_grad_finite), ("entropy gradient", self.entropy_grad_finite)):
            if not ok:
                return name
        return None


def instrumented_step(model, optimizer, surrogate: SurrogateFn, x, y, noise, coef: float, eps: float, *,
                      measure_entropy_change: bool = True, extra: ExtraTerms = NO_EXTRA, mask=None,
                      sam_rho: float = 0.0) -> StepRecord:
    """One step on ``L + λH`` that records the flow; returns a :class:`StepRecord`.

    Shapes: ``x (batch, input_dim)``, ``y (batch,)``, ``noise (batch, width)``, ``mask (batch, features)``
    or None (the dropout mask, the same for every forward pass of the step). ``L`` includes the
    optional :class:`ExtraTerms`. With ``sam_rho`` ρ > 0 the loss gradient is SAM's ``∇L(θ + ε̂)``
    (:func:`~.regularizers.sam_gradient`, one ascent step) and the flow terms use that gradient, the one
    the step applies; ``∇H`` is taken at θ.
    """
    params = [p for p in model.parameters()]
    loss, h = _loss_and_entropy(model, surrogate, x, y, noise, eps, extra, mask)
    g_loss = flat_grad(torch.autograd.grad(loss, params, retain_graph=True), params)
    g_ent = flat_grad(torch.autograd.grad(h, params, allow_unused=True), params)
    if sam_rho:
        g_loss = sam_gradient(lambda: _loss_and_entropy(model, surrogate, x, y, noise, eps, extra, mask)[0],
                              params, g_loss, sam_rho)
    terms = flow_terms(g_loss, g_ent, coef)
    with torch.no_grad():
        before = torch.cat([p.detach().reshape(-1) for p in params])
    _set_grads(params, g_loss + coef * g_ent)
    optimizer.step()
    with torch.no_grad():
        delta = torch.cat([p.detach().reshape(-1) for p in params]) - before
        dh_pred = predicted_entropy_change(g_ent, delta)
        if measure_entropy_change:
            dh_meas = surrogate(_encode(model, x, mask) + noise, eps) - h.detach()
        else:
            dh_meas = torch.full_like(dh_pred, float("nan"))
        values = torch.stack([  # one device -> host transfer for the whole record
            loss.detach(), h.detach(), terms.injection, terms.dissipation, terms.lambda_star, terms.info_force,
            dh_pred, dh_meas, torch.isfinite(g_loss).all().to(h.dtype), torch.isfinite(g_ent).all().to(h.dtype),
        ]).tolist()
    *floats, ok_loss, ok_ent = values
    return StepRecord(*floats, loss_grad_finite=ok_loss == 1.0, entropy_grad_finite=ok_ent == 1.0)


# ------------------------------------------------------------------------------------- recording

EPOCH_VARS: dict[str, tuple[str, str]] = {
    "train_loss": ("training log-loss (noise-free representation, end of epoch)", "nat"),
    "test_loss": ("test log-loss (noise-free representation, end of epoch)", "nat"),
    "test_loss_shift": ("test log-loss under nuisance covariate shift", "nat"),
    "gen_gap": ("generalisation gap test_loss - train_loss", "nat"),
    "test_error": ("test classification error (threshold 1/2 for one logit, argmax for K classes)", "1"),
    "val_loss": ("validation log-loss on the feedback set (noise-free representation, end of epoch)", "nat"),
    "entropy": ("entropy surrogate H(Z) on the noisy training batches, epoch mean "
                "(log-det: 1/2 log det(cov_Z + eps I))", "nat"),
    "information_bound": ("Gaussian bound on I(X;Z): 1/2 log det(I + cov_h / sigma^2), noise-free encoding h "
                          "of the whole training set, end of epoch (NaN if sigma = 0)", "nat"),
    "coef": ("entropy coefficient lambda_t, epoch mean over steps", "1"),
    "reward": ("rater reward received this epoch (noisy, delayed; NaN if none)", "1"),
    "utility": ("hidden decision utility of this epoch's model (noise-free, undelayed)", "1"),
    "info_force": ("Euclidean information force |grad_theta H|, epoch mean over steps", "1"),
    "info_force_probe": ("Euclidean information force on the fixed probe batch, end of epoch", "1"),
    "info_force_metric": ("metric information force sqrt(gH^T G^-1 gH), damped Gauss-Newton G, probe batch", "1"),
    "injection": ("entropy injection -<grad L, grad H>, epoch mean over steps", "1"),
    "dissipation": ("entropy dissipation lambda |grad H|^2, epoch mean over steps", "1"),
    "lambda_star": ("critical coefficient -<grad L, grad H>/|grad H|^2, epoch mean over steps", "1"),
    "entropy_change_predicted": ("first-order predicted change of H, sum over the epoch's steps", "nat"),
    "entropy_change_measured": ("measured change of H on each step's batch, sum over the epoch's steps", "nat"),
}
STEP_VARS: dict[str, tuple[str, str]] = {
    "step_loss": ("training-batch log-loss before the step", "nat"),
    "step_entropy": ("entropy surrogate on the training batch before the step", "nat"),
    "step_coef": ("entropy coefficient used in the step", "1"),
    "step_injection": ("entropy injection -<grad L, grad H>", "1"),
    "step_dissipation": ("entropy dissipation lambda |grad H|^2", "1"),
    "step_lambda_star": ("critical coefficient lambda*", "1"),
    "step_info_force": ("Euclidean information force |grad_theta H|", "1"),
    "step_entropy_change_predicted": ("first-order predicted change of H <grad H, delta theta>", "nat"),
    "step_entropy_change_measured": ("measured change of H on the same batch and noise", "nat"),
}
#: per-step variable -> the :class:`StepRecord` field it stores
_STEP_COLUMNS = {f"step_{name}": name for name in (
    "loss", "entropy", "injection", "dissipation", "lambda_star", "info_force", "entropy_change_predicted",
    "entropy_change_measured")}


def _empty_arrays(cfg: RunConfig) -> dict[str, np.ndarray]:
    arrays = {k: np.full(cfg.epochs, np.nan) for k in EPOCH_VARS}
    if cfg.record_steps:
        n = cfg.epochs * cfg.steps_per_epoch
        arrays.update({k: np.full(n, np.nan) for k in STEP_VARS})
    return arrays


def _config_dict(cfg: RunConfig, data_tag: str) -> dict:
    d = cfg.recorded()
    d["surrogate_eps"] = cfg.surrogate_eps
    d["steps_per_epoch"] = cfg.steps_per_epoch
    d["data"] = data_tag
    return d


def _to_dataset(cfg: RunConfig, arrays: dict[str, np.ndarray], *, data_tag: str, stopped_reason: str,
                completed: int) -> xr.Dataset:
    coords = {"epoch": ("epoch", np.arange(1, cfg.epochs + 1))}
    data_vars = {k: ("epoch", arrays[k]) for k in EPOCH_VARS}
    meta = {"epoch": ("training epoch (1-based)", "1"), **EPOCH_VARS}
    if cfg.record_steps:
        n = cfg.epochs * cfg.steps_per_epoch
        coords["step"] = ("step", np.arange(1, n + 1))
        coords["step_epoch"] = ("step", np.repeat(np.arange(1, cfg.epochs + 1), cfg.steps_per_epoch))
        data_vars.update({k: ("step", arrays[k]) for k in STEP_VARS})
        meta.update({"step": ("optimizer step (1-based)", "1"), "step_epoch": ("epoch of the step", "1"), **STEP_VARS})
    ds = xr.Dataset(data_vars, coords=coords)
    annotate(ds, meta)
    ds.attrs.update(global_attrs(
        title=f"HCLM training run: surrogate={cfg.surrogate.name}, regime={cfg.controller.name}",
        config=_config_dict(cfg, data_tag), references=REFERENCES, device=cfg.device, dtype=cfg.dtype,
    ))
    ds.attrs["stopped_reason"] = stopped_reason
    ds.attrs["completed_epochs"] = int(completed)
    return ds


def run_template(**kwargs) -> xr.Dataset:
    """The Dataset :func:`run` would return for these arguments, all values NaN, without training.

    Dimensions and variables depend only on the arguments (``epoch`` always; ``step`` when
    ``record_steps``), so a sweep can pre-allocate its store. ``stopped_reason`` is "template".
    """
    data = kwargs.get("data")
    cfg = validate_run_args(**kwargs)
    _check_data(data, cfg)
    return _to_dataset(cfg, _empty_arrays(cfg), data_tag=_data_tag(data, cfg.task.name), stopped_reason="template", completed=0)


# -------------------------------------------------------------------------------------- the loop


def _eval_loss(model, x, y) -> tuple[float, float]:
    """Plain log-loss and error of the noise-free model on ``x``, whatever the training regulariser."""
    logits = model(x).squeeze(-1)
    if logits.ndim == 1:
        loss = F.binary_cross_entropy_with_logits(logits, y)
        err = ((logits > 0).to(y.dtype) != y).to(y.dtype).mean()
    else:
        loss = prediction_loss(logits, y)
        err = (logits.argmax(-1).to(y.dtype) != y).to(y.dtype).mean()
    return float(loss), float(err)


def _rater_inputs(model, x, y) -> tuple[torch.Tensor, torch.Tensor]:
    """What the rater sees: ``P(positive)`` and the binary label (for K classes: "class in C+", see real_tasks)."""
    logits = model(x)
    if logits.shape[-1] == 1:
        return torch.sigmoid(logits.squeeze(-1)), y
    return rater_view(logits, y)


def run(*, data: TaskData | None = None, **kwargs) -> xr.Dataset:
    """Train the representation MLP on ``L + λ_t H`` and return the per-epoch Dataset (dim ``epoch``).

    ``run(surrogate=<a name in SURROGATES>, regime=<a name in CONTROLLERS>, coef=0.1, epochs=50, seed=0,
    device="cpu", ...)``; every keyword is a flat keyword of :class:`RunConfig` (routed to its part:
    task, model, surrogate, controller, optimiser), with the documented default. ``data``
    optionally replaces the synthetic task with a :class:`TaskData` of the same shapes.

    Variables (dim ``epoch``): train_loss, test_loss, test_loss_shift, gen_gap, test_error,
    entropy (the surrogate on noisy batches), information_bound (Gaussian bound on I(X;Z)), coef, reward, utility, info_force, info_force_probe, info_force_metric, injection,
    dissipation, lambda_star, entropy_change_predicted, entropy_change_measured; with
    ``record_steps=True`` also per-step variables on dim ``step``. Same arguments -> identical Dataset
    values (all randomness from ``numpy.random.SeedSequence(seed)``, drawn on the CPU).
    ``threads`` (default 1) sets ``torch.set_num_threads`` for the duration of the run and restores it
    afterwards: the model is tiny, so one thread is fastest and sweeps parallelise over processes.
    """
    cfg = validate_run_args(**kwargs)
    _check_data(data, cfg)
    previous_threads = torch.get_num_threads()
    if cfg.threads is not None:
        torch.set_num_threads(cfg.threads)
    try:
        return _train(cfg, data)
    finally:
        torch.set_num_threads(previous_threads)


def _train(cfg: RunConfig, data: TaskData | None) -> xr.Dataset:
    data_tag = _data_tag(data, cfg.task.name)
    device, dtype = resolve_device(cfg.device), resolve_dtype(cfg.dtype)
    task, net, ctl, opt = cfg.task, cfg.model, cfg.controller, cfg.optimiser
    # the 7th stream (surrogate probes) is only drawn from by surrogates that declare needs_rng;
    # spawn(7) leaves the first six children, and so every closed-form run, as they were with spawn(6)
    # r_drop (the 8th child, dropout masks) likewise leaves the first seven unchanged
    r_data, r_init, r_order, r_noise, r_ctrl, r_rater, r_probe, r_drop = (
        np.random.default_rng(s) for s in np.random.SeedSequence(cfg.seed).spawn(8))
    spec = TASKS[task.name]
    if data is None:
        data = spec.make_data(task, r_data)
    data = data.to(device, dtype)
    model = spec.build_network(net, data.x_train.shape[1], r_init, device, dtype)  # = input_dim for synthetic
    params = list(model.parameters())
    optimizer = OPTIMIZERS[opt.name](params, opt)
    controller = make_controller(ctl, r_ctrl)
    rater = SimulatedRater(cost_fp=ctl.cost_fp, cost_fn=ctl.cost_fn, noise=ctl.reward_noise,
                           delay=ctl.reward_delay, rng=r_rater)
    stochastic = get_surrogate(cfg.surrogate.name).needs_rng
    surrogate, eps = cfg.surrogate.bind(), cfg.surrogate_eps

    def fresh_surrogate() -> SurrogateFn:  # new common probes for one step (or one probe evaluation)
        return cfg.surrogate.bind(int(r_probe.integers(2**63))) if stochastic else surrogate

    steps, bsz = cfg.steps_per_epoch, opt.batch_size
    probe_x, probe_y = data.x_train[:cfg.fisher_samples], data.y_train[:cfg.fisher_samples]
    probe_noise = torch.from_numpy(net.sigma * r_noise.standard_normal((cfg.fisher_samples, net.width))).to(device, dtype)
    arrays = _empty_arrays(cfg)
    reg = opt.regularization
    extra = ExtraTerms(weight_decay=opt.weight_decay + reg.weight_decay, risk_weight=opt.risk_weight,
                       cost_fp=ctl.cost_fp, cost_fn=ctl.cost_fn, label_smoothing=reg.label_smoothing)

    for epoch in range(cfg.epochs):
        coef = controller.start_epoch(epoch)
        order = torch.from_numpy(r_order.permutation(task.n_train)).to(device)
        noise = torch.from_numpy(net.sigma * r_noise.standard_normal((steps, bsz, net.width))).to(device, dtype)
        masks = dropout_masks(r_drop, (steps, bsz, model.dropout_features), reg.dropout) if reg.dropout else None
        if masks is not None:
            masks = torch.from_numpy(masks).to(device, dtype)
        rows, coefs = [], []
        for s in range(steps):
            idx = order[s * bsz:(s + 1) * bsz]
            out = instrumented_step(model, optimizer, fresh_surrogate(), data.x_train[idx], data.y_train[idx], noise[s],
                                    coef, eps, measure_entropy_change=cfg.measure_entropy_change, extra=extra,
                                    mask=None if masks is None else masks[s], sam_rho=reg.sam_rho)
            name = out.failure()
            if name is not None:
                reason = f"non-finite {name} at epoch {epoch + 1}, step {s + 1}"
                if cfg.record_steps:
                    _store_steps(arrays, epoch * steps, rows, coefs)
                partial = _to_dataset(cfg, arrays, data_tag=data_tag, stopped_reason=reason, completed=epoch)
                if cfg.on_nan == "return":
                    return partial
                raise TrainingDivergedError(f"training stopped: {reason}", epoch=epoch + 1, step=s + 1,
                                            quantity=name, partial=partial)
            rows.append(out)
            coefs.append(coef)
            coef = controller.after_step(StepObservation(lambda_star=out.lambda_star, entropy=out.entropy,
                                                         injection=out.injection, dissipation=out.dissipation))
        column = {f: np.array([getattr(r, f) for r in rows]) for f in _STEP_COLUMNS.values()}
        with torch.no_grad():
            train_loss, _ = _eval_loss(model, data.x_train, data.y_train)
            test_loss, test_err = _eval_loss(model, data.x_test, data.y_test)
            shift_loss, _ = _eval_loss(model, data.x_shift, data.y_shift)
            val_loss, _ = _eval_loss(model, data.x_feedback, data.y_feedback)
            prob_fb, label_fb = _rater_inputs(model, data.x_feedback, data.y_feedback)
            info_bound = _information_bound(model, data.x_train, net.sigma)
        utility, reward, rated = rater.rate(epoch, prob_fb, label_fb)
        force_probe, force_metric = _probe_forces(model, fresh_surrogate(), eps, probe_x, probe_y, probe_noise, cfg.damping)
        lam_star = column["lambda_star"][np.isfinite(column["lambda_star"])]
        values = dict(
            train_loss=train_loss, test_loss=test_loss, test_loss_shift=shift_loss, gen_gap=test_loss - train_loss,
            test_error=test_err, val_loss=val_loss, entropy=column["entropy"].mean(), information_bound=info_bound,
            coef=float(np.mean(coefs)), reward=reward, utility=utility, info_force=column["info_force"].mean(),
            info_force_probe=force_probe, info_force_metric=force_metric, injection=column["injection"].mean(),
            dissipation=column["dissipation"].mean(),
            lambda_star=lam_star.mean() if lam_star.size else np.nan,
            entropy_change_predicted=column["entropy_change_predicted"].sum(),
            entropy_change_measured=column["entropy_change_measured"].sum(),
        )
        for k, v in values.items():
            arrays[k][epoch] = v
        if cfg.record_steps:
            _store_steps(arrays, epoch * steps, rows, coefs)
        controller.end_epoch(EpochObservation(epoch=epoch, entropy=values["entropy"], reward=reward, rated_epoch=rated))
    return _to_dataset(cfg, arrays, data_tag=data_tag, stopped_reason="", completed=cfg.epochs)


def _store_steps(arrays, start: int, rows: list[StepRecord], coefs) -> None:
    if not rows:
        return
    stop = start + len(rows)
    for var, field_name in _STEP_COLUMNS.items():
        arrays[var][start:stop] = [getattr(r, field_name) for r in rows]
    arrays["step_coef"][start:stop] = coefs


def _information_bound(model, x, sigma: float) -> float:
    """``½ log det(I + Σ̂_h/σ²)`` of the noise-free encoding of ``x (n, input_dim)``, in float64 on the CPU."""
    if sigma == 0:
        return float("nan")
    h = model.encode(x).detach().to("cpu", torch.float64)
    return float(gaussian_information_bound(h, sigma))


def _probe_forces(model, surrogate, eps, x, y, noise, damping) -> tuple[float, float]:
    """Euclidean and damped-Gauss–Newton metric force of H on the fixed probe batch."""
    params = [p for p in model.parameters()]
    z = model.encode(x) + noise
    g_ent = flat_grad(torch.autograd.grad(surrogate(z, eps), params, allow_unused=True), params)
    if not hasattr(model, "logit_jacobian"):   # a K-class network: softmax Gauss-Newton (networks.py)
        metric = multiclass_metric_force(g_ent.detach(), model, x, noise, damping=damping)
        return float(torch.linalg.vector_norm(g_ent)), float(metric)
    jac, logits = model.logit_jacobian(x, noise)
    p = torch.sigmoid(logits)
    metric = metric_force(g_ent.detach(), jac, p * (1 - p), damping=damping)
    return float(torch.linalg.vector_norm(g_ent)), float(metric)
