"""Training the recall transformer, with the entropy-flow accounting of its attention entropy.

Objective: cross-entropy of the answer at the query position, on fresh batches from the training
distribution (``shift="none"``, pair count uniform in ``[2, train_pairs]`` per step, one noise token per
gap with probability ``noise_rate``), Adam with a linear warm-up over the first 10 % of the steps.

The attention entropy tracked over training is the query position's, averaged over the batch, the
layers and the heads,

    H(theta) = < -sum_j p_j log p_j >,   p = softmax(beta K q)  of each head at the query position.

The model is not trained on H (lambda = 0 in HCLM's E = L + lambda H, Tran 2026 §6), so the HCLM flow
terms of :func:`hopfield_hclm.hclm.flow.flow_terms` reduce to the injection ``I = -<grad L, grad H>``
(dissipation ``lambda |grad H|^2 = 0``), the entropy change under gradient flow.  Adam does not follow
the gradient flow, so the first-order change of each step is ``<grad H, Delta theta>``
(:func:`~hopfield_hclm.hclm.flow.predicted_entropy_change`) with the step actually taken; the measured
change is H on the same batch after the step minus before.  Per recording epoch (``steps / epochs``
steps) the sums of both, the mean injection, ``|grad H|`` (information force) and the median of
``lambda* = -<grad L, grad H>/|grad H|^2`` are recorded, and the per-head entropy on a fixed monitor
batch at the end of every epoch (epoch 0: at initialisation).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
import xarray as xr

from ..core.devices import resolve_device, resolve_dtype
from ..core.validation import check_choice, check_int, check_real
from ..hclm.flow import flat_grad, flow_terms, predicted_entropy_change
from .model import POSITIONS, RecallTransformer
from .task import Vocabulary, make_batch

__all__ = ["TrainConfig", "attention_entropy", "train_model", "validate_train_args"]


@dataclass(frozen=True)
class TrainConfig:
    """Model, task and optimiser settings of one training run (defaults: the committed study)."""

    keys: int = 64
    values: int = 16
    noise: int = 4
    layers: int = 4
    heads: int = 2
    d_model: int = 64
    d_mlp: int = 128
    train_pairs: int = 8
    noise_rate: float = 0.1
    steps: int = 1500
    batch: int = 64
    lr: float = 3e-3
    epochs: int = 15
    monitor_sequences: int = 256
    position: str = "previous_token"
    max_positions: int = 512
    device: str = "cpu"
    dtype: str = "float32"

    @property
    def vocab(self) -> Vocabulary:
        return Vocabulary(keys=self.keys, values=self.values, noise=self.noise)


def validate_train_args(**kwargs) -> TrainConfig:
    """A :class:`TrainConfig` from keyword arguments, or ValueError naming the bad one."""
    unknown = sorted(set(kwargs) - set(TrainConfig.__dataclass_fields__))
    if unknown:
        raise ValueError(f"unknown training argument(s) {unknown}; allowed: {sorted(TrainConfig.__dataclass_fields__)}")
    cfg = TrainConfig(**kwargs)
    Vocabulary(keys=cfg.keys, values=cfg.values, noise=cfg.noise)
    for name, lo in (("layers", 1), ("heads", 1), ("d_model", 1), ("d_mlp", 1), ("train_pairs", 2),
                     ("steps", 1), ("batch", 1), ("epochs", 1), ("monitor_sequences", 1)):
        check_int(name, getattr(cfg, name), minimum=lo)
    if cfg.d_model % cfg.heads:
        raise ValueError(f"d_model must be divisible by heads; got d_model={cfg.d_model}, heads={cfg.heads}")
    if cfg.train_pairs > cfg.keys // 2:
        raise ValueError(f"train_pairs must be <= keys/2 = {cfg.keys // 2}; got {cfg.train_pairs}")
    if cfg.steps % cfg.epochs:
        raise ValueError(f"steps must be a multiple of epochs; got steps={cfg.steps}, epochs={cfg.epochs}")
    check_real("noise_rate", cfg.noise_rate, low=0.0, high=1.0)
    check_real("lr", cfg.lr, low=0.0, low_open=True)
    check_choice("dtype", cfg.dtype, ("float32", "float64"))
    check_choice("position", cfg.position, POSITIONS)
    check_int("max_positions", cfg.max_positions, minimum=1)
    resolve_device(cfg.device)
    return cfg


def attention_entropy(weights: torch.Tensor) -> torch.Tensor:
    """Shannon entropy (nats) ``-sum_j p_j log p_j`` over the last axis (``0 log 0 = 0``).

    Uniform attention over n keys gives ``log n``; one-hot attention gives 0.  Shape ``(..., T) -> (...)``.
    """
    # the clamp keeps the gradient finite at p = 0 (where p log p has slope log p -> -inf, times dp = 0)
    return -(weights * torch.log(weights.clamp_min(torch.finfo(weights.dtype).tiny))).sum(-1)


def _model(cfg: TrainConfig, seed: int) -> RecallTransformer:
    v = cfg.vocab
    return RecallTransformer(vocab_size=v.size, values=v.values, pad=v.pad, layers=cfg.layers, heads=cfg.heads,
                             d_model=cfg.d_model, d_mlp=cfg.d_mlp, seed=seed,
                             position=cfg.position, max_positions=cfg.max_positions,
                             dtype=resolve_dtype(cfg.dtype), device=resolve_device(cfg.device))


def _to(batch, device):
    return batch.tokens.to(device), batch.pad_mask.to(device), batch.answer.to(device)


def train_model(cfg: TrainConfig, *, seed: int) -> tuple[RecallTransformer, xr.Dataset]:
    """Train one model; returns it (eval mode) and its training record (dims ``epoch``, ``layer``, ``head``).

    All randomness from ``SeedSequence(seed)``: child 0 initialises the weights, child 1 draws the
    training batches, child 2 the monitor batch.  Same arguments -> identical weights and record.
    """
    s_init, s_data, s_mon = np.random.SeedSequence(seed).spawn(3)
    device = resolve_device(cfg.device)
    model = _model(cfg, int(s_init.generate_state(1)[0]))
    data_rng, mon_rng = np.random.default_rng(s_data), np.random.default_rng(s_mon)
    mon = make_batch(mon_rng, pairs=cfg.train_pairs, vocab=cfg.vocab, sequences=cfg.monitor_sequences,
                     noise_rate=cfg.noise_rate)
    params = [p for p in model.parameters()]
    opt = torch.optim.Adam(params, lr=cfg.lr)
    warm = max(1, cfg.steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: min(1.0, (k + 1) / warm))
    per = cfg.steps // cfg.epochs
    L, H, E = cfg.layers, cfg.heads, cfg.epochs
    rec = {name: np.full(E + 1, np.nan) for name in (
        "train_loss", "train_accuracy", "injection", "info_force", "lambda_star", "entropy_change_predicted",
        "entropy_change_measured", "monitor_accuracy")}
    head_entropy = np.full((E + 1, L, H), np.nan)

    def monitor(e):
        model.eval()
        with torch.no_grad():
            tok, pm, ans = _to(mon, device)
            logits, tr = model(tok, pm, record=True)
            head_entropy[e] = attention_entropy(tr.weights).mean(0).double().cpu().numpy()
            rec["monitor_accuracy"][e] = float((logits.argmax(-1) == ans).double().mean())
        model.train()

    monitor(0)
    model.train()
    for e in range(1, E + 1):
        losses, accs, inj, force, lstar, pred, meas = [], [], [], [], [], [], []
        for _ in range(per):
            n = int(data_rng.integers(2, cfg.train_pairs + 1))
            tok, pm, ans = _to(make_batch(data_rng, pairs=n, vocab=cfg.vocab, sequences=cfg.batch,
                                          noise_rate=cfg.noise_rate), device)
            logits, tr = model(tok, pm, record=True)
            loss = torch.nn.functional.cross_entropy(logits, ans)
            ent = attention_entropy(tr.weights).mean()
            g_loss = flat_grad(torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True), params)
            g_ent = flat_grad(torch.autograd.grad(ent, params, allow_unused=True), params)
            terms = flow_terms(g_loss, g_ent, 0.0)
            before = torch.cat([p.detach().reshape(-1) for p in params]).clone()
            offset = 0
            for p in params:
                p.grad = g_loss[offset: offset + p.numel()].view_as(p).clone()
                offset += p.numel()
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            after = torch.cat([p.detach().reshape(-1) for p in params])
            with torch.no_grad():
                _, tr2 = model(tok, pm, record=True)
                ent_after = attention_entropy(tr2.weights).mean()
            losses.append(float(loss.detach()))
            accs.append(float((logits.argmax(-1) == ans).double().mean()))
            inj.append(float(terms.injection))
            force.append(float(terms.info_force))
            lstar.append(float(terms.lambda_star))
            pred.append(float(predicted_entropy_change(g_ent, after - before)))
            meas.append(float(ent_after - ent.detach()))
        rec["train_loss"][e], rec["train_accuracy"][e] = np.mean(losses), np.mean(accs)
        rec["injection"][e], rec["info_force"][e] = np.mean(inj), np.mean(force)
        rec["lambda_star"][e] = np.nanmedian(lstar)
        rec["entropy_change_predicted"][e], rec["entropy_change_measured"][e] = np.sum(pred), np.sum(meas)
        monitor(e)
    model.eval()
    ds = xr.Dataset({name: ("epoch", v) for name, v in rec.items()},
                    coords={"epoch": np.arange(E + 1)})
    ds["train_head_entropy"] = (("epoch", "layer", "head"), head_entropy)
    ds = ds.assign_coords(layer=np.arange(1, L + 1), head=np.arange(H))
    ds.attrs["steps_per_epoch"] = per
    fields = asdict(cfg)
    if cfg.position == "previous_token":  # the record of the default model is what it was before the option
        fields.pop("position"), fields.pop("max_positions")
    ds.attrs["train_config"] = str(fields)
    return model, ds
