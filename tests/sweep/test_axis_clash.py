"""A unit variable that shares a swept axis's name would be silently lost: the engine refuses it."""

import numpy as np
import pytest
import xarray as xr

from hopfield_hclm.core.sweep import Kind, loads_spec, register_kind, run_sweep


def _result(*, trials, seed, scale=1.0):
    return xr.Dataset({"scale": (("trial",), np.full(trials, scale)), "value": (("trial",), np.zeros(trials))},
                      coords={"trial": np.arange(trials)})


def test_variable_named_like_an_axis_is_refused_before_a_store(tmp_path):
    register_kind(Kind(name="clash", compute=_result, template=_result, validate=lambda **_: None))
    spec = loads_spec('kind = "clash"\ntrials = 2\n[axes]\nscale = [1.0, 2.0]\n')
    with pytest.raises(ValueError, match="'scale'.*name of the swept axis"):
        run_sweep(spec, tmp_path / "clash.zarr", executor="serial", progress=False)
    assert not (tmp_path / "clash.zarr").exists()
