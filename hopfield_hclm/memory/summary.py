"""Transient summary of trajectory Datasets: what the dynamics do over a finite horizon (DESIGN.md §4).

``transient_summary`` reduces the ``time`` dimension of the ``overlap`` variable (and, when present,
``retrieval_force``, ``speed``, ``activity``) of any Dataset -- a single run ``(trial, time)`` or a
sweep with extra dims such as ``order``, ``load``, ``cue_overlap`` -- to per-point numbers.  All
reductions are vectorised numpy over the other dims; only the (few) thresholds are looped over.

With records m_k = m(t_k), k = 0..K (k = 0 is the cue), horizon T = t_K - t_0 and m_lin the
piecewise-linear interpolant of the records:

- ``initial_overlap`` m(0) = m_0, the cue overlap;
- ``peak_overlap`` m*(T) = max_{k >= 1} m_k = max_{0 < t <= T} m(t) on the records: the cue itself is
  not retrieval, so t = 0 is excluded;  ``peak_time`` t* = first t_k, k >= 1, where it is attained;
- ``overlap_gain`` m*(T) - m(0): what the dynamics added to the cue (negative: they only degraded it);
- ``final_overlap`` m_inf = mean of m_k over the final window t_k >= t_K - w T (w = ``final_window``,
  default 0.1: the last 10% of the horizon; at least the last two records);
- ``settled``: (max - min) of m over the final window <= ``settle_tolerance`` (default 0.01);
- ``recoverable`` at theta: m* >= theta and the dynamics did the work: m* > m(0), or the state stays
  retrieved, m_inf >= theta;  ``transient_only``: recoverable and m_inf < theta.  So a cue above theta
  that only decays is neither; a rise through theta followed by a fall is both; a state that stays on
  the pattern is recoverable and not transient-only;
- ``effectiveness`` (1/T) int m^2 dt (trapezoid rule);
- ``window_start`` / ``window_end``: first / last time with m_lin(t) >= theta (NaN when never
  reached); ``window_length``: measure of {t : m_lin(t) >= theta} (0 when never reached);
- force along the path, never from the endpoints alone: ``mean_abs_dm_dt`` (1/T) int |dm_lin/dt| dt
  = (1/T) sum_k |m_{k+1} - m_k| (the total variation of the recorded overlap; for binary units the
  per-sweep differences); for graded runs also ``mean_abs_retrieval_force`` (1/T) int |F| dt of the
  recorded F = <grad_x m, dx/dt> = dm/dt, integrated exactly for the piecewise-linear F_lin; with
  ``time_course=True`` the time course ``overlap_rate`` (m_k - m_{k-1}) / (t_k - t_{k-1}) at t_k
  (NaN at t_0), the rate over the record interval that ends at t_k;
- readout-time sensitivity: ``readout_loss_before`` m* - m_lin(t* - delta), ``readout_loss_after``
  m* - m_lin(t* + delta) (delta = ``readout_delta``, time units of ``time``; NaN where t* +- delta
  lies outside [t_0, t_K]), ``readout_loss_fixed`` m* - m_lin(t_read) (t_read = ``readout_time``,
  default t_K), and ``peak_window_length``, the measure of {t : m_lin(t) >= m* - tol}
  (tol = ``peak_tolerance``): how long a reader may wait and lose at most tol;
- ``mean_speed`` (1/T) int speed dt (trapezoid), ``mean_activity`` the mean of the activity records
  after time 0 (binary runs record NaN at time 0).

A point whose overlap series holds any NaN/Inf (a missing sweep point) has ``valid`` False, NaN in
every numeric output and False in every flag.  References: Clark 2025, arXiv:2506.05303 (transient
recovery curves); Tran, Human-Centered Learning Mechanics (arXiv:2605.22940) §9.6, as rendered in
DESIGN.md §4 (docs/diagnostics.md).
"""

from __future__ import annotations

import datetime as _dt
import numbers

import numpy as np
import xarray as xr

from ..core.attrs import annotate
from ..core.validation import check_real

DEFAULT_FINAL_WINDOW: float = 0.1
DEFAULT_SETTLE_TOLERANCE: float = 0.01
#: one sweep (binary) or one time constant (graded): the natural timing error of a reader
DEFAULT_READOUT_DELTA: float = 1.0
DEFAULT_PEAK_TOLERANCE: float = 0.05


