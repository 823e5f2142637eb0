"""The memory kind against the real engine: template == result schema, sweep == direct simulate calls."""

import numpy as np
import pytest

import hopfield_hclm
from hopfield_hclm.core.attrs import missing_cf_attrs
from hopfield_hclm.core.sweep import get_kind, loads_spec, run_sweep, work_units

hh = hopfield_hclm.memory

SWEEP = """
kind = "memory"
title = "memory kind test"
seed = 4
trials = 3
[base]
model = "hopfield"
neurons = 64
steps = 4
cue_overlap = 0.5
[axes]
update = ["sync", "async"]
load = [0.05, 0.2]
"""


@pytest.mark.parametrize("args", [
    dict(model="hopfield", units="binary", update="sync", neurons=50, load=0.1, steps=5, trials=2, seed=1),
    dict(model="dense", units="binary", update="async", order=2, neurons=20, load=0.05, steps=3, trials=2, seed=0,
         record_every=2),
    dict(model="hopfield", units="graded", neurons=40, load=0.2, steps=10, dt=0.3, record_every=3, trials=2, seed=2),
])
def test_template_has_the_exact_schema_of_a_real_result(args):
    kind = get_kind("memory")
    template = kind.template(**args)
    real = kind.compute(**args)
    assert set(template.variables) == set(real.variables)
    for name, var in real.variables.items():
        assert template[name].dims == var.dims and template[name].shape == var.shape, name
        assert template[name].dtype == var.dtype, name
        assert template[name].attrs == var.attrs, name
    for name in real.coords:
        np.testing.assert_array_equal(template[name].values, real[name].values)


def test_memory_sweep_equals_direct_simulate_calls_and_shares_inputs(tmp_path):
    spec = loads_spec(SWEEP)
    ds = run_sweep(spec, tmp_path / "m.zarr", executor="serial", progress=False)
    assert ds["overlap"].dims == ("update", "load", "trial", "time")
    assert missing_cf_attrs(ds) == []
    for unit in work_units(spec):
        direct = hh.simulate(**unit.args)
        sel = {"update": unit.args["update"], "load": unit.args["load"]}
        for name in direct.data_vars:
            np.testing.assert_array_equal(ds[name].sel(sel).values, direct[name].values)
    # common random numbers: same cues under both update rules, trial by trial
    np.testing.assert_array_equal(ds["overlap"].sel(update="sync").isel(time=0), ds["overlap"].sel(update="async").isel(time=0))
    assert ds["patterns"].dims == ("load",) and list(ds["patterns"].values) == [3, 13]


@pytest.mark.parametrize("base, message", [
    ("load = -0.1", "load"),
    ("cue_overlap = 1.5", "cue_overlap"),
    ("neurons = 0", "neurons"),
    ("colour = 1", "unknown argument(s) ['colour']"),
    ("record_states = true", "record_states must be False in a sweep"),
])
def test_bad_memory_configs_fail_before_a_store(tmp_path, base, message):
    text = """
kind = "memory"
trials = 2
[base]
steps = 3
{base}
[axes]
order = [1]
""".format(base=base)
    if "load" not in base:
        text = text.replace("steps = 3", "steps = 3\nload = 0.1")
    if "neurons" not in base:
        text = text.replace("steps = 3", "steps = 3\nneurons = 50")
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")):
        run_sweep(cfg, tmp_path / "bad.zarr", executor="serial")
    assert not (tmp_path / "bad.zarr").exists()


def test_negative_load_on_an_axis_names_the_grid_point(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('kind = "memory"\n[base]\nneurons = 50\n[axes]\nload = [0.1, -0.1]\n')
    with pytest.raises(ValueError, match=r"load.*at grid point load=-0.1"):
        run_sweep(cfg, tmp_path / "bad.zarr", executor="serial")
    assert not (tmp_path / "bad.zarr").exists()


@pytest.mark.parametrize("extra, expected", [("", "dtype float32"), ('dtype = "float64"', "dtype float64")])
def test_device_and_dtype_attrs_come_from_the_kind(tmp_path, extra, expected):
    # the store's `source` is what the kind resolved (simulate's own default when base names no dtype)
    spec = loads_spec(SWEEP.replace("[base]", "[base]\n" + extra))
    ds = run_sweep(spec, tmp_path / "s.zarr", executor="serial", progress=False)
    direct = hh.simulate(**work_units(spec)[0].args)
    assert ds.attrs["source"] == direct.attrs["source"]
    assert expected in ds.attrs["source"] and "device cpu" in ds.attrs["source"]
