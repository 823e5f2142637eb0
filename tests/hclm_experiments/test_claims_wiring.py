"""CLAIMS.md wiring: planted effects in synthetic sweep Datasets give the verdicts they must."""

import re

import numpy as np
import pytest
import xarray as xr

from hopfield_hclm.reports.hclm import PRIMARY_COEF, claims_markdown, evaluate_claims

SURR = ["softmax", "variance", "logdet"]
REG = ["fixed", "thermostat", "rl"]
COEF = [0.0, 0.01, 0.1, 1.0]
TRIALS, EPOCHS, STEPS = 5, 40, 160


def _planted(sign: float) -> tuple[xr.Dataset, xr.Dataset]:
    """sign = +1: every claim true by a wide margin; sign = -1: every effect reversed."""
    rng = np.random.default_rng(0)
    shape = (3, 3, 4, TRIALS, EPOCHS)
    noise = lambda: 1 + 0.01 * rng.standard_normal(shape)  # noqa: E731
    level = {"softmax": 0.1, "variance": 1.0, "logdet": 10.0}
    force = np.ones(shape)
    test = np.full(shape, 0.6)
    gap = np.full(shape, 0.3)
    reward = np.full(shape, -0.5)
    for i, s in enumerate(SURR):
        for j, g in enumerate(REG):
            for k, c in enumerate(COEF):
                f = level[s] ** sign
                if s == "logdet":   # three levels: lambda = 0 high, thermostat middle, fixed lambda > 0 low
                    f = {("fixed", 0.0): 1000.0, ("thermostat", PRIMARY_COEF): 100.0}.get((g, c), 10.0)
                    f = f ** sign
                force[i, j, k] = f
                if c > 0:
                    test[i, j, k] = 0.6 - 0.1 * sign
                    gap[i, j, k] = 0.3 - sign * {"softmax": 0.05, "variance": 0.1, "logdet": 0.2}[s]
                if g == "rl":
                    reward[i, j, k] = -0.5 + 0.1 * sign
    dims = ("surrogate", "regime", "coef", "trial", "epoch")
    coords = {"surrogate": SURR, "regime": REG, "coef": COEF, "trial": np.arange(TRIALS), "epoch": np.arange(1, EPOCHS + 1)}
    regimes = xr.Dataset({"info_force": (dims, force * noise()), "test_loss": (dims, test * noise()),
                          "gen_gap": (dims, gap * noise()), "reward": (dims, reward * noise())}, coords=coords)
    # per-step force: epoch 1 high, collapsing by epoch 5 for lambda > 0 (sign +1); CV ordered softmax > variance > logdet
    sshape = (3, 3, 4, TRIALS, STEPS)
    steps = np.arange(1, STEPS + 1)
    cv = {"softmax": 0.5, "variance": 0.2, "logdet": 0.05}
    sforce = np.empty(sshape)
    for i, s in enumerate(SURR):
        for k, c in enumerate(COEF):
            decay = np.exp(-steps / 10.0) if (c > 0) == (sign > 0) else np.ones(STEPS)
            amp = cv[s] if sign > 0 else 0.55 - cv[s]
            wiggle = amp * np.where(steps % 2 == 0, 1.0, -1.0)
            sforce[i, :, k] = (1.0 * decay + 0.01) * (1 + wiggle)
    sforce = sforce * (1 + 0.01 * rng.standard_normal(sshape))
    dyn = xr.Dataset({"step_info_force": (("surrogate", "regime", "coef", "trial", "step"), sforce)},
                     coords={"surrogate": SURR, "regime": REG, "coef": COEF,
                             "trial": np.arange(TRIALS), "step": steps})
    return regimes, dyn


def test_planted_true_effects_are_all_supported():
    regimes, dyn = _planted(+1.0)
    rows = evaluate_claims(regimes, dyn, None)
    assert len(rows) == 8
    assert [r.verdict for r in rows] == ["supported"] * 8, [(r.claim, r.numbers) for r in rows if r.verdict != "supported"]
    text = claims_markdown(rows, sources=["data/x.nc"])
    assert len(re.findall(r"^\| C\d ", text, flags=re.M)) == 8 and "8 supported" in text


def test_reversed_effects_are_not_supported():
    regimes, dyn = _planted(-1.0)
    rows = evaluate_claims(regimes, dyn, None)
    assert [r.verdict for r in rows] == ["not supported"] * 8, [(r.claim, r.verdict) for r in rows]


def test_pure_noise_is_not_supported_by_accident():
    # no effect at all: a condition may turn out either way by chance, but the claims need 2-12 conditions
    # in fixed directions, so "supported" for a claim needs every 2.5 %-level condition to fire
    regimes, dyn = _planted(+1.0)
    rng = np.random.default_rng(5)
    for name in regimes.data_vars:
        regimes[name] = xr.full_like(regimes[name], 1.0) * np.exp(0.1 * rng.standard_normal(regimes[name].shape))
    dyn["step_info_force"] = xr.full_like(dyn.step_info_force, 1.0) * np.exp(0.1 * rng.standard_normal(dyn.step_info_force.shape))
    rows = evaluate_claims(regimes, dyn, None)
    assert all(r.verdict != "supported" for r in rows)


def test_claims_without_dynamics_skip_the_step_claims():
    regimes, _ = _planted(+1.0)
    rows = evaluate_claims(regimes, None, None)
    assert len(rows) == 6
    assert not any("stable" in r.claim or "collapses" in r.claim for r in rows)


@pytest.mark.parametrize("bad", ["nonsense"])
def test_unknown_surrogate_in_data_fails_loudly(bad):
    regimes, dyn = _planted(+1.0)
    regimes = regimes.assign_coords(surrogate=["softmax", "variance", bad])
    with pytest.raises(KeyError):
        evaluate_claims(regimes, dyn, None)
