"""Evaluation of trained recall transformers at one (shift, pairs) point: readout per layer, heads as
modern-Hopfield steps, readout-time sensitivity; the training record rides along.

``run(pairs=..., shift=..., trials=..., seed=..., **training)`` trains ``trials`` models (model k from
``trial_seeds(seed, trials)[k]``; trained models are cached in the process, so the grid points of a
sweep run by one worker reuse them, and a model never depends on the grid point), fits one linear
readout per layer for each model, draws ``sequences`` evaluation sequences (the same ones for every
model: common random numbers, from ``SeedSequence(seed, spawn_key=(shift index, pairs))``) and returns
one Dataset.

**Readout (probe), per layer.** The layer index is the time axis: ``time = 0`` is the residual stream
before block 1 (the embedding), ``time = l`` after block l; everything is read at the query position.
For every model and time a ridge-regression probe ``r = W h + b`` maps the residual h (d_model) to the
centred one-hot code ``xi_v = e_v - 1/V`` of the answer v, fitted on ``probe_sequences`` fresh sequences
of the *training* distribution (shift ``"none"``, pairs uniform in [2, train_pairs], its own seed) with
ridge ``1e-3 * tr(X^T X)/d`` (float64 normal equations).  The readout **overlap** is the cosine
``m = cos(r, xi_answer)`` (1 for a perfect readout, about 0 for a readout unrelated to the answer; the
Hopfield overlap with the target, in the value code), ``probe_accuracy`` is ``argmax r == answer``; the
logit lens (``LN_f`` and the unembedding applied to each layer's residual) gives ``lens_accuracy``.

**Readout-time sensitivity** reuses :func:`hopfield_hclm.memory.transient_summary` on the per-sequence
overlap ``(sequence, time)``: ``peak_time`` t* (the cue -- the embedding, time 0 -- excluded),
``readout_loss_fixed`` m* - m(L) (what a reader at the last layer loses), ``overlap_gain``,
``transient_only`` at ``threshold``; their means over sequences are stored.  For the pre-registered
criterion the per-layer mean overlap is also stored on two halves of the sequences (``half``: even /
odd index), so the best layer can be chosen on one half and its gap to the last layer measured on the
other (no selection bias).

**Heads** (:mod:`.kernels`): per (layer, head) the means over sequences of the attention entropy,
n_eff, the end-state fractions, the target weight, the medians of margin, separation, errors and bounds,
and the fractions where each bound holds and is tighter than the trivial one.  The *retrieval head* of a
model is the (layer, head) with the largest mean target weight; ``correct_nonretrieval_fraction`` is the
fraction of the sequences the model answers correctly in which that head's step does *not* end in the
retrieval class (metastable or average).
"""

from __future__ import annotations

import functools

import numpy as np
import torch
import xarray as xr

from ..core.attrs import annotate
from ..core.seeds import trial_seeds
from ..core.validation import check_int, check_real
from ..memory.summary import transient_summary
from .kernels import END_STATES, head_step_diagnostics
from .task import SHIFTS, make_batch, validate_task_args
from .train import TrainConfig, train_model, validate_train_args

__all__ = ["run", "run_template", "validate_run_args"]

_EVAL_KEYS = ("sequences", "probe_sequences", "threshold", "skew", "chunk")
EVAL_DEFAULTS = {"sequences": 512, "probe_sequences": 2048, "threshold": 0.5, "skew": 1.0, "chunk": 128}
_TRAIN_VARS = ("train_loss", "train_accuracy", "monitor_accuracy", "injection", "info_force", "lambda_star",
               "entropy_change_predicted", "entropy_change_measured", "train_head_entropy")

