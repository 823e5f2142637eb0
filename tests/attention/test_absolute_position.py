"""The second architecture (``position="absolute"``): learned absolute positions, no previous-token input."""

import numpy as np
import pytest
import torch

from hopfield_hclm.attention.model import RecallTransformer
from hopfield_hclm.attention.task import make_batch
from hopfield_hclm.attention.train import TrainConfig, train_model, validate_train_args


def _model(v, position, **kw):
    return RecallTransformer(vocab_size=v.size, values=v.values, pad=v.pad, layers=2, heads=2, d_model=16,
                             d_mlp=8, seed=3, position=position, dtype=torch.float64, **kw)


def test_absolute_model_has_no_previous_token_input_and_sees_positions(tiny):
    v = TrainConfig(**tiny).vocab
    model = _model(v, "absolute", max_positions=64)
    assert not hasattr(model, "shift") and model.pos.weight.shape == (64, 16)
    assert not any("shift" in name for name, _ in model.named_parameters())
    b = make_batch(np.random.default_rng(1), pairs=3, vocab=v, sequences=4)
    _, tr = model(b.tokens, b.pad_mask, record=True)
    pos = model.pos.weight.detach()
    emb = model.embed.weight.detach()
    # the embedding at the query (last) position is E[query token] + P[length - 1], nothing else
    expected = emb[b.tokens[:, -1]] + pos[b.length - 1]
    torch.testing.assert_close(tr.residual[:, 0], expected)
    # the previous-token model differs at the query position by its shift embedding alone
    prev = _model(v, "previous_token")
    _, tp = prev(b.tokens, b.pad_mask, record=True)
    torch.testing.assert_close(tp.residual[:, 0], prev.embed.weight[b.tokens[:, -1]] + prev.shift.weight[b.tokens[:, -2]])


def test_absolute_model_is_left_padding_invariant(tiny):
    """Positions count from the first non-pad token, so left padding does not change a sequence's logits."""
    v = TrainConfig(**tiny).vocab
    model = _model(v, "absolute")
    b = make_batch(np.random.default_rng(2), pairs=3, vocab=v, sequences=1)
    pad = torch.full((1, 5), v.pad, dtype=b.tokens.dtype)
    tokens = torch.cat([pad, b.tokens], 1)
    mask = torch.cat([torch.ones(1, 5, dtype=torch.bool), b.pad_mask], 1)
    torch.testing.assert_close(model(tokens, mask), model(b.tokens, b.pad_mask))


def test_absolute_training_runs_and_default_is_unchanged(tiny):
    model, rec = train_model(TrainConfig(**{**tiny, "position": "absolute", "max_positions": 32}), seed=5)
    assert model.position == "absolute" and np.isfinite(rec["train_loss"].values[1:]).all()
    assert "'position': 'absolute'" in rec.attrs["train_config"]
    default, rec0 = train_model(TrainConfig(**tiny), seed=5)
    assert hasattr(default, "shift") and "position" not in rec0.attrs["train_config"]


def test_bad_position_names_the_argument(tiny):
    v = TrainConfig(**tiny).vocab
    with pytest.raises(ValueError, match="position"):
        _model(v, "rotary")
    with pytest.raises(ValueError, match="position"):
        validate_train_args(**{**tiny, "position": "rotary"})
