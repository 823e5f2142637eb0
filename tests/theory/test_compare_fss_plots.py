"""compare, blackout-load finite-size scaling and the overlay figures on synthetic Datasets with known answers."""

import math

import numpy as np
import pytest
import xarray as xr
from matplotlib.figure import Figure

from hopfield_hclm.core.attrs import missing_cf_attrs
from hopfield_hclm.memory import theory
from hopfield_hclm.memory.theory.compare import sync_dataset
from hopfield_hclm.plots import theory as theory_plots


def _sim(values):
    values = np.asarray(values, dtype=float)
    ds = xr.Dataset({"overlap": (("trial", "time"), values)},
                    coords={"trial": np.arange(values.shape[0]), "time": np.arange(values.shape[1]) * 0.5})
    ds["overlap"].attrs = {"long_name": "overlap", "units": "1"}
    return ds


def _theory(values, stderr=None):
    ds = xr.Dataset({"overlap": ("time", np.asarray(values, float))}, coords={"time": np.arange(len(values)) * 0.5})
    if stderr is not None:
        ds["overlap_stderr"] = ("time", np.asarray(stderr, float))
    return ds


def test_compare_difference_and_error_by_hand():
    sim = _sim([[0.1, 0.5, 0.9], [0.3, 0.7, 0.9]])
    th = _theory([0.2, 0.8, 0.9], stderr=[0.0, 0.1, 0.0])
    out = theory.compare(sim, th)
    np.testing.assert_allclose(out["difference"].values, [0.0, 0.2, 0.0], atol=1e-15)
    se_sim = np.array([0.1, 0.1, 0.0])  # std(ddof=1) / sqrt(2) of the two trials
    np.testing.assert_allclose(out["stderr"].values, np.hypot(se_sim, [0.0, 0.1, 0.0]), atol=1e-15)
    assert out["zscore"].values[1] == pytest.approx(0.2 / math.hypot(0.1, 0.1))
    assert math.isnan(out["zscore"].values[2])  # zero error: undefined, never silently 0
    assert missing_cf_attrs(out) == []


def test_compare_rejects_mismatched_input():
    sim = _sim([[0.1, 0.5, 0.9], [0.3, 0.7, 0.9]])
    shifted = _theory([0.2, 0.8, 0.9]).assign_coords(time=[0.0, 0.7, 1.4])
    with pytest.raises(ValueError, match="time"):
        theory.compare(sim, shifted)
    with pytest.raises(ValueError, match="variable"):
        theory.compare(sim, _theory([0.2, 0.8, 0.9]), variable="energy")
    with pytest.raises(ValueError, match="trial_dim"):
        theory.compare(sim.isel(trial=[0]), _theory([0.2, 0.8, 0.9]))


def _sweep(thresholds_by_size, loads, trials=400, seed=0):
    """Trial k at size N retrieves (final overlap 1) iff load < its own critical load c_k ~ N(mu_N, 0.01)."""
    rng = np.random.default_rng(seed)
    sizes = sorted(thresholds_by_size)
    data = np.empty((len(sizes), len(loads), trials, 2))
    for i, n in enumerate(sizes):
        crit = thresholds_by_size[n] + 0.01 * rng.standard_normal(trials)
        final = (np.asarray(loads)[:, None] < crit[None, :]).astype(float)
        data[i, :, :, 0] = 0.3
        data[i, :, :, 1] = final
    ds = xr.Dataset({"overlap": (("neurons", "load", "trial", "time"), data)},
                    coords={"neurons": sizes, "load": loads, "trial": np.arange(trials), "time": [0.0, 1.0]})
    return ds


def test_blackout_load_and_extrapolation_recover_known_values():
    alpha_inf, slope = 0.138, 0.5
    truth = {n: alpha_inf + slope / math.sqrt(n) for n in (100, 400, 1600, 6400)}
    loads = np.round(np.arange(0.10, 0.22, 0.002), 6)
    out = theory.blackout_load(_sweep(truth, loads), bootstrap=100)
    assert missing_cf_attrs(out) == []
    est, se = out["blackout_load"].values, out["blackout_load_stderr"].values
    # Median of the critical loads; grid 0.002 and sampling spread 0.01/sqrt(400) -> 4 s.e. + half a grid step.
    for n, e, s in zip(out["neurons"].values, est, se):
        assert abs(e - truth[n]) < 4 * max(s, 0.0005) + 0.001
    fit = theory.extrapolate_blackout(out["neurons"].values, est, se)
    assert abs(fit.alpha_inf - alpha_inf) < 4 * fit.alpha_inf_stderr + 0.001
    assert fit.slope == pytest.approx(slope, rel=0.2)


def test_extrapolation_exact_on_noiseless_data():
    n = np.array([100.0, 400.0, 1600.0])
    fit = theory.extrapolate_blackout(n, 0.14 + 0.3 * n**-0.5, np.full(3, 1e-3))
    assert fit.alpha_inf == pytest.approx(0.14, abs=1e-12) and fit.slope == pytest.approx(0.3, abs=1e-10)
    with pytest.raises(ValueError, match="stderr"):
        theory.extrapolate_blackout(n, n, np.zeros(3))


def test_blackout_bad_input():
    ds = _sweep({100: 0.15}, np.array([0.1, 0.2]), trials=4)
    with pytest.raises(ValueError, match="threshold"):
        theory.blackout_load(ds, threshold=1.5)
    with pytest.raises(ValueError, match="dims"):
        theory.blackout_load(ds.isel(trial=0))


def test_figures_return_labelled_figures():
    sim = _sim([[0.1, 0.5, 0.9], [0.3, 0.7, 0.9]])
    fig = theory_plots.overlay_overlap(sim, _theory([0.2, 0.8, 0.9], stderr=[0.01, 0.01, 0.01]))
    assert isinstance(fig, Figure) and fig.axes[0].get_ylabel()
    runs = _sim([[0.5, 0.63, 0.61], [0.5, 0.65, 0.62]]).assign_coords(time=[0.0, 1.0, 2.0])
    fig = theory_plots.sync_steps_figure(runs, sync_dataset(0.3, 0.5), sync_dataset(0.3, 0.5, method="amari-maginu"))
    assert len(fig.axes[0].lines) >= 2
    blackout = theory.blackout_load(_sweep({100: 0.19, 400: 0.163}, np.round(np.arange(0.1, 0.25, 0.005), 6), 50),
                                    bootstrap=20)
    fit = theory.extrapolate_blackout(blackout["neurons"].values, blackout["blackout_load"].values,
                                      np.maximum(blackout["blackout_load_stderr"].values, 1e-3))
    fig = theory_plots.finite_size_figure(blackout, fit, reference=theory.ags_capacity()[0])
    assert isinstance(fig, Figure)
    from hopfield_hclm.memory.theory.finite_size import extrapolate_blackout_systematic

    three = theory.blackout_load(_sweep({100: 0.19, 400: 0.163, 1600: 0.15}, np.round(np.arange(0.1, 0.25, 0.005), 6), 50),
                                 bootstrap=20)
    spread = extrapolate_blackout_systematic(three["neurons"].values, three["blackout_load"].values,
                                             np.maximum(three["blackout_load_stderr"].values, 1e-3), points=7)
    fig = theory_plots.finite_size_figure(three, systematic=spread, reference=theory.ags_capacity()[0])
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("N^(-1/2)") and len(ax.lines) >= 4  # three fixed-x fits + the free fit
    assert missing_cf_attrs(sync_dataset(0.3, 0.5)) == []
