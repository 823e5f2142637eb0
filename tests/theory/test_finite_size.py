"""Finite-size extrapolation of the blackout load with a fitted exponent and with the exponent spread
as a systematic: exact on noiseless synthetic data, calibrated (coverage) on noisy synthetic data."""

import math

import numpy as np
import pytest

from hopfield_hclm.memory.theory.finite_size import (
    extrapolate_blackout,
    extrapolate_blackout_systematic,
    fit_blackout_exponent,
)

SIZES = np.array([1000.0, 2000.0, 4000.0, 8000.0, 16000.0])


def _truth(alpha_inf=0.138, slope=0.5, exponent=0.6, sizes=SIZES):
    return alpha_inf + slope * sizes**-exponent


def test_free_exponent_exact_on_noiseless_data():
    for alpha_inf, slope, exponent in ((0.138, 0.5, 0.6), (0.145, 2.0, 1.0), (0.14, 0.1, 0.3)):
        fit = fit_blackout_exponent(SIZES, _truth(alpha_inf, slope, exponent), np.full(5, 1e-3))
        assert fit.alpha_inf == pytest.approx(alpha_inf, abs=1e-10)
        assert fit.exponent == pytest.approx(exponent, abs=1e-8)
        assert fit.slope == pytest.approx(slope, rel=1e-7)
        assert fit.chi2 < 1e-16 and fit.dof == 2
        lo, hi = fit.exponent_interval  # NaN end: not bounded within the search range
        assert np.nan_to_num(lo, nan=-np.inf) < exponent < np.nan_to_num(hi, nan=np.inf)


def test_systematic_exact_on_noiseless_data_and_spread_brackets_exponents():
    y = _truth(exponent=0.5)
    out = extrapolate_blackout_systematic(SIZES, y, np.full(5, 1e-3), exponent_range=(0.25, 1.0), points=31)
    k = out.exponents.index(min(out.exponents, key=lambda x: abs(x - 0.5)))
    assert out.exponents[k] == pytest.approx(0.5, abs=1e-12)
    assert out.alpha_inf_by_exponent[k] == pytest.approx(0.138, abs=1e-12)
    assert out.chi2_by_exponent[k] == pytest.approx(0.0, abs=1e-12)
    # a slower assumed correction extrapolates lower, a faster one higher; the spread is their half-range
    a = np.array(out.alpha_inf_by_exponent)
    assert a[0] < 0.138 < a[-1]
    assert out.model_spread == pytest.approx((a.max() - a.min()) / 2)
    assert out.alpha_inf == pytest.approx((a.max() + a.min()) / 2)
    assert out.total_stderr == pytest.approx(math.hypot(out.stat_stderr, out.model_spread))
    assert out.low <= 0.138 <= out.high
    # a degenerate range is the fixed-exponent fit (no spread, the old function's error)
    one = extrapolate_blackout_systematic(SIZES, y, np.full(5, 1e-3), exponent_range=(0.5, 0.5), points=2)
    ref = extrapolate_blackout(SIZES, y, np.full(5, 1e-3), exponent=0.5)
    assert one.model_spread == 0.0 and one.alpha_inf == pytest.approx(ref.alpha_inf, abs=1e-12)
    assert one.stat_stderr == pytest.approx(ref.alpha_inf_stderr, rel=1e-12)


def test_coverage_on_noisy_synthetic_data():
    """Replicates with Gaussian noise of known s.e.: the fraction of intervals holding the truth.

    Fixed (true) exponent: +-1 s.e. covers 68.3 % exactly (linear model). Free exponent: the
    linearised s.e.; with 2 degrees of freedom it is only approximate, so the check is coverage of
    +-2 s.e. >= 90 %. Systematic (true exponent inside the range): conservative by construction, so
    coverage of +-1 total s.e. >= 68.3 %. Tolerances: 3 binomial standard errors of the fraction.
    """
    rng = np.random.default_rng(7)
    reps, se, truth = 150, 0.002, 0.138
    y0 = _truth(truth, 0.5, 0.5)
    hits = {"fixed": 0, "free2": 0, "total": 0}
    for _ in range(reps):
        y = y0 + se * rng.standard_normal(5)
        s = np.full(5, se)
        fixed = extrapolate_blackout(SIZES, y, s, exponent=0.5)
        hits["fixed"] += abs(fixed.alpha_inf - truth) <= fixed.alpha_inf_stderr
        free = fit_blackout_exponent(SIZES, y, s, grid=60)
        hits["free2"] += abs(free.alpha_inf - truth) <= 2 * free.alpha_inf_stderr
        total = extrapolate_blackout_systematic(SIZES, y, s, points=7, free=False)
        hits["total"] += abs(total.alpha_inf - truth) <= total.total_stderr
    tol = lambda p: 3 * math.sqrt(p * (1 - p) / reps)  # noqa: E731
    p1 = math.erf(1 / math.sqrt(2))
    assert abs(hits["fixed"] / reps - p1) < tol(p1)
    assert hits["free2"] / reps > 0.90 - tol(0.90)
    assert hits["total"] / reps > p1 - tol(p1)


