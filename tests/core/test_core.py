"""Shared core: seeds independent of batch layout, validation messages, schema attributes."""

import numpy as np
import pytest
import torch
import xarray as xr

from hopfield_hclm.core import (
    annotate,
    check_choice,
    check_int,
    check_real,
    config_attrs,
    global_attrs,
    missing_cf_attrs,
    resolve_device,
    resolve_dtype,
    trial_generators,
    trial_seeds,
)
from hopfield_hclm.core.devices import MemoryEstimateError, check_memory


def test_trial_seed_depends_only_on_root_and_index():
    assert np.array_equal(trial_seeds(7, 10)[:4], trial_seeds(7, 4))
    assert len(set(trial_seeds(7, 100).tolist())) == 100
    assert not np.array_equal(trial_seeds(7, 4), trial_seeds(8, 4))


def test_trial_generators_match_across_batch_sizes():
    a = [g.integers(0, 2**31, 5) for g in trial_generators(3, 2)]
    b = [g.integers(0, 2**31, 5) for g in trial_generators(3, 6)]
    for x, y in zip(a, b):
        assert np.array_equal(x, y)


@pytest.mark.parametrize("bad", [-1, 1.5, True, "0"])
def test_seed_must_be_nonnegative_int(bad):
    with pytest.raises(ValueError, match="seed"):
        trial_seeds(bad, 3)


def test_validation_messages_name_argument():
    with pytest.raises(ValueError, match=r"model must be one of 'a', 'b'; got 'c'"):
        check_choice("model", "c", ("a", "b"))
    with pytest.raises(ValueError, match=r"neurons must be an integer >= 1"):
        check_int("neurons", 0, minimum=1)
    with pytest.raises(ValueError, match=r"dt must lie in \(0, inf\]"):
        check_real("dt", 0.0, low=0, low_open=True)
    with pytest.raises(ValueError, match="finite"):
        check_real("load", float("nan"))
    assert check_real("cue", 1.0, low=-1, high=1) == 1.0


def test_devices_and_dtypes():
    assert resolve_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")
    with pytest.raises(ValueError, match="device"):
        resolve_device("tpu")
    assert resolve_dtype(None) is torch.float32
    assert resolve_dtype("float64") is torch.float64
    with pytest.raises(ValueError, match="dtype"):
        resolve_dtype("int8")


def test_memory_guard_refuses_with_estimate():
    with pytest.raises(MemoryEstimateError, match="GiB"):
        check_memory(10**18, torch.device("cpu"), what="a huge run")
    check_memory(1024, torch.device("cpu"))


def test_schema_attrs_roundtrip():
    cfg = {"b": 2, "a": np.float64(0.5)}
    assert config_attrs(cfg) == config_attrs({"a": 0.5, "b": 2})
    ds = xr.Dataset({"m": ("t", np.zeros(3))}, coords={"t": np.arange(3)})
    ds.attrs.update(global_attrs(title="x", config=cfg, references="none"))
    assert set(missing_cf_attrs(ds)) == {"m", "t"}
    annotate(ds, {"m": ("overlap", "1"), "t": ("time", "sweep")})
    assert missing_cf_attrs(ds) == []
