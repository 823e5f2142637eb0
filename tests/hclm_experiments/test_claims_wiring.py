"""CLAIMS.md wiring: planted effects in synthetic sweep Datasets give the verdicts they must.

Every claim comparator gets three planted datasets: the effect in the claimed direction at every seed
(supported), reversed (not supported), and with a sign that alternates over the seeds so that its
mean is 0 (inconclusive). The neutral dataset has no difference between any two cells (every paired
difference is exactly 0, so every t-based row is inconclusive), and each planter changes only the
cells its comparator reads. The §8.2 comparator gets its own test: a thermostat that beats λ = 0 but
loses to fixed control at the same λ0 must not be supported.
"""

import re

import numpy as np
import pytest
import xarray as xr

from hopfield_hclm.reports.claims import claims_markdown, evaluate_claims, grid_verdict

SURR = ["softmax", "variance", "logdet"]
REG = ["fixed", "thermostat", "target", "rl"]
COEF = [0.0, 0.001, 0.01, 0.1, 1.0]
DCOEF = [0.0, 0.1, 1.0]
TRIALS, EPOCHS, STEPS_PER_EPOCH, DEPOCHS = 5, 40, 8, 20
SEED = np.random.default_rng(0).standard_normal(TRIALS)          # a shared per-seed effect (common random numbers)
SIGNS = {"supported": np.ones(TRIALS), "not supported": -np.ones(TRIALS),
         "inconclusive": np.array([1.0, -1.0, 1.0, -1.0, 0.0])}
SPREAD = 1 + 0.2 * np.linspace(-1, 1, TRIALS)                     # the planted effect varies a little over seeds


def neutral():
    """Regimes and dynamics Datasets in which every cell equals every other (per seed)."""
    dims = ("surrogate", "regime", "coef", "trial", "epoch")
    shape = (len(SURR), len(REG), len(COEF), TRIALS, EPOCHS)
    seed = SEED[None, None, None, :, None]
    ones = np.ones(shape)
    reg = xr.Dataset(
        {"info_force": (dims, 5.0 * np.exp(0.1 * seed) * ones), "test_loss": (dims, (0.6 + 0.05 * seed) * ones),
         "gen_gap": (dims, (0.3 + 0.05 * seed) * ones), "entropy": (dims, (1.0 + 0.1 * seed) * ones),
         "reward": (dims, (-0.5 + 0.02 * seed) * ones), "lambda_t": (dims, 0.5 * ones),
         "lambda_star": (dims, 0.003 * ones), "injection": (dims, 0.1 * ones),
         "completed_epochs": (dims[:-1], np.full(shape[:-1], EPOCHS))},
        coords={"surrogate": SURR, "regime": REG, "coef": COEF, "trial": np.arange(TRIALS),
                "epoch": np.arange(1, EPOCHS + 1)})
    steps = np.arange(1, DEPOCHS * STEPS_PER_EPOCH + 1)
    wiggle = 0.2 * np.where(steps % 2 == 0, 1.0, -1.0)
    dshape = (len(SURR), len(REG), len(DCOEF), TRIALS, steps.size)
    dyn = xr.Dataset(
        {"step_info_force": (("surrogate", "regime", "coef", "trial", "step"),
                             5.0 * np.exp(0.1 * SEED[None, None, None, :, None]) * (1 + wiggle) * np.ones(dshape)),
         "step_coef": (("surrogate", "regime", "coef", "trial", "step"), 0.5 * np.ones(dshape)),
         "test_loss": (("surrogate", "regime", "coef", "trial", "epoch"),
                       np.full((len(SURR), len(REG), len(DCOEF), TRIALS, DEPOCHS), 0.6))},
        coords={"surrogate": SURR, "regime": REG, "coef": DCOEF, "trial": np.arange(TRIALS), "step": steps,
                "epoch": np.arange(1, DEPOCHS + 1)})
    return reg, dyn


def _eff(sign):
    return xr.DataArray(SIGNS[sign] * SPREAD, dims="trial")


def _osc(n, amp):
    """An epoch series oscillating with amplitude ``amp`` (dims (trial, epoch))."""
    alt = xr.DataArray(np.where(np.arange(n) % 2 == 0, 1.0, -1.0), dims="epoch")
    return amp * alt


def _row(rows, key):
    (row,) = [r for r in rows if r.key == key]
    return row


# ---- planters: each changes only what its comparator reads; eff (trial,) is +1, -1 or alternating


def plant_A1(reg, dyn, e):
    for s in ("variance", "logdet"):
        reg["info_force"].loc[dict(surrogate=s, regime="fixed")] *= np.exp(2.0 * e)


def _wiggle(dyn, surrogates, amp):
    f = dyn.step_info_force
    alt = xr.DataArray(np.where(dyn.step.values % 2 == 0, 1.0, -1.0), dims="step", coords={"step": dyn.step})
    for s in surrogates:
        base = f.sel(surrogate=s, regime="fixed") / (1 + 0.2 * alt)
        dyn["step_info_force"].loc[dict(surrogate=s, regime="fixed")] = base * (1 + amp * alt)


