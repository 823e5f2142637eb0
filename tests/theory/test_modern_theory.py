"""Large-N theory of the modern Hopfield network (hopfield_hclm.memory.theory.modern): closed forms, the random
energy model against brute-force maximisation and Derrida's solution, the overlap rates against exact finite-N
integrals, and the ordering of Ramsauer's sufficient condition below the REM threshold."""

import math

import numpy as np
import pytest
from scipy import special

from hopfield_hclm.memory.theory import modern as th

ENSEMBLES = th.THEORY_ENSEMBLES
BETAS = [0.05, 0.3, 0.8, 1.0, 1.7, 4.0, 12.0]


def test_gaussian_closed_form():
    for b in BETAS:
        expected = b - b * b / 2 if b <= 1 else 0.5
        assert th.retrieval_load(b, "gaussian") == pytest.approx(expected, abs=1e-14)
        for c in (0.3, 0.7):
            expected = b * c - b * b / 2 if c > b else c * c / 2
            assert th.retrieval_load(b, "gaussian", c) == pytest.approx(expected, abs=1e-14)


def test_gaussian_rem_is_derridas():
    # Derrida 1981: e^{alpha N} Gaussian levels of variance 1/N: phi = alpha + beta^2/2 below beta_c = sqrt(2 alpha)
    for a in (0.1, 0.5, 2.0):
        for b in (0.2, 1.0, 3.0):
            expected = a + b * b / 2 if b < math.sqrt(2 * a) else b * math.sqrt(2 * a)
            assert float(th.rem_free_energy(b, a, "gaussian")) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("ensemble", ENSEMBLES)
def test_rem_free_energy_against_brute_maximisation(ensemble):
    q = np.linspace(-1.5, 3.0, 2_000_001) if ensemble == "gaussian" else np.linspace(-1.0, 1.0, 2_000_001)
    s = th.overlap_rate(q, ensemble)
    for a in (0.05, 0.3, 0.6):
        for b in (0.25, 1.0, 3.0):
            allowed = a + s >= 0
            brute = np.max(np.where(allowed, a + s + b * q, -np.inf))
            # the grid maximum is below the true one by at most beta * (grid step) on the condensed branch
            step = q[1] - q[0]
            assert float(th.rem_free_energy(b, a, ensemble)) == pytest.approx(brute, abs=2 * b * step + 1e-9)
            assert float(th.rem_free_energy(b, a, ensemble)) >= brute - 1e-12


@pytest.mark.parametrize("ensemble", ENSEMBLES)
def test_threshold_is_the_root_of_target_equals_others(ensemble):
    for b in BETAS:
        for c in (0.5, 0.8, 1.0):
            a1 = th.retrieval_load(b, ensemble, c)
            if ensemble == "binary" and a1 >= math.log(2) - 1e-12:
                continue  # saturated at the binary limit log 2 (q_max = 1)
            assert float(th.rem_free_energy(b, a1, ensemble)) == pytest.approx(b * c, rel=1e-9, abs=1e-12)
            assert th.first_step_regime(b, a1 * 0.99, ensemble, c) == "retrieval"
            assert th.first_step_regime(b, a1 * 1.01 + 1e-9, ensemble, c) != "retrieval"


@pytest.mark.parametrize("ensemble", ENSEMBLES)
def test_saddle_and_branches_are_continuous(ensemble):
    for b in BETAS:
        q = th.saddle_overlap(b, ensemble)
        if 1 - q < 1e-4:
            continue  # binary at large beta: tanh(beta) is within 1e-4 of the support's end
        h = 1e-6
        ds = (th.overlap_rate(q + h, ensemble) - th.overlap_rate(q - h, ensemble)) / (2 * h)
        assert ds == pytest.approx(-b, rel=1e-6)
        if q < 1:
            left = th.retrieval_load(b, ensemble, min(1.0, q * (1 + 1e-9)))
            right = th.retrieval_load(b, ensemble, q * (1 - 1e-9))
            assert left == pytest.approx(right, abs=1e-7)
    # the condensation line is where the two REM branches meet
    for b in (0.5, 2.0):
        a = float(th.condensation_load(b, ensemble))
        assert float(th.max_overlap(a, ensemble)) == pytest.approx(th.saddle_overlap(b, ensemble), rel=1e-9)


@pytest.mark.parametrize("ensemble", ENSEMBLES)
def test_ramsauer_condition_is_sufficient(ensemble):
    for b in BETAS:
        ar = th.ramsauer_load(b, ensemble)
        assert 1 - th.max_overlap(ar, ensemble) == pytest.approx(ar / b, abs=1e-10)
        assert ar <= th.retrieval_load(b, ensemble) + 1e-12


