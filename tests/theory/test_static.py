"""Static theory: AGS replica-symmetric T = 0 retrieval, graded n = 1 branch, Krotov-Hopfield capacity."""

import math

import numpy as np
import pytest

from hopfield_hclm.memory import theory


def _ags_reference(alpha: float) -> float:
    """Float64 damped iteration of the *unreduced* AGS T = 0 equations m = erf(m / sqrt(2 alpha r)),
    C = sqrt(2 / (pi alpha r)) exp(-m^2 / (2 alpha r)), r = 1 / (1 - C)^2, started at m = 1."""
    m, c = 1.0, 0.0
    for _ in range(20000):
        r = 1.0 / (1.0 - c) ** 2
        y = m / math.sqrt(2 * alpha * r)
        m, c = 0.5 * m + 0.5 * math.erf(y), 0.5 * c + 0.5 * math.sqrt(2 / (math.pi * alpha * r)) * math.exp(-y * y)
    return m


def test_ags_capacity_published_digits():
    alpha_c, m_c = theory.ags_capacity()
    # Amit, Gutfreund & Sompolinsky (1987): alpha_c = 0.138 (0.1379 to four digits), m = 0.967.
    assert round(alpha_c, 4) == 0.1379
    assert round(m_c, 3) == 0.967


@pytest.mark.parametrize("alpha", [0.02, 0.08, 0.12])
def test_ags_overlap_matches_unreduced_equations(alpha):
    assert theory.ags_overlap(alpha) == pytest.approx(_ags_reference(alpha), abs=1e-8)


def test_ags_overlap_limits_and_nan_above_capacity():
    alpha_c, m_c = theory.ags_capacity()
    values = [theory.ags_overlap(a) for a in (1e-3, 0.03, 0.06, 0.1, 0.13)]
    assert all(np.diff(values) < 0)
    assert values[0] == pytest.approx(1.0, abs=1e-12)
    assert theory.ags_overlap(alpha_c * (1 - 1e-9)) == pytest.approx(m_c, abs=1e-3)
    assert math.isnan(theory.ags_overlap(alpha_c * 1.001))
    assert math.isnan(theory.ags_overlap(0.5))


def test_krotov_hopfield_capacity_formula():
    # N^(k-1) / (2 (2k-3)!! ln N): k = 2 -> N / (2 ln N); k = 3 -> N^2 / (6 ln N); k = 5 -> N^4 / (210 ln N).
    assert theory.krotov_hopfield_capacity(100, power=2) == pytest.approx(100 / (2 * math.log(100)))
    assert theory.krotov_hopfield_capacity(100, power=3) == pytest.approx(100**2 / (6 * math.log(100)))
    assert theory.krotov_hopfield_capacity(50, power=5) == pytest.approx(50**4 / (2 * 105 * math.log(50)))


def test_graded_fixed_point_solves_its_equations():
    alpha, g = 0.1, 1.5
    fp = theory.graded_fixed_point(alpha, g)
    assert fp.converged and 0.5 < fp.overlap < 1.0
    # Independent float64 Monte Carlo check of the self-consistency at the returned (m, q, U).
    b = g / math.sqrt(alpha)
    resolvent = 1.0 / (1.0 - b * fp.susceptibility)
    gamma = g * math.sqrt(alpha) * resolvent
    z = np.random.default_rng(0).standard_normal(400_000)
    h = b * fp.overlap + g * math.sqrt(fp.activity) * resolvent * z
    x = h.copy()
    for _ in range(100):
        x = h + gamma * np.tanh(x)  # contraction since gamma < 1
    phi = np.tanh(x)
    # 4 standard errors of the Monte Carlo means (std(phi)/sqrt(n)).
    tol = 4 * phi.std() / math.sqrt(z.size)
    assert abs(phi.mean() - fp.overlap) < tol
    assert abs((phi**2).mean() - fp.activity) < 4 * (phi**2).std() / math.sqrt(z.size)


def test_graded_capacity_brackets_retrieval():
    alpha_c = theory.graded_capacity(1.5)
    assert 0.05 < alpha_c < 1.0
    assert theory.graded_fixed_point(0.9 * alpha_c, 1.5).overlap > 0.5
    below = theory.graded_fixed_point(1.1 * alpha_c, 1.5)
    assert not (below.converged and below.overlap > 0.5)


@pytest.mark.parametrize("call, name", [
    (lambda: theory.ags_overlap(0.0), "alpha"),
    (lambda: theory.ags_overlap(-0.1), "alpha"),
    (lambda: theory.krotov_hopfield_capacity(1, power=2), "neurons"),
    (lambda: theory.krotov_hopfield_capacity(100, power=1), "power"),
    (lambda: theory.graded_fixed_point(0.1, -1.0), "gain"),
    (lambda: theory.graded_capacity(0.0), "gain"),
])
def test_bad_input_names_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
