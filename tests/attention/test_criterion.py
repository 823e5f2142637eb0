"""The pre-registered criterion on planted data: a transient peak is found, a flat profile is not."""

import json

import numpy as np
import pytest
import xarray as xr

from hopfield_hclm.reports.attention import (DELTA, evaluate_criterion, held_out_gap, reading_verdict)
from hopfield_hclm.reports.claims import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED


def test_held_out_gap_exact():
    m = np.zeros((1, 2, 4))
    m[0, 0] = [0.0, 0.9, 0.5, 0.4]   # half A peaks at layer 1
    m[0, 1] = [0.0, 0.8, 0.7, 0.6]   # half B peaks at layer 1 too
    # ((m_A(1) - m_A(3)) + (m_B(1) - m_B(3))) / 2 = (0.5 + 0.2) / 2
    np.testing.assert_allclose(held_out_gap(m), [0.35])
    m[0, 1] = [0.0, 0.1, 0.2, 0.6]   # B peaks last: A's gap uses B's choice (last) -> 0; B's uses A's layer 1
    np.testing.assert_allclose(held_out_gap(m), [0.5 * (0.0 + (0.1 - 0.6))])
    with pytest.raises(ValueError, match="overlap_half"):
        held_out_gap(np.zeros((2, 3, 4)))


def test_grid_rule():
    assert reading_verdict([SUPPORTED] * 3 + [NOT_SUPPORTED] * 2) == SUPPORTED
    assert reading_verdict([SUPPORTED] * 2 + [NOT_SUPPORTED] * 2) == NOT_SUPPORTED
    assert reading_verdict([SUPPORTED, INCONCLUSIVE, NOT_SUPPORTED]) == INCONCLUSIVE
    with pytest.raises(ValueError, match="verdicts"):
        reading_verdict([])


def _planted(profile, nonretrieval, accuracy, seed=0):
    rng = np.random.default_rng(seed)
    shifts, pairs, trials = ["none", "repeated"], [4, 16], 5
    shape = (len(shifts), len(pairs), trials)
    half = np.broadcast_to(np.asarray(profile), shape + (2, len(profile))) + 0.002 * rng.standard_normal(
        shape + (2, len(profile)))
    ds = xr.Dataset({
        "overlap_half": (("shift", "pairs", "trial", "half", "time"), half),
        "overlap": (("shift", "pairs", "trial", "time"), half.mean(3)),
        "probe_accuracy": (("shift", "pairs", "trial", "time"), np.full(shape + (len(profile),), accuracy)
                           + 0.01 * rng.standard_normal(shape + (len(profile),))),
        "model_accuracy": (("shift", "pairs", "trial"), accuracy + 0.01 * rng.standard_normal(shape)),
        "correct_nonretrieval_fraction": (("shift", "pairs", "trial"), nonretrieval + 0.01 * rng.standard_normal(shape)),
    }, coords={"shift": shifts, "pairs": pairs, "time": np.arange(len(profile))})   # layer labels, 0 = embedding
    ds.attrs["config"] = json.dumps({"base": {"values": 16}})
    return ds


def test_planted_transient_peak_is_supported_and_flat_profile_is_not():
    transient = evaluate_criterion(_planted([0.0, 0.9, 0.6, 0.5], 0.8, 0.9))
    assert transient.h1 == SUPPORTED and transient.h2 == SUPPORTED and transient.hypothesis == SUPPORTED
    counted = [p for p in transient.points if p.counted]
    assert [(p.shift, p.pairs) for p in counted] == [("none", 16), ("repeated", 4), ("repeated", 16)]
    converged = evaluate_criterion(_planted([0.0, 0.9, 0.9, 0.9], 0.1, 0.9))
    assert converged.h1 == NOT_SUPPORTED and converged.h2 == NOT_SUPPORTED
    assert converged.hypothesis == NOT_SUPPORTED
    # a real but tiny gap (below the minimum effect) does not support H1
    tiny = evaluate_criterion(_planted([0.0, 0.9, 0.9, 0.9 - DELTA / 4], 0.1, 0.9))
    assert tiny.h1 == NOT_SUPPORTED
    # a transient profile read at chance is not useful computation
    chance = evaluate_criterion(_planted([0.0, 0.9, 0.6, 0.5], 0.8, 1 / 16))
    assert chance.h1 == NOT_SUPPORTED and chance.h2 == NOT_SUPPORTED