def plant_A2(reg, dyn, e):   # geometric surrogates less noisy than softmax (e > 0)
    _wiggle(dyn, ["variance", "logdet"], 0.2 - 0.1 * e)


def plant_A3(reg, dyn, e):
    reg["info_force"].loc[dict(surrogate="logdet", regime="fixed")] *= np.exp(1.0 * e)


def plant_A4(reg, dyn, e):
    _wiggle(dyn, ["logdet"], 0.2 - 0.1 * e)


def plant_B1(reg, dyn, e):
    for c in (0.1, 1.0):
        for v in ("test_loss", "gen_gap"):
            reg[v].loc[dict(surrogate="softmax", regime="fixed", coef=c)] += 0.2 * e


def plant_B2(reg, dyn, e):
    reg["test_loss"].loc[dict(surrogate="softmax", regime="fixed", coef=0.0)] += _osc(EPOCHS, 0.05 + 0 * e)
    for c in (0.1, 1.0):
        reg["test_loss"].loc[dict(surrogate="softmax", regime="fixed", coef=c)] += _osc(EPOCHS, 0.05 + 0.04 * e)


def plant_C1(reg, dyn, e, ctrl="thermostat"):
    for g in (ctrl, "rl"):
        sel = dict(surrogate="variance", regime=g, coef=COEF[1:])
        reg["test_loss"].loc[sel] -= 0.1 * e
        reg["test_loss"].loc[sel] += _osc(EPOCHS, 0.05 - 0.04 * e)
    reg["test_loss"].loc[dict(surrogate="variance", regime="fixed", coef=COEF[1:])] += _osc(EPOCHS, 0.05)


def plant_D1(reg, dyn, e):
    for c in (COEF[1], COEF[-1]):
        reg["test_loss"].loc[dict(surrogate="logdet", regime="fixed", coef=c)] += 0.2 * e


def plant_D2(reg, dyn, e, ctrl="thermostat"):
    ramp = xr.DataArray([0.0, 0.1, 0.2, 0.3], dims="coef", coords={"coef": COEF[1:]})
    reg["test_loss"].loc[dict(surrogate="logdet", regime="fixed", coef=COEF[1:])] += ramp
    for g in (ctrl, "rl"):
        reg["test_loss"].loc[dict(surrogate="logdet", regime=g, coef=COEF[1:])] += ramp * (1 - 0.5 * e)


def _early(dyn, surrogates, e):
    """Force in epoch 5 = exp(-0.5 e) x force in epoch 1 at fixed λ > 0; λ = 0 flat."""
    t = xr.DataArray(np.clip((dyn.step.values - 1) / (4 * STEPS_PER_EPOCH), 0, 1), dims="step",
                     coords={"step": dyn.step})
    for s in surrogates:
        for c in (0.1, 1.0):
            dyn["step_info_force"].loc[dict(surrogate=s, regime="fixed", coef=c)] *= np.exp(-0.5 * e * t)


def plant_E1(reg, dyn, e):
    _early(dyn, ["logdet"], e)


def plant_E2(reg, dyn, e):
    _early(dyn, SURR, e)


def plant_E3(reg, dyn, e, ctrl="thermostat"):
    f = reg["info_force"]
    f.loc[dict(surrogate="logdet", regime="fixed", coef=0.0)] *= np.exp(2.0 * e)
    f.loc[dict(surrogate="logdet", regime="fixed", coef=COEF[1:])] *= np.exp(-2.0 * e)


def plant_E5(reg, dyn, e):
    ep = reg.epoch.values
    bump = xr.DataArray(np.where((ep >= 2) & (ep <= 10), 1.0, 0.0), dims="epoch", coords={"epoch": reg.epoch})
    reg["entropy"].loc[dict(surrogate="logdet", regime="fixed")] += 0.5 * e * bump


def plant_F1(reg, dyn, e):
    reg["gen_gap"].loc[dict(surrogate="logdet", regime="fixed", coef=COEF[1:])] -= 0.1 * e


def plant_F2(reg, dyn, e):
    reg["reward"].loc[dict(regime="rl", coef=COEF[1:])] += 0.1 * e


PLANTERS = {"A1": plant_A1, "A2": plant_A2, "A3": plant_A3, "A4": plant_A4, "B1": plant_B1, "B2": plant_B2,
            "C1": plant_C1, "C2": lambda r, d, e: plant_C1(r, d, e, ctrl="target"), "D1": plant_D1,
            "D2": plant_D2, "D3": lambda r, d, e: plant_D2(r, d, e, ctrl="target"), "E1": plant_E1,
            "E2": plant_E2, "E3": plant_E3, "E4": plant_E3, "E5": plant_E5, "F1": plant_F1, "F2": plant_F2}


def test_neutral_data_leave_every_statistical_row_inconclusive():
    reg, dyn = neutral()
    rows = evaluate_claims(reg, dyn)
    assert {r.key for r in rows} == set(PLANTERS) | {"C3", "E6"}
    for r in rows:
        assert r.verdict == ("supported" if r.key == "E6" else "inconclusive"), (r.key, r.verdict)


