"""In-context associative recall: key-value pairs, then a query key whose answer is its value.

A sequence (tokens in reading order, left-padded with ``PAD`` to the batch's longest sequence)::

    [noise...] k_1 v_1 [noise...] k_2 v_2 ... k_n v_n [noise...] ?  q      -> answer v_i where k_i = q

Vocabulary (ids; sizes are keyword arguments of :class:`Vocabulary`):

- keys ``0 .. keys-1``: the first half is the *training pool* (the only keys ever seen in training),
  the second half the *held-out pool* (used by ``shift="disjoint"``);
- values ``keys .. keys+values-1``, drawn uniformly *with* replacement, so chance is ``1/values``;
- noise tokens ``keys+values .. keys+values+noise-1`` (filler between pairs, never between a key and
  its value);
- the query marker ``?`` and the padding token ``PAD`` (masked out of attention).

Key statistics (``shift``), all with the query drawn uniformly among the pairs present:

- ``"none"``: the n keys of a sequence are distinct, uniform without replacement from the training
  pool; each gap between pairs (and before the first pair and before ``?``) holds one noise token
  with probability ``noise_rate`` (training: 0.1), else none;
- ``"disjoint"``: as ``"none"`` but from the held-out pool (keys the model never saw);
- ``"skewed"``: distinct keys from the training pool drawn without replacement with Zipf weights
  p_k proportional to (k+1)^-s (s = ``skew``, default 1.0; Gumbel-top-k sampling);
- ``"repeated"``: n pairs in which one key occurs twice with two different values (n - 1 distinct
  keys); the query is that key and the answer its *later* value (the most recent binding);
- ``"distractors"``: as ``"none"`` but every gap holds 1-3 noise tokens (uniform): longer contexts
  and about 20x the training rate of distractors.

Every draw comes from one ``numpy.random.Generator`` on the CPU (DESIGN.md §6); tensors are made
only at the end, so a batch never depends on device.  Answers are correct by construction: the
generator records the answer and the position of its value token, and :func:`check_batch` recomputes
both from the tokens alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..core.validation import check_choice, check_int, check_real

__all__ = ["SHIFTS", "Batch", "Vocabulary", "check_batch", "make_batch", "validate_task_args"]

SHIFTS = ("none", "disjoint", "skewed", "repeated", "distractors")


@dataclass(frozen=True)
class Vocabulary:
    """Token ids of the task: ``keys`` (even, split into training / held-out halves), ``values``, ``noise``."""

    keys: int = 64
    values: int = 16
    noise: int = 4

    def __post_init__(self):
        check_int("keys", self.keys, minimum=2)
        if self.keys % 2:
            raise ValueError(f"keys must be even (a training and a held-out half); got {self.keys}")
        check_int("values", self.values, minimum=2)
        check_int("noise", self.noise, minimum=1)

    @property
    def pool(self) -> int:
        """Keys per pool (training or held-out)."""
        return self.keys // 2

    @property
    def value0(self) -> int:
        return self.keys

    @property
    def noise0(self) -> int:
        return self.keys + self.values

    @property
    def query(self) -> int:
        return self.keys + self.values + self.noise

    @property
    def pad(self) -> int:
        return self.query + 1

    @property
    def size(self) -> int:
        """Number of token ids, ``PAD`` included."""
        return self.pad + 1


@dataclass(frozen=True)
class Batch:
    """One batch: ``tokens`` ``(sequence, position)`` int64 (left-padded), ``pad_mask`` ``(sequence, position)``
    bool (True at padding), ``answer`` ``(sequence,)`` value index in ``[0, values)``, ``target_position``
    ``(sequence,)`` position of the answer's value token, ``length`` ``(sequence,)`` unpadded lengths."""

    tokens: torch.Tensor
    pad_mask: torch.Tensor
    answer: torch.Tensor
    target_position: torch.Tensor
    length: torch.Tensor


def validate_task_args(*, pairs, shift, vocab: Vocabulary, noise_rate=0.1, skew=1.0, sequences=1) -> None:
    """ValueError naming the argument for any bad task argument (before anything is drawn)."""
    check_choice("shift", shift, SHIFTS)
    check_int("pairs", pairs, minimum=2 if shift == "repeated" else 1)
    limit = vocab.pool + (1 if shift == "repeated" else 0)
    if pairs > limit:
        raise ValueError(f"pairs must be <= {limit} (distinct keys in a pool of {vocab.pool}) for shift "
                         f"{shift!r}; got {pairs}")
    check_real("noise_rate", noise_rate, low=0.0, high=1.0)
    check_real("skew", skew, low=0.0)
    check_int("sequences", sequences, minimum=1)


