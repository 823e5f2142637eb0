"""The recall task generator: answers correct by construction, key statistics per shift, bad input."""

import numpy as np
import pytest

from hopfield_hclm.attention.task import SHIFTS, Vocabulary, check_batch, make_batch

V = Vocabulary(keys=16, values=4, noise=2)


@pytest.mark.parametrize("shift", SHIFTS)
def test_answers_correct_by_construction(shift):
    b = make_batch(np.random.default_rng(0), pairs=5, shift=shift, vocab=V, sequences=200)
    answers, positions = check_batch(b, V)
    np.testing.assert_array_equal(b.answer.numpy(), answers)
    np.testing.assert_array_equal(b.target_position.numpy(), positions)
    tok = b.tokens.numpy()
    # the target position holds the answer's value token and the query is the last token
    assert np.all(tok[np.arange(len(tok)), positions] == V.value0 + answers)
    assert np.all(tok[:, -2] == V.query)
    assert np.all((b.pad_mask.numpy()).sum(1) == tok.shape[1] - b.length.numpy())


def test_key_pools_and_statistics():
    rng = np.random.default_rng(1)
    keys_of = lambda b: [[t for t in row[:-2] if t < V.keys] for row in b.tokens.numpy()]  # noqa: E731
    for row in keys_of(make_batch(rng, pairs=6, shift="none", vocab=V, sequences=100)):
        assert len(set(row)) == 6 and max(row) < V.pool
    for row in keys_of(make_batch(rng, pairs=6, shift="disjoint", vocab=V, sequences=100)):
        assert len(set(row)) == 6 and min(row) >= V.pool
    for row in keys_of(make_batch(rng, pairs=5, shift="repeated", vocab=V, sequences=100)):
        assert len(row) == 5 and len(set(row)) == 4
    skew = np.concatenate(keys_of(make_batch(rng, pairs=2, shift="skewed", vocab=V, sequences=2000)))
    counts = np.bincount(skew, minlength=V.pool)
    assert counts[0] > 3 * counts[-1]  # Zipf s = 1 over 8 keys, 2 of them per sequence: ~4.6x expected


def test_repeated_bindings_differ_and_answer_is_the_later():
    b = make_batch(np.random.default_rng(2), pairs=4, shift="repeated", vocab=V, sequences=300)
    for row, ans in zip(b.tokens.numpy(), b.answer.numpy()):
        hits = [p for p in range(len(row) - 2) if row[p] == row[-1]]
        assert len(hits) == 2
        assert row[hits[0] + 1] != row[hits[1] + 1] and row[hits[1] + 1] == V.value0 + ans


def test_distractors_lengthen_and_same_seed_same_batch():
    plain = make_batch(np.random.default_rng(3), pairs=4, vocab=V, sequences=300, noise_rate=0.1)
    dis = make_batch(np.random.default_rng(3), pairs=4, shift="distractors", vocab=V, sequences=300)
    # training: 10 + 5 * 0.1 = 10.5 tokens; distractors: 10 + 5 * 2 = 20 on average
    assert abs(plain.length.double().mean() - 10.5) < 0.2 and abs(dis.length.double().mean() - 20.0) < 0.3
    again = make_batch(np.random.default_rng(3), pairs=4, vocab=V, sequences=300, noise_rate=0.1)
    assert (again.tokens == plain.tokens).all()


@pytest.mark.parametrize("kwargs, name", [
    (dict(pairs=3, shift="sideways"), "shift"),
    (dict(pairs=0), "pairs"),
    (dict(pairs=1, shift="repeated"), "pairs"),
    (dict(pairs=9), "pairs"),
    (dict(pairs=3, sequences=0), "sequences"),
    (dict(pairs=3, noise_rate=1.5), "noise_rate"),
    (dict(pairs=3, shift="skewed", skew=-1.0), "skew"),
])
def test_bad_input_names_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        make_batch(np.random.default_rng(0), vocab=V, **kwargs)


def test_bad_vocabulary():
    with pytest.raises(ValueError, match="keys"):
        Vocabulary(keys=15)
    with pytest.raises(ValueError, match="values"):
        Vocabulary(values=1)