#: long names of the summary's outputs, grouped by their units: dimensionless, a time, a rate (per time)
_DIMENSIONLESS = {
    "initial_overlap": "cue overlap m(0) (the record at the first time)",
    "peak_overlap": "finite-horizon transient recovery m*(T) = max_{0<t<=T} m(t) (cue excluded)",
    "overlap_gain": "gain of the dynamics over the cue m*(T) - m(0)",
    "final_overlap": "asymptotic overlap m_inf: mean over the final window",
    "final_spread": "max - min of the overlap over the final window",
    "settled": "final-window spread of the overlap within the settle tolerance",
    "recoverable": "transiently recoverable by the dynamics: m* >= threshold and (m* > m(0) or m_inf >= threshold)",
    "transient_only": "transient-only retrieval: recoverable and m_inf < threshold",
    "effectiveness": "memory effectiveness (1/T) int m(t)^2 dt",
    "readout_loss_before": "overlap lost reading at t* - delta instead of t*: m* - m(t* - delta)",
    "readout_loss_after": "overlap lost reading at t* + delta instead of t*: m* - m(t* + delta)",
    "readout_loss_fixed": "overlap lost reading at the fixed time t_read instead of t*: m* - m(t_read)",
    "mean_activity": "mean fraction of units changed per sweep after time 0",
    "valid": "overlap series complete (no NaN or Inf)",
    "threshold": "retrieval threshold theta on the overlap",
}
_TIMES = {
    "peak_time": "time t* of the peak overlap (t > 0)",
    "window_start": "first time with m(t) >= threshold",
    "window_end": "last time with m(t) >= threshold",
    "window_length": "total time with m(t) >= threshold",
    "peak_window_length": "total time with m(t) >= m* - peak tolerance",
    "horizon": "horizon T of the trajectory",
    "readout_delta": "readout timing error delta",
    "readout_time": "fixed readout time t_read",
}
_RATES = {
    "mean_abs_dm_dt": "path overlap rate (1/T) int |dm/dt| dt from the recorded overlap",
    "mean_abs_retrieval_force": "path retrieval force (1/T) int |<grad_x m, dx/dt>| dt from the recorded force",
    "overlap_rate": "overlap rate (m(t_k) - m(t_k-1)) / (t_k - t_k-1) over the record interval ending at t_k",
    "mean_speed": "mean state speed (1/T) int |dx/dt|/sqrt(N) dt",
}


def _attrs(time_units: str) -> dict[str, tuple[str, str]]:
    """name -> (long_name, units) of every summary output, for a trajectory whose time is in ``time_units``."""
    rate = "1" if time_units == "1" else f"{time_units}-1"
    groups = ((_DIMENSIONLESS, "1"), (_TIMES, time_units), (_RATES, rate))
    return {name: (long_name, units) for table, units in groups for name, long_name in table.items()}


def _validate(ds, threshold, final_window, settle_tolerance, readout_delta, readout_time, peak_tolerance,
              time_course):
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
    delta = check_real("readout_delta", readout_delta, low=0.0)
    if readout_time is None:
        t_read = float(time[-1])
    else:
        t_read = check_real("readout_time", readout_time, low=float(time[0]), high=float(time[-1]))
    tol = check_real("peak_tolerance", peak_tolerance, low=0.0, high=1.0)
    if not isinstance(time_course, (bool, np.bool_)):
        raise ValueError(f"time_course must be True or False; got {time_course!r}")
    return time, thetas, delta, t_read, tol


def _trapezoid_mean(values: np.ndarray, time: np.ndarray, horizon: float) -> np.ndarray:
    return np.trapezoid(values, time, axis=-1) / horizon


def _abs_integral_mean(f: np.ndarray, time: np.ndarray, horizon: float) -> np.ndarray:
    """(1/T) int |f_lin| dt for the piecewise-linear interpolant of ``f`` ``(..., record)``, exactly.

    On an interval of length h with end values a, b: h (|a| + |b|)/2 when a b >= 0, and
    h (a^2 + b^2) / (2 (|a| + |b|)) when the sign changes inside it.
    """
    a, b = f[..., :-1], f[..., 1:]
    h = np.diff(time)
    same = h * (np.abs(a) + np.abs(b)) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = h * (a * a + b * b) / (2 * (np.abs(a) + np.abs(b)))
    return np.where(a * b < 0, cross, same).sum(axis=-1) / horizon