def _keys(rng: np.random.Generator, sequences: int, pairs: int, shift: str, vocab: Vocabulary, skew: float):
    """Keys ``(sequence, pair)`` and the index of the queried pair ``(sequence,)``."""
    pool = vocab.pool
    if shift == "skewed":
        logw = -skew * np.log(np.arange(1, pool + 1))
        score = logw[None, :] + rng.gumbel(size=(sequences, pool))
        keys = np.argsort(-score, axis=1, kind="stable")[:, :pairs]
        keys = rng.permuted(keys, axis=1)  # reading order independent of the draw order
    elif shift == "repeated":
        distinct = np.argsort(rng.random((sequences, pool)), axis=1)[:, : pairs - 1]
        first = rng.integers(0, pairs - 1, size=sequences)           # index of the first occurrence
        second = first + 1 + (rng.random(sequences) * (pairs - 1 - first)).astype(np.int64)  # in (first, pairs-1]
        keys = np.empty((sequences, pairs), dtype=np.int64)
        for s in range(sequences):
            row = list(distinct[s])
            row.insert(int(second[s]), row[int(first[s])])
            keys[s] = row
        return keys, second
    else:
        keys = np.argsort(rng.random((sequences, pool)), axis=1)[:, :pairs]
        if shift == "disjoint":
            keys = keys + pool
    return keys.astype(np.int64), rng.integers(0, pairs, size=sequences)


def make_batch(rng: np.random.Generator, *, pairs: int, shift: str = "none", vocab: Vocabulary = Vocabulary(),
               sequences: int = 64, noise_rate: float = 0.1, skew: float = 1.0) -> Batch:
    """Draw ``sequences`` recall sequences with ``pairs`` key-value pairs each (module docstring).

    Raises ValueError naming the argument (unknown ``shift``, ``pairs < 1``, more pairs than keys, ...).
    """
    validate_task_args(pairs=pairs, shift=shift, vocab=vocab, noise_rate=noise_rate, skew=skew,
                       sequences=sequences)
    keys, qi = _keys(rng, sequences, pairs, shift, vocab, skew)
    values = rng.integers(0, vocab.values, size=(sequences, pairs))
    if shift == "repeated":  # the two bindings of the repeated key differ
        for s in range(sequences):
            j = int(qi[s])
            i = int(np.flatnonzero(keys[s, :j] == keys[s, j])[0])
            if values[s, j] == values[s, i]:
                values[s, j] = (values[s, i] + 1 + rng.integers(0, vocab.values - 1)) % vocab.values
    gaps = pairs + 1
    if shift == "distractors":
        counts = rng.integers(1, 4, size=(sequences, gaps))
    else:
        counts = (rng.random((sequences, gaps)) < noise_rate).astype(np.int64)
    fill = rng.integers(0, vocab.noise, size=(sequences, gaps, 3))
    rows, targets = [], []
    for s in range(sequences):
        row: list[int] = []
        for i in range(pairs):
            row += [vocab.noise0 + int(t) for t in fill[s, i, : counts[s, i]]]
            row.append(int(keys[s, i]))
            if i == qi[s]:
                target = len(row)
            row.append(vocab.value0 + int(values[s, i]))
        row += [vocab.noise0 + int(t) for t in fill[s, pairs, : counts[s, pairs]]]
        row += [vocab.query, int(keys[s, qi[s]])]
        rows.append(row)
        targets.append(target)
    width = max(len(r) for r in rows)
    tokens = np.full((sequences, width), vocab.pad, dtype=np.int64)
    offset = np.array([width - len(r) for r in rows])
    for s, row in enumerate(rows):
        tokens[s, offset[s]:] = row
    answer = values[np.arange(sequences), qi]
    return Batch(tokens=torch.from_numpy(tokens), pad_mask=torch.from_numpy(tokens == vocab.pad),
                 answer=torch.from_numpy(answer.astype(np.int64)),
                 target_position=torch.from_numpy((np.asarray(targets) + offset).astype(np.int64)),
                 length=torch.from_numpy(np.array([len(r) for r in rows], dtype=np.int64)))


def check_batch(batch: Batch, vocab: Vocabulary) -> tuple[np.ndarray, np.ndarray]:
    """Answers and target positions recomputed from the tokens alone (the most recent binding of the
    query key), ``(sequence,)`` each; for tests of :func:`make_batch`."""
    tok = batch.tokens.numpy()
    answers, positions = [], []
    for row in tok:
        assert row[-2] == vocab.query
        q = row[-1]
        hits = [p for p in range(len(row) - 2) if row[p] == q]
        p = hits[-1]
        answers.append(row[p + 1] - vocab.value0)
        positions.append(p + 1)
    return np.asarray(answers), np.asarray(positions)
