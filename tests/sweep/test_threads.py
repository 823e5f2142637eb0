"""Torch threads per unit: explicit, validated before any store, restored for the serial executor."""

import numpy as np
import pytest
import torch
import xarray as xr

from hopfield_hclm.core.sweep import Kind, loads_spec, register_kind, run_sweep


def _threads_seen(*, trials, seed, tag=0):
    return xr.Dataset({"threads": (("trial",), np.full(trials, torch.get_num_threads()))},
                      coords={"trial": np.arange(trials)})


register_kind(Kind(name="threads_probe", compute=_threads_seen, template=_threads_seen,
                   validate=lambda **_: None))
SPEC = 'kind = "threads_probe"\ntrials = 1\n[axes]\ntag = [0, 1]\n'


def test_units_run_with_the_requested_threads_and_the_caller_keeps_its_own(tmp_path):
    before = torch.get_num_threads()
    ds = run_sweep(loads_spec(SPEC), tmp_path / "t.zarr", executor="serial", threads=1, progress=False)
    assert (ds["threads"] == 1).all()
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("bad", [0, -2, 1.5])
def test_bad_threads_refused_before_a_store(tmp_path, bad):
    with pytest.raises(ValueError, match="threads"):
        run_sweep(loads_spec(SPEC), tmp_path / "bad.zarr", executor="serial", threads=bad, progress=False)
    assert not (tmp_path / "bad.zarr").exists()