META = {
    "time": ("layer index as time: 0 = embedding (before block 1), l = after block l", "1"),
    "layer": ("transformer block", "1"),
    "head": ("attention head", "1"),
    "half": ("half of the evaluation sequences (0 even, 1 odd index)", "1"),
    "end_state": ("end-state class of a head's step (Ramsauer et al. 2021)", "1"),
    "epoch": ("training epoch (0 = initialisation)", "1"),
    "trial": ("trained model (seed index)", "1"),
    "seed": ("model seed (child k of SeedSequence(root))", "1"),
    "overlap": ("readout overlap cos(W h + b, xi_answer), mean over sequences", "1"),
    "overlap_sem": ("standard error of the mean readout overlap over sequences", "1"),
    "overlap_half": ("readout overlap, mean over one half of the sequences", "1"),
    "probe_accuracy": ("fraction of sequences with argmax of the linear readout = answer", "1"),
    "lens_accuracy": ("logit-lens accuracy (final LayerNorm + unembedding of the residual)", "1"),
    "model_accuracy": ("fraction of sequences the model answers correctly", "1"),
    "mean_peak_time": ("mean over sequences of the peak layer t* of the readout overlap (t > 0)", "1"),
    "peak_before_last": ("fraction of sequences whose readout overlap peaks before the last layer", "1"),
    "mean_readout_loss_fixed": ("mean over sequences of m* - m(L): overlap lost by reading the last layer", "1"),
    "mean_overlap_gain": ("mean over sequences of m* - m(0)", "1"),
    "transient_only_fraction": ("fraction of sequences transient-only at the threshold (m* >= theta > m(L))", "1"),
    "mean_patterns": ("mean number of visible positions P at the query (stored patterns)", "1"),
    "mean_log_patterns": ("mean of log P: the entropy of uniform attention", "nat"),
    "attention_entropy": ("attention entropy of the head at the query position, mean over sequences", "nat"),
    "normalized_entropy": ("attention entropy / log P, mean over sequences", "1"),
    "effective_patterns": ("effective number of attended patterns exp(H), mean over sequences", "1"),
    "end_state_fraction": ("fraction of sequences whose head step ends in each class", "1"),
    "target_weight": ("attention weight on the answer's value position, mean over sequences", "1"),
    "target_argmax_fraction": ("fraction of sequences where the answer's value position has the largest weight", "1"),
    "median_margin": ("median of the score margin s_target - max_other s", "1"),
    "median_separation": ("median pattern separation Delta_target (Ramsauer Def. 1) of the keys", "1"),
    "median_key_error": ("median |f_K(q) - k_target| of the key-space Hopfield step", "1"),
    "median_log10_ramsauer_bound": ("median log10 of Ramsauer's Theorem-5-form error bound", "1"),
    "ramsauer_bound_holds": ("fraction of sequences with key error <= Ramsauer bound", "1"),
    "ramsauer_bound_informative": ("fraction of sequences with Ramsauer bound < the trivial bound max|k - k_target|", "1"),
    "median_value_error": ("median |f(q) - v_target| of the head's output", "1"),
    "median_log10_logit_bound": ("median log10 of the logit-form error bound on the head's output", "1"),
    "logit_bound_holds": ("fraction of sequences with value error <= logit bound", "1"),
    "logit_bound_informative": ("fraction of sequences with logit bound < the trivial bound max|v - v_target|", "1"),
    "kernel_weight_mismatch": ("max |p_model - softmax(beta K q)| over sequences (consistency check)", "1"),
    "retrieval_layer": ("layer of the retrieval head (largest mean target weight)", "1"),
    "retrieval_head": ("head index of the retrieval head", "1"),
    "correct_nonretrieval_fraction": ("among correctly answered sequences, fraction whose retrieval-head step "
                                      "ends metastable or average", "1"),
    "correct_metastable_fraction": ("among correctly answered sequences, fraction whose retrieval-head step "
                                    "ends metastable", "1"),
    "train_loss": ("training cross-entropy, mean over the epoch's steps", "nat"),
    "train_accuracy": ("training-batch accuracy, mean over the epoch's steps", "1"),
    "monitor_accuracy": ("accuracy on the fixed monitor batch at the end of the epoch", "1"),
    "injection": ("entropy injection -<grad L, grad H> (lambda = 0: dH/dt under gradient flow), epoch mean", "nat"),
    "info_force": ("information force |grad H| of the attention entropy, epoch mean", "nat"),
    "lambda_star": ("critical coefficient -<grad L, grad H>/|grad H|^2, epoch median", "1"),
    "entropy_change_predicted": ("sum over the epoch's steps of <grad H, delta theta>", "nat"),
    "entropy_change_measured": ("sum over the epoch's steps of H(after) - H(before) on the step's batch", "nat"),
    "train_head_entropy": ("attention entropy per head on the monitor batch at the end of the epoch", "nat"),
}


