"""Windows by coordinate value (hopfield_hclm.core.windows) and the report statistics built on them."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from hopfield_hclm.core import windows as w
from hopfield_hclm.reports.claims import final, late_variation, step_cv


def _series(labels, values, dim="epoch"):
    return xr.DataArray(np.asarray(values, dtype=float), dims=dim, coords={dim: labels})


def test_windows_select_labels_not_positions():
    da = _series([3, 1, 4, 2, 5], [30.0, 10.0, 40.0, 20.0, 50.0])   # stored out of order
    assert sorted(w.tail(da, "epoch", 2).epoch.values.tolist()) == [4, 5]
    assert sorted(w.head(da, "epoch", 2).epoch.values.tolist()) == [1, 2]
    assert sorted(w.between(da, "epoch", 2, 3).epoch.values.tolist()) == [2, 3]
    assert float(w.at_last(da, "epoch")) == 50.0 and float(w.at_first(da, "epoch")) == 10.0
    assert w.span(da, "epoch") == 5 and w.first_label(da, "epoch") == 1 and w.last_label(da, "epoch") == 5
    gappy = _series([1, 2, 5], [1.0, 2.0, 5.0])          # epochs 3 and 4 missing: a width counts labels
    assert w.tail(gappy, "epoch", 3).epoch.values.tolist() == [5]


def test_report_statistics_do_not_depend_on_storage_order():
    rng = np.random.default_rng(0)
    values = rng.standard_normal(40)
    da = _series(np.arange(1, 41), values)
    shuffled = da.isel(epoch=rng.permutation(40))
    assert float(final(da)) == pytest.approx(values[-5:].mean(), abs=1e-15)
    assert float(final(shuffled)) == pytest.approx(float(final(da)), abs=1e-15)
    # late_variation: mean |x_e - x_{e-1}| over epochs e = 21..40 (the second half)
    assert float(late_variation(da)) == pytest.approx(np.abs(np.diff(values))[19:].mean(), abs=1e-15)
    steps = _series(np.arange(1, 161), 1.0 + 0.1 * rng.standard_normal(160), dim="step")
    seg = steps.values[80:160]
    assert float(step_cv(steps, 81, 160)) == pytest.approx(seg.std(ddof=1) / seg.mean(), rel=1e-12)


@pytest.mark.parametrize("call, match", [
    (lambda da: w.tail(da, "time", 2), "dim must be one of"),
    (lambda da: w.tail(da, "epoch", 0), "width"),
    (lambda da: w.head(da, "epoch", float("nan")), "width"),
    (lambda da: w.tail(xr.DataArray(np.zeros(3), dims="epoch"), "epoch", 1), "numeric coordinate"),
])
def test_bad_window_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call(_series([1, 2, 3], [0.0, 1.0, 2.0]))