def _window(m: np.ndarray, time: np.ndarray, theta, valid: np.ndarray):
    """Start, end and length of {t : m_lin(t) >= theta}; m is ``(..., record)``, theta scalar or ``(...)``."""
    theta = np.asarray(theta, dtype=np.float64)[..., None]
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


def _interpolate(m: np.ndarray, time: np.ndarray, query: np.ndarray) -> np.ndarray:
    """m_lin at per-point times ``query`` ``(...)``; NaN where the query lies outside [t_0, t_K]."""
    query = np.asarray(query, dtype=np.float64)
    slack = 1e-12 * max(1.0, float(np.abs(time).max()))
    inside = (query >= time[0] - slack) & (query <= time[-1] + slack)
    q = np.clip(np.where(inside, query, time[0]), time[0], time[-1])
    k = np.clip(np.searchsorted(time, q, side="right") - 1, 0, len(time) - 2)
    frac = (q - time[k]) / (time[k + 1] - time[k])
    lo = np.take_along_axis(m, k[..., None], axis=-1)[..., 0]
    hi = np.take_along_axis(m, k[..., None] + 1, axis=-1)[..., 0]
    return np.where(inside, lo + frac * (hi - lo), np.nan)


def transient_summary(
    ds: xr.Dataset,
    threshold=0.9,
    *,
    final_window: float = DEFAULT_FINAL_WINDOW,
    settle_tolerance: float = DEFAULT_SETTLE_TOLERANCE,
    readout_delta: float = DEFAULT_READOUT_DELTA,
    readout_time: float | None = None,
    peak_tolerance: float = DEFAULT_PEAK_TOLERANCE,
    time_course: bool = False,
) -> xr.Dataset:
    """Summarise the overlap trajectories of ``ds`` over its ``time`` dimension (module docstring).

    Args:
        ds: Dataset with ``overlap`` of dims ``(..., time)`` and a numeric, increasing ``time``
            coordinate (at least two records; the first is the cue).  Any other dims are kept.
        threshold: theta in [-1, 1], or a 1-D list of them (then the threshold-dependent outputs
            get a ``threshold`` dimension).
        final_window: fraction w in (0, 1] of the horizon that defines m_inf and ``settled``.
        settle_tolerance: largest final-window spread (max - min) of m counted as settled (>= 0).
        readout_delta: timing error delta >= 0 of a reader around t*, in the units of ``time``
            (default 1: one sweep for binary units, one time constant for graded units).
        readout_time: fixed readout time t_read in [t_0, t_K] compared with t*; default t_K.
        peak_tolerance: tol in [0, 1]; ``peak_window_length`` measures {t : m(t) >= m* - tol}.
        time_course: also return ``overlap_rate`` with dims ``(..., time)``.

    Returns:
        Dataset with the other dims of ``overlap`` (plus ``threshold`` for a list, plus ``time`` for
        ``overlap_rate``), every variable with ``long_name`` and ``units``, the input's global
        attributes and one more history line.
    """
    time, thetas, delta, t_read, tol = _validate(ds, threshold, final_window, settle_tolerance, readout_delta,
                                                 readout_time, peak_tolerance, time_course)
    overlap = ds["overlap"].transpose(..., "time")
    dims = overlap.dims[:-1]
    m = np.asarray(overlap.values, dtype=np.float64)
    horizon = time[-1] - time[0]
    valid = np.all(np.isfinite(m), axis=-1)
    nan = np.where(valid, 0.0, np.nan)  # adds NaN to every numeric output of an invalid point

    m0 = m[..., 0] + nan
    after = m[..., 1:]  # t > 0: the cue itself is not retrieval
    peak_index = 1 + np.argmax(np.where(np.isfinite(after), after, -np.inf), axis=-1)
    peak = np.take_along_axis(m, peak_index[..., None], axis=-1)[..., 0] + nan
    peak_time = time[peak_index] + nan
    in_window = time >= time[-1] - final_window * horizon
    if in_window.sum() < 2:
        in_window[-2:] = True
    tail = m[..., in_window]
    final = tail.mean(axis=-1) + nan
    spread = tail.max(axis=-1) - tail.min(axis=-1) + nan
    safe = np.where(np.isfinite(m), m, 0.0)
    _, _, peak_window = _window(safe, time, np.where(valid, peak - tol, np.inf), valid)
    out: dict[str, tuple[tuple[str, ...], np.ndarray]] = {
        "valid": (dims, valid),
        "initial_overlap": (dims, m0),
        "peak_overlap": (dims, peak),
        "peak_time": (dims, peak_time),
        "overlap_gain": (dims, peak - m0),
        "final_overlap": (dims, final),
        "final_spread": (dims, spread),
        "settled": (dims, valid & (spread <= settle_tolerance)),
        "effectiveness": (dims, _trapezoid_mean(m * m, time, horizon) + nan),
        "mean_abs_dm_dt": (dims, np.abs(np.diff(m, axis=-1)).sum(axis=-1) / horizon + nan),
        "readout_loss_before": (dims, peak - _interpolate(safe, time, peak_time - delta)),
        "readout_loss_after": (dims, peak - _interpolate(safe, time, peak_time + delta)),
        "readout_loss_fixed": (dims, peak - _interpolate(safe, time, np.full(peak.shape, t_read))),
        "peak_window_length": (dims, peak_window),
    }

    per_theta = {name: [] for name in ("recoverable", "transient_only", "window_start", "window_end",
                                       "window_length")}
    for theta in np.atleast_1d(thetas):
        # the dynamics did the work: they raised the overlap above the cue, or the state stays retrieved
        recoverable = valid & (peak >= theta) & ((peak > m0) | (final >= theta))
        per_theta["recoverable"].append(recoverable)
        per_theta["transient_only"].append(recoverable & (final < theta))
        for name, value in zip(("window_start", "window_end", "window_length"), _window(m, time, theta, valid)):
            per_theta[name].append(value)
    for name, values in per_theta.items():
        if thetas.ndim == 0:
            out[name] = (dims, values[0])
        else:
            out[name] = ((*dims, "threshold"), np.stack(values, axis=-1))

    if "retrieval_force" in ds.data_vars and "time" in ds["retrieval_force"].dims:
        series = ds["retrieval_force"].transpose(..., "time")
        values = _abs_integral_mean(np.asarray(series.values, dtype=np.float64), time, horizon)
        out["mean_abs_retrieval_force"] = (series.dims[:-1], values)
    if "speed" in ds.data_vars and "time" in ds["speed"].dims:
        series = ds["speed"].transpose(..., "time")
        out["mean_speed"] = (series.dims[:-1],
                             _trapezoid_mean(np.asarray(series.values, dtype=np.float64), time, horizon))
    if "activity" in ds.data_vars and "time" in ds["activity"].dims:
        series = ds["activity"].transpose(..., "time")
        out["mean_activity"] = (series.dims[:-1], np.asarray(series.values, dtype=np.float64)[..., 1:].mean(axis=-1))
    if time_course:
        rate = np.full(m.shape, np.nan)
        rate[..., 1:] = np.diff(m, axis=-1) / np.diff(time)
        out["overlap_rate"] = ((*dims, "time"), rate)

    coords = {name: coord for name, coord in ds.coords.items() if "time" not in coord.dims}
    if time_course:
        coords["time"] = ds["time"]
    summary = xr.Dataset(out, coords=coords)
    summary["horizon"] = ((), horizon)
    summary["readout_delta"] = ((), delta)
    summary["readout_time"] = ((), t_read)
    summary = summary.assign_coords(threshold=("threshold", thetas) if thetas.ndim else thetas)
    time_units = str(ds["time"].attrs.get("units", "1"))
    annotate(summary, _attrs(time_units))
    for name in ("final_overlap", "final_spread", "settled"):
        summary[name].attrs["final_window"] = final_window
    summary["settled"].attrs["settle_tolerance"] = settle_tolerance
    summary["peak_window_length"].attrs["peak_tolerance"] = tol

    from .. import __version__

    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    line = (f"{stamp} transient_summary(threshold={thetas.tolist()}, final_window={final_window:g}, "
            f"settle_tolerance={settle_tolerance:g}, readout_delta={delta:g}, readout_time={t_read:g}, "
            f"peak_tolerance={tol:g}, time_course={bool(time_course)}) by hopfield_hclm {__version__}")
    summary.attrs = dict(ds.attrs)
    summary.attrs["history"] = f"{ds.attrs['history']}\n{line}" if ds.attrs.get("history") else line
    return summary
