"""The hclm_eps report body on a tiny planted Dataset: it runs, and it flags exactly the planted unstable points.

The planted data are constructed, not trained: final test losses are set per seed so that one grid point
(log-det, ε = 1e-4, B = 8, λ = 1) exceeds its λ = 0 baseline by 3 nat in one seed (flag (a)) and another
(variance, ε = 1e-2, B = 16, λ = 0.1) has a per-step force with CV ≈ 1 (flag (b)); every other point is
stable (loss excess 0, CV ≈ 0.05). Fixed seeds; runs in well under a second.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from hopfield_hclm.reports import hclm as rep

SURR = ["softmax", "variance", "logdet"]
EPS = [1e-4, 1e-2]
COEF = [0.0, 0.001, 0.01, 0.1, 1.0]
EPOCHS, N_TRAIN, TRIALS = 24, 32, 5


def _planted(batch: int, *, loss_bump=None, cv_point=None, seed=0) -> xr.Dataset:
    rng = np.random.default_rng(seed + batch)
    shape = (len(SURR), len(EPS), len(COEF), TRIALS, EPOCHS)
    test = 0.7 + 0.02 * rng.standard_normal(shape[:-1])[..., None] + np.zeros(shape)
    if loss_bump is not None:
        s, e, c, k = loss_bump
        test[SURR.index(s), EPS.index(e), COEF.index(c), k, :] += 3.0
    n_steps = EPOCHS * N_TRAIN // batch
    force = 10.0 * (1 + 0.05 * rng.standard_normal(shape[:-1] + (n_steps,)))
    if cv_point is not None:
        s, e, c = cv_point
        force[SURR.index(s), EPS.index(e), COEF.index(c)] = 10.0 * rng.exponential(size=(TRIALS, n_steps))
    dims = ("surrogate", "eps", "coef", "trial", "epoch")
    ones = np.ones(shape)
    ds = xr.Dataset(
        {"test_loss": (dims, test), "train_loss": (dims, 0.5 * ones), "gen_gap": (dims, test - 0.5),
         "entropy": (dims, ones), "information_bound": (dims, ones), "info_force": (dims, 10.0 * ones),
         "lambda_t": (dims, ones), "reward": (dims, -0.5 * ones),
         "completed_epochs": (dims[:-1], np.full(shape[:-1], EPOCHS)),
         "step_info_force": (dims[:-1] + ("step",), force)},
        coords={"surrogate": SURR, "eps": EPS, "coef": COEF, "trial": np.arange(TRIALS),
                "epoch": np.arange(1, EPOCHS + 1), "step": np.arange(1, n_steps + 1)})
    ds.attrs["config"] = json.dumps({"kind": "hclm", "base": {"batch_size": batch, "n_train": N_TRAIN,
                                                               "epochs": EPOCHS, "regime": "fixed"}})
    return ds


def test_eps_body_flags_planted_points(tmp_path):
    folder = tmp_path / "experiments" / "hclm_eps"
    folder.mkdir(parents=True)
    datasets = {"": _planted(8, loss_bump=("logdet", 1e-4, 1.0, 2)), "b64": _planted(16, cv_point=("variance", 1e-2, 0.1))}
    text = rep.eps_body(datasets, str(folder))
    assert "## Criterion" in text and (folder / "findings.md").exists() and (folder / "eps_sensitivity.png").exists()
    summ = rep.eps_summary(datasets)
    flagged = {(p.surrogate, p.eps, p.batch, p.coef) for p in summ["points"]
               if p.coef > 0 and p.surrogate != "softmax" and p.unstable}
    assert flagged == {("logdet", 1e-4, 8, 1.0), ("variance", 1e-2, 16, 0.1)}
    bump = next(p for p in summ["points"] if (p.surrogate, p.eps, p.batch, p.coef) == ("logdet", 1e-4, 8, 1.0))
    assert bump.loss_flag and not bump.cv_flag and int(np.sum(bump.excess > rep.EPS_LOSS_MARGIN)) == 1
    noisy = next(p for p in summ["points"] if (p.surrogate, p.eps, p.batch, p.coef) == ("variance", 1e-2, 16, 0.1))
    assert noisy.cv_flag and not noisy.loss_flag
    # the claims rows are computed per cell by the project's evaluate_claims
    assert set(summ["claims"]) == {(e, b) for e in EPS for b in (8, 16)}
    assert all({"A2", "D1"} <= set(rows) for rows in summ["claims"].values())
    # flat planted losses leave D1 (ends above the interior) without support in every cell
    assert all(rows["D1"].verdict != "supported" for rows in summ["claims"].values())


def test_eps_reading():
    pub = rep.EPS_PUBLISHED
    same = {(e, b): "x" for e in (1e-4, 1e-2) for b in (32, 64)}
    assert rep._eps_reading(same).startswith("robust")
    by_batch = {(e, b): ("x" if b == pub[1] else "y") for e, b in same}
    assert rep._eps_reading(by_batch) == ("ε/B artefact (survives at every ε for B = 32, B = 64; differs between "
                                          "the batch sizes)")
    by_eps = {**same, pub: "y"}
    assert rep._eps_reading(by_eps) == "ε/B artefact (survives at every ε for B = 64; depends on ε at B = 32)"


def test_eps_points_needs_baseline():
    ds = _planted(8).sel(coef=[0.1, 1.0])
    with pytest.raises(ValueError, match="coef 0"):
        rep.eps_points(ds)
