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
any condition is not supported; otherwise inconclusive (:func:`combine_verdicts`). A claim stated
across the coefficient grid is judged per grid point first and the points then combine by
:func:`grid_verdict` (majority with a veto; the rule and its reason are in its docstring).

Shapes: ``a``, ``b`` are ``(seed,)`` arrays (NaN seeds are dropped pairwise).
Reference: Student (1908); paired design as in Box, Hunter & Hunter, *Statistics for Experimenters*
(2005), ch. 3; percentile bootstrap: Efron & Tibshirani (1993), ch. 13.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import stats

from ..core.validation import check_choice, check_int, check_real

__all__ = [
    "VERDICTS",
    "Interval",
    "bootstrap_interval",
    "combine_verdicts",
    "grid_verdict",
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


@lru_cache(maxsize=64)
def _t_quantile(q: float, dof: int) -> float:
    return float(stats.t.ppf(q, dof))


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
    half = _t_quantile(0.5 + level / 2, n - 1) * se
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


def grid_verdict(verdicts) -> str:
    """Combine the per-coefficient verdicts of a claim stated across the grid of base coefficients.

    With ``n`` counted grid points (every λ0 > 0 of the sweep), ``n_s`` supported and ``n_x`` not
    supported:

    - **not supported** when ``n_x ≥ n/2`` — the claim fails at half the range or more;
    - **supported** when ``n_s > n/2`` and ``n_x = 0`` — it holds at a strict majority of the range
      and is contradicted nowhere;
    - **inconclusive** otherwise (too few points decide, or the grid is split).

    Why: the paper states these effects "across a broad range" of coefficients, so one grid point
    cannot carry a claim (a strict majority must), a clear failure at any point blocks support, and a
    failure over half the grid or more contradicts a statement about the range. With two counted
    points both must hold for support and one failure refutes. Fixed before any rerun data were read.
    """
    verdicts = list(verdicts)
    if not verdicts:
        raise ValueError("verdicts must hold at least one per-coefficient verdict")
    for v in verdicts:
        check_choice("verdicts[i]", v, VERDICTS)
    n = len(verdicts)
    n_s = sum(v == SUPPORTED for v in verdicts)
    n_x = sum(v == NOT_SUPPORTED for v in verdicts)
    if 2 * n_x >= n:
        return NOT_SUPPORTED
    if 2 * n_s > n and n_x == 0:
        return SUPPORTED
    return INCONCLUSIVE


# ==================================================================================================
# The paper's §8 claims against the sweep Datasets (experiments hclm_regimes / hclm_dynamics /
# hclm_feedback). Everything below is fixed before the rerun data were read; see CRITERION.
# ==================================================================================================

import json  # noqa: E402

import xarray as xr  # noqa: E402

from ..core.windows import at_first, at_last, between, first_label, last_label, span, tail  # noqa: E402

#: "final" values are means over the last FINAL_WINDOW epochs (one epoch alone is noisy)
FINAL_WINDOW = 5
#: rewards and late forces are means over the last REWARD_WINDOW epochs
REWARD_WINDOW = 10
#: the previous report's single base coefficient (the documented default of ``hh.hclm.run``)
PRIMARY_COEF = 0.1
#: "high λ" of §8.1: the top decade of the grid, λ ≥ HIGH_COEF
HIGH_COEF = 0.1

SCOPED, BROADER, ALTERNATIVE = "scoped", "broader reading", "alternative thermostat"
KINDS = (SCOPED, BROADER, ALTERNATIVE)

ABSTRACT_QUOTE = ("Controlled representation-learning experiments support the hypothesis that geometric entropy "
                  "surrogates, especially log-determinant covariance entropy, induce stronger and more stable "
                  "information forces than softmax-normalized entropy.")
ABSTRACT_SOURCE = "abstract of arXiv:2605.22940v1 (found verbatim)"
#: where a §8 sentence could not be found in the searchable copy of the paper
NOT_FOUND = ("§8 text not found in the searchable copy of the paper (only its title page and abstract are "
             "stored); wording as given in {issue}, not verified against the paper")

CRITERION = (
    "**Criterion (fixed and committed before the rerun data were read).** *Per condition:* a paired "
    "comparison over the 5 seeds (the same seed gives the same data, initial weights, batch order and noise to "
    "every surrogate, regime and coefficient); the two-sided 95 % Student-t interval of the mean paired "
    "difference (t with 4 degrees of freedom, multiplier 2.78); *supported* when the interval lies entirely on "
    "the claimed side of 0, *not supported* when entirely on the other side, *inconclusive* otherwise. *Per grid "
    "point:* a claim's conditions at one base coefficient λ0 combine as all supported → supported, any not "
    "supported → not supported, else inconclusive. *Across the grid:* every claim the paper states for a range "
    "of coefficients is evaluated at every λ0 > 0 of the sweep (hclm_regimes: 10⁻³, 10⁻², 0.1, 1; "
    "hclm_dynamics: 0.1, 1; λ0 = 0 is shown where meaningful but not counted) and the per-λ0 verdicts combine "
    "by a majority with a veto: **not supported** when not supported at half the counted points or more, "
    "**supported** when supported at a strict majority and not supported at none, **inconclusive** otherwise. "
    "Reason: the paper states these effects across a broad range of coefficients, so one point cannot carry a "
    "claim, a clear failure anywhere blocks support, and failure over half the range contradicts it. A claim "
    "about the whole grid at once (a spread across λ0, a bound on every run) is one condition, not a per-λ0 "
    "table. *Scope:* each row tests the sentence it quotes, with the comparator that sentence names; a wider "
    "reading (another comparator or every surrogate) is a separate row labelled *broader reading*; the same "
    "sentence with the target-entropy thermostat in place of the λ*-tracking one is a row labelled *alternative "
    "thermostat*. Quantities: final = mean of the last 5 epochs; late force and reward = mean of the last 10 "
    "epochs; test-loss instability = mean |ΔL_test| per epoch over the second half of training; step noise = "
    "coefficient of variation of the per-step force over the second half of the recorded steps; early collapse "
    "= log(mean force in epoch 5 / in epoch 1); forces compared as log ratios. Task, model and every setting "
    "are the documented defaults of `hh.hclm.run`; nothing was tuned after seeing results. No multiplicity "
    "correction: each condition has a 2.5 % one-sided false-support rate, which the grid rule's majority "
    "requirement lowers for a claim."
)


@dataclass(frozen=True)
class Condition:
    """One paired comparison: ``label`` names ``a − b``; ``direction`` is the claimed sign."""

    label: str
    interval: Interval
    direction: str
    verdict: str

    def line(self) -> str:
        sign = ">" if self.direction == "greater" else "<"
        return f"{self.label}: Δ = {self.interval.format()} (want {sign} 0) → {self.verdict}"


@dataclass(frozen=True)
class GridPoint:
    """The conditions of a claim at one base coefficient (``coef=None``: a whole-grid statistic)."""

    coef: float | None
    conditions: tuple
    verdict: str

    @property
    def name(self) -> str:
        return "whole grid" if self.coef is None else f"λ0 = {self.coef:g}"


@dataclass(frozen=True)
class ClaimResult:
    """One row of CLAIMS.md: the sentence, our test, the per-λ0 verdicts and the claim's verdict.

    ``kind`` is one of :data:`KINDS`; ``counted`` lists the grid points the grid rule counts;
    ``previous`` says what the previous report concluded for the same sentence (empty if new).
    """

    key: str
    kind: str
    section: str
    quote: str
    quote_source: str
    claim: str
    comparator: str
    figure: str
    criterion: str
    points: tuple
    counted: tuple
    verdict: str
    numbers: tuple = ()
    previous: str = ""


def final(da: xr.DataArray, window: int = FINAL_WINDOW) -> xr.DataArray:
    """Mean over the last ``window`` epochs by label, ``[last − window + 1, last]`` (dim ``epoch`` removed)."""
    return tail(da, "epoch", window).mean("epoch")


def path_mean(da: xr.DataArray) -> xr.DataArray:
    """Mean over every epoch of the run (the path average of a per-epoch series)."""
    return da.mean("epoch")


def step_cv(da: xr.DataArray, start: int, stop: int) -> xr.DataArray:
    """Coefficient of variation (s.d./mean over steps ``start..stop``) of a per-step series, per run."""
    seg = between(da, "step", start, stop)
    return seg.std("step", ddof=1) / seg.mean("step")


def late_variation(da: xr.DataArray) -> xr.DataArray:
    """Instability of a per-epoch series: mean |x_e − x_{e−1}| over the second half of the epochs.

    ``(1/|E|) Σ_{e ∈ E} |x_e − x_{e−1}|`` with ``E`` the epochs labelled ``first + ⌊n/2⌋`` or later
    (``n = last − first + 1``: the second half); it grows with oscillation and with drift (a rising
    test loss is not stable). Dim ``epoch`` removed; a run that diverged (NaN) gives NaN and drops out
    of paired comparisons (counted separately).
    """
    diff = np.abs(da.diff("epoch"))   # labelled by the later epoch of each pair
    return between(diff, "epoch", first_label(da, "epoch") + span(da, "epoch") // 2).mean("epoch", skipna=False)


def mean_sd(values) -> str:
    """``"m ± s"`` over seeds (s.d. across seeds, ddof 1)."""
    x = np.asarray(values, dtype=float).ravel()
    x = x[np.isfinite(x)]
    if x.size == 0:
        return "n/a"
    sd = x.std(ddof=1) if x.size > 1 else float("nan")
    return f"{_g(x.mean())} ± {_g(sd)}"


def grid_rows(ds: xr.Dataset, columns) -> list[list]:
    """One table row per grid point ``(surrogate, regime, coef)`` of ``ds``: the three labels (λ0 as
    ``%g``), then ``column(point)`` for each callable of ``columns`` (``point``: ``ds`` at that grid point)."""
    rows = []
    for s in ds.surrogate.values:
        for g in ds.regime.values:
            for c in ds.coef.values:
                p = ds.sel(surrogate=s, regime=g, coef=c)
                rows.append([s, g, f"{c:g}", *(column(p) for column in columns)])
    return rows


def _g(v: float) -> str:
    return f"{v:.3g}" if np.isfinite(v) else "nan"


def _cond(a, b, direction: str, label: str) -> Condition:
    iv = paired_difference(np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel())
    return Condition(label, iv, direction, verdict(iv, direction=direction))


def _point(coef, conds) -> GridPoint:
    conds = tuple(conds)
    return GridPoint(None if coef is None else float(coef), conds, combine_verdicts(c.verdict for c in conds))


def _claim(points, counted, **fields) -> ClaimResult:
    points = tuple(points)
    counted = tuple(float(c) for c in counted)
    use = [p.verdict for p in points if (p.coef is None or p.coef in counted)]
    return ClaimResult(points=points, counted=counted, verdict=grid_verdict(use), **fields)


def _positive(ds: xr.Dataset, low: float = 0.0) -> list[float]:
    return [float(c) for c in ds.coef.values if c > low or (low > 0 and np.isclose(c, low))]


def run_setting(ds: xr.Dataset, name: str):
    """A run setting of the sweep (its base value), else the default of ``hh.hclm.run``."""
    from ..hclm.train import RunConfig

    config = json.loads(ds.attrs["config"]) if "config" in ds.attrs else {}
    return config.get("base", {}).get(name, getattr(RunConfig(), name))


def _regimes(ds) -> list[str]:
    return [str(r) for r in ds.regime.values]


class _Cube:
    """Fast label look-up in a ``(..., trial)`` DataArray: ``sel`` and reductions over labelled dims.

    A few hundred ``xarray.sel`` calls per report dominate its cost; this holds the values as one
    numpy array with trial last. Selecting every labelled dim with scalars returns the ``(trial,)``
    array; anything else returns a smaller ``_Cube``.
    """

    def __init__(self, da: xr.DataArray | None = None, *, dims=None, labels=None, values=None):
        if da is not None:
            dims = [d for d in da.dims if d != "trial"]
            da = da.transpose(*dims, "trial")
            labels = [list(da[d].values.tolist()) for d in dims]
            values = np.asarray(da.values, dtype=float)
        self.dims, self.labels, self.values = list(dims), list(labels), values

    def _wrap(self, dims, labels, values):
        return values if not dims else _Cube(dims=dims, labels=labels, values=values)

    def sel(self, **kw):
        unknown = set(kw) - set(self.dims)
        if unknown:
            raise KeyError(f"no dims {sorted(unknown)} in {self.dims}")
        index, dims, labels = [], [], []
        for d, lab in zip(self.dims, self.labels):
            if d not in kw:
                index.append(slice(None))
                dims.append(d)
                labels.append(lab)
            elif isinstance(kw[d], (list, tuple, np.ndarray)):
                index.append([lab.index(v) for v in kw[d]])
                dims.append(d)
                labels.append(list(kw[d]))
            else:
                index.append(lab.index(kw[d]))
        values = self.values
        for axis in reversed(range(len(index))):    # one axis at a time: numpy fancy indexing stays simple
            sl = [slice(None)] * values.ndim
            sl[axis] = index[axis]
            values = values[tuple(sl)]
        return self._wrap(dims, labels, values)

    def _reduce(self, fn, dim):
        axis = self.dims.index(dim)
        dims = self.dims[:axis] + self.dims[axis + 1:]
        labels = self.labels[:axis] + self.labels[axis + 1:]
        return self._wrap(dims, labels, fn(self.values, axis=axis))

    def mean(self, dim):
        return self._reduce(np.mean, dim)

    def max(self, dim):
        return self._reduce(np.max, dim)

    def min(self, dim):
        return self._reduce(np.min, dim)


def evaluate_claims(regimes: xr.Dataset, dynamics: xr.Dataset | None = None,
                    feedback: xr.Dataset | None = None) -> list[ClaimResult]:
    """Every checkable §8 statement of Tran (2026) against the sweep Datasets (see :data:`CRITERION`).

    ``regimes``: dims ``(surrogate, regime, coef, trial, epoch)`` with ``info_force``, ``test_loss``,
    ``gen_gap``, ``entropy``, ``reward``, ``lambda_t``; ``dynamics``: the same plus per-step
    ``step_info_force`` ``(…, trial, step)`` (claims that need it are skipped when it is None);
    ``feedback``: the RL-Thermostat under noise and delay (adds its λ_t to the bounds check).
    Regimes ``target`` (target-entropy thermostat) and ``rl`` are optional: rows that need an absent
    one are skipped. Returns the rows in report order.
    """
    rows: list[ClaimResult] = []
    regs = _regimes(regimes)
    grid = _positive(regimes)
    high = [c for c in grid if c >= HIGH_COEF]
    known = {"softmax", "variance", "logdet"}
    if not set(map(str, regimes.surrogate.values)) <= known or "fixed" not in regs or 0.0 not in regimes.coef.values:
        raise ValueError(f"regimes must hold surrogates among {sorted(known)}, the 'fixed' regime and coef 0; got "
                         f"surrogate={list(map(str, regimes.surrogate.values))}, regime={regs}, "
                         f"coef={list(regimes.coef.values)}")
    force = _Cube(np.log(path_mean(regimes.info_force)))
    test, gap = _Cube(final(regimes.test_loss)), _Cube(final(regimes.gen_gap))
    unstable = _Cube(late_variation(regimes.test_loss))
    late_force = _Cube(np.log(final(regimes.info_force, REWARD_WINDOW)))
    reward = _Cube(final(regimes.reward, REWARD_WINDOW))
    geo = [s for s in ("variance", "logdet") if s in regimes.surrogate.values]
    not_found_10 = NOT_FOUND.format(issue="issue 10")
    not_found_7 = NOT_FOUND.format(issue="issue 7 (the previous report's claim list)")

    # ---------------------------------------------------------------- abstract: stronger than softmax
    def abstract_claim(pts, counted, **fields) -> ClaimResult:   # rows A1-A4 test the abstract's one sentence
        return _claim(pts, counted, section="abstract", quote=ABSTRACT_QUOTE, quote_source=ABSTRACT_SOURCE, **fields)

    def fx(s, c):
        return force.sel(surrogate=s, regime="fixed", coef=c)

    def surrogate_pairs(stat, pairs, direction, label, coefs):
        """Per λ0 in [0] + coefs: one paired condition ``stat(a) − stat(b)`` per surrogate pair (a, b)."""
        return [_point(c, [_cond(stat(a, c), stat(b, c), direction, label.format(a=a, b=b)) for a, b in pairs])
                for c in [0.0] + coefs]

    pts = surrogate_pairs(fx, [(s, "softmax") for s in geo], "greater", "log F({a}) − log F({b})", grid)
    rows.append(abstract_claim(
        pts, grid, key="A1", kind=SCOPED,
        claim="geometric surrogates (variance, log-det) give a stronger information force than softmax",
        comparator="softmax at the same fixed λ", figure="hclm_regimes/force_vs_coef.png",
        criterion="path-mean Euclidean force, fixed regime, log-force difference > 0 for both geometric surrogates",
        numbers=tuple(f"λ0 = {c:g}: " + ", ".join(f"{s} {mean_sd(np.exp(fx(s, c)))}" for s in regimes.surrogate.values)
                      for c in [0.0] + grid),
        previous="was: inconclusive (C1 'softmax force small and noisy', λ = 0.1 only; its 'small' half was "
                 "supported there)"))
    # ---------------------------------------------------------------- abstract: more stable than softmax
    if dynamics is not None:
        lo, hi = first_label(dynamics, "step") + span(dynamics, "step") // 2, last_label(dynamics, "step")  # 2nd half
        cv = _Cube(step_cv(dynamics.step_info_force.sel(regime="fixed"), lo, hi))
        dgrid = _positive(dynamics)

        def fcv(s, c):
            return cv.sel(surrogate=s, coef=c)

        pts = surrogate_pairs(fcv, [(s, "softmax") for s in geo], "less", "CV({a}) − CV({b})", dgrid)
        nums = tuple(f"λ0 = {c:g}: CV " + ", ".join(f"{s} {mean_sd(cv.sel(surrogate=s, coef=c))}"
                                                     for s in dynamics.surrogate.values) for c in [0.0] + dgrid)
        rows.append(abstract_claim(
            pts, dgrid, key="A2", kind=SCOPED,
            claim="geometric surrogates give a more stable (less noisy step to step) information force than softmax",
            comparator="softmax at the same fixed λ", figure="hclm_dynamics/step_force_fixed.png",
            criterion=f"coefficient of variation of the per-step force over steps {lo}–{hi}, fixed regime, "
                      "CV difference < 0 for both geometric surrogates",
            numbers=nums,
            previous="was: inconclusive (C1 'noisy' half, λ = 0.1: noisier than variance, not shown vs log-det) and "
                     "C4 vs softmax inconclusive; the previous report scoped log-det stability against variance"))
    # ---------------------------------------------------------------- broader: log-det strongest
    if "logdet" in geo and "variance" in geo:
        pts = surrogate_pairs(fx, [("logdet", "variance")], "greater", "log F({a}) − log F({b})", grid)
        rows.append(abstract_claim(
            pts, grid, key="A3", kind=BROADER,
            claim="log-det gives the strongest force of all surrogates (stronger than variance too)",
            comparator="variance at the same fixed λ", figure="hclm_regimes/force_vs_coef.png",
            criterion="path-mean force, fixed regime, log F(logdet) − log F(variance) > 0 (vs softmax: row A1)",
            previous="was: supported (C3, at λ = 0.1 only)"))
        if dynamics is not None:
            pts = surrogate_pairs(fcv, [("logdet", "variance")], "less", "CV({a}) − CV({b})", dgrid)
            rows.append(abstract_claim(
                pts, dgrid, key="A4", kind=BROADER,
                claim="log-det gives the most stable force of all surrogates (more stable than variance too)",
                comparator="variance at the same fixed λ", figure="hclm_dynamics/step_force_fixed.png",
                criterion=f"CV of the per-step force over steps {lo}–{hi}, fixed regime, CV(logdet) − CV(variance) < 0",
                previous="was: not supported (C4, at λ = 0.1 only, compared with variance and softmax together)"))
    # ---------------------------------------------------------------- §8.1 softmax worse and unstable at high λ
    if "softmax" in regimes.surrogate.values and high:
        s = "softmax"

        def softmax_claim(pts, **fields) -> ClaimResult:   # rows B1, B2: softmax at high λ against λ = 0
            return _claim(pts, high, kind=SCOPED, section="§8.1", quote_source=not_found_10,
                          comparator="softmax at fixed λ = 0", **fields)

        base_t, base_g = test.sel(surrogate=s, regime="fixed", coef=0.0), gap.sel(surrogate=s, regime="fixed", coef=0.0)
        pts = [_point(c, [_cond(test.sel(surrogate=s, regime="fixed", coef=c), base_t, "greater", "test(λ) − test(0)"),
                          _cond(gap.sel(surrogate=s, regime="fixed", coef=c), base_g, "greater", "gap(λ) − gap(0)")])
               for c in grid]
        rows.append(softmax_claim(
            pts, key="B1", quote="softmax test loss and gap worsen at high λ",
            claim="with the softmax surrogate the final test loss and the generalisation gap are higher at high λ",
            figure="hclm_regimes/test_loss_vs_coef.png, hclm_regimes/gen_gap_vs_coef.png",
            criterion=f"final values, fixed regime; high λ = λ ≥ {HIGH_COEF:g} (counted: {', '.join(f'{c:g}' for c in high)}; "
                      "lower λ shown, not counted); both differences > 0",
            numbers=tuple(f"λ = {c:g}: test {mean_sd(test.sel(surrogate=s, regime='fixed', coef=c))}, gap "
                          f"{mean_sd(gap.sel(surrogate=s, regime='fixed', coef=c))}" for c in [0.0] + grid)))
        u = unstable.sel(surrogate=s, regime="fixed")
        n_div = {c: int((regimes.completed_epochs.sel(surrogate=s, regime="fixed", coef=c) < int(last_label(regimes, "epoch"))).sum())
                 for c in [0.0] + grid} if "completed_epochs" in regimes else {}
        pts = [_point(c, [_cond(u.sel(coef=c), u.sel(coef=0.0), "greater", "instability(λ) − instability(0)")])
               for c in grid]
        rows.append(softmax_claim(
            pts, key="B2", quote="the system is unstable there (softmax, high λ)",
            claim="with the softmax surrogate training is less stable at high λ than at λ = 0",
            figure="hclm_regimes/test_loss_vs_coef.png",
            criterion="test-loss instability (mean |ΔL_test| per epoch, second half of training), fixed regime, high λ "
                      f"= λ ≥ {HIGH_COEF:g}; difference > 0; diverged runs counted in the numbers",
            numbers=tuple(f"λ = {c:g}: instability {mean_sd(u.sel(coef=c))}"
                          + (f", diverged {n_div[c]}/{int(regimes.sizes['trial'])}" if n_div else "")
                          for c in [0.0] + grid)))
    # ---------------------------------------------------------------- §8.2 variance: thermostats vs fixed at λ0
    quote82 = "both Thermostat and RL-thermostat stabilize and lower the test loss compared to fixed hybrid control"
    if "variance" in regimes.surrogate.values:
        s = "variance"

        def c82(ctrl, c):
            ref_t, ref_u = test.sel(surrogate=s, regime="fixed", coef=c), unstable.sel(surrogate=s, regime="fixed", coef=c)
            return [_cond(test.sel(surrogate=s, regime=ctrl, coef=c), ref_t, "less", f"test({ctrl}) − test(fixed λ0)"),
                    _cond(unstable.sel(surrogate=s, regime=ctrl, coef=c), ref_u, "less",
                          f"instability({ctrl}) − instability(fixed λ0)")]

        def nums82(ctrls):
            return tuple(f"λ0 = {c:g}: test " + ", ".join(f"{g} {mean_sd(test.sel(surrogate=s, regime=g, coef=c))}"
                                                           for g in ["fixed"] + ctrls)
                         + "; instability " + ", ".join(f"{g} {mean_sd(unstable.sel(surrogate=s, regime=g, coef=c))}"
                                                       for g in ["fixed"] + ctrls) for c in grid)

        for key, kind, therm in (("C1", SCOPED, "thermostat"), ("C2", ALTERNATIVE, "target")):
            ctrls = [g for g in (therm, "rl") if g in regs]
            if therm not in regs:
                continue
            pts = [_point(c, [x for g in ctrls for x in c82(g, c)]) for c in grid]
            label = "λ*-tracking thermostat" if therm == "thermostat" else "target-entropy thermostat"
            rows.append(_claim(
                pts, grid, key=key, kind=kind, section="§8.2", quote=quote82, quote_source=not_found_10.replace(
                    "not verified", "quoted there; not verified"),
                claim=f"variance surrogate: the {label} and the RL-thermostat each give a lower final test loss and a "
                      "more stable test loss than fixed control",
                comparator="fixed hybrid control at the same base coefficient λ0",
                figure="hclm_regimes/test_loss_vs_coef.png",
                criterion="final test loss and test-loss instability, paired with the fixed run at the same λ0; all "
                          f"{2 * len(ctrls)} differences < 0 at a grid point",
                numbers=nums82(ctrls),
                previous=("was: supported (C2: variance thermostat compared with fixed λ = 0, at λ0 = 0.1 only, test "
                          "loss and gap)") if key == "C1" else ""))
        ctrls = [g for g in ("thermostat", "target", "rl") if g in regs]
        base_t, base_g = test.sel(surrogate=s, regime="fixed", coef=0.0), gap.sel(surrogate=s, regime="fixed", coef=0.0)
        pts = [_point(c, [x for g in ctrls for x in (
            _cond(test.sel(surrogate=s, regime=g, coef=c), base_t, "less", f"test({g}) − test(fixed λ = 0)"),
            _cond(gap.sel(surrogate=s, regime=g, coef=c), base_g, "less", f"gap({g}) − gap(fixed λ = 0)"))])
               for c in grid]
        rows.append(_claim(
            pts, grid, key="C3", kind=BROADER, section="§8.2", quote=quote82,
            quote_source=not_found_10.replace("not verified", "quoted there; not verified"),
            claim="variance surrogate: every adaptive controller lowers the test loss and the gap compared with no "
                  "entropy term (the previous report's comparator)",
            comparator="fixed λ = 0 (not the sentence's comparator)", figure="hclm_regimes/test_loss_vs_coef.png",
            criterion=f"final test loss and gap vs fixed λ = 0, for {', '.join(ctrls)}; all differences < 0",
            previous="was: supported (C2, λ*-tracking thermostat at λ0 = 0.1 only)"))
    # ---------------------------------------------------------------- §8.3 log-det: fixed suffers at extremes
    if "logdet" in regimes.surrogate.values and len(grid) >= 3:
        s = "logdet"
        ft = test.sel(surrogate=s, regime="fixed")
        ends, inner = [grid[0], grid[-1]], grid[1:-1]
        mid = ft.sel(coef=inner).mean("coef")
        pts = [_point(None, [_cond(ft.sel(coef=c), mid, "greater", f"test(fixed λ = {c:g}) − mean test(fixed, interior)")
                             for c in ends])]
        rows.append(_claim(
            pts, [], key="D1", kind=SCOPED, section="§8.3",
            quote="fixed hybrid control suffers at the extremes (of the base coefficient)",
            quote_source=not_found_10 + "; §8.3 taken as the log-det subsection (§8.1 softmax, §8.2 variance)",
            claim="log-det, fixed control: the final test loss at both ends of the λ grid is higher than in its interior",
            comparator="fixed control, mean over the interior grid points "
                       + ", ".join(f"{c:g}" for c in inner) + " (paired per seed)",
            figure="hclm_regimes/test_loss_vs_coef.png",
            criterion=f"ends = smallest and largest λ > 0 ({grid[0]:g}, {grid[-1]:g}); both differences > 0 (one "
                      "whole-grid condition set)",
            numbers=tuple(f"λ = {c:g}: test {mean_sd(ft.sel(coef=c))}" for c in [0.0] + grid)))
        spread = {g: test.sel(surrogate=s, regime=g, coef=grid).max("coef") - test.sel(surrogate=s, regime=g, coef=grid).min("coef")
                  for g in regs}
        for key, kind, therm in (("D2", SCOPED, "thermostat"), ("D3", ALTERNATIVE, "target")):
            if therm not in regs:
                continue
            ctrls = [g for g in (therm, "rl") if g in regs]
            pts = [_point(None, [_cond(spread[g], spread["fixed"], "less", f"spread({g}) − spread(fixed)") for g in ctrls])]
            rows.append(_claim(
                pts, [], key=key, kind=kind, section="§8.3",
                quote="thermostats stabilise the test loss across base λ",
                quote_source=not_found_10 + "; §8.3 taken as the log-det subsection",
                claim="log-det: the final test loss of the "
                      + ("λ*-tracking" if therm == "thermostat" else "target-entropy")
                      + " thermostat and of the RL-thermostat varies less across λ0 than fixed control's",
                comparator="fixed control over the same λ0 grid",
                figure="hclm_regimes/test_loss_vs_coef.png",
                criterion="per-seed spread (max − min over λ0 ∈ {" + ", ".join(f"{c:g}" for c in grid)
                          + "}) of the final test loss; differences < 0 (one whole-grid condition set)",
                numbers=tuple(f"spread {g}: {mean_sd(spread[g])}" for g in ["fixed"] + ctrls)))
    # ---------------------------------------------------------------- §8.4 early collapse
    if dynamics is not None:
        f = dynamics.step_info_force.sel(regime="fixed")
        spe = int(dynamics.sizes["step"]) // int(dynamics.sizes["epoch"])
        early = _Cube(np.log(between(f, "step", 4 * spe + 1, 5 * spe).mean("step"))
                      - np.log(between(f, "step", 1, spe).mean("step")))

        def collapse(s, c):
            e = early.sel(surrogate=s, coef=c)
            return [_cond(e, np.zeros(e.shape), "less", f"{s}: log F5/F1"),
                    _cond(e, early.sel(surrogate=s, coef=0.0), "less", f"{s}: log F5/F1 − (λ = 0)")]

        nums = tuple(f"{s}, λ = {c:g}: F(epoch 5)/F(epoch 1) = {mean_sd(np.exp(early.sel(surrogate=s, coef=c)))}"
                     for s in dynamics.surrogate.values for c in [0.0] + dgrid)
        for key, kind, surr in (("E1", SCOPED, ["logdet"]), ("E2", BROADER, [str(s) for s in dynamics.surrogate.values])):
            pts = [_point(c, [x for s in surr for x in collapse(s, c)]) for c in dgrid]
            rows.append(_claim(
                pts, dgrid, key=key, kind=kind, section="§8.4",
                quote="the information force collapses in the early epochs for λ > 0 (log-det)",
                quote_source=not_found_10,
                claim="the force falls between epoch 1 and epoch 5 at fixed λ > 0, and falls more than at λ = 0, for "
                      + ("the log-det surrogate" if kind == SCOPED else "every surrogate"),
                comparator="its own epoch-1 force, and the same surrogate at λ = 0",
                figure="hclm_dynamics/step_force_fixed.png",
                criterion="log(mean force in epoch 5 / epoch 1) < 0 and below the λ = 0 value, paired",
                numbers=tuple(n for n in nums if any(n.startswith(f"{s},") for s in surr)),
                previous="was: not supported (C8: every surrogate at once, softmax's force rises)"))
    # ---------------------------------------------------------------- §8.4 three force regimes
    if "logdet" in regimes.surrogate.values:
        lf = late_force.sel(surrogate="logdet")
        hi0 = lf.sel(regime="fixed", coef=0.0)
        for key, kind, therm in (("E3", SCOPED, "thermostat"), ("E4", ALTERNATIVE, "target")):
            if therm not in regs:
                continue
            pts = [_point(c, [_cond(hi0, lf.sel(regime=therm, coef=c), "greater", f"log F(fixed λ = 0) − log F({therm})"),
                              _cond(lf.sel(regime=therm, coef=c), lf.sel(regime="fixed", coef=c), "greater",
                                    f"log F({therm}) − log F(fixed λ0)")]) for c in grid]
            rows.append(_claim(
                pts, grid, key=key, kind=kind, section="§8.4",
                quote="three force regimes (log-det): high force at λ = 0, collapsed force at fixed λ > 0, an "
                      "intermediate adaptive level under the thermostat",
                quote_source=not_found_7,
                claim="log-det late force ordered F(λ = 0) > F(" + ("λ*-tracking" if therm == "thermostat" else "target-entropy")
                      + " thermostat from λ0) > F(fixed λ0)",
                comparator="fixed λ = 0 above, fixed control at the same λ0 below",
                figure="hclm_regimes/force_epochs_logdet.png",
                criterion="late force (last 10 epochs), both log differences > 0",
                numbers=tuple(f"λ0 = {c:g}: late force fixed λ = 0 {mean_sd(np.exp(hi0))}, {therm} "
                              f"{mean_sd(np.exp(lf.sel(regime=therm, coef=c)))}, fixed {mean_sd(np.exp(lf.sel(regime='fixed', coef=c)))}"
                              for c in grid),
                previous="was: not supported (C6, λ0 = 0.1 only)" if key == "E3" else ""))
        # ------------------------------------------------------------ §8.4 expansion → compression
        h = regimes.entropy.sel(surrogate="logdet", regime="fixed")
        ne = span(regimes, "epoch")
        e_mid = (2, max(2, ne // 4))
        h1 = _Cube(at_first(h, "epoch"))
        hm = _Cube(between(h, "epoch", *e_mid).mean("epoch"))
        hl = _Cube(final(h))
        pts = [_point(c, [_cond(hm.sel(coef=c), h1.sel(coef=c), "greater", f"H(epochs {e_mid[0]}–{e_mid[1]}) − H(epoch 1)"),
                          _cond(hl.sel(coef=c), hm.sel(coef=c), "less",
                                f"H(last {FINAL_WINDOW}) − H(epochs {e_mid[0]}–{e_mid[1]})")]) for c in [0.0] + grid]
        rows.append(_claim(
            pts, grid, key="E5", kind=SCOPED, section="§8.4",
            quote="the representation shifts from expansion to compression", quote_source=not_found_10,
            claim="log-det, fixed λ: the representation entropy H(Z) first rises, then falls",
            comparator="the same run's entropy at earlier times", figure="hclm_regimes/entropy_vs_coef.png",
            criterion=f"epoch means of the log-det surrogate on training batches: H(epochs {e_mid[0]}–{e_mid[1]}) − "
                      f"H(epoch 1) > 0 (expansion) and H(last {FINAL_WINDOW}) − H(epochs {e_mid[0]}–{e_mid[1]}) < 0 "
                      "(compression)",
            numbers=tuple(f"λ = {c:g}: H epoch 1 {mean_sd(h1.sel(coef=c))}, epochs {e_mid[0]}–{e_mid[1]} "
                          f"{mean_sd(hm.sel(coef=c))}, last {FINAL_WINDOW} {mean_sd(hl.sel(coef=c))}" for c in [0.0] + grid)))
    # ---------------------------------------------------------------- RL keeps λ within bounds
    if "rl" in regs:
        cmin, cmax = float(run_setting(regimes, "coef_min")), float(run_setting(regimes, "coef_max"))
        lo_b, hi_b = max(cmin, 1e-4 * cmax), cmax
        series = [("hclm_regimes", regimes.lambda_t.sel(regime="rl"))]
        if dynamics is not None and "step_coef" in dynamics and "rl" in _regimes(dynamics):
            series.append(("hclm_dynamics (per step)", dynamics.step_coef.sel(regime="rl")))
        if feedback is not None and "lambda_t" in feedback:
            series.append(("hclm_feedback (noisy, delayed reward)", feedback.lambda_t))
        nums, outside = [], 0
        for name, x in series:
            v = np.asarray(x.values, dtype=float).ravel()
            v = v[np.isfinite(v)]
            bad = int(((v < lo_b * (1 - 1e-9)) | (v > hi_b * (1 + 1e-9))).sum())
            at = int((np.isclose(v, lo_b, rtol=1e-6) | np.isclose(v, hi_b, rtol=1e-6)).sum())
            outside += bad
            nums.append(f"{name}: {v.size} recorded λ_t, {bad} outside [{lo_b:g}, {hi_b:g}], {at} at a bound, "
                        f"range [{v.min():.3g}, {v.max():.3g}]" if v.size else f"{name}: no finite λ_t")
        total = sum(1 for _ in series)
        ok = SUPPORTED if outside == 0 else NOT_SUPPORTED
        iv = Interval(float(outside), float(outside), float(outside), 0.0, total, 1.0, "count")
        pts = [GridPoint(None, (Condition("recorded λ_t outside the bounds (count)", iv, "less", ok),), ok)]
        rows.append(ClaimResult(
            key="E6", kind=SCOPED, section="§8 (RL-thermostat)", quote="the RL-thermostat keeps λ within its bounds",
            quote_source=not_found_10,
            claim="every λ_t the RL-thermostat sets lies in its bounds, in every run, surrogate and λ0",
            comparator="the configured bounds [max(coef_min, 10⁻⁴ coef_max), coef_max]",
            figure="hclm_regimes/lambda_vs_coef.png, hclm_dynamics/step_lambda_rl.png",
            criterion="deterministic count, not a t-interval: supported when no recorded λ_t leaves the bounds, not "
                      "supported otherwise (the controller clips by construction, so this checks the implementation "
                      "and the recording, not a learning effect)",
            points=tuple(pts), counted=(), verdict=ok, numbers=tuple(nums)))
    # ---------------------------------------------------------------- log-det sharpest gap reduction
    if "logdet" in regimes.surrogate.values:
        others = [s for s in ("variance", "softmax") if s in regimes.surrogate.values]
        gf = gap.sel(regime="fixed")
        pts = [_point(c, [_cond(gf.sel(surrogate="logdet", coef=c), gf.sel(surrogate=s, coef=c), "less",
                                f"gap(logdet) − gap({s})") for s in others]) for c in grid]
        rows.append(_claim(
            pts, grid, key="F1", kind=SCOPED, section="§8 (log-det)",
            quote="log-det gives the sharpest reduction of the generalisation gap", quote_source=not_found_7,
            claim="at the same fixed λ, log-det leaves a smaller final gap than variance and softmax",
            comparator="the other surrogates at the same fixed λ (their common λ = 0 baseline is identical)",
            figure="hclm_regimes/gen_gap_vs_coef.png", criterion="final gap, both differences < 0",
            numbers=tuple(f"λ = {c:g}: gap " + ", ".join(f"{s} {mean_sd(gf.sel(surrogate=s, coef=c))}"
                                                          for s in regimes.surrogate.values) for c in [0.0] + grid),
            previous="was: inconclusive (C5, λ = 0.1 only)"))
    # ---------------------------------------------------------------- RL highest reward
    if "rl" in regs:
        others = [g for g in regs if g != "rl"]
        pts = [_point(c, [_cond(reward.sel(surrogate=s, regime="rl", coef=c), reward.sel(surrogate=s, regime=g, coef=c),
                                "greater", f"{s}: reward(rl) − reward({g})")
                          for s in regimes.surrogate.values for g in others]) for c in grid]
        rows.append(_claim(
            pts, grid, key="F2", kind=SCOPED, section="§8 (RL-thermostat)",
            quote="the RL-thermostat reaches the highest reward", quote_source=not_found_7,
            claim="for every surrogate the RL-thermostat's late reward exceeds every other regime's from the same λ0",
            comparator="fixed control and the thermostats from the same λ0", figure="hclm_regimes/reward_vs_coef.png",
            criterion=f"mean reward over the last {REWARD_WINDOW} epochs (noise-free, undelayed rater); all "
                      f"{len(others) * int(regimes.sizes['surrogate'])} differences > 0 at a grid point",
            numbers=tuple(f"λ0 = {c:g}, {s}: " + ", ".join(f"{g} {mean_sd(reward.sel(surrogate=s, regime=g, coef=c))}"
                                                            for g in regs)
                          for c in grid for s in regimes.surrogate.values),
            previous="was: inconclusive (C7, λ0 = 0.1 only)"))
    return rows


#: what changed in each test since the previous report (read with ``ClaimResult.previous``)
CHANGES = {
    "A1": "scoped to the abstract's comparison with softmax, both geometric surrogates, across λ0; rerun data",
    "A2": "scoped to the abstract's comparison with softmax (the previous test demanded beating variance too), "
          "across λ0 ∈ {0.1, 1}; rerun data",
    "A3": "now a broader-reading row, evaluated across λ0 instead of at 0.1 alone; rerun data",
    "A4": "now a broader-reading row (the abstract compares with softmax), across λ0 ∈ {0.1, 1}; rerun data",
    "C1": "comparator is now fixed control at the same λ0 (the sentence's 'fixed hybrid control'), not λ = 0; the "
          "RL-thermostat and the stability half are added; across λ0; rerun data",
    "C3": "the previous comparator kept as a broader reading, now for every controller and λ0; rerun data",
    "E1": "scoped to log-det (§8.4); the every-surrogate reading is row E2; rerun data",
    "E2": "same reading as before, now a broader-reading row; rerun data",
    "E3": "across λ0 instead of 0.1 alone; rerun data",
    "F1": "across λ0 instead of 0.1 alone; rerun data",
    "F2": "across λ0 instead of 0.1 alone, the target-entropy thermostat added as a competitor; rerun data",
}


def _per_point(r: ClaimResult) -> str:
    def tag(p):
        star = "" if (p.coef is None or p.coef in r.counted) else " (not counted)"
        return f"{p.name}: {p.verdict}{star}"
    return "; ".join(tag(p) for p in r.points)


def _change(r: ClaimResult) -> str:
    if not r.previous:
        return "new"
    why = CHANGES.get(r.key, "rerun data")
    return f"{r.previous} → now: {r.verdict} ({why}; scope and data effects separated under 'What changed')"


def count_verdicts(rows, kind: str | None = None) -> dict[str, int]:
    """``{verdict: count}`` over ``rows`` (of one ``kind`` when given)."""
    use = [r for r in rows if kind is None or r.kind == kind]
    return {v: sum(r.verdict == v for r in use) for v in VERDICTS}


def summary_line(rows) -> str:
    """One sentence with the verdict counts per kind of row."""
    parts = []
    for kind in KINDS:
        n = sum(r.kind == kind for r in rows)
        if n:
            c = count_verdicts(rows, kind)
            parts.append(f"{kind}: {c[SUPPORTED]} supported, {c[NOT_SUPPORTED]} not supported, "
                         f"{c[INCONCLUSIVE]} inconclusive of {n}")
    return "; ".join(parts) + "."


def thermostat_section(regimes: xr.Dataset, dynamics: xr.Dataset | None = None) -> str:
    """Why the λ*-tracking thermostat settles where it does, from the data, and what that does to the verdicts.

    The thermostat updates ``λ ← (1−β) λ + β clip(λ*)`` every step. When the clipped λ* stays near 0,
    λ_t relaxes geometrically from λ0 with time constant 1/β steps, so its path mean over N steps is
    ``≈ λ0 / (β N)`` (Σ_k (1−β)^k = 1/β) plus the late level; both are compared with the data here.
    """
    if "thermostat" not in _regimes(regimes):
        return ""
    grid = _positive(regimes)
    beta = float(run_setting(regimes, "smoothing"))
    steps = int(regimes.sizes["epoch"]) * (int(run_setting(regimes, "n_train")) // int(run_setting(regimes, "batch_size")))
    rows = ["| surrogate | λ0 | path-mean λ_t | relaxation λ0/(βN) | λ_t, last 10 epochs | median λ*, last 10 "
            "epochs | epochs with λ* ≤ 0 | test: thermostat − fixed λ = 0 | test: thermostat − fixed λ0 |",
            "|---|---|---|---|---|---|---|---|---|"]
    worse, better, late_all, means = [], [], [], {}
    for s in regimes.surrogate.values:
        for c in grid:
            p = regimes.sel(surrogate=s, regime="thermostat", coef=c)
            lam = final(p.lambda_t, REWARD_WINDOW)
            late_all.append(float(lam.median()))
            means[(str(s), c)] = float(path_mean(p.lambda_t).mean())
            ls = tail(p.lambda_star, "epoch", REWARD_WINDOW)
            nonpos = float((p.lambda_star <= 0).mean())
            t = final(p.test_loss)
            d0 = paired_difference(t.values, final(regimes.test_loss.sel(surrogate=s, regime="fixed", coef=0.0)).values)
            dc = paired_difference(t.values, final(regimes.test_loss.sel(surrogate=s, regime="fixed", coef=c)).values)
            (worse if verdict(dc) == SUPPORTED else better if verdict(dc, direction="less") == SUPPORTED else []).append(
                f"{s} {c:g}")
            rows.append(f"| {s} | {c:g} | {mean_sd(path_mean(p.lambda_t))} | {c / (beta * steps):.3g} | {mean_sd(lam)} | "
                        f"{mean_sd(ls.median('epoch'))} | {nonpos:.0%} | {d0.format()} | {dc.format()} |")
    lo, hi = min(late_all), max(late_all)
    lead = means.get(("logdet", PRIMARY_COEF), float("nan"))
    text = [f"## Why the λ*-tracking thermostat settles near λ ≈ 0 (late λ_t {lo:.2g}–{hi:.2g})", "",
            f"The thermostat updates λ ← (1−β) λ + β·clip(λ*, 0, 1) after every step (β = {beta:g}), with λ* = "
            "−⟨∇L, ∇H⟩/‖∇H‖² the coefficient at which the first-order entropy change vanishes. Along its paths the "
            "clipped λ* is close to 0 — the loss gradient is nearly orthogonal to the entropy gradient, or lowers H "
            "by itself (λ* ≤ 0, clipped to 0) — so λ_t simply relaxes from λ0 with a time constant of 1/β = "
            f"{1 / beta:g} steps and then follows the small late λ*. Its path mean over the N = {steps} steps of a run "
            f"is therefore ≈ λ0/(βN) = {PRIMARY_COEF / (beta * steps):.2g} for λ0 = {PRIMARY_COEF:g}: this is the "
            f"'λ ≈ 0.003' of the path-mean λ_t (measured for log-det from λ0 = {PRIMARY_COEF:g}: {lead:.2g}); the "
            f"late value is much smaller ({lo:.2g}–{hi:.2g} over all surrogates and λ0). Epoch means below; N counts "
            "SGD steps.", "", "\n".join(rows), ""]
    if dynamics is not None and "step_coef" in dynamics and "thermostat" in _regimes(dynamics):
        sc = dynamics.step_coef.sel(regime="thermostat")
        spe = int(dynamics.sizes["step"]) // int(dynamics.sizes["epoch"])
        lines = []
        for s in dynamics.surrogate.values:
            for c in _positive(dynamics):
                x = sc.sel(surrogate=s, coef=c)
                lines.append(f"{s} from λ0 = {c:g}: after epoch 1 {mean_sd(x.sel(step=spe))} (pure relaxation: "
                             f"{c * (1 - beta) ** spe:.3g}), after epoch 3 {mean_sd(x.sel(step=3 * spe))} "
                             f"({c * (1 - beta) ** (3 * spe):.3g}), last step {mean_sd(at_last(x, 'step'))}")
        text += ["Per step (hclm_dynamics), λ_t against the pure relaxation λ0(1−β)^k: " + "; ".join(lines) + ".", ""]
    text += ["**What this does to the verdicts.** The λ*-tracking thermostat is λ0-regularisation for the first "
             f"~{1 / beta:g} steps and almost λ = 0 afterwards. Against fixed λ = 0 it can look good (the previous "
             "report's comparator); against fixed control at the same λ0 — the comparator of §8.2 — it is "
             "significantly worse (paired interval above 0) at " + (", ".join(worse) or "no grid point")
             + ", and significantly better at " + (", ".join(better) or "no grid point")
             + " (where fixed λ0 itself over-regularises). Rows C1, C3, D2 and E3 use these runs; the "
             "target-entropy thermostat (dual ascent holding H at its first-step value) is the alternative "
             "reading, rows C2, D3 and E4.", ""]
    return "\n".join(text)


def claims_markdown(rows, *, sources, regimes: xr.Dataset | None = None, dynamics: xr.Dataset | None = None,
                    columns: tuple[list[str], dict[str, list[str]]] | None = None) -> str:
    """CLAIMS.md text: criterion, summary table, per-claim details, the thermostat explanation.

    ``columns``: extra summary-table columns ``(header, {row key: cells})`` (the per-task verdicts of
    :func:`~.hclm_tasks.claims_columns`); each row's cells are repeated in its details. With them, the
    table's own verdict column is labelled as the synthetic task's.
    """
    extra, cells = columns if columns is not None else ([], {})
    lines = ["# HCLM claims report: Tran (2026), arXiv:2605.22940, §8", "",
             "_Generated by `hopfield-hclm report hclm` from " + ", ".join(f"`{x}`" for x in sources)
             + "; do not edit by hand._", "", CRITERION, "",
             "**Sources of the sentences.** The abstract's sentence is quoted verbatim from arXiv:2605.22940v1. The "
             "§8 sentences could not be found in the searchable copy of the paper (it holds the title page and "
             "abstract only); their wording is that of issue 10 (or of issue 7, the previous report's claim list) "
             "and each row says so. Section numbers for those rows follow the issues.", "",
             "**Summary** — " + summary_line(rows), "",
             "| # | kind | section: sentence | our test (comparator) | per-λ0 verdicts | "
             + ("verdict (synthetic task)" if extra else "verdict") + " | previous report → now |"
             + "".join(f" {h} |" for h in extra),
             "|---|---|---|---|---|---|---|" + "---|" * len(extra)]
    for r in rows:
        lines.append(f"| {r.key} | {r.kind} | {r.section}: “{r.quote}” | {r.claim} (vs {r.comparator}) | "
                     f"{_per_point(r)} | **{r.verdict}** | {_change(r)} |"
                     + "".join(f" {c} |" for c in cells.get(r.key, ["—"] * len(extra))))
    lines += ["", "## Details", ""]
    for r in rows:
        lines += [f"### {r.key} ({r.kind}, {r.section}) — **{r.verdict}**", "",
                  f"- sentence: “{r.quote}” — {r.quote_source}",
                  f"- test: {r.claim}; comparator: {r.comparator}",
                  f"- criterion: {r.criterion}",
                  f"- figure: {r.figure}"]
        if r.numbers:
            lines.append("- measured (mean ± s.d. over seeds): " + "; ".join(r.numbers))
        for p in r.points:
            lines.append(f"- {p.name} → {p.verdict}: " + "; ".join(c.line() for c in p.conditions))
        lines += [f"- previous report: {_change(r)}"]
        if extra:
            lines.append("- across tasks: " + "; ".join(f"{h}: {c}" for h, c in zip(extra, cells.get(r.key, []))))
        lines.append("")
    if regimes is not None:
        lines += [thermostat_section(regimes, dynamics), ""]
    return "\n".join(lines)