def test_unconstrained_exponent_is_flagged():
    # two nearby sizes' worth of lever arm and large errors: chi2(x) stays within 1 of its minimum
    n = np.array([1000.0, 1100.0, 1200.0])
    fit = fit_blackout_exponent(n, 0.14 + 0.5 * n**-0.5, np.full(3, 0.01))
    assert not fit.constrained and not all(np.isfinite(fit.exponent_interval))


def test_bad_input_names_the_argument():
    y, s = _truth(), np.full(5, 1e-3)
    with pytest.raises(ValueError, match="distinct sizes"):
        fit_blackout_exponent(SIZES[:2], y[:2], s[:2])
    with pytest.raises(ValueError, match="stderr"):
        extrapolate_blackout_systematic(SIZES, y, np.zeros(5))
    with pytest.raises(ValueError, match="exponent_range"):
        extrapolate_blackout_systematic(SIZES, y, s, exponent_range=(0.5, 0.25))
    with pytest.raises(ValueError, match="exponent_range"):
        extrapolate_blackout_systematic(SIZES, y, s, exponent_range=0.5)
    with pytest.raises(ValueError, match="points"):
        extrapolate_blackout_systematic(SIZES, y, s, points=1)
    with pytest.raises(ValueError, match="search"):
        fit_blackout_exponent(SIZES, y, s, search=(0.0, 1.0))


def _planted_sweep(crit, *, loads=(0.10, 0.12, 0.14, 0.16, 0.18), late_decay=(), restless=()):
    """Trial k retrieves (overlap 1, activity 0) iff load < crit[k]; otherwise its overlap decays to 0.4 after
    sweep 30 (still >= 0.9 at sweep 20). Trials in ``restless`` keep overlap 1 but never stop changing."""
    import xarray as xr

    time = np.arange(61.0)
    loads = np.asarray(loads)
    over = np.ones((1, len(loads), len(crit), len(time)))
    act = np.zeros_like(over)
    act[..., 0] = np.nan
    for k, c in enumerate(crit):
        fail = loads >= c
        over[0, fail, k, 31:] = 0.4
        act[0, fail, k, 1:] = 0.01
        if k in restless:
            act[0, :, k, 1:] = 0.01
    ds = xr.Dataset({"overlap": (("neurons", "load", "trial", "time"), over),
                     "activity": (("neurons", "load", "trial", "time"), act)},
                    coords={"neurons": [1000], "load": loads, "trial": np.arange(len(crit)), "time": time})
    return ds


def _one(da) -> float:
    return float(np.asarray(da.values).item())


def test_blackout_edges_read_the_planted_edge_horizon_and_fixed_points():
    from hopfield_hclm.reports.memory_reports import blackout_edges

    # 4 trials with critical loads 0.13, 0.15, 0.15, 0.17: fraction 1, 1, 0.75, 0.25, 0 at the grid loads
    ds = _planted_sweep([0.13, 0.15, 0.15, 0.17])
    edge = blackout_edges(ds)
    # crossing of 1/2 between 0.14 (0.75) and 0.16 (0.25): 0.15 by linear interpolation
    assert _one(edge["blackout_load"]) == pytest.approx(0.15, abs=1e-12)
    se = _one(edge["blackout_load_stderr"])
    assert se >= 0.02 / math.sqrt(12) - 1e-15  # never below the grid resolution
    # the first 20 sweeps only: every trial is still on the pattern, so no crossing in the range
    assert np.isnan(_one(blackout_edges(ds, horizon=20)["blackout_load"]))
    # a trial that stays near the pattern but never reaches a fixed point counts only without fixed_point
    restless = _planted_sweep([0.13, 0.15, 0.15, 0.17], restless=(3,))
    assert _one(blackout_edges(restless)["blackout_load"]) == pytest.approx(0.15, abs=1e-12)
    # fixed points only: fractions 0.75, 0.75, 0.5, 0, 0 -> first below 1/2 between 0.14 (0.5) and 0.16 (0)
    assert _one(blackout_edges(restless, fixed_point=True)["blackout_load"]) == pytest.approx(0.14, abs=1e-12)
