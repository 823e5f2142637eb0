"""Section 7 scaling balance and the §6.3 entropy-growth exponent, measured on training runs.

Tran (arXiv:2605.22940) §7 reads scaling-law-like behaviour as a balance across a scale ``s``
(training-set size, width) between the entropy *injection* ``I(s) = −⟨∇L, ∇H⟩`` and the
*dissipation* ``D(s) = λ‖∇H‖²`` (both time averages along training), their ratio ``R(s) = I/D``
and the residual (excess) risk. Our reading of its Proposition 4, stated here because the paper
gives no code: if ``I ∝ s^a``, ``D ∝ s^b`` and the excess loss follows the balance as
``ΔL ∝ R^κ``, then ``ΔL ∝ s^{κ(a−b)}``. κ has no published value, so we estimate it from the
runs themselves and compare ``κ̂(â − b̂)`` with the directly fitted excess-loss exponent ``ê``; the
uncertainty comes from a seed bootstrap. κ is estimated *within* scales by default (slope of
log ΔL on log R after removing each scale's mean: seed-to-seed variation at fixed s), so that it is
not fitted from the same s-trend it is then used to predict -- a pooled fit over all runs
(``kappa="pooled"``) makes ``e ≈ κ(a − b)`` nearly automatic whenever all three are power laws.

§6.3 / Corollary 1 (our reading): a noisy-representation bound of the form
``gap ≲ C √(I(X;Z)/n)``; with the Gaussian channel bound ``I(X;Z) ≤ I_G = ½ log det(I + Σ_h/σ²)``
growing like ``n^γ`` the gap decays at least like ``n^{(γ−1)/2}``. :func:`corollary1_check` fits γ
and the gap exponent and compares them. ``I_G`` is computed from the *noise-free* encoding ``h`` (the
training loop records it as ``information_bound``: the training set's plug-in covariance, no ε); it is
0 for a collapsed representation. It is *not* the training surrogate ``½ log det(Σ̂_Z + εI)`` shifted
by a constant: an earlier version used ``H_logdet − ½ d log σ²`` with ``ε = σ²`` on the noisy ``Z``,
which is ``≈ ½ log det(2I + Σ_h/σ²)`` and has a floor ``(d/2) ln 2`` that flattens γ toward 0.

Power laws are fitted by ordinary least squares of ``log y`` on ``log s`` (classical standard errors
and a t-interval), and by a bootstrap over seeds (columns of a ``(scale, seed)`` array) that keeps
each seed's curve whole, so the correlation along a seed's curve is respected.
Shapes: ``scale (scale,)``, ``values (scale,)`` or ``(scale, seed)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..core.validation import check_choice, check_int, check_real
from ..core.windows import between, first_label
from ..hclm.information import bayes_log_loss, gaussian_information  # noqa: F401  (re-exported: the §6.3/§7 inputs)

__all__ = [
    "Corollary1Check",
    "PowerLawFit",
    "Proposition4Check",
    "bayes_log_loss",
    "bootstrap_seeds",
    "corollary1_check",
    "flow_balance",
    "gaussian_information",
    "power_law_fit",
    "proposition4_check",
]


@dataclass(frozen=True)
class PowerLawFit:
    """``y ≈ prefactor · s^exponent`` by OLS in log-log.

    ``exponent_stderr``: classical OLS standard error; ``low``/``high``: t-interval at ``level``;
    ``n``: points used (finite, positive); ``dropped``: points left out (non-positive or NaN);
    ``r2``: coefficient of determination in log space.
    """

    exponent: float
    exponent_stderr: float
    low: float
    high: float
    prefactor: float
    n: int
    dropped: int
    r2: float
    level: float


def _as_grid(scale, values) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(scale, dtype=np.float64)
    y = np.asarray(values, dtype=np.float64)
    if s.ndim != 1:
        raise ValueError(f"scale must be 1-D (scale,); got shape {s.shape}")
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2 or y.shape[0] != s.size:
        raise ValueError(f"values must have shape (scale,) or (scale, seed) with scale = {s.size}; got {np.shape(values)}")
    if not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise ValueError("scale must hold finite positive numbers")
    return s, y


def power_law_fit(scale, values, *, level: float = 0.95) -> PowerLawFit:
    """OLS fit of ``log y = log c + p log s`` over every finite positive point of ``values``."""
    level = check_real("level", level, low=0.0, high=1.0, low_open=True, high_open=True)
    s, y = _as_grid(scale, values)
    xs = np.broadcast_to(np.log(s)[:, None], y.shape).ravel()
    ys = y.ravel()
    ok = np.isfinite(ys) & (ys > 0)
    n, dropped = int(ok.sum()), int(ys.size - ok.sum())
    if n < 2 or np.ptp(xs[ok]) == 0:
        return PowerLawFit(np.nan, np.nan, np.nan, np.nan, np.nan, n, dropped, np.nan, level)
    x, ly = xs[ok], np.log(ys[ok])
    xm, ym = x.mean(), ly.mean()
    sxx = float(((x - xm) ** 2).sum())
    slope = float(((x - xm) * (ly - ym)).sum() / sxx)
    intercept = ym - slope * xm
    resid = ly - (intercept + slope * x)
    sst = float(((ly - ym) ** 2).sum())
    r2 = 1.0 - float((resid**2).sum()) / sst if sst > 0 else np.nan
    if n > 2:
        se = math.sqrt(float((resid**2).sum()) / (n - 2) / sxx)
        half = float(stats.t.ppf(0.5 + level / 2, n - 2)) * se
    else:
        se = half = np.nan
    return PowerLawFit(slope, se, slope - half, slope + half, float(np.exp(intercept)), n, dropped, r2, level)


def bootstrap_seeds(function, *arrays, resamples: int = 2000, seed: int = 0) -> np.ndarray:
    """``function(*resampled)`` for ``resamples`` bootstrap draws of the seed columns.

    Every array has shape ``(scale, seed)`` with the same number of seeds; one draw picks seed
    columns with replacement (the same columns for every array, keeping pairs together).
    Returns the ``(resamples,)`` array of results (NaN where ``function`` gave NaN).
    """
    resamples = check_int("resamples", resamples, minimum=10)
    seed = check_int("seed", seed, minimum=0)
    mats = [np.asarray(a, dtype=np.float64) for a in arrays]
    k = mats[0].shape[1]
    if any(m.ndim != 2 or m.shape[1] != k for m in mats):
        raise ValueError("arrays must all have shape (scale, seed) with the same number of seeds")
    rng = np.random.default_rng(seed)
    out = np.empty(resamples)
    for r in range(resamples):
        cols = rng.integers(0, k, k)
        out[r] = function(*(m[:, cols] for m in mats))
    return out


def flow_balance(ds, *, dim: str = "epoch", skip: int = 0) -> dict:
    """Time-averaged injection ``I``, dissipation ``D`` and ``R = I/D`` of run(s) in ``ds``.

    Means over ``dim`` of the per-epoch ``injection`` and ``dissipation`` variables, leaving out the
    initial transient: the records labelled below ``first + skip`` (``first`` the smallest label of
    ``dim``; selected by label, not position). Returns DataArrays with ``dim`` reduced away.
    """
    skip = check_int("skip", skip, minimum=0)
    kept = between(ds, dim, first_label(ds, dim) + skip)
    inj = kept["injection"].mean(dim)
    dis = kept["dissipation"].mean(dim)
    return {"injection": inj, "dissipation": dis, "ratio": inj / dis}


@dataclass(frozen=True)
class Proposition4Check:
    """Exponents of I, D, R and the excess loss ΔL across the scale, κ, and the Proposition-4 test.

    ``a``, ``b``, ``r``, ``e``: OLS power-law fits of I, D, R = I/D and ΔL against s;
    ``kappa``: slope of log ΔL on log R (within scales, or pooled); ``predicted = κ̂(â − b̂)``;
    ``difference = ê − κ̂(â − b̂)`` with its seed-bootstrap interval ``difference_low/high``;
    ``consistent``: the interval contains 0.
    """

    a: PowerLawFit
    b: PowerLawFit
    r: PowerLawFit
    e: PowerLawFit
    kappa: float
    predicted: float
    difference: float
    difference_low: float
    difference_high: float
    consistent: bool


def _slope(x, y) -> float:
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    if ok.sum() < 2:
        return np.nan
    lx, ly = np.log(x[ok]), np.log(y[ok])
    if np.ptp(lx) == 0:
        return np.nan
    return float(np.polyfit(lx, ly, 1)[0])


def _slope_within(x, y) -> float:
    """Slope of log y on log x with one intercept per row (scale): uses only within-row variation."""
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    lx = np.where(ok, np.log(np.where(ok, x, 1.0)), np.nan)
    ly = np.where(ok, np.log(np.where(ok, y, 1.0)), np.nan)
    counts = ok.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        cx = lx - np.nanmean(np.where(counts > 1, lx, np.nan), axis=1, keepdims=True)
        cy = ly - np.nanmean(np.where(counts > 1, ly, np.nan), axis=1, keepdims=True)
    sxx = np.nansum(cx * cx)
    if not np.isfinite(sxx) or sxx == 0:
        return np.nan
    return float(np.nansum(cx * cy) / sxx)


def _kappa(inj, dis, exc, how: str) -> float:
    ratio = inj / dis
    return _slope_within(ratio, exc) if how == "within" else _slope(ratio.ravel(), exc.ravel())


def _prop4_difference(s, how: str):
    def fn(inj, dis, exc):
        a, b = power_law_fit(s, inj).exponent, power_law_fit(s, dis).exponent
        e = power_law_fit(s, exc).exponent
        return e - _kappa(inj, dis, exc, how) * (a - b)

    return fn


def proposition4_check(scale, injection, dissipation, excess, *, kappa: str = "within", level: float = 0.95,
                       resamples: int = 1000, seed: int = 0) -> Proposition4Check:
    """Fit ``I ∝ s^a``, ``D ∝ s^b``, ``ΔL ∝ s^e``, ``ΔL ∝ R^κ`` and test ``e = κ(a − b)``.

    ``kappa``: ``"within"`` (default; seed-to-seed variation at fixed scale) or ``"pooled"`` (all runs).
    ``injection``, ``dissipation``, ``excess``: ``(scale, seed)`` arrays (time-averaged I and D per
    run, excess test loss per run). Non-positive values cannot enter a log-log fit and are dropped
    (counted in each fit's ``dropped``).
    """
    how = check_choice("kappa", kappa, ("within", "pooled"))
    level = check_real("level", level, low=0.0, high=1.0, low_open=True, high_open=True)
    s, inj = _as_grid(scale, injection)
    _, dis = _as_grid(scale, dissipation)
    _, exc = _as_grid(scale, excess)
    a, b = power_law_fit(s, inj, level=level), power_law_fit(s, dis, level=level)
    r, e = power_law_fit(s, inj / dis, level=level), power_law_fit(s, exc, level=level)
    kappa = _kappa(inj, dis, exc, how)
    predicted = kappa * (a.exponent - b.exponent)
    diff = e.exponent - predicted
    boot = bootstrap_seeds(_prop4_difference(s, how), inj, dis, exc, resamples=resamples, seed=seed)
    boot = boot[np.isfinite(boot)]
    if boot.size >= 10:
        low, high = (float(v) for v in np.quantile(boot, [0.5 - level / 2, 0.5 + level / 2]))
    else:
        low = high = np.nan
    consistent = bool(np.isfinite(low) and low <= 0 <= high)
    return Proposition4Check(a, b, r, e, kappa, predicted, diff, low, high, consistent)


@dataclass(frozen=True)
class Corollary1Check:
    """Entropy-growth exponent γ of the Gaussian information bound, and the gap exponent.

    ``gamma``: fit of ``I_G ∝ n^γ``; ``gap``: fit of ``gap ∝ n^g``; ``predicted = (γ − 1)/2``
    (the rate of ``√(I_G/n)``); ``difference = g − predicted`` with its seed-bootstrap interval;
    ``bound_ratio``: ``gap / √(I_G/n)`` per scale, mean over seeds (bounded if the corollary holds).
    """

    gamma: PowerLawFit
    gap: PowerLawFit
    predicted: float
    difference: float
    difference_low: float
    difference_high: float
    bound_ratio: np.ndarray


def corollary1_check(n, information, gap, *, level: float = 0.95, resamples: int = 1000,
                     seed: int = 0) -> Corollary1Check:
    """Fit ``I_G ∝ n^γ`` and ``gap ∝ n^g`` over ``(scale, seed)`` arrays and compare g with (γ − 1)/2."""
    level = check_real("level", level, low=0.0, high=1.0, low_open=True, high_open=True)
    s, info = _as_grid(n, information)
    _, gp = _as_grid(n, gap)
    g_fit, gap_fit = power_law_fit(s, info, level=level), power_law_fit(s, gp, level=level)
    predicted = (g_fit.exponent - 1.0) / 2.0

    def fn(i, g):
        return power_law_fit(s, g).exponent - (power_law_fit(s, i).exponent - 1.0) / 2.0

    boot = bootstrap_seeds(fn, info, gp, resamples=resamples, seed=seed)
    boot = boot[np.isfinite(boot)]
    if boot.size >= 10:
        low, high = (float(v) for v in np.quantile(boot, [0.5 - level / 2, 0.5 + level / 2]))
    else:
        low = high = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.nanmean(gp / np.sqrt(info / s[:, None]), axis=1)
    return Corollary1Check(g_fit, gap_fit, predicted, gap_fit.exponent - predicted, low, high, ratio)