def test_spherical_rate_from_the_exact_density():
    # (1/N) log E exp(beta N q) with the exact density (1-q^2)^{(N-3)/2} / B((N-1)/2, 1/2) -> max_q [s(q) + beta q];
    # Laplace's error is (log N)/(2N) + O(1/N), so it shrinks with N at that rate
    b = 0.8
    grid = np.linspace(0, 1, 200001)[:-1]
    target = float(np.max(th.overlap_rate(grid, "spherical") + b * grid))
    errors = []
    for n in (200, 800, 3200):
        q = np.linspace(-1, 1, 400001)[1:-1]
        log_density = 0.5 * (n - 3) * np.log1p(-q * q) - special.betaln((n - 1) / 2, 0.5)
        log_integrand = log_density + b * n * q
        top = log_integrand.max()
        value = (top + math.log(np.trapezoid(np.exp(log_integrand - top), q))) / n
        errors.append(abs(value - target))
        assert errors[-1] < 2 * math.log(n) / n
    assert errors[0] > errors[1] > errors[2]


def test_binary_rate_from_the_exact_binomial():
    b, n = 0.6, 4000
    k = np.arange(n + 1)
    q = 1 - 2 * k / n
    log_terms = special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1) - n * math.log(2) + b * n * q
    value = special.logsumexp(log_terms) / n
    # exact: E exp(beta N q) = cosh(beta)^N  ->  log cosh beta = max_q [s(q) + beta q]
    assert value == pytest.approx(math.log(math.cosh(b)), abs=1e-12)
    qb = th.saddle_overlap(b, "binary")
    assert float(th.overlap_rate(qb, "binary")) + b * qb == pytest.approx(math.log(math.cosh(b)), abs=1e-12)


def test_limits_and_bad_input():
    # small beta: alpha_1 = beta - beta^2/2 + O(beta^3) for every ensemble (all rates are -q^2/2 near 0)
    for ensemble in ENSEMBLES:
        b = 1e-3
        assert th.retrieval_load(b, ensemble) == pytest.approx(b - b * b / 2, rel=1e-5)
    # spherical, large beta: alpha_1 = (1 + log beta)/2 + o(1); binary saturates at log 2
    assert th.retrieval_load(1e4, "spherical") == pytest.approx(0.5 * (1 + math.log(1e4)), abs=1e-3)
    assert th.retrieval_load(50.0, "binary") == pytest.approx(math.log(2), abs=1e-12)
    with pytest.raises(ValueError, match="ensemble"):
        th.retrieval_load(1.0, "correlated")
    with pytest.raises(ValueError, match="beta"):
        th.retrieval_load(0.0, "spherical")
    with pytest.raises(ValueError, match="cue_overlap"):
        th.retrieval_load(1.0, "spherical", 1.2)
    with pytest.raises(ValueError, match="alpha"):
        th.max_overlap(-0.1, "gaussian")


@pytest.mark.parametrize("ensemble", ["spherical", "gaussian"])
def test_argmax_probability_against_monte_carlo(ensemble):
    # direct sampling of the beta -> infinity first step with the simulator's own draws (patterns, then cue)
    from hopfield_hclm.memory.modern_patterns import real_cue, real_patterns

    n, p, c, trials = 8, 40, 0.7, 4000
    rng = np.random.default_rng(11)
    wins = 0
    for _ in range(trials):
        xi = real_patterns(rng, p, n, ensemble)
        x = real_cue(rng, xi[0], c)
        wins += int(np.argmax(xi @ x) == 0)
    prob = th.argmax_retrieval_probability(p, n, ensemble, c)
    se = math.sqrt(prob * (1 - prob) / trials)
    assert abs(wins / trials - prob) < 4 * se          # 4 standard errors: fails by chance with prob 6e-5
    assert 0.05 < prob < 0.95                          # not a vacuous comparison


def test_argmax_edge_limits():
    assert th.argmax_edge(16, "spherical", 1.0) == math.inf              # cue on the target: it always wins
    assert th.argmax_retrieval_probability(1, 16, "gaussian", 0.3) == pytest.approx(1.0)
    # the finite-N beta -> infinity edge moves towards the N -> infinity threshold -s(c) as N grows
    edges = [th.argmax_edge(n, "spherical", 0.7) for n in (8, 16, 32, 64)]
    assert all(a > b for a, b in zip(edges, edges[1:]))
    assert edges[-1] > th.retrieval_load(50.0, "spherical", 0.7)
    assert th.argmax_retrieval_probability(np.exp(edges[1] * 16), 16, "spherical", 0.7) == pytest.approx(0.5, abs=1e-9)
