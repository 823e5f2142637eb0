"""Finite-size scaling of the blackout load from sweep Datasets.

A trial *retrieves* when its asymptotic overlap (mean of ``variable`` over the last ``window`` records)
is at least ``threshold``. The retrieval fraction f(alpha) over trials falls from 1 to 0 as the load
passes the blackout; alpha_c(N) is the load where f first crosses ``level`` (linear interpolation
between grid loads), and its standard error comes from a seeded bootstrap over trials.

Extrapolation: weighted least squares of alpha_c(N) = alpha_inf + c N^(-nu) with a fixed exponent nu
(default 1/2, the order of the crosstalk fluctuations); the standard error of alpha_inf is from the
weighted-LS covariance. Compare alpha_inf with :func:`~.static.ags_capacity` (binary) or
:func:`~.static.graded_capacity` (graded n = 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from ...core.attrs import global_attrs
from ...core.validation import check_int, check_real

__all__ = ["blackout_load", "extrapolate_blackout", "FiniteSizeFit"]


def _crossing(loads: np.ndarray, fraction: np.ndarray, level: float) -> float:
    """First load where ``fraction`` (over increasing ``loads``) drops below ``level``; NaN if never."""
    below = np.nonzero(fraction < level)[0]
    if below.size == 0 or below[0] == 0:
        return float("nan")
    k = below[0]
    f0, f1 = fraction[k - 1], fraction[k]
    return float(loads[k - 1] + (f0 - level) / (f0 - f1) * (loads[k] - loads[k - 1]))


def blackout_load(ds: xr.Dataset, *, variable: str = "overlap", threshold: float = 0.5, level: float = 0.5,
                  window: int = 1, bootstrap: int = 200, seed: int = 0) -> xr.Dataset:
    """Blackout load alpha_c for every combination of the Dataset's other dims (e.g. ``neurons``).

    Args:
        ds: sweep Dataset with ``variable`` over dims including ``load``, ``trial`` and ``time``.
        threshold: overlap a trial must keep to count as retrieved, in (0, 1).
        level: retrieval fraction that defines the blackout, in (0, 1).
        window: number of final records averaged into the asymptotic overlap, >= 1.
        bootstrap: bootstrap resamples of the trials for the standard error, >= 2.

    Returns:
        Dataset with ``blackout_load`` and ``blackout_load_stderr`` over the remaining dims, and
        ``retrieval_fraction`` over (remaining dims, ``load``).
    """
    if not isinstance(ds, xr.Dataset) or variable not in ds:
        raise ValueError(f"ds must be an xarray.Dataset holding variable {variable!r}")
    da = ds[variable]
    for dim in ("load", "trial", "time"):
        if dim not in da.dims:
            raise ValueError(f"ds[{variable!r}] must have dims 'load', 'trial' and 'time'; got {da.dims}")
    threshold = check_real("threshold", threshold, low=0.0, high=1.0, low_open=True, high_open=True)
    level = check_real("level", level, low=0.0, high=1.0, low_open=True, high_open=True)
    window = check_int("window", window, minimum=1, maximum=da.sizes["time"])
    bootstrap = check_int("bootstrap", bootstrap, minimum=2)
    seed = check_int("seed", seed, minimum=0)
    loads = np.asarray(da["load"].values, dtype=np.float64)
    if np.any(np.diff(loads) <= 0):
        raise ValueError("ds['load'] must be strictly increasing")
    final = da.isel(time=slice(-window, None)).mean("time")
    others = [d for d in final.dims if d not in ("load", "trial")]
    arr = final.transpose(*others, "load", "trial").values
    flat = arr.reshape(-1, len(loads), arr.shape[-1])
    retrieved = flat >= threshold
    rng = np.random.default_rng(seed)
    trials = flat.shape[-1]
    estimates, errors, fractions = [], [], []
    for block in retrieved:
        frac = block.mean(axis=-1)
        fractions.append(frac)
        estimates.append(_crossing(loads, frac, level))
        picks = rng.integers(0, trials, size=(bootstrap, trials))
        boot = [_crossing(loads, block[:, p].mean(axis=-1), level) for p in picks]
        boot = np.asarray(boot)
        errors.append(float(np.nanstd(boot, ddof=1)) if np.isfinite(boot).sum() >= 2 else float("nan"))
    shape = arr.shape[:-2]
    coords = {d: final[d] for d in others}
    out = xr.Dataset({
        "blackout_load": (others, np.asarray(estimates).reshape(shape)),
        "blackout_load_stderr": (others, np.asarray(errors).reshape(shape)),
        "retrieval_fraction": ([*others, "load"], np.asarray(fractions).reshape(*shape, len(loads))),
    }, coords={**coords, "load": loads})
    meta = {
        "blackout_load": ("load where the retrieval fraction first falls below the level", "1"),
        "blackout_load_stderr": ("bootstrap standard error of the blackout load", "1"),
        "retrieval_fraction": (f"fraction of trials with final {variable} >= {threshold:g}", "1"),
        "load": ("load alpha", "1"),
    }
    for name, (long_name, units) in meta.items():
        out[name].attrs = {"long_name": long_name, "units": units}
    for d in others:
        out[d].attrs = {"long_name": ds[d].attrs.get("long_name", d), "units": ds[d].attrs.get("units", "1")}
    out.attrs.update(global_attrs(
        title="blackout load from a sweep", references="finite-size scaling of the retrieval transition",
        config={"kind": "blackout_load", "variable": variable, "threshold": threshold, "level": level,
                "window": window, "bootstrap": bootstrap, "seed": seed,
                "sweep_config_hash": ds.attrs.get("config_hash", "")},
        dtype="float64", history="hopfield_hclm.memory.theory.blackout_load"))
    return out


@dataclass(frozen=True)
class FiniteSizeFit:
    """alpha_c(N) = alpha_inf + slope N^(-exponent), weighted least squares.

    Attributes:
        alpha_inf, alpha_inf_stderr: extrapolated blackout load and its standard error.
        slope: the fitted c. exponent: the fixed nu. chi2: weighted residual sum of squares.
    """

    alpha_inf: float
    alpha_inf_stderr: float
    slope: float
    exponent: float
    chi2: float


def extrapolate_blackout(neurons, alpha_c, stderr, *, exponent: float = 0.5) -> FiniteSizeFit:
    """Extrapolate blackout loads alpha_c(N) measured at several N to N -> infinity.

    Args:
        neurons: sizes N, shape ``(size,)``, at least 2 distinct values.
        alpha_c, stderr: blackout loads and their standard errors (> 0), same shape.
        exponent: nu > 0 of the correction N^(-nu).
    """
    n = np.asarray(neurons, dtype=np.float64)
    y = np.asarray(alpha_c, dtype=np.float64)
    s = np.asarray(stderr, dtype=np.float64)
    if n.ndim != 1 or y.shape != n.shape or s.shape != n.shape or len(np.unique(n)) < 2:
        raise ValueError("neurons, alpha_c and stderr must be 1-D of equal length with >= 2 distinct sizes")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(s)) and np.all(s > 0) and np.all(n > 0)):
        raise ValueError("alpha_c and stderr must be finite, stderr > 0 and neurons > 0")
    exponent = check_real("exponent", exponent, low=0.0, low_open=True)
    design = np.stack([np.ones_like(n), n**-exponent], axis=1)
    w = 1.0 / s**2
    normal = design.T @ (design * w[:, None])
    cov = np.linalg.inv(normal)
    coef = cov @ (design.T @ (w * y))
    chi2 = float(np.sum(w * (y - design @ coef) ** 2))
    return FiniteSizeFit(float(coef[0]), float(np.sqrt(cov[0, 0])), float(coef[1]), exponent, chi2)
