"""Attention entropy, the model's explicit attention against the shared kernels, and a tiny trained model."""

import math

import numpy as np
import torch

from hopfield_hclm.attention.kernels import head_step_diagnostics
from hopfield_hclm.attention.model import RecallTransformer
from hopfield_hclm.attention.task import make_batch
from hopfield_hclm.attention.train import TrainConfig, attention_entropy, train_model


def test_uniform_attention_entropy_is_log_keys():
    for n in (1, 2, 7, 100):
        p = torch.full((3, n), 1.0 / n, dtype=torch.float64)
        torch.testing.assert_close(attention_entropy(p), torch.full((3,), math.log(n), dtype=torch.float64))
    one_hot = torch.zeros(5, dtype=torch.float64)
    one_hot[2] = 1.0
    assert float(attention_entropy(one_hot)) == 0.0


def test_entropy_gradient_is_finite_at_zero_weight():
    z = torch.tensor([0.0, 1.0, -200.0], dtype=torch.float64, requires_grad=True)
    p = torch.softmax(torch.cat([z, torch.tensor([-math.inf], dtype=torch.float64)]), 0)  # a masked key
    attention_entropy(p).backward()
    assert torch.isfinite(z.grad).all()


def test_recorded_weights_equal_the_kernel_step_float64_reference(tiny):
    cfg = TrainConfig(**tiny)
    v = cfg.vocab
    model = RecallTransformer(vocab_size=v.size, values=v.values, pad=v.pad, layers=2, heads=2, d_model=16,
                              d_mlp=8, seed=4, dtype=torch.float64)
    b = make_batch(np.random.default_rng(0), pairs=3, vocab=v, sequences=1)   # one sequence: no padding
    _, tr = model(b.tokens, b.pad_mask, record=True)
    target = b.target_position
    d = head_step_diagnostics(tr.query, tr.keys, tr.values, tr.beta, target)
    # brute force, float64: softmax of beta q.k over every position (the query is last, so all are visible)
    s = torch.einsum("blhd,blhtd->blht", tr.query, tr.keys)
    p = torch.softmax(tr.beta * s, -1)
    torch.testing.assert_close(p, tr.weights)
    torch.testing.assert_close(d["target_weight"], p[0, :, :, int(target)][None])
    torch.testing.assert_close(d["entropy"], -(p * p.log()).sum(-1))
    others = torch.cat([s[..., : int(target)], s[..., int(target) + 1:]], -1)
    torch.testing.assert_close(d["margin"], s[..., int(target)] - others.amax(-1))
    out = torch.einsum("blht,blhtd->blhd", p, tr.values)
    torch.testing.assert_close(out, tr.output)
    err = torch.linalg.vector_norm(out - tr.values[..., int(target), :], dim=-1)
    torch.testing.assert_close(d["value_error"], err)
    assert (d["value_error"] <= d["logit_bound"] + 1e-12).all()
    assert (d["key_error"] <= d["ramsauer_bound"] + 1e-12).all()


def test_tiny_model_learns_recall_above_chance_deterministically(tiny):
    cfg = TrainConfig(**tiny)
    model, record = train_model(cfg, seed=3)
    b = make_batch(np.random.default_rng(11), pairs=cfg.train_pairs, vocab=cfg.vocab, sequences=400,
                   noise_rate=cfg.noise_rate)
    with torch.no_grad():
        acc = float((model(b.tokens, b.pad_mask).argmax(-1) == b.answer).double().mean())
    chance = 1 / cfg.values
    # 400 sequences: the binomial s.e. at chance is 0.022; demand chance + 0.4 (18 s.e.)
    assert acc > chance + 0.4
    assert record["monitor_accuracy"].values[0] < chance + 0.15      # the untrained model is at chance
    # the first-order entropy change <grad H, delta theta> tracks the measured change of every epoch
    pred, meas = record["entropy_change_predicted"].values[1:], record["entropy_change_measured"].values[1:]
    assert np.all(np.isfinite(pred)) and np.all(np.sign(pred) == np.sign(meas))
    small = TrainConfig(**{**tiny, "steps": 4, "epochs": 2})
    m1, r1 = train_model(small, seed=5)
    m2, r2 = train_model(small, seed=5)
    for a, c in zip(m1.parameters(), m2.parameters()):
        assert torch.equal(a, c)
    assert r1.equals(r2)
