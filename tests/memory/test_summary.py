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
    assert s.peak_overlap.item() == 1.0 and s.peak_time.item() == 0.0
    # Final window t >= 4.5: 51 records, a geometric sum.
    r = math.exp(-H)
    final = math.exp(-4.5) * (1 - r**51) / (51 * (1 - r))
    np.testing.assert_allclose(s.final_overlap.item(), final, rtol=1e-12)
    np.testing.assert_allclose(s.final_spread.item(), math.exp(-4.5) - math.exp(-5), rtol=1e-12)
    assert bool(s.settled) and bool(s.recoverable) and bool(s.transient_only)
    # Trapezoid of e^{-2t}: exactly (h/2)(1+q)(1-q^K)/(1-q), q = e^{-2h}; the integral (1-e^{-10})/2
    # differs by the trapezoid error: relative h coth(h) - 1 = h^2/3 to leading order.
    q, records = math.exp(-2 * H), len(t) - 1
    trapezoid = H / 2 * (1 + q) * (1 - q**records) / (1 - q)
    np.testing.assert_allclose(s.effectiveness.item(), trapezoid / 5, rtol=1e-12)
    np.testing.assert_allclose(s.effectiveness.item(), (1 - math.exp(-10)) / 10, rtol=H**2 / 3 * 1.01)
    # (1/T) int |dm/dt| = (1 - e^{-5})/5 exactly: total variation of a monotone series.
    np.testing.assert_allclose(s.mean_abs_dm_dt.item(), (1 - math.exp(-5)) / 5, rtol=1e-12)
    np.testing.assert_allclose(s.mean_retrieval_force.item(), -(1 - math.exp(-5)) / 5, rtol=H**2)
    np.testing.assert_allclose(s.mean_speed.item(), (1 - math.exp(-5)) / 5, rtol=H**2)
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
    for name in ("peak_overlap", "peak_time", "final_overlap", "effectiveness", "window_start", "window_end",
                 "window_length", "mean_abs_dm_dt"):
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


def test_summary_of_a_graded_run():
    # Cross-check with the integrator: the mean retrieval force is (1/T) int dm/dt = (m(T) - m(0))/T
    # up to the trapezoid error of the recorded force (RK4, record spacing 0.05).
    from hopfield_hclm.core import trial_generators
    from hopfield_hclm.memory.graded import initial_state, integrate

    rng = np.random.default_rng(0)
    xi = torch.tensor(rng.choice([-1.0, 1.0], size=(1, 40, 100)))
    x0 = initial_state(xi[0, :1].expand(3, 100), gain=2.0, cue_strength=1.0, generators=trial_generators(0, 3),
                       device="cpu", dtype=torch.float64)
    traj = integrate(xi, x0, order=1, gain=2.0, load=0.4, dt=0.01, steps=1000, record_every=5, method="rk4")
    ds = dataset(traj.series["overlap"].numpy(), traj.time,
                 retrieval_force=traj.series["retrieval_force"].numpy(), speed=traj.series["speed"].numpy())
    s = transient_summary(ds)
    m = traj.series["overlap"].numpy()
    np.testing.assert_allclose(s.mean_retrieval_force.values, (m[:, -1] - m[:, 0]) / 10.0, rtol=0, atol=1e-4)
    np.testing.assert_allclose(s.peak_overlap.values, m.max(axis=1))
    assert (s.mean_abs_dm_dt.values >= np.abs(s.mean_retrieval_force.values) - 1e-12).all()


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
    assert s.peak_overlap >= max(m[0], m[-1], s.final_overlap - 1e-12)
    assert 0 <= s.effectiveness <= np.max(m**2) + 1e-12
    assert 0 <= s.window_length <= horizon * (1 + 1e-12)
    assert bool(s.recoverable) == (m.max() >= theta)
    if s.recoverable:
        assert t[0] <= s.window_start <= s.peak_time <= s.window_end <= t[-1]
        assert s.window_length <= s.window_end - s.window_start + 1e-9
    else:
        assert np.isnan(s.window_start) and s.window_length == 0
    for name in ("peak_time", "window_start", "window_end"):
        np.testing.assert_allclose(shifted[name].item(), s[name].item() + shift, atol=1e-9)
    for name in ("peak_overlap", "final_overlap", "effectiveness", "mean_abs_dm_dt", "window_length"):
        np.testing.assert_allclose(shifted[name].item(), s[name].item(), rtol=1e-9, atol=1e-9)
