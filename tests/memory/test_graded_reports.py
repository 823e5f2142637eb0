"""Planted-data tests of the statistics behind the transient_graded and cue_basin reports."""

from __future__ import annotations

import numpy as np
import xarray as xr

from hopfield_hclm.reports.memory_reports import _frac_crossing, _residual_correlations


def test_residual_correlations_see_a_shared_component_within_a_load():
    # residual = shared per-(trial, load) part + independent part, equal variances: the correlation
    # between cues at one load is 1/2, between loads 0.  200 trials: one pair's s.e. is ~0.06, so
    # 0.15 is a wide tolerance for the averages.
    rng = np.random.default_rng(7)
    trials, loads, cues = 200, 3, 4
    shared = rng.standard_normal((trials, loads, 1))
    resid = xr.DataArray(shared + rng.standard_normal((trials, loads, cues)), dims=("trial", "load", "cue_overlap"))
    same, across = _residual_correlations(resid)
    assert abs(same - 0.5) < 0.15
    assert abs(across) < 0.15


def test_residual_correlations_of_independent_points_are_near_zero():
    rng = np.random.default_rng(8)
    resid = xr.DataArray(rng.standard_normal((200, 3, 4)), dims=("trial", "load", "cue_overlap"))
    same, across = _residual_correlations(resid)
    assert abs(same) < 0.15 and abs(across) < 0.15


def test_frac_crossing_reads_the_last_fall_through_one_half():
    loads = np.array([0.10, 0.12, 0.14, 0.16])
    assert np.isclose(_frac_crossing(loads, np.array([1.0, 1.0, 0.75, 0.25])), 0.15)
    # a dip below 1/2 that recovers is not the edge: the last crossing from above is
    assert np.isclose(_frac_crossing(loads, np.array([0.4, 1.0, 0.75, 0.25])), 0.15)
    assert np.isnan(_frac_crossing(loads, np.array([1.0, 1.0, 0.9, 0.6])))
