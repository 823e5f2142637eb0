"""The evaluation Dataset's schema, the "attention" sweep kind through a tiny sweep, and bad input."""

import numpy as np
import pytest
import xarray as xr

from hopfield_hclm.attention.run import run, run_template
from hopfield_hclm.attention.sweep_kind import export_filter
from hopfield_hclm.core.attrs import missing_cf_attrs
from hopfield_hclm.core.sweep import export_netcdf, loads_spec, run_sweep

EVAL = dict(sequences=64, probe_sequences=96, chunk=32)


def test_run_schema_matches_template(tiny):
    ds = run(pairs=3, shift="none", trials=2, seed=1, **tiny, **EVAL)
    tpl = run_template(pairs=3, shift="none", trials=2, seed=1, **tiny, **EVAL)
    assert dict(ds.sizes) == dict(tpl.sizes)
    assert set(ds.variables) == set(tpl.variables)
    for name in ds.data_vars:
        assert ds[name].dims == tpl[name].dims and ds[name].dtype == tpl[name].dtype, name
    assert [v for v in missing_cf_attrs(ds) if not v.startswith("global:")] == []
    assert ds.sizes["time"] == tiny["layers"] + 1 and list(ds["end_state"].values) == ["retrieval", "metastable", "average"]
    fractions = ds["end_state_fraction"].sum("end_state")
    np.testing.assert_allclose(fractions.values, 1.0)
    assert float(ds["kernel_weight_mismatch"].max()) < 1e-5
    assert (ds["logit_bound_holds"] == 1).all() and (ds["ramsauer_bound_holds"] == 1).all()
    # trained at this load: the model and the readout after the block are far above chance 1/4
    assert (ds["model_accuracy"] > 0.6).all() and (ds["probe_accuracy"].isel(time=-1) > 0.6).all()
    assert (ds["probe_accuracy"].isel(time=0) < 0.5).all()   # the embedding at the query holds no answer
    # uniform attention would give log P: every head's entropy is at most that
    assert (ds["attention_entropy"] <= ds["mean_log_patterns"] + 1e-9).all()


CONFIG = """
kind = "attention"
title = "tiny"
seed = 1
trials = 1
[base]
{base}
[axes]
shift = ["none", "repeated"]
pairs = [2, 6]
"""


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory, tiny):
    """The sweep of CONFIG whose base is the ``tiny`` model and EVAL, the settings of the direct runs."""
    base = "\n".join(f"{key} = {value!r}" for key, value in {**tiny, **EVAL}.items())
    out = tmp_path_factory.mktemp("sweep")
    return run_sweep(loads_spec(CONFIG.format(base=base)), out / "a.zarr", executor="serial", progress=False), out


def test_tiny_sweep_through_the_kind(tiny_sweep, tiny):
    ds, out = tiny_sweep
    assert ds.attrs["sweep_kind"] == "attention"
    assert dict(ds["completed"].sizes) == {"shift": 2, "pairs": 2} and bool(ds["completed"].all())
    direct = run(pairs=6, shift="repeated", trials=1, seed=1, **tiny, **EVAL)
    np.testing.assert_allclose(ds["overlap"].sel(shift="repeated", pairs=6).values, direct["overlap"].values,
                               rtol=1e-6)
    small = export_filter(ds)
    assert small["train_loss"].dims == ("trial", "epoch") and small["overlap"].dtype == np.float32
    path = export_netcdf(small, out / "a.nc")
    back = xr.load_dataset(path, engine="h5netcdf")
    assert back["overlap_half"].dims == ("shift", "pairs", "trial", "half", "time")


@pytest.mark.filterwarnings("ignore:Degrees of freedom:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_report_body_on_the_tiny_sweep(tiny_sweep, tmp_path):
    from hopfield_hclm.reports.attention import attention_body

    ds, _ = tiny_sweep
    # one model: every interval is NaN, so nothing can be supported
    text = attention_body({"": export_filter(ds)}, str(tmp_path))
    assert "**hypothesis (issue's wording): not supported**" in text
    assert {p.name for p in tmp_path.iterdir()} == {"attention_readout.png", "attention_heads.png",
                                                    "attention_training.png"}


@pytest.mark.parametrize("change, name", [
    (dict(shift="upside-down"), "shift"),
    (dict(pairs=0), "pairs"),
    (dict(pairs=9), "pairs"),
    (dict(heads=3), "d_model"),
    (dict(steps=121), "steps"),
    (dict(lr=0.0), "lr"),
    (dict(sequences=1), "sequences"),
    (dict(threshold=2.0), "threshold"),
    (dict(trials=0), "trials"),
    (dict(widths=3), "widths"),
])
def test_bad_input_names_the_argument(tiny, change, name):
    args = dict(pairs=3, shift="none", trials=1, seed=0, **tiny, **EVAL)
    args.update(change)
    with pytest.raises(ValueError, match=name):
        run_template(**args)
    with pytest.raises(ValueError, match=name):
        run(**args)
