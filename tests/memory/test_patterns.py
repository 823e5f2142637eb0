"""Patterns, Hadamard rows and binary cues (hopfield_hclm.memory.patterns)."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from hopfield_hclm.memory.patterns import binary_cue, check_patterns, cue_flips, hadamard, random_patterns


def test_random_patterns_are_pm1_and_unbiased():
    rng = np.random.default_rng(1)
    xi = random_patterns(rng, 50, 400)
    assert xi.shape == (50, 400) and xi.dtype == np.int8
    assert set(np.unique(xi)) == {-1, 1}
    # mean of 20000 fair ±1 bits: standard error 1/sqrt(20000) = 0.0071; allow 4 standard errors
    assert abs(xi.mean()) < 4 / np.sqrt(xi.size)


def test_random_patterns_reproducible_from_generator():
    a = random_patterns(np.random.default_rng(7), 3, 10)
    b = random_patterns(np.random.default_rng(7), 3, 10)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("order", [1, 2, 4, 8, 32, 128])
def test_hadamard_rows_are_orthogonal(order):
    h = hadamard(order).astype(np.int64)
    np.testing.assert_array_equal(h @ h.T, order * np.eye(order, dtype=np.int64))
    assert set(np.unique(h)) <= {-1, 1}


@pytest.mark.parametrize("order", [0, 3, 6, 12])
def test_hadamard_refuses_non_power_of_two(order):
    with pytest.raises(ValueError, match="order"):
        hadamard(order)


def test_check_patterns_accepts_lists_tensors_and_arrays():
    rows = [[1, -1, 1], [-1, -1, 1]]
    for value in (rows, np.array(rows, dtype=float), torch.tensor(rows)):
        out = check_patterns(value, neurons=3)
        assert out.dtype == np.int8
        np.testing.assert_array_equal(out, np.array(rows))


@pytest.mark.parametrize(
    "value, match",
    [
        (np.ones(5), "2-D"),
        (np.ones((0, 5)), "2-D"),
        (np.ones((2, 3, 4)), "2-D"),
        (np.array([[1, 0, -1]]), "-1 and \\+1"),
        (np.array([[1, 2, -1]]), "-1 and \\+1"),
        (np.array([["a", "b"]]), "numbers"),
        (np.ones((2, 4)), "width neurons=3"),
    ],
)
def test_check_patterns_rejects_bad_input(value, match):
    with pytest.raises(ValueError, match="patterns"):
        check_patterns(value, neurons=3)
    with pytest.raises(ValueError, match=match):
        check_patterns(value, neurons=3)


@settings(max_examples=60, deadline=None)
@given(neurons=st.integers(1, 300), m0=st.floats(-1.0, 1.0), seed=st.integers(0, 2**32 - 1))
def test_cue_flips_exactly_the_documented_number_of_bits(neurons, m0, seed):
    rng = np.random.default_rng(seed)
    target = random_patterns(rng, 1, neurons)[0]
    cue = binary_cue(rng, target, m0)
    flips = int(round(neurons * (1 - m0) / 2))
    assert cue_flips(neurons, m0) == flips
    assert int((cue != target).sum()) == flips
    # the overlap is exactly 1 - 2 flips / N and within 1/N of the requested m0
    unnormalised = int((cue.astype(np.int64) * target).sum())
    assert unnormalised == neurons - 2 * flips
    assert abs(unnormalised / neurons - m0) <= 1 / neurons + 1e-12


@pytest.mark.parametrize("m0", [-1.5, 1.01, float("nan")])
def test_cue_overlap_outside_range_is_refused(m0):
    with pytest.raises(ValueError, match="cue_overlap"):
        cue_flips(10, m0)
