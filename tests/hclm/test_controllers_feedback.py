"""Controllers keep λ in bounds and follow their update rules exactly; the rater's utility, delay and noise."""

import math

import numpy as np
import pytest
import torch

from hopfield_hclm.hclm import (
    EpochObservation,
    FixedController,
    RLThermostat,
    SimulatedRater,
    StepObservation,
    TargetEntropyController,
    Thermostat,
    decision_utility,
)

NASTY = [1e30, -1e30, float("nan"), float("inf"), -float("inf"), 0.0, 0.37, -0.2, 5.0]


def _obs(lam_star=0.0, entropy=0.0):
    return StepObservation(lambda_star=lam_star, entropy=entropy, injection=0.0, dissipation=0.0)


@pytest.mark.parametrize("make", [
    lambda: FixedController(0.3, coef_min=0.1, coef_max=0.5),
    lambda: Thermostat(0.3, coef_min=0.1, coef_max=0.5, smoothing=0.7),
    lambda: TargetEntropyController(0.3, coef_min=0.1, coef_max=0.5, target_entropy=0.0, dual_lr=10.0),
    lambda: RLThermostat(0.3, coef_min=0.1, coef_max=0.5, rng=np.random.default_rng(0), policy_std=5.0, lr=50.0),
])
def test_controllers_respect_bounds_whatever_they_are_fed(make):
    c = make()
    rng = np.random.default_rng(1)
    for epoch in range(30):
        assert 0.1 <= c.start_epoch(epoch) <= 0.5
        for _ in range(5):
            v = c.after_step(_obs(rng.choice(NASTY), rng.choice(NASTY)))
            assert 0.1 <= v <= 0.5 and 0.1 <= c.coef <= 0.5
        c.end_epoch(EpochObservation(epoch=epoch, entropy=0.0, reward=float(rng.choice(NASTY[:2] + NASTY[5:])),
                                     rated_epoch=epoch))
        assert 0.1 <= c.coef <= 0.5


def test_fixed_is_constant_and_clipped_once():
    c = FixedController(0.7, coef_max=0.5)
    assert c.coef == 0.5
    assert c.after_step(_obs(0.01)) == 0.5


def test_thermostat_relaxes_geometrically_to_a_constant_critical_coefficient():
    c = Thermostat(0.4, coef_min=0.0, coef_max=1.0, smoothing=0.25)
    for n in range(1, 11):
        v = c.after_step(_obs(0.1))
        assert v == pytest.approx(0.1 + 0.3 * 0.75**n, rel=1e-12)
    # λ* above the bound is clipped before smoothing, so λ approaches the bound, not λ*
    c = Thermostat(0.5, coef_max=0.6, smoothing=1.0)
    assert c.after_step(_obs(3.0)) == 0.6
    assert c.after_step(_obs(float("nan"))) == 0.6


def test_target_entropy_dual_update_and_default_target():
    c = TargetEntropyController(0.2, target_entropy=1.0, dual_lr=0.1)
    assert c.after_step(_obs(entropy=1.5)) == pytest.approx(0.25)
    assert c.after_step(_obs(entropy=0.0)) == pytest.approx(0.15)
    c = TargetEntropyController(0.2, dual_lr=0.1)  # target = first entropy seen
    assert c.after_step(_obs(entropy=-3.0)) == pytest.approx(0.2)
    assert c.after_step(_obs(entropy=-2.0)) == pytest.approx(0.3)


def test_rl_thermostat_climbs_to_the_better_coefficient_of_a_bandit():
    # reward peaks at log λ = log 0.05; start at λ = 0.5; exact, noise-free reward
    target = math.log(0.05)
    c = RLThermostat(0.5, coef_min=0.0, coef_max=1.0, rng=np.random.default_rng(4), policy_std=0.5, lr=0.3)
    for epoch in range(300):
        lam = c.start_epoch(epoch)
        c.end_epoch(EpochObservation(epoch=epoch, entropy=0.0, reward=-(math.log(lam) - target) ** 2, rated_epoch=epoch))
    assert abs(c.mean - target) < 0.5  # within one policy width of the optimum (started 2.3 widths away)


def test_rl_thermostat_uses_the_action_of_the_rated_epoch_under_delay():
    c = RLThermostat(0.1, rng=np.random.default_rng(0), policy_std=0.5, lr=0.2, max_step=10.0)
    c.start_epoch(0)
    a1 = math.log(c.start_epoch(1))
    c.start_epoch(2)
    c.end_epoch(EpochObservation(epoch=1, entropy=0.0, reward=math.nan, rated_epoch=-1))
    assert set(c.actions) == {0, 1, 2}
    c.end_epoch(EpochObservation(epoch=2, entropy=0.0, reward=1.0, rated_epoch=0))  # first reward: baseline only
    assert set(c.actions) == {1, 2} and c.baseline == 1.0
    mu = c.mean
    c.end_epoch(EpochObservation(epoch=3, entropy=0.0, reward=3.0, rated_epoch=1))
    # advantage 2 normalised by its own RMS -> 1; step = lr · 1 · (a_1 - μ)/s, with the action of epoch 1
    assert c.mean == pytest.approx(mu + 0.2 * (a1 - mu) / 0.5, rel=1e-12)
    assert c.baseline == pytest.approx(1.0 + 0.2 * 2.0)


def test_bounds_are_validated():
    with pytest.raises(ValueError, match="coef_min"):
        Thermostat(0.1, coef_min=0.5, coef_max=0.2)
    with pytest.raises(ValueError, match="coef_min"):
        FixedController(0.1, coef_min=-0.1)
    with pytest.raises(ValueError, match="coef"):
        FixedController(-0.1)
    with pytest.raises(ValueError, match="smoothing"):
        Thermostat(0.1, smoothing=0.0)


def test_decision_utility_by_hand():
    prob = torch.tensor([0.9, 0.3, 0.1, 0.15])
    label = torch.tensor([1.0, 0.0, 1.0, 0.0])
    # threshold c_fp/(c_fp+c_fn) = 0.2: decisions 1, 1, 0, 0 -> costs 0, c_fp=1, c_fn=4, 0
    assert decision_utility(prob, label, cost_fp=1.0, cost_fn=4.0) == pytest.approx(-5.0 / 4)


def test_rater_delay_and_noise():
    prob, label = torch.tensor([0.9, 0.1]), torch.tensor([1.0, 0.0])
    rater = SimulatedRater(delay=2)
    got = [rater.rate(e, prob, label) for e in range(4)]
    assert [g[2] for g in got] == [-1, -1, 0, 1]
    assert math.isnan(got[0][1]) and got[2][1] == got[0][0] == 0.0
    noisy = SimulatedRater(noise=0.5, rng=np.random.default_rng(7))
    rewards = np.array([noisy.rate(e, prob, label)[1] for e in range(2000)])
    # mean of 2000 N(0, 0.25) draws: 4 standard errors = 4·0.5/sqrt(2000) ≈ 0.045
    assert abs(rewards.mean()) < 4 * 0.5 / math.sqrt(2000)
    assert rewards.std() == pytest.approx(0.5, rel=4 / math.sqrt(2 * 2000))
    with pytest.raises(ValueError, match="reward_delay"):
        SimulatedRater(delay=-1)
    with pytest.raises(ValueError, match="cost_fn"):
        SimulatedRater(cost_fn=0.0)
