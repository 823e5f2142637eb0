"""Finite-size scaling of the blackout load from sweep Datasets.

A trial *retrieves* when its asymptotic overlap (mean of ``variable`` over the last ``window`` records)
is at least ``threshold``. The retrieval fraction f(alpha) over trials falls from 1 to 0 as the load
passes the blackout; alpha_c(N) is the load where f first crosses ``level`` (linear interpolation
between grid loads), and its standard error comes from a seeded bootstrap over trials.

Extrapolation to N -> infinity with the correction-to-scaling ansatz

    alpha_c(N) = alpha_inf + c N^(-x),

x > 0 the correction exponent (in finite-size-scaling notation x = 1/nu; issue 10 calls x itself
"nu"). Three levels:

- :func:`extrapolate_blackout`: x fixed (default 1/2, the order N^(-1/2) of the crosstalk
  fluctuations), weighted least squares, the standard error of alpha_inf from the WLS covariance;
- :func:`fit_blackout_exponent`: x fitted with alpha_inf and c (weighted nonlinear least squares),
  with the linearised covariance and the profile Delta chi^2 = 1 interval of x, which says whether
  the data constrain the exponent at all;
- :func:`extrapolate_blackout_systematic`: the spread of alpha_inf over a range of plausible
  exponents (default x in [1/4, 1]) as a systematic error, combined in quadrature with the
  statistical one.

Compare alpha_inf with :func:`~.static.ags_capacity` (binary) or :func:`~.static.graded_capacity`
(graded n = 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from ...core.attrs import global_attrs
from ...core.validation import check_int, check_real

__all__ = ["blackout_load", "extrapolate_blackout", "FiniteSizeFit", "fit_blackout_exponent", "FreeExponentFit",
           "extrapolate_blackout_systematic", "ScalingSystematic"]


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


def _check_fss_input(neurons, alpha_c, stderr, *, min_sizes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = np.asarray(neurons, dtype=np.float64)
    y = np.asarray(alpha_c, dtype=np.float64)
    s = np.asarray(stderr, dtype=np.float64)
    if n.ndim != 1 or y.shape != n.shape or s.shape != n.shape or len(np.unique(n)) < min_sizes:
        raise ValueError(f"neurons, alpha_c and stderr must be 1-D of equal length with >= {min_sizes} distinct sizes")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(s)) and np.all(s > 0) and np.all(n > 0)):
        raise ValueError("alpha_c and stderr must be finite, stderr > 0 and neurons > 0")
    return n, y, s


def _linear_fits(n: np.ndarray, y: np.ndarray, w: np.ndarray, xs: np.ndarray):
    """WLS fits of y = a + c N^(-x) at every fixed exponent in ``xs`` (closed form of the 2 x 2 normal
    equations, vectorised): arrays (a, s.e. of a, c, chi2), each of shape ``xs.shape``."""
    u = n[None, :] ** -np.asarray(xs, dtype=np.float64)[:, None]  # (exponent, size)
    sw, su, suu = w.sum(), (w * u).sum(1), (w * u * u).sum(1)
    sy, suy = (w * y).sum(), (w * u * y).sum(1)
    det = sw * suu - su**2
    a = (suu * sy - su * suy) / det
    c = (sw * suy - su * sy) / det
    chi2 = ((y[None, :] - a[:, None] - c[:, None] * u) ** 2 * w[None, :]).sum(1)
    return a, np.sqrt(suu / det), c, chi2


def _linear_fit(n: np.ndarray, y: np.ndarray, w: np.ndarray, x: float) -> tuple[float, float, float, float]:
    """(alpha_inf, its s.e., slope, chi2) of the WLS fit at one fixed exponent x."""
    return tuple(float(v[0]) for v in _linear_fits(n, y, w, np.array([x])))


@dataclass(frozen=True)
class FreeExponentFit:
    """alpha_c(N) = alpha_inf + slope N^(-exponent) with all three fitted (weighted least squares).

    Attributes:
        alpha_inf, alpha_inf_stderr: extrapolated load and its linearised standard error (the
            exponent's uncertainty included through the 3 x 3 covariance).
        slope, exponent, exponent_stderr: the fitted c and x, and the linearised s.e. of x.
        exponent_interval: (low, high) where the profile chi^2(x) - chi^2_min <= 1; an end is NaN when
            the profile stays below 1 up to the searched bound (the data do not bound x there).
        constrained: both ends of ``exponent_interval`` are finite.
        chi2, dof: weighted residual sum of squares at the optimum and its degrees of freedom (sizes - 3).
        search: the exponent range searched.

    With few sizes the linearised ``alpha_inf_stderr`` is only approximate: on synthetic data (5 sizes
    1000-16000, true x = 1/2, tests/theory/test_finite_size.py) +-1 s.e. covered the truth in 77 % and
    +-2 s.e. in 85 % of replicates (Gaussian: 68 %, 95 %). Use it to ask whether the data constrain x,
    and :func:`extrapolate_blackout_systematic` for the error bar.
    """

    alpha_inf: float
    alpha_inf_stderr: float
    slope: float
    exponent: float
    exponent_stderr: float
    exponent_interval: tuple[float, float]
    constrained: bool
    chi2: float
    dof: int
    search: tuple[float, float]


def fit_blackout_exponent(neurons, alpha_c, stderr, *, search: tuple[float, float] = (0.05, 3.0),
                          grid: int = 400) -> FreeExponentFit:
    """Fit alpha_c(N) = alpha_inf + c N^(-x) with alpha_inf, c and x free.

    The profile chi^2(x) (alpha_inf and c eliminated by the linear WLS fit at each x) is scanned on a
    geometric grid of ``grid`` exponents over ``search``; the best grid point starts a weighted
    nonlinear least-squares refinement (``scipy.optimize.least_squares``, residuals
    (alpha_c - alpha_inf - c N^(-x)) / stderr). Covariance: (J^T J)^(-1) at the optimum (stderr are
    taken as known standard errors, no rescaling by chi^2/dof). Noiseless data consistent with the
    ansatz are recovered to round-off.

    Args:
        neurons: sizes N, shape ``(size,)``, at least 3 distinct values.
        alpha_c, stderr: blackout loads and their standard errors (> 0), shape ``(size,)``.
        search: (low, high) bounds of x, 0 < low < high.
        grid: number of profile points, >= 10.
    """
    n, y, s = _check_fss_input(neurons, alpha_c, stderr, min_sizes=3)
    if not (isinstance(search, (tuple, list)) and len(search) == 2):
        raise ValueError(f"search must be a (low, high) pair; got {search!r}")
    lo = check_real("search[0]", search[0], low=0.0, low_open=True)
    hi = check_real("search[1]", search[1], low=lo, low_open=True)
    grid = check_int("grid", grid, minimum=10)
    from scipy import optimize

    w = 1.0 / s**2
    xs = np.geomspace(lo, hi, grid)
    profile = _linear_fits(n, y, w, xs)[3]
    x0 = float(xs[np.argmin(profile)])
    a0, _, c0, _ = _linear_fit(n, y, w, x0)
    scale = n.min()  # residuals in terms of (N / N_min)^(-x): keeps the slope O(alpha) for any x
    def residual(p):  # noqa: E306
        return (y - p[0] - p[1] * (n / scale) ** -p[2]) / s

    def jacobian(p):  # noqa: E306
        u = (n / scale) ** -p[2]
        return np.stack([-1.0 / s, -u / s, p[1] * u * np.log(n / scale) / s], axis=1)

    start = np.array([a0, c0 * scale**-x0, x0])
    sol = optimize.least_squares(residual, start, jac=jacobian, bounds=([-np.inf, -np.inf, lo], [np.inf, np.inf, hi]),
                                 xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=2_000, method="trf")
    a, c_scaled, x = (float(v) for v in sol.x)
    jac = sol.jac
    try:
        cov = np.linalg.inv(jac.T @ jac)
        a_se, x_se = float(np.sqrt(cov[0, 0])), float(np.sqrt(cov[2, 2]))
    except np.linalg.LinAlgError:
        a_se = x_se = float("nan")
    chi2 = float(np.sum(residual(sol.x) ** 2))
    # profile interval: where chi2(x) - chi2_min crosses 1 on either side of x (bracketed on the grid)
    def excess(t):  # noqa: E306
        return _linear_fit(n, y, w, t)[3] - chi2 - 1.0

    above = profile - chi2 - 1.0 > 0
    ends = []
    for side in (xs < x, xs > x):
        idx = np.nonzero(side & above)[0]
        if idx.size == 0:
            ends.append(float("nan"))
            continue
        if side[0]:  # left of x: the grid point above 1 nearest to x, and its neighbour toward x
            k = idx.max()
            bracket = (xs[k], min(xs[k + 1], x))
        else:
            k = idx.min()
            bracket = (max(xs[k - 1], x), xs[k])
        ends.append(float(optimize.brentq(excess, *bracket, xtol=1e-12)))
    interval = (ends[0], ends[1])
    return FreeExponentFit(alpha_inf=a, alpha_inf_stderr=a_se, slope=float(c_scaled * scale**x), exponent=x,
                           exponent_stderr=x_se, exponent_interval=interval,
                           constrained=bool(np.all(np.isfinite(interval))), chi2=chi2, dof=len(n) - 3,
                           search=(lo, hi))


@dataclass(frozen=True)
class ScalingSystematic:
    """Extrapolated blackout load with the exponent choice as a systematic error.

    With alpha_inf(x), s(x), chi2(x) the fixed-exponent WLS fits (:func:`extrapolate_blackout`) on a
    grid of exponents x over ``exponent_range``:

        alpha_inf     = (max_x alpha_inf(x) + min_x alpha_inf(x)) / 2       (centre of the spread)
        model_spread  = (max_x alpha_inf(x) - min_x alpha_inf(x)) / 2
        stat_stderr   = s(x*) * max(1, sqrt(chi2(x*) / dof))     (x*: the grid exponent whose alpha_inf(x) is
                                                                 nearest the centre; dof = sizes - 2)
        total_stderr  = sqrt(stat_stderr^2 + model_spread^2)

    Attributes:
        alpha_inf, stat_stderr, model_spread, total_stderr: as above.
        exponent_range: (low, high) of the exponents considered.
        exponents, alpha_inf_by_exponent, stderr_by_exponent, slope_by_exponent, chi2_by_exponent: the
            fixed-exponent fits, each a tuple of shape ``(points,)``.
        free: the free-exponent fit (:func:`fit_blackout_exponent`), or None with fewer than 3 sizes.
    """

    alpha_inf: float
    stat_stderr: float
    model_spread: float
    total_stderr: float
    exponent_range: tuple[float, float]
    exponents: tuple[float, ...]
    alpha_inf_by_exponent: tuple[float, ...]
    stderr_by_exponent: tuple[float, ...]
    slope_by_exponent: tuple[float, ...]
    chi2_by_exponent: tuple[float, ...]
    free: FreeExponentFit | None

    @property
    def low(self) -> float:
        """Lowest alpha_inf(x) over the exponent range."""
        return min(self.alpha_inf_by_exponent)

    @property
    def high(self) -> float:
        """Highest alpha_inf(x) over the exponent range."""
        return max(self.alpha_inf_by_exponent)

    def zscore(self, value: float) -> float:
        """(value - alpha_inf) / total_stderr: how many total standard errors ``value`` lies away."""
        return (float(value) - self.alpha_inf) / self.total_stderr


def extrapolate_blackout_systematic(neurons, alpha_c, stderr, *, exponent_range: tuple[float, float] = (0.25, 1.0),
                                    points: int = 31, free: bool = True) -> ScalingSystematic:
    """Extrapolate alpha_c(N) to N -> infinity, with the spread over correction exponents as a systematic.

    The correction exponent x of alpha_c(N) = alpha_inf + c N^(-x) is not known for the finite-N blackout
    of the dynamics; the default range [1/4, 1] brackets the orders that have been argued for a
    finite-size shift (N^(-1/2) from crosstalk fluctuations, N^(-2/3) at a mean-field saddle-node,
    N^(-1) for a rounded first-order transition) with the issue's slower 1/4. See
    :class:`ScalingSystematic` for how the errors combine; :attr:`ScalingSystematic.free` says whether
    the data themselves constrain x (Delta chi^2 = 1 profile interval).

    Args:
        neurons: sizes N, shape ``(size,)``, at least 2 distinct values (3 for the free fit).
        alpha_c, stderr: blackout loads and their standard errors (> 0), shape ``(size,)``.
        exponent_range: (low, high), 0 < low <= high.
        points: number of exponents on the linear grid over the range (both ends included), >= 2.
        free: also run :func:`fit_blackout_exponent` (needs 3 distinct sizes) and attach it.
    """
    n, y, s = _check_fss_input(neurons, alpha_c, stderr, min_sizes=2)
    if not (isinstance(exponent_range, (tuple, list)) and len(exponent_range) == 2):
        raise ValueError(f"exponent_range must be a (low, high) pair; got {exponent_range!r}")
    lo = check_real("exponent_range[0]", exponent_range[0], low=0.0, low_open=True)
    hi = check_real("exponent_range[1]", exponent_range[1], low=lo)
    points = check_int("points", points, minimum=2)
    w = 1.0 / s**2
    xs = np.linspace(lo, hi, points)
    a, se, slope, chi2 = _linear_fits(n, y, w, xs)
    dof = len(n) - 2
    inflate = np.maximum(1.0, np.sqrt(chi2 / dof)) if dof > 0 else np.ones_like(chi2)
    centre = (a.max() + a.min()) / 2
    k = int(np.argmin(np.abs(a - centre)))
    stat = float(se[k] * inflate[k])
    spread = float((a.max() - a.min()) / 2)
    free_fit = fit_blackout_exponent(n, y, s) if free and len(np.unique(n)) >= 3 else None
    return ScalingSystematic(alpha_inf=float(centre), stat_stderr=stat, model_spread=spread,
                             total_stderr=float(np.hypot(stat, spread)), exponent_range=(lo, hi),
                             exponents=tuple(float(v) for v in xs), alpha_inf_by_exponent=tuple(float(v) for v in a),
                             stderr_by_exponent=tuple(float(v) for v in se),
                             slope_by_exponent=tuple(float(v) for v in slope),
                             chi2_by_exponent=tuple(float(v) for v in chi2), free=free_fit)
