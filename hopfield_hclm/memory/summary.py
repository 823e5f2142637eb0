"""Transient summary of trajectory Datasets: finite-horizon and asymptotic retrieval (DESIGN.md §4).

``transient_summary`` reduces the ``time`` dimension of the ``overlap`` variable (and, when present,
``retrieval_force``, ``speed``, ``activity``) of any Dataset -- a single run ``(trial, time)`` or a
sweep with extra dims such as ``order``, ``load``, ``cue`` -- to per-point numbers.  All reductions are
vectorised numpy over the other dims; only the (few) thresholds are looped over.

With records m_k = m(t_k), k = 0..K, horizon T = t_K - t_0 and m_lin the piecewise-linear interpolant:

- ``peak_overlap`` m*(T) = max_k m_k;  ``peak_time`` t* = first t_k where it is attained;
- ``final_overlap`` m_inf = mean of m_k over the final window t_k >= t_K - w T (w = ``final_window``,
  default 0.1: the last 10% of the horizon; at least the last two records);
- ``settled``: (max - min) of m over the final window <= ``settle_tolerance`` (default 0.01);
- ``recoverable``: m* >= theta;  ``transient_only``: m* >= theta and m_inf < theta;
- ``effectiveness`` (1/T) int m^2 dt (trapezoid rule);
- ``window_start`` / ``window_end``: first / last time with m_lin(t) >= theta (NaN when never
  reached); ``window_length``: measure of {t : m_lin(t) >= theta} (0 when never reached);
- ``mean_abs_dm_dt`` (1/T) int |dm_lin/dt| dt = (1/T) sum_k |m_{k+1} - m_k| (total variation; exact
  for monotone m);
- ``mean_retrieval_force`` (1/T) int F dt (trapezoid), ``mean_speed`` likewise, ``mean_activity``
  the mean of the activity records after time 0 (binary runs record NaN at time 0).

A point whose overlap series holds any NaN/Inf (a missing sweep point) has ``valid`` False, NaN in
every numeric output and False in every flag.  References: Clark 2025, arXiv:2506.05303 (transient
recovery curves); Tran, Human-Centered Learning Mechanics (arXiv:2605.22940) §9.6.
"""

from __future__ import annotations

import datetime as _dt
import numbers

import numpy as np
import xarray as xr

from ..core.validation import check_real

DEFAULT_FINAL_WINDOW: float = 0.1
DEFAULT_SETTLE_TOLERANCE: float = 0.01


def _attrs(time_units: str) -> dict[str, tuple[str, str]]:
    rate = "1" if time_units == "1" else f"{time_units}-1"
    return {
        "peak_overlap": ("finite-horizon transient recovery m*(T) = max_{t<=T} m(t)", "1"),
        "peak_time": ("time t* of the peak overlap", time_units),
        "final_overlap": ("asymptotic overlap m_inf: mean over the final window", "1"),
        "final_spread": ("max - min of the overlap over the final window", "1"),
        "settled": ("final-window spread of the overlap within the settle tolerance", "1"),
        "recoverable": ("transiently recoverable: m*(T) >= threshold", "1"),
        "transient_only": ("transient-only retrieval: m*(T) >= threshold and m_inf < threshold", "1"),
        "effectiveness": ("memory effectiveness (1/T) int m(t)^2 dt", "1"),
        "window_start": ("first time with m(t) >= threshold", time_units),
        "window_end": ("last time with m(t) >= threshold", time_units),
        "window_length": ("total time with m(t) >= threshold", time_units),
        "mean_abs_dm_dt": ("mean overlap rate (1/T) int |dm/dt| dt", rate),
        "mean_retrieval_force": ("mean retrieval force (1/T) int <grad_x m, dx/dt> dt", rate),
        "mean_speed": ("mean state speed (1/T) int |dx/dt|/sqrt(N) dt", rate),
        "mean_activity": ("mean fraction of units changed per sweep after time 0", "1"),
        "valid": ("overlap series complete (no NaN or Inf)", "1"),
        "horizon": ("horizon T of the trajectory", time_units),
        "threshold": ("retrieval threshold theta on the overlap", "1"),
    }


