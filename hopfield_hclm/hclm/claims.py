"""Statistical verdicts on the paper's claims: paired differences across seeds, intervals, verdicts.

A claim of Tran (arXiv:2605.22940, §8) such as "the log-det force is larger than the softmax force"
is turned into a *directional* statement ``A − B > 0`` about paired seeds (the same seed gives the
same data, initial weights and batch order to every surrogate and regime, so the difference has
small variance). The criterion, fixed before any run:

- two-sided ``level`` (default 95 %) Student-t interval of the mean paired difference
  ``d_k = a_k − b_k`` over seeds ``k = 1..n``: ``d̄ ± t_{n−1, (1+level)/2} · s_d / √n``;
- **supported** when the whole interval lies on the claimed side of 0;
- **not supported** when the whole interval lies on the opposite side of 0, or when it lies inside
  ``±equivalence`` (a practically-zero effect; only when an equivalence margin is given);
- **inconclusive** otherwise (the seeds cannot tell).

A claim made of several conditions is supported only if every condition is; it is not supported if
any condition is not supported; otherwise inconclusive (:func:`combine_verdicts`).

Shapes: ``a``, ``b`` are ``(seed,)`` arrays (NaN seeds are dropped pairwise).
Reference: Student (1908); paired design as in Box, Hunter & Hunter, *Statistics for Experimenters*
(2005), ch. 3; percentile bootstrap: Efron & Tibshirani (1993), ch. 13.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..core.validation import check_choice, check_int, check_real

__all__ = [
    "VERDICTS",
    "Interval",
    "bootstrap_interval",
    "combine_verdicts",
    "mean_interval",
    "paired_difference",
    "verdict",
]

SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE = "supported", "not supported", "inconclusive"
VERDICTS = (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE)
DIRECTIONS = ("greater", "less")


@dataclass(frozen=True)
class Interval:
    """A point estimate with a confidence interval.

    Attributes: ``estimate`` (mean), ``low``/``high`` (interval ends), ``stderr`` (standard error of
    the mean; NaN for the bootstrap), ``n`` (number of seeds used), ``level``, ``method``.
    """

    estimate: float
    low: float
    high: float
    stderr: float
    n: int
    level: float
    method: str

    def format(self, digits: int = 3) -> str:
        """``"0.123 [0.100, 0.146]"``: estimate and interval, for reports."""
        f = f"{{:.{digits}g}}"
        return f"{f.format(self.estimate)} [{f.format(self.low)}, {f.format(self.high)}]"


def _clean(values, name: str) -> np.ndarray:
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array over seeds; got shape {x.shape}")
    return x


def _check_level(level) -> float:
    return check_real("level", level, low=0.0, high=1.0, low_open=True, high_open=True)


def mean_interval(values, *, level: float = 0.95) -> Interval:
    """Student-t interval of the mean of ``values`` (shape ``(seed,)``, NaN dropped).

    ``x̄ ± t_{n−1,(1+level)/2} s/√n``. With fewer than 2 finite values the interval is NaN.
    """
    level = _check_level(level)
    x = _clean(values, "values")
    x = x[np.isfinite(x)]
    n = x.size
    if n == 0:
        return Interval(np.nan, np.nan, np.nan, np.nan, 0, level, "t")
    mean = float(x.mean())
    if n < 2:
        return Interval(mean, np.nan, np.nan, np.nan, n, level, "t")
    se = float(x.std(ddof=1) / np.sqrt(n))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * se
    return Interval(mean, mean - half, mean + half, se, n, level, "t")


def paired_difference(a, b, *, level: float = 0.95) -> Interval:
    """t-interval of the mean paired difference ``a − b`` over seeds (pairs with a NaN dropped)."""
    level = _check_level(level)
    a, b = _clean(a, "a"), _clean(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape (seed,); got {a.shape} and {b.shape}")
    return mean_interval(a - b, level=level)


def bootstrap_interval(values, *, level: float = 0.95, resamples: int = 4000, seed: int = 0,
                       statistic=np.mean) -> Interval:
    """Percentile-bootstrap interval of ``statistic(values)`` (shape ``(seed,)``, NaN dropped).

    Resamples seeds with replacement ``resamples`` times from ``numpy.random.default_rng(seed)``.
    """
    level = _check_level(level)
    resamples = check_int("resamples", resamples, minimum=100)
    seed = check_int("seed", seed, minimum=0)
    x = _clean(values, "values")
    x = x[np.isfinite(x)]
    n = x.size
    if n < 2:
        est = float(statistic(x)) if n else np.nan
        return Interval(est, np.nan, np.nan, np.nan, n, level, "bootstrap")
    rng = np.random.default_rng(seed)
    draws = np.array([statistic(x[rng.integers(0, n, n)]) for _ in range(resamples)])
    low, high = np.quantile(draws, [0.5 - level / 2, 0.5 + level / 2])
    return Interval(float(statistic(x)), float(low), float(high), np.nan, n, level, "bootstrap")


def verdict(interval: Interval, *, direction: str = "greater", equivalence: float | None = None) -> str:
    """Verdict on the claim "the quantity is > 0" (``direction="greater"``) or "< 0" (``"less"``).

    See the module docstring for the rule. A NaN interval (fewer than 2 seeds) is inconclusive.
    """
    check_choice("direction", direction, DIRECTIONS)
    if equivalence is not None:
        equivalence = check_real("equivalence", equivalence, low=0.0)
    low, high = interval.low, interval.high
    if not (np.isfinite(low) and np.isfinite(high)):
        return INCONCLUSIVE
    if direction == "less":
        low, high = -high, -low
    if low > 0:
        return SUPPORTED
    if high < 0:
        return NOT_SUPPORTED
    if equivalence is not None and -equivalence < low and high < equivalence:
        return NOT_SUPPORTED
    return INCONCLUSIVE


def combine_verdicts(verdicts) -> str:
    """All conditions supported -> supported; any not supported -> not supported; else inconclusive."""
    verdicts = list(verdicts)
    if not verdicts:
        raise ValueError("verdicts must hold at least one verdict")
    for v in verdicts:
        check_choice("verdicts[i]", v, VERDICTS)
    if all(v == SUPPORTED for v in verdicts):
        return SUPPORTED
    if any(v == NOT_SUPPORTED for v in verdicts):
        return NOT_SUPPORTED
    return INCONCLUSIVE