@pytest.mark.parametrize("key", sorted(PLANTERS))
@pytest.mark.parametrize("want", ["supported", "not supported", "inconclusive"])
def test_planted_effect_gives_the_verdict(key, want):
    reg, dyn = neutral()
    PLANTERS[key](reg, dyn, _eff(want))
    row = _row(evaluate_claims(reg, dyn), key)
    assert row.verdict == want, [(p.name, [c.line() for c in p.conditions]) for p in row.points]


def test_the_82_comparator_is_fixed_control_at_the_same_lambda0():
    # thermostat and RL beat lambda = 0 by a wide margin but lose to fixed control at every lambda0 > 0
    reg, dyn = neutral()
    v = dict(surrogate="variance")
    reg["test_loss"].loc[dict(**v, regime="fixed", coef=0.0)] += 0.5
    reg["test_loss"].loc[dict(**v, regime="fixed", coef=COEF[1:])] -= 0.2 * _eff("supported")
    reg["gen_gap"].loc[dict(**v, regime="fixed", coef=0.0)] += 0.5
    for g in ("thermostat", "target", "rl"):
        reg["gen_gap"].loc[dict(**v, regime=g)] -= 0.1 * _eff("supported")
    rows = evaluate_claims(reg, dyn)
    assert _row(rows, "C1").verdict == "not supported"
    assert _row(rows, "C2").verdict == "not supported"
    assert _row(rows, "C3").verdict == "supported"      # the previous report's comparator would have said yes
    assert "fixed hybrid control at the same base coefficient" in _row(rows, "C1").comparator


def test_grid_rule_needs_a_majority_and_no_failure():
    # log-det stronger than variance at 3 of 4 lambda0 and weaker at one: a veto, not support
    reg, dyn = neutral()
    f = reg["info_force"]
    f.loc[dict(surrogate="logdet", regime="fixed", coef=[0.001, 0.01, 0.1])] *= np.exp(_eff("supported"))
    f.loc[dict(surrogate="logdet", regime="fixed", coef=1.0)] *= np.exp(-_eff("supported"))
    assert _row(evaluate_claims(reg, dyn), "A3").verdict == "inconclusive"
    f.loc[dict(surrogate="logdet", regime="fixed", coef=0.1)] *= np.exp(-2 * _eff("supported"))
    assert _row(evaluate_claims(reg, dyn), "A3").verdict == "not supported"     # fails at half the grid
    # lambda0 = 0 is shown but not counted
    reg, dyn = neutral()
    reg["info_force"].loc[dict(surrogate="logdet", regime="fixed", coef=0.0)] *= np.exp(-_eff("supported"))
    row = _row(evaluate_claims(reg, dyn), "A3")
    assert row.points[0].coef == 0.0 and row.points[0].verdict == "not supported" and row.verdict == "inconclusive"
    assert grid_verdict(["supported", "supported", "inconclusive"]) == "supported"
    assert grid_verdict(["supported", "inconclusive"]) == "inconclusive"
    assert grid_verdict(["supported", "not supported", "supported"]) == "inconclusive"


@pytest.mark.parametrize("value, want", [(0.5, "supported"), (1.5, "not supported"), (1e-6, "not supported")])
def test_rl_bounds_are_a_count(value, want):
    reg, dyn = neutral()
    reg["lambda_t"].loc[dict(regime="rl", coef=0.1, trial=2, epoch=7)] = value
    assert _row(evaluate_claims(reg, dyn), "E6").verdict == want


def test_rows_without_optional_regimes_and_dynamics_are_skipped():
    reg, dyn = neutral()
    rows = evaluate_claims(reg.sel(regime=["fixed", "thermostat", "rl"]), None)
    keys = {r.key for r in rows}
    assert not keys & {"A2", "A4", "E1", "E2", "C2", "D3", "E4"} and {"C1", "D2", "E3", "F2"} <= keys


def test_markdown_has_one_row_per_claim_and_the_counts():
    reg, dyn = neutral()
    rows = evaluate_claims(reg, dyn)
    text = claims_markdown(rows, sources=["data/x.nc"], regimes=reg, dynamics=dyn)
    table = re.findall(r"^\| ([A-F]\d) \| (scoped|broader reading|alternative thermostat) \|", text, flags=re.M)
    assert [k for k, _ in table] == [r.key for r in rows]
    assert "scoped: 1 supported, 0 not supported" in text and "Why the λ*-tracking thermostat" in text
    assert "§8.2: “both Thermostat and RL-thermostat stabilize and lower the test loss" in text


@pytest.mark.parametrize("change", [dict(surrogate=["softmax", "variance", "nonsense"]),
                                    dict(regime=["constant", "thermostat", "target", "rl"]),
                                    dict(coef=[0.5, 0.001, 0.01, 0.1, 1.0])])
def test_unknown_labels_in_data_fail_loudly_before_any_work(change):
    reg, dyn = neutral()
    with pytest.raises(ValueError, match="regimes must"):
        evaluate_claims(reg.assign_coords(**change), dyn)
