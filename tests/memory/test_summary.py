"""transient_summary on hand-built trajectories with exactly known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hopfield_hclm.core.attrs import global_attrs, missing_cf_attrs
from hopfield_hclm.memory.summary import transient_summary

H = 0.01  # record spacing of the hand-built series


def dataset(overlap: np.ndarray, time: np.ndarray, dims=("trial", "time"), **extra) -> xr.Dataset:
    ds = xr.Dataset({"overlap": (dims, overlap)}, coords={"time": time})
    for name, values in extra.items():
        ds[name] = (dims, values)
    ds["overlap"].attrs.update(long_name="overlap", units="1")
    ds["time"].attrs.update(long_name="time", units="1")
    for name in extra:
        ds[name].attrs.update(long_name=name, units="1")
    for dim in dims:
        if dim != "time":
            ds = ds.assign_coords({dim: np.arange(ds.sizes[dim])})
            ds[dim].attrs.update(long_name=dim, units="1")
    ds.attrs.update(global_attrs(title="hand-built", config={"case": "test"}, references="none",
                                 history="built by test_summary"))
    return ds


def triangle(scale=1.0, peak_time=1.0, horizon=2.0):
    """m rises linearly from 0 to ``scale`` at ``peak_time`` and falls back to 0 at ``horizon``."""
    t = np.round(np.arange(0, horizon + H / 2, H), 12)
    m = np.where(t <= peak_time, t / peak_time, (horizon - t) / (horizon - peak_time)) * scale
    return t, m


def test_exponential_decay_exact_values():
    t = np.round(np.arange(0, 5 + H / 2, H), 12)
    m = np.exp(-t)
    s = transient_summary(dataset(m[None], t, retrieval_force=-m[None], speed=m[None]), threshold=0.5)
    # The cue is not retrieval: the peak is the first record after it, and the gain is negative.
    assert s.initial_overlap.item() == 1.0
    np.testing.assert_allclose(s.peak_overlap.item(), math.exp(-H), rtol=1e-15)
    assert s.peak_time.item() == H
    np.testing.assert_allclose(s.overlap_gain.item(), math.exp(-H) - 1, rtol=1e-12)
    # Final window t >= 4.5: 51 records, a geometric sum.
    r = math.exp(-H)
    final = math.exp(-4.5) * (1 - r**51) / (51 * (1 - r))
    np.testing.assert_allclose(s.final_overlap.item(), final, rtol=1e-12)
    np.testing.assert_allclose(s.final_spread.item(), math.exp(-4.5) - math.exp(-5), rtol=1e-12)
    # A cue above theta that only decays: neither recoverable by the dynamics nor transient-only.
    assert bool(s.settled) and not bool(s.recoverable) and not bool(s.transient_only)
    # Trapezoid of e^{-2t}: exactly (h/2)(1+q)(1-q^K)/(1-q), q = e^{-2h}; the integral (1-e^{-10})/2
    # differs by the trapezoid error: relative h coth(h) - 1 = h^2/3 to leading order.
    q, records = math.exp(-2 * H), len(t) - 1
    trapezoid = H / 2 * (1 + q) * (1 - q**records) / (1 - q)
    np.testing.assert_allclose(s.effectiveness.item(), trapezoid / 5, rtol=1e-12)
    np.testing.assert_allclose(s.effectiveness.item(), (1 - math.exp(-10)) / 10, rtol=H**2 / 3 * 1.01)
    # (1/T) int |dm/dt| = (1 - e^{-5})/5 exactly: total variation of a monotone series.
    np.testing.assert_allclose(s.mean_abs_dm_dt.item(), (1 - math.exp(-5)) / 5, rtol=1e-12)
    # |F| = e^{-t} never changes sign, so int |F_lin| is its trapezoid sum: (h/2)(1+r)(1-r^K)/(1-r).
    np.testing.assert_allclose(s.mean_abs_retrieval_force.item(),
                               H / 2 * (1 + r) * (1 - r**records) / (1 - r) / 5, rtol=1e-12)
    np.testing.assert_allclose(s.mean_speed.item(), (1 - math.exp(-5)) / 5, rtol=H**2)
    assert "mean_retrieval_force" not in s  # the endpoint-only quantity is gone (renamed, new meaning)
    # Window [0, ln 2]; linear interpolation of a convex m puts the crossing late by <= h^2/8.
    assert s.window_start.item() == 0.0
    assert 0 <= s.window_end.item() - math.log(2) < H**2 / 8
    np.testing.assert_allclose(s.window_length.item(), s.window_end.item(), rtol=1e-12)
    assert not bool(transient_summary(dataset(m[None], t), settle_tolerance=1e-3).settled)


def test_triangle_exact_values():
    t, m = triangle()
    s = transient_summary(dataset(m[None], t), threshold=0.5)
    np.testing.assert_allclose(s.peak_overlap.item(), 1.0)
    np.testing.assert_allclose(s.peak_time.item(), 1.0)
    np.testing.assert_allclose([s.window_start.item(), s.window_end.item(), s.window_length.item()],
                               [0.5, 1.5, 1.0], rtol=1e-12)
    # Trapezoid of t^2 on [0, 1] with step h is exactly 1/3 + h^2/6; two legs over T = 2.
    np.testing.assert_allclose(s.effectiveness.item(), 1 / 3 + H**2 / 6, rtol=1e-12)
    np.testing.assert_allclose(s.mean_abs_dm_dt.item(), 1.0, rtol=1e-12)
    np.testing.assert_allclose(s.final_overlap.item(), 0.1, rtol=1e-12)  # mean of 0.2, 0.19, ..., 0
    assert bool(s.recoverable) and bool(s.transient_only) and not bool(s.settled)
    np.testing.assert_allclose(s.horizon.item(), 2.0)
    assert s.initial_overlap.item() == 0.0
    np.testing.assert_allclose(s.overlap_gain.item(), 1.0)


def three_shapes():
    """Planted trajectories on t = 0, 1, ..., 10 (theta = 0.9 below), one per trial:

    0 decays from a cue above theta (0.95, 0.90, 0.85, ... down to 0.45);
    1 rises from 0.3 through theta to 0.95 at t = 2, then falls to 0.3;
    2 stays on the pattern (m = 1 throughout);
    3 decays from 1 but stays above theta (1.00, 0.99, ..., 0.90 at t = 10).
    """
    t = np.arange(11.0)
    decay = 0.95 - 0.05 * t
    rise = np.array([0.3, 0.6, 0.95, 0.9, 0.7, 0.5, 0.4, 0.3, 0.3, 0.3, 0.3])
    stay = np.ones(11)
    slow = 1.0 - 0.01 * t
    return t, np.stack([decay, rise, stay, slow])


def test_three_trajectory_shapes_flags_and_values():
    t, m = three_shapes()
    s = transient_summary(dataset(m, t), threshold=0.9)
    np.testing.assert_allclose(s.initial_overlap.values, [0.95, 0.3, 1.0, 1.0], rtol=1e-15)
    np.testing.assert_allclose(s.peak_overlap.values, [0.90, 0.95, 1.0, 0.99], rtol=1e-15)  # t = 0 excluded
    np.testing.assert_allclose(s.peak_time.values, [1.0, 2.0, 1.0, 1.0])
    np.testing.assert_allclose(s.overlap_gain.values, [-0.05, 0.65, 0.0, -0.01], atol=1e-15)
    # m_inf: the final window (t >= 9) holds the last two records.
    np.testing.assert_allclose(s.final_overlap.values, [0.475, 0.3, 1.0, 0.905], rtol=1e-12)
    # decay from above theta: neither; rise through theta then fall: both; on the pattern: recoverable only;
    # decaying but staying above theta: the state stays retrieved, recoverable only.
    assert s.recoverable.values.tolist() == [False, True, True, True]
    assert s.transient_only.values.tolist() == [False, True, False, False]
    # The retrieval window still describes m(t) itself, cue included.
    np.testing.assert_allclose(s.window_start.values, [0.0, 1 + 0.3 / 0.35, 0.0, 0.0], rtol=1e-12)
    np.testing.assert_allclose(s.window_end.values, [1.0, 3.0, 10.0, 10.0], rtol=1e-12)
    # The same flags at several thresholds: at theta = 0.5 the decaying cue still only decays, and the
    # rise ends below 0.5 (transient-only); at theta = 0.96 nothing but the two states on the pattern.
    multi = transient_summary(dataset(m, t), threshold=[0.5, 0.96])
    assert multi.recoverable.values.tolist() == [[False, False], [True, False], [True, True], [True, False]]
    assert multi.transient_only.values.tolist() == [[False, False], [True, False], [False, False],
                                                    [False, False]]


def test_path_force_of_a_sine_is_exact():
    # m(t) = m0 + A sin(w t), w = pi/2 (period 4), T = 8: int_0^T |dm/dt| dt = 4 A per period = 8 A, so
    # (1/T) int |dm/dt| = A exactly, and the records hit every extremum (t = 1, 3, 5, 7), so the total
    # variation of the records is exact too.  The signed mean (m(T) - m(0))/T is 0.
    m0, amp, w, h = 0.5, 0.3, math.pi / 2, 0.01
    t = np.arange(801) * h
    m = m0 + amp * np.sin(w * t)
    force = amp * w * np.cos(w * t)
    s = transient_summary(dataset(m[None], t, retrieval_force=force[None]), threshold=0.75, time_course=True)
    np.testing.assert_allclose(s.mean_abs_dm_dt.item(), amp, rtol=1e-12)
    # int |F_lin|: the zeros of cos(w t) lie on records, so this is the trapezoid rule of a concave arc
    # per quarter period, low by (h w)^2 / 12 relative to leading order.
    got = s.mean_abs_retrieval_force.item()
    assert got < amp
    np.testing.assert_allclose(got, amp, rtol=(h * w) ** 2 / 12 * 1.01)
    # Time course: (m_k - m_{k-1})/h = (2A/h) sin(w h/2) cos(w (t_k - h/2)) exactly; NaN at t_0.
    rate = s.overlap_rate.isel(trial=0).values
    assert s.overlap_rate.dims == ("trial", "time") and np.isnan(rate[0])
    want = 2 * amp / h * math.sin(w * h / 2) * np.cos(w * (t[1:] - h / 2))
    np.testing.assert_allclose(rate[1:], want, rtol=0, atol=1e-11)
    np.testing.assert_allclose(s.time.values, t)
    # Peak: m0 + A at t = 1 (first of the two maxima), m(0) = m0, gain A.
    np.testing.assert_allclose([s.peak_overlap.item(), s.peak_time.item(), s.overlap_gain.item()],
                               [m0 + amp, 1.0, amp], rtol=1e-12)
    assert bool(s.recoverable) and bool(s.transient_only)  # m_inf over t >= 7.2 is below 0.75
    assert "overlap_rate" not in transient_summary(dataset(m[None], t))  # opt-in


def test_readout_sensitivity_on_a_planted_peak():
    # Asymmetric triangle: 0 -> 1 at t* = 0.5 (slope 2), back to 0 at t = 2 (slope -2/3); records every 0.01.
    t, m = triangle(peak_time=0.5)
    s = transient_summary(dataset(m[None], t), readout_delta=0.25, peak_tolerance=0.1)
    np.testing.assert_allclose(s.peak_time.item(), 0.5)
    np.testing.assert_allclose(s.readout_loss_before.item(), 2 * 0.25, rtol=1e-12)
    np.testing.assert_allclose(s.readout_loss_after.item(), 0.25 / 1.5, rtol=1e-12)
    np.testing.assert_allclose(s.readout_loss_fixed.item(), 1.0, rtol=1e-12)  # default t_read = T, m(T) = 0
    # {m >= 0.9} = [0.45, 0.65]: length 0.05 + 0.15.
    np.testing.assert_allclose(s.peak_window_length.item(), 0.2, rtol=1e-10)
    assert s.readout_delta.item() == 0.25 and s.readout_time.item() == 2.0
    assert s.peak_window_length.attrs["peak_tolerance"] == 0.1
    # Off-grid delta and t_read use the linear interpolant between records.
    off = transient_summary(dataset(m[None], t), readout_delta=0.123, readout_time=1.2345, peak_tolerance=0.0)
    np.testing.assert_allclose(off.readout_loss_before.item(), 2 * 0.123, rtol=1e-10)
    np.testing.assert_allclose(off.readout_loss_after.item(), 0.123 / 1.5, rtol=1e-10)
    np.testing.assert_allclose(off.readout_loss_fixed.item(), 1 - (2 - 1.2345) / 1.5, rtol=1e-10)
    np.testing.assert_allclose(off.peak_window_length.item(), 0.0, atol=1e-12)  # a sharp peak
    # Reading before the cue or after the horizon is not possible: NaN, never an extrapolation.
    far = transient_summary(dataset(m[None], t), readout_delta=0.6)
    assert np.isnan(far.readout_loss_before.item())
    np.testing.assert_allclose(far.readout_loss_after.item(), 0.6 / 1.5, rtol=1e-12)
    zero = transient_summary(dataset(m[None], t), readout_delta=0.0)
    assert zero.readout_loss_before.item() == 0.0 and zero.readout_loss_after.item() == 0.0
    # A flat top: the whole plateau is within any tolerance of the peak.
    flat = np.minimum(m * 2, 1.0)  # 1 on [0.25, 1.25]
    np.testing.assert_allclose(transient_summary(dataset(flat[None], t), peak_tolerance=0.0)
                               .peak_window_length.item(), 1.0, rtol=1e-10)


def test_two_windows_and_threshold_dimension():
    t = np.arange(5.0)
    m = np.array([0.0, 1.0, 0.0, 1.0, 0.0])
    s = transient_summary(dataset(m[None], t), threshold=[-1.0, 0.25, 0.5, 1.0])
    assert s.window_start.dims == ("trial", "threshold")
    np.testing.assert_allclose(s.threshold.values, [-1.0, 0.25, 0.5, 1.0])
    np.testing.assert_allclose(s.window_start[0].values, [0.0, 0.25, 0.5, 1.0])
    np.testing.assert_allclose(s.window_end[0].values, [4.0, 3.75, 3.5, 3.0])
    np.testing.assert_allclose(s.window_length[0].values, [4.0, 3.0, 2.0, 0.0])
    # The final window (last 10% of T = 4) holds fewer than two records, so it is the last two: m_inf = 0.5.
    assert s.final_overlap.item() == 0.5
    assert s.recoverable[0].values.tolist() == [True, True, True, True]
    assert s.transient_only[0].values.tolist() == [False, False, False, True]


def test_never_reached_gives_nan_window():
    t, m = triangle(scale=0.5)
    s = transient_summary(dataset(m[None], t), threshold=0.9)
    assert np.isnan(s.window_start.item()) and np.isnan(s.window_end.item())
    assert s.window_length.item() == 0.0
    assert not bool(s.recoverable) and not bool(s.transient_only)


def test_extra_dims_match_one_by_one_and_any_dim_order():
    # (order, load, trial, time): point (o, l, k) is a triangle of height 0.5 + 0.1 (o + l + k) peaking
    # at time 0.5 + 0.25 l; every summary value equals the one of the lone series.
    t, _ = triangle()
    heights = 0.5 + 0.1 * (np.arange(2)[:, None, None] + np.arange(3)[None, :, None] + np.arange(2)[None, None, :])
    peaks = 0.5 + 0.25 * np.arange(3)[None, :, None] + 0 * heights
    m = np.stack([triangle(h, p)[1] for h, p in zip(heights.ravel(), peaks.ravel())]).reshape(2, 3, 2, -1)
    ds = dataset(m, t, dims=("order", "load", "trial", "time"))
    s = transient_summary(ds, threshold=[0.6, 0.8])
    np.testing.assert_allclose(s.peak_overlap.values, heights, rtol=1e-12)
    np.testing.assert_allclose(s.peak_time.values, peaks, rtol=1e-12)
    swapped = transient_summary(ds.transpose("time", "trial", "load", "order"), threshold=[0.6, 0.8])
    for o in range(2):
        for ld in range(3):
            for k in range(2):
                alone = transient_summary(dataset(m[o, ld, k][None], t), threshold=[0.6, 0.8]).isel(trial=0)
                for name in alone.data_vars:
                    want = alone[name].values
                    point = dict(order=o, load=ld, trial=k)
                    np.testing.assert_allclose(s.isel(point)[name].values, want, rtol=1e-12, err_msg=name)
                    got = swapped.isel(point)[name].transpose(*alone[name].dims).values
                    np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=name)


def test_nan_points_are_invalid_and_do_not_leak():
    t, m = triangle()
    series = np.stack([m, m, m])
    series[1, 50] = np.nan
    activity = np.stack([m, m, m])
    activity[:, 0] = np.nan  # binary runs record no activity at time 0
    s = transient_summary(dataset(series, t, activity=activity), threshold=0.5)
    assert s.valid.values.tolist() == [True, False, True]
    for name in ("initial_overlap", "peak_overlap", "peak_time", "overlap_gain", "final_overlap", "effectiveness",
                 "window_start", "window_end", "window_length", "mean_abs_dm_dt", "readout_loss_before",
                 "readout_loss_after", "readout_loss_fixed", "peak_window_length"):
        assert np.isnan(s[name].values[1]), name
        assert np.isfinite(s[name].values[[0, 2]]).all(), name
    assert s.recoverable.values.tolist() == [True, False, True]
    assert s.transient_only.values.tolist() == [True, False, True]
    assert not bool(s.settled[1])
    np.testing.assert_allclose(s.mean_activity.values, np.mean(m[1:]), rtol=1e-12)


def test_attributes_history_and_cf():
    t, m = triangle()
    ds = dataset(m[None], t)
    ds.attrs["extra"] = "kept"
    s = transient_summary(ds, threshold=[0.5, 0.9])
    assert missing_cf_attrs(s) == []
    assert s.attrs["config"] == ds.attrs["config"] and s.attrs["extra"] == "kept"
    lines = s.attrs["history"].splitlines()
    assert lines[0] == ds.attrs["history"] and "transient_summary(threshold=[0.5, 0.9]" in lines[1]
    assert s.peak_time.attrs["units"] == "1"
    scalar = transient_summary(ds, threshold=0.9)
    assert missing_cf_attrs(scalar) == [] and scalar.threshold.item() == 0.9
    course = transient_summary(dataset(m[None], t, retrieval_force=m[None], speed=m[None]), time_course=True)
    assert missing_cf_attrs(course) == []
    assert course.overlap_rate.attrs["units"] == "1" and course.readout_delta.attrs["units"] == "1"
    assert "readout_delta=1, readout_time=2, peak_tolerance=0.05, time_course=True" in course.attrs["history"]


def test_graded_run_recorded_force_matches_the_overlap_rate():
    # The recorded retrieval force F = <grad_x m, dx/dt> is exactly dm/dt, so over a record interval of
    # length h, (m_k - m_{k-1})/h = (F_{k-1} + F_k)/2 + O(h^2): the trapezoid error is h^2 F''(xi)/12.
    # RK4 at dt = 0.01 adds O(dt^4), negligible.  Records every step, then every 2nd and 4th record.
    from hopfield_hclm.core import trial_generators
    from hopfield_hclm.memory.graded import initial_state, integrate

    rng = np.random.default_rng(0)
    xi = torch.tensor(rng.choice([-1.0, 1.0], size=(1, 40, 100)))
    x0 = initial_state(xi[0, :1].expand(3, 100), gain=2.0, cue_strength=1.0, generators=trial_generators(0, 3),
                       device="cpu", dtype=torch.float64)
    dt = 0.01
    traj = integrate(xi, x0, order=1, gain=2.0, load=0.4, dt=dt, steps=400, record_every=1, method="rk4")
    m, force = traj.series["overlap"].numpy(), traj.series["retrieval_force"].numpy()
    curvature = np.abs(np.diff(force, 2, axis=1)).max() / dt**2  # max |F''| on the finest records
    errors = {}
    for stride in (2, 4):
        h = stride * dt
        f = force[:, ::stride]
        s = transient_summary(dataset(m[:, ::stride], traj.time[::stride], retrieval_force=f), time_course=True)
        midpoint = (f[:, 1:] + f[:, :-1]) / 2
        errors[stride] = np.abs(s.overlap_rate.values[:, 1:] - midpoint).max()
        bound = h**2 / 12 * curvature
        # 10% allowance: max |F''| sampled at spacing dt underestimates the true maximum by O(dt max |F'''|).
        assert errors[stride] <= 1.1 * bound, (stride, errors[stride], bound)
        # Path integrals: per interval without a sign change, ||dm_k| - int |F_lin|| <= h^3 max|F''|/12; an
        # interval [a, b] where F changes sign adds at most 2 h max(|F_a|, |F_b|) (both terms are that small).
        horizon = traj.time[-1]
        crossing = np.sign(f[:, 1:]) != np.sign(f[:, :-1])
        local = np.maximum(np.abs(f[:, 1:]), np.abs(f[:, :-1]))
        path_bound = 1.1 * bound + (2 * h * local * crossing).sum(axis=1) / horizon
        gap = np.abs(s.mean_abs_dm_dt.values - s.mean_abs_retrieval_force.values)
        assert (gap <= path_bound).all(), (gap, path_bound)
        # The trajectories rise and fall, so the path force is far from the endpoint value |m(T) - m(0)|/T.
        endpoint = np.abs(m[:, -1] - m[:, 0]) / horizon
        assert (s.mean_abs_retrieval_force.values - endpoint > 10 * path_bound).all(), path_bound
        np.testing.assert_allclose(s.peak_overlap.values, m[:, ::stride][:, 1:].max(axis=1))
    # Second order: halving h divides the error by about 4.
    assert 3.0 < errors[4] / errors[2] < 5.0, errors


@pytest.mark.parametrize(
    ("make", "kwargs", "message"),
    [
        (lambda ds: ds.rename({"overlap": "m"}), {}, "overlap"),
        (lambda ds: ds.isel(time=0), {}, "time"),
        (lambda ds: ds.isel(time=[0]), {}, "at least 2"),
        (lambda ds: ds.assign_coords(time=ds.time.values[::-1]), {}, "increasing"),
        (lambda ds: ds["overlap"], {}, "Dataset"),
        (lambda ds: ds, {"threshold": 1.5}, "threshold"),
        (lambda ds: ds, {"threshold": float("nan")}, "threshold"),
        (lambda ds: ds, {"threshold": [[0.5]]}, "threshold"),
        (lambda ds: ds, {"threshold": []}, "threshold"),
        (lambda ds: ds, {"threshold": "high"}, "threshold"),
        (lambda ds: ds, {"final_window": 0.0}, "final_window"),
        (lambda ds: ds, {"final_window": 1.5}, "final_window"),
        (lambda ds: ds, {"settle_tolerance": -0.1}, "settle_tolerance"),
        (lambda ds: ds, {"readout_delta": -0.5}, "readout_delta"),
        (lambda ds: ds, {"readout_delta": float("inf")}, "readout_delta"),
        (lambda ds: ds, {"readout_delta": "1"}, "readout_delta"),
        (lambda ds: ds, {"readout_time": -0.1}, "readout_time"),
        (lambda ds: ds, {"readout_time": 2.5}, "readout_time"),
        (lambda ds: ds, {"peak_tolerance": -0.01}, "peak_tolerance"),
        (lambda ds: ds, {"peak_tolerance": 1.5}, "peak_tolerance"),
        (lambda ds: ds, {"peak_tolerance": float("nan")}, "peak_tolerance"),
        (lambda ds: ds, {"time_course": "yes"}, "time_course"),
    ],
)
def test_bad_input(make, kwargs, message):
    t, m = triangle()
    with pytest.raises(ValueError, match=message):
        transient_summary(make(dataset(m[None], t)), **kwargs)


@settings(max_examples=60, deadline=None)
@given(
    m=arrays(np.float64, st.integers(2, 40), elements=st.floats(-1, 1)),
    theta=st.floats(-1, 1),
    shift=st.floats(-5, 5),
    step=st.floats(0.1, 2.0),
)
def test_summary_invariants(m, theta, shift, step):
    # Orderings every summary must satisfy, and invariance under a shift of the time origin.
    t = np.arange(len(m)) * step
    s = transient_summary(dataset(m[None], t), threshold=theta).isel(trial=0)
    shifted = transient_summary(dataset(m[None], t + shift), threshold=theta).isel(trial=0)
    horizon = t[-1]
    assert s.peak_overlap == m[1:].max() and s.initial_overlap == m[0]  # the cue is not retrieval
    assert s.peak_overlap >= m[-1]
    np.testing.assert_allclose(s.overlap_gain, m[1:].max() - m[0], rtol=0, atol=1e-15)
    assert 0 <= s.effectiveness <= np.max(m**2) + 1e-12
    assert 0 <= s.window_length <= horizon * (1 + 1e-12)
    assert 0 <= s.peak_window_length <= horizon * (1 + 1e-12)
    # Recoverable needs the peak at theta and the dynamics doing the work; transient-only also m_inf < theta.
    if s.recoverable:
        assert s.peak_overlap >= theta and (s.overlap_gain > 0 or s.final_overlap >= theta)
    assert bool(s.recoverable) >= bool(s.peak_overlap >= theta and s.overlap_gain > 0)
    assert bool(s.transient_only) == bool(s.recoverable and s.final_overlap < theta)
    if np.all(np.diff(m) < 0) and s.final_overlap < theta:
        assert not s.recoverable  # a cue that only decays
    # A reader after t* (or at T) never sees more than m*; before t* only the cue can be higher.
    for name in ("readout_loss_after", "readout_loss_fixed"):
        assert np.isnan(s[name]) or s[name] >= -1e-12, name
    assert np.isnan(s.readout_loss_before) or s.readout_loss_before >= min(0.0, float(s.overlap_gain)) - 1e-12
    if s.recoverable:
        assert t[0] <= s.window_start <= s.peak_time <= s.window_end <= t[-1]
        assert s.window_length <= s.window_end - s.window_start + 1e-9
    elif m.max() < theta:
        assert np.isnan(s.window_start) and s.window_length == 0
    for name in ("peak_time", "window_start", "window_end"):
        np.testing.assert_allclose(shifted[name].item(), s[name].item() + shift, atol=1e-9)
    for name in ("peak_overlap", "final_overlap", "effectiveness", "mean_abs_dm_dt", "window_length",
                 "readout_loss_before", "readout_loss_after", "readout_loss_fixed", "peak_window_length"):
        np.testing.assert_allclose(shifted[name].item(), s[name].item(), rtol=1e-9, atol=1e-9)