def validate_run_args(*, pairs, shift="none", trials=1, seed=0, **kwargs) -> tuple[TrainConfig, dict]:
    """The training config and evaluation options, or ValueError naming the bad argument."""
    check_int("trials", trials, minimum=1)
    check_int("seed", seed, minimum=0)
    ev = {k: kwargs.pop(k, v) for k, v in EVAL_DEFAULTS.items()}
    cfg = validate_train_args(**kwargs)
    check_int("sequences", ev["sequences"], minimum=2)
    check_int("probe_sequences", ev["probe_sequences"], minimum=cfg.d_model + 2)
    check_int("chunk", ev["chunk"], minimum=1)
    check_real("threshold", ev["threshold"], low=-1.0, high=1.0)
    validate_task_args(pairs=pairs, shift=shift, vocab=cfg.vocab, skew=ev["skew"], sequences=ev["sequences"])
    return cfg, ev


@functools.lru_cache(maxsize=16)
def _trained(cfg: TrainConfig, seed: int, probe_sequences: int):
    """Model, training record and per-time probes ``(time, d+1, V)`` of model ``seed`` (cached)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model, record = train_model(cfg, seed=seed)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(99,)))
        feats, answers = [], []
        with torch.no_grad():
            for start in range(0, probe_sequences, 128):
                n = min(128, probe_sequences - start)
                pairs = int(rng.integers(2, cfg.train_pairs + 1))
                b = make_batch(rng, pairs=pairs, vocab=cfg.vocab, sequences=n, noise_rate=cfg.noise_rate)
                _, tr = model(b.tokens, b.pad_mask, record=True)
                feats.append(tr.residual.double())
                answers.append(b.answer)
        probes = _fit_probes(torch.cat(feats), torch.cat(answers), cfg.values)
    finally:
        torch.set_num_threads(previous)
    return model, record, probes


def _code(answer: torch.Tensor, values: int) -> torch.Tensor:
    """Centred one-hot codes ``xi_v = e_v - 1/V``, ``(sequence, V)`` float64."""
    return torch.nn.functional.one_hot(answer, values).double() - 1.0 / values


def _fit_probes(residual: torch.Tensor, answer: torch.Tensor, values: int) -> torch.Tensor:
    """Ridge probes per time: ``residual`` ``(n, time, d)`` -> weights ``(time, d+1, V)`` (last row: bias)."""
    n, times, d = residual.shape
    x = torch.cat([residual, torch.ones(n, times, 1, dtype=residual.dtype)], -1).transpose(0, 1)  # (time, n, d+1)
    y = _code(answer, values)
    gram = x.transpose(1, 2) @ x
    ridge = 1e-3 * gram.diagonal(dim1=1, dim2=2)[:, :d].sum(-1) / d
    eye = torch.eye(d + 1, dtype=x.dtype)
    eye[d, d] = 0.0  # the bias is not penalised
    return torch.linalg.solve(gram + ridge[:, None, None] * eye, x.transpose(1, 2) @ y)


def _readout(probes: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
    """``r = W h + b`` ``(sequence, time, V)`` from probes ``(time, d+1, V)`` and residuals ``(sequence, time, d)``."""
    x = torch.cat([residual.double(), torch.ones(*residual.shape[:2], 1, dtype=torch.float64)], -1)
    return torch.einsum("std,tdv->stv", x, probes)


def _evaluate(model, probes, batch, cfg: TrainConfig, chunk: int):
    """Per-sequence readout and head diagnostics; returns numpy arrays."""
    overlap, probe_ok, lens_ok, model_ok, patterns = [], [], [], [], []
    heads: dict[str, list] = {}
    mismatch = 0.0
    with torch.no_grad():
        for start in range(0, batch.tokens.shape[0], chunk):
            sl = slice(start, start + chunk)
            tok, pm, ans = batch.tokens[sl], batch.pad_mask[sl], batch.answer[sl]
            tpos, length = batch.target_position[sl], batch.length[sl]
            logits, tr = model(tok, pm, record=True)
            r = _readout(probes, tr.residual)
            code = _code(ans, cfg.values)[:, None, :]
            overlap.append(torch.nn.functional.cosine_similarity(r, code.expand_as(r), dim=-1))
            probe_ok.append(r.argmax(-1) == ans[:, None])
            lens_ok.append(model.lens(tr.residual).argmax(-1) == ans[:, None])
            model_ok.append(logits.argmax(-1) == ans)
            patterns.append(length)
            width = tok.shape[1]
            out = {}
            for ell in torch.unique(length).tolist():
                rows = torch.nonzero(length == ell).flatten()
                cut = width - ell
                keys = tr.keys[rows][..., cut:, :]
                vals = tr.values[rows][..., cut:, :]
                diag = head_step_diagnostics(tr.query[rows], keys, vals, tr.beta, tpos[rows] - cut)
                w_kernel = torch.softmax(tr.beta * (tr.query[rows].double().unsqueeze(-2) @ keys.double()
                                                    .transpose(-1, -2))[..., 0, :], -1)
                mismatch = max(mismatch, float((w_kernel - tr.weights[rows][..., cut:].double()).abs().max()))
                for name, value in diag.items():
                    out.setdefault(name, torch.empty((len(tok),) + value.shape[1:], dtype=value.dtype))[rows] = value
            for name, value in out.items():
                heads.setdefault(name, []).append(value)
    cat = lambda xs: torch.cat(xs).numpy()  # noqa: E731
    return (cat(overlap), cat(probe_ok), cat(lens_ok), cat(model_ok), cat(patterns),
            {k: cat(v) for k, v in heads.items()}, mismatch)


def _one_model(model, probes, batch, cfg: TrainConfig, ev: dict) -> dict[str, np.ndarray]:
    m, probe_ok, lens_ok, model_ok, patterns, h, mismatch = _evaluate(model, probes, batch, cfg, ev["chunk"])
    s, t = m.shape
    per_seq = xr.Dataset({"overlap": (("sequence", "time"), m)}, coords={"time": np.arange(t, dtype=float)})
    summ = transient_summary(per_seq, threshold=ev["threshold"])
    logp = np.log(patterns.astype(float))
    out = {
        "overlap": m.mean(0), "overlap_sem": m.std(0, ddof=1) / np.sqrt(s),
        "overlap_half": np.stack([m[0::2].mean(0), m[1::2].mean(0)]),
        "probe_accuracy": probe_ok.mean(0), "lens_accuracy": lens_ok.mean(0), "model_accuracy": model_ok.mean(),
        "mean_peak_time": float(summ["peak_time"].mean()),
        "peak_before_last": float((summ["peak_time"] < t - 1).mean()),
        "mean_readout_loss_fixed": float(summ["readout_loss_fixed"].mean()),
        "mean_overlap_gain": float(summ["overlap_gain"].mean()),
        "transient_only_fraction": float(summ["transient_only"].mean()),
        "mean_patterns": patterns.mean(), "mean_log_patterns": logp.mean(),
        "attention_entropy": h["entropy"].mean(0),
        "normalized_entropy": (h["entropy"] / np.maximum(logp, 1e-12)[:, None, None]).mean(0),
        "effective_patterns": h["effective"].mean(0),
        "end_state_fraction": np.stack([(h["end_state"] == c).mean(0) for c in range(len(END_STATES))], -1),
        "target_weight": h["target_weight"].mean(0),
        "target_argmax_fraction": (h["margin"] > 0).mean(0),
        "median_margin": np.median(h["margin"], 0), "median_separation": np.median(h["separation"], 0),
        "median_key_error": np.median(h["key_error"], 0),
        "median_log10_ramsauer_bound": np.median(np.log10(h["ramsauer_bound"]), 0),
        "ramsauer_bound_holds": (h["key_error"] <= h["ramsauer_bound"] * (1 + 1e-9) + 1e-12).mean(0),
        "ramsauer_bound_informative": (h["ramsauer_bound"] < h["key_cap"]).mean(0),
        "median_value_error": np.median(h["value_error"], 0),
        "median_log10_logit_bound": np.median(np.log10(h["logit_bound"]), 0),
        "logit_bound_holds": (h["value_error"] <= h["logit_bound"] * (1 + 1e-9) + 1e-12).mean(0),
        "logit_bound_informative": (h["logit_bound"] < h["value_cap"]).mean(0),
        "kernel_weight_mismatch": mismatch,
    }
    tw = out["target_weight"]
    layer, head = np.unravel_index(np.argmax(tw), tw.shape)
    state = h["end_state"][:, layer, head]
    correct = model_ok.astype(bool)
    out["retrieval_layer"], out["retrieval_head"] = int(layer) + 1, int(head)
    out["correct_nonretrieval_fraction"] = float((state[correct] != 0).mean()) if correct.any() else np.nan
    out["correct_metastable_fraction"] = float((state[correct] == 1).mean()) if correct.any() else np.nan
    return out


_DIMS = {
    "overlap": ("time",), "overlap_sem": ("time",), "overlap_half": ("half", "time"), "probe_accuracy": ("time",),
    "lens_accuracy": ("time",), "end_state_fraction": ("layer", "head", "end_state"),
}
_SCALAR = ("model_accuracy", "mean_peak_time", "peak_before_last", "mean_readout_loss_fixed", "mean_overlap_gain",
           "transient_only_fraction", "mean_patterns", "mean_log_patterns", "kernel_weight_mismatch",
           "retrieval_layer", "retrieval_head", "correct_nonretrieval_fraction", "correct_metastable_fraction")


def _assemble(per_model: list[dict], records: list[xr.Dataset], seeds: np.ndarray, cfg: TrainConfig) -> xr.Dataset:
    data = {}
    for name in per_model[0]:
        dims = ("trial",) + (() if name in _SCALAR else _DIMS.get(name, ("layer", "head")))
        dtype = np.int64 if name in ("retrieval_layer", "retrieval_head") else np.float64
        data[name] = (dims, np.stack([np.asarray(p[name], dtype=dtype) for p in per_model]))
    for name in _TRAIN_VARS:
        data[name] = (("trial",) + records[0][name].dims, np.stack([r[name].values for r in records]))
    ds = xr.Dataset(data, coords={
        "trial": np.arange(len(per_model)), "seed": ("trial", seeds.astype(np.int64)),
        "time": np.arange(cfg.layers + 1), "layer": np.arange(1, cfg.layers + 1), "head": np.arange(cfg.heads),
        "half": np.arange(2), "end_state": list(END_STATES), "epoch": np.arange(cfg.epochs + 1)})
    return annotate(ds, META)


def run(*, pairs: int, shift: str = "none", trials: int = 1, seed: int = 0, **kwargs) -> xr.Dataset:
    """Train (or reuse) ``trials`` models and evaluate them at ``pairs`` pairs under ``shift`` (module docstring).

    Keyword arguments: the fields of :class:`~.train.TrainConfig` and ``sequences`` (512),
    ``probe_sequences`` (2048), ``threshold`` (0.5), ``skew`` (1.0), ``chunk`` (128).
    Returns a Dataset with dims ``trial``, ``time`` (layers + 1), ``layer``, ``head``, ``half``,
    ``end_state``, ``epoch``.
    """
    cfg, ev = validate_run_args(pairs=pairs, shift=shift, trials=trials, seed=seed, **kwargs)
    seeds = trial_seeds(seed, trials)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(SHIFTS.index(shift), pairs)))
    batch = make_batch(rng, pairs=pairs, shift=shift, vocab=cfg.vocab, sequences=ev["sequences"],
                       noise_rate=cfg.noise_rate, skew=ev["skew"])
    per_model, records = [], []
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for s in seeds:
            model, record, probes = _trained(cfg, int(s), ev["probe_sequences"])
            per_model.append(_one_model(model, probes, batch, cfg, ev))
            records.append(record)
    finally:
        torch.set_num_threads(previous)
    return _assemble(per_model, records, seeds, cfg)


def run_template(*, pairs: int, shift: str = "none", trials: int = 1, seed: int = 0, **kwargs) -> xr.Dataset:
    """The Dataset :func:`run` returns, with its dims, coordinates, dtypes and attrs, built without training."""
    cfg, _ = validate_run_args(pairs=pairs, shift=shift, trials=trials, seed=seed, **kwargs)
    L, H = cfg.layers, cfg.heads
    shapes = {"time": (L + 1,), "layer": (L,), "head": (H,), "half": (2,), "end_state": (len(END_STATES),)}
    one = {}
    for name in META:
        if name in ("time", "layer", "head", "half", "end_state", "epoch", "trial", "seed") or name in _TRAIN_VARS:
            continue
        dims = () if name in _SCALAR else _DIMS.get(name, ("layer", "head"))
        one[name] = np.zeros(tuple(shapes[d][0] for d in dims), dtype=np.int64 if name in (
            "retrieval_layer", "retrieval_head") else np.float64)
    rec = xr.Dataset({n: ("epoch", np.zeros(cfg.epochs + 1)) for n in _TRAIN_VARS if n != "train_head_entropy"})
    rec["train_head_entropy"] = (("epoch", "layer", "head"), np.zeros((cfg.epochs + 1, L, H)))
    return _assemble([one] * trials, [rec] * trials, trial_seeds(seed, trials), cfg)