def _validate(ds, threshold, final_window, settle_tolerance) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(ds, xr.Dataset):
        raise ValueError(f"ds must be an xarray.Dataset with an 'overlap' variable; got {type(ds).__name__}")
    if "overlap" not in ds.data_vars:
        raise ValueError(f"ds must contain an 'overlap' variable; it has {sorted(map(str, ds.data_vars))}")
    if "time" not in ds["overlap"].dims:
        raise ValueError(f"ds['overlap'] must have a 'time' dimension; its dims are {ds['overlap'].dims}")
    time = np.asarray(ds["time"].values)
    if not np.issubdtype(time.dtype, np.number):
        raise ValueError(f"the 'time' coordinate must be numeric; got dtype {time.dtype}")
    time = time.astype(np.float64)
    if time.size < 2:
        raise ValueError(f"the 'time' coordinate needs at least 2 records; got {time.size}")
    if not np.all(np.isfinite(time)) or not np.all(np.diff(time) > 0):
        raise ValueError("the 'time' coordinate must be finite and strictly increasing")
    if isinstance(threshold, (bool, np.bool_)):
        raise ValueError(f"threshold must be a real number or a 1-D list in [-1, 1]; got {threshold!r}")
    if isinstance(threshold, numbers.Real):
        thetas = np.asarray(float(threshold))
    else:
        try:
            thetas = np.asarray(threshold, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"threshold must be a real number or a 1-D list in [-1, 1]; got {threshold!r}") from exc
        if thetas.ndim != 1 or thetas.size == 0:
            raise ValueError(f"threshold must be a real number or a non-empty 1-D list in [-1, 1]; got {threshold!r}")
    if not np.all(np.isfinite(thetas)) or np.any(np.abs(thetas) > 1):
        raise ValueError(f"threshold must lie in [-1, 1]; got {threshold!r}")
    check_real("final_window", final_window, low=0.0, high=1.0, low_open=True)
    check_real("settle_tolerance", settle_tolerance, low=0.0)
    return time, thetas


def _trapezoid_mean(values: np.ndarray, time: np.ndarray, horizon: float) -> np.ndarray:
    return np.trapezoid(values, time, axis=-1) / horizon


def _window(m: np.ndarray, time: np.ndarray, theta: float, valid: np.ndarray):
    """Start, end and length of {t : m_lin(t) >= theta}; m is ``(..., record)``."""
    above = m >= theta
    lo, hi = m[..., :-1], m[..., 1:]
    dt = np.diff(time)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        up = ~above[..., :-1] & above[..., 1:]
        down = above[..., :-1] & ~above[..., 1:]
        frac_up = np.where(up, (theta - lo) / (hi - lo), 0.0)      # where m_lin reaches theta
        frac_down = np.where(down, (lo - theta) / (lo - hi), 0.0)   # where m_lin leaves theta
    t_up = np.where(up, time[:-1] + frac_up * dt, np.inf)
    t_down = np.where(down, time[:-1] + frac_down * dt, -np.inf)
    start = np.where(above[..., 0], time[0], t_up.min(axis=-1))
    end = np.where(above[..., -1], time[-1], t_down.max(axis=-1))
    both = above[..., :-1] & above[..., 1:]
    length = (np.where(both, dt, 0.0) + np.where(up, (1.0 - frac_up) * dt, 0.0)
              + np.where(down, frac_down * dt, 0.0)).sum(axis=-1)
    reached = above.any(axis=-1)
    start = np.where(reached & valid, start, np.nan)
    end = np.where(reached & valid, end, np.nan)
    length = np.where(valid, length, np.nan)
    return start, end, length


