"""batch_invariant_bmm: a trial's product is bit-identical in a batch of one and in a larger batch.

Reference: plain ``torch.bmm`` of a batch of 8 (one single-threaded GEMM per entry). With two threads a
batch of one takes torch's multi-threaded GEMM, which rounds differently at these sizes; the helper
must not. The graded and modern simulate paths use it, so their trials are checked end to end too.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import hopfield_hclm as hh
from hopfield_hclm.core.batching import batch_invariant_bmm


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("shape", [(300, 20), (1000, 100), (20, 300)])
def test_a_batch_of_one_equals_its_row_of_a_batch_of_eight(two_threads, shape):
    k, m = shape
    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(8, 1, k, generator=gen), torch.randn(8, k, m, generator=gen)
    whole = torch.bmm(a, b)
    for size in (1, 2, 3):
        assert torch.equal(batch_invariant_bmm(a[:size], b[:size]), whole[:size])
    assert torch.get_num_threads() == 2  # the thread count is restored


@pytest.mark.parametrize("kw", [dict(units="graded", load=0.1),
                                dict(model="modern", units="real", update="sync", patterns=64, beta=2.0)])
def test_simulate_trial_zero_does_not_depend_on_the_batch(two_threads, kw):
    many = hh.memory.simulate(neurons=400, steps=4, trials=3, seed=3, **kw)
    one = hh.memory.simulate(neurons=400, steps=4, trials=1, seed=3, **kw)
    for name in one.data_vars:
        np.testing.assert_array_equal(many[name].isel(trial=[0]).values, one[name].values, err_msg=name)
