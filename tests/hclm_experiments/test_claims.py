"""Verdict machinery on synthetic paired data with known answers."""

import numpy as np
import pytest
from scipy import stats

from hopfield_hclm.reports.claims import (
    bootstrap_interval,
    combine_verdicts,
    mean_interval,
    paired_difference,
    verdict,
)


def test_mean_interval_matches_float64_reference():
    x = np.array([0.3, -0.1, 0.5, 0.2, 0.4])
    iv = mean_interval(x, level=0.95)
    # reference written out: mean ± t_{0.975, 4} s / sqrt(5)
    m, s = x.sum() / 5, np.sqrt(((x - x.sum() / 5) ** 2).sum() / 4)
    half = stats.t.ppf(0.975, 4) * s / np.sqrt(5)
    assert iv.estimate == pytest.approx(m, rel=1e-12)
    assert (iv.low, iv.high) == pytest.approx((m - half, m + half), rel=1e-12)
    assert iv.n == 5 and iv.stderr == pytest.approx(s / np.sqrt(5))


def test_paired_difference_drops_nan_pairs_and_uses_pairs():
    a = np.array([1.0, 2.0, np.nan, 4.0])
    b = np.array([0.5, 1.5, 0.0, 3.5])
    iv = paired_difference(a, b)
    assert iv.n == 3 and iv.estimate == pytest.approx(0.5)
    assert iv.low == pytest.approx(0.5) and iv.high == pytest.approx(0.5)  # constant difference


def test_t_interval_coverage_of_a_known_mean_difference():
    # 2000 experiments of 5 paired seeds with true mean difference 0.3 and a large shared seed effect;
    # coverage of a 95% interval is binomial: sd = sqrt(.95*.05/2000) = 0.0049, allow 4 sd.
    rng = np.random.default_rng(1)
    hits = 0
    for _ in range(2000):
        seed_effect = rng.normal(0, 5, 5)
        a = seed_effect + 0.3 + rng.normal(0, 0.2, 5)
        b = seed_effect + rng.normal(0, 0.2, 5)
        iv = paired_difference(a, b)
        hits += iv.low <= 0.3 <= iv.high
    assert abs(hits / 2000 - 0.95) < 4 * 0.0049


def test_verdict_rules():
    sup = mean_interval([1.0, 1.1, 0.9, 1.05, 0.95])
    assert verdict(sup, direction="greater") == "supported"
    assert verdict(sup, direction="less") == "not supported"
    unclear = mean_interval([1.0, -1.0, 0.5, -0.4, 0.1])
    assert verdict(unclear) == "inconclusive"
    tiny = mean_interval([0.001, -0.001, 0.0005, -0.0004, 0.0001])
    assert verdict(tiny) == "inconclusive"
    assert verdict(tiny, equivalence=0.01) == "not supported"
    assert verdict(mean_interval([1.0])) == "inconclusive"


def test_paired_design_detects_what_an_unpaired_view_hides():
    # shared seed effect sd 5 >> difference 0.3: pairing removes it (the reason for common random numbers)
    rng = np.random.default_rng(2)
    seed_effect = rng.normal(0, 5, 5)
    a, b = seed_effect + 0.3 + rng.normal(0, 0.01, 5), seed_effect + rng.normal(0, 0.01, 5)
    assert verdict(paired_difference(a, b)) == "supported"
    assert verdict(mean_interval(a - b.mean())) == "inconclusive"


def test_bootstrap_interval_of_known_mean():
    rng = np.random.default_rng(3)
    x = rng.normal(2.0, 1.0, 400)
    iv = bootstrap_interval(x, resamples=2000, seed=0)
    # the percentile interval has half-width ~ 1.96 / sqrt(400) = 0.098
    assert iv.low < 2.0 < iv.high
    assert iv.high - iv.low == pytest.approx(2 * 1.96 / 20, rel=0.15)
    assert bootstrap_interval(x, seed=5).estimate == pytest.approx(x.mean())


def test_combine_verdicts():
    assert combine_verdicts(["supported", "supported"]) == "supported"
    assert combine_verdicts(["supported", "inconclusive"]) == "inconclusive"
    assert combine_verdicts(["inconclusive", "not supported"]) == "not supported"


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: mean_interval([1.0, 2.0], level=1.5), "level"),
        (lambda: paired_difference([1.0, 2.0], [1.0]), "a and b"),
        (lambda: mean_interval(np.ones((2, 2))), "values"),
        (lambda: verdict(mean_interval([1.0, 2.0]), direction="up"), "direction"),
        (lambda: verdict(mean_interval([1.0, 2.0]), equivalence=-1.0), "equivalence"),
        (lambda: bootstrap_interval([1.0, 2.0], resamples=5), "resamples"),
        (lambda: combine_verdicts([]), "verdicts"),
        (lambda: combine_verdicts(["maybe"]), "verdicts"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_grid_verdict_rule():
    from hopfield_hclm.reports.claims import grid_verdict

    s, x, i = "supported", "not supported", "inconclusive"
    assert grid_verdict([s, s, s, i]) == s          # strict majority, no failure
    assert grid_verdict([s, s, i, i]) == i          # half is not a majority
    assert grid_verdict([s, s, s, x]) == i          # one failure vetoes support
    assert grid_verdict([s, s, x, x]) == x          # failing at half the grid refutes
    assert grid_verdict([s, x]) == x and grid_verdict([s, s]) == s and grid_verdict([s, i]) == i
    with pytest.raises(ValueError, match="verdicts"):
        grid_verdict([])
    with pytest.raises(ValueError, match="verdicts"):
        grid_verdict(["yes"])


def test_late_variation_matches_a_written_out_reference():
    import xarray as xr

    from hopfield_hclm.reports.claims import late_variation

    x = np.array([[5.0, 1.0, 2.0, 4.0, 3.0, 3.5], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]])
    da = xr.DataArray(x, dims=("trial", "epoch"), coords={"epoch": np.arange(1, 7)})
    # second half = epochs 4, 5, 6: |4-2|, |3-4|, |3.5-3| -> mean 7/6
    np.testing.assert_allclose(late_variation(da).values, [3.5 / 3, 0.0])