def transient_summary(
    ds: xr.Dataset,
    threshold=0.9,
    *,
    final_window: float = DEFAULT_FINAL_WINDOW,
    settle_tolerance: float = DEFAULT_SETTLE_TOLERANCE,
) -> xr.Dataset:
    """Summarise the overlap trajectories of ``ds`` over its ``time`` dimension (module docstring).

    Args:
        ds: Dataset with ``overlap`` of dims ``(..., time)`` and a numeric, increasing ``time``
            coordinate (at least two records).  Any other dims are kept.
        threshold: theta in [-1, 1], or a 1-D list of them (then the threshold-dependent outputs
            get a ``threshold`` dimension).
        final_window: fraction w in (0, 1] of the horizon that defines m_inf and ``settled``.
        settle_tolerance: largest final-window spread (max - min) of m counted as settled.

    Returns:
        Dataset with the other dims of ``overlap`` (plus ``threshold`` for a list), every variable
        with ``long_name`` and ``units``, the input's global attributes and one more history line.
    """
    time, thetas = _validate(ds, threshold, final_window, settle_tolerance)
    overlap = ds["overlap"].transpose(..., "time")
    dims = overlap.dims[:-1]
    m = np.asarray(overlap.values, dtype=np.float64)
    horizon = time[-1] - time[0]
    valid = np.all(np.isfinite(m), axis=-1)
    nan = np.where(valid, 0.0, np.nan)  # adds NaN to every numeric output of an invalid point

    peak_index = np.argmax(np.where(np.isfinite(m), m, -np.inf), axis=-1)
    peak = np.take_along_axis(m, peak_index[..., None], axis=-1)[..., 0] + nan
    peak_time = time[peak_index] + nan
    in_window = time >= time[-1] - final_window * horizon
    if in_window.sum() < 2:
        in_window[-2:] = True
    tail = m[..., in_window]
    final = tail.mean(axis=-1) + nan
    spread = tail.max(axis=-1) - tail.min(axis=-1) + nan
    out: dict[str, tuple[tuple[str, ...], np.ndarray]] = {
        "valid": (dims, valid),
        "peak_overlap": (dims, peak),
        "peak_time": (dims, peak_time),
        "final_overlap": (dims, final),
        "final_spread": (dims, spread),
        "settled": (dims, valid & (spread <= settle_tolerance)),
        "effectiveness": (dims, _trapezoid_mean(m * m, time, horizon) + nan),
        "mean_abs_dm_dt": (dims, np.abs(np.diff(m, axis=-1)).sum(axis=-1) / horizon + nan),
    }

    per_theta = {name: [] for name in ("recoverable", "transient_only", "window_start", "window_end",
                                       "window_length")}
    for theta in np.atleast_1d(thetas):
        recoverable = valid & (peak >= theta)
        per_theta["recoverable"].append(recoverable)
        per_theta["transient_only"].append(recoverable & (final < theta))
        for name, value in zip(("window_start", "window_end", "window_length"), _window(m, time, theta, valid)):
            per_theta[name].append(value)
    for name, values in per_theta.items():
        if thetas.ndim == 0:
            out[name] = (dims, values[0])
        else:
            out[name] = ((*dims, "threshold"), np.stack(values, axis=-1))

    for source, name in (("retrieval_force", "mean_retrieval_force"), ("speed", "mean_speed")):
        if source in ds.data_vars and "time" in ds[source].dims:
            series = ds[source].transpose(..., "time")
            values = _trapezoid_mean(np.asarray(series.values, dtype=np.float64), time, horizon)
            out[name] = (series.dims[:-1], values)
    if "activity" in ds.data_vars and "time" in ds["activity"].dims:
        series = ds["activity"].transpose(..., "time")
        out["mean_activity"] = (series.dims[:-1], np.asarray(series.values, dtype=np.float64)[..., 1:].mean(axis=-1))

    coords = {name: coord for name, coord in ds.coords.items() if "time" not in coord.dims}
    summary = xr.Dataset(out, coords=coords)
    summary["horizon"] = ((), horizon)
    summary = summary.assign_coords(threshold=("threshold", thetas) if thetas.ndim else thetas)
    time_units = str(ds["time"].attrs.get("units", "1"))
    for name, (long_name, units) in _attrs(time_units).items():
        if name in summary.variables:
            summary[name].attrs.update(long_name=long_name, units=units)
    for name in ("final_overlap", "final_spread", "settled"):
        summary[name].attrs["final_window"] = final_window
    summary["settled"].attrs["settle_tolerance"] = settle_tolerance

    from .. import __version__

    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    line = (f"{stamp} transient_summary(threshold={thetas.tolist()}, final_window={final_window:g}, "
            f"settle_tolerance={settle_tolerance:g}) by hopfield_hclm {__version__}")
    summary.attrs = dict(ds.attrs)
    summary.attrs["history"] = f"{ds.attrs['history']}\n{line}" if ds.attrs.get("history") else line
    return summary
