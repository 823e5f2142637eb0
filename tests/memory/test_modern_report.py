"""The modern_hopfield report's reductions: the export filter, the end-state classes on planted data and on a real
run, and the edge crossing."""

import json

import numpy as np
import pytest
import xarray as xr

import hopfield_hclm as hh
from hopfield_hclm.reports import modern_hopfield as rep


def test_export_keeps_what_the_report_reads_and_is_small():
    ds = hh.memory.simulate(model="modern", units="real", neurons=16, patterns=60, beta=2.0, ensemble="spherical",
                            cue_overlap=0.7, steps=10, trials=4, seed=0)
    out = rep.export(ds)
    assert set(out.data_vars) == ({"overlap", "separation"} | {f"{v}_end" for v in rep._END}
                                  | {f"{v}_cue" for v in rep._CUE})
    assert out["overlap"].dtype == np.float32 and out["overlap"].dims == ("trial", "time")
    assert out["effective_patterns_end"].dims == ("trial",)
    np.testing.assert_array_equal(out["readout_error_cue"], ds["readout_error"].isel(time=0).astype("float32"))
    np.testing.assert_array_equal(out["separation"], ds["separation"].isel(time=0).astype("float32"))
    assert "export for the modern_hopfield report" in out.attrs["history"]


def _planted(neff, overlap_end, other_end, patterns):
    trial = len(neff)
    return xr.Dataset({
        "effective_patterns_end": ("trial", np.asarray(neff, float)),
        "max_other_overlap_end": ("trial", np.asarray(other_end, float)),
        "overlap": (("trial", "time"), np.stack([np.zeros(trial), np.asarray(overlap_end, float)], axis=1)),
    }, coords={"patterns": patterns, "time": [0.0, 1.0]})


def test_end_classes_on_planted_states():
    ds = _planted(neff=[1.0, 1.2, 1.4, 1.6, 9.9, 10.0, np.nan], overlap_end=[0.99, 0.3, 0.8, 0.5, 0.2, 0.1, 0.0],
                  other_end=[0.2, 0.95, 0.9, 0.5, 0.3, 0.1, 0.0], patterns=20)
    assert rep.end_classes(ds).values.tolist() == [0, 1, 1, 2, 2, 3, -1]
    fractions = rep.class_fractions(rep.end_classes(ds))
    assert float(fractions["target"]) == pytest.approx(1 / 6)
    assert sum(float(fractions[c]) for c in rep.CLASSES) == pytest.approx(1.0)


def test_end_classes_on_a_run_agree_with_the_kernel_classes():
    from hopfield_hclm.memory import modern as mh
    import torch

    ds = hh.memory.simulate(model="modern", units="real", neurons=16, patterns=200, beta=0.6, ensemble="gaussian",
                            cue_overlap=0.7, steps=12, trials=16, seed=3)
    codes = rep.end_classes(rep.export(ds)).values
    kernel = mh.classify_end_state(torch.tensor(ds.effective_patterns.isel(time=-1).values), 200).numpy()
    # report classes 0/1 are the kernel's retrieval (0); 2 metastable (1); 3 average (2)
    np.testing.assert_array_equal(np.where(codes <= 1, 0, codes - 1), kernel)
    target = codes == 0
    assert np.all(ds.overlap.isel(time=-1).values[target] > ds.max_other_overlap.isel(time=-1).values[target])


def test_crossing():
    x = np.array([0.1, 0.2, 0.3, 0.4])
    assert rep.crossing(x, np.array([1.0, 0.8, 0.2, 0.0])) == pytest.approx(0.2 + 0.3 / 0.6 * 0.1)
    assert np.isnan(rep.crossing(x, np.array([0.4, 0.3, 0.2, 0.1])))      # starts below 1/2
    assert np.isnan(rep.crossing(x, np.array([1.0, 0.9, 0.8, 0.7])))      # never falls through


def test_setting_reads_the_sweep_config():
    ds = xr.Dataset(attrs={"config": json.dumps({"base": {"neurons": 16, "ensemble": "binary"}, "axes": {}})})
    assert rep.setting(ds, "neurons") == 16 and rep.setting(ds, "ensemble") == "binary"
    assert rep.setting(ds, "beta") is None
