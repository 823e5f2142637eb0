"""Synchronous binary Hopfield dynamics: erf first step, exact second step vs Amari-Maginu vs simulation."""

import math

import numpy as np
import pytest

from hopfield_hclm.memory import theory
from theory_reference import binary_sync

# alpha = 0.3, m0 = 0.5: the exact m2 = 0.6121 and Amari-Maginu's 0.5360 differ by 0.076, about 19 s.e.
# of a 20-trial mean at N = 4000 (trial std ~ 0.018), so the test can tell them apart.
ALPHA, M0, N, TRIALS = 0.3, 0.5, 4000, 20
K = 4  # tolerance in standard errors


@pytest.fixture(scope="module")
def reference_runs():
    return binary_sync(neurons=N, alpha=ALPHA, m0=M0, steps=2, trials=TRIALS, seed=1)


def _mean_se(runs):
    return runs.mean(axis=0), runs.std(axis=0, ddof=1) / math.sqrt(runs.shape[0])


def test_first_step_is_erf(reference_runs):
    mean, se = _mean_se(reference_runs)
    m1 = math.erf(M0 / math.sqrt(2 * ALPHA))
    assert theory.sync_overlaps(ALPHA, M0, 1)[1] == pytest.approx(m1, abs=1e-15)
    assert abs(mean[1] - m1) < K * se[1]


def test_exact_second_step_beats_amari_maginu(reference_runs):
    mean, se = _mean_se(reference_runs)
    exact = theory.sync_overlaps(ALPHA, M0, 2, method="exact")
    am = theory.sync_overlaps(ALPHA, M0, 2, method="amari-maginu")
    assert exact[1] == am[1]
    assert abs(exact[2] - mean[2]) < K * se[2]
    assert abs(am[2] - mean[2]) > 3 * K * se[2]


def test_with_engine_simulate():
    import hopfield_hclm as hh

    simulate = hh.memory.simulate
    ds = simulate(model="hopfield", units="binary", update="sync", neurons=N, load=ALPHA, steps=2,
                  cue_overlap=M0, trials=TRIALS, seed=0)
    runs = ds["overlap"].values
    mean, se = _mean_se(runs)
    exact = theory.sync_overlaps(ALPHA, M0, 2)
    am = theory.sync_overlaps(ALPHA, M0, 2, method="amari-maginu")
    assert np.all(np.abs(exact[1:] - mean[1:]) < K * se[1:])
    assert abs(am[2] - mean[2]) > 3 * K * se[2]


def test_amari_maginu_recursion_by_hand():
    alpha, m0 = 0.1, 0.4
    m, var, expected = m0, alpha, [m0]
    for _ in range(4):
        m_next = math.erf(m / math.sqrt(2 * var))
        d = math.sqrt(2 / (math.pi * var)) * math.exp(-m * m / (2 * var))
        var = alpha + 2 * alpha * m_next * m * d + d * d * var
        m = m_next
        expected.append(m)
    np.testing.assert_allclose(theory.sync_overlaps(alpha, m0, 4, method="amari-maginu"), expected, rtol=1e-14)


def test_p_equals_one_limit():
    # alpha -> 0 (a single pattern): one step retrieves any cue with m0 > 0.
    assert theory.sync_overlaps(1e-6, 0.05, 2)[1:] == pytest.approx([1.0, 1.0], abs=1e-12)


@pytest.mark.parametrize("kwargs, name", [
    (dict(alpha=0.0, m0=0.5), "alpha"),
    (dict(alpha=-1.0, m0=0.5), "alpha"),
    (dict(alpha=0.1, m0=1.5), "m0"),
    (dict(alpha=0.1, m0=-1.01), "m0"),
    (dict(alpha=0.1, m0=0.5, steps=-1), "steps"),
    (dict(alpha=0.1, m0=0.5, steps=3), "steps"),
    (dict(alpha=0.1, m0=0.5, method="gdm"), "method"),
])
def test_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        theory.sync_overlaps(**kwargs)
